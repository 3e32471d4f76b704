"""Tests for kg204-permissive-umask (semgrep --test: annotation on the line before the target)."""
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
    # ruleid: kg204-permissive-umask
    os.umask(0)
    # ruleid: kg204-permissive-umask
    old = os.umask(0o022)
    # ruleid: kg204-permissive-umask
    os.umask(0o027)
    # ok: kg204-permissive-umask
    os.umask(old)
    # ok: kg204-permissive-umask
    os.umask(0o077)
    # ok: kg204-permissive-umask
    os.umask(0o177)
