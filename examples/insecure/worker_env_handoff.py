"""Batch worker that hands a freshly generated key to a signing helper process.

INSECURE example: every finding is annotated with `# expect:`.
"""
import os
import secrets
import subprocess

from Crypto.PublicKey import RSA


def signing_env(pem: str) -> dict:
    env = dict(os.environ)
    env["SIGNER_PRIVATE_KEY"] = pem
    return env


def sign_batch(paths) -> None:
    key = RSA.generate(3072)
    pem = key.export_key().decode()
    os.environ["SIGNER_PRIVATE_KEY"] = pem  # expect: KG402
    subprocess.run(["signer", "--batch", *paths], env=signing_env(pem), check=True)  # expect: KG402


def export_protected(path: str) -> None:
    passphrase = secrets.token_urlsafe(24)
    key = RSA.generate(3072)
    blob = key.export_key(passphrase=passphrase, pkcs=8, protection="scryptAndAES128-CBC")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
    subprocess.run(["keyctl", "add", "user", "signer-pass", passphrase, "@u"], check=True)  # expect: KG402
