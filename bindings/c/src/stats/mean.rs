use super::{copy_columns, interval_outputs};
use crate::args::Arrays;
use crate::error::{guard, CmStatus};
use collabmetrics::stats::{mean, MeanOptions};

/// Means with Student's t intervals (`mean +/- t(n-1) * sd / sqrt(n)`), one per group.
///
/// * `group`: `len` group codes, 0 to `n_groups - 1`; every group needs at least 2 values.
/// * `values`: `len` finite values.
/// * `confidence`: level in (0, 1), e.g. 0.95.
/// * Outputs, caller-allocated arrays of `n_groups` doubles: `count` (number of values), `sum`,
///   `sd` (sample standard deviation, divisor n - 1), `value` (the mean), `lower`, `upper`.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` saying what is wrong:
/// `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT`, `CM_INVALID_VALUE` (naming the argument and
/// index), `CM_INVALID_GROUP` (fewer than 2 values, naming the group as "group 3"). On error
/// the outputs may be partially written.
///
/// # Safety
///
/// Every non-NULL pointer must point to `len` elements (inputs) or `n_groups` writable
/// elements (outputs), valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_mean(
    group: *const u32,
    n_groups: usize,
    values: *const f64,
    len: usize,
    confidence: f64,
    count: *mut f64,
    sum: *mut f64,
    sd: *mut f64,
    value: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
) -> CmStatus {
    guard(|| {
        let mut arrays = Arrays::default();
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements (inputs)
        // or `n_groups` elements (outputs).
        let (group, values, count, sum, sd, out) = unsafe {
            (
                arrays.input("group", group, len)?,
                arrays.input("values", values, len)?,
                arrays.output("count", count, n_groups)?,
                arrays.output("sum", sum, n_groups)?,
                arrays.output("sd", sd, n_groups)?,
                interval_outputs(&mut arrays, value, lower, upper, n_groups)?,
            )
        };
        let label = |g: usize| g.to_string();
        let est = crate::cancel::with(std::ptr::null(), || {
            mean(group, n_groups, values, &MeanOptions { confidence }, &label)
        })?;
        copy_columns([
            (count, &est.count),
            (sum, &est.sum),
            (sd, &est.sd),
            (out.value, &est.value),
            (out.lower, &est.lower),
            (out.upper, &est.upper),
        ]);
        Ok(())
    })
}
