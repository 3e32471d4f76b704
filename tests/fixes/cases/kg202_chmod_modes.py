import os
import stat


def store_private_key(directory: str, pem: bytes) -> None:
    path = os.path.join(directory, "server.key")
    os.makedirs(directory, 0o755, exist_ok=True)  # expect: KG202
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, mode=0o644)  # expect: KG202
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)  # expect: KG202
