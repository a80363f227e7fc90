//! The disclosure log: every published cell that differs from its original, why, and (for
//! suppressed counts) what an attacker can still learn of it. The log is for the analyst in
//! the secure environment: it holds the original values and is never published.

use crate::error::{Error, Result};
use crate::table::{Diagnostics, TableResult};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Why a published cell differs from the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A count in the rule's suppressed range.
    PrimarySmall,
    /// A count suppressed so that a primary cell cannot be recovered from the margins.
    SecondaryComplement,
    /// A derived value whose numerator is suppressed.
    DerivedNumerator,
    /// A derived value whose denominator is suppressed (`suppress_on = "either"`).
    DerivedDenominator,
    /// A derived value whose denominator is below `min_denominator`.
    DerivedMinDenominator,
    /// A derived value of an added margin whose denominator is 0 (every part's is): undefined,
    /// published null (its original is NaN).
    DerivedZeroDenominator,
    /// A count rounded to the rule's base, or a derived value rounded to its decimals.
    Rounded,
}

impl Reason {
    /// Every reason, in the order of its name table.
    pub const ALL: [Reason; 7] = [
        Reason::PrimarySmall,
        Reason::SecondaryComplement,
        Reason::DerivedNumerator,
        Reason::DerivedDenominator,
        Reason::DerivedMinDenominator,
        Reason::DerivedZeroDenominator,
        Reason::Rounded,
    ];

    /// The stable name (`"primary_small"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::PrimarySmall => "primary_small",
            Reason::SecondaryComplement => "secondary_complement",
            Reason::DerivedNumerator => "derived_numerator",
            Reason::DerivedDenominator => "derived_denominator",
            Reason::DerivedMinDenominator => "derived_min_denominator",
            Reason::DerivedZeroDenominator => "derived_zero_denominator",
            Reason::Rounded => "rounded",
        }
    }

    /// What the rule did, in words (the diagnostics' `action`).
    pub fn action(self) -> &'static str {
        match self {
            Reason::PrimarySmall => "count suppressed: in the rule's suppressed range",
            Reason::SecondaryComplement => {
                "count suppressed: complement protecting a suppressed cell"
            }
            Reason::DerivedNumerator => "derived value suppressed: its numerator is suppressed",
            Reason::DerivedDenominator => "derived value suppressed: its denominator is suppressed",
            Reason::DerivedMinDenominator => {
                "derived value suppressed: denominator below min_denominator"
            }
            Reason::DerivedZeroDenominator => {
                "derived value of a margin left null: its denominator is 0"
            }
            Reason::Rounded => "rounded to the rule's base (counts) or decimals (derived values)",
        }
    }

    /// True for the reasons that suppress a cell.
    pub fn suppresses(self) -> bool {
        self != Reason::Rounded
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = Error;

    fn from_str(s: &str) -> Result<Reason> {
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
                Error::invalid_argument(
                    "reason",
                    format!(
                        "unknown reason \"{s}\"; expected one of {}",
                        names.join(", ")
                    ),
                )
            })
    }
}

/// One changed cell of the published table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The row of the published table (added margin rows included).
    pub row: usize,
    /// The column (shared by its entries: a large table logs millions of rounded cells).
    pub column: std::sync::Arc<str>,
    /// The unrounded value.
    pub original: f64,
    /// The published value (`None` when suppressed; with `display = "5"` a suppressed count
    /// is published as 5 and this says so).
    pub published: Option<f64>,
    /// Why it changed.
    pub reason: Reason,
    /// For a suppressed count of a table with margins: the smallest and largest values the
    /// count can take given everything published (the attacker's linear programmes; `upper`
    /// is infinite when nothing bounds it). Without margins, the rule's suppressed range.
    pub audit_lower: Option<f64>,
    /// See `audit_lower`.
    pub audit_upper: Option<f64>,
}

/// The log as an Arrow table: `row`, `column`, `original`, `published`, `reason`,
/// `audit_lower`, `audit_upper`. Like every result of the library it carries a diagnostics
/// entry in its schema metadata (empty: the log sets nothing aside), so every language reads it
/// as it reads any other result.
pub fn log_batch(log: &[LogEntry]) -> Result<RecordBatch> {
    let schema = Schema::new(vec![
        Field::new("row", DataType::UInt64, false),
        Field::new("column", DataType::Utf8, false),
        Field::new("original", DataType::Float64, false),
        Field::new("published", DataType::Float64, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("audit_lower", DataType::Float64, true),
        Field::new("audit_upper", DataType::Float64, true),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt64Array::from_iter_values(
            log.iter().map(|e| e.row as u64),
        )),
        Arc::new(StringArray::from_iter_values(
            log.iter().map(|e| &*e.column),
        )),
        Arc::new(Float64Array::from_iter_values(
            log.iter().map(|e| e.original),
        )),
        Arc::new(Float64Array::from_iter(log.iter().map(|e| e.published))),
        Arc::new(StringArray::from_iter_values(
            log.iter().map(|e| e.reason.as_str()),
        )),
        Arc::new(Float64Array::from_iter(log.iter().map(|e| e.audit_lower))),
        Arc::new(Float64Array::from_iter(log.iter().map(|e| e.audit_upper))),
    ];
    let table = RecordBatch::try_new(Arc::new(schema), columns)
        .map_err(|e| Error::invalid_argument("log", e.to_string()))?;
    Ok(TableResult {
        table,
        diagnostics: Diagnostics::new(),
    }
    .into_batch())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::DIAGNOSTICS_KEY;

    /// The log reads like every other result in every language: the C stream and Python both
    /// find an (empty) diagnostics entry in its schema metadata.
    #[test]
    fn the_log_carries_an_empty_diagnostics_entry() {
        let entry = LogEntry {
            row: 2,
            column: "n".into(),
            original: 3.0,
            published: None,
            reason: Reason::PrimarySmall,
            audit_lower: Some(0.0),
            audit_upper: Some(4.0),
        };
        for log in [vec![], vec![entry]] {
            let batch = log_batch(&log).unwrap();
            assert_eq!(batch.num_rows(), log.len());
            assert_eq!(batch.schema().metadata()[DIAGNOSTICS_KEY], "[]");
        }
    }
}
