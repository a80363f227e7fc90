//! Hostile input, one test per class of issue 11 and per fuzz finding: no panic, no hang, no
//! silent wrong answer; finite results for finite input or a structured error.

use collabmetrics::inequality::{self, BootstrapOptions, IndividualMeasure};
use collabmetrics::ErrorKind;

/// Fuzz finding: a bootstrap of the 50/50 share ratio whose resample holds only the
/// subnormal-adjacent value gave NaN.
#[test]
fn share_ratio_of_tiny_values_is_finite() {
    let values = [801.973, 13.0, 2.2250738585072014e-308];
    for v in [
        &values[..],
        &[values[2]; 3][..],
        &[values[2], values[2], 13.0][..],
    ] {
        match inequality::share_ratio(v, None, 0.5) {
            Ok(r) => assert!(r.is_finite(), "{v:?}: {r}"),
            Err(e) => assert_ne!(e.kind(), ErrorKind::Internal),
        }
    }
    let opts = BootstrapOptions {
        reps: 100,
        confidence: 0.95,
        seed: 14_393_992_020_901_745_175,
    };
    match inequality::bootstrap(&values, None, IndividualMeasure::ShareRatio(0.5), &opts) {
        Ok(r) => assert!(r.lower.is_finite() && r.upper.is_finite(), "{r:?}"),
        Err(e) => assert_ne!(e.kind(), ErrorKind::Internal, "{e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Issue 11, class by class, in Rust.

use arrow_array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, NullArray, RecordBatch, StringArray,
    TimestampSecondArray,
};
use collabmetrics::cancel::{self, Token};
use collabmetrics::inequality::{ConcentrationCorrection, HeatOptions, Measure, SiiOptions};
use collabmetrics::limits::{MAX_DATE, MIN_DATE};
use collabmetrics::oap::{self, OapOptions};
use collabmetrics::stats::{self, RateMethod, RateOptions};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::Error;
use std::sync::Arc;

fn input(columns: Vec<(&str, ArrayRef)>) -> Input {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap()
}

fn assert_finite(values: &[f64]) {
    assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
}

/// Class 1 of issue 11: Panics on valid input: a subnormal count (statrs' constructor used to be
/// unwrapped).
#[test]
fn a_subnormal_count_is_a_rate_by_either_method() {
    for method in [RateMethod::Byar, RateMethod::Exact] {
        let o = RateOptions {
            method,
            ..RateOptions::default()
        };
        let e = stats::rate(&[5e-324], &[1.0], &o).unwrap();
        assert_finite(&[e.value[0], e.lower[0], e.upper[0]]);
        assert_eq!(e.lower[0], 0.0);
    }
}

/// Class 1–2 of issue 11: Repetitions: 2^61 was "capacity overflow", 2^30 an abort; both are
/// refused up front.
#[test]
fn repetitions_are_bounded() {
    let groups: Vec<_> = (1..=5)
        .map(|k| {
            let mut s = inequality::Subgroup::new(format!("g{k}"), 10.0 + f64::from(k));
            s.se = Some(1.0);
            s.population = Some(100.0);
            s.order = Some(i64::from(k));
            s
        })
        .collect();
    for reps in [1usize << 61, 1 << 30] {
        let o = SiiOptions {
            reps,
            ..SiiOptions::default()
        };
        let e = inequality::sii(&groups, &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
        assert_eq!(e.argument(), Some("reps"));
    }
    let o = BootstrapOptions {
        reps: 1 << 40,
        ..BootstrapOptions::default()
    };
    let e = inequality::bootstrap(&[1.0, 2.0], None, IndividualMeasure::Gini, &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

/// Class 2 of issue 11: Exact limits of a count of 1e16: the χ² quantile, not a search linear in
/// the count. Normal approximation by hand: 1e16 ∓ 1.96 √1e16 = 1e16 ∓ 1.96e8.
#[test]
fn exact_limits_of_a_huge_count() {
    let (l, u) = stats::exact_limits(1e16, 0.95);
    assert!((l - (1e16 - 1.959_963_985e8)).abs() / 1e16 < 1e-9, "{l}");
    assert!((u - (1e16 + 1.959_963_985e8)).abs() / 1e16 < 1e-9, "{u}");
}

fn placements(start: ArrayRef, end: ArrayRef) -> Input {
    input(vec![
        (
            "placement_id",
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
        ),
        ("person_id", Arc::new(StringArray::from(vec!["a", "b"]))),
        ("start_date", start),
        ("end_date", end),
        ("bed_type", Arc::new(StringArray::from(vec!["10", "10"]))),
        ("reason", Arc::new(StringArray::from(vec!["10", "10"]))),
    ])
}

fn jan_to_mar() -> OapOptions {
    let d = collabmetrics::table::days_from_civil;
    OapOptions::new(d(2024, 1, 1), d(2024, 3, 31))
}

/// Class 3 of issue 11: Dates: date32's extremes, a timestamp of 2^62 s (which wrapped to January
/// 2024) and an ISO string beyond the range are each an error naming the row and the raw value.
#[test]
fn dates_beyond_the_range_are_errors_naming_the_row() {
    let ok_start: ArrayRef = Arc::new(Date32Array::from(vec![19_737, 19_740]));
    let open: ArrayRef = Arc::new(Date32Array::from(vec![None, None]));
    let cases: Vec<(Input, &str)> = vec![
        (
            placements(
                ok_start.clone(),
                Arc::new(Date32Array::from(vec![Some(i32::MAX), None])),
            ),
            "date32 2147483647 (days since 1970-01-01)",
        ),
        (
            placements(
                Arc::new(Date32Array::from(vec![i32::MIN, 19_740])),
                open.clone(),
            ),
            "date32 -2147483648 (days since 1970-01-01)",
        ),
        (
            placements(
                Arc::new(TimestampSecondArray::from(vec![
                    1i64 << 62,
                    19_740 * 86_400,
                ])),
                open.clone(),
            ),
            "timestamp 4611686018427387904 s since 1970-01-01",
        ),
        (
            placements(
                Arc::new(StringArray::from(vec!["2201-01-01", "2024-01-05"])),
                open,
            ),
            "\"2201-01-01\"",
        ),
    ];
    for (table, raw) in cases {
        let e = oap::measures(&table, &jan_to_mar(), None, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCell, "{e}");
        assert_eq!(e.row(), Some(0), "{e}");
        assert_eq!(e.value(), Some(raw), "{e}");
        assert!(e
            .to_string()
            .contains("outside the supported date range 1800-01-01 to 2200-12-31"));
        assert!(!e.to_string().contains("-5877641"), "{e}");
    }
}

/// Class 3 of issue 11: Date options: INT32_MIN to INT32_MAX is refused (it gave one row, or 70
/// million).
#[test]
fn date_options_beyond_the_range_are_refused() {
    let t = placements(
        Arc::new(Date32Array::from(vec![19_737, 19_740])),
        Arc::new(Date32Array::from(vec![None, None])),
    );
    for (start, end, argument) in [
        (i32::MIN, i32::MAX, "start"),
        (MIN_DATE, i32::MAX - 1, "end"),
        (MIN_DATE - 1, MAX_DATE, "start"),
    ] {
        let e = oap::measures(&t, &OapOptions::new(start, end), None, None).unwrap_err();
        assert_eq!(e.argument(), Some(argument), "{e}");
        assert!(
            e.to_string().contains("outside the supported date range"),
            "{e}"
        );
    }
    // The whole range is allowed, and bounded: 4 812 months.
    let r = oap::measures(&t, &OapOptions::new(MIN_DATE, MAX_DATE), None, None).unwrap();
    assert_eq!(r.table.num_rows(), 401 * 12);
    assert_eq!(
        collabmetrics::table::format_date(i32::MIN),
        "-2147483648 days since 1970-01-01 (outside 1800-01-01 to 2200-12-31)"
    );
}

/// Class 4 of issue 11: Finite in, finite out: each example of the issue is finite or a structured
/// error.
#[test]
fn finite_input_gives_finite_results_or_a_named_error() {
    let p = stats::proportion(&[1e308], &[1e308], &Default::default()).unwrap();
    assert_eq!((p.value[0], p.lower[0], p.upper[0]), (1.0, 1.0, 1.0));
    // Rate 0 per 5e-324: the value is 0; the upper limit (3.7 × 10⁵ / 5e-324) is beyond a
    // double, so the call names the denominator.
    let e = stats::rate(&[0.0], &[5e-324], &Default::default()).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("denominator"), Some(0)));
    // A tiny denominator with a finite rate is computed, not NaN.
    let r = stats::rate(
        &[0.0],
        &[1e-300],
        &RateOptions {
            multiplier: 1.0,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.value[0], 0.0);
    // Mean of [1e308, -1e308, 1e308]: mean 1e308/3 (was NaN); its limits are beyond a double.
    let label = |_: usize| "all".to_owned();
    let e = stats::mean(
        &[0, 0, 0],
        1,
        &[1e308, -1e308, 1e308],
        &Default::default(),
        &label,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidGroup, "{e}");
    let m = stats::mean(&[0, 0], 1, &[1e308, 1e308], &Default::default(), &label);
    assert!(m.is_err(), "the sum 2e308 is beyond a double");
    let m = stats::mean(
        &[0, 0, 0],
        1,
        &[1e307, -1e307, 1e307],
        &Default::default(),
        &label,
    )
    .unwrap();
    assert!((m.value[0] - 1e307 / 3.0).abs() < 1e292, "{}", m.value[0]);
    // Concentration index with Wagstaff's correction on equal outcomes (was NaN).
    let e = inequality::concentration_index(
        &[1.0, 1.0, 1.0],
        &[1.0, 2.0, 3.0],
        None,
        ConcentrationCorrection::Wagstaff,
        Some((0.0, 1.0)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("Wagstaff"), "{e}");
    // GE(1e308) (was NaN); GE(500) is large but representable.
    let e = inequality::generalized_entropy(&[1.0, 2.0, 3.0], None, 1e308).unwrap_err();
    assert_eq!(e.argument(), Some("alpha"));
    assert!(
        inequality::generalized_entropy(&[1.0, 2.0, 3.0], None, 500.0)
            .unwrap()
            .is_finite()
    );
    // A setting average of 0 (was ±inf): an error naming the measure.
    let groups: Vec<_> = ["a", "b", "c"]
        .iter()
        .zip([1.0, 2.0, 3.0])
        .map(|(l, v)| {
            let mut s = inequality::Subgroup::new(*l, v);
            s.population = Some(10.0);
            s
        })
        .collect();
    let o = HeatOptions {
        setting_average: Some(0.0),
        reps: 0,
        ..HeatOptions::default()
    };
    for m in [Measure::Cov, Measure::Idisu, Measure::Ti, Measure::Mld] {
        let e = inequality::heat_measure(&groups, m, &o).unwrap_err();
        assert!(e.to_string().contains(m.as_str()), "{e}");
    }
}

/// Class 5 of issue 11: NaN is a missing value, as null is: an error where nulls are, dropped and
/// counted where nulls are (`Propagate`).
#[test]
fn nan_is_treated_as_null() {
    use collabmetrics::distance::{distance_summary_table, NullPolicy, SummaryTableOptions};
    for missing in [Some(f64::NAN), None] {
        let t = input(vec![(
            "distance_km",
            Arc::new(Float64Array::from(vec![Some(1.0), missing, Some(3.0)])) as ArrayRef,
        )]);
        let e = distance_summary_table(&t, &SummaryTableOptions::default()).unwrap_err();
        assert_eq!(
            (e.kind(), e.row()),
            (ErrorKind::InvalidCell, Some(1)),
            "{e}"
        );
        let o = SummaryTableOptions {
            nulls: NullPolicy::Propagate,
            ..SummaryTableOptions::default()
        };
        let r = distance_summary_table(&t, &o).unwrap();
        assert_eq!(r.diagnostics.entries[0].count, 1);
        assert_eq!(r.diagnostics.entries[0].first_row, Some(1));
    }
}

/// Class 5 of issue 11: A column of the Arrow null type (an all-empty CSV column, an all-None
/// pandas column) is a column of nulls of the expected type: every placement open.
#[test]
fn a_null_typed_column_is_a_column_of_nulls() {
    let t = placements(
        Arc::new(Date32Array::from(vec![19_737, 19_740])),
        Arc::new(NullArray::new(2)),
    );
    let r = oap::measures(&t, &jan_to_mar(), None, None).unwrap();
    let active = r.table.column_by_name("active_at_end").unwrap();
    let active = active.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(active.values().to_vec(), vec![2, 2, 2]);
}

/// Class 7 of issue 11: Duplicated column names are an error (the first was silently used).
#[test]
fn duplicated_column_names_are_refused() {
    let schema = Arc::new(arrow_schema::Schema::new(vec![
        arrow_schema::Field::new("count", arrow_schema::DataType::Float64, false),
        arrow_schema::Field::new("count", arrow_schema::DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Float64Array::from(vec![1.0])),
            Arc::new(Float64Array::from(vec![2.0])),
        ],
    )
    .unwrap();
    let e = Input::new(schema, &[batch], ColumnMap::new()).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }));
    assert!(
        e.to_string().contains("`count` appears more than once"),
        "{e}"
    );
}

/// Class 6 of issue 11: A cancelled token ends a long call with `Cancelled`: a bootstrap, an SII
/// simulation and a geodesic over many points, each cancelled from another thread while it runs.
#[test]
fn a_cancelled_token_stops_long_calls() {
    let token = Token::new();
    token.cancel();
    let values: Vec<f64> = (1..=1000).map(f64::from).collect();
    let o = BootstrapOptions {
        reps: 1_000_000,
        ..BootstrapOptions::default()
    };
    let e = cancel::scope(&token, || {
        inequality::bootstrap(&values, None, IndividualMeasure::Gini, &o)
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);

    let n = 2_000_000;
    let lat: Vec<f64> = (0..n).map(|i| 50.0 + (i % 1000) as f64 / 1000.0).collect();
    let lon = vec![-1.0; n];
    let running = Token::new();
    let e = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            running.cancel();
        });
        cancel::scope(&running, || {
            collabmetrics::distance::geodesic(
                &lat,
                &lon,
                &lon,
                &lat,
                collabmetrics::distance::NullPolicy::Error,
            )
        })
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
}

/// The individual indices and the mean check the token too (a C caller's flag was not read
/// by them): set before the call, and set while a Gini and a Theil index run on millions of
/// values, whose parallel passes then skip their remaining blocks and must not return the
/// unfinished sums.
#[test]
fn a_cancelled_token_stops_the_indices_and_the_mean() {
    let token = Token::new();
    token.cancel();
    let y: Vec<f64> = (1..=1000).map(f64::from).collect();
    let kinds = |r: Vec<ErrorKind>| r.into_iter().all(|k| k == ErrorKind::Cancelled);
    let stopped = cancel::scope(&token, || {
        vec![
            inequality::gini(&y, None, false).unwrap_err().kind(),
            inequality::gini_index(&y, None, false).unwrap_err().kind(),
            inequality::theil(&y, None).unwrap_err().kind(),
            inequality::mld(&y, None).unwrap_err().kind(),
            inequality::generalized_entropy(&y, None, 2.0)
                .unwrap_err()
                .kind(),
            inequality::atkinson(&y, None, 0.5).unwrap_err().kind(),
            collabmetrics::stats::mean(
                &vec![0; y.len()],
                1,
                &y,
                &collabmetrics::stats::MeanOptions::default(),
                &|g| g.to_string(),
            )
            .unwrap_err()
            .kind(),
        ]
    });
    assert!(kinds(stopped.clone()), "{stopped:?}");

    let n = 6_000_000;
    let big: Vec<f64> = (0..n as u64)
        .map(|i| ((i * 7919) % 100_003) as f64 + 0.5)
        .collect();
    for which in 0..2 {
        let running = Token::new();
        let e = std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(std::time::Duration::from_millis(2));
                running.cancel();
            });
            cancel::scope(&running, || {
                if which == 0 {
                    inequality::gini_index(&big, None, false)
                } else {
                    inequality::theil(&big, None)
                }
            })
        })
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled, "{which}: {e}");
    }
}

/// Class 3 of issue 11: SPC rebase dates are date options too: beyond the range, refused by
/// position.
#[test]
fn spc_rebase_dates_beyond_the_range_are_refused() {
    use collabmetrics::spc::{self, Rebase, SpcOptions};
    let t = input(vec![
        (
            "date",
            Arc::new(Date32Array::from(vec![19_000, 19_031, 19_059])) as ArrayRef,
        ),
        ("value", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]))),
    ]);
    let o = SpcOptions {
        rebase: Rebase::Dates(vec![19_031, i32::MAX]),
        ..SpcOptions::default()
    };
    let e = spc::xmr(&t, &o).unwrap_err();
    assert_eq!((e.argument(), e.row()), (Some("rebase"), Some(1)), "{e}");
    assert!(
        e.to_string().contains("outside the supported date range"),
        "{e}"
    );
}

/// Class 6 of issue 11: SPC checks for cancellation between blocks of series.
#[test]
fn a_cancelled_token_stops_spc() {
    use collabmetrics::spc::{self, SpcOptions};
    let t = input(vec![
        (
            "date",
            Arc::new(Date32Array::from(
                (0..24).map(|m| 19_000 + 31 * m).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        (
            "value",
            Arc::new(Float64Array::from(
                (0..24).map(f64::from).collect::<Vec<_>>(),
            )),
        ),
    ]);
    let token = Token::new();
    token.cancel();
    let e = cancel::scope(&token, || spc::xmr(&t, &SpcOptions::default())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(spc::xmr(&t, &SpcOptions::default()).is_ok());
}
