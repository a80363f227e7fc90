//! Distance summaries over an Arrow C stream.

use crate::args::{code, codes, option};
use crate::error::{guard, CmStatus, Failure};
use crate::stream;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use collabmetrics::distance::{self, BandPreset, Bands, NullPolicy, SummaryTableOptions};
use std::ffi::{c_char, c_int};

// The preset codes are the positions of the core's `BandPreset` names; `CM_BANDS_CUSTOM` is
// the code after them. A test checks each constant.

/// `CmDistanceSummaryOptions::bands`: the OAP publication's <25, 25–<50, 50–<100, 100–<200,
/// 200–<300, ≥300 km.
pub const CM_BANDS_OAP: u32 = 0;
/// `CmDistanceSummaryOptions::bands`: MHSDS monthly 0–19, 20–49, 50–99, 100+ km.
pub const CM_BANDS_MHSDS_MONTHLY: u32 = 1;
/// `CmDistanceSummaryOptions::bands`: the `band_edges` given (finite, > 0, increasing).
pub const CM_BANDS_CUSTOM: u32 = 2;

/// Options of `cm_distance_summary`; start from `cm_distance_summary_options_default`.
/// Strings and arrays are borrowed for the duration of the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmDistanceSummaryOptions {
    /// The column of distances in km; NULL for "distance_km".
    pub distance: *const c_char,
    /// Group columns (`by_len` names).
    pub by: *const *const c_char,
    /// Number of names in `by`.
    pub by_len: usize,
    /// NULL, or a column of weights (e.g. bed days): weighted mean, quantiles, share, bands.
    pub weight: *const c_char,
    /// False: a null or NaN distance is an error. True: left out and counted in the
    /// diagnostics (`missing_distance`).
    pub propagate_nulls: bool,
    /// Distances at or beyond this many km count in `share_beyond` (default 50).
    pub threshold: f64,
    /// One of `CM_BANDS_*`; with `CM_BANDS_CUSTOM`, the `band_edges_len` edges.
    pub bands: u32,
    /// With `CM_BANDS_CUSTOM`: the increasing band edges in km (NULL otherwise).
    pub band_edges: *const f64,
    /// Number of values in `band_edges`.
    pub band_edges_len: usize,
    /// Level of the median's and the share's intervals, in (0, 1) (default 0.95).
    pub confidence: f64,
    /// `column_names_len` pairs (our name, your name), as in `CmOapOptions`.
    pub column_names: *const *const c_char,
    /// Number of pairs in `column_names`.
    pub column_names_len: usize,
    /// NULL, or a flag to cancel the call: set `*cancel` to non-zero from another thread
    /// (C11 `atomic_store`) or a signal handler (`volatile sig_atomic_t`) and the call returns
    /// `CM_CANCELLED` within milliseconds. It must stay valid for the call. NULL uses the
    /// thread's flag (`cm_set_cancel_flag`), if any.
    pub cancel: *const c_int,
}

/// The default options (the core's `SummaryTableOptions::default()`): column "distance_km"
/// (NULL), no groups, no weights, nulls an error, 50 km, OAP bands, 95%.
#[no_mangle]
pub extern "C" fn cm_distance_summary_options_default() -> CmDistanceSummaryOptions {
    let d = SummaryTableOptions::default();
    CmDistanceSummaryOptions {
        distance: std::ptr::null(),
        by: std::ptr::null(),
        by_len: 0,
        weight: std::ptr::null(),
        propagate_nulls: d.nulls == NullPolicy::Propagate,
        threshold: d.options.threshold,
        bands: d.options.bands.preset_name().map_or(CM_BANDS_CUSTOM, code),
        band_edges: std::ptr::null(),
        band_edges_len: 0,
        confidence: d.options.confidence,
        column_names: std::ptr::null(),
        column_names_len: 0,
        cancel: std::ptr::null(),
    }
}

/// Distance summaries per group (count, mean, median with its order-statistic interval, 90th
/// centile, maximum, share at or beyond the threshold with its Wilson interval, band counts),
/// as `distance_summary_table` in Rust and `cm.distance.summary` in Python. `input` is moved
/// into the call (released before it returns, whatever happens); on success `out` receives
/// the result as a stream the caller releases, with the diagnostics as JSON under the schema
/// metadata key "collabmetrics:diagnostics". On failure `out` is untouched.
///
/// # Safety
///
/// `input` must be NULL or a valid `ArrowArrayStream`; `options` must point to a valid
/// `CmDistanceSummaryOptions` whose strings and arrays are valid; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cm_distance_summary(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmDistanceSummaryOptions,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // SAFETY: the pointers are NULL or valid per the caller; `convert` reads valid strings.
        unsafe {
            stream::one_table(
                input,
                options,
                out,
                |o| convert(o),
                distance::distance_summary_table,
            )
        }
    })
}

/// The core's options from the C struct.
///
/// # Safety
///
/// The struct's strings and arrays must be valid.
pub(crate) unsafe fn convert(o: &CmDistanceSummaryOptions) -> Result<SummaryTableOptions, Failure> {
    let mut opts = SummaryTableOptions::default();
    // SAFETY: forwarded from the caller.
    unsafe {
        if let Some(d) = stream::optional_string("distance", o.distance)? {
            opts.distance = d;
        }
        opts.by = stream::strings("by", o.by, o.by_len)?;
        opts.weight = stream::optional_string("weight", o.weight)?;
    }
    opts.nulls = if o.propagate_nulls {
        NullPolicy::Propagate
    } else {
        NullPolicy::Error
    };
    opts.options.threshold = o.threshold;
    opts.options.confidence = o.confidence;
    // SAFETY: `band_edges` addresses `band_edges_len` doubles per the caller.
    opts.options.bands = unsafe {
        bands(
            ("bands", "band_edges"),
            o.bands,
            o.band_edges,
            o.band_edges_len,
        )
    }?;
    Ok(opts)
}

/// The bands of a `CM_BANDS_*` code, with the edges for `CM_BANDS_CUSTOM`. `argument` and
/// `edges_name` name the fields in errors: `bands` and `band_edges` here, `distance_bands`
/// and `distance_band_edges` in `CmOapOptions`.
///
/// # Safety
///
/// With `CM_BANDS_CUSTOM`, `edges` must be NULL or address `len` doubles.
pub(crate) unsafe fn bands(
    (argument, edges_name): (&'static str, &'static str),
    code: u32,
    edges: *const f64,
    len: usize,
) -> Result<Bands, Failure> {
    if code == CM_BANDS_CUSTOM {
        let mut arrays = crate::args::Arrays::default();
        // SAFETY: forwarded from the caller.
        let edges = unsafe { arrays.input(edges_name, edges, len) }?;
        return Ok(Bands::custom(edges.to_vec()).map_err(|e| e.for_argument(edges_name))?);
    }
    crate::args::check_unused(
        edges_name,
        len,
        &format!("{argument} is not CM_BANDS_CUSTOM"),
    )?;
    let preset: BandPreset = option(code, "CM_BANDS_").map_err(|_| {
        Failure::argument(
            argument,
            format!(
                "unknown band preset {code}; expected a CM_BANDS_* constant: {}, {CM_BANDS_CUSTOM} (custom)",
                codes::<BandPreset>(0)
            ),
        )
    })?;
    Ok(Bands::preset(preset))
}

impl stream::TableOptions for CmDistanceSummaryOptions {
    fn column_names(&self) -> (*const *const c_char, usize) {
        (self.column_names, self.column_names_len)
    }

    fn cancel(&self) -> *const c_int {
        self.cancel
    }
}
