"""Disclosure control through Python: the specification's cases D1–D11 (each worked by hand in
the comments), frames of every kind, ``publish=`` on the table functions, and bad input."""

from __future__ import annotations

import json
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
    # Z-A = 9 − a, Z-C = 4 + a. With hidden cells ≥ 0 (the spec's programme, right when zeros
    # are suppressed too): [0, 9], [6, 15], [0, 9], [4, 13]. With zeros published (D6's rule)
    # every hidden cell is ≥ 1 (complements are never zero): [1, 8], [7, 14], [1, 8], [5, 12].
    for suppress_zero, expected in (
        (False, [(1, 8), (7, 14), (1, 8), (5, 12)]),
        (True, [(0, 9), (6, 15), (0, 9), (4, 13)]),
    ):
        rule = {**CUSTOM, "suppress_zero": suppress_zero}
        out, log = cm.disclose(
            two_way(D6), counts="n", rule=rule, dimensions=["row", "col"], with_log=True
        )
        n = col(out, "n")
        assert [k for k, v in enumerate(n) if v is None] == [0, 2, 6, 8]
        assert n[9:] == [25, 32, 33, 17, 39, 34, 90]
        iv = intervals(log)
        assert [iv[(k, "n")] for k in (0, 2, 6, 8)] == expected
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
    # X-A = a, X-B = 6 − a, Y-A = 12 − a, Y-B = 10 + a, every one ≥ 1 (zeros are published;
    # the spec's ≥ 0 gives [0, 6], [0, 6], [6, 12], [10, 16]).
    assert [iv[(k, "n")] for k in (0, 1, 3, 4)] == [(1, 5), (1, 5), (7, 11), (11, 15)]


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
    assert intervals(log)[(0, "n")] == (1, 10)  # x1 + x2 = 11, both ≥ 1 (spec, ≥ 0: [0, 11])
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
    # publish= is disclose with the table's roles, less the share of days with a cost (a
    # derived percentage of bed days): beside the monthly totals the publication adds, a
    # share from unrounded counts would give a suppressed count back by difference.
    disclosed = cm.disclose(raw)
    assert "cost_days_share" in disclosed.column_names
    assert published.equals(disclosed.drop_columns(["cost_days_share"]))
    started = [v for v in col(published, "started") if v is not None]
    assert started and all(v >= 5 and v % 5 == 0 for v in started)
    # The margins are there: one total per month, its place null.
    assert col(published, "place").count(None) == 12
    # Raw results stay unrounded.
    assert any(v % 5 for v in col(raw, "bed_days"))


def test_a_pandas_or_polars_result_keeps_its_roles() -> None:
    # The roles were in the Arrow schema only: disclose refused a pandas or polars result,
    # and naming just its counts published the percentage beside a suppressed 3, which gives
    # it back (30 % of 10).
    df = pd.DataFrame({"unit": ["A", "B", "C"], "n": [3, 40, 60], "d": [10, 100, 120]})
    expected = cm.disclose(cm.proportion("n", "d", data=pa.Table.from_pandas(df), multiplier=100))
    assert expected.column("value").to_pylist()[0] is None  # the 3 and its percentage
    result = cm.proportion("n", "d", data=df, multiplier=100)
    for frame in (
        result,
        result[result["d"] > 0].copy(),
        cm.proportion("n", "d", data=pl.from_pandas(df), multiplier=100),
    ):
        out = cm.disclose(frame)
        got = out if isinstance(out, pl.DataFrame) else pl.from_pandas(out)
        want = pl.from_arrow(expected)
        assert isinstance(want, pl.DataFrame)
        assert got.select(expected.column_names).equals(want)
    with pytest.raises(cm.InvalidArgumentError, match="give the counts back"):
        cm.disclose(df.assign(value=[30.0, 40.0, 50.0]))
    # pandas keeps attrs through a rename: roles naming `value` beside a column renamed `pct`
    # would recompute a suppressed `value` and publish `pct` as it is. Roles are read only
    # while the frame has the result's columns; otherwise disclose asks for them by name.
    for edited in (result.rename(columns={"value": "pct"}), result.assign(share=result["value"])):
        with pytest.raises(cm.InvalidArgumentError, match="carries no collabmetrics roles"):
            cm.disclose(edited)


def test_min_denominator_holds_on_national_rows_too() -> None:
    # A rate over 47 bed days is withheld below a minimum of 100 whether or not the row is
    # national (national rows are exempt from the counts' rule, not from the value's); over
    # 470 the national rate is published as it is: 130 / 470 × 1000 = 276.595…
    t = pa.table({"nat": [True, True, False], "n": [13, 130, 13], "d": [47, 470, 47]})
    rate = {"numerator": "n", "denominator": "d", "kind": "rate", "multiplier": 1000}
    out = cm.disclose(
        t, counts=["n", "d"], national="nat", derived={"rate": {**rate, "min_denominator": 100}}
    )
    got = col(out, "rate")
    assert got[0] is None and got[2] is None
    assert got[1] == pytest.approx(130 / 470 * 1000, rel=1e-15)
    assert col(out, "n") == [13, 130, 15]  # national counts as they are; 13 rounds to 15


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
    # A scale that is not a positive number: -5 would publish 6/1000 as -30 per 1000.
    pop = t.slice(0, 1)
    cases: list[tuple[dict[str, float], str]] = [
        ({"multiplier": -5}, r"`multiplier`: must be finite and > 0, got -5 \(derived `r`\)"),
        ({"min_denominator": -1}, r"`min_denominator`: must be finite and ≥ 0, got -1"),
        ({"multiplier": float("inf")}, r"`derived`: Out of range float"),
    ]
    for bad, message in cases:
        spec = {"r": {**rate["r"], **bad}}
        with pytest.raises(cm.CollabMetricsError, match=message):
            cm.disclose(pop, counts=["n"], rule=rule, derived=spec)


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
    # A base beyond 2^53 overflowed the rounding (42 published as 4.6e18 in a release build).
    with pytest.raises(cm.InvalidArgumentError, match=r"at most 9007199254740992"):
        cm.disclose(t, counts="n", rule={"k": 5, "base": 2**63 + 1})
    # An empty list of counts published every count as it was.
    with pytest.raises(cm.InvalidArgumentError, match=r"`counts`.*is empty") as e:
        cm.disclose(t, counts=[])
    assert e.value.argument == "counts"


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
    margin = cm.disclose(cm.isr(t, by="g")).to_pylist()[3]
    assert margin["g"] is None and margin["value"] == pytest.approx(67 / 74)
    assert (margin["lower"], margin["upper"]) == (None, None)
    # publish= leaves the ratios out beside that total (they would pin the counts).
    published = cm.isr(t, by="g", publish=True)
    assert not {"value", "lower", "upper"} & set(published.column_names)
    assert published.column("g").to_pylist()[3] is None


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
    raw = cm.distance.summary(w, distance="d", by="g", weight="w")
    p = cm.disclose(raw).to_pylist()
    # publish= also leaves the shares out, beside the total it adds.
    published = cm.distance.summary(w, distance="d", by="g", weight="w", publish=True)
    assert not {"share_beyond", "share_lower", "share_upper"} & set(published.column_names)
    bands = [k for k in p[0] if k.startswith("band_")]
    assert p[0]["count"] is None and all(p[0][b] is None for b in bands)
    assert p[2]["count_beyond"] is None
    assert (p[2]["share_beyond"], p[2]["share_lower"], p[2]["share_upper"]) == (None, None, None)
    assert p[2]["count"] == 10 and p[2]["band_lt_25"] == 7  # published, as its count is


def test_a_link_binds_the_counts_controlled_even_when_the_others_are_published_as_they_are() -> (
    None
):
    # The roles say a + b = total. Controlling only `a` publishes b and total exactly, so a
    # suppressed a is total − b: 13 − 10 = 3. A rule that does not round refuses the table, as
    # it does when all three are controlled; without `total` in the table the relation gives
    # nothing back and a is suppressed.
    roles = {
        "counts": ["a", "b", "total"],
        "linked": [{"columns": ["a", "b", "total"], "note": "a and b sum to total"}],
    }
    t = pa.table({"g": ["x", "y", "z"], "a": [3, 20, 30], "b": [10, 10, 10], "total": [13, 30, 40]})
    t = t.replace_schema_metadata({"collabmetrics:roles": json.dumps(roles)})
    for counts in (["a"], ["a", "b", "total"]):
        with pytest.raises(cm.InvalidArgumentError, match="a and b sum to total"):
            cm.disclose(t, counts=counts, rule=CUSTOM)
    with pytest.raises(cm.InvalidArgumentError, match="published as it is: b, total"):
        cm.disclose(t, counts=["a"], rule=CUSTOM)
    out = cm.disclose(t.drop_columns(["total"]), counts=["a"], rule=CUSTOM)
    assert col(out, "a") == [None, 20, 30]
    assert col(out, "b") == [10, 10, 10]


def test_a_value_beside_a_complement_is_suppressed_whatever_suppress_on_says() -> None:
    # D6's denominators d with numerators n. The hypercube hides d at X-C, Z-A and Z-C to
    # protect X-A's 3. With suppress_on="numerator" their percentages were published beside
    # their numerators: d = 100 n / pct gave 12, 6 and 7 back, and X-A = 25 − 10 − 12 = 3.
    d = [[3, 10, 12], [8, 9, 15], [6, 20, 7]]
    n = [[3, 6, 9], [6, 7, 11], [5, 14, 6]]
    t = two_way(d).append_column("num", pa.array([v for row in n for v in row]))
    t = t.rename_columns(["row", "col", "d", "num"])
    pct = {"pct": {"numerator": "num", "denominator": "d", "kind": "percent"}}
    out, log = cm.disclose(
        t,
        counts=["num", "d"],
        derived=pct,
        dimensions=["row", "col"],
        rule=CUSTOM,
        suppress_on="numerator",
        with_log=True,
    )
    rows = out.to_pylist()
    complements = {
        r["row"]
        for r in log.to_pylist()
        if r["column"] == "d" and r["reason"] == "secondary_complement"
    }
    assert complements == {2, 6, 8}
    assert all(rows[r]["pct"] is None for r in complements)
    # A percentage beside a published denominator is still published under "numerator".
    assert rows[5]["pct"] == pytest.approx(100 * 11 / 15)


def test_missing_counts_in_a_table_are_unknowns_of_the_audit_not_zeros() -> None:
    # Parts 2, null, 9 and a null total (k = 5, zeros published): 2 is primary and 9 its
    # complement. The attacker knows neither the missing part nor the total: 2 ∈ [1, ∞).
    # Read as published zeros they made 2 + 9 = 0 and the table was refused as "[0, 0]".
    t = pa.table({"part": ["A", "B", "C", None], "n": pa.array([2, None, 9, None], pa.int64())})
    out, log = cm.disclose(t, counts="n", rule=CUSTOM, dimensions="part", with_log=True)
    assert col(out, "n") == [None, None, None, None]
    assert intervals(log)[(0, "n")] == (1, float("inf"))
    # D6 with Y-B missing (so its row, column and grand totals are missing too): the
    # hypercube's audit was an infeasible programme, an internal error.
    r = ["X"] * 3 + ["Y"] * 3 + ["Z"] * 3 + ["X", "Y", "Z", None, None, None, None]
    c = list("ABC") * 3 + [None, None, None, "A", "B", "C", None]
    v = [3, 10, 12, 8, None, 15, 6, 20, 7, 25, None, 33, 17, None, 34, None]
    t = pa.table({"r": r, "c": c, "n": pa.array(v, pa.int64())})
    out, log = cm.disclose(
        t, counts="n", dimensions=["r", "c"], secondary="hypercube", with_log=True
    )
    lo, hi = intervals(log)[(0, "n")]
    assert col(out, "n")[0] is None and lo <= 0 and hi >= 4
    # A total given missing over parts that are all there is refused, and says "null".
    t = pa.table({"part": ["A", "B", None], "n": pa.array([2, 9, None], pa.int64())})
    with pytest.raises(cm.InvalidCellError, match=r"row 2 \(null\)"):
        cm.disclose(t, counts="n", rule=CUSTOM, dimensions="part")


def test_a_dictionary_key_whose_value_is_null_is_a_margin() -> None:
    # D3 (parts 3, 12, 26, total 41 → *, 10, 25, 40) with the total's key a dictionary entry
    # holding null: it was read as a fourth part, and a second total (80) was added.
    keys = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, 3]), pa.array(["A", "B", "C", None]))
    t = pa.table({"p": keys, "n": [3, 12, 26, 41]})
    out = cm.disclose(t, counts="n", dimensions="p")
    assert col(out, "n") == [None, 10, 25, 40]


#: D6's rule with k = 6: the central value 5 must stand for a suppressed count only, and k = 5
#: publishes a count of 5 as 5 (refused with display="5"); the primaries of these tables are
#: the same under both.
CENTRAL = "custom(k=6, suppress_zero=false, base=1)"


def test_the_central_value_5_stands_for_a_small_count_not_for_a_complement() -> None:
    # D6: X-A (3) is shown as 5; its complements X-C (12), Z-A (6) and Z-C (7) are any size,
    # so they are null, not 5 (a 12 published as 5 is a wrong number).
    out = cm.disclose(two_way(D6), counts="n", rule=CENTRAL, dimensions=["row", "col"], display="5")
    n = col(out, "n")
    assert n[0] == 5
    assert [n[k] for k in (2, 6, 8)] == [None, None, None]


def test_nan_counts_are_missing_and_counts_beyond_9e15_are_named() -> None:
    t = pa.table({"n": pa.array([3.0, float("nan"), 12.0])})
    assert col(cm.disclose(t, counts="n", rule=CUSTOM), "n") == [None, None, 12]
    big = pa.table({"n": pa.array([9 * 10**15 + 1], pa.int64())})
    with pytest.raises(cm.InvalidCellError, match="at most 9e15"):
        cm.disclose(big, counts="n", rule="none")
    # Parts of 9e15 and 9e15 − 1 are exact, but their total would be rounded in a float. The
    # total is a row the call adds, so the error names it by its keys, not by a row number
    # past the input's.
    parts = pa.table({"p": ["A", "B"], "n": pa.array([9 * 10**15, 9 * 10**15 - 1], pa.int64())})
    with pytest.raises(cm.InvalidGroupError, match="margin must be at most 9e15") as e:
        cm.disclose(parts, counts="n", rule="none", dimensions="p")
    assert e.value.group == "p=(total)" and e.value.row is None


def test_under_the_central_display_a_5_is_known_to_be_a_primary() -> None:
    # X-A = X-B = 4 (primaries, shown as 5) beside X-C = 20 and X's total 28: a reader knows
    # each 5 is 1–5 and that they sum to 8, so each is 3–5, not the whole range 1–5. Under "*"
    # the reader cannot tell them from complements (no upper bound), so the audit let this
    # through under "5" too.
    t = two_way([[4, 4, 20], [10, 11, 12], [13, 14, 15]])
    with pytest.raises(cm.InvalidCellError, match=r"\[3, 5\]"):
        cm.disclose(t, counts="n", rule=CENTRAL, dimensions=["row", "col"], display="5")
    # With k = 5 a count of 5 is published as 5, which display="5" would make a suppressed
    # count look like: refused, naming the counts.
    with pytest.raises(cm.InvalidArgumentError, match="also publishes the counts 5 to 5 as 5"):
        cm.disclose(t, counts="n", rule=CUSTOM, dimensions=["row", "col"], display="5")
    with pytest.raises(cm.InvalidArgumentError, match="also publishes the counts 5 to 7 as 5"):
        cm.disclose(pa.table({"n": [0, 3, 6, 12]}), counts="n", display="5")
