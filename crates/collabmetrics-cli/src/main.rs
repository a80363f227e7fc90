//! `collabmetrics`: the command-line program.
//!
//! `collabmetrics demo` prints the collaborative report of the built-in (synthetic) demo
//! collaborative (text, JSON, or one HTML page with charts); `collabmetrics report` makes the
//! same report from an analyst's own extracts; `collabmetrics oap`, `collabmetrics
//! transition` and `collabmetrics funnel` compute the metrics' tables from them (CSV or
//! Parquet), and `collabmetrics spc` charts any measure's series.

#![warn(missing_docs)]
// No panic reachable from input: `unwrap`/`expect` are refused outside tests; each remaining
// invariant is an `#[allow]` with the reason beside it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod args;
mod collab;
mod demo;
mod demo_funnel;
mod demo_spc;
mod funnel_cmd;
mod html;
mod io;
mod oap_cmd;
mod publish;
mod report;
mod report_cmd;
mod spc_cmd;
mod transition_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use collabmetrics_demo::DemoOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "collabmetrics",
    version,
    about = "Outcome metrics for NHS mental health provider collaboratives"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The collaborative report for the built-in demo collaborative (synthetic data): text,
    /// JSON, or one self-contained HTML page with charts (--html FILE).
    Demo {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Write the report as one HTML page to FILE (same as --format html --output FILE).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["format", "output"])]
        html: Option<PathBuf>,
        /// Confidence level of every interval, in (0, 1).
        #[arg(long, default_value_t = collabmetrics::stats::DEFAULT_CONFIDENCE)]
        confidence: f64,
        /// Seed of the demo generator (the same seed gives the same report).
        #[arg(long, default_value_t = DemoOptions::default().seed)]
        seed: u64,
        /// Size: 1 is a collaborative of about 1.9 million people; about 30 is England (the
        /// report needs at least 0.01).
        #[arg(long, default_value_t = DemoOptions::default().scale)]
        scale: f64,
        /// Print the main result tables as they may be published, under RULE (nhs_mhsds when
        /// the flag is alone; nhs_hes, none, or "custom(k=10, suppress_zero=false, base=5)";
        /// a custom rule that does not round, base=1, refuses the OAP table, whose
        /// length-of-stay bands sum to `ended`: suppression alone cannot protect that link).
        #[arg(long, value_name = "RULE")]
        publish: Option<Option<String>>,
    },
    /// The collaborative report (OAP headline, rates, shares, flows, distance, transition,
    /// SPC) on your own extracts: text, JSON, or one HTML page with charts (--html FILE).
    Report(Box<report_cmd::ReportArgs>),
    /// OAP measures (OAP01–OAP11) for your own placements extract (CSV or Parquet).
    Oap(Box<oap_cmd::OapArgs>),
    /// Transition disengagement for 16–25s (cohorts T and B, T1–T9) from your own persons,
    /// referrals and care contacts extracts (CSV or Parquet).
    Transition(Box<transition_cmd::TransitionArgs>),
    /// XmR (SPC) charts with Making Data Count rules for your own monthly (or any) series
    /// (CSV or Parquet): one row per point, or per series and segment with --table summary.
    Spc(Box<spc_cmd::SpcArgs>),
    /// Funnel plots (PHE / Fingertips, FunnelPlotR, Spiegelhalter exact) of your own table of
    /// units (CSV or Parquet): one row per unit with limits and outlier flags, or the limits
    /// table for drawing.
    Funnel(Box<funnel_cmd::FunnelArgs>),
}

/// How a report is written.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text tables.
    Text,
    /// One JSON document: every table's cells, numbers as numbers.
    Json,
    /// One self-contained HTML page: tables, charts (inline SVG), methods and notes.
    Html,
}

/// Writes `report` as `format` to `out` (standard output when `None`).
fn write_report(
    report: &report::Report,
    format: ReportFormat,
    out: Option<&Path>,
) -> Result<(), String> {
    let text = match format {
        ReportFormat::Text => report.to_text(),
        ReportFormat::Json => report.to_json() + "\n",
        ReportFormat::Html => html::page(report),
    };
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        // A reader that stops early (`| head`) ends the program quietly.
        None => io::stdout(text.as_bytes()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A panic would be a bug in collabmetrics: the core's guard turns it into an internal
    // error (its message and where), printed once as every other error is, with no Rust
    // panic message or backtrace on standard error.
    let result = collabmetrics::panic::catch(|| run(cli))
        .unwrap_or_else(|internal| Err(internal.to_string()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            io::stderr_line(&format!("collabmetrics: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// Runs the command; a failure is the message to print.
fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Demo {
            format,
            output,
            html,
            confidence,
            seed,
            scale,
            publish,
        } => publish::rule(&publish)
            .and_then(|rule| {
                let args = demo::DemoArgs {
                    confidence,
                    seed,
                    scale,
                };
                match rule {
                    Some(rule) => publish::demo_report(&args, rule),
                    None => demo::run(&args),
                }
                .map_err(|e| e.to_string())
            })
            .and_then(|r| match &html {
                Some(path) => write_report(&r, ReportFormat::Html, Some(path)),
                None => write_report(&r, format, output.as_deref()),
            }),
        Command::Report(args) => report_cmd::run(&args).and_then(|r| {
            let (format, out) = args.destination();
            write_report(&r, format, out)
        }),
        Command::Oap(args) => oap_cmd::run(&args),
        Command::Transition(args) => transition_cmd::run(&args),
        Command::Spc(args) => spc_cmd::run(&args),
        Command::Funnel(args) => funnel_cmd::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_defaults_are_the_cores() {
        let cli = Cli::try_parse_from(["collabmetrics", "demo"]).unwrap();
        let Command::Demo {
            confidence,
            seed,
            scale,
            ..
        } = cli.command
        else {
            panic!("not the demo command");
        };
        let d = DemoOptions::default();
        assert_eq!((seed, scale), (d.seed, d.scale));
        assert_eq!(confidence, collabmetrics::stats::DEFAULT_CONFIDENCE);
    }
}
