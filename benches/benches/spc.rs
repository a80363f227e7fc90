//! XmR charts of 100 000 series of 36 months each (3.6 M points): a national dashboard of
//! every ward, team or practice at once. Target: under 1 s on two cores, Arrow in and the
//! tidy points table out.

use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
use collabmetrics::spc::{self, SpcOptions};
use collabmetrics::table::{days_from_civil, ColumnMap, Input};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Arc;

const SERIES: usize = 100_000;
const MONTHS: usize = 36;

/// One row per series and month, rows month-major (as a monthly extract is appended), values
/// from a seeded generator: a level per series, noise, and a step in a tenth of the series.
fn input() -> Input {
    let n = SERIES * MONTHS;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut series, mut dates, mut values) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let names: Vec<String> = (0..SERIES).map(|s| format!("S{s:06}")).collect();
    let level: Vec<f64> = (0..SERIES).map(|_| 20.0 + 80.0 * next()).collect();
    for m in 0..MONTHS {
        let date = days_from_civil(2022 + (m / 12) as i32, (m % 12) as u32 + 1, 1);
        for s in 0..SERIES {
            let step = if s % 10 == 0 && m >= 24 { 15.0 } else { 0.0 };
            series.push(names[s].as_str());
            dates.push(date);
            values.push((level[s] + step + 10.0 * next()).round());
        }
    }
    let batch = RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(series)) as ArrayRef),
        ("date", Arc::new(Date32Array::from(dates))),
        ("value", Arc::new(Float64Array::from(values))),
    ])
    .expect("columns of one length");
    Input::new(batch.schema(), &[batch], ColumnMap::new()).expect("one batch")
}

fn xmr(c: &mut Criterion) {
    let input = input();
    let opts = SpcOptions {
        by: vec!["place".into()],
        ..SpcOptions::default()
    };
    let mut group = c.benchmark_group("spc");
    group.sample_size(10);
    group.bench_function("xmr_100k_series_36_months", |b| {
        b.iter(|| black_box(spc::xmr(&input, &opts).expect("valid input")))
    });
    group.bench_function("summary_100k_series_36_months", |b| {
        b.iter(|| black_box(spc::summary(&input, &opts).expect("valid input")))
    });
    group.finish();
}

criterion_group!(benches, xmr);
criterion_main!(benches);
