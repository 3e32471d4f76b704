"""The LSP's fast pass gives the same findings as a full analysis for typical edits."""

from __future__ import annotations

import pytest

from keyguard.integrations.incremental import fast_rescan, plan, snapshot_of, split

engine = pytest.importorskip("keyguard.api", reason="engine not available")

BASE = '''\
import os
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ENC = serialization.BestAvailableEncryption(b"vault")


def make_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, ENC)


def save(path, data):
    with open(path, "wb") as fh:
        fh.write(data)


def unrelated():
    return 42


def main():
    pem = make_pem()
    save(os.path.join("/srv/keys", "k.pem"), pem)
    name = tempfile.mktemp()
    return name
'''


def _scan(text: str):
    from keyguard.config import Config

    return engine.scan_source(text, "mod.py", Config(select=("ALL",)), siblings=False)


def _key(f):
    src = (f.source.line, f.source.description) if f.source else None
    return (f.code, f.line, f.column, f.end_line, f.end_column, f.message, src)


EDITS = {
    "insert lines above everything": lambda t: "# header\n\n\n" + t,
    "edit inside an unrelated function": lambda t: t.replace("return 42", "x = 1\n    return x + 41"),
    "remove the mktemp": lambda t: t.replace("    name = tempfile.mktemp()\n    return name\n", "    return None\n"),
    "add mktemp to an unrelated function": lambda t: t.replace("return 42", "return tempfile.mktemp()"),
    "callee changed: save() now safe": lambda t: t.replace(
        'with open(path, "wb") as fh:',
        'with open(path, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:'),
    "caller of a changed helper": lambda t: t.replace("return key.private_bytes", "return b'' or key.private_bytes"),
    "new function using the helpers": lambda t: t + '\n\ndef other():\n    save("/tmp/x.pem", make_pem())\n',
    "line typed right after a function's last line": lambda t: t.replace(
        "    return 42\n", "    return 42\n    y = tempfile.mktemp()\n"),
    "function deleted": lambda t: t.replace("def unrelated():\n    return 42\n\n\n", ""),
    "blank lines only": lambda t: t.replace("\n\n\ndef main", "\n\n\n\n\ndef main"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_fast_pass_equals_full_analysis(name):
    base_result = _scan(BASE)
    assert base_result.findings, "fixture must have findings"
    snap = snapshot_of(BASE, base_result.findings)
    new = EDITS[name](BASE)
    assert new != BASE
    calls = []

    def scan(text):
        calls.append(text)
        return _scan(text)

    fast = fast_rescan(snap, new, scan)
    assert fast is not None
    full = _scan(new)
    assert sorted(map(_key, fast.findings)) == sorted(map(_key, full.findings))
    # it really was partial: the reduced module is smaller than the document
    assert all(len(c.splitlines()) < len(new.splitlines()) for c in calls)


def test_unparsable_or_large_change_needs_full_pass():
    snap = snapshot_of(BASE, _scan(BASE).findings)
    assert plan(snap, BASE + "\ndef broken(:\n") is None
    # an unterminated string swallows the rest of the file: the region alone does not parse
    assert plan(snap, BASE.replace("def unrelated():", 'X = """\ndef unrelated():')) is None
    rewritten = "\n".join("x%d = %d" % (i, i) for i in range(40)) + "\n"
    assert plan(snap, rewritten) is None


def test_split_includes_decorators():
    chunks = split("import functools\n\n\n@functools.cache\ndef f():\n    return 1\n")
    assert [(c.start, c.end, c.is_def) for c in chunks] == [(1, 1, False), (4, 6, True)]
