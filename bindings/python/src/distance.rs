//! Travel distance: point-to-point distances, BNG → WGS84, location lookups and summaries over
//! Arrow tables. Each function returns the result table and its diagnostics.

use crate::to_py;
use collabmetrics::distance::{
    self, Bands, ConvertTableOptions, LocateTableOptions, Method, NullPolicy, PointsTableOptions,
    SummaryOptions, SummaryTableOptions,
};
use collabmetrics::table::{ColumnMap, Input, TableResult};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// One diagnostic as Python sees it: (reason, action, count, first row).
type Diagnostic = (String, String, u64, Option<usize>);

fn input(data: PyTable) -> collabmetrics::Result<Input> {
    let (batches, schema) = data.into_inner();
    Input::new(schema, &batches, ColumnMap::new())
}

/// Converts a table result to (pyarrow Table, diagnostics).
fn finish<'py>(
    py: Python<'py>,
    result: collabmetrics::Result<TableResult>,
) -> PyResult<(Bound<'py, PyAny>, Vec<Diagnostic>)> {
    let TableResult { table, diagnostics } = result.map_err(to_py)?;
    let schema = table.schema();
    let table = PyTable::try_new(vec![table], schema)?.into_pyarrow(py)?;
    let diagnostics = diagnostics
        .entries
        .into_iter()
        .map(|d| (d.reason, d.action, d.count, d.first_row))
        .collect();
    Ok((table, diagnostics))
}

/// Adds the distance in km between the points of four coordinate columns.
#[pyfunction]
fn distance_points_table<'py>(
    py: Python<'py>,
    data: PyTable,
    coordinates: [String; 4],
    method: &str,
    round_km: bool,
    nulls: &str,
    output: String,
) -> PyResult<(Bound<'py, PyAny>, Vec<Diagnostic>)> {
    let opts = PointsTableOptions {
        coordinates,
        method: Method::parse(method, round_km).map_err(to_py)?,
        nulls: NullPolicy::parse(nulls).map_err(to_py)?,
        output,
    };
    let result = py.detach(|| distance::distance_points_table(&input(data)?, &opts));
    finish(py, result)
}

/// Adds WGS84 latitude and longitude of BNG eastings and northings.
#[pyfunction]
fn bng_to_wgs84_table<'py>(
    py: Python<'py>,
    data: PyTable,
    easting: String,
    northing: String,
    latitude: String,
    longitude: String,
    nulls: &str,
) -> PyResult<(Bound<'py, PyAny>, Vec<Diagnostic>)> {
    let opts = ConvertTableOptions {
        easting,
        northing,
        latitude,
        longitude,
        nulls: NullPolicy::parse(nulls).map_err(to_py)?,
    };
    let result = py.detach(|| distance::bng_to_wgs84_table(&input(data)?, &opts));
    finish(py, result)
}

/// Adds the coordinates of each row's location code from a lookup table.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn locate_table<'py>(
    py: Python<'py>,
    data: PyTable,
    lookup: PyTable,
    code: String,
    lookup_code: String,
    lookup_x: String,
    lookup_y: String,
    x: String,
    y: String,
    nulls: &str,
) -> PyResult<(Bound<'py, PyAny>, Vec<Diagnostic>)> {
    let opts = LocateTableOptions {
        code,
        lookup_code,
        lookup_x,
        lookup_y,
        x,
        y,
        nulls: NullPolicy::parse(nulls).map_err(to_py)?,
    };
    let result = py.detach(|| distance::locate_table(&input(data)?, &input(lookup)?, &opts));
    finish(py, result)
}

/// Distance summaries per group. `bands` is a preset name, or `edges` holds custom edges.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn distance_summary_table<'py>(
    py: Python<'py>,
    data: PyTable,
    distance: String,
    by: Vec<String>,
    weight: Option<String>,
    threshold: f64,
    bands: &str,
    edges: Option<Vec<f64>>,
    confidence: f64,
    nulls: &str,
) -> PyResult<(Bound<'py, PyAny>, Vec<Diagnostic>)> {
    let bands = match edges {
        Some(edges) => Bands::custom(edges),
        None => Bands::builtin(bands),
    }
    .map_err(to_py)?;
    let opts = SummaryTableOptions {
        distance,
        by,
        weight,
        nulls: NullPolicy::parse(nulls).map_err(to_py)?,
        options: SummaryOptions {
            threshold,
            bands,
            confidence,
        },
    };
    let result = py.detach(|| distance::distance_summary_table(&input(data)?, &opts));
    finish(py, result)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(distance_points_table, m)?)?;
    m.add_function(wrap_pyfunction!(bng_to_wgs84_table, m)?)?;
    m.add_function(wrap_pyfunction!(locate_table, m)?)?;
    m.add_function(wrap_pyfunction!(distance_summary_table, m)?)?;
    Ok(())
}
