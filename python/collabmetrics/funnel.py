"""Funnel plots: which units (providers, areas, teams) lie outside the control limits.

Two reference families, reproduced to their own test vectors (the methods, and every decision
where they disagree, are written up in ``docs/methods/funnel.md``):

* ``"phe"`` (PHE / OHID Fingertips, R package PHEindicatormethods): ``proportion``,
  ``ratio_isr``, ``ratio_count``, ``rate_crude``, ``rate_dsr``; significance labels exactly as
  PHE's ("High (0.001)", "Low (0.025)", "Not significant", ...) and PHE's 100-row limits
  tables; no overdispersion.
* ``"funnelplotr"`` (Spiegelhalter 2005 with overdispersion, R package FunnelPlotR): ``sr``
  (standardised ratios: SHMI's log scale with truncation, or CQC's square root),
  ``pr`` (proportions) and ``rc`` (ratios of counts): transformed z-scores, winsorised or
  truncated, the dispersion ratio phi, DerSimonian-Laird's tau2 and limits widened by it.
* ``"spiegelhalter_exact"``: Spiegelhalter's interpolated exact binomial or Poisson limits.

Every number is computed by the Rust core. Defaults are the core's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from . import _native
from ._frames import Frame, diagnostics, flag, from_arrow, number, optional, to_arrow
from ._frames import with_diagnostics as _with_diagnostics
from .disclosure import Rule, publish_table

__all__ = ["DEFAULTS", "FAMILIES", "SIGNIFICANCE", "STATISTICS", "assess", "diagnostics", "limits"]

#: The core's default options (``statistic`` has none: it must be given; PHE's multiplier
#: has none either).
DEFAULTS: dict[str, Any] = dict(_native.defaults("funnel"))
#: The statistics: PHE's five, then FunnelPlotR's ``sr``, ``pr``, ``rc``.
STATISTICS: tuple[str, ...] = tuple(_native.OPTION_NAMES["Statistic"])
#: The families.
FAMILIES: tuple[str, ...] = tuple(_native.OPTION_NAMES["Family"])
#: PHE's significance labels, in its factor order.
SIGNIFICANCE: tuple[str, ...] = tuple(_native.FUNNEL_SIGNIFICANCE_LABELS)


def _options(
    numerator: str,
    denominator: str,
    unit: str | None,
    statistic: str,
    family: str | None,
    sr_method: str,
    limit: float,
    draw_adjusted: bool,
    trim_by: float,
    multiplier: float | None,
    funnelplotr_compat: bool,
    rate: str,
    years_of_data: float | None,
    shmi_rounding: bool,
    exclude_zero_sr: bool,
) -> dict[str, Any]:
    """The core's ``FunnelOptions`` as a dict (names checked by the core)."""
    return {
        "statistic": statistic,
        "family": family,
        "unit": unit,
        "numerator": numerator,
        "denominator": DEFAULTS["denominator"] if denominator is None else denominator,
        "rate": rate,
        "multiplier": optional(number, multiplier, "multiplier"),
        "years_of_data": optional(number, years_of_data, "years_of_data"),
        "sr_method": sr_method,
        "trim_by": number(trim_by, "trim_by"),
        "limit": number(limit, "limit"),
        "draw_adjusted": flag(draw_adjusted, "draw_adjusted"),
        "shmi_rounding": flag(shmi_rounding, "shmi_rounding"),
        "funnelplotr_compat": flag(funnelplotr_compat, "funnelplotr_compat"),
        "exclude_zero_sr": flag(exclude_zero_sr, "exclude_zero_sr"),
    }


def assess(
    data: Frame,
    numerator: str,
    denominator: str | None,
    *,
    unit: str | None,
    statistic: Literal[
        "proportion", "ratio_isr", "ratio_count", "rate_crude", "rate_dsr", "sr", "pr", "rc"
    ],
    family: Literal["phe", "funnelplotr", "spiegelhalter_exact"] | None = DEFAULTS["family"],
    sr_method: Literal["SHMI", "CQC"] = DEFAULTS["sr_method"],
    limit: float = DEFAULTS["limit"],
    draw_adjusted: bool = DEFAULTS["draw_adjusted"],
    trim_by: float = DEFAULTS["trim_by"],
    multiplier: float | None = DEFAULTS["multiplier"],
    funnelplotr_compat: bool = DEFAULTS["funnelplotr_compat"],
    rate: str = DEFAULTS["rate"],
    years_of_data: float | None = DEFAULTS["years_of_data"],
    shmi_rounding: bool = DEFAULTS["shmi_rounding"],
    exclude_zero_sr: bool = DEFAULTS["exclude_zero_sr"],
    columns: Mapping[str, str] | None = None,
    with_diagnostics: bool = False,
    publish: bool | Rule | None = None,
) -> Any:
    """Each unit against the funnel: one row per unit.

    Columns: ``unit``, ``numerator``, ``denominator`` (summed over the unit's rows; PHE rates:
    the person-time ``multiplier × O / rate``; SR/SHMI: rounded to 2 decimals), ``value``
    (O/n × multiplier; PHE ratios × 100 or − 1; PHE rates the published rate), ``target``,
    ``z`` and ``z_adjusted`` (FunnelPlotR's unadjusted and winsorised z-scores; ``z_adjusted``
    is null for a unit truncated under SHMI), ``trimmed``, ``lcl95``, ``ucl95``, ``lcl998``,
    ``ucl998`` (unadjusted limits at the unit's denominator), ``od_lcl95`` … ``od_ucl998``
    (overdispersion-adjusted, with the reported tau2), ``outlier``, ``phi``, ``tau2``, ``m``
    (units behind phi), ``adjusted`` (whether the adjusted limits flag outliers: asked for
    and phi > 1), ``method``; the PHE family adds ``significance``, PHE rates
    ``rate_chart`` and ``denominator_per_year``. Columns a family does not produce are null.

    Args:
        data: any frame (pyarrow, polars, pandas, or one exporting ``__arrow_c_stream__``).
        numerator: the column of events (O).
        denominator: the column of people at risk, expected counts (SR) or population; for
            PHE rates it is read only for records with 0 events and may be None.
        unit: the unit column (rows of a unit are added up, except PHE rates, which need one
            row per unit); None: every row is a unit, numbered from 0.
        statistic: ``"proportion"``, ``"ratio_isr"``, ``"ratio_count"``, ``"rate_crude"``,
            ``"rate_dsr"`` (PHE) or ``"sr"``, ``"pr"``, ``"rc"`` (FunnelPlotR). Required.
        family: ``"phe"``, ``"funnelplotr"`` or ``"spiegelhalter_exact"``; None: PHE for PHE's
            statistics, FunnelPlotR for ``sr``, ``pr``, ``rc``.
        sr_method: ``"SHMI"`` or ``"CQC"`` (FunnelPlotR ``sr`` only).
        limit: which limits flag outliers: 95, or 99 for 99.8% (PHE: the labels at 0.025 or
            0.001).
        draw_adjusted: widen the limits for overdispersion when phi > 1 (FunnelPlotR).
        trim_by: share winsorised or truncated at each end before phi, in (0, 0.5).
        multiplier: scale of values and limits. Required for PHE proportions and rates (100
            for a percentage, 100 000 for a rate per 100 000); FunnelPlotR and Spiegelhalter
            exact: 1 when None; PHE ratios: must be None (ISR × 100, counts − 1, as PHE).
        funnelplotr_compat: reproduce FunnelPlotR's CQC limits (not squared back) and RC
            limits (standard error 1/(2√n)) exactly; the default corrects both.
        rate: PHE rates: the column of published rates (default ``"rate"``).
        years_of_data: PHE rates: the years the data cover (required); rescales
            ``denominator_per_year``. Must be None for the other statistics.
        shmi_rounding: SR/SHMI: round expected counts to 2 decimals, as FunnelPlotR.
        exclude_zero_sr: SR/SHMI: leave units with 0 events out (counted in the diagnostics)
            instead of raising an error naming the unit.
        columns: our column names to yours (``{"numerator": "deaths"}``), for the names above.
        with_diagnostics: return ``(result, diagnostics(result))``; the result carries its
            diagnostics anyway (:func:`collabmetrics.diagnostics`).
        publish: publish the result (``True``: under the default rule, ``"nhs_mhsds"``; or a
            rule name or mapping, see :func:`collabmetrics.disclose`), as
            ``collabmetrics funnel --publish``: small counts suppressed with the values and
            z-scores that would give them back, other counts rounded. Default: the raw result.
            The diagnostics are then those of the publication.

    Raises:
        CollabMetricsError: a missing value, a negative numerator, a denominator ≤ 0, a
            proportion's numerator above its denominator (each naming column and row); a unit
            with 0 events under SR/SHMI (naming the unit); an unknown statistic, family or
            method; fewer than two units for overdispersion; trim_by outside (0, 0.5).

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"trust": ["a", "b", "c", "d", "e", "f"],
        ...               "deaths": [100, 150, 180, 80, 120, 225],
        ...               "expected": [108.0, 112, 165, 95, 100, 220]})
        >>> r = cm.funnel.assess(t, "deaths", "expected", unit="trust", statistic="sr")
        >>> round(r["phi"][0].as_py(), 6)  # FunnelPlotR's own test: 2.948033
        2.948033
        >>> r["outlier"].to_pylist()
        [False, False, False, False, False, False]
        >>> p = pa.table({"area": ["x", "y", "z"], "n": [50, 20, 80], "pop": [100, 100, 100]})
        >>> cm.funnel.assess(p, "n", "pop", unit="area", statistic="proportion",
        ...                  multiplier=100)["significance"].to_pylist()
        ['Not significant', 'Low (0.001)', 'High (0.001)']
    """
    table, kind = to_arrow(data, "data")
    options = _options(
        numerator,
        DEFAULTS["denominator"] if denominator is None else denominator,
        unit,
        statistic,
        family,
        sr_method,
        limit,
        draw_adjusted,
        trim_by,
        multiplier,
        funnelplotr_compat,
        rate,
        years_of_data,
        shmi_rounding,
        exclude_zero_sr,
    )
    result = publish_table(_native.funnel_assess(table, options, dict(columns or {})), publish)
    return _with_diagnostics(from_arrow(result, kind, (data,)), with_diagnostics)


def limits(
    data: Frame,
    numerator: str,
    denominator: str | None,
    *,
    unit: str | None,
    statistic: Literal[
        "proportion", "ratio_isr", "ratio_count", "rate_crude", "rate_dsr", "sr", "pr", "rc"
    ],
    family: Literal["phe", "funnelplotr", "spiegelhalter_exact"] | None = DEFAULTS["family"],
    sr_method: Literal["SHMI", "CQC"] = DEFAULTS["sr_method"],
    limit: float = DEFAULTS["limit"],
    draw_adjusted: bool = DEFAULTS["draw_adjusted"],
    trim_by: float = DEFAULTS["trim_by"],
    multiplier: float | None = DEFAULTS["multiplier"],
    funnelplotr_compat: bool = DEFAULTS["funnelplotr_compat"],
    rate: str = DEFAULTS["rate"],
    years_of_data: float | None = DEFAULTS["years_of_data"],
    shmi_rounding: bool = DEFAULTS["shmi_rounding"],
    exclude_zero_sr: bool = DEFAULTS["exclude_zero_sr"],
    columns: Mapping[str, str] | None = None,
    with_diagnostics: bool = False,
) -> Any:
    """The limits table for drawing the funnel (arguments as :func:`assess`).

    * PHE: PHE's 100-row table (``calculate_funnel_limits(type = "full")``), columns in PHE's
      order: proportions ``population, lower_2s_limit, upper_2s_limit, lower_3s_limit,
      upper_3s_limit, baseline``; ratios ``observed_events, lower_2s_exp_events,
      lower_2s_limit, upper_2s_exp_events, upper_2s_limit, …``; rates ``events,
      lower_2s_population_1_year, lower_2s_limit, …, baseline``; then ``statistic`` and
      ``method``. 2s is 95%, 3s 99.8%.
    * FunnelPlotR and Spiegelhalter exact: one row per point of the plotting grid (1000 points
      from 1.1 (SR) or 3 (PR, RC) to the largest denominator, plus every unit's denominator):
      ``denominator, lcl95, ucl95, lcl998, ucl998, od_lcl95, od_ucl95, od_lcl998, od_ucl998,
      target`` (PR limits folded back at small denominators, as FunnelPlotR draws them).

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> p = pa.table({"n": [50, 20, 80], "pop": [100, 100, 100]})
        >>> t = cm.funnel.limits(p, "n", "pop", unit=None, statistic="proportion",
        ...                      multiplier=100)
        >>> t.num_rows, t.column_names[:3]
        (100, ['population', 'lower_2s_limit', 'upper_2s_limit'])
        >>> t["baseline"][0].as_py()
        50.0
    """
    table, kind = to_arrow(data, "data")
    options = _options(
        numerator,
        DEFAULTS["denominator"] if denominator is None else denominator,
        unit,
        statistic,
        family,
        sr_method,
        limit,
        draw_adjusted,
        trim_by,
        multiplier,
        funnelplotr_compat,
        rate,
        years_of_data,
        shmi_rounding,
        exclude_zero_sr,
    )
    result = _native.funnel_limits(table, options, dict(columns or {}))
    return _with_diagnostics(from_arrow(result, kind, (data,)), with_diagnostics)
