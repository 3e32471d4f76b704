"""Tests for kg501-keygen-tool-temp-output (semgrep --test: annotation on the line before the target)."""
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

def tools():
    # ruleid: kg501-keygen-tool-temp-output
    subprocess.run(["openssl", "genrsa", "-out", "/tmp/server.key", "3072"], check=True)
    tmp = tempfile.mkdtemp()
    # ruleid: kg501-keygen-tool-temp-output
    subprocess.check_call(["ssh-keygen", "-t", "ed25519", "-f", os.path.join(tmp, "id"), "-N", ""])
    d = tempfile.gettempdir()
    # ruleid: kg501-keygen-tool-temp-output
    subprocess.run(["step", "crypto", "keypair", f"{d}/pub.json", f"{d}/priv.json", "--no-password", "--insecure"])
    # ruleid: kg501-keygen-tool-temp-output
    os.system(f"openssl req -newkey rsa:3072 -nodes -keyout {d}/tls.key -out tls.csr -subj /CN=x")
    # ok: kg501-keygen-tool-temp-output
    subprocess.run(["openssl", "genrsa", "-out", "/etc/app/server.key", "3072"], check=True)
    # ok: kg501-keygen-tool-temp-output
    subprocess.run(["openssl", "req", "-new", "-key", "/etc/app/server.key", "-out", "/tmp/server.csr", "-subj", "/CN=x"])
    # ok: kg501-keygen-tool-temp-output
    subprocess.run(["openssl", "pkey", "-in", "/etc/app/server.key", "-pubout", "-out", "/tmp/server.pub"])
    # ok: kg501-keygen-tool-temp-output
    subprocess.run(["ls", "-l", "/tmp"])


def shell_string():
    # ruleid: kg501-keygen-tool-temp-output
    os.system("openssl genpkey -algorithm ed25519 -out /tmp/signing.pem")
    # ok: kg501-keygen-tool-temp-output
    os.system("openssl genpkey -algorithm ed25519 -out /etc/app/signing.pem")
