"""The estimators against scipy and statsmodels on random inputs (independent implementations)."""

from __future__ import annotations

import math
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from compat import scipy_t_rel
from scipy import special
from scipy import stats as st
from statsmodels.stats.proportion import proportion_confint

import collabmetrics as cm


def col(t: pa.Table, name: str) -> np.ndarray:
    return np.asarray(t.column(name).to_numpy(), dtype=float)


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.998])
def test_wilson_matches_statsmodels(rng: np.random.Generator, confidence: float) -> None:
    n = rng.integers(1, 100_000, size=2_000)
    o = rng.integers(0, n + 1)
    lo, hi = proportion_confint(o, n, alpha=1 - confidence, method="wilson")
    t = cm.proportion(o, n, confidence=confidence, multiplier=100)
    np.testing.assert_allclose(col(t, "value"), 100 * o / n, rtol=1e-14)
    np.testing.assert_allclose(col(t, "lower"), 100 * lo, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(col(t, "upper"), 100 * hi, rtol=1e-9, atol=1e-12)
    assert set(t.column("method").to_pylist()) == {"Wilson"}
    assert set(t.column("confidence").to_pylist()) == {confidence}


def exact_limits(o: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    a = 1 - confidence
    lower = np.where(o == 0, 0.0, st.chi2.ppf(a / 2, 2 * np.maximum(o, 1e-300)) / 2)
    upper = st.chi2.ppf(1 - a / 2, 2 * o + 2) / 2
    return lower, upper


def byar_limits(o: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    z = st.norm.ppf((1 + confidence) / 2)
    lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.998])
def test_rate_byar_and_exact_match_scipy(rng: np.random.Generator, confidence: float) -> None:
    o = np.concatenate([np.arange(0, 30), rng.integers(0, 5_000, size=500)]).astype(float)
    pt = rng.uniform(100, 1e6, size=o.size)
    t = cm.rate(o, pt, confidence=confidence, multiplier=1000)
    el, eu = exact_limits(o, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        bl, bu = byar_limits(o, confidence)
    small = o < 10
    lower = np.where(small, el, bl) * 1000 / pt
    upper = np.where(small, eu, bu) * 1000 / pt
    np.testing.assert_allclose(col(t, "value"), o * 1000 / pt, rtol=1e-14)
    np.testing.assert_allclose(col(t, "lower"), lower, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(col(t, "upper"), upper, rtol=1e-9)
    assert t.column("method").to_pylist() == ["Exact" if s else "Byars" for s in small]

    e = cm.rate(o, pt, confidence=confidence, multiplier=1000, method="exact")
    np.testing.assert_allclose(col(e, "lower"), el * 1000 / pt, rtol=1e-8, atol=1e-300)
    np.testing.assert_allclose(col(e, "upper"), eu * 1000 / pt, rtol=1e-8)
    assert set(e.column("method").to_pylist()) == {"Exact"}


def test_mean_matches_scipy_t_interval(rng: np.random.Generator) -> None:
    groups = np.repeat(np.array(["a", "b", "c"]), [5, 50, 500])
    values = rng.normal(10, 3, size=groups.size) * np.repeat([1, 10, 100], [5, 50, 500])
    t = cm.mean(pa.table({"g": groups, "x": values}), value="x", by="g", confidence=0.9)
    assert t.column("g").to_pylist() == ["a", "b", "c"]
    for i, g in enumerate(["a", "b", "c"]):
        x = values[groups == g]
        lo, hi = st.t.interval(0.9, x.size - 1, loc=x.mean(), scale=st.sem(x))
        assert t.column("value")[i].as_py() == pytest.approx(x.mean(), rel=1e-12)
        assert t.column("sd")[i].as_py() == pytest.approx(x.std(ddof=1), rel=1e-12)
        assert t.column("lower")[i].as_py() == pytest.approx(lo, rel=scipy_t_rel())
        assert t.column("upper")[i].as_py() == pytest.approx(hi, rel=scipy_t_rel())
        assert t.column("value_count")[i].as_py() == x.size


def test_dsr_matches_dobson_by_hand(rng: np.random.Generator) -> None:
    esp = np.array(
        [
            5000,
            5500,
            5500,
            5500,
            6000,
            6000,
            6500,
            7000,
            7000,
            7000,
            7000,
            6500,
            6000,
            5500,
            5000,
            4000,
            2500,
            1500,
            1000,
        ],
        dtype=float,
    )
    labels = [f"{5 * i}-{5 * i + 4}" for i in range(18)] + ["90+"]
    areas = ["A", "B"]
    count = rng.integers(0, 200, size=(2, 19)).astype(float)
    pop = rng.integers(500, 20_000, size=(2, 19)).astype(float)
    frame = pa.table(
        {
            "area": np.repeat(areas, 19),
            "age_band": labels * 2,
            "count": count.ravel(),
            "population": pop.ravel(),
        }
    )
    t = cm.dsr(frame, by="area")
    z = st.norm.ppf(0.975)
    for i in range(2):
        o = count[i].sum()
        dsr = (esp * count[i] / pop[i]).sum() / esp.sum()
        var = (esp**2 * count[i] / pop[i] ** 2).sum() / esp.sum() ** 2
        ol = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        ou = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
        assert t.column("total_count")[i].as_py() == o
        assert t.column("value")[i].as_py() == pytest.approx(dsr * 1e5, rel=1e-12)
        assert t.column("lower")[i].as_py() == pytest.approx(
            (dsr + np.sqrt(var / o) * (ol - o)) * 1e5, rel=1e-10
        )
        assert t.column("upper")[i].as_py() == pytest.approx(
            (dsr + np.sqrt(var / o) * (ou - o)) * 1e5, rel=1e-10
        )
    assert t.column("method").to_pylist() == ["Dobson", "Dobson"]
    assert t.column("note").to_pylist() == [None, None]


def test_isr_ratio_and_rate_by_hand(rng: np.random.Generator) -> None:
    count = rng.integers(0, 50, size=10).astype(float)
    pop = rng.integers(100, 1000, size=10).astype(float)
    rc = rng.integers(10, 500, size=10).astype(float)
    rp = rng.integers(1000, 10_000, size=10).astype(float)
    frame = pa.table(
        {"count": count, "population": pop, "reference_count": rc, "reference_population": rp}
    )
    o, e = count.sum(), (pop * rc / rp).sum()
    ratio = cm.isr(frame, multiplier=100)
    assert ratio.column("expected")[0].as_py() == pytest.approx(e, rel=1e-12)
    assert ratio.column("value")[0].as_py() == pytest.approx(100 * o / e, rel=1e-12)
    lo, hi = byar_limits(np.array([o]), 0.95) if o >= 10 else exact_limits(np.array([o]), 0.95)
    assert ratio.column("lower")[0].as_py() == pytest.approx(100 * lo[0] / e, rel=1e-10)
    assert ratio.column("upper")[0].as_py() == pytest.approx(100 * hi[0] / e, rel=1e-10)
    rate = cm.isr(frame, kind="rate")
    ref = rc.sum() / rp.sum() * 1e5
    assert rate.column("reference_rate")[0].as_py() == pytest.approx(ref, rel=1e-12)
    assert rate.column("value")[0].as_py() == pytest.approx(o / e * ref, rel=1e-12)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_exact_limits_of_small_non_integer_counts_match_scipy(confidence: float) -> None:
    # The exact lower limit of a small non-integer count is tiny (5.79e-17 for O = 0.1 at 95%);
    # an absolute tolerance in the inverse once returned 4.66e-10 there.
    o = np.geomspace(1e-3, 20, 200)
    t = cm.rate(o, np.ones_like(o), confidence=confidence, multiplier=1, method="exact")
    el, eu = exact_limits(o, confidence)
    # atol: in the subnormal range (below 2.2e-308) a double has fewer than 16 digits.
    np.testing.assert_allclose(col(t, "lower"), el, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(col(t, "upper"), eu, rtol=1e-12)


def test_exact_limits_of_huge_counts_match_scipy() -> None:
    # The cost of an exact limit no longer grows with the count (1e15 took 15 s).
    o = np.array([1e4, 1e6, 1e9, 1e12, 1e15])
    t = cm.rate(o, np.ones_like(o), multiplier=1, method="exact")
    el, eu = exact_limits(o, 0.95)
    np.testing.assert_allclose(col(t, "lower"), el, rtol=1e-10)
    np.testing.assert_allclose(col(t, "upper"), eu, rtol=1e-10)


@pytest.mark.parametrize("confidence", [0.999999, 1 - 1e-9, 1 - 1e-12])
def test_levels_near_1_keep_the_digits_of_1_minus_the_level(confidence: float) -> None:
    # z = Φ⁻¹(1 − (1 − c)/2) from the lower tail (scipy's isf keeps 2e-16 there): forming
    # (1 + c)/2 lost 4.5e-12 of z at 0.999999 and 2e-6 at 1 − 1e-12.
    z = st.norm.isf((1 - confidence) / 2)
    o, n = np.array([1.0, 30.0, 500.0]), np.array([10.0, 1_000.0, 1e6])
    t = cm.proportion(o, n, confidence=confidence)
    centre, half = 2 * o + z * z, z * np.sqrt(z * z + 4 * o * (1 - o / n))
    np.testing.assert_allclose(col(t, "upper"), (centre + half) / (2 * (n + z * z)), rtol=1e-13)
    # Byar's limits for 10 and more events.
    o = np.array([10.0, 57.0, 4_000.0])
    r = cm.rate(o, np.ones(3), confidence=confidence, multiplier=1)
    lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    np.testing.assert_allclose(col(r, "lower"), lower, rtol=1e-12)
    np.testing.assert_allclose(col(r, "upper"), upper, rtol=1e-12)
    # Student's t at n = 2 (one degree of freedom): t = tan(π c / 2) exactly.
    m = cm.mean([0.0, 1.0], confidence=confidence)
    half_t = 0.5 / math.tan(math.pi * (1 - confidence) / 2)  # t · sd/√n, sd/√n = ½
    assert m.column("upper")[0].as_py() == pytest.approx(0.5 + half_t, rel=1e-9)


@pytest.mark.parametrize("confidence", [1e-12, 1e-6, 1e-3, 0.3])
@pytest.mark.parametrize("n", [2, 10, 9_000, 20_000])
def test_levels_near_0_keep_the_digits_of_the_level(confidence: float, n: int) -> None:
    # (1 − c)/2 rounds c's low digits away: t was 0 at c = 1e-6 with 9 000 values. The
    # quantile from the central probability, P(|T| < t) = I(t²/(ν + t²); ½, ν/2) = c
    # (SciPy's betaincinv), and from 20 000 values on z = √2·erf⁻¹(c) (the t expansion).
    # Values ±a: the mean is exactly 0, so the upper limit is t·sd/√n with no cancellation.
    a = np.arange(1.0, n // 2 + 1)  # whole numbers: every partial sum is exact
    m = cm.mean(np.concatenate([a, -a]), confidence=confidence)
    df = n - 1
    x = special.betaincinv(0.5, df / 2, confidence)
    t = math.sqrt(df * x / (1 - x))
    sd = float(np.std(np.concatenate([a, -a]), ddof=1))
    # statrs' incomplete beta keeps about 11 digits at thousands of degrees of freedom.
    rel = 1e-13 if n <= 10 else 3e-11
    assert m.column("value")[0].as_py() == 0.0
    assert m.column("upper")[0].as_py() == pytest.approx(t * sd / math.sqrt(n), rel=rel)
    assert m.column("lower")[0].as_py() == -m.column("upper")[0].as_py()
    z = math.sqrt(2) * special.erfinv(confidence)
    p = cm.proportion([0.0], [1e30], confidence=confidence)
    # Wilson's upper limit at O = 0 (a percentage): 100·z²/(n + z²), 100·z²/n to a double's precision.
    assert p.column("upper")[0].as_py() == pytest.approx(100 * z * z / 1e30, rel=1e-14)


def test_wilson_lower_limit_of_a_tiny_fractional_count_does_not_cancel() -> None:
    # (centre − half)/denom in 50-digit decimals against the library's limit: the two nearly
    # equal terms cancelled in floats (76% off at O = 1e-8 of n = 1, 0 at 1e-12).
    getcontext().prec = 50
    z = Decimal(st.norm.isf(0.025))
    # (and no product of two counts overflows: O = 1e10 of n = 1e300, 1e150 of 1e160)
    for o, n in (
        (1e-12, 1.0),
        (1e-8, 1.0),
        (1e-6, 100.0),
        (0.001, 1.0),
        (1e10, 1e300),
        (1e150, 1e160),
    ):
        do, dn = Decimal(o), Decimal(n)
        exact = (2 * do + z * z - z * (z * z + 4 * do * (1 - do / dn)).sqrt()) / (2 * (dn + z * z))
        lower = cm.proportion([o], [n]).column("lower")[0].as_py()
        assert lower == pytest.approx(float(exact), rel=1e-13), (o, n)


def test_a_dsr_is_unchanged_by_scaling_its_standard() -> None:
    # Multiplying every weight by one factor changes nothing; (Σw)² overflowed above 1e154 (a
    # zero-width interval) and underflowed below 1e-154 (an error).
    t = pa.table(
        {"age_band": [0, 10, 20, 30], "count": [3, 0, 12, 7], "population": [900, 1500, 2000, 800]}
    )
    weights = {0: 2.0, 10: 3.0, 20: 4.0, 30: 1.0}

    def limits(scale: float) -> list[float]:
        s = cm.dsr(t, standard={k: v * scale for k, v in weights.items()})
        return [s.column(c)[0].as_py() for c in ("value", "lower", "upper")]

    one = limits(1.0)
    assert one[1] < one[0] < one[2]
    for scale in (1e150, 1e-160, 1e300, 1e-300):
        assert limits(scale) == pytest.approx(one, rel=1e-13), scale


@pytest.mark.parametrize("exponent", [-1074, -1060, -1030])
def test_individual_indices_of_subnormal_weights_equal_those_of_the_same_weights_scaled_up(
    exponent: int,
) -> None:
    # Every index is unchanged by a common factor on the weights (here 2^exponent, exact).
    values = [1.0, 2.0, 3.0, 10.0, 0.5]
    weights = [1.0, 2.0, 4.0, 1.0, 1.0]
    tiny = [math.ldexp(w, exponent) for w in weights]
    ineq = cm.inequality
    for f in (ineq.gini, ineq.theil, ineq.mld):
        assert f(values, weights=tiny) == pytest.approx(f(values, weights=weights), rel=1e-13), f
    for e in (0.5, 2.0):
        assert ineq.atkinson(values, e, weights=tiny) == pytest.approx(
            ineq.atkinson(values, e, weights=weights), rel=1e-13
        )
    for alpha in (0.5, 2.0):
        assert ineq.ge(values, weights=tiny, alpha=alpha) == pytest.approx(
            ineq.ge(values, weights=weights, alpha=alpha), rel=1e-13
        )


def test_sii_with_one_subgroup_holding_nearly_everyone_keeps_its_sign() -> None:
    # Values 10, 20, 35 with populations 1, 1, R: the weighted least-squares slope at the
    # ridits, in exact rational arithmetic (a subgroup of 1e18 people gave −30 for +40).
    for big in (10**6, 10**12, 10**18):
        pops = [1, 1, big]
        total = sum(pops)
        p = [Fraction(k, total) for k in pops]
        x, before = [], Fraction(0)
        for pj in p:
            x.append(before + pj / 2)
            before += pj
        y = [Fraction(10), Fraction(20), Fraction(35)]
        xbar = sum(pj * xj for pj, xj in zip(p, x))
        ybar = sum(pj * yj for pj, yj in zip(p, y))
        slope = sum(pj * (xj - xbar) * (yj - ybar) for pj, xj, yj in zip(p, x, y)) / sum(
            pj * (xj - xbar) ** 2 for pj, xj in zip(p, x)
        )
        # (10^18 is a float exactly: 2^18 · 5^18 with 5^18 < 2^53.)
        g = pa.table(
            {"g": [1, 2, 3], "value": [10.0, 20.0, 35.0], "population": [float(k) for k in pops]}
        )
        r = cm.inequality.sii(g, group="g", order="g", population="population", reps=0)
        sii = r.filter(pc.equal(r["measure"], "SII"))["value"][0].as_py()
        assert sii == pytest.approx(float(slope), rel=1e-9), big


@pytest.mark.parametrize("spread", [1e-3, 1e-6, 1e-8])
def test_heat_ti_and_mld_of_close_subgroups_keep_their_digits(spread: float) -> None:
    # 1000 Σ p r ln r and 1000 Σ −p ln r (r = y/μ, μ the population-weighted mean) in 50-digit
    # decimals; summed in floats they lost 1e-10 at a 0.3 % spread, and TI came out negative.
    getcontext().prec = 50
    y = [50.0, 50.0 * (1 + spread), 50.0 * (1 + 3 * spread)]
    pop = [1000.0, 2000.0, 1500.0]
    dy, dp = [Decimal(v) for v in y], [Decimal(v) for v in pop]
    p = [v / sum(dp) for v in dp]
    mu = sum(pj * yj for pj, yj in zip(p, dy))
    ti = 1000 * sum(pj * (yj / mu) * (yj / mu).ln() for pj, yj in zip(p, dy))
    mld = 1000 * sum(-pj * (yj / mu).ln() for pj, yj in zip(p, dy))
    t = pa.table({"subgroup": ["a", "b", "c"], "value": y, "population": pop})
    out = cm.inequality.measures(t, favourable="low", measures=["TI", "MLD"], reps=0).to_pydict()
    got = dict(zip(out["measure"], out["value"]))
    assert got["TI"] > 0
    # Each term keeps about ε/x of itself (docs/methods/inequality.md): 1e-15 / spread.
    tolerance = max(1e-12, 1e-15 / spread)
    assert got["TI"] == pytest.approx(float(ti), rel=tolerance)
    assert got["MLD"] == pytest.approx(float(mld), rel=tolerance)


def test_a_breakdown_named_like_a_result_column_is_refused() -> None:
    # mean(by="method") gave two `method` columns: polars refused the result, pyarrow's
    # column("method") raised, pandas' r["method"] was a frame. As proportion() does for its
    # input's columns, the name is refused.
    frame = pa.table({"method": ["a", "a", "b", "b"], "value": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(cm.InvalidArgumentError, match="`method` has the name of a result") as e:
        cm.mean(frame, by="method")
    assert e.value.argument == "by"
    bands = pa.table(
        {
            "note": ["x", "x", "y", "y"],
            "age_band": ["0-4", "5+"] * 2,
            "count": [1, 2, 3, 4],
            "population": [10, 10, 10, 10],
        }
    )
    with pytest.raises(cm.InvalidArgumentError, match="`note`"):
        cm.dsr(bands, by="note", standard={0: 1, 5: 1})
    with pytest.raises(cm.InvalidArgumentError, match="`note`"):
        cm.finalize(cm.dsr_state(bands, by="note", standard={0: 1, 5: 1}))
