"""The flake8 plugin, run through the real ``flake8`` command line."""

from __future__ import annotations

import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import List

import flake8 as _flake8  # noqa: F401  (a test dependency: fail loudly if missing)

from keyguard.model import FileError, Finding, ScanResult

from .conftest import DATA, PYTHON, REPO, env_with_src


def _entry_point_installed() -> bool:
    eps = metadata.entry_points()
    group = eps.select(group="flake8.extension") if hasattr(eps, "select") else eps.get("flake8.extension", [])
    return any(ep.name == "KG" and ep.value.startswith("keyguard.") for ep in group)


def flake8(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run real flake8 with only the KG plugin's codes selected unless args say otherwise.

    When keyguard is installed (CI, ``pip install -e .``) the ``flake8.extension``
    entry point is used; otherwise the same class is registered as a flake8
    local plugin, which goes through flake8's normal plugin loading.
    """
    cfg = tmp_path / "flake8.cfg"
    text = "[flake8]\n"
    if not _entry_point_installed():
        text += "\n[flake8:local-plugins]\nextension =\n    KG = keyguard.integrations.flake8:KeyguardChecker\n"
        text += f"paths = {REPO / 'src'}\n"
    cfg.write_text(text)
    cmd = [PYTHON, "-m", "flake8", "--config", str(cfg), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=str(tmp_path), env=env_with_src(),
                          timeout=300)


def _copy(tmp_path: Path, *names: str) -> List[str]:
    out = []
    for n in names:
        shutil.copy(DATA / n, tmp_path / n)
        out.append(n)
    return out


def test_plugin_registered(tmp_path):
    proc = flake8(tmp_path, "--version")
    assert proc.returncode == 0, proc.stderr
    assert "keyguard" in proc.stdout


def test_reports_kg_codes_with_flake8_positions(tmp_path):
    files = _copy(tmp_path, "insecure_store.py", "clean_store.py")
    proc = flake8(tmp_path, "--select", "KG", *files)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    # tempfile.mktemp() on line 16, column 12 (1-based in flake8 output)
    assert "insecure_store.py:16:12: KG102 " in "\n".join(lines), proc.stdout
    assert all(l.startswith("insecure_store.py:") for l in lines), proc.stdout
    # the key written to that temporary name: KG101 on `fh.write(pem)`
    assert any(l.startswith("insecure_store.py:18:9: KG101 ") for l in lines), proc.stdout


def test_noqa_honoured(tmp_path):
    files = _copy(tmp_path, "noqa_store.py")
    proc = flake8(tmp_path, "--select", "KG", *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_select_and_ignore(tmp_path):
    files = _copy(tmp_path, "insecure_store.py")
    only_102 = flake8(tmp_path, "--select", "KG102", *files)
    assert only_102.returncode == 1
    assert {l.split()[1] for l in only_102.stdout.splitlines()} == {"KG102"}
    ignored = flake8(tmp_path, "--select", "KG", "--extend-ignore", "KG102", *files)
    assert "KG102" not in ignored.stdout and "KG101" in ignored.stdout
    extended = flake8(tmp_path, "--select", "E999", "--extend-select", "KG102", *files)
    assert {l.split()[1] for l in extended.stdout.splitlines()} == {"KG102"}


def test_parallel_mode_matches_serial(tmp_path):
    names = []
    for i in range(6):
        dst = tmp_path / f"mod_{i}.py"
        shutil.copy(DATA / "insecure_store.py", dst)
        names.append(dst.name)
    serial = flake8(tmp_path, "--select", "KG", "-j", "1", "--keyguard-strict", *names)
    parallel = flake8(tmp_path, "--select", "KG", "-j", "2", "--keyguard-strict", *names)
    assert serial.returncode == parallel.returncode == 1, serial.stderr + parallel.stderr
    assert sorted(serial.stdout.splitlines()) == sorted(parallel.stdout.splitlines())
    assert len(serial.stdout.splitlines()) >= 12  # at least KG101 + KG102 per file


def test_strict_option_reaches_engine(monkeypatch):
    """--keyguard-strict (or an explicit strict code in --select) turns strict rules on."""
    import argparse

    from keyguard.integrations import flake8 as plugin

    seen = []

    def fake_scan(source, path, config):
        seen.append(config)
        return ScanResult(
            findings=(Finding("KG104", "key-file-removed-without-wipe", "medium", path, 3, 5, 3, 20,
                              "key file removed without wipe", "wipe first"),),
            errors=(FileError(path, "cannot parse: bad syntax", 2, 1),),
        )

    monkeypatch.setattr("keyguard.api.scan_source", fake_scan)
    plugin._project_config.cache_clear()
    plugin.KeyguardChecker.parse_options(argparse.Namespace(keyguard_strict=True, select=None,
                                                            extend_select=None))
    out = list(plugin.KeyguardChecker(None, "x.py", ["import os\n"]).run())
    assert seen[-1].strict is True
    assert out[0][:3] == (2, 0, "KG000 cannot parse: bad syntax")
    assert out[1][:3] == (3, 4, "KG104 key file removed without wipe")
    plugin.KeyguardChecker.parse_options(argparse.Namespace(keyguard_strict=False, select=["KG104"],
                                                            extend_select=None))
    list(plugin.KeyguardChecker(None, "x.py", ["import os\n"]).run())
    assert seen[-1].strict is False and "KG104" in seen[-1].select
    plugin.KeyguardChecker.parse_options(argparse.Namespace(keyguard_strict=False, select=None,
                                                            extend_select=None))
    plugin._project_config.cache_clear()


def test_cross_module_flow_from_sibling_modules(tmp_path):
    """flake8 hands over one file, but keyguard reads the package's other modules from disk."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "keys.py").write_text(
        "from cryptography.hazmat.primitives import serialization\n"
        "from cryptography.hazmat.primitives.asymmetric import rsa\n\n\n"
        "def make_pem():\n"
        "    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)\n"
        "    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,\n"
        "                             serialization.BestAvailableEncryption(b'x'))\n")
    (pkg / "store.py").write_text(
        "from pkg.keys import make_pem\n\n\n"
        "def save():\n"
        "    with open('/tmp/key.pem', 'wb') as fh:\n"
        "        fh.write(make_pem())\n")
    proc = flake8(tmp_path, "--select", "KG", "pkg/store.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("pkg/store.py:6:9: KG101 "), proc.stdout
    assert "keys.py:6" in proc.stdout
