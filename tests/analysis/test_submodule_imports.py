"""`from pkg import name`: a submodule of the project is read through its own attributes, without
loading the package's __init__ - unless the __init__'s text binds that name (then the package
attribute may be something else: `from .generate import generate` makes it the function)."""

from __future__ import annotations

import shutil
from pathlib import Path

from keyguard.analysis import run
from keyguard.api import _module_map, knowledge_base
from keyguard.config import Config

PROJECT = Path(__file__).parent.parent / "fixtures" / "projects" / "submodules"


def _analyse(root: Path, target: Path):
    cfg = Config()
    files = sorted(str(p) for p in root.rglob("*.py"))
    modules = _module_map(files, str(root))
    return run.analyze_batch([str(target)], modules, knowledge_base(cfg), cfg.enabled, lambda p: True)


def test_a_submodule_import_does_not_load_the_package(tmp_path: Path, parsed) -> None:
    shutil.copytree(PROJECT, tmp_path / "p")
    pkg = tmp_path / "p" / "sshkit"
    # the generator imported from its own module: the package's __init__ has no part in it
    (pkg / "provision.py").write_text((pkg / "provision.py").read_text().replace(
        "from sshkit import generate, storage", "from sshkit.generate import generate\nfrom sshkit import storage"))
    res = _analyse(tmp_path / "p", pkg / "provision.py")
    assert "__init__.py" not in parsed
    assert {"storage.py", "generate.py"} <= set(parsed)
    assert [(Path(f.path).name, f.code) for f in res[0].findings] == [("storage.py", "KG101")]


def test_a_name_the_package_rebinds_loads_the_package(tmp_path: Path, parsed) -> None:
    shutil.copytree(PROJECT, tmp_path / "p")
    pkg = tmp_path / "p" / "sshkit"
    res = _analyse(tmp_path / "p", pkg / "provision.py")
    # `generate` is bound by the __init__ (the function over its module): the package is loaded
    assert "__init__.py" in parsed
    assert [(Path(f.path).name, f.code) for f in res[0].findings] == [("storage.py", "KG101")]
