"""Long work is visible when asked (``progress=True``) and silent otherwise; Ctrl-C and an
exception from the progress report stop it."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import collabmetrics as cm
from collabmetrics import _native

VALUES = np.random.default_rng(3).lognormal(size=1000)

DECILES = pa.table(
    {
        "area": ["A"] * 10 + ["B"] * 10,
        "decile": list(range(1, 11)) * 2,
        "value": [10.0 + i for i in range(10)] + [20.0 - i for i in range(10)],
        "se": [1.0] * 20,
        "population": [1000.0] * 20,
    }
)


def test_the_bootstrap_reports_a_growing_share_ending_at_one() -> None:
    seen: list[float] = []
    # 20 000 resamples: about 0.25 s on two cores, several polls (every 50 ms).
    out = _native.inequality_bootstrap(
        pa.table({"values": VALUES}), "gini", None, 20_000, 0.95, 1, seen.append
    )
    # Same numbers as without a report.
    assert out == cm.inequality.gini(VALUES, interval=True, reps=20_000, seed=1)
    assert len(seen) >= 2, seen  # the poll is every 50 ms; the call takes longer
    assert seen == sorted(seen) and len(set(seen)) == len(seen), seen
    assert 0.0 < seen[0] and seen[-1] <= 1.0, seen


def test_nothing_is_printed_by_default(capfd: pytest.CaptureFixture[str]) -> None:
    cm.inequality.gini(VALUES, interval=True, reps=500)
    cm.inequality.sii(
        DECILES, group="decile", order="decile", population="population", se="se", by="area"
    )
    assert capfd.readouterr() == ("", "")


def test_a_tqdm_bar_when_asked(capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    r = cm.inequality.sii(
        DECILES,
        group="decile",
        order="decile",
        population="population",
        se="se",
        by="area",
        confidence=[0.95, 0.998],
        progress=True,
    )
    assert r.num_rows == 8
    err = capfd.readouterr().err
    # tqdm's bar on standard error, named after the work and completed.
    assert "inequality measures" in err and "100%" in err, err


def test_a_plain_line_without_tqdm(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import tqdm.auto fails
    cm.inequality.gini(VALUES, interval=True, reps=500, progress=True)
    err = capfd.readouterr().err
    assert err.startswith("\rgini:   0%") and err.endswith("\rgini: 100%\n"), repr(err)


def test_the_transition_run_reports_too(capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    t = cm.demo.tables(seed=1, scale=0.1)
    s = cm.transition.summary(
        t["persons"], t["referrals"], t["contacts"], data_end="2024-03-31", progress=True
    )
    assert s.num_rows > 0
    err = capfd.readouterr().err
    assert "summary" in err and "100%" in err, err


def test_progress_is_true_or_false() -> None:
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.inequality.gini(VALUES, progress="yes")  # type: ignore[call-overload]
    assert e.value.argument == "progress"


def test_an_exception_in_the_report_stops_the_work() -> None:
    class Stop(Exception):
        pass

    def stop(done: float) -> None:
        raise Stop(done)

    start = time.monotonic()
    with pytest.raises(Stop):
        _native.inequality_bootstrap(
            pa.table({"values": VALUES}), "gini", None, 1_000_000, 0.95, 1, stop
        )
    assert time.monotonic() - start < 5  # the whole run takes minutes


def test_ctrl_c_stops_a_run_with_a_bar(capfd: pytest.CaptureFixture[str]) -> None:
    fired: list[float] = []

    def fire() -> None:
        fired.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.3, fire)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            cm.inequality.gini(VALUES, interval=True, reps=1_000_000, progress=True)
        assert time.monotonic() - fired[0] < 0.5
    finally:
        timer.cancel()
    # The bar was closed (its line ended), not left half drawn.
    err: Any = capfd.readouterr().err
    assert "gini:" in err and not err.endswith("\r")
