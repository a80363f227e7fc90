//! The PHE / Fingertips family (PHEindicatormethods `calculate_funnel_limits`,
//! `assign_funnel_significance`, `calculate_funnel_points`): each unit's significance label,
//! exactly as PHE's, and its limits at its own denominator.
//!
//! * Proportions: target θ = ΣO/Σn; limits θ ∓ z·√(θ(1 − θ)/n), clamped to [0, 1] × multiplier
//!   (PHE's Wilson-derived funnel, equal to this closed form); significance from the unit's own
//!   Wilson interval against θ.
//! * Ratios (ISR, counts): limits where PHE's exact Poisson funnel passes the unit's expected
//!   count E ([`poisson::phe_poisson`]), reported × 100 (ISR) or − 1 (counts); significance from
//!   the unit's exact (O < 10) or Byar's (O ≥ 10) interval of O, over E, against 1.
//! * Rates: the same with the person-time d = multiplier × O / rate and the baseline
//!   av = ΣO/Σd in place of 1; DSRs with fewer than 10 events are "Not applicable".

use super::curve::Curves;
use super::options::{Limit, Resolved, Statistic};
use super::poisson;
use super::units::Units;
use super::Assessment;
use crate::error::{Error, Result};
use crate::stats::{wilson_limits, z_value, PoissonLimits, RateMethod};
use rayon::prelude::*;

/// PHE's labels, in its factor order.
pub const HIGH_001: &str = "High (0.001)";
/// See [`HIGH_001`].
pub const HIGH_025: &str = "High (0.025)";
/// See [`HIGH_001`].
pub const LOW_001: &str = "Low (0.001)";
/// See [`HIGH_001`].
pub const LOW_025: &str = "Low (0.025)";
/// See [`HIGH_001`].
pub const NOT_SIGNIFICANT: &str = "Not significant";
/// PHE's label for a DSR with fewer than 10 events.
pub const NOT_APPLICABLE: &str = "Not applicable for events less than 10 for dsrs";

/// The two confidence levels of PHE's funnels.
pub(crate) const LEVELS: [f64; 2] = [0.95, 0.998];

/// Whether a label flags the unit at `limit`: 95 flags both levels, 99 (99.8%) only 0.001.
pub(crate) fn flags(label: &str, limit: Limit) -> Option<bool> {
    match label {
        NOT_APPLICABLE => None,
        HIGH_001 | LOW_001 => Some(true),
        HIGH_025 | LOW_025 => Some(limit == Limit::L95),
        _ => Some(false),
    }
}

/// A proportion's label: in order Low (0.001), Low (0.025), High (0.001), High (0.025), by
/// strict comparison of the unit's Wilson limits with θ (p < θ − z√(θ(1 − θ)/n) exactly when
/// the Wilson upper limit of (O, n) is below θ).
pub fn proportion_significance(o: f64, n: f64, theta: f64, z: [f64; 2]) -> &'static str {
    let (l95, u95) = wilson_limits(o, n, z[0]);
    let (l998, u998) = wilson_limits(o, n, z[1]);
    if u998 < theta {
        LOW_001
    } else if u95 < theta {
        LOW_025
    } else if l998 > theta {
        HIGH_001
    } else if l95 > theta {
        HIGH_025
    } else {
        NOT_SIGNIFICANT
    }
}

/// A ratio's or rate's label: the count's limits (exact below 10 events, Byar's from 10) over
/// the denominator, against `baseline` (1 for ratios, av for rates); in order High (0.001),
/// High (0.025), Low (0.001), Low (0.025), strict comparisons.
pub fn poisson_significance(
    o: f64,
    d: f64,
    baseline: f64,
    limits: &[PoissonLimits; 2],
) -> &'static str {
    let (l95, u95, _) = limits[0].limits(o);
    let (l998, u998, _) = limits[1].limits(o);
    if l998 / d > baseline {
        HIGH_001
    } else if l95 / d > baseline {
        HIGH_025
    } else if u998 / d < baseline {
        LOW_001
    } else if u95 / d < baseline {
        LOW_025
    } else {
        NOT_SIGNIFICANT
    }
}

/// The two levels' Poisson limits with PHE's rule (exact below 10, Byar's from 10).
pub(crate) fn poisson_limits() -> Result<[PoissonLimits; 2]> {
    Ok([
        PoissonLimits::new(LEVELS[0], RateMethod::Byar)?,
        PoissonLimits::new(LEVELS[1], RateMethod::Byar)?,
    ])
}

/// PHE's baseline of a rate: ΣO / Σd over units with a derived denominator.
pub(crate) fn rate_baseline(units: &Units) -> Result<f64> {
    let (so, sd) = units
        .o
        .iter()
        .zip(&units.n)
        .fold((0.0, 0.0), |(a, b), (&o, &d)| {
            (a + o, if d.is_nan() { b } else { b + d })
        });
    let av = so / sd;
    if av.is_finite() && av > 0.0 {
        Ok(av)
    } else {
        Err(Error::invalid_argument(
            "numerator",
            "PHE's rate funnel needs events: with no events the baseline rate is 0 (or undefined)",
        ))
    }
}

/// θ = ΣO/Σn.
pub(crate) fn proportion_target(units: &Units) -> f64 {
    units.o.iter().sum::<f64>() / units.n.iter().sum::<f64>()
}

/// Every unit of the PHE family.
pub(crate) fn assess(units: &Units, r: &Resolved, limit: Limit) -> Result<Assessment> {
    match r.statistic {
        Statistic::Proportion => Ok(proportion(units, r.multiplier, limit)),
        Statistic::RatioIsr | Statistic::RatioCount => ratio(units, r.statistic, limit),
        _ => rate(units, r, limit),
    }
}

fn proportion(units: &Units, m: f64, limit: Limit) -> Assessment {
    let theta = proportion_target(units);
    // z_value only fails for a confidence outside (0, 1); these are constants.
    let z = LEVELS.map(|c| z_value(c).unwrap_or(f64::NAN));
    let sd = (theta * (1.0 - theta)).sqrt();
    let mut a = Assessment::new(units.len(), theta * m, "phe proportion Wilson");
    let labels: Vec<&'static str> = units
        .o
        .par_iter()
        .zip(units.n.par_iter())
        .map(|(&o, &n)| proportion_significance(o, n, theta, z))
        .collect();
    for (i, label) in labels.iter().enumerate() {
        let (o, n) = (units.o[i], units.n[i]);
        a.value[i] = o / n * m;
        for (level, z) in z.iter().enumerate() {
            let half = z * sd / n.sqrt();
            a.limits[i][2 * level] = (theta - half).max(0.0) * m;
            a.limits[i][2 * level + 1] = (theta + half).min(1.0) * m;
        }
        a.outlier[i] = flags(label, limit);
    }
    a.significance = Some(labels);
    a
}

/// Maps a ratio to PHE's reporting scale: ISR × 100, counts − 1.
fn ratio_scale(statistic: Statistic, ratio: f64) -> f64 {
    if statistic == Statistic::RatioIsr {
        ratio * 100.0
    } else {
        ratio - 1.0
    }
}

/// Each unit's four limits of PHE's Poisson funnel at mean mu, as ratios to mu (lower limits
/// clamped at 0), through the interpolated curves.
fn poisson_limits_at(mus: &[f64]) -> Result<Vec<[f64; 4]>> {
    let curves = Curves::build(mus, &poisson::phe_poisson)?;
    mus.par_iter()
        .map(|&mu| {
            if mu.is_nan() {
                return Ok([f64::NAN; 4]);
            }
            let mut l = curves.eval(mu, &poisson::phe_poisson)?;
            l[0] = l[0].max(0.0);
            l[2] = l[2].max(0.0);
            Ok(l)
        })
        .collect()
}

fn ratio(units: &Units, statistic: Statistic, limit: Limit) -> Result<Assessment> {
    let plims = poisson_limits()?;
    let method = format!("phe {statistic} Poisson");
    let mut a = Assessment::new(units.len(), ratio_scale(statistic, 1.0), &method);
    let limits = poisson_limits_at(&units.n)?;
    let labels: Vec<&'static str> = units
        .o
        .par_iter()
        .zip(units.n.par_iter())
        .map(|(&o, &e)| poisson_significance(o, e, 1.0, &plims))
        .collect();
    for (i, l) in limits.iter().enumerate() {
        a.value[i] = ratio_scale(statistic, units.o[i] / units.n[i]);
        a.limits[i] = l.map(|v| ratio_scale(statistic, v));
        a.outlier[i] = flags(labels[i], limit);
    }
    a.significance = Some(labels);
    Ok(a)
}

fn rate(units: &Units, r: &Resolved, limit: Limit) -> Result<Assessment> {
    let plims = poisson_limits()?;
    let av = rate_baseline(units)?;
    let m = r.multiplier;
    let dsr = r.statistic == Statistic::RateDsr;
    let method = format!("phe {} Poisson", r.statistic);
    let mut a = Assessment::new(units.len(), av * m, &method);
    let mus: Vec<f64> = units.n.iter().map(|&d| av * d).collect();
    let limits = poisson_limits_at(&mus)?;
    let labels: Vec<&'static str> = (0..units.len())
        .into_par_iter()
        .map(|i| {
            let (o, d) = (units.o[i], units.n[i]);
            if dsr && o < 10.0 {
                NOT_APPLICABLE
            } else {
                poisson_significance(o, d, av, &plims)
            }
        })
        .collect();
    // Only PHE rates reach here, and `resolve` requires years_of_data for them.
    let years = r.years_of_data.unwrap_or(f64::NAN);
    let (mut chart, mut per_year) = (vec![f64::NAN; units.len()], vec![f64::NAN; units.len()]);
    for (i, l) in limits.iter().enumerate() {
        a.value[i] = units.rate[i];
        a.limits[i] = l.map(|v| v * av * m);
        a.outlier[i] = flags(labels[i], limit);
        // calculate_funnel_points: DSRs below 10 events are not charted.
        if !(dsr && units.o[i] < 10.0) {
            chart[i] = units.rate[i];
            per_year[i] = units.n[i] / years;
        }
    }
    a.significance = Some(labels);
    a.chart = Some((chart, per_year));
    Ok(a)
}
