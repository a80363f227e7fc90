//! The grouped measures of the WHO Health Equity Assessment Toolkit (HEAT; R package
//! `healthequal`), with the interval rules of `docs/methods/inequality.md`.
//!
//! This file holds the options, the results and the dispatcher; each family of measures has
//! its own file: `pairwise` (D, R), `regression` (SII, RII, RII_MEAN, ACI, RCI),
//! `dispersion` (BGV, BGSD, COV, MDB, MDM, MDR, IDIS), `entropy` (TI, MLD) and
//! `attributable` (PAF, PAR), on the subgroups as `prepared` checks and sorts them.

mod attributable;
mod dispersion;
mod entropy;
mod pairwise;
mod prepared;
mod regression;

use serde::{Deserialize, Serialize};

use super::grouped::{Favourable, Subgroup};
use super::sii::ValueType;
use crate::error::{Error, Result};
use prepared::Table;

crate::option_enum! {
    /// A HEAT summary measure (codes as in `docs/methods/inequality.md` and `healthequal`), in
    /// that page's order.
    pub enum Measure: "measures", "measure" {
        /// Difference y_hi − y_lo.
        D = "D",
        /// Ratio y_hi / y_lo.
        R = "R",
        /// Slope index of inequality by `sii_model` (PHE linear by default, or HEAT logistic).
        Sii = "SII",
        /// Relative index of inequality (fitted(1)/fitted(0)) by `sii_model`.
        Rii = "RII",
        /// Kunst–Mackenbach RII: linear SII / population-weighted mean (no interval).
        RiiMean = "RII_MEAN",
        /// Absolute concentration index.
        Aci = "ACI",
        /// Relative concentration index (raw, in [−1, 1]).
        Rci = "RCI",
        /// Between-group variance.
        Bgv = "BGV",
        /// Between-group standard deviation.
        Bgsd = "BGSD",
        /// Coefficient of variation (%).
        Cov = "COV",
        /// Mean difference from the best subgroup, unweighted.
        Mdbu = "MDBU",
        /// Mean difference from the best subgroup, weighted.
        Mdbw = "MDBW",
        /// Mean difference from the mean, unweighted.
        Mdmu = "MDMU",
        /// Mean difference from the mean, weighted.
        Mdmw = "MDMW",
        /// Mean difference from the reference subgroup, unweighted.
        Mdru = "MDRU",
        /// Mean difference from the reference subgroup, weighted.
        Mdrw = "MDRW",
        /// Index of disparity (%), unweighted.
        Idisu = "IDISU",
        /// Index of disparity (%), weighted.
        Idisw = "IDISW",
        /// Theil index (× 1000) of the subgroup values weighted by population share, in HEAT's
        /// convention: a value of 0 counts as 10⁻⁶, and `μ` is the setting average when one is
        /// given. Without a setting average and without zeros it is 1000 × the individual
        /// Theil T ([`crate::inequality::theil`]) of the subgroup values weighted by their
        /// populations (tested in `tests/inequality_heat.rs`); use that one for individual
        /// data.
        Ti = "TI",
        /// Mean log deviation (× 1000), in HEAT's convention as for [`Measure::Ti`]: without a
        /// setting average and zeros, 1000 × the individual [`crate::inequality::mld`] of the
        /// subgroup values weighted by their populations.
        Mld = "MLD",
        /// Population attributable fraction (%).
        Paf = "PAF",
        /// Population attributable risk.
        Par = "PAR",
    }
}

impl Measure {
    /// Whether the measure depends on the direction of the indicator
    /// ([`HeatOptions::favourable`]): D and R on an ordered dimension or against a reference
    /// subgroup, MDB (the best subgroup), PAF and PAR.
    pub fn needs_favourable(self, ordered: bool, has_reference: bool) -> bool {
        match self {
            Measure::D | Measure::R => ordered || has_reference,
            Measure::Mdbu | Measure::Mdbw | Measure::Paf | Measure::Par => true,
            _ => false,
        }
    }

    fn ordered_only(self) -> bool {
        matches!(
            self,
            Measure::Sii | Measure::Rii | Measure::RiiMean | Measure::Aci | Measure::Rci
        )
    }

    fn non_ordered_only(self) -> bool {
        !self.ordered_only()
            && !matches!(self, Measure::D | Measure::R | Measure::Paf | Measure::Par)
    }

    fn needs_reference(self) -> bool {
        matches!(self, Measure::Mdru | Measure::Mdrw)
    }

    /// Whether the measure divides by μ (the population-weighted mean or the setting
    /// average).
    fn divides_by_mean(self) -> bool {
        matches!(
            self,
            Measure::Rci
                | Measure::Cov
                | Measure::Idisu
                | Measure::Idisw
                | Measure::Ti
                | Measure::Mld
                | Measure::Paf
        )
    }
}

crate::option_enum! {
    /// The SII/RII model.
    #[derive(Default)]
    pub enum SiiModel: "sii_model", "SII model" {
        /// PHE's `phe_sii` (the form Fingertips publishes): weighted least squares on the
        /// ridit, simulated limits. See [`super::sii()`].
        #[default]
        Linear = "linear",
        /// WHO HEAT's binomial GLM with HC1 sandwich standard errors.
        Logistic = "logistic",
    }
}

crate::option_enum! {
    /// RCI correction for bounded indicators.
    #[derive(Default)]
    pub enum RciMethod: "rci_method", "RCI method" {
        /// The raw relative concentration index.
        #[default]
        Raw = "raw",
        /// Divide by (1 − μ/scale).
        Wagstaff = "wagstaff",
        /// Multiply by 4μ/scale.
        Erreygers = "erreygers",
    }
}

/// The seed of every simulation and bootstrap when the caller gives none.
pub const DEFAULT_SEED: u64 = 20_240_601;

/// Options of [`heat_measure`] / [`heat_measures`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HeatOptions {
    /// Whether the dimension is ordered (then every subgroup needs an `order`).
    pub ordered: bool,
    /// Whether higher values are favourable (fixes the best and reference subgroups). No
    /// default: it depends on the indicator (low for OAP rates and disengagement, high for
    /// engagement), so a measure that uses it ([`Measure::needs_favourable`]) is an error
    /// without it.
    pub favourable: Option<Favourable>,
    /// Label of a reference subgroup (MDR, and pairwise D/R and PAF/PAR when given).
    pub reference: Option<String>,
    /// The indicator's unit (1, 100, 1000, ...); inferred when `None`.
    pub scale: Option<f64>,
    /// Replaces the population-weighted mean μ (e.g. a national value).
    pub setting_average: Option<f64>,
    /// RCI form.
    pub rci_method: RciMethod,
    /// SII/RII model (default PHE's linear one).
    pub sii_model: SiiModel,
    /// For the linear SII: PHE's `value_type` (scale on which subgroups are drawn).
    pub value_type: ValueType,
    /// For the linear SII: PHE's `transform`.
    pub transform: bool,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Simulation repetitions for measures without an analytic interval (default 100 000;
    /// at least 100; 0 = no simulated intervals).
    pub reps: usize,
    /// Simulation seed.
    pub seed: u64,
    /// For the linear SII: PHE's `multiplier` (e.g. 100 for a percentage given as a
    /// proportion; a negative one reverses the direction, as in PHE). Default 1.
    pub multiplier: f64,
}

impl Default for HeatOptions {
    fn default() -> Self {
        HeatOptions {
            ordered: false,
            favourable: None,
            reference: None,
            scale: None,
            setting_average: None,
            rci_method: RciMethod::Raw,
            sii_model: SiiModel::Linear,
            value_type: ValueType::Other,
            transform: false,
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            reps: 100_000,
            seed: DEFAULT_SEED,
            multiplier: 1.0,
        }
    }
}

impl HeatOptions {
    /// The direction for measure `m`, which needs it: an error naming the option when unset.
    pub(crate) fn favourable_for(&self, m: Measure) -> Result<Favourable> {
        self.favourable.ok_or_else(|| {
            crate::options::required(
                "favourable",
                &format!(
                    "{m} depends on whether higher values are better (\"high\", e.g. engagement) \
                     or worse (\"low\", e.g. OAP rates, disengagement); there is no safe default"
                ),
            )
        })
    }
}

/// One measure's value and interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureResult {
    /// The measure.
    pub measure: Measure,
    /// Its value, on the measure's reported scale (e.g. × 1000 for TI and MLD, % for COV,
    /// IDIS and PAF).
    pub value: f64,
    /// Standard error where the interval is analytic (on the measure's reported scale; for
    /// RII and R, of the log).
    pub se: Option<f64>,
    /// Lower limit; `None` when the measure has no interval for these data (no standard errors,
    /// or no simulation asked for).
    pub lower: Option<f64>,
    /// Upper limit; `None` as for `lower`.
    pub upper: Option<f64>,
    /// Confidence level of the limits.
    pub confidence: f64,
    /// How the interval was obtained: `"analytic"`, `"simulation"` or `"none"`.
    pub method: String,
}

/// HEAT's unit: the smallest of 1, 100, 10³ … 10⁶ that is ≥ max y.
pub fn infer_scale(values: &[f64]) -> f64 {
    let m = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    [1.0, 100.0, 1e3, 1e4, 1e5, 1e6]
        .into_iter()
        .find(|&s| s >= m)
        .unwrap_or(1e6)
}

/// Computes one measure. A measure that does not apply to the dimension (e.g. ACI on a
/// non-ordered one, MDR without a reference) is an error naming the measure.
pub fn heat_measure(
    groups: &[Subgroup],
    measure: Measure,
    opts: &HeatOptions,
) -> Result<MeasureResult> {
    heat_measure_stream(groups, measure, opts, 0)
}

/// Every measure in `measures`, or every applicable one when `None` (those that do not apply
/// to the dimension, or need a reference that is not given, are skipped, and RII_MEAN is
/// given on request only).
pub fn heat_measures(
    groups: &[Subgroup],
    measures: Option<&[Measure]>,
    opts: &HeatOptions,
) -> Result<Vec<MeasureResult>> {
    let chosen: Vec<(u64, Measure)> = match measures {
        Some(ms) => ms.iter().enumerate().map(|(i, &m)| (i as u64, m)).collect(),
        None => Measure::ALL
            .iter()
            .enumerate()
            .filter(|(_, m)| applies_by_default(**m, groups.len(), opts))
            .map(|(i, &m)| (i as u64, m))
            .collect(),
    };
    heat_measure_list(groups, &chosen, opts)
}

/// The measures `chosen` as (stream, measure), in order. PHE's linear SII, RII and RII_MEAN
/// share one simulation (on the stream of the first of them): each replicate gives all three.
pub(crate) fn heat_measure_list(
    groups: &[Subgroup],
    chosen: &[(u64, Measure)],
    opts: &HeatOptions,
) -> Result<Vec<MeasureResult>> {
    let linear = |m: Measure| {
        opts.sii_model == SiiModel::Linear
            && matches!(m, Measure::Sii | Measure::Rii | Measure::RiiMean)
    };
    let shared =
        chosen
            .iter()
            .find(|(_, m)| linear(*m))
            .map(|&(stream, _)| regression::SharedSii {
                stream,
                rii_mean: chosen.iter().any(|(_, m)| *m == Measure::RiiMean),
                result: std::cell::OnceCell::new(),
            });
    chosen
        .iter()
        .map(|&(stream, m)| heat_measure_shared(groups, m, opts, stream, shared.as_ref()))
        .collect()
}

/// Whether "all applicable measures" (`measures = None`) includes `m`: every measure that
/// applies but RII_MEAN, the Kunst–Mackenbach form, which is given on request only (named
/// apart from PHE's and HEAT's RII).
pub(crate) fn applies_by_default(m: Measure, j: usize, opts: &HeatOptions) -> bool {
    m != Measure::RiiMean && applies(m, j, opts)
}

pub(crate) fn applies(m: Measure, j: usize, opts: &HeatOptions) -> bool {
    if m == Measure::RiiMean && opts.sii_model != SiiModel::Linear {
        return false;
    }
    if m.ordered_only() {
        return opts.ordered && j > 2;
    }
    if m.non_ordered_only() {
        return !opts.ordered && j > 2 && (!m.needs_reference() || opts.reference.is_some());
    }
    true
}

/// One measure's call: what every measure family reads.
pub(super) struct Call<'a> {
    /// The measure.
    m: Measure,
    /// The subgroups as given (the linear SII prepares them itself).
    groups: &'a [Subgroup],
    /// The subgroups prepared.
    t: Table<'a>,
    opts: &'a HeatOptions,
    /// The direction, where the measure needs it ([`Measure::needs_favourable`]).
    fav: Option<Favourable>,
    /// The normal quantile of the confidence level.
    z: f64,
    /// The random stream of the measure's simulation.
    stream: u64,
    /// The simulation the linear SII, RII and RII_MEAN of one call share, if any.
    shared: Option<&'a regression::SharedSii>,
}

/// The analytic interval value ± z·se.
fn normal(out: &mut MeasureResult, z: f64, se: f64) {
    out.se = Some(se);
    out.lower = Some(out.value - z * se);
    out.upper = Some(out.value + z * se);
    out.method = "analytic".into();
}

/// One measure on stream `stream` of the seed: the checks every measure shares, then the
/// measure's family.
pub(crate) fn heat_measure_stream(
    groups: &[Subgroup],
    m: Measure,
    opts: &HeatOptions,
    stream: u64,
) -> Result<MeasureResult> {
    heat_measure_shared(groups, m, opts, stream, None)
}

/// [`heat_measure_stream`], the linear SII family reading `shared`'s simulation when given.
fn heat_measure_shared(
    groups: &[Subgroup],
    m: Measure,
    opts: &HeatOptions,
    stream: u64,
    shared: Option<&regression::SharedSii>,
) -> Result<MeasureResult> {
    if m.ordered_only() && !opts.ordered {
        return Err(Error::invalid_argument(
            "measure",
            format!("{} needs an ordered dimension", m.as_str()),
        ));
    }
    if m.non_ordered_only() && opts.ordered {
        return Err(Error::invalid_argument(
            "measure",
            format!("{} is for non-ordered dimensions", m.as_str()),
        ));
    }
    if m.needs_reference() && opts.reference.is_none() {
        return Err(Error::invalid_argument(
            "reference",
            format!("{} needs a reference subgroup", m.as_str()),
        ));
    }
    let min_groups = if matches!(m, Measure::D | Measure::R | Measure::Paf | Measure::Par) {
        2
    } else {
        3
    };
    let fav = if m.needs_favourable(opts.ordered, opts.reference.is_some()) {
        Some(opts.favourable_for(m)?)
    } else {
        None
    };
    let t = Table::new(groups, opts, min_groups)?;
    if m.divides_by_mean() && t.mu == 0.0 && opts.setting_average.is_some() {
        return Err(Error::invalid_argument(
            "setting_average",
            format!("{} divides by the setting average, which is 0", m.as_str()),
        ));
    }
    let z = crate::stats::z_value(opts.confidence)?;
    let mut out = MeasureResult {
        measure: m,
        value: f64::NAN,
        se: None,
        lower: None,
        upper: None,
        confidence: opts.confidence,
        method: "none".into(),
    };
    let call = Call {
        m,
        groups,
        t,
        opts,
        fav,
        z,
        stream,
        shared,
    };
    use Measure::*;
    match m {
        D | R => pairwise::measure(&call, &mut out)?,
        Sii | Rii | RiiMean | Aci | Rci => regression::measure(&call, &mut out)?,
        Bgv | Bgsd | Cov | Mdbu | Mdbw | Mdmu | Mdmw | Mdru | Mdrw | Idisu | Idisw => {
            dispersion::measure(&call, &mut out)?
        }
        Ti | Mld => entropy::measure(&call, &mut out)?,
        Paf | Par => attributable::measure(&call, &mut out)?,
    }
    finite_result(out)
}

/// Refuses a result holding an infinity or NaN (finite input gives finite results or this
/// error): the value, standard error or a limit beyond the largest double, e.g. a ratio over a
/// subgroup value near 0 or a setting average of 0.
fn finite_result(out: MeasureResult) -> Result<MeasureResult> {
    let parts = [
        ("value", Some(out.value)),
        ("standard error", out.se),
        ("lower limit", out.lower),
        ("upper limit", out.upper),
    ];
    match parts
        .iter()
        .find(|(_, v)| v.is_some_and(|v| !v.is_finite()))
    {
        None => Ok(out),
        Some((what, _)) => Err(Error::invalid_argument(
            "values",
            format!(
                "{}: its {what} is not a finite number for these subgroups (a division by a \
                 mean or value of 0, or beyond the largest double)",
                out.measure.as_str()
            ),
        )),
    }
}
