"""Argv values (:class:`Arg` made of text and :class:`Hole` pieces) and a POSIX-sh word splitter.

Pure data and functions, used by :mod:`keyguard.analysis.argv` (which re-exports the public
names). The engine builds :class:`Arg` values from evaluated expressions; shell strings given to
``os.system``/``os.popen``/``shell=True`` are split here the way ``/bin/sh`` would split them.
"""

from __future__ import annotations

import ntpath
import posixpath
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple, Union

from keyguard.analysis.tool_grammar import ToolGrammar, load_grammar

__all__ = [
    "Hole", "Arg", "Piece", "RESERVED_WORDS", "to_args", "basename", "is_temp_path", "split_shell",
    "split_shell_commands",
]


# --------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Hole:
    """An unknown piece of an argv string (f-string placeholder, unresolved variable).

    ``temp``: the engine knows the value is a temporary path (``mkdtemp()``, ``gettempdir()``,
    a ``NamedTemporaryFile().name``); ``key``: it carries private-key material; ``passphrase``: it
    is a key passphrase. ``ref`` is the engine's node; ``text_hint`` a short display text
    (``"pw"``) used in messages.
    """

    temp: bool = False
    key: bool = False
    passphrase: bool = False
    ref: object = None
    text_hint: Optional[str] = None

    def display(self) -> str:
        """``{hint}``; a shell substitution hint (``$(mktemp)``) is shown as it was written."""
        if self.text_hint and self.text_hint.startswith("$"):
            return self.text_hint
        return "{" + (self.text_hint or "\u2026") + "}"


Piece = Union[str, Hole]


def _merge(pieces: Iterable[Piece]) -> Tuple[Piece, ...]:
    """Join adjacent text pieces and drop empty ones."""
    out: List[Piece] = []
    for piece in pieces:
        if isinstance(piece, str):
            if not piece:
                continue
            if out and isinstance(out[-1], str):
                out[-1] = out[-1] + piece
                continue
        elif not isinstance(piece, Hole):
            raise TypeError(f"argv piece must be str or Hole, got {type(piece).__name__}")
        out.append(piece)
    return tuple(out)


_SEPARATORS = "/\\"


@dataclass(frozen=True)
class Arg:
    """One argv element: known text and holes. ``ref`` is the engine node to report at.

    ``redirect`` is set only by the shell splitter, on the target of a redirection
    (``">"``, ``">>"``, ``"2>"``, ``"&>"``, ``"<"``...); such an Arg is not an argument of the
    command.
    """

    pieces: Tuple[Piece, ...]
    ref: object = None
    redirect: Optional[str] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pieces", _merge(self.pieces))

    @classmethod
    def literal(cls, text: str, ref: object = None) -> "Arg":
        return cls((text,), ref)

    @property
    def text(self) -> Optional[str]:
        """The full text when every piece is known, else None."""
        if any(isinstance(p, Hole) for p in self.pieces):
            return None
        return "".join(self.pieces)  # type: ignore[arg-type]

    @property
    def prefix(self) -> str:
        """The known text before the first hole."""
        out = []
        for piece in self.pieces:
            if isinstance(piece, Hole):
                break
            out.append(piece)
        return "".join(out)

    @property
    def holes(self) -> Tuple[Hole, ...]:
        return tuple(p for p in self.pieces if isinstance(p, Hole))

    @property
    def starts_with_hole(self) -> bool:
        return bool(self.pieces) and isinstance(self.pieces[0], Hole)

    @property
    def is_temp(self) -> bool:
        """Whether the path is in a temporary location (see tools.toml ``[temp_locations]``).

        True for a literal temp prefix (``/tmp/``, ``/var/tmp/``, ``/dev/shm/``, ``$TMPDIR``,
        ``${TMPDIR:-/tmp}``, ``%TEMP%``...) and for a hole with ``temp=True`` that supplies the
        directory part of the path: preceded by nothing but other holes and path separators
        (``{tmpdir}/key.pem``, ``{base}/{tmpname}``), never after literal directories
        (``/home/u/{name}``).
        """
        return is_temp_path(self, load_grammar())

    def display(self, limit: int = 80) -> str:
        """Human-readable text with holes as ``{hint}``."""
        text = "".join(p.display() if isinstance(p, Hole) else p for p in self.pieces)
        return text if len(text) <= limit else text[: limit - 1] + "\u2026"

    def drop(self, count: int) -> "Arg":
        """The same element without its first ``count`` known characters (``count <= len(prefix)``)."""
        pieces = list(self.pieces)
        while count > 0 and pieces and isinstance(pieces[0], str):
            head = pieces[0]
            if len(head) <= count:
                count -= len(head)
                pieces.pop(0)
            else:
                pieces[0] = head[count:]
                count = 0
        return Arg(tuple(pieces), self.ref, self.redirect)


def to_args(items: Sequence[Union[str, Hole, Arg]], ref: object = None) -> List[Arg]:
    """Convenience: build an argv from strings, holes and Args (each string/hole one element)."""
    out = []
    for item in items:
        if isinstance(item, Arg):
            out.append(item)
        else:
            out.append(Arg((item,), ref))
    return out


def _shell_var_prefix(text: str, var: str) -> bool:
    # "$TMP" must not match "$TMPLATE": the variable name has to end there.
    if not text.startswith(var):
        return False
    if var.endswith(("{", ":")):
        return True
    rest = text[len(var):]
    return not rest or not (rest[0].isalnum() or rest[0] == "_")


def _literal_temp(text: str, grammar: ToolGrammar, complete: bool) -> bool:
    for prefix in grammar.temp_posix:
        if text.startswith(prefix) or (complete and text == prefix.rstrip("/")):
            return True
    for var in grammar.temp_shell:
        if _shell_var_prefix(text, var):
            return True
    lowered = text.lower().replace("\\", "/")
    for prefix in grammar.temp_windows:
        if lowered.startswith(prefix) or (complete and lowered == prefix.rstrip("/")):
            return True
    return False


def is_temp_path(arg: Arg, grammar: ToolGrammar) -> bool:
    """:attr:`Arg.is_temp` with an explicit grammar (its ``[temp_locations]``)."""
    if _literal_temp(arg.prefix, grammar, complete=arg.text is not None):
        return True
    for piece in arg.pieces:
        if isinstance(piece, Hole):
            if piece.temp:
                return True
            continue
        if piece.strip(_SEPARATORS):
            return False  # literal directory text before any temp hole: /home/u/{name}
    return False


# --------------------------------------------------------------------------------------------
# Shell splitting


_SHELL_OPERATOR_CHARS = ";&|()"
RESERVED_WORDS = frozenset({"!", "{", "}", "then", "do", "else", "elif", "if", "while", "until", "fi", "done"})
"""Shell words that may start a command line without being the command (``if openssl ...``)."""


class _ShellSplitter:
    """A small POSIX-sh word splitter over a sequence of characters and holes."""

    def __init__(self, items: List[Piece], ref: object, depth: int) -> None:
        self.items = items
        self.ref = ref
        self.depth = depth
        self.commands: List[List[Arg]] = []
        self.extra: List[List[Arg]] = []  # commands inside $(...) and backticks
        self.words: List[Arg] = []
        self.word: List[Piece] = []
        self.started = False
        self.digits_only = True  # the current word is an unquoted fd number so far
        self.redirect: Optional[str] = None

    # -- word and command boundaries
    def add(self, piece: Piece, quoted: bool = False) -> None:
        self.word.append(piece)
        self.started = True
        if quoted or not (isinstance(piece, str) and piece.isdigit()):
            self.digits_only = False

    def end_word(self) -> None:
        if self.started:
            self.words.append(Arg(tuple(self.word), self.ref, self.redirect))
            self.redirect = None
        self.word = []
        self.started = False
        self.digits_only = True

    def end_command(self) -> None:
        self.end_word()
        self.redirect = None
        if self.words:
            self.commands.append(self.words)
        self.words = []

    # -- scanning helpers
    def char(self, i: int) -> Optional[str]:
        if 0 <= i < len(self.items):
            item = self.items[i]
            return item if isinstance(item, str) else None
        return None

    def find_close(self, i: int, opening: str, closing: str) -> int:
        """Index of the bracket closing the one just before ``i`` (quote-aware); len if none."""
        depth = 1
        quote: Optional[str] = None
        while i < len(self.items):
            c = self.char(i)
            if c is None:
                i += 1
                continue
            if quote:
                if c == "\\" and quote == '"':
                    i += 2
                    continue
                if c == quote:
                    quote = None
            elif c == "\\":
                i += 2
                continue
            elif c in "'\"":
                quote = c
            elif c == opening:
                depth += 1
            elif c == closing:
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        return len(self.items)

    def substitution(self, inner: List[Piece]) -> Hole:
        """Split a command substitution; its value is unknown (a temp path for ``$(mktemp)``)."""
        commands = _split(inner, self.ref, self.depth + 1) if self.depth < 8 else []
        self.extra.extend(commands)
        first = commands[0] if commands else []
        name = basename(first[0]) if first else None
        if name == "mktemp":
            return Hole(temp=True, text_hint="$(mktemp)")
        return Hole(text_hint="$(\u2026)")

    def dollar(self, i: int, quoted: bool) -> int:
        """Handle ``$`` at ``i``; return the next index."""
        nxt = self.char(i + 1)
        if nxt == "(":
            if self.char(i + 2) == "(":  # $(( arithmetic ))
                end = self.find_close(i + 3, "(", ")")
                self.add(Hole(text_hint="$((\u2026))"), quoted=True)
                return end + 2
            end = self.find_close(i + 2, "(", ")")
            self.add(self.substitution(self.items[i + 2:end]), quoted=True)
            return end + 1
        if nxt == "{":
            end = self.find_close(i + 2, "{", "}")
            for piece in self.items[i:end + 1]:
                self.add(piece, quoted=True)
            return end + 1
        self.add("$", quoted)
        return i + 1

    def backtick(self, i: int) -> int:
        j = i + 1
        inner: List[Piece] = []
        while j < len(self.items):
            c = self.char(j)
            if c == "\\" and j + 1 < len(self.items):
                inner.append(self.items[j + 1])
                j += 2
                continue
            if c == "`":
                break
            inner.append(self.items[j])
            j += 1
        self.add(self.substitution(inner), quoted=True)
        return j + 1

    def redirection(self, i: int) -> int:
        """Handle ``<`` or ``>`` at ``i`` (an fd number may precede it)."""
        fd = ""
        if self.started and self.digits_only:
            fd = "".join(p for p in self.word if isinstance(p, str))
            self.word = []
            self.started = False
            self.digits_only = True
        else:
            self.end_word()
        c = self.char(i)
        op = c or ""
        j = i + 1
        nxt = self.char(j)
        if c == ">" and nxt in (">", "|", "&"):
            op += nxt  # >> >| >&
            j += 1
        elif c == "<" and nxt in ("<", ">", "&"):
            op += nxt
            j += 1
            if op == "<<" and self.char(j) in ("<", "-"):
                op += self.char(j) or ""
                j += 1
        self.redirect = fd + op
        return j

    # -- main loop
    def run(self) -> List[List[Arg]]:
        items = self.items
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, Hole):
                self.add(item, quoted=True)
                i += 1
                continue
            c = item
            if c in " \t":
                self.end_word()
                i += 1
            elif c == "\n":
                self.end_command()
                i += 1
            elif c == "#" and not self.started:
                while i < len(items) and self.char(i) != "\n":
                    i += 1
            elif c == "'":
                self.started = True
                self.digits_only = False
                i += 1
                while i < len(items) and self.char(i) != "'":
                    self.add(items[i], quoted=True)
                    i += 1
                i += 1
            elif c == '"':
                self.started = True
                self.digits_only = False
                i += 1
                while i < len(items):
                    d = self.char(i)
                    if d == '"':
                        break
                    if d == "\\" and self.char(i + 1) in ("$", "`", '"', "\\", "\n"):
                        if self.char(i + 1) != "\n":
                            self.add(items[i + 1], quoted=True)
                        i += 2
                    elif d == "$":
                        i = self.dollar(i, quoted=True)
                    elif d == "`":
                        i = self.backtick(i)
                    else:
                        self.add(items[i], quoted=True)
                        i += 1
                i += 1
            elif c == "\\":
                if i + 1 < len(items) and self.char(i + 1) != "\n":
                    self.add(items[i + 1], quoted=True)
                i += 2
            elif c == "$":
                i = self.dollar(i, quoted=False)
            elif c == "`":
                i = self.backtick(i)
            elif c in "<>":
                i = self.redirection(i)
            elif c == "&" and self.char(i + 1) == ">":
                self.end_word()
                op = "&>>" if self.char(i + 2) == ">" else "&>"
                self.redirect = op
                i += len(op)
            elif c in _SHELL_OPERATOR_CHARS:
                self.end_command()
                i += 1
            else:
                self.add(c)
                i += 1
        self.end_command()
        return self.commands + self.extra


def _flatten(pieces: Union[str, Sequence[Piece]]) -> List[Piece]:
    if isinstance(pieces, str):
        pieces = (pieces,)
    items: List[Piece] = []
    for piece in pieces:
        if isinstance(piece, str):
            items.extend(piece)
        elif isinstance(piece, Hole):
            items.append(piece)
        else:
            raise TypeError(f"shell piece must be str or Hole, got {type(piece).__name__}")
    return items


def _split(items: List[Piece], ref: object, depth: int) -> List[List[Arg]]:
    return _ShellSplitter(items, ref, depth).run()


def split_shell_commands(pieces: Union[str, Sequence[Piece]], ref: object = None) -> List[List[Arg]]:
    """Split a shell command string into simple commands, each a list of words.

    ``pieces`` is the string as known text and holes (an f-string ``f"openssl ... -out {p}"`` is
    ``("openssl ... -out ", Hole(...))``); a plain ``str`` is accepted. Quotes, backslashes and
    line continuations follow POSIX sh; holes stay inside the word they appear in. ``;``, ``&&``,
    ``||``, ``|``, ``&``, newlines and parentheses separate commands. A redirection target becomes
    a word with ``redirect`` set (``"2>"``, ``">>"``...). ``$(...)``/backticks are split too: their
    commands are appended after the others and the substitution itself becomes a hole (a temp
    hole for ``$(mktemp ...)``). ``${VAR}``/``$VAR`` stay as text (``$TMPDIR/k`` is a temp path).
    Every word gets ``ref``.
    """
    return _split(_flatten(pieces), ref, 0)


def split_shell(pieces: Union[str, Sequence[Piece]], ref: object = None) -> List[Arg]:
    """The words of the first simple command of a shell string (see :func:`split_shell_commands`)."""
    commands = split_shell_commands(pieces, ref)
    return commands[0] if commands else []


def basename(arg: Arg) -> Optional[str]:
    """The executable name of a command word: ``/usr/bin/openssl`` / ``C:\\x\\openssl.exe`` -> ``openssl``."""
    text = arg.text
    if not text:
        return None
    name = ntpath.basename(posixpath.basename(text)).lower()
    if name.endswith(".exe"):
        name = name[:-4]
    return name
