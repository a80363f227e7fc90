//! Grouping rows by one or more key columns.

use super::Input;
use crate::error::{Error, Result};
use arrow_array::{
    cast::AsArray, types::*, Array, ArrayRef, ArrowPrimitiveType, PrimitiveArray, UInt32Array,
};
use arrow_schema::{DataType, Field};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

/// The Fx hash (rustc's) with a final mix: a multiply-rotate hash several times faster than
/// the standard SipHash, hashing being most of the cost of grouping. It starts from a seed
/// drawn once per process: unseeded, keys could be made whose hashes collide (a file of
/// 15 800 crafted 15-character ids took 35 s to group instead of 0.2 s, and could not be
/// cancelled), for a service grouping files uploaded by others. No result depends on the
/// seed: every map numbers its keys in order of first appearance.
#[derive(Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl Default for FxHasher {
    #[inline]
    fn default() -> Self {
        FxHasher { hash: seed() }
    }
}

/// This process's hash seed (from the standard library's random hash keys).
#[inline]
fn seed() -> u64 {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| {
        use std::hash::BuildHasher;
        std::collections::hash_map::RandomState::new().hash_one(0x636f_6c6c_6162_u64)
    })
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
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
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

/// Refuses a breakdown listed twice: two key columns of one name in the result (which pandas
/// keeps and polars refuses after the work is done), or each of its rows twice in a summary.
pub(crate) fn check_listed_once(by: &[String]) -> Result<()> {
    match (1..by.len()).find(|&k| by[..k].contains(&by[k])) {
        None => Ok(()),
        Some(k) => Err(Error::invalid_argument(
            "by",
            format!(
                "`{}` is listed more than once; list each breakdown once",
                by[k]
            ),
        )),
    }
}

impl Groups {
    /// Groups the rows of `input` by the columns we call `by` (none: one group of every row).
    /// Nulls in a key form a group of their own.
    pub fn new(input: &Input, by: &[String]) -> Result<Self> {
        check_listed_once(by)?;
        let n = input.num_rows();
        let mut codes = vec![0u32; n];
        let mut n_groups: usize = usize::from(n > 0);
        let columns = by
            .iter()
            .map(|name| key_column(input.column(name)?, input.name(name)))
            .collect::<Result<Vec<_>>>()?;
        for (k, (name, col)) in by.iter().zip(&columns).enumerate() {
            let col_codes = key_codes(col, input.name(name))?;
            if k == 0 {
                codes = col_codes;
                n_groups = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            } else {
                n_groups = combine(&mut codes, n_groups, &col_codes);
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
        for (name, col) in by.iter().zip(&columns) {
            let failed = |e: arrow_schema::ArrowError| Error::invalid_argument("by", e.to_string());
            let mut values =
                arrow_select::take::take(col.as_ref(), &take_idx, None).map_err(failed)?;
            // A result's key column holds each value once, and no null, in its dictionary
            // (a given dictionary may repeat a value or hold a null: pandas cannot load that).
            if matches!(values.data_type(), DataType::Dictionary(_, v) if super::coerce::is_text_or_integer(v))
            {
                if let Some(once) = super::coerce::one_copy_each(&values, input.name(name), failed)?
                {
                    values = once;
                }
            }
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

/// Combines the group codes so far (`codes`, `n_groups` of them) with one more column's codes:
/// each distinct (previous, this) pair gets a new dense code, in order of first appearance.
/// Returns the number of pairs. When the pairs fit in a table not much larger than the input,
/// each is looked up by its position `previous × cardinality + this` (no hashing); otherwise
/// in a hash map. Both give the same codes.
fn combine(codes: &mut [u32], n_groups: usize, col_codes: &[u32]) -> usize {
    let card = col_codes.iter().map(|&k| k as usize + 1).max().unwrap_or(0);
    let cells = n_groups.saturating_mul(card);
    if cells <= 2 * codes.len() + (1 << 16) {
        let mut table = vec![u32::MAX; cells];
        let mut next = 0u32;
        for (c, &k) in codes.iter_mut().zip(col_codes) {
            // Every code so far is below `n_groups` and every `k` below `card`: in bounds.
            let slot = &mut table[*c as usize * card + k as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            *c = *slot;
        }
        return next as usize;
    }
    let mut seen: FastMap<(u32, u32), u32> = FastMap::default();
    for (c, &k) in codes.iter_mut().zip(col_codes) {
        let next = seen.len() as u32;
        *c = *seen.entry((*c, k)).or_insert(next);
    }
    seen.len()
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
    if super::is_null_at(values, i) {
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
        DataType::Float32 => {
            crate::error::format_value(f64::from(values.as_primitive::<Float32Type>().value(i)))
        }
        DataType::Float64 => {
            crate::error::format_value(values.as_primitive::<Float64Type>().value(i))
        }
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

/// A key column as it is grouped: `date64` and timestamp columns as their dates (`date32`),
/// dated as every date column is (`limits.md`, "Dates": a timestamp by its clock, so 09:00 and
/// 17:00 of one day are one group), so that the same dates group alike whatever their type
/// (pandas' `datetime64` columns arrive as timestamps).
fn key_column(col: &ArrayRef, name: &str) -> Result<ArrayRef> {
    Ok(match col.data_type() {
        DataType::Date64 | DataType::Timestamp(_, _) => Arc::new(
            super::dates::column_dates(col, name)?
                .into_iter()
                .collect::<arrow_array::Date32Array>(),
        ),
        _ => col.clone(),
    })
}

/// The order of group labels shown to people (a breakdown's groups, a decomposition's):
/// numbers numerically (IMD deciles 1..10; equal numbers such as "1" and "01" by their text),
/// text alphabetically, missing last.
pub(crate) fn label_order(labels: &[Option<String>]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    let numeric = labels.iter().flatten().all(|l| l.parse::<f64>().is_ok());
    idx.sort_by(|&a, &b| match (&labels[a], &labels[b]) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) if numeric => x
            .parse::<f64>()
            .unwrap_or(0.0)
            .total_cmp(&y.parse::<f64>().unwrap_or(0.0))
            .then(x.cmp(y)),
        (Some(x), Some(y)) => x.cmp(y),
    });
    idx
}

/// Dense codes (order of first appearance) for the values of one key column.
pub(crate) fn key_codes(col: &ArrayRef, name: &str) -> Result<Vec<u32>> {
    if matches!(
        col.data_type(),
        DataType::Date64 | DataType::Timestamp(_, _)
    ) {
        return key_codes(&key_column(col, name)?, name);
    }
    // Short texts (codes, identifiers) as one integer each: the same codes, less work.
    if let Some(p) = super::short::Packer::of(col) {
        // The packer's null key is a value of its own: no `Option` around the 16 bytes.
        return Ok(dense_par(col.len(), |i| p.key(i)));
    }
    let codes = match col.data_type() {
        DataType::Null => vec![0; col.len()],
        DataType::Utf8 => {
            let a = col.as_string::<i32>();
            dense_par(a.len(), |i| a.is_valid(i).then(|| a.value(i)))
        }
        DataType::LargeUtf8 => {
            let a = col.as_string::<i64>();
            dense_par(a.len(), |i| a.is_valid(i).then(|| a.value(i)))
        }
        DataType::Utf8View => {
            let a = col.as_string_view();
            dense_par(a.len(), |i| a.is_valid(i).then(|| a.value(i)))
        }
        DataType::Boolean => dense(col.as_boolean().iter()),
        DataType::Int8 => dense_int(col.as_primitive::<Int8Type>(), i128::from),
        DataType::Int16 => dense_int(col.as_primitive::<Int16Type>(), i128::from),
        DataType::Int32 => dense_int(col.as_primitive::<Int32Type>(), i128::from),
        DataType::Int64 => dense_int(col.as_primitive::<Int64Type>(), i128::from),
        DataType::UInt8 => dense_int(col.as_primitive::<UInt8Type>(), i128::from),
        DataType::UInt16 => dense_int(col.as_primitive::<UInt16Type>(), i128::from),
        DataType::UInt32 => dense_int(col.as_primitive::<UInt32Type>(), i128::from),
        DataType::UInt64 => dense_int(col.as_primitive::<UInt64Type>(), i128::from),
        DataType::Date32 => {
            // Checked against the supported range, as a date64 or timestamp key is (a key
            // column is a date column too); the error, naming the row, only when one is out.
            let dates = col.as_primitive::<Date32Type>();
            if dates.iter().flatten().any(|d| !super::dates::in_range(d)) {
                super::dates::column_dates(col, name)?;
            }
            dense_int(dates, i128::from)
        }
        // A dictionary without values holds nulls only, whatever its values' type: pandas
        // makes an all-NaN categorical without categories a dictionary of doubles.
        DataType::Dictionary(_, _) if col.as_any_dictionary().values().is_empty() => {
            vec![0; col.len()]
        }
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
                expected:
                    "a grouping key (string, integer, boolean, date, timestamp or dictionary)"
                        .to_owned(),
                found: super::type_name(other),
            })
        }
    };
    Ok(codes)
}

/// Dense codes of an integer (or date) column. When its values span a range not much larger
/// than the column, each value is looked up at its offset from the minimum (no hashing; the
/// null rows share one extra slot); otherwise by hashing the integers, in parallel as text
/// keys are (identifiers such as NHS numbers span far more than the rows). Both give the
/// codes of [`dense`]: order of first appearance.
fn dense_int<T: ArrowPrimitiveType>(
    a: &PrimitiveArray<T>,
    wide: impl Fn(T::Native) -> i128,
) -> Vec<u32>
where
    T::Native: Hash + Eq + Default,
{
    let hashed = || dense_par(a.len(), |i| a.is_valid(i).then(|| a.value(i)));
    let range = a
        .iter()
        .flatten()
        .map(&wide)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
        });
    let Some((lo, hi)) = range else {
        return hashed();
    };
    // At most u64::MAX − i64::MIN wide: no overflow in i128.
    let span = hi - lo + 1;
    if span > (2 * a.len() + (1 << 16)) as i128 {
        return hashed();
    }
    // `span` is small (bounded just above), so every offset fits a usize.
    let null_slot = span as usize;
    let mut table = vec![u32::MAX; null_slot + 1];
    let mut next = 0u32;
    a.iter()
        .map(|v| {
            let slot = &mut table[v.map_or(null_slot, |v| (wide(v) - lo) as usize)];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            *slot
        })
        .collect()
}

/// Rows per task when coding a text column in parallel.
const CODE_TASK: usize = 1 << 15;

/// [`dense`] of `value(0..n)`, in parallel chunks when the column is long: each chunk codes
/// its rows by their order of first appearance within it, then the chunks' distinct values
/// are numbered in chunk order (which is their order of first appearance in the column) and
/// each chunk's codes are renumbered. The same codes as one pass in order.
fn dense_par<'a, K, F>(n: usize, value: F) -> Vec<u32>
where
    K: Hash + Eq + Copy + Default + Send + Sync + 'a,
    F: Fn(usize) -> K + Sync,
{
    if n < 2 * CODE_TASK {
        return dense((0..n).map(&value));
    }
    if mostly_distinct(&value) {
        // Mostly distinct values (identifiers): the chunks' distinct values would be nearly
        // all of them, renumbered in order on one thread; partitioned by hash instead.
        return dense_distinct(n, value);
    }
    let mut codes = vec![0u32; n];
    let distinct: Vec<Vec<K>> = codes
        .par_chunks_mut(CODE_TASK)
        .enumerate()
        .map(|(c, out)| {
            let mut seen: FastMap<K, u32> = FastMap::default();
            let mut order = Vec::new();
            for (j, code) in out.iter_mut().enumerate() {
                let v = value(c * CODE_TASK + j);
                let next = seen.len() as u32;
                *code = *seen.entry(v).or_insert_with(|| {
                    order.push(v);
                    next
                });
            }
            order
        })
        .collect();
    let mut global: FastMap<K, u32> = FastMap::default();
    let renumber: Vec<Vec<u32>> = distinct
        .iter()
        .map(|order| {
            order
                .iter()
                .map(|v| {
                    let next = global.len() as u32;
                    *global.entry(*v).or_insert(next)
                })
                .collect()
        })
        .collect();
    codes
        .par_chunks_mut(CODE_TASK)
        .zip(renumber.par_iter())
        .for_each(|(out, to)| {
            for code in out {
                // Every local code indexes its chunk's distinct values.
                *code = to[*code as usize];
            }
        });
    codes
}

/// Whether more than half of the first [`SAMPLE`] values are distinct.
fn mostly_distinct<K: Hash + Eq>(value: impl Fn(usize) -> K) -> bool {
    let mut seen: FastMap<K, ()> = FastMap::default();
    seen.reserve(SAMPLE);
    for i in 0..SAMPLE {
        seen.insert(value(i), ());
    }
    seen.len() > SAMPLE / 2
}

/// Rows sampled by [`mostly_distinct`] (the column has at least `2 * CODE_TASK`).
const SAMPLE: usize = 1 << 10;

/// Dense codes of `values` (a value's code is the number of distinct values before its first
/// appearance), with a map from each value to its code.
fn dense<K: Hash + Eq>(values: impl Iterator<Item = K>) -> Vec<u32> {
    let mut seen: FastMap<K, u32> = FastMap::default();
    values
        .map(|v| {
            let next = seen.len() as u32;
            *seen.entry(v).or_insert(next)
        })
        .collect()
}

/// Partitions of [`dense_distinct`]: a few thousand rows each for a million, so that each
/// partition's table stays in cache.
const PARTS: usize = 256;
// A partition is kept in a byte per row.
const _: () = assert!(PARTS <= 256);

/// [`dense`] of `value(0..n)`, mostly distinct values (identifiers), in parallel: rows are
/// spread over [`PARTS`] partitions by their hash (in row order within each, each row with
/// its value), each partition finds the first row of every row's value with a small table of
/// its own, in cache, and one pass in row order then numbers the first rows and gives every
/// other row its first row's code: the codes of one pass in order. For 3 million short
/// identifiers that is about 75 MB at the peak (24 bytes a row), as much as one table of
/// codes over the distinct values took, but that table, out of cache on one core, took 3.5
/// times as long (545 against 154 ms, `benches/benches/groups.rs`).
fn dense_distinct<K, F>(n: usize, value: F) -> Vec<u32>
where
    K: Hash + Eq + Copy + Default + Send + Sync,
    F: Fn(usize) -> K + Sync,
{
    let per_task = (n / (rayon::current_num_threads() * 4)).max(CODE_TASK);
    dense_distinct_tasks(n, per_task, value)
}

/// [`dense_distinct`] in tasks of `per_task` rows (the last one shorter).
fn dense_distinct_tasks<K, F>(n: usize, per_task: usize, value: F) -> Vec<u32>
where
    K: Hash + Eq + Copy + Default + Send + Sync,
    F: Fn(usize) -> K + Sync,
{
    let hasher = BuildHasherDefault::<FxHasher>::default();
    // Bits apart from those hashbrown uses (its slot: the low bits; its tag: the top seven).
    let part_of = |v: &K| ((hasher.hash_one(v) >> 32) as usize) & (PARTS - 1);
    let mut part = vec![0u8; n];
    let counts: Vec<Vec<usize>> = part
        .par_chunks_mut(per_task)
        .enumerate()
        .map(|(t, out)| {
            let mut count = vec![0usize; PARTS];
            for (j, p) in out.iter_mut().enumerate() {
                let k = part_of(&value(t * per_task + j));
                count[k] += 1;
                *p = k as u8;
            }
            count
        })
        .collect();
    // The rows and their values by partition (partition-major, task-minor: each partition in
    // row order).
    let mut rows = vec![0u32; n];
    let mut values = vec![K::default(); n];
    {
        let mut regions: Vec<Vec<(&mut [u32], &mut [K])>> =
            counts.iter().map(|_| Vec::with_capacity(PARTS)).collect();
        let (mut r, mut v) = (rows.as_mut_slice(), values.as_mut_slice());
        for k in 0..PARTS {
            for (t, c) in counts.iter().enumerate() {
                let (r_head, r_tail) = r.split_at_mut(c[k]);
                let (v_head, v_tail) = v.split_at_mut(c[k]);
                regions[t].push((r_head, v_head));
                (r, v) = (r_tail, v_tail);
            }
        }
        regions
            .par_iter_mut()
            .zip(part.par_chunks(per_task))
            .enumerate()
            .for_each(|(t, (region, task))| {
                let mut next = vec![0usize; PARTS];
                for (j, &k) in task.iter().enumerate() {
                    let (k, i) = (usize::from(k), t * per_task + j);
                    region[k].0[next[k]] = i as u32;
                    region[k].1[next[k]] = value(i);
                    next[k] += 1;
                }
            });
    }
    drop(part);
    // Each row's first row with its value, partition by partition (in `rows`' order).
    let mut first = vec![0u32; n];
    let mut parts = Vec::with_capacity(PARTS);
    let (mut r, mut v, mut out) = (rows.as_slice(), values.as_slice(), first.as_mut_slice());
    for k in 0..PARTS {
        let size: usize = counts.iter().map(|c| c[k]).sum();
        let (r_head, r_tail) = r.split_at(size);
        let (v_head, v_tail) = v.split_at(size);
        let (o_head, o_tail) = out.split_at_mut(size);
        parts.push((r_head, v_head, o_head));
        (r, v, out) = (r_tail, v_tail, o_tail);
    }
    parts.par_iter_mut().for_each(|(rows, values, out)| {
        // The place in the partition of each distinct value's first row; room for all, so
        // never rehashed.
        let mut seen = hashbrown::HashTable::<u32>::with_capacity(rows.len());
        for (j, v) in values.iter().enumerate() {
            let entry = seen.entry(
                hasher.hash_one(v),
                |&f| values[f as usize] == *v,
                |&f| hasher.hash_one(values[f as usize]),
            );
            let f = match entry {
                hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
                hashbrown::hash_table::Entry::Vacant(e) => *e.insert(j as u32).get(),
            };
            out[j] = rows[f as usize];
        }
    });
    drop(parts);
    drop(values);
    let mut codes = vec![0u32; n];
    for (&i, &f) in rows.iter().zip(&first) {
        codes[i as usize] = f;
    }
    drop((rows, first));
    // In row order: a first row takes the next code, any other row its first row's (an
    // earlier row, already numbered).
    let mut next = 0u32;
    for i in 0..n {
        let f = codes[i] as usize;
        debug_assert!(f <= i, "a row's first row comes no later than the row");
        codes[i] = if f == i {
            next += 1;
            next - 1
        } else {
            codes[f]
        };
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::{combine, dense, key_codes};
    use arrow_array::{
        ArrayRef, Date32Array, Int64Array, LargeStringArray, StringArray, StringViewArray,
        UInt64Array,
    };
    use std::collections::HashMap;
    use std::sync::Arc;

    #[test]
    fn integer_and_text_keys_code_as_one_pass_in_order_does() {
        // Small ranges (looked up by offset) and wide ones (hashed), with nulls; text long
        // enough to be coded in parallel chunks, with values first seen in later chunks.
        let n = 100_000usize;
        let small: Int64Array = (0..n)
            .map(|i| (i % 7 != 3).then_some((i * 7919 % 5003) as i64 - 2000))
            .collect();
        let wide: Int64Array = (0..n)
            .map(|i| (i % 11 != 5).then_some((i as i64 % 97) * 1_000_000_007 - i64::MAX / 2))
            .collect();
        let top: UInt64Array = (0..n).map(|i| Some(u64::MAX - (i % 13) as u64)).collect();
        let dates: Date32Array = (0..n).map(|i| Some(18_000 + (i % 400) as i32)).collect();
        let text: StringArray = (0..n)
            .map(|i| (i % 13 != 0).then(|| format!("k{}", (i * i) % (1 + i / 1000))))
            .collect();
        // Identifiers: mostly distinct (coded in one pass rather than in chunks).
        let ids: StringArray = (0..n)
            .map(|i| (i % 17 != 4).then(|| format!("p{}", (i * 7919) % (n / 2))))
            .collect();
        // The same texts made longer than 15 bytes: hashed as text, not packed
        // (`table::short`), in the text types whose reading differs.
        let longer = |a: &StringArray| -> Vec<Option<String>> {
            a.iter()
                .map(|v| v.map(|v| format!("{v}-a-longer-key")))
                .collect()
        };
        let (long_text, long_ids) = (longer(&text), longer(&ids));
        // Ten-digit numbers (NHS numbers as person ids): mostly distinct, spanning far more
        // than the rows, so hashed in parallel.
        let nhs: Int64Array = (0..n)
            .map(|i| (i % 19 != 2).then_some(4_000_000_000 + (i * 7919 % (n / 2)) as i64 * 12_345))
            .collect();
        let cases: [(ArrayRef, Vec<u32>); 12] = [
            (Arc::new(small.clone()), dense(small.iter())),
            (Arc::new(wide.clone()), dense(wide.iter())),
            (Arc::new(top.clone()), dense(top.iter())),
            (Arc::new(dates.clone()), dense(dates.iter())),
            (Arc::new(text.clone()), dense(text.iter())),
            (Arc::new(ids.clone()), dense(ids.iter())),
            (Arc::new(nhs.clone()), dense(nhs.iter())),
            (
                Arc::new(StringViewArray::from_iter(text.iter())),
                dense(text.iter()),
            ),
            (
                Arc::new(StringArray::from(long_text.clone())),
                dense(long_text.iter().cloned()),
            ),
            (
                Arc::new(StringArray::from(long_ids.clone())),
                dense(long_ids.iter().cloned()),
            ),
            (
                Arc::new(LargeStringArray::from(long_ids.clone())),
                dense(long_ids.iter().cloned()),
            ),
            (
                Arc::new(StringViewArray::from_iter(long_text.iter())),
                dense(long_text.iter().cloned()),
            ),
        ];
        for (k, (col, want)) in cases.iter().enumerate() {
            assert_eq!(&key_codes(col, "k").unwrap(), want, "case {k}");
        }
        // The definition itself, on a short column: first appearance, nulls one group.
        let short: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(5),
            None,
            Some(3),
            Some(5),
            None,
        ]));
        assert_eq!(key_codes(&short, "k").unwrap(), vec![0, 1, 2, 0, 1]);
    }

    #[test]
    fn mostly_distinct_keys_code_as_one_pass_in_order_does() {
        use super::{dense_distinct, dense_distinct_tasks};
        // Distinct first (so the sample finds them mostly distinct), then one value over and
        // over, then earlier values again in reverse, new ones last: first appearances in
        // every task, repeats across tasks and partitions.
        let n = 300_000usize;
        let key = |i: usize| -> u128 {
            match i {
                i if i < 100_000 => i as u128,
                i if i < 200_000 => 7,
                i if i < 280_000 => (280_000 - i) as u128 * 3,
                i => (i as u128) << 64,
            }
        };
        let text: Vec<String> = (0..n).map(|i| format!("k{}", key(i))).collect();
        let value = |i: usize| (!i.is_multiple_of(13)).then(|| text[i].as_str());
        let (want_key, want_text) = (dense((0..n).map(key)), dense((0..n).map(value)));
        assert_eq!(dense_distinct(n, key), want_key);
        // Task sizes whatever the threads: many tasks, a short last one, one task.
        for per_task in [777, 32_768, 99_999, n] {
            assert_eq!(
                dense_distinct_tasks(n, per_task, key),
                want_key,
                "{per_task}"
            );
            assert_eq!(
                dense_distinct_tasks(n, per_task, value),
                want_text,
                "{per_task}"
            );
        }
    }

    #[test]
    fn a_date_key_outside_the_supported_range_is_an_error_whatever_its_type() {
        use arrow_array::TimestampSecondArray;
        // 1 January 1700 is day -98 615 since 1970 (-98 615 × 86 400 s), before 1800-01-01.
        let days: ArrayRef = Arc::new(Date32Array::from(vec![Some(0), None, Some(-98_615)]));
        let seconds: ArrayRef = Arc::new(TimestampSecondArray::from(vec![
            Some(0),
            None,
            Some(-98_615 * 86_400),
        ]));
        for col in [days, seconds] {
            let e = key_codes(&col, "month").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidCell, "{e}");
            let text = e.to_string();
            assert!(
                text.starts_with("invalid value in column `month` at row 2 ("),
                "{text}"
            );
        }
    }

    /// The definition: each distinct (previous, this) pair numbered in order of first
    /// appearance.
    fn by_pairs(prev: &[u32], this: &[u32]) -> (Vec<u32>, usize) {
        let mut seen = HashMap::new();
        let codes = prev
            .iter()
            .zip(this)
            .map(|p| {
                let next = seen.len() as u32;
                *seen.entry(p).or_insert(next)
            })
            .collect();
        (codes, seen.len())
    }

    #[test]
    fn combined_codes_follow_first_appearance_by_table_and_by_map() {
        // 3 × 4 pairs among 10 rows: the lookup table. Then 1 000 × 1 000 pairs among 1 000
        // rows (a million cells, beyond the table's bound): the hash map.
        let small_prev = [2, 0, 2, 1, 0, 2, 1, 1, 0, 2];
        let small_this = [3, 0, 3, 1, 1, 0, 3, 1, 0, 2];
        let large_prev: Vec<u32> = (0..1000).map(|i| (i * 7 % 1000) as u32).collect();
        let large_this: Vec<u32> = (0..1000).map(|i| (i * 13 % 1000) as u32).collect();
        let cases: [(&[u32], &[u32], usize); 2] = [
            (&small_prev, &small_this, 3),
            (&large_prev, &large_this, 1000),
        ];
        for (prev, this, n_prev) in cases {
            let (want, n_want) = by_pairs(prev, this);
            let mut codes = prev.to_vec();
            assert_eq!(combine(&mut codes, n_prev, this), n_want);
            assert_eq!(codes, want);
        }
        // (2,3) (0,0) (1,1) (0,1) (2,0) (1,3) (2,2): seven pairs.
        assert_eq!(by_pairs(&small_prev, &small_this).1, 7);
    }

    /// The same dates group alike as `date32`, `date64` and timestamps (here in
    /// `Europe/London`: 23:30 UTC on 31 March 2024 is 00:30 BST on 1 April), and the keys come
    /// out as dates.
    #[test]
    fn date64_and_timestamp_keys_group_as_their_dates() {
        use super::{Groups, Input};
        use arrow_array::{cast::AsArray, types::Date32Type};
        use arrow_array::{Date64Array, RecordBatch, TimestampSecondArray};
        use arrow_schema::{DataType, Field, Schema};
        use std::sync::Arc;
        // 2024-04-01 is day 19 814; 2024-03-31 day 19 813.
        let days = [19_814, 19_813, 19_814, 19_813];
        let ms: Vec<i64> = days.iter().map(|&d| i64::from(d) * 86_400_000).collect();
        // 1 April at 00:30 BST, 31 March at 12:00 GMT, 1 April at 18:00 BST, 31 March at 00:00.
        let seconds = [1_711_927_800, 1_711_886_400, 1_711_990_800, 1_711_843_200];
        let columns: [ArrayRef; 3] = [
            Arc::new(Date32Array::from(days.to_vec())),
            Arc::new(Date64Array::from(ms)),
            Arc::new(TimestampSecondArray::from(seconds.to_vec()).with_timezone("Europe/London")),
        ];
        for col in columns {
            let schema = Arc::new(Schema::new(vec![Field::new(
                "day",
                col.data_type().clone(),
                false,
            )]));
            let batch = RecordBatch::try_new(schema.clone(), vec![col]).unwrap();
            let input = Input::new(schema, &[batch], Default::default()).unwrap();
            let groups = Groups::new(&input, &["day".to_owned()]).unwrap();
            assert_eq!(groups.codes, [0, 1, 0, 1]);
            let (field, keys) = &groups.keys[0];
            assert_eq!(field.data_type(), &DataType::Date32);
            assert_eq!(
                keys.as_primitive::<Date32Type>().values(),
                &[19_814, 19_813]
            );
            assert_eq!(groups.label(1), "day=2024-03-31");
            // As a key read directly (disclosure's dimensions), the same codes.
            let col = input.column("day").unwrap();
            assert_eq!(key_codes(col, "day").unwrap(), [0, 1, 0, 1]);
        }
    }

    /// Short ids crafted so that their unseeded hashes collide (from an audit: 15 800 of them
    /// took 35 s to group) hash apart with this process's seed.
    #[test]
    fn crafted_colliding_ids_do_not_collide_under_the_seed() {
        use super::FxHasher;
        use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
        let ids: ArrayRef = Arc::new(StringArray::from(vec![
            "EBAAQCAMe#&NV3:",
            "EBADRDHSc#&.Y_n",
            "EBAFDMAZu#&n>h!",
        ]));
        let packer = crate::table::short::Packer::of(&ids).unwrap();
        let keys: Vec<Option<u128>> = (0..3).map(|i| Some(packer.key(i))).collect();
        let unseeded = |k: &Option<u128>| {
            let mut h = FxHasher { hash: 0 };
            k.hash(&mut h);
            h.finish()
        };
        assert!(keys.iter().all(|k| unseeded(k) == unseeded(&keys[0])));
        let seeded = BuildHasherDefault::<FxHasher>::default();
        let hashes: std::collections::HashSet<u64> =
            keys.iter().map(|k| seeded.hash_one(k)).collect();
        assert_eq!(hashes.len(), 3);
    }
}
