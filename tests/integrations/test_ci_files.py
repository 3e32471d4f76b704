"""The shipped hook manifest and CI examples are valid for the tools that read them."""

from __future__ import annotations

import subprocess
import sys

import yaml

from .conftest import REPO


def _pre_commit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=str(REPO),
                          capture_output=True, text=True, timeout=120)


def test_hook_manifest_is_valid():
    proc = _pre_commit("validate-manifest", ".pre-commit-hooks.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["keyguard"]["types"] == ["python"]
    assert hooks["keyguard-all"]["types_or"] == ["python", "go", "shell", "dockerfile", "yaml"]
    assert any(d.startswith("semgrep") for d in hooks["keyguard-all"]["additional_dependencies"])


def test_example_pre_commit_config_is_valid():
    proc = _pre_commit("validate-config", "examples/ci/pre-commit-config.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_examples_parse_and_use_the_documented_formats():
    gh = yaml.safe_load((REPO / "examples" / "ci" / "github-workflow.yml").read_text())
    steps = gh["jobs"]["keyguard"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "--format sarif" in runs and "--format github" in runs
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    assert gh["jobs"]["keyguard"]["permissions"]["security-events"] == "write"
    gl = yaml.safe_load((REPO / "examples" / "ci" / "gitlab-ci.yml").read_text())
    assert "keyguard.sarif" in gl["keyguard"]["artifacts"]["paths"]
    # the docs show the same commands as the example files
    docs = (REPO / "docs" / "ci.md").read_text()
    for s in steps:
        if "run" in s and "keyguard check" in s["run"]:
            assert s["run"].strip() in docs, s["run"]
