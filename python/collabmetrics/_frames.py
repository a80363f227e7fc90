"""Frame round trips: any Arrow-exporting frame in, the same kind of frame out, with the
result's diagnostics.

Only conversion lives here; every number, rule, message and default comes from the Rust core.

Diagnostics (records a documented rule excluded, repaired or flagged, by reason) travel with
each result: in a pyarrow result's schema metadata (key ``collabmetrics:diagnostics``, as C
gets them), in a pandas result's ``DataFrame.attrs["collabmetrics"]["diagnostics"]`` (pandas
carries ``attrs`` through most operations), and, since polars frames have no metadata, as an
attribute of the polars DataFrame object collabmetrics returns (a frame derived from it, by
``filter`` or ``select``, does not carry them). :func:`diagnostics` reads all three.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Protocol, TypeVar, Union

import numpy as np
import pyarrow as pa

from . import _native
from ._native import DIAGNOSTICS_KEY

if TYPE_CHECKING:
    from .display import Diagnostics


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

T = TypeVar("T")
_EPOCH = dt.date(1970, 1, 1)

#: Where a pandas result keeps its diagnostics: ``df.attrs[ATTRS_KEY]["diagnostics"]``.
ATTRS_KEY = "collabmetrics"
#: The attribute of a polars result that holds its diagnostics.
_POLARS_ATTRIBUTE = "_collabmetrics_diagnostics"
#: The schema metadata key (value ``true``) of the demo's invented data, carried by results
#: computed from it (pandas: ``attrs["collabmetrics"]["synthetic"]``).
SYNTHETIC_KEY = "synthetic"
_POLARS_SYNTHETIC = "_collabmetrics_synthetic"
#: A result's roles (which columns are counts, which values derive from them: what
#: ``disclose`` reads), kept as the schema metadata's JSON text with the result's column names:
#: pandas ``attrs["collabmetrics"]["roles"]``, the polars result object's attribute.
_ROLES_ATTRS = "roles"
_POLARS_ROLES = "_collabmetrics_roles"
ROLES_KEY = _native.ROLES_KEY.encode()


def imported(name: str) -> Any:
    """The module ``name`` if the program has imported it, else None (the frames of a library
    not imported cannot be among the arguments). A module another thread is still importing
    counts as not imported: its classes may not exist yet, and no object of them does."""
    module = sys.modules.get(name)
    if getattr(getattr(module, "__spec__", None), "_initializing", False):
        return None
    return module


def days(value: DateLike, name: str) -> int:
    """A date (``datetime.date``/``datetime``, ISO string, numpy or pandas) as days since 1970.

    Text is read by the core (``YYYY-MM-DD``, optionally followed by a time); anything else
    (``pandas.NaT`` and numpy's ``NaT`` included) is an ``InvalidArgumentError`` naming
    ``name``.
    """
    pd = imported("pandas")
    if pd is not None and value is pd.NaT:
        # NaT passes for a datetime but has no date: the core refuses it as numpy's NaT.
        value = "NaT"
    try:
        if hasattr(value, "to_pydatetime"):  # pandas Timestamp
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return (value - _EPOCH).days
    except (TypeError, ValueError, OverflowError) as e:
        raise _native.invalid_argument(name, f"not a date ({value!r}: {e})") from e
    return int(_native.parse_date(str(value), name))


def month_or_date(value: DateLike, name: str) -> int:
    """A reporting month or a date: any date in it, or as text ``"YYYY-MM"`` for its first day
    (as the command line reads ``--start``, ``--end`` and ``--rebase``)."""
    if isinstance(value, str):
        return int(_native.parse_month(value, name))
    return days(value, name)


def date_of(days_since_epoch: int) -> dt.date:
    """Days since 1970-01-01 (the core's dates) as a ``datetime.date``."""
    return _EPOCH + dt.timedelta(days=days_since_epoch)


def diagnostics(result: Frame) -> Diagnostics:
    """The diagnostics of a collabmetrics result: pyarrow, pandas or polars.

    Each entry has ``reason`` (a stable key, e.g. ``"unknown_reason_code"``), ``action`` (what
    the rule did), ``count`` and ``first_row`` (the first input row the rule applied to, or
    None). An empty list means no record was set aside. A frame that carries none (not a
    collabmetrics result, or a polars frame derived from one) is an ``InvalidArgumentError``:
    lost diagnostics are not reported as "nothing set aside".

    Example:
        >>> import pandas as pd, collabmetrics as cm
        >>> t = cm.distance.summary(pd.DataFrame({"distance_km": [3.0, None]}), nulls="propagate")
        >>> [(d["reason"], d["count"], d["first_row"]) for d in cm.diagnostics(t)]
        [('missing_distance', 1, 1)]
        >>> t.attrs["collabmetrics"]["diagnostics"] == cm.diagnostics(t)
        True
    """
    found: Any = None
    if isinstance(result, (pa.Table, pa.RecordBatch)):
        raw = (result.schema.metadata or {}).get(DIAGNOSTICS_KEY.encode())
        found = None if raw is None else json.loads(raw)
    elif _is_pandas(result):
        found = result.attrs.get(ATTRS_KEY, {}).get("diagnostics")
    elif _is_polars(result):
        found = getattr(result, _POLARS_ATTRIBUTE, None)
    else:
        raise TypeError(
            f"expected a collabmetrics result (pyarrow, pandas or polars), got {type(result).__name__}"
        )
    if found is None:
        raise _native.invalid_argument(
            "result",
            "carries no collabmetrics diagnostics: pass the frame a collabmetrics function "
            "returned (a polars frame derived from it by filter or select loses them)",
        )
    from .display import Diagnostics

    return Diagnostics(dict(d) for d in found)


def _is_pandas(obj: object) -> bool:
    pd = imported("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _is_polars(obj: object) -> bool:
    pl = imported("polars")
    return pl is not None and isinstance(obj, pl.DataFrame)


def _is_lazy(obj: object) -> bool:
    pl = imported("polars")
    return pl is not None and isinstance(obj, pl.LazyFrame)


def _refuse_lazy(obj: object, name: str) -> None:
    """A polars LazyFrame is a query, not data: running it is the caller's choice (it may be
    long, or stream), so it is refused, an ``InvalidArgumentError`` naming ``name``."""
    if _is_lazy(obj):
        raise _native.invalid_argument(
            name, "a polars LazyFrame is a query, not data: pass `.collect()` of it"
        )


def _conversion_error(name: str, error: Exception, column: str | None = None) -> Exception:
    """An ``InvalidArgumentError`` naming ``name`` (and, in ``column``, the column where
    known) for input pyarrow cannot convert, with pyarrow's own message."""
    detail = error.args[0] if error.args else error
    where = "" if column is None else f"column `{column}`: "
    err = _native.invalid_argument(name, f"{where}cannot be read ({detail})")
    err.column = column
    return err


def _native_byte_order(frame: Any) -> Any:
    """A pandas frame with its byte-swapped (big-endian) numpy columns in native order, which
    pyarrow cannot read as they are (the values are unchanged)."""
    swapped = {
        c: d.newbyteorder("=")
        for c, d in frame.dtypes.items()
        if isinstance(d, np.dtype) and not d.isnative
    }
    return frame.astype(swapped) if swapped else frame


def _periods_as_dates(table: pa.Table) -> pa.Table:
    """Columns of pandas' ``Period`` extension type (``df.date.dt.to_period("M")``, kept by
    ``pa.Table.from_pandas``) as the dates their periods start on, a month as its first day
    (``Series.dt.to_timestamp()``); periods shorter than a day as timestamps. Their storage is
    a bare count of periods since 1970, which would be read as a number (months 648 and 649
    for January and February 2024)."""
    for i, field in enumerate(table.schema):
        kind = field.type
        if not (isinstance(kind, pa.ExtensionType) and kind.extension_name == "pandas.period"):
            continue
        starts = table.column(i).to_pandas().dt.to_timestamp()
        values = pa.array(starts)
        if (starts.isna() | (starts == starts.dt.normalize())).all():
            values = values.cast(pa.date32())
        table = table.set_column(i, field.name, values)
    return table


def _from_pandas(frame: Any, name: str) -> pa.Table:
    """A pandas frame as a pyarrow Table; a column pyarrow cannot convert (text among
    numbers, say) is an ``InvalidArgumentError`` naming ``name`` and the column."""
    frame = _native_byte_order(frame)
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as e:
        arrays = []
        for i, column in enumerate(frame.columns):
            try:
                arrays.append(pa.Array.from_pandas(frame.iloc[:, i]))
            except (pa.ArrowException, TypeError, ValueError) as ce:
                raise _conversion_error(name, ce, str(column)) from e
        if not frame.columns.has_duplicates:
            raise _conversion_error(name, e) from e
        # pyarrow refuses two columns of one name; the core's error names the column.
        table = pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])
    return table


def to_arrow(frame: Frame, name: str = "frame") -> tuple[pa.Table, str]:
    """The frame as a pyarrow Table (zero-copy where the frame allows) and its kind.

    A frame pyarrow cannot read (a pandas column of mixed types, say) is an
    ``InvalidArgumentError`` naming the argument ``name`` and, where known, the column; so is
    a polars LazyFrame (collect it first). Anything but a frame is a ``TypeError``. pandas
    ``Period`` columns are read as the dates their periods start on.
    """
    table, kind = _to_arrow(frame, name)
    return _periods_as_dates(table), kind


def _to_arrow(frame: Frame, name: str) -> tuple[pa.Table, str]:
    """:func:`to_arrow` before the period columns are read as dates."""
    if isinstance(frame, pa.Table):
        return frame, "pyarrow"
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame]), "pyarrow"
    if _is_pandas(frame):
        return _with_roles(_from_pandas(frame, name), frame), "pandas"
    _refuse_lazy(frame, name)
    try:
        if _is_polars(frame):
            return _with_roles(frame.to_arrow(), frame), "polars"
        if hasattr(frame, "__arrow_c_stream__"):
            return pa.table(frame), "pyarrow"
    except (pa.ArrowException, TypeError, ValueError) as e:
        raise _conversion_error(name, e) from e
    raise TypeError(
        f"expected a frame (pyarrow, polars or pandas, or any object with __arrow_c_stream__), "
        f"got {type(frame).__name__}"
    )


def _roles(frame: object) -> tuple[str, list[str]] | None:
    """The roles a pandas or polars result was given by :func:`from_arrow`, with the columns
    it had then, if any."""
    if _is_pandas(frame):
        found = getattr(frame, "attrs", {}).get(ATTRS_KEY, {}).get(_ROLES_ATTRS)
    else:
        found = getattr(frame, _POLARS_ROLES, None)
    if isinstance(found, (tuple, list)) and len(found) == 2 and isinstance(found[0], str):
        return found[0], list(found[1])
    return None


def _with_roles(table: pa.Table, frame: object) -> pa.Table:
    """``table`` with the roles of the result ``frame`` came from back in its schema, so
    ``disclose`` reads a pandas or polars result as it reads the pyarrow one. Only while the
    frame has exactly the result's columns: pandas keeps ``attrs`` through a rename or an added
    column, and roles that no longer describe the columns (a percentage renamed, so the roles'
    ``value`` is gone and the renamed column would be published as it is) must not be read;
    ``disclose`` then asks for the count and derived columns by name."""
    found = _roles(frame)
    meta = table.schema.metadata or {}
    if found is None or ROLES_KEY in meta or found[1] != table.column_names:
        return table
    return table.replace_schema_metadata({**meta, ROLES_KEY: found[0].encode()})


def is_synthetic(frame: object) -> bool:
    """True for the demo's invented tables and for results computed from them (the flag
    travels in the schema metadata, pandas ``attrs`` or the polars result object)."""
    if isinstance(frame, (pa.Table, pa.RecordBatch)):
        meta = frame.schema.metadata or {}
        return meta.get(SYNTHETIC_KEY.encode()) == b"true"
    if _is_pandas(frame):
        return bool(getattr(frame, "attrs", {}).get(ATTRS_KEY, {}).get(SYNTHETIC_KEY, False))
    return bool(getattr(frame, _POLARS_SYNTHETIC, False))


def _nullable_dtype(t: pa.DataType) -> Any:
    """pandas' nullable dtype of an Arrow integer or boolean type (``Int64``, ``boolean``,
    ...), None for other types."""
    import pandas as pd

    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    if pa.types.is_integer(t):
        return pd.api.types.pandas_dtype(str(t).replace("int", "Int").replace("uInt", "UInt"))
    return None


def _to_pandas(table: pa.Table) -> Any:
    """The table as a pandas DataFrame. Integer and boolean columns with nulls get pandas'
    nullable dtypes (``Int64``, ``boolean``, ...): numpy would make them float64, rounding
    integers beyond 2^53, or object. Columns without nulls keep numpy's dtypes."""
    frame = table.to_pandas()
    for i, column in enumerate(table.columns):
        dtype = _nullable_dtype(column.type) if column.null_count else None
        if dtype is not None:
            frame.isetitem(i, column.to_pandas(types_mapper={column.type: dtype}.get))
    return frame


def from_arrow(
    table: pa.Table, kind: str, sources: Sequence[object] = (), index_of: object = None
) -> Any:
    """The result table converted back to the caller's kind of frame, with its diagnostics
    (and the SYNTHETIC flag when any of the ``sources`` it was computed from has it).

    ``index_of``: the input frame of a result with one row per input row, in input order; a
    pandas result then keeps that frame's index (so it aligns with the input), when the row
    counts match.
    """
    synthetic = any(is_synthetic(s) for s in sources)
    if synthetic:
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), SYNTHETIC_KEY.encode(): b"true"}
        )
    roles = (table.schema.metadata or {}).get(ROLES_KEY)
    if kind == "pandas":
        frame = _to_pandas(table)
        if _is_pandas(index_of) and len(index_of.index) == len(frame):  # type: ignore[attr-defined]
            frame.index = index_of.index  # type: ignore[attr-defined]
            _restore_labels(frame, index_of)
        frame.attrs[ATTRS_KEY] = {"diagnostics": diagnostics(table)}
        if synthetic:
            frame.attrs[ATTRS_KEY][SYNTHETIC_KEY] = True
        if roles is not None:
            frame.attrs[ATTRS_KEY][_ROLES_ATTRS] = (roles.decode(), table.column_names)
        return frame
    if kind == "polars":
        import polars as pl

        frame = pl.from_arrow(table)
        setattr(frame, _POLARS_ATTRIBUTE, diagnostics(table))
        if synthetic:
            setattr(frame, _POLARS_SYNTHETIC, True)
        if roles is not None:
            setattr(frame, _POLARS_ROLES, (roles.decode(), table.column_names))
        return frame
    return table


def _restore_labels(frame: Any, source: Any) -> None:
    """The caller's own column labels (``7``, ``("a", "b")``) on the columns a row-for-row
    result repeats from ``source``: pyarrow turned them into text (``"7"``)."""
    import pandas as pd

    labels = list(source.columns)
    n = len(labels)
    if isinstance(source.columns, pd.MultiIndex) or all(isinstance(c, str) for c in labels):
        return
    if [str(c) for c in labels] == list(frame.columns[:n]):
        frame.columns = pd.Index(
            labels + list(frame.columns[n:]), dtype=object, tupleize_cols=False
        )


def with_diagnostics(result: Frame, wanted: bool) -> Any:
    """``(result, diagnostics(result))`` when ``wanted`` (the ``with_diagnostics=True``
    shortcut of the table functions), else ``result``."""
    return (result, diagnostics(result)) if flag(wanted, "with_diagnostics") else result


def _is_series(obj: object) -> bool:
    """Column-like objects, which export Arrow too but are vectors, not frames."""
    if isinstance(obj, (pa.Array, pa.ChunkedArray, np.ndarray)):
        return True
    pd, pl = imported("pandas"), imported("polars")
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
        or _is_lazy(obj)  # which to_arrow refuses with a clear message
        or hasattr(obj, "__arrow_c_stream__")
    )


def _refuse_unordered(x: object, name: str) -> None:
    """A set (or a mapping) has no order, so its values cannot line up with other vectors;
    text is not a sequence of numbers: both are an ``InvalidArgumentError`` naming ``name``."""
    if isinstance(x, (set, frozenset, Mapping)):
        raise _native.invalid_argument(
            name, f"a {type(x).__name__} has no order; pass a list, tuple, array or series"
        )
    if isinstance(x, (str, bytes)):
        raise _native.invalid_argument(name, f"expected numbers, got the text {x!r}")


def vector(x: Numbers, name: str) -> pa.Array:
    """Numbers as one Arrow array; None becomes null (which the core refuses by row). A set
    (no order), text, a polars LazyFrame or anything pyarrow cannot read as numbers (numpy
    dates, complex numbers) is an ``InvalidArgumentError`` naming ``name``. Booleans are not
    counts: ``True``, a numpy boolean array or a list of booleans is a boolean column, which
    the core refuses (a ``ColumnTypeError``, as for a boolean Series); a list mixing booleans
    and numbers is an ``InvalidArgumentError``."""
    if isinstance(x, pa.ChunkedArray):
        return x.combine_chunks()
    if isinstance(x, pa.Array):
        return x
    _refuse_unordered(x, name)
    _refuse_lazy(x, name)
    try:
        return _array(x, name)
    except _native.CollabMetricsError:
        raise
    except (pa.ArrowException, TypeError, ValueError, OverflowError) as e:
        raise _native.invalid_argument(name, f"not a sequence of numbers ({e})") from e


def _array(x: Numbers, name: str) -> pa.Array:
    """:func:`vector` of anything but Arrow arrays (pyarrow's errors left to it)."""
    if np.isscalar(x) or x is None:
        x = [x]
    pd = imported("pandas")
    if pd is not None and isinstance(x, pd.Series):
        return pa.Array.from_pandas(x)
    if hasattr(x, "to_arrow"):  # polars Series
        arr = x.to_arrow()
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise _native.invalid_argument(name, f"expected one dimension, got {x.ndim}")
        if not x.dtype.isnative:  # big-endian: pyarrow reads native byte order only
            x = x.astype(x.dtype.newbyteorder("="))
        if x.dtype.kind in "iufb":  # booleans stay boolean, for the core to refuse
            return pa.array(x)
        if x.dtype.kind == "O":  # Python objects: checked as a list is
            x = x.tolist()
    if isinstance(x, Sequence):
        flags = [isinstance(v, (bool, np.bool_)) for v in x]
        if any(flags):
            if all(f or v is None for f, v in zip(flags, x)):
                return pa.array(x, type=pa.bool_())
            i = flags.index(True)
            raise _native.invalid_argument(
                name, f"element {i} is a boolean ({x[i]!r}), not a number"
            )
    return pa.array(x, type=pa.float64())


def _check_indexes(columns: Mapping[str, object]) -> None:
    """Parallel pandas Series must share one index: they are paired by position, and pandas
    users expect pairing by label, so two indexes that differ are an ``InvalidArgumentError``
    rather than rows silently paired with the wrong rows."""
    pd = imported("pandas")
    if pd is None:
        return
    series = [(n, x) for n, x in columns.items() if isinstance(x, pd.Series) and len(x) != 1]
    for name, x in series[1:]:
        first, ref = series[0]
        if not x.index.equals(ref.index):
            raise _native.invalid_argument(
                name,
                f"its pandas index differs from `{first}`'s; Series are paired by position, so "
                f"align them first (e.g. `{name}.reindex({first}.index)`) or pass `.to_numpy()`",
            )


def vectors(**columns: Numbers) -> pa.Table:
    """Parallel vectors as one table; length-1 inputs are broadcast to the others' length (the
    core's rule: the first argument whose length is not 1 is the reference). pandas Series
    must share one index (:func:`_check_indexes`)."""
    _check_indexes(columns)
    arrays = {name: vector(x, name) for name, x in columns.items()}
    n = _native.broadcast_len([(name, len(a)) for name, a in arrays.items()])
    for name, a in arrays.items():
        if len(a) != n:
            arrays[name] = pa.repeat(a[0], n)
    return pa.table(arrays)


def same_length(**columns: Numbers | None) -> pa.Table:
    """Parallel vectors of one length as one table (None: the column is left out); pandas
    Series must share one index."""
    _check_indexes(columns)
    arrays = {name: vector(x, name) for name, x in columns.items() if x is not None}
    first, ref = next(iter(arrays.items()))
    for name, a in arrays.items():
        _native.check_len(name, len(a), first, len(ref))
    return pa.table(arrays)


def number(x: object, name: str) -> float:
    """One number (int, float or a numpy number), or an ``InvalidArgumentError`` naming
    ``name`` (text such as ``"0.95"`` is not read as a number, nor ``True`` as 1)."""
    if isinstance(x, (bool, np.bool_, str, bytes)) or not isinstance(x, (int, float, np.number)):
        raise _native.invalid_argument(name, f"must be a number, got {type(x).__name__} {x!r}")
    return float(x)


def finite(x: object, name: str) -> float:
    """:func:`number`, and finite: for options that travel to the core as JSON, which has no
    NaN or infinity (the core's own range checks name the option for the rest)."""
    out = number(x, name)
    if not math.isfinite(out):
        raise _native.invalid_argument(name, f"must be a finite number, got {out!r}")
    return out


def optional(check: Callable[[Any, str], T], x: object, name: str) -> T | None:
    """``x`` read by ``check`` (:func:`number`, :func:`finite`, :func:`flag`, :func:`whole`),
    or ``None`` (the option's documented "not given")."""
    return None if x is None else check(x, name)


def flag(x: object, name: str) -> bool:
    """``True`` or ``False`` (a numpy bool too), or an ``InvalidArgumentError`` naming
    ``name``: ``bool("false")`` is ``True``, so text, numbers and ``None`` are refused."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    raise _native.invalid_argument(name, f"expected True or False, got {x!r}")


def whole(x: object, name: str) -> int:
    """A whole number (int or numpy integer; not a bool, a float or text), or an
    ``InvalidArgumentError`` naming ``name``."""
    if isinstance(x, (bool, np.bool_)):
        raise _native.invalid_argument(name, f"expected a whole number, got the boolean {x!r}")
    try:
        return operator.index(x)  # type: ignore[arg-type]
    except TypeError as e:
        raise _native.invalid_argument(name, f"expected a whole number, got {x!r}") from e


def band_preset(bands: str | Sequence[float], argument: str) -> tuple[str, list[float] | None]:
    """A preset's name, or ``"custom"`` and the edges in km, as the core reads bands; anything
    else (one number, bytes) is an ``InvalidArgumentError`` naming ``argument``."""
    if isinstance(bands, str):
        return bands, None
    expected = "a band preset's name or a sequence of band edges in km"
    if isinstance(bands, bytes):
        raise _native.invalid_argument(argument, f"expected {expected}, got the bytes {bands!r}")
    try:
        edges = iter(bands)
    except TypeError:
        raise _native.invalid_argument(
            argument, f"expected {expected}, got {type(bands).__name__} {bands!r}"
        ) from None
    return "custom", [number(b, argument) for b in edges]


def bands_option(bands: str | Sequence[float], argument: str) -> str | list[float]:
    """Bands as the core's options spell them: a preset's name, or the edges in km (checked
    as :func:`band_preset` checks them, and finite: options travel as JSON)."""
    preset, edges = band_preset(bands, argument)
    return preset if edges is None else [finite(e, argument) for e in edges]


def levels(confidence: float | Sequence[float]) -> list[float]:
    """One confidence level or several (PHE publishes 95% and 99.8% side by side); anything
    but numbers (text, a set) is an ``InvalidArgumentError`` naming ``confidence``."""
    if not isinstance(confidence, (Sequence, np.ndarray, set, frozenset, Mapping)) or isinstance(
        confidence, (str, bytes)
    ):
        return [number(confidence, "confidence")]  # one level, or the error naming it
    _refuse_unordered(confidence, "confidence")
    out = [number(c, "confidence") for c in confidence]
    if not out:
        raise _native.invalid_argument("confidence", "no level given")
    return out


def group_names(by: str | Sequence[str] | None) -> list[str]:
    """``by`` as a list of column names."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)
