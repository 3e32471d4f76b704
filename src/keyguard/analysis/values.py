"""Abstract values of the dataflow engine.

A :class:`Value` is what the engine knows about a Python value at one point:
the taint labels it carries (each with the :class:`Origin` that introduced it),
its constant value when it is known (strings, numbers, bytes, and tuples of
values for lists/tuples), an object *kind* (``file-handle``, ``fd``, ``path``,
``logger`` ...), the qualified name when it denotes an imported module, class
or function, and object facts such as how a file was created.

Values are immutable; joining two values (at branch merges) unions their
labels and forgets constants that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Dict, FrozenSet, Mapping, Optional, Tuple

import libcst as cst

from keyguard.labels import KEY_LABELS


class _Unknown:
    """The constant of a value that is not known statically."""

    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> tuple:
        return (_Unknown, ())


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True, eq=False)
class Origin:
    """Where a label was introduced: a call or literal, described for messages."""

    description: str
    node: Optional[cst.CSTNode]
    module: str  # path of the file holding ``node``
    confidence: str = "high"
    top: Optional[cst.CSTNode] = None  # module-level statement holding ``node`` (cheap positions)


@dataclass(frozen=True, eq=False)
class FileInfo:
    """Facts about a file handle, descriptor or path the program created.

    ``creation`` is one of:
    - ``default``: created with umask-dependent permissions (``open(p, 'w')``);
    - ``mode``: created with an explicit mode (``os.open(p, flags, mode)``), see ``mode``;
    - ``temp``: created by the ``tempfile`` module (0o600 but in a temporary location);
    - ``existing``: opened without creating (``'r+'``) or unknown.
    """

    creation: str
    path: Optional["Value"]
    node: Optional[cst.CSTNode]
    mode: Optional[int] = None
    flags: Optional[int] = None
    excl: bool = False
    nofollow: bool = False
    temp_delete: Optional[bool] = None  # NamedTemporaryFile(delete=...) when known
    description: str = ""


@dataclass(frozen=True, eq=False)
class Value:
    """What the engine knows about one value."""

    taints: Tuple[Tuple[str, Origin], ...] = ()
    const: Any = UNKNOWN
    kind: Optional[str] = None
    qname: Optional[str] = None
    file: Optional[FileInfo] = None
    ident: Optional[object] = None  # identity token shared by copies of one object/path
    attrs: Tuple[Tuple[str, "Value"], ...] = ()
    receiver: Optional["Value"] = None  # for bound methods: the object
    attr: Optional[str] = None  # for bound methods: the method name
    func: Optional[object] = None  # a FunctionRef for user functions/classes
    pieces: Optional[Tuple[object, ...]] = None  # f-string pieces: str or Value
    # a list joined from branches: (the const it belongs to, alternative 1, alternative 2, ...);
    # valid only while ``alts[0] is const`` (see :func:`list_alternatives`)
    alts: Tuple[Any, ...] = ()

    # ------------------------------------------------------------------ labels
    @property
    def labels(self) -> FrozenSet[str]:
        return frozenset(label for label, _ in self.taints)

    def has(self, label: str) -> bool:
        return any(lbl == label for lbl, _ in self.taints)

    def origin(self, label: str) -> Optional[Origin]:
        for lbl, org in self.taints:
            if lbl == label:
                return org
        return None

    def key_origin(self) -> Optional[Origin]:
        """The origin of the first key-material label, if any."""
        for lbl, org in self.taints:
            if lbl in KEY_LABELS:
                return org
        return None

    @property
    def is_key(self) -> bool:
        return any(lbl in KEY_LABELS for lbl, _ in self.taints)

    def get_attr(self, name: str) -> Optional["Value"]:
        for k, v in self.attrs:
            if k == name:
                return v
        return None

    def with_taints(self, taints: Tuple[Tuple[str, Origin], ...]) -> "Value":
        return self.evolve(taints=merge_taints(self.taints, taints))

    def evolve(self, **kw: Any) -> "Value":
        """A copy with some fields changed: ``dataclasses.replace`` without its per-call field
        walk and frozen ``__init__`` (the engine makes a few hundred thousand copies per scan)."""
        if not kw.keys() <= _VALUE_FIELDS:
            raise TypeError(f"Value has no field(s) {sorted(set(kw) - _VALUE_FIELDS)}")
        new = object.__new__(type(self))
        d = new.__dict__
        d.update(self.__dict__)
        d.update(kw)
        return new


_VALUE_FIELDS = frozenset(f.name for f in fields(Value))


CLEAN = Value()


def merge_taints(
    a: Tuple[Tuple[str, Origin], ...], b: Tuple[Tuple[str, Origin], ...]
) -> Tuple[Tuple[str, Origin], ...]:
    """Union of two taint tuples, keeping the first origin of each label."""
    if not b:
        return a
    if not a:
        return b
    seen = {lbl for lbl, _ in a}
    out = list(a)
    for lbl, org in b:
        if lbl not in seen:
            out.append((lbl, org))
            seen.add(lbl)
    return tuple(out)


def taint(label: str, origin: Origin) -> Value:
    return Value(taints=((label, origin),))


def join(a: Value, b: Value) -> Value:
    """Merge of two values reaching one point (branches, loops)."""
    if a is b:
        return a
    if a is CLEAN:
        return b
    taints = merge_taints(a.taints, b.taints)
    const: Any = None
    if isinstance(a.const, tuple) and isinstance(b.const, tuple) and a.const is not b.const \
            and all(isinstance(x, Value) for x in a.const + b.const):
        if _positional(a, b):
            # x, y = p if c else q: each position joins on its own (the public half stays public)
            const = tuple(join(x, y) for x, y in zip(a.const, b.const))
        else:
            return _join_lists(a, b, taints)
    else:
        const = a.const if _same_const(a.const, b.const) else UNKNOWN
    attrs = a.attrs or b.attrs
    if const is UNKNOWN and (isinstance(a.const, dict) or isinstance(b.const, dict)):
        # vm_ = {"driver": d}; if gen: vm_["priv_key"] = key: the dict after the branch holds the
        # key in that item only, whichever way it went (without this, every item read from it -
        # here or in a helper it is passed to - would carry the key)
        const, attrs = _join_dicts(a, b)
    elif a.attrs and b.attrs and a.attrs is not b.attrs:
        attrs = _join_fields(a.attrs, b.attrs)
    return Value(
        taints=taints,
        const=const,
        kind=a.kind if a.kind == b.kind else (a.kind or b.kind),
        qname=a.qname if a.qname == b.qname else _shared_tail(a.qname, b.qname),
        file=a.file or b.file,
        ident=a.ident if a.ident is b.ident else (a.ident or b.ident),
        attrs=attrs,
        receiver=a.receiver if a.receiver is b.receiver else None,
        attr=a.attr if a.attr == b.attr else None,
        func=a.func if a.func is b.func else (a.func or b.func),
        pieces=a.pieces if a.pieces == b.pieces else None,
    )


def _join_dicts(a: Value, b: Value) -> Tuple[Any, Tuple[Tuple[str, "Value"], ...]]:
    """The constant and field records of two values reaching one point, one (at least) a dict
    constant that differs from the other: two dicts join item by item (an item one of them lacks
    keeps what the other gives it); a dict and a value of unknown contents (a parameter, a loaded
    config) make an unknown mapping whose field records (``[name]``, as an item assignment to an
    unknown mapping leaves them) remember which items of the dict hold labels."""
    if isinstance(a.const, dict) and isinstance(b.const, dict):
        merged = type(a.const)(a.const)
        for k, v in b.const.items():
            old = merged.get(k, v)
            if isinstance(old, Value) and isinstance(v, Value):
                merged[k] = join(old, v)
            elif not _same_const(old, v):
                del merged[k]  # (not an item value: its labels stay on the dict as a whole)
        return merged, _join_fields(a.attrs, b.attrs)
    d, other = (a, b) if isinstance(a.const, dict) else (b, a)
    if isinstance(other.const, (tuple, str, bytes)):
        return UNKNOWN, a.attrs or b.attrs
    fields = tuple((f"[{k}]", v) for k, v in d.const.items()
                   if isinstance(k, (str, int)) and isinstance(v, Value) and deep_taints(v))
    return UNKNOWN, _join_fields(_join_fields(other.attrs, d.attrs), fields)


def _join_fields(a: Tuple[Tuple[str, "Value"], ...],
                 b: Tuple[Tuple[str, "Value"], ...]) -> Tuple[Tuple[str, "Value"], ...]:
    """Attributes of two joined values: ``a``'s, with the field records (``[name]``, ``[*]``) of
    ``b`` added (one record both have joins); ``b``'s other attributes only when ``a`` has none."""
    if not a or a is b:
        return b
    if not b:
        return a
    mine = dict(a)
    out = list(a)
    for k, v in b:
        if not k.startswith("["):
            continue
        cur = mine.get(k)
        if cur is None:
            out.append((k, v))
        elif cur is not v:
            out[next(i for i, (n, _) in enumerate(out) if n == k)] = (k, join(cur, v))
    return tuple(out)


def _shared_tail(a: Optional[str], b: Optional[str]) -> Optional[str]:
    """The dotted name two alternatives have in common at their end: ``try: from M2Crypto import
    RSA / except ImportError: from Cryptodome.PublicKey import RSA`` is ``RSA`` either way, which
    the knowledge base's rows by short name (``RSA.generate``) still recognise; None if nothing."""
    if not a or not b:
        return None
    pa, pb = a.split("."), b.split(".")
    n = 0
    while n < min(len(pa), len(pb)) and pa[-1 - n] == pb[-1 - n]:
        n += 1
    return ".".join(pa[len(pa) - n:]) if n else None


#: how many alternative contents a list joined from branches remembers
MAX_LIST_ALTERNATIVES = 8
UNKNOWN_TAIL = "list-unknown-tail"


def list_alternatives(v: Value) -> Tuple[Value, ...]:
    """The contents a list joined from branches may have (each a list value), or ``()``."""
    if v.alts and v.alts[0] is v.const:
        return tuple(v.alts[1:])
    return ()


def with_alternatives(v: Value, alts: Tuple[Value, ...]) -> Value:
    """``v`` remembering ``alts`` as its possible contents (forgotten past MAX_LIST_ALTERNATIVES)."""
    out: list = []
    for alt in alts:
        if not any(alt is x for x in out):
            out.append(alt)
    if not out or len(out) > MAX_LIST_ALTERNATIVES:
        return v.evolve(alts=())
    return v.evolve(alts=(v.const,) + tuple(out))


def _positional(a: Value, b: Value) -> bool:
    """Two tuples that differ only in what their items hold, not in their words: same length and
    kind, and no position with two different strings (argv alternatives such as ``--no-password``
    against ``--password-file`` are lists, joined by :func:`_join_lists`)."""
    xa, xb = a.const, b.const
    if len(xa) != len(xb) or a.kind != b.kind or a.kind == UNKNOWN_TAIL:
        return False
    for x, y in zip(xa, xb):
        if x.attr == "*" or y.attr == "*":
            return False
        if isinstance(x.const, str) and isinstance(y.const, str) and x.const != y.const:
            return False
    return True


def _join_lists(a: Value, b: Value, taints: Tuple[Tuple[str, Origin], ...]) -> Value:
    """Two lists reaching one point (``if x: cmd += [...]``, a loop extending ``args``): the
    elements both have in front are kept, an unknown tail stands for the rest, and the possible
    contents are remembered (bounded) so each can be read on its own."""
    xa, xb = a.const, b.const
    prefix = []
    for x, y in zip(xa, xb):
        if x.attr == "*" or y.attr == "*":
            break
        if x is y:
            prefix.append(x)
        elif _same_const(x.const, y.const) and x.kind == y.kind:
            prefix.append(join(x, y))
        else:
            break
    n = len(prefix)
    if n == len(xa) == len(xb) and a.kind == b.kind:
        return Value(taints=taints, const=tuple(prefix), kind=a.kind)
    rest: Tuple[Tuple[str, Origin], ...] = ()
    for x in xa[n:] + xb[n:]:
        rest = merge_taints(rest, deep_taints(x))
    tail = Value(taints=rest, attr="*")
    out = Value(taints=taints, const=tuple(prefix) + (tail,), kind=UNKNOWN_TAIL)
    return with_alternatives(out, (list_alternatives(a) or (a,)) + (list_alternatives(b) or (b,)))


def _same_const(x: Any, y: Any) -> bool:
    if x is UNKNOWN or y is UNKNOWN:
        return x is y
    if type(x) is not type(y):
        return False
    if isinstance(x, tuple):
        return x is y
    try:
        return bool(x == y)
    except Exception:  # pragma: no cover - exotic constants
        return False


def union_taints(values: "Mapping[Any, Value] | Tuple[Value, ...] | list") -> Tuple[Tuple[str, Origin], ...]:
    out: Tuple[Tuple[str, Origin], ...] = ()
    items = values.values() if isinstance(values, dict) else values
    for v in items:
        out = merge_taints(out, v.taints)
        if isinstance(v.const, tuple):
            for item in v.const:
                if isinstance(item, Value):
                    out = merge_taints(out, item.taints)
    return out


def deep_taints(v: Value) -> Tuple[Tuple[str, Origin], ...]:
    """Labels of ``v`` and of the items of a container constant."""
    out = v.taints
    if isinstance(v.const, tuple):
        for item in v.const:
            if isinstance(item, Value):
                out = merge_taints(out, deep_taints(item))
    for _, a in v.attrs:
        out = merge_taints(out, a.taints)
    return out


__all__ = [
    "CLEAN",
    "FileInfo",
    "Origin",
    "UNKNOWN",
    "Value",
    "deep_taints",
    "join",
    "list_alternatives",
    "with_alternatives",
    "merge_taints",
    "taint",
    "union_taints",
    "field",
    "Dict",
]


#: the attribute of an int of unknown value that holds the bits it certainly has (``old | 0o077``)
BITS_SET_ATTR = "<bits-set>"


def bits_set(v: Optional[Value]) -> int:
    """The bits an int value certainly has: all of a constant's, those or-ed into an unknown one."""
    if v is None:
        return 0
    if isinstance(v.const, int) and not isinstance(v.const, bool):
        return v.const
    floor = v.get_attr(BITS_SET_ATTR)
    return floor.const if floor is not None and isinstance(floor.const, int) and not isinstance(floor.const, bool) else 0


#: the attribute of an int chosen between constants (``0o640 if shared else 0o600``): the bits any
#: of the choices may have (their union), for the permissions a file may end up with
BITS_MAY_ATTR = "<bits-may>"


def worst_mode(v: Optional[Value]) -> Optional[int]:
    """A permission mode as far as group/other access goes: the constant, or the union of the
    constants an inline choice picks from (``0o640 if shared else 0o600`` may be 0o640); None when
    not known."""
    if v is None:
        return None
    if isinstance(v.const, int) and not isinstance(v.const, bool):
        return v.const
    may = v.get_attr(BITS_MAY_ATTR) if v.attrs else None
    if may is not None and isinstance(may.const, int) and not isinstance(may.const, bool):
        return may.const
    return None
