use super::CmRateMethodArg;
use super::{copy_columns, interval_outputs};
use crate::args::{option, Arrays};
use crate::error::{guard, CmStatus};
use collabmetrics::stats::{isr, IsrKind, IsrOptions, RateMethod};

/// What `cm_isr` reports.
/// cbindgen:rename-all=prefix:CM_ISR_
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmIsrKind {
    /// The indirectly standardised ratio O / E * multiplier (1, or 100 for an SMR).
    RATIO = 0,
    /// The indirectly standardised rate: O / E * the reference crude rate * multiplier.
    RATE = 1,
}

/// A `CmIsrKind` as the functions receive it: an integer, so that a value outside the enum is
/// reported (`CM_INVALID_ARGUMENT`). The header names the parameter type `CmIsrKind`.
pub type CmIsrKindArg = u32;

/// Indirectly standardised ratios (or rates), one per group, with the Poisson limits of the
/// observed count (by `method`: Byar's, exact below 10, by default) divided by the expected
/// count.
///
/// Input rows (arrays of `len` elements): row `i` is one age band of group `group[i]` (codes
/// 0 to `n_groups - 1`), with its observed `count[i]` (>= 0), its `population[i]` (>= 0) and
/// the reference `reference_count[i]` (>= 0) and `reference_population[i]` (> 0) of that
/// band. The expected count is E = sum of population * reference_count / reference_population
/// over the group's rows, and must be > 0 in every group.
///
/// * `confidence`: level in (0, 1), e.g. 0.95.
/// * `multiplier`: finite and > 0: for `CM_ISR_RATIO` 1 (or 100 for an SMR-style ratio); for
///   `CM_ISR_RATE` the rate's base, e.g. 100000.
/// * `method`: the observed count's limits: `CM_RATE_BYAR` (PHE's default: Byar's method
///   from 10 events, exact below) or `CM_RATE_EXACT` (exact for every count).
/// * `kind`: `CM_ISR_RATIO` or `CM_ISR_RATE`.
/// * Outputs, caller-allocated arrays of `n_groups` doubles: `observed` (O), `expected` (E),
///   `value`, `lower`, `upper`.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` saying what is wrong:
/// `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT`, `CM_INVALID_VALUE` (naming the argument and
/// index), `CM_INVALID_GROUP` (E = 0, naming the group as "group 3"). On error the outputs may
/// be partially written.
///
/// # Safety
///
/// Every non-NULL pointer must point to the number of elements stated above (writable for the
/// outputs), valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_isr(
    group: *const u32,
    n_groups: usize,
    count: *const f64,
    population: *const f64,
    reference_count: *const f64,
    reference_population: *const f64,
    len: usize,
    confidence: f64,
    multiplier: f64,
    method: CmRateMethodArg,
    kind: CmIsrKindArg,
    observed: *mut f64,
    expected: *mut f64,
    value: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
) -> CmStatus {
    guard(|| {
        let kind: IsrKind = option(kind, "CM_ISR_")?;
        let method: RateMethod = option(method, "CM_RATE_")?;
        let mut arrays = Arrays::default();
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements (inputs)
        // or `n_groups` elements (outputs).
        let (group, count, population, reference_count, reference_population) = unsafe {
            (
                arrays.input("group", group, len)?,
                arrays.input("count", count, len)?,
                arrays.input("population", population, len)?,
                arrays.input("reference_count", reference_count, len)?,
                arrays.input("reference_population", reference_population, len)?,
            )
        };
        // SAFETY: as above.
        let (observed, expected, out) = unsafe {
            (
                arrays.output("observed", observed, n_groups)?,
                arrays.output("expected", expected, n_groups)?,
                interval_outputs(&mut arrays, value, lower, upper, n_groups)?,
            )
        };
        let options = IsrOptions {
            confidence,
            multiplier: Some(multiplier),
            method,
            kind,
        };
        let label = |g: usize| g.to_string();
        let est = crate::cancel::with(std::ptr::null(), || {
            isr(
                group,
                n_groups,
                count,
                population,
                reference_count,
                reference_population,
                &options,
                &label,
            )
        })?;
        copy_columns([
            (observed, &est.observed),
            (expected, &est.expected),
            (out.value, &est.value),
            (out.lower, &est.lower),
            (out.upper, &est.upper),
        ]);
        Ok(())
    })
}
