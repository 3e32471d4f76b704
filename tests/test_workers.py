"""The worker set that keeps each process to its own stretch of the file list."""

import os

from keyguard.workers import Workers, stretches


def test_stretches_are_contiguous_and_balanced() -> None:
    weights = [5, 1, 1, 1, 1, 1, 5, 5]
    cut = stretches(weights, 2)
    assert [i for s in cut for i in s] == list(range(len(weights)))  # in order, nothing lost
    assert [sum(weights[i] for i in s) for s in cut] == [10, 10]
    assert stretches([3], 4) == [[0], [], [], []]
    assert stretches([0, 0, 0, 0], 2) == [[0, 1], [2, 3]]  # empty files still count


def _pid_of(item: int) -> tuple:
    return item, os.getpid()


def test_each_worker_starts_on_its_own_stretch() -> None:
    items = list(range(8))
    pool = Workers(2)
    try:
        ran = dict(pool.map(_pid_of, items, [1] * len(items)))
    finally:
        pool.shutdown()
    assert sorted(ran) == items and all(ran[i][0] == i for i in items)
    pids = {i: ran[i][1] for i in items}
    # items 0 and 4 head the two stretches: each process starts on its own
    assert pids[0] != pids[4]
