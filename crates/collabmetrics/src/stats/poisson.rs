//! Limits for a Poisson count: Byar's approximation and the exact chi-squared limits.

use super::{z_value, Method, RateMethod};
use crate::error::Result;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Byar's approximate limits for a count `o` at normal quantile `z`:
/// `O_L = O·(1 − 1/(9O) − z/(3√O))³`, `O_U = (O+1)·(1 − 1/(9(O+1)) + z/(3√(O+1)))³`.
#[inline]
pub fn byar_limits(o: f64, z: f64) -> (f64, f64) {
    let lower = if o == 0.0 {
        0.0
    } else {
        let t = 1.0 - 1.0 / (9.0 * o) - z / (3.0 * o.sqrt());
        o * t * t * t
    };
    let o1 = o + 1.0;
    let t = 1.0 - 1.0 / (9.0 * o1) + z / (3.0 * o1.sqrt());
    (lower, o1 * t * t * t)
}

/// Exact Poisson limits from the chi-squared distribution:
/// `O_L = χ²_{α/2}(2O)/2` (0 when O = 0), `O_U = χ²_{1−α/2}(2O+2)/2`, α = 1 − confidence.
pub fn exact_limits(o: f64, confidence: f64) -> (f64, f64) {
    let alpha = 1.0 - confidence;
    let lower = if o == 0.0 {
        0.0
    } else {
        chi2_quantile(2.0 * o, alpha / 2.0) / 2.0
    };
    let upper = chi2_quantile(2.0 * o + 2.0, 1.0 - alpha / 2.0) / 2.0;
    (lower, upper)
}

fn chi2_quantile(df: f64, p: f64) -> f64 {
    // df > 0 always holds here (o > 0 for the lower limit, 2o + 2 >= 2 for the upper).
    ChiSquared::new(df)
        .expect("chi-squared degrees of freedom are positive")
        .inverse_cdf(p)
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
}
