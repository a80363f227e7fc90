//! Inequality through the C ABI: the individual indices over arrays and
//! `cm_inequality_measures` through Arrow C streams, bit for bit against the core.

use super::{assert_failed, assert_ok, last_field, last_kind, last_message};
use crate::cm_last_error_argument;
use crate::inequality::{
    cm_atkinson, cm_generalized_entropy, cm_gini, cm_inequality_measures,
    cm_inequality_options_default, cm_mld, cm_theil, CmInequalityOptions, CM_FAVOURABLE_HIGH,
    CM_FAVOURABLE_LOW, CM_RCI_WAGSTAFF, CM_SII_LOGISTIC, CM_VALUE_TYPE_RATE,
};
use crate::CmStatus;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
};
use collabmetrics::inequality::{
    self, Favourable, HeatOptions, Measure, MeasuresTableOptions, RciMethod, SiiModel, ValueType,
};
use collabmetrics::table::{ColumnMap, Input};
use std::ffi::{c_char, CString};
use std::sync::Arc;

const VALUES: [f64; 6] = [3.5, 1.25, 8.0, 0.5, 12.0, 4.75];
const WEIGHTS: [f64; 6] = [1.0, 2.5, 0.5, 3.0, 1.0, 2.0];

type Index = unsafe extern "C" fn(*const f64, *const f64, usize, *mut f64) -> CmStatus;

/// `cm_gini` without the small-sample correction, as an [`Index`].
unsafe extern "C" fn gini_plain(v: *const f64, w: *const f64, n: usize, out: *mut f64) -> CmStatus {
    // SAFETY: forwarded.
    unsafe { cm_gini(v, w, n, false, out) }
}

/// `cm_gini` with it.
unsafe extern "C" fn gini_corrected(
    v: *const f64,
    w: *const f64,
    n: usize,
    out: *mut f64,
) -> CmStatus {
    // SAFETY: forwarded.
    unsafe { cm_gini(v, w, n, true, out) }
}

fn index(f: Index, values: &[f64], weights: Option<&[f64]>) -> Result<f64, CmStatus> {
    let mut out = f64::NAN;
    let w = weights.map_or(std::ptr::null(), <[f64]>::as_ptr);
    // SAFETY: valid arrays of `values.len()` elements and one output double.
    let status = unsafe { f(values.as_ptr(), w, values.len(), &mut out) };
    if status == CmStatus::OK {
        assert_ok(status);
        Ok(out)
    } else {
        Err(status)
    }
}

#[test]
fn individual_indices_equal_the_core() {
    for w in [None, Some(&WEIGHTS[..])] {
        let gini = inequality::gini(&VALUES, w, false).unwrap().gini;
        assert_eq!(
            index(gini_plain, &VALUES, w).unwrap().to_bits(),
            gini.to_bits()
        );
        let theil = inequality::theil(&VALUES, w).unwrap();
        assert_eq!(
            index(cm_theil, &VALUES, w).unwrap().to_bits(),
            theil.to_bits()
        );
        let mld = inequality::mld(&VALUES, w).unwrap();
        assert_eq!(index(cm_mld, &VALUES, w).unwrap().to_bits(), mld.to_bits());
        let wp = w.map_or(std::ptr::null(), <[f64]>::as_ptr);
        for e in [0.0, 0.5, 1.0, 2.0] {
            let mut out = f64::NAN;
            // SAFETY: valid arrays and one output double.
            assert_ok(unsafe { cm_atkinson(VALUES.as_ptr(), wp, VALUES.len(), e, &mut out) });
            let a = inequality::atkinson(&VALUES, w, e).unwrap().atkinson;
            assert_eq!(out.to_bits(), a.to_bits());
        }
        for alpha in [-1.0, 0.0, 0.5, 1.0, 2.0] {
            let mut out = f64::NAN;
            // SAFETY: valid arrays and one output double.
            let status = unsafe {
                cm_generalized_entropy(VALUES.as_ptr(), wp, VALUES.len(), alpha, &mut out)
            };
            assert_ok(status);
            let g = inequality::generalized_entropy(&VALUES, w, alpha).unwrap();
            assert_eq!(out.to_bits(), g.to_bits());
        }
    }
    // Hand check: Gini of 1, 2, 3, 4 is 20 / (2 · 4² · 2.5) = 0.25.
    assert_eq!(index(gini_plain, &[1.0, 2.0, 3.0, 4.0], None), Ok(0.25));
    // Corrected: × n/(n − 1) = 0.25 × 4/3 (by hand), as Python's gini(corrected=True).
    let c = index(gini_corrected, &[1.0, 2.0, 3.0, 4.0], None).unwrap();
    assert!((c - 1.0 / 3.0).abs() < 1e-15, "{c}");
}

#[test]
fn individual_bad_input() {
    assert_eq!(
        index(cm_theil, &[1.0, -2.0], None),
        Err(CmStatus::INVALID_VALUE)
    );
    assert!(
        last_message().contains("`values` at index 1"),
        "{}",
        last_message()
    );
    assert_eq!(
        index(cm_mld, &[1.0, 0.0], None),
        Err(CmStatus::INVALID_VALUE)
    );
    assert!(last_message().contains("must be > 0"), "{}", last_message());
    assert_eq!(
        index(gini_plain, &[1.0, f64::NAN], None),
        Err(CmStatus::INVALID_VALUE)
    );
    assert_eq!(
        index(gini_plain, &[1.0, 2.0], Some(&[1.0, 0.0])),
        Err(CmStatus::INVALID_VALUE)
    );
    assert!(
        last_message().contains("`weights` at index 1"),
        "{}",
        last_message()
    );
    assert_failed(
        index(gini_plain, &[], None).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["values", "at least one value"],
    );
    assert_failed(
        index(cm_theil, &[0.0, 0.0], None).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["all values are zero"],
    );
    let mut out = 0.0;
    // SAFETY: NULL values with len > 0 is reported, not read.
    let status = unsafe { cm_gini(std::ptr::null(), std::ptr::null(), 3, false, &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["values"]);
    // SAFETY: NULL out is reported.
    let status = unsafe {
        cm_gini(
            VALUES.as_ptr(),
            std::ptr::null(),
            6,
            false,
            std::ptr::null_mut(),
        )
    };
    assert_failed(status, CmStatus::NULL_POINTER, &["out"]);
    // SAFETY: NULL weights are unit weights; `out` aliases `values`, which is reported.
    let mut buf = VALUES;
    let p = buf.as_mut_ptr();
    let status = unsafe { cm_gini(p, std::ptr::null(), 6, false, p.add(2)) };
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["out", "shares memory"],
    );
    let mut out = 0.0;
    // SAFETY: valid arrays; a negative epsilon is reported.
    let status = unsafe { cm_atkinson(VALUES.as_ptr(), std::ptr::null(), 6, -1.0, &mut out) };
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["epsilon"]);
}

/// Two areas × five deciles; area B's values are twice area A's; an optional null population.
fn table(population_b3: Option<f64>) -> RecordBatch {
    let (mut area, mut decile, mut rate, mut se, mut pop) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (k, a) in ["A", "B"].iter().enumerate() {
        for d in 1..=5i64 {
            let f = (k + 1) as f64;
            area.push(*a);
            decile.push(d);
            rate.push(f * (40.0 - 5.0 * d as f64));
            se.push(if d == 2 {
                None
            } else {
                Some(f * (1.0 + 0.2 * d as f64))
            });
            pop.push(if k == 1 && d == 3 {
                population_b3
            } else {
                Some(1000.0 + 100.0 * d as f64)
            });
        }
    }
    RecordBatch::try_from_iter(vec![
        ("area", Arc::new(StringArray::from(area)) as ArrayRef),
        ("imd", Arc::new(Int64Array::from(decile)) as ArrayRef),
        ("rate", Arc::new(Float64Array::from(rate)) as ArrayRef),
        ("rate_se", Arc::new(Float64Array::from(se)) as ArrayRef),
        ("pop", Arc::new(Float64Array::from(pop)) as ArrayRef),
    ])
    .unwrap()
}

fn export(b: RecordBatch) -> FFI_ArrowArrayStream {
    let schema = b.schema();
    FFI_ArrowArrayStream::new(Box::new(RecordBatchIterator::new(vec![Ok(b)], schema)))
}

fn call(b: RecordBatch, o: &CmInequalityOptions) -> Result<RecordBatch, CmStatus> {
    let mut input = export(b);
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: valid streams and options for the duration of the call.
    let status = unsafe { cm_inequality_measures(&mut input, o, &mut out) };
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

fn core(b: RecordBatch, opts: &MeasuresTableOptions) -> collabmetrics::Result<RecordBatch> {
    let input = Input::new(b.schema(), &[b], ColumnMap::new())?;
    inequality::measures_table(&input, opts).map(|r| r.into_batch())
}

/// Borrowed C strings for one call.
struct Names(Vec<CString>);

impl Names {
    fn new(names: &[&str]) -> Self {
        Names(names.iter().map(|n| CString::new(*n).unwrap()).collect())
    }
    fn ptrs(&self) -> Vec<*const c_char> {
        self.0.iter().map(|c| c.as_ptr()).collect()
    }
}

#[test]
fn measures_equal_the_core_bit_for_bit() {
    let names = Names::new(&["area", "imd", "rate", "rate_se", "pop"]);
    let p = names.ptrs();
    let mut o = cm_inequality_options_default();
    o.by = &p[0];
    o.by_len = 1;
    o.subgroup = p[1];
    o.value = p[2];
    o.se = p[3];
    o.population = p[4];
    o.order = p[1];
    o.favourable = CM_FAVOURABLE_LOW;
    o.rci_method = CM_RCI_WAGSTAFF;
    o.value_type = CM_VALUE_TYPE_RATE;
    o.scale = 100.0;
    o.reps = 1_000;
    o.seed = 7;
    let out = call(table(Some(1300.0)), &o).unwrap();
    let opts = MeasuresTableOptions {
        by: vec!["area".into()],
        subgroup: "imd".into(),
        value: "rate".into(),
        se: Some("rate_se".into()),
        population: "pop".into(),
        order: Some("imd".into()),
        options: HeatOptions {
            favourable: Some(Favourable::Low),
            rci_method: RciMethod::Wagstaff,
            value_type: ValueType::Rate,
            scale: Some(100.0),
            reps: 1_000,
            seed: 7,
            ..HeatOptions::default()
        },
        ..MeasuresTableOptions::default()
    };
    assert_eq!(out, core(table(Some(1300.0)), &opts).unwrap());
    assert!(out.num_rows() > 10);

    // Chosen measures, a column map, the logistic SII.
    let codes = Names::new(&["SII", "rii", "D"]);
    let cp = codes.ptrs();
    let map = Names::new(&["subgroup", "imd", "value", "rate", "population", "pop"]);
    let mp = map.ptrs();
    let mut o = cm_inequality_options_default();
    o.order = p[1];
    o.measures = cp.as_ptr();
    o.measures_len = 3;
    o.column_names = mp.as_ptr();
    o.column_names_len = 3;
    o.sii_model = CM_SII_LOGISTIC;
    o.favourable = CM_FAVOURABLE_HIGH;
    o.reps = 0;
    let b = table(Some(1300.0)).slice(0, 5);
    let out = call(b.clone(), &o).unwrap();
    let opts = MeasuresTableOptions {
        subgroup: "imd".into(),
        value: "rate".into(),
        population: "pop".into(),
        order: Some("imd".into()),
        measures: Some(vec![Measure::Sii, Measure::Rii, Measure::D]),
        options: HeatOptions {
            favourable: Some(Favourable::High),
            sii_model: SiiModel::Logistic,
            reps: 0,
            ..HeatOptions::default()
        },
        ..MeasuresTableOptions::default()
    };
    assert_eq!(out, core(b, &opts).unwrap());
    assert_eq!(out.num_rows(), 3);
}

#[test]
fn measures_bad_input() {
    let names = Names::new(&["area", "imd", "rate", "pop", "XYZ"]);
    let p = names.ptrs();
    let mut o = cm_inequality_options_default();
    o.by = &p[0];
    o.by_len = 1;
    o.subgroup = p[1];
    o.value = p[2];
    o.population = p[3];
    o.order = p[1];
    o.reps = 0;
    // The direction has no default: the measures that need it name the option.
    assert_failed(
        call(table(Some(1.0)), &o).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["favourable", "no safe default"],
    );
    assert_eq!(
        last_field(cm_last_error_argument()),
        Some("favourable".into())
    );
    assert_eq!(last_kind(), "invalid_argument");
    o.favourable = CM_FAVOURABLE_LOW;
    // A null population names the by-group and the subgroup.
    assert_failed(
        call(table(None), &o).unwrap_err(),
        CmStatus::INVALID_GROUP,
        &["area=B", "subgroup \"3\"", "missing population"],
    );
    // Non-ordered, with a setting average: one missing population in five is over 15%.
    o.order = std::ptr::null();
    o.setting_average = 30.0;
    assert_failed(
        call(table(None), &o).unwrap_err(),
        CmStatus::INVALID_GROUP,
        &["area=B", "subgroup \"3\"", "more than 15%"],
    );
    o.order = p[1];
    o.setting_average = f64::NAN;
    // PHE's multiplier reaches the SII, which refuses 0.
    o.multiplier = 0.0;
    assert_failed(
        call(table(Some(1.0)), &o).unwrap_err(),
        CmStatus::INVALID_GROUP,
        &["area=A", "multiplier"],
    );
    o.multiplier = 1.0;
    assert_failed(
        call(table(Some(0.0)), &o).unwrap_err(),
        CmStatus::INVALID_GROUP,
        &["area=B", "population must be > 0"],
    );
    o.reps = 50;
    assert_failed(
        call(table(Some(1.0)), &o).unwrap_err(),
        CmStatus::INVALID_GROUP,
        &["reps", "at least 100"],
    );
    o.reps = 0;
    o.favourable = 9;
    assert_failed(
        call(table(Some(1.0)), &o).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["favourable", "CM_FAVOURABLE_"],
    );
    o.favourable = CM_FAVOURABLE_LOW;
    o.value_type = 3;
    assert_failed(
        call(table(Some(1.0)), &o).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["value_type", "CM_VALUE_TYPE_"],
    );
    o.value_type = CM_VALUE_TYPE_RATE;
    o.measures = &p[4];
    o.measures_len = 1;
    assert_failed(
        call(table(Some(1.0)), &o).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["unknown measure \"XYZ\"", "expected one of \"D\", \"R\""],
    );
    o.measures_len = 0;
    o.value = p[4];
    assert_failed(
        call(table(Some(1.0)), &o).unwrap_err(),
        CmStatus::MISSING_COLUMN,
        &["XYZ"],
    );
    let mut input = export(table(Some(1.0)));
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: NULL options is allowed and reported; the input is still released.
    let status = unsafe { cm_inequality_measures(&mut input, std::ptr::null(), &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["options"]);
    assert!(input.release.is_none());
    // SAFETY: NULL input is reported.
    let status = unsafe { cm_inequality_measures(std::ptr::null_mut(), &o, &mut out) };
    assert_failed(status, CmStatus::NULL_POINTER, &["input"]);
}
