//! `cm_disclose` through Arrow C streams: the spec's cases D1–D11 (worked by hand in
//! `crates/collabmetrics/tests/disclosure.rs`), the log stream, and bad input.

use super::assert_failed;
use crate::{
    cm_disclose, cm_disclose_options_default, CmDerived, CmDiscloseOptions, CmStatus,
    CM_DERIVED_PERCENT, CM_DISPLAY_CENTRAL, CM_SECONDARY_NONE, CM_SUPPRESS_ON_NUMERATOR,
};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{
    cast::AsArray,
    types::{Float64Type, Int64Type},
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchIterator,
    StringArray,
};
use std::ffi::{c_char, CString};
use std::ptr::null_mut;
use std::sync::Arc;

fn export(b: RecordBatch) -> FFI_ArrowArrayStream {
    let schema = b.schema();
    FFI_ArrowArrayStream::new(Box::new(RecordBatchIterator::new(vec![Ok(b)], schema)))
}

fn read(mut s: FFI_ArrowArrayStream) -> RecordBatch {
    // SAFETY: `s` holds a stream the call wrote.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(&mut s) }.unwrap();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    batches.into_iter().next().unwrap()
}

/// Calls `cm_disclose`; the published table and the log.
fn call(b: RecordBatch, o: &CmDiscloseOptions) -> Result<(RecordBatch, RecordBatch), CmStatus> {
    let mut input = export(b);
    let (mut out, mut log) = (FFI_ArrowArrayStream::empty(), FFI_ArrowArrayStream::empty());
    // SAFETY: valid streams and options for the duration of the call.
    let status = unsafe { cm_disclose(&mut input, o, &mut out, &mut log) };
    assert!(
        input.release.is_none(),
        "the input stream is released by the call"
    );
    if status != CmStatus::OK {
        assert!(out.release.is_none() && log.release.is_none());
        return Err(status);
    }
    Ok((read(out), read(log)))
}

fn ints(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<Int64Type>()
        .iter()
        .collect()
}

fn floats(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

/// The audit interval the log gives the cell at `row`.
fn interval(log: &RecordBatch, row: u64) -> (f64, f64) {
    let rows = log
        .column_by_name("row")
        .unwrap()
        .as_primitive::<arrow_array::types::UInt64Type>();
    let k = (0..log.num_rows()).find(|&k| rows.value(k) == row).unwrap();
    let lo = floats(log, "audit_lower")[k].unwrap();
    let hi = floats(log, "audit_upper")[k].unwrap();
    (lo, hi)
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

fn int_col(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

fn text_col(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

/// Owned C strings and the pointer arrays the options borrow.
struct Names {
    _strings: Vec<CString>,
    ptrs: Vec<*const c_char>,
}

fn names(v: &[&str]) -> Names {
    let strings: Vec<CString> = v.iter().map(|s| CString::new(*s).unwrap()).collect();
    let ptrs = strings.iter().map(|s| s.as_ptr()).collect();
    Names {
        _strings: strings,
        ptrs,
    }
}

fn with_counts(o: &mut CmDiscloseOptions, counts: &Names) {
    o.counts = counts.ptrs.as_ptr();
    o.counts_len = counts.ptrs.len();
    o.has_counts = true;
}

fn with_dimensions(o: &mut CmDiscloseOptions, dims: &Names) {
    o.dimensions = dims.ptrs.as_ptr();
    o.dimensions_len = dims.ptrs.len();
    o.has_dimensions = true;
}

#[test]
fn d1_d2_d5_rules_national_rows_and_display() {
    let n = names(&["n"]);
    let d1 = [0, 1, 4, 5, 7, 8, 12, 13, 17, 18, 22, 23, 1234, 1237, 1238];
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    let (t, log) = call(batch(vec![("n", int_col(&d1))]), &o).unwrap();
    let s = None;
    let p = Some;
    assert_eq!(
        ints(&t, "n"),
        vec![
            s,
            s,
            s,
            p(5),
            p(5),
            p(10),
            p(10),
            p(15),
            p(15),
            p(20),
            p(20),
            p(25),
            p(1235),
            p(1235),
            p(1240)
        ]
    );
    assert_eq!(interval(&log, 1), (0.0, 4.0));
    let hes = CString::new("nhs_hes").unwrap();
    o.rule = hes.as_ptr();
    let (t, _) = call(batch(vec![("n", int_col(&d1))]), &o).unwrap();
    assert_eq!(ints(&t, "n")[..6], [p(0), s, s, s, s, p(10)]);
    // D5: codonPython's central value.
    o.display = CM_DISPLAY_CENTRAL;
    let (t, _) = call(
        batch(vec![("n", int_col(&[0, 2, 5, 8, 16, 57, 10023]))]),
        &o,
    )
    .unwrap();
    assert_eq!(
        ints(&t, "n"),
        [0, 5, 5, 10, 15, 55, 10025].map(Some).to_vec()
    );
    // The central value under nhs_mhsds, which publishes 5–7 as 5: refused, naming display.
    let mhsds = CString::new("nhs_mhsds").unwrap();
    o.rule = mhsds.as_ptr();
    let status = call(batch(vec![("n", int_col(&[3, 6]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["display", "counts 5 to 7 as 5"],
    );
    // D2: national rows unchanged.
    let england = CString::new("england").unwrap();
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    o.national = england.as_ptr();
    let b = batch(vec![
        ("n", int_col(&[0, 3, 12])),
        (
            "england",
            Arc::new(BooleanArray::from(vec![true; 3])) as ArrayRef,
        ),
    ]);
    let (t, log) = call(b, &o).unwrap();
    assert_eq!(ints(&t, "n"), vec![p(0), p(3), p(12)]);
    assert_eq!(log.num_rows(), 0);
    // The log stream carries the diagnostics entry of every result, as Python's log does.
    let key = collabmetrics::table::DIAGNOSTICS_KEY;
    assert_eq!(log.schema().metadata()[key], "[]");
}

#[test]
fn d3_totals_and_d4_percentages() {
    let (n, dims) = (names(&["n"]), names(&["place"]));
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    with_dimensions(&mut o, &dims);
    let b = batch(vec![
        ("place", text_col(&[Some("A"), Some("B"), Some("C")])),
        ("n", int_col(&[3, 12, 26])),
    ]);
    let (t, _) = call(b, &o).unwrap();
    assert_eq!(ints(&t, "n"), vec![None, Some(10), Some(25), Some(40)]);

    let nd = names(&["n", "d"]);
    let (pct, num, den) = (
        CString::new("pct").unwrap(),
        CString::new("n").unwrap(),
        CString::new("d").unwrap(),
    );
    let derived = [CmDerived {
        column: pct.as_ptr(),
        numerator: num.as_ptr(),
        denominator: den.as_ptr(),
        kind: CM_DERIVED_PERCENT,
        multiplier: f64::NAN,
        decimals: -1,
        min_denominator: f64::NAN,
    }];
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &nd);
    o.derived = derived.as_ptr();
    o.derived_len = 1;
    o.has_derived = true;
    let d4 = || {
        batch(vec![
            ("n", int_col(&[13, 3, 7, 5, 12])),
            ("d", int_col(&[47, 40, 9, 5, 4])),
        ])
    };
    let (t, _) = call(d4(), &o).unwrap();
    assert_eq!(
        floats(&t, "pct"),
        vec![Some(28.0), None, Some(78.0), Some(100.0), None]
    );
    o.suppress_on = CM_SUPPRESS_ON_NUMERATOR;
    let (t, _) = call(d4(), &o).unwrap();
    assert_eq!(floats(&t, "pct")[4], Some(300.0));
}

fn two_way(rows: &[&str], cols: &[&str], values: &[&[i64]]) -> RecordBatch {
    let (mut r, mut c, mut n) = (Vec::new(), Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        for (j, col) in cols.iter().enumerate() {
            r.push(Some(*row));
            c.push(Some(*col));
            n.push(values[i][j]);
        }
    }
    batch(vec![
        ("row", text_col(&r)),
        ("col", text_col(&c)),
        ("n", int_col(&n)),
    ])
}

#[test]
fn d6_d7_hypercube_and_audit() {
    let (n, dims) = (names(&["n"]), names(&["row", "col"]));
    let custom = CString::new("custom(k=5, suppress_zero=false, base=1)").unwrap();
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    with_dimensions(&mut o, &dims);
    o.rule = custom.as_ptr();
    let d6 = || {
        two_way(
            &["X", "Y", "Z"],
            &["A", "B", "C"],
            &[&[3, 10, 12], &[8, 9, 15], &[6, 20, 7]],
        )
    };
    let (t, log) = call(d6(), &o).unwrap();
    let shown = ints(&t, "n");
    let hidden: Vec<usize> = (0..shown.len()).filter(|&r| shown[r].is_none()).collect();
    assert_eq!(hidden, vec![0, 2, 6, 8]);
    // X-A = a, X-C = 15 − a, Z-A = 9 − a, Z-C = 4 + a, each ≥ 1 (zeros are published and a
    // complement is never zero; the spec's ≥ 0 gives [0, 9], [6, 15], [0, 9], [4, 13]).
    assert_eq!(interval(&log, 0), (1.0, 8.0));
    assert_eq!(interval(&log, 2), (7.0, 14.0));
    assert_eq!(interval(&log, 6), (1.0, 8.0));
    assert_eq!(interval(&log, 8), (5.0, 12.0));
    // D6a: without secondary suppression X-A is recovered; the audit refuses.
    o.secondary = CM_SECONDARY_NONE;
    let status = call(d6(), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["disclosive", "[3, 3]", "row=X, col=A"],
    );
    // D7.
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    with_dimensions(&mut o, &dims);
    o.rule = custom.as_ptr();
    let (t, log) = call(
        two_way(&["X", "Y"], &["A", "B", "C"], &[&[2, 4, 30], &[10, 12, 14]]),
        &o,
    )
    .unwrap();
    let shown = ints(&t, "n");
    assert_eq!(
        (0..shown.len())
            .filter(|&r| shown[r].is_none())
            .collect::<Vec<_>>(),
        vec![0, 1, 3, 4]
    );
    // Y-A = 12 − a, Y-B = 10 + a with X-A = a ∈ [1, 5] (X-B = 6 − a ≥ 1).
    assert_eq!(interval(&log, 3), (7.0, 11.0));
    assert_eq!(interval(&log, 4), (11.0, 15.0));
}

#[test]
fn d9_d10_d11_one_way_tables() {
    let (n, dims) = (names(&["n"]), names(&["part"]));
    let custom = CString::new("custom(k=5, suppress_zero=false, base=1)").unwrap();
    let one_way = |parts: &[i64], total: Option<i64>| {
        let labels = ["p1", "p2", "p3", "p4", "p5"];
        let mut keys: Vec<Option<&str>> = labels[..parts.len()].iter().map(|s| Some(*s)).collect();
        let mut v = parts.to_vec();
        if let Some(t) = total {
            keys.push(None);
            v.push(t);
        }
        batch(vec![("part", text_col(&keys)), ("n", int_col(&v))])
    };
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    with_dimensions(&mut o, &dims);
    o.rule = custom.as_ptr();
    let (t, log) = call(one_way(&[2, 9, 14, 30], Some(55)), &o).unwrap();
    assert_eq!(
        ints(&t, "n"),
        vec![None, None, Some(14), Some(30), Some(55)]
    );
    assert_eq!(interval(&log, 0), (1.0, 10.0)); // x1 + x2 = 11, both ≥ 1
    let (t, _) = call(one_way(&[3, 0, 0, 8, 20], Some(31)), &o).unwrap();
    assert_eq!(
        ints(&t, "n"),
        vec![None, Some(0), Some(0), None, Some(20), Some(31)]
    );
    // D11 under the default rule: reported intervals.
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    with_dimensions(&mut o, &dims);
    for ((x, y), expected) in [
        ((3, 12), (1.0, 4.0)),
        ((0, 12), (0.0, 4.0)),
        ((4, 13), (0.0, 4.0)),
        ((1, 5), (0.0, 2.0)),
    ] {
        let (_, log) = call(one_way(&[x, y], None), &o).unwrap();
        assert_eq!(interval(&log, 0), expected, "({x}, {y})");
    }
}

#[test]
fn bad_input_is_reported_by_field() {
    let n = names(&["n"]);
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    // A negative count and a fraction.
    let status = call(batch(vec![("n", int_col(&[4, -1]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["`n`", "row 1", "whole numbers >= 0"],
    );
    let b = batch(vec![(
        "n",
        Arc::new(Float64Array::from(vec![4.2])) as ArrayRef,
    )]);
    assert_failed(call(b, &o).unwrap_err(), CmStatus::INVALID_CELL, &["4.2"]);
    // An unknown rule.
    let bad = CString::new("nhs").unwrap();
    o.rule = bad.as_ptr();
    let status = call(batch(vec![("n", int_col(&[4]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["unknown rule \"nhs\""],
    );
    // A derived value naming a missing count.
    let (pct, num, den) = (
        CString::new("pct").unwrap(),
        CString::new("n").unwrap(),
        CString::new("people").unwrap(),
    );
    let derived = [CmDerived {
        column: pct.as_ptr(),
        numerator: num.as_ptr(),
        denominator: den.as_ptr(),
        kind: CM_DERIVED_PERCENT,
        multiplier: f64::NAN,
        decimals: -1,
        min_denominator: f64::NAN,
    }];
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    o.derived = derived.as_ptr();
    o.derived_len = 1;
    o.has_derived = true;
    let status = call(batch(vec![("n", int_col(&[4]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::MISSING_COLUMN,
        &["people", "denominator of the derived value `pct`"],
    );
    // A NULL field or an unknown kind in the second element: named with its index.
    let mut two = [derived[0], derived[0]];
    two[1].column = std::ptr::null();
    o.derived = two.as_ptr();
    o.derived_len = 2;
    let status = call(batch(vec![("n", int_col(&[4]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::NULL_POINTER,
        &["`derived[1].column` is NULL"],
    );
    assert_eq!(
        super::last_field(crate::cm_last_error_argument()),
        Some("derived[1].column".into())
    );
    two[1].column = pct.as_ptr();
    two[1].kind = 99;
    o.derived = two.as_ptr();
    let status = call(batch(vec![("n", int_col(&[4]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["derived[1].kind", "99"],
    );
    // Three dimensions: too complex, naming the tools that can.
    let (abc, custom) = (
        names(&["a", "b", "c"]),
        CString::new("custom(k=5)").unwrap(),
    );
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    with_dimensions(&mut o, &abc);
    o.rule = custom.as_ptr();
    let b = batch(vec![
        ("a", text_col(&[Some("x")])),
        ("b", text_col(&[Some("y")])),
        ("c", text_col(&[Some("z")])),
        ("n", int_col(&[3])),
    ]);
    assert_failed(
        call(b, &o).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["τ-Argus", "sdcTable"],
    );
    // An unknown enum value, and NULL options.
    let mut o = cm_disclose_options_default();
    o.secondary = 7;
    assert_failed(
        call(batch(vec![("n", int_col(&[4]))]), &o).unwrap_err(),
        CmStatus::INVALID_ARGUMENT,
        &["secondary"],
    );
    let mut input = export(batch(vec![("n", int_col(&[4]))]));
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: a valid stream; NULL options and log are allowed to be passed.
    let status = unsafe { cm_disclose(&mut input, std::ptr::null(), &mut out, null_mut()) };
    assert!(input.release.is_none());
    assert_failed(status, CmStatus::NULL_POINTER, &["options"]);
}

#[test]
fn our_results_need_no_column_lists() {
    // A result of the core carries its roles: disclose it with the default options only.
    let b = batch(vec![
        ("place", text_col(&[Some("A"), Some("B")])),
        ("n", int_col(&[3, 12])),
    ]);
    let roles = collabmetrics::table::Roles::counts(&["n"], &["place".into()]);
    let b = roles.annotate(b);
    let o = cm_disclose_options_default();
    let mut input = export(b);
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: valid streams and options; no log wanted.
    let status = unsafe { cm_disclose(&mut input, &o, &mut out, null_mut()) };
    assert_eq!(status, CmStatus::OK);
    assert_eq!(ints(&read(out), "n"), vec![None, Some(10)]);
}

#[test]
fn constants_and_defaults_are_the_core_s() {
    use crate::*;
    use collabmetrics::disclosure::{
        DerivedKind, DisclosureOptions, Display, Secondary, SuppressOn,
    };
    use collabmetrics::options::OptionEnum;
    fn positions<T: OptionEnum + std::fmt::Debug>(pairs: &[(u32, T)]) {
        assert_eq!(pairs.len(), T::ALL.len(), "a constant per {}", T::WHAT);
        for &(c, v) in pairs {
            assert_eq!(c, v.index() as u32, "{v:?}");
        }
    }
    positions(&[
        (CM_SECONDARY_AUTO, Secondary::Auto),
        (CM_SECONDARY_NONE, Secondary::None),
        (CM_SECONDARY_HYPERCUBE, Secondary::Hypercube),
    ]);
    positions(&[
        (CM_SUPPRESS_ON_EITHER, SuppressOn::Either),
        (CM_SUPPRESS_ON_NUMERATOR, SuppressOn::Numerator),
    ]);
    positions(&[
        (CM_DISPLAY_STAR, Display::Star),
        (CM_DISPLAY_CENTRAL, Display::Central),
    ]);
    positions(&[
        (CM_DERIVED_PERCENT, DerivedKind::Percent),
        (CM_DERIVED_PROPORTION, DerivedKind::Proportion),
        (CM_DERIVED_RATE, DerivedKind::Rate),
        (CM_DERIVED_RATIO, DerivedKind::Ratio),
        (CM_DERIVED_MEAN, DerivedKind::Mean),
    ]);
    // SAFETY: the defaults hold NULL arrays of length 0 only.
    let converted = unsafe { crate::disclosure::convert(&cm_disclose_options_default()) }.unwrap();
    assert_eq!(converted, DisclosureOptions::default());
}

/// The log holds the original counts: `log_out` at `out`'s address would overwrite the
/// published table with it (and leak the table), so it is refused before any work.
#[test]
fn the_log_cannot_be_written_where_the_table_goes() {
    let n = names(&["n"]);
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    let mut input = export(batch(vec![("n", int_col(&[4, 30]))]));
    let mut out = FFI_ArrowArrayStream::empty();
    let both: *mut FFI_ArrowArrayStream = &mut out;
    // SAFETY: valid streams and options for the duration of the call.
    let status = unsafe { cm_disclose(&mut input, &o, both, both) };
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`log_out`", "same stream as `out`"],
    );
    assert!(input.release.is_none() && out.release.is_none());
}

/// Arrays of options are checked as every array argument is: a length beyond the address
/// space is an error, not a read past the caller's array (`derived`, and string lists such as
/// `counts`).
#[test]
fn option_arrays_with_impossible_lengths_are_errors() {
    let n = names(&["n"]);
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    o.counts_len = 1 << 61;
    let status = call(batch(vec![("n", int_col(&[4]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`counts`", "too large"],
    );
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    let derived = [0u8; 8];
    o.derived = derived.as_ptr().cast();
    o.derived_len = 1 << 62;
    o.has_derived = true;
    let status = call(batch(vec![("n", int_col(&[4]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`derived`", "too large"],
    );
}

/// A table-wide check of an input stream (two columns of one name) names the stream.
#[test]
fn a_table_wide_error_names_the_stream() {
    let n = names(&["n"]);
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    let b = batch(vec![("n", int_col(&[4])), ("n", int_col(&[5]))]);
    let status = call(b, &o).unwrap_err();
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`input`", "`n`"]);
}

/// An empty count list (`has_counts` with no names) and a custom rule beyond 2^53 are refused
/// as the core refuses them: the first published every count, the second overflowed.
#[test]
fn an_empty_count_list_and_a_huge_custom_base_are_refused() {
    let none = names(&[]);
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &none);
    let status = call(batch(vec![("n", int_col(&[3, 42]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`counts`", "is empty"],
    );
    let n = names(&["n"]);
    let mut o = cm_disclose_options_default();
    with_counts(&mut o, &n);
    let huge = CString::new("custom(k=5, base=9223372036854775809)").unwrap();
    o.rule = huge.as_ptr();
    let status = call(batch(vec![("n", int_col(&[3, 42]))]), &o).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["at most 9007199254740992"],
    );
}
