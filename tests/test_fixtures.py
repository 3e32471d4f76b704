"""Every fixture under tests/fixtures/KGnnn/ behaves as its inline annotations say.

Each file is scanned on its own (cross-module cases live in tests/fixtures/projects/ and
are scanned as a folder).  Default rules unless the first line sets options.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keyguard.api import scan_paths
from keyguard.config import Config
from keyguard.testing import compare, parse_expectations

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(p for p in FIXTURES.glob("KG*/**/*.py") if not p.name.endswith(".fixed.py"))
PROJECTS = sorted(p for p in (FIXTURES / "projects").glob("*") if p.is_dir())


def _config(options) -> Config:
    kw = {"use_cache": False, "semgrep": False}
    if "strict" in options:
        kw["strict"] = bool(options["strict"])
    if "select" in options:
        kw["select"] = tuple(options["select"])
    return Config(**kw)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    exp = parse_expectations(text)
    result = scan_paths([str(path)], _config(exp.options), jobs=1)
    assert not result.errors, result.errors
    problems = compare(result.findings, exp)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_project(project: Path) -> None:
    result = scan_paths([str(project)], Config(use_cache=False, semgrep=False), jobs=1)
    assert not result.errors, result.errors
    problems = []
    for path in sorted(project.rglob("*.py")):
        exp = parse_expectations(path.read_text(encoding="utf-8"))
        mine = [f for f in result.findings if Path(f.path) == path]
        problems += [f"{path.name}: {p}" for p in compare(mine, exp)]
    assert not problems, "\n".join(problems)


def test_every_default_rule_has_fixtures() -> None:
    from keyguard.registry import RULES

    have = {p.parent.name for p in FILES}
    missing = [c for c in RULES if c not in have]
    assert not missing, f"rules without fixtures: {missing}"
