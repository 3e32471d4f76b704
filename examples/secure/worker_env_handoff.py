"""Batch worker that hands a freshly generated key to a signing helper process.

Compliant twin of examples/insecure/worker_env_handoff.py: secrets travel on the child's
standard input (a pipe private to the two processes), never in argv or the environment.
"""
import os
import secrets
import subprocess

from Crypto.PublicKey import RSA


def sign_batch(paths) -> None:
    key = RSA.generate(3072)
    subprocess.run(["signer", "--batch", "--key-from-stdin", *paths], input=key.export_key(), check=True)


def export_protected(path: str) -> None:
    passphrase = secrets.token_urlsafe(24)
    key = RSA.generate(3072)
    blob = key.export_key(passphrase=passphrase, pkcs=8, protection="scryptAndAES128-CBC")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
    # `keyctl padd` reads the payload from stdin
    subprocess.run(["keyctl", "padd", "user", "signer-pass", "@u"], input=passphrase.encode(), check=True)
