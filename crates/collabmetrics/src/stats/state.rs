//! Standardised rates and means as mergeable states (see [`crate::state`]).
//!
//! * DSR: one `band` row per group and age band (the standard's label) with the band's
//!   `band_count`, `band_population` and the number of input `rows` that gave it (a band
//!   given twice, in one partition or two, is the one-machine error when finished).
//! * ISR: one `stratum` row per group and reference band (`reference_count`,
//!   `reference_population`, as given) with `stratum_count`, `stratum_population`, `rows`.
//! * Mean: one `value` row per group and distinct value with its number of `records`.
//!
//! Counts and populations must be whole numbers in a state (a merge adds them as `Int64`);
//! means take any finite value (the values themselves are the keys).

use super::dsr::dsr_of_cells;
use super::isr::{isr_of_strata, Stratum};
use super::mean::mean_of_bins;
use super::table::{band_indices, dsr_output, isr_output, mean_output};
use super::{DsrTableOptions, IsrTableOptions, MeanTableOptions};
use crate::error::{Error, Result};
use crate::state::{check_whole, fields, Layout, StateKind};
use crate::table::groups::label;
use crate::table::{Groups, Input, TableResult};
use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, SchemaRef};
use std::sync::Arc;

const GROUP: &str = "group";

// ---------------------------------------------------------------------------------------------
// DSR

const BAND: &str = "band";
const BAND_COUNT: &str = "band_count";
const BAND_POPULATION: &str = "band_population";
const ROWS: &str = "rows";

fn dsr_layout(opts: &DsrTableOptions, by: &[Field]) -> Result<Layout> {
    let keys = vec![Field::new(BAND, DataType::Utf8, true)];
    Layout::new(
        StateKind::Dsr,
        &[BAND],
        opts,
        by,
        keys,
        &[BAND_COUNT, BAND_POPULATION, ROWS],
    )
}

/// The schema of a DSR state under `opts` whose `by` columns have the fields `by`.
pub fn dsr_state_schema(opts: &DsrTableOptions, by: &[Field]) -> Result<SchemaRef> {
    Ok(dsr_layout(opts, by)?.schema())
}

/// The mergeable state of [`super::dsr_table`] over `input`: each row checked as by the table
/// function (counts ≥ 0, populations > 0, known age bands), and counts and populations
/// whole numbers.
pub fn dsr_state(input: &Input, opts: &DsrTableOptions) -> Result<RecordBatch> {
    let groups = Groups::new(input, &opts.by)?;
    let bands = band_indices(input, &opts.age_band, &opts.standard)?;
    let count = input.f64s(&opts.count)?;
    let pop = input.f64s(&opts.population)?;
    for (i, (&o, &n)) in count.iter().zip(pop.iter()).enumerate() {
        super::check_count("count", i, o)
            .and_then(|_| super::check_positive("population", i, n))
            .map_err(|e| {
                input.locate_as(
                    e,
                    &[("count", &opts.count), ("population", &opts.population)],
                )
            })?;
    }
    check_whole(input, &opts.count, &count, "counts")?;
    check_whole(input, &opts.population, &pop, "populations")?;
    let layout = dsr_layout(opts, &fields(&groups.keys))?;
    let labels: Vec<Option<String>> = bands
        .iter()
        .map(|&b| Some(opts.standard.label(b as usize)))
        .collect();
    let part = layout
        .keyed(BAND, &groups.keys, &groups.codes)?
        .text(BAND, labels)
        .ints(BAND_COUNT, count.iter().map(|&x| Some(x as i64)))
        .ints(BAND_POPULATION, pop.iter().map(|&x| Some(x as i64)))
        .ints(ROWS, std::iter::repeat_n(Some(1), count.len()))
        .finish()?;
    layout.assemble(vec![part])
}

/// The DSR table of a state (merged or not) built with `opts`: [`super::dsr_table`]'s result
/// on the whole input, bit for bit, with groups ordered by their keys.
pub fn dsr_finalize(state: &RecordBatch, opts: &DsrTableOptions) -> Result<TableResult> {
    let (view, names) = crate::state::open(state, opts.by.len(), |by| dsr_layout(opts, by))?;
    let rows = view.rows(BAND);
    let (first, group_of) = view.groups(&names, &rows)?;
    let keys = view.keys(&names, &first)?;
    let n_bands = opts.standard.len();
    let mut cells = vec![None; first.len() * n_bands];
    for (k, &row) in rows.iter().enumerate() {
        let g = group_of[k];
        let text = view.text(BAND, row).unwrap_or_default();
        let b = opts.standard.band_of_label(text).ok_or_else(|| {
            Error::invalid_argument(
                "state",
                format!(
                    "age band \"{text}\" is not a band of the standard `{}`",
                    opts.standard.name()
                ),
            )
        })?;
        let times = view.int(ROWS, row);
        if times != 1 {
            return Err(Error::group_error(
                label(&keys, g),
                format!(
                    "age band `{}` appears in {times} rows; each band of the standard must \
                     appear exactly once",
                    opts.standard.label(b)
                ),
            ));
        }
        cells[g * n_bands + b] = Some((
            view.int(BAND_COUNT, row) as f64,
            view.int(BAND_POPULATION, row) as f64,
        ));
    }
    let est = dsr_of_cells(&cells, first.len(), &opts.standard, &opts.options, &|g| {
        label(&keys, g)
    })?;
    dsr_output(&keys, est)
}

// ---------------------------------------------------------------------------------------------
// ISR

const STRATUM: &str = "stratum";
const REFERENCE_COUNT: &str = "reference_count";
const REFERENCE_POPULATION: &str = "reference_population";
const STRATUM_COUNT: &str = "stratum_count";
const STRATUM_POPULATION: &str = "stratum_population";

fn isr_layout(opts: &IsrTableOptions, by: &[Field]) -> Result<Layout> {
    let keys = vec![
        Field::new(REFERENCE_COUNT, DataType::Float64, true),
        Field::new(REFERENCE_POPULATION, DataType::Float64, true),
    ];
    Layout::new(
        StateKind::Isr,
        &[STRATUM],
        opts,
        by,
        keys,
        &[STRATUM_COUNT, STRATUM_POPULATION, ROWS],
    )
}

/// The schema of an ISR state under `opts` whose `by` columns have the fields `by`.
pub fn isr_state_schema(opts: &IsrTableOptions, by: &[Field]) -> Result<SchemaRef> {
    Ok(isr_layout(opts, by)?.schema())
}

/// The mergeable state of [`super::isr_table`] over `input`: each row checked as by the table
/// function, observed counts and populations whole numbers.
pub fn isr_state(input: &Input, opts: &IsrTableOptions) -> Result<RecordBatch> {
    let groups = Groups::new(input, &opts.by)?;
    let count = input.f64s(&opts.count)?;
    let pop = input.f64s(&opts.population)?;
    let ref_count = input.f64s(&opts.reference_count)?;
    let ref_pop = input.f64s(&opts.reference_population)?;
    let located = |e: Error| {
        input.locate_as(
            e,
            &[
                ("count", &opts.count),
                ("population", &opts.population),
                ("reference_count", &opts.reference_count),
                ("reference_population", &opts.reference_population),
            ],
        )
    };
    for i in 0..count.len() {
        super::check_count("count", i, count[i])
            .and_then(|_| super::check_count("population", i, pop[i]))
            .and_then(|_| super::check_count("reference_count", i, ref_count[i]))
            .and_then(|_| super::check_positive("reference_population", i, ref_pop[i]))
            .map_err(located)?;
    }
    check_whole(input, &opts.count, &count, "counts")?;
    check_whole(input, &opts.population, &pop, "populations")?;
    let layout = isr_layout(opts, &fields(&groups.keys))?;
    let zero = |x: f64| if x == 0.0 { 0.0 } else { x };
    let part = layout
        .keyed(STRATUM, &groups.keys, &groups.codes)?
        .set(
            REFERENCE_COUNT,
            Arc::new(Float64Array::from_iter_values(
                ref_count.iter().map(|&x| zero(x)),
            )),
        )
        .set(
            REFERENCE_POPULATION,
            Arc::new(Float64Array::from_iter_values(ref_pop.iter().copied())),
        )
        .ints(STRATUM_COUNT, count.iter().map(|&x| Some(x as i64)))
        .ints(STRATUM_POPULATION, pop.iter().map(|&x| Some(x as i64)))
        .ints(ROWS, std::iter::repeat_n(Some(1), count.len()))
        .finish()?;
    layout.assemble(vec![part])
}

/// The ISR table of a state (merged or not) built with `opts`: [`super::isr_table`]'s result
/// on the whole input, bit for bit, with groups ordered by their keys.
pub fn isr_finalize(state: &RecordBatch, opts: &IsrTableOptions) -> Result<TableResult> {
    let (view, names) = crate::state::open(state, opts.by.len(), |by| isr_layout(opts, by))?;
    let rows = view.rows(STRATUM);
    let (first, group_of) = view.groups(&names, &rows)?;
    let keys = view.keys(&names, &first)?;
    let mut strata: Vec<Vec<Stratum>> = vec![Vec::new(); first.len()];
    // The rows come sorted by reference count, then population: the kernel's order.
    for (k, &row) in rows.iter().enumerate() {
        strata[group_of[k]].push(Stratum {
            reference_count: view.float(REFERENCE_COUNT, row).unwrap_or(f64::NAN),
            reference_population: view.float(REFERENCE_POPULATION, row).unwrap_or(f64::NAN),
            rows: view.int(ROWS, row).max(0) as u64,
            count: view.int(STRATUM_COUNT, row) as f64,
            population: view.int(STRATUM_POPULATION, row) as f64,
        });
    }
    let est = isr_of_strata(&strata, &opts.options, &|g| label(&keys, g))?;
    isr_output(&keys, est, &opts.options)
}

// ---------------------------------------------------------------------------------------------
// Mean

const VALUE: &str = "value";
const RECORDS: &str = "records";

fn mean_layout(opts: &MeanTableOptions, by: &[Field]) -> Result<Layout> {
    let keys = vec![Field::new(VALUE, DataType::Float64, true)];
    Layout::new(StateKind::Mean, &[GROUP], opts, by, keys, &[RECORDS])
}

/// The schema of a mean state under `opts` whose `by` columns have the fields `by`.
pub fn mean_state_schema(opts: &MeanTableOptions, by: &[Field]) -> Result<SchemaRef> {
    Ok(mean_layout(opts, by)?.schema())
}

/// The mergeable state of [`super::mean_table`] over `input`: each group's distinct values
/// with their counts (values must be finite, as for the table function). Its size is the
/// number of distinct values: exact, where a merge of floating-point sums or of Chan's
/// (n, mean, M2) would change the last digits with the order of the merge.
pub fn mean_state(input: &Input, opts: &MeanTableOptions) -> Result<RecordBatch> {
    let groups = Groups::new(input, &opts.by)?;
    let values = input.f64s(&opts.value)?;
    if let Some(i) = values.iter().position(|x| !x.is_finite()) {
        return Err(input.locate_as(
            Error::invalid_value("values", i, values[i], "values must be finite"),
            &[("values", &opts.value)],
        ));
    }
    let layout = mean_layout(opts, &fields(&groups.keys))?;
    let part = layout
        .keyed(GROUP, &groups.keys, &groups.codes)?
        .set(
            VALUE,
            Arc::new(Float64Array::from_iter_values(values.iter().map(|&x| {
                if x == 0.0 {
                    0.0
                } else {
                    x
                }
            }))) as ArrayRef,
        )
        .ints(RECORDS, std::iter::repeat_n(Some(1), values.len()))
        .finish()?;
    layout.assemble(vec![part])
}

/// The mean table of a state (merged or not) built with `opts`: [`super::mean_table`]'s
/// result on the whole input, bit for bit, with groups ordered by their keys.
pub fn mean_finalize(state: &RecordBatch, opts: &MeanTableOptions) -> Result<TableResult> {
    let (view, names) = crate::state::open(state, opts.by.len(), |by| mean_layout(opts, by))?;
    let rows = view.rows(GROUP);
    let (first, group_of) = view.groups(&names, &rows)?;
    let keys = view.keys(&names, &first)?;
    let mut bins: Vec<Vec<(f64, u64)>> = vec![Vec::new(); first.len()];
    // Sorted by value within each group: the kernel's order.
    for (k, &row) in rows.iter().enumerate() {
        bins[group_of[k]].push((
            view.float(VALUE, row).unwrap_or(f64::NAN),
            view.int(RECORDS, row).max(0) as u64,
        ));
    }
    let est = mean_of_bins(&bins, &opts.options, &|g| label(&keys, g))?;
    mean_output(&keys, est)
}
