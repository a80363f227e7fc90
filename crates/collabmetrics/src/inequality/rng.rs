//! The simulation generator: SplitMix64 to seed, xoshiro256** for the stream (Blackman and
//! Vigna), standard normals by Box–Muller using both values of each pair.
//!
//! The same algorithm as the demo generator (`demo/rng.rs`, private to that module), written out
//! here so the inequality intervals never change when a dependency does: one seed and stream
//! give the same draws for as long as this file is unchanged, on any number of threads.

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** with a cached second normal.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
    spare: Option<f64>,
}

impl Rng {
    /// The generator for one `stream` (e.g. one subgroup table of a batch) of `seed`.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s, spare: None }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), 53 random bits.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform index in `0..n` (n ≥ 1) by the widening multiply.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Standard normal (Box–Muller, both values of the pair used).
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln is finite
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare = Some(r * s);
        r * c
    }
}

/// R's quantile type 7 of an unsorted sample (sorted in place): linear interpolation between
/// order statistics at h = (n − 1) p.
pub(crate) fn quantile7(x: &mut [f64], p: f64) -> f64 {
    let n = x.len();
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    x.sort_unstable_by(f64::total_cmp);
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_repeat_and_differ() {
        let (mut a, mut b, mut c) = (Rng::new(7, 1), Rng::new(7, 1), Rng::new(7, 2));
        let x: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let y: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let z: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(x, y);
        assert_ne!(x, z);
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::new(1, 0);
        let n = 200_000;
        let v: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let m = v.iter().sum::<f64>() / n as f64;
        let s2 = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.01, "{m}");
        assert!((s2 - 1.0).abs() < 0.01, "{s2}");
    }

    #[test]
    fn type7() {
        let mut x = vec![4.0, 1.0, 3.0, 2.0];
        assert!((quantile7(&mut x, 0.5) - 2.5).abs() < 1e-15);
        assert!((quantile7(&mut x, 0.1) - 1.3).abs() < 1e-12);
    }
}
