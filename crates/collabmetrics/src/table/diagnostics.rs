//! Counts of records that a documented rule excluded, repaired or flagged, by reason: nothing is
//! dropped silently.

use serde::Serialize;

/// One reason and how many records it applied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// A short stable key, e.g. `"unknown_reason_code"`.
    pub reason: String,
    /// What the rule did, in words (e.g. "counted under `unknown`").
    pub action: String,
    /// Number of records.
    pub count: u64,
    /// The first such row of the input (0-based across batches), when there is one.
    pub first_row: Option<usize>,
}

/// The diagnostics of one call, in the order reasons were first met.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    /// One entry per reason, in the order first met.
    pub entries: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Empty diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one record at `row` under `reason`.
    pub fn record(&mut self, reason: &str, action: &str, row: Option<usize>) {
        self.add(reason, action, 1, row);
    }

    /// Counts `count` records under `reason` (first met at `row`).
    pub fn add(&mut self, reason: &str, action: &str, count: u64, row: Option<usize>) {
        if count == 0 {
            return;
        }
        match self.entries.iter_mut().find(|d| d.reason == reason) {
            Some(d) => {
                d.count += count;
                d.first_row = match (d.first_row, row) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => self.entries.push(Diagnostic {
                reason: reason.to_owned(),
                action: action.to_owned(),
                count,
                first_row: row,
            }),
        }
    }

    /// The count under `reason` (0 when none).
    pub fn count(&self, reason: &str) -> u64 {
        self.entries
            .iter()
            .find(|d| d.reason == reason)
            .map_or(0, |d| d.count)
    }

    /// Adds every entry of `other` (partial results merged).
    pub fn merge(&mut self, other: &Diagnostics) {
        for d in &other.entries {
            self.add(&d.reason, &d.action, d.count, d.first_row);
        }
    }

    /// True when nothing was excluded or flagged.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A tidy result table with the diagnostics of the call that made it.
#[derive(Debug, Clone)]
pub struct TableResult {
    /// The tidy result.
    pub table: arrow_array::RecordBatch,
    /// What documented rules excluded, repaired or flagged while computing it.
    pub diagnostics: Diagnostics,
}

/// The schema metadata key under which [`TableResult::into_batch`] stores the diagnostics.
pub const DIAGNOSTICS_KEY: &str = "collabmetrics:diagnostics";

impl TableResult {
    /// The table with its diagnostics as JSON in the schema metadata ([`DIAGNOSTICS_KEY`]), so
    /// they travel with it through the C stream interface and Python.
    // Invariants, not input: a list of reasons, counts and rows always serialises to JSON, and
    // a schema that differs from the table's only in its metadata always fits the table.
    #[allow(clippy::expect_used)]
    pub fn into_batch(self) -> arrow_array::RecordBatch {
        let json = serde_json::to_string(&self.diagnostics.entries).expect("diagnostics serialise");
        let schema = self.table.schema();
        let mut metadata = schema.metadata().clone();
        metadata.insert(DIAGNOSTICS_KEY.to_owned(), json);
        let schema = std::sync::Arc::new(schema.as_ref().clone().with_metadata(metadata));
        self.table.with_schema(schema).expect("same fields")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merge_by_reason_and_keep_the_first_row() {
        let mut d = Diagnostics::new();
        d.record("unknown_code", "counted under `unknown`", Some(7));
        d.record("unknown_code", "counted under `unknown`", Some(3));
        d.add("same_day", "counted 0 nights", 0, None);
        let mut e = Diagnostics::new();
        e.add("same_day", "counted 0 nights", 2, Some(9));
        d.merge(&e);
        assert_eq!(d.count("unknown_code"), 2);
        assert_eq!(d.entries[0].first_row, Some(3));
        assert_eq!(d.count("same_day"), 2);
        assert_eq!(d.count("nothing"), 0);
    }
}
