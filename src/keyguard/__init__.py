"""keyguard: find code that exposes private keys while they are generated and first stored."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
