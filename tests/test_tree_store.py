"""Dependency trees kept on disk between runs (issue 8: pre-commit hooks and editors).

A run that analyses a few changed files stores the parsed trees of the unchanged modules its
cross-module flows reached; the next run loads them instead of parsing.  Loading is trusted only
for entries the scanning user wrote, and never changes what is found.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List

import pytest

from keyguard import api
from keyguard.analysis import run
from keyguard.api import scan_paths
from keyguard.cache import TREE_STORE_MAX_TARGETS, TreeStore
from keyguard.config import Config

PROJECT = Path(__file__).parent / "fixtures" / "projects" / "wrapchain"


def _key(f) -> tuple:
    return (f.code, f.path, f.line, f.column, f.message)


@pytest.fixture
def hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the project, a parse counter, and a fresh per-process tree cache for each run."""
    shutil.copytree(PROJECT, tmp_path / "p")
    parsed: List[str] = []
    for name in ("parse", "parse_skeleton"):  # (whole, or without function bodies)
        real = getattr(run, name)

        def counting(text: str, path: str, real=real):
            parsed.append(Path(path).name)
            return real(text, path)

        monkeypatch.setattr(run, name, counting)
    monkeypatch.setattr(api, "_STORES", {})
    target = tmp_path / "p" / "vault" / "deploy.py"
    cfg = Config(use_cache=True, cache_dir=str(tmp_path / "cache"), semgrep=False)

    def scan(config: Config = cfg, paths=None):
        monkeypatch.setattr(run, "TREES", run._TreeCache(10_000))  # as in a fresh process
        with open(target, "a", encoding="utf-8") as fh:  # the file changed since the last run
            fh.write("# edited\n")
        parsed.clear()
        return scan_paths([str(p) for p in (paths or [target])], config, jobs=1)

    return scan, parsed, tmp_path / "cache" / TreeStore.SUBDIR, cfg


def _entries(store: Path) -> List[Path]:
    return sorted(store.rglob("*.pickle")) if store.exists() else []


def test_the_next_run_loads_the_dependencies_instead_of_parsing(hook) -> None:
    scan, parsed, store, _ = hook
    first = scan()
    assert first.findings, "the fixture's cross-module flow must be found"
    deps = [n for n in parsed if n != "deploy.py"]
    assert deps, "the target's flow reaches other modules"
    assert len(_entries(store)) == len(set(deps))  # the dependencies, not the changed target
    second = scan()
    assert parsed == ["deploy.py"]
    assert [_key(f) for f in second.findings] == [_key(f) for f in first.findings]


def test_entries_are_private_and_only_trusted_when_nobody_else_can_write_them(hook) -> None:
    scan, parsed, store, _ = hook
    scan()
    entries = _entries(store)
    assert entries
    if os.name == "posix":
        assert store.stat().st_mode & 0o077 == 0
        assert all(e.stat().st_mode & 0o077 == 0 for e in entries)
        for e in entries:
            e.chmod(0o666)  # writable by others: could hold anything
        scan()
        assert len([n for n in parsed if n != "deploy.py"]) == len(entries)


def test_a_torn_or_foreign_entry_is_parsed_again(hook) -> None:
    scan, parsed, store, _ = hook
    first = scan()
    for e in _entries(store):
        e.write_bytes(e.read_bytes()[:40])  # torn: the header survives, the pickle does not
        e.chmod(0o600)
    second = scan()
    assert len([n for n in parsed if n != "deploy.py"]) == len(_entries(store))
    assert [_key(f) for f in second.findings] == [_key(f) for f in first.findings]
    other = TreeStore(str(store.parent))
    other.header = b"keyguard-tree 0 other-version\n"  # another keyguard or libcst wrote these
    assert all(other.get(e.stem) is None for e in _entries(store))


def test_no_cache_means_no_store(hook) -> None:
    scan, parsed, store, cfg = hook
    scan(cfg.replace(use_cache=False))
    assert parsed and not store.exists()


def test_bulk_scans_do_not_write_trees(hook, tmp_path: Path) -> None:
    scan, parsed, store, cfg = hook
    many = tmp_path / "many"
    many.mkdir()
    for i in range(TREE_STORE_MAX_TARGETS + 1):
        (many / f"m{i}.py").write_text(
            "from cryptography.hazmat.primitives.asymmetric import ec\n"
            "from helper import keep\n"
            f"def f{i}():\n    keep(ec.generate_private_key(ec.SECP256R1()))\n")
    (many / "helper.py").write_text("def keep(k):\n    return k\n")
    scan(paths=[many])
    assert "helper.py" in parsed and not _entries(store)


def test_a_store_alone_marks_the_cache_folder(tmp_path: Path) -> None:
    import libcst

    store = TreeStore(str(tmp_path / "cache"))
    store.put("ab" * 32, libcst.parse_module("x = 1\n"))
    assert (tmp_path / "cache" / ".gitignore").read_text() == "*\n"
    assert (tmp_path / "cache" / "CACHEDIR.TAG").exists()
    assert store.get("ab" * 32).code == "x = 1\n"

