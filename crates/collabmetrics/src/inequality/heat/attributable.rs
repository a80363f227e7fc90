//! The attributable measures: population attributable risk (PAR, the indicator's units) and
//! fraction (PAF, %): how much the setting's mean would improve were every subgroup as the
//! reference (given, the most advantaged on an ordered dimension, or the best), with
//! analytic intervals.

use super::pairwise::best;
use super::{normal, Call, Measure, MeasureResult};
use crate::error::Result;
use crate::inequality::grouped::{group_error, Favourable};

/// PAF or PAR into `out`.
pub(super) fn measure(call: &Call, out: &mut MeasureResult) -> Result<()> {
    let (t, y, mu, m, z) = (&call.t, &call.t.y, call.t.mu, call.m, call.z);
    // Set: PAF and PAR need it (checked by the dispatcher).
    let fav = call.fav.unwrap_or(Favourable::High);
    t.check_range(
        t.scale,
        m,
        "its interval takes each value over the scale as a proportion",
    )?;
    let rf = match t.reference {
        Some(r) => r,
        None if call.opts.ordered => y.len() - 1,
        None => best(y, fav),
    };
    if t.n[rf] <= 0.0 {
        return Err(group_error(
            &t.g[rf].label,
            format!("{} needs the reference subgroup's population", m.as_str()),
        ));
    }
    let mut par = y[rf] - mu;
    if (fav == Favourable::High && par < 0.0) || (fav == Favourable::Low && par > 0.0) {
        par = 0.0;
    }
    let total: f64 = t.n.iter().sum();
    let (pi_ref, pi) = (y[rf] / t.scale, mu / t.scale);
    let c = pi_ref * t.n[rf];
    let d = t.n[rf] - c;
    let a = pi * total - c;
    let b = total - a - t.n[rf];
    let s = (c * total * (a * d * (total - c) + b * c * c) / ((a + c).powi(3) * (c + d).powi(3)))
        .sqrt();
    if m == Measure::Par {
        out.value = par;
        if s.is_finite() {
            normal(out, z, mu * s);
        }
    } else {
        out.value = 100.0 * par / mu;
        if s.is_finite() {
            normal(out, z, 100.0 * s);
        }
    }
    Ok(())
}
