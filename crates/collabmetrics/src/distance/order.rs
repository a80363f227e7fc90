//! Quantiles of a (weighted) sample and the order-statistic interval of a median.

use crate::error::{Error, Result};
use statrs::distribution::{Binomial, DiscreteCDF};

/// Relative tolerance within which a cumulative weight counts as exactly `p` of the total:
/// `0.9 × 110` is 99.00000000000001 in floating point, yet 99 of 110 equal weights are exactly
/// 90% of them.
const TIE: f64 = 1e-12;

/// The `p`-quantile of `sorted` (distance, weight) pairs, sorted by distance, whose weights
/// sum to `total`: the inverse of the weighted empirical CDF, averaged where the CDF is flat
/// at exactly `p` (Hyndman & Fan's type 2; numpy's `averaged_inverted_cdf`). With equal
/// weights the median is the usual middle value, or the mean of the two middle values.
/// Rows of weight 0 take no part. NaN when `total` is 0.
pub(crate) fn quantile(sorted: &[(f64, f64)], p: f64, total: f64) -> f64 {
    if total <= 0.0 {
        return f64::NAN;
    }
    let target = p * total;
    let tie = TIE * total;
    let mut cumulative = 0.0;
    for (k, &(km, w)) in sorted.iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        cumulative += w;
        if cumulative < target - tie {
            continue;
        }
        if (cumulative - target).abs() <= tie {
            // F is flat at p between this value and the next one carrying weight.
            if let Some(&(next, _)) = sorted[k + 1..].iter().find(|(_, w)| *w > 0.0) {
                let mid = (km + next) / 2.0;
                // Beyond half the largest double the sum overflows; halves first then.
                return if mid.is_finite() {
                    mid
                } else {
                    km / 2.0 + next / 2.0
                };
            }
        }
        return km;
    }
    // Only rounding can leave the loop: the largest value carrying weight.
    sorted
        .iter()
        .rev()
        .find(|(_, w)| *w > 0.0)
        .map_or(f64::NAN, |&(km, _)| km)
}

/// The 1-based rank k of the distribution-free interval [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] for the median of
/// `n` values at level `confidence`: the largest k whose coverage 1 − 2·P(B ≤ k − 1), with
/// B ~ Binomial(n, ½), is at least `confidence`. `None` when even [x₍₁₎, x₍ₙ₎] covers less
/// (n ≤ 5 at 95%).
pub(crate) fn median_rank(n: usize, confidence: f64) -> Result<Option<usize>> {
    if n == 0 {
        return Ok(None);
    }
    let b = Binomial::new(0.5, n as u64).map_err(|e| {
        Error::invalid_argument("distance", format!("the median's binomial interval: {e}"))
    })?;
    let alpha = 1.0 - confidence;
    let covers = |k: usize| 2.0 * b.cdf(k.saturating_sub(1) as u64) <= alpha;
    if !covers(1) {
        return Ok(None);
    }
    // Coverage falls as k grows: binary search for the last k that still covers.
    let (mut lo, mut hi) = (1, n.div_ceil(2));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if covers(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(Some(lo))
}
