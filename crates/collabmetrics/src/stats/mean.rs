//! Means with Student's t intervals.

use super::{check_confidence, check_groups};
use crate::error::{check_len, Error, Result};
use serde::{Deserialize, Serialize};
use statrs::distribution::{Continuous, ContinuousCDF, StudentsT};

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
            v.sort_unstable_by(f64::total_cmp);
            let mut out: Vec<(f64, u64)> = Vec::new();
            for x in v {
                match out.last_mut() {
                    Some((y, k)) if *y == x => *k += 1,
                    _ => out.push((x, 1)),
                }
            }
            out
        })
        .collect();
    mean_of_bins(&bins, options, group_label)
}

/// Means from each group's distinct values (ascending) with their counts: Welford's update,
/// one step per distinct value of weight k (Chan's merge of (n, mean, M2) with (k, x, 0)), in
/// ascending order of value, so the result depends on the values alone and not on their
/// order: the one computation behind [`mean`] and the finishing of a merged state
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
    // Each group's values are divided by the power of two of its largest magnitude, so
    // the differences in Welford's update (up to twice the largest value) cannot overflow;
    // the power of two keeps the scaling exact.
    let scale: Vec<f64> = bins
        .iter()
        .map(|group| {
            crate::sum::exponent_unit(group.iter().fold(0.0f64, |s, &(x, _)| s.max(x.abs())))
        })
        .collect();
    for (g, group) in bins.iter().enumerate() {
        for &(x, k) in group {
            let x = x / scale[g];
            let k = k as f64;
            count[g] += k;
            let delta = x - mu[g];
            mu[g] += delta * k / count[g];
            m2[g] += delta * (x - mu[g]) * k;
        }
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
            ("sum", m * n * k),
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
}
