//! The few distributions the demo generator needs, on the core's xoshiro256** generator
//! ([`collabmetrics::rng::Rng`], the one the inequality simulations draw from too): the same
//! seed gives the same bytes for as long as both files are unchanged.

pub(crate) use collabmetrics::rng::Rng;

/// The demo's distributions, drawn from the core's generator.
pub(crate) trait Draws {
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool;
    /// Uniform integer in `[lo, hi]` (inclusive; `lo` when `hi < lo`).
    fn int(&mut self, lo: i32, hi: i32) -> i32;
    /// Standard normal.
    fn normal(&mut self) -> f64;
    /// Log-normal with the given median and log-scale standard deviation.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64;
    /// Poisson count with the given mean.
    fn poisson(&mut self, mean: f64) -> u32;
    /// Geometric count of failures before a success, with the given mean (≥ 0).
    fn geometric(&mut self, mean: f64) -> i32;
    /// Index drawn with probability proportional to `weights`.
    fn choice(&mut self, weights: &[f64]) -> usize;
    /// Index drawn from cumulative weights.
    fn pick(&mut self, cumulative: &[f64]) -> usize;
}

impl Draws for Rng {
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Uniform integer in `[lo, hi]` (inclusive; `lo` when `hi < lo`), by the widening
    /// multiply (bias below 2^-32 for our ranges).
    fn int(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        let n = (i64::from(hi) - i64::from(lo) + 1) as u128;
        lo + ((u128::from(self.next_u64()) * n) >> 64) as i32
    }

    /// Standard normal by Box–Muller (one of the pair; simpler state than caching the other).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal with the given median and log-scale standard deviation.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Poisson count: Knuth's product method for small means, the normal approximation
    /// (rounded, at least 0) from 30 on, where it is good to well under 1% and keeps the
    /// cost per draw constant at national scale.
    fn poisson(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean >= 30.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u32;
        }
        let limit = (-mean).exp();
        let mut k = 0;
        let mut p = self.uniform();
        while p > limit {
            k += 1;
            p *= self.uniform();
        }
        k
    }

    /// Geometric count of failures before a success, with the given mean (≥ 0).
    fn geometric(&mut self, mean: f64) -> i32 {
        if mean <= 0.0 {
            return 0;
        }
        let q = mean / (1.0 + mean); // failure probability
        let u = 1.0 - self.uniform();
        (u.ln() / q.ln()).floor().min(1e6) as i32
    }

    /// Index drawn with probability proportional to `weights` (a short list: linear scan).
    fn choice(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// Index drawn from cumulative weights (a long list: binary search).
    fn pick(&mut self, cumulative: &[f64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(0.0);
        let x = self.uniform() * total;
        cumulative
            .partition_point(|&c| c <= x)
            .min(cumulative.len().saturating_sub(1))
    }
}

/// Running sums of `weights`, for [`Rng::pick`].
pub(crate) fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .into_iter()
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_streams_differ() {
        let (mut a, mut b, mut c) = (Rng::new(7, 1), Rng::new(7, 1), Rng::new(7, 2));
        let x: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let y: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let z: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(x, y);
        assert_ne!(x, z);
    }

    #[test]
    fn distributions_have_their_means() {
        let mut r = Rng::new(1, 0);
        let n = 200_000;
        let mean = |f: &mut dyn FnMut(&mut Rng) -> f64, r: &mut Rng| {
            (0..n).map(|_| f(r)).sum::<f64>() / n as f64
        };
        assert!((mean(&mut |r| r.uniform(), &mut r) - 0.5).abs() < 0.01);
        assert!(mean(&mut |r| r.normal(), &mut r).abs() < 0.01);
        assert!((mean(&mut |r| f64::from(r.poisson(4.0)), &mut r) - 4.0).abs() < 0.03);
        assert!((mean(&mut |r| f64::from(r.poisson(300.0)), &mut r) - 300.0).abs() < 0.3);
        assert!((mean(&mut |r| f64::from(r.geometric(20.0)), &mut r) - 20.0).abs() < 0.3);
        assert!((mean(&mut |r| f64::from(r.int(1, 6)), &mut r) - 3.5).abs() < 0.02);
        let c = cumulative([1.0, 0.0, 3.0]);
        let picks: Vec<usize> = (0..1000).map(|_| r.pick(&c)).collect();
        assert!(!picks.contains(&1));
        let share3 = picks.iter().filter(|&&i| i == 2).count() as f64 / 1000.0;
        assert!((share3 - 0.75).abs() < 0.05);
    }
}
