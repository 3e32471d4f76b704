"""The byte gates of keyguard.semgrep_runner are sound on every rule's test file.

A file whose text matches no gate word of its language is never handed to semgrep.  The
proof here uses the real engine: every non-Python rule test file (and the mixed-folder
fixtures) is copied with each gate match blanked out (same length, so lines and syntax stay
put), and semgrep, run directly with every bundled rule, must find nothing in the copies,
while it does find the annotated cases in the originals, which the gates let through.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from keyguard import semgrep_runner as sr

HERE = Path(__file__).resolve().parent
RULES = sr.rules_dir()
MIXED = HERE / "fixtures" / "mixed"


def _test_files() -> Dict[str, List[Path]]:
    """Language -> rule test files and mixed fixtures that semgrep_runner would scan."""
    out: Dict[str, List[Path]] = {}
    assert RULES is not None
    for lang in sr.RUNNER_LANGUAGES:
        for f in sorted((RULES / lang).iterdir()):
            if f.name.startswith("kg") and not (f.name.endswith((".yaml", ".yml")) and not f.name.endswith(".test.yaml")):
                out.setdefault(lang, []).append(f)
    for dirpath, _dirs, files in os.walk(MIXED):
        for name in files:
            p = Path(dirpath) / name
            lang = sr.semgrep_language(str(p))
            if lang is not None:
                out.setdefault(lang, []).append(p)
    return out


FILES = _test_files()


def _semgrep(targets: List[Path], cwd: Path) -> List[dict]:
    exe = sr.find_semgrep()
    assert exe is not None, "semgrep is a test dependency: pip install -e '.[test]'"
    config = cwd / "all-rules.yaml"
    config.write_text(sr.combine_rule_files(sr.bundled_rule_files()), encoding="utf-8")
    proc = subprocess.run(
        [exe, "scan", "--json", "--quiet", "--metrics=off", "--disable-version-check", "--no-git-ignore",
         "--oss-only", "--config", str(config), "--", *map(str, targets)],
        cwd=cwd, capture_output=True, timeout=600,
    )
    doc = json.loads(proc.stdout or b"{}")
    assert "results" in doc, proc.stderr.decode("utf-8", "replace")[-2000:]
    return doc["results"]


def _copy_as(src: Path, dest_dir: Path, index: int, data: bytes) -> Path:
    sub = dest_dir / str(index)
    sub.mkdir(parents=True)
    dest = sub / src.name
    dest.write_bytes(data)
    shutil.copymode(src, dest)
    return dest


def test_every_language_has_gate_and_files() -> None:
    assert set(sr.GATES) == set(sr.RUNNER_LANGUAGES)
    assert set(FILES) == set(sr.RUNNER_LANGUAGES)


@pytest.mark.parametrize("lang", sorted(FILES))
def test_gate_lets_every_test_file_through(lang: str) -> None:
    for f in FILES[lang]:
        assert sr.passes_gate(str(f), lang), f


def test_blanked_gate_words_leave_nothing_to_find(tmp_path: Path) -> None:
    originals: List[Path] = []
    blanked: List[Path] = []
    i = 0
    for lang, files in sorted(FILES.items()):
        gate = sr.GATES[lang]
        for f in files:
            data = f.read_bytes()
            originals.append(_copy_as(f, tmp_path / "orig", i, data))
            mutated = gate.sub(lambda m: b"Q" * len(m.group(0)), data)
            assert gate.search(mutated) is None
            blanked.append(_copy_as(f, tmp_path / "blank", i, mutated))
            i += 1
    found = _semgrep(originals, tmp_path)
    # the control: the real engine does report the rules' cases in the unmodified copies
    assert len({r["path"] for r in found}) >= len(originals) // 2, found
    leftover = _semgrep(blanked, tmp_path)
    assert leftover == [], [(r["check_id"], r["path"], r["start"]["line"]) for r in leftover]


def test_gated_file_is_not_scanned(tmp_path: Path) -> None:
    script = tmp_path / "build.sh"
    script.write_text("#!/bin/sh\nset -e\nmake all\ncp out/app /tmp/app\n", encoding="utf-8")
    keyed = tmp_path / "gen.sh"
    keyed.write_text("#!/bin/sh\nopenssl genrsa -out /tmp/server.key 2048\n", encoding="utf-8")
    assert not sr.passes_gate(str(script), "bash")
    assert sr.passes_gate(str(keyed), "bash")
    outcome = sr.run_semgrep(["build.sh", "gen.sh"], set(sr.KNOWN_CODES), root=str(tmp_path))
    assert {f.path for f in outcome.findings} == {"gen.sh"}


def test_unreadable_file_passes_the_gate(tmp_path: Path) -> None:
    assert sr.passes_gate(str(tmp_path / "missing.sh"), "bash")
    assert re.compile(b"x")  # the gates are bytes patterns
    assert all(isinstance(g.pattern, bytes) for g in sr.GATES.values())
