//! `collabmetrics demo` end to end: the report on the synthetic demo collaborative, read as a
//! new user would (issue 14): numbers as numbers, intervals labelled with their level, one
//! notes block, places in one order, T7 as a median with quartiles, no empty age band.

use std::sync::OnceLock;

mod common;
use common::run;

fn json(args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = run(args);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// The default report as text and as JSON (each made once).
fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let (ok, out, err) = run(&["demo"]);
        assert!(ok, "{err}");
        out
    })
}

fn report() -> &'static serde_json::Value {
    static JSON: OnceLock<serde_json::Value> = OnceLock::new();
    JSON.get_or_init(|| json(&["demo", "--format", "json"]))
}

fn section<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no section {id}"))
}

fn rows(s: &serde_json::Value) -> &Vec<serde_json::Value> {
    s["rows"].as_array().unwrap()
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

const PLACES: [&str; 4] = [
    "Dartford, Gravesham and Swanley",
    "West Kent",
    "Medway and Swale",
    "East Kent",
];

#[test]
fn demo_prints_every_section_labelled_synthetic() {
    let text = text();
    assert!(text.contains("SYNTHETIC DATA"));
    for title in [
        "rolling 3 months (OAP02",
        "(OAP05)",
        "(OAP08, OAP09)",
        "Distance from home",
        "Inequality across IMD deciles",
        "Transition to adult mental health services: cohort T",
        "Continuity gap (T7)",
        "Time to the first attended adult contact (T6)",
        "Transition at the CYPMHS age boundary: cohort B",
        "T1 disengaged: no attended adult contact within 90 days",
        "T9 transition plan",
        "% of transfers disengaged within 90 days (T1)",
        "Largest flows",
        "age-standardised",
        "Length of stay",
        "SPC: monthly",
    ] {
        assert!(text.contains(title), "missing section {title}");
    }
    assert_eq!(report()["synthetic"], true);
}

#[test]
fn headline_places_add_up_to_the_collaborative() {
    let headline = section(report(), "oap-headline");
    let header = headline["header"].as_array().unwrap();
    assert_eq!(header.last().unwrap(), "collaborative");
    for row in rows(headline) {
        let cells = row.as_array().unwrap();
        let places: f64 = cells[1..cells.len() - 1].iter().map(num).sum();
        assert_eq!(
            places,
            num(cells.last().unwrap()),
            "bed days are additive over places"
        );
    }
}

#[test]
fn proportions_are_oaps_over_admissions() {
    let v = json(&["demo", "--format", "json", "--confidence", "0.998"]);
    let s = section(&v, "oap-admissions");
    assert_eq!(s["header"][3], "% of admissions (99.8% interval)");
    for row in rows(s) {
        let c = row.as_array().unwrap();
        let (oaps, admissions) = (num(&c[1]), num(&c[2]));
        let est = &c[3];
        // 100 × OAPs / admissions, unrounded in JSON.
        assert!(
            (num(&est["value"]) - 100.0 * oaps / admissions).abs() < 1e-9,
            "{row}"
        );
        assert!(
            num(&est["lower"]) <= num(&est["value"]) && num(&est["value"]) <= num(&est["upper"])
        );
    }
}

#[test]
fn json_numbers_are_numbers() {
    // No cell of any section is a number written as text: numbers are JSON numbers (or
    // objects of numbers), text is words, dates and labels.
    for s in report()["sections"].as_array().unwrap() {
        for row in rows(s) {
            for cell in row.as_array().unwrap() {
                if let Some(t) = cell.as_str() {
                    assert!(
                        t.parse::<f64>().is_err(),
                        "{}: {t:?} is a number as text",
                        s["id"]
                    );
                }
            }
        }
    }
    let rates = section(report(), "oap-rates");
    let first = &rows(rates)[0];
    assert!(first[1].is_i64() && first[2].is_i64(), "{first}");
    assert!(first[3]["value"].is_f64(), "{first}");
}

#[test]
fn a_998_level_reads_998_never_100() {
    let (ok, text, err) = run(&["demo", "--confidence", "0.998"]);
    assert!(ok, "{err}");
    assert!(!text.contains("100%"), "a 99.8% level printed as 100%");
    assert!(text.contains("99.8% interval"));
    assert!(text.contains("Intervals at 99.8% confidence"));
}

#[test]
fn the_rate_method_is_byar() {
    let text = text();
    assert!(!text.contains("Byars"), "the method is Byar's");
    assert!(text.contains("Byar"));
}

#[test]
fn places_are_in_one_order_in_every_table() {
    let v = report();
    let headline = section(v, "oap-headline")["header"].as_array().unwrap();
    assert_eq!(headline[1..5], PLACES.map(serde_json::Value::from));
    let spc = section(v, "spc")["header"].as_array().unwrap();
    assert_eq!(spc[1..5], PLACES.map(serde_json::Value::from));
    for id in [
        "oap-rates",
        "oap-admissions",
        "funnel-oap-rates",
        "funnel-t1",
        "distance",
        "admissions-dsr",
        "length-of-stay",
    ] {
        let places: Vec<&str> = rows(section(v, id))
            .iter()
            .map(|r| r[0].as_str().unwrap())
            .collect();
        assert_eq!(places, PLACES, "{id}");
    }
}

#[test]
fn one_notes_block_lists_each_note_once() {
    let text = text();
    assert!(!text.contains("  note:"), "notes after each section");
    assert_eq!(text.matches("Notes: records a documented rule").count(), 1);
    let notes = text
        .split("Notes: records a documented rule")
        .nth(1)
        .unwrap();
    assert_eq!(notes.matches("appropriate_reason").count(), 1);
    assert!(
        notes.contains("sections 1-5, 10, 11, 15: 193 × appropriate_reason"),
        "{notes}"
    );
}

#[test]
fn t7_is_a_median_with_quartiles() {
    let v = report();
    let gap = section(v, "transition-gap");
    assert_eq!(
        gap["header"],
        serde_json::json!([
            "group",
            "engaged transfers",
            "median (days)",
            "lower quartile",
            "upper quartile"
        ])
    );
    let summary = v["tables"]["transition_summary"].as_array().unwrap();
    let t7 = summary
        .iter()
        .find(|r| r["metric"] == "T7_continuity_gap_days" && r["breakdown"] == "all")
        .unwrap();
    assert!(
        t7["confidence"].is_null(),
        "T7's limits are quartiles: {t7}"
    );
    let all = &rows(gap)[0];
    assert_eq!(all[0], "all");
    assert_eq!(num(&all[1]), num(&t7["denominator"]));
    assert_eq!(num(&all[2]), num(&t7["value"]));
    assert_eq!(num(&all[3]), num(&t7["lower"]));
    assert_eq!(num(&all[4]), num(&t7["upper"]));
    // Not among the proportions any more.
    assert!(!rows(section(v, "transition-t"))
        .iter()
        .any(|r| r[0].as_str().unwrap().starts_with("T7")));
    // Every other row has its level.
    let t1 = summary
        .iter()
        .find(|r| r["metric"] == "T1_disengaged_90d" && r["breakdown"] == "all")
        .unwrap();
    assert_eq!(t1["confidence"], 0.95);
}

#[test]
fn cohort_t_spans_every_age_band_and_no_band_is_empty() {
    let v = report();
    let t = section(v, "transition-t");
    let bands: Vec<(&str, f64)> = rows(t)
        .iter()
        .filter(|r| r[0].as_str().unwrap().starts_with("T1 disengaged") && r[1] != "all")
        .map(|r| (r[1].as_str().unwrap(), num(&r[3])))
        .collect();
    assert_eq!(
        bands.iter().map(|b| b.0).collect::<Vec<_>>(),
        ["16-17", "18-19", "20-25"]
    );
    for (band, denominator) in bands {
        assert!(denominator > 0.0, "age band {band} is 0 / 0");
    }
    let summary = v["tables"]["transition_summary"].as_array().unwrap();
    assert!(
        !summary.iter().any(|r| r["group"] == "other"),
        "nobody is outside 16-25: no `other` band"
    );
}

/// The transition section's rows, by measure and group.
#[test]
fn transition_section_agrees_with_the_summary_in_the_json() {
    let v = report();
    let summary = v["tables"]["transition_summary"].as_array().unwrap();
    let find = |metric: &str, breakdown: &str, group: &str| {
        summary
            .iter()
            .find(|r| r["metric"] == metric && r["breakdown"] == breakdown && r["group"] == group)
            .unwrap_or_else(|| panic!("no {metric} {breakdown} {group}"))
    };
    let t1: Vec<&serde_json::Value> = rows(section(v, "transition-t"))
        .iter()
        .filter(|r| r[0].as_str().unwrap().starts_with("T1 disengaged"))
        .collect();
    assert_eq!(t1.len(), 4, "all and three age bands");
    for r in t1 {
        let (breakdown, group) = if r[1] == "all" {
            ("all", "all")
        } else {
            ("age_band", r[1].as_str().unwrap())
        };
        let s = find("T1_disengaged_90d", breakdown, group);
        assert_eq!(r[3], s["denominator"], "{r}");
        assert_eq!(r[2], s["numerator"], "{r}");
        assert!((num(&r[4]) - 100.0 * num(&s["value"])).abs() < 1e-9, "{r}");
        assert!((num(&r[5]["lower"]) - 100.0 * num(&s["lower"])).abs() < 1e-9);
    }
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
    let t9 = num(&find("T9_transition_plan_recorded", "all", "all")["value"]);
    assert!((0.2..0.7).contains(&t9), "T9 {t9}");
}

#[test]
fn a_small_demo_reports_too() {
    // Scale 0.1 has IMD deciles without residents: they are left out of the rates, not an
    // error.
    for scale in ["0.1", "0.05"] {
        let (ok, text, err) = run(&["demo", "--scale", scale]);
        assert!(ok, "scale {scale}: {err}");
        assert!(text.contains("Inequality across IMD deciles"));
    }
}

#[test]
fn a_demo_too_small_to_report_is_refused_clearly() {
    for scale in ["0.001", "1e-9"] {
        let (ok, _, err) = run(&["demo", "--scale", scale]);
        assert!(!ok);
        assert!(
            err.contains("`scale`") && err.contains("at least 0.01"),
            "{err}"
        );
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
    let (ok, _, err) = run(&["demo", "--html", "a.html", "--format", "json"]);
    assert!(!ok && err.contains("cannot be used with"), "{err}");
}

#[test]
fn output_writes_a_file() {
    let dir = std::env::temp_dir().join(format!("collabmetrics-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demo.json");
    let (ok, out, err) = run(&[
        "demo",
        "--format",
        "json",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert!(ok && out.is_empty(), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(&v, report());
}

#[test]
fn the_html_page_has_every_section_and_its_charts() {
    let dir = std::env::temp_dir().join(format!("collabmetrics-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.html");
    let (ok, _, err) = run(&["demo", "--html", path.to_str().unwrap()]);
    assert!(ok, "{err}");
    let html = std::fs::read_to_string(&path).unwrap();
    for s in report()["sections"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(html.contains("id=\"synthetic\""));
    // Charts: the headline, rates, shares, flows, distance bands, cohort T, the curve, cohort
    // B, three SII charts, two funnels, the DSR, lengths of stay, four SPC charts.
    assert_eq!(html.matches("<svg ").count(), 19);
    // Self-contained: no script, no external resource.
    assert!(!html.contains("<script"));
    for attr in ["src=\"http", "href=\"http", "url("] {
        assert!(!html.contains(attr), "{attr}");
    }
    // Making Data Count's colours and icons.
    assert!(html.contains("#00b0f0") && html.contains("#e46c0a"));
    assert!(html.contains("Assurance: the process will consistently fail the target"));
}
