"""Hostile input (issue 11), from Python: no panic, no hang, no abort, no silent wrong answer,
and Ctrl-C stops any long call within half a second."""

from __future__ import annotations

import datetime as dt
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import collabmetrics as cm

# ---------------------------------------------------------------------------------------------
# Panics on valid input, and unbounded work


@pytest.mark.parametrize("method", ["byar", "exact"])
def test_a_subnormal_count_is_a_rate_not_a_panic(method: str) -> None:
    t = cm.rate([5e-324], [1], method=method)
    # O = 5e-324 per 1 person-time unit, × 100 000: the exact limits of a count near 0.
    assert t["value"][0].as_py() == pytest.approx(5e-324 * 1e5, rel=1e-9)
    assert t["lower"][0].as_py() == 0.0
    assert math.isfinite(t["upper"][0].as_py())


def test_a_subnormal_count_in_dsr_isr_and_inequality_counts() -> None:
    bands = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
    frame = pd.DataFrame(
        {"count": [5e-324] + [1.0] * 18, "population": [1000.0] * 19, "age_band": bands}
    )
    t = cm.dsr(frame)
    assert all(math.isfinite(v) for v in t["value"])
    isr = pd.DataFrame(
        {
            "count": [5e-324, 2.0],
            "population": [100.0, 100.0],
            "reference_count": [10.0, 10.0],
            "reference_population": [1000.0, 1000.0],
        }
    )
    t = cm.isr(isr)
    assert all(math.isfinite(v) for v in t["value"])
    groups = pd.DataFrame(
        {
            "group": ["a", "b", "c"],
            "numerator": [5e-324, 3.0, 7.0],
            "denominator": [100.0, 100.0, 100.0],
            "population": [100.0, 100.0, 100.0],
            "order": [1, 2, 3],
        }
    )
    out = cm.inequality.measures(
        groups,
        favourable="high",
        group="group",
        population="population",
        order="order",
        numerator="numerator",
        denominator="denominator",
        count_kind="rate",
        measures=["D"],
        reps=0,
    )
    assert math.isfinite(out["value"][0])
    # R divides by the subnormal rate: beyond a double, so refused naming the measure.
    with pytest.raises(cm.InvalidArgumentError, match="R: its value is not a finite number"):
        cm.inequality.measures(
            groups,
            favourable="high",
            group="group",
            population="population",
            order="order",
            numerator="numerator",
            denominator="denominator",
            count_kind="rate",
            measures=["R"],
            reps=0,
        )


def ordered_subgroups(k: int) -> pd.DataFrame:
    """``k`` ordered subgroups of 1 000 people, values 10, 11, ... with standard error 1."""
    frame: pd.DataFrame = pd.DataFrame(
        {
            "group": [f"g{i}" for i in range(1, k + 1)],
            "value": [10.0 + i for i in range(k)],
            "se": [1.0] * k,
            "population": [1000.0] * k,
            "order": list(range(1, k + 1)),
        }
    )
    return frame


def test_repetitions_beyond_the_limit_are_refused_before_any_work() -> None:
    deciles = ordered_subgroups(10)
    for reps in [2**61, 2**30]:
        with pytest.raises(cm.LimitExceededError, match="at most 10000000 repetitions") as e:
            cm.inequality.sii(
                deciles, group="group", population="population", order="order", se="se", reps=reps
            )
        assert e.value.argument == "reps"
    with pytest.raises(cm.LimitExceededError):
        cm.inequality.gini([1.0, 2.0, 3.0], interval=True, reps=2**40)


def test_exact_limits_of_a_huge_count_are_immediate() -> None:
    started = time.monotonic()
    t = cm.rate([1e16], [1], method="exact")
    assert time.monotonic() - started < 5  # was minutes: the search grew with the count
    # Normal approximation: 1e16 ± 1.96e8 (relative 2e-8), per 100 000.
    assert t["lower"][0].as_py() == pytest.approx((1e16 - 1.96e8) * 1e5, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# Dates: one supported range, checked where every date is read

MAX32, MIN32 = 2**31 - 1, -(2**31)


def placements(end: Any = None, start: Any = None) -> pa.Table:
    return pa.table(
        {
            "placement_id": [1, 2],
            "person_id": ["a", "b"],
            "start_date": pa.array([start if start is not None else 19_737, 19_740], pa.date32()),
            "end_date": pa.array([end, None], pa.date32()),
            "bed_type": ["10", "10"],
            "reason": ["10", "10"],
        }
    )


@pytest.mark.parametrize(
    "table",
    [
        placements(end=MAX32),  # was: active_at_end 0 and bed_days 0 for an open placement
        placements(start=MAX32),  # was: counted as active in 2024
        placements(start=MIN32),
    ],
)
def test_a_date_at_date32_extremes_is_an_error_naming_the_row(table: pa.Table) -> None:
    with pytest.raises(cm.InvalidCellError, match="outside the supported date range") as e:
        cm.oap.measures(table, start="2024-01-01", end="2024-03-31")
    assert e.value.row == 0
    # The raw value, not a year such as -5877641.
    assert "date32 " in str(e.value) and "-5877641" not in str(e.value)


def test_a_timestamp_of_2_to_the_62_seconds_is_not_january_2024() -> None:
    t = placements()
    stamps = pa.array([2**62, 19_740 * 86_400], pa.timestamp("s"))
    t = t.set_column(2, "start_date", stamps)
    with pytest.raises(cm.InvalidCellError, match="outside the supported date range") as e:
        cm.oap.measures(t, start="2024-01-01", end="2024-03-31")
    assert e.value.column == "start_date" and e.value.row == 0
    assert "timestamp 4611686018427387904 s" in str(e.value)


def test_reporting_dates_beyond_the_range_are_refused() -> None:
    with pytest.raises(cm.InvalidArgumentError, match="outside the supported date range") as e:
        cm.oap.measures(placements(), start=dt.date(1, 1, 1), end="2024-03-31")
    assert e.value.argument == "start"


def test_a_birth_date_at_date32_minimum_is_out_of_range_not_missing() -> None:
    persons = pa.table(
        {
            "person_id": ["p"],
            "date_of_birth": pa.array([MIN32], pa.date32()),
            "date_of_death": pa.array([None], pa.date32()),
        }
    )
    referrals = pa.table(
        {
            "referral_id": ["r"],
            "person_id": ["p"],
            "received_date": pa.array([19_000], pa.date32()),
            "service_line": ["cyp"],
        }
    )
    contacts = pa.table(
        {"referral_id": ["r"], "contact_date": pa.array([19_001], pa.date32()), "attendance": ["5"]}
    )
    with pytest.raises(cm.InvalidCellError, match="outside the supported date range") as e:
        cm.transition.summary(persons, referrals, contacts, data_end="2024-03-31")
    assert e.value.table == "persons" and e.value.column == "date_of_birth"


# ---------------------------------------------------------------------------------------------
# Finite in, finite out


def test_proportion_of_the_largest_counts_is_finite() -> None:
    t = cm.proportion([1e308], [1e308])
    assert [t[c][0].as_py() for c in ["value", "lower", "upper"]] == [1.0, 1.0, 1.0]


def test_proportion_of_a_huge_denominator_has_an_interval_around_it() -> None:
    # 2(n + z²) overflows for n = 1e308; the interval used to collapse to [0, 0]. The true
    # half-width, 1.96 × √(1e-8 / 1e308) ≈ 2e-158, is far below an ulp of 1e-8.
    t = cm.proportion(1e300, 1e308)
    value, lower, upper = (t[c][0].as_py() for c in ["value", "lower", "upper"])
    assert lower <= value <= upper
    assert math.isclose(lower, 1e-8, rel_tol=1e-15) and math.isclose(upper, 1e-8, rel_tol=1e-15)


def test_a_rate_over_a_subnormal_denominator_names_the_overflow() -> None:
    with pytest.raises(cm.InvalidCellError, match="beyond the largest double") as e:
        cm.rate([0], [5e-324])
    assert e.value.column == "denominator" and e.value.row == 0


def test_a_mean_of_the_largest_values_is_finite_or_names_what_overflows() -> None:
    # Mean 1e308/3; the sum 1e308 and sd 1.15e308 fit, but the limits (mean ∓ t·sd/√3, about
    # ∓2.9e308) are beyond a double: refused, naming the first.
    with pytest.raises(cm.InvalidGroupError, match="limit is beyond the largest double"):
        cm.mean([1e308, -1e308, 1e308])
    t = cm.mean([1e307, 1e307, 1e307])
    assert t["value"][0].as_py() == 1e307 and t["upper"][0].as_py() == 1e307
    with pytest.raises(cm.InvalidGroupError, match="its sum is beyond the largest double"):
        cm.mean([1e308, 1e308, 1e308])


def test_a_setting_average_of_zero_is_an_error_not_infinity() -> None:
    frame = pd.DataFrame(
        {"group": ["a", "b", "c"], "value": [1.0, 2.0, 3.0], "population": [10.0, 20.0, 30.0]}
    )
    # COV divides by the setting average: the option is named, not `values`.
    with pytest.raises(cm.InvalidArgumentError, match="COV divides by the setting average") as e:
        cm.inequality.measures(
            frame,
            group="group",
            population="population",
            setting_average=0.0,
            measures=["COV"],
            reps=0,
        )
    assert e.value.argument == "setting_average"


def test_wagstaff_on_equal_outcomes_is_an_error_not_nan() -> None:
    with pytest.raises(cm.InvalidArgumentError, match="Wagstaff"):
        cm.inequality.concentration_index(
            [1, 1, 1], [1, 2, 3], correction="wagstaff", bounds=(0, 1)
        )


def test_ge_with_a_huge_alpha_is_an_error_not_nan() -> None:
    with pytest.raises(cm.InvalidArgumentError, match="beyond the largest double") as e:
        cm.inequality.ge([1.0, 2.0, 3.0], 1e308)
    assert e.value.argument == "alpha"
    # and a large but representable one is computed in log space
    assert math.isfinite(cm.inequality.ge([1.0, 2.0, 3.0], 500.0))


# ---------------------------------------------------------------------------------------------
# One missing-value rule: NaN is null


def test_nan_is_a_missing_distance_as_null_is() -> None:
    for missing in [math.nan, None]:
        with pytest.raises(cm.InvalidCellError, match="missing values") as e:
            cm.distance.summary([1.0, missing, 3.0])
        assert e.value.row == 1
        t, diagnostics = cm.distance.summary(
            [1.0, missing, 3.0], nulls="propagate", with_diagnostics=True
        )
        assert t["count"][0].as_py() == 2
        assert [(d["reason"], d["count"], d["first_row"]) for d in diagnostics] == [
            ("missing_distance", 1, 1)
        ]


def test_all_none_columns_are_columns_of_nulls() -> None:
    # An all-None pandas column is Arrow's null type: every placement is open.
    frame = placements().to_pandas()
    frame["end_date"] = [None, None]
    assert pa.Table.from_pandas(frame).schema.field("end_date").type == pa.null()
    t = cm.oap.measures(frame, start="2024-01-01", end="2024-03-31")
    assert list(t["active_at_end"]) == [2, 2, 2]


def test_duplicated_column_names_are_an_error() -> None:
    # (pandas frames with duplicated names do not convert to Arrow; an Arrow table can hold them)
    table = pa.Table.from_arrays(
        [pa.array([1.0]), pa.array([2.0]), pa.array([3.0])],
        names=["count", "denominator", "count"],
    )
    with pytest.raises(cm.InvalidArgumentError, match="`count` appears more than once"):
        cm.rate("count", "denominator", data=table)


# ---------------------------------------------------------------------------------------------
# Arguments


def test_text_is_not_a_confidence_level() -> None:
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.proportion([1], [2], confidence="0.95")  # type: ignore[arg-type]
    assert e.value.argument == "confidence"


@pytest.mark.parametrize("name", ["reps", "seed"])
def test_negative_counts_name_the_argument(name: str) -> None:
    with pytest.raises(cm.InvalidArgumentError, match="whole number") as e:
        if name == "reps":
            cm.inequality.gini([1.0, 2.0, 3.0], interval=True, reps=-1)
        else:
            cm.inequality.gini([1.0, 2.0, 3.0], interval=True, seed=-1)
    assert e.value.argument == name


def test_a_set_is_not_a_vector() -> None:
    with pytest.raises(cm.InvalidArgumentError, match="has no order") as e:
        cm.rate({1.0, 2.0}, [3.0, 4.0])
    assert e.value.argument == "count"


# ---------------------------------------------------------------------------------------------
# Ctrl-C: KeyboardInterrupt within half a second of the signal, during any long call


def interrupted_within(call: Callable[[], object], after: float = 0.3) -> float:
    """Sends SIGINT `after` seconds into `call`; returns the time from the signal to the
    KeyboardInterrupt."""
    fired: list[float] = []

    def fire() -> None:
        fired.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(after, fire)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
        return time.monotonic() - fired[0]
    finally:
        timer.cancel()


def test_ctrl_c_stops_a_geodesic_on_millions_of_points() -> None:
    n = 4_000_000
    lat1 = np.linspace(50.0, 55.0, n)
    lon = np.full(n, -1.0)
    assert interrupted_within(lambda: cm.distance.geodesic(lat1, lon, lat1[::-1], lon)) < 0.5


def test_ctrl_c_stops_a_gini_bootstrap() -> None:
    values = np.random.default_rng(1).lognormal(size=50_000)
    assert interrupted_within(lambda: cm.inequality.gini(values, interval=True, reps=100_000)) < 0.5


def test_ctrl_c_stops_an_sii_simulation() -> None:
    # 10⁹ draws (100 subgroups × 10⁷ replicates): seconds, even in parallel blocks.
    centiles = ordered_subgroups(100)
    assert (
        interrupted_within(
            lambda: cm.inequality.sii(
                centiles,
                group="group",
                population="population",
                order="order",
                se="se",
                reps=10_000_000,
            )
        )
        < 0.5
    )


def transition_tables(people: int) -> tuple[pa.Table, pa.Table, pa.Table]:
    """`people` young people, each with a CYP and an adult referral and ten contacts."""
    rng = np.random.default_rng(7)
    ids = np.arange(people)
    born = rng.integers(10_000, 13_000, people)  # born 1997-2005
    persons = pa.table(
        {"person_id": ids, "date_of_birth": pa.array(born.astype(np.int32), pa.date32())}
    )
    received = (born + 16 * 365 + rng.integers(0, 700, people)).astype(np.int32)
    referrals = pa.table(
        {
            "referral_id": np.arange(2 * people),
            "person_id": np.concatenate([ids, ids]),
            "received_date": pa.array(np.concatenate([received, received + 500]), pa.date32()),
            "service_line": ["cyp"] * people + ["adult"] * people,
        }
    )
    k = 10 * people
    which = rng.integers(0, 2 * people, k)
    days = np.concatenate([received, received + 500])[which] + rng.integers(0, 400, k)
    contacts = pa.table(
        {
            "referral_id": which,
            "contact_date": pa.array(days.astype(np.int32), pa.date32()),
            "attendance": pa.array(np.where(rng.random(k) < 0.8, "5", "3")),
        }
    )
    return persons, referrals, contacts


def test_ctrl_c_stops_a_transition_run() -> None:
    persons, referrals, contacts = transition_tables(1_000_000)
    assert (
        interrupted_within(
            lambda: cm.transition.summary(persons, referrals, contacts, data_end="2024-03-31"),
            after=0.2,
        )
        < 0.5
    )


def test_batches_of_a_column_that_do_not_join_are_a_column_type_error() -> None:
    # Two batches of an 8-bit dictionary with 100 different words each: 200 do not fit its keys.
    def words(start: int) -> pa.Array:
        text = pa.array([f"w{k}" for k in range(start, start + 100)])
        return text.dictionary_encode().cast(pa.dictionary(pa.int8(), pa.string()))

    # (pa.RecordBatch.from_arrays: pyarrow 14 has no record_batch of a mapping.)
    batches = [
        pa.RecordBatch.from_arrays([words(k), pa.array([1.0] * 100)], names=["g", "value"])
        for k in (0, 100)
    ]
    table = pa.Table.from_batches(batches)
    with pytest.raises(cm.ColumnTypeError) as e:
        cm.mean(table, by="g")
    assert e.value.column == "g"
    assert "in batches that do not join" in str(e.value)


def test_a_date32_key_before_1800_is_an_error_naming_the_row() -> None:
    table = pa.table(
        {"m": pa.array([dt.date(2024, 1, 1), dt.date(1700, 1, 1)]), "value": [1.0, 2.0]}
    )
    with pytest.raises(cm.InvalidCellError) as e:
        cm.mean(table, by="m")
    assert (e.value.column, e.value.row) == ("m", 1)
    assert "date32 -98615 (days since 1970-01-01)" in str(e.value)
