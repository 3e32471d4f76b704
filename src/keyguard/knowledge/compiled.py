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
from typing import Any, Dict, Optional, Sequence, Type, TypeVar

T = TypeVar("T")

_TAG = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"


def toml() -> Any:
    """The TOML parser (imported on first use: with every table compiled, a run imports none)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


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
    data = toml().loads(raw.decode("utf-8"))
    if not sys.dont_write_bytecode:
        _write(cached, data)
    return data


def _write(target: Path, data: Dict[str, Any]) -> None:
    try:
        blob = marshal.dumps(data)
    except ValueError:  # a value marshal cannot store (TOML dates): parse every time
        return
    write_atomically(target, blob)


def write_atomically(target: Path, blob: bytes) -> None:
    """Write ``blob`` to ``target`` through a sibling renamed into place (readers never see half a
    file), creating ``target``'s folder; a failure (a read-only install) leaves nothing behind
    and is not an error: the caller simply computes its data again next time."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def built_path(folder: Path, sources: Sequence[bytes]) -> Path:
    h = hashlib.sha256()
    for raw in sources:
        h.update(hashlib.sha256(raw).digest())
    return folder / f"knowledge-base.{h.hexdigest()[:20]}.{_TAG}.pickle"


def load_built(folder: Path, sources: Sequence[bytes], kind: Type[T]) -> Optional[T]:
    """The object :func:`store_built` kept for these ``sources`` (the tables and the code that
    builds them), or None.  A pickle, trusted like the ``.pyc`` files beside it: it is read from
    the package's own ``__pycache__`` only."""
    import pickle

    try:
        with open(built_path(folder, sources), "rb") as fh:
            data = fh.read()
        built = pickle.loads(data)
    except Exception:  # absent, torn, or from another keyguard: built again
        return None
    return built if isinstance(built, kind) else None


def store_built(folder: Path, sources: Sequence[bytes], built: object) -> None:
    """Keep ``built`` for :func:`load_built` (only where Python itself would write bytecode)."""
    import pickle

    if sys.dont_write_bytecode:
        return
    try:
        blob = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    write_atomically(built_path(folder, sources), blob)
