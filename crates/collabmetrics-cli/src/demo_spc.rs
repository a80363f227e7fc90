//! The demo report's SPC section: an XmR chart per place of monthly inappropriate OAP bed
//! days over the demo's whole history, as a table of points and signals with the variation
//! and assurance icons (target 0, the Long Term Plan's ambition to end inappropriate OAPs).

// The demo report's SPC section reads the columns the core's own SPC results always have, on
// the seeded demo data; no value here comes from a user's file, so its `expect`s state
// invariants of the library (the CLI's demo tests run every one of them).
#![allow(clippy::expect_used)]

use crate::report::{num, Section};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::RecordBatch;
use collabmetrics::oap::{self, OapOptions, Window};
use collabmetrics::spc::{self, Improvement, SpcOptions, Target};
use collabmetrics::table::{display, ColumnMap, Input};
use collabmetrics::Result;
use collabmetrics_demo::DemoTables;

/// The section: one row per month (each place's bed days with its signal), then each place's
/// centre line, limits and icons.
pub fn section(data: &DemoTables, start: i32, end: i32) -> Result<Section> {
    let placements = Input::new(
        data.placements.schema(),
        std::slice::from_ref(&data.placements),
        ColumnMap::new(),
    )?;
    let mut o = OapOptions::new(start, end);
    o.window = Window::Month;
    o.by = vec!["place".to_owned()];
    o.data_cutoff = Some(end);
    let monthly = oap::measures(&placements, &o, None, None)?;
    // The monthly measures' period_end, place and bed_days are the chart's date, series and
    // value.
    let map = ColumnMap::new()
        .with("date", "period_end")
        .with("value", "bed_days");
    let input = Input::new(
        monthly.table.schema(),
        std::slice::from_ref(&monthly.table),
        map,
    )?;
    let opts = SpcOptions {
        by: vec!["place".to_owned()],
        improvement: Improvement::Decrease,
        target: Target::Value(0.0),
        ..SpcOptions::default()
    };
    let (points, summary) = spc::xmr_and_summary(&input, &opts)?;
    let (header, rows) = layout(&points.table, &summary.table);
    let mut diagnostics = monthly.diagnostics.clone();
    diagnostics.merge(&points.diagnostics);
    Ok(Section::new(
        "SPC: monthly inappropriate OAP bed days by place (XmR chart, Making Data Count rules)",
        "Each month's bed days (OAP02) per place, with its signal: + improvement, - concern; \
         X outside the limits, T trend of 7, 2 two of three beyond 2 sigma, S shift of 7 \
         (NHSRplotthedots rules; lower is better). Below: each place's mean and natural \
         process limits (mean ± 2.66 × average moving range, screened), its variation icon \
         (latest month) and its assurance icon against a target of 0 bed days.",
        header,
        rows,
        &diagnostics,
    ))
}

/// The table: months down, places across.
fn layout(points: &RecordBatch, summary: &RecordBatch) -> (Vec<String>, Vec<Vec<String>>) {
    let text = |b: &RecordBatch, name: &str| -> Vec<String> {
        let c = b.column_by_name(name).expect("an spc column");
        (0..c.len()).map(|i| display(c.as_ref(), i)).collect()
    };
    let floats = |b: &RecordBatch, name: &str| -> Vec<f64> {
        b.column_by_name(name)
            .expect("an spc column")
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect()
    };
    let places = text(summary, "place");
    let (place_of, dates) = (text(points, "place"), text(points, "date"));
    let (value, kind, cause) = (
        floats(points, "value"),
        text(points, "point_type"),
        text(points, "special_cause_type"),
    );
    // Points come series by series, dates ascending: the months of the first place.
    let months: Vec<String> = dates
        .iter()
        .zip(&place_of)
        .filter(|(_, p)| **p == places[0])
        .map(|(d, _)| d.clone())
        .collect();
    let mut header = vec!["month".to_owned()];
    header.extend(places.iter().cloned());
    let mut rows: Vec<Vec<String>> = months.iter().map(|m| vec![m.clone()]).collect();
    for (i, p) in place_of.iter().enumerate() {
        let Some(k) = months.iter().position(|m| *m == dates[i]) else {
            continue;
        };
        let cell = format!("{}{}", num(value[i], 0), marker(&kind[i], &cause[i]));
        let column = places.iter().position(|q| q == p).unwrap_or(0) + 1;
        rows[k].resize(column + 1, String::new());
        rows[k][column] = cell;
    }
    for r in &mut rows {
        r.resize(places.len() + 1, String::new());
    }
    let counts = summary
        .column_by_name("special_cause_concern")
        .expect("an spc column")
        .as_primitive::<Int64Type>()
        .values()
        .to_vec();
    let improvements = summary
        .column_by_name("special_cause_improvement")
        .expect("an spc column")
        .as_primitive::<Int64Type>()
        .values()
        .to_vec();
    let (mean, lpl, upl) = (
        floats(summary, "mean"),
        floats(summary, "lpl"),
        floats(summary, "upl"),
    );
    let (variation, assurance) = (text(summary, "variation"), text(summary, "assurance"));
    let summary_row = |label: &str, cell: &dyn Fn(usize) -> String| {
        let mut r = vec![label.to_owned()];
        r.extend((0..places.len()).map(cell));
        r
    };
    rows.push(summary_row("mean", &|g| num(mean[g], 1)));
    rows.push(summary_row("lower limit", &|g| num(lpl[g], 1)));
    rows.push(summary_row("upper limit", &|g| num(upl[g], 1)));
    rows.push(summary_row("improvements", &|g| {
        improvements[g].to_string()
    }));
    rows.push(summary_row("concerns", &|g| counts[g].to_string()));
    rows.push(summary_row("variation", &|g| variation[g].clone()));
    rows.push(summary_row("assurance", &|g| assurance[g].clone()));
    (header, rows)
}

/// " +X" for an improvement outside the limits, " -S" for a concern in a shift, "" for common
/// cause.
fn marker(point_type: &str, cause: &str) -> String {
    let sign = match point_type {
        "special_cause_improvement" => "+",
        "special_cause_concern" => "-",
        _ => return String::new(),
    };
    let rule = if cause.ends_with("UCL") || cause.ends_with("LCL") {
        "X"
    } else if cause.contains("Trend") {
        "T"
    } else if cause.starts_with("2 in 3") {
        "2"
    } else {
        "S"
    };
    format!(" {sign}{rule}")
}
