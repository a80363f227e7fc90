//! One error type for the whole library: which argument or column, which row, which rule.

use serde::Serialize;

/// Result alias used throughout collabmetrics.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with an input. Each variant names the argument or column, the
/// first offending position and the rule it broke, so the message is enough to fix the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[non_exhaustive]
pub enum Error {
    /// An option is outside its domain (e.g. confidence not in (0, 1)).
    #[error("invalid argument `{argument}`: {message}")]
    InvalidArgument { argument: String, message: String },

    /// Two arrays that must be parallel have different lengths.
    #[error("length mismatch: `{argument}` has {found} elements but `{reference}` has {expected}")]
    LengthMismatch {
        argument: String,
        found: usize,
        reference: String,
        expected: usize,
    },

    /// An element of an array argument breaks a rule.
    #[error("invalid value in `{argument}` at index {index} ({value}): {rule}")]
    InvalidValue {
        argument: String,
        index: usize,
        value: String,
        rule: String,
    },

    /// A required column is absent from the input table.
    #[error("missing column `{column}`{mapped} (available: {available})")]
    MissingColumn {
        column: String,
        /// `" (mapped from `x`)"` when the caller renamed it, otherwise empty.
        mapped: String,
        available: String,
    },

    /// A column has a type the metric cannot use.
    #[error("column `{column}` has type {found}; expected {expected}")]
    ColumnType {
        column: String,
        expected: String,
        found: String,
    },

    /// A cell of an input table breaks a rule.
    #[error("invalid value in column `{column}` at row {row} ({value}): {rule}")]
    InvalidCell {
        column: String,
        row: usize,
        value: String,
        rule: String,
    },

    /// A group as a whole breaks a rule (e.g. an age band missing or given twice).
    #[error("group {group}: {message}")]
    InvalidGroup { group: String, message: String },
}

impl Error {
    /// A stable numeric code per variant, used as the C status code (0 is success).
    pub fn code(&self) -> i32 {
        match self {
            Error::InvalidArgument { .. } => 1,
            Error::LengthMismatch { .. } => 2,
            Error::InvalidValue { .. } => 3,
            Error::MissingColumn { .. } => 4,
            Error::ColumnType { .. } => 5,
            Error::InvalidCell { .. } => 6,
            Error::InvalidGroup { .. } => 7,
        }
    }

    /// The same error with its column names prefixed by `table.` (e.g. `admissions.end_date`),
    /// for calls that take several tables.
    pub fn in_table(self, table: &str) -> Self {
        let prefix = |c: String| format!("{table}.{c}");
        match self {
            Error::MissingColumn {
                column,
                mapped,
                available,
            } => Error::MissingColumn {
                column: prefix(column),
                mapped,
                available,
            },
            Error::ColumnType {
                column,
                expected,
                found,
            } => Error::ColumnType {
                column: prefix(column),
                expected,
                found,
            },
            Error::InvalidCell {
                column,
                row,
                value,
                rule,
            } => Error::InvalidCell {
                column: prefix(column),
                row,
                value,
                rule,
            },
            other => other,
        }
    }

    /// The same error with its row counted `offset` rows further on: an error found in a
    /// slice of a table, located in the whole table.
    pub(crate) fn at_offset(self, offset: usize) -> Self {
        match self {
            Error::InvalidCell {
                column,
                row,
                value,
                rule,
            } => Error::InvalidCell {
                column,
                row: row + offset,
                value,
                rule,
            },
            other => other,
        }
    }

    pub(crate) fn argument(argument: &str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            argument: argument.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn value(argument: &str, index: usize, value: f64, rule: &str) -> Self {
        Error::InvalidValue {
            argument: argument.to_owned(),
            index,
            value: format_value(value),
            rule: rule.to_owned(),
        }
    }
}

/// Checks that `found` has the length of the reference argument.
pub(crate) fn check_len(
    argument: &str,
    found: usize,
    reference: &str,
    expected: usize,
) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            argument: argument.to_owned(),
            found,
            reference: reference.to_owned(),
            expected,
        })
    }
}

pub(crate) fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else {
        format!("{v}")
    }
}
