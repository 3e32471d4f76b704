"""Tests for kg503-keygen-tool-secret-in-argv (semgrep --test: annotation on the line before the target)."""
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

def f(pw):
    # ruleid: kg503-keygen-tool-secret-in-argv
    subprocess.run(["openssl", "genrsa", "-aes256", "-passout", "pass:changeit", "-out", "k.pem"], check=True)
    # ruleid: kg503-keygen-tool-secret-in-argv
    subprocess.run(["openssl", "pkcs12", "-export", "-passout", f"pass:{pw}", "-out", "c.p12"], check=True)
    # ruleid: kg503-keygen-tool-secret-in-argv
    subprocess.run(["ssh-keygen", "-t", "ed25519", "-f", "id", "-N", pw], check=True)
    # ruleid: kg503-keygen-tool-secret-in-argv
    os.system("openssl genrsa -aes256 -passout pass:" + pw + " -out k.pem")
    # ok: kg503-keygen-tool-secret-in-argv
    subprocess.run(["openssl", "genrsa", "-aes256", "-passout", "stdin", "-out", "k.pem"], input=pw.encode(), check=True)
    # ok: kg503-keygen-tool-secret-in-argv
    subprocess.run(["openssl", "genrsa", "-aes256", "-passout", "file:/run/secrets/pw", "-out", "k.pem"], check=True)
    # ok: kg503-keygen-tool-secret-in-argv
    subprocess.run(["ssh-keygen", "-t", "ed25519", "-f", "id", "-N", ""], check=True)
