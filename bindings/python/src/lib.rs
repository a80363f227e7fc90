//! `collabmetrics._native`: the pyo3 layer of collabmetrics.
//!
//! It only converts: Arrow tables in (any object with `__arrow_c_stream__`, via pyo3-arrow),
//! options from Python values to the core's option structs, the core's tidy `RecordBatch` out
//! as a pyarrow Table, and the core's `Error` to `CollabMetricsError`. Every computation runs in
//! the core with the GIL released. The Python package (`python/collabmetrics`) wraps these
//! functions with defaults, docstrings and frame round trips.

mod demo;
mod distance;
mod funnel;
mod inequality;
mod oap;
mod stats;
mod transition;

use collabmetrics::table::{ColumnMap, Input};
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

pub(crate) fn to_py(err: collabmetrics::Error) -> PyErr {
    CollabMetricsError::new_err(err.to_string())
}

/// Unpacks a table, runs `f` on it without the GIL and returns the result as a pyarrow Table.
pub(crate) fn run<'py>(
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

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", collabmetrics::VERSION)?;
    m.add(
        "CollabMetricsError",
        m.py().get_type::<CollabMetricsError>(),
    )?;
    m.add("DIAGNOSTICS_KEY", collabmetrics::table::DIAGNOSTICS_KEY)?;
    m.add(
        "DEFAULT_BED_TYPES",
        collabmetrics::oap::DEFAULT_BED_TYPES.to_vec(),
    )?;
    stats::register(m)?;
    oap::register(m)?;
    demo::register(m)?;
    distance::register(m)?;
    funnel::register(m)?;
    inequality::register(m)?;
    transition::register(m)?;
    Ok(())
}
