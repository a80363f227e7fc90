//! `cm_oap_measures` through Arrow C streams, as a C caller would use it, on the hand-worked
//! fixture of `crates/collabmetrics/tests/oap.rs` (Jan–Mar 2024, a leap year; data cut-off
//! 28 March). Dates are date32 and codes strings here, as an MHSDS extract would carry them.
//!
//! | row | id | person | start | end | bed | reason | place | note |
//! |---|---|---|---|---|---|---|---|---|
//! | 0 | 1 | A | 20 Jan | 10 Mar | 10 | 10 | X | Jan 20–31 = 12 nights, Feb 29, Mar 1–9 = 9 |
//! | 1 | 2 | B | 1 Feb | 29 Feb | 11 | 10 | X | 28 nights in Feb |
//! | 2 | 3 | C | 5 Feb | 5 Feb | 12 | 10 | Y | same day: 0 nights |
//! | 3 | 4 | D | 25 Mar | open | 10 | 10 | Y | Mar 25–28 = 4 nights (runs through the cut-off) |
//! | 4 | 5 | A | 1 Mar | 20 Mar | 10 | 10 | X | overlaps row 0 (transfer); 19 nights |
//! | 5 | 6 | E | 2 Jan | 9 Jan | 10 | 14 | X | patient choice (appropriate); 7 nights |
//! | 6 | 7 | F | 3 Jan | 9 Jan | 13 | 10 | X | bed type outside the default scope; 6 nights |
//! | 7 | 8 | G | 4 Jan | 9 Jan | 10 | 77 | Y | unknown reason code; 5 nights |
//!
//! Monthly bed days of the default selection (rows 0–4): Jan 12; Feb 29 + 28 = 57;
//! Mar 9 + 19 + 4 = 32.
//!
//! Every call checks that each input stream was released by the call (the caller's struct is
//! left with `release == NULL` and the producer's own release ran), on success and failure.

use super::{assert_failed, assert_ok, last_message};

use crate::{
    cm_oap_measures, cm_oap_options_default, CmOapOptions, CmStatus, CM_BED_SCOPE_ALL,
    CM_BED_SCOPE_DEFAULT, CM_BED_SCOPE_LIST, CM_OVERLAP_COUNT, CM_OVERLAP_TRUNCATE,
    CM_WINDOW_MONTH, CM_WINDOW_ROLLING_12M, CM_WINDOW_ROLLING_3M,
};
use arrow_array::cast::AsArray;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::{Date32Type, Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, RecordBatchIterator,
    RecordBatchReader, StringArray,
};
use arrow_schema::{ArrowError, Field, Schema, SchemaRef};
use collabmetrics::oap::{self, OapOptions, OverlapRule, Window};
use collabmetrics::table::{days_from_civil as d, ColumnMap, Input, DIAGNOSTICS_KEY};
use std::ffi::{c_char, c_int, CString};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn placements() -> RecordBatch {
    let start = [
        "2024-01-20",
        "2024-02-01",
        "2024-02-05",
        "2024-03-25",
        "2024-03-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ];
    let end = [
        Some("2024-03-10"),
        Some("2024-02-29"),
        Some("2024-02-05"),
        None,
        Some("2024-03-20"),
        Some("2024-01-09"),
        Some("2024-01-09"),
        Some("2024-01-09"),
    ];
    RecordBatch::try_from_iter(vec![
        (
            "placement_id",
            Arc::new(Int64Array::from(vec![1i64, 2, 3, 4, 5, 6, 7, 8])) as ArrayRef,
        ),
        (
            "person_id",
            strings(&["A", "B", "C", "D", "A", "E", "F", "G"]),
        ),
        ("start_date", dates(&start.map(Some))),
        ("end_date", dates(&end)),
        (
            "bed_type",
            strings(&["10", "11", "12", "10", "10", "10", "13", "10"]),
        ),
        (
            "reason",
            strings(&["10", "10", "10", "10", "10", "14", "10", "77"]),
        ),
        ("place", strings(&["X", "X", "Y", "Y", "X", "X", "X", "Y"])),
    ])
    .unwrap()
}

/// The fixture with column `name` replaced by `values` (its type taken from them).
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

/// The fixture with columns renamed (`(ours, theirs)` pairs).
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

/// C options for Jan–Mar 2024 with the 28 March cut-off.
fn options() -> CmOapOptions {
    let mut o = cm_oap_options_default(d(2024, 1, 1), d(2024, 3, 31));
    o.has_data_cutoff = true;
    o.data_cutoff = d(2024, 3, 28);
    o
}

/// The core's options matching [`options`].
fn core_options() -> OapOptions {
    let mut o = OapOptions::new(d(2024, 1, 1), d(2024, 3, 31));
    o.data_cutoff = Some(d(2024, 3, 28));
    o
}

/// `collabmetrics::oap::measures` called directly, as the table the C stream should carry.
fn core(
    placements: &RecordBatch,
    opts: &OapOptions,
    map: ColumnMap,
    population: Option<&RecordBatch>,
    admissions: Option<&RecordBatch>,
) -> RecordBatch {
    let input = |b: &RecordBatch| {
        Input::new(b.schema(), std::slice::from_ref(b), map.clone()).expect("one batch")
    };
    oap::measures(
        &input(placements),
        opts,
        population.map(input).as_ref(),
        admissions.map(input).as_ref(),
    )
    .expect("the core accepts the fixture")
    .into_batch()
}

/// NUL-terminated strings and the pointer array a `CmOapOptions` borrows.
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
        let schema = batch.schema();
        Source::batches(schema, vec![batch])
    }

    fn batches(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let released = Arc::new(AtomicBool::new(false));
        let reader = Tracked {
            inner: RecordBatchIterator::new(
                batches.into_iter().map(Ok).collect::<Vec<_>>().into_iter(),
                schema,
            ),
            dropped: released.clone(),
        };
        Source {
            stream: FFI_ArrowArrayStream::new(Box::new(reader)),
            released,
        }
    }

    fn ptr(&mut self) -> *mut FFI_ArrowArrayStream {
        &mut self.stream
    }

    /// The call moved the stream out (leaving a released one) and released it.
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

fn source(batch: Option<RecordBatch>) -> Option<Source> {
    batch.map(Source::new)
}

fn ptr_of(s: &mut Option<Source>) -> *mut FFI_ArrowArrayStream {
    s.as_mut().map_or(null_mut(), Source::ptr)
}

/// Reads the output stream back (taking it over, so it is released here): one batch, whose
/// schema is the stream's.
fn read_output(out: &mut FFI_ArrowArrayStream) -> RecordBatch {
    assert!(out.release.is_some(), "a result stream was written");
    // SAFETY: `out` holds a valid stream written by cm_oap_measures.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(out) }.expect("a readable stream");
    assert!(out.release.is_none(), "the reader took the stream over");
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().expect("batches");
    assert_eq!(batches.len(), 1, "one result batch");
    assert_eq!(batches[0].schema(), schema);
    batches.into_iter().next().unwrap()
}

/// Calls `cm_oap_measures` on exported streams. Checks that every input stream was released
/// and, on failure, that `out` was left untouched. Returns the result table or the status.
fn call(
    placements: Option<RecordBatch>,
    options: Option<&CmOapOptions>,
    population: Option<RecordBatch>,
    admissions: Option<RecordBatch>,
) -> Result<RecordBatch, CmStatus> {
    let (mut p, mut pop, mut adm) = (source(placements), source(population), source(admissions));
    let mut out = FFI_ArrowArrayStream::empty();
    // SAFETY: every pointer is NULL or valid; the options' strings outlive the call.
    let status = unsafe {
        cm_oap_measures(
            ptr_of(&mut p),
            options.map_or(null(), |o| o as *const CmOapOptions),
            ptr_of(&mut pop),
            ptr_of(&mut adm),
            &mut out,
        )
    };
    for s in [&p, &pop, &adm].into_iter().flatten() {
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

/// A successful call's result.
#[track_caller]
fn run(
    placements: RecordBatch,
    options: &CmOapOptions,
    population: Option<RecordBatch>,
    admissions: Option<RecordBatch>,
) -> RecordBatch {
    match call(Some(placements), Some(options), population, admissions) {
        Ok(b) => b,
        Err(status) => panic!("{status:?}: {}", last_message()),
    }
}

/// A failing call's status.
#[track_caller]
fn fail(placements: Option<RecordBatch>, options: Option<&CmOapOptions>) -> CmStatus {
    call(placements, options, None, None).expect_err("the call should fail")
}

fn ints(b: &RecordBatch, name: &str) -> Vec<i64> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Int64Type>()
        .values()
        .to_vec()
}

fn floats(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

fn days(b: &RecordBatch, name: &str) -> Vec<i32> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Date32Type>()
        .values()
        .to_vec()
}

fn texts(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn diagnostics(b: &RecordBatch) -> String {
    b.schema()
        .metadata()
        .get(DIAGNOSTICS_KEY)
        .expect("diagnostics in the schema metadata")
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Results

#[test]
fn defaults_match_the_core() {
    let o = cm_oap_options_default(d(2024, 1, 1), d(2024, 3, 31));
    let core = OapOptions::new(d(2024, 1, 1), d(2024, 3, 31));
    assert_eq!((Some(o.start), Some(o.end)), (core.start, core.end));
    assert_eq!(o.window, CM_WINDOW_MONTH);
    assert!(o.by.is_null() && o.by_len == 0);
    assert!(o.inappropriate_only);
    assert_eq!(o.bed_scope, CM_BED_SCOPE_DEFAULT);
    assert!(o.bed_types.is_null() && o.bed_types_len == 0);
    assert!(!o.has_data_cutoff);
    assert_eq!(o.overlap, CM_OVERLAP_COUNT);
    assert_eq!(o.multiplier, 1_000_000.0);
    assert_eq!(o.confidence, 0.95);
    assert!(o.column_names.is_null() && o.column_names_len == 0);
}

#[test]
fn monthly_measures_by_hand_and_identical_to_the_core() {
    let out = run(placements(), &options(), None, None);
    assert_eq!(out.num_rows(), 3);
    assert_eq!(
        days(&out, "period_start"),
        [d(2024, 1, 1), d(2024, 2, 1), d(2024, 3, 1)]
    );
    assert_eq!(
        days(&out, "period_end"),
        [d(2024, 1, 31), d(2024, 2, 29), d(2024, 3, 31)]
    );
    // Started: row 0 in Jan; rows 1, 2 in Feb; rows 3, 4 in Mar.
    assert_eq!(ints(&out, "started"), [1, 2, 2]);
    // Ended: rows 1, 2 in Feb; rows 0, 4 in Mar (row 3 is open).
    assert_eq!(ints(&out, "ended"), [0, 2, 2]);
    // Active at the end: row 0 (Jan, Feb), row 3 (open, Mar).
    assert_eq!(ints(&out, "active_at_end"), [1, 1, 1]);
    assert_eq!(ints(&out, "bed_days"), [12, 29 + 28, 9 + 19 + 4]);
    assert_eq!(ints(&out, "same_day"), [0, 1, 0]);
    assert_eq!(floats(&out, "confidence"), [Some(0.95); 3]);
    assert_eq!(
        out,
        core(&placements(), &core_options(), ColumnMap::new(), None, None)
    );
}

#[test]
fn a_stream_of_several_batches_is_one_table() {
    let b = placements();
    let mut src = Source::batches(
        b.schema(),
        vec![b.slice(0, 3), b.slice(3, 0), b.slice(3, 5)],
    );
    let mut out = FFI_ArrowArrayStream::empty();
    let o = options();
    // SAFETY: valid streams and options.
    let status = unsafe { cm_oap_measures(src.ptr(), &o, null_mut(), null_mut(), &mut out) };
    assert_ok(status);
    src.assert_released();
    let out = read_output(&mut out);
    assert_eq!(ints(&out, "bed_days"), [12, 57, 32]);
    assert_eq!(out, core(&b, &core_options(), ColumnMap::new(), None, None));
}

#[test]
fn rolling_windows() {
    let mut o = options();
    o.window = CM_WINDOW_ROLLING_3M;
    let q = run(placements(), &o, None, None);
    // Each window sums its months (Nov and Dec 2023 have none); the stock is the last month's.
    assert_eq!(ints(&q, "bed_days"), [12, 12 + 57, 12 + 57 + 32]);
    assert_eq!(ints(&q, "started"), [1, 3, 5]);
    assert_eq!(ints(&q, "ended"), [0, 2, 4]);
    assert_eq!(ints(&q, "active_at_end"), [1, 1, 1]);
    assert_eq!(
        days(&q, "period_start"),
        [d(2023, 11, 1), d(2023, 12, 1), d(2024, 1, 1)]
    );
    assert_eq!(
        days(&q, "period_end"),
        [d(2024, 1, 31), d(2024, 2, 29), d(2024, 3, 31)]
    );
    let mut c = core_options();
    c.window = Window::Rolling3m;
    assert_eq!(q, core(&placements(), &c, ColumnMap::new(), None, None));

    o.window = CM_WINDOW_ROLLING_12M;
    let y = run(placements(), &o, None, None);
    assert_eq!(ints(&y, "bed_days"), [12, 69, 101]);
    assert_eq!(days(&y, "period_start")[2], d(2023, 4, 1));
    c.window = Window::Rolling12m;
    assert_eq!(y, core(&placements(), &c, ColumnMap::new(), None, None));
}

#[test]
fn without_a_cutoff_open_placements_run_to_the_period_end() {
    let mut o = options();
    o.has_data_cutoff = false;
    o.data_cutoff = d(2024, 3, 28); // ignored without has_data_cutoff
    let out = run(placements(), &o, None, None);
    assert_eq!(
        ints(&out, "bed_days"),
        [12, 57, 9 + 19 + 7],
        "25–31 March: 7"
    );
}

#[test]
fn breakdown_by_place_with_population_rates() {
    let by = CStrings::new(&["place"]);
    let mut o = options();
    o.by = by.ptrs.as_ptr();
    o.by_len = by.ptrs.len();
    let pop = RecordBatch::try_from_iter(vec![
        ("place", strings(&["Y", "X"])),
        (
            "population",
            Arc::new(Float64Array::from(vec![50_000.0, 100_000.0])) as ArrayRef,
        ),
    ])
    .unwrap();
    let out = run(placements(), &o, Some(pop.clone()), None);
    // Rows: Jan X, Jan Y, Feb X, Feb Y, Mar X, Mar Y (groups in order of first appearance).
    let place: Vec<Option<String>> = ["X", "Y", "X", "Y", "X", "Y"]
        .iter()
        .map(|s| Some((*s).to_owned()))
        .collect();
    assert_eq!(texts(&out, "place"), place);
    assert_eq!(ints(&out, "started"), [1, 0, 1, 1, 1, 1]);
    // X: row 0 (12, 29, 9) + row 1 (Feb 28) + row 4 (Mar 19); Y: row 2 (0), row 3 (Mar 4).
    assert_eq!(ints(&out, "bed_days"), [12, 0, 57, 0, 28, 4]);
    assert_eq!(
        floats(&out, "population"),
        [100_000.0, 50_000.0, 100_000.0, 50_000.0, 100_000.0, 50_000.0].map(Some)
    );
    // Feb X: 1 started per 100 000 = 10 per million.
    assert_eq!(floats(&out, "rate_started")[2], Some(10.0));
    assert_eq!(floats(&out, "rate_started")[1], Some(0.0));
    let mut c = core_options();
    c.by = vec!["place".into()];
    assert_eq!(
        out,
        core(&placements(), &c, ColumnMap::new(), Some(&pop), None)
    );
}

#[test]
fn admissions_give_proportions() {
    let by = CStrings::new(&["place"]);
    let mut o = options();
    o.by = by.ptrs.as_ptr();
    o.by_len = 1;
    // All admissions: the five in-scope inappropriate placements plus 15 local admissions to
    // place X on 10–12 February (2 nights each).
    let mut start = vec![
        Some("2024-01-20"),
        Some("2024-02-01"),
        Some("2024-02-05"),
        Some("2024-03-25"),
        Some("2024-03-01"),
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
        start.push(Some("2024-02-10"));
        end.push(Some("2024-02-12"));
        place.push("X");
    }
    let adm = RecordBatch::try_from_iter(vec![
        ("start_date", dates(&start)),
        ("end_date", dates(&end)),
        ("place", strings(&place)),
    ])
    .unwrap();
    let out = run(placements(), &o, None, Some(adm.clone()));
    assert_eq!(ints(&out, "admissions_started"), [1, 0, 16, 1, 1, 1]);
    // Feb X: 1 of 16 admissions; bed days 57 of 57 + 15 × 2 = 87.
    assert_eq!(floats(&out, "proportion_started")[2], Some(100.0 / 16.0));
    assert_eq!(ints(&out, "admissions_bed_days")[2], 87);
    assert_eq!(
        floats(&out, "proportion_bed_days")[2],
        Some(100.0 * 57.0 / 87.0)
    );
    assert_eq!(
        floats(&out, "proportion_started")[1],
        None,
        "no admissions to Y in January"
    );
    let mut c = core_options();
    c.by = vec!["place".into()];
    assert_eq!(
        out,
        core(&placements(), &c, ColumnMap::new(), None, Some(&adm))
    );
}

#[test]
fn column_names_map_mhsds_names() {
    let pairs = [
        ("start_date", "StartDateHospProvSpell"),
        ("end_date", "DischDateHospProvSpell"),
    ];
    let theirs = renamed(&placements(), &pairs);
    let names = CStrings::new(&[
        "start_date",
        "StartDateHospProvSpell",
        "end_date",
        "DischDateHospProvSpell",
    ]);
    let mut o = options();
    o.column_names = names.ptrs.as_ptr();
    o.column_names_len = 2;
    let out = run(theirs.clone(), &o, None, None);
    assert_eq!(ints(&out, "bed_days"), [12, 57, 32]);
    let map: ColumnMap = pairs.into_iter().collect();
    assert_eq!(out, core(&theirs, &core_options(), map, None, None));

    // Errors name the caller's column.
    let bad = renamed(
        &placements(),
        &[
            ("start_date", "StartDateHospProvSpell"),
            ("end_date", "Disch"),
        ],
    );
    assert_eq!(fail(Some(bad), Some(&o)), CmStatus::MISSING_COLUMN);
    assert_eq!(
        last_message(),
        "missing column `DischDateHospProvSpell` (for `end_date`) (available: placement_id, \
         person_id, StartDateHospProvSpell, Disch, bed_type, reason, place)"
    );
    // Without the mapping the extract's names are not ours.
    assert_eq!(
        fail(Some(theirs), Some(&options())),
        CmStatus::MISSING_COLUMN
    );
    assert!(last_message().starts_with("missing column `start_date` (available:"));

    // A pair naming no column the call reads (ours misspelt) is an error, not ignored.
    let typo = CStrings::new(&["dailycost", "place"]);
    let mut o = options();
    o.column_names = typo.ptrs.as_ptr();
    o.column_names_len = 1;
    assert_failed(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT,
        &["`dailycost` → `place`", "names no column this call reads"],
    );
}

#[test]
fn bed_scope_constants() {
    let mut c = core_options();
    // Every bed type and every reason: Jan adds rows 5, 6, 7 (7 + 6 + 5 nights).
    let mut o = options();
    o.inappropriate_only = false;
    o.bed_scope = CM_BED_SCOPE_ALL;
    let all = run(placements(), &o, None, None);
    assert_eq!(ints(&all, "started"), [4, 2, 2]);
    assert_eq!(ints(&all, "bed_days"), [12 + 7 + 6 + 5, 57, 32]);
    c.inappropriate_only = false;
    c.bed_types = None;
    assert_eq!(all, core(&placements(), &c, ColumnMap::new(), None, None));

    // The default scope drops row 6 (bed type 13).
    o.bed_scope = CM_BED_SCOPE_DEFAULT;
    let default = run(placements(), &o, None, None);
    assert_eq!(ints(&default, "started"), [3, 2, 2]);
    assert_eq!(ints(&default, "bed_days")[0], 12 + 7 + 5);

    // A list: bed type 13 only, inappropriate reasons only: row 6 (3–9 Jan, 6 nights).
    let beds = CStrings::new(&["13"]);
    let mut o = options();
    o.bed_scope = CM_BED_SCOPE_LIST;
    o.bed_types = beds.ptrs.as_ptr();
    o.bed_types_len = 1;
    let list = run(placements(), &o, None, None);
    assert_eq!(ints(&list, "started"), [1, 0, 0]);
    assert_eq!(ints(&list, "ended"), [1, 0, 0]);
    assert_eq!(ints(&list, "bed_days"), [6, 0, 0]);
    let mut c = core_options();
    c.bed_types = Some(vec!["13".into()]);
    assert_eq!(list, core(&placements(), &c, ColumnMap::new(), None, None));
}

#[test]
fn overlap_truncate_ends_the_earlier_placement() {
    let mut o = options();
    o.overlap = CM_OVERLAP_TRUNCATE;
    let out = run(placements(), &o, None, None);
    // Row 0 now ends on 1 March, where row 4 starts: no nights in March.
    assert_eq!(ints(&out, "bed_days"), [12, 57, 19 + 4]);
    let mut c = core_options();
    c.overlap = OverlapRule::Truncate;
    assert_eq!(out, core(&placements(), &c, ColumnMap::new(), None, None));
}

#[test]
fn diagnostics_travel_in_the_schema_metadata() {
    let out = run(placements(), &options(), None, None);
    // In the order the rules first met them: rows 5, 6, 7 excluded as the loop meets them,
    // then row 4 overlapping row 0, then the open row 3 (open after the overlap rule).
    let expected = concat!(
        r#"[{"reason":"appropriate_reason","action":"excluded: appropriate out-of-area reason","count":1,"first_row":5},"#,
        r#"{"reason":"bed_type_out_of_scope","action":"excluded: bed type outside the scope","count":1,"first_row":6},"#,
        r#"{"reason":"unknown_reason_code","action":"excluded: an unknown reason is not inappropriate","count":1,"first_row":7},"#,
        r#"{"reason":"overlapping_placements","action":"counted as recorded (overlap = \"count\")","count":1,"first_row":4},"#,
        r#"{"reason":"open_placement","action":"open at the data end: runs to each period end (or the cut-off)","count":1,"first_row":3}]"#,
    );
    assert_eq!(diagnostics(&out), expected);
    // The diagnostics and the columns' roles for publication (collabmetrics:roles).
    let mut keys: Vec<&String> = out.schema_ref().metadata().keys().collect();
    keys.sort();
    assert_eq!(keys, [DIAGNOSTICS_KEY, collabmetrics::table::ROLES_KEY]);

    // A clean selection reports nothing: an empty list.
    let clean = placements().slice(1, 3); // rows 1, 2, 3: row 3 is open
    let out = run(
        clean.project(&[0, 1, 2, 3, 4, 5]).unwrap(),
        &options(),
        None,
        None,
    );
    assert_eq!(
        diagnostics(&out),
        r#"[{"reason":"open_placement","action":"open at the data end: runs to each period end (or the cut-off)","count":1,"first_row":2}]"#
    );
}

// ---------------------------------------------------------------------------------------------
// Failures: every one releases the input streams and leaves `out` untouched.

#[test]
fn null_placements_releases_the_other_streams() {
    let pop = RecordBatch::try_from_iter(vec![(
        "population",
        Arc::new(Float64Array::from(vec![1000.0])) as ArrayRef,
    )])
    .unwrap();
    let result = call(None, Some(&options()), Some(pop), Some(placements()));
    assert_failed(
        result.unwrap_err(),
        CmStatus::NULL_POINTER,
        &["`placements`"],
    );
    assert_eq!(
        last_message(),
        "null pointer: `placements` is NULL; it is required"
    );
}

#[test]
fn null_options_releases_the_streams() {
    let status = call(Some(placements()), None, Some(placements()), None).unwrap_err();
    assert_failed(status, CmStatus::NULL_POINTER, &["`options`"]);
    assert_eq!(
        last_message(),
        "null pointer: `options` is NULL; it is required"
    );
}

#[test]
fn null_out_releases_the_streams() {
    let (mut p, mut pop, mut adm) = (
        Source::new(placements()),
        Source::new(placements()),
        Source::new(placements()),
    );
    let o = options();
    // SAFETY: valid streams and options; `out` NULL on purpose.
    let status = unsafe { cm_oap_measures(p.ptr(), &o, pop.ptr(), adm.ptr(), null_mut()) };
    assert_failed(status, CmStatus::NULL_POINTER, &["`out`"]);
    assert_eq!(
        last_message(),
        "null pointer: `out` is NULL; it is required"
    );
    p.assert_released();
    pop.assert_released();
    adm.assert_released();
}

#[test]
fn unknown_constants_are_invalid_arguments() {
    let mut o = options();
    o.window = 99;
    assert_failed(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT,
        &[],
    );
    assert_eq!(
        last_message(),
        "invalid argument `window`: unknown window 99; expected a CM_WINDOW_* constant: \
         0 (month), 1 (rolling_3m), 2 (rolling_12m)"
    );
    let mut o = options();
    o.bed_scope = 3;
    assert_eq!(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT
    );
    assert_eq!(
        last_message(),
        "invalid argument `bed_scope`: unknown bed scope 3; expected a CM_BED_SCOPE_* constant: \
         0 (default), 1 (list), 2 (all)"
    );
    let mut o = options();
    o.overlap = 2;
    assert_eq!(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT
    );
    assert_eq!(
        last_message(),
        "invalid argument `overlap`: unknown overlap rule 2; expected a CM_OVERLAP_* constant: \
         0 (count), 1 (truncate)"
    );
}

#[test]
fn bad_option_values_are_named() {
    let mut o = options();
    o.end = d(2023, 12, 1);
    assert_eq!(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT
    );
    assert_eq!(
        last_message(),
        "invalid argument `end`: the reporting end 2023-12-01 is in a month before the start 2024-01-01"
    );
    let mut o = options();
    o.confidence = 1.5;
    assert_failed(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT,
        &["confidence"],
    );
    let mut o = options();
    o.multiplier = 0.0;
    assert_failed(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT,
        &["multiplier"],
    );
}

#[test]
fn null_string_arrays_are_null_pointers() {
    let mut o = options();
    o.by_len = 1;
    assert_eq!(fail(Some(placements()), Some(&o)), CmStatus::NULL_POINTER);
    assert_eq!(
        last_message(),
        "null pointer: `by` is NULL but its length is 1; pass an array of 1 elements"
    );
    let mut o = options();
    o.bed_scope = CM_BED_SCOPE_LIST;
    o.bed_types_len = 2;
    assert_failed(
        fail(Some(placements()), Some(&o)),
        CmStatus::NULL_POINTER,
        &["`bed_types` is NULL but its length is 2"],
    );
    // The column map is read before the streams: they are released all the same.
    let mut o = options();
    o.column_names_len = 1;
    assert_failed(
        fail(Some(placements()), Some(&o)),
        CmStatus::NULL_POINTER,
        &["`column_names` is NULL but its length is 2"],
    );
    let by = [c"place".as_ptr(), null()];
    let mut o = options();
    o.by = by.as_ptr();
    o.by_len = 2;
    assert_failed(
        fail(Some(placements()), Some(&o)),
        CmStatus::INVALID_ARGUMENT,
        &["invalid argument `by`: element 1 is NULL"],
    );
}

#[test]
fn end_before_start_names_the_row() {
    let b = placements();
    // Row 1 starts on 1 February and now ends on 31 January.
    let end = dates(&[
        Some("2024-03-10"),
        Some("2024-01-31"),
        Some("2024-02-05"),
        None,
        Some("2024-03-20"),
        Some("2024-01-09"),
        Some("2024-01-09"),
        Some("2024-01-09"),
    ]);
    assert_eq!(
        fail(Some(with_column(&b, "end_date", end)), Some(&options())),
        CmStatus::INVALID_CELL
    );
    // The core's message names the column and row of the placements table (as in the Rust
    // and Python APIs, without a `placements.` prefix; admissions errors carry theirs).
    assert_eq!(
        last_message(),
        "invalid value in column `end_date` at row 1 (2024-01-31): end date before the start \
         date 2024-02-01"
    );
}

#[test]
fn duplicate_placement_ids_are_invalid_cells() {
    let ids = Arc::new(Int64Array::from(vec![1i64, 2, 3, 4, 5, 6, 7, 3]));
    assert_eq!(
        fail(
            Some(with_column(&placements(), "placement_id", ids)),
            Some(&options())
        ),
        CmStatus::INVALID_CELL
    );
    assert_eq!(
        last_message(),
        "invalid value in column `placement_id` at row 7 (3): duplicate identifier (first at row 2)"
    );
}

#[test]
fn missing_and_mistyped_columns() {
    let without_reason = placements().project(&[0, 1, 2, 3, 4, 6]).unwrap();
    assert_eq!(
        fail(Some(without_reason), Some(&options())),
        CmStatus::MISSING_COLUMN
    );
    assert_eq!(
        last_message(),
        "missing column `reason` (available: placement_id, person_id, start_date, end_date, \
         bed_type, place)"
    );
    let floats = Arc::new(Float64Array::from(vec![1.0; 8]));
    assert_eq!(
        fail(
            Some(with_column(&placements(), "start_date", floats)),
            Some(&options())
        ),
        CmStatus::COLUMN_TYPE
    );
    assert_eq!(
        last_message(),
        "column `start_date` has type double; expected a date (date32, date64, timestamp or \
         ISO 8601 string)"
    );
}

#[test]
fn admissions_errors_name_their_table() {
    let adm =
        RecordBatch::try_from_iter(vec![("start_date", dates(&[Some("2024-01-01")]))]).unwrap();
    let status = call(Some(placements()), Some(&options()), None, Some(adm)).unwrap_err();
    assert_failed(
        status,
        CmStatus::MISSING_COLUMN,
        &["missing column `admissions.end_date`"],
    );
    let pop = RecordBatch::try_from_iter(vec![("people", strings(&["1"]))]).unwrap();
    let status = call(Some(placements()), Some(&options()), Some(pop), None).unwrap_err();
    assert_failed(
        status,
        CmStatus::MISSING_COLUMN,
        // `population.population` since the core names the table of population errors.
        &["missing column `population", "(available: people)"],
    );
}

#[test]
fn an_already_released_stream_is_an_invalid_argument() {
    let mut released = FFI_ArrowArrayStream::empty();
    let mut out = FFI_ArrowArrayStream::empty();
    let o = options();
    // SAFETY: a released stream is a valid (if unusable) stream.
    let status = unsafe { cm_oap_measures(&mut released, &o, null_mut(), null_mut(), &mut out) };
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &[]);
    assert_eq!(
        last_message(),
        "invalid argument `placements`: not a readable Arrow stream: it is already released"
    );
    assert!(out.release.is_none());
}

// ---------------------------------------------------------------------------------------------
// Producers that fail, written against the raw callbacks as a C producer would be.

/// What a hand-written producer does: how it fails and how often it was released.
struct Faulty {
    schema: SchemaRef,
    schema_fails: bool,
    last_error: Option<&'static std::ffi::CStr>,
    /// A NULL `get_next` callback (a broken producer).
    no_get_next: bool,
    releases: AtomicUsize,
}

unsafe extern "C" fn faulty_get_schema(
    stream: *mut FFI_ArrowArrayStream,
    out: *mut FFI_ArrowSchema,
) -> c_int {
    // SAFETY: private_data is the `Faulty` the test keeps alive.
    let f = unsafe { &*((*stream).private_data as *const Faulty) };
    if f.schema_fails {
        return 5; // EIO
    }
    let schema = FFI_ArrowSchema::try_from(f.schema.as_ref()).unwrap();
    // SAFETY: `out` is writable per the stream protocol.
    unsafe { std::ptr::write(out, schema) };
    0
}

unsafe extern "C" fn faulty_get_next(
    _stream: *mut FFI_ArrowArrayStream,
    _out: *mut FFI_ArrowArray,
) -> c_int {
    5 // EIO
}

unsafe extern "C" fn faulty_get_last_error(stream: *mut FFI_ArrowArrayStream) -> *const c_char {
    // SAFETY: as above.
    let f = unsafe { &*((*stream).private_data as *const Faulty) };
    f.last_error.map_or(null(), |m| m.as_ptr())
}

unsafe extern "C" fn faulty_release(stream: *mut FFI_ArrowArrayStream) {
    // SAFETY: as above.
    let f = unsafe { &*((*stream).private_data as *const Faulty) };
    f.releases.fetch_add(1, Ordering::SeqCst);
    // SAFETY: `stream` is valid; marking it released is the release callback's job.
    unsafe { (*stream).release = None };
}

impl Faulty {
    fn new(schema_fails: bool, last_error: Option<&'static std::ffi::CStr>) -> Box<Self> {
        Box::new(Faulty {
            schema: placements().schema(),
            schema_fails,
            last_error,
            no_get_next: false,
            releases: AtomicUsize::new(0),
        })
    }

    fn stream(&self) -> FFI_ArrowArrayStream {
        FFI_ArrowArrayStream {
            get_schema: Some(faulty_get_schema),
            get_next: (!self.no_get_next).then_some(faulty_get_next as _),
            get_last_error: Some(faulty_get_last_error),
            release: Some(faulty_release),
            private_data: self as *const Faulty as *mut std::ffi::c_void,
        }
    }

    /// Calls `cm_oap_measures` with this producer as placements and a well-behaved population
    /// stream; checks both were released exactly once and `out` untouched.
    fn call(&self) -> CmStatus {
        let mut stream = self.stream();
        let mut pop = Source::new(placements());
        let mut out = FFI_ArrowArrayStream::empty();
        let o = options();
        // SAFETY: valid streams and options.
        let status = unsafe { cm_oap_measures(&mut stream, &o, pop.ptr(), null_mut(), &mut out) };
        assert!(stream.release.is_none());
        assert_eq!(self.releases.load(Ordering::SeqCst), 1, "released once");
        pop.assert_released();
        assert!(out.release.is_none());
        status
    }
}

#[test]
fn a_stream_whose_get_schema_fails() {
    let f = Faulty::new(true, Some(c"the extract file is gone"));
    assert_failed(f.call(), CmStatus::INVALID_ARGUMENT, &[]);
    // The producer's own message (arrow's reader dropped it).
    assert_eq!(
        last_message(),
        "invalid argument `placements`: reading the input stream failed: its get_schema \
         returned error code 5 (the extract file is gone)"
    );
}

#[test]
fn a_stream_whose_get_next_fails() {
    let f = Faulty::new(false, Some(c"the extract file is gone"));
    assert_failed(
        f.call(),
        CmStatus::INVALID_ARGUMENT,
        &[
            "reading the input stream failed",
            "the extract file is gone",
        ],
    );
}

#[test]
fn a_stream_whose_get_next_fails_without_a_message() {
    // get_last_error may return NULL ("no description available"): the call reports the
    // producer's failure as such (arrow's reader panicked, blaming the protocol) and still
    // releases every stream.
    let f = Faulty::new(false, None);
    assert_failed(
        f.call(),
        CmStatus::INVALID_ARGUMENT,
        &[
            "invalid argument `placements`: reading the input stream failed: its get_next \
             returned error code 5 (no message from the producer)",
        ],
    );
}

#[test]
fn a_stream_without_get_next() {
    let mut f = Faulty::new(false, None);
    f.no_get_next = true;
    assert_failed(
        f.call(),
        CmStatus::INVALID_ARGUMENT,
        &["not a readable Arrow stream: its producer broke the Arrow C stream protocol"],
    );
}

#[test]
fn constants_have_stable_values() {
    // The constants the C header exports, as the C tests use them.
    assert_eq!(
        [CM_WINDOW_MONTH, CM_WINDOW_ROLLING_3M, CM_WINDOW_ROLLING_12M],
        [0, 1, 2]
    );
    assert_eq!(
        [CM_BED_SCOPE_DEFAULT, CM_BED_SCOPE_LIST, CM_BED_SCOPE_ALL],
        [0, 1, 2]
    );
    assert_eq!([CM_OVERLAP_COUNT, CM_OVERLAP_TRUNCATE], [0, 1]);
}

#[test]
fn a_distance_column_adds_the_distance_summary() {
    // Rows 0–4 started in Jan (30 km), Feb (60, 10), Mar (120, none): counts 1, 2, 1.
    let km: ArrayRef = Arc::new(Float64Array::from(vec![
        Some(30.0),
        Some(60.0),
        Some(10.0),
        Some(120.0),
        None,
        Some(1.0),
        Some(1.0),
        Some(1.0),
    ]));
    let b = placements();
    let mut fields: Vec<Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("km", arrow_schema::DataType::Float64, true));
    let mut cols = b.columns().to_vec();
    cols.push(km);
    let b = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
    let name = CString::new("km").unwrap();
    let mut o = options();
    o.distance = name.as_ptr();
    let out = run(b.clone(), &o, None, None);
    assert_eq!(
        floats(&out, "distance_count"),
        [Some(1.0), Some(2.0), Some(1.0)]
    );
    assert_eq!(floats(&out, "distance_median")[1], Some(35.0));
    let mut c = core_options();
    c.distance = Some("km".into());
    assert_eq!(out, core(&b, &c, ColumnMap::new(), None, None));
    let missing = CString::new("no_such_column").unwrap();
    o.distance = missing.as_ptr();
    assert_eq!(fail(Some(b), Some(&o)), CmStatus::MISSING_COLUMN);
    assert!(
        last_message().contains("missing column `no_such_column`"),
        "{}",
        last_message()
    );
}

/// Issue 11: `cm_oap_options_default` with date32's extremes does not panic, and a period of
/// INT32_MIN to INT32_MAX (or one beyond 2200) is refused naming the option, not answered with
/// one row or 70 million.
#[test]
fn extreme_reporting_dates_are_refused_naming_the_option() {
    let o = cm_oap_options_default(d(2024, 1, 1), i32::MAX);
    assert_eq!(o.end, i32::MAX);
    let o = cm_oap_options_default(i32::MIN, i32::MAX);
    let status = fail(Some(placements()), Some(&o));
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &[
            "`start`",
            "outside the supported date range 1800-01-01 to 2200-12-31",
        ],
    );
    let o = cm_oap_options_default(d(2024, 1, 1), i32::MAX - 1);
    let status = fail(Some(placements()), Some(&o));
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`end`", "outside"]);
    let mut o = options();
    o.data_cutoff = i32::MAX;
    let status = fail(Some(placements()), Some(&o));
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`data_cutoff`"]);
}

/// Issue 11: an `end_date` of date32's maximum is an out-of-range error naming the row, not a
/// placement that is silently never active.
#[test]
fn a_date_column_beyond_the_range_names_its_row() {
    let end: Vec<Option<i32>> = vec![
        Some(d(2024, 3, 10)),
        Some(i32::MAX),
        None,
        None,
        None,
        None,
        None,
        None,
    ];
    let b = with_column(&placements(), "end_date", Arc::new(Date32Array::from(end)));
    let status = fail(Some(b), Some(&options()));
    assert_failed(
        status,
        CmStatus::INVALID_CELL,
        &[
            "`end_date`",
            "row 1",
            "date32 2147483647",
            "outside the supported date range",
        ],
    );
}

/// Issue 11: a set cancellation flag (in the options, or the thread's) ends the call with
/// `CM_CANCELLED`; cleared, the same call succeeds.
#[test]
fn a_set_cancel_flag_cancels() {
    let flag: c_int = 1;
    let mut o = options();
    o.cancel = &flag;
    let status = fail(Some(placements()), Some(&o));
    assert_failed(status, CmStatus::CANCELLED, &["cancelled"]);
    assert_eq!(super::last_kind(), "cancelled");
    let cleared: c_int = 0;
    o.cancel = &cleared;
    run(placements(), &o, None, None);
    // The thread's flag, for calls whose options give none.
    // SAFETY: `flag` outlives every call below; cleared before it goes.
    unsafe { crate::cm_set_cancel_flag(&flag) };
    let status = fail(Some(placements()), Some(&options()));
    assert_failed(status, CmStatus::CANCELLED, &["cancelled"]);
    // SAFETY: NULL clears the flag.
    unsafe { crate::cm_set_cancel_flag(null()) };
    run(placements(), &options(), None, None);
}
