//! Merging states: group by the key columns, add the sums, keep the largest of the maxima,
//! and order the rows canonically (by their keys, nulls first), so that the merge of any
//! split of an input, in any order, is the same table.

use super::{kind_of, Merge, FINGERPRINT_KEY, MERGE_KEY};
use crate::error::{Error, Result};
use crate::table::groups::FastMap;
use arrow_array::{
    cast::AsArray, new_null_array, types::*, Array, ArrayRef, Int64Array, RecordBatch,
};
use arrow_schema::{DataType, Schema};
use std::cmp::Ordering;
use std::sync::Arc;

/// Merges states of one kind built with the same options: rows with equal keys become one,
/// `sum` columns added (nulls ignored; all null stays null) and `max` columns their largest
/// value. The result is ordered by the key columns (nulls first, numbers by value, text by
/// bytes), whatever the order of the states and of their rows; it keeps the first state's
/// schema and metadata, but for key columns the states store differently (cast to one type
/// first: see `unify_keys`).
///
/// Errors: no state; a table that is not a state; states of another kind or other options
/// (fingerprints differ); a state whose columns differ from the first's (missing, extra,
/// another type or merge operation), named with the state's position (`state 2`); a sum
/// beyond `i64`.
pub fn merge_states(states: &[RecordBatch]) -> Result<RecordBatch> {
    let first = states
        .first()
        .ok_or_else(|| Error::invalid_argument("states", "give at least one state to merge"))?;
    // Unifying the keys changes types only, never the columns' order or metadata: the first
    // state's merge operations stand.
    let merges = merges_of(&first.schema(), 0)?;
    let states = unify_keys(states)?;
    let schema = states[0].schema();
    for (i, s) in states.iter().enumerate().skip(1) {
        same_state(&schema, &s.schema(), i)?;
    }
    let batch = arrow_select::concat::concat_batches(&schema, &states)
        .map_err(|e| Error::invalid_argument("states", e.to_string()))?;
    merge_batch(&batch, &merges)
}

/// The states with each key column cast to one type where they differ only in how the same
/// keys are stored, so that states built from different frame libraries merge: text of any
/// Arrow string type (pyarrow's `string`, pandas' and polars' `large_string`, views), a
/// dictionary and its values (a categorical), integers of any width, `float32` and
/// `float64`, `date32` and `date64`, and Arrow's null type (a partition whose breakdown is all
/// `None`) beside any of them. Columns of one type everywhere, and keys of kinds that do not
/// mix (text against numbers), are left for [`same_state`] to check.
fn unify_keys(states: &[RecordBatch]) -> Result<Vec<RecordBatch>> {
    let first = states[0].schema();
    let mut out = states.to_vec();
    for field in first.fields() {
        let merge = field.metadata().get(MERGE_KEY).map(|m| m.parse::<Merge>());
        if !matches!(merge, Some(Ok(Merge::Key))) {
            continue;
        }
        let name = field.name();
        let found: Vec<Option<usize>> =
            out.iter().map(|s| s.schema().index_of(name).ok()).collect();
        let types: Vec<DataType> = out
            .iter()
            .zip(&found)
            .filter_map(|(s, i)| i.map(|i| s.schema().field(i).data_type().clone()))
            .collect();
        if types.iter().all(|t| t == &types[0]) {
            continue;
        }
        // A column of nulls only holds no key of its type (a partition whose breakdown was
        // never recorded: pandas makes an all-NaN categorical a dictionary of doubles), so
        // it takes the others' type, as Arrow's null type does.
        let empty = |s: &RecordBatch, i: usize| {
            let c = s.column(i);
            c.logical_null_count() == c.len()
        };
        let known: Vec<DataType> = out
            .iter()
            .zip(&found)
            .filter_map(|(s, i)| i.map(|i| (s, i)))
            .map(|(s, i)| match empty(s, i) {
                true => DataType::Null,
                false => s.schema().field(i).data_type().clone(),
            })
            .collect();
        let Some(common) = common_key_type(&known) else {
            continue;
        };
        // Nulls in every state: the first state's type.
        let common = if common == DataType::Null {
            types[0].clone()
        } else {
            common
        };
        for (state, i) in out.iter_mut().zip(found) {
            let Some(i) = i else { continue };
            if state.schema().field(i).data_type() != &common {
                let nulls = empty(state, i).then(|| new_null_array(&common, state.num_rows()));
                *state = with_column_cast(state, i, &common, nulls)?;
            }
        }
    }
    Ok(out)
}

/// The one type keys stored as `types` are cast to, if they mix (see [`unify_keys`]). The
/// choice is closed under merging again (a state merged from some parts merges with the rest
/// as the parts would have, in any grouping): integers of mixed widths or signs become
/// `int64` (a `uint64` key beyond its range is an error when cast, in every grouping that
/// mixes it with another type), and dictionaries stay dictionaries (`int32` keys) when every
/// part has one.
fn common_key_type(types: &[DataType]) -> Option<DataType> {
    use DataType::*;
    let known: Vec<&DataType> = types.iter().filter(|t| **t != Null).collect();
    let Some(&first) = known.first() else {
        return Some(Null);
    };
    if known.iter().all(|t| *t == first) {
        return Some(first.clone());
    }
    let values: Vec<DataType> = known
        .iter()
        .map(|t| crate::table::value_type(t).clone())
        .collect();
    let plain = common_value_type(&values)?;
    if known.iter().all(|t| matches!(t, Dictionary(_, _))) {
        Some(Dictionary(Box::new(Int32), Box::new(plain)))
    } else {
        Some(plain)
    }
}

/// The one plain type of key values stored as `values` (no dictionaries, no nulls).
fn common_value_type(values: &[DataType]) -> Option<DataType> {
    use DataType::*;
    let all = |f: fn(&DataType) -> bool| values.iter().all(f);
    if values.iter().all(|t| *t == values[0]) {
        Some(values[0].clone())
    } else if all(|t| matches!(t, Utf8 | LargeUtf8 | Utf8View)) {
        Some(LargeUtf8)
    } else if all(DataType::is_integer) {
        Some(Int64)
    } else if all(|t| matches!(t, Float32 | Float64)) {
        Some(Float64)
    } else if all(|t| matches!(t, Date32 | Date64)) {
        Some(Date32)
    } else {
        None
    }
}

/// `state` with column `i` cast to `to` (its field's name and metadata kept), or replaced by
/// `nulls` (of type `to`) when given.
fn with_column_cast(
    state: &RecordBatch,
    i: usize,
    to: &DataType,
    nulls: Option<ArrayRef>,
) -> Result<RecordBatch> {
    let schema = state.schema();
    let column = match nulls {
        Some(nulls) => nulls,
        // Not arrow's "safe" cast, which makes a value that does not fit (a uint64 beyond
        // int64) a null: a key must not change.
        None => {
            let strict = arrow_cast::CastOptions {
                safe: false,
                ..Default::default()
            };
            arrow_cast::cast_with_options(state.column(i), to, &strict).map_err(|e| {
                Error::invalid_argument(
                    "states",
                    format!(
                        "key column `{}` cannot be read as {to} to merge it with the other \
                         states' ({e})",
                        schema.field(i).name()
                    ),
                )
            })?
        }
    };
    let mut columns = state.columns().to_vec();
    columns[i] = column;
    let mut fields: Vec<arrow_schema::FieldRef> = schema.fields().iter().cloned().collect();
    fields[i] = Arc::new(
        schema
            .field(i)
            .clone()
            .with_data_type(to.clone())
            .with_nullable(true),
    );
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), columns)
        .map_err(|e| Error::invalid_argument("states", e.to_string()))
}

/// The merge operation of every column of a state, checked: sums and maxima are `Int64`.
pub(crate) fn merges_of(schema: &Schema, position: usize) -> Result<Vec<Merge>> {
    kind_of(schema)?;
    let table = format!("state {position}");
    schema
        .fields()
        .iter()
        .map(|f| {
            let merge: Merge = f
                .metadata()
                .get(MERGE_KEY)
                .ok_or_else(|| {
                    Error::invalid_argument(
                        "state",
                        format!("column `{}` has no `{MERGE_KEY}` in its metadata", f.name()),
                    )
                })?
                .parse()?;
            let numeric = matches!(f.data_type(), DataType::Int64 | DataType::Float64);
            if merge != Merge::Key && !numeric {
                return Err(Error::column_type(
                    f.name(),
                    "Int64 (a summed or maximum count) or Float64",
                    crate::table::type_name(f.data_type()),
                )
                .in_table(&table));
            }
            Ok(merge)
        })
        .collect()
}

/// Checks that state `position`'s schema is the first's: same kind and options, same columns.
fn same_state(first: &Schema, other: &Schema, position: usize) -> Result<()> {
    let table = format!("state {position}");
    let (kind, other_kind) = (kind_of(first)?, kind_of(other)?);
    if kind != other_kind {
        return Err(Error::invalid_argument(
            "states",
            format!("{table} is a {other_kind} state; state 0 is a {kind} state"),
        ));
    }
    let fp = |s: &Schema| {
        s.metadata()
            .get(FINGERPRINT_KEY)
            .cloned()
            .unwrap_or_default()
    };
    if fp(first) != fp(other) {
        return Err(Error::invalid_argument(
            "states",
            format!(
                "{table} was built with other options than state 0 (options fingerprint {} \
                 against {}): states merge only under the same options",
                fp(other),
                fp(first)
            ),
        ));
    }
    check_columns(first, other, &table)
}

/// The columns of `found` are those of `expected`, in order (names, types, merge operations).
pub(crate) fn check_columns(expected: &Schema, found: &Schema, table: &str) -> Result<()> {
    let names = |s: &Schema| {
        s.fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for f in expected.fields() {
        let Ok(g) = found.field_with_name(f.name()) else {
            return Err(Error::MissingColumn {
                table: Some(table.to_owned()),
                column: f.name().clone(),
                mapped: String::new(),
                available: names(found),
            });
        };
        if g.data_type() != f.data_type() {
            return Err(Error::column_type(
                f.name(),
                crate::table::type_name(f.data_type()),
                crate::table::type_name(g.data_type()),
            )
            .in_table(table));
        }
        if g.metadata().get(MERGE_KEY) != f.metadata().get(MERGE_KEY) {
            return Err(Error::invalid_argument(
                "states",
                format!(
                    "column `{}` of {table} merges by {:?}, not {:?}",
                    f.name(),
                    g.metadata().get(MERGE_KEY),
                    f.metadata().get(MERGE_KEY)
                ),
            ));
        }
    }
    if let Some(extra) = found
        .fields()
        .iter()
        .find(|g| expected.field_with_name(g.name()).is_err())
    {
        return Err(Error::invalid_argument(
            "states",
            format!(
                "{table} has a column `{}` the state does not have (expected: {})",
                extra.name(),
                names(expected)
            ),
        ));
    }
    if names(expected) != names(found) {
        return Err(Error::invalid_argument(
            "states",
            format!(
                "{table} has its columns in another order (expected: {})",
                names(expected)
            ),
        ));
    }
    Ok(())
}

/// A dictionary column whose dictionary holds each value once. Concatenating the states'
/// dictionaries puts a value two states share in it twice (pandas refuses a categorical whose
/// categories repeat); each key is pointed at the first copy, and only the values used stay.
fn distinct_dictionary(col: &ArrayRef, name: &str) -> Result<ArrayRef> {
    let failed = |e: arrow_schema::ArrowError| Error::invalid_argument("states", e.to_string());
    match crate::table::coerce::one_copy_each(col, name, failed)? {
        Some(deduped) => Ok(deduped),
        None => arrow_select::dictionary::garbage_collect_any_dictionary(col.as_any_dictionary())
            .map_err(failed),
    }
}

/// One batch of state rows grouped and reduced.
fn merge_batch(batch: &RecordBatch, merges: &[Merge]) -> Result<RecordBatch> {
    let n = batch.num_rows();
    let key_idx: Vec<usize> = (0..merges.len())
        .filter(|&i| merges[i] == Merge::Key)
        .collect();
    let keys: Vec<KeyCol> = key_idx
        .iter()
        .map(|&i| KeyCol::new(batch.column(i), batch.schema().field(i).name()))
        .collect::<Result<_>>()?;
    // Group rows by the bytes of their keys.
    let mut groups: FastMap<Box<[u8]>, u32> = FastMap::default();
    let mut group_of = Vec::with_capacity(n);
    let mut first_rows: Vec<usize> = Vec::new();
    let mut buf = Vec::new();
    for row in 0..n {
        buf.clear();
        for k in &keys {
            k.encode(row, &mut buf);
        }
        let g = match groups.get(buf.as_slice()) {
            Some(&g) => g,
            None => {
                let g = first_rows.len() as u32;
                groups.insert(buf.clone().into_boxed_slice(), g);
                first_rows.push(row);
                g
            }
        };
        group_of.push(g);
    }
    let n_groups = first_rows.len();
    // Canonical order of the groups: by their keys.
    let mut order: Vec<usize> = (0..n_groups).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (first_rows[a], first_rows[b]);
        keys.iter()
            .map(|k| k.compare(ra, rb))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    let mut rank = vec![0usize; n_groups];
    for (r, &g) in order.iter().enumerate() {
        rank[g] = r;
    }
    let take_rows = arrow_array::UInt32Array::from(
        order
            .iter()
            .map(|&g| first_rows[g] as u32)
            .collect::<Vec<_>>(),
    );
    let schema = batch.schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(merges.len());
    for (i, merge) in merges.iter().enumerate() {
        let col = batch.column(i);
        let out: ArrayRef = match merge {
            Merge::Key => {
                let keys = arrow_select::take::take(col.as_ref(), &take_rows, None)
                    .map_err(|e| Error::invalid_argument("states", e.to_string()))?;
                if matches!(keys.data_type(), DataType::Dictionary(_, _)) {
                    distinct_dictionary(&keys, schema.field(i).name())?
                } else {
                    keys
                }
            }
            Merge::Sum | Merge::Max if col.data_type() == &DataType::Float64 => {
                let values = col.as_primitive::<Float64Type>();
                let mut acc: Vec<Option<f64>> = vec![None; n_groups];
                for row in 0..n {
                    if values.is_null(row) {
                        continue;
                    }
                    let v = values.value(row);
                    let slot = &mut acc[rank[group_of[row] as usize]];
                    *slot = Some(match (*slot, merge) {
                        (None, _) => v,
                        (Some(a), Merge::Max) => a.max(v),
                        (Some(a), _) => a + v,
                    });
                }
                Arc::new(arrow_array::Float64Array::from(acc))
            }
            Merge::Sum | Merge::Max => {
                let values = col.as_primitive::<Int64Type>();
                let mut acc: Vec<Option<i64>> = vec![None; n_groups];
                for row in 0..n {
                    if values.is_null(row) {
                        continue;
                    }
                    let v = values.value(row);
                    let slot = &mut acc[rank[group_of[row] as usize]];
                    *slot = Some(match (*slot, merge) {
                        (None, _) => v,
                        (Some(a), Merge::Max) => a.max(v),
                        (Some(a), _) => a.checked_add(v).ok_or_else(|| {
                            Error::limit(
                                schema.field(i).name(),
                                "the merged sum exceeds a signed 64-bit integer",
                            )
                        })?,
                    });
                }
                Arc::new(Int64Array::from(acc))
            }
        };
        columns.push(out);
    }
    RecordBatch::try_new(schema, columns)
        .map_err(|e| Error::invalid_argument("states", e.to_string()))
}

/// A key column read for hashing and ordering.
pub(crate) enum KeyCol<'a> {
    Text(Vec<Option<&'a [u8]>>),
    Int(&'a dyn Array, Vec<i64>),
    UInt(&'a dyn Array, Vec<u64>),
    Float(&'a dyn Array, Vec<f64>),
    Bool(&'a dyn Array, Vec<bool>),
    Dict(&'a dyn Array, Vec<usize>, Box<KeyCol<'a>>),
}

/// -0.0 as 0.0 and every NaN as one NaN, so that equal numbers are equal keys.
fn canonical(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else if x.is_nan() {
        f64::NAN
    } else {
        x
    }
}

impl<'a> KeyCol<'a> {
    pub(crate) fn new(col: &'a ArrayRef, name: &str) -> Result<Self> {
        Self::of(col.as_ref(), name)
    }

    fn of(col: &'a dyn Array, name: &str) -> Result<Self> {
        macro_rules! ints {
            ($t:ty) => {
                KeyCol::Int(
                    col,
                    col.as_primitive::<$t>()
                        .values()
                        .iter()
                        .map(|&v| i64::from(v))
                        .collect(),
                )
            };
        }
        Ok(match col.data_type() {
            DataType::Utf8 => KeyCol::Text(
                col.as_string::<i32>()
                    .iter()
                    .map(|s| s.map(str::as_bytes))
                    .collect(),
            ),
            DataType::LargeUtf8 => KeyCol::Text(
                col.as_string::<i64>()
                    .iter()
                    .map(|s| s.map(str::as_bytes))
                    .collect(),
            ),
            DataType::Utf8View => KeyCol::Text(
                col.as_string_view()
                    .iter()
                    .map(|s| s.map(str::as_bytes))
                    .collect(),
            ),
            DataType::Int8 => ints!(Int8Type),
            DataType::Int16 => ints!(Int16Type),
            DataType::Int32 => ints!(Int32Type),
            DataType::Int64 => ints!(Int64Type),
            DataType::UInt8 => ints!(UInt8Type),
            DataType::UInt16 => ints!(UInt16Type),
            DataType::UInt32 => ints!(UInt32Type),
            DataType::Date32 => ints!(Date32Type),
            DataType::Date64 => ints!(Date64Type),
            DataType::UInt64 => {
                KeyCol::UInt(col, col.as_primitive::<UInt64Type>().values().to_vec())
            }
            DataType::Float64 => KeyCol::Float(
                col,
                col.as_primitive::<Float64Type>()
                    .values()
                    .iter()
                    .map(|&v| canonical(v))
                    .collect(),
            ),
            DataType::Float32 => KeyCol::Float(
                col,
                col.as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .map(|&v| canonical(f64::from(v)))
                    .collect(),
            ),
            DataType::Boolean => KeyCol::Bool(col, col.as_boolean().values().iter().collect()),
            // Arrow's null type (an all-`None` pandas column): every row the null key.
            DataType::Null => KeyCol::Text(vec![None; col.len()]),
            DataType::Dictionary(_, _) => {
                let dict = col.as_any_dictionary();
                KeyCol::Dict(
                    col,
                    crate::table::dictionary_slots(col),
                    Box::new(KeyCol::of(dict.values().as_ref(), name)?),
                )
            }
            other => {
                return Err(Error::column_type(
                    name,
                    "a key (text, integer, float, boolean, date or dictionary)",
                    crate::table::type_name(other),
                ))
            }
        })
    }

    fn is_null(&self, row: usize) -> bool {
        match self {
            KeyCol::Text(v) => v[row].is_none(),
            KeyCol::Int(a, _)
            | KeyCol::UInt(a, _)
            | KeyCol::Float(a, _)
            | KeyCol::Bool(a, _)
            | KeyCol::Dict(a, _, _) => a.logical_nulls().is_some_and(|n| n.is_null(row)),
        }
    }

    /// Appends the key's bytes (a null marker, or a tag and the value).
    pub(crate) fn encode(&self, row: usize, buf: &mut Vec<u8>) {
        if self.is_null(row) {
            buf.push(0);
            return;
        }
        buf.push(1);
        match self {
            KeyCol::Text(v) => {
                let s = v[row].unwrap_or_default();
                buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
                buf.extend_from_slice(s);
            }
            KeyCol::Int(_, v) => buf.extend_from_slice(&v[row].to_le_bytes()),
            KeyCol::UInt(_, v) => buf.extend_from_slice(&v[row].to_le_bytes()),
            KeyCol::Float(_, v) => buf.extend_from_slice(&v[row].to_bits().to_le_bytes()),
            KeyCol::Bool(_, v) => buf.push(u8::from(v[row])),
            KeyCol::Dict(_, keys, values) => values.encode(keys[row], buf),
        }
    }

    /// Orders two rows: nulls first, then by value.
    fn compare(&self, a: usize, b: usize) -> Ordering {
        match (self.is_null(a), self.is_null(b)) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        match self {
            KeyCol::Text(v) => v[a].cmp(&v[b]),
            KeyCol::Int(_, v) => v[a].cmp(&v[b]),
            KeyCol::UInt(_, v) => v[a].cmp(&v[b]),
            KeyCol::Float(_, v) => v[a].total_cmp(&v[b]),
            KeyCol::Bool(_, v) => v[a].cmp(&v[b]),
            KeyCol::Dict(_, keys, values) => values.compare(keys[a], keys[b]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::common_key_type;
    use arrow_schema::DataType::{self, *};

    fn dict(values: DataType) -> DataType {
        Dictionary(Box::new(Int8), Box::new(values))
    }

    #[test]
    fn keys_stored_differently_share_a_type() {
        assert_eq!(common_key_type(&[Utf8, LargeUtf8]), Some(LargeUtf8));
        assert_eq!(common_key_type(&[Utf8, dict(Utf8)]), Some(Utf8));
        // Dictionaries of other index widths (pandas picks int8 or int16) stay one.
        let wide = Dictionary(Box::new(Int32), Box::new(Utf8));
        let int16 = Dictionary(Box::new(Int16), Box::new(Utf8));
        assert_eq!(common_key_type(&[dict(Utf8), int16]), Some(wide.clone()));
        assert_eq!(common_key_type(&[wide.clone(), dict(Utf8)]), Some(wide));
        assert_eq!(common_key_type(&[Null, Utf8View]), Some(Utf8View));
        assert_eq!(common_key_type(&[Null, Null]), Some(Null));
        assert_eq!(common_key_type(&[Int32, UInt32, Int8]), Some(Int64));
        assert_eq!(common_key_type(&[UInt8, UInt64]), Some(Int64));
        // Closed under merging again: [u8, u16] then i8 or u64 is [u8, u16, i8] or
        // [u8, u16, u64].
        assert_eq!(common_key_type(&[UInt8, UInt16]), Some(Int64));
        assert_eq!(common_key_type(&[Int64, UInt64]), Some(Int64));
        assert_eq!(common_key_type(&[UInt64, UInt64]), Some(UInt64));
        assert_eq!(common_key_type(&[Int64, Int8]), Some(Int64));
        assert_eq!(common_key_type(&[Float32, Float64]), Some(Float64));
        assert_eq!(common_key_type(&[Date64, Null, Date32]), Some(Date32));
        // Kinds that do not mix.
        assert_eq!(common_key_type(&[Utf8, Int64]), None);
        assert_eq!(common_key_type(&[Int64, Float64]), None);
    }
}
