//! Exact Poisson funnel curves with continuous counts: the gamma (chi-square with
//! non-integer degrees of freedom) quantiles behind FunnelPlotR's exact SR limits, and the
//! inverse behind PHE's ratio and rate funnels (the count at which a funnel passes through a
//! given expected count).
//!
//! For a count O and mean μ, P(Poisson(μ) ≤ O) = 1 − P(O + 1, μ) and P(Poisson(μ) ≥ O) =
//! P(O, μ), with P the regularised lower incomplete gamma function; extending O to real
//! values through P gives the smooth curves both packages draw.

use crate::error::{Error, Result};
use crate::stats::gamma::{chi2_quantile, regularized_gamma};

/// The tail probabilities of the two PHE / Spiegelhalter levels: 0.025 (95%) and 0.001
/// (99.8%).
pub(crate) const TAILS: [f64; 2] = [0.025, 0.001];

/// The p-quantile of the chi-square distribution with `df` (> 0, any real) degrees of
/// freedom: the statistics module's incomplete-gamma inverse (full precision at any `df`),
/// after checking its arguments.
pub(crate) fn chi_squared_quantile(df: f64, p: f64) -> Result<f64> {
    if !(df.is_finite() && df > 0.0) {
        return Err(Error::invalid_argument(
            "degrees_of_freedom",
            format!(
                "a chi-square quantile needs finite degrees of freedom > 0 (got {})",
                crate::error::format_value(df)
            ),
        ));
    }
    if !(p > 0.0 && p < 1.0) {
        return Err(Error::invalid_argument(
            "probability",
            format!(
                "a quantile needs a probability in (0, 1) (got {})",
                crate::error::format_value(p)
            ),
        ));
    }
    Ok(chi2_quantile(df, p))
}

/// The p-quantile of Gamma(shape, 1): χ²_p(2·shape) / 2.
pub(crate) fn gamma_quantile(shape: f64, p: f64) -> Result<f64> {
    Ok(chi_squared_quantile(2.0 * shape, p)? / 2.0)
}

/// FunnelPlotR's exact Poisson limits of a standardised ratio at expected count x (target 1):
/// `[lower 95%, upper 95%, lower 99.8%, upper 99.8%]` with lower `χ²_{α/2}(2x)/(2x)` and upper
/// `χ²_{1−α/2}(2x + 2)/(2x)`, α/2 = 0.025 and 0.001.
pub(crate) fn sr_exact(x: f64) -> Result<[f64; 4]> {
    let mut out = [0.0; 4];
    for (i, &tail) in TAILS.iter().enumerate() {
        out[2 * i] = gamma_quantile(x, tail)? / x;
        out[2 * i + 1] = gamma_quantile(x + 1.0, 1.0 - tail)? / x;
    }
    Ok(out)
}

/// P(a, mu) − target (P the regularised lower incomplete gamma function, decreasing in a),
/// computed from the smaller tail so that a target near 1 keeps its precision.
fn excess(a: f64, mu: f64, target: f64) -> f64 {
    let (p, q) = regularized_gamma(a, mu);
    if target > 0.5 {
        (1.0 - target) - q
    } else {
        p - target
    }
}

/// The shape a > 0 with P(a, mu) = target (P decreases in a), by the Illinois variant of
/// regula falsi inside a bracket around mu.
pub(crate) fn shape_at(mu: f64, target: f64) -> Result<f64> {
    let spread = 12.0 * mu.sqrt() + 20.0;
    let mut lo = (mu - spread).max(1e-8);
    let mut hi = mu + spread;
    let mut f_lo = excess(lo, mu, target);
    let mut f_hi = excess(hi, mu, target);
    while f_lo < 0.0 && lo > 1e-300 {
        lo /= 16.0;
        f_lo = excess(lo, mu, target);
    }
    while f_hi > 0.0 {
        hi *= 2.0;
        f_hi = excess(hi, mu, target);
    }
    if f_lo <= 0.0 {
        // P(a, mu) -> 1 as a -> 0, so this only happens for a target of (almost) 1.
        return Ok(lo);
    }
    let mut side = 0i8;
    let mut previous = f64::NAN;
    for _ in 0..200 {
        let mut a = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
        if !(a > lo && a < hi) {
            // Rounding put the secant on an end of the bracket: bisect instead.
            a = 0.5 * (lo + hi);
        }
        if !(a > lo && a < hi) || (a - previous).abs() <= 2.0 * f64::EPSILON * a {
            // The bracket cannot shrink further, or the estimate has stopped moving.
            return Ok(a);
        }
        previous = a;
        let f = excess(a, mu, target);
        if f == 0.0 {
            return Ok(a);
        }
        if f > 0.0 {
            lo = a;
            f_lo = f;
            if side == 1 {
                f_hi *= 0.5;
            }
            side = 1;
        } else {
            hi = a;
            f_hi = f;
            if side == -1 {
                f_lo *= 0.5;
            }
            side = -1;
        }
    }
    Ok(previous)
}

/// PHE's Poisson funnel at expected count mu, as ratios to mu: `[lower 95%, upper 95%, lower
/// 99.8%, upper 99.8%]`. The lower limit is O_L/mu with P(O_L + 1, mu) = 1 − tail (the count
/// whose upper exact limit is mu; negative below mu = −ln(tail), where the funnel has no
/// lower limit and callers clamp at 0); the upper is O_U/mu with P(O_U, mu) = tail.
pub(crate) fn phe_poisson(mu: f64) -> Result<[f64; 4]> {
    let mut out = [0.0; 4];
    for (i, &tail) in TAILS.iter().enumerate() {
        out[2 * i] = (shape_at(mu, 1.0 - tail)? - 1.0) / mu;
        out[2 * i + 1] = shape_at(mu, tail)? / mu;
    }
    Ok(out)
}

/// PHE's funnel points of a ratio or rate for an observed count O (the limits tables):
/// `[E_lower 95%, E_upper 95%, E_lower 99.8%, E_upper 99.8%]` with `E_lower = χ²_{1−tail}(2O +
/// 2)/2` and `E_upper = χ²_{tail}(2O)/2` (O > 0).
pub(crate) fn phe_expected(o: f64) -> Result<[f64; 4]> {
    let mut out = [0.0; 4];
    for (i, &tail) in TAILS.iter().enumerate() {
        out[2 * i] = gamma_quantile(o + 1.0, 1.0 - tail)?;
        out[2 * i + 1] = gamma_quantile(o, tail)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inverse_passes_through_the_funnel_points() {
        // PHE's point for O = 7: the lower 95% curve passes through (E_lower(7), 7/E_lower(7)).
        let e = phe_expected(7.0).unwrap();
        let at_lower = phe_poisson(e[0]).unwrap();
        assert!((at_lower[0] * e[0] - 7.0).abs() < 1e-9, "{at_lower:?}");
        let at_upper = phe_poisson(e[1]).unwrap();
        assert!((at_upper[1] * e[1] - 7.0).abs() < 1e-9, "{at_upper:?}");
        // Below mu = -ln(0.025) (O_L = 0 there) the lower 95% limit is negative (clamped by
        // callers); above it, positive.
        let edge = -(0.025f64.ln());
        assert!(phe_poisson(edge * 0.9).unwrap()[0] < 0.0);
        assert!(phe_poisson(edge * 1.1).unwrap()[0] > 0.0);
        assert!(phe_poisson(edge).unwrap()[0].abs() < 1e-12);
    }

    #[test]
    fn quantiles_refuse_bad_arguments() {
        assert!(chi_squared_quantile(0.0, 0.5).is_err());
        assert!(chi_squared_quantile(f64::NAN, 0.5).is_err());
        assert!(chi_squared_quantile(2.0, 1.0).is_err());
        // chi-square(2) is exponential with mean 2: the p-quantile is -2 ln(1 - p).
        let q = chi_squared_quantile(2.0, 0.9).unwrap();
        assert!((q + 2.0 * 0.1f64.ln()).abs() < 1e-14);
    }
}
