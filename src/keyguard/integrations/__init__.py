"""Thin layers that run the keyguard engine inside other tools (flake8, editors via LSP)."""
