"""Same as insecure_store.py, every finding suppressed with a flake8 noqa."""

import tempfile


def make_name():
    return tempfile.mktemp(suffix=".pem")  # noqa: KG102 - name only, never written
