//! The report's funnel plots: each group's inappropriate OAP rate per population and its T1
//! disengagement, against the collaborative's, PHE / Fingertips funnels with the outliers
//! named, and each drawn with its limits.

use crate::collab::{Columns, Oap, Young};
use crate::html::{Chart, Funnel, FunnelPoint};
use crate::report::{num, Cell, Section};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use collabmetrics::funnel::{self, FunnelOptions, Statistic};
use collabmetrics::table::{ColumnMap, Input, TableResult};
use collabmetrics::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

fn input(batch: RecordBatch) -> Result<Input> {
    Input::new(
        batch.schema(),
        std::slice::from_ref(&batch),
        ColumnMap::new(),
    )
}

/// The units PHE flags at 99.8% (0.001) and at 95% only (0.025), as "name (High)" lists.
fn outliers(r: &TableResult) -> String {
    let c = Columns(&r.table);
    let (units, labels) = (c.text("unit"), c.text("significance"));
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

/// The rows of a PHE funnel section, one per unit the chart draws, in `groups` order, then
/// any other unit (a group of the population table without placements) in the assessment's
/// order: unit, counts, value, both intervals, significance.
fn rows(r: &TableResult, groups: &[String], digits: usize) -> Vec<Vec<Cell>> {
    let c = Columns(&r.table);
    let (unit, label) = (c.text("unit"), c.text("significance"));
    let (o, n, v) = (c.f64("numerator"), c.f64("denominator"), c.f64("value"));
    let l: Vec<Vec<f64>> = ["lcl95", "ucl95", "lcl998", "ucl998"]
        .iter()
        .map(|k| c.f64(k))
        .collect();
    let at: HashMap<&str, usize> = unit
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    let listed: std::collections::HashSet<&str> = groups.iter().map(String::as_str).collect();
    groups
        .iter()
        .filter_map(|g| at.get(g.as_str()).copied())
        .chain((0..unit.len()).filter(|&i| !listed.contains(unit[i].as_str())))
        .map(|i| {
            vec![
                Cell::text(&unit[i]),
                Cell::count(o[i]),
                Cell::count(n[i]),
                Cell::num(v[i], digits),
                Cell::range(l[0][i], l[1][i], digits),
                Cell::range(l[2][i], l[3][i], digits),
                Cell::text(&label[i]),
            ]
        })
        .collect()
}

fn header(group: &str, value: &str, numerator: &str, denominator: &str) -> Vec<String> {
    [
        group,
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

/// The funnel chart of an assessment and its PHE limits table.
fn chart(a: &TableResult, limits: &TableResult, title: &str, x: &str, y: &str) -> Chart {
    let c = Columns(&a.table);
    let (unit, label) = (c.text("unit"), c.text("significance"));
    let (n, v) = (c.f64("denominator"), c.f64("value"));
    let l = Columns(&limits.table);
    // PHE's limits: proportions at `population`; rates at each limit's own population.
    let curve = |side: &str| -> Vec<(f64, f64)> {
        let xs = match l.f64(&format!("{side}_population_1_year")) {
            xs if !xs.is_empty() => xs,
            _ => l.f64("population"),
        };
        xs.into_iter()
            .zip(l.f64(&format!("{side}_limit")))
            .collect()
    };
    Chart::Funnel(Funnel {
        title: title.to_owned(),
        x_label: x.to_owned(),
        y_label: y.to_owned(),
        points: (0..unit.len())
            .map(|i| FunnelPoint {
                label: unit[i].clone(),
                x: n[i],
                y: v[i],
                beyond: if label[i].ends_with("(0.001)") {
                    2
                } else {
                    u8::from(label[i].ends_with("(0.025)"))
                },
            })
            .collect(),
        limits: [
            curve("lower_2s"),
            curve("upper_2s"),
            curve("lower_3s"),
            curve("upper_3s"),
        ],
        adjusted: Default::default(),
        target: c.f64("target").first().copied().unwrap_or(f64::NAN),
    })
}

/// Inappropriate OAPs started per 1 000 000 population over the year, by group, on PHE's
/// crude-rate funnel (exact Poisson limits at the collaborative's rate).
pub fn oap_rates(d: &Oap) -> Result<Section> {
    let r = d.year_by_group(true, false)?;
    let c = Columns(&r.table);
    let (units, started, population, rate) = (
        d.group_labels(&r.table),
        c.f64("started"),
        c.f64("population"),
        c.f64("rate_started"),
    );
    // A group without a population (no row in --population, or 0) has no rate: it is left
    // out of the funnel, as `oap` leaves its rate null, and noted.
    let (with, without): (Vec<usize>, Vec<usize>) = (0..units.len())
        .partition(|&i| population[i].is_finite() && population[i] > 0.0 && rate[i].is_finite());
    let pick = |v: &[f64]| with.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let mut diagnostics = r.diagnostics.clone();
    if !without.is_empty() {
        diagnostics
            .entries
            .push(collabmetrics::table::Diagnostic {
                reason: "funnel_no_population".to_owned(),
                action: format!(
                    "group without a population (no row in the population table, or 0): no rate, left out of the funnel and its pooled rate ({})",
                    without.iter().map(|&i| units[i].as_str()).collect::<Vec<_>>().join(", ")
                ),
                count: without.len() as u64,
                first_row: None,
            });
    }
    let title = format!(
        "Funnel: inappropriate OAPs started per 1 000 000 population by {} (OAP05), {}",
        d.group.replace('_', " "),
        d.year()
    );
    if with.is_empty() {
        return Ok(Section::new(
            "funnel-oap-rates",
            &title,
            "PHE / Fingertips crude-rate funnel: needs a group with a population",
            header(&d.group.replace('_', " "), "rate", "started", "population"),
            Vec::new(),
            &diagnostics,
        )
        .when_empty("No rows: no group has a population."));
    }
    let batch = RecordBatch::try_from_iter(vec![
        (
            "unit",
            Arc::new(StringArray::from(
                with.iter().map(|&i| units[i].clone()).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        ("started", Arc::new(Float64Array::from(pick(&started)))),
        (
            "population",
            Arc::new(Float64Array::from(pick(&population))),
        ),
        ("rate", Arc::new(Float64Array::from(pick(&rate)))),
    ])
    .map_err(|e| Error::invalid_argument("oap", e.to_string()))?;
    let opts = FunnelOptions {
        unit: Some("unit".into()),
        numerator: "started".into(),
        denominator: "population".into(),
        rate: "rate".into(),
        multiplier: Some(collabmetrics::oap::OapOptions::default().multiplier),
        years_of_data: Some(1.0),
        ..FunnelOptions::new(Statistic::RateCrude)
    };
    let derived = crate::collab::of_derived("funnel of the OAP rates");
    let units = input(batch).map_err(&derived)?;
    let f = funnel::assess(&units, &opts).map_err(&derived)?;
    let limits = funnel::limits(&units, &opts).map_err(&derived)?;
    diagnostics.merge(&f.diagnostics);
    let target = Columns(&f.table)
        .f64("target")
        .first()
        .copied()
        .unwrap_or(f64::NAN);
    Ok(Section::new(
        "funnel-oap-rates",
        &title,
        &format!(
            "PHE / Fingertips crude-rate funnel: exact Poisson limits around the collaborative's rate of {} per 1 000 000. {}",
            num(target, 1),
            outliers(&f)
        ),
        header(&d.group.replace('_', " "), "rate", "started", "population"),
        rows(&f, &d.groups, 1),
        &diagnostics,
    )
    .with_chart(chart(
        &f,
        &limits,
        &title,
        "population",
        "OAPs started per 1 000 000",
    )))
}

/// T1 (no attended adult contact within N days of transfer) by place, on PHE's proportion
/// funnel around the collaborative's share; places in `groups` order.
pub fn disengagement(y: &Young, groups: &[String]) -> Result<Section> {
    let metric = format!("T1_disengaged_{}d", y.engagement_days);
    let (mut places, mut o, mut n) = (Vec::new(), Vec::new(), Vec::new());
    for (g, m) in y.summary.groups(&metric, "place") {
        if m.denominator > 0 {
            places.push(g.to_owned());
            o.push(m.numerator.unwrap_or(0) as f64);
            n.push(m.denominator as f64);
        }
    }
    let title = format!(
        "Funnel: T1 disengagement (no attended adult contact within {} days) by place, {}",
        y.engagement_days, y.period
    );
    if places.len() < 2 {
        return Ok(Section::new(
            "funnel-t1",
            &title,
            "PHE / Fingertips proportion funnel: needs T1 for at least two places",
            header("place", "%", "disengaged", "transfers"),
            Vec::new(),
            &Default::default(),
        )
        .when_empty("No rows: fewer than two places have transfers with 90 days' follow-up."));
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
    let derived = crate::collab::of_derived("funnel of T1 by place");
    let units = input(batch).map_err(&derived)?;
    let f = funnel::assess(&units, &opts).map_err(&derived)?;
    let limits = funnel::limits(&units, &opts).map_err(&derived)?;
    let target = Columns(&f.table)
        .f64("target")
        .first()
        .copied()
        .unwrap_or(f64::NAN);
    Ok(Section::new(
        "funnel-t1",
        &title,
        &format!(
            "PHE / Fingertips proportion funnel around the collaborative's {}%; significance from each place's Wilson interval. {}",
            num(target, 1),
            outliers(&f)
        ),
        header("place", "%", "disengaged", "transfers"),
        rows(&f, groups, 1),
        &f.diagnostics,
    )
    .with_chart(chart(
        &f,
        &limits,
        &title,
        "transfers with 90 days' follow-up",
        "% disengaged",
    )))
}
