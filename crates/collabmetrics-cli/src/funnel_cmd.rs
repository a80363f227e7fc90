//! `collabmetrics funnel`: funnel plot assessment (or the limits table) for an analyst's own
//! table of units. Option names are the core's and every default is `FunnelOptions::default()`.

use crate::args::option;
use crate::io::{describe, read_input, TableFormat};
use collabmetrics::funnel::{self, Family, FunnelOptions, Limit, SrMethod, Statistic};
use collabmetrics::table::ColumnMap;
use std::path::PathBuf;

/// Arguments of `collabmetrics funnel`.
#[derive(clap::Args, Debug)]
pub struct FunnelArgs {
    /// The units: CSV (header row) or Parquet, one row per unit (rows of a unit are added up).
    #[arg(long)]
    input: PathBuf,
    /// The statistic: PHE's proportion, ratio_isr, ratio_count, rate_crude, rate_dsr, or
    /// FunnelPlotR's sr, pr, rc (no default).
    #[arg(long, value_parser = option::<Statistic>())]
    statistic: Statistic,
    /// The family (default: PHE for PHE's statistics, FunnelPlotR for sr, pr, rc).
    #[arg(long, value_parser = option::<Family>())]
    family: Option<Family>,
    /// The numerator column.
    #[arg(long, default_value_t = FunnelOptions::default().numerator)]
    numerator: String,
    /// The denominator column (PHE rates: read only for records with 0 events).
    #[arg(long, default_value_t = FunnelOptions::default().denominator)]
    denominator: String,
    /// The unit column (default: none; every row is a unit).
    #[arg(long)]
    unit: Option<String>,
    /// PHE rates: the published rate column.
    #[arg(long, default_value_t = FunnelOptions::default().rate)]
    rate: String,
    /// Scale of values and limits (required for PHE proportions and rates; 1 otherwise; not
    /// for PHE ratios).
    #[arg(long)]
    multiplier: Option<f64>,
    /// PHE rates: the years the data cover (required for them; not for other statistics).
    #[arg(long)]
    years_of_data: Option<f64>,
    /// FunnelPlotR sr: how ratios are transformed.
    #[arg(long, value_parser = option::<SrMethod>(), default_value_t = FunnelOptions::default().sr_method)]
    sr_method: SrMethod,
    /// Share trimmed at each end before phi, in (0, 0.5).
    #[arg(long, default_value_t = FunnelOptions::default().trim_by)]
    trim_by: f64,
    /// The limits that flag outliers: 95, or 99 for 99.8%.
    #[arg(long, value_parser = option::<Limit>(), default_value_t = FunnelOptions::default().limit)]
    limit: Limit,
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
    /// Which table to write: `units` (one row per unit with its limits and flags) or `limits`
    /// (the limits table for drawing the funnel).
    #[arg(long, value_enum, default_value_t = Table::Units)]
    table: Table,
    /// Column mapping ours=theirs, repeatable (e.g. numerator=deaths).
    #[arg(long = "column", value_name = "OURS=THEIRS")]
    columns: Vec<String>,
    /// Output file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
    /// Write the assessment as it may be published, under RULE (nhs_mhsds when the flag is
    /// alone; nhs_hes, none, or "custom(k=5, suppress_zero=false, base=1)"): small counts `*`,
    /// and the values and z-scores that would give them back suppressed with them.
    #[arg(long, value_name = "RULE")]
    publish: Option<Option<String>>,
}

/// Which table to write (`--table`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    /// One row per unit: its value, limits, z-scores and outlier flags.
    Units,
    /// The limits table for drawing the funnel.
    Limits,
}

/// The core's options from the arguments (flags switch the core's default off or on).
fn options(a: &FunnelArgs) -> FunnelOptions {
    let d = FunnelOptions::default();
    FunnelOptions {
        statistic: Some(a.statistic),
        family: a.family.or(d.family),
        unit: a.unit.clone().or(d.unit),
        numerator: a.numerator.clone(),
        denominator: a.denominator.clone(),
        rate: a.rate.clone(),
        multiplier: a.multiplier.or(d.multiplier),
        years_of_data: a.years_of_data.or(d.years_of_data),
        sr_method: a.sr_method,
        trim_by: a.trim_by,
        limit: a.limit,
        draw_adjusted: d.draw_adjusted && !a.unadjusted,
        shmi_rounding: d.shmi_rounding && !a.no_shmi_rounding,
        funnelplotr_compat: d.funnelplotr_compat || a.funnelplotr_compat,
        exclude_zero_sr: d.exclude_zero_sr || a.exclude_zero_sr,
    }
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
    let opts = options(a);
    let (input, source) = read_input(&a.input, &map, None)?;
    let result = if a.table == Table::Limits {
        funnel::limits(&input, &opts)
    } else {
        funnel::assess(&input, &opts)
    }
    .map_err(|e| describe(&e, std::slice::from_ref(&source)))?;
    crate::publish::write(result, &a.publish, a.format, a.output.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        funnel: FunnelArgs,
    }

    fn parse(extra: &[&str]) -> Result<FunnelArgs, clap::Error> {
        let mut args = vec!["funnel", "--input", "units.csv", "--statistic", "sr"];
        args.extend(extra);
        Cli::try_parse_from(args).map(|c| c.funnel)
    }

    #[test]
    fn no_flags_give_the_core_defaults() {
        let opts = options(&parse(&[]).unwrap());
        assert_eq!(opts, FunnelOptions::new(Statistic::Sr));
    }

    #[test]
    fn option_names_are_the_cores() {
        let a = parse(&[
            "--sr-method",
            "cqc",
            "--limit",
            "95",
            "--family",
            "funnelplotr",
        ])
        .unwrap();
        assert_eq!(
            (a.sr_method, a.limit, a.family),
            (SrMethod::Cqc, Limit::L95, Some(Family::Funnelplotr))
        );
        let o =
            options(&parse(&["--unadjusted", "--no-shmi-rounding", "--exclude-zero-sr"]).unwrap());
        assert!(!o.draw_adjusted && !o.shmi_rounding && o.exclude_zero_sr);
        let e = parse(&["--limit", "90"]).err().unwrap().to_string();
        assert!(
            e.contains("unknown limit \"90\"; expected one of \"95\", \"99\""),
            "{e}"
        );
        let e = Cli::try_parse_from(["funnel", "--input", "u.csv", "--statistic", "pop"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("unknown statistic \"pop\""), "{e}");
    }
}
