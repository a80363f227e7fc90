"""Mergeable states: every aggregate built per partition, merged, and finished.

A state is a table whose columns each name their merge operation in their Arrow field
metadata (``collabmetrics:merge``: ``key``, ``sum`` or ``max``), so any engine's ``GROUP BY``
on the key columns with ``SUM``/``MAX`` of the others merges states, as :func:`merge` does.
Its schema metadata carries the kind, the options it was built with and their fingerprint:
merging states of other options, or a state missing a column, is an error, and
:func:`finalize` needs nothing but the state. Finishing the merge of any split of an input
gives the one-machine result bit for bit (groups ordered by their keys), because the
one-machine functions compute from the same tallies. The method is written up in
``docs/methods/state.md``.

States are built by :func:`collabmetrics.oap.state`, :func:`collabmetrics.transition.state`,
:func:`collabmetrics.distance.state`, :func:`collabmetrics.dsr_state`,
:func:`collabmetrics.isr_state`, :func:`collabmetrics.mean_state` and
:func:`collabmetrics.inequality.state`, and come back as the same kind of frame as their
input. A pandas state keeps its Arrow schema in ``DataFrame.attrs`` and its columns as Arrow
types; a polars state as an attribute of the DataFrame object; a table merged by another
engine gets it back with ``schema=``.

Example:
    >>> import pyarrow as pa, collabmetrics as cm
    >>> a = cm.mean_state(pa.table({"value": [1.0, 2.0]}))
    >>> b = cm.mean_state(pa.table({"value": [3.0, 4.0, 5.0]}))
    >>> m = cm.finalize(cm.merge([a, b]))
    >>> m.column("value").to_pylist(), m.column("value_count").to_pylist()
    ([3.0], [5.0])
    >>> m.equals(cm.mean(pa.table({"value": [1.0, 2.0, 3.0, 4.0, 5.0]})))
    True
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pyarrow as pa

from . import _native
from ._frames import ATTRS_KEY, Frame, from_arrow, imported, to_arrow
from ._frames import with_diagnostics as _with_diagnostics

__all__ = ["LISTING_COLUMNS", "MERGE_KEY", "finalize", "kind", "merge", "options", "schema"]

#: The field metadata key naming a state column's merge operation.
MERGE_KEY: str = _native.STATE_MERGE_KEY
_KIND_KEY: str = _native.STATE_KIND_KEY
_OPTIONS_KEY: str = _native.STATE_OPTIONS_KEY
#: The columns of a state's listing of flagged records (``listing=True``): ``table``, the
#: input table (``placements``, ``admissions``, ``persons``, ``referrals``, ``contacts``,
#: ``care_plans``, or ``data`` for a one-table function), ``row``, the record's row in it
#: (0-based), and its diagnostic's ``reason`` and ``action``. A reason's count in the state's
#: diagnostics is its number of rows here.
LISTING_COLUMNS: tuple[str, ...] = ("table", "row", "reason", "action")
#: The attribute of a polars state that holds its Arrow schema.
_POLARS_ATTRIBUTE = "_collabmetrics_state_schema"


def _is_pandas(obj: object) -> bool:
    pd = imported("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _is_polars(obj: object) -> bool:
    pl = imported("polars")
    return pl is not None and isinstance(obj, pl.DataFrame)


def _saved_schema(frame: Frame) -> pa.Schema | None:
    raw: Any = None
    if _is_pandas(frame):
        raw = frame.attrs.get(ATTRS_KEY, {}).get("state_schema")
    elif _is_polars(frame):
        raw = getattr(frame, _POLARS_ATTRIBUTE, None)
    return None if raw is None else pa.ipc.read_schema(pa.py_buffer(base64.b64decode(raw)))


def table(state: Frame, schema: pa.Schema | None = None) -> pa.Table:
    """A state as a pyarrow Table with its schema: as it is (pyarrow), or restored from the
    frame (pandas, polars) or from ``schema`` (a state merged by another engine, which keeps
    the columns but not the metadata)."""
    saved = schema if schema is not None else _saved_schema(state)
    t, _ = to_arrow(state, "state")
    if saved is None:
        return t
    if all(name in t.column_names for name in saved.names):
        t = t.select(saved.names)
    # Each column typed and named as saved, but a key column that does not cast keeps its
    # own type: states whose keys were stored differently merge into a common type
    # (`merge`), which the schema of any one part need not have (text beside a part's all-null
    # keys, 300 beside a part's int8). A column missing from the table is left for the core to
    # name.
    restored = [_restored(saved, t.column(n), t.schema.field(n)) for n in t.column_names]
    fields = [field for field, _ in restored]
    return pa.Table.from_arrays(
        [column for _, column in restored], schema=pa.schema(fields, metadata=saved.metadata)
    )


_CAST_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


def _restored(
    saved: pa.Schema, column: pa.ChunkedArray, found: pa.Field
) -> tuple[pa.Field, pa.ChunkedArray]:
    """The saved field of ``found``'s name and the column cast to it; ``found``'s type kept
    for a key that will not cast to the saved one; ``found`` itself when the schema has no
    such column. A count that will not cast is an error naming it."""
    if found.name not in saved.names:
        return found, column
    field = saved.field(found.name)
    try:
        return field, column.cast(field.type)
    except _CAST_ERRORS as e:
        if (field.metadata or {}).get(MERGE_KEY.encode()) == b"key":
            return field.with_type(found.type), column
        raise _native.invalid_argument(
            "state", f"column `{found.name}` cannot be read as the state's {field.type} ({e})"
        ) from e


def out(state: pa.Table, like: str) -> Any:
    """A state table as the caller's kind of frame, its schema kept with it (as base64 text
    of the Arrow IPC schema)."""
    saved = base64.b64encode(state.schema.serialize().to_pybytes()).decode()
    if like == "pandas":
        import pandas as pd

        frame = state.to_pandas(types_mapper=pd.ArrowDtype)
        frame.attrs[ATTRS_KEY] = {"state_schema": saved}
        return frame
    if like == "polars":
        import polars as pl

        frame = pl.from_arrow(state)
        setattr(frame, _POLARS_ATTRIBUTE, saved)
        return frame
    return state


def build(
    kind_: str,
    tables: Sequence[Frame | None],
    options_: Mapping[str, Any],
    columns: Mapping[str, str] | None = None,
    listing: bool = False,
) -> Any:
    """The state of ``kind_`` over a partition's tables (the first given sets the kind of
    frame returned), with the core's options as a mapping of their names; with ``listing``,
    ``(state, listing)``, the listing of every flagged record (see :data:`LISTING_COLUMNS`)
    as the same kind of frame."""
    arrow: list[pa.Table | None] = []
    like = "pyarrow"
    for i, t in enumerate(tables):
        if t is None:
            arrow.append(None)
            continue
        a, k = to_arrow(t)
        if all(x is None for x in arrow[:i]):
            like = k
        arrow.append(a)
    built = _native.state_build(
        kind_, arrow, json.dumps(dict(options_)), dict(columns or {}), listing
    )
    if listing:
        state, flagged = built
        return out(state, like), _listing_out(flagged, like)
    return out(built, like)


def _listing_out(listing: pa.Table, like: str) -> Any:
    """A listing as the caller's kind of frame (a plain table: no diagnostics of its own)."""
    if like == "pandas":
        return listing.to_pandas()
    if like == "polars":
        import polars as pl

        return pl.from_arrow(listing)
    return listing


def merge(states: Sequence[Frame], *, schema: pa.Schema | None = None) -> Any:
    """Merges states of one kind built with the same options: rows with equal keys become
    one, ``sum`` columns added, ``max`` columns their largest value, ordered by the keys. The
    result is the same kind of frame as the first state.

    Raises:
        InvalidArgumentError: no state, a table that is not a state, states of other kinds
            or options (their fingerprints differ).
        MissingColumnError, ColumnTypeError: a state whose columns differ from the first's,
            naming it (``state 2``) and the column.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> s = cm.merge([cm.dsr_state(t) for t in []] or [cm.mean_state([1.0, 2.0])])
        >>> cm.state.kind(s)
        'mean'
    """
    if not states:
        raise _native.invalid_argument("states", "give at least one state to merge")
    _, like = to_arrow(states[0], "states")
    merged = _native.state_merge([table(s, schema) for s in states])
    return out(merged, like)


def finalize(
    state: Frame,
    *,
    population: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    curve: Literal["kaplan_meier", "aalen_johansen"] | None = None,
    schema: pa.Schema | None = None,
    with_diagnostics: bool = False,
) -> Any:
    """Finishes a state (merged or not) with the options it carries: the one-machine result
    on the whole input, bit for bit, its groups ordered by their keys and its diagnostics
    without first rows (a state has no row numbers across partitions).

    Args:
        state: a state, as built by a ``state`` function and merged by :func:`merge` (or by
            any engine's ``GROUP BY``; then give its ``schema``).
        population: an OAP state's population table, for the rates.
        columns: our column names to yours, for ``population``.
        curve: a transition state's time-to-contact curve of cohort T (``"kaplan_meier"`` or
            ``"aalen_johansen"``) instead of its summary.
        schema: the state's schema, when the state lost it (see :func:`schema`).
        with_diagnostics: return ``(result, diagnostics(result))``.
    """
    t = table(state, schema)
    _, like = to_arrow(state, "state")
    # `is not None`: a frame has no truth value (pandas and polars refuse `bool(frame)`).
    pop = None if population is None else to_arrow(population, "population")[0]
    result = _native.state_finalize(t, pop, dict(columns or {}), curve)
    return _with_diagnostics(from_arrow(result, like), with_diagnostics)


def schema(state: Frame) -> pa.Schema:
    """A state's Arrow schema (with its metadata): what :func:`merge` and :func:`finalize`
    need back when another engine has merged the state."""
    return table(state).schema


def kind(state: Frame) -> str:
    """A state's kind: ``oap``, ``transition``, ``distance_summary``, ``dsr``, ``isr``,
    ``mean`` or ``inequality``."""
    meta = table(state).schema.metadata or {}
    raw = meta.get(_KIND_KEY.encode())
    if raw is None:
        raise _native.invalid_argument("state", "not a collabmetrics state")
    return str(raw.decode())


def options(state: Frame) -> dict[str, Any]:
    """The options a state was built with, by the core's names."""
    meta = table(state).schema.metadata or {}
    raw = meta.get(_OPTIONS_KEY.encode())
    if raw is None:
        raise _native.invalid_argument("state", "not a collabmetrics state")
    result: dict[str, Any] = json.loads(raw)
    return result
