//! Proportions with Wilson score intervals.

use super::{check_confidence, check_count, check_multiplier, z_value, Estimates, Method, Output};
use crate::error::{check_len, Error, Result};
use serde::{Deserialize, Serialize};

crate::option_enum! {
    /// How the interval of a proportion is computed.
    #[derive(Default)]
    pub enum ProportionMethod: "method", "proportion method" {
        /// Wilson's score interval (PHE's method, and the only one).
        #[default]
        Wilson = "wilson",
    }
}

/// Options for [`proportion`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProportionOptions {
    /// Confidence level in (0, 1); default 0.95.
    pub confidence: f64,
    /// Scale of value and limits: 1 for a proportion (default), 100 for a percentage.
    pub multiplier: f64,
    /// Interval method (Wilson, the only one).
    pub method: ProportionMethod,
}

impl Default for ProportionOptions {
    fn default() -> Self {
        ProportionOptions {
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            multiplier: 1.0,
            method: ProportionMethod::Wilson,
        }
    }
}

/// Wilson score limits for `o` successes out of `n` at normal quantile `z`, as proportions:
/// `(2O + z² ∓ z·√(z² + 4O(1 − O/n))) / (2(n + z²))`.
#[inline]
pub fn wilson_limits(o: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let centre = 2.0 * o + z2;
    let half = z * (z2 + 4.0 * o * (1.0 - o / n)).sqrt();
    let denom = 2.0 * (n + z2);
    let (mut lower, mut upper) = ((centre - half) / denom, (centre + half) / denom);
    if !(lower.is_finite() && upper.is_finite()) {
        // Counts near the largest double overflow 4·O: the same limits divided through by n,
        // in terms of p = O/n: (p + z²/2n ∓ z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n).
        let (p, k) = (o / n, z2 / n);
        let centre = p + k / 2.0;
        let half = z * (p * (1.0 - p) / n + k / (4.0 * n)).sqrt();
        (lower, upper) = ((centre - half) / (1.0 + k), (centre + half) / (1.0 + k));
    }
    // At O = 0 and O = n one limit is exactly 0 or 1; rounding in √(z²) would miss it by an ulp.
    if o == 0.0 {
        lower = 0.0;
    }
    if o == n {
        upper = 1.0;
    }
    (lower, upper)
}

/// One proportion `O / n × multiplier` and its Wilson limits, for a checked row: the single
/// definition every proportion of the library (row-wise, OAP shares, transition summaries)
/// goes through, so the same inputs give the same bits everywhere.
#[inline]
pub fn wilson_row(o: f64, n: f64, z: f64, multiplier: f64) -> (f64, f64, f64) {
    let (l, u) = wilson_limits(o, n, z);
    (o / n * multiplier, l * multiplier, u * multiplier)
}

/// Proportions `O / n × multiplier` with Wilson score intervals.
///
/// Rules (each violation is an [`Error::InvalidValue`] naming the first bad index):
/// `numerator` finite and >= 0, `denominator` finite and > 0, `numerator <= denominator`.
/// Numerators need not be integers (PHE allows weighted counts).
pub fn proportion(
    numerator: &[f64],
    denominator: &[f64],
    options: &ProportionOptions,
) -> Result<Estimates> {
    let mut out = Estimates::zeroed(numerator.len(), options.confidence, Method::Wilson);
    proportion_into(numerator, denominator, options, out.output())?;
    Ok(out)
}

/// [`proportion`] writing into caller-provided slices of the input's length.
pub fn proportion_into(
    numerator: &[f64],
    denominator: &[f64],
    options: &ProportionOptions,
    out: Output<'_>,
) -> Result<()> {
    check_confidence(options.confidence)?;
    check_multiplier(options.multiplier)?;
    check_len(
        "denominator",
        denominator.len(),
        "numerator",
        numerator.len(),
    )?;
    out.check_len("numerator", numerator.len())?;
    let z = z_value(options.confidence)?;
    let m = options.multiplier;
    let rows = numerator.iter().zip(denominator);
    let outs = out
        .value
        .iter_mut()
        .zip(out.lower.iter_mut().zip(out.upper.iter_mut()));
    for (i, ((&o, &n), (v, (lo, hi)))) in rows.zip(outs).enumerate() {
        check_count("numerator", i, o)?;
        if !(n.is_finite() && n > 0.0) {
            return Err(Error::invalid_value(
                "denominator",
                i,
                n,
                "denominators must be finite and > 0 (n = 0 has no proportion)",
            ));
        }
        if o > n {
            return Err(Error::invalid_value(
                "numerator",
                i,
                o,
                "numerator must not exceed the denominator",
            ));
        }
        let row = wilson_row(o, n, z, m);
        super::check_finite_row(i, "numerator", o, [row.0, row.1, row.2])?;
        (*v, *lo, *hi) = row;
    }
    Ok(())
}
