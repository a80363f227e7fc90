//! The subgroups as every HEAT measure reads them: checked, sorted on an ordered dimension,
//! with their shares, the mean μ, the unit and the reference subgroup.

use super::{infer_scale, HeatOptions, Measure};
use crate::error::{format_value, Error, Result};
use crate::inequality::grouped::{
    group_error, shares, sorted_by_order, subgroup_se, validate, Needs, Subgroup,
};

/// The prepared table: subgroups (sorted by order on ordered dimensions), shares, μ.
pub(super) struct Table<'a> {
    /// The subgroups, in order of `order` on an ordered dimension.
    pub g: Vec<&'a Subgroup>,
    /// Their values.
    pub y: Vec<f64>,
    /// Their standard errors, when every subgroup has one (its own, or from its limits).
    pub se: Option<Vec<f64>>,
    /// Each subgroup's standard error, if it has one (the pairwise measures need two).
    pub se_each: Vec<Option<f64>>,
    /// Their population shares.
    pub p: Vec<f64>,
    /// Their populations (0 where missing, under the missing-population rule).
    pub n: Vec<f64>,
    /// The population-weighted mean, or the setting average.
    pub mu: f64,
    /// The indicator's unit (given or inferred).
    pub scale: f64,
    /// The reference subgroup's index, when one is given.
    pub reference: Option<usize>,
}

impl<'a> Table<'a> {
    /// Checks and prepares `groups` for a measure that needs at least `min_groups`.
    pub(super) fn new(
        groups: &'a [Subgroup],
        opts: &HeatOptions,
        min_groups: usize,
    ) -> Result<Self> {
        crate::stats::check_confidence(opts.confidence)?;
        crate::inequality::sii::check_multiplier(opts.multiplier)?;
        if opts.reps != 0 && opts.reps < 100 {
            return Err(Error::invalid_argument(
                "reps",
                format!(
                    "must be at least 100, or 0 for no simulated interval (got {})",
                    opts.reps
                ),
            ));
        }
        crate::limits::check_reps("reps", opts.reps)?;
        crate::limits::check_memory("reps", "the simulation's replicates", opts.reps as u128, 8)?;
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
        // A subgroup's standard error, or one from its limits (given, or computed from counts
        // by the statistics module) as PHE turns limits into standard errors for its SII:
        // (upper − lower)/(2z) at the limits' 95 %. Without it, every measure that needs one
        // went without an interval although the limits were there.
        let z_lim = crate::stats::z_value(crate::inequality::sii::LIMITS_CONFIDENCE)?;
        let se_each: Vec<Option<f64>> = g
            .iter()
            .map(|s| subgroup_se(s, z_lim, |v| v))
            .collect::<Result<_>>()?;
        let se: Option<Vec<f64>> = se_each.iter().copied().collect();
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
            se_each,
            p,
            n,
            mu,
            scale,
            reference,
        })
    }
}

impl Table<'_> {
    /// Every value in [0, `upper`], for a measure `m` that reads them as counts or as
    /// proportions of the scale, or draws them from normals truncated to that range: else an
    /// error naming the first subgroup outside (its estimate would lie outside its own
    /// draws, and the interval could exclude it).
    pub(super) fn check_range(&self, upper: f64, m: Measure, why: &str) -> Result<()> {
        for (g, &v) in self.g.iter().zip(&self.y) {
            if !(0.0..=upper).contains(&v) {
                let range = if upper.is_finite() {
                    format!("[0, scale = {}]", format_value(upper))
                } else {
                    "[0, ∞)".to_owned()
                };
                return Err(group_error(
                    &g.label,
                    format!(
                        "value {} is outside {range} for {} ({why})",
                        format_value(v),
                        m.as_str()
                    ),
                ));
            }
        }
        Ok(())
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
                return Err(group_error(
                    &g.label,
                    format!("population must be > 0 (got {})", format_value(p)),
                ));
            }
        }
        return Ok(true);
    };
    Err(group_error(&first.label, why))
}
