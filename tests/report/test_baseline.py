"""Baselines survive unrelated edits and catch changed or new findings."""

from __future__ import annotations

import json

import pytest

from keyguard.baseline import BaselineError, apply_baseline, write_baseline
from keyguard.model import ScanResult

from .conftest import SAMPLE_SOURCE, make_finding


def _result(offset: int = 0, extra=()):
    return ScanResult(findings=(make_finding(line=7 + offset, end_line=7 + offset),) + tuple(extra))


def test_roundtrip_drops_baselined(sample, tmp_path):
    write_baseline(str(tmp_path / "bl.json"), sample)
    doc = json.loads((tmp_path / "bl.json").read_text())
    assert doc["tool"] == "keyguard" and len(doc["findings"]) == 2
    assert all(e["path"] == "pkg/mod.py" for e in doc["findings"])
    out = apply_baseline(sample, str(tmp_path / "bl.json"))
    assert out.findings == () and out.suppressed == 2
    assert out.errors == sample.errors


def test_survives_edit_above_finding(sample, tmp_path):
    write_baseline(str(tmp_path / "bl.json"), _result())
    mod = tmp_path / "pkg" / "mod.py"
    mod.write_text('"""Docstring added later."""\nimport os\n\n' + SAMPLE_SOURCE)
    out = apply_baseline(_result(offset=3), str(tmp_path / "bl.json"))
    assert out.findings == () and out.suppressed == 1


def test_edit_of_flagged_line_is_new(sample, tmp_path):
    write_baseline(str(tmp_path / "bl.json"), _result())
    mod = tmp_path / "pkg" / "mod.py"
    mod.write_text(SAMPLE_SOURCE.replace("fh.write(pem)", "fh.write(pem + b'\\n')"))
    out = apply_baseline(_result(), str(tmp_path / "bl.json"))
    assert len(out.findings) == 1 and out.suppressed == 0


def test_second_identical_occurrence_is_new(sample, tmp_path):
    write_baseline(str(tmp_path / "bl.json"), _result())
    mod = tmp_path / "pkg" / "mod.py"
    mod.write_text(SAMPLE_SOURCE + "    fh.write(pem)\n")
    twice = _result(extra=[make_finding(line=8, end_line=8)])
    out = apply_baseline(twice, str(tmp_path / "bl.json"))
    assert len(out.findings) == 1 and out.suppressed == 1


def test_whitespace_only_change_still_matches(sample, tmp_path):
    write_baseline(str(tmp_path / "bl.json"), _result())
    mod = tmp_path / "pkg" / "mod.py"
    mod.write_text(SAMPLE_SOURCE.replace("    fh.write(pem)", "    fh.write(pem)   "))
    assert apply_baseline(_result(), str(tmp_path / "bl.json")).findings == ()


def test_bad_baseline(tmp_path):
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(BaselineError):
        apply_baseline(ScanResult(), str(tmp_path / "bad.json"))
    with pytest.raises(BaselineError):
        apply_baseline(ScanResult(), str(tmp_path / "missing.json"))
