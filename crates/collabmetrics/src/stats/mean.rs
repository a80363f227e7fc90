//! Means with Student's t intervals.

use super::{check_confidence, check_groups};
use crate::error::{check_len, Error, Result};
use crate::sum::{ExactSum, Neumaier};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Continuous, ContinuousCDF, StudentsT};
use statrs::function::beta::beta_reg;

/// Degrees of freedom from which the t quantile comes from its Cornish–Fisher expansion about
/// the normal quantile: statrs' inverse t CDF does not end for about 1.5·10⁷ degrees of
/// freedom and more (a merged national state), and is 3·10⁻⁸ off at 10⁵; from 10⁴ the
/// expansion's first omitted term (about z¹¹/10⁵ν⁵) is below 10⁻¹⁸.
const T_BY_EXPANSION: f64 = 1.0e4;

/// The two-sided quantile of Student's t for `confidence` (the upper (1 + confidence)/2 point)
/// with `df` degrees of freedom.
fn t_quantile(confidence: f64, df: f64) -> Result<f64> {
    if df >= T_BY_EXPANSION {
        // Abramowitz & Stegun 26.7.5: t = z + g1/ν + g2/ν² + g3/ν³ + g4/ν⁴.
        let z = super::z_value(confidence)?;
        let z2 = z * z;
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
        return Ok(z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df);
    }
    let dist = StudentsT::new(0.0, 1.0, df)
        .map_err(|e| Error::invalid_argument("values", format!("Student's t: {e}")))?;
    if confidence < 0.5 {
        return Ok(t_central(confidence, df, &dist));
    }
    // The upper quantile from the tail's probability q = (1 − confidence)/2, as for z
    // (1 − confidence keeps every digit). statrs' inverse loses the far tail (at one degree
    // of freedom and 1 − 1e-9 it is 8× too small), its survival function does not: Newton's
    // steps on ln sf(t) = ln q, which converge fast on the tail's power law.
    let q = (1.0 - confidence) / 2.0;
    let mut t = -dist.inverse_cdf(q);
    if t.is_finite() && t > 0.0 {
        for _ in 0..50 {
            let (sf, pdf) = (dist.sf(t), dist.pdf(t));
            if !(sf > 0.0 && pdf > 0.0) {
                break;
            }
            let step = (sf.ln() - q.ln()) * sf / pdf;
            let next = t + step;
            if !next.is_finite() || next <= 0.0 {
                break;
            }
            t = next;
            if step.abs() <= 1e-15 * t {
                break;
            }
        }
    }
    Ok(t)
}

/// The quantile of a level below ½, from the central probability
/// P(|T| < t) = I(t²/(ν + t²); ½, ν/2), the regularised incomplete beta function. Near 0 the
/// tail's probability (1 − c)/2 has lost c's low digits (t was 0 at c = 10⁻⁶ with 9 000
/// degrees of freedom). Newton's steps start from the tangent at 0, c/(2·f(0)): the central
/// probability is concave for t > 0, so every step stays below the root and none overshoots.
fn t_central(confidence: f64, df: f64, dist: &StudentsT) -> f64 {
    let mut t = confidence / (2.0 * dist.pdf(0.0));
    if t < 1e-8 {
        // The central probability is 2·f(0)·t·(1 − O(t²)): the tangent is the quantile to
        // well below a double's precision (and t² would underflow on the way).
        return t;
    }
    for _ in 0..100 {
        let x = t * t / (df + t * t);
        let step = (beta_reg(0.5, df / 2.0, x) - confidence) / (2.0 * dist.pdf(t));
        if !step.is_finite() {
            break;
        }
        t -= step;
        if step.abs() <= 1e-15 * t {
            break;
        }
    }
    t
}

/// Options for [`mean`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeanOptions {
    /// Confidence level in (0, 1); default 0.95.
    pub confidence: f64,
}

impl Default for MeanOptions {
    fn default() -> Self {
        MeanOptions {
            confidence: super::DEFAULT_CONFIDENCE,
        }
    }
}

/// One row per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanEstimates {
    /// Number of values in the group.
    pub count: Vec<f64>,
    /// Sum of the group's values.
    pub sum: Vec<f64>,
    /// Sample standard deviation (divisor n − 1).
    pub sd: Vec<f64>,
    /// The mean.
    pub value: Vec<f64>,
    /// Lower limit, mean − t·sd/√n.
    pub lower: Vec<f64>,
    /// Upper limit, mean + t·sd/√n.
    pub upper: Vec<f64>,
    /// The confidence level of every interval.
    pub confidence: f64,
}

/// Mean of `values` per group with the Student t interval `mean ± t_{n−1}·sd/√n`.
///
/// Values must be finite; every group needs at least two values (the t interval is undefined
/// for one). The mean and variance come from each group's sorted distinct values and their
/// counts (see `mean_of_bins`), so they do not depend on the order of the values.
pub fn mean(
    group: &[u32],
    n_groups: usize,
    values: &[f64],
    options: &MeanOptions,
    group_label: &dyn Fn(usize) -> String,
) -> Result<MeanEstimates> {
    check_confidence(options.confidence)?;
    check_len("values", values.len(), "group", group.len())?;
    check_groups(group, n_groups)?;
    if let Some(i) = values.iter().position(|x| !x.is_finite()) {
        return Err(Error::invalid_value(
            "values",
            i,
            values[i],
            "values must be finite",
        ));
    }
    // Each group's values sorted and counted: the group's distinct values with their counts.
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); n_groups];
    for (&g, &x) in group.iter().zip(values) {
        per[g as usize].push(if x == 0.0 { 0.0 } else { x });
    }
    let bins: Vec<Vec<(f64, u64)>> = per
        .into_iter()
        .map(|mut v| {
            // The sort is the long step (about a second per 20 M values): checked between
            // groups, and on both cores (equal keys are equal bits, so any order of them is
            // the same result).
            crate::cancel::check()?;
            v.par_sort_unstable_by(f64::total_cmp);
            let mut out: Vec<(f64, u64)> = Vec::new();
            for x in v {
                match out.last_mut() {
                    Some((y, k)) if *y == x => *k += 1,
                    _ => out.push((x, 1)),
                }
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    crate::cancel::check()?;
    mean_of_bins(&bins, options, group_label)
}

/// Means from each group's distinct values (ascending) with their counts: the exact sum,
/// rounded once, over the count, then the squared deviations from that mean (the corrected
/// two-pass algorithm of Chan, Golub & LeVeque), so the result depends on the values alone and
/// not on their order: the one computation behind [`mean`] and the finishing of a merged state
/// ([`super::mean_finalize`]).
pub(crate) fn mean_of_bins(
    bins: &[Vec<(f64, u64)>],
    options: &MeanOptions,
    group_label: &dyn Fn(usize) -> String,
) -> Result<MeanEstimates> {
    check_confidence(options.confidence)?;
    let n_groups = bins.len();
    let mut count = vec![0.0; n_groups];
    let mut mu = vec![0.0; n_groups];
    let mut m2 = vec![0.0; n_groups];
    let mut total = vec![0.0; n_groups];
    // Each group's values are divided by the power of two of its largest magnitude, so
    // the deviations (up to twice the largest value) cannot overflow; the power of two keeps
    // the scaling exact.
    let scale: Vec<f64> = bins
        .iter()
        .map(|group| {
            crate::sum::exponent_unit(crate::sum::magnitude(group.iter().map(|&(x, _)| x)))
        })
        .collect();
    for (g, group) in bins.iter().enumerate() {
        // The sum exactly (each x·k as its rounded product and that product's error), so a
        // sum of whole numbers is whole and ±x cancel to 0 (Welford's updates left 5e-12 in
        // the mean of −4 500 … 4 500).
        let mut sum = ExactSum::default();
        for &(x, k) in group {
            let (x, k) = (x / scale[g], k as f64);
            let product = x * k;
            sum.add(product);
            sum.add(x.mul_add(k, -product));
            count[g] += k;
        }
        total[g] = sum.value();
        mu[g] = total[g] / count[g];
        // Σk(x − x̄)² less (Σk(x − x̄))²/n, which removes the rounding of x̄ to first order.
        let (mut squares, mut deviations) = (Neumaier::default(), Neumaier::default());
        for &(x, k) in group {
            let (d, k) = (x / scale[g] - mu[g], k as f64);
            squares.add(k * d * d);
            deviations.add(k * d);
        }
        m2[g] = (squares.total() - deviations.total().powi(2) / count[g]).max(0.0);
    }
    if let Some(g) = count.iter().position(|&c| c < 2.0) {
        return Err(Error::InvalidGroup {
            group: group_label(g),
            message: format!(
                "has {} value(s); a Student t interval needs at least 2",
                count[g]
            ),
        });
    }
    let mut out = MeanEstimates {
        sum: Vec::with_capacity(n_groups),
        sd: Vec::with_capacity(n_groups),
        value: Vec::with_capacity(n_groups),
        lower: Vec::with_capacity(n_groups),
        upper: Vec::with_capacity(n_groups),
        count,
        confidence: options.confidence,
    };
    for g in 0..n_groups {
        let n = out.count[g];
        let t = t_quantile(options.confidence, n - 1.0)?;
        // On the scaled values (below 2 in size) nothing overflows; only the final
        // multiplication by the scale can, and then the true value is beyond a double too.
        let (m, sd) = (mu[g], (m2[g] / (n - 1.0)).sqrt());
        let half = t * sd / n.sqrt();
        let k = scale[g];
        let row = [
            ("sum", total[g] * k),
            ("standard deviation", sd * k),
            ("mean", m * k),
            ("lower limit", (m - half) * k),
            ("upper limit", (m + half) * k),
        ];
        if let Some((what, _)) = row.iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::InvalidGroup {
                group: group_label(g),
                message: format!(
                    "its {what} is beyond the largest double (±1.8e308): rescale the values \
                     (e.g. to thousands)"
                ),
            });
        }
        out.sum.push(row[0].1);
        out.sd.push(row[1].1);
        out.value.push(row[2].1);
        out.lower.push(row[3].1);
        out.upper.push(row[4].1);
    }
    Ok(out)
}

#[cfg(test)]
mod t_tests {
    use super::*;

    #[test]
    fn the_expansion_meets_scipy_and_ends_for_any_degrees_of_freedom() {
        // scipy.stats.t.ppf((1 + conf) / 2, df) (SciPy 1.x, Boost's inverse), for df = 10⁴
        // and 10⁵; statrs is 3e-8 off at 10⁵ and does not end from about 1.5·10⁷.
        let scipy = [
            (0.8, 1.0e4, 1.281_636_229_730_477_5),
            (0.95, 1.0e4, 1.960_201_239_890_626),
            (0.998, 1.0e4, 3.091_047_516_030_612),
            (0.8, 1.0e5, 1.281_560_031_449_361_4),
            (0.95, 1.0e5, 1.959_987_707_534_609_5),
            (0.998, 1.0e5, 3.090_313_809_427_237_8),
            (0.95, 1.5e7, 1.959_964_142_691_482),
        ];
        for (conf, df, expected) in scipy {
            let t = t_quantile(conf, df).unwrap();
            assert!((t - expected).abs() <= 4e-15 * expected, "{conf} {df}: {t}");
        }
    }

    #[test]
    fn the_sum_is_exact_and_the_mean_its_quotient() {
        let one = |values: &[f64]| {
            let group = vec![0u32; values.len()];
            mean(&group, 1, values, &MeanOptions::default(), &|_| {
                "all".into()
            })
            .unwrap()
        };
        // −4 500 … −1, 1 … 4 500: sum and mean 0 (Welford's updates left −4.9e-12 in the
        // mean and −4.4e-8 in the sum); s² = 2·Σᵢ i²/(n − 1) = 2·m(m + 1)(2m + 1)/6/(2m − 1)
        // with m = 4 500, n = 9 000.
        let values: Vec<f64> = (1..=4500).flat_map(|i| [i as f64, -(i as f64)]).collect();
        let r = one(&values);
        assert_eq!((r.sum[0], r.value[0]), (0.0, 0.0));
        let m = 4500.0f64;
        let s2 = 2.0 * m * (m + 1.0) * (2.0 * m + 1.0) / 6.0 / (2.0 * m - 1.0);
        assert!(
            (r.sd[0] - s2.sqrt()).abs() <= 2e-16 * r.sd[0],
            "{}",
            r.sd[0]
        );
        assert_eq!(r.lower[0], -r.upper[0]);
        // 10¹⁶ + 1 − 10¹⁶ = 1 exactly (a running sum of the sorted values gives 0), mean ⅓.
        let r = one(&[1e16, 1.0, -1e16]);
        assert_eq!((r.sum[0], r.value[0]), (1.0, 1.0 / 3.0));
        // Whole numbers sum to a whole number: 1 + 2 + … + 1 000 = 500 500, mean 500.5.
        let r = one(&(1..=1000).map(f64::from).collect::<Vec<_>>());
        assert_eq!((r.sum[0], r.value[0]), (500_500.0, 500.5));
    }

    #[test]
    fn levels_near_0_keep_their_digits() {
        // Closed forms: one degree of freedom, t = tan(πc/2); two, t = c·√(2/(1 − c²)). At
        // 1e-300, t is the tangent at 0, c/(2·f(0)) with f(0) = Γ((ν+1)/2)/(√(νπ)·Γ(ν/2)):
        // 1/π for ν = 1, 1/(2√2) for ν = 2. Before, t came from (1 − c)/2, which rounds c's
        // low digits away (t was 0 at 1e-6 with 8 999 degrees of freedom).
        use std::f64::consts::{FRAC_PI_2, SQRT_2};
        for c in [1e-300, 1e-12, 1e-6, 1e-4, 0.01, 0.3, 0.4999] {
            let one = t_quantile(c, 1.0).unwrap();
            assert!(
                (one - (FRAC_PI_2 * c).tan()).abs() <= 2e-15 * one,
                "{c}: {one}"
            );
            let two = t_quantile(c, 2.0).unwrap();
            let expected = c * (2.0 / (1.0 - c * c)).sqrt();
            assert!((two - expected).abs() <= 5e-15 * two, "{c}: {two}");
        }
        for (df, f0) in [(1.0, 1.0 / std::f64::consts::PI), (2.0, 0.5 / SQRT_2)] {
            let (t, tangent) = (t_quantile(1e-300, df).unwrap(), 1e-300 / (2.0 * f0));
            assert!((t - tangent).abs() <= 5e-15 * tangent, "{df}: {t}");
        }
        // scipy.special.betaincinv(½, ν/2, c) → x, t = √(νx/(1 − x)) (Boost's inverse).
        let scipy = [
            (1e-12, 9.0, 1.288_543_861_823_938_5e-12),
            (1e-6, 9.0, 1.288_543_861_824_334_4e-6),
            (1e-6, 8999.0, 1.253_348_955_949_676e-6),
            (1e-4, 9999.0, 1.253_345_476_975_964_8e-4),
            (0.3, 8999.0, 0.385_332_760_537_469_9),
        ];
        for (c, df, expected) in scipy {
            let t = t_quantile(c, df).unwrap();
            // statrs' incomplete beta forms its prefactor from a difference of ln Γ of about
            // ν/2, so at thousands of degrees of freedom t keeps about 11 digits (the upper
            // levels about 12: 0.95 at 8 999 is 6e-13 from SciPy's 1.960227634379777).
            let tol = if df < 100.0 { 5e-15 } else { 2e-11 };
            assert!((t - expected).abs() <= tol * expected, "{c} {df}: {t}");
        }
        let t = t_quantile(0.95, 8999.0).unwrap();
        assert!((t - 1.960_227_634_379_777).abs() <= 2e-12 * t, "{t}");
        // Beyond 10⁴ degrees of freedom, z = √2·erf⁻¹(c) (scipy.special.erfinv) leads.
        let z = crate::stats::z_value(1e-6).unwrap();
        assert!((z - 1.253_314_137_315_828_2e-6).abs() <= 1e-15 * z, "{z}");
        let z = crate::stats::z_value(1e-300).unwrap();
        assert!((z - 1.253_314_137_315_500_2e-300).abs() <= 1e-15 * z, "{z}");
    }
}
