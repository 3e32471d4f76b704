"""Line suppressions: ``# noqa``, ``# noqa: KG101,KG201`` and ``# keyguard: ignore[KG101]``.

A suppression applies on any line of the reported span (so a comment after the
closing parenthesis of a multi-line call works) and on the first line of the
statement.  Comments are found with the tokenizer, so ``"# noqa"`` inside a
string does not count.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from keyguard.model import Finding

NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?", re.I)
KG_RE = re.compile(r"#\s*keyguard\s*:\s*ignore(?:\[(?P<codes>[A-Za-z0-9,\s]*)\])?", re.I)

ALL = frozenset({"*"})


def comment_map(text: str) -> Dict[int, FrozenSet[str]]:
    """Line -> suppressed codes ("*" for every code)."""
    out: Dict[int, FrozenSet[str]] = {}
    if not _may_suppress(text):
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = []
        for i, line in enumerate(text.splitlines(), 1):
            if "#" in line:
                tokens.append(tokenize.TokenInfo(tokenize.COMMENT, line[line.index("#"):], (i, 0), (i, 0), line))
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        codes = _codes(tok.string)
        if codes is not None:
            line = tok.start[0]
            out[line] = out.get(line, frozenset()) | codes
    return out


def _may_suppress(text: str) -> bool:
    """Whether ``text`` can hold a suppression comment (both markers match case-insensitively)."""
    low = text.lower()
    return "noqa" in low or "keyguard" in low


def _codes(comment: str) -> Optional[FrozenSet[str]]:
    found: Optional[FrozenSet[str]] = None
    for rx in (NOQA_RE, KG_RE):
        m = rx.search(comment)
        if m is None:
            continue
        codes = m.group("codes")
        if not codes or not codes.strip():
            return ALL
        found = (found or frozenset()) | frozenset(c.strip().upper() for c in codes.split(",") if c.strip())
    return found


def is_suppressed(f: Finding, comments: Dict[int, FrozenSet[str]], extra_lines: Iterable[int] = ()) -> bool:
    lines = set(range(f.line, f.end_line + 1)) | set(extra_lines)
    for ln in lines:
        codes = comments.get(ln)
        if not codes:
            continue
        if "*" in codes:
            return True
        if any(f.code == c or f.code.startswith(c) for c in codes):
            return True
    return False


def filter_findings(findings: Iterable[Finding], texts: Dict[str, str]) -> Tuple[List[Finding], int]:
    kept: List[Finding] = []
    dropped = 0
    cache: Dict[str, Dict[int, FrozenSet[str]]] = {}
    lines_of: Dict[str, List[str]] = {}
    for f in findings:
        text = texts.get(f.path)
        if text is None:
            kept.append(f)
            continue
        lines = lines_of.get(f.path)
        if lines is None:
            lines = lines_of[f.path] = text.splitlines()
        if not _may_suppress("\n".join(lines[max(0, f.line - 1):f.end_line])):
            kept.append(f)  # no marker on the reported lines: the file need not be tokenized
            continue
        cm = cache.get(f.path)
        if cm is None:
            cm = cache[f.path] = comment_map(text)
        if is_suppressed(f, cm):
            dropped += 1
        else:
            kept.append(f)
    return kept, dropped
