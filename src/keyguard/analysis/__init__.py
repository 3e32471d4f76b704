"""Analysis layer: facts computed once (names, constants, taint, argv model)."""
