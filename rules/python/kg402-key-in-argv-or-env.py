"""Tests for kg402-key-in-argv-or-env (semgrep --test: annotation on the line before the target)."""
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
    pem = key.private_bytes(PEM, PKCS8, NOENC).decode()
    # ruleid: kg402-key-in-argv-or-env
    subprocess.run(["vault", "kv", "put", "secret/tls", "key=" + pem], check=True)
    # ruleid: kg402-key-in-argv-or-env
    os.environ["TLS_KEY"] = pem
    # ruleid: kg402-key-in-argv-or-env
    subprocess.run(["deploy"], env={**os.environ, "TLS_KEY": pem}, check=True)
    # ruleid: kg402-key-in-argv-or-env
    os.system("echo " + pem + " | kubectl apply -f -")
    # ok: kg402-key-in-argv-or-env
    subprocess.run(["kubectl", "create", "secret", "generic", "tls", "--from-file=key=/dev/stdin"], input=pem.encode(), check=True)
    # ok: kg402-key-in-argv-or-env
    os.environ["TLS_PUB"] = key.public_key().public_bytes(PEM, SPKI).decode()
    # ok: kg402-key-in-argv-or-env
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", "/etc/app/k.pem"], check=True)
