//! `collabmetrics funnel`: funnel plot assessment (or the limits table) for an analyst's own
//! table of units. Options not given take the core's defaults (`FunnelOptions::default()`).

use crate::io::{print_diagnostics, read_input, write_output, TableFormat};
use collabmetrics::funnel::{self, FunnelOptions, Limit};
use collabmetrics::table::ColumnMap;
use std::path::PathBuf;

/// Arguments of `collabmetrics funnel`.
#[derive(clap::Args, Debug)]
pub struct FunnelArgs {
    /// The units: CSV (header row) or Parquet, one row per unit (rows of a unit are added up).
    #[arg(long)]
    input: PathBuf,
    /// proportion, ratio_isr, ratio_count, rate_crude, rate_dsr (PHE) or sr, pr, rc
    /// (FunnelPlotR).
    #[arg(long)]
    statistic: String,
    /// phe, funnelplotr or spiegelhalter_exact (default: by statistic).
    #[arg(long)]
    family: Option<String>,
    /// The numerator column (default: numerator).
    #[arg(long)]
    numerator: Option<String>,
    /// The denominator column (default: denominator).
    #[arg(long)]
    denominator: Option<String>,
    /// The unit column (default: none; every row is a unit).
    #[arg(long)]
    unit: Option<String>,
    /// PHE rates: the published rate column (default: rate).
    #[arg(long)]
    rate: Option<String>,
    /// Scale of values and limits (required for PHE proportions and rates; 1 otherwise).
    #[arg(long)]
    multiplier: Option<f64>,
    /// PHE rates: the years the data cover.
    #[arg(long)]
    years_of_data: Option<f64>,
    /// SHMI or CQC (FunnelPlotR sr; default SHMI).
    #[arg(long)]
    sr_method: Option<String>,
    /// Share trimmed at each end before phi (default 0.1).
    #[arg(long)]
    trim_by: Option<f64>,
    /// 95 or 99 (99.8%): the limits that flag outliers (default 99).
    #[arg(long)]
    limit: Option<f64>,
    /// Do not widen the limits for overdispersion.
    #[arg(long)]
    unadjusted: bool,
    /// Keep SR/SHMI expected counts as given (FunnelPlotR rounds them to 2 decimals).
    #[arg(long)]
    no_shmi_rounding: bool,
    /// Reproduce FunnelPlotR's CQC and RC limits exactly (its quirks Q1 and Q2).
    #[arg(long)]
    funnelplotr_compat: bool,
    /// SR/SHMI: leave out (and count) units with 0 events instead of failing.
    #[arg(long)]
    exclude_zero_sr: bool,
    /// Write the limits table for drawing instead of one row per unit.
    #[arg(long)]
    limits: bool,
    /// Column mapping ours=theirs, repeatable (e.g. numerator=deaths).
    #[arg(long = "column", value_name = "OURS=THEIRS")]
    columns: Vec<String>,
    /// Output file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
}

/// The core's options from the arguments (unset ones keep the core's defaults).
fn options(a: &FunnelArgs) -> Result<FunnelOptions, String> {
    let d = FunnelOptions::default();
    let e = |e: collabmetrics::Error| e.to_string();
    Ok(FunnelOptions {
        statistic: Some(a.statistic.parse().map_err(e)?),
        family: a.family.as_deref().map(str::parse).transpose().map_err(e)?,
        unit: a.unit.clone(),
        numerator: a.numerator.clone().unwrap_or(d.numerator),
        denominator: a.denominator.clone().unwrap_or(d.denominator),
        rate: a.rate.clone().unwrap_or(d.rate),
        multiplier: a.multiplier.or(d.multiplier),
        years_of_data: a.years_of_data.or(d.years_of_data),
        sr_method: match &a.sr_method {
            Some(s) => s.parse().map_err(e)?,
            None => d.sr_method,
        },
        trim_by: a.trim_by.unwrap_or(d.trim_by),
        limit: match a.limit {
            Some(l) => Limit::from_number(l).map_err(e)?,
            None => d.limit,
        },
        draw_adjusted: d.draw_adjusted && !a.unadjusted,
        shmi_rounding: d.shmi_rounding && !a.no_shmi_rounding,
        funnelplotr_compat: a.funnelplotr_compat || d.funnelplotr_compat,
        exclude_zero_sr: a.exclude_zero_sr || d.exclude_zero_sr,
    })
}

/// Runs the command; diagnostics go to standard error.
pub fn run(a: &FunnelArgs) -> Result<(), String> {
    let map: ColumnMap = a
        .columns
        .iter()
        .map(|c| {
            c.split_once('=')
                .ok_or_else(|| format!("--column {c}: expected OURS=THEIRS"))
        })
        .collect::<Result<_, _>>()?;
    let opts = options(a)?;
    let input = read_input(&a.input, &map)?;
    let result = if a.limits {
        funnel::limits(&input, &opts)
    } else {
        funnel::assess(&input, &opts)
    }
    .map_err(|e| e.to_string())?;
    print_diagnostics(&result.diagnostics);
    write_output(&result.table, a.format, a.output.as_deref())
}
