"""Tests for kg102-insecure-mktemp (semgrep --test: annotation on the line before the target)."""
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
    # ruleid: kg102-insecure-mktemp
    path = tempfile.mktemp(suffix=".pem")
    # ruleid: kg102-insecure-mktemp
    other = tempfile.mktemp()
    # ruleid: kg102-insecure-mktemp
    return tempfile.mktemp(prefix="key-", dir="/var/tmp"), path, other


def g():
    from tempfile import mktemp
    # ruleid: kg102-insecure-mktemp
    return mktemp()


def ok():
    # ok: kg102-insecure-mktemp
    fd, path = tempfile.mkstemp(suffix=".pem")
    # ok: kg102-insecure-mktemp
    fh = tempfile.NamedTemporaryFile()
    # ok: kg102-insecure-mktemp
    d = tempfile.mkdtemp()
    return fd, path, fh, d
