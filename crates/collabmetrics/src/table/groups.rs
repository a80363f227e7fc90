//! Grouping rows by one or more key columns.

use super::Input;
use crate::error::{Error, Result};
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef, UInt32Array};
use arrow_schema::{DataType, Field};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The Fx hash (rustc's) with a final mix: a multiply-rotate hash several times faster than
/// the standard SipHash. Grouping keys come from the caller's own table, so there is no adversary to
/// defend against, and hashing is most of the cost of grouping.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// Finishes with MurmurHash3's 64-bit mixer, so that both the low bits (bucket) and the
    /// top bits (hashbrown's tag) depend on every input bit: plain Fx leaves the tag of
    /// similar strings too alike, and probing then degrades.
    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.hash;
        z ^= z >> 33;
        z = z.wrapping_mul(0xff51_afd7_ed55_8ccd);
        z ^= z >> 33;
        z = z.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        z ^ (z >> 33)
    }
}

/// A hash map with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Rows grouped by key columns: a dense code per row (0..n, in order of first appearance) and
/// the key columns of each group, for the result table.
#[derive(Debug, Clone)]
pub struct Groups {
    /// Group code of each row.
    pub codes: Vec<u32>,
    /// First row of each group.
    pub first_rows: Vec<u32>,
    /// Key fields and values, one element per group.
    pub keys: Vec<(Field, ArrayRef)>,
}

impl Groups {
    /// Groups the rows of `input` by the columns we call `by` (none: one group of every row).
    /// Nulls in a key form a group of their own.
    pub fn new(input: &Input, by: &[String]) -> Result<Self> {
        let n = input.num_rows();
        let mut codes = vec![0u32; n];
        let mut n_groups: usize = usize::from(n > 0);
        for (k, name) in by.iter().enumerate() {
            let col = input.column(name)?;
            let col_codes = key_codes(col, input.name(name))?;
            if k == 0 {
                codes = col_codes;
                n_groups = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            } else {
                // Combine the codes so far with this column's: (previous, this) → new dense code.
                let mut seen: FastMap<(u32, u32), u32> = FastMap::default();
                for (c, &k) in codes.iter_mut().zip(&col_codes) {
                    let next = seen.len() as u32;
                    *c = *seen.entry((*c, k)).or_insert(next);
                }
                n_groups = seen.len();
            }
        }
        let mut first_rows = vec![u32::MAX; n_groups];
        for (i, &c) in codes.iter().enumerate() {
            let slot = &mut first_rows[c as usize];
            if *slot == u32::MAX {
                *slot = i as u32;
            }
        }
        let take_idx = UInt32Array::from(first_rows.clone());
        let mut keys = Vec::with_capacity(by.len());
        for name in by {
            let col = input.column(name)?;
            let values = arrow_select::take::take(col.as_ref(), &take_idx, None)
                .map_err(|e| Error::invalid_argument("by", e.to_string()))?;
            keys.push((
                Field::new(input.name(name), col.data_type().clone(), true),
                values,
            ));
        }
        Ok(Groups {
            codes,
            first_rows,
            keys,
        })
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.first_rows.len()
    }

    /// True when the input had no rows.
    pub fn is_empty(&self) -> bool {
        self.first_rows.is_empty()
    }

    /// A readable label of group `g`, e.g. `area=E38000001, sex=F` (or `all rows`).
    pub fn label(&self, g: usize) -> String {
        label(&self.keys, g)
    }
}

/// A readable label of element `g` of key columns, e.g. `area=E38000001, sex=F` (or `all
/// rows` without keys).
pub(crate) fn label(keys: &[(Field, ArrayRef)], g: usize) -> String {
    if keys.is_empty() {
        return "all rows".to_owned();
    }
    let parts: Vec<String> = keys
        .iter()
        .map(|(field, values)| format!("{}={}", field.name(), display(values.as_ref(), g)))
        .collect();
    parts.join(", ")
}

/// Value `i` of an array as text, as it appears in group labels and keys ("null" for null).
pub fn display(values: &dyn Array, i: usize) -> String {
    if values.is_null(i) {
        return "null".to_owned();
    }
    macro_rules! prim {
        ($t:ty) => {
            values.as_primitive::<$t>().value(i).to_string()
        };
    }
    match values.data_type() {
        DataType::Utf8 => values.as_string::<i32>().value(i).to_owned(),
        DataType::LargeUtf8 => values.as_string::<i64>().value(i).to_owned(),
        DataType::Utf8View => values.as_string_view().value(i).to_owned(),
        DataType::Boolean => values.as_boolean().value(i).to_string(),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Date32 => super::format_date(values.as_primitive::<Date32Type>().value(i)),
        DataType::Dictionary(_, _) => {
            // The one row's key (a slice, so only its key is normalised).
            let row = values.slice(i, 1);
            match super::dictionary_keys(row.as_ref()).first() {
                Some(Some(k)) => display(row.as_any_dictionary().values().as_ref(), *k),
                _ => "null".to_owned(),
            }
        }
        _ => format!("{:?}", values.slice(i, 1)),
    }
}

/// Dense codes (order of first appearance) for the values of one key column.
pub(crate) fn key_codes(col: &ArrayRef, name: &str) -> Result<Vec<u32>> {
    let codes = match col.data_type() {
        DataType::Null => vec![0; col.len()],
        DataType::Utf8 => dense(col.as_string::<i32>().iter()),
        DataType::LargeUtf8 => dense(col.as_string::<i64>().iter()),
        DataType::Utf8View => dense(col.as_string_view().iter()),
        DataType::Boolean => dense(col.as_boolean().iter()),
        DataType::Int8 => dense(col.as_primitive::<Int8Type>().iter()),
        DataType::Int16 => dense(col.as_primitive::<Int16Type>().iter()),
        DataType::Int32 => dense(col.as_primitive::<Int32Type>().iter()),
        DataType::Int64 => dense(col.as_primitive::<Int64Type>().iter()),
        DataType::UInt8 => dense(col.as_primitive::<UInt8Type>().iter()),
        DataType::UInt16 => dense(col.as_primitive::<UInt16Type>().iter()),
        DataType::UInt32 => dense(col.as_primitive::<UInt32Type>().iter()),
        DataType::UInt64 => dense(col.as_primitive::<UInt64Type>().iter()),
        DataType::Date32 => dense(col.as_primitive::<Date32Type>().iter()),
        DataType::Dictionary(_, _) => {
            let dict = col.as_any_dictionary();
            let value_codes = key_codes(dict.values(), name)?;
            let per_row = super::dictionary_keys(col.as_ref())
                .into_iter()
                .map(|k| k.and_then(|k| value_codes.get(k).copied()));
            dense(per_row)
        }
        other => {
            return Err(Error::ColumnType {
                table: None,
                column: name.to_owned(),
                expected: "a grouping key (string, integer, boolean, date or dictionary)"
                    .to_owned(),
                found: other.to_string(),
            })
        }
    };
    Ok(codes)
}

fn dense<K: Hash + Eq>(values: impl Iterator<Item = Option<K>>) -> Vec<u32> {
    let mut seen: FastMap<Option<K>, u32> = FastMap::default();
    values
        .map(|v| {
            let next = seen.len() as u32;
            *seen.entry(v).or_insert(next)
        })
        .collect()
}
