"""Legacy device-provisioning module kept for old firmware.

INSECURE example: every finding is annotated with `# expect:`.
"""
import random
import time

import paramiko
from Crypto.PublicKey import RSA
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FIRMWARE_RSA_BITS = 1024


def device_identity():
    return rsa.generate_private_key(public_exponent=3, key_size=2048)  # expect: KG601


def firmware_signing_key():
    return RSA.generate(FIRMWARE_RSA_BITS)  # expect: KG601


def telemetry_key():
    return ec.generate_private_key(ec.SECP192R1())  # expect: KG601


def maintenance_ssh_key():
    return paramiko.RSAKey.generate(1024)  # expect: KG601


def pairing_key(serial: str):
    # Seeded from the clock so that the factory line can "reproduce" a device key.
    rng = random.Random(int(time.time()))
    return ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))  # expect: KG602


def session_cipher():
    return AESGCM(bytes(random.getrandbits(8) for _ in range(16)))  # expect: KG602
