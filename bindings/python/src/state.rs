//! Mergeable states: building one from a partition's tables, merging states and finishing a
//! state, over Arrow tables. The options arrive as the JSON of the core's options struct of
//! the kind (the names of `defaults(...)`), so the core reads them with its own serde names.

use crate::{input_mapped as input, table_out, to_py};
use collabmetrics::state::{self, StateKind};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::transition::CurveMethod;
use collabmetrics::{inequality, oap, transition, Error};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use std::collections::HashMap;

use collabmetrics::state::options_from_json as options;

/// A pyarrow Table of a state.
fn state_out<'py>(
    py: Python<'py>,
    result: PyResult<arrow_array::RecordBatch>,
) -> PyResult<Bound<'py, PyAny>> {
    crate::pyarrow_table(py, result?)
}

/// The state of `kind` over a partition's tables (`tables` in the kind's order: `oap`
/// placements and admissions, either None; `transition` persons, referrals, contacts and
/// care plans (None); every other kind one table), built with `options` (JSON); with
/// `listing`, the pair of the state and the table of every flagged record (`table`, `row`,
/// `reason`, `action`: see `collabmetrics::state::build`).
#[pyfunction]
#[pyo3(signature = (kind, tables, options_json, columns, listing=false))]
fn state_build<'py>(
    py: Python<'py>,
    kind: &str,
    tables: Vec<Option<PyTable>>,
    options_json: &str,
    columns: HashMap<String, String>,
    listing: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let kind: StateKind = kind.parse().map_err(to_py)?;
    let map: ColumnMap = columns.into_iter().collect();
    let options_json = options_json.to_owned();
    let (state, flags) = crate::detach(py, move || {
        let inputs: Vec<Option<Input>> = tables
            .into_iter()
            .map(|t| t.map(|t| input(t, &map)).transpose())
            .collect::<collabmetrics::Result<_>>()?;
        let inputs: Vec<Option<&Input>> = inputs.iter().map(Option::as_ref).collect();
        state::build(kind, &inputs, &options_json, listing)
    })?;
    let state = state_out(py, Ok(state))?;
    match flags {
        Some(d) => {
            let listed = state_out(py, Ok(d.listing_batch()))?;
            Ok(pyo3::types::PyTuple::new(py, [state, listed])?.into_any())
        }
        None => Ok(state),
    }
}

/// Merges states of one kind and options (see `collabmetrics::state::merge_states`).
#[pyfunction]
fn state_merge<'py>(py: Python<'py>, states: Vec<PyTable>) -> PyResult<Bound<'py, PyAny>> {
    let result = crate::detach(py, move || {
        let batches = states
            .into_iter()
            .map(|t| input(t, &ColumnMap::new()).and_then(|i| i.batch().cloned()))
            .collect::<collabmetrics::Result<Vec<_>>>()?;
        state::merge_states(&batches)
    });
    state_out(py, result)
}

/// Finishes a state with the options it carries; an OAP state takes an optional
/// `population` table (with `columns`), a transition state gives its summary or, with
/// `curve` (`kaplan_meier` or `aalen_johansen`), cohort T's time-to-contact curve.
#[pyfunction]
#[pyo3(signature = (state, population=None, columns=HashMap::new(), curve=None))]
fn state_finalize<'py>(
    py: Python<'py>,
    state: PyTable,
    population: Option<PyTable>,
    columns: HashMap<String, String>,
    curve: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let curve: Option<CurveMethod> = curve.map(|c| c.parse()).transpose().map_err(to_py)?;
    let map: ColumnMap = columns.into_iter().collect();
    let result = crate::detach(py, move || {
        let batch = input(state, &ColumnMap::new())?.batch()?.clone();
        let schema = batch.schema();
        let kind = state::kind_of(&schema)?;
        let population = population.map(|p| input(p, &map)).transpose()?;
        if population.is_some() && kind != StateKind::Oap {
            return Err(Error::invalid_argument(
                "population",
                format!("only an OAP state takes a population (this is a {kind} state)"),
            ));
        }
        match (kind, curve) {
            (StateKind::Oap, _) => {
                oap::finalize(&batch, &state::options_of(&schema)?, population.as_ref())
            }
            (StateKind::Transition, Some(method)) => {
                transition::finalize_curve(&batch, &state::options_of(&schema)?, method)
            }
            (_, Some(_)) => Err(Error::invalid_argument(
                "curve",
                format!("only a transition state has a curve (this is a {kind} state)"),
            )),
            _ => state::finalize(&batch),
        }
    });
    table_out(py, result)
}

/// The one-machine table of individual inequality indices per group (`options` as JSON).
#[pyfunction]
fn inequality_individual_table<'py>(
    py: Python<'py>,
    data: PyTable,
    options_json: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let json = options_json.to_owned();
    let result = crate::detach(py, move || {
        inequality::individual_table(&input(data, &ColumnMap::new())?, &options(&json)?)
    });
    table_out(py, result)
}

/// Registers this module's functions and the metadata keys of states.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("STATE_MERGE_KEY", state::MERGE_KEY)?;
    m.add("STATE_KIND_KEY", state::KIND_KEY)?;
    m.add("STATE_OPTIONS_KEY", state::OPTIONS_KEY)?;
    m.add("STATE_FINGERPRINT_KEY", state::FINGERPRINT_KEY)?;
    m.add_function(wrap_pyfunction!(state_build, m)?)?;
    m.add_function(wrap_pyfunction!(state_merge, m)?)?;
    m.add_function(wrap_pyfunction!(state_finalize, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_individual_table, m)?)?;
    Ok(())
}
