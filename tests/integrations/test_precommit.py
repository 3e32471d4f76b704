"""End to end: ``pre-commit try-repo`` installs this repository's hook and runs it.

A throwaway git repository gets an insecure file staged: the hook must fail and
name the finding; after the fix it must pass.  PRE_COMMIT_HOME is a temporary
directory, so nothing leaks into the user's cache (the first run builds the
hook's virtualenv from this checkout, which takes a while).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO


PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

INSECURE = '''\
import tempfile


def reserve():
    return tempfile.mktemp(suffix=".pem")
'''

FIXED = '''\
import os
import tempfile


def reserve():
    fd, path = tempfile.mkstemp(suffix=".pem")
    os.close(fd)
    return path
'''


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=str(cwd), check=True, capture_output=True)


def _new_repo(work: Path) -> Path:
    """A throwaway git repository with an identity of its own."""
    work.mkdir()
    _git(work, "init", "-q")
    _git(work, "config", "user.email", "test@example.invalid")
    _git(work, "config", "user.name", "test")
    return work


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(work: Path, home: Path, *files: str, hook: str = "keyguard") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(home)
    env.pop("PYTHONPATH", None)  # the hook must run from its own virtualenv
    env["NO_COLOR"] = "1"
    cmd = PRE_COMMIT + ["try-repo", str(REPO), hook, "--color", "never", "--files", *files]
    return subprocess.run(cmd, cwd=str(work), env=env, capture_output=True, text=True, timeout=1200)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is required")
def test_try_repo_fails_then_passes(tmp_path, precommit_home):
    import pre_commit  # noqa: F401
    work = _new_repo(tmp_path / "work")
    (work / "keys.py").write_text(INSECURE)
    (work / "README.md").write_text("not python\n")
    _git(work, "add", "keys.py", "README.md")

    bad = _try_repo(work, precommit_home, "keys.py", "README.md")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "keys.py:5:12: KG102" in out, out

    (work / "keys.py").write_text(FIXED)
    _git(work, "add", "keys.py")
    good = _try_repo(work, precommit_home, "keys.py", "README.md")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


KEY_SCRIPT = """\
#!/bin/sh
set -e
openssl genrsa -out /tmp/server.key 2048
"""

SAFE_SCRIPT = """\
#!/bin/sh
set -e
umask 077
mkdir -p "$HOME/.keys"
openssl genrsa -out "$HOME/.keys/server.key" 2048
"""


@pytest.mark.skipif(shutil.which("git") is None, reason="git is required")
def test_try_repo_all_hook_runs_the_semgrep_rules(tmp_path, precommit_home):
    """The ``keyguard-all`` hook: its environment gets semgrep, shell scripts are checked."""
    work = _new_repo(tmp_path / "work")
    (work / "mkcert.sh").write_text(KEY_SCRIPT)
    (work / "keys.py").write_text(FIXED)
    _git(work, "add", "mkcert.sh", "keys.py")

    bad = _try_repo(work, precommit_home, "mkcert.sh", "keys.py", hook="keyguard-all")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "mkcert.sh:3:1: KG501" in out, out

    (work / "mkcert.sh").write_text(SAFE_SCRIPT)
    _git(work, "add", "mkcert.sh")
    good = _try_repo(work, precommit_home, "mkcert.sh", "keys.py", hook="keyguard-all")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
