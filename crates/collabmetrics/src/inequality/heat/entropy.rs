//! The entropy measures of a non-ordered dimension: Theil's index (TI) and the mean log
//! deviation (MLD), × 1000, in HEAT's convention (a value of 0 counts as 10⁻⁶; μ is the setting
//! average when one is given), with analytic intervals. Without a setting average and zeros
//! they are 1000 × the individual [`crate::inequality::theil`] and
//! [`crate::inequality::mld`] of the subgroup values weighted by their populations.

use super::{normal, Call, Measure, MeasureResult};
use crate::error::{format_value, Result};
use crate::inequality::grouped::group_error;

/// TI or MLD into `out`.
pub(super) fn measure(c: &Call, out: &mut MeasureResult) -> Result<()> {
    let (t, y, p, mu, m, z) = (&c.t, &c.t.y, &c.t.p, c.t.mu, c.m, c.z);
    let r: Vec<f64> = y
        .iter()
        .map(|&v| (if v == 0.0 { 1e-6 } else { v }) / mu)
        .collect();
    for (j, &v) in y.iter().enumerate() {
        if v < 0.0 {
            return Err(group_error(
                &t.g[j].label,
                format!("{} needs values ≥ 0 (got {})", m.as_str(), format_value(v)),
            ));
        }
    }
    if m == Measure::Ti {
        out.value = 1000.0 * (0..y.len()).map(|j| p[j] * r[j] * r[j].ln()).sum::<f64>();
        if let Some(se) = &t.se {
            let k: f64 = (0..y.len()).map(|j| p[j] * r[j] * (1.0 + r[j].ln())).sum();
            let v: f64 = (0..y.len())
                .map(|j| (1.0 + r[j].ln() - k).powi(2) * p[j] * p[j] * se[j] * se[j] / (mu * mu))
                .sum();
            normal(out, z, 1000.0 * v.sqrt());
        }
    } else {
        out.value = 1000.0 * (0..y.len()).map(|j| -p[j] * r[j].ln()).sum::<f64>();
        if let Some(se) = &t.se {
            let v: f64 = (0..y.len())
                .map(|j| p[j] * p[j] * se[j] * se[j] * (1.0 - 1.0 / r[j]).powi(2) / (mu * mu))
                .sum();
            normal(out, z, 1000.0 * v.sqrt());
        }
    }
    Ok(())
}
