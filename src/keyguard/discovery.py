"""Finding the files to scan, and the cheap byte prefilter that decides which need analysis.

Folders are walked honouring ``.gitignore`` files (via pathspec's ``GitIgnoreSpec``: git's own rules) and the
configured ``exclude``/``extend-exclude`` globs; files named explicitly are always scanned.
Symlinked folders are followed once (a loop is detected by real path and reported).
"""

from __future__ import annotations

import ast
import bisect
import fnmatch
import functools
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:  # imported when a folder has a .gitignore (pre-commit passes files: not needed)
    import pathspec

from keyguard.model import FileError


@dataclass
class Discovered:
    python: List[str] = field(default_factory=list)
    other: List[str] = field(default_factory=list)  # candidates for the semgrep rules
    errors: List[FileError] = field(default_factory=list)
    explicit: set = field(default_factory=set)


class _Excludes:
    """The exclude globs compiled once into one regular expression (a scan tests every folder
    entry: 17,000 entries and 16 globs cost 540,000 ``fnmatch`` calls, about 2 s)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        pats = [p.rstrip("/") for p in patterns]
        glob = "|".join(f"(?:{fnmatch.translate(p)})" for p in pats)
        # fnmatch.fnmatch compares normcase'd strings: case-insensitively where paths are (Windows)
        self.rx = re.compile(glob, re.I if os.path.normcase("A") == "a" else 0) if pats else None
        #: plain globs (no ``*``) also exclude everything under them
        self.prefixes = tuple(p.rstrip("*") + "/" for p in pats if "*" not in p)

    def match(self, rel: str, name: str) -> bool:
        """Whether a folder entry matches a glob: by its name, by its path relative to the scanned
        folder, or (a glob without ``*``) as a folder prefix of that path."""
        if self.rx is None:
            return False
        if self.rx.match(name) or self.rx.match(rel):
            return True
        return rel.startswith(self.prefixes)


def _gitignore_spec(d: str) -> Optional[pathspec.PathSpec]:
    p = os.path.join(d, ".gitignore")
    try:
        with open(p, "r", encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)  # (git's rules; "gitwildmatch" is deprecated)
    except Exception:
        return None


def discover(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    is_other_target=None,
    root: Optional[str] = None,
) -> Discovered:
    out = Discovered()
    for p in paths:
        if os.path.isdir(p):
            _walk(p, out, exclude, respect_gitignore, is_other_target, root)
        elif os.path.exists(p) or os.path.islink(p):
            out.explicit.add(p)
            if p.endswith((".py", ".pyi", ".pyw")):
                out.python.append(p)
            elif is_other_target is not None and is_other_target(p):
                out.other.append(p)
            elif not os.path.isfile(p):
                out.errors.append(FileError(p, "not a regular file"))
            else:
                out.python.append(p)  # explicit files are always scanned as Python
        else:
            out.errors.append(FileError(p, "no such file or directory"))
    return out


def _walk(top: str, out: Discovered, exclude: Sequence[str], respect_gitignore: bool, is_other_target, root: Optional[str]) -> None:
    #: (device, inode) of every folder walked: a symlink back up the tree is a loop (one stat per
    #: folder; os.path.realpath lstat-ed every component of every folder's path)
    seen_real: Set[Tuple[int, int]] = set()
    excludes = _Excludes(exclude)
    # stack of (dir, its path relative to top ("" for top), [(base_dir, spec), ...])
    stack: List[Tuple[str, str, Tuple[Tuple[str, pathspec.PathSpec], ...]]] = [(top, "", ())]
    while stack:
        d, d_rel, specs = stack.pop()
        try:
            st = os.stat(d)
            real: Tuple[int, int] = (st.st_dev, st.st_ino)
        except OSError:
            real = (-1, len(seen_real))  # (unreadable: listing it reports the error)
        if real in seen_real:
            out.errors.append(FileError(d, "symlink loop (folder already visited), skipped"))
            continue
        seen_real.add(real)
        if respect_gitignore:
            spec = _gitignore_spec(d)
            if spec is not None:
                specs = specs + ((d, spec),)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            out.errors.append(FileError(d, f"cannot list folder: {exc.strerror or exc}"))
            continue
        subdirs = []
        for e in entries:
            path = e.path
            rel = d_rel + e.name
            if excludes.match(rel, e.name):
                continue
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if _ignored(path, is_dir, specs):
                continue
            if is_dir:
                if e.name == ".git":
                    continue
                subdirs.append((path, rel + "/", specs))
                continue
            try:
                is_file = e.is_file()
            except OSError:
                is_file = False
            if not is_file:
                if e.is_symlink():
                    out.errors.append(FileError(path, "broken symlink, skipped"))
                continue
            if e.name.endswith((".py", ".pyi", ".pyw")):
                out.python.append(path)
            elif is_other_target is not None and is_other_target(path):
                out.other.append(path)
        stack.extend(reversed(subdirs))


def _ignored(path: str, is_dir: bool, specs: Iterable[Tuple[str, pathspec.PathSpec]]) -> bool:
    for base, spec in specs:
        prefix = base + os.sep
        if path.startswith(prefix):  # base is a folder above path: no need for relpath's work
            rel = path[len(prefix):].replace(os.sep, "/")
        else:
            rel = os.path.relpath(path, base).replace(os.sep, "/")
        if is_dir:
            rel += "/"
        if spec.match_file(rel):
            return True
    return False


# ------------------------------------------------------------------------------ prefilter


#: words that are often just text: a file matching only these is confirmed with ``ast`` first
_WEAK_WORDS = frozenset({
    b"mktemp", b"getpass",
    b"private_key", b"privkey", b"priv_key", b"private_pem", b"key_pem", b"pem_key", b"signing_key",
    b"passphrase", b"ssh_key", b"keypair", b"key_pair",
})


@functools.lru_cache(maxsize=1)
def _weak_tool_words() -> FrozenSet[bytes]:
    """The words naming a key-generation tool (every executable of tools.toml, and `step` as a
    command spells it): weak words, confirmed by a string constant naming the tool beside a
    launcher (gpg is mentioned by far more modules than run it).  wg's genkey/genpsk, which
    print a key, stay strong."""
    from keyguard.knowledge.schema import KEY_PRINTING_WORDS, _tool_words

    return _tool_words() - frozenset(KEY_PRINTING_WORDS)


@functools.lru_cache(maxsize=1)
def _tools() -> Tuple[str, ...]:
    """The executables of tools.toml, as a string constant spells them (``"gpg"``, ``"openssl genrsa"``)."""
    from keyguard.knowledge.schema import tool_executables

    return tuple(sorted(tool_executables()))


def _weak(word: bytes) -> bool:
    return word in _WEAK_WORDS or word in _weak_tool_words()
_LAUNCHERS = frozenset({
    "run", "call", "check_call", "check_output", "Popen", "system", "popen", "getoutput", "getstatusoutput",
    "create_subprocess_exec", "create_subprocess_shell", "spawn", "execv", "execve", "execvp", "execvpe", "execl",
    "execlp", "spawnv", "spawnvp", "spawnl", "spawnlp", "posix_spawn", "posix_spawnp", "Command",
})
_NAME_HINT = re.compile(r"private_?key|priv_?key|privkey|signing_?key|key_?pem|pem_?key|private_?pem|passphrase|"
                        r"pass_phrase|key_?pass|ssh_?key|key_?pair|(?:^|_)pem(?:_|$)", re.I)

#: names of functions that make or hand out a key (``generate_keypair``, ``new_signing_key``): a
#: variable named as the private part bound from such a call is one (the engine's guess,
#: ModuleInterp._named_result_guess)
KEYGEN_CALL_RE = re.compile(r"key_?pair|keygen|gen(?:erate)?_\w*key|(?:create|make|new)_\w*key|private_?key|signing_?key", re.I)

#: a variable named as a key passphrase (the engine's assignment heuristic, engine.PASS_NAME_RE)
_PASS_HINT = re.compile(r"passphrase|pass_phrase|key_?pass|pem_?pass", re.I)


#: the bytes ``\w`` matches in a bytes pattern
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _word_starts(raw: bytes, w: bytes) -> Iterator[int]:
    """Where ``w`` (alphanumeric) stands as a whole word, as ``re.finditer(rb"\b" + w + rb"\b")``
    finds it, by ``find``: about six times faster where ``w`` is mostly part of longer words
    (``EC`` in ``SECRET``, ``EXEC``)."""
    n = len(w)
    i = raw.find(w)
    while i != -1:
        if (i == 0 or raw[i - 1] not in _WORD_BYTES) and (i + n == len(raw) or raw[i + n] not in _WORD_BYTES):
            yield i
        i = raw.find(w, i + 1)


def _has_word(raw: bytes, w: bytes) -> bool:
    return next(_word_starts(raw, w), None) is not None


_BARE_MKTEMP = re.compile(rb"(?<![.\w])mktemp\b")
_STAR_IMPORT = re.compile(rb"\bimport[ \t]+\*")


def _may_be_tempfile_mktemp(raw: bytes) -> bool:
    """Can a ``mktemp`` in these bytes be ``tempfile.mktemp``?  Only through an import: of
    ``tempfile`` (the word is in the text), of a name ``mktemp`` (a bare ``mktemp`` word, not an
    attribute), or a star import.  ``self.mktemp()`` (Twisted trial) and
    ``tmp_path_factory.mktemp()`` (pytest) alone cannot; :meth:`Prefilter.confirm` applies the
    same test to the parsed names."""
    return b"tempfile" in raw or _BARE_MKTEMP.search(raw) is not None or _STAR_IMPORT.search(raw) is not None


def module_name_for(path: str) -> str:
    """Best-effort dotted module name of a file path (for cross-module resolution)."""
    p = path.replace("\\", "/")
    if p.endswith(".py"):
        p = p[:-3]
    if p.endswith("/__init__"):
        p = p[: -len("/__init__")]
    return p.strip("/").replace("/", ".")


def _named_keygen_result(node: ast.Assign) -> bool:
    """``private_pem, public_pem = generate_keypair()`` / ``key = await new_signing_key()``: a
    name of the private part bound from a call whose name says it makes a key."""
    call = node.value.value if isinstance(node.value, ast.Await) else node.value
    if not isinstance(call, ast.Call):
        return False
    f = call.func
    fname = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    if not fname or not KEYGEN_CALL_RE.search(fname):
        return False
    for target in node.targets:
        for t in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else (target,)):
            if isinstance(t, ast.Name) and _NAME_HINT.search(t.id) and "public" not in t.id.lower():
                return True
    return False


#: a variable named as the private key itself, not a signing or secret key (often symmetric): the
#: engine's guess for one bound from random bytes (ModuleInterp._named_result_guess) uses it too
PRIVATE_VAR_RE = re.compile(r"(?:^|_)priv(?:ate)?_?key", re.I)


def _named_random_key(node: ast.Assign, random_names: FrozenSet[str]) -> bool:
    """``private_key = hexlify(os.urandom(32)).decode()``: a name of the private key bound from
    cryptographically secure random bytes (a call of one of ``random_names`` inside the value)."""
    if not random_names or not any(isinstance(t, ast.Name) and PRIVATE_VAR_RE.search(t.id)
                                   and "public" not in t.id.lower() for t in node.targets):
        return False
    for sub in ast.walk(node.value):
        if isinstance(sub, ast.Call):
            f = sub.func
            if (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")) in random_names:
                return True
    return False


def _containment(words: Tuple[bytes, ...]) -> Tuple[Tuple[bytes, ...], Dict[bytes, Tuple[bytes, ...]]]:
    """The words no other word is part of, and for each of them the other words it is part of
    (in ``words``' order).  Found with one substring search per word over all the words joined
    by newlines (no word holds one), instead of a test of every pair: a few hundred words
    are checked in a millisecond at every start."""
    blob = b"\n".join(words)
    starts = []
    at = 0
    for w in words:
        starts.append(at)
        at += len(w) + 1
    contains: Dict[int, Set[int]] = {}  # word index -> indices of the words it is part of
    for i, w in enumerate(words):
        if not w:
            continue
        found = blob.find(w)
        while found >= 0:
            j = bisect.bisect_right(starts, found) - 1
            if j != i:
                contains.setdefault(i, set()).add(j)
            found = blob.find(w, found + 1)
    has_part = set().union(*contains.values()) if contains else set()
    minimal = tuple(w for i, w in enumerate(words) if i not in has_part)
    longer = {words[i]: tuple(words[j] for j in sorted(contains.get(i, ()))) for i in range(len(words))
              if i not in has_part}
    return minimal, longer


class Prefilter:
    """A sound byte-level filter: a file that contains none of the words cannot hold a finding.

    The words are derived from the knowledge base (every key source, every rule trigger), so
    adding a source adds its trigger automatically.  Substring search (memchr-based ``in``) is far
    faster than one big regex alternation; short all-alphanumeric words (``RSA``, ``EC``) must also
    stand as whole words.
    """

    def __init__(self, words: Sequence[bytes], pairs: Sequence[Tuple[Sequence[bytes], Sequence[bytes]]] = (),
                 random_names: FrozenSet[str] = frozenset()) -> None:
        #: the names of calls giving cryptographically secure random bytes (see :meth:`confirm`)
        self.random_names = random_names
        uniq = sorted(set(words))
        self.plain = tuple(w for w in uniq if not (len(w) <= 5 and w.isalnum()))
        self.short = tuple(w for w in uniq if len(w) <= 5 and w.isalnum())
        #: (any of these, together with any of those): e.g. a key-construction API beside `random`
        self.pairs = tuple((tuple(a), tuple(b)) for a, b in pairs)
        #: the pairs' short words, which count as whole words only
        self._whole = frozenset(w for a, b in self.pairs for w in (*a, *b) if len(w) <= 5 and w.isalnum())
        #: a pair's first words as the name of a call (``derive(``, not ``derived``): what
        #: :meth:`confirm` looks for among the calls
        self._called = tuple(re.compile(rb"\b(?:" + b"|".join(re.escape(w) for w in a) + rb")\s*\(")
                             for a, _b in self.pairs)
        #: the plain words no other plain word is part of: a file without any of them has no
        #: plain word at all (``private_key`` stands for ``load_pem_private_key``), and the longer
        #: words are looked for only where their part is (a weak part of a strong word)
        self._minimal, self._longer = _containment(self.plain)

    def _any(self, words: Sequence[bytes], raw: bytes) -> bool:
        for w in words:
            if w in raw and (w not in self._whole or _has_word(raw, w)):
                return True
        return False

    def __call__(self, raw: bytes) -> bool:
        return self.verdict(raw) is not None

    def verdict(self, raw: bytes) -> Optional[str]:
        """None (cannot hold a finding), "strong", or "weak" when only words that are often just
        text matched (``mktemp``, a key-construction API beside ``random``): those files are
        confirmed with Python's own parser before the expensive libcst parse."""
        weak = False
        for w in self._minimal:
            if w in raw:
                if not _weak(w):
                    return "strong"
                for longer in self._longer[w]:
                    if not _weak(longer) and longer in raw:
                        return "strong"
                if w != b"mktemp" or _may_be_tempfile_mktemp(raw):
                    weak = True
        for w in self.short:
            if _has_word(raw, w):
                if not _weak(w):
                    return "strong"
                weak = True  # gpg, wg: confirmed by a command line
        if weak:
            return "weak"
        for (a, b), called in zip(self.pairs, self._called):
            if self._any(a, raw) and self._any(b, raw) and called.search(raw):
                return "weak"
        return None

    def confirm(self, text: str) -> bool:
        """For a "weak" verdict: a real ``mktemp`` name, or a key-construction call beside a weak
        generator, in the code itself (not in comments or strings). Sound: parse failures keep the file."""
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return True
        names: set = set()
        calls: set = set()
        tool_strings = False
        hinted = False
        literals: set = set()  # the first two words of string constants naming a tool
        #: ``mktemp`` reaches ``tempfile.mktemp`` only through an import: a module that imports
        #: ``tempfile`` (or anything with a star), or a name ``mktemp`` imported from anywhere (a
        #: compat module's re-export).  Twisted trial's ``self.mktemp()`` is a test-case method.
        temp_import = False
        for node in _nodes(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
                if isinstance(node.ctx, ast.Store) and _PASS_HINT.search(node.id):
                    hinted = True  # passphrase = args.passphrase: the engine takes it for one
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
                if _NAME_HINT.search(node.attr):
                    hinted = True  # bundle.key_pem: a field of a record another module fills with a key
            elif isinstance(node, ast.alias):
                names.add(node.name.rsplit(".", 1)[-1])
                names.update(node.name.split("."))
                if node.name in ("mktemp", "*") or node.name.split(".", 1)[0] == "tempfile":
                    temp_import = True
            elif isinstance(node, ast.ImportFrom):
                if (node.module or "").split(".", 1)[0] == "tempfile":
                    temp_import = True
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 2000:
                if any(t in node.value for t in _tools()):
                    tool_strings = True
                    words = node.value.split(None, 2)
                    if words:
                        literals.add(words[0].rsplit("/", 1)[-1])
                        literals.update(words[1:2])
            elif isinstance(node, ast.Assign) and (_named_keygen_result(node)
                                                   or _named_random_key(node, self.random_names)):
                # private_pem, public_pem = generate_keypair() / private_key = os.urandom(32).hex():
                # the engine's guess applies
                hinted = True
            elif isinstance(node, ast.arg) and _NAME_HINT.search(node.arg):
                hinted = True  # the engine's parameter-name heuristics apply
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _NAME_HINT.search(node.name):
                hinted = True
            if isinstance(node, ast.Call):
                f = node.func
                calls.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
        if hinted or (temp_import and "mktemp" in names) or "getpass" in calls:
            return True
        if tool_strings and calls & _LAUNCHERS:
            return True
        if tool_strings and _keygen_command_words(literals, _string_words(tree)):
            return True  # an argv builder: whoever imports it runs the command
        for a, b in self.pairs:
            if any(w.decode() in calls for w in a) and any(w.decode() in names for w in b):
                return True
        return False

    def positions(self, raw: bytes) -> List[int]:
        """Offsets of every trigger occurrence (for mapping triggers to top-level definitions)."""
        out: List[int] = []
        for w in self.plain:
            i = raw.find(w)
            while i != -1:
                out.append(i)
                i = raw.find(w, i + 1)
        for w in self.short:
            out.extend(_word_starts(raw, w))
        out.sort()
        return out


def _string_words(tree: ast.AST) -> set:
    """Short string constants of a module (argv elements such as ``"genrsa"``)."""
    return {n.value for n in _nodes(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and 0 < len(n.value) < 40}


@functools.lru_cache(maxsize=1)
def _keygen_grammar() -> Tuple[Dict[str, str], Dict[str, frozenset]]:
    """Executable name -> tool, and tool -> the first words of its key-writing sub-commands
    (an empty set: the tool writes keys without a sub-command, like ``ssh-keygen``)."""
    from keyguard.analysis.tool_grammar import load_grammar

    grammar = load_grammar()
    tool_of: Dict[str, str] = {}
    first_words: Dict[str, frozenset] = {}
    for tool in grammar.tools:
        for e in tool.executables:
            tool_of[e] = tool.name
        rows = [r for r in grammar.commands_of(tool.name) if r.writes_key]
        if any(not r.words for r in rows):
            first_words[tool.name] = frozenset()
        else:
            first_words[tool.name] = frozenset(r.words[0] for r in rows if r.words and not r.is_wildcard)
    return tool_of, first_words


def _keygen_command_words(literals: set, words: set) -> bool:
    """A string constant names a key-generation tool (``"openssl"``, ``"ssh-keygen -t ..."``) and,
    for tools with sub-commands, a key-writing sub-command is spelled in the module too: the
    module builds that tool's command lines (an argv builder another module runs)."""
    tool_of, first_words = _keygen_grammar()
    for lit in literals:
        tool = tool_of.get(lit)
        if tool is None:
            continue
        needed = first_words.get(tool, frozenset())
        if not needed or needed & (literals | words):
            return True
    return False


#: leaves that carry no names: expression contexts and operators
_NAMELESS = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def _nodes(tree: ast.AST) -> List[ast.AST]:
    """Every node of ``tree`` except contexts and operators, in no particular order: an explicit
    stack over ``_fields`` (``ast.walk`` runs a generator per node; this is about twice as fast)."""
    out: List[ast.AST] = []
    stack = [tree]
    node_type = ast.AST
    while stack:
        node = stack.pop()
        out.append(node)
        for name in node._fields:
            v = getattr(node, name, None)
            if v.__class__ is list:
                stack.extend(x for x in v if isinstance(x, node_type) and not isinstance(x, _NAMELESS))
            elif isinstance(v, node_type) and not isinstance(v, _NAMELESS):
                stack.append(v)
    return out


def prefilter_for(kb) -> Prefilter:
    """The prefilter of a knowledge base."""
    return Prefilter(kb.trigger_words, ((kb.construct_words, kb.weak_random_words),), kb.random_bytes_names)


_FROM_IMPORT = re.compile(rb"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]*(\([^)]*\)|(?:[^\n\\]|\\\r?\n|\\.)*)", re.M)
_PLAIN_IMPORT = re.compile(rb"^[ \t]*import[ \t]+((?:[^\n#;\\]|\\\r?\n|\\.)+)", re.M)
_WORD = re.compile(rb"[A-Za-z_]\w*")


def imported_words(raw: bytes) -> frozenset:
    """Module words a file imports: the last part of ``from a.b import``'s module, every name it
    imports (``from pkg import keys`` names the module ``keys``) and the last part of every
    ``import a.b.c`` name.  Generous on purpose: a word too many only costs a look at the file."""
    if b"import" not in raw:
        return frozenset()
    out = set()
    for m in _FROM_IMPORT.finditer(raw):
        module = m.group(1).rstrip(b".").rsplit(b".", 1)[-1]
        if module:
            out.add(module.decode("ascii", "replace"))
        for w in _WORD.findall(m.group(2)):
            if w != b"as":
                out.add(w.decode("ascii", "replace"))
    for m in _PLAIN_IMPORT.finditer(raw):
        for part in m.group(1).replace(b"\\\r\n", b" ").replace(b"\\\n", b" ").split(b","):
            name = part.strip().split()
            if name:
                last = name[0].rsplit(b".", 1)[-1]
                if _WORD.fullmatch(last):
                    out.add(last.decode("ascii", "replace"))
    return frozenset(out)


_TOP_DEF = re.compile(rb"^(?:async[ \t]+def|def|class)[ \t]+(\w+)", re.M)


def _local_callers(raw: bytes, marks: List["re.Match"], starts: List[int], seeds: Set[str]) -> Set[str]:
    """The top-level definitions that use one of ``seeds``, transitively: a public ``issue()``
    built on a module-private ``_keypair()`` helper that calls the key source hands out key
    material too.  Text only (never parsed): one search of the module per level of the call
    chain, for all the names found at the level before."""
    todo = sorted(seeds)
    seen = set(todo)
    for _level in range(8):
        if not todo:
            break
        words = rb"|".join(re.escape(n.encode()) for n in todo)
        todo = []
        for ref in re.finditer(rb"(?<![\w.])(?:" + words + rb")\b", raw):
            i = bisect.bisect_right(starts, ref.start()) - 1
            if i < 0:
                continue
            user = marks[i].group(1).decode()
            if user not in seen:
                seen.add(user)
                todo.append(user)
    return seen


class KeyNames:
    """Which module-level functions and classes of a file mention a key source (or a temporary
    location or a non-cryptographic generator: values that make a finding when they meet key
    material elsewhere).

    Calling anything else in another module cannot create such values, so those modules are not
    parsed for a cross-module flow unless the call hands them secrets, temporary paths or a
    key-generation command line.  ``"*"`` asks about the
    module as a whole (``from m import *``).
    """

    def __init__(self, sources: "Prefilter", raw_of: Optional[Dict[str, bytes]] = None,
                 key_sources: Optional["Prefilter"] = None) -> None:
        self.sources = sources
        self.raw_of = raw_of if raw_of is not None else {}
        #: the words whose definitions' callers count too (a key made in a private helper); by
        #: default every source word.  Temporary locations and umask words spread no further:
        #: paramiko's SFTPClient mentions the umask in a docstring, and its callers hand out no key
        self.key_sources = key_sources
        self._cache: Dict[str, frozenset] = {}

    def names(self, path: str) -> frozenset:
        found = self._cache.get(path)
        if found is not None:
            return found
        raw = self.raw_of.get(path)
        if raw is None:
            try:
                with open(path, "rb") as fh:
                    raw = fh.read()
            except OSError:
                raw = b""
        out = set()
        marks = list(_TOP_DEF.finditer(raw))
        starts = [m.start() for m in marks]
        #: definitions with a source inside their indented body (or on their def line), not only
        #: in the comments or code at column 0 that follow them: the callers of those are worth too
        seeds = set()
        seed_at = None if self.key_sources is None else set(self.key_sources.positions(raw))
        for pos in self.sources.positions(raw):
            i = bisect.bisect_right(starts, pos) - 1
            line = raw.rfind(b"\n", 0, pos) + 1
            if i >= 0:
                name = marks[i].group(1).decode()
                out.add(name)
                if (line == starts[i] or raw[line:line + 1] in (b" ", b"\t")) and (seed_at is None or pos in seed_at):
                    seeds.add(name)
            elif not raw[line:pos].lstrip().startswith((b"import ", b"from ")):
                out.add("<module>")  # (an import line names a source; only code using it counts)
        if seeds and "<module>" not in out:
            out |= _local_callers(raw, marks, starts, seeds)
        result = frozenset(out)
        self._cache[path] = result
        return result

    def __call__(self, path: str, symbol: str) -> bool:
        names = self.names(path)
        if symbol == "*":
            return bool(names)
        return symbol.split(".")[0] in names or "<module>" in names


def source_filter_for(kb) -> "Prefilter":
    """A prefilter of the words of key sources, temporary locations and weak generators (no rule
    triggers, no parameter names): what makes a call into another module worth following."""
    return Prefilter(kb.source_words)


def key_names_for(kb, raw_of: Optional[Dict[str, bytes]] = None) -> "KeyNames":
    """The :class:`KeyNames` of a knowledge base: every source word marks its definition, key
    sources also the definitions that call it."""
    return KeyNames(source_filter_for(kb), raw_of, Prefilter(kb.key_source_words))
