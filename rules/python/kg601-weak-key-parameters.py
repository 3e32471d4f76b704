"""Tests for kg601-weak-key-parameters (semgrep --test: annotation on the line before the target)."""
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
    # ruleid: kg601-weak-key-parameters
    a = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    # ruleid: kg601-weak-key-parameters
    b = rsa.generate_private_key(public_exponent=3, key_size=3072)
    # ruleid: kg601-weak-key-parameters
    c = ec.generate_private_key(ec.SECP192R1())
    # ruleid: kg601-weak-key-parameters
    d = RSA.generate(1024)
    # ruleid: kg601-weak-key-parameters
    e = paramiko.RSAKey.generate(bits=1024)
    # ok: kg601-weak-key-parameters
    g = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    # ok: kg601-weak-key-parameters
    h = ec.generate_private_key(ec.SECP256R1())
    # ok: kg601-weak-key-parameters
    i = RSA.generate(2048)
    # ok: kg601-weak-key-parameters
    j = ed25519.Ed25519PrivateKey.generate()
    return a, b, c, d, e, g, h, i, j
