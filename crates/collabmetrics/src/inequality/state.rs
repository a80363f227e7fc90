//! Individual inequality indices per group: the one-machine table and its mergeable state
//! (see [`crate::state`]).
//!
//! The exact state holds each group's distribution: one `value` row per group and distinct
//! value with its `records` (and, weighted, the sum of their whole `weight`s). Every index
//! (Gini, Theil, MLD, GE(α), Atkinson(ε), share ratios) is computed from it by the kernels
//! behind [`super::gini`] and the others, so a merged state finishes to them bit for bit. Its
//! size is the number of distinct values.
//!
//! The binned option (`bin_width` h) bounds the size: one `bin` row per group and bin
//! [k·h, (k + 1)·h) with `records`, `weight` and `value_sum` (Σ w·y, a `Float64` sum), and the
//! Gini only. With each bin's values replaced by their mean the pairs across bins keep their
//! exact differences, and those within a bin of weight W_b sum to between 0 and W_b²·h/2, so
//! the Gini lies in [G_b, G_b + h·Σ W_b² / (4·W²·ȳ)]: the table reports the middle of that
//! interval as `value` and half its width as `bound` (|Gini − value| ≤ bound, up to the
//! rounding of the float sums).

use super::bootstrap::IndividualMeasure;
use super::individual::{check_values, check_weights, lorenz_pass, Distribution};
use crate::error::{Error, Result};
use crate::state::{add_records, check_whole, fields, Layout, StateKind};
use crate::table::groups::label;
use crate::table::tidy::Tidy;
use crate::table::{Diagnostics, Groups, Input, Roles, TableResult};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, SchemaRef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Columns and options of [`individual_table`] and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndividualTableOptions {
    /// The value column (default `value`): values finite and ≥ 0 (> 0 for the indices that
    /// take logarithms or negative powers).
    pub value: String,
    /// Optional weight column (finite and > 0; whole numbers in a state).
    pub weight: Option<String>,
    /// Group columns (default none: one group).
    pub by: Vec<String>,
    /// The indices (default: Gini, Theil T, MLD, Atkinson ε = 0.5, 1, 2, GE(2), the 80/20 and
    /// 90/10 share ratios).
    pub measures: Vec<IndividualMeasure>,
    /// Gini's n / (n − 1) correction (unit weights only; default false).
    pub corrected: bool,
    /// Bin width of the approximate binned state (`None`, the default: exact). Binned, the
    /// Gini is the only index and comes with its `bound`.
    pub bin_width: Option<f64>,
}

impl Default for IndividualTableOptions {
    fn default() -> Self {
        use IndividualMeasure::*;
        IndividualTableOptions {
            value: "value".into(),
            weight: None,
            by: Vec::new(),
            measures: vec![
                Gini,
                Theil,
                Mld,
                Atkinson(0.5),
                Atkinson(1.0),
                Atkinson(2.0),
                GeneralizedEntropy(2.0),
                ShareRatio(0.2),
                ShareRatio(0.1),
            ],
            corrected: false,
            bin_width: None,
        }
    }
}

impl IndividualTableOptions {
    fn check(&self) -> Result<()> {
        if self.measures.is_empty() {
            return Err(Error::invalid_argument(
                "measures",
                "give at least one index",
            ));
        }
        for m in &self.measures {
            m.check()?;
        }
        if self.corrected && self.weight.is_some() {
            return Err(Error::invalid_argument(
                "corrected",
                "the n/(n − 1) correction is defined for unit weights only",
            ));
        }
        if let Some(h) = self.bin_width {
            if !(h.is_finite() && h > 0.0) {
                return Err(Error::invalid_argument(
                    "bin_width",
                    format!("must be finite and > 0 (got {h})"),
                ));
            }
            if self.measures.iter().any(|m| *m != IndividualMeasure::Gini) {
                return Err(Error::invalid_argument(
                    "measures",
                    "a binned state gives the Gini only (with its bound); leave bin_width \
                     unset for the other indices",
                ));
            }
        }
        Ok(())
    }

    fn positive(&self) -> bool {
        self.measures.iter().any(|m| m.needs_positive())
    }
}

/// The checked columns of the input: values, weights (when given), groups.
struct Rows {
    groups: Groups,
    values: Vec<f64>,
    weights: Option<Vec<f64>>,
}

fn read(input: &Input, opts: &IndividualTableOptions) -> Result<Rows> {
    opts.check()?;
    let groups = Groups::new(input, &opts.by)?;
    let values = input.f64s(&opts.value)?.into_owned();
    let weights = match &opts.weight {
        Some(w) => Some(input.f64s(w)?.into_owned()),
        None => None,
    };
    let located = |e: Error| {
        input.locate_as(
            e,
            &[
                ("values", &opts.value),
                ("weights", opts.weight.as_deref().unwrap_or_default()),
            ],
        )
    };
    if !values.is_empty() {
        check_values(&values, opts.positive()).map_err(located)?;
    }
    if let Some(w) = &weights {
        check_weights(w).map_err(located)?;
    }
    Ok(Rows {
        groups,
        values,
        weights,
    })
}

/// Names the by-group in an error about its values.
fn in_group(e: Error, keys: &[(Field, ArrayRef)], g: usize) -> Error {
    if keys.is_empty() {
        return e;
    }
    Error::group_error(label(keys, g), e.to_string())
}

/// Each group's rows.
fn members(groups: &Groups) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); groups.len()];
    for (i, &g) in groups.codes.iter().enumerate() {
        out[g as usize].push(i);
    }
    out
}

/// The individual indices per group: the `by` columns, `measure` (its name), `parameter` (ε,
/// α or the share; null for the others), `value`, `bound` (null; the binned Gini's bound), one
/// row per group and index in the order asked. Each index is what [`super::gini`],
/// [`super::theil`] and the others give on the group's values: the Gini and the share ratio
/// to the bit; the entropy family (which the slice functions sum straight from the unsorted
/// values, in parallel, with a logarithm of stated error) to about 1e-13 relative.
pub fn individual_table(input: &Input, opts: &IndividualTableOptions) -> Result<TableResult> {
    let r = read(input, opts)?;
    let members = members(&r.groups);
    let keys = &r.groups.keys;
    let mut results = Vec::with_capacity(members.len());
    for (g, rows) in members.iter().enumerate() {
        let v: Vec<f64> = rows.iter().map(|&i| r.values[i]).collect();
        let w: Option<Vec<f64>> = r
            .weights
            .as_ref()
            .map(|w| rows.iter().map(|&i| w[i]).collect());
        let res = match opts.bin_width {
            None => exact(&Distribution::of(&v, w.as_deref()), opts),
            Some(h) => binned(&bins_of(&v, w.as_deref(), h)?, v.len(), h, opts).map(|b| vec![b]),
        };
        results.push(res.map_err(|e| in_group(e, keys, g))?);
    }
    output(keys, &results, opts)
}

/// Every index of one group's distribution: (value, bound).
fn exact(d: &Distribution, opts: &IndividualTableOptions) -> Result<Vec<(f64, f64)>> {
    opts.measures
        .iter()
        .map(|m| Ok((m.of_distribution(d, opts.corrected)?, f64::NAN)))
        .collect()
}

/// One bin: Σ w, Σ w·y, records.
type BinSums = (f64, f64, u64);

/// The bins of one group's values: bin k = [k·h, (k + 1)·h).
fn bins_of(values: &[f64], weights: Option<&[f64]>, h: f64) -> Result<BTreeMap<i64, BinSums>> {
    let mut bins: BTreeMap<i64, BinSums> = BTreeMap::new();
    for (i, &v) in values.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        let b = bin_of(v, h)?;
        let e = bins.entry(b).or_insert((0.0, 0.0, 0));
        e.0 += w;
        e.1 += w * v;
        e.2 += 1;
    }
    Ok(bins)
}

fn bin_of(v: f64, h: f64) -> Result<i64> {
    let k = (v / h).floor();
    if k > 4.0e18 {
        return Err(Error::invalid_argument(
            "bin_width",
            format!("{h} is too small for the value {v}: over 4e18 bins"),
        ));
    }
    Ok(k as i64)
}

/// The binned Gini of one group (bins ascending) and its bound, n records.
fn binned(
    bins: &BTreeMap<i64, BinSums>,
    n: usize,
    h: f64,
    opts: &IndividualTableOptions,
) -> Result<(f64, f64)> {
    // Each bin as its mean value with its weight: ascending, as the bins are.
    let pairs: Vec<(f64, f64)> = bins.values().map(|&(w, s, _)| (s / w, w)).collect();
    let sw: f64 = pairs.iter().map(|p| p.1).sum();
    let total: f64 = bins.values().map(|b| b.1).sum();
    if total <= 0.0 {
        return Err(Error::invalid_argument(
            "values",
            "all values are zero: the mean must be > 0",
        ));
    }
    let (lower, _) = lorenz_pass(&pairs, sw, total);
    let within: f64 = pairs.iter().map(|p| p.1 * p.1).sum();
    let mut width = h * within / (4.0 * sw * total);
    let mut low = lower;
    if opts.corrected {
        let k = n as f64 / (n as f64 - 1.0);
        low *= k;
        width *= k;
    }
    Ok((low + width / 2.0, width / 2.0))
}

/// The result table: one row per group and index.
fn output(
    keys: &[(Field, ArrayRef)],
    results: &[Vec<(f64, f64)>],
    opts: &IndividualTableOptions,
) -> Result<TableResult> {
    let rows: Vec<u32> = results
        .iter()
        .enumerate()
        .flat_map(|(g, r)| std::iter::repeat_n(g as u32, r.len()))
        .collect();
    let mut t = Tidy::from_group_rows(keys, &rows)?;
    let per_group = opts.measures.len();
    let measures: Vec<IndividualMeasure> = (0..rows.len())
        .map(|i| opts.measures[i % per_group])
        .collect();
    t.text("measure", measures.iter().map(|m| Some(name(*m))).collect());
    t.nullable_number(
        "parameter",
        measures.iter().map(|m| parameter(*m)).collect(),
    );
    let flat: Vec<(f64, f64)> = results.iter().flatten().copied().collect();
    t.nullable_number("value", flat.iter().map(|r| r.0).collect());
    t.nullable_number("bound", flat.iter().map(|r| r.1).collect());
    let by: Vec<String> = keys.iter().map(|(f, _)| f.name().clone()).collect();
    Ok(TableResult {
        // Indices of whole distributions hold no counts to control.
        table: Roles::counts(&[], &by).annotate(t.finish()?),
        diagnostics: Diagnostics::new(),
    })
}

fn name(m: IndividualMeasure) -> &'static str {
    match m {
        IndividualMeasure::Gini => "gini",
        IndividualMeasure::Theil => "theil",
        IndividualMeasure::Mld => "mld",
        IndividualMeasure::Atkinson(_) => "atkinson",
        IndividualMeasure::GeneralizedEntropy(_) => "ge",
        IndividualMeasure::ShareRatio(_) => "share_ratio",
    }
}

fn parameter(m: IndividualMeasure) -> f64 {
    match m {
        IndividualMeasure::Atkinson(p)
        | IndividualMeasure::GeneralizedEntropy(p)
        | IndividualMeasure::ShareRatio(p) => p,
        _ => f64::NAN,
    }
}

// ---------------------------------------------------------------------------------------------
// The state

const VALUE: &str = "value";
const BIN: &str = "bin";
const RECORDS: &str = "records";
const WEIGHT: &str = "weight";
const VALUE_SUM: &str = "value_sum";

fn layout(opts: &IndividualTableOptions, by: &[Field]) -> Result<Layout> {
    match opts.bin_width {
        None => Layout::new(
            StateKind::Inequality,
            &[VALUE],
            opts,
            by,
            vec![Field::new(VALUE, DataType::Float64, true)],
            &[RECORDS, WEIGHT],
        ),
        Some(_) => Layout::with_float_sums(
            StateKind::Inequality,
            &[BIN],
            opts,
            by,
            vec![Field::new(BIN, DataType::Int64, true)],
            &[RECORDS, WEIGHT],
            &[VALUE_SUM],
        ),
    }
}

/// The schema of an individual inequality state under `opts` whose `by` columns have the
/// fields `by`.
pub fn individual_state_schema(opts: &IndividualTableOptions, by: &[Field]) -> Result<SchemaRef> {
    Ok(layout(opts, by)?.schema())
}

/// The mergeable state of [`individual_table`] over `input` (values and weights checked as by
/// the table function; weights must be whole numbers in a state).
pub fn individual_state(input: &Input, opts: &IndividualTableOptions) -> Result<RecordBatch> {
    let r = read(input, opts)?;
    if let (Some(w), Some(name)) = (&r.weights, &opts.weight) {
        check_whole(input, name, w, "weights")?;
    }
    let layout = layout(opts, &fields(&r.groups.keys))?;
    let weighted = r.weights.is_some();
    let w = |i: usize| r.weights.as_ref().map_or(1.0, |w| w[i]);
    let zero = |x: f64| if x == 0.0 { 0.0 } else { x };
    let n = r.values.len();
    let part = match opts.bin_width {
        None => layout
            .keyed(VALUE, &r.groups.keys, &r.groups.codes)?
            .set(
                VALUE,
                Arc::new(Float64Array::from_iter_values(
                    r.values.iter().map(|&v| zero(v)),
                )),
            )
            .ints(RECORDS, std::iter::repeat_n(Some(1), n))
            .ints(WEIGHT, (0..n).map(|i| weighted.then(|| w(i) as i64)))
            .finish()?,
        Some(h) => {
            let bins = r
                .values
                .iter()
                .map(|&v| bin_of(v, h))
                .collect::<Result<Vec<i64>>>()?;
            layout
                .keyed(BIN, &r.groups.keys, &r.groups.codes)?
                .set(BIN, Arc::new(Int64Array::from(bins)))
                .ints(RECORDS, std::iter::repeat_n(Some(1), n))
                .ints(WEIGHT, (0..n).map(|i| weighted.then(|| w(i) as i64)))
                .set(
                    VALUE_SUM,
                    Arc::new(Float64Array::from_iter_values(
                        (0..n).map(|i| w(i) * r.values[i]),
                    )),
                )
                .finish()?
        }
    };
    layout.assemble(vec![part])
}

/// The table of a state (merged or not) built with `opts`: exact, [`individual_table`]'s
/// result on the whole input bit for bit; binned, within its stated bound. Groups are
/// ordered by their keys.
pub fn individual_finalize(
    state: &RecordBatch,
    opts: &IndividualTableOptions,
) -> Result<TableResult> {
    opts.check()?;
    let (view, names) = crate::state::open(state, opts.by.len(), |by| layout(opts, by))?;
    let part = if opts.bin_width.is_some() { BIN } else { VALUE };
    let rows = view.rows(part);
    let (first, group_of) = view.groups(&names, &rows)?;
    let keys = view.keys(&names, &first)?;
    let weighted = opts.weight.is_some();
    let weight = |row: usize| {
        if weighted {
            view.int(WEIGHT, row) as f64
        } else {
            view.int(RECORDS, row) as f64
        }
    };
    let mut results = Vec::with_capacity(first.len());
    match opts.bin_width {
        None => {
            let mut dists = vec![Distribution::default(); first.len()];
            // Rows come sorted by value within each group: the distribution's order.
            for (k, &row) in rows.iter().enumerate() {
                let d = &mut dists[group_of[k]];
                d.pairs
                    .push((view.float(VALUE, row).unwrap_or(f64::NAN), weight(row)));
                d.records = add_records(d.records as u64, view.int(RECORDS, row))? as usize;
            }
            for (g, d) in dists.iter().enumerate() {
                results.push(exact(d, opts).map_err(|e| in_group(e, &keys, g))?);
            }
        }
        Some(h) => {
            let mut bins = vec![(BTreeMap::new(), 0usize); first.len()];
            for (k, &row) in rows.iter().enumerate() {
                let (b, n) = &mut bins[group_of[k]];
                let records = view.int(RECORDS, row).max(0) as u64;
                *n = add_records(*n as u64, view.int(RECORDS, row))? as usize;
                let key = view.column(BIN);
                let key =
                    arrow_array::cast::AsArray::as_primitive::<arrow_array::types::Int64Type>(
                        key.as_ref(),
                    )
                    .value(row);
                b.insert(
                    key,
                    (
                        weight(row),
                        view.float(VALUE_SUM, row).unwrap_or(0.0),
                        records,
                    ),
                );
            }
            for (g, (b, n)) in bins.iter().enumerate() {
                results.push(vec![
                    binned(b, *n, h, opts).map_err(|e| in_group(e, &keys, g))?
                ]);
            }
        }
    }
    output(&keys, &results, opts)
}
