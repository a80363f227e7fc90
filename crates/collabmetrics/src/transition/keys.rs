//! Joining the three tables on their identifiers: one dictionary built from the owning table
//! (persons, referrals), looked up by the referring table (referrals, contacts).

use crate::error::{Error, Result};
use crate::table::coerce::{is_text, visit_keys, Key};
use crate::table::groups::FastMap;
use crate::table::short::{self, Packer};
use crate::table::ColumnKind;
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef};
use arrow_schema::DataType;

/// Marks a referring row whose identifier is not in the dictionary.
pub(crate) const UNKNOWN: u32 = u32::MAX;

/// An identifier dictionary: value → dense index (the owning table's row order).
pub(crate) enum KeyDict<'a> {
    /// Integer identifiers within a small range: a direct table, no hashing.
    Dense {
        min: i64,
        slots: Vec<u32>,
    },
    Int(FastMap<i64, u32>),
    /// Text identifiers of at most 15 bytes, by their packed keys ([`short`]).
    Short(FastMap<u128, u32>),
    Str(FastMap<&'a str, u32>),
}

/// Calls `f(row, value)` for every row of an identifier column (the table layer's rule:
/// text, or integers of any type read as i64).
fn visit<'a>(
    col: &'a ArrayRef,
    name: &str,
    f: impl FnMut(usize, Key<'a>) -> Result<()>,
) -> Result<()> {
    visit_keys(col, name, ColumnKind::Identifier.expected(), f)
}

/// The values of an integer identifier column widened to i64 (`None` for a text column);
/// a null (or a `UInt64` beyond i64) is an error naming its row, counted from `offset`.
pub(crate) fn int_keys(col: &ArrayRef, name: &str, offset: usize) -> Result<Option<Vec<i64>>> {
    if is_text(col.data_type()) {
        return Ok(None);
    }
    if col.data_type() == &DataType::Int64 && col.null_count() == 0 {
        return Ok(Some(col.as_primitive::<Int64Type>().values().to_vec()));
    }
    let mut out = Vec::with_capacity(col.len());
    visit(col, name, |row, key| match key {
        Key::Int(v) => {
            out.push(v);
            Ok(())
        }
        _ => Err(null_id(name, row)),
    })
    .map_err(|e| e.at_offset(offset))?;
    Ok(Some(out))
}

/// `table[v − min]` for each value (`missing` outside the table): the common case (integer
/// identifiers 1..n, no nulls) as a tight loop of independent loads, so the processor
/// overlaps the cache misses of a random order.
fn dense_gather<T: Copy>(values: &[i64], min: i64, table: &[T], missing: T) -> Vec<T> {
    values
        .iter()
        .map(|&v| dense_at(v, min, table, missing))
        .collect()
}

/// `table[v − min]`, `missing` outside the table.
#[inline(always)]
fn dense_at<T: Copy>(v: i64, min: i64, table: &[T], missing: T) -> T {
    let o = v.wrapping_sub(min) as u64;
    if o < table.len() as u64 {
        table[o as usize]
    } else {
        missing
    }
}

fn null_id(name: &str, row: usize) -> Error {
    Error::InvalidCell {
        table: None,
        column: name.to_owned(),
        row,
        value: "null".to_owned(),
        rule: "an identifier is required".to_owned(),
    }
}

fn duplicate(name: &str, row: usize, value: String, first: u32) -> Error {
    Error::InvalidCell {
        table: None,
        column: name.to_owned(),
        row,
        value,
        rule: format!("identifiers must be unique; first seen at row {first}"),
    }
}

impl<'a> KeyDict<'a> {
    /// The dictionary of a unique, non-null identifier column (index = row).
    pub(crate) fn build(col: &'a ArrayRef, name: &str) -> Result<Self> {
        if let Some(p) = Packer::of(col) {
            return Self::build_short(col, &p, name);
        }
        if is_text(col.data_type()) {
            let mut map = FastMap::default();
            map.reserve(col.len());
            visit(col, name, |row, v| match v {
                Key::Str(v) => match map.insert(v, row as u32) {
                    Some(first) => Err(duplicate(name, row, v.to_owned(), first)),
                    None => Ok(()),
                },
                _ => Err(null_id(name, row)),
            })?;
            return Ok(KeyDict::Str(map));
        }
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        visit(col, name, |row, v| match v {
            Key::Int(v) => {
                lo = lo.min(v);
                hi = hi.max(v);
                Ok(())
            }
            _ => Err(null_id(name, row)),
        })?;
        let n = col.len();
        // Identifiers numbered 1..n (or nearly): a direct table beats any hash map.
        let dense = n > 0
            && hi
                .checked_sub(lo)
                .is_some_and(|span| span < 4 * n as i64 + 64);
        if dense {
            let mut slots = vec![UNKNOWN; (hi - lo + 1) as usize];
            visit(col, name, |row, v| {
                let Key::Int(v) = v else { return Ok(()) };
                let slot = &mut slots[(v - lo) as usize];
                if *slot != UNKNOWN {
                    return Err(duplicate(name, row, v.to_string(), *slot));
                }
                *slot = row as u32;
                Ok(())
            })?;
            return Ok(KeyDict::Dense { min: lo, slots });
        }
        let mut map = FastMap::default();
        map.reserve(n);
        visit(col, name, |row, v| {
            let Key::Int(v) = v else { return Ok(()) };
            match map.insert(v, row as u32) {
                Some(first) => Err(duplicate(name, row, v.to_string(), first)),
                None => Ok(()),
            }
        })?;
        Ok(KeyDict::Int(map))
    }

    fn build_short(col: &ArrayRef, p: &Packer, name: &str) -> Result<Self> {
        let mut map = FastMap::default();
        map.reserve(col.len());
        visit_short(col, p, name, |row, k| match map.insert(k, row as u32) {
            Some(first) => {
                let value = crate::table::display(col.as_ref(), row);
                Err(duplicate(name, row, value, first))
            }
            None => Ok(()),
        })?;
        Ok(KeyDict::Short(map))
    }

    /// A string column against integer identifiers (or the reverse) is an error, named with
    /// `owner`, the owning column.
    fn check_kind(&self, col: &ArrayRef, name: &str, owner: &str) -> Result<()> {
        let text = is_text(col.data_type());
        if text != matches!(self, KeyDict::Str(_) | KeyDict::Short(_)) {
            return Err(Error::ColumnType {
                table: None,
                column: name.to_owned(),
                expected: format!(
                    "the same kind of identifier as `{owner}` ({})",
                    if text { "integers" } else { "strings" }
                ),
                found: crate::table::type_name(col.data_type()),
            });
        }
        Ok(())
    }

    /// Checks a referring text column as [`KeyDict::lookup`] does (the owning column's kind;
    /// no null), without looking anything up: for callers that compare each row with a known
    /// owner's identifier instead.
    pub(crate) fn check_referring(&self, col: &ArrayRef, name: &str, owner: &str) -> Result<()> {
        self.check_kind(col, name, owner)?;
        match col
            .logical_nulls()
            .and_then(|n| n.iter().position(|ok| !ok))
        {
            Some(row) => Err(null_id(name, row)),
            None => Ok(()),
        }
    }

    /// A gatherer of `by_row` (one value per owning row) by identifier: for dense integer
    /// identifiers the values are laid out by identifier, so each lookup is one memory access.
    pub(crate) fn gather<'v, T: Copy>(&self, by_row: &'v [T], missing: T) -> Gather<'_, 'a, 'v, T> {
        let dense = match self {
            KeyDict::Dense { min, slots } => Some((
                *min,
                slots
                    .iter()
                    .map(|&r| {
                        if r == UNKNOWN {
                            missing
                        } else {
                            by_row[r as usize]
                        }
                    })
                    .collect(),
            )),
            _ => None,
        };
        Gather {
            dict: self,
            by_row,
            dense,
            missing,
        }
    }

    /// The dictionary index of every row of a referring column ([`UNKNOWN`] when absent). A
    /// null identifier is an error; so is a string column against integer identifiers (or the
    /// reverse), named with `owner`, the owning column.
    pub(crate) fn lookup(&self, col: &ArrayRef, name: &str, owner: &str) -> Result<Vec<u32>> {
        self.check_kind(col, name, owner)?;
        if let (KeyDict::Dense { min, slots }, DataType::Int64) = (self, col.data_type()) {
            if col.null_count() == 0 {
                let values = col.as_primitive::<Int64Type>().values();
                return Ok(dense_gather(values, *min, slots, UNKNOWN));
            }
        }
        if let KeyDict::Short(map) = self {
            return short_rows(map, col, name, |r| r.unwrap_or(UNKNOWN));
        }
        let mut out = vec![UNKNOWN; col.len()];
        visit(col, name, |row, v| {
            out[row] = match (self, v) {
                (_, Key::Null) => return Err(null_id(name, row)),
                (KeyDict::Dense { min, slots }, Key::Int(v)) => v
                    .checked_sub(*min)
                    .and_then(|o| usize::try_from(o).ok())
                    .and_then(|o| slots.get(o).copied())
                    .unwrap_or(UNKNOWN),
                (KeyDict::Int(map), Key::Int(v)) => map.get(&v).copied().unwrap_or(UNKNOWN),
                (KeyDict::Str(map), Key::Str(v)) => map.get(v).copied().unwrap_or(UNKNOWN),
                _ => UNKNOWN,
            };
            Ok(())
        })?;
        Ok(out)
    }
}

/// See [`KeyDict::gather`].
pub(crate) struct Gather<'d, 'a, 'v, T> {
    dict: &'d KeyDict<'a>,
    by_row: &'v [T],
    dense: Option<(i64, Vec<T>)>,
    missing: T,
}

impl<T: Copy> Gather<'_, '_, '_, T> {
    /// The owning row's value for each row of a referring column, to be read row by row
    /// (`missing` when the identifier is not in the dictionary): for integer identifiers in a
    /// dense table without nulls, each row is looked up as it is read (no vector of the
    /// values is made: the caller reads each row once, in a pass of its own); otherwise
    /// gathered first. Errors name rows counted from `offset` (the column may be a slice).
    pub(crate) fn lookup<'c>(
        &'c self,
        col: &'c ArrayRef,
        name: &str,
        owner: &str,
        offset: usize,
    ) -> Result<Looked<'c, T>> {
        self.dict.check_kind(col, name, owner)?;
        if let (Some((min, table)), DataType::Int64) = (&self.dense, col.data_type()) {
            if col.null_count() == 0 {
                return Ok(Looked::Dense {
                    ids: col.as_primitive::<Int64Type>().values(),
                    min: *min,
                    table,
                    missing: self.missing,
                });
            }
        }
        self.gathered(col, name, offset).map(Looked::Gathered)
    }

    /// The owning row's value for every row of a column of the dictionary's kind (`missing`
    /// when the identifier is not in the dictionary), other than [`Gather::lookup`]'s dense
    /// case. Errors name rows counted from `offset` (the column may be a slice of the table).
    fn gathered(&self, col: &ArrayRef, name: &str, offset: usize) -> Result<Vec<T>> {
        let row_of =
            |map_row: Option<&u32>| map_row.map_or(self.missing, |&r| self.by_row[r as usize]);
        if let KeyDict::Short(map) = self.dict {
            return short_rows(map, col, name, |r| row_of(r.as_ref()))
                .map_err(|e| e.at_offset(offset));
        }
        let mut out = Vec::with_capacity(col.len());
        visit(col, name, |row, key| {
            out.push(match (key, &self.dense, self.dict) {
                (Key::Null, _, _) => return Err(null_id(name, row)),
                (Key::Int(v), Some((min, table)), _) => v
                    .checked_sub(*min)
                    .and_then(|o| usize::try_from(o).ok())
                    .and_then(|o| table.get(o).copied())
                    .unwrap_or(self.missing),
                (Key::Int(v), None, KeyDict::Int(map)) => row_of(map.get(&v)),
                (Key::Str(v), _, KeyDict::Str(map)) => row_of(map.get(v)),
                _ => self.missing,
            });
            Ok(())
        })
        .map_err(|e| e.at_offset(offset))?;
        Ok(out)
    }
}

/// The owning rows' values of a referring column, row by row (see [`Gather::lookup`]).
pub(crate) enum Looked<'c, T> {
    /// Looked up as read: `table[id − min]`, `missing` outside it (as [`dense_gather`]).
    Dense {
        ids: &'c [i64],
        min: i64,
        table: &'c [T],
        missing: T,
    },
    Gathered(Vec<T>),
}

impl<T: Copy> Looked<'_, T> {
    /// Row `i`'s value.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> T {
        match self {
            Looked::Dense {
                ids,
                min,
                table,
                missing,
            } => dense_at(ids[i], *min, table, *missing),
            Looked::Gathered(v) => v[i],
        }
    }
}

/// Calls `f(row, key)` for every row of a short text identifier column (the caller's
/// cancellation checked every 65 536 rows); a null is an error naming its row.
fn visit_short(
    col: &ArrayRef,
    p: &Packer,
    name: &str,
    mut f: impl FnMut(usize, u128) -> Result<()>,
) -> Result<()> {
    let mut tick = crate::cancel::Ticker::new(1 << 16);
    for row in 0..col.len() {
        tick.tick()?;
        let k = p.key(row);
        if k == short::NULL {
            return Err(null_id(name, row));
        }
        f(row, k)?;
    }
    Ok(())
}

/// `of(index)` for each row of a referring text column against short identifiers (`None`
/// where the identifier is not in `map`: a text longer than 15 bytes never is). A null is an
/// error naming its row.
fn short_rows<T>(
    map: &FastMap<u128, u32>,
    col: &ArrayRef,
    name: &str,
    mut of: impl FnMut(Option<u32>) -> T,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(col.len());
    if let Some(p) = Packer::of(col) {
        visit_short(col, &p, name, |_, k| {
            out.push(of(map.get(&k).copied()));
            Ok(())
        })?;
        return Ok(out);
    }
    visit(col, name, |row, v| match v {
        Key::Str(v) => {
            out.push(of(
                short::pack(v.as_bytes()).and_then(|k| map.get(&k).copied())
            ));
            Ok(())
        }
        _ => Err(null_id(name, row)),
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of a lookup.
    fn values(
        g: &Gather<'_, '_, '_, i32>,
        col: &ArrayRef,
        name: &str,
        owner: &str,
        offset: usize,
    ) -> Result<Vec<i32>> {
        let looked = g.lookup(col, name, owner, offset)?;
        Ok((0..col.len()).map(|i| looked.get(i)).collect())
    }
    use arrow_array::{Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn dense_sparse_and_text_identifiers_join() {
        let dense: ArrayRef = Arc::new(Int64Array::from(vec![3, 1, 2]));
        let d = KeyDict::build(&dense, "person_id").unwrap();
        assert!(matches!(d, KeyDict::Dense { .. }));
        let refs: ArrayRef = Arc::new(Int64Array::from(vec![2, 9, 3, -5]));
        assert_eq!(
            d.lookup(&refs, "person_id", "persons.person_id").unwrap(),
            vec![2, UNKNOWN, 0, UNKNOWN]
        );
        // Row by row (`lookup`) as gathered (`values`): looked up in the dense table, and
        // gathered for a column with a null (an error) or of another integer type.
        let by_row = [10, 20, 30];
        let g = d.gather(&by_row, -1);
        let ids: ArrayRef = Arc::new(Int64Array::from(vec![2, 9, 3, -5, i64::MIN, 1]));
        let looked = g.lookup(&ids, "r", "o", 0).unwrap();
        assert!(matches!(looked, Looked::Dense { .. }));
        let row_by_row: Vec<i32> = (0..ids.len()).map(|i| looked.get(i)).collect();
        assert_eq!(row_by_row, [30, -1, 10, -1, -1, 20]);
        let small: ArrayRef = Arc::new(arrow_array::Int32Array::from(vec![2, 9]));
        let looked = g.lookup(&small, "r", "o", 0).unwrap();
        assert!(matches!(looked, Looked::Gathered(_)));
        assert_eq!([looked.get(0), looked.get(1)], [30, -1]);
        let null: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None]));
        assert!(g.lookup(&null, "r", "o", 4).is_err());
        let sparse: ArrayRef = Arc::new(Int64Array::from(vec![10_000_000_000, 7]));
        let s = KeyDict::build(&sparse, "id").unwrap();
        assert!(matches!(s, KeyDict::Int(_)));
        let q: ArrayRef = Arc::new(Int64Array::from(vec![7, 10_000_000_000, 8]));
        assert_eq!(s.lookup(&q, "id", "o").unwrap(), vec![1, 0, UNKNOWN]);
        let text: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let t = KeyDict::build(&text, "id").unwrap();
        let q: ArrayRef = Arc::new(StringArray::from(vec!["b", "z"]));
        assert_eq!(t.lookup(&q, "id", "o").unwrap(), vec![1, UNKNOWN]);
        let err = t.lookup(&refs, "contacts.person_id", "persons.person_id");
        assert!(matches!(err, Err(Error::ColumnType { .. })));
    }

    /// Short identifiers (packed keys) and long ones (hashed text) join alike, whichever side
    /// has texts longer than 15 bytes; nulls and duplicates are errors on both paths.
    #[test]
    fn short_and_long_text_identifiers_join_alike() {
        let long = "a-referral-id-of-24-char";
        let short_owner: ArrayRef = Arc::new(StringArray::from(vec!["R1", "R22", "R333"]));
        let long_owner: ArrayRef = Arc::new(StringArray::from(vec!["R1", "R22", long]));
        let s = KeyDict::build(&short_owner, "referral_id").unwrap();
        assert!(matches!(s, KeyDict::Short(_)));
        let l = KeyDict::build(&long_owner, "referral_id").unwrap();
        assert!(matches!(l, KeyDict::Str(_)));
        let short_q: ArrayRef = Arc::new(StringArray::from(vec!["R333", "R1", "R4", "R22"]));
        let long_q: ArrayRef = Arc::new(StringArray::from(vec![long, "R22", "R1", "R"]));
        let o = "referrals.referral_id";
        assert_eq!(s.lookup(&short_q, "c", o).unwrap(), vec![2, 0, UNKNOWN, 1]);
        assert_eq!(
            s.lookup(&long_q, "c", o).unwrap(),
            vec![UNKNOWN, 1, 0, UNKNOWN]
        );
        assert_eq!(
            l.lookup(&short_q, "c", o).unwrap(),
            vec![UNKNOWN, 0, UNKNOWN, 1]
        );
        assert_eq!(l.lookup(&long_q, "c", o).unwrap(), vec![2, 1, 0, UNKNOWN]);
        let by_row = [10, 20, 30];
        let g = s.gather(&by_row, -1);
        assert_eq!(
            values(&g, &short_q, "c", o, 0).unwrap(),
            vec![30, 10, -1, 20]
        );
        assert_eq!(
            values(&g, &long_q, "c", o, 0).unwrap(),
            vec![-1, 20, 10, -1]
        );
        for q in [
            StringArray::from(vec![Some("R1"), None]),
            StringArray::from(vec![Some(long), None]),
        ] {
            let q: ArrayRef = Arc::new(q);
            for d in [&s, &l] {
                let err = d.lookup(&q, "c", o).err().unwrap();
                assert!(err.to_string().contains("row 1"), "{err}");
                let err = values(&d.gather(&by_row, -1), &q, "c", o, 5).err().unwrap();
                assert!(err.to_string().contains("row 6"), "{err}");
            }
        }
        let dup: ArrayRef = Arc::new(StringArray::from(vec!["x", "y", "x"]));
        let err = KeyDict::build(&dup, "referral_id").err().unwrap();
        assert!(err.to_string().contains("row 2"), "{err}");
        assert!(err.to_string().contains("first seen at row 0"), "{err}");
        assert!(err.to_string().contains('x'), "{err}");
    }

    #[test]
    fn duplicates_and_nulls_name_the_row() {
        let dup: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 1]));
        let err = KeyDict::build(&dup, "person_id").err().unwrap();
        assert!(err.to_string().contains("row 2"), "{err}");
        assert!(err.to_string().contains("first seen at row 0"), "{err}");
        let null: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None]));
        let err = KeyDict::build(&null, "person_id").err().unwrap();
        assert!(err.to_string().contains("row 1"), "{err}");
    }

    #[test]
    fn a_referring_column_is_checked_as_a_lookup_checks_it() {
        let owner: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let d = KeyDict::build(&owner, "person_id").unwrap();
        let fine: ArrayRef = Arc::new(StringArray::from(vec!["b", "zz"]));
        assert!(d
            .check_referring(&fine, "contacts.person_id", "persons.person_id")
            .is_ok());
        let null: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), Some("b"), None]));
        for e in [
            d.check_referring(&null, "contacts.person_id", "persons.person_id"),
            d.lookup(&null, "contacts.person_id", "persons.person_id")
                .map(|_| ()),
        ] {
            let e = e.err().unwrap().to_string();
            assert!(
                e.contains("row 2") && e.contains("an identifier is required"),
                "{e}"
            );
        }
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![1]));
        let e = d.check_referring(&ints, "contacts.person_id", "persons.person_id");
        assert!(matches!(e, Err(Error::ColumnType { .. })));
    }
}
