"""The command line per cli.md: exit codes, formats, selection, config, suppression, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keyguard.cli import main

INSECURE = textwrap.dedent(
    """\
    import tempfile
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def stage():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        with tempfile.NamedTemporaryFile() as fh:
            fh.write(pem)
        return tempfile.mktemp()
    """
)
CLEAN = "import os\n\nprint(os.getcwd())\n"


def run(capsys, *args: str):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(INSECURE)
    (tmp_path / "pkg" / "good.py").write_text(CLEAN)
    return tmp_path


def test_exit_codes(tree: Path, capsys) -> None:
    assert run(capsys, "check", "--no-cache", str(tree / "pkg" / "good.py"))[0] == 0
    code, out, _ = run(capsys, "check", "--no-cache", str(tree / "pkg"))
    assert code == 1
    assert f"{tree / 'pkg' / 'bad.py'}:10:9: KG101 " in out
    assert "KG102" in out
    assert run(capsys, "check", "--no-cache", "--select", "KG999", str(tree))[0] == 2
    assert run(capsys, "check", "--no-cache", "--exit-zero", str(tree))[0] == 0


def test_json_shape_and_relative_paths(tree: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tree)
    code, out, _ = run(capsys, "check", "--no-cache", "--format", "json", "pkg")
    assert code == 1
    doc = json.loads(out)
    assert doc["tool"] == "keyguard" and doc["version"]
    f = {x["code"]: x for x in doc["findings"]}
    kg101 = f["KG101"]
    assert kg101["path"] == os.path.join("pkg", "bad.py")
    assert (kg101["line"], kg101["column"], kg101["end_line"]) == (10, 9, 10)
    assert kg101["source"] == {"line": 6, "description": "private key from ec.generate_private_key"}
    assert kg101["name"] == "key-in-tempfile" and kg101["severity"] and kg101["fix"]
    assert "ec.generate_private_key at line 6" in kg101["message"]
    assert doc["errors"] == []
    assert doc["stats"]["files_scanned"] == 2


def test_select_ignore_strict(tree: Path, capsys) -> None:
    code, out, _ = run(capsys, "check", "--no-cache", "--format", "json", "--select", "KG102", str(tree))
    assert {x["code"] for x in json.loads(out)["findings"]} == {"KG102"}
    code, out, _ = run(capsys, "check", "--no-cache", "--format", "json", "--ignore", "KG1", str(tree))
    assert code == 0 and json.loads(out)["findings"] == []
    _, out, _ = run(capsys, "check", "--no-cache", "--format", "json", str(tree))
    assert "KG404" not in {x["code"] for x in json.loads(out)["findings"]}
    _, out, _ = run(capsys, "check", "--no-cache", "--format", "json", "--strict", str(tree))
    assert "KG404" in {x["code"] for x in json.loads(out)["findings"]}
    _, out, _ = run(capsys, "check", "--no-cache", "--format", "json", "--select", "ALL", str(tree))
    assert "KG404" in {x["code"] for x in json.loads(out)["findings"]}


def test_pyproject_config_and_cli_override(tree: Path, capsys) -> None:
    (tree / "pyproject.toml").write_text('[tool.keyguard]\nignore = ["KG102"]\n')
    _, out, _ = run(capsys, "check", "--no-cache", "--format", "json", str(tree))
    assert "KG102" not in {x["code"] for x in json.loads(out)["findings"]}
    _, out, _ = run(capsys, "check", "--no-cache", "--format", "json", "--ignore", "KG101", str(tree))
    codes = {x["code"] for x in json.loads(out)["findings"]}
    assert "KG102" in codes and "KG101" not in codes
    (tree / "pyproject.toml").write_text('[tool.keyguard]\nselect = ["KG9"]\n')
    code, _, err = run(capsys, "check", "--no-cache", str(tree))
    assert code == 2 and "KG9" in err
    (tree / "pyproject.toml").write_text("[tool.keyguard\n")
    assert run(capsys, "check", "--no-cache", str(tree))[0] == 2
    (tree / "pyproject.toml").write_bytes(b'[tool.keyguard]\nignore = ["KG102"]\n# \xff\n')
    code, _, err = run(capsys, "check", "--no-cache", str(tree))
    assert code == 2 and "not UTF-8" in err


def test_a_pyproject_without_keyguard_settings_is_not_parsed(tree: Path, capsys) -> None:
    # another tool's file, even one broken past TOML's rules, holds no keyguard settings
    (tree / "pyproject.toml").write_text('[tool.black\nline-length = 100\n')
    code, out, _ = run(capsys, "check", "--no-cache", "--format", "json", str(tree))
    assert code == 1 and "KG102" in {x["code"] for x in json.loads(out)["findings"]}
    # a dotted key names keyguard too
    (tree / "pyproject.toml").write_text('tool.keyguard.ignore = ["KG102"]\n')
    _, out, _ = run(capsys, "check", "--no-cache", "--format", "json", str(tree))
    assert "KG102" not in {x["code"] for x in json.loads(out)["findings"]}


def test_per_file_ignores_and_exclude(tree: Path, capsys) -> None:
    (tree / "pyproject.toml").write_text('[tool.keyguard]\nper-file-ignores = { "pkg/bad.py" = ["KG1"] }\n')
    assert run(capsys, "check", "--no-cache", str(tree))[0] == 0
    (tree / "pyproject.toml").write_text('[tool.keyguard]\nextend-exclude = ["pkg"]\n')
    assert run(capsys, "check", "--no-cache", str(tree))[0] == 0
    # explicit files are always scanned
    assert run(capsys, "check", "--no-cache", str(tree / "pkg" / "bad.py"))[0] == 1


def test_gitignore_honoured(tree: Path, capsys) -> None:
    (tree / ".gitignore").write_text("pkg/bad.py\n")
    assert run(capsys, "check", "--no-cache", str(tree))[0] == 0


def test_suppression_comments(tmp_path: Path, capsys) -> None:
    src = INSECURE.replace("fh.write(pem)", "fh.write(pem)  # noqa: KG101").replace(
        "return tempfile.mktemp()", "return tempfile.mktemp()  # keyguard: ignore[KG102]")
    p = tmp_path / "s.py"
    p.write_text(src)
    assert run(capsys, "check", "--no-cache", str(p))[0] == 0
    p.write_text(INSECURE.replace("fh.write(pem)", "fh.write(pem)  # noqa: KG102"))
    code, out, _ = run(capsys, "check", "--no-cache", str(p))
    assert code == 1 and "KG101" in out  # a noqa for another code does not hide it
    p.write_text(INSECURE.replace("fh.write(pem)", "fh.write(pem)  # noqa"))
    assert "KG101" not in run(capsys, "check", "--no-cache", str(p))[1]


def test_bad_input_is_a_per_file_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "ok.py").write_text(INSECURE)
    (tmp_path / "syntax.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    (tmp_path / "undecodable.py").write_bytes(b"x = '\xff\xfe\xfa'\n")
    (tmp_path / "binary.py").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path / "loop", tmp_path / "loop" / "again")
    os.symlink(tmp_path / "missing", tmp_path / "dangling.py")
    unreadable = tmp_path / "secret.py"
    unreadable.write_text(CLEAN)
    unreadable.chmod(0)
    code, out, _ = run(capsys, "check", "--no-cache", "--format", "json", str(tmp_path))
    doc = json.loads(out)
    assert code == 1
    errors = {Path(e["path"]).name: e["message"] for e in doc["errors"]}
    assert "syntax.py" not in errors  # discovered, but cannot hold a finding: not parsed
    assert "decode" in errors["undecodable.py"]
    assert "binary" in errors["binary.py"]
    assert "latin.py" not in errors  # a declared encoding is honoured
    assert any("symlink" in m for m in errors.values())
    if os.geteuid() != 0:  # root reads everything
        assert "cannot read" in errors["secret.py"]
    assert {f["code"] for f in doc["findings"]} >= {"KG101", "KG102"}  # the scan went on
    code, out, _ = run(capsys, "check", "--no-cache", str(tmp_path / "syntax.py"))
    assert code == 1 and "KG000" in out and "syntax error at line 1" in out
    (tmp_path / "syntax.py").write_text("import tempfile\ndef broken(:\n    tempfile.mktemp()\n")
    doc = json.loads(run(capsys, "check", "--no-cache", "--format", "json", str(tmp_path))[1])
    assert any(Path(e["path"]).name == "syntax.py" and "syntax error at line 2" in e["message"] for e in doc["errors"])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_nesting_beyond_pythons_limits_is_a_per_file_error(tmp_path: Path, jobs: str) -> None:
    # libcst's native parser crashes (SIGSEGV) on these; Python's parser refuses them first.  Run in
    # a child process: a regression would kill it, not the test session.
    header = "from cryptography.hazmat.primitives.asymmetric import rsa\nkey = rsa.generate_private_key(65537, 2048)\n"
    (tmp_path / "brackets.py").write_text(header + "x = " + "[\n" * 3000 + "]\n" * 3000)
    (tmp_path / "chain.py").write_text(header + "x = (\n" + "-\n" * 20000 + "1)\n")
    (tmp_path / "deep_but_fine.py").write_text(header + "x = " + "-" * 500 + "1\n" + "[" * 150 + "]" * 150 + "\n")
    (tmp_path / "ok.py").write_text(INSECURE)
    proc = subprocess.run([sys.executable, "-m", "keyguard", "check", "--no-cache", "--jobs", jobs, "--format", "json",
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    errors = {Path(e["path"]).name: e["message"] for e in doc["errors"]}
    assert errors == {"brackets.py": "syntax error at line 203: too many nested parentheses",
                      "chain.py": "too deeply nested: Python's own parser gives up on this file, not analysed"}
    assert {Path(f["path"]).name for f in doc["findings"]} == {"ok.py"}  # the scan went on


def test_stdin(capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(INSECURE.encode())))
    code, out, _ = run(capsys, "check", "--no-cache", "--format", "json", "-", "--stdin-filename", "app/keys.py")
    assert code == 1
    assert {f["path"] for f in json.loads(out)["findings"]} == {"app/keys.py"}


def test_rule_command(capsys) -> None:
    code, out, _ = run(capsys, "rule")
    assert code == 0 and "KG101" in out and "KG602" in out
    code, out, _ = run(capsys, "rule", "kg203")
    assert code == 0 and "permissions-tightened-after-write" in out and "## Use instead" in out or "Use instead" in out
    assert run(capsys, "rule", "KG999")[0] == 2


def test_python_dash_m_and_console_script(tree: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "keyguard", "check", "--no-cache", str(tree / "pkg")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "KG101" in proc.stdout


def test_cache_gives_identical_results(tree: Path, capsys) -> None:
    cache = tree / "cache"
    first = run(capsys, "check", "--cache-dir", str(cache), "--format", "json", str(tree / "pkg"))[1]
    second = run(capsys, "check", "--cache-dir", str(cache), "--format", "json", str(tree / "pkg"))[1]
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k != "stats"}  # noqa: E731
    assert strip(first) == strip(second)
    assert any(cache.rglob("*.json"))
