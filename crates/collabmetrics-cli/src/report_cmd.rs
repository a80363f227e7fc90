//! `collabmetrics report`: the collaborative report (the demo's sections that need no demo
//! tables) on an analyst's own extracts: the `oap` command's placements (with optional
//! admissions and population per group) and, when given, the `transition` command's persons,
//! referrals and contacts (and care plans). Text, JSON or one self-contained HTML page.

use crate::collab::{self, labels, Oap, Summary, Young};
use crate::io::{column_maps, describe, read_input, Source};
use crate::report::{percent, Report, Section};
use collabmetrics::table::{format_date, parse_date, Input};
use collabmetrics::transition::{self, Tables, TransitionOptions};
use std::path::PathBuf;

/// The input tables, as named in `--column TABLE.OURS=THEIRS`.
const TABLES: [&str; 7] = [
    "placements",
    "admissions",
    "population",
    "persons",
    "referrals",
    "contacts",
    "care_plans",
];

/// Arguments of `collabmetrics report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Placements (as `collabmetrics oap`): CSV (header row) or Parquet, one row per placement.
    #[arg(long)]
    placements: PathBuf,
    /// All acute admissions, for the share placed out of area (OAP08, OAP09).
    #[arg(long)]
    admissions: Option<PathBuf>,
    /// Population per group (the --by column and `population`), for rates per 1 000 000.
    #[arg(long)]
    population: Option<PathBuf>,
    /// The placements' breakdown column: one row, line or chart per value.
    #[arg(long, default_value = "sending_org")]
    by: String,
    /// The receiving provider column, for the flows section (left out when absent).
    #[arg(long, default_value = "receiving_org")]
    receiving: String,
    /// A placements column of home-to-unit distances in km, for the distance section.
    #[arg(long)]
    distance: Option<String>,
    /// First month of the data, YYYY-MM or YYYY-MM-DD: the SPC charts start here.
    #[arg(long)]
    start: String,
    /// Last day of the data, YYYY-MM (its last day) or YYYY-MM-DD: the reporting year is the
    /// 12 months to it, and follow-up ends on it.
    #[arg(long)]
    end: String,
    /// Persons (as `collabmetrics transition`), with --referrals and --contacts: adds the
    /// transition sections.
    #[arg(long, requires_all = ["referrals", "contacts"])]
    persons: Option<PathBuf>,
    /// Referrals, for the transition sections.
    #[arg(long, requires = "persons")]
    referrals: Option<PathBuf>,
    /// Care contacts, for the transition sections.
    #[arg(long, requires = "persons")]
    contacts: Option<PathBuf>,
    /// Care plans, for T9 (transition plan recorded).
    #[arg(long, requires = "persons")]
    care_plans: Option<PathBuf>,
    /// Confidence level of every interval, in (0, 1).
    #[arg(long, default_value_t = collabmetrics::stats::DEFAULT_CONFIDENCE)]
    confidence: f64,
    /// A title for the report.
    #[arg(long, default_value = "Collaborative report")]
    title: String,
    /// Column mapping OURS=THEIRS for every table, or TABLE.OURS=THEIRS for one (tables:
    /// placements, admissions, population, persons, referrals, contacts, care_plans).
    #[arg(long = "column", value_name = "OURS=THEIRS")]
    columns: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::ReportFormat::Text)]
    format: crate::ReportFormat,
    /// Output file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Write the report as one HTML page to FILE (same as --format html --output FILE).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["format", "output"])]
    html: Option<PathBuf>,
    /// Write the report's tables as they may be published, under RULE (nhs_mhsds when the flag
    /// is alone; nhs_hes, none, or "custom(k=10, suppress_zero=false, base=5)"; a rule that does
    /// not round refuses the OAP tables, whose length-of-stay bands sum to `ended`): small counts
    /// `*`, others rounded; no charts. Without it the report shows unrounded counts and says
    /// it is not for publication.
    #[arg(long, value_name = "RULE")]
    publish: Option<Option<String>>,
}

/// The banner of a report without `--publish`.
pub const NOT_FOR_PUBLICATION: &str = "NOT FOR PUBLICATION: unrounded counts, small ones included (no disclosure control). For tables that may be published, run the report with --publish [RULE].";

impl ReportArgs {
    /// Where and how to write the report.
    pub fn destination(&self) -> (crate::ReportFormat, Option<&std::path::Path>) {
        match &self.html {
            Some(path) => (crate::ReportFormat::Html, Some(path.as_path())),
            None => (self.format, self.output.as_deref()),
        }
    }
}

/// `YYYY-MM` (its first day, or its last with `last`) or `YYYY-MM-DD`.
fn date(arg: &str, value: &str, last: bool) -> Result<i32, String> {
    let bad = || format!("--{arg}: not a date (YYYY-MM or YYYY-MM-DD): {value}");
    if value.trim().len() == 7 {
        let first = collabmetrics::table::parse_month(value).ok_or_else(bad)?;
        if !last {
            return Ok(first);
        }
        let next = collabmetrics::oap::month_start(collabmetrics::oap::month_of(first) + 1);
        return Ok(next - 1);
    }
    parse_date(value).ok_or_else(bad)
}

/// Builds the report.
pub fn run(a: &ReportArgs) -> Result<Report, String> {
    let rule = crate::publish::rule(&a.publish)?;
    let (start, end) = (date("start", &a.start, false)?, date("end", &a.end, true)?);
    if start > end {
        return Err(format!("--start {} is after --end {}", a.start, a.end));
    }
    let maps = column_maps(&a.columns, TABLES)?;
    // The placements' breakdown (`--by`) is the OAP calls' own column: a mapping of it given
    // for every table is not handed to the transition tables unless they read that column too
    // (the core refuses a mapping that no table of a call reads).
    let young_reads = transition::DEFAULT_BREAKDOWNS.contains(&a.by.as_str());
    let young_columns: Vec<String> = a
        .columns
        .iter()
        .filter(|c| young_reads || c.split_once('=').is_none_or(|(ours, _)| ours != a.by))
        .cloned()
        .collect();
    let young_maps = column_maps(&young_columns, TABLES)?;
    let mut sources: Vec<Source> = Vec::new();
    let mut read = |path: &std::path::Path, t: usize| -> Result<Input, String> {
        let table = (t > 0).then_some(TABLES[t]);
        let map = if t >= 3 { &young_maps[t] } else { &maps[t] };
        let (input, source) = read_input(path, map, table)?;
        sources.push(source);
        Ok(input)
    };
    let placements = read(&a.placements, 0)?;
    let admissions = a.admissions.as_deref().map(|p| read(p, 1)).transpose()?;
    let population = a.population.as_deref().map(|p| read(p, 2)).transpose()?;
    let young_inputs = match (&a.persons, &a.referrals, &a.contacts) {
        (Some(p), Some(r), Some(c)) => Some((
            read(p, 3)?,
            read(r, 4)?,
            read(c, 5)?,
            a.care_plans.as_deref().map(|p| read(p, 6)).transpose()?,
        )),
        _ => None,
    };
    let e = |e: collabmetrics::Error| describe(&e, &sources);
    let receiving = placements
        .column(&a.receiving)
        .is_ok()
        .then(|| a.receiving.clone());
    let (groups, null_label) = labels(&placements, &a.by).map_err(e)?;
    let oap = Oap {
        placements: &placements,
        admissions: admissions.as_ref(),
        population: population.as_ref(),
        group: a.by.clone(),
        groups,
        null_label,
        distance: a.distance.clone(),
        receiving: receiving.clone(),
        start,
        end,
        confidence: a.confidence,
    };
    if let Some(rule) = rule {
        return published(a, &oap, young_inputs.as_ref(), rule, &placements).map_err(e);
    }
    let mut sections: Vec<Section> = vec![collab::headline(&oap).map_err(e)?];
    if let Some(note) = missing_group(&placements, &oap) {
        sections[0].diagnostics.entries.push(note);
    }
    if population.is_some() {
        sections.push(collab::rates(&oap).map_err(e)?);
        sections.push(crate::demo_funnel::oap_rates(&oap).map_err(e)?);
    }
    if admissions.is_some() {
        sections.push(collab::proportions(&oap).map_err(e)?);
    }
    if receiving.is_some() {
        sections.push(collab::flows(&oap).map_err(e)?);
    }
    if a.distance.is_some() {
        sections.push(collab::distances(&oap).map_err(e)?);
    }
    let mut what = vec![format!("{} placements", placements.num_rows())];
    if let Some(young_inputs) = &young_inputs {
        let (persons, referrals, contacts, _) = young_inputs;
        let (tables, opts) = transition_call(young_inputs, end, a.confidence);
        let analysis = transition::analyse(&tables, &opts).map_err(e)?;
        let summary = Summary::new(&analysis.summary);
        let young = Young {
            analysis: &analysis,
            summary: &summary,
            period: format!("index dates to {}", format_date(end)),
            data_end: end,
            engagement_days: opts.engagement_days,
            confidence: a.confidence,
        };
        sections.extend([
            collab::transfers(&young),
            collab::continuity_gap(&young),
            collab::time_to_contact(&young),
            collab::ageing_out(&young),
        ]);
        // T1 by place, when the persons table has places.
        let places: Vec<String> = summary
            .groups(&format!("T1_disengaged_{}d", opts.engagement_days), "place")
            .map(|(g, _)| g.to_owned())
            .collect();
        if !places.is_empty() {
            sections.push(crate::demo_funnel::disengagement(&young, &places).map_err(e)?);
        }
        what.push(format!(
            "{} young people with {} referrals and {} care contacts",
            persons.num_rows(),
            referrals.num_rows(),
            contacts.num_rows()
        ));
    }
    sections.push(crate::demo_spc::section(&oap).map_err(e)?);
    Ok(Report {
        title: a.title.clone(),
        note: format!(
            "Data {} to {}; {}. Intervals at {}% confidence.",
            format_date(start),
            format_date(end),
            what.join("; "),
            percent(a.confidence)
        ),
        synthetic: false,
        warning: Some(NOT_FOR_PUBLICATION.to_owned()),
        sections,
        tables: Default::default(),
    })
}

/// A note of the placements without a breakdown value (`None` when every one has one): they
/// are the group [`Oap::null_label`] in every table and chart.
fn missing_group(placements: &Input, d: &Oap) -> Option<collabmetrics::table::Diagnostic> {
    let col = placements.column(&d.group).ok()?;
    let first = (0..col.len()).find(|&i| col.is_null(i))?;
    Some(collabmetrics::table::Diagnostic {
        reason: "missing_breakdown".to_owned(),
        action: format!(
            "no `{}` value: shown as the group \"{}\"",
            d.group, d.null_label
        ),
        count: col.null_count() as u64,
        first_row: Some(first),
    })
}

/// The persons, referrals, contacts and care plans of the transition sections.
type YoungInputs = (Input, Input, Input, Option<Input>);

/// The transition tables of the report's young people, with the options of its transition
/// sections (data to `end`, the report's confidence).
fn transition_call(
    young: &YoungInputs,
    end: i32,
    confidence: f64,
) -> (Tables<'_>, TransitionOptions) {
    let (persons, referrals, contacts, plans) = young;
    let mut opts = TransitionOptions::new(end);
    opts.confidence = confidence;
    let tables = Tables {
        persons,
        referrals,
        contacts,
        care_plans: plans.as_ref(),
    };
    (tables, opts)
}

/// `report --publish`: the report's tables as they may be published, without charts.
fn published(
    a: &ReportArgs,
    oap: &Oap,
    young: Option<&YoungInputs>,
    rule: collabmetrics::disclosure::Rule,
    placements: &Input,
) -> collabmetrics::Result<Report> {
    let summary = match young {
        Some(young) => {
            let (tables, opts) = transition_call(young, oap.end, a.confidence);
            Some(transition::summary(&tables, &opts)?)
        }
        None => None,
    };
    let mut sections = crate::publish::collab_sections(oap, summary.as_ref(), rule)?;
    if let (Some(note), Some(first)) = (missing_group(placements, oap), sections.first_mut()) {
        first.diagnostics.entries.push(note);
    }
    Ok(Report {
        title: format!("{}: tables for publication under the rule {rule}", a.title),
        note: format!(
            "Data {} to {}; {} placements. Every count is controlled: below the rule's threshold shown *, the others rounded to its base; totals from unrounded parts; rates and percentages from unrounded counts, suppressed with their counts, and left out of every table with Total rows (there they would give a suppressed count back by difference). {}",
            format_date(oap.start),
            format_date(oap.end),
            placements.num_rows(),
            crate::publish::REPORT_LEFT_OUT
        ),
        synthetic: false,
        warning: None,
        sections,
        tables: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_as_their_first_or_last_day() {
        assert_eq!(
            date("end", "2024-02", true).unwrap(),
            parse_date("2024-02-29").unwrap()
        );
        assert_eq!(
            date("start", "2024-02", false).unwrap(),
            parse_date("2024-02-01").unwrap()
        );
        assert!(date("end", "2024-13", true).is_err());
    }

    #[test]
    fn column_maps_name_their_table() {
        let maps = column_maps(
            &[
                "person_id=PatId".to_owned(),
                "contacts.person_id=LocalPatientId".to_owned(),
            ],
            TABLES,
        )
        .unwrap();
        assert_eq!(maps[0].resolve("person_id"), "PatId");
        assert_eq!(maps[5].resolve("person_id"), "LocalPatientId");
        assert!(column_maps(&["visits.x=y".to_owned()], TABLES)
            .unwrap_err()
            .contains("not one of"));
    }
}
