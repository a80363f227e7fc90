//! The library's random number generator: SplitMix64 to seed, xoshiro256** for the stream
//! (Blackman and Vigna). Written out rather than taken from a crate so that simulated
//! intervals and the demo tables never change when a dependency does: a seed and stream give
//! the same draws for as long as this file is unchanged, on any number of threads.
//!
//! It is public so that everything seeded in the project draws from one generator: the
//! simulated limits of [`crate::inequality`] (their ziggurat normals live in
//! `inequality/rng.rs`) and the synthetic tables of the `collabmetrics-demo` crate (whose
//! distributions live there). Draws for a given seed and stream are part of the API: a
//! change to them is a breaking change.
//!
//! ```
//! use collabmetrics::rng::Rng;
//! let (mut a, mut b) = (Rng::new(2026, 1), Rng::new(2026, 1));
//! assert_eq!(a.next_u64(), b.next_u64());
//! let u = a.uniform();
//! assert!((0.0..1.0).contains(&u));
//! ```

/// One step of SplitMix64: the recommended way to expand a 64-bit seed into xoshiro's state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256**: fast, 256 bits of state, passes BigCrush. Not cryptographic.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The generator for one `stream` of `seed` (one per table family, or per subgroup table
    /// of a batch), so that changing how one is drawn never changes the others. The state is
    /// SplitMix64 of `seed` mixed with `stream`, so any seed (0 included) is fine.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
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

    /// Advances the generator by 2¹²⁸ draws (xoshiro256**'s `jump`, Blackman and Vigna's
    /// polynomial): the start of the next of 2¹²⁸ non-overlapping sub-sequences of this
    /// stream. The blocks of one simulation run in parallel from successive jumps, so they
    /// never share draws and their draws do not depend on the number of threads.
    pub fn jump(&mut self) {
        const JUMP: [u64; 4] = [
            0x180e_c6d3_3cfd_0aba,
            0xd5a6_1266_f0c9_392c,
            0xa958_2618_e03f_c9aa,
            0x39ab_dc45_29b1_661c,
        ];
        let mut s = [0u64; 4];
        for word in JUMP {
            for bit in 0..64 {
                if word & (1u64 << bit) != 0 {
                    for (acc, x) in s.iter_mut().zip(self.s) {
                        *acc ^= x;
                    }
                }
                self.next_u64();
            }
        }
        self.s = s;
    }

    /// Uniform in [0, 1): the top 53 bits of [`Rng::next_u64`], scaled.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use rand_core::{Rng as _, SeedableRng};
    use rand_xoshiro::Xoshiro256StarStar;

    /// The same state in the rand project's xoshiro256** (an independent implementation).
    fn peer(r: &Rng) -> Xoshiro256StarStar {
        let mut seed = [0u8; 32];
        for (chunk, word) in seed.chunks_exact_mut(8).zip(r.s) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Xoshiro256StarStar::from_seed(seed)
    }

    #[test]
    fn draws_and_jumps_match_the_rand_projects_xoshiro() {
        for (seed, stream) in [(0, 0), (2026, 1), (u64::MAX, 7)] {
            let mut ours = Rng::new(seed, stream);
            let mut theirs = peer(&ours);
            for _ in 0..3 {
                for _ in 0..100 {
                    assert_eq!(ours.next_u64(), theirs.next_u64());
                }
                ours.jump();
                theirs.jump();
            }
            assert_eq!(ours.next_u64(), theirs.next_u64());
        }
    }
}
