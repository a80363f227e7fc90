//! The SPC benchmark's input: 100 000 series of 36 months (3.6 M rows), shared by
//! `benches/spc.rs` and `examples/spc_timing.rs`.

use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
use collabmetrics::table::{days_from_civil, ColumnMap, Input};
use std::sync::Arc;

/// Number of series.
pub const SERIES: usize = 100_000;
/// Months per series.
pub const MONTHS: usize = 36;

/// One row per series and month, rows month-major (as a monthly extract is appended), values
/// from a seeded generator: a level per series, noise, and a step in a tenth of the series.
pub fn input() -> Input {
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
