"""Travel distance from home to the treating unit, and its summaries.

Distances are in km. ``bng`` is the NHS method (straight line between British National Grid
eastings and northings; ``round_km=True`` reproduces MHSDS's whole-km distance), ``geodesic``
the WGS84 ellipsoidal distance (Karney's algorithm, GeographicLib) and ``haversine`` the great
circle on a sphere of radius 6371.0088 km. See ``docs/methods/distance.md`` in the repository.

Missing values (NaN, None, null) are an error naming the argument or column and the row,
unless ``nulls="propagate"``: then such rows give NaN (null in frames) and are counted. Rows a
rule sets aside (a missing coordinate, an unknown location code, a missing distance left out of
a summary) are never dropped silently:

* the frame functions (:func:`points`, :func:`locate`, :func:`summary`) return them as the
  result's diagnostics, like every collabmetrics table function: read them with
  :func:`collabmetrics.diagnostics` (or ``with_diagnostics=True``);
* the vector functions (:func:`bng`, :func:`geodesic`, :func:`haversine`,
  :func:`bng_to_wgs84`) return numpy arrays, which cannot carry them, so they warn instead: a
  :class:`DiagnosticsWarning` per reason with its count and first row. The arrays are views of
  the computed Arrow columns, not copies, so they are read-only: ``d.copy()`` before writing
  into one (``d[d > 10] = 10``).

Every default below is the Rust core's, except the names of the columns :func:`locate` adds
(the lookup's own by default, where the core's ``LocateTableOptions`` say ``x`` and ``y``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from . import _native
from ._frames import (
    Frame,
    Numbers,
    band_preset,
    bands_option,
    diagnostics,
    finite,
    flag,
    from_arrow,
    group_names,
    is_frame,
    number,
    to_arrow,
    vectors,
)
from ._frames import (
    with_diagnostics as _with_diagnostics,
)
from .disclosure import Rule, publish_table

__all__ = [
    "DiagnosticsWarning",
    "bng",
    "bng_to_wgs84",
    "geodesic",
    "haversine",
    "locate",
    "points",
    "state",
    "summary",
]

# The core's defaults of each function.
_POINTS = _native.defaults("distance_points")
_CONVERT = _native.defaults("distance_convert")
_LOCATE = _native.defaults("distance_locate")
_SUMMARY = _native.defaults("distance_summary")


class DiagnosticsWarning(UserWarning):
    """Records a vector function set aside (e.g. missing coordinates with
    ``nulls="propagate"``), with their count and first row; its ``diagnostic`` attribute holds
    the entry (``reason``, ``action``, ``count``, ``first_row``)."""

    def __init__(self, diagnostic: dict[str, Any]) -> None:
        self.diagnostic = diagnostic
        super().__init__(
            f"collabmetrics: {diagnostic['count']} row(s) {diagnostic['reason']} "
            f"({diagnostic['action']}; first at row {diagnostic['first_row']})"
        )


def _warn(table: pa.Table, stacklevel: int) -> None:
    """Warns once per diagnostic of a vector function's result (arrays carry none), at the
    caller's line (`stacklevel` frames up from here)."""
    for d in diagnostics(table):
        warnings.warn(DiagnosticsWarning(d), stacklevel=stacklevel)


def _km(
    method: str,
    names: tuple[str, str, str, str],
    values: tuple[Numbers, Numbers, Numbers, Numbers],
    round_km: bool,
    nulls: str,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    table = vectors(**dict(zip(names, values)))
    out = _native.distance_points_table(
        table, list(names), method, flag(round_km, "round_km"), nulls, _POINTS["output"]
    )
    _warn(out, stacklevel=4)  # _warn, _km, bng / geodesic / haversine, the caller
    return np.asarray(out.column(_POINTS["output"]).to_numpy(), dtype=np.float64)


def bng(
    e1: Numbers,
    n1: Numbers,
    e2: Numbers,
    n2: Numbers,
    *,
    round_km: bool = _POINTS["round_km"],
    nulls: str = _POINTS["nulls"],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Straight-line distances in km between British National Grid points: √(ΔE² + ΔN²) / 1000.

    Args:
        e1, n1: eastings and northings (metres) of the first points, e.g. home postcodes'
            grid references from the ONS Postcode Directory; eastings in [0, 700 000],
            northings in [0, 1 300 000].
        e2, n2: those of the second points (the treating sites). A length-1 input is broadcast.
        round_km: round to whole km, halves away from zero, as MHSDS's derived distance from
            home (``round(hypot(ΔE, ΔN) / 1000)`` in SQL). R's ``round`` differs at exact
            halves (it rounds 2.5 to 2).
        nulls: ``"error"`` (default) or ``"propagate"`` (a missing coordinate gives NaN, and
            a :class:`DiagnosticsWarning` counts them).

    Returns:
        A read-only numpy array of km (a view of the result, not a copy).

    Raises:
        InvalidCellError: a coordinate outside the grid, NaN or None (unless propagated),
            naming the argument (``column``) and index (``row``).
        LengthMismatchError: lengths other than 1 that differ.

    Example:
        >>> import collabmetrics as cm
        >>> cm.distance.bng([100_000, 400_000], [200_000, 812_000], [103_000, 405_000],
        ...                 [204_000, 800_000])
        array([ 5., 13.])
        >>> cm.distance.bng(0, 0, 1_500, 2_000, round_km=True)  # 2.5 km rounds up
        array([3.])
    """
    return _km("bng", ("e1", "n1", "e2", "n2"), (e1, n1, e2, n2), round_km, nulls)


def geodesic(
    lat1: Numbers, lon1: Numbers, lat2: Numbers, lon2: Numbers, *, nulls: str = _POINTS["nulls"]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Distances in km on the WGS84 ellipsoid by Karney's algorithm (GeographicLib).

    Latitudes in [-90, 90] and longitudes in [-180, 180], in decimal degrees. Accurate to
    nanometres; computed on every core.

    Example:
        >>> import collabmetrics as cm
        >>> d = cm.distance.geodesic(40.6, -73.8, 51.6, -0.5)  # JFK to Heathrow
        >>> round(float(d[0]), 6)
        5551.7594
    """
    names = ("lat1", "lon1", "lat2", "lon2")
    return _km("geodesic", names, (lat1, lon1, lat2, lon2), _POINTS["round_km"], nulls)


def haversine(
    lat1: Numbers, lon1: Numbers, lat2: Numbers, lon2: Numbers, *, nulls: str = _POINTS["nulls"]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Great-circle distances in km on the sphere of mean radius 6371.0088 km.

    Faster than :func:`geodesic` and within 0.4% of it in Great Britain (0.56% anywhere).

    Example:
        >>> import collabmetrics as cm
        >>> d = cm.distance.haversine(0, 0, [0, 45], [1, 45])  # 1° of equator; 60° of arc
        >>> [round(float(x), 4) for x in d]
        [111.1951, 6671.7048]
    """
    names = ("lat1", "lon1", "lat2", "lon2")
    return _km("haversine", names, (lat1, lon1, lat2, lon2), _POINTS["round_km"], nulls)


def bng_to_wgs84(
    e: Numbers, n: Numbers, *, nulls: str = _CONVERT["nulls"]
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.float64]]]:
    """WGS84 latitudes and longitudes (degrees) of British National Grid eastings/northings.

    Inverse transverse Mercator on Airy 1830 (OSGB36), then the Ordnance Survey's Helmert
    transformation to WGS84: accurate to a few metres (the OS documents about 5 m), plenty
    for distances in km, not for surveying (which needs OSTN15).

    Example:
        >>> import collabmetrics as cm
        >>> lat, lon = cm.distance.bng_to_wgs84(438_710.908, 114_792.248)  # OS head office
        >>> round(float(lat[0]), 4), round(float(lon[0]), 4)
        (50.9313, -1.4505)
    """
    table = vectors(e=e, n=n)
    lat_name, lon_name = _CONVERT["latitude"], _CONVERT["longitude"]
    out = _native.bng_to_wgs84_table(table, "e", "n", lat_name, lon_name, nulls)
    _warn(out, stacklevel=3)  # _warn, bng_to_wgs84, the caller
    lat = np.asarray(out.column(lat_name).to_numpy(), dtype=np.float64)
    lon = np.asarray(out.column(lon_name).to_numpy(), dtype=np.float64)
    return lat, lon


def points(
    frame: Frame,
    *,
    coordinates: Sequence[str] | None = _POINTS["coordinates"],
    method: str = _POINTS["method"],
    round_km: bool = _POINTS["round_km"],
    nulls: str = _POINTS["nulls"],
    output: str = _POINTS["output"],
    with_diagnostics: bool = False,
) -> Any:
    """Adds a distance column (km) to a frame, from four coordinate columns.

    Args:
        frame: any frame (pyarrow, polars, pandas, or one exporting ``__arrow_c_stream__``).
        coordinates: the four column names in the order of the vector function:
            (e1, n1, e2, n2) for ``"bng"``, (lat1, lon1, lat2, lon2) otherwise; by default
            (``None``) those names themselves.
        method: ``"bng"``, ``"geodesic"`` or ``"haversine"``.
        output: the name of the column added.
        with_diagnostics: return ``(frame, diagnostics)``; the frame carries them anyway
            (:func:`collabmetrics.diagnostics`).

    Returns:
        The same kind of frame with ``output`` added (null where a coordinate was missing
        and ``nulls="propagate"``), row for row; a pandas result keeps the frame's index, so
        ``df["km"] = points(df, ...)["distance_km"]`` lines up whatever the index.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"he": [530_000], "hn": [180_000], "se": [533_000], "sn": [184_000]})
        >>> cm.distance.points(t, coordinates=["he", "hn", "se", "sn"])["distance_km"][0]
        <pyarrow.DoubleScalar: 5.0>
    """
    names = None
    if coordinates is not None:
        if isinstance(coordinates, str) or len(coordinates) != 4:
            raise _native.invalid_argument("coordinates", "give four column names")
        names = list(coordinates)
    table, kind = to_arrow(frame)
    out = _native.distance_points_table(
        table, names, method, flag(round_km, "round_km"), nulls, output
    )
    return _with_diagnostics(from_arrow(out, kind, (frame,), index_of=frame), with_diagnostics)


def locate(
    frame: Frame,
    lookup: Frame,
    *,
    code: str,
    lookup_code: str = _LOCATE["lookup_code"],
    x: str = _LOCATE["lookup_x"],
    y: str = _LOCATE["lookup_y"],
    into: tuple[str, str] | None = None,
    nulls: str = _LOCATE["nulls"],
    with_diagnostics: bool = False,
) -> Any:
    """Adds the coordinates of each row's location code (postcode, LSOA, site) from a lookup.

    Codes are strings or integers; strings match without spaces and in upper case, so
    ``"ME1 1AA"``, ``"ME11AA"`` and ONSPD's padded ``"ME1  1AA"`` are one postcode. A code
    that the lookup does not hold keeps its row, with null coordinates, and is counted
    (``unknown_location_code``). A code given twice in the lookup is an error naming it.
    The result has the frame's rows in order; a pandas result keeps the frame's index.

    Args:
        frame: the records, with the code column ``code``.
        lookup: code → coordinates, in columns ``lookup_code``, ``x`` and ``y``.
        into: names of the two columns added (default: the lookup's, the values of ``x``
            and ``y``).
        nulls: a null code (or an empty one, or one of spaces: not recorded) is an error
            (``"error"``) or gets null coordinates and is counted as ``missing_location_code``
            (``"propagate"``). Every lookup row needs a code.
        with_diagnostics: return ``(frame, diagnostics)``; the frame carries them anyway
            (:func:`collabmetrics.diagnostics`).

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> onspd = pa.table({"pcds": ["ME1 1AA"], "east": [574_000], "north": [168_000]})
        >>> homes = pa.table({"home": ["me11aa", "ZZ9 9ZZ"]})
        >>> t, diag = cm.distance.locate(homes, onspd, code="home", lookup_code="pcds",
        ...                              x="east", y="north", into=("home_e", "home_n"),
        ...                              with_diagnostics=True)
        >>> t["home_e"].to_pylist(), diag[0]["reason"], diag[0]["count"]
        ([574000.0, None], 'unknown_location_code', 1)
    """
    table, kind = to_arrow(frame)
    lookup_table, _ = to_arrow(lookup, "lookup")
    x_out, y_out = into if into is not None else (x, y)
    out = _native.locate_table(table, lookup_table, code, lookup_code, x, y, x_out, y_out, nulls)
    return _with_diagnostics(
        from_arrow(out, kind, (frame, lookup), index_of=frame), with_diagnostics
    )


def summary(
    frame: Frame | Numbers,
    *,
    distance: str = _SUMMARY["distance"],
    by: str | Sequence[str] | None = None,
    weight: str | None = _SUMMARY["weight"],
    threshold: float = _SUMMARY["threshold"],
    bands: str | Sequence[float] = _SUMMARY["bands"],
    confidence: float = _SUMMARY["confidence"],
    nulls: str = _SUMMARY["nulls"],
    with_diagnostics: bool = False,
    publish: bool | Rule | None = None,
) -> Any:
    """Distance summaries per group: count, mean, median with interval, p90, max, share beyond.

    The median and 90th percentile are the inverse of the empirical CDF, averaged where it is
    flat (Hyndman & Fan type 2, numpy's ``averaged_inverted_cdf``; the median of an even
    number of values is the mean of the middle two). The median's interval is
    distribution-free: [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] with the largest k whose binomial coverage is at least
    ``confidence`` (none, null, below 6 records at 95%). ``share_beyond`` is the share at or
    beyond ``threshold`` km with a Wilson interval.

    Args:
        frame: a frame with the ``distance`` column (km) and any ``by`` columns, or plain
            distances.
        weight: a column of weights (e.g. bed days): the mean, quantiles (weighted empirical
            CDF), share and band counts are weighted, ``weight_sum`` is added, the share's
            Wilson interval uses Kish's effective n = (Σw)² / Σw², and the median has no
            interval (null): order statistics give an interval for the median record only.
        bands: ``"oap"`` (<25, 25–<50, 50–<100, 100–<200, 200–<300, ≥300 km),
            ``"mhsds_monthly"`` (0–19, 20–49, 50–99, 100+ as [0, 20), [20, 50), … — pass
            whole-km distances to reproduce MHSDS) or a list of increasing edges in km.
        nulls: a missing distance is an error, or (``"propagate"``) left out and counted.
        with_diagnostics: return ``(frame, diagnostics)``; the frame carries them anyway
            (:func:`collabmetrics.diagnostics`).
        publish: publish the result (``True``: under the default rule, ``"nhs_mhsds"``; or a
            rule name or mapping, see :func:`collabmetrics.disclose`): small counts
            suppressed, others rounded, derived values from unrounded counts (rates and
            shares left out of a table with Total rows, where they would give a suppressed
            count back: :func:`collabmetrics.disclosure.publish_table`). Default: the
            raw, unrounded result. The diagnostics are then those of the publication.

    Returns:
        The ``by`` columns, ``count``, ``weight_sum`` (weighted only), ``mean``, ``median``,
        ``median_lower``, ``median_upper``, ``p90``, ``max``, ``count_beyond``,
        ``share_beyond``, ``share_lower``, ``share_upper``, ``confidence`` and one count per
        band (``band_lt_25``, ``band_25_50``, …, ``band_ge_300``).

    Example:
        >>> import collabmetrics as cm
        >>> s = cm.distance.summary([75, 3, 25, 310, 12, 49.9, 50, 10, 120, 26])
        >>> s["median"][0].as_py(), s["median_lower"][0].as_py(), s["median_upper"][0].as_py()
        (37.95, 10.0, 120.0)
        >>> s["share_beyond"][0].as_py(), s["band_25_50"][0].as_py()
        (0.4, 3.0)
    """
    if is_frame(frame):
        table, kind = to_arrow(frame)
    else:
        table, kind, distance = vectors(distance_km=frame), "pyarrow", "distance_km"
    preset, edges = band_preset(bands, "bands")
    out = _native.distance_summary_table(
        table,
        distance,
        group_names(by),
        weight,
        number(threshold, "threshold"),
        preset,
        edges,
        number(confidence, "confidence"),
        nulls,
    )
    return _with_diagnostics(
        from_arrow(publish_table(out, publish), kind, (frame,)), with_diagnostics
    )


def state(
    frame: Frame | Numbers,
    *,
    distance: str = _SUMMARY["distance"],
    by: str | Sequence[str] | None = None,
    weight: str | None = _SUMMARY["weight"],
    threshold: float = _SUMMARY["threshold"],
    bands: str | Sequence[float] = _SUMMARY["bands"],
    confidence: float = _SUMMARY["confidence"],
    nulls: str = _SUMMARY["nulls"],
    listing: bool = False,
) -> Any:
    """The mergeable state of :func:`summary` over a partition of the rows (see
    :mod:`collabmetrics.state`; the arguments are :func:`summary`'s): each group's distinct
    distances with their number of records (and weights, which must be whole numbers, e.g.
    bed days), so the finished summary, medians and intervals included, is :func:`summary`'s
    bit for bit.

    With ``listing=True``, ``(state, listing)``: the listing of every record a rule flagged
    (excluded, repaired or counted in the diagnostics), one row per record: ``table``
    (``data``: the rows without a distance, with ``nulls="propagate"``), ``row`` (0-based, in that table), ``reason`` and ``action`` (see
    :data:`collabmetrics.state.LISTING_COLUMNS`); each reason's count in the state is its
    number of rows.

    Example:
        >>> import collabmetrics as cm
        >>> km = [75, 3, 25, 310, 12, 49.9, 50, 10, 120, 26]
        >>> s = cm.merge([cm.distance.state(km[:4]), cm.distance.state(km[4:])])
        >>> cm.finalize(s)["median"][0].as_py()
        37.95
    """
    from .state import build

    if not is_frame(frame):
        frame, distance = vectors(distance_km=frame), "distance_km"
    options = _state_options(
        distance=distance,
        by=by,
        weight=weight,
        threshold=threshold,
        bands=bands,
        confidence=confidence,
        nulls=nulls,
    )
    return build("distance_summary", [frame], options, None, listing)


def _state_options(
    *,
    distance: str = _SUMMARY["distance"],
    by: str | Sequence[str] | None = None,
    weight: str | None = _SUMMARY["weight"],
    threshold: float = _SUMMARY["threshold"],
    bands: str | Sequence[float] = _SUMMARY["bands"],
    confidence: float = _SUMMARY["confidence"],
    nulls: str = _SUMMARY["nulls"],
) -> dict[str, Any]:
    """The core's ``SummaryTableOptions`` by their names."""
    return {
        "distance": distance,
        "by": group_names(by),
        "weight": weight,
        "nulls": nulls,
        "threshold": finite(threshold, "threshold"),
        "bands": bands_option(bands, "bands"),
        "confidence": finite(confidence, "confidence"),
    }
