//! Transition disengagement for 16–25s (`collabmetrics::transition`) over Arrow C streams.

use crate::args::{option, unknown_code, Arrays};
use crate::error::{guard, CmStatus, Failure};
use crate::stream;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::RecordBatch;
use collabmetrics::table::{Input, TableResult};
use collabmetrics::transition::{self, CurveMethod, Tables, TransitionOptions};
use std::ffi::{c_char, c_int};

// The curve codes are the positions of the core's `CurveMethod` names (checked by a test).

/// `cm_transition_time_to_contact` method: Kaplan–Meier share still without an attended adult
/// contact (deaths censored; Greenwood variance, log-log interval).
pub const CM_CURVE_KAPLAN_MEIER: i32 = 0;
/// `cm_transition_time_to_contact` method: Aalen–Johansen cumulative incidence of an attended
/// adult contact, death a competing event (log-log interval).
pub const CM_CURVE_AALEN_JOHANSEN: i32 = 1;

/// Options of the transition functions; start from `cm_transition_options_default`. Dates are
/// days since 1970-01-01 (Arrow date32). Arrays and strings are borrowed for the duration of
/// the call.
///
/// Each list (`horizons`, `attended_codes`, `dna_codes`, `direct_mechanisms`,
/// `crisis_team_types`, `by`) is used only when its `has_` flag is true (then `*_len`
/// elements at the pointer, which may be NULL when the length is 0); with the flag false the
/// core's default applies: horizons 30, 183, 365; attended codes 5, 6; did-not-attend codes
/// 3, 7; direct mechanisms 1, 2, 4, 11; crisis team types A02, A11, A19–A25; breakdowns
/// whichever of `sex`, `ethnicity`, `imd_decile`, `place` the persons table has.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmTransitionOptions {
    /// The last date the data cover. Follow-up ends here.
    pub data_end: i32,
    /// When true, index and boundary dates from `period_start` on (otherwise from the start
    /// of the data).
    pub has_period_start: bool,
    /// First index or boundary date of the reporting period (read when `has_period_start`).
    pub period_start: i32,
    /// When true, index and boundary dates up to `period_end` (otherwise to `data_end`).
    pub has_period_end: bool,
    /// Last index or boundary date of the reporting period (read when `has_period_end`).
    pub period_end: i32,
    /// Age at which CYPMHS ends (default 18).
    pub boundary_age: u32,
    /// Ages of cohort T on the index date (default 16 to 25 inclusive).
    pub min_age: u32,
    /// The oldest age of cohort T on the index date (see `min_age`).
    pub max_age: u32,
    /// N of T1 and cohort B's engagement window (default 90).
    pub engagement_days: i32,
    /// Further T1 horizons in days (at most 7), when `has_horizons`.
    pub has_horizons: bool,
    /// The horizons in days (read when `has_horizons`; default 30, 183, 365).
    pub horizons: *const i32,
    /// Number of values in `horizons`.
    pub horizons_len: usize,
    /// Attended contacts needed for engagement (default 1).
    pub min_attended_contacts: u32,
    /// ATTENDED OR DID NOT ATTEND codes (2–7) meaning attended, when `has_attended_codes`.
    pub has_attended_codes: bool,
    /// The attended codes (read when `has_attended_codes`; default 5, 6).
    pub attended_codes: *const u16,
    /// Number of codes in `attended_codes`.
    pub attended_codes_len: usize,
    /// Codes (2–7) meaning did not attend, when `has_dna_codes`.
    pub has_dna_codes: bool,
    /// The did-not-attend codes (read when `has_dna_codes`; default 3, 7).
    pub dna_codes: *const u16,
    /// Number of codes in `dna_codes`.
    pub dna_codes_len: usize,
    /// CONSULTATION MECHANISM codes that are direct contact, when `has_direct_mechanisms`.
    pub has_direct_mechanisms: bool,
    /// The direct mechanisms (read when `has_direct_mechanisms`; default 01, 02, 04, 11).
    pub direct_mechanisms: *const u16,
    /// Number of codes in `direct_mechanisms`.
    pub direct_mechanisms_len: usize,
    /// Adult crisis team types (strings such as "A02"), when `has_crisis_team_types`.
    pub has_crisis_team_types: bool,
    /// The crisis team types (read when `has_crisis_team_types`; default A02, A11, A19–A25).
    pub crisis_team_types: *const *const c_char,
    /// Number of strings in `crisis_team_types`.
    pub crisis_team_types_len: usize,
    /// Lookback for CYPMHS involvement before an adult referral (default 183 days).
    pub cyp_lookback_days: i32,
    /// Window before the boundary date in which a CYP referral must be open (default 183).
    pub boundary_open_window_days: i32,
    /// Follow-up window (default 365 days) of the year-long T metrics (discharged without
    /// attending, engaged at 12 months, parallel care, crisis presentations) and of cohort B.
    pub followup_days: i32,
    /// Days after the boundary date a CYP referral must still be open to count as retained
    /// (default 90).
    pub retained_days: i32,
    /// Adult referrals within this many days of an episode's index belong to it (default 365).
    pub episode_gap_days: i32,
    /// Confidence level of the Wilson intervals and the curve, in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Person columns to break the summary down by, when `has_by` (our names, before
    /// `column_names` mapping; `has_by` with `by_len` 0: only "all" and the age bands).
    pub has_by: bool,
    /// The breakdown column names (read when `has_by`).
    pub by: *const *const c_char,
    /// Number of names in `by`.
    pub by_len: usize,
    /// Add the optional 18–24 age band to the summary (default false).
    pub age_band_18_24: bool,
    /// `column_names_len` pairs (our name, your name), as in `CmOapOptions`. One map serves
    /// every input table (e.g. {"person_id", "Person_ID"} renames it in all of them).
    pub column_names: *const *const c_char,
    /// Number of pairs in `column_names`.
    pub column_names_len: usize,
    /// NULL, or a flag to cancel the call: set `*cancel` to non-zero from another thread
    /// (C11 `atomic_store`) or a signal handler (`volatile sig_atomic_t`) and the call returns
    /// `CM_CANCELLED` within milliseconds. It must stay valid for the call. NULL uses the
    /// thread's flag (`cm_set_cancel_flag`), if any.
    pub cancel: *const c_int,
}

/// The default options (`docs/methods/transition.md`) with data ending on `data_end` (days since
/// 1970-01-01): no period limits, every list at its default, no column renaming.
#[no_mangle]
pub extern "C" fn cm_transition_options_default(data_end: i32) -> CmTransitionOptions {
    let d = TransitionOptions::new(data_end);
    CmTransitionOptions {
        data_end,
        has_period_start: d.period_start.is_some(),
        period_start: d.period_start.unwrap_or(0),
        has_period_end: d.period_end.is_some(),
        period_end: d.period_end.unwrap_or(0),
        boundary_age: d.boundary_age,
        min_age: d.min_age,
        max_age: d.max_age,
        engagement_days: d.engagement_days,
        has_horizons: false,
        horizons: std::ptr::null(),
        horizons_len: 0,
        min_attended_contacts: d.min_attended_contacts,
        has_attended_codes: false,
        attended_codes: std::ptr::null(),
        attended_codes_len: 0,
        has_dna_codes: false,
        dna_codes: std::ptr::null(),
        dna_codes_len: 0,
        has_direct_mechanisms: false,
        direct_mechanisms: std::ptr::null(),
        direct_mechanisms_len: 0,
        has_crisis_team_types: false,
        crisis_team_types: std::ptr::null(),
        crisis_team_types_len: 0,
        cyp_lookback_days: d.cyp_lookback_days,
        boundary_open_window_days: d.boundary_open_window_days,
        followup_days: d.followup_days,
        retained_days: d.retained_days,
        episode_gap_days: d.episode_gap_days,
        confidence: d.confidence,
        has_by: d.by.is_some(),
        by: std::ptr::null(),
        by_len: 0,
        age_band_18_24: d.age_band_18_24,
        column_names: std::ptr::null(),
        column_names_len: 0,
        cancel: std::ptr::null(),
    }
}

/// Both cohorts, the summary and the Kaplan–Meier curve of cohort T from one pass, as
/// `collabmetrics::transition::analyse` in Rust.
///
/// Inputs: `persons`, `referrals` and `contacts` (required) and `care_plans` (NULL when not
/// given) are Arrow C streams whose ownership passes to this function: every non-NULL one is
/// released before it returns, on success or failure. On success the four outputs receive
/// streams the caller must release: `out_transfers` (cohort T, one row per member),
/// `out_ageing_out` (cohort B), `out_summary` (every metric per breakdown group) and
/// `out_curve` (time to the first attended adult contact in cohort T). Each carries the
/// diagnostics of the inputs as JSON under the schema metadata key
/// "collabmetrics:diagnostics". The four outputs must be distinct. On failure none of them is
/// written.
///
/// # Safety
///
/// Stream pointers must be NULL or valid `ArrowArrayStream`s; `options` must point to a valid
/// `CmTransitionOptions` whose arrays and strings are valid; the outputs must be writable.
#[no_mangle]
pub unsafe extern "C" fn cm_transition_analyse(
    persons: *mut FFI_ArrowArrayStream,
    referrals: *mut FFI_ArrowArrayStream,
    contacts: *mut FFI_ArrowArrayStream,
    care_plans: *mut FFI_ArrowArrayStream,
    options: *const CmTransitionOptions,
    out_transfers: *mut FFI_ArrowArrayStream,
    out_ageing_out: *mut FFI_ArrowArrayStream,
    out_summary: *mut FFI_ArrowArrayStream,
    out_curve: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        let outs = [
            ("out_transfers", out_transfers),
            ("out_ageing_out", out_ageing_out),
            ("out_summary", out_summary),
            ("out_curve", out_curve),
        ];
        // SAFETY: forwarded from the caller.
        let inputs = unsafe { read_inputs(persons, referrals, contacts, care_plans, options) }?;
        stream::check_outs(&outs)?;
        let a = {
            let (tables, opts) = (inputs.tables(), &inputs.opts);
            crate::cancel::with(inputs.cancel, || transition::analyse(&tables, opts))
        }?;
        let diagnostics = a.diagnostics;
        let with = |table: RecordBatch| {
            TableResult {
                table,
                diagnostics: diagnostics.clone(),
            }
            .into_batch()
        };
        let batches = [
            with(a.transfers),
            with(a.ageing_out),
            with(a.summary),
            with(a.curve),
        ];
        for ((_, out), batch) in outs.into_iter().zip(batches) {
            // SAFETY: checked non-NULL and distinct; writable per the caller.
            unsafe { stream::write(out, batch) }?;
        }
        Ok(())
    })
}

/// Each referral's service line and the rule that decided it (`referral_id`,
/// `service_line`, `rule`), for auditing the classification, as
/// `collabmetrics::transition::service_lines`. Streams and options as for
/// `cm_transition_analyse`; on success `out` receives the table (diagnostics in its schema
/// metadata), on failure it is untouched.
///
/// # Safety
///
/// As for `cm_transition_analyse`, with `out` writable.
#[no_mangle]
pub unsafe extern "C" fn cm_transition_service_lines(
    persons: *mut FFI_ArrowArrayStream,
    referrals: *mut FFI_ArrowArrayStream,
    contacts: *mut FFI_ArrowArrayStream,
    care_plans: *mut FFI_ArrowArrayStream,
    options: *const CmTransitionOptions,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let inputs = unsafe { read_inputs(persons, referrals, contacts, care_plans, options) }?;
        stream::check_out(out)?;
        let result = {
            let (tables, opts) = (inputs.tables(), &inputs.opts);
            crate::cancel::with(inputs.cancel, || transition::service_lines(&tables, opts))
        }?;
        // SAFETY: `out` is non-NULL and writable per the caller.
        unsafe { stream::write(out, result.into_batch()) }
    })
}

/// The curve of time to the first attended adult contact from a per-person table such as the
/// `out_transfers` or `out_ageing_out` output of `cm_transition_analyse` (columns
/// `days_to_first_adult_contact`, `follow_up_days` and, when present, `days_to_death`), as
/// `collabmetrics::transition::time_to_contact`. `method` is `CM_CURVE_KAPLAN_MEIER` or
/// `CM_CURVE_AALEN_JOHANSEN` (anything else is `CM_INVALID_ARGUMENT`); `confidence` in
/// (0, 1). `table` is moved into the call (released before it returns, whatever happens);
/// on success `out` receives the curve (diagnostics in its schema metadata), on failure it is
/// untouched.
///
/// # Safety
///
/// `table` must be NULL or a valid `ArrowArrayStream`; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cm_transition_time_to_contact(
    table: *mut FFI_ArrowArrayStream,
    method: i32,
    confidence: f64,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // SAFETY: NULL or valid per the caller; read first, so it is always released.
        let table = unsafe { stream::read("table", table, &Default::default()) }?;
        let method = curve_method(method)?;
        stream::check_out(out)?;
        let result = crate::cancel::with(std::ptr::null(), || {
            transition::time_to_contact(&table, method, confidence)
        })?;
        // SAFETY: `out` is non-NULL and writable per the caller.
        unsafe { stream::write(out, result.into_batch()) }
    })
}

/// The curve method of a `CM_CURVE_*` code (the position of the core's name).
fn curve_method(method: i32) -> Result<CurveMethod, Failure> {
    match u32::try_from(method) {
        Ok(code) => option(code, "CM_CURVE_"),
        Err(_) => Err(unknown_code::<CurveMethod>(method, "CM_CURVE_")),
    }
}

/// The input tables and options of one call.
struct Inputs {
    persons: Input,
    referrals: Input,
    contacts: Input,
    care_plans: Option<Input>,
    opts: TransitionOptions,
    /// The options' cancellation flag.
    cancel: *const c_int,
}

impl Inputs {
    fn tables(&self) -> Tables<'_> {
        Tables {
            persons: &self.persons,
            referrals: &self.referrals,
            contacts: &self.contacts,
            care_plans: self.care_plans.as_ref(),
        }
    }
}

/// Reads (and so releases) every input stream first, whatever fails next; then checks and
/// converts the options.
///
/// # Safety
///
/// Stream pointers NULL or valid; `options` NULL or valid, with valid arrays and strings.
unsafe fn read_inputs(
    persons: *mut FFI_ArrowArrayStream,
    referrals: *mut FFI_ArrowArrayStream,
    contacts: *mut FFI_ArrowArrayStream,
    care_plans: *mut FFI_ArrowArrayStream,
    options: *const CmTransitionOptions,
) -> Result<Inputs, Failure> {
    // SAFETY: `options` is NULL or valid per the caller.
    let map = unsafe { stream::map_of(options) };
    let read_map = map.as_ref().cloned().unwrap_or_default();
    // SAFETY: stream pointers are NULL or valid per the caller.
    let (persons, referrals, contacts, care_plans) = unsafe {
        (
            stream::read("persons", persons, &read_map),
            stream::read("referrals", referrals, &read_map),
            stream::read("contacts", contacts, &read_map),
            stream::read_optional("care_plans", care_plans, &read_map),
        )
    };
    map?;
    let (persons, referrals, contacts, care_plans) = (persons?, referrals?, contacts?, care_plans?);
    if options.is_null() {
        return Err(Failure::null("options"));
    }
    // SAFETY: checked non-NULL above; valid per the caller.
    let opts = unsafe { convert(&*options) }?;
    Ok(Inputs {
        persons,
        referrals,
        contacts,
        care_plans,
        opts,
        // SAFETY: as above.
        cancel: unsafe { (*options).cancel },
    })
}

/// `len` elements at `ptr` when `has`, else `default`.
///
/// # Safety
///
/// With `has`, a non-NULL `ptr` must point to `len` initialised elements.
unsafe fn list<T: Copy>(
    name: &'static str,
    has: bool,
    ptr: *const T,
    len: usize,
    default: Vec<T>,
) -> Result<Vec<T>, Failure> {
    if !has {
        crate::args::check_unused(name, len, &format!("has_{name} is false"))?;
        return Ok(default);
    }
    // SAFETY: forwarded from the caller.
    Ok(unsafe { Arrays::default().input(name, ptr, len) }?.to_vec())
}

/// The core's options from the C struct (validated by the core when it runs).
///
/// # Safety
///
/// The struct's arrays and strings must be valid.
pub(crate) unsafe fn convert(o: &CmTransitionOptions) -> Result<TransitionOptions, Failure> {
    let d = TransitionOptions::new(o.data_end);
    // SAFETY: forwarded from the caller.
    let (horizons, attended_codes, dna_codes, direct_mechanisms, crisis_team_types, by) = unsafe {
        (
            list(
                "horizons",
                o.has_horizons,
                o.horizons,
                o.horizons_len,
                d.horizons,
            )?,
            list(
                "attended_codes",
                o.has_attended_codes,
                o.attended_codes,
                o.attended_codes_len,
                d.attended_codes,
            )?,
            list(
                "dna_codes",
                o.has_dna_codes,
                o.dna_codes,
                o.dna_codes_len,
                d.dna_codes,
            )?,
            list(
                "direct_mechanisms",
                o.has_direct_mechanisms,
                o.direct_mechanisms,
                o.direct_mechanisms_len,
                d.direct_mechanisms,
            )?,
            stream::strings_or(
                "crisis_team_types",
                o.has_crisis_team_types,
                o.crisis_team_types,
                o.crisis_team_types_len,
                d.crisis_team_types,
            )?,
            if o.has_by {
                Some(stream::strings("by", o.by, o.by_len)?)
            } else {
                crate::args::check_unused("by", o.by_len, "has_by is false")?;
                d.by
            },
        )
    };
    Ok(TransitionOptions {
        data_end: Some(o.data_end),
        period_start: o.has_period_start.then_some(o.period_start),
        period_end: o.has_period_end.then_some(o.period_end),
        boundary_age: o.boundary_age,
        min_age: o.min_age,
        max_age: o.max_age,
        engagement_days: o.engagement_days,
        horizons,
        min_attended_contacts: o.min_attended_contacts,
        attended_codes,
        dna_codes,
        direct_mechanisms,
        crisis_team_types,
        cyp_lookback_days: o.cyp_lookback_days,
        boundary_open_window_days: o.boundary_open_window_days,
        followup_days: o.followup_days,
        retained_days: o.retained_days,
        episode_gap_days: o.episode_gap_days,
        confidence: o.confidence,
        by,
        age_band_18_24: o.age_band_18_24,
    })
}

impl stream::TableOptions for CmTransitionOptions {
    fn column_names(&self) -> (*const *const c_char, usize) {
        (self.column_names, self.column_names_len)
    }

    fn cancel(&self) -> *const c_int {
        self.cancel
    }
}
