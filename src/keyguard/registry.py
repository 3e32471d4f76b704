"""The code registry: every rule class by code, and rule selection.

Selection follows cli.md: ``select``/``ignore`` take codes or prefixes
(``KG1``, ``KG201``) and ``ALL``; ``strict`` adds the rules that are off by
default.  A strict rule is also enabled when it is selected by its full code
or by ``ALL`` (like ruff's preview-free explicit selection).

Selection needs the codes only (:data:`keyguard.codes.DEFAULTS`); :data:`RULES`, the rule
classes, is imported on first use, with the rule modules (and libcst).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, Optional, Sequence, Type

from keyguard.codes import DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    from keyguard.rules.base import Rule

    RULES: Dict[str, Type[Rule]]


def _rules() -> Dict[str, Type[Rule]]:
    rules = globals().get("RULES")
    if rules is None:
        from keyguard.rules import ALL_RULES

        rules = globals()["RULES"] = {r.code: r for r in ALL_RULES}
    return rules


def __getattr__(name: str) -> object:
    """``RULES``: the rule classes by code, built when first asked for (PEP 562)."""
    if name == "RULES":
        return _rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SelectionError(ValueError):
    """An unknown code or prefix in select/ignore."""


def _matches(code: str, selector: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def _check_selectors(selectors: Iterable[str]) -> None:
    for sel in selectors:
        if sel == "ALL":
            continue
        if not sel.startswith("KG") or not any(c.startswith(sel) for c in DEFAULTS):
            raise SelectionError(f"unknown rule code or prefix: {sel!r}")


def normalize_codes(value: object) -> tuple:
    """Accept "KG1,KG201", ["KG1", "KG201"] or None; return a tuple of upper-case selectors."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    else:
        items = list(value)  # type: ignore[call-overload]
    return tuple(s.strip().upper() for s in items if str(s).strip())


def select_codes(
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    strict: bool = False,
) -> FrozenSet[str]:
    """Return the enabled codes."""
    select = tuple(select or ())
    ignore = tuple(ignore or ())
    _check_selectors(select)
    _check_selectors(ignore)
    enabled = set()
    for code, default in DEFAULTS.items():
        if select:
            hit = [s for s in select if _matches(code, s)]
            if not hit:
                continue
            if default == "strict" and not strict:
                # a strict rule needs ALL, its exact code or --strict
                if not any(s == "ALL" or s == code for s in hit):
                    continue
        else:
            if default == "strict" and not strict:
                continue
        enabled.add(code)
    for code in list(enabled):
        if any(_matches(code, s) for s in ignore):
            enabled.discard(code)
    return frozenset(enabled)


def rule_for(code: str) -> Type[Rule]:
    """The rule class of ``code`` (KeyError for an unknown code)."""
    return _rules()[code.upper()]
