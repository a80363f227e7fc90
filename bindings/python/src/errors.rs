//! The core's `Error` as Python exceptions: `CollabMetricsError` (a `ValueError`) and one
//! subclass per `ErrorKind`, each instance carrying the error's fields as attributes.
//!
//! Cancellation: the core's `Cancelled` kind becomes `CancelledError` when the caller
//! cancelled through collabmetrics (a cancellation flag). A computation cancelled because of
//! Ctrl-C raises `KeyboardInterrupt` instead, as any Python call interrupted by SIGINT does:
//! [`to_py`] first lets Python run its pending signal handlers, and the exception they raise
//! (`KeyboardInterrupt` for SIGINT) wins.

use collabmetrics::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3_arrow::PyTable;

create_exception!(
    _native,
    CollabMetricsError,
    PyValueError,
    "An input broke one of collabmetrics' rules. The message names the argument or column, the first bad row and the rule; the attributes give the same facts: `kind`, `table`, `column`, `argument`, `row`, `value`, `group`, `rule` (None where they do not apply)."
);
create_exception!(
    _native,
    InvalidArgumentError,
    CollabMetricsError,
    "An option is outside its domain (kind \"invalid_argument\")."
);
create_exception!(
    _native,
    LengthMismatchError,
    CollabMetricsError,
    "Two parallel arguments have different lengths (kind \"length_mismatch\")."
);
create_exception!(
    _native,
    InvalidValueError,
    CollabMetricsError,
    "An element of an array argument breaks a rule (kind \"invalid_value\")."
);
create_exception!(
    _native,
    MissingColumnError,
    CollabMetricsError,
    "A required column is absent (kind \"missing_column\")."
);
create_exception!(
    _native,
    ColumnTypeError,
    CollabMetricsError,
    "A column has an unusable type (kind \"column_type\")."
);
create_exception!(
    _native,
    InvalidCellError,
    CollabMetricsError,
    "A cell of an input table breaks a rule (kind \"invalid_cell\")."
);
create_exception!(
    _native,
    InvalidGroupError,
    CollabMetricsError,
    "A group as a whole breaks a rule (kind \"invalid_group\")."
);
create_exception!(
    _native,
    LimitExceededError,
    CollabMetricsError,
    "A request would exceed a documented limit (kind \"limit_exceeded\")."
);
create_exception!(
    _native,
    CancelledError,
    CollabMetricsError,
    "The computation was cancelled through collabmetrics (kind \"cancelled\"); Ctrl-C raises KeyboardInterrupt instead."
);
create_exception!(
    _native,
    InternalError,
    CollabMetricsError,
    "A bug in collabmetrics: a Rust panic caught at the Python boundary (kind \"internal\"). Please report it."
);

/// The attributes every collabmetrics exception has (None where they do not apply).
const FIELDS: [&str; 8] = [
    "kind", "table", "column", "argument", "row", "value", "group", "rule",
];

/// The exception class of a kind (every kind has its own).
fn class(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    match kind {
        ErrorKind::InvalidArgument => py.get_type::<InvalidArgumentError>(),
        ErrorKind::LengthMismatch => py.get_type::<LengthMismatchError>(),
        ErrorKind::InvalidValue => py.get_type::<InvalidValueError>(),
        ErrorKind::MissingColumn => py.get_type::<MissingColumnError>(),
        ErrorKind::ColumnType => py.get_type::<ColumnTypeError>(),
        ErrorKind::InvalidCell => py.get_type::<InvalidCellError>(),
        ErrorKind::InvalidGroup => py.get_type::<InvalidGroupError>(),
        ErrorKind::LimitExceeded => py.get_type::<LimitExceededError>(),
        ErrorKind::Cancelled => py.get_type::<CancelledError>(),
        ErrorKind::Internal => py.get_type::<InternalError>(),
    }
}

/// The Python exception of a core error: its kind's class, the core's message, the fields.
pub(crate) fn to_py(err: Error) -> PyErr {
    Python::attach(|py| {
        if err.kind() == ErrorKind::Cancelled {
            // A pending SIGINT (Ctrl-C) raises KeyboardInterrupt here: that is the exception.
            if let Err(interrupt) = py.check_signals() {
                return interrupt;
            }
        }
        build(py, &err).unwrap_or_else(|e| e)
    })
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let exc = class(py, err.kind()).call1((err.to_string(),))?;
    exc.setattr("kind", err.kind().as_str())?;
    exc.setattr("table", err.table())?;
    exc.setattr("column", err.column())?;
    exc.setattr("argument", err.argument())?;
    exc.setattr("row", err.row())?;
    exc.setattr("value", err.value())?;
    exc.setattr("group", err.group())?;
    exc.setattr("rule", err.rule())?;
    Ok(PyErr::from_value(exc))
}

/// An `InvalidArgumentError` built by the core, for the Python package's own checks (so its
/// errors are the same classes, with the same message format and fields).
#[pyfunction]
fn invalid_argument(argument: &str, message: &str) -> PyErr {
    to_py(Error::invalid_argument(argument, message))
}

/// The common length of parallel arguments `(name, length)`, a length of 1 broadcasting to
/// the others; a `LengthMismatchError` naming both arguments otherwise (the core's rule).
#[pyfunction]
fn broadcast_len(arguments: Vec<(String, usize)>) -> PyResult<usize> {
    let named: Vec<(&str, usize)> = arguments.iter().map(|(n, l)| (n.as_str(), *l)).collect();
    collabmetrics::error::broadcast_len(&named).map_err(to_py)
}

/// Checks that `argument` has `found` elements, as the reference argument has `expected`; a
/// `LengthMismatchError` naming both otherwise (the core's check, for arguments that do not
/// broadcast).
#[pyfunction]
fn check_len(argument: &str, found: usize, reference: &str, expected: usize) -> PyResult<()> {
    collabmetrics::error::check_len(argument, found, reference, expected).map_err(to_py)
}

/// Checks that `data` (a table, named `table` in messages when given) has every column of
/// `columns`; the first missing one is the core's `MissingColumnError`, naming it and the
/// columns there are (the check of every table entry point, for the Python package's own
/// consumers of results, such as the plots).
#[pyfunction]
#[pyo3(signature = (data, columns, table = None))]
fn check_columns(data: PyTable, columns: Vec<String>, table: Option<String>) -> PyResult<()> {
    let input = crate::input(data).map_err(to_py)?;
    for c in &columns {
        if let Err(e) = input.data_type(c) {
            return Err(to_py(match &table {
                Some(t) => e.in_table(t),
                None => e,
            }));
        }
    }
    Ok(())
}

/// Registers the exception classes (with every field None at class level, and each
/// subclass's `kind`) and the helpers.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<CollabMetricsError>();
    for field in FIELDS {
        base.setattr(field, py.None())?;
    }
    // Shown (and pickled) under the public module that exports them.
    base.setattr("__module__", "collabmetrics.errors")?;
    m.add("CollabMetricsError", &base)?;
    for kind in ErrorKind::ALL {
        let cls = class(py, kind);
        cls.setattr("kind", kind.as_str())?;
        cls.setattr("__module__", "collabmetrics.errors")?;
        m.add(cls.name()?, cls)?;
    }
    m.add("ERROR_KINDS", ErrorKind::ALL.map(|k| k.as_str()).to_vec())?;
    m.add_function(wrap_pyfunction!(invalid_argument, m)?)?;
    m.add_function(wrap_pyfunction!(broadcast_len, m)?)?;
    m.add_function(wrap_pyfunction!(check_len, m)?)?;
    m.add_function(wrap_pyfunction!(check_columns, m)?)?;
    Ok(())
}
