//! `cm_distance_summary` through Arrow C streams, against the core called directly.
//!
//! Distances by hand: place X 10, 30, 60 km; place Y 80 km and one missing.

use super::{assert_failed, last_message};
use crate::{
    cm_distance_summary, cm_distance_summary_options_default, CmDistanceSummaryOptions, CmStatus,
    CM_BANDS_CUSTOM,
};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{
    cast::AsArray, types::Float64Type, ArrayRef, Float64Array, RecordBatch, RecordBatchIterator,
    StringArray,
};
use collabmetrics::distance::{self, NullPolicy, SummaryTableOptions};
use collabmetrics::table::{ColumnMap, Input};
use std::ffi::{c_char, CString};
use std::sync::Arc;

fn table() -> RecordBatch {
    RecordBatch::try_from_iter(vec![
        (
            "place",
            Arc::new(StringArray::from(vec!["X", "X", "X", "Y", "Y"])) as ArrayRef,
        ),
        (
            "km",
            Arc::new(Float64Array::from(vec![
                Some(10.0),
                Some(30.0),
                Some(60.0),
                Some(80.0),
                None,
            ])),
        ),
    ])
    .unwrap()
}

fn export(b: RecordBatch) -> FFI_ArrowArrayStream {
    let schema = b.schema();
    FFI_ArrowArrayStream::new(Box::new(RecordBatchIterator::new(vec![Ok(b)], schema)))
}

fn call(b: RecordBatch, o: &CmDistanceSummaryOptions) -> Result<RecordBatch, CmStatus> {
    let mut input = export(b);
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: valid streams and options for the duration of the call.
    let status = unsafe { cm_distance_summary(&mut input, o, &mut out) };
    assert!(
        input.release.is_none(),
        "the input stream is released by the call"
    );
    if status != CmStatus::OK {
        assert!(out.release.is_none());
        return Err(status);
    }
    // SAFETY: `out` holds the stream the call wrote.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(&mut out) }.unwrap();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    Ok(batches.into_iter().next().unwrap())
}

fn f64s(b: &RecordBatch, name: &str) -> Vec<f64> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect()
}

#[test]
fn summary_by_group_equals_the_core() {
    let (km, by) = (CString::new("km").unwrap(), CString::new("place").unwrap());
    let by_ptrs: [*const c_char; 1] = [by.as_ptr()];
    let mut o = cm_distance_summary_options_default();
    o.distance = km.as_ptr();
    o.by = by_ptrs.as_ptr();
    o.by_len = 1;
    o.propagate_nulls = true;
    let out = call(table(), &o).unwrap();
    assert_eq!(f64s(&out, "count"), [3.0, 1.0]);
    assert_eq!(f64s(&out, "mean")[0], (10.0 + 30.0 + 60.0) / 3.0);
    assert_eq!(f64s(&out, "median"), [30.0, 80.0]);
    assert_eq!(
        f64s(&out, "share_beyond"),
        [1.0 / 3.0, 1.0],
        "at or beyond 50 km"
    );
    let core = SummaryTableOptions {
        distance: "km".into(),
        by: vec!["place".into()],
        nulls: NullPolicy::Propagate,
        ..SummaryTableOptions::default()
    };
    let b = table();
    let input = Input::new(b.schema(), &[b], ColumnMap::new()).unwrap();
    assert_eq!(
        out,
        distance::distance_summary_table(&input, &core)
            .unwrap()
            .into_batch()
    );
}

#[test]
fn custom_bands_and_errors() {
    let km = CString::new("km").unwrap();
    let edges = [20.0, 70.0];
    let mut o = cm_distance_summary_options_default();
    o.distance = km.as_ptr();
    o.propagate_nulls = true;
    o.bands = CM_BANDS_CUSTOM;
    o.band_edges = edges.as_ptr();
    o.band_edges_len = 2;
    let out = call(table(), &o).unwrap();
    let bands: Vec<String> = out
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n.starts_with("band_"))
        .collect();
    assert_eq!(bands.len(), 3, "{bands:?}");
    assert_eq!(f64s(&out, &bands[0]), [1.0]);
    assert_eq!(f64s(&out, &bands[1]), [2.0]);
    assert_eq!(f64s(&out, &bands[2]), [1.0]);

    o.propagate_nulls = false;
    assert_eq!(call(table(), &o), Err(CmStatus::INVALID_CELL));
    assert!(
        last_message().contains("`km` at row 4"),
        "{}",
        last_message()
    );
    o.bands = 9;
    assert_failed(
        call(table(), &o).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["bands", "CM_BANDS_"],
    );
    let mut o = cm_distance_summary_options_default();
    assert_failed(
        call(table(), &o).unwrap_err(),
        CmStatus::MISSING_COLUMN,
        &["distance_km"],
    );
    o.threshold = -1.0;
    let mut input = export(table());
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: NULL options is allowed and reported.
    let status = unsafe { cm_distance_summary(&mut input, std::ptr::null(), &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["options"]);
    assert!(input.release.is_none());
    // SAFETY: NULL input is reported.
    let status = unsafe { cm_distance_summary(std::ptr::null_mut(), &o, &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["input"]);
}
