//! A state's columns (its layout) and the builders of its parts.

use super::{
    fingerprint, merge_states, options_json, Merge, StateKind, FINGERPRINT_KEY, KIND_KEY,
    MERGE_KEY, OPTIONS_KEY, STATE_VERSION, VERSION_KEY,
};
use crate::error::{Error, Result};
use crate::table::Diagnostics;
use arrow_array::{new_null_array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The `part` key column: which kind of row.
pub(crate) const PART: &str = "part";
/// Diagnostic rows' reason (and input rows' input name).
pub(crate) const REASON: &str = "reason";
/// Diagnostic rows' action.
pub(crate) const ACTION: &str = "action";
/// Diagnostic rows' count of records.
pub(crate) const COUNT: &str = "count";
/// Input rows' presence flag (1: the input was given to some partition).
pub(crate) const PRESENT: &str = "present";

/// The part of the diagnostic rows.
pub(crate) const DIAGNOSTIC: &str = "diagnostic";
/// The part of the rows saying which optional inputs were given.
pub(crate) const INPUT: &str = "input";

/// The columns of one kind of state under one set of options: `part`, the module's keys,
/// `reason` and `action`, the module's sums, `count` and `present`.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    kind: StateKind,
    parts: &'static [&'static str],
    options: String,
    fields: Vec<Field>,
    index: HashMap<String, usize>,
    /// Each breakdown column's name in a result (in the state it is `fields[1 + i]`'s).
    by: Vec<String>,
    /// The names of the state's own columns (every column but the breakdowns).
    own: Vec<String>,
}

/// The prefix of a breakdown column stored under another name: a breakdown named as one of
/// the state's own columns (`reason`, `month`, `count`, ...) is stored as `by_reason`, ...
pub(crate) const BY_PREFIX: &str = "by_";

/// Whether a breakdown named `name` is stored with one more [`BY_PREFIX`]: `name` is one of
/// the state's `own` column names after any number of the prefix. The rule is one to one
/// (`reason` is stored as `by_reason`, a breakdown `by_reason` as `by_by_reason`), so a
/// stored name reads back as exactly one breakdown name.
fn escaped(name: &str, own: &[String]) -> bool {
    let mut bare = name;
    while let Some(rest) = bare.strip_prefix(BY_PREFIX) {
        bare = rest;
    }
    own.iter().any(|o| o == bare)
}

/// A breakdown column's name in a state.
fn stored_name(name: &str, own: &[String]) -> String {
    if escaped(name, own) {
        format!("{BY_PREFIX}{name}")
    } else {
        name.to_owned()
    }
}

/// A breakdown column's name in a result, from its name in a state.
fn result_name(stored: &str, own: &[String]) -> String {
    match stored.strip_prefix(BY_PREFIX) {
        Some(name) if escaped(name, own) => name.to_owned(),
        _ => stored.to_owned(),
    }
}

fn field(name: &str, data_type: DataType, merge: Merge, nullable: bool) -> Field {
    Field::new(name, data_type, nullable).with_metadata(HashMap::from([(
        MERGE_KEY.to_owned(),
        merge.as_str().to_owned(),
    )]))
}

impl Layout {
    /// The layout of `kind` under `options`: rows of the module's `parts` (besides the
    /// diagnostic and input rows every state has), the caller's breakdown columns `by`
    /// (named as in a result; stored as [`stored_name`] says), the module's own key columns
    /// `keys` (all keys nullable), sum columns `sums` (`Int64`).
    pub(crate) fn new<T: Serialize>(
        kind: StateKind,
        parts: &'static [&'static str],
        options: &T,
        by: &[Field],
        keys: Vec<Field>,
        sums: &[&str],
    ) -> Result<Self> {
        Self::with_float_sums(kind, parts, options, by, keys, sums, &[])
    }

    /// [`Layout::new`] with `Float64` sums too (after the `Int64` ones): for approximate
    /// states only, whose merges add floating-point numbers in an order that changes their
    /// last digits.
    pub(crate) fn with_float_sums<T: Serialize>(
        kind: StateKind,
        parts: &'static [&'static str],
        options: &T,
        by: &[Field],
        keys: Vec<Field>,
        sums: &[&str],
        float_sums: &[&str],
    ) -> Result<Self> {
        let own: Vec<String> = [PART, REASON, ACTION, COUNT, PRESENT]
            .into_iter()
            .chain(keys.iter().map(|k| k.name().as_str()))
            .chain(sums.iter().chain(float_sums).copied())
            .map(str::to_owned)
            .collect();
        let mut fields = vec![field(PART, DataType::Utf8, Merge::Key, false)];
        for f in by {
            let stored = stored_name(f.name(), &own);
            fields.push(field(&stored, f.data_type().clone(), Merge::Key, true));
        }
        for k in keys {
            fields.push(field(k.name(), k.data_type().clone(), Merge::Key, true));
        }
        fields.push(field(REASON, DataType::Utf8, Merge::Key, true));
        fields.push(field(ACTION, DataType::Utf8, Merge::Key, true));
        for s in sums {
            fields.push(field(s, DataType::Int64, Merge::Sum, true));
        }
        for s in float_sums {
            fields.push(field(s, DataType::Float64, Merge::Sum, true));
        }
        fields.push(field(COUNT, DataType::Int64, Merge::Sum, true));
        fields.push(field(PRESENT, DataType::Int64, Merge::Max, true));
        let mut index = HashMap::new();
        for (i, f) in fields.iter().enumerate() {
            if index.insert(f.name().clone(), i).is_some() {
                return Err(Error::invalid_argument(
                    "by",
                    format!(
                        "a breakdown column is called `{}` twice (the {} state)",
                        f.name(),
                        kind
                    ),
                ));
            }
        }
        Ok(Layout {
            kind,
            parts,
            options: options_json(options),
            fields,
            index,
            by: by.iter().map(|f| f.name().clone()).collect(),
            own,
        })
    }

    /// The breakdown columns' names in the state, in order.
    pub(crate) fn stored_by(&self) -> Vec<String> {
        self.fields[1..=self.by.len()]
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The name in a result of the breakdown column `stored` of a state of this kind.
    pub(crate) fn result_name(&self, stored: &str) -> String {
        result_name(stored, &self.own)
    }

    /// The breakdown columns whose names in the state differ from their names in a result:
    /// (state, result).
    pub(crate) fn renamed_by(&self) -> Vec<(String, String)> {
        self.stored_by()
            .into_iter()
            .zip(&self.by)
            .filter(|(stored, result)| stored != *result)
            .map(|(stored, result)| (stored, result.clone()))
            .collect()
    }

    /// The state's schema, with its kind, options and fingerprint in the metadata.
    pub(crate) fn schema(&self) -> SchemaRef {
        let metadata = HashMap::from([
            (KIND_KEY.to_owned(), self.kind.as_str().to_owned()),
            (VERSION_KEY.to_owned(), STATE_VERSION.to_owned()),
            (OPTIONS_KEY.to_owned(), self.options.clone()),
            (FINGERPRINT_KEY.to_owned(), self.fingerprint()),
        ]);
        Arc::new(Schema::new_with_metadata(self.fields.clone(), metadata))
    }

    /// The options' fingerprint.
    pub(crate) fn fingerprint(&self) -> String {
        fingerprint(self.kind, &self.options)
    }

    /// The state's kind.
    pub(crate) fn kind(&self) -> StateKind {
        self.kind
    }

    /// Whether `part` names rows this layout has: one of the module's parts, the diagnostic
    /// rows or the input rows.
    pub(crate) fn has_part(&self, part: &str) -> bool {
        part == DIAGNOSTIC || part == INPUT || self.parts.contains(&part)
    }

    /// Every part's name, for an error listing them.
    pub(crate) fn part_names(&self) -> String {
        let mut names: Vec<&str> = self.parts.to_vec();
        names.extend([DIAGNOSTIC, INPUT]);
        names.join(", ")
    }

    /// The state of `parts` (rows of equal keys merged, in the canonical order).
    pub(crate) fn assemble(&self, parts: Vec<RecordBatch>) -> Result<RecordBatch> {
        let schema = self.schema();
        let batch = arrow_select::concat::concat_batches(&schema, &parts)
            .map_err(|e| Error::invalid_argument("state", e.to_string()))?;
        merge_states(&[batch])
    }

    /// Rows of a part.
    pub(crate) fn part(&self, name: &str, n: usize) -> Part<'_> {
        debug_assert!(self.has_part(name), "part {name} is not in the layout");
        let mut columns = vec![None; self.fields.len()];
        columns[0] = Some(Arc::new(StringArray::from(vec![name; n])) as ArrayRef);
        Part {
            layout: self,
            n,
            columns,
        }
    }

    /// Rows of a part taking the keys of groups: row i has the keys of element `groups[i]`
    /// of `keys` (the caller's breakdown columns, in the layout's order).
    pub(crate) fn keyed(
        &self,
        name: &str,
        keys: &[(Field, ArrayRef)],
        groups: &[u32],
    ) -> Result<Part<'_>> {
        let idx = arrow_array::UInt32Array::from(groups.to_vec());
        let mut p = self.part(name, groups.len());
        for (i, (f, values)) in keys.iter().enumerate() {
            self.check_by(i, f.name())?;
            let v = arrow_select::take::take(values.as_ref(), &idx, None)
                .map_err(|e| Error::invalid_argument("by", e.to_string()))?;
            p.columns[1 + i] = Some(v);
        }
        Ok(p)
    }

    /// Checks that the `i`th breakdown column `name` is the layout's (the modules build a
    /// state's layout from the keys they then set).
    fn check_by(&self, i: usize, name: &str) -> Result<()> {
        match self.by.get(i) {
            Some(result) if result == name => Ok(()),
            _ => Err(Error::Internal {
                message: format!(
                    "breakdown column {i} (`{name}`) is not the {} state layout's",
                    self.kind
                ),
            }),
        }
    }

    /// The diagnostic rows: one per reason, with its count.
    pub(crate) fn diagnostics(&self, d: &Diagnostics) -> Result<RecordBatch> {
        let n = d.entries.len();
        self.part(DIAGNOSTIC, n)
            .text(REASON, d.entries.iter().map(|e| Some(e.reason.clone())))
            .text(ACTION, d.entries.iter().map(|e| Some(e.action.clone())))
            .ints(COUNT, d.entries.iter().map(|e| Some(e.count as i64)))
            .finish()
    }

    /// The row saying that the optional input `name` was given.
    pub(crate) fn present(&self, name: &str) -> Result<RecordBatch> {
        self.part(INPUT, 1)
            .text(REASON, [Some(name.to_owned())])
            .ints(PRESENT, [Some(1)])
            .finish()
    }

    /// The rows counting this state as one partition (`PARTITIONS`) and, for each of
    /// `given`, one partition given that optional input: merged, their counts say whether
    /// every partition had it ([`super::read::View::given_to`]).
    pub(crate) fn partition(&self, given: &[&str]) -> Result<RecordBatch> {
        let names = std::iter::once(PARTITIONS).chain(given.iter().copied());
        self.part(INPUT, 1 + given.len())
            .text(REASON, names.map(|n| Some(n.to_owned())))
            .ints(COUNT, (0..=given.len()).map(|_| Some(1)))
            .finish()
    }
}

/// The input row counting partitions ([`Layout::partition`]).
pub(crate) const PARTITIONS: &str = "partitions";

/// The largest whole number a state holds exactly as a float too (2⁵³).
pub(crate) const MAX_WHOLE: f64 = 9_007_199_254_740_992.0;

/// Checks that every value of our column `ours` is a whole number in [0, 2⁵³] (what a state
/// sums exactly as `Int64`): an error naming the column and row otherwise.
pub(crate) fn check_whole(
    input: &crate::table::Input,
    ours: &str,
    values: &[f64],
    what: &str,
) -> Result<()> {
    match values
        .iter()
        .position(|&x| x.fract() != 0.0 || !(0.0..=MAX_WHOLE).contains(&x))
    {
        None => Ok(()),
        Some(row) => Err(Error::cell(
            input.name(ours),
            row,
            crate::error::format_value(values[row]),
            format!(
                "a state's {what} must be whole numbers from 0 to 2^53: only they add exactly \
                 when states merge"
            ),
        )),
    }
}

/// `total` plus `records` (a state's record count; below 0 read as 0), or the error
/// `merge_states` gives for a sum beyond a signed 64-bit integer: states come from other
/// engines, so their counts are input.
pub(crate) fn add_records(total: u64, records: i64) -> Result<u64> {
    total
        .checked_add(records.max(0) as u64)
        .filter(|&n| i64::try_from(n).is_ok())
        .ok_or_else(|| Error::limit("records", "the merged sum exceeds a signed 64-bit integer"))
}

/// Plain fields of key columns.
pub(crate) fn fields(keys: &[(Field, ArrayRef)]) -> Vec<Field> {
    keys.iter().map(|(f, _)| f.clone()).collect()
}

/// Rows of one part being built: the columns set, every other one null.
pub(crate) struct Part<'a> {
    layout: &'a Layout,
    n: usize,
    columns: Vec<Option<ArrayRef>>,
}

impl Part<'_> {
    /// Sets column `name` (an internal error for a column the layout lacks or a wrong type:
    /// the modules build their parts from their own layouts).
    pub(crate) fn set(mut self, name: &str, values: ArrayRef) -> Self {
        if let Some(&i) = self.layout.index.get(name) {
            self.columns[i] = Some(values);
        }
        self
    }

    /// Sets an `Int64` column.
    pub(crate) fn ints(self, name: &str, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        let a: Int64Array = values.into_iter().collect();
        self.set(name, Arc::new(a))
    }

    /// Sets a `Utf8` column.
    pub(crate) fn text(self, name: &str, values: impl IntoIterator<Item = Option<String>>) -> Self {
        let a: StringArray = values.into_iter().collect();
        self.set(name, Arc::new(a))
    }

    /// The part as a batch of the layout's schema.
    pub(crate) fn finish(self) -> Result<RecordBatch> {
        let n = self.n;
        let columns: Vec<ArrayRef> = self
            .columns
            .into_iter()
            .zip(&self.layout.fields)
            .map(|(c, f)| c.unwrap_or_else(|| new_null_array(f.data_type(), n)))
            .collect();
        RecordBatch::try_new(self.layout.schema(), columns).map_err(|e| Error::Internal {
            message: format!(
                "a {} state part does not fit its layout: {e}",
                self.layout.kind
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every breakdown name has one name in a state, no two the same and none one of the
    /// state's own, and reads back as itself.
    #[test]
    fn breakdown_names_round_trip() {
        let own: Vec<String> = ["part", "reason", "month", "count"]
            .map(String::from)
            .to_vec();
        let names = [
            "reason",
            "by_reason",
            "by_by_reason",
            "month",
            "by_month",
            "place",
            "by_place",
            "by_",
            "by_by_",
            "",
            "Reason",
            "by_count_x",
            "part",
        ];
        let stored: Vec<String> = names.iter().map(|n| stored_name(n, &own)).collect();
        for (name, s) in names.iter().zip(&stored) {
            assert_eq!(result_name(s, &own), *name, "{name} stored as {s}");
            assert!(!own.contains(s), "{name} stored as {s}, a state column");
        }
        let mut distinct = stored.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), stored.len(), "{stored:?}");
        assert_eq!(
            stored[..3],
            ["by_reason", "by_by_reason", "by_by_by_reason"]
        );
        assert_eq!(stored[5..7], ["place", "by_place"]);
    }
}
