"""Function bodies of dependencies parsed when first needed (keyguard.analysis.lazy)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List

import libcst as cst
import pytest

from keyguard.analysis import lazy, run
from keyguard.api import _module_map, knowledge_base
from keyguard.config import Config
from keyguard.source import parse

CASES = {
    "plain": """\
        import os


        def write(path, data):
            with open(path, "wb") as fh:
                fh.write(data)
            # trailing comment, indented in the body

        # module comment
        x = 1
        """,
    "methods_and_nested_classes": """\
        class A:
            '''Doc.'''

            attr = 1

            def one(self):
                return self.attr

            @property
            def two(self):
                def inner():
                    return 2
                return inner()

            class B:
                async def three(self):
                    await self.one()
                        # deeper comment


        def last():
            pass""",
    "decorated_first_statement": """\
        def outer():
            @decorate
            def inner():
                return 1
            return inner
        """,
    "one_line_and_split_headers": """\
        def f(): return 1
        def g(a,
              b): return a + b
        def h(
            a,
            b,
        ) -> int:
            return a * b
        """,
    "blocks_at_module_level": """\
        import sys
        if sys.version_info >= (3, 8):
            def f():
                return 1
        else:
            def f():
                return 2
        try:
            def g():
                return 3
        except ImportError:
            def g():
                return 4
        finally:
            pass
        match sys.platform:
            case "linux":
                def h():
                    return 5
            case _:
                pass
        """,
    "tabs_and_odd_indentation": "class A:\n\tdef f(self):\n\t\tif self:\n\t\t\treturn 1\n\n\n\tdef g(self):\n\t  return 2\n",
    "crlf": "def f():\r\n    return 1\r\n\r\n\r\nclass A:\r\n    def g(self):\r\n        return 2\r\n",
    "string_at_column_zero": '''\
        def f():
            return """
        text
        """


        def g():
            return 1
        ''',
    "blank_lines_owned_by_inner_block": """\
        class Command:
            def run(self):
                if (
                    self.a
                    or self.b
                ):
                    with open(self.path, "w") as fh:
                        fh.write(self.text)


        class Next:
            pass
        """,
    "no_trailing_newline": "def f():\n    return 1",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_filled_skeleton_is_the_whole_parse(name: str) -> None:
    text = textwrap.dedent(CASES[name]) if not CASES[name].startswith(("class A:\n\t", "def f():\r")) \
        else CASES[name]
    whole = parse(text, "m.py")
    assert isinstance(whole, cst.Module)
    skeleton = lazy.parse_skeleton(text, "m.py")
    assert isinstance(skeleton, cst.Module)
    stubs = [fn for fn in lazy._top_functions(skeleton) if lazy.is_lazy(fn)]
    assert stubs, "some body is left for later"
    lazy.fill_all(skeleton)
    assert not any(lazy.is_lazy(fn) for fn in lazy._top_functions(skeleton))
    assert skeleton.code == text
    assert skeleton.deep_equals(whole)


def test_what_is_cut_and_what_is_not() -> None:
    text = textwrap.dedent(CASES["one_line_and_split_headers"])
    tree = lazy.parse_skeleton(text, "m.py")
    assert isinstance(tree, cst.Module)
    cut = {fn.name.value: lazy.is_lazy(fn) for fn in lazy._top_functions(tree)}
    # a body on its header's line stays (one-line functions are not worth a second parse)
    assert cut == {"f": False, "g": False, "h": True}
    h = lazy._top_functions(tree)[2]
    lazy.fill(h)
    assert not lazy.is_lazy(h)
    assert tree.code_for_node(h).strip().endswith("return a * b")


def test_nested_functions_come_with_their_outer_function() -> None:
    text = textwrap.dedent(CASES["methods_and_nested_classes"])
    tree = lazy.parse_skeleton(text, "m.py")
    assert isinstance(tree, cst.Module)
    names = [fn.name.value for fn in lazy._top_functions(tree)]
    assert names == ["one", "two", "three", "last"]  # inner() is inside two()'s body
    two = lazy._top_functions(tree)[1]
    lazy.fill(two)
    assert [s.name.value for s in two.body.body if type(s) is cst.FunctionDef] == ["inner"]


@pytest.mark.parametrize("text", ["def f():\r    return 1\r", "x = (\n"])
def test_texts_not_cut_are_parsed_whole(text: str) -> None:
    tree = lazy.parse_skeleton(text, "m.py")
    if isinstance(tree, cst.Module):  # a lone carriage return: parsed whole
        assert not any(lazy.is_lazy(fn) for fn in lazy._top_functions(tree))
        assert tree.deep_equals(parse(text, "m.py"))
    else:  # a syntax error is reported as the whole parse reports it
        assert tree == parse(text, "m.py")


def _project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "storage.py").write_text(textwrap.dedent("""\
        import os


        def unused_reader(path):
            with open(path, "rb") as fh:
                return fh.read()


        def save(path, data):
            # the body of the one function the target calls
            with open(path, "wb") as fh:
                fh.write(data)


        def unused_writer(path, text):
            with open(path, "w") as fh:
                fh.write(text)
        """))
    (tmp_path / "app" / "keys.py").write_text(textwrap.dedent("""\
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        from app.storage import save


        def make(path):
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            save(path, pem)
        """))
    return tmp_path


def _analyse(root: Path) -> List[tuple]:
    files = sorted(str(p) for p in root.rglob("*.py"))
    cfg = Config()
    results = run.analyze_batch([str(root / "app" / "keys.py")], _module_map(files, str(root)),
                                knowledge_base(cfg), cfg.enabled, lambda p: True)
    return sorted((Path(f.path).name, f.line, f.column, f.end_line, f.code) for r in results for f in r.findings)


@pytest.fixture
def filled(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The names of the functions whose bodies the engine parses during the test, in order."""
    import keyguard.analysis.engine as engine

    names: List[str] = []
    real_fill = lazy.fill

    def counting(fn: cst.FunctionDef) -> None:
        if lazy.is_lazy(fn):
            names.append(fn.name.value)
        real_fill(fn)

    monkeypatch.setattr(engine, "fill", counting)
    return names


def test_a_dependency_is_parsed_lazily_with_the_findings_of_a_whole_parse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filled: List[str]) -> None:
    root = _project(tmp_path)
    monkeypatch.setattr(run, "TREES", run._TreeCache(10_000))
    lazily = _analyse(root)
    assert filled == ["save"]  # the functions nothing calls were never parsed
    # the finding sits in the lazily parsed body, at the place a whole parse puts it
    assert ("storage.py", 12, 9, 12, "KG201") in lazily
    monkeypatch.setattr(run, "TREES", run._TreeCache(10_000))
    monkeypatch.setattr(run, "parse_skeleton", parse)
    assert _analyse(root) == lazily


def test_a_skeleton_kept_on_disk_fills_after_loading() -> None:
    """Trees are pickled between runs (cache.TreeStore): a stub keeps what it needs to fill."""
    import pickle

    text = textwrap.dedent(CASES["methods_and_nested_classes"])
    tree = pickle.loads(pickle.dumps(lazy.parse_skeleton(text, "m.py"), protocol=pickle.HIGHEST_PROTOCOL))
    assert any(lazy.is_lazy(fn) for fn in lazy._top_functions(tree))
    lazy.fill_all(tree)
    assert tree.code == text


def test_stored_trees_hold_the_function_bodies_the_run_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               filled: List[str]) -> None:
    """A pre-commit hook's run stores its dependencies' trees (cache.TreeStore) once the batch is
    done, with the bodies its flows parsed: the next run parses none of them again."""
    from keyguard.cache import TreeStore

    root = _project(tmp_path / "p")
    files = sorted(str(p) for p in root.rglob("*.py"))
    cfg = Config()
    runs = []
    for _ in range(2):
        monkeypatch.setattr(run, "TREES", run._TreeCache(10_000))  # as in a fresh process
        filled.clear()
        results = run.analyze_batch([str(root / "app" / "keys.py")], _module_map(files, str(root)),
                                    knowledge_base(cfg), cfg.enabled, lambda p: True,
                                    store=TreeStore(str(tmp_path / "cache")), store_writes=True)
        runs.append((list(filled), sorted((Path(f.path).name, f.line, f.code) for r in results for f in r.findings)))
    assert runs[0][0] == ["save"] and runs[1][0] == []
    assert runs[0][1] == runs[1][1] and ("storage.py", 12, "KG201") in runs[0][1]
