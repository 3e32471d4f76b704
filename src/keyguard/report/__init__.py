"""Reporters: a :class:`~keyguard.model.ScanResult` rendered as text, JSON, SARIF or GitHub commands.

All renderers are pure (result in, string out) so the CLI, the pre-commit hook
and tests share them; the only side input is the source text used for
snippets and fingerprints, taken from ``sources`` or read lazily from disk.
"""

from __future__ import annotations

import sys
from typing import Any, Mapping, Optional

from keyguard.model import ScanResult

FORMATS = ("text", "json", "sarif", "github")


def render(
    result: ScanResult,
    fmt: str,
    *,
    color: bool = False,
    root: str = ".",
    sources: Optional[Mapping[str, str]] = None,
    snippets: Optional[bool] = None,
) -> str:
    """Render ``result`` in ``fmt`` (one of :data:`FORMATS`).

    ``root`` is the directory SARIF and GitHub paths are made relative to (the
    repository root in CI).  ``snippets`` (text only) defaults to ``color``.
    """
    if fmt == "text":
        from keyguard.report.text import render_text

        return render_text(result, color=color, root=root, sources=sources, snippets=snippets)
    if fmt == "json":
        from keyguard.report.json import render_json

        return render_json(result)
    if fmt == "sarif":
        from keyguard.report.sarif import render_sarif

        return render_sarif(result, root=root, sources=sources)
    if fmt == "github":
        from keyguard.report.github import render_github

        return render_github(result, root=root)
    raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")


class Progress:
    """A progress bar on stderr for long scans; a no-op unless enabled and stderr is a TTY.

    Use as a context manager::

        with progress(len(files), enabled=not quiet) as bar:
            for f in files:
                ...
                bar.advance()
    """

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = bool(enabled) and _stderr_is_tty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
            from rich.progress import Progress as _P

            self._progress = _P(
                TextColumn("keyguard"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,  # leave no trace in the scrollback
            )
            self._progress.start()
            self._task = self._progress.add_task("scan", total=self.total if self.total > 0 else None)
        return self

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more files done."""
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress(total: int, enabled: bool) -> Progress:
    """A :class:`Progress` for ``total`` files (see there)."""
    return Progress(total, enabled)


__all__ = ["FORMATS", "Progress", "progress", "render"]
