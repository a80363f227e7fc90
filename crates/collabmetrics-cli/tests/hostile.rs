//! The command line on hostile input (issue 11): a closed pipe, file types, line numbers,
//! duplicated columns, dates beyond the range, and no panic text on standard error.

use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;

mod common;
use common::{dir, run};

fn oap(path: &std::path::Path) -> (bool, String, String) {
    run(&[
        "oap",
        "--placements",
        path.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-03",
    ])
}

/// `collabmetrics demo --format json | head -c 10`: the reader goes after 10 bytes; the
/// program ends quietly with success (it exited 101 with a panic message before).
#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_collabmetrics"))
        .args(["demo", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    drop(child.stdout.take()); // the pipe closes, as `head -c 10` does
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "exit {status:?}; stderr: {err}");
    assert!(err.is_empty(), "{err}");
    assert_eq!(&head[..2], b"{\n");
}

fn parquet_placements(path: &std::path::Path) {
    let batch = RecordBatch::try_from_iter(vec![
        (
            "placement_id",
            Arc::new(Int64Array::from(vec![1])) as ArrayRef,
        ),
        ("person_id", Arc::new(StringArray::from(vec!["A"]))),
        ("start_date", Arc::new(Date32Array::from(vec![19_750]))),
        ("end_date", Arc::new(Date32Array::from(vec![None::<i32>]))),
        ("bed_type", Arc::new(StringArray::from(vec!["10"]))),
        ("reason", Arc::new(StringArray::from(vec!["10"]))),
    ])
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// A Parquet file is read as Parquet whatever its extension's case (`.PARQUET`), or with no
/// such extension at all (by its `PAR1` magic number).
#[test]
fn parquet_is_recognised_by_content() {
    let d = dir("parquet");
    for name in ["upper.PARQUET", "mixed.Pq", "no_extension", "misnamed.csv"] {
        let path = d.join(name);
        parquet_placements(&path);
        let (ok, out, err) = oap(&path);
        assert!(ok, "{name}: {err}");
        assert!(out.lines().count() == 4, "{name}: {out}");
    }
}

/// Errors name the file's line: the header is line 1, so data row 0 is line 2; a quoted
/// field with a line break moves the next rows down a line.
#[test]
fn errors_name_the_line_of_the_file() {
    let d = dir("lines");
    let path = d.join("p.csv");
    std::fs::write(
        &path,
        "placement_id,person_id,start_date,end_date,bed_type,reason\n\
         1,\"A\nB\",2024-01-05,,10,10\n\
         2,C,2024-02-01,2024-13-01,10,10\n",
    )
    .unwrap();
    let (ok, _, err) = oap(&path);
    assert!(!ok);
    assert!(
        err.contains("invalid value in column `end_date` at line 4 of ")
            && err.contains("(\"2024-13-01\"): not an ISO 8601 date"),
        "{err}"
    );
}

/// Windows line endings (CRLF, as Excel writes) count one line each, as `grep -n` counts.
#[test]
fn crlf_files_name_the_same_line() {
    let d = dir("crlf");
    let path = d.join("p.csv");
    std::fs::write(
        &path,
        "placement_id,person_id,start_date,end_date,bed_type,reason\r\n\
         1,A,2024-01-05,,10,10\r\n\
         2,B,2024-01-06,,10,10\r\n\
         3,C,2024-02-01,2024-13-01,10,10\r\n",
    )
    .unwrap();
    let (ok, _, err) = oap(&path);
    assert!(!ok);
    assert!(
        err.contains("invalid value in column `end_date` at line 4 of "),
        "{err}"
    );
}

/// Dates beyond 1800-01-01 to 2200-12-31 are refused naming the line and the raw text.
#[test]
fn a_date_beyond_the_range_names_its_line() {
    let d = dir("range");
    let path = d.join("p.csv");
    std::fs::write(
        &path,
        "placement_id,person_id,start_date,end_date,bed_type,reason\n\
         1,A,2024-01-05,,10,10\n\
         2,B,2024-02-01,9999-12-31,10,10\n",
    )
    .unwrap();
    let (ok, _, err) = oap(&path);
    assert!(!ok);
    assert!(
        err.contains("at line 3 of ")
            && err.contains(
                "(\"9999-12-31\"): outside the supported date range 1800-01-01 to 2200-12-31"
            ),
        "{err}"
    );
    let (ok, _, err) = run(&[
        "oap",
        "--placements",
        path.to_str().unwrap(),
        "--start",
        "1700-01",
        "--end",
        "2024-03",
    ]);
    assert!(
        !ok && err.contains("`start`") && err.contains("outside the supported"),
        "{err}"
    );
}

/// Two columns of one name are an error (the first was silently used before).
#[test]
fn duplicated_column_names_are_an_error() {
    let d = dir("dup");
    let path = d.join("p.csv");
    std::fs::write(
        &path,
        "placement_id,person_id,start_date,end_date,bed_type,reason,reason\n\
         1,A,2024-01-05,,10,10,14\n",
    )
    .unwrap();
    let (ok, _, err) = oap(&path);
    assert!(!ok);
    assert!(err.contains("`reason` appears more than once"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// An all-empty column (nobody discharged) is a column of nulls, not a type error.
#[test]
fn an_all_empty_column_is_a_column_of_nulls() {
    let d = dir("empty");
    let path = d.join("p.csv");
    std::fs::write(
        &path,
        "placement_id,person_id,start_date,end_date,bed_type,reason\n\
         1,A,2024-01-05,,10,10\n\
         2,B,2024-02-01,,10,10\n",
    )
    .unwrap();
    let (ok, out, err) = oap(&path);
    assert!(ok, "{err}");
    assert!(out.lines().nth(3).unwrap().contains(",2,"), "{out}");
}

/// One cell that is not a number makes a CSV column text: the error names that cell's line.
#[test]
fn a_cell_that_is_not_a_number_names_its_line() {
    let d = dir("nan-cell");
    let path = d.join("u.csv");
    std::fs::write(
        &path,
        "unit,numerator,denominator\nA,10,100\nB,\"1,000\",1200\n",
    )
    .unwrap();
    let (ok, _, err) = run(&[
        "funnel",
        "--input",
        path.to_str().unwrap(),
        "--statistic",
        "proportion",
        "--multiplier",
        "100",
        "--unit",
        "unit",
    ]);
    assert!(!ok);
    assert!(
        err.contains("column `numerator`") && err.contains("\"1,000\" at line 3 of "),
        "{err}"
    );
}

#[test]
fn a_right_to_left_override_in_a_name_cannot_reverse_the_numbers_of_a_tooltip() {
    let d = common::dir("bidi");
    let input = d.join("placements.csv");
    // A place whose name holds U+202E (right-to-left override), another in Arabic, and one in
    // ASCII: two nights each in January 2024.
    let rlo = "\u{202E}RTL";
    let mut csv =
        String::from("placement_id,person_id,start_date,end_date,bed_type,reason,place\n");
    for (i, place) in [rlo, "مدينة", "Kent"].iter().enumerate() {
        csv.push_str(&format!("{i},P{i},2024-01-10,2024-01-12,10,10,{place}\n"));
    }
    std::fs::write(&input, csv).unwrap();
    let (ok, html, err) = common::run(&[
        "report",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-01",
        "--by",
        "place",
        "--format",
        "html",
    ]);
    assert!(ok, "{err}");
    // The headline chart's tooltips: each name isolated (FSI … PDI), the override dropped
    // inside it; the ASCII name as it is.
    assert!(
        html.contains("<title>\u{2068}RTL\u{2069}, 2024-01-31: 2</title>"),
        "{html}"
    );
    assert!(html.contains("<title>\u{2068}مدينة\u{2069}, 2024-01-31: 2</title>"));
    assert!(html.contains("<title>Kent, 2024-01-31: 2</title>"));
    // No tooltip holds the override.
    for tip in html.split("<title>").skip(2) {
        let tip = tip.split("</title>").next().unwrap();
        assert!(!tip.contains('\u{202E}'), "{tip}");
    }
}
