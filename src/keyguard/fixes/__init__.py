"""Autofixes: libcst codemods for the findings that can be fixed mechanically and safely.

:mod:`keyguard.fixes.codemods` holds one codemod per KG code; :mod:`keyguard.fixes.apply`
runs the engine, applies the codemods at the reported locations, verifies the
result (it must parse, and the fixed findings must be gone) and writes or diffs it.
"""

from keyguard.cstimport import import_libcst

import_libcst()  # before any module of this package imports libcst
