"""``keyguard check`` end to end: SARIF validates against the official schema, GitHub
commands, and a baseline that survives an edit above the baselined finding."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema

from .conftest import DATA, REPO, env_with_src


def keyguard(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "keyguard", *args], cwd=str(cwd), capture_output=True,
                          text=True, env=env_with_src(), timeout=300)


def sarif_schema() -> dict:
    shared = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    path = shared if shared.is_file() else REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "pkg").mkdir(parents=True)
    shutil.copy(DATA / "insecure_store.py", proj / "pkg" / "store.py")
    shutil.copy(DATA / "clean_store.py", proj / "pkg" / "clean.py")
    return proj


def test_sarif_from_cli_is_valid_and_relative(tmp_path):
    proj = _project(tmp_path)
    proc = keyguard(proj, "check", "--no-cache", "--format", "sarif", ".")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, sarif_schema())
    run = doc["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"pkg/store.py"}
    kg101 = next(r for r in run["results"] if r["ruleId"] == "KG101")
    assert kg101["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 10
    assert kg101["codeFlows"][0]["threadFlows"][0]["locations"]
    assert kg101["partialFingerprints"]["keyguardFingerprint/v1"]


def test_github_format_from_cli(tmp_path):
    proj = _project(tmp_path)
    proc = keyguard(proj, "check", "--no-cache", "--format", "github", ".")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(l.startswith("::error file=pkg/store.py,line=18,col=9,") and ",title=KG101::" in l
               for l in lines), proc.stdout


def test_baseline_survives_edit_above_and_catches_new(tmp_path):
    proj = _project(tmp_path)
    wrote = keyguard(proj, "check", "--no-cache", "--write-baseline", "baseline.json", ".")
    assert wrote.returncode == 0, wrote.stderr
    assert keyguard(proj, "check", "--no-cache", "--baseline", "baseline.json", ".").returncode == 0

    store = proj / "pkg" / "store.py"
    text = store.read_text()
    # an unrelated edit above the findings moves them down by four lines
    store.write_text('"""Key storage."""\n\nimport logging\nLOG = logging.getLogger(__name__)\n' + text)
    moved = keyguard(proj, "check", "--no-cache", "--format", "json", ".")
    assert {f["line"] for f in json.loads(moved.stdout)["findings"]} >= {20, 22}
    same = keyguard(proj, "check", "--no-cache", "--baseline", "baseline.json", ".")
    assert same.returncode == 0, same.stdout

    # a new finding is reported while the old ones stay baselined
    store.write_text(store.read_text() + "\n\ndef scratch():\n    return tempfile.mktemp()\n")
    new = keyguard(proj, "check", "--no-cache", "--baseline", "baseline.json", "--format", "json", ".")
    assert new.returncode == 1
    found = json.loads(new.stdout)["findings"]
    assert [(f["code"], f["path"].lstrip("./")) for f in found] == [("KG102", "pkg/store.py")]
