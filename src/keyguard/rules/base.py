"""The rule base class: metadata as class attributes, documentation as the docstring.

A rule consumes *events* produced by the dataflow engine (``keyguard.analysis``):
a sink reached by a value, a call of a known API, a mode or umask evaluated to a
constant.  Rules never walk the tree or resolve names themselves.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, ClassVar, Iterable, Tuple

from keyguard.codes import DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    from keyguard.analysis.events import Event
    from keyguard.analysis.engine import ModuleAnalysis
    from keyguard.rules.report import Hit


class Rule:
    """Base of every rule. Subclasses set the metadata and implement :meth:`check`."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    #: "on" (default set) or "strict" (only with --strict, --select ALL or an explicit select),
    #: from :data:`keyguard.codes.DEFAULTS`
    default: ClassVar[str] = "on"
    severity: ClassVar[str] = "high"
    cwe: ClassVar[Tuple[str, ...]] = ()
    #: states the action, e.g. "Create the key file with mode 0o600 from the first syscall"
    fix_title: ClassVar[str] = ""
    #: whether ``keyguard fix`` has a codemod for this rule
    autofix: ClassVar[bool] = False
    #: event kinds (see keyguard.analysis.events) this rule consumes
    kinds: ClassVar[Tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)  # type: ignore[arg-type]
        if cls.code:
            cls.default = DEFAULTS[cls.code]  # a code missing from the table is a KeyError at import

    def check(self, event: "Event", module: "ModuleAnalysis") -> Iterable["Hit"]:
        """Yield hits for one event. The default consumes nothing."""
        return ()

    def finish(self, module: "ModuleAnalysis") -> Iterable["Hit"]:
        """Yield hits that need every event of a module (order-dependent rules)."""
        return ()

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation (its docstring, dedented)."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """First line of the documentation."""
        return cls.doc().split("\n", 1)[0].strip()
