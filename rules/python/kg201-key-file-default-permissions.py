"""Tests for kg201-key-file-default-permissions (semgrep --test: annotation on the line before the target)."""
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

def open_wb(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    with open(path, "wb") as fh:
        # ruleid: kg201-key-file-default-permissions
        fh.write(key.private_bytes(PEM, PKCS8, NOENC))


def path_write_bytes(path):
    key = ed25519.Ed25519PrivateKey.generate()
    # ruleid: kg201-key-file-default-permissions
    Path(path).write_bytes(key.private_bytes(PEM, PKCS8, NOENC))


def pycryptodome_x(path):
    key = RSA.generate(3072)
    fh = open(path, "xb")
    # ruleid: kg201-key-file-default-permissions
    fh.write(key.export_key())


def os_open_no_mode(path):
    pem = crypto.dump_privatekey(crypto.FILETYPE_PEM, crypto.PKey())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    # ruleid: kg201-key-file-default-permissions
    os.write(fd, pem)


def owner_only(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        # ok: kg201-key-file-default-permissions
        fh.write(key.private_bytes(PEM, PKCS8, NOENC))


def public_file(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    with open(path, "wb") as fh:
        # ok: kg201-key-file-default-permissions
        fh.write(key.public_key().public_bytes(PEM, SPKI))


def read_key(path):
    key = ed25519.Ed25519PrivateKey.generate()
    with open(path, "rb") as fh:
        data = fh.read()
    # ok: kg201-key-file-default-permissions
    Path(path + ".pub").write_bytes(key.public_key().public_bytes(PEM, SPKI))
    return data
