//! Every kind of bad input the foundation issue names gets a clear, typed error.

use collabmetrics::stats::{
    self, DsrOptions, MeanOptions, ProportionOptions, RateOptions, StandardPopulation,
};
use collabmetrics::Error;

fn prop(o: &[f64], n: &[f64]) -> Error {
    stats::proportion(o, n, &ProportionOptions::default()).unwrap_err()
}

#[test]
fn zero_denominator() {
    let e = prop(&[0.0, 1.0], &[5.0, 0.0]);
    assert_eq!(e.code(), 3);
    assert_eq!(
        e.to_string(),
        "invalid value in `denominator` at index 1 (0): denominators must be finite and > 0 (n = 0 has no proportion)"
    );
}

#[test]
fn numerator_above_denominator() {
    let e = prop(&[3.0, 6.0], &[5.0, 5.0]);
    assert!(
        matches!(e, Error::InvalidValue { ref argument, index: 1, .. } if argument == "numerator"),
        "{e}"
    );
    assert!(e.to_string().contains("must not exceed the denominator"));
}

#[test]
fn negative_counts_and_nan() {
    assert!(prop(&[-1.0], &[5.0])
        .to_string()
        .contains("`numerator` at index 0 (-1)"));
    assert!(prop(&[f64::NAN], &[5.0]).to_string().contains("(NaN)"));
    assert!(prop(&[1.0], &[f64::INFINITY])
        .to_string()
        .contains("`denominator` at index 0 (inf)"));
    let e = stats::rate(&[1.0, -2.0], &[5.0, 5.0], &RateOptions::default()).unwrap_err();
    assert!(e
        .to_string()
        .contains("`count` at index 1 (-2): counts must be finite and >= 0"));
    let e = stats::mean(
        &[0, 0],
        1,
        &[1.0, f64::NAN],
        &MeanOptions::default(),
        &|_| "g".into(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("`values` at index 1 (NaN)"));
}

#[test]
fn mismatched_lengths() {
    let e = prop(&[1.0, 2.0], &[5.0]);
    assert_eq!(
        e,
        Error::LengthMismatch {
            argument: "denominator".into(),
            found: 1,
            reference: "numerator".into(),
            expected: 2
        }
    );
    assert_eq!(e.code(), 2);
    let e = stats::rate(&[1.0], &[5.0, 6.0], &RateOptions::default()).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("length mismatch: `denominator` has 2 elements but `count` has 1"));
}

#[test]
fn confidence_outside_open_unit_interval() {
    for c in [0.0, 1.0, -0.5, 95.0, f64::NAN] {
        let e = stats::proportion(
            &[1.0],
            &[2.0],
            &ProportionOptions {
                confidence: c,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), 1, "{c}");
        assert!(
            e.to_string().starts_with("invalid argument `confidence`"),
            "{e}"
        );
        let e = stats::rate(
            &[1.0],
            &[2.0],
            &RateOptions {
                confidence: c,
                ..RateOptions::default()
            },
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("invalid argument `confidence`"),
            "{e}"
        );
    }
}

fn esp_rows(bands: &[u32]) -> Result<stats::DsrEstimates, Error> {
    let n = bands.len();
    stats::dsr(
        &vec![0; n],
        1,
        bands,
        &vec![5.0; n],
        &vec![100.0; n],
        &StandardPopulation::esp2013(),
        &DsrOptions::default(),
        &|_| "area=X".to_owned(),
    )
}

#[test]
fn missing_age_band() {
    let bands: Vec<u32> = (0..18).collect();
    let e = esp_rows(&bands).unwrap_err();
    assert_eq!(e.code(), 7);
    assert_eq!(
        e.to_string(),
        "group area=X: age band `90+` of the standard `esp2013` is missing; each band must appear exactly once (give a zero count, not no row)"
    );
}

#[test]
fn duplicated_age_band() {
    let mut bands: Vec<u32> = (0..19).collect();
    bands.push(3);
    let e = esp_rows(&bands).unwrap_err();
    assert!(
        e.to_string()
            .contains("age band `15-19` appears twice (rows 3 and 19)"),
        "{e}"
    );
}

#[test]
fn band_index_outside_the_standard() {
    let mut bands: Vec<u32> = (0..19).collect();
    bands[4] = 19;
    let e = esp_rows(&bands).unwrap_err();
    assert!(e.to_string().contains("`band` at index 4 (19)"), "{e}");
}

#[test]
fn one_value_has_no_t_interval() {
    let e = stats::mean(
        &[0, 1, 1],
        2,
        &[1.0, 2.0, 3.0],
        &MeanOptions::default(),
        &|g| format!("g{g}"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "group g0: has 1 value(s); a Student t interval needs at least 2"
    );
}

#[test]
fn group_codes_out_of_range() {
    let e = stats::mean(&[0, 2], 2, &[1.0, 2.0], &MeanOptions::default(), &|g| {
        format!("g{g}")
    })
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("`group` at index 1 (2): group codes must be in 0..2"),
        "{e}"
    );
}

#[test]
fn bad_multiplier_and_method() {
    let e = stats::proportion(
        &[1.0],
        &[2.0],
        &ProportionOptions {
            multiplier: 0.0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("invalid argument `multiplier`"));
    let e = "wald".parse::<stats::RateMethod>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument `method`: unknown rate method \"wald\"; expected one of \"byar\", \"exact\""
    );
    assert_eq!(e.argument(), Some("method"));
    let e = StandardPopulation::builtin("esp1976").unwrap_err();
    assert!(e
        .to_string()
        .contains("unknown standard population \"esp1976\""));
    assert_eq!(e.argument(), Some("standard"));
}

#[test]
fn errors_serialise_for_logs() {
    let e = prop(&[1.0], &[0.0]);
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["InvalidValue"]["argument"], "denominator");
    assert_eq!(json["InvalidValue"]["index"], 0);
}

#[test]
fn values_without_a_default_must_be_given() {
    use collabmetrics::distance::{self, LocateTableOptions};
    use collabmetrics::inequality::IndexName;
    use collabmetrics::oap::{self, OapOptions};
    use collabmetrics::table::{ColumnMap, Input};
    use std::sync::Arc;
    let b = arrow_array::RecordBatch::try_from_iter(vec![(
        "code",
        Arc::new(arrow_array::StringArray::from(vec!["A"])) as arrow_array::ArrayRef,
    )])
    .unwrap();
    let input = Input::new(b.schema(), std::slice::from_ref(&b), ColumnMap::new()).unwrap();
    // OAP's reporting period.
    let e = oap::measures(&input, &OapOptions::default(), None, None).unwrap_err();
    assert_eq!(
        (e.kind(), e.argument()),
        (collabmetrics::ErrorKind::InvalidArgument, Some("start"))
    );
    let e = oap::measures(
        &input,
        &OapOptions {
            start: Some(0),
            ..OapOptions::default()
        },
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e.argument(), Some("end"));
    // A lookup's code column.
    let e = distance::locate_table(&input, &input, &LocateTableOptions::default()).unwrap_err();
    assert_eq!(e.argument(), Some("code"));
    assert!(
        e.to_string()
            .starts_with("invalid argument `code`: required"),
        "{e}"
    );
    // An individual index's parameter.
    let e = IndexName::Atkinson.with(None).unwrap_err();
    assert_eq!(e.argument(), Some("epsilon"));
    assert!(IndexName::Gini.with(Some(3.0)).is_ok());
}
