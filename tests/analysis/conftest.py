"""Fixtures shared by the analysis tests."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from keyguard.analysis import run


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The names of the files libcst parses during the test (whole or without their function
    bodies), in order (with an empty tree cache of its own, so that nothing parsed by earlier
    tests is reused)."""
    monkeypatch.setattr(run, "TREES", run._TreeCache(10_000))
    names: List[str] = []
    for name in ("parse", "parse_skeleton"):
        real = getattr(run, name)

        def counting(text: str, path: str, real=real):
            names.append(Path(path).name)
            return real(text, path)

        monkeypatch.setattr(run, name, counting)
    return names
