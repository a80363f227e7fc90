//! The regularised incomplete gamma functions and their inverses: the exact Poisson limits and
//! every chi-squared quantile of the library come from here.
//!
//! `P(a, x)` and `Q(a, x) = 1 − P(a, x)` are evaluated without cancellation:
//!
//! * for `a < 10⁴`, by the power series of `P` (when `x < a + 1`) or the continued fraction of
//!   `Q` (otherwise), both in Cephes' form (Cody; Press et al.), with the prefactor
//!   `xᵃ e⁻ˣ / Γ(a)` computed from `log1pmx` and Stirling's series when `a ≥ 10`, so that no
//!   large logarithms cancel;
//! * for `a ≥ 10⁴`, by Temme's uniform asymptotic expansion (Temme 1979; DiDonato & Morris
//!   1986) with three correction terms: its cost does not grow with `a`, and the first omitted
//!   term is below 10⁻¹⁶ of the result there. `erfc` is libm's (musl's, within an ulp):
//!   statrs' `erfc` is off by up to 10⁻¹⁰ relative, which would show in the limits.
//!
//! The inverses solve `ln P(a, x) = ln p` (or `ln Q = ln q` in the upper tail) by Newton's
//! method in `u = ln x`, where the small-`x` behaviour `P ≈ xᵃ / Γ(a + 1)` is linear, from a
//! Wilson–Hilferty or small-`x` start, inside a bracket that falls back to bisection: a few
//! iterations reach full precision whatever the size of `a`. Agreement with SciPy's
//! `gammaincinv` / `chi2.ppf` is tested in `tests/gamma_reference.rs`.

use libm::erfc;
use statrs::function::erf::erfc_inv;
use statrs::function::gamma::ln_gamma;

/// Shapes from which Temme's expansion replaces the series and the continued fraction.
const TEMME_FROM: f64 = 1.0e4;
/// `ln` of the smallest positive subnormal double (≈ −744.44).
const LN_MIN_SUBNORMAL: f64 = -744.440_071_921_381_3;
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `ln(1 + t) − t`, accurate also for small `|t|` (where `t − ln(1 + t)` would cancel).
pub(crate) fn log1pmx(t: f64) -> f64 {
    if t.abs() > 0.25 {
        return t.ln_1p() - t;
    }
    // −t²/2 + t³/3 − t⁴/4 + …: 60 terms reach 0.25⁶⁰ ≈ 10⁻³⁶ of the leading term.
    let mut power = t * t;
    let mut sum = 0.0;
    let mut k = 2.0;
    let mut sign = -1.0;
    while k < 64.0 {
        let term = sign * power / k;
        sum += term;
        if term.abs() <= f64::EPSILON * 1e-3 * sum.abs() {
            break;
        }
        power *= t;
        sign = -sign;
        k += 1.0;
    }
    sum
}

/// Stirling's correction `ln Γ(a) − [(a − ½) ln a − a + ½ ln 2π]`, for `a ≥ 10`.
fn stirling_correction(a: f64) -> f64 {
    let r = 1.0 / a;
    let r2 = r * r;
    r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))))
}

/// `ln(xᵃ e⁻ˣ / Γ(a))`, the logarithm of `x` times the gamma density at `x`.
fn ln_prefactor(a: f64, x: f64) -> f64 {
    if a < 10.0 {
        return a * x.ln() - x - ln_gamma(a);
    }
    // a ln x − x − ln Γ(a) = a·(ln λ − (λ − 1)) + ½ ln a − ½ ln 2π − corr(a), λ = x/a.
    a * ln_lambda_minus(a, x) + 0.5 * a.ln() - LN_SQRT_2PI - stirling_correction(a)
}

/// `ln λ − (λ − 1)` for `λ = x / a`: by `log1pmx` near λ = 1 (where the two terms cancel),
/// and from `x / a` itself elsewhere (where `t = (x − a)/a` would carry a rounding error that
/// `ln(1 + t)` magnifies when λ is small).
fn ln_lambda_minus(a: f64, x: f64) -> f64 {
    let t = (x - a) / a;
    if t.abs() <= 0.25 {
        log1pmx(t)
    } else {
        (x / a).ln() - t
    }
}

/// `(P(a, x), Q(a, x))` for `a > 0`, `x ≥ 0` (both finite).
pub fn regularized_gamma(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if a >= TEMME_FROM {
        return temme(a, x);
    }
    let ln_pre = ln_prefactor(a, x);
    // The series gives P, the continued fraction Q; each is used where its result is the
    // smaller tail (so 1 − it loses nothing), which for a < 1 means the fraction from x = ½.
    if x < a + 1.0 && !(a < 1.0 && x >= 0.5) {
        let p = (ln_pre + series(a, x).ln()).exp();
        (p, 1.0 - p)
    } else {
        let q = (ln_pre + continued_fraction(a, x).ln()).exp();
        (1.0 - q, q)
    }
}

/// `Σ xᵏ / (a (a+1) ⋯ (a+k))`, so that `P = prefactor · series`.
fn series(a: f64, x: f64) -> f64 {
    let mut term = 1.0 / a;
    let mut sum = term;
    let mut ap = a;
    // x < a + 1 and a < 10⁴: the ratio x / (a + k) falls below 1 at once; a few hundred
    // terms at most.
    for _ in 0..100_000 {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * f64::EPSILON * 0.5 {
            break;
        }
    }
    sum
}

/// The continued fraction of `Q / prefactor` (modified Lentz), for `x ≥ a + 1`.
fn continued_fraction(a: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..100_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < f64::EPSILON * 0.5 {
            break;
        }
    }
    h
}

// Taylor coefficients in η of Temme's `C₀`, `C₁`, `C₂` (DiDonato & Morris 1986), printed as
// published (more digits than a double holds).
#[allow(clippy::excessive_precision)]
const TEMME_C0: [f64; 15] = [
    -0.333_333_333_333_333_33,
    0.083_333_333_333_333_333,
    -0.014_814_814_814_814_815,
    0.001_157_407_407_407_407_4,
    0.000_352_733_686_067_019_4,
    -0.000_178_755_144_032_921_81,
    0.391_926_317_852_243_78e-4,
    -0.218_544_851_067_999_22e-5,
    -0.185_406_221_071_516e-5,
    0.829_671_134_095_308_6e-6,
    -0.176_659_527_368_260_79e-6,
    0.670_785_354_340_149_86e-8,
    0.102_618_097_842_403_08e-7,
    -0.438_203_601_845_335_32e-8,
    0.914_769_958_223_679_02e-9,
];
#[allow(clippy::excessive_precision)]
const TEMME_C1: [f64; 13] = [
    -0.001_851_851_851_851_851_9,
    -0.003_472_222_222_222_222_2,
    0.002_645_502_645_502_645_5,
    -0.000_990_226_337_448_559_67,
    0.000_205_761_316_872_427_98,
    -0.401_877_572_016_460_91e-6,
    -0.180_985_503_344_899_78e-4,
    0.764_916_091_608_111_01e-5,
    -0.161_209_008_945_634_46e-5,
    0.464_712_780_280_743_43e-8,
    0.137_863_344_691_572_1e-6,
    -0.575_254_560_351_770_5e-7,
    0.119_516_285_997_781_47e-7,
];
#[allow(clippy::excessive_precision)]
const TEMME_C2: [f64; 11] = [
    0.004_133_597_883_597_883_6,
    -0.002_681_327_160_493_827_2,
    0.000_771_604_938_271_604_94,
    0.200_938_786_008_230_45e-5,
    -0.000_107_366_532_263_651_61,
    0.529_234_488_291_201_25e-4,
    -0.127_606_351_886_187_28e-4,
    0.342_357_873_409_613_81e-7,
    0.137_219_573_090_629_33e-5,
    -0.629_899_213_838_005_5e-6,
    0.142_806_142_060_642_42e-6,
];

fn polynomial(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, &c| acc * x + c)
}

/// `(P, Q)` by Temme's uniform expansion: `Q = ½ erfc(η √(a/2)) + R`, `P = ½ erfc(−η √(a/2))
/// − R`, `R = e^{−aη²/2} / √(2πa) · (C₀(η) + C₁(η)/a + C₂(η)/a²)`, where
/// `η²/2 = λ − 1 − ln λ`, `sign η = sign(λ − 1)`, `λ = x / a`.
fn temme(a: f64, x: f64) -> (f64, f64) {
    let t = (x - a) / a;
    let half_eta2 = -ln_lambda_minus(a, x);
    let eta = half_eta2.max(0.0).sqrt().copysign(t) * std::f64::consts::SQRT_2;
    let series = if eta.abs() <= 1.0 {
        polynomial(&TEMME_C0, eta)
            + polynomial(&TEMME_C1, eta) / a
            + polynomial(&TEMME_C2, eta) / (a * a)
    } else {
        // Far in a tail (|η| > 1, only for extreme levels) the closed forms do not cancel.
        let lm1 = t;
        let c0 = 1.0 / lm1 - 1.0 / eta;
        let c1 = 1.0 / eta.powi(3) - 1.0 / lm1.powi(3) - 1.0 / (lm1 * lm1) - 1.0 / (12.0 * lm1);
        c0 + c1 / a
    };
    let r = (-a * half_eta2).exp() / (2.0 * std::f64::consts::PI * a).sqrt() * series;
    let s = eta * (0.5 * a).sqrt();
    (0.5 * erfc(-s) - r, 0.5 * erfc(s) + r)
}

/// The `x` with `P(a, x) = p` (`lower` true) or `Q(a, x) = p` (`lower` false), for `a > 0` and
/// `0 < p < 1`. Ask for the tail in which `p` is the smaller probability: it is then given to
/// full relative precision.
pub fn gamma_inverse(a: f64, p: f64, lower: bool) -> f64 {
    if lower {
        // P(a, x) = xᵃ e⁻ˣ / Γ(a + 1) · (1 + O(x)): when even that makes x underflow, the
        // quantile is 0 in floating point.
        let ln_x = (p.ln() + ln_gamma(a + 1.0)) / a;
        if ln_x < LN_MIN_SUBNORMAL {
            return 0.0;
        }
    }
    // Bracket in u = ln x; x = 0 and x = ∞ are the natural ends.
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut u = start(a, p, lower).ln();
    let ln_p = p.ln();
    for _ in 0..200 {
        let x = u.exp();
        if x == 0.0 {
            // e^u underflowed: P(a, 0) = 0 < p, so the quantile lies above u.
            lo = u;
            u = if hi.is_finite() {
                0.5 * (u + hi)
            } else {
                u + 1.0
            };
            continue;
        }
        let (pp, qq) = regularized_gamma(a, x);
        let tail = if lower { pp } else { qq };
        let g = tail.ln() - ln_p;
        // P increases and Q decreases with x.
        let above = (g > 0.0) == lower;
        if above {
            hi = u;
        } else {
            lo = u;
        }
        if g == 0.0 {
            break;
        }
        // d ln P / du = x f(x) / P; d ln Q / du = −x f(x) / Q.
        let slope = (ln_prefactor(a, x) - tail.ln()).exp() * if lower { 1.0 } else { -1.0 };
        let newton = g / slope;
        let tolerance = 4.0 * f64::EPSILON * u.abs().max(1.0);
        if newton.abs() <= tolerance {
            u -= newton;
            break;
        }
        let mut next = u - newton;
        if !next.is_finite() || next <= lo || next >= hi {
            next = match (lo.is_finite(), hi.is_finite()) {
                (true, true) => 0.5 * (lo + hi),
                (false, _) => u - 1.0,
                (_, false) => u + 1.0,
            };
        }
        if (next - u).abs() <= tolerance {
            u = next;
            break;
        }
        u = next;
    }
    u.exp()
}

/// A starting point: Wilson–Hilferty's cube when it is positive, otherwise the small-`x`
/// approximation `x ≈ (p Γ(a + 1))^{1/a}` of the lower tail.
fn start(a: f64, p: f64, lower: bool) -> f64 {
    // z with Φ(z) = P-tail probability.
    let z = if lower {
        -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
    } else {
        std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
    };
    let c = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * a.sqrt());
    if c > 0.0 && a > 0.5 {
        return (a * c * c * c).max(f64::MIN_POSITIVE);
    }
    let p_lower = if lower { p } else { 1.0 - p };
    let x = ((p_lower.ln() + ln_gamma(a + 1.0)) / a).exp();
    if x.is_finite() && x > 0.0 {
        x
    } else {
        f64::MIN_POSITIVE
    }
}

/// The lower-tail `p` quantile of the chi-squared distribution with `df > 0` degrees of
/// freedom (`qchisq(p, df)`), for `0 < p < 1`.
pub fn chi2_quantile(df: f64, p: f64) -> f64 {
    let a = 0.5 * df;
    if p <= 0.5 {
        2.0 * gamma_inverse(a, p, true)
    } else {
        2.0 * gamma_inverse(a, 1.0 - p, false)
    }
}
