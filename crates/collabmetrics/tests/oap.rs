//! OAP measures on hand-worked fixtures: every counting edge of `docs/methods/oap.md`.
//!
//! The fixture (Jan–Mar 2024; 2024 is a leap year):
//!
//! | id | person | start | end | bed | reason | place | note |
//! |---|---|---|---|---|---|---|---|
//! | 1 | A | 20 Jan | 10 Mar | 10 | 10 | X | spans three months; 50 nights |
//! | 2 | B | 1 Feb | 29 Feb | 11 | 10 | X | first to last day of the month; 28 nights |
//! | 3 | C | 5 Feb | 5 Feb | 12 | 10 | Y | same day: 0 nights |
//! | 4 | D | 25 Mar | open | 10 | 10 | Y | open at the cut-off (28 Mar) |
//! | 5 | A | 1 Mar | 20 Mar | 10 | 10 | X | overlaps placement 1 (transfer) |
//! | 6 | E | 2 Jan | 9 Jan | 10 | 14 | X | patient choice: appropriate |
//! | 7 | F | 3 Jan | 9 Jan | 13 | 10 | X | bed type outside the default scope |
//! | 8 | G | 4 Jan | 9 Jan | 10 | 77 | Y | unknown reason code |
//!
//! Nights by month (admission day counts, discharge day does not):
//! 1: Jan 20–31 = 12, Feb 29, Mar 1–9 = 9. 2: Feb 1–28 = 28. 3: 0. 4: Mar 25–28 = 4 (runs
//! through the cut-off). 5: Mar 1–19 = 19.

use arrow_array::{
    cast::AsArray,
    types::{Date32Type, Float64Type, Int64Type},
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray,
};
use collabmetrics::oap::{self, OapOptions, OverlapRule, Window};
use collabmetrics::table::{days_from_civil as d, ColumnMap, Input, TableResult};
use std::sync::Arc;

fn placements() -> RecordBatch {
    let ids = vec![1i64, 2, 3, 4, 5, 6, 7, 8];
    let person = vec!["A", "B", "C", "D", "A", "E", "F", "G"];
    let start = vec![
        "2024-01-20",
        "2024-02-01",
        "2024-02-05",
        "2024-03-25",
        "2024-03-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ];
    let end = vec![
        Some("2024-03-10"),
        Some("2024-02-29"),
        Some("2024-02-05"),
        None,
        Some("2024-03-20"),
        Some("2024-01-09"),
        Some("2024-01-09"),
        Some("2024-01-09"),
    ];
    let bed = vec![10i64, 11, 12, 10, 10, 10, 13, 10];
    let reason = vec!["10", "10", "10", "10", "10", "14", "10", "77"];
    let place = vec!["X", "X", "Y", "Y", "X", "X", "X", "Y"];
    RecordBatch::try_from_iter(vec![
        ("placement_id", Arc::new(Int64Array::from(ids)) as ArrayRef),
        ("person_id", Arc::new(StringArray::from(person))),
        ("start_date", Arc::new(StringArray::from(start))),
        ("end_date", Arc::new(StringArray::from(end))),
        ("bed_type", Arc::new(Int64Array::from(bed))),
        ("reason", Arc::new(StringArray::from(reason))),
        ("place", Arc::new(StringArray::from(place))),
    ])
    .unwrap()
}

fn input(b: RecordBatch) -> Input {
    Input::new(b.schema(), &[b], ColumnMap::new()).unwrap()
}

fn options(window: Window) -> OapOptions {
    let mut o = OapOptions::new(d(2024, 1, 1), d(2024, 3, 31));
    o.window = window;
    o.data_cutoff = Some(d(2024, 3, 28));
    o
}

fn run(opts: &OapOptions) -> TableResult {
    oap::measures(&input(placements()), opts, None, None).unwrap()
}

fn ints(r: &TableResult, name: &str) -> Vec<i64> {
    r.table
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Int64Type>()
        .values()
        .to_vec()
}

fn floats(r: &TableResult, name: &str) -> Vec<Option<f64>> {
    r.table
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

#[test]
fn monthly_counts_by_hand() {
    let r = run(&options(Window::Month));
    assert_eq!(r.table.num_rows(), 3);
    let starts: Vec<i32> = r
        .table
        .column_by_name("period_start")
        .unwrap()
        .as_primitive::<Date32Type>()
        .values()
        .to_vec();
    assert_eq!(starts, [d(2024, 1, 1), d(2024, 2, 1), d(2024, 3, 1)]);
    assert_eq!(ints(&r, "started"), [1, 2, 2]);
    assert_eq!(ints(&r, "ended"), [0, 2, 2]);
    assert_eq!(ints(&r, "active_at_end"), [1, 1, 1]);
    assert_eq!(ints(&r, "bed_days"), [12, 29 + 28, 9 + 19 + 4]);
    assert_eq!(ints(&r, "same_day"), [0, 1, 0]);
    assert_eq!(ints(&r, "los_0"), [0, 1, 0]);
    assert_eq!(
        ints(&r, "los_15_30"),
        [0, 1, 1],
        "28 nights in Feb; 19 nights in Mar"
    );
    assert_eq!(ints(&r, "los_31_plus"), [0, 0, 1], "placement 1: 50 nights");
}

#[test]
fn rolling_windows_sum_months_and_take_the_last_stock() {
    let q = run(&options(Window::Rolling3m));
    assert_eq!(ints(&q, "bed_days"), [12, 12 + 57, 12 + 57 + 32]);
    assert_eq!(ints(&q, "started"), [1, 3, 5]);
    assert_eq!(ints(&q, "active_at_end"), [1, 1, 1]);
    let starts: Vec<i32> = q
        .table
        .column_by_name("period_start")
        .unwrap()
        .as_primitive::<Date32Type>()
        .values()
        .to_vec();
    assert_eq!(starts[2], d(2024, 1, 1));
    assert_eq!(starts[0], d(2023, 11, 1));
    let y = run(&options(Window::Rolling12m));
    assert_eq!(ints(&y, "bed_days")[2], 101);
}

#[test]
fn diagnostics_count_every_exclusion() {
    let r = run(&options(Window::Month));
    let dg = &r.diagnostics;
    assert_eq!(dg.count("appropriate_reason"), 1);
    assert_eq!(dg.count("bed_type_out_of_scope"), 1);
    assert_eq!(dg.count("unknown_reason_code"), 1);
    assert_eq!(dg.count("overlapping_placements"), 1);
    assert_eq!(dg.count("open_placement"), 1);
    let first = dg
        .entries
        .iter()
        .find(|e| e.reason == "bed_type_out_of_scope")
        .unwrap();
    assert_eq!(first.first_row, Some(6));
}

#[test]
fn all_placements_on_request_include_appropriate_and_unknown_reasons() {
    let mut o = options(Window::Month);
    o.inappropriate_only = false;
    let r = run(&o);
    // Placements 6 and 8 (Jan 2–9 and Jan 4–9): 7 + 5 nights more in January.
    assert_eq!(ints(&r, "started")[0], 3);
    assert_eq!(ints(&r, "bed_days")[0], 12 + 7 + 5);
    o.bed_types = None;
    assert_eq!(
        ints(&run(&o), "started")[0],
        4,
        "placement 7's bed type now in scope"
    );
}

#[test]
fn overlap_truncate_ends_the_earlier_placement() {
    let mut o = options(Window::Month);
    o.overlap = OverlapRule::Truncate;
    let r = run(&o);
    // Placement 1 now ends on 1 March: 29 nights in Feb, none in March; 41 nights in all.
    assert_eq!(ints(&r, "bed_days"), [12, 57, 19 + 4]);
    assert_eq!(ints(&r, "active_at_end"), [1, 1, 1]);
    assert_eq!(ints(&r, "los_31_plus")[2], 1);
}

#[test]
fn without_a_cutoff_open_placements_run_to_the_period_end() {
    let mut o = options(Window::Month);
    o.data_cutoff = None;
    assert_eq!(
        ints(&run(&o), "bed_days")[2],
        9 + 19 + 7,
        "25–31 March: 7 nights"
    );
}

#[test]
fn breakdown_by_place_with_rates() {
    let mut o = options(Window::Month);
    o.by = vec!["place".into()];
    let pop = RecordBatch::try_from_iter(vec![
        (
            "place",
            Arc::new(StringArray::from(vec!["Y", "X"])) as ArrayRef,
        ),
        (
            "population",
            Arc::new(Float64Array::from(vec![50_000.0, 100_000.0])),
        ),
    ])
    .unwrap();
    let r = oap::measures(&input(placements()), &o, Some(&input(pop)), None).unwrap();
    // Rows: Jan X, Jan Y, Feb X, Feb Y, Mar X, Mar Y.
    assert_eq!(ints(&r, "started"), [1, 0, 1, 1, 1, 1]);
    assert_eq!(ints(&r, "bed_days"), [12, 0, 57, 0, 28, 4]);
    let rate = floats(&r, "rate_started");
    assert_eq!(rate[2], Some(10.0), "1 per 100 000 = 10 per million");
    // Exact Poisson upper limit of 1 event at 95% (PHE): 5.571643390938898, × 1e6 / 1e5.
    let upper = floats(&r, "rate_started_upper")[2].unwrap();
    assert!((upper - 55.716_433_909_388_98).abs() < 1e-9, "{upper}");
    assert_eq!(floats(&r, "rate_started")[1], Some(0.0));
    // One definition per number: the OAP rates are `stats::rate` of the same counts.
    let counts: Vec<f64> = ints(&r, "started").iter().map(|&c| c as f64).collect();
    let pops: Vec<f64> = [1e5, 5e4, 1e5, 5e4, 1e5, 5e4].to_vec();
    let ropts = collabmetrics::stats::RateOptions {
        multiplier: 1e6,
        ..Default::default()
    };
    let e = collabmetrics::stats::rate(&counts, &pops, &ropts).unwrap();
    for (i, (got, lower)) in rate
        .iter()
        .zip(floats(&r, "rate_started_lower"))
        .enumerate()
    {
        assert_eq!(got.unwrap().to_bits(), e.value[i].to_bits());
        assert_eq!(lower.unwrap().to_bits(), e.lower[i].to_bits());
    }
}

#[test]
fn proportions_of_all_admissions() {
    let mut o = options(Window::Month);
    o.by = vec!["place".into()];
    // All admissions: the five in-scope inappropriate placements plus 15 local admissions in
    // February to place X.
    let mut start = vec![
        "2024-01-20",
        "2024-02-01",
        "2024-02-05",
        "2024-03-25",
        "2024-03-01",
    ];
    let mut end = vec![
        Some("2024-03-10"),
        Some("2024-02-29"),
        Some("2024-02-05"),
        None,
        Some("2024-03-20"),
    ];
    let mut place = vec!["X", "X", "Y", "Y", "X"];
    for _ in 0..15 {
        start.push("2024-02-10");
        end.push(Some("2024-02-12"));
        place.push("X");
    }
    let adm = RecordBatch::try_from_iter(vec![
        ("start_date", Arc::new(StringArray::from(start)) as ArrayRef),
        ("end_date", Arc::new(StringArray::from(end))),
        ("place", Arc::new(StringArray::from(place))),
    ])
    .unwrap();
    let r = oap::measures(&input(placements()), &o, None, Some(&input(adm))).unwrap();
    assert_eq!(ints(&r, "admissions_started"), [1, 0, 16, 1, 1, 1]);
    // Feb, X: 1 of 16 admissions. Wilson: (2 + z² − z√(z² + 4·(15/16))) / (2·(16 + z²)).
    let z: f64 = 1.959_963_984_540_054;
    let lower = (2.0 + z * z - z * (z * z + 4.0 * 15.0 / 16.0).sqrt()) / (2.0 * (16.0 + z * z));
    let p = floats(&r, "proportion_started");
    assert_eq!(p[2], Some(100.0 / 16.0));
    assert!((floats(&r, "proportion_started_lower")[2].unwrap() - 100.0 * lower).abs() < 1e-12);
    assert_eq!(p[1], None, "no admissions to Y in January: null, counted");
    assert!(r.diagnostics.count("no_admissions_started") >= 1);
    // Bed days, Feb X: OAP 57 of 57 + 15·2 = 87.
    assert_eq!(
        floats(&r, "proportion_bed_days")[2],
        Some(57.0 / 87.0 * 100.0)
    );
    // One definition per number: each OAP share is bit for bit what `stats::proportion` gives
    // for the same counts (O / n × 100, never 100 · O / n).
    let (o, n) = (ints(&r, "started"), ints(&r, "admissions_started"));
    let rows: Vec<usize> = (0..o.len()).filter(|&i| n[i] > 0).collect();
    let num: Vec<f64> = rows.iter().map(|&i| o[i] as f64).collect();
    let den: Vec<f64> = rows.iter().map(|&i| n[i] as f64).collect();
    let popts = collabmetrics::stats::ProportionOptions {
        multiplier: 100.0,
        ..Default::default()
    };
    let e = collabmetrics::stats::proportion(&num, &den, &popts).unwrap();
    for (k, &i) in rows.iter().enumerate() {
        assert_eq!(p[i].unwrap().to_bits(), e.value[k].to_bits());
        let lower = floats(&r, "proportion_started_lower")[i].unwrap();
        let upper = floats(&r, "proportion_started_upper")[i].unwrap();
        assert_eq!(lower.to_bits(), e.lower[k].to_bits());
        assert_eq!(upper.to_bits(), e.upper[k].to_bits());
    }
}

#[test]
fn mhsds_names_through_a_column_map() {
    let b = placements();
    let renamed = RecordBatch::try_new(
        Arc::new(arrow_schema::Schema::new(
            b.schema()
                .fields()
                .iter()
                .map(|f| {
                    let name = match f.name().as_str() {
                        "start_date" => "StartDateHospProvSpell",
                        "end_date" => "DischDateHospProvSpell",
                        n => n,
                    };
                    f.as_ref().clone().with_name(name)
                })
                .collect::<Vec<_>>(),
        )),
        b.columns().to_vec(),
    )
    .unwrap();
    let map = ColumnMap::new()
        .with("start_date", "StartDateHospProvSpell")
        .with("end_date", "DischDateHospProvSpell");
    let inp = Input::new(renamed.schema(), &[renamed], map).unwrap();
    let r = oap::measures(&inp, &options(Window::Month), None, None).unwrap();
    assert_eq!(ints(&r, "bed_days"), [12, 57, 32]);
}

/// The fixture with column `name` replaced, month by month.
fn run_with(name: &str, values: ArrayRef) -> TableResult {
    oap::measures(
        &input(with_column(name, values)),
        &options(Window::Month),
        None,
        None,
    )
    .unwrap()
}

fn with_column(name: &str, values: ArrayRef) -> RecordBatch {
    let b = placements();
    let i = b.schema().index_of(name).unwrap();
    let mut cols = b.columns().to_vec();
    cols[i] = values;
    let mut fields: Vec<arrow_schema::Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[i] = arrow_schema::Field::new(name, cols[i].data_type().clone(), true);
    RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols).unwrap()
}

#[test]
fn bad_input_is_named() {
    let o = options(Window::Month);
    let err = |b: RecordBatch| {
        oap::measures(&input(b), &o, None, None)
            .unwrap_err()
            .to_string()
    };
    let e = err(with_column(
        "end_date",
        Arc::new(StringArray::from(vec![
            Some("2024-01-19"),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ])),
    ));
    assert_eq!(e, "invalid value in column `end_date` at row 0 (2024-01-19): end date before the start date 2024-01-20");
    let e = err(with_column(
        "placement_id",
        Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5, 6, 7, 3])),
    ));
    assert_eq!(e, "invalid value in column `placement_id` at row 7 (3): duplicate identifier (first at row 2)");
    let e = err(with_column(
        "start_date",
        Arc::new(StringArray::from(vec![
            "2024-01-20",
            "20/02/2024",
            "x",
            "x",
            "x",
            "x",
            "x",
            "x",
        ])),
    ));
    assert!(
        e.starts_with(
            "invalid value in column `start_date` at row 1 (\"20/02/2024\"): not an ISO 8601 date"
        ),
        "{e}"
    );
    let e = err(with_column(
        "start_date",
        Arc::new(Float64Array::from(vec![1.0; 8])),
    ));
    assert!(
        e.starts_with("column `start_date` has type double; expected a date"),
        "{e}"
    );
    let b = placements();
    let e = err(b.project(&[0, 1, 2, 3, 4, 6]).unwrap());
    assert!(e.starts_with("missing column `reason`"), "{e}");
    let mut bad = options(Window::Month);
    bad.end = Some(d(2023, 12, 1));
    let e = oap::measures(&input(placements()), &bad, None, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the reporting end 2023-12-01 is in a month before the start 2024-01-01"),
        "{e}"
    );
}

#[test]
fn dates_as_date32_and_timestamps_agree_with_strings() {
    let days: Vec<i32> = [
        "2024-01-20",
        "2024-02-01",
        "2024-02-05",
        "2024-03-25",
        "2024-03-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ]
    .iter()
    .map(|s| collabmetrics::table::parse_date(s).unwrap())
    .collect();
    let b = with_column(
        "start_date",
        Arc::new(arrow_array::Date32Array::from(days.clone())),
    );
    let r = oap::measures(&input(b), &options(Window::Month), None, None).unwrap();
    assert_eq!(ints(&r, "bed_days"), [12, 57, 32]);
    let ts: Vec<i64> = days
        .iter()
        .map(|&d| i64::from(d) * 86_400_000 + 13 * 3_600_000)
        .collect();
    let b = with_column(
        "start_date",
        Arc::new(arrow_array::TimestampMillisecondArray::from(ts)),
    );
    let r = oap::measures(&input(b), &options(Window::Month), None, None).unwrap();
    assert_eq!(
        ints(&r, "bed_days"),
        [12, 57, 32],
        "timestamps are truncated to the date"
    );
}

#[test]
fn errors_in_the_other_tables_name_the_table() {
    let mut o = options(Window::Month);
    o.by = vec!["place".into()];
    let adm = RecordBatch::try_from_iter(vec![
        (
            "start_date",
            Arc::new(StringArray::from(vec!["2024-02-01", "2024-02-05"])) as ArrayRef,
        ),
        (
            "end_date",
            Arc::new(StringArray::from(vec![
                Some("2024-02-03"),
                Some("2024-02-04"),
            ])),
        ),
        ("place", Arc::new(StringArray::from(vec!["X", "Y"]))),
    ])
    .unwrap();
    let e = oap::measures(&input(placements()), &o, None, Some(&input(adm.clone()))).unwrap_err();
    assert_eq!(e.to_string(), "invalid value in column `admissions.end_date` at row 1 (2024-02-04): end date before the start date 2024-02-05");
    let e = oap::measures(
        &input(placements()),
        &o,
        None,
        Some(&input(adm.project(&[0, 1]).unwrap())),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("missing column `admissions.place`"),
        "{e}"
    );
    let pop = RecordBatch::try_from_iter(vec![
        (
            "place",
            Arc::new(StringArray::from(vec!["X", "X"])) as ArrayRef,
        ),
        ("population", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
    ])
    .unwrap();
    let e = oap::measures(&input(placements()), &o, Some(&input(pop)), None).unwrap_err();
    assert!(
        e.to_string().contains("column `population.place` at row 1"),
        "{e}"
    );
}

#[test]
fn distance_summaries_of_placements_started_in_each_period() {
    // Distances: 1 → 30 km (Jan), 2 → 60 and 3 → 10 (Feb), 4 → 120 (Mar), 5 → missing (Mar).
    let km = Float64Array::from(vec![
        Some(30.0),
        Some(60.0),
        Some(10.0),
        Some(120.0),
        None,
        Some(1.0),
        Some(1.0),
        Some(1.0),
    ]);
    let b = adding_column(&placements(), "distance_km", Arc::new(km));
    let mut o = options(Window::Month);
    o.distance = Some("distance_km".into());
    let r = oap::measures(&input(b.clone()), &o, None, None).unwrap();
    let f = |name: &str| {
        floats(&r, name)
            .into_iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect::<Vec<f64>>()
    };
    assert_eq!(f("distance_count"), [1.0, 2.0, 1.0]);
    assert_eq!(f("distance_median")[1], 35.0, "the mean of the middle two");
    assert_eq!(
        f("distance_share_beyond"),
        [0.0, 0.5, 1.0],
        "at or beyond 50 km"
    );
    assert_eq!(f("distance_band_lt_25"), [0.0, 1.0, 0.0]);
    assert_eq!(f("distance_band_100_200"), [0.0, 0.0, 1.0]);
    assert_eq!(r.diagnostics.count("missing_distance"), 1);
    o.window = Window::Rolling3m;
    let q = oap::measures(&input(b), &o, None, None).unwrap();
    let count: Vec<Option<f64>> = floats(&q, "distance_count");
    assert_eq!(count, [Some(1.0), Some(3.0), Some(4.0)]);
    assert_eq!(
        floats(&q, "distance_median")[2],
        Some(45.0),
        "30, 60, 10, 120: (30 + 60) / 2"
    );
}

#[test]
fn a_missing_bed_type_is_kept_and_counted() {
    // Rows 2 and 5 (0-based) lose their bed type: both stay in scope (their placements count
    // as before) and the diagnostics say so, with the first such row.
    let bed: ArrayRef = Arc::new(Int64Array::from(vec![
        Some(10i64),
        Some(11),
        None,
        Some(10),
        Some(10),
        None,
        Some(13),
        Some(10),
    ]));
    let b = with_column("bed_type", bed);
    let with_missing = oap::measures(&input(b), &options(Window::Month), None, None).unwrap();
    let before = run(&options(Window::Month));
    assert_eq!(with_missing.diagnostics.count("bed_type_missing"), 2);
    let entry = with_missing
        .diagnostics
        .entries
        .iter()
        .find(|e| e.reason == "bed_type_missing")
        .unwrap();
    assert_eq!(entry.first_row, Some(2));
    assert_eq!(before.diagnostics.count("bed_type_missing"), 0);
    // Row 2 had bed type 12 (in scope) and row 5 bed type 10: nothing else changes.
    assert_eq!(ints(&with_missing, "started"), ints(&before, "started"));
    assert_eq!(ints(&with_missing, "bed_days"), ints(&before, "bed_days"));
}

/// A placements table of `(person, start, end, reason)` rows (ids 1.., bed type 10).
fn small(rows: &[(Option<&str>, &str, Option<&str>, &str)]) -> Input {
    let n = rows.len() as i64;
    input(
        RecordBatch::try_from_iter(vec![
            (
                "placement_id",
                Arc::new(Int64Array::from((1..=n).collect::<Vec<_>>())) as ArrayRef,
            ),
            (
                "person_id",
                Arc::new(StringArray::from(
                    rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                )),
            ),
            (
                "start_date",
                Arc::new(StringArray::from(
                    rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                )),
            ),
            (
                "end_date",
                Arc::new(StringArray::from(
                    rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                )),
            ),
            (
                "bed_type",
                Arc::new(Int64Array::from(vec![10i64; rows.len()])),
            ),
            (
                "reason",
                Arc::new(StringArray::from(
                    rows.iter().map(|r| r.3).collect::<Vec<_>>(),
                )),
            ),
        ])
        .unwrap(),
    )
}

fn january(overlap: OverlapRule) -> OapOptions {
    let mut o = OapOptions::new(d(2024, 1, 1), d(2024, 1, 31));
    o.overlap = overlap;
    o
}

#[test]
fn placements_without_a_person_are_kept_and_overlap_nothing() {
    // Jan 5–20 (15 nights) and Jan 6–9 (3 nights), neither with a person: they cannot be
    // the same person's, so truncation leaves both whole: 18 nights, no overlap.
    let p = small(&[
        (None, "2024-01-05", Some("2024-01-20"), "10"),
        (None, "2024-01-06", Some("2024-01-09"), "10"),
    ]);
    for rule in [OverlapRule::Count, OverlapRule::Truncate] {
        let r = oap::measures(&p, &january(rule), None, None).unwrap();
        assert_eq!(ints(&r, "bed_days"), [18]);
        assert_eq!(r.diagnostics.count("overlapping_placements"), 0);
        assert_eq!(r.diagnostics.count("person_id_missing"), 2);
    }
}

#[test]
fn truncation_sees_placements_the_reason_rule_excludes() {
    // One person: an inappropriate placement from Jan 5 (open), then an appropriate one (patient
    // choice) from Jan 10 (open). The person moved on Jan 10, so the first placement has
    // Jan 5–10: 5 nights, whichever placements are counted.
    let p = small(&[
        (Some("a"), "2024-01-05", None, "10"),
        (Some("a"), "2024-01-10", None, "14"),
    ]);
    let r = oap::measures(&p, &january(OverlapRule::Truncate), None, None).unwrap();
    assert_eq!(ints(&r, "bed_days"), [5]);
    assert_eq!(r.diagnostics.count("overlapping_placements"), 1);
    let mut all = january(OverlapRule::Truncate);
    all.inappropriate_only = false;
    // Both counted: 5 nights, then Jan 10–31 (runs to the period end: 22 nights).
    assert_eq!(
        ints(&oap::measures(&p, &all, None, None).unwrap(), "bed_days"),
        [5 + 22]
    );
}

#[test]
fn truncation_of_placements_starting_on_one_day_ignores_row_order() {
    // Jan 5–25 and Jan 5–10 for one person: the shorter is taken first and ends on Jan 5 (a
    // same-day placement); the longer keeps its 20 nights, in either row order.
    let rows = [
        (Some("a"), "2024-01-05", Some("2024-01-25"), "10"),
        (Some("a"), "2024-01-05", Some("2024-01-10"), "10"),
    ];
    let reversed = [rows[1], rows[0]];
    for p in [small(&rows), small(&reversed)] {
        let r = oap::measures(&p, &january(OverlapRule::Truncate), None, None).unwrap();
        assert_eq!(ints(&r, "bed_days"), [20]);
        assert_eq!(ints(&r, "same_day"), [1]);
    }
}

#[test]
fn every_placement_overlapping_an_earlier_one_is_counted() {
    // Jan 1–31 holds both Jan 5–10 and Jan 20–25: two placements overlap an earlier one,
    // although the last does not overlap its neighbour (Jan 5–10).
    let p = small(&[
        (Some("a"), "2024-01-01", Some("2024-01-31"), "10"),
        (Some("a"), "2024-01-05", Some("2024-01-10"), "10"),
        (Some("a"), "2024-01-20", Some("2024-01-25"), "10"),
    ]);
    let r = oap::measures(&p, &january(OverlapRule::Count), None, None).unwrap();
    assert_eq!(r.diagnostics.count("overlapping_placements"), 2);
}

#[test]
fn no_placements_give_a_row_of_zeros_per_month() {
    // docs/methods/oap.md: with no `by`, one group, with a row in every period.
    let p = small(&[]);
    let r = oap::measures(&p, &options(Window::Month), None, None).unwrap();
    assert_eq!(r.table.num_rows(), 3);
    assert_eq!(ints(&r, "started"), [0, 0, 0]);
    assert_eq!(ints(&r, "bed_days"), [0, 0, 0]);
}

#[test]
fn out_of_area_placements_without_admissions_are_an_error() {
    // An OAP started in January, admissions only in February: the January OAP count (1)
    // exceeds the admissions' (0), which the admissions table must include.
    let p = small(&[(Some("a"), "2024-01-05", Some("2024-01-09"), "10")]);
    let a = small(&[(Some("b"), "2024-02-05", Some("2024-02-09"), "10")]);
    let mut o = january(OverlapRule::Count);
    o.end = Some(d(2024, 2, 29));
    let e = oap::measures(&p, &o, None, Some(&a)).unwrap_err();
    assert!(
        e.to_string().contains("exceed the 0 of all admissions"),
        "{e}"
    );
}

#[test]
fn an_all_null_column_is_a_column_of_nulls() {
    // A column of Arrow's null type (an empty CSV column, an all-None pandas column): the bed
    // types are missing (kept and counted), and the identifiers are an error.
    let nulls: ArrayRef = Arc::new(arrow_array::NullArray::new(8));
    let r = oap::measures(
        &input(with_column("bed_type", nulls.clone())),
        &options(Window::Month),
        None,
        None,
    )
    .unwrap();
    assert_eq!(r.diagnostics.count("bed_type_missing"), 8);
    assert_eq!(r.diagnostics.count("bed_type_out_of_scope"), 0);
    let e = oap::measures(
        &input(with_column("placement_id", nulls)),
        &options(Window::Month),
        None,
        None,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("identifiers are required") && e.to_string().contains("row 0"),
        "{e}"
    );
}

#[test]
fn a_column_mapping_that_matches_nothing_is_an_error() {
    let b = placements();
    let mapped = |map: ColumnMap| Input::new(b.schema(), std::slice::from_ref(&b), map).unwrap();
    // A misspelt optional column (the daily cost) would otherwise be left out.
    let e = oap::measures(
        &mapped(ColumnMap::new().with("daily_cost", "DailyCst")),
        &options(Window::Month),
        None,
        None,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("DailyCst") && e.to_string().contains("placements"),
        "{e}"
    );
    let e = oap::measures(
        &mapped(ColumnMap::new().with("dailycost", "place")),
        &options(Window::Month),
        None,
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("`dailycost` → `place`"), "{e}");
    // A breakdown may be mapped.
    let mut o = options(Window::Month);
    o.by = vec!["area".into()];
    let r = oap::measures(
        &mapped(ColumnMap::new().with("area", "place")),
        &o,
        None,
        None,
    );
    assert_eq!(r.unwrap().table.num_rows(), 6);
}

#[test]
fn a_place_only_the_population_has_gets_its_rows_and_rate() {
    // Place Z has 200 000 residents and no placement: its rows are there, with rate 0 and the
    // exact upper limit of 0 events at 95% (PHE: −ln(0.025) = 3.688879454113936), × 1e6 / 2e5.
    let mut o = options(Window::Month);
    o.by = vec!["place".into()];
    let pop = RecordBatch::try_from_iter(vec![
        (
            "place",
            Arc::new(StringArray::from(vec!["Y", "X", "Z"])) as ArrayRef,
        ),
        (
            "population",
            Arc::new(Float64Array::from(vec![50_000.0, 100_000.0, 200_000.0])),
        ),
    ])
    .unwrap();
    let pop = input(pop);
    let r = oap::measures(&input(placements()), &o, Some(&pop), None).unwrap();
    // Rows: per month X, Y (first seen among the placements), then Z.
    assert_eq!(r.table.num_rows(), 9);
    let place = r
        .table
        .column_by_name("place")
        .unwrap()
        .as_string::<i32>()
        .clone();
    assert_eq!(place.value(2), "Z");
    assert_eq!(ints(&r, "started")[2], 0);
    assert_eq!(floats(&r, "rate_started")[2], Some(0.0));
    let upper = floats(&r, "rate_started_upper")[2].unwrap();
    assert!((upper - 18.444_397_270_569_68).abs() < 1e-9, "{upper}");
    // The mergeable state gives the same rows (ordered by key; Z after the state's groups).
    let s = oap::state(Some(&input(placements())), &o, None).unwrap();
    let f = oap::finalize(&s, &o, Some(&pop)).unwrap();
    assert_eq!(f.table.num_rows(), 9);
    let place = f
        .table
        .column_by_name("place")
        .unwrap()
        .as_string::<i32>()
        .clone();
    assert_eq!(place.value(2), "Z");
    assert_eq!(floats(&f, "rate_started_upper")[2], Some(upper));
}

/// The distance summary's threshold is checked with the other options (with or without a
/// distance column), and named as the faces spell it.
#[test]
fn a_bad_distance_threshold_is_named_distance_threshold() {
    for threshold in [-1.0, f64::NAN, f64::INFINITY] {
        let mut o = options(Window::Month);
        o.distance_options.threshold = threshold;
        let e = oap::measures(&input(placements()), &o, None, None).unwrap_err();
        assert_eq!(e.argument(), Some("distance_threshold"), "{threshold}");
        assert!(e.to_string().contains("finite distance >= 0 km"), "{e}");
    }
}

#[test]
fn blank_person_ids_and_bed_types_are_not_recorded() {
    // The same two placements with their person written "" (a frame keeps an empty CSV field
    // as text; the command line reads it as null): Jan 5–20 and Jan 6–9 are no one person's,
    // so truncation leaves both whole, 15 + 3 = 18 nights, as with nulls above. Before, every
    // empty id was one person: Jan 5–6 and Jan 6–9, 4 nights.
    let p = small(&[
        (Some(""), "2024-01-05", Some("2024-01-20"), "10"),
        (Some(""), "2024-01-06", Some("2024-01-09"), "10"),
    ]);
    let r = oap::measures(&p, &january(OverlapRule::Truncate), None, None).unwrap();
    assert_eq!(ints(&r, "bed_days"), [18]);
    assert_eq!(r.diagnostics.count("overlapping_placements"), 0);
    assert_eq!(r.diagnostics.count("person_id_missing"), 2);
    // An empty bed type, or one of spaces (codes are compared trimmed), is missing (kept and
    // counted), not a code outside the scope.
    let bed: ArrayRef = Arc::new(StringArray::from(vec![
        "10", "11", "", "10", "10", "  ", "13", "10",
    ]));
    let blank = run_with("bed_type", bed);
    let before = run(&options(Window::Month));
    assert_eq!(blank.diagnostics.count("bed_type_missing"), 2);
    assert_eq!(
        blank.diagnostics.count("bed_type_out_of_scope"),
        before.diagnostics.count("bed_type_out_of_scope")
    );
    assert_eq!(ints(&blank, "bed_days"), ints(&before, "bed_days"));
}

#[test]
fn a_start_and_end_in_one_month_are_that_month_whatever_their_days() {
    // docs/methods/oap.md: `start`, `end` name months, any date in them. 31 Jan to 1 Jan is
    // January: the one month of `january`, 15 + 3 nights of two people.
    let p = small(&[
        (Some("a"), "2024-01-05", Some("2024-01-20"), "10"),
        (Some("b"), "2024-01-06", Some("2024-01-09"), "10"),
    ]);
    let mut o = january(OverlapRule::Count);
    (o.start, o.end) = (Some(d(2024, 1, 31)), Some(d(2024, 1, 1)));
    let r = oap::measures(&p, &o, None, None).unwrap();
    assert_eq!(ints(&r, "bed_days"), [18]);
    o.end = Some(d(2023, 12, 31));
    let e = oap::measures(&p, &o, None, None).unwrap_err();
    assert!(e.to_string().contains("in a month before the start"), "{e}");
}

#[test]
fn a_breakdown_named_twice_is_refused() {
    let mut o = options(Window::Month);
    o.by = vec!["place".into(), "place".into()];
    let e = oap::measures(&input(placements()), &o, None, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument `by`: `place` is listed more than once; list each breakdown once"
    );
}

#[test]
fn a_population_key_of_another_type_is_refused_whatever_its_values() {
    // Places coded as Int64 in the placements; a population keyed by the same codes as text
    // was matched by their text when every key was a placement's, and was a type error as
    // soon as it had a place of its own: one column, two outcomes. Now always the error.
    let place: ArrayRef = Arc::new(Int64Array::from(vec![1i64, 1, 2, 2, 1, 1, 1, 2]));
    let p = input(with_column("place", place));
    let mut o = options(Window::Month);
    o.by = vec!["place".into()];
    for keys in [vec!["1", "2"], vec!["1", "2", "3"]] {
        let n = keys.len();
        let pop = input(
            RecordBatch::try_from_iter(vec![
                ("place", Arc::new(StringArray::from(keys)) as ArrayRef),
                ("population", Arc::new(Float64Array::from(vec![1000.0; n]))),
            ])
            .unwrap(),
        );
        let e = oap::measures(&p, &o, Some(&pop), None).unwrap_err();
        assert!(
            e.to_string()
                .contains("column `place` has type string in the population table"),
            "{e}"
        );
    }
}

#[test]
fn a_group_beyond_its_admissions_is_named_with_its_column_null_included() {
    // Two out-of-area placements started in January in the group of a null person, one
    // admission: the error names the group `person_id=null` (it printed a NUL character).
    let p = small(&[
        (None, "2024-01-05", Some("2024-01-10"), "10"),
        (None, "2024-01-12", Some("2024-01-20"), "10"),
    ]);
    let adm = small(&[(None, "2024-01-05", Some("2024-01-10"), "10")]);
    let mut o = january(OverlapRule::Count);
    o.by = vec!["person_id".into()];
    let e = oap::measures(&p, &o, None, Some(&adm))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("group person_id=null in the period ending 2024-01-31: 2 out-of-area"),
        "{e}"
    );
    assert!(!e.contains('\u{0}'), "{e:?}");
}

#[test]
fn truncation_beyond_the_admissions_says_so() {
    // One person: Jan 5 (open) and Jan 10–20. Truncation ends the first on Jan 10, so two
    // placements end in January; the admissions, the same two stays as recorded, have one.
    let p = small(&[
        (Some("a"), "2024-01-05", None, "10"),
        (Some("a"), "2024-01-10", Some("2024-01-20"), "10"),
    ]);
    let e = oap::measures(&p, &january(OverlapRule::Truncate), None, Some(&p)).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(
            "group all in the period ending 2024-01-31: 2 out-of-area ended exceed the 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "overlap = \"truncate\" ended placements where the person's next one starts, and the \
             admissions are counted as recorded"
        ),
        "{text}"
    );
    assert!(oap::measures(&p, &january(OverlapRule::Count), None, Some(&p)).is_ok());
}

#[test]
fn float_codes_get_a_hint_about_pandas() {
    let bed: ArrayRef = Arc::new(Float64Array::from(vec![10.0; 8]));
    let e = oap::measures(
        &input(with_column("bed_type", bed)),
        &options(Window::Month),
        None,
        None,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("into floats: use the nullable `Int64` or `string` dtype"),
        "{e}"
    );
}

#[test]
fn codes_of_digits_are_compared_without_leading_zeros() {
    // "010" written in a text column is bed type 10, as an integer column (or pandas reading
    // the same CSV) gives it; before, it was out of the scope. Likewise reason "010".
    let bed: ArrayRef = Arc::new(StringArray::from(vec![
        "010", "11", "012", "10", "0010", "10", "13", "10",
    ]));
    let padded = run_with("bed_type", bed);
    let before = run(&options(Window::Month));
    assert_eq!(ints(&padded, "bed_days"), ints(&before, "bed_days"));
    assert_eq!(
        padded.diagnostics.count("bed_type_out_of_scope"),
        before.diagnostics.count("bed_type_out_of_scope")
    );
    let reason: ArrayRef = Arc::new(StringArray::from(vec![
        "010", "10", "10", "10", "10", "014", "10", "77",
    ]));
    let r = run_with("reason", reason);
    assert_eq!(ints(&r, "bed_days"), ints(&before, "bed_days"));
    assert_eq!(r.diagnostics.count("appropriate_reason"), 1);
}

#[test]
fn cost_and_the_share_of_bed_days_that_have_one() {
    // Jan 5–20 at £100.004 a night (100.00 to the penny) and Jan 6–9 without a cost: 15 + 3 =
    // 18 bed days, 15 with a cost, £1 500.00; the specification's share of days that have a
    // cost is 15/18 = 83.3…%.
    let p = small(&[
        (Some("a"), "2024-01-05", Some("2024-01-20"), "10"),
        (Some("b"), "2024-01-06", Some("2024-01-09"), "10"),
    ]);
    let b = adding_column(
        p.batch().unwrap(),
        "daily_cost",
        Arc::new(Float64Array::from(vec![Some(100.004), None])),
    );
    let r = oap::measures(&input(b), &january(OverlapRule::Count), None, None).unwrap();
    assert_eq!(ints(&r, "bed_days"), [18]);
    assert_eq!(ints(&r, "cost_bed_days"), [15]);
    assert_eq!(floats(&r, "cost"), [Some(1500.0)]);
    let share = floats(&r, "cost_days_share")[0].unwrap();
    assert!((share - 100.0 * 15.0 / 18.0).abs() < 1e-12, "{share}");
    // No bed days, no share.
    let empty = oap::measures(&small(&[]), &january(OverlapRule::Count), None, None).unwrap();
    assert_eq!(floats(&empty, "cost_days_share"), [None]);
}

#[test]
fn a_float32_cost_at_a_half_penny_rounds_as_written() {
    // £1.005 a night is £1.01 to the penny (half away from zero on the decimal as written),
    // whether the column is float64 or float32 (whose 1.005 is 1.00499999523… as a float64):
    // Jan 5–20 is 15 nights, £15.15.
    let p = small(&[(Some("a"), "2024-01-05", Some("2024-01-20"), "10")]);
    let batch = p.batch().unwrap();
    for cost in [
        Arc::new(Float64Array::from(vec![1.005])) as ArrayRef,
        Arc::new(arrow_array::Float32Array::from(vec![1.005f32])),
    ] {
        let b = adding_column(batch, "daily_cost", cost);
        let r = oap::measures(&input(b), &january(OverlapRule::Count), None, None).unwrap();
        assert_eq!(floats(&r, "cost"), [Some(15.15)]);
    }
}

#[test]
fn dates_after_the_data_cutoff_are_counted_as_recorded_and_said() {
    // Cut-off 15 Jan: Jan 5–20 ends after it and Jan 17–19 starts after it; both are counted
    // as recorded (15 + 2 nights), and the diagnostics say so. Jan 6–9 is inside.
    let p = small(&[
        (Some("a"), "2024-01-05", Some("2024-01-20"), "10"),
        (Some("b"), "2024-01-06", Some("2024-01-09"), "10"),
        (Some("c"), "2024-01-17", Some("2024-01-19"), "10"),
    ]);
    let mut o = january(OverlapRule::Count);
    o.data_cutoff = Some(d(2024, 1, 15));
    let r = oap::measures(&p, &o, None, None).unwrap();
    assert_eq!(ints(&r, "bed_days"), [15 + 3 + 2]);
    assert_eq!(r.diagnostics.count("date_after_data_cutoff"), 2);
}

/// `batch` with one more (nullable) column.
fn adding_column(batch: &RecordBatch, name: &str, values: ArrayRef) -> RecordBatch {
    let mut fields: Vec<arrow_schema::Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(arrow_schema::Field::new(
        name,
        values.data_type().clone(),
        true,
    ));
    let mut cols = batch.columns().to_vec();
    cols.push(values);
    RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols).unwrap()
}

/// `rows` placements of 2023 (365 nights each), no person, every one at the largest daily
/// cost (£10⁹).
fn costly_year(rows: usize) -> Input {
    use arrow_array::Date32Array;
    input(
        RecordBatch::try_from_iter(vec![
            (
                "placement_id",
                Arc::new(Int64Array::from((0..rows as i64).collect::<Vec<_>>())) as ArrayRef,
            ),
            (
                "person_id",
                Arc::new(StringArray::from(vec![None::<&str>; rows])),
            ),
            (
                "start_date",
                Arc::new(Date32Array::from(vec![d(2023, 1, 1); rows])),
            ),
            (
                "end_date",
                Arc::new(Date32Array::from(vec![d(2024, 1, 1); rows])),
            ),
            ("bed_type", Arc::new(Int64Array::from(vec![10i64; rows]))),
            ("reason", Arc::new(StringArray::from(vec!["10"; rows]))),
            (
                "daily_cost",
                Arc::new(Float64Array::from(vec![oap::MAX_DAILY_COST; rows])),
            ),
        ])
        .unwrap(),
    )
}

/// Costs at the largest daily cost: a year's window of 260 000 of them (9.49 × 10¹⁸ pence,
/// beyond a signed 64-bit integer, each month within it) is summed, not a panic; a month
/// beyond it is a `limit_exceeded` error naming `daily_cost`.
#[test]
fn costs_beyond_a_64_bit_count_of_pence_are_summed_or_refused_never_wrapped() {
    let rows = 260_000;
    let mut o = OapOptions::new(d(2023, 12, 1), d(2023, 12, 31));
    o.window = Window::Rolling12m;
    let r = oap::measures(&costly_year(rows), &o, None, None).unwrap();
    let want = rows as f64 * 365.0 * 1e9;
    let got = floats(&r, "cost")[0].unwrap();
    assert!((got - want).abs() <= want * 1e-15, "{got} against {want}");

    // 3 000 000 × 31 nights × 10¹¹ pence = 9.3 × 10¹⁸ in December alone.
    o.window = Window::Month;
    let e = oap::measures(&costly_year(3_000_000), &o, None, None).unwrap_err();
    assert_eq!(e.kind(), collabmetrics::ErrorKind::LimitExceeded);
    assert!(e.to_string().contains("`daily_cost`"), "{e}");
}

/// Two placements of one person with the same dates (Jan 5–20), of ids 7 (reason 10,
/// inappropriate) and 3 (reason 14): taken in the order of their ids whatever the rows' order,
/// so id 3 ends where id 7 starts (a same-day placement, excluded as appropriate) and id 7
/// keeps its 15 nights. Taken by rows, one order gave 0 bed days and the other 15.
#[test]
fn truncation_of_placements_with_the_same_dates_takes_them_by_id() {
    let batch = |ids: [i64; 2], reasons: [&str; 2]| {
        input(
            RecordBatch::try_from_iter(vec![
                (
                    "placement_id",
                    Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef,
                ),
                ("person_id", Arc::new(StringArray::from(vec!["a", "a"]))),
                (
                    "start_date",
                    Arc::new(StringArray::from(vec!["2024-01-05"; 2])),
                ),
                (
                    "end_date",
                    Arc::new(StringArray::from(vec!["2024-01-20"; 2])),
                ),
                ("bed_type", Arc::new(Int64Array::from(vec![10i64; 2]))),
                ("reason", Arc::new(StringArray::from(reasons.to_vec()))),
            ])
            .unwrap(),
        )
    };
    for p in [batch([7, 3], ["10", "14"]), batch([3, 7], ["14", "10"])] {
        let r = oap::measures(&p, &january(OverlapRule::Truncate), None, None).unwrap();
        assert_eq!(ints(&r, "bed_days"), [15]);
        assert_eq!(ints(&r, "same_day"), [0]);
    }
}
