"""Inline expectations for fixtures and examples (``# expect: KG101``).

Syntax, on the flagged line itself (``//`` instead of ``#`` for Go):
- ``# expect: KG101`` or ``# expect: KG101, KG201``; ``# expect: KG101@8`` pins a column;
- ``# todo-expect: KG101`` records a known miss (the test fails once it is found, so the
  annotation gets promoted);
- ``# keyguard-config: strict = true`` on the first line sets per-file options (TOML, never eval).
Unannotated lines must produce nothing.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Set, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from keyguard.model import Finding

EXPECT_RE = re.compile(r"(?:#|//)\s*(?P<kind>expect|todo-expect)\s*:\s*(?P<codes>KG\d{3}(?:@\d+)?(?:\s*,\s*KG\d{3}(?:@\d+)?)*)")
CONFIG_RE = re.compile(r"^\s*(?:#|//)\s*keyguard-config\s*:\s*(?P<toml>.+)$")


@dataclass
class Expectations:
    expected: Set[Tuple[int, str]] = field(default_factory=set)
    columns: Dict[Tuple[int, str], int] = field(default_factory=dict)
    todo: Set[Tuple[int, str]] = field(default_factory=set)
    options: Dict[str, object] = field(default_factory=dict)


def parse_expectations(text: str) -> Expectations:
    exp = Expectations()
    lines = text.splitlines()
    if lines:
        m = CONFIG_RE.match(lines[0])
        if m:
            exp.options = tomllib.loads(m.group("toml").replace(";", "\n"))
    for i, line in enumerate(lines, 1):
        for m in EXPECT_RE.finditer(line):
            for item in m.group("codes").split(","):
                item = item.strip()
                code, _, col = item.partition("@")
                key = (i, code)
                if m.group("kind") == "expect":
                    exp.expected.add(key)
                    if col:
                        exp.columns[key] = int(col)
                else:
                    exp.todo.add(key)
    return exp


def compare(findings: Iterable[Finding], exp: Expectations) -> List[str]:
    """Human-readable mismatches (empty when the file behaves as annotated)."""
    got: Dict[Tuple[int, str], Finding] = {}
    for f in findings:
        got.setdefault((f.line, f.code), f)
    problems: List[str] = []
    for key in sorted(exp.expected - set(got)):
        problems.append(f"line {key[0]}: expected {key[1]}, not reported")
    for key in sorted(set(got) - exp.expected):
        if key in exp.todo:
            problems.append(f"line {key[0]}: {key[1]} is now reported; promote todo-expect to expect")
        else:
            problems.append(f"line {key[0]}: unexpected {key[1]}: {got[key].message}")
    for key, col in exp.columns.items():
        f = got.get(key)
        if f is not None and f.column != col:
            problems.append(f"line {key[0]}: {key[1]} at column {f.column}, expected {col}")
    return problems
