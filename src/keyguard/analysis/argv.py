"""The command-line model of key-generation tools (KG501, KG502, KG503) and argv secrets (KG402).

The dataflow engine evaluates a ``subprocess``/``os.system``/``os.popen`` call into an argv made of
:class:`Arg` values: known text plus :class:`Hole` placeholders for what it could not resolve,
each hole tagged with what the engine does know (it is a temporary path, it carries key material,
it is a passphrase). This module is pure: no libcst, no I/O besides the cached grammar file.

* :func:`split_shell_commands` / :func:`split_shell` split a shell command string the way POSIX sh
  does (quotes, escapes, ``;``/``&&``/``||``/``|``, redirections, ``$(...)``), keeping holes inside
  their words.
* :func:`classify_command` finds the key-generation tool in an argv (through ``sudo``, ``env
  VAR=x``, ``timeout 10``, ``sh -c '...'`` and friends), parses it with the grammar from
  ``knowledge/tools.toml`` and reports:

  - KG501: the private key is written to a temporary location (``/tmp``, ``/var/tmp``,
    ``/dev/shm``, ``$TMPDIR``, ``%TEMP%``, or a path the engine knows comes from ``tempfile``);
  - KG502: an unencrypted key is requested (``--no-password --insecure``, ``-nodes``/``-noenc``,
    ``-N ''``, ``-passout pass:``) or, for tools that write plaintext keys by default
    (``genrsa``, ``genpkey``, ``ecparam -genkey``, ``certtool``), written to a file without any
    encryption option;
  - KG503: a passphrase is on the command line (``-passout pass:...``, ``ssh-keygen -N secret``,
    ``certtool --password x``) where a file or an fd should carry it.

* :func:`classify_shell` / :func:`analyze_shell` do the same for a shell command string
  (``os.system``, ``os.popen``, ``shell=True``), every simple command of it included.
* :func:`command_secret_args` lists argv elements carrying key material or a passphrase, for the
  engine's generic KG402, minus those already reported as KG503.
* :func:`analyze_command` returns all of it at once (:class:`ArgvReport`), plus facts the engine
  can use (:class:`CommandInfo`: the key is printed to stdout, so the call's output is key
  material; ``env:VAR`` names a variable that will hold a passphrase).

Wrappers looked through (data in tools.toml): ``sudo``, ``doas``, ``env``, ``exec``, ``nohup``,
``nice``, ``ionice``, ``stdbuf``, ``timeout``, ``runuser``, ``time``, ``setsid``, ``busybox``,
``sh/bash/... -c``, ``su -c`` and ``ssh host 'command'`` (the remote /tmp is just as exposed).

Decisions (documented in the report and the tests):

* ``env:VAR`` passphrase sources keep the secret off argv: no KG503. The environment is KG402
  territory, which the engine reports where the variable is set (``os.environ``, ``env=``). When
  the variable is set on the same command line (``PW=secret openssl ... -passout env:PW`` or
  ``env PW=secret openssl ...``) the literal *is* on argv (of ``sh -c`` or ``env``): KG503 on the
  assignment.
* ``ssh-keygen -N ''`` (empty new passphrase) is KG502, not KG503; ``-N <anything else>``, a
  variable included, is KG503. ``-P ''`` (empty *old* passphrase) is nothing.
* ``-passout pass:`` with an empty passphrase is KG502 (empty passphrase), not KG503.
* An unknown tail (``*extra``) never creates findings: KG501/KG502 are reported only when the
  known part proves a private key is written (no ``-pubout``/``-nokeys``/``-y`` could still follow),
  the implicit KG502 is dropped (a cipher option could follow), KG503 stays (the exposure happened).
* Option arities come from the grammar; an option missing from it is tried both as a flag and as
  an option with a value, and only findings common to every reading are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from keyguard.analysis.shell import (
    RESERVED_WORDS,
    Arg,
    Hole,
    Piece,
    basename,
    is_temp_path,
    split_shell,
    split_shell_commands,
    to_args,
)
from keyguard.analysis.tool_grammar import CommandSpec, ToolGrammar, ToolSpec, WrapperSpec, load_grammar

__all__ = [
    "Hole",
    "Arg",
    "Piece",
    "ToolIssue",
    "CommandInfo",
    "ArgvReport",
    "to_args",
    "split_shell",
    "split_shell_commands",
    "classify_command",
    "classify_shell",
    "command_secret_args",
    "analyze_command",
    "analyze_shell",
]


# --------------------------------------------------------------------------------------------
# Findings


@dataclass(frozen=True)
class ToolIssue:
    """A KG5xx finding on one argv element.

    ``arg`` is the offending element (the temp path, the ``pass:...`` value, the ``-nodes``
    flag); ``index`` is the position of the top-level argv element it comes from (for a shell
    string, the string's position), so the engine can map it back to a node when ``arg.ref`` is
    None.
    """

    code: str
    arg: Arg
    tool: str
    message: str
    fix: str
    index: Optional[int] = None
    #: KG601 candidates: (algorithm, bits, curve) the command line asks for; the rule judges them
    params: Optional[Tuple[str, Optional[int], Optional[str]]] = None


@dataclass(frozen=True)
class CommandInfo:
    """What the model learned about one tool invocation (useful to the engine beyond findings).

    ``key_outputs``: files that receive the private key (proven or not); ``key_to_stdout``: the
    private key is printed, so the engine should label the call's captured output as key
    material; ``passphrase_env``: variables named by ``env:VAR`` sources, which the engine should
    treat as passphrase sinks (KG402 where they are set).
    """

    tool: str
    command: str
    key_outputs: Tuple[Arg, ...]
    key_to_stdout: bool
    passphrase_env: Tuple[str, ...]


@dataclass(frozen=True)
class ArgvReport:
    """Everything :func:`analyze_command` found in one argv."""

    issues: Tuple[ToolIssue, ...]
    secret_args: Tuple[Arg, ...]
    commands: Tuple[CommandInfo, ...]
    #: ``chmod MODE FILE`` commands (argv, shell string, behind sudo/env): (mode text, file)
    chmods: Tuple[Tuple[str, Arg], ...] = ()
    #: what the command lines ask of the new key (KG601 candidates with ``params`` set, strong or
    #: weak: the rule judges them against parameters.toml's limits)
    key_params: Tuple[ToolIssue, ...] = ()
    #: ``cp SRC DEST`` / ``mv`` / ``install SRC DEST`` commands: (program, source, destination)
    copies: Tuple[Tuple[str, Arg, Arg], ...] = ()


# --------------------------------------------------------------------------------------------
# Unwrapping sudo/env/timeout/sh -c


Loc = Tuple[int, int]  # (index in the top-level argv, index inside a split shell string or -1)


@dataclass(frozen=True)
class _Tok:
    loc: Loc
    arg: Arg


@dataclass
class _Cmd:
    tokens: List[_Tok]
    assignments: List[_Tok]
    redirects: List[_Tok]
    unknown_tail: bool
    cwd: Optional[Arg] = None  # working directory, when known (subprocess cwd=, `cd DIR &&`)


_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _skip_wrapper_options(tokens: List[_Tok], wrapper: WrapperSpec, assignments: List[_Tok]) -> int:
    i = 1
    while i < len(tokens):
        arg = tokens[i].arg
        text = arg.prefix
        if text == "--":
            return i + 1
        if wrapper.assignments and _ASSIGNMENT.match(text):
            assignments.append(tokens[i])
            i += 1
            continue
        if text.startswith("-") and len(text) > 1 and not arg.starts_with_hole:
            name = text.split("=", 1)[0]
            if arg.text in wrapper.value_options:
                i += 2
            elif name in wrapper.value_options or any(
                len(v) == 2 and not text.startswith("--") and text.startswith(v) for v in wrapper.value_options
            ):
                i += 1  # --user=x or -uroot: the value is glued
            else:
                i += 1
            continue
        break
    return i


def _shell_script(tokens: List[_Tok], wrapper: WrapperSpec) -> Optional[_Tok]:
    """The inline script of ``sh -c 'script'`` (``bash -lc``, ``bash -o pipefail -c``, ``su u -c``)."""
    i = 1
    while i < len(tokens):
        text = tokens[i].arg.text
        i += 1
        if text is None:
            continue
        if text == "--":
            return None
        if text in wrapper.value_options:
            i += 1
            continue
        is_cluster = text.startswith("-") and not text.startswith("--") and "c" in text[1:] and text.isascii()
        if text in wrapper.script_options or ("-c" in wrapper.script_options and is_cluster):
            return tokens[i] if i < len(tokens) else None
        if not text.startswith(("-", "+")) and not wrapper.script_after_positionals:
            return None  # `sh script.sh ...`: no inline script
    return None


def _unwrap(tokens: List[_Tok], grammar: ToolGrammar, unknown_tail: bool, seen: List[_Tok],
            depth: int = 0, cwd: Optional[Arg] = None) -> List[_Cmd]:
    """Strip wrappers and assignments; return the commands that run (several for sh -c 'a; b').

    Every token looked at, the words of split shell scripts included, is appended to ``seen``.
    """
    seen.extend(tokens)
    redirects = [t for t in tokens if t.arg.redirect]
    tokens = [t for t in tokens if not t.arg.redirect]
    assignments: List[_Tok] = []
    while tokens:
        head = tokens[0].arg
        if _ASSIGNMENT.match(head.prefix) or head.text in RESERVED_WORDS:
            if _ASSIGNMENT.match(head.prefix):
                assignments.append(tokens[0])
            tokens = tokens[1:]
            continue
        name = basename(head)
        if name is None:
            return []
        wrapper = grammar.wrapper_for(name)
        if wrapper is None:
            return [_Cmd(tokens, assignments, redirects, unknown_tail, cwd)]
        if wrapper.kind == "shell":
            script = _shell_script(tokens, wrapper)
            if script is None or depth >= 5:
                return []
            out: List[_Cmd] = []
            shell_vars: Dict[str, Arg] = {}
            for sub in _script_commands(script):
                sub = _expand_vars(sub, shell_vars)
                cwd = _after_cd(sub, cwd, grammar)
                for cmd in _unwrap(sub, grammar, False, seen, depth + 1, cwd):
                    cmd.assignments[:0] = assignments
                    cmd.redirects[:0] = redirects  # `sh -c '...' > out`: the inner ones win
                    out.append(cmd)
            return out
        i = _skip_wrapper_options(tokens, wrapper, assignments)
        i += wrapper.positionals
        tokens = tokens[i:]
        if wrapper.kind == "remote":
            # ssh host 'cmd' / ssh host cmd args: the remote shell splits the joined words. Each
            # element is split on its own so every word keeps the position of its element.
            if depth >= 5:
                return []
            out = []
            cwd = None  # the remote side starts in the remote home directory
            for words in _remote_commands(tokens):
                cwd = _after_cd(words, cwd, grammar)
                for cmd in _unwrap(words, grammar, unknown_tail, seen, depth + 1, cwd):
                    cmd.redirects[:0] = redirects  # `ssh h 'openssl genrsa' > local-file`
                    out.append(cmd)
            return out
    return []


def _script_commands(script: _Tok) -> List[List[_Tok]]:
    """The simple commands of a shell script element, each word located inside the element."""
    return [[_Tok((script.loc[0], k), w) for k, w in words]
            for words in _numbered(split_shell_commands(script.arg.pieces, script.arg.ref))]


_VAR_AT_START = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})")


def _expand_vars(words: List[_Tok], shell_vars: Dict[str, Arg]) -> List[_Tok]:
    """Shell variables a script sets for its later commands (an approximation: no subshells).

    A command made of assignments only records them (``KEY=$(mktemp -u)``); a later word that
    starts with ``$KEY`` / ``${KEY}`` then starts with the assigned value (``ssh-keygen -f "$KEY"``
    writes into the temporary name ``$(mktemp -u)`` made)."""
    plain = [w for w in words if not w.arg.redirect]
    if plain and plain[0].arg.text in ("export", "local", "readonly", "declare"):
        plain = plain[1:]  # export KEY=$(mktemp)
    if plain and all(_ASSIGNMENT.match(w.arg.prefix) for w in plain):
        for w in plain:
            m = _ASSIGNMENT.match(w.arg.prefix)
            if m is not None:
                shell_vars[m.group(0)[:-1]] = w.arg.drop(m.end())
        return words
    if not shell_vars:
        return words
    out: List[_Tok] = []
    for w in words:
        first = w.arg.pieces[0] if w.arg.pieces else None
        m = _VAR_AT_START.match(first) if isinstance(first, str) else None
        value = shell_vars.get(m.group(1) or m.group(2)) if m is not None else None
        if m is not None and value is not None:
            rest = (first[m.end():],) if first[m.end():] else ()  # type: ignore[index]
            w = _Tok(w.loc, Arg(tuple(value.pieces) + rest + tuple(w.arg.pieces[1:]), w.arg.ref, w.arg.redirect))
        out.append(w)
    return out


def _absolute(arg: Arg) -> bool:
    """The path does not depend on the working directory (or may not: a leading hole)."""
    text = arg.prefix
    if arg.starts_with_hole or not text:
        return True
    return text.startswith(("/", "~", "$", "%", "\\")) or (len(text) > 1 and text[1] == ":")


def _after_cd(words: List[_Tok], cwd: Optional[Arg], grammar: ToolGrammar) -> Optional[Arg]:
    """The working directory after a `cd DIR` command (an approximation: subshells are ignored)."""
    if not words or words[0].arg.text not in ("cd", "pushd"):
        return cwd
    target = [w.arg for w in words[1:] if not w.arg.redirect and not (w.arg.text or "x").startswith("-")]
    if not target:
        return None  # `cd` alone: the home directory
    if _absolute(target[0]):
        return target[0]
    return cwd if cwd is not None and is_temp_path(cwd, grammar) else target[0]


def _in_temp(arg: Arg, cwd: Optional[Arg], grammar: ToolGrammar) -> bool:
    if is_temp_path(arg, grammar):
        return True
    return cwd is not None and is_temp_path(cwd, grammar) and not _absolute(arg)


def _where(arg: Arg, cwd: Optional[Arg], grammar: ToolGrammar) -> str:
    if is_temp_path(arg, grammar) or cwd is None:
        return arg.display()
    return f"{arg.display()} in the working directory {cwd.display()}"


def _remote_commands(tokens: List[_Tok]) -> List[List[_Tok]]:
    commands: List[List[_Tok]] = []
    current: List[_Tok] = []
    for tok in tokens:
        split = _numbered(split_shell_commands(tok.arg.pieces, tok.arg.ref))
        for n, words in enumerate(split):
            if n:
                commands.append(current)
                current = []
            current.extend(_Tok((tok.loc[0], k), w) for k, w in words)
    if current:
        commands.append(current)
    return commands


def _numbered(commands: List[List[Arg]]) -> List[List[Tuple[int, Arg]]]:
    """Number the words of split commands consecutively (a stable location inside the string)."""
    out = []
    k = 0
    for words in commands:
        numbered = []
        for word in words:
            numbered.append((k, word))
            k += 1
        out.append(numbered)
    return out


# --------------------------------------------------------------------------------------------
# Option parsing


@dataclass(frozen=True)
class _Opt:
    name: str  # canonical spelling as in the grammar ("-out", "--no-password", "-f")
    loc: Loc
    value: Optional[_Tok]


@dataclass
class _Parse:
    opts: List[_Opt] = field(default_factory=list)
    positionals: List[_Tok] = field(default_factory=list)
    closed: bool = False  # no more options can follow (a positional in stop-at-positional styles, "--")
    unknown_flags: List[str] = field(default_factory=list)
    opaque: bool = False  # an option whose name is not known text ("-{opt}")


_MAX_CHOICES = 3
_FALSE = ("false", "0", "f")


class _Parser:
    """Parses one tool invocation with one reading of the ambiguous options (``choices``)."""

    def __init__(self, tool: ToolSpec, values: frozenset, flags: frozenset, unknown: str,
                 tokens: List[_Tok], choices: Tuple[bool, ...], scan: bool = False) -> None:
        self.tool = tool
        # scan: the grammar does not know this sub-command; look for the listed options anywhere
        # (unknown options are flags, positionals do not end the options).
        self.scan = scan
        self.values = values
        self.flags = flags
        self.unknown = unknown
        self.tokens = tokens
        self.choices = choices
        self.points = 0  # ambiguous points met
        self.result = _Parse()
        self.long_names = {n for n in values | flags if n.startswith("--")}
        bare: Dict[str, str] = {}
        for name in values | flags:
            bare.setdefault(name.lstrip("-"), name)
        self.bare = bare

    def canonical(self, spelled: str) -> Optional[str]:
        """The grammar's name for an option as spelled (style-aware), or None if unknown."""
        style = self.tool.style
        if style in ("openssl", "go"):
            return self.bare.get(spelled[2:] if spelled.startswith("--") else spelled[1:])
        name = self.tool.alias(spelled)
        if name in self.values or name in self.flags:
            return name
        if style == "gnu" and name.startswith("--"):
            matches = [n for n in self.long_names if n.startswith(name)]
            if len(matches) == 1:
                return matches[0]
        return None

    def looks_like_option(self, i: int) -> bool:
        if i >= len(self.tokens):
            return True
        text = self.tokens[i].arg.prefix
        if not text.startswith("-") or self.tokens[i].arg.starts_with_hole:
            return False
        return self.canonical(text.split("=", 1)[0]) is not None

    def unknown_option(self, name: str, i: int, inline: bool) -> int:
        """Record an option missing from the grammar; return how many tokens it consumed."""
        res = self.result
        if self.scan or self.unknown in ("flag", "cipher") or inline or self.looks_like_option(i + 1):
            res.unknown_flags.append(name)
            return 1
        takes_value = self.choices[self.points] if self.points < len(self.choices) else False
        self.points += 1
        if takes_value:
            res.opts.append(_Opt(name, self.tokens[i].loc, self.tokens[i + 1]))
            return 2
        res.unknown_flags.append(name)
        return 1

    def add(self, name: str, i: int, inline: Optional[Arg]) -> int:
        """Record a known option at token ``i``; return the tokens consumed."""
        tok = self.tokens[i]
        if name in self.values:
            if inline is not None:
                self.result.opts.append(_Opt(name, tok.loc, _Tok(tok.loc, inline)))
                return 1
            value = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
            self.result.opts.append(_Opt(name, tok.loc, value))
            return 2
        if inline is not None and self.tool.style == "go" and (inline.text or "").lower() in _FALSE:
            return 1  # --insecure=false
        self.result.opts.append(_Opt(name, tok.loc, None))
        return 1

    def cluster(self, i: int) -> int:
        """A short-option cluster (getopt/gnu): ``-qf path``, ``-N''``, ``-f/tmp/k``."""
        arg = self.tokens[i].arg
        text = arg.prefix
        j = 1
        while j < len(text):
            name = self.canonical("-" + text[j])
            if name is None:
                self.result.unknown_flags.append("-" + text[j])
                j += 1
                continue
            if name in self.values:
                rest = arg.drop(j + 1)
                if rest.pieces:
                    return self.add(name, i, rest)
                return self.add(name, i, None)
            self.result.opts.append(_Opt(name, self.tokens[i].loc, None))
            j += 1
        if len(text) < len("".join(p for p in arg.pieces if isinstance(p, str))) or arg.holes:
            self.result.opaque = True  # "-q{x}": unknown letters follow
        return 1

    def run(self) -> _Parse:
        style = self.tool.style
        res = self.result
        i = 0
        while i < len(self.tokens):
            arg = self.tokens[i].arg
            text = arg.prefix
            if res.closed or not text.startswith("-") or text == "-" or arg.starts_with_hole:
                res.positionals.append(self.tokens[i])
                if style in ("openssl", "getopt") and not self.scan:
                    res.closed = True
                i += 1
                continue
            if arg.text == "--":
                res.closed = True
                i += 1
                continue
            if style in ("getopt", "gnu") and not text.startswith("--"):
                i += self.cluster(i)
                continue
            head = text.split("=", 1)[0]
            if "=" not in text and arg.holes:
                res.opaque = True  # "-{name}" or "--out{x}": the option name is not known
                i += self.unknown_option(arg.display(), i, inline=False)
                continue
            inline = arg.drop(len(head) + 1) if "=" in text else None
            name = self.canonical(head)
            if name is None:
                i += self.unknown_option(head, i, inline=inline is not None)
                continue
            i += self.add(name, i, inline)
        return res


def _parse_all(tool: ToolSpec, values: frozenset, flags: frozenset, unknown: str,
               tokens: List[_Tok], scan: bool = False) -> List[_Parse]:
    """Every reading of the ambiguous options (up to 2**_MAX_CHOICES)."""
    results: List[_Parse] = []
    pending: List[Tuple[bool, ...]] = [()]
    while pending:
        choices = pending.pop()
        parser = _Parser(tool, values, flags, unknown, tokens, choices, scan)
        results.append(parser.run())
        for j in range(len(choices), min(parser.points, _MAX_CHOICES)):
            pending.append(choices + (False,) * (j - len(choices)) + (True,))
    return results


# --------------------------------------------------------------------------------------------
# Classification


_STDOUT_REDIRECTS = {">", ">>", ">|", "1>", "1>>", "1>|", "&>", "&>>"}
_STDOUT_PATHS = {"-", "/dev/stdout", "/dev/stderr", "/dev/tty", "/proc/self/fd/1", "/dev/fd/1"}
_PEM_PRIVATE = "PRIVATE KEY-----"


def _stdout_redirect(arg: Arg) -> bool:
    """``> f``, ``>> f``, ``1> f``, ``&> f``, and ``>& f`` / ``1>& f`` with a file (not ``>&2``)."""
    if arg.redirect in _STDOUT_REDIRECTS:
        return True
    if arg.redirect in (">&", "1>&"):
        text = arg.text
        return text is None or not (text.isdigit() or text == "-")
    return False


@dataclass(frozen=True)
class _Found:
    code: str
    loc: Loc
    arg: Arg
    message: str
    fix: str
    params: Optional[Tuple[str, Optional[int], Optional[str]]] = None


def _has(parse: _Parse, name: str) -> bool:
    if "=" in name:
        base, want = name.split("=", 1)
        for opt in parse.opts:
            if opt.name == base and opt.value is not None:
                if (opt.value.arg.text or "").lower() == want.lower():
                    return True
        return False
    return any(opt.name == name for opt in parse.opts)


def _last_values(parse: _Parse, names: Iterable[str]) -> List[Tuple[str, _Tok]]:
    """The value of each named option that is present; the last occurrence wins (as in the tools)."""
    wanted = set(names)
    last: Dict[str, _Tok] = {}
    for opt in parse.opts:
        if opt.name in wanted and opt.value is not None:
            last[opt.name] = opt.value
    return sorted(last.items(), key=lambda item: item[1].loc)


_SHELL_REFERENCE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})")


def _mask(arg: Arg, keep: int) -> str:
    """Display a passphrase element without its secret text (keep the source prefix).

    Literal text becomes ``***``; holes show their hint and a bare shell variable reference
    (``$PASSPHRASE``, expanded by the shell into the tool's argv) is shown as written.
    """
    head = arg.prefix[:keep]
    rest = arg.drop(keep)
    shown = []
    for piece in rest.pieces:
        if isinstance(piece, Hole):
            shown.append(piece.display())
        elif _SHELL_REFERENCE.fullmatch(piece):
            shown.append(piece)
        else:
            shown.append("***")
    return head + "".join(shown)


def _starts_with_source(arg: Arg, sources: Tuple[str, ...]) -> Optional[str]:
    prefix = arg.prefix
    for source in sources:
        if source.endswith(":"):
            if prefix.startswith(source):
                return source
        elif arg.text == source:  # "stdin"
            return source
    return None


def _could_become_source(arg: Arg, grammar: ToolGrammar) -> bool:
    """The known prefix is too short to tell the source (``"pa" + {x}``, ``{x}``)."""
    if not arg.holes:
        return False
    prefix = arg.prefix
    sources = grammar.source_argv + grammar.source_environment + grammar.source_safe
    return any(s.startswith(prefix) for s in sources)


def _secret_hole(arg: Arg) -> bool:
    return any(h.passphrase or h.key for h in arg.holes)


class _Classifier:
    """Applies the grammar row to one reading of one command."""

    def __init__(self, grammar: ToolGrammar, tool: ToolSpec, row: CommandSpec, cmd: _Cmd,
                 display: str) -> None:
        self.grammar = grammar
        self.tool = tool
        self.row = row
        self.cmd = cmd
        self.display = display
        self.env_vars: List[str] = []
        self.key_outputs: List[_Tok] = []
        self.key_to_stdout = False

    def run(self, parse: _Parse) -> List[_Found]:
        row, tool = self.row, self.tool
        found: List[_Found] = []
        can_extend = (self.cmd.unknown_tail and not parse.closed) or parse.opaque
        produces = row.writes_key
        if row.requires_any and not any(_has(parse, n) for n in row.requires_any):
            produces = False
        if len(parse.positionals) < row.requires_positionals:
            produces = False
        if any(_has(parse, n) for n in row.no_key_options):
            produces = False
        # Proven: nothing unseen (an unknown tail, an opaque option) could make the output public.
        proven = produces and not (can_extend and (row.no_key_options or row.requires_positionals))

        outputs = [(name, tok) for name, tok in _last_values(parse, row.key_options)]
        for index in row.key_positionals:
            if index < len(parse.positionals):
                outputs.append(("", parse.positionals[index]))
        files = [(n, t) for n, t in outputs if t.arg.text not in _STDOUT_PATHS]
        to_stdout = produces and (len(files) < len(outputs) or (
            row.stdout_key and not outputs
            and (not row.stdout_key_requires or any(_has(parse, n) for n in row.stdout_key_requires))))
        redirect = None
        if to_stdout:
            targets = [t for t in self.cmd.redirects if _stdout_redirect(t.arg)]
            redirect = targets[-1] if targets else None
        if not files and not to_stdout and not row.default_output:
            produces = proven = False  # e.g. req -x509 -key old.pem: no new key is written anywhere
        if produces:
            self.key_outputs = [t for _, t in files] + ([redirect] if redirect else [])
            self.key_to_stdout = to_stdout and redirect is None

        if proven:
            cwd = self.cmd.cwd
            for name, tok in files:
                if _in_temp(tok.arg, cwd, self.grammar):
                    where = f"`{self.display} {name}`" if name else f"`{self.display}`"
                    path = _where(tok.arg, cwd, self.grammar)
                    found.append(_Found("KG501", tok.loc, tok.arg,
                                        f"{where} writes the private key to {path}, a temporary location",
                                        tool.fix_temp))
            if redirect is not None and _in_temp(redirect.arg, cwd, self.grammar):
                found.append(_Found("KG501", redirect.loc, redirect.arg,
                                    f"`{self.display}` prints the private key and the shell redirects it to "
                                    f"{_where(redirect.arg, cwd, self.grammar)}, a temporary location", tool.fix_temp))
            found.extend(self.unencrypted(parse, files, redirect))
        if produces:
            found.extend(self.key_params(parse))
        found.extend(self.passphrases(parse))
        return found

    def key_params(self, parse: _Parse) -> List[_Found]:
        """KG601 candidates: the size (``genrsa ... 1024``, ``-b 1024``, ``-newkey rsa:1024``) or curve
        (``-name secp192r1``) the command line asks for, with the algorithm it applies to."""
        row = self.row
        algorithm: Optional[str] = row.default_algorithm or None
        flags = dict(row.algorithm_flags)
        for opt in parse.opts:  # certtool --dsa / --ecc
            algorithm = flags.get(opt.name, algorithm)
        for _, tok in _last_values(parse, row.algorithm_options):
            text = tok.arg.text
            algorithm = row.algorithm(text) if isinstance(text, str) else None
        sizes = [tok for _, tok in _last_values(parse, row.size_options)]
        sizes += [parse.positionals[i] for i in row.size_positionals if i < len(parse.positionals)]
        found: List[_Found] = []
        for tok in sizes:
            text = tok.arg.text
            if algorithm and isinstance(text, str) and text.isdigit():
                found.append(self._params(tok, algorithm, int(text), None))
        for _, tok in _last_values(parse, row.spec_options):  # -newkey rsa:1024
            text = tok.arg.text
            if isinstance(text, str) and ":" in text:
                name, _, bits = text.partition(":")
                spec_algorithm = row.algorithm(name)
                if spec_algorithm and bits.isdigit():
                    found.append(self._params(tok, spec_algorithm, int(bits), None))
        for _, tok in _last_values(parse, row.curve_options):
            text = tok.arg.text
            if isinstance(text, str) and text:
                found.append(self._params(tok, "EC", None, text))
        for opt in parse.opts:  # genpkey -pkeyopt rsa_keygen_bits:1024 / ec_paramgen_curve:P-192
            text = opt.value.arg.text if opt.name in row.setting_options and opt.value is not None else None
            if not isinstance(text, str) or ":" not in text:
                continue
            name, _, value = text.partition(":")
            if name in row.size_settings and algorithm and value.isdigit():
                found.append(self._params(opt.value, algorithm, int(value), None))
            elif name in row.curve_settings and value:
                found.append(self._params(opt.value, "EC", None, value))
        return found

    def _params(self, tok: _Tok, algorithm: str, bits: Optional[int], curve: Optional[str]) -> _Found:
        return _Found("KG601", tok.loc, tok.arg, f"`{self.display}` makes a weak key", "", (algorithm, bits, curve))

    def unencrypted(self, parse: _Parse, files: List[Tuple[str, _Tok]], redirect: Optional[_Tok]) -> List[_Found]:
        row, tool = self.row, self.tool
        for alternative in row.unencrypted:
            if all(_has(parse, n) for n in alternative):
                first = alternative[0].split("=", 1)[0]
                loc, arg = next((o.loc, self._token_at(o.loc)) for o in parse.opts if o.name == first)
                return [_Found("KG502", loc, arg,
                               f"`{self.display}` is asked for an unencrypted private key ({' '.join(alternative)})",
                               tool.fix_unencrypted)]
        if row.empty_passphrase_unencrypted:
            for name, tok in _last_values(parse, row.new_passphrase_options):
                if self._empty_passphrase(tok.arg):
                    return [_Found("KG502", tok.loc, tok.arg,
                                   f"`{self.display} {name}` sets an empty passphrase, so the private key is "
                                   "written unencrypted", tool.fix_unencrypted)]
        if row.default_encrypted or self.cmd.unknown_tail or parse.opaque:
            return []
        if any(_has(parse, n) for n in row.encrypt_options):
            return []
        if row.unknown_options == "cipher" and parse.unknown_flags:
            return []  # -aes256 and friends encrypt the key
        if row.passphrase_format == "literal" and any(
                not self._empty_passphrase(t.arg) for _, t in _last_values(parse, row.new_passphrase_options)):
            return []
        targets = [t for _, t in files] + ([redirect] if redirect is not None else [])
        if not targets:
            return []  # printed to a pipe: the engine follows the key in memory
        tok = targets[0]
        return [_Found("KG502", tok.loc, tok.arg,
                       f"`{self.display}` writes the private key to {tok.arg.display()} unencrypted "
                       "(no encryption option given)", tool.fix_unencrypted)]

    def _token_at(self, loc: Loc) -> Arg:
        for tok in self.cmd.tokens:
            if tok.loc == loc:
                return tok.arg
        raise LookupError(loc)  # pragma: no cover - every option comes from a token

    def _empty_passphrase(self, arg: Arg) -> bool:
        if self.row.passphrase_format == "literal":
            return arg.text == ""
        source = _starts_with_source(arg, self.grammar.source_argv)
        return source is not None and arg.text == source

    def passphrases(self, parse: _Parse) -> List[_Found]:
        row, tool = self.row, self.tool
        found: List[_Found] = []
        names = row.new_passphrase_options | row.old_passphrase_options
        for opt in parse.opts:
            if opt.name not in names or opt.value is None:
                continue
            tok = opt.value
            arg = tok.arg
            if row.passphrase_format == "literal":
                if arg.text == "":
                    continue  # an empty passphrase is not a secret (KG502 covers the new one)
                found.append(_Found("KG503", tok.loc, arg,
                                    f"`{self.display} {opt.name}` puts the passphrase on the command line "
                                    f"({_mask(arg, 0)}), readable by other local users through ps and "
                                    "/proc/<pid>/cmdline", tool.fix_secret))
                continue
            source = _starts_with_source(arg, self.grammar.source_argv)
            if source is not None:
                if arg.text == source:
                    continue  # "pass:" (empty): KG502 when it protects a new key
                found.append(_Found("KG503", tok.loc, arg,
                                    f"`{self.display} {opt.name}` puts the passphrase on the command line "
                                    f"({_mask(arg, len(source))}), readable by other local users through ps "
                                    "and /proc/<pid>/cmdline", tool.fix_secret))
                continue
            env = _starts_with_source(arg, self.grammar.source_environment)
            if env is not None:
                var = arg.drop(len(env)).text
                if var:
                    self.env_vars.append(var)
                    found.extend(self.env_assignment(var, opt.name))
                continue
            if _starts_with_source(arg, self.grammar.source_safe) is not None:
                continue
            if _could_become_source(arg, self.grammar) and not _secret_hole(arg):
                continue  # "{x}" may well be "file:..."; the engine did not say it is a secret
            found.append(_Found("KG503", tok.loc, arg,
                                f"`{self.display} {opt.name}` puts a passphrase on the command line "
                                f"({_mask(arg, 0)}) instead of a file: or fd: source", tool.fix_secret))
        return found

    def env_assignment(self, var: str, option: str) -> List[_Found]:
        """``PW=secret openssl ... -passout env:PW``: the secret is on argv after all."""
        found = []
        for tok in self.cmd.assignments:
            prefix = var + "="
            if tok.arg.prefix.startswith(prefix):
                value = tok.arg.drop(len(prefix))
                if not value.pieces or value.prefix.startswith("$"):
                    continue  # empty, or expanded by the shell from its own environment
                found.append(_Found("KG503", tok.loc, tok.arg,
                                    f"the passphrase for `{self.display} {option} env:{var}` is set on the command "
                                    f"line ({var}={_mask(value, 0)})", self.tool.fix_secret))
        return found


def _select_row(
    grammar: ToolGrammar, tool: ToolSpec, rest: List[_Tok]
) -> Optional[Tuple[CommandSpec, List[_Tok], str]]:
    rows = grammar.commands_of(tool.name)
    worded = [r for r in rows if r.words and not r.is_wildcard]
    if worded:
        best = None
        for row in worded:
            n = len(row.words)
            if len(rest) >= n and all(rest[k].arg.text == w for k, w in enumerate(row.words)):
                if best is None or n > len(best.words):
                    best = row
        if best is not None:
            return best, rest[len(best.words):], best.display(tool)
        wildcard = next((r for r in rows if r.is_wildcard), None)
        if wildcard is None:
            return None
        k = 0
        while k < len(rest) and not rest[k].arg.prefix.startswith("-"):
            k += 1  # the unknown sub-command words
        words = [t.arg.display(20) for t in rest[:min(k, 2)]]
        return wildcard, rest[k:], " ".join([tool.name] + words)
    moded = [r for r in rows if r.mode_flags]
    fallback = next((r for r in rows if not r.mode_flags and not r.words), None)
    if moded:
        values = frozenset().union(*(r.value_options for r in rows))
        flags = frozenset().union(*(r.flag_options for r in rows)) - values
        present = {o.name for p in _parse_all(tool, values, flags, "flag", rest, scan=True) for o in p.opts}
        for row in moded:
            if present.intersection(row.mode_flags):
                return row, rest, tool.name
    if fallback is None:
        return None
    return fallback, rest, tool.name


@dataclass
class _CommandResult:
    found: List[_Found]
    info: CommandInfo


def _classify(cmd: _Cmd, grammar: ToolGrammar) -> Optional[_CommandResult]:
    name = basename(cmd.tokens[0].arg)
    tool = grammar.tool_for(name or "")
    if tool is None:
        return None
    selected = _select_row(grammar, tool, cmd.tokens[1:])
    if selected is None:
        return None
    row, args, display = selected
    scan = row.is_wildcard or not row.writes_key
    readings = _parse_all(tool, row.value_options, row.flag_options, row.unknown_options, args, scan)
    common: Optional[Dict[Tuple[str, Loc], _Found]] = None
    first: Optional[_Classifier] = None
    for parse in readings:
        classifier = _Classifier(grammar, tool, row, cmd, display)
        found = {(f.code, f.loc): f for f in classifier.run(parse)}
        if first is None:
            first = classifier
            common = found
        else:
            common = {k: v for k, v in (common or {}).items() if k in found}
    assert first is not None
    info = CommandInfo(tool=tool.name, command=display, key_outputs=tuple(t.arg for t in first.key_outputs),
                       key_to_stdout=first.key_to_stdout, passphrase_env=tuple(first.env_vars))
    return _CommandResult(sorted((common or {}).values(), key=lambda f: (f.loc, f.code)), info)


def _is_secret(arg: Arg) -> bool:
    if _secret_hole(arg):
        return True
    return any(isinstance(p, str) and _PEM_PRIVATE in p for p in arg.pieces)


#: programs copying their first file operand to their last: cp SRC DEST, mv SRC DEST, install SRC DEST
_COPY_PROGRAMS = ("cp", "mv", "install")


def _file_copy(cmd: "_Cmd") -> Optional[Tuple[str, Arg, Arg]]:
    """``cp [-p] SRC DEST`` (one source, options before it): (program, SRC, DEST); else None."""
    toks = [t.arg for t in cmd.tokens]
    if not toks or basename(toks[0]) not in _COPY_PROGRAMS:
        return None
    operands: List[Arg] = []
    skip = False
    for a in toks[1:]:
        if skip:
            skip = False
            continue
        text = a.text
        if isinstance(text, str) and text.startswith("-"):
            skip = text in ("-m", "--mode", "-o", "--owner", "-g", "--group", "-t", "-S")
            if text in ("-t", "--target-directory", "-d", "--directory"):
                return None  # (cp -t DIR SRC..., install -d DIR: not SRC DEST)
            continue
        operands.append(a)
    if len(operands) != 2:
        return None
    return basename(toks[0]) or "", operands[0], operands[1]


def _install_mode(cmd: "_Cmd") -> Optional[Tuple[str, Arg]]:
    """``install -m 0644 SRC DEST`` (``--mode=0644`` too): the mode it gives its last operand, as a
    chmod would; None for other commands or when the mode is not known."""
    toks = [t.arg for t in cmd.tokens]
    if len(toks) < 4 or basename(toks[0]) != "install":
        return None
    mode: Optional[str] = None
    for i, a in enumerate(toks[1:-1], 1):
        text = a.text
        if text in ("-m", "--mode") and isinstance(toks[i + 1].text, str):
            mode = toks[i + 1].text
        elif isinstance(text, str) and text.startswith("--mode="):
            mode = text[len("--mode="):]
    if mode is None or toks[-1].text in ("-m", "--mode") or toks[-2].text in ("-m", "--mode"):
        return None
    return mode, toks[-1]


def _report(cmds: List[_Cmd], seen: List[_Tok], top: List[_Tok], grammar: ToolGrammar) -> ArgvReport:
    issues: List[ToolIssue] = []
    infos: List[CommandInfo] = []
    reported: Set[Loc] = set()
    chmods: List[Tuple[str, Arg]] = []
    copies: List[Tuple[str, Arg, Arg]] = []
    params: List[ToolIssue] = []
    for cmd in cmds:
        if len(cmd.tokens) == 3 and basename(cmd.tokens[0].arg) == "chmod" \
                and isinstance(cmd.tokens[1].arg.text, str):
            chmods.append((cmd.tokens[1].arg.text, cmd.tokens[2].arg))
        installed = _install_mode(cmd)
        if installed is not None:
            chmods.append(installed)
        copied = _file_copy(cmd)
        if copied is not None:
            copies.append(copied)
        result = _classify(cmd, grammar)
        if result is None:
            continue
        infos.append(result.info)
        for f in result.found:
            issue = ToolIssue(f.code, f.arg, result.info.tool, f.message, f.fix, f.loc[0], f.params)
            (params if f.params is not None else issues).append(issue)
            if f.code == "KG503":
                reported.add(f.loc)
    # KG402 candidates: every element with key material or a passphrase (the words of a shell
    # string one by one), except those KG503 already reports.
    split = {t.loc[0] for t in seen if t.loc[1] != -1}
    done: Set[Loc] = set()
    secrets: List[Arg] = []
    for tok in seen + top:
        if tok.loc in done:
            continue
        done.add(tok.loc)
        if tok.loc[1] == -1 and tok.loc[0] in split:
            continue  # a shell string: its words were examined one by one
        if tok.loc in reported or not _is_secret(tok.arg):
            continue
        secrets.append(tok.arg)
    return ArgvReport(tuple(issues), tuple(secrets), tuple(infos), tuple(chmods), tuple(params), tuple(copies))


def analyze_command(argv: Sequence[Arg], unknown_tail: bool = False, cwd: Optional[Arg] = None,
                    grammar: Optional[ToolGrammar] = None) -> ArgvReport:
    """Classify an argv: KG5xx issues, secret elements for KG402, and per-command facts.

    ``argv`` is the list the engine reconstructed (``subprocess.run([...])``). Wrappers are
    looked through (``sudo``, ``env A=b``, ``timeout 10``, ``nice``, ``sh -c 'script'``...).
    ``unknown_tail`` says more elements follow that the engine could not resolve
    (``[..., *extra]``): nothing is concluded from their absence. ``cwd`` is the working
    directory when known (``subprocess.run(..., cwd=tempfile.gettempdir())``): a relative key
    path in a temporary working directory is KG501 too. ``grammar`` defaults to the packaged
    ``knowledge/tools.toml``.
    """
    grammar = grammar or load_grammar()
    top = [_Tok((i, -1), a) for i, a in enumerate(argv)]
    seen: List[_Tok] = []
    cmds = _unwrap(top, grammar, unknown_tail, seen, cwd=cwd)
    return _report(cmds, seen, top, grammar)


def analyze_shell(pieces: Union[str, Sequence[Piece]], ref: object = None, cwd: Optional[Arg] = None,
                  grammar: Optional[ToolGrammar] = None) -> ArgvReport:
    """Classify a shell command string (``os.system``, ``os.popen``, ``shell=True``).

    Same as running it through ``/bin/sh -c``: the string is split (see
    :func:`split_shell_commands`) and every simple command in it is classified. Issue indexes
    are 0 (the string itself); every Arg carries ``ref``. ``cd DIR`` inside the string moves the
    working directory for the commands after it (``cd /tmp && openssl genrsa -out k.pem``).
    """
    grammar = grammar or load_grammar()
    script = Arg(tuple(_flat_pieces(pieces)), ref)
    top = [_Tok((0, -1), script)]
    seen: List[_Tok] = list(top)
    cmds: List[_Cmd] = []
    shell_vars: Dict[str, Arg] = {}
    for words in _script_commands(top[0]):
        words = _expand_vars(words, shell_vars)
        cwd = _after_cd(words, cwd, grammar)
        cmds.extend(_unwrap(words, grammar, False, seen, 1, cwd))
    return _report(cmds, seen, top, grammar)


def _flat_pieces(pieces: Union[str, Sequence[Piece]]) -> Sequence[Piece]:
    return (pieces,) if isinstance(pieces, str) else pieces


def classify_command(argv: Sequence[Arg], unknown_tail: bool = False, cwd: Optional[Arg] = None,
                     grammar: Optional[ToolGrammar] = None) -> List[ToolIssue]:
    """KG501/KG502/KG503 issues of one argv (see :func:`analyze_command`).

    KG502 is a strict (default-off) code: it is returned regardless; the registry/config decides
    whether it is reported.
    """
    return list(analyze_command(argv, unknown_tail, cwd, grammar).issues)


def classify_shell(pieces: Union[str, Sequence[Piece]], ref: object = None, cwd: Optional[Arg] = None,
                   grammar: Optional[ToolGrammar] = None) -> List[ToolIssue]:
    """KG501/KG502/KG503 issues of a shell command string (see :func:`analyze_shell`)."""
    return list(analyze_shell(pieces, ref, cwd, grammar).issues)


def command_secret_args(argv: Sequence[Arg], unknown_tail: bool = False,
                        grammar: Optional[ToolGrammar] = None) -> List[Arg]:
    """Elements of ``argv`` that carry key material or a passphrase (for the engine's KG402).

    An element counts when it holds a :class:`Hole` with ``key`` or ``passphrase`` set, or a
    literal ``-----BEGIN ... PRIVATE KEY-----``. For a shell string (``sh -c``, ``os.system``)
    the words of the script are examined and the word is returned (its ``ref`` is the string's
    node).

    Deduplication with KG503: elements that :func:`classify_command` reports as KG503 for the
    same argv are left out here, so the engine may report KG402 for everything this returns
    without checking KG503 itself. Both derive from the same :func:`analyze_command` call; an
    engine that needs both should call it once and use ``.issues`` and ``.secret_args``.
    Passphrases referenced as ``env:VAR`` are not argv secrets; see ``CommandInfo.passphrase_env``.
    """
    return list(analyze_command(argv, unknown_tail, grammar=grammar).secret_args)
