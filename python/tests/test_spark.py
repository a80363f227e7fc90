"""collabmetrics on Spark (``pytest -m spark``): on the demo collaborative, every aggregate
computed from states built in the Spark workers, merged by Spark's ``groupBy().agg``, and
finished on the driver equals the one-machine result exactly; bad input is the core's error
before any Spark job runs.

One ``local[2]`` session serves the suite (UI off, ``SPARK_LOCAL_IP=127.0.0.1``, no
network). ``scripts/spark.sh`` installs pyspark and Java when missing and runs it.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

import collabmetrics as cm

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

# scripts/spark.sh (run by scripts/test.sh) requires the suite: a missing pyspark fails there.
if os.environ.get("COLLABMETRICS_SPARK") == "required":
    importlib.import_module("pyspark")  # an ImportError here fails the run
pyspark = pytest.importorskip("pyspark")

import collabmetrics.spark as cms  # noqa: E402

DATA_END = "2024-03-31"
PERIOD: dict[str, Any] = {"start": "2021-09-01", "end": "2024-03-31"}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("collabmetrics-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo() -> dict[str, pa.Table]:
    t: dict[str, pa.Table] = cm.demo.tables(scale=0.3)
    # Home-to-unit distances in whole km (MHSDS's rounding), for the distance summaries.
    p = t["placements"]
    km = cm.distance.bng(
        p["home_easting"],
        p["home_northing"],
        p["unit_easting"],
        p["unit_northing"],
        round_km=True,
        nulls="propagate",
    )
    t["placements"] = p.append_column("distance_km", pa.array(km, pa.float64()))
    return t


@pytest.fixture(scope="session")
def frames(spark: Any, demo: dict[str, pa.Table]) -> dict[str, Any]:
    return {name: spark.createDataFrame(table) for name, table in demo.items()}


def sorted_by(t: pa.Table, keys: list[str]) -> pa.Table:
    return t.sort_by([(k, "ascending") for k in keys])


def assert_same(spark_result: pa.Table, one: pa.Table, keys: list[str]) -> None:
    """Equal tables up to the order of the rows: same schema, same cells."""
    assert isinstance(spark_result, pa.Table)
    assert spark_result.schema.names == one.schema.names
    assert spark_result.schema.types == one.schema.types
    a, b = sorted_by(spark_result, keys), sorted_by(one, keys)
    for name in one.column_names:
        assert a[name].equals(b[name]), name


def diagnostic_counts(df: Any) -> dict[str, int]:
    return {r["reason"]: r["count"] for r in df.collect()}


def one_machine_counts(result: pa.Table) -> dict[str, int]:
    return {d["reason"]: d["count"] for d in cm.diagnostics(result)}


def population_by_place(demo: dict[str, pa.Table]) -> pa.Table:
    a = demo["areas"]
    return (
        a.group_by("place")
        .aggregate([("population", "sum")])
        .rename_columns(["place", "population"])
    )


@pytest.mark.parametrize("udf", ["auto", "pandas"])
def test_oap_measures_equal_one_machine(
    frames: dict[str, Any], demo: dict[str, pa.Table], udf: str
) -> None:
    pop = population_by_place(demo)
    options: dict[str, Any] = dict(PERIOD, window="rolling_3m", by="place", distance="distance_km")
    one = cm.oap.measures(
        demo["placements"], admissions=demo["admissions"], population=pop, **options
    )
    got, diag = cms.oap.measures(
        frames["placements"],
        admissions=frames["admissions"],
        population=pop,
        collect=True,
        udf=udf,
        **options,
    )
    assert got.num_rows > 50
    assert_same(got, one, ["place", "period_end"])
    assert diagnostic_counts(diag) == one_machine_counts(one)


def test_oap_returns_spark_dataframes(frames: dict[str, Any], demo: dict[str, pa.Table]) -> None:
    result, diag = cms.oap.measures(frames["placements"], **PERIOD)
    one = cm.oap.measures(demo["placements"], **PERIOD)
    assert result.count() == one.num_rows
    assert sorted(result.columns) == sorted(one.column_names)
    assert set(diag.columns) == {"reason", "action", "count"}


def test_transition_summary_and_curve_equal_one_machine(
    frames: dict[str, Any], demo: dict[str, pa.Table]
) -> None:
    tables = [demo[n] for n in ("persons", "referrals", "contacts")]
    dfs = [frames[n] for n in ("persons", "referrals", "contacts")]
    one = cm.transition.summary(
        *tables, data_end=DATA_END, care_plans=demo["care_plans"], age_band_18_24=True
    )
    got, diag = cms.transition.summary(
        *dfs,
        data_end=DATA_END,
        care_plans=frames["care_plans"],
        age_band_18_24=True,
        collect=True,
    )
    # The same rows in the same order: the summary's order depends on its labels only.
    assert got.equals(one)
    assert diagnostic_counts(diag) == one_machine_counts(one)
    transfers = cm.transition.transfers(*tables, data_end=DATA_END)
    for method in ("kaplan_meier", "aalen_johansen"):
        curve, _ = cms.transition.time_to_contact(
            *dfs, data_end=DATA_END, method=method, collect=True
        )
        assert curve.equals(cm.transition.time_to_contact(transfers, method=method))


def test_distance_summary_equals_one_machine(
    frames: dict[str, Any], demo: dict[str, pa.Table]
) -> None:
    options: dict[str, Any] = dict(by="sending_org", nulls="propagate")
    one = cm.distance.summary(demo["placements"], **options)
    got, diag = cms.distance.summary(frames["placements"], collect=True, **options)
    assert_same(got, one, ["sending_org"])
    assert diagnostic_counts(diag) == one_machine_counts(one)


def test_dsr_equals_one_machine(frames: dict[str, Any], demo: dict[str, pa.Table]) -> None:
    # Admissions per place × ESP age band × sex, over the demo population.
    pop = demo["population"]
    counts = pop.append_column(
        "count", pa.array([(i * 7919) % 23 for i in range(pop.num_rows)], pa.int64())
    )
    grouped = (
        counts.group_by(["place", "age_band", "sex"])
        .aggregate([("count", "sum"), ("population", "sum")])
        .rename_columns(["place", "age_band", "sex", "count", "population"])
    )
    options: dict[str, Any] = dict(by=["place", "sex"])
    one = cm.dsr(grouped, **options)
    df = frames["population"].sparkSession.createDataFrame(grouped).repartition(3)
    got, _ = cms.dsr(df, collect=True, **options)
    assert_same(got, one, ["place", "sex"])


def test_mean_isr_and_inequality_equal_one_machine(
    frames: dict[str, Any], demo: dict[str, pa.Table]
) -> None:
    spark = frames["areas"].sparkSession
    a = demo["areas"]
    df = spark.createDataFrame(a).repartition(3)
    one = cm.mean(a, value="population", by="place")
    got, _ = cms.mean(df, value="population", by="place", collect=True)
    assert_same(got, one, ["place"])
    ineq: dict[str, Any] = dict(value="population", by="place")
    one = cm.inequality.individual(a, **ineq)
    got, _ = cms.inequality.individual(df, collect=True, **ineq)
    assert_same(got, one, ["place", "measure", "parameter"])
    isr_in = pa.table(
        {
            "place": a["place"],
            "count": pa.array([i % 17 for i in range(a.num_rows)], pa.int64()),
            "population": a["population"],
            "reference_count": pa.array([50.0] * a.num_rows),
            "reference_population": pa.array([10_000.0] * a.num_rows),
        }
    )
    one = cm.isr(isr_in, by="place")
    got, _ = cms.isr(spark.createDataFrame(isr_in).repartition(2), by="place", collect=True)
    assert_same(got, one, ["place"])


def test_a_missing_column_is_an_error_before_any_spark_job(
    spark: Any, frames: dict[str, Any]
) -> None:
    sc = spark.sparkContext
    sc.setJobGroup("cm-bad-input", "bad input")
    try:
        with pytest.raises(cm.MissingColumnError, match="reason"):
            cms.oap.measures(frames["placements"].drop("reason"), **PERIOD)
        with pytest.raises(cm.MissingColumnError, match="date_of_birth"):
            cms.transition.summary(
                frames["persons"].drop("date_of_birth"),
                frames["referrals"],
                frames["contacts"],
                data_end=DATA_END,
            )
        with pytest.raises(cm.MissingColumnError, match="count"):
            cms.dsr(frames["population"])
        with pytest.raises(cm.InvalidArgumentError, match="window"):
            cms.oap.measures(frames["placements"], window="weekly", **PERIOD)
        assert list(sc.statusTracker().getJobIdsForGroup("cm-bad-input")) == []
    finally:
        sc.setJobGroup("collabmetrics-tests", "the other tests")


def test_duplicate_identifiers_across_buckets_are_an_error(
    spark: Any, demo: dict[str, pa.Table]
) -> None:
    p = demo["placements"].slice(0, 40)
    ids = p["placement_id"].to_pylist()
    ids[7] = ids[3]  # another person's placement with the same identifier
    dup = p.set_column(p.schema.get_field_index("placement_id"), "placement_id", pa.array(ids))
    with pytest.raises(cm.InvalidArgumentError, match="duplicate identifier"):
        cms.oap.measures(spark.createDataFrame(dup), **PERIOD)


def test_states_merged_by_spark_sql_finish_with_their_schema(
    spark: Any, demo: dict[str, pa.Table]
) -> None:
    """Any engine's GROUP BY with SUM/MAX merges states: here Spark SQL on states built in
    Python, the merged table given its schema back."""
    a = demo["areas"]
    parts = [
        cm.mean_state(a.slice(i, 50), value="population", by="place")
        for i in range(0, a.num_rows, 50)
    ]
    schema = parts[0].schema
    union = spark.createDataFrame(pa.concat_tables(parts))
    union.createOrReplaceTempView("states")
    keys = [f.name for f in schema if f.metadata[b"collabmetrics:merge"] == b"key"]
    aggs = [
        f"{f.metadata[b'collabmetrics:merge'].decode().upper()}(`{f.name}`) AS `{f.name}`"
        for f in schema
        if f.name not in keys
    ]
    merged = spark.sql(
        f"SELECT {', '.join(f'`{k}`' for k in keys)}, {', '.join(aggs)} FROM states "
        f"GROUP BY {', '.join(f'`{k}`' for k in keys)}"
    ).toArrow()
    result = cm.finalize(merged, schema=schema)
    assert_same(result, cm.mean(a, value="population", by="place"), ["place"])
