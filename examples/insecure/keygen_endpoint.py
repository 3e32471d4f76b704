"""A small web handler that issues signing keys to clients (framework-agnostic).

INSECURE example: every finding is annotated with `# expect:`.
"""
import json
import logging

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

logger = logging.getLogger(__name__)


def _private_pem(key: ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(key: ed25519.Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def handle_issue_key(request: dict) -> tuple:
    client = request.get("client_id", "anonymous")
    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = _private_pem(key)
    logger.info("issued key for %s: %s", client, private_pem)  # expect: KG401
    logger.info("public key for %s: %s", client, _public_pem(key))
    if "format" in request and request["format"] not in ("pem", "der"):
        raise ValueError(f"unsupported format for key {private_pem}")  # expect: KG401
    body = json.dumps({"client_id": client, "public_key": _public_pem(key)})
    return 200, {"Content-Type": "application/json"}, body


def handle_debug_dump(request: dict) -> tuple:
    key = ed25519.Ed25519PrivateKey.generate()
    print("DEBUG new key:", _private_pem(key))  # expect: KG401
    return 204, {}, ""
