"""Measure LSP diagnostics latency on a 2,000-line file (not a test; run by hand).

    PYTHONPATH=src python tests/integrations/measure_lsp.py [--typical]

Latency = time from sending ``didChange`` to receiving ``publishDiagnostics`` for
that version, as an editor sees it (includes the debounce).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pytest_lsp import client_capabilities, make_test_lsp_client

HERE = Path(__file__).resolve().parent


def big_module(min_lines: int = 2000, typical: bool = False) -> str:
    """2,000 lines of key-handling functions: every one insecure (dense), or only
    two insecure among compliant ones (typical)."""
    if typical:
        clean = (HERE / "data" / "clean_store.py").read_text()
        insecure = (HERE / "data" / "insecure_store.py").read_text()
        c_head, c_body = clean.split("\n\n\ndef generate_and_store", 1)
        _, i_body = insecure.split("\n\n\ndef generate_and_store", 1)
        parts = ["import tempfile\n" + c_head]
        i = 0
        while sum(p.count("\n") for p in parts) < min_lines:
            body = i_body if i in (3, 60) else c_body
            parts.append(f"\n\ndef generate_and_store_{i}" + body.rstrip("\n") + "\n")
            i += 1
        return "".join(parts)
    src = (HERE / "data" / "insecure_store.py").read_text()
    head, body = src.split("\n\n\ndef generate_and_store", 1)
    parts = [head]
    i = 0
    while sum(p.count("\n") for p in parts) < min_lines:
        parts.append(f"\n\ndef generate_and_store_{i}" + body.rstrip("\n") + "\n")
        i += 1
    return "".join(parts)


async def main(typical: bool) -> None:
    text = big_module(typical=typical)
    n_lines = text.count("\n")
    workdir = Path(tempfile.mkdtemp())
    path = workdir / "big.py"
    path.write_text(text)
    uri = path.as_uri()
    client = make_test_lsp_client()
    env = dict(os.environ)
    await client.start_io(sys.executable, "-m", "keyguard.integrations.lsp", env=env)
    await client.initialize_session(lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=workdir.as_uri()))

    published = []

    async def wait_version(version: int, timeout: float = 60):
        while True:
            params = await asyncio.wait_for(
                client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), timeout)
            published.append((time.perf_counter(), params.version, len(params.diagnostics)))
            if params.uri == uri and params.version == version:
                return params

    t0 = time.perf_counter()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=text)))
    first = await wait_version(1)
    print(f"document: {n_lines} lines; open -> first diagnostics ({len(first.diagnostics)}): "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms (includes worker start-up)")
    await asyncio.sleep(1.0)

    lines = text.splitlines(True)  # the client's copy, kept in sync with the edits we send

    def targets():
        return [i for i, l in enumerate(lines) if l.startswith("    path = ")]

    def insert(version: int, line: int, character: int, text: str) -> None:
        """Send one didChange inserting ``text`` at (line, character)."""
        at = lsp.Position(line=line, character=character)
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=lsp.Range(start=at, end=at), text=text)]))

    single, burst = [], []
    version = 1
    for k in range(20):
        ts = targets()
        line = ts[(len(ts) // 2 + k) % len(ts)]
        lines.insert(line, "    x = 1\n")
        version += 1
        sent = time.perf_counter()
        insert(version, line, 0, "    x = 1\n")
        await wait_version(version)
        single.append(time.perf_counter() - sent)
        # the full pass republishes only if it differs; give it time to finish
        await asyncio.sleep(1.2)

    for k in range(10):  # typing: 5 keystrokes 40 ms apart, latency from the last one
        ts = targets()
        line = ts[(k * 3) % len(ts)]
        for j in range(5):
            lines[line] = lines[line][:4] + "y" + lines[line][4:]
            version += 1
            sent = time.perf_counter()
            insert(version, line, 4, "y")
            if j < 4:
                await asyncio.sleep(0.04)
        await wait_version(version)
        burst.append(time.perf_counter() - sent)
        await asyncio.sleep(1.2)

    await client.shutdown_session()
    await client.stop()

    def fmt(xs):
        xs = sorted(x * 1000 for x in xs)
        return (f"median {statistics.median(xs):.0f} ms, p90 {xs[int(len(xs) * 0.9) - 1]:.0f} ms, "
                f"max {xs[-1]:.0f} ms (n={len(xs)})")

    print("single edit -> diagnostics:", fmt(single))
    print("typing burst, last keystroke -> diagnostics:", fmt(burst))

    sys.path.insert(0, str(HERE.parents[1] / "src"))
    from keyguard.api import scan_source

    full = []
    for _ in range(5):
        t = time.perf_counter()
        scan_source(text, str(path))
        full.append(time.perf_counter() - t)
    print("for comparison, one full analysis of the document in-process:", fmt(full))
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()), "cpus:", os.cpu_count())


if __name__ == "__main__":
    asyncio.run(main(typical="--typical" in sys.argv))
