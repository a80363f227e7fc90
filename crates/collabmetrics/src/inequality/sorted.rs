//! The values in ascending order without a sorted copy of them, a run of keys at a time: for
//! the Gini coefficient of tens of millions of unweighted values within 1.3× their memory.
//!
//! Doubles map to 64-bit keys whose unsigned order is `f64::total_cmp`'s ([`key`]). A
//! histogram of the keys (2¹⁶ bins over their range) packs consecutive bins into batches of
//! at most a fifth of the values; each batch is gathered from the values in one parallel
//! scan and sorted by a parallel radix sort on the keys (`rdst`), then handed on in order. A
//! bin holding more than a batch is split by a finer histogram of its own range, down to a
//! single key (one distinct value, whose count the histogram already knows: no gather).
//! Peak extra memory: one batch (a fifth of the values), the radix sort's scratch and the
//! histograms (measured: 0.13–0.3 of the values' memory on 50 M values).
//!
//! [`Distribution::of`](super::individual::Distribution) sorts a copy with the same radix sort.

use rayon::prelude::*;
use rdst::RadixSort;
use std::sync::Mutex;

/// The key of a double: unsigned order = `total_cmp` order (−0 just below +0).
#[inline]
pub(crate) fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// The double of a key (inverse of [`key`]).
#[inline]
pub(crate) fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Sorts keys ascending in parallel (least significant digit radix sort, `rdst`).
pub(crate) fn sort_keys(keys: &mut Vec<u64>) {
    keys.radix_sort_unstable();
}

const BINS_LOG2: u32 = 16;
const BLOCK: usize = 1 << 16;
/// Keys a gathering block collects before adding them to the batch.
const FLUSH: usize = 1024;

/// Keys of the values in ascending order, a run at a time (see [`ascending_runs`]).
pub(crate) enum Run<'a> {
    /// Sorted keys (equal ones side by side).
    Sorted(&'a [u64]),
    /// One key, this many times.
    Repeated(u64, usize),
}

/// Calls `visit` with the keys of all `values` in ascending order, run after run (every key
/// of a run is above every key of the runs before). The values are only read.
pub(crate) fn ascending_runs(values: &[f64], mut visit: impl FnMut(Run<'_>)) {
    let n = values.len();
    if n == 0 {
        return;
    }
    let (lo, hi) = values
        .par_chunks(BLOCK)
        .map(|c| {
            c.iter().fold((u64::MAX, 0u64), |(a, b), &v| {
                (a.min(key(v)), b.max(key(v)))
            })
        })
        .reduce(|| (u64::MAX, 0), |x, y| (x.0.min(y.0), x.1.max(y.1)));
    let budget = n.div_ceil(5).max(BLOCK);
    range(values, lo, hi, n, budget, &mut visit);
}

/// The keys in [lo, hi] (`count` of them) in ascending order, into `visit`.
fn range(
    values: &[f64],
    lo: u64,
    hi: u64,
    count: usize,
    budget: usize,
    visit: &mut impl FnMut(Run<'_>),
) {
    if count == 0 {
        return;
    }
    if lo == hi {
        visit(Run::Repeated(lo, count));
        return;
    }
    if count <= budget {
        let mut keys = gather(values, lo, hi, count);
        sort_keys(&mut keys);
        visit(Run::Sorted(&keys));
        return;
    }
    // Finer: a histogram of [lo, hi], its bins packed into batches.
    let span = hi - lo;
    let shift = (64 - span.leading_zeros()).saturating_sub(BINS_LOG2);
    let bins = ((span >> shift) + 1) as usize;
    let hist = histogram(values, lo, hi, shift, bins);
    let bin_lo = |b: usize| lo + ((b as u64) << shift);
    let bin_hi = |b: usize| if b + 1 == bins { hi } else { bin_lo(b + 1) - 1 };
    // As few batches as the budget allows, of about equal size: filling each to the budget
    // would leave a small last batch, which costs a whole gathering pass over the values.
    let target = count.div_ceil(count.div_ceil(budget));
    let mut b = 0;
    while b < bins {
        // Bins b..e until their total reaches the target, within the budget (at least one bin).
        let (mut e, mut total) = (b, 0usize);
        while e < bins && (e == b || (total < target && total + hist[e] <= budget)) {
            total += hist[e];
            e += 1;
        }
        range(values, bin_lo(b), bin_hi(e - 1), total, budget, visit);
        b = e;
    }
}

/// Counts of the keys in [lo, hi] by bin (key − lo) >> shift.
fn histogram(values: &[f64], lo: u64, hi: u64, shift: u32, bins: usize) -> Vec<usize> {
    values
        .par_chunks(BLOCK * 16)
        .fold(
            || vec![0usize; bins],
            |mut h, c| {
                for &v in c {
                    let k = key(v);
                    if k >= lo && k <= hi {
                        h[((k - lo) >> shift) as usize] += 1;
                    }
                }
                h
            },
        )
        .reduce(
            || vec![0usize; bins],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// The keys in [lo, hi], `count` of them, in no particular order (they are sorted next):
/// each block filters into a small local buffer, flushed into the shared one.
fn gather(values: &[f64], lo: u64, hi: u64, count: usize) -> Vec<u64> {
    let out = Mutex::new(Vec::with_capacity(count));
    values.par_chunks(BLOCK).for_each(|c| {
        // Branch-free compaction (about one value in eight is kept: a branch on it would
        // mispredict often): every key is written, the cursor advances only for those kept.
        let mut local = [0u64; FLUSH + 1];
        let mut len = 0;
        let flush = |keys: &[u64]| {
            // A poisoned lock means another block panicked: that panic is reported anyway.
            if let Ok(mut o) = out.lock() {
                o.extend_from_slice(keys);
            }
        };
        for &v in c {
            let k = key(v);
            local[len] = k;
            len += usize::from(k.wrapping_sub(lo) <= hi - lo);
            if len == FLUSH {
                flush(&local[..len]);
                len = 0;
            }
        }
        flush(&local[..len]);
    });
    out.into_inner().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_as_total_cmp_and_invert() {
        let v = [-3.5, -0.0, 0.0, 1e-310, 2.0, f64::MAX, -f64::MAX];
        for a in v {
            assert_eq!(value(key(a)).to_bits(), a.to_bits());
            for b in v {
                assert_eq!(key(a).cmp(&key(b)), a.total_cmp(&b));
            }
        }
    }

    /// The runs' keys, in turn, are the keys of a sorted copy; on sizes that take the gather,
    /// the finer histograms and the single-key bins.
    #[test]
    fn ascending_runs_are_the_sorted_keys() {
        let mut rng = crate::inequality::rng::Rng::new(3, 1);
        let mut cases: Vec<Vec<f64>> = vec![vec![2.0], vec![0.0, -0.0, 1.0, 0.0]];
        // Spread values with ties; one value holding most of the records; nearly equal ones.
        cases.push(
            (0..700_000u64)
                .map(|i| ((i * 7919) % 100_003) as f64 * 0.37)
                .collect(),
        );
        cases.push(
            (0..700_000)
                .map(|i| {
                    if i % 10 < 8 {
                        5.0
                    } else {
                        rng.uniform() * 10.0
                    }
                })
                .collect(),
        );
        cases.push(
            (0..700_000)
                .map(|i| 1.0 + (i % 5000) as f64 * f64::EPSILON)
                .collect(),
        );
        for v in cases {
            let mut want = v.clone();
            want.sort_by(f64::total_cmp);
            let (mut got, mut runs, mut repeated) = (Vec::new(), 0, 0);
            ascending_runs(&v, |run| {
                runs += 1;
                match run {
                    Run::Sorted(keys) => got.extend(keys.iter().map(|&k| value(k))),
                    Run::Repeated(k, c) => {
                        repeated += 1;
                        got.extend(std::iter::repeat_n(value(k), c));
                    }
                }
            });
            assert_eq!(got.len(), want.len());
            assert!(got
                .iter()
                .zip(&want)
                .all(|(g, w)| g.to_bits() == w.to_bits()));
            if v.len() > 1000 {
                assert!(runs > 1, "several batches");
            }
            if v.len() > 1000 && v[0] == 5.0 {
                assert!(
                    repeated > 0,
                    "the value holding most records: one key repeated"
                );
            }
        }
    }
}
