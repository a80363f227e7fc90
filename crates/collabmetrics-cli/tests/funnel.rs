//! `collabmetrics funnel` on CSV and Parquet tables, and the demo report's funnel sections.

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use std::sync::Arc;

mod common;
use common::{dir, run};

/// FunnelPlotR's twelve standardised ratios (tests/reference/funnel/, units A–L).
const O: [f64; 12] = [
    45.0, 60.0, 30.0, 120.0, 15.0, 88.0, 52.0, 210.0, 9.0, 73.0, 140.0, 35.0,
];
const E: [f64; 12] = [
    38.2, 71.5, 29.1, 98.4, 22.7, 90.3, 40.8, 199.6, 12.4, 80.2, 111.9, 47.3,
];
const UNITS: [&str; 12] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"];

fn csv() -> String {
    let mut s = "trust,deaths,expected\n".to_owned();
    for i in 0..12 {
        s.push_str(&format!("{},{},{}\n", UNITS[i], O[i], E[i]));
    }
    s
}

#[test]
fn csv_in_json_out_reproduces_funnelplotr() {
    let d = dir("csv");
    let input = d.join("sr.csv");
    std::fs::write(&input, csv()).unwrap();
    let (ok, out, err) = run(&[
        "funnel",
        "--input",
        input.to_str().unwrap(),
        "--statistic",
        "sr",
        "--unit",
        "trust",
        "--column",
        "numerator=deaths",
        "--column",
        "denominator=expected",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    // FunnelPlotR v0.6.0: phi 1.598134102, tau2 0.01213956526; K and L truncated.
    let phi = rows[0]["phi"].as_f64().unwrap();
    assert!((phi - 1.598134102).abs() < 1e-8, "{phi}");
    let tau2 = rows[0]["tau2"].as_f64().unwrap();
    assert!((tau2 - 0.01213956526).abs() < 1e-10, "{tau2}");
    assert_eq!(rows[0]["unit"], "A");
    assert!(rows[10].get("z_adjusted").is_none() || rows[10]["z_adjusted"].is_null());
    assert!(err.contains("diagnostic: 2 × truncated"), "{err}");

    // The limits table, as CSV, and without the adjustment at 95%: outliers D and K.
    let (ok, out, err) = run(&[
        "funnel",
        "--input",
        input.to_str().unwrap(),
        "--statistic",
        "sr",
        "--numerator",
        "deaths",
        "--denominator",
        "expected",
        "--table",
        "limits",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("denominator,lcl95,ucl95,lcl998,ucl998,od_lcl95"),
        "{out}"
    );
    let (ok, out, err) = run(&[
        "funnel",
        "--input",
        input.to_str().unwrap(),
        "--statistic",
        "sr",
        "--unit",
        "trust",
        "--numerator",
        "deaths",
        "--denominator",
        "expected",
        "--unadjusted",
        "--limit",
        "95",
    ]);
    assert!(ok, "{err}");
    let header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "outlier").unwrap();
    let flagged: Vec<&str> = out
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(at) == Some("true"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(flagged, ["D", "K"]);
}

#[test]
fn parquet_in_phe_significance() {
    let d = dir("parquet");
    // The counts as doubles, then as dictionaries of doubles (a pandas category of counts
    // written to Parquet): the same table.
    let counts = |values: Vec<f64>, coded: bool| -> ArrayRef {
        let plain = Float64Array::from(values);
        if !coded {
            return Arc::new(plain);
        }
        let to = DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Float64));
        arrow_cast::cast(&plain, &to).unwrap()
    };
    let mut outputs = Vec::new();
    for coded in [false, true] {
        let path = d.join(format!("areas_{coded}.parquet"));
        let batch = RecordBatch::try_from_iter(vec![
            (
                "area",
                Arc::new(StringArray::from(vec!["x", "y", "z"])) as ArrayRef,
            ),
            ("n", counts(vec![50.0, 20.0, 80.0], coded)),
            ("pop", counts(vec![100.0, 100.0, 100.0], coded)),
        ])
        .unwrap();
        let file = std::fs::File::create(&path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        // The file keeps the dictionary (the Arrow schema it carries).
        let read = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&path).unwrap(),
        )
        .unwrap();
        let n_type = read
            .schema()
            .field_with_name("n")
            .unwrap()
            .data_type()
            .clone();
        assert_eq!(matches!(n_type, DataType::Dictionary(..)), coded);
        let (ok, out, err) = run(&[
            "funnel",
            "--input",
            path.to_str().unwrap(),
            "--statistic",
            "proportion",
            "--unit",
            "area",
            "--numerator",
            "n",
            "--denominator",
            "pop",
            "--multiplier",
            "100",
            "--format",
            "json",
        ]);
        assert!(ok, "{err}");
        let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
        // θ = 0.5; 20/100 has a 99.8% Wilson upper limit of 0.347 < 0.5, 80/100 the mirror
        // image.
        assert_eq!(rows[0]["significance"], "Not significant");
        assert_eq!(rows[1]["significance"], "Low (0.001)");
        assert_eq!(rows[2]["significance"], "High (0.001)");
        outputs.push(out);
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn bad_input_fails_with_the_core_message() {
    let d = dir("bad");
    let input = d.join("bad.csv");
    std::fs::write(&input, csv().replace("I,9,12.4", "I,0,12.4")).unwrap();
    let base = [
        "funnel",
        "--input",
        input.to_str().unwrap(),
        "--unit",
        "trust",
        "--numerator",
        "deaths",
        "--denominator",
        "expected",
        "--statistic",
    ];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        run(&args)
    };
    let (ok, _, err) = with(&["sr"]);
    assert!(!ok && err.contains("group I: 0 observed events"), "{err}");
    let (ok, _, err) = with(&["sr", "--exclude-zero-sr"]);
    assert!(
        ok && err.contains("diagnostic: 1 × zero_observed_sr"),
        "{err}"
    );
    let (ok, _, err) = with(&["pop"]);
    assert!(!ok && err.contains("unknown statistic \"pop\""), "{err}");
    let (ok, _, err) = with(&["sr", "--sr-method", "log"]);
    assert!(!ok && err.contains("unknown SR method \"log\""), "{err}");
    let (ok, _, err) = with(&["pr"]);
    assert!(!ok && err.contains("must not exceed"), "{err}");
}

#[test]
fn publish_suppresses_small_counts_and_their_z_scores() {
    let d = dir("publish");
    let input = d.join("sr.csv");
    std::fs::write(&input, csv().replace("I,9,12.4", "I,3,12.4")).unwrap();
    let (ok, out, err) = run(&[
        "funnel",
        "--input",
        input.to_str().unwrap(),
        "--statistic",
        "sr",
        "--unit",
        "trust",
        "--numerator",
        "deaths",
        "--denominator",
        "expected",
        "--publish",
    ]);
    assert!(ok, "{err}");
    let header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
    let row_i = out.lines().find(|l| l.starts_with("I,")).unwrap();
    let cells: Vec<&str> = row_i.split(',').collect();
    for column in ["numerator", "value", "z"] {
        let at = header.iter().position(|h| *h == column).unwrap();
        assert_eq!(cells[at], "*", "{column} of unit I (3 deaths) in {row_i}");
    }
}

#[test]
fn the_demo_report_names_the_funnel_outliers() {
    let (ok, out, err) = run(&["demo", "--format", "json"]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sections = report["sections"].as_array().unwrap();
    let funnels: Vec<&serde_json::Value> = sections
        .iter()
        .filter(|s| s["title"].as_str().unwrap().starts_with("Funnel:"))
        .collect();
    assert_eq!(funnels.len(), 2);
    for s in &funnels {
        assert!(s["method"]
            .as_str()
            .unwrap()
            .contains("Outliers beyond 99.8% limits:"));
        assert_eq!(s["header"][6], "significance");
        // Each place's label is PHE's, and the outliers named are the places labelled.
        for row in s["rows"].as_array().unwrap() {
            let place = row[0].as_str().unwrap();
            let label = row[6].as_str().unwrap();
            assert!(
                [
                    "Not significant",
                    "High (0.001)",
                    "High (0.025)",
                    "Low (0.001)",
                    "Low (0.025)"
                ]
                .contains(&label),
                "{label}"
            );
            let named = s["method"]
                .as_str()
                .unwrap()
                .contains(&format!("{place} ("));
            assert_eq!(named, label != "Not significant", "{place}: {label}");
        }
    }
    assert!(funnels[0]["title"].as_str().unwrap().contains("OAP"));
    assert!(funnels[1]["title"].as_str().unwrap().contains("T1"));
}

/// Codes written with a leading zero stay text: `01`, `1` and `002` are three units, not two
/// (read as numbers, `01` and `1` would be added up as one unit).
#[test]
fn codes_with_leading_zeros_stay_distinct() {
    let d = dir("zeros");
    let input = d.join("lz.csv");
    std::fs::write(
        &input,
        "unit,numerator,denominator\n01,10,100\n1,20,120\n002,5,50\n",
    )
    .unwrap();
    let (ok, out, err) = run(&[
        "funnel",
        "--input",
        input.to_str().unwrap(),
        "--statistic",
        "proportion",
        "--multiplier",
        "100",
        "--unit",
        "unit",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let units: Vec<&str> = (0..3).map(|i| rows[i]["unit"].as_str().unwrap()).collect();
    assert_eq!(units, ["01", "1", "002"]);
    assert!(rows.get(3).is_none());
}

#[test]
fn a_published_column_prints_alike_whether_or_not_a_cell_of_it_is_suppressed() {
    // Under nhs_hes unit D's denominator 5 is suppressed, so the column is written with a `*`;
    // under nhs_mhsds none is. Unit A's 40 read "40" in the first and "40.0" in the second.
    let d = dir("publish-format");
    let input = d.join("units.csv");
    std::fs::write(
        &input,
        "unit,numerator,denominator\nA,3,40\nB,12,47\nC,30,60\nD,1,5\nE,45,100\n",
    )
    .unwrap();
    let denominator_of_a = |rule: &str| {
        let (ok, out, err) = run(&[
            "funnel",
            "--input",
            input.to_str().unwrap(),
            "--statistic",
            "proportion",
            "--multiplier",
            "100",
            "--unit",
            "unit",
            "--publish",
            rule,
        ]);
        assert!(ok, "{err}");
        let header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
        let at = header.iter().position(|h| *h == "denominator").unwrap();
        let row = |unit: &str| {
            let line = out.lines().find(|l| l.starts_with(unit)).unwrap();
            line.split(',').nth(at).unwrap().to_owned()
        };
        (row("A,"), row("D,"))
    };
    let (hes_a, hes_d) = denominator_of_a("nhs_hes");
    let (mhsds_a, _) = denominator_of_a("nhs_mhsds");
    assert_eq!(hes_d, "*");
    assert_eq!(hes_a, mhsds_a);
}
