"""Hand-made findings for reporter tests (no engine needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keyguard.model import FileError, Finding, ScanResult, SourceRef, TraceStep

REPO = Path(__file__).resolve().parents[2]

SAMPLE_SOURCE = """\
import tempfile
from cryptography.hazmat.primitives.asymmetric import rsa

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(enc, fmt, alg)
with tempfile.NamedTemporaryFile(delete=False) as fh:
    fh.write(pem)
"""


def sarif_schema() -> dict:
    """The official schema: ``<repo>/../shared/schemas`` in CI, else the vendored copy."""
    shared = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    path = shared if shared.is_file() else REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def make_finding(path: str = "pkg/mod.py", line: int = 7, **kw) -> Finding:
    base = dict(
        code="KG101",
        name="key-in-tempfile",
        severity="high",
        path=path,
        line=line,
        column=5,
        end_line=line,
        end_column=18,
        message="private key from rsa.generate_private_key at line 4 written to NamedTemporaryFile",
        fix="Write the key to a private directory with mode 0o600",
        source=SourceRef(line=4, description="private key from rsa.generate_private_key"),
        confidence="high",
        trace=(
            TraceStep(path, 4, 1, "private key created"),
            TraceStep(path, 5, 1, "serialized by private_bytes"),
            TraceStep(path, line, 5, "written to a temporary file"),
        ),
    )
    base.update(kw)
    return Finding(**base)


@pytest.fixture
def sample(tmp_path, monkeypatch):
    """A result with two findings and one unparsable file, in a temp project."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(SAMPLE_SOURCE)
    findings = (
        make_finding(),
        make_finding(code="KG103", name="tempfile-cleanup-not-guaranteed", severity="medium",
                     line=6, column=6, end_column=52, confidence="medium",
                     message="temporary file with key material created with delete=False, "
                             "never removed", trace=()),
    )
    errors = (FileError(path="pkg/broken.py", message="syntax error at line 3: invalid syntax",
                        line=3, column=1),)
    return ScanResult(findings=findings, errors=errors, files_scanned=2, files_skipped=1,
                      seconds=0.123, suppressed=0)
