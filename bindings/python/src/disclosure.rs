//! Disclosure control: `disclose` over an Arrow table.

use crate::to_py;
use collabmetrics::disclosure::{self, Derived, DisclosureOptions, Rule};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::Error;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;

/// A rule: a name (`"nhs_mhsds"`, `"custom(k=5, ...)"`) or a JSON object of a custom rule.
fn rule(text: &str) -> collabmetrics::Result<Rule> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| Error::invalid_argument("rule", e.to_string()))
    } else {
        text.parse()
    }
}

/// The published table and the log (two pyarrow Tables). `derived` is a JSON list of the
/// core's derived specifications; `None` options come from the table's roles.
#[pyfunction]
#[pyo3(signature = (table, rule_text, counts, derived, dimensions, by, national, secondary, suppress_on, display, decimals))]
#[allow(clippy::too_many_arguments)]
fn disclose<'py>(
    py: Python<'py>,
    table: PyTable,
    rule_text: &str,
    counts: Option<Vec<String>>,
    derived: Option<String>,
    dimensions: Option<Vec<String>>,
    by: Option<Vec<String>>,
    national: Option<String>,
    secondary: &str,
    suppress_on: &str,
    display: &str,
    decimals: Option<u32>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let derived: Option<Vec<Derived>> = derived
        .map(|d| {
            serde_json::from_str(&d).map_err(|e| Error::invalid_argument("derived", e.to_string()))
        })
        .transpose()
        .map_err(to_py)?;
    let opts = DisclosureOptions {
        rule: rule(rule_text).map_err(to_py)?,
        counts,
        derived,
        dimensions,
        by,
        national,
        secondary: secondary.parse().map_err(to_py)?,
        suppress_on: suppress_on.parse().map_err(to_py)?,
        display: display.parse().map_err(to_py)?,
        decimals,
    };
    let (batches, schema) = table.into_inner();
    let result = py.detach(|| {
        let input = Input::new(schema, &batches, ColumnMap::new())?;
        let out = disclosure::disclose(&input, &opts)?;
        Ok::<_, Error>((out.table.into_batch(), disclosure::log_batch(&out.log)?))
    });
    let (published, log) = result.map_err(to_py)?;
    let as_table = |b: arrow_array::RecordBatch| -> PyResult<Bound<'py, PyAny>> {
        let schema = b.schema();
        PyTable::try_new(vec![b], schema)?.into_pyarrow(py)
    };
    Ok((as_table(published)?, as_table(log)?))
}

/// The core's default options (rule, secondary, suppress_on, display) by name.
#[pyfunction]
fn disclosure_defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = DisclosureOptions::default();
    let out = PyDict::new(py);
    out.set_item("rule", d.rule.to_string())?;
    out.set_item("secondary", d.secondary.as_str())?;
    out.set_item("suppress_on", d.suppress_on.as_str())?;
    out.set_item("display", d.display.as_str())?;
    Ok(out)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(disclose, m)?)?;
    m.add_function(wrap_pyfunction!(disclosure_defaults, m)?)?;
    m.add("ROLES_KEY", collabmetrics::table::ROLES_KEY)?;
    Ok(())
}
