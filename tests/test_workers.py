"""The worker set that keeps each process to its own stretch of the file list."""

import faulthandler
import os
import signal
import time

import pytest

from keyguard import workers as workers_mod
from keyguard.workers import WorkerError, Workers, stretches


def test_stretches_are_contiguous_and_balanced() -> None:
    weights = [5, 1, 1, 1, 1, 1, 5, 5]
    cut = stretches(weights, 2)
    assert [i for s in cut for i in s] == list(range(len(weights)))  # in order, nothing lost
    assert [sum(weights[i] for i in s) for s in cut] == [10, 10]
    assert stretches([0, 0, 0, 0], 2) == [[0, 1], [2, 3]]  # empty files still count
    assert [i for s in stretches([3], 4) for i in s] == [0]


def test_a_big_file_after_small_ones_gets_a_worker_of_its_own() -> None:
    # a pre-commit hook's files: three small key modules, then a big server module (bytes)
    assert stretches([7794, 11340, 7695, 40052], 2) == [[0, 1, 2], [3]]


def _pid_of(item: int) -> tuple:
    return item, os.getpid()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # (a zombie, not yet reaped, would still answer)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(params=["fork", "executor"])
def kind(request, monkeypatch):
    if request.param == "fork":
        if not workers_mod.FORK:
            pytest.skip("this platform does not fork workers")
    else:
        monkeypatch.setattr(workers_mod, "FORK", False)
    return request.param


def test_each_worker_starts_on_its_own_stretch(kind: str) -> None:
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
    assert os.getpid() not in pids.values()
    if kind == "fork":
        assert all(_gone(p) for p in pids.values())  # every worker ended and was reaped


def test_a_map_of_no_more_items_than_workers_runs_its_last_item_here() -> None:
    if not workers_mod.FORK:
        pytest.skip("this platform does not fork workers")
    ran = dict(Workers(2).map(_pid_of, [0, 1], [1, 1]))
    assert ran[1] == (1, os.getpid())
    assert ran[0][1] != os.getpid() and _gone(ran[0][1])
    assert dict(Workers(2).map(_pid_of, [0], [1])) == {0: (0, os.getpid())}  # no process started


def _fails_on_three(item: int) -> int:
    if item == 3:
        raise ValueError("item three is bad")
    return item


def test_a_failing_item_fails_the_map_with_its_traceback() -> None:
    if not workers_mod.FORK:
        pytest.skip("this platform does not fork workers")
    with pytest.raises(WorkerError, match="item three is bad"):
        list(Workers(2).map(_fails_on_three, list(range(6)), [1] * 6))


def _slow_pid(item: int) -> tuple:
    if item:
        time.sleep(30)
    return item, os.getpid()


def test_a_map_left_early_ends_its_workers_at_once() -> None:
    if not workers_mod.FORK:
        pytest.skip("this platform does not fork workers")
    results = Workers(2).map(_slow_pid, [0, 1, 2, 3], [1, 1, 1, 1])
    i, (_, pid) = next(results)  # item 0 comes back at once; the other worker sleeps on item 2
    assert i == 0
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < 20  # killed, not waited for
    assert _gone(pid)


def _crashes_on_three(item: int) -> tuple:
    if item == 3:
        faulthandler.disable()  # (pytest's crash report would only be noise here)
        os.kill(os.getpid(), signal.SIGSEGV)  # (a native crash: no exception, no result)
    return item, os.getpid()


def test_a_worker_that_dies_costs_its_item_and_a_new_worker_takes_the_rest() -> None:
    if not workers_mod.FORK:
        pytest.skip("this platform does not fork workers")
    ran = dict(Workers(2).map(_crashes_on_three, list(range(8)), [1] * 8, lambda i, why: ("crashed", why)))
    assert sorted(ran) == list(range(8))
    assert ran[3] == ("crashed", "killed by SIGSEGV")
    assert all(ran[i][0] == i for i in range(8) if i != 3)
    assert all(_gone(pid) for i, (_, pid) in ran.items() if i != 3)
    with pytest.raises(WorkerError, match="ended without its result"):  # without on_crash: the map fails
        list(Workers(2).map(_crashes_on_three, list(range(8)), [1] * 8))


INSECURE = (
    "import tempfile\n"
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
    "tempfile.mktemp()\n"
)


def test_a_crash_while_analysing_costs_that_batch_not_the_scan(tmp_path, monkeypatch) -> None:
    if not workers_mod.FORK:
        pytest.skip("this platform does not fork workers")
    from keyguard import api
    from keyguard.config import Config

    for name in ("a_boom.py", "b_fine.py", "c_fine.py"):
        (tmp_path / name).write_text(INSECURE)
    parent, original = os.getpid(), api.analyze_batch

    def analyze_batch(targets, *args, **kwargs):
        if any(t.endswith("a_boom.py") for t in targets):
            if os.getpid() == parent:
                raise AssertionError("the crashing batch ran in the test's own process")
            faulthandler.disable()
            os.kill(os.getpid(), signal.SIGSEGV)
        return original(targets, *args, **kwargs)

    monkeypatch.setattr(api, "analyze_batch", analyze_batch)
    monkeypatch.setattr(api, "POOL_THRESHOLD", 0)
    result = api.scan_paths([str(tmp_path)], Config(use_cache=False, semgrep=False), jobs=2)
    errors = {os.path.basename(e.path): e.message for e in result.errors}
    assert set(errors) == {"a_boom.py"}
    assert errors["a_boom.py"].startswith("internal error: the analysis process killed by SIGSEGV")
    assert {os.path.basename(f.path) for f in result.findings} >= {"b_fine.py", "c_fine.py"}
