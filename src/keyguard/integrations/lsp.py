"""``keyguard lsp``: a language server (pygls 2.x) for editors.

* Diagnostics are published on open, on save and — debounced (see
  :meth:`KeyguardServer.debounce_for`) — while the user types.  Only the edited document is
  re-analysed (with :func:`keyguard.api.scan_source`): first incrementally (the
  edited top-level statements and their context), then fully in a worker
  process; a result computed for an outdated version of the document is
  dropped.  Other modules of the package are read as saved on disk (flows from
  helpers in other modules are found); a project-wide scan is ``keyguard check``.
* Each diagnostic carries the origin of the key (and the flow's trace) as
  related information, so editors can jump from the sink to where the private
  key was generated.
* Hover on a flagged range shows the rule's documentation.
* Code actions offer the autofixes of :mod:`keyguard.fixes` for the codes that
  have one; the edit is computed for that single finding on the current text.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote

from keyguard import __version__
from keyguard.model import Finding, ScanResult

try:
    from lsprotocol import types as lsp
    from pygls.lsp.server import LanguageServer
    from pygls.uris import from_fs_path, to_fs_path
    from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange
except ImportError:  # pragma: no cover - reported by main()
    lsp = None  # type: ignore[assignment]
    LanguageServer = object  # type: ignore[assignment,misc]

log = logging.getLogger("keyguard.lsp")

#: wait at most this long after the last keystroke before re-analysing (seconds)
DEBOUNCE_SECONDS = 0.15
#: ... and at least this long, so that a burst of keystrokes is analysed once
MIN_DEBOUNCE_SECONDS = 0.05

_SEVERITY = {"critical": 1, "high": 1, "medium": 2, "low": 3}  # Error, Error, Warning, Information


@dataclass
class DocResult:
    """The last analysis of one document version."""

    version: Optional[int]
    source: str
    findings: Tuple[Finding, ...]
    diagnostics: List[Any]
    seconds: float


@functools.lru_cache(maxsize=32)
def _config_for(directory: str) -> Any:
    from keyguard.config import Config, load_config

    try:
        return load_config(directory)
    except Exception as exc:  # a broken pyproject must not kill the editor session
        log.warning("keyguard: cannot read configuration in %s: %s", directory, exc)
        return Config()


class KeyguardServer(LanguageServer):  # type: ignore[misc,valid-type]
    """The keyguard language server: per-document state and the analysis scheduler.

    Two analyses per edit, so that typing gets feedback fast and stays exact:

    * the *fast* pass (:mod:`keyguard.integrations.incremental`) re-analyses the
      edited top-level statements with their context, in a thread of this process,
      and publishes within tens of milliseconds on a 2,000-line file;
    * the *full* pass analyses the whole document in a worker process (so it never
      holds this process's GIL while the user types), replaces the fast result
      and becomes the base of the next fast pass.  At most one full pass per
      document runs at a time; when it finishes on outdated text it starts over
      on the latest text.
    """

    def __init__(self, debounce: float = DEBOUNCE_SECONDS, use_processes: bool = True) -> None:
        super().__init__("keyguard", __version__,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.debounce = debounce
        self.results: Dict[str, DocResult] = {}
        self.fast_seconds: Dict[str, float] = {}  # the last fast pass's analysis time
        self.snapshots: Dict[str, Any] = {}
        self._pending: Dict[str, asyncio.Task] = {}
        self._full_tasks: Dict[str, asyncio.Task] = {}
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keyguard-scan")
        self._threads.submit(_warm_up)  # the fast pass runs in this process
        self._procs: Optional[Any] = None
        if use_processes:
            try:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._procs = ProcessPoolExecutor(max_workers=1,
                                                  mp_context=multiprocessing.get_context("spawn"))
                self._procs.submit(_warm_up)  # import the engine before the first document
            except (OSError, ImportError, ValueError):  # no process support: threads only
                self._procs = None

    # -- scheduling ----------------------------------------------------------------
    def debounce_for(self, uri: str) -> float:
        """How long to wait after an edit of ``uri`` before analysing it.

        Twice the document's last fast pass, between :data:`MIN_DEBOUNCE_SECONDS`
        and the server's ``debounce``: a cheap analysis answers soon after typing
        stops, and waiting longer only pays when an analysis costs more than the
        gap between keystrokes would leave idle.  Before any fast pass (just
        opened, or no incremental analysis possible) the full ``debounce``.
        """
        last = self.fast_seconds.get(uri)
        if last is None:
            return self.debounce
        return min(self.debounce, max(MIN_DEBOUNCE_SECONDS, 2 * last))

    def is_open(self, uri: str) -> bool:
        """Whether the client has ``uri`` open (pygls keys documents by unquoted URI)."""
        return unquote(uri) in self.workspace.text_documents

    def schedule(self, uri: str, delay: float, full: bool = False) -> None:
        """(Re)start the analysis of ``uri`` after ``delay`` seconds, cancelling a pending one."""
        task = self._pending.pop(uri, None)
        if task is not None and not task.done():
            task.cancel()
        self._pending[uri] = asyncio.get_running_loop().create_task(self._analyse_later(uri, delay, full))

    async def _analyse_later(self, uri: str, delay: float, full: bool) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.is_open(uri):
                return
            if not full:
                await self.analyse_fast(uri)
            self.start_full(uri)
        except asyncio.CancelledError:
            pass
        except Exception:  # never let one document break the session
            log.exception("keyguard: analysis of %s failed", uri)

    # -- fast pass -----------------------------------------------------------------
    async def analyse_fast(self, uri: str) -> bool:
        """Publish the incremental result for the current text; False when not possible."""
        snap = self.snapshots.get(uri)
        if snap is None:
            return False
        doc = self.workspace.get_text_document(uri)
        version, source = doc.version, doc.source
        path = to_fs_path(uri) or uri
        from keyguard.integrations.incremental import fast_rescan

        started = time.perf_counter()
        result = await asyncio.get_running_loop().run_in_executor(
            self._threads, fast_rescan, snap, source, functools.partial(_scan_reduced, path=path))
        if result is None:
            self.fast_seconds.pop(uri, None)
            return False
        seconds = time.perf_counter() - started
        self.fast_seconds[uri] = seconds
        self._publish(uri, version, source, result, seconds)
        return True

    # -- full pass -----------------------------------------------------------------
    def start_full(self, uri: str) -> None:
        """Run (or re-run, once the current one ends) the full analysis of ``uri``."""
        running = self._full_tasks.get(uri)
        if running is not None and not running.done():
            return  # it loops until it has analysed the latest text
        self._full_tasks[uri] = asyncio.get_running_loop().create_task(self._full_loop(uri))

    async def _full_loop(self, uri: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.is_open(uri):
                doc = self.workspace.get_text_document(uri)
                version, source = doc.version, doc.source
                path = to_fs_path(uri) or uri
                started = time.perf_counter()
                result, snapshot = await self._run_full(loop, source, path)
                if not self.is_open(uri):
                    return
                if snapshot is not None:
                    # even for an outdated version: the fast pass diffs against the
                    # snapshot's own text, so a newer base keeps the edited region small
                    self.snapshots[uri] = snapshot
                if self.workspace.get_text_document(uri).version != version:
                    continue  # edited meanwhile: analyse the latest text
                prev = self.results.get(uri)
                if prev is None or prev.version != version or prev.findings != result.findings \
                        or result.errors:
                    self._publish(uri, version, source, result, time.perf_counter() - started)
                return
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("keyguard: analysis of %s failed", uri)

    async def _run_full(self, loop: Any, source: str, path: str) -> Tuple[ScanResult, Any]:
        if self._procs is not None:
            try:
                return await loop.run_in_executor(self._procs, _scan_full, source, path)
            except Exception as exc:  # BrokenProcessPool, pickling: fall back to a thread
                log.warning("keyguard: worker process failed (%s); analysing in-process", exc)
                self._procs = None
        return await loop.run_in_executor(self._threads, _scan_full, source, path)

    # -- results -------------------------------------------------------------------
    def _publish(self, uri: str, version: Optional[int], source: str, result: ScanResult,
                 seconds: float) -> None:
        doc = self.workspace.get_text_document(uri)
        t0 = time.perf_counter()
        diagnostics = to_diagnostics(result, source, uri, doc)
        t1 = time.perf_counter()
        self.results[uri] = DocResult(version, source, result.findings, diagnostics, seconds)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics))
        log.info("keyguard: %s v%s: %d findings; analysis %.0f ms, conversion %.0f ms, publish %.0f ms",
                 uri, version, len(result.findings), seconds * 1000, (t1 - t0) * 1000,
                 (time.perf_counter() - t1) * 1000)

    def forget(self, uri: str) -> None:
        for tasks in (self._pending, self._full_tasks):
            task = tasks.pop(uri, None)
            if task is not None:
                task.cancel()
        self.results.pop(uri, None)
        self.snapshots.pop(uri, None)
        self.fast_seconds.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def shutdown(self) -> None:  # pygls calls this when the session ends
        if self._procs is not None:
            self._procs.shutdown(wait=False, cancel_futures=True)
        self._threads.shutdown(wait=False)
        super().shutdown()


def _warm_up() -> None:
    """Import the engine and load the knowledge base ahead of the first request."""
    from keyguard.api import scan_source

    scan_source("import os\n", "<warm-up>")


def _scan_reduced(text: str, path: str) -> ScanResult:
    return _scan(text, path)


def _scan_full(source: str, path: str) -> Tuple[ScanResult, Any]:
    """Full analysis plus the snapshot the next fast pass starts from (worker process)."""
    from keyguard.integrations.incremental import snapshot_of

    result = _scan(source, path)
    snapshot = snapshot_of(source, result.findings) if not result.errors else None
    return result, snapshot


def _scan(source: str, path: str) -> ScanResult:
    from keyguard.api import scan_source

    directory = os.path.dirname(os.path.abspath(path)) if os.path.isabs(path) else os.getcwd()
    return scan_source(source, path, _config_for(directory))


# -- conversions -------------------------------------------------------------------

def _range(doc: Any, lines: Sequence[str], line: int, col: int, end_line: int, end_col: int) -> Any:
    """1-based code-point positions -> an LSP range in the client's units (UTF-16 by default)."""
    start = ServerTextPosition(max(line - 1, 0), max(col - 1, 0))
    end = ServerTextPosition(max(end_line - 1, start.line), max(end_col - 1, 0))
    if (end.line, end.character) < (start.line, start.character):
        end = ServerTextPosition(start.line, start.character)
    if all(0 <= ln < len(lines) and lines[ln].isascii() for ln in (start.line, end.line)):
        # ASCII lines: code points are UTF-16 (and UTF-8) units; skip the codec
        return lsp.Range(start=lsp.Position(line=start.line, character=start.character),
                         end=lsp.Position(line=end.line, character=end.character))
    return doc.position_codec.range_to_client_units(lines, ServerTextRange(start, end))


def _location(uri: str, doc_path: str, doc: Any, lines: Sequence[str], path: Optional[str],
              line: int, col: int = 1) -> Any:
    same = path is None or path == doc_path or os.path.abspath(path) == doc_path
    if same:
        return lsp.Location(uri=uri, range=_range(doc, lines, line, col, line, col))
    pos = lsp.Position(line=max(line - 1, 0), character=max(col - 1, 0))
    return lsp.Location(uri=from_fs_path(os.path.abspath(path)) or uri, range=lsp.Range(start=pos, end=pos))


def to_diagnostics(result: ScanResult, source: str, uri: str, doc: Any) -> List[Any]:
    """Findings and parse errors of one document as LSP diagnostics."""
    from keyguard.fixes.codemods import CODEMODS

    lines = source.splitlines(True)
    doc_path = os.path.abspath(to_fs_path(uri) or uri)
    out = []
    for f in result.findings:
        related = []
        if f.source is not None:
            related.append(lsp.DiagnosticRelatedInformation(
                location=_location(uri, doc_path, doc, lines, f.source.path, f.source.line),
                message=f"key origin: {f.source.description}"))
        for step in f.trace:
            # the origin and the sink are already there: only the steps in between
            if step.line == f.line and (step.path == f.path or step.path is None):
                continue
            if f.source is not None and step.line == f.source.line and \
                    (step.path or f.path) == (f.source.path or f.path):
                continue
            related.append(lsp.DiagnosticRelatedInformation(
                location=_location(uri, doc_path, doc, lines, step.path, step.line, step.column),
                message=step.message))
        out.append(lsp.Diagnostic(
            range=_range(doc, lines, f.line, f.column, f.end_line, f.end_column),
            message=f"{f.message}\nFix: {f.fix}" if f.fix else f.message,
            severity=lsp.DiagnosticSeverity(_SEVERITY.get(f.severity, 1)),
            code=f.code,
            source="keyguard",
            related_information=related or None,
            data={"name": f.name, "fixable": f.code in CODEMODS},
        ))
    for e in result.errors:
        out.append(lsp.Diagnostic(
            range=_range(doc, lines, e.line, e.column, e.line, e.column + 1),
            message=f"keyguard could not analyse this file: {e.message}",
            severity=lsp.DiagnosticSeverity.Warning,
            code="KG000",
            source="keyguard",
        ))
    return out


def _single_edit(old: str, new: str, doc: Any) -> Any:
    """One TextEdit covering the changed lines only (keeps the editor's cursor and folds)."""
    a, b = old.splitlines(True), new.splitlines(True)
    pre = 0
    while pre < min(len(a), len(b)) and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < min(len(a), len(b)) - pre and a[-1 - suf] == b[-1 - suf]:
        suf += 1
    rng = lsp.Range(start=lsp.Position(line=pre, character=0),
                    end=lsp.Position(line=len(a) - suf, character=0))
    return lsp.TextEdit(range=rng, new_text="".join(b[pre:len(b) - suf]))


def _overlap(r1: Any, r2: Any) -> bool:
    s1, e1 = (r1.start.line, r1.start.character), (r1.end.line, r1.end.character)
    s2, e2 = (r2.start.line, r2.start.character), (r2.end.line, r2.end.character)
    return s1 <= e2 and s2 <= e1


def create_server(debounce: float = DEBOUNCE_SECONDS, use_processes: bool = True) -> "KeyguardServer":
    """Build the server with its features registered (separate from :func:`main` for tests)."""
    server = KeyguardServer(debounce=debounce, use_processes=use_processes)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: KeyguardServer, params: Any) -> None:
        ls.schedule(params.text_document.uri, 0, full=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: KeyguardServer, params: Any) -> None:
        ls.schedule(params.text_document.uri, ls.debounce_for(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: KeyguardServer, params: Any) -> None:
        ls.schedule(params.text_document.uri, 0, full=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: KeyguardServer, params: Any) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: KeyguardServer, params: Any) -> Optional[Any]:
        res = ls.results.get(params.text_document.uri)
        if res is None:
            return None
        pos = params.position
        here = lsp.Range(start=pos, end=pos)
        hits = [d for d in res.diagnostics if d.code != "KG000" and _overlap(d.range, here)]
        if not hits:
            return None
        from keyguard.report._common import rule_help_markdown

        parts = []
        for code in sorted({str(d.code) for d in hits}):
            doc_md = rule_help_markdown(code) or ""
            name = next((d.data or {}).get("name", "") for d in hits if d.code == code)
            parts.append(f"### keyguard {code} `{name}`\n\n{doc_md}".rstrip())
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value="\n\n---\n\n".join(parts)),
                         range=hits[0].range)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def code_action(ls: KeyguardServer, params: Any) -> Optional[List[Any]]:
        uri = params.text_document.uri
        res = ls.results.get(uri)
        if res is None:
            return None
        doc = ls.workspace.get_text_document(uri)
        if doc.source != res.source:
            return None  # stale: the next analysis will offer fresh actions
        from keyguard.fixes.apply import _one_pass, _parses
        from keyguard.fixes.codemods import CODEMODS

        actions = []
        for diag, finding in zip(res.diagnostics, res.findings):
            if finding.code not in CODEMODS or not _overlap(diag.range, params.range):
                continue
            new, n, _ = _one_pass(res.source, [finding])
            if n == 0 or new == res.source or not _parses(new, finding.path):
                continue
            actions.append(lsp.CodeAction(
                title=f"keyguard: {CODEMODS[finding.code].title} ({finding.code})",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[diag],
                is_preferred=True,
                edit=lsp.WorkspaceEdit(changes={uri: [_single_edit(res.source, new, doc)]}),
            ))
        return actions

    return server


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Serve on standard input/output until the client exits."""
    del argv
    if lsp is None:
        import sys

        print("keyguard lsp needs the 'lsp' extra: pip install 'keyguard[lsp]'", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)  # pygls' own log stays quiet
    log.setLevel(os.environ.get("KEYGUARD_LSP_LOG", "WARNING").upper())
    from keyguard.gcpolicy import imports_settled, own_process_collections

    own_process_collections()  # the server is keyguard's own process
    from keyguard.api import import_analysis

    import_analysis()  # now, not on the first edit (its objects are frozen with the rest)
    imports_settled()
    create_server().start_io()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
