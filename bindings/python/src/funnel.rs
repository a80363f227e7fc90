//! Funnel plots: `funnel_assess` (one row per unit) and `funnel_limits` (the limits table)
//! over an Arrow table.
//!
//! The options arrive as one dict (built by `collabmetrics.funnel` from the core's defaults,
//! `defaults("funnel")`); option names are parsed by the core's name tables. Diagnostics travel
//! in the schema metadata.

use crate::options::{parse, parse_opt};
use crate::{detach, input_mapped, table_out, to_py};
use collabmetrics::funnel::{self, FunnelOptions, Limit};
use collabmetrics::table::{ColumnMap, Input, TableResult};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use std::collections::HashMap;

/// The options dict: every key of `FunnelOptions`, option names as text, the limit as
/// FunnelPlotR's number (95, 99 or 99.8).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Options {
    statistic: Option<String>,
    family: Option<String>,
    unit: Option<String>,
    numerator: String,
    denominator: String,
    rate: String,
    multiplier: Option<f64>,
    years_of_data: Option<f64>,
    sr_method: String,
    trim_by: f64,
    limit: f64,
    draw_adjusted: bool,
    shmi_rounding: bool,
    funnelplotr_compat: bool,
    exclude_zero_sr: bool,
}

impl Options {
    /// The core's options (every field named, so a new core option fails to compile here).
    fn into_core(self) -> PyResult<FunnelOptions> {
        Ok(FunnelOptions {
            statistic: parse_opt(self.statistic.as_deref())?,
            family: parse_opt(self.family.as_deref())?,
            unit: self.unit,
            numerator: self.numerator,
            denominator: self.denominator,
            rate: self.rate,
            multiplier: self.multiplier,
            years_of_data: self.years_of_data,
            sr_method: parse(&self.sr_method)?,
            trim_by: self.trim_by,
            limit: Limit::from_number(self.limit).map_err(to_py)?,
            draw_adjusted: self.draw_adjusted,
            shmi_rounding: self.shmi_rounding,
            funnelplotr_compat: self.funnelplotr_compat,
            exclude_zero_sr: self.exclude_zero_sr,
        })
    }
}

type Entry = fn(&Input, &FunnelOptions) -> collabmetrics::Result<TableResult>;

/// Runs one entry point without the GIL.
fn call<'py>(
    py: Python<'py>,
    entry: Entry,
    data: PyTable,
    options: Options,
    columns: HashMap<String, String>,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options.into_core()?;
    let map: ColumnMap = columns.into_iter().collect();
    let result = detach(py, || entry(&input_mapped(data, &map)?, &opts));
    table_out(py, result)
}

/// One row per unit: counts, value, z-scores, limits, outlier flag, phi, tau2.
#[pyfunction]
fn funnel_assess<'py>(
    py: Python<'py>,
    data: PyTable,
    options: Options,
    columns: HashMap<String, String>,
) -> PyResult<Bound<'py, PyAny>> {
    call(py, funnel::assess, data, options, columns)
}

/// The limits table for drawing the funnel.
#[pyfunction]
fn funnel_limits<'py>(
    py: Python<'py>,
    data: PyTable,
    options: Options,
    columns: HashMap<String, String>,
) -> PyResult<Bound<'py, PyAny>> {
    call(py, funnel::limits, data, options, columns)
}

/// Registers this module's functions and PHE's significance labels.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "FUNNEL_SIGNIFICANCE_LABELS",
        vec![
            funnel::HIGH_001,
            funnel::HIGH_025,
            funnel::LOW_001,
            funnel::LOW_025,
            funnel::NOT_SIGNIFICANT,
            funnel::NOT_APPLICABLE,
        ],
    )?;
    m.add_function(wrap_pyfunction!(funnel_assess, m)?)?;
    m.add_function(wrap_pyfunction!(funnel_limits, m)?)?;
    Ok(())
}
