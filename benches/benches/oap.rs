//! All OAP measures for 10 years of months × 42 areas × 3 breakdowns on ~100 000 placements
//! (the demo collaborative at national scale). Target: under 0.2 s on two cores.

use arrow_array::{cast::AsArray, ArrayRef, RecordBatch, StringArray};
use collabmetrics::oap::{self, OapOptions, Window};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics_demo::{generate, DemoOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Arc;

/// The demo's placements at national size, with an `icb` column: the home areas dealt into
/// 42 integrated care boards (England has 42).
fn placements() -> (RecordBatch, i32, i32) {
    let opts = DemoOptions {
        scale: 30.0,
        months: 120,
        ..DemoOptions::default()
    };
    let demo = generate(&opts);
    let p = demo.placements;
    let areas = p.column_by_name("home_area").unwrap().as_string::<i32>();
    let icb: StringArray = areas
        .iter()
        .map(|a| {
            let n: u64 = a
                .unwrap_or("0")
                .bytes()
                .filter(u8::is_ascii_digit)
                .fold(0, |acc, d| acc * 10 + u64::from(d - b'0'));
            Some(format!("ICB{:02}", n % 42))
        })
        .collect();
    let batch = collabmetrics::table::append_column(&p, "icb", Arc::new(icb) as ArrayRef).unwrap();
    (batch, opts.start, opts.data_end())
}

fn measures(c: &mut Criterion) {
    let (batch, start, end) = placements();
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
