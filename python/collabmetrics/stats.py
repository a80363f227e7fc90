"""Proportions, rates, standardised rates and means with confidence intervals.

The methods follow PHE's "Technical Guide: Confidence Intervals" and the R package
PHEindicatormethods; see ``docs/methods/stats.md`` in the repository. Each function returns a tidy
frame: the inputs (or the ``by`` groups and their totals), then ``value``, ``lower``,
``upper``, ``confidence`` and ``method``. Every default below is the Rust core's
(``collabmetrics._native.defaults``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from . import _native
from ._frames import (
    Frame,
    Numbers,
    finite,
    from_arrow,
    group_names,
    is_frame,
    levels,
    number,
    optional,
    to_arrow,
    vectors,
    whole,
)
from .disclosure import Rule, publish_table

__all__ = ["dsr", "dsr_state", "isr", "isr_state", "mean", "mean_state", "proportion", "rate"]

# The core's defaults of each function.
_PROPORTION = _native.defaults("proportion")
_RATE = _native.defaults("rate")
_DSR = _native.defaults("dsr")
_ISR = _native.defaults("isr")
_MEAN = _native.defaults("mean")


def _each_level(confidence: float | Sequence[float], call: Callable[[float], pa.Table]) -> pa.Table:
    """Runs ``call`` at every confidence level and stacks the results."""
    tables = [call(c) for c in levels(confidence)]
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def _row_for_row(data: Frame | None, confidence: float | Sequence[float]) -> Frame | None:
    """The frame whose index a row-wise result keeps: ``data`` at one confidence level (its
    rows then match the result's one for one); None with several (rows stacked per level)."""
    return data if len(levels(confidence)) == 1 else None


def _rowwise(
    first: Numbers | str,
    second: Numbers | str,
    names: tuple[str, str],
    data: Frame | None,
) -> tuple[pa.Table, str, str, str]:
    """The input table, its two column names and the output kind, for row-wise estimators."""
    if data is not None:
        if not (isinstance(first, str) and isinstance(second, str)):
            raise _native.invalid_argument(names[0], "with `data`, pass column names, not values")
        table, kind = to_arrow(data, "data")
        return table, first, second, kind
    if is_frame(first) or is_frame(second):
        raise _native.invalid_argument(names[0], "to use a frame, pass data=frame and column names")
    table = vectors(**{names[0]: first, names[1]: second})
    return table, names[0], names[1], "pyarrow"


def proportion(
    numerator: Numbers | str,
    denominator: Numbers | str,
    *,
    data: Frame | None = None,
    confidence: float | Sequence[float] = _PROPORTION["confidence"],
    multiplier: float = _PROPORTION["multiplier"],
    method: str = _PROPORTION["method"],
    publish: bool | Rule | None = None,
) -> Any:
    """Proportions ``numerator / denominator × multiplier`` with Wilson score intervals.

    Args:
        numerator: counts (scalar, sequence, numpy array, Series), or a column name of ``data``.
        denominator: totals, or a column name of ``data``. A length-1 input is broadcast.
        data: a frame holding both columns; the result is the same kind of frame, row for
            row at one confidence level (a pandas result then keeps the frame's index).
        confidence: a level in (0, 1), or several (rows are stacked per level, and a pandas
            result has a fresh index).
        multiplier: 1 for a proportion, 100 for a percentage.
        method: ``"wilson"`` (the only method: PHE's default).

        publish: publish the result (``True``: under the default rule, ``"nhs_mhsds"``; or a
            rule name or mapping, see :func:`collabmetrics.disclose`): small counts
            suppressed, others rounded, derived values from unrounded counts (rates and
            shares left out of a table with Total rows, where they would give a suppressed
            count back: :func:`collabmetrics.disclosure.publish_table`). Default: the
            raw, unrounded result.
    Returns:
        The input columns, then ``value``, ``lower``, ``upper``, ``confidence``, ``method``.

    Raises:
        InvalidCellError: ``denominator`` <= 0, ``numerator`` < 0 or > ``denominator``, NaN or
            a missing value (``column`` and ``row`` name it).
        InvalidArgumentError: a confidence outside (0, 1), an unknown method.
        LengthMismatchError: lengths other than 1 that differ.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.proportion([65, 0], 100)
        >>> t.column("value").to_pylist()
        [0.65, 0.0]
        >>> [round(x, 6) for x in t.column("lower").to_pylist()]
        [0.552544, 0.0]
        >>> round(t.column("upper")[1].as_py(), 6)  # O = 0: z² / (n + z²)
        0.036993
    """
    table, num, den, kind = _rowwise(numerator, denominator, ("numerator", "denominator"), data)
    m = number(multiplier, "multiplier")
    out = _each_level(confidence, lambda c: _native.proportion_table(table, num, den, c, m, method))
    return from_arrow(publish_table(out, publish), kind, (data,), _row_for_row(data, confidence))


def rate(
    count: Numbers | str,
    denominator: Numbers | str,
    *,
    data: Frame | None = None,
    confidence: float | Sequence[float] = _RATE["confidence"],
    multiplier: float = _RATE["multiplier"],
    method: str = _RATE["method"],
    publish: bool | Rule | None = None,
) -> Any:
    """Crude rates ``count / denominator × multiplier`` with Poisson intervals.

    ``method="byar"`` (PHE's rule) uses Byar's approximation for counts of 10 or more and exact
    chi-squared limits below 10; ``method="exact"`` uses exact limits for every count. The
    ``method`` column says which each row used (``"Byars"`` or ``"Exact"``). ``publish=True``
    (or a rule) publishes the result (see :func:`collabmetrics.disclose`). The arguments are
    :func:`proportion`'s: with ``data`` at one confidence level, a pandas result keeps the
    frame's index.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.rate([1, 65], [100, 100], multiplier=100)
        >>> t.column("method").to_pylist()
        ['Exact', 'Byars']
        >>> [round(x, 4) for x in t.column("upper").to_pylist()]
        [5.5716, 82.8491]
    """
    table, cnt, den, kind = _rowwise(count, denominator, ("count", "denominator"), data)
    m = number(multiplier, "multiplier")
    out = _each_level(confidence, lambda c: _native.rate_table(table, cnt, den, c, m, method))
    return from_arrow(publish_table(out, publish), kind, (data,), _row_for_row(data, confidence))


def _standard(
    standard: str | Mapping[int, float],
) -> tuple[str, tuple[list[int], list[float]] | None]:
    if isinstance(standard, str):
        return standard, None
    if not isinstance(standard, Mapping):
        raise _native.invalid_argument(
            "standard",
            f"must be a standard's name or a mapping of lower ages to weights, got {standard!r}",
        )
    bands = sorted((whole(a, "standard"), number(w, "standard")) for a, w in standard.items())
    return "custom", ([a for a, _ in bands], [w for _, w in bands])


def dsr(
    frame: Frame,
    *,
    count: str = _DSR["count"],
    population: str = _DSR["population"],
    age_band: str = _DSR["age_band"],
    by: str | Sequence[str] | None = None,
    standard: str | Mapping[int, float] = _DSR["standard"],
    confidence: float | Sequence[float] = _DSR["confidence"],
    multiplier: float = _DSR["multiplier"],
    method: str = _DSR["method"],
    publish: bool | Rule | None = None,
) -> Any:
    """Directly standardised rates per group with Dobson's interval.

    Each group (the ``by`` columns; none: the whole frame) needs every age band of the
    standard exactly once. Bands are labels (``"0-4"`` … ``"90+"``) or lower ages (0, 5, …),
    plain or categorical.

    Args:
        frame: one row per group and age band.
        standard: ``"esp2013"`` (European Standard Population 2013, 19 bands to 90+),
            ``"esp2013_18"`` (18 bands to 85+), or a mapping ``{lower age: weight}``.
        method: limits of the total count used by Dobson's method: ``"byar"`` (exact below
            10) or ``"exact"``.

        publish: publish the result (``True``: under the default rule, ``"nhs_mhsds"``; or a
            rule name or mapping, see :func:`collabmetrics.disclose`): small counts
            suppressed, others rounded, DSRs kept with their counts (Dobson's limits
            narrow a count: docs/methods/disclosure.md, Limits). Default: the
            raw, unrounded result.
    Returns:
        The ``by`` columns, ``total_count``, ``total_population``, ``value``, ``lower``,
        ``upper``, ``confidence``, ``method`` and ``note``. PHE does not publish a DSR on fewer
        than 10 events: such rows keep their value and carry a ``note`` saying so.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"age_band": ["0-4", "5+"], "count": [10, 30],
        ...               "population": [1000, 2000]})
        >>> r = cm.dsr(t, standard={0: 1, 5: 3}, multiplier=1000)
        >>> round(r.column("value")[0].as_py(), 4)  # (1·10/1000 + 3·30/2000) / 4 × 1000
        13.75
    """
    name, custom = _standard(standard)
    table, kind = to_arrow(frame)
    keys = group_names(by)
    m = number(multiplier, "multiplier")
    out = _each_level(
        confidence,
        lambda c: _native.dsr_table(
            table, count, population, age_band, keys, name, custom, c, m, method
        ),
    )
    return from_arrow(publish_table(out, publish), kind, (frame,))


def isr(
    frame: Frame,
    *,
    count: str = _ISR["count"],
    population: str = _ISR["population"],
    reference_count: str = _ISR["reference_count"],
    reference_population: str = _ISR["reference_population"],
    by: str | Sequence[str] | None = None,
    kind: str = _ISR["kind"],
    confidence: float | Sequence[float] = _ISR["confidence"],
    multiplier: float | None = _ISR["multiplier"],
    method: str = _ISR["method"],
    publish: bool | Rule | None = None,
) -> Any:
    """Indirectly standardised ratios (or rates) per group.

    Each row is one age band: its observed ``count`` and ``population`` and the reference
    ``reference_count`` / ``reference_population``. E = Σ population × reference rate; the
    ratio O / E has the limits of O (Byar, exact below 10) divided by E.

    Args:
        kind: ``"ratio"`` (O / E × multiplier, default multiplier 1; 100 for an SMR) or
            ``"rate"`` (O / E × the reference crude rate × multiplier, default 100 000).
        multiplier: None (the default) for the kind's own: 1 for a ratio, 100 000 for a rate.

        publish: publish the result (``True``: under the default rule, ``"nhs_mhsds"``; or a
            rule name or mapping, see :func:`collabmetrics.disclose`): small counts
            suppressed, others rounded, derived values from unrounded counts (ratios left
            out of a table with Total rows, where they would give a suppressed count
            back; an ISR rate is kept, and with `expected` pins its count: see
            docs/methods/disclosure.md, Limits). Default: the
            raw, unrounded result.
    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"count": [30, 20], "population": [1000, 1000],
        ...               "reference_count": [20, 20], "reference_population": [1000, 1000]})
        >>> round(cm.isr(t).column("value")[0].as_py(), 4)  # 50 / 40
        1.25
    """
    table, out_kind = to_arrow(frame)
    keys = group_names(by)
    m = optional(number, multiplier, "multiplier")
    out = _each_level(
        confidence,
        lambda c: _native.isr_table(
            table,
            count,
            population,
            reference_count,
            reference_population,
            keys,
            kind,
            c,
            m,
            method,
        ),
    )
    return from_arrow(publish_table(out, publish), out_kind, (frame,))


def mean(
    data: Frame | Numbers,
    *,
    value: str = _MEAN["value"],
    by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = _MEAN["confidence"],
    publish: bool | Rule | None = None,
) -> Any:
    """Means with Student's t interval ``mean ± t(n−1) · sd / √n``, per group.

    Args:
        data: a frame (with the ``value`` column and any ``by`` columns) or plain numbers.

        publish: publish the result (``True``: under the default rule, ``"nhs_mhsds"``; or a
            rule name or mapping, see :func:`collabmetrics.disclose`): small counts
            suppressed, others rounded, means kept with their counts (value_sum over a
            mean gives its count back: docs/methods/disclosure.md, Limits). Default: the
            raw, unrounded result.
    Returns:
        The ``by`` columns, ``value_count``, ``value_sum``, ``sd``, ``value``, ``lower``,
        ``upper``, ``confidence``, ``method``.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.mean([1.0, 2.0, 3.0])
        >>> t.column("value")[0].as_py(), round(t.column("upper")[0].as_py(), 4)
        (2.0, 4.4841)
    """
    if is_frame(data):
        table, kind = to_arrow(data, "data")
    else:
        table, kind, value = vectors(value=data), "pyarrow", "value"
    keys = group_names(by)
    out = _each_level(confidence, lambda c: _native.mean_table(table, value, keys, c))
    return from_arrow(publish_table(out, publish), kind, (data,))


def _standard_option(standard: str | Mapping[int, float]) -> object:
    """The core's serialised standard: a built-in name, or the caller's bands and weights."""
    name, custom = _standard(standard)
    if custom is None:
        return name
    return {"lower_ages": custom[0], "weights": [finite(w, "standard") for w in custom[1]]}


def dsr_state(
    frame: Frame,
    *,
    count: str = _DSR["count"],
    population: str = _DSR["population"],
    age_band: str = _DSR["age_band"],
    by: str | Sequence[str] | None = None,
    standard: str | Mapping[int, float] = _DSR["standard"],
    confidence: float = _DSR["confidence"],
    multiplier: float = _DSR["multiplier"],
    method: str = _DSR["method"],
) -> Any:
    """The mergeable state of :func:`dsr` over a partition of the rows (see
    :mod:`collabmetrics.state`): each group's age bands with their count, population and
    number of rows. Counts and populations must be whole numbers. A band given twice, in one
    partition or two, is the :func:`dsr` error when the merged state is finished.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"age_band": ["0-4", "5+"], "count": [10, 30],
        ...               "population": [1000, 2000]})
        >>> parts = [cm.dsr_state(t.slice(i, 1), standard={0: 1, 5: 3}) for i in range(2)]
        >>> cm.finalize(cm.merge(parts)).equals(cm.dsr(t, standard={0: 1, 5: 3}))
        True
    """
    from .state import build

    options = _dsr_options(
        count=count,
        population=population,
        age_band=age_band,
        by=by,
        standard=standard,
        confidence=confidence,
        multiplier=multiplier,
        method=method,
    )
    return build("dsr", [frame], options)


def _dsr_options(
    *,
    count: str = _DSR["count"],
    population: str = _DSR["population"],
    age_band: str = _DSR["age_band"],
    by: str | Sequence[str] | None = None,
    standard: str | Mapping[int, float] = _DSR["standard"],
    confidence: float = _DSR["confidence"],
    multiplier: float = _DSR["multiplier"],
    method: str = _DSR["method"],
) -> dict[str, object]:
    """The core's ``DsrTableOptions`` by their names."""
    return {
        "count": count,
        "population": population,
        "age_band": age_band,
        "by": group_names(by),
        "standard": _standard_option(standard),
        "confidence": finite(confidence, "confidence"),
        "multiplier": finite(multiplier, "multiplier"),
        "method": method,
    }


def isr_state(
    frame: Frame,
    *,
    count: str = _ISR["count"],
    population: str = _ISR["population"],
    reference_count: str = _ISR["reference_count"],
    reference_population: str = _ISR["reference_population"],
    by: str | Sequence[str] | None = None,
    kind: str = _ISR["kind"],
    confidence: float = _ISR["confidence"],
    multiplier: float | None = _ISR["multiplier"],
    method: str = _ISR["method"],
) -> Any:
    """The mergeable state of :func:`isr` over a partition of the rows (see
    :mod:`collabmetrics.state`): each group's reference bands (reference count and
    population) with their observed counts and populations, which must be whole numbers.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"count": [30, 20], "population": [1000, 1000],
        ...               "reference_count": [20, 20], "reference_population": [1000, 1000]})
        >>> s = cm.merge([cm.isr_state(t.slice(0, 1)), cm.isr_state(t.slice(1, 1))])
        >>> round(cm.finalize(s).column("value")[0].as_py(), 4)  # 50 / 40
        1.25
    """
    from .state import build

    options = _isr_options(
        count=count,
        population=population,
        reference_count=reference_count,
        reference_population=reference_population,
        by=by,
        kind=kind,
        confidence=confidence,
        multiplier=multiplier,
        method=method,
    )
    return build("isr", [frame], options)


def _isr_options(
    *,
    count: str = _ISR["count"],
    population: str = _ISR["population"],
    reference_count: str = _ISR["reference_count"],
    reference_population: str = _ISR["reference_population"],
    by: str | Sequence[str] | None = None,
    kind: str = _ISR["kind"],
    confidence: float = _ISR["confidence"],
    multiplier: float | None = _ISR["multiplier"],
    method: str = _ISR["method"],
) -> dict[str, object]:
    """The core's ``IsrTableOptions`` by their names."""
    return {
        "count": count,
        "population": population,
        "reference_count": reference_count,
        "reference_population": reference_population,
        "by": group_names(by),
        "kind": kind,
        "confidence": finite(confidence, "confidence"),
        "multiplier": optional(finite, multiplier, "multiplier"),
        "method": method,
    }


def mean_state(
    data: Frame | Numbers,
    *,
    value: str = _MEAN["value"],
    by: str | Sequence[str] | None = None,
    confidence: float = _MEAN["confidence"],
) -> Any:
    """The mergeable state of :func:`mean` over a partition of the values (see
    :mod:`collabmetrics.state`): each group's distinct values with their counts (so the
    finished mean and standard deviation are :func:`mean`'s bit for bit, whatever the split).

    Example:
        >>> import collabmetrics as cm
        >>> s = cm.merge([cm.mean_state([1.0, 2.0]), cm.mean_state([3.0])])
        >>> cm.finalize(s).column("value")[0].as_py()
        2.0
    """
    from .state import build

    if not is_frame(data):
        data, value = vectors(value=data), "value"
    return build("mean", [data], _mean_options(value=value, by=by, confidence=confidence))


def _mean_options(
    *,
    value: str = _MEAN["value"],
    by: str | Sequence[str] | None = None,
    confidence: float = _MEAN["confidence"],
) -> dict[str, object]:
    """The core's ``MeanTableOptions`` by their names."""
    return {"value": value, "by": group_names(by), "confidence": finite(confidence, "confidence")}
