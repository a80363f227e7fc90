//! Neumaier's compensated summation, for the sequential sums whose result should not depend
//! on the rounding of their running total (the SPC mean, the spread of the Gini over a
//! distribution). The parallel, vectorised sums of long columns are
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

#[cfg(test)]
mod tests {
    use super::*;

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
