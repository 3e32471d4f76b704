"""Tests for kg101-key-in-tempfile (semgrep --test: annotation on the line before the target)."""
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

def named_tempfile():
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(PEM, PKCS8, NOENC)
    with tempfile.NamedTemporaryFile(suffix=".pem", delete=False) as fh:
        # ruleid: kg101-key-in-tempfile
        fh.write(pem)


def mkstemp_fd():
    fd, path = tempfile.mkstemp()
    key = ed25519.Ed25519PrivateKey.generate()
    # ruleid: kg101-key-in-tempfile
    os.write(fd, key.private_bytes(PEM, PKCS8, NOENC))


def gettempdir_path():
    key = RSA.generate(3072)
    path = Path(tempfile.gettempdir()) / "signing.pem"
    # ruleid: kg101-key-in-tempfile
    path.write_bytes(key.export_key())


def tmp_literal():
    key = paramiko.RSAKey.generate(3072)
    # ruleid: kg101-key-in-tempfile
    key.write_private_key_file("/tmp/id_ed25519")


def public_to_tmp():
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pub = key.public_key().public_bytes(PEM, SPKI)
    with open("/tmp/server.pub", "wb") as fh:
        # ok: kg101-key-in-tempfile
        fh.write(pub)


def final_path():
    key = ec.generate_private_key(ec.SECP256R1())
    fd = os.open("/etc/app/key.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        # ok: kg101-key-in-tempfile
        fh.write(key.private_bytes(PEM, PKCS8, NOENC))


def log_to_tmp():
    with tempfile.NamedTemporaryFile("w") as fh:
        # ok: kg101-key-in-tempfile
        fh.write("generated a key")


def cert_to_tmp(builder):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = builder.public_key(key.public_key()).sign(key, None)
    with tempfile.NamedTemporaryFile() as fh:
        # ok: kg101-key-in-tempfile
        fh.write(cert.public_bytes(PEM))
