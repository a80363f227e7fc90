//! XmR charts (`docs/methods/spc.md`) against NHSRplotthedots: every case of
//! `tests/reference/spc/nhsrplotthedots_vectors.csv`, every value quoted from the package's own
//! tests and vignettes, hand-worked boundaries of each rule, properties, and bad input.

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, Int8Type};
use arrow_array::{Array, ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
use collabmetrics::spc::rules::{
    part_of, run_ends, special_causes, trend_direction, trend_ends, two_in_three,
};
use collabmetrics::spc::{
    self, chart, Improvement, OnMean, Rebase, RuleSet, SeriesDates, SeriesTarget, SpcOptions,
    SpecialCause, Target, Ties,
};
use collabmetrics::table::{days_from_civil, format_date, ColumnMap, Input, TableResult};
use collabmetrics::ErrorKind;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// Inputs and outputs

/// Monthly dates from `first` (year, month), `n` of them.
fn months(first: (i32, u32), n: usize) -> Vec<i32> {
    (0..n)
        .map(|k| {
            let m0 = first.0 * 12 + first.1 as i32 - 1 + k as i32;
            days_from_civil(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1)
        })
        .collect()
}

/// A table of `date`, `value` and, when given, `series`.
fn table(dates: &[i32], values: &[f64], series: Option<&[&str]>) -> Input {
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("date", Arc::new(Date32Array::from(dates.to_vec()))),
        ("value", Arc::new(Float64Array::from(values.to_vec()))),
    ];
    if let Some(s) = series {
        cols.push(("series", Arc::new(StringArray::from(s.to_vec()))));
    }
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap()
}

fn one_series(values: &[f64]) -> Input {
    table(&months((2023, 4), values.len()), values, None)
}

fn run(input: &Input, opts: &SpcOptions) -> RecordBatch {
    spc::xmr(input, opts).expect("valid input").table
}

fn f64s(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

fn bools(b: &RecordBatch, name: &str) -> Vec<bool> {
    let c = b.column_by_name(name).unwrap().as_boolean();
    assert_eq!(c.null_count(), 0, "{name} has nulls");
    c.iter().map(|v| v.unwrap_or(false)).collect()
}

fn strs(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn labels(b: &RecordBatch) -> Vec<String> {
    strs(b, "special_cause_type")
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

fn types(b: &RecordBatch) -> Vec<String> {
    strs(b, "point_type")
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

fn relative(b: &RecordBatch) -> Vec<i8> {
    b.column_by_name("relative_to_mean")
        .unwrap()
        .as_primitive::<Int8Type>()
        .values()
        .to_vec()
}

fn ints(b: &RecordBatch, name: &str) -> Vec<i64> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<Int64Type>()
        .values()
        .to_vec()
}

/// |a − b| ≤ tol · max(|b|, 1) (relative, absolute near zero).
#[track_caller]
fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1.0),
        "{what}: got {a}, expected {b}"
    );
}

/// `n` repeats of `s`.
fn rep(s: &str, n: usize) -> Vec<String> {
    vec![s.to_owned(); n]
}

// ---------------------------------------------------------------------------------------------
// The reference vectors

/// The reference vectors (`tests/reference/spc/`), one map per row.
fn reference_rows() -> Vec<HashMap<String, String>> {
    common::read_csv("spc/nhsrplotthedots_vectors.csv")
}

fn number(row: &HashMap<String, String>, key: &str) -> Option<f64> {
    common::num(row, key)
}

fn flag(row: &HashMap<String, String>, key: &str) -> bool {
    match row[key].as_str() {
        "TRUE" => true,
        "FALSE" => false,
        s => panic!("{key}: not a logical: {s}"),
    }
}

#[test]
fn every_reference_case_matches_nhsrplotthedots() {
    let rows = reference_rows();
    let mut cases: BTreeMap<String, Vec<&HashMap<String, String>>> = BTreeMap::new();
    for r in &rows {
        cases.entry(r["case"].clone()).or_default().push(r);
    }
    assert_eq!(cases.len(), 8, "the file's eight cases");
    let mut checked = 0;
    for (case, rows) in &cases {
        let y: Vec<f64> = rows.iter().map(|r| number(r, "y").unwrap()).collect();
        let dates = months((2023, 4), y.len());
        let first = rows[0];
        let mut opts = SpcOptions {
            improvement: first["improvement_direction"].parse().unwrap(),
            screen_outliers: Some(flag(first, "screen_outliers")),
            fix_after_n_points: number(first, "fix_after_n_points").map(|n| n as u32),
            ..SpcOptions::default()
        };
        if let Some(t) = number(first, "target") {
            opts.target = Target::Value(t);
        }
        // Rebased where the reference's rebase_group steps up.
        let rebase: Vec<i32> = rows
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0]["rebase_group"] != w[1]["rebase_group"])
            .map(|(k, _)| dates[k + 1])
            .collect();
        if !rebase.is_empty() {
            opts.rebase = Rebase::Dates(rebase);
        }
        let out = run(&table(&dates, &y, None), &opts);
        assert_eq!(out.num_rows(), rows.len(), "{case}");
        let (mean, lpl, upl) = (f64s(&out, "mean"), f64s(&out, "lpl"), f64s(&out, "upl"));
        for (i, r) in rows.iter().enumerate() {
            let what = |c: &str| format!("{case} point {} {c}", i + 1);
            close(
                mean[i].unwrap(),
                number(r, "mean").unwrap(),
                1e-8,
                &what("mean"),
            );
            close(
                lpl[i].unwrap(),
                number(r, "lpl").unwrap(),
                1e-8,
                &what("lpl"),
            );
            close(
                upl[i].unwrap(),
                number(r, "upl").unwrap(),
                1e-8,
                &what("upl"),
            );
            assert_eq!(
                bools(&out, "outside_limits")[i],
                flag(r, "outside_limits"),
                "{}",
                what("outside")
            );
            assert_eq!(
                bools(&out, "close_to_limits")[i],
                flag(r, "close_to_limits"),
                "{}",
                what("close")
            );
            assert_eq!(
                f64::from(relative(&out)[i]),
                number(r, "relative_to_mean").unwrap(),
                "{}",
                what("relative_to_mean")
            );
            assert_eq!(labels(&out)[i], r["special_cause_type"], "{}", what("type"));
            assert_eq!(types(&out)[i], r["point_type"], "{}", what("point_type"));
            assert_eq!(
                ints(&out, "segment")[i],
                number(r, "rebase_group").unwrap() as i64,
                "{}",
                what("segment")
            );
            assert_eq!(
                f64s(&out, "target")[i],
                number(r, "target"),
                "{}",
                what("target")
            );
            assert_eq!(
                bools(&out, "special_cause_flag")[i],
                r["special_cause_type"] != "Common Cause"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 148);
}

#[test]
fn rebase_target_summary_gives_consistent_pass() {
    // The reference's rebase_target case: rebased at row 13 (2024-04-01), direction
    // decrease, target 26 above the second segment's UPL 25.3282 → consistent_pass.
    let rows = reference_rows();
    let y: Vec<f64> = rows
        .iter()
        .filter(|r| r["case"] == "rebase_target")
        .map(|r| number(r, "y").unwrap())
        .collect();
    let dates = months((2023, 4), 24);
    let opts = SpcOptions {
        improvement: Improvement::Decrease,
        rebase: Rebase::Dates(vec![dates[12]]),
        target: Target::Value(26.0),
        ..SpcOptions::default()
    };
    let s = spc::summary(&table(&dates, &y, None), &opts).unwrap().table;
    assert_eq!(s.num_rows(), 2);
    assert_eq!(ints(&s, "segment"), vec![0, 1]);
    assert_eq!(ints(&s, "n"), vec![12, 12]);
    close(f64s(&s, "mean")[1].unwrap(), 20.25, 1e-12, "mean");
    close(f64s(&s, "lpl")[1].unwrap(), 15.17181818, 1e-8, "lpl");
    close(f64s(&s, "upl")[1].unwrap(), 25.32818182, 1e-8, "upl");
    assert_eq!(
        strs(&s, "assurance"),
        vec![None, Some("consistent_pass".to_owned())]
    );
    assert_eq!(bools(&s, "latest"), vec![false, true]);
    assert_eq!(bools(&s, "short_group_warning"), vec![true, true]);
    assert_eq!(strs(&s, "variation")[1].as_deref(), Some("common_cause"));
}

// ---------------------------------------------------------------------------------------------
// Values quoted from NHSRplotthedots' own tests (commit 050b07d7)

/// R's `set.seed(123); rnorm(24)`.
const RNORM24: [f64; 24] = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279141,
    -1.06782371,
    -0.21797491,
    -1.02600445,
    -0.72889123,
];

fn ends(v: &[i8], len: usize) -> Vec<i8> {
    let mut e = vec![0; v.len()];
    run_ends(v, len, &mut e);
    e.iter().map(|x| x.abs()).collect() // R writes 1 for either side
}

fn part(ends: &[i8], len: usize) -> Vec<u8> {
    let mut p = vec![false; ends.len()];
    part_of(ends, len, &mut p);
    p.into_iter().map(u8::from).collect()
}

fn trend(y: &[f64]) -> Vec<i8> {
    let mut e = vec![0; y.len()];
    trend_ends(y, 7, &mut e, &mut Vec::new());
    e
}

fn two3(v: &[u8], rtm: &[i8]) -> Vec<u8> {
    let beyond: Vec<bool> = v.iter().map(|&x| x == 1).collect();
    let mut m = vec![false; v.len()];
    two_in_three(&beyond, rtm, &mut m);
    m.into_iter().map(u8::from).collect()
}

/// `ptd_part_of_two_in_three(two_in_three(v, rtm), v)`.
fn part_two3(v: &[u8], rtm: &[i8]) -> Vec<u8> {
    two3(v, rtm).iter().zip(v).map(|(&m, &x)| m & x).collect()
}

fn ones(n: usize) -> Vec<i8> {
    vec![1; n]
}

#[test]
fn seven_point_one_side_mean() {
    // test-ptd_calculate_point_type.R
    assert!(ends(&[], 7).is_empty());
    assert_eq!(ends(&[1; 6], 7), vec![0; 6]);
    assert_eq!(ends(&[1, 1, 1, 1, 1, 1, -1], 7), vec![0; 7]);
    assert_eq!(
        ends(&[1, 1, 1, 1, 1, 1, 1, 1, -1], 7),
        vec![0, 0, 0, 0, 0, 0, 1, 1, 0]
    );
    assert_eq!(
        ends(&[-1, -1, -1, -1, -1, -1, -1, -1, 1], 7),
        vec![0, 0, 0, 0, 0, 0, 1, 1, 0]
    );
    assert_eq!(
        ends(&[-1, 1, 1, 1, 1, 1, 1, 1, 1, -1], 7),
        vec![0, 0, 0, 0, 0, 0, 0, 1, 1, 0]
    );
    assert_eq!(
        ends(&[1, -1, -1, -1, -1, -1, -1, -1, -1, 1], 7),
        vec![0, 0, 0, 0, 0, 0, 0, 1, 1, 0]
    );
}

#[test]
fn part_of_seven_trend() {
    assert!(part(&[], 7).is_empty());
    assert_eq!(part(&[0; 6], 7), vec![0; 6]);
    assert_eq!(
        part(&[0, 0, 0, 0, 0, 0, 1, 0], 7),
        vec![1, 1, 1, 1, 1, 1, 1, 0]
    );
}

#[test]
fn seven_point_trend() {
    let seq = |a: i32, b: i32| -> Vec<f64> {
        if a <= b {
            (a..=b).map(f64::from).collect()
        } else {
            (b..=a).rev().map(f64::from).collect()
        }
    };
    assert!(trend(&[]).is_empty());
    assert_eq!(trend(&seq(1, 6)), vec![0; 6]);
    // c(1:3, 3:6): the repeated 3 breaks the trend.
    assert_eq!(trend(&[1., 2., 3., 3., 4., 5., 6.]), vec![0; 7]);
    assert_eq!(trend(&seq(1, 7)), vec![0, 0, 0, 0, 0, 0, 1]);
    let mut y = vec![2.0];
    y.extend(seq(1, 7));
    y.push(3.0);
    assert_eq!(trend(&y), vec![0, 0, 0, 0, 0, 0, 0, 1, 0]);
    assert_eq!(trend(&seq(7, 1)), vec![0, 0, 0, 0, 0, 0, -1]);
    let mut y = vec![2.0];
    y.extend(seq(7, 1));
    y.push(3.0);
    assert_eq!(trend(&y), vec![0, 0, 0, 0, 0, 0, 0, -1, 0]);
}

#[test]
fn two_in_three_helpers() {
    assert!(two3(&[], &[]).is_empty());
    assert_eq!(two3(&[0, 0, 0], &ones(3)), vec![0, 0, 0]);
    for v in [[1, 0, 1], [0, 1, 1], [1, 1, 0]] {
        assert_eq!(two3(&v, &ones(3)), vec![1, 1, 1]);
    }
    assert_eq!(
        two3(&[0, 0, 1, 0, 1, 0, 0], &ones(7)),
        vec![0, 0, 1, 1, 1, 0, 0]
    );
    assert_eq!(
        two3(&[0, 0, 1, 1, 0, 0, 0], &ones(7)),
        vec![0, 1, 1, 1, 1, 0, 0]
    );
    // Opposite sides never combine (the fix for issue #143).
    assert_eq!(two3(&[1, 0, 1], &[1, -1, 1]), vec![0, 0, 0]);
    assert_eq!(
        two3(&[0, 0, 1, 0, 1, 0, 0], &[1, -1, 1, -1, 1, -1, 1]),
        vec![0; 7]
    );
    assert_eq!(
        two3(&[0, 0, 1, 1, 0, 0, 0], &[-1, 1, -1, 1, -1, 1, -1]),
        vec![0; 7]
    );
    // ptd_part_of_two_in_three: only the points beyond 2σ are flagged.
    assert_eq!(part_two3(&[1, 0, 1], &ones(3)), vec![1, 0, 1]);
    assert_eq!(part_two3(&[0, 1, 1], &ones(3)), vec![0, 1, 1]);
    assert_eq!(part_two3(&[1, 1, 0], &ones(3)), vec![1, 1, 0]);
    assert_eq!(
        part_two3(&[0, 0, 1, 0, 1, 0, 0], &ones(7)),
        vec![0, 0, 1, 0, 1, 0, 0]
    );
    assert_eq!(part_two3(&[1, 0, 0, 1], &ones(4)), vec![0, 0, 0, 0]);
    assert_eq!(part_two3(&[1, 0, 0, 1, 1], &ones(5)), vec![0, 0, 0, 1, 1]);
}

#[test]
fn special_cause_priority() {
    // The mocked test of ptd_special_cause_type: y = 1:8, relative to mean 1,1,1,1,−1,−1,−1,−1,
    // part of a trend at 1–2, part of a shift at 3–4, two-in-three at 5, outside at 6–7.
    let y: Vec<f64> = (1..=8).map(f64::from).collect();
    let rel = [1, 1, 1, 1, -1, -1, -1, -1];
    let outside = [false, false, false, false, false, true, true, false];
    let in_trend = [true, true, false, false, false, false, false, false];
    let two = [false, false, false, false, true, false, false, false];
    let shift = [false, false, true, true, false, false, false, false];
    let mut dir = [0i8; 8];
    trend_direction(&y, &in_trend, &mut dir);
    let mut out = [SpecialCause::CommonCause; 8];
    special_causes(&rel, &outside, &dir, &two, &shift, &mut out);
    let got: Vec<String> = out.iter().map(|c| c.label(7, 7)).collect();
    assert_eq!(
        got,
        [
            "7 Point Trend (Increasing)",
            "7 Point Trend (Increasing)",
            "7 Points Above CL",
            "7 Points Above CL",
            "2 in 3 Below CL",
            "Below LCL",
            "Below LCL",
            "Common Cause",
        ]
    );
}

#[test]
fn ptd_spc_standard_limits_with_and_without_screening() {
    // test-ptd_spc_standard.R and its snapshots: rnorm(20), daily from 2020-01-02.
    let dates: Vec<i32> = (0..20).map(|k| days_from_civil(2020, 1, 2) + k).collect();
    let y = &RNORM24[..20];
    let out = run(&table(&dates, y, None), &SpcOptions::default());
    close(f64s(&out, "mean")[0].unwrap(), 0.1416238, 1e-6, "mean");
    close(f64s(&out, "lpl")[0].unwrap(), -3.01138, 1e-5, "lpl");
    close(f64s(&out, "upl")[0].unwrap(), 3.294627, 1e-6, "upl");
    let mut y15 = y.to_vec();
    y15[14] = 10.0;
    let screened = run(&table(&dates, &y15, None), &SpcOptions::default());
    close(f64s(&screened, "mean")[0].unwrap(), 0.6694159, 1e-6, "mean");
    close(f64s(&screened, "lpl")[0].unwrap(), -2.383666, 1e-6, "lpl");
    close(f64s(&screened, "upl")[0].unwrap(), 3.722497, 1e-6, "upl");
    let opts = SpcOptions {
        screen_outliers: Some(false),
        ..SpcOptions::default()
    };
    let raw = run(&table(&dates, &y15, None), &opts);
    close(f64s(&raw, "lpl")[0].unwrap(), -4.596625, 1e-6, "lpl");
    close(f64s(&raw, "upl")[0].unwrap(), 5.935457, 1e-6, "upl");
}

#[test]
fn opposite_sides_close_to_the_limits_are_common_cause() {
    // test-ptd_spc_standard.R: alternating 1, −1 (16 days) with y[15] = 5.5, y[16] = −5.5.
    let mut y: Vec<f64> = (0..16)
        .map(|k| if k % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    y[14] = 5.5;
    y[15] = -5.5;
    let dates: Vec<i32> = (0..16).map(|k| days_from_civil(2020, 1, 2) + k).collect();
    let out = run(&table(&dates, &y, None), &SpcOptions::default());
    assert_eq!(types(&out)[14..], ["common_cause", "common_cause"]);
}

#[test]
fn two_facets_of_ten() {
    // _snaps/ptd_spc.md: the 20 values in two facets of 10 (3 significant figures).
    let dates: Vec<i32> = (0..20).map(|k| days_from_civil(2020, 1, 2) + k).collect();
    let facet: Vec<&str> = (0..20).map(|k| if k < 10 { "0" } else { "1" }).collect();
    let opts = SpcOptions {
        by: vec!["series".into()],
        ..SpcOptions::default()
    };
    let s = spc::summary(&table(&dates, &RNORM24[..20], Some(&facet)), &opts)
        .unwrap()
        .table;
    let expect = [(0.0746, -2.60, 2.75), (0.209, -3.28, 3.70)];
    for (k, (m, l, u)) in expect.into_iter().enumerate() {
        close(f64s(&s, "mean")[k].unwrap(), m, 5e-3, "mean");
        close(f64s(&s, "lpl")[k].unwrap(), l, 5e-3, "lpl");
        close(f64s(&s, "upl")[k].unwrap(), u, 5e-3, "upl");
    }
    assert_eq!(ints(&s, "common_cause"), vec![10, 10]);
}

#[test]
fn assurance_types() {
    // test-ptd_calculate_assurance_type.R: (LPL, UPL, target) = (1, 3, 4), (5, 7, 4),
    // (1, 5, 4). Three two-point series whose limits are exactly those: mean m, moving range
    // r with 2.66·r = half the width.
    use collabmetrics::spc::{Assurance, Limits};
    let limits = |lpl: f64, upl: f64| {
        let mean = (lpl + upl) / 2.0;
        Limits {
            mean,
            amr: (upl - lpl) / 2.0 / 2.66,
            lpl,
            upl,
            lpl_2sigma: f64::NAN,
            upl_2sigma: f64::NAN,
            baseline: 2,
            screened: 0,
        }
    };
    let cases = [(1.0, 3.0), (5.0, 7.0), (1.0, 5.0)];
    let check = |improvement, expect: [Option<Assurance>; 3]| {
        for ((l, u), e) in cases.iter().zip(expect) {
            assert_eq!(Assurance::of(Some(4.0), &limits(*l, *u), improvement), e);
        }
    };
    use Assurance::*;
    check(
        Improvement::Increase,
        [
            Some(ConsistentFail),
            Some(ConsistentPass),
            Some(Inconsistent),
        ],
    );
    check(
        Improvement::Decrease,
        [
            Some(ConsistentPass),
            Some(ConsistentFail),
            Some(Inconsistent),
        ],
    );
    check(Improvement::Neutral, [None, None, None]);
    assert_eq!(
        Assurance::of(None, &limits(1.0, 3.0), Improvement::Increase),
        None
    );
    // On a limit is inconsistent.
    assert_eq!(
        Assurance::of(Some(3.0), &limits(1.0, 3.0), Improvement::Increase),
        Some(Inconsistent)
    );
}

#[test]
fn assurance_of_the_latest_segment_through_the_table() {
    // The same three cases through the table, each series two points whose limits are the
    // ones above (mean ± 2.66·|y2 − y1|); with rebasing only the last segment counts.
    let half = |w: f64| w / 2.0 / 2.66;
    let mut dates = Vec::new();
    let mut values = Vec::new();
    let mut series = Vec::new();
    for (name, (l, u)) in [("a", (1.0, 3.0)), ("b", (5.0, 7.0)), ("c", (1.0, 5.0))] {
        let (m, r) = ((l + u) / 2.0, half(u - l));
        dates.extend(months((2024, 1), 2));
        values.extend([m - r / 2.0, m + r / 2.0]);
        series.extend([name, name]);
    }
    let opts = SpcOptions {
        by: vec!["series".into()],
        target: Target::Value(4.0),
        ..SpcOptions::default()
    };
    let s = spc::summary(&table(&dates, &values, Some(&series)), &opts)
        .unwrap()
        .table;
    assert_eq!(
        strs(&s, "assurance"),
        ["consistent_fail", "consistent_pass", "inconsistent"].map(|x| Some(x.to_owned()))
    );
    // Rebasing: a first segment far above the target, a latest one inconsistent.
    let d = months((2024, 1), 4);
    let opts = SpcOptions {
        rebase: Rebase::Dates(vec![d[2]]),
        target: Target::Value(4.0),
        ..SpcOptions::default()
    };
    let s = spc::summary(&table(&d, &[100.0, 101.0, 3.0, 5.0], None), &opts)
        .unwrap()
        .table;
    assert_eq!(
        strs(&s, "assurance"),
        vec![None, Some("inconsistent".into())]
    );
}

#[test]
fn icons_of_rnorm24() {
    // test-geom_ptd_icon.R: rnorm(24) daily → variation common_cause; target 0.5 →
    // inconsistent; the same per facet of 12.
    let dates: Vec<i32> = (0..24).map(|k| days_from_civil(2020, 1, 2) + k).collect();
    let opts = SpcOptions {
        target: Target::Value(0.5),
        ..SpcOptions::default()
    };
    let s = spc::summary(&table(&dates, &RNORM24, None), &opts)
        .unwrap()
        .table;
    assert_eq!(strs(&s, "variation"), vec![Some("common_cause".into())]);
    assert_eq!(strs(&s, "assurance"), vec![Some("inconsistent".into())]);
    let facet: Vec<&str> = (0..24).map(|k| if k < 12 { "a" } else { "b" }).collect();
    let opts = SpcOptions {
        by: vec!["series".into()],
        ..opts
    };
    let s = spc::summary(&table(&dates, &RNORM24, Some(&facet)), &opts)
        .unwrap()
        .table;
    assert_eq!(strs(&s, "variation"), vec![Some("common_cause".into()); 2]);
    assert_eq!(strs(&s, "assurance"), vec![Some("inconsistent".into()); 2]);
}

#[test]
fn deviations_vignette_screened_and_unscreened() {
    // vignettes/deviations.Rmd: screened UPL 4.604444, mean 1.944444, LPL −0.715556;
    // unscreened UPL 6.951503, LPL −3.062614; point 5 "Above UCL" (improvement) either way.
    let y = [
        1., 2., 1., 2., 10., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1.,
    ];
    let c = chart(&y, &[], &SpcOptions::default()).unwrap();
    close(c.limits[0].upl, 4.604444, 1e-6, "upl");
    close(c.limits[0].mean, 1.944444, 1e-6, "mean");
    close(c.limits[0].lpl, -0.715556, 1e-6, "lpl");
    assert_eq!(c.limits[0].screened, 2); // into and out of the 10
    let opts = SpcOptions {
        screen_outliers: Some(false),
        ..SpcOptions::default()
    };
    let u = chart(&y, &[], &opts).unwrap();
    close(u.limits[0].upl, 6.951503, 1e-6, "upl");
    close(u.limits[0].lpl, -3.062614, 1e-6, "lpl");
    for c in [c, u] {
        assert_eq!(c.cause[4], SpecialCause::AboveUcl);
        assert_eq!(c.point_type[4].as_str(), "special_cause_improvement");
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-worked boundaries of each rule

#[test]
fn a_tie_inside_a_trend() {
    // y = 1, 2, 3, 4, 4, 5, 6, 7: mean 32/8 = 4; moving ranges 1, 1, 1, 0, 1, 1, 1 → AMR 6/7
    // (none ≥ 3.267·6/7 = 2.80); limits 4 ± 2.66·6/7 = 1.72 and 6.28; 2σ band 4 ± 1.52 =
    // 2.48 and 5.52. So 1 is below the LCL and 7 above the UCL; 2 and 6 are between 2σ and
    // 3σ, each alone on its side among close points.
    let y = [1., 2., 3., 4., 4., 5., 6., 7.];
    let c = chart(&y, &[], &SpcOptions::default()).unwrap();
    close(c.limits[0].lpl, 4.0 - 2.66 * 6.0 / 7.0, 1e-12, "lpl");
    close(c.limits[0].upl, 4.0 + 2.66 * 6.0 / 7.0, 1e-12, "upl");
    assert_eq!(
        c.close,
        [false, true, false, false, false, false, true, false]
    );
    let names = |c: &spc::Chart| -> Vec<String> { c.cause.iter().map(|k| k.label(7, 7)).collect() };
    // ties = break (default): the repeated 4 breaks the rise: no trend.
    let mut expect = rep("Common Cause", 8);
    expect[0] = "Below LCL".into();
    expect[7] = "Above UCL".into();
    assert_eq!(names(&c), expect);
    // ties = skip: 1..7 without the repeat is a trend of seven: every point but the two
    // astronomical ends (which the first rule claims) is labelled by the trend.
    let skip = SpcOptions {
        ties: Some(Ties::Skip),
        ..SpcOptions::default()
    };
    let c = chart(&y, &[], &skip).unwrap();
    let mut expect = rep("7 Point Trend (Increasing)", 8);
    expect[0] = "Below LCL".into();
    expect[7] = "Above UCL".into();
    assert_eq!(names(&c), expect);
    assert_eq!(SpcOptions::default().method(), "nhsrplotthedots");
    assert_eq!(skip.method(), "custom");
    // Making Data Count 2023: points beyond 3σ count towards two-in-three, so (1, 2, 3) and
    // (5, 6, 7) each hold two points beyond 2σ on one side: 2 and 6 are flagged.
    let mdc = SpcOptions::preset(RuleSet::Mdc2023);
    let c = chart(&y, &[], &mdc).unwrap();
    let mut expect = rep("Common Cause", 8);
    expect[0] = "Below LCL".into();
    expect[1] = "2 in 3 Below CL".into();
    expect[6] = "2 in 3 Above CL".into();
    expect[7] = "Above UCL".into();
    assert_eq!(names(&c), expect);
}

#[test]
fn trends_meeting_at_a_repeated_value_keep_their_own_direction() {
    // 1..7 then 7..1: two trends of seven meeting at the repeated 7. NHSRplotthedots labels
    // the first 7 "Decreasing" (the step to its right is 0); we give it its own trend's rise.
    let y = [1., 2., 3., 4., 5., 6., 7., 7., 6., 5., 4., 3., 2., 1.];
    let mut e = vec![0; 14];
    trend_ends(&y, 7, &mut e, &mut Vec::new());
    let mut p = vec![false; 14];
    part_of(&e, 7, &mut p);
    assert!(p.iter().all(|&x| x));
    let mut dir = vec![0; 14];
    trend_direction(&y, &p, &mut dir);
    assert_eq!(dir, [1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1]);
}

#[test]
fn a_point_exactly_on_the_mean() {
    // y = 6 8 6 5 8 6 8 6 | 4 2 4 5 2 4 2 4: sum 80 over 16 points, mean exactly 5; the two
    // 5s sit on it. Moving ranges: 2 2 1 3 2 2 2, 2, 2 2 1 3 2 2 2 → AMR 30/15 = 2 (none ≥
    // 6.534); limits 5 ± 5.32, 2σ band 5 ± 3.5467 = 1.4533 and 8.5467: nothing is outside
    // or close, and the alternation makes no trend.
    let y = [
        6., 8., 6., 5., 8., 6., 8., 6., 4., 2., 4., 5., 2., 4., 2., 4.,
    ];
    let c = chart(&y, &[], &SpcOptions::default()).unwrap();
    assert_eq!(c.limits[0].mean, 5.0);
    assert_eq!(c.limits[0].amr, 2.0);
    assert!(c.outside.iter().chain(&c.close).all(|&x| !x));
    assert_eq!((c.relative[3], c.relative[11]), (0, 0));
    // on_mean = break (default): each side is a run of 3 and a run of 4: no shift.
    assert!(c.cause.iter().all(|&k| k == SpecialCause::CommonCause));
    // on_mean = skip: seven points above (and below), the points on the mean left out.
    let skip = SpcOptions {
        on_mean: Some(OnMean::Skip),
        ..SpcOptions::default()
    };
    let c = chart(&y, &[], &skip).unwrap();
    let mut expect = rep("7 Points Above CL", 8);
    expect.extend(rep("7 Points Below CL", 8));
    expect[3] = "Common Cause".into();
    expect[11] = "Common Cause".into();
    let got: Vec<String> = c.cause.iter().map(|k| k.label(7, 7)).collect();
    assert_eq!(got, expect);
    // With a shift length of 6 the unbroken tail runs (8 6 8 6 and its mirror) are still
    // short, so `break` still finds nothing; and the label follows the length.
    let six = SpcOptions {
        shift_length: Some(6),
        on_mean: Some(OnMean::Skip),
        ..SpcOptions::default()
    };
    let c = chart(&y, &[], &six).unwrap();
    assert_eq!(c.cause[0].label(6, 7), "6 Points Above CL");
}

#[test]
fn two_in_three_needs_all_three_on_one_side() {
    // Alternating 1, −1 with 7.5 at positions 13 and 15 (1-based). Sum 13 over 16: mean
    // 0.8125. Moving ranges: eleven of 2, then 8.5 × 4 → AMR 56/15 = 3.7333 (none ≥ 12.2);
    // UPL 0.8125 + 9.9307 = 10.7432, 2σ 0.8125 + 6.6204 = 7.4329. Both 7.5s are beyond 2σ
    // and above the mean, but the −1 between them is below it: no signal.
    let mut y: Vec<f64> = (0..16)
        .map(|k| if k % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    y[12] = 7.5;
    y[14] = 7.5;
    let c = chart(&y, &[], &SpcOptions::default()).unwrap();
    close(c.limits[0].mean, 0.8125, 1e-12, "mean");
    close(
        c.limits[0].upl_2sigma,
        0.8125 + 2.0 * 2.66 / 3.0 * 56.0 / 15.0,
        1e-12,
        "2σ",
    );
    assert!(c.close[12] && c.close[14] && !c.outside[12]);
    assert!(c.cause.iter().all(|&k| k == SpecialCause::CommonCause));
    // With the middle point at 1 (above the new mean 15/16 = 0.9375; AMR 52/15 = 3.4667, 2σ
    // at 7.0851) the window is all on one side: the two close points are flagged, the middle
    // one is not.
    y[13] = 1.0;
    let c = chart(&y, &[], &SpcOptions::default()).unwrap();
    close(c.limits[0].mean, 0.9375, 1e-12, "mean");
    assert_eq!(c.relative[13], 1);
    assert_eq!(c.cause[12], SpecialCause::TwoInThreeAbove);
    assert_eq!(c.cause[13], SpecialCause::CommonCause);
    assert_eq!(c.cause[14], SpecialCause::TwoInThreeAbove);
}

#[test]
fn a_point_exactly_on_a_limit() {
    // Limits from the first 12 points, ±50 alternating: mean 0, every moving range 100, so
    // UPL = 2.66·100 = 266 exactly in doubles. A later 266 is on the limit: not outside
    // (strict), but beyond 2σ (177.33); 267 is outside.
    let mut y: Vec<f64> = (0..12)
        .map(|k| if k % 2 == 0 { 50.0 } else { -50.0 })
        .collect();
    y.extend([266.0, 267.0, -266.0]);
    let opts = SpcOptions {
        fix_after_n_points: Some(12),
        ..SpcOptions::default()
    };
    let c = chart(&y, &[], &opts).unwrap();
    assert_eq!((c.limits[0].upl, c.limits[0].lpl), (266.0, -266.0));
    assert_eq!(c.limits[0].baseline, 12);
    assert!(!c.outside[12] && c.close[12]);
    assert!(c.outside[13]);
    assert!(!c.outside[14] && c.close[14]);
    assert_eq!(c.cause[12], SpecialCause::CommonCause);
    assert_eq!(c.cause[13], SpecialCause::AboveUcl);
    assert_eq!(c.cause[14], SpecialCause::CommonCause);
}

#[test]
fn one_point_segments() {
    // 14 monthly points rebased at the last: the second segment has one point, so null
    // limits, no special cause and the short-segment warning; so does a one-point series.
    let d = months((2024, 1), 14);
    let y: Vec<f64> = (0..14).map(|k| f64::from(k % 3)).collect();
    let mut dates = d.clone();
    let mut values = y.clone();
    let mut series = vec!["a"; 14];
    dates.push(d[0]);
    values.push(42.0);
    series.push("b");
    let opts = SpcOptions {
        by: vec!["series".into()],
        rebase: Rebase::Dates(vec![d[13]]),
        target: Target::Value(1.0),
        ..SpcOptions::default()
    };
    let input = table(&dates, &values, Some(&series));
    let (points, summary) = spc::xmr_and_summary(&input, &opts).unwrap();
    let p = points.table;
    for row in [13, 14] {
        assert_eq!(f64s(&p, "lpl")[row], None);
        assert_eq!(f64s(&p, "upl")[row], None);
        assert_eq!(f64s(&p, "upl_2sigma")[row], None);
        assert_eq!(labels(&p)[row], "Common Cause");
        assert!(bools(&p, "short_group_warning")[row]);
        assert!(!bools(&p, "outside_limits")[row]);
        assert_eq!(relative(&p)[row], 0);
    }
    assert_eq!(f64s(&p, "mean")[14], Some(42.0));
    assert_eq!(f64s(&p, "mean")[13], Some(1.0));
    // The first segment has 13 points: no warning (the threshold is 13).
    assert!(!bools(&p, "short_group_warning")[0]);
    let s = summary.table;
    assert_eq!(ints(&s, "n"), vec![13, 1, 1]);
    assert_eq!(strs(&s, "assurance"), vec![None, None, None]);
    assert_eq!(points.diagnostics.count("one_point_segment"), 2);
    assert_eq!(points.diagnostics.count("short_segment"), 2);
    // A rebase date the series "b" does not have is counted.
    assert_eq!(points.diagnostics.count("rebase_date_not_in_series"), 1);
    // Whatever the threshold, a one-point segment keeps the warning (spec, decision 2); with
    // thresholds 0, 1 and 2 it is the only segment flagged (13 points is not below 2).
    for warning_threshold in [0, 1, 2] {
        let low = SpcOptions {
            warning_threshold,
            ..opts.clone()
        };
        let (points, summary) = spc::xmr_and_summary(&input, &low).unwrap();
        let short = bools(&points.table, "short_group_warning");
        assert!(short[13] && short[14] && !short[0], "{warning_threshold}");
        assert_eq!(
            bools(&summary.table, "short_group_warning"),
            vec![false, true, true]
        );
        assert_eq!(points.diagnostics.count("short_segment"), 2);
    }
}

#[test]
fn flat_baseline_limits_sit_on_the_mean() {
    // NHSRplotthedots screens every moving range out of a flat baseline (each 0 ≥ 3.267·0)
    // and returns NaN limits; we keep them: the limits are the mean, and a later change is
    // outside.
    let mut y = vec![3.0; 12];
    y.push(4.0);
    let opts = SpcOptions {
        fix_after_n_points: Some(12),
        ..SpcOptions::default()
    };
    let c = chart(&y, &[], &opts).unwrap();
    assert_eq!((c.limits[0].lpl, c.limits[0].upl), (3.0, 3.0));
    assert_eq!(c.cause[12], SpecialCause::AboveUcl);
    assert!(c.cause[..12]
        .iter()
        .all(|&k| k == SpecialCause::CommonCause));
    let r = spc::xmr(&one_series(&y), &opts).unwrap();
    assert_eq!(r.diagnostics.count("flat_baseline"), 1);
    // Thirteen 5s then a 6: moving ranges twelve 0s and one 1, AMR0 = 1/13, and 1 ≥ 3.267/13,
    // so screening leaves only zeros. Not every moving range is 0, but the average the limits
    // use is, and the diagnostic says so.
    let mut y = vec![5.0; 13];
    y.push(6.0);
    let r = spc::xmr(&one_series(&y), &SpcOptions::default()).unwrap();
    assert_eq!(r.diagnostics.count("flat_baseline"), 1);
    assert_eq!(r.diagnostics.count("moving_range_screened"), 1);
    let flat = r
        .diagnostics
        .entries
        .iter()
        .find(|d| d.reason == "flat_baseline");
    let action = &flat.unwrap().action;
    assert!(
        action.contains("average moving range the limits use is 0"),
        "{action}"
    );
    assert!(action.contains("screening left only zeros"), "{action}");
}

#[test]
fn neutral_direction_and_variation_icons() {
    // issue167_up under each direction: the last point is above the UCL.
    let y: Vec<f64> = (0..8).map(f64::from).collect();
    let icon = |improvement| {
        let opts = SpcOptions {
            improvement,
            ..SpcOptions::default()
        };
        let s = spc::summary(&one_series(&y), &opts).unwrap().table;
        strs(&s, "variation")[0].clone().unwrap()
    };
    assert_eq!(icon(Improvement::Increase), "improvement_high");
    assert_eq!(icon(Improvement::Decrease), "concern_high");
    assert_eq!(icon(Improvement::Neutral), "neutral_high");
    let down: Vec<f64> = y.iter().map(|v| -v).collect();
    let opts = SpcOptions {
        improvement: Improvement::Neutral,
        ..SpcOptions::default()
    };
    let p = run(&one_series(&down), &opts);
    assert_eq!(types(&p)[0], "special_cause_neutral_high");
    assert_eq!(types(&p)[7], "special_cause_neutral_low");
    let s = spc::summary(&one_series(&down), &opts).unwrap().table;
    assert_eq!(strs(&s, "variation")[0].as_deref(), Some("neutral_low"));
    assert_eq!(ints(&s, "special_cause_neutral_low"), vec![7]);
    assert_eq!(ints(&s, "special_cause_neutral_high"), vec![1]);
    let opts = SpcOptions {
        improvement: Improvement::Increase,
        ..SpcOptions::default()
    };
    let s = spc::summary(&one_series(&down), &opts).unwrap().table;
    assert_eq!(strs(&s, "variation")[0].as_deref(), Some("concern_low"));
}

#[test]
fn per_series_rebase_and_targets() {
    // Two series of 24 months: "a" rebased at month 13 and given target 5, "b" neither.
    let d = months((2023, 1), 24);
    let mut dates = d.clone();
    dates.extend(&d);
    let values: Vec<f64> = (0..48).map(|k| f64::from(k % 4)).collect();
    let mut series = vec!["a"; 24];
    series.extend(vec!["b"; 24]);
    let opts = SpcOptions {
        by: vec!["series".into()],
        rebase: Rebase::PerSeries(vec![SeriesDates {
            series: vec![Some("a".into())],
            dates: vec![d[12]],
        }]),
        target: Target::PerSeries(vec![SeriesTarget {
            series: vec![Some("a".into())],
            target: 5.0,
        }]),
        ..SpcOptions::default()
    };
    let s = spc::summary(&table(&dates, &values, Some(&series)), &opts)
        .unwrap()
        .table;
    assert_eq!(
        strs(&s, "series"),
        ["a", "a", "b"].map(|x| Some(x.to_owned()))
    );
    assert_eq!(ints(&s, "n"), vec![12, 12, 24]);
    assert_eq!(f64s(&s, "target"), vec![Some(5.0), Some(5.0), None]);
    let starts: Vec<String> = s
        .column_by_name("start_date")
        .unwrap()
        .as_primitive::<Date32Type>()
        .values()
        .iter()
        .map(|&x| format_date(x))
        .collect();
    assert_eq!(starts, ["2023-01-01", "2024-01-01", "2023-01-01"]);
}

#[test]
fn series_come_out_sorted_and_dates_ascending() {
    // Rows in any order; series sorted by key, points by date.
    let d = months((2024, 1), 3);
    let dates = [d[2], d[0], d[1], d[1], d[0]];
    let values = [3.0, 1.0, 2.0, 20.0, 10.0];
    let series = ["z", "z", "z", "a", "a"];
    let opts = SpcOptions {
        by: vec!["series".into()],
        ..SpcOptions::default()
    };
    let p = run(&table(&dates, &values, Some(&series)), &opts);
    assert_eq!(
        strs(&p, "series"),
        ["a", "a", "z", "z", "z"].map(|x| Some(x.to_owned()))
    );
    assert_eq!(
        f64s(&p, "value"),
        vec![Some(10.0), Some(20.0), Some(1.0), Some(2.0), Some(3.0)]
    );
    assert_eq!(p.schema().field(0).name(), "series");
    let names: Vec<String> = p
        .schema()
        .fields()
        .iter()
        .skip(1)
        .map(|f| f.name().clone())
        .collect();
    let expect: Vec<&str> = spc::POINT_COLUMNS
        .iter()
        .copied()
        .filter(|&c| c != "trajectory")
        .collect();
    assert_eq!(names, expect);
}

#[test]
fn trajectory_is_carried_through() {
    let d = months((2024, 1), 3);
    let batch = RecordBatch::try_from_iter(vec![
        (
            "period",
            Arc::new(Date32Array::from(vec![d[1], d[0], d[2]])) as ArrayRef,
        ),
        ("beds", Arc::new(Float64Array::from(vec![2.0, 1.0, 3.0]))),
        (
            "plan",
            Arc::new(Float64Array::from(vec![Some(5.0), Some(4.0), None])),
        ),
    ])
    .unwrap();
    let map = ColumnMap::new()
        .with("date", "period")
        .with("value", "beds");
    let input = Input::new(batch.schema(), &[batch], map).unwrap();
    let opts = SpcOptions {
        trajectory: Some("plan".into()),
        ..SpcOptions::default()
    };
    let p = run(&input, &opts);
    assert_eq!(f64s(&p, "value"), vec![Some(1.0), Some(2.0), Some(3.0)]);
    assert_eq!(f64s(&p, "trajectory"), vec![Some(4.0), Some(5.0), None]);
}

// ---------------------------------------------------------------------------------------------
// Bad input: each a structured error naming the column (or option), row and rule

#[test]
fn missing_value_names_the_row() {
    let d = months((2024, 1), 3);
    let batch = RecordBatch::try_from_iter(vec![
        ("date", Arc::new(Date32Array::from(d.clone())) as ArrayRef),
        (
            "value",
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(2.0)])),
        ),
    ])
    .unwrap();
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
    let e = spc::xmr(&input, &SpcOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCell);
    assert_eq!((e.column(), e.row()), (Some("value"), Some(1)));
    let e = spc::xmr(
        &table(&d, &[1.0, 2.0, f64::NAN], None),
        &SpcOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        (e.column(), e.row(), e.value()),
        (Some("value"), Some(2), Some("NaN"))
    );
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn duplicate_date_within_a_series_names_the_row() {
    let d = months((2024, 1), 3);
    // The same date in two series is fine; twice in one series is not.
    let ok = table(&[d[0], d[0]], &[1.0, 2.0], Some(&["a", "b"]));
    let opts = SpcOptions {
        by: vec!["series".into()],
        ..SpcOptions::default()
    };
    assert!(spc::xmr(&ok, &opts).is_ok());
    let bad = table(
        &[d[0], d[1], d[2], d[1]],
        &[1.0, 2.0, 3.0, 4.0],
        Some(&["a", "a", "b", "a"]),
    );
    let e = spc::xmr(&bad, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCell);
    assert_eq!((e.column(), e.row()), (Some("date"), Some(3)));
    assert_eq!(e.value(), Some("2024-02-01"));
    assert!(e.to_string().contains("series=a"), "{e}");
}

#[test]
fn unknown_direction_and_preset_are_named() {
    let e = "sideways".parse::<Improvement>().unwrap_err();
    assert_eq!(
        (e.kind(), e.argument()),
        (ErrorKind::InvalidArgument, Some("improvement"))
    );
    assert!(e
        .to_string()
        .contains("\"increase\", \"decrease\", \"neutral\""));
    let e = "mdc".parse::<RuleSet>().unwrap_err();
    assert_eq!(e.argument(), Some("rules"));
    assert!(
        e.to_string().contains("\"nhsrplotthedots\", \"mdc_2023\""),
        "{e}"
    );
    assert_eq!("skip".parse::<Ties>().unwrap(), Ties::Skip);
    assert_eq!("skip".parse::<OnMean>().unwrap(), OnMean::Skip);
    // Through serde too: one name table.
    let e = serde_json::from_str::<SpcOptions>(r#"{"improvement": "up"}"#).unwrap_err();
    assert!(e
        .to_string()
        .contains("unknown improvement direction \"up\""));
}

#[test]
fn limits_beyond_the_largest_double_are_refused() {
    // Alternating ±1e308: every moving range is 2e308, so the limits 0 ± 2.66 × 2e308 are
    // beyond the largest double. An error naming the limit, not null limits and no signals.
    let y = [1e308, -1e308].repeat(7);
    for e in [
        spc::xmr(&one_series(&y), &SpcOptions::default()).unwrap_err(),
        spc::summary(&one_series(&y), &SpcOptions::default()).unwrap_err(),
        chart(&y, &[], &SpcOptions::default()).unwrap_err(),
    ] {
        assert_eq!(
            (e.kind(), e.argument()),
            (ErrorKind::LimitExceeded, Some("lpl"))
        );
        assert!(e.to_string().contains("beyond the largest double"), "{e}");
    }
    // 0 and 1.5e308 seven times: the mean, 7.5e307, is a double (its sum is not); the limits,
    // 7.5e307 ± 2.66 × 1.5e308, are not, and are named as such.
    let y = [0.0, 1.5e308].repeat(7);
    let e = spc::xmr(&one_series(&y), &SpcOptions::default()).unwrap_err();
    assert_eq!(e.argument(), Some("lpl"));
    assert!(e.to_string().contains("-inf"), "{e}");
    // Three times 1.5e308: mean 1.5e308, limits on it.
    let t = run(&one_series(&[1.5e308; 3]), &SpcOptions::default());
    assert_eq!(f64s(&t, "mean"), vec![Some(1.5e308); 3]);
    assert_eq!(f64s(&t, "upl"), vec![Some(1.5e308); 3]);
}

#[test]
fn fix_after_fewer_than_twelve_points_is_refused() {
    let opts = SpcOptions {
        fix_after_n_points: Some(11),
        ..SpcOptions::default()
    };
    let e = spc::xmr(&one_series(&[1.0, 2.0]), &opts).unwrap_err();
    assert_eq!(
        (e.kind(), e.argument()),
        (ErrorKind::InvalidArgument, Some("fix_after_n_points"))
    );
    let ok = SpcOptions {
        fix_after_n_points: Some(12),
        ..SpcOptions::default()
    };
    assert!(spc::xmr(&one_series(&[1.0, 2.0]), &ok).is_ok());
    let short = SpcOptions {
        trend_length: Some(5),
        ..SpcOptions::default()
    };
    let e = spc::xmr(&one_series(&[1.0]), &short).unwrap_err();
    assert_eq!(e.argument(), Some("trend_length"));
}

#[test]
fn maps_naming_absent_series_are_refused() {
    let d = months((2024, 1), 2);
    let input = table(&[d[0], d[1]], &[1.0, 2.0], Some(&["a", "a"]));
    let by = vec!["series".to_owned()];
    let rebase = SpcOptions {
        by: by.clone(),
        rebase: Rebase::PerSeries(vec![
            SeriesDates {
                series: vec![Some("a".into())],
                dates: vec![d[1]],
            },
            SeriesDates {
                series: vec![Some("nowhere".into())],
                dates: vec![d[1]],
            },
        ]),
        ..SpcOptions::default()
    };
    let e = spc::xmr(&input, &rebase).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidValue);
    assert_eq!(
        (e.argument(), e.row(), e.value()),
        (Some("rebase"), Some(1), Some("nowhere"))
    );
    let target = SpcOptions {
        by: by.clone(),
        target: Target::PerSeries(vec![SeriesTarget {
            series: vec![Some("b".into())],
            target: 1.0,
        }]),
        ..SpcOptions::default()
    };
    let e = spc::summary(&input, &target).unwrap_err();
    assert_eq!(
        (e.argument(), e.row(), e.value()),
        (Some("target"), Some(0), Some("b"))
    );
    // A map without `by` columns, and a key of the wrong width.
    let no_by = SpcOptions {
        by: Vec::new(),
        ..target.clone()
    };
    let e = spc::xmr(&input, &no_by).unwrap_err();
    assert_eq!(
        (e.kind(), e.argument()),
        (ErrorKind::InvalidArgument, Some("target"))
    );
    let wide = SpcOptions {
        target: Target::PerSeries(vec![SeriesTarget {
            series: vec![Some("a".into()), Some("x".into())],
            target: 1.0,
        }]),
        ..target
    };
    let e = spc::xmr(&input, &wide).unwrap_err();
    assert_eq!((e.argument(), e.value()), (Some("target"), Some("(a, x)")));
    let twice = SpcOptions {
        by,
        target: Target::PerSeries(vec![
            SeriesTarget {
                series: vec![Some("a".into())],
                target: 1.0,
            },
            SeriesTarget {
                series: vec![Some("a".into())],
                target: 2.0,
            },
        ]),
        ..SpcOptions::default()
    };
    let e = spc::xmr(&input, &twice).unwrap_err();
    assert_eq!((e.argument(), e.row()), (Some("target"), Some(1)));
}

#[test]
fn wrong_columns_are_named() {
    let batch = RecordBatch::try_from_iter(vec![
        ("date", Arc::new(Date32Array::from(vec![1, 2])) as ArrayRef),
        ("value", Arc::new(StringArray::from(vec!["1", "2"]))),
    ])
    .unwrap();
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
    let e = spc::xmr(&input, &SpcOptions::default()).unwrap_err();
    assert_eq!(
        (e.kind(), e.column()),
        (ErrorKind::ColumnType, Some("value"))
    );
    let opts = SpcOptions {
        by: vec!["place".into()],
        ..SpcOptions::default()
    };
    let e = spc::xmr(&one_series(&[1.0]), &opts).unwrap_err();
    assert_eq!(
        (e.kind(), e.column()),
        (ErrorKind::MissingColumn, Some("place"))
    );
    // A `by` column named like a result column.
    let batch = RecordBatch::try_from_iter(vec![
        ("date", Arc::new(Date32Array::from(vec![1, 2])) as ArrayRef),
        ("value", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
        ("mean", Arc::new(StringArray::from(vec!["a", "a"]))),
    ])
    .unwrap();
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
    let opts = SpcOptions {
        by: vec!["mean".into()],
        ..SpcOptions::default()
    };
    let e = spc::xmr(&input, &opts).unwrap_err();
    assert_eq!(e.argument(), Some("by"));
}

// ---------------------------------------------------------------------------------------------
// Properties

fn options_strategy() -> impl Strategy<Value = SpcOptions> {
    (
        prop_oneof![
            Just(Improvement::Increase),
            Just(Improvement::Decrease),
            Just(Improvement::Neutral)
        ],
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(None), Just(Some(12u32))],
        prop_oneof![Just(Ties::Break), Just(Ties::Skip)],
        prop_oneof![Just(OnMean::Break), Just(OnMean::Skip)],
    )
        .prop_map(
            |(improvement, screen, mdc, fix, ties, on_mean)| SpcOptions {
                improvement,
                screen_outliers: Some(screen),
                two_in_three_includes_outside: Some(mdc),
                fix_after_n_points: fix,
                ties: Some(ties),
                on_mean: Some(on_mean),
                target: Target::Value(5.0),
                ..SpcOptions::default()
            },
        )
}

/// Values on a coarse grid, so ties, points on the mean and flat stretches happen.
fn values_strategy(max: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((0i32..12).prop_map(|v| f64::from(v) / 2.0), 1..max)
}

fn same(a: &TableResult, b: &TableResult) {
    assert_eq!(a.table, b.table);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn rebasing_at_the_first_date_changes_nothing(y in values_strategy(40), opts in options_strategy()) {
        let input = one_series(&y);
        let plain = spc::xmr(&input, &opts).unwrap();
        let first = months((2023, 4), 1)[0];
        let rebased = SpcOptions { rebase: Rebase::Dates(vec![first]), ..opts.clone() };
        same(&plain, &spc::xmr(&input, &rebased).unwrap());
        prop_assert_eq!(plain.diagnostics, spc::xmr(&input, &rebased).unwrap().diagnostics);
        let s = spc::summary(&input, &opts).unwrap();
        same(&s, &spc::summary(&input, &rebased).unwrap());
    }

    #[test]
    fn reordering_rows_changes_nothing(
        a in values_strategy(30),
        b in values_strategy(30),
        opts in options_strategy(),
        seed in any::<u64>(),
    ) {
        let mut dates = months((2022, 1), a.len());
        dates.extend(months((2022, 6), b.len()));
        let mut values = a.clone();
        values.extend(&b);
        let mut series = vec!["a"; a.len()];
        series.extend(vec!["b"; b.len()]);
        let opts = SpcOptions { by: vec!["series".into()], ..opts };
        let before = spc::xmr_and_summary(&table(&dates, &values, Some(&series)), &opts).unwrap();
        // A seeded Fisher–Yates shuffle of the rows.
        let mut order: Vec<usize> = (0..values.len()).collect();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let d2: Vec<i32> = order.iter().map(|&i| dates[i]).collect();
        let s2: Vec<&str> = order.iter().map(|&i| series[i]).collect();
        let after = spc::xmr_and_summary(&table(&d2, &pick(&values), Some(&s2)), &opts).unwrap();
        same(&before.0, &after.0);
        same(&before.1, &after.1);
    }

    #[test]
    fn limits_are_symmetric_around_the_mean(y in values_strategy(40), opts in options_strategy()) {
        let s = spc::summary(&one_series(&y), &opts).unwrap().table;
        let (m, l, u) = (f64s(&s, "mean"), f64s(&s, "lpl"), f64s(&s, "upl"));
        let (l2, u2) = (f64s(&s, "lpl_2sigma"), f64s(&s, "upl_2sigma"));
        for k in 0..s.num_rows() {
            let m = m[k].unwrap();
            match (l[k], u[k], l2[k], u2[k]) {
                (Some(l), Some(u), Some(l2), Some(u2)) => {
                    prop_assert!(((u - m) - (m - l)).abs() <= 1e-9 * (1.0 + m.abs()));
                    prop_assert!(((u2 - m) - (m - l2)).abs() <= 1e-9 * (1.0 + m.abs()));
                    prop_assert!(l <= l2 && l2 <= m && m <= u2 && u2 <= u);
                }
                (None, None, None, None) => prop_assert_eq!(ints(&s, "n")[k], 1),
                other => prop_assert!(false, "partly null limits {:?}", other),
            }
        }
        // Every flag agrees with its label.
        let p = run(&one_series(&y), &opts);
        for (f, t) in bools(&p, "special_cause_flag").iter().zip(labels(&p)) {
            prop_assert_eq!(*f, t != "Common Cause");
        }
    }
}
