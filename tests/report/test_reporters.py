"""Reporters on hand-made results: text, JSON, GitHub commands, SARIF (schema-validated)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from keyguard.model import ScanResult
from keyguard.report import progress, render
from keyguard.report.github import escape_data, escape_property

from .conftest import make_finding, sarif_schema


def test_text_plain_one_line_per_finding(sample):
    out = render(sample, "text", color=False)
    lines = out.splitlines()
    assert lines[0] == "pkg/broken.py:3:1: KG000 syntax error at line 3: invalid syntax"
    assert lines[1].startswith("pkg/mod.py:6:6: KG103 temporary file")
    assert lines[2].startswith("pkg/mod.py:7:5: KG101 private key from rsa.generate_private_key")
    assert "\x1b[" not in out  # no escape codes when piped
    assert "Found 2 findings in 1 file" in out
    # per-code summary
    assert any(l.split() == ["1", "KG101", "key-in-tempfile"] for l in lines)
    assert any(l.split() == ["1", "KG103", "tempfile-cleanup-not-guaranteed"] for l in lines)


def test_text_color_has_snippet_with_origin(sample):
    out = render(sample, "text", color=True)
    assert "\x1b[" in out
    plain = out
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    # the key's origin line, then the sink line with a caret under the span
    assert "4 | key = rsa.generate_private_key(public_exponent=65537, key_size=2048)" in plain
    assert "^ private key from rsa.generate_private_key" in plain
    assert "7 |     fh.write(pem)" in plain
    assert "  |     ^^^^^^^^^^^^^" in plain
    assert "= fix: Write the key to a private directory" in plain


def test_text_snippets_from_sources_mapping(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ScanResult(findings=(make_finding(path="virtual.py", line=2, source=None, trace=()),))
    out = render(result, "text", snippets=True, sources={"virtual.py": "x = 1\n    fh.write(pem)\n"})
    assert "2 |     fh.write(pem)" in out


def test_text_no_findings():
    out = render(ScanResult(files_scanned=3), "text")
    assert "No findings." in out and "3 files scanned" in out


def test_json_document(sample):
    doc = json.loads(render(sample, "json"))
    assert doc["tool"] == "keyguard" and doc["version"]
    assert [f["code"] for f in doc["findings"]] == ["KG103", "KG101"]
    f = doc["findings"][1]
    assert f["source"] == {"line": 4, "description": "private key from rsa.generate_private_key"}
    assert (f["line"], f["column"], f["end_line"], f["end_column"]) == (7, 5, 7, 18)
    assert doc["errors"] == [{"path": "pkg/broken.py", "message": "syntax error at line 3: invalid syntax"}]
    assert doc["stats"]["files_scanned"] == 2 and doc["stats"]["files_skipped"] == 1


def test_github_commands(sample):
    out = render(sample, "github").splitlines()
    assert out[0] == (
        "::warning file=pkg/mod.py,line=6,col=6,endLine=6,endColumn=52,title=KG103::"
        "temporary file with key material created with delete=False%2C never removed"
        .replace("%2C", ",") + " (tempfile-cleanup-not-guaranteed)%0AFix: Write the key to a private "
        "directory with mode 0o600"
    )
    assert out[1].startswith("::error file=pkg/mod.py,line=7,col=5,endLine=7,endColumn=18,title=KG101::")
    assert out[2] == "::error file=pkg/broken.py,line=3,col=1,title=KG000::syntax error at line 3: invalid syntax"


def test_github_escaping():
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    f = make_finding(path="odd,name:x.py", message="key, with: 100%\nsecond line")
    line = render(ScanResult(findings=(f,)), "github").splitlines()[0]
    assert "file=odd%2Cname%3Ax.py," in line
    assert line.split("::", 2)[2].startswith("key, with: 100%25%0Asecond line")


def test_sarif_validates_and_has_github_fields(sample):
    doc = json.loads(render(sample, "sarif", root="."))
    jsonschema.validate(doc, sarif_schema())
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"KG101", "KG103"} <= set(rules)
    for r in rules.values():
        assert r["help"]["text"] and r["help"]["markdown"]
        assert float(r["properties"]["security-severity"]) > 0
        assert "security" in r["properties"]["tags"]
    res = {r["ruleId"]: r for r in run["results"]}
    r101 = res["KG101"]
    assert run["tool"]["driver"]["rules"][r101["ruleIndex"]]["id"] == "KG101"
    loc = r101["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/mod.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 7, "startColumn": 5, "endLine": 7, "endColumn": 18}
    assert r101["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert "](1)" in r101["message"]["text"]
    flow = r101["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in flow] == [4, 5, 7]
    assert r101["properties"]["precision"] == "high"
    assert res["KG103"]["properties"]["precision"] == "medium"
    assert res["KG103"]["level"] == "warning"
    assert "codeFlows" not in res["KG103"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/broken.py"


def test_sarif_fingerprint_stable_across_line_moves(sample, tmp_path):
    before = json.loads(render(sample, "sarif"))["runs"][0]["results"]
    src = (tmp_path / "pkg" / "mod.py").read_text()
    (tmp_path / "pkg" / "mod.py").write_text("# a new comment\n\n" + src)
    moved = ScanResult(findings=tuple(
        make_finding(**{**f.__dict__, "line": f.line + 2, "end_line": f.end_line + 2})
        for f in sample.findings))
    after = json.loads(render(moved, "sarif"))["runs"][0]["results"]
    fp = lambda rs: sorted(r["partialFingerprints"]["keyguardFingerprint/v1"] for r in rs)  # noqa: E731
    assert fp(before) == fp(after)


def test_sarif_uri_relative_to_root_and_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub dir").mkdir()
    f = make_finding(path=str(tmp_path / "sub dir" / "a b.py"), source=None, trace=())
    doc = json.loads(render(ScanResult(findings=(f,)), "sarif", root=str(tmp_path)))
    jsonschema.validate(doc, sarif_schema())
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "sub%20dir/a%20b.py"


def test_sarif_brackets_in_message_are_escaped(sample):
    f = make_finding(message="key written via args[0]")
    doc = json.loads(render(ScanResult(findings=(f,)), "sarif"))
    assert "args\\[0\\]" in doc["runs"][0]["results"][0]["message"]["text"]


def test_unknown_format():
    with pytest.raises(ValueError):
        render(ScanResult(), "xml")


def test_progress_noop_when_disabled_or_not_tty():
    with progress(3, enabled=False) as bar:
        bar.advance()
    with progress(3, enabled=True) as bar:  # stderr is captured by pytest: not a TTY
        assert bar.enabled is False
        bar.advance(2)
