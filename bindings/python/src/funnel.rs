//! Funnel plots: `funnel_assess` (one row per unit) and `funnel_limits` (the limits table)
//! over an Arrow table, and the core's default options for the Python signature.
//!
//! The options arrive as one dict (built by `collabmetrics.funnel`); enum options are the
//! core's names, parsed by the core's name tables. Diagnostics travel in the schema metadata.

use crate::to_py;
use collabmetrics::funnel::{self, FunnelOptions, Limit};
use collabmetrics::table::{ColumnMap, Input, TableResult};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyTable;
use std::collections::HashMap;

/// The options dict: every key of `FunnelOptions`, enums by name, the limit as a number.
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
    fn into_core(self) -> collabmetrics::Result<FunnelOptions> {
        Ok(FunnelOptions {
            statistic: self.statistic.map(|s| s.parse()).transpose()?,
            family: self.family.map(|s| s.parse()).transpose()?,
            unit: self.unit,
            numerator: self.numerator,
            denominator: self.denominator,
            rate: self.rate,
            multiplier: self.multiplier,
            years_of_data: self.years_of_data,
            sr_method: self.sr_method.parse()?,
            trim_by: self.trim_by,
            limit: Limit::from_number(self.limit)?,
            draw_adjusted: self.draw_adjusted,
            shmi_rounding: self.shmi_rounding,
            funnelplotr_compat: self.funnelplotr_compat,
            exclude_zero_sr: self.exclude_zero_sr,
        })
    }
}

type Entry = fn(&Input, &FunnelOptions) -> collabmetrics::Result<TableResult>;

/// Runs one entry point without the GIL; the result is a pyarrow Table with the diagnostics in
/// its schema metadata.
fn call<'py>(
    py: Python<'py>,
    entry: Entry,
    data: PyTable,
    options: Options,
    columns: HashMap<String, String>,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options.into_core().map_err(to_py)?;
    let map: ColumnMap = columns.into_iter().collect();
    let (batches, schema) = data.into_inner();
    let result = py.detach(|| {
        let input = Input::new(schema, &batches, map)?;
        entry(&input, &opts)
    });
    let batch = result.map_err(to_py)?.into_batch();
    let schema = batch.schema();
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
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

/// The core's default options as a dict (enums by name, the limit as its number), for the
/// Python signatures.
#[pyfunction]
fn funnel_default_options(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = FunnelOptions::default();
    let out = PyDict::new(py);
    out.set_item("statistic", d.statistic.map(|s| s.as_str()))?;
    out.set_item("family", d.family.map(|f| f.as_str()))?;
    out.set_item("unit", d.unit)?;
    out.set_item("numerator", d.numerator)?;
    out.set_item("denominator", d.denominator)?;
    out.set_item("rate", d.rate)?;
    out.set_item("multiplier", d.multiplier)?;
    out.set_item("years_of_data", d.years_of_data)?;
    out.set_item("sr_method", d.sr_method.as_str())?;
    out.set_item("trim_by", d.trim_by)?;
    out.set_item("limit", d.limit.number())?;
    out.set_item("draw_adjusted", d.draw_adjusted)?;
    out.set_item("shmi_rounding", d.shmi_rounding)?;
    out.set_item("funnelplotr_compat", d.funnelplotr_compat)?;
    out.set_item("exclude_zero_sr", d.exclude_zero_sr)?;
    Ok(out)
}

/// Registers this module's functions and the names of the option values.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let names = |all: &[&str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    m.add(
        "FUNNEL_STATISTICS",
        names(
            &funnel::Statistic::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
        ),
    )?;
    m.add(
        "FUNNEL_FAMILIES",
        names(
            &funnel::Family::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
        ),
    )?;
    m.add(
        "FUNNEL_SIGNIFICANCE_LABELS",
        names(&[
            funnel::HIGH_001,
            funnel::HIGH_025,
            funnel::LOW_001,
            funnel::LOW_025,
            funnel::NOT_SIGNIFICANT,
            funnel::NOT_APPLICABLE,
        ]),
    )?;
    m.add_function(wrap_pyfunction!(funnel_assess, m)?)?;
    m.add_function(wrap_pyfunction!(funnel_limits, m)?)?;
    m.add_function(wrap_pyfunction!(funnel_default_options, m)?)?;
    Ok(())
}
