//! Time to the first attended adult contact: the Kaplan–Meier estimate of the share still
//! without one (Greenwood variance, log(−log) interval; Kaplan & Meier 1958, Greenwood 1926),
//! or the Aalen–Johansen cumulative incidence of a contact with death as a competing event
//! (variance as Collett 2015 §12.2 / SAS PROC LIFETEST, log(−log) interval, as lifelines).

use crate::error::{Error, Result};
use crate::stats::z_value;
use serde::{Deserialize, Serialize};

crate::option_enum! {
    /// Which curve.
    #[derive(Default)]
    pub enum CurveMethod: "method", "curve method" {
        /// Share still without an attended adult contact; deaths censored.
        #[default]
        KaplanMeier = "kaplan_meier",
        /// Cumulative incidence of an attended adult contact; death a competing event.
        AalenJohansen = "aalen_johansen",
    }
}

/// Options of the time-to-contact curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CurveOptions {
    /// Kaplan–Meier (default) or Aalen–Johansen.
    pub method: CurveMethod,
    /// Level of the pointwise interval (default 0.95).
    pub confidence: f64,
}

impl Default for CurveOptions {
    fn default() -> Self {
        CurveOptions {
            method: CurveMethod::KaplanMeier,
            confidence: crate::stats::DEFAULT_CONFIDENCE,
        }
    }
}

/// One row per distinct time (time 0 always first): people at risk just before it, contacts
/// (events), deaths and censorings at it, and the estimate with its interval.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Curve {
    /// Days since the start of follow-up.
    pub time: Vec<i32>,
    /// People still followed up and without a contact just before `time`.
    pub at_risk: Vec<u64>,
    /// First attended adult contacts at `time`.
    pub events: Vec<u64>,
    /// Deaths without a contact at `time`.
    pub deaths: Vec<u64>,
    /// Censored at this time; under Kaplan–Meier deaths are counted here too.
    pub censored: Vec<u64>,
    /// Kaplan–Meier: the share still without a contact after `time`; Aalen–Johansen: the
    /// cumulative incidence of a contact by `time`.
    pub estimate: Vec<f64>,
    /// Lower pointwise limit of `estimate` (log(−log) interval).
    pub lower: Vec<f64>,
    /// Upper pointwise limit of `estimate` (log(−log) interval).
    pub upper: Vec<f64>,
}

/// Outcome of a follow-up (the `status` of [`curve`]): censored, still without a contact at its
/// end.
pub const CENSORED: u8 = 0;
/// Outcome of a follow-up: an attended adult contact, the event.
pub const EVENT: u8 = 1;
/// Outcome of a follow-up: death before a contact (a competing event for Aalen–Johansen,
/// censored for Kaplan–Meier).
pub const DEATH: u8 = 2;

/// The curve of `time` (days, ≥ 0) and `status` ([`CENSORED`], [`EVENT`], [`DEATH`]).
pub fn curve(time: &[i32], status: &[u8], method: CurveMethod, confidence: f64) -> Result<Curve> {
    crate::error::check_len("status", status.len(), "time", time.len())?;
    z_value(confidence)?;
    if let Some(i) = time.iter().position(|&t| t < 0) {
        return Err(Error::InvalidValue {
            argument: "time".into(),
            index: i,
            value: time[i].to_string(),
            rule: "times must be 0 or more".into(),
        });
    }
    if let Some(i) = status.iter().position(|&s| s > DEATH) {
        return Err(Error::InvalidValue {
            argument: "status".into(),
            index: i,
            value: status[i].to_string(),
            rule: "0 censored, 1 event, 2 death".into(),
        });
    }
    let mut counts: Vec<(i32, Outcomes)> = Vec::new();
    let mut order: Vec<u32> = (0..time.len() as u32).collect();
    order.sort_unstable_by_key(|&i| time[i as usize]);
    for i in order {
        let t = time[i as usize];
        if counts.last().is_none_or(|c| c.0 != t) {
            counts.push((t, Outcomes::default()));
        }
        if let Some((_, c)) = counts.last_mut() {
            c.add(status[i as usize], 1);
        }
    }
    curve_of_counts(&counts, method, confidence)
}

/// The outcomes at one time: contacts (events), deaths before a contact, censorings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Outcomes {
    /// Attended adult contacts.
    pub events: u64,
    /// Deaths without a contact.
    pub deaths: u64,
    /// Censored.
    pub censored: u64,
}

impl Outcomes {
    /// Adds `n` follow-ups ending with `status`.
    pub(crate) fn add(&mut self, status: u8, n: u64) {
        match status {
            EVENT => self.events += n,
            DEATH => self.deaths += n,
            _ => self.censored += n,
        }
    }
}

/// The curve of the outcomes at each distinct time (ascending): the one computation behind
/// [`curve`] and the finishing of a merged state (people at risk are those not yet out at
/// an earlier time, so per-time counts are all a merge needs).
pub(crate) fn curve_of_counts(
    counts: &[(i32, Outcomes)],
    method: CurveMethod,
    confidence: f64,
) -> Result<Curve> {
    let z = z_value(confidence)?;
    let mut c = Curve::default();
    let mut at_risk: u64 = counts
        .iter()
        .map(|(_, o)| o.events + o.deaths + o.censored)
        .sum();
    let (mut surv, mut greenwood, mut cif) = (1.0f64, 0.0f64, 0.0f64);
    // The Aalen–Johansen variance's sums, kept up to date as F grows ([`AjVariance`]).
    let mut aj = AjVariance::default();
    // Time 0 always first, with no outcomes when nobody ends there.
    let zero = (0, Outcomes::default());
    let lead = counts.first().is_none_or(|c| c.0 > 0).then_some(&zero);
    for &(t, o) in lead.into_iter().chain(counts) {
        let (d, deaths, cens) = (o.events, o.deaths, o.censored);
        let n = at_risk as f64;
        let (estimate, lower, upper) = match method {
            CurveMethod::KaplanMeier => {
                if d > 0 {
                    surv *= 1.0 - d as f64 / n;
                    greenwood += if d as f64 == n {
                        0.0
                    } else {
                        d as f64 / (n * (n - d as f64))
                    };
                }
                let (lo, hi) = loglog(surv, greenwood.sqrt() / surv.ln().abs(), z);
                (surv, lo, hi)
            }
            CurveMethod::AalenJohansen => {
                let all = (d + deaths) as f64;
                let lagged = surv;
                if all > 0.0 {
                    cif += lagged * d as f64 / n;
                    surv *= 1.0 - all / n;
                    aj.step(cif, all, d as f64, n, lagged);
                }
                let var = aj.variance();
                let (lo, hi) = loglog(cif, var.sqrt() / (cif * cif.ln().abs()), z);
                (cif, lo, hi)
            }
        };
        c.time.push(t);
        c.at_risk.push(at_risk);
        c.events.push(d);
        c.deaths.push(deaths);
        c.censored.push(match method {
            CurveMethod::KaplanMeier => cens + deaths,
            CurveMethod::AalenJohansen => cens,
        });
        c.estimate.push(estimate);
        c.lower.push(lower);
        c.upper.push(upper);
        at_risk -= d + deaths + cens;
    }
    Ok(c)
}

/// The log(−log) interval of a probability `p` whose log(−log) has standard error `se`;
/// 0 and 1 are their own limits (no variance there).
fn loglog(p: f64, se: f64, z: f64) -> (f64, f64) {
    if p <= 0.0 || p >= 1.0 || !se.is_finite() {
        return (p, p);
    }
    let centre = (-p.ln()).ln();
    let a = (-(centre + z * se).exp()).exp();
    let b = (-(centre - z * se).exp()).exp();
    (a.min(b), a.max(b))
}

/// Var F(t) = Σ (F(t) − F(tⱼ))² dⱼ / (nⱼ(nⱼ − dⱼ)) + Σ S(tⱼ₋₁)² d₁ⱼ(nⱼ − d₁ⱼ) / nⱼ³
///          − 2 Σ (F(t) − F(tⱼ)) S(tⱼ₋₁) d₁ⱼ / nⱼ², over event times tⱼ ≤ t, with dⱼ all
/// events (contacts and deaths) and d₁ⱼ contacts (Collett 2015, p. 411).
///
/// Kept as running sums, updated as F grows by δ ≥ 0, so each time costs O(1) (re-summing
/// every earlier step made a curve of 99 000 distinct days take 18 s): with aⱼ and cⱼ the
/// weights of the first and third sums, Q = Σ aⱼ(F − Fⱼ)² gains 2δP + δ²A, P = Σ aⱼ(F − Fⱼ)
/// gains δA and R = Σ cⱼ(F − Fⱼ) gains δC (A = Σ aⱼ, C = Σ cⱼ). Every increment is ≥ 0, so
/// nothing cancels.
#[derive(Debug, Default)]
struct AjVariance {
    /// F at the last step.
    f: f64,
    a: f64,
    p: f64,
    q: f64,
    c: f64,
    r: f64,
    /// The second sum, which does not depend on F.
    b: f64,
}

impl AjVariance {
    /// An event time: F is now `f`; `d` events of all kinds, `d1` contacts, `n` at risk and
    /// S(t−) = `lagged`.
    fn step(&mut self, f: f64, d: f64, d1: f64, n: f64, lagged: f64) {
        let delta = f - self.f;
        self.q += delta * (2.0 * self.p + delta * self.a);
        self.p += delta * self.a;
        self.r += delta * self.c;
        self.f = f;
        // The new step's own F − Fⱼ is 0: only the weights grow.
        if n > d {
            self.a += d / (n * (n - d));
        }
        self.c += lagged * d1 / (n * n);
        self.b += lagged * lagged * d1 * (n - d1) / (n * n * n);
    }

    fn variance(&self) -> f64 {
        (self.q + self.b - 2.0 * self.r).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn kaplan_meier_by_hand() {
        // Times 0 (event), 2 (event), 2 (censored), 3 (death: censored under KM), 5 (event),
        // 7 (censored). S(0) = 5/6; S(2) = 5/6 · 4/5 = 2/3; S(5) = 2/3 · 1/2 = 1/3.
        let time = [0, 2, 2, 3, 5, 7];
        let status = [1, 1, 0, 2, 1, 0];
        let c = curve(&time, &status, CurveMethod::KaplanMeier, 0.95).unwrap();
        assert_eq!(c.time, vec![0, 2, 3, 5, 7]);
        assert_eq!(c.at_risk, vec![6, 5, 3, 2, 1]);
        assert_eq!(c.events, vec![1, 1, 0, 1, 0]);
        assert_eq!(c.censored, vec![0, 1, 1, 0, 1]);
        assert_relative_eq!(c.estimate[1], 2.0 / 3.0, epsilon = 1e-15);
        assert_relative_eq!(c.estimate[3], 1.0 / 3.0, epsilon = 1e-15);
        // Greenwood at t = 2: 1/(6·5) + 1/(5·4) = 1/12; log(−log) interval by hand.
        let s: f64 = 2.0 / 3.0;
        let se = (1.0f64 / 12.0).sqrt() / s.ln().abs();
        let z = 1.959963984540054;
        let lo = (-((-s.ln()).ln() + z * se).exp()).exp();
        let hi = (-((-s.ln()).ln() - z * se).exp()).exp();
        assert_relative_eq!(c.lower[1], lo, epsilon = 1e-14);
        assert_relative_eq!(c.upper[1], hi, epsilon = 1e-14);
    }

    #[test]
    fn aalen_johansen_by_hand() {
        // Same data, death competing. F(0) = 1/6; S(0) = 5/6; F(2) = 1/6 + 5/6 · 1/5 = 1/3;
        // S(2) = 2/3; t = 3 death: S = 2/3 · 2/3 = 4/9; F(5) = 1/3 + 4/9 · 1/2 = 5/9.
        let time = [0, 2, 2, 3, 5, 7];
        let status = [1, 1, 0, 2, 1, 0];
        let c = curve(&time, &status, CurveMethod::AalenJohansen, 0.95).unwrap();
        assert_eq!(c.deaths, vec![0, 0, 1, 0, 0]);
        assert_eq!(c.censored, vec![0, 1, 0, 0, 1]);
        assert_relative_eq!(c.estimate[0], 1.0 / 6.0, epsilon = 1e-15);
        assert_relative_eq!(c.estimate[1], 1.0 / 3.0, epsilon = 1e-15);
        assert_relative_eq!(c.estimate[2], 1.0 / 3.0, epsilon = 1e-15);
        assert_relative_eq!(c.estimate[3], 5.0 / 9.0, epsilon = 1e-15);
        // Variance at t = 0 (one step): S(t−) = 1, d = d1 = 1, n = 6: 5/216.
        let f: f64 = 1.0 / 6.0;
        let se = (5.0f64 / 216.0).sqrt() / (f * f.ln().abs());
        let z = 1.959963984540054;
        let lo = (-((-f.ln()).ln() + z * se).exp()).exp();
        assert_relative_eq!(c.lower[0], lo, epsilon = 1e-14);
    }

    #[test]
    fn time_zero_row_is_always_there_and_bad_input_is_named() {
        let c = curve(&[4], &[0], CurveMethod::KaplanMeier, 0.95).unwrap();
        assert_eq!(c.time, vec![0, 4]);
        assert_eq!(c.estimate, vec![1.0, 1.0]);
        let empty = curve(&[], &[], CurveMethod::KaplanMeier, 0.95).unwrap();
        assert_eq!(empty.time, vec![0]);
        assert!(curve(&[-1], &[1], CurveMethod::KaplanMeier, 0.95).is_err());
        assert!(curve(&[1], &[3], CurveMethod::KaplanMeier, 0.95).is_err());
    }

    /// The running sums give Collett's variance as re-summing every earlier step does (the
    /// formula written out term by term), at each step of a long curve.
    #[test]
    fn the_running_variance_is_the_summed_one() {
        let mut aj = AjVariance::default();
        let mut steps: Vec<(f64, f64, f64, f64, f64)> = Vec::new();
        let (mut n, mut surv, mut cif) = (20_000.0f64, 1.0f64, 0.0f64);
        for k in 0..3000u32 {
            // Deterministic pseudo-random counts: 1 to 3 events, some of them deaths.
            let all = f64::from(1 + k % 3);
            let d1 = f64::from(k % 3 + u32::from(k % 7 == 0)).min(all);
            let lagged = surv;
            cif += lagged * d1 / n;
            surv *= 1.0 - all / n;
            aj.step(cif, all, d1, n, lagged);
            steps.push((cif, all, d1, n, lagged));
            let summed: f64 = steps
                .iter()
                .map(|&(fj, d, d1, n, s)| {
                    let diff = cif - fj;
                    let first = if n > d {
                        diff * diff * d / (n * (n - d))
                    } else {
                        0.0
                    };
                    first + s * s * d1 * (n - d1) / (n * n * n) - 2.0 * diff * s * d1 / (n * n)
                })
                .sum();
            let v = aj.variance();
            assert!(
                (v - summed).abs() <= 1e-12 * summed.abs(),
                "{k}: {v} vs {summed}"
            );
            n -= all + 1.0;
        }
    }
}
