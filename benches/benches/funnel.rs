//! Funnel assessment of 1 000 000 units (target in benches/README.md: under 1 s on two
//! cores), for each family's main statistic: FunnelPlotR's SR/SHMI (exact Poisson limits,
//! truncation, φ, τ²), PR (winsorising), PHE proportions (Wilson significance) and PHE ISRs
//! (exact Poisson funnel and Byar's significance). Inputs are generated deterministically:
//! string unit codes, denominators log-uniform from 5 to 5 000, ratios around 1 with
//! overdispersion.

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use collabmetrics::funnel::{assess, FunnelOptions, Statistic};
use collabmetrics::table::{ColumnMap, Input};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::sync::Arc;

const N: usize = 1_000_000;

/// Units `U0000000`…, a denominator and a numerator per unit, from a fixed linear
/// congruential sequence: n log-uniform in [5, 5000], O ≈ n · r with r in [0.6, 1.4] (a
/// proportion of n under 1 for `proportion`).
fn table(n: usize, proportion: bool) -> Input {
    let mut state: u64 = 0x2026_1127;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut units = Vec::with_capacity(n);
    let (mut num, mut den) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let d = (5.0f64.ln() + next() * (1000.0f64).ln()).exp().round();
        let r = 0.6 + 0.8 * next();
        let o = if proportion {
            (d * 0.3 * r).round()
        } else {
            (d * r).round().max(1.0)
        };
        units.push(format!("U{i:07}"));
        num.push(o);
        den.push(d);
    }
    let batch = RecordBatch::try_from_iter(vec![
        ("unit", Arc::new(StringArray::from(units)) as ArrayRef),
        ("o", Arc::new(Float64Array::from(num))),
        ("n", Arc::new(Float64Array::from(den))),
    ])
    .unwrap();
    Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap()
}

fn options(statistic: Statistic) -> FunnelOptions {
    FunnelOptions {
        unit: Some("unit".into()),
        numerator: "o".into(),
        denominator: "n".into(),
        multiplier: Some(100.0),
        ..FunnelOptions::new(statistic)
    }
}

fn funnel(c: &mut Criterion) {
    let ratios = table(N, false);
    let proportions = table(N, true);
    let mut group = c.benchmark_group("1M_units");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N as u64));
    for (name, input, statistic) in [
        ("sr_shmi", &ratios, Statistic::Sr),
        ("pr", &proportions, Statistic::Pr),
        ("phe_proportion", &proportions, Statistic::Proportion),
        ("phe_ratio_isr", &ratios, Statistic::RatioIsr),
    ] {
        let o = options(statistic);
        group.bench_function(BenchmarkId::new(name, N), |b| {
            b.iter(|| assess(black_box(input), &o).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, funnel);
criterion_main!(benches);
