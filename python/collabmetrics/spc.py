"""Statistical process control: XmR charts read with NHS England's "Making Data Count" rules,
as the R package NHSRplotthedots computes them.

Each series (the ``by`` columns) is cut into segments at its ``rebase`` dates. Per segment,
the centre line is the mean of the baseline points (the first ``fix_after_n_points``, or all),
the natural process limits are mean ± 2.66 × the average moving range (moving ranges of at
least 3.267 × their average screened out by default), and the 2σ band is mean ± 2/3 of that.
Each point gets the label of the first rule that flags it: outside the limits ("Above UCL",
"Below LCL"), a trend of 7 ("7 Point Trend (Increasing)"), two of three beyond 2σ on one side
("2 in 3 Above CL"), a shift of 7 on one side of the mean ("7 Points Below CL"), else
"Common Cause"; ``point_type`` reads it against ``improvement``. The summary gives each
segment's counts, the variation icon of its last point and, for the latest segment, the
assurance icon against the target.

The method is written up in ``docs/methods/spc.md``; every number is computed by the Rust
core, the series in parallel.

Example:
    >>> import datetime as dt, pyarrow as pa, collabmetrics as cm
    >>> months = [dt.date(2023 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(18)]
    >>> y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    >>> t = cm.spc.xmr(pa.table({"date": months, "value": y}))
    >>> round(t.column("upl")[0].as_py(), 6)  # the 10 is screened out of the moving ranges
    4.604444
    >>> t.column("special_cause_type")[4].as_py()
    'Above UCL'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Union

if TYPE_CHECKING:  # Python 3.10+; the annotations below are never evaluated (PEP 563)
    from typing import TypeAlias

from . import _native
from ._frames import (
    DateLike,
    Frame,
    diagnostics,
    flag,
    from_arrow,
    group_names,
    month_or_date,
    number,
    optional,
    to_arrow,
    whole,
)

__all__ = ["diagnostics", "summary", "xmr"]

# The core's defaults (``SpcOptions::default()``): the rule settings are None, the preset's.
_D = _native.defaults("spc")

#: A series key: one value of the single ``by`` column, or a tuple of one value per column;
#: ``None`` names the series whose value is null (not the text ``"null"``).
SeriesKey = Union[str, int, dt.date, None, tuple[Any, ...]]

Improvement: TypeAlias = Literal["increase", "decrease", "neutral"]
Rules: TypeAlias = Literal["nhsrplotthedots", "mdc_2023"]


def _key_part(v: Any) -> str | None:
    """One key value as the core prints group keys (``true``, ``2024-01-01``); ``None`` for a
    null, which the core keeps apart from the text ``"null"``."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "to_pydatetime"):  # pandas Timestamp
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _key(k: SeriesKey) -> list[str | None]:
    return [_key_part(x) for x in k] if isinstance(k, tuple) else [_key_part(k)]


def _date_list(value: DateLike | Sequence[DateLike], name: str) -> list[int]:
    if isinstance(value, (str, dt.date)) or not isinstance(value, Sequence):
        return [month_or_date(value, name)]
    return [month_or_date(d, name) for d in value]


def _options(
    by: str | Sequence[str] | None,
    improvement: str,
    rebase: Any,
    fix_after_n_points: int | None,
    target: Any,
    rules: str,
    settings: dict[str, Any],
) -> dict[str, Any]:
    rebase_dates: list[int] | None = None
    rebase_series: list[tuple[list[str | None], list[int]]] | None = None
    if isinstance(rebase, Mapping):
        rebase_series = [(_key(k), _date_list(v, "rebase")) for k, v in rebase.items()]
    elif rebase is not None:
        rebase_dates = _date_list(rebase, "rebase")
    target_value: float | None = None
    target_series: list[tuple[list[str | None], float]] | None = None
    if isinstance(target, Mapping):
        target_series = [(_key(k), number(v, "target")) for k, v in target.items()]
    elif target is not None:
        target_value = number(target, "target")
    return {
        "by": group_names(by),
        "improvement": improvement,
        "rules": rules,
        "rebase_dates": rebase_dates,
        "rebase_series": rebase_series,
        "fix_after_n_points": optional(whole, fix_after_n_points, "fix_after_n_points"),
        "target": target_value,
        "target_series": target_series,
        **{n: optional(_SETTINGS[n], v, n) if n in _SETTINGS else v for n, v in settings.items()},
    }


#: How the rule settings are checked (the others are names, checked by the core).
_SETTINGS = {
    "screen_outliers": flag,
    "two_in_three_includes_outside": flag,
    "warning_threshold": whole,
    "shift_length": whole,
    "trend_length": whole,
}


def _run(
    data: Frame,
    value: str,
    date: str,
    options: dict[str, Any],
    summary: bool,
    with_diagnostics: bool,
) -> Any:
    table, kind = to_arrow(data, "data")
    out = _native.spc_xmr(table, value, date, options, summary)
    result = from_arrow(out, kind, (data,))
    return (result, diagnostics(out)) if flag(with_diagnostics, "with_diagnostics") else result


def xmr(
    data: Frame,
    value: str = "value",
    date: str = "date",
    *,
    by: str | Sequence[str] | None = None,
    improvement: Improvement = _D["improvement"],
    rebase: DateLike | Sequence[DateLike] | Mapping[SeriesKey, Any] | None = None,
    fix_after_n_points: int | None = _D["fix_after_n_points"],
    target: float | Mapping[SeriesKey, float] | None = None,
    screen_outliers: bool | None = _D["screen_outliers"],
    rules: Rules = _D["rules"],
    warning_threshold: int = _D["warning_threshold"],
    shift_length: int | None = _D["shift_length"],
    trend_length: int | None = _D["trend_length"],
    two_in_three_includes_outside: bool | None = _D["two_in_three_includes_outside"],
    ties: Literal["break", "skip"] | None = _D["ties"],
    on_mean: Literal["break", "skip"] | None = _D["on_mean"],
    trajectory: str | None = _D["trajectory"],
    with_diagnostics: bool = False,
) -> Any:
    """XmR charts, one row per point.

    Columns: the ``by`` columns, ``date``, ``value``, ``trajectory`` (when asked for),
    ``segment`` (0, 1, ... within the series), the segment's ``mean``, ``lpl``, ``upl``,
    ``lpl_2sigma``, ``upl_2sigma`` (null for a segment of one point), ``outside_limits``,
    ``relative_to_mean`` (−1, 0, +1), ``close_to_limits`` (between 2σ and 3σ),
    ``special_cause_type`` (NHSRplotthedots' labels), ``special_cause_flag``, ``point_type``
    (``common_cause``, ``special_cause_improvement``, ``special_cause_concern``,
    ``special_cause_neutral_high``, ``special_cause_neutral_low``), ``short_group_warning`` and
    ``target``. Series are sorted by their ``by`` values, points by date.

    Args:
        data: one row per series and date (any frame; the same kind comes back).
        value, date: the columns of the measure and of its period.
        by: columns identifying a series; each is charted on its own.
        improvement: ``"increase"`` (higher is better), ``"decrease"`` or ``"neutral"``.
        rebase: dates that start a new segment (as text ``"YYYY-MM-DD"``, or ``"YYYY-MM"``
            for the month's first day; dates a series does not have are counted in
            the diagnostics), or a mapping from series (a ``by`` value, or a tuple of them;
            ``None`` for a null value) to its dates.
        fix_after_n_points: limits from the first n (≥ 12) points of each segment; later
            points are judged against them.
        target: for the assurance icon in :func:`summary`: one number, or per series.
        screen_outliers: drop moving ranges ≥ 3.267 × their average; ``None`` takes the rule
            set's choice (on for ``"nhsrplotthedots"``, off for ``"mdc_2023"``).
        rules: ``"nhsrplotthedots"`` (NHSRplotthedots 0.2.2) or ``"mdc_2023"`` (Making Data
            Count's Excel tools since 2023: no screening, two-in-three counting points beyond
            3σ). The options below override single settings; ``None`` keeps the rule set's.
        warning_threshold: segments with fewer points get ``short_group_warning`` (13: limits
            from 12 points or fewer are trial limits); a one-point segment always does.
        shift_length, trend_length: points that make a shift or a trend (7; at least 6).
        two_in_three_includes_outside: count points beyond 3σ towards two-in-three.
        ties: ``"skip"``: a repeated value neither adds to nor breaks a trend (``"break"``).
        on_mean: ``"skip"``: a point on the mean neither adds to nor breaks a shift.
        trajectory: a numeric column carried into the result as ``trajectory``.
        with_diagnostics: also return the diagnostics (short and one-point segments, flat
            baselines, screened moving ranges, rebase dates a series lacks).

    Example:
        >>> import datetime as dt, pandas as pd, collabmetrics as cm
        >>> d = pd.DataFrame({
        ...     "month": [dt.date(2024, m, 1) for m in range(1, 9)],
        ...     "beds": [0, 1, 2, 3, 4, 5, 6, 7]})
        >>> t = cm.spc.xmr(d, value="beds", date="month", improvement="decrease")
        >>> t[["value", "special_cause_type", "point_type"]].iloc[[0, 3, 7]]
           value          special_cause_type             point_type
        0    0.0                   Below LCL  special_cause_improvement
        3    3.0  7 Point Trend (Increasing)      special_cause_concern
        7    7.0                   Above UCL      special_cause_concern
    """
    options = _options(
        by,
        improvement,
        rebase,
        fix_after_n_points,
        target,
        rules,
        {
            "screen_outliers": screen_outliers,
            "warning_threshold": warning_threshold,
            "shift_length": shift_length,
            "trend_length": trend_length,
            "two_in_three_includes_outside": two_in_three_includes_outside,
            "ties": ties,
            "on_mean": on_mean,
            "trajectory": trajectory,
        },
    )
    return _run(data, value, date, options, False, with_diagnostics)


def summary(
    data: Frame,
    value: str = "value",
    date: str = "date",
    *,
    by: str | Sequence[str] | None = None,
    improvement: Improvement = _D["improvement"],
    rebase: DateLike | Sequence[DateLike] | Mapping[SeriesKey, Any] | None = None,
    fix_after_n_points: int | None = _D["fix_after_n_points"],
    target: float | Mapping[SeriesKey, float] | None = None,
    screen_outliers: bool | None = _D["screen_outliers"],
    rules: Rules = _D["rules"],
    warning_threshold: int = _D["warning_threshold"],
    shift_length: int | None = _D["shift_length"],
    trend_length: int | None = _D["trend_length"],
    two_in_three_includes_outside: bool | None = _D["two_in_three_includes_outside"],
    ties: Literal["break", "skip"] | None = _D["ties"],
    on_mean: Literal["break", "skip"] | None = _D["on_mean"],
    with_diagnostics: bool = False,
) -> Any:
    """One row per series and segment, with the icons.

    Columns: the ``by`` columns, ``segment``, ``start_date``, ``end_date``, ``n``, the counts
    ``common_cause``, ``special_cause_improvement``, ``special_cause_concern``,
    ``special_cause_neutral_high``, ``special_cause_neutral_low``, then ``mean``, ``lpl``,
    ``upl``, ``lpl_2sigma``, ``upl_2sigma``, ``target``, ``short_group_warning``, ``latest``
    (the series' last segment), ``variation`` (the icon of the segment's last point:
    ``common_cause``, ``improvement_high``/``_low``, ``concern_high``/``_low``,
    ``neutral_high``/``_low``), ``assurance`` (latest segment only, with a target and a
    direction: ``consistent_pass``, ``consistent_fail``, ``inconsistent``) and ``method`` (the
    rule set, or ``custom``). The arguments are :func:`xmr`'s.

    Example:
        >>> import datetime as dt, polars as pl, collabmetrics as cm
        >>> y = [30, 32, 29, 31, 30, 33, 28, 31, 30, 32, 29, 31,
        ...      20, 21, 19, 22, 20, 18, 21, 20, 19, 22, 20, 21]
        >>> d = pl.DataFrame({"date": [dt.date(2023 + (m + 3) // 12, (m + 3) % 12 + 1, 1)
        ...                            for m in range(24)], "value": y})
        >>> s = cm.spc.summary(d, improvement="decrease", rebase="2024-04-01", target=26)
        >>> s.select("segment", "n", "mean", "variation", "assurance")
        shape: (2, 5)
        ┌─────────┬─────┬───────┬──────────────┬─────────────────┐
        │ segment ┆ n   ┆ mean  ┆ variation    ┆ assurance       │
        │ ---     ┆ --- ┆ ---   ┆ ---          ┆ ---             │
        │ i64     ┆ i64 ┆ f64   ┆ str          ┆ str             │
        ╞═════════╪═════╪═══════╪══════════════╪═════════════════╡
        │ 0       ┆ 12  ┆ 30.5  ┆ common_cause ┆ null            │
        │ 1       ┆ 12  ┆ 20.25 ┆ common_cause ┆ consistent_pass │
        └─────────┴─────┴───────┴──────────────┴─────────────────┘
    """
    options = _options(
        by,
        improvement,
        rebase,
        fix_after_n_points,
        target,
        rules,
        {
            "screen_outliers": screen_outliers,
            "warning_threshold": warning_threshold,
            "shift_length": shift_length,
            "trend_length": trend_length,
            "two_in_three_includes_outside": two_in_three_includes_outside,
            "ties": ties,
            "on_mean": on_mean,
            "trajectory": None,
        },
    )
    return _run(data, value, date, options, True, with_diagnostics)
