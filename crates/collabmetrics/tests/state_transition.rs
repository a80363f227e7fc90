//! The transition state on the demo collaborative: the people split (one part, 7 and 64
//! random parts, one person per part) with every table of a person in that person's part,
//! each part's state merged with the others in any order and tree, finishes to the
//! one-machine summary and time-to-contact curves bit for bit.

mod state_support;

use arrow_array::RecordBatch;
use collabmetrics::state::{self, merge_states};
use collabmetrics::table::{Input, TableResult};
use collabmetrics::transition::{self, CurveMethod, Tables, TransitionOptions};
use collabmetrics_demo::{generate, DemoOptions, DemoTables};
use state_support::*;
use std::collections::HashMap;

fn demo(scale: f64) -> (DemoTables, TransitionOptions) {
    let o = DemoOptions {
        scale,
        ..DemoOptions::default()
    };
    let d = generate(&o);
    let mut opts = TransitionOptions::new(o.data_end());
    opts.age_band_18_24 = true;
    (d, opts)
}

/// The rows of each table for the people of each part.
struct Parts {
    persons: Vec<RecordBatch>,
    referrals: Vec<RecordBatch>,
    contacts: Vec<RecordBatch>,
    care_plans: Vec<RecordBatch>,
}

fn split_tables(d: &DemoTables, parts: &[Vec<usize>]) -> Parts {
    let persons = column_text(&d.persons, "person_id");
    let mut part_of: HashMap<&str, usize> = HashMap::new();
    for (k, rows) in parts.iter().enumerate() {
        for &r in rows {
            part_of.insert(persons[r].as_str(), k);
        }
    }
    let n = parts.len();
    let by = |keys: &[String]| -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); n];
        for (i, k) in keys.iter().enumerate() {
            // Rows of people not in the persons table go to part 0 (counted there).
            out[part_of.get(k.as_str()).copied().unwrap_or(0)].push(i);
        }
        out
    };
    let ref_person: HashMap<String, String> = column_text(&d.referrals, "referral_id")
        .into_iter()
        .zip(column_text(&d.referrals, "person_id"))
        .collect();
    // Contacts go with their referral's person.
    let contact_person: Vec<String> = column_text(&d.contacts, "referral_id")
        .iter()
        .map(|r| ref_person.get(r).cloned().unwrap_or_default())
        .collect();
    let take_all = |b: &RecordBatch, rows: Vec<Vec<usize>>| -> Vec<RecordBatch> {
        rows.iter().map(|r| take(b, r)).collect()
    };
    Parts {
        persons: parts.iter().map(|r| take(&d.persons, r)).collect(),
        referrals: take_all(&d.referrals, by(&column_text(&d.referrals, "person_id"))),
        contacts: take_all(&d.contacts, by(&contact_person)),
        care_plans: take_all(&d.care_plans, by(&column_text(&d.care_plans, "person_id"))),
    }
}

fn part_states(p: &Parts, opts: &TransitionOptions) -> Vec<RecordBatch> {
    part_states_with(p, opts, true)
}

/// Each part's state, given its care plans or not.
fn part_states_with(p: &Parts, opts: &TransitionOptions, plans: bool) -> Vec<RecordBatch> {
    (0..p.persons.len())
        .map(|k| {
            let (a, b, c, e) = (
                input(&p.persons[k]),
                input(&p.referrals[k]),
                input(&p.contacts[k]),
                input(&p.care_plans[k]),
            );
            let tables = Tables {
                persons: &a,
                referrals: &b,
                contacts: &c,
                care_plans: plans.then_some(&e),
            };
            transition::state(&tables, opts).unwrap()
        })
        .collect()
}

struct OneMachine {
    summary: TableResult,
    km: RecordBatch,
    aj: TableResult,
}

fn one_machine(d: &DemoTables, opts: &TransitionOptions) -> OneMachine {
    let (a, b, c, e) = (
        input(&d.persons),
        input(&d.referrals),
        input(&d.contacts),
        input(&d.care_plans),
    );
    let tables = Tables {
        persons: &a,
        referrals: &b,
        contacts: &c,
        care_plans: Some(&e),
    };
    let analysis = transition::analyse(&tables, opts).unwrap();
    let summary = transition::summary(&tables, opts).unwrap();
    let transfers: Input = input(&analysis.transfers);
    let aj = transition::time_to_contact(&transfers, CurveMethod::AalenJohansen, opts.confidence)
        .unwrap();
    OneMachine {
        summary,
        km: analysis.curve,
        aj,
    }
}

const SUMMARY_KEYS: [&str; 4] = ["cohort", "metric", "breakdown", "group"];

fn check(what: &str, one: &OneMachine, merged: &RecordBatch, opts: &TransitionOptions) {
    let s = transition::finalize(merged, opts).unwrap();
    assert_same(what, &one.summary, &s, &SUMMARY_KEYS);
    // The same rows in the same order: the summary's order depends on the labels only.
    assert_eq!(
        column_text(&one.summary.table, "group"),
        column_text(&s.table, "group"),
        "{what}: order"
    );
    let km = transition::finalize_curve(merged, opts, CurveMethod::KaplanMeier).unwrap();
    let km_one = TableResult {
        table: one.km.clone(),
        diagnostics: km.diagnostics.clone(),
    };
    assert_same(&format!("{what}: Kaplan-Meier"), &km_one, &km, &["time"]);
    let aj = transition::finalize_curve(merged, opts, CurveMethod::AalenJohansen).unwrap();
    let aj_one = TableResult {
        table: one.aj.table.clone(),
        diagnostics: aj.diagnostics.clone(),
    };
    assert_same(&format!("{what}: Aalen-Johansen"), &aj_one, &aj, &["time"]);
}

#[test]
fn transition_states_finish_to_the_one_machine_summary_and_curves() {
    let (d, opts) = demo(0.3);
    let one = one_machine(&d, &opts);
    assert!(one.summary.table.num_rows() > 100);
    let n = d.persons.num_rows();
    for (name, parts) in [
        ("1 part", vec![(0..n).collect::<Vec<_>>()]),
        ("7 parts", random_split(n, 7, 1)),
        ("64 parts", random_split(n, 64, 2)),
    ] {
        let states = part_states(&split_tables(&d, &parts), &opts);
        for trial in 0..2 {
            let merged = merge_any(states.clone(), 300 + trial);
            check(
                &format!("transition, {name}, merge {trial}"),
                &one,
                &merged,
                &opts,
            );
        }
    }
}

#[test]
fn one_person_per_part() {
    let (d, opts) = demo(0.02);
    let one = one_machine(&d, &opts);
    let n = d.persons.num_rows();
    let parts: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let states = part_states(&split_tables(&d, &parts), &opts);
    let merged = merge_any(states, 7);
    check("one person per part", &one, &merged, &opts);
    // The generic finish is the summary.
    let generic = state::finalize(&merged).unwrap();
    assert_same("generic", &one.summary, &generic, &SUMMARY_KEYS);
}

#[test]
fn transition_states_check_their_options() {
    let (d, opts) = demo(0.02);
    let parts = split_tables(&d, &[(0..d.persons.num_rows()).collect()]);
    let s = part_states(&parts, &opts).pop().unwrap();
    let mut other = opts.clone();
    other.engagement_days = 60;
    let e = transition::finalize(&s, &other).unwrap_err();
    assert_eq!(e.argument(), Some("options"), "{e}");
    let t = part_states(&parts, &other).pop().unwrap();
    assert!(merge_states(&[s.clone(), t]).is_err());
    assert_eq!(
        transition::state_schema(&opts).unwrap().as_ref(),
        s.schema().as_ref()
    );
}

/// Partitions merged with and without care plans are refused when finished (T9 would count
/// the people of some partitions only); all with, or all without, finish.
#[test]
fn partitions_with_and_without_care_plans_are_refused() {
    let (d, opts) = demo(0.02);
    let half = d.persons.num_rows() / 2;
    let parts = split_tables(
        &d,
        &[(0..half).collect(), (half..d.persons.num_rows()).collect()],
    );
    let with = part_states_with(&parts, &opts, true);
    let without = part_states_with(&parts, &opts, false);
    for states in [&with[..], &without[..]] {
        let merged = merge_states(states).unwrap();
        transition::finalize(&merged, &opts).unwrap();
    }
    let mixed = merge_states(&[with[0].clone(), without[1].clone()]).unwrap();
    let e = transition::finalize(&mixed, &opts).unwrap_err();
    assert_eq!(e.argument(), Some("state"), "{e}");
    assert!(
        e.to_string()
            .contains("care plans were given to 1 of the 2 partitions"),
        "{e}"
    );
}
