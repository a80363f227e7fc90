//! Out-of-area placements: `oap_measures` over Arrow tables.

use crate::options::parse;
use crate::{input_mapped as input, table_out};
use collabmetrics::oap::{self, OapOptions, ReasonMap};
use collabmetrics::table::ColumnMap;
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use std::collections::HashMap;

/// OAP measures; dates are days since 1970-01-01. Diagnostics travel in the schema metadata.
#[pyfunction]
#[pyo3(signature = (placements, start, end, window, by, inappropriate_only, bed_types, reasons, data_cutoff, overlap, multiplier, confidence, population, admissions, columns, distance=None, distance_threshold=None, distance_bands=None, distance_edges=None))]
#[allow(clippy::too_many_arguments)]
fn oap_measures<'py>(
    py: Python<'py>,
    placements: PyTable,
    start: i32,
    end: i32,
    window: &str,
    by: Vec<String>,
    inappropriate_only: bool,
    bed_types: Option<Vec<String>>,
    reasons: Option<(Vec<String>, Vec<String>)>,
    data_cutoff: Option<i32>,
    overlap: &str,
    multiplier: f64,
    confidence: f64,
    population: Option<PyTable>,
    admissions: Option<PyTable>,
    columns: HashMap<String, String>,
    distance: Option<String>,
    distance_threshold: Option<f64>,
    distance_bands: Option<&str>,
    distance_edges: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut opts = OapOptions::new(start, end);
    opts.window = parse(window)?;
    opts.by = by;
    opts.inappropriate_only = inappropriate_only;
    opts.bed_types = bed_types;
    if let Some((inappropriate, appropriate)) = reasons {
        opts.reasons = ReasonMap {
            inappropriate,
            appropriate,
        };
    }
    opts.data_cutoff = data_cutoff;
    opts.overlap = parse(overlap)?;
    opts.multiplier = multiplier;
    opts.confidence = confidence;
    opts.distance = distance;
    // Unset: the core's defaults (its level is `confidence`).
    if let Some(threshold) = distance_threshold {
        opts.distance_options.threshold = threshold;
    }
    if distance_bands.is_some() || distance_edges.is_some() {
        opts.distance_options.bands = crate::distance::bands_of(
            "distance_bands",
            distance_bands.unwrap_or("custom"),
            distance_edges,
        )?;
    }
    let map: ColumnMap = columns.into_iter().collect();
    let result = crate::detach(py, || {
        let placements = input(placements, &map)?;
        let population = population.map(|p| input(p, &map)).transpose()?;
        let admissions = admissions.map(|a| input(a, &map)).transpose()?;
        oap::measures(&placements, &opts, population.as_ref(), admissions.as_ref())
    });
    table_out(py, result)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(oap_measures, m)?)?;
    Ok(())
}
