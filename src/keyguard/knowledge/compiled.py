"""The bundled TOML tables, compiled once like Python's own bytecode.

Parsing the knowledge base and the tool grammar with ``tomllib`` costs about 30 ms, a tenth of a
pre-commit run on a few files, in every process.  The parsed tables are plain data (dicts, lists,
strings, numbers), so :mod:`marshal` stores them and reads them back in under a millisecond.  The
compiled copy sits in the package's ``__pycache__`` beside the ``.pyc`` files, is named after the
table's content hash and the Python version (an edited table or another interpreter never reads a
stale copy), and is written atomically, only where Python itself would write bytecode
(``sys.dont_write_bytecode``, a read-only install: the table is simply parsed every time).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any, Dict

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

_TAG = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"


def compiled_path(path: Path, raw: bytes) -> Path:
    digest = hashlib.sha256(raw).hexdigest()[:20]
    return path.parent / "__pycache__" / f"{path.name}.{digest}.{_TAG}.marshal"


def load_toml(path: Path) -> Dict[str, Any]:
    """The parsed TOML document at ``path`` (a bundled table), from its compiled copy when one
    exists.  Raises ``OSError`` and ``tomllib.TOMLDecodeError`` as ``tomllib.load`` does."""
    with open(path, "rb") as fh:
        raw = fh.read()
    cached = compiled_path(path, raw)
    try:
        with open(cached, "rb") as fh:
            data = marshal.loads(fh.read())
        if isinstance(data, dict):
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = tomllib.loads(raw.decode("utf-8"))
    if not sys.dont_write_bytecode:
        _write(cached, data)
    return data


def _write(target: Path, data: Dict[str, Any]) -> None:
    try:
        blob = marshal.dumps(data)
    except ValueError:  # a value marshal cannot store (TOML dates): parse every time
        return
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)
    except OSError:  # a read-only install
        try:
            tmp.unlink()
        except OSError:
            pass
