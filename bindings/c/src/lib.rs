//! The C ABI of collabmetrics: `libcollabmetrics` (shared and static) and the header
//! `include/collabmetrics.h`, generated from this crate by cbindgen.
//!
//! Only `extern "C"` functions live here, every one prefixed `cm_`: they check and convert
//! pointers and lengths, call `collabmetrics`, and report failures as a [`CmStatus`] plus a
//! thread-local last error: its message ([`cm_last_error_message`]) and its fields
//! ([`cm_last_error_kind`], [`cm_last_error_table`], [`cm_last_error_column`],
//! [`cm_last_error_argument`], [`cm_last_error_row`], [`cm_last_error_value`],
//! [`cm_last_error_group`], [`cm_last_error_rule`]). No metric is computed here, and no option
//! name or default is retyped: enum codes are positions in the core's name tables and every
//! `cm_*_options_default()` is built from the core's `Default`.
//!
//! Conventions of every function:
//! * arrays are a pointer plus a length; a NULL pointer is allowed only when the length is 0;
//! * outputs are arrays the caller allocates; they must not overlap any other array argument;
//!   on error they may be partially written;
//! * nothing panics or unwinds into C: a Rust panic is caught (the core's guard,
//!   `collabmetrics::panic`, which keeps it off standard error) and reported as `CM_PANIC`,
//!   kind "internal".

#![warn(missing_docs)]
// No panic reachable from input: `unwrap`/`expect` are refused outside tests; each remaining
// invariant is an `#[allow]` with the reason beside it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod args;
mod cancel;
mod disclosure;
mod distance;
mod distance_table;
mod error;
mod funnel;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod inequality;
mod oap;
mod spc;
mod stats;
mod stream;
mod transition;

pub use cancel::cm_set_cancel_flag;
pub use disclosure::{
    cm_disclose, cm_disclose_options_default, CmDerived, CmDiscloseOptions, CM_DERIVED_MEAN,
    CM_DERIVED_PERCENT, CM_DERIVED_PROPORTION, CM_DERIVED_RATE, CM_DERIVED_RATIO,
    CM_DISPLAY_CENTRAL, CM_DISPLAY_STAR, CM_SECONDARY_AUTO, CM_SECONDARY_HYPERCUBE,
    CM_SECONDARY_NONE, CM_SUPPRESS_ON_EITHER, CM_SUPPRESS_ON_NUMERATOR,
};
pub use distance_table::{
    cm_distance_summary, cm_distance_summary_options_default, CmDistanceSummaryOptions,
    CM_BANDS_CUSTOM, CM_BANDS_MHSDS_MONTHLY, CM_BANDS_OAP,
};
pub use error::{
    cm_clear_error, cm_last_error_argument, cm_last_error_code, cm_last_error_column,
    cm_last_error_copy, cm_last_error_group, cm_last_error_kind, cm_last_error_message,
    cm_last_error_row, cm_last_error_rule, cm_last_error_table, cm_last_error_value, CmStatus,
};
pub use funnel::{
    cm_funnel_assess, cm_funnel_limits, cm_funnel_options_default, CmFunnelOptions,
    CM_FUNNEL_FAMILY_DEFAULT, CM_FUNNEL_FAMILY_FUNNELPLOTR, CM_FUNNEL_FAMILY_PHE,
    CM_FUNNEL_FAMILY_SPIEGELHALTER_EXACT, CM_FUNNEL_LIMIT_95, CM_FUNNEL_LIMIT_99, CM_FUNNEL_SR_CQC,
    CM_FUNNEL_SR_SHMI, CM_FUNNEL_STATISTIC_NONE, CM_FUNNEL_STATISTIC_PR,
    CM_FUNNEL_STATISTIC_PROPORTION, CM_FUNNEL_STATISTIC_RATE_CRUDE, CM_FUNNEL_STATISTIC_RATE_DSR,
    CM_FUNNEL_STATISTIC_RATIO_COUNT, CM_FUNNEL_STATISTIC_RATIO_ISR, CM_FUNNEL_STATISTIC_RC,
    CM_FUNNEL_STATISTIC_SR,
};
pub use inequality::{
    cm_inequality_measures, cm_inequality_options_default, CmInequalityOptions, CM_FAVOURABLE_HIGH,
    CM_FAVOURABLE_LOW, CM_FAVOURABLE_UNSET, CM_RCI_ERREYGERS, CM_RCI_RAW, CM_RCI_WAGSTAFF,
    CM_SII_LINEAR, CM_SII_LOGISTIC, CM_VALUE_TYPE_OTHER, CM_VALUE_TYPE_PROPORTION,
    CM_VALUE_TYPE_RATE,
};
pub use oap::{
    cm_oap_measures, cm_oap_options_default, CmOapOptions, CM_BED_SCOPE_ALL, CM_BED_SCOPE_DEFAULT,
    CM_BED_SCOPE_LIST, CM_OVERLAP_COUNT, CM_OVERLAP_TRUNCATE, CM_WINDOW_MONTH,
    CM_WINDOW_ROLLING_12M, CM_WINDOW_ROLLING_3M,
};
pub use spc::{
    cm_spc_options_default, cm_spc_summary, cm_spc_xmr, CmSpcOptions, CM_SPC_IMPROVEMENT_DECREASE,
    CM_SPC_IMPROVEMENT_INCREASE, CM_SPC_IMPROVEMENT_NEUTRAL, CM_SPC_ON_MEAN_BREAK,
    CM_SPC_ON_MEAN_SKIP, CM_SPC_RULES_MDC_2023, CM_SPC_RULES_NHSRPLOTTHEDOTS, CM_SPC_TIES_BREAK,
    CM_SPC_TIES_SKIP,
};
pub use stats::{
    cm_dsr, cm_isr, cm_mean, cm_proportion, cm_rate, CmIsrKind, CmIsrKindArg, CmRateMethod,
    CmRateMethodArg, CmStandard, CmStandardArg,
};
pub use transition::{
    cm_transition_analyse, cm_transition_options_default, cm_transition_service_lines,
    cm_transition_time_to_contact, CmTransitionOptions, CM_CURVE_AALEN_JOHANSEN,
    CM_CURVE_KAPLAN_MEIER,
};

use std::ffi::{c_char, CStr};

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the crate version contains a NUL byte"),
    };

/// The library version, e.g. "0.1.0": a static NUL-terminated string owned by the library
/// (do not free it). Never fails; does not change the last error.
#[no_mangle]
pub extern "C" fn cm_version() -> *const c_char {
    error::catch(VERSION.as_ptr(), || VERSION.as_ptr())
}

#[cfg(test)]
mod tests;
