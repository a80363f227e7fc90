//! Identifier and code columns as every module reads them: one rule, in one place.
//!
//! An identifier or code column (a person or referral identifier, a location code, an NHS
//! Data Dictionary code, an age band given as its lower age) is text (`Utf8`, `LargeUtf8`,
//! `Utf8View`) or integers of any Arrow integer type, `Int8` … `Int64` and `UInt8` … `UInt64`,
//! read as signed 64-bit integers: `5_u8` and `5_i64` are the same identifier, whichever
//! types the two sides of a join use. A `UInt64` value above `i64::MAX`
//! (9 223 372 036 854 775 807) cannot be read so and is an error naming its column and row:
//! it is never wrapped round to a negative number, which could equal another row's
//! identifier. Text and integers are different kinds (a join wants the same kind on both
//! sides; `"5"` is not `5`). Modules that also take dictionary-encoded columns decode each
//! distinct value once ([`dictionary_rows`]).

use crate::error::{Error, Result};
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef};
use arrow_schema::DataType;

/// One cell of an identifier or code column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key<'a> {
    /// A null cell.
    Null,
    /// An integer, widened to `i64`.
    Int(i64),
    /// Text, as it is (callers normalise).
    Str(&'a str),
}

/// Whether `t` is one of the text types.
pub(crate) fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Whether `t` is text or an integer type: what an identifier or code is, and what a
/// dictionary's values must be to be decoded or deduplicated exactly.
pub(crate) fn is_text_or_integer(t: &DataType) -> bool {
    is_text(t) || t.is_integer()
}

/// The error of a `UInt64` value that does not fit `i64`.
fn too_large(name: &str, row: usize, value: u64) -> Error {
    Error::cell(
        name,
        row,
        value.to_string(),
        "an integer identifier or code must be at most 9223372036854775807 (a signed 64-bit \
         integer)",
    )
}

/// Calls `f(row, key)` for every row of a text or integer column `col` (named `name` in
/// errors), in order, rows counted from 0 of `col`. Any other type is an
/// [`Error::ColumnType`] expecting `expected`; a `UInt64` value above `i64::MAX` is an
/// [`Error::InvalidCell`] naming its row. Stops at the first error `f` returns.
pub(crate) fn visit_keys<'a>(
    col: &'a ArrayRef,
    name: &str,
    expected: &str,
    mut g: impl FnMut(usize, Key<'a>) -> Result<()>,
) -> Result<()> {
    // Every row passes here: the caller's cancellation is checked every 65 536 of them.
    let mut tick = crate::cancel::Ticker::new(1 << 16);
    let mut f = |row: usize, key: Key<'a>| -> Result<()> {
        tick.tick()?;
        g(row, key)
    };
    // `$to` widens one value to i64 (fallibly, for UInt64 only); the no-null case skips the
    // validity bitmap.
    macro_rules! ints {
        ($t:ty, $to:expr) => {{
            let a = col.as_primitive::<$t>();
            let to = $to;
            if a.null_count() == 0 {
                for (i, &v) in a.values().iter().enumerate() {
                    f(i, Key::Int(to(i, v)?))?;
                }
            } else {
                for (i, v) in a.iter().enumerate() {
                    f(i, v.map_or(Ok(Key::Null), |v| to(i, v).map(Key::Int))?)?;
                }
            }
        }};
    }
    macro_rules! strs {
        ($it:expr) => {{
            for (i, v) in $it.enumerate() {
                f(i, v.map_or(Key::Null, Key::Str))?;
            }
        }};
    }
    fn widen<T: Into<i64>>(_: usize, v: T) -> Result<i64> {
        Ok(v.into())
    }
    match col.data_type() {
        // A column with no values at all (an empty CSV column) is a column of nulls.
        DataType::Null => {
            for i in 0..col.len() {
                f(i, Key::Null)?;
            }
        }
        DataType::Int8 => ints!(Int8Type, widen::<i8>),
        DataType::Int16 => ints!(Int16Type, widen::<i16>),
        DataType::Int32 => ints!(Int32Type, widen::<i32>),
        DataType::Int64 => ints!(Int64Type, widen::<i64>),
        DataType::UInt8 => ints!(UInt8Type, widen::<u8>),
        DataType::UInt16 => ints!(UInt16Type, widen::<u16>),
        DataType::UInt32 => ints!(UInt32Type, widen::<u32>),
        DataType::UInt64 => ints!(UInt64Type, |i: usize, v: u64| {
            i64::try_from(v).map_err(|_| too_large(name, i, v))
        }),
        DataType::Utf8 => strs!(col.as_string::<i32>().iter()),
        DataType::LargeUtf8 => strs!(col.as_string::<i64>().iter()),
        DataType::Utf8View => strs!(col.as_string_view().iter()),
        other => return Err(Error::column_type(name, expected, super::type_name(other))),
    }
    Ok(())
}

/// A dictionary column of text or integers decoded to its values (`None` for any other
/// column): identifiers and lookup codes are read as their values, whatever the encoding. A
/// column that cannot be decoded is an [`Error::ColumnType`] expecting `expected`.
pub(crate) fn decoded(col: &ArrayRef, name: &str, expected: &str) -> Result<Option<ArrayRef>> {
    let DataType::Dictionary(_, values) = col.data_type() else {
        return Ok(None);
    };
    if !is_text_or_integer(values) {
        return Ok(None);
    }
    arrow_cast::cast(col, values).map(Some).map_err(|e| {
        Error::column_type(
            name,
            expected,
            format!(
                "{} that cannot be decoded ({e})",
                super::type_name(col.data_type())
            ),
        )
    })
}

/// A dictionary column whose dictionary holds each value once, no null, and only the values
/// used (`None` when its dictionary holds each value once and no null already): each key is
/// pointed at the first copy of its value, a key of a null value made a null key. Arrow
/// allows a value twice in a dictionary, and a null one, and concatenating batches'
/// dictionaries puts there every value two batches share; pandas refuses such a categorical,
/// and a result would show the value's group with a code of each copy. `failed` words an Arrow
/// error (not expected: the keys stay in range).
pub(crate) fn one_copy_each(
    col: &ArrayRef,
    name: &str,
    failed: impl Fn(arrow_schema::ArrowError) -> Error,
) -> Result<Option<ArrayRef>> {
    use arrow_array::downcast_dictionary_array;
    let values = col.as_any_dictionary().values().clone();
    if values.is_empty() {
        return Ok(None);
    }
    let codes = super::groups::key_codes(&values, name)?;
    let distinct = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    if distinct == values.len() && values.logical_null_count() == 0 {
        return Ok(None);
    }
    let mut first = vec![u32::MAX; distinct];
    for (i, &c) in codes.iter().enumerate() {
        if first[c as usize] == u32::MAX {
            first[c as usize] = i as u32;
        }
    }
    let to = |k: usize| codes.get(k).map_or(0, |&c| first[c as usize] as usize);
    let deduped: ArrayRef = downcast_dictionary_array!(
        col => std::sync::Arc::new(repoint(col, to).map_err(&failed)?),
        _ => return Ok(None)
    );
    arrow_select::dictionary::garbage_collect_any_dictionary(deduped.as_any_dictionary())
        .map(Some)
        .map_err(failed)
}

/// `col` with each key `k` pointed at `to(k)`, and a key of a null value made a null key
/// (null keys keep their meaningless slot), so that no key refers to a null value.
fn repoint<K: ArrowDictionaryKeyType>(
    col: &arrow_array::DictionaryArray<K>,
    to: impl Fn(usize) -> usize,
) -> std::result::Result<arrow_array::DictionaryArray<K>, arrow_schema::ArrowError> {
    use arrow_buffer::ArrowNativeType;
    let moved: arrow_array::PrimitiveArray<K> = col
        .keys()
        .unary(|k| K::Native::from_usize(to(k.as_usize())).unwrap_or(k));
    let keys = arrow_array::PrimitiveArray::<K>::new(moved.values().clone(), col.logical_nulls());
    arrow_array::DictionaryArray::try_new(keys, col.values().clone())
}

/// Each row of a dictionary column mapped through `per_value` (the result for each of its
/// values, computed once), `null` for a null row.
pub(crate) fn dictionary_rows<T: Copy>(col: &ArrayRef, per_value: &[T], null: T) -> Vec<T> {
    super::dictionary_keys(col.as_ref())
        .into_iter()
        .map(|k| k.and_then(|k| per_value.get(k).copied()).unwrap_or(null))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        DictionaryArray, Float64Array, Int16Array, Int32Array, Int64Array, Int8Array,
        LargeStringArray, StringArray, StringViewArray, UInt16Array, UInt32Array, UInt64Array,
        UInt8Array,
    };
    use std::sync::Arc;

    fn keys(col: &ArrayRef) -> Result<Vec<Key<'_>>> {
        let mut out = Vec::new();
        visit_keys(col, "id", "an identifier", |_, k| {
            out.push(k);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn every_integer_type_reads_as_the_same_i64() {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int8Array::from(vec![Some(5), None, Some(7)])),
            Arc::new(Int16Array::from(vec![Some(5), None, Some(7)])),
            Arc::new(Int32Array::from(vec![Some(5), None, Some(7)])),
            Arc::new(Int64Array::from(vec![Some(5), None, Some(7)])),
            Arc::new(UInt8Array::from(vec![Some(5), None, Some(7)])),
            Arc::new(UInt16Array::from(vec![Some(5), None, Some(7)])),
            Arc::new(UInt32Array::from(vec![Some(5), None, Some(7)])),
            Arc::new(UInt64Array::from(vec![Some(5), None, Some(7)])),
        ];
        for col in &columns {
            let expected = vec![Key::Int(5), Key::Null, Key::Int(7)];
            assert_eq!(keys(col).unwrap(), expected, "{}", col.data_type());
            // Without nulls (the fast path).
            let no_nulls = col.slice(2, 1);
            assert_eq!(keys(&no_nulls).unwrap(), vec![Key::Int(7)]);
        }
        let extremes: ArrayRef = Arc::new(UInt64Array::from(vec![0, i64::MAX as u64]));
        assert_eq!(
            keys(&extremes).unwrap(),
            vec![Key::Int(0), Key::Int(i64::MAX)]
        );
    }

    #[test]
    fn text_types_read_as_text() {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![Some("a"), None])),
            Arc::new(LargeStringArray::from(vec![Some("a"), None])),
            Arc::new(StringViewArray::from(vec![Some("a"), None])),
        ];
        for col in &columns {
            assert_eq!(keys(col).unwrap(), vec![Key::Str("a"), Key::Null]);
            assert!(is_text(col.data_type()));
        }
        assert!(!is_text(&DataType::Int64));
    }

    #[test]
    fn uint64_above_i64_max_is_an_error_naming_the_row_never_wrapped() {
        for nulls in [false, true] {
            let values = vec![Some(1), nulls.then_some(2), Some(u64::MAX)];
            let col: ArrayRef = Arc::new(UInt64Array::from(values));
            let e = keys(&col).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidCell);
            assert_eq!(e.column(), Some("id"));
            assert_eq!(e.row(), Some(2));
            assert_eq!(e.value(), Some("18446744073709551615"));
        }
        let col: ArrayRef = Arc::new(UInt64Array::from(vec![1u64 << 63]));
        assert_eq!(keys(&col).unwrap_err().row(), Some(0));
    }

    #[test]
    fn other_types_are_column_type_errors() {
        let col: ArrayRef = Arc::new(Float64Array::from(vec![1.0]));
        let e = keys(&col).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ColumnType);
        assert_eq!(
            e.to_string(),
            "column `id` has type double; expected an identifier"
        );
    }

    #[test]
    fn dictionary_rows_decode_each_value_once() {
        let dict: DictionaryArray<Int32Type> = vec![Some("b"), None, Some("a"), Some("b")]
            .into_iter()
            .collect();
        let col: ArrayRef = Arc::new(dict);
        // Values in dictionary order: "b", "a".
        assert_eq!(dictionary_rows(&col, &[10, 20], 0), vec![10, 0, 20, 10]);
    }
}
