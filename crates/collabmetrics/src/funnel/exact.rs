//! Spiegelhalter's interpolated exact limits (2005, Statistics in Medicine 24:1185, appendix):
//! for a tail probability p, R ~ Binomial(x, θ) (proportions) or Poisson(x · 1) (standardised
//! ratios), r_p the smallest integer with P(R ≤ r_p) ≥ p,
//!
//! ```text
//! α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1)),  limit_p(x) = (r_p − α) / x,
//! ```
//!
//! clamped to [0, 1] (binomial) or [0, ∞) (Poisson). No overdispersion adjustment: the spec
//! recommends offering only FunnelPlotR's additive τ² for now.

use super::limits::outside;
use super::options::{Limit, Resolved, Statistic};
use super::units::Units;
use super::Assessment;
use crate::cancel::Token;
use crate::error::{Error, Result};
use crate::table::groups::FastMap;
use rayon::prelude::*;
use statrs::distribution::{Binomial, DiscreteCDF, Poisson};

/// The tail probabilities of the four limits: lower 95%, upper 95%, lower 99.8%, upper 99.8%.
const PS: [f64; 4] = [0.025, 0.975, 0.001, 0.999];

/// The distribution of the count R at denominator x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// Binomial(x, θ); x must be a whole number.
    Binomial(f64),
    /// Poisson(x · target).
    Poisson(f64),
}

/// The interpolated limit for tail probability p from the CDF of R.
fn interpolated(cdf: impl Fn(u64) -> f64, guess: f64, max: u64, p: f64, x: f64) -> f64 {
    let start = (guess.max(0.0).floor() as u64).min(max);
    let r = crossing(&cdf, start, max, p);
    let (at, below) = (cdf(r), if r == 0 { 0.0 } else { cdf(r - 1) });
    let alpha = if at > below {
        (at - p) / (at - below)
    } else {
        0.0
    };
    (r as f64 - alpha) / x
}

/// r_p: the smallest r in [0, max] with cdf(r) ≥ p (max when there is none), searched from
/// the normal approximation `start` outwards in doubling steps until the crossing is
/// bracketed, then by bisection: O(log |r_p − start|) evaluations of the CDF, where stepping
/// one count at a time never ended at denominators near 1e16. The CDF is monotone, so this
/// finds the count the one-at-a-time walk from `start` found.
fn crossing(cdf: &impl Fn(u64) -> f64, start: u64, max: u64, p: f64) -> u64 {
    // Bracket: cdf(lo) < p ≤ cdf(hi), lo < hi.
    let (lo, hi) = if start > 0 && cdf(start - 1) >= p {
        // Below start: gallop down until the CDF falls below p (or 0 is reached).
        let (mut hi, mut step) = (start - 1, 1u64);
        loop {
            if hi == 0 {
                return 0;
            }
            let next = hi.saturating_sub(step);
            if cdf(next) < p {
                break (next, hi);
            }
            hi = next;
            step = step.saturating_mul(2);
        }
    } else {
        // At or above start: gallop up until the CDF reaches p (or max is reached).
        if cdf(start) >= p {
            return start;
        }
        let (mut lo, mut step) = (start, 1u64);
        loop {
            if lo >= max {
                return max;
            }
            let next = lo.saturating_add(step).min(max);
            if cdf(next) >= p {
                break (lo, next);
            }
            lo = next;
            step = step.saturating_mul(2);
        }
    };
    let (mut lo, mut hi) = (lo, hi);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if cdf(mid) >= p {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The largest denominator (binomial) or expected count (Poisson) of the exact limits: beyond
/// about 10¹⁵ the CDFs of `statrs` lose their accuracy (at 10¹⁶ the Poisson CDF returns values
/// outside [0, 1]), so a limit there would be as wrong as they are.
pub const MAX_EXACT: f64 = 1.0e15;

/// The four limits of `model` at denominator x, on the ratio / proportion scale.
pub fn limits(model: Model, x: f64) -> Result<[f64; 4]> {
    limits_carried(model, x, crate::cancel::current().as_ref())
}

/// [`limits`], cancelled through a token carried into a worker thread. Each CDF evaluation
/// costs about √(expected count) steps (a second at 10¹⁵), so the token is read at every one;
/// once it is cancelled, the CDF reads 1, the searches end within a few steps, and the
/// result is the cancellation.
pub(crate) fn limits_carried(model: Model, x: f64, token: Option<&Token>) -> Result<[f64; 4]> {
    // Once seen cancelled, the search's result is wrong: it is the cancellation whatever the
    // token says by the end (a C flag may be cleared again).
    let stopped = std::cell::Cell::new(false);
    let out = limits_of(model, x, &|| {
        if crate::cancel::is_set(token) {
            stopped.set(true);
        }
        stopped.get()
    });
    if stopped.get() {
        return Err(crate::cancel::cancelled());
    }
    crate::cancel::check_carried(token)?;
    out
}

/// The limits; once `stop` says so, every CDF reads 1 (see [`limits_carried`]).
fn limits_of(model: Model, x: f64, stop: &dyn Fn() -> bool) -> Result<[f64; 4]> {
    let size = match model {
        Model::Binomial(_) => x,
        Model::Poisson(target) => x * target,
    };
    if size > MAX_EXACT {
        return Err(Error::invalid_argument(
            "denominator",
            format!(
                "exact limits are computed up to a denominator (expected count) of 1e15, where \
                 the CDFs they rest on are accurate (got {}); at such sizes the exact and \
                 normal-approximation limits agree to many digits",
                crate::error::format_value(size)
            ),
        ));
    }
    let z = [
        -1.959963984540054,
        1.959963984540054,
        -3.090232306167813,
        3.090232306167813,
    ];
    let mut out = [0.0; 4];
    match model {
        Model::Binomial(theta) => {
            if !(x.fract() == 0.0 && (1.0..9.0e15).contains(&x)) {
                return Err(Error::invalid_argument(
                    "denominator",
                    format!(
                        "exact binomial limits need a whole-number denominator (got {})",
                        crate::error::format_value(x)
                    ),
                ));
            }
            let n = x as u64;
            let dist = Binomial::new(theta, n)
                .map_err(|e| Error::invalid_argument("target", format!("binomial: {e}")))?;
            let (mean, sd) = (x * theta, (x * theta * (1.0 - theta)).sqrt());
            for (i, &p) in PS.iter().enumerate() {
                let v = interpolated(
                    |r| if stop() { 1.0 } else { dist.cdf(r) },
                    mean + z[i] * sd,
                    n,
                    p,
                    x,
                );
                out[i] = v.clamp(0.0, 1.0);
            }
        }
        Model::Poisson(target) => {
            let mu = x * target;
            let dist = Poisson::new(mu)
                .map_err(|e| Error::invalid_argument("denominator", format!("Poisson: {e}")))?;
            for (i, &p) in PS.iter().enumerate() {
                let guess = mu + z[i] * mu.sqrt();
                let v = interpolated(
                    |r| if stop() { 1.0 } else { dist.cdf(r) },
                    guess,
                    u64::MAX / 2,
                    p,
                    x,
                );
                out[i] = v.max(0.0);
            }
        }
    }
    Ok(out)
}

/// The model of a call: binomial at θ = ΣO/Σn (proportions) or Poisson with target 1 (SR).
pub(crate) fn model(statistic: Statistic, units: &Units) -> Model {
    if statistic == Statistic::Sr {
        Model::Poisson(1.0)
    } else {
        Model::Binomial(units.o.iter().sum::<f64>() / units.n.iter().sum::<f64>())
    }
}

/// Every unit of the Spiegelhalter exact family.
pub(crate) fn assess(units: &Units, r: &Resolved, limit: Limit) -> Result<Assessment> {
    let model = model(r.statistic, units);
    let (target, name) = match model {
        Model::Binomial(theta) => (theta, "binomial"),
        Model::Poisson(t) => (t, "Poisson"),
    };
    let m = r.multiplier;
    let method = format!("spiegelhalter_exact {} {name}", r.statistic);
    let mut a = Assessment::new(units.len(), target * m, &method);
    // Once per distinct denominator: a funnel's units often share theirs (equal list sizes,
    // rounded populations), and an exact limit costs up to a second.
    let mut index: FastMap<u64, usize> = FastMap::default();
    let mut distinct = Vec::new();
    let which: Vec<usize> = units
        .n
        .iter()
        .map(|&x| {
            *index.entry(x.to_bits()).or_insert_with(|| {
                distinct.push(x);
                distinct.len() - 1
            })
        })
        .collect();
    let token = crate::cancel::current();
    let computed: Vec<Result<[f64; 4]>> = distinct
        .par_iter()
        .map(|&x| limits_carried(model, x, token.as_ref()))
        .collect();
    crate::cancel::check_carried(token.as_ref())?;
    let level = usize::from(limit == Limit::L99);
    for (i, &k) in which.iter().enumerate() {
        // The first unit (in row order) whose denominator has no limits names the error.
        let l = computed[k]
            .as_ref()
            .map_err(|e| Error::group_error(units.label(i), e.to_string()))?;
        let value = units.o[i] / units.n[i] * m;
        a.value[i] = value;
        a.limits[i] = l.map(|v| v * m);
        a.outlier[i] = Some(outside(value, l[2 * level] * m, l[2 * level + 1] * m));
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's table (section C), computed from the formula.
    #[test]
    fn spec_vectors() {
        let b = |x: f64| limits(Model::Binomial(0.2), x).unwrap();
        let p = |x: f64| limits(Model::Poisson(1.0), x).unwrap();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        close(b(20.0)[2], 0.0);
        close(b(20.0)[0], 0.01168404345);
        close(b(20.0)[1], 0.36611547945);
        close(b(20.0)[3], 0.48925412628);
        close(b(100.0)[0], 0.11974223272);
        close(b(100.0)[1], 0.27647608503);
        close(b(500.0)[2], 0.14548955827);
        close(b(500.0)[3], 0.25589465501);
        close(p(20.0)[2], 0.3584593554);
        close(p(20.0)[0], 0.5602500519);
        close(p(20.0)[1], 1.4372884335);
        close(p(20.0)[3], 1.7356764287);
        close(p(100.0)[0], 0.8036633712);
        close(p(100.0)[1], 1.1958089485);
        close(p(500.0)[2], 0.8636775289);
        close(p(500.0)[3], 1.1400068647);
    }

    #[test]
    fn the_crossing_is_the_smallest_count_whose_cdf_reaches_p() {
        // By definition r_p = min{r : P(R ≤ r) ≥ p}: a scan from 0 finds it; the search must
        // agree from any start, above or below it.
        for (mu, n) in [(0.3, 0), (4.0, 0), (37.5, 0), (8.0, 40), (150.0, 600)] {
            let cdf = |r: u64| -> f64 {
                if n == 0 {
                    Poisson::new(mu).unwrap().cdf(r)
                } else {
                    Binomial::new(mu / n as f64, n).unwrap().cdf(r)
                }
            };
            let max = if n == 0 { u64::MAX / 2 } else { n };
            for p in PS {
                let scan = (0..).find(|&r| cdf(r) >= p).unwrap();
                for start in [0, 1, scan / 2, scan, scan + 1, 2 * scan + 3, 5 * scan + 50] {
                    let start = start.min(max);
                    assert_eq!(crossing(&cdf, start, max, p), scan, "{mu} {n} {p} {start}");
                }
            }
        }
    }

    #[test]
    fn a_far_guess_costs_a_few_dozen_cdf_evaluations() {
        // A uniform CDF on [0, 1e12]: P(R ≤ r) = r / 1e12, so r_p = 2.5e10 for p = 0.025
        // (2.5e10 / 1e12 = 0.025, and 24_999_999_999 / 1e12 < 0.025), with P(R ≤ r_p) = p
        // exactly: α = 0 and the limit is r_p / x = 0.025 at x = 1e12. From a guess of 0 or
        // 1e12 a walk one count at a time takes ~1e10 steps; doubling then bisecting takes
        // about 2·log2(1e10) ≈ 70.
        let calls = std::cell::Cell::new(0u32);
        let cdf = |r: u64| {
            calls.set(calls.get() + 1);
            assert!(calls.get() < 200, "too many CDF evaluations");
            (r as f64 / 1e12).min(1.0)
        };
        for guess in [0.0, 1e12] {
            calls.set(0);
            assert_eq!(interpolated(cdf, guess, u64::MAX / 2, 0.025, 1e12), 0.025);
        }
    }

    #[test]
    fn the_raw_binomial_limit_below_zero_is_clamped() {
        // x = 20, p = 0.001: r_p = 0 with P(R = 0) = 0.8^20 = 0.01153; alpha = (0.01153 -
        // 0.001)/0.01153; (0 - alpha)/20 = -0.0457 before clamping.
        let at = 0.8f64.powi(20);
        let raw = -((at - 0.001) / at) / 20.0;
        assert!((raw + 0.0457).abs() < 1e-4);
        assert_eq!(limits(Model::Binomial(0.2), 20.0).unwrap()[2], 0.0);
        assert!(limits(Model::Binomial(0.2), 20.5).is_err());
    }

    #[test]
    fn sizes_beyond_the_accurate_cdfs_are_refused() {
        // Up to 1e15 the limits are computed; beyond it (where statrs' Poisson CDF leaves
        // [0, 1] at 1e16) an error names the denominator rather than a wrong limit.
        assert!(limits(Model::Poisson(1.0), 1e15).is_ok());
        for model in [Model::Poisson(1.0), Model::Binomial(0.5)] {
            let e = limits(model, 2e15).unwrap_err().to_string();
            assert!(e.contains("`denominator`") && e.contains("1e15"), "{e}");
        }
        assert!(
            limits(Model::Poisson(10.0), 2e14).is_err(),
            "the expected count counts"
        );
    }

    /// A cancelled call ends at once even where one CDF evaluation takes a second (an
    /// expected count of 10¹⁵ took 14 s a unit, deaf to Ctrl-C).
    #[test]
    fn a_cancelled_token_ends_the_largest_limits_at_once() {
        let token = Token::new();
        token.cancel();
        let started = std::time::Instant::now();
        let e = limits_carried(Model::Poisson(1.0), MAX_EXACT, Some(&token)).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Cancelled);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // Uncancelled, a small one is the same as without a token.
        let free = Token::new();
        assert_eq!(
            limits_carried(Model::Poisson(1.0), 40.0, Some(&free)).unwrap(),
            limits(Model::Poisson(1.0), 40.0).unwrap()
        );
    }
}
