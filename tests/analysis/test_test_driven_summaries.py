"""A helper that a test module calls before the project's own code does: the hits a test drives
into library code are dropped (run._from_tests), and the events a memoised call does not replay
(tool issues, logs) stand for the first evaluation only, so the real caller's evaluation must not
reuse the test's summary (found on mininet: mininet.clean.sh called by examples/test/*)."""
from pathlib import Path

import pytest

from keyguard.api import scan_paths
from keyguard.config import Config

HELPER = """from subprocess import Popen, PIPE
import logging


def sh(cmd):
    p = Popen(["/bin/sh", "-c", cmd], stdout=PIPE)
    return p.communicate()[0]


def announce(what):
    logging.info("made %s", what)
"""
TEST = """from lib.shell import sh, announce
from cryptography.hazmat.primitives.asymmetric import ec


def test_keys():
    sh("openssl genrsa -out /tmp/k.pem 2048")
    announce(ec.generate_private_key(ec.SECP256R1()))
"""
CALLER = """from lib.shell import sh, announce
from cryptography.hazmat.primitives.asymmetric import ec


def make():
    sh("openssl genrsa -out /tmp/k.pem 2048")
    announce(ec.generate_private_key(ec.SECP256R1()))
"""


@pytest.mark.parametrize("caller_dir", ["scripts", "zscripts"])  # before / after tests/ in scan order
def test_real_caller_reported_whatever_the_order(tmp_path: Path, caller_dir: str) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "shell.py").write_text(HELPER)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_shell.py").write_text(TEST)
    (tmp_path / caller_dir).mkdir()
    (tmp_path / caller_dir / "gen.py").write_text(CALLER)
    result = scan_paths([str(tmp_path)], Config(use_cache=False, semgrep=False), jobs=1)
    got = sorted((Path(f.path).name, f.line, f.code) for f in result.findings)
    assert ("shell.py", 6, "KG501") in got
    assert ("shell.py", 11, "KG401") in got
