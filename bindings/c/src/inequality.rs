//! Inequality: individual indices over C arrays (Gini, Theil T, MLD, Atkinson, generalised
//! entropy) and the grouped measures table (WHO HEAT set, PHE's SII) over an Arrow C stream.
//! Each function only checks and converts its arguments and calls `collabmetrics::inequality`.

use crate::args::{code, codes, option, Arrays};
use crate::error::{guard, CallResult, CmStatus, Failure};
use crate::stream;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use collabmetrics::inequality::{
    self, Favourable, Measure, MeasuresTableOptions, RciMethod, SiiModel, ValueType,
};
use std::ffi::{c_char, c_int};

// The codes of every option below are the positions of the core's names (`Favourable::ALL`
// after the unset 0, `RciMethod::ALL`, `SiiModel::ALL`, `ValueType::ALL`); a test checks each
// constant against them.

/// `CmInequalityOptions::favourable`: not said (the default). The direction has no safe
/// default, so the measures that depend on it (D and R on an ordered dimension or against a
/// reference, MDBU, MDBW, PAF, PAR) fail with `CM_INVALID_ARGUMENT` naming `favourable`.
pub const CM_FAVOURABLE_UNSET: u32 = 0;
/// `CmInequalityOptions::favourable`: higher values are better (e.g. engagement).
pub const CM_FAVOURABLE_HIGH: u32 = 1;
/// `CmInequalityOptions::favourable`: lower values are better (OAP rates, disengagement).
pub const CM_FAVOURABLE_LOW: u32 = 2;
/// `CmInequalityOptions::rci_method`: the raw relative concentration index.
pub const CM_RCI_RAW: u32 = 0;
/// `CmInequalityOptions::rci_method`: Wagstaff's correction, divided by (1 - mean/scale).
pub const CM_RCI_WAGSTAFF: u32 = 1;
/// `CmInequalityOptions::rci_method`: Erreygers' correction, times 4 mean/scale.
pub const CM_RCI_ERREYGERS: u32 = 2;
/// `CmInequalityOptions::sii_model`: PHE's linear SII (`phe_sii`), simulated limits.
pub const CM_SII_LINEAR: u32 = 0;
/// `CmInequalityOptions::sii_model`: WHO HEAT's binomial (logistic) model.
pub const CM_SII_LOGISTIC: u32 = 1;
/// `CmInequalityOptions::value_type`: values drawn on their own scale (PHE's 0).
pub const CM_VALUE_TYPE_OTHER: u32 = 0;
/// `CmInequalityOptions::value_type`: rates, drawn on the log scale (PHE's 1).
pub const CM_VALUE_TYPE_RATE: u32 = 1;
/// `CmInequalityOptions::value_type`: proportions in (0, 1), on the logit scale (PHE's 2).
pub const CM_VALUE_TYPE_PROPORTION: u32 = 2;

/// The weights array: NULL for unit weights, else `len` weights.
///
/// # Safety
///
/// As for [`Arrays::input`].
unsafe fn weights<'a>(
    arrays: &mut Arrays,
    ptr: *const f64,
    len: usize,
) -> Result<Option<&'a [f64]>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { arrays.input("weights", ptr, len) }.map(Some)
}

/// Checks the arrays of an individual index and writes `index(values, weights)` into `out`.
///
/// # Safety
///
/// `values` (and `weights`, when not NULL) must point to `len` doubles, `out` to one writable
/// double.
unsafe fn individual(
    values: *const f64,
    weights_ptr: *const f64,
    len: usize,
    out: *mut f64,
    index: impl FnOnce(&[f64], Option<&[f64]>) -> collabmetrics::Result<f64> + Send,
) -> CallResult {
    let mut arrays = Arrays::default();
    // SAFETY: forwarded from the caller.
    let (values, weights, out) = unsafe {
        let v = arrays.input("values", values, len)?;
        let w = weights(&mut arrays, weights_ptr, len)?;
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        (v, w, arrays.output("out", out, 1)?)
    };
    out[0] = crate::cancel::with(std::ptr::null(), || index(values, weights))?;
    Ok(())
}

/// Gini coefficient of `len` values with optional weights (NULL: unit weights):
/// sum_i sum_j w_i w_j |y_i - y_j| / (2 (sum w)^2 mean), PySAL's and R `ineq`'s form, computed
/// by sorting; with `corrected`, times n / (n - 1) (the small-sample correction, for
/// unweighted values or weights all 1; Python's `gini(corrected=True)`).
///
/// Values must be finite and >= 0 with a positive total, weights finite and > 0. Returns
/// `CM_OK` with the index in `*out`, or a status with `cm_last_error_message()` naming the
/// argument and the first bad index: `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT` (no values, all
/// zero, or `out` overlapping an input), `CM_INVALID_VALUE`.
///
/// # Safety
///
/// `values` and a non-NULL `weights` must point to `len` doubles, `out` to one writable
/// double, valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_gini(
    values: *const f64,
    weights: *const f64,
    len: usize,
    corrected: bool,
    out: *mut f64,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    guard(|| unsafe {
        individual(values, weights, len, out, |v, w| {
            inequality::gini_index(v, w, corrected)
        })
    })
}

/// Theil T = sum w_i (y_i/mean) ln(y_i/mean) / sum w_i (0 ln 0 = 0, so zeros are allowed).
///
/// Arguments (without `corrected`), statuses and safety as for `cm_gini`.
///
/// # Safety
///
/// As for `cm_gini`.
#[no_mangle]
pub unsafe extern "C" fn cm_theil(
    values: *const f64,
    weights: *const f64,
    len: usize,
    out: *mut f64,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    guard(|| unsafe { individual(values, weights, len, out, inequality::theil) })
}

/// Mean log deviation (Theil L) = sum w_i ln(mean/y_i) / sum w_i; values must be > 0.
///
/// Arguments (without `corrected`), statuses and safety as for `cm_gini`.
///
/// # Safety
///
/// As for `cm_gini`.
#[no_mangle]
pub unsafe extern "C" fn cm_mld(
    values: *const f64,
    weights: *const f64,
    len: usize,
    out: *mut f64,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    guard(|| unsafe { individual(values, weights, len, out, inequality::mld) })
}

/// Atkinson index with inequality aversion `epsilon` >= 0: 1 - EDE/mean, EDE =
/// (sum w_i y_i^(1-epsilon) / sum w_i)^(1/(1-epsilon)), the geometric mean for epsilon = 1
/// (PySAL's `atkinson`). Values must be > 0 when epsilon >= 1.
///
/// Arguments (without `corrected`), statuses and safety as for `cm_gini`.
///
/// # Safety
///
/// As for `cm_gini`.
#[no_mangle]
pub unsafe extern "C" fn cm_atkinson(
    values: *const f64,
    weights: *const f64,
    len: usize,
    epsilon: f64,
    out: *mut f64,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    guard(|| unsafe {
        individual(values, weights, len, out, |v, w| {
            inequality::atkinson(v, w, epsilon).map(|a| a.atkinson)
        })
    })
}

/// Generalised entropy GE(alpha) = (sum w_i ((y_i/mean)^alpha - 1) / sum w_i) /
/// (alpha (alpha - 1)); GE(0) = MLD, GE(1) = Theil T. Values must be > 0 when alpha <= 0.
///
/// Arguments (without `corrected`), statuses and safety as for `cm_gini`.
///
/// # Safety
///
/// As for `cm_gini`.
#[no_mangle]
pub unsafe extern "C" fn cm_generalized_entropy(
    values: *const f64,
    weights: *const f64,
    len: usize,
    alpha: f64,
    out: *mut f64,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    guard(|| unsafe {
        individual(values, weights, len, out, |v, w| {
            inequality::generalized_entropy(v, w, alpha)
        })
    })
}

/// Options of `cm_inequality_measures`; start from `cm_inequality_options_default`. Column
/// names are our names, mapped by `column_names`; strings and arrays are borrowed for the
/// duration of the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmInequalityOptions {
    /// Columns whose combinations each hold one subgroup table (`by_len` names).
    pub by: *const *const c_char,
    /// Number of names in `by`.
    pub by_len: usize,
    /// The subgroup label column; NULL for "subgroup".
    pub subgroup: *const c_char,
    /// The estimate column; NULL for "value".
    pub value: *const c_char,
    /// NULL, or the standard error column (nulls allowed).
    pub se: *const c_char,
    /// NULL, or the confidence limit columns (used by the linear SII without `se`).
    pub lower: *const c_char,
    /// NULL, or the upper confidence limit column (with `lower`).
    pub upper: *const c_char,
    /// The population column; NULL for "population".
    pub population: *const c_char,
    /// NULL for a non-ordered dimension, or the order column (1 = most disadvantaged).
    pub order: *const c_char,
    /// Measure codes to compute (`measures_len` of them, e.g. "SII", "MDBW"); none: every
    /// measure that applies to the dimension.
    pub measures: *const *const c_char,
    /// Number of codes in `measures` (0: every measure that applies but RII_MEAN, which is
    /// given on request only).
    pub measures_len: usize,
    /// One of `CM_FAVOURABLE_*`: `CM_FAVOURABLE_LOW` when lower values are better (OAP rates,
    /// disengagement), `CM_FAVOURABLE_HIGH` when higher are (engagement). Default
    /// `CM_FAVOURABLE_UNSET`: there is no safe default, so set it for the measures that use it.
    pub favourable: u32,
    /// NULL, or the label of the reference subgroup.
    pub reference: *const c_char,
    /// The indicator's unit (1, 100, 1000, ...); NaN (the default) to infer it.
    pub scale: f64,
    /// Replaces the population-weighted mean; NaN (the default) for none.
    pub setting_average: f64,
    /// One of `CM_RCI_*`.
    pub rci_method: u32,
    /// One of `CM_SII_*`.
    pub sii_model: u32,
    /// One of `CM_VALUE_TYPE_*` (the linear SII's simulation scale).
    pub value_type: u32,
    /// PHE's `transform`: fit the linear SII on the log or logit scale.
    pub transform: bool,
    /// Confidence level in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Simulation repetitions (default 100 000; at least 100; 0: no simulated intervals).
    pub reps: usize,
    /// Simulation seed.
    pub seed: u64,
    /// PHE's multiplier of the linear SII and its limits (default 1; a negative one reverses
    /// the direction).
    pub multiplier: f64,
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

/// The default options (the core's `MeasuresTableOptions::default()`): columns "subgroup",
/// "value", "population" (NULL), non-ordered, every applicable measure (RII_MEAN on
/// request), favourable unset, linear SII, 95%, 100 000 repetitions, the fixed default seed.
#[no_mangle]
pub extern "C" fn cm_inequality_options_default() -> CmInequalityOptions {
    let d = MeasuresTableOptions::default().options;
    CmInequalityOptions {
        by: std::ptr::null(),
        by_len: 0,
        subgroup: std::ptr::null(),
        value: std::ptr::null(),
        se: std::ptr::null(),
        lower: std::ptr::null(),
        upper: std::ptr::null(),
        population: std::ptr::null(),
        order: std::ptr::null(),
        measures: std::ptr::null(),
        measures_len: 0,
        favourable: d.favourable.map_or(CM_FAVOURABLE_UNSET, |f| code(f) + 1),
        reference: std::ptr::null(),
        scale: d.scale.unwrap_or(f64::NAN),
        setting_average: d.setting_average.unwrap_or(f64::NAN),
        rci_method: code(d.rci_method),
        sii_model: code(d.sii_model),
        value_type: code(d.value_type),
        transform: d.transform,
        confidence: d.confidence,
        reps: d.reps,
        seed: d.seed,
        multiplier: d.multiplier,
        column_names: std::ptr::null(),
        column_names_len: 0,
        cancel: std::ptr::null(),
    }
}

/// Summary measures of inequality across subgroups, one row per (by-group, measure): the `by`
/// columns, `measure` (its code), `value`, `lower`, `upper` (null without an interval),
/// `confidence`, `method` ("analytic", "simulation" or "none"), as `measures_table` in Rust
/// and `cm.inequality.measures` in Python. `input` is moved into the call (released before it
/// returns, whatever happens); on success `out` receives the result as a stream the caller
/// releases. On failure `out` is untouched and `cm_last_error_message()` names the by-group
/// and subgroup (e.g. a duplicate label, a missing population or order).
///
/// # Safety
///
/// `input` must be NULL or a valid `ArrowArrayStream`; `options` must point to a valid
/// `CmInequalityOptions` whose strings and arrays are valid; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cm_inequality_measures(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmInequalityOptions,
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
                inequality::measures_table,
            )
        }
    })
}

/// The direction of a `CM_FAVOURABLE_*` code: unset (0), or 1 + the position of the core's
/// name.
fn favourable(raw: u32) -> Result<Option<Favourable>, Failure> {
    match raw.checked_sub(1) {
        None => Ok(None),
        Some(c) => option::<Favourable>(c, "CM_FAVOURABLE_")
            .map(Some)
            .map_err(|_| {
                Failure::argument(
                    "favourable",
                    format!(
                        "unknown direction {raw}; expected a CM_FAVOURABLE_* constant: \
                         {CM_FAVOURABLE_UNSET} (unset), {}",
                        codes::<Favourable>(1)
                    ),
                )
            }),
    }
}

/// NaN as "none".
fn finite_or_none(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// The core's options from the C struct.
///
/// # Safety
///
/// The struct's strings and arrays must be valid.
pub(crate) unsafe fn convert(o: &CmInequalityOptions) -> Result<MeasuresTableOptions, Failure> {
    let mut opts = MeasuresTableOptions::default();
    // SAFETY: forwarded from the caller.
    unsafe {
        opts.by = stream::strings("by", o.by, o.by_len)?;
        if let Some(s) = stream::optional_string("subgroup", o.subgroup)? {
            opts.subgroup = s;
        }
        if let Some(s) = stream::optional_string("value", o.value)? {
            opts.value = s;
        }
        opts.se = stream::optional_string("se", o.se)?;
        opts.lower = stream::optional_string("lower", o.lower)?;
        opts.upper = stream::optional_string("upper", o.upper)?;
        if let Some(s) = stream::optional_string("population", o.population)? {
            opts.population = s;
        }
        opts.order = stream::optional_string("order", o.order)?;
        if o.measures_len > 0 {
            let codes = stream::strings("measures", o.measures, o.measures_len)?;
            opts.measures = Some(
                codes
                    .iter()
                    .map(|c| c.parse::<Measure>())
                    .collect::<collabmetrics::Result<_>>()?,
            );
        }
        opts.options.reference = stream::optional_string("reference", o.reference)?;
    }
    let h = &mut opts.options;
    h.favourable = favourable(o.favourable)?;
    h.rci_method = option::<RciMethod>(o.rci_method, "CM_RCI_")?;
    h.sii_model = option::<SiiModel>(o.sii_model, "CM_SII_")?;
    h.value_type = option::<ValueType>(o.value_type, "CM_VALUE_TYPE_")?;
    h.scale = finite_or_none(o.scale);
    h.setting_average = finite_or_none(o.setting_average);
    h.transform = o.transform;
    h.confidence = o.confidence;
    h.reps = o.reps;
    h.seed = o.seed;
    h.multiplier = o.multiplier;
    Ok(opts)
}

impl stream::TableOptions for CmInequalityOptions {
    fn column_names(&self) -> (*const *const c_char, usize) {
        (self.column_names, self.column_names_len)
    }

    fn cancel(&self) -> *const c_int {
        self.cancel
    }
}
