//! Tests of the C ABI, calling the `extern "C"` functions as C would. (They are unit tests:
//! the library target is named `collabmetrics` like the core, so an integration test could
//! not tell the two apart.)

mod cancel;
mod defaults;
mod disclosure;
mod distance_table;
mod errors;
mod funnel;
mod fuzz;
mod grouped;
mod inequality;
mod oap;
mod rowwise;
mod spc;
mod transition;

use crate::{cm_last_error_code, cm_last_error_kind, cm_last_error_message, CmStatus};
use std::ffi::{c_char, CStr};

/// A text field of the last error (`cm_last_error_table()`, ...), copied; `None` for NULL.
fn last_field(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: a non-NULL field is a NUL-terminated string valid until the next cm_ call.
    Some(
        unsafe { CStr::from_ptr(ptr) }
            .to_str()
            .expect("UTF-8")
            .to_owned(),
    )
}

/// The last error's kind, copied.
fn last_kind() -> String {
    last_field(cm_last_error_kind()).expect("the kind is never NULL")
}

/// The thread's last error message, copied.
fn last_message() -> String {
    // SAFETY: cm_last_error_message never returns NULL and the string is valid until the
    // next cm_ call on this thread; it is copied at once.
    unsafe { CStr::from_ptr(cm_last_error_message()) }
        .to_str()
        .expect("messages are UTF-8")
        .to_owned()
}

/// Checks a call's status, that the last error agrees, and that the message mentions each of
/// `needles`.
#[track_caller]
fn assert_failed(status: CmStatus, expected: CmStatus, needles: &[&str]) {
    let message = last_message();
    assert_eq!(status, expected, "message: {message}");
    assert_eq!(cm_last_error_code(), expected);
    for needle in needles {
        assert!(
            message.contains(needle),
            "{message:?} should mention {needle:?}"
        );
    }
}

#[track_caller]
fn assert_ok(status: CmStatus) {
    assert_eq!(status, CmStatus::OK, "message: {}", last_message());
    assert_eq!(last_message(), "");
}

#[track_caller]
fn assert_close(found: f64, expected: f64, tolerance: f64) {
    assert!(
        (found - expected).abs() <= tolerance * expected.abs().max(1.0),
        "found {found}, expected {expected}"
    );
}

/// The normal quantile for 95% confidence, z = Φ⁻¹(0.975).
const Z95: f64 = 1.959963984540054;
