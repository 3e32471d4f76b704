"""Exclude globs: compiled once, with the meaning they had as one ``fnmatch`` call per glob."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Sequence

import pytest

from keyguard.config import Config
from keyguard.discovery import _Excludes, discover

PATTERNS = [
    (),
    ("build",),
    ("build/",),
    ("*.pyi", "docs/*"),
    ("tests/fixtures", "*_pb2.py"),
    ("vendor*", "a/b/c.py", "[!x]y.py", "node_modules"),
]
ENTRIES = [
    ("build", "build"), ("build/x.py", "x.py"), ("src/build", "build"), ("buildx", "buildx"),
    ("stub.pyi", "stub.pyi"), ("docs/conf.py", "conf.py"), ("docs/a/b.py", "b.py"),
    ("tests/fixtures", "fixtures"), ("tests/fixtures/k.py", "k.py"), ("tests/fixturesX/k.py", "k.py"),
    ("api_pb2.py", "api_pb2.py"), ("pkg/api_pb2.py", "api_pb2.py"), ("vendored/x.py", "x.py"),
    ("a/b/c.py", "c.py"), ("a/b/c.pyc", "c.pyc"), ("zy.py", "zy.py"), ("xy.py", "xy.py"),
    ("web/node_modules", "node_modules"), ("node_modules/x/y.py", "y.py"),
]


def _reference(rel: str, name: str, patterns: Sequence[str]) -> bool:
    """What discovery did before the globs were compiled: one fnmatch call per glob and entry."""
    for pat in patterns:
        pat = pat.rstrip("/")
        if fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(rel, pat) or rel.startswith(pat.rstrip("*") + "/") and "*" not in pat:
            return True
        if rel == pat:
            return True
    return False


@pytest.mark.parametrize("patterns", PATTERNS)
def test_compiled_globs_mean_what_fnmatch_meant(patterns) -> None:
    excludes = _Excludes(patterns)
    for rel, name in ENTRIES:
        assert excludes.match(rel, name) == _reference(rel, name, patterns), (patterns, rel)


def test_walk_applies_excludes_and_gitignore(tmp_path: Path) -> None:
    for rel in ["app/main.py", "app/gen/api_pb2.py", "build/out.py", "docs/conf.py", "tests/fixtures/k.py",
                "tests/test_a.py", "ignored/x.py", "app/cache/c.py"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "app" / ".gitignore").write_text("cache/\n")
    found = discover([str(tmp_path)], ("build", "*_pb2.py", "tests/fixtures", "docs/*"), True)
    rels = sorted(Path(p).relative_to(tmp_path).as_posix() for p in found.python)
    assert rels == ["app/main.py", "tests/test_a.py"]
    # the default excludes are compiled the same way
    assert discover([str(tmp_path)], tuple(Config().exclude), False).python
