"""SPC (XmR) charts: every NHSRplotthedots reference case of tests/reference/spc/, frames in
and out, per-series options, and bad input named by column, row or option."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import collabmetrics as cm

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "reference" / "spc" / "nhsrplotthedots_vectors.csv"

VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def months(n: int, first: tuple[int, int] = (2023, 4)) -> list[dt.date]:
    y, m = first
    return [dt.date(y + (m - 1 + k) // 12, (m - 1 + k) % 12 + 1, 1) for k in range(n)]


def close(a: float, b: float, tol: float = 1e-8) -> bool:
    return abs(a - b) <= tol * max(abs(b), 1.0)


@pytest.mark.parametrize(
    "case",
    [
        "shift",
        "trend",
        "two_in_three",
        "issue167_up",
        "vignette_screened",
        "rnorm20_seed123",
        "rebase_target",
        "fix_after_12",
    ],
)
def test_reference_cases(case: str) -> None:
    ref = pd.read_csv(VECTORS, keep_default_na=True)
    rows = ref[ref["case"] == case].reset_index(drop=True)
    first = rows.iloc[0]
    dates = months(len(rows))
    steps = rows.index[rows["rebase_group"].diff().fillna(0) != 0]
    fix = first["fix_after_n_points"]
    target = first["target"]
    t = cm.spc.xmr(
        pd.DataFrame({"date": dates, "value": rows["y"]}),
        improvement=first["improvement_direction"],
        screen_outliers=bool(first["screen_outliers"]),
        fix_after_n_points=None if pd.isna(fix) else int(fix),
        target=None if pd.isna(target) else float(target),
        rebase=[dates[i] for i in steps] or None,
    )
    assert isinstance(t, pd.DataFrame)
    assert len(t) == len(rows)
    for col in ["mean", "lpl", "upl"]:
        for got, want in zip(t[col], rows[col]):
            assert close(got, want), (case, col, got, want)
    assert t["outside_limits"].tolist() == rows["outside_limits"].tolist()
    assert t["close_to_limits"].tolist() == rows["close_to_limits"].tolist()
    assert t["relative_to_mean"].tolist() == rows["relative_to_mean"].tolist()
    assert t["special_cause_type"].tolist() == rows["special_cause_type"].tolist()
    assert t["point_type"].tolist() == rows["point_type"].tolist()
    assert t["segment"].tolist() == rows["rebase_group"].tolist()
    assert (
        t["special_cause_flag"].tolist() == (rows["special_cause_type"] != "Common Cause").tolist()
    )


def test_frames_come_back_as_they_went_in() -> None:
    data = {"date": months(18), "value": VIGNETTE}
    assert isinstance(cm.spc.xmr(pa.table(data)), pa.Table)
    assert isinstance(cm.spc.xmr(pl.DataFrame(data)), pl.DataFrame)
    s = cm.spc.summary(pd.DataFrame(data))
    assert isinstance(s, pd.DataFrame)
    assert s.loc[0, "method"] == "nhsrplotthedots"
    assert s.loc[0, "n"] == 18
    assert math.isclose(float(s["upl"].iloc[0]), 4.604444444, rel_tol=1e-8)


def test_mdc_preset_and_overrides() -> None:
    data = pa.table({"date": months(18), "value": VIGNETTE})
    mdc = cm.spc.summary(data, rules="mdc_2023").to_pylist()[0]
    # The vignette's unscreened limits.
    assert math.isclose(mdc["upl"], 6.951503, rel_tol=1e-6)
    assert math.isclose(mdc["lpl"], -3.062614, rel_tol=1e-6)
    assert mdc["method"] == "mdc_2023"
    # Screening switched back on: the rule set is no longer either preset.
    custom = cm.spc.summary(data, rules="mdc_2023", screen_outliers=True).to_pylist()[0]
    assert math.isclose(custom["upl"], 4.604444444, rel_tol=1e-8)
    assert custom["method"] == "custom"


def test_two_series_with_rebase_and_target_per_series() -> None:
    ref = pd.read_csv(VECTORS)
    south = ref[ref["case"] == "rebase_target"]["y"].tolist()
    frame = pd.DataFrame(
        {
            "place": ["south"] * 24 + ["north"] * 18,
            "period": months(24, (2024, 1)) + months(18, (2024, 1)),
            "beds": south + VIGNETTE,
        }
    )
    s = cm.spc.summary(
        frame,
        value="beds",
        date="period",
        by="place",
        improvement="decrease",
        rebase={"south": "2025-01-01"},
        target={"south": 26},
    )
    assert s["place"].tolist() == ["north", "south", "south"]
    assert s["n"].tolist() == [18, 12, 12]
    assert s["latest"].tolist() == [True, False, True]
    assert [None if pd.isna(a) else a for a in s["assurance"]] == [None, None, "consistent_pass"]
    assert math.isclose(s["upl"].iloc[2], 25.32818182, rel_tol=1e-8)
    # With decrease better, north's 10 is a concern; its last point is common cause.
    assert s["special_cause_concern"].iloc[0] == 1
    assert s["variation"].iloc[0] == "common_cause"


def test_multi_column_keys_and_diagnostics() -> None:
    frame = pa.table(
        {
            "date": months(14) * 2,
            "value": [float(k % 3) for k in range(28)],
            "icb": ["A"] * 28,
            "sex": ["F"] * 14 + ["M"] * 14,
        }
    )
    t, diags = cm.spc.xmr(
        frame,
        by=["icb", "sex"],
        rebase={("A", "F"): [months(14)[13]]},
        with_diagnostics=True,
    )
    segments = t.column("segment").to_pylist()
    assert segments[13] == 1 and segments[27] == 0
    assert t.column("lpl")[13].as_py() is None  # one point: no limits
    reasons = {d["reason"]: d["count"] for d in diags}
    assert reasons["one_point_segment"] == 1
    assert reasons["short_segment"] == 1


def test_a_null_key_and_the_text_null_are_different_series() -> None:
    # Fifteen months for a null `g` and fifteen for the text "null": None names the null series
    # (first: nulls sort first), "null" the text, each with its own target and rebase.
    ds = months(15)
    data = pa.table(
        {
            "date": ds * 2,
            "value": [float(v) for v in VIGNETTE[:15]] * 2,
            "g": [None] * 15 + ["null"] * 15,
        }
    )
    s = cm.spc.summary(data, by="g", target={None: 3, "null": 4})
    assert s.column("g").to_pylist() == [None, "null"]
    assert s.column("target").to_pylist() == [3.0, 4.0]
    s = cm.spc.summary(data, by="g", target={None: 3})
    assert s.column("target").to_pylist() == [3.0, None]
    s = cm.spc.summary(data, by="g", rebase={None: ds[-1]})
    assert s.column("g").to_pylist() == [None, None, "null"]
    assert s.column("n").to_pylist() == [14, 1, 15]


def test_one_point_segment_is_short_whatever_the_threshold() -> None:
    # 15 months rebased at the last: segments of 14 points and of 1. The one-point segment has
    # no limits, so it keeps short_group_warning even when the threshold flags nothing else.
    ds = months(15)
    data = pa.table({"date": ds, "value": [float(v) for v in VIGNETTE[:15]]})
    for threshold in (0, 1, 13):
        s = cm.spc.summary(data, rebase=ds[-1], warning_threshold=threshold)
        assert s.column("n").to_pylist() == [14, 1]
        assert s.column("short_group_warning").to_pylist() == [False, True]


def test_trajectory_and_rules_options() -> None:
    data = pa.table(
        {
            "date": months(8),
            "value": [1.0, 2, 3, 4, 4, 5, 6, 7],
            "plan": [None, 1.0, 1, 1, 1, 1, 1, 1],
        }
    )
    t = cm.spc.xmr(data, trajectory="plan", ties="skip")
    assert t.column("trajectory").to_pylist()[:2] == [None, 1.0]
    # With ties skipped the repeated 4 no longer breaks the rise: a trend of seven values.
    assert t.column("special_cause_type").to_pylist()[1] == "7 Point Trend (Increasing)"
    t = cm.spc.xmr(data)
    assert t.column("special_cause_type").to_pylist()[1] == "Common Cause"


# Bad input: each a CollabMetricsError naming the column, row or option.


def test_missing_value_names_the_row() -> None:
    data = pa.table({"date": months(3), "value": [1.0, None, 2.0]})
    with pytest.raises(cm.InvalidCellError, match=r"column `value` at row 1 \(null\)") as e:
        cm.spc.xmr(data)
    assert (e.value.column, e.value.row, e.value.value) == ("value", 1, "null")
    data = pa.table({"date": months(3), "value": [1.0, 2.0, float("nan")]})
    with pytest.raises(cm.InvalidCellError, match=r"`value` at row 2 \(NaN\).*missing") as e:
        cm.spc.summary(data)
    assert (e.value.column, e.value.row) == ("value", 2)


def test_limits_beyond_the_largest_double_are_refused() -> None:
    # Alternating ±1e308: every moving range is 2e308, so the limits 0 ± 2.66 × 2e308 are not
    # doubles. An error naming the limit, not null limits and common cause everywhere.
    data = pa.table({"date": months(14), "value": [1e308, -1e308] * 7})
    with pytest.raises(cm.LimitExceededError, match="beyond the largest double") as e:
        cm.spc.xmr(data, with_diagnostics=True)
    assert e.value.argument == "lpl"


def test_duplicate_date_names_the_row() -> None:
    d = months(3)
    data = pa.table({"date": [d[0], d[1], d[1]], "value": [1.0, 2.0, 3.0], "s": ["a", "a", "a"]})
    with pytest.raises(
        cm.InvalidCellError, match=r"`date` at row 2 \(2023-05-01\).*duplicate"
    ) as e:
        cm.spc.xmr(data, by="s")
    assert (e.value.column, e.value.row, e.value.value) == ("date", 2, "2023-05-01")


def test_unknown_names_are_refused() -> None:
    data = pa.table({"date": months(3), "value": [1.0, 2.0, 3.0]})
    with pytest.raises(cm.InvalidArgumentError, match="unknown improvement direction") as e:
        cm.spc.xmr(data, improvement="up")  # type: ignore[call-overload]
    assert e.value.argument == "improvement"
    with pytest.raises(cm.InvalidArgumentError, match=r"\"nhsrplotthedots\", \"mdc_2023\"") as e:
        cm.spc.xmr(data, rules="mdc")  # type: ignore[call-overload]
    assert e.value.argument == "rules"
    with pytest.raises(cm.InvalidArgumentError, match="unknown tie rule") as e:
        cm.spc.xmr(data, ties="sometimes")  # type: ignore[call-overload]
    assert e.value.argument == "ties"


def test_fix_after_fewer_than_twelve_points() -> None:
    data = pa.table({"date": months(3), "value": [1.0, 2.0, 3.0]})
    with pytest.raises(cm.InvalidArgumentError, match="11 is below 12") as e:
        cm.spc.xmr(data, fix_after_n_points=11)
    assert e.value.argument == "fix_after_n_points"


def test_maps_naming_absent_series() -> None:
    data = pa.table({"date": months(3), "value": [1.0, 2.0, 3.0], "s": ["a"] * 3})
    with pytest.raises(cm.InvalidValueError, match=r"`rebase` at index 0 \(b\)") as e:
        cm.spc.xmr(data, by="s", rebase={"b": "2023-05-01"})
    assert (e.value.argument, e.value.row, e.value.value) == ("rebase", 0, "b")
    with pytest.raises(cm.InvalidValueError, match=r"`target` at index 1 \(c\)"):
        cm.spc.summary(data, by="s", target={"a": 1, "c": 2})
    with pytest.raises(cm.InvalidArgumentError, match="no `by` columns"):
        cm.spc.summary(data, target={"a": 1})
    with pytest.raises(cm.InvalidArgumentError, match="`target`: must be a number"):
        cm.spc.summary(data, target="high")  # type: ignore[call-overload]


def test_defaults_are_the_cores() -> None:
    import inspect

    from collabmetrics import _native

    d = _native.defaults("spc")
    sig = inspect.signature(cm.spc.xmr)
    for name in ["improvement", "rules", "warning_threshold", "screen_outliers", "ties"]:
        assert sig.parameters[name].default == d[name], name
    assert (d["rules"], d["warning_threshold"], d["screen_outliers"]) == (
        "nhsrplotthedots",
        13,
        None,
    )


def test_the_centre_line_is_the_double_nearest_the_exact_mean() -> None:
    # One-decimal series, as rates are published: the exact mean (rational arithmetic) rounded
    # once. A compensated sum of rounded residuals missed it by an ulp in about 2 series of 3.
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(12, 37))
        y = [round(float(v), 1) for v in rng.normal(0, 1, n)]
        dates = [dt.date(2000 + m // 12, m % 12 + 1, 1) for m in range(n)]
        points = cm.spc.xmr(pa.table({"date": dates, "value": y}))
        exact = float(sum(Fraction(v) for v in y) / n)
        assert points.column("mean")[0].as_py() == exact, y
    # Here the mean is 0.1 exactly as a double, so the point 0.1 (row 14) is on it and breaks
    # the run above it (the spec: a point on the mean breaks a run): rows 14–18 are common
    # cause. With the mean an ulp below 0.1 they were a run of seven above.
    y = [0.3, -1.3, -1.3, -0.4, -1.4, -1.0, 0.4, 1.0, 0.3, 1.0, 0.2, 1.6, 0.9, 0.9, 0.1, 0.9]
    y += [1.5, 0.5, 1.4, -0.9, -1.9, -1.0, 0.5]
    dates = [dt.date(2000 + m // 12, m % 12 + 1, 1) for m in range(len(y))]
    points = cm.spc.xmr(pa.table({"date": dates, "value": y})).to_pydict()
    assert points["mean"][0] == 0.1
    assert points["relative_to_mean"][14] == 0
    assert set(points["special_cause_type"][14:19]) == {"Common Cause"}
