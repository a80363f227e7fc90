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
   given back its schema, merged with the empty tables' state of step 1 (the rows every
   input has, such as OAP's months, which no partition of an empty input emits), and
   finished by the core.

Spark never resolves a caller's column name: the inputs go to the UDFs and the states come
back with their columns named by position (``__cm_…``; Spark is case-insensitive and reads
a dot as a struct field, so a ``by`` column ``Count`` beside a state's ``count``, or
``person.id``, would be ambiguous or unresolved), and get their names back in Arrow.
``TimestampType`` columns are read in the session's time zone (:func:`numeric`); the
pandas UDFs get 64-bit integers as text (:func:`as_text`), which pandas would round through
float64. A core error raised in a partition is re-raised on the driver as itself
(:func:`typed_error`).

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
from .._frames import whole

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


def time_zone(df: Any) -> str:
    """The DataFrame's session time zone (``spark.sql.session.timeZone``)."""
    return str(df.sparkSession.conf.get("spark.sql.session.timeZone"))


def arrow_schema(df: Any) -> pa.Schema:
    """A Spark DataFrame's schema as Arrow (what its batches arrive as in a UDF): a
    ``TimestampType`` (left only inside nested columns, see :func:`numeric`) in the session's
    time zone, as Spark sends it."""
    from pyspark.sql.pandas.types import to_arrow_schema

    try:
        return to_arrow_schema(df.schema, timezone=time_zone(df))
    except TypeError:  # pragma: no cover - pyspark < 4 has no `timezone` (it uses UTC)
        return to_arrow_schema(df.schema)


def spark_schema(schema: pa.Schema) -> Any:
    """An Arrow schema as a Spark StructType."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def positional(df: Any, prefix: str = "__cm_c") -> tuple[Any, list[str]]:
    """The DataFrame with its columns renamed by position (``__cm_c0``, …) and those names.
    ``toDF`` renames without resolving a name: Spark reads names case-insensitively and a
    dot as a struct field, so a caller's ``Count`` beside our ``count``, ``Reason`` beside
    ``reason`` or ``person.id`` would be ambiguous or unresolved."""
    names = [f"{prefix}{j}" for j in range(len(df.columns))]
    return df.toDF(*names), names


def numeric(df: Any) -> Any:
    """The DataFrame as the core reads it: decimal columns as doubles (the core reads
    integers and floats; warehouses often store costs and counts as decimals), and each
    ``TimestampType`` column (an instant) as its date and time in the session's time zone,
    ``spark.sql.session.timeZone``: a ``TimestampNTZType`` (Spark ≥ 3.4; a ``DateType``,
    Spark's own ``to_date``, before), so a date column given as timestamps is cut to the
    dates Spark's ``to_date`` gives (the core cuts a zone-less timestamp to its date)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType, DoubleType, TimestampType

    renamed, names = positional(df)
    cols, changed = [], False
    for name, f in zip(names, df.schema.fields):
        column = F.col(name)
        if isinstance(f.dataType, DecimalType):
            column, changed = column.cast(DoubleType()), True
        elif isinstance(f.dataType, TimestampType):
            changed = True
            if version() >= (3, 4):
                from pyspark.sql.types import TimestampNTZType

                column = column.cast(TimestampNTZType())
            else:  # pragma: no cover - Spark 3.2 and 3.3 have no TimestampNTZType
                column = F.to_date(column)
        cols.append(column.alias(name))
    return renamed.select(*cols).toDF(*df.columns) if changed else df


def one_level(options: dict[str, Any]) -> None:
    """``options["confidence"]`` (when given) read as the one-machine functions read it
    (:func:`collabmetrics._frames.levels`: text is an ``InvalidArgumentError``), and held to
    one level: a state carries one."""
    from .._frames import levels

    if "confidence" not in options:
        return
    found = levels(options["confidence"])
    if len(found) > 1:
        raise _native.invalid_argument(
            "confidence",
            f"one level on Spark (got {len(found)}); call once per level",
        )
    options["confidence"] = found[0]


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
) -> pa.Table:
    """Builds the state of empty tables of the inputs' schemas: every column check of the
    core, before any Spark job. Returns that state: its schema is every partition's, and
    its rows (e.g. OAP's months with zero counts) are merged into the result, so empty
    inputs, of which no partition emits a state, finish as one machine finishes them."""
    tables = [None if i is None or i.df is None else empty(arrow_schema(i.df)) for i in inputs]
    state: pa.Table = _native.state_build(kind, tables, json.dumps(dict(options)), dict(columns))
    return state


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


def state_names(out: pa.Schema) -> list[str]:
    """The names of the state's columns in Spark (``__cm_s0``, ``__cm_s1``, …, by position):
    a state holds the caller's ``by`` columns beside its own (``count``, ``month``, …), and
    Spark, case-insensitive and reading dots as struct fields, must not resolve either; the
    collected state gets its names back (:func:`collect`)."""
    return [f"__cm_s{j}" for j in range(len(out))]


def output_schema(out: pa.Schema) -> pa.Schema:
    """The partition UDF's schema: the state's columns (:func:`state_names`; nullable: flag
    rows leave them null), the row kind and the flagged record's columns."""
    fields = [pa.field(n, f.type) for n, f in zip(state_names(out), out)]
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


#: Marks the facts of a core error raised in a partition, in the text of the exception
#: Spark gives the driver (pyspark's ``PythonException`` carries only the worker's text).
_ERROR_MARK = "__cm_error__"
_FIELDS = ("kind", "table", "column", "argument", "value", "group", "rule")


def _in_partition(
    e: Exception, kind: str, tables: list[pa.Table | None], ids: list[str | None]
) -> Exception:
    """The core's error raised in a partition, for the driver (:func:`typed_error`): its row
    numbers the partition's rows, so the message names the record (:func:`_record_ids`, as
    the diagnostics do) instead, and its facts follow as JSON between marks."""
    message, record = str(e), None
    row = getattr(e, "row", None)
    names = table_names(kind)
    # The core names the table of a cell unless it is the first (OAP's placements) or the
    # only one; the transition tables are always named.
    name = getattr(e, "table", None) or (names[0] if kind != "transition" else None)
    if row is not None and name in names:
        i = names.index(name)
        t = tables[i] if i < len(tables) else None
        if t is not None and row < t.num_rows:
            record = str(_record_ids(t, pa.array([row], pa.int64()), ids[i])[0])
            message = message.replace(f" at row {row} (", f" in record {record} (", 1)
    facts = {f: getattr(e, f, None) for f in _FIELDS}
    facts.update(error=type(e).__name__, message=message, record_id=record)
    mark = f"{_ERROR_MARK}{json.dumps(facts, default=str)}{_ERROR_MARK}"
    return type(e)(f"{message}\n{mark}")


def typed_error(e: BaseException) -> Exception | None:
    """The core's error a partition raised (:func:`_in_partition`), from the exception Spark
    gives the driver: the same class, message and attributes (``row`` None: a partition's
    row is no row of the input; ``record_id`` names the record). None: not one of ours."""
    text = str(e)
    start = text.find(_ERROR_MARK)
    end = text.find(_ERROR_MARK, start + len(_ERROR_MARK))
    if start < 0 or end < 0:
        return None
    try:
        facts = json.loads(text[start + len(_ERROR_MARK) : end])
        cls = getattr(_native, str(facts["error"]))
    except (ValueError, KeyError, AttributeError):
        return None
    if not (isinstance(cls, type) and issubclass(cls, _native.CollabMetricsError)):
        return None
    err: Exception = cls(facts["message"])
    for f in _FIELDS:
        setattr(err, f, facts.get(f))
    err.record_id = facts.get("record_id")  # type: ignore[attr-defined]
    return err


def _build(
    kind: str,
    tables: list[pa.Table | None],
    options_json: str,
    columns: dict[str, str],
    out: pa.Schema,
    ids: list[str | None],
) -> pa.Table:
    """A partition's state rows and flagged records, in :func:`output_schema`."""
    try:
        state, listing = _native.state_build(kind, tables, options_json, columns, True)
    except _native.CollabMetricsError as e:
        raise _in_partition(e, kind, tables, ids) from None
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


def as_text(df: Any) -> Any:
    """For the pandas UDFs: the DataFrame with its 64-bit integer columns as text. Spark
    hands pandas an integer column with a null as float64, which rounds an identifier above
    2**53; text comes back exact (:func:`pandas_in`)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType

    return df.select(
        *[
            F.col(quote(f.name)).cast("string").alias(f.name)
            if isinstance(f.dataType, LongType)
            else F.col(quote(f.name))
            for f in df.schema.fields
        ]
    )


def pandas_in(frame: Any, schema: pa.Schema) -> pa.Table:
    """A pandas UDF's frame (its 64-bit integers as text, :func:`as_text`) as Arrow of
    ``schema``: the text cast back to exact integers."""
    sent = pa.schema([f.with_type(pa.string()) if pa.types.is_int64(f.type) else f for f in schema])
    return pa.Table.from_pandas(frame, schema=sent, preserve_index=False).cast(schema)


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
    """Tables keyed by person: one union of every table (its columns renamed by position,
    ``__cm_t{i}_{j}``, so no caller's name meets another table's or ours; a table number
    and a bucket), grouped by bucket; each bucket's tables go to the core together."""
    from pyspark.sql import functions as F

    pieces = []
    schemas: dict[int, pa.Schema] = {}
    for i, inp in routed:
        df = inp.df
        schemas[i] = arrow_schema(df)
        renamed, names = positional(df, f"__cm_t{i}_")
        route = (
            F.col(names[df.columns.index(inp.route)])
            if inp.route is not None and inp.route in df.columns
            else F.lit(None)  # no person column: one bucket, the one-machine call
        )
        bucket = F.pmod(F.xxhash64(route.cast("string")), F.lit(buckets))
        piece = renamed.select(*names, F.lit(i).alias(TABLE), bucket.alias(BUCKET))
        pieces.append(piece if grouped_arrow else as_text(piece))
    union = pieces[0]
    for p in pieces[1:]:
        union = union.unionByName(p, allowMissingColumns=True)
    # The union's columns with the tables' types (the pandas path sends int64s as text).
    types = {f"__cm_t{i}_{j}": f.type for i, sch in schemas.items() for j, f in enumerate(sch)}
    union_schema = pa.schema([f.with_type(types.get(f.name, f.type)) for f in arrow_schema(union)])

    def tables_of(t: pa.Table) -> list[pa.Table | None]:
        found: list[pa.Table | None] = [None] * n
        tag = t.column(TABLE)
        for i, schema in schemas.items():
            rows = t.filter(pc.equal(tag, i))
            cols = [rows.column(f"__cm_t{i}_{j}") for j in range(len(schema))]
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
        return _pandas_out(one(pandas_in(pdf, union_schema)))

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
    """A table read partition by partition: one state per Spark partition. Its columns go
    to the UDF renamed by position (``__cm_c{j}``; pyspark's ``mapInArrow`` refers to each
    column by name, which a dot breaks) and get their names back in the partition."""
    schema = arrow_schema(inp.df)
    renamed, names = positional(inp.df)
    sent = pa.schema([f.with_name(n) for n, f in zip(names, schema)])

    def one(t: pa.Table) -> pa.Table:
        tables: list[pa.Table | None] = [None] * n
        t = t.rename_columns(schema.names)
        tables[i] = t.cast(schema) if t.schema != schema else t
        return _build(kind, tables, options_json, columns, out, ids)

    spark_out = spark_schema(output_schema(out))
    if map_arrow:

        def part(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            got = list(batches)
            t = pa.Table.from_batches(got) if got else empty(sent)
            yield from one(t).to_batches()

        return renamed.mapInArrow(part, spark_out)

    def part_pandas(frames: Iterator[Any]) -> Iterator[Any]:
        got = [pandas_in(f, sent) for f in frames]
        t = pa.concat_tables(got) if got else empty(sent)
        yield _pandas_out(one(t))

    return as_text(renamed).mapInPandas(part_pandas, spark_out)


def merge(states_df: Any, schema: pa.Schema) -> Any:
    """Spark's own merge of the state rows (their columns :func:`state_names`): group by the
    key columns, sum or max the others, as each column's field metadata says."""
    from pyspark.sql import functions as F

    names = state_names(schema)
    keys, aggs = [], []
    for name, f in zip(names, schema):
        op = (f.metadata or {}).get(_state.MERGE_KEY.encode(), b"").decode()
        if op == "key":
            keys.append(name)
        elif op == "sum":
            aggs.append(F.sum(name).alias(name))
        elif op == "max":
            aggs.append(F.max(name).alias(name))
        else:
            raise _native.invalid_argument("state", f"column `{f.name}` names no merge operation")
    return states_df.groupBy(*keys).agg(*aggs).select(*names)


def collect(df: Any, schema: pa.Schema, names: Sequence[str] | None = None) -> pa.Table:
    """A (small) Spark DataFrame as Arrow: its columns ``names`` (default: ``schema``'s)
    given ``schema``'s names and types (with its metadata)."""
    if hasattr(df, "toArrow"):
        t = df.toArrow()
    elif hasattr(df, "_collect_as_arrow"):
        batches = df._collect_as_arrow()
        if not batches:
            return empty(schema)
        t = pa.Table.from_batches(batches)
    else:  # pragma: no cover - very old pyspark
        t = pa.Table.from_pandas(df.toPandas(), preserve_index=False)
    return t.select(list(names or schema.names)).rename_columns(schema.names).cast(schema)


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


def unique(
    df: Any,
    column: str,
    table: str | None,
    rule: str = "identifiers must be unique",
    required: str = "an identifier is required",
) -> None:
    """One Spark job: an identifier of ``column`` that appears twice, or a missing one, as
    the core's ``InvalidCellError`` (the core checks identifiers within a partition only).
    ``table`` qualifies the column as the one-machine error does (None: not qualified);
    ``rule`` and ``required`` are the core's words for that table. A Spark DataFrame has no
    row numbers, so ``row`` is None and the message says how often the value appears."""
    from pyspark.sql import functions as F

    renamed, names = positional(df)
    ident = F.col(names[df.columns.index(column)])
    dup = (
        renamed.groupBy(ident.alias("__cm_id"))
        .agg(F.count(F.lit(1)).alias("__cm_n"))
        .where((F.col("__cm_n") > 1) | F.col("__cm_id").isNull())
        .limit(1)
        .collect()
    )
    if dup:
        value, times = dup[0][0], int(dup[0][1])
        if value is None:
            raise invalid_cell(table, column, "null", required)
        raise invalid_cell(table, column, str(value), f"{rule}; it appears {times} times")


def invalid_cell(table: str | None, column: str, value: str, rule: str) -> Exception:
    """The core's ``InvalidCellError`` (its message format and attributes) for a cell found
    by a Spark job, without a row (a Spark DataFrame's rows have no numbers)."""
    qualified = column if table is None else f"{table}.{column}"
    err = _native.InvalidCellError(f"invalid value in column `{qualified}` ({value}): {rule}")
    err.table, err.column, err.value, err.rule = table, column, value, rule
    return err


def quote(name: str) -> str:
    """A column name as Spark SQL reads it literally: backticks (doubled inside), so a dot
    or any other character is part of the name."""
    return "`" + name.replace("`", "``") + "`"


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
    Spark job of its own) runs next. A core error raised in a partition reaches the caller
    as itself (:func:`typed_error`), not as pyspark's ``PythonException``."""
    cols = dict(columns or {})
    given = [i.df for i in inputs if i is not None and i.df is not None]
    if not given:
        raise _native.invalid_argument("data", "give at least one DataFrame")
    spark = given[0].sparkSession
    inputs = [None if i is None or i.df is None else Input(numeric(i.df), i.route) for i in inputs]
    empty_state = check(kind, inputs, options, cols)
    schema = empty_state.schema
    ids = id_columns(kind, inputs, cols, record_id)
    n = whole(buckets, "buckets") if buckets is not None else default_buckets(spark)
    if n < 1:
        raise _native.invalid_argument("buckets", f"must be at least 1 (got {n})")
    if before is not None:
        before()
    # One pass over the data: the merge and the listing both read the persisted partials.
    partial = states(kind, inputs, options, cols, schema, n, udf, ids).persist()
    try:
        return _finish(spark, partial, schema, empty_state, finalize, collect_result)
    except _native.CollabMetricsError:
        raise
    except Exception as e:
        typed = typed_error(e)
        if typed is None:
            raise
        raise typed from e
    finally:
        partial.unpersist()


def _finish(
    spark: Any,
    partial: Any,
    schema: pa.Schema,
    empty_state: pa.Table,
    finalize: Mapping[str, Any] | None,
    collect_result: bool,
) -> tuple[Any, Any]:
    """:func:`run`'s Spark jobs: the merge, the finish and the listing of the partials."""
    from pyspark.sql import functions as F

    state_rows = partial.where(F.col(ROW) == "state")
    merged = collect(merge(state_rows, schema), schema, state_names(schema))
    if empty_state.num_rows:
        # The rows every input has, even an empty one (no partition emits a state then).
        merged = _native.state_merge([merged, empty_state])
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
