//! Disclosure control over Arrow C streams.

use crate::args::option;
use crate::error::{guard, CmStatus, Failure};
use crate::stream;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use collabmetrics::disclosure::{
    self, Derived, DerivedKind, DisclosureOptions, Display, Rule, Secondary, SuppressOn,
};
use collabmetrics::options::OptionEnum;
use collabmetrics::table::ColumnMap;
use std::ffi::c_char;

/// `CmDiscloseOptions::secondary`: none under a rounding rule, the hypercube otherwise.
pub const CM_SECONDARY_AUTO: u32 = 0;
/// `CmDiscloseOptions::secondary`: no secondary suppression (the audit still runs).
pub const CM_SECONDARY_NONE: u32 = 1;
/// `CmDiscloseOptions::secondary`: the hypercube method.
pub const CM_SECONDARY_HYPERCUBE: u32 = 2;
/// `CmDiscloseOptions::suppress_on`: a derived value goes with its numerator or denominator.
pub const CM_SUPPRESS_ON_EITHER: u32 = 0;
/// `CmDiscloseOptions::suppress_on`: a derived value goes with its numerator only.
pub const CM_SUPPRESS_ON_NUMERATOR: u32 = 1;
/// `CmDiscloseOptions::display`: a suppressed count is null (shown `*`).
pub const CM_DISPLAY_STAR: u32 = 0;
/// `CmDiscloseOptions::display`: a suppressed count reads 5 (codonPython's central value).
/// `CM_INVALID_ARGUMENT` under a rule that also publishes some count as 5 (`nhs_mhsds`
/// rounds 5–7 to 5): use it with `nhs_hes`.
pub const CM_DISPLAY_CENTRAL: u32 = 1;
/// `CmDerived::kind`: 100 × numerator / denominator.
pub const CM_DERIVED_PERCENT: u32 = 0;
/// `CmDerived::kind`: numerator / denominator, a share in [0, 1].
pub const CM_DERIVED_PROPORTION: u32 = 1;
/// `CmDerived::kind`: numerator / denominator × multiplier.
pub const CM_DERIVED_RATE: u32 = 2;
/// `CmDerived::kind`: numerator / denominator.
pub const CM_DERIVED_RATIO: u32 = 3;
/// `CmDerived::kind`: a statistic of the people counted by the denominator.
pub const CM_DERIVED_MEAN: u32 = 4;

/// One derived value of `CmDiscloseOptions::derived`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmDerived {
    /// The derived column (computed from the counts when the table does not have it).
    pub column: *const c_char,
    /// Its numerator count; NULL for none (a statistic such as a median).
    pub numerator: *const c_char,
    /// Its denominator.
    pub denominator: *const c_char,
    /// One of `CM_DERIVED_*`.
    pub kind: u32,
    /// Scale of numerator / denominator; NaN for the kind's default (100 for a percent, 1).
    pub multiplier: f64,
    /// Published decimals; negative for the default (the rule's, for percents).
    pub decimals: i32,
    /// Suppressed below this denominator; NaN for none.
    pub min_denominator: f64,
}

/// Options of `cm_disclose`; start from `cm_disclose_options_default`. Strings and arrays are
/// borrowed for the duration of the call. A NULL list (with length 0) means "as the table's
/// roles say" (collabmetrics' results carry them); to give an empty list, set the list's
/// `has_*` flag.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CmDiscloseOptions {
    /// The rule: "nhs_mhsds" (NULL: the default), "nhs_hes", "none", or
    /// "custom(k=5, suppress_zero=false, base=1)".
    pub rule: *const c_char,
    /// Count columns (`counts_len` names); used when `has_counts` is true.
    pub counts: *const *const c_char,
    /// Number of names in `counts`.
    pub counts_len: usize,
    /// Whether `counts` is given (false: the count columns the table's roles name).
    pub has_counts: bool,
    /// Derived values (`derived_len`); used when `has_derived` is true.
    pub derived: *const CmDerived,
    /// Number of entries in `derived`.
    pub derived_len: usize,
    /// Whether `derived` is given (false: the derived values the table's roles name).
    pub has_derived: bool,
    /// Key columns of a one- or two-way table (margins: rows where a key is null); used when
    /// `has_dimensions` is true.
    pub dimensions: *const *const c_char,
    /// Number of names in `dimensions`.
    pub dimensions_len: usize,
    /// Whether `dimensions` is given (false: the dimensions the table's roles name).
    pub has_dimensions: bool,
    /// Key columns splitting the rows into separate tables; used when `has_by` is true.
    pub by: *const *const c_char,
    /// Number of names in `by`.
    pub by_len: usize,
    /// Whether `by` is given (false: the table's roles say).
    pub has_by: bool,
    /// NULL, or a boolean column marking national (England) rows, published unchanged.
    pub national: *const c_char,
    /// One of `CM_SECONDARY_*`.
    pub secondary: u32,
    /// One of `CM_SUPPRESS_ON_*`.
    pub suppress_on: u32,
    /// One of `CM_DISPLAY_*`.
    pub display: u32,
    /// Decimals of published percentages; negative for the rule's.
    pub decimals: i32,
}

/// The default options: the rule "nhs_mhsds", everything else as the table's roles say,
/// secondary suppression `auto`, `either`, suppressed counts null.
#[no_mangle]
pub extern "C" fn cm_disclose_options_default() -> CmDiscloseOptions {
    let d = DisclosureOptions::default();
    CmDiscloseOptions {
        rule: std::ptr::null(),
        counts: std::ptr::null(),
        counts_len: 0,
        has_counts: d.counts.is_some(),
        derived: std::ptr::null(),
        derived_len: 0,
        has_derived: d.derived.is_some(),
        dimensions: std::ptr::null(),
        dimensions_len: 0,
        has_dimensions: d.dimensions.is_some(),
        by: std::ptr::null(),
        by_len: 0,
        has_by: d.by.is_some(),
        national: std::ptr::null(),
        secondary: d.secondary.index() as u32,
        suppress_on: d.suppress_on.index() as u32,
        display: d.display.index() as u32,
        decimals: d.decimals.map_or(-1, |x| x as i32),
    }
}

/// Publishes a table under a small-number rule, as `disclose` in Rust and `cm.disclose` in
/// Python: `input` is moved into the call (released before it returns, whatever happens); on
/// success `out` receives the published table (suppressed counts null, or 5 with
/// `CM_DISPLAY_CENTRAL`; diagnostics as JSON under the schema metadata key
/// "collabmetrics:diagnostics") and, when `log_out` is not NULL, `log_out` the log of every
/// changed cell (`row`, `column`, `original`, `published`, `reason`, `audit_lower`,
/// `audit_upper`: it holds the original values, never publish it). Both streams are the
/// caller's to release. On failure neither is touched; an unsafe table fails with
/// `CM_INVALID_CELL` naming the cell.
///
/// # Safety
///
/// `input` must be NULL or a valid `ArrowArrayStream`; `options` must point to a valid
/// `CmDiscloseOptions` whose strings and arrays are valid; `out` must be writable, and
/// `log_out` NULL or writable (and not `out`: that is refused, as the log would take the
/// published table's place).
#[no_mangle]
pub unsafe extern "C" fn cm_disclose(
    input: *mut FFI_ArrowArrayStream,
    options: *const CmDiscloseOptions,
    out: *mut FFI_ArrowArrayStream,
    log_out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // SAFETY: `input` is NULL or valid per the caller; read first, so it is always released.
        let table = unsafe { stream::read("input", input, &ColumnMap::default()) }?;
        if options.is_null() {
            return Err(Failure::null("options"));
        }
        // The log holds the original counts: it must never land in `out`'s place.
        let outs = [("out", out), ("log_out", log_out)];
        stream::check_outs(if log_out.is_null() { &outs[..1] } else { &outs })?;
        // SAFETY: checked non-NULL; valid per the caller.
        let opts = unsafe { convert(&*options) }?;
        let result = crate::cancel::with(std::ptr::null(), || disclosure::disclose(&table, &opts))?;
        // The log only when asked for (a row per changed cell: millions for a large table);
        // built before either stream is written, so a failure writes neither.
        let log = (!log_out.is_null())
            .then(|| disclosure::log_batch(&result.log))
            .transpose()?;
        // SAFETY: `out` is non-NULL and writable per the caller.
        unsafe { stream::write(out, result.table.into_batch()) }?;
        if let Some(log) = log {
            // SAFETY: non-NULL (a log was built) and writable per the caller.
            unsafe { stream::write(log_out, log) }?;
        }
        Ok(())
    })
}

/// Publishes a result table (one of collabmetrics' own, whose schema metadata carries its
/// roles) as the `publish=` argument of the Python table functions and the command line's
/// `--publish` do: `cm_disclose` with the default options and `rule` (NULL: the default
/// rule), and, in a table that also publishes a sum of its rows (a Total or `all` row),
/// without the rates, shares and their limits: computed from unrounded counts, they would give
/// a suppressed count back by difference (`docs/methods/disclosure.md`, Limits). `input` is
/// moved into the call; on success `out` receives the published table, the caller's to
/// release; on failure it is untouched.
///
/// # Safety
///
/// `input` must be NULL or a valid `ArrowArrayStream`; `rule` NULL or a NUL-terminated
/// string; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn cm_publish(
    input: *mut FFI_ArrowArrayStream,
    rule: *const c_char,
    out: *mut FFI_ArrowArrayStream,
) -> CmStatus {
    guard(|| {
        // SAFETY: `input` is NULL or valid per the caller; read first, so it is always released.
        let table = unsafe { stream::read("input", input, &ColumnMap::default()) }?;
        stream::check_out(out)?;
        // SAFETY: `rule` is NULL or a NUL-terminated string per the caller.
        let rule = match unsafe { stream::optional_string("rule", rule) }? {
            Some(r) => r.parse::<Rule>()?,
            None => Rule::default(),
        };
        let published =
            crate::cancel::with(std::ptr::null(), || disclosure::publish(&table, rule))?;
        // SAFETY: `out` is non-NULL and writable per the caller.
        unsafe { stream::write(out, published.table.into_batch()) }
    })
}

/// An optional list of names: `None` unless `has` is set.
///
/// # Safety
///
/// As for [`stream::strings`].
unsafe fn names(
    name: &'static str,
    ptr: *const *const c_char,
    len: usize,
    has: bool,
) -> Result<Option<Vec<String>>, Failure> {
    if !has {
        crate::args::check_unused(name, len, &format!("has_{name} is false"))?;
        return Ok(None);
    }
    // SAFETY: forwarded.
    unsafe { stream::strings(name, ptr, len) }.map(Some)
}

/// The core's options from the C struct.
///
/// # Safety
///
/// The struct's strings and arrays must be valid.
pub(crate) unsafe fn convert(o: &CmDiscloseOptions) -> Result<DisclosureOptions, Failure> {
    let d = DisclosureOptions::default();
    // SAFETY (this block): the strings and arrays are valid per the caller.
    let (rule, counts, dimensions, by, national, derived) = unsafe {
        (
            stream::optional_string("rule", o.rule)?,
            names("counts", o.counts, o.counts_len, o.has_counts)?,
            names(
                "dimensions",
                o.dimensions,
                o.dimensions_len,
                o.has_dimensions,
            )?,
            names("by", o.by, o.by_len, o.has_by)?,
            stream::optional_string("national", o.national)?,
            derived_list(o)?,
        )
    };
    let secondary = option::<Secondary>(o.secondary, "CM_SECONDARY_")?;
    let suppress_on = option::<SuppressOn>(o.suppress_on, "CM_SUPPRESS_ON_")?;
    let display = option::<Display>(o.display, "CM_DISPLAY_")?;
    Ok(DisclosureOptions {
        rule: match rule {
            Some(r) => r.parse::<Rule>()?,
            None => d.rule,
        },
        counts,
        derived,
        dimensions,
        by,
        national,
        secondary,
        suppress_on,
        display,
        decimals: u32::try_from(o.decimals).ok(),
    })
}

/// The derived values of the struct (`None` unless `has_derived`).
///
/// # Safety
///
/// `o.derived` must point to `o.derived_len` valid `CmDerived`s when that is > 0.
unsafe fn derived_list(o: &CmDiscloseOptions) -> Result<Option<Vec<Derived>>, Failure> {
    if !o.has_derived {
        crate::args::check_unused("derived", o.derived_len, "has_derived is false")?;
        return Ok(None);
    }
    // SAFETY: `derived` addresses `derived_len` elements per the caller (NULL, size and
    // alignment are checked).
    let items =
        unsafe { crate::args::Arrays::default().input("derived", o.derived, o.derived_len) }?;
    items
        .iter()
        .enumerate()
        // A failure names the element's field (`derived[1].column`).
        // SAFETY: each element's strings are NULL or valid per the caller.
        .map(|(i, c)| unsafe { derived(c) }.map_err(|f| f.in_element("derived", i)))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// One element of `derived`; failures name its fields bare (`column`).
///
/// # Safety
///
/// `c`'s strings must be NULL or point to NUL-terminated strings.
unsafe fn derived(c: &CmDerived) -> Result<Derived, Failure> {
    // SAFETY: per the caller.
    let (column, numerator, denominator) = unsafe {
        (
            stream::optional_string("column", c.column)?,
            stream::optional_string("numerator", c.numerator)?,
            stream::optional_string("denominator", c.denominator)?,
        )
    };
    let column = column.ok_or(Failure::null("column"))?;
    let denominator = denominator.ok_or(Failure::null("denominator"))?;
    let kind = option::<DerivedKind>(c.kind, "CM_DERIVED_").map_err(|e| match e {
        Failure::Core(e) => Failure::Core(e.for_argument("kind")),
        other => other,
    })?;
    let mut spec = Derived::new(&column, numerator.as_deref(), &denominator, kind);
    spec.multiplier = (!c.multiplier.is_nan()).then_some(c.multiplier);
    spec.decimals = u32::try_from(c.decimals).ok();
    spec.min_denominator = (!c.min_denominator.is_nan()).then_some(c.min_denominator);
    Ok(spec)
}
