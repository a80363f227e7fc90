//! Inequality: the grouped measures table (HEAT set, PHE's SII) and the individual indices
//! (Gini, Theil, MLD, Atkinson, GE, concentration index) with their bootstrap intervals.
//!
//! Vectors arrive as a table with columns `values` (or `outcome` and `rank`) and optionally
//! `weights`, so the core's table layer converts them and names the column and row of a bad
//! value.

use crate::{run, to_py, CollabMetricsError};
use collabmetrics::inequality::{
    self, BootstrapOptions, ConcentrationCorrection, CountKind, Counts, Favourable, HeatOptions,
    IndividualMeasure, Measure, MeasuresTableOptions, RciMethod, SiiModel, ValueType,
};
use collabmetrics::table::{display, ColumnMap, Input};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

fn invalid(argument: &str, expected: &str, got: &str) -> PyErr {
    CollabMetricsError::new_err(format!(
        "invalid argument `{argument}`: expected {expected}, got \"{got}\""
    ))
}

fn parse_favourable(s: &str) -> PyResult<Favourable> {
    match s.to_ascii_lowercase().as_str() {
        "high" => Ok(Favourable::High),
        "low" => Ok(Favourable::Low),
        _ => Err(invalid("favourable", "\"high\" or \"low\"", s)),
    }
}

fn parse_rci_method(s: &str) -> PyResult<RciMethod> {
    match s.to_ascii_lowercase().as_str() {
        "raw" => Ok(RciMethod::Raw),
        "wagstaff" => Ok(RciMethod::Wagstaff),
        "erreygers" => Ok(RciMethod::Erreygers),
        _ => Err(invalid(
            "rci_method",
            "\"raw\", \"wagstaff\" or \"erreygers\"",
            s,
        )),
    }
}

fn parse_sii_model(s: &str) -> PyResult<SiiModel> {
    match s.to_ascii_lowercase().as_str() {
        "linear" => Ok(SiiModel::Linear),
        "logistic" => Ok(SiiModel::Logistic),
        _ => Err(invalid("sii_model", "\"linear\" or \"logistic\"", s)),
    }
}

fn parse_value_type(s: &str) -> PyResult<ValueType> {
    match s.to_ascii_lowercase().as_str() {
        "other" => Ok(ValueType::Other),
        "rate" => Ok(ValueType::Rate),
        "proportion" => Ok(ValueType::Proportion),
        _ => Err(invalid(
            "value_type",
            "\"other\", \"rate\" or \"proportion\"",
            s,
        )),
    }
}

fn parse_correction(s: &str) -> PyResult<ConcentrationCorrection> {
    match s.to_ascii_lowercase().as_str() {
        "none" => Ok(ConcentrationCorrection::None),
        "wagstaff" => Ok(ConcentrationCorrection::Wagstaff),
        "erreygers" => Ok(ConcentrationCorrection::Erreygers),
        _ => Err(invalid(
            "correction",
            "\"none\", \"wagstaff\" or \"erreygers\"",
            s,
        )),
    }
}

/// An individual measure by name (`gini`, `theil`, `mld`, `atkinson`, `ge`, `share_ratio`);
/// the last three take `parameter` (ε, α, the tail share).
fn individual(measure: &str, parameter: Option<f64>) -> PyResult<IndividualMeasure> {
    let p = |name: &str| {
        parameter.ok_or_else(|| {
            CollabMetricsError::new_err(format!(
                "invalid argument `{name}`: the {measure} index needs it"
            ))
        })
    };
    Ok(match measure {
        "gini" => IndividualMeasure::Gini,
        "theil" => IndividualMeasure::Theil,
        "mld" => IndividualMeasure::Mld,
        "atkinson" => IndividualMeasure::Atkinson(p("epsilon")?),
        "ge" => IndividualMeasure::GeneralizedEntropy(p("alpha")?),
        "share_ratio" => IndividualMeasure::ShareRatio(p("share")?),
        other => {
            return Err(invalid(
                "measure",
                "\"gini\", \"theil\", \"mld\", \"atkinson\", \"ge\" or \"share_ratio\"",
                other,
            ))
        }
    })
}

fn input(data: PyTable) -> collabmetrics::Result<Input> {
    let (batches, schema) = data.into_inner();
    Input::new(schema, &batches, ColumnMap::new())
}

/// The `values` column and the optional `weights` column of a vector table.
fn values_weights(input: &Input) -> collabmetrics::Result<(Vec<f64>, Option<Vec<f64>>)> {
    let values = input.f64s("values")?.into_owned();
    let weights = if input.batch().column_by_name("weights").is_some() {
        Some(input.f64s("weights")?.into_owned())
    } else {
        None
    };
    Ok((values, weights))
}

/// Every requested grouped measure per by-group: one row per (by-group, measure).
#[pyfunction]
#[pyo3(signature = (data, by, subgroup, value, se, lower, upper, population, order, measures, favourable, reference, scale, setting_average, rci_method, sii_model, value_type, transform, confidence, reps, seed, counts=None, multiplier=1.0))]
#[allow(clippy::too_many_arguments)]
fn inequality_measures_table<'py>(
    py: Python<'py>,
    data: PyTable,
    by: Vec<String>,
    subgroup: String,
    value: String,
    se: Option<String>,
    lower: Option<String>,
    upper: Option<String>,
    population: String,
    order: Option<String>,
    measures: Option<Vec<String>>,
    favourable: &str,
    reference: Option<String>,
    scale: Option<f64>,
    setting_average: Option<f64>,
    rci_method: &str,
    sii_model: &str,
    value_type: &str,
    transform: bool,
    confidence: f64,
    reps: usize,
    seed: u64,
    counts: Option<(String, String, String, f64)>,
    multiplier: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let counts = counts
        .map(|(numerator, denominator, kind, multiplier)| {
            let kind = match kind.as_str() {
                "proportion" => Ok(CountKind::Proportion),
                "rate" => Ok(CountKind::Rate),
                other => Err(CollabMetricsError::new_err(format!(
                    "invalid argument `count_kind`: expected \"proportion\" or \"rate\", got \"{other}\""
                ))),
            }?;
            Ok::<_, PyErr>(Counts { numerator, denominator, kind, multiplier })
        })
        .transpose()?;
    let measures = measures
        .map(|ms| {
            ms.iter()
                .map(|m| Measure::parse(m))
                .collect::<collabmetrics::Result<Vec<_>>>()
        })
        .transpose()
        .map_err(to_py)?;
    let opts = MeasuresTableOptions {
        by,
        subgroup,
        value,
        se,
        lower,
        upper,
        population,
        order,
        measures,
        counts,
        options: HeatOptions {
            ordered: false,
            favourable: parse_favourable(favourable)?,
            reference,
            scale,
            setting_average,
            rci_method: parse_rci_method(rci_method)?,
            sii_model: parse_sii_model(sii_model)?,
            value_type: parse_value_type(value_type)?,
            transform,
            confidence,
            reps,
            seed,
            multiplier,
        },
    };
    run(py, data, move |input| {
        inequality::measures_table(input, &opts).map(|r| r.into_batch())
    })
}

/// One individual index of the table's `values` (and `weights`, when present).
#[pyfunction]
#[pyo3(signature = (data, measure, parameter=None, corrected=false))]
fn inequality_index(
    py: Python<'_>,
    data: PyTable,
    measure: &str,
    parameter: Option<f64>,
    corrected: bool,
) -> PyResult<f64> {
    let m = individual(measure, parameter)?;
    py.detach(|| {
        let input = input(data)?;
        let (values, weights) = values_weights(&input)?;
        match m {
            IndividualMeasure::Gini => {
                inequality::gini(&values, weights.as_deref(), corrected).map(|g| g.gini)
            }
            other => other.compute(&values, weights.as_deref()),
        }
    })
    .map_err(to_py)
}

/// An individual index with its percentile bootstrap interval: (value, lower, upper).
#[pyfunction]
fn inequality_bootstrap(
    py: Python<'_>,
    data: PyTable,
    measure: &str,
    parameter: Option<f64>,
    reps: usize,
    confidence: f64,
    seed: u64,
) -> PyResult<(f64, f64, f64)> {
    let m = individual(measure, parameter)?;
    let opts = BootstrapOptions {
        reps,
        confidence,
        seed,
    };
    let r = py
        .detach(|| {
            let input = input(data)?;
            let (values, weights) = values_weights(&input)?;
            inequality::bootstrap(&values, weights.as_deref(), m, &opts)
        })
        .map_err(to_py)?;
    Ok((r.value, r.lower, r.upper))
}

/// The Lorenz curve of `values` (weighted by `weights`): (population shares, value shares).
#[pyfunction]
fn inequality_lorenz(py: Python<'_>, data: PyTable) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let g = py
        .detach(|| {
            let input = input(data)?;
            let (values, weights) = values_weights(&input)?;
            inequality::gini(&values, weights.as_deref(), false)
        })
        .map_err(to_py)?;
    Ok((g.lorenz.population_share, g.lorenz.value_share))
}

/// The concentration index of the table's `outcome` against `rank` (and `weights`).
#[pyfunction]
fn inequality_concentration_index(
    py: Python<'_>,
    data: PyTable,
    correction: &str,
    bounds: Option<(f64, f64)>,
) -> PyResult<f64> {
    let c = parse_correction(correction)?;
    py.detach(|| {
        let input = input(data)?;
        let outcome = input.f64s("outcome")?;
        let rank = input.f64s("rank")?;
        let weights = if input.batch().column_by_name("weights").is_some() {
            Some(input.f64s("weights")?)
        } else {
            None
        };
        inequality::concentration_index(&outcome, &rank, weights.as_deref(), c, bounds)
    })
    .map_err(to_py)
}

/// (total, within, between, group labels, each group's index).
type Decomposed = (f64, f64, f64, Vec<String>, Vec<f64>);

/// Theil T (`alpha` 1), MLD (0) or GE(α) of `values` split over the `group` column (shown as
/// text): (total, within, between, group labels, each group's index).
#[pyfunction]
fn inequality_decompose(py: Python<'_>, data: PyTable, alpha: f64) -> PyResult<Decomposed> {
    let d = py
        .detach(|| {
            let input = input(data)?;
            let (values, weights) = values_weights(&input)?;
            let column = input.column("group")?;
            let group: Vec<String> = (0..input.num_rows())
                .map(|i| display(column.as_ref(), i))
                .collect();
            inequality::decompose(&values, weights.as_deref(), &group, alpha)
        })
        .map_err(to_py)?;
    Ok((d.total, d.within, d.between, d.groups, d.group_index))
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(inequality_measures_table, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_index, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_lorenz, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_concentration_index, m)?)?;
    m.add_function(wrap_pyfunction!(inequality_decompose, m)?)?;
    Ok(())
}
