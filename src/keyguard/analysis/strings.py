"""String building the argv model follows: ``%`` and ``str.format`` templates, shell splitting.

Command lines are often built as text (``"openssl genrsa -out %s 2048" % path``,
``"ssh-keygen -f {}".format(path)``, ``shlex.split(f"...")``).  These helpers turn a known
template and the abstract values filling it into *pieces* (known text and values), the same
shape f-strings and ``+`` produce, so :mod:`keyguard.analysis.process` can rebuild the argv.
The known beginning of such text also decides where a request goes (``known_head``, ``url_host``:
``f"http://{host}/keys"`` is plain HTTP whatever ``host`` is).
Nothing here evaluates the analysed program: templates are parsed as text.
"""

from __future__ import annotations

import re
import shlex
import string
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from keyguard.analysis.values import Value

_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[-#0 +]*)(?P<width>\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
_TEXT_CONVERSIONS = "sdira"


def _piece(v: Value, conv: str = "s") -> object:
    """A value as a piece: its text when known and printed as is, else the value itself."""
    if conv in _TEXT_CONVERSIONS and isinstance(v.const, str) and conv != "r":
        return v.const
    if conv in "sdi" and isinstance(v.const, int) and not isinstance(v.const, bool):
        return str(v.const)
    return v


def merge(pieces: Sequence[object]) -> Tuple[object, ...]:
    """Adjacent text pieces joined; values (and values carrying pieces) spliced in."""
    out: List[object] = []
    for p in pieces:
        if isinstance(p, Value) and p.pieces is not None:
            for q in merge(p.pieces):
                _append(out, q)
        else:
            _append(out, p)
    return tuple(out)


def _append(out: List[object], p: object) -> None:
    if isinstance(p, str) and out and isinstance(out[-1], str):
        out[-1] = out[-1] + p
    elif not (isinstance(p, str) and not p):
        out.append(p)


def percent_pieces(template: str, arg: Value) -> Optional[Tuple[object, ...]]:
    """``template % arg`` as pieces, or None when the template cannot be followed."""
    if isinstance(arg.const, tuple):
        items: Sequence[object] = arg.const
        mapping: Optional[Mapping[object, object]] = None
    elif isinstance(arg.const, dict):
        items, mapping = (), arg.const
    else:
        items, mapping = (arg,), None
    out: List[object] = []
    pos = 0
    i = 0
    for m in _PERCENT.finditer(template):
        out.append(template[pos:m.start()])
        pos = m.end()
        conv = m.group("conv")
        if conv == "%":
            out.append("%")
            continue
        if m.group("width") == "*":
            return None
        key = m.group("key")
        if key is not None:
            if mapping is None or not isinstance(mapping.get(key), Value):
                return None
            v = mapping[key]
        else:
            if i >= len(items) or not isinstance(items[i], Value):
                return None
            v = items[i]
            i += 1
        assert isinstance(v, Value)
        out.append(_piece(v, conv) if not (m.group("flags") or m.group("width")) else v)
    out.append(template[pos:])
    return merge(out)


def format_pieces(template: str, args: Sequence[Value], kwargs: Mapping[str, Value]) -> Optional[Tuple[object, ...]]:
    """``template.format(*args, **kwargs)`` as pieces, or None when it cannot be followed."""
    out: List[object] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for text, field, spec, conv in parsed:
        out.append(text)
        if field is None:
            continue
        head = re.match(r"[^.\[]*", field).group(0)  # type: ignore[union-attr]
        if head != field:
            return None  # attribute or index access: not followed
        if head == "":
            if auto >= len(args):
                return None
            v: Optional[Value] = args[auto]
            auto += 1
        elif head.isdigit():
            v = args[int(head)] if int(head) < len(args) else None
        else:
            v = kwargs.get(head)
        if v is None:
            return None
        out.append(_piece(v, "r" if conv == "r" else "s") if not spec else v)
    return merge(out)


def shell_split(v: Value) -> Optional[Tuple[str, ...]]:
    """``shlex.split`` of a known string (None when unknown or unbalanced quotes)."""
    if not isinstance(v.const, str):
        return None
    try:
        return tuple(shlex.split(v.const))
    except ValueError:
        return None


def quoted(v: Value) -> Tuple[object, ...]:
    """``shlex.quote(v)``: known text quoted, an unknown value stays one word (a hole)."""
    if isinstance(v.const, str):
        return (shlex.quote(v.const),)
    return (v,)


def joined_words(items: Sequence[Value]) -> Tuple[object, ...]:
    """``shlex.join(items)`` / ``subprocess.list2cmdline(items)`` as pieces."""
    out: List[object] = []
    for i, item in enumerate(items):
        if i:
            out.append(" ")
        out.extend(quoted(item) if item.pieces is None else item.pieces)
    return merge(out)


def kwargs_of(values: Mapping[str, Value]) -> Dict[str, Value]:
    return {k: v for k, v in values.items() if isinstance(v, Value)}


def known_head(v: Value) -> Optional[Tuple[str, bool]]:
    """The text a string value is known to begin with and whether that is all of it: ``("http://",
    False)`` for ``f"http://{host}/k"``, ``("https://x/k", True)`` for a constant; None when not even
    its first character is known (a parameter, a config value, ``f"{scheme}://..."``)."""
    const = v.const
    if isinstance(const, bytes):
        const = const.decode("latin-1")
    if isinstance(const, str):
        return const, True
    if v.pieces:
        first = merge(v.pieces)[0]
        if isinstance(first, str) and first:
            return first, False
    return None


def url_host(text: str) -> str:
    """The host named by a URL or ``host[:port]`` text (its known beginning is enough): what follows
    ``scheme://`` up to the path, without user info and port; ``[::1]`` keeps its brackets.  A host
    cut short by an unknown part is returned as far as it is known."""
    rest = text.split("://", 1)[1] if "://" in text else text
    ends = [i for i in (rest.find(c) for c in "/?#") if i >= 0]
    authority = rest[:min(ends)] if ends else rest
    authority = authority.rsplit("@", 1)[-1]  # user:password@host
    if authority.startswith("["):  # [::1]:8080
        close = authority.find("]")
        return authority[:close + 1] if close >= 0 else authority
    return authority.partition(":")[0]


def url_for_message(text: str) -> str:
    """A URL as findings may show it: without user info (``user:password@``), query and fragment."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text.split("?", 1)[0].split("#", 1)[0]
    ends = [i for i in (rest.find(c) for c in "/?#") if i >= 0]
    cut = min(ends) if ends else len(rest)
    authority, tail = rest[:cut], rest[cut:]
    return f"{scheme}://{authority.rsplit('@', 1)[-1]}{tail.split('?', 1)[0].split('#', 1)[0]}"
