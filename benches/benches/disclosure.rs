//! Disclosure control of the national-scale OAP result: every month of a year × 42 ICBs × 17
//! ethnic groups (the demo collaborative at scale 30, its home areas dealt into 42 ICB-like
//! areas as in the `oap` bench), with the margins added (ICB totals, ethnicity totals, the
//! grand total of each month), the `nhs_mhsds` rule, derived values and the audit of every
//! suppressed count. Target: under 1 s. The same for ten years is timed once and printed.

use arrow_array::RecordBatch;
use collabmetrics::disclosure::{disclose, DisclosureOptions, Rule};
use collabmetrics::oap::{self, OapOptions};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics_benches::oap_data::national_placements;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// The OAP measures by month, ICB and ethnicity at national scale, for the last `months`
/// months of ten years of data.
pub fn national_oap(months: i32) -> RecordBatch {
    let (batch, _, end) = national_placements();
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
    let start = oap::month_start(oap::month_of(end) - (months - 1));
    let mut o = OapOptions::new(start, end);
    o.by = vec!["icb".into(), "ethnicity".into()];
    oap::measures(&input, &o, None, None).unwrap().into_batch()
}

fn bench(c: &mut Criterion) {
    let ten_years = national_oap(120);
    let input = Input::new(ten_years.schema(), &[ten_years], ColumnMap::new()).unwrap();
    let t = std::time::Instant::now();
    let out = disclose(&input, &DisclosureOptions::default()).unwrap();
    eprintln!(
        "ten years: {} rows, {} suppressed cells, disclosed with the audit in {:.2} s",
        input.num_rows(),
        out.log.iter().filter(|e| e.published.is_none()).count(),
        t.elapsed().as_secs_f64()
    );
    let year = national_oap(12);
    let input = Input::new(year.schema(), &[year], ColumnMap::new()).unwrap();
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
    group.bench_function(
        "national_oap_12_months_42_icbs_17_ethnicities_nhs_mhsds",
        |b| b.iter(|| black_box(disclose(&input, &DisclosureOptions::default()).unwrap())),
    );
    let hes = DisclosureOptions {
        rule: Rule::NhsHes,
        ..DisclosureOptions::default()
    };
    group.bench_function(
        "national_oap_12_months_42_icbs_17_ethnicities_nhs_hes",
        |b| b.iter(|| black_box(disclose(&input, &hes).unwrap())),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
