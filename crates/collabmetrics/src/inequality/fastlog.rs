//! A vectorisable `ln(1 + x)`, `eᵗ − 1` and `eᵗ`, and the parallel, deterministic sums of the
//! entropy indices (the SII's simulation back-transforms its draws with [`exp`]).
//!
//! # The logarithm
//!
//! [`ln_1p`] writes 1 + x = 2^e · f with f in [√½, √2) by integer operations on the bits, and
//! ln f = 2 atanh(s) = 2 (s + s³/3 + … + s²¹/21) with s = (f − 1)/(f + 1), |s| ≤ 0.1716
//! (the series' remainder is below 2.4e-17 of the result). Where e = 0 (1 + x in [√½, √2))
//! s is computed as x / (2 + x) from x itself, so the result keeps x's relative precision
//! near 0, as `f64::ln_1p` does: that is what keeps the indices' terms, each ≈ x²/2 after
//! their first-order parts are subtracted, accurate to second order. No table and no branch
//! on the value: the compiler vectorises a loop of it. [`ln_ratio`] is the same with the
//! bits taken from a ratio r the caller has to its own precision (the indices' y/ȳ) rather
//! than from 1 + x, which loses y's digits where y/ȳ is far below 1.
//!
//! **Error bound**: relative error at most [`LN_1P_MAX_RELATIVE_ERROR`] (8 ulps, 1.8e-15)
//! against the true ln(1 + x), for every x > −1 with 1 + x and |x| (when x ≠ 0) at least the
//! smallest normal double; tested against `f64::ln_1p` over 3·10⁶ points spread across the
//! whole range and near 0 (measured maximum: 3 ulps from it). For subnormal x the absolute
//! error is below the smallest subnormal; where y/ȳ is below the normal range the callers use
//! the sorted path, which takes ln y − ln ȳ there.
//!
//! # The sums
//!
//! Sums run over fixed blocks of [`BLOCK`] values in parallel (rayon), eight compensated
//! (Kahan) lanes inside a block, the blocks' partial sums added in block order: the result
//! is the same bits on any number of threads, and its rounding error is a few ulps of the
//! sum of the magnitudes, not n ulps. Blocks run AVX-512 or AVX2 code where the processor has
//! it (no FMA: the same operations, so the same bits as on a processor without them).

use rayon::prelude::*;

/// The largest relative error of [`ln_1p`] (8 ulps of 1), as tested.
#[cfg_attr(not(test), allow(dead_code))]
pub const LN_1P_MAX_RELATIVE_ERROR: f64 = 8.0 * f64::EPSILON;

/// Bits of √½: 1 + x is split as 2^e · f with f in [√½, √2).
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
/// ln 2 in two parts: `LN2_HI` has its last 32 bits zero, so e · `LN2_HI` is exact.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// ln(1 + x) for x > −1 with 1 + x normal, to [`LN_1P_MAX_RELATIVE_ERROR`] (module docs).
#[inline(always)]
pub fn ln_1p(x: f64) -> f64 {
    ln_ratio(1.0 + x, x)
}

/// ln r for a normal r > 0, given with x = r − 1 to x's own precision: the result keeps r's
/// relative precision far from 1 and x's near 1 ([`ln_1p`] is `ln_ratio(1 + x, x)`). The
/// entropy indices pass r = y/ȳ itself: where y/ȳ is far below 1, 1 + x would have lost
/// y's digits (x rounds towards −1). Same error bound as [`ln_1p`] (the same operations,
/// tested).
#[inline(always)]
pub fn ln_ratio(r: f64, x: f64) -> f64 {
    let bits = r.to_bits();
    // u >> 52 = e + 1023 where 2^e · f = r, f in [√½, √2).
    let u = bits.wrapping_add(0x3ff0_0000_0000_0000 - SQRT_HALF_BITS);
    let k = u >> 52;
    let f = f64::from_bits(bits.wrapping_sub((k.wrapping_sub(1023)) << 52));
    // e as a double without an integer conversion instruction (k < 2^11).
    let e = f64::from_bits(k | 0x4330_0000_0000_0000) - (4_503_599_627_370_496.0 + 1023.0);
    // For e = 0, f = r and f − 1 would lose x's low bits: use x itself. (A compare of
    // doubles: x86-64's baseline has no packed compare of 64-bit integers.)
    let num = if e == 0.0 { x } else { f - 1.0 };
    let s = num / (f + 1.0);
    let z = s * s;
    // 2 atanh(s) = 2s + 2s·z·P(z), P(z) = 1/3 + z/5 + … + z⁹/21.
    let p = 1.0 / 21.0;
    let p = p * z + 1.0 / 19.0;
    let p = p * z + 1.0 / 17.0;
    let p = p * z + 1.0 / 15.0;
    let p = p * z + 1.0 / 13.0;
    let p = p * z + 1.0 / 11.0;
    let p = p * z + 1.0 / 9.0;
    let p = p * z + 1.0 / 7.0;
    let p = p * z + 1.0 / 5.0;
    let p = p * z + 1.0 / 3.0;
    let two_s = 2.0 * s;
    e * LN2_HI + (two_s + (two_s * z * p + e * LN2_LO))
}

/// The largest relative error of [`exp_m1`] (4 ulps of 1), as tested (measured: 1.2 ulps from
/// `f64::exp_m1` over 4·10⁶ points).
#[cfg_attr(not(test), allow(dead_code))]
pub const EXP_M1_MAX_RELATIVE_ERROR: f64 = 4.0 * f64::EPSILON;

/// 1.5 · 2⁵²: adding it rounds a double of magnitude below 2⁵¹ to an integer (ties to even),
/// whose value sits in the low bits of the sum.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;

/// eᵗ − 1 to [`EXP_M1_MAX_RELATIVE_ERROR`], vectorisable (no table, no branch on the value):
/// t = k ln 2 + r with |r| ≤ ln 2 / 2, eʳ − 1 by its Taylor series to r¹³ (remainder below
/// 1.3e-17 of the result), then 2ᵏ(eʳ − 1) + (2ᵏ − 1). For k = 0 that is the series itself,
/// so the result keeps t's relative precision near 0, as `f64::exp_m1` does. −1 below −40
/// (eᵗ is below half an ulp of 1 there), NaN for NaN, and +∞ above 709, short of the true
/// overflow at 709.78: where a term is that large the callers' sums are not finite and they
/// take the sorted path, which scales. The bound holds for t ≤ 709.
#[inline(always)]
pub fn exp_m1(t: f64) -> f64 {
    // Clamped so that k stays in the normal exponents; the selects at the end give the
    // answer outside. (`clamp` keeps a NaN, which then runs through as NaN.)
    let (two_k, em1) = exp_split(t.clamp(-40.0, 709.0));
    let out = two_k * em1 + (two_k - 1.0);
    let out = if t > 709.0 { f64::INFINITY } else { out };
    if t < -40.0 {
        -1.0
    } else {
        out
    }
}

/// The largest relative error of [`exp`] (2 ulps of 1), as tested (measured: 1 ulp from
/// `f64::exp` over 4·10⁶ points of [−708, 709]).
#[cfg_attr(not(test), allow(dead_code))]
pub const EXP_MAX_RELATIVE_ERROR: f64 = 2.0 * f64::EPSILON;

/// eᵗ to [`EXP_MAX_RELATIVE_ERROR`] for t in [−708, 709], vectorisable: 2ᵏ + 2ᵏ(eʳ − 1) with
/// the reduction and series of [`exp_m1`]. Outside that range it gives 0 below −708 (where
/// eᵗ < 3.3e-308, subnormal or 0) and +∞ above 709 (short of the true overflow at 709.78, as
/// [`exp_m1`]); NaN for NaN. The SII's simulation back-transforms its draws with it.
#[inline(always)]
pub fn exp(t: f64) -> f64 {
    let (two_k, em1) = exp_split(t.clamp(-708.0, 709.0));
    let out = two_k + two_k * em1;
    let out = if t > 709.0 { f64::INFINITY } else { out };
    if t < -708.0 {
        0.0
    } else {
        out
    }
}

/// (2ᵏ, eʳ − 1) with t = k ln 2 + r, |r| ≤ ln 2 / 2, for t in [−708, 709] (so that 2ᵏ is a
/// normal double: the callers clamp).
#[inline(always)]
fn exp_split(tc: f64) -> (f64, f64) {
    let shifted = tc * LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    // k in [−1021, 1023]: its integer value is in the low bits of `shifted`.
    let ki = shifted.to_bits().wrapping_sub(ROUNDER.to_bits()) as i64;
    // Wrapping (it cannot wrap: k is bounded): the release build checks overflow, and a
    // checked add is a branch per value, which keeps the loop from vectorising.
    let two_k = f64::from_bits((ki.wrapping_add(1023) as u64) << 52);
    let r = (tc - k * LN2_HI) - k * LN2_LO;
    let p = 1.0 / 6_227_020_800.0;
    let p = p * r + 1.0 / 479_001_600.0;
    let p = p * r + 1.0 / 39_916_800.0;
    let p = p * r + 1.0 / 3_628_800.0;
    let p = p * r + 1.0 / 362_880.0;
    let p = p * r + 1.0 / 40_320.0;
    let p = p * r + 1.0 / 5_040.0;
    let p = p * r + 1.0 / 720.0;
    let p = p * r + 1.0 / 120.0;
    let p = p * r + 1.0 / 24.0;
    let p = p * r + 1.0 / 6.0;
    let p = p * r + 0.5;
    (two_k, r + r * r * p)
}

/// Values per block of the parallel sums (fixed: the result does not depend on the threads).
pub const BLOCK: usize = 1 << 14;
const LANES: usize = 8;

/// Kahan-compensated lanes.
#[derive(Clone, Copy)]
struct Lanes {
    sum: [f64; LANES],
    c: [f64; LANES],
}

impl Lanes {
    fn new() -> Self {
        Lanes {
            sum: [0.0; LANES],
            c: [0.0; LANES],
        }
    }

    #[inline(always)]
    // Lane j of three arrays at once: the shape the vectoriser needs.
    #[allow(clippy::needless_range_loop)]
    fn add(&mut self, terms: [f64; LANES]) {
        for j in 0..LANES {
            let y = terms[j] - self.c[j];
            let t = self.sum[j] + y;
            self.c[j] = (t - self.sum[j]) - y;
            self.sum[j] = t;
        }
    }

    fn total(&self) -> f64 {
        let mut s = 0.0;
        let mut c = 0.0;
        for j in 0..LANES {
            let y = (self.sum[j] - self.c[j]) - c;
            let t = s + y;
            c = (t - s) - y;
            s = t;
        }
        s
    }
}

/// One block's (Σ term, Σ w), compensated lanes.
#[inline(always)]
fn block_sums<F>(v: &[f64], w: Option<&[f64]>, term: &F) -> (f64, f64)
where
    F: Fn(f64, f64) -> f64,
{
    // The terms of a strip of values first, in a plain loop over the strip (the shape the
    // loop vectoriser takes for any size of term: the power terms of GE and Atkinson were
    // left scalar when computed lane by lane), then added eight lanes at a time. Strips are a
    // whole number of lane groups, so the groups, and the bits, are those of one pass.
    let mut a = Lanes::new();
    let mut b = Lanes::new();
    let mut terms = [0.0; STRIP];
    for (k, strip) in v.chunks(STRIP).enumerate() {
        let t = &mut terms[..strip.len()];
        match w {
            None => {
                for (o, &y) in t.iter_mut().zip(strip) {
                    *o = term(y, 1.0);
                }
            }
            Some(w) => {
                let ws = &w[k * STRIP..k * STRIP + strip.len()];
                for ((o, &y), &wi) in t.iter_mut().zip(strip).zip(ws) {
                    *o = term(y, wi);
                }
                add_lanes(&mut b, ws);
            }
        }
        add_lanes(&mut a, t);
    }
    if v.len().is_multiple_of(LANES) {
        // One pass added a zero-padded group at the end even when nothing was left over (it
        // folds the compensation into the sum): kept, for the same bits.
        a.add([0.0; LANES]);
        b.add([0.0; LANES]);
    }
    let sw = match w {
        None => v.len() as f64,
        Some(_) => b.total(),
    };
    (a.total(), sw)
}

/// Values per strip of [`block_sums`] (a multiple of [`LANES`]; 2 KiB of terms).
const STRIP: usize = 256;

/// Adds `xs` to the lanes eight at a time, the last group padded with zeros.
#[inline(always)]
fn add_lanes(lanes: &mut Lanes, xs: &[f64]) {
    let mut groups = xs.chunks_exact(LANES);
    for g in &mut groups {
        let mut t = [0.0; LANES];
        t.copy_from_slice(g);
        lanes.add(t);
    }
    let rest = groups.remainder();
    if !rest.is_empty() {
        let mut t = [0.0; LANES];
        t[..rest.len()].copy_from_slice(rest);
        lanes.add(t);
    }
}

/// Defines `$name`, which runs `$base` compiled for AVX-512 or AVX2 where the processor has
/// it (eight or four lanes per instruction instead of SSE2's two), else the baseline build.
/// No FMA is enabled: the same operations, so the same bits as the baseline (tested).
macro_rules! widened {
    ($(#[$doc:meta])* fn $name:ident$(<$g:ident: $bound:path>)?($($arg:ident: $ty:ty),*) -> $ret:ty
        = $base:ident) => {
        $(#[$doc])*
        fn $name$(<$g: $bound>)?($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                unsafe fn avx512$(<$g: $bound>)?($($arg: $ty),*) -> $ret {
                    $base($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                unsafe fn avx2$(<$g: $bound>)?($($arg: $ty),*) -> $ret {
                    $base($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the processor supports AVX-512F (checked just above), the only
                    // requirement of `avx512`.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor supports AVX2 (checked just above), the only
                    // requirement of `avx2`.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $base($($arg),*)
        }
    };
}
pub(crate) use widened;

widened! {
    /// One block of [`sum2`] ([`block_sums`]), in the widest build the processor runs.
    fn block_dispatch<F: Fn(f64, f64) -> f64>(v: &[f64], w: Option<&[f64]>, term: &F)
        -> (f64, f64) = block_sums
}

/// (Σ term(y_i, w_i), Σ w_i) over the values (and weights, 1 each when absent), in parallel
/// blocks, compensated; `term` must be cheap and branch-free to vectorise.
pub fn sum2<F>(values: &[f64], weights: Option<&[f64]>, term: F) -> (f64, f64)
where
    F: Fn(f64, f64) -> f64 + Sync,
{
    let token = crate::cancel::current();
    let block = |i: usize| -> (f64, f64) {
        if crate::cancel::is_set(token.as_ref()) {
            return (0.0, 0.0); // cancelled: the caller's bracket reports it
        }
        let lo = i * BLOCK;
        let hi = (lo + BLOCK).min(values.len());
        block_dispatch(&values[lo..hi], weights.map(|w| &w[lo..hi]), &term)
    };
    let blocks = values.len().div_ceil(BLOCK);
    let parts: Vec<(f64, f64)> = (0..blocks).into_par_iter().map(block).collect();
    (
        ordered_total(parts.iter().map(|p| p.0)),
        ordered_total(parts.iter().map(|p| p.1)),
    )
}

/// Blocks' sums added in block order, compensated (in lane 0 of [`Lanes`]: the same bits as
/// adding them one by one to the lanes).
pub(crate) fn ordered_total(parts: impl IntoIterator<Item = f64>) -> f64 {
    let mut a = Lanes::new();
    for x in parts {
        let mut t = [0.0; LANES];
        t[0] = x;
        a.add(t);
    }
    a.total()
}

/// Σ term(i) for i in 0..len, in parallel blocks of compensated lanes, the blocks' sums added
/// in block order (the same bits on any number of threads).
pub(crate) fn sum_indexed(len: usize, term: impl Fn(usize) -> f64 + Sync) -> f64 {
    let token = crate::cancel::current();
    let block = |b: usize| -> f64 {
        if crate::cancel::is_set(token.as_ref()) {
            return 0.0; // cancelled: the caller's bracket reports it
        }
        let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK).min(len));
        let mut a = Lanes::new();
        let mut i = lo;
        while i < hi {
            let mut t = [0.0; LANES];
            for (j, x) in t.iter_mut().enumerate().take(hi - i) {
                *x = term(i + j);
            }
            a.add(t);
            i += LANES;
        }
        a.total()
    };
    let parts: Vec<f64> = (0..len.div_ceil(BLOCK))
        .into_par_iter()
        .map(block)
        .collect();
    ordered_total(parts)
}

/// One parallel pass over unweighted values: the index of the first value that is not finite
/// and at least `least` (if any), Σ y (the same bits as [`sum2`] with a term of y), and the
/// smallest value above 0 (∞ when none). `least` is 0 for values ≥ 0, the smallest subnormal
/// for values > 0.
pub fn scan(values: &[f64], least: f64) -> (Option<usize>, f64, f64) {
    let bad = |y: f64| !((y >= least) & (y < f64::INFINITY));
    let token = crate::cancel::current();
    let block = |i: usize| {
        if crate::cancel::is_set(token.as_ref()) {
            return (None, 0.0, f64::INFINITY); // cancelled: the caller's bracket reports it
        }
        let lo = i * BLOCK;
        let v = &values[lo..(lo + BLOCK).min(values.len())];
        let (any_bad, total, smallest) = scan_dispatch(v, least);
        let first_bad = if any_bad {
            v.iter().position(|&y| bad(y)).map(|k| lo + k)
        } else {
            None
        };
        (first_bad, total, smallest)
    };
    let blocks = values.len().div_ceil(BLOCK);
    let parts: Vec<(Option<usize>, f64, f64)> = (0..blocks).into_par_iter().map(block).collect();
    let first_bad = parts.iter().find_map(|p| p.0);
    let smallest = parts.iter().fold(f64::INFINITY, |m, p| m.min(p.2));
    (
        first_bad,
        ordered_total(parts.iter().map(|p| p.1)),
        smallest,
    )
}

/// One block of [`scan`]: whether any value is bad, Σ y in compensated lanes, and the
/// smallest value above 0. Lane by lane, with comparisons of doubles only (NaN fails both),
/// without branches, so that it vectorises.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane j of several arrays: the vectoriser's shape
fn scan_block(v: &[f64], least: f64) -> (bool, f64, f64) {
    let mut a = Lanes::new();
    let mut smallest = [f64::INFINITY; LANES];
    let mut all_ok = [true; LANES];
    // Lane j takes value y: checked, and the smallest above 0 kept (selects only).
    let mut take = |j: usize, y: f64| {
        all_ok[j] &= (y >= least) & (y < f64::INFINITY);
        smallest[j] = if (y > 0.0) & (y < smallest[j]) {
            y
        } else {
            smallest[j]
        };
    };
    let mut chunks = v.chunks_exact(LANES);
    for c in &mut chunks {
        let mut t = [0.0; LANES];
        for j in 0..LANES {
            t[j] = c[j];
            take(j, c[j]);
        }
        a.add(t);
    }
    let rest = chunks.remainder();
    let mut t = [0.0; LANES];
    for (j, &y) in rest.iter().enumerate() {
        t[j] = y;
        take(j, y);
    }
    a.add(t);
    let small = smallest.iter().fold(f64::INFINITY, |m, &x| m.min(x));
    (!all_ok.iter().all(|&b| b), a.total(), small)
}

widened! {
    /// One block of [`scan`] ([`scan_block`]), in the widest build the processor runs.
    fn scan_dispatch(v: &[f64], least: f64) -> (bool, f64, f64) = scan_block
}

/// The least and greatest of the values (by `<` and `>`: of two zeros, either; NaN is never
/// kept), in parallel blocks; (∞, −∞) when there are none.
pub fn bounds(values: &[f64]) -> (f64, f64) {
    values.par_chunks(BLOCK).map(bounds_dispatch).reduce(
        || (f64::INFINITY, f64::NEG_INFINITY),
        |a, b| (a.0.min(b.0), a.1.max(b.1)),
    )
}

/// One block of [`bounds`]: lane by lane with selects only, so that it vectorises.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane j of several arrays: the vectoriser's shape
fn bounds_block(v: &[f64]) -> (f64, f64) {
    let mut least = [f64::INFINITY; LANES];
    let mut greatest = [f64::NEG_INFINITY; LANES];
    let mut take = |j: usize, y: f64| {
        least[j] = if y < least[j] { y } else { least[j] };
        greatest[j] = if y > greatest[j] { y } else { greatest[j] };
    };
    let mut chunks = v.chunks_exact(LANES);
    for c in &mut chunks {
        for j in 0..LANES {
            take(j, c[j]);
        }
    }
    for (j, &y) in chunks.remainder().iter().enumerate() {
        take(j, y);
    }
    (
        least.iter().fold(f64::INFINITY, |m, &x| m.min(x)),
        greatest.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x)),
    )
}

widened! {
    /// One block of [`bounds`] ([`bounds_block`]), in the widest build the processor runs.
    fn bounds_dispatch(v: &[f64]) -> (f64, f64) = bounds_block
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: std's ln_1p (within 1 ulp of the true value).
    fn reference(x: f64) -> f64 {
        x.ln_1p()
    }

    fn ulps(got: f64, want: f64) -> f64 {
        ((got - want) / want).abs() / f64::EPSILON
    }

    /// A xorshift stream of 64-bit words (test points, reproducible).
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    /// The largest error in ulps of `ours` from `reference` over the points.
    fn worst_ulps(
        points: impl Iterator<Item = f64>,
        ours: impl Fn(f64) -> f64,
        reference: impl Fn(f64) -> f64,
    ) -> f64 {
        points.fold(0.0, |w: f64, x| w.max(ulps(ours(x), reference(x))))
    }

    #[test]
    fn ln_1p_within_its_bound_everywhere() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut points = Vec::with_capacity(4_000_000);
        for _ in 0..1_000_000 {
            // Random bit patterns of 1 + x over the positive normal range, and x near 0.
            let r = f64::from_bits(next() % 0x7fe0_0000_0000_0000 + 0x0010_0000_0000_0000);
            let small = f64::from_bits(next() % 0x3fe0_0000_0000_0000 + 0x0010_0000_0000_0000);
            let mid = (next() % 1000) as f64 / 1000.0 - 0.29;
            points.extend([r - 1.0, small, -small * 0.29, mid]);
        }
        let kept = points
            .into_iter()
            .filter(|&x| x > -1.0 && x.is_finite() && x.abs() >= f64::MIN_POSITIVE);
        let worst = worst_ulps(kept, ln_1p, reference);
        // std's ln_1p is within 1 ulp of the true value, so ours is within worst + 1.
        assert!(
            (worst + 1.0) * f64::EPSILON <= LN_1P_MAX_RELATIVE_ERROR,
            "worst {worst} ulps"
        );
        assert_eq!(ln_1p(0.0), 0.0);
        assert!((ln_1p(1.0) - std::f64::consts::LN_2).abs() <= f64::EPSILON);
    }

    /// `ln_ratio(r, r − 1)` is within the same bound of std's ln r across the normal range,
    /// far below 1 included (where `ln_1p(r − 1)` keeps none of r's digits).
    #[test]
    fn ln_ratio_within_its_bound_everywhere() {
        let mut next = xorshift(0x5851_f42d_4c95_7f2d);
        let points: Vec<f64> = (0..2_000_000)
            .map(|_| f64::from_bits(next() % 0x7fe0_0000_0000_0000 + 0x0010_0000_0000_0000))
            .filter(|&r| r != 1.0 && r.is_finite())
            .collect();
        let worst = worst_ulps(points.into_iter(), |r| ln_ratio(r, r - 1.0), f64::ln);
        assert!(
            (worst + 1.0) * f64::EPSILON <= LN_1P_MAX_RELATIVE_ERROR,
            "worst {worst} ulps"
        );
        assert_eq!(ln_ratio(1e-300, -1.0), 1e-300f64.ln());
    }

    #[test]
    fn exp_m1_within_its_bound_everywhere() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut points = Vec::with_capacity(4_000_000);
        for _ in 0..1_000_000 {
            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
            // Across the whole range, and near 0 (down to the smallest normal).
            let tiny = f64::from_bits(next() % 0x3fe0_0000_0000_0000 + 0x0010_0000_0000_0000);
            points.extend([-45.0 + 755.0 * u, tiny, -tiny, (u - 0.5) * 1.4]);
        }
        let kept = points.into_iter().filter(|&t| t <= 709.0);
        let worst = worst_ulps(kept, exp_m1, f64::exp_m1);
        // std's exp_m1 is within 1 ulp of the true value, so ours is within worst + 1.
        assert!(
            (worst + 1.0) * f64::EPSILON <= EXP_M1_MAX_RELATIVE_ERROR,
            "worst {worst} ulps"
        );
        assert_eq!(exp_m1(0.0), 0.0);
        assert_eq!(exp_m1(-41.0), -1.0);
        assert_eq!(exp_m1(f64::NEG_INFINITY), -1.0);
        assert_eq!(exp_m1(710.0), f64::INFINITY);
        assert_eq!(exp_m1(f64::INFINITY), f64::INFINITY);
        assert!(exp_m1(f64::NAN).is_nan());
        let e_m1 = 1.718_281_828_459_045; // e − 1, rounded to a double
        assert!((exp_m1(1.0) - e_m1).abs() <= 2.0 * f64::EPSILON);
    }

    #[test]
    fn exp_within_its_bound_everywhere() {
        let mut next = xorshift(0x6a09_e667_f3bc_c909);
        let mut points = Vec::with_capacity(4_000_000);
        for _ in 0..2_000_000 {
            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let v = (next() >> 11) as f64 / (1u64 << 53) as f64;
            // Across the whole range, and the drawing scale of rates and proportions.
            points.extend([-708.0 + 1417.0 * u, (v - 0.5) * 40.0]);
        }
        let worst = worst_ulps(points.into_iter(), exp, f64::exp);
        // std's exp is within 1 ulp of the true value, so ours is within worst + 1.
        assert!(
            (worst + 1.0) * f64::EPSILON <= EXP_MAX_RELATIVE_ERROR,
            "worst {worst} ulps"
        );
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-708.5), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(709.5), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        let e = std::f64::consts::E;
        assert!((exp(1.0) - e).abs() <= e * f64::EPSILON);
        assert!((exp(-708.0) / (-708.0f64).exp() - 1.0).abs() <= EXP_MAX_RELATIVE_ERROR);
        assert!((exp(709.0) / 709.0f64.exp() - 1.0).abs() <= EXP_MAX_RELATIVE_ERROR);
    }

    /// The AVX-512 / AVX2 blocks give the baseline build's bits (no FMA, same operations).
    #[test]
    fn wide_blocks_are_the_baseline_bits() {
        let v: Vec<f64> = (0..10_007)
            .map(|i| 0.5 + (i as f64 * 0.37).sin().abs() * 9.0)
            .collect();
        let w: Vec<f64> = (0..10_007).map(|i| 1.0 + (i % 7) as f64).collect();
        let term = |y: f64, w: f64| {
            let x = (y - 3.0) * (1.0 / 3.0);
            w * ((1.0 + x) * ln_1p(x) - x)
        };
        let mut bad = v.clone();
        bad[9_000] = f64::NAN;
        for (values, least, is_bad) in [(&v, 0.0, false), (&v, 0.6, true), (&bad, 0.0, true)] {
            let (b0, s0, m0) = scan_block(values, least);
            let (b1, s1, m1) = scan_dispatch(values, least);
            assert_eq!(
                (b0, s0.to_bits(), m0.to_bits()),
                (b1, s1.to_bits(), m1.to_bits())
            );
            assert_eq!(b0, is_bad);
        }
        let (_, _, m) = scan_block(&v, 0.0);
        assert_eq!(m, v.iter().copied().fold(f64::INFINITY, f64::min));
        for wt in [None, Some(w.as_slice())] {
            let base = block_sums(&v, wt, &term);
            let wide = block_dispatch(&v, wt, &term);
            assert_eq!(base.0.to_bits(), wide.0.to_bits());
            assert_eq!(base.1.to_bits(), wide.1.to_bits());
        }
    }

    /// The bounds are the least and greatest values, in every build and over blocks.
    #[test]
    fn bounds_are_the_least_and_greatest() {
        let v: Vec<f64> = (0..200_003)
            .map(|i| 0.5 + (i as f64 * 0.37).sin() * 9.0)
            .collect();
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(bounds(&v), (min, max));
        assert_eq!(bounds_block(&v[..1_001]), bounds_dispatch(&v[..1_001]));
        assert_eq!(bounds(&[]), (f64::INFINITY, f64::NEG_INFINITY));
        assert_eq!(bounds(&[2.0]), (2.0, 2.0));
    }

    #[test]
    fn sums_are_thread_independent_and_compensated() {
        // 1 followed by many values of 1e-16: a plain sum in order loses them all.
        let mut v = vec![1e-16; 200_000];
        v[0] = 1.0;
        let (s, n) = sum2(&v, None, |y, _| y);
        assert_eq!(n, 200_000.0);
        let want = 1.0 + 199_999.0 * 1e-16;
        assert!((s - want).abs() <= 2.0 * f64::EPSILON, "{s} vs {want}");
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let s1 = one.install(|| sum2(&v, None, |y, _| y)).0;
        assert_eq!(s1.to_bits(), s.to_bits());
    }
}
