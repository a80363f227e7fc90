"""Distances against GeographicLib's Python package and numpy formulas; summaries against numpy,
scipy and statsmodels; frames in and out; errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from compat import quantile
from geographiclib.geodesic import Geodesic  # type: ignore[import-untyped]
from scipy import stats as st
from statsmodels.stats.proportion import proportion_confint

import collabmetrics as cm

R_KM = 6371.0088
OAP_EDGES = [25.0, 50.0, 100.0, 200.0, 300.0]
BAND_COLUMNS = [
    "band_lt_25",
    "band_25_50",
    "band_50_100",
    "band_100_200",
    "band_200_300",
    "band_ge_300",
]


def col(t: Any, name: str) -> np.ndarray:
    return np.asarray(pa.table(t).column(name).to_numpy(), dtype=float)


# ---------------------------------------------------------------------------------------------
# Point-to-point distances


def test_geodesic_matches_geographiclib(rng: np.random.Generator) -> None:
    n = 2_000
    lat1, lat2 = rng.uniform(-90, 90, n), rng.uniform(-90, 90, n)
    lon1, lon2 = rng.uniform(-180, 180, n), rng.uniform(-180, 180, n)
    # Short journeys within Great Britain too, where the NHS measures.
    lat2[:500] = lat1[:500] + rng.uniform(-0.5, 0.5, 500).clip(-90 - lat1[:500], 90 - lat1[:500])
    lon2[:500] = lon1[:500] + rng.uniform(-0.5, 0.5, 500).clip(-180 - lon1[:500], 180 - lon1[:500])
    expected = np.array(
        [Geodesic.WGS84.Inverse(*p)["s12"] / 1000 for p in zip(lat1, lon1, lat2, lon2)]
    )
    got = cm.distance.geodesic(lat1, lon1, lat2, lon2)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)  # 1 µm


def test_haversine_matches_numpy(rng: np.random.Generator) -> None:
    n = 5_000
    lat1, lat2 = rng.uniform(-90, 90, n), rng.uniform(-90, 90, n)
    lon1, lon2 = rng.uniform(-180, 180, n), rng.uniform(-180, 180, n)
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    expected = 2 * R_KM * np.arcsin(np.sqrt(h))
    np.testing.assert_allclose(cm.distance.haversine(lat1, lon1, lat2, lon2), expected, rtol=1e-12)


def test_bng_matches_numpy_and_rounds_halves_up(rng: np.random.Generator) -> None:
    e1, e2 = rng.integers(0, 700_001, (2, 5_000)).astype(float)
    n1, n2 = rng.integers(0, 1_300_001, (2, 5_000)).astype(float)
    km = np.hypot(e2 - e1, n2 - n1) / 1000
    np.testing.assert_allclose(cm.distance.bng(e1, n1, e2, n2), km, rtol=1e-15)
    # Half away from zero (numpy's np.round is half-to-even: not what MHSDS does).
    np.testing.assert_array_equal(
        cm.distance.bng(e1, n1, e2, n2, round_km=True), np.floor(km + 0.5)
    )
    halves = cm.distance.bng(0, 0, [500, 1_500, 2_500, 10_500], 0, round_km=True)
    np.testing.assert_array_equal(halves, [1.0, 2.0, 3.0, 11.0])
    assert list(np.round([0.5, 1.5, 2.5, 10.5])) == [0.0, 2.0, 2.0, 10.0]


def test_inputs_of_every_kind_agree() -> None:
    expected = cm.distance.bng([100_000, 0], [0, 0], [103_000, 0], [4_000, 0])
    np.testing.assert_array_equal(expected, [5.0, 0.0])
    for args in [
        (pd.Series([100_000, 0]), pd.Series([0, 0]), [103_000, 0], np.array([4_000, 0])),
        (
            pl.Series([100_000, 0]),
            pa.array([0.0, 0.0]),
            pa.chunked_array([[103_000], [0]]),
            (4_000, 0),
        ),
    ]:
        np.testing.assert_array_equal(cm.distance.bng(*args), expected)
    assert isinstance(expected, np.ndarray) and expected.dtype == np.float64


def test_nulls_propagate_as_nan() -> None:
    with pytest.warns(cm.distance.DiagnosticsWarning, match="2 row"):
        d = cm.distance.geodesic([None, 51.5, math.nan], 0, 51.5, 0, nulls="propagate")
    assert math.isnan(d[0]) and d[1] == 0.0 and math.isnan(d[2])
    with pytest.raises(cm.CollabMetricsError, match=r"column `lat1` at row 0 \(null\)"):
        cm.distance.geodesic([None, 51.5], 0, 51.5, 0)


# OS test points for OSTN15 (OSGB36 E, N and ETRS89 lat, lon), as published by the Ordnance
# Survey with OSTN15: the Helmert transformation should land within the ~5 m the OS documents.
OS_POINTS = [
    ("OSHQ", 438_710.908, 114_792.248, 50.9312793775, -1.450514340555556),
    ("LOND", 530_624.963, 178_388.461, 51.48936564611111, -0.1199255641666667),
    ("EDIN", 319_188.423, 670_947.532, 55.9247826525, -3.294792187777777),
    ("NEWC", 424_639.343, 565_012.700, 54.97912274, -1.616576845555556),
]


def test_bng_to_wgs84_within_metres_of_ostn15() -> None:
    _, e, n, lat, lon = (list(c) for c in zip(*OS_POINTS))
    got_lat, got_lon = cm.distance.bng_to_wgs84(e, n)
    for a, b, c, d in zip(got_lat, got_lon, lat, lon):
        assert Geodesic.WGS84.Inverse(a, b, c, d)["s12"] < 5.0


# ---------------------------------------------------------------------------------------------
# Summaries


def median_interval(x: np.ndarray, confidence: float) -> tuple[float, float]:
    """[x(k), x(n-k+1)], k the largest rank whose binomial coverage is >= confidence."""
    n = len(x)
    ks = [k for k in range(1, n // 2 + 2) if 2 * st.binom.cdf(k - 1, n, 0.5) <= 1 - confidence]
    if not ks:
        return math.nan, math.nan
    s, k = np.sort(x), max(ks)
    return float(s[k - 1]), float(s[n - k])


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_summary_matches_numpy_and_scipy(rng: np.random.Generator, confidence: float) -> None:
    sizes = {"a": 3, "b": 6, "c": 40, "d": 333}
    ward = np.repeat(list(sizes), list(sizes.values()))
    km = np.round(rng.gamma(1.5, 30, ward.size), 1)
    df = pd.DataFrame({"ward": ward, "distance_km": km})
    s = cm.distance.summary(df, by="ward", confidence=confidence)
    assert isinstance(s, pd.DataFrame)
    assert s["ward"].tolist() == list(sizes)
    for i, w in enumerate(sizes):
        x = km[ward == w]
        row = s.iloc[i]
        assert row["count"] == x.size
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["median"] == pytest.approx(np.median(x), rel=1e-15)
        p90 = quantile(x, 0.9, "averaged_inverted_cdf")
        assert row["p90"] == pytest.approx(p90, rel=1e-15)
        assert row["max"] == x.max()
        lo, hi = median_interval(x, confidence)
        assert (row["median_lower"], row["median_upper"]) == pytest.approx((lo, hi), nan_ok=True)
        beyond = int((x >= 50).sum())
        assert row["count_beyond"] == beyond
        wl, wu = proportion_confint(beyond, x.size, alpha=1 - confidence, method="wilson")
        assert row["share_beyond"] == pytest.approx(beyond / x.size)
        assert row["share_lower"] == pytest.approx(wl, rel=1e-9, abs=1e-15)
        assert row["share_upper"] == pytest.approx(wu, rel=1e-9)
        bands = np.bincount(np.digitize(x, OAP_EDGES), minlength=6)
        assert row[BAND_COLUMNS].tolist() == bands.tolist()


def test_median_interval_whose_coverage_equals_the_confidence() -> None:
    # Four values: [x(1), x(4)] covers exactly 1 - 2/16 = 0.875, which reaches 0.875.
    s = cm.distance.summary([1.0, 2.0, 3.0, 4.0], confidence=0.875)
    assert (s["median_lower"][0].as_py(), s["median_upper"][0].as_py()) == (1.0, 4.0)


def test_weighted_summary_matches_numpy(rng: np.random.Generator) -> None:
    km = rng.gamma(1.5, 30, 200)
    bed_days = rng.uniform(0, 90, 200)
    t = pa.table({"distance_km": km, "bed_days": bed_days})
    s = cm.distance.summary(t, weight="bed_days", bands=[10, 60])
    assert s.column_names[:3] == ["count", "weight_sum", "mean"]
    assert s["weight_sum"][0].as_py() == pytest.approx(bed_days.sum())
    assert s["mean"][0].as_py() == pytest.approx(np.average(km, weights=bed_days))
    # Random real weights never make the CDF flat at exactly ½ or 0.9, so type 2 equals
    # numpy's weighted inverted CDF.
    for q, name in [(0.5, "median"), (0.9, "p90")]:
        expected = quantile(km, q, "inverted_cdf", weights=bed_days)
        assert s[name][0].as_py() == expected
    assert s["median_lower"][0].as_py() is None
    beyond = bed_days[km >= 50].sum()
    share = beyond / bed_days.sum()
    n_eff = bed_days.sum() ** 2 / (bed_days**2).sum()
    lo, hi = proportion_confint(share * n_eff, n_eff, method="wilson")
    assert s["share_beyond"][0].as_py() == pytest.approx(share)
    assert (s["share_lower"][0].as_py(), s["share_upper"][0].as_py()) == pytest.approx((lo, hi))
    bands = np.bincount(np.digitize(km, [10, 60]), weights=bed_days, minlength=3)
    got = [s[c][0].as_py() for c in ["band_lt_10", "band_10_60", "band_ge_60"]]
    assert got == pytest.approx(bands.tolist())


def test_integer_weights_equal_repeated_records(rng: np.random.Generator) -> None:
    km = rng.integers(0, 150, 60).astype(float)
    days = rng.integers(0, 5, 60)
    weighted = cm.distance.summary(pa.table({"d": km, "w": days}), distance="d", weight="w")
    repeated = cm.distance.summary(np.repeat(km, days))
    for name in ["mean", "median", "p90", "share_beyond", "band_lt_25", "band_ge_300"]:
        assert weighted[name][0].as_py() == pytest.approx(repeated[name][0].as_py())


def test_summary_bands_presets_and_missing_distances() -> None:
    t = pl.DataFrame({"distance_km": [19.0, 20.0, 49.0, 50.0, None, 100.0]})
    with pytest.raises(cm.CollabMetricsError, match=r"column `distance_km` at row 4 \(null\)"):
        cm.distance.summary(t, bands="mhsds_monthly")
    s = cm.distance.summary(t, bands="mhsds_monthly", nulls="propagate")
    assert isinstance(s, pl.DataFrame)
    # A polars result carries its diagnostics too (polars frames have no metadata).
    assert [(d["reason"], d["count"], d["first_row"]) for d in cm.diagnostics(s)] == [
        ("missing_distance", 1, 4)
    ]
    assert s.select(["band_lt_20", "band_20_50", "band_50_100", "band_ge_100"]).row(0) == (
        1.0,
        2.0,
        1.0,
        1.0,
    )
    assert s["count"][0] == 5
    s, diagnostics = cm.distance.summary(t, nulls="propagate", with_diagnostics=True)
    assert diagnostics == [
        {
            "reason": "missing_distance",
            "action": "left out of the summary",
            "count": 1,
            "first_row": 4,
        }
    ]


def test_a_row_left_out_for_its_distance_has_its_weight_not_read() -> None:
    # An open placement with no postcode: no distance, no bed days. Left out, it takes no part,
    # as with any other weight there: the summary is the one kept row's (5 km, 2 bed days).
    for w in [None, math.nan, -5.0]:
        t = pa.table({"distance_km": pa.array([None, 5.0]), "w": pa.array([w, 2.0], pa.float64())})
        s, diagnostics = cm.distance.summary(
            t, weight="w", nulls="propagate", with_diagnostics=True
        )
        row = s.to_pylist()[0]
        assert (row["count"], row["weight_sum"], row["mean"], row["max"]) == (1, 2, 5, 5)
        assert [(d["reason"], d["count"], d["first_row"]) for d in diagnostics] == [
            ("missing_distance", 1, 0)
        ]
    # A missing weight on a row that is summarised is still an error naming that row.
    t = pa.table({"distance_km": pa.array([None, 5.0, 7.0]), "w": pa.array([None, 2.0, None])})
    with pytest.raises(cm.InvalidCellError) as e:
        cm.distance.summary(t, weight="w", nulls="propagate")
    assert (e.value.column, e.value.row) == ("w", 2)


@pytest.mark.parametrize("name", ["mean", "count", "confidence", "band_lt_25"])
def test_a_breakdown_named_like_a_result_column_is_refused(name: str) -> None:
    data = {name: ["a", "b"], "distance_km": [1.0, 2.0]}
    for frame in [pa.table(data), pl.DataFrame(data), pd.DataFrame(data)]:
        with pytest.raises(cm.InvalidArgumentError) as e:
            cm.distance.summary(frame, by=name)
        assert e.value.argument == "by"
        assert f"`{name}` has the name of a result column" in str(e.value)


# ---------------------------------------------------------------------------------------------
# Frames: lookups and distance columns


def test_locate_points_and_summarise_pandas() -> None:
    onspd = pd.DataFrame(
        {"pcds": ["ME1 1AA", "TN1 3CC"], "east": [574_000, 558_000], "north": [168_000, 139_000]}
    )
    sites = pl.DataFrame({"site": ["RXY01"], "x": [561_000.0], "y": [135_000.0]})
    adm = pd.DataFrame({"home": ["ME1 1AA", "tn13cc", "ZZ1 1ZZ"], "site": ["RXY01"] * 3})
    adm = cm.distance.locate(
        adm,
        onspd,
        code="home",
        lookup_code="pcds",
        x="east",
        y="north",
        into=("home_e", "home_n"),
    )
    (d,) = cm.diagnostics(adm)
    assert (d["reason"], d["count"], d["first_row"]) == ("unknown_location_code", 1, 2)
    assert adm.attrs["collabmetrics"]["diagnostics"] == [d]
    adm = cm.distance.locate(adm, sites, code="site", lookup_code="site", into=("site_e", "site_n"))
    assert isinstance(adm, pd.DataFrame)
    assert adm["home_e"].isna().tolist() == [False, False, True]
    out, diagnostics = cm.distance.points(
        adm,
        coordinates=["home_e", "home_n", "site_e", "site_n"],
        nulls="propagate",
        with_diagnostics=True,
    )
    # (13, 33) km and (3, 4) km; the unknown home has no distance.
    np.testing.assert_allclose(out["distance_km"][:2], [math.hypot(13, 33), 5.0])
    assert math.isnan(out["distance_km"][2])
    assert diagnostics[0]["reason"] == "missing_coordinates"


def test_categorical_lookup_codes_are_read_as_their_values() -> None:
    onspd = pd.DataFrame(
        {"pcds": ["ME1 1AA", "TN1 3CC"], "east": [574_000, 558_000], "north": [168_000, 139_000]}
    )
    homes = pd.DataFrame({"home": ["tn13cc", "ZZ1 1ZZ", "ME1 1AA"]})
    kw: dict[str, Any] = {"code": "home", "lookup_code": "pcds", "x": "east", "y": "north"}
    plain = cm.distance.locate(homes, onspd, **kw)
    assert plain["east"].tolist()[::2] == [558_000.0, 574_000.0]
    for lookup, data in [
        (onspd.astype({"pcds": "category"}), homes),
        (onspd, homes.astype({"home": "category"})),
        (onspd.astype({"pcds": "category"}), homes.astype({"home": "category"})),
    ]:
        got = cm.distance.locate(data, lookup, **kw)
        assert got["east"].equals(plain["east"]) and got["north"].equals(plain["north"])


def test_duplicate_and_mismatched_lookup_codes() -> None:
    lookup = pa.table({"code": ["AB1 2CD", "ab12cd"], "x": [1.0, 2.0], "y": [1.0, 2.0]})
    with pytest.raises(
        cm.CollabMetricsError, match=r'"ab12cd" appears twice in the lookup \(rows 0 and 1\)'
    ):
        cm.distance.locate(pa.table({"c": ["x"]}), lookup, code="c")
    ints = pa.table({"code": [1, 2], "x": [1.0, 2.0], "y": [1.0, 2.0]})
    with pytest.raises(
        cm.CollabMetricsError, match=r"column `c` has type string; expected integers"
    ):
        cm.distance.locate(pa.table({"c": ["1"]}), ints, code="c")


def test_empty_and_blank_codes_are_not_recorded() -> None:
    # As an empty CSV field on the command line: a null, whatever the face (docs/limits.md).
    lookup = pd.DataFrame({"code": ["AB1 2CD"], "x": [1.0], "y": [2.0]})
    frame = pd.DataFrame({"c": ["ab1 2cd", "", "  ", "ZZ9 9ZZ"]}, dtype=str)
    with pytest.raises(cm.InvalidCellError) as e:
        cm.distance.locate(frame, lookup, code="c")
    assert (e.value.column, e.value.row) == ("c", 1)
    out, diagnostics = cm.distance.locate(
        frame, lookup, code="c", nulls="propagate", with_diagnostics=True
    )
    assert out["x"].tolist()[0] == 1.0
    assert out["x"].isna().tolist() == [False, True, True, True]
    assert sorted((d["reason"], d["count"], d["first_row"]) for d in diagnostics) == [
        ("missing_location_code", 2, 1),
        ("unknown_location_code", 1, 3),
    ]
    # A lookup row whose code is empty (or spaces) has no code.
    for blank in ["", "   "]:
        bad = pa.table({"code": ["AB1 2CD", blank], "x": [1.0, 2.0], "y": [1.0, 2.0]})
        with pytest.raises(cm.InvalidCellError, match="every lookup row needs a code") as e:
            cm.distance.locate(frame, bad, code="c", nulls="propagate")
        assert (e.value.table, e.value.column, e.value.row) == ("lookup", "code", 1)


def test_an_error_in_the_lookup_names_the_lookup() -> None:
    # Both tables have columns `x` and `y` by default: the error says which one is at fault.
    lookup = pa.table({"code": ["A", "B"], "x": [1.0, float("nan")], "y": [1.0, 2.0]})
    with pytest.raises(cm.InvalidCellError) as e:
        cm.distance.locate(pa.table({"c": ["A"]}), lookup, code="c")
    assert (e.value.table, e.value.column, e.value.row) == ("lookup", "x", 1)
    with pytest.raises(cm.InvalidCellError) as e:
        cm.distance.locate(
            pa.table({"c": ["A"]}),
            pa.table({"code": ["A", "a"], "x": [1, 2], "y": [1, 2]}),
            code="c",
        )
    assert e.value.table == "lookup"


def test_a_pandas_frame_keeps_its_own_column_labels() -> None:
    # pyarrow names columns by text: a label 7 came back as "7", so out[7] was a KeyError.
    df = pd.DataFrame(
        {"e1": [530000.0], "n1": [180000.0], "e2": [533000.0], "n2": [184000.0], 7: ["x"]}
    )
    df[("a", "b")] = [1]
    out = cm.distance.points(df, coordinates=["e1", "n1", "e2", "n2"])
    assert list(out.columns) == ["e1", "n1", "e2", "n2", 7, ("a", "b"), "distance_km"]
    assert out[7].tolist() == ["x"] and out[("a", "b")].tolist() == [1]
    assert out["distance_km"].tolist()[0] == pytest.approx(5.0)  # a 3-4-5 triangle, km


def test_points_reads_the_methods_own_column_names_by_default() -> None:
    # The core's default: (e1, n1, e2, n2) for BNG, (lat1, lon1, lat2, lon2) otherwise.
    bng = pa.table({"e1": [0.0], "n1": [0.0], "e2": [3_000.0], "n2": [4_000.0]})
    assert cm.distance.points(bng)["distance_km"].to_pylist() == [5.0]
    ll = pa.table({"lat1": [51.5], "lon1": [0.0], "lat2": [52.5], "lon2": [0.0]})
    km = cm.distance.points(ll, method="haversine")["distance_km"][0].as_py()
    assert km == pytest.approx(6371.0088 * math.radians(1.0), rel=1e-12)  # 1° of a great circle


# ---------------------------------------------------------------------------------------------
# Errors carry the core's message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: cm.distance.bng([1, -1], 0, 0, 0),
            "invalid value in column `e1` at row 1 (-1): eastings must be in [0, 700000] m",
        ),
        (
            lambda: cm.distance.bng(0, 1_300_001, 0, 0),
            "column `n1` at row 0 (1300001): northings must be in [0, 1300000] m",
        ),
        (
            lambda: cm.distance.geodesic(91, 0, 0, 0),
            "column `lat1` at row 0 (91): latitudes must be in [-90, 90] degrees",
        ),
        (lambda: cm.distance.haversine(0, 0, 0, [0, math.nan]), "column `lon2` at row 1 (NaN)"),
        (lambda: cm.distance.bng_to_wgs84([1, 2], [3, 4, 5]), "length mismatch"),
        (
            lambda: cm.distance.geodesic(0, 0, 0, 0, nulls="skip"),
            'unknown null policy "skip"; expected one of "error", "propagate"',
        ),
        (
            lambda: cm.distance.summary([1.0, -2.0]),
            "column `distance_km` at row 1 (-2): distances must be finite and >= 0 km",
        ),
        (
            lambda: cm.distance.summary([1.0], bands=[10, 5]),
            "band edges must be strictly increasing",
        ),
        (lambda: cm.distance.summary([1.0], bands="weekly"), 'unknown band preset "weekly"'),
        (
            lambda: cm.distance.summary([1.0], bands=25),  # type: ignore[arg-type]
            "invalid argument `bands`: expected a band preset's name or a sequence of band edges"
            " in km, got int 25",
        ),
        (
            lambda: cm.distance.summary([1.0], bands=b"oap"),
            "invalid argument `bands`: expected a band preset's name",
        ),
        (lambda: cm.distance.summary([1.0], confidence=1.5), "invalid argument `confidence`"),
        (lambda: cm.distance.summary([1.0], threshold=-1), "invalid argument `threshold`"),
        (
            lambda: cm.distance.summary(pa.table({"distance_km": [1.0], "w": [-1.0]}), weight="w"),
            "column `w` at row 0 (-1): weights must be finite and >= 0",
        ),
        (
            lambda: cm.distance.points(
                pa.table({"a": [0.0]}), coordinates=["a", "a", "a", "a"], method="vincenty"
            ),
            'unknown distance method "vincenty"',
        ),
        (
            lambda: cm.distance.points(pa.table({"a": [0.0]}), coordinates=["a", "a"]),
            "give four column names",
        ),
    ],
)
def test_errors(call: Any, message: str) -> None:
    with pytest.raises(cm.CollabMetricsError) as info:
        call()
    assert message in str(info.value)
