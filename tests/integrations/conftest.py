"""Shared helpers for the integration tests (real flake8, pre-commit, LSP client)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def env_with_src() -> dict:
    """Environment for subprocesses: the worktree's ``src`` importable even when not installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("NO_COLOR", None)
    return env


PYTHON = sys.executable
