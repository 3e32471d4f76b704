"""Per-file result cache keyed by content hashes.

An entry holds the findings, errors and exported names (see
:func:`keyguard.analysis.run.exported_names`) of one target file together with the
hash of every module its analysis read (the file itself and the modules reached
by cross-module flows).  It is valid while keyguard's version, the knowledge
base, the configuration and all those hashes are unchanged.  Entries are JSON
files in ``<root>/.keyguard_cache/`` (``cache-dir`` in the config, ``--no-cache``
to bypass), written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple

from keyguard import __version__
from keyguard.model import FileError, Finding, SourceRef, TraceStep

CACHE_FORMAT = 3


def cache_salt(config_fingerprint: str, kb_fingerprint: str) -> str:
    return f"{CACHE_FORMAT}:{__version__}:{kb_fingerprint}:{config_fingerprint}"


class ResultCache:
    def __init__(self, directory: str, salt: str) -> None:
        self.dir = directory
        self.salt = salt
        self._made = False

    def _file(self, path: str) -> str:
        h = hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return os.path.join(self.dir, h[:2], h + ".json")

    def get(self, path: str, hash_of) -> Optional[Tuple[List[Finding], List[FileError], Dict[str, str], FrozenSet[str]]]:
        try:
            with open(self._file(path), "r", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None
        if data.get("salt") != self.salt or data.get("path") != path:
            return None
        deps = data.get("deps", {})
        for dep, digest in deps.items():
            if hash_of(dep) != digest:
                return None
        findings = [_finding(d) for d in data.get("findings", [])]
        errors = [FileError(**e) for e in data.get("errors", [])]
        return findings, errors, deps, frozenset(data.get("exports", ()))

    def put(self, path: str, findings: List[Finding], errors: List[FileError], deps: Mapping[str, str],
            exports: Iterable[str] = ()) -> None:
        target = self._file(path)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not self._made:
                mark_cache_dir(self.dir)
                self._made = True
            data = {
                "salt": self.salt,
                "path": path,
                "deps": dict(deps),
                "exports": sorted(exports),
                "findings": [_dump(f) for f in findings],
                "errors": [{"path": e.path, "message": e.message, "line": e.line, "column": e.column} for e in errors],
            }
            tmp = f"{target}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(data))  # (dumps: the C encoder; dump to a file is Python code)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only tree still scans, just without a cache


def mark_cache_dir(directory: str) -> None:
    """Tag a cache folder as one (CACHEDIR.TAG for backup tools, a .gitignore of everything)."""
    tag = os.path.join(directory, "CACHEDIR.TAG")
    if not os.path.exists(tag):
        with open(tag, "w", encoding="ascii") as fh:
            fh.write("Signature: 8a477f597d28d172789f06886806bc55\n# keyguard cache\n")
    gi = os.path.join(directory, ".gitignore")
    if not os.path.exists(gi):
        with open(gi, "w", encoding="ascii") as fh:
            fh.write("*\n")


def _dump(f: Finding) -> dict:
    d = {
        "code": f.code, "name": f.name, "severity": f.severity, "path": f.path, "line": f.line,
        "column": f.column, "end_line": f.end_line, "end_column": f.end_column, "message": f.message,
        "fix": f.fix, "confidence": f.confidence, "origin": f.origin,
        "source": None if f.source is None else [f.source.line, f.source.description, f.source.path],
        "trace": [[t.path, t.line, t.column, t.message] for t in f.trace],
    }
    return d


def _finding(d: dict) -> Finding:
    src = d.get("source")
    return Finding(
        code=d["code"], name=d["name"], severity=d["severity"], path=d["path"], line=d["line"],
        column=d["column"], end_line=d["end_line"], end_column=d["end_column"], message=d["message"],
        fix=d["fix"], confidence=d.get("confidence", "high"), origin=d.get("origin", "keyguard"),
        source=None if src is None else SourceRef(src[0], src[1], src[2]),
        trace=tuple(TraceStep(*t) for t in d.get("trace", [])),
    )


class FileIndex:
    """What the scan learns from a file's bytes alone, remembered by content hash.

    One JSON document per cache directory maps each path to its hash, the prefilter's decision
    (can the file hold a finding by itself) and the module words it imports (for cross-module
    rounds).  A warm scan reads and hashes every file but re-runs neither the prefilter's
    confirmation parse nor the import scan for unchanged files.
    """

    NAME = "files.json"

    def __init__(self, directory: str, salt: str) -> None:
        self.path = os.path.join(directory, self.NAME)
        self.salt = salt
        self.entries: Dict[str, list] = {}
        self.dirty = False
        try:
            with open(self.path, "r", encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict) and data.get("salt") == salt and isinstance(data.get("files"), dict):
                self.entries = data["files"]
        except (OSError, ValueError):
            pass

    def get(self, path: str, digest: str) -> Optional[Tuple[bool, FrozenSet[str]]]:
        e = self.entries.get(path)
        if not e or e[0] != digest:
            return None
        return bool(e[1]), frozenset(e[2])

    def put(self, path: str, digest: str, target: bool, imports: Iterable[str]) -> None:
        self.entries[path] = [digest, target, sorted(imports)]
        self.dirty = True

    def save(self) -> None:
        """Write the index (atomically) when something changed."""
        if not self.dirty:
            return
        files = {p: e for p, e in self.entries.items() if os.path.exists(p)}
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"salt": self.salt, "files": files}))  # (the C encoder)
            os.replace(tmp, self.path)
        except OSError:
            pass


class TreeStore:
    """Parsed dependency modules kept on disk between runs, by content hash.

    A pre-commit hook or an editor analyses a few changed files, and the unchanged modules their
    cross-module flows reach are parsed again by every run.  Loading a stored tree costs about a
    quarter of parsing it, so a run that analyses few files (:data:`TREE_STORE_MAX_TARGETS`)
    stores the dependency trees it parsed and later runs load them.  Bulk scans do not write:
    storing costs more than half a parse, and their per-file results are cached anyway.

    Entries are pickles, valid for one keyguard, libcst and Python version.  A pickle runs code
    when loaded, so the store trusts only what the scanning user wrote: the folder is created
    private (0o700), and an entry is loaded only when the file is owned by the current user and
    not writable by others (the checks CPython applies to nothing less trusted, like
    ``__pycache__``, are weaker).  Anything else is parsed as if it were not there.
    """

    SUBDIR = "trees"

    def __init__(self, directory: str) -> None:
        import sys

        from keyguard.cstimport import import_libcst

        libcst = import_libcst()

        self.dir = os.path.join(directory, self.SUBDIR)
        version = getattr(libcst, "__version__", "?")
        self.header = (f"keyguard-tree {CACHE_FORMAT} {__version__} libcst {version} "
                       f"py {sys.version_info[0]}.{sys.version_info[1]}\n").encode("ascii")
        self._made = False

    def _file(self, digest: str) -> str:
        return os.path.join(self.dir, digest[:2], digest + ".pickle")

    def get(self, digest: str):
        """The stored tree of the module with content hash ``digest``, or None."""
        import pickle

        try:
            with open(self._file(digest), "rb") as fh:
                if not _trusted(os.fstat(fh.fileno())):
                    return None
                data = fh.read()
        except OSError:
            return None
        if not data.startswith(self.header):
            return None
        try:
            return pickle.loads(memoryview(data)[len(self.header):])
        except Exception:  # a torn or foreign entry is parsed again
            return None

    def put(self, digest: str, tree: object) -> None:
        import pickle

        target = self._file(digest)
        if os.path.exists(target):
            return
        try:
            data = pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)
        except (RecursionError, pickle.PicklingError, TypeError):
            return
        try:
            if not self._made:
                os.makedirs(self.dir, mode=0o700, exist_ok=True)
                mark_cache_dir(os.path.dirname(self.dir))
                self._made = True
            os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
            tmp = f"{target}.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.header)
                fh.write(data)
            os.replace(tmp, target)
        except OSError:
            pass


#: a run that analyses at most this many files stores the dependency trees it parsed
TREE_STORE_MAX_TARGETS = 32


def _trusted(st: os.stat_result) -> bool:
    """An entry written by the scanning user and writable by nobody else."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: the cache folder's ACLs are the user's
        return True
    import stat

    return st.st_uid == getuid() and not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))
