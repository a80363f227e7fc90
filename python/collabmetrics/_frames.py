"""Frame round trips: any Arrow-exporting frame in, the same kind of frame out.

Only conversion lives here; every number is computed by the Rust core.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any, Protocol, Union

import numpy as np
import pyarrow as pa

from ._native import DIAGNOSTICS_KEY, CollabMetricsError


class ArrowStreamExportable(Protocol):
    """Anything that exports the Arrow PyCapsule stream interface (pyarrow, polars, duckdb)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


#: A frame: pyarrow Table or RecordBatch, polars or pandas DataFrame, or any object with
#: ``__arrow_c_stream__``.
Frame = Any
#: Numbers: a scalar, a sequence, a numpy array, a pandas/polars Series or a pyarrow array.
Numbers = Union[float, int, Sequence[float], "np.ndarray[Any, Any]", pa.Array, pa.ChunkedArray, Any]


#: A date: ``datetime.date`` or ``datetime.datetime``, an ISO 8601 string, a numpy
#: ``datetime64`` or a pandas ``Timestamp``.
DateLike = Union[dt.date, str, Any]
_EPOCH = dt.date(1970, 1, 1)


def days(value: DateLike, name: str) -> int:
    """A date (``datetime.date``/``datetime``, ISO string, numpy or pandas) as days since 1970."""
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value)[:10])
        except ValueError as e:
            raise CollabMetricsError(
                f"invalid argument `{name}`: not a date ({value!r}); use YYYY-MM-DD"
            ) from e
    return (value - _EPOCH).days


def diagnostics(table: pa.Table) -> list[dict[str, Any]]:
    """The diagnostics a collabmetrics result carries in its schema metadata.

    Each entry has ``reason``, ``action``, ``count`` and ``first_row`` (the first input row the
    rule applied to).
    """
    raw = (table.schema.metadata or {}).get(DIAGNOSTICS_KEY.encode())
    return [] if raw is None else list(json.loads(raw))


def _is_pandas(obj: object) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _is_polars(obj: object) -> bool:
    pl = sys.modules.get("polars")
    return pl is not None and isinstance(obj, pl.DataFrame)


def to_arrow(frame: Frame) -> tuple[pa.Table, str]:
    """The frame as a pyarrow Table (zero-copy where the frame allows) and its kind."""
    if isinstance(frame, pa.Table):
        return frame, "pyarrow"
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame]), "pyarrow"
    if _is_pandas(frame):
        return pa.Table.from_pandas(frame, preserve_index=False), "pandas"
    if _is_polars(frame):
        return frame.to_arrow(), "polars"
    if hasattr(frame, "__arrow_c_stream__"):
        return pa.table(frame), "pyarrow"
    raise TypeError(
        f"expected a frame (pyarrow, polars or pandas, or any object with __arrow_c_stream__), "
        f"got {type(frame).__name__}"
    )


def from_arrow(table: pa.Table, kind: str) -> Frame:
    """The result table converted back to the caller's kind of frame."""
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    return table


def _is_series(obj: object) -> bool:
    """Column-like objects, which export Arrow too but are vectors, not frames."""
    if isinstance(obj, (pa.Array, pa.ChunkedArray, np.ndarray)):
        return True
    pd, pl = sys.modules.get("pandas"), sys.modules.get("polars")
    return (pd is not None and isinstance(obj, pd.Series)) or (
        pl is not None and isinstance(obj, pl.Series)
    )


def is_frame(obj: object) -> bool:
    """True for the frames :func:`to_arrow` accepts."""
    if _is_series(obj):
        return False
    return (
        isinstance(obj, (pa.Table, pa.RecordBatch))
        or _is_pandas(obj)
        or _is_polars(obj)
        or hasattr(obj, "__arrow_c_stream__")
    )


def vector(x: Numbers, name: str) -> pa.Array:
    """Numbers as one Arrow array; None becomes null (which the core refuses by row)."""
    if isinstance(x, pa.ChunkedArray):
        return x.combine_chunks()
    if isinstance(x, pa.Array):
        return x
    if np.isscalar(x) or x is None:
        x = [x]
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(x, pd.Series):
        return pa.Array.from_pandas(x)
    if hasattr(x, "to_arrow"):  # polars Series
        arr = x.to_arrow()
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise CollabMetricsError(
                f"invalid argument `{name}`: expected one dimension, got {x.ndim}"
            )
        if x.dtype.kind in "iuf":
            return pa.array(x)
    try:
        return pa.array(x, type=pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as e:
        raise CollabMetricsError(
            f"invalid argument `{name}`: not a sequence of numbers ({e})"
        ) from e


def vectors(**columns: Numbers) -> pa.Table:
    """Parallel vectors as one table; length-1 inputs are broadcast to the others' length."""
    arrays = {name: vector(x, name) for name, x in columns.items()}
    n = max(len(a) for a in arrays.values())
    first = next(iter(arrays))
    for name, a in arrays.items():
        if len(a) == 1 and n > 1:
            arrays[name] = pa.repeat(a[0], n)
        elif len(a) != n:
            raise CollabMetricsError(
                f"length mismatch: `{name}` has {len(a)} elements but `{first}` has "
                f"{len(arrays[first])}"
            )
    return pa.table(arrays)


def levels(confidence: float | Sequence[float]) -> list[float]:
    """One confidence level or several (PHE publishes 95% and 99.8% side by side)."""
    if isinstance(confidence, (int, float)):
        return [float(confidence)]
    out = [float(c) for c in confidence]
    if not out:
        raise CollabMetricsError("invalid argument `confidence`: no level given")
    return out


def group_names(by: str | Sequence[str] | None) -> list[str]:
    """``by`` as a list of column names."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)
