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
