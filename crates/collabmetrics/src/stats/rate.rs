//! Crude rates with Byar's or exact Poisson intervals.

use super::{
    check_count, check_multiplier, check_positive, Estimates, Method, Output, PoissonLimits,
};
use crate::error::{check_len, Result};
use serde::{Deserialize, Serialize};

crate::option_enum! {
    /// How the interval of a Poisson count is computed.
    #[derive(Default)]
    pub enum RateMethod: "method", "rate method" {
        /// PHE's rule: Byar's approximation for counts >= 10, exact limits below 10 (default).
        #[default]
        Byar = "byar" | "byars",
        /// Exact chi-squared limits for every count.
        Exact = "exact",
    }
}

/// Options for [`rate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateOptions {
    /// Confidence level in (0, 1); default 0.95.
    pub confidence: f64,
    /// Rate per this many person-time units; default 100 000.
    pub multiplier: f64,
    /// Interval method; default [`RateMethod::Byar`] (exact below 10).
    pub method: RateMethod,
}

impl Default for RateOptions {
    fn default() -> Self {
        RateOptions {
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            multiplier: 100_000.0,
            method: RateMethod::Byar,
        }
    }
}

/// Crude rates `O / person_time × multiplier` with Poisson limits for O divided by the same.
///
/// Rules: `count` finite and >= 0, `denominator` finite and > 0.
pub fn rate(count: &[f64], denominator: &[f64], options: &RateOptions) -> Result<Estimates> {
    let mut out = Estimates::zeroed(count.len(), options.confidence, Method::Byar);
    let mut methods = std::mem::take(&mut out.method);
    rate_into(
        count,
        denominator,
        options,
        out.output(),
        Some(&mut methods),
    )?;
    out.method = methods;
    Ok(out)
}

/// [`rate`] writing into caller-provided slices; `method`, when given, receives each row's
/// interval method.
pub fn rate_into(
    count: &[f64],
    denominator: &[f64],
    options: &RateOptions,
    out: Output<'_>,
    mut method: Option<&mut [Method]>,
) -> Result<()> {
    let limits = PoissonLimits::new(options.confidence, options.method)?;
    check_multiplier(options.multiplier)?;
    check_len("denominator", denominator.len(), "count", count.len())?;
    out.check_len("count", count.len())?;
    if let Some(m) = method.as_deref() {
        check_len("method", m.len(), "count", count.len())?;
    }
    let mult = options.multiplier;
    let mut memo = super::ExactMemo::default();
    let mut tick = crate::cancel::Ticker::new(1 << 14);
    for i in 0..count.len() {
        let (o, n) = (count[i], denominator[i]);
        check_count("count", i, o)?;
        check_positive("denominator", i, n)?;
        let r = limits.rate_row(o, n, mult, &mut memo);
        super::check_finite_row(i, "denominator", n, [r.value, r.lower, r.upper])?;
        (out.value[i], out.lower[i], out.upper[i]) = (r.value, r.lower, r.upper);
        tick.tick()?;
        if let Some(methods) = method.as_deref_mut() {
            methods[i] = r.method;
        }
    }
    Ok(())
}
