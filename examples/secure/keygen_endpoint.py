"""A small web handler that issues signing keys to clients (framework-agnostic).

Compliant twin of examples/insecure/keygen_endpoint.py: only the public key and its
fingerprint are logged or returned; errors never carry key material.
"""
import hashlib
import json
import logging

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

logger = logging.getLogger(__name__)


def _public_pem(key: ed25519.Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _fingerprint(key: ed25519.Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def handle_issue_key(request: dict) -> tuple:
    client = request.get("client_id", "anonymous")
    if "format" in request and request["format"] not in ("pem", "der"):
        raise ValueError(f"unsupported format {request['format']!r}")
    key = ed25519.Ed25519PrivateKey.generate()
    logger.info("issued key for %s, fingerprint %s", client, _fingerprint(key))
    body = json.dumps({"client_id": client, "public_key": _public_pem(key)})
    return 200, {"Content-Type": "application/json"}, body


def handle_debug_dump(request: dict) -> tuple:
    key = ed25519.Ed25519PrivateKey.generate()
    print("DEBUG new key fingerprint:", _fingerprint(key))
    return 204, {}, ""
