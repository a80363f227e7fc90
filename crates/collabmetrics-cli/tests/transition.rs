//! `collabmetrics transition` on extracts written from the (synthetic) demo collaborative's
//! young people: the same numbers as the library, bad files named.

use arrow_array::RecordBatch;
use collabmetrics::table::{format_date, ColumnMap, Input};
use collabmetrics::transition::{self, Tables, TransitionOptions};
use collabmetrics_demo::{generate, DemoOptions, DemoTables};
use std::path::Path;
use std::sync::OnceLock;

mod common;
use common::{csv, dir, run, write_csv};

fn demo() -> &'static DemoTables {
    static DEMO: OnceLock<DemoTables> = OnceLock::new();
    DEMO.get_or_init(|| generate(&DemoOptions::default()))
}

fn data_end() -> String {
    format_date(DemoOptions::default().data_end())
}

fn input(batch: &RecordBatch) -> Input {
    Input::new(
        batch.schema(),
        std::slice::from_ref(batch),
        ColumnMap::new(),
    )
    .unwrap()
}

/// The demo's persons, referrals, contacts and care plans written as CSV files.
fn demo_csvs(d: &Path) -> [String; 4] {
    let t = demo();
    [
        write_csv(d, "persons", &t.persons),
        write_csv(d, "referrals", &t.referrals),
        write_csv(d, "contacts", &t.contacts),
        write_csv(d, "care_plans", &t.care_plans),
    ]
}

#[test]
fn csv_extracts_give_the_library_summary() {
    let d = dir("csv");
    let [persons, referrals, contacts, plans] = demo_csvs(&d);
    let end = data_end();
    let (ok, out, err) = run(&[
        "transition",
        "--persons",
        &persons,
        "--referrals",
        &referrals,
        "--contacts",
        &contacts,
        "--care-plans",
        &plans,
        "--data-end",
        &end,
    ]);
    assert!(ok, "{err}");
    let t = demo();
    let (p, r, c, cp) = (
        input(&t.persons),
        input(&t.referrals),
        input(&t.contacts),
        input(&t.care_plans),
    );
    let tables = Tables {
        persons: &p,
        referrals: &r,
        contacts: &c,
        care_plans: Some(&cp),
    };
    let opts = TransitionOptions::new(DemoOptions::default().data_end());
    let expected = transition::summary(&tables, &opts).unwrap();
    assert_eq!(out, csv(&expected.table));
    assert!(out.contains("T9_transition_plan_recorded"));
    // Diagnostics go to standard error, as `oap` prints them.
    for d in &expected.diagnostics.entries {
        assert!(
            err.contains(&format!("diagnostic: {} × {}:", d.count, d.reason)),
            "{err}"
        );
    }

    // The per-person tables and the curve come out too, the same as the library's.
    let analysis = transition::analyse(&tables, &opts).unwrap();
    for (output, table) in [
        ("transfers", &analysis.transfers),
        ("ageing_out", &analysis.ageing_out),
        ("curve", &analysis.curve),
    ] {
        let (ok, out, err) = run(&[
            "transition",
            "--persons",
            &persons,
            "--referrals",
            &referrals,
            "--contacts",
            &contacts,
            "--care-plans",
            &plans,
            "--data-end",
            &end,
            "--table",
            output,
        ]);
        assert!(ok, "{err}");
        assert_eq!(out, csv(table), "{output}");
    }
}

#[test]
fn options_reach_the_library() {
    let d = dir("options");
    let [persons, referrals, contacts, _] = demo_csvs(&d);
    let out_path = d.join("summary.json");
    let (ok, _, err) = run(&[
        "transition",
        "--persons",
        &persons,
        "--referrals",
        &referrals,
        "--contacts",
        &contacts,
        "--data-end",
        &data_end(),
        "--period-start",
        "2022-04-01",
        "--period-end",
        "2023-03-31",
        "--engagement-days",
        "60",
        "--min-attended-contacts",
        "2",
        "--confidence",
        "0.9",
        "--format",
        "json",
        "--output",
        out_path.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_path).unwrap()).unwrap();
    let t = demo();
    let (p, r, c) = (input(&t.persons), input(&t.referrals), input(&t.contacts));
    let mut opts = TransitionOptions::new(DemoOptions::default().data_end());
    opts.period_start = collabmetrics::table::parse_date("2022-04-01");
    opts.period_end = collabmetrics::table::parse_date("2023-03-31");
    opts.engagement_days = 60;
    opts.min_attended_contacts = 2;
    opts.confidence = 0.9;
    let tables = Tables {
        persons: &p,
        referrals: &r,
        contacts: &c,
        care_plans: None,
    };
    let expected = transition::summary(&tables, &opts).unwrap().table;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), expected.num_rows());
    let t1 = rows
        .iter()
        .find(|r| r["metric"] == "T1_disengaged_60d" && r["breakdown"] == "all")
        .expect("T1 at 60 days");
    assert_eq!(t1["confidence"], 0.9);
    assert!(
        !rows
            .iter()
            .any(|r| r["metric"] == "T9_transition_plan_recorded"),
        "no T9 without care plans"
    );
}

#[test]
fn parquet_extracts_with_their_own_column_names() {
    let d = dir("parquet");
    let t = demo();
    let rename = |b: &RecordBatch, from: &str, to: &str| -> RecordBatch {
        let schema = b.schema();
        let fields: Vec<arrow_schema::Field> = schema
            .fields()
            .iter()
            .map(|f| {
                if f.name() == from {
                    f.as_ref().clone().with_name(to)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        RecordBatch::try_new(
            std::sync::Arc::new(arrow_schema::Schema::new(fields)),
            b.columns().to_vec(),
        )
        .unwrap()
    };
    let write = |name: &str, b: &RecordBatch| -> String {
        let path = d.join(format!("{name}.parquet"));
        let file = std::fs::File::create(&path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, b.schema(), None).unwrap();
        w.write(b).unwrap();
        w.close().unwrap();
        path.to_str().unwrap().to_owned()
    };
    let persons = write(
        "persons",
        &rename(&t.persons, "person_id", "LocalPatientId"),
    );
    let referrals = write(
        "referrals",
        &rename(&t.referrals, "received_date", "ReferralRequestReceivedDate"),
    );
    let contacts = write("contacts", &rename(&t.contacts, "person_id", "PatId"));
    let (ok, out, err) = run(&[
        "transition",
        "--persons",
        &persons,
        "--referrals",
        &referrals,
        "--contacts",
        &contacts,
        "--data-end",
        &data_end(),
        "--column",
        "persons.person_id=LocalPatientId",
        "--column",
        "received_date=ReferralRequestReceivedDate",
        "--column",
        "contacts.person_id=PatId",
        "--table",
        "transfers",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (p, r, c) = (input(&t.persons), input(&t.referrals), input(&t.contacts));
    let opts = TransitionOptions::new(DemoOptions::default().data_end());
    let expected = transition::transfers(
        &Tables {
            persons: &p,
            referrals: &r,
            contacts: &c,
            care_plans: None,
        },
        &opts,
    )
    .unwrap()
    .table;
    assert_eq!(rows.as_array().unwrap().len(), expected.num_rows());
    assert!(expected.num_rows() > 50);
}

#[test]
fn bad_extracts_fail_naming_the_column() {
    let d = dir("bad");
    let persons = "person_id,date_of_birth\nP1,2005-06-01\n";
    let referrals = "referral_id,person_id,received_date,discharge_date,service_line\n\
                     1,P1,2022-01-10,2022-05-01,cyp\n\
                     2,P1,2023-06-01,2023-05-01,adult\n";
    let contacts = "referral_id,contact_date,attendance\n1,2022-02-01,5\n";
    let path = |name: &str, text: &str| -> String {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let (persons, contacts) = (path("persons.csv", persons), path("contacts.csv", contacts));
    let bad = path("referrals.csv", referrals);
    let args = |referrals: &str| -> Vec<String> {
        [
            "transition",
            "--persons",
            &persons,
            "--referrals",
            referrals,
            "--contacts",
            &contacts,
            "--data-end",
            "2024-03-31",
        ]
        .map(String::from)
        .to_vec()
    };
    let a = args(&bad);
    let (ok, out, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok, "{out}");
    assert!(err.contains("referrals.discharge_date"), "{err}");
    // Data row 1 is the file's line 3 (the header is line 1).
    assert!(
        err.contains("at line 3 of ") && err.contains("referrals.csv"),
        "{err}"
    );
    assert!(out.is_empty());

    let good = path(
        "referrals_ok.csv",
        &referrals.replace("2023-05-01", "2023-07-01"),
    );
    let mut a = args(&good);
    a[8] = "31/03/2024".to_owned();
    let (ok, _, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok && err.contains("--data-end: not a date"), "{err}");

    let mut a = args(&good);
    a.extend(["--column".to_owned(), "visits.date=D".to_owned()]);
    let (ok, _, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok && err.contains("`visits` is not one of"), "{err}");

    let mut a = args(&good);
    a[2] = "/nonexistent/persons.csv".to_owned();
    let (ok, _, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok && err.contains("/nonexistent/persons.csv"), "{err}");

    let (ok, out, err) = run(&args(&good).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{err}");
    assert!(out.starts_with("cohort,metric,breakdown,group,numerator,denominator"));
}

/// List flags are comma-separated; a value that is not a whole number is named with its flag,
/// and the core checks the rest (a code outside 2–7).
#[test]
fn list_flags_are_read_and_bad_items_named() {
    let d = dir("lists");
    let [persons, referrals, contacts, _] = demo_csvs(&d);
    let end = data_end();
    let base = |extra: &[&str]| {
        let mut args = vec![
            "transition",
            "--persons",
            &persons,
            "--referrals",
            &referrals,
            "--contacts",
            &contacts,
            "--data-end",
            &end,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (ok, out, err) = base(&["--horizons", "30, 60", "--by", ""]);
    assert!(ok, "{err}");
    // Horizons 30 and 60 beside the 90 days of T1; no breakdown but the age bands.
    assert!(out.contains("T1_disengaged_30d") && out.contains("T1_disengaged_60d"));
    assert!(!out.contains("T1_disengaged_183d"));
    assert!(!out.contains(",sex,"), "no sex breakdown with --by \"\"");
    let (ok, _, err) = base(&["--horizons", "30,x"]);
    assert!(!ok);
    assert!(
        err.contains("--horizons: not a whole number: \"x\""),
        "{err}"
    );
    let (ok, _, err) = base(&["--attended-codes", "5,9"]);
    assert!(!ok);
    assert!(err.contains("attended_codes"), "{err}");
}

/// A duplicate's first occurrence is named as the duplicate is, by its line of the file (an
/// audit found `at line 3 … first seen at row 0`: two ways of counting in one message).
#[test]
fn a_duplicate_names_both_rows_by_their_lines() {
    let d = dir("duplicate_lines");
    let file = |name: &str, text: &str| {
        let path = d.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let persons = file(
        "persons.csv",
        "person_id,date_of_birth\na,2005-06-15\na,2005-01-01\n",
    );
    let referrals = file(
        "referrals.csv",
        "referral_id,person_id,received_date,service_line\n1,a,2022-01-01,cyp\n",
    );
    let contacts = file(
        "contacts.csv",
        "referral_id,contact_date,attendance\n1,2022-02-01,5\n",
    );
    let (ok, _, err) = run(&[
        "transition",
        "--persons",
        &persons,
        "--referrals",
        &referrals,
        "--contacts",
        &contacts,
        "--data-end",
        "2024-12-31",
    ]);
    assert!(!ok);
    assert!(
        err.contains("at line 3 of ") && err.contains("first seen at line 2 of "),
        "{err}"
    );
}
