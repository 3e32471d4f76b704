"""Baselines: record today's findings so that CI only fails on new ones.

A baseline entry is (code, path, fingerprint) where the fingerprint hashes the
normalized text of the flagged statement plus its occurrence index (see
:mod:`keyguard.report.fingerprint`), never the line number.  Adding or removing
code elsewhere in the file keeps old findings baselined; editing the flagged
statement itself makes the finding new again, which is the point: a changed
sink deserves a fresh look.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from typing import Mapping, Optional

from keyguard import __version__
from keyguard.model import ScanResult
from keyguard.report.fingerprint import fingerprints

BASELINE_FORMAT = 1


class BaselineError(ValueError):
    """The baseline file is missing, unreadable or not a keyguard baseline."""


def write_baseline(path: str, result: ScanResult, root: str = ".",
                   sources: Optional[Mapping[str, str]] = None) -> None:
    """Write every finding of ``result`` to ``path`` (JSON, stable order, diff-friendly)."""
    findings = sorted(result.findings, key=lambda f: f.sort_key())
    entries = []
    for f, (code, rel, fp) in zip(findings, fingerprints(findings, root, sources)):
        entries.append({
            "code": code,
            "path": rel,
            "fingerprint": fp,
            # informational only: matching never uses the line or the message
            "line": f.line,
            "message": f.message,
        })
    doc = {
        "tool": "keyguard",
        "version": __version__,
        "format": BASELINE_FORMAT,
        "findings": entries,
    }
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)


def load_baseline(path: str) -> Counter:
    """The multiset of ``(code, path, fingerprint)`` recorded in ``path``."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("tool") != "keyguard" or not isinstance(
        doc.get("findings"), list
    ):
        raise BaselineError(f"{path} is not a keyguard baseline")
    entries: Counter = Counter()
    for i, e in enumerate(doc["findings"]):
        try:
            entries[(str(e["code"]), str(e["path"]), str(e["fingerprint"]))] += 1
        except (KeyError, TypeError) as exc:
            raise BaselineError(f"{path}: entry {i} lacks code/path/fingerprint") from exc
    return entries


def apply_baseline(result: ScanResult, baseline_path: str, root: str = ".",
                   sources: Optional[Mapping[str, str]] = None) -> ScanResult:
    """``result`` without the findings recorded in the baseline; ``suppressed`` counts them."""
    known = load_baseline(baseline_path)
    findings = list(result.findings)
    kept = []
    dropped = 0
    for f, key in zip(findings, fingerprints(findings, root, sources)):
        if known[key] > 0:
            known[key] -= 1
            dropped += 1
        else:
            kept.append(f)
    return dataclasses.replace(result, findings=tuple(kept), suppressed=result.suppressed + dropped)
