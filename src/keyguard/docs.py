"""Rule documentation, generated from the rule classes' docstrings.

Every rule documents itself in its docstring (summary line, then the sections
of :data:`SECTION_ORDER`).  This module parses those docstrings and renders
them for each place that shows them, so that the docs can never drift from the
rules:

- ``keyguard rule`` / ``keyguard rule KG101`` (:func:`render_rules_list`,
  :func:`render_rule_text`);
- SARIF ``rules[].help`` (:func:`rule_help_markdown`, :func:`rule_help_text`);
- the README rule table between ``<!-- rules-table:start -->`` and
  ``<!-- rules-table:end -->`` (:func:`rule_table_markdown`, :func:`update_readme`);
- ``docs/rules.md`` (:func:`render_docs_markdown`, :func:`write_docs`);
- tests that run each rule's ``Example`` and ``Use instead`` snippets
  (:func:`extract_code_blocks`).

Command line::

    python -m keyguard.docs --check README.md --check-docs docs/rules.md
    python -m keyguard.docs --write README.md --write-docs docs/rules.md
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Type, Union

from keyguard.rules import ALL_RULES
from keyguard.rules.base import Rule

#: The sections every rule docstring has, in this order (style.md).
SECTION_ORDER: Tuple[str, ...] = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix",
    "Options",
    "References",
)

README_START = "<!-- rules-table:start -->"
README_END = "<!-- rules-table:end -->"

#: Where the README table links each code to (relative to the README).
DOCS_LINK = "docs/rules.md"

_HEADING = re.compile(r"^##\s+(?P<title>\S.*?)\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[^`]*)$")
_PYTHON_INFO = ("python", "py", "python3")


class DocFormatError(ValueError):
    """A rule docstring that does not follow the documentation pattern."""


@dataclass(frozen=True)
class RuleDoc:
    """A parsed rule docstring: the summary sentence and the sections by heading, in order."""

    summary: str
    sections: Dict[str, str] = field(default_factory=dict, hash=False)
    #: text between the summary and the first heading (the pattern has none)
    preamble: str = ""

    def section(self, heading: str) -> str:
        """The markdown body of ``heading`` (KeyError if the docstring lacks it)."""
        return self.sections[heading]


def _fence(line: str) -> Optional[str]:
    """The info string of a fence line (``""`` for a bare fence), None for other lines."""
    match = _FENCE.match(line.strip())
    return None if match is None else match.group("info").strip()


def parse_doc(text: str) -> RuleDoc:
    """Split a (cleaned) docstring into summary, preamble and ``## heading`` sections.

    Headings inside fenced code blocks (e.g. ``## comment`` in a shell snippet)
    are not section breaks.  Section bodies are stripped of surrounding blank
    lines but otherwise kept verbatim.
    """
    lines = text.strip("\n").splitlines()
    # the summary is the first paragraph, joined into one line
    summary_lines: List[str] = []
    i = 0
    while i < len(lines) and lines[i].strip() and not _HEADING.match(lines[i]):
        summary_lines.append(lines[i].strip())
        i += 1

    preamble: List[str] = []
    sections: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    in_fence = False
    for line in lines[i:]:
        info = _fence(line)
        if info is not None:
            # an opening fence may carry a language; a closing fence is bare
            if not in_fence:
                in_fence = True
            elif info == "":
                in_fence = False
        elif not in_fence:
            heading = _HEADING.match(line)
            if heading is not None:
                title = heading.group("title")
                if title in sections:
                    raise DocFormatError(f"duplicate section {title!r}")
                current = sections[title] = []
                continue
        (preamble if current is None else current).append(line)
    if in_fence:
        raise DocFormatError("unterminated code block")
    return RuleDoc(
        summary=" ".join(summary_lines),
        sections={k: "\n".join(v).strip("\n") for k, v in sections.items()},
        preamble="\n".join(preamble).strip("\n"),
    )


def code_blocks(markdown: str, languages: Sequence[str] = _PYTHON_INFO) -> List[str]:
    """The contents of the fenced code blocks of ``markdown`` whose language is in ``languages``."""
    blocks: List[str] = []
    current: List[str] = []
    in_block = False
    keep = False
    for line in markdown.splitlines():
        info = _fence(line)
        if not in_block:
            if info is not None:
                in_block = True
                keep = bool(info) and info.split()[0].lower() in languages
                current = []
            continue
        if info == "":
            if keep:
                blocks.append("\n".join(current) + "\n")
            in_block = False
            continue
        current.append(line)
    if in_block:
        raise DocFormatError("unterminated code block")
    return blocks


def _rule(code: str) -> Type[Rule]:
    code = code.strip().upper()
    for rule in ALL_RULES:
        if rule.code == code:
            return rule
    raise KeyError(f"unknown rule code: {code}")


def rule_doc(code: str) -> RuleDoc:
    """The parsed documentation of rule ``code`` (case-insensitive; KeyError if unknown)."""
    return parse_doc(_rule(code).doc())


def extract_code_blocks(code: str, section: str) -> List[str]:
    """The Python source of each fenced ``python`` block in ``section`` of rule ``code``.

    Used by the tests: every ``Example`` must trigger its rule and every
    ``Use instead`` block must not.
    """
    doc = rule_doc(code)
    if section not in doc.sections:
        raise KeyError(f"{code} has no section {section!r}")
    return code_blocks(doc.sections[section])


def default_label(rule: Type[Rule]) -> str:
    """``on`` for default rules, ``off (strict)`` for rules enabled by --strict (as in rules.md)."""
    return "on" if rule.default == "on" else "off (strict)"


def rule_header(rule: Type[Rule]) -> str:
    """``KG101 key-in-tempfile (default: on, severity: high, CWE-377, CWE-312)``."""
    parts = [f"default: {default_label(rule)}", f"severity: {rule.severity}"]
    parts.extend(rule.cwe)
    return f"{rule.code} {rule.name} ({', '.join(parts)})"


def _fix_line(rule: Type[Rule]) -> str:
    suffix = " (autofix available: `keyguard fix`)" if rule.autofix else ""
    return f"Fix: {rule.fix_title}{suffix}"


def _sections_markdown(doc: RuleDoc, level: int) -> str:
    """The sections of ``doc`` with headings at ``level`` (``##`` = 2), in SECTION_ORDER first."""
    hashes = "#" * level
    ordered = [h for h in SECTION_ORDER if h in doc.sections]
    ordered += [h for h in doc.sections if h not in SECTION_ORDER]
    return "\n\n".join(f"{hashes} {h}\n{doc.sections[h]}".rstrip() for h in ordered)


def render_rule_text(code: str) -> str:
    """The text shown by ``keyguard rule KG101``: header line, summary, fix line and all sections."""
    rule = _rule(code)
    doc = parse_doc(rule.doc())
    parts = [rule_header(rule), doc.summary, _fix_line(rule)]
    if doc.preamble:
        parts.append(doc.preamble)
    parts.append(_sections_markdown(doc, 2))
    return "\n\n".join(parts) + "\n"


def _table(rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with left-aligned columns (the last column is not padded)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row, widths)] + [row[-1]]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def render_rules_list() -> str:
    """The table shown by ``keyguard rule``: code, name, default (on/off), summary."""
    rows = [("code", "name", "default", "summary")]
    for rule in ALL_RULES:
        rows.append((rule.code, rule.name, "on" if rule.default == "on" else "off", rule.summary()))
    footer = "Rules marked off run with --strict or when selected by code. Details: keyguard rule KG101"
    return _table(rows) + "\n\n" + footer + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(rule: Type[Rule]) -> str:
    """The GitHub anchor of the rule's heading in docs/rules.md (``## KG101 key-in-tempfile``)."""
    return f"{rule.code.lower()}-{rule.name}"


def rule_table_markdown(link: Optional[str] = DOCS_LINK) -> str:
    """The README rule table: code | name | default | severity | summary.

    Each code links to its section of the generated rule docs: ``link`` is the
    docs file (``""`` for anchors in the same file, None for no links).
    """
    lines = ["| code | name | default | severity | summary |", "|---|---|---|---|---|"]
    for rule in ALL_RULES:
        code = rule.code if link is None else f"[{rule.code}]({link}#{_anchor(rule)})"
        cells = (code, f"`{rule.name}`", default_label(rule), rule.severity, _md_cell(rule.summary()))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def rule_help_markdown(code: str) -> str:
    """SARIF ``rules[].help.markdown``: summary, fix and all sections."""
    rule = _rule(code)
    doc = parse_doc(rule.doc())
    head = f"**{rule.code} {rule.name}**: {doc.summary}\n\n{_fix_line(rule)}"
    return head + "\n\n" + _sections_markdown(doc, 2) + "\n"


def rule_help_text(code: str) -> str:
    """SARIF ``rules[].help.text`` (required next to markdown): summary, what it does, fix."""
    rule = _rule(code)
    doc = parse_doc(rule.doc())
    what = " ".join(doc.sections.get("What it does", "").split())
    return f"{doc.summary} {what}\n\n{_fix_line(rule)}\n"


def render_docs_markdown() -> str:
    """The whole ``docs/rules.md``: an index table, then one section per rule."""
    out = [
        "# keyguard rules",
        "",
        "<!-- Generated by `python -m keyguard.docs --write-docs docs/rules.md`; do not edit. -->",
        "",
        "Each rule's documentation is its class docstring in `src/keyguard/rules/`.",
        "Rules whose default is `off (strict)` run with `--strict`, `strict = true` or an explicit `--select`.",
        "",
        rule_table_markdown(link="").rstrip("\n"),
        "",
    ]
    for rule in ALL_RULES:
        doc = parse_doc(rule.doc())
        meta = [
            f"- default: {default_label(rule)}",
            f"- severity: {rule.severity}",
            f"- CWE: {', '.join(rule.cwe) if rule.cwe else 'none'}",
            f"- fix: {rule.fix_title}" + (" (autofix available)" if rule.autofix else ""),
        ]
        out += [f"## {rule.code} {rule.name}", "", doc.summary, ""] + meta + [""]
        out += [_sections_markdown(doc, 3), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _replace_block(text: str, table: str) -> str:
    start = text.find(README_START)
    end = text.find(README_END)
    if start < 0 or end < 0 or end < start:
        raise DocFormatError(f"markers {README_START} ... {README_END} not found")
    head = text[: start + len(README_START)]
    return head + "\n" + table + text[end:]


def readme_table_block(text: str) -> Optional[str]:
    """The text between the README markers (None when there are no markers)."""
    start = text.find(README_START)
    end = text.find(README_END)
    if start < 0 or end < 0 or end < start:
        return None
    return text[start + len(README_START) : end].strip("\n") + "\n"


def update_readme(path: Union[str, Path], write: bool = True) -> bool:
    """Rewrite the rule table between the README markers; return True if it changed.

    With ``write=False`` nothing is written (a check).  Raises
    :class:`DocFormatError` when the markers are missing.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    new = _replace_block(text, rule_table_markdown())
    if new == text:
        return False
    if write:
        p.write_text(new, encoding="utf-8")
    return True


def write_docs(path: Union[str, Path], write: bool = True) -> bool:
    """Write ``docs/rules.md``; return True if its content changed (``write=False`` only checks)."""
    p = Path(path)
    new = render_docs_markdown()
    old = p.read_text(encoding="utf-8") if p.exists() else None
    if old == new:
        return False
    if write:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(new, encoding="utf-8")
    return True


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m keyguard.docs``: check or regenerate the README table and docs/rules.md.

    Exit status: 0 up to date (or written), 1 out of date (with --check/--check-docs),
    2 a file without markers or unreadable.
    """
    parser = argparse.ArgumentParser(prog="python -m keyguard.docs", description=main.__doc__)
    parser.add_argument("--check", metavar="README", action="append", default=[], help="fail if the README rule table is stale")
    parser.add_argument("--write", metavar="README", action="append", default=[], help="rewrite the README rule table")
    parser.add_argument("--check-docs", metavar="FILE", action="append", default=[], help="fail if the rule docs file is stale")
    parser.add_argument("--write-docs", metavar="FILE", action="append", default=[], help="regenerate the rule docs file")
    args = parser.parse_args(argv)
    if not (args.check or args.write or args.check_docs or args.write_docs):
        sys.stdout.write(rule_table_markdown())
        return 0
    status = 0
    try:
        for path in args.write:
            if update_readme(path):
                print(f"updated {path}")
        for path in args.write_docs:
            if write_docs(path):
                print(f"updated {path}")
        for path in args.check:
            if update_readme(path, write=False):
                print(f"{path}: rule table is out of date; run python -m keyguard.docs --write {path}")
                status = 1
        for path in args.check_docs:
            if write_docs(path, write=False):
                print(f"{path}: out of date; run python -m keyguard.docs --write-docs {path}")
                status = 1
    except (OSError, DocFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
