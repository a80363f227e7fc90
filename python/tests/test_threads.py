"""Calls from forked processes and from several threads at once (the pool each call runs on:
``crates/collabmetrics/src/pool.rs``)."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import collabmetrics as cm
from collabmetrics import _native

VALUES = np.random.default_rng(3).lognormal(size=1000)


def _calls() -> list[Any]:
    """Calls of several kinds, each with a fixed seed: a scalar statistic, a seeded
    bootstrap and the OAP measures of the demo."""
    demo = cm.demo.tables(seed=2026)
    return [
        cm.proportion(65, 100).to_pylist(),
        cm.inequality.gini(VALUES, interval=True, reps=2000, seed=7),
        cm.oap.measures(
            demo["placements"], start="2023-04-01", end="2024-03-31", by="place"
        ).to_pylist(),
    ]


@pytest.mark.skipif(
    sys.platform != "linux", reason="fork is the default start method on Linux only"
)
def test_a_forked_child_calls_after_its_parent_has() -> None:
    # rayon's global pool is inherited by a forked child without its threads: a call handed
    # to it there waited for ever (multiprocessing's "fork", ProcessPoolExecutor, joblib).
    parent = _calls()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply_async(_calls).get(timeout=120)
    assert child == parent


def test_a_call_does_not_wait_for_another_threads_long_call() -> None:
    # A pool runs work handed to it from outside only when its workers have none of their
    # own left, so a small call (and its Ctrl-C) waited for the whole of a long bootstrap on
    # another thread. The long call here runs until told to stop (its progress callable
    # raises), or for at most 120 s: the small call must return while it still runs.
    started, stop = threading.Event(), threading.Event()

    def report(_done: float) -> None:
        started.set()
        if stop.is_set():
            raise RuntimeError("stopped by the test")

    table = pa.table({"values": VALUES})
    timer = threading.Timer(120, stop.set)
    timer.start()
    with ThreadPoolExecutor(1) as ex:
        long_call = ex.submit(
            _native.inequality_bootstrap,
            table,
            "gini",
            None,
            5_000_000,
            0.95,
            1,
            report,
        )
        assert started.wait(120)
        t0 = time.monotonic()
        small = cm.proportion(65, 100)
        waited = time.monotonic() - t0
        still_running = not long_call.done() and not stop.is_set()
        stop.set()
        with pytest.raises(RuntimeError, match="stopped by the test"):
            long_call.result(timeout=120)
    timer.cancel()
    assert still_running, f"the small call returned after {waited:.1f} s"
    assert small.column("value")[0].as_py() == pytest.approx(65 / 100)


def test_concurrent_calls_give_the_serial_results() -> None:
    serial = _calls()
    with ThreadPoolExecutor(4) as ex:
        futures = [ex.submit(_calls) for _ in range(4)]
        assert all(f.result(timeout=300) == serial for f in futures)


def test_a_module_still_being_imported_counts_as_not_imported() -> None:
    # Two threads' first calls: one imports pandas while the other's call asked whether an
    # argument was a pandas frame, and got "partially initialized module 'pandas'" errors.
    import types

    from collabmetrics._frames import imported

    half = types.ModuleType("half_imported_for_test")
    half.__spec__ = types.SimpleNamespace(_initializing=True)  # type: ignore[assignment]
    sys.modules["half_imported_for_test"] = half
    try:
        assert imported("half_imported_for_test") is None
        half.__spec__ = types.SimpleNamespace(_initializing=False)  # type: ignore[assignment]
        assert imported("half_imported_for_test") is half
        assert imported("not_imported_for_test") is None
    finally:
        del sys.modules["half_imported_for_test"]


# ---------------------------------------------------------------------------------------------
# CancelScope: a call on another thread, where Ctrl-C never arrives, cancelled on request


def _long_gini(stop: threading.Event, started: threading.Event) -> Any:
    """A bootstrap of minutes, unless its progress callable is told to stop (the test's
    safety net, used only when cancelling fails)."""

    def report(_done: float) -> None:
        started.set()
        if stop.is_set():
            raise RuntimeError("stopped by the safety net")

    table = pa.table({"values": VALUES})
    return _native.inequality_bootstrap(table, "gini", None, 10_000_000, 0.95, 1, report)


def test_a_call_in_a_scope_is_cancelled_from_another_thread() -> None:
    scope = cm.CancelScope()
    started, stop = threading.Event(), threading.Event()
    safety = threading.Timer(120, stop.set)
    safety.start()

    def work() -> Any:
        with scope:
            return _long_gini(stop, started)

    try:
        with ThreadPoolExecutor(1) as ex:
            call = ex.submit(work)
            assert started.wait(120)
            assert not scope.cancelled
            t0 = time.monotonic()
            scope.cancel()
            with pytest.raises(cm.CancelledError) as e:
                call.result(timeout=120)
            took = time.monotonic() - t0
    finally:
        safety.cancel()
    assert not stop.is_set(), "the safety net stopped the call, not the scope"
    assert e.value.kind == "cancelled"
    assert scope.cancelled
    assert took < 0.5, f"cancelled after {took:.2f} s"


def test_a_scope_cancels_only_its_own_calls() -> None:
    scope, other = cm.CancelScope(), cm.CancelScope()
    scope.cancel()
    expected = cm.inequality.gini(VALUES)
    started, stop = threading.Event(), threading.Event()
    safety = threading.Timer(30, stop.set)
    safety.start()
    # Cancelled before the call: it stops at once, and so does every later call in it.
    with scope:
        for _ in range(2):
            with pytest.raises(cm.CancelledError):
                _long_gini(stop, started)
        assert not stop.is_set(), "the safety net stopped the call, not the scope"
        safety.cancel()
        # Nested: any enclosing scope cancelled cancels the call.
        with other:
            with pytest.raises(cm.CancelledError):
                cm.oap.measures(
                    cm.demo.tables(seed=1)["placements"], start="2023-04-01", end="2023-06-30"
                )
        # A call on another thread is not in this thread's scope.
        with ThreadPoolExecutor(1) as ex:
            assert ex.submit(cm.inequality.gini, VALUES).result(timeout=60) == expected
    # Outside the scope, on this thread, calls run; the other scope was never cancelled.
    assert cm.inequality.gini(VALUES) == expected
    with other:
        assert cm.inequality.gini(VALUES) == expected
    assert not other.cancelled


def test_a_call_in_a_scope_cancelled_before_it_stops_before_the_first_poll() -> None:
    # The poll comes every 50 ms: a call of a few milliseconds ends before it, so only the
    # check at the start can stop it (once warm: a process's first call takes longer).
    cm.inequality.gini(VALUES, interval=True, reps=200, seed=7)
    scope = cm.CancelScope()
    scope.cancel()
    with scope, pytest.raises(cm.CancelledError):
        cm.inequality.gini(VALUES, interval=True, reps=200, seed=7)


def test_a_scope_holds_in_its_asyncio_task_and_in_threads_given_its_context() -> None:
    import asyncio

    expected = cm.inequality.gini(VALUES)
    scope = cm.CancelScope()
    scope.cancel()

    async def inside(entered: asyncio.Event, done: asyncio.Event) -> str:
        with scope:
            entered.set()
            # Another task runs while this one is suspended inside the scope.
            await done.wait()
            try:
                await asyncio.to_thread(cm.inequality.gini, VALUES, interval=True, reps=2000)
            except cm.CancelledError:
                return "cancelled in the thread given the task's context"
        return "not cancelled"

    async def outside(entered: asyncio.Event, done: asyncio.Event) -> float:
        await entered.wait()
        try:
            return cm.inequality.gini(VALUES, interval=True, reps=2000, seed=7)[0]
        finally:
            done.set()

    async def main() -> tuple[str, float]:
        entered, done = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(inside(entered, done), outside(entered, done))

    in_scope, other_task = asyncio.run(main())
    assert in_scope == "cancelled in the thread given the task's context"
    assert other_task == pytest.approx(expected)


def test_a_scope_left_where_it_was_not_entered_is_an_error() -> None:
    scope = cm.CancelScope()
    scope.__enter__()
    try:
        with ThreadPoolExecutor(1) as ex:
            with pytest.raises(RuntimeError, match="did not enter it"):
                ex.submit(scope.__exit__, None, None, None).result(timeout=60)
    finally:
        assert scope.__exit__(None, None, None) is False
    # Left here, it is gone: leaving again is an error too.
    with pytest.raises(RuntimeError, match="did not enter it"):
        scope.__exit__(None, None, None)


def test_one_scope_entered_by_several_threads_cancels_them_all() -> None:
    scope = cm.CancelScope()
    stop = threading.Event()
    started = [threading.Event(), threading.Event()]
    safety = threading.Timer(120, stop.set)
    safety.start()

    def work(k: int) -> Any:
        with scope:
            return _long_gini(stop, started[k])

    try:
        with ThreadPoolExecutor(2) as ex:
            calls = [ex.submit(work, k) for k in range(2)]
            assert all(e.wait(120) for e in started)
            scope.cancel()
            for call in calls:
                with pytest.raises(cm.CancelledError):
                    call.result(timeout=120)
    finally:
        safety.cancel()
    assert not stop.is_set(), "the safety net stopped a call, not the scope"


def test_the_cancel_scope_example_runs() -> None:
    import doctest

    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder().find(cm.CancelScope, globs={})
    assert sum(len(t.examples) for t in tests) >= 4
    for t in tests:
        runner.run(t)
    assert runner.failures == 0
