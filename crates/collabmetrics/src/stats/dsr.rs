//! Directly standardised rates with Dobson intervals.

use super::{
    check_count, check_groups, check_multiplier, check_positive, Method, PoissonLimits, RateMethod,
    StandardPopulation,
};
use crate::error::{check_len, Error, Result};
use serde::{Deserialize, Serialize};

/// The note attached to a DSR on fewer than 10 events.
pub const LOW_COUNT_NOTE: &str =
    "total count < 10: PHE does not publish a DSR on fewer than 10 events";

/// Options for [`dsr`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DsrOptions {
    /// Confidence level in (0, 1); default 0.95.
    pub confidence: f64,
    /// Rate per this many; default 100 000.
    pub multiplier: f64,
    /// Limits of the total count O used by Dobson's method; default Byar (exact below 10).
    pub method: RateMethod,
}

impl Default for DsrOptions {
    fn default() -> Self {
        DsrOptions {
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            multiplier: 100_000.0,
            method: RateMethod::Byar,
        }
    }
}

/// One row per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DsrEstimates {
    /// Σ of the group's counts O.
    pub total_count: Vec<f64>,
    /// Σ of the group's populations.
    pub total_population: Vec<f64>,
    /// The directly standardised rate, per `multiplier`.
    pub value: Vec<f64>,
    /// Dobson's lower limit.
    pub lower: Vec<f64>,
    /// Dobson's upper limit (NaN when the total count is 0).
    pub upper: Vec<f64>,
    /// True where the total count is below 10 (PHE suppresses these; we flag them).
    pub low_count: Vec<bool>,
    /// The method behind the limits of the total count (always reported as Dobson overall).
    pub count_method: Vec<Method>,
    /// The confidence level of every interval.
    pub confidence: f64,
}

/// Directly standardised rates, one per group, with Dobson's interval.
///
/// Row `i` holds the count and population of age band `band[i]` (an index into `standard`) of
/// group `group[i]` (0..n_groups). Every band of the standard must appear exactly once per group
/// (otherwise [`Error::InvalidGroup`], named with `group_label`). Counts >= 0, populations > 0.
///
/// `DSR = Σ wᵢ·Oᵢ/nᵢ / Σ wᵢ × multiplier`; `var = Σ wᵢ²·Oᵢ/nᵢ² / (Σ wᵢ)²`;
/// `limit = DSR + √(var/O)·(O_limit − O) × multiplier` with O = Σ Oᵢ and its Byar/exact limits.
/// A group with O = 0 has DSR 0, lower limit 0 and no upper limit (NaN; flagged low count),
/// since Dobson's scaling `√(var/O)` is undefined there. Each group's sums run over its bands
/// in the standard's order, whatever the order of the rows.
#[allow(clippy::too_many_arguments)]
pub fn dsr(
    group: &[u32],
    n_groups: usize,
    band: &[u32],
    count: &[f64],
    population: &[f64],
    standard: &StandardPopulation,
    options: &DsrOptions,
    group_label: &dyn Fn(usize) -> String,
) -> Result<DsrEstimates> {
    PoissonLimits::new(options.confidence, options.method)?;
    check_multiplier(options.multiplier)?;
    let n = group.len();
    check_len("band", band.len(), "group", n)?;
    check_len("count", count.len(), "group", n)?;
    check_len("population", population.len(), "group", n)?;
    check_groups(group, n_groups)?;
    let n_bands = standard.len();

    // cells[g * n_bands + b] = (O, n) of band b of group g; seen: 1 + the row that gave it.
    let n_cells = (n_groups as u128) * (n_bands as u128);
    crate::limits::check_memory("n_groups", "the groups' age bands", n_cells, 32)?;
    let mut seen = vec![0usize; n_groups * n_bands];
    let mut cells = vec![None; n_groups * n_bands];
    for i in 0..n {
        let (g, b) = (group[i] as usize, band[i] as usize);
        if b >= n_bands {
            return Err(Error::InvalidValue {
                argument: "band".to_owned(),
                index: i,
                value: b.to_string(),
                rule: format!("band indices must be in 0..{n_bands} (the standard's bands)"),
            });
        }
        let (o, pop) = (count[i], population[i]);
        check_count("count", i, o)?;
        check_positive("population", i, pop)?;
        let slot = &mut seen[g * n_bands + b];
        if *slot != 0 {
            return Err(Error::InvalidGroup {
                group: group_label(g),
                message: format!(
                    "age band `{}` appears twice (rows {} and {i}); each band of the standard must appear exactly once",
                    standard.label(b),
                    *slot - 1
                ),
            });
        }
        *slot = i + 1;
        cells[g * n_bands + b] = Some((o, pop));
    }
    dsr_of_cells(&cells, n_groups, standard, options, group_label)
}

/// Directly standardised rates from each group's bands: `cells[g * n_bands + b]` is the
/// count and population of band `b` of group `g` (`None`: missing, an error naming the
/// group). The sums run over the bands in the standard's order, so the result depends on the
/// cells alone (not on the order of the rows they came from): the one computation behind
/// [`dsr`] and the finishing of a merged state ([`super::dsr_finalize`]).
pub(crate) fn dsr_of_cells(
    cells: &[Option<(f64, f64)>],
    n_groups: usize,
    standard: &StandardPopulation,
    options: &DsrOptions,
    group_label: &dyn Fn(usize) -> String,
) -> Result<DsrEstimates> {
    let limits = PoissonLimits::new(options.confidence, options.method)?;
    check_multiplier(options.multiplier)?;
    let n_bands = standard.len();
    let weights = standard.weights();
    if let Some(pos) = cells.iter().position(Option::is_none) {
        return Err(Error::InvalidGroup {
            group: group_label(pos / n_bands),
            message: format!(
                "age band `{}` of the standard `{}` is missing; each band must appear exactly once (give a zero count, not no row)",
                standard.label(pos % n_bands),
                standard.name()
            ),
        });
    }
    let mut sum_o = vec![0.0; n_groups];
    let mut sum_n = vec![0.0; n_groups];
    let mut sum_wr = vec![0.0; n_groups];
    let mut sum_w2r = vec![0.0; n_groups];
    let mut var_unit = vec![0.0f64; n_groups];
    // Every cell is present (checked above); a missing one would add nothing.
    let cell = |g: usize, b: usize| cells[g * n_bands + b].unwrap_or((0.0, 1.0));
    for g in 0..n_groups {
        for (b, &w) in weights.iter().enumerate() {
            let (o, pop) = cell(g, b);
            sum_o[g] += o;
            sum_n[g] += pop;
            sum_wr[g] += w * o / pop;
            var_unit[g] = var_unit[g].max(w / pop);
        }
        // Σ w²·O/n² overflows for populations below about 1e-154 although the limits need
        // only its square root: each term is taken over the square of the power of two of the
        // group's largest w/n (exact, so the same bits wherever the plain sum is finite).
        var_unit[g] = crate::sum::exponent_unit(var_unit[g]);
        for (b, &w) in weights.iter().enumerate() {
            let (o, pop) = cell(g, b);
            let r = w / pop / var_unit[g];
            sum_w2r[g] += r * r * o;
        }
    }

    let total_w: f64 = weights.iter().sum();
    let m = options.multiplier;
    let mut out = DsrEstimates {
        value: Vec::with_capacity(n_groups),
        lower: Vec::with_capacity(n_groups),
        upper: Vec::with_capacity(n_groups),
        low_count: Vec::with_capacity(n_groups),
        count_method: Vec::with_capacity(n_groups),
        total_count: sum_o,
        total_population: sum_n,
        confidence: options.confidence,
    };
    for g in 0..n_groups {
        let o = out.total_count[g];
        let value = sum_wr[g] / total_w;
        let (ol, ou, method) = limits.limits(o);
        let (lower, upper) = if o > 0.0 {
            // √(var / O) with var = Σw²O/n² / (Σw)²: Σw is divided out once, after the root,
            // and against the band terms' unit, so that a standard's weights scaled by any
            // factor give the same limits ((Σw)² overflowed above 1e154 to a zero-width
            // interval, and underflowed below 1e-154 to an error).
            let scale = (sum_w2r[g] / o).sqrt() * (var_unit[g] / total_w);
            (value + scale * (ol - o), value + scale * (ou - o))
        } else {
            (0.0, f64::NAN)
        };
        let row = [
            ("total count", o),
            ("total population", out.total_population[g]),
            ("rate", value * m),
            ("lower limit", lower * m),
        ];
        super::check_finite_group(g, group_label, &row)?;
        if o > 0.0 {
            super::check_finite_group(g, group_label, &[("upper limit", upper * m)])?;
        }
        out.value.push(value * m);
        out.lower.push(lower * m);
        out.upper.push(upper * m);
        out.low_count.push(o < 10.0);
        out.count_method.push(method);
    }
    Ok(out)
}
