"""The bridge between the scan and the bundled semgrep rules (non-Python files).

``keyguard.semgrep_runner`` runs the real semgrep engine; this module only adapts
its outcome to the scan and keeps the import lazy (semgrep is an optional extra).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Collection, Dict, List, Optional, Sequence, Tuple

from keyguard.model import FileError, Finding

_SHELL_EXT = (".sh", ".bash", ".ksh", ".zsh")
_GO_EXT = (".go",)


def is_target(path: str) -> bool:
    """Files the semgrep rules cover: Go, shell, Dockerfiles and CI YAML."""
    try:
        from keyguard.semgrep_runner import is_semgrep_target
    except ImportError:
        name = os.path.basename(path)
        return name.endswith(_GO_EXT + _SHELL_EXT) or name.startswith("Dockerfile") or name.endswith(".dockerfile")
    return is_semgrep_target(path)


def scan_other(paths: Sequence[str], enabled: Collection[str], config) -> Tuple[List[Finding], List[FileError], List[str]]:
    try:
        from keyguard.semgrep_runner import run_semgrep
    except ImportError:
        return [], [], [f"semgrep rules unavailable: {len(paths)} non-Python files not scanned"]
    cache = _cache(enabled, config)
    found: List[Finding] = []
    errors: List[FileError] = []
    todo: List[str] = []
    digests: Dict[str, str] = {}
    for p in paths:
        digest = _digest(p if config.root is None or os.path.isabs(p) else os.path.join(config.root, p))
        if digest is None:
            todo.append(p)  # unreadable: semgrep's run reports it
            continue
        digests[p] = digest
        hit = cache.get(p, lambda q, d=digest: d) if cache is not None else None
        if hit is None:
            todo.append(p)
        else:
            found.extend(hit[0])
            errors.extend(hit[1])
    notes: List[str] = []
    if todo:
        # (paths are as discovery gave them: relative to the working directory, which need not
        # be the project root - `keyguard check proj` from proj's parent)
        outcome = run_semgrep(todo, enabled)
        found.extend(outcome.findings)
        errors.extend(outcome.errors)
        notes.extend(outcome.notes)
        if cache is not None and not outcome.notes:  # a failed or missing semgrep is not cached
            by_path: Dict[str, Tuple[List[Finding], List[FileError]]] = {p: ([], []) for p in todo if p in digests}
            for f in outcome.findings:
                if f.path in by_path:
                    by_path[f.path][0].append(f)
            for e in outcome.errors:
                if e.path in by_path:
                    by_path[e.path][1].append(e)
            for p, (fs, es) in by_path.items():
                cache.put(p, fs, es, {p: digests[p]})
    findings = [f for f in found if not _suppressed(f)]
    return findings, errors, notes


def _digest(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _cache(enabled: Collection[str], config):
    """Per-file semgrep results, valid for the same content, selected rules and semgrep install."""
    if not config.use_cache:
        return None
    from keyguard.cache import ResultCache, cache_salt
    from keyguard.semgrep_runner import bundled_rule_files, find_semgrep

    h = hashlib.sha256()
    for f in bundled_rule_files({c.upper() for c in enabled}):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    exe = find_semgrep()
    if exe is not None:
        try:
            st = os.stat(os.path.realpath(exe))
            h.update(f"{os.path.realpath(exe)}:{st.st_mtime_ns}:{st.st_size}".encode())
        except OSError:
            pass
    return ResultCache(os.path.join(config.cache_directory, "semgrep"), cache_salt("semgrep", h.hexdigest()))


_SUPPRESS_RE = re.compile(r"(?:#|//)\s*(?:noqa(?::\s*(?P<a>[A-Z0-9,\s]+))?|keyguard\s*:\s*ignore(?:\[(?P<b>[A-Za-z0-9,\s]*)\])?)", re.I)


def _suppressed(f: Finding) -> bool:
    """``# noqa: KG101`` / ``// keyguard: ignore[KG101]`` on a line of the finding (shell, Go, YAML, Dockerfile)."""
    try:
        with open(f.path, "r", encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return False
    for ln in range(f.line, min(f.end_line, len(lines)) + 1):
        m = _SUPPRESS_RE.search(lines[ln - 1])
        if m is None:
            continue
        codes = (m.group("a") or m.group("b") or "").strip()
        if not codes:
            return True
        if any(f.code.startswith(c.strip().upper()) for c in codes.split(",") if c.strip()):
            return True
    return False
