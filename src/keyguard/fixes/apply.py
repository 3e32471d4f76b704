"""Apply codemods at the locations the engine reports, verify, then write or diff.

Verification is what makes a fix "safe" here: the rewritten file must parse
(libcst and ``compile``), and re-analysing it must no longer report the fixed
finding.  A rewrite that fails either check is discarded as a whole.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from keyguard.fixes.codemods import CODEMODS, Edit, FixContext
from keyguard.model import Finding, ScanResult

MAX_PASSES = 3


@dataclass(frozen=True)
class FixOutcome:
    """What ``keyguard fix`` did: files changed (or that would change with ``--diff``),
    the unified diff (``--diff`` only), the number of fixes applied and what remains."""

    changed: Tuple[str, ...]
    diff: str
    applied: int
    remaining: ScanResult


class _ApplyEdits(cst.CSTTransformer):
    def __init__(self, edits: Dict[int, Edit]) -> None:
        super().__init__()
        self.edits = edits

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        edit = self.edits.get(id(original_node))
        if edit is None:
            return updated_node
        return edit.replacement


def _overlaps(a: Edit, b: Edit, ctx: FixContext) -> bool:
    ra, rb = ctx.positions[a.target], ctx.positions[b.target]
    sa, ea = (ra.start.line, ra.start.column), (ra.end.line, ra.end.column)
    sb, eb = (rb.start.line, rb.start.column), (rb.end.line, rb.end.column)
    return sa < eb and sb < ea


def _one_pass(source: str, findings: Sequence[Finding]) -> Tuple[str, int, List[Edit]]:
    """Apply the non-overlapping edits for ``findings`` once; return (source, count, edits)."""
    todo = [f for f in findings if f.code in CODEMODS and f.origin == "keyguard"]
    if not todo:
        return source, 0, []
    ctx = FixContext.build(source)
    chosen: List[Edit] = []
    for f in sorted(todo, key=lambda f: f.sort_key()):
        for edit in CODEMODS[f.code].edits(f, ctx):
            if any(e.target is edit.target for e in chosen):
                continue  # two findings at one node (e.g. KG201 reported twice)
            if any(_overlaps(edit, e, ctx) for e in chosen):
                continue  # nested rewrite: left for the next pass
            chosen.append(edit)
    if not chosen:
        return source, 0, []
    module = ctx.module.visit(_ApplyEdits({id(e.target): e for e in chosen}))
    imports = sorted({m for e in chosen for m in e.imports})
    if imports:
        context = CodemodContext()
        for m in imports:
            AddImportsVisitor.add_needed_import(context, m)
        module = AddImportsVisitor(context).transform_module(module)
    return module.code, len(chosen), chosen


def _parses(source: str, path: str) -> bool:
    try:
        cst.parse_module(source)
        compile(source, path, "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return False
    return True


def _scan(source: str, path: str, config: Any) -> ScanResult:
    from keyguard.api import scan_source

    return scan_source(source, path, config)


def _counts(findings: Sequence[Finding]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for f in findings:
        out[f.code] = out.get(f.code, 0) + 1
    return out


def fix_source(source: str, path: str, config: Any,
               findings: Optional[Sequence[Finding]] = None) -> Tuple[str, int]:
    """Return ``(fixed_source, number_of_fixes)`` for one file's text.

    ``findings`` defaults to a fresh single-file scan; pass the findings of a
    project scan to also fix flows found across modules.  Each pass is verified:
    it must parse and must reduce the count of the codes it fixed without adding
    any finding of another code; otherwise the pass is dropped.
    """
    current = source
    applied = 0
    if findings is None:
        findings = _scan(current, path, config).findings
    for _ in range(MAX_PASSES):
        candidate, n, edits = _one_pass(current, findings)
        if n == 0 or not _parses(candidate, path):
            break
        after = _scan(candidate, path, config).findings
        before_counts, after_counts = _counts(findings), _counts(after)
        fixed_codes = {e.code for e in edits}
        regressed = any(after_counts.get(c, 0) > before_counts.get(c, 0) for c in after_counts)
        improved = all(after_counts.get(c, 0) < before_counts.get(c, 0) for c in fixed_codes)
        if regressed or not improved:
            break
        current, applied, findings = candidate, applied + n, after
    return current, applied


def _read(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write_preserving_mode(path: str, text: str) -> None:
    """Rewrite ``path`` in place (same inode, so permissions and ownership are kept)."""
    with open(path, "r+b") as fh:
        fh.write(text.encode("utf-8"))
        fh.truncate()


def fix_paths(paths: Sequence[str], config: Any, *, diff: bool) -> FixOutcome:
    """Fix every file under ``paths``; with ``diff`` only compute the unified diff."""
    from keyguard.api import scan_paths

    result = scan_paths(paths, config)
    by_path: Dict[str, List[Finding]] = {}
    for f in result.findings:
        if f.code in CODEMODS and f.origin == "keyguard":
            by_path.setdefault(f.path, []).append(f)
    changed: List[str] = []
    chunks: List[str] = []
    applied = 0
    new_findings: Dict[str, Tuple[Finding, ...]] = {}
    for path in sorted(by_path):
        original = _read(path)
        if original is None:
            continue
        file_findings = [f for f in result.findings if f.path == path]
        fixed, n = fix_source(original, path, config, findings=file_findings)
        if n == 0 or fixed == original:
            continue
        applied += n
        changed.append(path)
        if diff:
            chunks.append("".join(difflib.unified_diff(
                original.splitlines(keepends=True), fixed.splitlines(keepends=True),
                fromfile=f"a/{path}", tofile=f"b/{path}")))
            new_findings[path] = _scan(fixed, path, config).findings
        else:
            _write_preserving_mode(path, fixed)
    if diff:
        kept = [f for f in result.findings if f.path not in new_findings]
        for fs in new_findings.values():
            kept.extend(fs)
        remaining = dataclasses.replace(result, findings=tuple(sorted(kept, key=lambda f: f.sort_key())))
    else:
        remaining = scan_paths(paths, config) if changed else result
    return FixOutcome(tuple(changed), "".join(chunks), applied, remaining)


__all__ = ["FixOutcome", "fix_paths", "fix_source"]
