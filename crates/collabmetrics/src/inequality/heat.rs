//! The grouped measures of the WHO Health Equity Assessment Toolkit (HEAT; R package
//! `healthequal`), with the interval rules of `docs/methods/inequality.md`.

use serde::{Deserialize, Serialize};

use super::grouped::{
    group_error, ridits, shares, sorted_by_order, validate, Favourable, Needs, Subgroup,
};
use super::logistic::logistic_sii;
use super::rng::Rng;
use super::sii::{sii_stream, SiiOptions, ValueType};
use crate::error::{format_value, Error, Result};
use crate::stats::quantile7;

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
    pub measure: Measure,
    pub value: f64,
    /// Standard error where the interval is analytic (on the measure's reported scale; for
    /// RII and R, of the log).
    pub se: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
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

/// The prepared table: subgroups (sorted by order on ordered dimensions), shares, μ.
struct Table<'a> {
    g: Vec<&'a Subgroup>,
    y: Vec<f64>,
    se: Option<Vec<f64>>,
    p: Vec<f64>,
    n: Vec<f64>,
    mu: f64,
    scale: f64,
    reference: Option<usize>,
}

impl<'a> Table<'a> {
    fn new(groups: &'a [Subgroup], opts: &HeatOptions, min_groups: usize) -> Result<Self> {
        crate::stats::check_confidence(opts.confidence)?;
        if opts.reps != 0 && opts.reps < 100 {
            return Err(Error::invalid_argument(
                "reps",
                format!(
                    "must be at least 100, or 0 for no simulated interval (got {})",
                    opts.reps
                ),
            ));
        }
        let tolerated = tolerate_missing_population(groups, opts)?;
        validate(
            groups,
            Needs {
                min_groups,
                population: !tolerated,
                ordered: opts.ordered,
            },
        )?;
        let g: Vec<&Subgroup> = if opts.ordered {
            sorted_by_order(groups)
        } else {
            groups.iter().collect()
        };
        let y: Vec<f64> = g.iter().map(|s| s.value).collect();
        let se: Option<Vec<f64>> = g.iter().map(|s| s.se).collect();
        let p = shares(&g);
        let n: Vec<f64> = g.iter().map(|s| s.population.unwrap_or(0.0)).collect();
        let mu = match opts.setting_average {
            Some(m) if m.is_finite() => m,
            Some(m) => {
                return Err(Error::invalid_argument(
                    "setting_average",
                    format!("must be finite (got {})", format_value(m)),
                ))
            }
            None => p.iter().zip(&y).map(|(p, y)| p * y).sum(),
        };
        let scale = match opts.scale {
            Some(s) if s.is_finite() && s > 0.0 => s,
            Some(s) => {
                return Err(Error::invalid_argument(
                    "scale",
                    format!("must be > 0 (got {})", format_value(s)),
                ))
            }
            None => infer_scale(&y),
        };
        let reference = match &opts.reference {
            None => None,
            Some(label) => Some(g.iter().position(|s| &s.label == label).ok_or_else(|| {
                Error::invalid_argument("reference", format!("no subgroup is labelled `{label}`"))
            })?),
        };
        Ok(Table {
            g,
            y,
            se,
            p,
            n,
            mu,
            scale,
            reference,
        })
    }
}

/// The missing-population rule (`docs/methods/inequality.md`): on a non-ordered dimension,
/// subgroups without a population are allowed for up to 15 % of the subgroups when a
/// `setting_average` replaces the population-weighted mean; they then weigh nothing in the
/// weighted measures and count fully in the unweighted ones. Returns whether the rule
/// applies (some population missing); populations that are given must still be positive.
fn tolerate_missing_population(groups: &[Subgroup], opts: &HeatOptions) -> Result<bool> {
    let missing: Vec<&Subgroup> = groups.iter().filter(|g| g.population.is_none()).collect();
    let Some(first) = missing.first() else {
        return Ok(false);
    };
    let why = if opts.ordered {
        "missing population (an ordered dimension needs every population)"
    } else if opts.setting_average.is_none() {
        "missing population (allowed for up to 15% of subgroups only with a `setting_average`)"
    } else if missing.len() * 100 > 15 * groups.len() {
        "missing population (more than 15% of the subgroups have none)"
    } else {
        for g in groups {
            if let Some(p) = g.population.filter(|p| !(p.is_finite() && *p > 0.0)) {
                return Err(super::grouped::group_error(
                    &g.label,
                    format!("population must be > 0 (got {})", format_value(p)),
                ));
            }
        }
        return Ok(true);
    };
    Err(super::grouped::group_error(&first.label, why))
}

fn argmax(y: &[f64]) -> usize {
    let mut k = 0;
    for (i, &v) in y.iter().enumerate() {
        if v > y[k] {
            k = i;
        }
    }
    k
}

fn argmin(y: &[f64]) -> usize {
    let mut k = 0;
    for (i, &v) in y.iter().enumerate() {
        if v < y[k] {
            k = i;
        }
    }
    k
}

fn best(y: &[f64], fav: Favourable) -> usize {
    match fav {
        Favourable::High => argmax(y),
        Favourable::Low => argmin(y),
    }
}

/// (hi, lo) indices for D and R; `fav` is `None` only where it plays no part (a non-ordered
/// dimension without a reference subgroup).
fn pair(t: &Table, opts: &HeatOptions, fav: Option<Favourable>) -> (usize, usize) {
    let last = t.y.len() - 1;
    // Unset only where no branch below reads it.
    let fav = fav.unwrap_or(Favourable::High);
    if opts.ordered {
        return match fav {
            Favourable::High => (last, 0),
            Favourable::Low => (0, last),
        };
    }
    match t.reference {
        None => (argmax(&t.y), argmin(&t.y)),
        Some(r) => {
            let others: Vec<usize> = (0..t.y.len()).filter(|&i| i != r).collect();
            let pick = |f: fn(&[f64]) -> usize| {
                let v: Vec<f64> = others.iter().map(|&i| t.y[i]).collect();
                others[f(&v)]
            };
            match fav {
                Favourable::High => (r, pick(argmin)),
                Favourable::Low => (pick(argmax), r),
            }
        }
    }
}

/// Point value of a simulated measure from values y (populations fixed).
fn simulated_value(
    m: Measure,
    y: &[f64],
    p: &[f64],
    mu_fixed: Option<f64>,
    fav: Favourable,
    reference: Option<usize>,
) -> f64 {
    let mu = mu_fixed.unwrap_or_else(|| p.iter().zip(y).map(|(p, y)| p * y).sum());
    let j = y.len() as f64;
    let mean_abs = |c: f64, weighted: bool| -> f64 {
        if weighted {
            p.iter().zip(y).map(|(p, y)| p * (y - c).abs()).sum()
        } else {
            y.iter().map(|y| (y - c).abs()).sum::<f64>() / j
        }
    };
    match m {
        Measure::Bgsd | Measure::Cov => {
            let bgv: f64 = p.iter().zip(y).map(|(p, y)| p * (y - mu) * (y - mu)).sum();
            if m == Measure::Bgsd {
                bgv.sqrt()
            } else {
                100.0 * bgv.sqrt() / mu
            }
        }
        Measure::Mdmu => mean_abs(mu, false),
        Measure::Mdmw => mean_abs(mu, true),
        Measure::Idisu => 100.0 * mean_abs(mu, false) / mu,
        Measure::Idisw => 100.0 * mean_abs(mu, true) / mu,
        Measure::Mdbu => mean_abs(y[best(y, fav)], false),
        Measure::Mdbw => mean_abs(y[best(y, fav)], true),
        Measure::Mdru => mean_abs(y[reference.unwrap_or(0)], false),
        Measure::Mdrw => mean_abs(y[reference.unwrap_or(0)], true),
        _ => f64::NAN,
    }
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
/// to the dimension, or need a reference that is not given, are skipped).
pub fn heat_measures(
    groups: &[Subgroup],
    measures: Option<&[Measure]>,
    opts: &HeatOptions,
) -> Result<Vec<MeasureResult>> {
    match measures {
        Some(ms) => ms
            .iter()
            .enumerate()
            .map(|(i, &m)| heat_measure_stream(groups, m, opts, i as u64))
            .collect(),
        None => Measure::ALL
            .iter()
            .enumerate()
            .filter(|(_, m)| applies(**m, groups.len(), opts))
            .map(|(i, &m)| heat_measure_stream(groups, m, opts, i as u64))
            .collect(),
    }
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

pub(crate) fn heat_measure_stream(
    groups: &[Subgroup],
    m: Measure,
    opts: &HeatOptions,
    stream: u64,
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
    let normal = |out: &mut MeasureResult, se: f64| {
        out.se = Some(se);
        out.lower = Some(out.value - z * se);
        out.upper = Some(out.value + z * se);
        out.method = "analytic".into();
    };
    let (y, p, mu) = (&t.y, &t.p, t.mu);
    match m {
        Measure::D | Measure::R => {
            let (hi, lo) = pair(&t, opts, fav);
            let ses = t.g[hi].se.zip(t.g[lo].se);
            if m == Measure::D {
                out.value = y[hi] - y[lo];
                if let Some((a, b)) = ses {
                    normal(&mut out, (a * a + b * b).sqrt());
                }
            } else {
                if y[lo] == 0.0 {
                    return Err(group_error(
                        &t.g[lo].label,
                        "R divides by this subgroup's value, which is 0",
                    ));
                }
                let r = y[hi] / y[lo];
                out.value = r;
                if let Some((a, b)) = ses {
                    let se_r = (a * a + r * r * b * b).sqrt() / y[lo];
                    let sl = se_r / r;
                    out.se = Some(sl);
                    out.lower = Some((r.ln() - z * sl).exp());
                    out.upper = Some((r.ln() + z * sl).exp());
                    out.method = "analytic".into();
                }
            }
        }
        Measure::Aci | Measure::Rci => {
            let x = ridits(p);
            let sigma2: f64 = p
                .iter()
                .zip(&x)
                .map(|(p, x)| p * (x - 0.5) * (x - 0.5))
                .sum();
            let target: Vec<f64> = if m == Measure::Aci {
                y.to_vec()
            } else {
                y.iter().map(|v| v / mu).collect()
            };
            let ystar: Vec<f64> = target.iter().map(|v| 2.0 * sigma2 * v).collect();
            let (b1, se) = wls_slope(&x, &ystar, &t.n);
            let mut value = b1;
            let mut se = se;
            if m == Measure::Rci {
                let f = match opts.rci_method {
                    RciMethod::Raw => 1.0,
                    RciMethod::Wagstaff => 1.0 / (1.0 - mu / t.scale),
                    RciMethod::Erreygers => 4.0 * mu / t.scale,
                };
                value *= f;
                se *= f.abs();
            }
            out.value = value;
            normal(&mut out, se);
        }
        Measure::Sii | Measure::Rii | Measure::RiiMean if opts.sii_model == SiiModel::Linear => {
            let so = SiiOptions {
                value_type: opts.value_type,
                transform: opts.transform,
                confidence: vec![opts.confidence],
                reps: if t.se.is_some()
                    || t.g.iter().all(|g| g.lower.is_some() && g.upper.is_some())
                {
                    opts.reps
                } else {
                    0
                },
                seed: opts.seed,
                multiplier: opts.multiplier,
                rii_mean_interval: m == Measure::RiiMean,
                ..SiiOptions::default()
            };
            let r = sii_stream(groups, &so, stream)?;
            let lim = r.limits.first();
            match m {
                Measure::Sii => {
                    out.value = r.sii;
                    out.lower = lim.map(|l| l.sii_lower);
                    out.upper = lim.map(|l| l.sii_upper);
                }
                Measure::Rii => {
                    out.value = r.rii;
                    out.lower = lim.map(|l| l.rii_lower);
                    out.upper = lim.map(|l| l.rii_upper);
                }
                _ => {
                    out.value = r.rii_mean;
                    out.lower = lim.and_then(|l| l.rii_mean_lower);
                    out.upper = lim.and_then(|l| l.rii_mean_upper);
                }
            }
            if out.lower.is_some() {
                out.method = "simulation".into();
            }
        }
        Measure::RiiMean => {
            return Err(Error::invalid_argument(
                "measure",
                "RII_MEAN is defined for the linear SII model only",
            ))
        }
        Measure::Sii | Measure::Rii => {
            let fit = logistic_sii(&t.g, &t.y, &t.n, t.scale)?;
            if m == Measure::Sii {
                out.value = t.scale * fit.sii;
                normal(&mut out, t.scale * fit.se_sii);
            } else {
                out.value = fit.rii;
                out.se = Some(fit.se_log_rii);
                out.lower = Some((fit.rii.ln() - z * fit.se_log_rii).exp());
                out.upper = Some((fit.rii.ln() + z * fit.se_log_rii).exp());
                out.method = "analytic".into();
            }
        }
        Measure::Bgv => {
            out.value = p.iter().zip(y).map(|(p, y)| p * (y - mu) * (y - mu)).sum();
            if let Some(se) = &t.se {
                let s2: Vec<f64> = se.iter().map(|s| s * s).collect();
                let a: f64 = (0..y.len())
                    .map(|j| p[j] * p[j] * s2[j] * (y[j] - mu) * (y[j] - mu))
                    .sum();
                let b: f64 = (0..y.len()).map(|j| p[j] * p[j] * s2[j]).sum();
                let c: f64 = (0..y.len()).map(|j| p[j].powi(4) * s2[j] * s2[j]).sum();
                let d: f64 = (0..y.len())
                    .map(|j| p[j] * p[j] * (1.0 - p[j]).powi(2) * s2[j] * s2[j])
                    .sum();
                normal(&mut out, (4.0 * a + 2.0 * (b * b - c + d)).sqrt());
            }
        }
        Measure::Ti | Measure::Mld => {
            let r: Vec<f64> = y
                .iter()
                .map(|&v| (if v == 0.0 { 1e-6 } else { v }) / mu)
                .collect();
            for (j, &v) in y.iter().enumerate() {
                if v < 0.0 {
                    return Err(group_error(
                        &t.g[j].label,
                        format!("{} needs values ≥ 0 (got {})", m.as_str(), format_value(v)),
                    ));
                }
            }
            if m == Measure::Ti {
                out.value = 1000.0 * (0..y.len()).map(|j| p[j] * r[j] * r[j].ln()).sum::<f64>();
                if let Some(se) = &t.se {
                    let k: f64 = (0..y.len()).map(|j| p[j] * r[j] * (1.0 + r[j].ln())).sum();
                    let v: f64 = (0..y.len())
                        .map(|j| {
                            (1.0 + r[j].ln() - k).powi(2) * p[j] * p[j] * se[j] * se[j] / (mu * mu)
                        })
                        .sum();
                    normal(&mut out, 1000.0 * v.sqrt());
                }
            } else {
                out.value = 1000.0 * (0..y.len()).map(|j| -p[j] * r[j].ln()).sum::<f64>();
                if let Some(se) = &t.se {
                    let v: f64 = (0..y.len())
                        .map(|j| {
                            p[j] * p[j] * se[j] * se[j] * (1.0 - 1.0 / r[j]).powi(2) / (mu * mu)
                        })
                        .sum();
                    normal(&mut out, 1000.0 * v.sqrt());
                }
            }
        }
        Measure::Par | Measure::Paf => {
            // Set: PAF and PAR need it (checked above).
            let fav = fav.unwrap_or(Favourable::High);
            let rf = match t.reference {
                Some(r) => r,
                None if opts.ordered => y.len() - 1,
                None => best(y, fav),
            };
            if t.n[rf] <= 0.0 {
                return Err(super::grouped::group_error(
                    &t.g[rf].label,
                    format!("{} needs the reference subgroup's population", m.as_str()),
                ));
            }
            let mut par = y[rf] - mu;
            if (fav == Favourable::High && par < 0.0) || (fav == Favourable::Low && par > 0.0) {
                par = 0.0;
            }
            let total: f64 = t.n.iter().sum();
            let (pi_ref, pi) = (y[rf] / t.scale, mu / t.scale);
            let c = pi_ref * t.n[rf];
            let d = t.n[rf] - c;
            let a = pi * total - c;
            let b = total - a - t.n[rf];
            let s = (c * total * (a * d * (total - c) + b * c * c)
                / ((a + c).powi(3) * (c + d).powi(3)))
            .sqrt();
            if m == Measure::Par {
                out.value = par;
                if s.is_finite() {
                    normal(&mut out, mu * s);
                }
            } else {
                out.value = 100.0 * par / mu;
                if s.is_finite() {
                    normal(&mut out, 100.0 * s);
                }
            }
        }
        _ => {
            let fixed = opts.setting_average;
            // Set for MDB, the only simulated measure that reads it (checked above).
            let fav = fav.unwrap_or(Favourable::High);
            out.value = simulated_value(m, y, p, fixed, fav, t.reference);
            if let (Some(se), true) = (&t.se, opts.reps > 0) {
                let mut rng = Rng::new(opts.seed, stream);
                let upper_bound = if t.scale == 100.0 {
                    100.0
                } else {
                    f64::INFINITY
                };
                let mut draws = vec![0.0; y.len()];
                let mut sims = Vec::with_capacity(opts.reps);
                for _ in 0..opts.reps {
                    for j in 0..y.len() {
                        draws[j] = truncated_normal(&mut rng, y[j], se[j], upper_bound);
                    }
                    sims.push(simulated_value(m, &draws, p, fixed, fav, t.reference));
                }
                let a = (1.0 - opts.confidence) / 2.0;
                out.lower = Some(quantile7(&mut sims, a));
                out.upper = Some(quantile7(&mut sims, 1.0 - a));
                out.method = "simulation".into();
            }
        }
    }
    Ok(out)
}

/// Normal(mean, sd) truncated to [0, upper], by redrawing (a zero sd returns the mean).
fn truncated_normal(rng: &mut Rng, mean: f64, sd: f64, upper: f64) -> f64 {
    if sd == 0.0 {
        return mean;
    }
    for _ in 0..10_000 {
        let v = mean + sd * rng.ziggurat_normal();
        if (0.0..=upper).contains(&v) {
            return v;
        }
    }
    mean.clamp(0.0, upper)
}

/// Slope and its OLS standard error of y on [x√w, √w] with no intercept (= weighted least
/// squares of y on x with weights w), residual df = J − 2.
fn wls_slope(x: &[f64], y: &[f64], w: &[f64]) -> (f64, f64) {
    let sw: f64 = w.iter().sum();
    let xbar: f64 = w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() / sw;
    let ybar: f64 = w.iter().zip(y).map(|(w, y)| w * y).sum::<f64>() / sw;
    let sxx: f64 = w
        .iter()
        .zip(x)
        .map(|(w, x)| w * (x - xbar) * (x - xbar))
        .sum();
    let sxy: f64 = (0..x.len())
        .map(|j| w[j] * (x[j] - xbar) * (y[j] - ybar))
        .sum();
    let b1 = sxy / sxx;
    let b0 = ybar - b1 * xbar;
    let rss: f64 = (0..x.len())
        .map(|j| w[j] * (y[j] - b0 - b1 * x[j]).powi(2))
        .sum();
    let s2 = rss / (x.len() as f64 - 2.0);
    (b1, (s2 / sxx).sqrt())
}
