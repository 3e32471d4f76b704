"""Worker processes that keep to their own stretch of the file list.

Files come in discovery order, so neighbours share packages and therefore dependencies.  Each
worker process keeps the dependency trees it parsed (``run.TREES``); a shared pool that hands
out chunks in turn makes every worker walk every package and parse the same dependencies once
per worker.  Here the chunks are cut into one stretch per worker, of about equal weight (bytes),
and each worker goes through its own stretch front to back.  A worker whose stretch is done
takes chunks from the far end of the stretch with the most work left, away from where that
stretch's owner is working.

Where processes fork (Linux and the other POSIX systems but macOS, whose system libraries are not
fork-safe), every :meth:`Workers.map` forks its workers: they inherit the items, the function and
the imported analysis, so nothing but the results crosses a pipe, and neither ``multiprocessing``
nor ``concurrent.futures`` is imported.  A map with no more items than workers (a pre-commit
hook's few files) runs its last item in the calling process while the children run the others:
one process fewer to start.  A forked worker that dies on an item (a native crash: a signal, no
exception) costs that item, reported through the map's ``on_crash``; a worker forked in its place
takes the rest of its stretch.  Elsewhere each worker is a single-process executor.

Which chunk goes to which process changes how often a dependency is parsed, never what is
found: a batch's findings do not depend on what else a process analysed (tests/test_determinism.py).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
from collections import deque
from typing import Any, BinaryIO, Callable, Deque, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: fork-started workers (see the module's docstring)
FORK = hasattr(os, "fork") and sys.platform != "darwin"

_INDEX = struct.Struct("<q")  # parent -> child: the next item's index (-1: stop)
_LENGTH = struct.Struct("<Q")  # child -> parent: the length of the pickled (index, ok, result) after it


class WorkerError(RuntimeError):
    """A worker process died, or its function raised (the message carries the traceback)."""


def stretches(weights: Sequence[int], n: int) -> List[List[int]]:
    """Cut items ``0..len(weights)-1``, in order, into ``n`` contiguous stretches of about equal
    total weight (an item's stretch: where its middle falls; a few items of unequal weight, such
    as a pre-commit hook's files, then still spread over the workers)."""
    total = sum(max(1, w) for w in weights)
    out: List[List[int]] = [[] for _ in range(n)]
    before = 0
    for i, w in enumerate(weights):
        w = max(1, w)
        out[min(n - 1, (2 * before + w) * n // (2 * total))].append(i)
        before += w
    return out


class _Plan:
    """Which item each worker takes next: its own stretch front to back, then the far end of the
    stretch with the most work left."""

    def __init__(self, weights: Sequence[int], n: int) -> None:
        self.weights = weights
        self.queues: List[Deque[int]] = [deque(s) for s in stretches(weights, n)]
        self.left = [sum(weights[i] for i in q) for q in self.queues]

    def take(self, worker: int) -> Optional[int]:
        q = self.queues[worker]
        if q:
            i = q.popleft()
            self.left[worker] -= self.weights[i]
            return i
        donor = max(range(len(self.queues)), key=lambda j: self.left[j])
        if self.queues[donor]:
            i = self.queues[donor].pop()
            self.left[donor] -= self.weights[i]
            return i
        return None


class Workers:
    """``n`` worker processes, each fed items from its own stretch."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._executors: List[Any] = []
        if not FORK:
            from concurrent.futures import ProcessPoolExecutor

            self._executors = [ProcessPoolExecutor(max_workers=1) for _ in range(n)]

    def map(self, fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int],
            on_crash: Optional[Callable[[int, str], R]] = None) -> Iterator[Tuple[int, R]]:
        """Run ``fn`` on every item; yield ``(index, result)`` as they finish.

        ``on_crash(index, why)``: the result of an item whose forked worker died on it (a native
        crash: a signal, not an exception); a new worker takes over the rest.  Without it, or
        with executors, a worker's death fails the map."""
        if not items:
            return iter(())
        if not FORK:
            return self._map_executors(fn, items, weights)
        return _map_forked(fn, items, weights, self.n, on_crash)

    def _map_executors(self, fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int]) -> Iterator[Tuple[int, R]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        plan = _Plan(weights, self.n)
        running: Dict[Any, Tuple[int, int]] = {}

        def feed(worker: int) -> None:
            i = plan.take(worker)
            if i is not None:
                running[self._executors[worker].submit(fn, items[i])] = (worker, i)

        for w in range(self.n):
            feed(w)
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                worker, i = running.pop(fut)
                result = fut.result()
                feed(worker)
                yield i, result

    def shutdown(self) -> None:
        """Stop the executors (forked workers end with their map)."""
        for e in self._executors:
            e.shutdown()


class _Child:
    """The parent's end of one forked worker: its pid, the pipe its indices go down and the pipe
    its results come up."""

    def __init__(self, pid: int, tasks: int, results: BinaryIO) -> None:
        self.pid = pid
        self.tasks = tasks
        self.results = results

    def send(self, index: int) -> None:
        os.write(self.tasks, _INDEX.pack(index))

    def close(self) -> None:
        """Close the parent's ends of the pipes (the process itself is gone)."""
        os.close(self.tasks)
        self.results.close()

    def receive(self) -> Tuple[int, bool, Any]:
        head = self.results.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            raise WorkerError(f"a worker process (pid {self.pid}) ended without its result")
        (length,) = _LENGTH.unpack(head)
        payload = self.results.read(length)
        if len(payload) < length:
            raise WorkerError(f"a worker process (pid {self.pid}) ended while sending its result")
        return pickle.loads(payload)


def _map_forked(fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int], n: int,
                on_crash: Optional[Callable[[int, str], R]] = None) -> Iterator[Tuple[int, R]]:
    in_parent = len(items) - 1 if len(items) <= n else None
    n_children = len(items) - 1 if in_parent is not None else n
    plan = _Plan(weights if in_parent is None else [1] * n_children, n_children) if n_children else None
    children: List[_Child] = []
    finished = False
    try:
        for _ in range(n_children):
            children.append(_fork(fn, items, children))
        busy: Dict[int, Tuple[_Child, int, int]] = {}  # result pipe -> (child, its worker slot, its item)

        def feed(child: _Child, worker: int) -> None:
            i = plan.take(worker) if plan is not None else None
            if i is not None:
                child.send(i)
                busy[child.results.fileno()] = (child, worker, i)

        for w, child in enumerate(children):
            feed(child, w)
        if in_parent is not None:
            yield in_parent, fn(items[in_parent])
        while busy:
            ready, _, _ = select.select(list(busy), [], [])
            for fd in ready:
                child, worker, i = busy.pop(fd)
                try:
                    got, ok, result = child.receive()
                except WorkerError:
                    if on_crash is None:
                        raise
                    why = _reap(child)
                    children.remove(child)
                    child.close()
                    # the rest of its stretch goes to a worker forked in its place
                    child = _fork(fn, items, children)
                    children.append(child)
                    feed(child, worker)
                    yield i, on_crash(i, why)
                    continue
                if not ok:
                    raise WorkerError(f"a worker process failed:\n{result}")
                feed(child, worker)
                yield got, result
        finished = True
    finally:
        _stop(children, finished)


def _reap(child: "_Child") -> str:
    """Wait for a worker that ended without its result; how it ended, in words."""
    try:
        _, status = os.waitpid(child.pid, 0)
    except ChildProcessError:  # pragma: no cover - reaped elsewhere
        return "ended"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:  # pragma: no cover
            name = str(sig)
        return f"killed by {name}"
    return f"exit status {os.WEXITSTATUS(status)}" if os.WIFEXITED(status) else "ended"


def _fork(fn: Callable[[T], R], items: Sequence[T], siblings: Sequence[_Child]) -> _Child:
    task_r, task_w = os.pipe()
    result_r, result_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(task_w)
            os.close(result_r)
            for other in siblings:  # (a sibling's pipes held open here would outlive the parent)
                os.close(other.tasks)
                other.results.close()
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it, the child just ends
            _serve(fn, items, task_r, os.fdopen(result_w, "wb"))
            status = 0
        finally:
            os._exit(status)
    os.close(task_r)
    os.close(result_w)
    return _Child(pid, task_w, os.fdopen(result_r, "rb"))


def _serve(fn: Callable[[T], R], items: Sequence[T], tasks: int, results: BinaryIO) -> None:
    """A forked worker's loop: run ``fn`` on each item whose index comes down ``tasks``."""
    while True:
        head = b""
        while len(head) < _INDEX.size:
            more = os.read(tasks, _INDEX.size - len(head))
            if not more:
                return
            head += more
        (i,) = _INDEX.unpack(head)
        if i < 0:
            return
        try:
            payload = pickle.dumps((i, True, fn(items[i])), pickle.HIGHEST_PROTOCOL)
        except Exception:
            import traceback

            payload = pickle.dumps((i, False, traceback.format_exc()), pickle.HIGHEST_PROTOCOL)
        results.write(_LENGTH.pack(len(payload)))
        results.write(payload)
        results.flush()


def _stop(children: List[_Child], finished: bool) -> None:
    """End the children of a map and reap them; a map left early (an error, a closed generator)
    ends them at once, whatever they are doing."""
    for child in children:
        if not finished:
            try:
                os.kill(child.pid, signal.SIGTERM)
            except OSError:  # pragma: no cover - already gone
                pass
        try:
            os.write(child.tasks, _INDEX.pack(-1))
        except OSError:  # already gone
            pass
        os.close(child.tasks)
    for child in children:
        child.results.close()  # (a child still writing a result gets EPIPE and ends)
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:  # pragma: no cover - reaped elsewhere
            pass
