//! The report's SPC section: an XmR chart per group of monthly inappropriate OAP bed days over
//! the whole history, as a table of points and signals with the variation and assurance icons
//! (target 0, the Long Term Plan's ambition to end inappropriate OAPs), and each chart drawn
//! with Making Data Count's colours and icons.

use crate::collab::{positions, Columns, Oap};
use crate::html::{Chart, PointKind, Spc};
use crate::report::{Cell, Section};
use arrow_array::RecordBatch;
use collabmetrics::oap::Window;
use collabmetrics::spc::{self, Improvement, SpcOptions, Target};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::Result;
use std::collections::HashMap;

/// The section: one row per month (each group's bed days with its signal), then each group's
/// centre line, limits and icons; one chart per group.
pub fn section(d: &Oap) -> Result<Section> {
    let o = d.options(d.start, Window::Month, &[&d.group]);
    let monthly = collabmetrics::oap::measures(d.placements, &o, None, None)?;
    // The monthly measures' period_end, group and bed_days are the chart's date, series and
    // value.
    let map = ColumnMap::new()
        .with("date", "period_end")
        .with("value", "bed_days");
    let derived = crate::collab::of_derived("monthly bed days of the SPC charts");
    let input = Input::new(
        monthly.table.schema(),
        std::slice::from_ref(&monthly.table),
        map,
    )
    .map_err(&derived)?;
    let opts = SpcOptions {
        by: vec![d.group.clone()],
        improvement: Improvement::Decrease,
        target: Target::Value(0.0),
        ..SpcOptions::default()
    };
    let (points, summary) = spc::xmr_and_summary(&input, &opts).map_err(&derived)?;
    let (header, rows, charts) = layout(d, &points.table, &summary.table);
    let mut diagnostics = monthly.diagnostics.clone();
    diagnostics.merge(&points.diagnostics);
    let mut section = Section::new(
        "spc",
        &format!(
            "SPC: monthly inappropriate OAP bed days by {} (XmR chart, Making Data Count rules)",
            d.group.replace('_', " ")
        ),
        "Each month's bed days (OAP02) per group, with its signal: + improvement, - concern; \
         X outside the limits, T trend of 7, 2 two of three beyond 2 sigma, S shift of 7 \
         (NHSRplotthedots rules; lower is better). Below: each group's mean and natural \
         process limits (mean ± 2.66 × average moving range, screened), its variation icon \
         (latest month) and its assurance icon against a target of 0 bed days. Charts: \
         Making Data Count's colours (blue improvement, orange concern, grey common cause), \
         the 2 sigma band shaded, the target in red.",
        header,
        rows,
        &diagnostics,
    );
    for chart in charts {
        section = section.with_chart(chart);
    }
    Ok(section)
}

/// The table (months down, groups across, in the report's order) and a chart per group.
fn layout(
    d: &Oap,
    points: &RecordBatch,
    summary: &RecordBatch,
) -> (Vec<String>, Vec<Vec<Cell>>, Vec<Chart>) {
    let (p, s) = (Columns(points), Columns(summary));
    let (group_of, dates) = (d.group_labels(points), p.text("date"));
    let (value, kind, cause) = (
        p.f64("value"),
        p.text("point_type"),
        p.text("special_cause_type"),
    );
    let (mean, lpl, upl, lpl2, upl2) = (
        p.f64("mean"),
        p.f64("lpl"),
        p.f64("upl"),
        p.f64("lpl_2sigma"),
        p.f64("upl_2sigma"),
    );
    let summary_groups = d.group_labels(summary);
    // Each group's latest segment (the summary's `latest` rows).
    let latest: Vec<bool> = s.text("latest").iter().map(|l| l == "true").collect();
    // One pass each (a lookup per point or group by scanning made 4 000 groups take 17 s).
    let mut latest_row: HashMap<&str, usize> = HashMap::new();
    for (k, g) in summary_groups.iter().enumerate() {
        if latest[k] {
            latest_row.insert(g.as_str(), k); // the group's last latest row
        }
    }
    let last_of = |g: &str| latest_row.get(g).copied();
    // Months of the series, in date order (every group has every month).
    let mut months: Vec<String> = dates.clone();
    months.sort_unstable();
    months.dedup();
    let mut header = vec!["month".to_owned()];
    header.extend(d.groups.iter().cloned());
    let mut rows: Vec<Vec<Cell>> = months
        .iter()
        .map(|m| {
            let mut r = vec![Cell::text(m)];
            r.resize(d.groups.len() + 1, Cell::none());
            r
        })
        .collect();
    let (month_at, group_at) = (positions(&months), positions(&d.groups));
    // Each group's points, in row order.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); d.groups.len()];
    for (i, g) in group_of.iter().enumerate() {
        let (Some(&k), Some(&col)) = (month_at.get(dates[i].as_str()), group_at.get(g.as_str()))
        else {
            continue;
        };
        members[col].push(i);
        rows[k][col + 1] = Cell::Signal {
            value: value[i],
            signal: marker(&kind[i], &cause[i]),
        };
    }
    let (s_mean, s_lpl, s_upl) = (s.f64("mean"), s.f64("lpl"), s.f64("upl"));
    let (improvements, concerns) = (
        s.f64("special_cause_improvement"),
        s.f64("special_cause_concern"),
    );
    let (variation, assurance) = (s.text("variation"), s.text("assurance"));
    let summary_row = |label: &str, cell: &dyn Fn(usize) -> Cell| {
        let mut r = vec![Cell::text(label)];
        r.extend(
            d.groups
                .iter()
                .map(|g| last_of(g).map_or_else(Cell::none, cell)),
        );
        r
    };
    rows.push(summary_row("mean", &|k| Cell::num(s_mean[k], 1)));
    rows.push(summary_row("lower limit", &|k| Cell::num(s_lpl[k], 1)));
    rows.push(summary_row("upper limit", &|k| Cell::num(s_upl[k], 1)));
    rows.push(summary_row("improvements", &|k| {
        Cell::count(improvements[k])
    }));
    rows.push(summary_row("concerns", &|k| Cell::count(concerns[k])));
    rows.push(summary_row("variation", &|k| Cell::text(&variation[k])));
    rows.push(summary_row("assurance", &|k| Cell::text(&assurance[k])));
    let charts = d
        .groups
        .iter()
        .zip(&members)
        .map(|(g, idx)| {
            let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let k = last_of(g);
            let icon = |v: &[String]| k.map(|k| v[k].clone()).filter(|s| s != "null");
            Chart::Spc(Spc {
                title: g.clone(),
                y_label: "bed days in the month".to_owned(),
                dates: idx
                    .iter()
                    .map(|&i| dates[i][..7.min(dates[i].len())].to_owned())
                    .collect(),
                values: pick(&value),
                kinds: idx.iter().map(|&i| PointKind::of(&kind[i])).collect(),
                causes: idx.iter().map(|&i| cause[i].clone()).collect(),
                mean: pick(&mean),
                lpl: pick(&lpl),
                upl: pick(&upl),
                lpl2: pick(&lpl2),
                upl2: pick(&upl2),
                target: Some(0.0),
                variation: icon(&variation),
                assurance: icon(&assurance),
            })
        })
        .collect();
    (header, rows, charts)
}

/// "+X" for an improvement outside the limits, "-S" for a concern in a shift, "" for common
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
    format!("{sign}{rule}")
}
