"""GitHub Actions workflow commands (``::error file=…,line=…::message``).

These become annotations on the pull request diff without any upload step.
Escaping follows the runner's rules (actions/toolkit ``command.ts``): in the
message ``%``, CR and LF are percent-encoded; in property values ``:`` and
``,`` are encoded as well, since they delimit properties.
"""

from __future__ import annotations

from typing import List

from keyguard.model import ScanResult
from keyguard.report._common import relpath

#: severity -> annotation level.  Findings that should block a merge are errors.
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}


def escape_data(s: str) -> str:
    """Escape a workflow-command message."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """Escape a workflow-command property value."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(result: ScanResult, root: str = ".") -> str:
    """One workflow command per finding and per unparsable file; paths relative to ``root``."""
    out: List[str] = []
    for f in sorted(result.findings, key=lambda f: f.sort_key()):
        props = [
            ("file", relpath(f.path, root)),
            ("line", str(f.line)),
            ("col", str(f.column)),
            ("endLine", str(f.end_line)),
            ("endColumn", str(f.end_column)),
            ("title", f.code),
        ]
        msg = f"{f.message} ({f.name})" if f.name else f.message
        if f.fix:
            msg += f"\nFix: {f.fix}"
        level = _LEVEL.get(f.severity, "error")
        out.append(f"::{level} " + ",".join(f"{k}={escape_property(v)}" for k, v in props)
                   + "::" + escape_data(msg))
    for e in result.errors:
        props = [("file", relpath(e.path, root)), ("line", str(e.line)), ("col", str(e.column)),
                 ("title", "KG000")]
        out.append("::error " + ",".join(f"{k}={escape_property(v)}" for k, v in props)
                   + "::" + escape_data(e.message))
    for note in result.notes:
        out.append("::notice title=keyguard::" + escape_data(note))
    return "\n".join(out) + ("\n" if out else "")
