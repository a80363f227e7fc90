//! `collabmetrics._native`: the pyo3 layer of collabmetrics.
//!
//! It only converts: Arrow tables in (any object with `__arrow_c_stream__`, via pyo3-arrow),
//! options from Python values to the core's option structs (option names parsed by the core),
//! the core's tidy result out as a pyarrow Table with its diagnostics in the schema metadata,
//! and the core's `Error` to the exception of its kind (`errors`). Every computation runs in
//! the core with the GIL released, and every function runs behind one guard (`guard`) that
//! turns a panic into `InternalError`. The Python package (`python/collabmetrics`) wraps these
//! functions with docstrings and frame round trips; its defaults come from `options`.

#![warn(missing_docs)]
// No panic reachable from input: `unwrap`/`expect` are refused outside tests; each remaining
// invariant is an `#[allow]` with the reason beside it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod args;
mod demo;
mod disclosure;
mod distance;
mod errors;
mod funnel;
mod guard;
mod inequality;
mod interrupt;
mod oap;
mod options;
mod spc;
mod state;
mod stats;
mod transition;

pub(crate) use errors::to_py;
pub(crate) use interrupt::{detach, detach_reporting};

use collabmetrics::table::{ColumnMap, Input, TableResult};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// The table of a pyarrow-compatible object, without a column map.
pub(crate) fn input(data: PyTable) -> collabmetrics::Result<Input> {
    input_mapped(data, &ColumnMap::new())
}

/// The table of a pyarrow-compatible object, with the caller's column map.
pub(crate) fn input_mapped(data: PyTable, map: &ColumnMap) -> collabmetrics::Result<Input> {
    let (batches, schema) = data.into_inner();
    Input::new(schema, &batches, map.clone())
}

/// A core result as a pyarrow Table, its diagnostics in the schema metadata.
pub(crate) fn table_out<'py>(
    py: Python<'py>,
    result: PyResult<TableResult>,
) -> PyResult<Bound<'py, PyAny>> {
    pyarrow_table(py, result?.into_batch())
}

/// `batch` as a pyarrow Table, without a copy (the Arrow C stream interface). Read through
/// `pyarrow.RecordBatchReader.from_stream` where pyarrow has it (15 and later): `pyarrow.table`,
/// which older pyarrow needs, first asks whether its argument is a pandas DataFrame, and so
/// imports pandas (about 16 MB and a noticeable pause) on the first result of a process that
/// never used it.
pub(crate) fn pyarrow_table(
    py: Python<'_>,
    batch: arrow_array::RecordBatch,
) -> PyResult<Bound<'_, PyAny>> {
    let schema = batch.schema();
    let table = PyTable::try_new(vec![batch], schema)?;
    let pyarrow = py.import(pyo3::intern!(py, "pyarrow"))?;
    let reader = pyarrow.getattr(pyo3::intern!(py, "RecordBatchReader"))?;
    let table = match reader.getattr(pyo3::intern!(py, "from_stream")) {
        Ok(from_stream) => from_stream
            .call1((table.into_pyobject(py)?,))?
            .call_method0(pyo3::intern!(py, "read_all"))?,
        Err(_) => table.into_pyarrow(py)?,
    };
    sorted_metadata(table)
}

/// `table` with its schema metadata's keys in sorted order (no data copied). Arrow's Rust
/// schema keeps them in a hash map, exported in an order that changes from one process to the
/// next, and pyarrow keeps that order: the same result written to Parquet or Arrow IPC then
/// gave other bytes in every run.
fn sorted_metadata(table: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
    let py = table.py();
    let metadata = table
        .getattr(pyo3::intern!(py, "schema"))?
        .getattr(pyo3::intern!(py, "metadata"))?;
    if metadata.is_none() || metadata.len()? < 2 {
        return Ok(table);
    }
    let items = metadata.call_method0(pyo3::intern!(py, "items"))?;
    let sorted = py
        .import(pyo3::intern!(py, "builtins"))?
        .call_method1(pyo3::intern!(py, "sorted"), (items,))?;
    let sorted = pyo3::types::PyDict::from_sequence(&sorted)?;
    table.call_method1(pyo3::intern!(py, "replace_schema_metadata"), (sorted,))
}

/// Unpacks a table, runs `f` on it without the GIL (interruptible by Ctrl-C, see [`detach`])
/// and returns the result as a pyarrow Table.
pub(crate) fn run<'py>(
    py: Python<'py>,
    data: PyTable,
    f: impl FnOnce(&Input) -> collabmetrics::Result<TableResult> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let result = detach(py, || f(&input(data)?));
    table_out(py, result)
}

/// An argument whose conversion from Python panics: exercises the guard around conversion code.
struct PanicsOnConversion;

impl<'a, 'py> FromPyObject<'a, 'py> for PanicsOnConversion {
    type Error = PyErr;

    fn extract(_obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        panic!("a test panic in argument conversion")
    }
}

/// Test only: panics `where` ("body": in the function; "detached": with the GIL released;
/// "polled": in a cancellable call, on the pool worker running it; "worker": on a rayon worker thread),
/// so the tests can check that every panic surfaces as `InternalError` and prints nothing.
#[pyfunction]
fn _test_panic(py: Python<'_>, r#where: &str) -> PyResult<()> {
    use rayon::prelude::*;
    match r#where {
        "body" => panic!("a test panic in the body"),
        "detached" => py.detach(|| panic!("a test panic without the GIL")),
        // In a cancellable call: on the pool worker `detach` hands it to.
        "polled" => detach(py, || -> collabmetrics::Result<()> {
            panic!("a test panic in a cancellable call")
        }),
        "worker" => py.detach(|| {
            let total: i64 = (0..1000_i64)
                .into_par_iter()
                .map(|i| {
                    if i == 777 {
                        panic!("a test panic on a worker thread")
                    }
                    i
                })
                .sum();
            Err(to_py(collabmetrics::Error::invalid_argument(
                "where",
                format!("no panic (sum {total})"),
            )))
        }),
        other => Err(to_py(collabmetrics::Error::invalid_argument(
            "where",
            format!("unknown place \"{other}\""),
        ))),
    }
}

/// Test only: its argument's conversion panics (see [`PanicsOnConversion`]).
#[pyfunction]
fn _test_panic_in_conversion(_value: PanicsOnConversion) {}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", collabmetrics::VERSION)?;
    m.add("DIAGNOSTICS_KEY", collabmetrics::table::DIAGNOSTICS_KEY)?;
    m.add(
        "DEFAULT_BED_TYPES",
        collabmetrics::oap::DEFAULT_BED_TYPES.to_vec(),
    )?;
    errors::register(m)?;
    options::register(m)?;
    stats::register(m)?;
    oap::register(m)?;
    demo::register(m)?;
    distance::register(m)?;
    funnel::register(m)?;
    inequality::register(m)?;
    transition::register(m)?;
    disclosure::register(m)?;
    state::register(m)?;
    spc::register(m)?;
    interrupt::register(m)?;
    m.add_function(wrap_pyfunction!(_test_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_test_panic_in_conversion, m)?)?;
    // Last: every function registered above runs behind the guard.
    guard::guard_module(m)
}
