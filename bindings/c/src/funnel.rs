//! Funnel plots over Arrow C streams: `cm_funnel_assess` (one row per unit) and
//! `cm_funnel_limits` (the limits table for drawing).
//!
//! Enum options arrive as integers, positions in the core's name tables (`SrMethod::ALL`,
//! `Limit::ALL`); the two options that may be left unset (`statistic`, which has no default,
//! and `family`, whose default depends on the statistic) are 0 when unset and 1 + the position
//! otherwise, as `CmInequalityOptions::favourable`.

use crate::args::{code, codes, option};
use crate::error::{guard, CmStatus, Failure};
use crate::stream;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use collabmetrics::funnel::{self, Family, FunnelOptions, Limit, SrMethod, Statistic};
use collabmetrics::options::OptionEnum;
use std::ffi::c_char;

/// `CmFunnelOptions::statistic`: not set (the call fails: the statistic has no default).
pub const CM_FUNNEL_STATISTIC_NONE: u32 = 0;
/// PHE: a proportion O/n.
pub const CM_FUNNEL_STATISTIC_PROPORTION: u32 = 1;
/// PHE: an indirectly standardised ratio, × 100.
pub const CM_FUNNEL_STATISTIC_RATIO_ISR: u32 = 2;
/// PHE: a ratio of counts, − 1.
pub const CM_FUNNEL_STATISTIC_RATIO_COUNT: u32 = 3;
/// PHE: a crude rate (published rate column `rate`).
pub const CM_FUNNEL_STATISTIC_RATE_CRUDE: u32 = 4;
/// PHE: a directly standardised rate (published rate column `rate`).
pub const CM_FUNNEL_STATISTIC_RATE_DSR: u32 = 5;
/// FunnelPlotR `SR`: a standardised ratio O/E.
pub const CM_FUNNEL_STATISTIC_SR: u32 = 6;
/// FunnelPlotR `PR`: a proportion.
pub const CM_FUNNEL_STATISTIC_PR: u32 = 7;
/// FunnelPlotR `RC`: a ratio of counts.
pub const CM_FUNNEL_STATISTIC_RC: u32 = 8;
/// `CmFunnelOptions::family`: the statistic's default (PHE for PHE's statistics, FunnelPlotR
/// for SR, PR, RC).
pub const CM_FUNNEL_FAMILY_DEFAULT: u32 = 0;
/// PHE / Fingertips (PHEindicatormethods).
pub const CM_FUNNEL_FAMILY_PHE: u32 = 1;
/// FunnelPlotR (Spiegelhalter 2005 with overdispersion).
pub const CM_FUNNEL_FAMILY_FUNNELPLOTR: u32 = 2;
/// Spiegelhalter's interpolated exact limits.
pub const CM_FUNNEL_FAMILY_SPIEGELHALTER_EXACT: u32 = 3;
/// `CmFunnelOptions::sr_method`: NHS Digital's SHMI (log scale, truncation); the default.
pub const CM_FUNNEL_SR_SHMI: u32 = 0;
/// CQC (square-root scale, winsorising).
pub const CM_FUNNEL_SR_CQC: u32 = 1;
/// `CmFunnelOptions::limit`: the 95% limits flag outliers.
pub const CM_FUNNEL_LIMIT_95: u32 = 0;
/// The 99.8% limits flag outliers (FunnelPlotR's 99); the default.
pub const CM_FUNNEL_LIMIT_99: u32 = 1;

/// Options of `cm_funnel_assess` and `cm_funnel_limits`; start from
/// `cm_funnel_options_default()` and set at least `statistic`. Strings are borrowed for the
/// duration of the call; NULL column names mean the defaults ("numerator", "denominator",
/// "rate"; no unit column: every row is a unit).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmFunnelOptions {
    /// One of `CM_FUNNEL_STATISTIC_*` (required).
    pub statistic: u32,
    /// One of `CM_FUNNEL_FAMILY_*`.
    pub family: u32,
    /// The unit column (rows of a unit are added up, except PHE rates); NULL: rows are units.
    pub unit: *const c_char,
    /// The numerator column (NULL: "numerator").
    pub numerator: *const c_char,
    /// The denominator column (NULL: "denominator"); optional for PHE rates.
    pub denominator: *const c_char,
    /// PHE rates: the published rate column (NULL: "rate").
    pub rate: *const c_char,
    /// When true, `multiplier` scales values and limits (required for PHE proportions and
    /// rates; FunnelPlotR and Spiegelhalter exact: 1 otherwise; PHE ratios: false).
    pub has_multiplier: bool,
    /// The multiplier, read when `has_multiplier` is true.
    pub multiplier: f64,
    /// When true, the years the data cover (required for PHE rates; false for the others).
    pub has_years_of_data: bool,
    /// The years of data, read when `has_years_of_data` is true.
    pub years_of_data: f64,
    /// One of `CM_FUNNEL_SR_*` (FunnelPlotR SR only).
    pub sr_method: u32,
    /// Share trimmed at each end before phi, in (0, 0.5) (default 0.1).
    pub trim_by: f64,
    /// `CM_FUNNEL_LIMIT_95` or `CM_FUNNEL_LIMIT_99` (the default).
    pub limit: u32,
    /// Widen the limits for overdispersion when phi > 1 (default true).
    pub draw_adjusted: bool,
    /// SR/SHMI: round expected counts to 2 decimals (default true).
    pub shmi_rounding: bool,
    /// Reproduce FunnelPlotR's CQC and RC limits exactly (default false).
    pub funnelplotr_compat: bool,
    /// SR/SHMI: leave out (and count) units with 0 events instead of failing (default false).
    pub exclude_zero_sr: bool,
    /// `column_names_len` pairs (our name, your name), as in `CmOapOptions`.
    pub column_names: *const *const c_char,
    /// The number of pairs in `column_names`.
    pub column_names_len: usize,
}

/// An option that may be unset: 0, or 1 + the value's position in the core's name table.
fn unset_or<T: OptionEnum>(raw: u32, prefix: &str, unset: &str) -> Result<Option<T>, Failure> {
    match raw.checked_sub(1) {
        None => Ok(None),
        Some(code) => option::<T>(code, prefix).map(Some).map_err(|_| {
            Failure::argument(
                T::OPTION,
                format!(
                    "unknown {} {raw}; expected a {prefix}* constant: 0 ({unset}), {}",
                    T::WHAT,
                    codes::<T>(1)
                ),
            )
        }),
    }
}

/// The C code of an option that may be unset.
fn unset_code<T: OptionEnum>(value: Option<T>) -> u32 {
    value.map_or(0, |v| code(v) + 1)
}

/// The default options (the core's `FunnelOptions::default()`): no statistic yet, the family
/// by statistic, SHMI, trim 0.1, limit 99, adjusted limits, SHMI rounding, corrected
/// (not FunnelPlotR-compatible) CQC and RC limits, units with 0 events under SR/SHMI an error.
#[no_mangle]
pub extern "C" fn cm_funnel_options_default() -> CmFunnelOptions {
    let d = FunnelOptions::default();
    CmFunnelOptions {
        statistic: unset_code(d.statistic),
        family: unset_code(d.family),
        unit: std::ptr::null(),
        numerator: std::ptr::null(),
        denominator: std::ptr::null(),
        rate: std::ptr::null(),
        has_multiplier: d.multiplier.is_some(),
        multiplier: d.multiplier.unwrap_or(1.0),
        has_years_of_data: d.years_of_data.is_some(),
        years_of_data: d.years_of_data.unwrap_or(1.0),
        sr_method: code(d.sr_method),
        trim_by: d.trim_by,
        limit: code(d.limit),
        draw_adjusted: d.draw_adjusted,
        shmi_rounding: d.shmi_rounding,
        funnelplotr_compat: d.funnelplotr_compat,
        exclude_zero_sr: d.exclude_zero_sr,
        column_names: std::ptr::null(),
        column_names_len: 0,
    }
}

/// The core's options from the C struct.
///
/// # Safety
///
/// The struct's strings must be NULL or NUL-terminated.
pub(crate) unsafe fn convert(o: &CmFunnelOptions) -> Result<FunnelOptions, Failure> {
    let d = FunnelOptions::default();
    let statistic = unset_or::<Statistic>(o.statistic, "CM_FUNNEL_STATISTIC_", "none")?;
    let family = unset_or::<Family>(o.family, "CM_FUNNEL_FAMILY_", "by statistic")?;
    // SAFETY: each string is NULL or NUL-terminated per the caller.
    let (unit, numerator, denominator, rate) = unsafe {
        (
            stream::optional_string("unit", o.unit)?,
            stream::optional_string("numerator", o.numerator)?,
            stream::optional_string("denominator", o.denominator)?,
            stream::optional_string("rate", o.rate)?,
        )
    };
    Ok(FunnelOptions {
        statistic,
        family,
        unit,
        numerator: numerator.unwrap_or(d.numerator),
        denominator: denominator.unwrap_or(d.denominator),
        rate: rate.unwrap_or(d.rate),
        multiplier: o.has_multiplier.then_some(o.multiplier),
        years_of_data: o.has_years_of_data.then_some(o.years_of_data),
        sr_method: option::<SrMethod>(o.sr_method, "CM_FUNNEL_SR_")?,
        trim_by: o.trim_by,
        limit: option::<Limit>(o.limit, "CM_FUNNEL_LIMIT_")?,
        draw_adjusted: o.draw_adjusted,
        shmi_rounding: o.shmi_rounding,
        funnelplotr_compat: o.funnelplotr_compat,
        exclude_zero_sr: o.exclude_zero_sr,
    })
}

impl stream::TableOptions for CmFunnelOptions {
    fn column_names(&self) -> (*const *const c_char, usize) {
        (self.column_names, self.column_names_len)
    }
}

/// Funnel assessment, one row per unit, as `collabmetrics::funnel::assess` in Rust and
/// `cm.funnel.assess` in Python: `unit, numerator, denominator, value, target, z, z_adjusted,
/// trimmed, lcl95, ucl95, lcl998, ucl998, od_lcl95, od_ucl95, od_lcl998, od_ucl998, outlier,
/// phi, tau2, m, adjusted, method` (+ `significance` for PHE; + `rate_chart`,
/// `denominator_per_year` for PHE rates). `input` is moved into the call (released before it
/// returns, whatever happens); on success `out` receives the result as a stream the caller
/// releases, with the diagnostics as JSON under the schema metadata key
/// "collabmetrics:diagnostics". On failure `out` is untouched.
///
/// # Safety
///
/// `input` must be NULL or a valid `ArrowArrayStream`; `options` must point to a valid
/// `CmFunnelOptions` whose strings are NULL or NUL-terminated; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cm_funnel_assess(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmFunnelOptions,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // SAFETY: the pointers are NULL or valid per the caller; `convert` reads valid strings.
        unsafe { stream::one_table(input, options, out, |o| convert(o), funnel::assess) }
    })
}

/// The limits table for drawing the funnel, as `collabmetrics::funnel::limits`: PHE's
/// 100-row table for the PHE family, FunnelPlotR's plotting grid otherwise. Ownership and
/// failure as `cm_funnel_assess`.
///
/// # Safety
///
/// As for `cm_funnel_assess`.
#[no_mangle]
pub unsafe extern "C" fn cm_funnel_limits(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmFunnelOptions,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // SAFETY: as in `cm_funnel_assess`.
        unsafe { stream::one_table(input, options, out, |o| convert(o), funnel::limits) }
    })
}
