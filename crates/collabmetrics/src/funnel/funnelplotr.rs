//! The FunnelPlotR family (`funnel_plot()`): Spiegelhalter's funnels with overdispersion for
//! standardised ratios (SR), proportions (PR) and ratios of counts (RC).

use super::curve::Curves;
use super::dispersion::{phi, tau2, truncate, winsorise};
use super::limits::{normal_limits, outside, Spec};
use super::options::{FunnelOptions, Limit, Resolved, SrMethod, Statistic};
use super::poisson::sr_exact;
use super::transform::{transform, Kind};
use super::units::Units;
use super::Assessment;
use crate::error::{Error, Result};
use crate::table::Diagnostics;
use rayon::prelude::*;

/// The FunnelPlotR data type of a statistic.
pub(crate) fn kind(statistic: Statistic, sr_method: SrMethod) -> Kind {
    match (statistic, sr_method) {
        (Statistic::Pr | Statistic::Proportion, _) => Kind::Pr,
        (Statistic::Rc, _) => Kind::Rc,
        (_, SrMethod::Shmi) => Kind::SrShmi,
        (_, SrMethod::Cqc) => Kind::SrCqc,
    }
}

/// R's `round(x, 2)` (R ≥ 4.0): of the two neighbours with two decimals, the one nearer x,
/// the even one on an exact tie.
pub fn round2(x: f64) -> f64 {
    let scaled = x * 100.0;
    let (lo, hi) = (scaled.floor(), scaled.ceil());
    if lo == hi {
        return lo / 100.0;
    }
    let (a, b) = (lo / 100.0, hi / 100.0);
    let (da, db) = (x - a, b - x);
    if da < db || (da == db && lo % 2.0 == 0.0) {
        a
    } else {
        b
    }
}

/// The units as FunnelPlotR uses them: SR/SHMI expected counts rounded to 2 decimals, and
/// units with 0 events under SR/SHMI left out when the caller asks (counted), an error
/// naming the unit otherwise.
pub(crate) fn prepare(
    mut units: Units,
    o: &FunnelOptions,
    r: &Resolved,
    diag: &mut Diagnostics,
) -> Result<Units> {
    if kind(r.statistic, o.sr_method) != Kind::SrShmi {
        return Ok(units);
    }
    if o.shmi_rounding {
        for (i, n) in units.n.iter_mut().enumerate() {
            *n = round2(*n);
            if *n <= 0.0 {
                return Err(Error::group_error(
                    units.label(i),
                    "its expected count rounds to 0 at 2 decimals (SHMI rounding): no SR; set \
                     shmi_rounding = false or leave the unit out",
                ));
            }
        }
    }
    let zero: Vec<usize> = (0..units.len()).filter(|&i| units.o[i] == 0.0).collect();
    if let Some(&first) = zero.first() {
        if !o.exclude_zero_sr {
            return Err(Error::group_error(
                units.label(first),
                "0 observed events: SR/SHMI's z-score sqrt(E)·ln(O/E) is -infinity at O = 0; \
                 pass exclude_zero_sr = true to leave such units out (they are counted), or use \
                 sr_method = \"CQC\"",
            ));
        }
        let first_row = zero.iter().map(|&i| units.first_row[i]).min();
        diag.add(
            "zero_observed_sr",
            "unit left out: SR/SHMI has no z-score at 0 events (exclude_zero_sr)",
            zero.len() as u64,
            first_row,
        );
        let keep: Vec<bool> = units.o.iter().map(|&x| x != 0.0).collect();
        units = units.select(&keep)?;
    }
    Ok(units)
}

/// The target θ on the value scale: 1 for SR, ΣO/Σn for PR and RC.
pub(crate) fn target(kind: Kind, units: &Units) -> Result<f64> {
    if matches!(kind, Kind::SrShmi | Kind::SrCqc) {
        return Ok(1.0);
    }
    let theta = units.o.iter().sum::<f64>() / units.n.iter().sum::<f64>();
    if kind == Kind::Rc && theta <= 0.0 {
        return Err(Error::invalid_argument(
            "numerator",
            "every numerator is 0: the RC target ln(ΣO/Σn) is undefined",
        ));
    }
    Ok(theta)
}

/// φ, τ² and the adjustment decision of one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Dispersion {
    /// φ as reported (0 when `draw_adjusted` is false, as FunnelPlotR reports).
    pub phi: f64,
    /// τ² as reported (0 when `draw_adjusted` is false), used for the OD limits.
    pub tau2: f64,
    /// Units behind φ.
    pub m: usize,
    /// Whether the OD-adjusted limits are drawn (and flag outliers): asked for and φ > 1.
    pub adjusted: bool,
}

/// Every unit of the FunnelPlotR family.
pub(crate) fn assess(
    units: &Units,
    o: &FunnelOptions,
    r: &Resolved,
    diag: &mut Diagnostics,
) -> Result<(Assessment, Spec)> {
    let kind = kind(r.statistic, o.sr_method);
    let theta = target(kind, units)?;
    let t = transform(kind, &units.o, &units.n, theta);
    let trimmed = if kind == Kind::SrShmi {
        truncate(&t.z, o.trim_by)
    } else {
        winsorise(&t.z, o.trim_by)
    };
    let n_trimmed = trimmed.trimmed.iter().filter(|&&x| x).count();
    let first = (0..units.len())
        .filter(|&i| trimmed.trimmed[i])
        .map(|i| units.first_row[i])
        .min();
    if kind == Kind::SrShmi {
        diag.add(
            "truncated",
            "z-score left out of phi by SHMI truncation (the unit is still assessed)",
            n_trimmed as u64,
            first,
        );
    } else {
        diag.add(
            "winsorised",
            "z-score at or beyond a trim quantile: clamped to it for phi (the unit is still assessed)",
            n_trimmed as u64,
            first,
        );
    }
    let d = if o.draw_adjusted {
        if trimmed.m < 2 {
            return Err(Error::invalid_argument(
                "draw_adjusted",
                format!(
                    "overdispersion needs at least 2 units for phi and tau2 ({} left after \
                     trimming); pass draw_adjusted = false",
                    trimmed.m
                ),
            ));
        }
        let p = phi(&trimmed);
        Dispersion {
            phi: p,
            tau2: tau2(&trimmed, p, &t.s),
            m: trimmed.m,
            adjusted: p > 1.0,
        }
    } else {
        Dispersion {
            phi: 0.0,
            tau2: 0.0,
            m: trimmed.m,
            adjusted: false,
        }
    };
    let spec = Spec::new(kind, o.funnelplotr_compat, theta, d.tau2);
    let m = r.multiplier;
    let method = format!(
        "funnelplotr {}{} {}",
        r.statistic,
        if matches!(kind, Kind::SrShmi | Kind::SrCqc) {
            format!("/{}", o.sr_method)
        } else {
            String::new()
        },
        if o.funnelplotr_compat {
            "compat"
        } else {
            "corrected"
        }
    );
    let mut a = Assessment::new(units.len(), theta * m, &method);
    let unadjusted = unadjusted_limits(&spec, &units.n, m)?;
    let level = usize::from(o.limit == Limit::L99);
    let rows: Vec<([f64; 4], bool)> = (0..units.len())
        .into_par_iter()
        .map(|i| {
            let od = normal_limits(&spec, units.n[i], d.tau2).map(|v| v * m);
            let pair = if d.adjusted { od } else { unadjusted[i] };
            let value = units.o[i] / units.n[i] * m;
            (od, outside(value, pair[2 * level], pair[2 * level + 1]))
        })
        .collect();
    for (i, (od, out)) in rows.into_iter().enumerate() {
        a.value[i] = units.o[i] / units.n[i] * m;
        a.z[i] = t.z[i];
        a.z_adjusted[i] = trimmed.w[i];
        a.trimmed[i] = Some(trimmed.trimmed[i]);
        a.limits[i] = unadjusted[i];
        a.od[i] = od;
        a.outlier[i] = Some(out);
    }
    a.phi = d.phi;
    a.tau2 = d.tau2;
    a.m = Some(d.m);
    a.adjusted = d.adjusted;
    Ok((a, spec))
}

/// The unadjusted limits at each denominator x, × multiplier `m`: exact Poisson for SR
/// (target 1), the normal-scale limits with τ² = 0 for PR and RC.
pub(crate) fn unadjusted_limits(spec: &Spec, xs: &[f64], m: f64) -> Result<Vec<[f64; 4]>> {
    match spec.kind {
        Kind::SrShmi | Kind::SrCqc => {
            let curves = Curves::build(xs, &sr_exact)?;
            xs.par_iter()
                .map(|&x| Ok(curves.eval(x, &sr_exact)?.map(|v| v * m)))
                .collect()
        }
        Kind::Pr | Kind::Rc => Ok(xs
            .par_iter()
            .map(|&x| normal_limits(spec, x, 0.0).map(|v| v * m))
            .collect()),
    }
}
