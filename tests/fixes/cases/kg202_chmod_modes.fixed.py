import os
import stat

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def store(directory: str) -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"from the vault"),
    )
    os.makedirs(directory, 0o700, exist_ok=True)  # expect: KG202
    path = os.path.join(directory, "id_ed25519")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode=0o600)  # expect: KG202
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(path, 0o600)  # expect: KG202
    return path
