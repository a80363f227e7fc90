//! What each column of a result is, for publication: which columns are counts of people or
//! events, which values derive from which counts, which keys lay the table out and which rows
//! are national. Every table entry point writes these roles into its result's schema metadata
//! ([`ROLES_KEY`], JSON), so [`crate::disclosure::disclose`] needs no column lists for
//! collabmetrics' own results.

use crate::error::{Error, Result};
use arrow_array::RecordBatch;
use arrow_schema::Schema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The schema metadata key under which [`Roles::annotate`] stores the roles (JSON).
pub const ROLES_KEY: &str = "collabmetrics:roles";

crate::option_enum! {
    /// What a derived value is, which says how it is recomputed and rounded for publication.
    pub enum DerivedKind: "kind", "derived kind" {
        /// 100 × numerator / denominator; rounded to the rule's decimals when published.
        Percent = "percent",
        /// numerator / denominator as a share in [0, 1]; rounded to the rule's decimals + 2.
        Proportion = "proportion",
        /// numerator / denominator × multiplier (default 1): a rate per population or
        /// person-time.
        Rate = "rate",
        /// numerator / denominator (e.g. observed / expected).
        Ratio = "ratio",
        /// A statistic of the people or events counted by the denominator (a mean, median,
        /// centile, maximum or total): never recomputed, suppressed with its count.
        Mean = "mean",
    }
}

impl DerivedKind {
    /// The scale of numerator / denominator when no multiplier is given.
    pub fn default_multiplier(self) -> f64 {
        match self {
            DerivedKind::Percent => 100.0,
            _ => 1.0,
        }
    }
}

/// A value derived from counts (a percentage, rate, ratio or mean) and how to publish it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    /// The derived column (computed from the counts when the table does not have it).
    pub column: String,
    /// The count it is a share or rate of (none for a statistic such as a median).
    #[serde(default)]
    pub numerator: Option<String>,
    /// The count (or population, person-time, expected count) it is relative to.
    pub denominator: String,
    /// What it is.
    pub kind: DerivedKind,
    /// Scale of numerator / denominator (default: 100 for a percent, 1 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<f64>,
    /// Decimals of the published value (default: the rule's, for percents and proportions;
    /// none, i.e. unrounded, for rates, ratios and means).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    /// Suppressed (sub-national rows) when the unrounded denominator is below this (e.g. 100
    /// bed days for MHSDS restraint rates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_denominator: Option<f64>,
}

impl Derived {
    /// A derived value with the defaults of its kind.
    pub fn new(
        column: &str,
        numerator: Option<&str>,
        denominator: &str,
        kind: DerivedKind,
    ) -> Self {
        Derived {
            column: column.to_owned(),
            numerator: numerator.map(str::to_owned),
            denominator: denominator.to_owned(),
            kind,
            multiplier: None,
            decimals: None,
            min_denominator: None,
        }
    }

    /// The same with a multiplier.
    pub fn times(mut self, multiplier: f64) -> Self {
        self.multiplier = Some(multiplier);
        self
    }
}

/// Counts bound by sums the roles do not lay out as a table (e.g. the length-of-stay bands of
/// OAP04 summing to `ended`, or each breakdown of a summary summing to its `all` row). Under a
/// rule that does not round, [`crate::disclosure::disclose`] refuses to protect such a table
/// rather than protect it halfway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The count columns involved. The link binds the counts a disclosure controls when every
    /// column is in the table: a count left out of the controlled ones is published as it is.
    pub columns: Vec<String>,
    /// The relation, in words.
    pub note: String,
}

/// A label or flag about the people or events a count counts (a funnel's significance, its
/// outlier flags), of any type: published as it is where the count is published, and left
/// null where the count is suppressed, since it would narrow the suppressed count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The label's column.
    pub column: String,
    /// The count it describes.
    pub count: String,
}

/// The publication roles of a result's columns (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roles {
    /// Count columns (whole numbers of people or events).
    #[serde(default)]
    pub counts: Vec<String>,
    /// Values derived from counts.
    #[serde(default)]
    pub derived: Vec<Derived>,
    /// The key columns: together they identify a row.
    #[serde(default)]
    pub keys: Vec<String>,
    /// The keys that lay out a one- or two-way table whose margins are publishable (rows where
    /// the key is null); the other keys split the result into separate tables (e.g. periods).
    #[serde(default)]
    pub dimensions: Vec<String>,
    /// A boolean column marking national (England) rows, if any.
    #[serde(default)]
    pub national: Option<String>,
    /// Sums among the counts that the keys do not describe.
    #[serde(default)]
    pub linked: Vec<Link>,
    /// Labels and flags withheld with their counts.
    #[serde(default)]
    pub labels: Vec<Label>,
}

impl Roles {
    /// Roles with these count columns and keys (no derived values, no dimensions).
    pub fn counts(counts: &[&str], keys: &[String]) -> Self {
        Roles {
            counts: counts.iter().map(|c| (*c).to_owned()).collect(),
            keys: keys.to_vec(),
            ..Roles::default()
        }
    }

    /// The keys as the table's dimensions when there are one or two of them (a two-way table
    /// and its margins); with none or three or more, no dimensions.
    pub fn with_dimensions_of(mut self, by: &[String]) -> Self {
        if (1..=2).contains(&by.len()) {
            self.dimensions = by.to_vec();
        }
        self
    }

    /// Adds a derived value.
    pub fn derive(mut self, derived: Derived) -> Self {
        self.derived.push(derived);
        self
    }

    /// Adds a label of `count` (see [`Label`]).
    pub fn label(mut self, column: &str, count: &str) -> Self {
        self.labels.push(Label {
            column: column.to_owned(),
            count: count.to_owned(),
        });
        self
    }

    /// Adds a link among counts.
    pub fn link(mut self, columns: &[&str], note: &str) -> Self {
        self.linked.push(Link {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            note: note.to_owned(),
        });
        self
    }

    /// `batch` with these roles in its schema metadata ([`ROLES_KEY`]); other metadata is
    /// kept. Roles naming a column the batch does not have are dropped from the roles, so a
    /// result annotated for every option stays consistent with the columns it has.
    pub fn annotate(mut self, batch: RecordBatch) -> RecordBatch {
        let schema = batch.schema();
        let has = |c: &String| schema.column_with_name(c).is_some();
        self.counts.retain(has);
        self.derived.retain(|d| has(&d.column));
        self.keys.retain(has);
        self.dimensions.retain(has);
        self.linked.retain(|l| l.columns.iter().all(has));
        self.labels.retain(|l| has(&l.column) && has(&l.count));
        // Serialising plain strings, numbers and enums cannot fail.
        let json = serde_json::to_string(&self).unwrap_or_default();
        let mut metadata = schema.metadata().clone();
        metadata.insert(ROLES_KEY.to_owned(), json);
        let schema = Arc::new(schema.as_ref().clone().with_metadata(metadata));
        // Same fields and columns: only the metadata changed.
        match batch.clone().with_schema(schema) {
            Ok(b) => b,
            Err(_) => batch,
        }
    }

    /// The roles a schema carries (`None` when it has none); unreadable roles are an error.
    pub fn of(schema: &Schema) -> Result<Option<Roles>> {
        match schema.metadata().get(ROLES_KEY) {
            None => Ok(None),
            Some(json) => serde_json::from_str(json).map(Some).map_err(|e| {
                Error::invalid_argument(
                    "table",
                    format!("the schema metadata `{ROLES_KEY}` is not readable roles: {e}"),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array};
    use arrow_schema::{DataType, Field};

    #[test]
    fn roles_round_trip_through_the_schema_and_drop_absent_columns() {
        let schema = Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("d", DataType::Int64, false),
        ]);
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![1])),
            Arc::new(Int64Array::from(vec![2])),
        ];
        let batch = RecordBatch::try_new(Arc::new(schema), cols).unwrap();
        let roles = Roles::counts(&["n", "d", "absent"], &[]).derive(Derived::new(
            "pct",
            Some("n"),
            "d",
            DerivedKind::Percent,
        ));
        let out = roles.annotate(batch);
        let read = Roles::of(&out.schema()).unwrap().unwrap();
        assert_eq!(read.counts, vec!["n", "d"]);
        assert!(read.derived.is_empty(), "pct is not a column of the batch");
    }

    #[test]
    fn kinds_have_one_name_table() {
        for &k in DerivedKind::ALL {
            assert_eq!(k.as_str().parse::<DerivedKind>().unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert!("pct".parse::<DerivedKind>().is_err());
    }
}
