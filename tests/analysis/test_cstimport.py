"""``keyguard.cstimport``: libcst imported with its dataclasses' generated code cached.

Each check runs in a fresh interpreter, because libcst can be imported only once per process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# A digest of every function dataclasses generated for libcst's node classes: enough of each code
# object to tell a differently compiled function (flags from an inherited __future__ import, other
# constants or names) from the same one.
DIGEST = r"""
import dataclasses, hashlib, json, sys
def digest(mod):
    h = hashlib.sha256()
    n = 0
    for name in sorted(vars(mod)):
        cls = getattr(mod, name)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            continue
        for attr in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
            fn = cls.__dict__.get(attr)
            code = getattr(fn, "__code__", None)
            if code is None or code.co_filename != "<string>":
                continue
            n += 1
            h.update(repr((name, attr, code.co_code, code.co_consts, code.co_names, code.co_varnames,
                           code.co_flags, fn.__qualname__, fn.__annotations__.get("return"))).encode())
    return n, h.hexdigest()
"""


def _run(code: str, *flags: str) -> dict:
    proc = subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cached_import(table: Path, *flags: str) -> dict:
    return _run(DIGEST + f"""
from pathlib import Path
from keyguard import cstimport
cst = cstimport.import_libcst(Path({str(table)!r}))
n, d = digest(cst)
node = cst.Name("key")
ok = node.deep_equals(cst.Name("key")) and node != cst.Name("key") and "key" in repr(node)
try:
    node.value = "other"
    ok = False
except dataclasses.FrozenInstanceError:
    pass
print(json.dumps(dict(stats=cstimport.STATS['libcst'], n=n, digest=d, ok=ok,
                      module=cst.parse_module("x = 1\\n").code)))
""", *flags)


def test_second_import_compiles_nothing_and_builds_the_same_classes(tmp_path: Path) -> None:
    table = tmp_path / "table.marshal"
    plain = _run(DIGEST + "import libcst\nn, d = digest(libcst)\nprint(json.dumps(dict(n=n, digest=d)))")
    first = _cached_import(table)
    assert first["stats"]["misses"] > 100 and table.exists()
    second = _cached_import(table)
    assert second["stats"] == {"hits": first["stats"]["misses"] + first["stats"]["hits"], "misses": 0}
    assert plain["n"] > 100
    for run in (first, second):
        assert (run["n"], run["digest"]) == (plain["n"], plain["digest"])
        assert run["ok"] and run["module"] == "x = 1\n"


def test_foreign_or_torn_table_is_compiled_again(tmp_path: Path) -> None:
    table = tmp_path / "table.marshal"
    for junk in (b"", b"\x00not marshal", __import__("marshal").dumps({"def f(): pass": "not code"})):
        table.write_bytes(junk)
        run = _cached_import(table)
        assert run["stats"]["hits"] == 0 and run["stats"]["misses"] > 100 and run["ok"]


def test_written_only_where_python_writes_bytecode(tmp_path: Path) -> None:
    table = tmp_path / "table.marshal"
    run = _cached_import(table, "-B")
    assert run["stats"]["misses"] > 100 and not table.exists()


@pytest.mark.parametrize("module", ["keyguard.analysis.run", "keyguard.fixes.apply", "keyguard.rules",
                                    "keyguard.analysis.engine"])
def test_modules_import_libcst_through_the_cache(module: str) -> None:
    run = _run(f"import json, {module}\nfrom keyguard import cstimport\nprint(json.dumps(cstimport.STATS.get('libcst')))")
    assert run is not None and run["hits"] + run["misses"] > 100


@pytest.mark.parametrize("module", ["keyguard.cli", "keyguard.api", "keyguard.source", "keyguard.config", "keyguard.model",
                                    "keyguard.registry", "keyguard.integrations.lsp",
                                    "keyguard.integrations.flake8"])
def test_front_ends_leave_libcst_for_later(module: str) -> None:
    """The command line, the library API, the language server and the flake8 plugin import libcst
    only when they analyse (through the modules above); the results pool workers send back
    (``keyguard.model.TargetResult``) unpickle without it."""
    run = _run(f"import json, sys, {module}\nprint(json.dumps('libcst' in sys.modules))")
    assert run is False


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_run_with_nothing_to_analyse_never_imports_libcst(tmp_path: Path, fmt: str) -> None:
    """Most commits a pre-commit hook sees hold no key code: the prefilter rejects every file,
    and the run ends without importing libcst, the engine or the rules."""
    plain = tmp_path / "plain.py"
    plain.write_text("import os\n\n\ndef main():\n    print(os.getcwd())\n")
    keyed = tmp_path / "keyed.py"
    keyed.write_text("from cryptography.hazmat.primitives.asymmetric import rsa\n"
                     "k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n")
    code = """
import json, sys
from keyguard.cli import main
rc = main(["check", "--no-cache", "--format", {fmt!r}, {path!r}])
print(json.dumps([rc, sorted(m for m in ("libcst", "keyguard.rules", "keyguard.analysis.engine") if m in sys.modules)]),
      file=sys.stderr)
"""
    for path, imported in ((plain, []), (keyed, ["keyguard.analysis.engine", "keyguard.rules", "libcst"])):
        proc = subprocess.run([sys.executable, "-c", code.format(fmt=fmt, path=str(path))], capture_output=True,
                              text=True, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, timeout=120)
        rc, modules = json.loads(proc.stderr.strip().splitlines()[-1])
        assert (rc, modules) == (0, imported), proc.stderr


def test_the_analysis_modules_have_a_table_of_their_own() -> None:
    """A scan imports the engine and the rules with their dataclasses' code cached too, after
    libcst (whose table stays its own); the shadow of ``exec`` is gone afterwards."""
    code = """
import dataclasses, json
from keyguard import api, cstimport
api.import_analysis()
print(json.dumps(dict(stats=cstimport.STATS, shadow="exec" in vars(dataclasses))))
"""
    _run(code)  # (writes the table where Python writes bytecode, if it was missing or stale)
    run = _run(code)
    assert run["shadow"] is False
    assert run["stats"]["keyguard-analysis"]["misses"] == 0 and run["stats"]["keyguard-analysis"]["hits"] > 20
    # (and the modules every run imports first: the findings, the configuration, the caches)
    assert run["stats"]["keyguard-core"]["misses"] == 0 and run["stats"]["keyguard-core"]["hits"] > 20
    assert run["stats"]["libcst"]["misses"] == 0 and run["stats"]["libcst"]["hits"] > 500


def test_blocks_nest_and_restore_exec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from keyguard.cstimport import dataclass_code_cached

    monkeypatch.setattr(sys, "dont_write_bytecode", False)

    with dataclass_code_cached("outer", tmp_path / "outer.marshal"):
        outer = vars(dataclasses)["exec"]
        with dataclass_code_cached("inner", tmp_path / "inner.marshal"):
            assert vars(dataclasses)["exec"] is not outer

            @dataclasses.dataclass(frozen=True)
            class Point:
                x: int
        assert vars(dataclasses)["exec"] is outer
    assert "exec" not in vars(dataclasses)
    assert Point(1) == Point(1) and repr(Point(2)) == "test_blocks_nest_and_restore_exec.<locals>.Point(x=2)"
    assert (tmp_path / "inner.marshal").exists() and not (tmp_path / "outer.marshal").exists()


def test_the_metadata_package_runs_on_first_use_and_then_works_as_usual() -> None:
    script = (
        "import sys\n"
        "from keyguard.cstimport import import_libcst\n"
        "cst = import_libcst()\n"
        "providers = ('libcst.metadata.scope_provider', 'libcst.metadata.type_inference_provider')\n"
        "before = [m for m in providers if m in sys.modules]\n"
        "from libcst.metadata.position_provider import PositionProvidingCodegenState\n"  # (the fast path's module)
        "still = [m for m in providers if m in sys.modules]\n"
        "from libcst.metadata import MetadataWrapper, PositionProvider\n"
        "tree = cst.parse_module('x = 1\\n')\n"
        "pos = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)[tree.body[0]]\n"
        "print(before, still, pos.start.line, pos.end.column, cst.metadata.ScopeProvider.__name__,\n"
        "      sys.modules['libcst.metadata'] is cst.metadata)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)},
                         check=True).stdout.split()
    assert out == ["[]", "[]", "1", "5", "ScopeProvider", "True"]
