"""The charts of ``collabmetrics.plot`` draw the result's own numbers (Agg backend): each test
reads the drawn artists back and compares them with the frame."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from matplotlib.colors import to_hex

import collabmetrics as cm
from collabmetrics import plot

MONTHS = [dt.date(2023 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(18)]
# NHSRplotthedots' vignette series: the 10 is above the upper limit (an improvement).
VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_import_collabmetrics_never_imports_matplotlib() -> None:
    code = "import sys, collabmetrics; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = "import sys, collabmetrics as cm; cm.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_spc_draws_values_limits_and_mdc_colours() -> None:
    t = pa.table({"date": MONTHS, "value": VIGNETTE})
    points = cm.spc.xmr(t, target=1.5)
    ax = plot.spc(points, cm.spc.summary(t, target=1.5))
    values = ax.lines[0]
    assert values.get_ydata().tolist() == [float(v) for v in VIGNETTE]
    assert to_hex(values.get_color()) == plot.MDC_COLOURS["value_line"]
    # The mean and the limits are the result's (one segment).
    mean = next(line for line in ax.lines if line.get_label() == "mean")
    assert np.allclose(mean.get_ydata(), points["mean"].to_numpy())
    limits = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert np.allclose(limits[1].get_ydata(), points["upl"].to_numpy())
    assert round(float(limits[1].get_ydata()[0]), 6) == 4.604444  # NHSRplotthedots' vignette
    # Each point in Making Data Count's colour of its type: point 5 is an improvement.
    colours = [to_hex(c) for c in ax.collections[-1].get_facecolors()]
    kinds = points["point_type"].to_pylist()
    assert colours == [plot.MDC_COLOURS[k] for k in kinds]
    assert colours[4] == "#00b0f0" and kinds[4] == "special_cause_improvement"
    # The 2σ band spans the result's 2σ lines.
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.max(), points["upl_2sigma"][0].as_py())
    # The target, red.
    target = next(line for line in ax.lines if line.get_label() == "target")
    assert target.get_ydata()[0] == 1.5 and to_hex(target.get_color()) == "#de1b1b"
    # The icons: variation (the last point, common cause) and assurance (the target inside
    # the limits: hit and miss, "?").
    insets = ax.child_axes
    assert len(insets) == 2
    rings = [
        p for a in insets for p in a.patches if p.get_label().startswith(("variation", "assurance"))
    ]
    assert [r.get_label() for r in rings] == ["variation: common_cause", "assurance: inconsistent"]
    assert [t.get_text() for t in insets[1].texts] == ["?"]


def test_spc_icons_show_special_cause_and_a_fail() -> None:
    # A rising series where lower is better: the last point is a concern above the limits
    # (orange "H"), and a target of 0 below the limits always fails (orange "F").
    t = pa.table({"date": MONTHS[:8], "value": [0, 1, 2, 3, 4, 5, 6, 7]})
    kw: dict[str, Any] = {"improvement": "decrease", "target": 0}
    ax = plot.spc(cm.spc.xmr(t, **kw), cm.spc.summary(t, **kw))
    variation, assurance = ax.child_axes
    assert [t.get_text() for t in variation.texts] == ["H"]
    assert to_hex(variation.texts[0].get_color()) == "#e46c0a"
    assert [t.get_text() for t in assurance.texts] == ["F"]


def test_spc_of_several_series_needs_one_named() -> None:
    t = pa.table(
        {
            "date": MONTHS * 2,
            "value": VIGNETTE + [v + 1 for v in VIGNETTE],
            "ward": ["a"] * 18 + ["b"] * 18,
        }
    )
    points = cm.spc.xmr(t, by="ward")
    with pytest.raises(cm.InvalidArgumentError, match="several series"):
        plot.spc(points)
    ax = plot.spc(points, series="b")
    assert ax.lines[0].get_ydata().tolist() == [v + 1.0 for v in VIGNETTE]
    assert ax.get_title() == "b"
    ax = plot.spc(points.to_pandas(), series={"ward": "a"})
    assert ax.lines[0].get_ydata().tolist() == [float(v) for v in VIGNETTE]


def test_a_frame_without_a_needed_column_names_it() -> None:
    t = cm.spc.xmr(pa.table({"date": MONTHS, "value": VIGNETTE})).drop_columns(["upl"])
    with pytest.raises(cm.MissingColumnError) as e:
        plot.spc(t)
    assert e.value.column == "upl" and e.value.table == "points"
    with pytest.raises(cm.MissingColumnError, match="estimate"):
        plot.survival(pa.table({"time": [0], "at_risk": [1]}))
    with pytest.raises(cm.MissingColumnError, match="bed_days"):
        plot.oap_trend(pa.table({"period_end": [dt.date(2024, 1, 31)]}))


def _assessment() -> pa.Table:
    """A funnel assessment laid out as ``cm.funnel.assess`` documents it (two units, one
    beyond its 99.8% limits)."""
    return pa.table(
        {
            "unit": ["north", "south", "east"],
            "numerator": [50.0, 90.0, 30.0],
            "denominator": [100.0, 150.0, 120.0],
            "value": [50.0, 60.0, 25.0],
            "target": [45.0, 45.0, 45.0],
            "lcl95": [35.2, 37.0, 36.1],
            "ucl95": [54.8, 53.0, 53.9],
            "lcl998": [29.6, 32.4, 31.0],
            "ucl998": [60.4, 57.6, 59.0],
            "od_lcl95": [30.0, 31.0, 30.5],
            "od_ucl95": [60.0, 59.0, 59.5],
            "od_lcl998": [25.0, 26.0, 25.5],
            "od_ucl998": [65.0, 64.0, 64.5],
            "outlier": [False, True, True],
            "adjusted": [True, True, True],
        }
    )


def test_funnel_draws_units_limits_and_names_outliers() -> None:
    a = _assessment()
    ax = plot.funnel(a)
    points = ax.collections[-1].get_offsets()
    assert points[:, 0].tolist() == [100.0, 150.0, 120.0]
    assert points[:, 1].tolist() == [50.0, 60.0, 25.0]
    # Limits at the units' denominators, in denominator order, 95% then 99.8%, solid; the
    # adjusted ones dashed, drawn because they flag the outliers.
    solid = [
        line for line in ax.lines if line.get_linestyle() == "-" and len(line.get_xdata()) == 3
    ]
    assert solid[0].get_xdata().tolist() == [100.0, 120.0, 150.0]
    assert solid[0].get_ydata().tolist() == [35.2, 36.1, 37.0]
    assert solid[3].get_ydata().tolist() == [60.4, 59.0, 57.6]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert dashed[0].get_ydata().tolist() == [30.0, 30.5, 31.0]
    assert sorted(t.get_text() for t in ax.texts) == ["east", "south"]
    # Without the adjustment in force, no dashed limits.
    ax = plot.funnel(a.set_column(14, "adjusted", pa.array([False] * 3)))
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]


def test_funnel_draws_a_limits_table() -> None:
    limits = pa.table(
        {
            "denominator": [50.0, 100.0, 200.0],
            "lcl95": [31.0, 35.0, 38.0],
            "ucl95": [59.0, 55.0, 52.0],
            "lcl998": [25.0, 30.0, 34.0],
            "ucl998": [65.0, 60.0, 56.0],
            "target": [45.0] * 3,
        }
    )
    ax = plot.funnel(_assessment().to_pandas(), pl.from_arrow(limits))
    assert ax.lines[0].get_xdata().tolist() == [50.0, 100.0, 200.0]
    assert ax.lines[0].get_ydata().tolist() == [31.0, 35.0, 38.0]


def test_a_phe_rate_funnel_draws_units_and_curves_per_year() -> None:
    # Three years of data: PHE's rate limits are at the population per year, so the units
    # are drawn at theirs, population / 3 (hand: 100 000 / 3, 150 000 / 3, ...).
    t = pa.table(
        {
            "area": ["a", "b", "c", "d"],
            "n": [30, 60, 90, 200],
            "pop": [100_000, 150_000, 300_000, 500_000],
        }
    )
    rates = [1e5 * n / p for n, p in zip(t["n"].to_pylist(), t["pop"].to_pylist())]
    t = t.append_column("rate", pa.array(rates))
    kw: dict[str, Any] = dict(
        unit="area", statistic="rate_crude", multiplier=1e5, years_of_data=3, rate="rate"
    )
    a, lim = cm.funnel.assess(t, "n", "pop", **kw), cm.funnel.limits(t, "n", "pop", **kw)
    ax = plot.funnel(a, lim)
    x = ax.collections[-1].get_offsets()[:, 0].tolist()
    assert x == pytest.approx([100_000 / 3, 50_000, 100_000, 500_000 / 3])
    assert x == a["denominator_per_year"].to_pylist()
    assert ax.get_xlabel() == "denominator per year"
    # Each unit's own limits lie on the drawn curves at its x (where the curve reaches it).
    for line, key in zip(ax.lines[:4], ("lcl95", "ucl95", "lcl998", "ucl998")):
        cx, cy = line.get_xdata(), line.get_ydata()
        for xi, limit in zip(x, a[key].to_pylist()):
            if cx.min() <= xi <= cx.max():
                assert float(np.interp(xi, cx, cy)) == pytest.approx(limit, rel=1e-3), key


def test_survival_is_the_curve_with_its_band() -> None:
    t = pa.table(
        {
            "days_to_first_adult_contact": [0, 2, None, None, 5, None],
            "days_to_death": [None, None, None, 3, None, None],
            "follow_up_days": [9, 9, 2, 9, 9, 7],
        }
    )
    curve = cm.transition.time_to_contact(t)
    ax = plot.survival(curve, at_risk=[0, 2, 5, 8])
    line = ax.lines[0]
    assert line.get_xdata().tolist() == curve["time"].to_pylist()
    assert line.get_ydata().tolist() == curve["estimate"].to_pylist()
    assert line.get_drawstyle() == "steps-post"
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.min(), pc.min(curve["lower"]).as_py())
    # At risk just before days 0, 2, 5 and 8: 6, 5 (A had contact at 0), 2 (E, F), 0.
    assert [t.get_text() for t in ax.texts] == ["at risk", "6", "5", "2", "0"]
    aj = cm.transition.time_to_contact(t, method="aalen_johansen")
    assert plot.survival(aj).get_ylabel() == "cumulative incidence"


def test_sii_draws_the_fitted_line_from_the_result() -> None:
    # Four equal groups 40, 30, 20, 10: ridits 1/8, 3/8, 5/8, 7/8; the weighted least-squares
    # line is 45 − 40 x (by hand: slope = Σ(x − x̄)(y − ȳ)/Σ(x − x̄)² = −40), so SII = −40 and
    # the line runs from 45 at rank 0 to 5 at rank 1.
    g = pa.table(
        {
            "decile": [2, 1, 3, 4],
            "value": [30.0, 40.0, 20.0, 10.0],
            "lo": [25.0, 35.0, 15.0, 5.0],
            "hi": [35.0, 45.0, 25.0, 15.0],
            "pop": [1, 1, 1, 1],
        }
    )
    r = cm.inequality.sii(
        g, group="decile", order="decile", population="pop", lower="lo", upper="hi", reps=1000
    )
    ax = plot.sii(r, g, order="decile", population="pop", lower="lo", upper="hi")
    assert np.allclose(ax.lines[0].get_ydata(), [45.0, 5.0])
    points = ax.collections[-1].get_offsets()
    assert np.allclose(points[:, 0], [0.125, 0.375, 0.625, 0.875])
    assert points[:, 1].tolist() == [40.0, 30.0, 20.0, 10.0]
    assert ax.get_title() == "SII -40, RII 0.111"
    # A multiplier scales the values and the line alike.
    r100 = cm.inequality.sii(
        g, group="decile", order="decile", population="pop", reps=0, multiplier=100
    )
    ax = plot.sii(r100, g, order="decile", population="pop", multiplier=100)
    assert np.allclose(ax.lines[0].get_ydata(), [4500.0, 500.0])
    with pytest.raises(cm.InvalidArgumentError, match="one SII"):
        plot.sii(r.slice(0, 1), g, order="decile", population="pop")


def test_lorenz_is_the_cores_curve() -> None:
    values = [5.0, 1.0, 3.0, 9.0]
    ax = plot.lorenz(values)
    p, v = cm.inequality.lorenz(values)
    assert ax.lines[1].get_xdata().tolist() == p.tolist()
    assert ax.lines[1].get_ydata().tolist() == v.tolist()
    assert ax.get_title() == f"Gini {cm.inequality.gini(values):.3f}"
    ax = plot.lorenz((p, v))
    assert ax.lines[1].get_ydata().tolist() == v.tolist()


def test_oap_trend_draws_each_groups_bed_days() -> None:
    t = cm.demo.tables()
    m = cm.oap.measures(
        t["placements"], start="2023-04-01", end="2024-03-31", window="rolling_3m", by="place"
    )
    ax = plot.oap_trend(pl.from_arrow(m))
    assert len(ax.lines) == 4
    for line in ax.lines:
        rows = m.filter(pc.equal(m["place"], line.get_label()))
        assert line.get_ydata().tolist() == [float(v) for v in rows["bed_days"].to_pylist()]


def test_distance_bars_are_band_shares() -> None:
    s = cm.distance.summary(
        pd.DataFrame({"km": [3.0, 30, 60, 60, 150, 400, 10, 20], "g": list("aaaaaabb")}),
        distance="km",
        by="g",
    )
    ax = plot.distance(s)
    widths = [round(float(p.get_width()), 6) for p in ax.patches]
    # Group a: 1, 1, 2, 1, 0, 1 of 6; group b: 2 of 2 under 25 km. Bars are drawn band by band.
    assert widths[0:2] == [round(100 / 6, 6), 100.0]  # under 25 km: a, b
    assert widths[4:6] == [round(200 / 6, 6), 0.0]  # 50-100 km
    assert ax.get_legend().get_texts()[0].get_text() == "under 25 km"


def test_flows_is_the_sending_by_receiving_matrix() -> None:
    t = cm.demo.tables()
    m = cm.oap.measures(
        t["placements"],
        start="2024-03-01",
        end="2024-03-31",
        window="rolling_12m",
        by=["place", "receiving_org"],
    )
    ax = plot.flows(m)
    grid = ax.images[0].get_array()
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    for i, place in enumerate(rows):
        for j, org in enumerate(cols):
            cell = m.filter(pc.and_(pc.equal(m["place"], place), pc.equal(m["receiving_org"], org)))
            expected = float(cell["bed_days"][0].as_py()) if cell.num_rows else 0.0
            assert grid[i, j] == expected, (place, org)
    totals = grid.sum(axis=0)
    assert list(totals) == sorted(totals, reverse=True)


def _bar_labels(ax: Any) -> list[str]:
    """A bar chart's category labels (older matplotlib fills them in only when drawn)."""
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.get_yticklabels()]


def _three_placements() -> pa.Table:
    # East→X 3 nights (suppressed under nhs_hes: 1–7), East→Y 40 nights (31 in March), West→X
    # 30 nights; West→Y has none (a true zero).
    d = dt.date
    return pa.table(
        {
            "placement_id": [1, 2, 3],
            "person_id": ["a", "b", "c"],
            "start_date": [d(2024, 3, 1)] * 3,
            "end_date": [d(2024, 3, 4), d(2024, 4, 10), d(2024, 3, 31)],
            "bed_type": ["10"] * 3,
            "reason": ["10"] * 3,
            "place": ["East", "East", "West"],
            "receiving_org": ["X", "Y", "X"],
        }
    )


def test_published_results_draw_their_groups_not_their_margins_and_mark_suppressed_cells() -> None:
    kw: dict[str, Any] = dict(
        start="2024-03-01", end="2024-03-31", by=["place", "receiving_org"], publish="nhs_hes"
    )
    for frame in (pa.table, pl.from_arrow):
        published = cm.oap.measures(frame(_three_placements()), **kw)
        ax = plot.flows(published)
        rows = [t.get_text() for t in ax.get_yticklabels()]
        cols = [t.get_text() for t in ax.get_xticklabels()]
        assert (rows, cols) == (["East", "West"], ["X", "Y"])  # no "None" margin
        grid = ax.images[0].get_array()
        assert np.ma.getmaskarray(grid)[0, 0]  # East→X suppressed: blank, not a 0 like West→Y
        assert grid[1, 1] == 0 and grid[0, 1] == 30
        assert sorted(t.get_text() for t in ax.texts) == ["*", "30", "30"]
        lines = plot.oap_trend(published).lines
        assert "None, None" not in [line.get_label() for line in lines] and len(lines) == 3
    summary = cm.distance.summary(
        pa.table({"km": [1.0, 30, 60, 5, 8, 90, 12, 40], "g": list("aaaabbbb")}),
        distance="km",
        by="g",
        publish=True,
    )
    assert _bar_labels(plot.distance(summary)) == ["a", "b"]


def test_distance_shares_come_from_the_published_count_and_withheld_bands_are_hatched() -> None:
    # 80 distances: 40 under 25 km, 3 in 25–50 (suppressed), 20 in 50–100, 17 in 100–200
    # (published 15). Shares of the published count 80: 50 %, 25 %, 18.75 %, and the withheld
    # rest, 6.25 %. Over the visible bands alone (75) the first was 53.3 %.
    km = [5.0] * 40 + [30.0] * 3 + [70.0] * 20 + [150.0] * 17
    ax = plot.distance(cm.distance.summary(km, publish=True))
    widths = [round(float(p.get_width()), 4) for p in ax.patches]
    assert widths == [50.0, 0.0, 25.0, 18.75, 0.0, 0.0, 6.25]
    assert ax.patches[-1].get_hatch() == "//"
    # Rounded bands 15 + 15 + 15 over a rounded count of 40 (13 + 13 + 13 + 3): a bar never
    # passes 100 %.
    ax = plot.distance(
        cm.distance.summary([5.0] * 13 + [30.0] * 13 + [70.0] * 13 + [150.0] * 3, publish=True)
    )
    assert math.fsum(float(p.get_width()) for p in ax.patches) == pytest.approx(100.0)
    # A weighted summary: bands are sums of weights, shares of `weight_sum`; `weight_sum` is
    # not a group.
    t = pa.table({"km": [3.0, 30, 60, 10], "w": [1.0, 2, 3, 4], "g": list("aaab")})
    ax = plot.distance(cm.distance.summary(t, distance="km", weight="w", by="g"))
    assert _bar_labels(ax) == ["a", "b"]
    assert [float(p.get_width()) for p in ax.patches][:2] == pytest.approx([100 / 6, 100.0])
    ax = plot.distance(cm.distance.summary(t, distance="km", weight="w"))
    assert _bar_labels(ax) == ["all"]


def test_a_dsr_funnel_charts_no_unit_of_fewer_than_10_events_even_when_none_has_more() -> None:
    # PHE leaves `denominator_per_year` null below 10 events; with every unit below it, the
    # units were drawn at the all-years denominator against curves per year.
    t = pa.table({"area": list("abc"), "n": [3, 8, 5], "rate": [4.1, 9.5, 6.0]})
    kw: dict[str, Any] = dict(
        unit="area", statistic="rate_dsr", multiplier=1e5, years_of_data=3, rate="rate"
    )
    ax = plot.funnel(cm.funnel.assess(t, "n", None, **kw), cm.funnel.limits(t, "n", None, **kw))
    assert ax.get_xlabel() == "denominator per year"
    assert np.isnan(np.asarray(ax.collections[-1].get_offsets(), dtype=float)[:, 0]).all()


def test_series_select_the_null_group_and_refuse_a_value_of_the_wrong_type() -> None:
    months = MONTHS[:12]
    t = pa.table(
        {
            "date": months * 2,
            "value": [float(v) for v in list(range(12)) + [5, 6] * 6],
            "ward": ["a"] * 12 + [None] * 12,
        }
    )
    points, summary = cm.spc.xmr(t, by="ward", target=3), cm.spc.summary(t, by="ward", target=3)
    ax = plot.spc(points, summary, series={"ward": None})
    assert ax.lines[0].get_ydata().tolist() == [5.0, 6.0] * 6
    assert len(ax.child_axes) == 2  # both icons
    team = pa.table(
        {"date": months * 2, "value": [float(i) for i in range(24)], "team": [1] * 12 + [2] * 12}
    )
    with pytest.raises(
        cm.InvalidArgumentError, match=r"series.*'2' is not a value of the column `team`"
    ):
        plot.spc(cm.spc.xmr(team, by="team"), series="2")
    with pytest.raises(cm.InvalidArgumentError, match=r"1\.5 is not a value"):
        plot.spc(cm.spc.xmr(team, by="team"), series=1.5)  # not team 1
    with pytest.raises(cm.InvalidArgumentError, match="no rows to draw"):
        plot.flows(
            cm.oap.measures(
                _three_placements(),
                start="2024-03-01",
                end="2024-03-31",
                by=["place", "receiving_org"],
            ).slice(0, 0)
        )


def test_bad_input_is_an_error_naming_what_is_wrong() -> None:
    t = pa.table({"area": ["x", "y"], "n": [50, 20], "pop": [100, 100]})
    kw: dict[str, Any] = dict(unit="area", statistic="proportion", multiplier=100)
    limits = cm.funnel.limits(t, "n", "pop", **kw).drop_columns(["upper_3s_limit"])
    with pytest.raises(cm.MissingColumnError, match="upper_3s_limit"):
        plot.funnel(cm.funnel.assess(t, "n", "pop", **kw), limits)
    m = pa.table({"period_start": [MONTHS[0]], "period_end": [MONTHS[0]], "bed_days": ["x"]})
    with pytest.raises(cm.InvalidArgumentError, match="`bed_days` must hold numbers"):
        plot.oap_trend(m)
    with pytest.raises(cm.InvalidArgumentError, match="differ in length"):
        plot.lorenz(([0.0, 0.5, 1.0], [0.0, 1.0]))
    with pytest.raises(cm.InvalidArgumentError, match="weights"):
        plot.lorenz(([0.0, 1.0], [0.0, 1.0]), [1, 2])


def test_sii_draws_the_result_s_by_group_and_the_model_s_curve() -> None:
    g = pa.table(
        {
            "area": ["A"] * 4 + ["B"] * 4,
            "decile": [1, 2, 3, 4] * 2,
            "value": [40.0, 30.0, 20.0, 10.0, 50.0, 30.0, 20.0, 5.0],
            "population": [1] * 8,
        }
    )
    kw: dict[str, Any] = dict(order="decile", population="population")
    r = cm.inequality.sii(g, group="decile", by="area", reps=0, **kw)
    a = r.filter(pc.equal(r["area"], "A"))
    # Area A's four groups at ridits 1/8 … 7/8, not eight points of both areas.
    ax = plot.sii(a, g, **kw)
    assert ax.collections[-1].get_offsets()[:, 1].tolist() == [40.0, 30.0, 20.0, 10.0]
    with pytest.raises(cm.InvalidArgumentError, match="select one by-group"):
        plot.sii(r, g, **kw)
    with pytest.raises(cm.InvalidArgumentError, match="select one confidence level"):
        plot.sii(
            cm.inequality.sii(
                g.slice(0, 4), group="decile", confidence=[0.95, 0.998], reps=100, seed=1, **kw
            ),
            g.slice(0, 4),
            **kw,
        )
    # On the log scale (transform=True on a rate) the model is a straight line of log f: at
    # rank ½ the curve is √(f0·f1), not the ends' mean.
    t = cm.inequality.sii(g.slice(0, 4), group="decile", reps=0, transform=True, **kw)
    line = plot.sii(t, g.slice(0, 4), scale="log", **kw).lines[0]
    ys = np.asarray(line.get_ydata(), dtype=float)
    assert len(ys) == 101 and ys[50] == pytest.approx(math.sqrt(ys[0] * ys[-1]))
    with pytest.raises(cm.InvalidArgumentError, match="scale"):
        plot.sii(t, g.slice(0, 4), scale="cubic", **kw)
    # HEAT's logistic SII of a percentage: the logit is of the proportion (unit 100 inferred);
    # at rank ½ the curve is the inverse logit of the ends' mean logit.
    pct = pa.table(
        {
            "subgroup": ["q1", "q2", "q3", "q4", "q5"],
            "order": [1, 2, 3, 4, 5],
            "value": [40.0, 32.0, 25.0, 18.0, 12.0],
            "population": [100.0] * 5,
        }
    )
    h = cm.inequality.measures(
        pct,
        order="order",
        measures=["SII", "RII"],
        sii_model="logistic",
        scale=100,
        favourable="low",
    )
    ys = np.asarray(
        plot.sii(h, pct, order="order", population="population", scale="logit")
        .lines[0]
        .get_ydata(),
        dtype=float,
    )
    a, b = (math.log(v / (100 - v)) for v in (ys[0], ys[-1]))
    assert ys[50] == pytest.approx(100 / (1 + math.exp(-(a + b) / 2)))
