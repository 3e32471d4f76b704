"""The library API: every front end (CLI, flake8, pre-commit, LSP) is a thin layer over this.

- :func:`scan_source` analyses one file's text (editors, flake8, stdin);
- :func:`scan_paths` discovers files, prefilters them, analyses the rest (optionally in a
  process pool, with a content-hash cache) and returns a sorted :class:`ScanResult`.

Neither prints anything; neither imports or executes the scanned code.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import time
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from keyguard.cstimport import dataclass_code_cached

# (the generated code of the findings', the configuration's and the caches' dataclasses, compiled
# once like bytecode: a tenth of this module's import, which every run pays)
with dataclass_code_cached("keyguard-core"):
    from keyguard.cache import TREE_STORE_MAX_TARGETS, FileIndex, ResultCache, TreeStore, cache_salt
    from keyguard.config import Config
    from keyguard.discovery import KeyNames, discover, imported_words, key_names_for, module_name_for, prefilter_for
    from keyguard.gcpolicy import imports_settled, own_process_collections
    from keyguard.knowledge.schema import KnowledgeBase, kb_with_extra, table_bytes
    from keyguard.model import FileError, Finding, ScanResult, TargetResult, drop_subsumed
    from keyguard.source import check_syntax, decode, read_bytes

if TYPE_CHECKING:
    from keyguard.workers import Workers  # imported when a pool is started (not for one file)

Progress = Callable[[int], None]

#: the least work (bytes of source to analyse) worth starting worker processes for: forking
#: costs a few hundredths of a second, a few hundred lines of analysis cost more
POOL_THRESHOLD = 16 * 1024
CHUNK = 16


def import_analysis() -> ModuleType:
    """:mod:`keyguard.analysis.run`, imported with the first file to analyse.

    libcst, the engine and the rules are most of keyguard's start-up; a run whose files the
    prefilter all rejects (most commits a pre-commit hook sees) or the cache answers never
    imports them.  A scan imports them before it starts worker processes, which inherit them.
    """
    global _ANALYSIS
    if _ANALYSIS is None:
        from keyguard.cstimport import import_libcst

        import_libcst()
        with dataclass_code_cached("keyguard-analysis"):  # (the engine's and the rules' dataclasses)
            from keyguard.analysis import run
        imports_settled()  # keyguard's own processes: the imported objects out of the collector's sight
        _ANALYSIS = run
    return _ANALYSIS


#: :mod:`keyguard.analysis.run` once :func:`import_analysis` has imported it in this process
_ANALYSIS: Optional[ModuleType] = None


def analyze_batch(*args, **kwargs) -> List[TargetResult]:
    """:func:`keyguard.analysis.run.analyze_batch` (imported on first use, :func:`import_analysis`)."""
    return import_analysis().analyze_batch(*args, **kwargs)


def knowledge_base(config: Config) -> KnowledgeBase:
    return kb_with_extra(config.knowledge)


@lru_cache(maxsize=4)
def _kb_fingerprint(extra: Tuple[Tuple[str, str], ...]) -> str:
    h = hashlib.sha256()
    for raw in table_bytes():
        h.update(raw)
    for name, text in extra:
        h.update(name.encode())
        h.update(text.encode())
    return h.hexdigest()[:16]


def _per_file_ignored(config: Config, path: str) -> FrozenSet[str]:
    out: Set[str] = set()
    norm = path.replace(os.sep, "/")
    for glob, codes in config.per_file_ignores:
        if fnmatch.fnmatch(norm, glob) or fnmatch.fnmatch(os.path.basename(norm), glob) \
                or fnmatch.fnmatch(norm, "*/" + glob.lstrip("./")):
            out.update(codes)
    return frozenset(out)


def _apply_per_file_ignores(config: Config, findings: Iterable[Finding]) -> Tuple[List[Finding], int]:
    if not config.per_file_ignores:
        return list(findings), 0
    kept: List[Finding] = []
    dropped = 0
    for f in findings:
        ign = _per_file_ignored(config, f.path)
        if any(f.code.startswith(c) or c == "ALL" for c in ign):
            dropped += 1
        else:
            kept.append(f)
    return kept, dropped


def _module_map(paths: Iterable[str], root: Optional[str] = None) -> Dict[str, str]:
    out: Dict[str, str] = {}
    # (os.path.relpath makes both paths absolute on every call: the root once is enough)
    base = os.path.join(os.path.abspath(root), "") if root else ""
    for p in paths:
        if not root:
            rel = p
        else:
            a = os.path.abspath(p)
            rel = a[len(base):] if a.startswith(base) else os.path.relpath(a, base)
        if rel.startswith(".."):
            rel = p
        out.setdefault(module_name_for(rel), p)
    return out


def _sibling_modules(path: str) -> Dict[str, str]:
    """For a single file on disk: the modules of its package tree (for cross-module flows)."""
    d = os.path.dirname(os.path.abspath(path))
    top = d
    while os.path.isfile(os.path.join(top, "__init__.py")) and os.path.dirname(top) != top:
        top = os.path.dirname(top)
    files: List[str] = []
    count = 0
    for dirpath, dirnames, filenames in os.walk(d if top == d else top):
        dirnames[:] = [x for x in dirnames if not x.startswith(".") and x not in ("node_modules", "venv", ".venv", "__pycache__")]
        for f in filenames:
            if f.endswith(".py"):
                files.append(os.path.join(dirpath, f))
                count += 1
        if count > 2000 or dirpath.count(os.sep) - top.count(os.sep) > 6:
            break
    return _module_map(files, os.path.dirname(top) if top != d else d)


def scan_source(source, path: str = "<stdin>", config: Optional[Config] = None, *, siblings: bool = True) -> ScanResult:
    """Analyse one file's text. Other modules of its package (on disk) feed cross-module flows."""
    t0 = time.perf_counter()
    config = config or Config()
    if isinstance(source, bytes):
        from keyguard.source import decode

        text = decode(source, path)
        if isinstance(text, FileError):
            return ScanResult(errors=(text,), files_skipped=1, seconds=time.perf_counter() - t0)
    else:
        text = source
    kb = knowledge_base(config)
    modules: Dict[str, str] = {}
    if siblings and path != "<stdin>" and os.path.exists(path):
        modules = _sibling_modules(path)
        modules = {k: v for k, v in modules.items() if os.path.abspath(v) != os.path.abspath(path)}
    modules[module_name_for(os.path.basename(path))] = path
    results = analyze_batch(
        [path], modules, kb, config.enabled, lambda p: p == path, config.wipe_helpers, overrides={path: text}
    )
    findings: List[Finding] = []
    errors: List[FileError] = []
    for r in results:
        findings.extend(r.findings)
        errors.extend(r.errors)
    findings, dropped = _apply_per_file_ignores(config, findings)
    findings.sort(key=Finding.sort_key)
    return ScanResult(
        findings=tuple(findings), errors=tuple(errors), files_scanned=1 if not errors else 0,
        files_skipped=1 if errors else 0, seconds=time.perf_counter() - t0, suppressed=dropped,
    )


# ------------------------------------------------------------------------------ many files


#: at least this many files whose prefilter verdict is not cached are surveyed in the workers
SURVEY_POOL_THRESHOLD = 200
SURVEY_CHUNK = 128


def survey_one(passes, raw: bytes, text: str) -> Tuple[bool, FrozenSet[str]]:
    """What a file's bytes say: can it hold a finding by itself (the prefilter, with the
    confirmation parse of a "weak" verdict), and the module words it imports."""
    verdict = passes.verdict(raw)
    return verdict == "strong" or (verdict == "weak" and passes.confirm(text)), imported_words(raw)


_PASSES: Dict[tuple, object] = {}


def _survey(args) -> List[Optional[Tuple[bool, FrozenSet[str]]]]:
    """:func:`survey_one` for a chunk of files, in a worker (None: the file could not be read
    again; the scan surveys it itself)."""
    paths, knowledge = args
    own_process_collections()
    passes = _PASSES.get(knowledge)
    if passes is None:
        passes = _PASSES[knowledge] = prefilter_for(kb_with_extra(knowledge))
    return [_survey_path(passes, p) for p in paths]


def _survey_path(passes, path: str) -> Optional[Tuple[bool, FrozenSet[str]]]:
    """:func:`survey_one` of a file read (again) from disk; None when it cannot be read now."""
    raw = read_bytes(path)
    if isinstance(raw, FileError):
        return None
    text = decode(raw, path)
    return None if isinstance(text, FileError) else survey_one(passes, raw, text)


def _companions(starts: Sequence[str], modules: Mapping[str, str], passes,
                imports_of: Dict[str, FrozenSet[str]]) -> Tuple[List[str], List[str]]:
    """The project modules, outside the scan, through which ``starts`` (named files the
    prefilter rejected) may import key material: (those that can hold a finding by themselves,
    the modules in between).  Followed over :data:`MAX_IMPORT_ROUNDS` imports by module word
    (generous, as the rounds are); modules from which no module that can hold a finding is
    reached are dropped.  Their surveys are added to ``imports_of``.

    A file whose imports reach more than :data:`MAX_COMPANIONS` such modules (a module of a
    large package that works with keys throughout, paramiko's ``channel.py``) gets none: analysing
    them would cost a scan of the package, which is the place to find those flows."""
    seen = {os.path.abspath(p) for p in imports_of}
    by_word: Dict[str, List[str]] = {}
    for path in modules.values():
        word = _module_word(path)
        full = os.path.abspath(path)
        if word is not None and full not in seen:
            seen.add(full)
            by_word.setdefault(word, []).append(path)
    if not by_word:
        return [], []
    surveyed: Dict[str, bool] = {}
    edges: Dict[str, Set[str]] = {}
    frontier = list(starts)
    for _hop in range(MAX_IMPORT_ROUNDS):
        reached: List[str] = []
        for p in frontier:
            for word in imports_of.get(p, ()):
                for q in by_word.get(word, ()):
                    edges.setdefault(p, set()).add(q)
                    if q in surveyed:
                        continue
                    known = _survey_path(passes, q)
                    if known is None:
                        continue
                    surveyed[q], imports_of[q] = known
                    reached.append(q)
        frontier = reached
    useful = {q for q, holds in surveyed.items() if holds}
    grown = bool(useful)
    while grown:
        grown = False
        for p, qs in edges.items():
            if p in surveyed and p not in useful and not qs.isdisjoint(useful):
                useful.add(p)
                grown = True
    if len(useful) > MAX_COMPANIONS:
        useful.clear()
    for q in surveyed:
        if q not in useful:
            del imports_of[q]
    kept = [q for q in surveyed if q in useful]
    return [q for q in kept if surveyed[q]], [q for q in kept if not surveyed[q]]


def _syntax_of(path: str) -> Optional[FileError]:
    raw = read_bytes(path)
    if isinstance(raw, FileError):
        return raw
    text = decode(raw, path)
    return text if isinstance(text, FileError) else check_syntax(text, path)


def _worker(args) -> List[TargetResult]:
    targets, modules, knowledge, enabled, reportable, wipe_helpers, exports, imported, store, writes = args
    own_process_collections()  # a pool worker is keyguard's own process
    kb = kb_with_extra(knowledge)
    rset = frozenset(reportable)
    return analyze_batch(targets, modules, kb, frozenset(enabled), rset.__contains__, wipe_helpers,
                         worth_loading=_WorthLoading(_key_names_for(knowledge), exports), imported=imported,
                         store=_tree_store(store), store_writes=writes)


_STORES: Dict[str, TreeStore] = {}


def _tree_store(directory: Optional[str]) -> Optional[TreeStore]:
    """The on-disk tree store of a cache directory (one per process)."""
    if directory is None:
        return None
    found = _STORES.get(directory)
    if found is None:
        found = _STORES[directory] = TreeStore(directory)
    return found


class _WorthLoading:
    """Whether calling ``symbol`` of the module at ``path`` can produce key material: its text
    mentions a key source (:class:`KeyNames`), or an earlier round's analysis of that module
    exported the name (a wrapper around another module's key source)."""

    def __init__(self, key_names: KeyNames, exports: Mapping[str, FrozenSet[str]]) -> None:
        self.key_names = key_names
        self.exports = exports

    def __call__(self, path: str, symbol: str) -> bool:
        if self.key_names(path, symbol):
            return True
        exported = self.exports.get(path)
        if not exported:
            return False
        return symbol == "*" or symbol.split(".")[0] in exported


_KEY_NAMES: Dict[tuple, KeyNames] = {}


def _key_names_for(knowledge: tuple) -> KeyNames:
    """One KeyNames cache per process and knowledge base (workers keep it across chunks)."""
    found = _KEY_NAMES.get(knowledge)
    if found is None:
        found = _KEY_NAMES[knowledge] = key_names_for(kb_with_extra(knowledge))
    return found


MAX_IMPORT_ROUNDS = 4
#: at most this many unchanged project modules are analysed for a named file (see _companions)
MAX_COMPANIONS = 12


def _module_word(path: str) -> Optional[str]:
    base = os.path.basename(path)[:-3]
    if base == "__init__":
        base = os.path.basename(os.path.dirname(path))
    return base if base.isidentifier() else None


def _add_reexports(all_exports: Dict[str, FrozenSet[str]], packages: Sequence[str],
                   imports_of: Mapping[str, FrozenSet[str]]) -> None:
    """A package's ``__init__.py`` that imports an exported name hands it out too: calls of
    ``pkg.generate_material`` are then worth following into the package (and on to the module
    that defines it), whatever the ``__init__``'s own text mentions."""
    exported = set().union(*all_exports.values()) if all_exports else set()
    if not exported:
        return
    for p in packages:
        names = imports_of.get(p, frozenset()) & exported
        if names and not names <= all_exports.get(p, frozenset()):
            all_exports[p] = all_exports.get(p, frozenset()) | names


def _importers(candidates: Sequence[str], imports_of: Mapping[str, FrozenSet[str]],
               exports: Mapping[str, FrozenSet[str]], packages: Sequence[str] = ()) -> List[str]:
    """The candidates that import a module of ``exports`` and mention one of its exported names.

    Generous by design (module words, not resolved imports): ``from pkg.keys import make_key``,
    ``from .keys import x``, ``import pkg.keys`` or ``from pkg import keys``, with the name
    anywhere in the file.  A package's ``__init__.py`` (``packages``) that imports and mentions
    an exported name re-exports it: ``from .crypto import generate_material`` where
    ``crypto/__init__.py`` says ``from .material import generate_material``.
    """
    names_of: Dict[str, Set[str]] = {}
    for path, exported in exports.items():
        word = _module_word(path)
        if word is not None and exported:
            names_of.setdefault(word, set()).update(exported)
    if not names_of:
        return []
    rx_of: Dict[FrozenSet[str], "re.Pattern[bytes]"] = {}

    def mentioned(p: str) -> FrozenSet[str]:
        """The exported names of modules ``p`` imports that ``p``'s text mentions."""
        shared = imports_of.get(p, frozenset()) & names_of.keys()
        if not shared:
            return frozenset()
        names = frozenset(n for w in shared for n in names_of[w])
        rx = rx_of.get(names)
        if rx is None:
            rx = rx_of[names] = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")\b")
        raw = read_bytes(p)  # read again rather than kept: workers inherit the scan's memory
        if not isinstance(raw, bytes):
            return frozenset()
        return frozenset(m.group(0).decode() for m in rx.finditer(raw))

    for _level in range(3):  # re-exports of re-exports (pkg/__init__ <- pkg/sub/__init__ <- module)
        grown = False
        for p in packages:
            word = _module_word(p)
            if word is None:
                continue
            new = mentioned(p) - names_of.get(word, set())
            if new:
                names_of.setdefault(word, set()).update(new)
                grown = True
        if not grown:
            break
    return [p for p in candidates if mentioned(p)]


def scan_paths(
    paths: Sequence[str],
    config: Optional[Config] = None,
    *,
    progress: Optional[Progress] = None,
    jobs: Optional[int] = None,
) -> ScanResult:
    """Scan files and folders per cli.md (``.gitignore`` and excludes honoured for folders)."""
    t0 = time.perf_counter()
    config = config or Config()
    kb = knowledge_base(config)
    enabled = config.enabled
    semgrep_targets = _semgrep_target_predicate() if config.semgrep else None
    found = discover(
        list(paths) or ["."],
        tuple(config.exclude) + tuple(config.extend_exclude),
        config.respect_gitignore,
        semgrep_targets,
        config.root,
    )
    errors: List[FileError] = list(found.errors)
    notes: List[str] = []
    # ---- non-Python files: the semgrep rules, in a thread while the Python analysis runs
    other_job = None
    if found.other:
        from keyguard.semgrep_bridge import scan_other

        from concurrent.futures import ThreadPoolExecutor

        other_pool = ThreadPoolExecutor(max_workers=1)
        other_job = other_pool.submit(scan_other, found.other, enabled, config)
        other_pool.shutdown(wait=False)
    python_files = list(dict.fromkeys(found.python))
    cache: Optional[ResultCache] = None
    index: Optional[FileIndex] = None
    store_dir: Optional[str] = None
    if config.use_cache:
        store_dir = config.cache_directory
        salt = cache_salt(config.fingerprint(), _kb_fingerprint(config.knowledge))
        cache = ResultCache(config.cache_directory, salt)
        index = FileIndex(config.cache_directory, salt)
    # ---- prefilter: which files can hold a finding by themselves
    passes = prefilter_for(kb)
    n_jobs = jobs if jobs is not None else (config.jobs if config.jobs is not None else (os.cpu_count() or 1))
    #: one set of workers for the survey and every round: they keep the dependency trees they parsed
    pool: Optional[Workers] = None
    #: the readable files (their bytes are not kept: the pool's workers would inherit them)
    read_ok: Set[str] = set()
    hashes: Dict[str, str] = {}
    sizes: Dict[str, int] = {}
    imports_of: Dict[str, FrozenSet[str]] = {}
    targets: List[str] = []
    rest: List[str] = []
    #: what each file's bytes say (can it hold a finding by itself, the module words it imports)
    knowns: Dict[str, Tuple[bool, FrozenSet[str]]] = {}
    #: files not in the index, surveyed after the loop (in the workers when there are many)
    defer = n_jobs > 1 and len(python_files) >= SURVEY_POOL_THRESHOLD
    pending: List[str] = []
    indexed: Set[str] = set()
    for p in python_files:
        raw = read_bytes(p)
        if isinstance(raw, FileError):
            errors.append(raw)
            continue
        text = decode(raw, p)
        if isinstance(text, FileError):
            errors.append(text)
            continue
        read_ok.add(p)
        sizes[p] = len(raw)
        known = None
        if index is not None:
            digest = hashes[p] = hashlib.sha256(raw).hexdigest()
            known = index.get(p, digest)
        if known is not None:
            knowns[p] = known
            indexed.add(p)
        elif defer:
            pending.append(p)
        else:
            knowns[p] = survey_one(passes, raw, text)

    def workers() -> "Workers":
        """The scan's worker processes, started on first use (not for a few files)."""
        nonlocal pool
        if pool is None:
            from keyguard.workers import Workers

            import_analysis()  # imported once here, not in every worker
            pool = Workers(n_jobs)
        return pool

    if len(pending) >= SURVEY_POOL_THRESHOLD:
        step = max(1, min(SURVEY_CHUNK, -(-len(pending) // (4 * n_jobs))))
        chunks = [pending[i:i + step] for i in range(0, len(pending), step)]
        work = [(c, config.knowledge) for c in chunks]
        try:
            for i, res in workers().map(_survey, work, [sum(sizes[p] for p in c) for c in chunks]):
                for p, known in zip(chunks[i], res):
                    if known is not None:
                        knowns[p] = known
        except BaseException:
            workers().shutdown()
            raise
    for p in python_files:
        if p not in read_ok:
            continue
        known = knowns.get(p)
        if known is None:  # deferred to a few, or unreadable in a worker: surveyed here
            # (unreadable now: analysed, so that its error is reported)
            known = knowns[p] = _survey_path(passes, p) or (True, frozenset())
        if index is not None and p not in indexed:
            index.put(p, hashes[p], *known)
        imports_of[p] = known[1]
        if known[0]:
            targets.append(p)
        else:
            # a file named on the command line (pre-commit, editors) has its syntax errors
            # reported even when it cannot hold a finding by itself
            bad = _syntax_of(p) if p in found.explicit else None
            if bad is not None:
                errors.append(bad)
            else:
                rest.append(p)
    if index is not None:
        index.save()
    key_names_of = key_names_for(kb)
    readable = [p for p in python_files if p in read_ok]
    modules = _module_map(readable, config.root)

    def hash_of(p: str) -> Optional[str]:
        h = hashes.get(p)
        if h is None:
            raw = read_bytes(p)
            if isinstance(raw, FileError):
                return None
            h = hashes[p] = hashlib.sha256(raw).hexdigest()
        return h

    reportable = frozenset(readable)
    if found.explicit:
        # files named one by one (pre-commit, editors): their packages' other modules feed
        # cross-module flows (read lazily, never reported)
        seen_dirs: Set[str] = set()
        readable_abs = {os.path.abspath(x) for x in readable}
        for p in list(found.explicit):
            d = os.path.dirname(os.path.abspath(p))
            if d in seen_dirs or not p.endswith(".py"):
                continue
            seen_dirs.add(d)
            for name, path in _sibling_modules(p).items():
                if path in read_ok or os.path.abspath(path) in readable_abs:
                    continue
                modules.setdefault(name, path)
    # a named file the prefilter rejected may call into unchanged modules of its project (a
    # pre-commit hook gets the changed files only): the modules its imports reach are analysed
    # too, without being reported, so that the rounds find what a scan of the project finds
    silent: Set[str] = set()
    if found.explicit and rest:
        extra_targets, extra_rest = _companions([p for p in rest if p in found.explicit], modules, passes,
                                                imports_of)
        targets.extend(extra_targets)
        rest.extend(extra_rest)
        silent.update(extra_targets, extra_rest)
    # files whose module word some file imports: a target among them may be a later batch's
    # dependency, so its parsed tree is kept (generous: a word match, not a resolved import)
    imported_words_all: Set[str] = set().union(*imports_of.values()) if imports_of else set()
    imported = {p for p in readable if _module_word(p) in imported_words_all} | silent
    findings: List[Finding] = []

    all_exports: Dict[str, FrozenSet[str]] = {}

    def analyse(batch: List[str]) -> Dict[str, FrozenSet[str]]:
        """Analyse ``batch`` (cache first); return each file's exported names."""
        exports: Dict[str, FrozenSet[str]] = {}
        todo: List[str] = []
        for p in batch:
            # (a silent companion's entry would bring findings that are not to be reported)
            hit = cache.get(p, hash_of) if cache is not None and p not in silent else None
            if hit is not None:
                findings.extend(hit[0])
                errors.extend(hit[1])
                exports[p] = hit[3]
                if progress:
                    progress(1)
            else:
                todo.append(p)
        results: List[TargetResult] = []
        # a run analysing few files (a pre-commit hook, an editor) keeps its dependencies' trees
        writes = len(todo) <= TREE_STORE_MAX_TARGETS
        if n_jobs > 1 and len(todo) > 1 and sum(sizes.get(p, 0) for p in todo) >= POOL_THRESHOLD:
            if len(todo) <= CHUNK * n_jobs:
                # a few files (pre-commit) are shared out between the workers too: one chunk each,
                # of about equal bytes (one big file beside a few small ones is a chunk of its own)
                from keyguard.workers import stretches

                cut = stretches([sizes.get(p, 0) for p in todo], n_jobs)
                chunks = [[todo[i] for i in s] for s in cut if s]
            else:
                chunks = [todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)]
            shared = {p: e for p, e in all_exports.items() if e}
            work = [(c, modules, config.knowledge, tuple(sorted(enabled)), reportable, config.wipe_helpers, shared,
                     [p for p in c if p in imported], store_dir, writes)
                    for c in chunks]
            done: Dict[int, List[TargetResult]] = {}
            weights = [sum(sizes.get(p, 0) for p in c) for c in chunks]
            def crashed(i: int, why: str) -> List[TargetResult]:
                # (a native crash in a worker - libcst's parser on input it does not guard
                # against - costs the files of that batch, not the scan)
                return [TargetResult(p, errors=[FileError(p, f"internal error: the analysis process {why} while "
                                                             f"analysing this file's batch of {len(chunks[i])}, "
                                                             "not analysed")])
                        for p in chunks[i]]

            for i, res in workers().map(_worker, work, weights, crashed):
                done[i] = res
                if progress:
                    progress(len(chunks[i]))
            for i in range(len(chunks)):  # in file order, as with one process
                results.extend(done[i])
        else:
            for i in range(0, len(todo), CHUNK):
                chunk = todo[i:i + CHUNK]
                results.extend(analyze_batch(chunk, modules, kb, enabled, reportable.__contains__, config.wipe_helpers,
                                             worth_loading=_WorthLoading(key_names_of, all_exports),
                                             imported=[p for p in chunk if p in imported],
                                             store=_tree_store(store_dir), store_writes=writes))
                if progress:
                    progress(len(chunk))
        for r in results:
            findings.extend(r.findings)
            errors.extend(r.errors)
            exports[r.path] = r.exports
            if cache is not None and r.deps and r.path not in silent:
                cache.put(r.path, r.findings, r.errors, r.deps, r.exports)
        return exports

    packages = [p for p in readable + sorted(silent) if os.path.basename(p) == "__init__.py"]
    # ---- analysis, in rounds: a file the prefilter rejected is analysed when it imports a name
    # through which an analysed module hands out key material (cross-module flows)
    batch = targets
    try:
        for _round in range(MAX_IMPORT_ROUNDS):
            exports = analyse(batch)
            all_exports.update(exports)
            _add_reexports(all_exports, packages, imports_of)
            if not rest:
                break
            batch = _importers(rest, imports_of, exports, packages)
            if not batch:
                break
            taken = set(batch)
            rest = [p for p in rest if p not in taken]
    finally:
        if pool is not None:
            pool.shutdown()
    if progress and rest:
        progress(len(rest))
    if other_job is not None:
        f2, e2, n2 = other_job.result()
        findings.extend(f2)
        errors.extend(e2)
        notes.extend(n2)
    findings = _dedupe(findings)
    findings, dropped = _apply_per_file_ignores(config, findings)
    findings.sort(key=Finding.sort_key)
    errors = sorted(set(errors), key=lambda e: (e.path, e.message))
    error_paths = {e.path for e in errors}
    scanned = len([p for p in readable if p not in error_paths]) + len([p for p in found.other if p not in error_paths])
    return ScanResult(
        findings=tuple(findings),
        errors=tuple(errors),
        files_scanned=scanned,
        files_skipped=len(error_paths),
        seconds=time.perf_counter() - t0,
        suppressed=dropped,
        notes=tuple(notes),
    )


def _dedupe(findings: Iterable[Finding]) -> List[Finding]:
    """One finding per code and position, none that another on its line subsumes (the batches of
    a scan each see some of a helper's callers)."""
    seen: Set[Tuple[str, str, int, int]] = set()
    out: List[Finding] = []
    for f in findings:
        k = (f.code, f.path, f.line, f.column)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return drop_subsumed(out)


def _semgrep_target_predicate():
    try:
        from keyguard.semgrep_bridge import is_target
    except ImportError:  # pragma: no cover
        return None
    return is_target
