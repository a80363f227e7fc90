//! Percentile bootstrap intervals for the individual measures.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::individual::{
    atkinson, atkinson_of, check_alpha, check_epsilon, check_share, ge_of, generalized_entropy,
    gini_index, gini_of, gini_value_of, mld, mld_of, share_ratio, share_ratio_of, sorted_keys,
    sorted_pairs, theil, theil_of, ConcentrationCorrection, Distribution,
};
use super::rng::Rng;
use crate::error::{check_len, Error, Result};
use crate::stats::quantile7;

/// An individual measure with its parameter, for [`bootstrap`]. Serialised as
/// `{"measure": name, "parameter": value}` with the names of [`IndexName`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "measure", content = "parameter", rename_all = "snake_case")]
pub enum IndividualMeasure {
    /// Gini coefficient.
    Gini,
    /// Theil T.
    Theil,
    /// Mean log deviation.
    Mld,
    /// Atkinson with ε.
    Atkinson(f64),
    /// Generalised entropy with α.
    #[serde(rename = "ge")]
    GeneralizedEntropy(f64),
    /// Share ratio with the tail share (0.2 → 80/20).
    ShareRatio(f64),
}

crate::option_enum! {
    /// The individual measures by name.
    pub enum IndexName: "measure", "individual measure" {
        /// Gini coefficient.
        Gini = "gini",
        /// Theil T.
        Theil = "theil",
        /// Mean log deviation.
        Mld = "mld",
        /// Atkinson, with ε (`epsilon`).
        Atkinson = "atkinson",
        /// Generalised entropy, with α (`alpha`).
        Ge = "ge",
        /// Share ratio, with the tail share (`share`).
        ShareRatio = "share_ratio",
    }
}

impl IndexName {
    /// The name of the measure's parameter, for those that take one.
    pub fn parameter(self) -> Option<&'static str> {
        match self {
            IndexName::Atkinson => Some("epsilon"),
            IndexName::Ge => Some("alpha"),
            IndexName::ShareRatio => Some("share"),
            IndexName::Gini | IndexName::Theil | IndexName::Mld => None,
        }
    }

    /// The measure with its parameter: an error naming the parameter when the measure needs
    /// one and none is given (a parameter given to a measure without one is ignored).
    pub fn with(self, parameter: Option<f64>) -> Result<IndividualMeasure> {
        let p = || {
            parameter.ok_or_else(|| {
                crate::options::required(
                    self.parameter().unwrap_or("parameter"),
                    &format!("the {self} index needs it"),
                )
            })
        };
        Ok(match self {
            IndexName::Gini => IndividualMeasure::Gini,
            IndexName::Theil => IndividualMeasure::Theil,
            IndexName::Mld => IndividualMeasure::Mld,
            IndexName::Atkinson => IndividualMeasure::Atkinson(p()?),
            IndexName::Ge => IndividualMeasure::GeneralizedEntropy(p()?),
            IndexName::ShareRatio => IndividualMeasure::ShareRatio(p()?),
        })
    }
}

/// The defaults of the individual measures' optional parameters (what the bindings offer
/// when the caller gives none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndividualOptions {
    /// The share ratio's tail share (default 0.2: the 80/20 ratio).
    pub share: f64,
    /// Gini's small-sample correction n / (n − 1) (default false: PySAL's and `ineq`'s form).
    pub corrected: bool,
    /// The concentration index's correction (default none).
    pub correction: ConcentrationCorrection,
    /// The decomposition's α (default 1: Theil T; 0 is the MLD).
    pub alpha: f64,
}

impl Default for IndividualOptions {
    fn default() -> Self {
        IndividualOptions {
            share: 0.2,
            corrected: false,
            correction: ConcentrationCorrection::None,
            alpha: 1.0,
        }
    }
}

impl IndividualMeasure {
    /// The measure of `values` with `weights`.
    pub fn compute(self, values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
        match self {
            IndividualMeasure::Gini => gini_index(values, weights, false),
            IndividualMeasure::Theil => theil(values, weights),
            IndividualMeasure::Mld => mld(values, weights),
            IndividualMeasure::Atkinson(e) => Ok(atkinson(values, weights, e)?.atkinson),
            IndividualMeasure::GeneralizedEntropy(a) => generalized_entropy(values, weights, a),
            IndividualMeasure::ShareRatio(s) => share_ratio(values, weights, s),
        }
    }

    /// Whether the measure needs every value > 0 (it takes logarithms or negative powers).
    pub fn needs_positive(self) -> bool {
        match self {
            IndividualMeasure::Mld => true,
            IndividualMeasure::Atkinson(e) => e >= 1.0,
            IndividualMeasure::GeneralizedEntropy(a) => a <= 0.0,
            IndividualMeasure::Gini
            | IndividualMeasure::Theil
            | IndividualMeasure::ShareRatio(_) => false,
        }
    }

    /// Checks the measure's parameter (ε ≥ 0, α finite, share in (0, ½]).
    pub fn check(self) -> Result<()> {
        match self {
            IndividualMeasure::Atkinson(e) => check_epsilon(e),
            IndividualMeasure::GeneralizedEntropy(a) => check_alpha(a),
            IndividualMeasure::ShareRatio(s) => check_share(s),
            IndividualMeasure::Gini | IndividualMeasure::Theil | IndividualMeasure::Mld => Ok(()),
        }
    }

    /// The measure of a distribution (Gini `corrected` by n/(n − 1) when asked): what
    /// [`IndividualMeasure::compute`] gives on the values the distribution holds.
    pub(crate) fn of_distribution(self, d: &Distribution, corrected: bool) -> Result<f64> {
        self.check()?;
        d.check(self.needs_positive())?;
        match self {
            IndividualMeasure::Gini => gini_value_of(d, corrected),
            IndividualMeasure::ShareRatio(s) => share_ratio_of(&gini_of(d, false)?.lorenz, s),
            _ => self.of_pairs(&d.pairs),
        }
    }

    /// An entropy-family measure of (value, weight) pairs in any order (checked values).
    fn of_pairs(self, pairs: &[(f64, f64)]) -> Result<f64> {
        match self {
            IndividualMeasure::Theil => theil_of(pairs),
            IndividualMeasure::Mld => mld_of(pairs),
            IndividualMeasure::Atkinson(e) => Ok(atkinson_of(pairs, e)?.atkinson),
            IndividualMeasure::GeneralizedEntropy(a) => ge_of(pairs, a),
            IndividualMeasure::Gini | IndividualMeasure::ShareRatio(_) => Ok(f64::NAN),
        }
    }

    /// The measure of one bootstrap resample (values drawn from checked ones): Gini and the
    /// share ratio from the sorted distribution; the entropy family straight from the pairs
    /// in the order drawn (no sort needed).
    fn of_resample(self, values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
        match self {
            IndividualMeasure::Gini | IndividualMeasure::ShareRatio(_) => {
                self.of_distribution(&Distribution::of(values, weights), false)
            }
            _ => {
                let pairs: Vec<(f64, f64)> = match weights {
                    Some(w) => values.iter().copied().zip(w.iter().copied()).collect(),
                    None => values.iter().map(|&v| (v, 1.0)).collect(),
                };
                let total: f64 = pairs.iter().map(|(v, w)| v * w).sum();
                if total <= 0.0 {
                    return Err(Error::invalid_argument(
                        "values",
                        "all values are zero: the mean must be > 0",
                    ));
                }
                self.of_pairs(&pairs)
            }
        }
    }
}

/// Options of [`bootstrap`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapOptions {
    /// Resamples (default 1000; at least 100).
    pub reps: usize,
    /// Level of the percentile interval (default 0.95).
    pub confidence: f64,
    /// Seed of the resampling (default [`super::DEFAULT_SEED`]).
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            reps: 1000,
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            seed: super::DEFAULT_SEED,
        }
    }
}

/// A measure with its percentile bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    /// The measure on the data as given.
    pub value: f64,
    /// Lower limit: the α/2 quantile (type 7) of the resampled measures.
    pub lower: f64,
    /// Upper limit: the 1 − α/2 quantile (type 7) of the resampled measures.
    pub upper: f64,
    /// Confidence level of the limits (1 − α).
    pub confidence: f64,
    /// Number of resamples.
    pub reps: usize,
}

/// The units (value with its weight) in one order whatever the order of the rows: by value,
/// then weight. Resample r draws positions, so resampling in the caller's order would give
/// the same units in another order other resamples, and so another interval; the measures
/// themselves never depend on the order.
fn canonical(values: &[f64], weights: Option<&[f64]>) -> (Vec<f64>, Option<Vec<f64>>) {
    match weights {
        None => (
            sorted_keys(values)
                .into_iter()
                .map(super::sorted::value)
                .collect(),
            None,
        ),
        Some(w) => {
            let (v, w) = sorted_pairs(values, w).into_iter().unzip();
            (v, Some(w))
        }
    }
}

/// Percentile bootstrap: `reps` resamples of the units (value with its weight) with
/// replacement, the measure recomputed on each, limits the α/2 and 1 − α/2 quantiles (R's type
/// 7). Resample r draws from stream r of the seed, so the result does not depend on the number
/// of threads; it draws from the units sorted by value (then weight), so it does not depend on
/// the order of the rows either. A resample on which the measure is undefined (e.g. every value 0) is an error.
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
    crate::limits::check_reps("reps", opts.reps)?;
    crate::limits::check_resampled(values.len(), opts.reps)?;
    if let Some(w) = weights {
        check_len("weights", w.len(), "values", values.len())?;
    }
    let value = measure.compute(values, weights)?;
    let (values, weights) = canonical(values, weights);
    let (values, weights) = (values.as_slice(), weights.as_deref());
    let n = values.len();
    let token = crate::cancel::current();
    let progress = crate::cancel::Progress::start(opts.reps as u64);
    let mut sims = (0..opts.reps)
        .into_par_iter()
        .map(|r| {
            crate::cancel::scope_opt(token.as_ref(), crate::cancel::check)?;
            progress.advance(1);
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
            measure.of_resample(&v, weights.map(|_| w.as_slice()))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The same units in another row order give the same limits, to the bit, for every
    /// measure, weighted or not (the draws used to pick positions of the rows as given).
    #[test]
    fn the_interval_does_not_depend_on_the_order_of_the_rows() {
        let values = [3.0, 0.5, 9.0, 2.0, 2.0, 7.5, 1.0, 4.0];
        let weights = [1.0, 2.0, 0.5, 3.0, 1.0, 1.0, 2.5, 1.0];
        let order = [5, 2, 7, 0, 3, 6, 1, 4];
        let (pv, pw): (Vec<f64>, Vec<f64>) = order.iter().map(|&i| (values[i], weights[i])).unzip();
        let opts = BootstrapOptions {
            reps: 200,
            ..BootstrapOptions::default()
        };
        for measure in [
            IndividualMeasure::Gini,
            IndividualMeasure::Theil,
            IndividualMeasure::Mld,
            IndividualMeasure::Atkinson(0.5),
            IndividualMeasure::GeneralizedEntropy(2.0),
            IndividualMeasure::ShareRatio(0.25),
        ] {
            for w in [None, Some(&weights[..])] {
                let given = bootstrap(&values, w, measure, &opts).unwrap();
                let permuted = bootstrap(&pv, w.map(|_| &pw[..]), measure, &opts).unwrap();
                // The limits to the bit; the measure itself (summed in row order) to its
                // last bits.
                let at = format!("{measure:?}, weighted: {}", w.is_some());
                assert_eq!(
                    (given.lower, given.upper),
                    (permuted.lower, permuted.upper),
                    "{at}"
                );
                assert!(
                    (given.value - permuted.value).abs() <= 1e-15 * given.value,
                    "{at}"
                );
                assert!(given.lower < given.upper, "{measure:?}: {given:?}");
            }
        }
    }
}
