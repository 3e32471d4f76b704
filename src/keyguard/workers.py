"""Worker processes that keep to their own stretch of the file list.

Files come in discovery order, so neighbours share packages and therefore dependencies.  Each
worker process keeps the dependency trees it parsed (``run.TREES``); a shared pool that hands
out chunks in turn makes every worker walk every package and parse the same dependencies once
per worker.  Here the chunks are cut into one stretch per worker, of about equal weight (bytes),
and each worker goes through its own stretch front to back.  A worker whose stretch is done
takes chunks from the far end of the stretch with the most work left, away from where that
stretch's owner is working.

Which chunk goes to which process changes how often a dependency is parsed, never what is
found: a batch's findings do not depend on what else a process analysed (tests/test_determinism.py).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Callable, Deque, Dict, Iterator, List, Sequence, Tuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def stretches(weights: Sequence[int], n: int) -> List[List[int]]:
    """Cut items ``0..len(weights)-1``, in order, into ``n`` contiguous stretches of about equal
    total weight (an item's stretch: where the weight before it falls)."""
    total = sum(max(1, w) for w in weights)
    out: List[List[int]] = [[] for _ in range(n)]
    before = 0
    for i, w in enumerate(weights):
        out[min(n - 1, before * n // total)].append(i)
        before += max(1, w)
    return out


class Workers:
    """``n`` single-process executors, each fed chunks from its own stretch."""

    def __init__(self, n: int) -> None:
        self.executors = [ProcessPoolExecutor(max_workers=1) for _ in range(n)]

    def map(self, fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int]) -> Iterator[Tuple[int, R]]:
        """Run ``fn`` on every item; yield ``(index, result)`` as they finish."""
        n = len(self.executors)
        queues: List[Deque[int]] = [deque(s) for s in stretches(weights, n)]
        left = [sum(weights[i] for i in q) for q in queues]

        def take(worker: int):
            q = queues[worker]
            if q:
                i = q.popleft()
                left[worker] -= weights[i]
                return i
            donor = max(range(n), key=lambda j: left[j])
            if queues[donor]:
                i = queues[donor].pop()
                left[donor] -= weights[i]
                return i
            return None

        running: Dict[Future, Tuple[int, int]] = {}

        def feed(worker: int) -> None:
            i = take(worker)
            if i is not None:
                running[self.executors[worker].submit(fn, items[i])] = (worker, i)

        for w in range(n):
            feed(w)
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                worker, i = running.pop(fut)
                result = fut.result()
                feed(worker)
                yield i, result

    def shutdown(self) -> None:
        for e in self.executors:
            e.shutdown()
