"""A run is a function of (files, config): the same findings with one process or several, and
from a cold or a warm cache (issue 8)."""

from __future__ import annotations

import shutil
from pathlib import Path

from keyguard.api import scan_paths
from keyguard.config import Config

FIXTURES = Path(__file__).parent / "fixtures"


def _scan(tmp: Path, jobs: int, cache: bool) -> tuple:
    cfg = Config(use_cache=cache, cache_dir=str(tmp / "cache"), semgrep=False, select=("ALL",))
    result = scan_paths([str(tmp / "fixtures")], cfg, jobs=jobs)
    return result.findings, result.errors


def test_jobs_and_cache_do_not_change_results(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    serial, errors = _scan(tmp_path, 1, cache=False)
    assert serial and not errors
    parallel, _ = _scan(tmp_path, 2, cache=False)
    assert parallel == serial
    cold, _ = _scan(tmp_path, 2, cache=True)
    warm, _ = _scan(tmp_path, 2, cache=True)
    assert cold == serial and warm == serial
    # an edit to one file re-analyses it (and what depends on it), the rest comes from the cache
    target = tmp_path / "fixtures" / "KG101" / sorted(p.name for p in (tmp_path / "fixtures" / "KG101").glob("*.py"))[0]
    target.write_text("# edited\n" + target.read_text())
    edited, _ = _scan(tmp_path, 2, cache=True)
    moved = [f for f in edited if Path(f.path) == target]
    before = [f for f in serial if Path(f.path) == target]
    assert [f.line for f in moved] == [f.line + 1 for f in before]
    assert [f for f in edited if Path(f.path) != target] == [f for f in serial if Path(f.path) != target]
