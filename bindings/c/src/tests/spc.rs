//! `cm_spc_xmr` and `cm_spc_summary` through Arrow C streams, as a C caller would use them,
//! against the core (`collabmetrics::spc`) called directly: the same batches bit for bit,
//! diagnostics included; values from NHSRplotthedots (its deviations vignette and the
//! `rebase_target` reference case of `tests/reference/spc/`); and every bad input reported
//! with its column, row or option. Every call checks that the input stream was released, on
//! success and failure, and that `out` is untouched on failure.

use super::{assert_failed, assert_ok};
use crate::{
    cm_spc_options_default, cm_spc_summary, cm_spc_xmr, CmSpcOptions, CmStatus,
    CM_SPC_IMPROVEMENT_DECREASE, CM_SPC_IMPROVEMENT_INCREASE, CM_SPC_IMPROVEMENT_NEUTRAL,
    CM_SPC_ON_MEAN_BREAK, CM_SPC_ON_MEAN_SKIP, CM_SPC_RULES_MDC_2023, CM_SPC_RULES_NHSRPLOTTHEDOTS,
    CM_SPC_TIES_BREAK, CM_SPC_TIES_SKIP,
};
use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::Float64Type;
use arrow_array::{
    ArrayRef, Date32Array, Float64Array, RecordBatch, RecordBatchIterator, RecordBatchReader,
    StringArray,
};
use arrow_schema::{ArrowError, SchemaRef};
use collabmetrics::options::OptionEnum;
use collabmetrics::spc::{
    self, Improvement, OnMean, Rebase, RuleSet, SeriesDates, SeriesTarget, SpcOptions, Target, Ties,
};
use collabmetrics::table::{days_from_civil, ColumnMap, Input, DIAGNOSTICS_KEY};
use std::ffi::{c_char, CString};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// Fixture

/// Monthly dates from January 2024.
fn months(n: usize) -> Vec<i32> {
    (0..n)
        .map(|k| days_from_civil(2024 + (k / 12) as i32, (k % 12) as u32 + 1, 1))
        .collect()
}

/// NHSRplotthedots' deviations vignette: 18 points, a 10 at the fifth.
const VIGNETTE: [f64; 18] = [
    1., 2., 1., 2., 10., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1.,
];

/// The reference case `rebase_target` (24 points; rebased at the 13th).
const REBASE_TARGET: [f64; 24] = [
    30., 32., 29., 31., 30., 33., 28., 31., 30., 32., 29., 31., 20., 21., 19., 22., 20., 18., 21.,
    20., 19., 22., 20., 21.,
];

fn batch(dates: &[i32], values: &[f64], series: Option<&[&str]>, value_name: &str) -> RecordBatch {
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("date", Arc::new(Date32Array::from(dates.to_vec()))),
        (value_name, Arc::new(Float64Array::from(values.to_vec()))),
    ];
    if let Some(s) = series {
        cols.push(("place", Arc::new(StringArray::from(s.to_vec()))));
    }
    RecordBatch::try_from_iter(cols).unwrap()
}

/// Two places: "north" is the vignette series, "south" the rebase_target case.
fn two_places() -> RecordBatch {
    let mut dates = months(18);
    dates.extend(months(24));
    let mut values = VIGNETTE.to_vec();
    values.extend(REBASE_TARGET);
    let mut places = vec!["north"; 18];
    places.extend(vec!["south"; 24]);
    batch(&dates, &values, Some(&places), "value")
}

fn core(b: &RecordBatch, opts: &SpcOptions, map: ColumnMap, summary: bool) -> RecordBatch {
    let input = Input::new(b.schema(), std::slice::from_ref(b), map).unwrap();
    let r = if summary {
        spc::summary(&input, opts)
    } else {
        spc::xmr(&input, opts)
    };
    r.expect("the core accepts the fixture").into_batch()
}

/// NUL-terminated strings and the pointer array an options struct borrows.
struct CStrings {
    _owned: Vec<CString>,
    ptrs: Vec<*const c_char>,
}

impl CStrings {
    fn new(items: &[&str]) -> Self {
        let owned: Vec<CString> = items.iter().map(|s| CString::new(*s).unwrap()).collect();
        let ptrs = owned.iter().map(|s| s.as_ptr()).collect();
        CStrings {
            _owned: owned,
            ptrs,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Streams

/// A batch reader that records when it is dropped, i.e. when its exported stream is released.
struct Tracked {
    inner: RecordBatchIterator<std::vec::IntoIter<Result<RecordBatch, ArrowError>>>,
    dropped: Arc<AtomicBool>,
}

impl Iterator for Tracked {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl RecordBatchReader for Tracked {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// An input stream exported as an Arrow producer would, plus whether it was released.
struct Source {
    stream: FFI_ArrowArrayStream,
    released: Arc<AtomicBool>,
}

impl Source {
    fn new(batch: RecordBatch) -> Self {
        let released = Arc::new(AtomicBool::new(false));
        let schema = batch.schema();
        let reader = Tracked {
            inner: RecordBatchIterator::new(vec![Ok(batch)].into_iter(), schema),
            dropped: released.clone(),
        };
        Source {
            stream: FFI_ArrowArrayStream::new(Box::new(reader)),
            released,
        }
    }

    #[track_caller]
    fn assert_released(&self) {
        assert!(
            self.stream.release.is_none(),
            "the caller's stream is left released"
        );
        assert!(
            self.released.load(Ordering::SeqCst),
            "the producer's release ran"
        );
    }
}

/// Reads an output stream back (taking it over): one batch.
fn read_output(out: &mut FFI_ArrowArrayStream) -> RecordBatch {
    assert!(out.release.is_some(), "a result stream was written");
    // SAFETY: `out` holds a valid stream written by a cm_spc_ function.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(out) }.expect("a readable stream");
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().expect("batches");
    assert_eq!(batches.len(), 1, "one result batch");
    batches.into_iter().next().unwrap()
}

type Entry = unsafe extern "C" fn(
    *mut FFI_ArrowArrayStream,
    *const CmSpcOptions,
    *mut FFI_ArrowArrayStream,
) -> CmStatus;

/// Calls `f` on `input` with `options`; returns the status and, on success, the result.
fn call(f: Entry, input: RecordBatch, options: &CmSpcOptions) -> (CmStatus, Option<RecordBatch>) {
    let mut source = Source::new(input);
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: a valid stream, valid options (their arrays outlive the call), writable out.
    let status = unsafe { f(&mut source.stream, options, &mut out) };
    source.assert_released();
    if status == CmStatus::OK {
        (status, Some(read_output(&mut out)))
    } else {
        assert!(out.release.is_none(), "out is untouched on failure");
        (status, None)
    }
}

fn f64s(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

fn strs(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    b.column_by_name(name)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Options

/// Each constant is the position of its value in the core's name table.
fn codes_are_positions<T: OptionEnum + std::fmt::Debug>(pairs: &[(u32, T)]) {
    assert_eq!(
        pairs.len(),
        T::ALL.len(),
        "a constant per {} value",
        T::WHAT
    );
    for &(constant, value) in pairs {
        assert_eq!(constant, value.index() as u32, "{value:?}");
    }
}

#[test]
fn defaults_and_codes_come_from_the_core() {
    // SAFETY: the defaults hold NULL arrays of length 0 only.
    let converted = unsafe { crate::spc::convert(&cm_spc_options_default()) }.unwrap();
    assert_eq!(converted, SpcOptions::default());
    let o = cm_spc_options_default();
    let s = SpcOptions::default().settings();
    assert_eq!(o.warning_threshold, SpcOptions::default().warning_threshold);
    assert_eq!(o.screen_outliers, s.screen_outliers);
    assert_eq!(
        (o.shift_length, o.trend_length),
        (s.shift_length, s.trend_length)
    );
    assert!(!(o.has_screen_outliers || o.has_shift_length || o.has_ties || o.has_on_mean));
    codes_are_positions(&[
        (CM_SPC_IMPROVEMENT_INCREASE, Improvement::Increase),
        (CM_SPC_IMPROVEMENT_DECREASE, Improvement::Decrease),
        (CM_SPC_IMPROVEMENT_NEUTRAL, Improvement::Neutral),
    ]);
    codes_are_positions(&[
        (CM_SPC_RULES_NHSRPLOTTHEDOTS, RuleSet::NhsrPlotTheDots),
        (CM_SPC_RULES_MDC_2023, RuleSet::Mdc2023),
    ]);
    codes_are_positions(&[
        (CM_SPC_TIES_BREAK, Ties::Break),
        (CM_SPC_TIES_SKIP, Ties::Skip),
    ]);
    codes_are_positions(&[
        (CM_SPC_ON_MEAN_BREAK, OnMean::Break),
        (CM_SPC_ON_MEAN_SKIP, OnMean::Skip),
    ]);
    // The preset alone selects its settings; a `has_` flag overrides one.
    let mut mdc = cm_spc_options_default();
    mdc.rules = CM_SPC_RULES_MDC_2023;
    // SAFETY: as above.
    let core = unsafe { crate::spc::convert(&mdc) }.unwrap();
    assert_eq!(core, SpcOptions::preset(RuleSet::Mdc2023));
    assert!(!core.settings().screen_outliers && core.settings().two_in_three_includes_outside);
    mdc.has_screen_outliers = true;
    mdc.screen_outliers = true;
    // SAFETY: as above.
    let core = unsafe { crate::spc::convert(&mdc) }.unwrap();
    assert_eq!(
        (core.screen_outliers, core.method()),
        (Some(true), "custom")
    );
}

// ---------------------------------------------------------------------------------------------
// Results

#[test]
fn points_match_the_core_and_nhsrplotthedots() {
    let b = batch(&months(18), &VIGNETTE, None, "value");
    let o = cm_spc_options_default();
    let (status, got) = call(cm_spc_xmr, b.clone(), &o);
    assert_ok(status);
    let got = got.unwrap();
    assert_eq!(
        got,
        core(&b, &SpcOptions::default(), ColumnMap::new(), false)
    );
    // The vignette's screened limits; point 5 above them.
    assert!((f64s(&got, "upl")[0].unwrap() - 4.604444).abs() < 1e-6);
    assert!((f64s(&got, "lpl")[0].unwrap() + 0.715556).abs() < 1e-6);
    assert_eq!(
        strs(&got, "special_cause_type")[4].as_deref(),
        Some("Above UCL")
    );
    let diagnostics = got.schema().metadata()[DIAGNOSTICS_KEY].clone();
    assert!(
        diagnostics.contains("moving_range_screened"),
        "{diagnostics}"
    );
    // The MDC preset does not screen: the vignette's unscreened UPL 6.951503.
    let mut mdc = cm_spc_options_default();
    mdc.rules = CM_SPC_RULES_MDC_2023;
    let (_, got) = call(cm_spc_xmr, b, &mdc);
    assert!((f64s(&got.unwrap(), "upl")[0].unwrap() - 6.951503).abs() < 1e-6);
}

#[test]
fn per_series_rebase_and_target_through_the_c_arrays() {
    // "south" is the rebase_target case: rebased at its 13th month, direction decrease,
    // target 26 above the second segment's UPL 25.3282 → consistent_pass.
    let by = CStrings::new(&["place"]);
    let south = CStrings::new(&["south"]);
    let rebase_dates = [months(24)[12]];
    let targets = [26.0];
    let mut o = cm_spc_options_default();
    o.by = by.ptrs.as_ptr();
    o.by_len = 1;
    o.improvement = CM_SPC_IMPROVEMENT_DECREASE;
    o.rebase_series = south.ptrs.as_ptr();
    o.rebase_series_dates = rebase_dates.as_ptr();
    o.rebase_series_len = 1;
    o.target_series = south.ptrs.as_ptr();
    o.target_series_values = targets.as_ptr();
    o.target_series_len = 1;
    let (status, got) = call(cm_spc_summary, two_places(), &o);
    assert_ok(status);
    let got = got.unwrap();
    let key = || vec![Some("south".to_owned())];
    let opts = SpcOptions {
        by: vec!["place".into()],
        improvement: Improvement::Decrease,
        rebase: Rebase::PerSeries(vec![SeriesDates {
            series: key(),
            dates: rebase_dates.to_vec(),
        }]),
        target: Target::PerSeries(vec![SeriesTarget {
            series: key(),
            target: 26.0,
        }]),
        ..SpcOptions::default()
    };
    assert_eq!(got, core(&two_places(), &opts, ColumnMap::new(), true));
    assert_eq!(
        strs(&got, "place"),
        ["north", "south", "south"].map(|s| Some(s.to_owned()))
    );
    assert!((f64s(&got, "upl")[2].unwrap() - 25.32818182).abs() < 1e-7);
    assert_eq!(
        strs(&got, "assurance"),
        vec![None, None, Some("consistent_pass".to_owned())]
    );
    assert_eq!(strs(&got, "method")[0].as_deref(), Some("nhsrplotthedots"));
}

#[test]
fn a_null_string_names_the_null_series_not_the_text_null() {
    // Place null for the vignette's 18 months, the text "null" for the 24 of the other
    // series: a NULL pointer in `target_series` is the null series' target.
    let mut dates = months(18);
    dates.extend(months(24));
    let mut values = VIGNETTE.to_vec();
    values.extend(REBASE_TARGET);
    let places: Vec<Option<&str>> = [vec![None; 18], vec![Some("null"); 24]].concat();
    let b = RecordBatch::try_from_iter(vec![
        ("date", Arc::new(Date32Array::from(dates)) as ArrayRef),
        ("value", Arc::new(Float64Array::from(values))),
        ("place", Arc::new(StringArray::from(places))),
    ])
    .unwrap();
    let by = CStrings::new(&["place"]);
    let null_key: [*const c_char; 1] = [std::ptr::null()];
    let targets = [3.0];
    let mut o = cm_spc_options_default();
    o.by = by.ptrs.as_ptr();
    o.by_len = 1;
    o.target_series = null_key.as_ptr();
    o.target_series_values = targets.as_ptr();
    o.target_series_len = 1;
    let (status, got) = call(cm_spc_summary, b.clone(), &o);
    assert_ok(status);
    let got = got.unwrap();
    // Nulls first: the null series has the target, the text "null" none.
    assert_eq!(strs(&got, "place"), [None, Some("null".to_owned())]);
    assert_eq!(f64s(&got, "target"), [Some(3.0), None]);
    let opts = SpcOptions {
        by: vec!["place".into()],
        target: Target::PerSeries(vec![SeriesTarget {
            series: vec![None],
            target: 3.0,
        }]),
        ..SpcOptions::default()
    };
    assert_eq!(got, core(&b, &opts, ColumnMap::new(), true));
}

#[test]
fn renamed_columns_and_trajectory() {
    let b = batch(&months(18), &VIGNETTE, None, "beds");
    let plan = Arc::new(Float64Array::from(vec![3.0; 18])) as ArrayRef;
    let b = collabmetrics::table::append_column(&b, "plan", plan).unwrap();
    let names = CStrings::new(&["value", "beds"]);
    let trajectory = CString::new("plan").unwrap();
    let mut o = cm_spc_options_default();
    o.column_names = names.ptrs.as_ptr();
    o.column_names_len = 1;
    o.trajectory = trajectory.as_ptr();
    o.has_ties = true;
    o.ties = CM_SPC_TIES_SKIP;
    let (status, got) = call(cm_spc_xmr, b.clone(), &o);
    assert_ok(status);
    let opts = SpcOptions {
        trajectory: Some("plan".into()),
        ties: Some(Ties::Skip),
        ..SpcOptions::default()
    };
    let map = ColumnMap::new().with("value", "beds");
    assert_eq!(got.unwrap(), core(&b, &opts, map, false));
}

// ---------------------------------------------------------------------------------------------
// Bad input

#[test]
fn a_missing_value_names_its_row() {
    let mut y = VIGNETTE.to_vec();
    y[2] = f64::NAN;
    let (status, _) = call(
        cm_spc_xmr,
        batch(&months(18), &y, None, "value"),
        &cm_spc_options_default(),
    );
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["`value`", "row 2", "NaN", "missing"],
    );
}

#[test]
fn a_duplicate_date_names_its_row() {
    let mut d = months(18);
    d[7] = d[6];
    let (status, _) = call(
        cm_spc_xmr,
        batch(&d, &VIGNETTE, None, "value"),
        &cm_spc_options_default(),
    );
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["`date`", "row 7", "2024-07-01", "duplicate"],
    );
}

#[test]
fn unknown_codes_and_short_baselines_are_refused() {
    let b = || batch(&months(18), &VIGNETTE, None, "value");
    let mut o = cm_spc_options_default();
    o.improvement = 3;
    let (status, _) = call(cm_spc_xmr, b(), &o);
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &[
            "improvement",
            "unknown improvement direction 3",
            "CM_SPC_IMPROVEMENT_",
            "2 (neutral)",
        ],
    );
    let mut o = cm_spc_options_default();
    o.has_ties = true;
    o.ties = 2;
    let (status, _) = call(cm_spc_summary, b(), &o);
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["ties"]);
    let mut o = cm_spc_options_default();
    o.has_fix_after_n_points = true;
    o.fix_after_n_points = 11;
    let (status, _) = call(cm_spc_xmr, b(), &o);
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["fix_after_n_points", "below 12"],
    );
}

#[test]
fn maps_naming_absent_series_are_refused() {
    let by = CStrings::new(&["place"]);
    let nowhere = CStrings::new(&["south", "nowhere"]);
    let values = [1.0, 2.0];
    let mut o = cm_spc_options_default();
    o.by = by.ptrs.as_ptr();
    o.by_len = 1;
    o.target_series = nowhere.ptrs.as_ptr();
    o.target_series_values = values.as_ptr();
    o.target_series_len = 2;
    let (status, _) = call(cm_spc_xmr, two_places(), &o);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`target_series`", "index 1", "nowhere"],
    );
    let dates = [0, 0];
    let mut o = cm_spc_options_default();
    o.by = by.ptrs.as_ptr();
    o.by_len = 1;
    o.rebase_series = nowhere.ptrs.as_ptr();
    o.rebase_series_dates = dates.as_ptr();
    o.rebase_series_len = 2;
    let (status, _) = call(cm_spc_summary, two_places(), &o);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`rebase_series`", "index 1", "nowhere"],
    );
    // Both forms at once, and a map without `by` columns.
    o.rebase_dates = dates.as_ptr();
    o.rebase_dates_len = 1;
    let (status, _) = call(cm_spc_xmr, two_places(), &o);
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["rebase_series", "not both"],
    );
    let mut o = cm_spc_options_default();
    o.target_series = nowhere.ptrs.as_ptr();
    o.target_series_values = values.as_ptr();
    o.target_series_len = 1;
    let (status, _) = call(cm_spc_xmr, two_places(), &o);
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["target_series", "no `by` columns"],
    );
}

#[test]
fn null_options_and_streams() {
    let mut source = Source::new(two_places());
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: NULL options are reported; the stream is still released.
    let status = unsafe { cm_spc_xmr(&mut source.stream, std::ptr::null(), &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["options"]);
    source.assert_released();
    let o = cm_spc_options_default();
    // SAFETY: a NULL input stream is reported.
    let status = unsafe { cm_spc_summary(null_mut(), &o, &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["input"]);
    assert!(out.release.is_none());
}
