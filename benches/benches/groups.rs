//! Grouping 3 million rows by an identifier (about 1.55 million distinct, as person ids of a
//! national placements extract), as short text and as ten-digit integers: the key coding
//! every breakdown, person and overlap check starts with. Target: under 0.3 s on two cores
//! for each (0.55 s for the text with one table of the whole column, 2026-11-29).

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use collabmetrics::table::{ColumnMap, Groups, Input};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Arc;

/// `n` draws (xorshift64) from `0..distinct`.
fn draws(n: usize, distinct: u64) -> Vec<u64> {
    let mut x: u64 = 88_172_645_463_325_252;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % distinct
        })
        .collect()
}

/// A table of one column `person_id`.
fn table(col: ArrayRef) -> Input {
    let batch = RecordBatch::try_from_iter([("person_id", col)]).expect("one column");
    Input::new(batch.schema(), &[batch], ColumnMap::new()).expect("a valid table")
}

fn groups(c: &mut Criterion) {
    let k = draws(3_000_000, 2_000_000);
    let text: StringArray = k.iter().map(|k| Some(format!("P{k}"))).collect();
    // Ten-digit NHS-number-like integers: they span far more than the rows.
    let nhs: Int64Array = k
        .iter()
        .map(|&k| 4_000_000_000 + 2_917 * k as i64)
        .collect();
    let by = ["person_id".to_string()];
    let mut group = c.benchmark_group("groups");
    group.sample_size(10);
    for (name, col) in [
        ("person_ids_3m_rows", Arc::new(text) as ArrayRef),
        ("nhs_numbers_3m_rows", Arc::new(nhs) as ArrayRef),
    ] {
        let input = table(col);
        group.bench_function(name, |b| {
            b.iter(|| black_box(Groups::new(&input, &by).expect("valid input")))
        });
    }
    group.finish();
}

criterion_group!(benches, groups);
criterion_main!(benches);
