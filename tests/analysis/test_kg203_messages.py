"""KG203 says what happened in which order: the key written before the chmod, or the file created
(and open to others) before a chmod that precedes the write."""

from __future__ import annotations

from pathlib import Path

from keyguard.api import scan_paths
from keyguard.config import Config

CODE = '''\
import os
from nacl.signing import SigningKey


def written_then_restricted(path):
    sk = SigningKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    os.write(fd, sk.encode())
    os.fchmod(fd, 0o600)


def restricted_then_written(path):
    sk = SigningKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    os.fchmod(fd, 0o600)
    os.write(fd, sk.encode())
'''


def test_the_message_follows_the_order(tmp_path: Path) -> None:
    (tmp_path / "keys.py").write_text(CODE)
    result = scan_paths([str(tmp_path)], Config(use_cache=False, semgrep=False))
    kg203 = {f.line: f.message for f in result.findings if f.code == "KG203"}
    assert set(kg203) == {9, 15}
    assert "only after private key from SigningKey.generate at line 6 was written" in kg203[9]
    assert "created with umask-dependent permissions" in kg203[15] and "written later" in kg203[15]
    assert "was written to the file" not in kg203[15]
