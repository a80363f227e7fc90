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

/// One flagged record of a listing ([`Diagnostics::with_listing`]): the input table and row
/// a rule flagged, and the reason it was flagged under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The input table (`placements`, `contacts`, `data` for a one-table function …); `None`
    /// for a note about no one record (e.g. a group without a population).
    pub table: Option<&'static str>,
    /// The record's row in that table (0-based across batches), when there is one.
    pub row: Option<usize>,
    /// Its reason: an index into [`Diagnostics::entries`].
    pub entry: usize,
}

/// The diagnostics of one call, in the order reasons were first met.
///
/// By default a count and the first row per reason. Built with [`Diagnostics::with_listing`]
/// they also list every flagged record ([`Flag`]): the rules that flag rows in bulk report
/// the rows themselves ([`Diagnostics::flag_rows`]), so a count is always the number of its
/// listed records. The listing costs nothing when off (the one-machine functions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    /// One entry per reason, in the order first met.
    pub entries: Vec<Diagnostic>,
    /// Every flagged record, in the order flagged, when listing.
    #[serde(skip)]
    listing: Option<Vec<Flag>>,
}

impl Diagnostics {
    /// Empty diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty diagnostics that list every flagged record (see [`Diagnostics::flags`]).
    pub fn with_listing() -> Self {
        Diagnostics {
            entries: Vec::new(),
            listing: Some(Vec::new()),
        }
    }

    /// Whether every flagged record is listed.
    pub fn is_listing(&self) -> bool {
        self.listing.is_some()
    }

    /// The flagged records, in the order flagged (`None` when not listing).
    pub fn flags(&self) -> Option<&[Flag]> {
        self.listing.as_deref()
    }

    /// The entry of `reason`, created with `action` when first met.
    fn entry(&mut self, reason: &str, action: &str) -> usize {
        match self.entries.iter().position(|d| d.reason == reason) {
            Some(i) => i,
            None => {
                self.entries.push(Diagnostic {
                    reason: reason.to_owned(),
                    action: action.to_owned(),
                    count: 0,
                    first_row: None,
                });
                self.entries.len() - 1
            }
        }
    }

    /// Counts one record under `reason` and lists it (when listing).
    fn one(&mut self, table: Option<&'static str>, reason: &str, action: &str, row: Option<usize>) {
        let entry = self.entry(reason, action);
        let d = &mut self.entries[entry];
        d.count += 1;
        d.first_row = min_row(d.first_row, row);
        if let Some(list) = &mut self.listing {
            list.push(Flag { table, row, entry });
        }
    }

    /// Counts one record at `row` under `reason`, of no named table (listed without one):
    /// for the modules that do not list, and for notes about no one record (`row` `None`).
    pub fn record(&mut self, reason: &str, action: &str, row: Option<usize>) {
        self.one(None, reason, action, row);
    }

    /// Counts the record at `row` of the input table `table` under `reason`, and lists it
    /// (when listing).
    pub fn flag(&mut self, table: &'static str, reason: &str, action: &str, row: usize) {
        self.one(Some(table), reason, action, Some(row));
    }

    /// Counts the records at `rows` of the input table `table` under `reason` (none: no
    /// entry), keeps the first and, when listing, lists each: the bulk form of
    /// [`Diagnostics::flag`], whose count cannot differ from its listing.
    pub fn flag_rows(
        &mut self,
        table: &'static str,
        reason: &str,
        action: &str,
        rows: impl IntoIterator<Item = usize>,
    ) {
        let mut rows = rows.into_iter().peekable();
        if rows.peek().is_none() {
            return;
        }
        let entry = self.entry(reason, action);
        let (mut count, mut first) = (0u64, self.entries[entry].first_row);
        match &mut self.listing {
            Some(list) => {
                for row in rows {
                    count += 1;
                    first = min_row(first, Some(row));
                    list.push(Flag {
                        table: Some(table),
                        row: Some(row),
                        entry,
                    });
                }
            }
            None => {
                for row in rows {
                    count += 1;
                    first = min_row(first, Some(row));
                }
            }
        }
        let d = &mut self.entries[entry];
        d.count += count;
        d.first_row = first;
    }

    /// Counts `count` records under `reason` (first met at `row`) without listing them: for
    /// counts whose records are not known here (a state's diagnostic rows, a merge of
    /// counts) and the modules that do not list. A rule that knows its rows uses
    /// [`Diagnostics::flag_rows`].
    pub fn add(&mut self, reason: &str, action: &str, count: u64, row: Option<usize>) {
        if count == 0 {
            return;
        }
        let entry = self.entry(reason, action);
        let d = &mut self.entries[entry];
        d.count += count;
        d.first_row = min_row(d.first_row, row);
    }

    /// The count under `reason` (0 when none).
    pub fn count(&self, reason: &str) -> u64 {
        self.entries
            .iter()
            .find(|d| d.reason == reason)
            .map_or(0, |d| d.count)
    }

    /// Adds every entry of `other` (partial results merged), and when both list, its
    /// listing after this one's.
    pub fn merge(&mut self, other: &Diagnostics) {
        let entries: Vec<usize> = other
            .entries
            .iter()
            .map(|d| {
                let e = self.entry(&d.reason, &d.action);
                let mine = &mut self.entries[e];
                mine.count += d.count;
                mine.first_row = min_row(mine.first_row, d.first_row);
                e
            })
            .collect();
        if let (Some(list), Some(theirs)) = (&mut self.listing, &other.listing) {
            list.extend(theirs.iter().map(|f| Flag {
                entry: entries[f.entry],
                ..*f
            }));
        }
    }

    /// True when nothing was excluded or flagged.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The listing as a table, one row per flagged record in the order flagged: `table`
    /// (Utf8, null for a note about no one record), `row` (Int64, 0-based, null when none),
    /// `reason` and `action` (Utf8). Empty when not listing.
    // Invariant, not input: four columns of one length always make a batch of this schema.
    #[allow(clippy::expect_used)]
    pub fn listing_batch(&self) -> arrow_array::RecordBatch {
        use arrow_array::{Int64Array, StringArray};
        use arrow_schema::{DataType, Field, Schema};
        let flags = self.flags().unwrap_or_default();
        let reason = |f: &Flag| Some(self.entries[f.entry].reason.as_str());
        let action = |f: &Flag| Some(self.entries[f.entry].action.as_str());
        let schema = Schema::new(vec![
            Field::new("table", DataType::Utf8, true),
            Field::new("row", DataType::Int64, true),
            Field::new("reason", DataType::Utf8, false),
            Field::new("action", DataType::Utf8, false),
        ]);
        let columns: Vec<arrow_array::ArrayRef> = vec![
            std::sync::Arc::new(flags.iter().map(|f| f.table).collect::<StringArray>()),
            std::sync::Arc::new(
                flags
                    .iter()
                    .map(|f| f.row.map(|r| r as i64))
                    .collect::<Int64Array>(),
            ),
            std::sync::Arc::new(flags.iter().map(reason).collect::<StringArray>()),
            std::sync::Arc::new(flags.iter().map(action).collect::<StringArray>()),
        ];
        arrow_array::RecordBatch::try_new(std::sync::Arc::new(schema), columns)
            .expect("four columns of one length")
    }
}

/// The smaller of two optional rows (either when the other is missing).
fn min_row(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
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

    #[test]
    fn a_listing_has_every_flagged_row_and_merges_by_concatenation() {
        let mut d = Diagnostics::with_listing();
        d.flag_rows("placements", "missing", "kept", [4, 1, 6]);
        d.flag("admissions", "missing", "kept", 2);
        d.record("no_population", "left null", None);
        d.flag_rows("placements", "none", "kept", []);
        assert_eq!(d.count("missing"), 4);
        assert_eq!(d.entries[0].first_row, Some(1));
        assert_eq!(d.count("none"), 0);
        let mut e = Diagnostics::with_listing();
        e.flag("contacts", "other", "excluded", 9);
        e.flag("placements", "missing", "kept", 0);
        d.merge(&e);
        let listed: Vec<(Option<&str>, Option<usize>, &str)> = d
            .flags()
            .unwrap_or_default()
            .iter()
            .map(|f| (f.table, f.row, d.entries[f.entry].reason.as_str()))
            .collect();
        assert_eq!(
            listed,
            vec![
                (Some("placements"), Some(4), "missing"),
                (Some("placements"), Some(1), "missing"),
                (Some("placements"), Some(6), "missing"),
                (Some("admissions"), Some(2), "missing"),
                (None, None, "no_population"),
                (Some("contacts"), Some(9), "other"),
                (Some("placements"), Some(0), "missing"),
            ]
        );
        assert_eq!(d.count("missing"), 5);
        let batch = d.listing_batch();
        assert_eq!(batch.num_rows(), 7);
        assert_eq!(batch.schema().field(0).name(), "table");
        // Counting without a listing: the same counts, no listing.
        let mut plain = Diagnostics::new();
        plain.flag_rows("placements", "missing", "kept", [4, 1, 6]);
        assert_eq!(plain.count("missing"), 3);
        assert!(plain.flags().is_none());
        assert_eq!(plain.listing_batch().num_rows(), 0);
    }
}
