"""The bridge between the scan and the bundled semgrep rules (non-Python files).

``keyguard.semgrep_runner`` runs the real semgrep engine; this module only adapts
its outcome to the scan and keeps the import lazy (semgrep is an optional extra).
"""

from __future__ import annotations

import os
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
    return list(outcome.findings), list(outcome.errors), list(outcome.notes)
