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
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from keyguard.analysis.engine import module_name_for
from keyguard.analysis.run import TargetResult, analyze_batch
from keyguard.cache import ResultCache, cache_salt
from keyguard.config import Config
from keyguard.discovery import KeyNames, discover, prefilter_for, source_filter_for
from keyguard.knowledge.schema import HERE as KB_DIR
from keyguard.knowledge.schema import KB_FILES, KnowledgeBase, kb_with_extra
from keyguard.model import FileError, Finding, ScanResult
from keyguard.source import decode, read_bytes

Progress = Callable[[int], None]

#: below this many target files a process pool costs more than it saves
POOL_THRESHOLD = 24
CHUNK = 16


def knowledge_base(config: Config) -> KnowledgeBase:
    return kb_with_extra(config.knowledge)


@lru_cache(maxsize=4)
def _kb_fingerprint(extra: Tuple[Tuple[str, str], ...]) -> str:
    h = hashlib.sha256()
    for name in KB_FILES + ("constants.toml",):
        h.update((KB_DIR / name).read_bytes())
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
    for p in paths:
        rel = os.path.relpath(p, root) if root else p
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


def _worker(args) -> List[TargetResult]:
    targets, modules, knowledge, enabled, reportable, wipe_helpers = args
    kb = kb_with_extra(knowledge)
    rset = frozenset(reportable)
    return analyze_batch(targets, modules, kb, frozenset(enabled), rset.__contains__, wipe_helpers,
                         worth_loading=_key_names_for(knowledge))


_KEY_NAMES: Dict[tuple, KeyNames] = {}


def _key_names_for(knowledge: tuple) -> KeyNames:
    """One KeyNames cache per process and knowledge base (workers keep it across chunks)."""
    found = _KEY_NAMES.get(knowledge)
    if found is None:
        found = _KEY_NAMES[knowledge] = KeyNames(source_filter_for(kb_with_extra(knowledge)))
    return found


def _import_words(paths: Iterable[str]) -> Set[bytes]:
    words = set()
    for p in paths:
        base = os.path.basename(p)[:-3]
        if base == "__init__":
            base = os.path.basename(os.path.dirname(p))
        if base.isidentifier():
            words.add(base.encode())
    return words


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
    python_files = list(dict.fromkeys(found.python))
    # ---- prefilter: which files can hold a finding
    passes = prefilter_for(kb)
    raw_of: Dict[str, bytes] = {}
    targets: List[str] = []
    rest: List[str] = []
    for p in python_files:
        raw = read_bytes(p)
        if isinstance(raw, FileError):
            errors.append(raw)
            continue
        text = decode(raw, p)
        if isinstance(text, FileError):
            errors.append(text)
            continue
        raw_of[p] = raw
        # files named on the command line are always analysed (their syntax errors reported)
        verdict = passes.verdict(raw)
        if p in found.explicit or verdict == "strong" or (verdict == "weak" and passes.confirm(text)):
            targets.append(p)
        else:
            rest.append(p)
    # files that import a module with key sources are analysed too (cross-module flows)
    key_names_of = KeyNames(source_filter_for(kb), raw_of)

    def key_names(path: str) -> Set[bytes]:
        """Top-level functions/classes of a target whose own text mentions a key source."""
        return {n.encode() for n in key_names_of.names(path) if n != "<module>"}

    checked: Set[str] = set()
    names: Set[bytes] = set()
    for _round in range(3):
        for t in targets:
            if t not in checked:
                checked.add(t)
                names |= key_names(t)
        words = _import_words(targets)
        if not words or not rest or not names:
            break
        name_rx = re.compile(rb"\b(?:" + b"|".join(re.escape(n) for n in sorted(names)) + rb")\b")
        alt = b"|".join(re.escape(w) for w in sorted(words))
        # `from pkg.keys import make_key`, `from .keys import x`, `import pkg.keys` (not `pkg.keys.sub`)
        rx = re.compile(rb"(?:^|\n)[ \t]*(?:from[ \t]+[\w.]*?\b(?:" + alt + rb")[ \t]+import\b|import[ \t]+[\w.]*?\b(?:"
                        + alt + rb")\b(?!\.)|from[ \t]+[\w.]+[ \t]+import[ \t(]+[^\n]*\b(?:" + alt + rb")\b)")
        more = [p for p in rest if b"import" in raw_of[p] and rx.search(raw_of[p]) and name_rx.search(raw_of[p])]
        if not more:
            break
        targets.extend(more)
        more_set = set(more)
        rest = [p for p in rest if p not in more_set]
    readable = [p for p in python_files if p in raw_of]
    modules = _module_map(readable, config.root)
    hashes: Dict[str, str] = {}

    def hash_of(p: str) -> Optional[str]:
        h = hashes.get(p)
        if h is None:
            raw = raw_of.get(p)
            if raw is None:
                r = read_bytes(p)
                if isinstance(r, FileError):
                    return None
                raw = r
            h = hashes[p] = hashlib.sha256(raw).hexdigest()
        return h

    # ---- cache
    cache: Optional[ResultCache] = None
    if config.use_cache:
        cache_dir = config.cache_dir or os.path.join(config.root, ".keyguard_cache")
        cache = ResultCache(cache_dir, cache_salt(config.fingerprint(), _kb_fingerprint(config.knowledge)))
    findings: List[Finding] = []
    todo: List[str] = []
    for p in targets:
        hit = cache.get(p, hash_of) if cache is not None else None
        if hit is not None:
            findings.extend(hit[0])
            errors.extend(hit[1])
            if progress:
                progress(1)
        else:
            todo.append(p)
    if progress and rest:
        progress(len(rest))
    # ---- analysis
    reportable = frozenset(readable)
    if found.explicit:
        # files named one by one (pre-commit, editors): their packages' other modules feed
        # cross-module flows (read lazily, never reported)
        seen_dirs: Set[str] = set()
        for p in list(found.explicit):
            d = os.path.dirname(os.path.abspath(p))
            if d in seen_dirs or not p.endswith(".py"):
                continue
            seen_dirs.add(d)
            for name, path in _sibling_modules(p).items():
                if path in raw_of or os.path.abspath(path) in {os.path.abspath(x) for x in readable}:
                    continue
                modules.setdefault(name, path)
    results: List[TargetResult] = []
    n_jobs = jobs if jobs is not None else (config.jobs if config.jobs is not None else (os.cpu_count() or 1))
    if n_jobs > 1 and len(todo) >= POOL_THRESHOLD:
        chunks = [todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)]
        work = [(c, modules, config.knowledge, tuple(sorted(enabled)), reportable, config.wipe_helpers)
                for c in chunks]
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            for chunk, res in zip(chunks, pool.map(_worker, work)):
                results.extend(res)
                if progress:
                    progress(len(chunk))
    else:
        for i in range(0, len(todo), CHUNK):
            chunk = todo[i:i + CHUNK]
            results.extend(analyze_batch(chunk, modules, kb, enabled, reportable.__contains__, config.wipe_helpers,
                                         worth_loading=key_names_of))
            if progress:
                progress(len(chunk))
    for r in results:
        findings.extend(r.findings)
        errors.extend(r.errors)
        if cache is not None and r.deps:
            cache.put(r.path, r.findings, r.errors, r.deps)
    # ---- non-Python files: the semgrep rules
    notes: List[str] = []
    if found.other:
        from keyguard.semgrep_bridge import scan_other

        f2, e2, n2 = scan_other(found.other, enabled, config)
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
    seen: Set[Tuple[str, str, int, int]] = set()
    out: List[Finding] = []
    for f in findings:
        k = (f.code, f.path, f.line, f.column)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


def _semgrep_target_predicate():
    try:
        from keyguard.semgrep_bridge import is_target
    except ImportError:  # pragma: no cover
        return None
    return is_target
