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
/// `(2O + z² ∓ z·√(z² + 4O(1 − O/n))) / (2(n + z²))`, the lower one computed without
/// cancellation.
#[inline]
pub fn wilson_limits(o: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let centre = 2.0 * o + z2;
    let half = z * (z2 + 4.0 * o * (1.0 - o / n)).sqrt();
    let denom = 2.0 * (n + z2);
    // The lower limit as 2O·(O/n) / (centre + half), the same number without the cancellation
    // of centre − half (76% off at O = 1e-8 of n = 1, a weighted count): (centre − half)
    // (centre + half) = 4O²(n + z²)/n. O/n first, so that no product of two counts overflows.
    let (mut lower, mut upper) = (2.0 * o * (o / n) / (centre + half), (centre + half) / denom);
    if !(lower.is_finite() && upper.is_finite() && denom.is_finite()) {
        // Counts near the largest double overflow 4·O or 2(n + z²) (the latter only shrinks
        // the limits to 0, so it is tested on its own): the same limits divided through by n,
        // in terms of p = O/n: (p + z²/2n ∓ z·√(p(1 − p) + z²/4n) / √n) / (1 + z²/n). The root
        // is taken before dividing by √n so that no term is subnormal.
        let (p, k) = (o / n, z2 / n);
        let centre = p + k / 2.0;
        let half = z * (p * (1.0 - p) + k / 4.0).sqrt() / n.sqrt();
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

/// [`proportion`] writing into caller-provided slices of the input's length. Rows are
/// computed in parallel chunks (the same bits on any number of threads; the error of the
/// lowest bad row).
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
    super::rows::par_rows(out, None, |first, out, _| {
        let rows = first..first + out.value.len();
        wilson_rows(
            &numerator[rows.clone()],
            &denominator[rows],
            z,
            m,
            first,
            out,
        )
    })
}

/// The proportions of one chunk of rows, the first of which is row `first` of the input.
fn wilson_rows(
    numerator: &[f64],
    denominator: &[f64],
    z: f64,
    m: f64,
    first: usize,
    out: Output<'_>,
) -> Result<()> {
    // First every row without stopping (no early exit, so the loop stays tight), noting
    // whether any input or result breaks a rule; only then, if one did, the checked pass
    // below finds the first such row and its error. Both passes compute the same bits.
    let mut ok = true;
    let z2 = z * z;
    let rows = numerator.iter().zip(denominator);
    let outs = out
        .value
        .iter_mut()
        .zip(out.lower.iter_mut().zip(out.upper.iter_mut()));
    for ((&o, &n), (v, (lo, hi))) in rows.zip(outs) {
        // `wilson_row`'s main path written without branches (selects only), so that it
        // vectorises: the same operations in the same order, so the same bits wherever the
        // unclamped limits are finite; where they are not (counts near the largest double),
        // `ok` is false and the checked pass recomputes every row through `wilson_row`.
        let centre = 2.0 * o + z2;
        let half = z * (z2 + 4.0 * o * (1.0 - o / n)).sqrt();
        let denom = 2.0 * (n + z2);
        let (lower, upper) = (2.0 * o * (o / n) / (centre + half), (centre + half) / denom);
        let value = o / n * m;
        let lower_m = if o == 0.0 { 0.0 } else { lower } * m;
        let upper_m = if o == n { 1.0 } else { upper } * m;
        ok &= o.is_finite()
            & (o >= 0.0)
            & n.is_finite()
            & (n > 0.0)
            & (o <= n)
            & denom.is_finite()
            & lower.is_finite()
            & upper.is_finite()
            & value.is_finite()
            & lower_m.is_finite()
            & upper_m.is_finite();
        (*v, *lo, *hi) = (value, lower_m, upper_m);
    }
    if ok {
        return Ok(());
    }
    let rows = numerator.iter().zip(denominator);
    let outs = out
        .value
        .iter_mut()
        .zip(out.lower.iter_mut().zip(out.upper.iter_mut()));
    for (j, ((&o, &n), (v, (lo, hi)))) in rows.zip(outs).enumerate() {
        let i = first + j;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Denominators above ~9e307 overflow 2(n + z²) to ∞, which made both limits 0.
    #[test]
    fn huge_denominators_keep_an_interval_around_the_value() {
        let z = z_value(0.95).unwrap();
        // O = 1e300 of n = 1e308: p = 1e-8, and the half-width z·√(p(1 − p)/n) ≈ 1.96e-158
        // is far below an ulp of p (~1.7e-24), so both limits round to p itself.
        let (v, l, u) = wilson_row(1e300, 1e308, z, 1.0);
        assert_eq!(v, 1e300 / 1e308);
        assert!(l <= v && v <= u, "{l} {v} {u}");
        assert!((l - v).abs() <= 2.0 * f64::EPSILON * v && (u - v).abs() <= 2.0 * f64::EPSILON * v);
        // O = n/2 of n = 1e308: 0.5 ∓ 1.96 × √(0.25/1e308) = 0.5 ∓ 9.8e-155, i.e. 0.5 both.
        assert_eq!(wilson_limits(0.5e308, 1e308, z), (0.5, 0.5));
        // Where the first formula does not overflow the scaled one agrees with it: O = 3e200
        // of n = 1e201 (p = 0.3), and O = 3, n = 10 (Wilson: 0.1078 and 0.6032, to 4 d.p.).
        for (o, n) in [(3e200, 1e201), (3.0, 10.0)] {
            let (l, u) = wilson_limits(o, n, z);
            let (p, k) = (o / n, z * z / n);
            let half = z * (p * (1.0 - p) + k / 4.0).sqrt() / n.sqrt();
            let scaled = (
                (p + k / 2.0 - half) / (1.0 + k),
                (p + k / 2.0 + half) / (1.0 + k),
            );
            assert!((l - scaled.0).abs() < 1e-15 && (u - scaled.1).abs() < 1e-15);
        }
        let (l, u) = wilson_limits(3.0, 10.0, z);
        assert!(
            (l - 0.1078).abs() < 5e-5 && (u - 0.6032).abs() < 5e-5,
            "{l} {u}"
        );
    }

    /// The branch-free pass of `wilson_rows` gives `wilson_row`'s bits on every row: ordinary
    /// counts, O = 0, O = n, weighted (fractional) counts, and counts so large that the
    /// first formula overflows (its fallback then comes from the checked pass).
    #[test]
    fn rows_have_the_bits_of_the_one_definition() {
        let mut state: u64 = 42;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut num, mut den) = (Vec::new(), Vec::new());
        for _ in 0..50_000 {
            let n = (next() * 10_000.0).floor() + 1.0;
            num.push(match (next() * 4.0) as u32 {
                0 => 0.0,
                1 => n,
                2 => next() * n,
                _ => (next() * n).floor(),
            });
            den.push(n);
        }
        for big in [false, true] {
            if big {
                num[777] = 1e308;
                den[777] = 1.5e308;
                // 2(n + z²) overflows although 2O does not.
                num[778] = 1e300;
                den[778] = 1e308;
            }
            for m in [1.0, 100.0] {
                let opts = ProportionOptions {
                    multiplier: m,
                    ..ProportionOptions::default()
                };
                let est = proportion(&num, &den, &opts).unwrap();
                let z = z_value(opts.confidence).unwrap();
                for i in 0..num.len() {
                    let (v, l, u) = wilson_row(num[i], den[i], z, m);
                    let got = [est.value[i], est.lower[i], est.upper[i]].map(f64::to_bits);
                    assert_eq!(got, [v, l, u].map(f64::to_bits), "row {i}, multiplier {m}");
                }
            }
        }
    }
}
