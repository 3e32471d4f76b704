"""A typical insecure key-generation script (fixture for the integration tests)."""

import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_and_store():
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tempfile.mktemp(suffix=".pem")
    with open(path, "wb") as fh:
        fh.write(pem)
    return path
