//! XmR charts (`collabmetrics::spc`) over Arrow tables.
//!
//! The options arrive as one dict (built by `collabmetrics.spc`): the rule preset's name, and
//! every other option either given or `None` for the preset's value, so no default is written
//! twice. Names (improvement, rules, ties, on_mean) are parsed by the core's name tables;
//! dates are days since 1970-01-01.

use crate::{to_py, CollabMetricsError};
use collabmetrics::spc::{self, Rebase, RuleSet, SeriesDates, SeriesTarget, SpcOptions, Target};
use collabmetrics::table::{ColumnMap, Input};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// The options dict.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Options {
    by: Vec<String>,
    improvement: String,
    rules: String,
    rebase_dates: Option<Vec<i64>>,
    rebase_series: Option<Vec<(Vec<String>, Vec<i64>)>>,
    fix_after_n_points: Option<i64>,
    target: Option<f64>,
    target_series: Option<Vec<(Vec<String>, f64)>>,
    screen_outliers: Option<bool>,
    warning_threshold: Option<i64>,
    shift_length: Option<i64>,
    trend_length: Option<i64>,
    two_in_three_includes_outside: Option<bool>,
    ties: Option<String>,
    on_mean: Option<String>,
    trajectory: Option<String>,
}

fn int<T: TryFrom<i64>>(name: &str, v: i64) -> PyResult<T> {
    T::try_from(v).map_err(|_| {
        CollabMetricsError::new_err(format!("invalid argument `{name}`: {v} is out of range"))
    })
}

fn dates(name: &str, v: Vec<i64>) -> PyResult<Vec<i32>> {
    v.into_iter().map(|d| int(name, d)).collect()
}

impl Options {
    /// The core's options: the preset's, with every given option set.
    fn into_core(self) -> PyResult<SpcOptions> {
        let rules: RuleSet = self.rules.parse().map_err(to_py)?;
        let mut o = SpcOptions::preset(rules);
        o.by = self.by;
        o.improvement = self.improvement.parse().map_err(to_py)?;
        o.rebase = match (self.rebase_dates, self.rebase_series) {
            (Some(d), _) => Rebase::Dates(dates("rebase", d)?),
            (None, Some(entries)) => Rebase::PerSeries(
                entries
                    .into_iter()
                    .map(|(series, d)| {
                        Ok(SeriesDates {
                            series,
                            dates: dates("rebase", d)?,
                        })
                    })
                    .collect::<PyResult<_>>()?,
            ),
            (None, None) => Rebase::None,
        };
        o.fix_after_n_points = self
            .fix_after_n_points
            .map(|n| int("fix_after_n_points", n))
            .transpose()?;
        o.target = match (self.target, self.target_series) {
            (Some(t), _) => Target::Value(t),
            (None, Some(entries)) => Target::PerSeries(
                entries
                    .into_iter()
                    .map(|(series, target)| SeriesTarget { series, target })
                    .collect(),
            ),
            (None, None) => Target::None,
        };
        if let Some(v) = self.screen_outliers {
            o.screen_outliers = v;
        }
        if let Some(v) = self.warning_threshold {
            o.warning_threshold = int("warning_threshold", v)?;
        }
        if let Some(v) = self.shift_length {
            o.shift_length = int("shift_length", v)?;
        }
        if let Some(v) = self.trend_length {
            o.trend_length = int("trend_length", v)?;
        }
        if let Some(v) = self.two_in_three_includes_outside {
            o.two_in_three_includes_outside = v;
        }
        if let Some(v) = self.ties {
            o.ties = v.parse().map_err(to_py)?;
        }
        if let Some(v) = self.on_mean {
            o.on_mean = v.parse().map_err(to_py)?;
        }
        o.trajectory = self.trajectory;
        Ok(o)
    }
}

/// XmR points (`summary` false) or the per-segment summary (`summary` true); `value` and
/// `date` name the input's columns. Diagnostics travel in the schema metadata.
#[pyfunction]
#[pyo3(signature = (data, value, date, options, summary))]
fn spc_xmr<'py>(
    py: Python<'py>,
    data: PyTable,
    value: String,
    date: String,
    options: Options,
    summary: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options.into_core()?;
    let map = ColumnMap::new().with("value", &value).with("date", &date);
    let (batches, schema) = data.into_inner();
    let result = py.detach(|| {
        let input = Input::new(schema, &batches, map)?;
        if summary {
            spc::summary(&input, &opts)
        } else {
            spc::xmr(&input, &opts)
        }
    });
    let batch = result.map_err(to_py)?.into_batch();
    let schema = batch.schema();
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(spc_xmr, m)?)?;
    Ok(())
}
