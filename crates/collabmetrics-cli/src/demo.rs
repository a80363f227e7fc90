//! `collabmetrics demo`: the collaborative report on the built-in demo collaborative, a
//! SYNTHETIC Kent and Medway-shaped dataset from `collabmetrics_demo` (invented people and
//! services; the same seed always gives the same report). The sections shared with an
//! analyst's own report are in `collab.rs`; the ones here need the demo's areas and
//! population tables (inequality across IMD deciles, age-standardised rates) or its reason
//! codes (lengths of stay).

// The demo report reads tables the core generated (seeded) and the columns the core's own
// results always have; no value here comes from a user's file, so its `expect`s state
// invariants of the library (the CLI's demo tests run every one of them).
#![allow(clippy::expect_used)]

use crate::collab::{self, Columns, Oap, Summary, Young};
use crate::html::{Chart, Interval, Intervals, Sii, SiiPoint};
use crate::report::{interval_label, percent, Cell, Report, Section};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use collabmetrics::distance::{self, NullPolicy};
use collabmetrics::inequality::{
    self, grouped::population_ridits, SiiOptions, Subgroup, ValueType,
};
use collabmetrics::oap::Window;
use collabmetrics::stats::{self, DsrOptions, MeanOptions, StandardPopulation};
use collabmetrics::table::{format_date, ColumnMap, Input, TableResult};
use collabmetrics::transition::{self, Analysis, Tables, TransitionOptions};
use collabmetrics::{Error, Result};
use collabmetrics_demo::{self as demo, DemoOptions, DemoTables, PLACES};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Options of the demo report.
pub struct DemoArgs {
    /// Confidence level of every interval.
    pub confidence: f64,
    /// Seed of the generator.
    pub seed: u64,
    /// Size of the collaborative.
    pub scale: f64,
}

/// An input of one demo table (no column mapping: the demo uses our names).
pub(crate) fn input(batch: &RecordBatch) -> Result<Input> {
    Input::new(
        batch.schema(),
        std::slice::from_ref(batch),
        ColumnMap::new(),
    )
}

/// The smallest `--scale` of the demo report: below it some sections have too few records to
/// compute (an inequality fit on empty deciles, a population of 0). The generator itself
/// (`cm.demo.tables`) makes smaller collaboratives.
pub const MIN_REPORT_SCALE: f64 = 0.01;

/// Builds every section of the report.
pub fn run(args: &DemoArgs) -> Result<Report> {
    if args.scale < MIN_REPORT_SCALE {
        return Err(Error::InvalidArgument {
            argument: "scale".into(),
            message: format!(
                "the demo report needs a scale of at least {MIN_REPORT_SCALE} (got {}): smaller \
                 collaboratives leave sections without the records they compute from",
                args.scale
            ),
        });
    }
    let opts = DemoOptions {
        seed: args.seed,
        scale: args.scale,
        ..DemoOptions::default()
    };
    let data = demo::try_generate(&opts)?;
    let end = opts.data_end();
    let c = args.confidence;
    let places = population_by_place(&data)?;
    let (placements, admissions, population) = (
        input(&with_distance(&data.placements)?)?,
        input(&data.admissions)?,
        input(&places)?,
    );
    let oap = Oap {
        placements: &placements,
        admissions: Some(&admissions),
        population: Some(&population),
        group: "place".to_owned(),
        groups: PLACES.iter().map(|p| p.to_string()).collect(),
        // Every demo placement has its place.
        null_label: crate::collab::null_label(&PLACES.map(str::to_owned)),
        distance: Some("distance_km".to_owned()),
        receiving: Some("receiving_org".to_owned()),
        start: opts.start,
        end,
        confidence: c,
    };
    let analysis = young_people(&data, end, c)?;
    let summary = Summary::new(&analysis.summary);
    let young = Young {
        analysis: &analysis,
        summary: &summary,
        period: format!(
            "index dates {} to {}",
            format_date(opts.start),
            format_date(end)
        ),
        data_end: end,
        engagement_days: TransitionOptions::default().engagement_days,
        confidence: c,
    };
    let sections = vec![
        collab::headline(&oap)?,
        collab::rates(&oap)?,
        collab::proportions(&oap)?,
        collab::flows(&oap)?,
        collab::distances(&oap)?,
        collab::transfers(&young),
        collab::continuity_gap(&young),
        collab::time_to_contact(&young),
        collab::ageing_out(&young),
        inequality(&data, &oap, &young)?,
        crate::demo_funnel::oap_rates(&oap)?,
        crate::demo_funnel::disengagement(&young, &oap.groups)?,
        standardised(&data, &oap)?,
        length_of_stay(&data, &oap)?,
        crate::demo_spc::section(&oap)?,
    ];
    let mut tables = BTreeMap::new();
    tables.insert(
        "transition_summary".to_owned(),
        crate::io::json_rows(&analysis.summary).map_err(|message| Error::InvalidArgument {
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
            percent(c)
        ),
        synthetic: true,
        warning: None,
        sections,
        tables,
    })
}

/// Population per place (summing the areas), as a table for the OAP rates.
pub(crate) fn population_by_place(data: &DemoTables) -> Result<RecordBatch> {
    let areas = input(&data.areas)?;
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

/// The placements with `distance_km`: straight-line BNG distance from home to unit (the NHS
/// method).
pub(crate) fn with_distance(p: &RecordBatch) -> Result<RecordBatch> {
    let i = input(p)?;
    let (e1, n1) = (i.f64s("home_easting")?, i.f64s("home_northing")?);
    let (e2, n2) = (i.f64s("unit_easting")?, i.f64s("unit_northing")?);
    let km =
        distance::bng(&e1, &n1, &e2, &n2, false, NullPolicy::Error).map_err(|e| i.locate(e))?;
    collabmetrics::table::append_column(p, "distance_km", Arc::new(Float64Array::from(km)))
}

/// Both transition cohorts of the demo's young people (with their care plans, for T9) over
/// the whole data, with the documented defaults (`docs/methods/transition.md`).
fn young_people(data: &DemoTables, end: i32, c: f64) -> Result<Analysis> {
    let (persons, referrals, contacts, plans) = (
        input(&data.persons)?,
        input(&data.referrals)?,
        input(&data.contacts)?,
        input(&data.care_plans)?,
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

/// Population per IMD decile (summing the areas), as a table for the OAP rates: deciles
/// without a resident (a small demo may have none in some) are left out, so no rate divides by
/// zero.
fn population_by_decile(data: &DemoTables) -> Result<RecordBatch> {
    let areas = input(&data.areas)?;
    let (decile, pop) = (areas.f64s("imd_decile")?, areas.f64s("population")?);
    let mut totals = [0.0; 10];
    for (d, p) in decile.iter().zip(pop.iter()) {
        totals[(*d as usize).clamp(1, 10) - 1] += p;
    }
    let kept: Vec<usize> = (0..10).filter(|&d| totals[d] > 0.0).collect();
    Ok(RecordBatch::try_from_iter(vec![
        (
            "imd_decile",
            Arc::new(arrow_array::Int64Array::from_iter_values(
                kept.iter().map(|&d| d as i64 + 1),
            )) as ArrayRef,
        ),
        (
            "population",
            Arc::new(Float64Array::from_iter_values(
                kept.iter().map(|&d| totals[d]),
            )),
        ),
    ])
    .expect("two equal columns"))
}

/// Subgroups of one indicator by IMD decile (order 1 = most deprived), from a by-decile OAP
/// result's `value`/`lower`/`upper` columns scaled by `scale`; deciles without population left
/// out.
fn deciles(r: &TableResult, value: &str, scale: f64) -> Vec<Subgroup> {
    let c = Columns(&r.table);
    let (decile, pop) = (c.f64("imd_decile"), c.f64("population"));
    let (v, lo, hi) = (
        c.f64(value),
        c.f64(&format!("{value}_lower")),
        c.f64(&format!("{value}_upper")),
    );
    (0..decile.len())
        .filter(|&i| pop[i] > 0.0)
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

/// SII and RII of the OAP rate, of the share of admissions placed out of area and of T1
/// across IMD deciles (PHE's method: regression on the population ridit, simulated limits),
/// each with its chart.
fn inequality(data: &DemoTables, d: &Oap, young: &Young) -> Result<Section> {
    let c = d.confidence;
    let pops = population_by_decile(data)?;
    let o = d.options(d.end, Window::Rolling12m, &["imd_decile"]);
    let r = collabmetrics::oap::measures(d.placements, &o, Some(&input(&pops)?), d.admissions)?;
    // T1 by IMD decile: each decile's cohort-T members with 90 days' follow-up are its
    // population, deciles without any left out.
    let t1_metric = format!("T1_disengaged_{}d", young.engagement_days);
    let t1: Vec<Subgroup> = young
        .summary
        .groups(&t1_metric, "imd_decile")
        .filter_map(|(g, m)| {
            let decile: i64 = g.parse().ok()?;
            Some(Subgroup {
                label: format!("IMD decile {decile}"),
                value: m.value?,
                se: None,
                lower: m.lower,
                upper: m.upper,
                population: Some(m.denominator as f64).filter(|n| *n > 0.0),
                order: Some(decile),
            })
        })
        .filter(|s| s.population.is_some())
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
            "% of transfers disengaged within 90 days (T1)",
            t1,
            ValueType::Proportion,
            100.0,
        ),
    ];
    let mut rows = Vec::new();
    let mut charts = Vec::new();
    for (name, groups, kind, multiplier) in indicators {
        if groups.len() < 3 {
            // Fewer than three deciles: no slope to fit (a small demo).
            rows.push(vec![
                Cell::text(name),
                Cell::none(),
                Cell::none(),
                Cell::none(),
            ]);
            continue;
        }
        // A decile with no placements has no log or logit: fall back to the value's own scale.
        let upper_bound = if kind == ValueType::Proportion {
            1.0
        } else {
            f64::INFINITY
        };
        let value_type = if groups
            .iter()
            .all(|g| g.value > 0.0 && g.value < upper_bound)
        {
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
        let nan = f64::NAN;
        let (sl, su, rl, ru) = s.limits.first().map_or((nan, nan, nan, nan), |l| {
            (
                l.sii_lower,
                l.sii_upper,
                l.rii_lower.unwrap_or(nan),
                l.rii_upper.unwrap_or(nan),
            )
        });
        let scaled: Vec<f64> = groups.iter().map(|g| g.value * multiplier).collect();
        let lowest = scaled.iter().copied().fold(f64::INFINITY, f64::min);
        let highest = scaled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        rows.push(vec![
            Cell::text(name),
            Cell::range(lowest, highest, 1),
            Cell::est(s.sii, sl, su, 1),
            Cell::est(s.rii, rl, ru, 2),
        ]);
        charts.push(sii_chart(name, &groups, multiplier, &s));
    }
    let mut section = Section::new(
        "inequality",
        &format!(
            "Inequality across IMD deciles: OAPs {}; T1 {}",
            d.year(),
            young.period
        ),
        &format!(
            "Slope and relative index of inequality (PHE: weighted regression on the population ridit, decile 1 = most deprived at rank 0; limits from 100 000 simulations, seed fixed; T1 weighted by each decile's cohort-T members). A negative SII: less deprived deciles have lower values. {}",
            "An RII interval is left blank when a simulated line reaches 0, where the ratio has none"
        ),
        vec![
            "indicator".to_owned(),
            "range over deciles".to_owned(),
            format!("SII ({})", interval_label(c)),
            format!("RII ({})", interval_label(c)),
        ],
        rows,
        &r.diagnostics,
    );
    for chart in charts {
        section = section.with_chart(chart);
    }
    Ok(section)
}

/// The deciles' values with their limits at their ridits, and the fitted line from rank 0 to
/// rank 1.
fn sii_chart(name: &str, groups: &[Subgroup], multiplier: f64, s: &inequality::SiiResult) -> Chart {
    let mut sorted: Vec<&Subgroup> = groups.iter().collect();
    sorted.sort_by_key(|g| g.order);
    let pops: Vec<f64> = sorted.iter().map(|g| g.population.unwrap_or(0.0)).collect();
    let ranks = population_ridits(&pops);
    // The fitted ends on the value scale: rank 0 is the intercept, rank 1 adds the SII
    // (both × the multiplier; PHE's `intercept` is unmultiplied without `transform`).
    let at0 = s.intercept * multiplier.abs();
    let at1 = at0 + s.sii;
    Chart::Sii(Sii {
        title: format!("{name} by IMD decile, with the fitted slope index line"),
        y_label: name.to_owned(),
        points: sorted
            .iter()
            .zip(&ranks)
            .map(|(g, &rank)| SiiPoint {
                label: g.label.trim_start_matches("IMD decile ").to_owned(),
                rank,
                value: [
                    g.value * multiplier,
                    g.lower.unwrap_or(f64::NAN) * multiplier,
                    g.upper.unwrap_or(f64::NAN) * multiplier,
                ],
            })
            .collect(),
        line: (at0, at1),
        annotation: format!(
            "SII {:.1}, RII {:.2}: fitted {:.1} at the most deprived end, {:.1} at the least",
            s.sii, s.rii, at0, at1
        ),
    })
}

/// Acute admissions per 100 000, directly standardised to the ESP 2013, by place.
fn standardised(data: &DemoTables, d: &Oap) -> Result<Section> {
    let (start, end, c) = (d.year_start(), d.end, d.confidence);
    let std = StandardPopulation::esp2013();
    let n_places = PLACES.len();
    let index = |name: &str| PLACES.iter().position(|p| *p == name);
    let mut pop = vec![0.0; n_places * std.len()];
    let p = input(&data.population)?;
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
    let a = input(&data.admissions)?;
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
                Cell::text(PLACES[g]),
                Cell::count(est.total_count[g]),
                Cell::count(est.total_population[g]),
                Cell::est(est.value[g], est.lower[g], est.upper[g], 1),
            ]
        })
        .collect();
    let chart = Chart::Intervals(Intervals {
        title: format!(
            "Acute admissions per 100 000, age-standardised, with {}",
            interval_label(c)
        ),
        x_label: "admissions per 100 000 (ESP 2013)".to_owned(),
        rows: (0..n_places)
            .map(|g| Interval {
                label: PLACES[g].to_owned(),
                value: est.value[g],
                lower: est.lower[g],
                upper: est.upper[g],
            })
            .collect(),
        reference: None,
    });
    Ok(Section::new(
        "admissions-dsr",
        &format!(
            "Acute mental health admissions per 100 000, age-standardised, {}",
            d.year()
        ),
        "Directly standardised to the European Standard Population 2013 (19 bands); Dobson interval",
        vec![
            "place".to_owned(),
            "admissions".to_owned(),
            "population".to_owned(),
            format!("per 100 000 ({})", interval_label(c)),
        ],
        rows,
        &Default::default(),
    )
    .with_chart(chart))
}

/// Mean length of stay of inappropriate OAPs ended in the year, by place.
fn length_of_stay(data: &DemoTables, d: &Oap) -> Result<Section> {
    let (start, end, c) = (d.year_start(), d.end, d.confidence);
    let p = input(&data.placements)?;
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
    // A place with fewer than two stays has no t interval (a small demo): left out, shown "-".
    let mut n = vec![0usize; PLACES.len()];
    for &g in &group {
        n[g as usize] += 1;
    }
    let kept: Vec<usize> = (0..PLACES.len()).filter(|&g| n[g] >= 2).collect();
    let code: Vec<Option<u32>> = (0..PLACES.len())
        .map(|g| kept.iter().position(|&k| k == g).map(|k| k as u32))
        .collect();
    let (group, nights): (Vec<u32>, Vec<f64>) = group
        .iter()
        .zip(&nights)
        .filter_map(|(&g, &x)| code[g as usize].map(|k| (k, x)))
        .unzip();
    let kept_est = stats::mean(
        &group,
        kept.len(),
        &nights,
        &MeanOptions { confidence: c },
        &|k| PLACES[kept[k]].to_owned(),
    )?;
    let pick = |v: &[f64], g: usize| code[g].map_or(f64::NAN, |k| v[k as usize]);
    let per_place = |v: &[f64]| -> Vec<f64> { (0..PLACES.len()).map(|g| pick(v, g)).collect() };
    let count: Vec<f64> = (0..PLACES.len()).map(|g| n[g] as f64).collect();
    let (value, lower, upper, sd) = (
        per_place(&kept_est.value),
        per_place(&kept_est.lower),
        per_place(&kept_est.upper),
        per_place(&kept_est.sd),
    );
    let rows = (0..PLACES.len())
        .map(|g| {
            vec![
                Cell::text(PLACES[g]),
                Cell::count(count[g]),
                Cell::est(value[g], lower[g], upper[g], 1),
                Cell::num(sd[g], 1),
            ]
        })
        .collect();
    let chart = Chart::Intervals(Intervals {
        title: format!(
            "Mean nights of inappropriate OAPs ended, with {}",
            interval_label(c)
        ),
        x_label: "nights".to_owned(),
        rows: (0..PLACES.len())
            .map(|g| Interval {
                label: PLACES[g].to_owned(),
                value: value[g],
                lower: lower[g],
                upper: upper[g],
            })
            .collect(),
        reference: None,
    });
    Ok(Section::new(
        "length-of-stay",
        &format!(
            "Length of stay of inappropriate OAPs ended, {} (nights)",
            d.year()
        ),
        "Mean with Student's t interval",
        vec![
            "place".to_owned(),
            "ended".to_owned(),
            format!("mean ({})", interval_label(c)),
            "sd".to_owned(),
        ],
        rows,
        &Default::default(),
    )
    .with_chart(chart))
}
