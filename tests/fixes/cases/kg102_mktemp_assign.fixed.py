"""A key file name reserved with tempfile.mktemp() (the name can be taken first)."""

import tempfile
import os


def reserve_key_path() -> str:
    # where the generated key will go
    fd, path = tempfile.mkstemp(suffix=".pem", prefix="key-")  # expect: KG102
    os.close(fd)
    return path
