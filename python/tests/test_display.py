"""Rich display: ``cm.show`` lays a result out for reading, results stay plain frames, and the
objects collabmetrics returns besides frames render in notebooks."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa

import collabmetrics as cm


def test_estimates_read_value_lower_to_upper_with_level_and_method() -> None:
    r = cm.proportion([65, 1045], [100, 5000], confidence=0.998)
    s = cm.show(r)
    assert s.header == ["numerator", "denominator", "value (lower to upper)"]
    # PHEindicatormethods' Wilson limits of 65/100 at 95% are 0.5525 to 0.7364; at 99.8% wider.
    lo, hi = r["lower"][0].as_py(), r["upper"][0].as_py()
    assert s.rows[0][2] == f"0.650 ({lo:.3f} to {hi:.3f})"
    assert s.caption == "2 rows; 99.8% intervals (Wilson)"
    html = s._repr_html_()
    assert "value (lower to upper)" in html and "99.8% intervals (Wilson)" in html
    # The result itself is unchanged: a pyarrow Table.
    assert isinstance(r, pa.Table) and "lower" in r.column_names


def test_prefixed_estimates_and_several_methods() -> None:
    t = cm.demo.tables()
    pop = pa.table({"place": ["East Kent", "West Kent"], "population": [700_000, 500_000]})
    m = cm.oap.measures(
        t["placements"],
        start="2024-03-01",
        end="2024-03-31",
        window="rolling_12m",
        by="place",
        population=pop,
    )
    s = cm.show(m)
    assert "rate_started (lower to upper)" in s.header
    k = s.header.index("rate_started (lower to upper)")
    east = m.filter(pa.compute.equal(m["place"], "East Kent"))
    v, lo, hi = (
        east[c][0].as_py() for c in ("rate_started", "rate_started_lower", "rate_started_upper")
    )
    row = next(r for r in s.rows if r[0] == "East Kent")
    assert row[k] == f"{v:,.1f} ({lo:,.1f} to {hi:,.1f})"
    assert "rate_started_lower" not in s.header


def test_synthetic_data_say_so_and_so_do_their_results() -> None:
    t = cm.demo.tables()
    assert cm.show(t["placements"]).synthetic
    m = cm.oap.measures(t["placements"], start="2024-01-01", end="2024-03-31", by="place")
    assert m.schema.metadata[b"synthetic"] == b"true"
    s = cm.show(m)
    assert s.synthetic and "SYNTHETIC DATA" in s._repr_html_() and str(s).startswith("SYNTHETIC")
    # From pandas and polars results too.
    assert (
        cm.show(
            cm.oap.measures(t["placements"].to_pandas(), start="2024-01-01", end="2024-03-31")
        ).synthetic
        is False
    )  # pandas lost the flag
    pm = cm.spc.xmr(
        pl.from_arrow(m.select(["period_end", "bed_days", "place"])),
        value="bed_days",
        date="period_end",
        by="place",
    )
    assert isinstance(pm, pl.DataFrame)
    # An analyst's own frame carries no flag.
    assert not cm.show(cm.proportion([1], [2])).synthetic


def test_diagnostics_follow_the_table() -> None:
    r = cm.distance.summary(pd.DataFrame({"distance_km": [3.0, None]}), nulls="propagate")
    s = cm.show(r)
    assert s.diagnostics[0]["reason"] == "missing_distance"
    assert "missing_distance" in s._repr_html_()
    assert "note: 1 × missing_distance" in str(s)
    d = cm.diagnostics(r)
    assert isinstance(d, list) and isinstance(d, cm.display.Diagnostics)
    assert "<table>" in d._repr_html_() and "missing_distance" in d._repr_html_()
    assert "No record" in cm.display.Diagnostics()._repr_html_()


def test_long_results_show_their_ends() -> None:
    r = cm.proportion(list(range(50)), [100] * 50)
    s = cm.show(r, max_rows=6)
    assert len(s.rows) == 6
    assert [row[0] for row in s.rows] == ["0", "1", "2", "47", "48", "49"]
    assert "44 more rows" in str(s)


def test_decompose_renders() -> None:
    d = cm.inequality.decompose([1, 1, 3, 3], ["a", "a", "b", "b"])
    assert isinstance(d, dict) and d["groups"] == {"a": 0.0, "b": 0.0}
    html = d._repr_html_()
    assert "between" in html and "group a" in html


def test_a_null_confidence_row_stays_visible() -> None:
    # T7's quartiles carry no level: the level column is kept when rows differ.
    t = pa.table(
        {"value": [1.0, 2.0], "lower": [0.5, 1.0], "upper": [1.5, 3.0], "confidence": [0.95, None]}
    )
    s = cm.show(t)
    assert s.caption == "2 rows"
    assert s.header == ["value (lower to upper)", "confidence"]
    assert [r[1] for r in s.rows] == ["0.950", "–"]


def test_small_estimates_keep_two_significant_figures() -> None:
    # 3/20 000 = 0.00015; Wilson at 95% (z² = 3.8415, n = 20 000, O = 3): lower
    # (6 + 3.8415 − 1.96·√15.8397) / (2 · 20 003.84) = 5.10e-5, upper (9.8415 + 7.8005) /
    # 40 007.68 = 4.41e-4: each row with the decimals its value needs, limits alike.
    s = cm.show(cm.proportion([1, 3, 65], [10_000, 20_000, 100]))
    assert s.rows[1][2] == "0.00015 (0.00005 to 0.00044)"
    assert s.rows[0][2].startswith("0.00010 (")
    assert s.rows[2][2] == "0.650 (0.553 to 0.736)"  # PHEindicatormethods: 0.5525 to 0.7364
    # Beyond 8 decimals, scientific notation with two figures.
    tiny = pa.table({"value": [1.5e-20], "lower": [1e-21], "upper": [1e-19]})
    assert cm.show(tiny).rows[0][0] == "1.5e-20 (1e-21 to 1e-19)"
    # A column of small numbers: every value keeps two figures.
    assert [r[0] for r in cm.show(pa.table({"x": [0.00015, 0.00001]})).rows] == [
        "0.00015",
        "0.000010",
    ]


def test_every_value_keeps_two_significant_figures_whatever_its_column_holds() -> None:
    # An SII table: the SII (−1 850) and the RII (0.261) share `value`. The column's scale
    # (0 decimals, for thousands) showed the RII as "0 (0 to 0)".
    t = pa.table(
        {
            "measure": ["sii", "rii"],
            "value": [-1850.4, 0.261],
            "lower": [-1977.2, 0.234],
            "upper": [-1728.9, 0.290],
        }
    )
    rows = cm.show(t).rows
    assert rows[0][1] == "-1,850 (-1,977 to -1,729)"
    assert rows[1][1] == "0.26 (0.23 to 0.29)"
    # A plain column too: 0.04 beside 12.5 is not "0.0".
    assert [r[0] for r in cm.show(pa.table({"x": [12.5, 0.04]})).rows] == ["12.5", "0.040"]


def test_no_negative_zero_no_separators_in_years_and_codes_no_endless_digits() -> None:
    t = pa.table(
        {
            "year": [2024, 2025],
            "org_code": [10001, 10002],
            "people": [12345, 2],
            "x": [0.25, -0.0004],
            "big": [1.5e300, 2.5],
        }
    )
    rows = cm.show(t).rows
    assert [r[0] for r in rows] == ["2024", "2025"]
    assert [r[1] for r in rows] == ["10001", "10002"]
    assert rows[0][2] == "12,345"
    assert rows[1][3] == "-0.00040"  # two figures, not "-0.000"
    interval = pa.table({"value": [0.512], "lower": [-1e-7], "upper": [0.9]})
    assert cm.show(interval).rows[0][0] == "0.512 (0.000 to 0.900)"  # not "-0.000"
    assert rows[0][4] == "1.5e+300"
    # A year held as a float (a pandas column with a null) and a negative zero.
    floats = pa.table({"year": [2024.0, None], "value": [-0.0, 1e-20], "x": [-0.0, 2.0]})
    cells = cm.show(floats).rows
    assert cells[0][0] == "2024" and cells[0][1] == "0" and cells[0][2] == "0"


def test_the_gap_marker_stands_where_rows_are_left_out_and_a_partial_method_stays() -> None:
    r = cm.proportion(list(range(50)), [100] * 50)
    text = str(cm.show(r, max_rows=6)).splitlines()
    at = next(i for i, line in enumerate(text) if "44 more rows" in line)
    assert text[at - 1].lstrip().startswith("2") and text[at + 1].lstrip().startswith("47")
    html = cm.show(r, max_rows=6)._repr_html_()
    assert html.index("44 more rows") < html.index(">47<")
    t = pa.table({"value": [0.5, 0.6], "method": ["Wilson", None]})
    s = cm.show(t)
    assert "method" in s.header and "Wilson" not in s.caption


def test_a_missing_value_does_not_show_its_limits() -> None:
    t = pa.table({"value": [None, 0.5], "lower": [0.1, None], "upper": [0.2, 0.7]})
    assert [r[0] for r in cm.show(t).rows] == ["–", "0.500"]  # not "– (0.100 to 0.200)"


def test_a_shared_level_and_method_are_found_in_chunked_and_dictionary_columns() -> None:
    # One level and one method over every row, across chunks and dictionary encoding, go to
    # the caption; a second method in a later chunk keeps the column.
    level = pa.chunked_array([[0.95, 0.95], [0.95]])
    same = pa.chunked_array(
        [
            pa.array(["Wilson", "Wilson"]).dictionary_encode(),
            pa.array(["Wilson"]).dictionary_encode(),
        ]
    )
    differs = pa.chunked_array([["Wilson", "Wilson"], ["Score"]])
    base = {"value": [0.1, 0.2, 0.3], "lower": [0.0] * 3, "upper": [1.0] * 3, "confidence": level}
    s = cm.show(pa.table({**base, "method": same}))
    assert s.caption == "3 rows; 95% intervals (Wilson)"
    assert s.header == ["value (lower to upper)"]
    s = cm.show(pa.table({**base, "method": differs}))
    assert s.caption == "3 rows; 95% intervals"
    assert s.header == ["value (lower to upper)", "method"]
    assert cm.show(
        pa.table({"value": pa.array([], pa.float64()), "method": pa.array([], pa.string())})
    ).header == ["value", "method"]
