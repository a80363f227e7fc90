"""OAP measures: against a day-by-day brute force written here, frames in and out, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute
import pyarrow.csv
import pytest
from compat import arrow_of, quantile

import collabmetrics as cm

D = dt.date


def months(first: dt.date, n: int) -> list[tuple[dt.date, dt.date]]:
    out = []
    y, m = first.year, first.month
    for _ in range(n):
        start = D(y, m, 1)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append((start, D(y, m, 1) - dt.timedelta(days=1)))
    return out


def brute_force(
    rows: list[dict[str, Any]], periods: list[tuple[dt.date, dt.date]]
) -> dict[str, list[int]]:
    """The rules of docs/methods/oap.md applied night by night and day by day, no cleverness."""
    out: dict[str, list[int]] = {k: [] for k in ["started", "ended", "active_at_end", "bed_days"]}
    for ps, pe in periods:
        started = ended = active = nights = 0
        for r in rows:
            s, e = r["start_date"], r["end_date"]
            started += ps <= s <= pe
            ended += e is not None and ps <= e <= pe
            active += s <= pe and (e is None or e > pe)
            night = max(s, ps)
            stop = pe + dt.timedelta(days=1) if e is None else min(e, pe + dt.timedelta(days=1))
            while night < stop:  # the night of `night` is spent in the bed
                nights += 1
                night += dt.timedelta(days=1)
        for k, v in zip(out, [started, ended, active, nights]):
            out[k].append(v)
    return out


def random_placements(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        start = D(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 500)))
        los = int(rng.geometric(1 / 30)) - 1
        end = None if rng.random() < 0.1 else start + dt.timedelta(days=los)
        rows.append(
            {
                "placement_id": i,
                "person_id": f"p{i}",
                "start_date": start,
                "end_date": end,
                "bed_type": "10",
                "reason": "10",
            }
        )
    return rows


def test_monthly_counts_match_a_day_by_day_brute_force(rng: np.random.Generator) -> None:
    rows = random_placements(rng, 300)
    table = pa.Table.from_pylist(rows)
    periods = months(D(2023, 3, 1), 14)
    got = cm.oap.measures(table, start="2023-03-01", end="2024-04-30")
    want = brute_force(rows, periods)
    for k, v in want.items():
        assert got.column(k).to_pylist() == v, k


def test_rolling_3m_matches_brute_force_over_three_months(rng: np.random.Generator) -> None:
    rows = random_placements(rng, 200)
    got = cm.oap.measures(
        pa.Table.from_pylist(rows), start="2023-06-01", end="2023-12-31", window="rolling_3m"
    )
    for i, (_, pe) in enumerate(months(D(2023, 6, 1), 7)):
        y, m = (pe.year, pe.month - 2) if pe.month > 2 else (pe.year - 1, pe.month + 10)
        ps = D(y, m, 1)
        want = brute_force(rows, [(ps, pe)])
        assert got.column("period_start")[i].as_py() == ps
        for k, v in want.items():
            assert got.column(k)[i].as_py() == v[0], (k, pe)


def fixture() -> dict[str, list[Any]]:
    return {
        "placement_id": [1, 2, 3],
        "person_id": ["a", "b", "c"],
        "StartDateHospProvSpell": ["2024-01-20", "2024-02-01", "2024-02-05"],
        "end_date": ["2024-03-10", None, "2024-02-05"],
        "bed_type": [10, 11, 12],
        "reason": [10, 10, 14],
        "sending_org": ["RXY", "RXY", "RPA"],
    }


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_frames_and_column_mapping(kind: str) -> None:
    data = fixture()
    frame = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[kind](data)
    out = cm.oap.measures(
        frame,
        start=D(2024, 1, 1),
        end="2024-02-29",
        by="sending_org",
        columns={"start_date": "StartDateHospProvSpell"},
        data_cutoff="2024-02-20",
    )
    assert type(out).__module__.split(".")[0] == kind
    t = (
        arrow_of(out)
        if kind == "polars"
        else (pa.Table.from_pandas(out) if kind == "pandas" else out)
    )
    assert t.column("sending_org").to_pylist() == ["RXY", "RPA", "RXY", "RPA"]
    # Feb, RXY: placement 1 (29 nights) + placement 2 open, 1..20 Feb through the cut-off (20).
    assert t.column("bed_days").to_pylist() == [12, 0, 49, 0]


def test_rates_and_proportions_from_python() -> None:
    data = fixture()
    pop = pa.table({"sending_org": ["RXY", "RPA"], "population": [500_000, 250_000]})
    # All admissions: the two RXY placements themselves plus three local two-night stays in
    # February, and one RPA admission.
    adm = pa.table(
        {
            "StartDateHospProvSpell": ["2024-01-20", "2024-02-01"]
            + ["2024-02-10"] * 3
            + ["2024-02-05"],
            "end_date": ["2024-03-10", None] + ["2024-02-12"] * 3 + ["2024-02-06"],
            "sending_org": ["RXY"] * 5 + ["RPA"],
        }
    )
    out, diag = cm.oap.measures(
        pa.table(data),
        start="2024-02-01",
        end="2024-02-29",
        by="sending_org",
        population=pop,
        admissions=adm,
        columns={"start_date": "StartDateHospProvSpell"},
        with_diagnostics=True,
    )
    assert out.column("rate_started").to_pylist() == [2.0, 0.0]  # 1 per 500 000 = 2 per million
    assert out.column("proportion_started").to_pylist()[0] == pytest.approx(25.0)  # 1 of 4
    # Bed days in February, RXY: placements 29 + 29 of all admissions' 29 + 29 + 3 · 2.
    assert out.column("proportion_bed_days").to_pylist()[0] == pytest.approx(100 * 58 / 64)
    assert {d["reason"] for d in diag} >= {"appropriate_reason", "open_placement"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"end_date": ["2024-01-19", None, None]},
            "column `end_date` at row 0 (2024-01-19): end date before the start date 2024-01-20",
        ),
        ({"placement_id": [1, 1, 3]}, "column `placement_id` at row 1 (1): duplicate identifier"),
        (
            {"StartDateHospProvSpell": ["2024-01-20", "01/02/2024", "2024-02-05"]},
            'column `StartDateHospProvSpell` at row 1 ("01/02/2024"): not an ISO 8601 date',
        ),
        ({"reason": [1.5, 2.5, 3.5]}, "column `reason` has type double; expected a code"),
    ],
)
def test_bad_placements(change: dict[str, list[Any]], message: str) -> None:
    data = fixture() | change
    with pytest.raises(cm.CollabMetricsError) as info:
        cm.oap.measures(
            pa.table(data),
            start="2024-01-01",
            end="2024-02-29",
            columns={"start_date": "StartDateHospProvSpell"},
        )
    assert message.replace("double", "Float64") in str(info.value) or message in str(info.value)


def test_missing_column_and_bad_options() -> None:
    with pytest.raises(cm.CollabMetricsError, match=r"missing column `start_date`"):
        cm.oap.measures(pa.table(fixture()), start="2024-01-01", end="2024-02-29")
    with pytest.raises(cm.CollabMetricsError, match=r"invalid argument `window`"):
        cm.oap.measures(  # type: ignore[call-overload]
            pa.table(fixture()),
            start="2024-01-01",
            end="2024-02-29",
            window="weekly",
            columns={"start_date": "StartDateHospProvSpell"},
        )
    with pytest.raises(cm.CollabMetricsError, match=r"invalid argument `start`: not a date"):
        cm.oap.measures(pa.table(fixture()), start="January", end="2024-02-29")


def test_distance_summary_per_period() -> None:
    t = cm.demo.tables(months=12)["placements"]
    km = cm.distance.bng(
        t.column("home_easting"),
        t.column("home_northing"),
        t.column("unit_easting"),
        t.column("unit_northing"),
    )
    t = t.append_column("distance_km", pa.array(km))
    out = cm.oap.measures(t, start="2021-06-01", end="2021-06-30", distance="distance_km")
    started = pa.compute.and_(
        pa.compute.greater_equal(t.column("start_date"), pa.scalar(D(2021, 6, 1))),
        pa.compute.less_equal(t.column("start_date"), pa.scalar(D(2021, 6, 30))),
    )
    inappropriate = pa.compute.equal(t.column("reason"), "10")
    scope = pa.compute.is_in(t.column("bed_type"), pa.array(list(cm.oap.DEFAULT_BED_TYPES)))
    chosen = t.filter(pa.compute.and_(pa.compute.and_(started, inappropriate), scope))
    d = np.sort(chosen.column("distance_km").to_numpy())
    assert out.column("distance_count")[0].as_py() == len(d)
    assert out.column("distance_mean")[0].as_py() == pytest.approx(d.mean())
    median = quantile(d, 0.5, "averaged_inverted_cdf")
    assert out.column("distance_median")[0].as_py() == pytest.approx(median)
    assert out.column("distance_share_beyond")[0].as_py() == pytest.approx(np.mean(d >= 50))
    assert out.column("distance_count_beyond")[0].as_py() == np.sum(d >= 50)

    # The share's threshold and the bands: counted here with numpy, bands half-open [a, b).
    edges = [10.0, 20.5, 80.0]
    mine = cm.oap.measures(
        t,
        start="2021-06-01",
        end="2021-06-30",
        distance="distance_km",
        distance_threshold=30.0,
        distance_bands=edges,
    )
    assert mine.column("distance_share_beyond")[0].as_py() == pytest.approx(np.mean(d >= 30))
    counts = np.histogram(d, [0.0, *edges, np.inf])[0]
    names = ["lt_10", "10_20p5", "20p5_80", "ge_80"]
    assert [mine.column(f"distance_band_{b}")[0].as_py() for b in names] == counts.tolist()
    # MHSDS's bands by name: 0–19, 20–49, 50–99, 100+ km.
    mhsds = cm.oap.measures(
        t,
        start="2021-06-01",
        end="2021-06-30",
        distance="distance_km",
        distance_bands="mhsds_monthly",
    )
    counts = np.histogram(d, [0.0, 20.0, 50.0, 100.0, np.inf])[0]
    names = ["lt_20", "20_50", "50_100", "ge_100"]
    assert [mhsds.column(f"distance_band_{b}")[0].as_py() for b in names] == counts.tolist()
    # The mergeable state takes them too: its result is the one-call result.
    period: dict[str, Any] = {"start": "2021-06-01", "end": "2021-06-30", "distance": "distance_km"}
    options: dict[str, Any] = {"distance_threshold": 30.0, "distance_bands": edges}
    parts = [cm.oap.state(t.slice(i, 500), **period, **options) for i in range(0, len(t), 500)]
    assert cm.oap.finalize(cm.merge(parts)).equals(mine)


def test_reasons_remap_the_codes() -> None:
    rows = {
        "placement_id": [1, 2, 3, 4],
        "person_id": ["a", "b", "c", "d"],
        "start_date": [D(2024, 1, 5)] * 4,
        "end_date": [D(2024, 1, 9)] * 4,
        "bed_type": ["10"] * 4,
        "reason": ["10", "14", "99", "77"],
    }
    period: dict[str, Any] = {"start": "2024-01-01", "end": "2024-01-31"}
    t = cm.oap.measures(pa.table(rows), **period)
    assert t.column("started").to_pylist() == [1]
    # Patient choice counted as inappropriate too; 99 made unknown (in neither list).
    t = cm.oap.measures(
        pa.table(rows), **period, reasons={"inappropriate": ["10", "14"], "appropriate": ["11"]}
    )
    assert t.column("started").to_pylist() == [2]
    counts = {d["reason"]: d["count"] for d in cm.oap.diagnostics(t)}
    assert counts["unknown_reason_code"] == 2  # 99 and 77
    with pytest.raises(cm.InvalidArgumentError, match="unknown key 'inapropriate'") as e:
        cm.oap.measures(pa.table(rows), **period, reasons={"inapropriate": ["10"]})
    assert e.value.argument == "reasons"


def test_code_lists_are_lists_even_for_one_code() -> None:
    # A lone string was iterated over: bed_types="10" made the scope {"1", "0"} and every
    # placement out of scope, a table of zeros; "all" ({"a", "l"}) likewise, where the
    # command line's --bed-types all means every bed type.
    rows = {
        "placement_id": [1, 2],
        "person_id": ["a", "b"],
        "start_date": [D(2024, 1, 5)] * 2,
        "end_date": [D(2024, 1, 9)] * 2,
        "bed_type": ["10", "13"],
        "reason": ["10", "14"],
    }
    period: dict[str, Any] = {"start": "2024-01", "end": "2024-01"}
    every = cm.oap.measures(pa.table(rows), **period, bed_types=None)
    assert every.column("started").to_pylist() == [1]
    assert cm.oap.measures(pa.table(rows), **period, bed_types="all").equals(every)
    # The words in any case, trimmed, as the command line reads them (and every option's).
    assert cm.oap.measures(pa.table(rows), **period, bed_types=" ALL ").equals(every)
    default = cm.oap.measures(pa.table(rows), **period, bed_types="default")
    assert cm.oap.measures(pa.table(rows), **period, bed_types="Default").equals(default)
    one = cm.oap.measures(pa.table(rows), **period, bed_types=["10"])
    assert one.column("started").to_pylist() == [1]
    bad: list[tuple[str, Any]] = [
        ("bed_types", "10"),
        ("bed_types", 10),
        ("reasons", {"inappropriate": "14"}),
        ("reasons", {"inappropriate": 14}),
        ("reasons", ["10"]),
    ]
    for name, value in bad:
        with pytest.raises(cm.InvalidArgumentError) as e:
            cm.oap.measures(pa.table(rows), **period, **{name: value})
        assert e.value.argument == name


def test_a_blank_person_or_bed_type_read_from_csv_is_not_recorded(tmp_path: Any) -> None:
    # pyarrow's CSV reader keeps an empty text field as "" (the command line reads it as
    # null): the two placements are no one person's, so truncation leaves both whole (15 + 3
    # nights; one shared person "" gave 5 + 3), and the blank bed type is kept as missing.
    path = tmp_path / "p.csv"
    path.write_text(
        "placement_id,person_id,start_date,end_date,bed_type,reason\n"
        "1,,2024-01-05,2024-01-20,10,10\n"
        "2,,2024-01-06,2024-01-09,,10\n"
    )
    read = pyarrow.csv.read_csv(
        path,
        convert_options=pyarrow.csv.ConvertOptions(
            strings_can_be_null=False,
            column_types={"person_id": pa.string(), "bed_type": pa.string()},
        ),
    )
    assert read.column("person_id").to_pylist() == ["", ""]
    t = cm.oap.measures(read, start="2024-01", end="2024-01", overlap="truncate")
    assert t.column("bed_days").to_pylist() == [18]
    counts = {d["reason"]: d["count"] for d in cm.oap.diagnostics(t)}
    assert counts["person_id_missing"] == 2
    assert counts["bed_type_missing"] == 1
    assert "overlapping_placements" not in counts


def test_a_categorical_population_key_joins_and_adds_its_own_places() -> None:
    # Dictionary encoding (a pandas categorical) is not a type of its own: the population's
    # place Z, which no placement has, gets its rows beside the placements' string keys.
    rows = pd.DataFrame(
        {
            "placement_id": [1],
            "person_id": ["a"],
            "start_date": [D(2024, 1, 5)],
            "end_date": [D(2024, 1, 9)],
            "bed_type": ["10"],
            "reason": ["10"],
            "place": ["X"],
        }
    )
    pop = pd.DataFrame({"place": pd.Categorical(["X", "Z"]), "population": [1000.0, 2000.0]})
    t = cm.oap.measures(rows, start="2024-01", end="2024-01", by="place", population=pop)
    assert t["place"].tolist() == ["X", "Z"]
    assert t["started"].tolist() == [1, 0]
    # Nor are an integer's width and a text's offsets: int32 deciles against int64 ones,
    # large_string places against string ones.
    rows["imd"] = np.array([3], dtype=np.int64)
    pop = pa.table({"imd": pa.array([3, 7], pa.int32()), "population": [1000.0, 2000.0]})
    t = cm.oap.measures(rows, start="2024-01", end="2024-01", by="imd", population=pop)
    assert t["imd"].tolist() == [3, 7]
    pop = pa.table({"place": pa.array(["X", "Z"], pa.large_string()), "population": [1.0, 2.0]})
    t = cm.oap.measures(rows, start="2024-01", end="2024-01", by="place", population=pop)
    assert t["place"].tolist() == ["X", "Z"]


def test_an_all_none_column_is_a_column_of_nulls() -> None:
    # pandas and pyarrow give an all-None column Arrow's null type: no bed type is recorded,
    # so every placement is kept (and counted), as a placement with a null bed type is.
    data = fixture() | {"bed_type": [None, None, None]}
    for frame in [pd.DataFrame(data), pa.table(data)]:
        out, diag = cm.oap.measures(
            frame,
            start="2024-01-01",
            end="2024-02-29",
            columns={"start_date": "StartDateHospProvSpell"},
            with_diagnostics=True,
        )
        # Placements 1 and 2 have reason 10 (inappropriate): started in January and February.
        assert np.asarray(out["started"]).tolist() == [1, 1]
        counts = {d["reason"]: d["count"] for d in diag}
        assert counts["bed_type_missing"] == 3
        assert "bed_type_out_of_scope" not in counts
    with pytest.raises(
        cm.InvalidCellError, match=r"`placement_id` at row 0.*identifiers are required"
    ):
        cm.oap.measures(
            pa.table(fixture() | {"placement_id": [None, None, None]}),
            start="2024-01-01",
            end="2024-02-29",
            columns={"start_date": "StartDateHospProvSpell"},
        )


def test_a_misspelt_column_mapping_is_an_error() -> None:
    # `daily_cost` mapped to a column the placements lack would leave the costs out.
    data = fixture() | {"DailyCost": [500.0, 500.0, 500.0]}
    for columns, error in [
        ({"daily_cost": "DailyCst"}, cm.MissingColumnError),
        ({"dailycost": "DailyCost"}, cm.InvalidArgumentError),
    ]:
        with pytest.raises(error):
            cm.oap.measures(
                pa.table(data),
                start="2024-01-01",
                end="2024-02-29",
                columns={"start_date": "StartDateHospProvSpell"} | columns,
            )


def test_reporting_months_may_be_given_as_year_and_month() -> None:
    # As the command line's --start 2024-01: the month, whichever day is read.
    p = pa.table(fixture())
    columns = {"start_date": "StartDateHospProvSpell"}
    whole = cm.oap.measures(p, start="2024-01-01", end="2024-03-31", columns=columns)
    assert whole.num_rows == 3
    assert cm.oap.measures(p, start="2024-01", end="2024-03", columns=columns).equals(whole)
    assert cm.oap.measures(p, start="2024-01-17", end=" 2024-03 ", columns=columns).equals(whole)
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.oap.measures(p, start="2024-13", end="2024-03", columns=columns)
    assert e.value.argument == "start"


def test_a_share_of_a_small_count_beyond_the_threshold_is_published_with_it() -> None:
    # 2 of 7 placements at or beyond 50 km: the count 2 is suppressed, and so is its share,
    # which (0.29 beside a published count of 5, i.e. 3 to 7) would have given 2 of 7 back.
    starts = [D(2024, 1, d) for d in range(1, 8)]
    p = pa.table(
        {
            "placement_id": list(range(7)),
            "person_id": [f"p{i}" for i in range(7)],
            "start_date": starts,
            "end_date": [None] * 7,
            "bed_type": ["10"] * 7,
            "reason": ["10"] * 7,
            "km": [5.0, 10, 20, 30, 40, 60, 120],
        }
    )
    kw: dict[str, Any] = dict(start="2024-01-01", end="2024-01-31", distance="km")
    raw = cm.oap.measures(p, **kw).to_pylist()[0]
    assert (raw["distance_count"], raw["distance_count_beyond"]) == (7, 2)
    assert raw["distance_share_beyond"] == pytest.approx(2 / 7)
    published = cm.oap.measures(p, **kw, publish=True).to_pylist()[0]
    assert (published["distance_count"], published["distance_count_beyond"]) == (5, None)
    assert published["distance_share_beyond"] is None
    assert (published["distance_share_lower"], published["distance_share_upper"]) == (None, None)


def test_a_month_of_costs_beyond_a_64_bit_count_of_pence_is_a_limit_error() -> None:
    # 3 000 000 placements × 31 nights × 10¹¹ pence (the £10⁹ cap) in December: 9.3 × 10¹⁸,
    # beyond i64. An error naming `daily_cost`, not an internal error (a panic) or a wrapped sum.
    n = 3_000_000
    table = pa.table(
        {
            "placement_id": pa.array(range(n), pa.int64()),
            "person_id": pa.nulls(n, pa.string()),
            "start_date": pa.array([D(2023, 12, 1)] * n, pa.date32()),
            "end_date": pa.array([D(2024, 1, 1)] * n, pa.date32()),
            "bed_type": pa.array(["10"] * n),
            "reason": pa.array(["10"] * n),
            "daily_cost": pa.array([1e9] * n),
        }
    )
    with pytest.raises(cm.LimitExceededError) as e:
        cm.oap.measures(table, start="2023-12", end="2023-12")
    assert e.value.argument == "daily_cost"
