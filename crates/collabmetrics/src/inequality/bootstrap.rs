//! Percentile bootstrap intervals for the individual measures.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::individual::{atkinson, generalized_entropy, gini, mld, share_ratio, theil};
use super::rng::Rng;
use crate::error::{check_len, Error, Result};
use crate::stats::quantile7;

/// An individual measure, for [`bootstrap`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "measure", content = "parameter", rename_all = "snake_case")]
pub enum IndividualMeasure {
    Gini,
    Theil,
    Mld,
    /// Atkinson with ε.
    Atkinson(f64),
    /// Generalised entropy with α.
    GeneralizedEntropy(f64),
    /// Share ratio with the tail share (0.2 → 80/20).
    ShareRatio(f64),
}

impl IndividualMeasure {
    /// The measure of `values` with `weights`.
    pub fn compute(self, values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
        match self {
            IndividualMeasure::Gini => Ok(gini(values, weights, false)?.gini),
            IndividualMeasure::Theil => theil(values, weights),
            IndividualMeasure::Mld => mld(values, weights),
            IndividualMeasure::Atkinson(e) => Ok(atkinson(values, weights, e)?.atkinson),
            IndividualMeasure::GeneralizedEntropy(a) => generalized_entropy(values, weights, a),
            IndividualMeasure::ShareRatio(s) => share_ratio(values, weights, s),
        }
    }
}

/// Options of [`bootstrap`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Resamples (default 1000; at least 100).
    pub reps: usize,
    pub confidence: f64,
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            reps: 1000,
            confidence: 0.95,
            seed: 20_240_601,
        }
    }
}

/// A measure with its percentile bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    pub confidence: f64,
    pub reps: usize,
}

/// Percentile bootstrap: `reps` resamples of the units (value with its weight) with
/// replacement, the measure recomputed on each, limits the α/2 and 1 − α/2 quantiles (R's type
/// 7). Resample r draws from stream r of the seed, so the result does not depend on the number
/// of threads. A resample on which the measure is undefined (e.g. every value 0) is an error.
pub fn bootstrap(
    values: &[f64],
    weights: Option<&[f64]>,
    measure: IndividualMeasure,
    opts: &BootstrapOptions,
) -> Result<BootstrapResult> {
    crate::stats::check_confidence(opts.confidence)?;
    if opts.reps < 100 {
        return Err(Error::invalid_argument(
            "reps",
            format!("must be at least 100 (got {})", opts.reps),
        ));
    }
    if let Some(w) = weights {
        check_len("weights", w.len(), "values", values.len())?;
    }
    let value = measure.compute(values, weights)?;
    let n = values.len();
    let mut sims = (0..opts.reps)
        .into_par_iter()
        .map(|r| {
            let mut rng = Rng::new(opts.seed, r as u64);
            let mut v = Vec::with_capacity(n);
            let mut w = Vec::with_capacity(if weights.is_some() { n } else { 0 });
            for _ in 0..n {
                let i = rng.index(n);
                v.push(values[i]);
                if let Some(ws) = weights {
                    w.push(ws[i]);
                }
            }
            measure.compute(&v, weights.map(|_| w.as_slice()))
        })
        .collect::<Result<Vec<f64>>>()?;
    let a = (1.0 - opts.confidence) / 2.0;
    Ok(BootstrapResult {
        value,
        lower: quantile7(&mut sims, a),
        upper: quantile7(&mut sims, 1.0 - a),
        confidence: opts.confidence,
        reps: opts.reps,
    })
}
