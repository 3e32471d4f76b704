"""The bridge between the scan and the bundled semgrep rules (non-Python files).

``keyguard.semgrep_runner`` runs the real semgrep engine; this module only adapts
its outcome to the scan and keeps the import lazy (semgrep is an optional extra).
"""

from __future__ import annotations

import os
import re
from typing import Collection, List, Sequence, Tuple

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
    outcome = run_semgrep(list(paths), enabled, root=config.root)
    findings = [f for f in outcome.findings if not _suppressed(f)]
    return findings, list(outcome.errors), list(outcome.notes)


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
