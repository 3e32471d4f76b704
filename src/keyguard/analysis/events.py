"""Events: what the engine observed, in program order, for the rules to judge.

An event is emitted when evaluation reaches a knowledge-base effect (a write, an
open, a chmod, a sink ...).  Events of one *activation* (a top-level function or
the module body, with every call it makes evaluated inline) share a trace, so
order-dependent rules (chmod after write, umask in force) compare ``seq``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

import libcst as cst

from keyguard.analysis.values import Value


@dataclass(frozen=True, eq=False)
class Event:
    """One observation of the engine."""

    kind: str
    node: cst.CSTNode  # the expression to report (a call, usually)
    module: str  # path of the file holding ``node``
    seq: int
    trace: int  # activation id
    values: Mapping[str, Any] = field(default_factory=dict)
    #: enclosing control structures at the event, innermost last: "try", "finally", "except", "with", "loop", "if"
    context: Tuple[str, ...] = ()
    #: call depth at which the event happened (0 = the activation itself)
    depth: int = 0
    confidence: str = "high"
    describe: str = ""
    top: Optional[cst.CSTNode] = None  # module-level statement holding ``node``

    def value(self, name: str) -> Optional[Value]:
        v = self.values.get(name)
        return v if isinstance(v, Value) else None

    @property
    def in_finally(self) -> bool:
        return "finally" in self.context
