//! Statistics: proportion, rate, dsr, isr, mean over Arrow tables. Option names are parsed by
//! the core; the results carry (empty) diagnostics in their schema metadata like every other.

use crate::options::parse;
use crate::{run, to_py};
use collabmetrics::stats::{
    self, DsrOptions, IsrOptions, MeanOptions, ProportionOptions, RateOptions, StandardPopulation,
};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// Wilson proportions of `table[numerator] / table[denominator]`, row by row.
#[pyfunction]
fn proportion_table<'py>(
    py: Python<'py>,
    data: PyTable,
    numerator: String,
    denominator: String,
    confidence: f64,
    multiplier: f64,
    method: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = stats::ProportionTableOptions {
        numerator,
        denominator,
        options: ProportionOptions {
            confidence,
            multiplier,
            method: parse(method)?,
        },
    };
    run(py, data, move |input| stats::proportion_table(input, &opts))
}

/// Crude rates of `table[count] / table[denominator]`, row by row.
#[pyfunction]
fn rate_table<'py>(
    py: Python<'py>,
    data: PyTable,
    count: String,
    denominator: String,
    confidence: f64,
    multiplier: f64,
    method: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = stats::RateTableOptions {
        count,
        denominator,
        options: RateOptions {
            confidence,
            multiplier,
            method: parse(method)?,
        },
    };
    run(py, data, move |input| stats::rate_table(input, &opts))
}

/// Directly standardised rates per group. `standard` is a built-in name, or `custom` holds
/// (lower ages, weights).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn dsr_table<'py>(
    py: Python<'py>,
    data: PyTable,
    count: String,
    population: String,
    age_band: String,
    by: Vec<String>,
    standard: &str,
    custom: Option<(Vec<i32>, Vec<f64>)>,
    confidence: f64,
    multiplier: f64,
    method: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let standard = match custom {
        Some((ages, weights)) => StandardPopulation::custom(ages, weights).map_err(to_py)?,
        None => StandardPopulation::of(parse(standard)?),
    };
    let opts = stats::DsrTableOptions {
        count,
        population,
        age_band,
        by,
        standard,
        options: DsrOptions {
            confidence,
            multiplier,
            method: parse(method)?,
        },
    };
    run(py, data, move |input| stats::dsr_table(input, &opts))
}

/// Indirectly standardised ratios (`kind="ratio"`) or rates (`kind="rate"`) per group; a
/// `multiplier` of None is the kind's own (1 or 100 000).
#[pyfunction]
#[pyo3(signature = (data, count, population, reference_count, reference_population, by, kind, confidence, multiplier, method))]
#[allow(clippy::too_many_arguments)]
fn isr_table<'py>(
    py: Python<'py>,
    data: PyTable,
    count: String,
    population: String,
    reference_count: String,
    reference_population: String,
    by: Vec<String>,
    kind: &str,
    confidence: f64,
    multiplier: Option<f64>,
    method: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = stats::IsrTableOptions {
        count,
        population,
        reference_count,
        reference_population,
        by,
        options: IsrOptions {
            confidence,
            multiplier,
            method: parse(method)?,
            kind: parse(kind)?,
        },
    };
    run(py, data, move |input| stats::isr_table(input, &opts))
}

/// Means with Student t intervals per group.
#[pyfunction]
fn mean_table<'py>(
    py: Python<'py>,
    data: PyTable,
    value: String,
    by: Vec<String>,
    confidence: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = stats::MeanTableOptions {
        value,
        by,
        options: MeanOptions { confidence },
    };
    run(py, data, move |input| stats::mean_table(input, &opts))
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(proportion_table, m)?)?;
    m.add_function(wrap_pyfunction!(rate_table, m)?)?;
    m.add_function(wrap_pyfunction!(dsr_table, m)?)?;
    m.add_function(wrap_pyfunction!(isr_table, m)?)?;
    m.add_function(wrap_pyfunction!(mean_table, m)?)?;
    Ok(())
}
