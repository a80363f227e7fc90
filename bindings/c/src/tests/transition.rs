//! `cm_transition_*` through Arrow C streams, as a C caller would use them, against the core
//! (`collabmetrics::transition`) called directly: the results must be the same batches, bit
//! for bit, with the same diagnostics in the schema metadata.
//!
//! The fixture (data end 30 June 2025):
//!
//! | person | born | died | referrals (id: line, received – discharged) | contacts |
//! |---|---|---|---|---|
//! | A | 2005-06-01 | | 1: cyp 2022-01-01 – open; 2: adult 2023-05-01 – open | 1: attended 2023-01-10; 2: attended 2023-05-01 (day 0) |
//! | B | 2004-03-15 | | 3: cyp 2020-01-01 – 2022-03-01 (closure 02); 4: adult 2022-02-01 – open | 3: attended 2021-12-01; 4: DNA 2022-02-10, attended 2022-04-01 (day 59) |
//! | C | 2006-01-01 | | 5: cyp 2021-06-01 – open | 5: attended 2023-10-01 |
//! | D | 2005-02-02 | 2023-08-01 | 6: cyp 2022-06-01 – 2023-02-01 (closure 05); 7: adult 2023-03-01 – open | 6: attended 2023-01-01 |
//!
//! Cohort T: A (17 on 2023-05-01, CYP referral open), B (17 on 2022-02-01, CYP open) and D
//! (18 on 2023-03-01, attended CYP contact 59 days before), in person order; days to the
//! first attended adult contact 0, 59 and none (D died 153 days after the index).
//!
//! Every call checks that each input stream was released by the call (the caller's struct is
//! left with `release == NULL` and the producer's own release ran), on success and failure,
//! and that the outputs are untouched on failure.

use super::{assert_failed, assert_ok, last_message};
use crate::{
    cm_transition_analyse, cm_transition_options_default, cm_transition_service_lines,
    cm_transition_time_to_contact, CmStatus, CmTransitionOptions, CM_CURVE_AALEN_JOHANSEN,
    CM_CURVE_KAPLAN_MEIER,
};
use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::Int64Type;
use arrow_array::{
    ArrayRef, Date32Array, Int64Array, RecordBatch, RecordBatchIterator, RecordBatchReader,
    StringArray,
};
use arrow_schema::{ArrowError, Field, Schema, SchemaRef};
use collabmetrics::table::{ColumnMap, Input, TableResult, DIAGNOSTICS_KEY};
use collabmetrics::transition::{self, CurveMethod, Tables, TransitionOptions};
use std::ffi::{c_char, CString};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// Fixture

fn date(s: &str) -> i32 {
    collabmetrics::table::parse_date(s).expect("an ISO date")
}

fn dates(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(Date32Array::from(
        values.iter().map(|v| v.map(date)).collect::<Vec<_>>(),
    ))
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn ids(values: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(values.to_vec()))
}

fn data_end() -> i32 {
    date("2025-06-30")
}

fn persons() -> RecordBatch {
    RecordBatch::try_from_iter(vec![
        (
            "person_id",
            strings(&[Some("A"), Some("B"), Some("C"), Some("D")]),
        ),
        (
            "date_of_birth",
            dates(&[
                Some("2005-06-01"),
                Some("2004-03-15"),
                Some("2006-01-01"),
                Some("2005-02-02"),
            ]),
        ),
        (
            "date_of_death",
            dates(&[None, None, None, Some("2023-08-01")]),
        ),
        (
            "sex",
            strings(&[Some("F"), Some("M"), Some("F"), Some("M")]),
        ),
    ])
    .unwrap()
}

fn referrals() -> RecordBatch {
    RecordBatch::try_from_iter(vec![
        ("referral_id", ids(&[1, 2, 3, 4, 5, 6, 7])),
        (
            "person_id",
            strings(&["A", "A", "B", "B", "C", "D", "D"].map(Some)),
        ),
        (
            "received_date",
            dates(
                &[
                    "2022-01-01",
                    "2023-05-01",
                    "2020-01-01",
                    "2022-02-01",
                    "2021-06-01",
                    "2022-06-01",
                    "2023-03-01",
                ]
                .map(Some),
            ),
        ),
        (
            "discharge_date",
            dates(&[
                None,
                None,
                Some("2022-03-01"),
                None,
                None,
                Some("2023-02-01"),
                None,
            ]),
        ),
        (
            "service_line",
            strings(&["cyp", "adult", "cyp", "adult", "cyp", "cyp", "adult"].map(Some)),
        ),
        (
            "team_type",
            strings(&["C01", "A05", "C01", "A05", "C01", "C01", "A05"].map(Some)),
        ),
        (
            "closure_reason",
            strings(&[None, None, Some("02"), None, None, Some("05"), None]),
        ),
    ])
    .unwrap()
}

fn contacts() -> RecordBatch {
    RecordBatch::try_from_iter(vec![
        ("referral_id", ids(&[1, 2, 3, 4, 4, 5, 6])),
        (
            "contact_date",
            dates(
                &[
                    "2023-01-10",
                    "2023-05-01",
                    "2021-12-01",
                    "2022-02-10",
                    "2022-04-01",
                    "2023-10-01",
                    "2023-01-01",
                ]
                .map(Some),
            ),
        ),
        (
            "attendance",
            strings(&["5", "5", "6", "3", "5", "5", "5"].map(Some)),
        ),
    ])
    .unwrap()
}

fn care_plans() -> RecordBatch {
    RecordBatch::try_from_iter(vec![
        ("person_id", strings(&[Some("A"), Some("B")])),
        ("plan_type", strings(&[Some("14"), Some("12")])),
        ("date", dates(&[Some("2023-04-01"), Some("2021-12-01")])),
    ])
    .unwrap()
}

/// The batch with column `name` replaced by `values` (its type taken from them).
fn with_column(b: &RecordBatch, name: &str, values: ArrayRef) -> RecordBatch {
    let i = b.schema().index_of(name).unwrap();
    let mut cols = b.columns().to_vec();
    cols[i] = values;
    let mut fields: Vec<Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[i] = Field::new(name, cols[i].data_type().clone(), true);
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

/// The batch with columns renamed (`(ours, theirs)` pairs).
fn renamed(b: &RecordBatch, names: &[(&str, &str)]) -> RecordBatch {
    let fields: Vec<Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let name = names
                .iter()
                .find(|(ours, _)| ours == f.name())
                .map_or(f.name().as_str(), |(_, theirs)| theirs);
            f.as_ref().clone().with_name(name)
        })
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), b.columns().to_vec()).unwrap()
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

/// An input stream exported the way an Arrow producer would, plus whether it was released.
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
            "the caller's stream should be left released"
        );
        assert!(
            self.released.load(Ordering::SeqCst),
            "the producer's release callback should have run"
        );
    }
}

fn ptr_of(s: &mut Option<Source>) -> *mut FFI_ArrowArrayStream {
    s.as_mut()
        .map_or(null_mut(), |s| &mut s.stream as *mut FFI_ArrowArrayStream)
}

/// Reads an output stream back (taking it over, so it is released here): one batch, whose
/// schema is the stream's.
fn read_output(out: &mut FFI_ArrowArrayStream) -> RecordBatch {
    assert!(out.release.is_some(), "a result stream was written");
    // SAFETY: `out` holds a valid stream written by a cm_transition_ function.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(out) }.expect("a readable stream");
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().expect("batches");
    assert_eq!(batches.len(), 1, "one result batch");
    assert_eq!(batches[0].schema(), schema);
    batches.into_iter().next().unwrap()
}

/// The four input tables of a call (None: a NULL stream).
#[derive(Clone)]
struct Fixture {
    persons: Option<RecordBatch>,
    referrals: Option<RecordBatch>,
    contacts: Option<RecordBatch>,
    care_plans: Option<RecordBatch>,
}

fn fixture() -> Fixture {
    Fixture {
        persons: Some(persons()),
        referrals: Some(referrals()),
        contacts: Some(contacts()),
        care_plans: None,
    }
}

/// The outputs of `cm_transition_analyse`.
#[derive(Debug, PartialEq)]
struct Outputs {
    transfers: RecordBatch,
    ageing_out: RecordBatch,
    summary: RecordBatch,
    curve: RecordBatch,
}

/// Calls `cm_transition_analyse` on exported streams, with `outs` choosing which outputs are
/// NULL or shared (indices into four fresh streams; None: NULL). Checks that every input
/// stream was released and, on failure, that no output was written.
fn call_with_outs(
    f: Fixture,
    options: Option<&CmTransitionOptions>,
    outs: [Option<usize>; 4],
) -> Result<Outputs, CmStatus> {
    let mut sources =
        [f.persons, f.referrals, f.contacts, f.care_plans].map(|b| b.map(Source::new));
    let mut streams: [FFI_ArrowArrayStream; 4] =
        std::array::from_fn(|_| FFI_ArrowArrayStream::empty());
    let base = streams.as_mut_ptr();
    // SAFETY: indices below 4 stay in the array.
    let out = outs.map(|o| o.map_or(null_mut(), |i| unsafe { base.add(i) }));
    let [p, r, c, cp] = &mut sources;
    // SAFETY: every pointer is NULL or valid; the options' arrays outlive the call.
    let status = unsafe {
        cm_transition_analyse(
            ptr_of(p),
            ptr_of(r),
            ptr_of(c),
            ptr_of(cp),
            options.map_or(null(), |o| o as *const CmTransitionOptions),
            out[0],
            out[1],
            out[2],
            out[3],
        )
    };
    for s in sources.iter().flatten() {
        s.assert_released();
    }
    if status == CmStatus::OK {
        assert_ok(status);
        let [t, a, s, c] = &mut streams;
        Ok(Outputs {
            transfers: read_output(t),
            ageing_out: read_output(a),
            summary: read_output(s),
            curve: read_output(c),
        })
    } else {
        for s in &streams {
            assert!(s.release.is_none(), "on failure no output is written");
        }
        Err(status)
    }
}

fn call(f: Fixture, options: Option<&CmTransitionOptions>) -> Result<Outputs, CmStatus> {
    call_with_outs(f, options, [Some(0), Some(1), Some(2), Some(3)])
}

#[track_caller]
fn run(f: Fixture, options: &CmTransitionOptions) -> Outputs {
    call(f, Some(options)).unwrap_or_else(|status| panic!("{status:?}: {}", last_message()))
}

#[track_caller]
fn fail(f: Fixture, options: Option<&CmTransitionOptions>) -> CmStatus {
    call(f, options).expect_err("the call should fail")
}

fn input(b: &RecordBatch, map: &ColumnMap) -> Input {
    Input::new(b.schema(), std::slice::from_ref(b), map.clone()).expect("one batch")
}

/// The core called directly; each output with the diagnostics, as the C streams carry them.
fn core(f: &Fixture, opts: &TransitionOptions, map: &ColumnMap) -> Outputs {
    let (p, r, c) = (
        input(f.persons.as_ref().unwrap(), map),
        input(f.referrals.as_ref().unwrap(), map),
        input(f.contacts.as_ref().unwrap(), map),
    );
    let cp = f.care_plans.as_ref().map(|b| input(b, map));
    let tables = Tables {
        persons: &p,
        referrals: &r,
        contacts: &c,
        care_plans: cp.as_ref(),
    };
    let a = transition::analyse(&tables, opts).expect("the core accepts the fixture");
    let with = |table| {
        TableResult {
            table,
            diagnostics: a.diagnostics.clone(),
        }
        .into_batch()
    };
    let out = Outputs {
        transfers: with(a.transfers.clone()),
        ageing_out: with(a.ageing_out.clone()),
        summary: with(a.summary.clone()),
        curve: with(a.curve.clone()),
    };
    // The single-table entry points agree with `analyse`.
    assert_eq!(
        transition::transfers(&tables, opts).unwrap().into_batch(),
        out.transfers
    );
    assert_eq!(
        transition::ageing_out(&tables, opts).unwrap().into_batch(),
        out.ageing_out
    );
    assert_eq!(
        transition::summary(&tables, opts).unwrap().into_batch(),
        out.summary
    );
    out
}

/// Bit-identical: equal batches (arrow compares float buffers bit for bit) and, to be
/// explicit, equal bits in every float column.
#[track_caller]
fn assert_identical(found: &Outputs, expected: &Outputs) {
    assert_eq!(found, expected);
    for (f, e) in [
        (&found.transfers, &expected.transfers),
        (&found.ageing_out, &expected.ageing_out),
        (&found.summary, &expected.summary),
        (&found.curve, &expected.curve),
    ] {
        assert_eq!(f.schema().metadata(), e.schema().metadata());
        for (a, b) in f.columns().iter().zip(e.columns()) {
            if let (Some(a), Some(b)) = (
                a.as_primitive_opt::<arrow_array::types::Float64Type>(),
                b.as_primitive_opt::<arrow_array::types::Float64Type>(),
            ) {
                let bits = |x: &arrow_array::Float64Array| {
                    x.iter().map(|v| v.map(f64::to_bits)).collect::<Vec<_>>()
                };
                assert_eq!(bits(a), bits(b));
            }
        }
    }
}

fn opt_ints(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Int64Type>()
        .iter()
        .collect()
}

fn texts(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

/// The distinct breakdowns of a summary table.
fn breakdowns(summary: &RecordBatch) -> Vec<String> {
    let mut b: Vec<String> = texts(summary, "breakdown").into_iter().flatten().collect();
    b.dedup();
    b
}

fn diagnostics(b: &RecordBatch) -> String {
    b.schema()
        .metadata()
        .get(DIAGNOSTICS_KEY)
        .expect("diagnostics in the schema metadata")
        .clone()
}

/// `cm_transition_time_to_contact` on an exported `table`; checks it was released and, on
/// failure, that `out` is untouched.
fn curve_call(
    table: Option<RecordBatch>,
    method: i32,
    confidence: f64,
) -> Result<RecordBatch, CmStatus> {
    let mut src = table.map(Source::new);
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: a NULL or valid stream and a writable output.
    let status =
        unsafe { cm_transition_time_to_contact(ptr_of(&mut src), method, confidence, &mut out) };
    if let Some(s) = &src {
        s.assert_released();
    }
    if status == CmStatus::OK {
        assert_ok(status);
        Ok(read_output(&mut out))
    } else {
        assert!(out.release.is_none(), "on failure `out` is untouched");
        Err(status)
    }
}

/// The core's curve of `table`, with its diagnostics.
fn core_curve(table: &RecordBatch, method: CurveMethod, confidence: f64) -> RecordBatch {
    transition::time_to_contact(&input(table, &ColumnMap::new()), method, confidence)
        .expect("the core accepts the table")
        .into_batch()
}

// ---------------------------------------------------------------------------------------------
// Results

#[test]
fn defaults_match_the_core() {
    let o = cm_transition_options_default(data_end());
    let d = TransitionOptions::new(data_end());
    assert_eq!(Some(o.data_end), d.data_end);
    assert!(!o.has_period_start && !o.has_period_end);
    assert_eq!(
        (o.boundary_age, o.min_age, o.max_age),
        (d.boundary_age, d.min_age, d.max_age)
    );
    assert_eq!(o.engagement_days, d.engagement_days);
    assert_eq!(o.min_attended_contacts, d.min_attended_contacts);
    assert_eq!(
        [
            o.cyp_lookback_days,
            o.boundary_open_window_days,
            o.followup_days,
            o.retained_days,
            o.episode_gap_days
        ],
        [
            d.cyp_lookback_days,
            d.boundary_open_window_days,
            d.followup_days,
            d.retained_days,
            d.episode_gap_days
        ]
    );
    assert_eq!(o.confidence, d.confidence);
    assert_eq!(o.age_band_18_24, d.age_band_18_24);
    assert!(!o.has_horizons && o.horizons.is_null() && o.horizons_len == 0);
    assert!(!o.has_attended_codes && !o.has_dna_codes && !o.has_direct_mechanisms);
    assert!(!o.has_crisis_team_types && !o.has_by && o.by.is_null());
    assert!(o.column_names.is_null() && o.column_names_len == 0);
    // Converted back, the defaults are the core's, lists included.
    // SAFETY: the default struct has no arrays.
    assert_eq!(unsafe { crate::transition::convert(&o) }.unwrap(), d);
}

#[test]
fn analyse_by_hand_and_identical_to_the_core() {
    let o = cm_transition_options_default(data_end());
    let out = run(fixture(), &o);
    let t = &out.transfers;
    assert_eq!(t.num_rows(), 3);
    assert_eq!(
        texts(t, "person_id"),
        ["A", "B", "D"].map(|s| Some(s.to_owned()))
    );
    assert_eq!(
        opt_ints(t, "days_to_first_adult_contact"),
        [Some(0), Some(59), None]
    );
    assert_eq!(opt_ints(t, "days_to_death"), [None, None, Some(153)]);
    assert_eq!(opt_ints(t, "referral_id"), [Some(2), Some(4), Some(7)]);
    // Cohort B: everyone reaches 18 with an open CYP referral and a recent CYP contact.
    assert_eq!(out.ageing_out.num_rows(), 4);
    assert_eq!(
        texts(&out.ageing_out, "class")[3].as_deref(),
        Some("died"),
        "D died within the follow-up year"
    );
    // The curve starts at time 0 with all three at risk; A's contact is there.
    assert_eq!(opt_ints(&out.curve, "time")[0], Some(0));
    assert_eq!(opt_ints(&out.curve, "at_risk")[0], Some(3));
    assert_eq!(opt_ints(&out.curve, "events")[0], Some(1));
    assert!(out.summary.num_rows() > 0);
    // Every output carries the same diagnostics.
    let diag = diagnostics(t);
    for b in [&out.ageing_out, &out.summary, &out.curve] {
        assert_eq!(diagnostics(b), diag);
    }
    assert_identical(
        &out,
        &core(
            &fixture(),
            &TransitionOptions::new(data_end()),
            &ColumnMap::new(),
        ),
    );
}

#[test]
fn every_option_reaches_the_core() {
    let by = CStrings::new(&["sex"]);
    let crisis = CStrings::new(&["A02", "A05"]);
    let horizons = [30i32, 400];
    let attended = [5u16];
    let dna = [3u16, 7];
    let mechanisms = [1u16, 2];
    let mut o = cm_transition_options_default(data_end());
    o.has_period_start = true;
    o.period_start = date("2022-01-01");
    o.has_period_end = true;
    o.period_end = date("2024-12-31");
    o.boundary_age = 18;
    o.min_age = 16;
    o.max_age = 24;
    o.engagement_days = 60;
    o.has_horizons = true;
    o.horizons = horizons.as_ptr();
    o.horizons_len = horizons.len();
    o.min_attended_contacts = 1;
    o.has_attended_codes = true;
    o.attended_codes = attended.as_ptr();
    o.attended_codes_len = attended.len();
    o.has_dna_codes = true;
    o.dna_codes = dna.as_ptr();
    o.dna_codes_len = dna.len();
    o.has_direct_mechanisms = true;
    o.direct_mechanisms = mechanisms.as_ptr();
    o.direct_mechanisms_len = mechanisms.len();
    o.cyp_lookback_days = 200;
    o.boundary_open_window_days = 150;
    o.followup_days = 300;
    o.retained_days = 60;
    o.episode_gap_days = 200;
    o.confidence = 0.9;
    o.has_by = true;
    o.by = by.ptrs.as_ptr();
    o.by_len = 1;
    o.age_band_18_24 = true;
    let mut c = TransitionOptions::new(data_end());
    c.period_start = Some(date("2022-01-01"));
    c.period_end = Some(date("2024-12-31"));
    c.max_age = 24;
    c.engagement_days = 60;
    c.horizons = horizons.to_vec();
    c.attended_codes = attended.to_vec();
    c.direct_mechanisms = mechanisms.to_vec();
    c.cyp_lookback_days = 200;
    c.boundary_open_window_days = 150;
    c.followup_days = 300;
    c.retained_days = 60;
    c.episode_gap_days = 200;
    c.confidence = 0.9;
    c.by = Some(vec!["sex".into()]);
    c.age_band_18_24 = true;
    // SAFETY: the arrays outlive the call.
    assert_eq!(unsafe { crate::transition::convert(&o) }.unwrap(), c);
    let out = run(fixture(), &o);
    assert!(out.transfers.column_by_name("disengaged_400d").is_some());
    assert_identical(&out, &core(&fixture(), &c, &ColumnMap::new()));

    // Crisis team types: A05 is now a crisis team, so no adult referral is left.
    o.has_crisis_team_types = true;
    o.crisis_team_types = crisis.ptrs.as_ptr();
    o.crisis_team_types_len = crisis.ptrs.len();
    c.crisis_team_types = vec!["A02".into(), "A05".into()];
    let out = run(fixture(), &o);
    assert_eq!(out.transfers.num_rows(), 0);
    assert_identical(&out, &core(&fixture(), &c, &ColumnMap::new()));

    // `has_by` with no columns: the age band only (not the default sex breakdown).
    let mut o = cm_transition_options_default(data_end());
    o.has_by = true;
    let mut c = TransitionOptions::new(data_end());
    c.by = Some(Vec::new());
    let out = run(fixture(), &o);
    assert!(!breakdowns(&out.summary).contains(&"sex".to_owned()));
    assert_identical(&out, &core(&fixture(), &c, &ColumnMap::new()));
    let default = run(fixture(), &cm_transition_options_default(data_end()));
    assert!(breakdowns(&default.summary).contains(&"sex".to_owned()));
}

#[test]
fn care_plans_add_the_plan_flag() {
    let mut f = fixture();
    f.care_plans = Some(care_plans());
    let out = run(f.clone(), &cm_transition_options_default(data_end()));
    let plan = out
        .transfers
        .column_by_name("transition_plan_recorded")
        .expect("with care plans")
        .as_boolean()
        .iter()
        .collect::<Vec<_>>();
    assert_eq!(plan, [Some(true), Some(false), Some(false)]);
    assert!(diagnostics(&out.transfers).contains("care_plan_not_transition"));
    assert_identical(
        &out,
        &core(&f, &TransitionOptions::new(data_end()), &ColumnMap::new()),
    );
}

#[test]
fn column_names_map_every_table() {
    let pairs = [
        ("person_id", "Person_ID"),
        ("received_date", "ReferralRequestReceivedDate"),
        ("attendance", "AttendOrDNACode"),
    ];
    let f = Fixture {
        persons: Some(renamed(&persons(), &pairs)),
        referrals: Some(renamed(&referrals(), &pairs)),
        contacts: Some(renamed(&contacts(), &pairs)),
        care_plans: Some(renamed(&care_plans(), &pairs)),
    };
    let names = CStrings::new(&pairs.iter().flat_map(|(a, b)| [*a, *b]).collect::<Vec<_>>());
    let mut o = cm_transition_options_default(data_end());
    o.column_names = names.ptrs.as_ptr();
    o.column_names_len = pairs.len();
    let out = run(f.clone(), &o);
    let map: ColumnMap = pairs.into_iter().collect();
    assert_identical(&out, &core(&f, &TransitionOptions::new(data_end()), &map));
    // The result is the unrenamed one: outputs use our names.
    let mut plain = fixture();
    plain.care_plans = Some(care_plans());
    assert_eq!(
        out,
        core(
            &plain,
            &TransitionOptions::new(data_end()),
            &ColumnMap::new()
        )
    );

    // Without the mapping the extract's names are not ours, named with their table.
    assert_eq!(
        fail(f, Some(&cm_transition_options_default(data_end()))),
        CmStatus::MISSING_COLUMN
    );
    assert!(
        last_message().starts_with("missing column `persons.person_id`"),
        "{}",
        last_message()
    );
}

#[test]
fn service_lines_identical_to_the_core() {
    let o = cm_transition_options_default(data_end());
    let mut src = [persons(), referrals(), contacts()].map(|b| Some(Source::new(b)));
    let mut out = FFI_ArrowArrayStream::empty();
    let [p, r, c] = &mut src;
    // SAFETY: valid streams, options and output.
    let status = unsafe {
        cm_transition_service_lines(ptr_of(p), ptr_of(r), ptr_of(c), null_mut(), &o, &mut out)
    };
    assert_ok(status);
    for s in src.iter().flatten() {
        s.assert_released();
    }
    let found = read_output(&mut out);
    assert_eq!(found.num_rows(), 7);
    assert_eq!(
        texts(&found, "service_line")[..2],
        [Some("cyp".to_owned()), Some("adult".to_owned())]
    );
    let map = ColumnMap::new();
    let (pi, ri, ci) = (
        input(&persons(), &map),
        input(&referrals(), &map),
        input(&contacts(), &map),
    );
    let tables = Tables {
        persons: &pi,
        referrals: &ri,
        contacts: &ci,
        care_plans: None,
    };
    let expected = transition::service_lines(&tables, &TransitionOptions::new(data_end()))
        .unwrap()
        .into_batch();
    assert_eq!(found, expected);

    // NULL `out`: the streams are still released.
    let mut src = [persons(), referrals(), contacts()].map(|b| Some(Source::new(b)));
    let [p, r, c] = &mut src;
    // SAFETY: valid streams and options; `out` NULL on purpose.
    let status = unsafe {
        cm_transition_service_lines(ptr_of(p), ptr_of(r), ptr_of(c), null_mut(), &o, null_mut())
    };
    assert_failed(status, CmStatus::NULL_POINTER, &["`out`"]);
    for s in src.iter().flatten() {
        s.assert_released();
    }
}

#[test]
fn time_to_contact_identical_to_the_core() {
    let out = run(fixture(), &cm_transition_options_default(data_end()));
    for table in [&out.transfers, &out.ageing_out] {
        for (method, core_method) in [
            (CM_CURVE_KAPLAN_MEIER, CurveMethod::KaplanMeier),
            (CM_CURVE_AALEN_JOHANSEN, CurveMethod::AalenJohansen),
        ] {
            let found = curve_call(Some(table.clone()), method, 0.9).expect("a curve");
            let expected = core_curve(table, core_method, 0.9);
            assert_eq!(found, expected);
            let bits = |b: &RecordBatch| {
                b.column_by_name("estimate")
                    .unwrap()
                    .as_primitive::<arrow_array::types::Float64Type>()
                    .values()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&found), bits(&expected));
        }
    }
    // Kaplan–Meier on the transfers is the curve `analyse` gives (its diagnostics aside).
    let km = curve_call(Some(out.transfers.clone()), CM_CURVE_KAPLAN_MEIER, 0.95).unwrap();
    assert_eq!(km.columns(), out.curve.columns());
    // Aalen–Johansen counts D's death as competing.
    let aj = curve_call(Some(out.transfers.clone()), CM_CURVE_AALEN_JOHANSEN, 0.95).unwrap();
    assert_eq!(opt_ints(&aj, "deaths").iter().flatten().sum::<i64>(), 1);
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn discharge_before_receipt_names_the_column_and_row() {
    let mut f = fixture();
    f.referrals = Some(with_column(
        &referrals(),
        "discharge_date",
        dates(&[
            None,
            Some("2023-04-01"),
            Some("2022-03-01"),
            None,
            None,
            Some("2023-02-01"),
            None,
        ]),
    ));
    let status = fail(f, Some(&cm_transition_options_default(data_end())));
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &["referrals.discharge_date", "row 1"],
    );
    assert_eq!(
        last_message(),
        "invalid value in column `referrals.discharge_date` at row 1 (2023-04-01): discharge is \
         before the referral was received"
    );
}

#[test]
fn null_streams_are_null_pointers_and_the_others_are_released() {
    let o = cm_transition_options_default(data_end());
    for (i, name) in ["persons", "referrals", "contacts"].into_iter().enumerate() {
        let mut f = fixture();
        f.care_plans = Some(care_plans());
        match i {
            0 => f.persons = None,
            1 => f.referrals = None,
            _ => f.contacts = None,
        }
        let status = fail(f, Some(&o));
        assert_failed(status, CmStatus::NULL_POINTER, &[]);
        assert_eq!(
            last_message(),
            format!("null pointer: `{name}` is NULL; it is required")
        );
    }
}

#[test]
fn null_options_and_outputs() {
    let status = fail(fixture(), None);
    assert_failed(status, CmStatus::NULL_POINTER, &["`options`"]);

    let o = cm_transition_options_default(data_end());
    let names = [
        "out_transfers",
        "out_ageing_out",
        "out_summary",
        "out_curve",
    ];
    for (i, name) in names.into_iter().enumerate() {
        let mut outs = [Some(0), Some(1), Some(2), Some(3)];
        outs[i] = None;
        let status = call_with_outs(fixture(), Some(&o), outs).unwrap_err();
        assert_failed(status, CmStatus::NULL_POINTER, &[&format!("`{name}`")]);
    }

    // The same stream twice would leak the first result written to it.
    let status =
        call_with_outs(fixture(), Some(&o), [Some(0), Some(1), Some(0), Some(3)]).unwrap_err();
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`out_summary`", "same stream as `out_transfers`"],
    );
}

#[test]
fn bad_option_values_are_named() {
    let check = |edit: &dyn Fn(&mut CmTransitionOptions), expected: CmStatus, needles: &[&str]| {
        let mut o = cm_transition_options_default(data_end());
        edit(&mut o);
        let status = fail(fixture(), Some(&o));
        assert_failed(status, expected, needles);
    };
    check(
        &|o| o.confidence = 1.5,
        CmStatus::INVALID_ARGUMENT,
        &["confidence"],
    );
    check(
        &|o| o.confidence = f64::NAN,
        CmStatus::INVALID_ARGUMENT,
        &["confidence"],
    );
    check(
        &|o| o.min_attended_contacts = 0,
        CmStatus::INVALID_ARGUMENT,
        &["`min_attended_contacts`"],
    );
    check(
        &|o| o.engagement_days = -1,
        CmStatus::INVALID_ARGUMENT,
        &["`engagement_days`"],
    );
    check(
        &|o| o.min_age = 30,
        CmStatus::INVALID_ARGUMENT,
        &["`min_age`"],
    );
    check(
        &|o| {
            o.has_period_start = true;
            o.period_start = date("2024-01-01");
            o.has_period_end = true;
            o.period_end = date("2023-01-01");
        },
        CmStatus::INVALID_ARGUMENT,
        &["`period_end`"],
    );
    check(
        &|o| {
            o.has_horizons = true;
            o.horizons_len = 2;
        },
        CmStatus::NULL_POINTER,
        &["`horizons`", "length is 2"],
    );
    check(
        &|o| {
            o.has_by = true;
            o.by_len = 1;
        },
        CmStatus::NULL_POINTER,
        &["`by`"],
    );
    let codes = [8u16];
    let codes_ptr = codes.as_ptr() as usize;
    check(
        &move |o| {
            o.has_attended_codes = true;
            o.attended_codes = codes_ptr as *const u16;
            o.attended_codes_len = 1;
        },
        CmStatus::INVALID_ARGUMENT,
        &["`attended_codes`", "8 is not an attendance code"],
    );
    let many = [1i32, 2, 3, 4, 5, 6, 7, 8];
    let many_ptr = many.as_ptr() as usize;
    check(
        &move |o| {
            o.has_horizons = true;
            o.horizons = many_ptr as *const i32;
            o.horizons_len = 8;
        },
        CmStatus::INVALID_ARGUMENT,
        &["`horizons`"],
    );
    let unknown = CStrings::new(&["nope"]);
    let unknown_ptr = unknown.ptrs.as_ptr() as usize;
    check(
        &move |o| {
            o.has_by = true;
            o.by = unknown_ptr as *const *const c_char;
            o.by_len = 1;
        },
        CmStatus::MISSING_COLUMN,
        &["`persons.nope`"],
    );
    // Lists given without their flags are refused (they were ignored: the call ran on the
    // defaults the caller meant to replace).
    for (field, name) in [(0, "horizons"), (1, "by"), (2, "attended_codes")] {
        let mut o = cm_transition_options_default(data_end());
        match field {
            0 => o.horizons_len = 3,
            1 => o.by_len = 2,
            _ => o.attended_codes_len = 1,
        }
        assert_eq!(
            call(fixture(), Some(&o)).err(),
            Some(CmStatus::INVALID_ARGUMENT),
            "{name}"
        );
        assert!(
            last_message().contains(&format!("`{name}`"))
                && last_message().contains(&format!("has_{name} is false")),
            "{}",
            last_message()
        );
    }
}

#[test]
fn bad_tables_name_their_table() {
    let mut f = fixture();
    f.contacts = Some(contacts().project(&[0, 1]).unwrap());
    assert_eq!(
        fail(f, Some(&cm_transition_options_default(data_end()))),
        CmStatus::MISSING_COLUMN
    );
    assert!(last_message().starts_with("missing column `contacts.attendance`"));

    let mut f = fixture();
    f.persons = Some(with_column(&persons(), "date_of_birth", ids(&[1, 2, 3, 4])));
    assert_eq!(
        fail(f, Some(&cm_transition_options_default(data_end()))),
        CmStatus::COLUMN_TYPE
    );
    assert!(
        last_message().contains("persons.date_of_birth"),
        "{}",
        last_message()
    );

    // An already released stream.
    let mut released = FFI_ArrowArrayStream::empty();
    let mut src = [referrals(), contacts()].map(|b| Some(Source::new(b)));
    let mut outs: [FFI_ArrowArrayStream; 4] =
        std::array::from_fn(|_| FFI_ArrowArrayStream::empty());
    let [r, c] = &mut src;
    let o = cm_transition_options_default(data_end());
    let [a, b, s, cu] = &mut outs;
    // SAFETY: a released stream is a valid (if unusable) stream; the rest are valid.
    let status = unsafe {
        cm_transition_analyse(
            &mut released,
            ptr_of(r),
            ptr_of(c),
            null_mut(),
            &o,
            a,
            b,
            s,
            cu,
        )
    };
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`persons`", "already released"],
    );
    for s in src.iter().flatten() {
        s.assert_released();
    }
    assert!(outs.iter().all(|s| s.release.is_none()));
}

#[test]
fn time_to_contact_errors() {
    let out = run(fixture(), &cm_transition_options_default(data_end()));
    for method in [2, -1, i32::MAX, i32::MIN] {
        let status = curve_call(Some(out.transfers.clone()), method, 0.95).unwrap_err();
        assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`method`"]);
        assert_eq!(
            last_message(),
            format!(
                "invalid argument `method`: unknown curve method {method}; expected a \
                 CM_CURVE_* constant: 0 (kaplan_meier), 1 (aalen_johansen)"
            )
        );
    }
    let status = curve_call(None, CM_CURVE_KAPLAN_MEIER, 0.95).unwrap_err();
    assert_failed(status, CmStatus::NULL_POINTER, &[]);
    assert_eq!(
        last_message(),
        "null pointer: `table` is NULL; it is required"
    );

    let status = curve_call(Some(out.transfers.clone()), CM_CURVE_KAPLAN_MEIER, 1.0).unwrap_err();
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["confidence"]);

    // A table without the follow-up column.
    let status = curve_call(Some(persons()), CM_CURVE_AALEN_JOHANSEN, 0.95).unwrap_err();
    assert_failed(
        status,
        CmStatus::MISSING_COLUMN,
        &["days_to_first_adult_contact"],
    );

    // NULL out: the table is still released.
    let mut src = Some(Source::new(out.transfers.clone()));
    // SAFETY: a valid stream; `out` NULL on purpose.
    let status = unsafe {
        cm_transition_time_to_contact(ptr_of(&mut src), CM_CURVE_KAPLAN_MEIER, 0.95, null_mut())
    };
    assert_failed(status, CmStatus::NULL_POINTER, &["`out`"]);
    src.unwrap().assert_released();
}

#[test]
fn constants_have_stable_values() {
    assert_eq!(CM_CURVE_KAPLAN_MEIER, 0);
    assert_eq!(CM_CURVE_AALEN_JOHANSEN, 1);
}
