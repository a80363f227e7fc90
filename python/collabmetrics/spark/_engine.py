"""The machinery behind :mod:`collabmetrics.spark`: states per partition, merged by Spark,
finished on the driver.

1. Before any Spark job: each input's Spark schema becomes an Arrow schema and the core
   builds the state of an empty table of it. That checks every column the metric needs (a
   missing or mistyped column is the core's structured error) and gives the state's schema.
2. States per partition: inputs keyed by person (OAP placements, the transition tables) are
   bucketed by a hash of the person and every bucket's rows go through the core's state
   builder together (``groupBy().applyInArrow`` on Spark ≥ 4.0, ``applyInPandas`` with the
   Arrow types restored on 3.x); the other inputs are read partition by partition
   (``mapInArrow`` on Spark ≥ 3.3, ``mapInPandas`` on 3.2).
3. Merge: ``groupBy(<key columns>).agg(sum, max)``, each column's operation read from its
   Arrow field metadata (``collabmetrics:merge``).
4. Finish on the driver: the merged state (small: one row per key) is collected as Arrow,
   given back its schema, and finished by the core.

Diagnostics, record by record: each partition's state is built with the core's listing of
every flagged record (table and row, reason, action), and the partition maps each row to the
record id of its table (:func:`id_columns`). The partition UDF emits the state's rows and
the flagged records in one schema, told apart by a column (``__cm_row``); the output is
persisted, so the merge and the listing read it from one pass over the data, and the
listing is checkpointed (or collected) before the cache is released.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .. import _native
from .. import state as _state

#: Names of the helper columns the engine adds (prefixed so as not to meet a caller's).
TABLE = "__cm_table"
BUCKET = "__cm_bucket"
ROUTE = "__cm_route"
#: The partition UDF's output: ``state`` rows (the state's columns) and ``flag`` rows (a
#: flagged record: its table, record id, reason and action).
ROW = "__cm_row"
FLAG_TABLE = "__cm_flag_table"
FLAG_ID = "__cm_record_id"
FLAG_REASON = "__cm_flag_reason"
FLAG_ACTION = "__cm_flag_action"
FLAG_COLUMNS = (FLAG_TABLE, FLAG_ID, FLAG_REASON, FLAG_ACTION)
_FLAG_FIELDS = [
    pa.field(FLAG_TABLE, pa.string()),
    pa.field(FLAG_ID, pa.string()),
    pa.field(FLAG_REASON, pa.string()),
    pa.field(FLAG_ACTION, pa.string()),
]
#: The diagnostics DataFrame: one row per flagged record.
DIAGNOSTICS_SCHEMA = pa.schema(
    [
        pa.field("table", pa.string()),
        pa.field("record_id", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("action", pa.string()),
    ]
)

#: The input tables of each kind of state, in the core's order (one table: ``data``).
TABLE_NAMES: dict[str, tuple[str, ...]] = {
    "oap": ("placements", "admissions"),
    "transition": ("persons", "referrals", "contacts", "care_plans"),
}
#: The identifier column of each input table (our names): a flagged record's ``record_id``
#: when the table has it (the data contracts require only ``placement_id``, ``person_id``
#: and ``referral_id``; ``admission_id`` and ``contact_id`` are the usual optional ones).
#: Care plans and a one-table function's rows have none: name one with ``record_id=``.
ID_COLUMNS: dict[str, str] = {
    "placements": "placement_id",
    "admissions": "admission_id",
    "persons": "person_id",
    "referrals": "referral_id",
    "contacts": "contact_id",
}


def version() -> tuple[int, int]:
    """The running pyspark's (major, minor) version."""
    import pyspark

    major, minor = pyspark.__version__.split(".")[:2]
    return int(major), int(minor)


def arrow_udfs(udf: str) -> tuple[bool, bool]:
    """Whether to use Arrow UDFs for grouped data (Spark ≥ 4.0) and for partitions (≥ 3.3):
    ``udf`` is ``"auto"``, or ``"arrow"``/``"pandas"`` to force one."""
    if udf not in ("auto", "arrow", "pandas"):
        raise _native.invalid_argument(
            "udf", f'unknown UDF kind "{udf}"; expected "auto", "arrow" or "pandas"'
        )
    if udf == "pandas":
        return False, False
    v = version()
    if udf == "arrow":
        return True, True
    return v >= (4, 0), v >= (3, 3)


def arrow_schema(df: Any) -> pa.Schema:
    """A Spark DataFrame's schema as Arrow (what its batches arrive as in a UDF)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema)


def spark_schema(schema: pa.Schema) -> Any:
    """An Arrow schema as a Spark StructType."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def numeric(df: Any) -> Any:
    """The DataFrame with its decimal columns as doubles (the core reads integers and floats;
    warehouses often store costs and counts as decimals)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType, DoubleType

    for f in df.schema.fields:
        if isinstance(f.dataType, DecimalType):
            df = df.withColumn(f.name, F.col(f.name).cast(DoubleType()))
    return df


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


@dataclass
class Input:
    """One input table of a state: its DataFrame (None: not given), and how it is spread:
    by the hash of a column (``route``) or partition by partition (None)."""

    df: Any
    route: str | None = None


def check(
    kind: str,
    inputs: Sequence[Input | None],
    options: Mapping[str, Any],
    columns: Mapping[str, str],
) -> pa.Schema:
    """Builds the state of empty tables of the inputs' schemas: every column check of the
    core, before any Spark job; returns the state's schema."""
    tables = [None if i is None or i.df is None else empty(arrow_schema(i.df)) for i in inputs]
    state = _native.state_build(kind, tables, json.dumps(dict(options)), dict(columns))
    schema: pa.Schema = state.schema
    return schema


def table_names(kind: str) -> tuple[str, ...]:
    """The names of a kind's input tables, in the core's order."""
    return TABLE_NAMES.get(kind, ("data",))


def id_columns(
    kind: str,
    inputs: Sequence[Input | None],
    columns: Mapping[str, str],
    record_id: Mapping[str, str] | None,
) -> list[str | None]:
    """The column of each input table whose value is a flagged record's ``record_id``:
    ``record_id[table]`` when given (an error before any Spark job when the table or the
    column does not exist), else the table's identifier (:data:`ID_COLUMNS`, renamed by
    ``columns``) when the DataFrame has it, else None: the record's values as JSON."""
    names = table_names(kind)
    given = dict(record_id or {})
    for table, column in given.items():
        if table not in names:
            raise _native.invalid_argument(
                "record_id",
                f'no table "{table}" here; the tables are {", ".join(names)}',
            )
        inp = inputs[names.index(table)]
        if inp is not None and inp.df is not None and column not in inp.df.columns:
            raise _native.invalid_argument(
                "record_id",
                f"the {table} have no column `{column}` (they have {', '.join(inp.df.columns)})",
            )
    out: list[str | None] = []
    for name, inp in zip(names, inputs):
        ours = ID_COLUMNS.get(name)
        named = given.get(name, columns.get(ours, ours) if ours else None)
        df = None if inp is None else inp.df
        out.append(named if df is not None and named in df.columns else None)
    return out


def output_schema(out: pa.Schema) -> pa.Schema:
    """The partition UDF's schema: the state's columns (nullable: flag rows leave them
    null), the row kind and the flagged record's columns."""
    fields = [f.with_nullable(True) for f in out]
    return pa.schema([*fields, pa.field(ROW, pa.string()), *_FLAG_FIELDS])


def _record_ids(table: pa.Table, rows: pa.Array, column: str | None) -> pa.Array:
    """The record ids of ``rows`` of ``table``: its ``column`` as text, or without one each
    record's values as JSON (the engine's helper columns left out)."""
    if column is not None:
        return pc.cast(table.column(column).take(rows), pa.string())
    own = [n for n in table.column_names if not n.startswith("__cm_")]
    records = table.select(own).take(rows).to_pylist()
    return pa.array([_json(r) for r in records], pa.string())


def _json(record: dict[str, Any]) -> str:
    """A record's values as strict JSON. A NaN or infinite float, often the very reason the
    record is flagged, is written as the text ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``:
    ``json.dumps`` would write bare ``NaN``, which JSON readers reject, and ``null`` would
    hide it from a missing value. Dates and other values become their ``str``."""
    return json.dumps(_finite(record), default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _flags(
    listing: pa.Table,
    tables: list[pa.Table | None],
    names: tuple[str, ...],
    ids: list[str | None],
) -> pa.Table:
    """The listing's records as (table, record id, reason, action): each row mapped to the
    record id of its table; a note about no one record keeps a null id."""
    parts = []
    table_col = listing.column("table")
    for i, name in enumerate(names):
        t = tables[i] if i < len(tables) else None
        mine = listing.filter(pc.equal(table_col, name))
        if mine.num_rows == 0 or t is None:
            continue
        record = _record_ids(t, mine.column("row").combine_chunks(), ids[i])
        parts.append(
            pa.table(
                [mine.column("table"), record, mine.column("reason"), mine.column("action")],
                schema=pa.schema(_FLAG_FIELDS),
            )
        )
    rest = listing.filter(pc.invert(pc.fill_null(pc.is_in(table_col, pa.array(names)), False)))
    if rest.num_rows:
        parts.append(
            pa.table(
                [
                    rest.column("table"),
                    pa.nulls(rest.num_rows, pa.string()),
                    rest.column("reason"),
                    rest.column("action"),
                ],
                schema=pa.schema(_FLAG_FIELDS),
            )
        )
    return pa.concat_tables(parts) if parts else pa.schema(_FLAG_FIELDS).empty_table()


def _build(
    kind: str,
    tables: list[pa.Table | None],
    options_json: str,
    columns: dict[str, str],
    out: pa.Schema,
    ids: list[str | None],
) -> pa.Table:
    """A partition's state rows and flagged records, in :func:`output_schema`."""
    state, listing = _native.state_build(kind, tables, options_json, columns, True)
    schema = output_schema(out)
    state = state.select(out.names).cast(out)
    flags = _flags(listing, tables, table_names(kind), ids)
    n, m = state.num_rows, flags.num_rows
    state_rows = [
        *state.columns,
        pa.array(["state"] * n, pa.string()),
        *[pa.nulls(n, f.type) for f in _FLAG_FIELDS],
    ]
    flag_rows = [
        *[pa.nulls(m, f.type) for f in out],
        pa.array(["flag"] * m, pa.string()),
        *flags.columns,
    ]
    # One chunk per column: pyspark's pandas conversion reads a text column of several
    # chunks as a ChunkedArray it cannot send.
    both = [pa.table(state_rows, schema=schema), pa.table(flag_rows, schema=schema)]
    return pa.concat_tables(both).combine_chunks()


def _pandas_out(state: pa.Table) -> Any:
    """A state as pandas for ``applyInPandas``/``mapInPandas``: integers stay integers."""
    import pandas as pd

    return state.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def states(
    kind: str,
    inputs: Sequence[Input | None],
    options: Mapping[str, Any],
    columns: Mapping[str, str],
    out: pa.Schema,
    buckets: int,
    udf: str,
    ids: list[str | None],
) -> Any:
    """The states of every partition and their flagged records, as one Spark DataFrame of
    :func:`output_schema`."""
    grouped_arrow, map_arrow = arrow_udfs(udf)
    options_json = json.dumps(dict(options))
    cols = dict(columns)
    given = [(i, inp) for i, inp in enumerate(inputs) if inp is not None and inp.df is not None]
    routed = [(i, inp) for i, inp in given if inp.route is not None]
    loose = [(i, inp) for i, inp in given if inp.route is None]
    n = len(inputs)
    parts = []
    if routed:
        parts.append(_routed(kind, routed, n, options_json, cols, out, buckets, grouped_arrow, ids))
    for i, inp in loose:
        parts.append(_loose(kind, i, inp, n, options_json, cols, out, map_arrow, ids))
    result = parts[0]
    for p in parts[1:]:
        result = result.unionByName(p)
    return result


def _routed(
    kind: str,
    routed: list[tuple[int, Input]],
    n: int,
    options_json: str,
    columns: dict[str, str],
    out: pa.Schema,
    buckets: int,
    grouped_arrow: bool,
    ids: list[str | None],
) -> Any:
    """Tables keyed by person: one union of every table (its columns prefixed ``t{i}__``, a
    table number and a bucket), grouped by bucket; each bucket's tables go to the core
    together."""
    from pyspark.sql import functions as F

    pieces = []
    schemas: dict[int, pa.Schema] = {}
    for i, inp in routed:
        df = inp.df
        schemas[i] = arrow_schema(df)
        route = F.col(inp.route) if inp.route is not None else F.lit(None)
        bucket = F.pmod(F.xxhash64(route.cast("string")), F.lit(buckets))
        pieces.append(
            df.select(
                *[F.col(f"`{c}`").alias(f"t{i}__{c}") for c in df.columns],
                F.lit(i).alias(TABLE),
                bucket.alias(BUCKET),
            )
        )
    union = pieces[0]
    for p in pieces[1:]:
        union = union.unionByName(p, allowMissingColumns=True)
    union_schema = arrow_schema(union)

    def tables_of(t: pa.Table) -> list[pa.Table | None]:
        found: list[pa.Table | None] = [None] * n
        tag = t.column(TABLE)
        for i, schema in schemas.items():
            rows = t.filter(pc.equal(tag, i))
            cols = [rows.column(f"t{i}__{name}") for name in schema.names]
            found[i] = pa.Table.from_arrays(cols, schema=schema) if cols else empty(schema)
        return found

    def one(t: pa.Table) -> pa.Table:
        t = t.cast(union_schema) if t.schema != union_schema else t
        return _build(kind, tables_of(t), options_json, columns, out, ids)

    grouped = union.groupBy(BUCKET)
    spark_out = spark_schema(output_schema(out))
    if grouped_arrow:
        return grouped.applyInArrow(one, spark_out)

    def one_pandas(pdf: Any) -> Any:
        t = pa.Table.from_pandas(pdf, schema=union_schema, preserve_index=False)
        return _pandas_out(one(t))

    return grouped.applyInPandas(one_pandas, spark_out)


def _loose(
    kind: str,
    i: int,
    inp: Input,
    n: int,
    options_json: str,
    columns: dict[str, str],
    out: pa.Schema,
    map_arrow: bool,
    ids: list[str | None],
) -> Any:
    """A table read partition by partition: one state per Spark partition."""
    schema = arrow_schema(inp.df)

    def one(t: pa.Table) -> pa.Table:
        tables: list[pa.Table | None] = [None] * n
        tables[i] = t.cast(schema) if t.schema != schema else t
        return _build(kind, tables, options_json, columns, out, ids)

    spark_out = spark_schema(output_schema(out))
    if map_arrow:

        def part(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            got = list(batches)
            t = pa.Table.from_batches(got) if got else empty(schema)
            yield from one(t).to_batches()

        return inp.df.mapInArrow(part, spark_out)

    def part_pandas(frames: Iterator[Any]) -> Iterator[Any]:
        got = [pa.Table.from_pandas(f, schema=schema, preserve_index=False) for f in frames]
        t = pa.concat_tables(got) if got else empty(schema)
        yield _pandas_out(one(t))

    return inp.df.mapInPandas(part_pandas, spark_out)


def merge(states_df: Any, schema: pa.Schema) -> Any:
    """Spark's own merge: group by the key columns, sum or max the others, as each column's
    field metadata says."""
    from pyspark.sql import functions as F

    keys, aggs = [], []
    for f in schema:
        op = (f.metadata or {}).get(_state.MERGE_KEY.encode(), b"").decode()
        if op == "key":
            keys.append(f.name)
        elif op == "sum":
            aggs.append(F.sum(f.name).alias(f.name))
        elif op == "max":
            aggs.append(F.max(f.name).alias(f.name))
        else:
            raise _native.invalid_argument("state", f"column `{f.name}` names no merge operation")
    return states_df.groupBy(*keys).agg(*aggs).select(*schema.names)


def collect(df: Any, schema: pa.Schema) -> pa.Table:
    """A (small) Spark DataFrame as Arrow, cast to ``schema`` (with its metadata)."""
    if hasattr(df, "toArrow"):
        t = df.toArrow()
    elif hasattr(df, "_collect_as_arrow"):
        batches = df._collect_as_arrow()
        t = pa.Table.from_batches(batches) if batches else empty(schema)
    else:  # pragma: no cover - very old pyspark
        t = pa.Table.from_pandas(df.toPandas(), preserve_index=False)
    return t.select(schema.names).cast(schema)


def to_spark(spark: Any, table: pa.Table) -> Any:
    """An Arrow table as a Spark DataFrame."""
    if version() >= (4, 0):
        return spark.createDataFrame(table)
    return spark.createDataFrame(table.to_pandas(), schema=spark_schema(table.schema))


def notes(merged: pa.Table, result: pa.Table) -> pa.Table:
    """The result's diagnostics about no one record, added when finishing (e.g. a group
    without a population, a period without admissions): what its counts have beyond the
    merged state's diagnostic rows (whose records the partitions listed), one row each,
    without a table or record id."""
    from .._frames import diagnostics

    listed: dict[str, int] = {}
    if "part" in merged.column_names:
        for part, reason, count in zip(
            merged.column("part").to_pylist(),
            merged.column("reason").to_pylist(),
            merged.column("count").to_pylist(),
        ):
            if part == "diagnostic" and reason is not None:
                listed[reason] = listed.get(reason, 0) + int(count or 0)
    rows: list[tuple[str, str]] = []
    for d in diagnostics(result):
        extra = int(d["count"]) - listed.get(d["reason"], 0)
        rows.extend([(d["reason"], d["action"])] * max(extra, 0))
    return pa.table(
        [
            pa.nulls(len(rows), pa.string()),
            pa.nulls(len(rows), pa.string()),
            pa.array([r[0] for r in rows], pa.string()),
            pa.array([r[1] for r in rows], pa.string()),
        ],
        schema=DIAGNOSTICS_SCHEMA,
    )


def unique(df: Any, column: str, table: str) -> None:
    """One Spark job: the first identifier of ``column`` that appears twice, as the core's
    error (the core checks identifiers within a partition only)."""
    from pyspark.sql import functions as F

    dup = df.groupBy(F.col(f"`{column}`")).count().where(F.col("count") > 1).limit(1).collect()
    if dup:
        raise _native.invalid_argument(
            table,
            f"duplicate identifier {dup[0][0]!r} in column `{column}`: identifiers must be unique",
        )


def default_buckets(spark: Any) -> int:
    """Buckets of people: Spark's shuffle partitions."""
    return int(spark.conf.get("spark.sql.shuffle.partitions", "200"))


def run(
    kind: str,
    inputs: Sequence[Input | None],
    options: Mapping[str, Any],
    *,
    columns: Mapping[str, str] | None,
    buckets: int | None,
    udf: str,
    collect_result: bool,
    finalize: Mapping[str, Any] | None = None,
    before: Callable[[], None] | None = None,
    record_id: Mapping[str, str] | None = None,
) -> tuple[Any, Any]:
    """Checks, builds, merges and finishes a state; returns (result, diagnostics), the
    diagnostics one row per flagged record (:data:`DIAGNOSTICS_SCHEMA`). The columns and
    ``record_id`` are checked before any Spark job; ``before`` (e.g. a uniqueness check, a
    Spark job of its own) runs next."""
    from pyspark.sql import functions as F

    cols = dict(columns or {})
    given = [i.df for i in inputs if i is not None and i.df is not None]
    if not given:
        raise _native.invalid_argument("data", "give at least one DataFrame")
    spark = given[0].sparkSession
    inputs = [None if i is None or i.df is None else Input(numeric(i.df), i.route) for i in inputs]
    schema = check(kind, inputs, options, cols)
    ids = id_columns(kind, inputs, cols, record_id)
    n = buckets if buckets is not None else default_buckets(spark)
    if n < 1:
        raise _native.invalid_argument("buckets", f"must be at least 1 (got {n})")
    if before is not None:
        before()
    # One pass over the data: the merge and the listing both read the persisted partials.
    partial = states(kind, inputs, options, cols, schema, n, udf, ids).persist()
    try:
        state_rows = partial.where(F.col(ROW) == "state").select(*schema.names)
        merged = collect(merge(state_rows, schema), schema)
        result = _state.finalize(merged, **dict(finalize or {}))
        flags = partial.where(F.col(ROW) == "flag").select(
            *[F.col(c).alias(f.name) for c, f in zip(FLAG_COLUMNS, DIAGNOSTICS_SCHEMA)]
        )
        extra = notes(merged, result)
        if collect_result:
            listed = pa.concat_tables([collect(flags, DIAGNOSTICS_SCHEMA), extra])
            return result, listed
        listed_df = flags.localCheckpoint(eager=True)
        if extra.num_rows:
            listed_df = listed_df.unionByName(to_spark(spark, extra))
        return to_spark(spark, result), listed_df
    finally:
        partial.unpersist()


def run_one(
    kind: str,
    df: Any,
    options: Mapping[str, Any],
    buckets: int | None,
    udf: str,
    collect: bool,
    record_id: Mapping[str, str] | None,
) -> tuple[Any, Any]:
    """:func:`run` of a one-table state (``data``, read partition by partition)."""
    return run(
        kind,
        [Input(df)],
        options,
        columns=None,
        buckets=buckets,
        udf=udf,
        collect_result=collect,
        record_id=record_id,
    )
