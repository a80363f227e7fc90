//! Text columns hold UTF-8: checked once, when a table comes in.
//!
//! Arrays built in Rust are valid by construction, but arrays imported through the C Data
//! Interface (the C ABI's streams, Python's `__arrow_c_stream__`) are taken as they come: a
//! producer can hand over bytes that are not UTF-8, or offsets that run backwards, and reading
//! them as text is undefined behaviour (a debug build aborts the process). One pass over the
//! offsets and the bytes refuses them, naming the column and the row.

use crate::error::{Error, Result};
use arrow_array::{cast::AsArray, Array, GenericStringArray, OffsetSizeTrait, RecordBatch};
use arrow_schema::DataType;
use rayon::prelude::*;

/// Rows checked per task: large enough that the bytes dominate, small enough to split.
const CHUNK: usize = 1 << 16;

/// Why a row is refused.
const RULE: &str = "is not valid UTF-8 text (the producer of the table broke the Arrow format)";

/// Refuses the first text cell (by column, then row) that is not UTF-8.
pub(crate) fn check(batch: &RecordBatch) -> Result<()> {
    for (column, field) in batch.columns().iter().zip(batch.schema().fields()) {
        if let Some((row, value)) = first_bad(column.as_ref()) {
            return Err(Error::InvalidCell {
                table: None,
                column: field.name().clone(),
                row,
                value,
                rule: RULE.into(),
            });
        }
    }
    Ok(())
}

/// The first row of `a` whose text is not UTF-8, with its bytes shown lossily.
fn first_bad(a: &dyn Array) -> Option<(usize, String)> {
    match a.data_type() {
        DataType::Utf8 => offsets(a.as_string::<i32>()),
        DataType::LargeUtf8 => offsets(a.as_string::<i64>()),
        DataType::Utf8View => views(a),
        DataType::Dictionary(..) => {
            let dict = a.as_any_dictionary_opt()?;
            let (value, shown) = first_bad(dict.values().as_ref())?;
            // The row that uses the bad value (a value no row uses is still refused: some
            // kernels read the dictionary's values directly).
            let keys = dict.normalized_keys();
            let row = (0..a.len())
                .find(|&r| a.is_valid(r) && keys[r] == value)
                .unwrap_or(0);
            Some((row, shown))
        }
        _ => None,
    }
}

/// Offsets must rise within the bytes and each row's bytes be UTF-8. A chunk of rows is one
/// check of its bytes plus one of its offsets (each starts a character); only a failing
/// chunk is searched row by row.
fn offsets<O: OffsetSizeTrait>(a: &GenericStringArray<O>) -> Option<(usize, String)> {
    let o = a.value_offsets();
    let data = a.value_data();
    let bounds = |r: usize| (o[r].as_usize(), o[r + 1].as_usize());
    let row_ok = |r: usize| {
        let (lo, hi) = bounds(r);
        lo <= hi && hi <= data.len() && std::str::from_utf8(&data[lo..hi]).is_ok()
    };
    let starts: Vec<usize> = (0..a.len()).step_by(CHUNK).collect();
    starts.par_iter().find_map_first(|&start| {
        let end = (start + CHUNK).min(a.len());
        // Without an early exit, so that it vectorises (it is most of the check's time).
        let rising = o[start..=end]
            .windows(2)
            .fold(true, |ok, w| ok & (w[0] <= w[1]));
        let (lo, hi) = (o[start].as_usize(), o[end].as_usize());
        // ASCII (identifiers and codes, nearly always) has every byte a character: no
        // boundary to check.
        let whole = rising
            && hi <= data.len()
            && (data[lo..hi].is_ascii()
                || (o[start..end]
                    .iter()
                    .all(|x| data.get(x.as_usize()).is_none_or(|&b| !is_continuation(b)))
                    && std::str::from_utf8(&data[lo..hi]).is_ok()));
        if whole {
            return None;
        }
        let row = (start..end).find(|&r| !row_ok(r))?;
        let (lo, hi) = bounds(row);
        let shown = if lo <= hi && hi <= data.len() {
            String::from_utf8_lossy(&data[lo..hi]).into_owned()
        } else {
            format!("offsets {lo}..{hi} outside its {} bytes", data.len())
        };
        Some((row, shown))
    })
}

/// A UTF-8 continuation byte (10xxxxxx) cannot start a character.
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Views: up to 12 bytes inline, longer ones in a data buffer (index and offset in the view).
fn views(a: &dyn Array) -> Option<(usize, String)> {
    let a = a.as_string_view();
    let buffers = a.data_buffers();
    a.views().iter().enumerate().find_map(|(row, &view)| {
        let len = view as u32 as usize;
        let inline;
        let bytes: Option<&[u8]> = if len <= 12 {
            inline = view.to_le_bytes();
            Some(&inline[4..4 + len])
        } else {
            let (buffer, offset) = ((view >> 64) as u32 as usize, (view >> 96) as u32 as usize);
            buffers
                .get(buffer)
                .and_then(|b| b.as_slice().get(offset..offset.checked_add(len)?))
        };
        match bytes {
            Some(b) if std::str::from_utf8(b).is_ok() => None,
            Some(b) => Some((row, String::from_utf8_lossy(b).into_owned())),
            None => Some((row, format!("a view of {len} bytes outside its buffers"))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, StringArray};
    use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
    use std::sync::Arc;

    /// A string array over raw bytes and offsets, unchecked as the C Data Interface imports.
    fn raw(offsets: Vec<i32>, bytes: &[u8]) -> ArrayRef {
        // SAFETY (test): the point is an array that breaks the format; only `check` reads it.
        let offsets = unsafe { OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)) };
        Arc::new(unsafe {
            StringArray::new_unchecked(offsets, Buffer::from_slice_ref(bytes), None)
        })
    }

    fn batch(col: ArrayRef) -> RecordBatch {
        RecordBatch::try_from_iter([("name", col)]).unwrap()
    }

    #[test]
    fn refuses_bytes_that_are_not_utf8_naming_the_row() {
        // Rows "ab", "é" (c3 a9), "x\xff" (not UTF-8), "".
        let e = check(&batch(raw(vec![0, 2, 4, 6, 6], b"ab\xc3\xa9x\xff"))).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidCell { column, row: 2, value, .. }
                if column == "name" && value == "x\u{fffd}"),
            "{e}"
        );
        // An offset inside "é" splits it: both halves are refused, the first row first.
        let e = check(&batch(raw(vec![0, 3, 4], b"ab\xc3\xa9"))).unwrap_err();
        assert!(matches!(e, Error::InvalidCell { row: 0, .. }), "{e}");
        // Offsets that run backwards or beyond the bytes.
        let e = check(&batch(raw(vec![0, 3, 1], b"abc"))).unwrap_err();
        assert!(matches!(e, Error::InvalidCell { row: 1, .. }), "{e}");
        // A bad row beyond the first chunk is found in its own chunk.
        let n = CHUNK + 10;
        let mut bytes = vec![b'a'; n];
        bytes[CHUNK + 3] = 0xfe;
        let e = check(&batch(raw((0..=n as i32).collect(), &bytes))).unwrap_err();
        assert!(
            matches!(e, Error::InvalidCell { row, .. } if row == CHUNK + 3),
            "{e}"
        );
    }

    #[test]
    fn accepts_valid_text_of_every_form() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("né"), None, Some("")]));
        check(&batch(text.clone())).unwrap();
        check(&batch(raw(vec![0, 2, 4], b"ab\xc3\xa9"))).unwrap();
        let view: ArrayRef = Arc::new(arrow_array::StringViewArray::from(vec![
            "short",
            "a text longer than twelve bytes",
        ]));
        check(&batch(view)).unwrap();
    }

    #[test]
    fn a_table_in_batches_is_checked_batch_by_batch_with_its_own_rows() {
        // Batch 0: 3 good rows; batch 1: row 1 bad (row 4 of the table). Joined first, the
        // bad offsets were read by the join and the row was another.
        let good = batch(raw(vec![0, 1, 2, 3], b"abc"));
        let bad = batch(raw(vec![0, 1, 3, 4], b"a\xffxb"));
        let e =
            crate::table::Input::new(good.schema(), &[good, bad], Default::default()).unwrap_err();
        assert!(matches!(e, Error::InvalidCell { row: 4, .. }), "{e}");
    }

    #[test]
    fn a_dictionary_is_refused_at_the_first_row_using_a_bad_value() {
        let values = raw(vec![0, 1, 2], b"a\xff");
        let keys = arrow_array::Int32Array::from(vec![0, 0, 1, 1]);
        let dict = arrow_array::DictionaryArray::try_new(keys, values).unwrap();
        let e = check(&batch(Arc::new(dict))).unwrap_err();
        assert!(matches!(e, Error::InvalidCell { row: 2, .. }), "{e}");
    }
}
