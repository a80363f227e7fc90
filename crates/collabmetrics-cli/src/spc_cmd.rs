//! `collabmetrics spc`: XmR charts for an analyst's own series.

use crate::args::month_or_date as date;
use crate::args::option;
use crate::io::{describe, print_diagnostics, read_input, write_output, TableFormat};
use collabmetrics::spc::{
    self, Improvement, OnMean, Rebase, RuleSet, SeriesDates, SeriesTarget, SpcOptions, Target, Ties,
};
use collabmetrics::table::ColumnMap;
use std::path::PathBuf;

/// Arguments of `collabmetrics spc`. Defaults are the core's; rule settings left out take the
/// preset's.
#[derive(clap::Args, Debug)]
pub struct SpcArgs {
    /// The series: CSV (header row) or Parquet, one row per series and date.
    #[arg(long)]
    input: PathBuf,
    /// The column of values.
    #[arg(long, default_value = "value")]
    value: String,
    /// The column of dates (YYYY-MM-DD, or a date/timestamp column).
    #[arg(long, default_value = "date")]
    date: String,
    /// Columns identifying a series, comma-separated (each series is charted on its own).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// increase (higher is better), decrease or neutral.
    #[arg(long, value_parser = option::<Improvement>(), default_value_t = SpcOptions::default().improvement)]
    improvement: Improvement,
    /// Rule preset: nhsrplotthedots or mdc_2023 (Making Data Count's Excel tools since 2023).
    #[arg(long, value_parser = option::<RuleSet>(), default_value_t = SpcOptions::default().rules)]
    rules: RuleSet,
    /// Dates starting a new segment in every series, comma-separated (YYYY-MM or YYYY-MM-DD).
    #[arg(long, value_delimiter = ',')]
    rebase: Vec<String>,
    /// A rebase date for one series, SERIES=DATE, repeatable; with several --by columns the
    /// series is their values joined by '|' (e.g. 'North|F=2024-04'); an empty value names a
    /// null (an empty cell), e.g. '=2024-04' or 'North|=2024-04'.
    #[arg(long = "rebase-for", value_name = "SERIES=DATE")]
    rebase_for: Vec<String>,
    /// Limits from the first N (at least 12) points of each segment.
    #[arg(long)]
    fix_after_n_points: Option<u32>,
    /// Target of every series, for the assurance icon.
    #[arg(long)]
    target: Option<f64>,
    /// The target of one series, SERIES=NUMBER, repeatable (series as for --rebase-for).
    #[arg(long = "target-for", value_name = "SERIES=NUMBER")]
    target_for: Vec<String>,
    /// Screen moving ranges of at least 3.267 times their average (true or false).
    #[arg(long)]
    screen_outliers: Option<bool>,
    /// Segments with fewer points get short_group_warning (a one-point segment always does).
    #[arg(long, default_value_t = SpcOptions::default().warning_threshold)]
    warning_threshold: u32,
    /// Points making a shift (at least 6).
    #[arg(long)]
    shift_length: Option<u32>,
    /// Points making a trend (at least 6).
    #[arg(long)]
    trend_length: Option<u32>,
    /// Count points beyond 3 sigma towards two-in-three (true or false).
    #[arg(long)]
    two_in_three_includes_outside: Option<bool>,
    /// What a repeated value does to a trend: break or skip.
    #[arg(long, value_parser = option::<Ties>())]
    ties: Option<Ties>,
    /// What a point on the mean does to a shift: break or skip.
    #[arg(long, value_parser = option::<OnMean>())]
    on_mean: Option<OnMean>,
    /// A column of trajectory values to carry into the result.
    #[arg(long)]
    trajectory: Option<String>,
    /// Which table to write: `points` (one row per point) or `summary` (one row per series
    /// and segment: counts, limits, variation and assurance icons).
    #[arg(long, value_enum, default_value_t = Table::Points)]
    table: Table,
    /// Output file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Output format of the table.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
}

/// Which table to write (`--table`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    /// One row per point.
    Points,
    /// One row per series and segment.
    Summary,
}

/// `SERIES=VALUE` split into the series key (its `|`-separated parts) and the value. An empty
/// part names a null value (an empty cell, as CSV input and output write it), never the text
/// "null", which names the text.
fn entry<'a>(arg: &str, text: &'a str) -> Result<(Vec<Option<String>>, &'a str), String> {
    let (series, value) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("--{arg} {text}: expected SERIES=VALUE"))?;
    let part = |p: &str| (!p.is_empty()).then(|| p.to_owned());
    Ok((series.split('|').map(part).collect(), value))
}

/// The core's options.
fn options(a: &SpcArgs) -> Result<SpcOptions, String> {
    let rebase = match (a.rebase.is_empty(), a.rebase_for.is_empty()) {
        (true, true) => Rebase::None,
        (false, true) => Rebase::Dates(
            a.rebase
                .iter()
                .map(|d| date("rebase", d))
                .collect::<Result<_, _>>()?,
        ),
        (true, false) => Rebase::PerSeries(
            a.rebase_for
                .iter()
                .map(|t| {
                    let (series, d) = entry("rebase-for", t)?;
                    Ok(SeriesDates {
                        series,
                        dates: vec![date("rebase-for", d)?],
                    })
                })
                .collect::<Result<_, String>>()?,
        ),
        (false, false) => return Err("give --rebase or --rebase-for, not both".to_owned()),
    };
    let target = match (a.target, a.target_for.is_empty()) {
        (None, true) => Target::None,
        (Some(t), true) => Target::Value(t),
        (None, false) => Target::PerSeries(
            a.target_for
                .iter()
                .map(|t| {
                    let (series, v) = entry("target-for", t)?;
                    let target = v
                        .trim()
                        .parse()
                        .map_err(|_| format!("--target-for {t}: {v} is not a number"))?;
                    Ok(SeriesTarget { series, target })
                })
                .collect::<Result<_, String>>()?,
        ),
        (Some(_), false) => return Err("give --target or --target-for, not both".to_owned()),
    };
    Ok(SpcOptions {
        by: a.by.clone(),
        improvement: a.improvement,
        rebase,
        fix_after_n_points: a.fix_after_n_points,
        target,
        warning_threshold: a.warning_threshold,
        rules: a.rules,
        screen_outliers: a.screen_outliers,
        shift_length: a.shift_length,
        trend_length: a.trend_length,
        two_in_three_includes_outside: a.two_in_three_includes_outside,
        ties: a.ties,
        on_mean: a.on_mean,
        trajectory: a.trajectory.clone(),
    })
}

/// Runs the command; diagnostics go to standard error.
pub fn run(a: &SpcArgs) -> Result<(), String> {
    let opts = options(a)?;
    let map = ColumnMap::new()
        .with("value", &a.value)
        .with("date", &a.date);
    let (input, source) = read_input(&a.input, &map, None)?;
    let result = if a.table == Table::Summary {
        spc::summary(&input, &opts)
    } else {
        spc::xmr(&input, &opts)
    }
    .map_err(|e| describe(&e, std::slice::from_ref(&source)))?;
    print_diagnostics(&result.diagnostics);
    write_output(&result.table, a.format, a.output.as_deref())
}
