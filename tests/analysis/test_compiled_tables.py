"""The bundled TOML tables are compiled once (marshal, beside the .pyc files) and read back."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from keyguard.knowledge import compiled
from keyguard.knowledge.compiled import compiled_path, load_toml

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

KNOWLEDGE = Path(compiled.__file__).parent


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "t.toml"
    path.write_text('[a]\nx = [1, "two", true]\n[[rows]]\nname = "k"\nflags = { on = 1.5 }\n')
    parses = []
    real = tomllib.loads

    def counting(text: str):
        parses.append(text)
        return real(text)

    monkeypatch.setattr(tomllib, "loads", counting)
    return path, parses


@pytest.mark.parametrize("name", sorted(p.name for p in KNOWLEDGE.glob("*.toml")))
def test_every_bundled_table_reads_back_as_parsed(name: str) -> None:
    path = KNOWLEDGE / name
    with open(path, "rb") as fh:
        expected = tomllib.load(fh)
    assert load_toml(path) == expected
    assert load_toml(path) == expected  # from the compiled copy where one could be written


def test_compiled_once_then_read(table) -> None:
    path, parses = table
    first = load_toml(path)
    assert compiled_path(path, path.read_bytes()).exists() and len(parses) == 1
    assert load_toml(path) == first and len(parses) == 1


def test_an_edited_table_is_parsed_again(table) -> None:
    path, parses = table
    load_toml(path)
    path.write_text(path.read_text().replace('"k"', '"edited"'))
    assert load_toml(path)["rows"][0]["name"] == "edited" and len(parses) == 2


def test_a_damaged_copy_is_ignored(table) -> None:
    path, parses = table
    expected = load_toml(path)
    compiled_path(path, path.read_bytes()).write_bytes(b"\x00garbage")
    assert load_toml(path) == expected and len(parses) == 2


def test_nothing_written_where_python_writes_no_bytecode(table, monkeypatch: pytest.MonkeyPatch) -> None:
    path, parses = table
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    load_toml(path)
    load_toml(path)
    assert len(parses) == 2 and not (path.parent / "__pycache__").exists()


def test_errors_are_tomls_own(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[a\n")
    with pytest.raises(tomllib.TOMLDecodeError):
        load_toml(bad)


def test_the_built_knowledge_base_is_kept_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyguard.knowledge import schema

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    built = schema.build(schema.load_tables())
    sources = [b"schema v1", b"table a", b"table b"]
    assert compiled.load_built(tmp_path, sources, schema.KnowledgeBase) is None
    compiled.store_built(tmp_path, sources, built)
    again = compiled.load_built(tmp_path, sources, schema.KnowledgeBase)
    assert again == built and again is not built
    # another table or another schema: another copy, the old one is not read
    assert compiled.load_built(tmp_path, [b"schema v2", b"table a", b"table b"], schema.KnowledgeBase) is None
    # a copy of another kind, or a damaged one, is not used
    assert compiled.load_built(tmp_path, sources, dict) is None
    compiled.built_path(tmp_path, sources).write_bytes(b"\x80\x05garbage")
    assert compiled.load_built(tmp_path, sources, schema.KnowledgeBase) is None


def test_nothing_built_is_kept_where_python_writes_no_bytecode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyguard.knowledge import schema

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    compiled.store_built(tmp_path, [b"x"], schema.build(schema.load_tables()))
    assert list(tmp_path.iterdir()) == []


def test_the_default_knowledge_base_is_the_built_one() -> None:
    from keyguard.knowledge import schema

    assert schema.default_kb() == schema.build(schema.load_tables())
