"""Command-line grammars of key-generation tools, loaded from ``knowledge/tools.toml``.

The grammars are data (which option or positional receives the private key, which options make
the output public, which ask for an unencrypted key, which carry a passphrase). This module turns
the TOML rows into frozen values and validates every row: a bad row raises
:class:`ToolGrammarError` naming the file and the row index, so a broken knowledge base fails at
load time instead of silently missing findings. The loaded grammar is cached per path.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Mapping, Optional, Tuple

from keyguard.knowledge.compiled import load_toml, toml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "tools.toml"

STYLES = ("openssl", "go", "gnu", "getopt")
UNKNOWN_OPTION_KINDS = ("flag", "cipher", "ambiguous")
PASSPHRASE_FORMATS = ("source", "literal")
WRAPPER_KINDS = ("prefix", "shell", "remote")


class ToolGrammarError(ValueError):
    """A row of the tool grammar file is malformed (message names the file and the row)."""


@dataclass(frozen=True)
class ToolSpec:
    """One executable (``openssl``) and how it spells its options."""

    name: str
    executables: Tuple[str, ...]
    style: str
    short_aliases: Tuple[Tuple[str, str], ...]
    fix_temp: str
    fix_unencrypted: str
    fix_secret: str

    def alias(self, name: str) -> str:
        """The canonical spelling of an option name (certtool ``-p`` -> ``--generate-privkey``)."""
        for short, long in self.short_aliases:
            if short == name:
                return long
        return name


@dataclass(frozen=True)
class CommandSpec:
    """One sub-command or mode of a tool; see the header of tools.toml for every field."""

    tool: str
    index: int
    words: Tuple[str, ...]
    mode_flags: Tuple[str, ...]
    value_options: FrozenSet[str]
    flag_options: FrozenSet[str]
    unknown_options: str
    key_options: FrozenSet[str]
    key_positionals: Tuple[int, ...]
    requires_any: Tuple[str, ...]
    requires_positionals: int
    no_key_options: Tuple[str, ...]
    stdout_key: bool
    stdout_key_requires: Tuple[str, ...]
    default_output: bool
    unencrypted: Tuple[Tuple[str, ...], ...]
    default_encrypted: bool
    encrypt_options: Tuple[str, ...]
    new_passphrase_options: FrozenSet[str]
    old_passphrase_options: FrozenSet[str]
    passphrase_format: str
    empty_passphrase_unencrypted: bool
    note: str
    # KG601: where the command line states the key's algorithm, size and curve
    size_options: Tuple[str, ...] = ()
    size_positionals: Tuple[int, ...] = ()
    algorithm_options: Tuple[str, ...] = ()
    algorithm_names: Tuple[Tuple[str, str], ...] = ()
    default_algorithm: str = ""
    spec_options: Tuple[str, ...] = ()
    curve_options: Tuple[str, ...] = ()
    setting_options: Tuple[str, ...] = ()
    algorithm_flags: Tuple[Tuple[str, str], ...] = ()
    size_settings: Tuple[str, ...] = ()
    curve_settings: Tuple[str, ...] = ()

    def algorithm(self, spelled: str) -> Optional[str]:
        """The algorithm ("RSA", "DSA", "EC"...) a tool's own name for it means (``-t rsa``, ``--kty RSA``)."""
        return dict(self.algorithm_names).get(spelled.lower())

    @property
    def is_wildcard(self) -> bool:
        return self.words == ("*",)

    @property
    def known_options(self) -> FrozenSet[str]:
        return self.value_options | self.flag_options

    @property
    def writes_key(self) -> bool:
        """Whether this row can write a private key at all (else only passphrases are checked)."""
        return bool(self.key_options or self.key_positionals or self.stdout_key or self.default_output)

    def display(self, tool: ToolSpec) -> str:
        words = [w for w in self.words if w != "*"]
        return " ".join([tool.name] + words)


@dataclass(frozen=True)
class WrapperSpec:
    """A command that runs another command (``sudo``, ``env``, ``timeout 10``, ``sh -c``)."""

    names: Tuple[str, ...]
    kind: str
    value_options: FrozenSet[str]
    assignments: bool
    positionals: int
    script_options: Tuple[str, ...]
    script_after_positionals: bool


@dataclass(frozen=True)
class ToolGrammar:
    """The whole knowledge base of tools.toml."""

    tools: Tuple[ToolSpec, ...]
    commands: Tuple[CommandSpec, ...]
    wrappers: Tuple[WrapperSpec, ...]
    temp_posix: Tuple[str, ...]
    temp_shell: Tuple[str, ...]
    temp_windows: Tuple[str, ...]
    #: programs whose output names a new temporary file or folder (mktemp(1))
    temp_programs: Tuple[str, ...]
    source_argv: Tuple[str, ...]
    source_environment: Tuple[str, ...]
    source_safe: Tuple[str, ...]

    def tool_for(self, executable: str) -> Optional[ToolSpec]:
        """The tool run by an executable basename (already lower-cased, ``.exe`` stripped)."""
        for tool in self.tools:
            if executable in tool.executables:
                return tool
        return None

    def wrapper_for(self, executable: str) -> Optional[WrapperSpec]:
        for wrapper in self.wrappers:
            if executable in wrapper.names:
                return wrapper
        return None

    def commands_of(self, tool: str) -> Tuple[CommandSpec, ...]:
        return tuple(c for c in self.commands if c.tool == tool)


_COMMAND_KEYS = {
    "tool": str, "words": list, "mode_flags": list, "value_options": list, "flag_options": list,
    "unknown_options": str, "key_options": list, "key_positionals": list, "requires_any": list,
    "requires_positionals": int, "no_key_options": list, "stdout_key": bool,
    "stdout_key_requires": list, "default_output": bool, "unencrypted": list, "default_encrypted": bool,
    "encrypt_options": list, "new_passphrase_options": list, "old_passphrase_options": list,
    "passphrase_format": str, "empty_passphrase_unencrypted": bool, "note": str,
    "size_options": list, "size_positionals": list, "algorithm_options": list, "algorithm_names": dict,
    "default_algorithm": str, "spec_options": list, "curve_options": list,
    "setting_options": list, "size_settings": list, "curve_settings": list, "algorithm_flags": dict,
}
_TOOL_KEYS = {
    "name": str, "executables": list, "style": str, "short_aliases": dict,
    "fix_temp": str, "fix_unencrypted": str, "fix_secret": str,
}
_WRAPPER_KEYS = {
    "names": list, "kind": str, "value_options": list, "assignments": bool,
    "positionals": int, "script_options": list, "script_after_positionals": bool,
}


def _check_keys(row: Any, allowed: Mapping[str, type], where: str, required: Tuple[str, ...]) -> None:
    if not isinstance(row, dict):
        raise ToolGrammarError(f"{where}: expected a table, got {type(row).__name__}")
    for key, value in row.items():
        if key not in allowed:
            raise ToolGrammarError(f"{where}: unknown key {key!r}")
        want = allowed[key]
        # bool is a subclass of int: keep them apart so `positionals = true` is rejected.
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise ToolGrammarError(f"{where}: {key!r} must be {want.__name__}, got {value!r}")
        if want is list and key not in ("unencrypted", "key_positionals", "size_positionals"):
            if not all(isinstance(v, str) and v for v in value):
                raise ToolGrammarError(f"{where}: {key!r} must be a list of non-empty strings")
    for key in required:
        if key not in row:
            raise ToolGrammarError(f"{where}: missing required key {key!r}")


def _check_option_names(names: Tuple[str, ...], where: str, key: str) -> None:
    for name in names:
        base = name.split("=", 1)[0]
        if not base.startswith("-") or base in ("-", "--"):
            raise ToolGrammarError(f"{where}: {key!r} entry {name!r} is not an option name")


def _tool(row: Dict[str, Any], where: str) -> ToolSpec:
    _check_keys(row, _TOOL_KEYS, where, ("name", "executables", "style"))
    if row["style"] not in STYLES:
        raise ToolGrammarError(f"{where}: style {row['style']!r} is not one of {STYLES}")
    aliases = row.get("short_aliases", {})
    for short, long in aliases.items():
        if not (isinstance(long, str) and short.startswith("-") and long.startswith("-")):
            raise ToolGrammarError(f"{where}: short_aliases entry {short!r} = {long!r} is not option -> option")
    return ToolSpec(
        name=row["name"],
        executables=tuple(e.lower() for e in row["executables"]),
        style=row["style"],
        short_aliases=tuple(sorted(aliases.items())),
        fix_temp=row.get("fix_temp", "Write the key into a directory only the owner can access."),
        fix_unencrypted=row.get("fix_unencrypted", "Encrypt the key with a passphrase read from a file or fd."),
        fix_secret=row.get("fix_secret", "Read the passphrase from a file or a file descriptor, not argv."),
    )


def _command(row: Dict[str, Any], where: str, index: int, tools: Mapping[str, ToolSpec]) -> CommandSpec:
    _check_keys(row, _COMMAND_KEYS, where, ("tool",))
    tool = tools.get(row["tool"])
    if tool is None:
        raise ToolGrammarError(f"{where}: tool {row['tool']!r} has no [[tool]] row")

    def names(key: str) -> Tuple[str, ...]:
        value = tuple(tool.alias(n) for n in row.get(key, ()))
        _check_option_names(value, where, key)
        return value

    unknown = row.get("unknown_options", "ambiguous")
    if unknown not in UNKNOWN_OPTION_KINDS:
        raise ToolGrammarError(f"{where}: unknown_options {unknown!r} is not one of {UNKNOWN_OPTION_KINDS}")
    fmt = row.get("passphrase_format", "source")
    if fmt not in PASSPHRASE_FORMATS:
        raise ToolGrammarError(f"{where}: passphrase_format {fmt!r} is not one of {PASSPHRASE_FORMATS}")
    positions = row.get("key_positionals", [])
    sizes = row.get("size_positionals", [])
    for key, given in (("key_positionals", positions), ("size_positionals", sizes)):
        if not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in given):
            raise ToolGrammarError(f"{where}: {key} must be non-negative integers")
    algorithms = row.get("algorithm_names", {})
    algorithm_flags = row.get("algorithm_flags", {})
    for key, table in (("algorithm_names", algorithms), ("algorithm_flags", algorithm_flags)):
        if not all(isinstance(v, str) and v for v in table.values()):
            raise ToolGrammarError(f"{where}: {key} must map a tool's spelling to an algorithm name")
    unencrypted = row.get("unencrypted", [])
    if not all(isinstance(alt, list) and alt and all(isinstance(o, str) for o in alt) for alt in unencrypted):
        raise ToolGrammarError(f"{where}: unencrypted must be a list of non-empty lists of option names")
    unencrypted_t = tuple(tuple(tool.alias(o) for o in alt) for alt in unencrypted)
    for alt in unencrypted_t:
        _check_option_names(alt, where, "unencrypted")

    value_options = frozenset(names("value_options"))
    flag_options = frozenset(names("flag_options"))
    both = value_options & flag_options
    if both:
        raise ToolGrammarError(f"{where}: {sorted(both)} listed both as value and as flag options")
    known = value_options | flag_options
    # Every option the classification relies on must have a known arity, or positionals and
    # values would be mis-assigned.
    for key in ("key_options", "requires_any", "no_key_options", "stdout_key_requires",
                "encrypt_options", "new_passphrase_options", "old_passphrase_options", "mode_flags"):
        for name in names(key):
            if name not in known:
                raise ToolGrammarError(
                    f"{where}: {key!r} entry {name!r} is in neither value_options nor flag_options")
    for key in ("key_options", "new_passphrase_options", "old_passphrase_options", "size_options",
                "algorithm_options", "spec_options", "curve_options", "setting_options"):
        for name in names(key):
            if name not in value_options:
                raise ToolGrammarError(f"{where}: {key!r} entry {name!r} must take a value")
    for alt in unencrypted_t:
        for name in alt:
            base = name.split("=", 1)[0]
            if base not in known:
                raise ToolGrammarError(
                    f"{where}: unencrypted entry {name!r} is in neither value_options nor flag_options")
            if ("=" in name) != (base in value_options):
                raise ToolGrammarError(f"{where}: unencrypted entry {name!r}: use opt=VALUE exactly for value options")
    words = tuple(row.get("words", ()))
    if "*" in words and words != ("*",):
        raise ToolGrammarError(f"{where}: '*' must be the only word")
    return CommandSpec(
        tool=tool.name,
        index=index,
        words=words,
        mode_flags=names("mode_flags"),
        value_options=value_options,
        flag_options=flag_options,
        unknown_options=unknown,
        key_options=frozenset(names("key_options")),
        key_positionals=tuple(positions),
        requires_any=names("requires_any"),
        requires_positionals=row.get("requires_positionals", 0),
        no_key_options=names("no_key_options"),
        stdout_key=row.get("stdout_key", False),
        stdout_key_requires=names("stdout_key_requires"),
        default_output=row.get("default_output", False),
        unencrypted=unencrypted_t,
        default_encrypted=row.get("default_encrypted", True),
        encrypt_options=names("encrypt_options"),
        new_passphrase_options=frozenset(names("new_passphrase_options")),
        old_passphrase_options=frozenset(names("old_passphrase_options")),
        passphrase_format=fmt,
        empty_passphrase_unencrypted=row.get("empty_passphrase_unencrypted", False),
        note=row.get("note", ""),
        size_options=names("size_options"),
        size_positionals=tuple(sizes),
        algorithm_options=names("algorithm_options"),
        algorithm_names=tuple(sorted((k.lower(), v) for k, v in algorithms.items())),
        default_algorithm=row.get("default_algorithm", ""),
        spec_options=names("spec_options"),
        curve_options=names("curve_options"),
        setting_options=names("setting_options"),
        algorithm_flags=tuple((tool.alias(k), v) for k, v in sorted(algorithm_flags.items())),
        size_settings=tuple(row.get("size_settings", ())),
        curve_settings=tuple(row.get("curve_settings", ())),
    )


def _wrapper(row: Dict[str, Any], where: str) -> WrapperSpec:
    _check_keys(row, _WRAPPER_KEYS, where, ("names", "kind"))
    if row["kind"] not in WRAPPER_KINDS:
        raise ToolGrammarError(f"{where}: kind {row['kind']!r} is not one of {WRAPPER_KINDS}")
    if row["kind"] == "shell" and not row.get("script_options"):
        raise ToolGrammarError(f"{where}: a shell wrapper needs script_options")
    return WrapperSpec(
        names=tuple(n.lower() for n in row["names"]),
        kind=row["kind"],
        value_options=frozenset(row.get("value_options", ())),
        assignments=row.get("assignments", False),
        positionals=row.get("positionals", 0),
        script_options=tuple(row.get("script_options", ())),
        script_after_positionals=row.get("script_after_positionals", False),
    )


def _string_list(table: Any, key: str, where: str) -> Tuple[str, ...]:
    if not isinstance(table, dict) or not isinstance(table.get(key), list):
        raise ToolGrammarError(f"{where}: missing list {key!r}")
    values = table[key]
    if not all(isinstance(v, str) and v for v in values):
        raise ToolGrammarError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(values)


def parse_grammar(data: Mapping[str, Any], source: str = "<tools.toml>") -> ToolGrammar:
    """Validate a decoded tools.toml document and build the grammar (raises ToolGrammarError)."""
    allowed_top = {"temp_locations", "passphrase_sources", "tool", "command", "wrapper"}
    for key in data:
        if key not in allowed_top:
            raise ToolGrammarError(f"{source}: unknown top-level key {key!r}")
    tools: Dict[str, ToolSpec] = {}
    for i, row in enumerate(data.get("tool", [])):
        spec = _tool(row, f"{source}: tool[{i}]")
        if spec.name in tools:
            raise ToolGrammarError(f"{source}: tool[{i}]: duplicate tool {spec.name!r}")
        tools[spec.name] = spec
    commands = tuple(
        _command(row, f"{source}: command[{i}]", i, tools) for i, row in enumerate(data.get("command", []))
    )
    wrappers = tuple(_wrapper(row, f"{source}: wrapper[{i}]") for i, row in enumerate(data.get("wrapper", [])))
    temp = data.get("temp_locations", {})
    sources = data.get("passphrase_sources", {})
    return ToolGrammar(
        tools=tuple(tools.values()),
        commands=commands,
        wrappers=wrappers,
        temp_posix=_string_list(temp, "posix", f"{source}: temp_locations"),
        temp_shell=_string_list(temp, "shell", f"{source}: temp_locations"),
        temp_windows=tuple(
            v.lower().replace("\\", "/") for v in _string_list(temp, "windows", f"{source}: temp_locations")
        ),
        temp_programs=_string_list(temp, "programs", f"{source}: temp_locations"),
        source_argv=_string_list(sources, "argv", f"{source}: passphrase_sources"),
        source_environment=_string_list(sources, "environment", f"{source}: passphrase_sources"),
        source_safe=_string_list(sources, "safe", f"{source}: passphrase_sources"),
    )


@functools.lru_cache(maxsize=8)
def load_grammar(path: Optional[str] = None) -> ToolGrammar:
    """Load and validate tools.toml (the packaged one by default); cached per path."""
    file = Path(path) if path is not None else DEFAULT_PATH
    try:
        data = load_toml(file)
    except toml().TOMLDecodeError as exc:
        raise ToolGrammarError(f"{file}: {exc}") from exc
    return parse_grammar(data, str(file))
