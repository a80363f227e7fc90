//! Slope and relative indices of inequality as PHEindicatormethods' `phe_sii` computes them.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::grouped::{
    group_error, shares, sorted_by_order, subgroup_se, validate, Needs, Subgroup,
};
use super::replicates::{simulate, Model, Replicates};
use crate::error::{format_value, Error, Result};

crate::option_enum! {
    /// The indicator type, PHE's `value_type`: fixes the scale on which each subgroup's value
    /// is drawn in the simulation.
    #[derive(Default)]
    pub enum ValueType: "value_type", "value type" {
        /// `0`: drawn on the value's own scale (e.g. life expectancy).
        #[default]
        Other = "other",
        /// `1`: a rate, drawn on the log scale.
        Rate = "rate",
        /// `2`: a proportion in (0, 1), drawn on the logit scale.
        Proportion = "proportion",
    }
}

impl ValueType {
    /// PHE's code: 0 other, 1 rate, 2 proportion.
    pub fn from_code(code: u8) -> Option<Self> {
        <Self as crate::options::OptionEnum>::from_index(usize::from(code))
    }

    fn forward(self, y: f64) -> f64 {
        match self {
            ValueType::Other => y,
            ValueType::Rate => y.ln(),
            ValueType::Proportion => (y / (1.0 - y)).ln(),
        }
    }

    pub(super) fn back(self, t: f64) -> f64 {
        match self {
            ValueType::Other => t,
            ValueType::Rate => t.exp(),
            ValueType::Proportion => 1.0 / (1.0 + (-t).exp()),
        }
    }
}

/// The level of subgroups' given limits, when they are turned into standard errors: PHE's
/// 95 %, hard-coded in PHEindicatormethods (the default of `limits_confidence`, and the level of
/// the HEAT measures' standard errors from limits).
pub const LIMITS_CONFIDENCE: f64 = 0.95;

/// Options of [`sii`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiiOptions {
    /// Indicator type (default other).
    pub value_type: ValueType,
    /// PHE's `transform = TRUE`: fit the regression to the log (rate) or logit (proportion) of
    /// the values and back-transform the fitted line (default false: fit the values).
    pub transform: bool,
    /// Confidence levels of the simulated limits, each in (0, 1) (default `[0.95]`).
    pub confidence: Vec<f64>,
    /// Confidence level of the subgroups' `lower`/`upper` limits, used to turn them into
    /// standard errors (default 0.95, as PHE hard-codes).
    pub limits_confidence: f64,
    /// Factor applied to the SII and its limits; a negative one also inverts the RII (PHE).
    pub multiplier: f64,
    /// Simulation repetitions (default 100 000; at least 100); 0 skips the simulation.
    pub reps: usize,
    /// Seed of the simulation.
    pub seed: u64,
    /// Also simulate limits for `rii_mean` (SII / mean): each replicate's SII over its own
    /// population-weighted mean (default false: it costs a back-transform per subgroup and
    /// replicate on the transformed scales).
    #[serde(default)]
    pub rii_mean_interval: bool,
}

impl Default for SiiOptions {
    fn default() -> Self {
        SiiOptions {
            value_type: ValueType::Other,
            transform: false,
            confidence: vec![0.95],
            limits_confidence: LIMITS_CONFIDENCE,
            multiplier: 1.0,
            reps: 100_000,
            seed: super::DEFAULT_SEED,
            rii_mean_interval: false,
        }
    }
}

/// Simulated limits at one confidence level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiiLimits {
    /// The confidence level of these limits.
    pub confidence: f64,
    /// Lower limit of the SII.
    pub sii_lower: f64,
    /// Upper limit of the SII.
    pub sii_upper: f64,
    /// Lower limit of the RII; `None` when the ratio has no interval: a simulated fitted line
    /// reaches 0 at the end the RII divides by (the ratios then run to infinity and their
    /// order means nothing), or the lower limit would be 0 or below (the fitted line crosses 0
    /// in more than the tail of the replicates; `transform` avoids both for rates and
    /// proportions).
    pub rii_lower: Option<f64>,
    /// Upper limit of the RII (`None` as `rii_lower`).
    pub rii_upper: Option<f64>,
    /// Limits of `rii_mean`, when [`SiiOptions::rii_mean_interval`] asked for them.
    #[serde(default)]
    pub rii_mean_lower: Option<f64>,
    /// Upper limit of `rii_mean` (see `rii_mean_lower`).
    #[serde(default)]
    pub rii_mean_upper: Option<f64>,
}

/// The result of [`sii`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiiResult {
    /// Slope index of inequality × multiplier: fitted value at rank 1 (least deprived) minus
    /// at rank 0 (most deprived).
    pub sii: f64,
    /// Relative index, PHE/HEAT form: fitted(1) / fitted(0) = (intercept + SII) / intercept,
    /// inverted when the multiplier is negative.
    pub rii: f64,
    /// Fitted value at rank 0, on the value scale (times |multiplier| under `transform`, as
    /// PHE reports it).
    pub intercept: f64,
    /// Kunst–Mackenbach form: SII (unmultiplied, sign of the multiplier) / population-weighted
    /// mean of the values.
    pub rii_mean: f64,
    /// Simulated limits, one per requested confidence level (empty when `reps` = 0).
    pub limits: Vec<SiiLimits>,
    /// Repetitions used.
    pub reps: usize,
}

/// The fitted line's intercept and slope as linear functions of the values:
/// intercept = Σ c0_j t_j, slope = Σ c1_j t_j (weighted least squares, weights = shares `p`,
/// at the ridits).
///
/// The ridits' weighted mean is ½ by construction (Σ p_j (C_{j−1} + p_j/2) = (Σp)²/2), and
/// each ridit's deviation from it is (C_{j−1} − S_j)/2, with C_{j−1} the shares before j and
/// S_j those after: both sums run from their own end, so a subgroup holding nearly everyone
/// keeps its small deviation. Computing the mean and subtracting lost every digit of it (a
/// population ratio of 10¹⁸ gave the SII the wrong sign).
fn coefficients(p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut after: Vec<f64> = vec![0.0; p.len()];
    let mut tail = 0.0;
    for j in (0..p.len()).rev() {
        after[j] = tail;
        tail += p[j];
    }
    let mut before = 0.0;
    let d: Vec<f64> = p
        .iter()
        .zip(&after)
        .map(|(&pj, &s)| {
            let dj = (before - s) / 2.0;
            before += pj;
            dj
        })
        .collect();
    let sxx: f64 = p.iter().zip(&d).map(|(p, d)| p * d * d).sum();
    let c1: Vec<f64> = p.iter().zip(&d).map(|(p, d)| p * d / sxx).collect();
    let c0: Vec<f64> = p.iter().zip(&c1).map(|(p, c)| p - 0.5 * c).collect();
    (c0, c1)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// SII, RII (as fitted at rank 0 and 1) from a fitted line on the regression scale.
pub(super) fn ends(vt: ValueType, transform: bool, intercept: f64, slope: f64) -> (f64, f64) {
    if transform {
        (vt.back(intercept), vt.back(intercept + slope))
    } else {
        (intercept, intercept + slope)
    }
}

/// PHE's multiplier of the linear SII: finite and non-zero (checked whether or not a measure
/// of the call uses it, so a bad one is never silently ignored).
pub(crate) fn check_multiplier(multiplier: f64) -> Result<()> {
    if multiplier.is_finite() && multiplier != 0.0 {
        return Ok(());
    }
    Err(Error::invalid_argument(
        "multiplier",
        format!(
            "must be finite and non-zero (got {})",
            format_value(multiplier)
        ),
    ))
}

fn check_options(opts: &SiiOptions) -> Result<()> {
    for &c in &opts.confidence {
        crate::stats::check_confidence(c)?;
    }
    crate::stats::check_confidence(opts.limits_confidence).map_err(|_| {
        Error::invalid_argument("limits_confidence", "must be strictly between 0 and 1")
    })?;
    check_multiplier(opts.multiplier)?;
    if opts.reps != 0 && opts.reps < 100 {
        return Err(Error::invalid_argument(
            "reps",
            format!(
                "must be at least 100, or 0 for no interval (got {})",
                opts.reps
            ),
        ));
    }
    crate::limits::check_reps("reps", opts.reps)?;
    // Up to three replicate vectors of 8 bytes each per table (a batch runs no more tables at
    // once than the limit holds: `sii_batch`), so whether a call runs does not depend on the
    // number of threads.
    crate::limits::check_memory(
        "reps",
        "the simulation's replicates",
        opts.reps as u128,
        REPLICATE_BYTES,
    )?;
    Ok(())
}

/// The SII and RII of an ordered dimension by PHEindicatormethods' `phe_sii` (Low & Low 2004):
/// weighted least squares of the value on the ridit with weights = population shares (PHE
/// writes it as `value·√a ~ √a + rank·√a − 1`), SII = fitted(1) − fitted(0) × multiplier,
/// RII = fitted(1)/fitted(0); limits by simulation (see the module docs).
///
/// Every subgroup needs an order, a population > 0, and either `se` or both limits. Rates must
/// be > 0 and proportions in (0, 1) (values and limits).
pub fn sii(groups: &[Subgroup], opts: &SiiOptions) -> Result<SiiResult> {
    sii_stream(groups, opts, 0)
}

/// [`sii`] for many subgroup tables at once (e.g. every area × period), in parallel. Table i
/// draws from stream i of the seed, so the results do not depend on the number of threads.
pub fn sii_batch(tables: &[Vec<Subgroup>], opts: &SiiOptions) -> Vec<Result<SiiResult>> {
    // Progress by table (each table's own simulation then stays silent).
    let progress = crate::cancel::Progress::start(tables.len() as u64);
    per_table(tables, opts.reps, |i, t| {
        let r = sii_stream(t, opts, i as u64);
        progress.advance(1);
        r
    })
}

/// `simulate(i, table)` for every table of a batch, in order: in parallel, in chunks of
/// [`tables_at_once`] whose simulations of `reps` repetitions fit the working-memory limit
/// together, each with the caller's cancellation token installed. A cancelled batch skips its
/// remaining tables' set-up (a table's simulation checks only once its buffers are made).
pub(crate) fn per_table<T: Sync, R: Send>(
    tables: &[T],
    reps: usize,
    simulate: impl Fn(usize, &T) -> Result<R> + Sync,
) -> Vec<Result<R>> {
    let token = crate::cancel::current();
    let at_once = tables_at_once(reps);
    let mut out = Vec::with_capacity(tables.len());
    for (c, chunk) in tables.chunks(at_once).enumerate() {
        out.par_extend(chunk.par_iter().enumerate().map(|(j, t)| {
            crate::cancel::check_carried(token.as_ref())?;
            crate::cancel::scope_opt(token.as_ref(), || simulate(c * at_once + j, t))
        }));
    }
    out
}

/// Bytes of one replicate of an SII simulation: up to three vectors of 8-byte values.
const REPLICATE_BYTES: u128 = 24;

/// How many tables' simulations of `reps` repetitions may run at once: as many as there are
/// threads, but no more than the working-memory limit holds the replicates of (with 10
/// million repetitions, 17 tables), so a batch runs on a machine of any number of cores
/// within the limit. Every batch of tables (`sii_batch`, the measures table's by-groups)
/// runs in chunks of this many ([`per_table`]).
pub(crate) fn tables_at_once(reps: usize) -> usize {
    let per_table = (reps as u128 * REPLICATE_BYTES).max(1);
    usize::try_from(crate::limits::MAX_WORKING_BYTES / per_table)
        .unwrap_or(usize::MAX)
        .max(1)
}

pub(crate) fn sii_stream(groups: &[Subgroup], opts: &SiiOptions, stream: u64) -> Result<SiiResult> {
    check_options(opts)?;
    validate(
        groups,
        Needs {
            min_groups: 3,
            population: true,
            ordered: true,
        },
    )?;
    let vt = opts.value_type;
    let g = sorted_by_order(groups);
    for s in &g {
        check_domain(vt, &s.label, "value", s.value)?;
    }
    let p = shares(&g);
    let (c0, c1) = coefficients(&p);
    let y: Vec<f64> = g.iter().map(|s| s.value).collect();
    let t: Vec<f64> = y.iter().map(|&v| vt.forward(v)).collect();
    let fit_on = if opts.transform { &t } else { &y };
    let (f0, f1) = ends(vt, opts.transform, dot(&c0, fit_on), dot(&c1, fit_on));
    let m = opts.multiplier;
    let rii = if m < 0.0 { f0 / f1 } else { f1 / f0 };
    let mu = dot(&p, &y);
    let mut out = SiiResult {
        sii: m * (f1 - f0),
        rii,
        // PHE multiplies the back-transformed intercept by |multiplier|, not the other.
        intercept: if opts.transform { f0 * m.abs() } else { f0 },
        rii_mean: m.signum() * (f1 - f0) / mu,
        limits: Vec::new(),
        reps: opts.reps,
    };
    if opts.reps == 0 {
        return finite_result(out);
    }
    // Standard errors on the drawing scale (transformed for rates and proportions).
    let z_lim = crate::stats::z_value(opts.limits_confidence)?;
    let mut se = Vec::with_capacity(g.len());
    for s in &g {
        if let (None, Some(l), Some(u)) = (s.se, s.lower, s.upper) {
            check_domain(vt, &s.label, "lower", l)?;
            check_domain(vt, &s.label, "upper", u)?;
        }
        let v = subgroup_se(s, z_lim, |v| vt.forward(v))?.ok_or_else(|| {
            group_error(&s.label, "needs a standard error or both confidence limits")
        })?;
        se.push(v);
    }
    let model = Model {
        t: &t,
        se: &se,
        c0: &c0,
        c1: &c1,
        p: &p,
        vt,
        transform: opts.transform,
        multiplier: m,
    };
    let n = opts.reps;
    let mut reps = simulate(&model, n, opts.rii_mean_interval, opts.seed, stream)?;
    let Replicates {
        sims,
        riis,
        rms,
        rii_defined,
    } = &mut reps;
    let rii_defined = *rii_defined;
    // Fitted value at the middle rank (X = ½) on the transformed scale, the pivot of PHE's
    // back-transformed limits.
    let mid = dot(&c0, fit_on) + dot(&c1, fit_on) / 2.0;
    for &c in &opts.confidence {
        let pos = phe_positions(n, c);
        // The three replicate vectors' order statistics at once (NaN for an empty one).
        let pair = |x: &mut Vec<f64>| select_pair(x, pos);
        let (((b_lo, b_hi), (r_lo, r_hi)), rm_pair) =
            rayon::join(|| rayon::join(|| pair(sims), || pair(riis)), || pair(rms));
        // (SII lower, SII upper, RII lower, RII upper)
        let mut defined = rii_defined;
        let (sii_lower, sii_upper, rii_lower, rii_upper) = if opts.transform {
            let at = |b: f64| (vt.back(mid - b / 2.0), vt.back(mid + b / 2.0));
            let ((l0, l1), (h0, h1)) = (at(b_lo), at(b_hi));
            defined &= [l0, l1, h0, h1].iter().all(|&v| v > 0.0);
            if m < 0.0 {
                (m * (h1 - h0), m * (l1 - l0), h0 / h1, l0 / l1)
            } else {
                (m * (l1 - l0), m * (h1 - h0), l1 / l0, h1 / h0)
            }
        } else {
            (b_lo, b_hi, r_lo, r_hi)
        };
        // No interval when the replicates' ratios are undefined or reach 0 or below.
        let rii_interval = defined && rii_lower > 0.0 && rii_upper.is_finite();
        let lim = SiiLimits {
            confidence: c,
            sii_lower,
            sii_upper,
            rii_lower: rii_interval.then_some(rii_lower),
            rii_upper: rii_interval.then_some(rii_upper),
            rii_mean_lower: opts.rii_mean_interval.then_some(rm_pair.0),
            rii_mean_upper: opts.rii_mean_interval.then_some(rm_pair.1),
        };
        out.limits.push(lim);
    }
    reps.give_back();
    finite_result(out)
}

/// Refuses a result holding an infinity or NaN: finite input gives finite results or this
/// error (an RII whose fitted value at rank 0 is 0, or draws beyond the largest double from a
/// standard error too large for the drawing scale; on the log scale, draws above 709 count
/// as beyond it: see `fastlog::exp`).
fn finite_result(out: SiiResult) -> Result<SiiResult> {
    let mut parts = vec![
        ("SII", out.sii),
        ("RII", out.rii),
        ("intercept", out.intercept),
        ("RII_MEAN", out.rii_mean),
    ];
    for l in &out.limits {
        parts.extend([
            ("SII's lower limit", l.sii_lower),
            ("SII's upper limit", l.sii_upper),
        ]);
        parts.extend(l.rii_lower.map(|v| ("RII's lower limit", v)));
        parts.extend(l.rii_upper.map(|v| ("RII's upper limit", v)));
        parts.extend(l.rii_mean_lower.map(|v| ("RII_MEAN's lower limit", v)));
        parts.extend(l.rii_mean_upper.map(|v| ("RII_MEAN's upper limit", v)));
    }
    match parts.iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(out),
        Some((what, _)) => Err(Error::invalid_argument(
            "values",
            format!(
                "the {what} is not a finite number for these subgroups (a fitted value or mean \
                 of 0 divides it, or a standard error too large for the drawing scale takes \
                 the simulated values beyond the largest double)"
            ),
        )),
    }
}

/// The k-th smallest (0-based) of `x`, reordering `x` (O(n), no full sort).
fn select(x: &mut [f64], k: usize) -> f64 {
    *x.select_nth_unstable_by(k, f64::total_cmp).1
}

/// The lo-th and hi-th smallest (0-based, lo ≤ hi < x.len()) of `x`, reordering `x`: the
/// second selection runs in the part above the first. NaN for an empty `x` (a replicate
/// vector not asked for).
fn select_pair(x: &mut [f64], (lo, hi): (usize, usize)) -> (f64, f64) {
    if x.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let l = select(x, lo);
    if hi == lo {
        return (l, l);
    }
    (l, select(&mut x[lo + 1..], hi - lo - 1))
}

/// PHE's percentile positions (0-based): the round(n·α/2)-th and round(n·(1 − α/2))-th of the
/// sorted replicates (1-based, R's rounding half to even), kept inside 1..n.
fn phe_positions(n: usize, confidence: f64) -> (usize, usize) {
    let cv = confidence + (1.0 - confidence) / 2.0;
    let pos = |q: f64| ((n as f64 * q).round_ties_even() as usize).clamp(1, n) - 1;
    (pos(1.0 - cv), pos(cv))
}

fn check_domain(vt: ValueType, label: &str, what: &str, v: f64) -> Result<()> {
    let ok = match vt {
        ValueType::Other => v.is_finite(),
        ValueType::Rate => v.is_finite() && v > 0.0,
        ValueType::Proportion => v > 0.0 && v < 1.0,
    };
    if ok {
        Ok(())
    } else {
        let rule = match vt {
            ValueType::Other => "must be finite",
            ValueType::Rate => "must be > 0 for a rate (drawn on the log scale)",
            ValueType::Proportion => {
                "must be strictly between 0 and 1 for a proportion (drawn on the logit scale)"
            }
        };
        Err(group_error(
            label,
            format!("{what} {} {rule}", format_value(v)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest number of repetitions runs on a pool of any size: its replicates were
    /// counted once per thread, which refused 10 million on 18 threads or more.
    #[test]
    fn the_repetition_limit_does_not_depend_on_the_threads() {
        let opts = SiiOptions {
            reps: crate::limits::MAX_REPS,
            ..SiiOptions::default()
        };
        for threads in [1, 2, 32] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert!(pool.install(|| check_options(&opts)).is_ok(), "{threads}");
        }
        // 4 GiB over 10 million replicates of 24 bytes (240 MB): 17 tables at once, on any
        // number of cores (the measures table's by-groups ran all at once: 3.8 GB on 24).
        assert_eq!(tables_at_once(10_000_000), 17);
        assert_eq!(tables_at_once(100_000), 1789);
        assert!(tables_at_once(0) > 1 << 30);
    }

    #[test]
    fn select_pair_reads_the_sorted_order() {
        let x: Vec<f64> = (0..1001)
            .map(|i| ((i * 7919) % 1001) as f64 - 300.5)
            .collect();
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        for (lo, hi) in [(0, 1000), (24, 975), (500, 500), (499, 500), (0, 0)] {
            let mut y = x.clone();
            assert_eq!(select_pair(&mut y, (lo, hi)), (sorted[lo], sorted[hi]));
        }
        let (a, b) = select_pair(&mut [], (0, 0));
        assert!(a.is_nan() && b.is_nan());
    }

    #[test]
    fn positions() {
        assert_eq!(phe_positions(100_000, 0.95), (2499, 97499));
        assert_eq!(phe_positions(1000, 0.99), (4, 994));
    }
}
