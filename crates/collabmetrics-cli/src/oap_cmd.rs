//! `collabmetrics oap`: OAP measures for an analyst's own extract.

use crate::io::{read_input, TableFormat};
use collabmetrics::oap::{self, OapOptions, OverlapRule, Window};
use collabmetrics::table::{parse_date, ColumnMap};
use std::path::PathBuf;

/// Arguments of `collabmetrics oap`.
#[derive(clap::Args, Debug)]
pub struct OapArgs {
    /// Placements: CSV (header row) or Parquet, one row per placement.
    #[arg(long)]
    placements: PathBuf,
    /// Population per group (a `population` column and key columns among --by), for rates.
    #[arg(long)]
    population: Option<PathBuf>,
    /// All admissions (local and out of area), for proportions.
    #[arg(long)]
    admissions: Option<PathBuf>,
    /// First reporting month, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    start: String,
    /// Last reporting month, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    end: String,
    /// month, rolling_3m or rolling_12m.
    #[arg(long, default_value = "month")]
    window: String,
    /// Breakdown columns, comma-separated (e.g. sending_org,receiving_org).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Every placement, not only inappropriate ones.
    #[arg(long)]
    all_placements: bool,
    /// Bed types in scope: `default` (10,11,12,200,201,202), `all`, or a comma-separated list.
    #[arg(long, default_value = "default")]
    bed_types: String,
    /// Data cut-off date: open placements run through it.
    #[arg(long)]
    data_cutoff: Option<String>,
    /// count or truncate (end a person's earlier placement where the later one starts).
    #[arg(long, default_value = "count")]
    overlap: String,
    /// Rates per this many people.
    #[arg(long, default_value_t = 1_000_000.0)]
    multiplier: f64,
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// A column of home-to-unit distances in km to summarise per period (distance_* columns).
    #[arg(long)]
    distance: Option<String>,
    /// Column mapping ours=theirs, repeatable (e.g. start_date=StartDateHospProvSpell).
    #[arg(long = "column", value_name = "OURS=THEIRS")]
    columns: Vec<String>,
    /// Output file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
    /// Write the table as it may be published, under RULE (nhs_mhsds when the flag is alone;
    /// nhs_hes, none, or "custom(k=5, suppress_zero=false, base=1)"): small counts `*`, others
    /// rounded, rates and proportions from unrounded counts.
    #[arg(long, value_name = "RULE")]
    publish: Option<Option<String>>,
}

fn date(arg: &str, value: &str) -> Result<i32, String> {
    let full = if value.len() == 7 {
        format!("{value}-01")
    } else {
        value.to_owned()
    };
    parse_date(&full).ok_or_else(|| format!("--{arg}: not a date (YYYY-MM or YYYY-MM-DD): {value}"))
}

/// Runs the command; diagnostics go to standard error.
pub fn run(a: &OapArgs) -> Result<(), String> {
    let map: ColumnMap = a
        .columns
        .iter()
        .map(|c| {
            c.split_once('=')
                .ok_or_else(|| format!("--column {c}: expected OURS=THEIRS"))
        })
        .collect::<Result<_, _>>()?;
    let mut opts = OapOptions::new(date("start", &a.start)?, date("end", &a.end)?);
    opts.window = Window::parse(&a.window).map_err(|e| e.to_string())?;
    opts.by = a.by.clone();
    opts.inappropriate_only = !a.all_placements;
    opts.bed_types = match a.bed_types.as_str() {
        "default" => opts.bed_types,
        "all" => None,
        list => Some(list.split(',').map(|s| s.trim().to_owned()).collect()),
    };
    opts.data_cutoff = a
        .data_cutoff
        .as_deref()
        .map(|d| date("data-cutoff", d))
        .transpose()?;
    opts.overlap = OverlapRule::parse(&a.overlap).map_err(|e| e.to_string())?;
    opts.multiplier = a.multiplier;
    opts.confidence = a.confidence;
    opts.distance = a.distance.clone();
    let placements = read_input(&a.placements, &map)?;
    let population = a
        .population
        .as_deref()
        .map(|p| read_input(p, &map))
        .transpose()?;
    let admissions = a
        .admissions
        .as_deref()
        .map(|p| read_input(p, &map))
        .transpose()?;
    let result = oap::measures(&placements, &opts, population.as_ref(), admissions.as_ref())
        .map_err(|e| e.to_string())?;
    crate::publish::write(result, &a.publish, a.format, a.output.as_deref())
}
