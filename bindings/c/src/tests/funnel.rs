//! `cm_funnel_assess` and `cm_funnel_limits` through Arrow C streams, as a C caller would use
//! them: FunnelPlotR's SR/SHMI vectors and PHE's ratio significance
//! (`tests/reference/funnel/`, `tests/reference/phe/`), equality with the core and bad input
//! (the option codes and defaults are checked with every module's in `defaults.rs`).

use super::{assert_failed, assert_ok};
use crate::funnel::{
    CM_FUNNEL_FAMILY_DEFAULT, CM_FUNNEL_FAMILY_PHE, CM_FUNNEL_SR_SHMI, CM_FUNNEL_STATISTIC_PR,
    CM_FUNNEL_STATISTIC_PROPORTION, CM_FUNNEL_STATISTIC_RATE_CRUDE, CM_FUNNEL_STATISTIC_RATE_DSR,
    CM_FUNNEL_STATISTIC_RATIO_ISR, CM_FUNNEL_STATISTIC_SR,
};
use crate::{
    cm_funnel_assess, cm_funnel_limits, cm_funnel_options_default, CmFunnelOptions, CmStatus,
    CM_FUNNEL_LIMIT_95,
};
use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, RecordBatchIterator, StringArray};
use collabmetrics::funnel::{self, FunnelOptions, Statistic};
use collabmetrics::table::{ColumnMap, Input, DIAGNOSTICS_KEY};
use std::ffi::{c_char, CString};
use std::path::PathBuf;
use std::ptr::null_mut;
use std::sync::Arc;

/// The rows of a reference CSV (no quoted fields in the files read here; a byte-order mark
/// is dropped) as named fields.
fn read_csv(rel: &str) -> Vec<std::collections::HashMap<String, String>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/reference")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text
        .trim_start_matches('\u{feff}')
        .lines()
        .filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn export(b: RecordBatch) -> FFI_ArrowArrayStream {
    let schema = b.schema();
    FFI_ArrowArrayStream::new(Box::new(RecordBatchIterator::new(vec![Ok(b)], schema)))
}

type Entry = unsafe extern "C" fn(
    *mut FFI_ArrowArrayStream,
    *const CmFunnelOptions,
    *mut FFI_ArrowArrayStream,
) -> CmStatus;

fn call(entry: Entry, b: RecordBatch, o: &CmFunnelOptions) -> Result<RecordBatch, CmStatus> {
    let mut input = export(b);
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: valid streams and options for the duration of the call.
    let status = unsafe { entry(&mut input, o, &mut out) };
    assert!(input.release.is_none(), "the input is released by the call");
    if status != CmStatus::OK {
        assert!(out.release.is_none(), "out is untouched on failure");
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

fn strs(b: &RecordBatch, name: &str) -> Vec<String> {
    let c = b.column_by_name(name).unwrap();
    (0..c.len())
        .map(|i| collabmetrics::table::display(c.as_ref(), i))
        .collect()
}

fn sr_batch() -> (Vec<std::collections::HashMap<String, String>>, RecordBatch) {
    let rows: Vec<_> = read_csv("funnel/funnelplotr_vectors.csv")
        .into_iter()
        .filter(|r| r["case"] == "SR_SHMI_limit99")
        .collect();
    let col = |k: &str| -> ArrayRef {
        Arc::new(Float64Array::from(
            rows.iter()
                .map(|r| r[k].parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        ))
    };
    let groups: Vec<&str> = rows.iter().map(|r| r["group"].as_str()).collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("trust", Arc::new(StringArray::from(groups)) as ArrayRef),
        ("obs", col("numerator")),
        ("exp", col("denominator")),
    ])
    .unwrap();
    (rows, batch)
}

#[test]
fn sr_shmi_vectors_through_c_equal_the_core() {
    let (rows, batch) = sr_batch();
    let (unit, num, den) = (
        CString::new("trust").unwrap(),
        CString::new("obs").unwrap(),
        CString::new("exp").unwrap(),
    );
    let mut o = cm_funnel_options_default();
    o.statistic = CM_FUNNEL_STATISTIC_SR;
    o.unit = unit.as_ptr();
    o.numerator = num.as_ptr();
    o.denominator = den.as_ptr();
    let out = call(cm_funnel_assess, batch.clone(), &o).unwrap();
    assert_ok(CmStatus::OK);
    for (ours, theirs) in [
        ("z", "Uzscore"),
        ("lcl95", "LCL95"),
        ("ucl998", "UCL99"),
        ("od_lcl95", "OD95LCL"),
        ("od_ucl998", "OD99UCL"),
        ("phi", "phi"),
        ("tau2", "tau2"),
    ] {
        for (a, r) in f64s(&out, ours).iter().zip(&rows) {
            let b: f64 = r[theirs].parse().unwrap();
            assert!(
                (a - b).abs() <= 1e-8 * b.abs() + 1e-10,
                "{ours}: {a} vs {b}"
            );
        }
    }
    assert!(out.schema().metadata()[DIAGNOSTICS_KEY].contains("truncated"));
    // Exactly the core's result.
    let input = Input::new(
        batch.schema(),
        std::slice::from_ref(&batch),
        ColumnMap::new(),
    )
    .unwrap();
    let core = FunnelOptions {
        unit: Some("trust".into()),
        numerator: "obs".into(),
        denominator: "exp".into(),
        ..FunnelOptions::new(Statistic::Sr)
    };
    assert_eq!(out, funnel::assess(&input, &core).unwrap().into_batch());
    let limits = call(cm_funnel_limits, batch, &o).unwrap();
    assert_eq!(limits, funnel::limits(&input, &core).unwrap().into_batch());
    assert_eq!(f64s(&limits, "denominator")[0], 1.1);
}

#[test]
fn phe_ratio_significance_through_c_with_a_column_map() {
    let rows = read_csv("phe/testdata_funnel_ratio_inputs.csv");
    let col = |k: &str| -> ArrayRef {
        Arc::new(Float64Array::from(
            rows.iter()
                .map(|r| r[k].parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        ))
    };
    let batch =
        RecordBatch::try_from_iter(vec![("obs", col("obs")), ("expected", col("expected"))])
            .unwrap();
    // Our names numerator/denominator mapped to the file's.
    let names: Vec<CString> = ["numerator", "obs", "denominator", "expected"]
        .iter()
        .map(|s| CString::new(*s).unwrap())
        .collect();
    let ptrs: Vec<*const c_char> = names.iter().map(|s| s.as_ptr()).collect();
    let mut o = cm_funnel_options_default();
    o.statistic = CM_FUNNEL_STATISTIC_RATIO_ISR;
    o.column_names = ptrs.as_ptr();
    o.column_names_len = 2;
    let out = call(cm_funnel_assess, batch, &o).unwrap();
    let want: Vec<String> = rows.iter().map(|r| r["significance"].clone()).collect();
    assert_eq!(strs(&out, "significance"), want);
}

#[test]
fn bad_input_through_c() {
    let (_, batch) = sr_batch();
    let (num, den) = (CString::new("obs").unwrap(), CString::new("exp").unwrap());
    let mut o = cm_funnel_options_default();
    o.numerator = num.as_ptr();
    o.denominator = den.as_ptr();
    // No statistic.
    let status = call(cm_funnel_assess, batch.clone(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["statistic", "required"],
    );
    // Unknown codes.
    o.statistic = 42;
    let status = call(cm_funnel_assess, batch.clone(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["statistic", "CM_FUNNEL_STATISTIC_"],
    );
    o.statistic = CM_FUNNEL_STATISTIC_SR;
    o.family = 9;
    let status = call(cm_funnel_assess, batch.clone(), &o).unwrap_err();
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["family"]);
    o.family = CM_FUNNEL_FAMILY_PHE;
    let status = call(cm_funnel_assess, batch.clone(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["not drawn by family \"phe\""],
    );
    o.family = CM_FUNNEL_FAMILY_DEFAULT;
    o.limit = 90;
    let status = call(cm_funnel_assess, batch.clone(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["limit", "CM_FUNNEL_LIMIT_", "0 (95), 1 (99)"],
    );
    o.limit = CM_FUNNEL_LIMIT_95;
    o.trim_by = 0.5;
    let status = call(cm_funnel_assess, batch.clone(), &o).unwrap_err();
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["trim_by"]);
    o.trim_by = 0.1;
    o.sr_method = 7;
    let status = call(cm_funnel_assess, batch.clone(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["sr_method", "0 (SHMI), 1 (CQC)"],
    );
    o.sr_method = CM_FUNNEL_SR_SHMI;
    // A zero denominator, a missing numerator, O = 0 under SR/SHMI (and excluded), O > n.
    let with = |o_col: Vec<Option<f64>>, e_col: Vec<f64>| -> RecordBatch {
        RecordBatch::try_from_iter(vec![
            ("obs", Arc::new(Float64Array::from(o_col)) as ArrayRef),
            ("exp", Arc::new(Float64Array::from(e_col)) as ArrayRef),
        ])
        .unwrap()
    };
    let b = with(vec![Some(5.0), Some(6.0), Some(7.0)], vec![5.0, 0.0, 7.0]);
    let status = call(cm_funnel_assess, b, &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["`exp` at row 1", "denominators"],
    );
    let b = with(vec![Some(5.0), None, Some(7.0)], vec![5.0, 6.0, 7.0]);
    let status = call(cm_funnel_assess, b, &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["`obs` at row 1", "missing"],
    );
    let b = with(vec![Some(5.0), Some(0.0), Some(7.0)], vec![5.0, 6.0, 7.0]);
    let status = call(cm_funnel_assess, b.clone(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_GROUP,
        &["group 1", "0 observed events"],
    );
    o.exclude_zero_sr = true;
    let out = call(cm_funnel_assess, b, &o).unwrap();
    assert_eq!(out.num_rows(), 2);
    assert!(out.schema().metadata()[DIAGNOSTICS_KEY].contains("zero_observed_sr"));
    o.statistic = CM_FUNNEL_STATISTIC_PR;
    let b = with(vec![Some(5.0), Some(9.0)], vec![8.0, 6.0]);
    let status = call(cm_funnel_assess, b, &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["`obs` at row 1", "must not exceed"],
    );
    // Fewer than two units for overdispersion.
    let b = with(vec![Some(5.0)], vec![8.0]);
    let status = call(cm_funnel_assess, b, &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["draw_adjusted", "at least 2 units"],
    );
    // PHE proportions need a multiplier, rates years of data.
    o.statistic = CM_FUNNEL_STATISTIC_PROPORTION;
    let b = with(vec![Some(5.0), Some(3.0)], vec![8.0, 6.0]);
    let status = call(cm_funnel_assess, b.clone(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["multiplier", "required"],
    );
    o.has_multiplier = true;
    o.multiplier = 100.0;
    let out = call(cm_funnel_limits, b.clone(), &o).unwrap();
    assert_eq!(out.num_rows(), 100);
    o.statistic = CM_FUNNEL_STATISTIC_RATE_CRUDE;
    let status = call(cm_funnel_assess, b.clone(), &o).unwrap_err();
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["years_of_data"]);
    let _ = CM_FUNNEL_STATISTIC_RATE_DSR;
    // NULL options and input.
    let mut input = export(b);
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: NULL options are reported; the input is still released.
    let status = unsafe { cm_funnel_assess(&mut input, std::ptr::null(), &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["options"]);
    assert!(input.release.is_none());
    // SAFETY: NULL input is reported.
    let status = unsafe { cm_funnel_limits(null_mut(), &o, &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["input"]);
}
