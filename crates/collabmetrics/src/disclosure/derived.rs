//! Derived values (percentages, proportions, rates, ratios, means) for publication: computed
//! from unrounded counts, suppressed with their numerator (and, with `suppress_on = "either"`,
//! their denominator) or below `min_denominator`, rounded to their decimals.

use super::log::{LogEntry, Reason};
use super::rules::{Rule, SuppressOn};
use crate::table::{Derived, DerivedKind};

/// What one derived column is published from, by published row.
pub(crate) struct Inputs<'a> {
    pub spec: &'a Derived,
    /// The unrounded value (the table's own, or computed from the counts).
    pub original: Vec<Option<f64>>,
    /// The marks of the numerator and denominator when they are counts.
    pub numerator: Option<&'a [Option<Reason>]>,
    pub denominator: Option<&'a [Option<Reason>]>,
    /// The unrounded denominator.
    pub denominator_values: &'a [Option<f64>],
    pub national: &'a [bool],
}

/// numerator / denominator × the kind's multiplier; `None` when either is missing, the
/// denominator is 0, or the kind is a statistic that cannot be recomputed.
pub(crate) fn compute(spec: &Derived, num: Option<f64>, den: Option<f64>) -> Option<f64> {
    if spec.kind == DerivedKind::Mean && spec.numerator.is_none() {
        return None;
    }
    let (n, d) = (num?, den?);
    (d != 0.0).then(|| n / d * spec.multiplier.unwrap_or(spec.kind.default_multiplier()))
}

/// The decimals a derived value is published with (`None`: unrounded).
fn decimals(spec: &Derived, rule: Rule, rule_decimals: Option<u32>) -> Option<u32> {
    if rule == Rule::None {
        return None; // no control: nothing changes
    }
    spec.decimals.or(match spec.kind {
        DerivedKind::Percent => rule_decimals.or(rule.default_decimals()),
        DerivedKind::Proportion => rule_decimals.or(rule.default_decimals()).map(|d| d + 2),
        DerivedKind::Rate | DerivedKind::Ratio | DerivedKind::Mean => None,
    })
}

/// `v` rounded to `d` decimals, halves away from zero (as SQL's and Spark's `round`).
fn round(v: f64, d: u32) -> f64 {
    let scale = 10f64.powi(d as i32);
    (v * scale).round() / scale
}

/// The published values of one derived column and its log entries.
pub(crate) fn publish(
    inputs: &Inputs<'_>,
    rule: Rule,
    suppress_on: SuppressOn,
    rule_decimals: Option<u32>,
) -> (Vec<Option<f64>>, Vec<LogEntry>) {
    let spec = inputs.spec;
    let places = decimals(spec, rule, rule_decimals);
    let hidden = |marks: Option<&[Option<Reason>]>, r: usize| marks.is_some_and(|m| m[r].is_some());
    // A statistic of the people in the denominator goes with them whatever `suppress_on` says.
    // So does a share given without its numerator.
    let by_denominator = suppress_on == SuppressOn::Either
        || spec.kind == DerivedKind::Mean
        || spec.numerator.is_none();
    let mut log = Vec::new();
    let published = inputs
        .original
        .iter()
        .enumerate()
        .map(|(r, &value)| {
            let v = value?;
            if inputs.national[r] {
                return Some(v);
            }
            let reason = if hidden(inputs.numerator, r) {
                Some(Reason::DerivedNumerator)
            } else if by_denominator && hidden(inputs.denominator, r) {
                Some(Reason::DerivedDenominator)
            } else if spec
                .min_denominator
                .is_some_and(|min| inputs.denominator_values[r].is_some_and(|d| d < min))
            {
                Some(Reason::DerivedMinDenominator)
            } else {
                None
            };
            let out = match (reason, places) {
                (Some(_), _) => None,
                (None, Some(d)) => Some(round(v, d)),
                (None, None) => Some(v),
            };
            let reason = reason.or((out != Some(v)).then_some(Reason::Rounded));
            if let Some(reason) = reason {
                log.push(LogEntry {
                    row: r,
                    column: spec.column.clone(),
                    original: v,
                    published: out,
                    reason,
                    audit_lower: None,
                    audit_upper: None,
                });
            }
            out
        })
        .collect();
    (published, log)
}
