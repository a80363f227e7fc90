//! Limits for a Poisson count: Byar's approximation and the exact chi-squared limits.

use super::gamma::gamma_inverse;
use super::{z_value, Method, RateMethod};
use crate::error::Result;

/// Byar's approximate limits for a count `o` at normal quantile `z`:
/// `O_L = O·(1 − 1/(9O) − z/(3√O))³`, `O_U = (O+1)·(1 − 1/(9(O+1)) + z/(3√(O+1)))³`.
#[inline]
///
/// The approximation is for O ≥ 10 (PHE's rule); for smaller counts the lower limit is
/// floored at 0 (below about O = 1 the cube would go negative, and for subnormal O infinite).
pub fn byar_limits(o: f64, z: f64) -> (f64, f64) {
    let lower = if o == 0.0 {
        0.0
    } else {
        let t = 1.0 - 1.0 / (9.0 * o) - z / (3.0 * o.sqrt());
        let l = o * t * t * t;
        if l.is_finite() {
            l.max(0.0)
        } else {
            0.0
        }
    };
    let o1 = o + 1.0;
    let t = 1.0 - 1.0 / (9.0 * o1) + z / (3.0 * o1.sqrt());
    (lower, o1 * t * t * t)
}

/// Exact Poisson limits from the chi-squared distribution:
/// `O_L = χ²_{α/2}(2O)/2` (0 when O = 0), `O_U = χ²_{1−α/2}(2O+2)/2`, α = 1 − confidence;
/// that is, the gamma quantiles `P(O, O_L) = α/2` and `Q(O + 1, O_U) = α/2`, each solved in
/// the tail where α/2 is small (so both keep full relative precision). The cost does not grow
/// with `O` (see [`super::gamma`]).
///
/// The lower limit is below O (so finite for any finite O); the upper limit is infinite only
/// for counts within a few units of the largest double, whose limit is beyond it.
pub fn exact_limits(o: f64, confidence: f64) -> (f64, f64) {
    let tail = (1.0 - confidence) / 2.0;
    let lower = if o == 0.0 {
        0.0
    } else {
        // Below O for every confidence level; rounding in the largest shapes could step over.
        gamma_inverse(o, tail, true).min(o)
    };
    (lower, gamma_inverse(o + 1.0, tail, false))
}

/// Precomputed limits for one confidence level and method: the exact limits of the small
/// integer counts (0–9, the ones PHE's rule sends to the exact method) are tabulated once, so
/// the hot loop never calls a quantile function for them.
#[derive(Debug, Clone)]
pub struct PoissonLimits {
    z: f64,
    confidence: f64,
    method: RateMethod,
    small: [(f64, f64); 10],
}

impl PoissonLimits {
    /// Validates `confidence` and tabulates the small-count limits.
    pub fn new(confidence: f64, method: RateMethod) -> Result<Self> {
        let z = z_value(confidence)?;
        let mut small = [(0.0, 0.0); 10];
        for (o, slot) in small.iter_mut().enumerate() {
            *slot = exact_limits(o as f64, confidence);
        }
        Ok(PoissonLimits {
            z,
            confidence,
            method,
            small,
        })
    }

    /// The normal quantile of the confidence level.
    pub fn z(&self) -> f64 {
        self.z
    }

    /// Lower and upper limits for the count `o` (assumed finite and >= 0) and the method used:
    /// Byar's for `o >= 10` under [`RateMethod::Byar`], exact otherwise.
    #[inline]
    pub fn limits(&self, o: f64) -> (f64, f64, Method) {
        if self.method == RateMethod::Byar && o >= 10.0 {
            let (l, u) = byar_limits(o, self.z);
            return (l, u, Method::Byar);
        }
        if o < 10.0 && o.fract() == 0.0 {
            let (l, u) = self.small[o as usize];
            return (l, u, Method::Exact);
        }
        let (l, u) = exact_limits(o, self.confidence);
        (l, u, Method::Exact)
    }

    /// One rate `O / n × multiplier` with its limits and method, for a checked row: the single
    /// definition every crude rate of the library goes through.
    #[inline]
    pub fn rate_row(&self, o: f64, n: f64, multiplier: f64, memo: &mut ExactMemo) -> RateRow {
        let (l, u, method) = self.limits_memo(o, memo);
        let scale = multiplier / n;
        RateRow {
            value: per(o, scale, multiplier, n),
            lower: per(l, scale, multiplier, n),
            upper: per(u, scale, multiplier, n),
            method,
        }
    }

    /// [`PoissonLimits::limits`], remembering exact limits in `memo`: a column of counts holds
    /// few distinct values, and each exact pair costs a few microseconds.
    #[inline]
    pub fn limits_memo(&self, o: f64, memo: &mut ExactMemo) -> (f64, f64, Method) {
        if (self.method == RateMethod::Byar && o >= 10.0) || (o < 10.0 && o.fract() == 0.0) {
            return self.limits(o);
        }
        let confidence = self.confidence;
        let (l, u) = *memo
            .0
            .entry(o.to_bits())
            .or_insert_with(|| exact_limits(o, confidence));
        (l, u, Method::Exact)
    }
}

/// `a × multiplier / n` (`scale` = multiplier / n): `a · scale` as long as that is finite,
/// else the other orders of the same product, so that a tiny denominator (whose `scale`
/// overflows) still gives 0 for a zero count and a finite rate wherever the true one is
/// finite. Infinite only when the true value is beyond the largest double (callers refuse it).
#[inline]
pub(crate) fn per(a: f64, scale: f64, multiplier: f64, n: f64) -> f64 {
    let direct = a * scale;
    if direct.is_finite() {
        return direct;
    }
    if a == 0.0 {
        return 0.0;
    }
    let other = a / n * multiplier;
    if other.is_finite() {
        other
    } else {
        a * multiplier / n
    }
}

/// One row of [`PoissonLimits::rate_row`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRow {
    /// `O / n × multiplier`. Value and limits are infinite only when the true number is
    /// beyond the largest double; every caller turns that into an error.
    pub value: f64,
    /// Lower limit on the same scale.
    pub lower: f64,
    /// Upper limit on the same scale.
    pub upper: f64,
    /// The method of the limits.
    pub method: Method,
}

/// Exact limits already computed within one call, by count: see
/// [`PoissonLimits::limits_memo`].
#[derive(Debug, Default)]
pub struct ExactMemo(std::collections::HashMap<u64, (f64, f64)>);
