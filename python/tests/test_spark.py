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


def diagnostic_counts(diagnostics: Any) -> dict[str, int]:
    """Counts by reason of the diagnostics' records: the documented
    ``groupBy("reason", "action").count()`` of a Spark DataFrame, the same of an Arrow one."""
    if isinstance(diagnostics, pa.Table):
        counted = diagnostics.group_by(["reason", "action"]).aggregate([("reason", "count")])
        return dict(zip(counted["reason"].to_pylist(), counted["reason_count"].to_pylist()))
    rows = diagnostics.groupBy("reason", "action").count().collect()
    return {r["reason"]: r["count"] for r in rows}


def listed(diagnostics: Any) -> dict[tuple[str | None, str], list[str | None]]:
    """The diagnostics' record ids by (table, reason), sorted."""
    t = diagnostics if isinstance(diagnostics, pa.Table) else diagnostics.toArrow()
    out: dict[tuple[str | None, str], list[str | None]] = {}
    for table, rid, reason in zip(
        t["table"].to_pylist(), t["record_id"].to_pylist(), t["reason"].to_pylist()
    ):
        out.setdefault((table, reason), []).append(rid)
    return {k: sorted(v, key=str) for k, v in out.items()}


def ids_of(table: pa.Table, column: str, mask: Any) -> list[str]:
    """The ids (as text) of the rows of ``table`` where ``mask`` holds."""
    return sorted(str(v) for v in table.filter(mask)[column].to_pylist())


def one_machine_listing(
    listing: pa.Table, tables: dict[str, pa.Table], ids: dict[str, str]
) -> dict[tuple[str | None, str], list[str | None]]:
    """The one-machine listing (``cm.*.state(listing=True)`` on the whole input), its rows
    mapped to the record ids of their tables."""
    out: dict[tuple[str | None, str], list[str | None]] = {}
    for table, row, reason in zip(
        listing["table"].to_pylist(), listing["row"].to_pylist(), listing["reason"].to_pylist()
    ):
        rid = None if table is None else str(tables[table][ids[table]][row].as_py())
        out.setdefault((table, reason), []).append(rid)
    return {k: sorted(v, key=str) for k, v in out.items()}


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
    assert diag.columns == ["table", "record_id", "reason", "action"]
    assert diagnostic_counts(diag) == one_machine_counts(one)


def bad_oap(demo: dict[str, pa.Table]) -> tuple[pa.Table, pa.Table]:
    """The demo's placements and admissions with bad records injected: placements without a
    bed type (kept, flagged) and with an unknown reason code (excluded); admissions (not out
    of area) without a bed type and with one outside the scope."""
    p, a = demo["placements"], demo["admissions"]
    n = p.num_rows
    bed = [None if i % 37 == 5 else v for i, v in enumerate(p["bed_type"].to_pylist())]
    reason = ["77" if i % 41 == 9 else v for i, v in enumerate(p["reason"].to_pylist())]
    p = p.set_column(p.schema.get_field_index("bed_type"), "bed_type", pa.array(bed, pa.string()))
    p = p.set_column(p.schema.get_field_index("reason"), "reason", pa.array(reason, pa.string()))
    local = [not v for v in a["out_of_area"].to_pylist()]
    abed = a["bed_type"].to_pylist()
    for k, i in enumerate([i for i in range(a.num_rows) if local[i]][:12]):
        abed[i] = None if k % 2 else "13"
    a = a.set_column(a.schema.get_field_index("bed_type"), "bed_type", pa.array(abed, pa.string()))
    assert n == p.num_rows
    return p, a


@pytest.mark.parametrize("udf", ["auto", "pandas"])
def test_oap_diagnostics_list_the_flagged_records(
    spark: Any, demo: dict[str, pa.Table], udf: str
) -> None:
    import pyarrow.compute as pc

    p, a = bad_oap(demo)
    options: dict[str, Any] = dict(PERIOD, by="place")
    one = cm.oap.measures(p, admissions=a, **options)
    _, diag = cms.oap.measures(
        spark.createDataFrame(p).repartition(3),
        admissions=spark.createDataFrame(a).repartition(2),
        udf=udf,
        **options,
    )
    got = listed(diag)
    # The records each injected rule flags, found in the input here.
    scope = pa.array(["10", "11", "12", "200", "201", "202"])
    known = pa.array(["10", "11", "12", "13", "14", "15", "99"])
    no_bed = pc.is_null(p["bed_type"])
    in_scope = pc.or_(no_bed, pc.is_in(p["bed_type"], scope))
    unknown = pc.and_(in_scope, pc.invert(pc.is_in(p["reason"], known)))
    a_no_bed = pc.is_null(a["bed_type"])
    a_out = pc.and_(pc.invert(a_no_bed), pc.invert(pc.is_in(a["bed_type"], scope)))
    assert got[("placements", "bed_type_missing")] == ids_of(p, "placement_id", no_bed)
    assert got[("placements", "unknown_reason_code")] == ids_of(p, "placement_id", unknown)
    assert got[("admissions", "admission_bed_type_missing")] == ids_of(a, "admission_id", a_no_bed)
    assert got[("admissions", "admission_bed_type_out_of_scope")] == ids_of(
        a, "admission_id", a_out
    )
    assert len(got[("placements", "bed_type_missing")]) == 9
    assert len(got[("admissions", "admission_bed_type_out_of_scope")]) == 6
    # Every reason: the records the one-machine rules flag, and their counts.
    _, listing = cm.oap.state(p, admissions=a, listing=True, **options)
    ids = {"placements": "placement_id", "admissions": "admission_id"}
    expected = one_machine_listing(listing, {"placements": p, "admissions": a}, ids)
    assert {k: v for k, v in got.items() if k[0] is not None} == expected
    assert diagnostic_counts(diag) == one_machine_counts(one)


def test_a_table_without_an_id_names_its_records_by_record_id_or_values(
    spark: Any, demo: dict[str, pa.Table]
) -> None:
    import json

    p, a = bad_oap(demo)
    no_id = a.drop_columns(["admission_id"]).append_column("ref", a["admission_id"])
    df = spark.createDataFrame(no_id)
    _, by_values = cms.oap.measures(spark.createDataFrame(p), admissions=df, collect=True, **PERIOD)
    _, by_ref = cms.oap.measures(
        spark.createDataFrame(p),
        admissions=df,
        collect=True,
        record_id={"admissions": "ref"},
        **PERIOD,
    )
    key = ("admissions", "admission_bed_type_missing")
    refs = listed(by_ref)[key]
    assert refs == ids_of(a, "admission_id", a["bed_type"].is_null())
    # Without an id column: each record's values, as JSON.
    records = [json.loads(str(r)) for r in listed(by_values)[key]]
    assert sorted(str(r["ref"]) for r in records) == refs
    assert all(r["bed_type"] is None for r in records)
    with pytest.raises(cm.InvalidArgumentError, match="record_id"):
        cms.oap.measures(
            spark.createDataFrame(p), admissions=df, record_id={"admissions": "nope"}, **PERIOD
        )
    with pytest.raises(cm.InvalidArgumentError, match="record_id"):
        cms.oap.measures(spark.createDataFrame(p), record_id={"contacts": "x"}, **PERIOD)


def test_records_named_by_their_values_are_strict_json() -> None:
    import datetime
    import json
    import math

    from collabmetrics.spark import _engine

    def strict(text: str) -> Any:
        def refuse(constant: str) -> None:
            raise AssertionError(f"{constant} is not JSON")

        return json.loads(text, parse_constant=refuse)

    table = pa.table(
        {
            "x": [math.nan, math.inf, -math.inf, 1.5],
            "when": [datetime.date(2024, 3, 31)] * 4,
            "xs": [[math.nan, 2.0], None, [], [-math.inf]],
            "__cm_bucket": [0, 1, 2, 3],
        }
    )
    ids = _engine._record_ids(table, pa.array([0, 1, 2, 3]), None)
    got = [strict(str(i)) for i in ids.to_pylist()]
    assert got == [
        {"x": "NaN", "when": "2024-03-31", "xs": ["NaN", 2.0]},
        {"x": "Infinity", "when": "2024-03-31", "xs": None},
        {"x": "-Infinity", "when": "2024-03-31", "xs": []},
        {"x": 1.5, "when": "2024-03-31", "xs": ["-Infinity"]},
    ]


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


def test_transition_diagnostics_list_the_flagged_records(
    spark: Any, demo: dict[str, pa.Table]
) -> None:
    """Persons without a birth date and contacts of unknown referrals (so of no known
    person) injected: the ids listed are those the rules flag, and so for every reason."""
    import pyarrow.compute as pc

    persons, referrals, contacts = (demo[n] for n in ("persons", "referrals", "contacts"))
    dob = [None if i % 29 == 3 else v for i, v in enumerate(persons["date_of_birth"].to_pylist())]
    persons = persons.set_column(
        persons.schema.get_field_index("date_of_birth"),
        "date_of_birth",
        pa.array(dob, persons.schema.field("date_of_birth").type),
    )
    stray = contacts.slice(0, 7)
    rid_type = contacts.schema.field("referral_id").type
    cid_type = contacts.schema.field("contact_id").type
    base = max(contacts["contact_id"].to_pylist())
    stray = stray.set_column(
        stray.schema.get_field_index("referral_id"),
        "referral_id",
        pa.array([9_000_000 + i for i in range(7)]).cast(rid_type),
    )
    stray = stray.set_column(
        stray.schema.get_field_index("contact_id"),
        "contact_id",
        pa.array([base + 1 + i for i in range(7)]).cast(cid_type),
    )
    contacts = pa.concat_tables([contacts, stray.cast(contacts.schema)])
    tables = {"persons": persons, "referrals": referrals, "contacts": contacts}
    one = cm.transition.summary(persons, referrals, contacts, data_end=DATA_END)
    _, diag = cms.transition.summary(
        *(spark.createDataFrame(t) for t in tables.values()), data_end=DATA_END, collect=True
    )
    got = listed(diag)
    no_dob = pc.is_null(persons["date_of_birth"])
    unknown_ref = pc.invert(pc.is_in(contacts["referral_id"], referrals["referral_id"]))
    assert got[("persons", "missing_date_of_birth")] == ids_of(persons, "person_id", no_dob)
    assert got[("contacts", "contact_referral_not_found")] == ids_of(
        contacts, "contact_id", unknown_ref
    )
    assert len(got[("contacts", "contact_referral_not_found")]) >= 7
    _, listing = cm.transition.state(persons, referrals, contacts, data_end=DATA_END, listing=True)
    ids = {"persons": "person_id", "referrals": "referral_id", "contacts": "contact_id"}
    assert got == one_machine_listing(listing, tables, ids)
    assert diagnostic_counts(diag) == one_machine_counts(one)


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
        # A Spark DataFrame population is collected after the checks.
        population = spark.createDataFrame(pa.table({"place": ["x"], "population": [1000]}))
        with pytest.raises(cm.MissingColumnError, match="reason"):
            cms.oap.measures(frames["placements"].drop("reason"), population=population, **PERIOD)
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
    with pytest.raises(cm.InvalidCellError) as one:
        cm.oap.measures(dup, **PERIOD)
    with pytest.raises(cm.InvalidCellError, match="duplicate identifier") as got:
        cms.oap.measures(spark.createDataFrame(dup), **PERIOD)
    assert_same_cell_error(got.value, one.value)
    # Two missing identifiers are the one-machine error too, not a duplicate `None`.
    ids = p["placement_id"].to_pylist()
    ids[5] = ids[9] = None
    none = p.set_column(p.schema.get_field_index("placement_id"), "placement_id", pa.array(ids))
    with pytest.raises(cm.InvalidCellError) as one:
        cm.oap.measures(none, **PERIOD)
    with pytest.raises(cm.InvalidCellError, match="identifiers are required") as got:
        cms.oap.measures(spark.createDataFrame(none), **PERIOD)
    assert_same_cell_error(got.value, one.value)


def assert_same_cell_error(got: Any, one: Any) -> None:
    """The one-machine ``InvalidCellError`` but for its row (a Spark DataFrame's rows have
    no numbers): class, table, column, value and rule (up to the row it names)."""
    assert type(got) is type(one) is cm.InvalidCellError
    assert (got.table, got.column, got.value) == (one.table, one.column, one.value)
    assert got.row is None
    assert str(got).startswith(str(one).split(" at row ")[0])
    rule = str(one.rule).split(";")[0].split(" (first at row")[0]
    assert str(got.rule).startswith(rule) and f"({got.value}): {rule}" in str(got)


def test_a_contact_id_repeated_across_people_is_the_one_machine_error(
    spark: Any, frames: dict[str, Any], demo: dict[str, pa.Table]
) -> None:
    """The core checks identifiers within a bucket of people; a ``contact_id`` shared by two
    people's contacts is found by the wrapper's own check, as one machine finds it."""
    contacts = demo["contacts"]
    ids, who = contacts["contact_id"].to_pylist(), contacts["person_id"].to_pylist()
    ids[next(k for k in range(len(ids)) if who[k] != who[0])] = ids[0]
    index = contacts.schema.get_field_index("contact_id")
    dup = contacts.set_column(index, "contact_id", pa.array(ids, contacts.schema.field(index).type))
    persons, referrals = demo["persons"], demo["referrals"]
    with pytest.raises(cm.InvalidCellError) as one:
        cm.transition.summary(persons, referrals, dup, data_end=DATA_END)
    with pytest.raises(cm.InvalidCellError, match="identifiers must be unique") as got:
        cms.transition.summary(
            frames["persons"], frames["referrals"], spark.createDataFrame(dup), data_end=DATA_END
        )
    assert_same_cell_error(got.value, one.value)


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


def test_empty_inputs_give_the_one_machine_rows(spark: Any, demo: dict[str, pa.Table]) -> None:
    """No partition emits a state for an empty DataFrame: the rows of the empty tables'
    state (OAP's months, transition's labels, with zero counts) are still the result's."""
    period: dict[str, Any] = {"start": "2024-01-01", "end": "2024-03-31"}
    p0, a0 = demo["placements"].slice(0, 0), demo["admissions"].slice(0, 0)
    one = cm.oap.measures(p0, admissions=a0, **period)
    assert one.num_rows == 3
    got, diag = cms.oap.measures(
        spark.createDataFrame(p0), admissions=spark.createDataFrame(a0), collect=True, **period
    )
    assert_same(got, one, ["period_end"])
    assert diagnostic_counts(diag) == one_machine_counts(one)
    tables = [demo[n].slice(0, 0) for n in ("persons", "referrals", "contacts")]
    one = cm.transition.summary(*tables, data_end=DATA_END)
    assert one.num_rows > 0
    got, _ = cms.transition.summary(
        *(spark.createDataFrame(t) for t in tables), data_end=DATA_END, collect=True
    )
    assert got.equals(one)


def test_numbers_given_as_text_are_the_one_machine_error(spark: Any) -> None:
    """Options are read as the one-machine functions read them (text is not a number): the
    same error class and message, before any Spark job."""
    t = pa.table(
        {
            "value": [1.0, 2.0, 3.0, 4.0],
            "distance_km": [1.0, 2.0, 3.0, 4.0],
            "age_band": ["0-4", "5+", "0-4", "5+"],
            "count": [10, 30, 12, 20],
            "population": [1000, 2000, 1100, 1900],
            "reference_count": [20, 20, 20, 20],
            "reference_population": [1000, 1000, 1000, 1000],
            "g": ["a", "a", "b", "b"],
        }
    )
    df = spark.createDataFrame(t)
    dsr: dict[str, Any] = {"standard": {0: 1, 5: 3}, "by": "g"}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("mean", {"confidence": "0.9"}),
        ("dsr", {**dsr, "confidence": "0.9"}),
        ("dsr", {**dsr, "multiplier": "1000"}),
        ("isr", {"confidence": "0.9"}),
        ("isr", {"multiplier": "1"}),
        ("distance", {"threshold": "2"}),
        ("distance", {"bands": ["2", "3"]}),
        ("distance", {"confidence": "0.9"}),
    ]
    functions: dict[str, tuple[Any, Any]] = {
        "mean": (cm.mean, cms.mean),
        "dsr": (cm.dsr, cms.dsr),
        "isr": (cm.isr, cms.isr),
        "distance": (cm.distance.summary, cms.distance.summary),
    }
    for name, options in cases:
        one_machine, on_spark = functions[name]
        with pytest.raises((cm.CollabMetricsError, TypeError)) as one:
            one_machine(t, **options)
        with pytest.raises(type(one.value)) as got:
            on_spark(df, collect=True, **options)
        assert (type(got.value), str(got.value)) == (type(one.value), str(one.value)), name


def test_timestamps_are_cut_to_dates_in_the_session_time_zone(spark: Any) -> None:
    """A ``TimestampType`` date column is read as its dates in
    ``spark.sql.session.timeZone`` (Spark's ``to_date``): midnight in London in summer is
    23:00 UTC the day before. An unrelated timestamp column does not break a call."""
    import datetime as dt

    utc = dt.timezone.utc

    def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
        return dt.datetime(year, month, day, hour, minute, tzinfo=utc)

    # Instants (UTC) and their dates in London (BST, UTC+1, from 31 March 2024).
    starts = [at(2024, 4, 30, 23), at(2024, 4, 15, 10), at(2024, 5, 31, 23, 30), at(2024, 4, 1)]
    ends = [at(2024, 5, 31, 23), None, at(2024, 6, 10, 12), at(2024, 4, 30, 23, 59)]
    local_starts = [dt.date(2024, 5, 1), dt.date(2024, 4, 15), dt.date(2024, 6, 1)]
    local_starts.append(dt.date(2024, 4, 1))
    local_ends = [dt.date(2024, 6, 1), None, dt.date(2024, 6, 10), dt.date(2024, 5, 1)]
    base = {
        "placement_id": [1, 2, 3, 4],
        "person_id": ["a", "b", "c", "d"],
        "bed_type": ["10"] * 4,
        "reason": ["10"] * 4,
    }
    stamp = pa.timestamp("us", tz="UTC")
    stamped = pa.table(
        {
            **base,
            "start_date": pa.array(starts, stamp),
            "end_date": pa.array(ends, stamp),
            "loaded_at": pa.array([at(2024, 7, 1, 6)] * 4, stamp),
        }
    )
    local = pa.table({**base, "start_date": local_starts, "end_date": local_ends})
    utc_dates = pa.table(
        {
            **base,
            "start_date": [s.date() for s in starts],
            "end_date": [e and e.date() for e in ends],
        }
    )
    period: dict[str, Any] = {"start": "2024-04-01", "end": "2024-06-30"}
    one = cm.oap.measures(local, **period)
    assert not one.equals(cm.oap.measures(utc_dates, **period))  # the zone matters here
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "Europe/London")
    try:
        df = spark.createDataFrame(stamped)
        assert [f.dataType.typeName() for f in df.schema.fields[-3:]] == ["timestamp"] * 3
        got, _ = cms.oap.measures(df, collect=True, **period)
        assert_same(got, one, ["period_end"])
        values = pa.table(
            {"value": [1.0, 2.0, 4.0], "loaded_at": pa.array([at(2024, 7, 1)] * 3, stamp)}
        )
        got, _ = cms.mean(spark.createDataFrame(values), collect=True)
        assert_same(got, cm.mean(values.select(["value"])), ["value"])
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)


def test_column_names_spark_would_resolve_otherwise(spark: Any, demo: dict[str, pa.Table]) -> None:
    """Names equal to a state's columns up to case (Spark is case-insensitive), or equal to
    them (``reason``), and names with a dot (Spark reads a struct field) are the caller's
    names, as on one machine."""
    t = pa.table({"v.x": [1.0, 2.0, 3.0, 4.0, 6.0], "Count": ["a", "a", "b", "b", "b"]})
    one = cm.mean(t, value="v.x", by="Count")
    got, _ = cms.mean(
        spark.createDataFrame(t).repartition(2), value="v.x", by="Count", collect=True
    )
    assert_same(got, one, ["Count"])
    p = demo["placements"].slice(0, 300)
    names = {"place": "Month", "person_id": "person.id", "placement_id": "Reason"}
    p = p.rename_columns([names.get(c, c) for c in p.column_names])
    options: dict[str, Any] = dict(
        PERIOD, by="Month", columns={"person_id": "person.id", "placement_id": "Reason"}
    )
    one = cm.oap.measures(p, **options)
    got, _ = cms.oap.measures(spark.createDataFrame(p), collect=True, **options)
    assert_same(got, one, ["Month", "period_end"])
    # A breakdown named as a state's own column (stored as ``by_reason``).
    options = dict(PERIOD, by=["reason", "sex"])
    one = cm.oap.measures(demo["placements"], **options)
    got, _ = cms.oap.measures(spark.createDataFrame(demo["placements"]), collect=True, **options)
    assert_same(got, one, ["reason", "sex", "period_end"])


def test_the_pandas_udfs_keep_64_bit_identifiers_exact(
    spark: Any, frames: dict[str, Any], demo: dict[str, pa.Table]
) -> None:
    """Spark hands pandas an int64 column with a null as float64: identifiers above 2**53
    (two of these equal as float64) must still be exact on the pandas path (Spark 3.x)."""
    persons, referrals, contacts = (demo[n] for n in ("persons", "referrals", "contacts"))
    big = {r: 2**53 + 1 + 2 * k for k, r in enumerate(referrals["referral_id"].to_pylist())}

    def renumbered(t: pa.Table) -> pa.Table:
        ids = pa.array([big[r] for r in t["referral_id"].to_pylist()], pa.int64())
        return t.set_column(t.schema.get_field_index("referral_id"), "referral_id", ids)

    referrals, contacts = renumbered(referrals), renumbered(contacts)
    tables = {"persons": persons, "referrals": referrals, "contacts": contacts}
    one = cm.transition.summary(persons, referrals, contacts, data_end=DATA_END)
    got, diag = cms.transition.summary(
        frames["persons"],
        spark.createDataFrame(referrals),
        spark.createDataFrame(contacts),
        data_end=DATA_END,
        udf="pandas",
        collect=True,
    )
    assert got.equals(one)
    _, listing = cm.transition.state(persons, referrals, contacts, data_end=DATA_END, listing=True)
    ids = {"persons": "person_id", "referrals": "referral_id", "contacts": "contact_id"}
    expected = one_machine_listing(listing, tables, ids)
    assert any(k[0] == "referrals" for k in expected)
    assert listed(diag) == expected
    # A table read partition by partition: a record id column with a null.
    rid = [None if i == 2 else 2**53 + 1 + 2 * i for i in range(8)]
    km = [None if i % 3 == 0 else float(i) for i in range(8)]
    data = pa.table({"distance_km": km, "rid": pa.array(rid, pa.int64())})
    _, diag = cms.distance.summary(
        spark.createDataFrame(data),
        nulls="propagate",
        record_id={"data": "rid"},
        udf="pandas",
        collect=True,
    )
    flagged = pa.array([v is None for v in km])
    assert sorted(diag["record_id"].to_pylist()) == ids_of(data, "rid", flagged)


def test_a_core_error_in_a_partition_is_the_typed_error_naming_the_record(
    spark: Any,
) -> None:
    """The core's error raised in a Spark worker reaches the caller as its own class with
    its attributes; the row it would name is the partition's, so it names the record."""
    import datetime as dt
    import math
    import re

    n = 40
    ends = [dt.date(2024, 1, 1) if i == 33 else dt.date(2024, 3, 10) for i in range(n)]
    p = pa.table(
        {
            "placement_id": list(range(100, 100 + n)),
            "person_id": [f"p{i}" for i in range(n)],
            "start_date": [dt.date(2024, 1, 20)] * n,
            "end_date": ends,
            "bed_type": ["10"] * n,
            "reason": ["10"] * n,
        }
    )
    period: dict[str, Any] = {"start": "2024-01-01", "end": "2024-03-31"}
    # `buckets` is a whole number (a float was used as a modulus, a bool failed in Spark).
    bad: Any
    for bad in (2.5, True):
        with pytest.raises(cm.InvalidArgumentError) as b:
            cms.oap.measures(spark.createDataFrame(p), buckets=bad, collect=True, **period)
        assert b.value.argument == "buckets"
    with pytest.raises(cm.InvalidCellError) as one:
        cm.oap.measures(p, **period)
    with pytest.raises(cm.InvalidCellError) as got:
        cms.oap.measures(spark.createDataFrame(p), buckets=4, collect=True, **period)
    e = got.value
    assert (e.kind, e.table, e.column, e.value, e.rule) == (
        one.value.kind,
        one.value.table,
        one.value.column,
        one.value.value,
        one.value.rule,
    )
    assert e.row is None and e.record_id == "133"  # type: ignore[attr-defined]
    assert str(e) == str(one.value).replace(" at row 33 (", " in record 133 (")
    # A table without an identifier: the record by its values.
    values = pa.table({"value": [math.nan if i == 7 else float(i) for i in range(10)]})
    with pytest.raises(cm.InvalidCellError) as one:
        cm.mean(values)
    with pytest.raises(cm.InvalidCellError, match=re.escape('in record {"value": "NaN"}')) as got:
        cms.mean(spark.createDataFrame(values).repartition(3), collect=True)
    assert (got.value.column, got.value.value) == (one.value.column, one.value.value)
