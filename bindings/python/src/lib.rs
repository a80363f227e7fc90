//! `collabmetrics._native`: the pyo3 layer of collabmetrics.
//!
//! It only converts: Arrow tables in (any object with `__arrow_c_stream__`, via pyo3-arrow),
//! options from Python values to the core's option structs, the core's tidy `RecordBatch` out
//! as a pyarrow Table, and the core's `Error` to `CollabMetricsError`. Every computation runs in
//! the core with the GIL released. The Python package (`python/collabmetrics`) wraps these
//! functions with defaults, docstrings and frame round trips.

use collabmetrics::stats::{
    DsrOptions, IsrKind, IsrOptions, MeanOptions, ProportionOptions, RateMethod, RateOptions,
    StandardPopulation,
};
use collabmetrics::table::{self, ColumnMap, Input};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

create_exception!(
    _native,
    CollabMetricsError,
    PyValueError,
    "An input broke one of collabmetrics' rules; the message names the argument or column, the first bad row and the rule."
);

fn to_py(err: collabmetrics::Error) -> PyErr {
    CollabMetricsError::new_err(err.to_string())
}

/// Unpacks a table, runs `f` on it without the GIL and returns the result as a pyarrow Table.
fn run<'py>(
    py: Python<'py>,
    data: PyTable,
    f: impl FnOnce(&Input) -> collabmetrics::Result<arrow_array::RecordBatch> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let (batches, schema) = data.into_inner();
    let result = py.detach(|| {
        let input = Input::new(schema, &batches, ColumnMap::new())?;
        f(&input)
    });
    let batch = result.map_err(to_py)?;
    let schema = batch.schema();
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
}

/// Wilson proportions of `table[numerator] / table[denominator]`, row by row.
#[pyfunction]
fn proportion_table<'py>(
    py: Python<'py>,
    data: PyTable,
    numerator: String,
    denominator: String,
    confidence: f64,
    multiplier: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = table::ProportionTableOptions {
        numerator,
        denominator,
        options: ProportionOptions {
            confidence,
            multiplier,
        },
    };
    run(py, data, move |input| table::proportion_table(input, &opts))
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
    let opts = table::RateTableOptions {
        count,
        denominator,
        options: RateOptions {
            confidence,
            multiplier,
            method: RateMethod::parse(method).map_err(to_py)?,
        },
    };
    run(py, data, move |input| table::rate_table(input, &opts))
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
        Some((ages, weights)) => StandardPopulation::custom(ages, weights),
        None => StandardPopulation::builtin(standard),
    }
    .map_err(to_py)?;
    let opts = table::DsrTableOptions {
        count,
        population,
        age_band,
        by,
        standard,
        options: DsrOptions {
            confidence,
            multiplier,
            method: RateMethod::parse(method).map_err(to_py)?,
        },
    };
    run(py, data, move |input| table::dsr_table(input, &opts))
}

/// Indirectly standardised ratios (`kind="ratio"`) or rates (`kind="rate"`) per group.
#[pyfunction]
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
    multiplier: f64,
    method: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = match kind {
        "ratio" => IsrKind::Ratio,
        "rate" => IsrKind::Rate,
        other => {
            return Err(CollabMetricsError::new_err(format!(
                "invalid argument `kind`: expected \"ratio\" or \"rate\", got \"{other}\""
            )))
        }
    };
    let opts = table::IsrTableOptions {
        count,
        population,
        reference_count,
        reference_population,
        by,
        options: IsrOptions {
            confidence,
            multiplier,
            method: RateMethod::parse(method).map_err(to_py)?,
            kind,
        },
    };
    run(py, data, move |input| table::isr_table(input, &opts))
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
    let opts = table::MeanTableOptions {
        value,
        by,
        options: MeanOptions { confidence },
    };
    run(py, data, move |input| table::mean_table(input, &opts))
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", collabmetrics::VERSION)?;
    m.add(
        "CollabMetricsError",
        m.py().get_type::<CollabMetricsError>(),
    )?;
    m.add_function(wrap_pyfunction!(proportion_table, m)?)?;
    m.add_function(wrap_pyfunction!(rate_table, m)?)?;
    m.add_function(wrap_pyfunction!(dsr_table, m)?)?;
    m.add_function(wrap_pyfunction!(isr_table, m)?)?;
    m.add_function(wrap_pyfunction!(mean_table, m)?)?;
    Ok(())
}
