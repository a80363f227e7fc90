//! The table entry points: [`assess`] (one row per unit) and [`limits`] (the limits table for
//! drawing), from an Arrow input to a tidy Arrow result with diagnostics.

use super::funnelplotr::{self, unadjusted_limits};
use super::limits::{fold_pr, grid, normal_limits, pr_half_width};
use super::options::{Family, FunnelOptions, Resolved};
use super::transform::Kind;
use super::units::{self, Units};
use super::{exact, phe, phe_grid, Assessment};
use crate::error::{Error, Result};
use crate::table::{Derived, DerivedKind, Diagnostics, Input, Roles, TableResult};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{Field, Schema};
use rayon::prelude::*;
use std::sync::Arc;

/// A result table built column by column.
struct Builder {
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            fields: Vec::new(),
            columns: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, nullable: bool, values: ArrayRef) {
        self.fields
            .push(Field::new(name, values.data_type().clone(), nullable));
        self.columns.push(values);
    }

    /// Floats; NaN becomes null. The values are moved into the array, not copied.
    fn numbers(&mut self, name: &str, values: Vec<f64>) {
        let valid = BooleanBuffer::collect_bool(values.len(), |i| !values[i].is_nan());
        let nulls = (valid.count_set_bits() < values.len()).then(|| NullBuffer::new(valid));
        self.push(
            name,
            true,
            Arc::new(Float64Array::new(ScalarBuffer::from(values), nulls)),
        );
    }

    fn repeat(&mut self, name: &str, value: f64, n: usize) {
        let array = if value.is_nan() {
            Float64Array::new_null(n)
        } else {
            Float64Array::from(vec![value; n])
        };
        self.push(name, true, Arc::new(array));
    }

    fn booleans(&mut self, name: &str, values: &[Option<bool>]) {
        self.push(name, true, Arc::new(BooleanArray::from(values.to_vec())));
    }

    /// One text repeated `n` times, without building n strings.
    fn repeat_text(&mut self, name: &str, value: &str, n: usize) {
        let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(value.len(), n));
        let bytes: Vec<u8> = value.as_bytes().repeat(n);
        let array = StringArray::new(offsets, Buffer::from_vec(bytes), None);
        self.push(name, false, Arc::new(array));
    }

    fn text(&mut self, name: &str, values: Vec<&str>) {
        self.push(name, false, Arc::new(StringArray::from(values)));
    }

    fn finish(self) -> Result<RecordBatch> {
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.columns)
            .map_err(|e| Error::invalid_argument("table", e.to_string()))
    }
}

/// Options checked, units read and prepared as the family wants them.
fn prepare(
    input: &Input,
    opts: &FunnelOptions,
    diag: &mut Diagnostics,
) -> Result<(Resolved, Units)> {
    let r = opts.resolve()?;
    let mut u = units::read(input, opts, &r, diag)?;
    if r.family == Family::Funnelplotr {
        u = funnelplotr::prepare(u, opts, &r, diag)?;
    }
    if u.len() == 0 {
        return Err(Error::invalid_argument(
            "table",
            "no units to assess: a funnel needs at least one unit",
        ));
    }
    Ok((r, u))
}

/// One row per unit: its counts, value, z-scores, limits and outlier flag, and the call's φ,
/// τ² and adjustment (see the [module docs](super) for every column). The schema depends on
/// the options only: the PHE family adds `significance`, PHE rates `rate_chart` and
/// `denominator_per_year`.
///
/// Errors name the column and row of a bad cell (a missing value, a negative numerator, a
/// denominator ≤ 0, O > n for proportions), the unit of a bad unit (SR/SHMI with 0 events
/// unless `exclude_zero_sr`; a PHE rate's unit given twice) or the option (unknown or missing
/// statistic, a statistic the family does not draw, trim_by outside (0, 0.5), fewer than two
/// units for overdispersion).
///
/// ```
/// use collabmetrics::funnel::{assess, FunnelOptions, Statistic};
/// use collabmetrics::table::{ColumnMap, Input};
/// use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
/// use std::sync::Arc;
///
/// let batch = RecordBatch::try_from_iter(vec![
///     ("trust", Arc::new(StringArray::from(vec!["a", "b", "c", "d", "e", "f"])) as ArrayRef),
///     ("deaths", Arc::new(Float64Array::from(vec![100.0, 150.0, 180.0, 80.0, 120.0, 225.0]))),
///     ("expected", Arc::new(Float64Array::from(vec![108.0, 112.0, 165.0, 95.0, 100.0, 220.0]))),
/// ]).unwrap();
/// let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
/// let opts = FunnelOptions {
///     unit: Some("trust".into()),
///     numerator: "deaths".into(),
///     denominator: "expected".into(),
///     ..FunnelOptions::new(Statistic::Sr)
/// };
/// let result = assess(&input, &opts).unwrap();
/// let phi = result.table.column_by_name("phi").unwrap();
/// let phi = phi.as_any().downcast_ref::<Float64Array>().unwrap().value(0);
/// assert!((phi - 2.948033).abs() < 1e-6); // FunnelPlotR's own test
/// ```
pub fn assess(input: &Input, opts: &FunnelOptions) -> Result<TableResult> {
    let mut diag = Diagnostics::new();
    let (r, units) = prepare(input, opts, &mut diag)?;
    let a = match r.family {
        Family::Phe => {
            let a = phe::assess(&units, &r, opts.limit)?;
            count_phe(&units, &r, &mut diag);
            a
        }
        Family::Funnelplotr => funnelplotr::assess(&units, opts, &r, &mut diag)?.0,
        Family::SpiegelhalterExact => exact::assess(&units, &r, opts.limit)?,
    };
    // φ and τ² estimated from every unit (FunnelPlotR with `draw_adjusted`) are published.
    let dispersion = a.phi.is_finite() && a.phi != 0.0;
    let table = roles(&r, dispersion).annotate(assessment_table(&units, &r, a)?);
    Ok(TableResult {
        table,
        diagnostics: diag,
    })
}

/// What each column of an assessment is, for publication ([`crate::disclosure`]): the unit
/// is the key; the numerator is a count, and so is the denominator where it counts people
/// (proportions, RC); the value is derived from them where it is a plain multiple of O/n, and
/// otherwise (PHE's counts ratio, O/E − 1), like the z-scores, which give O back exactly, is
/// suppressed with the numerator, as are the labels placing the unit against the limits
/// (`significance`, `outlier`, `trimmed`). The limits depend on the denominator and the
/// target only.
fn roles(r: &Resolved, dispersion: bool) -> Roles {
    use super::Statistic as S;
    let people = matches!(r.statistic, S::Proportion | S::Pr | S::Rc);
    let counts: &[&str] = if people {
        &["numerator", "denominator"]
    } else {
        &["numerator"]
    };
    let m = r.multiplier;
    let plain = match r.statistic {
        S::Proportion | S::Pr if m == 100.0 => Some(DerivedKind::Percent),
        S::Proportion | S::Pr => Some(DerivedKind::Proportion),
        S::RateCrude | S::RateDsr => Some(DerivedKind::Rate),
        S::Sr | S::Rc => Some(DerivedKind::Ratio),
        S::RatioIsr => Some(DerivedKind::Ratio),
        S::RatioCount => None,
    };
    let scale = if r.statistic == S::RatioIsr { 100.0 } else { m };
    let mut roles = Roles::counts(counts, &["unit".to_owned()]);
    roles = match plain {
        Some(kind) => {
            roles.derive(Derived::new("value", Some("numerator"), "denominator", kind).times(scale))
        }
        None => roles.derive(Derived::new("value", None, "numerator", DerivedKind::Mean)),
    };
    // PHE's chart value is the value on the chart's scale: it gives the numerator back too.
    for column in ["z", "z_adjusted", "rate_chart"] {
        roles = roles.derive(Derived::new(column, None, "numerator", DerivedKind::Mean));
    }
    // Where a unit falls against the limits narrows its count: withheld with it (as
    // Fingertips leaves a suppressed value's significance blank).
    for column in ["significance", "outlier", "trimmed"] {
        roles = roles.label(column, "numerator");
    }
    // A target pooled from the units (θ = ΣO/Σn) publishes the numerators' sum: under a rule
    // that suppresses without rounding, a suppressed numerator would follow by difference.
    if !matches!(r.statistic, S::Sr | S::RatioIsr | S::RatioCount) {
        roles = roles.link(
            &["numerator"],
            "the target is the units' pooled value (sum of numerators over sum of \
             denominators), which gives a suppressed numerator back by difference unless \
             the counts are rounded: publish under a rule that rounds (nhs_mhsds, nhs_hes)",
        );
    }
    // So do φ and τ², functions of every unit's z-score: with the others' published, one
    // value of the suppressed numerator gives the published φ.
    if dispersion {
        roles = roles.link(
            &["numerator"],
            "the dispersion phi and tau2 are estimated from every unit's z-score, which gives \
             a suppressed numerator back from the others unless the counts are rounded: \
             publish under a rule that rounds (nhs_mhsds, nhs_hes), or with draw_adjusted \
             false",
        );
    }
    roles
}

/// Diagnostics of PHE's rules that label rather than drop.
fn count_phe(units: &Units, r: &Resolved, diag: &mut Diagnostics) {
    if r.statistic != super::Statistic::RateDsr {
        return;
    }
    let first = |pred: &dyn Fn(usize) -> bool| {
        (0..units.len())
            .filter(|&i| pred(i))
            .map(|i| units.first_row[i])
            .min()
    };
    let zero = (0..units.len()).filter(|&i| units.o[i] == 0.0).count();
    diag.add(
        "dsr_zero_events",
        "no person-time can be derived from a DSR of 0: left out of the baseline's \
         denominator; limits null",
        zero as u64,
        first(&|i| units.o[i] == 0.0),
    );
    let few = (0..units.len()).filter(|&i| units.o[i] < 10.0).count();
    diag.add(
        "dsr_fewer_than_10_events",
        "labelled \"Not applicable for events less than 10 for dsrs\"; outlier null; not charted",
        few as u64,
        first(&|i| units.o[i] < 10.0),
    );
}

fn assessment_table(units: &Units, r: &Resolved, a: Assessment) -> Result<RecordBatch> {
    let n = units.len();
    let mut b = Builder::new();
    b.push("unit", false, units.keys.clone());
    b.push(
        "numerator",
        false,
        Arc::new(Float64Array::from(units.o.clone())),
    );
    b.numbers("denominator", units.n.clone());
    b.numbers("value", a.value);
    b.repeat("target", a.target, n);
    b.numbers("z", a.z);
    b.numbers("z_adjusted", a.z_adjusted);
    b.booleans("trimmed", &a.trimmed);
    for (c, name) in ["lcl95", "ucl95", "lcl998", "ucl998"].iter().enumerate() {
        b.numbers(name, a.limits.iter().map(|l| l[c]).collect());
    }
    for (c, name) in ["od_lcl95", "od_ucl95", "od_lcl998", "od_ucl998"]
        .iter()
        .enumerate()
    {
        b.numbers(name, a.od.iter().map(|l| l[c]).collect());
    }
    b.booleans("outlier", &a.outlier);
    b.repeat("phi", a.phi, n);
    b.repeat("tau2", a.tau2, n);
    let m: Int64Array = std::iter::repeat_n(a.m.map(|m| m as i64), n).collect();
    b.push("m", true, Arc::new(m));
    b.push(
        "adjusted",
        false,
        Arc::new(BooleanArray::from(vec![a.adjusted; n])),
    );
    b.repeat_text("method", &a.method, n);
    if r.family == Family::Phe {
        let labels = a.significance.unwrap_or_default();
        b.text("significance", labels);
        if r.statistic.is_rate() {
            let (chart, per_year) = a.chart.unwrap_or_default();
            b.numbers("rate_chart", chart);
            b.numbers("denominator_per_year", per_year);
        }
    }
    b.finish()
}

/// The limits table for drawing the funnel.
///
/// * PHE: PHE's 100-row table (`calculate_funnel_limits(type = "full")`), columns in PHE's
///   order: proportions `population, lower_2s_limit, upper_2s_limit, lower_3s_limit,
///   upper_3s_limit, baseline`; ratios `observed_events, lower_2s_exp_events, lower_2s_limit,
///   upper_2s_exp_events, …, upper_3s_limit`; rates `events, lower_2s_population_1_year,
///   lower_2s_limit, …, baseline`; then `statistic` and `method`.
/// * FunnelPlotR and Spiegelhalter exact: one row per point of the plotting grid (1000
///   points from 1.1 (SR) or 3 (PR, RC) to the largest denominator, plus every unit's
///   denominator): `denominator, lcl95, ucl95, lcl998, ucl998, od_lcl95, od_ucl95,
///   od_lcl998, od_ucl998, target` (PR limits folded back as FunnelPlotR draws them).
pub fn limits(input: &Input, opts: &FunnelOptions) -> Result<TableResult> {
    let mut diag = Diagnostics::new();
    let (r, units) = prepare(input, opts, &mut diag)?;
    let table = match r.family {
        Family::Phe => phe_table(&units, &r)?,
        Family::Funnelplotr => {
            let (_, spec) = funnelplotr::assess(&units, opts, &r, &mut diag)?;
            funnelplotr_table(&units, &spec, r.multiplier)?
        }
        Family::SpiegelhalterExact => exact_table(&units, &r)?,
    };
    Ok(TableResult {
        // No counts of any unit: the limits depend on the denominators and the target only.
        table: Roles::default().annotate(table),
        diagnostics: diag,
    })
}

fn phe_table(units: &Units, r: &Resolved) -> Result<RecordBatch> {
    let t = phe_grid::table(units, r)?;
    let rows = t.columns.first().map_or(0, |c| c.1.len());
    let mut b = Builder::new();
    for (name, values) in &t.columns {
        b.push(name, false, Arc::new(Float64Array::from(values.clone())));
    }
    b.repeat_text("statistic", &t.statistic, rows);
    b.repeat_text("method", t.method, rows);
    b.finish()
}

fn funnelplotr_table(units: &Units, spec: &super::limits::Spec, m: f64) -> Result<RecordBatch> {
    let xs = grid(spec.kind, &units.n);
    let plain = unadjusted_limits(spec, &xs, m)?;
    let mut od: Vec<[f64; 4]> = xs
        .par_iter()
        .map(|&x| normal_limits(spec, x, spec.tau2).map(|v| v * m))
        .collect();
    let mut plain = plain;
    if spec.kind == Kind::Pr {
        fold_pr(
            spec.theta,
            |i, level| pr_half_width(spec, xs[i], 0.0, level),
            &mut plain,
            m,
        );
        fold_pr(
            spec.theta,
            |i, level| pr_half_width(spec, xs[i], spec.tau2, level),
            &mut od,
            m,
        );
    }
    let mut b = Builder::new();
    b.push(
        "denominator",
        false,
        Arc::new(Float64Array::from(xs.clone())),
    );
    let names = ["lcl95", "ucl95", "lcl998", "ucl998"];
    for (c, name) in names.iter().enumerate() {
        b.numbers(name, plain.iter().map(|l| l[c]).collect());
    }
    for (c, name) in names.iter().enumerate() {
        b.numbers(&format!("od_{name}"), od.iter().map(|l| l[c]).collect());
    }
    b.repeat("target", spec.theta * m, xs.len());
    b.finish()
}

fn exact_table(units: &Units, r: &Resolved) -> Result<RecordBatch> {
    let model = exact::model(r.statistic, units);
    let kind = match model {
        exact::Model::Binomial(_) => Kind::Pr,
        exact::Model::Poisson(_) => Kind::SrShmi,
    };
    let mut xs = grid(kind, &units.n);
    if let exact::Model::Binomial(_) = model {
        // Binomial limits exist at whole numbers of trials only.
        for x in &mut xs {
            *x = x.round();
        }
        xs.dedup();
    }
    let target = match model {
        exact::Model::Binomial(t) | exact::Model::Poisson(t) => t,
    };
    let token = crate::cancel::current();
    let rows = xs
        .par_iter()
        .map(|&x| exact::limits_carried(model, x, token.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let m = r.multiplier;
    let mut b = Builder::new();
    b.push(
        "denominator",
        false,
        Arc::new(Float64Array::from(xs.clone())),
    );
    for (c, name) in ["lcl95", "ucl95", "lcl998", "ucl998"].iter().enumerate() {
        b.numbers(name, rows.iter().map(|l| l[c] * m).collect());
    }
    b.repeat("target", target * m, xs.len());
    b.finish()
}
