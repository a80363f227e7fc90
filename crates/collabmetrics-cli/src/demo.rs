//! `collabmetrics demo`: the collaborative report on the built-in demo collaborative, a
//! SYNTHETIC Kent and Medway-shaped dataset from `collabmetrics_demo` (invented people and
//! services; the same seed always gives the same report).

// The demo report reads tables the core generated (seeded) and the columns the core's own
// results always have; no value here comes from a user's file, so its `expect`s state
// invariants of the library (the CLI's demo tests run every one of them).
#![allow(clippy::expect_used)]

use crate::report::{num, Report, Section};
use arrow_array::{
    cast::AsArray, types::Int64Type, Array, ArrayRef, Float64Array, RecordBatch, StringArray,
};
use collabmetrics::distance::{self, NullPolicy};
use collabmetrics::inequality::{self, SiiOptions, Subgroup, ValueType};
use collabmetrics::oap::{self, month_of, OapOptions, Window};
use collabmetrics::stats::{self, DsrOptions, MeanOptions, StandardPopulation};
use collabmetrics::table::{format_date, ColumnMap, Input, TableResult};
use collabmetrics::transition::{self, Analysis, BClass, Tables, TransitionOptions};
use collabmetrics::{Error, Result};
use collabmetrics_demo::{self as demo, DemoOptions, DemoTables, PLACES};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Options of the demo report.
pub struct DemoArgs {
    pub confidence: f64,
    pub seed: u64,
    pub scale: f64,
}

fn input(batch: &RecordBatch) -> Input {
    Input::new(
        batch.schema(),
        std::slice::from_ref(batch),
        ColumnMap::new(),
    )
    .expect("one batch")
}

/// Builds every section of the report.
pub fn run(args: &DemoArgs) -> Result<Report> {
    let opts = DemoOptions {
        seed: args.seed,
        scale: args.scale,
        ..DemoOptions::default()
    };
    let data = demo::try_generate(&opts)?;
    let end = opts.data_end();
    let start = oap::month_start(month_of(end) - 11);
    let c = args.confidence;
    let places = population_by_place(&data)?;
    let year = format!("12 months {} to {}", format_date(start), format_date(end));
    let young = young_people(&data, end, c)?;
    let young_summary = Summary::new(&young.summary);
    let span = format!(
        "index dates {} to {}",
        format_date(opts.start),
        format_date(end)
    );
    let sections = vec![
        headline(&data, start, end, c)?,
        rates(&data, &places, end, c, &year)?,
        proportions(&data, end, c, &year)?,
        flows(&data, end, c, &year)?,
        distances(&data, end, c, &year)?,
        transfers(&young, &young_summary, c, &span),
        ageing_out(&young, &young_summary, c, &span),
        inequality(&data, &young_summary, end, c, &year)?,
        crate::demo_funnel::oap_rates(&data, &places, end, c, &year)?,
        crate::demo_funnel::disengagement(&young, &span)?,
        standardised(&data, start, end, c, &year)?,
        length_of_stay(&data, start, end, c, &year)?,
        crate::demo_spc::section(&data, opts.start, end)?,
    ];
    let mut tables = BTreeMap::new();
    tables.insert(
        "transition_summary".to_owned(),
        crate::io::json_rows(&young.summary).map_err(|message| Error::InvalidArgument {
            argument: "summary".to_owned(),
            message,
        })?,
    );
    Ok(Report {
        title: "collabmetrics demo: a Kent and Medway-shaped mental health provider collaborative".to_owned(),
        note: format!(
            "SYNTHETIC DATA: invented by collabmetrics' seeded demo generator (seed {}, scale {}); no real patients or services.\nData {} to {}; {} placements, {} admissions; {} young people with {} referrals and {} care contacts. Intervals at {}% confidence.",
            opts.seed,
            opts.scale,
            format_date(opts.start),
            format_date(end),
            data.placements.num_rows(),
            data.admissions.num_rows(),
            data.persons.num_rows(),
            data.referrals.num_rows(),
            data.contacts.num_rows(),
            c * 100.0
        ),
        sections,
        tables,
    })
}

fn oap_options(start: i32, end: i32, window: Window, by: &[&str], confidence: f64) -> OapOptions {
    let mut o = OapOptions::new(start, end);
    o.window = window;
    o.by = by.iter().map(|s| s.to_string()).collect();
    o.data_cutoff = Some(end);
    o.confidence = confidence;
    o
}

fn column_f64(r: &TableResult, name: &str) -> Vec<f64> {
    let col = r.table.column_by_name(name).expect("result column");
    match col.data_type() {
        arrow_schema::DataType::Int64 => col
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .map(|&v| v as f64)
            .collect(),
        _ => col
            .as_primitive::<arrow_array::types::Float64Type>()
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect(),
    }
}

fn column_text(r: &TableResult, name: &str) -> Vec<String> {
    let col = r.table.column_by_name(name).expect("result column");
    (0..col.len())
        .map(|i| collabmetrics::table::display(col.as_ref(), i))
        .collect()
}

/// Population per place (summing the areas), as a table for the OAP rates.
pub(crate) fn population_by_place(data: &DemoTables) -> Result<RecordBatch> {
    let areas = input(&data.areas);
    let place = areas.categories("place")?;
    let pop = areas.f64s("population")?;
    let mut totals = vec![0.0; place.values.len()];
    for (i, &g) in place.codes.iter().enumerate() {
        totals[g as usize] += pop[i];
    }
    let names: Vec<String> = place
        .values
        .iter()
        .map(|v| v.clone().unwrap_or_default())
        .collect();
    Ok(RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(names)) as ArrayRef),
        ("population", Arc::new(Float64Array::from(totals))),
    ])
    .expect("two equal columns"))
}

/// The Long Term Plan headline: inappropriate OAP bed days over rolling 3 months, by place.
fn headline(data: &DemoTables, start: i32, end: i32, c: f64) -> Result<Section> {
    let p = input(&data.placements);
    let by_place = oap::measures(
        &p,
        &oap_options(start, end, Window::Rolling3m, &["place"], c),
        None,
        None,
    )?;
    let total = oap::measures(
        &p,
        &oap_options(start, end, Window::Rolling3m, &[], c),
        None,
        None,
    )?;
    let n = PLACES.len();
    let (days, all) = (
        column_f64(&by_place, "bed_days"),
        column_f64(&total, "bed_days"),
    );
    let groups = column_text(&by_place, "place");
    let period_end = column_text(&total, "period_end");
    let mut header = vec!["3 months to".to_owned()];
    header.extend(groups[..n].iter().cloned());
    header.push("collaborative".to_owned());
    let rows = (0..all.len())
        .map(|m| {
            let mut row = vec![period_end[m].clone()];
            row.extend((0..n).map(|g| num(days[m * n + g], 0)));
            row.push(num(all[m], 0));
            row
        })
        .collect();
    Ok(Section::new(
        "Inappropriate out-of-area placement bed days, rolling 3 months (OAP02, the Long Term Plan headline)",
        "Nights in the period: admission day counts, discharge day does not; open placements run to the data end",
        header,
        rows,
        &total.diagnostics,
    ))
}

/// OAP05: placements started per 1 000 000 population over the last 12 months, by place.
fn rates(data: &DemoTables, places: &RecordBatch, end: i32, c: f64, year: &str) -> Result<Section> {
    let r = oap::measures(
        &input(&data.placements),
        &oap_options(end, end, Window::Rolling12m, &["place"], c),
        Some(&input(places)),
        None,
    )?;
    let (place, started, pop) = (
        column_text(&r, "place"),
        column_f64(&r, "started"),
        column_f64(&r, "population"),
    );
    let (v, lo, hi) = (
        column_f64(&r, "rate_started"),
        column_f64(&r, "rate_started_lower"),
        column_f64(&r, "rate_started_upper"),
    );
    let method = column_text(&r, "rate_started_method");
    let rows = (0..place.len())
        .map(|i| {
            vec![
                place[i].clone(),
                num(started[i], 0),
                num(pop[i], 0),
                num(v[i], 1),
                num(lo[i], 1),
                num(hi[i], 1),
                method[i].clone(),
            ]
        })
        .collect();
    Ok(Section::new(
        &format!("Inappropriate OAPs started per 1 000 000 population (OAP05), {year}"),
        "Crude rate, all ages; Byar's interval (exact Poisson below 10 placements)",
        [
            "place",
            "started",
            "population",
            "rate",
            "lower",
            "upper",
            "method",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        &r.diagnostics,
    ))
}

/// OAP08 and OAP09: shares of all acute admissions and bed days that were inappropriate OAPs.
fn proportions(data: &DemoTables, end: i32, c: f64, year: &str) -> Result<Section> {
    let r = oap::measures(
        &input(&data.placements),
        &oap_options(end, end, Window::Rolling12m, &["place"], c),
        None,
        Some(&input(&data.admissions)),
    )?;
    let place = column_text(&r, "place");
    let cols: Vec<Vec<f64>> = [
        "started",
        "admissions_started",
        "proportion_started",
        "proportion_started_lower",
        "proportion_started_upper",
        "proportion_bed_days",
    ]
    .iter()
    .map(|n| column_f64(&r, n))
    .collect();
    let rows = (0..place.len())
        .map(|i| {
            vec![
                place[i].clone(),
                num(cols[0][i], 0),
                num(cols[1][i], 0),
                num(cols[2][i], 1),
                num(cols[3][i], 1),
                num(cols[4][i], 1),
                num(cols[5][i], 1),
            ]
        })
        .collect();
    Ok(Section::new(
        &format!(
            "Acute admissions placed out of area for lack of a local bed (OAP08, OAP09), {year}"
        ),
        "Per cent of all acute admissions (and of all acute bed days); Wilson score interval",
        [
            "place",
            "OAPs",
            "admissions",
            "% admissions",
            "lower",
            "upper",
            "% bed days",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        &r.diagnostics,
    ))
}

/// Where patients were sent: bed days by place and receiving provider, largest flows first.
fn flows(data: &DemoTables, end: i32, c: f64, year: &str) -> Result<Section> {
    let r = oap::measures(
        &input(&data.placements),
        &oap_options(end, end, Window::Rolling12m, &["place", "receiving_org"], c),
        None,
        None,
    )?;
    let (place, org) = (column_text(&r, "place"), column_text(&r, "receiving_org"));
    let (started, days) = (column_f64(&r, "started"), column_f64(&r, "bed_days"));
    let mut order: Vec<usize> = (0..place.len()).filter(|&i| days[i] > 0.0).collect();
    order.sort_by(|&a, &b| days[b].total_cmp(&days[a]).then(a.cmp(&b)));
    let rows = order
        .iter()
        .take(10)
        .map(|&i| {
            vec![
                place[i].clone(),
                org[i].clone(),
                num(started[i], 0),
                num(days[i], 0),
            ]
        })
        .collect();
    Ok(Section::new(
        &format!("Largest flows: sending place to receiving provider, {year}"),
        "Inappropriate OAP bed days in the 12 months (the sending x receiving flow matrix, top 10)",
        ["place", "receiving provider", "started", "bed days"]
            .map(String::from)
            .to_vec(),
        rows,
        &r.diagnostics,
    ))
}

/// The placements with `distance_km`: straight-line BNG distance from home to unit (the NHS
/// method).
pub(crate) fn with_distance(p: &RecordBatch) -> Result<RecordBatch> {
    let i = input(p);
    let (e1, n1) = (i.f64s("home_easting")?, i.f64s("home_northing")?);
    let (e2, n2) = (i.f64s("unit_easting")?, i.f64s("unit_northing")?);
    let km =
        distance::bng(&e1, &n1, &e2, &n2, false, NullPolicy::Error).map_err(|e| i.locate(e))?;
    collabmetrics::table::append_column(p, "distance_km", Arc::new(Float64Array::from(km)))
}

/// Travel from home to the out-of-area unit, placements started in the year, by place.
fn distances(data: &DemoTables, end: i32, c: f64, year: &str) -> Result<Section> {
    let mut o = oap_options(end, end, Window::Rolling12m, &["place"], c);
    o.distance = Some("distance_km".to_owned());
    let r = oap::measures(&input(&with_distance(&data.placements)?), &o, None, None)?;
    let place = column_text(&r, "place");
    let names = [
        "distance_count",
        "distance_median",
        "distance_median_lower",
        "distance_median_upper",
        "distance_p90",
        "distance_share_beyond",
        "distance_share_lower",
        "distance_share_upper",
        "distance_band_ge_300",
    ];
    let cols: Vec<Vec<f64>> = names.iter().map(|n| column_f64(&r, n)).collect();
    let rows = (0..place.len())
        .map(|i| {
            vec![
                place[i].clone(),
                num(cols[0][i], 0),
                format!(
                    "{} ({}-{})",
                    num(cols[1][i], 1),
                    num(cols[2][i], 1),
                    num(cols[3][i], 1)
                ),
                num(cols[4][i], 1),
                format!(
                    "{} ({}-{})",
                    num(100.0 * cols[5][i], 1),
                    num(100.0 * cols[6][i], 1),
                    num(100.0 * cols[7][i], 1)
                ),
                num(cols[8][i], 0),
            ]
        })
        .collect();
    Ok(Section::new(
        &format!("Distance from home to the out-of-area unit, placements started {year} (km)"),
        "Straight line between British National Grid points (the NHS method); median with its order-statistic interval; share of 50 km or more with Wilson interval",
        ["place", "placements", "median (CI)", "90th centile", "% >= 50 km (CI)", ">= 300 km"].map(String::from).to_vec(),
        rows,
        &r.diagnostics,
    ))
}

/// Both transition cohorts of the demo's young people (with their care plans, for T9) over
/// the whole data, with the documented defaults (`docs/methods/transition.md`).
fn young_people(data: &DemoTables, end: i32, c: f64) -> Result<Analysis> {
    let (persons, referrals, contacts, plans) = (
        input(&data.persons),
        input(&data.referrals),
        input(&data.contacts),
        input(&data.care_plans),
    );
    let mut opts = TransitionOptions::new(end);
    opts.confidence = c;
    transition::analyse(
        &Tables {
            persons: &persons,
            referrals: &referrals,
            contacts: &contacts,
            care_plans: Some(&plans),
        },
        &opts,
    )
}

/// One row of the transition summary.
struct Metric {
    numerator: Option<i64>,
    denominator: i64,
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

/// The transition summary, looked up by metric, breakdown and group.
struct Summary {
    rows: BTreeMap<(String, String, String), Metric>,
}

impl Summary {
    fn new(t: &RecordBatch) -> Self {
        let text = |name: &str| -> Vec<String> {
            let col = t.column_by_name(name).expect("summary column");
            (0..col.len())
                .map(|i| collabmetrics::table::display(col.as_ref(), i))
                .collect()
        };
        let int = |name: &str| {
            t.column_by_name(name)
                .expect("summary column")
                .as_primitive::<Int64Type>()
                .clone()
        };
        let float = |name: &str| {
            t.column_by_name(name)
                .expect("summary column")
                .as_primitive::<arrow_array::types::Float64Type>()
                .clone()
        };
        let (metric, breakdown, group) = (text("metric"), text("breakdown"), text("group"));
        let (num, den) = (int("numerator"), int("denominator"));
        let (value, lower, upper) = (float("value"), float("lower"), float("upper"));
        let get = |a: &Float64Array, i: usize| a.is_valid(i).then(|| a.value(i));
        let rows = (0..t.num_rows())
            .map(|i| {
                (
                    (metric[i].clone(), breakdown[i].clone(), group[i].clone()),
                    Metric {
                        numerator: num.is_valid(i).then(|| num.value(i)),
                        denominator: den.value(i),
                        value: get(&value, i),
                        lower: get(&lower, i),
                        upper: get(&upper, i),
                    },
                )
            })
            .collect();
        Summary { rows }
    }

    fn get(&self, metric: &str, breakdown: &str, group: &str) -> Option<&Metric> {
        self.rows
            .get(&(metric.to_owned(), breakdown.to_owned(), group.to_owned()))
    }

    /// The groups of one metric's breakdown with their rows, in the summary's key order.
    fn groups<'a>(
        &'a self,
        metric: &'a str,
        breakdown: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Metric)> + 'a {
        self.rows
            .iter()
            .filter(move |((m, b, _), _)| m == metric && b == breakdown)
            .map(|((_, _, g), r)| (g.as_str(), r))
    }
}

/// A summary row as report cells: measure, group, numerator, denominator, per cent, interval.
fn percent_row(label: &str, group: &str, m: Option<&Metric>) -> Vec<String> {
    let pct = |v: Option<f64>| v.map_or("-".to_owned(), |v| num(100.0 * v, 1));
    match m {
        Some(m) => vec![
            label.to_owned(),
            group.to_owned(),
            m.numerator.map_or("-".to_owned(), |n| n.to_string()),
            m.denominator.to_string(),
            pct(m.value),
            match (m.lower, m.upper) {
                (Some(lo), Some(hi)) => format!("{} to {}", num(100.0 * lo, 1), num(100.0 * hi, 1)),
                _ => "-".to_owned(),
            },
        ],
        None => vec![
            label.to_owned(),
            group.to_owned(),
            "-".to_owned(),
            "0".to_owned(),
            "-".to_owned(),
            "-".to_owned(),
        ],
    }
}

fn transition_header(c: f64) -> Vec<String> {
    [
        "measure".to_owned(),
        "group".to_owned(),
        "numerator".to_owned(),
        "denominator".to_owned(),
        "%".to_owned(),
        format!("{}% interval", num(100.0 * c, 0)),
    ]
    .to_vec()
}

/// Cohort T: young people transferred to adult services (an accepted adult referral while in
/// CYPMHS), metrics T1–T9.
fn transfers(young: &Analysis, s: &Summary, c: f64, span: &str) -> Section {
    let people = {
        let col = young
            .transfers
            .column_by_name("person_id")
            .expect("person_id");
        let mut ids: Vec<String> = (0..col.len())
            .map(|i| collabmetrics::table::display(col.as_ref(), i))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let mut rows = vec![vec![
        "cohort T: transfer episodes (people)".to_owned(),
        "all".to_owned(),
        "-".to_owned(),
        format!("{} ({people})", young.transfers.num_rows()),
        "-".to_owned(),
        "-".to_owned(),
    ]];
    let t1 = "T1_disengaged_90d";
    let label = "T1 disengaged: no attended adult contact within 90 days";
    rows.push(percent_row(label, "all", s.get(t1, "all", "all")));
    for band in ["16-17", "18-19", "20-25"] {
        rows.push(percent_row(label, band, s.get(t1, "age_band", band)));
    }
    for (metric, label) in [
        (
            "T1_died_without_contact_90d",
            "T1 died within 90 days without contact (apart)",
        ),
        (
            "T2_first_adult_appointment_missed",
            "T2 first adult appointment missed",
        ),
        (
            "T3_discharged_without_attending",
            "T3 discharged by adult services without attending",
        ),
        ("T4_engaged_at_12_months", "T4 engaged at 12 months"),
        (
            "T5_early_dropout",
            "T5 early drop-out (discharged by 6 months: DNA, self-discharge)",
        ),
    ] {
        rows.push(percent_row(label, "all", s.get(metric, "all", "all")));
    }
    let gap = s.get("T7_continuity_gap_days", "all", "all");
    let days = |v: Option<f64>| v.map_or("-".to_owned(), |v| num(v, 0));
    rows.push(vec![
        "T7 continuity gap, last CYP to first adult contact (days): median, IQR".to_owned(),
        "all".to_owned(),
        "-".to_owned(),
        gap.map_or("0".to_owned(), |m| m.denominator.to_string()),
        gap.map_or("-".to_owned(), |m| days(m.value)),
        gap.map_or("-".to_owned(), |m| {
            format!("IQR {} to {}", days(m.lower), days(m.upper))
        }),
    ]);
    for (metric, label) in [
        (
            "T8_parallel_care",
            "T8 parallel care (CYP and adult services overlapping)",
        ),
        (
            "T9_transition_plan_recorded",
            "T9 transition plan (care plan type 14) in the year before",
        ),
        (
            "crisis_presentation",
            "adult crisis team contact within a year (not engagement)",
        ),
    ] {
        rows.push(percent_row(label, "all", s.get(metric, "all", "all")));
    }
    Section::new(
        &format!("Transition to adult mental health services: cohort T (transfers of 16-25-year-olds), {span}"),
        "Each accepted adult referral of a 16-25-year-old with CYPMHS involvement (open CYP referral or attended CYP contact in the 183 days before), one per episode; per cent with Wilson interval, denominators only those with the follow-up each measure needs (docs/methods/transition.md)",
        transition_header(c),
        rows,
        &young.diagnostics,
    )
}

/// Cohort B: young people with open CYPMHS care at 18, classified a year later.
fn ageing_out(young: &Analysis, s: &Summary, c: f64, span: &str) -> Section {
    let mut rows: Vec<Vec<String>> = BClass::ALL
        .iter()
        .enumerate()
        .map(|(i, class)| {
            let metric = format!("B_{}", class.as_str());
            percent_row(
                &format!("{} {}", i + 1, class.as_str().replace('_', " ")),
                "all",
                s.get(&metric, "all", "all"),
            )
        })
        .collect();
    for (metric, label) in [
        ("B_transfer_rate", "transfer rate: classes 3-5 of 3-9"),
        (
            "B_disengaged_after_transfer",
            "disengaged after transfer: class 4 of 3-4",
        ),
        (
            "B_lost_to_services",
            "lost to services: 8, and 9 with no later contact, of 3-9",
        ),
        (
            "B_fell_through_gap",
            "fell through the gap: crisis contact or new adult referral within a year of discharge, of 7-9",
        ),
    ] {
        rows.push(percent_row(label, "all", s.get(metric, "all", "all")));
    }
    Section::new(
        &format!(
            "Transition at the CYPMHS age boundary: cohort B (ageing out at 18), boundary dates {}",
            span.trim_start_matches("index dates ")
        ),
        &format!(
            "Open CYP referral in the half-year before the 18th birthday and an attended CYP contact in the year before, classified a year after it (first rule that matches); {} members: class shares and rates of those with a full year of follow-up, the insufficient-follow-up share of all; Wilson interval",
            young.ageing_out.num_rows()
        ),
        transition_header(c),
        rows,
        &Default::default(),
    )
}

/// Population per IMD decile (summing the areas), as a table for the OAP rates.
fn population_by_decile(data: &DemoTables) -> Result<RecordBatch> {
    let areas = input(&data.areas);
    let (decile, pop) = (areas.f64s("imd_decile")?, areas.f64s("population")?);
    let mut totals = [0.0; 10];
    for (d, p) in decile.iter().zip(pop.iter()) {
        totals[(*d as usize).clamp(1, 10) - 1] += p;
    }
    Ok(RecordBatch::try_from_iter(vec![
        (
            "imd_decile",
            Arc::new(arrow_array::Int64Array::from_iter_values(1..=10)) as ArrayRef,
        ),
        ("population", Arc::new(Float64Array::from(totals.to_vec()))),
    ])
    .expect("two equal columns"))
}

/// Subgroups of one indicator by IMD decile (order 1 = most deprived), from a by-decile OAP
/// result's `value`/`lower`/`upper` columns scaled by `scale`.
fn deciles(r: &TableResult, value: &str, scale: f64) -> Vec<Subgroup> {
    let decile = column_f64(r, "imd_decile");
    let pop = column_f64(r, "population");
    let (v, lo, hi) = (
        column_f64(r, value),
        column_f64(r, &format!("{value}_lower")),
        column_f64(r, &format!("{value}_upper")),
    );
    (0..decile.len())
        .map(|i| Subgroup {
            label: format!("IMD decile {}", decile[i]),
            value: v[i] * scale,
            se: None,
            lower: Some(lo[i] * scale),
            upper: Some(hi[i] * scale),
            population: Some(pop[i]),
            order: Some(decile[i] as i64),
        })
        .collect()
}

/// SII and RII of the OAP rate and of the share of admissions placed out of area across IMD
/// deciles (PHE's method: regression on the population ridit, simulated limits).
fn inequality(data: &DemoTables, young: &Summary, end: i32, c: f64, year: &str) -> Result<Section> {
    let pops = population_by_decile(data)?;
    let o = oap_options(end, end, Window::Rolling12m, &["imd_decile"], c);
    let r = oap::measures(
        &input(&data.placements),
        &o,
        Some(&input(&pops)),
        Some(&input(&data.admissions)),
    )?;
    // T1 by IMD decile: each decile's cohort-T members with 90 days' follow-up are its
    // population, deciles without any left out.
    let t1: Vec<Subgroup> = young
        .groups("T1_disengaged_90d", "imd_decile")
        .filter_map(|(g, m)| {
            let decile: i64 = g.parse().ok()?;
            Some(Subgroup {
                label: format!("IMD decile {decile}"),
                value: m.value?,
                se: None,
                lower: m.lower,
                upper: m.upper,
                population: Some(m.denominator as f64),
                order: Some(decile),
            })
        })
        .collect();
    let indicators = [
        (
            "OAPs started per 1 000 000",
            deciles(&r, "rate_started", 1.0),
            ValueType::Rate,
            1.0,
        ),
        (
            "% of admissions placed out of area",
            deciles(&r, "proportion_started", 0.01),
            ValueType::Proportion,
            100.0,
        ),
        (
            "% of transfers disengaged within 90 days (T1, all index dates)",
            t1,
            ValueType::Proportion,
            100.0,
        ),
    ];
    let mut rows = Vec::new();
    for (name, groups, kind, multiplier) in indicators {
        // A decile with no placements has no log or logit: fall back to the value's own scale.
        let value_type = if groups.iter().all(|g| {
            g.value > 0.0
                && g.value
                    < if kind == ValueType::Proportion {
                        1.0
                    } else {
                        f64::INFINITY
                    }
        }) {
            kind
        } else {
            ValueType::Other
        };
        let opts = SiiOptions {
            value_type,
            confidence: vec![c],
            multiplier,
            ..SiiOptions::default()
        };
        let s = inequality::sii(&groups, &opts)?;
        let l = &s.limits[0];
        let lowest = groups
            .iter()
            .map(|g| g.value * multiplier)
            .fold(f64::INFINITY, f64::min);
        let highest = groups
            .iter()
            .map(|g| g.value * multiplier)
            .fold(f64::NEG_INFINITY, f64::max);
        rows.push(vec![
            name.to_owned(),
            format!("{} to {}", num(lowest, 1), num(highest, 1)),
            format!(
                "{} ({} to {})",
                num(s.sii, 1),
                num(l.sii_lower, 1),
                num(l.sii_upper, 1)
            ),
            format!(
                "{} ({} to {})",
                num(s.rii, 2),
                num(l.rii_lower, 2),
                num(l.rii_upper, 2)
            ),
        ]);
    }
    Ok(Section::new(
        &format!("Inequality across IMD deciles, {year}"),
        "Slope and relative index of inequality (PHE: weighted regression on the population ridit, decile 1 = most deprived at rank 0; limits from 100 000 simulations, seed fixed; T1 weighted by each decile's cohort-T members). A negative SII: less deprived deciles have lower values",
        ["indicator", "range over deciles", "SII (CI)", "RII (CI)"].map(String::from).to_vec(),
        rows,
        &r.diagnostics,
    ))
}

/// Acute admissions per 100 000, directly standardised to the ESP 2013, by place.
fn standardised(data: &DemoTables, start: i32, end: i32, c: f64, year: &str) -> Result<Section> {
    let std = StandardPopulation::esp2013();
    let n_places = PLACES.len();
    let index = |name: &str| PLACES.iter().position(|p| *p == name);
    let mut pop = vec![0.0; n_places * std.len()];
    let p = input(&data.population);
    let (pp, pb, pn) = (
        p.categories("place")?,
        p.categories("age_band")?,
        p.f64s("population")?,
    );
    for i in 0..p.num_rows() {
        let place = pp.values[pp.codes[i] as usize].as_deref().and_then(index);
        let band = pb.values[pb.codes[i] as usize]
            .as_deref()
            .and_then(|l| std.band_of_label(l));
        if let (Some(g), Some(b)) = (place, band) {
            pop[g * std.len() + b] += pn[i];
        }
    }
    let mut count = vec![0.0; pop.len()];
    let a = input(&data.admissions);
    let (ap, age, admitted) = (
        a.categories("place")?,
        a.f64s("age")?,
        a.required_dates("start_date")?,
    );
    for i in 0..a.num_rows() {
        if admitted[i] < start || admitted[i] > end {
            continue;
        }
        if let Some(g) = ap.values[ap.codes[i] as usize].as_deref().and_then(index) {
            let band = ((age[i] / 5.0).floor() as usize).min(std.len() - 1);
            count[g * std.len() + band] += 1.0;
        }
    }
    let group: Vec<u32> = (0..pop.len()).map(|i| (i / std.len()) as u32).collect();
    let band: Vec<u32> = (0..pop.len()).map(|i| (i % std.len()) as u32).collect();
    let opts = DsrOptions {
        confidence: c,
        ..DsrOptions::default()
    };
    let est = stats::dsr(&group, n_places, &band, &count, &pop, &std, &opts, &|g| {
        PLACES[g].to_owned()
    })?;
    let rows = (0..n_places)
        .map(|g| {
            vec![
                PLACES[g].to_owned(),
                num(est.total_count[g], 0),
                num(est.total_population[g], 0),
                num(est.value[g], 1),
                num(est.lower[g], 1),
                num(est.upper[g], 1),
            ]
        })
        .collect();
    Ok(Section::new(
        &format!("Acute mental health admissions per 100 000, age-standardised, {year}"),
        "Directly standardised to the European Standard Population 2013 (19 bands); Dobson interval",
        ["place", "admissions", "population", "rate", "lower", "upper"].map(String::from).to_vec(),
        rows,
        &Default::default(),
    ))
}

/// Mean length of stay of inappropriate OAPs ended in the year, by place.
fn length_of_stay(data: &DemoTables, start: i32, end: i32, c: f64, year: &str) -> Result<Section> {
    let p = input(&data.placements);
    let (place, reason) = (p.categories("place")?, p.categories("reason")?);
    let (s, e) = (p.required_dates("start_date")?, p.dates("end_date")?);
    let index = |name: &str| PLACES.iter().position(|q| *q == name);
    let (mut group, mut nights) = (Vec::new(), Vec::new());
    for i in 0..p.num_rows() {
        let inappropriate = reason.values[reason.codes[i] as usize].as_deref() == Some("10");
        let g = place.values[place.codes[i] as usize]
            .as_deref()
            .and_then(index);
        if let (true, Some(g), Some(end_date)) = (inappropriate, g, e[i]) {
            if (start..=end).contains(&end_date) {
                group.push(g as u32);
                nights.push(f64::from(end_date - s[i]));
            }
        }
    }
    let est = stats::mean(
        &group,
        PLACES.len(),
        &nights,
        &MeanOptions { confidence: c },
        &|g| PLACES[g].to_owned(),
    )?;
    let rows = (0..PLACES.len())
        .map(|g| {
            vec![
                PLACES[g].to_owned(),
                num(est.count[g], 0),
                num(est.value[g], 1),
                num(est.lower[g], 1),
                num(est.upper[g], 1),
                num(est.sd[g], 1),
            ]
        })
        .collect();
    Ok(Section::new(
        &format!("Length of stay of inappropriate OAPs ended, {year} (nights)"),
        "Mean with Student's t interval",
        ["place", "ended", "mean", "lower", "upper", "sd"]
            .map(String::from)
            .to_vec(),
        rows,
        &Default::default(),
    ))
}
