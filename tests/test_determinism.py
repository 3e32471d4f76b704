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


def test_survey_in_the_workers_gives_the_same_targets(tmp_path: Path, monkeypatch) -> None:
    """Many files' prefilter verdicts and imports are surveyed in the worker processes; the
    outcome is the same as surveying them in the scanning process, with and without the index."""
    from keyguard import api

    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    serial, _ = _scan(tmp_path, 1, cache=False)
    monkeypatch.setattr(api, "SURVEY_POOL_THRESHOLD", 2)
    monkeypatch.setattr(api, "SURVEY_CHUNK", 3)
    surveyed, errors = _scan(tmp_path, 2, cache=False)
    assert surveyed == serial and not errors
    cold, _ = _scan(tmp_path, 2, cache=True)
    warm, _ = _scan(tmp_path, 2, cache=True)  # every verdict from the index: no survey
    assert cold == serial and warm == serial


def test_api_from_an_unguarded_script(tmp_path: Path) -> None:
    """The process pool must not re-run the caller's main module: a plain script without an
    ``if __name__ == "__main__"`` guard can call the API with several jobs (as with the fork start
    method; forkserver/spawn would re-import the script in every worker)."""
    import subprocess
    import sys

    script = tmp_path / "scan.py"
    script.write_text(
        "from keyguard.api import scan_paths\n"
        "from keyguard.config import Config\n"
        f"r = scan_paths([{str(FIXTURES)!r}], Config(use_cache=False, semgrep=False), jobs=2)\n"
        "print(len(r.findings))\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout.strip()) > 100


def test_findings_do_not_depend_on_batch_composition(monkeypatch) -> None:
    """Files are analysed in batches; a module parsed for one file of a batch must not change
    what another file of the batch finds (projects/batchmates: ``keydata.bootstrap_pem`` was
    found only when keydata.py happened to share provision.py's batch)."""
    from keyguard import api

    cfg = Config(use_cache=False, semgrep=False, select=("ALL",))
    for project in sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir()):
        runs = []
        for chunk in (1, 2, 16):
            monkeypatch.setattr(api, "CHUNK", chunk)
            result = scan_paths([str(project)], cfg, jobs=1)
            runs.append([(f.code, f.path, f.line, f.column) for f in result.findings])
        assert runs[0], project.name
        assert runs[0] == runs[1] == runs[2], project.name
