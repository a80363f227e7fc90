//! The estimators of `collabmetrics::stats` over C arrays. Each function only checks and
//! converts its arguments, calls the core, and copies the results into the caller's arrays.

// Row-wise estimators (one result per input element).
mod proportion;
mod rate;

// Grouped estimators (one result per group).
mod dsr;
mod isr;
mod mean;

pub use dsr::{cm_dsr, CmStandard, CmStandardArg};
pub use isr::{cm_isr, CmIsrKind, CmIsrKindArg};
pub use mean::cm_mean;
pub use proportion::cm_proportion;
pub use rate::{cm_rate, CmRateMethod, CmRateMethodArg};

use crate::args::Arrays;
use crate::error::Failure;
use collabmetrics::stats::Output;

/// The `value`, `lower` and `upper` output arrays of `len` elements each.
///
/// # Safety
///
/// As for [`Arrays::output`], for each of the three pointers.
unsafe fn interval_outputs<'a>(
    arrays: &mut Arrays,
    value: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
    len: usize,
) -> Result<Output<'a>, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        Ok(Output {
            value: arrays.output("value", value, len)?,
            lower: arrays.output("lower", lower, len)?,
            upper: arrays.output("upper", upper, len)?,
        })
    }
}

/// Copies the core's per-group results into the caller's arrays: `(destination, source)`
/// pairs of equal length.
fn copy_columns<const N: usize>(columns: [(&mut [f64], &[f64]); N]) {
    for (dst, src) in columns {
        dst.copy_from_slice(src);
    }
}
