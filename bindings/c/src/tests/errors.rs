use super::{assert_failed, assert_ok, last_message};
use crate::error::{guard, Failure};
use crate::{
    cm_clear_error, cm_last_error_code, cm_last_error_copy, cm_proportion, cm_version, CmStatus,
};
use collabmetrics::Error;
use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

/// A failing call: a proportion with numerator > denominator at index 0.
fn fail() -> CmStatus {
    let (o, n, mut out) = (5.0, 4.0, [0.0; 3]);
    let [v, l, u] = &mut out;
    // SAFETY: every pointer addresses one element.
    unsafe { cm_proportion(&o, &n, 1, 0.95, 1.0, v, l, u) }
}

#[test]
fn version_is_the_crate_version() {
    // SAFETY: cm_version returns a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(cm_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(version.to_str().unwrap(), collabmetrics::VERSION);
}

#[test]
fn status_codes_are_the_core_codes() {
    let errors = [
        Error::InvalidArgument {
            argument: "a".into(),
            message: "m".into(),
        },
        Error::LengthMismatch {
            argument: "a".into(),
            found: 1,
            reference: "b".into(),
            expected: 2,
        },
        Error::InvalidValue {
            argument: "a".into(),
            index: 0,
            value: "v".into(),
            rule: "r".into(),
        },
        Error::MissingColumn {
            table: None,
            column: "c".into(),
            mapped: String::new(),
            available: "x".into(),
        },
        Error::ColumnType {
            table: None,
            column: "c".into(),
            expected: "e".into(),
            found: "f".into(),
        },
        Error::InvalidCell {
            table: None,
            column: "c".into(),
            row: 0,
            value: "v".into(),
            rule: "r".into(),
        },
        Error::InvalidGroup {
            group: "g".into(),
            message: "m".into(),
        },
    ];
    for e in errors {
        let expected = e.code();
        let status = guard(|| Err(Failure::Core(e)));
        assert_eq!(status as i32, expected);
        assert_eq!(cm_last_error_code() as i32, expected);
    }
    assert_eq!(CmStatus::NULL_POINTER as i32, 100);
    assert_eq!(CmStatus::PANIC as i32, 101);
}

#[test]
fn last_error_is_set_kept_and_cleared() {
    cm_clear_error();
    assert_eq!(cm_last_error_code(), CmStatus::OK);
    assert_eq!(last_message(), "");
    assert_failed(
        fail(),
        CmStatus::INVALID_VALUE,
        &["numerator", "index 0", "must not exceed"],
    );
    // Reading the error does not change it.
    assert_eq!(cm_last_error_code(), CmStatus::INVALID_VALUE);
    assert!(last_message().contains("numerator"));
    cm_clear_error();
    assert_eq!(cm_last_error_code(), CmStatus::OK);
    assert_eq!(last_message(), "");
}

#[test]
fn a_successful_call_clears_the_last_error() {
    fail();
    // SAFETY: len 0: no pointer is read.
    let status = unsafe {
        cm_proportion(
            null(),
            null(),
            0,
            0.95,
            1.0,
            null_mut(),
            null_mut(),
            null_mut(),
        )
    };
    assert_ok(status);
    assert_eq!(cm_last_error_code(), CmStatus::OK);
}

#[test]
fn the_last_error_is_per_thread() {
    fail();
    let other = std::thread::spawn(|| (cm_last_error_code(), last_message()))
        .join()
        .unwrap();
    assert_eq!(other, (CmStatus::OK, String::new()));
    assert_eq!(cm_last_error_code(), CmStatus::INVALID_VALUE);
}

#[test]
fn copy_reports_the_length_and_truncates() {
    fail();
    let message = last_message();
    // SAFETY: NULL with len 0 only asks for the length.
    assert_eq!(unsafe { cm_last_error_copy(null_mut(), 0) }, message.len());
    let mut buf = [0x7f as c_char; 8];
    // SAFETY: `buf` has 8 writable bytes.
    let n = unsafe { cm_last_error_copy(buf.as_mut_ptr(), buf.len()) };
    assert_eq!(n, message.len());
    // SAFETY: cm_last_error_copy NUL-terminated the buffer.
    let copied = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    assert_eq!(copied, &message[..7]);
    let mut big = vec![0 as c_char; message.len() + 1];
    // SAFETY: `big` has message.len() + 1 writable bytes.
    unsafe { cm_last_error_copy(big.as_mut_ptr(), big.len()) };
    // SAFETY: as above.
    assert_eq!(
        unsafe { CStr::from_ptr(big.as_ptr()) }.to_str().unwrap(),
        message
    );
}

#[test]
fn copy_cuts_at_a_character_boundary() {
    let status = guard(|| Err(Failure::argument("x", "é")));
    assert_eq!(status, CmStatus::INVALID_ARGUMENT);
    let message = last_message();
    let cut = message.find('é').unwrap() + 1; // in the middle of the two-byte 'é'
    let mut buf = vec![0 as c_char; cut + 1];
    // SAFETY: `buf` has cut + 1 writable bytes.
    unsafe { cm_last_error_copy(buf.as_mut_ptr(), buf.len()) };
    // SAFETY: NUL-terminated by the call.
    let copied = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_str()
        .expect("still UTF-8");
    assert_eq!(copied, &message[..cut - 1]);
}

#[test]
fn a_panic_becomes_cm_panic_with_its_message() {
    let status = guard(|| panic!("deliberate test panic"));
    assert_failed(
        status,
        CmStatus::PANIC,
        &["internal error", "deliberate test panic"],
    );
    let status = guard(|| std::panic::panic_any(42_i32));
    assert_failed(status, CmStatus::PANIC, &["internal error"]);
}

#[test]
fn null_pointer_messages_name_the_argument() {
    let status = guard(|| {
        Err(Failure::NullPointer {
            argument: "count",
            len: 3,
        })
    });
    assert_failed(status, CmStatus::NULL_POINTER, &["`count`", "NULL", "3"]);
}
