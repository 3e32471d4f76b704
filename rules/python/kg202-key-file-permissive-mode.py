"""Tests for kg202-key-file-permissive-mode (semgrep --test: annotation on the line before the target)."""
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

import stat


def mode_0o644(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    # ruleid: kg202-key-file-permissive-mode
    os.write(fd, key.private_bytes(PEM, PKCS8, NOENC))


def mode_stat(path):
    key = ed25519.Ed25519PrivateKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRWXG)
    with os.fdopen(fd, "wb") as fh:
        # ruleid: kg202-key-file-permissive-mode
        fh.write(key.private_bytes(PEM, PKCS8, NOENC))


def mode_kw(path):
    key = RSA.generate(3072)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, mode=0o666)
    # ruleid: kg202-key-file-permissive-mode
    os.write(fd, key.export_key())


def owner_only(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    # ok: kg202-key-file-permissive-mode
    os.write(fd, key.private_bytes(PEM, PKCS8, NOENC))


def public_0o644(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    # ok: kg202-key-file-permissive-mode
    os.write(fd, key.public_key().public_bytes(PEM, SPKI))


def stat_owner(path):
    key = ed25519.Ed25519PrivateKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, stat.S_IRUSR | stat.S_IWUSR)
    # ok: kg202-key-file-permissive-mode
    os.write(fd, key.private_bytes(PEM, PKCS8, NOENC))
