//! Short texts as integers: a text of at most 15 bytes packed into one `u128` (its bytes in
//! the low 15 bytes, its length in the top one), so that equal texts have equal keys and
//! different texts different ones.
//!
//! NHS codes and identifiers are short (`E38000001`, `P000123`, `10`). Hashing and comparing
//! them as one integer, read straight from the Arrow buffers, replaces a hash over the bytes,
//! a pointer to follow and a `memcmp` per probe: grouping and joining text keys is most of the
//! cost of an OAP or transition call on text identifiers.

use arrow_array::{cast::AsArray, Array, ArrayRef, OffsetSizeTrait};
use arrow_buffer::{Buffer, NullBuffer};
use arrow_schema::DataType;

/// The longest text that packs.
pub(crate) const MAX_LEN: usize = 15;

/// The key of a null cell: its top byte (255) is no text's length.
pub(crate) const NULL: u128 = u128::MAX;

/// The key of `text`, or `None` when it is longer than [`MAX_LEN`] bytes.
#[inline]
pub(crate) fn pack(text: &[u8]) -> Option<u128> {
    if text.len() > MAX_LEN {
        return None;
    }
    let mut b = [0u8; 16];
    b[..text.len()].copy_from_slice(text);
    b[15] = text.len() as u8;
    Some(u128::from_le_bytes(b))
}

/// The low `len` bytes of `raw` (`len` ≤ 15) with `len` in the top byte: [`pack`]'s key.
#[inline(always)]
fn finish(raw: u128, len: usize) -> u128 {
    (raw & ((1u128 << (8 * len)) - 1)) | ((len as u128) << 120)
}

/// Reads the keys of a text column whose every value has at most [`MAX_LEN`] bytes.
pub(crate) struct Packer<'a> {
    kind: Kind<'a>,
    nulls: Option<&'a NullBuffer>,
    len: usize,
}

enum Kind<'a> {
    Utf8(&'a [u8], &'a [i32]),
    Large(&'a [u8], &'a [i64]),
    View(&'a [u128], &'a [Buffer]),
}

impl<'a> Packer<'a> {
    /// A packer for a text column (`Utf8`, `LargeUtf8` or `Utf8View`) whose values all pack;
    /// `None` otherwise (callers then take their general path).
    pub(crate) fn of(col: &'a ArrayRef) -> Option<Self> {
        let kind = match col.data_type() {
            DataType::Utf8 => {
                let a = col.as_string::<i32>();
                fits(a.value_offsets())
                    .then(|| Kind::Utf8(a.values().as_slice(), a.value_offsets()))
            }
            DataType::LargeUtf8 => {
                let a = col.as_string::<i64>();
                fits(a.value_offsets())
                    .then(|| Kind::Large(a.values().as_slice(), a.value_offsets()))
            }
            DataType::Utf8View => {
                let a = col.as_string_view();
                let views: &[u128] = a.views();
                views
                    .iter()
                    .all(|&v| v as u32 as usize <= MAX_LEN)
                    .then(|| Kind::View(views, a.data_buffers()))
            }
            _ => None,
        }?;
        Some(Packer {
            kind,
            nulls: col.nulls(),
            len: col.len(),
        })
    }

    /// The key of row `i` ([`NULL`] for a null cell).
    #[inline(always)]
    pub(crate) fn key(&self, i: usize) -> u128 {
        if self.nulls.is_some_and(|n| n.is_null(i)) {
            return NULL;
        }
        match self.kind {
            Kind::Utf8(bytes, offsets) => {
                from_offsets(bytes, offsets[i] as usize, offsets[i + 1] as usize)
            }
            Kind::Large(bytes, offsets) => {
                from_offsets(bytes, offsets[i] as usize, offsets[i + 1] as usize)
            }
            Kind::View(views, buffers) => {
                let v = views[i];
                let len = v as u32 as usize;
                if len <= 12 {
                    // Inline: the bytes follow the length in the view itself.
                    finish(v >> 32, len)
                } else {
                    from_buffers(v, len, buffers)
                }
            }
        }
    }

    /// Every row's key, once (for tables read at random many times).
    pub(crate) fn keys(&self) -> Vec<u128> {
        (0..self.len).map(|i| self.key(i)).collect()
    }
}

/// The key of a view of 13 to 15 bytes, whose bytes are in a data buffer.
#[cold]
fn from_buffers(view: u128, len: usize, buffers: &[Buffer]) -> u128 {
    let (buffer, start) = ((view >> 64) as u32 as usize, (view >> 96) as u32 as usize);
    pack(&buffers[buffer].as_slice()[start..start + len]).unwrap_or(NULL)
}

/// Every value of an offsets column is at most [`MAX_LEN`] bytes long (a null's slot too,
/// which is almost always empty).
fn fits<O: OffsetSizeTrait>(offsets: &[O]) -> bool {
    offsets
        .windows(2)
        .all(|w| (w[1] - w[0]).as_usize() <= MAX_LEN)
}

#[inline(always)]
fn from_offsets(bytes: &[u8], start: usize, end: usize) -> u128 {
    let len = end - start;
    match bytes.get(start..start + 16) {
        // One unaligned load, the bytes past the text masked off.
        Some(b) => finish(u128::from_le_bytes(b.try_into().unwrap_or([0; 16])), len),
        // Within 16 bytes of the buffer's end.
        None => pack(&bytes[start..end]).unwrap_or(NULL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{LargeStringArray, StringArray, StringViewArray};
    use std::sync::Arc;

    #[test]
    fn keys_are_pack_of_each_text_in_every_layout() {
        let texts = [
            Some(""),
            Some("a"),
            None,
            Some("E38000001"),
            Some("0123456789abcde"),
            Some("exactly12byt"),
            Some("thirteen byte"),
            Some("a\0"),
            Some("a"),
        ];
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(texts.to_vec())),
            Arc::new(LargeStringArray::from(texts.to_vec())),
            Arc::new(StringViewArray::from(texts.to_vec())),
            // A slice: offsets not starting at zero.
            (Arc::new(StringArray::from(texts.to_vec())) as ArrayRef).slice(2, 6),
        ];
        for col in &cols {
            let p = Packer::of(col).expect("all short");
            let skip = if col.len() == texts.len() { 0 } else { 2 };
            for i in 0..col.len() {
                let want = texts[skip + i].map_or(NULL, |t| pack(t.as_bytes()).unwrap());
                assert_eq!(p.key(i), want, "{:?} row {i}", col.data_type());
            }
        }
        // Different texts, different keys ("a" and "a\0" differ by their length).
        assert_ne!(pack(b"a"), pack(b"a\0"));
        assert_eq!(pack(b"0123456789abcdef"), None);
        let long: ArrayRef = Arc::new(StringArray::from(vec!["short", "sixteen bytes!!!"]));
        assert!(Packer::of(&long).is_none());
        let long_view: ArrayRef = Arc::new(StringViewArray::from(vec!["sixteen bytes!!!"]));
        assert!(Packer::of(&long_view).is_none());
    }
}
