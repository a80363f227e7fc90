//! The C ABI fuzz target: every exported function called as a C caller could call it, with
//! arbitrary option structs (any enum code, any number, NULL or valid arrays of strings, date
//! extremes, a set or clear cancellation flag), arbitrary Arrow tables exported as C streams,
//! and arbitrary array lengths (NULL pointers included). Compiled for this crate's tests
//! (`tests::fuzz`, run in CI) and for `cargo fuzz` (`fuzz/`, through a copy of this crate built
//! as a Rust library); never part of the released library.
//!
//! Invariants: no panic reaches the caller (`CM_PANIC` never comes back), every input stream
//! is released by the call, `out` is written only on success, and a result table holds
//! finite numbers or nulls.

use crate::*;
use arbitrary::{Result, Unstructured};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator};
use collabmetrics::table::ColumnSpec;
use collabmetrics_fuzz::arb::{self, any_day, any_f64, small_len, vec_of, Want};
use collabmetrics_fuzz::check;
use std::ffi::{c_char, c_int, CString};
use std::ptr::{null, null_mut};

/// Runs one C function chosen by the input.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
}

/// Strings kept alive for the duration of a call, and the pointer arrays to them.
#[derive(Default)]
struct Strings {
    owned: Vec<CString>,
    arrays: Vec<Vec<*const c_char>>,
}

impl Strings {
    fn one(&mut self, s: &str) -> *const c_char {
        let c = CString::new(s.replace('\0', "")).unwrap_or_default();
        let p = c.as_ptr();
        self.owned.push(c);
        p
    }

    /// An array of `names` (NULL for none, sometimes NULL with a length).
    fn array(
        &mut self,
        u: &mut Unstructured,
        names: &[&str],
    ) -> Result<(*const *const c_char, usize)> {
        if names.is_empty() {
            return Ok((null(), 0));
        }
        if u.ratio(1, 30)? {
            return Ok((null(), names.len()));
        }
        let ptrs: Vec<*const c_char> = names.iter().map(|n| self.one(n)).collect();
        let p = ptrs.as_ptr();
        self.arrays.push(ptrs);
        Ok((p, names.len()))
    }
}

fn names_of(specs: &[ColumnSpec]) -> Vec<Want<'static>> {
    specs
        .iter()
        .map(|s| Want {
            name: s.name,
            kind: s.kind,
            optional: !s.required,
        })
        .chain([Want {
            name: "area",
            kind: collabmetrics::table::ColumnKind::Code,
            optional: true,
        }])
        .collect()
}

/// An arbitrary table as a C stream (or, sometimes, no stream at all).
fn stream(u: &mut Unstructured, wants: &[Want]) -> Result<Option<FFI_ArrowArrayStream>> {
    if u.ratio(1, 40)? {
        return Ok(None);
    }
    let (schema, batches) = arb::table(u, wants)?;
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    Ok(Some(FFI_ArrowArrayStream::new(Box::new(reader))))
}

fn ptr(s: &mut Option<FFI_ArrowArrayStream>) -> *mut FFI_ArrowArrayStream {
    s.as_mut().map_or(null_mut(), |s| s as *mut _)
}

/// The invariants of a call taking streams: not a panic, inputs released, `out` written only
/// on success and holding finite results.
fn after(
    status: CmStatus,
    inputs: &[&Option<FFI_ArrowArrayStream>],
    outs: &mut [FFI_ArrowArrayStream],
    call: &str,
) {
    assert_ne!(
        status,
        CmStatus::PANIC,
        "{call}: a panic reached the caller"
    );
    for s in inputs.iter().copied().flatten() {
        assert!(
            s.release.is_none(),
            "{call}: an input stream was not released"
        );
    }
    for out in outs {
        if status != CmStatus::OK {
            assert!(out.release.is_none(), "{call}: out written on failure");
            continue;
        }
        // SAFETY: the call wrote a valid stream on success; the reader takes it over.
        let reader = unsafe { ArrowArrayStreamReader::from_raw(out) };
        let Ok(reader) = reader else {
            panic!("{call}: the result is not a readable stream");
        };
        for batch in reader {
            let batch: RecordBatch = batch.unwrap_or_else(|e| panic!("{call}: {e}"));
            check::batch(&batch, &[], call);
        }
    }
}

/// A cancellation flag: none, clear or set.
fn cancel_flag(u: &mut Unstructured, cell: &c_int) -> Result<*const c_int> {
    Ok(if u.ratio(1, 10)? { cell } else { null() })
}

fn code(u: &mut Unstructured, valid: u32) -> Result<u32> {
    Ok(if u.ratio(9, 10)? {
        u.int_in_range(0..=valid)?
    } else {
        u.arbitrary()?
    })
}

fn confidence(u: &mut Unstructured) -> Result<f64> {
    Ok(if u.ratio(9, 10)? { 0.95 } else { any_f64(u)? })
}

fn one(u: &mut Unstructured) -> Result<()> {
    let flag: c_int = u.int_in_range(0..=1)?;
    let mut strings = Strings::default();
    match u.int_in_range(0..=7)? {
        0 => {
            let mut placements = stream(u, &names_of(collabmetrics::oap::PLACEMENT_COLUMNS))?;
            let mut population = if u.arbitrary()? {
                stream(u, &names_of(collabmetrics::oap::POPULATION_COLUMNS))?
            } else {
                None
            };
            let mut admissions = if u.arbitrary()? {
                stream(u, &names_of(collabmetrics::oap::ADMISSION_COLUMNS))?
            } else {
                None
            };
            let start = any_day(u)?;
            let end = if u.ratio(4, 5)? {
                start.saturating_add(u.int_in_range(0..=400)?)
            } else {
                any_day(u)?
            };
            let mut o = cm_oap_options_default(start, end);
            o.window = code(u, 2)?;
            let by: &[&str] = if u.arbitrary()? { &["area"] } else { &[] };
            (o.by, o.by_len) = strings.array(u, by)?;
            o.bed_scope = code(u, 2)?;
            (o.bed_types, o.bed_types_len) = strings.array(u, &["10", "x"])?;
            o.has_data_cutoff = u.arbitrary()?;
            o.data_cutoff = any_day(u)?;
            o.overlap = code(u, 1)?;
            o.multiplier = if u.ratio(9, 10)? { 1e6 } else { any_f64(u)? };
            o.confidence = confidence(u)?;
            o.cancel = cancel_flag(u, &flag)?;
            let mut out = [FFI_ArrowArrayStream::empty()];
            let options: *const CmOapOptions = if u.ratio(1, 40)? { null() } else { &o };
            // SAFETY: streams are valid or NULL, the options' arrays live in `strings`.
            let status = unsafe {
                cm_oap_measures(
                    ptr(&mut placements),
                    options,
                    ptr(&mut population),
                    ptr(&mut admissions),
                    &mut out[0],
                )
            };
            after(
                status,
                &[&placements, &population, &admissions],
                &mut out,
                "cm_oap_measures",
            );
        }
        1 => {
            let mut persons = stream(u, &names_of(collabmetrics::transition::PERSON_COLUMNS))?;
            let mut referrals = stream(u, &names_of(collabmetrics::transition::REFERRAL_COLUMNS))?;
            let mut contacts = stream(u, &names_of(collabmetrics::transition::CONTACT_COLUMNS))?;
            let mut plans = if u.arbitrary()? {
                stream(u, &names_of(collabmetrics::transition::CARE_PLAN_COLUMNS))?
            } else {
                None
            };
            let mut o = cm_transition_options_default(any_day(u)?);
            o.has_period_start = u.ratio(1, 4)?;
            o.period_start = any_day(u)?;
            o.has_period_end = u.ratio(1, 4)?;
            o.period_end = any_day(u)?;
            if u.ratio(1, 5)? {
                o.boundary_age = u.arbitrary()?;
                o.min_age = u.arbitrary()?;
                o.max_age = u.arbitrary()?;
                o.engagement_days = u.arbitrary()?;
                o.followup_days = u.arbitrary()?;
            }
            let k = small_len(u)? % 4;
            let codes: Vec<u16> = vec_of(u, k, |u| u.arbitrary())?;
            if u.ratio(1, 5)? {
                o.has_attended_codes = true;
                o.attended_codes = if u.ratio(1, 10)? {
                    null()
                } else {
                    codes.as_ptr()
                };
                o.attended_codes_len = codes.len();
            }
            o.confidence = confidence(u)?;
            o.cancel = cancel_flag(u, &flag)?;
            let mut outs = [
                FFI_ArrowArrayStream::empty(),
                FFI_ArrowArrayStream::empty(),
                FFI_ArrowArrayStream::empty(),
                FFI_ArrowArrayStream::empty(),
            ];
            let [a, b, c, d] = &mut outs;
            let analyse: bool = u.arbitrary()?;
            // SAFETY: as above; the four outputs are distinct.
            let status = unsafe {
                if analyse {
                    cm_transition_analyse(
                        ptr(&mut persons),
                        ptr(&mut referrals),
                        ptr(&mut contacts),
                        ptr(&mut plans),
                        &o,
                        a,
                        b,
                        c,
                        d,
                    )
                } else {
                    cm_transition_service_lines(
                        ptr(&mut persons),
                        ptr(&mut referrals),
                        ptr(&mut contacts),
                        ptr(&mut plans),
                        &o,
                        a,
                    )
                }
            };
            let written = if analyse { 4 } else { 1 };
            after(
                status,
                &[&persons, &referrals, &contacts, &plans],
                &mut outs[..written],
                "cm_transition",
            );
        }
        2 => {
            use collabmetrics::table::ColumnKind::*;
            let wants = [
                Want::required("subgroup", Code),
                Want::required("value", Number),
                Want::required("population", Number),
                Want {
                    name: "se",
                    kind: Number,
                    optional: true,
                },
                Want {
                    name: "order",
                    kind: Number,
                    optional: true,
                },
            ];
            let mut input = stream(u, &wants)?;
            let mut o = cm_inequality_options_default();
            o.se = if u.arbitrary()? {
                strings.one("se")
            } else {
                null()
            };
            o.order = if u.arbitrary()? {
                strings.one("order")
            } else {
                null()
            };
            o.favourable = code(u, 2)?;
            o.rci_method = code(u, 2)?;
            o.sii_model = code(u, 1)?;
            o.value_type = code(u, 2)?;
            o.scale = if u.ratio(4, 5)? {
                f64::NAN
            } else {
                any_f64(u)?
            };
            o.setting_average = if u.ratio(4, 5)? {
                f64::NAN
            } else {
                any_f64(u)?
            };
            o.reps = *u.choose(&[0usize, 100, 1 << 40, usize::MAX])?;
            o.confidence = confidence(u)?;
            o.multiplier = if u.ratio(9, 10)? { 1.0 } else { any_f64(u)? };
            let measures: &[&str] = match u.int_in_range(0..=3)? {
                0 => &["SII", "RII"],
                1 => &["D", "R", "PAF", "bogus"],
                2 => &["TI", "MLD", "COV"],
                _ => &[],
            };
            (o.measures, o.measures_len) = strings.array(u, measures)?;
            o.cancel = cancel_flag(u, &flag)?;
            let mut out = [FFI_ArrowArrayStream::empty()];
            // SAFETY: as above.
            let status = unsafe { cm_inequality_measures(ptr(&mut input), &o, &mut out[0]) };
            after(status, &[&input], &mut out, "cm_inequality_measures");
        }
        3 => {
            use collabmetrics::table::ColumnKind::*;
            let wants = [
                Want::required("distance_km", Number),
                Want {
                    name: "weight",
                    kind: Number,
                    optional: true,
                },
                Want {
                    name: "area",
                    kind: Code,
                    optional: true,
                },
            ];
            let mut input = stream(u, &wants)?;
            let mut o = cm_distance_summary_options_default();
            let by: &[&str] = if u.arbitrary()? { &["area"] } else { &[] };
            (o.by, o.by_len) = strings.array(u, by)?;
            o.weight = if u.arbitrary()? {
                strings.one("weight")
            } else {
                null()
            };
            o.propagate_nulls = u.arbitrary()?;
            o.threshold = if u.ratio(9, 10)? { 50.0 } else { any_f64(u)? };
            o.bands = code(u, 2)?;
            let k = small_len(u)? % 5;
            let edges = vec_of(u, k, any_f64)?;
            o.band_edges = if edges.is_empty() {
                null()
            } else {
                edges.as_ptr()
            };
            o.band_edges_len = edges.len();
            o.confidence = confidence(u)?;
            o.cancel = cancel_flag(u, &flag)?;
            let mut out = [FFI_ArrowArrayStream::empty()];
            // SAFETY: as above; `edges` outlives the call.
            let status = unsafe { cm_distance_summary(ptr(&mut input), &o, &mut out[0]) };
            after(status, &[&input], &mut out, "cm_distance_summary");
        }
        4 | 5 => vectors(u)?,
        6 => {
            let k = small_len(u)?;
            let values = vec_of(u, k, any_f64)?;
            let weights = vec_of(u, values.len(), any_f64)?;
            let w = if u.arbitrary()? {
                weights.as_ptr()
            } else {
                null()
            };
            let (p, len) = pointer(u, &values)?;
            let param = any_f64(u)?;
            let mut out = 0.0;
            // SAFETY: `p` holds `len` values or is NULL; `w` as many or NULL.
            let status = unsafe {
                match u.int_in_range(0..=4)? {
                    0 => crate::inequality::cm_gini(p, w, len, false, &mut out),
                    1 => crate::inequality::cm_theil(p, w, len, &mut out),
                    2 => crate::inequality::cm_mld(p, w, len, &mut out),
                    3 => crate::inequality::cm_atkinson(p, w, len, param, &mut out),
                    _ => crate::inequality::cm_generalized_entropy(p, w, len, param, &mut out),
                }
            };
            assert_ne!(status, CmStatus::PANIC, "individual index: a panic");
            if status == CmStatus::OK {
                check::number(out, "individual index", false);
            }
        }
        _ => {
            let k = small_len(u)?;
            let (e, n) = (vec_of(u, k, any_f64)?, vec_of(u, 40, any_f64)?);
            let (p, len) = pointer(u, &e)?;
            let (mut lat, mut lon) = (vec![0.0; len.min(e.len())], vec![0.0; len.min(e.len())]);
            if lat.len() == len {
                // SAFETY: every array holds `len` elements (or `p` is NULL).
                let status = unsafe {
                    crate::distance::cm_bng_to_wgs84(
                        p,
                        n.as_ptr(),
                        len.min(n.len()),
                        lat.as_mut_ptr(),
                        lon.as_mut_ptr(),
                    )
                };
                assert_ne!(status, CmStatus::PANIC, "cm_bng_to_wgs84: a panic");
            }
        }
    }
    Ok(())
}

/// A pointer to `values` with its length, or NULL with length 0, or (sometimes) NULL with a
/// length, which the call must refuse.
fn pointer(u: &mut Unstructured, values: &[f64]) -> Result<(*const f64, usize)> {
    Ok(match u.int_in_range(0..=19)? {
        0 => (null(), values.len()),
        1 => (null(), 0),
        _ => (values.as_ptr(), values.len()),
    })
}

/// The row-wise and grouped estimators with arbitrary arrays, lengths and group counts.
fn vectors(u: &mut Unstructured) -> Result<()> {
    let n = small_len(u)?;
    let a = vec_of(u, n, any_f64)?;
    let b = vec_of(u, n, any_f64)?;
    let (pa, len) = pointer(u, &a)?;
    let pb = if u.ratio(1, 20)? { null() } else { b.as_ptr() };
    let mut outs = [
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
    ];
    let mut methods = vec![0u8; n];
    let mut methods_f = vec![0.0f64; n];
    let confidence = confidence(u)?;
    let multiplier = if u.ratio(3, 4)? { 100.0 } else { any_f64(u)? };
    let [o0, o1, o2, o3, o4] = &mut outs;
    let status = match u.int_in_range(0..=5)? {
        // SAFETY: every non-NULL array holds `len` (= n) elements.
        0 => unsafe {
            cm_proportion(
                pa,
                pb,
                len,
                confidence,
                multiplier,
                o0.as_mut_ptr(),
                o1.as_mut_ptr(),
                o2.as_mut_ptr(),
            )
        },
        // SAFETY: as above.
        1 => unsafe {
            cm_rate(
                pa,
                pb,
                len,
                confidence,
                multiplier,
                code(u, 1)?,
                o0.as_mut_ptr(),
                o1.as_mut_ptr(),
                o2.as_mut_ptr(),
                methods.as_mut_ptr(),
            )
        },
        2 => {
            let groups: Vec<u32> = vec_of(u, n, |u| u.int_in_range(0..=3))?;
            // Output arrays hold `n_groups` elements: keep it within `n` unless the call
            // should refuse it before writing (a huge count).
            let n_groups = if u.ratio(1, 10)? {
                *u.choose(&[usize::MAX, 1 << 60])?
            } else {
                u.int_in_range(0..=n.max(1))?.min(n)
            };
            // SAFETY: as above; outputs hold n >= n_groups elements, or n_groups is refused.
            unsafe {
                cm_mean(
                    groups.as_ptr(),
                    n_groups,
                    pa,
                    len,
                    confidence,
                    o0.as_mut_ptr(),
                    o1.as_mut_ptr(),
                    o2.as_mut_ptr(),
                    o3.as_mut_ptr(),
                    o4.as_mut_ptr(),
                    methods_f.as_mut_ptr(),
                )
            }
        }
        3 => {
            let c = vec_of(u, n, any_f64)?;
            let d = vec_of(u, n, any_f64)?;
            // SAFETY: as above.
            unsafe {
                crate::distance::cm_distance_geodesic(
                    pa,
                    pb,
                    c.as_ptr(),
                    d.as_ptr(),
                    len,
                    o0.as_mut_ptr(),
                )
            }
        }
        4 => {
            let c = vec_of(u, n, any_f64)?;
            let d = vec_of(u, n, any_f64)?;
            // SAFETY: as above.
            unsafe {
                crate::distance::cm_distance_bng(
                    pa,
                    pb,
                    c.as_ptr(),
                    d.as_ptr(),
                    len,
                    u.arbitrary()?,
                    o0.as_mut_ptr(),
                )
            }
        }
        _ => {
            let c = vec_of(u, n, any_f64)?;
            let d = vec_of(u, n, any_f64)?;
            // SAFETY: as above.
            unsafe {
                crate::distance::cm_distance_haversine(
                    pa,
                    pb,
                    c.as_ptr(),
                    d.as_ptr(),
                    len,
                    o0.as_mut_ptr(),
                )
            }
        }
    };
    assert_ne!(
        status,
        CmStatus::PANIC,
        "vector call: a panic reached the caller"
    );
    Ok(())
}
