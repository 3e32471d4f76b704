"""URL conditions of knowledge-base rows: the known head of a URL, its host, loopback hosts, and
the validation of `url` / `insecure_schemes` / `host` / `base_url` row options."""

from __future__ import annotations

import pytest

from keyguard.analysis import strings
from keyguard.analysis.values import Value
from keyguard.knowledge.schema import KnowledgeError, build, default_kb


def test_known_head_of_constants_and_pieces() -> None:
    assert strings.known_head(Value(const="https://x/k")) == ("https://x/k", True)
    assert strings.known_head(Value(const=b"http://x/k")) == ("http://x/k", True)
    assert strings.known_head(Value(pieces=("http://", Value(), ":8080/up"))) == ("http://", False)
    assert strings.known_head(Value(pieces=(Value(), "://host/k"))) is None  # f"{scheme}://host/k"
    assert strings.known_head(Value()) is None


@pytest.mark.parametrize(
    "text, host",
    [
        ("http://vault.internal/k", "vault.internal"),
        ("http://vault.internal:8200/k", "vault.internal"),
        ("http://user:pw@127.0.0.1:80/k", "127.0.0.1"),
        ("http://[::1]:8200/k", "[::1]"),
        ("http://localhost", "localhost"),
        ("localhost:8200", "localhost"),
        ("http://", ""),
    ],
)
def test_url_host(text: str, host: str) -> None:
    assert strings.url_host(text) == host


def test_url_for_message_hides_credentials_and_query() -> None:
    assert strings.url_for_message("http://admin:pw@vault/k?token=t#f") == "http://vault/k"
    assert strings.url_for_message("http://admin:pw@") == "http://"


def test_loopback_hosts() -> None:
    kb = default_kb()
    for host in ("localhost", "LOCALHOST.", "127.0.0.1", "127.1.2.3", "[::1]", "::1"):
        assert kb.is_loopback(host), host
    for host in ("", "vault.internal", "localhost.example.com", "10.0.0.5", "0.0.0.0"):
        assert not kb.is_loopback(host), host


@pytest.mark.parametrize(
    "row",
    [
        {"effect": "sink", "kind": "ipc", "args": "*", "url": "0,url", "targets": ["x.post"]},
        {"effect": "sink", "kind": "ipc", "args": "*", "url": "0,url", "insecure_schemes": ["http"], "targets": ["x.post"]},
        {"effect": "sink", "kind": "ipc", "args": "*", "insecure_schemes": ["http://"], "targets": ["x.post"]},
        {"effect": "kind", "kind": "socket", "url": "0,url", "insecure_schemes": ["http://"], "targets": ["x.Conn"]},
        {"effect": "sink", "kind": "ipc", "args": "*", "host": "0,host", "targets": ["x.post"]},
        {"effect": "sink", "kind": "ipc", "args": "*", "base_url": "base_url", "targets": ["x.post"]},
    ],
)
def test_bad_url_rows_are_rejected(row) -> None:
    with pytest.raises(KnowledgeError):
        build([("extra.toml", {"call": [row]})])
