//! FunnelPlotR's control limits at a denominator x (`calculate_limits()`), the outlier rule
//! (`outliers_func()`) and the plotting grid (`build_limits_lookup()`).
//!
//! Every normal-scale limit is `target ∓ z·√(s(x)² + τ²)` on the transformed scale, taken back
//! to the value scale; "unadjusted" PR and RC limits are the same with τ² = 0, and SR's are
//! exact Poisson ([`super::poisson::sr_exact`]). With `funnelplotr_compat` the two quirks of
//! the package are kept: CQC limits not squared back (Q1) and RC limits with the standard error
//! 1/(2√x) instead of the z-score's (Q2).

use super::transform::Kind;
use std::f64::consts::FRAC_PI_2;

/// FunnelPlotR's hard-coded normal quantiles of the 95% and 99.8% limits.
pub(crate) const Z: [f64; 2] = [1.959964, 3.090232];

/// How the limits are computed: the kind, FunnelPlotR's quirks or not, the target θ on the
/// value scale (1 for SR) and the between-unit variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spec {
    pub kind: Kind,
    pub compat: bool,
    pub theta: f64,
    pub tau2: f64,
    /// The target on the transformed scale (asin √θ for PR, ln θ for RC).
    target: f64,
}

impl Spec {
    pub(crate) fn new(kind: Kind, compat: bool, theta: f64, tau2: f64) -> Self {
        Spec {
            kind,
            compat,
            theta,
            tau2,
            target: super::transform::target_y(kind, theta),
        }
    }
}

/// Variance of the transformed value at denominator x, without τ².
#[inline]
fn within(spec: &Spec, x: f64) -> f64 {
    match spec.kind {
        Kind::SrShmi => 1.0 / x,
        Kind::SrCqc | Kind::Pr => 1.0 / (4.0 * x),
        Kind::Rc if spec.compat => 1.0 / (4.0 * x),
        Kind::Rc => {
            // The z-score's standard error at the target: O = θx, n = x.
            let o = spec.theta * x;
            o / ((o + 0.5) * (o + 0.5)) + x / ((x + 0.5) * (x + 0.5))
        }
    }
}

/// The normal-scale limits at x with between-unit variance `tau2`: `[lower 95%, upper 95%,
/// lower 99.8%, upper 99.8%]` on the value scale (not yet × multiplier). PR limits stay in
/// [0, 1]: the angle is held in [0, π/2] (a unit's own limits; the plotting grid folds
/// instead, see [`fold_pr`]).
#[inline]
pub(crate) fn normal_limits(spec: &Spec, x: f64, tau2: f64) -> [f64; 4] {
    let h = (within(spec, x) + tau2).sqrt();
    let mut out = [0.0; 4];
    for (i, z) in Z.iter().enumerate() {
        let d = z * h;
        let (lo, hi) = match spec.kind {
            Kind::SrShmi => {
                let e = d.exp();
                (1.0 / e, e)
            }
            Kind::SrCqc if spec.compat => (1.0 - d, 1.0 + d),
            Kind::SrCqc => {
                let lo = (1.0 - d).max(0.0);
                (lo * lo, (1.0 + d) * (1.0 + d))
            }
            Kind::Pr => {
                let a = spec.target;
                (
                    (a - d).max(0.0).sin().powi(2),
                    (a + d).min(FRAC_PI_2).sin().powi(2),
                )
            }
            Kind::Rc => {
                let (c, e) = (spec.theta, d.exp());
                (c / e, c * e)
            }
        };
        out[2 * i] = lo;
        out[2 * i + 1] = hi;
    }
    out
}

/// PR limits on the plotting grid as FunnelPlotR draws them (quirk Q4): `sin²(asin √θ ∓ d)`
/// without holding the angle, then, along increasing x, a lower limit above the next one is
/// set to 0 and an upper limit below the next one to `multiplier` (the arcsine funnel folds
/// back once the angle leaves [0, π/2]). `limits[i]` holds grid point i's four limits,
/// already × multiplier.
pub(crate) fn fold_pr(
    theta: f64,
    d_at: impl Fn(usize, usize) -> f64,
    limits: &mut [[f64; 4]],
    multiplier: f64,
) {
    let a = theta.sqrt().asin();
    for (i, row) in limits.iter_mut().enumerate() {
        for level in 0..2 {
            let d = d_at(i, level);
            row[2 * level] = multiplier * (a - d).sin().powi(2);
            row[2 * level + 1] = multiplier * (a + d).sin().powi(2);
        }
    }
    for i in 0..limits.len().saturating_sub(1) {
        let next = limits[i + 1];
        for level in 0..2 {
            if limits[i][2 * level] > next[2 * level] {
                limits[i][2 * level] = 0.0;
            }
            if limits[i][2 * level + 1] < next[2 * level + 1] {
                limits[i][2 * level + 1] = multiplier;
            }
        }
    }
}

/// The half-width d = z·√(s(x)² + τ²) of PR's limits at x for level 0 (95%) or 1 (99.8%).
pub(crate) fn pr_half_width(spec: &Spec, x: f64, tau2: f64, level: usize) -> f64 {
    Z[level] * (within(spec, x) + tau2).sqrt()
}

/// FunnelPlotR's outlier rule: outside `[lower, upper]`, both ends included in the funnel.
#[inline]
pub fn outside(value: f64, lower: f64, upper: f64) -> bool {
    !(lower <= value && value <= upper)
}

/// FunnelPlotR's plotting grid: 1000 points evenly spaced from 1.1 (SR) or 3 (PR, RC) to the
/// largest denominator rounded up (R's `seq(from, to, length.out = 1000)`, last point exactly
/// `to`), plus every unit's denominator; sorted, without repeats.
pub(crate) fn grid(kind: Kind, denominators: &[f64]) -> Vec<f64> {
    let from = if matches!(kind, Kind::SrShmi | Kind::SrCqc) {
        1.1
    } else {
        3.0
    };
    let to = denominators
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil();
    let by = (to - from) / 999.0;
    let mut xs: Vec<f64> = (0..1000)
        .map(|i| match i {
            0 => from,
            999 => to,
            _ => from + i as f64 * by,
        })
        .chain(denominators.iter().copied())
        .collect();
    xs.sort_unstable_by(f64::total_cmp);
    xs.dedup();
    xs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outliers_as_funnelplotr_tests() {
        // test-outliers_func.R: rr against fixed limits (95: 0.9-1.1, OD95 0.79-1.21,
        // 99: 0.59-1.41, OD99 0.38-1.62).
        let rr = [1.0, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0.0];
        let flags = |lo: f64, hi: f64, m: f64| -> Vec<u8> {
            rr.iter()
                .map(|&r| u8::from(outside(r * m, lo, hi)))
                .collect()
        };
        assert_eq!(flags(0.9, 1.1, 1.0), [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(flags(0.79, 1.21, 1.0), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        assert_eq!(flags(0.59, 1.41, 1.0), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
        assert_eq!(flags(0.38, 1.62, 1.0), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(flags(0.9, 1.1, 100.0), [1; 10]);
        // On a limit is inside.
        assert!(!outside(0.9, 0.9, 1.1) && !outside(1.1, 0.9, 1.1));
    }

    #[test]
    fn grid_has_1000_points_and_the_denominators() {
        let g = grid(Kind::Pr, &[45.0, 410.0, 99.5]);
        assert_eq!(g[0], 3.0);
        assert_eq!(*g.last().unwrap(), 410.0);
        assert!(g.contains(&99.5) && g.contains(&45.0));
        assert!(g.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            g.len(),
            1002,
            "410 is the last point already; 45 and 99.5 are added"
        );
    }

    #[test]
    fn pr_folds_back_on_the_grid_and_holds_the_angle_per_unit() {
        // theta = 0.5: asin(sqrt(.5)) = pi/4; at x = 1 the 95% half-width is 1.96/2 = 0.98 >
        // pi/4, so the per-unit lower limit is sin²(0) = 0 and the upper sin²(pi/2) = 1.
        let spec = Spec::new(Kind::Pr, false, 0.5, 0.0);
        let l = normal_limits(&spec, 1.0, 0.0);
        assert_eq!((l[0], l[1]), (0.0, 1.0));
        // On a grid 1, 2, 100 the raw lower limit at x = 1 (sin²(pi/4 - 0.98) = 0.0374) is
        // above the next one (x = 2: sin²(pi/4 - 0.693) = 0.0085): folded to 0.
        let xs = [1.0, 2.0, 100.0];
        let mut rows = vec![[0.0; 4]; 3];
        fold_pr(
            0.5,
            |i, lv| pr_half_width(&spec, xs[i], 0.0, lv),
            &mut rows,
            1.0,
        );
        assert_eq!(rows[0][0], 0.0);
        assert!(rows[1][0] > 0.0 && rows[1][0] < rows[2][0]);
    }
}
