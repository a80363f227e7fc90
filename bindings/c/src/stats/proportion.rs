use super::interval_outputs;
use crate::args::Arrays;
use crate::error::{guard, CmStatus};
use collabmetrics::stats::{proportion_into, ProportionOptions};

/// Proportions `numerator / denominator * multiplier` with Wilson score intervals (PHE's
/// method), one per element of the `len`-element input arrays.
///
/// * `numerator`: counts O, finite and `0 <= O <= denominator` (need not be integers).
/// * `denominator`: n, finite and > 0.
/// * `confidence`: level in (0, 1), e.g. 0.95 (or 0.998 for control limits).
/// * `multiplier`: finite and > 0: 1 for proportions, 100 for percentages.
/// * `value`, `lower`, `upper`: caller-allocated arrays of `len` doubles, receiving O / n and
///   the Wilson limits, all * `multiplier`.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` naming the argument and the
/// first bad index: `CM_NULL_POINTER` (a NULL array with `len` > 0), `CM_INVALID_ARGUMENT`
/// (confidence, multiplier, or overlapping arrays), `CM_INVALID_VALUE` (a bad element). On
/// error the outputs may be partially written. With `len` 0 any pointer may be NULL.
///
/// # Safety
///
/// Every non-NULL pointer must point to `len` elements (writable for the outputs), valid for
/// the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_proportion(
    numerator: *const f64,
    denominator: *const f64,
    len: usize,
    confidence: f64,
    multiplier: f64,
    value: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
) -> CmStatus {
    guard(|| {
        let mut arrays = Arrays::default();
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements.
        let (numerator, denominator, out) = unsafe {
            (
                arrays.input("numerator", numerator, len)?,
                arrays.input("denominator", denominator, len)?,
                interval_outputs(&mut arrays, value, lower, upper, len)?,
            )
        };
        let options = ProportionOptions {
            confidence,
            multiplier,
            ..ProportionOptions::default()
        };
        crate::cancel::with(std::ptr::null(), || {
            proportion_into(numerator, denominator, &options, out)
        })?;
        Ok(())
    })
}
