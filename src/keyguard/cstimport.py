"""``import libcst`` with the code of its dataclasses compiled once, like Python's own bytecode.

libcst defines about two hundred frozen dataclasses.  For each one, :mod:`dataclasses` writes the
source text of ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and friends and hands it to
``exec``, which compiles it; Python caches the bytecode of modules but not of this generated code.
Compiling those ~600 small functions is more than half of the 0.2 s that ``import libcst`` costs,
which is most of a pre-commit run on a few files.

:func:`import_libcst` imports libcst with ``exec`` shadowed, inside :mod:`dataclasses` only and
only for the duration of the import, by a function that looks the source text up in a table of
code objects compiled by an earlier run.  ``compile(text, "<string>", "exec", dont_inherit=True)``
gives the code ``exec(text, ...)`` would have compiled inside :mod:`dataclasses` (it has no
``__future__`` imports), so the classes are the same; a text not in the table is compiled as
usual.  The table is stored with :mod:`marshal` beside the ``.pyc`` files of this package (so it
is trusted like them), named after the bytecode tag and marshal version, and rewritten only when
an import missed (it then holds exactly what that import used, so an upgraded libcst leaves no
stale entries).  It is written only where Python itself would write bytecode.  keyguard's own
analysis modules are imported the same way, with a table of their own (``keyguard.api``).

Every keyguard module that uses libcst is reached through a package that calls
:func:`import_libcst` before its modules' imports (``keyguard.analysis``, ``keyguard.rules``,
``keyguard.fixes``), or calls it when it parses (``keyguard.source``);
``tests/analysis/test_cstimport.py`` checks this.
"""

from __future__ import annotations

import builtins
import marshal
import sys
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, Dict, Iterator, Optional

_TAG = f"{sys.implementation.cache_tag}-m{marshal.version}"
_MISSING = object()


def table_path(name: str) -> Path:
    """Where the table ``name`` is kept: beside this package's ``.pyc`` files."""
    return Path(__file__).parent / "__pycache__" / f"{name}-dataclasses.{_TAG}.marshal"


#: per table: how many generated functions the imports through it found (``hits``) and compiled
#: (``misses``) in this process
STATS: Dict[str, Dict[str, int]] = {}


@contextmanager
def dataclass_code_cached(name: str, path: Optional[Path] = None) -> Iterator[None]:
    """While the block runs, the dataclasses created take their generated code from the table
    ``name`` (``path``: another file, for tests); blocks nest."""
    import dataclasses

    path = table_path(name) if path is None else path
    table = _load(path)
    used: Dict[str, CodeType] = {}
    stats = STATS.setdefault(name, {"hits": 0, "misses": 0})
    misses = stats["misses"]

    def exec_cached(source: Any, globals: Optional[Dict[str, Any]] = None,
                    locals: Optional[Dict[str, Any]] = None) -> None:
        if type(source) is str:
            code = table.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
                stats["misses"] += 1
            else:
                stats["hits"] += 1
            used[source] = code
            source = code
        if globals is None:  # exec's default: the calling frame's globals, those of dataclasses
            globals = vars(dataclasses)
        builtins.exec(source, globals, locals)

    before = vars(dataclasses).get("exec", _MISSING)
    dataclasses.exec = exec_cached  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if before is _MISSING:
            del dataclasses.exec  # type: ignore[attr-defined]
        else:
            dataclasses.exec = before  # type: ignore[attr-defined]
    if stats["misses"] > misses and not sys.dont_write_bytecode:
        _write(path, used)


def import_libcst(cache_path: Optional[Path] = None) -> ModuleType:
    """Import libcst (once per process) with its dataclasses' generated code cached, and its
    ``metadata`` package's own ``__init__`` deferred (see :func:`_deferred_package`)."""
    module = sys.modules.get("libcst")
    if module is not None:
        return module
    metadata = _deferred_package("libcst", "metadata")
    with dataclass_code_cached("libcst", cache_path):
        import libcst
    if metadata is not None and getattr(libcst, "metadata", None) is not metadata:
        libcst.metadata = metadata  # type: ignore[attr-defined]  (what an import would have bound)
    return libcst


def _deferred_package(parent: str, name: str) -> Optional[ModuleType]:
    """``parent.name``, a package whose ``__init__`` runs on first use of one of its names.

    libcst's ``__init__`` imports two of ``libcst.metadata``'s modules (the provider base class,
    the wrapper); the package's ``__init__`` then imports every provider, scope analysis and
    type inference through pyre included, about a fifth of libcst's import.  keyguard needs
    only the position provider, and only when it reports.  The package is put in
    ``sys.modules`` unexecuted: its modules import as usual (``libcst.metadata.wrapper``), and
    the first name read from the package itself (``from libcst.metadata import
    PositionProvider``) runs its ``__init__`` in place.  Nothing is deferred when the package
    cannot be found this way (the import then happens as usual).
    """
    qualified = f"{parent}.{name}"
    if qualified in sys.modules or parent in sys.modules:
        return None
    try:
        import importlib.machinery
        import importlib.util

        outer = importlib.util.find_spec(parent)
        if outer is None or not outer.submodule_search_locations:
            return None
        spec = importlib.machinery.PathFinder.find_spec(qualified, list(outer.submodule_search_locations))
        if spec is None or spec.loader is None or not spec.submodule_search_locations:
            return None
        package = importlib.util.module_from_spec(spec)
    except (ImportError, ValueError, AttributeError):
        return None
    loader = spec.loader
    state = {"ran": False}

    def __getattr__(attr: str) -> object:
        if attr.startswith("__") or state["ran"]:
            raise AttributeError(f"module {qualified!r} has no attribute {attr!r}")
        state["ran"] = True
        loader.exec_module(package)
        try:
            return package.__dict__[attr]
        except KeyError:
            raise AttributeError(f"module {qualified!r} has no attribute {attr!r}") from None

    package.__getattr__ = __getattr__  # type: ignore[attr-defined]  (PEP 562)
    sys.modules[qualified] = package
    return package


def _load(path: Path) -> Dict[str, CodeType]:
    try:
        with open(path, "rb") as fh:
            table = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if type(k) is str and type(v) is CodeType}


def _write(target: Path, table: Dict[str, CodeType]) -> None:
    # (a read-only install: compile every time, as without the table)
    from keyguard.knowledge.compiled import write_atomically

    write_atomically(target, marshal.dumps(table))
