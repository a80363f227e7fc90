//! `collabmetrics oap`: OAP measures for an analyst's own extract.

use crate::args::month_or_date as date;
use crate::args::{items, list, option};
use crate::io::{describe, read_input, TableFormat};
use collabmetrics::distance::Bands;
use collabmetrics::oap::{self, OapOptions, OverlapRule, ReasonMap, Window};
use collabmetrics::table::{parse_date, ColumnMap, Input};
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
    /// The reporting period ending in each month.
    #[arg(long, value_parser = option::<Window>(), default_value_t = OapOptions::default().window)]
    window: Window,
    /// Breakdown columns, comma-separated (e.g. sending_org,receiving_org).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Every placement, not only inappropriate ones.
    #[arg(long)]
    all_placements: bool,
    /// Bed types in scope: `default` (10,11,12,200,201,202), `all`, or a comma-separated list.
    #[arg(long, default_value = "default")]
    bed_types: String,
    /// Data cut-off date (YYYY-MM-DD: a day, not a month): open placements run through it.
    #[arg(long)]
    data_cutoff: Option<String>,
    /// A person's overlapping placements: counted as recorded, or the earlier one ends where
    /// the later one starts (truncate).
    #[arg(long, value_parser = option::<OverlapRule>(), default_value_t = OapOptions::default().overlap)]
    overlap: OverlapRule,
    /// Rates per this many people.
    #[arg(long, default_value_t = OapOptions::default().multiplier)]
    multiplier: f64,
    /// Confidence level of every interval, in (0, 1).
    #[arg(long, default_value_t = OapOptions::default().confidence)]
    confidence: f64,
    /// Reason codes of inappropriate placements, comma-separated (an empty value for none).
    #[arg(long, default_value_t = list(&ReasonMap::default().inappropriate))]
    inappropriate_reasons: String,
    /// Reason codes of appropriate placements, comma-separated (an empty value for none); a
    /// code in neither list is unknown.
    #[arg(long, default_value_t = list(&ReasonMap::default().appropriate))]
    appropriate_reasons: String,
    /// A column of home-to-unit distances in km to summarise per period (distance_* columns).
    #[arg(long)]
    distance: Option<String>,
    /// With --distance: distances at or beyond this many km count in distance_share_beyond.
    #[arg(long, allow_negative_numbers = true, default_value_t = OapOptions::default().distance_options.threshold)]
    distance_threshold: f64,
    /// With --distance: the distance_band_* counts: oap, mhsds_monthly, or increasing edges
    /// in km, comma-separated (e.g. 10,20,40).
    #[arg(long, default_value_t = band_name(&OapOptions::default().distance_options.bands))]
    distance_bands: String,
    /// Column mapping ours=theirs, repeatable (e.g. start_date=StartDateHospProvSpell).
    #[arg(long = "column", value_name = "OURS=THEIRS")]
    columns: Vec<String>,
    /// Output file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Output format of the table.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
    /// Write the table as it may be published, under RULE (nhs_mhsds when the flag is alone;
    /// nhs_hes, none, or "custom(k=10, suppress_zero=false, base=5)"; a rule that does not round
    /// refuses the table, whose length-of-stay bands sum to `ended`): small counts `*`, others
    /// rounded, rates and proportions from unrounded counts (left out of a table with Total
    /// rows, where they would give a suppressed count back).
    #[arg(long, value_name = "RULE")]
    publish: Option<Option<String>>,
}

/// The core's options from the arguments.
fn options(a: &OapArgs) -> Result<OapOptions, String> {
    let mut opts = OapOptions::new(date("start", &a.start)?, date("end", &a.end)?);
    opts.window = a.window;
    opts.by = a.by.clone();
    opts.inappropriate_only = !a.all_placements;
    // The words in any case, trimmed, as every option's words are read (and Python reads
    // these two).
    opts.bed_types = match a.bed_types.trim().to_ascii_lowercase().as_str() {
        "default" => opts.bed_types,
        "all" => None,
        _ => Some(
            a.bed_types
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect(),
        ),
    };
    opts.data_cutoff = a
        .data_cutoff
        .as_deref()
        .map(|d| {
            // A day, not a month: which day of the month would be a guess (its first and
            // its last give different bed days).
            parse_date(d).ok_or_else(|| format!("--data-cutoff: not a date (YYYY-MM-DD): {d}"))
        })
        .transpose()?;
    opts.overlap = a.overlap;
    opts.multiplier = a.multiplier;
    opts.confidence = a.confidence;
    opts.distance = a.distance.clone();
    opts.reasons = ReasonMap {
        inappropriate: items(&a.inappropriate_reasons),
        appropriate: items(&a.appropriate_reasons),
    };
    opts.distance_options.threshold = a.distance_threshold;
    opts.distance_options.bands = bands(&a.distance_bands)?;
    Ok(opts)
}

/// How `--distance-bands` spells bands: a preset's name, or the edges.
fn band_name(bands: &Bands) -> String {
    match bands.preset_name() {
        Some(p) => p.as_str().to_owned(),
        None => list(bands.edges()),
    }
}

/// The bands of `--distance-bands`: a preset's name, or comma-separated edges in km.
fn bands(value: &str) -> Result<Bands, String> {
    let err = |e: collabmetrics::Error| e.for_argument("distance_bands").to_string();
    if value.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Bands::builtin(value.trim()).map_err(err);
    }
    let edges = value
        .split(',')
        .map(|e| {
            e.trim()
                .parse::<f64>()
                .map_err(|_| format!("--distance-bands: not a number: {:?}", e.trim()))
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Bands::custom(edges).map_err(err)
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
    let opts = options(a)?;
    let (placements, mut sources) = {
        let (input, source) = read_input(&a.placements, &map, None)?;
        (input, vec![source])
    };
    let mut optional = |path: &Option<PathBuf>, table| -> Result<Option<Input>, String> {
        let Some(p) = path else { return Ok(None) };
        let (input, source) = read_input(p, &map, Some(table))?;
        sources.push(source);
        Ok(Some(input))
    };
    let population = optional(&a.population, "population")?;
    let admissions = optional(&a.admissions, "admissions")?;
    let result = oap::measures(&placements, &opts, population.as_ref(), admissions.as_ref())
        .map_err(|e| describe(&e, &sources))?;
    crate::publish::write(result, &a.publish, a.format, a.output.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        oap: OapArgs,
    }

    fn parse(extra: &[&str]) -> Result<OapArgs, clap::Error> {
        let mut args = vec![
            "oap",
            "--placements",
            "p.csv",
            "--start",
            "2024-01",
            "--end",
            "2024-03",
        ];
        args.extend(extra);
        Cli::try_parse_from(args).map(|c| c.oap)
    }

    #[test]
    fn no_flags_give_the_core_defaults() {
        let opts = options(&parse(&[]).unwrap()).unwrap();
        let (start, end) = (
            date("start", "2024-01").unwrap(),
            date("end", "2024-03").unwrap(),
        );
        assert_eq!(opts, OapOptions::new(start, end));
    }

    #[test]
    fn option_names_are_the_cores() {
        let a = parse(&["--window", "rolling_3m", "--overlap", "TRUNCATE"]).unwrap();
        assert_eq!(
            (a.window, a.overlap),
            (Window::Rolling3m, OverlapRule::Truncate)
        );
        let e = parse(&["--window", "weekly"]).err().unwrap().to_string();
        assert!(
            e.contains("unknown window \"weekly\"; expected one of \"month\", \"rolling_3m\""),
            "{e}"
        );
    }
}
