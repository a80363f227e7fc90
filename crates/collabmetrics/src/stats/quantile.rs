//! The one type-7 sample quantile of the library (R's default `quantile(type = 7)`, numpy's
//! `linear`): simulation and bootstrap percentiles, and the transition gap quartiles.

/// The type-7 `p`-quantile of `n ≥ 1` sorted values read through `at(i)`: linear
/// interpolation between the order statistics around `h = (n − 1) p`.
#[inline]
pub fn quantile7_sorted(n: usize, p: f64, at: impl Fn(usize) -> f64) -> f64 {
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (at(lo), at(hi));
    a + (h - lo as f64) * (b - a)
}

/// The type-7 `p`-quantile of an unsorted sample of at least one value (sorted in place).
pub fn quantile7(x: &mut [f64], p: f64) -> f64 {
    x.sort_unstable_by(f64::total_cmp);
    quantile7_sorted(x.len(), p, |i| x[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_r_type_7_by_hand() {
        // R: quantile(c(1, 2, 3, 4), c(.1, .5)) = 1.3, 2.5; quantile(c(1, 2, 4, 7), .25) = 1.75.
        let mut x = [4.0, 1.0, 3.0, 2.0];
        assert!((quantile7(&mut x, 0.5) - 2.5).abs() < 1e-15);
        assert!((quantile7(&mut x, 0.1) - 1.3).abs() < 1e-12);
        let y = [1, 2, 4, 7];
        assert_eq!(quantile7_sorted(4, 0.25, |i| f64::from(y[i])), 1.75);
        assert_eq!(quantile7_sorted(1, 0.9, |i| f64::from(y[i])), 1.0);
    }
}
