"""Small helpers shared by the rule families (message pieces, event predicates)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, List, Optional

from keyguard import labels as L
from keyguard.analysis.context import AnalysisContext
from keyguard.analysis.events import Event
from keyguard.analysis.values import Origin, Value
from keyguard.rules.report import Hit


def data_of(ev: Event, name: str = "data") -> Value:
    v = ev.value(name)
    return v if v is not None else Value()


def named_guess_only(data: Value) -> bool:
    """All of ``data``'s key material is a guess from a parameter's name (``def f(private_key)``)
    or a variable's (``private_key = fetch_private_key()`` of a function the scan cannot see).

    Such a parameter holds a key file's path about as often as the key: on a command line
    (``ssh -i private_key``) or in an exception message, a guess alone is not reported."""
    origins = [org for lbl, org in data.taints if lbl in L.KEY_LABELS]
    return bool(origins) and all(org.description.startswith((L.PARAM_GUESS, L.NAME_GUESS)) for org in origins)


def origin_of(v: Value) -> Optional[Origin]:
    return v.key_origin()


def confidence(ev: Event, org: Optional[Origin]) -> str:
    if ev.confidence != "high":
        return ev.confidence
    if org is not None and org.confidence != "high":
        return org.confidence
    return "high" if ev.depth <= 1 else "medium"


def target_desc(ctx: AnalysisContext, ev: Event, target: Optional[Value]) -> str:
    if target is not None and target.file is not None and target.file.description:
        return f"`{target.file.description}`"
    if target is not None:
        org = target.origin(L.TEMP)
        if org is not None:
            return org.description
    return f"`{ev.describe}`" if ev.describe else "a file"


def before(trace: List[Event], ev: Event) -> Iterable[Event]:
    return (e for e in trace if e.seq < ev.seq)


def after(trace: List[Event], ev: Event) -> Iterable[Event]:
    return (e for e in trace if e.seq > ev.seq)


def restrictive(mode: Optional[int]) -> bool:
    return mode is not None and (mode & 0o077) == 0


def permissive(mode: Optional[int]) -> bool:
    return mode is not None and (mode & 0o077) != 0


def umask_permissive(mask: Optional[int]) -> bool:
    """A umask that leaves read or write access for group or other."""
    return mask is not None and (~mask & 0o066) != 0


def octal(mode: Optional[int]) -> str:
    return "unknown" if mode is None else oct(mode)


def at_call_site(hit: Hit, ev: Event, site: Any, what: str) -> Hit:
    """``hit`` moved to the call that decided the value a helper acted on (``site``: module, call
    node, statement, from the engine's ``call_site_of``), the helper's own line kept as a trace
    step (``what`` happens there).  Unchanged when there is no such call."""
    if not site:
        return hit
    module, node, _top = site
    from keyguard.analysis.engine import is_test_module

    if is_test_module(module) and not is_test_module(ev.module):
        # a test driving a library helper (an outdated signature, a scratch folder it set up) is
        # not a finding of the test: left at the helper, where test-driven flows are dropped
        return hit
    return replace(hit, node=node, module=module, steps=((ev.node, ev.module, what),) + hit.steps)
