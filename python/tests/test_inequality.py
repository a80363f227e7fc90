"""Inequality: individual indices against PySAL's ``inequality`` package (random inputs and its
own test values), PHE's SII test vectors, determinism, frames in and out, and errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from inequality.gini import Gini  # type: ignore[import-untyped]
from inequality.theil import Theil, TheilD  # type: ignore[import-untyped]
from scipy import stats as st

import collabmetrics as cm

try:  # PySAL's inequality ≥ 1.1 (the newest on Python 3.9, 1.0, has no Atkinson index)
    from inequality.atkinson import atkinson as _pysal_atkinson  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - the oldest-versions run (scripts/floor.sh)
    _pysal_atkinson = None


def pysal_atkinson(y: Any, epsilon: float) -> float:
    """PySAL's Atkinson index; skips the test where this PySAL has none."""
    if _pysal_atkinson is None:
        pytest.skip("PySAL inequality < 1.1 has no Atkinson index (the peer)")
    return float(_pysal_atkinson(y, epsilon))


# The repository's reference vectors (tests/reference/<source>/, each with a README naming
# its source); nothing outside the repository is read.
REFERENCE = Path(__file__).resolve().parents[2] / "tests" / "reference"
REL = 1e-12


def reference(rel: str) -> Path:
    """A reference vector's path; a missing one fails the test (never a skip)."""
    path = REFERENCE / rel
    assert path.is_file(), f"reference vector missing: {path}"
    return path


def col(t: Any, name: str) -> list[Any]:
    return list(pa.table(t).column(name).to_pylist())


def samples(rng: np.random.Generator) -> list[np.ndarray]:
    """Positive samples of several sizes and spreads."""
    return [
        rng.lognormal(mean=3.0, sigma=s, size=n)
        for n, s in [(2, 0.5), (7, 1.0), (50, 0.3), (333, 1.5), (2_000, 0.8)]
    ]


# ---------------------------------------------------------------------------------------------
# Individual indices against PySAL on random inputs


def test_gini_matches_pysal(rng: np.random.Generator) -> None:
    for y in samples(rng):
        assert cm.inequality.gini(y) == pytest.approx(Gini(y).g, rel=REL)
        # Integer weights are repetitions: PySAL on the repeated values.
        w = rng.integers(1, 5, size=len(y))
        expected = Gini(np.repeat(y, w)).g
        assert cm.inequality.gini(y, w) == pytest.approx(expected, rel=1e-10)
        n = len(y)
        assert cm.inequality.gini(y, corrected=True) == pytest.approx(
            Gini(y).g * n / (n - 1), rel=REL
        )


def test_gini_allows_zeros_as_pysal(rng: np.random.Generator) -> None:
    y = np.concatenate([np.zeros(5), rng.uniform(0, 10, size=20)])
    assert cm.inequality.gini(y) == pytest.approx(Gini(y).g, rel=REL)


def test_theil_matches_pysal(rng: np.random.Generator) -> None:
    for y in samples(rng):
        assert cm.inequality.theil(y) == pytest.approx(Theil(y).T, rel=1e-10)
        w = rng.integers(1, 5, size=len(y))
        expected = Theil(np.repeat(y, w)).T
        assert cm.inequality.theil(y, w) == pytest.approx(expected, rel=1e-10)


def test_mld_matches_pysal_atkinson_and_numpy(rng: np.random.Generator) -> None:
    # PySAL has no MLD; Theil L = ln(mean / geometric mean) = −ln(1 − Atkinson(1)).
    for y in samples(rng):
        mld = cm.inequality.mld(y)
        assert mld == pytest.approx(-math.log(1.0 - pysal_atkinson(y, 1)), rel=1e-10)
        assert mld == pytest.approx(float(np.mean(np.log(np.mean(y) / y))), rel=1e-10)
        w = rng.uniform(0.5, 3.0, size=len(y))
        m = np.average(y, weights=w)
        assert cm.inequality.mld(y, w) == pytest.approx(
            float(np.average(np.log(m / y), weights=w)), rel=1e-10
        )


@pytest.mark.parametrize("epsilon", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_atkinson_matches_pysal(rng: np.random.Generator, epsilon: float) -> None:
    for y in samples(rng):
        got = cm.inequality.atkinson(y, epsilon)
        assert got == pytest.approx(pysal_atkinson(y, epsilon), rel=1e-10, abs=1e-15)
        w = rng.integers(1, 4, size=len(y))
        assert cm.inequality.atkinson(y, epsilon, w) == pytest.approx(
            pysal_atkinson(np.repeat(y, w), epsilon), rel=1e-10, abs=1e-15
        )


@pytest.mark.parametrize("alpha", [-1.0, 0.0, 0.5, 1.0, 2.0, 3.0])
def test_ge_matches_numpy(rng: np.random.Generator, alpha: float) -> None:
    for y in samples(rng):
        w = rng.uniform(0.5, 3.0, size=len(y))
        r = y / np.average(y, weights=w)
        if alpha == 0.0:
            expected = np.average(-np.log(r), weights=w)
        elif alpha == 1.0:
            expected = np.average(r * np.log(r), weights=w)
        else:
            expected = np.average(r**alpha - 1.0, weights=w) / (alpha * (alpha - 1.0))
        assert cm.inequality.ge(y, alpha, w) == pytest.approx(float(expected), rel=1e-10)
    y = samples(rng)[3]
    assert cm.inequality.ge(y, 0.0) == pytest.approx(cm.inequality.mld(y), rel=REL)
    assert cm.inequality.ge(y, 1.0) == pytest.approx(cm.inequality.theil(y), rel=REL)


def test_entropy_indices_keep_a_value_far_below_the_mean() -> None:
    """By hand (as the Rust test): MLD(1e17, 1) = ln(ȳ²/1e17)/2 with ȳ = 5e16, i.e.
    (ln 2.5 + 16 ln 10)/2 (it was 354.2); MLD(1e6 × 1000, 1e-12) = 3021 ln 10/1001 − ln 1001
    (0.040405626214261944 in 50-digit arithmetic; it was 0.7074 and the table path an error);
    GE(−1)(1, t) = (t + 1/t − 2)/8 (it was 1.126e15 for t = 1e-16)."""
    assert cm.inequality.mld([1e17, 1.0]) == pytest.approx(
        (math.log(2.5) + 16 * math.log(10)) / 2, rel=1e-14
    )
    many = [1e6] * 1000 + [1e-12]
    assert cm.inequality.mld(many) == pytest.approx(0.040405626214261944, rel=1e-14)
    table = cm.inequality.individual(pa.table({"value": many}), indices=["mld"])
    assert col(table, "value") == pytest.approx([0.040405626214261944], rel=1e-14)
    t = 1e-16
    assert cm.inequality.ge([1.0, t], -1) == pytest.approx((t + 1 / t - 2) / 8, rel=1e-14)


def test_concentration_index_matches_numpy(rng: np.random.Generator) -> None:
    n = 500
    x = rng.normal(size=n)
    h = np.exp(0.5 * x + rng.normal(size=n))
    w = rng.uniform(0.5, 2.0, size=n)
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    rank = np.empty(n)
    rank[order] = (cum - w[order] / 2) / w.sum()
    hbar = np.average(h, weights=w)
    cov = np.average((h - hbar) * (rank - np.average(rank, weights=w)), weights=w)
    got = cm.inequality.concentration_index(h, x, w)
    assert got == pytest.approx(2 * cov / hbar, rel=1e-10)
    p = h / (1 + h)
    c = cm.inequality.concentration_index(p, x)
    assert cm.inequality.concentration_index(
        p, x, correction="wagstaff", bounds=(0, 1)
    ) == pytest.approx(c / (1 - p.mean()), rel=1e-12)
    assert cm.inequality.concentration_index(
        p, x, correction="erreygers", bounds=(0, 1)
    ) == pytest.approx(4 * p.mean() * c, rel=1e-12)


def test_lorenz_and_share_ratio() -> None:
    p, v = cm.inequality.lorenz([4, 1, 3, 2])
    assert p.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert v == pytest.approx([0.0, 0.1, 0.3, 0.6, 1.0], rel=REL)
    y = np.arange(1, 21, dtype=float)
    assert cm.inequality.share_ratio(y, 0.2) == pytest.approx((17 + 18 + 19 + 20) / 10, rel=REL)
    assert cm.inequality.share_ratio(y, 0.1) == pytest.approx((19 + 20) / 3, rel=REL)


# ---------------------------------------------------------------------------------------------
# PySAL's own test values (tests/reference/pysal_inequality/README.md)


def mexico() -> pd.DataFrame:
    return pd.read_csv(reference("pysal_inequality/mexico.csv"))


def test_pysal_reference_gini_1940() -> None:
    y = mexico()["pcgdp1940"].to_numpy()
    assert cm.inequality.gini(y) == pytest.approx(0.35372371173452849, rel=1e-14)


def test_pysal_reference_theil_by_decade() -> None:
    d = mexico()
    expected = [0.20894344, 0.15222451, 0.10472941, 0.10194725, 0.09560113, 0.10511256, 0.10660832]
    for year, t in zip(range(1940, 2001, 10), expected):
        assert cm.inequality.theil(d[f"pcgdp{year}"]) == pytest.approx(t, abs=1e-8)


def test_pysal_reference_atkinson() -> None:
    y = [10, 20, 30, 40, 50]
    assert cm.inequality.atkinson(y, 0.5) == pytest.approx(0.06315, abs=1e-5)
    assert cm.inequality.atkinson(y, 0.5) == pytest.approx(1 - 28.105398233 / 30, abs=1e-10)
    assert cm.inequality.atkinson(y, 1) == pytest.approx(0.1316096, abs=1e-5)
    assert cm.inequality.atkinson(y, 1) == pytest.approx(1 - 26.0517108 / 30, abs=1e-8)
    assert cm.inequality.atkinson(y, 0) == pytest.approx(0.0, abs=1e-15)


def test_pysal_reference_theil_decomposition() -> None:
    d = mexico()
    expected = [0.0345889, 0.02816853, 0.05260921, 0.05931219, 0.03205257, 0.02963731, 0.03635872]
    for year, bg in zip(range(1940, 2001, 10), expected):
        parts = cm.inequality.decompose(d[f"pcgdp{year}"], d["hanson98"])
        assert parts["between"] == pytest.approx(bg, abs=1e-7)
        assert parts["within"] + parts["between"] == pytest.approx(parts["total"], rel=1e-12)
        assert parts["total"] == pytest.approx(cm.inequality.theil(d[f"pcgdp{year}"]), rel=1e-12)


def test_decompose_matches_pysal_theild(rng: np.random.Generator) -> None:
    y = rng.lognormal(size=(60, 1))
    g = rng.integers(0, 4, size=60)
    td = TheilD(y, g)
    parts = cm.inequality.decompose(y[:, 0], g)
    assert parts["between"] == pytest.approx(float(td.bg[0]), rel=1e-10)
    assert parts["within"] == pytest.approx(float(td.wg[0]), rel=1e-10)
    assert set(parts["groups"]) == {str(k) for k in np.unique(g)}


def test_a_by_groups_simulated_limits_do_not_depend_on_the_other_by_groups() -> None:
    # Area B's limits, alone or after or before area A: the streams came from the by-group's
    # position, so filtering or sorting an extract moved B's published limits.
    a: dict[str, list[Any]] = {
        "area": ["A"] * 4,
        "value": [10.0, 20.0, 30.0, 25.0],
        "population": [100.0, 200.0, 300.0, 150.0],
    }
    b: dict[str, list[Any]] = {
        "area": ["B"] * 4,
        "value": [12.0, 18.0, 33.0, 21.0],
        "population": [120.0, 220.0, 280.0, 160.0],
    }
    common: dict[str, list[Any]] = {
        "subgroup": list("abcd"),
        "se": [2.0, 3.0, 2.0, 4.0],
        "order": [1, 2, 3, 4],
    }

    def table(*parts: dict[str, list[Any]]) -> pa.Table:
        cols = {k: [x for p in parts for x in p[k]] for k in a}
        cols.update({k: v * len(parts) for k, v in common.items()})
        return pa.table(cols)

    for measure, ordered in [("SII", True), ("BGSD", False)]:
        limits = []
        for t in [table(b), table(a, b), table(b, a)]:
            t = t if ordered else t.drop(["order"])
            r = cm.inequality.measures(
                t,
                by="area",
                se="se",
                reps=1000,
                seed=42,
                measures=[measure],
                order="order" if ordered else None,
            )
            rows = [x for x in r.to_pylist() if x["area"] == "B"]
            limits.append((rows[0]["lower"], rows[0]["upper"]))
        assert limits[0] == limits[1] == limits[2], limits


def test_decompose_labels_are_shown_as_written_and_none_is_no_label() -> None:
    y = [1.0, 2.0, 3.0, 5.0]
    # Float labels read as numbers (they were an Arrow debug dump).
    parts = cm.inequality.decompose(y, [0.5, 0.5, 2.0, 2.0])
    assert list(parts["groups"]) == ["0.5", "2"]
    # A missing label is an error naming its index: shown as text it was one group "null",
    # merged with a real label "null" (within 0.1349 for 0.1243).
    with pytest.raises(cm.InvalidValueError, match="group label") as e:
        cm.inequality.decompose(y, ["null", None, "b", "b"])
    assert (e.value.column, e.value.row) == ("group", 1)


# ---------------------------------------------------------------------------------------------
# Bootstrap intervals


def test_bootstrap_interval_is_deterministic(rng: np.random.Generator) -> None:
    y = rng.lognormal(size=200)
    a = cm.inequality.gini(y, interval=True, reps=500, seed=7)
    b = cm.inequality.gini(y, interval=True, reps=500, seed=7)
    c = cm.inequality.gini(y, interval=True, reps=500, seed=8)
    assert a == b
    assert a[0] == cm.inequality.gini(y)
    assert a[1] < a[0] < a[2]
    assert c[0] == a[0] and c[1:] != a[1:]
    calls: list[Callable[[], tuple[float, float, float]]] = [
        lambda: cm.inequality.theil(y, interval=True, reps=200),
        lambda: cm.inequality.mld(y, interval=True, reps=200),
        lambda: cm.inequality.atkinson(y, 0.5, interval=True, reps=200),
        lambda: cm.inequality.ge(y, 2, interval=True, reps=200),
        lambda: cm.inequality.share_ratio(y, 0.2, interval=True, reps=200),
    ]
    for f in calls:
        value, lower, upper = f()
        assert lower <= value <= upper


# ---------------------------------------------------------------------------------------------
# Grouped measures: PHE's SII test vectors


def phe_sii() -> pd.DataFrame:
    return pd.read_csv(reference("phe/testdata_SII__testdata_SII.csv"))


@pytest.mark.parametrize(
    ("description", "value_type", "transform"),
    [
        ("default (e.g. life expectancy) - default parameters", "other", False),
        ("rate (e.g. infant mortality) - log transform with intercept", "rate", True),
        ("proportion (e.g. child obesity) - default parameters", "proportion", False),
    ],
)
def test_sii_matches_phe(description: str, value_type: Any, transform: bool) -> None:
    d = phe_sii()
    case = d[d["TestDescription"] == description]
    keys = ["Area", "Grouping1", "Grouping2"]
    out = cm.inequality.sii(
        case,
        group="Quantile",
        order="Quantile",
        population="Population",
        value="Value",
        lower="LowerCL",
        upper="UpperCL",
        by=keys,
        value_type=value_type,
        transform=transform,
        reps=20_000,
    )
    assert isinstance(out, pd.DataFrame)
    expected = case.dropna(subset=["sii"]).set_index(keys)
    for _, row in out.iterrows():
        e = expected.loc[tuple(row[k] for k in keys)]
        name = row["measure"].lower()
        assert row["value"] == pytest.approx(e[name], rel=1e-9, abs=1e-9)
        # Simulated with R's random numbers: agree within Monte Carlo error.
        width = e[f"{name}_uppercl_1"] - e[f"{name}_lowercl_1"]
        assert row["lower"] == pytest.approx(e[f"{name}_lowercl_1"], abs=0.05 * width)
        assert row["upper"] == pytest.approx(e[f"{name}_uppercl_1"], abs=0.05 * width)
        assert row["method"] == "simulation"


# ---------------------------------------------------------------------------------------------
# Grouped measures: determinism and frames


def deciles() -> pa.Table:
    area, decile, rate, se, pop = [], [], [], [], []
    for k, a in enumerate(["A", "B"]):
        for d in range(1, 6):
            f = k + 1
            area.append(a)
            decile.append(d)
            rate.append(f * (40.0 - 5.0 * d))
            se.append(f * (1.0 + 0.2 * d))
            pop.append(1000.0 + 100.0 * d)
    return pa.table({"area": area, "imd": decile, "rate": rate, "rate_se": se, "pop": pop})


def run(frame: Any, **kw: Any) -> Any:
    return cm.inequality.measures(
        frame,
        group="imd",
        value="rate",
        se="rate_se",
        population="pop",
        order="imd",
        by="area",
        reps=1_000,
        favourable="low",
        **kw,
    )


def test_measures_rows_and_columns() -> None:
    out = run(deciles())
    assert isinstance(out, pa.Table)
    assert out.column_names == [
        "area",
        "measure",
        "value",
        "lower",
        "upper",
        "confidence",
        "method",
    ]
    measures = col(out, "measure")
    n = len(measures) // 2
    assert col(out, "area") == ["A"] * n + ["B"] * n
    assert measures[:n] == measures[n:]
    assert set(measures) <= set(cm.inequality.MEASURES)
    assert {"SII", "RII", "ACI", "RCI", "D", "R", "PAF", "PAR"} <= set(measures)
    # Area B's values are twice area A's: absolute measures double, relative ones stay.
    va, vb = col(out, "value")[:n], col(out, "value")[n:]
    for m, a, b in zip(measures[:n], va, vb):
        if m in ("D", "SII", "ACI", "PAR"):
            assert b == pytest.approx(2 * a, rel=1e-12)
        if m in ("R", "RII", "RCI", "PAF"):
            assert b == pytest.approx(a, rel=1e-12)


def test_measures_deterministic_for_a_seed() -> None:
    a = run(deciles(), seed=11)
    b = run(deciles(), seed=11)
    c = run(deciles(), seed=12)
    assert a.equals(b)
    assert col(a, "value") == col(c, "value")
    sim = [i for i, m in enumerate(col(a, "method")) if m == "simulation"]
    assert sim
    assert [col(a, "lower")[i] for i in sim] != [col(c, "lower")[i] for i in sim]


def test_measures_several_confidence_levels() -> None:
    out = run(deciles(), measures=["D", "SII"], confidence=[0.95, 0.998])
    assert col(out, "confidence") == [0.95] * 4 + [0.998] * 4
    assert col(out, "measure") == ["D", "SII"] * 4
    width = np.subtract(col(out, "upper"), col(out, "lower"))
    assert all(width[4:] > width[:4])


def test_measures_frames_round_trip() -> None:
    t = deciles()
    expected = run(t)
    pdf = run(t.to_pandas())
    assert isinstance(pdf, pd.DataFrame)
    pd.testing.assert_frame_equal(pdf, expected.to_pandas())
    pldf = run(pl.from_arrow(t))
    assert isinstance(pldf, pl.DataFrame)
    expected_pl = pl.from_arrow(expected)
    assert isinstance(expected_pl, pl.DataFrame)
    assert pldf.equals(expected_pl)
    assert run(t.to_batches()[0]).equals(expected)


def test_individual_accepts_series_and_arrays(rng: np.random.Generator) -> None:
    y = rng.lognormal(size=50)
    g = cm.inequality.gini(y)
    assert cm.inequality.gini(pd.Series(y)) == g
    assert cm.inequality.gini(pl.Series(y)) == g
    assert cm.inequality.gini(pa.array(y)) == g
    assert cm.inequality.gini(pa.chunked_array([y[:20], y[20:]])) == g
    assert cm.inequality.gini(list(y)) == g


def test_options_map_to_the_core() -> None:
    t = pa.table({"g": ["a", "b", "c"], "v": [10.0, 20.0, 40.0], "pop": [1.0, 1.0, 2.0]})
    base: dict[str, Any] = {"group": "g", "value": "v", "population": "pop"}
    low = cm.inequality.measures(t, **base, measures=["MDBU", "PAR"], favourable="low")
    high = cm.inequality.measures(t, **base, measures=["MDBU", "PAR"], favourable="high")
    # Best: 10 (low) or 40 (high); μ = 27.5.
    assert col(low, "value") == pytest.approx([(0 + 10 + 30) / 3, 10 - 27.5])
    assert col(high, "value") == pytest.approx([(30 + 20 + 0) / 3, 40 - 27.5])
    # PAR pointing the favourable way is 0: reference 20 is below μ, favourable high.
    par = cm.inequality.measures(t, **base, measures="PAR", favourable="high", reference="b")
    assert col(par, "value") == [0.0]
    ref = cm.inequality.measures(t, **base, measures="MDRU", reference="b")
    assert col(ref, "value") == pytest.approx([(10 + 0 + 20) / 3])
    avg = cm.inequality.measures(t, **base, measures="MDMW", setting_average=20.0)
    assert col(avg, "value") == pytest.approx([(10 + 0 + 2 * 20) / 4])


# ---------------------------------------------------------------------------------------------
# Errors name the group or the argument


def grouped(**columns: Any) -> pa.Table:
    base: dict[str, Any] = {
        "area": ["x", "x", "x"],
        "g": ["a", "b", "c"],
        "v": [1.0, 2.0, 3.0],
        "pop": [1.0, 2.0, 3.0],
        "o": [1, 2, 3],
    }
    base.update(columns)
    return pa.table(base)


def call(t: pa.Table, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "group": "g",
        "value": "v",
        "population": "pop",
        "by": "area",
        "favourable": "low",
    }
    return cm.inequality.measures(t, **{**args, **kw})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: call(
                grouped(area=["x", "x"], g=["a", "b"], v=[1.0, 2.0], pop=[1.0, 2.0], o=[1, 2]),
                order="o",
                measures=["SII"],
            ),
            "group area=x: invalid argument `groups`: needs at least 3 subgroups (got 2)",
        ),
        (
            lambda: call(grouped(pop=[1.0, 0.0, 3.0])),
            'group area=x: subgroup "b": population must be > 0 (got 0)',
        ),
        (
            lambda: call(grouped(pop=[1.0, None, 3.0])),
            'group area=x: subgroup "b": missing population',
        ),
        (
            lambda: call(grouped(g=["a", "a", "c"])),
            'group area=x: subgroup "a": duplicate subgroup label',
        ),
        (
            lambda: call(grouped(o=[1, None, 3]), order="o"),
            'group area=x: subgroup "b": missing order on an ordered dimension',
        ),
        (
            lambda: call(grouped(), order="o", reps=99),
            "invalid argument `reps`: must be at least 100",
        ),
        (lambda: call(grouped(), measures=["XYZ"]), 'unknown measure "XYZ"; expected one of "D"'),
        (lambda: call(grouped(), favourable="bad"), "invalid argument `favourable`"),
        (lambda: call(grouped(), sii_model="bad"), "invalid argument `sii_model`"),
        (lambda: call(grouped(), value="nope"), "nope"),
        (
            lambda: call(grouped(v=[1.0, -2.0, 3.0]), measures=["BGSD"]),
            # (the scale inferred from max 3 is 100: the draws are truncated to [0, 100])
            'group area=x: subgroup "b": value -2 is outside [0, scale = 100] for BGSD',
        ),
        (
            lambda: call(grouped(v=[10.0, 20.0, 150.0]), measures=["PAF"], scale=100),
            'group area=x: subgroup "c": value 150 is outside [0, scale = 100] for PAF',
        ),
        (
            lambda: call(grouped(g=["a", None, "c"]), measures=["D"]),
            "invalid value in column `g` at row 1 (null): a subgroup label is required",
        ),
        (
            lambda: call(grouped(v=[1.0, -2.0, 3.0]), measures=["R"]),
            'group area=x: subgroup "b": R needs values ≥ 0 (got -2)',
        ),
        (
            lambda: call(grouped(), measures=["TI"], setting_average=0.0),
            "invalid argument `setting_average`: TI divides by the setting average, which is 0",
        ),
        (
            lambda: cm.inequality.concentration_index([-1.0, 2.0, 3.0], [1, 2, 3]),
            "invalid value in `outcome` at index 0 (-1)",
        ),
        (
            lambda: call(grouped().slice(0, 0), by=None, measures=["D"]),
            "invalid argument `groups`: needs at least 2 subgroups (got 0)",
        ),
        (lambda: cm.inequality.theil([1.0, -2.0, 3.0]), "`values` at index 1 (-2)"),
        (lambda: cm.inequality.mld([1.0, 0.0, 3.0]), "`values` at index 1 (0): must be > 0"),
        (lambda: cm.inequality.atkinson([0.0, 1.0], 1), "`values` at index 0 (0): must be > 0"),
        (lambda: cm.inequality.ge([0.0, 1.0], -1), "`values` at index 0 (0): must be > 0"),
        (lambda: cm.inequality.theil([0.0, 0.0]), "invalid argument `values`: all values are zero"),
        (lambda: cm.inequality.gini([1.0, None]), "column `values` at row 1 (null)"),
        (lambda: cm.inequality.gini([1.0, 2.0], [1.0, 0.0]), "`weights` at index 1 (0)"),
        (lambda: cm.inequality.gini([1.0, 2.0], [1.0]), "length mismatch: `weights` has 1"),
        (lambda: cm.inequality.gini([]), "invalid argument `values`: needs at least one value"),
        (
            lambda: cm.inequality.gini([1.0, 2.0], interval=True, reps=99),
            "invalid argument `reps`: must be at least 100 (got 99)",
        ),
        (lambda: cm.inequality.atkinson([1.0, 2.0], -0.5), "invalid argument `epsilon`"),
        (
            lambda: cm.inequality.concentration_index([0.1, 0.2], [1, 2], correction="wagstaff"),
            "invalid argument `bounds`",
        ),
        (
            lambda: cm.inequality.concentration_index([0.1, 0.2], [1]),
            "length mismatch: `rank` has 1",
        ),
    ],
)
def test_bad_input_raises(make: Any, message: str) -> None:
    with pytest.raises(cm.CollabMetricsError) as e:
        make()
    assert message in str(e.value)


def test_the_direction_has_no_default() -> None:
    """`favourable` depends on the indicator: the measures that use it say so when it is
    missing, in every language (the C and Rust tests check theirs)."""
    t = deciles()
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.inequality.measures(
            t, group="imd", value="rate", population="pop", order="imd", by="area"
        )
    assert e.value.kind == "invalid_argument"
    assert e.value.argument == "favourable"
    assert "D depends on whether higher values are better" in str(e.value)
    # The SII and the non-ordered spread measures do not use it.
    sii = cm.inequality.sii(
        t, group="imd", value="rate", population="pop", order="imd", by="area", reps=0
    )
    assert sii.num_rows == 4
    spread = cm.inequality.measures(
        t.filter(pc.equal(t["area"], "A")),
        group="imd",
        value="rate",
        population="pop",
        measures=["D", "BGV"],
    )
    assert spread.column("measure").to_pylist() == ["D", "BGV"]


def test_measures_from_counts_equal_measures_from_cm_proportion() -> None:
    frame = pa.table(
        {
            "decile": [1, 2, 3, 4, 5],
            "num": [40, 30, 25, 20, 12],
            "den": [400, 380, 420, 410, 390],
            "pop": [1000.0, 1100.0, 1050.0, 990.0, 1010.0],
        }
    )
    from_counts = cm.inequality.measures(
        frame,
        group="decile",
        population="pop",
        order="decile",
        numerator="num",
        denominator="den",
        measures=["SII", "D"],
        reps=1000,
        favourable="low",
    )
    p = cm.proportion("num", "den", data=frame, multiplier=100)
    from_values = cm.inequality.measures(
        p,
        group="decile",
        population="pop",
        order="decile",
        value="value",
        lower="lower",
        upper="upper",
        measures=["SII", "D"],
        reps=1000,
        favourable="low",
    )
    assert from_counts.column("value").to_pylist() == from_values.column("value").to_pylist()
    assert from_counts.column("lower").to_pylist() == from_values.column("lower").to_pylist()
    # D's interval from the 95% limits' standard errors, (u − l)/(2·z), by hand: the two
    # deciles D compares (favourable low: the least advantaged decile 1 against decile 5).
    z = st.norm.isf(0.025)
    lo, hi = p.column("lower").to_pylist(), p.column("upper").to_pylist()
    se = [(u - v) / (2 * z) for v, u in zip(lo, hi)]
    d = from_counts.column("value")[1].as_py()
    half = z * math.hypot(se[0], se[4])
    assert from_counts.column("lower")[1].as_py() == pytest.approx(d - half, rel=1e-12)
    assert from_counts.column("method")[1].as_py() == "analytic"
    with pytest.raises(cm.CollabMetricsError, match="both `numerator` and `denominator`"):
        cm.inequality.measures(frame, group="decile", population="pop", numerator="num")


def test_oap_summaries_pass_straight_into_the_sii() -> None:
    """OAP rates by IMD decile (cm.oap.measures) go straight into cm.inequality.sii."""
    tables = cm.demo.tables()
    areas = tables["areas"]
    population = areas.group_by("imd_decile").aggregate([("population", "sum")])
    population = population.rename_columns(["imd_decile", "population"])
    rates = cm.oap.measures(
        tables["placements"],
        start="2024-03-01",
        end="2024-03-31",
        window="rolling_12m",
        by="imd_decile",
        population=population,
    )
    out = cm.inequality.sii(
        rates,
        group="imd_decile",
        population="population",
        order="imd_decile",
        value="rate_started",
        lower="rate_started_lower",
        upper="rate_started_upper",
        value_type="rate",
        reps=2000,
    )
    sii = out.filter(pa.compute.equal(out.column("measure"), "SII"))
    # Placements are more frequent from deprived areas in the demo data: the fitted rate at
    # the least deprived end is lower than at the most deprived end.
    assert sii.column("value")[0].as_py() < 0
    assert sii.column("lower")[0].as_py() < sii.column("upper")[0].as_py()


def test_sii_multiplier_rii_mean_interval_and_diagnostics() -> None:
    """PHE's multiplier scales the SII and its limits; RII_MEAN has limits; rows without a
    standard error are counted in the diagnostics."""
    t = pa.table(
        {
            "q": [1, 2, 3, 4, 5],
            "value": [0.40, 0.34, 0.31, 0.25, 0.22],
            "se": [0.01, 0.012, 0.008, 0.011, 0.01],
            "pop": [100, 120, 150, 130, 110],
        }
    )
    common: dict[str, Any] = dict(group="q", order="q", population="pop", reps=1000, seed=7)
    one = cm.inequality.sii(t, se="se", rii_mean=True, **common)
    hundred = cm.inequality.sii(t, se="se", rii_mean=True, multiplier=100, **common)
    v1, v100 = one.column("value").to_pylist(), hundred.column("value").to_pylist()
    assert v100[0] == pytest.approx(100 * v1[0], rel=1e-12)  # SII
    assert v100[1] == pytest.approx(v1[1], rel=1e-12)  # RII unchanged
    lo, hi = one.column("lower").to_pylist()[2], one.column("upper").to_pylist()[2]
    assert lo < v1[2] < hi  # RII_MEAN with simulated limits
    out, diags = cm.inequality.sii(t, with_diagnostics=True, **common)
    assert out.column("lower").null_count == 2
    # Each subgroup without a standard error, and each measure left without an interval.
    assert [(d["reason"], d["count"]) for d in diags] == [
        ("no_standard_error", 5),
        ("no_interval", 2),
    ]
    assert "no interval could be computed" in diags[1]["action"]


def test_missing_populations_follow_the_15_percent_rule() -> None:
    """Up to 15% of non-ordered subgroups may lack a population given a setting average;
    more, or none given, is an error naming the subgroup; the rows are in the diagnostics."""
    pops = [100.0, 101.0, 102.0, 103.0, None, 105.0, 106.0]
    t = pa.table({"place": list("abcdefg"), "rate": [5.0, 6, 7, 8, 9, 10, 11], "pop": pops})
    common: dict[str, Any] = dict(group="place", value="rate", population="pop", reps=0)
    out, diags = cm.inequality.measures(
        t, measures=["BGV"], setting_average=8.0, with_diagnostics=True, **common
    )
    # BGV over the six known populations around the setting average 8, by hand.
    known = [(p, y) for p, y in zip(pops, [5.0, 6, 7, 8, 9, 10, 11]) if p is not None]
    total = sum(p for p, _ in known)
    by_hand = sum(p / total * (y - 8.0) ** 2 for p, y in known)
    assert out.column("value")[0].as_py() == pytest.approx(by_hand, rel=1e-12)
    first = diags[0]
    assert (first["reason"], first["count"], first["first_row"]) == ("missing_population", 1, 4)
    with pytest.raises(cm.CollabMetricsError, match="setting_average"):
        cm.inequality.measures(t, measures=["BGV"], **common)
    two = t.set_column(2, "pop", pa.array([100.0, 101, 102, 103, None, None, 106]))
    with pytest.raises(cm.CollabMetricsError, match="more than 15%"):
        cm.inequality.measures(two, measures=["BGV"], setting_average=8.0, **common)
