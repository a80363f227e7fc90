//! The demo report's funnel plots: each place's inappropriate OAP rate per population and its
//! T1 disengagement, against the collaborative's, PHE / Fingertips funnels with the outliers
//! named.

use crate::report::{num, Section};
use arrow_array::{cast::AsArray, Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use collabmetrics::funnel::{self, FunnelOptions, Statistic};
use collabmetrics::oap::{self, OapOptions, Window};
use collabmetrics::table::{display, ColumnMap, Input, TableResult};
use collabmetrics::transition::Analysis;
use collabmetrics::{Error, Result};
use collabmetrics_demo::DemoTables;
use std::sync::Arc;

fn input(batch: RecordBatch) -> Result<Input> {
    Input::new(
        batch.schema(),
        std::slice::from_ref(&batch),
        ColumnMap::new(),
    )
}

fn text(r: &TableResult, name: &str) -> Vec<String> {
    r.table.column_by_name(name).map_or_else(Vec::new, |c| {
        (0..c.len()).map(|i| display(c.as_ref(), i)).collect()
    })
}

fn floats(r: &TableResult, name: &str) -> Vec<f64> {
    r.table.column_by_name(name).map_or_else(Vec::new, |c| {
        c.as_primitive::<arrow_array::types::Float64Type>()
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect()
    })
}

/// `lo to hi` with `digits` decimals.
fn interval(lo: f64, hi: f64, digits: usize) -> String {
    format!("{} to {}", num(lo, digits), num(hi, digits))
}

/// The units PHE flags at 99.8% (0.001) and at 95% only (0.025), as "name (High)" lists.
fn outliers(r: &TableResult) -> String {
    let (units, labels) = (text(r, "unit"), text(r, "significance"));
    let list = |level: &str| -> Vec<String> {
        units
            .iter()
            .zip(&labels)
            .filter(|(_, l)| l.ends_with(level))
            .map(|(u, l)| format!("{u} ({})", l.split(' ').next().unwrap_or(l)))
            .collect()
    };
    let (outer, inner) = (list("(0.001)"), list("(0.025)"));
    let join = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    format!(
        "Outliers beyond 99.8% limits: {}; beyond 95% only: {}",
        join(outer),
        join(inner)
    )
}

/// The rows of a PHE funnel section: unit, counts, value, both intervals, significance.
fn rows(r: &TableResult, digits: usize) -> Vec<Vec<String>> {
    let (unit, label) = (text(r, "unit"), text(r, "significance"));
    let (o, n, v) = (
        floats(r, "numerator"),
        floats(r, "denominator"),
        floats(r, "value"),
    );
    let l: Vec<Vec<f64>> = ["lcl95", "ucl95", "lcl998", "ucl998"]
        .iter()
        .map(|c| floats(r, c))
        .collect();
    (0..unit.len())
        .map(|i| {
            vec![
                unit[i].clone(),
                num(o[i], 0),
                num(n[i], 0),
                num(v[i], digits),
                interval(l[0][i], l[1][i], digits),
                interval(l[2][i], l[3][i], digits),
                label[i].clone(),
            ]
        })
        .collect()
}

fn header(value: &str, numerator: &str, denominator: &str) -> Vec<String> {
    [
        "place",
        numerator,
        denominator,
        value,
        "95% limits",
        "99.8% limits",
        "significance",
    ]
    .map(String::from)
    .to_vec()
}

/// Inappropriate OAPs started per 1 000 000 population over the 12 months to `end`, by place,
/// on PHE's crude-rate funnel (exact Poisson limits at the collaborative's rate).
pub fn oap_rates(
    data: &DemoTables,
    places: &RecordBatch,
    end: i32,
    c: f64,
    year: &str,
) -> Result<Section> {
    let mut o = OapOptions::new(end, end);
    o.window = Window::Rolling12m;
    o.by = vec!["place".to_owned()];
    o.data_cutoff = Some(end);
    o.confidence = c;
    let placements = input(data.placements.clone())?;
    let r = oap::measures(&placements, &o, Some(&input(places.clone())?), None)?;
    let column = |name: &str| -> Result<ArrayRef> {
        r.table.column_by_name(name).cloned().ok_or_else(|| {
            Error::invalid_argument("oap", format!("the OAP result has no column `{name}`"))
        })
    };
    let place = column("place")?;
    let names: Vec<String> = (0..place.len())
        .map(|i| display(place.as_ref(), i))
        .collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(names)) as ArrayRef),
        ("started", as_f64(&column("started")?)),
        ("population", as_f64(&column("population")?)),
        ("rate", as_f64(&column("rate_started")?)),
    ])
    .map_err(|e| Error::invalid_argument("oap", e.to_string()))?;
    let opts = FunnelOptions {
        unit: Some("place".into()),
        numerator: "started".into(),
        denominator: "population".into(),
        rate: "rate".into(),
        multiplier: Some(o.multiplier),
        years_of_data: Some(1.0),
        ..FunnelOptions::new(Statistic::RateCrude)
    };
    let f = funnel::assess(&input(batch)?, &opts)?;
    let mut diagnostics = r.diagnostics.clone();
    diagnostics.merge(&f.diagnostics);
    Ok(Section::new(
        &format!(
            "Funnel: inappropriate OAPs started per 1 000 000 population by place (OAP05), {year}"
        ),
        &format!(
            "PHE / Fingertips crude-rate funnel: exact Poisson limits around the collaborative's rate of {} per 1 000 000. {}",
            num(floats(&f, "target").first().copied().unwrap_or(f64::NAN), 1),
            outliers(&f)
        ),
        header("rate", "started", "population"),
        rows(&f, 1),
        &diagnostics,
    ))
}

/// A numeric column as Float64 (the OAP result's counts are Int64).
fn as_f64(a: &ArrayRef) -> ArrayRef {
    match a.data_type() {
        arrow_schema::DataType::Int64 => Arc::new(
            a.as_primitive::<arrow_array::types::Int64Type>()
                .iter()
                .map(|v| v.map(|v| v as f64))
                .collect::<Float64Array>(),
        ),
        _ => a.clone(),
    }
}

/// T1 (no attended adult contact within 90 days of transfer) by place, on PHE's proportion
/// funnel around the collaborative's share.
pub fn disengagement(young: &Analysis, span: &str) -> Result<Section> {
    let s = &young.summary;
    let col = |name: &str| -> Result<&ArrayRef> {
        s.column_by_name(name).ok_or_else(|| {
            Error::invalid_argument(
                "summary",
                format!("the transition summary has no column `{name}`"),
            )
        })
    };
    let (metric, breakdown, group) = (col("metric")?, col("breakdown")?, col("group")?);
    let (numerator, denominator) = (col("numerator")?, col("denominator")?);
    let count = |a: &ArrayRef, i: usize| -> f64 {
        let a = a.as_primitive::<arrow_array::types::Int64Type>();
        if a.is_valid(i) {
            a.value(i) as f64
        } else {
            f64::NAN
        }
    };
    let (mut places, mut o, mut n) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..s.num_rows() {
        if display(metric.as_ref(), i) == "T1_disengaged_90d"
            && display(breakdown.as_ref(), i) == "place"
            && count(denominator, i) > 0.0
        {
            places.push(display(group.as_ref(), i));
            o.push(count(numerator, i));
            n.push(count(denominator, i));
        }
    }
    let batch = RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(places)) as ArrayRef),
        ("disengaged", Arc::new(Float64Array::from(o))),
        ("transfers", Arc::new(Float64Array::from(n))),
    ])
    .map_err(|e| Error::invalid_argument("summary", e.to_string()))?;
    let opts = FunnelOptions {
        unit: Some("place".into()),
        numerator: "disengaged".into(),
        denominator: "transfers".into(),
        multiplier: Some(100.0),
        ..FunnelOptions::new(Statistic::Proportion)
    };
    let f = funnel::assess(&input(batch)?, &opts)?;
    let target = floats(&f, "target").first().copied().unwrap_or(f64::NAN);
    Ok(Section::new(
        &format!("Funnel: T1 disengagement (no attended adult contact within 90 days) by place, {span}"),
        &format!(
            "PHE / Fingertips proportion funnel around the collaborative's {}%; significance from each place's Wilson interval. {}",
            num(target, 1),
            outliers(&f)
        ),
        header("%", "disengaged", "transfers"),
        rows(&f, 1),
        &f.diagnostics,
    ))
}
