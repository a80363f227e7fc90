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
    // Each term with its first-order part taken out, x = r − 1 (r ln r = [(1 + x) ln(1 + x)
    // − x] + x, −ln r = [x − ln(1 + x)] − x): the bracket is ≈ x²/2, and Σ p x is 0 when μ
    // is the population-weighted mean of the values as given, so only what departs from
    // that is added back (the zeros counted as 10⁻⁶, a setting average). Summed as p r ln r,
    // close subgroups lost digits (1e-10 at a 0.3 % spread) and TI could come out negative.
    let x: Vec<f64> = y
        .iter()
        .map(|&v| ((if v == 0.0 { 1e-6 } else { v }) - mu) / mu)
        .collect();
    let mut drift: f64 = (0..y.len())
        .filter(|&j| y[j] == 0.0)
        .map(|j| p[j] * 1e-6 / mu)
        .sum();
    if c.opts.setting_average.is_some() {
        drift += (0..y.len()).map(|j| p[j] * y[j]).sum::<f64>() / mu - 1.0;
    }
    let theil_term = |x: f64| (1.0 + x) * x.ln_1p() - x;
    let mld_term = |x: f64| x - x.ln_1p();
    // The standard errors relative to the mean (se/μ) before any square: se² and μ² of values
    // near 1e300 overflowed, and near 1e-300 underflowed, where their ratio is ordinary.
    if m == Measure::Ti {
        out.value = 1000.0 * ((0..y.len()).map(|j| p[j] * theil_term(x[j])).sum::<f64>() + drift);
        if let Some(se) = &t.se {
            let k: f64 = (0..y.len()).map(|j| p[j] * r[j] * (1.0 + r[j].ln())).sum();
            let v: f64 = (0..y.len())
                .map(|j| ((1.0 + r[j].ln() - k) * p[j] * (se[j] / mu)).powi(2))
                .sum();
            normal(out, z, 1000.0 * v.sqrt());
        }
    } else {
        out.value = 1000.0 * ((0..y.len()).map(|j| p[j] * mld_term(x[j])).sum::<f64>() - drift);
        if let Some(se) = &t.se {
            let v: f64 = (0..y.len())
                .map(|j| (p[j] * (se[j] / mu) * (1.0 - 1.0 / r[j])).powi(2))
                .sum();
            normal(out, z, 1000.0 * v.sqrt());
        }
    }
    Ok(())
}
