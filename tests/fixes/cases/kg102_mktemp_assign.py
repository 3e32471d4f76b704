"""A key file name reserved with tempfile.mktemp() (the name can be taken first)."""

import tempfile


def reserve_key_path() -> str:
    # where the generated key will go
    path = tempfile.mktemp(suffix=".pem", prefix="key-")  # expect: KG102
    return path
