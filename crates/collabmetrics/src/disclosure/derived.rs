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
    /// The unrounded numerator (when the derived value has one) and denominator.
    pub numerator_values: Option<&'a [Option<f64>]>,
    pub denominator_values: &'a [Option<f64>],
    pub national: &'a [bool],
    /// The rows of the input: the published rows from here on are added margins.
    pub input_rows: usize,
}

/// The scale of numerator / denominator: the spec's multiplier or its kind's default.
fn multiplier(spec: &Derived) -> f64 {
    spec.multiplier.unwrap_or(spec.kind.default_multiplier())
}

/// numerator × the kind's multiplier / denominator; `None` when either is missing or the kind
/// is a statistic that cannot be recomputed, NaN (undefined) when the denominator is 0.
/// Multiplied first:
/// with whole counts the product is exact, so the quotient is the correctly rounded ratio and
/// an exact half stays one (57 × 100 / 200 = 28.5, where 57 / 200 × 100 = 28.499999999999996).
pub(crate) fn compute(spec: &Derived, num: Option<f64>, den: Option<f64>) -> Option<f64> {
    if spec.kind == DerivedKind::Mean && spec.numerator.is_none() {
        return None;
    }
    let (n, d) = (num?, den?);
    let m = multiplier(spec);
    let scaled = n * m;
    Some(if d == 0.0 {
        f64::NAN
    } else if scaled.is_finite() {
        scaled / d
    } else {
        n / d * m
    })
}

/// A confidence limit: collabmetrics' results name their limits `lower` and `upper`, or
/// `<value>_lower` and `<value>_upper`.
pub(crate) fn is_limit(column: &str) -> bool {
    matches!(column, "lower" | "upper") || column.ends_with("_lower") || column.ends_with("_upper")
}

/// The decimals a derived value is published with (`None`: unrounded).
fn decimals(spec: &Derived, rule: Rule, rule_decimals: Option<u32>) -> Option<u32> {
    if rule == Rule::None {
        return None; // no control: nothing changes
    }
    if rule == Rule::NhsHes && is_limit(&spec.column) {
        // HES leaves confidence intervals uncontrolled (spec, its section 1.2): never rounded,
        // though still suppressed with their count, whose value they would give away.
        return None;
    }
    spec.decimals.or(match spec.kind {
        DerivedKind::Percent => rule_decimals.or(rule.default_decimals()),
        DerivedKind::Proportion => rule_decimals.or(rule.default_decimals()).map(|d| d + 2),
        DerivedKind::Rate | DerivedKind::Ratio | DerivedKind::Mean => None,
    })
}

/// `v` rounded to `d` decimals, halves away from zero (as SQL's and Spark's `round`).
fn round(v: f64, d: u32) -> f64 {
    let scale = 10f64.powi(d.min(400) as i32);
    let scaled = v * scale;
    // More decimals than a double holds (scale or product infinite): nothing to round.
    if scaled.is_finite() {
        scaled.round() / scale
    } else {
        v
    }
}

/// `v` rounded to `places` decimals, halves away from zero. When `v` is the ratio
/// `n × m / d` of whole numbers (`ratio`; to within floating-point error, as a kernel's
/// `n / d × m` is), the result is decided from the exact ratio, so a value that is exactly a
/// half (57/200 = 28.5%) rounds away from zero however its floating-point value fell.
fn round_value(v: f64, places: u32, ratio: Option<(f64, f64, f64)>) -> f64 {
    let exact = ratio.and_then(|(n, d, m)| {
        let q = n * m / d;
        let same = (v - q).abs() <= 8.0 * f64::EPSILON * q.abs();
        same.then(|| exact_round(n, d, m, places)).flatten()
    });
    exact.unwrap_or_else(|| round(v, places))
}

/// `n × m / d` rounded to `places` decimals, halves away from zero, in exact integer
/// arithmetic; `None` unless `n`, `d` and `m` are whole numbers, `d` is not 0 and the
/// products fit in 128 bits.
fn exact_round(n: f64, d: f64, m: f64, places: u32) -> Option<f64> {
    // Whole f64s below 2^63 convert to i128 exactly.
    let whole = |x: f64| (x.fract() == 0.0 && x.abs() < 9.2e18).then_some(x as i128);
    let (n, d, m) = (whole(n)?, whole(d)?, whole(m)?);
    let scaled = n.checked_mul(m)?.checked_mul(10i128.checked_pow(places)?)?;
    if d == 0 {
        return None;
    }
    let (a, b) = (scaled.unsigned_abs(), d.unsigned_abs());
    // floor(a / b), plus one when the remainder is at least half of b.
    let k = a / b + u128::from(2 * (a % b) >= b);
    let signed = if (scaled < 0) != (d < 0) {
        -(k as f64)
    } else {
        k as f64
    };
    Some(signed / 10f64.powi(places as i32))
}

/// The published values of one derived column and its log entries, or the first row whose
/// value is undefined (a zero denominator) with nothing to publish in its place: an input
/// row whose counts do not suppress it. An added margin (every part's denominator 0) is
/// published null and logged `derived_zero_denominator`.
pub(crate) fn publish(
    inputs: &Inputs<'_>,
    rule: Rule,
    suppress_on: SuppressOn,
    rule_decimals: Option<u32>,
) -> Result<(Vec<Option<f64>>, Vec<LogEntry>), usize> {
    let spec = inputs.spec;
    let places = decimals(spec, rule, rule_decimals);
    let hidden = |marks: Option<&[Option<Reason>]>, r: usize| marks.is_some_and(|m| m[r].is_some());
    // A complement is hidden to protect another cell: a value beside its published numerator
    // would give it back (d = n / value), so it goes with it whatever `suppress_on` says.
    let complement = |marks: Option<&[Option<Reason>]>, r: usize| {
        marks.is_some_and(|m| m[r] == Some(Reason::SecondaryComplement))
    };
    // A statistic of the people in the denominator goes with them whatever `suppress_on` says.
    // So does a share given without its numerator.
    let by_denominator = suppress_on == SuppressOn::Either
        || spec.kind == DerivedKind::Mean
        || spec.numerator.is_none();
    // The whole ratio behind a recomputable value, for exact rounding of halves.
    let m = multiplier(spec);
    let ratio = |r: usize| match (spec.kind, inputs.numerator_values) {
        (DerivedKind::Mean, _) | (_, None) => None,
        (_, Some(n)) => Some((n[r]?, inputs.denominator_values[r]?, m)),
    };
    let column: std::sync::Arc<str> = spec.column.as_str().into();
    let mut log = Vec::new();
    let mut published = Vec::with_capacity(inputs.original.len());
    for (r, &value) in inputs.original.iter().enumerate() {
        let Some(v) = value else {
            published.push(None);
            continue;
        };
        let undefined = v.is_nan();
        // `min_denominator` is a rule of the value, not of small counts: national rows,
        // exempt from the counts' rule, keep it too.
        let below_min = spec
            .min_denominator
            .is_some_and(|min| inputs.denominator_values[r].is_some_and(|d| d < min));
        if inputs.national[r] && !undefined && !below_min {
            published.push(Some(v));
            continue;
        }
        let reason = if inputs.national[r] {
            below_min.then_some(Reason::DerivedMinDenominator)
        } else if hidden(inputs.numerator, r) {
            Some(Reason::DerivedNumerator)
        } else if (by_denominator && hidden(inputs.denominator, r))
            || complement(inputs.denominator, r)
        {
            Some(Reason::DerivedDenominator)
        } else if below_min {
            Some(Reason::DerivedMinDenominator)
        } else {
            None
        };
        let reason = match (reason, undefined) {
            (None, true) if r >= inputs.input_rows => Some(Reason::DerivedZeroDenominator),
            (None, true) => return Err(r),
            (reason, _) => reason,
        };
        let out = match (reason, places) {
            (Some(_), _) => None,
            (None, Some(d)) => Some(round_value(v, d, ratio(r))),
            (None, None) => Some(v),
        };
        let reason = reason.or((out != Some(v)).then_some(Reason::Rounded));
        if let Some(reason) = reason {
            log.push(LogEntry {
                row: r,
                column: column.clone(),
                original: v,
                published: out,
                reason,
                audit_lower: None,
                audit_upper: None,
            });
        }
        published.push(out);
    }
    Ok((published, log))
}
