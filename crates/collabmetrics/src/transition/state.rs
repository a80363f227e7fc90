//! The transition summary and time-to-contact curve as a mergeable state (see
//! [`crate::state`]).
//!
//! Rows:
//! * `tally`: one per metric, breakdown (`slot`, its position, and `breakdown`, its name) and
//!   group (`group`, the label; every label of the partition's people, zeros included), with
//!   the `numerator` (proportions) and `denominator` (members in the metric's denominator, or
//!   the number of values of T7's median);
//! * `gap`: T7's continuity gaps, one per breakdown group and number of days (`time`) with
//!   their number of members (`records`): the exact histogram its median and quartiles are
//!   finished from;
//! * `curve`: cohort T's follow-ups, one per day (`time`) with the `events` (first attended
//!   adult contact), `deaths` and `censored` on it: people at risk are finished from them
//!   (summing each partition's people at risk would count them wrongly);
//! * the diagnostics, and an `input` row when care plans were given.
//!
//! Everything of a person is in one partition (partition by `person_id`: persons, referrals,
//! care plans, and contacts by their referral's person), since the cohorts are built person
//! by person.

use super::summary::{finish, metrics, tallies, Kind, Slot, Tally};
use super::survival::{curve_of_counts, CurveMethod, Outcomes};
use super::table::{curve_batch, run_with, summary_roles, transfer_outcomes, Tables};
use super::TransitionOptions;
use crate::error::{Error, Result};
use crate::state::{Layout, StateKind, View};
use crate::table::{Diagnostics, TableResult};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, SchemaRef};
use std::collections::{BTreeMap, HashMap};

const TALLY: &str = "tally";
const GAP: &str = "gap";
const CURVE: &str = "curve";
const CARE_PLANS: &str = "care_plans";

fn layout(opts: &TransitionOptions) -> Result<Layout> {
    let text = |n: &str| Field::new(n, DataType::Utf8, true);
    let int = |n: &str| Field::new(n, DataType::Int64, true);
    let keys = vec![
        text("cohort"),
        text("metric"),
        int("slot"),
        text("breakdown"),
        text("group"),
        int("time"),
    ];
    Layout::new(
        StateKind::Transition,
        &[TALLY, GAP, CURVE],
        opts,
        &[],
        keys,
        &[
            "numerator",
            "denominator",
            "records",
            "events",
            "deaths",
            "censored",
        ],
    )
}

/// The schema of a transition state under `opts` (it has no caller's columns: breakdown
/// labels are text).
pub fn state_schema(opts: &TransitionOptions) -> Result<SchemaRef> {
    Ok(layout(opts)?.schema())
}

/// The mergeable state of [`super::summary`] and of cohort T's time-to-contact curve over a
/// partition of the people (every table of a person in the same partition). The tables are
/// read and checked as by [`super::summary`] (the same errors). Give care plans to every
/// partition or to none: each state counts itself as a partition, and one with care plans
/// too, so that [`finalize`] refuses a merge of partitions with and without them.
pub fn state(tables: &Tables, opts: &TransitionOptions) -> Result<RecordBatch> {
    Ok(build_state(tables, opts, Diagnostics::new())?.0)
}

/// [`state`] with its diagnostics listing every flagged record ([`Diagnostics::flags`]), as
/// rows of the table each rule reads: `persons` (`missing_date_of_birth`), `referrals` (the
/// referral rules, their `event_after_death` and `adult_referral_rejected`), `contacts` (the
/// contact rules and their `event_after_death`) and `care_plans`. Their counts are the
/// state's diagnostic rows.
pub fn state_listing(
    tables: &Tables,
    opts: &TransitionOptions,
) -> Result<(RecordBatch, Diagnostics)> {
    build_state(tables, opts, Diagnostics::with_listing())
}

fn build_state(
    tables: &Tables,
    opts: &TransitionOptions,
    diagnostics: Diagnostics,
) -> Result<(RecordBatch, Diagnostics)> {
    let mut run = run_with(tables, opts, diagnostics)?;
    let with_plans = run.prepared.plans.is_some();
    let layout = layout(opts)?;
    let tallies = tallies(&run.t, &run.b, &run.prepared.breakdowns, with_plans, opts)?;
    let mut parts = vec![tally_rows(&layout, &tallies)?, gap_rows(&layout, &tallies)?];
    parts.push(curve_rows(&layout, &run, opts)?);
    parts.push(layout.diagnostics(&run.prepared.diagnostics)?);
    if with_plans {
        parts.push(layout.present(CARE_PLANS)?);
    }
    // Counted, so that finishing finds partitions merged with and without care plans.
    let given: &[&str] = if with_plans { &[CARE_PLANS] } else { &[] };
    parts.push(layout.partition(given)?);
    let batch = layout.assemble(parts)?;
    Ok((batch, std::mem::take(&mut run.prepared.diagnostics)))
}

/// One row per metric, breakdown and group.
fn tally_rows(layout: &Layout, tallies: &[Tally]) -> Result<RecordBatch> {
    let mut cohort = Vec::new();
    let mut metric = Vec::new();
    let mut slot = Vec::new();
    let mut breakdown = Vec::new();
    let mut group = Vec::new();
    let mut num = Vec::new();
    let mut den = Vec::new();
    for t in tallies {
        for (si, s) in t.slots.iter().enumerate() {
            for (g, label) in s.labels.iter().enumerate() {
                cohort.push(Some(t.cohort.to_owned()));
                metric.push(Some(t.metric.clone()));
                slot.push(Some(si as i64));
                breakdown.push(Some(s.name.clone()));
                group.push(label.clone());
                num.push((t.kind == Kind::Proportion).then_some(s.num[g]));
                den.push(Some(s.den[g]));
            }
        }
    }
    layout
        .part(TALLY, cohort.len())
        .text("cohort", cohort)
        .text("metric", metric)
        .ints("slot", slot)
        .text("breakdown", breakdown)
        .text("group", group)
        .ints("numerator", num)
        .ints("denominator", den)
        .finish()
}

/// T7's histograms: one row per metric, breakdown, group and value.
fn gap_rows(layout: &Layout, tallies: &[Tally]) -> Result<RecordBatch> {
    let mut cohort = Vec::new();
    let mut metric = Vec::new();
    let mut slot = Vec::new();
    let mut breakdown = Vec::new();
    let mut group = Vec::new();
    let mut time = Vec::new();
    let mut records = Vec::new();
    for t in tallies.iter().filter(|t| t.kind == Kind::Median) {
        for (si, s) in t.slots.iter().enumerate() {
            for (g, label) in s.labels.iter().enumerate() {
                for &(v, k) in &s.values[g] {
                    cohort.push(Some(t.cohort.to_owned()));
                    metric.push(Some(t.metric.clone()));
                    slot.push(Some(si as i64));
                    breakdown.push(Some(s.name.clone()));
                    group.push(label.clone());
                    time.push(Some(i64::from(v)));
                    records.push(Some(k as i64));
                }
            }
        }
    }
    layout
        .part(GAP, cohort.len())
        .text("cohort", cohort)
        .text("metric", metric)
        .ints("slot", slot)
        .text("breakdown", breakdown)
        .text("group", group)
        .ints("time", time)
        .ints("records", records)
        .finish()
}

/// Cohort T's outcomes per day.
fn curve_rows(
    layout: &Layout,
    run: &super::table::Run,
    opts: &TransitionOptions,
) -> Result<RecordBatch> {
    let (time, status) = transfer_outcomes(run, opts);
    let mut per: BTreeMap<i32, Outcomes> = BTreeMap::new();
    for (t, s) in time.iter().zip(&status) {
        per.entry(*t).or_default().add(*s, 1);
    }
    let n = per.len();
    layout
        .part(CURVE, n)
        .ints("time", per.keys().map(|&t| Some(i64::from(t))))
        .ints("events", per.values().map(|o| Some(o.events as i64)))
        .ints("deaths", per.values().map(|o| Some(o.deaths as i64)))
        .ints("censored", per.values().map(|o| Some(o.censored as i64)))
        .finish()
}

/// The summary of a state (merged or not) built with `opts`: [`super::summary`]'s table on
/// the whole input bit for bit (the same rows in the same order), with the diagnostics
/// without first rows.
pub fn finalize(state: &RecordBatch, opts: &TransitionOptions) -> Result<TableResult> {
    opts.validate()?;
    let view = View::new(state, &layout(opts)?)?;
    if let Some((with, of)) = view.given_to(CARE_PLANS) {
        if with > 0 && with < of {
            return Err(Error::invalid_argument(
                "state",
                format!(
                    "care plans were given to {with} of the {of} partitions merged into it: \
                     give them to every partition or to none (T9 would count the people of \
                     some partitions only)"
                ),
            ));
        }
    }
    let specs = metrics(opts, view.present(CARE_PLANS));
    let index: HashMap<(&str, &str), usize> = specs
        .iter()
        .enumerate()
        .map(|(i, (c, m, _))| ((*c, m.as_str()), i))
        .collect();
    let mut tallies: Vec<Tally> = specs
        .iter()
        .map(|(cohort, metric, kind)| Tally {
            cohort,
            metric: metric.clone(),
            kind: *kind,
            slots: Vec::new(),
        })
        .collect();
    let unknown = |what: &str| {
        Error::invalid_argument("state", format!("{what}: not a state of these options"))
    };
    let metric_of = |row: usize| -> Result<usize> {
        let key = (
            view.text("cohort", row).unwrap_or_default(),
            view.text("metric", row).unwrap_or_default(),
        );
        index
            .get(&key)
            .copied()
            .ok_or_else(|| unknown(&format!("metric {} of cohort {}", key.1, key.0)))
    };
    // (metric, slot, label) → the label's position in its slot.
    let mut positions: HashMap<(usize, usize, Option<String>), usize> = HashMap::new();
    for row in view.rows(TALLY) {
        let m = metric_of(row)?;
        let si = usize::try_from(view.int("slot", row)).map_err(|_| unknown("a negative slot"))?;
        let slots = &mut tallies[m].slots;
        if slots.len() <= si {
            slots.resize(si + 1, Slot::default());
        }
        let s = &mut slots[si];
        s.name = view.text("breakdown", row).unwrap_or_default().to_owned();
        let label = view.text("group", row).map(str::to_owned);
        positions.insert((m, si, label.clone()), s.labels.len());
        s.labels.push(label);
        s.num.push(view.int("numerator", row));
        s.den.push(view.int("denominator", row));
        s.values.push(Vec::new());
    }
    // Gap rows come sorted by days within each group: the histogram's order.
    for row in view.rows(GAP) {
        let m = metric_of(row)?;
        let si = view.int("slot", row).max(0) as usize;
        let label = view.text("group", row).map(str::to_owned);
        let &g = positions
            .get(&(m, si, label))
            .ok_or_else(|| unknown("a gap of a group without a tally"))?;
        let days = i32::try_from(view.int("time", row)).map_err(|_| unknown("a gap"))?;
        tallies[m].slots[si].values[g].push((days, view.int("records", row).max(0) as u64));
    }
    let table = finish(&tallies, opts.confidence)?;
    Ok(TableResult {
        table: summary_roles().annotate(table),
        diagnostics: view.diagnostics(),
    })
}

/// Cohort T's time-to-contact curve from a state (merged or not) built with `opts`:
/// Kaplan–Meier as [`super::analyse`]'s `curve`, Aalen–Johansen as [`super::time_to_contact`]
/// on the [`super::transfers`] table, bit for bit.
pub fn finalize_curve(
    state: &RecordBatch,
    opts: &TransitionOptions,
    method: CurveMethod,
) -> Result<TableResult> {
    opts.validate()?;
    let view = View::new(state, &layout(opts)?)?;
    let mut counts: Vec<(i32, Outcomes)> = Vec::new();
    // Curve rows come sorted by day.
    for row in view.rows(CURVE) {
        let t = i32::try_from(view.int("time", row)).map_err(|_| {
            Error::invalid_argument(
                "state",
                "a curve day beyond 32 bits: not a state of this library",
            )
        })?;
        counts.push((
            t,
            Outcomes {
                events: view.int("events", row).max(0) as u64,
                deaths: view.int("deaths", row).max(0) as u64,
                censored: view.int("censored", row).max(0) as u64,
            },
        ));
    }
    let c = curve_of_counts(&counts, method, opts.confidence)?;
    Ok(TableResult {
        table: curve_batch(&c, method, opts.confidence)?,
        diagnostics: view.diagnostics(),
    })
}
