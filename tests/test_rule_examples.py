"""Each rule's documentation is executable evidence: its Example triggers the rule, its
"Use instead" does not (style.md), and keyguard's own source scans clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyguard.api import scan_paths, scan_source
from keyguard.config import Config
from keyguard.docs import extract_code_blocks
from keyguard.registry import RULES

ROOT = Path(__file__).resolve().parents[1]


def _codes(source: str, code: str) -> list:
    result = scan_source(source, f"example_{code.lower()}.py", Config(select=(code,), strict=True, use_cache=False),
                         siblings=False)
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == code]


@pytest.mark.parametrize("code", sorted(RULES))
def test_example_triggers_rule(code: str) -> None:
    blocks = extract_code_blocks(code, "Example")
    assert blocks, f"{code} has no Example block"
    assert any(_codes(b, code) for b in blocks), f"{code}: the documented Example is not reported"


@pytest.mark.parametrize("code", sorted(RULES))
def test_use_instead_is_clean(code: str) -> None:
    for block in extract_code_blocks(code, "Use instead"):
        found = _codes(block, code)
        assert not found, f"{code}: the documented fix is reported: {[f.message for f in found]}"


def test_own_source_is_clean() -> None:
    # src/keyguard/semgrep_rules links to rules/, whose test files are insecure on purpose
    config = Config(select=("ALL",), use_cache=False, semgrep=False, extend_exclude=("semgrep_rules",))
    result = scan_paths([str(ROOT / "src")], config, jobs=1)
    assert not result.errors, result.errors
    assert not result.findings, [f"{f.path}:{f.line} {f.code} {f.message}" for f in result.findings]
