"""Warm scans (issue 8): what a cache directory lets a re-scan skip, and that it changes nothing.

- the file index remembers each file's prefilter decision and imported module words by content
  hash, so unchanged files are not looked at again;
- exported names are cached with each target's findings, so cross-module rounds come out the
  same from a warm cache;
- semgrep results of non-Python files are cached per file and content.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from keyguard import semgrep_runner
from keyguard.api import scan_paths
from keyguard.config import Config
from keyguard.discovery import Prefilter, imported_words

FIXTURES = Path(__file__).parent / "fixtures"

KEY_SCRIPT = "#!/bin/sh\nopenssl genrsa -out /tmp/server.key 2048\n"


def _cfg(tmp: Path, **kw) -> Config:
    kw.setdefault("semgrep", False)
    return Config(use_cache=True, cache_dir=str(tmp / "cache"), **kw)


def _key(f) -> tuple:
    return (f.code, f.path, f.line, f.column, f.message)


def test_imported_words() -> None:
    raw = (b"import os, pkg.keys as k\n"
           b"from .material import (\n    a as b,\n    c)\n"
           b"from . import wrap\n"
           b"from pkg.sub import x \\\n    , y\n"
           b"def f():\n    import zz.yy\n"
           b"s = 'no import here'  # import nothing\n")
    assert imported_words(raw) == {"os", "keys", "material", "a", "b", "c", "wrap", "sub", "x", "y", "yy"}
    assert imported_words(b"x = 1\n") == frozenset()


def test_unchanged_files_skip_the_prefilter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "projects", tmp_path / "projects")
    calls = []
    real = Prefilter.verdict

    def counting(self, raw):
        calls.append(raw)
        return real(self, raw)

    monkeypatch.setattr(Prefilter, "verdict", counting)
    cold = scan_paths([str(tmp_path / "projects")], _cfg(tmp_path), jobs=1)
    n_files = len(calls)
    assert n_files >= 10 and cold.findings
    calls.clear()
    warm = scan_paths([str(tmp_path / "projects")], _cfg(tmp_path), jobs=1)
    assert calls == [] and [_key(f) for f in warm.findings] == [_key(f) for f in cold.findings]
    # a new file and an edited one are looked at again; the edit turns a clean module into a target
    helper = tmp_path / "projects" / "wrapchain" / "vault" / "facade.py"
    helper.write_text(helper.read_text() + "\n\ndef spill():\n    open('/tmp/x.pem', 'w').write(fresh_identity())\n")
    third = scan_paths([str(tmp_path / "projects")], _cfg(tmp_path), jobs=1)
    assert len(calls) == 1
    assert any(Path(f.path) == helper and f.code == "KG101" for f in third.findings)


def test_cross_module_rounds_from_a_warm_cache(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "projects" / "wrapchain", tmp_path / "wrapchain")
    cold = scan_paths([str(tmp_path / "wrapchain")], _cfg(tmp_path), jobs=1)
    deploy = [f for f in cold.findings if f.path.endswith("deploy.py")]
    assert {f.code for f in deploy} == {"KG101", "KG401"}
    warm = scan_paths([str(tmp_path / "wrapchain")], _cfg(tmp_path), jobs=2)
    assert [_key(f) for f in warm.findings] == [_key(f) for f in cold.findings]
    # without the cache the same: the rounds, not the cache, find deploy.py
    fresh = scan_paths([str(tmp_path / "wrapchain")], Config(use_cache=False, semgrep=False), jobs=1)
    assert [_key(f) for f in fresh.findings] == [_key(f) for f in cold.findings]


def test_semgrep_results_are_cached_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "gen.sh").write_text(KEY_SCRIPT, encoding="utf-8")
    (proj / "build.sh").write_text("#!/bin/sh\nmake all\n", encoding="utf-8")
    cold = scan_paths([str(proj)], _cfg(tmp_path, semgrep=True), jobs=1)
    assert {f.code for f in cold.findings} >= {"KG501"} and not cold.notes
    # the warm run needs no semgrep at all for unchanged files
    real = semgrep_runner.run_semgrep
    asked = []

    def recording(paths, *a, **kw):
        asked.append(sorted(paths))
        return real(paths, *a, **kw)

    monkeypatch.setattr(semgrep_runner, "run_semgrep", recording)
    warm = scan_paths([str(proj)], _cfg(tmp_path, semgrep=True), jobs=1)
    assert asked == []
    assert [_key(f) for f in warm.findings] == [_key(f) for f in cold.findings] and not warm.notes
    # an edited file goes to semgrep again, alone
    (proj / "gen.sh").write_text("#!/bin/sh\n\nopenssl genrsa -out /tmp/server.key 2048\n", encoding="utf-8")
    edited = scan_paths([str(proj)], _cfg(tmp_path, semgrep=True), jobs=1)
    assert len(asked) == 1 and [Path(p).name for p in asked[0]] == ["gen.sh"]
    assert [(f.code, f.line) for f in edited.findings] == [(f.code, f.line + 1) for f in cold.findings]
    # other rules selected: a different cache
    scan_paths([str(proj)], _cfg(tmp_path, semgrep=True, select=("KG5",)), jobs=1)
    assert len(asked) == 2
