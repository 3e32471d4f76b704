"""Parsing without per-node validation, and batches freed without the garbage collector."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst
import pytest

from keyguard import gcpolicy
from keyguard.analysis import run
from keyguard.api import _module_map, knowledge_base
from keyguard.config import Config
from keyguard.source import parse, parse_module

PROJECT = Path(__file__).parent.parent / "fixtures" / "projects" / "wrapchain"

SOURCE = '''\
import os
from cryptography.hazmat.primitives.asymmetric import rsa

def make(path):  # a comment
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open(path, "wb") as fh:
        fh.write(b"x")
'''


def test_parse_round_trips_and_leaves_validation_on() -> None:
    tree = parse_module(SOURCE)
    assert tree.code == SOURCE
    assert tree.deep_equals(cst.parse_module(SOURCE))
    # nodes built by hand after a parse are still validated
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not an identifier")


def test_validation_is_back_after_a_syntax_error() -> None:
    err = parse("def f(:\n", "broken.py")
    assert not isinstance(err, cst.Module)
    assert err.line == 1
    with pytest.raises(cst.CSTValidationError):
        cst.Name("1x")


def _live_modules() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, cst.Module))


def test_a_finished_batch_is_freed_without_a_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's modules, functions and classes refer to each other; ``Project.close`` breaks
    those cycles so the parsed trees go as soon as the batch is done, with the collector off."""
    monkeypatch.setattr(run, "TREES", run._TreeCache(0))  # nothing kept between batches
    parsed = []
    for name in ("parse", "parse_skeleton"):
        real = getattr(run, name)

        def counting(text: str, path: str, real=real):
            parsed.append(path)
            return real(text, path)

        monkeypatch.setattr(run, name, counting)
    files = sorted(str(p) for p in PROJECT.rglob("*.py"))
    cfg = Config()
    modules = _module_map(files, str(PROJECT.parent))
    target = str(PROJECT / "vault" / "deploy.py")
    kb = knowledge_base(cfg)
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = _live_modules()
        results = run.analyze_batch([target], modules, kb, cfg.enabled, lambda p: True)
        assert [f.code for f in results[0].findings] == ["KG101", "KG401"]
        assert len(parsed) >= 3  # the target and the modules it calls into
        assert _live_modules() == before
    finally:
        if was_enabled:
            gc.enable()


def test_collector_thresholds_are_restored() -> None:
    before = gc.get_threshold()
    with gcpolicy.young_collections_only():
        assert gc.get_threshold() == gcpolicy.BATCH_GC_THRESHOLDS
    assert gc.get_threshold() == before


def test_keyguard_processes_keep_the_lenient_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command, pool workers and the language server own their process: no full collection
    over the cached trees after every batch."""
    before = gc.get_threshold()
    monkeypatch.setattr(gcpolicy, "_OWN_PROCESS", True)  # this test process is not frozen
    try:
        gcpolicy.own_process_collections()
        assert gc.get_threshold() == gcpolicy.BATCH_GC_THRESHOLDS
        with gcpolicy.young_collections_only():
            pass
        assert gc.get_threshold() == gcpolicy.BATCH_GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)


def test_the_command_sets_the_thresholds_before_its_imports_and_freezes_them(tmp_path: Path) -> None:
    """``keyguard check`` sets the lenient thresholds before it imports libcst and the engine (their
    import then runs few collections), and moves the imported objects out of the collector's
    sight once the analysis is imported."""
    import json
    import subprocess
    import sys

    target = tmp_path / "keyed.py"  # (a file the analysis reads: libcst and the engine are imported)
    target.write_text("from cryptography.hazmat.primitives.asymmetric import rsa\n"
                      "k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n")
    code = f"""
import gc, json, sys
from keyguard import gcpolicy
seen = {{}}
own = gcpolicy.own_process_collections
def spy():
    seen["imported before"] = "libcst" in sys.modules or "keyguard.api" in sys.modules
    own()
    seen["frozen at start"] = gc.get_freeze_count()
gcpolicy.own_process_collections = spy
from keyguard.cli import main
main(["check", "--no-cache", "--format", "json", {str(target)!r}])
seen["frozen at end"] = gc.get_freeze_count()
seen["threshold"] = gc.get_threshold()
print(json.dumps(seen), file=sys.stderr)
"""
    src = Path(__file__).resolve().parents[2] / "src"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}, timeout=120)
    seen = json.loads(proc.stderr.strip().splitlines()[-1])
    assert seen["imported before"] is False
    assert seen["frozen at end"] > seen["frozen at start"] + 10_000  # libcst's and keyguard's objects
    assert tuple(seen["threshold"]) == gcpolicy.BATCH_GC_THRESHOLDS
