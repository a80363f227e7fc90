//! The OAP benches' input: the demo collaborative's placements at national scale.

use arrow_array::{cast::AsArray, ArrayRef, RecordBatch, StringArray};
use collabmetrics_demo::{generate, DemoOptions};
use std::sync::Arc;

/// The demo's placements over ten years at scale 30 (about 100 000), with an `icb` column:
/// the home areas dealt into 42 integrated care boards (England has 42). Also the first day
/// of the data and its last.
pub fn national_placements() -> (RecordBatch, i32, i32) {
    let opts = DemoOptions {
        scale: 30.0,
        months: 120,
        ..DemoOptions::default()
    };
    let p = generate(&opts).placements;
    let areas = p
        .column_by_name("home_area")
        .expect("the demo's home areas")
        .as_string::<i32>();
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
    let batch = collabmetrics::table::append_column(&p, "icb", Arc::new(icb) as ArrayRef)
        .expect("a new column");
    (batch, opts.start, opts.data_end())
}
