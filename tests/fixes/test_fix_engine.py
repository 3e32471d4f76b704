"""Autofix against the real engine: findings at the annotated lines are fixed and gone after."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from keyguard.fixes.apply import fix_paths, fix_source

from .test_codemods import ALL, CASES, expected, fixed_path  # noqa: F401

import keyguard.api as engine


def _config():
    from keyguard.config import Config

    return Config().replace(select=("ALL",))


def _detects(code: str) -> bool:
    """Whether rule ``code`` implements any detection yet (the engine grows rule by rule)."""
    from keyguard.registry import RULES
    from keyguard.rules.base import Rule

    rule = RULES[code]
    return rule.check is not Rule.check or rule.finish is not Rule.finish


@pytest.mark.parametrize("case", ALL, ids=lambda p: p.stem)
def test_engine_fix_removes_the_finding(case: Path):
    config = _config()
    src = case.read_text()
    before = engine.scan_source(src, case.name, config).findings
    for _, code in expected(case):
        if not _detects(code):
            pytest.xfail(f"{code} detection is not in the engine yet")
    for line, code in expected(case):
        assert any(f.code == code and f.line == line for f in before), (code, line, before)
    new, n = fix_source(src, case.name, config)
    golden = fixed_path(case)
    if not golden.exists():
        assert n == 0 and new == src
        return
    assert new == golden.read_text()
    ast.parse(new)
    after = engine.scan_source(new, case.name, config).findings
    fixed_codes = {code for _, code in expected(case)}
    assert not [f for f in after if f.code in fixed_codes], after


def test_fix_paths_diff_then_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("kg204_umask.py", "kg102_mktemp_assign.py", "kg102_mktemp_unsafe_mkdir.py"):
        (tmp_path / name).write_text((CASES / name).read_text())
    config = _config()
    files = sorted(p.name for p in tmp_path.glob("*.py"))
    preview = fix_paths(files, config, diff=True)
    assert set(preview.changed) == {"kg204_umask.py", "kg102_mktemp_assign.py"}
    assert "-    old = os.umask(0)" in preview.diff and "+    old = os.umask(0o077)" in preview.diff
    assert (tmp_path / "kg204_umask.py").read_text() == (CASES / "kg204_umask.py").read_text()
    assert preview.applied == 2
    # the unsafe mktemp stays
    assert [f.code for f in preview.remaining.findings if f.path.endswith("unsafe_mkdir.py")].count("KG102") == 1
    done = fix_paths(files, config, diff=False)
    assert done.applied == 2 and done.diff == ""
    assert (tmp_path / "kg204_umask.py").read_text() == fixed_path(CASES / "kg204_umask.py").read_text()
    assert not [f for f in done.remaining.findings if f.code == "KG204"]
