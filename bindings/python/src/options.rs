//! The core's option names and defaults, handed to Python: `defaults(name)` (the Python
//! signatures take their default values from it), the names of the option enums, and the
//! parser every function uses for an option given as a name.

use crate::errors::to_py;
use collabmetrics::options::{self, OptionEnum};
use collabmetrics::Error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;

/// An option given by name, parsed by the core (the error names the option and lists the
/// accepted names).
pub(crate) fn parse<T: OptionEnum + std::str::FromStr<Err = Error>>(name: &str) -> PyResult<T> {
    name.parse().map_err(to_py)
}

/// An optional option given by name.
pub(crate) fn parse_opt<T: OptionEnum + std::str::FromStr<Err = Error>>(
    name: Option<&str>,
) -> PyResult<Option<T>> {
    name.map(parse).transpose()
}

/// A JSON value as the Python value it stands for.
fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u), _) => u.into_pyobject(py)?.into_any(),
            (None, None, f) => f.unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_python(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// The names `defaults` knows: the core's entry point families, then the demo crate's.
fn default_names() -> Vec<&'static str> {
    let mut names = options::NAMES.to_vec();
    names.push(DEMO);
    names
}

/// The name of the demo data's defaults (the `collabmetrics-demo` crate's `DemoOptions`).
const DEMO: &str = "demo";

/// The core's default options of the entry points `name` (see `DEFAULTS`) as a dict keyed by
/// the options' names; None where an option has no default and must be given. Floats the
/// core holds as whole numbers (e.g. a multiplier of 100000.0) come back as floats.
#[pyfunction]
fn defaults<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let value = if name == DEMO {
        serde_json::to_value(collabmetrics_demo::DemoOptions::default()).ok()
    } else {
        options::defaults(name)
    };
    let value = value.ok_or_else(|| {
        to_py(Error::invalid_argument(
            "name",
            format!(
                "no defaults named \"{name}\"; expected one of {}",
                default_names()
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    })?;
    to_python(py, &value)
}

/// A date given as text (`YYYY-MM-DD`, or any ISO 8601 form the core reads) as days since
/// 1970-01-01; an `InvalidArgumentError` naming `argument` otherwise.
#[pyfunction]
fn parse_date(text: &str, argument: &str) -> PyResult<i32> {
    collabmetrics::table::parse_date(text).ok_or_else(|| {
        to_py(Error::invalid_argument(
            argument,
            format!("not a date ({text:?}); use YYYY-MM-DD"),
        ))
    })
}

/// A reporting month given as text: `YYYY-MM` (its first day) or any date [`parse_date`]
/// reads (the core's `parse_month`, as the command line reads `--start`).
#[pyfunction]
fn parse_month(text: &str, argument: &str) -> PyResult<i32> {
    collabmetrics::table::parse_month(text).ok_or_else(|| {
        to_py(Error::invalid_argument(
            argument,
            format!("not a date ({text:?}); use YYYY-MM or YYYY-MM-DD"),
        ))
    })
}

/// The names of an option enum, in the core's order.
fn names<T: OptionEnum>() -> Vec<&'static str> {
    T::ALL.iter().map(|v| v.as_str()).collect()
}

/// Registers `defaults`, `DEFAULTS` (the names it knows), `OPTION_NAMES` (every option
/// enum's names, by the core's type name, so the tests can check the package's `Literal`
/// annotations against them), and `parse_date`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    use collabmetrics::{
        disclosure, distance, funnel, inequality, oap, spc, stats, table, transition,
    };
    m.add("DEFAULTS", default_names())?;
    m.add("INEQUALITY_MEASURES", names::<inequality::Measure>())?;
    let all = PyDict::new(m.py());
    macro_rules! enums {
        ($($t:path),+ $(,)?) => {
            $(all.set_item(stringify!($t).rsplit("::").next().unwrap_or_default().trim(), names::<$t>())?;)+
        };
    }
    enums!(
        stats::ProportionMethod,
        stats::RateMethod,
        stats::IsrKind,
        stats::StandardName,
        oap::Window,
        oap::OverlapRule,
        distance::Method,
        distance::NullPolicy,
        distance::BandPreset,
        inequality::Measure,
        inequality::Favourable,
        inequality::RciMethod,
        inequality::SiiModel,
        inequality::ValueType,
        inequality::CountKind,
        inequality::ConcentrationCorrection,
        inequality::IndexName,
        transition::CurveMethod,
        disclosure::Secondary,
        disclosure::SuppressOn,
        disclosure::Display,
        table::DerivedKind,
        spc::Improvement,
        spc::RuleSet,
        spc::Ties,
        spc::OnMean,
        funnel::Statistic,
        funnel::Family,
        funnel::SrMethod,
        funnel::Limit,
    );
    m.add("OPTION_NAMES", all)?;
    m.add_function(wrap_pyfunction!(defaults, m)?)?;
    m.add_function(wrap_pyfunction!(parse_date, m)?)?;
    m.add_function(wrap_pyfunction!(parse_month, m)?)?;
    Ok(())
}
