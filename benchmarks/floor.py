#!/usr/bin/env python3
"""Parse-only floors for the keyguard benchmark.

Walks the given files and folders, reads every ``*.py`` file and parses it,
doing nothing else. It shows the least a whole-process Python analyzer can
cost on a corpus: ``ast`` is the CPython parser (bandit's starting point),
``libcst`` is the concrete syntax tree keyguard itself builds on.

Usage:
    python floor.py ast|libcst PATH [PATH ...]

Prints one JSON object: ``{"parser": ..., "files": N, "errors": N}``.
Standard library only, except that ``libcst`` must be importable for the
libcst floor.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Callable, Iterator, List


def iter_python_files(paths: List[str]) -> Iterator[str]:
    """Yield the ``*.py`` files under ``paths`` in a stable order."""
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(root, name)


def make_parser(kind: str) -> Callable[[bytes], object]:
    """Return a function that parses source bytes with the chosen parser."""
    if kind == "ast":
        import ast

        return ast.parse
    if kind == "libcst":
        import libcst

        return libcst.parse_module
    raise SystemExit(f"unknown parser {kind!r} (expected ast or libcst)")


def main(argv: List[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    parse = make_parser(argv[0])
    # Old corpora carry invalid escape sequences; the warnings are noise here.
    warnings.simplefilter("ignore")
    files = errors = 0
    for path in iter_python_files(argv[1:]):
        files += 1
        try:
            with open(path, "rb") as fh:
                parse(fh.read())
        except Exception:  # noqa: BLE001 - a floor counts failures, never stops
            errors += 1
    print(json.dumps({"parser": argv[0], "files": files, "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
