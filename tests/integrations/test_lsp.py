"""A real LSP client session (pytest-lsp) against ``keyguard lsp`` over stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

import pygls  # noqa: F401
import pytest_lsp

from lsprotocol import types as lsp  # noqa: E402  (after the skips above)
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from .conftest import DATA, env_with_src  # noqa: E402

INSECURE = (DATA / "insecure_store.py").read_text()
CLEAN = (DATA / "clean_store.py").read_text()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "keyguard", "lsp"],  # the user-facing command
        server_env=env_with_src(),
    ),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="ws")],
    ))
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.published = []  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client: LanguageClient, uri: str, version: int, timeout: float = 30.0):
    """Wait for the diagnostics of ``uri`` at ``version``."""
    async def wait():
        while True:
            params = await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            client.published.append((params.uri, params.version))  # type: ignore[attr-defined]
            if params.uri == uri and (params.version is None or params.version == version):
                return list(params.diagnostics)
    return await asyncio.wait_for(wait(), timeout)


def _open(client: LanguageClient, name: str, text: str, version: int = 1) -> str:
    path = Path(client.root) / name  # type: ignore[attr-defined]
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="python", version=version, text=text)))
    return uri


def _by_code(diags):
    return {d.code: d for d in diags}


@pytest.mark.asyncio
async def test_diagnostics_hover_and_quick_fix(client: LanguageClient):
    uri = _open(client, "store.py", INSECURE)
    diags = await diagnostics_for(client, uri, 1)
    codes = _by_code(diags)
    assert "KG102" in codes, diags
    kg102 = codes["KG102"]
    # `tempfile.mktemp(` on line 16 (0-based 15), column 12 (0-based 11)
    assert (kg102.range.start.line, kg102.range.start.character) == (15, 11)
    assert kg102.source == "keyguard"
    # the key's origin travels as related information on the findings that have one
    with_origin = [d for d in diags if d.related_information]
    assert with_origin, diags
    # KG101 on `fh.write(pem)` (line 18): the key was generated on line 10 (0-based 9)
    kg101 = codes["KG101"]
    assert kg101.range.start.line == 17
    origin = [r for r in kg101.related_information if r.message.startswith("key origin:")]
    assert origin and origin[0].location.range.start.line == 9
    assert "rsa.generate_private_key" in origin[0].message
    assert origin[0].location.uri == uri

    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=kg102.range.start))
    assert hover is not None and "KG102" in hover.contents.value
    assert "mktemp" in hover.contents.value

    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=kg102.range,
        context=lsp.CodeActionContext(diagnostics=[kg102])))
    fixes = [a for a in actions or [] if "KG102" in a.title]
    assert fixes, actions
    (edit,) = fixes[0].edit.changes[uri]
    lines = INSECURE.splitlines(True)
    new_text = "".join(lines[:edit.range.start.line]) + edit.new_text + "".join(lines[edit.range.end.line:])
    assert "fd, path = tempfile.mkstemp(suffix=\".pem\")" in new_text
    compile(new_text, "store.py", "exec")


@pytest.mark.asyncio
async def test_change_reanalyses_and_clears(client: LanguageClient):
    uri = _open(client, "store.py", INSECURE)
    assert await diagnostics_for(client, uri, 1)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=CLEAN)]))
    assert await diagnostics_for(client, uri, 2) == []
    # an incremental edit re-introducing mktemp
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)),
            text="import tempfile\nNAME = tempfile.mktemp()\n")]))
    diags = await diagnostics_for(client, uri, 3)
    assert [(d.code, d.range.start.line) for d in diags] == [("KG102", 1)]
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert await diagnostics_for(client, uri, 3) == []


async def _burst(client: LanguageClient, uri: str, versions: range) -> None:
    """Keystrokes sent back to back (each inserts "#" at the top), then wait for the last one's
    diagnostics: one analysis for the burst, nothing published for the versions before it."""
    client.published.clear()  # type: ignore[attr-defined]
    for v in versions:
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=v),
            content_changes=[lsp.TextDocumentContentChangePartial(
                range=lsp.Range(start=lsp.Position(line=0, character=0),
                                end=lsp.Position(line=0, character=0)),
                text="#")]))
    assert await diagnostics_for(client, uri, versions[-1]) == []
    assert client.published == [(uri, versions[-1])]  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_rapid_changes_are_debounced(client: LanguageClient):
    uri = _open(client, "store.py", CLEAN)
    assert await diagnostics_for(client, uri, 1) == []
    await _burst(client, uri, range(2, 12))  # ten keystrokes, well inside the debounce window
    # after a fast pass the debounce is shorter, and a burst is still analysed once
    await asyncio.sleep(1.0)
    await _burst(client, uri, range(12, 22))


def test_debounce_follows_the_fast_pass():
    from keyguard.integrations.lsp import DEBOUNCE_SECONDS, MIN_DEBOUNCE_SECONDS, KeyguardServer

    server = KeyguardServer(use_processes=False)
    try:
        uri = "file:///w/a.py"
        assert server.debounce_for(uri) == DEBOUNCE_SECONDS  # no fast pass yet
        server.fast_seconds[uri] = 0.004
        assert server.debounce_for(uri) == MIN_DEBOUNCE_SECONDS
        server.fast_seconds[uri] = 0.04
        assert server.debounce_for(uri) == pytest.approx(0.08)
        server.fast_seconds[uri] = 0.9
        assert server.debounce_for(uri) == DEBOUNCE_SECONDS
        assert server.debounce_for("file:///w/b.py") == DEBOUNCE_SECONDS
    finally:
        server._threads.shutdown(wait=True)
