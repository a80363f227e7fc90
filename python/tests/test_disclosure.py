"""Disclosure control through Python: the specification's cases D1–D11 (each worked by hand in
the comments), frames of every kind, ``publish=`` on the table functions, and bad input."""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import collabmetrics as cm

D1 = [0, 1, 4, 5, 7, 8, 12, 13, 17, 18, 22, 23, 1234, 1237, 1238]
CUSTOM = {"k": 5, "suppress_zero": False, "base": 1}


def col(t: pa.Table, name: str) -> list[Any]:
    values: list[Any] = t.column(name).to_pylist()
    return values


def intervals(log: pa.Table) -> dict[tuple[int, str], tuple[float, float]]:
    return {
        (r["row"], r["column"]): (r["audit_lower"], r["audit_upper"])
        for r in log.to_pylist()
        if r["audit_lower"] is not None
    }


def test_d1_both_nhs_rules() -> None:
    t = pa.table({"n": D1})
    s = None
    assert col(cm.disclose(t, counts="n"), "n") == [
        s,
        s,
        s,
        5,
        5,
        10,
        10,
        15,
        15,
        20,
        20,
        25,
        1235,
        1235,
        1240,
    ]
    assert col(cm.disclose(t, counts="n", rule="nhs_hes"), "n") == [
        0,
        s,
        s,
        s,
        s,
        10,
        10,
        15,
        15,
        20,
        20,
        25,
        1235,
        1235,
        1240,
    ]


def test_d2_national_rows() -> None:
    t = pa.table({"n": [0, 3, 12], "england": [True, True, True]})
    assert col(cm.disclose(t, counts="n", national="england"), "n") == [0, 3, 12]


def test_d3_total_from_unrounded_parts() -> None:
    # 3, 12, 26 → *, 10, 25 and the total 41 → 40, not 35.
    given = pa.table({"place": ["A", "B", "C", None], "n": [3, 12, 26, 41]})
    assert col(cm.disclose(given, counts="n", dimensions="place"), "n") == [None, 10, 25, 40]
    added = pa.table({"place": ["A", "B", "C"], "n": [3, 12, 26]})
    out = cm.disclose(added, counts="n", dimensions="place")
    assert col(out, "n") == [None, 10, 25, 40]
    assert col(out, "place") == ["A", "B", "C", None]


def test_d4_percentages() -> None:
    # 13/47 = 27.66 → 28; 3/40 → * (numerator); 7/9 → 78; 5/5 → 100; 12/4 → * (denominator).
    t = pa.table({"n": [13, 3, 7, 5, 12], "d": [47, 40, 9, 5, 4]})
    derived = {"pct": {"numerator": "n", "denominator": "d", "kind": "percent"}}
    out = cm.disclose(t, counts=["n", "d"], derived=derived)
    assert col(out, "pct") == [28.0, None, 78.0, 100.0, None]
    out = cm.disclose(t, counts=["n", "d"], derived=derived, suppress_on="numerator")
    assert col(out, "pct")[4] == 300.0


def test_d5_central_method_and_bad_counts() -> None:
    t = pa.table({"n": [0, 2, 5, 8, 16, 57, 10023]})
    out = cm.disclose(t, counts="n", rule="nhs_hes", display="5")
    assert [str(v) for v in col(out, "n")] == ["0", "5", "5", "10", "15", "55", "10025"]
    for bad in ([-1], [4.2]):
        with pytest.raises(cm.CollabMetricsError, match=r"`n` at row 0 .*whole numbers >= 0"):
            cm.disclose(pa.table({"n": bad}), counts="n", rule="nhs_hes")


def two_way(values: list[list[int]], rows: str = "XYZ", cols: str = "ABC") -> pa.Table:
    r, c, n = [], [], []
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            r.append(rows[i])
            c.append(cols[j])
            n.append(v)
    return pa.table({"row": r, "col": c, "n": n})


D6 = [[3, 10, 12], [8, 9, 15], [6, 20, 7]]


def test_d6_hypercube_and_audit() -> None:
    # Cube (Z, C) is the cheapest: X-A, X-C, Z-A, Z-C hidden. X-A = a: X-C = 15 − a,
    # Z-A = 9 − a, Z-C = 4 + a → [0, 9], [6, 15], [0, 9], [4, 13].
    out, log = cm.disclose(
        two_way(D6), counts="n", rule=CUSTOM, dimensions=["row", "col"], with_log=True
    )
    n = col(out, "n")
    assert [k for k, v in enumerate(n) if v is None] == [0, 2, 6, 8]
    assert n[9:] == [25, 32, 33, 17, 39, 34, 90]
    iv = intervals(log)
    assert iv[(0, "n")] == (0, 9)
    assert iv[(2, "n")] == (6, 15)
    assert iv[(6, "n")] == (0, 9)
    assert iv[(8, "n")] == (4, 13)
    assert "reason" not in out.column_names


def test_d6a_without_secondary_suppression_the_audit_refuses() -> None:
    with pytest.raises(cm.CollabMetricsError, match=r"disclosive.*row=X, col=A.*\[3, 3\]"):
        cm.disclose(
            two_way(D6), counts="n", rule=CUSTOM, dimensions=["row", "col"], secondary="none"
        )


def test_d7_two_primaries_in_a_row() -> None:
    out, log = cm.disclose(
        two_way([[2, 4, 30], [10, 12, 14]], rows="XY"),
        counts="n",
        rule=CUSTOM,
        dimensions=["row", "col"],
        with_log=True,
    )
    assert [k for k, v in enumerate(col(out, "n")) if v is None] == [0, 1, 3, 4]
    iv = intervals(log)
    assert [iv[(k, "n")] for k in (0, 1, 3, 4)] == [(0, 6), (0, 6), (6, 12), (10, 16)]


def one_way(parts: list[int], total: int | None = None) -> pa.Table:
    keys: list[str | None] = [f"p{i}" for i in range(len(parts))]
    n = list(parts)
    if total is not None:
        keys.append(None)
        n.append(total)
    return pa.table({"part": keys, "n": n})


def test_d9_d10_one_way_complements() -> None:
    out, log = cm.disclose(
        one_way([2, 9, 14, 30], 55), counts="n", rule=CUSTOM, dimensions="part", with_log=True
    )
    assert col(out, "n") == [None, None, 14, 30, 55]
    assert intervals(log)[(0, "n")] == (0, 11)
    out = cm.disclose(one_way([3, 0, 0, 8, 20], 31), counts="n", rule=CUSTOM, dimensions="part")
    assert col(out, "n") == [None, 0, 0, None, 20, 31]


@pytest.mark.parametrize(
    ("x", "y", "published", "interval"),
    [
        (3, 12, [None, 10, 15], (1, 4)),  # x = T − y ≥ 13 − 12
        (0, 12, [None, 10, 10], (0, 4)),
        (4, 13, [None, 15, 15], (0, 4)),
        (1, 5, [None, 5, 5], (0, 2)),  # y ≥ 5, T ≤ 7
    ],
)
def test_d11_rounding_narrows_but_never_reveals(
    x: int, y: int, published: list[int | None], interval: tuple[int, int]
) -> None:
    out, log = cm.disclose(one_way([x, y]), counts="n", dimensions="part", with_log=True)
    assert col(out, "n") == published
    assert intervals(log)[(0, "n")] == interval
    assert "secondary_complement" not in col(log, "reason")


def test_every_kind_of_frame_comes_back_as_it_came() -> None:
    data = {"place": ["A", "B", "C"], "n": [3, 12, 26]}
    out = cm.disclose(pd.DataFrame(data), counts="n", dimensions="place")
    assert isinstance(out, pd.DataFrame)
    assert out["n"].isna().tolist() == [True, False, False, False]
    out, log = cm.disclose(pl.DataFrame(data), counts="n", dimensions="place", with_log=True)
    assert isinstance(out, pl.DataFrame) and isinstance(log, pl.DataFrame)
    assert out["n"].to_list() == [None, 10, 25, 40]
    assert log["reason"].to_list()[0] == "primary_small"


def test_published_results_need_no_column_lists() -> None:
    t = cm.demo.tables()
    raw = cm.oap.measures(t["placements"], start="2023-04-01", end="2024-03-31", by="place")
    published = cm.oap.measures(
        t["placements"], start="2023-04-01", end="2024-03-31", by="place", publish=True
    )
    assert published.equals(cm.disclose(raw))
    started = [v for v in col(published, "started") if v is not None]
    assert started and all(v >= 5 and v % 5 == 0 for v in started)
    # The margins are there: one total per month, its place null.
    assert col(published, "place").count(None) == 12
    # Raw results stay unrounded.
    assert any(v % 5 for v in col(raw, "bed_days"))


def test_publish_on_the_statistics() -> None:
    t = cm.proportion([3, 40], [10, 50], publish=True)
    assert col(t, "numerator") == [None, 40]
    assert col(t, "value")[0] is None
    assert col(t, "value")[1] == 0.8


def test_the_rule_none_changes_nothing() -> None:
    # Spec: `none | unchanged | unchanged`, through disclose and publish=.
    out = cm.disclose(pa.table({"n": [3, 12]}), counts="n", rule="none")
    assert col(out, "n") == [3, 12]
    t = cm.proportion([3, 12], [12, 15], multiplier=100, publish="none")
    assert col(t, "numerator") == [3, 12]
    assert col(t, "value") == [25.0, 80.0]  # 3/12, 12/15: unrounded


def test_exact_halves_round_away_from_zero() -> None:
    # 57/200 = 28.5% and 23/40 = 57.5% exactly: half away from zero gives 29 and 58
    # (docs/methods/disclosure.md, Decision 5), though 57 / 200 * 100 = 28.499999999999996.
    t = pa.table({"n": [57, 23], "d": [200, 40]})
    for kind, expected in (("percent", [29.0, 58.0]), ("proportion", [0.29, 0.58])):
        derived = {"pct": {"numerator": "n", "denominator": "d", "kind": kind}}
        assert col(cm.disclose(t, counts=["n", "d"], derived=derived), "pct") == expected
    published = cm.proportion([57, 23], [200, 40], multiplier=100, publish=True)
    assert col(published, "value") == [29.0, 58.0]


def test_nhs_hes_leaves_confidence_limits_unrounded() -> None:
    # Spec: nhs_hes leaves confidence intervals uncontrolled. 13/47 → 28%; its Wilson limits
    # (by hand, z = 1.959964) 16.936563 and 41.758564 stay unrounded; the limits of 3/40 go
    # with the suppressed count 3 (docs/methods/disclosure.md, Decision 6).
    t = cm.proportion([3, 13], [40, 47], multiplier=100, publish="nhs_hes")
    assert col(t, "value") == [None, 28.0]
    assert col(t, "lower")[0] is None and col(t, "upper")[0] is None
    assert col(t, "lower")[1] == pytest.approx(16.936563, abs=1e-6)
    assert col(t, "upper")[1] == pytest.approx(41.758564, abs=1e-6)


def test_derived_values_refuse_what_they_cannot_divide_by() -> None:
    # 6/0 and 12/0 have no percentage and k = 5 suppresses neither count; a population of
    # -1000 has no rate: each is an error naming the column and row.
    t = pa.table({"n": [6, 12], "d": [0, 0], "pop": [1000, -1000]})
    rule = {"k": 5, "base": 1}
    pct = {"pct": {"numerator": "n", "denominator": "d", "kind": "percent"}}
    with pytest.raises(cm.CollabMetricsError, match=r"`d` at row 0 .*must be > 0"):
        cm.disclose(t, counts=["n"], rule=rule, derived=pct)
    rate = {"r": {"numerator": "n", "denominator": "pop", "kind": "rate", "multiplier": 1000}}
    with pytest.raises(cm.CollabMetricsError, match=r"`pop` at row 1 .*finite and >= 0"):
        cm.disclose(t, counts=["n"], rule=rule, derived=rate)


def test_custom_rules_take_national_exempt_and_name_a_bad_parameter() -> None:
    # Spec: custom(k, suppress_zero, base, national_exempt = true); with False the national
    # 3 is below k = 5 and suppressed.
    t = pa.table({"n": [0, 3, 12], "england": [True, True, True]})
    rule = {"k": 5, "base": 1, "national_exempt": False}
    assert col(cm.disclose(t, counts="n", national="england", rule=rule), "n") == [0, None, 12]
    with pytest.raises(cm.CollabMetricsError, match=r"unknown custom rule parameter `bse`"):
        cm.disclose(t, counts="n", rule={"k": 5, "bse": 1})
    with pytest.raises(cm.CollabMetricsError, match=r"needs the parameter `k`"):
        cm.disclose(t, counts="n", rule={"base": 5})
    # 7 rounds down to 5 under base 5 (and to 6 under base 6); 4 and 7 keep it.
    with pytest.raises(cm.CollabMetricsError, match=r"the nearest are 4 and 7"):
        cm.disclose(t, counts="n", rule={"k": 7, "base": 6})
    with pytest.raises(cm.CollabMetricsError, match=r"`decimals`.*>= 0, got -1"):
        cm.disclose(t, counts="n", decimals=-1)


def test_bad_input_is_a_structured_error() -> None:
    t = pa.table({"n": [13], "d": [47]})
    with pytest.raises(
        cm.CollabMetricsError, match=r"missing column `people`.*derived value `pct`"
    ):
        cm.disclose(
            t,
            counts="n",
            derived={"pct": {"numerator": "n", "denominator": "people", "kind": "percent"}},
        )
    with pytest.raises(cm.CollabMetricsError, match=r'unknown rule "nhs"; expected one of'):
        cm.disclose(t, counts="n", rule="nhs")
    with pytest.raises(cm.CollabMetricsError, match=r"unknown derived kind|unknown variant"):
        cm.disclose(
            t, counts="n", derived={"pct": {"numerator": "n", "denominator": "d", "kind": "pct"}}
        )
    with pytest.raises(cm.CollabMetricsError, match=r"unknown field `numerater`"):
        cm.disclose(
            t,
            counts="n",
            derived={"pct": {"numerater": "n", "denominator": "d", "kind": "percent"}},
        )
    with pytest.raises(cm.CollabMetricsError, match=r"invalid argument `rule`"):
        cm.disclose(t, counts="n", rule={"k": 5, "bse": 1})
    with pytest.raises(cm.CollabMetricsError, match=r'unknown secondary method "cube"'):
        cm.disclose(t, counts="n", secondary="cube")
    three = pa.table({"a": ["x"], "b": ["y"], "c": ["z"], "n": [3]})
    with pytest.raises(cm.CollabMetricsError, match=r"τ-Argus \(Modular\) or sdcTable"):
        cm.disclose(three, counts="n", rule=CUSTOM, dimensions=["a", "b", "c"])
    with pytest.raises(cm.CollabMetricsError, match=r"name its count columns"):
        cm.disclose(t)


def test_an_added_margin_has_no_confidence_limits_rather_than_its_value() -> None:
    # The margin disclose adds (the total over g) has a ratio recomputed from its counts, 65 /
    # 74; its limits would need Byar's method, which disclose does not apply: null, where they
    # were published equal to the value.
    t = pa.table(
        {
            "g": ["a", "b", "c"],
            "count": [3, 23, 41],
            "population": [1000, 1200, 1500],
            "reference_count": [20] * 3,
            "reference_population": [1000] * 3,
        }
    )
    margin = cm.isr(t, by="g", publish=True).to_pylist()[3]
    assert margin["g"] is None and margin["value"] == pytest.approx(67 / 74)
    assert (margin["lower"], margin["upper"]) == (None, None)


def test_a_weighted_distance_summary_withholds_its_bands_and_shares() -> None:
    # Group a has 3 records: its weighted bands (weights 1, so the records) would add up to
    # the suppressed count; c's share beyond 50 km times its weight sum gives its suppressed
    # count_beyond (2 of weight 9).
    w = pa.table(
        {
            "g": ["a"] * 3 + ["b"] * 8 + ["c"] * 9,
            # a: 3 records; b: 8; c: 9.
            "d": [10.0, 30, 120, 5, 15, 20, 40, 60, 80, 150, 400, 1, 2, 3, 4, 5, 6, 7, 55, 66],
            "w": [1.0] * 20,
        }
    )
    p = cm.distance.summary(w, distance="d", by="g", weight="w", publish=True).to_pylist()
    bands = [k for k in p[0] if k.startswith("band_")]
    assert p[0]["count"] is None and all(p[0][b] is None for b in bands)
    assert p[2]["count_beyond"] is None
    assert (p[2]["share_beyond"], p[2]["share_lower"], p[2]["share_upper"]) == (None, None, None)
    assert p[2]["count"] == 10 and p[2]["band_lt_25"] == 7  # published, as its count is
