//! `collabmetrics oap` on an analyst's CSV and Parquet extracts.

use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use std::sync::Arc;

mod common;
use common::{dir, run};

/// Placements 20 Jan → 10 Mar 2024 (X), 1 → 29 Feb (X), 5 Feb same day (Y), 25 Mar open (Y),
/// and one for patient choice (excluded). Nights by month, by hand: X Jan 12 (20–31), Feb 29 +
/// 28, Mar 9; Y Mar 25–28 = 4 through the cut-off of 28 March.
const CSV: &str = "placement_id,person_id,StartDateHospProvSpell,end_date,bed_type,reason,place
1,A,2024-01-20,2024-03-10,10,10,X
2,B,2024-02-01,2024-02-29,11,10,X
3,C,2024-02-05,2024-02-05,12,10,Y
4,D,2024-03-25,,10,10,Y
6,E,2024-01-02,2024-01-09,10,14,X
";

#[test]
fn csv_in_csv_out_with_a_column_map() {
    let d = dir("csv");
    let input = d.join("placements.csv");
    std::fs::write(&input, CSV).unwrap();
    let (ok, out, err) = run(&[
        "oap",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-03",
        "--data-cutoff",
        "2024-03-28",
        "--column",
        "start_date=StartDateHospProvSpell",
        "--by",
        "place",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("place,period_start,period_end,started,ended,active_at_end,bed_days")
    );
    let bed_days: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(6).unwrap())
        .collect();
    assert_eq!(bed_days, ["12", "0", "57", "0", "9", "4"]);
    assert!(err.contains("diagnostic: 1 × appropriate_reason"), "{err}");
}

/// A `--column` pair that matches nothing is an error naming it, not ignored: a misspelt
/// optional column (the daily cost) would otherwise be left out.
#[test]
fn a_column_mapping_that_matches_nothing_is_an_error() {
    let d = dir("typo");
    let input = d.join("placements.csv");
    std::fs::write(&input, CSV).unwrap();
    for (pair, needle) in [
        ("daily_cost=DailyCst", "DailyCst"),
        ("dailycost=place", "`dailycost` → `place`"),
    ] {
        let (ok, _, err) = run(&[
            "oap",
            "--placements",
            input.to_str().unwrap(),
            "--start",
            "2024-01",
            "--end",
            "2024-03",
            "--column",
            "start_date=StartDateHospProvSpell",
            "--column",
            pair,
        ]);
        assert!(!ok);
        assert!(err.contains(needle), "{pair}: {err}");
    }
}

#[test]
fn parquet_in_json_out() {
    let d = dir("parquet");
    let path = d.join("placements.parquet");
    let date = |s: &str| collabmetrics::table::parse_date(s).unwrap();
    let batch = RecordBatch::try_from_iter(vec![
        (
            "placement_id",
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
        ),
        ("person_id", Arc::new(StringArray::from(vec!["A", "B"]))),
        (
            "start_date",
            Arc::new(Date32Array::from(vec![
                date("2024-01-20"),
                date("2024-02-01"),
            ])),
        ),
        (
            "end_date",
            Arc::new(Date32Array::from(vec![Some(date("2024-03-10")), None])),
        ),
        ("bed_type", Arc::new(StringArray::from(vec!["10", "10"]))),
        ("reason", Arc::new(StringArray::from(vec!["10", "10"]))),
    ])
    .unwrap();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let out_path = d.join("out.json");
    let (ok, _, err) = run(&[
        "oap",
        "--placements",
        path.to_str().unwrap(),
        "--start",
        "2024-02-01",
        "--end",
        "2024-02-29",
        "--window",
        "rolling_3m",
        "--format",
        "json",
        "--output",
        out_path.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_path).unwrap()).unwrap();
    // Dec–Feb: placement 1 has 12 + 29 nights, placement 2 (open) all 29 of February.
    assert_eq!(rows[0]["bed_days"], 12 + 29 + 29);
    assert_eq!(rows[0]["period_start"], "2023-12-01");
    assert_eq!(rows[0]["started"], 2);
}

#[test]
fn bad_extracts_fail_with_the_core_message() {
    let d = dir("bad");
    let input = d.join("bad.csv");
    std::fs::write(&input, CSV.replace("2024-03-10", "2024-01-10")).unwrap();
    let (ok, _, err) = run(&[
        "oap",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-03",
        "--column",
        "start_date=StartDateHospProvSpell",
    ]);
    assert!(!ok);
    // Data row 0 is the file's line 2 (the header is line 1).
    assert!(
        err.contains("invalid value in column `end_date` at line 2 of ")
            && err.contains("bad.csv (2024-01-10): end date before the start date 2024-01-20"),
        "{err}"
    );
    let (ok, _, err) = run(&[
        "oap",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-03",
    ]);
    assert!(!ok);
    assert!(err.contains("missing column `start_date`"), "{err}");
    let (ok, _, err) = run(&[
        "oap",
        "--placements",
        "/nonexistent.csv",
        "--start",
        "2024-01",
        "--end",
        "2024-03",
    ]);
    assert!(!ok && err.contains("/nonexistent.csv"), "{err}");
    let (ok, _, err) = run(&[
        "oap",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "Jan",
        "--end",
        "2024-03",
    ]);
    assert!(!ok && err.contains("--start: not a date"), "{err}");
}

#[test]
fn help_shows_the_core_defaults_and_names() {
    let (ok, out, err) = run(&["oap", "--help"]);
    assert!(ok, "{err}");
    let d = collabmetrics::oap::OapOptions::default();
    for expected in [
        format!("[default: {}]", d.window),
        format!("[default: {}]", d.overlap),
        format!("[default: {}]", d.multiplier),
        format!("[default: {}]", d.confidence),
        "[possible values: month, rolling_3m, rolling_12m]".to_owned(),
    ] {
        assert!(out.contains(&expected), "--help lacks {expected}:\n{out}");
    }
}

/// `--bed-types` words in any case, trimmed, as Python reads them (an audit found `ALL` read as
/// a bed-type code, leaving every placement out of scope): `ALL` counts placement 2 of bed
/// type 11 and a type-13 placement alike; ` Default ` leaves the type-13 one out.
#[test]
fn bed_type_words_are_read_in_any_case() {
    let d = dir("bedwords");
    let input = d.join("placements.csv");
    let csv = "placement_id,person_id,start_date,end_date,bed_type,reason
1,A,2024-01-05,2024-01-09,11,10
2,B,2024-01-05,2024-01-09,13,10
";
    std::fs::write(&input, csv).unwrap();
    let started = |words: &str| {
        let (ok, out, err) = run(&[
            "oap",
            "--placements",
            input.to_str().unwrap(),
            "--start",
            "2024-01",
            "--end",
            "2024-01",
            "--bed-types",
            words,
        ]);
        assert!(ok, "{err}");
        out.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(2)
            .unwrap()
            .to_owned()
    };
    assert_eq!(started("all"), "2");
    assert_eq!(started("ALL"), "2");
    assert_eq!(started(" Default "), "1");
    assert_eq!(started("default"), "1");
    assert_eq!(started("13"), "1");
}
