//! Quantiles of a (weighted) sample and the order-statistic interval of a median.

use crate::error::{Error, Result};
use crate::sum::Neumaier;
use statrs::distribution::{Binomial, DiscreteCDF};

/// Tolerance, in units of `f64::EPSILON` of the total, within which a cumulative weight
/// counts as exactly `p` of the total: `0.9 × 110` is 99.00000000000001 in floating point, yet
/// 99 of 110 equal weights are exactly 90% of them. The running and total weights are
/// compensated sums (each within about one rounding of the exact sum of the weights), and
/// `p × total` is one rounding more, so a few units cover every rounding; a cumulative weight
/// truly away from `p` by more (weights 0.5 + 10⁻¹³ and 0.5) is not a tie.
const TIE_EPSILONS: f64 = 8.0;

/// The `p`-quantile of `sorted` (distance, weight) pairs, sorted by distance, whose weights
/// have the compensated sum `total` ([`crate::sum::neumaier`]): the inverse of the weighted
/// empirical CDF, averaged where the CDF is flat at exactly `p` (Hyndman &
/// Fan's type 2; numpy's `averaged_inverted_cdf`). With equal weights the median is the
/// usual middle value, or the mean of the two middle values. Rows of weight 0 take no part.
/// NaN when the weights sum to 0.
pub(crate) fn quantile(sorted: &[(f64, f64)], p: f64, total: f64) -> f64 {
    if total <= 0.0 {
        return f64::NAN;
    }
    let target = p * total;
    let tie = TIE_EPSILONS * f64::EPSILON * total;
    let mut cumulative = Neumaier::default();
    for (k, &(km, w)) in sorted.iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        cumulative.add(w);
        let cumulative = cumulative.total();
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

/// Up to this many values the binomial tail is summed exactly in integers (the coefficients
/// and the products forming them fit a `u128` up to n = 125).
const EXACT_N: usize = 120;

/// Beyond [`EXACT_N`] values, the relative tolerance on 1 − confidence within which statrs'
/// binomial tail (relative error up to about 1e-12 for n in the thousands) counts as equal to
/// it.
const TAIL_TOLERANCE: f64 = 1e-10;

/// The 1-based rank k of the distribution-free interval [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] for the median of
/// `n` values at level `confidence`: the largest k whose coverage 1 − 2·P(B ≤ k − 1), with
/// B ~ Binomial(n, ½), is at least `confidence`. `None` when even [x₍₁₎, x₍ₙ₎] covers less
/// (n ≤ 5 at 95%).
///
/// A coverage equal to the confidence counts (four values at 0.875: [x₍₁₎, x₍₄₎] covers
/// exactly 1 − 2/16). Up to [`EXACT_N`] values the tail is an exact sum of binomial
/// coefficients, so such ties are decided exactly; beyond, statrs' tail (relative error up to
/// about 1e-12 there) is compared with a relative tolerance of [`TAIL_TOLERANCE`] of
/// 1 − confidence, so a coverage that short of the confidence counts as reaching it.
pub(crate) fn median_rank(n: usize, confidence: f64) -> Result<Option<usize>> {
    if n == 0 {
        return Ok(None);
    }
    // Exact for confidence ≥ ½ (Sterbenz).
    let alpha = 1.0 - confidence;
    let binomial = if n > EXACT_N {
        Some(Binomial::new(0.5, n as u64).map_err(|e| {
            Error::invalid_argument("distance", format!("the median's binomial interval: {e}"))
        })?)
    } else {
        None
    };
    // 2·P(B ≤ k − 1) ≤ α  ⇔  Σ_{j<k} C(n, j) ≤ α·2ⁿ⁻¹: the right side is exact (α times a
    // power of two) and, the left side being an integer, compared as its integer part.
    let bound = (alpha * 2f64.powi(n.min(EXACT_N) as i32 - 1)).floor() as u128;
    let tolerance = TAIL_TOLERANCE * alpha;
    let covers = |k: usize| match &binomial {
        None => lower_tail(n, k) <= bound,
        Some(b) => 2.0 * b.cdf(k.saturating_sub(1) as u64) <= alpha + tolerance,
    };
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

/// Σ_{j<k} C(n, j), exactly (n ≤ [`EXACT_N`]).
fn lower_tail(n: usize, k: usize) -> u128 {
    let (mut c, mut sum) = (1u128, 0u128);
    for j in 0..k.min(n + 1) {
        sum += c;
        // C(n, j + 1) = C(n, j)·(n − j)/(j + 1), exact: the product is divisible.
        c = c * (n - j) as u128 / (j + 1) as u128;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coverage_equal_to_the_confidence_counts() {
        // Four values: [x₍₁₎, x₍₄₎] covers exactly 1 − 2·(1/16) = 0.875 (a double), so at
        // 0.875 it is the interval; just above, none.
        assert_eq!(median_rank(4, 0.875).unwrap(), Some(1));
        assert_eq!(median_rank(4, 0.8751).unwrap(), None);
        // Ten values: P(B ≤ 1) = 11/1024, so [x₍₂₎, x₍₉₎] covers 1 − 22/1024 = 0.978515625.
        assert_eq!(median_rank(10, 0.978515625).unwrap(), Some(2));
        assert_eq!(median_rank(10, 0.9785157).unwrap(), Some(1));
        // Five values at 95%: 1 − 2/32 = 0.9375 < 0.95.
        assert_eq!(median_rank(5, 0.95).unwrap(), None);
        assert_eq!(median_rank(5, 0.9375).unwrap(), Some(1));
    }

    #[test]
    fn the_exact_tail_is_the_sum_of_binomial_coefficients() {
        // Σ_{j<k} C(n, j): 1 + 10 = 11 (n = 10, k = 2); 2^n for k > n.
        assert_eq!(lower_tail(10, 2), 11);
        assert_eq!(lower_tail(10, 11), 1024);
        assert_eq!(lower_tail(120, 121), 1u128 << 120);
        // For odd n the lower half is exactly half of 2^n.
        assert_eq!(lower_tail(119, 60), 1u128 << 118);
        // The 95% ranks of published tables (Campbell & Gardner): [x₍₁₈₎, x₍₃₃₎] for 50
        // values, [x₍₄₀₎, x₍₆₁₎] for 100; beyond the exact range (statrs), 121 → 50 and
        // 200 → 86, from exact rational sums (1 − 2·Σ_{j<k} C(n, j)/2ⁿ ≥ 95/100).
        for (n, k) in [(50, 18), (100, 40), (120, 49), (121, 50), (200, 86)] {
            assert_eq!(median_rank(n, 0.95).unwrap(), Some(k), "n = {n}");
        }
    }
}
