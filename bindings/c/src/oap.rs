//! Out-of-area placement measures over Arrow C streams.

use crate::args::{code, option};
use crate::distance_table::CM_BANDS_CUSTOM;
use crate::error::{guard, CmStatus, Failure};
use crate::stream;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use collabmetrics::oap::{self, OapOptions};
use std::ffi::{c_char, c_int};

// The window and overlap codes are the positions of the core's names (`Window::ALL`,
// `OverlapRule::ALL`); a test checks each constant against them.

/// `CmOapOptions::window`: the calendar month.
pub const CM_WINDOW_MONTH: u32 = 0;
/// `CmOapOptions::window`: the rolling 3 months ending in the month.
pub const CM_WINDOW_ROLLING_3M: u32 = 1;
/// `CmOapOptions::window`: the rolling 12 months ending in the month.
pub const CM_WINDOW_ROLLING_12M: u32 = 2;
/// `CmOapOptions::bed_scope`: the default bed types (10, 11, 12, 200, 201, 202).
pub const CM_BED_SCOPE_DEFAULT: u32 = 0;
/// `CmOapOptions::bed_scope`: the codes in `bed_types`.
pub const CM_BED_SCOPE_LIST: u32 = 1;
/// `CmOapOptions::bed_scope`: every bed type.
pub const CM_BED_SCOPE_ALL: u32 = 2;
/// `CmOapOptions::overlap`: count overlapping placements as recorded.
pub const CM_OVERLAP_COUNT: u32 = 0;
/// `CmOapOptions::overlap`: end a person's earlier placement where the later one starts.
pub const CM_OVERLAP_TRUNCATE: u32 = 1;

/// Options of `cm_oap_measures`; start from `cm_oap_options_default`. Dates are days since
/// 1970-01-01 (Arrow date32). String arrays are borrowed for the duration of the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmOapOptions {
    /// First reporting month (any day in it), as given to `cm_oap_options_default`.
    pub start: i32,
    /// Last reporting month (any day in it), as given to `cm_oap_options_default`.
    pub end: i32,
    /// One of `CM_WINDOW_*`.
    pub window: u32,
    /// Breakdown column names (`by_len` of them; our names, before `column_names` mapping).
    pub by: *const *const c_char,
    /// Number of names in `by`.
    pub by_len: usize,
    /// Inappropriate placements only (reason 10): the default, true.
    pub inappropriate_only: bool,
    /// One of `CM_BED_SCOPE_*`; with `CM_BED_SCOPE_LIST`, the `bed_types_len` codes.
    pub bed_scope: u32,
    /// With `CM_BED_SCOPE_LIST`: the bed type codes counted (NULL otherwise).
    pub bed_types: *const *const c_char,
    /// Number of codes in `bed_types`.
    pub bed_types_len: usize,
    /// When true, open placements run through `data_cutoff` if it is before a period end.
    pub has_data_cutoff: bool,
    /// The data cut-off date (read when `has_data_cutoff`): its night still counts.
    pub data_cutoff: i32,
    /// One of `CM_OVERLAP_*`.
    pub overlap: u32,
    /// Rates per this many people (default 1 000 000).
    pub multiplier: f64,
    /// Confidence level in (0, 1) (default 0.95).
    pub confidence: f64,
    /// `column_names_len` pairs of strings (our name, your name), e.g.
    /// {"start_date", "StartDateHospProvSpell"}: `2 * column_names_len` strings in all.
    pub column_names: *const *const c_char,
    /// Number of pairs in `column_names`.
    pub column_names_len: usize,
    /// NULL, or the name of a column of home-to-unit distances in km: adds the `distance_*`
    /// summary columns (placements started in each period).
    pub distance: *const c_char,
    /// Distances at or beyond this many km count in `distance_share_beyond` (default 50).
    pub distance_threshold: f64,
    /// The `distance_band_*` counts: one of `CM_BANDS_*` (default `CM_BANDS_OAP`); with
    /// `CM_BANDS_CUSTOM`, the `distance_band_edges_len` edges.
    pub distance_bands: u32,
    /// With `CM_BANDS_CUSTOM`: the increasing band edges in km (NULL otherwise).
    pub distance_band_edges: *const f64,
    /// Number of values in `distance_band_edges`.
    pub distance_band_edges_len: usize,
    /// When true, `inappropriate_reasons` replaces the core's inappropriate reason codes
    /// (default "10", unavailability of a local bed).
    pub has_inappropriate_reasons: bool,
    /// The inappropriate reason codes (read when `has_inappropriate_reasons`).
    pub inappropriate_reasons: *const *const c_char,
    /// Number of codes in `inappropriate_reasons`.
    pub inappropriate_reasons_len: usize,
    /// When true, `appropriate_reasons` replaces the core's appropriate reason codes (default
    /// "11" to "15" and "99"). A code in neither list is unknown.
    pub has_appropriate_reasons: bool,
    /// The appropriate reason codes (read when `has_appropriate_reasons`).
    pub appropriate_reasons: *const *const c_char,
    /// Number of codes in `appropriate_reasons`.
    pub appropriate_reasons_len: usize,
    /// NULL, or a flag to cancel the call: set `*cancel` to non-zero from another thread
    /// (C11 `atomic_store`) or a signal handler (`volatile sig_atomic_t`) and the call returns
    /// `CM_CANCELLED` within milliseconds. It must stay valid for the call. NULL uses the
    /// thread's flag (`cm_set_cancel_flag`), if any.
    pub cancel: *const c_int,
}

/// The default options (the core's `OapOptions::default()`) for the months from `start` to
/// `end` (days since 1970-01-01), which have no default.
#[no_mangle]
pub extern "C" fn cm_oap_options_default(start: i32, end: i32) -> CmOapOptions {
    let d = OapOptions::new(start, end);
    CmOapOptions {
        start,
        end,
        window: code(d.window),
        by: std::ptr::null(),
        by_len: 0,
        inappropriate_only: d.inappropriate_only,
        bed_scope: bed_scope(&d.bed_types),
        bed_types: std::ptr::null(),
        bed_types_len: 0,
        has_data_cutoff: d.data_cutoff.is_some(),
        data_cutoff: d.data_cutoff.unwrap_or(0),
        overlap: code(d.overlap),
        multiplier: d.multiplier,
        confidence: d.confidence,
        column_names: std::ptr::null(),
        column_names_len: 0,
        distance: std::ptr::null(),
        distance_threshold: d.distance_options.threshold,
        distance_bands: d
            .distance_options
            .bands
            .preset_name()
            .map_or(CM_BANDS_CUSTOM, code),
        distance_band_edges: std::ptr::null(),
        distance_band_edges_len: 0,
        has_inappropriate_reasons: false,
        inappropriate_reasons: std::ptr::null(),
        inappropriate_reasons_len: 0,
        has_appropriate_reasons: false,
        appropriate_reasons: std::ptr::null(),
        appropriate_reasons_len: 0,
        cancel: std::ptr::null(),
    }
}

/// The scope constant of the core's default bed types: every bed type (`None`), or the
/// default list. (The core's default is the default list.)
fn bed_scope(bed_types: &Option<Vec<String>>) -> u32 {
    match bed_types {
        None => CM_BED_SCOPE_ALL,
        Some(_) => CM_BED_SCOPE_DEFAULT,
    }
}

/// OAP measures (OAP01–OAP11) per reporting period and breakdown, as in the Rust and Python
/// APIs: `placements` (required), `population` and `admissions` (NULL when not given) are Arrow
/// C streams whose ownership passes to this function (they are released before it returns,
/// on success or failure). On success `out` receives the result table as a stream the caller
/// must release; its schema metadata key "collabmetrics:diagnostics" holds the diagnostics as
/// JSON. On failure `out` is untouched.
///
/// # Safety
///
/// Stream pointers must be NULL or valid `ArrowArrayStream`s; `options` must point to a valid
/// `CmOapOptions` whose string arrays are valid; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cm_oap_measures(
    placements: *mut FFI_ArrowArrayStream,
    options: *const CmOapOptions,
    population: *mut FFI_ArrowArrayStream,
    admissions: *mut FFI_ArrowArrayStream,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // Read (and so release) every input stream first, whatever fails next.
        // SAFETY: `options` is NULL or valid per the caller.
        let map = unsafe { stream::map_of(options) };
        let read_map = map.as_ref().cloned().unwrap_or_default();
        // SAFETY: stream pointers are NULL or valid per the caller.
        let (placements, population, admissions) = unsafe {
            (
                stream::read("placements", placements, &read_map),
                stream::read_optional("population", population, &read_map),
                stream::read_optional("admissions", admissions, &read_map),
            )
        };
        map?;
        let (placements, population, admissions) = (placements?, population?, admissions?);
        if options.is_null() {
            return Err(Failure::null("options"));
        }
        stream::check_out(out)?;
        // SAFETY: checked non-NULL above; valid per the caller.
        let opts = unsafe { convert(&*options) }?;
        // SAFETY: checked non-NULL above; valid per the caller.
        let cancel = unsafe { (*options).cancel };
        let result = crate::cancel::with(cancel, || {
            oap::measures(&placements, &opts, population.as_ref(), admissions.as_ref())
        })?;
        // SAFETY: `out` is non-NULL and writable per the caller.
        unsafe { stream::write(out, result.into_batch()) }
    })
}

/// The core's options from the C struct.
///
/// # Safety
///
/// The struct's string arrays must be valid.
pub(crate) unsafe fn convert(o: &CmOapOptions) -> Result<OapOptions, Failure> {
    let mut opts = OapOptions::new(o.start, o.end);
    opts.window = option(o.window, "CM_WINDOW_")?;
    // SAFETY: forwarded from the caller.
    opts.by = unsafe { stream::strings("by", o.by, o.by_len) }?;
    opts.inappropriate_only = o.inappropriate_only;
    if o.bed_scope != CM_BED_SCOPE_LIST {
        crate::args::check_unused(
            "bed_types",
            o.bed_types_len,
            "bed_scope is not CM_BED_SCOPE_LIST",
        )?;
    }
    opts.bed_types = match o.bed_scope {
        CM_BED_SCOPE_DEFAULT => opts.bed_types,
        // SAFETY: forwarded from the caller.
        CM_BED_SCOPE_LIST => {
            Some(unsafe { stream::strings("bed_types", o.bed_types, o.bed_types_len) }?)
        }
        CM_BED_SCOPE_ALL => None,
        s => {
            return Err(Failure::argument(
                "bed_scope",
                format!(
                    "unknown bed scope {s}; expected a CM_BED_SCOPE_* constant: \
                     {CM_BED_SCOPE_DEFAULT} (default), {CM_BED_SCOPE_LIST} (list), \
                     {CM_BED_SCOPE_ALL} (all)"
                ),
            ))
        }
    };
    opts.data_cutoff = o.has_data_cutoff.then_some(o.data_cutoff);
    opts.overlap = option(o.overlap, "CM_OVERLAP_")?;
    opts.multiplier = o.multiplier;
    opts.confidence = o.confidence;
    // SAFETY: `distance` is NULL or a NUL-terminated string per the caller.
    opts.distance = unsafe { stream::optional_string("distance", o.distance) }?;
    opts.distance_options.threshold = o.distance_threshold;
    // SAFETY: `distance_band_edges` addresses `distance_band_edges_len` doubles per the caller.
    opts.distance_options.bands = unsafe {
        crate::distance_table::bands(
            ("distance_bands", "distance_band_edges"),
            o.distance_bands,
            o.distance_band_edges,
            o.distance_band_edges_len,
        )
    }?;
    let reasons = std::mem::take(&mut opts.reasons);
    // SAFETY: the reason lists are valid per the caller when their `has_*` is set.
    opts.reasons = unsafe {
        oap::ReasonMap {
            inappropriate: stream::strings_or(
                "inappropriate_reasons",
                o.has_inappropriate_reasons,
                o.inappropriate_reasons,
                o.inappropriate_reasons_len,
                reasons.inappropriate,
            )?,
            appropriate: stream::strings_or(
                "appropriate_reasons",
                o.has_appropriate_reasons,
                o.appropriate_reasons,
                o.appropriate_reasons_len,
                reasons.appropriate,
            )?,
        }
    };
    Ok(opts)
}

impl stream::TableOptions for CmOapOptions {
    fn column_names(&self) -> (*const *const c_char, usize) {
        (self.column_names, self.column_names_len)
    }

    fn cancel(&self) -> *const c_int {
        self.cancel
    }
}
