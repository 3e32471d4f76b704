"""Reading and parsing files: every failure becomes a :class:`FileError`, never an exception."""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from itertools import accumulate
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from keyguard.cstimport import import_libcst
from keyguard.model import FileError

if TYPE_CHECKING:  # pragma: no cover  (libcst is imported when a file is parsed, not before)
    import libcst as cst

MAX_FILE_BYTES = 8 * 1024 * 1024  # larger files are reported, not parsed


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    raw: bytes


def decode(raw: bytes, path: str) -> Union[str, FileError]:
    """Decode per PEP 263 (coding cookie / BOM), like the interpreter would."""
    if b"\0" in raw[:8192]:
        return FileError(path, "binary file (contains NUL bytes), not scanned")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        return FileError(path, f"cannot decode: {exc.msg if hasattr(exc, 'msg') else exc}")
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return FileError(path, f"cannot decode as {encoding}: {exc}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def read_bytes(path: str) -> Union[bytes, FileError]:
    try:
        st = os.stat(path)
    except OSError as exc:
        return FileError(path, f"cannot read: {exc.strerror or exc}")
    if st.st_size > MAX_FILE_BYTES:
        return FileError(path, f"file too large ({st.st_size} bytes > {MAX_FILE_BYTES}), not scanned")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        return FileError(path, f"cannot read: {exc.strerror or exc}")


def read_source(path: str) -> Union[SourceFile, FileError]:
    raw = read_bytes(path)
    if isinstance(raw, FileError):
        return raw
    text = decode(raw, path)
    if isinstance(text, FileError):
        return text
    return SourceFile(path, text, raw)


def _skip_validation(self: cst.CSTNode) -> None:
    pass


#: libcst's own ``CSTNode.__post_init__``, taken before the first parse
_VALIDATE: Optional[Callable[[Any], None]] = None


def parse_module(text: str) -> cst.Module:
    """``libcst.parse_module`` without the per-node validation.

    Every libcst node checks its own invariants when it is built (``CSTNode.__post_init__``
    calls ``_validate``), which guards trees built by hand; a tree the parser builds from source
    text is valid by construction (libcst's own comment there says as much).  The checks are
    about an eighth of the parse time, so they are switched off while the parser runs and
    switched back on afterwards: nodes built by hand elsewhere (the autofixes) are still checked.
    """
    global _VALIDATE
    cst = import_libcst()
    if _VALIDATE is None:
        _VALIDATE = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _skip_validation
    try:
        return cst.parse_module(text)
    finally:
        cst.CSTNode.__post_init__ = _VALIDATE


def check_syntax(text: str, path: str) -> Optional[FileError]:
    """A syntax error as Python's own parser words and locates it (None: the text parses).

    About ten times cheaper than a libcst parse: files that are only checked, not analysed
    (a file named on the command line that cannot hold a finding), use it alone.
    """
    try:
        ast.parse(text)
    except SyntaxError as py:
        line, col = py.lineno or 1, (py.offset or 1)
        return FileError(path, f"syntax error at line {line}: {py.msg}", line, col)
    except (RecursionError, MemoryError):
        return FileError(path, TOO_DEEP)
    except ValueError:
        pass
    return None


#: the error of a file nested deeper than Python's own parser goes (a chain of thousands of unary
#: operators, calls or attributes in one expression): CPython cannot compile it either
TOO_DEEP = "too deeply nested: Python's own parser gives up on this file, not analysed"


#: Python's tokenizer refuses deeper nesting of brackets ("too many nested parentheses")
MAX_BRACKET_DEPTH = 200
#: a statement spanning more lines than this (inside brackets, or continued with backslashes),
#: a line longer than this many characters, or a text longer than this, is checked by Python
#: first: only there can a chain of operators nest thousands deep
DEEP_LINES = 2_000
DEEP_LINE_CHARS = 10_000
DEEP_TEXT_CHARS = 2_000_000
_NESTING = re.compile(r"[][(){}\n]")
_BRACKETS = re.compile(r"[][(){}]")
_BRACKET_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _maybe_too_deep(text: str) -> bool:
    """Whether ``text`` may nest deeper than libcst's parser survives (see :func:`parse`).

    Cheap beside either parser (the loops run in C, but for the rare text of over 2,000 lines
    with a bracket still open at a line end).  Brackets in strings and comments count too; an
    over-count only costs the check it triggers."""
    if len(text) > DEEP_TEXT_CHARS or text.count("\\\n") > DEEP_LINES:
        return True
    if max(map(len, text.split("\n"))) > DEEP_LINE_CHARS:
        return True
    steps = list(map(_BRACKET_STEP.__getitem__, _BRACKETS.findall(text)))
    if len(steps) > MAX_BRACKET_DEPTH and max(accumulate(steps)) > MAX_BRACKET_DEPTH:
        return True
    if text.count("\n") <= DEEP_LINES:
        return False
    depth = lines = 0  # the longest run of lines ending inside brackets (one statement)
    for m in _NESTING.finditer(text):
        ch = m.group()
        if ch == "\n":
            lines = lines + 1 if depth > 0 else 0
            if lines > DEEP_LINES:
                return True
        elif ch in "([{":
            depth += 1
        elif depth > 0:
            depth -= 1
    return False


def parse(text: str, path: str) -> Union[cst.Module, FileError]:
    """Parse with libcst; a syntax error is a per-file error with its position.

    libcst's native parser is not guarded against nesting deeper than Python allows: 1,500
    nested brackets, or a chain of 10,000 unary operators across lines, crash it (a segmentation
    fault, which no ``except`` catches) or keep it busy for minutes.  A text that may nest that
    deep (:func:`_maybe_too_deep`) goes through Python's own parser first, which refuses such
    files with a syntax error or :data:`TOO_DEEP`.
    """
    if _maybe_too_deep(text):
        err = check_syntax(text, path)
        if err is not None:
            return err
    try:
        return parse_module(text)
    except import_libcst().ParserSyntaxError as exc:
        # Python's own parser words and locates the error the way users know it
        err = check_syntax(text, path)
        if err is not None:
            return err
        msg = str(exc.message if hasattr(exc, "message") else exc).strip().splitlines()[0]
        return FileError(path, f"syntax error at line {exc.raw_line}: {msg}", exc.raw_line, exc.raw_column + 1)
    except RecursionError:
        return FileError(path, "file too deeply nested to parse")
    except Exception as exc:  # libcst raises a few other errors on exotic input
        return FileError(path, f"cannot parse: {type(exc).__name__}: {exc}")


def parse_source(src: SourceFile) -> Union[cst.Module, FileError]:
    return parse(src.text, src.path)


def maybe_source(path: str) -> Optional[SourceFile]:
    res = read_source(path)
    return res if isinstance(res, SourceFile) else None
