"""examples/insecure/*.py behave as their inline annotations say; examples/secure/*.py scan clean.

Each insecure example has a compliant twin of the same name under examples/secure/.
Default rules unless an example's first line sets options (``# keyguard-config: ...``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keyguard.api import scan_paths
from keyguard.config import Config
from keyguard.testing import compare, parse_expectations

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
INSECURE = sorted((EXAMPLES / "insecure").glob("*.py"))
SECURE = sorted((EXAMPLES / "secure").glob("*.py"))


def _config(options) -> Config:
    kw = {"use_cache": False, "semgrep": False}
    if "strict" in options:
        kw["strict"] = bool(options["strict"])
    if "select" in options:
        kw["select"] = tuple(options["select"])
    return Config(**kw)


@pytest.mark.parametrize("path", INSECURE, ids=lambda p: p.name)
def test_insecure_example(path: Path) -> None:
    exp = parse_expectations(path.read_text(encoding="utf-8"))
    assert exp.expected, f"{path.name}: an insecure example must annotate at least one finding"
    result = scan_paths([str(path)], _config(exp.options), jobs=1)
    assert not result.errors, result.errors
    problems = compare(result.findings, exp)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SECURE, ids=lambda p: p.name)
def test_secure_example_scans_clean(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "expect:" not in text, f"{path.name}: secure examples carry no annotations"
    result = scan_paths([str(path)], _config(parse_expectations(text).options), jobs=1)
    assert not result.errors, result.errors
    found = [f"line {f.line}: {f.code} {f.message}" for f in result.findings]
    assert not found, "\n".join(found)


def test_insecure_examples_have_secure_twins() -> None:
    missing = sorted(p.name for p in INSECURE if not (EXAMPLES / "secure" / p.name).exists())
    assert not missing, f"insecure examples without a secure twin: {missing}"
