//! The centre line and the limits of one segment: the mean of its baseline points, the
//! average moving range (screened or not), the natural process limits at ±2.66·AMR ("3σ")
//! and the band at ±(2·2.66/3)·AMR ("2σ").

use serde::Serialize;

use crate::sum::ExactSum;

/// The XmR constant: 3 / d2 with d2 = 1.128 for moving ranges of two points, rounded as
/// every NHS tool rounds it.
pub const LIMIT: f64 = 2.66;
/// Moving ranges at or above this many times their average are screened out (Nelson 1982;
/// Provost & Murray 2011).
pub const SCREEN: f64 = 3.267;

/// The centre line and limits of one segment. The limits are NaN (null in tables) for a
/// segment of one point, which has no moving range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    /// Mean of the baseline points.
    pub mean: f64,
    /// Average moving range after screening.
    pub amr: f64,
    /// Lower natural process limit, mean − 2.66·AMR.
    pub lpl: f64,
    /// Upper natural process limit, mean + 2.66·AMR.
    pub upl: f64,
    /// Lower edge of the 2σ band, mean − (2·2.66/3)·AMR.
    pub lpl_2sigma: f64,
    /// Upper edge of the 2σ band, mean + (2·2.66/3)·AMR.
    pub upl_2sigma: f64,
    /// Points the limits come from (the first `fix_after_n_points`, or all).
    pub baseline: usize,
    /// Moving ranges dropped by screening.
    pub screened: usize,
}

impl Limits {
    /// True when the segment has limits (more than one baseline point).
    pub fn exist(&self) -> bool {
        !self.amr.is_nan()
    }
}

/// The limits of a segment `y` (date order) from its first `fix` points (all when `None`),
/// screening moving ranges when `screen`.
///
/// When every moving range is 0 (a flat baseline) nothing is screened and the limits sit on
/// the mean; NHSRplotthedots screens every range out then and returns NaN limits. They sit on
/// the mean too when screening drops every non-zero range (`[5; 13]` then 6: the one range of
/// 1 is at least 3.267 × 1/13), so the average used is 0.
pub fn limits(y: &[f64], fix: Option<usize>, screen: bool) -> Limits {
    let b = fix.map_or(y.len(), |f| f.min(y.len()));
    let base = &y[..b];
    // A moving range of finite values can exceed the largest double (1e308 then −1e308).
    // Halving every value (exact for normal doubles) keeps the ranges finite; the limits of
    // the halves, doubled, are the limits, infinite (and refused by the table) only when they
    // truly are beyond the largest double.
    if base.windows(2).any(|w| (w[1] - w[0]).is_infinite()) {
        let half: Vec<f64> = base.iter().map(|v| v / 2.0).collect();
        return limits(&half, None, screen).doubled();
    }
    let centre = mean(base.iter().copied());
    let ranges = base.windows(2).map(|w| (w[1] - w[0]).abs());
    let amr0 = mean(ranges.clone());
    let (amr, screened) = if screen && amr0 > 0.0 {
        let cut = SCREEN * amr0;
        let kept = mean(ranges.clone().filter(|&r| r < cut));
        (kept, ranges.filter(|&r| r >= cut).count())
    } else {
        (amr0, 0)
    };
    // The constant is written as NHSRplotthedots computes it, so the band matches to the bit.
    let close = 2.0 * (LIMIT / 3.0);
    Limits {
        mean: centre,
        amr,
        lpl: centre - LIMIT * amr,
        upl: centre + LIMIT * amr,
        lpl_2sigma: centre - close * amr,
        upl_2sigma: centre + close * amr,
        baseline: b,
        screened,
    }
}

impl Limits {
    /// Every level twice as far from 0 (exact: a power of two), for limits of halved values.
    fn doubled(self) -> Limits {
        Limits {
            mean: 2.0 * self.mean,
            amr: 2.0 * self.amr,
            lpl: 2.0 * self.lpl,
            upl: 2.0 * self.upl,
            lpl_2sigma: 2.0 * self.lpl_2sigma,
            upl_2sigma: 2.0 * self.upl_2sigma,
            ..self
        }
    }
}

/// The mean as R computes it (a sum, then the mean residual added back), with exact sums
/// standing in for R's long double: the result is the double nearest the exact mean, so
/// whether a point is on, above or below the mean does not depend on summation order (a
/// compensated sum of already rounded residuals missed it by an ulp in about 2 series of 3,
/// and a point equal to the mean then continued a run of 7 it should break). NaN when empty.
///
/// The mean of finite values is finite, but their sum, or a residual, can exceed the largest
/// double (7 × 1.5e308); then the values are first scaled by a power of two small enough that
/// neither can, and the mean scaled back.
pub(crate) fn mean(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = scaled_mean(values.clone(), 1.0);
    if m.is_finite() || (m.is_nan() && values.clone().next().is_none()) {
        return m;
    }
    let n = values.clone().count();
    let scale = 1.0 / (2 * n.next_power_of_two()) as f64;
    scaled_mean(values, scale) / scale
}

/// [`mean`] of the values times `scale`, without the overflow check.
fn scaled_mean(values: impl Iterator<Item = f64> + Clone, scale: f64) -> f64 {
    let mut sum = ExactSum::default();
    let mut n = 0usize;
    for v in values {
        sum.add(v * scale);
        n += 1;
    }
    if n == 0 {
        return f64::NAN;
    }
    let count = n as f64;
    let m = sum.value() / count;
    // The remainder Σ − m·n, exactly (m·n as an exact product p + e by a fused multiply-add),
    // rounded once: m + remainder / n is then the double nearest the exact mean.
    let p = m * count;
    sum.add(-p);
    sum.add(-m.mul_add(count, -p));
    m + sum.value() / count
}

/// Where a point sits against its segment's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Strictly above the upper or below the lower limit.
    pub outside: bool,
    /// sign(y − mean): −1, 0 or +1.
    pub relative: i8,
    /// Strictly beyond the 2σ band but not outside the limits.
    pub close: bool,
    /// Strictly beyond the 2σ band, outside the limits included (Making Data Count's 2023
    /// two-in-three).
    pub beyond_2sigma: bool,
}

impl Limits {
    /// The position of `y`. Without limits (one point) nothing is outside or close.
    pub fn position(&self, y: f64) -> Position {
        let outside = y > self.upl || y < self.lpl;
        let beyond_2sigma = y > self.upl_2sigma || y < self.lpl_2sigma;
        Position {
            outside,
            relative: if y > self.mean {
                1
            } else if y < self.mean {
                -1
            } else {
                0
            },
            close: !outside && beyond_2sigma,
            beyond_2sigma,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_is_exact_where_naive_sums_are_not() {
        // 0.1 + 0.2 + 0.3 = 0.6000000000000001 in doubles; the mean is still 0.2.
        assert_eq!(mean([0.1, 0.2, 0.3].into_iter()), 0.2);
        assert!(mean(std::iter::empty()).is_nan());
    }

    #[test]
    fn the_mean_of_huge_values_does_not_overflow() {
        // 0 and 1.5e308 seven times each: the sum (5.25e308) is beyond the largest double,
        // the mean (1.5e308 / 2 = 7.5e307) is not.
        let y = [0.0, 1.5e308].repeat(7);
        assert_eq!(mean(y.iter().copied()), 7.5e307);
        // Three times 1.5e308: the limits sit on it (every moving range is 0).
        let l = limits(&[1.5e308; 3], None, true);
        assert_eq!(
            (l.mean, l.amr, l.lpl, l.upl),
            (1.5e308, 0.0, 1.5e308, 1.5e308)
        );
    }

    #[test]
    fn moving_ranges_beyond_the_largest_double() {
        // 1e308, −1e308, then 98 zeros: the moving ranges are 2e308 (beyond the largest
        // double), 1e308 and 97 zeros. AMR0 = 3e308 / 99 ≈ 3.03e306, so both large ranges
        // are at least 3.267·AMR0 and screened; the rest average 0. Mean: 0.
        let mut y = vec![1e308, -1e308];
        y.extend([0.0; 98]);
        let l = limits(&y, None, true);
        assert!(l.exist());
        assert_eq!(
            (l.mean, l.amr, l.lpl, l.upl, l.screened),
            (0.0, 0.0, 0.0, 0.0, 2)
        );
        // Alternating ±1e308: every moving range is 2e308, so the limits, 0 ± 2.66 × 2e308,
        // are beyond the largest double: infinite (the table refuses them), not missing.
        let l = limits(&[1e308, -1e308].repeat(7), None, true);
        assert_eq!(l.mean, 0.0);
        assert_eq!((l.lpl, l.upl), (f64::NEG_INFINITY, f64::INFINITY));
    }

    #[test]
    fn one_point_has_no_limits() {
        let l = limits(&[5.0], None, true);
        assert_eq!(l.mean, 5.0);
        assert!(!l.exist() && l.lpl.is_nan() && l.upl.is_nan());
        assert_eq!(l.position(5.0).relative, 0);
        assert!(!l.position(5.0).outside && !l.position(5.0).close);
    }

    #[test]
    fn flat_baseline_puts_the_limits_on_the_mean() {
        let l = limits(&[3.0, 3.0, 3.0, 4.0], Some(3), true);
        assert_eq!((l.mean, l.amr, l.lpl, l.upl), (3.0, 0.0, 3.0, 3.0));
        assert!(l.position(4.0).outside);
        assert!(!l.position(3.0).outside);
    }
}
