//! Grouping 3 million rows by a short identifier (about 1.55 million distinct, as person ids
//! of a national placements extract): the key coding every breakdown, person and overlap
//! check starts with. Target: under 0.3 s on two cores (0.55 s with one table of the whole
//! column, 2026-11-29).

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use collabmetrics::table::{ColumnMap, Groups, Input};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Arc;

/// `n` ids `P<k>`, k drawn (xorshift64) from `0..distinct`.
fn ids(n: usize, distinct: u64) -> Input {
    let mut x: u64 = 88_172_645_463_325_252;
    let ids: StringArray = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Some(format!("P{}", x % distinct))
        })
        .collect();
    let col: ArrayRef = Arc::new(ids);
    let batch = RecordBatch::try_from_iter([("person_id", col)]).expect("one column");
    Input::new(batch.schema(), &[batch], ColumnMap::new()).expect("a valid table")
}

fn groups(c: &mut Criterion) {
    let input = ids(3_000_000, 2_000_000);
    let by = ["person_id".to_string()];
    let mut group = c.benchmark_group("groups");
    group.sample_size(10);
    group.bench_function("person_ids_3m_rows", |b| {
        b.iter(|| black_box(Groups::new(&input, &by).expect("valid input")))
    });
    group.finish();
}

criterion_group!(benches, groups);
criterion_main!(benches);
