//! Confidence-interval estimators over slices, following PHE's "Technical Guide: Confidence
//! Intervals" and the R package PHEindicatormethods (see `docs/methods/stats.md`).
//!
//! Every estimator is vectorised: it takes parallel slices and fills one output element per
//! input element (or per group), allocating only the output columns, never per row. Each has an
//! `_into` form writing into caller-provided slices (what the C ABI uses) and a form returning
//! an owned, serde-serialisable result.

mod dsr;
pub mod gamma;
mod isr;
mod mean;
mod poisson;
mod proportion;
mod quantile;
mod rate;
mod rows;
mod standard;
mod state;
mod table;

pub use dsr::{dsr, DsrEstimates, DsrOptions, LOW_COUNT_NOTE};
pub use isr::{isr, IsrEstimates, IsrKind, IsrOptions};
pub use mean::{mean, MeanEstimates, MeanOptions};
pub use poisson::{byar_limits, exact_limits, ExactMemo, PoissonLimits, RateRow};
pub use proportion::{
    proportion, proportion_into, wilson_limits, wilson_row, ProportionMethod, ProportionOptions,
};
pub use quantile::{quantile7, quantile7_sorted};
pub use rate::{rate, rate_into, RateMethod, RateOptions};
pub use standard::{StandardName, StandardPopulation};
pub use state::{
    dsr_finalize, dsr_state, dsr_state_schema, isr_finalize, isr_state, isr_state_schema,
    mean_finalize, mean_state, mean_state_schema,
};
pub use table::{
    dsr_table, isr_table, mean_table, proportion_table, rate_table, DsrTableOptions,
    IsrTableOptions, MeanTableOptions, ProportionTableOptions, RateTableOptions,
};

use crate::error::{Error, Result};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// The method that produced an interval, named as PHEindicatormethods names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[repr(u8)]
pub enum Method {
    /// Wilson score interval for a proportion.
    Wilson = 1,
    /// Byar's approximation to the Poisson interval.
    Byar = 2,
    /// Exact Poisson interval from the chi-squared distribution.
    Exact = 3,
    /// Dobson's method for a directly standardised rate.
    Dobson = 4,
    /// Student's t interval for a mean.
    StudentT = 5,
}

impl Method {
    /// The label used in tidy results (PHEindicatormethods' wording).
    pub fn name(self) -> &'static str {
        match self {
            Method::Wilson => "Wilson",
            Method::Byar => "Byars",
            Method::Exact => "Exact",
            Method::Dobson => "Dobson",
            Method::StudentT => "Student's t-distribution",
        }
    }

    /// The inverse of `self as u8`, for codes coming back through the C ABI.
    pub fn from_code(code: u8) -> Option<Method> {
        Some(match code {
            1 => Method::Wilson,
            2 => Method::Byar,
            3 => Method::Exact,
            4 => Method::Dobson,
            5 => Method::StudentT,
            _ => return None,
        })
    }
}

/// The confidence level of every interval when the caller gives none (the specification's
/// 95% everywhere).
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// Checks a confidence level and returns the two-sided normal quantile z for it.
pub fn z_value(confidence: f64) -> Result<f64> {
    check_confidence(confidence)?;
    if confidence < 0.5 {
        // Near 0, z = √2·erf⁻¹(c) from the central probability keeps c's digits, which
        // (1 − c)/2 rounds away (10⁻¹⁰ of z at c = 10⁻⁶).
        return Ok(std::f64::consts::SQRT_2 * statrs::function::erf::erf_inv(confidence));
    }
    // The lower tail's quantile: 1 − confidence is exact for levels from ½ (Sterbenz), where
    // (1 + confidence)/2 would round away its low digits (4.5e-12 of z at 0.999999, 2e-6 at
    // 1 − 1e-12).
    Ok(-Normal::standard().inverse_cdf((1.0 - confidence) / 2.0))
}

/// Checks a confidence level: strictly between 0 and 1, otherwise an
/// [`Error::InvalidArgument`] naming `confidence` (95% is 0.95, not 95).
pub fn check_confidence(confidence: f64) -> Result<()> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "confidence",
            format!(
                "must be strictly between 0 and 1 (got {}); 95% is 0.95",
                crate::error::format_value(confidence)
            ),
        ))
    }
}

/// Checks a multiplier (the scale of a value: 100 for a percentage, 100 000 for a rate per
/// 100 000): finite and > 0, otherwise an [`Error::InvalidArgument`] naming `multiplier`.
pub fn check_multiplier(multiplier: f64) -> Result<()> {
    if multiplier.is_finite() && multiplier > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "multiplier",
            format!(
                "must be a finite number > 0 (got {})",
                crate::error::format_value(multiplier)
            ),
        ))
    }
}

/// Caller-provided output columns for the `_into` estimators; all three must have the input's
/// length.
#[derive(Debug)]
pub struct Output<'a> {
    /// The estimate of each row.
    pub value: &'a mut [f64],
    /// The lower limit of each row.
    pub lower: &'a mut [f64],
    /// The upper limit of each row.
    pub upper: &'a mut [f64],
}

impl<'a> Output<'a> {
    pub(crate) fn check_len(&self, reference: &str, n: usize) -> Result<()> {
        crate::error::check_len("value", self.value.len(), reference, n)?;
        crate::error::check_len("lower", self.lower.len(), reference, n)?;
        crate::error::check_len("upper", self.upper.len(), reference, n)
    }
}

/// Row-wise estimates: one element per input element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimates {
    /// The estimate of each row, × the multiplier.
    pub value: Vec<f64>,
    /// The lower limit of each row.
    pub lower: Vec<f64>,
    /// The upper limit of each row.
    pub upper: Vec<f64>,
    /// The confidence level of every interval.
    pub confidence: f64,
    /// The method of each row's interval.
    pub method: Vec<Method>,
}

impl Estimates {
    pub(crate) fn zeroed(n: usize, confidence: f64, method: Method) -> Self {
        Estimates {
            value: vec![0.0; n],
            lower: vec![0.0; n],
            upper: vec![0.0; n],
            confidence,
            method: vec![method; n],
        }
    }

    pub(crate) fn output(&mut self) -> Output<'_> {
        Output {
            value: &mut self.value,
            lower: &mut self.lower,
            upper: &mut self.upper,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// Rejects NaN, infinities and negatives: the rule for every count.
pub(crate) fn check_count(argument: &str, index: usize, x: f64) -> Result<()> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_value(
            argument,
            index,
            x,
            "counts must be finite and >= 0",
        ))
    }
}

/// Rejects NaN, infinities, zero and negatives: the rule for denominators.
pub(crate) fn check_positive(argument: &str, index: usize, x: f64) -> Result<()> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_value(
            argument,
            index,
            x,
            "denominators must be finite and > 0",
        ))
    }
}

/// Group codes must be below the declared number of groups, and the groups' results must fit
/// in the working-memory limit (the caller chooses `n_groups`).
pub(crate) fn check_groups(group: &[u32], n_groups: usize) -> Result<()> {
    crate::limits::check_memory("n_groups", "the groups' results", n_groups as u128, 256)?;
    match group.iter().position(|&g| g as usize >= n_groups) {
        None => Ok(()),
        Some(i) => Err(Error::InvalidValue {
            argument: "group".to_owned(),
            index: i,
            value: group[i].to_string(),
            rule: if n_groups == 0 {
                format!("n_groups is 0 but there are {} rows", group.len())
            } else {
                format!(
                    "group codes must be in 0..{n_groups} (0 to {})",
                    n_groups - 1
                )
            },
        }),
    }
}

/// Refuses a row whose value or limits are beyond the largest double (finite inputs give
/// finite outputs or this error, never an infinity or NaN): an [`Error::InvalidValue`] naming
/// the input (`argument` at `index`, whose `input` value makes the result too large).
#[inline]
pub(crate) fn check_finite_row(
    index: usize,
    argument: &str,
    input: f64,
    outputs: [f64; 3],
) -> Result<()> {
    if outputs[0].is_finite() & outputs[1].is_finite() & outputs[2].is_finite() {
        return Ok(());
    }
    not_finite_row(index, argument, input, outputs)
}

/// The error of [`check_finite_row`], out of the hot loop.
#[cold]
#[inline(never)]
fn not_finite_row(index: usize, argument: &str, input: f64, outputs: [f64; 3]) -> Result<()> {
    const NAMES: [&str; 3] = ["value", "lower limit", "upper limit"];
    match outputs.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) => Err(Error::invalid_value(
            argument,
            index,
            input,
            &format!(
                "the result's {} is beyond the largest double (±1.8e308); use a smaller \
                 multiplier or rescale the inputs",
                NAMES[k]
            ),
        )),
    }
}

/// Refuses a group whose results are beyond the largest double: an [`Error::InvalidGroup`]
/// naming the group and the first such result (`outputs` pairs a name with a value).
pub(crate) fn check_finite_group(
    g: usize,
    group_label: &dyn Fn(usize) -> String,
    outputs: &[(&str, f64)],
) -> Result<()> {
    match outputs.iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((name, _)) => Err(Error::InvalidGroup {
            group: group_label(g),
            message: format!(
                "its {name} is beyond the largest double (±1.8e308); use a smaller multiplier \
                 or rescale the inputs"
            ),
        }),
    }
}
