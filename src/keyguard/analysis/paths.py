"""All-paths questions over a function's control flow ("is this buffer wiped on every way out?").

The view is structural, built on the CST of one function: blocks of statements,
``if``/loops/``try``/``with`` nesting, ``return``/``raise``/``break``/``continue``
and calls that may raise.  It answers, for a statement ``S`` that puts key
material into a buffer named ``b``: does every path from ``S`` to an exit of the
function (normal return, early return, an exception escaping) pass a wipe of
``b`` first?

A wipe covers every path when it sits in the ``finally`` of a ``try`` that
encloses ``S`` (or that starts right after ``S``), or when ``b`` is bound by a
context manager whose exit wipes.  A wipe later in straight-line code covers
only if nothing between ``S`` and the wipe can leave the function (no call that
may raise, no ``return``/``raise``, no ``break`` out of the enclosing loop).

The module is rule-agnostic: the wipe predicate is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Set

import libcst as cst

WipePredicate = Callable[[cst.CSTNode], bool]

#: builtins that do not raise for the arguments they get in wipe code
_SAFE_CALLS = frozenset({"len", "range", "bytes", "bytearray", "isinstance", "id", "memoryview"})


class ParentMap:
    """Parent pointers for one function (computed once, on demand)."""

    def __init__(self, root: cst.CSTNode) -> None:
        self.parent: Dict[int, cst.CSTNode] = {}
        self.root = root
        stack: List[cst.CSTNode] = [root]
        while stack:
            node = stack.pop()
            for child in node.children:
                self.parent[id(child)] = node
                stack.append(child)

    def get(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parent.get(id(node))

    def ancestors(self, node: cst.CSTNode) -> List[cst.CSTNode]:
        out = []
        cur = self.get(node)
        while cur is not None:
            out.append(cur)
            cur = self.get(cur)
        return out

    def statement_of(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The innermost statement (simple line or compound) holding ``node``."""
        cur: Optional[cst.CSTNode] = node
        while cur is not None:
            if isinstance(cur, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return cur
            cur = self.get(cur)
        return None

    def function_of(self, node: cst.CSTNode) -> Optional[cst.FunctionDef]:
        for a in self.ancestors(node):
            if type(a) is cst.FunctionDef:
                return a
        return None


def _block_body(node: cst.CSTNode) -> Optional[Sequence[cst.CSTNode]]:
    if type(node) is cst.IndentedBlock:
        return node.body
    return None


def may_raise(stmt: cst.CSTNode, is_wipe: WipePredicate) -> bool:
    """Whether executing ``stmt`` may leave the function early (a call that may raise, raise, return)."""
    found = False

    class V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> Optional[bool]:
            nonlocal found
            if is_wipe(node):
                return False
            f = node.func
            if type(f) is cst.Name and f.value in _SAFE_CALLS:
                return True
            found = True
            return False

        def visit_Raise(self, node: cst.Raise) -> Optional[bool]:
            nonlocal found
            found = True
            return False

        def visit_Return(self, node: cst.Return) -> Optional[bool]:
            nonlocal found
            found = True
            return False

        def visit_Await(self, node: cst.Await) -> Optional[bool]:
            nonlocal found
            found = True
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> Optional[bool]:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> Optional[bool]:
            return False

    stmt.visit(V())
    return found


def contains_wipe(node: cst.CSTNode, is_wipe: WipePredicate) -> bool:
    found = False

    class V(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            nonlocal found
            if found:
                return False
            if is_wipe(n):
                found = True
                return False
            return type(n) not in (cst.FunctionDef, cst.ClassDef)

    node.visit(V())
    return found


def _leaves_block(stmt: cst.CSTNode) -> bool:
    """A ``break``/``continue``/``return``/``raise`` directly in ``stmt`` (not nested in loops)."""
    if type(stmt) is cst.SimpleStatementLine:
        return any(type(s) in (cst.Return, cst.Raise, cst.Break, cst.Continue) for s in stmt.body)
    found = False

    class V(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            nonlocal found
            if type(n) in (cst.Return, cst.Raise):
                found = True
            if type(n) in (cst.Break, cst.Continue):
                found = True
            return type(n) not in (cst.FunctionDef, cst.ClassDef, cst.For, cst.While) or n is stmt

    stmt.visit(V())
    return found


@dataclass(frozen=True)
class Coverage:
    covered: bool
    reason: str  # "finally", "context-manager", "straight-line", "success-path-only", "never"


def wiped_on_every_path(
    stmt: cst.CSTNode,
    parents: ParentMap,
    is_wipe: WipePredicate,
    wiping_with: Callable[[cst.With], bool],
) -> Coverage:
    """Does every path from ``stmt`` to the end of its function pass a wipe?"""
    # 1. an enclosing try/finally that wipes, or an enclosing wiping context manager
    child: cst.CSTNode = stmt
    for anc in parents.ancestors(stmt):
        if type(anc) is cst.FunctionDef:
            break
        if type(anc) is cst.Try and anc.finalbody is not None and child is not anc.finalbody:
            if contains_wipe(anc.finalbody, is_wipe):
                return Coverage(True, "finally")
        if type(anc) is cst.With and wiping_with(anc):
            return Coverage(True, "context-manager")
        child = anc
    # 2. the statements after ``stmt``, block by block outwards
    saw_wipe_late = False
    cur: cst.CSTNode = stmt
    while True:
        parent = parents.get(cur)
        if parent is None or type(parent) is cst.FunctionDef:
            break
        body = _block_body(parent)
        if body is not None:
            idx = next((i for i, s in enumerate(body) if s is cur), None)
            if idx is not None:
                risky = False
                for j in range(idx + 1, len(body)):
                    nxt = body[j]
                    if _wipes_before_leaving(nxt, is_wipe):
                        continue  # `if dry_run: wipe(buf); return` covers the path it takes
                    if type(nxt) is cst.Try and nxt.finalbody is None and _try_wipes_all(nxt, is_wipe, body[j + 1:]):
                        return Coverage(not risky, "finally" if not risky else "success-path-only")
                    if type(nxt) is cst.Try and nxt.finalbody is not None and contains_wipe(nxt.finalbody, is_wipe):
                        if not risky:
                            return Coverage(True, "finally")
                        saw_wipe_late = True
                        break
                    if type(nxt) is cst.With and wiping_with(nxt):
                        return Coverage(not risky, "context-manager" if not risky else "success-path-only")
                    if contains_wipe(nxt, is_wipe):
                        if not risky and not _conditional_wipe(nxt, is_wipe):
                            return Coverage(True, "straight-line")
                        saw_wipe_late = True
                        break
                    if may_raise(nxt, is_wipe) or _leaves_block(nxt):
                        risky = True
                if saw_wipe_late:
                    break
        cur = parent
        # leaving a loop/if/with/try: the rest of the outer block follows
    return Coverage(False, "success-path-only" if saw_wipe_late else "never")


def _block_wipes_then_leaves(block: cst.BaseSuite, is_wipe: WipePredicate) -> bool:
    body = list(block.body) if type(block) is cst.IndentedBlock else list(getattr(block, "body", ()))
    if not body:
        return False
    last = body[-1]
    leaves = _leaves_block(last) if type(last) is cst.SimpleStatementLine else False
    if not leaves:
        return False
    for stmt in body:
        if contains_wipe(stmt, is_wipe):
            return True
        if may_raise(stmt, is_wipe) and stmt is not last:
            return False
    return False


def _wipes_before_leaving(stmt: cst.CSTNode, is_wipe: WipePredicate) -> bool:
    """``if cond: wipe(buf); return`` without an else: the branch leaves only after wiping."""
    if type(stmt) is cst.If and stmt.orelse is None:
        return not may_raise_expr(stmt.test, is_wipe) and _block_wipes_then_leaves(stmt.body, is_wipe)
    return False


def may_raise_expr(expr: cst.CSTNode, is_wipe: WipePredicate) -> bool:
    return may_raise(cst.SimpleStatementLine(body=[cst.Expr(value=expr)]) if isinstance(expr, cst.BaseExpression) else expr, is_wipe)


def _try_wipes_all(stmt: cst.Try, is_wipe: WipePredicate, after: Sequence[cst.CSTNode] = ()) -> bool:
    """``try: ... except: wipe(buf); raise`` + ``else: wipe(buf)`` (or a wipe right after the try,
    ``after`` being the statements that follow it): every handler re-raises after wiping and the
    success path wipes."""
    if not stmt.handlers:
        return False
    for h in stmt.handlers:
        body = h.body.body if type(h.body) is cst.IndentedBlock else ()
        if not body or not contains_wipe(h.body, is_wipe):
            return False
        if not any(type(x) is cst.SimpleStatementLine and any(type(y) is cst.Raise for y in x.body) for x in body):
            return False
        catches_all = h.type is None or (type(h.type) is cst.Name and h.type.value == "BaseException")
        if not catches_all:
            # `except Exception` lets KeyboardInterrupt through unwiped: only a bare/BaseException handler covers all
            return False
    if stmt.orelse is not None:
        return contains_wipe(stmt.orelse, is_wipe)
    # no else: the statement after the try wipes, and the try body cannot leave before it
    return bool(after) and contains_wipe(after[0], is_wipe) and not _conditional_wipe(after[0], is_wipe) \
        and not any(type(n) in (cst.Return, cst.Break, cst.Continue) for n in _walk_statements(stmt.body))


def walk(node: cst.CSTNode):
    """``node`` and every node under it (in no particular order)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(cur.children)


def _walk_statements(node: cst.CSTNode):
    """Every node under ``node``, not entering nested functions, classes or lambdas."""
    stack = list(node.children)
    while stack:
        cur = stack.pop()
        yield cur
        if type(cur) not in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            stack.extend(cur.children)


def _conditional_wipe(stmt: cst.CSTNode, is_wipe: WipePredicate) -> bool:
    """A wipe that only runs on one branch (inside if/except, or after a possible early exit)."""
    if type(stmt) is cst.SimpleStatementLine:
        return False
    if type(stmt) in (cst.If, cst.Try, cst.While):
        return True
    if type(stmt) is cst.For:
        return False  # a zeroing loop
    return False


def names_in(node: cst.CSTNode) -> Set[str]:
    out: Set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            out.add(n.value)

    node.visit(V())
    return out


def _is_the_buffer(expr: Optional[cst.BaseExpression], name: str) -> bool:
    """``buf`` itself, or a tuple/list/dict literal holding it (``return buf, n``)."""
    if expr is None:
        return False
    if type(expr) is cst.Name:
        return expr.value == name
    if type(expr) in (cst.Tuple, cst.List, cst.Set):
        return any(_is_the_buffer(e.value, name) for e in expr.elements)
    if type(expr) is cst.Dict:
        return any(type(e) is cst.DictElement and _is_the_buffer(e.value, name) for e in expr.elements)
    return False


def hands_over(func: cst.FunctionDef, name: str) -> bool:
    """Whether the function gives the buffer ``name`` away (returns or yields the buffer itself,
    stores it on an object or in a container): the duty to wipe then moves to the receiver.
    ``return len(buf)`` or ``return use(buf)`` hands nothing over."""
    found = False

    class V(cst.CSTVisitor):
        def visit_Return(self, n: cst.Return) -> None:
            nonlocal found
            if _is_the_buffer(n.value, name):
                found = True

        def visit_Yield(self, n: cst.Yield) -> None:
            nonlocal found
            if isinstance(n.value, cst.BaseExpression) and _is_the_buffer(n.value, name):
                found = True

        def visit_Assign(self, n: cst.Assign) -> None:
            nonlocal found
            if type(n.value) is cst.Name and n.value.value == name:
                for t in n.targets:
                    if type(t.target) in (cst.Attribute, cst.Subscript):
                        found = True

        def visit_Call(self, n: cst.Call) -> None:
            nonlocal found
            f = n.func
            if type(f) is cst.Attribute and f.attr.value in ("append", "add", "setdefault", "register", "callback", "push",
                                                                 "enter_context"):
                if any(type(a.value) is cst.Name and a.value.value == name for a in n.args):
                    found = True

        def visit_FunctionDef(self, n: cst.FunctionDef) -> Optional[bool]:
            return n is func

    func.visit(V())
    return found
