//! Means with Student's t intervals.

use super::{check_confidence, check_groups};
use crate::error::{check_len, Error, Result};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

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
/// for one).
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
    // Welford's update per group: stable for large, nearly equal values.
    let mut count = vec![0.0; n_groups];
    let mut mu = vec![0.0; n_groups];
    let mut m2 = vec![0.0; n_groups];
    for (i, (&g, &x)) in group.iter().zip(values).enumerate() {
        if !x.is_finite() {
            return Err(Error::invalid_value(
                "values",
                i,
                x,
                "values must be finite",
            ));
        }
        let g = g as usize;
        count[g] += 1.0;
        let delta = x - mu[g];
        mu[g] += delta / count[g];
        m2[g] += delta * (x - mu[g]);
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
    let p = (1.0 + options.confidence) / 2.0;
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
        let sd = (m2[g] / (n - 1.0)).sqrt();
        let t = StudentsT::new(0.0, 1.0, n - 1.0)
            .expect("n - 1 >= 1 degrees of freedom")
            .inverse_cdf(p);
        let half = t * sd / n.sqrt();
        out.sum.push(mu[g] * n);
        out.sd.push(sd);
        out.value.push(mu[g]);
        out.lower.push(mu[g] - half);
        out.upper.push(mu[g] + half);
    }
    Ok(out)
}
