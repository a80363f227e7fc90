//! One error type for the whole library: which argument or column, which row, which rule.
//!
//! Every error is also readable field by field ([`Error::kind`], [`Error::table`],
//! [`Error::column`], [`Error::row`], [`Error::rule`], ...), so the C and Python faces can hand
//! the same fields to their callers (C accessors, Python exception attributes) without parsing
//! the message.

use serde::Serialize;
use std::fmt;

/// Result alias used throughout collabmetrics.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kind of an [`Error`]: one per variant, with a stable name ([`ErrorKind::as_str`]) and a
/// stable numeric code ([`ErrorKind::code`], the C status code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// An option is outside its domain.
    InvalidArgument,
    /// Two parallel arrays have different lengths.
    LengthMismatch,
    /// An element of an array argument breaks a rule.
    InvalidValue,
    /// A required column is absent.
    MissingColumn,
    /// A column has an unusable type.
    ColumnType,
    /// A cell of an input table breaks a rule.
    InvalidCell,
    /// A group as a whole breaks a rule.
    InvalidGroup,
    /// A request would exceed a documented limit (repetitions, memory, periods).
    LimitExceeded,
    /// The caller cancelled the computation (an interrupt or a cancellation flag).
    Cancelled,
    /// A bug in collabmetrics (a caught panic); never the caller's fault.
    Internal,
}

impl ErrorKind {
    /// Every kind, in code order.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidArgument,
        ErrorKind::LengthMismatch,
        ErrorKind::InvalidValue,
        ErrorKind::MissingColumn,
        ErrorKind::ColumnType,
        ErrorKind::InvalidCell,
        ErrorKind::InvalidGroup,
        ErrorKind::LimitExceeded,
        ErrorKind::Cancelled,
        ErrorKind::Internal,
    ];

    /// The stable snake_case name (`"invalid_cell"`), used by Python's `.kind` and C's
    /// `cm_last_error_kind()`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::LengthMismatch => "length_mismatch",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::MissingColumn => "missing_column",
            ErrorKind::ColumnType => "column_type",
            ErrorKind::InvalidCell => "invalid_cell",
            ErrorKind::InvalidGroup => "invalid_group",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Internal => "internal",
        }
    }

    /// The stable numeric code, used as the C status code (0 is success; 101 is the C
    /// interface's "internal error").
    pub fn code(self) -> i32 {
        match self {
            ErrorKind::InvalidArgument => 1,
            ErrorKind::LengthMismatch => 2,
            ErrorKind::InvalidValue => 3,
            ErrorKind::MissingColumn => 4,
            ErrorKind::ColumnType => 5,
            ErrorKind::InvalidCell => 6,
            ErrorKind::InvalidGroup => 7,
            ErrorKind::LimitExceeded => 8,
            ErrorKind::Cancelled => 9,
            ErrorKind::Internal => 101,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `table.column` when the error belongs to one of several tables, otherwise `column`.
fn qualified(table: &Option<String>, column: &str) -> String {
    match table {
        Some(t) => format!("{t}.{column}"),
        None => column.to_owned(),
    }
}

/// Everything that can go wrong with an input. Each variant names the argument or column, the
/// first offending position and the rule it broke, so the message is enough to fix the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[non_exhaustive]
pub enum Error {
    /// An option is outside its domain (e.g. confidence not in (0, 1)).
    #[error("invalid argument `{argument}`: {message}")]
    InvalidArgument {
        /// The option's name.
        argument: String,
        /// What is wrong, in words.
        message: String,
    },

    /// Two arrays that must be parallel have different lengths.
    #[error("length mismatch: `{argument}` has {found} elements but `{reference}` has {expected}")]
    LengthMismatch {
        /// The array whose length is wrong.
        argument: String,
        /// Its length.
        found: usize,
        /// The array it must match.
        reference: String,
        /// That array's length.
        expected: usize,
    },

    /// An element of an array argument breaks a rule.
    #[error("invalid value in `{argument}` at index {index} ({value}): {rule}")]
    InvalidValue {
        /// The array argument.
        argument: String,
        /// The first offending position (0-based).
        index: usize,
        /// The offending value, as text.
        value: String,
        /// The rule it breaks.
        rule: String,
    },

    /// A required column is absent from the input table.
    #[error("missing column `{}`{mapped} (available: {available})", qualified(.table, .column))]
    MissingColumn {
        /// The table, for calls that take several (`None` otherwise).
        table: Option<String>,
        /// The column the metric needs (the caller's name).
        column: String,
        /// `" (mapped from `x`)"` when the caller renamed it, otherwise empty.
        mapped: String,
        /// The columns the table has.
        available: String,
    },

    /// A column has a type the metric cannot use.
    #[error("column `{}` has type {found}; expected {expected}", qualified(.table, .column))]
    ColumnType {
        /// The table, for calls that take several (`None` otherwise).
        table: Option<String>,
        /// The column.
        column: String,
        /// The types the metric accepts.
        expected: String,
        /// The column's type.
        found: String,
    },

    /// A cell of an input table breaks a rule.
    #[error("invalid value in column `{}` at row {row} ({value}): {rule}", qualified(.table, .column))]
    InvalidCell {
        /// The table, for calls that take several (`None` otherwise).
        table: Option<String>,
        /// The column.
        column: String,
        /// The first offending row (0-based across batches).
        row: usize,
        /// The offending value, as text.
        value: String,
        /// The rule it breaks.
        rule: String,
    },

    /// A group as a whole breaks a rule (e.g. an age band missing or given twice).
    #[error("group {group}: {message}")]
    InvalidGroup {
        /// The group's key, as text.
        group: String,
        /// What is wrong, in words.
        message: String,
    },

    /// A request would exceed a documented limit (simulation repetitions, memory, periods).
    #[error("limit exceeded for `{argument}`: {message}")]
    LimitExceeded {
        /// The option or input that asks for too much.
        argument: String,
        /// The limit and what was asked, in words.
        message: String,
    },

    /// The computation was cancelled (an interrupt, or the caller's cancellation flag).
    #[error("cancelled: {message}")]
    Cancelled {
        /// What was cancelled.
        message: String,
    },

    /// A bug in collabmetrics: a panic caught at a language boundary. Please report it.
    #[error("internal error: {message}; please report it")]
    Internal {
        /// The panic's message.
        message: String,
    },
}

impl Error {
    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Error::LengthMismatch { .. } => ErrorKind::LengthMismatch,
            Error::InvalidValue { .. } => ErrorKind::InvalidValue,
            Error::MissingColumn { .. } => ErrorKind::MissingColumn,
            Error::ColumnType { .. } => ErrorKind::ColumnType,
            Error::InvalidCell { .. } => ErrorKind::InvalidCell,
            Error::InvalidGroup { .. } => ErrorKind::InvalidGroup,
            Error::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            Error::Cancelled { .. } => ErrorKind::Cancelled,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// A stable numeric code per kind, used as the C status code (0 is success).
    pub fn code(&self) -> i32 {
        self.kind().code()
    }

    /// The table the error belongs to, for calls that take several tables.
    pub fn table(&self) -> Option<&str> {
        match self {
            Error::MissingColumn { table, .. }
            | Error::ColumnType { table, .. }
            | Error::InvalidCell { table, .. } => table.as_deref(),
            _ => None,
        }
    }

    /// The column (or, for vector arguments, the array argument) the error is about.
    pub fn column(&self) -> Option<&str> {
        match self {
            Error::MissingColumn { column, .. }
            | Error::ColumnType { column, .. }
            | Error::InvalidCell { column, .. } => Some(column),
            Error::InvalidValue { argument, .. } | Error::LengthMismatch { argument, .. } => {
                Some(argument)
            }
            _ => None,
        }
    }

    /// The option or argument the error is about (for option and vector errors).
    pub fn argument(&self) -> Option<&str> {
        match self {
            Error::InvalidArgument { argument, .. }
            | Error::InvalidValue { argument, .. }
            | Error::LengthMismatch { argument, .. }
            | Error::LimitExceeded { argument, .. } => Some(argument),
            _ => None,
        }
    }

    /// The same error about the option `name`: an option nested in another's options is
    /// named as the faces spell it (OAP's `distance_bands` for its summary's `bands`). Errors
    /// that name no option are unchanged.
    pub fn for_argument(mut self, name: &str) -> Self {
        if let Error::InvalidArgument { argument, .. }
        | Error::InvalidValue { argument, .. }
        | Error::LengthMismatch { argument, .. }
        | Error::LimitExceeded { argument, .. } = &mut self
        {
            *argument = name.to_owned();
        }
        self
    }

    /// The first offending row (0-based; for vector arguments, the index).
    pub fn row(&self) -> Option<usize> {
        match self {
            Error::InvalidCell { row, .. } => Some(*row),
            Error::InvalidValue { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The offending value, as text.
    pub fn value(&self) -> Option<&str> {
        match self {
            Error::InvalidCell { value, .. } | Error::InvalidValue { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The group the error is about (grouped computations).
    pub fn group(&self) -> Option<&str> {
        match self {
            Error::InvalidGroup { group, .. } => Some(group),
            _ => None,
        }
    }

    /// The rule broken, in words.
    pub fn rule(&self) -> Option<String> {
        match self {
            Error::InvalidCell { rule, .. } | Error::InvalidValue { rule, .. } => {
                Some(rule.clone())
            }
            Error::InvalidArgument { message, .. }
            | Error::InvalidGroup { message, .. }
            | Error::LimitExceeded { message, .. } => Some(message.clone()),
            Error::LengthMismatch { reference, .. } => {
                Some(format!("must have as many elements as `{reference}`"))
            }
            Error::ColumnType { expected, .. } => Some(format!("must be {expected}")),
            Error::MissingColumn { .. } => Some("required column".to_owned()),
            Error::Cancelled { .. } | Error::Internal { .. } => None,
        }
    }

    /// The same error marked as belonging to `table` (shown as `table.column`), for calls that
    /// take several tables. An error already marked keeps its table.
    pub fn in_table(mut self, name: &str) -> Self {
        if let Error::MissingColumn { table, .. }
        | Error::ColumnType { table, .. }
        | Error::InvalidCell { table, .. } = &mut self
        {
            table.get_or_insert_with(|| name.to_owned());
        }
        self
    }

    /// The same error with its row counted `offset` rows further on: an error found in a
    /// slice of a table, located in the whole table.
    pub(crate) fn at_offset(mut self, offset: usize) -> Self {
        if let Error::InvalidCell { row, .. } = &mut self {
            *row += offset;
        }
        self
    }

    /// An [`Error::InvalidArgument`].
    pub fn invalid_argument(argument: &str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            argument: argument.to_owned(),
            message: message.into(),
        }
    }

    /// An [`Error::InvalidValue`] for the number `value` at `index` of `argument`.
    pub fn invalid_value(argument: &str, index: usize, value: f64, rule: &str) -> Self {
        Error::InvalidValue {
            argument: argument.to_owned(),
            index,
            value: format_value(value),
            rule: rule.to_owned(),
        }
    }

    /// An [`Error::InvalidCell`] (no table yet; see [`Error::in_table`]).
    pub fn cell(
        column: &str,
        row: usize,
        value: impl Into<String>,
        rule: impl Into<String>,
    ) -> Self {
        Error::InvalidCell {
            table: None,
            column: column.to_owned(),
            row,
            value: value.into(),
            rule: rule.into(),
        }
    }

    /// An [`Error::ColumnType`] (no table yet; see [`Error::in_table`]).
    pub fn column_type(
        column: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Error::ColumnType {
            table: None,
            column: column.to_owned(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// An [`Error::InvalidGroup`].
    pub fn group_error(group: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidGroup {
            group: group.into(),
            message: message.into(),
        }
    }

    /// An [`Error::LimitExceeded`].
    pub fn limit(argument: &str, message: impl Into<String>) -> Self {
        Error::LimitExceeded {
            argument: argument.to_owned(),
            message: message.into(),
        }
    }

    /// An [`Error::Internal`] from a caught panic's payload (see [`crate::panic`] for the
    /// guard that also keeps the panic off standard error).
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        Error::Internal {
            message: crate::panic::panic_message(payload),
        }
    }

    /// An [`Error::LengthMismatch`]: `argument` has `found` elements where `reference` has
    /// `expected`.
    pub fn length_mismatch(argument: &str, found: usize, reference: &str, expected: usize) -> Self {
        Error::LengthMismatch {
            argument: argument.to_owned(),
            found,
            reference: reference.to_owned(),
            expected,
        }
    }
}

/// The common length of parallel arguments `(name, length)` where a length of 1 is broadcast
/// to the others: the first argument whose length is not 1 is the reference, and any other
/// argument of another length (and not 1) is an [`Error::LengthMismatch`] naming both. No
/// arguments, or only length-1 ones, give 1 (0 when there are none).
///
/// ```
/// use collabmetrics::error::broadcast_len;
/// assert_eq!(broadcast_len(&[("numerator", 1), ("denominator", 3)]).unwrap(), 3);
/// let e = broadcast_len(&[("numerator", 2), ("denominator", 3)]).unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "length mismatch: `denominator` has 3 elements but `numerator` has 2"
/// );
/// ```
pub fn broadcast_len(arguments: &[(&str, usize)]) -> Result<usize> {
    let Some(&(reference, expected)) = arguments
        .iter()
        .find(|(_, n)| *n != 1)
        .or(arguments.first())
    else {
        return Ok(0);
    };
    for &(argument, found) in arguments {
        if found != expected && found != 1 {
            return Err(Error::length_mismatch(argument, found, reference, expected));
        }
    }
    Ok(expected)
}

/// Checks that `found` has the length of the reference argument.
pub fn check_len(argument: &str, found: usize, reference: &str, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::length_mismatch(argument, found, reference, expected))
    }
}

/// A number as error messages print it (`NaN` for NaN).
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v != 0.0 && v.is_finite() && !(1e-6..1e16).contains(&v.abs()) {
        // Scientific beyond the everyday range: 5e-324, not 324 digits.
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
