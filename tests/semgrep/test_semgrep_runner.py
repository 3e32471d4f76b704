"""keyguard.semgrep_runner with the real semgrep engine on small Go/shell/Dockerfile/CI fixtures.

Fixtures carry their expectations on the flagged line (``# expect: KG501``,
``// expect: KG101`` in Go), like the Python fixtures; a finding whose span
covers an annotated line satisfies it, and unannotated lines must stay clean.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import List, Set, Tuple

import pytest

from keyguard import semgrep_runner as sr
from keyguard.model import Finding

HERE = Path(__file__).resolve().parent
MIXED = HERE / "fixtures" / "mixed"
REPO = HERE.parents[1]
EXPECT = re.compile(r"(?:#|//)\s*expect:\s*(KG\d{3}(?:\s*,\s*KG\d{3})*)")


def fixture_files(root: Path) -> List[str]:
    """All files under ``root``, relative to it, sorted (hidden folders included)."""
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


def expectations(root: Path) -> Set[Tuple[str, int, str]]:
    exp = set()
    for rel in fixture_files(root):
        for no, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
            m = EXPECT.search(line)
            if m:
                for code in m.group(1).split(","):
                    exp.add((rel, no, code.strip()))
    return exp


def covered(findings: List[Finding], exp: Set[Tuple[str, int, str]]) -> Tuple[set, list]:
    """(expectations not met, findings on no expected line)."""
    missed = {e for e in exp
              if not any(f.path == e[0] and f.code == e[2] and f.line <= e[1] <= f.end_line for f in findings)}
    extra = [f for f in findings
             if not any(f.path == e[0] and f.code == e[2] and f.line <= e[1] <= f.end_line for e in exp)]
    return missed, extra


@pytest.fixture(scope="module")
def mixed_outcome() -> sr.SemgrepOutcome:
    assert sr.find_semgrep() is not None, "semgrep is a test dependency: pip install -e '.[test]'"
    paths = fixture_files(MIXED)
    return sr.run_semgrep(paths, set(sr.KNOWN_CODES), root=str(MIXED))


# ----------------------------------------------------------------- target selection


@pytest.mark.parametrize("name,content,lang", [
    ("main.go", "package main\n", "go"),
    ("scripts/provision.sh", "echo hi\n", "bash"),
    ("deploy.bash", "echo hi\n", "bash"),
    ("bin/rotate", "#!/usr/bin/env bash\necho hi\n", "bash"),
    ("bin/setup", "#!/bin/sh -e\necho hi\n", "bash"),
    ("Dockerfile", "FROM alpine\n", "dockerfile"),
    ("Dockerfile.prod", "FROM alpine\n", "dockerfile"),
    ("build.Dockerfile", "FROM alpine\n", "dockerfile"),
    ("Containerfile", "FROM alpine\n", "dockerfile"),
    (".github/workflows/ci.yml", "on: push\n", "yaml"),
    (".gitlab-ci.yml", "stages: []\n", "yaml"),
    ("deploy/pipeline.yaml", "steps:\n  - run: make\n", "yaml"),
])
def test_semgrep_targets(tmp_path: Path, name: str, content: str, lang: str) -> None:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(content, encoding="utf-8")
    assert sr.semgrep_language(str(p)) == lang
    assert sr.is_semgrep_target(str(p))


@pytest.mark.parametrize("name,content", [
    ("keys.py", "import os\n"),
    ("tool", "#!/usr/bin/env python3\nprint(1)\n"),
    ("README.md", "# openssl genrsa -out /tmp/k\n"),
    ("config/app.yaml", "database:\n  host: db\n"),
    ("notes.txt", "openssl genrsa -out /tmp/k.pem\n"),
])
def test_not_semgrep_targets(tmp_path: Path, name: str, content: str) -> None:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(content, encoding="utf-8")
    assert not sr.is_semgrep_target(str(p))


def test_missing_file_is_not_a_target(tmp_path: Path) -> None:
    assert not sr.is_semgrep_target(str(tmp_path / "nope"))


# ----------------------------------------------------------------- bundled rules


def test_bundled_rules_found_and_filtered() -> None:
    root = sr.rules_dir()
    assert root is not None
    every = sr.bundled_rule_files(None)
    assert every and all(f.parent.name in sr.RUNNER_LANGUAGES for f in every)
    assert not any(f.name.endswith(".test.yaml") for f in every)
    only = sr.bundled_rule_files({"KG501"})
    assert only and all(f.name.startswith("kg501-") for f in only)
    assert sr.bundled_rule_files({"KG501"}, ["go"]) == [f for f in only if f.parent.name == "go"]


def test_combined_config_has_unique_ids() -> None:
    text = sr.combine_rule_files(sr.bundled_rule_files(None))
    ids = re.findall(r"^  - id: (\S+)$", text, re.M)
    assert len(ids) == len(sr.bundled_rule_files(None))
    assert len(ids) == len(set(ids))
    assert "bash.kg501-keygen-tool-temp-output" in ids and "dockerfile.kg501-keygen-tool-temp-output" in ids


# ----------------------------------------------------------------- running semgrep


def test_mixed_folder_findings_match_annotations(mixed_outcome: sr.SemgrepOutcome) -> None:
    findings = list(mixed_outcome.findings)
    missed, extra = covered(findings, expectations(MIXED))
    assert not missed, f"expected but not found: {sorted(missed)}"
    assert not extra, "unexpected: " + "; ".join(f"{f.path}:{f.line} {f.code}" for f in extra)
    assert mixed_outcome.errors == ()
    assert mixed_outcome.notes == ()


def test_every_fixture_language_reported(mixed_outcome: sr.SemgrepOutcome) -> None:
    paths = {f.path for f in mixed_outcome.findings}
    assert {"cmd/keygen/main.go", "scripts/provision.sh", "scripts/rotate-keys", "Dockerfile.prod",
            ".github/workflows/ci.yml"} <= paths
    # Python belongs to the libcst analyzer: never a semgrep finding
    assert not any(p.endswith(".py") for p in paths)


def test_finding_fields(mixed_outcome: sr.SemgrepOutcome) -> None:
    f = next(f for f in mixed_outcome.findings if f.path == "scripts/provision.sh" and f.code == "KG501")
    assert f.origin == "semgrep"
    assert f.name == "keygen-tool-temp-output"
    assert f.severity in ("low", "medium", "high", "critical")
    assert f.confidence in ("low", "medium", "high")
    assert (f.line, f.column) == (5, 1)
    assert f.end_line == 5 and f.end_column > f.column
    assert "temporary" in f.message and "\n" not in f.message
    assert f.fix and "/tmp" in f.fix
    assert f.to_dict()["engine"] == "semgrep"


def test_findings_sorted_and_unique(mixed_outcome: sr.SemgrepOutcome) -> None:
    fs = list(mixed_outcome.findings)
    assert fs == sorted(fs, key=Finding.sort_key)
    keys = [(f.path, f.line, f.column, f.code) for f in fs]
    assert len(keys) == len(set(keys))


def test_enabled_codes_select_rules() -> None:
    out = sr.run_semgrep(fixture_files(MIXED), {"KG501"}, root=str(MIXED))
    assert out.findings and {f.code for f in out.findings} == {"KG501"}


def test_no_enabled_rule_means_no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYGUARD_SEMGREP", "/nonexistent/semgrep")
    out = sr.run_semgrep(fixture_files(MIXED), {"KG301"}, root=str(MIXED))  # no semgrep rule for KG301
    assert out == sr.SemgrepOutcome()


def test_only_python_files_means_no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYGUARD_SEMGREP", "/nonexistent/semgrep")
    assert sr.run_semgrep(["keys.py"], set(sr.KNOWN_CODES), root=str(MIXED)) == sr.SemgrepOutcome()


def test_semgrep_missing_is_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYGUARD_SEMGREP", "/nonexistent/semgrep")
    out = sr.run_semgrep(fixture_files(MIXED), set(sr.KNOWN_CODES), root=str(MIXED))
    assert out.findings == () and out.errors == ()
    assert out.notes == ("semgrep is not installed: 5 non-Python files not scanned "
                         "(pip install 'keyguard[semgrep]')",)


def test_absolute_and_relative_paths_kept_as_given(tmp_path: Path) -> None:
    script = tmp_path / "gen.sh"
    script.write_text("#!/bin/sh\nopenssl genrsa -out /tmp/k.pem 2048\n", encoding="utf-8")
    out = sr.run_semgrep([str(script)], {"KG501"})
    assert [(f.path, f.line, f.code) for f in out.findings] == [(str(script), 2, "KG501")]


def test_semgrep_runs_from_the_targets_common_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """semgrep starts a helper process per explicit target outside its working directory, so it
    runs from the deepest directory holding every target (here: from elsewhere, two folders, one
    extension-less script staged under a temporary name); paths come back as given."""
    a, b = tmp_path / "ops" / "a", tmp_path / "ops" / "b"
    a.mkdir(parents=True)
    b.mkdir()
    first = a / "gen.sh"
    first.write_text("openssl genrsa -out /tmp/k.pem 2048\n", encoding="utf-8")
    second = b / "rotate"
    second.write_text("#!/bin/sh\nssh-keygen -t ed25519 -N '' -f /tmp/id\n", encoding="utf-8")
    cwds: List[str] = []
    real = sr._invoke

    def spy(argv, cwd, timeout):
        cwds.append(cwd)
        return real(argv, cwd, timeout)

    monkeypatch.setattr(sr, "_invoke", spy)
    monkeypatch.chdir(tmp_path.parent)
    out = sr.run_semgrep([str(first), str(second)], {"KG501"})
    assert sorted((f.path, f.line) for f in out.findings) == [(str(first), 1), (str(second), 2)]
    # the staged copy lives in a temporary folder, so the common directory is their common root
    assert cwds == [os.path.commonpath([str(tmp_path), tempfile.gettempdir()])]
    cwds.clear()
    out = sr.run_semgrep([str(first)], {"KG501"})
    assert cwds == [str(a)] and [f.path for f in out.findings] == [str(first)]


def test_unreadable_target_is_a_file_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "Dockerfile.gone")
    Path(missing).write_text("FROM alpine\n", encoding="utf-8")
    good = tmp_path / "ok.sh"
    good.write_text("openssl genrsa -out /tmp/k.pem 2048\n", encoding="utf-8")
    os.remove(missing)
    # semgrep_language sniffs nothing for Dockerfile.*; the copy for staging fails instead
    out = sr.run_semgrep([missing, str(good)], {"KG501"})
    assert [e.path for e in out.errors] == [missing]
    assert [f.path for f in out.findings] == [str(good)]


def test_semgrep_failure_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "semgrep"
    fake.write_text("#!/bin/sh\necho 'boom: engine exploded' >&2\nexit 2\n", encoding="utf-8")
    fake.chmod(0o700)
    monkeypatch.setenv("KEYGUARD_SEMGREP", str(fake))
    out = sr.run_semgrep(["scripts/provision.sh"], {"KG501"}, root=str(MIXED))
    assert out.findings == ()
    assert len(out.notes) == 1 and "semgrep failed (exit 2)" in out.notes[0] and "boom" in out.notes[0]


def test_semgrep_runs_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line turns metrics and the version check off and uses only local configs."""
    log = tmp_path / "argv.txt"
    fake = tmp_path / "semgrep"
    fake.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"$@\" > {log}\n"
        f"echo \"$SEMGREP_SEND_METRICS $SEMGREP_ENABLE_VERSION_CHECK\" >> {log}\n"
        "echo '{\"results\": [], \"errors\": []}'\n",
        encoding="utf-8",
    )
    fake.chmod(0o700)
    monkeypatch.setenv("KEYGUARD_SEMGREP", str(fake))
    out = sr.run_semgrep(["scripts/provision.sh"], {"KG501"}, root=str(MIXED))
    assert out == sr.SemgrepOutcome()
    argv = log.read_text(encoding="utf-8").splitlines()
    for flag in ("--metrics=off", "--disable-version-check", "--json", "--quiet", "--no-git-ignore"):
        assert flag in argv
    configs = [argv[i + 1] for i, a in enumerate(argv) if a == "--config"]
    assert len(configs) == 1 and os.path.isabs(configs[0])  # a local file, never a registry name
    assert argv[-1] == "off 0"


# ----------------------------------------------------------------- packaging


def test_rules_ship_in_the_wheel(tmp_path: Path) -> None:
    """`pip wheel .` puts the rules under keyguard/semgrep_rules (what a non-editable install sees).

    Built with pip's default build isolation, i.e. setuptools from PyPI (through
    pip's cache), exactly as `pip install .` builds it.
    """
    src = tmp_path / "src"
    shutil.copytree(REPO, src, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__",
                                                  ".pytest_cache", "benchmarks", ".venv", "venv"))
    if not (src / "README.md").exists():
        (src / "README.md").write_text("keyguard\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
         str(tmp_path / "dist"), str(src)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout.decode("utf-8", "replace")[-3000:]
    wheel = next((tmp_path / "dist").glob("keyguard-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in sr.bundled_rule_files(None):
        assert f"keyguard/semgrep_rules/{f.parent.name}/{f.name}" in names
    assert any(n.startswith("keyguard/semgrep_rules/python/kg") for n in names)
