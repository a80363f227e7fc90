//! XmR charts of 100 000 series of 36 months each (3.6 M points): a national dashboard of
//! every ward, team or practice at once. Target: under 1 s on two cores, Arrow in and the
//! tidy points table out.

use collabmetrics::spc::{self, SpcOptions};
use collabmetrics_benches::spc_data::input;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

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
