//! Throughput of the vectorised distances: 10 million WGS84 geodesics, haversines and British
//! National Grid distances (targets in benches/README.md), on rayon's default pool (one thread
//! per core). Inputs are generated deterministically: points spread over Great Britain, the
//! journeys a provider collaborative measures.

use collabmetrics::distance::{bng_into, geodesic_into, haversine_into, NullPolicy};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const N: usize = 10_000_000;

/// `n` values uniform in [lo, hi) from a fixed linear congruential sequence.
fn uniform(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            lo + (hi - lo) * ((state >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

fn distances(c: &mut Criterion) {
    let lat1 = uniform(N, 1, 50.0, 58.5);
    let lon1 = uniform(N, 2, -5.5, 1.7);
    let lat2 = uniform(N, 3, 50.0, 58.5);
    let lon2 = uniform(N, 4, -5.5, 1.7);
    // Whole-metre grid references, as the ONS Postcode Directory gives them.
    let e1: Vec<f64> = uniform(N, 5, 100_000.0, 650_000.0)
        .iter()
        .map(|x| x.floor())
        .collect();
    let n1: Vec<f64> = uniform(N, 6, 10_000.0, 1_200_000.0)
        .iter()
        .map(|x| x.floor())
        .collect();
    let e2: Vec<f64> = uniform(N, 7, 100_000.0, 650_000.0)
        .iter()
        .map(|x| x.floor())
        .collect();
    let n2: Vec<f64> = uniform(N, 8, 10_000.0, 1_200_000.0)
        .iter()
        .map(|x| x.floor())
        .collect();
    let mut out = vec![0.0; N];

    let mut group = c.benchmark_group("10M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function(BenchmarkId::new("geodesic", N), |b| {
        b.iter(|| {
            geodesic_into(
                black_box(&lat1),
                &lon1,
                &lat2,
                &lon2,
                NullPolicy::Error,
                &mut out,
            )
            .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("haversine", N), |b| {
        b.iter(|| {
            haversine_into(
                black_box(&lat1),
                &lon1,
                &lat2,
                &lon2,
                NullPolicy::Error,
                &mut out,
            )
            .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("bng", N), |b| {
        b.iter(|| {
            bng_into(
                black_box(&e1),
                &n1,
                &e2,
                &n2,
                false,
                NullPolicy::Error,
                &mut out,
            )
            .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("bng_round_km", N), |b| {
        b.iter(|| {
            bng_into(
                black_box(&e1),
                &n1,
                &e2,
                &n2,
                true,
                NullPolicy::Error,
                &mut out,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, distances);
criterion_main!(benches);
