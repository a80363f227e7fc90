//! XmR charts (`collabmetrics::spc`) over Arrow tables.
//!
//! The options arrive as one dict (built by `collabmetrics.spc`, whose defaults are the core's
//! `SpcOptions::default()` through `defaults("spc")`), with the rule settings `None` where the
//! preset's apply. Names (improvement, rules, ties, on_mean) are parsed by the core's name
//! tables; dates are days since 1970-01-01.

use crate::options::{parse, parse_opt};
use crate::to_py;
use collabmetrics::spc::{self, Rebase, SeriesDates, SeriesTarget, SpcOptions, Target};
use collabmetrics::table::{ColumnMap, Input};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

/// A series key: one value per `by` column, `None` for a null (not the text "null").
type Key = Vec<Option<String>>;

/// The options dict.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Options {
    by: Vec<String>,
    improvement: String,
    rules: String,
    rebase_dates: Option<Vec<i64>>,
    rebase_series: Option<Vec<(Key, Vec<i64>)>>,
    fix_after_n_points: Option<i64>,
    target: Option<f64>,
    target_series: Option<Vec<(Key, f64)>>,
    warning_threshold: i64,
    screen_outliers: Option<bool>,
    shift_length: Option<i64>,
    trend_length: Option<i64>,
    two_in_three_includes_outside: Option<bool>,
    ties: Option<String>,
    on_mean: Option<String>,
    trajectory: Option<String>,
}

fn int<T: TryFrom<i64>>(name: &str, v: i64) -> PyResult<T> {
    T::try_from(v).map_err(|_| {
        to_py(collabmetrics::Error::invalid_argument(
            name,
            format!("{v} is out of range"),
        ))
    })
}

fn int_opt<T: TryFrom<i64>>(name: &str, v: Option<i64>) -> PyResult<Option<T>> {
    v.map(|v| int(name, v)).transpose()
}

fn dates(name: &str, v: Vec<i64>) -> PyResult<Vec<i32>> {
    v.into_iter().map(|d| int(name, d)).collect()
}

impl Options {
    /// The core's options (every field named, so a new core option fails to compile here).
    fn into_core(self) -> PyResult<SpcOptions> {
        let rebase = match (self.rebase_dates, self.rebase_series) {
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
        let target = match (self.target, self.target_series) {
            (Some(t), _) => Target::Value(t),
            (None, Some(entries)) => Target::PerSeries(
                entries
                    .into_iter()
                    .map(|(series, target)| SeriesTarget { series, target })
                    .collect(),
            ),
            (None, None) => Target::None,
        };
        Ok(SpcOptions {
            by: self.by,
            improvement: parse(&self.improvement)?,
            rebase,
            fix_after_n_points: int_opt("fix_after_n_points", self.fix_after_n_points)?,
            target,
            warning_threshold: int("warning_threshold", self.warning_threshold)?,
            rules: parse(&self.rules)?,
            screen_outliers: self.screen_outliers,
            shift_length: int_opt("shift_length", self.shift_length)?,
            trend_length: int_opt("trend_length", self.trend_length)?,
            two_in_three_includes_outside: self.two_in_three_includes_outside,
            ties: parse_opt(self.ties.as_deref())?,
            on_mean: parse_opt(self.on_mean.as_deref())?,
            trajectory: self.trajectory,
        })
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
    let result = crate::detach(py, || {
        let input = Input::new(schema, &batches, map)?;
        if summary {
            spc::summary(&input, &opts)
        } else {
            spc::xmr(&input, &opts)
        }
    });
    crate::pyarrow_table(py, result?.into_batch())
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(spc_xmr, m)?)?;
    // The core's names of a chart's own columns (everything else in a result is a `by`
    // column): the plots tell series apart with them.
    m.add(
        "SPC_POINT_COLUMNS",
        collabmetrics::spc::POINT_COLUMNS.to_vec(),
    )?;
    Ok(())
}
