//! Disclosure control of the national-scale OAP result: every month of ten years × 42 ICBs ×
//! ethnicity (the demo collaborative at scale 30, its home areas dealt into 42 ICB-like areas
//! as in the `oap` bench), with the margins added (ICB totals, ethnicity totals, the grand
//! total of each month), the `nhs_mhsds` rule, derived values and the audit of every
//! suppressed count. Target: under 1 s.

use arrow_array::{cast::AsArray, ArrayRef, RecordBatch, StringArray};
use collabmetrics::demo::{generate, DemoOptions};
use collabmetrics::disclosure::{disclose, DisclosureOptions, Rule};
use collabmetrics::oap::{self, OapOptions};
use collabmetrics::table::{ColumnMap, Input};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Arc;

/// The OAP measures by month, ICB and ethnicity at national scale.
pub fn national_oap() -> RecordBatch {
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
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
    let mut o = OapOptions::new(opts.start, opts.data_end());
    o.by = vec!["icb".into(), "ethnicity".into()];
    oap::measures(&input, &o, None, None).unwrap().into_batch()
}

fn bench(c: &mut Criterion) {
    let result = national_oap();
    let input = Input::new(result.schema(), &[result], ColumnMap::new()).unwrap();
    let out = disclose(&input, &DisclosureOptions::default()).unwrap();
    let suppressed = out.log.iter().filter(|e| e.published.is_none()).count();
    eprintln!(
        "{} rows in, {} published, {} log entries, {} suppressed cells",
        input.num_rows(),
        out.table.table.num_rows(),
        out.log.len(),
        suppressed
    );
    let mut group = c.benchmark_group("disclosure");
    group.sample_size(10);
    group.bench_function("national_oap_120_months_42_icbs_ethnicity_nhs_mhsds", |b| {
        b.iter(|| black_box(disclose(&input, &DisclosureOptions::default()).unwrap()))
    });
    let hes = DisclosureOptions {
        rule: Rule::NhsHes,
        ..DisclosureOptions::default()
    };
    group.bench_function("national_oap_120_months_42_icbs_ethnicity_nhs_hes", |b| {
        b.iter(|| black_box(disclose(&input, &hes).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
