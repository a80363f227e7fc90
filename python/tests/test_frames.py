"""Inputs of every kind, and results of the same kind as the input."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from compat import arrow_of

import collabmetrics as cm
from collabmetrics._frames import to_arrow

ESP_LABELS = [f"{5 * i}-{5 * i + 4}" for i in range(18)] + ["90+"]


def dsr_frame() -> dict[str, Any]:
    return {
        "area": ["A"] * 19 + ["B"] * 19,
        "age_band": ESP_LABELS * 2,
        "count": list(range(1, 20)) + [3] * 19,
        "population": [1000] * 38,
    }


def test_scalars_sequences_numpy_and_series_agree() -> None:
    expected = cm.proportion([5, 7], [10, 20])
    for num, den in [
        (np.array([5, 7]), np.array([10, 20])),
        (pd.Series([5, 7]), pd.Series([10.0, 20.0])),
        (pl.Series([5, 7]), pl.Series([10, 20])),
        (pa.array([5.0, 7.0]), pa.chunked_array([[10.0], [20.0]])),
    ]:
        got = cm.proportion(num, den)
        assert got.column("value").to_pylist() == expected.column("value").to_pylist()
        assert got.column("lower").to_pylist() == expected.column("lower").to_pylist()
    one = cm.proportion(5, 10)
    assert one.num_rows == 1
    assert one.column("upper")[0].as_py() == expected.column("upper")[0].as_py()


def test_row_wise_frame_in_same_frame_out() -> None:
    df = pd.DataFrame({"area": ["x", "y"], "num": [5, 7], "den": [10, 20]})
    out = cm.proportion("num", "den", data=df, multiplier=100)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [
        "area",
        "num",
        "den",
        "value",
        "lower",
        "upper",
        "confidence",
        "method",
    ]
    assert out["value"].tolist() == [50.0, 35.0]
    pol = cm.rate("num", "den", data=pl.from_pandas(df))
    assert isinstance(pol, pl.DataFrame)
    assert pol["method"].to_list() == ["Exact", "Exact"]


@pytest.mark.parametrize("kind", ["pyarrow", "pandas", "polars"])
def test_dsr_frame_kinds(kind: str) -> None:
    data = dsr_frame()
    frame = {"pyarrow": pa.table, "pandas": pd.DataFrame, "polars": pl.DataFrame}[kind](data)
    out = cm.dsr(frame, by="area")
    table = (
        arrow_of(out)
        if kind == "polars"
        else (pa.Table.from_pandas(out) if kind == "pandas" else out)
    )
    assert type(out).__module__.split(".")[0] == kind
    assert table.column("area").to_pylist() == ["A", "B"]
    assert table.column("total_count").to_pylist() == [190.0, 57.0]


def test_dsr_categorical_age_bands() -> None:
    # pandas' category and polars' Categorical reach the core as dictionary columns.
    data = pd.DataFrame(dsr_frame())
    plain = cm.dsr(data, by="area")
    categorical = data.assign(age_band=data["age_band"].astype("category"))
    assert cm.dsr(categorical, by="area").equals(plain)
    as_polars = pl.from_pandas(data).with_columns(pl.col("age_band").cast(pl.Categorical))
    assert cm.dsr(as_polars, by="area").equals(pl.from_pandas(plain))


def test_categorical_identifiers_read_as_their_values() -> None:
    # A categorical person or referral id (pandas category, polars Categorical, a pyarrow
    # dictionary) is decoded once: the same measures as the plain column.
    t = cm.demo.tables()
    placements = t["placements"].to_pandas()

    def measures(frame: Any) -> Any:
        return cm.oap.measures(frame, start="2023-04-01", end="2024-03-31")

    plain = measures(placements)
    assert plain["bed_days"].sum() > 0
    as_category = placements.astype({"person_id": "category", "placement_id": "category"})
    assert measures(as_category).equals(plain)
    as_polars = pl.from_pandas(placements).with_columns(
        pl.col("person_id").cast(pl.Utf8).cast(pl.Categorical)
    )
    as_text = pl.from_pandas(placements).with_columns(pl.col("person_id").cast(pl.Utf8))
    assert measures(as_polars).equals(measures(as_text))

    def encoded(table: pa.Table) -> pa.Table:
        for name in ("person_id", "referral_id", "contact_id"):
            if name in table.column_names:
                i = table.column_names.index(name)
                table = table.set_column(i, name, table[name].dictionary_encode())
        return table

    tables = [t["persons"], t["referrals"], t["contacts"]]
    want = cm.transition.summary(*tables, data_end="2024-03-31")
    got = cm.transition.summary(*map(encoded, tables), data_end="2024-03-31")
    assert want.num_rows > 0 and got.equals(want)


def test_categorical_numbers_read_as_their_numbers() -> None:
    # An IMD decile or a population made a pandas category (a dictionary of numbers) is read
    # as its numbers: the SII's order, its population and a DSR's counts as the plain columns.
    df = pd.DataFrame(
        {
            "decile": [f"D{i}" for i in range(1, 11)],
            "order": range(1, 11),
            "value": [30.0, 28.0, 27.0, 25.0, 22.0, 20.0, 19.0, 17.0, 15.0, 12.0],
            "se": [1.0] * 10,
            "population": [1000.0, 1200.0] * 5,
        }
    )
    kw: dict[str, Any] = dict(group="decile", se="se", order="order", reps=2000)
    plain = cm.inequality.sii(df, **kw)
    categorical = df.astype({"order": "category", "population": "category"})
    assert cm.inequality.sii(categorical, **kw).equals(plain)
    as_polars = pl.from_pandas(df).with_columns(pl.col("order").cast(pl.Int8))
    assert cm.inequality.sii(as_polars, **kw).equals(pl.from_pandas(plain))
    data = pd.DataFrame(dsr_frame())
    counts = data.assign(count=data["count"].astype("category"))
    assert cm.dsr(counts, by="area").equals(cm.dsr(data, by="area"))
    # Funnel counts and disclosure counts likewise.
    t = pd.DataFrame({"g": list("abcdef"), "o": [100, 150, 180, 80, 120, 225]})
    t["e"] = [108.0, 112, 165, 95, 100, 220]
    coded = t.astype({"o": "category", "e": "category"})
    want = cm.funnel.assess(t, "o", "e", unit="g", statistic="sr")
    assert cm.funnel.assess(coded, "o", "e", unit="g", statistic="sr").equals(want)
    cells = pd.DataFrame({"place": ["A", "B", "C"], "n": [3, 12, 40]})
    protected = cm.disclose(cells, counts="n")
    assert cm.disclose(cells.astype({"n": "category"}), counts="n").equals(protected)
    # A categorical float32 cost keeps its written pennies as a float32 column does (1.005
    # widens to 1.00499999523 as a float64 and would round down).
    # (A dictionary made in pyarrow: pandas before 2.0 has no float32 categories.)
    p = cm.demo.tables()["placements"]
    i = p.column_names.index("daily_cost")
    plain = p.set_column(i, "daily_cost", pa.array(np.full(p.num_rows, 1.005, np.float32)))
    cost = cm.oap.measures(plain, start="2023-04-01", end="2024-03-31")["cost"]
    one_value = pa.array([1.005], pa.float32())
    dictionary = pa.DictionaryArray.from_arrays(pa.array(np.zeros(p.num_rows, np.int8)), one_value)
    coded = p.set_column(i, "daily_cost", dictionary)
    assert cm.oap.measures(coded, start="2023-04-01", end="2024-03-31")["cost"].equals(cost)
    # A category of numbers written as text stays text: no number.
    with pytest.raises(cm.ColumnTypeError, match="`order`"):
        cm.inequality.sii(df.astype({"order": str}).astype({"order": "category"}), **kw)


def test_a_key_whose_dictionary_repeats_a_value_or_holds_a_null() -> None:
    # Arrow allows both (pyarrow's combine_chunks of differently encoded chunks repeats
    # values); a result's key column holds each value once and no null in its dictionary, so
    # pandas can load it, and the groups are those of the decoded values.
    keys = pa.array([0, 1, 2, 3, 0, 1, 3], pa.int8())
    g = pa.DictionaryArray.from_arrays(keys, pa.array(["x", "y", "x", None]))
    t = pa.table({"g": g, "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]})
    got = cm.mean(t, by="g")
    assert got["g"].type == g.type
    assert got["g"].chunk(0).dictionary.to_pylist() == ["x", "y"]
    want = cm.mean(t.set_column(0, "g", g.cast(pa.string())), by="g")
    assert got["g"].cast(pa.string()).equals(want["g"])
    assert got["value"].to_pylist() == want["value"].to_pylist() == [3.0, 4.0, 6.0]
    assert got.to_pandas()["g"].tolist()[:2] == ["x", "y"]


def test_a_key_in_batches_with_their_own_dictionaries_keeps_each_value_once() -> None:
    # Two batches whose `place` dictionaries differ (["A", "B"], then ["B", "C"]): the
    # result's key column holds each place once, so pandas can make it a categorical.
    def batch(ids: list[int], places: list[str]) -> pa.RecordBatch:
        n = len(ids)
        return pa.RecordBatch.from_arrays(
            [
                pa.array(ids),
                pa.array([f"p{i}" for i in ids]),
                pa.array([dt.date(2024, 1, 5)] * n),
                pa.array([dt.date(2024, 1, 9)] * n),
                pa.array(["10"] * n),
                pa.array(["10"] * n),
                pa.array(places).dictionary_encode(),
            ],
            names=[
                "placement_id",
                "person_id",
                "start_date",
                "end_date",
                "bed_type",
                "reason",
                "place",
            ],
        )

    table = pa.Table.from_batches([batch([1, 2, 3], ["A", "B", "A"]), batch([4, 5], ["B", "C"])])
    out = cm.oap.measures(table, start="2024-01-01", end="2024-01-31", by="place")
    place = out["place"].combine_chunks()
    assert sorted(place.dictionary.to_pylist()) == ["A", "B", "C"]
    frame = out.to_pandas()
    assert dict(zip(frame["place"].astype(str), frame["started"])) == {"A": 2, "B": 2, "C": 1}


def test_dsr_bands_as_lower_ages_and_18_band_standard() -> None:
    ages = pa.table(
        {"age_band": [5 * i for i in range(19)], "count": [10] * 19, "population": [1000] * 19}
    )
    labels = pa.table({"age_band": ESP_LABELS, "count": [10] * 19, "population": [1000] * 19})
    a, b = cm.dsr(ages), cm.dsr(labels)
    assert a.column("value").to_pylist() == b.column("value").to_pylist()
    assert a.column("value")[0].as_py() == pytest.approx(1000.0)
    e18 = pa.table(
        {
            "age_band": [f"{5 * i}-{5 * i + 4}" for i in range(17)] + ["85+"],
            "count": [10] * 18,
            "population": [1000] * 18,
        }
    )
    assert cm.dsr(e18, standard="esp2013_18").column("value")[0].as_py() == pytest.approx(1000.0)


def test_dsr_low_count_is_flagged_not_hidden() -> None:
    data = dsr_frame()
    data["count"] = [0] * 18 + [9] + [0] * 19
    out = cm.dsr(pa.table(data).slice(0, 19))
    assert out.column("total_count")[0].as_py() == 9
    assert out.column("value")[0].as_py() > 0
    assert "fewer than 10" in out.column("note")[0].as_py()


def test_several_confidence_levels_are_stacked() -> None:
    t = cm.proportion([65], [100], confidence=[0.95, 0.998])
    assert t.column("confidence").to_pylist() == [0.95, 0.998]
    assert t.column("lower").to_pylist() == pytest.approx([0.5525444329688797, 0.4954946574070431])


def test_mean_of_plain_numbers_and_by_groups() -> None:
    t = cm.mean([1.0, 2.0, 3.0, 4.0])
    assert t.column("value").to_pylist() == [2.5]
    df = pl.DataFrame({"g": [1, 1, 2, 2], "v": [1.0, 3.0, 5.0, 9.0]})
    out = cm.mean(df, value="v", by="g")
    assert isinstance(out, pl.DataFrame)
    assert out["value"].to_list() == [2.0, 7.0]


def test_row_for_row_pandas_results_keep_the_frame_index() -> None:
    # Homes at (530 000, 180 000); sites 3-4-5 and 6-8-10 km away and the home itself.
    df = pd.DataFrame(
        {
            "he": [530_000] * 3,
            "hn": [180_000] * 3,
            "se": [533_000, 536_000, 530_000],
            "sn": [184_000, 188_000, 180_000],
        },
        index=[2, 0, 1],
    )
    df["km"] = cm.distance.points(df, coordinates=["he", "hn", "se", "sn"])["distance_km"]
    assert df["km"].tolist() == [5.0, 10.0, 0.0]
    homes = pd.DataFrame({"home": ["ZZ9 9ZZ", "me11aa"]}, index=["x", "y"])
    onspd = pd.DataFrame({"pcds": ["ME1 1AA"], "east": [574_000], "north": [168_000]})
    located = cm.distance.locate(homes, onspd, code="home", lookup_code="pcds", x="east", y="north")
    assert list(located.index) == ["x", "y"]
    assert located.loc["y", "east"] == 574_000
    data = pd.DataFrame({"n": [1, 2], "d": [10, 10]}, index=["a", "b"])
    for f in (cm.proportion, cm.rate):
        out = f("n", "d", data=data)
        assert list(out.index) == ["a", "b"]
        # Several levels stack the rows per level: a fresh index, not a repeated one.
        assert list(f("n", "d", data=data, confidence=[0.95, 0.998]).index) == [0, 1, 2, 3]
    # Results with one row per group have a fresh index.
    assert list(cm.mean(pd.DataFrame({"value": [1.0, 2.0]}, index=[7, 9])).index) == [0]


def test_pandas_results_keep_integers_and_booleans_with_nulls_exact() -> None:
    big = 2**53 + 1  # not a float64: read as one it becomes 2^53
    d = pd.DataFrame(
        {"g": pd.array([big] * 2 + [None] * 2, dtype="Int64"), "value": [1.0, 2.0, 3.0, 4.0]}
    )
    r = cm.mean(d, by="g")
    assert str(r["g"].dtype) == "Int64"
    assert r["g"][0] == big and r["g"][1] is pd.NA
    b = d.assign(g=pd.array([True, True, None, None], dtype="boolean"))
    assert str(cm.mean(b, by="g")["g"].dtype) == "boolean"
    # Columns without nulls keep numpy's dtypes.
    plain = cm.mean(pd.DataFrame({"g": [1, 1, 2, 2], "value": [1.0, 2.0, 3.0, 4.0]}), by="g")
    assert plain["g"].dtype == np.int64
    assert cm.proportion("n", "d", data=pd.DataFrame({"n": [1], "d": [2]}))["n"].dtype == np.int64


def test_input_pyarrow_cannot_read_is_an_error_naming_the_argument() -> None:
    mixed = pd.DataFrame({"referral_id": [1, "2", 3], "km": [1.0, 2.0, 3.0]})
    with pytest.raises(cm.InvalidArgumentError, match="column `referral_id`") as e:
        cm.distance.summary(mixed, distance="km")
    assert (e.value.argument, e.value.column) == ("frame", "referral_id")
    assert "Could not convert '2'" in str(e.value)  # pyarrow's own words
    for bad in (
        np.array(["2024-01-01"], "datetime64[D]"),
        np.array([1 + 0j]),
        np.array([1.0], np.longdouble),
        pd.Series([1, "2"]),
    ):
        with pytest.raises(cm.InvalidArgumentError, match="numerator") as v:
            cm.proportion(bad, [10] * len(bad))
        assert v.value.argument == "numerator"
    with pytest.raises(cm.InvalidArgumentError, match=r"`start`.*NaT"):
        cm.oap.measures(pa.table({"x": [1]}), start=pd.NaT, end="2024-01-31")
    lazy = pl.LazyFrame({"value": [1.0, 2.0]})
    with pytest.raises(cm.InvalidArgumentError, match=r"LazyFrame.*collect") as z:
        cm.mean(lazy)
    assert z.value.argument == "data"
    with pytest.raises(cm.InvalidArgumentError, match="LazyFrame"):
        cm.distance.summary(lazy, distance="value")


def test_big_endian_numbers_are_read_as_their_values() -> None:
    got = cm.proportion(np.array([3, 5], ">i4"), np.array([10.0, 20.0], ">f8"))
    assert got.column("numerator").to_pylist() == [3, 5]
    assert got.column("value").to_pylist() == [0.3, 0.25]
    frame = pd.DataFrame({"n": np.array([3], ">i8"), "d": np.array([10.0], ">f8")})
    assert cm.proportion("n", "d", data=frame)["value"].tolist() == [0.3]


def test_pandas_periods_are_read_as_the_dates_they_start_on() -> None:
    # pyarrow hands a Period column over as months since 1970 (648 for January 2024): as a
    # breakdown the months came back as 648 and 649, as a chart's date it was refused as Int64.
    months = pd.PeriodIndex(["2024-01", "2024-02", "2024-01", "2024-02", None, None], freq="M")
    values = [1.0, 4.0, 3.0, 8.0, 6.0, 7.0]
    frame = pd.DataFrame({"month": months, "value": values})
    got = cm.mean(frame, by="month")
    assert got["month"].tolist()[:2] == [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]
    assert got["value"].tolist()[:2] == [2.0, 6.0]  # (1 + 3) / 2, (4 + 8) / 2
    # pyarrow keeps the period as pandas' extension type: read alike.
    arrow = cm.mean(pa.Table.from_pandas(frame, preserve_index=False), by="month")
    assert arrow.column("month").to_pylist()[:2] == got["month"].tolist()[:2]
    series = pd.DataFrame(
        {"date": pd.period_range("2022-01", periods=24, freq="M"), "value": range(24)}
    )
    by_timestamp = series.assign(date=series["date"].dt.to_timestamp())
    assert cm.spc.xmr(series).equals(cm.spc.xmr(by_timestamp))
    hours = pd.DataFrame({"h": pd.period_range("2024-01-01 00:00", periods=2, freq="h")})
    assert pa.types.is_timestamp(to_arrow(hours)[0].schema.field("h").type)


def test_two_pandas_columns_of_one_name_are_the_cores_error() -> None:
    frame = pd.DataFrame([[3.0, 4.0, 1]], columns=["distance_km", "distance_km", "x"])
    with pytest.raises(cm.InvalidArgumentError, match="`distance_km` appears more than once"):
        cm.distance.summary(frame)
    with pytest.raises(cm.InvalidArgumentError, match="`distance_km` appears more than once"):
        cm.mean(frame, value="x")


@pytest.mark.parametrize(
    "numerator",
    [
        True,
        [True, False],
        np.array([True, False]),
        np.array([True, False], object),
        (False, True),
        pd.Series([True, False]),
    ],
)
def test_booleans_are_not_counts(numerator: Any) -> None:
    # As a boolean Series is: the core's type check, naming the argument.
    with pytest.raises(cm.ColumnTypeError, match="column `numerator` has type bool") as e:
        cm.proportion(numerator, [10, 10])
    assert e.value.column == "numerator"


def test_booleans_mixed_with_numbers_are_refused() -> None:
    with pytest.raises(cm.InvalidArgumentError, match="element 1 is a boolean") as e:
        cm.rate([2, True], [10, 10])
    assert e.value.argument == "count"
    with pytest.raises(cm.InvalidArgumentError, match="element 0 is a boolean"):
        cm.mean([np.bool_(True), 2.5])
    with pytest.raises(cm.InvalidArgumentError, match="element 0 is a boolean"):
        cm.proportion(np.array([True, 2], object), [10, 10])


def test_integers_beyond_two_to_the_53_are_refused_not_rounded() -> None:
    # 2^53 + 1 read as a double would be 2^53, and pass "numerator <= denominator" against it.
    t = pa.table({"a": pa.array([2**53 + 1]), "b": pa.array([2**53])})
    with pytest.raises(cm.InvalidCellError, match=r"column `a` at row 0.*2\^53") as e:
        cm.proportion("a", "b", data=t)
    assert (e.value.column, e.value.row) == ("a", 0)


def test_series_with_different_indexes_are_refused() -> None:
    # pandas pairs Series by label; collabmetrics pairs them by position. Two indexes that
    # differ would pair rows with the wrong rows, so they are an error naming the argument.
    num = pd.Series([1, 2, 3], index=[10, 11, 12])
    den = pd.Series([30, 20, 10], index=[12, 11, 10])
    with pytest.raises(cm.InvalidArgumentError, match="index differs from `numerator`") as e:
        cm.proportion(num, den)
    assert e.value.argument == "denominator"
    # Aligned (or plain arrays) they pair as the user meant.
    aligned = cm.proportion(num, den.reindex(num.index))
    assert aligned.column("denominator").to_pylist() == [10, 20, 30]
    assert cm.proportion(num, den.to_numpy()).column("denominator").to_pylist() == [30, 20, 10]
    # The same for the inequality indices' weights and the distance kernels' coordinates.
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.inequality.gini(num.astype(float), weights=den.astype(float))
    assert e.value.argument == "weights"
    lat = pd.Series([51.0, 52.0], index=[5, 6])
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.distance.haversine(lat, pd.Series([0.0, 0.1]), pd.Series([51.5, 52.5]), 0.2)
    assert e.value.argument == "lon1"
    # A scalar or a length-1 Series is broadcast, whatever its index.
    assert cm.proportion(num, pd.Series([40], index=[99])).num_rows == 3


def test_decimal_columns_from_a_database_extract() -> None:
    # pandas columns of decimal.Decimal (read_sql on a NUMERIC column) reach the core as
    # decimal128 and are read as their values.
    from decimal import Decimal

    df = pd.DataFrame(
        {"num": [Decimal("5"), Decimal("7")], "den": [Decimal("10.00"), Decimal("20.50")]}
    )
    floats = cm.proportion("num", "den", data=df.astype(float))
    out = cm.proportion("num", "den", data=df)
    assert out["value"].tolist() == floats["value"].tolist() == [0.5, 7 / 20.5]


@pytest.mark.skipif(
    not hasattr(pa.RecordBatchReader, "from_stream"), reason="pyarrow < 15 has no from_stream"
)
def test_a_polars_user_does_not_import_pandas() -> None:
    # pyarrow.table asks whether its argument is a DataFrame, importing pandas (16 MB, a
    # pause) on a process's first result; results are read as Arrow streams instead. (A
    # list given where numbers are expected still imports it: pyarrow.array asks the same.)
    code = (
        "import sys, collabmetrics as cm, polars as pl\n"
        "cm.mean(pl.DataFrame({'value': [1.0, 2.0, 4.0]}))\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_result_is_the_same_bytes_in_every_process() -> None:
    """A result written to Arrow IPC gives the same bytes in every run: its schema metadata's
    keys (roles, diagnostics) come in sorted order, not in the order of a hash map seeded per
    process (two keys: one chance in two per run to differ, so five runs all alike would have
    been one chance in sixteen)."""
    code = (
        "import sys, collabmetrics as cm, pyarrow as pa\n"
        "t = cm.stats.mean(pa.table({'g': ['a', 'a', 'b', 'b'], 'value': [1.0, 2.0, 3.0, 5.0]}),"
        " by='g')\n"
        "sink = pa.BufferOutputStream()\n"
        "with pa.ipc.new_stream(sink, t.schema) as w:\n"
        "    w.write_table(t)\n"
        "sys.stdout.write(sink.getvalue().to_pybytes().hex())\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(5)
    }
    assert len(runs) == 1
    t = cm.stats.mean(pa.table({"g": ["a", "a", "b", "b"], "value": [1.0, 2.0, 3.0, 5.0]}), by="g")
    keys = list((t.schema.metadata or {}).keys())
    assert len(keys) >= 2 and keys == sorted(keys)
