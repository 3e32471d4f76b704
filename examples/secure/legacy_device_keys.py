"""Legacy device-provisioning module kept for old firmware.

SECURE twin: RSA keys are at least 3072 bits with e = 65537, curves are P-256 or better, and
every seed comes from the OS CSPRNG (os.urandom / secrets / the libraries' own generators).
"""
import secrets

import paramiko
from Crypto.PublicKey import RSA
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FIRMWARE_RSA_BITS = 3072


def device_identity():
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def firmware_signing_key():
    return RSA.generate(FIRMWARE_RSA_BITS)


def telemetry_key():
    return ec.generate_private_key(ec.SECP256R1())


def maintenance_ssh_key():
    return paramiko.RSAKey.generate(3072)


def pairing_key(serial: str):
    return ed25519.Ed25519PrivateKey.from_private_bytes(secrets.token_bytes(32))


def session_cipher():
    return AESGCM(AESGCM.generate_key(bit_length=256))
