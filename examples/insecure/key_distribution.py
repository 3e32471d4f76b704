"""Key distribution daemon: pushes node keys to agents and caches them locally.

INSECURE example: every finding is annotated with `# expect:`.
"""
import pickle
import socket
from multiprocessing import shared_memory

from nacl.signing import SigningKey

CACHE = "/var/cache/keydist/keys.pickle"


def new_node_key() -> SigningKey:
    return SigningKey.generate()


def push(host: str, sk: SigningKey) -> None:
    with socket.create_connection((host, 7400)) as sock:
        sock.sendall(sk.encode())  # expect: KG403
        sock.sendall(sk.verify_key.encode())


def share_with_workers(sk: SigningKey) -> str:
    seed = sk.encode()
    shm = shared_memory.SharedMemory(create=True, size=len(seed))
    shm.buf[: len(seed)] = seed  # expect: KG403
    return shm.name


def cache(keys: dict) -> None:
    with open(CACHE, "wb") as fh:
        pickle.dump({name: sk.encode() for name, sk in keys.items()}, fh)  # expect: KG403, KG201


def run(hosts) -> None:
    keys = {}
    for host in hosts:
        sk = new_node_key()
        keys[host] = sk
        push(host, sk)
        share_with_workers(sk)
    cache(keys)
