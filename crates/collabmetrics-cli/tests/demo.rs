//! The `collabmetrics` program end to end.

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

#[test]
fn demo_prints_every_section_labelled_synthetic() {
    let (ok, text, _) = run(&["demo"]);
    assert!(ok);
    assert!(text.contains("SYNTHETIC DATA"));
    for title in [
        "placed out of area",
        "PICU",
        "age-standardised",
        "ratio x 100",
        "Length of stay",
    ] {
        assert!(text.contains(title), "missing section {title}");
    }
    // 37 of 412 admissions: 100·37/412 = 8.98 → "9.0"; Wilson limits checked in the JSON test.
    assert!(text
        .lines()
        .any(|l| l.starts_with("Dartford, Gravesham and Swanley") && l.contains(" 9.0 ")));
}

#[test]
fn demo_json_carries_the_numbers() {
    let (ok, json, _) = run(&["demo", "--format", "json", "--confidence", "0.998"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = &v["sections"][0]["result"];
    assert_eq!(first["confidence"], 0.998);
    let value = first["value"][0].as_f64().unwrap();
    assert!((value - 100.0 * 37.0 / 412.0).abs() < 1e-12);
    // Wilson at 99.8% (z = 3.090232): lower = (74 + z² − z·√(z² + 148·(1 − 37/412))) / (2·(412 + z²)).
    let z: f64 = 3.090_232_306_167_813;
    let lower = (74.0 + z * z - z * (z * z + 148.0 * (1.0 - 37.0 / 412.0)).sqrt())
        / (2.0 * (412.0 + z * z));
    assert!((first["lower"][0].as_f64().unwrap() - 100.0 * lower).abs() < 1e-9);
}

#[test]
fn bad_confidence_is_a_clear_error() {
    let (ok, _, err) = run(&["demo", "--confidence", "95"]);
    assert!(!ok);
    assert!(
        err.contains("invalid argument `confidence`: must be strictly between 0 and 1 (got 95)"),
        "{err}"
    );
}
