"""Bootstrap script for a small internal PKI: a CA with `step`, service keys with openssl.

SECURE twin: keys are written into a 0700 directory owned by the service account (never a shared
temp dir), every key is encrypted, and passphrases travel through files, never argv.
"""
import os
import subprocess

PKI_DIR = "/var/lib/pki/private"
PASS_FILE = "/run/secrets/ca-pass"


def _prepare() -> None:
    os.makedirs(PKI_DIR, mode=0o700, exist_ok=True)
    os.chmod(PKI_DIR, 0o700)


def create_root_ca(name: str) -> None:
    subprocess.run(
        ["step", "certificate", "create", name, "/var/lib/pki/root_ca.crt", f"{PKI_DIR}/root_ca.key",
         "--profile", "root-ca", "--password-file", PASS_FILE],
        check=True,
    )


def service_key(service: str) -> str:
    key_path = os.path.join(PKI_DIR, f"{service}.key")
    subprocess.run(
        ["openssl", "genrsa", "-aes256", "-passout", f"file:{PASS_FILE}", "-out", key_path, "3072"],
        check=True,
    )
    subprocess.run(
        ["openssl", "req", "-new", "-key", key_path, "-passin", f"file:{PASS_FILE}",
         "-out", f"/var/lib/pki/{service}.csr", "-subj", f"/CN={service}"],
        check=True,
    )
    return key_path


def deploy_key(host: str) -> None:
    # ssh-keygen reads the new passphrase from the terminal/agent when -N is absent; here the
    # operator provides it interactively, so it never reaches argv.
    subprocess.run(["ssh-keygen", "-t", "ed25519", "-f", f"{PKI_DIR}/deploy_{host}", "-q"], check=True)


if __name__ == "__main__":
    _prepare()
    create_root_ca("Internal Root")
    for svc in ("api", "billing"):
        service_key(svc)
    deploy_key("build01")
