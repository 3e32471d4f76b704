"""Key distribution daemon: pushes node keys to agents and records their public halves.

Compliant twin of examples/insecure/key_distribution.py: keys travel only over verified
TLS, workers are not given the seed through shared memory, and the local cache holds
public verify keys only.
"""
import json
import os
import socket
import ssl

from nacl.signing import SigningKey

CACHE = "/var/cache/keydist/verify-keys.json"


def push(host: str, sk: SigningKey, context: ssl.SSLContext) -> None:
    with socket.create_connection((host, 7400)) as raw:
        with context.wrap_socket(raw, server_hostname=host) as sock:
            sock.sendall(sk.encode())


def cache_public(verify_keys: dict) -> None:
    fd = os.open(CACHE + ".new", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(verify_keys, fh)
    os.replace(CACHE + ".new", CACHE)


def run(hosts) -> None:
    context = ssl.create_default_context(cafile="/etc/keydist/ca.pem")
    verify_keys = {}
    for host in hosts:
        sk = SigningKey.generate()
        push(host, sk, context)
        verify_keys[host] = sk.verify_key.encode().hex()
    cache_public(verify_keys)
