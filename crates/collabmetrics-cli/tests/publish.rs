//! `--publish [RULE]`: controlled tables from the demo report and the metric commands.

mod common;
use common::run;

/// The count columns a section lists in its method line: "Counts (a, b, c) under ...".
fn counts(method: &str) -> Vec<String> {
    let inner = method
        .split_once("Counts (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(inner, _)| inner);
    inner
        .split(", ")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_controlled_table_of_the_demo_shows_a_count_below_5() {
    let (ok, out, err) = run(&["demo", "--publish", "--format", "json"]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sections = report["sections"].as_array().unwrap();
    assert!(sections.len() >= 4);
    let mut checked = 0;
    let mut hidden = 0;
    for s in sections {
        let header: Vec<&str> = s["header"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        let counts = counts(s["method"].as_str().unwrap());
        assert!(!counts.is_empty(), "{}", s["title"]);
        for row in s["rows"].as_array().unwrap() {
            for c in &counts {
                let k = header.iter().position(|h| h == c).unwrap();
                let cell = &row[k];
                match cell.as_str() {
                    Some("*") => hidden += 1,
                    Some(v) => panic!("{c}: {v} is text"),
                    // Null: does not apply; numbers are JSON numbers.
                    None if cell.is_null() => {}
                    None => {
                        let n = cell.as_f64().unwrap_or_else(|| panic!("{c}: {cell}"));
                        assert!(n >= 5.0 && n % 5.0 == 0.0, "{}: {c} = {n}", s["title"]);
                        checked += 1;
                    }
                }
            }
        }
    }
    // The demo has both: counts shown (rounded) and counts suppressed.
    assert!(
        checked > 50 && hidden > 10,
        "{checked} shown, {hidden} suppressed"
    );
    // The text report says which rule and shows suppressed cells as *.
    let (ok, text, _) = run(&["demo", "--publish"]);
    assert!(ok);
    assert!(text.contains("under the rule nhs_mhsds") && text.contains('*'));
}

#[test]
fn an_unknown_rule_is_refused_by_name() {
    let (ok, _, err) = run(&["demo", "--publish", "nhs"]);
    assert!(!ok);
    assert!(
        err.contains("unknown rule \"nhs\"; expected one of"),
        "{err}"
    );
}

#[test]
fn oap_publishes_with_stars_and_totals() {
    let dir =
        std::env::temp_dir().join(format!("collabmetrics-cli-publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("placements.csv");
    // Place X: 7 placements started in January 2024; place Y: 2.
    let mut csv =
        String::from("placement_id,person_id,start_date,end_date,bed_type,reason,place\n");
    for i in 0..9 {
        let place = if i < 7 { "X" } else { "Y" };
        csv.push_str(&format!(
            "{i},P{i},2024-01-{:02},2024-01-20,10,10,{place}\n",
            i + 2
        ));
    }
    std::fs::write(&input, csv).unwrap();
    let args = [
        "oap",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-01",
        "--by",
        "place",
    ];
    let (ok, raw, err) = run(&args);
    assert!(ok, "{err}");
    let started = |out: &str| -> Vec<String> {
        let lines: Vec<&str> = out.lines().collect();
        let k = lines[0].split(',').position(|h| h == "started").unwrap();
        lines[1..]
            .iter()
            .map(|l| l.split(',').nth(k).unwrap().to_owned())
            .collect()
    };
    assert_eq!(started(&raw), ["7", "2"]);
    let mut published = args.to_vec();
    published.push("--publish");
    let (ok, out, err) = run(&published);
    assert!(ok, "{err}");
    // 7 → 5, 2 → *, and the total of the month, 9 → 10 (from the unrounded parts).
    assert_eq!(started(&out), ["5", "*", "10"]);
    assert!(err.contains("primary_small"), "{err}");
}
