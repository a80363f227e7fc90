//! The demo collaborative's tables.

use collabmetrics_demo::{self as demo, DemoOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The demo tables as a dict of pyarrow Tables (generated without the GIL).
#[pyfunction]
fn demo_tables<'py>(
    py: Python<'py>,
    seed: &Bound<'py, PyAny>,
    scale: f64,
    start: i32,
    months: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = DemoOptions {
        seed: crate::args::whole("seed", seed)?,
        scale,
        start,
        months: crate::args::whole("months", months)?,
    };
    let tables = crate::detach(py, || demo::try_generate(&opts))?;
    let out = PyDict::new(py);
    for (name, batch) in tables.tables() {
        out.set_item(name, crate::pyarrow_table(py, batch)?)?;
    }
    Ok(out)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(demo_tables, m)?)?;
    Ok(())
}
