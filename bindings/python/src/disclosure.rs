//! Disclosure control: `disclose` over an Arrow table.

use crate::options::parse;
use crate::{input, to_py};
use collabmetrics::disclosure::{self, Derived, DisclosureOptions, Rule};
use collabmetrics::Error;
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// A rule: a name (`"nhs_mhsds"`, `"custom(k=5, ...)"`) or a JSON object of a custom rule
/// (read by the core, whose message names a misspelt or missing parameter).
fn rule(text: &str) -> collabmetrics::Result<Rule> {
    if text.trim_start().starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_argument("rule", e.to_string()))?;
        Rule::try_from(value)
    } else {
        text.parse()
    }
}

/// The published table and, `with_log`, the log (pyarrow Tables; the log else None).
/// `derived` is a JSON list of the core's derived specifications; `None` options come from the
/// table's roles.
#[pyfunction]
#[pyo3(signature = (table, rule_text, counts, derived, dimensions, by, national, secondary, suppress_on, display, decimals, with_log))]
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
    decimals: Option<i64>,
    with_log: bool,
) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
    // Taken as any integer so that a negative one gets the library's error, not an overflow.
    let decimals = decimals
        .map(|d| {
            u32::try_from(d).map_err(|_| {
                Error::invalid_argument("decimals", format!("must be a whole number >= 0, got {d}"))
            })
        })
        .transpose()
        .map_err(to_py)?;
    let derived: Option<Vec<Derived>> = derived
        .map(|d| collabmetrics::options::from_json("derived", &d))
        .transpose()
        .map_err(to_py)?;
    let opts = DisclosureOptions {
        rule: rule(rule_text).map_err(to_py)?,
        counts,
        derived,
        dimensions,
        by,
        national,
        secondary: parse(secondary)?,
        suppress_on: parse(suppress_on)?,
        display: parse(display)?,
        decimals,
    };
    let result = crate::detach(py, || {
        let out = disclosure::disclose(&input(table)?, &opts)?;
        // The log carries (empty) diagnostics, as every result does, so it converts like one;
        // only when asked for (a row per changed cell: millions for a large table).
        let log = with_log
            .then(|| disclosure::log_batch(&out.log))
            .transpose()?;
        Ok::<_, Error>((out.table.into_batch(), log))
    });
    let (published, log) = result?;
    let as_table = |b| crate::pyarrow_table(py, b);
    Ok((as_table(published)?, log.map(as_table).transpose()?))
}

/// A result table published under `rule_text`, as the table functions' `publish=` does
/// (`collabmetrics::disclosure::publish`: the rule with the roles the table carries, without
/// the derived columns that would pin its counts beside its Total or `all` rows).
#[pyfunction]
fn publish<'py>(py: Python<'py>, table: PyTable, rule_text: &str) -> PyResult<Bound<'py, PyAny>> {
    let rule = rule(rule_text).map_err(to_py)?;
    let published = crate::detach(py, || {
        Ok::<_, Error>(
            disclosure::publish(&input(table)?, rule)?
                .table
                .into_batch(),
        )
    })?;
    crate::pyarrow_table(py, published)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(disclose, m)?)?;
    m.add_function(wrap_pyfunction!(publish, m)?)?;
    m.add("ROLES_KEY", collabmetrics::table::ROLES_KEY)?;
    Ok(())
}
