"""Run the engine and the rules over a batch of files and produce findings.

A batch shares one :class:`~keyguard.analysis.engine.Project`; modules reached by
cross-module flows are parsed once per process (:data:`TREES`).  Positions are computed only for the
modules that have something to report.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from collections import OrderedDict
from typing import Callable, Collection, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst

from keyguard.analysis.context import AnalysisContext
from keyguard.analysis.engine import ModuleInterp, Project, fields_carry, is_test_module, names_keygen_tool
from keyguard.analysis.events import Event
from keyguard.analysis.lazy import fill_all, parse_skeleton
from keyguard.labels import KEY_LABELS, PARAM_GUESS, PASSPHRASE
from keyguard.analysis.values import Origin, Value, deep_taints
from keyguard.knowledge.schema import KnowledgeBase
from keyguard.cache import TreeStore
from keyguard.gcpolicy import young_collections_only
from keyguard.model import FileError, Finding, SourceRef, TargetResult, TraceStep, drop_subsumed
from keyguard.registry import RULES
from keyguard.rules.report import Hit
from keyguard.source import SourceFile, parse, read_source
from keyguard.suppression import filter_findings


class _TreeCache:
    """Parsed modules kept between the batches of one process (least recently used first out).

    A module reached by cross-module flows from several batches (a project's ``utils`` or
    ``crypt`` module) is parsed once per process instead of once per batch; libcst trees are
    immutable, so sharing them is safe.  Keyed by path and content hash; bounded by lines
    (a libcst tree takes about 1 kB per line).
    """

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self.lines = 0
        self.trees: "OrderedDict[Tuple[str, str], Tuple[cst.Module, int]]" = OrderedDict()

    def get(self, key: Tuple[str, str]) -> Optional[cst.Module]:
        hit = self.trees.get(key)
        if hit is None:
            return None
        self.trees.move_to_end(key)
        return hit[0]

    def put(self, key: Tuple[str, str], tree: cst.Module, lines: int) -> None:
        if lines > self.max_lines // 4:
            return
        self.trees[key] = (tree, lines)
        self.lines += lines
        while self.lines > self.max_lines:
            _, (_, n) = self.trees.popitem(last=False)
            self.lines -= n


#: about 125 MB of trees per process (the scan keeps no file contents, so workers have room for
#: them): on the benchmark corpus a worker peaks at about 250 MB, and re-parses 1.6 s of trees it
#: dropped (2.6 s with room for 100,000 lines)
TREES = _TreeCache(130_000)


class Loader:
    """Reads and parses modules for one batch; remembers hashes and errors."""

    def __init__(self, overrides: Optional[Mapping[str, str]] = None) -> None:
        self.overrides = dict(overrides or {})
        self.sources: Dict[str, SourceFile] = {}
        self.errors: Dict[str, FileError] = {}
        self.hashes: Dict[str, str] = {}
        self.accessed: Set[str] = set()
        #: files analysed once in this scan (targets nothing imports): their trees are not kept
        self.not_kept: FrozenSet[str] = frozenset()
        #: trees kept on disk between runs (None: no cache); with ``store_writes`` the trees of
        #: modules parsed here are written to it, except ``changed`` (the reported targets: a
        #: pre-commit hook's changed files), which the next run will not find unchanged
        self.store: Optional[TreeStore] = None
        self.store_writes = False
        self.changed: FrozenSet[str] = frozenset()
        #: the batch's targets: parsed whole (every function of a target is evaluated); other
        #: modules, reached by cross-module flows, are parsed without their function bodies
        #: until a body is needed (:mod:`keyguard.analysis.lazy`)
        self.whole: FrozenSet[str] = frozenset()
        #: trees parsed here for the store, by content hash (see :meth:`flush`)
        self.unstored: Dict[str, cst.Module] = {}

    def flush(self) -> None:
        """Write the trees parsed for the store."""
        if self.store is not None:
            for digest, tree in self.unstored.items():
                self.store.put(digest, tree)
        self.unstored.clear()

    def source(self, path: str) -> Optional[SourceFile]:
        if path in self.sources:
            return self.sources[path]
        if path in self.errors:
            return None
        if path in self.overrides:
            text = self.overrides[path]
            src: object = SourceFile(path, text, text.encode("utf-8", "surrogatepass"))
        else:
            src = read_source(path)
        if isinstance(src, FileError):
            self.errors[path] = src
            return None
        assert isinstance(src, SourceFile)
        self.sources[path] = src
        self.hashes[path] = hashlib.sha256(src.raw).hexdigest()
        return src

    def __call__(self, path: str) -> Optional[cst.Module]:
        self.accessed.add(path)
        src = self.source(path)
        if src is None:
            return None
        key = (path, self.hashes[path])
        whole = path in self.whole
        cached = TREES.get(key)
        if cached is not None:
            if whole:  # (parsed as another batch's dependency)
                fill_all(cached)
            return cached
        tree = self.store.get(key[1]) if self.store is not None else None
        if tree is not None and whole:
            fill_all(tree)
        if tree is None:
            tree = parse(src.text, path) if whole else parse_skeleton(src.text, path)
            if isinstance(tree, FileError):
                self.errors[path] = tree
                return None
            if self.store_writes and self.store is not None and path not in self.changed:
                # (written when the batch is done: with the function bodies it parsed by then,
                # which the next run of the hook needs again)
                self.unstored[key[1]] = tree
        if path not in self.not_kept:  # dependencies (and imported targets) recur in later batches
            TREES.put(key, tree, src.text.count("\n") + 1)
        return tree


def analyze_batch(
    targets: Sequence[str],
    module_files: Mapping[str, str],
    kb: KnowledgeBase,
    enabled: FrozenSet[str],
    reportable: Callable[[str], bool],
    wipe_helpers: Tuple[str, ...] = (),
    overrides: Optional[Mapping[str, str]] = None,
    worth_loading: Optional[Callable[[str, str], bool]] = None,
    imported: Collection[str] = (),
    store: Optional[TreeStore] = None,
    store_writes: bool = False,
) -> List[TargetResult]:
    """Analyse ``targets`` (paths); findings are attributed to the target whose analysis found them.

    ``imported``: targets that other files of the scan may import; their trees are kept for later
    batches like those of dependencies (other targets are analysed once and not kept).
    ``store``: trees on disk between runs; with ``store_writes`` the trees parsed here, other
    than the reported targets', are written to it.
    """
    # the interpreter recurses with the code's nesting (and across modules); CPython 3.11 frames are
    # cheap, so a higher limit trades a few rare per-file errors for a little stack
    if sys.getrecursionlimit() < 6000:
        sys.setrecursionlimit(6000)
    loader = Loader(overrides)
    loader.not_kept = frozenset(targets).difference(imported)
    loader.changed = frozenset(t for t in targets if reportable(t))
    loader.whole = frozenset(targets)
    loader.store, loader.store_writes = store, store_writes
    project = Project(kb, loader, module_files)
    if worth_loading is not None:
        project.worth_loading = worth_loading
    try:
        with young_collections_only():
            results = _analyze_targets(project, loader, targets, kb, enabled, reportable, wipe_helpers)
        loader.flush()
        return results
    finally:
        project.close()


def _analyze_targets(project: Project, loader: Loader, targets: Sequence[str], kb: KnowledgeBase,
                     enabled: FrozenSet[str], reportable: Callable[[str], bool],
                     wipe_helpers: Tuple[str, ...]) -> List[TargetResult]:
    results: List[TargetResult] = []
    trace_owner: Dict[int, TargetResult] = {}
    for path in targets:
        res = TargetResult(path)
        results.append(res)
        loader.accessed = set()
        # every target starts with the full budget of contexts per function (engine.MAX_CONTEXTS)
        # in the modules earlier targets of the batch loaded: what a file's analysis finds does not
        # depend on which files shared its batch (a pre-commit hook, a warm re-scan and a full scan
        # analyse a file in different company)
        for other in project.modules.values():
            other.contexts_per_func.clear()
        first_trace = project._trace_counter + 1
        try:
            interp = project.interp_for_path(path)
            if interp is not None:
                interp.analyze()
                res.exports = exported_names(interp)
        except RecursionError:
            res.errors.append(FileError(path, "internal error: code nested too deeply to analyse"))
        except Exception as exc:  # an engine bug must not stop the scan
            res.errors.append(FileError(path, f"internal error while analysing: {type(exc).__name__}: {exc}"))
        if path in loader.errors:
            res.errors.append(loader.errors[path])
        for t in range(first_trace, project._trace_counter + 1):
            trace_owner[t] = res
        for p in loader.accessed | {path}:
            if p in loader.hashes:
                res.deps[p] = loader.hashes[p]
    # ---- rules
    events: List[Event] = []
    parents: Dict[object, Set[object]] = {}
    trees: Dict[str, cst.Module] = {}
    for interp in project.modules.values():
        events.extend(interp.events)
        parents.update(interp.path_parents)
        trees[interp.path] = interp.tree
    ctx = AnalysisContext(
        kb=kb,
        events=events,
        code_of=lambda node, module: project.modules[module].code(node) if module in project.modules else "",
        path_parents=parents,
        wipe_helpers=wipe_helpers,
        trees=trees,
    )
    roots = project.trace_root
    called = project.called_params

    def keep(h: Hit, trace: Optional[int]) -> bool:
        if _guess_of_called_helper(h, called):
            return False
        return is_test_module(h.module) or not _from_tests(h, trace, roots)

    hits = run_rules(ctx, enabled, keep)
    # owner of each hit: the trace of the events it came from (module-level hits go to their module)
    by_target: Dict[str, TargetResult] = {r.path: r for r in results}
    event_trace: Dict[int, int] = {}
    for ev in events:
        event_trace.setdefault(id(ev.node), ev.trace)
    modules_with_hits = {h.module for h in hits if reportable(h.module)}
    for h in hits:
        if h.source is not None:
            modules_with_hits.add(h.source.module)
    # positions are computed only for the module-level statements holding a reported node: the
    # hit, its source and its trace steps (all nodes of events, whose statement is known)
    top_of: Dict[int, Optional[cst.CSTNode]] = {}
    for ev in events:
        if ev.module in modules_with_hits:
            top_of.setdefault(id(ev.node), ev.top)
        # hits moved to the call of a helper (rules.support.at_call_site): that call's statement
        for site in (ev.values.get("site"), *(ev.values.get("param_sites") or {}).values()):
            if site and site[0] in modules_with_hits:
                top_of.setdefault(id(site[1]), site[2])
    tops: Dict[str, Set[int]] = {}
    unknown: Set[str] = set()

    def need(module: str, node: object, top: Optional[cst.CSTNode]) -> None:
        if top is None:
            unknown.add(module)
        else:
            tops.setdefault(module, set()).add(id(top))

    for h in hits:
        if not reportable(h.module):
            continue
        need(h.module, h.node, top_of.get(id(h.node)))
        for node, module, _text in h.steps:
            need(module, node, top_of.get(id(node)))
        if h.source is not None:
            need(h.source.module, h.source.node, h.source.top)
    positions: Dict[str, Mapping[cst.CSTNode, object]] = {}
    for m in modules_with_hits:
        if m not in trees:
            continue
        pos = None
        if m not in unknown and m in loader.sources:
            wanted = tops.get(m, set())
            for stmt in trees[m].body:  # (their code is generated whole: every body parsed)
                if id(stmt) in wanted:
                    fill_all(stmt)
            pos = _positions_of_statements(trees[m], loader.sources[m].text, wanted)
        if pos is None:
            fill_all(trees[m])
            pos = _positions(trees[m])
        positions[m] = pos
    seen: Set[Tuple[str, str, int, int]] = set()
    for h in hits:
        if not reportable(h.module):
            continue
        finding = to_finding(h, positions)
        if finding is None:
            continue
        k = (finding.code, finding.path, finding.line, finding.column)
        if k in seen:
            continue
        seen.add(k)
        owner = by_target.get(h.module)
        if owner is None:
            owner = trace_owner.get(event_trace.get(id(h.node), -1))
        if owner is None:
            owner = results[0] if results else None
        if owner is not None:
            owner.findings.append(finding)
    # ---- line suppressions (on the file holding the finding)
    texts = {p: src.text for p, src in loader.sources.items()}
    for res in results:
        kept, _dropped = filter_findings(drop_subsumed(res.findings), texts)
        res.findings = kept
    return results


def _guess_of_called_helper(h: Hit, called_params: Collection[int]) -> bool:
    """A hit whose key material is only guessed from the name of a parameter's function
    (``data`` of ``write_pem``), in a helper its own module calls: the calls say what the
    parameter holds (``write_pem(path, cert.public_bytes(...))``), and a call that passes a key
    reports the flow with its real source.  (A parameter named for a key, ``private_pem``, keeps
    its guess: callers often pass values the analysis cannot see into.)"""
    src = h.source
    return src is not None and src.description.startswith(PARAM_GUESS) and " of `" in src.description \
        and id(src.node) in called_params


def _from_tests(h: Hit, trace: Optional[int], trace_root: Mapping[int, str]) -> bool:
    """Whether a hit in library code exists only because a test drove it there: its source is a
    test's fixture key (``keys.fromString(keydata.PEM)`` -> the library's error message), or the
    event it came from belongs to an activation a test module started (a test calling
    ``gen_keys("/keydir", "keyname", 2048)`` with an outdated signature, writing into a temporary
    folder it set up).  Test code exercising a library is not a finding in the library: the
    library's own entry points and real callers are what report it."""
    if h.source is not None and h.source.module != h.module and is_test_module(h.source.module):
        return True
    root = trace_root.get(trace) if trace is not None else None
    return root is not None and root != h.module and is_test_module(root)


def run_rules(ctx: AnalysisContext, enabled: FrozenSet[str],
              keep: Optional[Callable[[Hit, Optional[int]], bool]] = None) -> List[Hit]:
    """The rules' hits on the context's events, one per (code, module, node).  ``keep(hit,
    trace)`` filters them first (``trace``: the trace of the event a hit came from, None for hits
    a rule's ``finish`` made from several events)."""
    hits: List[Hit] = []
    rules = [RULES[c]() for c in sorted(enabled) if c in RULES]
    by_kind: Dict[str, List[object]] = {}
    for r in rules:
        for k in r.kinds:
            by_kind.setdefault(k, []).append(r)
    for ev in ctx.events:
        for r in by_kind.get(ev.kind, ()):
            for h in r.check(ev, ctx):  # type: ignore[attr-defined]
                if keep is None or keep(h, ev.trace):
                    hits.append(h)
    for r in rules:
        hits.extend(h for h in r.finish(ctx) if keep is None or keep(h, None))  # type: ignore[arg-type]
    out: List[Hit] = []
    seen: Set[Tuple[str, str, int]] = set()
    for h in hits:
        k = (h.code, h.module, id(h.node))
        if k not in seen:
            seen.add(k)
            out.append(h)
    return out


def _positions(tree: cst.Module) -> Mapping[cst.CSTNode, object]:
    from libcst.metadata import MetadataWrapper, PositionProvider  # only when something is reported

    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    return wrapper.resolve(PositionProvider)


class _Computed:
    """The bit of a metadata provider that libcst's position-recording codegen state writes to."""

    def __init__(self) -> None:
        self._computed: Dict[cst.CSTNode, object] = {}


def _positions_of_statements(tree: cst.Module, text: str, tops: Set[int]) -> Optional[Dict[cst.CSTNode, object]]:
    """Positions for the nodes of the given module-level statements only.

    Where each statement starts is read from ``ast`` (an order of magnitude cheaper than
    libcst's code generation); each wanted statement is then generated alone with libcst's
    position-recording state, starting at that line.  Returns None when the two parsers
    disagree (the caller falls back to the whole-module provider).
    """
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    try:
        tree_ast = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    body = tree_ast.body
    i = 0
    out = _Computed()
    for stmt in tree.body:
        n = len(stmt.body) if type(stmt) is cst.SimpleStatementLine else 1
        if i + n > len(body):
            return None
        first = body[i]
        i += n
        if id(stmt) not in tops:
            continue
        start = first.lineno
        for deco in getattr(first, "decorator_list", ()):
            start = min(start, deco.lineno)
        state = PositionProvidingCodegenState(
            default_indent=tree.default_indent, default_newline=tree.default_newline, provider=out  # type: ignore[arg-type]
        )
        state.line = start - len(getattr(stmt, "leading_lines", ()))
        stmt._codegen(state)
    if i != len(body):
        return None
    return out._computed


def _line(org: Origin, positions: Mapping[str, Mapping[cst.CSTNode, object]]) -> Optional[int]:
    pos = positions.get(org.module, {}).get(org.node) if org.node is not None else None
    return pos.start.line if pos is not None else None  # type: ignore[attr-defined]


def to_finding(h: Hit, positions: Mapping[str, Mapping[cst.CSTNode, object]]) -> Optional[Finding]:
    rule = RULES[h.code]
    pos = positions.get(h.module, {}).get(h.node)
    if pos is None:
        return None
    start, end = pos.start, pos.end  # type: ignore[attr-defined]
    source = None
    message = h.message
    steps: List[TraceStep] = []
    if h.source is not None:
        line = _line(h.source, positions)
        if line is not None:
            other = h.source.module if h.source.module != h.module else None
            source = SourceRef(line, h.source.description, other)
            where = f"line {line}" if other is None else f"{other}:{line}"
            message = message.replace("{source}", f"{h.source.description} at {where}")
            spos = positions.get(h.source.module, {}).get(h.source.node)
            if spos is not None:
                steps.append(TraceStep(h.source.module, spos.start.line, spos.start.column + 1, h.source.description))  # type: ignore[attr-defined]
        else:
            message = message.replace("{source}", h.source.description)
    else:
        message = message.replace("{source}", "key material")
    for node, module, text in h.steps:
        p = positions.get(module, {}).get(node)
        if p is not None:
            steps.append(TraceStep(module, p.start.line, p.start.column + 1, text))  # type: ignore[attr-defined]
    steps.append(TraceStep(h.module, start.line, start.column + 1, rule.name))
    confidence = h.confidence
    if h.source is not None and h.source.confidence == "medium" and confidence == "high":
        confidence = "medium"
    return Finding(
        code=h.code,
        name=rule.name,
        severity=rule.severity,
        path=h.module,
        line=start.line,
        column=start.column + 1,
        end_line=end.line,
        end_column=end.column + 1,
        message=message,
        fix=h.fix or rule.fix_title,
        source=source,
        confidence=confidence,
        trace=tuple(steps),
    )


_RETURN_LABELS = frozenset(KEY_LABELS | {PASSPHRASE})


def _keygen_command(v: object) -> bool:
    """A returned command line naming a key-generation tool (an argv builder): where an
    importing module runs it, the key's path or passphrase becomes a finding."""
    return isinstance(v, Value) and names_keygen_tool(v)


def _carries(v: object, labels: FrozenSet[str] = KEY_LABELS) -> bool:
    if not isinstance(v, Value):
        return False
    # (or an instance of a project class whose fields hold key material: return KeyHolder(seed))
    return any(lbl in labels for lbl, _ in deep_taints(v)) or fields_carry(v, labels)


def exported_names(interp: ModuleInterp) -> FrozenSet[str]:
    """Module-level names through which key material can reach an importing module.

    A function counts when one of its evaluations returned key material (or a passphrase) or
    observed an effect on key material (a write, a log call, a launch ...: a caller's arguments
    may make that effect a finding); a class when one of its methods returns or acts on key
    material or its instances' attributes hold it; a global when it holds key material.  A
    function that returns a key-generation command line (an argv builder) counts too.  (Classes
    that merely prompt for a password, like a CLI's display helper, are imported everywhere and
    their callers need a key word of their own to be analysed.)  The scan analyses modules that
    import none of these only for their own sake (see ``keyguard.api.scan_paths``).
    """
    out: Set[str] = set()
    #: node id -> (exported name, labels whose return counts)
    owner: Dict[int, Tuple[str, FrozenSet[str]]] = {}
    for fn in interp.functions:
        if fn.cls is None and type(fn.top) is cst.FunctionDef and fn.top is fn.node:
            owner[id(fn.node)] = (fn.name, _RETURN_LABELS)
    for cls in interp.classes:
        for m in cls.methods.values():
            owner[id(m.node)] = (cls.name, KEY_LABELS)
        if any(_carries(v) for v in cls.attrs.values()):
            out.add(cls.name)
    for memo_key, summary in interp.summaries.items():
        name, labels = owner.get(memo_key[0], ("", KEY_LABELS))
        if name and name not in out and (_carries(summary.returns, labels) or _keygen_command(summary.returns)):
            out.add(name)
    tops: Dict[int, str] = {}
    for stmt in interp.tree.body:
        if type(stmt) in (cst.FunctionDef, cst.ClassDef):
            tops[id(stmt)] = stmt.name.value
    for ev in interp.events:
        if ev.module != interp.path or ev.top is None:
            continue
        name = tops.get(id(ev.top))
        if name is not None and name not in out and any(_carries(v) for v in ev.values.values()):
            out.add(name)
    for name, v in interp.globals.items():
        if v.func is None and _carries(v):
            out.add(name)
    return frozenset(out)
