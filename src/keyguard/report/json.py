"""The JSON document of cli.md: ``tool``, ``version``, ``findings``, ``errors``, ``stats``."""

from __future__ import annotations

import json as _json

from keyguard import __version__
from keyguard.model import ScanResult


def to_document(result: ScanResult) -> dict:
    """The JSON-ready dict (also used by the LSP server and tests)."""
    return {
        "tool": "keyguard",
        "version": __version__,
        "findings": [f.to_dict() for f in sorted(result.findings, key=lambda f: f.sort_key())],
        "errors": [e.to_dict() for e in result.errors],
        "stats": {
            "files_scanned": result.files_scanned,
            "files_skipped": result.files_skipped,
            "seconds": round(result.seconds, 3),
            "suppressed": result.suppressed,
            "notes": list(result.notes),
        },
    }


def render_json(result: ScanResult) -> str:
    """One JSON document, newline-terminated."""
    return _json.dumps(to_document(result), indent=2, ensure_ascii=False) + "\n"
