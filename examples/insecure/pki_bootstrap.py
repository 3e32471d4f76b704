"""Bootstrap script for a small internal PKI: a CA with `step`, service keys with openssl.

INSECURE example: every finding is annotated with `# expect:`.
"""
import os
import subprocess
import tempfile

CA_PASSWORD = os.environ.get("CA_PASSWORD", "changeit")
WORKDIR = tempfile.gettempdir()


def create_root_ca(name: str) -> None:
    subprocess.run(  # expect: KG501
        ["step", "certificate", "create", name, f"{WORKDIR}/root_ca.crt", f"{WORKDIR}/root_ca.key",
         "--profile", "root-ca", "--password-file", "/run/secrets/ca-pass"],
        check=True,
    )


def service_key(service: str) -> str:
    key_path = os.path.join(WORKDIR, f"{service}.key")
    os.system(f"openssl genrsa -aes256 -passout pass:{CA_PASSWORD} -out {key_path} 3072")  # expect: KG501, KG503
    subprocess.run(
        ["openssl", "req", "-new", "-key", key_path, "-passin", "file:/run/secrets/ca-pass",
         "-out", f"{WORKDIR}/{service}.csr", "-subj", f"/CN={service}"],
        check=True,
    )
    return key_path


def deploy_key(host: str) -> None:
    subprocess.run(["ssh-keygen", "-t", "ed25519", "-f", "/tmp/deploy_" + host, "-N", "", "-q"], check=True)  # expect: KG501


if __name__ == "__main__":
    create_root_ca("Internal Root")
    for svc in ("api", "billing"):
        service_key(svc)
    deploy_key("build01")
