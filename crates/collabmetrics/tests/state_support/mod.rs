//! Helpers of the state property tests: splitting an input, merging the parts' states in a
//! random order and tree, and comparing a finished state with the one-machine result bit for
//! bit.

#![allow(dead_code)]

use arrow_array::{cast::AsArray, types::Float64Type, Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::DataType;
use collabmetrics::rng::Rng;
use collabmetrics::state::merge_states;
use collabmetrics::table::{display, ColumnMap, Input, TableResult};
use std::collections::{BTreeMap, HashMap};

/// The table of one batch.
pub fn input(b: &RecordBatch) -> Input {
    Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap()
}

/// The rows of `batch` at `rows`.
pub fn take(batch: &RecordBatch, rows: &[usize]) -> RecordBatch {
    let idx = UInt32Array::from(rows.iter().map(|&r| r as u32).collect::<Vec<_>>());
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|c| arrow_select::take::take(c.as_ref(), &idx, None).unwrap())
        .collect();
    RecordBatch::try_new(batch.schema(), columns).unwrap()
}

/// Row indices split at random into `parts` parts (some may be empty), each part's rows in a
/// random order.
pub fn random_split(n: usize, parts: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = Rng::new(seed, 1);
    let mut out = vec![Vec::new(); parts];
    for row in 0..n {
        out[(rng.next_u64() % parts as u64) as usize].push(row);
    }
    for part in &mut out {
        shuffle(part, &mut rng);
    }
    out
}

/// Row indices split by the value of `keys[row]`: one part per distinct key.
pub fn split_by_key(keys: &[String]) -> Vec<Vec<usize>> {
    let mut parts: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (row, k) in keys.iter().enumerate() {
        parts.entry(k.as_str()).or_default().push(row);
    }
    parts.into_values().collect()
}

/// A column's values as text, one per row ("null" for null).
pub fn column_text(batch: &RecordBatch, name: &str) -> Vec<String> {
    let c = batch.column_by_name(name).unwrap();
    (0..c.len()).map(|i| display(c.as_ref(), i)).collect()
}

pub fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Merges `states` in a random order and a random tree (merges of merges).
pub fn merge_any(mut states: Vec<RecordBatch>, seed: u64) -> RecordBatch {
    let mut rng = Rng::new(seed, 2);
    shuffle(&mut states, &mut rng);
    while states.len() > 1 {
        let k = 2 + (rng.next_u64() % 3) as usize;
        let k = k.min(states.len());
        let group: Vec<RecordBatch> = states.drain(..k).collect();
        let merged = merge_states(&group).unwrap();
        let at = (rng.next_u64() % (states.len() as u64 + 1)) as usize;
        states.insert(at, merged);
    }
    states.pop().unwrap()
}

/// The splits every property runs: one part, 7 and 64 random parts, and one key per part.
pub fn splits(n: usize, keys: &[String], seed: u64) -> Vec<(String, Vec<Vec<usize>>)> {
    vec![
        ("1 part".into(), vec![(0..n).collect()]),
        ("7 parts".into(), random_split(n, 7, seed)),
        ("64 parts".into(), random_split(n, 64, seed + 1)),
        ("one key per part".into(), split_by_key(keys)),
    ]
}

/// Asserts that `merged` is `one` bit for bit, up to the order of the rows: the same fields,
/// and for every row of `one` (identified by its `keys`) the same cells in `merged` (floats
/// compared by their bits), the same roles, and the same diagnostics reasons, actions and
/// counts.
#[track_caller]
pub fn assert_same(what: &str, one: &TableResult, merged: &TableResult, keys: &[&str]) {
    let (a, b) = (&one.table, &merged.table);
    assert_eq!(a.schema().fields(), b.schema().fields(), "{what}: fields");
    assert_eq!(a.num_rows(), b.num_rows(), "{what}: rows");
    let mut ma = a.schema().metadata().clone();
    let mut mb = b.schema().metadata().clone();
    ma.remove(collabmetrics::table::DIAGNOSTICS_KEY);
    mb.remove(collabmetrics::table::DIAGNOSTICS_KEY);
    assert_eq!(ma, mb, "{what}: schema metadata");
    let key_of = |t: &RecordBatch, row: usize| -> String {
        keys.iter()
            .map(|k| {
                let c = t.column_by_name(k).unwrap();
                if c.is_null(row) {
                    "\u{0}".to_owned()
                } else {
                    display(c.as_ref(), row)
                }
            })
            .collect::<Vec<_>>()
            .join("\u{1f}")
    };
    let index: HashMap<String, usize> = (0..b.num_rows()).map(|r| (key_of(b, r), r)).collect();
    assert_eq!(index.len(), b.num_rows(), "{what}: keys are unique");
    for ra in 0..a.num_rows() {
        let k = key_of(a, ra);
        let rb = *index
            .get(&k)
            .unwrap_or_else(|| panic!("{what}: row {k:?} missing"));
        for (i, f) in a.schema().fields().iter().enumerate() {
            let (ca, cb) = (a.column(i), b.column(i));
            assert!(
                same_cell(ca, ra, cb, rb),
                "{what}: column `{}` of row {k:?}: {} vs {}",
                f.name(),
                display(ca.as_ref(), ra),
                display(cb.as_ref(), rb)
            );
        }
    }
    let diag = |r: &TableResult| {
        let mut v: Vec<(String, String, u64)> = r
            .diagnostics
            .entries
            .iter()
            .map(|d| (d.reason.clone(), d.action.clone(), d.count))
            .collect();
        v.sort();
        v
    };
    assert_eq!(diag(one), diag(merged), "{what}: diagnostics");
}

fn same_cell(a: &ArrayRef, i: usize, b: &ArrayRef, j: usize) -> bool {
    match (a.is_null(i), b.is_null(j)) {
        (true, true) => return true,
        (false, false) => {}
        _ => return false,
    }
    if a.data_type() == &DataType::Float64 {
        let (x, y) = (
            a.as_primitive::<Float64Type>().value(i),
            b.as_primitive::<Float64Type>().value(j),
        );
        return x.to_bits() == y.to_bits();
    }
    display(a.as_ref(), i) == display(b.as_ref(), j)
}

/// Runs the property: for every split, each part's state, merged in random trees, finishes
/// to the one-machine result.
#[allow(clippy::too_many_arguments)]
pub fn check_splits(
    what: &str,
    batch: &RecordBatch,
    split_keys: &[String],
    keys: &[&str],
    one: &TableResult,
    state: impl Fn(&RecordBatch) -> RecordBatch,
    finalize: impl Fn(&RecordBatch) -> TableResult,
    seed: u64,
) {
    for (name, parts) in splits(batch.num_rows(), split_keys, seed) {
        let states: Vec<RecordBatch> = parts.iter().map(|rows| state(&take(batch, rows))).collect();
        for trial in 0..3 {
            let merged = merge_any(states.clone(), seed * 31 + trial);
            let result = finalize(&merged);
            assert_same(
                &format!("{what}, {name}, merge {trial}"),
                one,
                &result,
                keys,
            );
        }
    }
}
