"""The ``keyguard`` command line (contract: cli.md).

Exit status: 0 no findings; 1 findings (a file that cannot be read or parsed counts, like
flake8's E999); 2 usage error, unreadable configuration or internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence

from keyguard import __version__

FORMATS = ("text", "json", "sarif", "github")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with usage, like argparse, but testable
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to enable (ALL for every rule)")
    p.add_argument("--extend-select", metavar="CODES", help="codes to enable on top of the configured selection")
    p.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes to disable")
    p.add_argument("--strict", action="store_true", default=None, help="also enable the strict rules (off by default)")
    p.add_argument("--config", metavar="FILE", help="read [tool.keyguard] from FILE instead of the nearest pyproject.toml")
    p.add_argument("--exclude", metavar="GLOBS", help="comma-separated globs to exclude (replaces the configured list)")
    p.add_argument("--extend-exclude", metavar="GLOBS", help="comma-separated globs to exclude in addition")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    p.add_argument("--cache-dir", metavar="DIR", help="cache directory (default: .keyguard_cache next to pyproject.toml)")
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: CPU count)")


def build_parser(full: bool = True) -> argparse.ArgumentParser:
    """The command-line parser.  ``full=False`` declares ``keygen`` by name only: its options
    come from the reference module, which imports the cryptography library (0.17 s), so other
    commands do not build them."""
    parser = _Parser(prog="keyguard", description="Find code that exposes private keys while they are generated and first stored.")
    parser.add_argument("--version", action="version", version=f"keyguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="scan files and folders")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .); - reads standard input")
    _add_selection(check)
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--stdin-filename", metavar="NAME", help="the name of the file read from standard input")
    check.add_argument("--baseline", metavar="FILE", help="ignore the findings recorded in FILE")
    check.add_argument("--write-baseline", metavar="FILE", help="record the current findings in FILE and exit 0")
    check.add_argument("--fix", action="store_true", help="apply the safe autofixes")
    check.add_argument("--diff", action="store_true", help="with --fix: print the fixes as a diff instead of writing them")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    color = check.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_true", default=None, help="force colour")
    color.add_argument("--no-color", dest="color", action="store_false", help="never colour (also NO_COLOR)")
    check.add_argument("--no-progress", action="store_true", help="no progress bar on long scans")
    check.add_argument("-q", "--quiet", action="store_true", help="text format: no summary line")

    rule = sub.add_parser("rule", help="show the rule table, or one rule's documentation")
    rule.add_argument("code", nargs="?", help="a rule code, e.g. KG101")
    rule.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    fix = sub.add_parser("fix", help="apply the safe autofixes")
    fix.add_argument("paths", nargs="*", metavar="PATH")
    _add_selection(fix)
    fix.add_argument("--diff", action="store_true", help="print the fixes as a unified diff instead of writing them")

    sub.add_parser("lsp", help="run the language server on standard input/output")

    if not full:
        sub.add_parser("keygen", help=KEYGEN_HELP)
        return parser
    try:
        from keyguard.reference.cli import add_parser as add_keygen
    except ImportError:  # pragma: no cover - the reference module ships with the package
        add_keygen = None
    if add_keygen is not None:
        add_keygen(sub)
    return parser


KEYGEN_HELP = "generate a private key and store it safely (the pattern keyguard recommends)"


def _wants_keygen(argv: Sequence[str]) -> bool:
    """Whether the command line names ``keygen`` as its command (a ``--help`` before any command
    asks for the overview, which needs only keygen's name)."""
    for a in argv:
        if a in ("-h", "--help"):
            return False
        if not a.startswith("-"):
            return a == "keygen"
    return False


def _codes(text: Optional[str]) -> Optional[tuple]:
    from keyguard.registry import normalize_codes

    return normalize_codes(text) if text is not None else None


def _globs(text: Optional[str]) -> Optional[tuple]:
    return tuple(g.strip() for g in text.split(",") if g.strip()) if text is not None else None


def _config(args: argparse.Namespace, start: str):
    from keyguard.config import load_config

    overrides = {
        "select": _codes(args.select),
        "ignore": _codes(args.ignore),
        "strict": args.strict,
        "exclude": _globs(args.exclude),
        "extend_exclude": _globs(args.extend_exclude),
        "jobs": args.jobs,
        "cache_dir": args.cache_dir,
        "use_cache": False if args.no_cache else None,
    }
    cfg = load_config(start, args.config, **overrides)
    if args.extend_select:
        cfg = cfg.replace(select=tuple(cfg.select or ("KG",)) + (_codes(args.extend_select) or ()))
        cfg.enabled  # validate
    return cfg


def _want_color(args: argparse.Namespace, stream) -> bool:
    if args.color is not None:
        return bool(args.color)
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def cmd_check(args: argparse.Namespace) -> int:
    from keyguard.gcpolicy import imports_settled, own_process_collections

    own_process_collections()  # before the imports: libcst's is cheaper with the lenient thresholds
    from keyguard.api import scan_paths, scan_source
    from keyguard.registry import SelectionError
    from keyguard.config import ConfigError
    from keyguard.report import progress as make_progress
    from keyguard.report import render

    imports_settled()
    paths: List[str] = list(args.paths) or ["."]
    stdin = paths == ["-"]
    if "-" in paths and not stdin:
        raise UsageError("'-' (standard input) cannot be combined with other paths")
    start = args.stdin_filename if stdin and args.stdin_filename else (paths[0] if paths else ".")
    start_dir = start if os.path.isdir(start) else (os.path.dirname(start) or ".")
    try:
        config = _config(args, start_dir if os.path.exists(start_dir) else ".")
    except (ConfigError, SelectionError) as exc:
        print(f"keyguard: error: {exc}", file=sys.stderr)
        return 2
    if args.fix:
        from keyguard.fixes.apply import fix_paths

        if stdin:
            raise UsageError("--fix cannot be used with standard input")
        outcome = fix_paths(paths, config, diff=args.diff)
        if args.diff:
            sys.stdout.write(outcome.diff)
            return 1 if outcome.diff else 0
        result = outcome.remaining
    elif stdin:
        data = sys.stdin.buffer.read()
        name = args.stdin_filename or "<stdin>"
        result = scan_source(data, name, config)
    else:
        out_stream = sys.stderr
        show = not args.no_progress and hasattr(out_stream, "isatty") and out_stream.isatty() and args.format == "text"
        with make_progress(0, show) as bar:
            result = scan_paths(paths, config, progress=bar.advance if show else None)
    root = config.root
    if args.write_baseline:
        from keyguard.baseline import write_baseline

        write_baseline(args.write_baseline, result, root=root)
        print(f"keyguard: wrote {len(result.findings)} findings to {args.write_baseline}", file=sys.stderr)
        return 0
    if args.baseline:
        from keyguard.baseline import BaselineError, apply_baseline

        try:
            result = apply_baseline(result, args.baseline, root=root)
        except (BaselineError, OSError, ValueError) as exc:
            print(f"keyguard: error: cannot read baseline {args.baseline}: {exc}", file=sys.stderr)
            return 2
    stream = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        text = render(result, args.format, color=_want_color(args, stream) if args.format == "text" else False, root=root)
        if args.quiet and args.format == "text":
            text = "\n".join(line for line in text.splitlines() if line.split(":", 1)[0] != "" and " KG" in line) + "\n"
        stream.write(text)
        if text and not text.endswith("\n"):
            stream.write("\n")
        for note in result.notes:
            print(f"keyguard: note: {note}", file=sys.stderr)
    finally:
        if args.output:
            stream.close()
    if args.exit_zero:
        return 0
    return 1 if (result.findings or result.errors) else 0


def cmd_rule(args: argparse.Namespace) -> int:
    from keyguard import docs
    from keyguard.registry import RULES

    if args.code is None:
        if args.format == "json":
            import json

            rows = [
                {"code": r.code, "name": r.name, "default": r.default, "severity": r.severity,
                 "cwe": list(r.cwe), "summary": r.summary(), "autofix": r.autofix}
                for r in RULES.values()
            ]
            print(json.dumps(rows, indent=2))
        elif args.format == "markdown":
            print(docs.rule_table_markdown())
        else:
            print(docs.render_rules_list())
        return 0
    code = args.code.upper()
    if code not in RULES:
        print(f"keyguard: error: unknown rule {args.code!r}", file=sys.stderr)
        return 2
    if args.format == "json":
        import json

        r = RULES[code]
        print(json.dumps({"code": r.code, "name": r.name, "default": r.default, "severity": r.severity,
                          "cwe": list(r.cwe), "fix_title": r.fix_title, "autofix": r.autofix,
                          "doc": r.doc()}, indent=2))
    elif args.format == "markdown":
        print(docs.rule_help_markdown(code))
    else:
        print(docs.render_rule_text(code))
    return 0


def cmd_fix(args: argparse.Namespace) -> int:
    from keyguard.config import ConfigError
    from keyguard.fixes.apply import fix_paths
    from keyguard.registry import SelectionError

    paths = list(args.paths) or ["."]
    try:
        config = _config(args, paths[0] if os.path.isdir(paths[0]) else (os.path.dirname(paths[0]) or "."))
    except (ConfigError, SelectionError) as exc:
        print(f"keyguard: error: {exc}", file=sys.stderr)
        return 2
    outcome = fix_paths(paths, config, diff=args.diff)
    if args.diff:
        sys.stdout.write(outcome.diff)
        return 1 if outcome.diff else 0
    print(f"keyguard: applied {outcome.applied} fixes in {len(outcome.changed)} files; "
          f"{len(outcome.remaining.findings)} findings remain", file=sys.stderr)
    return 1 if outcome.remaining.findings else 0


def cmd_lsp(args: argparse.Namespace) -> int:
    try:
        from keyguard.integrations.lsp import main as lsp_main
    except ImportError as exc:
        print(f"keyguard: error: the language server needs pygls: pip install 'keyguard[lsp]' ({exc})", file=sys.stderr)
        return 2
    return lsp_main()


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(full=_wants_keygen(argv))
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "rule":
            return cmd_rule(args)
        if args.command == "fix":
            return cmd_fix(args)
        if args.command == "lsp":
            return cmd_lsp(args)
        if args.command == "keygen":
            from keyguard.reference.cli import run

            return run(args)
        parser.print_help(sys.stderr)
        return 2
    except UsageError as exc:
        print(f"keyguard: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:  # pragma: no cover
        return 0
    except Exception as exc:  # internal error: exit 2, never a traceback-less silent pass
        import traceback

        traceback.print_exc()
        print(f"keyguard: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
