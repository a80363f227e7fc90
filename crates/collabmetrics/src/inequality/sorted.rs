//! The values in ascending order without a sorted copy of them, a run of keys at a time: for
//! the Gini coefficient of tens of millions of unweighted values within 1.3× their memory.
//!
//! Doubles map to 64-bit keys whose unsigned order is `f64::total_cmp`'s ([`key`]). The
//! caller knows the least and greatest values (`fastlog::bounds`, one vectorised pass). A
//! histogram of the keys (2¹² bins over their range, counted chunk by chunk of 2²⁰ values)
//! packs consecutive bins into batches of about a fifth of the values. Each batch is gathered
//! in one parallel pass over the values, every chunk writing its keys of the batch into its
//! own part of one buffer (the chunk's counts say where: no lock, no second copy), sorted by
//! a parallel radix sort on the keys (`rdst`), then handed on in order. A bin holding more
//! than a batch is split by a finer histogram of its own range, down to a single key (one
//! distinct value, whose count the histogram already knows: no gather). Peak extra memory:
//! one batch (at most 0.225 of the values' count in keys: a fifth, and an eighth more so that
//! the last batch is not a small remainder, each batch costing a pass), the radix sort's
//! scratch and the histograms (measured on 50 M values: 0.20–0.27 of the values' memory).
//!
//! [`Distribution::of`](super::individual::Distribution) sorts a copy with the same radix sort.

use rayon::prelude::*;
use rdst::RadixSort;

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
pub(crate) fn sort_keys(keys: &mut [u64]) {
    keys.radix_sort_unstable();
}

/// Bins of a histogram: 2¹² counts of u32 (16 KiB, in the first-level cache while counting).
const BINS_LOG2: u32 = 12;
/// Values per chunk of the histogram and of the gathering: each chunk keeps its own counts,
/// so that it knows where its keys of a batch go. Small in the tests, so that their inputs
/// span many chunks.
const CHUNK: usize = if cfg!(test) { 1 << 12 } else { 1 << 20 };
/// The fewest keys per batch: smaller inputs are sorted in one.
const LEAST_BATCH: usize = 1 << 16;

/// Keys of the values in ascending order, a run at a time (see [`ascending_runs`]).
pub(crate) enum Run<'a> {
    /// Sorted keys (equal ones side by side).
    Sorted(&'a [u64]),
    /// One key, this many times.
    Repeated(u64, usize),
}

/// Calls `visit` with the keys of all `values` in ascending order, run after run (every key
/// of a run is above every key of the runs before). `bounds` are the least and the greatest
/// of the values by `<` (a zero of either sign stands for both); the values are only read.
pub(crate) fn ascending_runs(values: &[f64], bounds: (f64, f64), mut visit: impl FnMut(Run<'_>)) {
    let n = values.len();
    if n == 0 {
        return;
    }
    // Keys order −0 below +0, which `<` does not tell apart: a zero bound covers both.
    let lo = key(if bounds.0 == 0.0 { -0.0 } else { bounds.0 });
    let hi = key(if bounds.1 == 0.0 { 0.0 } else { bounds.1 });
    debug_assert!(values.iter().all(|&v| (lo..=hi).contains(&key(v))));
    // Batches of about a fifth of the values, up to an eighth more, so that the last one is
    // not a small remainder (each batch costs a pass over all the values); one buffer serves
    // them all.
    let target = n.div_ceil(5).max(LEAST_BATCH);
    let mut batch = Batches {
        values,
        target,
        budget: target + target / 8,
        keys: Vec::new(),
    };
    batch.range(lo, hi, n, &mut visit);
}

/// The batches of one [`ascending_runs`]: the values, the batch sizes, and the keys' buffer.
struct Batches<'a> {
    values: &'a [f64],
    /// Keys per batch aimed at, and at most.
    target: usize,
    budget: usize,
    keys: Vec<u64>,
}

impl Batches<'_> {
    /// The keys in [lo, hi] (`count` of them) in ascending order, into `visit`.
    fn range(&mut self, lo: u64, hi: u64, count: usize, visit: &mut impl FnMut(Run<'_>)) {
        if count == 0 {
            return;
        }
        if lo == hi {
            visit(Run::Repeated(lo, count));
            return;
        }
        if count == self.values.len() && count <= self.budget {
            // Every value, in one batch: each chunk's share is its length, no histogram.
            let per_chunk: Vec<usize> = self.values.chunks(CHUNK).map(<[f64]>::len).collect();
            self.sorted(lo, hi, &per_chunk, visit);
            return;
        }
        let span = hi - lo;
        let shift = (64 - span.leading_zeros()).saturating_sub(BINS_LOG2);
        let bins = ((span >> shift) + 1) as usize;
        let hist = histogram(self.values, lo, hi, shift, bins);
        let total = |b: usize, e: usize| {
            hist.iter()
                .map(move |h| h[b..e].iter().sum::<u32>() as usize)
        };
        let bin_lo = |b: usize| lo + ((b as u64) << shift);
        let bin_hi = |b: usize| if b + 1 == bins { hi } else { bin_lo(b + 1) - 1 };
        let in_bin: Vec<usize> = (0..bins).map(|b| total(b, b + 1).sum()).collect();
        // Every key of the range is in a bin: else the bounds were wrong, and records would be
        // left out without a word.
        assert_eq!(
            in_bin.iter().sum::<usize>(),
            count,
            "keys outside the bounds given"
        );
        // As few batches as the budget allows, of about equal size.
        let target = count.div_ceil(count.div_ceil(self.target));
        let mut b = 0;
        while b < bins && crate::cancel::check().is_ok() {
            // (Once cancelled, the batches left are not read: the caller's bracket reports it.)
            // Bins b..e until their total reaches the target, within the budget.
            let (mut e, mut sum) = (b, 0usize);
            while e < bins && (e == b || (sum < target && sum + in_bin[e] <= self.budget)) {
                sum += in_bin[e];
                e += 1;
            }
            if sum > self.budget {
                // One bin above the budget: a finer histogram of its own range.
                self.range(bin_lo(b), bin_hi(b), sum, visit);
            } else if sum > 0 {
                let per_chunk: Vec<usize> = total(b, e).collect();
                self.sorted(bin_lo(b), bin_hi(e - 1), &per_chunk, visit);
            }
            b = e;
        }
    }

    /// The keys in [lo, hi], `per_chunk[c]` of them in chunk c, gathered and sorted.
    fn sorted(&mut self, lo: u64, hi: u64, per_chunk: &[usize], visit: &mut impl FnMut(Run<'_>)) {
        let count = per_chunk.iter().sum();
        if self.keys.len() < count {
            // Once per call, for every batch: zeroed pages from the kernel, on huge pages.
            self.keys = crate::buffer::zeroed(self.budget.max(count));
        }
        let keys = &mut self.keys[..count];
        let filled = gather(self.values, lo, hi, per_chunk, keys);
        assert!(filled, "keys outside the bounds given");
        sort_keys(keys);
        visit(Run::Sorted(keys));
    }
}

/// Counts of the keys in [lo, hi] by bin (key − lo) >> shift, chunk by chunk.
fn histogram(values: &[f64], lo: u64, hi: u64, shift: u32, bins: usize) -> Vec<Vec<u32>> {
    let span = hi - lo;
    values
        .par_chunks(CHUNK)
        .map(|c| {
            // One more bin for the keys outside [lo, hi], so that counting needs no branch.
            let mut h = vec![0u32; bins + 1];
            for &v in c {
                let d = key(v).wrapping_sub(lo);
                h[if d <= span {
                    (d >> shift) as usize
                } else {
                    bins
                }] += 1;
            }
            h.truncate(bins);
            h
        })
        .collect()
}

/// The keys in [lo, hi] into `out`, in no particular order (they are sorted next): chunk c
/// of the values has `per_chunk[c]` of them (from the histogram, or its length when the range
/// holds every value) and fills its own part of `out`, in parallel. False when a chunk found
/// fewer.
fn gather(values: &[f64], lo: u64, hi: u64, per_chunk: &[usize], out: &mut [u64]) -> bool {
    let mut parts = Vec::with_capacity(per_chunk.len());
    let mut rest = out;
    for &c in per_chunk {
        let (part, tail) = rest.split_at_mut(c);
        parts.push(part);
        rest = tail;
    }
    let span = hi - lo;
    values
        .par_chunks(CHUNK)
        .zip(parts)
        .map(|(c, part)| {
            // Branch-free compaction (a branch on whether a key is kept would mispredict):
            // every key is written where the next kept one goes; the chunk stops once its
            // part is full (the rest of it has no key in range).
            let mut at = 0;
            if part.is_empty() {
                return true;
            }
            for &v in c {
                let k = key(v);
                part[at] = k;
                at += usize::from(k.wrapping_sub(lo) <= span);
                if at == part.len() {
                    return true;
                }
            }
            false
        })
        .reduce(|| true, |a, b| a & b)
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
        let mut cases: Vec<Vec<f64>> = vec![
            vec![2.0],
            vec![0.0, -0.0, 1.0, 0.0],
            // Only zeros: the greatest by `<` may be −0, the range must still reach +0.
            vec![-0.0, 0.0, -0.0, 0.0, 0.0],
        ];
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
            // Bounds by `<`, as the Gini finds them: of two zeros, either.
            ascending_runs(&v, crate::inequality::fastlog::bounds(&v), |run| {
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
