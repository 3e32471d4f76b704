"""The garbage collector's settings while keyguard analyses (no libcst import: the command sets
them before it imports the analysis).

A parsed module is hundreds of thousands of small objects that all outlive the young generations,
so with CPython's default thresholds a full collection (which walks every live object, the cached
trees included) ran about every 1.5 s of analysis: 26 s of a 116 s single-process scan of the
benchmark corpus went to the collector.  The trees hold no reference cycles and
``Project.close`` breaks the engine's, so nearly everything is freed by reference counting and the
full collections found next to nothing.

The middle generation is collected after a thousand young collections rather than ten: every
object of a parsed tree survives its young collection, and each middle-generation collection
walked all of them again (about 55 ms each, 6.7 s of the 11.7 s the collector took in a
single-process scan of the large benchmark tier; 1.6 s with the new threshold, one collection,
the same peak memory, 252 against 254 MB).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

#: collector thresholds while a batch is analysed (see :func:`young_collections_only`)
BATCH_GC_THRESHOLDS = (10_000, 1_000, 100)

#: whether :func:`own_process_collections` has frozen this process's objects already
_OWN_PROCESS = False


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Make full garbage collections rare while a batch is analysed; the previous thresholds are
    restored afterwards (library users keep theirs)."""
    old = gc.get_threshold()
    gc.set_threshold(*BATCH_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def own_process_collections() -> None:
    """For keyguard's own processes (the command, pool workers, the language server): keep the
    analysis's collector thresholds for good.

    Restoring the defaults after each batch (what library callers get) starts a full collection
    over every cached tree at once: about 0.15 s per batch with a full tree cache, 17 s of CPU on
    the benchmark corpus.  The objects alive so far live as long as the process and are moved out
    of the collector's sight (``gc.freeze``); :func:`imports_settled` does the same for what the
    imports made after this call.  Called before the imports, the thresholds also spare libcst's
    import a few dozen collections.
    """
    global _OWN_PROCESS
    if not _OWN_PROCESS:
        _OWN_PROCESS = True
        gc.freeze()
    gc.set_threshold(*BATCH_GC_THRESHOLDS)


def imports_settled() -> None:
    """In keyguard's own processes: move what the imports made since :func:`own_process_collections`
    (libcst's and keyguard's classes, the knowledge base) out of the collector's sight too."""
    if _OWN_PROCESS:
        gc.freeze()
