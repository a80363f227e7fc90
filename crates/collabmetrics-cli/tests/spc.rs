//! `collabmetrics spc` on an analyst's CSV and Parquet files, and the demo report's SPC
//! section. Values are NHSRplotthedots' (tests/reference/spc/).

use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
use std::sync::Arc;

mod common;
use common::{dir, run};

/// NHSRplotthedots' deviations vignette, monthly from April 2023.
const VIGNETTE: [f64; 18] = [
    1., 2., 1., 2., 10., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1.,
];

/// The reference case rebase_target (rebased at the 13th month, target 26, decrease).
const SOUTH: [f64; 24] = [
    30., 32., 29., 31., 30., 33., 28., 31., 30., 32., 29., 31., 20., 21., 19., 22., 20., 18., 21.,
    20., 19., 22., 20., 21.,
];

fn month(k: usize) -> String {
    format!("{}-{:02}-01", 2023 + (k + 3) / 12, (k + 3) % 12 + 1)
}

#[test]
fn csv_in_csv_out_with_renamed_columns() {
    let d = dir("csv");
    let input = d.join("beds.csv");
    let mut csv = "period,beds\n".to_owned();
    for (k, y) in VIGNETTE.iter().enumerate() {
        csv += &format!("{},{y}\n", month(k));
    }
    std::fs::write(&input, csv).unwrap();
    let (ok, out, err) = run(&[
        "spc",
        "--input",
        input.to_str().unwrap(),
        "--value",
        "beds",
        "--date",
        "period",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("date,value,segment,mean,lpl,upl,"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 19);
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let fifth: Vec<&str> = lines[5].split(',').collect();
    assert_eq!(fifth[col("special_cause_type")], "Above UCL");
    assert_eq!(fifth[col("point_type")], "special_cause_improvement");
    let upl: f64 = fifth[col("upl")].parse().unwrap();
    assert!((upl - 4.604444444).abs() < 1e-8, "{upl}");
    assert!(err.contains("moving_range_screened"), "{err}");
    // Making Data Count's rules: no screening, the unscreened UPL.
    let (ok, out, _) = run(&[
        "spc",
        "--input",
        input.to_str().unwrap(),
        "--value",
        "beds",
        "--date",
        "period",
        "--rules",
        "mdc_2023",
        "--table",
        "summary",
        "--format",
        "json",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!((v[0]["upl"].as_f64().unwrap() - 6.951503).abs() < 1e-6);
    assert_eq!(v[0]["method"], "mdc_2023");
    // No target given: the key is there, null (every row has every column).
    assert!(v[0].as_object().unwrap().contains_key("target"), "{v}");
    assert!(v[0]["target"].is_null());
}

#[test]
fn parquet_in_json_summary_with_per_series_options() {
    let d = dir("parquet");
    let path = d.join("places.parquet");
    let date = |k: usize| collabmetrics::table::parse_date(&month(k)).unwrap();
    let mut dates: Vec<i32> = (0..24).map(date).collect();
    dates.extend((0..18).map(date));
    let mut values = SOUTH.to_vec();
    values.extend(VIGNETTE);
    let mut place = vec!["south"; 24];
    place.extend(vec!["north"; 18]);
    let batch = RecordBatch::try_from_iter(vec![
        ("date", Arc::new(Date32Array::from(dates)) as ArrayRef),
        ("value", Arc::new(Float64Array::from(values))),
        ("place", Arc::new(StringArray::from(place))),
    ])
    .unwrap();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let (ok, out, err) = run(&[
        "spc",
        "--input",
        path.to_str().unwrap(),
        "--by",
        "place",
        "--improvement",
        "decrease",
        "--rebase-for",
        "south=2024-04",
        "--target-for",
        "south=26",
        "--table",
        "summary",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["place"], "south");
    assert_eq!(rows[2]["segment"], 1);
    assert_eq!(rows[2]["mean"], 20.25);
    assert_eq!(rows[2]["assurance"], "consistent_pass");
    assert!(rows[0].get("assurance").is_none_or(|a| a.is_null()));
}

#[test]
fn an_empty_key_names_the_null_series_not_the_text_null() {
    // Two series of 15 months: `g` empty (null) and `g` the text "null". An empty key part
    // names the null series, "null" the text; each gets its own target.
    let d = dir("nullkey");
    let input = d.join("two.csv");
    let mut csv = "date,value,g\n".to_owned();
    for g in ["", "null"] {
        for (k, y) in VIGNETTE[..15].iter().enumerate() {
            csv += &format!("{},{y},{g}\n", month(k));
        }
    }
    std::fs::write(&input, csv).unwrap();
    let (ok, out, err) = run(&[
        "spc",
        "--input",
        input.to_str().unwrap(),
        "--by",
        "g",
        "--target-for",
        "=3",
        "--target-for",
        "null=4",
        "--table",
        "summary",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    // Nulls first.
    assert!(rows[0].get("g").is_none_or(|g| g.is_null()), "{out}");
    assert_eq!(rows[0]["target"], 3.0);
    assert_eq!(rows[1]["g"], "null");
    assert_eq!(rows[1]["target"], 4.0);
}

#[test]
fn bad_input_is_a_clear_error() {
    let d = dir("bad");
    let input = d.join("dup.csv");
    std::fs::write(
        &input,
        "date,value\n2024-01-01,1\n2024-02-01,2\n2024-02-01,3\n",
    )
    .unwrap();
    let path = input.to_str().unwrap();
    let (ok, _, err) = run(&["spc", "--input", path]);
    assert!(!ok);
    // Data row 2 is the file's line 4 (the header is line 1).
    assert!(err.contains("column `date` at line 4 of "), "{err}");
    assert!(err.contains("dup.csv (2024-02-01)"), "{err}");
    let (ok, _, err) = run(&["spc", "--input", path, "--improvement", "up"]);
    assert!(!ok);
    assert!(
        err.contains("unknown improvement direction \"up\""),
        "{err}"
    );
    let (ok, _, err) = run(&["spc", "--input", path, "--fix-after-n-points", "11"]);
    assert!(!ok);
    assert!(err.contains("fix_after_n_points"), "{err}");
    let missing = d.join("missing.csv");
    std::fs::write(&missing, "date,value\n2024-01-01,1\n2024-02-01,\n").unwrap();
    let (ok, _, err) = run(&["spc", "--input", missing.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("`value` at line 3 of "), "{err}");
}

#[test]
fn the_demo_report_charts_monthly_bed_days_by_place() {
    let (ok, out, err) = run(&["demo", "--format", "json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let section = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().starts_with("SPC"))
        .expect("an SPC section");
    let rows = section["rows"].as_array().unwrap();
    let label = |r: &serde_json::Value| r[0].as_str().unwrap().to_owned();
    let months: Vec<&serde_json::Value> =
        rows.iter().filter(|r| label(r).starts_with("20")).collect();
    assert_eq!(months.len(), 36, "the demo's three years");
    let row = |l: &str| rows.iter().find(|r| label(r) == l).unwrap();
    let number = |v: &serde_json::Value| v.as_f64().unwrap();
    let places = section["header"].as_array().unwrap().len() - 1;
    for p in 1..=places {
        // The centre line is the average of the monthly values shown (whole bed days, each a
        // number with its signal), and the limits sit symmetrically around it.
        let values: Vec<f64> = months.iter().map(|r| number(&r[p]["value"])).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let shown = number(&row("mean")[p]);
        assert!((mean - shown).abs() <= 1e-9, "{mean} vs {shown}");
        let lower = number(&row("lower limit")[p]);
        let upper = number(&row("upper limit")[p]);
        assert!(((upper - shown) - (shown - lower)).abs() <= 1e-9);
        assert!(["inconsistent", "consistent_fail", "consistent_pass"]
            .contains(&row("assurance")[p].as_str().unwrap()));
        let signal = &months[0][p]["signal"];
        assert!(
            signal.is_null() || signal.as_str().unwrap().len() == 2,
            "{signal}"
        );
    }
}
