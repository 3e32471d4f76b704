"""Files named one by one (a pre-commit hook passes the changed files only).

A changed file that calls an unchanged key helper of its project must be judged as a scan of the
whole project judges it: the modules its imports reach are analysed without being reported.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from keyguard.api import scan_paths
from keyguard.config import Config

PROJECT = Path(__file__).parent / "fixtures" / "projects" / "wrapchain"


def _key(f) -> tuple:
    return (f.code, Path(f.path).name, f.line, f.message)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT, tmp_path / "p")
    return tmp_path / "p"


def test_a_named_file_calling_an_unchanged_helper(project: Path) -> None:
    cfg = Config(use_cache=False, semgrep=False)
    deploy = project / "vault" / "deploy.py"
    whole = scan_paths([str(project)], cfg, jobs=1)
    alone = scan_paths([str(deploy)], cfg, jobs=1)
    expected = [_key(f) for f in whole.findings if Path(f.path) == deploy]
    assert {k[0] for k in expected} == {"KG101", "KG401"}
    assert [_key(f) for f in alone.findings] == expected  # nothing from the helpers is reported
    assert alone.files_scanned == 1
    two = scan_paths([str(deploy)], cfg, jobs=2)
    assert [_key(f) for f in two.findings] == expected


def test_a_named_file_whose_imports_lead_to_no_key_material(project: Path) -> None:
    quiet = project / "vault" / "motd.py"
    quiet.write_text('from vault.facade import banner\n\n\ndef show():\n'
                     '    open("/tmp/motd.txt", "w").write(banner())  # near-miss: KG101 (no key)\n')
    result = scan_paths([str(quiet)], Config(use_cache=False, semgrep=False), jobs=1)
    assert result.findings == () and result.errors == ()


def test_the_cache_keeps_no_trace_of_the_helpers(project: Path, tmp_path: Path) -> None:
    material = project / "vault" / "material.py"
    material.write_text(material.read_text() + '\n\ndef spill():\n'
                        '    open("/tmp/spill.pem", "w").write(new_private_pem())\n')
    cfg = Config(use_cache=True, cache_dir=str(tmp_path / "cache"), semgrep=False)
    named = scan_paths([str(project / "vault" / "deploy.py")], cfg, jobs=1)
    assert named.findings and not any(Path(f.path) == material for f in named.findings)
    warm = scan_paths([str(project)], cfg, jobs=1)
    cold = scan_paths([str(project)], Config(use_cache=False, semgrep=False), jobs=1)
    assert any(Path(f.path) == material and f.code == "KG101" for f in cold.findings)
    assert [_key(f) for f in warm.findings] == [_key(f) for f in cold.findings]


def test_a_file_reaching_too_many_modules_gets_none(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyguard import api

    monkeypatch.setattr(api, "MAX_COMPANIONS", 1)  # facade and material: two
    alone = scan_paths([str(project / "vault" / "deploy.py")], Config(use_cache=False, semgrep=False), jobs=1)
    assert alone.findings == () and alone.files_scanned == 1
