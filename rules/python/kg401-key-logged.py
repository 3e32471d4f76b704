"""Tests for kg401-key-logged (semgrep --test: annotation on the line before the target)."""
# flake8: noqa
import io
import logging
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from Crypto.PublicKey import RSA
from nacl.signing import SigningKey
from OpenSSL import crypto

log = logging.getLogger(__name__)
PEM = serialization.Encoding.PEM
PKCS8 = serialization.PrivateFormat.PKCS8
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo
NOENC = serialization.NoEncryption()

def f():
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(PEM, PKCS8, NOENC)
    # ruleid: kg401-key-logged
    logging.debug("generated %s", pem)
    # ruleid: kg401-key-logged
    print(pem.decode())
    # ruleid: kg401-key-logged
    log.info("key=%r", key)
    sk = SigningKey.generate()
    # ruleid: kg401-key-logged
    sys.stderr.write(sk.encode().hex())
    if not pem:
        # ruleid: kg401-key-logged
        raise ValueError(f"bad key {pem!r}")
    pub = key.public_key().public_bytes(PEM, SPKI)
    # ok: kg401-key-logged
    log.info("public key %s", pub)
    # ok: kg401-key-logged
    print("key size", key.key_size)
    # ok: kg401-key-logged
    logging.info("wrote key to %s", "/etc/app/key.pem")
    # ok: kg401-key-logged
    print(sk.verify_key.encode().hex())
