"""In-process signing service that keeps a raw Ed25519 seed in memory.

SECURE twin: the seed lives in one bytearray that is zeroed on close(); temporary copies are
wiped in `finally:`; no immutable copy of the seed is ever made (the key object is built once).
"""
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def zeroize(buf: bytearray) -> None:
    """Overwrite a key buffer in place."""
    buf[:] = bytes(len(buf))


class SigningService:
    def __init__(self) -> None:
        self._key = ed25519.Ed25519PrivateKey.generate()
        self._seed = bytearray(self._key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        ))

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def key_id(self) -> str:
        scratch = bytearray(self._seed)
        try:
            scratch.extend(b"key-id")
            return hashlib.sha256(scratch).hexdigest()[:16]
        finally:
            zeroize(scratch)

    def close(self) -> None:
        zeroize(self._seed)

    def __enter__(self) -> "SigningService":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
