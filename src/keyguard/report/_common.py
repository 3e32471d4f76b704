"""Helpers shared by the reporters: rule metadata lookup, source lines, relative paths.

Reporters are pure functions of a :class:`~keyguard.model.ScanResult`; the only
input they may read lazily is the text of the scanned files (for snippets and
fingerprints), either from the ``sources`` mapping the caller passes or from disk.
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import Dict, List, Mapping, Optional

#: severity -> GitHub ``security-severity`` score (GitHub buckets: >=9 critical, >=7 high,
#: >=4 medium, else low).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def rules_by_code() -> Dict[str, type]:
    """The rule registry, or an empty mapping while the rule modules are not importable.

    Reporters must never fail because metadata is missing (e.g. a semgrep finding
    whose code the registry does not know); they fall back to the finding's fields.
    """
    try:
        from keyguard.registry import RULES
    except ImportError:  # pragma: no cover - only before the rule modules exist
        return {}
    return dict(RULES)


def rule_help_markdown(code: str) -> str:
    """The rule's help as Markdown (generated docs when available, else the docstring)."""
    try:
        from keyguard.docs import rule_help_markdown as _help
    except ImportError:
        _help = None
    if _help is not None:
        try:
            return _help(code)
        except KeyError:
            return ""
    rule = rules_by_code().get(code)
    return rule.doc() if rule is not None else ""


def rule_help_text(code: str) -> str:
    """The rule's help as plain text (SARIF ``help.text``)."""
    try:
        from keyguard.docs import rule_help_text as _text
    except ImportError:
        _text = None
    if _text is not None:
        try:
            return _text(code)
        except KeyError:
            return ""
    return rule_help_markdown(code)


def relpath(path: str, root: str = ".") -> str:
    """``path`` relative to ``root`` with forward slashes (stays as given if outside ``root``)."""
    if path in ("-", "<stdin>") or path.startswith("<"):
        return path
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # different drive on Windows
        return PurePosixPath(path.replace(os.sep, "/")).as_posix()
    if rel.startswith(".."):
        rel = path
    return rel.replace(os.sep, "/")


class SourceCache:
    """Lazily read source lines of scanned files (``sources`` first, then the disk)."""

    def __init__(self, sources: Optional[Mapping[str, str]] = None) -> None:
        self._sources = sources or {}
        self._lines: Dict[str, Optional[List[str]]] = {}

    def lines(self, path: str) -> Optional[List[str]]:
        """All lines of ``path`` without line ends, or ``None`` when it cannot be read."""
        if path not in self._lines:
            text = self._sources.get(path)
            if text is None:
                try:
                    with open(path, "rb") as fh:
                        text = fh.read().decode("utf-8", errors="replace")
                except OSError:
                    text = None
            self._lines[path] = text.splitlines() if text is not None else None
        return self._lines[path]

    def line(self, path: str, lineno: int) -> Optional[str]:
        """One line (1-based) or ``None``."""
        lines = self.lines(path)
        if lines is None or not 1 <= lineno <= len(lines):
            return None
        return lines[lineno - 1]
