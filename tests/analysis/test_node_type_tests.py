"""Node-type tests by exact type: ``type(node) is cst.X`` where it equals ``isinstance``."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _type_tests(tree: ast.AST):
    """The class names of ``type(x) is cst.X`` / ``type(x) in (cst.X, ...)`` comparisons."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
                and isinstance(node.left.func, ast.Name) and node.left.func.id == "type"):
            continue
        for right in node.comparators:
            for elt in right.elts if isinstance(right, ast.Tuple) else [right]:
                if isinstance(elt, ast.Attribute) and isinstance(elt.value, ast.Name) and elt.value.id == "cst":
                    yield elt.attr


def test_exact_type_tests_name_only_classes_libcst_never_subclasses() -> None:
    """The engine tests node types with ``type(node) is cst.X`` (an isinstance that fails against
    libcst's ABC-based classes runs Python code); that equals isinstance only for classes libcst
    does not subclass, which this checks against the installed libcst.  (keyguard's own
    ``LazyBlock``, the stub body of a function not parsed yet, is meant to fail
    ``type(body) is cst.IndentedBlock``: read before it is filled, a stub counts as no body.)"""
    import libcst

    names = set()
    for path in (SRC / "keyguard").rglob("*.py"):
        names.update(_type_tests(ast.parse(path.read_text(encoding="utf-8"))))
    assert len(names) > 50
    for name in sorted(names):
        cls = getattr(libcst, name)
        assert isinstance(cls, type) and issubclass(cls, libcst.CSTNode), name
        foreign = [c for c in cls.__subclasses__() if not c.__module__.startswith("keyguard.")]
        assert foreign == [], f"libcst subclasses {name}: use isinstance"
