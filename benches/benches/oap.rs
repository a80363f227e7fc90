//! All OAP measures for 10 years of months × 42 areas × 3 breakdowns on ~100 000 placements
//! (the demo collaborative at national scale). Target: under 0.2 s on two cores.

use collabmetrics::oap::{self, OapOptions, Window};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics_benches::oap_data::national_placements;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn measures(c: &mut Criterion) {
    let (batch, start, end) = national_placements();
    assert!(batch.num_rows() > 90_000, "{} placements", batch.num_rows());
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
    let breakdowns: [&[&str]; 3] = [&["icb"], &["icb", "bed_type"], &["icb", "receiving_org"]];
    let mut group = c.benchmark_group("oap");
    group.sample_size(10);
    for window in [Window::Month, Window::Rolling3m] {
        group.bench_function(
            format!("120_months_42_icbs_3_breakdowns_{}", window.as_str()),
            |b| {
                b.iter(|| {
                    for by in breakdowns {
                        let mut o = OapOptions::new(start, end);
                        o.window = window;
                        o.by = by.iter().map(|s| s.to_string()).collect();
                        black_box(oap::measures(&input, &o, None, None).unwrap());
                    }
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, measures);
criterion_main!(benches);
