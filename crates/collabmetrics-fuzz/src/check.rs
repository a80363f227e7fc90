//! The invariants every call keeps, whatever its input: it returns (no panic, no abort, no
//! hang), an error is a structured one (never `internal`, which is a caught bug), and a result
//! holds no infinity and no NaN except where a documented rule says a number does not exist
//! (those are nulls in tables).

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use collabmetrics::{Error, ErrorKind};
use std::sync::atomic::{AtomicU64, Ordering};

/// How many results passed [`batch`] and how many calls ended in each error kind: the
/// `coverage` example prints them, to see how deep arbitrary inputs get.
pub static RESULTS: AtomicU64 = AtomicU64::new(0);
/// Errors by kind (index: `ErrorKind::ALL`).
pub static ERRORS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];

/// Panics (the fuzzer's finding) on an internal error: a structured error is a fine answer.
pub fn error(e: &Error, call: &str) {
    if let Some(k) = ErrorKind::ALL.iter().position(|k| *k == e.kind()) {
        ERRORS[k].fetch_add(1, Ordering::Relaxed);
    }
    crate::trace!("{call}: {e}");
    assert_ne!(
        e.kind(),
        ErrorKind::Internal,
        "{call}: an internal error (a caught panic): {e}"
    );
}

/// Panics when `v` is infinite, or NaN unless `nan_ok`.
pub fn number(v: f64, what: &str, nan_ok: bool) {
    assert!(!v.is_infinite(), "{what} is {v}");
    assert!(nan_ok || !v.is_nan(), "{what} is NaN");
}

/// [`number`] for every element.
pub fn numbers(vs: &[f64], what: &str, nan_ok: bool) {
    for (i, &v) in vs.iter().enumerate() {
        number(v, &format!("{what}[{i}]"), nan_ok);
    }
}

/// Every float column of a result that is not one of the input's own columns (`input`) holds
/// finite numbers or nulls: no infinity, and no NaN (a number that does not exist is null).
pub fn batch(b: &RecordBatch, input: &[String], call: &str) {
    RESULTS.fetch_add(1, Ordering::Relaxed);
    crate::trace!("{call}: {} rows", b.num_rows());
    let schema = b.schema();
    for (field, col) in schema.fields().iter().zip(b.columns()) {
        if input.iter().any(|n| n == field.name()) || field.data_type() != &DataType::Float64 {
            continue;
        }
        let a = col.as_primitive::<Float64Type>();
        for i in 0..a.len() {
            if a.is_valid(i) {
                let v = a.value(i);
                assert!(
                    v.is_finite(),
                    "{call}: result column `{}` row {i} is {v}",
                    field.name()
                );
            }
        }
    }
}

/// The outcome of a call returning a table: [`batch`] on success, [`error`] on failure.
pub fn table(r: &collabmetrics::Result<RecordBatch>, input: &[String], call: &str) {
    match r {
        Ok(b) => batch(b, input, call),
        Err(e) => error(e, call),
    }
}
