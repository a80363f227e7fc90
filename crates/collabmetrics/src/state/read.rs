//! Reading a state back: its checks against the layout the options give, then typed access
//! to its parts.

use super::layout::{Layout, ACTION, COUNT, DIAGNOSTIC, INPUT, PART, PARTITIONS, PRESENT, REASON};
use super::merge::{check_columns, KeyCol};
use super::{kind_of, merge_states, FINGERPRINT_KEY};
use crate::error::{Error, Result};
use crate::table::groups::FastMap;
use crate::table::Diagnostics;
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::Field;

/// Refuses a negative count in a state: the `Int64` columns summed or maximised are counts of
/// records, days or pence, which the builders never make negative, so a negative one was
/// altered (by hand, or by an engine's merge gone wrong) and would finish to wrong numbers.
fn check_counts(state: &RecordBatch) -> Result<()> {
    for (field, col) in state.schema().fields().iter().zip(state.columns()) {
        let merged = field
            .metadata()
            .get(super::MERGE_KEY)
            .is_some_and(|m| m != "key");
        if !merged || field.data_type() != &arrow_schema::DataType::Int64 {
            continue;
        }
        let values = col.as_primitive::<Int64Type>();
        if let Some(row) = (0..values.len()).find(|&r| values.is_valid(r) && values.value(r) < 0) {
            return Err(Error::InvalidCell {
                table: Some("state".into()),
                column: field.name().clone(),
                row,
                value: values.value(row).to_string(),
                rule: "a state's counts are >= 0 (this state was altered)".into(),
            });
        }
    }
    Ok(())
}

/// Refuses a row of a part the layout does not have (`part` renamed or misspelt by hand, or
/// rows of another kind of state appended): its rows would be left out of the result
/// without a word.
fn check_parts(state: &RecordBatch, layout: &Layout) -> Result<()> {
    let Some(i) = state.schema().index_of(PART).ok() else {
        return Ok(()); // check_columns has named the missing column
    };
    let parts = state.column(i).as_string::<i32>();
    let bad = (0..parts.len()).find(|&r| parts.is_null(r) || !layout.has_part(parts.value(r)));
    match bad {
        None => Ok(()),
        Some(row) => Err(Error::InvalidCell {
            table: Some("state".into()),
            column: PART.into(),
            row,
            value: if parts.is_null(row) {
                "null".into()
            } else {
                parts.value(row).into()
            },
            rule: format!(
                "a {} state's parts are {} (this state was altered)",
                layout.kind(),
                layout.part_names()
            ),
        }),
    }
}

/// A state checked against its layout and merged (one row per key, in the canonical order).
pub(crate) struct View {
    batch: RecordBatch,
    /// Breakdown columns stored under another name: (name in the state, name in a result).
    renamed_by: Vec<(String, String)>,
}

impl View {
    /// Checks `state` against `layout` (kind, options fingerprint, columns) and merges its rows.
    pub(crate) fn new(state: &RecordBatch, layout: &Layout) -> Result<Self> {
        let schema = state.schema();
        let kind = kind_of(&schema)?;
        if kind != layout.kind() {
            return Err(Error::invalid_argument(
                "state",
                format!(
                    "a {kind} state cannot be finished as a {} state",
                    layout.kind()
                ),
            ));
        }
        let found = schema
            .metadata()
            .get(FINGERPRINT_KEY)
            .cloned()
            .unwrap_or_default();
        let expected = layout.fingerprint();
        if found != expected {
            return Err(Error::invalid_argument(
                "options",
                format!(
                    "the state was built with other options (fingerprint {found}; these \
                     options give {expected}): finish it with the options it carries"
                ),
            ));
        }
        check_columns(&layout.schema(), &schema, "state")?;
        check_counts(state)?;
        check_parts(state, layout)?;
        Ok(View {
            batch: merge_states(std::slice::from_ref(state))?,
            renamed_by: layout.renamed_by(),
        })
    }

    /// The rows of a part, in order.
    pub(crate) fn rows(&self, part: &str) -> Vec<usize> {
        let parts = self.text_column(PART);
        (0..self.batch.num_rows())
            .filter(|&i| parts.value(i) == part)
            .collect()
    }

    fn text_column(&self, name: &str) -> &arrow_array::StringArray {
        // The layout check guarantees every column of the layout, with its type.
        self.column(name).as_string::<i32>()
    }

    /// A column of the layout.
    pub(crate) fn column(&self, name: &str) -> &ArrayRef {
        let i = self.batch.schema().index_of(name).unwrap_or(0);
        self.batch.column(i)
    }

    /// An `Int64` cell (0 when null: an absent count).
    pub(crate) fn int(&self, name: &str, row: usize) -> i64 {
        let c = self.column(name).as_primitive::<Int64Type>();
        if c.is_null(row) {
            0
        } else {
            c.value(row)
        }
    }

    /// A `Utf8` cell.
    pub(crate) fn text(&self, name: &str, row: usize) -> Option<&str> {
        let c = self.text_column(name);
        (!c.is_null(row)).then(|| c.value(row))
    }

    /// A `Float64` key cell.
    pub(crate) fn float(&self, name: &str, row: usize) -> Option<f64> {
        let c = self.column(name).as_primitive::<Float64Type>();
        (!c.is_null(row)).then(|| c.value(row))
    }

    /// An `Int32` or `Date32` key cell.
    pub(crate) fn int32(&self, name: &str, row: usize) -> Option<i32> {
        let c = self.column(name);
        if c.is_null(row) {
            return None;
        }
        Some(match c.data_type() {
            arrow_schema::DataType::Date32 => c.as_primitive::<Date32Type>().value(row),
            _ => c.as_primitive::<Int32Type>().value(row),
        })
    }

    /// The diagnostics of the state: one entry per reason, ordered by reason, without a first
    /// row (a state has no row numbers across partitions).
    pub(crate) fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::new();
        for row in self.rows(DIAGNOSTIC) {
            let count = self.int(COUNT, row).max(0) as u64;
            d.add(
                self.text(REASON, row).unwrap_or_default(),
                self.text(ACTION, row).unwrap_or_default(),
                count,
                None,
            );
        }
        d
    }

    /// Whether the optional input `name` was given to any partition.
    pub(crate) fn present(&self, name: &str) -> bool {
        self.rows(INPUT)
            .into_iter()
            .any(|row| self.text(REASON, row) == Some(name) && self.int(PRESENT, row) > 0)
    }

    /// Of the partitions merged into this state, how many were given the optional input
    /// `name`, and how many there were ([`Layout::partition`]); `None` for a state without
    /// the partition count (built before it was kept).
    pub(crate) fn given_to(&self, name: &str) -> Option<(i64, i64)> {
        let count = |n: &str| {
            self.rows(INPUT)
                .into_iter()
                .filter(|&row| self.text(REASON, row) == Some(n))
                .map(|row| self.int(COUNT, row))
                .reduce(|a, b| a.saturating_add(b))
        };
        Some((count(name).unwrap_or(0), count(PARTITIONS)?))
    }

    /// The key columns `names` at `rows`, as a result's key columns (plain fields, a
    /// breakdown stored under another name given its own: `by_reason` as `reason`).
    pub(crate) fn keys(&self, names: &[String], rows: &[usize]) -> Result<Vec<(Field, ArrayRef)>> {
        let idx = UInt32Array::from(rows.iter().map(|&r| r as u32).collect::<Vec<_>>());
        names
            .iter()
            .map(|name| {
                let col = self.column(name);
                let values = arrow_select::take::take(col.as_ref(), &idx, None)
                    .map_err(|e| Error::invalid_argument("state", e.to_string()))?;
                let result = self
                    .renamed_by
                    .iter()
                    .find(|(stored, _)| stored == name)
                    .map_or(name, |(_, result)| result);
                Ok((Field::new(result, col.data_type().clone(), true), values))
            })
            .collect()
    }

    /// Groups `rows` by the key columns `names`, in the order the groups first appear (the
    /// canonical order, as a state's rows are sorted by their keys): the first row of each
    /// group, and the group of each of `rows`.
    pub(crate) fn groups(
        &self,
        names: &[String],
        rows: &[usize],
    ) -> Result<(Vec<usize>, Vec<usize>)> {
        let cols = names
            .iter()
            .map(|n| KeyCol::new(self.column(n), n))
            .collect::<Result<Vec<_>>>()?;
        let mut index = KeyIndex {
            cols,
            map: FastMap::default(),
        };
        let (mut first, mut of) = (Vec::new(), Vec::with_capacity(rows.len()));
        for &row in rows {
            let key = index.key(row);
            let next = first.len();
            let g = *index.map.entry(key).or_insert(next);
            if g == next {
                first.push(row);
            }
            of.push(g);
        }
        Ok((first, of))
    }

    /// Matches rows to groups by the key columns `names`: group `g` is the one whose keys
    /// are those of row `group_rows[g]`.
    pub(crate) fn index(&self, names: &[String], group_rows: &[usize]) -> Result<KeyIndex<'_>> {
        let cols = names
            .iter()
            .map(|n| KeyCol::new(self.column(n), n))
            .collect::<Result<Vec<_>>>()?;
        let mut index = KeyIndex {
            cols,
            map: FastMap::default(),
        };
        for (g, &row) in group_rows.iter().enumerate() {
            let key = index.key(row);
            index.map.entry(key).or_insert(g);
        }
        Ok(index)
    }
}

/// Rows of a state matched to groups by the values of some key columns.
pub(crate) struct KeyIndex<'a> {
    cols: Vec<KeyCol<'a>>,
    map: FastMap<Box<[u8]>, usize>,
}

impl KeyIndex<'_> {
    fn key(&self, row: usize) -> Box<[u8]> {
        let mut buf = Vec::new();
        for c in &self.cols {
            c.encode(row, &mut buf);
        }
        buf.into_boxed_slice()
    }

    /// The group of row `row` (`None`: keys no group has).
    pub(crate) fn get(&self, row: usize) -> Option<usize> {
        self.map.get(&self.key(row)).copied()
    }
}
