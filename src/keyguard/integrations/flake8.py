"""flake8 plugin (entry point ``KG`` in ``flake8.extension``).

flake8 hands every plugin one file at a time, so the checker analyses the
file's text with :func:`keyguard.api.scan_source` (one libcst parse, the same
engine as ``keyguard check``).  That function also reads the other modules of
the file's package from disk, so a key made by a helper in another module and
written here is still found (with the origin ``keys.py:6``); each finding is
reported when flake8 checks the file that holds its sink.  What flake8's model
cannot give is a project-wide view of unsaved or unrelated packages: that is
``keyguard check``'s job.

Selection is flake8's: ``--select``/``--extend-select``/``--ignore``,
``per-file-ignores`` and ``# noqa`` all apply to ``KG`` codes.  Because flake8's
``off_by_default`` works per entry point (all ``KG`` codes or none), the rules
that are off by default (strict) are enabled with ``--keyguard-strict`` (or
``keyguard-strict = true`` in the flake8 config), or by naming one of them with
its full code in ``--select``/``--extend-select``.
"""

from __future__ import annotations

import argparse
import functools
import os
from typing import Any, Generator, List, Sequence, Tuple

from keyguard import __version__

#: codes named explicitly in flake8's select options (strict rules then run)
_NO_SELECT: Tuple[str, ...] = ()


@functools.lru_cache(maxsize=64)
def _project_config(directory: str, strict: bool, extra_select: Tuple[str, ...]) -> Any:
    """The ``[tool.keyguard]`` config of the file's project, with selection left to flake8.

    The knowledge-base extensions of pyproject.toml still apply; select, ignore and
    per-file-ignores are neutralised because flake8 filters codes itself.
    """
    from keyguard.config import load_config

    try:
        cfg = load_config(directory)
    except Exception:  # an unreadable pyproject must not break every flake8 run
        from keyguard.config import Config

        cfg = Config()
    from keyguard.registry import RULES

    # Only strict rules need naming: the default ones already run and flake8 filters them.
    named = tuple(c for c in extra_select if c in RULES and RULES[c].default == "strict")
    select: Tuple[str, ...] = ("KG",) + named if named else ()
    return cfg.replace(select=select, ignore=(), per_file_ignores=(), strict=strict)


class KeyguardChecker:
    """Report keyguard findings as flake8 errors ``KGnnn``.

    flake8 passes ``tree`` (the ``ast`` module), ``filename`` and ``lines``; the
    ``ast`` tree is ignored and the text is re-parsed with libcst, which keeps
    exact positions and comments.
    """

    name = "keyguard"
    version = __version__

    strict: bool = False
    explicit_strict_codes: Tuple[str, ...] = _NO_SELECT

    def __init__(self, tree: Any, filename: str, lines: Sequence[str]) -> None:
        del tree  # keyguard needs libcst's concrete tree, not the ast
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:
        """Register ``--keyguard-strict`` (also readable from the flake8 config file)."""
        parser.add_option(
            "--keyguard-strict",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="keyguard: also run the rules that are off by default "
            "(KG104, KG205, KG303, KG404, KG502)",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """Read the plugin options (runs in every worker of flake8's parallel mode too)."""
        cls.strict = bool(getattr(options, "keyguard_strict", False))
        named: List[str] = []
        for opt in ("select", "extend_select"):
            for code in getattr(options, opt, None) or ():
                code = str(code).strip().upper()
                if code.startswith("KG") and len(code) == 5:
                    named.append(code)
        cls.explicit_strict_codes = tuple(sorted(set(named)))

    def _source(self) -> str:
        return "".join(self.lines)

    def _path(self) -> str:
        return "<stdin>" if self.filename in ("-", "stdin") else self.filename

    def run(self) -> Generator[Tuple[int, int, str, type], None, None]:
        """Yield ``(line, column0, "KGnnn message", type)`` per finding; KG000 if unparsable."""
        from keyguard.api import scan_source

        path = self._path()
        directory = os.path.dirname(os.path.abspath(self.filename)) if not path.startswith("<") else os.getcwd()
        config = _project_config(directory, self.strict, self.explicit_strict_codes)
        result = scan_source(self._source(), path, config)
        for err in result.errors:
            yield (max(err.line, 1), max(err.column - 1, 0), f"KG000 {err.message}", type(self))
        for f in result.findings:
            if f.origin != "keyguard":
                continue  # flake8 lints Python only; semgrep findings belong to `keyguard check`
            msg = f"{f.code} {f.message}"
            yield (f.line, max(f.column - 1, 0), msg, type(self))

