"""Fixtures for the reference keygen tests: audit-event recording and private key directories."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

# sys.addaudithook hooks can never be removed, so one hook is installed for the whole session
# and only records while a test has switched it on.
_RECORDING: List[List[Tuple[str, tuple]]] = []


def _hook(event: str, args: tuple) -> None:
    if _RECORDING:
        _RECORDING[-1].append((event, args))


sys.addaudithook(_hook)


@pytest.fixture
def audit_events() -> Iterator[List[Tuple[str, tuple]]]:
    """A list that receives every audit event raised while the test runs it."""
    events: List[Tuple[str, tuple]] = []
    _RECORDING.append(events)
    try:
        yield events
    finally:
        _RECORDING.remove(events)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    """A private (0o700) directory for key files, as a careful caller would provide."""
    directory = tmp_path / "keys"
    directory.mkdir(mode=0o700)
    os.chmod(directory, 0o700)
    return directory
