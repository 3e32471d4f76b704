"""Line-number-free fingerprints of findings, shared by baselines and SARIF.

A fingerprint is ``sha256(code, path, normalized text of the finding's span)``
plus the occurrence index of that triple in the file.  Editing code above a
finding moves its line but not its fingerprint, so a baseline keeps matching;
changing the flagged statement itself produces a new fingerprint, so a
modified (possibly re-broken) sink is reported again.
"""

from __future__ import annotations

import hashlib
import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from keyguard.model import Finding
from keyguard.report._common import SourceCache, relpath

_WS = re.compile(r"\s+")


def normalized_span_text(finding: Finding, cache: SourceCache) -> str:
    """The source lines ``line..end_line`` of ``finding``, whitespace-collapsed.

    Whole lines are used (not the exact column span) so that re-indentation or
    re-formatting inside the line does not matter, while the statement text does.
    Falls back to the rule name when the file cannot be read (deleted file).
    """
    lines = cache.lines(finding.path)
    if lines is None:
        return finding.name
    first = max(1, finding.line)
    last = max(first, min(finding.end_line or first, first + 20))
    chunk = lines[first - 1 : last]
    return _WS.sub(" ", " ".join(chunk)).strip()


def _digest(code: str, path: str, text: str) -> str:
    h = hashlib.sha256()
    for part in (code, path, text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def fingerprints(
    findings: Sequence[Finding],
    root: str = ".",
    sources: Optional[Mapping[str, str]] = None,
    cache: Optional[SourceCache] = None,
) -> List[Tuple[str, str, str]]:
    """For each finding (same order): ``(code, relative path, "<hash>:<occurrence>")``."""
    cache = cache or SourceCache(sources)
    seen: Dict[Tuple[str, str, str], int] = {}
    out: List[Tuple[str, str, str]] = []
    # Occurrence indexes follow source order so they do not depend on the input order.
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
    result: Dict[int, Tuple[str, str, str]] = {}
    for i in order:
        f = findings[i]
        rel = relpath(f.path, root)
        digest = _digest(f.code, rel, normalized_span_text(f, cache))
        key = (f.code, rel, digest)
        n = seen.get(key, 0)
        seen[key] = n + 1
        result[i] = (f.code, rel, f"{digest}:{n}")
    for i in range(len(findings)):
        out.append(result[i])
    return out
