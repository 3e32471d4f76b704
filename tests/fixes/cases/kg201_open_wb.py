from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def save(key_path: str) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"from the vault"),
    )
    with open(key_path, "wb") as fh:  # the file is created 0o666 & ~umask
        fh.write(pem)  # expect: KG201
