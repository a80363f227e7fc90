use super::CmRateMethodArg;
use super::{copy_columns, interval_outputs};
use crate::args::{codes, option, Arrays};
use crate::error::{guard, CmStatus, Failure};
use collabmetrics::stats::{
    dsr, DsrEstimates, DsrOptions, RateMethod, StandardName, StandardPopulation,
};
use collabmetrics::Error;

/// The standard population of `cm_dsr`.
/// cbindgen:rename-all=prefix:CM_STANDARD_
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmStandard {
    /// European Standard Population 2013, 19 bands: lower ages 0, 5, ..., 85, 90 (90+).
    ESP2013 = 0,
    /// European Standard Population 2013, 18 bands: lower ages 0, 5, ..., 85 (85+).
    ESP2013_18 = 1,
    /// The caller's standard: `standard_lower_ages` and `standard_weights`.
    CUSTOM = 2,
}

/// A `CmStandard` as the functions receive it: an integer, so that a value outside the enum is
/// reported (`CM_INVALID_ARGUMENT`). The header names the parameter type `CmStandard`.
pub type CmStandardArg = u32;

/// The standard of a C code: a built-in one (the position of its name in the core's
/// `StandardName` table) or `CM_STANDARD_CUSTOM`, the code after them.
fn decode_standard(raw: CmStandardArg) -> Result<CmStandard, Failure> {
    if raw == CmStandard::CUSTOM as u32 {
        return Ok(CmStandard::CUSTOM);
    }
    let name: StandardName = option(raw, "CM_STANDARD_").map_err(|_| {
        let custom = CmStandard::CUSTOM as u32;
        Failure::argument(
            "standard",
            format!(
                "unknown standard population {raw}; expected a CM_STANDARD_* constant: {}, \
                 {custom} (custom)",
                codes::<StandardName>(0)
            ),
        )
    })?;
    Ok(match name {
        StandardName::Esp2013 => CmStandard::ESP2013,
        StandardName::Esp2013_18 => CmStandard::ESP2013_18,
    })
}

/// The caller's custom standard, as given (empty unless the standard is CM_STANDARD_CUSTOM).
struct CustomStandard<'a> {
    lower_ages: &'a [i32],
    weights: &'a [f64],
}

impl<'a> CustomStandard<'a> {
    /// Reads `lower_ages` and `weights` (`len` elements each) only for `CmStandard::CUSTOM`.
    ///
    /// # Safety
    ///
    /// For `CmStandard::CUSTOM`, as for [`Arrays::input`], for both pointers.
    unsafe fn new(
        arrays: &mut Arrays,
        kind: CmStandard,
        lower_ages: *const i32,
        weights: *const f64,
        len: usize,
    ) -> Result<Self, Failure> {
        let len = if kind == CmStandard::CUSTOM { len } else { 0 };
        // SAFETY: forwarded from the caller; with `len` 0 nothing is read.
        unsafe {
            Ok(CustomStandard {
                lower_ages: arrays.input("standard_lower_ages", lower_ages, len)?,
                weights: arrays.input("standard_weights", weights, len)?,
            })
        }
    }
}

fn standard_population(
    kind: CmStandard,
    custom: CustomStandard<'_>,
) -> Result<StandardPopulation, Error> {
    match kind {
        CmStandard::ESP2013 => Ok(StandardPopulation::of(StandardName::Esp2013)),
        CmStandard::ESP2013_18 => Ok(StandardPopulation::of(StandardName::Esp2013_18)),
        CmStandard::CUSTOM => {
            StandardPopulation::custom(custom.lower_ages.to_vec(), custom.weights.to_vec()).map_err(
                |e| {
                    crate::error::c_names(
                        e,
                        &[
                            ("lower_ages", "standard_lower_ages"),
                            ("weights", "standard_weights"),
                        ],
                    )
                },
            )
        }
    }
}

/// The band index of each row's lower age.
fn band_indices(standard: &StandardPopulation, lower_ages: &[i32]) -> Result<Vec<u32>, Error> {
    let unknown = |index: usize, age: i32| Error::InvalidValue {
        argument: "band_lower_age".to_owned(),
        index,
        value: age.to_string(),
        rule: format!(
            "not the lower age of a band of the standard `{}` (lower ages: {:?})",
            standard.name(),
            standard.lower_ages()
        ),
    };
    lower_ages
        .iter()
        .enumerate()
        .map(
            |(i, &age)| match standard.band_of_lower_age(i64::from(age)) {
                Some(band) => Ok(band as u32),
                None => Err(unknown(i, age)),
            },
        )
        .collect()
}

/// The per-group output arrays of `cm_dsr`.
struct DsrOutputs<'a> {
    total_count: &'a mut [f64],
    total_population: &'a mut [f64],
    value: &'a mut [f64],
    lower: &'a mut [f64],
    upper: &'a mut [f64],
    low_count: Option<&'a mut [u8]>,
}

impl<'a> DsrOutputs<'a> {
    /// The outputs of `n_groups` elements: `[total_count, total_population]`, `[value, lower,
    /// upper]` and the nullable `low_count`.
    ///
    /// # Safety
    ///
    /// As for [`Arrays::output`], for each pointer.
    unsafe fn new(
        arrays: &mut Arrays,
        n_groups: usize,
        [total_count, total_population]: [*mut f64; 2],
        [value, lower, upper]: [*mut f64; 3],
        low_count: *mut u8,
    ) -> Result<Self, Failure> {
        // SAFETY: forwarded from the caller.
        unsafe {
            let out = interval_outputs(arrays, value, lower, upper, n_groups)?;
            Ok(DsrOutputs {
                total_count: arrays.output("total_count", total_count, n_groups)?,
                total_population: arrays.output("total_population", total_population, n_groups)?,
                value: out.value,
                lower: out.lower,
                upper: out.upper,
                low_count: arrays.optional_output("low_count", low_count, n_groups)?,
            })
        }
    }

    fn write(self, est: DsrEstimates) {
        copy_columns([
            (self.total_count, &est.total_count),
            (self.total_population, &est.total_population),
            (self.value, &est.value),
            (self.lower, &est.lower),
            (self.upper, &est.upper),
        ]);
        if let Some(flags) = self.low_count {
            flags
                .iter_mut()
                .zip(&est.low_count)
                .for_each(|(f, &low)| *f = u8::from(low));
        }
    }
}

/// Directly standardised rates with Dobson's intervals (PHE's method), one per group.
///
/// Input rows (arrays of `len` elements): row `i` is age band `band_lower_age[i]` of group
/// `group[i]`, with its event `count[i]` (finite, >= 0) and `population[i]` (finite, > 0).
/// Group codes are 0 to `n_groups - 1`; every band of the standard must appear exactly once
/// in every group (give a zero count rather than omit a band).
///
/// * `band_lower_age`: the band's lower age in years, e.g. 0, 5, ..., 90 for `CM_STANDARD_ESP2013`.
/// * `standard`: `CM_STANDARD_ESP2013` (19 bands, 90+), `CM_STANDARD_ESP2013_18` (18 bands,
///   85+) or `CM_STANDARD_CUSTOM`, which uses `standard_lower_ages` (strictly increasing) and
///   `standard_weights` (finite, >= 0, positive total), both of `standard_len` elements; for
///   the built-in standards these three are ignored and may be NULL / 0.
/// * `confidence`: level in (0, 1), e.g. 0.95; `multiplier`: rate per this many, e.g. 100000.
/// * `method`: the limits of the total count behind Dobson's: `CM_RATE_BYAR` (PHE's default:
///   Byar's method from 10 events, exact below) or `CM_RATE_EXACT` (exact for every count).
/// * Outputs, caller-allocated arrays of `n_groups` elements: `total_count` and
///   `total_population` (sums over the bands), `value` (the DSR * multiplier), `lower` and
///   `upper` (Dobson limits, from the total count's limits by `method`; a group
///   with total count 0 has lower 0 and upper NaN), and `low_count` (may be NULL): 1 where the
///   total count is < 10 (PHE does not publish those DSRs), else 0.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` saying what is wrong:
/// `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT` (confidence, multiplier, standard, custom standard),
/// `CM_INVALID_VALUE` (a bad element, e.g. an unknown `band_lower_age` or a group code not
/// below `n_groups`, naming the index), `CM_INVALID_GROUP` (a band missing or repeated, naming
/// the group as "group 3"). On error the outputs may be partially written.
///
/// # Safety
///
/// Every non-NULL pointer must point to the number of elements stated above (writable for the
/// outputs), valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_dsr(
    group: *const u32,
    band_lower_age: *const i32,
    count: *const f64,
    population: *const f64,
    len: usize,
    n_groups: usize,
    standard: CmStandardArg,
    standard_lower_ages: *const i32,
    standard_weights: *const f64,
    standard_len: usize,
    confidence: f64,
    multiplier: f64,
    method: CmRateMethodArg,
    total_count: *mut f64,
    total_population: *mut f64,
    value: *mut f64,
    lower: *mut f64,
    upper: *mut f64,
    low_count: *mut u8,
) -> CmStatus {
    guard(|| {
        let kind = decode_standard(standard)?;
        let method: RateMethod = option(method, "CM_RATE_")?;
        let mut arrays = Arrays::default();
        // SAFETY: the caller guarantees each non-NULL row pointer addresses `len` elements.
        let (group, band_lower_age, count, population) = unsafe {
            (
                arrays.input("group", group, len)?,
                arrays.input("band_lower_age", band_lower_age, len)?,
                arrays.input("count", count, len)?,
                arrays.input("population", population, len)?,
            )
        };
        // SAFETY: ... and the custom standard's `standard_len`, each output `n_groups`.
        let (custom, outputs) = unsafe {
            let totals = [total_count, total_population];
            (
                CustomStandard::new(
                    &mut arrays,
                    kind,
                    standard_lower_ages,
                    standard_weights,
                    standard_len,
                )?,
                DsrOutputs::new(
                    &mut arrays,
                    n_groups,
                    totals,
                    [value, lower, upper],
                    low_count,
                )?,
            )
        };
        let standard = standard_population(kind, custom)?;
        let band = band_indices(&standard, band_lower_age)?;
        let options = DsrOptions {
            confidence,
            multiplier,
            method,
        };
        let label = |g: usize| g.to_string();
        let est = crate::cancel::with(std::ptr::null(), || {
            dsr(
                group, n_groups, &band, count, population, &standard, &options, &label,
            )
        })?;
        outputs.write(est);
        Ok(())
    })
}
