//! The SII's simulated replicates ([`super::sii`]), in fixed blocks that run in parallel.
//!
//! Block k of a stream draws from the stream's generator advanced by k · 2¹²⁸ draws
//! ([`Rng::jump`]): the blocks never share draws, and the replicates are the same bits on any
//! number of threads. Inside a block the normals are drawn subgroup by subgroup (the block's
//! [`BLOCK`] draws of the first subgroup, then of the second, …), so that the back-transform and
//! the regression's two sums run as loops over the replicates, which the compiler vectorises,
//! with the vectorisable exponential [`fastlog::exp`] (within 2 ulps of the true eᵗ).

use rayon::prelude::*;

use super::fastlog::{self, widened};
use super::rng::Rng;
use super::sii::{ends, ValueType};
use crate::buffer;
use crate::cancel::{self, Progress};
use crate::error::Result;

/// Replicates per block: a block's scratch (4 × 32 KiB) stays in cache, and one subgroup's
/// draws for it take about 20 µs, the period of the cancellation checks. (Measured on one
/// decile table of a rate: blocks of 1 024 and 2 048 were 3–4 % slower on one thread and 25 %
/// slower on two.)
pub(super) const BLOCK: usize = 4096;

/// The simulation's model: each subgroup's value on the drawing scale and its standard error
/// there, the regression's weights (intercept = Σ c0_j v_j, slope = Σ c1_j v_j) and the shares.
pub(super) struct Model<'a> {
    pub t: &'a [f64],
    pub se: &'a [f64],
    pub c0: &'a [f64],
    pub c1: &'a [f64],
    pub p: &'a [f64],
    pub vt: ValueType,
    /// Fit on the drawing scale (PHE's `transform`), else on the value scale.
    pub transform: bool,
    pub multiplier: f64,
}

/// The replicates: the SII's (slopes on the drawing scale under `transform`), the RII's
/// (without `transform` only) and `rii_mean`'s (when asked); and whether every replicate's
/// fitted line is above 0 at the end the RII divides by.
pub(super) struct Replicates {
    pub sims: Vec<f64>,
    pub riis: Vec<f64>,
    pub rms: Vec<f64>,
    pub rii_defined: bool,
}

/// `n` replicates of the model from `stream` of `seed`, in parallel blocks; checks for
/// cancellation before each subgroup of a block and reports progress by block.
pub(super) fn simulate(
    m: &Model,
    n: usize,
    rii_mean: bool,
    seed: u64,
    stream: u64,
) -> Result<Replicates> {
    // Before the buffers and the streams' jumps (about a millisecond at a million
    // repetitions): a cancelled batch of many tables then ends at once.
    cancel::check()?;
    // Every element is written by its block; handed back by the caller (`give_back`).
    let mut sims = buffer::scratch(n);
    let mut riis = buffer::scratch(if m.transform { 0 } else { n });
    let mut rms = buffer::scratch(if rii_mean { n } else { 0 });
    let blocks = n.div_ceil(BLOCK);
    let mut rng = Rng::new(seed, stream);
    let mut work = Vec::with_capacity(blocks);
    {
        let (mut s, mut r, mut q) = (
            sims.chunks_mut(BLOCK),
            riis.chunks_mut(BLOCK),
            rms.chunks_mut(BLOCK),
        );
        for k in 0..blocks {
            let out = Out {
                sims: s.next().unwrap_or_default(),
                riis: r.next().unwrap_or_default(),
                rms: q.next().unwrap_or_default(),
            };
            if k > 0 {
                // A jump costs 256 steps: none for a simulation of one block.
                rng.jump();
            }
            work.push((out, rng.clone()));
        }
    }
    let token = cancel::current();
    let progress = Progress::start(n as u64);
    let defined = work
        .into_par_iter()
        .map(|(out, rng)| {
            let len = out.sims.len();
            let d = block(m, rng, out, token.as_ref())?;
            progress.advance(len as u64);
            Ok(d)
        })
        .collect::<Result<Vec<bool>>>()?;
    Ok(Replicates {
        sims,
        riis,
        rms,
        rii_defined: defined.iter().all(|&d| d),
    })
}

impl Replicates {
    /// Hands the replicate vectors back for the next simulation's reuse.
    pub(super) fn give_back(self) {
        buffer::release(self.sims);
        buffer::release(self.riis);
        buffer::release(self.rms);
    }
}

/// One block's outputs (`riis` and `rms` empty when not computed).
struct Out<'a> {
    sims: &'a mut [f64],
    riis: &'a mut [f64],
    rms: &'a mut [f64],
}

/// One block of replicates; true when every fitted line is above 0 where the RII divides.
/// Checks for cancellation before each subgroup's draws (4 096 of them).
fn block(m: &Model, mut rng: Rng, out: Out, token: Option<&cancel::Token>) -> Result<bool> {
    let len = out.sims.len();
    let mut z = vec![0.0; len];
    let mut a = vec![0.0; len];
    let mut b = vec![0.0; len];
    let mut mean = vec![0.0; if out.rms.is_empty() { 0 } else { len }];
    for j in 0..m.t.len() {
        cancel::check_carried(token)?;
        rng.fill_normals(&mut z);
        add_subgroup(m, j, &z, &mut a, &mut b, &mut mean);
    }
    Ok(finish(m, &a, &b, &mean, out))
}

/// Adds subgroup j's draws (`z`, standard normals) to the block's sums.
fn add_subgroup(m: &Model, j: usize, z: &[f64], a: &mut [f64], b: &mut [f64], mean: &mut [f64]) {
    let w = Weights {
        t: m.t[j],
        se: m.se[j],
        c0: m.c0[j],
        c1: m.c1[j],
        p: m.p[j],
    };
    let sums = Sums { a, b, mean };
    match m.vt {
        ValueType::Other => accumulate(z, w, &|d| d, m.transform, sums),
        ValueType::Rate => accumulate(z, w, &fastlog::exp, m.transform, sums),
        ValueType::Proportion => {
            let back = |d: f64| 1.0 / (1.0 + fastlog::exp(-d));
            accumulate(z, w, &back, m.transform, sums)
        }
    }
}

/// Subgroup j's part of the model.
#[derive(Clone, Copy)]
struct Weights {
    t: f64,
    se: f64,
    c0: f64,
    c1: f64,
    p: f64,
}

/// The block's running sums: intercepts, slopes and (when asked) weighted means.
struct Sums<'a> {
    a: &'a mut [f64],
    b: &'a mut [f64],
    mean: &'a mut [f64],
}

/// Adds one subgroup's draws (`z`, standard normals) to the block's sums: the draw on the
/// drawing scale is t + se·z; the regression reads it there under `transform`, else
/// back-transformed; the weighted mean always reads the value scale.
#[inline(always)]
fn sums_of<F: Fn(f64) -> f64>(z: &[f64], w: Weights, back: &F, transform: bool, s: Sums) {
    let (a, b) = (&mut s.a[..z.len()], &mut s.b[..z.len()]);
    match (transform, s.mean.is_empty()) {
        (false, true) => {
            for ((&zk, ak), bk) in z.iter().zip(a.iter_mut()).zip(b.iter_mut()) {
                let v = back(w.t + w.se * zk);
                *ak += w.c0 * v;
                *bk += w.c1 * v;
            }
        }
        (true, true) => {
            for ((&zk, ak), bk) in z.iter().zip(a.iter_mut()).zip(b.iter_mut()) {
                let d = w.t + w.se * zk;
                *ak += w.c0 * d;
                *bk += w.c1 * d;
            }
        }
        (transform, false) => {
            let mean = &mut s.mean[..z.len()];
            for (k, &zk) in z.iter().enumerate() {
                let d = w.t + w.se * zk;
                let v = back(d);
                let fit = if transform { d } else { v };
                a[k] += w.c0 * fit;
                b[k] += w.c1 * fit;
                mean[k] += w.p * v;
            }
        }
    }
}

widened! {
    /// [`sums_of`] in the widest build the processor runs.
    fn accumulate<F: Fn(f64) -> f64>(z: &[f64], w: Weights, back: &F, transform: bool, s: Sums)
        -> () = sums_of
}

/// The block's replicates from its sums: the SII (× multiplier; the slope itself under
/// `transform`, whose limits are back-transformed later), the RII and `rii_mean`.
fn finish(m: &Model, a: &[f64], b: &[f64], mean: &[f64], out: Out) -> bool {
    let mult = m.multiplier;
    let mut defined = true;
    for k in 0..out.sims.len() {
        let (ak, bk) = (a[k], b[k]);
        if !out.rms.is_empty() {
            // The replicate's SII over its own weighted mean, both on the value scale.
            let (e0, e1) = ends(m.vt, m.transform, ak, bk);
            out.rms[k] = mult.signum() * (e1 - e0) / mean[k];
        }
        if m.transform {
            out.sims[k] = bk;
        } else {
            out.sims[k] = mult * bk;
            defined &= if mult < 0.0 { ak + bk > 0.0 } else { ak > 0.0 };
            out.riis[k] = if mult < 0.0 {
                ak / (ak + bk)
            } else {
                (ak + bk) / ak
            };
        }
    }
    defined
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The replicates written the plain way: replicate by replicate, one subgroup after
    /// another, with `f64::exp` and `dot` products, drawing the same normals (block k from
    /// the k-th jump of the stream, its draws subgroup by subgroup).
    #[allow(clippy::needless_range_loop)] // replicate k: column k of z, subgroup by subgroup
    fn plain(m: &Model, n: usize, seed: u64, stream: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let g = m.t.len();
        let mut base = Rng::new(seed, stream);
        let (mut sims, mut riis, mut rms) = (vec![], vec![], vec![]);
        for start in (0..n).step_by(BLOCK) {
            let len = BLOCK.min(n - start);
            let mut rng = base.clone();
            base.jump();
            // z[j][k]: subgroup j's draw for the block's replicate k.
            let z: Vec<Vec<f64>> = (0..g)
                .map(|_| (0..len).map(|_| rng.ziggurat_normal()).collect())
                .collect();
            for k in 0..len {
                let d: Vec<f64> = (0..g).map(|j| m.t[j] + m.se[j] * z[j][k]).collect();
                let v: Vec<f64> = d.iter().map(|&x| m.vt.back(x)).collect();
                let fit = if m.transform { &d } else { &v };
                let dot = |c: &[f64], x: &[f64]| c.iter().zip(x).map(|(c, x)| c * x).sum::<f64>();
                let (a, b) = (dot(m.c0, fit), dot(m.c1, fit));
                let mean = dot(m.p, &v);
                let (e0, e1) = if m.transform {
                    (m.vt.back(a), m.vt.back(a + b))
                } else {
                    (a, a + b)
                };
                rms.push(m.multiplier.signum() * (e1 - e0) / mean);
                if m.transform {
                    sims.push(b);
                } else {
                    sims.push(m.multiplier * b);
                    riis.push((a + b) / a);
                }
            }
        }
        (sims, riis, rms)
    }

    #[test]
    fn blocks_give_the_plain_replicates() {
        let t = [4.1, 4.3, 4.2, 4.6, 4.9];
        let se = [0.05, 0.08, 0.04, 0.06, 0.07];
        let p = [0.1, 0.3, 0.2, 0.25, 0.15];
        let x: Vec<f64> = p
            .iter()
            .scan(0.0, |acc, &pi| {
                let mid = *acc + pi / 2.0;
                *acc += pi;
                Some(mid)
            })
            .collect();
        let xbar: f64 = p.iter().zip(&x).map(|(p, x)| p * x).sum();
        let sxx: f64 = p.iter().zip(&x).map(|(p, x)| p * (x - xbar).powi(2)).sum();
        let c1: Vec<f64> = p
            .iter()
            .zip(&x)
            .map(|(p, x)| p * (x - xbar) / sxx)
            .collect();
        let c0: Vec<f64> = p.iter().zip(&c1).map(|(p, c)| p - xbar * c).collect();
        // 10 000 replicates: two whole blocks and a part.
        let n = 10_000;
        for (vt, transform) in [
            (ValueType::Rate, false),
            (ValueType::Rate, true),
            (ValueType::Other, false),
        ] {
            let shift = if vt == ValueType::Other { 1.0 } else { 0.0 };
            let t: Vec<f64> = t.iter().map(|v| v + shift).collect();
            let m = Model {
                t: &t,
                se: &se,
                c0: &c0,
                c1: &c1,
                p: &p,
                vt,
                transform,
                multiplier: 2.0,
            };
            let r = simulate(&m, n, true, 9, 4).unwrap();
            let (sims, riis, rms) = plain(&m, n, 9, 4);
            // Within a few ulps: the plain way's exponential is `f64::exp` (ours is within
            // 2 ulps of it) and its sums may round differently.
            let near = |x: &[f64], y: &[f64], what: &str| {
                assert_eq!(x.len(), y.len(), "{what}");
                for (k, (a, b)) in x.iter().zip(y).enumerate() {
                    let tol = 1e-12 * a.abs().max(b.abs()).max(1e-3);
                    assert!(
                        (a - b).abs() <= tol,
                        "{vt:?} {transform} {what}[{k}]: {a} vs {b}"
                    );
                }
            };
            near(&r.sims, &sims, "sims");
            near(&r.riis, &riis, "riis");
            near(&r.rms, &rms, "rms");
            assert!(r.rii_defined);
        }
    }
}
