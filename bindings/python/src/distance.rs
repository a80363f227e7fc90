//! Travel distance: point-to-point distances, BNG → WGS84, location lookups and summaries over
//! Arrow tables. Each function returns the result table with its diagnostics in the schema
//! metadata, like every other table function.

use crate::options::parse;
use crate::{input, table_out, to_py};
use collabmetrics::distance::{
    self, Bands, ConvertTableOptions, LocateTableOptions, PointsTableOptions, SummaryOptions,
    SummaryTableOptions,
};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// Adds the distance in km between the points of four coordinate columns.
#[pyfunction]
fn distance_points_table<'py>(
    py: Python<'py>,
    data: PyTable,
    coordinates: Option<[String; 4]>,
    method: &str,
    round_km: bool,
    nulls: &str,
    output: String,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = PointsTableOptions {
        coordinates,
        method: parse(method)?,
        round_km,
        nulls: parse(nulls)?,
        output,
    };
    let result = crate::detach(py, || distance::distance_points_table(&input(data)?, &opts));
    table_out(py, result)
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
) -> PyResult<Bound<'py, PyAny>> {
    let opts = ConvertTableOptions {
        easting,
        northing,
        latitude,
        longitude,
        nulls: parse(nulls)?,
    };
    let result = crate::detach(py, || distance::bng_to_wgs84_table(&input(data)?, &opts));
    table_out(py, result)
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
) -> PyResult<Bound<'py, PyAny>> {
    let opts = LocateTableOptions {
        code: Some(code),
        lookup_code,
        lookup_x,
        lookup_y,
        x,
        y,
        nulls: parse(nulls)?,
    };
    let result = crate::detach(py, || {
        distance::locate_table(&input(data)?, &input(lookup)?, &opts)
    });
    table_out(py, result)
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
) -> PyResult<Bound<'py, PyAny>> {
    let bands = bands_of("bands", bands, edges)?;
    let opts = SummaryTableOptions {
        distance,
        by,
        weight,
        nulls: parse(nulls)?,
        options: SummaryOptions {
            threshold,
            bands,
            confidence,
        },
    };
    let result = crate::detach(py, || {
        distance::distance_summary_table(&input(data)?, &opts)
    });
    table_out(py, result)
}

/// Distance bands: a preset's name, or the caller's edges when given; errors name
/// `argument` (`bands`, or OAP's `distance_bands`).
pub(crate) fn bands_of(argument: &str, preset: &str, edges: Option<Vec<f64>>) -> PyResult<Bands> {
    match edges {
        Some(edges) => Bands::custom(edges),
        None => preset.parse().map(Bands::preset),
    }
    .map_err(|e| to_py(e.for_argument(argument)))
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(distance_points_table, m)?)?;
    m.add_function(wrap_pyfunction!(bng_to_wgs84_table, m)?)?;
    m.add_function(wrap_pyfunction!(locate_table, m)?)?;
    m.add_function(wrap_pyfunction!(distance_summary_table, m)?)?;
    Ok(())
}
