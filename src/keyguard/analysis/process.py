"""Process launches: from abstract argument values to the argv model (KG402, KG5xx).

The engine hands over the evaluated arguments of ``subprocess.*``, ``os.system``,
``os.exec*``/``os.spawn*``, ``asyncio.create_subprocess_*`` and ``pty.spawn``; this
module rebuilds the argv as :class:`~keyguard.analysis.shell.Arg` values (known text
plus holes tagged with what the engine knows: temporary path, key material,
passphrase) and runs the tool grammars over it.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from keyguard import labels as L
from keyguard.analysis.argv import ArgvReport, analyze_command, analyze_shell
from keyguard.analysis.shell import Arg, Hole
from keyguard.analysis.values import UNKNOWN, Value, deep_taints, list_alternatives

_SHELL_FUNCS = ("system", "popen", "getoutput", "getstatusoutput", "create_subprocess_shell")


def _hole(v: Value) -> Hole:
    labels = {lbl for lbl, _ in deep_taints(v)}
    return Hole(
        temp=L.TEMP in labels,
        key=bool(labels & L.KEY_LABELS),
        passphrase=L.PASSPHRASE in labels,
        ref=v,
    )


def pieces_of(v: Value) -> Tuple[object, ...]:
    """Known text and holes of one string value."""
    if isinstance(v.const, str):
        text = v.const
        if v.has(L.TEMP) and not v.const.startswith(("/", "$", "%")) and not any(c.isspace() for c in text):
            # a temporary name known only by its tail; a command line built from known words
            # (" ".join, +, % with constants) keeps its text: the grammar sees the paths in it
            return (Hole(temp=True, ref=v, text_hint=text),)
        return (text,)
    if isinstance(v.const, (int, float)) and not isinstance(v.const, bool):
        return (str(v.const),)
    if v.pieces is not None:
        out: List[object] = []
        for p in v.pieces:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, Value):
                out.extend(pieces_of(p))
        return tuple(out)
    return (_hole(v),)


def _argv_items(v: Value) -> Optional[Tuple[List[Value], bool]]:
    if isinstance(v.const, tuple):
        items = [x for x in v.const if isinstance(x, Value)]
        unknown_tail = v.kind == "list-unknown-tail" or any(x.attr == "*" for x in items)
        return [x for x in items if x.attr != "*"], unknown_tail
    return None


@dataclass(frozen=True)
class Launch:
    report: ArgvReport
    env_secrets: Tuple[Value, ...]


def analyze_launch(describe: str, args: Sequence[Value], argv: Value, shell: Optional[Value],
                   env: Optional[Value], cwd: Optional[Value] = None) -> Optional[Launch]:
    """The argv report of one launch, or None when the command cannot be reconstructed.

    A list built differently on different paths (``if pw: cmd += [...] else: cmd += [...]``)
    is read as its known common beginning and as each of its remembered contents: a finding
    that holds on one path is reported once.
    """
    launch = _analyze_launch(describe, args, argv, shell, env, cwd)
    for alt in list_alternatives(argv):
        launch = _merge(launch, _analyze_launch(describe, args, alt, shell, env, cwd))
    return launch


def _merge(a: Optional[Launch], b: Optional[Launch]) -> Optional[Launch]:
    if a is None or b is None:
        return a or b
    issues = list(a.report.issues)
    seen = {(i.code, i.message) for i in issues}
    for i in b.report.issues:
        if (i.code, i.message) not in seen:
            seen.add((i.code, i.message))
            issues.append(i)
    secrets = list(a.report.secret_args)
    refs = [x.ref for x in secrets]
    for arg in b.report.secret_args:
        if arg.ref is None or not any(arg.ref is r for r in refs):
            secrets.append(arg)
            refs.append(arg.ref)
    env = list(a.env_secrets) + [v for v in b.env_secrets if not any(v is w for w in a.env_secrets)]
    params = list(a.report.key_params)
    params += [i for i in b.report.key_params if (i.message, i.params) not in {(j.message, j.params) for j in params}]
    chmods = a.report.chmods + tuple(c for c in b.report.chmods if c not in a.report.chmods)
    copies = a.report.copies + tuple(c for c in b.report.copies if c not in a.report.copies)
    report = ArgvReport(tuple(issues), tuple(secrets), a.report.commands + b.report.commands, chmods, tuple(params),
                        copies)
    return Launch(report, tuple(env))


#: os.exec*/os.spawn*/posix_spawn* (not a library's execute(*cmd), which starts with "exec" too)
_OS_EXEC_RE = re.compile(r"^(?:exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?)$")


def _analyze_launch(describe: str, args: Sequence[Value], argv: Value, shell: Optional[Value],
                    env: Optional[Value], cwd: Optional[Value] = None) -> Optional[Launch]:
    name = describe.rsplit(".", 1)[-1]
    cwd_arg = Arg(pieces_of(cwd)) if cwd is not None and (cwd.const is not UNKNOWN or cwd.taints) else None
    # os.exec*/os.spawn*: the program path comes first (spawn: after the mode)
    if _OS_EXEC_RE.match(name):
        skip = 2 if name.startswith("spawn") else 1
        if name.endswith(("l", "le", "lp", "lpe")) and not name.startswith("posix"):
            items = list(args[skip:])
            if name.endswith("e") and items:
                env = env or items[-1]
                items = items[:-1]
            argv = Value(const=tuple(items))
        elif len(args) > skip:
            argv = args[skip]
            if name.endswith("e") and len(args) > skip + 1:
                env = env or args[skip + 1]
    report: Optional[ArgvReport] = None
    listed = _argv_items(argv)
    shell_true = shell is not None and shell.const is True
    if listed is not None and not (shell_true and len(listed[0]) == 1):
        items, unknown_tail = listed
        report = analyze_command([Arg(pieces_of(x), ref=x) for x in items], unknown_tail=unknown_tail, cwd=cwd_arg)
    elif listed is not None:
        report = analyze_shell(pieces_of(listed[0][0]), ref=listed[0][0], cwd=cwd_arg)
    elif isinstance(argv.const, str) or argv.pieces is not None or name in _SHELL_FUNCS or shell_true:
        if argv.const is UNKNOWN and argv.pieces is None:
            report = None
        else:
            report = analyze_shell(pieces_of(argv), ref=argv, cwd=cwd_arg)
    env_secrets: List[Value] = []
    if env is not None:
        if isinstance(env.const, dict):
            for k, v in env.const.items():
                if isinstance(v, Value) and (v.is_key or v.has(L.PASSPHRASE)):
                    env_secrets.append(v)
        elif env.is_key or env.has(L.PASSPHRASE):
            # env = os.environ.copy(); env["KEYPASS"] = passphrase: a container holding a secret
            env_secrets.append(env)
    if report is None and not env_secrets:
        if argv.is_key or argv.has(L.PASSPHRASE):
            return Launch(ArgvReport((), (Arg((_hole(argv),), ref=argv),), ()), ())
        return None
    return Launch(report or ArgvReport((), (), ()), tuple(env_secrets))
