"""One merged, de-duplicated list over a mixed folder (Python by the libcst analyzer; Go, shell and
Dockerfiles by the bundled semgrep rules) in text, JSON and SARIF (issue 5)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from keyguard.api import scan_paths
from keyguard.config import Config
from keyguard.report import render
from keyguard.testing import parse_expectations

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCHEMA_PATHS = [Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json",
                Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> tuple:
    root = tmp_path_factory.mktemp("mixed")
    shutil.copytree(EXAMPLES / "insecure", root / "insecure")
    shutil.copytree(EXAMPLES / "secure", root / "secure")
    result = scan_paths([str(root)], Config(use_cache=False, root=str(root)))
    return root, result


def test_semgrep_is_used(mixed) -> None:
    _, result = mixed
    assert not [n for n in result.notes if "not installed" in n or "unavailable" in n], result.notes
    assert {f.origin for f in result.findings} == {"keyguard", "semgrep"}


def test_every_annotated_line_and_nothing_else(mixed) -> None:
    root, result = mixed
    problems = []
    for path in sorted((root / "insecure").iterdir()):
        exp = parse_expectations(path.read_text(encoding="utf-8"))
        mine = [f for f in result.findings if Path(f.path) == path]
        if path.suffix == ".py" and exp.options:
            continue  # scoped examples are checked by test_examples.py with their own options
        for line, code in sorted(exp.expected):
            # a shell command spanning lines is reported from its first line
            if not any(f.code == code and f.line <= line <= f.end_line for f in mine):
                problems.append(f"{path.name}:{line}: expected {code}")
        for f in mine:
            if not any(c == f.code and f.line <= ln <= f.end_line for ln, c in exp.expected | exp.todo):
                problems.append(f"{path.name}:{f.line}: unexpected {f.code} {f.message}")
    secure = [f"{f.path}:{f.line} {f.code}" for f in result.findings if "/secure/" in f.path]
    assert not problems and not secure, "\n".join(problems + secure)


def test_no_duplicates_and_sorted(mixed) -> None:
    _, result = mixed
    keys = [(f.path, f.line, f.column, f.code) for f in result.findings]
    assert len(keys) == len(set(keys))
    assert list(result.findings) == sorted(result.findings, key=lambda f: f.sort_key())


def test_all_formats_carry_both_engines(mixed) -> None:
    root, result = mixed
    text = render(result, "text", root=str(root))
    assert "keygen.go" in text and ".py" in text
    doc = json.loads(render(result, "json", root=str(root)))
    engines = {f.get("engine", "keyguard") for f in doc["findings"]}
    assert engines == {"keyguard", "semgrep"}
    sarif = json.loads(render(result, "sarif", root=str(root)))
    schema_path = next(p for p in SCHEMA_PATHS if p.exists())
    jsonschema.validate(sarif, json.loads(schema_path.read_text()))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert any(u.endswith(".go") for u in uris) and any(u.endswith(".py") for u in uris)


def test_suppression_comment_in_shell(tmp_path: Path) -> None:
    script = tmp_path / "gen.sh"
    script.write_text("#!/bin/sh\nopenssl genrsa -out /tmp/server.key 3072  # noqa: KG501\n"
                      "openssl genrsa -out /tmp/other.key 3072\n")
    result = scan_paths([str(script)], Config(use_cache=False, root=str(tmp_path)))
    assert [(f.line, f.code) for f in result.findings if f.code == "KG501"] == [(3, "KG501")]


def test_semgrep_codes_are_registry_codes() -> None:
    from keyguard.registry import RULES
    from keyguard.semgrep_runner import KNOWN_CODES

    assert set(KNOWN_CODES) <= set(RULES)
    for code, meta in KNOWN_CODES.items():
        name = meta[0] if isinstance(meta, (tuple, list)) else getattr(meta, "name", meta)
        assert name == RULES[code].name, code


def test_a_folder_named_from_its_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `keyguard check proj` run in proj's parent: the project root (proj) is not the working
    # directory the non-Python files' paths are relative to
    proj = tmp_path / "proj"
    shutil.copytree(EXAMPLES / "insecure", proj / "insecure")
    monkeypatch.chdir(tmp_path)
    from keyguard.config import load_config

    result = scan_paths(["proj"], load_config("proj", use_cache=False))
    assert not result.notes, result.notes
    assert "semgrep" in {f.origin for f in result.findings}
    assert all(f.path.startswith("proj/") for f in result.findings)
