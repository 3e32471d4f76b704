"""Function bodies parsed when they are first needed.

A module reached only by cross-module flows (a dependency of the files being analysed: paramiko's
``pkey.py`` behind ``rsakey.py``) is executed at module level - its imports, assignments, class
and function definitions - and then only the functions the flows call are evaluated: often a
few of its functions.  libcst builds a Python object for every token, so parsing all of a
dependency's function bodies was about half of a full scan's parse time, most of it spent on
bodies nothing called.

:func:`parse_skeleton` parses such a module with the body of every function not nested in
another function (module-level functions and methods, at any depth of classes and ``if``/``try``
blocks) left out: Python's own parser (``ast``, an order of magnitude cheaper) locates the
bodies, each is cut down to ``...`` on its first line, and libcst parses that skeleton.  The body
of each such function is a :class:`LazyBlock` remembering where its text is.  :func:`fill` parses
a function's own text (cheap: it is short) and puts the real body in place of the stub, in the
tree itself, before anything reads it; the function's node keeps its identity, so everything
keyed on it (summaries, contexts) is unaffected.  Once every body is filled the tree is the one a
full parse gives: the same nodes, the same code, the same positions.

What reads bodies fills them first: the engine before it binds a call's parameters or evaluates a
body, and before a module-wide search of its calls; the rules before they walk a whole module;
the run before it computes positions in a module with something to report
(:func:`fill_all`).  A function whose body starts on its header's line keeps its body (there is
nothing to gain); a text the two parsers could count lines of differently (a lone carriage
return), or whose skeleton libcst refuses, is parsed whole.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import libcst as cst

from keyguard.model import FileError
from keyguard.source import parse, parse_module


class _Text:
    """The text of a module whose function bodies were left out, for :func:`fill`."""

    __slots__ = ("lines", "indent", "newline")

    def __init__(self, lines: List[str], indent: str, newline: str) -> None:
        self.lines = lines  # the text split at "\n" (a "\r" before it stays on its line)
        self.indent = indent  # the module's default indentation (libcst's inference)
        self.newline = newline


@dataclass(frozen=True)
class LazyBlock(cst.IndentedBlock):
    """The stub body (``...``) of a function whose real body has not been parsed yet."""

    #: the module's :class:`_Text` and the 1-based lines of the function, from its ``def`` line
    #: to the last line of its body (a field: libcst's nodes pickle their fields, and trees are
    #: kept on disk between runs)
    lazy: Any = None


def is_lazy(fn: cst.FunctionDef) -> bool:
    return type(fn.body) is LazyBlock


def parse_skeleton(text: str, path: str) -> Union[cst.Module, FileError]:
    """``text`` parsed with its function bodies left for :func:`fill`; parsed whole (as
    :func:`keyguard.source.parse`) when it cannot be cut."""
    cut = _cut(text)
    if cut is None:
        return parse(text, path)
    skeleton_text, spans = cut
    try:
        tree = parse_module(skeleton_text)
    except Exception:  # (libcst refuses what ast took: the whole text says why, or parses)
        return parse(text, path)
    stubs = _top_functions(tree)
    if len(stubs) != len(spans):
        return parse(text, path)
    info = _Text(text.split("\n"), tree.default_indent, tree.default_newline)
    for fn, (name, first, last, cut_here) in zip(stubs, spans):
        if fn.name.value != name:
            return parse(text, path)
        if not cut_here:
            continue
        body = fn.body
        if type(body) is not cst.IndentedBlock:
            return parse(text, path)
        stub = LazyBlock(body=body.body, header=body.header, indent=body.indent, footer=body.footer,
                         lazy=(info, first, last))
        object.__setattr__(fn, "body", stub)
    return tree


def fill(fn: cst.FunctionDef) -> None:
    """Put ``fn``'s real body in place of its stub (nothing when it has its body)."""
    stub = fn.body
    if type(stub) is not LazyBlock:
        return
    info, first, last = stub.lazy
    # with the lines after the body that the stub's block owns (blank lines and comments before
    # the next statement): libcst gives them to the innermost block open there, in the body
    lines = info.lines[first - 1:last + len(stub.footer)]
    nl = info.newline
    # "if 1: pass" first: libcst takes the module's default indentation from the first indented
    # line, and a block indented by exactly that much records no indentation of its own; the
    # wrapper gives the function's lines the block they sit in
    head = f"if 1:{nl}{info.indent}pass{nl}"
    indented = lines[0][:1] in (" ", "\t")
    text = head + (f"if 1:{nl}" if indented else "") + "\n".join(lines) + "\n"
    real: Optional[cst.FunctionDef] = None
    try:
        mini = parse_module(text)
        holder = mini.body[-1]
        if indented and type(holder) is cst.If and type(holder.body) is cst.IndentedBlock:
            holder = holder.body.body[-1]
        if type(holder) is cst.FunctionDef and holder.name.value == fn.name.value \
                and type(holder.body) is cst.IndentedBlock:
            real = holder
    except Exception:  # (cannot happen for a text ast parsed: kept as a guard, see below)
        real = None
    if real is None:
        # the function as the whole module's parse has it
        real = _from_whole_module(info, first, fn.name.value)
        if real is None:
            return
    object.__setattr__(fn, "body", real.body)


def fill_all(node: cst.CSTNode) -> None:
    """Fill every stub under ``node`` (a module or one of its statements)."""
    stack: List[cst.CSTNode] = [node]
    while stack:
        n = stack.pop()
        t = type(n)
        if t is cst.FunctionDef:
            fill(n)  # type: ignore[arg-type]
            continue  # (stubs are never nested in functions)
        if t is cst.SimpleStatementLine or isinstance(n, cst.BaseExpression):
            continue
        stack.extend(n.children)


def _from_whole_module(info: _Text, first: int, name: str) -> Optional[cst.FunctionDef]:
    """The function whose ``def`` is on line ``first``, from a parse of the whole module."""
    text = "\n".join(info.lines)
    try:
        whole = parse_module(text)
        located = _functions(ast.parse(text))
    except Exception:
        return None
    for fn, node in zip(_top_functions(whole), located):
        if node.lineno == first and node.name == name == fn.name.value:
            return fn
    return None


def _top_functions(tree: cst.CSTNode) -> List[cst.FunctionDef]:
    """libcst's functions not nested in functions, in the order of the text."""
    out: List[cst.FunctionDef] = []

    def visit(n: cst.CSTNode) -> None:
        for c in n.children:
            t = type(c)
            if t is cst.FunctionDef:
                out.append(c)  # type: ignore[arg-type]
            elif t is not cst.SimpleStatementLine and not isinstance(c, cst.BaseExpression):
                visit(c)

    visit(tree)
    return out


_AstFunction = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def _functions(tree: ast.Module) -> List[_AstFunction]:
    """ast's functions not nested in functions, in the order of the text."""
    out: List[_AstFunction] = []

    def visit(body: Sequence[ast.stmt]) -> None:
        for s in body:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append(s)
            elif isinstance(s, ast.ClassDef):
                visit(s.body)
            else:  # if/for/while/with/try/match blocks
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(s, field, None)
                    if isinstance(inner, list):
                        visit(inner)
                for h in getattr(s, "handlers", ()):
                    visit(h.body)
                for case in getattr(s, "cases", ()):
                    visit(case.body)

    visit(tree.body)
    out.sort(key=lambda f: f.lineno)
    return out


def _cut(text: str) -> Optional[Tuple[str, List[Tuple[str, int, int, bool]]]]:
    """The skeleton text and (name, def line, last line, body cut) of each function not nested
    in a function, in the order of the text; None when nothing is cut."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # (a lone carriage return: the parsers may count its lines differently)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    lines = text.split("\n")
    spans: List[Tuple[str, int, int, bool]] = []
    kept: List[str] = []
    pos = 0  # lines[:pos] are in ``kept``
    for fn in _functions(tree):
        first_stmt = fn.body[0]
        decorators = getattr(first_stmt, "decorator_list", None)
        # (a decorated statement starts at its first decorator; ast's line is the def's)
        start = min(d.lineno for d in decorators) if decorators else first_stmt.lineno
        end = fn.end_lineno or start  # (a function ends at or after its first statement)
        line = lines[start - 1]
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        # the body starts a line of its own (not after the header's colon) with its first
        # statement (ast counts columns in UTF-8 bytes; the indentation is ASCII)
        at_start = line[len(lead):].startswith("@") if decorators else first_stmt.col_offset == len(lead)
        cut_here = start > fn.lineno and at_start
        spans.append((fn.name, fn.lineno, end, cut_here))
        if not cut_here:
            continue
        kept.extend(lines[pos:start - 1])
        kept.append(f"{lead}...\r" if lines[end - 1].endswith("\r") else f"{lead}...")
        pos = end
    if pos == 0:
        return None
    kept.extend(lines[pos:])
    return "\n".join(kept), spans
