//! XmR charts (`collabmetrics::spc`) over Arrow C streams.
//!
//! The integer codes of the option enums are positions in the core's name tables
//! (`Improvement::ALL`, `RuleSet::ALL`, `Ties::ALL`, `OnMean::ALL`); a test checks each
//! constant against them.

use crate::args::{code, option};
use crate::error::{c_names, guard, CmStatus, Failure};
use crate::stream;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use collabmetrics::spc::{self, Rebase, SeriesDates, SeriesTarget, SpcOptions, Target};
use collabmetrics::table::{Input, TableResult};
use std::ffi::c_char;

/// `CmSpcOptions::improvement`: higher values are better.
pub const CM_SPC_IMPROVEMENT_INCREASE: u32 = 0;
/// `CmSpcOptions::improvement`: lower values are better.
pub const CM_SPC_IMPROVEMENT_DECREASE: u32 = 1;
/// `CmSpcOptions::improvement`: neither; signals are high or low.
pub const CM_SPC_IMPROVEMENT_NEUTRAL: u32 = 2;
/// `CmSpcOptions::rules`: NHSRplotthedots 0.2.2 (the default).
pub const CM_SPC_RULES_NHSRPLOTTHEDOTS: u32 = 0;
/// `CmSpcOptions::rules`: Making Data Count's Excel tools since November 2023 (no
/// screening; two-in-three counting points beyond 3 sigma).
pub const CM_SPC_RULES_MDC_2023: u32 = 1;
/// `CmSpcOptions::ties`: a repeated value breaks a trend.
pub const CM_SPC_TIES_BREAK: u32 = 0;
/// `CmSpcOptions::ties`: a repeated value neither adds to nor breaks a trend.
pub const CM_SPC_TIES_SKIP: u32 = 1;
/// `CmSpcOptions::on_mean`: a point on the mean breaks a shift.
pub const CM_SPC_ON_MEAN_BREAK: u32 = 0;
/// `CmSpcOptions::on_mean`: a point on the mean neither adds to nor breaks a shift.
pub const CM_SPC_ON_MEAN_SKIP: u32 = 1;

/// Options of `cm_spc_xmr` and `cm_spc_summary`; start from `cm_spc_options_default`. Dates
/// are days since 1970-01-01 (Arrow date32). Strings and arrays are borrowed for the duration
/// of the call.
///
/// A series is named by its values of the `by` columns, as text (`"North"`, `"3"`,
/// `"2024-01-01"`, `"null"`): `by_len` strings per series, in the order of `by`.
///
/// The rule settings come from the preset `rules`; each setting whose `has_` flag is true
/// overrides the preset's (the value fields of the default options show the default preset's
/// settings).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmSpcOptions {
    /// Columns whose values identify a series (`by_len` names; none: one series).
    pub by: *const *const c_char,
    /// Number of names in `by`.
    pub by_len: usize,
    /// One of `CM_SPC_IMPROVEMENT_*` (default increase).
    pub improvement: u32,
    /// Rebase dates of every series: each date present in a series starts a new segment.
    pub rebase_dates: *const i32,
    /// Number of dates in `rebase_dates`.
    pub rebase_dates_len: usize,
    /// Rebase dates per series instead (not with `rebase_dates`): entry i is the date
    /// `rebase_series_dates[i]` of the series named by the `by_len` strings at
    /// `rebase_series[i * by_len]` (a NULL string names a null value, distinct from the text
    /// "null"). A series may have several entries; naming a series absent from the data is an
    /// error.
    pub rebase_series: *const *const c_char,
    /// The date of each per-series rebase entry.
    pub rebase_series_dates: *const i32,
    /// Number of per-series rebase entries.
    pub rebase_series_len: usize,
    /// When true, limits come from the first `fix_after_n_points` (at least 12) points of
    /// each segment.
    pub has_fix_after_n_points: bool,
    /// The number of baseline points (read when `has_fix_after_n_points`).
    pub fix_after_n_points: u32,
    /// When true, every series has the target `target` (for the assurance icon).
    pub has_target: bool,
    /// The target of every series (read when `has_target`).
    pub target: f64,
    /// Targets per series instead (not with `has_target`): entry i is
    /// `target_series_values[i]` for the series named by the `by_len` strings at
    /// `target_series[i * by_len]` (a NULL string names a null value).
    pub target_series: *const *const c_char,
    /// The target of each per-series entry.
    pub target_series_values: *const f64,
    /// Number of per-series target entries.
    pub target_series_len: usize,
    /// Segments with fewer points are flagged `short_group_warning` (default 13).
    pub warning_threshold: u32,
    /// The rule preset: one of `CM_SPC_RULES_*` (default NHSRplotthedots).
    pub rules: u32,
    /// Screen moving ranges of at least 3.267 times their average, when
    /// `has_screen_outliers`.
    pub has_screen_outliers: bool,
    /// Whether to screen (read when `has_screen_outliers`).
    pub screen_outliers: bool,
    /// Points that make a shift (at least 6), when `has_shift_length`.
    pub has_shift_length: bool,
    /// The shift length (read when `has_shift_length`).
    pub shift_length: u32,
    /// Points that make a trend (at least 6), when `has_trend_length`.
    pub has_trend_length: bool,
    /// The trend length (read when `has_trend_length`).
    pub trend_length: u32,
    /// Count points beyond 3 sigma towards two-in-three, when
    /// `has_two_in_three_includes_outside`.
    pub has_two_in_three_includes_outside: bool,
    /// Whether points beyond 3 sigma count (read when `has_two_in_three_includes_outside`).
    pub two_in_three_includes_outside: bool,
    /// One of `CM_SPC_TIES_*`, when `has_ties`.
    pub has_ties: bool,
    /// The tie rule (read when `has_ties`).
    pub ties: u32,
    /// One of `CM_SPC_ON_MEAN_*`, when `has_on_mean`.
    pub has_on_mean: bool,
    /// The on-mean rule (read when `has_on_mean`).
    pub on_mean: u32,
    /// NULL, or a numeric column carried into the result as `trajectory`.
    pub trajectory: *const c_char,
    /// `column_names_len` pairs (our name, your name), e.g. {"value", "bed_days"}: the
    /// input's `date` and `value` columns under other names.
    pub column_names: *const *const c_char,
    /// Number of pairs in `column_names`.
    pub column_names_len: usize,
}

/// The default options (the core's): one series, increase, no rebasing, fixing or target,
/// threshold 13, NHSRplotthedots' rules (screening on, runs and trends of 7, ties and points
/// on the mean breaking them), no override.
#[no_mangle]
pub extern "C" fn cm_spc_options_default() -> CmSpcOptions {
    let d = SpcOptions::default();
    let s = d.settings();
    CmSpcOptions {
        by: std::ptr::null(),
        by_len: 0,
        improvement: code(d.improvement),
        rebase_dates: std::ptr::null(),
        rebase_dates_len: 0,
        rebase_series: std::ptr::null(),
        rebase_series_dates: std::ptr::null(),
        rebase_series_len: 0,
        has_fix_after_n_points: d.fix_after_n_points.is_some(),
        fix_after_n_points: d.fix_after_n_points.unwrap_or(0),
        has_target: false,
        target: 0.0,
        target_series: std::ptr::null(),
        target_series_values: std::ptr::null(),
        target_series_len: 0,
        warning_threshold: d.warning_threshold,
        rules: code(d.rules),
        has_screen_outliers: d.screen_outliers.is_some(),
        screen_outliers: s.screen_outliers,
        has_shift_length: d.shift_length.is_some(),
        shift_length: s.shift_length,
        has_trend_length: d.trend_length.is_some(),
        trend_length: s.trend_length,
        has_two_in_three_includes_outside: d.two_in_three_includes_outside.is_some(),
        two_in_three_includes_outside: s.two_in_three_includes_outside,
        has_ties: d.ties.is_some(),
        ties: code(s.ties),
        has_on_mean: d.on_mean.is_some(),
        on_mean: code(s.on_mean),
        trajectory: std::ptr::null(),
        column_names: std::ptr::null(),
        column_names_len: 0,
    }
}

/// XmR charts, one row per point, as `collabmetrics::spc::xmr` in Rust and `cm.spc.xmr` in
/// Python: the `by` columns, `date`, `value`, (`trajectory`), `segment`, `mean`, `lpl`,
/// `upl`, `lpl_2sigma`, `upl_2sigma`, `outside_limits`, `relative_to_mean`,
/// `close_to_limits`, `special_cause_type`, `special_cause_flag`, `point_type`,
/// `short_group_warning`, `target`. `input` (columns `date`, `value` and the `by` columns) is
/// moved into the call (released before it returns, whatever happens); on success `out`
/// receives the result as a stream the caller releases, with the diagnostics as JSON under
/// the schema metadata key "collabmetrics:diagnostics". On failure `out` is untouched.
///
/// # Safety
///
/// `input` must be NULL or a valid `ArrowArrayStream`; `options` must point to a valid
/// `CmSpcOptions` whose strings and arrays are valid; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cm_spc_xmr(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmSpcOptions,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    unsafe { run(input, options, out, spc::xmr) }
}

/// One row per series and segment, as `collabmetrics::spc::summary` and `cm.spc.summary`:
/// the `by` columns, `segment`, `start_date`, `end_date`, `n`, the counts `common_cause`,
/// `special_cause_improvement`, `special_cause_concern`, `special_cause_neutral_high`,
/// `special_cause_neutral_low`, then `mean`, `lpl`, `upl`, `lpl_2sigma`, `upl_2sigma`,
/// `target`, `short_group_warning`, `latest`, `variation` (the icon), `assurance` and
/// `method`. Streams, options and ownership as for `cm_spc_xmr`.
///
/// # Safety
///
/// As for `cm_spc_xmr`.
#[no_mangle]
pub unsafe extern "C" fn cm_spc_summary(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmSpcOptions,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    unsafe { run(input, options, out, spc::summary) }
}

/// `kernel` over the stream `input` with the C options, its errors naming the C fields.
///
/// # Safety
///
/// As for `cm_spc_xmr`.
unsafe fn run(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmSpcOptions,
    out: *mut FFI_ArrowArrayStream,
    kernel: fn(&Input, &SpcOptions) -> collabmetrics::Result<TableResult>,
) -> CmStatus {
    // SAFETY: forwarded from the caller.
    guard(|| unsafe {
        stream::one_table(
            input,
            options,
            out,
            |o| converted(o),
            |t, (o, names): &(SpcOptions, Names)| kernel(t, o).map_err(|e| c_names(e, names)),
        )
    })
}

/// `len` elements at `ptr` (NULL allowed when `len` is 0).
///
/// # Safety
///
/// A non-NULL `ptr` must point to `len` initialised elements.
unsafe fn slice<'a, T>(name: &'static str, ptr: *const T, len: usize) -> Result<&'a [T], Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { crate::args::Arrays::default().input(name, ptr, len) }
}

/// `len` series keys of `width` strings each at `ptr`; a NULL string names a null value.
///
/// # Safety
///
/// A non-NULL `ptr` must point to `len * width` pointers, each NULL or to a valid string.
unsafe fn keys(
    name: &'static str,
    ptr: *const *const c_char,
    len: usize,
    width: usize,
) -> Result<Vec<Vec<Option<String>>>, Failure> {
    let total = len.checked_mul(width).ok_or_else(|| {
        Failure::argument(
            name,
            format!("{len} entries of {width} strings is too many"),
        )
    })?;
    if len > 0 && width == 0 {
        return Err(Failure::argument(
            name,
            "given per series, but there are no `by` columns to name a series",
        ));
    }
    // SAFETY: forwarded from the caller.
    let all = unsafe { stream::optional_strings(name, ptr, total) }?;
    Ok(all
        .chunks(width.max(1))
        .map(<[Option<String>]>::to_vec)
        .collect())
}

/// The core's argument names of the per-series options, with the C fields that hold them.
type Names = [(&'static str, &'static str); 2];

/// [`convert`], with the C fields that the core's `target` and `rebase` came from (its errors
/// name them: entry i of `target_series` is entry i of the core's targets).
///
/// # Safety
///
/// As for [`convert`].
unsafe fn converted(o: &CmSpcOptions) -> Result<(SpcOptions, Names), Failure> {
    let names = [
        (
            "target",
            if o.target_series_len > 0 {
                "target_series"
            } else {
                "target"
            },
        ),
        (
            "rebase",
            if o.rebase_series_len > 0 {
                "rebase_series"
            } else {
                "rebase_dates"
            },
        ),
    ];
    // SAFETY: forwarded from the caller.
    Ok((unsafe { convert(o) }?, names))
}

/// The core's options from the C struct (validated by the core when it runs).
///
/// # Safety
///
/// The struct's strings and arrays must be valid.
pub(crate) unsafe fn convert(o: &CmSpcOptions) -> Result<SpcOptions, Failure> {
    // SAFETY (whole body): every pointer is forwarded with its length, valid per the caller.
    let by = unsafe { stream::strings("by", o.by, o.by_len) }?;
    let width = by.len();
    let rebase = match (o.rebase_dates_len, o.rebase_series_len) {
        (0, 0) => Rebase::None,
        (_, 0) => Rebase::Dates(
            unsafe { slice("rebase_dates", o.rebase_dates, o.rebase_dates_len) }?.to_vec(),
        ),
        (0, n) => {
            let names = unsafe { keys("rebase_series", o.rebase_series, n, width) }?;
            let dates = unsafe { slice("rebase_series_dates", o.rebase_series_dates, n) }?;
            Rebase::PerSeries(
                names
                    .into_iter()
                    .zip(dates)
                    .map(|(series, &d)| SeriesDates {
                        series,
                        dates: vec![d],
                    })
                    .collect(),
            )
        }
        _ => {
            return Err(Failure::argument(
                "rebase_series",
                "give rebase dates for every series (rebase_dates) or per series, not both",
            ))
        }
    };
    let target = match (o.has_target, o.target_series_len) {
        (false, 0) => Target::None,
        (true, 0) => Target::Value(o.target),
        (false, n) => {
            let names = unsafe { keys("target_series", o.target_series, n, width) }?;
            let values = unsafe { slice("target_series_values", o.target_series_values, n) }?;
            Target::PerSeries(
                names
                    .into_iter()
                    .zip(values)
                    .map(|(series, &target)| SeriesTarget { series, target })
                    .collect(),
            )
        }
        (true, _) => {
            return Err(Failure::argument(
                "target_series",
                "give one target for every series (has_target) or targets per series, not both",
            ))
        }
    };
    Ok(SpcOptions {
        by,
        improvement: option(o.improvement, "CM_SPC_IMPROVEMENT_")?,
        rebase,
        fix_after_n_points: o.has_fix_after_n_points.then_some(o.fix_after_n_points),
        target,
        warning_threshold: o.warning_threshold,
        rules: option(o.rules, "CM_SPC_RULES_")?,
        screen_outliers: o.has_screen_outliers.then_some(o.screen_outliers),
        shift_length: o.has_shift_length.then_some(o.shift_length),
        trend_length: o.has_trend_length.then_some(o.trend_length),
        two_in_three_includes_outside: o
            .has_two_in_three_includes_outside
            .then_some(o.two_in_three_includes_outside),
        ties: o
            .has_ties
            .then(|| option(o.ties, "CM_SPC_TIES_"))
            .transpose()?,
        on_mean: o
            .has_on_mean
            .then(|| option(o.on_mean, "CM_SPC_ON_MEAN_"))
            .transpose()?,
        trajectory: unsafe { stream::optional_string("trajectory", o.trajectory) }?,
    })
}

impl stream::TableOptions for CmSpcOptions {
    fn column_names(&self) -> (*const *const c_char, usize) {
        (self.column_names, self.column_names_len)
    }
}
