"""Not mechanical: the name is used for a directory, mkstemp would make it a file."""

import os
import tempfile


def workdir() -> str:
    d = tempfile.mktemp()  # expect: KG102 (no autofix)
    os.mkdir(d, 0o700)
    return d
