"""Codemods: each ``case.py`` becomes ``case.fixed.py``; fixed code parses and no longer has the finding.

Engine-free tests place a finding on each ``# expect: KGnnn`` line (the way the
engine reports it: first line of the statement); engine tests use the real
findings of :func:`keyguard.api.scan_source`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List

import pytest

from keyguard.fixes.apply import _one_pass
from keyguard.fixes.codemods import CODEMODS
from keyguard.model import Finding

CASES = Path(__file__).resolve().parent / "cases"
EXPECT = re.compile(r"#\s*expect:\s*(KG\d{3})")
ALL = sorted(p for p in CASES.glob("*.py") if not p.name.endswith(".fixed.py"))


def expected(path: Path) -> List[tuple]:
    return [(i, m.group(1)) for i, line in enumerate(path.read_text().splitlines(), 1)
            for m in [EXPECT.search(line)] if m]


def annotated_findings(path: Path) -> List[Finding]:
    out = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            col = len(line) - len(line.lstrip()) + 1
            end = len(line.split("#")[0].rstrip()) + 1
            out.append(Finding(m.group(1), "case", "high", str(path), i, col, i, end, "m", "f"))
    return out


def fixed_path(case: Path) -> Path:
    return case.with_name(case.stem + ".fixed.py")


@pytest.mark.parametrize("case", ALL, ids=lambda p: p.stem)
def test_codemod_output_matches_golden(case: Path):
    src = case.read_text()
    new, n, _ = _one_pass(src, annotated_findings(case))
    golden = fixed_path(case)
    if golden.exists():
        assert n >= 1
        assert new == golden.read_text()
        ast.parse(new)  # still valid Python
    else:  # declined: not mechanical
        assert n == 0 and new == src


def test_every_code_with_a_codemod_has_a_case():
    codes = {code for case in ALL for _, code in expected(case)}
    assert set(CODEMODS) <= codes


def test_fix_is_idempotent_on_fixed_files():
    for case in ALL:
        golden = fixed_path(case)
        if golden.exists():
            text = golden.read_text()
            # the annotations stay on the fixed lines; nothing left to rewrite there
            again, n, _ = _one_pass(text, annotated_findings(golden))
            assert n == 0 and again == text, case.name


def test_comments_and_formatting_preserved():
    new = fixed_path(CASES / "kg601_weak_rsa.py").read_text()
    assert "key_size=3072,  # legacy device" in new
    assert "public_exponent=65537," in new


def test_unrelated_calls_untouched():
    src = "import os\nos.chmod('pub.pem', 0o644)\nos.chmod('key.pem', 0o644)\n"
    f = Finding("KG202", "key-file-permissive-mode", "high", "m.py", 3, 1, 3, 28, "m", "f")
    new, n, _ = _one_pass(src, [f])
    assert n == 1
    assert new == "import os\nos.chmod('pub.pem', 0o644)\nos.chmod('key.pem', 0o600)\n"


def test_codemods_match_rule_autofix_flags():
    from keyguard.registry import RULES

    assert set(CODEMODS) == {code for code, rule in RULES.items() if rule.autofix}
