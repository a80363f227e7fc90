//! The distance summary as a mergeable state (see [`crate::state`]).
//!
//! Rows: `group` (one per breakdown group, so a group whose every distance is missing still
//! has its row), `bin` (one per group and distinct distance: `records`, and with weights
//! `weight` and `weight_sq`, the sums of the records' weights and squared weights), and the
//! diagnostics. Distances are the keys exactly as given (a `Float64` key column), so the
//! statistics finished from the bins are those of the records: whole-km distances (MHSDS's
//! rounding) make a few hundred bins per group, unrounded ones a bin per distinct value.

use super::summary::{summary_of_bins, Bin, Binned};
use super::table::{summary_output, summary_rows, SummaryTableOptions};
use crate::error::{Error, Result};
use crate::state::{check_whole, fields, Layout, StateKind, MAX_WHOLE};
use crate::table::{Diagnostics, Input, TableResult};
use arrow_array::{Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, SchemaRef};
use std::sync::Arc;

const GROUP: &str = "group";
const BIN: &str = "bin";
const DISTANCE: &str = "distance";
const RECORDS: &str = "records";
const WEIGHT: &str = "weight";
const WEIGHT_SQ: &str = "weight_sq";

fn layout(opts: &SummaryTableOptions, by: &[Field]) -> Result<Layout> {
    let keys = vec![Field::new(DISTANCE, DataType::Float64, true)];
    Layout::new(
        StateKind::DistanceSummary,
        &[GROUP, BIN],
        opts,
        by,
        keys,
        &[RECORDS, WEIGHT, WEIGHT_SQ],
    )
}

/// The schema of a distance summary state under `opts`, whose `by` columns have the fields
/// `by` (the caller's names and types).
pub fn summary_state_schema(opts: &SummaryTableOptions, by: &[Field]) -> Result<SchemaRef> {
    Ok(layout(opts, by)?.schema())
}

/// The mergeable state of [`super::distance_summary_table`] over `input`: rows are read and
/// checked as by the table function (the same errors), and with weights every weight must be
/// a whole number (e.g. bed days), which a merge adds exactly; a fractional weight is an
/// error naming its row.
pub fn summary_state(input: &Input, opts: &SummaryTableOptions) -> Result<RecordBatch> {
    Ok(build_state(input, opts, Diagnostics::new())?.0)
}

/// [`summary_state`] with its diagnostics listing every flagged record
/// ([`Diagnostics::flags`]): the rows of the input (table `data`) without a distance
/// (`missing_distance`). Their counts are the state's diagnostic rows.
pub fn summary_state_listing(
    input: &Input,
    opts: &SummaryTableOptions,
) -> Result<(RecordBatch, Diagnostics)> {
    build_state(input, opts, Diagnostics::with_listing())
}

fn build_state(
    input: &Input,
    opts: &SummaryTableOptions,
    diagnostics: Diagnostics,
) -> Result<(RecordBatch, Diagnostics)> {
    let r = summary_rows(input, opts, diagnostics)?;
    let layout = layout(opts, &fields(&r.groups.keys))?;
    if let (Some(w), Some(name)) = (&r.weight, &opts.weight) {
        // Errors name the input's row, not the kept row.
        check_whole(input, name, w, "weights (e.g. bed days)").map_err(|e| match e {
            Error::InvalidCell { row, .. } => e.at_offset(r.rows[row] - row),
            e => e,
        })?;
    }
    // Each group's (distance, weight) pairs sorted, then binned as the kernel bins them.
    let mut order: Vec<usize> = (0..r.distance.len()).collect();
    let w = |i: usize| r.weight.as_ref().map_or(1.0, |w| w[i]);
    order.sort_unstable_by(|&a, &b| {
        r.group[a]
            .cmp(&r.group[b])
            .then(r.distance[a].total_cmp(&r.distance[b]))
            .then(w(a).total_cmp(&w(b)))
    });
    let (mut group_of, mut bins) = (Vec::new(), Vec::new());
    let mut start = 0;
    while start < order.len() {
        let g = r.group[order[start]];
        let mut end = start;
        while end < order.len() && r.group[order[end]] == g {
            end += 1;
        }
        let pairs: Vec<(f64, f64)> = order[start..end]
            .iter()
            .map(|&i| (r.distance[i], w(i)))
            .collect();
        for b in Binned::of_sorted(&pairs).bins {
            group_of.push(g);
            bins.push(b);
        }
        start = end;
    }
    let weighted = r.weight.is_some();
    // Σw and Σw² of a bin are stored as whole numbers and added by the merge: beyond 2^53 a
    // double no longer holds them exactly (and beyond 2^63 an Int64 not at all).
    if weighted
        && bins
            .iter()
            .any(|b| !(b.weight_sq <= MAX_WHOLE && b.weight <= MAX_WHOLE))
    {
        return Err(Error::limit(
            "weight",
            "a state's sums of weights and of squared weights at one distance must stay \
             below 2^53 (about 9.0e15) to add exactly; use smaller weights (e.g. days, not \
             seconds) or the one-machine summary",
        ));
    }
    let group_rows: Vec<u32> = (0..r.groups.len() as u32).collect();
    let mut parts = vec![
        layout.keyed(GROUP, &r.groups.keys, &group_rows)?.finish()?,
        layout
            .keyed(BIN, &r.groups.keys, &group_of)?
            .set(
                DISTANCE,
                Arc::new(Float64Array::from_iter_values(bins.iter().map(|b| b.km))),
            )
            .ints(RECORDS, bins.iter().map(|b| Some(b.records as i64)))
            .ints(
                WEIGHT,
                bins.iter().map(|b| weighted.then_some(b.weight as i64)),
            )
            .ints(
                WEIGHT_SQ,
                bins.iter().map(|b| weighted.then_some(b.weight_sq as i64)),
            )
            .finish()?,
    ];
    parts.push(layout.diagnostics(&r.diagnostics)?);
    Ok((layout.assemble(parts)?, r.diagnostics))
}

/// The distance summary of a state (merged or not) built with `opts`: the table
/// [`super::distance_summary_table`] gives on the whole input, bit for bit, with its groups
/// ordered by their keys (nulls first) rather than by first appearance, and its diagnostics
/// without a first row.
pub fn summary_finalize(state: &RecordBatch, opts: &SummaryTableOptions) -> Result<TableResult> {
    let (view, names) = crate::state::open(state, opts.by.len(), |by| layout(opts, by))?;
    let group_rows = view.rows(GROUP);
    let index = view.index(&names, &group_rows)?;
    let weighted = opts.weight.is_some();
    let mut groups = vec![Binned::default(); group_rows.len()];
    for row in view.rows(BIN) {
        let Some(g) = index.get(row) else {
            return Err(Error::invalid_argument(
                "state",
                "a distance bin has keys no group row has: not a state this library built",
            ));
        };
        let records = view.int(RECORDS, row).max(0) as u64;
        let (weight, sq) = if weighted {
            (
                view.int(WEIGHT, row) as f64,
                view.int(WEIGHT_SQ, row) as f64,
            )
        } else {
            (records as f64, records as f64)
        };
        groups[g].bins.push(Bin {
            km: view.float(DISTANCE, row).unwrap_or(f64::NAN),
            records,
            weight,
            weight_sq: sq,
        });
        groups[g].weight_sq += sq;
    }
    let est = summary_of_bins(&groups, &opts.options, weighted)?;
    summary_output(&view.keys(&names, &group_rows)?, est, view.diagnostics())
}
