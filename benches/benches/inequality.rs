//! 1 000 SIIs over 10 groups with 100 000-draw simulated intervals (target < 10 s on two
//! cores), one SII (SII and RII from one simulation), the Gini coefficient of 50 million
//! values (with its Lorenz curve, and alone without a copy of the values), and the entropy
//! indices of 50 million values (parallel, with the fast logarithm).

use collabmetrics::inequality::{
    atkinson, generalized_entropy, gini, gini_index, mld, sii, sii_batch, theil, SiiOptions,
    Subgroup, ValueType,
};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// A deterministic sequence in [0, 1).
fn uniforms(n: usize, seed: u64) -> impl Iterator<Item = f64> {
    let mut state = seed;
    (0..n).map(move |_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// 1 000 areas' decile tables of a rate with a deprivation gradient and 95% limits.
fn tables() -> Vec<Vec<Subgroup>> {
    let mut u = uniforms(20_000, 7);
    (0..1_000)
        .map(|_| {
            (1..=10)
                .map(|d| {
                    let rate = 200.0 - 10.0 * f64::from(d) + 20.0 * u.next().unwrap();
                    let se_log = 0.05 + 0.05 * u.next().unwrap();
                    Subgroup {
                        label: format!("decile {d}"),
                        value: rate,
                        se: None,
                        lower: Some(rate * (-1.959_964 * se_log).exp()),
                        upper: Some(rate * (1.959_964 * se_log).exp()),
                        population: Some(10_000.0 + 1_000.0 * f64::from(d)),
                        order: Some(i64::from(d)),
                    }
                })
                .collect()
        })
        .collect()
}

fn inequality(c: &mut Criterion) {
    let mut group = c.benchmark_group("inequality");
    group.sample_size(10);
    let t = tables();
    let opts = SiiOptions {
        value_type: ValueType::Rate,
        ..SiiOptions::default()
    };
    assert_eq!(opts.reps, 100_000);
    group.bench_function("1000_sii_10_groups_100k_reps", |b| {
        b.iter(|| {
            let results = sii_batch(black_box(&t), &opts);
            assert!(results.iter().all(Result::is_ok));
        })
    });
    // The one table that Python's `cm.inequality.sii` computes in its benchmark.
    group.bench_function("sii_10_groups_100k_reps", |b| {
        b.iter(|| black_box(sii(black_box(&t[0]), &opts).unwrap()))
    });
    // Log-normal incomes: a realistic, skewed distribution with many distinct values.
    let values: Vec<f64> = uniforms(50_000_000, 11).map(|u| (3.0 * u).exp()).collect();
    group.bench_function("gini_50m", |b| {
        b.iter(|| black_box(gini(black_box(&values), None, false).unwrap().gini))
    });
    group.bench_function("gini_index_50m", |b| {
        b.iter(|| black_box(gini_index(black_box(&values), None, false).unwrap()))
    });
    group.bench_function("theil_50m", |b| {
        b.iter(|| black_box(theil(black_box(&values), None).unwrap()))
    });
    group.bench_function("mld_50m", |b| {
        b.iter(|| black_box(mld(black_box(&values), None).unwrap()))
    });
    group.bench_function("ge2_50m", |b| {
        b.iter(|| black_box(generalized_entropy(black_box(&values), None, 2.0).unwrap()))
    });
    group.bench_function("atkinson_half_50m", |b| {
        b.iter(|| black_box(atkinson(black_box(&values), None, 0.5).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, inequality);
criterion_main!(benches);
