//! The built-in demo collaborative: a small, fixed, synthetic table shaped like Kent and
//! Medway's four places. The numbers are invented (plausible magnitudes, no real patient
//! data) so the report shows every statistic of the core on data anyone can rerun.

use crate::report::{num, Report, Section};
use collabmetrics::stats::{
    self, DsrOptions, IsrKind, IsrOptions, MeanOptions, ProportionOptions, RateMethod, RateOptions,
    StandardPopulation,
};
use collabmetrics::Result;

/// The four places of the demo collaborative, with adult (18+) populations.
const PLACES: [(&str, f64); 4] = [
    ("Dartford, Gravesham and Swanley", 214_000.0),
    ("West Kent", 372_000.0),
    ("Medway and Swale", 338_000.0),
    ("East Kent", 566_000.0),
];
/// Acute adult admissions in the year, and how many were placed out of area.
const ADMISSIONS: [f64; 4] = [412.0, 655.0, 598.0, 930.0];
const OAP_ADMISSIONS: [f64; 4] = [37.0, 41.0, 66.0, 52.0];
/// Psychiatric intensive care placements out of area: small counts (exact limits below 10).
const PICU_OAPS: [f64; 4] = [4.0, 9.0, 12.0, 7.0];
/// Lengths of stay (days) of each place's out-of-area placements, a sample of each.
const STAYS: [&[f64]; 4] = [
    &[12.0, 35.0, 8.0, 61.0, 22.0, 17.0, 44.0],
    &[9.0, 14.0, 28.0, 51.0, 19.0, 33.0],
    &[41.0, 57.0, 23.0, 88.0, 30.0, 26.0, 64.0, 19.0],
    &[15.0, 21.0, 47.0, 12.0, 36.0, 29.0],
];

/// Population and admissions of place `p` in ESP 2013 age band `b` (0–4 … 90+): a smooth age
/// profile, admissions peaking in the 20s and 30s, scaled per place. Deterministic.
fn band(p: usize, b: usize) -> (f64, f64) {
    let age = 5.0 * b as f64 + 2.5;
    let pop = (PLACES[p].1 / 14.0) * (1.15 - (age / 100.0).powi(2)).max(0.08);
    let per_100k = 40.0 + 900.0 * (-((age - 32.0) / 16.0).powi(2)).exp();
    let admissions = (pop * per_100k / 100_000.0 * [0.9, 0.8, 1.2, 1.0][p]).round();
    (pop.round(), admissions)
}

/// Runs every statistic on the demo tables.
pub fn run(confidence: f64) -> Result<Report> {
    let names: Vec<&str> = PLACES.iter().map(|p| p.0).collect();
    let population: Vec<f64> = PLACES.iter().map(|p| p.1).collect();
    let label = |g: usize| names[g].to_owned();
    let mut sections = Vec::new();

    let prop = stats::proportion(
        &OAP_ADMISSIONS,
        &ADMISSIONS,
        &ProportionOptions {
            confidence,
            multiplier: 100.0,
        },
    )?;
    sections.push(section(
        "Acute admissions placed out of area (%)",
        "Wilson score interval",
        &["place", "oap", "admissions", "percent", "lower", "upper"],
        (0..4)
            .map(|i| {
                vec![
                    names[i].into(),
                    num(OAP_ADMISSIONS[i], 0),
                    num(ADMISSIONS[i], 0),
                    num(prop.value[i], 1),
                    num(prop.lower[i], 1),
                    num(prop.upper[i], 1),
                ]
            })
            .collect(),
        &prop,
    ));

    let rate = stats::rate(
        &PICU_OAPS,
        &population,
        &RateOptions {
            confidence,
            multiplier: 1_000_000.0,
            method: RateMethod::Byar,
        },
    )?;
    sections.push(section(
        "PICU out-of-area placements per 1 000 000 adults",
        "Byar's interval for counts >= 10, exact Poisson below 10 (PHE)",
        &["place", "placements", "rate", "lower", "upper", "method"],
        (0..4)
            .map(|i| {
                vec![
                    names[i].into(),
                    num(PICU_OAPS[i], 0),
                    num(rate.value[i], 1),
                    num(rate.lower[i], 1),
                    num(rate.upper[i], 1),
                    rate.method[i].name().into(),
                ]
            })
            .collect(),
        &rate,
    ));

    let (mut group, mut bands, mut pops, mut counts) = (vec![], vec![], vec![], vec![]);
    for p in 0..4 {
        for b in 0..19 {
            let (pop, adm) = band(p, b);
            group.push(p as u32);
            bands.push(b as u32);
            pops.push(pop);
            counts.push(adm);
        }
    }
    let std = StandardPopulation::esp2013();
    let dsr = stats::dsr(
        &group,
        4,
        &bands,
        &counts,
        &pops,
        &std,
        &DsrOptions {
            confidence,
            ..DsrOptions::default()
        },
        &label,
    )?;
    sections.push(section(
        "Mental health admissions per 100 000, age-standardised (all ages)",
        "Directly standardised to the European Standard Population 2013; Dobson interval",
        &["place", "admissions", "population", "dsr", "lower", "upper"],
        (0..4)
            .map(|i| {
                vec![
                    names[i].into(),
                    num(dsr.total_count[i], 0),
                    num(dsr.total_population[i], 0),
                    num(dsr.value[i], 1),
                    num(dsr.lower[i], 1),
                    num(dsr.upper[i], 1),
                ]
            })
            .collect(),
        &dsr,
    ));

    // Indirect standardisation against the collaborative's own age-specific rates.
    let mut ref_count = [0.0; 19];
    let mut ref_pop = [0.0; 19];
    for i in 0..group.len() {
        ref_count[bands[i] as usize] += counts[i];
        ref_pop[bands[i] as usize] += pops[i];
    }
    let rc: Vec<f64> = bands.iter().map(|&b| ref_count[b as usize]).collect();
    let rp: Vec<f64> = bands.iter().map(|&b| ref_pop[b as usize]).collect();
    let isr = stats::isr(
        &group,
        4,
        &counts,
        &pops,
        &rc,
        &rp,
        &IsrOptions {
            confidence,
            multiplier: 100.0,
            method: RateMethod::Byar,
            kind: IsrKind::Ratio,
        },
        &label,
    )?;
    sections.push(section(
        "Admissions against the collaborative's age-specific rates (ratio x 100)",
        "Indirectly standardised ratio; Byar's interval of the observed count",
        &["place", "observed", "expected", "ratio", "lower", "upper"],
        (0..4)
            .map(|i| {
                vec![
                    names[i].into(),
                    num(isr.observed[i], 0),
                    num(isr.expected[i], 1),
                    num(isr.value[i], 1),
                    num(isr.lower[i], 1),
                    num(isr.upper[i], 1),
                ]
            })
            .collect(),
        &isr,
    ));

    let (mut g, mut stays) = (vec![], vec![]);
    for (p, s) in STAYS.iter().enumerate() {
        g.extend(std::iter::repeat_n(p as u32, s.len()));
        stays.extend_from_slice(s);
    }
    let mean = stats::mean(&g, 4, &stays, &MeanOptions { confidence }, &label)?;
    sections.push(section(
        "Length of stay of out-of-area placements (days)",
        "Mean with Student's t interval",
        &["place", "placements", "mean", "lower", "upper"],
        (0..4)
            .map(|i| {
                vec![
                    names[i].into(),
                    num(mean.count[i], 0),
                    num(mean.value[i], 1),
                    num(mean.lower[i], 1),
                    num(mean.upper[i], 1),
                ]
            })
            .collect(),
        &mean,
    ));

    Ok(Report {
        title: "collabmetrics demo: Kent and Medway-shaped collaborative".to_owned(),
        note: format!(
            "SYNTHETIC DATA: invented figures for a collaborative shaped like Kent and Medway's four places; not real patient data.\nIntervals at {}% confidence.",
            confidence * 100.0
        ),
        sections,
    })
}

fn section(
    title: &str,
    method: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
    result: &impl serde::Serialize,
) -> Section {
    Section {
        title: title.to_owned(),
        method: method.to_owned(),
        header: header.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        result: serde_json::to_value(result).expect("results serialise"),
    }
}
