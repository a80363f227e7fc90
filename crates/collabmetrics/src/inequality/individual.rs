//! Inequality of individual values (people or areas), with optional weights.
//!
//! Every index is computed from the values' distribution: the distinct values ascending,
//! each with the sum of its records' weights. So a result does not depend on the order of
//! the values, and a mergeable state ([`super::individual_state`]), which stores the same
//! distribution, finishes to it bit for bit.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use super::{fastlog, sorted};
use crate::error::{check_len, Error, Result};
use crate::sum::{exponent_unit, neumaier, weight_unit, Neumaier};
use rayon::prelude::*;

/// Values and weights checked and ready for the indices, which are all unchanged by a common
/// factor on the values or on the weights: `v` are the values divided by `unit` (1 unless
/// their weighted sum would overflow), `w` the weights (1 when absent; also divided by a power
/// of two when their sum would overflow).
struct Prepared<'a> {
    v: Cow<'a, [f64]>,
    w: Vec<f64>,
    unit: f64,
}

impl Prepared<'_> {
    /// The distribution of the prepared values (weighted when `weighted`).
    fn distribution(&self, weighted: bool) -> Distribution {
        Distribution::of(&self.v, weighted.then_some(self.w.as_slice()))
    }
}

fn largest(x: impl Iterator<Item = f64>) -> f64 {
    x.fold(0.0f64, f64::max)
}

/// Checks values (finite, ≥ 0, and > 0 when `positive`) and weights (finite, > 0); see
/// [`Prepared`].
fn prepare<'a>(values: &'a [f64], weights: Option<&[f64]>, positive: bool) -> Result<Prepared<'a>> {
    let p = prepare_unscaled(values, weights, positive)?;
    if p.total.is_finite() {
        return Ok(p.prepared);
    }
    let vu = exponent_unit(largest(values.iter().copied()));
    Ok(Prepared {
        v: Cow::Owned(values.iter().map(|v| v / vu).collect()),
        unit: vu,
        ..p.prepared
    })
}

/// [`prepare`] without scaling the values (for the entropy family, whose indices are free of
/// the values' scale and whose means cope with an overflowing Σ w·y), with that sum.
struct Unscaled<'a> {
    prepared: Prepared<'a>,
    total: f64,
}

fn prepare_unscaled<'a>(
    values: &'a [f64],
    weights: Option<&[f64]>,
    positive: bool,
) -> Result<Unscaled<'a>> {
    check_values(values, positive)?;
    let mut w = match weights {
        Some(w) => {
            check_len("weights", w.len(), "values", values.len())?;
            check_weights(w)?;
            w.to_vec()
        }
        None => vec![1.0; values.len()],
    };
    // Every index is unchanged by a common factor on the weights or on the values. Weights are
    // divided by the power of two of the largest (exact: the same bits, but sums and products
    // of weights cannot overflow); values too when their weighted sum would overflow.
    let wu = weight_unit(largest(w.iter().copied()));
    if wu != 1.0 {
        for x in &mut w {
            *x /= wu;
        }
    }
    let total: f64 = values.iter().zip(&w).map(|(v, w)| v * w).sum();
    check_total(total)?;
    Ok(Unscaled {
        prepared: Prepared {
            v: Cow::Borrowed(values),
            w,
            unit: 1.0,
        },
        total,
    })
}

/// The values' (value, weight) pairs from their sorted distribution, the values as they are:
/// the slow path of the entropy indices, where the direct sums overflow.
fn prepare_pairs(
    values: &[f64],
    weights: Option<&[f64]>,
    positive: bool,
) -> Result<Vec<(f64, f64)>> {
    let p = prepare_unscaled(values, weights, positive)?.prepared;
    Ok(p.distribution(weights.is_some()).pairs)
}

/// The entropy indices straight from the values, in any order, without a copy or a sort:
/// checked values and weights, their weighted mean, and parallel compensated sums of each
/// value's term in x = y/ȳ − 1 (see [`deviations`] and [`fastlog`]). They agree with the
/// indices of the sorted distribution (what the tables and states compute) to a few units in
/// the 15th digit (tested): the same terms, summed in another order, with a logarithm of
/// stated error.
struct Direct<'a> {
    values: &'a [f64],
    /// Weights, each to be multiplied by `wscale` (a power of two: exact).
    weights: Option<&'a [f64]>,
    wscale: f64,
    /// Σ w (scaled).
    sw: f64,
    /// The weighted mean ȳ.
    mean: f64,
    /// 1 when Σ w y is finite; else the direct path is not used (see `or_sorted`).
    unit: f64,
    /// Whether some y/ȳ is below the normal range (then the sorted path is used, which takes
    /// ln y − ln ȳ there).
    tiny: bool,
}

impl<'a> Direct<'a> {
    fn new(values: &'a [f64], weights: Option<&'a [f64]>, positive: bool) -> Result<Self> {
        if weights.is_none() {
            // One pass: the checks, Σ y and the smallest value above 0.
            // Values > 0 are those ≥ the smallest subnormal.
            let least = if positive { f64::from_bits(1) } else { 0.0 };
            let (first_bad, total, smallest) = fastlog::scan(values, least);
            match first_bad {
                Some(i) => check_values(&values[..=i], positive)?,
                None => check_values(&values[..values.len().min(1)], positive)?,
            }
            check_total(total)?;
            let sw = values.len() as f64;
            let mean = total / sw;
            return Ok(Direct {
                values,
                weights,
                wscale: 1.0,
                sw,
                mean,
                unit: if total.is_finite() { 1.0 } else { f64::NAN },
                tiny: smallest / mean < 2.0 * f64::MIN_POSITIVE,
            });
        }
        check_values_par(values, positive)?;
        let wscale = match weights {
            Some(w) => {
                check_len("weights", w.len(), "values", values.len())?;
                check_weights_par(w)?;
                1.0 / weight_unit(w.par_iter().copied().reduce(|| 0.0, f64::max))
            }
            None => 1.0,
        };
        let (total, n) = fastlog::sum2(values, weights, |y, w| y * (w * wscale));
        let sw = match weights {
            Some(w) => fastlog::sum2(w, None, |x, _| x * wscale).0,
            None => n,
        };
        check_total(total)?;
        let mean = total / sw;
        let smallest = values
            .par_iter()
            .copied()
            .filter(|&v| v > 0.0)
            .reduce(|| f64::INFINITY, f64::min);
        Ok(Direct {
            values,
            weights,
            wscale,
            sw,
            mean,
            unit: if total.is_finite() && mean.is_finite() {
                1.0
            } else {
                f64::NAN
            },
            tiny: smallest / mean < 2.0 * f64::MIN_POSITIVE,
        })
    }

    /// Σ w term(x, r) / Σ w, r = y/ȳ and x = r − 1 (each to its own precision: x near
    /// r = 1, r itself where y is far below ȳ and x has rounded towards −1).
    fn mean_of(&self, term: impl Fn(f64, f64) -> f64 + Sync) -> f64 {
        if self.unit != 1.0 || self.tiny {
            return f64::NAN; // the sorted path decides
        }
        // x = (y − ȳ) · (1/ȳ): one rounding more than a division, and no division per value.
        let (m, inv, ws) = (self.mean, 1.0 / self.mean, self.wscale);
        let (s, _) = fastlog::sum2(self.values, self.weights, |y, w| {
            (w * ws) * term((y - m) * inv, y * inv)
        });
        s / self.sw
    }

    /// The direct result when finite, else `slow()` (values near the largest double, a large
    /// |α| or ε, or ratios below the normal range: the sorted distribution's paths with their
    /// scalings and log-space fallbacks).
    fn or_sorted(&self, v: f64, slow: impl FnOnce() -> Result<f64>) -> Result<f64> {
        if v.is_finite() {
            Ok(v)
        } else {
            slow()
        }
    }
}

/// [`check_values`] in parallel: the first bad value found in parallel, its error from the
/// sequential check of the values up to it (the same error, same index).
fn check_values_par(values: &[f64], positive: bool) -> Result<()> {
    checked_total(values, positive).map(|_| ())
}

/// [`check_values_par`], and Σ y ([`fastlog::scan`]'s compensated sum).
fn checked_total(values: &[f64], positive: bool) -> Result<f64> {
    // The vectorised scan (comparisons of doubles, block by block in parallel), not a
    // per-value closure: values > 0 are those ≥ the smallest subnormal.
    let least = if positive { f64::from_bits(1) } else { 0.0 };
    let (first_bad, total, _) = fastlog::scan(values, least);
    match first_bad {
        Some(i) => check_values(&values[..=i], positive)?,
        None => check_values(&values[..values.len().min(1)], positive)?,
    }
    Ok(total)
}

/// [`check_weights`] in parallel (as [`check_values_par`]).
fn check_weights_par(w: &[f64]) -> Result<()> {
    // Finite and > 0: at least the smallest subnormal and below ∞ (the vectorised scan).
    match fastlog::scan(w, f64::from_bits(1)).0 {
        Some(i) => check_weights(&w[..=i]),
        None => Ok(()),
    }
}

/// (value, weight) pairs ready for the sums, as [`prepare`] makes values and weights: weights
/// divided by the power of two of the largest, values too when Σ w·y would overflow (then
/// the values' unit is returned, else 1). Exact powers of two: where nothing overflows, every
/// index has the same bits as on the pairs as given.
fn ready(pairs: &[(f64, f64)]) -> (Cow<'_, [(f64, f64)]>, f64) {
    let weighted = weights_ready(pairs);
    let total: f64 = weighted.iter().map(|&(v, w)| v * w).sum();
    if total.is_finite() {
        return (weighted, 1.0);
    }
    let vu = exponent_unit(largest(pairs.iter().map(|p| p.0)));
    let scaled = weighted.iter().map(|&(v, w)| (v / vu, w)).collect();
    (Cow::Owned(scaled), vu)
}

/// The pairs with their weights divided by the power of two of the largest (exact: sums and
/// products of weights cannot overflow), the values kept: the entropy family is free of the
/// values' scale, and [`weighted_mean`] copes with a Σ w·y beyond the largest double.
/// (Dividing the values by a power of two near the largest, as [`ready`] then does for the
/// Gini, flushed values below about 10⁻²⁹⁰ beside values near 10³⁰⁸ to 0: an MLD of about 350
/// became −ln 0, an error.)
fn weights_ready(pairs: &[(f64, f64)]) -> Cow<'_, [(f64, f64)]> {
    let wu = weight_unit(largest(pairs.iter().map(|p| p.1)));
    if wu == 1.0 {
        Cow::Borrowed(pairs)
    } else {
        Cow::Owned(pairs.iter().map(|&(v, w)| (v, w / wu)).collect())
    }
}

/// The pairs with their values divided by the power of two of the largest (for the Gini,
/// whose pairwise sums can overflow although Σ w·y does not).
fn values_scaled(pairs: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let vu = exponent_unit(largest(pairs.iter().map(|p| p.0)));
    pairs.iter().map(|&(v, w)| (v / vu, w)).collect()
}

/// Values must be finite and ≥ 0 (> 0 when `positive`): an error naming the first that is not.
pub(crate) fn check_values(values: &[f64], positive: bool) -> Result<()> {
    if values.is_empty() {
        return Err(Error::invalid_argument(
            "values",
            "needs at least one value",
        ));
    }
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() || v < 0.0 {
            return Err(Error::invalid_value(
                "values",
                i,
                v,
                "must be finite and ≥ 0",
            ));
        }
        if positive && v <= 0.0 {
            return Err(Error::invalid_value(
                "values",
                i,
                v,
                "must be > 0 for this index (it takes logarithms or negative powers)",
            ));
        }
    }
    Ok(())
}

/// Weights must be finite and > 0.
pub(crate) fn check_weights(w: &[f64]) -> Result<()> {
    for (i, &x) in w.iter().enumerate() {
        if !(x.is_finite() && x > 0.0) {
            return Err(Error::invalid_value(
                "weights",
                i,
                x,
                "must be finite and > 0",
            ));
        }
    }
    Ok(())
}

fn check_total(total: f64) -> Result<()> {
    if total <= 0.0 {
        return Err(Error::invalid_argument(
            "values",
            "all values are zero: the mean must be > 0",
        ));
    }
    Ok(())
}

/// The values' sort keys ([`sorted::key`]) in `total_cmp` order, by a parallel radix sort.
pub(crate) fn sorted_keys(values: &[f64]) -> Vec<u64> {
    let mut keys: Vec<u64> = values.par_iter().map(|&v| sorted::key(v)).collect();
    sorted::sort_keys(&mut keys);
    keys
}

/// (value, weight) pairs by value, then weight (`total_cmp`), in parallel.
pub(crate) fn sorted_pairs(values: &[f64], weights: &[f64]) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    pairs.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pairs
}

/// Values as a distribution: the distinct values ascending, each with the sum of the weights
/// of its records (their number without weights), and the number of records.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Distribution {
    /// (value, weight) of each distinct value, ascending.
    pub pairs: Vec<(f64, f64)>,
    /// Number of records (for Gini's n / (n − 1)).
    pub records: usize,
}

impl Distribution {
    /// The distribution of checked values and weights: sorted in one contiguous buffer, in
    /// parallel (far faster than an index sort for tens of millions of values; values alone
    /// without weights, (value, weight) pairs with ties ordered by weight), equal values
    /// combined with their weights added in that order. The order, and every bit of the
    /// result, is the same on any number of threads.
    pub(crate) fn of(values: &[f64], weights: Option<&[f64]>) -> Self {
        let canonical = |v: f64| if v == 0.0 { 0.0 } else { v };
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        let mut push = |v: f64, w: f64| match pairs.last_mut() {
            Some(last) if last.0 == v => last.1 += w,
            _ => pairs.push((canonical(v), w)),
        };
        match weights {
            None => {
                for k in sorted_keys(values) {
                    push(sorted::value(k), 1.0);
                }
            }
            Some(w) => {
                for (v, w) in sorted_pairs(values, w) {
                    push(v, w);
                }
            }
        }
        Distribution {
            pairs,
            records: values.len(),
        }
    }

    /// Σ w y.
    fn total(&self) -> f64 {
        self.pairs.iter().map(|(v, w)| v * w).sum()
    }

    /// Checks that the mean is > 0 (and, when `positive`, that no value is 0): what the
    /// indices need, for a distribution finished from a state.
    pub(crate) fn check(&self, positive: bool) -> Result<()> {
        if positive && self.pairs.first().is_some_and(|p| p.0 <= 0.0) {
            return Err(Error::invalid_argument(
                "values",
                "a value is 0: this index takes logarithms or negative powers of every value",
            ));
        }
        check_total(self.total())
    }
}

fn weight(pairs: &[(f64, f64)]) -> f64 {
    pairs.iter().map(|p| p.1).sum()
}

/// The weighted mean of (value, weight) pairs, with their total weight.
fn weighted_mean(pairs: &[(f64, f64)]) -> (f64, f64) {
    let sw = weight(pairs);
    let s = pairs.iter().map(|(v, w)| v * w).sum::<f64>();
    if s.is_finite() {
        return (s / sw, sw);
    }
    // Σ w·y beyond the largest double: summed at the power of two of the largest value
    // (exact), then scaled back; the mean itself is at most the largest value.
    let vu = exponent_unit(largest(pairs.iter().map(|p| p.0)));
    let s = pairs.iter().map(|(v, w)| v / vu * w).sum::<f64>();
    (s / sw * vu, sw)
}

/// The Lorenz curve: cumulative population share against cumulative value share, from (0, 0)
/// to (1, 1), values ascending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lorenz {
    /// Cumulative share of the population (of the weights), from 0 to 1.
    pub population_share: Vec<f64>,
    /// Cumulative share of the total value at each point, from 0 to 1.
    pub value_share: Vec<f64>,
}

/// Gini coefficient and its Lorenz curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GiniResult {
    /// The Gini coefficient, in [0, 1) for values ≥ 0.
    pub gini: f64,
    /// The Lorenz curve; the Gini is twice the area between it and the diagonal.
    pub lorenz: Lorenz,
}

/// Gini = Σ_i Σ_j w_i w_j |y_i − y_j| / (2 (Σ w)² ȳ), computed from the sorted values in
/// O(n log n); `corrected` multiplies by n/(n − 1) (no weights, or weights all 1). The Lorenz curve has
/// one point per distinct value (records of equal value lie on one straight segment).
pub fn gini(values: &[f64], weights: Option<&[f64]>, corrected: bool) -> Result<GiniResult> {
    crate::cancel::bracketed(|| gini_once(values, weights, corrected))
}

/// [`gini`] without its cancellation checks.
fn gini_once(values: &[f64], weights: Option<&[f64]>, corrected: bool) -> Result<GiniResult> {
    if weights.is_none() {
        // No unit weights: the values' distribution straight away (as `prepare` would give it
        // where Σ y is finite).
        check_values_par(values, false)?;
        let total = fastlog::sum2(values, None, |y, _| y).0;
        check_total(total)?;
        if total.is_finite() {
            check_corrected(corrected, false, values.len())?;
            return gini_of(&Distribution::of(values, None), corrected);
        }
    }
    let p = prepare(values, weights, false)?;
    check_corrected(corrected, weighted(weights), values.len())?;
    gini_of(&p.distribution(weights.is_some()), corrected)
}

/// The Gini coefficient alone, without the Lorenz curve. Unweighted values are read in
/// ascending order without a copy of them (a histogram, then batches of at most a fifth of
/// the values gathered and radix-sorted in turn: under 0.3 of the values' memory more), the
/// spread summed in parallel with compensation: `gini(values, None, corrected)?.gini` to
/// rounding (both sums are compensated, in other orders; tested within 4 ulps, and within 4
/// ulps of the exact value).
/// Weighted values through their sorted distribution: `gini(...)?.gini` to the bit.
pub fn gini_index(values: &[f64], weights: Option<&[f64]>, corrected: bool) -> Result<f64> {
    crate::cancel::bracketed(|| gini_index_once(values, weights, corrected))
}

/// [`gini_index`] without its cancellation checks.
fn gini_index_once(values: &[f64], weights: Option<&[f64]>, corrected: bool) -> Result<f64> {
    if weights.is_some() {
        let p = prepare(values, weights, false)?;
        check_corrected(corrected, weighted(weights), values.len())?;
        return gini_value_of(&p.distribution(true), corrected);
    }
    let total = checked_total(values, false)?;
    check_total(total)?;
    check_corrected(corrected, false, values.len())?;
    match Streamed::of(values, total).gini(values.len(), corrected) {
        Some(g) => Ok(g),
        // Values near the largest double: the sorted path with its scalings.
        None => Ok(gini(values, None, corrected)?.gini),
    }
}

/// The Gini sums of unweighted values: the spread in ascending order and Σ y.
struct Streamed {
    spread: f64,
    total: f64,
    sw: f64,
}

impl Streamed {
    /// The spread Σ_p (y_(p) − m)(2p + 1 − n) over the values in ascending order (p = 0..n,
    /// m the smallest): [`spread_pass`]'s sum with every record a term of its own. A run of c
    /// equal values from rank P adds (y − m) c (2P + c − n), the term of their distinct value
    /// in `spread_pass`, so the sum is the same; its terms are independent, and summed in
    /// parallel with compensation. `total` is Σ y.
    fn of(values: &[f64], total: f64) -> Self {
        use super::sorted::{ascending_runs, value, Run};
        let n = values.len() as f64;
        let (mut first, mut at, mut parts) = (None, 0usize, Vec::new());
        ascending_runs(values, fastlog::bounds(values), |run| {
            let part = match run {
                Run::Repeated(k, c) => {
                    let y = value(k);
                    let m = *first.get_or_insert(y);
                    let (p, cf) = (at as f64, c as f64);
                    at += c;
                    (y - m) * cf * (2.0 * p + cf - n)
                }
                Run::Sorted(keys) => {
                    let m = *first.get_or_insert(value(keys[0]));
                    // Exact integers in doubles (n < 2⁵³).
                    let base = 2.0 * at as f64 + 1.0 - n;
                    at += keys.len();
                    fastlog::sum_indexed(keys.len(), |i| {
                        (value(keys[i]) - m) * (base + 2.0 * i as f64)
                    })
                }
            };
            parts.push(part);
        });
        Streamed {
            spread: fastlog::ordered_total(parts),
            total,
            sw: n,
        }
    }

    /// The coefficient as [`gini_of`] finishes it, or `None` where `gini_of` would rescale
    /// the values (Σ y or the spread beyond the largest double).
    fn gini(&self, records: usize, corrected: bool) -> Option<f64> {
        let (spread, sw, total) = (self.spread, self.sw, self.total);
        if !total.is_finite() {
            return None;
        }
        let d = sw * total;
        let mut g = if d.is_finite() {
            spread / d
        } else {
            spread / sw / total
        };
        if corrected {
            let n = records as f64;
            g *= n / (n - 1.0);
        }
        g.is_finite().then_some(g)
    }
}

/// Whether `weights` weigh anything: given, and not every one 1 (explicit unit weights are
/// the unweighted case, for which the n/(n − 1) correction is defined).
fn weighted(weights: Option<&[f64]>) -> bool {
    weights.is_some_and(|w| w.iter().any(|&x| x != 1.0))
}

fn check_corrected(corrected: bool, weighted: bool, n: usize) -> Result<()> {
    if corrected && weighted {
        return Err(Error::invalid_argument(
            "corrected",
            "the n/(n − 1) correction is defined for unit weights only",
        ));
    }
    if corrected && n < 2 {
        return Err(Error::invalid_argument(
            "corrected",
            "needs at least two values",
        ));
    }
    Ok(())
}

/// The Gini coefficient of a distribution: `gini_of(d, corrected)?.gini` to the bit, without
/// building the Lorenz curve.
pub(crate) fn gini_value_of(d: &Distribution, corrected: bool) -> Result<f64> {
    let (pairs, _) = ready(&d.pairs);
    let mut g = gini_pass(&pairs, d.records, corrected, false).0;
    if !g.is_finite() {
        g = gini_pass(&values_scaled(&pairs), d.records, corrected, false).0;
    }
    finite("gini", g)
}

/// The Gini coefficient and Lorenz curve of a distribution.
pub(crate) fn gini_of(d: &Distribution, corrected: bool) -> Result<GiniResult> {
    let (pairs, _) = ready(&d.pairs);
    let (mut g, mut lorenz) = gini_pass(&pairs, d.records, corrected, true);
    if !g.is_finite() {
        // Values near the largest double overflow the pairwise sums: again on scaled values.
        (g, lorenz) = gini_pass(&values_scaled(&pairs), d.records, corrected, true);
    }
    finite("gini", g)?;
    Ok(GiniResult {
        gini: g,
        lorenz: lorenz.unwrap_or(Lorenz {
            population_share: Vec::new(),
            value_share: Vec::new(),
        }),
    })
}

/// The Gini coefficient of sorted pairs, and their Lorenz curve when `curve`.
fn gini_pass(
    pairs: &[(f64, f64)],
    records: usize,
    corrected: bool,
    curve: bool,
) -> (f64, Option<Lorenz>) {
    let sw = weight(pairs);
    let total = neumaier(pairs.iter().map(|(v, w)| v * w)).0;
    let (mut g, lorenz) = spread_pass(pairs, sw, total, curve);
    if corrected {
        let n = records as f64;
        g *= n / (n - 1.0);
    }
    (g, lorenz)
}

/// One pass over the sorted (value, weight) pairs: the Gini numerator and the Lorenz curve.
///
/// Σ_i Σ_j w_i w_j |y_i − y_j| = 2 Σ_i w_i y_i (W_{<i} − W_{>i}) over the sorted order, and
/// Gini = that / (2 W Σ w y). The coefficients w_i (W_{<i} − W_{>i}) sum to zero, so y_i may be
/// measured from the minimum: that keeps full precision when the values are nearly equal
/// (1 − the area under the Lorenz curve would cancel to a few digits there).
pub(crate) fn lorenz_pass(sorted: &[(f64, f64)], sw: f64, total: f64) -> (f64, Lorenz) {
    let (g, lorenz) = spread_pass(sorted, sw, total, true);
    let lorenz = lorenz.unwrap_or(Lorenz {
        population_share: Vec::new(),
        value_share: Vec::new(),
    });
    (g, lorenz)
}

/// [`lorenz_pass`], the curve only when `curve` (the Gini's bits do not depend on it).
fn spread_pass(sorted: &[(f64, f64)], sw: f64, total: f64, curve: bool) -> (f64, Option<Lorenz>) {
    let m = sorted.first().map_or(0.0, |p| p.0);
    // The spread compensated: its terms change sign at the median, and a plain running sum
    // was 11 ulps off over a million values (1.6e-13 relative over 50 million).
    let (mut cum_w, mut cum_v, mut spread) = (0.0, 0.0, Neumaier::default());
    let cap = if curve { sorted.len() + 1 } else { 0 };
    let mut ps = Vec::with_capacity(cap);
    let mut vs = Vec::with_capacity(cap);
    if curve {
        ps.push(0.0);
        vs.push(0.0);
    }
    for &(y, wi) in sorted {
        spread.add(wi * (y - m) * (2.0 * cum_w + wi - sw));
        cum_w += wi;
        if curve {
            cum_v += wi * y;
            ps.push(cum_w / sw);
            vs.push(cum_v / total);
        }
    }
    let lorenz = curve.then_some(Lorenz {
        population_share: ps,
        value_share: vs,
    });
    let spread = spread.total();
    // (W Σwy may overflow where the Gini does not: then one factor at a time.)
    let d = sw * total;
    let g = if d.is_finite() {
        spread / d
    } else {
        spread / sw / total
    };
    (g, lorenz)
}

/// Theil T = Σ w_i (y_i/ȳ) ln(y_i/ȳ) / Σ w_i (0 · ln 0 = 0).
///
/// For subgroup estimates (WHO HEAT's between-group TI, × 1000, with HEAT's conventions for
/// zeros and the setting average) see [`crate::inequality::Measure::Ti`]; with population
/// weights and neither convention in play, the two agree.
pub fn theil(values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
    crate::cancel::bracketed(|| theil_once(values, weights))
}

/// [`theil`] without its cancellation checks.
fn theil_once(values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
    let d = Direct::new(values, weights, false)?;
    // r ln r − (r − 1) = (1 + x) ln(1 + x) − x, as in `theil_pairs`; 1 at r = 0.
    let t = d.mean_of(|x, _| {
        let term = (1.0 + x) * fastlog::ln_1p(x) - x;
        if x > -1.0 {
            term
        } else {
            1.0
        }
    });
    d.or_sorted(t, || theil_of(&prepare_pairs(values, weights, false)?))
}

/// Each value's relative deviation from the weighted mean, x = y/ȳ − 1, with the total weight.
///
/// The entropy indices below are written as sums of terms in x that are each ≈ x²/2 (their
/// first-order parts, which sum to zero, are subtracted term by term). Summing r ln r or
/// −ln r directly would cancel to a few digits when the values are nearly equal, and the
/// subtraction also removes, to first order, the rounding error of ȳ itself.
fn deviations(pairs: &[(f64, f64)]) -> (impl Iterator<Item = (f64, f64)> + '_, f64) {
    let (m, sw) = weighted_mean(pairs);
    (pairs.iter().map(move |&(y, w)| ((y - m) / m, w)), sw)
}

/// [`deviations`] with ln(1 + x) = ln(y/ȳ) beside each x (see [`ln_relative`]).
fn log_deviations(pairs: &[(f64, f64)]) -> (impl Iterator<Item = (f64, f64, f64)> + '_, f64) {
    let (m, sw) = weighted_mean(pairs);
    let d = pairs.iter().map(move |&(y, w)| {
        let x = (y - m) / m;
        (x, ln_relative(y, m, x), w)
    });
    (d, sw)
}

/// ln(y/m), x = (y − m)/m, to a few ulps wherever y/m lies: `f64::ln_1p(x)` from ½ up (x's
/// precision near 1), ln(y/m) below ½ (where x has rounded towards −1 and 1 + x has lost
/// y's digits), ln y − ln m where y/m is below the normal range (its digits lost in the
/// division; the two logarithms are then at most ~745 + 709 against a result below −708, so
/// little cancels). −∞ for y = 0.
fn ln_relative(y: f64, m: f64, x: f64) -> f64 {
    let r = y / m;
    if x >= -0.5 {
        x.ln_1p()
    } else if r.is_normal() {
        r.ln()
    } else {
        y.ln() - m.ln()
    }
}

/// Theil T of (value, weight) pairs.
pub(crate) fn theil_of(pairs: &[(f64, f64)]) -> Result<f64> {
    finite("theil", theil_pairs(&weights_ready(pairs)))
}

fn theil_pairs(pairs: &[(f64, f64)]) -> f64 {
    // r ln r − (r − 1) = (1 + x) ln(1 + x) − x; at r = 0 it is 1 (0 · ln 0 = 0).
    let (d, sw) = deviations(pairs);
    d.map(|(x, w)| {
        if x > -1.0 {
            w * ((1.0 + x) * x.ln_1p() - x)
        } else {
            w
        }
    })
    .sum::<f64>()
        / sw
}

/// Mean log deviation (Theil L) = Σ w_i ln(ȳ/y_i) / Σ w_i; values must be > 0.
///
/// HEAT's grouped MLD (× 1000) is [`crate::inequality::Measure::Mld`]; see [`theil`].
pub fn mld(values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
    crate::cancel::bracketed(|| mld_once(values, weights))
}

/// [`mld`] without its cancellation checks.
fn mld_once(values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
    let d = Direct::new(values, weights, true)?;
    let t = d.mean_of(|x, r| x - fastlog::ln_ratio(r, x));
    d.or_sorted(t, || mld_of(&prepare_pairs(values, weights, true)?))
}

/// MLD of (value, weight) pairs.
pub(crate) fn mld_of(pairs: &[(f64, f64)]) -> Result<f64> {
    finite("mld", mld_pairs(&weights_ready(pairs)))
}

fn mld_pairs(pairs: &[(f64, f64)]) -> f64 {
    // −ln r + (r − 1) = x − ln(1 + x).
    let (d, sw) = log_deviations(pairs);
    d.map(|(x, l, w)| w * (x - l)).sum::<f64>() / sw
}

/// Σ w (r^a − 1 − a (r − 1)) / Σ w, the stable core of GE(a) and Atkinson (see
/// [`log_deviations`]).
fn power_deviation(pairs: &[(f64, f64)], a: f64) -> f64 {
    let (d, sw) = log_deviations(pairs);
    d.map(|(x, l, w)| w * ((a * l).exp_m1() - a * x))
        .sum::<f64>()
        / sw
}

pub(crate) fn check_alpha(alpha: f64) -> Result<()> {
    if !alpha.is_finite() {
        return Err(Error::invalid_argument("alpha", "must be finite"));
    }
    Ok(())
}

/// Generalised entropy GE(α) = (Σ w_i ((y_i/ȳ)^α − 1) / Σ w_i) / (α(α − 1)); GE(0) = MLD,
/// GE(1) = Theil T. Values must be > 0 when α ≤ 0.
pub fn generalized_entropy(values: &[f64], weights: Option<&[f64]>, alpha: f64) -> Result<f64> {
    crate::cancel::bracketed(|| generalized_entropy_once(values, weights, alpha))
}

/// [`generalized_entropy`] without its cancellation checks.
fn generalized_entropy_once(values: &[f64], weights: Option<&[f64]>, alpha: f64) -> Result<f64> {
    check_alpha(alpha)?;
    let positive = alpha <= 0.0;
    let d = Direct::new(values, weights, positive)?;
    let t = if alpha == 0.0 {
        d.mean_of(|x, r| x - fastlog::ln_ratio(r, x))
    } else if alpha == 1.0 {
        d.mean_of(|x, _| {
            let term = (1.0 + x) * fastlog::ln_1p(x) - x;
            if x > -1.0 {
                term
            } else {
                1.0
            }
        })
    } else {
        d.mean_of(|x, r| power_term(x, r, alpha)) / alpha / (alpha - 1.0)
    };
    d.or_sorted(t, || {
        ge_of(&prepare_pairs(values, weights, positive)?, alpha)
    })
}

/// r^a − 1 − a x with x = r − 1, through ln r and eᵗ − 1 (see [`deviations`]; both
/// vectorisable, [`fastlog`]).
#[inline(always)]
fn power_term(x: f64, r: f64, a: f64) -> f64 {
    // Computed on every lane, then selected: a branch around the logarithm would keep the
    // loop from vectorising. (r = 0 exactly for y = 0; x may round short of −1.)
    let l = fastlog::ln_ratio(r, x);
    let l = if r > 0.0 { l } else { f64::NEG_INFINITY };
    fastlog::exp_m1(a * l) - a * x
}

/// GE(α) of (value, weight) pairs.
pub(crate) fn ge_of(pairs: &[(f64, f64)], alpha: f64) -> Result<f64> {
    ge_pairs(&weights_ready(pairs), alpha)
}

/// GE(α) of ready pairs: the stable sums below, and where those overflow (a large |α|), the
/// mean of r^α in log space; an error when GE itself is beyond a double.
fn ge_pairs(pairs: &[(f64, f64)], alpha: f64) -> Result<f64> {
    if alpha == 0.0 {
        return finite("ge", mld_pairs(pairs));
    }
    if alpha == 1.0 {
        return finite("ge", theil_pairs(pairs));
    }
    let direct = power_deviation(pairs, alpha) / alpha / (alpha - 1.0);
    if direct.is_finite() {
        return Ok(direct);
    }
    // ln of the weighted mean of r^α; GE = (e^L − 1) / (α(α − 1)).
    let l = log_mean_power(pairs, alpha);
    let ge = if l < 700.0 {
        l.exp_m1() / alpha / (alpha - 1.0)
    } else {
        // e^L − 1 = e^L here, and α(α − 1) > 0 (a mean of r^α above 1 needs α > 1 or α < 0).
        (l - alpha.abs().ln() - (alpha - 1.0).abs().ln()).exp()
    };
    if ge.is_finite() {
        Ok(ge)
    } else {
        Err(Error::invalid_argument(
            "alpha",
            format!(
                "GE({}) of these values is beyond the largest double (±1.8e308); use an α \
                 nearer [−1, 2]",
                crate::error::format_value(alpha)
            ),
        ))
    }
}

/// ln(Σ w (y/ȳ)^a / Σ w), summed in log space (no overflow for any a); values of 0 add
/// nothing for a > 0 (and do not occur for a ≤ 0).
fn log_mean_power(pairs: &[(f64, f64)], a: f64) -> f64 {
    let (m, sw) = weighted_mean(pairs);
    let terms = || {
        pairs
            .iter()
            .filter(|(y, _)| *y > 0.0)
            .map(move |&(y, w)| w.ln() + a * ln_relative(y, m, (y - m) / m))
    };
    let top = terms().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let sum: f64 = terms().map(|t| (t - top).exp()).sum();
    top + sum.ln() - sw.ln()
}

/// `Ok(v)` for a finite index, else an error saying so.
fn finite(what: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::invalid_argument(
            "values",
            format!("the {what} index of these values is beyond the largest double"),
        ))
    }
}

/// Atkinson index and the equally distributed equivalent it is built on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AtkinsonResult {
    /// The Atkinson index A(ε) = 1 − EDE / mean, in [0, 1].
    pub atkinson: f64,
    /// The equally distributed equivalent (generalised mean of order 1 − ε).
    pub ede: f64,
}

pub(crate) fn check_epsilon(epsilon: f64) -> Result<()> {
    if !(epsilon.is_finite() && epsilon >= 0.0) {
        return Err(Error::invalid_argument("epsilon", "must be finite and ≥ 0"));
    }
    Ok(())
}

/// Atkinson(ε) = 1 − EDE/ȳ with EDE = (Σ w_i y_i^(1−ε) / Σ w_i)^(1/(1−ε)), the geometric mean
/// for ε = 1; ε ≥ 0 (ε = 0 gives 0). Values must be > 0 when ε ≥ 1.
pub fn atkinson(values: &[f64], weights: Option<&[f64]>, epsilon: f64) -> Result<AtkinsonResult> {
    crate::cancel::bracketed(|| atkinson_once(values, weights, epsilon))
}

/// [`atkinson`] without its cancellation checks.
fn atkinson_once(values: &[f64], weights: Option<&[f64]>, epsilon: f64) -> Result<AtkinsonResult> {
    check_epsilon(epsilon)?;
    let positive = epsilon >= 1.0;
    let d = Direct::new(values, weights, positive)?;
    // As `atkinson_of`: ln(EDE/ȳ) = −MLD for ε = 1, else ln(1 + s)/(1 − ε).
    let l = if epsilon == 0.0 {
        0.0
    } else if epsilon == 1.0 {
        -d.mean_of(|x, r| x - fastlog::ln_ratio(r, x))
    } else {
        let e = 1.0 - epsilon;
        d.mean_of(|x, r| power_term(x, r, e)).ln_1p() / e
    };
    // + 0.0: equal values (or ε = 0) give 0, not −0.
    let a = -l.exp_m1() + 0.0;
    if a.is_finite() && d.unit == 1.0 {
        return Ok(AtkinsonResult {
            atkinson: a,
            ede: finite("atkinson", d.mean * l.exp())?,
        });
    }
    atkinson_of(&prepare_pairs(values, weights, positive)?, epsilon)
}

/// Atkinson(ε) of (value, weight) pairs.
pub(crate) fn atkinson_of(pairs: &[(f64, f64)], epsilon: f64) -> Result<AtkinsonResult> {
    let pairs = weights_ready(pairs);
    let (m, _) = weighted_mean(&pairs);
    // ln(EDE/ȳ) = −MLD for ε = 1, else ln(1 + s)/(1 − ε) with s the mean of r^(1−ε) − 1:
    // both through exp_m1/ln_1p, so nearly equal values keep their digits. EDE = ȳ e^l, not
    // ȳ (1 − A): where A is near 1 (a value far below the mean), 1 − A keeps few digits.
    let mut l = if epsilon == 0.0 {
        0.0 // EDE = ȳ exactly
    } else if epsilon == 1.0 {
        -mld_pairs(&pairs)
    } else {
        let e = 1.0 - epsilon;
        let s = power_deviation(&pairs, e);
        if s.is_finite() {
            s.ln_1p() / e
        } else {
            f64::NAN
        }
    };
    if !(-l.exp_m1()).is_finite() {
        // A large ε overflows r^(1−ε): ln EDE/ȳ = ln(mean of r^(1−ε)) / (1 − ε), in log space.
        let e = 1.0 - epsilon;
        l = log_mean_power(&pairs, e) / e;
    }
    let atkinson = finite("atkinson", -l.exp_m1() + 0.0)?;
    Ok(AtkinsonResult {
        atkinson,
        ede: finite("atkinson", m * l.exp())?,
    })
}

pub(crate) fn check_share(share: f64) -> Result<()> {
    if !(share > 0.0 && share <= 0.5) {
        return Err(Error::invalid_argument("share", "must be in (0, 0.5]"));
    }
    Ok(())
}

/// Quantile share ratio: the share of the total held by the top `share` of the population over
/// the share held by the bottom `share` (0.2 → the 80/20 ratio, 0.1 → 90/10). Weighted
/// populations are split at the cut points (a unit straddling one counts in part), so the
/// ratio is the Lorenz curve's: (1 − L(1 − s)) / L(s).
pub fn share_ratio(values: &[f64], weights: Option<&[f64]>, share: f64) -> Result<f64> {
    check_share(share)?;
    let g = gini(values, weights, false)?;
    share_ratio_of(&g.lorenz, share)
}

/// The share ratio of a Lorenz curve.
pub(crate) fn share_ratio_of(lorenz: &Lorenz, share: f64) -> Result<f64> {
    let l = |q: f64| lorenz_at(lorenz, q);
    let bottom = l(share);
    if bottom <= 0.0 {
        return Err(Error::invalid_argument(
            "values",
            "the bottom share holds nothing: the ratio is infinite",
        ));
    }
    finite("share ratio", (1.0 - l(1.0 - share)) / bottom)
}

/// The Lorenz curve at population share q (linear between points).
pub fn lorenz_at(lorenz: &Lorenz, q: f64) -> f64 {
    let ps = &lorenz.population_share;
    let k = ps.partition_point(|&p| p < q).clamp(1, ps.len() - 1);
    let (p0, p1) = (ps[k - 1], ps[k]);
    let (v0, v1) = (lorenz.value_share[k - 1], lorenz.value_share[k]);
    if p1 > p0 {
        v0 + (q - p0) / (p1 - p0) * (v1 - v0)
    } else {
        v1
    }
}

/// Within- and between-group parts of an index over a group column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decomposition {
    /// The index over every value, groups ignored.
    pub total: f64,
    /// The within-group part: Σ q_g^(1−α) s_g^α × each group's own index (q_g its population
    /// share, s_g its value share).
    pub within: f64,
    /// The between-group part: the index of the group means, each weighted by its group's
    /// population (total = within + between).
    pub between: f64,
    /// Group labels in order (numbers numerically, as IMD deciles 1..10; text alphabetically),
    /// with each group's own index.
    pub groups: Vec<String>,
    /// Each group's own index, in the order of `groups`.
    pub group_index: Vec<f64>,
}

/// [`decompose`] over a column of group labels of any type, each shown as text
/// ([`crate::table::display`]). A null label is an error naming its row: shown as text it
/// would be one group with a label "null", and so with a real "null" label.
pub fn decompose_column(
    values: &[f64],
    weights: Option<&[f64]>,
    group: &dyn arrow_array::Array,
    alpha: f64,
) -> Result<Decomposition> {
    if let Some(row) = (0..group.len()).find(|&i| crate::table::is_null_at(group, i)) {
        return Err(Error::InvalidValue {
            argument: "group".into(),
            index: row,
            value: "null".into(),
            rule: "every value needs a group label".into(),
        });
    }
    let labels: Vec<String> = (0..group.len())
        .map(|i| crate::table::display(group, i))
        .collect();
    decompose(values, weights, &labels, alpha)
}

/// Theil T (`alpha = 1`), MLD (`alpha = 0`) or GE(α) decomposed over `group`:
/// GE = Σ_g q_g^(1−α) s_g^α GE_g (within, q_g = population share, s_g = value share) +
/// GE of the group means each weighted by its population (between). For Theil T this is
/// Σ s_g T_g + Σ s_g ln(ȳ_g/ȳ); for MLD Σ q_g MLD_g + Σ q_g ln(ȳ/ȳ_g).
pub fn decompose(
    values: &[f64],
    weights: Option<&[f64]>,
    group: &[String],
    alpha: f64,
) -> Result<Decomposition> {
    check_len("group", group.len(), "values", values.len())?;
    check_alpha(alpha)?;
    let p = prepare(values, weights, alpha <= 0.0)?;
    let (values, w) = (&p.v[..], &p.w);
    let ge_w = |v: &[f64], w: &[f64]| ge_of(&Distribution::of(v, Some(w)).pairs, alpha);
    let total = ge_w(values, w)?;
    let mut labels: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, g) in group.iter().enumerate() {
        let k = *index.entry(g.as_str()).or_insert_with(|| {
            labels.push(g.clone());
            members.push(Vec::new());
            labels.len() - 1
        });
        members[k].push(i);
    }
    // Groups in label order (numbers as numbers) and each group's members by value (then
    // weight), so that every sum below runs in one order whatever the order of the rows: the
    // results are the same to the bit.
    let shown: Vec<Option<String>> = labels.iter().cloned().map(Some).collect();
    let order = crate::table::groups::label_order(&shown);
    let labels: Vec<String> = order.iter().map(|&k| labels[k].clone()).collect();
    let mut members: Vec<Vec<usize>> = order
        .iter()
        .map(|&k| std::mem::take(&mut members[k]))
        .collect();
    for m in &mut members {
        m.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]).then(w[a].total_cmp(&w[b])));
    }
    // Each group's values and weights, with their sums; the totals are the sums of those.
    let parts: Vec<(Vec<f64>, Vec<f64>, f64, f64)> = members
        .iter()
        .map(|m| {
            let v: Vec<f64> = m.iter().map(|&i| values[i]).collect();
            let ww: Vec<f64> = m.iter().map(|&i| w[i]).collect();
            let wsum: f64 = ww.iter().sum();
            let vsum: f64 = v.iter().zip(&ww).map(|(a, b)| a * b).sum();
            (v, ww, wsum, vsum)
        })
        .collect();
    let sw: f64 = parts.iter().map(|p| p.2).sum();
    let sv: f64 = parts.iter().map(|p| p.3).sum();
    let mut within = 0.0;
    let mut means = Vec::new();
    let mut gw = Vec::new();
    let mut group_index = Vec::new();
    for (k, (v, ww, wsum, vsum)) in parts.into_iter().enumerate() {
        if vsum <= 0.0 {
            return Err(Error::InvalidGroup {
                group: labels[k].clone(),
                message: "all values are zero: the group's mean must be > 0".into(),
            });
        }
        let ge = ge_w(&v, &ww)?;
        let q = wsum / sw;
        let s = vsum / sv;
        let mut share = q.powf(1.0 - alpha) * s.powf(alpha);
        if !share.is_finite() {
            // A large |α| overflows one power while the product is modest: in logs.
            share = ((1.0 - alpha) * q.ln() + alpha * s.ln()).exp();
        }
        within += share * ge;
        means.push(vsum / wsum);
        gw.push(wsum);
        group_index.push(ge);
    }
    let between = ge_w(&means, &gw)?;
    Ok(Decomposition {
        total,
        within: finite("within-group GE", within)?,
        between,
        groups: labels,
        group_index,
    })
}

crate::option_enum! {
    /// The correction of the concentration index of `outcome` h against the rank variable x:
    /// C = 2 cov_w(h, R) / h̄ with R the weighted fractional rank of x (ties share their mean
    /// rank).
    #[derive(Default)]
    pub enum ConcentrationCorrection: "correction", "concentration index correction" {
        /// The standard index.
        #[default]
        None = "none",
        /// Wagstaff: C / (1 − h̄) for h in [0, 1].
        Wagstaff = "wagstaff",
        /// Erreygers: 4 h̄ C / (b − a) for h in [a, b].
        Erreygers = "erreygers",
    }
}

/// Concentration index (see [`ConcentrationCorrection`]); `bounds` = (a, b) of a bounded
/// outcome, needed for the corrections (Wagstaff requires (0, 1)).
pub fn concentration_index(
    outcome: &[f64],
    rank_by: &[f64],
    weights: Option<&[f64]>,
    correction: ConcentrationCorrection,
    bounds: Option<(f64, f64)>,
) -> Result<f64> {
    check_len("rank_by", rank_by.len(), "outcome", outcome.len())?;
    let p = prepare(outcome, weights, false).map_err(|e| about(e, "outcome"))?;
    let (outcome_scaled, w) = (&p.v[..], &p.w);
    for (i, &x) in rank_by.iter().enumerate() {
        if !x.is_finite() {
            return Err(Error::invalid_value("rank_by", i, x, "must be finite"));
        }
    }
    let sw: f64 = w.iter().sum();
    let mut idx: Vec<usize> = (0..outcome.len()).collect();
    idx.sort_by(|&a, &b| rank_by[a].total_cmp(&rank_by[b]));
    let mut rank = vec![0.0; outcome.len()];
    let mut cum = 0.0;
    let mut k = 0;
    while k < idx.len() {
        let mut e = k;
        let mut tw = 0.0;
        while e < idx.len() && rank_by[idx[e]] == rank_by[idx[k]] {
            tw += w[idx[e]];
            e += 1;
        }
        let r = (cum + tw / 2.0) / sw;
        for &i in &idx[k..e] {
            rank[i] = r;
        }
        cum += tw;
        k = e;
    }
    let hbar = wmean(outcome_scaled, w);
    let rbar = wmean(&rank, w);
    let cov: f64 = outcome_scaled
        .iter()
        .zip(&rank)
        .zip(w)
        .map(|((h, r), w)| w * (h - hbar) * (r - rbar))
        .sum::<f64>()
        / sw;
    let c = finite("concentration", 2.0 * cov / hbar).map_err(|e| about(e, "outcome"))?;
    // The mean on the outcome's own scale, for the corrections.
    let hbar = hbar * p.unit;
    let need = |name: &str| {
        bounds.ok_or_else(|| {
            Error::invalid_argument("bounds", format!("{name} needs the outcome's bounds"))
        })
    };
    match correction {
        ConcentrationCorrection::None => Ok(c),
        ConcentrationCorrection::Wagstaff => {
            let (a, b) = need("wagstaff")?;
            if a != 0.0 || b != 1.0 {
                return Err(Error::invalid_argument(
                    "bounds",
                    "Wagstaff's correction is for h in [0, 1]",
                ));
            }
            check_bounds(outcome, a, b)?;
            if hbar >= 1.0 {
                return Err(Error::invalid_argument(
                    "outcome",
                    "every outcome is 1: Wagstaff's correction divides by 1 − mean = 0",
                ));
            }
            finite("Wagstaff concentration", c / (1.0 - hbar))
        }
        ConcentrationCorrection::Erreygers => {
            let (a, b) = need("erreygers")?;
            if b <= a {
                return Err(Error::invalid_argument(
                    "bounds",
                    "upper bound must exceed lower bound",
                ));
            }
            check_bounds(outcome, a, b)?;
            finite("Erreygers concentration", 4.0 * hbar * c / (b - a))
        }
    }
}

/// An error about `values` (the checks' name for the values of every index) said of
/// `argument`, the values' name in the caller; errors about other arguments unchanged.
fn about(e: Error, argument: &str) -> Error {
    match e {
        Error::InvalidValue {
            argument: a,
            index,
            value,
            rule,
        } if a == "values" => Error::InvalidValue {
            argument: argument.to_owned(),
            index,
            value,
            rule,
        },
        Error::InvalidArgument {
            argument: a,
            message,
        } if a == "values" => Error::invalid_argument(argument, message),
        other => other,
    }
}

fn wmean(values: &[f64], w: &[f64]) -> f64 {
    let sw: f64 = w.iter().sum();
    values.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / sw
}

fn check_bounds(h: &[f64], a: f64, b: f64) -> Result<()> {
    for (i, &v) in h.iter().enumerate() {
        if v < a || v > b {
            return Err(Error::invalid_value(
                "outcome",
                i,
                v,
                "outside the given bounds",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod direct_tests {
    use super::*;

    /// Values with ties and a long tail (and, with `zeros`, some zeros), and weights.
    fn sample(n: usize, spread: f64, zeros: bool) -> (Vec<f64>, Vec<f64>) {
        let mut rng = crate::inequality::rng::Rng::new(7, 3);
        let v = (0..n)
            .map(|i| {
                if zeros && i % 97 == 0 {
                    0.0
                } else {
                    let y = 100.0 * (spread * rng.ziggurat_normal()).exp();
                    if i % 3 == 0 {
                        y.round()
                    } else {
                        y
                    }
                }
            })
            .collect();
        let w = (0..n).map(|_| 0.5 + rng.uniform() * 4.0).collect();
        (v, w)
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// The direct (unsorted, parallel, fast-log) indices agree with those of the sorted
    /// distribution, which the tables and states compute: to 1e-13 relative on spread values,
    /// and on nearly equal values (indices ≈ 1e-12, where a sum of r ln r would keep no digit)
    /// to 1e-6, the second-order accuracy both paths share (each term's error is a few ulps
    /// of x, against a term ≈ x²/2 with x ≈ 1e-6).
    #[test]
    fn direct_indices_agree_with_the_sorted_distribution() {
        for (spread, tol) in [(0.8, 1e-13), (1e-6, 1e-6)] {
            let (v, w) = sample(300_001, spread, false);
            let (vz, _) = sample(300_001, spread, true);
            for wt in [None, Some(w.as_slice())] {
                let sorted = |positive| prepare_pairs(&v, wt, positive).unwrap();
                let pairs = sorted(false);
                let t = theil(&v, wt).unwrap();
                assert!(rel(t, theil_of(&pairs).unwrap()) < tol, "theil {t}");
                let m = mld(&v, wt).unwrap();
                assert!(rel(m, mld_of(&pairs).unwrap()) < tol, "mld {m}");
                for a in [-1.0, 0.5, 2.0, 3.5] {
                    let g = generalized_entropy(&v, wt, a).unwrap();
                    assert!(rel(g, ge_of(&pairs, a).unwrap()) < tol, "ge({a}) {g}");
                }
                for e in [0.5, 1.0, 2.0] {
                    let a = atkinson(&v, wt, e).unwrap();
                    let b = atkinson_of(&pairs, e).unwrap();
                    assert!(rel(a.atkinson, b.atkinson) < tol, "atkinson({e})");
                    assert!(rel(a.ede, b.ede) < 1e-13, "ede({e})");
                }
            }
            let tz = theil(&vz, None).unwrap();
            let pz = prepare_pairs(&vz, None, false).unwrap();
            assert!(rel(tz, theil_of(&pz).unwrap()) < tol.max(1e-13));
        }
    }

    /// A hand calculation: values 1, 2, 3 (mean 2): Theil T = (½ ln ½ + 0 + 3/2 ln 3/2) / 3,
    /// MLD = (ln 2 + 0 + ln 2/3) / 3.
    #[test]
    fn direct_hand_calculation() {
        let v = [1.0, 2.0, 3.0];
        let t = (0.5 * 0.5f64.ln() + 1.5 * 1.5f64.ln()) / 3.0;
        let m = (2.0f64.ln() + (2.0f64 / 3.0).ln()) / 3.0;
        assert!(rel(theil(&v, None).unwrap(), t) < 1e-15);
        assert!(rel(mld(&v, None).unwrap(), m) < 1e-15);
    }

    /// A value far below the mean: each term must keep y's digits, not those of
    /// x = y/ȳ − 1, which rounds to −1 there (and 1 + x with it). Exact values by hand, on
    /// both paths (the direct one and the sorted distribution the tables and states use):
    /// - MLD(1e17, 1): ȳ = 5e16 (+ ½, 1e-17 relative, below a double's precision), so
    ///   MLD = (ln(ȳ/1e17) + ln(ȳ/1)) / 2 = ln(ȳ²/1e17) / 2 = (ln 2.5 + 16 ln 10) / 2
    ///   = 18.8788261098894…; Atkinson(1) = 1 − √(1e17)/ȳ, so EDE = √(1e17) = 3.16227766e8.
    /// - MLD(1e6 × 1000, 1e-12): ȳ = 1e9/1001 (the 1e-12 is 1e-21 of it), so
    ///   MLD = ln ȳ − (1000 · 6 ln 10 − 12 ln 10)/1001 = 3021 ln 10 / 1001 − ln 1001
    ///   = 0.040405626214261944 (that formula in 50-digit decimal arithmetic: in doubles
    ///   its subtraction cancels two digits, 3.5e-14 off).
    /// - GE(−1)(1, t): ȳ = (1 + t)/2, GE(−1) = (mean of ȳ/y − 1)/2
    ///   = ((1 + t)(1 + 1/t)/4 − 1)/2 = (t + 1/t − 2)/8, = 1.25e15 − ¼ for t = 1e-16;
    ///   Atkinson(2)'s EDE is the harmonic mean 2/(1 + 1/t) = 2t/(1 + t).
    #[test]
    fn values_far_below_the_mean_keep_their_digits() {
        let close = |got: f64, want: f64, what: &str| {
            assert!(rel(got, want) < 1e-14, "{what}: {got} against {want}");
        };
        let big = [1e17, 1.0];
        let want = (2.5f64.ln() + 16.0 * 10f64.ln()) / 2.0;
        close(mld(&big, None).unwrap(), want, "mld(1e17, 1)");
        close(
            mld_of(&prepare_pairs(&big, None, true).unwrap()).unwrap(),
            want,
            "sorted",
        );
        let a = atkinson(&big, None, 1.0).unwrap();
        close(a.ede, 1e17f64.sqrt(), "ede(1e17, 1)");
        close(a.atkinson, 1.0 - 1e17f64.sqrt() / 5e16, "atkinson(1e17, 1)");
        let b = atkinson_of(&prepare_pairs(&big, None, true).unwrap(), 1.0).unwrap();
        close(b.ede, 1e17f64.sqrt(), "sorted ede(1e17, 1)");

        let mut many = vec![1e6; 1000];
        many.push(1e-12);
        let want = 0.040_405_626_214_261_94;
        close(mld(&many, None).unwrap(), want, "mld(1e6 × 1000, 1e-12)");
        let pairs = prepare_pairs(&many, None, true).unwrap();
        close(
            mld_of(&pairs).unwrap(),
            want,
            "sorted mld(1e6 × 1000, 1e-12)",
        );
        close(ge_of(&pairs, 0.0).unwrap(), want, "sorted ge(0)");

        let t = 1e-16;
        let pair = [1.0, t];
        let want = (t + 1.0 / t - 2.0) / 8.0;
        close(
            generalized_entropy(&pair, None, -1.0).unwrap(),
            want,
            "ge(−1)(1, 1e-16)",
        );
        let pairs = prepare_pairs(&pair, None, true).unwrap();
        close(ge_of(&pairs, -1.0).unwrap(), want, "sorted ge(−1)");
        let harmonic = 2.0 * t / (1.0 + t);
        close(atkinson(&pair, None, 2.0).unwrap().ede, harmonic, "ede(2)");
        close(
            atkinson_of(&pairs, 2.0).unwrap().ede,
            harmonic,
            "sorted ede(2)",
        );
    }

    /// The streamed Gini (no copy, batches radix-sorted in turn) is the sorted
    /// distribution's, with its Lorenz curve, to the bit: spread values with ties, one value
    /// holding most records, zeros, weights, the small-sample correction.
    #[test]
    fn gini_index_is_gini_to_rounding_and_to_the_bit_when_weighted() {
        let (v, w) = sample(400_003, 0.8, true);
        let mut heavy = v.clone();
        for (i, x) in heavy.iter_mut().enumerate() {
            if i % 5 != 0 {
                *x = 250.0;
            }
        }
        // Zeros of both signs among the values, over several batches: −0 sorts below +0, so
        // the range the batches cover must start at −0 whichever zero `bounds` found.
        let mut zeros = v.clone();
        for (i, x) in zeros.iter_mut().enumerate() {
            match i % 7 {
                0 => *x = 0.0,
                3 => *x = -0.0,
                _ => {}
            }
        }
        for vals in [&v, &heavy, &zeros] {
            for corrected in [false, true] {
                // Unweighted: summed in another order (parallel, compensated).
                let a = gini_index(vals, None, corrected).unwrap();
                let b = gini(vals, None, corrected).unwrap().gini;
                assert!(
                    (a - b).abs() <= 4.0 * f64::EPSILON * b,
                    "corrected {corrected}: {a} {b}"
                );
            }
            let a = gini_index(vals, Some(&w), false).unwrap();
            let b = gini(vals, Some(&w), false).unwrap().gini;
            assert_eq!(a.to_bits(), b.to_bits());
        }
        // A hand calculation: 1, 2, 3, 4: Σ|yi − yj| over ordered pairs = 20, / (2 · 16 · 2.5).
        assert_eq!(
            gini_index(&[4.0, 1.0, 3.0, 2.0], None, false).unwrap(),
            0.25
        );
        // −0 and +0 are one value: 0, 0, 1, 3: Σ|yi − yj| over ordered pairs = 20, / (2 · 16 · 1).
        assert_eq!(
            gini_index(&[3.0, -0.0, 1.0, 0.0], None, false).unwrap(),
            0.625
        );
        assert!(gini_index(&[0.0, 0.0], None, false).is_err());
        assert!(gini_index(&[1.0], None, true).is_err());
    }

    /// Against the exact value. Values are k / 2²⁰ (k < 2³⁰) and weights small integers, so
    /// in units of 2⁻²⁰ the spread Σ w (y − m)(2 W_< + w − W) and Σ w y are integers, summed
    /// here exactly in i128 over the values sorted by hand; their ratio rounded (each part
    /// once, then the quotient) is within 2 ulps of the exact Gini. Every path must be
    /// within 4 (a plain running sum of the spread is 11 ulps off here).
    #[test]
    fn gini_is_the_exact_ratio_to_a_few_ulps() {
        let n = 1_000_003usize;
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 24
        };
        let units: Vec<i128> = (0..n).map(|_| (next() % (1 << 30)) as i128).collect();
        let counts: Vec<i128> = (0..n).map(|_| 1 + (next() % 4) as i128).collect();
        let scale = f64::powi(2.0, -20);
        let v: Vec<f64> = units.iter().map(|&k| k as f64 * scale).collect();
        let w: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        let exact = |weighted: bool| {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| units[i]);
            let wt = |i: usize| if weighted { counts[i] } else { 1 };
            let big_w: i128 = (0..n).map(wt).sum();
            let m = units[order[0]];
            let (mut below, mut spread, mut total) = (0i128, 0i128, 0i128);
            for &i in &order {
                spread += wt(i) * (units[i] - m) * (2 * below + wt(i) - big_w);
                total += wt(i) * units[i];
                below += wt(i);
            }
            spread as f64 / (big_w as f64 * total as f64)
        };
        let ulps = |a: f64, b: f64| (a - b).abs() / (b * f64::EPSILON);
        let plain = exact(false);
        for (path, got) in [
            ("gini", gini(&v, None, false).unwrap().gini),
            ("gini_index", gini_index(&v, None, false).unwrap()),
        ] {
            assert!(ulps(got, plain) <= 4.0, "{path}: {got} against {plain}");
        }
        let weighted = exact(true);
        for (path, got) in [
            ("gini", gini(&v, Some(&w), false).unwrap().gini),
            ("gini_index", gini_index(&v, Some(&w), false).unwrap()),
        ] {
            assert!(
                ulps(got, weighted) <= 4.0,
                "weighted {path}: {got} against {weighted}"
            );
        }
    }

    /// The concentration index's errors about its values name `outcome`, its argument (they
    /// named `values`); those about the weights keep theirs.
    #[test]
    fn concentration_errors_name_the_outcome() {
        let ci = |h: &[f64], w: Option<&[f64]>| {
            concentration_index(h, &[1.0, 2.0, 3.0], w, ConcentrationCorrection::None, None)
                .unwrap_err()
        };
        let e = ci(&[-1.0, 2.0, 3.0], None);
        assert_eq!(e.argument(), Some("outcome"), "{e}");
        assert!(e.to_string().contains("at index 0 (-1)"), "{e}");
        assert_eq!(ci(&[0.0; 3], None).argument(), Some("outcome"));
        let e = ci(&[1.0, 2.0, 3.0], Some(&[1.0, 0.0, 1.0]));
        assert_eq!(e.argument(), Some("weights"), "{e}");
    }

    #[test]
    fn direct_errors_are_the_sequential_checks() {
        let mut v = vec![1.0; 100_000];
        v[70_001] = -1.0;
        v[90_000] = f64::NAN;
        let e = theil(&v, None).unwrap_err().to_string();
        assert!(e.contains("70001"), "{e}");
        let w = vec![1.0; 5];
        assert!(theil(&[1.0; 4], Some(&w)).is_err());
        assert!(mld(&[1.0, 0.0, 2.0], None).is_err());
    }
}
