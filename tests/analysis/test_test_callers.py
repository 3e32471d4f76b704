"""Test code exercising a library is not a finding in the library (keyguard.analysis.run._from_tests).

A test that calls a library function with odd arguments (an outdated signature, a temporary
folder it set up, a fixture key) makes the library's code look wrong only in that test's
context; the library's own entry points and its real callers are what report it."""

from __future__ import annotations

from pathlib import Path

from keyguard.api import scan_paths
from keyguard.config import Config

KEYS = '''\
from cryptography.hazmat.primitives.asymmetric import rsa


def gen_keys(keysize, passphrase=None, e=65537):
    return rsa.generate_private_key(e, keysize)


def install(path, pem):
    with open(path, "w") as fh:
        fh.write(pem)
'''

CLI = '''\
from app import keys


def main():
    return keys.gen_keys(1024)
'''

TEST = '''\
from cryptography.hazmat.primitives.asymmetric import rsa

from app import keys

FIXTURE_PEM = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGQ6Jp9mZfZb3yWq2a8pMZ1xV9w1ZyVYc2u3b2Lx3fUu
-----END PRIVATE KEY-----
"""


def test_outdated_signature():
    keys.gen_keys("/keydir", "keyname", 2048)


def test_install(tmp_path):
    keys.install("/srv/keys/k.pem", FIXTURE_PEM)


def test_weak_key_in_the_test():
    return rsa.generate_private_key(65537, 1024)
'''


def _project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "keys.py").write_text(KEYS)
    (root / "app" / "cli.py").write_text(CLI)
    (root / "tests").mkdir()
    (root / "tests" / "test_keys.py").write_text(TEST)
    return root


def test_library_findings_come_from_real_callers_only(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    result = scan_paths([str(root)], Config(use_cache=False, semgrep=False))
    found = sorted((Path(f.path).name, f.line, f.code, f.message) for f in result.findings)
    in_library = [f for f in found if f[0] in ("keys.py", "cli.py")]
    # app/cli.py's keys.gen_keys(1024): a weak key made by the library for a real caller, reported
    # at that caller's call (where 1024 was chosen); the test's outdated call reports nothing
    assert [(f[0], f[1], f[2]) for f in in_library] == [("cli.py", 5, "KG601")]
    assert "1024 bits" in in_library[0][3] and "exponent" not in in_library[0][3]
    assert ("test_keys.py", 12) not in [f[:2] for f in found]
    # the test's own weak key is the test's finding
    assert ("test_keys.py", 20, "KG601") in [f[:3] for f in found]
