"""Codemods keyed by KG code.

A codemod never searches the file for "anything that looks bad": it is handed
one finding reported by the engine and rewrites only the node at that finding's
location (positions from libcst's ``PositionProvider`` on the file being fixed).
When the rewrite is not mechanical — the value is not a literal, the call shape
is unusual, or the change could alter behaviour — the codemod declines and the
finding stays for a human.

Fixes:

* KG102 ``p = tempfile.mktemp(...)`` -> ``fd, p = tempfile.mkstemp(...)`` + ``os.close(fd)``.
  ``mkstemp`` creates the file atomically with mode 0o600, closing the race in which
  another user creates (or symlinks) the name first.  Declined when ``p`` is later
  used where a pre-existing file changes behaviour (``mkdir``, ``O_EXCL``, ``'x'`` mode,
  ``exists`` checks, ``rename``/``symlink`` targets) or when the call is not a plain assignment.
* KG202 permissive literal mode in ``os.chmod/fchmod/lchmod/open/mkdir/makedirs``,
  ``Path.chmod/mkdir/touch`` -> the owner bits only (``0o644`` -> ``0o600``,
  ``0o755`` -> ``0o700``; group/other lose every bit).
* KG204 ``os.umask(m)`` leaving group/other access -> ``os.umask(m | 0o077)`` (``0`` -> ``0o077``).
* KG601 RSA/DSA key size below 2048 -> 3072; RSA public exponent other than 65537 -> 65537.
* KG201 ``open(p, 'wb')`` (or ``io.open``) writing key material -> ``open(p, 'wb',
  opener=lambda p, f: os.open(p, f, 0o600))``: the file is created with 0o600 by the
  very ``open`` syscall, so there is no window with umask-default permissions;
  ``os.open(p, flags)`` without a mode gets ``0o600``.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
)

from keyguard.model import Finding

Replacement = Union[cst.CSTNode, cst.FlattenSentinel]


@dataclass
class Edit:
    """Replace ``target`` (a node of the wrapped module) by ``replacement``."""

    code: str
    target: cst.CSTNode
    replacement: Replacement
    imports: Tuple[str, ...] = ()
    description: str = ""


@dataclass
class FixContext:
    """Facts about the module being fixed, computed once per pass."""

    wrapper: MetadataWrapper
    module: cst.Module
    positions: Dict[cst.CSTNode, CodeRange]
    parents: Dict[cst.CSTNode, cst.CSTNode]
    qnames: Dict[cst.Call, Set[str]]
    calls: List[cst.Call]
    names: Set[str] = field(default_factory=set)

    @classmethod
    def build(cls, source: str) -> "FixContext":
        wrapper = MetadataWrapper(cst.parse_module(source))
        collector = _Collector()
        wrapper.visit(collector)
        return cls(
            wrapper=wrapper,
            module=wrapper.module,
            positions=collector.positions,
            parents=collector.parents,
            qnames=collector.qnames,
            calls=collector.calls,
            names=collector.names,
        )

    # -- locating the node of a finding ------------------------------------------------
    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def call_names(self, call: cst.Call) -> Set[str]:
        """Qualified names of the callee, plus ``.attr`` for method calls on objects."""
        names = set(self.qnames.get(call, ()))
        if isinstance(call.func, cst.Attribute):
            names.add("." + call.func.attr.value)
        elif isinstance(call.func, cst.Name):
            names.add(call.func.value)
        return names

    def find_call(self, finding: Finding, pred: Callable[[cst.Call], bool],
                  extra_lines: Sequence[int] = ()) -> Optional[cst.Call]:
        """The innermost matching call at the finding's location.

        A call matches when its range contains the finding's start or starts inside
        the finding's span; failing that, a single matching call on the finding's
        first line (or on ``extra_lines``, e.g. the trace) is accepted.
        """
        start = (finding.line, finding.column - 1)
        end = (finding.end_line or finding.line, max(finding.end_column - 1, finding.column - 1))
        hits = []
        for c in self.calls:
            if not pred(c):
                continue
            r = self.positions[c]
            cs, ce = (r.start.line, r.start.column), (r.end.line, r.end.column)
            if cs <= start < ce or start <= cs < end or cs == start:
                hits.append(((ce[0] - cs[0], ce[1] - cs[1] if ce[0] == cs[0] else ce[1]), c))
        if hits:
            return min(hits, key=lambda t: t[0])[1]
        for line in (finding.line,) + tuple(extra_lines):
            same = [c for c in self.calls if pred(c) and self.positions[c].start.line == line]
            if len(same) == 1:
                return same[0]
        return None

    def fresh_name(self, base: str) -> str:
        """A name not used anywhere in the module (so the new binding shadows nothing)."""
        name, i = base, 1
        while name in self.names:
            name = f"{base}_{i}"
            i += 1
        self.names.add(name)
        return name


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider, QualifiedNameProvider)

    def __init__(self) -> None:
        super().__init__()
        self.positions: Dict[cst.CSTNode, CodeRange] = {}
        self.parents: Dict[cst.CSTNode, cst.CSTNode] = {}
        self.qnames: Dict[cst.Call, Set[str]] = {}
        self.calls: List[cst.Call] = []
        self.names: Set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.positions[node] = self.get_metadata(PositionProvider, node)
        parent = self.get_metadata(ParentNodeProvider, node, None)
        if parent is not None:
            self.parents[node] = parent
        if isinstance(node, cst.Call):
            self.calls.append(node)
            self.qnames[node] = {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}
        elif isinstance(node, cst.Name):
            self.names.add(node.value)
        return True


# -- small helpers ---------------------------------------------------------------------

def _arg(call: cst.Call, pos: int, kw: str) -> Optional[cst.Arg]:
    """The argument at position ``pos`` or keyword ``kw`` (None when absent or *args is used)."""
    positional = []
    for a in call.args:
        if a.star:
            return None
        if a.keyword is None:
            positional.append(a)
        elif a.keyword.value == kw:
            return a
    return positional[pos] if 0 <= pos < len(positional) else None


def const_int(node: cst.BaseExpression) -> Optional[int]:
    """Evaluate an integer literal, ``stat.S_*`` constant or ``|``/``+`` of them."""
    if isinstance(node, cst.Integer):
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return int(node.value.replace("_", "").lstrip("0") or "0")
    if isinstance(node, (cst.Attribute, cst.Name)):
        name = node.attr.value if isinstance(node, cst.Attribute) else node.value
        if isinstance(node, cst.Attribute) and not (
            isinstance(node.value, cst.Name) and node.value.value == "stat"
        ):
            return None
        if name.startswith("S_I") and hasattr(stat, name):
            return int(getattr(stat, name))
        return None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitOr, cst.Add)):
        left, right = const_int(node.left), const_int(node.right)
        if left is None or right is None:
            return None
        return left | right if isinstance(node.operator, cst.BitOr) else left + right
    return None


def _octal(value: int) -> cst.Integer:
    return cst.Integer(f"0o{value:03o}")


def _replace_arg_value(call: cst.Call, arg: cst.Arg, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(args=[a.with_changes(value=value) if a is arg else a for a in call.args])


def _append_arg(call: cst.Call, new: cst.Arg) -> cst.Call:
    """Append an argument, following the call's own trailing-comma style."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # multi-line call with a trailing comma: new argument on its own line, comma kept
        args.append(new.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new)
    return call.with_changes(args=args)


def _has_name(names: Set[str], *wanted: str) -> bool:
    return any(n in names for n in wanted)


# -- codemods ------------------------------------------------------------------------

class Codemod:
    """Base: subclasses implement :meth:`edits` for one finding."""

    code = ""
    title = ""

    def edits(self, finding: Finding, ctx: FixContext) -> List[Edit]:  # pragma: no cover
        raise NotImplementedError


_MKTEMP = {"tempfile.mktemp"}
# uses after which a path that now already exists behaves differently
_PREEXISTING_SENSITIVE = {
    "os.mkdir", "os.makedirs", "os.mkfifo", "os.mknod", "os.symlink", "os.link", "os.rename",
    "os.replace", "os.path.exists", "os.path.isfile", "os.path.lexists", "os.access",
    "shutil.copytree", "shutil.move", "os.path.isdir", ".mkdir", ".exists", ".symlink_to",
    ".hardlink_to", ".is_file", ".mkfifo", "mkdir",
}


class MktempToMkstemp(Codemod):
    """KG102: ``p = tempfile.mktemp(...)`` -> ``fd, p = tempfile.mkstemp(...)`` / ``os.close(fd)``."""

    code = "KG102"
    title = "Create the file atomically with tempfile.mkstemp()"

    def edits(self, finding: Finding, ctx: FixContext) -> List[Edit]:
        call = ctx.find_call(finding, lambda c: bool(ctx.call_names(c) & _MKTEMP))
        if call is None:
            return []
        assign = ctx.parents.get(call)
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return []
        target = assign.targets[0].target
        if not isinstance(target, cst.Name):
            return []
        stmt = ctx.parents.get(assign)
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return []
        if self._used_sensitively(target.value, stmt, ctx):
            return []
        imports: Tuple[str, ...] = ("os",)
        if isinstance(call.func, cst.Attribute):
            func: cst.BaseExpression = call.func.with_changes(attr=cst.Name("mkstemp"))
        else:  # `from tempfile import mktemp`
            func = cst.Attribute(value=cst.Name("tempfile"), attr=cst.Name("mkstemp"))
            imports += ("tempfile",)
        fd = ctx.fresh_name("fd")
        new_assign = assign.with_changes(
            targets=[assign.targets[0].with_changes(
                target=cst.Tuple(
                    elements=[cst.Element(cst.Name(fd), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                              cst.Element(cst.Name(target.value))],
                    lpar=[], rpar=[],
                )
            )],
            value=call.with_changes(func=func),
        )
        # mkstemp opened the file; close our descriptor, the caller reopens the path.
        close = cst.SimpleStatementLine(body=[cst.Expr(cst.parse_expression(f"os.close({fd})"))])
        replacement = cst.FlattenSentinel([stmt.with_changes(body=[new_assign]), close])
        return [Edit(self.code, stmt, replacement, imports, "mktemp -> mkstemp")]

    @staticmethod
    def _used_sensitively(name: str, stmt: cst.CSTNode, ctx: FixContext) -> bool:
        scope: Optional[cst.CSTNode] = stmt
        while scope is not None and not isinstance(scope, (cst.FunctionDef, cst.Module)):
            scope = ctx.parents.get(scope)
        for c in ctx.calls:
            if scope is not ctx.module and not _inside(c, scope, ctx):
                continue
            uses = any(isinstance(a.value, cst.Name) and a.value.value == name for a in c.args)
            receiver = isinstance(c.func, cst.Attribute) and isinstance(c.func.value, cst.Call) and any(
                isinstance(a.value, cst.Name) and a.value.value == name for a in c.func.value.args)
            if not (uses or receiver):
                continue
            names = ctx.call_names(c)
            if names & _PREEXISTING_SENSITIVE:
                return True
            if "O_EXCL" in ctx.code(c):
                return True
            mode = _arg(c, 1, "mode")
            if names & {"open", "builtins.open", "io.open"} and isinstance(mode, cst.Arg) and \
                    isinstance(mode.value, cst.SimpleString) and "x" in mode.value.evaluated_value:
                return True
        return False


def _inside(node: cst.CSTNode, ancestor: cst.CSTNode, ctx: FixContext) -> bool:
    cur: Optional[cst.CSTNode] = node
    while cur is not None:
        if cur is ancestor:
            return True
        cur = ctx.parents.get(cur)
    return False


# qualified name or ".method" -> (position, keyword, kind)
_MODE_ARGS: Dict[str, Tuple[int, str, str]] = {
    "os.chmod": (1, "mode", "any"),
    "os.lchmod": (1, "mode", "any"),
    "os.fchmod": (1, "mode", "any"),
    "os.open": (2, "mode", "file"),
    "os.mkdir": (1, "mode", "dir"),
    "os.makedirs": (1, "mode", "dir"),
    "os.mkfifo": (1, "mode", "file"),
    ".chmod": (0, "mode", "any"),
    ".lchmod": (0, "mode", "any"),
    ".mkdir": (0, "mode", "dir"),
    ".touch": (0, "mode", "file"),
}


def _mode_spec(names: Set[str]) -> Optional[Tuple[int, str, str]]:
    for n in sorted(names):  # qualified names ("os.chmod") sort before ".chmod"
        if n in _MODE_ARGS:
            if n.startswith(".") and any(q.startswith("os.") for q in names):
                continue
            return _MODE_ARGS[n]
    return None


class PermissiveMode(Codemod):
    """KG202: keep only the owner's permission bits of a literal mode."""

    code = "KG202"
    title = "Restrict the mode to the owner (0o600 for files, 0o700 for directories)"

    def edits(self, finding: Finding, ctx: FixContext) -> List[Edit]:
        def pred(c: cst.Call) -> bool:
            spec = _mode_spec(ctx.call_names(c))
            if spec is None:
                return False
            a = _arg(c, spec[0], spec[1])
            m = const_int(a.value) if a is not None else None
            return m is not None and bool(m & 0o077)

        call = ctx.find_call(finding, pred)
        if call is None:
            return []
        pos, kw, kind = _mode_spec(ctx.call_names(call))  # type: ignore[misc]
        arg = _arg(call, pos, kw)
        assert arg is not None
        mode = const_int(arg.value)
        assert mode is not None
        new = mode & 0o700
        if new == 0:
            new = 0o700 if kind == "dir" else 0o600
        return [Edit(self.code, call, _replace_arg_value(call, arg, _octal(new)), (),
                     f"mode {mode:#o} -> {new:#o}")]


class PermissiveUmask(Codemod):
    """KG204: ``os.umask(m)`` -> ``os.umask(m | 0o077)``."""

    code = "KG204"
    title = "Set a umask of 0o077 so new files are private"

    def edits(self, finding: Finding, ctx: FixContext) -> List[Edit]:
        def pred(c: cst.Call) -> bool:
            if "os.umask" not in ctx.call_names(c):
                return False
            a = _arg(c, 0, "mask")
            m = const_int(a.value) if a is not None else None
            return m is not None and (m & 0o077) != 0o077

        call = ctx.find_call(finding, pred)
        if call is None:
            return []
        arg = _arg(call, 0, "mask")
        assert arg is not None
        mask = const_int(arg.value) or 0
        return [Edit(self.code, call, _replace_arg_value(call, arg, _octal(mask | 0o077)), (),
                     "umask -> 0o077")]


# suffix of the qualified name -> (size position, size keyword, exponent position or -1)
_KEYGEN_SIZE: Dict[str, Tuple[int, str, int]] = {
    "rsa.generate_private_key": (1, "key_size", 0),
    "dsa.generate_private_key": (0, "key_size", -1),
    "RSA.generate": (0, "bits", -1),
    "DSA.generate": (0, "bits", -1),
    "RSAKey.generate": (0, "bits", -1),
    ".generate_key": (1, "bits", -1),  # pyOpenSSL PKey().generate_key(type, bits)
}


def _keygen_spec(names: Set[str]) -> Optional[Tuple[int, str, int]]:
    for n in names:
        for suffix, spec in _KEYGEN_SIZE.items():
            if suffix.startswith("."):
                if n == suffix:  # a method call on an object, e.g. PKey().generate_key
                    return spec
            elif n == suffix or n.endswith("." + suffix):
                return spec
    return None


class WeakKeyParameters(Codemod):
    """KG601: RSA/DSA size below 2048 -> 3072; RSA exponent other than 65537 -> 65537."""

    code = "KG601"
    title = "Use a 3072-bit key (and public exponent 65537)"

    def edits(self, finding: Finding, ctx: FixContext) -> List[Edit]:
        def weak(c: cst.Call) -> bool:
            spec = _keygen_spec(ctx.call_names(c))
            if spec is None:
                return False
            size = _arg(c, spec[0], spec[1])
            s = const_int(size.value) if size is not None else None
            if s is not None and s < 2048:
                return True
            if spec[2] >= 0:
                exp = _arg(c, spec[2], "public_exponent")
                e = const_int(exp.value) if exp is not None else None
                return e is not None and e != 65537
            return False

        call = ctx.find_call(finding, weak)
        if call is None:
            return []
        spec = _keygen_spec(ctx.call_names(call))
        assert spec is not None
        new = call
        size = _arg(call, spec[0], spec[1])
        s = const_int(size.value) if size is not None else None
        if size is not None and s is not None and s < 2048:
            new = _replace_arg_value(new, size, cst.Integer("3072"))
        if spec[2] >= 0:
            exp = _arg(call, spec[2], "public_exponent")
            e = const_int(exp.value) if exp is not None else None
            if exp is not None and e is not None and e != 65537:
                # _replace_arg_value matches by identity; look the arg up in the new call
                idx = list(call.args).index(exp)
                new = _replace_arg_value(new, new.args[idx], cst.Integer("65537"))
        return [Edit(self.code, call, new, (), "stronger key parameters")]


_OPEN = {"open", "builtins.open", "io.open"}
_WRITE_MODES = set("wxa+")


def _open_mode(call: cst.Call) -> Optional[str]:
    a = _arg(call, 1, "mode")
    if a is None:
        return "r"
    if isinstance(a.value, cst.SimpleString):
        v = a.value.evaluated_value
        return v if isinstance(v, str) else None
    return None


class DefaultPermissions(Codemod):
    """KG201: create the key file with 0o600 from the first syscall."""

    code = "KG201"
    title = "Create the key file with mode 0o600 (opener=...)"

    def edits(self, finding: Finding, ctx: FixContext) -> List[Edit]:
        def is_open(c: cst.Call) -> bool:
            names = ctx.call_names(c)
            if names & _OPEN:
                mode = _open_mode(c)
                return mode is not None and bool(set(mode) & _WRITE_MODES) and \
                    _arg(c, 7, "opener") is None and not any(a.star for a in c.args)
            if "os.open" in names:
                return _arg(c, 2, "mode") is None and not any(a.star for a in c.args)
            return False

        extra = tuple(s.line for s in finding.trace) + ((finding.source.line,) if finding.source else ())
        call = ctx.find_call(finding, is_open)
        if call is None:
            call = self._with_target_of_write(finding, ctx, is_open)
        if call is None:
            call = ctx.find_call(finding, is_open, extra_lines=extra) if extra else None
        if call is None:
            return []
        if "os.open" in ctx.call_names(call):
            new = _append_arg(call, cst.Arg(cst.Integer("0o600")))
            return [Edit(self.code, call, new, (), "os.open mode 0o600")]
        opener = cst.Arg(
            keyword=cst.Name("opener"),
            value=cst.parse_expression("lambda p, f: os.open(p, f, 0o600)"),
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                  whitespace_after=cst.SimpleWhitespace("")),
        )
        return [Edit(self.code, call, _append_arg(call, opener), ("os",), "open(..., opener=0o600)")]

    @staticmethod
    def _with_target_of_write(finding: Finding, ctx: FixContext,
                              is_open: Callable[[cst.Call], bool]) -> Optional[cst.Call]:
        """For a finding on ``fh.write(key)``: the ``with open(...) as fh`` that created ``fh``."""
        write = ctx.find_call(finding, lambda c: isinstance(c.func, cst.Attribute)
                              and c.func.attr.value in ("write", "writelines")
                              and isinstance(c.func.value, cst.Name))
        if write is None:
            return None
        assert isinstance(write.func, cst.Attribute) and isinstance(write.func.value, cst.Name)
        handle = write.func.value.value
        cur: Optional[cst.CSTNode] = write
        while cur is not None:
            if isinstance(cur, cst.With):
                for item in cur.items:
                    if isinstance(item.item, cst.Call) and item.asname is not None and \
                            isinstance(item.asname.name, cst.Name) and \
                            item.asname.name.value == handle and is_open(item.item):
                        return item.item
            cur = ctx.parents.get(cur)
        return None


CODEMODS: Dict[str, Codemod] = {
    c.code: c for c in (MktempToMkstemp(), PermissiveMode(), PermissiveUmask(),
                        WeakKeyParameters(), DefaultPermissions())
}


def fixable_codes() -> Iterable[str]:
    """The KG codes that have a codemod."""
    return sorted(CODEMODS)
