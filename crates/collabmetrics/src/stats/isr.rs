//! Indirectly standardised ratios and rates.

use super::{
    check_count, check_groups, check_multiplier, check_positive, Method, PoissonLimits, RateMethod,
};
use crate::error::{check_len, Error, Result};
use serde::{Deserialize, Serialize};

crate::option_enum! {
    /// What [`isr`] reports.
    #[derive(Default)]
    pub enum IsrKind: "kind", "ISR kind" {
        /// The ratio O / E × multiplier (multiplier 1, or 100 for an SMR-style ratio). Default.
        #[default]
        Ratio = "ratio",
        /// The indirectly standardised rate: O / E × the reference crude rate × multiplier.
        Rate = "rate",
    }
}

impl IsrKind {
    /// The multiplier used when none is given: 1 for a ratio, 100 000 for a rate.
    pub fn default_multiplier(self) -> f64 {
        match self {
            IsrKind::Ratio => 1.0,
            IsrKind::Rate => 100_000.0,
        }
    }
}

/// Options for [`isr`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IsrOptions {
    /// Confidence level in (0, 1); default 0.95.
    pub confidence: f64,
    /// Scale of the result; `None` (the default) for the kind's own
    /// ([`IsrKind::default_multiplier`]: 1 for a ratio, 100 000 for a rate).
    pub multiplier: Option<f64>,
    /// Limits of the observed count; default Byar (exact below 10).
    pub method: RateMethod,
    /// Ratio (default) or rate.
    pub kind: IsrKind,
}

impl Default for IsrOptions {
    fn default() -> Self {
        IsrOptions {
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            multiplier: None,
            method: RateMethod::Byar,
            kind: IsrKind::Ratio,
        }
    }
}

impl IsrOptions {
    /// The multiplier in force: the one given, or the kind's default.
    pub fn multiplier(&self) -> f64 {
        self.multiplier
            .unwrap_or_else(|| self.kind.default_multiplier())
    }
}

/// One row per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsrEstimates {
    /// Observed events O: Σ of the group's counts.
    pub observed: Vec<f64>,
    /// Expected events E: Σ population × the reference band rate.
    pub expected: Vec<f64>,
    /// The reference crude rate Σ reference counts / Σ reference populations × multiplier
    /// (NaN for [`IsrKind::Ratio`], where it plays no part).
    pub reference_rate: Vec<f64>,
    /// The ratio O / E or the rate O / E × reference rate, × multiplier (see [`IsrKind`]).
    pub value: Vec<f64>,
    /// Lower limit: that of O divided by E, on the scale of `value`.
    pub lower: Vec<f64>,
    /// Upper limit: that of O divided by E, on the scale of `value`.
    pub upper: Vec<f64>,
    /// The method behind the limits of O: exact below 10 events, Byar's from 10.
    pub method: Vec<Method>,
    /// The confidence level of every interval.
    pub confidence: f64,
}

/// Indirect standardisation, one result per group.
///
/// Row `i` is one age band of group `group[i]`: its observed `count`, its `population`, and the
/// reference `reference_count` / `reference_population` of that band. `E = Σ nᵢ ×
/// reference_countᵢ / reference_populationᵢ`; ISR = O / E; limits are those of O (Byar, exact
/// below 10) divided by E. Rules: counts >= 0, populations >= 0, reference populations > 0, and
/// E > 0 in every group. Rows of a group with the same reference count and population (one
/// reference band) are added first, and the bands summed in the order of their reference
/// count and population, whatever the order of the rows.
#[allow(clippy::too_many_arguments)]
pub fn isr(
    group: &[u32],
    n_groups: usize,
    count: &[f64],
    population: &[f64],
    reference_count: &[f64],
    reference_population: &[f64],
    options: &IsrOptions,
    group_label: &dyn Fn(usize) -> String,
) -> Result<IsrEstimates> {
    PoissonLimits::new(options.confidence, options.method)?;
    check_multiplier(options.multiplier())?;
    let n = group.len();
    check_len("count", count.len(), "group", n)?;
    check_len("population", population.len(), "group", n)?;
    check_len("reference_count", reference_count.len(), "group", n)?;
    check_len(
        "reference_population",
        reference_population.len(),
        "group",
        n,
    )?;
    check_groups(group, n_groups)?;

    let mut rows: Vec<Vec<Stratum>> = vec![Vec::new(); n_groups];
    for i in 0..n {
        check_count("count", i, count[i])?;
        check_count("population", i, population[i])?;
        check_count("reference_count", i, reference_count[i])?;
        check_positive("reference_population", i, reference_population[i])?;
        rows[group[i] as usize].push(Stratum {
            reference_count: zero(reference_count[i]),
            reference_population: reference_population[i],
            rows: 1,
            count: count[i],
            population: population[i],
        });
    }
    let strata: Vec<Vec<Stratum>> = rows.into_iter().map(Stratum::combine).collect();
    isr_of_strata(&strata, options, group_label)
}

/// −0 as 0, so that a reference count of −0 is the stratum of 0.
fn zero(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x
    }
}

/// The rows of one group that share a reference band (the same reference count and
/// population): how many, and their observed counts and populations added.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stratum {
    /// The band's reference count.
    pub reference_count: f64,
    /// The band's reference population.
    pub reference_population: f64,
    /// Number of rows.
    pub rows: u64,
    /// Σ observed counts.
    pub count: f64,
    /// Σ populations.
    pub population: f64,
}

impl Stratum {
    fn key(&self) -> (f64, f64) {
        (self.reference_count, self.reference_population)
    }

    /// One group's rows sorted by reference band (then count and population) and combined:
    /// rows of one band become one stratum, their counts and populations added in that order.
    pub(crate) fn combine(mut rows: Vec<Stratum>) -> Vec<Stratum> {
        rows.sort_unstable_by(|a, b| {
            let k = |s: &Stratum| {
                [
                    s.reference_count,
                    s.reference_population,
                    s.count,
                    s.population,
                ]
            };
            k(a).iter()
                .zip(k(b).iter())
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut out: Vec<Stratum> = Vec::with_capacity(rows.len());
        for r in rows {
            match out.last_mut() {
                Some(s) if s.key() == r.key() => {
                    s.rows += r.rows;
                    s.count += r.count;
                    s.population += r.population;
                }
                _ => out.push(r),
            }
        }
        out
    }
}

/// Indirectly standardised ratios (or rates) from each group's strata, sorted by reference
/// band: E = Σ population × reference count / reference population over the strata in that
/// order, so the result depends on the strata alone: the one computation behind [`isr`] and
/// the finishing of a merged state ([`super::isr_finalize`]).
pub(crate) fn isr_of_strata(
    strata: &[Vec<Stratum>],
    options: &IsrOptions,
    group_label: &dyn Fn(usize) -> String,
) -> Result<IsrEstimates> {
    let limits = PoissonLimits::new(options.confidence, options.method)?;
    check_multiplier(options.multiplier())?;
    let n_groups = strata.len();
    let mut observed = vec![0.0; n_groups];
    let mut expected = vec![0.0; n_groups];
    let mut ref_o = vec![0.0; n_groups];
    let mut ref_n = vec![0.0; n_groups];
    for (g, group) in strata.iter().enumerate() {
        for s in group {
            observed[g] += s.count;
            let e = s.population * s.reference_count / s.reference_population;
            // n × (O_ref / n_ref) where n × O_ref alone would overflow.
            expected[g] += if e.is_finite() {
                e
            } else {
                s.population * (s.reference_count / s.reference_population)
            };
            ref_o[g] += s.rows as f64 * s.reference_count;
            ref_n[g] += s.rows as f64 * s.reference_population;
        }
    }
    if let Some(g) = expected.iter().position(|&e| e <= 0.0) {
        return Err(Error::InvalidGroup {
            group: group_label(g),
            message: "the expected count is 0 (no reference events in its populated bands); the ratio is undefined".to_owned(),
        });
    }

    let m = options.multiplier();
    let mut out = IsrEstimates {
        reference_rate: Vec::with_capacity(n_groups),
        value: Vec::with_capacity(n_groups),
        lower: Vec::with_capacity(n_groups),
        upper: Vec::with_capacity(n_groups),
        method: Vec::with_capacity(n_groups),
        observed,
        expected,
        confidence: options.confidence,
    };
    for g in 0..n_groups {
        let (o, e) = (out.observed[g], out.expected[g]);
        let (ref_rate, factor) = match options.kind {
            IsrKind::Ratio => (f64::NAN, m),
            IsrKind::Rate => {
                let r = ref_o[g] / ref_n[g];
                (r * m, r * m)
            }
        };
        let scale = factor / e;
        let times = |a: f64| super::poisson::per(a, scale, factor, e);
        let (l, u, method) = limits.limits(o);
        let ref_shown = if ref_rate.is_nan() { 0.0 } else { ref_rate };
        super::check_finite_group(
            g,
            group_label,
            &[
                ("observed count", o),
                ("expected count", e),
                ("reference rate", ref_shown),
                ("value", times(o)),
                ("lower limit", times(l)),
                ("upper limit", times(u)),
            ],
        )?;
        out.reference_rate.push(ref_rate);
        out.value.push(times(o));
        out.lower.push(times(l));
        out.upper.push(times(u));
        out.method.push(method);
    }
    Ok(out)
}
