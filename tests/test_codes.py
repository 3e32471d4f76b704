"""``keyguard.codes``: the light table of codes selection uses, against the rule classes."""

from __future__ import annotations

import re
from pathlib import Path

from keyguard.codes import DEFAULTS
from keyguard.registry import RULES, select_codes

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "rules.md"


def test_the_table_names_exactly_the_rule_classes_and_their_defaults() -> None:
    assert list(DEFAULTS) == sorted(DEFAULTS)
    assert set(DEFAULTS) == set(RULES)
    for code, rule in RULES.items():
        assert rule.default == DEFAULTS[code]


def test_strict_codes_are_the_catalogue_off_by_default() -> None:
    """rules.md marks the rules off by default "off (strict)"; the table says the same."""
    if not SPEC.exists():  # the shared spec sits beside the repository in the development set-up
        strict = {"KG104", "KG205", "KG303", "KG404", "KG502"}
    else:
        strict = set(re.findall(r"^\| (KG\d{3}) \|.*\| off \(strict\) \|$", SPEC.read_text(), re.M))
    assert strict == {c for c, d in DEFAULTS.items() if d == "strict"}
    assert select_codes() == frozenset(c for c, d in DEFAULTS.items() if d == "on")
    assert select_codes(strict=True) == frozenset(DEFAULTS)
    assert select_codes(["KG104"]) == frozenset({"KG104"})
