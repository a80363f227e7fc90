//! The subgroup table the grouped measures take, and its validation.

use serde::{Deserialize, Serialize};

use crate::error::{format_value, Error, Result};

/// One subgroup of a dimension: its estimate, the estimate's standard error or confidence
/// limits, its population and (for ordered dimensions) its order, 1 = most disadvantaged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subgroup {
    /// The subgroup's label (e.g. `"IMD decile 1"`, `"White British"`); must be unique.
    pub label: String,
    /// The estimate y_j (a rate, proportion, mean, ...).
    pub value: f64,
    /// The standard error of `value` (on the transformed scale for PHE's SII with rates and
    /// proportions; see [`super::sii()`]).
    pub se: Option<f64>,
    /// Lower confidence limit of `value` (used when `se` is missing).
    pub lower: Option<f64>,
    /// Upper confidence limit of `value` (used when `se` is missing).
    pub upper: Option<f64>,
    /// The subgroup's population (or population share); must be > 0 where a measure needs it.
    pub population: Option<f64>,
    /// Position on an ordered dimension, 1 = most disadvantaged.
    pub order: Option<i64>,
}

impl Subgroup {
    /// A subgroup with only a label and an estimate.
    pub fn new(label: impl Into<String>, value: f64) -> Self {
        Subgroup {
            label: label.into(),
            value,
            se: None,
            lower: None,
            upper: None,
            population: None,
            order: None,
        }
    }
    /// With a standard error.
    pub fn se(mut self, se: f64) -> Self {
        self.se = Some(se);
        self
    }
    /// With confidence limits.
    pub fn limits(mut self, lower: f64, upper: f64) -> Self {
        self.lower = Some(lower);
        self.upper = Some(upper);
        self
    }
    /// With a population.
    pub fn population(mut self, population: f64) -> Self {
        self.population = Some(population);
        self
    }
    /// With a position on an ordered dimension (1 = most disadvantaged).
    pub fn order(mut self, order: i64) -> Self {
        self.order = Some(order);
        self
    }
}

crate::option_enum! {
    /// Whether higher values of the indicator are good or bad; fixes the "best" subgroup. It
    /// has no default: it depends on the indicator.
    pub enum Favourable: "favourable", "direction" {
        /// Higher is better (e.g. engagement).
        High = "high",
        /// Lower is better (e.g. OAP rates, disengagement).
        Low = "low",
    }
}

pub(crate) fn group_error(label: &str, message: impl Into<String>) -> Error {
    Error::InvalidGroup {
        group: label.to_owned(),
        message: message.into(),
    }
}

/// A subgroup's standard error: its own, or (g(U) − g(L))/(2z) from its limits on g's scale,
/// as PHE turns limits into standard errors; `None` with neither. Limits in the wrong order
/// are an error naming the subgroup.
pub(crate) fn subgroup_se(s: &Subgroup, z: f64, g: impl Fn(f64) -> f64) -> Result<Option<f64>> {
    match (s.se, s.lower, s.upper) {
        (Some(se), _, _) => Ok(Some(se)),
        (None, Some(l), Some(u)) if u < l => Err(group_error(
            &s.label,
            "upper limit is below the lower limit",
        )),
        (None, Some(l), Some(u)) => Ok(Some((g(u) - g(l)) / (2.0 * z))),
        _ => Ok(None),
    }
}

/// What a measure needs of the subgroup table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Needs {
    pub min_groups: usize,
    pub population: bool,
    pub ordered: bool,
}

/// Checks the table: at least `min_groups` subgroups, unique labels, finite estimates,
/// positive finite populations (when needed), non-negative standard errors, and on an ordered
/// dimension an order for every subgroup, each order once.
pub(crate) fn validate(groups: &[Subgroup], needs: Needs) -> Result<()> {
    if groups.len() < needs.min_groups {
        return Err(Error::invalid_argument(
            "groups",
            format!(
                "needs at least {} subgroups (got {})",
                needs.min_groups,
                groups.len()
            ),
        ));
    }
    let mut labels = std::collections::HashSet::new();
    let mut orders = std::collections::HashMap::new();
    for g in groups {
        if !labels.insert(g.label.as_str()) {
            return Err(group_error(&g.label, "duplicate subgroup label"));
        }
        if !g.value.is_finite() {
            return Err(group_error(
                &g.label,
                format!("value must be finite (got {})", format_value(g.value)),
            ));
        }
        if needs.population {
            match g.population {
                None => return Err(group_error(&g.label, "missing population")),
                Some(p) if !(p.is_finite() && p > 0.0) => {
                    return Err(group_error(
                        &g.label,
                        format!("population must be > 0 (got {})", format_value(p)),
                    ))
                }
                _ => {}
            }
        }
        if let Some(se) = g.se {
            if !(se.is_finite() && se >= 0.0) {
                return Err(group_error(
                    &g.label,
                    format!("standard error must be ≥ 0 (got {})", format_value(se)),
                ));
            }
        }
        if needs.ordered {
            match g.order {
                None => {
                    return Err(group_error(
                        &g.label,
                        "missing order on an ordered dimension",
                    ))
                }
                Some(o) => {
                    if let Some(other) = orders.insert(o, g.label.as_str()) {
                        return Err(group_error(
                            &g.label,
                            format!("order {o} is also given to subgroup {other}"),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The subgroups sorted by order (1 = most disadvantaged first); call after [`validate`].
pub(crate) fn sorted_by_order(groups: &[Subgroup]) -> Vec<&Subgroup> {
    let mut v: Vec<&Subgroup> = groups.iter().collect();
    v.sort_by_key(|g| g.order.unwrap_or(i64::MAX));
    v
}

/// Population shares p_j (call after [`validate`] with `population: true`).
pub(crate) fn shares(groups: &[&Subgroup]) -> Vec<f64> {
    let total: f64 = groups.iter().map(|g| g.population.unwrap_or(0.0)).sum();
    groups
        .iter()
        .map(|g| g.population.unwrap_or(0.0) / total)
        .collect()
}

/// The ridit (relative rank) of each group, groups in order (most disadvantaged first), from
/// their populations: the mid-point of the group's share of the cumulative population,
/// X_j = Σ_{k<j} p_k + p_j / 2 with p_j = population_j / Σ population. The x of every
/// group in the slope index regression (and of its chart).
///
/// ```
/// let x = collabmetrics::inequality::grouped::population_ridits(&[1.0, 1.0, 2.0]);
/// assert_eq!(x, vec![0.125, 0.375, 0.75]);
/// ```
pub fn population_ridits(populations: &[f64]) -> Vec<f64> {
    let total: f64 = populations.iter().sum();
    let p: Vec<f64> = populations.iter().map(|v| v / total).collect();
    ridits(&p)
}

/// Ridits X_j = Σ_{k<j} p_k + p_j / 2 of shares in order.
pub(crate) fn ridits(shares: &[f64]) -> Vec<f64> {
    let mut cum = 0.0;
    shares
        .iter()
        .map(|&p| {
            let x = cum + p / 2.0;
            cum += p;
            x
        })
        .collect()
}
