//! `collabmetrics transition`: transition disengagement for 16–25s (cohorts T and B of
//! `docs/methods/transition.md`) from an analyst's persons, referrals and contacts extracts.

use crate::args::{items, list, numbers};
use crate::io::{column_maps, describe, read_input, TableFormat};
use collabmetrics::table::{parse_date, TableResult};
use collabmetrics::transition::{self, Tables, TransitionOptions};
use std::path::PathBuf;

/// Which table to write (`--table`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Table {
    /// Every metric (T1–T9, cohort B's classes and rates) per breakdown group.
    Summary,
    /// Cohort T, one row per member (person and episode).
    Transfers,
    /// Cohort B, one row per member.
    AgeingOut,
    /// Kaplan–Meier curve of the time to the first attended adult contact (cohort T).
    Curve,
}

/// The input tables, as named in `--column TABLE.OURS=THEIRS`.
const TABLES: [&str; 4] = ["persons", "referrals", "contacts", "care_plans"];

/// Arguments of `collabmetrics transition`.
#[derive(clap::Args, Debug)]
pub struct TransitionArgs {
    /// Persons: person_id, date_of_birth, optional date_of_death and breakdown columns (sex,
    /// ethnicity, imd_decile, place). CSV (header row) or Parquet.
    #[arg(long)]
    persons: PathBuf,
    /// Referrals: referral_id, person_id, received_date, optional discharge_date,
    /// rejection_date, service_line, team_type, team_age_group, closure_reason.
    #[arg(long)]
    referrals: PathBuf,
    /// Care contacts: referral_id, contact_date, attendance, optional contact_id, person_id,
    /// mechanism.
    #[arg(long)]
    contacts: PathBuf,
    /// Care plans (person_id, plan_type, date), for T9 (transition plan recorded).
    #[arg(long)]
    care_plans: Option<PathBuf>,
    /// Last date the data cover, YYYY-MM-DD: follow-up ends here.
    #[arg(long)]
    data_end: String,
    /// First index (cohort T) or boundary (cohort B) date reported, YYYY-MM-DD.
    #[arg(long)]
    period_start: Option<String>,
    /// Last index or boundary date reported, YYYY-MM-DD (default: the data end).
    #[arg(long)]
    period_end: Option<String>,
    /// N of T1 (disengaged within N days) and of cohort B's engagement.
    #[arg(long, default_value_t = TransitionOptions::default().engagement_days)]
    engagement_days: i32,
    /// Attended adult contacts needed to count as engaged (1, or 2 for the stricter rule).
    #[arg(long, default_value_t = TransitionOptions::default().min_attended_contacts)]
    min_attended_contacts: u32,
    /// Age at which CYPMHS ends.
    #[arg(long, default_value_t = TransitionOptions::default().boundary_age)]
    boundary_age: u32,
    /// Youngest age of cohort T on the index date.
    #[arg(long, default_value_t = TransitionOptions::default().min_age)]
    min_age: u32,
    /// Oldest age of cohort T on the index date.
    #[arg(long, default_value_t = TransitionOptions::default().max_age)]
    max_age: u32,
    /// Further T1 horizons in days reported in the summary, comma-separated (at most 7; an
    /// empty value for none).
    #[arg(long, default_value_t = list(&TransitionOptions::default().horizons))]
    horizons: String,
    /// ATTENDED OR DID NOT ATTEND codes meaning attended, comma-separated.
    #[arg(long, default_value_t = list(&TransitionOptions::default().attended_codes))]
    attended_codes: String,
    /// ATTENDED OR DID NOT ATTEND codes meaning did not attend, comma-separated.
    #[arg(long, default_value_t = list(&TransitionOptions::default().dna_codes))]
    dna_codes: String,
    /// CONSULTATION MECHANISM codes that are direct contact, comma-separated.
    #[arg(long, default_value_t = list(&TransitionOptions::default().direct_mechanisms))]
    direct_mechanisms: String,
    /// Adult crisis team types, whose contacts are not engagement, comma-separated.
    #[arg(long, default_value_t = list(&TransitionOptions::default().crisis_team_types))]
    crisis_team_types: String,
    /// An attended CYP contact this many days before the adult referral makes CYPMHS
    /// involvement.
    #[arg(long, default_value_t = TransitionOptions::default().cyp_lookback_days)]
    cyp_lookback_days: i32,
    /// Cohort B: a CYP referral open in this window (days) before the boundary date.
    #[arg(long, default_value_t = TransitionOptions::default().boundary_open_window_days)]
    boundary_open_window_days: i32,
    /// Cohort B's classification horizon and cohort T's follow-up year (T3, T4, T8), in days.
    #[arg(long, default_value_t = TransitionOptions::default().followup_days)]
    followup_days: i32,
    /// Cohort B is retained in CYPMHS when still in contact this many days after the boundary.
    #[arg(long, default_value_t = TransitionOptions::default().retained_days)]
    retained_days: i32,
    /// Adult referrals within this many days of an index referral belong to its episode.
    #[arg(long, default_value_t = TransitionOptions::default().episode_gap_days)]
    episode_gap_days: i32,
    /// Person columns to break the summary down by, comma-separated (default: whichever of
    /// sex, ethnicity, imd_decile and place the persons table has; an empty value for none).
    /// Age band is always added.
    #[arg(long)]
    by: Option<String>,
    /// Add the optional 18–24 age band to the summary (it overlaps 18–19 and 20–25).
    #[arg(long)]
    age_band_18_24: bool,
    /// Confidence level of the Wilson intervals and the curve, in (0, 1).
    #[arg(long, default_value_t = TransitionOptions::default().confidence)]
    confidence: f64,
    /// Column mapping OURS=THEIRS, repeatable, for every table (e.g.
    /// received_date=ReferralRequestReceivedDate), or TABLE.OURS=THEIRS for one table (e.g.
    /// contacts.person_id=LocalPatientId).
    #[arg(long = "column", value_name = "OURS=THEIRS")]
    columns: Vec<String>,
    /// Which table to write.
    #[arg(long, value_enum, default_value_t = Table::Summary)]
    table: Table,
    /// Output format of the table.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
    /// Output file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Write the table as it may be published (summary and curve only), under RULE (nhs_mhsds
    /// when the flag is alone; nhs_hes, none, or "custom(k=5, suppress_zero=false, base=1)").
    #[arg(long, value_name = "RULE")]
    publish: Option<Option<String>>,
}

fn date(arg: &str, value: &str) -> Result<i32, String> {
    parse_date(value).ok_or_else(|| format!("--{arg}: not a date (YYYY-MM-DD): {value}"))
}

/// The options from the arguments.
fn options(a: &TransitionArgs) -> Result<TransitionOptions, String> {
    let mut o = TransitionOptions::new(date("data-end", &a.data_end)?);
    o.period_start = a
        .period_start
        .as_deref()
        .map(|d| date("period-start", d))
        .transpose()?;
    o.period_end = a
        .period_end
        .as_deref()
        .map(|d| date("period-end", d))
        .transpose()?;
    o.engagement_days = a.engagement_days;
    o.min_attended_contacts = a.min_attended_contacts;
    o.boundary_age = a.boundary_age;
    o.min_age = a.min_age;
    o.max_age = a.max_age;
    o.horizons = numbers("horizons", &a.horizons)?;
    o.attended_codes = numbers("attended-codes", &a.attended_codes)?;
    o.dna_codes = numbers("dna-codes", &a.dna_codes)?;
    o.direct_mechanisms = numbers("direct-mechanisms", &a.direct_mechanisms)?;
    o.crisis_team_types = items(&a.crisis_team_types);
    o.cyp_lookback_days = a.cyp_lookback_days;
    o.boundary_open_window_days = a.boundary_open_window_days;
    o.followup_days = a.followup_days;
    o.retained_days = a.retained_days;
    o.episode_gap_days = a.episode_gap_days;
    o.by = a.by.as_deref().map(items);
    o.age_band_18_24 = a.age_band_18_24;
    o.confidence = a.confidence;
    Ok(o)
}

/// Runs the command; diagnostics go to standard error.
pub fn run(a: &TransitionArgs) -> Result<(), String> {
    let opts = options(a)?;
    let [pm, rm, cm, pl] = column_maps(&a.columns, TABLES)?;
    let (persons, s1) = read_input(&a.persons, &pm, Some("persons"))?;
    let (referrals, s2) = read_input(&a.referrals, &rm, Some("referrals"))?;
    let (contacts, s3) = read_input(&a.contacts, &cm, Some("contacts"))?;
    let mut sources = vec![s1, s2, s3];
    let care_plans = match a.care_plans.as_deref() {
        Some(p) => {
            let (input, source) = read_input(p, &pl, Some("care_plans"))?;
            sources.push(source);
            Some(input)
        }
        None => None,
    };
    let tables = Tables {
        persons: &persons,
        referrals: &referrals,
        contacts: &contacts,
        care_plans: care_plans.as_ref(),
    };
    let e = |e: collabmetrics::Error| describe(&e, &sources);
    let result = match a.table {
        Table::Summary => transition::summary(&tables, &opts).map_err(e)?,
        Table::Transfers => transition::transfers(&tables, &opts).map_err(e)?,
        Table::AgeingOut => transition::ageing_out(&tables, &opts).map_err(e)?,
        Table::Curve => {
            let r = transition::analyse(&tables, &opts).map_err(e)?;
            TableResult {
                table: r.curve,
                diagnostics: r.diagnostics,
            }
        }
    };
    crate::publish::write(result, &a.publish, a.format, a.output.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        transition: TransitionArgs,
    }

    #[test]
    fn no_flags_give_the_core_defaults() {
        use clap::Parser;
        let args = [
            "transition",
            "--persons",
            "p.csv",
            "--referrals",
            "r.csv",
            "--contacts",
            "c.csv",
            "--data-end",
            "2024-03-31",
        ];
        let a = Cli::try_parse_from(args).unwrap().transition;
        let end = date("data-end", "2024-03-31").unwrap();
        assert_eq!(options(&a).unwrap(), TransitionOptions::new(end));
    }

    #[test]
    fn column_maps_apply_to_every_table_or_one() {
        let maps = column_maps(
            &[
                "person_id=PatId".to_owned(),
                "contacts.person_id=LocalPatientId".to_owned(),
                "referrals.received_date=RefDate".to_owned(),
            ],
            TABLES,
        )
        .unwrap();
        assert_eq!(maps[0].resolve("person_id"), "PatId");
        assert_eq!(maps[1].resolve("person_id"), "PatId");
        assert_eq!(maps[1].resolve("received_date"), "RefDate");
        assert_eq!(maps[2].resolve("person_id"), "LocalPatientId");
        assert_eq!(maps[3].resolve("received_date"), "received_date");
        let err = column_maps(&["visits.date=D".to_owned()], TABLES).unwrap_err();
        assert!(err.contains("`visits` is not one of"), "{err}");
        assert!(column_maps(&["date".to_owned()], TABLES).is_err());
    }
}
