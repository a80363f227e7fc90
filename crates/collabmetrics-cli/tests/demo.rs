//! `collabmetrics demo` end to end: the report on the synthetic demo collaborative.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_collabmetrics"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = run(args);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn cell(v: &serde_json::Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn demo_prints_every_section_labelled_synthetic() {
    let (ok, text, _) = run(&["demo"]);
    assert!(ok);
    assert!(text.contains("SYNTHETIC DATA"));
    for title in [
        "rolling 3 months (OAP02",
        "(OAP05)",
        "(OAP08, OAP09)",
        "Distance from home",
        "Inequality across IMD deciles",
        "Transition to adult mental health services: cohort T",
        "Transition at the CYPMHS age boundary: cohort B",
        "T1 disengaged: no attended adult contact within 90 days",
        "T9 transition plan",
        "% of transfers disengaged within 90 days (T1",
        "Largest flows",
        "age-standardised",
        "Length of stay",
    ] {
        assert!(text.contains(title), "missing section {title}");
    }
}

#[test]
fn headline_places_add_up_to_the_collaborative() {
    let v = json(&["demo", "--format", "json"]);
    let headline = &v["sections"][0];
    let header = headline["header"].as_array().unwrap();
    assert_eq!(header.last().unwrap(), "collaborative");
    for row in headline["rows"].as_array().unwrap() {
        let cells = row.as_array().unwrap();
        let places: f64 = cells[1..cells.len() - 1].iter().map(cell).sum();
        assert_eq!(
            places,
            cell(cells.last().unwrap()),
            "bed days are additive over places"
        );
    }
}

#[test]
fn proportions_are_oaps_over_admissions() {
    let v = json(&["demo", "--format", "json", "--confidence", "0.998"]);
    let section = &v["sections"][2];
    for row in section["rows"].as_array().unwrap() {
        let c = row.as_array().unwrap();
        let (oaps, admissions, pct) = (cell(&c[1]), cell(&c[2]), cell(&c[3]));
        assert!((pct - 100.0 * oaps / admissions).abs() <= 0.05, "{row}");
        assert!(cell(&c[4]) <= pct && pct <= cell(&c[5]));
    }
}

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_another() {
    let a = run(&["demo", "--seed", "7"]).1;
    assert_eq!(a, run(&["demo", "--seed", "7"]).1);
    assert_ne!(a, run(&["demo", "--seed", "8"]).1);
}

#[test]
fn bad_options_are_clear_errors() {
    let (ok, _, err) = run(&["demo", "--confidence", "95"]);
    assert!(!ok);
    assert!(
        err.contains("invalid argument `confidence`: must be strictly between 0 and 1 (got 95)"),
        "{err}"
    );
    let (ok, _, err) = run(&["demo", "--scale=-1"]);
    assert!(!ok && err.contains("scale"), "{err}");
}

/// The transition section's rows, by measure and group.
fn transition_rows(v: &serde_json::Value) -> Vec<Vec<String>> {
    let section = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains("cohort T"))
        .expect("a cohort T section");
    section["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn transition_section_agrees_with_the_summary_in_the_json() {
    let v = json(&["demo", "--format", "json"]);
    let summary = v["tables"]["transition_summary"].as_array().unwrap();
    let find = |metric: &str, breakdown: &str, group: &str| {
        summary
            .iter()
            .find(|r| r["metric"] == metric && r["breakdown"] == breakdown && r["group"] == group)
            .unwrap_or_else(|| panic!("no {metric} {breakdown} {group}"))
    };
    let rows = transition_rows(&v);
    let t1: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[0].starts_with("T1 disengaged"))
        .collect();
    assert_eq!(t1.len(), 4, "all and three age bands");
    for r in t1 {
        let (breakdown, group) = if r[1] == "all" {
            ("all", "all")
        } else {
            ("age_band", r[1].as_str())
        };
        let s = find("T1_disengaged_90d", breakdown, group);
        assert_eq!(r[3], s["denominator"].to_string(), "{r:?}");
        if s["denominator"] != 0 {
            assert_eq!(r[2], s["numerator"].to_string(), "{r:?}");
            let pct = 100.0 * s["value"].as_f64().unwrap();
            assert!(
                (cell(&serde_json::json!(r[4])) - pct).abs() <= 0.05,
                "{r:?}"
            );
        }
    }
    // Every metric of both cohorts, T9 too (the demo has care plans).
    for metric in [
        "T2_first_adult_appointment_missed",
        "T3_discharged_without_attending",
        "T4_engaged_at_12_months",
        "T5_early_dropout",
        "T7_continuity_gap_days",
        "T8_parallel_care",
        "T9_transition_plan_recorded",
        "B_transfer_rate",
        "B_disengaged_after_transfer",
        "B_lost_to_services",
    ] {
        let s = find(metric, "all", "all");
        assert!(s["denominator"].as_i64().unwrap() > 0, "{metric}");
    }
    let t9 = find("T9_transition_plan_recorded", "all", "all")["value"]
        .as_f64()
        .unwrap();
    assert!((0.2..0.7).contains(&t9), "T9 {t9}");
}
