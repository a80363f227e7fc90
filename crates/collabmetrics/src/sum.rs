//! Neumaier's compensated summation, for the sequential sums whose result should not depend
//! on the rounding of their running total (the spread of the Gini over a distribution), an
//! exact sum for the SPC centre line, and the exact power-of-two scales that keep sums of
//! extreme terms from overflowing or underflowing. The parallel, vectorised sums of long columns are
//! [`crate::inequality::fastlog`]'s.

/// A running sum with its rounding error carried beside it (Neumaier 1974): the total is
/// within a few units in the last place of the exact sum of the terms, whatever their order.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Neumaier {
    sum: f64,
    error: f64,
}

impl Neumaier {
    /// Adds `v`.
    #[inline]
    pub(crate) fn add(&mut self, v: f64) {
        let t = self.sum + v;
        self.error += if self.sum.abs() >= v.abs() {
            (self.sum - t) + v
        } else {
            (v - t) + self.sum
        };
        self.sum = t;
    }

    /// The compensated total.
    pub(crate) fn total(&self) -> f64 {
        self.sum + self.error
    }
}

/// The compensated sum of `values` and their count.
pub(crate) fn neumaier(values: impl Iterator<Item = f64>) -> (f64, usize) {
    let (mut s, mut n) = (Neumaier::default(), 0usize);
    for v in values {
        s.add(v);
        n += 1;
    }
    (s.total(), n)
}

/// The power of two of `x`'s exponent (x = 1.m × 2^e gives 2^e), 1 for zero and subnormals:
/// dividing by it is exact and leaves values below 2 in size.
pub(crate) fn exponent_unit(x: f64) -> f64 {
    if x.is_normal() {
        f64::from_bits(x.to_bits() & 0x7FF0_0000_0000_0000)
    } else {
        1.0
    }
}

/// The largest |x| of `values` (0 for none; NaN is passed over), whose [`exponent_unit`] or
/// [`weight_unit`] brings them all to unit scale.
pub(crate) fn magnitude(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0f64, |m, x| m.max(x.abs()))
}

/// An exact divisor that brings the largest weight `x` (and so every weight) to a normal
/// number: its exponent's power of two, or 2⁻¹⁰²³ when it is subnormal (every subnormal
/// times 2¹⁰²³ is a normal number below 2, exactly, and 2¹⁰²³ is finite, so the divisor's
/// inverse is too); 1 for zero. Sums and products of subnormal weights keep a few bits only
/// (Theil 16% off, GE(½) −0, the Gini an overflow error at weights near 1e-323).
pub(crate) fn weight_unit(x: f64) -> f64 {
    if x > 0.0 && !x.is_normal() && x.is_finite() {
        f64::from_bits(1 << 51)
    } else {
        exponent_unit(x)
    }
}

/// An exact running sum (Shewchuk 1997, as Python's `math.fsum`): non-overlapping partials
/// whose sum is exactly the sum of the terms, rounded once at the end. For the short series
/// whose result must be the double nearest the exact value (the SPC centre line, which decides
/// whether a point equal to it breaks a run). Finite terms whose running sum stays finite.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExactSum {
    partials: Vec<f64>,
}

impl ExactSum {
    /// Adds `x` exactly.
    pub(crate) fn add(&mut self, mut x: f64) {
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let y = self.partials[j];
            let (hi, lo) = if x.abs() < y.abs() { (y, x) } else { (x, y) };
            let s = hi + lo;
            let e = lo - (s - hi);
            if e != 0.0 {
                self.partials[kept] = e;
                kept += 1;
            }
            x = s;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// The sum, correctly rounded (halfway cases to even, as `math.fsum`).
    pub(crate) fn value(&self) -> f64 {
        let p = &self.partials;
        let Some(&last) = p.last() else {
            return 0.0;
        };
        let (mut hi, mut lo, mut n) = (last, 0.0, p.len() - 1);
        while n > 0 {
            let (x, y) = (hi, p[n - 1]);
            n -= 1;
            hi = x + y;
            lo = y - (hi - x);
            if lo != 0.0 {
                break;
            }
        }
        // A halfway `lo` rounds the way the next partial leans.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = 2.0 * lo;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_sum_is_rounded_once() {
        // 0.1 + 0.2 + 0.3 (as doubles) is 0.6000000000000000055…: the nearest double is
        // 0.6000000000000001, which a plain sum also gives here, but 1e16 + 1 − 1e16 + … keeps
        // the 1 a plain sum loses; and 1 + 2⁻⁵³ + 2⁻¹⁰⁶ lies just above a halfway point.
        let mut s = ExactSum::default();
        for v in [1e16, 1.0, -1e16, 0.5] {
            s.add(v);
        }
        assert_eq!(s.value(), 1.5);
        let mut s = ExactSum::default();
        for v in [1.0, f64::EPSILON / 2.0, f64::EPSILON * f64::EPSILON / 4.0] {
            s.add(v);
        }
        assert_eq!(s.value(), 1.0 + f64::EPSILON);
        let mut s = ExactSum::default();
        for v in [1.0, f64::EPSILON / 2.0] {
            s.add(v);
        }
        assert_eq!(s.value(), 1.0, "a tie rounds to even");
    }

    #[test]
    fn the_small_terms_a_plain_sum_loses_are_kept() {
        // 1 + 2⁻⁵³ + … rounds back to 1 at every step of a plain sum; the exact total is
        // 1 + 1000 · 2⁻⁵³, and the big term cancels at the end.
        let tiny = f64::EPSILON / 2.0;
        let terms = std::iter::once(1.0)
            .chain(std::iter::repeat_n(tiny, 1000))
            .chain(std::iter::once(-1.0));
        let plain: f64 = terms.clone().sum();
        assert_eq!(plain, 0.0);
        assert_eq!(neumaier(terms), (1000.0 * tiny, 1002));
    }
}
