"""Fast, approximate re-analysis of an edited document for the language server.

A full analysis of a 2,000-line module takes several hundred milliseconds (most
of it libcst parsing), too slow to follow typing.  After an edit, this module
re-analyses only what the edit can affect and reuses the rest of the last full
analysis:

1. the document is split into top-level statements ("chunks") with ``ast``
   (an order of magnitude faster than libcst) when it is fully analysed;
2. only the edited region is re-parsed (the lines shared with the last full
   analysis at the top and at the bottom of the file are skipped); chunks whose
   text is unchanged keep their findings from the last full analysis, moved by
   the number of lines inserted or removed above them;
3. changed chunks are analysed together with their context — every module-level
   statement that is not a function or class (imports, constants), the functions
   and classes they reference (transitively: their summaries carry key material
   across calls) and the functions that reference them (callers whose findings
   may change) — in a copy of the document where every other chunk is blanked
   out, so line numbers stay the same.

The result is exact for edits confined to a function whose interplay with the
rest of the module goes through names it mentions; the server follows it with a
full analysis anyway and republishes when that differs.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from keyguard.model import Finding, ScanResult, SourceRef, TraceStep, drop_subsumed

#: above this share of changed lines a full analysis is as cheap as the fast path
MAX_CHANGED_SHARE = 0.4


@dataclass(frozen=True)
class Chunk:
    """One top-level statement (with its decorators), 1-based inclusive lines."""

    start: int
    end: int
    digest: str
    defines: Tuple[str, ...]  # names bound by a def/class (and simple assignments)
    uses: Tuple[str, ...]  # names and attribute names mentioned
    is_def: bool  # function or class


@dataclass(frozen=True)
class Snapshot:
    """A fully analysed version of a document: its lines, chunks and findings."""

    lines: Tuple[str, ...]
    chunks: Tuple[Chunk, ...]
    findings: Tuple[Finding, ...]


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _chunks_of(body: Sequence[ast.stmt], lines: Sequence[str], offset: int = 0) -> List[Chunk]:
    """Chunks of parsed top-level statements; ``offset`` is added to their line numbers."""
    out = []
    for node in body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = getattr(node, "end_lineno", None) or node.lineno
        text = "".join(lines[start - 1 : end])
        is_def = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        defines: Set[str] = set()
        if is_def:
            defines.add(node.name)  # type: ignore[attr-defined]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                defines.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        # identifiers by a regex: words in strings and comments only add context, never lose it
        uses = set(_IDENT.findall(text)) - defines
        out.append(Chunk(start + offset, end + offset,
                         hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest(),
                         tuple(sorted(defines)), tuple(sorted(uses)), is_def))
    return out


def split(text: str) -> Optional[Tuple[Chunk, ...]]:
    """The chunks of ``text``, or ``None`` when Python cannot parse it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return tuple(_chunks_of(tree.body, text.splitlines(True)))


def _shift(c: Chunk, delta: int) -> Chunk:
    return dataclasses.replace(c, start=c.start + delta, end=c.end + delta) if delta else c


def rechunk(snapshot: Snapshot, new_lines: Sequence[str]) -> Optional[Tuple[List[Chunk], Dict[int, Chunk]]]:
    """Chunks of the edited text and, per new chunk index, the unchanged old chunk it is.

    Only the edited region is parsed: the lines shared with the snapshot at the
    start and at the end are located first; the region spans the chunks that
    touch the changed lines plus one neighbour on each side (an indented line
    typed after a function belongs to that function).  Everything outside the
    region is the snapshot's text, made of complete top-level statements, so
    the region must parse on its own — if it does not (say, an unterminated
    string swallowing the rest of the file) the caller falls back to a full pass.
    """
    old = snapshot.lines
    n_old, n_new = len(old), len(new_lines)
    lim = min(n_old, n_new)
    p = 0
    while p < lim and old[p] == new_lines[p]:
        p += 1
    s = 0
    while s < lim - p and old[n_old - 1 - s] == new_lines[n_new - 1 - s]:
        s += 1
    chunks = snapshot.chunks
    if p == n_old == n_new:
        return list(chunks), {i: c for i, c in enumerate(chunks)}
    lo, hi = p + 1, n_old - s  # changed old lines (hi < lo: a pure insertion before line lo)
    delta = n_new - n_old
    before = [i for i, c in enumerate(chunks) if c.end < lo]
    after = [i for i, c in enumerate(chunks) if c.start > max(hi, lo - 1)]
    a = before[-1] if before else None  # neighbour before: part of the region
    b = after[0] if after else None  # neighbour after: part of the region
    region_start = chunks[a].start if a is not None else 1
    region_end = chunks[b].end + delta if b is not None else n_new
    region = [ln if ln.endswith(("\n", "\r")) else ln + "\n" for ln in new_lines[region_start - 1 : region_end]]
    try:
        tree = ast.parse("".join(region))
    except (SyntaxError, ValueError):
        return None
    first_region_old = a if a is not None else 0
    last_region_old = b if b is not None else len(chunks) - 1
    prefix = list(chunks[:first_region_old])
    suffix = [_shift(c, delta) for c in chunks[last_region_old + 1 :]] if b is not None else []
    middle = _chunks_of(tree.body, region, region_start - 1)
    new = prefix + middle + suffix
    matched: Dict[int, Chunk] = {i: c for i, c in enumerate(prefix)}
    pool: Dict[str, List[Chunk]] = {}
    for c in chunks[first_region_old : last_region_old + 1]:
        pool.setdefault(c.digest, []).append(c)
    for k, c in enumerate(middle):
        cands = pool.get(c.digest)
        if cands:
            matched[len(prefix) + k] = cands.pop(0)
    for k in range(len(suffix)):
        matched[len(prefix) + len(middle) + k] = chunks[last_region_old + 1 + k]
    return new, matched


def _closure(start: Set[int], edges: Dict[int, Set[int]]) -> Set[int]:
    seen = set(start)
    todo = list(start)
    while todo:
        for j in edges.get(todo.pop(), ()):
            if j not in seen:
                seen.add(j)
                todo.append(j)
    return seen


@dataclass(frozen=True)
class Plan:
    """What to re-analyse and what to reuse."""

    reduced_text: str
    line_back: Tuple[int, ...]  # reduced line - 1 -> document line
    reanalysed: Tuple[Chunk, ...]  # findings here come from the reduced analysis only
    callees: Tuple[Chunk, ...]  # findings here: reduced analysis plus the reused ones
    reused: Tuple[Finding, ...]  # findings of unchanged chunks, moved to their new lines
    changed_lines: int


def plan(snapshot: Snapshot, text: str) -> Optional[Plan]:
    """Plan the fast re-analysis of ``text`` given the last full ``snapshot`` (None: do a full one)."""
    lines = text.splitlines(True)
    got = rechunk(snapshot, lines)
    if got is None:
        return None
    new, matched = got
    changed = {i for i in range(len(new)) if i not in matched}
    total = sum(c.end - c.start + 1 for c in new) or 1
    changed_lines = sum(new[i].end - new[i].start + 1 for i in changed)
    if changed_lines > MAX_CHANGED_SHARE * total:
        return None

    # line map old -> new for every unchanged chunk
    line_map: Dict[int, int] = {}
    for i, old in matched.items():
        delta = new[i].start - old.start
        for ln in range(old.start, old.end + 1):
            line_map[ln] = ln + delta

    by_name: Dict[str, Set[int]] = {}
    for i, c in enumerate(new):
        if c.is_def:
            for n in c.defines:
                by_name.setdefault(n, set()).add(i)
    refs: Dict[int, Set[int]] = {i: {j for n in c.uses for j in by_name.get(n, ())} - {i}
                                 for i, c in enumerate(new)}
    referrers: Dict[int, Set[int]] = {}
    for i, js in refs.items():
        for j in js:
            referrers.setdefault(j, set()).add(i)
    callers = _closure(changed, referrers) - changed
    reanalysed = changed | callers
    callees = _closure(reanalysed, refs) - reanalysed
    context = {i for i, c in enumerate(new) if not c.is_def}
    keep = reanalysed | callees | context

    out: List[str] = []
    back: List[int] = []
    for i in sorted(keep):
        c = new[i]
        for ln in range(c.start, c.end + 1):
            line = lines[ln - 1]
            out.append(line if line.endswith(("\n", "\r")) else line + "\n")
            back.append(ln)
    reduced = "".join(out)

    reanalysed_ranges = [(new[i].start, new[i].end) for i in reanalysed]
    reused = []
    for f in snapshot.findings:
        if f.line not in line_map:
            continue  # its chunk changed: the reduced analysis reports it again if still there
        nl = line_map[f.line]
        if any(s <= nl <= e for s, e in reanalysed_ranges):
            continue
        reused.append(_moved(f, line_map))
    return Plan(reduced, tuple(back), tuple(new[i] for i in sorted(reanalysed)), tuple(new[i] for i in sorted(callees)),
                tuple(reused), changed_lines)


def _moved(f: Finding, line_map: Dict[int, int]) -> Finding:
    """``f`` with its lines (and its source's and trace's lines in the same file) mapped."""
    delta = line_map[f.line] - f.line
    src = f.source
    if src is not None and src.path is None and src.line in line_map:
        src = SourceRef(line_map[src.line], src.description, src.path)
    trace = tuple(
        TraceStep(s.path, line_map.get(s.line, s.line), s.column, s.message) if s.path == f.path else s
        for s in f.trace
    )
    message = f.message
    if src is not None and f.source is not None and src.line != f.source.line:
        message = message.replace(f"at line {f.source.line}", f"at line {src.line}")
    end_line = line_map.get(f.end_line, f.end_line + delta)
    return dataclasses.replace(f, line=f.line + delta, end_line=end_line, source=src,
                               trace=trace, message=message)


def merge(p: Plan, reduced: ScanResult) -> Tuple[Finding, ...]:
    """Findings for the new text: reduced-analysis findings in re-analysed and callee chunks,
    reused findings elsewhere (deduplicated)."""
    ranges = [(c.start, c.end) for c in p.reanalysed + p.callees]
    back = {i + 1: ln for i, ln in enumerate(p.line_back)}
    out: Dict[Tuple[str, int, int], Finding] = {}
    for f in p.reused:
        out[(f.code, f.line, f.column)] = f
    for f in reduced.findings:
        if f.line not in back:
            continue
        f = _moved(f, back)
        if any(s <= f.line <= e for s, e in ranges):
            out.setdefault((f.code, f.line, f.column), f)
    # (a reused KG201 on a helper's write that a new caller aims at /tmp is now that line's KG101)
    return tuple(sorted(drop_subsumed(list(out.values())), key=lambda f: f.sort_key()))


def fast_rescan(snapshot: Snapshot, text: str, scan: Callable[[str], ScanResult]) -> Optional[ScanResult]:
    """Approximate findings for ``text`` (see module doc), or ``None`` when a full scan is needed."""
    p = plan(snapshot, text)
    if p is None:
        return None
    if not p.reanalysed:
        return ScanResult(findings=tuple(sorted(p.reused, key=lambda f: f.sort_key())), files_scanned=1)
    reduced = scan(p.reduced_text)
    if reduced.errors:
        return None
    return dataclasses.replace(reduced, findings=merge(p, reduced))


def snapshot_of(text: str, findings: Sequence[Finding]) -> Optional[Snapshot]:
    """A snapshot for a fully analysed text (``None`` when Python cannot parse it)."""
    chunks = split(text)
    if chunks is None:
        return None
    return Snapshot(tuple(text.splitlines(True)), chunks, tuple(findings))
