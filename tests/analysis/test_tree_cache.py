"""Modules reached by cross-module flows are parsed once per process, not once per batch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from keyguard.analysis import run
from keyguard.api import _module_map, knowledge_base
from keyguard.config import Config

PROJECT = Path(__file__).parent.parent / "fixtures" / "projects" / "wrapchain"


@pytest.fixture
def project(tmp_path: Path, parsed):
    shutil.copytree(PROJECT, tmp_path / "p")
    files = sorted(str(p) for p in (tmp_path / "p").rglob("*.py"))
    cfg = Config()
    return tmp_path / "p" / "vault", files, cfg, parsed


def _batch(target: Path, files, cfg):
    kb = knowledge_base(cfg)
    modules = _module_map(files, str(target.parent.parent))
    return run.analyze_batch([str(target)], modules, kb, cfg.enabled, lambda p: True)


def test_a_dependency_is_parsed_once_across_batches(project) -> None:
    vault, files, cfg, parsed = project
    first = _batch(vault / "deploy.py", files, cfg)
    assert {"facade.py", "material.py"} <= set(parsed)
    parsed.clear()
    second = _batch(vault / "deploy.py", files, cfg)
    # the target itself is parsed again (targets are analysed once in a real scan); its
    # dependencies come from the cache, and the findings are the same
    assert parsed == ["deploy.py"]
    assert [f.line for f in second[0].findings] == [f.line for f in first[0].findings]
    assert [f.code for f in first[0].findings] == ["KG101", "KG401"]


def test_an_edited_dependency_is_parsed_again(project) -> None:
    vault, files, cfg, parsed = project
    _batch(vault / "deploy.py", files, cfg)
    material = vault / "material.py"
    material.write_text(material.read_text().replace("ec.SECP384R1()", "ec.SECP256R1()"))
    parsed.clear()
    again = _batch(vault / "deploy.py", files, cfg)
    assert sorted(parsed) == ["deploy.py", "material.py"]
    assert [f.code for f in again[0].findings] == ["KG101", "KG401"]


def test_the_cache_is_bounded_by_lines() -> None:
    cache = run._TreeCache(100)
    trees = [object() for _ in range(5)]
    for i, t in enumerate(trees):
        cache.put(("m%d" % i, "h"), t, 20)  # type: ignore[arg-type]
    assert cache.get(("m0", "h")) is trees[0]  # most recently used now
    cache.put(("m5", "h"), object(), 20)  # type: ignore[arg-type]
    assert cache.get(("m1", "h")) is None  # the least recently used went first
    assert cache.get(("m0", "h")) is trees[0]
    assert cache.lines <= 100
    cache.put(("big", "h"), object(), 90)  # type: ignore[arg-type]  # over a quarter: not kept
    assert cache.get(("big", "h")) is None


def test_a_target_that_others_import_is_kept(project) -> None:
    vault, files, cfg, parsed = project
    kb = knowledge_base(cfg)
    modules = _module_map(files, str(vault.parent.parent))
    target = str(vault / "deploy.py")
    first = run.analyze_batch([target], modules, kb, cfg.enabled, lambda p: True, imported=[target])
    parsed.clear()
    again = run.analyze_batch([target], modules, kb, cfg.enabled, lambda p: True, imported=[target])
    assert parsed == []  # the target's tree came from the cache this time
    assert [f.line for f in again[0].findings] == [f.line for f in first[0].findings]
