//! Summaries of travel distances per group.

use super::bands::Bands;
use super::order::{median_rank, quantile};
use crate::error::{check_len, format_value, Error, Result};
use crate::stats::{check_groups, wilson_limits, z_value};
use serde::{Deserialize, Serialize};

/// Options of [`summary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryOptions {
    /// Distances at or beyond this many km count in `share_beyond` (default 50, as the OAP
    /// publication's "50 km or more": its bands are half-open, [50, 100) and so on).
    pub threshold: f64,
    /// The distance bands counted (default [`Bands::oap`]).
    pub bands: Bands,
    /// Level of the median's and the share's intervals, in (0, 1); default 0.95.
    pub confidence: f64,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            threshold: 50.0,
            bands: Bands::oap(),
            confidence: crate::stats::DEFAULT_CONFIDENCE,
        }
    }
}

/// One element per group. With weights (e.g. bed days) the mean, median, 90th percentile,
/// share and band counts are weighted; `count` stays the number of records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceSummary {
    /// Number of records.
    pub count: Vec<f64>,
    /// Sum of the weights (equal to `count` without weights).
    pub weight_sum: Vec<f64>,
    /// (Weighted) mean distance in km.
    pub mean: Vec<f64>,
    /// (Weighted) median: the type-2 quantile (inverse empirical CDF, averaged where flat).
    pub median: Vec<f64>,
    /// Order-statistic interval of the median: x₍ₖ₎ and x₍ₙ₋ₖ₊₁₎ with k from
    /// Binomial(n, ½), covering at least `confidence`. NaN when n is too small for that
    /// (n ≤ 5 at 95%), and NaN with weights: the interval is for the median record, not the
    /// median of a weighted distribution, so it is not given next to a weighted median.
    pub median_lower: Vec<f64>,
    /// Upper limit of the median's interval (see `median_lower`).
    pub median_upper: Vec<f64>,
    /// (Weighted) 90th percentile, type 2 like the median.
    pub p90: Vec<f64>,
    /// Largest distance of any record.
    pub max: Vec<f64>,
    /// Records (sum of weights) at or beyond the threshold.
    pub count_beyond: Vec<f64>,
    /// `count_beyond` / `weight_sum`, with Wilson score limits. With weights the Wilson
    /// interval uses Kish's effective sample size (Σw)² / Σw² as n.
    pub share_beyond: Vec<f64>,
    /// Lower Wilson limit of `share_beyond`.
    pub share_lower: Vec<f64>,
    /// Upper Wilson limit of `share_beyond`.
    pub share_upper: Vec<f64>,
    /// Records (sum of weights) per band: `bands[b][g]` for band `b` of group `g`.
    pub bands: Vec<Vec<f64>>,
    /// Column name of each band (`band_lt_25`, …).
    pub band_names: Vec<String>,
    /// The distance (km) `count_beyond` and `share_beyond` count from.
    pub threshold: f64,
    /// Confidence level of the median's and the share's intervals.
    pub confidence: f64,
    /// Whether the summary was weighted.
    pub weighted: bool,
}

/// Summarises distances in km per group (dense codes `0..n_groups`, as
/// [`crate::stats::mean`]), optionally weighted.
///
/// Distances must be finite and ≥ 0; weights finite and ≥ 0 (NaN anywhere is an error naming
/// the index). A group without records has count 0 and NaN statistics; a group whose weights
/// sum to 0 keeps its count of records and its max, with weight sum, count beyond and bands
/// 0 and the weighted statistics (mean, median and interval, p90, share and interval) NaN.
/// Each group's records are sorted and equal distances combined into one bin
/// (weights added in ascending order), and every statistic is computed from the bins: the
/// result does not depend on the order of the rows, and the bins are what a mergeable state
/// stores ([`super::summary_state`]).
pub fn summary(
    group: &[u32],
    n_groups: usize,
    distance: &[f64],
    weight: Option<&[f64]>,
    options: &SummaryOptions,
) -> Result<DistanceSummary> {
    z_value(options.confidence)?;
    check_threshold(options.threshold)?;
    check_len("distance", distance.len(), "group", group.len())?;
    if let Some(w) = weight {
        check_len("weight", w.len(), "group", group.len())?;
    }
    check_groups(group, n_groups)?;
    check_values(distance, weight)?;
    let (offsets, sorted) = by_group(group, n_groups, distance, weight);
    let binned: Vec<Binned> = (0..n_groups)
        .map(|g| Binned::of_sorted(&sorted[offsets[g]..offsets[g + 1]]))
        .collect();
    summary_of_bins(&binned, options, weight.is_some())
}

/// The records of one distance within a group: how many, and the sum of their weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bin {
    /// The distance in km.
    pub km: f64,
    /// Number of records at this distance.
    pub records: u64,
    /// Sum of their weights (`records` without weights).
    pub weight: f64,
    /// Sum of their squared weights.
    pub weight_sq: f64,
}

/// One group's distances as bins of equal distance, ascending, with Σ (w/unit)² over its
/// records: everything a summary needs, and what a state stores.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Binned {
    /// Distinct distances, ascending.
    pub bins: Vec<Bin>,
    /// Σ (w/unit)² over the records (their number without weights), for Kish's effective
    /// size.
    pub weight_sq: f64,
    /// A power of two the weights are divided by in `weight_sq` (that of the largest weight
    /// on one machine, so Σw² cannot overflow; 1 for a state's whole weights): exact, so
    /// Kish's n has the same bits whichever unit is taken, wherever neither overflows.
    pub unit: f64,
}

impl Default for Binned {
    fn default() -> Self {
        Binned {
            bins: Vec::new(),
            weight_sq: 0.0,
            unit: 1.0,
        }
    }
}

impl Binned {
    /// The bins of (distance, weight) pairs sorted by distance then weight: equal distances
    /// become one bin, their weights added in that order.
    pub(crate) fn of_sorted(rows: &[(f64, f64)]) -> Self {
        let largest = rows.iter().fold(0.0f64, |m, r| m.max(r.1));
        // A power of two near the largest weight (so dividing by it is exact): Σ(w/unit)²
        // neither overflows nor, for subnormal weights, underflows to 0.
        let unit = crate::sum::weight_unit(largest);
        let mut out = Binned {
            unit,
            ..Binned::default()
        };
        for &(km, w) in rows {
            // −0 km is 0 km (as a state's key is).
            let km = if km == 0.0 { 0.0 } else { km };
            out.weight_sq += (w / unit) * (w / unit);
            match out.bins.last_mut() {
                Some(b) if b.km == km => {
                    b.records += 1;
                    b.weight += w;
                    b.weight_sq += w * w;
                }
                _ => out.bins.push(Bin {
                    km,
                    records: 1,
                    weight: w,
                    weight_sq: w * w,
                }),
            }
        }
        out
    }
}

/// The summary of groups given as bins (see [`summary`]): the one computation behind the
/// one-machine summary and the finishing of a merged state.
pub(crate) fn summary_of_bins(
    groups: &[Binned],
    options: &SummaryOptions,
    weighted: bool,
) -> Result<DistanceSummary> {
    let z = z_value(options.confidence)?;
    check_threshold(options.threshold)?;
    let mut out = DistanceSummary::empty(groups.len(), options, weighted);
    for g in groups {
        out.push(g, options, z)?;
    }
    Ok(out)
}

pub(crate) fn check_threshold(threshold: f64) -> Result<()> {
    if threshold.is_finite() && threshold >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "threshold",
            format!(
                "must be a finite distance >= 0 km (got {})",
                format_value(threshold)
            ),
        ))
    }
}

pub(crate) fn check_values(distance: &[f64], weight: Option<&[f64]>) -> Result<()> {
    if let Some(i) = distance.iter().position(|d| !(d.is_finite() && *d >= 0.0)) {
        return Err(Error::invalid_value(
            "distance",
            i,
            distance[i],
            "distances must be finite and >= 0 km",
        ));
    }
    if let Some(w) = weight {
        if let Some(i) = w.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(Error::invalid_value(
                "weight",
                i,
                w[i],
                "weights must be finite and >= 0",
            ));
        }
    }
    Ok(())
}

/// (distance, weight) pairs grouped by a counting sort, each group sorted by distance (then
/// weight, so that equal distances add their weights in one order), and
/// the offset of each group's first pair (`offsets[g]..offsets[g + 1]`).
fn by_group(
    group: &[u32],
    n_groups: usize,
    distance: &[f64],
    weight: Option<&[f64]>,
) -> (Vec<usize>, Vec<(f64, f64)>) {
    let mut offsets = vec![0usize; n_groups + 1];
    for &g in group {
        offsets[g as usize + 1] += 1;
    }
    for g in 0..n_groups {
        offsets[g + 1] += offsets[g];
    }
    let mut next = offsets.clone();
    let mut sorted = vec![(0.0, 0.0); group.len()];
    for (i, (&g, &d)) in group.iter().zip(distance).enumerate() {
        let slot = &mut next[g as usize];
        sorted[*slot] = (d, weight.map_or(1.0, |w| w[i]));
        *slot += 1;
    }
    for g in 0..n_groups {
        sorted[offsets[g]..offsets[g + 1]]
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    }
    (offsets, sorted)
}

/// The distance of the `k`-th record (1-based) of ascending bins.
fn record_at(bins: &[Bin], k: usize) -> f64 {
    let mut seen = 0u64;
    for b in bins {
        seen = seen.saturating_add(b.records);
        if seen >= k as u64 {
            return b.km;
        }
    }
    f64::NAN
}

impl DistanceSummary {
    fn empty(n_groups: usize, options: &SummaryOptions, weighted: bool) -> Self {
        let col = || Vec::with_capacity(n_groups);
        DistanceSummary {
            count: col(),
            weight_sum: col(),
            mean: col(),
            median: col(),
            median_lower: col(),
            median_upper: col(),
            p90: col(),
            max: col(),
            count_beyond: col(),
            share_beyond: col(),
            share_lower: col(),
            share_upper: col(),
            bands: vec![col(); options.bands.len()],
            band_names: options.bands.column_names(),
            threshold: options.threshold,
            confidence: options.confidence,
            weighted,
        }
    }

    /// Appends the statistics of one group's bins.
    fn push(&mut self, g: &Binned, options: &SummaryOptions, z: f64) -> Result<()> {
        let (mut total, mut moment, mut beyond, mut n) = (0.0, 0.0, 0.0, 0u64);
        let mut bands = vec![0.0; options.bands.len()];
        for b in &g.bins {
            total += b.weight;
            moment += b.weight * b.km;
            // Bins read from a state (another engine's counts) may sum beyond any count.
            n = crate::state::add_records(n, i64::try_from(b.records).unwrap_or(i64::MAX))?;
            if b.km >= options.threshold {
                beyond += b.weight;
            }
            bands[options.bands.band_of(b.km)] += b.weight;
        }
        if !total.is_finite() {
            return Err(Error::invalid_argument(
                "weight",
                "a group's weights sum beyond the largest double (±1.8e308); rescale them",
            ));
        }
        let mean = if total <= 0.0 {
            f64::NAN
        } else if moment.is_finite() {
            moment / total
        } else {
            // Σ w·km overflowed although the mean cannot: weigh each distance by its share.
            g.bins.iter().map(|b| (b.weight / total) * b.km).sum()
        };
        let pairs: Vec<(f64, f64)> = g.bins.iter().map(|b| (b.km, b.weight)).collect();
        self.count.push(n as f64);
        self.weight_sum.push(total);
        self.mean.push(mean);
        // The quantiles compare running sums with the compensated total, `total` being the
        // plain sum the published `weight_sum` has always been.
        let (compensated, _) = crate::sum::neumaier(pairs.iter().map(|&(_, w)| w));
        self.median.push(quantile(&pairs, 0.5, compensated));
        self.p90.push(quantile(&pairs, 0.9, compensated));
        self.max.push(g.bins.last().map_or(f64::NAN, |b| b.km));
        let n = n as usize;
        let (lower, upper) = match median_rank(n, options.confidence)? {
            Some(k) if !self.weighted => (record_at(&g.bins, k), record_at(&g.bins, n - k + 1)),
            _ => (f64::NAN, f64::NAN),
        };
        self.median_lower.push(lower);
        self.median_upper.push(upper);
        self.count_beyond.push(beyond);
        let total_u = total / g.unit;
        self.push_share(beyond, total, total_u * total_u / g.weight_sq, z);
        for (column, b) in self.bands.iter_mut().zip(bands) {
            column.push(b);
        }
        Ok(())
    }

    /// The share at or beyond the threshold with Wilson limits, at Kish's effective sample
    /// size `n_eff` = (Σw)² / Σw² (n itself when every weight is 1).
    fn push_share(&mut self, beyond: f64, total: f64, n_eff: f64, z: f64) {
        if total <= 0.0 {
            self.share_beyond.push(f64::NAN);
            self.share_lower.push(f64::NAN);
            self.share_upper.push(f64::NAN);
            return;
        }
        // beyond × n_eff / total is exactly `beyond` when every weight is 1 (n_eff = total);
        // when the product overflows, or is subnormal and so lost digits, the share first.
        let product = beyond * n_eff;
        let successes = match product / total {
            x if x.is_finite() && (product.is_normal() || product == 0.0) => x,
            _ => beyond / total * n_eff,
        };
        let (lower, upper) = wilson_limits(successes, n_eff, z);
        self.share_beyond.push(beyond / total);
        self.share_lower.push(lower);
        self.share_upper.push(upper);
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.count.len()
    }

    /// True when there are no groups.
    pub fn is_empty(&self) -> bool {
        self.count.is_empty()
    }
}
