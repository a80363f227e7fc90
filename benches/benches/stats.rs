//! Throughput of the vectorised estimators: 10 million Wilson intervals and 10 million Byar
//! rates (targets in benches/README.md). Inputs are generated deterministically.

use collabmetrics::stats::{
    proportion_into, rate_into, Output, ProportionOptions, RateMethod, RateOptions,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const N: usize = 10_000_000;

/// Counts 0..5 000 and denominators above them, from a fixed linear congruential sequence.
fn inputs(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state: u64 = 0x2026_1125;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    let mut num = Vec::with_capacity(n);
    let mut den = Vec::with_capacity(n);
    for _ in 0..n {
        let o = (next() * 5_000.0).floor();
        num.push(o);
        den.push(o + 1.0 + (next() * 100_000.0).floor());
    }
    (num, den)
}

fn estimators(c: &mut Criterion) {
    let (num, den) = inputs(N);
    let (mut v, mut l, mut u) = (vec![0.0; N], vec![0.0; N], vec![0.0; N]);
    let mut group = c.benchmark_group("10M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function(BenchmarkId::new("wilson", N), |b| {
        b.iter(|| {
            let out = Output {
                value: &mut v,
                lower: &mut l,
                upper: &mut u,
            };
            proportion_into(
                black_box(&num),
                black_box(&den),
                &ProportionOptions::default(),
                out,
            )
            .unwrap();
        })
    });
    let opts = RateOptions {
        method: RateMethod::Byar,
        ..RateOptions::default()
    };
    group.bench_function(BenchmarkId::new("byar_rate", N), |b| {
        b.iter(|| {
            let out = Output {
                value: &mut v,
                lower: &mut l,
                upper: &mut u,
            };
            rate_into(black_box(&num), black_box(&den), &opts, out, None).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, estimators);
criterion_main!(benches);
