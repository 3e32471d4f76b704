"""The reference code is independent of the analyzer, and the analyzer agrees it is compliant."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import List

import pytest

import keyguard.reference

REFERENCE_DIR = Path(keyguard.reference.__file__).parent
REPO = REFERENCE_DIR.parents[2]
SECURE_EXAMPLES = REPO / "examples" / "secure"
ANALYZER_PREFIXES = (
    "keyguard.analysis",
    "keyguard.api",
    "keyguard.rules",
    "keyguard.registry",
    "keyguard.engine",
    "keyguard.knowledge",
    "keyguard.config",
    "keyguard.cli",
)


def _imported_modules(path: Path) -> List[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: List[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the keyguard.reference package
                base = "keyguard.reference" if node.level == 1 else "keyguard"
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module or "")
                names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


REFERENCE_MODULES = sorted(REFERENCE_DIR.glob("*.py"))


@pytest.mark.parametrize("path", REFERENCE_MODULES, ids=lambda p: p.name)
def test_reference_never_imports_the_analyzer(path: Path) -> None:
    offending = [
        name
        for name in _imported_modules(path)
        if name == "keyguard" or name.startswith(ANALYZER_PREFIXES)
    ]
    assert offending == []
    keyguard_imports = {n for n in _imported_modules(path) if n.startswith("keyguard")}
    assert all(n.startswith("keyguard.reference") for n in keyguard_imports)


def test_reference_modules_are_all_checked() -> None:
    assert {p.name for p in REFERENCE_MODULES} >= {
        "__init__.py",
        "keygen.py",
        "pkcs11.py",
        "cli.py",
    }


def test_import_check_catches_an_analyzer_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from keyguard.analysis import taint\n"
        "import keyguard.api as api\n"
        "from ..rules import base\n"
    )
    names = _imported_modules(bad)
    assert "keyguard.analysis" in names and "keyguard.api" in names and "keyguard.rules" in names


def test_no_tempfile_or_logging_in_the_reference() -> None:
    for path in REFERENCE_MODULES:
        imported = set(_imported_modules(path))
        assert not imported & {"tempfile", "logging", "pickle", "subprocess", "multiprocessing"}, (
            path
        )


def _scan(paths: List[Path]) -> object:
    try:
        api = importlib.import_module("keyguard.api")
    except ImportError:
        pytest.skip("keyguard.api (the analyzer) is not available in this checkout yet")
    return api.scan_paths([str(p) for p in paths])


def test_keyguard_check_finds_nothing_in_the_reference() -> None:
    result = _scan([REFERENCE_DIR])
    findings = [f"{f.path}:{f.line}: {f.code} {f.message}" for f in result.findings]  # type: ignore[attr-defined]
    assert findings == []
    assert not result.errors  # type: ignore[attr-defined]


def test_keyguard_check_finds_nothing_in_the_secure_examples() -> None:
    examples = sorted(SECURE_EXAMPLES.glob("*.py"))
    assert examples, "examples/secure has no modules"
    result = _scan(examples)
    findings = [f"{f.path}:{f.line}: {f.code} {f.message}" for f in result.findings]  # type: ignore[attr-defined]
    assert findings == []
