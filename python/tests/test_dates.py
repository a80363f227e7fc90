"""Dates as NHS extracts hold them: UK civil time, text with times, categoricals (the rules in
docs/limits.md, "Dates")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

import collabmetrics as cm

LONDON = "Europe/London"


def _placements(start: pa.Array, end: pa.Array) -> pa.Table:
    return pa.table(
        {
            "placement_id": [1, 2],
            "person_id": ["a", "b"],
            "start_date": start,
            "end_date": end,
            "bed_type": ["10", "10"],
            "reason": ["10", "10"],
        }
    )


def _months(t: Any) -> list[tuple[str, int, int]]:
    return [
        (r["period_start"].isoformat()[:7], r["started"], r["bed_days"])
        for r in t.select(["period_start", "started", "bed_days"]).to_pylist()
    ]


def _utc(*moments: str) -> pa.Array:
    """Instants written as UTC (``YYYY-MM-DDTHH:MM``), as seconds since 1970."""
    epoch = dt.datetime(1970, 1, 1)
    return pa.array(
        [int((dt.datetime.fromisoformat(m) - epoch).total_seconds()) for m in moments],
        pa.int64(),
    )


def test_london_timestamps_are_dated_by_the_uk_clock() -> None:
    # Placement 1: admitted 00:30 BST on 1 April 2024 (23:30 UTC on 31 March), discharged
    # 10:00 BST on 5 April. Placement 2: 00:30 GMT on 1 March, discharged 10:00 GMT on 5 March.
    # By the ward's clock (nights up to the discharge day): March 1 start and 4 bed days
    # (1-4 March), April 1 start and 4 bed days (1-4 April).
    start = _utc("2024-03-31T23:30", "2024-03-01T00:30")
    end = _utc("2024-04-05T09:00", "2024-03-05T10:00")
    kw: dict[str, Any] = {"start": "2024-03", "end": "2024-04"}
    london = cm.oap.measures(
        _placements(
            start.cast(pa.timestamp("s", tz=LONDON)), end.cast(pa.timestamp("s", tz=LONDON))
        ),
        **kw,
    )
    assert _months(london) == [("2024-03", 1, 4), ("2024-04", 1, 4)]
    # The same instants in UTC are dated in UTC (documented): 31 March for placement 1.
    utc = cm.oap.measures(
        _placements(start.cast(pa.timestamp("s", tz="UTC")), end.cast(pa.timestamp("s", tz="UTC"))),
        **kw,
    )
    assert _months(utc) == [("2024-03", 2, 5), ("2024-04", 0, 4)]


def test_london_dates_across_the_clock_changes() -> None:
    # 00:30 by the clock on the day after each change of 2024 (31 March, 27 October): BST on
    # 1 April is UTC 23:30 of 31 March; GMT on 28 October is 00:30 UTC of that day.
    start = _utc("2024-03-31T23:30", "2024-10-28T00:30")
    end = _utc("2024-04-01T23:30", "2024-10-29T00:30")
    t = cm.oap.measures(
        _placements(
            start.cast(pa.timestamp("s", tz=LONDON)), end.cast(pa.timestamp("s", tz=LONDON))
        ),
        start="2024-04",
        end="2024-10",
    )
    started = {m: n for m, n, _ in _months(t)}
    # Read in UTC, placement 1 would start on 31 March, before the first month.
    assert started["2024-04"] == 1 and started["2024-10"] == 1


def test_london_times_before_1981_are_refused_naming_the_row() -> None:
    start = _utc("2024-03-01T00:30", "1980-12-31T12:00")
    end = _utc("2024-03-05T00:30", "2024-03-05T00:30")
    with pytest.raises(cm.errors.InvalidCellError) as e:
        cm.oap.measures(
            _placements(
                start.cast(pa.timestamp("s", tz=LONDON)),
                end.cast(pa.timestamp("s", tz=LONDON)),
            ),
            start="2024-03",
            end="2024-03",
        )
    assert e.value.column == "start_date" and e.value.row == 1
    assert "before 1981" in str(e.value)


def test_text_after_a_date_must_be_a_time() -> None:
    ok = cm.oap.measures(
        _placements(
            pa.array(["2024-03-01 00:30:00 +01:00", "2024-03-02T10:00:00.0000000"]),
            pa.array(["2024-03-05T10:00Z", "2024-03-03 00:00:00 UTC"]),
        ),
        start="2024-03",
        end="2024-03",
    )
    # Nights 1-4 and 2 March.
    assert _months(ok) == [("2024-03", 2, 5)]
    with pytest.raises(cm.errors.InvalidCellError) as e:
        cm.oap.measures(
            _placements(
                pa.array(["2024-03-01", "2024-03-02 garbage"]),
                pa.array(["2024-03-05", "2024-03-03"]),
            ),
            start="2024-03",
            end="2024-03",
        )
    assert e.value.column == "start_date" and e.value.row == 1


def test_dates_as_categorical_text() -> None:
    text = pa.array(["2024-03-01", "2024-03-02"])
    ends = pa.array(["2024-03-05", "2024-03-03"])
    plain = cm.oap.measures(_placements(text, ends), start="2024-03", end="2024-03")
    coded = cm.oap.measures(
        _placements(text.dictionary_encode(), ends.dictionary_encode()),
        start="2024-03",
        end="2024-03",
    )
    assert coded.equals(plain)
    with pytest.raises(cm.errors.InvalidCellError) as e:
        cm.oap.measures(
            _placements(pa.array(["2024-03-01", "01/03/2024"]).dictionary_encode(), ends),
            start="2024-03",
            end="2024-03",
        )
    assert e.value.column == "start_date" and e.value.row == 1


def test_a_rebase_month_is_its_first_day_as_on_the_command_line() -> None:
    data = pa.table(
        {
            "date": [dt.date(2023, m, 1) for m in range(1, 13)]
            + [dt.date(2024, m, 1) for m in range(1, 13)],
            "value": [float(10 + (i % 3)) for i in range(12)]
            + [float(20 + (i % 3)) for i in range(12)],
        }
    )
    by_month = cm.spc.xmr(data, rebase="2024-01")
    by_day = cm.spc.xmr(data, rebase=dt.date(2024, 1, 1))
    assert by_month.equals(by_day)


def test_date_and_timestamp_by_keys_group_as_their_dates() -> None:
    """A ``by`` column of dates groups alike as date32, date64, a pandas datetime64 column
    (a timestamp) or a Europe/London timestamp, and comes back as dates."""
    april, march = dt.date(2024, 4, 1), dt.date(2024, 3, 31)
    days = [april, march, april, march]
    values = [1.0, 2.0, 4.0, 6.0]
    # The means of each day: 1 April (1 + 4) / 2, 31 March (2 + 6) / 2.
    want = [(april, 2.5), (march, 4.0)]
    midnight = [dt.datetime(d.year, d.month, d.day) for d in days]
    # In UTC: 23:30 on 31 March is 00:30 BST on 1 April; 12:00 on 31 March is 13:00 BST (the
    # clocks went forward at 01:00 UTC that day); 00:30 on 31 March is 00:30 GMT.
    utc = [
        dt.datetime(2024, 3, 31, 23, 30),
        dt.datetime(2024, 3, 31, 12),
        dt.datetime(2024, 4, 1, 17),
        dt.datetime(2024, 3, 31, 0, 30),
    ]
    london = pa.array(utc, pa.timestamp("s", tz="UTC")).cast(pa.timestamp("s", tz=LONDON))
    for period in [
        pa.array(days, pa.date32()),
        pa.array(days, pa.date64()),
        pa.array(midnight, pa.timestamp("ns")),
        london,
    ]:
        t = cm.stats.mean(pa.table({"period": period, "value": values}), by="period")
        got = [(r["period"], r["value"]) for r in t.select(["period", "value"]).to_pylist()]
        assert got == want, period.type
        assert t.schema.field("period").type == pa.date32()
