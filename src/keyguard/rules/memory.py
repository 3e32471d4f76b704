"""KG3xx: key material left in process memory longer than needed.

Python cannot wipe ``bytes`` or ``str``: they are immutable, may be interned
or copied by the allocator, and live until the garbage collector reuses their
memory.  Memory can be swapped to disk or end up in a core dump (threat
analysis 4.1 "Memory Swapping" and "Insufficient Memory Protection",
mitigation 5.2).  These rules ask for key material to live in wipeable
buffers (``bytearray``, ideally an mlocked ``LockedBuffer``) that are zeroed
on every path.

Only metadata and documentation live here; detection is added by the engine.
"""

from __future__ import annotations

from keyguard.rules.base import Rule

import ast
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple, Union

import libcst as cst

from keyguard.analysis.context import AnalysisContext
from keyguard.analysis.events import Event
from keyguard.analysis.lazy import fill_all
from keyguard.analysis.paths import ParentMap, contains_wipe, hands_over, names_in, walk, wiped_on_every_path
from keyguard.analysis.values import Value
from keyguard.rules.report import Hit
from keyguard.rules.support import confidence, data_of

_ZERO_HINTS = ("bytes(", "bytearray(", "\\x00", "\\0", "b''", 'b""')


def _dotted(e: cst.BaseExpression) -> Optional[str]:
    parts = []
    while type(e) is cst.Attribute:
        parts.append(e.attr.value)
        e = e.value
    if type(e) is cst.Name:
        parts.append(e.value)
        return ".".join(reversed(parts))
    return None


def _is_ref(e: cst.BaseExpression, name: str) -> bool:
    """``e`` is the buffer ``name``: a plain name, or an attribute chain such as ``self.buf``."""
    return type(e) in (cst.Name, cst.Attribute) and _dotted(e) == name


def _mentions(node: cst.CSTNode, name: str) -> bool:
    if "." in name:
        return any(type(n) is cst.Attribute and _dotted(n) == name for n in walk(node))
    return name in names_in(node)


def _names_memory_of(e: cst.BaseExpression, names: Set[str]) -> bool:
    """``buf`` or ``view`` (a name in ``names``; ``self.buf`` for a dotted name), or ``memoryview(buf)``."""
    if type(e) in (cst.Name, cst.Attribute):
        return _dotted(e) in names
    if type(e) is cst.Call and _last(e.func) == "memoryview" and len(e.args) == 1:
        return _names_memory_of(e.args[0].value, names)
    return False


def views_of(func: cst.CSTNode, name: str) -> FrozenSet[str]:
    """Names bound in ``func`` to a memoryview of ``name`` (``view = memoryview(buf)``)."""
    out: Set[str] = set()
    for n in walk(func):
        if type(n) is cst.Assign and type(n.value) is cst.Call and _last(n.value.func) == "memoryview" \
                and len(n.value.args) == 1 and _names_memory_of(n.value.args[0].value, {name}):
            out.update(t.target.value for t in n.targets if type(t.target) is cst.Name)
    return frozenset(out)


def _last(func: cst.BaseExpression) -> Optional[str]:
    if type(func) is cst.Attribute:
        return func.attr.value
    if type(func) is cst.Name:
        return func.value
    return None


def _zero_bytes_literal(e: cst.BaseExpression) -> Optional[int]:
    """The length of a bytes literal made only of NUL bytes (``b"\\0"``, ``b"\\x00\\x00"``)."""
    if type(e) is not cst.SimpleString or "b" not in e.prefix.lower():
        return None
    try:
        val = ast.literal_eval(e.value)
    except (ValueError, SyntaxError):  # pragma: no cover
        return None
    if isinstance(val, bytes) and val and not val.strip(b"\0"):
        return len(val)
    return None


def _zero_fill(e: cst.BaseExpression) -> Optional[Union[int, cst.BaseExpression]]:
    """How many zero bytes ``e`` is: an int, or the size expression (``bytes(n)``, ``b"\\0" * n``)."""
    if type(e) is cst.Call and _last(e.func) in ("bytes", "bytearray") and type(e.func) is cst.Name \
            and len(e.args) == 1 and e.args[0].keyword is None and not e.args[0].star:
        arg = e.args[0].value
        return _zero_bytes_literal(arg) if type(arg) is cst.SimpleString else arg
    lit = _zero_bytes_literal(e)
    if lit is not None:
        return lit
    if type(e) is cst.BinaryOperation and type(e.operator) is cst.Multiply:
        for unit, times in ((e.left, e.right), (e.right, e.left)):
            n = _zero_bytes_literal(unit)
            if n == 1:
                return times
            if n is not None and type(times) is cst.Integer:
                return n * int(times.evaluated_value)
    return None


_SEEK_SET = ("SEEK_SET", "0")


class WipeOracle:
    """Recognises wipes of a named buffer (knowledge base + config + the module's own helpers).

    The module's tree has every function body parsed (:func:`keyguard.analysis.lazy.fill_all`,
    done by the rule before it builds the tree's parent map): its wiping helpers count whether
    the flow called them or not."""

    def __init__(self, ctx: AnalysisContext, module: str, parents: Optional[ParentMap] = None) -> None:
        self.ctx = ctx
        self.tree = ctx.trees[module]
        kb = ctx.kb
        self.kb = kb
        self._parents = parents
        self.functions = set(kb.wipe_function_names) | {n.rsplit(".", 1)[-1] for n in ctx.wipe_helpers}
        self.methods = set(kb.wipe_methods)
        self.rewinds = set(kb.wipe_rewind_methods)
        self.overwrites = set(kb.wipe_overwrite_methods)
        self.managers = {n.rsplit(".", 1)[-1] for n in kb.wiping_managers}
        self.functions |= self._module_wipers()
        self.module_managers()

    def _code(self, node: cst.CSTNode) -> str:
        try:
            return self.tree.code_for_node(node)
        except Exception:  # pragma: no cover
            return ""

    def _module_wipers(self) -> Set[str]:
        out: Set[str] = set()
        for stmt in self.tree.body:
            if type(stmt) is cst.FunctionDef:
                params = list(stmt.params.params)
                if params and contains_wipe(stmt.body, self.predicate(params[0].name.value, helpers=False, scope=stmt)):
                    out.add(stmt.name.value)
        return out

    def module_managers(self) -> None:
        """``@contextmanager`` generators of this module that wipe what they yield in ``finally``,
        and classes whose ``__exit__`` wipes the buffer their ``__enter__`` hands out."""
        for node in walk(self.tree):
            if type(node) is cst.ClassDef and self._class_wipes_on_exit(node):
                self.managers.add(node.name.value)
        for stmt in self.tree.body:
            if type(stmt) is not cst.FunctionDef:
                continue
            if not any(_last(d.decorator) in ("contextmanager", "asynccontextmanager") for d in stmt.decorators):
                continue
            for node in walk(stmt.body):
                if type(node) is cst.Try and node.finalbody is not None:
                    yielded = {n for y in walk(node.body) if type(y) is cst.Yield and y.value is not None
                               for n in names_in(y.value)}
                    if any(contains_wipe(node.finalbody, self.predicate(n, scope=stmt)) for n in yielded):
                        self.managers.add(stmt.name.value)

    def _class_wipes_on_exit(self, cls: cst.ClassDef) -> bool:
        """``__enter__`` returns ``self.<attr>`` (on every return) and ``__exit__`` wipes that
        attribute in a statement that always runs (not under an ``if``/``except``/``while``)."""
        methods = {m.name.value: m for m in getattr(cls.body, "body", ()) if type(m) is cst.FunctionDef}
        for enter, exit_ in (("__enter__", "__exit__"), ("__aenter__", "__aexit__")):
            if enter not in methods or exit_ not in methods:
                continue
            handed = self._returned_attribute(methods[enter])
            ex = methods[exit_]
            if handed is None or not ex.params.params:
                continue
            attr = ex.params.params[0].name.value + "." + handed
            is_wipe = self.predicate(attr, scope=ex)
            if type(ex.body) is cst.SimpleStatementSuite:  # def __exit__(self, *exc): wipe(self.buf)
                if contains_wipe(ex.body, is_wipe):
                    return True
                continue
            for st in ex.body.body:
                if type(st) in (cst.SimpleStatementLine, cst.For, cst.With) and contains_wipe(st, is_wipe):
                    return True
                if type(st) is cst.Try and st.finalbody is not None and contains_wipe(st.finalbody, is_wipe):
                    return True
        return False

    @staticmethod
    def _returned_attribute(func: cst.FunctionDef) -> Optional[str]:
        """``attr`` when every ``return`` of ``func`` is ``return self.attr`` (``self`` its first parameter)."""
        if not func.params.params:
            return None
        me = func.params.params[0].name.value
        attrs: Set[Optional[str]] = set()
        for n in walk(func.body):
            if type(n) is cst.Return:
                v = n.value
                ok = type(v) is cst.Attribute and type(v.value) is cst.Name and v.value.value == me
                attrs.add(v.attr.value if ok else None)  # type: ignore[union-attr]
        if len(attrs) == 1:
            return next(iter(attrs))
        return None

    @property
    def parents(self) -> ParentMap:
        if self._parents is None:
            self._parents = ParentMap(self.tree)
        return self._parents

    # -- stream-style wipes: buf.seek(0); buf.write(zeros covering the buffer) ----------------
    def _sizes(self, scope: Optional[cst.CSTNode], name: str) -> Optional[List[cst.BaseExpression]]:
        """The size arguments of the buffer-creating calls bound to ``name`` in ``scope`` (from the
        ``size`` spec of the knowledge base's ``buffer`` rows); None when some binding's size is unknown."""
        if scope is None:
            return None
        out: List[cst.BaseExpression] = []
        for n in walk(scope):
            calls: List[cst.BaseExpression] = []
            if type(n) is cst.Assign and any(type(t.target) is cst.Name and t.target.value == name for t in n.targets):
                calls.append(n.value)
            elif type(n) is cst.WithItem and n.asname is not None and type(n.asname.name) is cst.Name \
                    and n.asname.name.value == name:
                calls.append(n.item)
            for c in calls:
                size = self._size_arg(c)
                if size is None:
                    return None
                out.append(size)
        return out or None

    def _size_arg(self, call: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        if type(call) is not cst.Call:
            return None
        q = _dotted(call.func)
        if q is None:
            return None
        rows = [r for r in self.kb.call_rows(q) + self.kb.short_rows(q) if r.effect == "buffer" and r.spec("size") is not None]
        for r in rows:
            spec = r.spec("size")
            for i, a in enumerate(x for x in call.args if x.keyword is None and not x.star):
                if i == spec.pos:
                    return a.value
            for a in call.args:
                if a.keyword is not None and a.keyword.value == spec.kw:
                    return a.value
        return None

    def _int(self, e: cst.BaseExpression, scope: Optional[cst.CSTNode]) -> Optional[int]:
        """An int literal, or a name bound once (in ``scope`` or the module) to one."""
        if type(e) is cst.Integer:
            return int(e.evaluated_value)
        if type(e) is cst.Name:
            found: List[cst.BaseExpression] = []
            module_level = [x for line in self.tree.body if type(line) is cst.SimpleStatementLine for x in line.body]
            for nodes in ((walk(scope) if scope is not None else ()), module_level):
                found = [n.value for n in nodes if type(n) is cst.Assign
                         and any(type(t.target) is cst.Name and t.target.value == e.value for t in n.targets)]
                if found:
                    break
            if len(found) == 1 and type(found[0]) is cst.Integer:
                return int(found[0].evaluated_value)
        return None

    def _covers(self, fill: Union[int, cst.BaseExpression], name: str, scope: Optional[cst.CSTNode]) -> bool:
        """Whether ``fill`` zero bytes cover the whole buffer ``name``."""
        if isinstance(fill, cst.BaseExpression):
            if type(fill) is cst.Call and not fill.args:
                f = fill.func
                if type(f) is cst.Attribute and _is_ref(f.value, name) \
                        and f.attr.value == "size":
                    return True  # buf.size()
            if type(fill) is cst.Call and type(fill.func) is cst.Name and fill.func.value == "len" \
                    and len(fill.args) == 1 and _is_ref(fill.args[0].value, name):
                return True  # len(buf)
        sizes = self._sizes(scope, name)
        if not sizes:
            return False
        want = fill if isinstance(fill, int) else self._int(fill, scope)
        for size in sizes:
            have = self._int(size, scope)
            if have == 0:
                return False  # mmap(fd, 0): the whole file, of unknown length
            if want is not None and have is not None:
                if want != have:
                    return False
            elif isinstance(fill, int) or self._code(fill).strip() != self._code(size).strip():
                return False
        return True

    def _rewound_before(self, call: cst.Call, name: str) -> bool:
        """The statement holding ``call`` directly follows ``name.seek(0)`` (no other use of ``name`` between)."""
        expr = self.parents.get(call)
        line = self.parents.get(expr) if type(expr) is cst.Expr else None
        if type(line) is not cst.SimpleStatementLine:
            return False
        before: List[cst.CSTNode] = list(line.body[:next(i for i, x in enumerate(line.body) if x is expr)])
        block = self.parents.get(line)
        body = getattr(block, "body", None)
        if isinstance(body, (list, tuple)):
            idx = next((i for i, x in enumerate(body) if x is line), None)
            if idx is not None:
                earlier: List[cst.CSTNode] = []
                for st in body[:idx]:
                    earlier.extend(st.body if type(st) is cst.SimpleStatementLine else [st])
                before = earlier + before
        for st in reversed(before):
            if type(st) is cst.Expr and type(st.value) is cst.Call and self._is_rewind(st.value, name):
                return True
            if not isinstance(st, cst.BaseSmallStatement) or _mentions(st, name):
                return False
        return False

    def _is_rewind(self, c: cst.Call, name: str) -> bool:
        f = c.func
        if not (type(f) is cst.Attribute and _is_ref(f.value, name)
                and f.attr.value in self.rewinds):
            return False
        args = list(c.args)
        if not args or type(args[0].value) is not cst.Integer or args[0].value.evaluated_value != 0 or args[0].keyword:
            return False
        if len(args) == 1:
            return True
        whence = args[1].value
        return len(args) == 2 and (_last(whence) in _SEEK_SET or (type(whence) is cst.Integer and whence.value == "0"))

    def _stream_wipe(self, n: cst.Call, name: str, scope: Optional[cst.CSTNode]) -> bool:
        f = n.func
        if not (type(f) is cst.Attribute and _is_ref(f.value, name)
                and f.attr.value in self.overwrites and len(n.args) == 1 and n.args[0].keyword is None):
            return False
        fill = _zero_fill(n.args[0].value)
        return fill is not None and self._covers(fill, name, scope) and self._rewound_before(n, name)

    def predicate(self, name: str, helpers: bool = True, views: FrozenSet[str] = frozenset(),
                  scope: Optional[cst.CSTNode] = None) -> Callable[[cst.CSTNode], bool]:
        """Whether a node wipes the buffer ``name`` (or one of its memoryviews ``views``, which
        share its memory: ``view[:] = bytes(len(view))``, ``memoryview(buf)[:] = b"\\0" * n``).
        ``scope`` (the function binding ``name``) tells the buffer's size, for stream-style wipes."""
        writable = {name} | set(views)

        def is_wipe(n: cst.CSTNode) -> bool:
            if type(n) is cst.Call:
                f = n.func
                last = _last(f)
                if type(f) is cst.Attribute and _is_ref(f.value, name) \
                        and last in self.methods:
                    return True
                if last in self.overwrites and self._stream_wipe(n, name, scope):
                    return True
                if helpers and last in self.functions and any(_mentions(a.value, name) for a in n.args):
                    return True
                if last == "memset" and any(_mentions(a.value, name) for a in n.args):
                    return True
                return False
            if type(n) in (cst.Assign, cst.AugAssign):
                targets = [t.target for t in n.targets] if type(n) is cst.Assign else [n.target]
                for t in targets:
                    if type(t) is cst.Subscript and _names_memory_of(t.value, writable):
                        rhs = self._code(n.value)
                        if rhs.strip() == "0" or any(h in rhs for h in _ZERO_HINTS):
                            return True
            return False

        return is_wipe

    def wiping_with(self, name: str, value: Optional[Value]) -> Callable[[cst.With], bool]:
        def check(w: cst.With) -> bool:
            for item in w.items:
                e = item.item
                if type(e) is cst.Call and _last(e.func) in self.managers:
                    if item.asname is not None and name in names_in(item.asname.name):
                        return True
                if type(e) is cst.Name and e.value == name and value is not None and value.attr == "wiping":
                    return True
            return False

        return check


class KeyBufferNotZeroized(Rule):
    r"""A mutable buffer that held key material is not wiped on every path.

    ## What it does
    Finds a `bytearray`, `memoryview`, `ctypes` buffer or `mmap` that received
    key material and is not overwritten with zeros on every path out of its
    scope, exceptions included (a wipe in a `finally:` clause or a context
    manager that wipes on exit counts; a wipe after code that can raise does
    not). A `memoryview` is judged as the buffer it views: over a `bytearray`
    it is that buffer, over `bytes` it is read-only and nothing to wipe.

    ## Why is this bad?
    A mutable buffer is the only place in Python where a key *can* be erased;
    forgetting to erase it throws that advantage away. The freed memory keeps
    the key until it is reused, and meanwhile it can be swapped to disk, copied
    into a core dump or crash report, or read by a debugger or by an attacker
    with access to process memory (threat analysis 4.1, "Insufficient Memory
    Protection" and "Memory Swapping"). Mitigation 5.2 asks to zero buffers
    "immediately after use" and to lock their pages against swapping.

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519


    def export_seed(path: str) -> None:
        key = ed25519.Ed25519PrivateKey.generate()
        seed = bytearray(
            key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, seed)
        finally:
            os.close(fd)
        # seed goes out of scope still holding the key


    export_seed("signing.seed")
    ```

    ## Use instead
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from keyguard.reference.keygen import wipe


    def export_seed(path: str) -> None:
        key = ed25519.Ed25519PrivateKey.generate()
        seed = bytearray(
            key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, seed)
            finally:
                os.close(fd)
        finally:
            wipe(seed)  # zeroed on every path, exceptions included


    export_seed("signing.seed")
    ```
    `keyguard.reference.keygen.serialize_private_key()` returns a
    `LockedBuffer`, a context manager that also `mlock`s the pages and wipes
    them when the `with` block ends.

    ## Fix
    No autofix: where the buffer's lifetime ends is a design decision.

    ## Options
    None.

    ## References
    - [CWE-244: Improper Clearing of Heap Memory Before Release ('Heap Inspection')](https://cwe.mitre.org/data/definitions/244.html)
    - [CWE-226: Sensitive Information in Resource Not Removed Before Reuse](https://cwe.mitre.org/data/definitions/226.html)
    - [mlock(2)](https://man7.org/linux/man-pages/man2/mlock.2.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Insufficient Memory Protection, Memory Swapping), 5.2
    """

    code = "KG301"
    name = "key-buffer-not-zeroized"
    severity = "medium"
    cwe = ("CWE-244", "CWE-226")
    fix_title = "Wipe the buffer in a finally: block or use a LockedBuffer context manager"
    autofix = False

    kinds = ()

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        oracles: Dict[str, WipeOracle] = {}
        parent_maps: Dict[str, ParentMap] = {}
        done: Set[Tuple[str, int, str]] = set()
        done_idents: Set[Tuple[str, int, object]] = set()
        for ev in ctx.events:
            if ev.kind != "buffer-bind" or ev.module not in ctx.trees:
                continue
            if ev.module not in parent_maps:
                fill_all(ctx.trees[ev.module])  # (the parent map and the oracle walk every body)
                parent_maps[ev.module] = ParentMap(ctx.trees[ev.module])
                oracles[ev.module] = WipeOracle(ctx, ev.module, parent_maps[ev.module])
            parents, oracle = parent_maps[ev.module], oracles[ev.module]
            name = str(ev.values.get("name"))
            value = ev.value("value")
            func = parents.function_of(ev.node)
            stmt = parents.statement_of(ev.node)
            if func is None or stmt is None:
                continue
            key = (ev.module, id(func), name)
            if key in done:
                continue
            alias = (ev.module, id(func), value.ident if value is not None else None)
            if value is not None and value.ident is not None and alias in done_idents:
                continue  # `view = memoryview(buf)`: the buffer itself is judged where it was bound
            done_idents.add(alias)
            wiping_with = oracle.wiping_with(name, value)
            if type(stmt) is cst.With and wiping_with(stmt):
                done.add(key)
                continue
            if hands_over(func, name):
                done.add(key)
                continue
            cov = wiped_on_every_path(stmt, parents, oracle.predicate(name, views=views_of(func, name), scope=func),
                                       wiping_with)
            done.add(key)
            if cov.covered:
                continue
            org = value.key_origin() if value is not None else None
            how = ("is wiped only on the success path; an exception or early return skips it"
                   if cov.reason == "success-path-only" else "is never wiped")
            yield Hit(self.code, ev.node, ev.module,
                      f"buffer `{name}` holding {{source}} {how} (wipe it in finally: or use LockedBuffer)",
                      org, confidence(ev, org))


class ImmutableKeyCopy(Rule):
    r"""Key material held in a wipeable buffer is copied into an immutable object.

    ## What it does
    Finds key material that lives in a wipeable buffer (`bytearray`,
    `memoryview`, `LockedBuffer`, `mmap`) being copied into an object that can
    never be wiped: `bytes(buf)`, `.decode()`, `str()`, f-strings and
    `%`/`format` formatting, `.hex()`, `base64`/`binascii` encoders.

    ## Why is this bad?
    Wiping the buffer afterwards no longer erases the key: the immutable copy
    survives, unreachable and unwipeable, until the allocator happens to reuse
    its memory, and it can be swapped or dumped meanwhile (threat analysis 4.1,
    "Insufficient Memory Protection"; mitigation 5.2). Such copies are usually
    made only to change the representation, which the wipeable buffer or the
    library call could have accepted directly.

    ## Example
    ```python
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from keyguard.reference.keygen import wipe

    key = ed25519.Ed25519PrivateKey.generate()
    seed = bytearray(
        key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    )
    try:
        encoded = base64.b64encode(seed)  # an immutable copy that wipe() cannot reach
        fd = os.open("signing.seed", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, encoded)
        finally:
            os.close(fd)
    finally:
        wipe(seed)
    ```

    ## Use instead
    PEM is already text: serialize into a wipeable buffer and write that
    buffer as it is.
    ```python
    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ed25519")
    with serialize_private_key(key) as pem:  # LockedBuffer: mlocked, wiped when the block ends
        write_private_key_file("signing.pem", pem)
    ```
    Most APIs accept a buffer directly: `os.write`, `file.write`, `hashlib`,
    `hmac` and cryptography's `load_pem_private_key` take a `bytearray` or
    `memoryview`, so no `bytes(...)` copy is needed.

    ## Fix
    No autofix.

    ## Options
    None.

    ## References
    - [CWE-316: Cleartext Storage of Sensitive Information in Memory](https://cwe.mitre.org/data/definitions/316.html)
    - [CWE-226: Sensitive Information in Resource Not Removed Before Reuse](https://cwe.mitre.org/data/definitions/226.html)
    - [Python buffer protocol](https://docs.python.org/3/c-api/buffer.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Insufficient Memory Protection), 5.2
    """

    code = "KG302"
    name = "immutable-key-copy"
    severity = "medium"
    cwe = ("CWE-316", "CWE-226")
    fix_title = "Keep the key in the wipeable buffer and pass the buffer itself"
    autofix = False

    kinds = ("immutable-copy",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        data = data_of(ev)
        org = data.key_origin()
        yield Hit(self.code, ev.node, ev.module,
                  f"{{source}} held in a wipeable buffer is copied into an immutable object by {ev.describe if ev.describe.startswith('an ') else '`' + ev.describe + '`'}, "
                  "which can never be wiped", org, confidence(ev, org))


class KeyInImmutableObject(Rule):
    r"""Key material is created directly as `bytes` or `str` where a wipeable path exists.

    ## What it does
    Finds private key serializations stored straight into immutable objects,
    e.g. `pem = key.private_bytes(...)` or `export_key()`, when a wipeable
    alternative exists (`keyguard.reference.keygen.serialize_private_key`, or
    reading into a `bytearray` with `readinto`). Serializations encrypted with a
    passphrase (`BestAvailableEncryption`, `export_key(passphrase=...)`) are
    ciphertext and are not reported.

    ## Why is this bad?
    A `bytes` or `str` object holding a key cannot be erased: it stays in the
    heap until its memory is reused, and can be swapped to disk or written to a
    core dump (threat analysis 4.1, "Memory Swapping" and "Insufficient Memory
    Protection"; mitigation 5.2). Many libraries only return `bytes`, so the
    rule is off by default: it is for code bases that want every copy of a key
    to be wipeable. `keyguard.reference.keygen.serialize_private_key()` copies
    cryptography's `bytes` into a locked buffer at once and overwrites the
    `bytes` object in place (best effort), so the key lives on only in memory
    that is wiped when the `with` block ends.

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(  # bytes: can never be wiped
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    fd = os.open("server.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
    finally:
        os.close(fd)
    ```

    ## Use instead
    ```python
    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ecdsa-p256")
    with serialize_private_key(key) as pem:  # LockedBuffer: mlocked, wiped when the block ends
        write_private_key_file("server.key", pem)
    ```

    ## Fix
    No autofix.

    ## Options
    Off by default (strict): enable it with `--strict`, `strict = true` under
    `[tool.keyguard]`, or by selecting `KG303` explicitly.

    ## References
    - [CWE-316: Cleartext Storage of Sensitive Information in Memory](https://cwe.mitre.org/data/definitions/316.html)
    - [cryptography: key serialization](https://cryptography.io/en/latest/hazmat/primitives/asymmetric/serialization/)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Memory Swapping, Insufficient Memory Protection), 5.2
    """

    code = "KG303"
    name = "key-in-immutable-object"
    severity = "low"
    cwe = ("CWE-316",)
    fix_title = "Serialize the key into a wipeable buffer (LockedBuffer) instead of bytes or str"
    autofix = False

    kinds = ("serialize",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        org = data_of(ev).key_origin()
        yield Hit(self.code, ev.node, ev.module,
                  f"`{ev.describe}` returns the private key as immutable bytes/str that cannot be wiped; "
                  "serialize into a LockedBuffer (keyguard.reference.keygen.serialize_private_key)",
                  None, confidence(ev, org))
