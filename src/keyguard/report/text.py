"""Human-oriented text output.

The first line of every finding is always ``path:line:col: KG101 message``
(grep- and editor-friendly).  On an interactive terminal (``color=True``) each
finding is followed by a source snippet: the flagged line with a caret under
the span and, when known, the line the key material came from.  The report ends
with a summary per code.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import List, Mapping, Optional

from rich.console import Console
from rich.text import Text

from keyguard.model import FileError, Finding, ScanResult
from keyguard.report._common import SourceCache, rules_by_code

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def _location(path: str, line: int, col: int) -> Text:
    return Text.assemble((path, "bold"), ":", str(line), ":", str(col), ":")


def _finding_line(f: Finding) -> Text:
    t = _location(f.path, f.line, f.column)
    t.append(" ")
    t.append(f.code, style=_SEVERITY_STYLE.get(f.severity, "red") + " bold")
    t.append(" ")
    t.append(f.message)
    return t


def _error_line(e: FileError) -> Text:
    t = _location(e.path, e.line, e.column)
    t.append(" ")
    t.append("KG000", style="magenta bold")
    t.append(" ")
    t.append(e.message)
    return t


def _snippet(f: Finding, cache: SourceCache) -> List[Text]:
    """Gutter-numbered lines: the key's origin (if in the same file) and the sink with a caret."""
    out: List[Text] = []
    width = len(str(max(f.line, f.source.line if f.source else 0)))
    if f.source is not None:
        src_path = f.source.path or f.path
        src_line = cache.line(src_path, f.source.line)
        if src_line is not None and not (src_path == f.path and f.source.line == f.line):
            prefix = "" if src_path == f.path else f"{src_path}:"
            out.append(Text.assemble(("  " + prefix + str(f.source.line).rjust(width) + " | ", "blue"),
                                     (src_line.rstrip(), "dim")))
            # the trace step at the origin knows the column of the key-producing call
            col = next((st.column for st in f.trace
                        if st.line == f.source.line and (st.path == src_path or st.path == f.path)), 0)
            if col <= 0:
                col = len(src_line) - len(src_line.lstrip()) + 1
            out.append(Text.assemble(("  " + " " * (len(prefix) + width) + " | ", "blue"),
                                     (" " * (col - 1) + "^ " + f.source.description, "blue")))
            if src_path == f.path and f.line - f.source.line > 1:
                out.append(Text("  " + " " * width + " : ", style="blue"))
    line = cache.line(f.path, f.line)
    if line is not None:
        out.append(Text.assemble(("  " + str(f.line).rjust(width) + " | ", "blue"), line.rstrip()))
        start = max(f.column - 1, 0)
        end = f.end_column - 1 if f.end_line == f.line else len(line.rstrip())
        end = max(end, start + 1)
        caret = " " * start + "^" * (end - start)
        out.append(Text.assemble(("  " + " " * width + " | ", "blue"),
                                 (caret, _SEVERITY_STYLE.get(f.severity, "red"))))
    if f.fix:
        out.append(Text.assemble(("  = fix: ", "green bold"), f.fix))
    return out


def _summary(result: ScanResult) -> List[Text]:
    out: List[Text] = []
    counts = Counter(f.code for f in result.findings)
    rules = rules_by_code() if counts else {}  # (the rule modules are imported for findings only)
    names = {f.code: f.name for f in result.findings}
    files = len({f.path for f in result.findings})
    n = len(result.findings)
    if n:
        out.append(Text.assemble(
            ("Found ", "bold"), (str(n), "bold red"),
            (f" finding{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}", "bold"),
        ))
        for code in sorted(counts):
            rule = rules.get(code)
            auto = " [*]" if rule is not None and getattr(rule, "autofix", False) else ""
            out.append(Text.assemble(f"  {counts[code]:>4}  ", (code, "bold"), f"  {names[code]}{auto}"))
        if any(getattr(rules.get(c), "autofix", False) for c in counts):
            out.append(Text("  [*] fixable with `keyguard fix`", style="dim"))
    else:
        out.append(Text("No findings.", style="bold green"))
    stats = (f"{result.files_scanned} file{'s' if result.files_scanned != 1 else ''} scanned"
             f", {result.files_skipped} skipped, {result.seconds:.2f}s")
    if result.suppressed:
        stats += f", {result.suppressed} suppressed"
    if result.errors:
        stats += f", {len(result.errors)} unparsable (KG000)"
    out.append(Text(stats, style="dim"))
    for note in result.notes:
        out.append(Text("note: " + note, style="yellow"))
    return out


def render_text(
    result: ScanResult,
    *,
    color: bool = False,
    root: str = ".",
    sources: Optional[Mapping[str, str]] = None,
    snippets: Optional[bool] = None,
) -> str:
    """Render ``result`` for people.  ``snippets`` defaults to ``color`` (i.e. a TTY)."""
    del root  # paths are printed as given on the command line (cli.md)
    show_snippets = color if snippets is None else snippets
    cache = SourceCache(sources)
    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
        width=200,
    )
    items = sorted([(f.path, f.line, f.column, 1, f) for f in result.findings]
                   + [(e.path, e.line, e.column, 0, e) for e in result.errors],
                   key=lambda t: t[:4] + (getattr(t[4], "code", ""),))
    for *_, item in items:
        if isinstance(item, FileError):
            console.print(_error_line(item))
            continue
        console.print(_finding_line(item))
        if show_snippets:
            for t in _snippet(item, cache):
                console.print(t)
            console.print()
    if items and not show_snippets:
        console.print()
    for t in _summary(result):
        console.print(t)
    return buf.getvalue()
