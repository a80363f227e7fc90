use super::interval_outputs;
use crate::args::{option, Arrays};
use crate::error::{guard, CmStatus};
use collabmetrics::stats::{rate_into, Method, RateMethod, RateOptions};

/// How `cm_rate` computes the interval of each count (the codes are the positions of the
/// core's `RateMethod` names).
/// cbindgen:rename-all=prefix:CM_RATE_
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmRateMethod {
    /// PHE's rule: Byar's method for counts >= 10, exact Poisson limits below 10.
    BYAR = 0,
    /// Exact Poisson (chi-squared) limits for every count.
    EXACT = 1,
}

/// A `CmRateMethod` as the functions receive it: an integer, so that a value outside the enum
/// is reported (`CM_INVALID_ARGUMENT`) instead of being undefined behaviour. The header names
/// the parameter type `CmRateMethod` (see `cbindgen.toml`).
pub type CmRateMethodArg = u32;

/// Crude rates `count / denominator * multiplier` with Poisson intervals for the count,
/// one per element of the `len`-element input arrays.
///
/// * `count`: event counts O, finite and >= 0.
/// * `denominator`: person-time or population, finite and > 0.
/// * `confidence`: level in (0, 1), e.g. 0.95.
/// * `multiplier`: rate per this many (finite, > 0), e.g. 100000.
/// * `method`: `CM_RATE_BYAR` (PHE's default: Byar's method for O >= 10, exact below 10) or
///   `CM_RATE_EXACT` (exact for every count).
/// * `value`, `lower`, `upper`: caller-allocated arrays of `len` doubles.
/// * `method_used`: NULL, or `len` bytes receiving each row's method code: 2 for Byar's
///   method, 3 for exact limits.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` naming the argument and the
/// first bad index: `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT` (confidence, multiplier, method,
/// overlapping arrays), `CM_INVALID_VALUE`. On error the outputs may be partially written.
///
/// # Safety
///
/// Every non-NULL pointer must point to `len` elements (writable for the outputs), valid for
/// the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_rate(
    count: *const f64,
    denominator: *const f64,
    len: usize,
    confidence: f64,
    multiplier: f64,
    method: CmRateMethodArg,
    value: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
    method_used: *mut u8,
) -> CmStatus {
    guard(|| {
        let method: RateMethod = option(method, "CM_RATE_")?;
        let mut arrays = Arrays::default();
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements.
        let (count, denominator, out, method_used) = unsafe {
            (
                arrays.input("count", count, len)?,
                arrays.input("denominator", denominator, len)?,
                interval_outputs(&mut arrays, value, lower, upper, len)?,
                arrays.optional_output("method_used", method_used, len)?,
            )
        };
        let options = RateOptions {
            confidence,
            multiplier,
            method,
        };
        // The core writes `Method`s; the caller's bytes become their codes afterwards.
        let mut methods = method_used.as_ref().map(|m| vec![Method::Exact; m.len()]);
        crate::cancel::with(std::ptr::null(), || {
            rate_into(count, denominator, &options, out, methods.as_deref_mut())
        })?;
        if let (Some(dst), Some(src)) = (method_used, methods) {
            dst.iter_mut().zip(src).for_each(|(d, m)| *d = m as u8);
        }
        Ok(())
    })
}
