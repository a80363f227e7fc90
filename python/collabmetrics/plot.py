"""Charts of collabmetrics results with matplotlib (the ``plot`` extra:
``pip install collabmetrics[plot]``).

One function per chart; each takes a result frame (pyarrow, pandas or polars) as the
collabmetrics function returned it, draws on ``ax`` (a new figure's axes when None) and
returns the matplotlib ``Axes``. No statistic is computed here: the limits, the fitted line's
ends and the icons are columns of the result, so the picture and the table agree; a chart only
arranges them (a band's share of its group's count, a flow matrix's column totals for the
order, the at-risk counts at the tick times). A frame without a column the chart needs raises
the core's ``MissingColumnError`` naming it; a column of the wrong type or a ``series`` value
that is not one of its column's is an ``InvalidArgumentError`` naming it.

A published result (``publish=``) is drawn as published: the margins
:func:`collabmetrics.disclose` added are left out (a chart shows the groups, not their total),
and a suppressed cell is never drawn as 0: a flow cell is left blank and marked ``*``, and
suppressed distance bands are one hatched "withheld" part at the end of the bar.

``import collabmetrics`` does not import this module (nor matplotlib): ``cm.plot`` loads it
on first use.

* :func:`spc`: an XmR chart with Making Data Count's colours and icons.
* :func:`funnel`: units against 95% and 99.8% limits, outliers named.
* :func:`survival`: a Kaplan–Meier or Aalen–Johansen curve, its band, the number at risk.
* :func:`sii`: ordered groups with their intervals and the fitted slope index line.
* :func:`lorenz`: the Lorenz curve.
* :func:`oap_trend`: OAP bed days (or any measure) per group over periods.
* :func:`distance`: the distance distribution in the OAP publication's bands.
* :func:`flows`: the sending × receiving matrix as a heat map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from . import _native
from ._frames import Frame, finite, flag, to_arrow

try:
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.patches import Circle
except ImportError as e:  # pragma: no cover - the extra is installed in the tests
    raise ImportError(
        "collabmetrics.plot needs matplotlib: pip install 'collabmetrics[plot]'"
    ) from e

__all__ = [
    "MDC_COLOURS",
    "distance",
    "flows",
    "funnel",
    "lorenz",
    "oap_trend",
    "sii",
    "spc",
    "survival",
]

#: Making Data Count's colours, as NHSRplotthedots' ``ptd_spc_colours()``: points by type,
#: the value line and limits grey, the mean black, the target red.
MDC_COLOURS: dict[str, str] = {
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",
    "special_cause_concern": "#e46c0a",
    "special_cause_neutral_high": "#490092",
    "special_cause_neutral_low": "#490092",
    "value_line": "#a6a6a6",
    "mean_line": "#000000",
    "limits": "#a6a6a6",
    "target": "#de1b1b",
}

#: The funnel's limit colours: 95% and 99.8%.
FUNNEL_COLOURS = {"95": "#0072b2", "99.8": "#d55e00"}


def _table(result: Frame, needs: Sequence[str], name: str = "result") -> pa.Table:
    """The result as pyarrow, with every column of ``needs`` present (else the core's
    ``MissingColumnError`` naming the first missing one)."""
    table, _ = to_arrow(result, name)
    _native.check_columns(table, list(needs), name)
    return table


def _without_margins(result: Frame, table: pa.Table, by: Sequence[str]) -> pa.Table:
    """``table`` without the margins :func:`collabmetrics.disclose` added to a published
    result (its diagnostics say ``margin_added``; a margin's key is null in a ``by`` column):
    a chart shows the groups, and a total drawn as one more group ("None") would be wrong."""
    from ._frames import diagnostics

    try:
        added = any(d.get("reason") == "margin_added" for d in diagnostics(result))
    except (ValueError, TypeError):
        added = False  # not a collabmetrics result, or its diagnostics were lost
    if not added or not by:
        return table
    import pyarrow.compute as pc

    keep = None
    for b in by:
        valid = pc.is_valid(table.column(b))
        keep = valid if keep is None else pc.and_(keep, valid)
    return table.filter(keep)


def _axes(ax: Axes | None, size: tuple[float, float] = (8.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=size)
    return new


def _floats(table: pa.Table, name: str) -> list[float]:
    """A column as floats (null: NaN); a column of something else is an error naming it."""
    try:
        return [math.nan if v is None else float(v) for v in table.column(name).to_pylist()]
    except (TypeError, ValueError):
        raise _native.invalid_argument(
            name, f"the column `{name}` must hold numbers, not {table.schema.field(name).type}"
        ) from None


def _select(table: pa.Table, where: Mapping[str, Any] | None, argument: str) -> pa.Table:
    """Rows where each column equals its value."""
    if not where:
        return table
    import pyarrow.compute as pc

    mask = None
    for column, value in where.items():
        _native.check_columns(table, [column], argument)
        if value is None:
            # None names the null group, as in the core.
            m = pc.is_null(table.column(column))
        else:
            kind = table.schema.field(column).type
            bad = _native.invalid_argument(
                argument, f"{value!r} is not a value of the column `{column}` ({kind})"
            )
            try:
                wanted = pa.scalar(value, kind)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                raise bad from None
            if wanted.as_py() != value:
                raise bad  # 1.5 would be read as 1 in an integer column
            m = pc.fill_null(pc.equal(table.column(column), wanted), False)
        mask = m if mask is None else pc.and_(mask, m)
    return table.filter(mask)


# --- SPC ------------------------------------------------------------------------------------

_XMR = (
    "date",
    "value",
    "mean",
    "lpl",
    "upl",
    "lpl_2sigma",
    "upl_2sigma",
    "point_type",
)
# A chart's own columns, by the core's names; every other column is a `by` column.
_XMR_OWN = set(_native.SPC_POINT_COLUMNS)


def _series_columns(table: pa.Table, own: set[str]) -> list[str]:
    return [n for n in table.column_names if n not in own]


def _one_series(table: pa.Table, series: Mapping[str, Any] | Any | None, own: set[str]) -> pa.Table:
    """The rows of one series: ``series`` is a mapping of ``by`` columns to values, or the
    value of the only ``by`` column; None when there is one series."""
    by = _series_columns(table, own)
    if series is None:
        if by and any(len(set(table.column(b).to_pylist())) > 1 for b in by):
            raise _native.invalid_argument(
                "series",
                f"the result holds several series (by {', '.join(by)}): name one, e.g. "
                f"series={{{by[0]!r}: ...}}",
            )
        return table
    if not isinstance(series, Mapping):
        if len(by) != 1:
            raise _native.invalid_argument(
                "series", f"give a mapping of the by columns ({', '.join(by) or 'none'})"
            )
        series = {by[0]: series}
    out = _select(table, series, "series")
    if out.num_rows == 0:
        raise _native.invalid_argument("series", f"no rows for {dict(series)}")
    return out


def _icon_axes(ax: Axes, top: float) -> Axes:
    """A square inset just right of ``ax``, outside the plotting area so it never hides the
    latest points (``top``: its top edge in axes fraction), in data coordinates −1..1: the
    icons' canvas."""
    inset = ax.inset_axes((1.01, top - 0.24, 0.12, 0.24))
    inset.set_xlim(-1, 1)
    inset.set_ylim(-1, 1)
    inset.set_aspect("equal", adjustable="box")
    inset.set_axis_off()
    return inset


def _icon_ring(ax: Axes, colour: str, label: str) -> None:
    ax.add_patch(
        Circle((0, 0), 0.92, facecolor="white", edgecolor=colour, linewidth=2.5, label=label)
    )


def _variation_icon(ax: Axes, icon: str) -> None:
    """Making Data Count's variation icon: a ring in the icon's colour around a run of dots
    whose last three leave the line high or low, with "H" or "L"."""
    kind, _, side = icon.rpartition("_")
    colour = {
        "improvement": MDC_COLOURS["special_cause_improvement"],
        "concern": MDC_COLOURS["special_cause_concern"],
        "neutral": MDC_COLOURS["special_cause_neutral_high"],
    }.get(kind, MDC_COLOURS["common_cause"])
    direction = {"high": 1, "low": -1}.get(side, 0) if kind else 0
    _icon_ring(ax, colour, f"variation: {icon}")
    base = -0.12 * direction
    for k in range(7):
        wobble = 0.06 if k % 2 else -0.06
        special = direction != 0 and k >= 4
        y = base + direction * (0.2 + 0.14 * (k - 4)) if special else base + wobble
        ax.add_patch(
            Circle(
                (-0.6 + 0.2 * k, y),
                0.08,
                color=colour if special else MDC_COLOURS["common_cause"],
            )
        )
    if direction:
        ax.text(
            0,
            -0.56 * direction,
            "H" if direction > 0 else "L",
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            color=colour,
        )


def _assurance_icon(ax: Axes, icon: str) -> None:
    """Making Data Count's assurance icon: the target line under "P" (pass, blue), "F" (fail,
    orange) or "?" (hit and miss, grey)."""
    colour, letter = {
        "consistent_pass": (MDC_COLOURS["special_cause_improvement"], "P"),
        "consistent_fail": (MDC_COLOURS["special_cause_concern"], "F"),
    }.get(icon, (MDC_COLOURS["common_cause"], "?"))
    _icon_ring(ax, colour, f"assurance: {icon}")
    ax.plot([-0.6, 0.6], [-0.45, -0.45], color=MDC_COLOURS["target"], linewidth=1.5)
    ax.text(0, 0.1, letter, ha="center", va="center", fontsize=14, fontweight="bold", color=colour)


def spc(
    points: Frame,
    summary: Frame | None = None,
    *,
    series: Mapping[str, Any] | Any | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    icons: bool = True,
) -> Axes:
    """An XmR chart of :func:`collabmetrics.spc.xmr`'s points, as Making Data Count draws it.

    The values joined by a grey line, each point coloured by its ``point_type``
    (:data:`MDC_COLOURS`: improvement blue, concern orange, neutral purple, common cause
    grey), the mean (black) and the process limits (grey, dashed) per segment, the 2σ band
    shaded, the target (red) when the result has one. With ``summary``
    (:func:`collabmetrics.spc.summary` of the same call) the variation and assurance icons of
    the latest segment are drawn at the top right as Making Data Count's icons.

    Args:
        points: the points, one series (or name one with ``series``).
        summary: the summary, for the icons.
        series: the series to draw: the value of the one ``by`` column, or a mapping of the
            ``by`` columns to values.
        ax: axes to draw on.
        title: the title (default: the series).
        icons: draw the icons (needs ``summary``).

    Example:
        >>> import datetime as dt, pyarrow as pa, collabmetrics as cm
        >>> months = [dt.date(2023 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(18)]
        >>> t = pa.table({"date": months,
        ...               "value": [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]})
        >>> ax = cm.plot.spc(cm.spc.xmr(t), cm.spc.summary(t))
        >>> ax.lines[0].get_ydata().tolist()[:5]
        [1.0, 2.0, 1.0, 2.0, 10.0]
    """
    table = _one_series(_table(points, _XMR, "points"), series, _XMR_OWN)
    ax = _axes(ax)
    dates = table.column("date").to_pylist()
    values = _floats(table, "value")
    ax.plot(dates, values, color=MDC_COLOURS["value_line"], linewidth=1.5, zorder=2, label="value")
    segments = (
        table.column("segment").to_pylist() if "segment" in table.column_names else [0] * len(dates)
    )
    starts = [i for i in range(len(dates)) if i == 0 or segments[i] != segments[i - 1]]
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(dates)
        seg = table.slice(s, e - s)
        x = dates[s:e]
        lo2, hi2 = _floats(seg, "lpl_2sigma"), _floats(seg, "upl_2sigma")
        ax.fill_between(x, lo2, hi2, color="#f0f0f0", zorder=0, label="2σ band" if k == 0 else None)
        ax.plot(
            x,
            _floats(seg, "mean"),
            color=MDC_COLOURS["mean_line"],
            linewidth=1.2,
            label="mean" if k == 0 else None,
        )
        for limit in ("lpl", "upl"):
            ax.plot(
                x,
                _floats(seg, limit),
                color=MDC_COLOURS["limits"],
                linestyle="--",
                linewidth=1.2,
                label="process limits" if (k == 0 and limit == "lpl") else None,
            )
    if "target" in table.column_names:
        targets = [t for t in _floats(table, "target") if not math.isnan(t)]
        if targets:
            ax.axhline(targets[-1], color=MDC_COLOURS["target"], linewidth=1.5, label="target")
    kinds = table.column("point_type").to_pylist()
    colours = [MDC_COLOURS.get(k or "common_cause", MDC_COLOURS["common_cause"]) for k in kinds]
    ax.scatter(dates, values, c=colours, s=28, zorder=3)
    by = _series_columns(table, _XMR_OWN)
    name = ", ".join(str(table.column(b)[0].as_py()) for b in by) if by and table.num_rows else ""
    ax.set_title(title if title is not None else (name or "XmR chart"))
    ax.set_ylabel("value")
    ax.tick_params(axis="x", labelrotation=30)
    if flag(icons, "icons") and summary is not None:
        s = _table(summary, ("variation", "assurance", "latest"), "summary")
        if by:
            s = _select(s, {b: table.column(b)[0].as_py() for b in by}, "summary")
        latest = s.filter(s.column("latest"))
        if latest.num_rows:
            variation = latest.column("variation")[0].as_py()
            assurance = latest.column("assurance")[0].as_py()
            if variation:
                _variation_icon(_icon_axes(ax, 1.0), variation)
            if assurance:
                _assurance_icon(_icon_axes(ax, 0.74), assurance)
    return ax


# --- Funnel ---------------------------------------------------------------------------------

_LIMITS = ("lcl95", "ucl95", "lcl998", "ucl998")


_PHE_LIMITS = {"lcl95": "lower_2s", "ucl95": "upper_2s", "lcl998": "lower_3s", "ucl998": "upper_3s"}


def _curves(limits: pa.Table) -> dict[str, tuple[list[float], list[float]]]:
    """Each limit's curve (x, y) of a limits table: FunnelPlotR's and Spiegelhalter's
    (``denominator`` and ``lcl95`` … ``od_ucl998``) or PHE's (``lower_2s_limit`` …, each at
    its own ``*_population_1_year`` (rates) or ``*_exp_events`` (ratios), or at
    ``population`` (proportions))."""
    names = limits.column_names
    out: dict[str, tuple[list[float], list[float]]] = {}
    if "lower_2s_limit" in names:
        for key, phe in _PHE_LIMITS.items():
            at = (f"{phe}_population_1_year", f"{phe}_exp_events", "population")
            x = next((c for c in at if c in names), "population")
            _native.check_columns(limits, [x], "limits")
            _native.check_columns(limits, [f"{phe}_limit"], "limits")
            t = limits.sort_by(x)
            out[key] = (_floats(t, x), _floats(t, f"{phe}_limit"))
        return out
    _native.check_columns(limits, ["denominator", *_LIMITS], "limits")
    t = limits.sort_by("denominator")
    xs = _floats(t, "denominator")
    for key in _LIMITS:
        out[key] = (xs, _floats(t, key))
        if f"od_{key}" in names:
            out[f"od_{key}"] = (xs, _floats(t, f"od_{key}"))
    return out


def funnel(
    assessment: Frame,
    limits: Frame | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    label_outliers: bool = True,
) -> Axes:
    """A funnel plot of :func:`collabmetrics.funnel.assess`'s units.

    Each unit's ``value`` at its ``denominator``; the 95% (blue) and 99.8% (orange) limits
    and the ``target``. With ``limits`` (:func:`collabmetrics.funnel.limits` of the same
    call) the limits are its smooth curves, else the limits at the units' own denominators.
    PHE rates are drawn against the population per year, as PHE's limits are: each unit at
    its ``denominator_per_year`` (the limits table's ``*_population_1_year``), so that with
    ``years_of_data`` other than 1 the points and the curves share one x scale.
    When the overdispersion-adjusted limits flag the outliers (``adjusted`` true) they are
    drawn too (dashed), from ``od_lcl95`` … ``od_ucl998``. Outliers (``outlier``) are named.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"area": ["x", "y", "z"], "n": [50, 20, 80], "pop": [100, 100, 100]})
        >>> kw = dict(unit="area", statistic="proportion", multiplier=100)
        >>> ax = cm.plot.funnel(cm.funnel.assess(t, "n", "pop", **kw),
        ...                     cm.funnel.limits(t, "n", "pop", **kw))
        >>> sorted(text.get_text() for text in ax.texts)
        ['y', 'z']
    """
    table = _table(
        assessment, ("unit", "denominator", "value", "target", *_LIMITS, "outlier"), "assessment"
    )
    ax = _axes(ax)
    # PHE rates: the limits are at the population per year, and so are the units.
    # A unit without one (a PHE DSR of fewer than 10 events) is not charted, as in PHE.
    per_year = "denominator_per_year" in table.column_names
    x_column = "denominator_per_year" if per_year else "denominator"
    x, y = _floats(table, x_column), _floats(table, "value")
    outlier = [bool(o) for o in table.column("outlier").to_pylist()]
    adjusted = "adjusted" in table.column_names and any(
        bool(a) for a in table.column("adjusted").to_pylist()
    )
    if limits is not None:
        curves = _curves(to_arrow(limits, "limits")[0])
    else:
        order = sorted(range(len(x)), key=lambda i: x[i])
        at = [x[i] for i in order]
        curves = {
            k: (at, [_floats(table, k)[i] for i in order])
            for k in (*_LIMITS, *(f"od_{k}" for k in _LIMITS))
            if k in table.column_names
        }
    for key, level in (("95", "95"), ("998", "99.8")):
        colour = FUNNEL_COLOURS[level]
        for side, label in (("lcl", f"{level}% limits"), ("ucl", None)):
            cx, cy = curves[f"{side}{key}"]
            ax.plot(cx, cy, color=colour, linewidth=1.4, label=label)
            if adjusted and f"od_{side}{key}" in curves:
                ox, oy = curves[f"od_{side}{key}"]
                ax.plot(
                    ox,
                    oy,
                    color=colour,
                    linewidth=1.2,
                    linestyle="--",
                    label=f"{level}% limits, overdispersion-adjusted" if side == "lcl" else None,
                )
    target = next((t for t in _floats(table, "target") if not math.isnan(t)), math.nan)
    ax.axhline(target, color="#222222", linewidth=1.0, label="target")
    colours = [FUNNEL_COLOURS["99.8"] if o else "#7f7f7f" for o in outlier]
    ax.scatter(x, y, c=colours, s=30, zorder=3)
    if flag(label_outliers, "label_outliers"):
        units = table.column("unit").to_pylist()
        for xi, yi, u, o in zip(x, y, units, outlier):
            if o:
                ax.annotate(str(u), (xi, yi), xytext=(5, 5), textcoords="offset points", fontsize=9)
    ax.set_xlabel(x_column.replace("_", " "))
    ax.set_ylabel("value")
    ax.set_title(title if title is not None else "Funnel plot")
    ax.legend(fontsize=8, loc="best")
    return ax


# --- Survival -------------------------------------------------------------------------------


def survival(
    curve: Frame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    at_risk: Sequence[float] | None = None,
) -> Axes:
    """A Kaplan–Meier or Aalen–Johansen curve of
    :func:`collabmetrics.transition.time_to_contact`, with its interval band and the number
    at risk under the axis.

    The estimate is a step function (held from each ``time`` to the next) with ``lower`` and
    ``upper`` shaded; under Kaplan–Meier it is the share still without an attended adult
    contact, under Aalen–Johansen the cumulative incidence of one. The number at risk is read
    from the curve at ``at_risk`` times (default: the x axis's ticks): the ``at_risk`` of the
    first time at or after each (0 beyond the last).

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"days_to_first_adult_contact": [0, 2, None, None, 5, None],
        ...               "days_to_death": [None, None, None, 3, None, None],
        ...               "follow_up_days": [9, 9, 2, 9, 9, 7]})
        >>> ax = cm.plot.survival(cm.transition.time_to_contact(t), at_risk=[0, 5])
        >>> [round(float(y), 4) for y in ax.lines[0].get_ydata()]
        [0.8333, 0.6667, 0.6667, 0.3333, 0.3333]
        >>> [t.get_text() for t in ax.texts][-2:]  # at risk at day 0, and just before day 5
        ['6', '2']
    """
    table = _table(curve, ("time", "at_risk", "estimate", "lower", "upper"), "curve")
    ax = _axes(ax, (8.0, 4.5))
    time = _floats(table, "time")
    est, lo, hi = (_floats(table, c) for c in ("estimate", "lower", "upper"))
    ax.step(time, est, where="post", color="#0072b2", linewidth=2, label="estimate")
    ax.fill_between(time, lo, hi, step="post", color="#0072b2", alpha=0.18, label="interval")
    method = (
        str(table.column("method")[0].as_py())
        if "method" in table.column_names and table.num_rows
        else ""
    )
    km = "Kaplan" in method or not method
    ax.set_ylabel("share without an attended contact" if km else "cumulative incidence")
    ax.set_ylim(0, 1.02)
    default = "Time to the first attended adult contact (" + (
        "Kaplan–Meier)" if km else "Aalen–Johansen)"
    )
    ax.set_title(title if title is not None else default)
    ax.set_xlabel("days")
    risk = _floats(table, "at_risk")
    if at_risk is None:
        ax.set_xlim(left=0)
        at_risk = [t for t in ax.get_xticks() if 0 <= t <= (time[-1] if time else 0)]
    else:
        at_risk = [finite(t, "at_risk") for t in at_risk]

    def at(t: float) -> int:
        i = next((k for k, x in enumerate(time) if x >= t), None)
        return 0 if i is None else int(risk[i])

    ax.text(-0.06, -0.25, "at risk", transform=ax.transAxes, ha="right", fontsize=9)
    for t in at_risk:
        ax.text(t, -0.25, str(at(t)), transform=ax.get_xaxis_transform(), ha="center", fontsize=9)
    return ax


# --- SII ------------------------------------------------------------------------------------


def sii(
    result: Frame,
    groups: Frame,
    *,
    order: str,
    population: str,
    value: str = "value",
    lower: str | None = None,
    upper: str | None = None,
    multiplier: float = 1.0,
    scale: str = "linear",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The slope index of :func:`collabmetrics.inequality.sii`: the ordered groups' values
    (with their intervals when ``lower`` and ``upper`` are given) at their ridits, the fitted
    line from the most disadvantaged end (rank 0) to the least (rank 1), and the SII and RII.

    ``groups`` is the subgroup frame the SII was computed from (one by-group), ``result`` its
    SII and RII rows; pass the ``multiplier`` of the call. The line's ends come from the
    result (SII = multiplier × (f1 − f0), RII = f1 / f0), the ridits from the core. ``scale``
    is the scale the model is a straight line on, which decides the curve between the ends:
    ``"linear"`` (PHE's SII, the default), ``"log"`` (``transform=True`` on rates: f0·(f1/f0)ˣ)
    or ``"logit"`` (``transform=True`` on proportions, or HEAT's ``sii_model="logistic"``).
    When ``result`` holds several by-groups' rows, pass one; ``groups`` may hold every
    by-group's rows: those of the result's are drawn.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> g = pa.table({"decile": [1, 2, 3, 4], "value": [40.0, 30.0, 20.0, 10.0],
        ...               "population": [1, 1, 1, 1]})
        >>> r = cm.inequality.sii(g, group="decile", order="decile", population="population",
        ...                       reps=0)
        >>> ax = cm.plot.sii(r, g, order="decile", population="population")
        >>> [round(float(y), 6) for y in ax.lines[0].get_ydata()]  # the line 45 − 40 x
        [45.0, 5.0]
    """
    res = _table(result, ("measure", "value"), "result")
    measures = res.column("measure").to_pylist()
    # The result's by columns (before `measure`) name its by-group.
    by = res.column_names[: res.column_names.index("measure")]
    if measures.count("SII") != 1 or measures.count("RII") != 1:
        levels = (
            set(res.column("confidence").to_pylist()) if "confidence" in res.column_names else set()
        )
        what = (
            "select one by-group"
            if by and any(len(set(res.column(b).to_pylist())) > 1 for b in by)
            else "select one confidence level"
            if len(levels) > 1
            else "select one SII and one RII row"
        )
        raise _native.invalid_argument("result", f"needs exactly one SII and one RII row ({what})")
    vals = res.column("value").to_pylist()
    s, r = vals[measures.index("SII")], vals[measures.index("RII")]
    needs = [order, population, value] + [c for c in (lower, upper) if c is not None]
    g = _table(groups, needs, "groups")
    # The groups of the result's by-group: another area's rows would be drawn against its line.
    g = _select(g, {b: res.column(b)[0].as_py() for b in by if b in g.column_names}, "groups")
    keys = g.column(order).to_pylist()
    if len(set(keys)) != len(keys):
        raise _native.invalid_argument(
            "groups",
            f"`{order}` repeats: the groups hold more than one by-group; pass the rows the SII "
            "was computed from",
        )
    g = g.sort_by(order)
    ridits = _native.inequality_ridits(_floats(g, population))
    multiplier = finite(multiplier, "multiplier")
    if multiplier == 0:
        raise _native.invalid_argument("multiplier", "must not be 0 (the call's multiplier)")
    magnitude = abs(multiplier)
    ys = [v * magnitude for v in _floats(g, value)]
    # The fitted ends: f1 − f0 = SII / multiplier; f1 / f0 = RII (its inverse for a negative
    # multiplier, which PHE inverts).
    d = s / multiplier
    ratio = r if multiplier > 0 else 1 / r
    if ratio == 1 or not math.isfinite(ratio):
        weights = _floats(g, population)
        mean = sum(w * v for w, v in zip(weights, _floats(g, value))) / sum(weights)
        f0 = f1 = mean
    else:
        f0 = d / (ratio - 1)
        f1 = ratio * f0
    ax = _axes(ax)
    # The logit is of a proportion: a percentage (or a rate per 1 000 …) is brought to one by
    # the indicator's unit, inferred as HEAT does.
    unit = 1.0
    if scale == "logit":
        seen = [f0, f1, *(v for v in _floats(g, value) if not math.isnan(v))]
        unit = _native.inequality_infer_scale(seen)
    line = [y * unit for y in _fitted(f0 / unit, f1 / unit, scale)]
    ax.plot(
        [i / 100 for i in range(101)] if len(line) > 2 else [0, 1],
        [y * magnitude for y in line],
        color="#d55e00",
        linewidth=2,
        label="fitted line",
    )
    if lower is not None and upper is not None:
        lo = [v * magnitude for v in _floats(g, lower)]
        hi = [v * magnitude for v in _floats(g, upper)]
        ax.errorbar(
            ridits,
            ys,
            yerr=[[y - a for y, a in zip(ys, lo)], [b - y for y, b in zip(ys, hi)]],
            fmt="none",
            ecolor="#0072b2",
            elinewidth=1.5,
        )
    ax.scatter(ridits, ys, color="#0072b2", zorder=3, label=value)
    for x, label in zip(ridits, g.column(order).to_pylist()):
        ax.annotate(
            str(label),
            (x, 0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -14),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    ax.set_xlabel(f"{order}, by rank (ridit): most disadvantaged first", labelpad=16)
    ax.set_ylabel(value)
    ax.set_title(title if title is not None else f"SII {s:.3g}, RII {r:.3g}")
    return ax


def _fitted(f0: float, f1: float, scale: str) -> list[float]:
    """The fitted values from rank 0 to rank 1: the two ends on the linear scale, else 101
    points of the model's straight line on ``scale`` brought back to the values' scale."""
    if scale not in ("linear", "log", "logit"):
        raise _native.invalid_argument("scale", f"must be linear, log or logit, got {scale!r}")
    if scale == "linear" or f0 == f1:
        return [f0, f1]
    if scale == "log":
        if not (f0 > 0 and f1 > 0):
            raise _native.invalid_argument("scale", "log needs fitted values > 0")
        return [f0 * (f1 / f0) ** (i / 100) for i in range(101)]
    if not (0 < f0 < 1 and 0 < f1 < 1):
        raise _native.invalid_argument(
            "scale", "logit needs fitted proportions between 0 and 1 (before the multiplier)"
        )
    a, b = math.log(f0 / (1 - f0)), math.log(f1 / (1 - f1))
    return [1 / (1 + math.exp(-(a + (b - a) * i / 100))) for i in range(101)]


# --- Lorenz ---------------------------------------------------------------------------------


def lorenz(
    curve: tuple[Sequence[float], Sequence[float]] | Any,
    weights: Any = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    label: str | None = None,
) -> Axes:
    """The Lorenz curve: cumulative population share against cumulative value share, with
    the line of equality.

    ``curve`` is :func:`collabmetrics.inequality.lorenz`'s ``(population_share,
    value_share)``, or the values themselves (with ``weights``), whose curve the core
    computes (and whose Gini the title gives).

    Example:
        >>> import collabmetrics as cm
        >>> ax = cm.plot.lorenz([3, 1])
        >>> ax.lines[1].get_xydata().tolist()
        [[0.0, 0.0], [0.5, 0.25], [1.0, 1.0]]
    """
    from . import inequality

    given = (
        isinstance(curve, tuple) and len(curve) == 2 and all(hasattr(c, "__len__") for c in curve)
    )
    if given:
        p, v = (list(map(float, c)) for c in curve)
        if len(p) != len(v):
            raise _native.invalid_argument(
                "curve", f"population and value shares differ in length ({len(p)} and {len(v)})"
            )
        if weights is not None:
            raise _native.invalid_argument(
                "weights", "a curve is drawn as given: weights go with the values, not a curve"
            )
        name = None
    else:
        pa_, va_ = inequality.lorenz(curve, weights)
        p, v = pa_.tolist(), va_.tolist()
        name = f"Gini {inequality.gini(curve, weights):.3f}"
    ax = _axes(ax, (5.0, 5.0))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="equality")
    ax.plot(p, v, color="#0072b2", linewidth=2, label=label or "Lorenz curve")
    ax.fill_between(p, v, p, color="#0072b2", alpha=0.12)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("cumulative share of the population")
    ax.set_ylabel("cumulative share of the value")
    ax.set_title(title if title is not None else (name or "Lorenz curve"))
    return ax


# --- OAP trend ------------------------------------------------------------------------------


def _by_columns(table: pa.Table) -> list[str]:
    """An OAP result's breakdown columns: those before ``period_start``."""
    names = table.column_names
    return names[: names.index("period_start")] if "period_start" in names else []


def _label(row: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in row)


def oap_trend(
    measures: Frame,
    *,
    value: str = "bed_days",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """OAP bed days (or another measure, ``value``) per group over the periods of
    :func:`collabmetrics.oap.measures`: one line per group (its ``by`` columns), periods by
    their end.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.demo.tables()
        >>> m = cm.oap.measures(t["placements"], start="2023-04-01", end="2024-03-31",
        ...                     window="rolling_3m", by="place")
        >>> ax = cm.plot.oap_trend(m)
        >>> len(ax.lines), len(ax.lines[0].get_xdata())  # 4 places, 12 months
        (4, 12)
    """
    table = _table(measures, ("period_end", value), "measures")
    by = _by_columns(table)
    table = _without_margins(measures, table, by)
    ax = _axes(ax)
    keys = (
        [tuple(r) for r in zip(*(table.column(b).to_pylist() for b in by))]
        if by
        else [()] * table.num_rows
    )
    ends = table.column("period_end").to_pylist()
    ys = _floats(table, value)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    for k, rows in groups.items():
        rows = sorted(rows, key=lambda i: ends[i])
        ax.plot(
            [ends[i] for i in rows],
            [ys[i] for i in rows],
            marker="o",
            markersize=3,
            linewidth=1.8,
            label=_label(k) or "all",
        )
    ax.set_ylabel(value.replace("_", " "))
    ax.set_xlabel("period ending")
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title if title is not None else f"{value.replace('_', ' ')} by period")
    if by and groups:
        ax.legend(fontsize=8)
    return ax


# --- Distance bands -------------------------------------------------------------------------


def _band_label(name: str) -> str:
    b = name.removeprefix("distance_").removeprefix("band_").replace("p", ".")
    if b.startswith("lt_"):
        return f"under {b[3:]} km"
    if b.startswith("ge_"):
        return f"{b[3:]} km or more"
    lo, _, hi = b.partition("_")
    return f"{lo}–{hi} km"


def distance(
    summary: Frame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The distance distribution in the published bands (the OAP publication's under 25,
    25–50, 50–100, 100–200, 200–300 and 300 km or more, or the summary's own): one bar per
    group, each band its share of the group's placements.

    ``summary`` is :func:`collabmetrics.distance.summary` (``band_*`` columns) or
    :func:`collabmetrics.oap.measures` with ``distance=`` (``distance_band_*``; the latest
    period is drawn).

    Example:
        >>> import collabmetrics as cm
        >>> s = cm.distance.summary([3, 30, 60, 60, 150, 400])
        >>> ax = cm.plot.distance(s)
        >>> [round(float(p.get_width()), 2) for p in ax.patches]  # % in each band
        [16.67, 16.67, 33.33, 16.67, 0.0, 16.67]
    """
    table, _ = to_arrow(summary, "summary")
    bands = [n for n in table.column_names if n.startswith(("band_", "distance_band_"))]
    if not bands:
        _native.check_columns(table, ["band_lt_25"], "summary")
    if "period_end" in table.column_names:
        import pyarrow.compute as pc

        last = pc.max(table.column("period_end"))
        table = table.filter(pc.equal(table.column("period_end"), last))
    own = set(bands) | {
        "count",
        "weight_sum",
        "mean",
        "median",
        "median_lower",
        "median_upper",
        "p90",
        "max",
        "count_beyond",
        "share_beyond",
        "share_lower",
        "share_upper",
        "confidence",
    }
    by = (
        _by_columns(table)
        if "period_start" in table.column_names
        else [n for n in table.column_names if n not in own]
    )
    table = _without_margins(summary, table, by)
    labels = (
        [_label(r) for r in zip(*(table.column(b).to_pylist() for b in by))]
        if by
        else ["all"] * table.num_rows
    )
    counts = [_floats(table, b) for b in bands]
    # Each band's share of what the bands add up to: the weights' sum of a weighted summary,
    # else the count. A published summary gives it even where a band is suppressed; a
    # suppressed band is not drawn as 0 but left to a hatched "withheld" part at the end.
    whole = next(
        (c for c in ("weight_sum", "count", "distance_count") if c in table.column_names), None
    )
    given = _floats(table, whole) if whole else [math.nan] * table.num_rows
    visible = [sum(col[i] for col in counts if not math.isnan(col[i])) for i in range(len(given))]
    # Rounded bands can add up to more than a rounded count (15 + 15 + 15 over 40): then the
    # bands' own sum, so that a bar never passes 100 %.
    totals = [v if math.isnan(g) else max(g, v) for g, v in zip(given, visible)]
    ax = _axes(ax, (8.0, 0.6 * max(table.num_rows, 1) + 1.6))
    ramp = plt.get_cmap("RdYlBu_r")
    left = [0.0] * table.num_rows
    for k, b in enumerate(bands):
        share = [
            100.0 * c / t if t and not math.isnan(c) else 0.0 for c, t in zip(counts[k], totals)
        ]
        ax.barh(
            labels, share, left=left, color=ramp(k / max(len(bands) - 1, 1)), label=_band_label(b)
        )
        left = [a + s for a, s in zip(left, share)]
    withheld = [
        max(100.0 - a, 0.0) if any(math.isnan(col[i]) for col in counts) and t else 0.0
        for i, (a, t) in enumerate(zip(left, totals))
    ]
    if any(withheld):
        ax.barh(
            labels,
            withheld,
            left=left,
            color="#ffffff",
            edgecolor="#7f7f7f",
            hatch="//",
            label="withheld (suppressed bands)",
        )
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of placements")
    ax.invert_yaxis()
    ax.set_title(title if title is not None else "Distance from home, published bands")
    # Beside the bars: below them it would cover the axis label on a short chart.
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return ax


# --- Flows ----------------------------------------------------------------------------------


def flows(
    measures: Frame,
    *,
    sending: str | None = None,
    receiving: str = "receiving_org",
    value: str = "bed_days",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The sending × receiving matrix of :func:`collabmetrics.oap.measures` by both columns
    (``by=[sending, receiving]``) as a heat map, each cell's ``value`` written in it. With
    several periods the latest is drawn. Rows are the sending groups (``sending``: the first
    breakdown column other than ``receiving``), columns the receiving providers, largest
    total first.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.demo.tables()
        >>> m = cm.oap.measures(t["placements"], start="2024-03-01", end="2024-03-31",
        ...                     window="rolling_12m", by=["place", "receiving_org"])
        >>> ax = cm.plot.flows(m)
        >>> ax.images[0].get_array().shape[0]  # four places
        4
    """
    table = _table(measures, (receiving, value), "measures")
    by = _by_columns(table) or [n for n in table.column_names if n == "place"]
    if sending is None:
        others = [b for b in by if b != receiving]
        if not others:
            raise _native.invalid_argument(
                "sending", "the result has no sending column: compute it by=[sending, receiving]"
            )
        sending = others[0]
    _native.check_columns(table, [sending], "measures")
    if "period_end" in table.column_names:
        import pyarrow.compute as pc

        last = pc.max(table.column("period_end"))
        table = table.filter(pc.equal(table.column("period_end"), last))
    table = _without_margins(measures, table, [sending, receiving])
    if table.num_rows == 0:
        raise _native.invalid_argument("measures", "no rows to draw")
    rows_ = table.column(sending).to_pylist()
    cols_ = table.column(receiving).to_pylist()
    vals = _floats(table, value)
    # A missing value (a suppressed cell) is NaN: left blank and marked "*", not drawn as 0.
    cell: dict[tuple[Any, Any], float] = {}
    for a, b, v in zip(rows_, cols_, vals):
        cell[(a, b)] = cell.get((a, b), 0.0) + v
    row_keys = sorted({a for a in rows_}, key=str)
    totals: dict[Any, float] = {}
    for (_a, b), v in cell.items():
        totals[b] = totals.get(b, 0.0) + (0.0 if math.isnan(v) else v)
    col_keys = sorted(totals, key=lambda b: (-totals[b], str(b)))
    grid = [[cell.get((a, b), 0.0) for b in col_keys] for a in row_keys]
    ax = _axes(ax, (max(6.0, 0.55 * len(col_keys) + 3.0), 0.5 * len(row_keys) + 2.0))
    image = ax.imshow(grid, cmap="Blues", aspect="auto")
    top = max((v for r in grid for v in r if not math.isnan(v)), default=0.0)
    for i, r in enumerate(grid):
        for j, v in enumerate(r):
            if math.isnan(v):
                ax.text(j, i, "*", ha="center", va="center", fontsize=9, color="#7f7f7f")
            elif v:
                ax.text(
                    j,
                    i,
                    f"{v:,.0f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v > 0.55 * top else "black",
                )
    ax.set_xticks(range(len(col_keys)), [str(b) for b in col_keys], rotation=45, ha="right")
    ax.set_yticks(range(len(row_keys)), [str(a) for a in row_keys])
    ax.set_xlabel(receiving.replace("_", " "))
    ax.set_ylabel(sending.replace("_", " "))
    ax.figure.colorbar(image, ax=ax, label=value.replace("_", " "))
    ax.set_title(title if title is not None else f"{value.replace('_', ' ')}: sending × receiving")
    return ax
