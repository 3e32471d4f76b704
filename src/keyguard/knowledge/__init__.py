"""The knowledge base: library APIs as data (TOML), loaded and validated by :mod:`.schema`."""
