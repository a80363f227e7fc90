//! Piecewise Chebyshev interpolation of the exact Poisson limit curves, so that a million
//! units cost a million polynomial evaluations instead of four million quantile searches.
//!
//! The limits of a unit at denominator x ≥ 1 are smooth functions of ln x. The axis ln x is
//! cut into fixed segments of width [`SEGMENT`] (x grows by 13% across one); on each segment
//! some unit falls in, the exact functions are evaluated at the [`NODES`] Chebyshev points and
//! interpolated by a polynomial of degree [`DEGREE`]. A segment is used only if its last two
//! Chebyshev coefficients are below [`TOLERANCE`] times the largest value on it (the standard
//! test that the series has converged); otherwise, and below x = 1, every unit there is
//! evaluated exactly. Segments are fixed by x alone, so a unit's limits do not depend on the
//! other units, the order of the rows or the number of threads.

use crate::error::Result;
use rayon::prelude::*;
use std::f64::consts::PI;

/// Width of a segment on the ln x axis.
pub(crate) const SEGMENT: f64 = 0.125;
/// Degree of the polynomial on each segment.
pub(crate) const DEGREE: usize = 14;
/// Chebyshev points per segment.
pub(crate) const NODES: usize = DEGREE + 1;
/// Largest accepted size of the last two coefficients, relative to the values.
pub(crate) const TOLERANCE: f64 = 1e-11;
/// Below this x every value is computed exactly (the curves change fastest there).
pub(crate) const X_MIN: f64 = 1.0;

/// `K` curves interpolated on the segments where the build's x values fall.
pub(crate) struct Curves<const K: usize> {
    /// Per segment index k (0..): the coefficients of the K curves, or `None` when the
    /// segment is not built or its series did not converge.
    slots: Vec<Option<Box<[[f64; NODES]; K]>>>,
}

fn segment_of(x: f64) -> usize {
    // x >= X_MIN = 1 here, so ln x >= 0; x is finite, so the index is at most 5678.
    (x.ln() / SEGMENT).floor() as usize
}

/// The Chebyshev points of segment k, as x values.
fn nodes(k: usize) -> [f64; NODES] {
    let u0 = k as f64 * SEGMENT;
    std::array::from_fn(|j| {
        let t = (PI * (j as f64 + 0.5) / NODES as f64).cos();
        (u0 + 0.5 * SEGMENT * (1.0 + t)).exp()
    })
}

/// Coefficients of the K curves on segment k, or `None` when a series has not converged.
fn fit<const K: usize>(
    k: usize,
    exact: &(impl Fn(f64) -> Result<[f64; K]> + Sync),
) -> Result<Option<Box<[[f64; NODES]; K]>>> {
    let xs = nodes(k);
    let mut values = [[0.0; NODES]; K];
    for (j, &x) in xs.iter().enumerate() {
        let v = exact(x)?;
        for c in 0..K {
            values[c][j] = v[c];
        }
    }
    let mut coef = Box::new([[0.0; NODES]; K]);
    for c in 0..K {
        let scale = values[c].iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if !values[c].iter().all(|v| v.is_finite()) || scale == 0.0 {
            return Ok(None);
        }
        for m in 0..NODES {
            let s: f64 = (0..NODES)
                .map(|j| values[c][j] * (PI * m as f64 * (j as f64 + 0.5) / NODES as f64).cos())
                .sum();
            coef[c][m] = 2.0 * s / NODES as f64;
        }
        if coef[c][DEGREE].abs() + coef[c][DEGREE - 1].abs() > TOLERANCE * scale {
            return Ok(None);
        }
    }
    Ok(Some(coef))
}

/// Clenshaw's recurrence for c0/2 + Σ c_m T_m(t).
#[inline]
fn clenshaw(c: &[f64; NODES], t: f64) -> f64 {
    let (mut b1, mut b2) = (0.0, 0.0);
    for &cm in c[1..].iter().rev() {
        let b0 = 2.0 * t * b1 - b2 + cm;
        b2 = b1;
        b1 = b0;
    }
    t * b1 - b2 + 0.5 * c[0]
}

impl<const K: usize> Curves<K> {
    /// Fits the segments the values `xs` fall in (in parallel).
    pub fn build(xs: &[f64], exact: &(impl Fn(f64) -> Result<[f64; K]> + Sync)) -> Result<Self> {
        let max = xs
            .iter()
            .filter(|&&x| x >= X_MIN && x.is_finite())
            .map(|&x| segment_of(x))
            .max();
        let Some(max) = max else {
            return Ok(Curves { slots: Vec::new() });
        };
        let mut wanted = vec![false; max + 1];
        for &x in xs {
            if x >= X_MIN && x.is_finite() {
                wanted[segment_of(x)] = true;
            }
        }
        let slots = wanted
            .into_par_iter()
            .enumerate()
            .map(|(k, want)| if want { fit(k, exact) } else { Ok(None) })
            .collect::<Result<Vec<_>>>()?;
        Ok(Curves { slots })
    }

    /// The K values at x: interpolated on a fitted segment, exact elsewhere.
    #[inline]
    pub fn eval(
        &self,
        x: f64,
        exact: &(impl Fn(f64) -> Result<[f64; K]> + Sync),
    ) -> Result<[f64; K]> {
        if x >= X_MIN && x.is_finite() {
            let k = segment_of(x);
            if let Some(Some(coef)) = self.slots.get(k) {
                let t = 2.0 * (x.ln() / SEGMENT - k as f64) - 1.0;
                return Ok(std::array::from_fn(|c| clenshaw(&coef[c], t)));
            }
        }
        exact(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_functions_are_reproduced_and_rough_ones_fall_back() {
        let smooth = |x: f64| -> Result<[f64; 2]> { Ok([1.0 / x.sqrt(), (1.0 + x).ln()]) };
        let xs = [1.0, 2.5, 37.0, 1e6];
        let curves = Curves::build(&xs, &smooth).unwrap();
        for x in [1.0, 1.1, 2.5, 2.6, 37.0, 36.0, 1e6] {
            let got = curves.eval(x, &smooth).unwrap();
            let want = smooth(x).unwrap();
            for c in 0..2 {
                assert!((got[c] - want[c]).abs() <= 1e-13 * want[c].abs(), "{x}");
            }
        }
        // A jump inside a segment: the series does not converge, so values are exact.
        let rough = |x: f64| -> Result<[f64; 1]> { Ok([if x < 40.0 { 1.0 } else { 2.0 }]) };
        let curves = Curves::build(&[39.0], &rough).unwrap();
        assert_eq!(curves.eval(39.9, &rough).unwrap(), [1.0]);
        assert_eq!(curves.eval(40.1, &rough).unwrap(), [2.0]);
    }
}
