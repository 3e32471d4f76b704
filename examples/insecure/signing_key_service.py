"""In-process signing service that keeps a raw Ed25519 seed in memory.

INSECURE example: every finding is annotated with `# expect:`.
"""
import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


class SigningService:
    def __init__(self) -> None:
        key = ed25519.Ed25519PrivateKey.generate()
        self._seed = bytearray(key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        ))

    def sign(self, message: bytes) -> bytes:
        # The loaded key object is rebuilt from an immutable copy of the seed on every call.
        key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(self._seed))  # expect: KG302
        return key.sign(message)

    def backup_blob(self) -> str:
        # A base64 string of the seed can never be wiped and ends up wherever the caller puts it.
        return base64.b64encode(self._seed).decode()  # expect: KG302

    def key_id(self) -> str:
        scratch = bytearray(self._seed)  # expect: KG301
        scratch.extend(b"key-id")
        digest = hashlib.sha256(scratch).hexdigest()[:16]
        return digest

    def close(self) -> None:
        # `del` drops the reference; the bytes stay in the heap until reused.
        del self._seed

