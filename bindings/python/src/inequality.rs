//! Inequality: the grouped measures table (HEAT set, PHE's SII) and the individual indices
//! (Gini, Theil, MLD, Atkinson, GE, concentration index) with their bootstrap intervals.
//!
//! Vectors arrive as a table with columns `values` (or `outcome` and `rank`) and optionally
//! `weights`, so the core's table layer converts them and names the column and row of a bad
//! value.

use crate::options::{parse, parse_opt};
use crate::{input, table_out, to_py};
use collabmetrics::inequality::{
    self, BootstrapOptions, ConcentrationCorrection, Counts, HeatOptions, IndexName,
    IndividualMeasure, Measure, MeasuresTableOptions,
};
use collabmetrics::table::Input;
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// An individual measure by name (`gini`, `theil`, `mld`, `atkinson`, `ge`, `share_ratio`);
/// the last three take `parameter` (ε, α, the tail share).
fn individual(measure: &str, parameter: Option<f64>) -> PyResult<IndividualMeasure> {
    parse::<IndexName>(measure)?.with(parameter).map_err(to_py)
}

/// A column of a vector table: borrowed from its Arrow buffer where it holds float64 without
/// nulls (no copy), else converted.
type Column<'a> = std::borrow::Cow<'a, [f64]>;

/// The `values` column and the optional `weights` column of a vector table.
fn values_weights(input: &Input) -> collabmetrics::Result<(Column<'_>, Option<Column<'_>>)> {
    let values = input.f64s("values")?;
    let weights = if input.schema().column_with_name("weights").is_some() {
        Some(input.f64s("weights")?)
    } else {
        None
    };
    Ok((values, weights))
}

/// Every requested grouped measure per by-group: one row per (by-group, measure).
#[pyfunction]
#[pyo3(signature = (data, by, subgroup, value, se, lower, upper, population, order, measures, favourable, reference, scale, setting_average, rci_method, sii_model, value_type, transform, confidence, reps, seed, counts=None, multiplier=1.0, progress=None))]
#[allow(clippy::too_many_arguments)]
fn inequality_measures_table<'py>(
    py: Python<'py>,
    data: PyTable,
    by: Vec<String>,
    subgroup: String,
    value: String,
    se: Option<String>,
    lower: Option<String>,
    upper: Option<String>,
    population: String,
    order: Option<String>,
    measures: Option<Vec<String>>,
    favourable: Option<&str>,
    reference: Option<String>,
    scale: Option<f64>,
    setting_average: Option<f64>,
    rci_method: &str,
    sii_model: &str,
    value_type: &str,
    transform: bool,
    confidence: f64,
    reps: &Bound<'py, PyAny>,
    seed: &Bound<'py, PyAny>,
    counts: Option<(String, String, String, Option<f64>)>,
    multiplier: f64,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let reps: usize = crate::args::whole("reps", reps)?;
    let seed: u64 = crate::args::whole("seed", seed)?;
    let counts = counts
        .map(|(numerator, denominator, kind, multiplier)| {
            Ok::<_, PyErr>(Counts {
                numerator,
                denominator,
                kind: parse(&kind)?,
                multiplier,
            })
        })
        .transpose()?;
    let measures = measures
        .map(|ms| {
            ms.iter()
                .map(|m| parse::<Measure>(m))
                .collect::<PyResult<Vec<_>>>()
        })
        .transpose()?;
    let opts = MeasuresTableOptions {
        by,
        subgroup,
        value,
        se,
        lower,
        upper,
        population,
        order,
        measures,
        counts,
        options: HeatOptions {
            ordered: false,
            favourable: parse_opt(favourable)?,
            reference,
            scale,
            setting_average,
            rci_method: parse(rci_method)?,
            sii_model: parse(sii_model)?,
            value_type: parse(value_type)?,
            transform,
            confidence,
            reps,
            seed,
            multiplier,
        },
    };
    let result = crate::detach_reporting(py, progress, move || {
        inequality::measures_table(&input(data)?, &opts)
    });
    table_out(py, result)
}

/// One individual index of the table's `values` (and `weights`, when present).
#[pyfunction]
#[pyo3(signature = (data, measure, parameter=None, corrected=false))]
fn inequality_index(
    py: Python<'_>,
    data: PyTable,
    measure: &str,
    parameter: Option<f64>,
    corrected: bool,
) -> PyResult<f64> {
    let m = individual(measure, parameter)?;
    crate::detach(py, || {
        let input = input(data)?;
        let (values, weights) = values_weights(&input)?;
        match m {
            IndividualMeasure::Gini => {
                inequality::gini_index(&values, weights.as_deref(), corrected)
            }
            other => other.compute(&values, weights.as_deref()),
        }
    })
}

/// An individual index with its percentile bootstrap interval: (value, lower, upper).
#[pyfunction]
#[pyo3(signature = (data, measure, parameter, reps, confidence, seed, progress=None))]
#[allow(clippy::too_many_arguments)]
fn inequality_bootstrap(
    py: Python<'_>,
    data: PyTable,
    measure: &str,
    parameter: Option<f64>,
    reps: &Bound<'_, PyAny>,
    confidence: f64,
    seed: &Bound<'_, PyAny>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(f64, f64, f64)> {
    let reps: usize = crate::args::whole("reps", reps)?;
    let seed: u64 = crate::args::whole("seed", seed)?;
    let m = individual(measure, parameter)?;
    let opts = BootstrapOptions {
        reps,
        confidence,
        seed,
    };
    let r = crate::detach_reporting(py, progress, || {
        let input = input(data)?;
        let (values, weights) = values_weights(&input)?;
        inequality::bootstrap(&values, weights.as_deref(), m, &opts)
    })?;
    Ok((r.value, r.lower, r.upper))
}

/// The Lorenz curve of `values` (weighted by `weights`): (population shares, value shares).
#[pyfunction]
fn inequality_lorenz(py: Python<'_>, data: PyTable) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let g = crate::detach(py, || {
        let input = input(data)?;
        let (values, weights) = values_weights(&input)?;
        inequality::gini(&values, weights.as_deref(), false)
    })?;
    Ok((g.lorenz.population_share, g.lorenz.value_share))
}

/// HEAT's unit of an indicator (the smallest of 1, 100, 10³ … 10⁶ at least every value), for
/// a chart that needs the proportion behind a percentage.
#[pyfunction]
fn inequality_infer_scale(values: Vec<f64>) -> f64 {
    inequality::infer_scale(&values)
}

/// The ridits (relative ranks) of ordered groups from their populations (the x of the slope
/// index regression): populations must be finite and > 0.
#[pyfunction]
fn inequality_ridits(populations: Vec<f64>) -> PyResult<Vec<f64>> {
    if let Some(i) = populations
        .iter()
        .position(|p| !(p.is_finite() && *p > 0.0))
    {
        return Err(to_py(collabmetrics::Error::invalid_value(
            "population",
            i,
            populations[i],
            "populations must be finite and > 0",
        )));
    }
    Ok(inequality::grouped::population_ridits(&populations))
}

/// The concentration index of the table's `outcome` against `rank` (and `weights`).
#[pyfunction]
fn inequality_concentration_index(
    py: Python<'_>,
    data: PyTable,
    correction: &str,
    bounds: Option<(f64, f64)>,
) -> PyResult<f64> {
    let c: ConcentrationCorrection = parse(correction)?;
    crate::detach(py, || {
        let input = input(data)?;
        let outcome = input.f64s("outcome")?;
        let rank = input.f64s("rank")?;
        let weights = if input.schema().column_with_name("weights").is_some() {
            Some(input.f64s("weights")?)
        } else {
            None
        };
        inequality::concentration_index(&outcome, &rank, weights.as_deref(), c, bounds)
    })
}

/// (total, within, between, group labels, each group's index).
type Decomposed = (f64, f64, f64, Vec<String>, Vec<f64>);

/// Theil T (`alpha` 1), MLD (0) or GE(α) of `values` split over the `group` column (shown as
/// text): (total, within, between, group labels, each group's index).
#[pyfunction]
fn inequality_decompose(py: Python<'_>, data: PyTable, alpha: f64) -> PyResult<Decomposed> {
    let d = crate::detach(py, || {
        let input = input(data)?;
        let (values, weights) = values_weights(&input)?;
        let column = input.column("group")?;
        inequality::decompose_column(&values, weights.as_deref(), column.as_ref(), alpha)
    })?;
    Ok((d.total, d.within, d.between, d.groups, d.group_index))
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(inequality_measures_table, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_index, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_lorenz, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_ridits, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_infer_scale, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_concentration_index, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_decompose, m)?)?;
    Ok(())
}
