"""Funnel plots through Python: every FunnelPlotR and PHE vector in tests/reference, frames in
and out, the defaults of the documented signature, and bad input."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import collabmetrics as cm

REFERENCE = Path(__file__).resolve().parents[2] / "tests" / "reference"


def csv(rel: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / rel, encoding="utf-8-sig")


# --------------------------------------------------------------------------------------------
# FunnelPlotR


CASES: dict[str, dict[str, Any]] = {
    "SR_SHMI_limit99": {"statistic": "sr", "limit": 99},
    "SR_unadjusted_limit95": {"statistic": "sr", "limit": 95, "draw_adjusted": False},
    "PR_limit95": {"statistic": "pr", "limit": 95},
    "RC_limit95": {"statistic": "rc", "limit": 95, "funnelplotr_compat": True},
}

PAIRS = [
    ("value", "rr"),
    ("z", "Uzscore"),
    ("z_adjusted", "Wuzscore"),
    ("lcl95", "LCL95"),
    ("ucl95", "UCL95"),
    ("lcl998", "LCL99"),
    ("ucl998", "UCL99"),
    ("od_lcl95", "OD95LCL"),
    ("od_ucl95", "OD95UCL"),
    ("od_lcl998", "OD99LCL"),
    ("od_ucl998", "OD99UCL"),
    ("phi", "phi"),
    ("tau2", "tau2"),
]


@pytest.mark.parametrize("case", sorted(CASES))
def test_funnelplotr_vectors(case: str) -> None:
    want = csv("funnel/funnelplotr_vectors.csv")
    want = want[want["case"] == case].reset_index(drop=True)
    data = want[["group", "numerator", "denominator"]]
    got = cm.funnel.assess(data, "numerator", "denominator", unit="group", **CASES[case])
    assert isinstance(got, pd.DataFrame)
    assert list(got["unit"]) == list(want["group"])
    for ours, theirs in PAIRS:
        np.testing.assert_allclose(
            got[ours].to_numpy(dtype=float), want[theirs].to_numpy(dtype=float),
            rtol=1e-8, atol=1e-10, err_msg=f"{case} {ours}",
        )  # fmt: skip
    assert list(got["outlier"].astype(int)) == list(want["outlier"])
    assert bool(got["adjusted"][0]) == bool(want["draw_adjusted"][0])


def test_funnelplotr_package_tests() -> None:
    # test-classes_methods.R: phi = 2.948033; test-aggregate_fun.R: rows added up by group.
    t = pa.table(
        {
            "g": ["a", "b", "c", "d", "e", "f"],
            "o": [100, 150, 180, 80, 120, 225],
            "e": [108.0, 112, 165, 95, 100, 220],
        }
    )
    r = cm.funnel.assess(t, "o", "e", unit="g", statistic="sr")
    assert r["phi"][0].as_py() == pytest.approx(2.948033, abs=5e-7)
    t = pa.table(
        {
            "g": ["a", "a", "a", "b", "b", "c"],
            "o": [100, 150, 180, 89, 120, 225],
            "e": [102.0, 135, 165, 95, 100, 220],
        }
    )
    r, diag = cm.funnel.assess(t, "o", "e", unit="g", statistic="sr", with_diagnostics=True)
    assert r["value"].to_pylist() == pytest.approx([1.069652, 1.071795, 1.022727], abs=5e-7)
    assert {d["reason"]: d["count"] for d in diag}["rows_added_up"] == 3
    # test-poisson_limits.R: exact Poisson limits at 15, 20, 30.
    t = pa.table({"o": [15.0, 20, 30], "e": [15.0, 20, 30]})
    r = cm.funnel.assess(t, "o", "e", unit=None, statistic="sr", draw_adjusted=False)
    assert r["lcl95"].to_pylist() == pytest.approx([0.5596924, 0.6108260, 0.6746958], abs=5e-7)
    assert r["ucl998"].to_pylist() == pytest.approx([2.082907, 1.902094, 1.702771], abs=5e-6)


def test_funnelplotr_limits_table_and_polars() -> None:
    want = csv("funnel/funnelplotr_vectors.csv")
    want = want[want["case"] == "PR_limit95"]
    data = pl.from_pandas(want[["group", "numerator", "denominator"]])
    t = cm.funnel.limits(data, "numerator", "denominator", unit="group", statistic="pr")
    assert isinstance(t, pl.DataFrame)
    assert t["denominator"][0] == 3.0 and t["denominator"][-1] == 410.0
    assert t.columns[-1] == "target"


# --------------------------------------------------------------------------------------------
# PHE


def test_phe_proportions() -> None:
    inputs = csv("phe/testdata_funnel_prop_inputs.csv")
    r = cm.funnel.assess(
        inputs[["Area", "numerator", "denominator"]],
        "numerator",
        "denominator",
        unit="Area",
        statistic="proportion",
        multiplier=100,
    )
    assert list(r["significance"]) == list(inputs["significance"])
    table = cm.funnel.limits(
        pa.Table.from_pandas(inputs[["numerator", "denominator"]]),
        "numerator",
        "denominator",
        unit=None,
        statistic="proportion",
        multiplier=100,
    )
    want = csv("phe/testdata_funnel_prop_outputs.csv")
    assert table["population"].to_pylist() == list(want["Population"])
    for ours, theirs in [
        ("lower_2s_limit", "Lower2s0025limit"),
        ("upper_2s_limit", "Upper2s0025limit"),
        ("lower_3s_limit", "Lower3s0001limit"),
        ("upper_3s_limit", "Upper3s0001limit"),
        ("baseline", "Baseline"),
    ]:
        np.testing.assert_allclose(table[ours].to_numpy(), want[theirs], atol=5.1e-7)
    small = inputs[inputs["denominator"] < 31000][["numerator", "denominator"]]
    table = cm.funnel.limits(
        small, "numerator", "denominator", unit=None, statistic="proportion", multiplier=100
    )
    want = csv("phe/testdata_funnel_prop_outputs_with_axis_variation.csv")
    assert list(table["population"]) == list(want["Population"])
    np.testing.assert_allclose(table["upper_3s_limit"], want["Upper3s0001limit"], atol=5.1e-9)


def test_phe_ratios() -> None:
    inputs = csv("phe/testdata_funnel_ratio_inputs.csv")
    r = cm.funnel.assess(inputs, "obs", "expected", unit=None, statistic="ratio_isr")
    assert list(r["significance"]) == list(inputs["significance"])
    want = csv("phe/testdata_funnel_ratio_outputs.csv")
    want.columns = [c.strip() for c in want.columns]
    for statistic, suffix in [("ratio_isr", "isr"), ("ratio_count", "count")]:
        t = cm.funnel.limits(  # type: ignore[call-overload]
            inputs,
            "obs",
            "expected",
            unit=None,
            statistic=statistic,
        )
        assert list(t["observed_events"]) == list(want["Observed_events"])
        for k in ["lower_2s", "upper_2s", "lower_3s", "upper_3s"]:
            np.testing.assert_allclose(t[f"{k}_exp_events"], want[f"{k}_exp_events"], rtol=1e-4)
            np.testing.assert_allclose(t[f"{k}_limit"], want[f"{k}_{suffix}"], rtol=1e-4)
        assert t["statistic"][0] == f"ratio ({suffix})"


def max_replaced(values: pd.Series, to: float) -> pd.Series:
    out: pd.Series = values.where(values != values.max(), to)
    return out


def test_phe_rate_tables_and_chart_points() -> None:
    rows = csv("phe/testdata_funnel_rate_input_funnels.csv")
    opts: dict[str, Any] = {"unit": None, "rate": "rate", "multiplier": 1e5, "years_of_data": 3}
    t = cm.funnel.limits(rows[["ev", "rate"]], "ev", None, statistic="rate_dsr", **opts)
    want = csv("phe/testdata_funnel_rate_outputs.csv")
    assert list(t["events"]) == list(want["Events"])
    for c in ["lower_2s_population_1_year", "upper_3s_limit", "baseline"]:
        np.testing.assert_allclose(t[c], want[c], rtol=1e-4)
    assert t["statistic"][0] == "rate (dsr per 100,000)"

    crude = rows[["ev", "rate"]].assign(ev=max_replaced(rows["ev"], 5))
    t = cm.funnel.limits(crude, "ev", None, statistic="rate_crude", **opts)
    want = csv("phe/testdata_funnel_rate_outputs_2.csv")
    np.testing.assert_allclose(t["lower_2s_limit"], want["lower_2s_limit"], rtol=1e-4)

    pop = 1e5 * rows["ev"] / rows["rate"]
    top = rows["ev"] == rows["ev"].max()
    third = pd.DataFrame(
        {
            "ev": rows["ev"].where(~top, 0),
            "rate": rows["rate"].where(~top, 0),
            "pop": pop,
        }
    )
    third = third[third["pop"] > third["pop"].max() / 2]
    t = cm.funnel.limits(third, "ev", "pop", statistic="rate_crude", **opts)
    want = csv("phe/testdata_funnel_rate_outputs_3.csv")
    assert list(t["events"]) == list(want["Events"])
    np.testing.assert_allclose(t["upper_2s_limit"], want["upper_2s_limit"], rtol=1e-4)

    # calculate_funnel_points: DSRs below 10 events are not charted.
    dsr = rows[["ev", "rate"]].assign(ev=max_replaced(rows["ev"], 5))
    r = cm.funnel.assess(dsr, "ev", None, statistic="rate_dsr", **opts)
    np.testing.assert_allclose(r["rate_chart"], rows["rate_chart"], rtol=1e-9)
    np.testing.assert_allclose(r["denominator_per_year"], rows["denominator_derived"], rtol=1e-9)
    with_denom = rows[["ev", "rate", "pop"]].assign(ev=max_replaced(rows["ev"], 0))
    r = cm.funnel.assess(
        with_denom, "ev", "pop", statistic="rate_crude", **{**opts, "years_of_data": 5}
    )
    np.testing.assert_allclose(
        r["denominator_per_year"], rows["denominator_derived_crude_with_denom"], rtol=1e-9
    )


@pytest.mark.parametrize(
    "column, statistic, rate, multiplier",
    [
        ("dsr_per_100000", "rate_dsr", "rate_dsr", 1e5),
        ("dsr_per_100", "rate_dsr", "rate_dsr", 100),
        ("crude_per_100000", "rate_crude", "rate_crude_per_100000", 1e5),
        ("crude_per_100", "rate_crude", "rate_crude_per_100", 100),
    ],
)
@pytest.mark.parametrize("zeros", [True, False])
def test_phe_rate_significance(
    column: str, statistic: str, rate: str, multiplier: float, zeros: bool
) -> None:
    rows = csv("phe/testdata_funnel_rate_dsr_inputs.csv")
    if not zeros:
        rows = rows[rows["count"] != 0]
    r = cm.funnel.assess(  # type: ignore[call-overload]
        pl.from_pandas(rows[["count", rate, "pop"]]),
        "count",
        "pop",
        unit=None,
        statistic=statistic,
        rate=rate,
        multiplier=multiplier,
        years_of_data=1,
    )
    want = rows[f"{column}_{'with_0' if zeros else 'without_0'}"]
    assert r["significance"].to_list() == list(want)


# --------------------------------------------------------------------------------------------
# Signature, options and bad input


def test_signature_defaults_are_the_issues() -> None:
    params = inspect.signature(cm.funnel.assess).parameters
    assert params["family"].default is None
    assert params["sr_method"].default == "SHMI"
    assert params["limit"].default == 99
    assert params["draw_adjusted"].default is True
    assert params["trim_by"].default == 0.1
    assert params["funnelplotr_compat"].default is False
    # PHE has no default multiplier; FunnelPlotR's 1 applies when none is given.
    assert params["multiplier"].default is None
    assert params["unit"].default is inspect.Parameter.empty
    assert params["statistic"].default is inspect.Parameter.empty
    assert cm.funnel.STATISTICS[:2] == ("proportion", "ratio_isr")
    assert "High (0.001)" in cm.funnel.SIGNIFICANCE


def test_multiplier_one_for_funnelplotr_by_default() -> None:
    t = pa.table({"o": [10.0, 20, 30], "n": [100.0, 100, 100]})
    a = cm.funnel.assess(t, "o", "n", unit=None, statistic="pr")
    b = cm.funnel.assess(t, "o", "n", unit=None, statistic="pr", multiplier=100)
    np.testing.assert_allclose(b["ucl95"].to_numpy(), 100 * a["ucl95"].to_numpy(), rtol=1e-14)


def error(call: object) -> cm.CollabMetricsError:
    with pytest.raises(cm.CollabMetricsError) as e:
        call()  # type: ignore[operator]
    return e.value


def test_bad_input() -> None:
    def run(o: list[float | None], n: list[float], **kw: object) -> object:
        t = pa.table({"u": [f"u{i}" for i in range(len(o))], "o": o, "n": n})
        options = {"unit": "u", "statistic": "pr", **kw}
        return lambda: cm.funnel.assess(t, "o", "n", **options)  # type: ignore[call-overload]

    msg = str(error(run([1.0, None, 3.0], [10, 10, 10])))
    assert "`o` at row 1" in msg and "missing" in msg
    assert "`n` at row 2" in str(error(run([1.0, 2, 3], [10, 10, 0])))
    assert "`n` at row 0" in str(error(run([1.0, 2, 3], [-5, 10, 10])))
    assert "must not exceed" in str(error(run([1.0, 12, 3], [10, 10, 10])))
    assert "at least 2 units" in str(error(run([1.0], [10])))
    msg = str(error(run([1.0, 0, 3], [10, 10, 10], statistic="sr")))
    assert "group u1" in msg and "exclude_zero_sr" in msg
    r, diag = cm.funnel.assess(
        pa.table({"u": ["a", "b", "c"], "o": [1.0, 0, 3], "n": [10.0, 10, 10]}),
        "o",
        "n",
        unit="u",
        statistic="sr",
        exclude_zero_sr=True,
        with_diagnostics=True,
    )
    assert r["unit"].to_pylist() == ["a", "c"]
    assert diag[0]["reason"] == "zero_observed_sr" and diag[0]["first_row"] == 1
    msg = str(error(run([1.0, 2], [10, 10], statistic="pop")))
    assert 'unknown statistic "pop"; expected one of "proportion"' in msg
    assert "unknown family" in str(error(run([1.0, 2], [10, 10], family="fingertips")))
    assert "unknown SR method" in str(error(run([1.0, 2], [10, 10], sr_method="log")))
    assert "95 or 99" in str(error(run([1.0, 2], [10, 10], limit=90)))
    assert "trim_by" in str(error(run([1.0, 2], [10, 10], trim_by=0.5)))
    assert "multiplier" in str(error(run([1.0, 2], [10, 10], statistic="proportion")))


def test_phe_rates_of_zero_event_units_follow_the_published_rate() -> None:
    # Spec A.3: rate_chart = rate. A unit with 0 events and no published rate stays missing
    # (NA in PHE), not 0; a negative or infinite rate is an error naming the cell.
    def table(rate0: float | None) -> pa.Table:
        return pa.table(
            {
                "ev": [0.0, 5, 20, 100],
                "pop": [1000.0, None, None, None],
                "rate": [rate0, 50.0, 200, 80],
            }
        )

    opts: dict[str, Any] = {"unit": None, "multiplier": 1e5, "years_of_data": 1}
    for statistic in ("rate_crude", "rate_dsr"):
        for bad in (-7.0, float("inf")):
            with pytest.raises(cm.CollabMetricsError, match=r"`rate` at row 0"):
                cm.funnel.assess(table(bad), "ev", "pop", statistic=statistic, **opts)
        out = cm.funnel.assess(table(None), "ev", "pop", statistic=statistic, **opts)
        assert out.column("value")[0].as_py() is None
        assert out.column("rate_chart")[0].as_py() is None


def test_publication_withholds_what_places_a_suppressed_unit_against_the_limits() -> None:
    # Area a has 3 events: suppressed. Its significance ("Low (0.001)"), outlier flag and
    # PHE's chart rate (= its rate, 30 per 100 000) would each narrow the suppressed count,
    # so they are null in the published table; the other areas keep theirs unchanged.
    events, population = [3, 40, 55, 61, 50], [10_000.0, 10_000, 12_000, 13_000, 11_000]
    t = pa.table(
        {
            "area": list("abcde"),
            "ev": events,
            "pop": population,
            "rate": [e / p * 1e5 for e, p in zip(events, population)],
        }
    )
    kw: dict[str, Any] = dict(
        unit="area",
        numerator="ev",
        denominator="pop",
        statistic="rate_crude",
        multiplier=1e5,
        years_of_data=1,
    )
    raw = cm.funnel.assess(t, **kw)
    published = cm.funnel.assess(t, **kw, publish=True)
    assert published.column("numerator")[0].as_py() is None
    for column in ("significance", "outlier", "rate_chart"):
        assert raw.column(column)[0].as_py() is not None
        assert published.column(column)[0].as_py() is None, column
        assert published.column(column).to_pylist()[1:] == raw.column(column).to_pylist()[1:]
    withheld = [d for d in cm.diagnostics(published) if d["reason"] == "label_withheld"]
    assert [(d["count"], d["first_row"]) for d in withheld] == [(2, 0)]


def test_a_pooled_target_is_a_sum_a_rule_that_does_not_round_cannot_protect() -> None:
    # PR's target is ΣO/Σn: with the other units' exact counts it gives a suppressed count back
    # by difference ((3 + 40 + 55 + 61 + 50) / 500 and 40 + 55 + 61 + 50 published exactly
    # leave 3). A rule that suppresses without rounding refuses the table; the NHS rules, which
    # round, publish it; SR's target (1) is no sum, so without the dispersion adjustment (whose
    # φ is, see below) it publishes under either.
    t = pa.table(
        {
            "unit": list("abcde"),
            "n": [3, 40, 55, 61, 50],
            "d": [100.0] * 5,
            "e": [5.0, 38, 50, 60, 52],
        }
    )
    exact = {"k": 5, "base": 1, "suppress_zero": True}
    pr: dict[str, Any] = dict(unit="unit", numerator="n", denominator="d", statistic="pr")
    with pytest.raises(cm.InvalidArgumentError, match="pooled value"):
        cm.funnel.assess(t, **pr, publish=exact)
    assert cm.funnel.assess(t, **pr, publish=True).column("numerator")[0].as_py() is None
    sr: dict[str, Any] = dict(
        unit="unit", numerator="n", denominator="e", statistic="sr", draw_adjusted=False
    )
    published = cm.funnel.assess(t, **sr, publish=exact)
    assert published.column("numerator").to_pylist() == [None, 40, 55, 61, 50]


def test_dispersion_estimated_from_every_unit_is_a_link_among_the_numerators() -> None:
    # φ is a function of every unit's z-score: with the others' published exactly, one value
    # of the suppressed numerator (2) gives the published φ back. A rule that does not round
    # refuses the table; without the adjustment (φ reported 0) it publishes it.
    t = pa.table(
        {"unit": list("abcdef"), "o": [2, 20, 31, 45, 60, 80], "e": [5.0, 15, 40, 30, 70, 60]}
    )
    exact = {"k": 5, "base": 1, "suppress_zero": True}
    kw: dict[str, Any] = dict(unit="unit", numerator="o", denominator="e", statistic="sr")
    with pytest.raises(cm.InvalidArgumentError, match="phi and tau2"):
        cm.funnel.assess(t, **kw, publish=exact)
    published = cm.funnel.assess(t, **kw, draw_adjusted=False, publish=exact)
    assert published.column("numerator")[0].as_py() is None
    assert published.column("phi")[0].as_py() == 0.0
