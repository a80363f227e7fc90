//! Overdispersion (FunnelPlotR `od_adjustment.R`): winsorising or SHMI truncation of the
//! z-scores, the dispersion ratio φ and DerSimonian–Laird's between-unit variance τ².

use crate::stats::quantile7_sorted;
use rayon::prelude::*;

/// The z-scores after winsorising or truncation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Trimmed {
    /// The z-score used for φ (FunnelPlotR's `Wuzscore`); NaN for a truncated unit.
    pub w: Vec<f64>,
    /// Whether the unit was winsorised (z at or beyond a trim quantile) or truncated.
    pub trimmed: Vec<bool>,
    /// Units left for φ (all of them when winsorising).
    pub m: usize,
}

/// R's default quantile (type 7) of `z` at probability `p`, the statistics module's
/// definition ([`quantile7_sorted`]) read from the two order statistics it needs, which are
/// found by selection (O(N), not a sort). `z` must not be empty.
pub(crate) fn quantile7(z: &[f64], p: f64) -> f64 {
    let mut v = z.to_vec();
    let n = v.len();
    let j = ((n - 1) as f64 * p).floor() as usize;
    let (_, &mut low, above) = v.select_nth_unstable_by(j, f64::total_cmp);
    let high = above.iter().copied().fold(f64::INFINITY, f64::min);
    quantile7_sorted(n, p, |i| if i == j { low } else { high })
}

/// Winsorising (every kind but SR/SHMI): z clamped to its `trim_by` and `1 − trim_by`
/// quantiles (type 7). A unit counts as winsorised unless lz < z < uz (FunnelPlotR's flag,
/// which includes a z equal to a quantile). Every unit stays: m = N.
pub(crate) fn winsorise(z: &[f64], trim_by: f64) -> Trimmed {
    let lz = quantile7(z, trim_by);
    let uz = quantile7(z, 1.0 - trim_by);
    let (w, trimmed) = z
        .par_iter()
        .map(|&z| (z.clamp(lz, uz), !(z > lz && z < uz)))
        .unzip();
    Trimmed {
        w,
        trimmed,
        m: z.len(),
    }
}

/// Ranks 1..N of `z`, ties given their average rank (R's `rank(ties.method = "average")`).
pub(crate) fn average_ranks(z: &[f64]) -> Vec<f64> {
    // Sorting (value, index) pairs keeps the comparisons in contiguous memory.
    let mut order: Vec<(f64, u32)> = z.iter().copied().zip(0u32..).collect();
    order.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut ranks = vec![0.0; z.len()];
    let mut start = 0;
    while start < order.len() {
        let value = order[start].0;
        let mut end = start + 1;
        while end < order.len() && order[end].0 == value {
            end += 1;
        }
        // Ranks start+1 ..= end share their mean.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &(_, i) in &order[start..end] {
            ranks[i as usize] = rank;
        }
        start = end;
    }
    ranks
}

/// NHS Digital's SHMI truncation: with k = 1/trim_by groups and ranks r_i (ties averaged),
/// `sp_i = floor(r_i k / (N + 1))`; a unit is kept iff 0 < sp_i < k − 1. Truncated units have
/// no `w` (NaN) and m counts the kept ones.
pub(crate) fn truncate(z: &[f64], trim_by: f64) -> Trimmed {
    let k = 1.0 / trim_by;
    let n1 = (z.len() + 1) as f64;
    let ranks = average_ranks(z);
    let (w, trimmed): (Vec<f64>, Vec<bool>) = z
        .iter()
        .zip(&ranks)
        .map(|(&z, &r)| {
            let sp = (r * k / n1).floor();
            let kept = sp > 0.0 && sp < k - 1.0;
            (if kept { z } else { f64::NAN }, !kept)
        })
        .unzip();
    let m = trimmed.iter().filter(|&&t| !t).count();
    Trimmed { w, trimmed, m }
}

/// φ = (1/m) Σ w_i² over the units kept.
pub(crate) fn phi(t: &Trimmed) -> f64 {
    let sum: f64 = t.w.iter().filter(|w| !w.is_nan()).map(|w| w * w).sum();
    sum / t.m as f64
}

/// DerSimonian–Laird's τ² (FunnelPlotR `tau_func()`), with weights W_i = 1/s_i² of the units
/// kept: 0 if mφ < m − 1, else max(0, (mφ − (m − 1)) / (ΣW − ΣW²/ΣW)).
pub(crate) fn tau2(t: &Trimmed, phi: f64, s: &[f64]) -> f64 {
    let m = t.m as f64;
    if m == 0.0 || m * phi < m - 1.0 {
        return 0.0;
    }
    let (sw, sw2) = s
        .iter()
        .zip(&t.w)
        .filter(|(_, w)| !w.is_nan())
        .map(|(s, _)| 1.0 / (s * s))
        .fold((0.0, 0.0), |(a, b), w| (a + w, b + w * w));
    ((m * phi - (m - 1.0)) / (sw - sw2 / sw)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type_7_as_r() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.1, 0.9)) = 1.4, 7.6.
        let z = [10.0, 2.0, 1.0, 4.0, 3.0];
        assert!((quantile7(&z, 0.1) - 1.4).abs() < 1e-15);
        assert!((quantile7(&z, 0.9) - 7.6).abs() < 1e-15);
        assert_eq!(quantile7(&[5.0], 0.3), 5.0);
    }

    #[test]
    fn ranks_average_ties() {
        // R: rank(c(3, 1, 3, 2)) = 3.5 1 3.5 2.
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn truncation_boundaries() {
        // N = 12, k = 10: sp = floor(10 r / 13): r = 1 gives 0 (dropped), r = 12 gives 9
        // (dropped, k - 1 = 9), r = 2 gives 1 and r = 11 gives 8 (kept).
        let z: Vec<f64> = (1..=12).map(f64::from).collect();
        let t = truncate(&z, 0.1);
        assert_eq!(t.m, 10);
        assert!(t.trimmed[0] && t.trimmed[11]);
        assert!(!t.trimmed[1] && !t.trimmed[10]);
        // N = 6: sp = floor(10 r / 7) runs 1, 2, 4, 5, 7, 8: none dropped.
        assert_eq!(truncate(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 0.1).m, 6);
        // N = 8: r = 8 gives floor(80/9) = 8 (kept), r = 1 gives 1 (kept).
        assert_eq!(
            truncate(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], 0.1).m,
            8
        );
        // N = 9: r = 9 gives floor(90/10) = 9 = k - 1: dropped; r = 1 gives 1: kept.
        let t = truncate(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 0.1);
        assert_eq!((t.m, t.trimmed[8], t.trimmed[0]), (8, true, false));
    }

    #[test]
    fn phi_at_most_one_gives_tau2_zero_and_the_moment_estimator_above() {
        // w = (1, -1): phi = 1, m phi = 2 >= m - 1 = 1, so tau2 = (2 - 1)/(sum W - sum W2/sum W);
        // with s = (0.5, 0.25): W = 4, 16; 20 - 272/20 = 6.4; tau2 = 1/6.4.
        let t = Trimmed {
            w: vec![1.0, -1.0],
            trimmed: vec![false, false],
            m: 2,
        };
        let p = phi(&t);
        assert_eq!(p, 1.0);
        assert!((tau2(&t, p, &[0.5, 0.25]) - 1.0 / 6.4).abs() < 1e-15);
        // m phi < m - 1: no between-unit variance.
        let t = Trimmed {
            w: vec![0.1, -0.1, 0.2],
            trimmed: vec![false; 3],
            m: 3,
        };
        assert_eq!(tau2(&t, phi(&t), &[0.5, 0.25, 0.1]), 0.0);
    }
}
