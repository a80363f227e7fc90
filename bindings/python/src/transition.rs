//! Transition disengagement for 16–25s: cohorts T and B, the summary, the service-line audit
//! and the time-to-contact curve over Arrow tables.
//!
//! The options arrive as one dict (built by `collabmetrics.transition`) and are converted
//! field by field into the core's `TransitionOptions`; dates are days since 1970-01-01.
//! Diagnostics travel in the schema metadata of the result.

use crate::options::parse;
use crate::{input_mapped as input, table_out, to_py};
use collabmetrics::table::{ColumnMap, TableResult};
use collabmetrics::transition::{self, BClass, Tables, TransitionOptions};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;
use std::collections::HashMap;

/// The options dict: every key of `TransitionOptions`, integers as Python ints (range-checked
/// here, so a negative age names its argument instead of failing as an `OverflowError`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Options {
    data_end: i64,
    period_start: Option<i64>,
    period_end: Option<i64>,
    boundary_age: i64,
    min_age: i64,
    max_age: i64,
    engagement_days: i64,
    horizons: Vec<i64>,
    min_attended_contacts: i64,
    attended_codes: Vec<i64>,
    dna_codes: Vec<i64>,
    direct_mechanisms: Vec<i64>,
    crisis_team_types: Option<Vec<String>>,
    cyp_lookback_days: i64,
    boundary_open_window_days: i64,
    followup_days: i64,
    retained_days: i64,
    episode_gap_days: i64,
    confidence: f64,
    by: Option<Vec<String>>,
    age_band_18_24: bool,
}

fn int<T: TryFrom<i64>>(name: &str, v: i64) -> PyResult<T> {
    T::try_from(v).map_err(|_| {
        to_py(collabmetrics::Error::invalid_argument(
            name,
            format!("{v} is out of range"),
        ))
    })
}

fn ints<T: TryFrom<i64>>(name: &str, v: &[i64]) -> PyResult<Vec<T>> {
    v.iter().map(|&x| int(name, x)).collect()
}

impl Options {
    /// The core's options (every field named, so a new core option fails to compile here).
    fn into_core(self) -> PyResult<TransitionOptions> {
        let defaults = TransitionOptions::default();
        Ok(TransitionOptions {
            data_end: Some(int("data_end", self.data_end)?),
            period_start: self
                .period_start
                .map(|d| int("period_start", d))
                .transpose()?,
            period_end: self.period_end.map(|d| int("period_end", d)).transpose()?,
            boundary_age: int("boundary_age", self.boundary_age)?,
            min_age: int("min_age", self.min_age)?,
            max_age: int("max_age", self.max_age)?,
            engagement_days: int("engagement_days", self.engagement_days)?,
            horizons: ints("horizons", &self.horizons)?,
            min_attended_contacts: int("min_attended_contacts", self.min_attended_contacts)?,
            attended_codes: ints("attended_codes", &self.attended_codes)?,
            dna_codes: ints("dna_codes", &self.dna_codes)?,
            direct_mechanisms: ints("direct_mechanisms", &self.direct_mechanisms)?,
            crisis_team_types: self.crisis_team_types.unwrap_or(defaults.crisis_team_types),
            cyp_lookback_days: int("cyp_lookback_days", self.cyp_lookback_days)?,
            boundary_open_window_days: int(
                "boundary_open_window_days",
                self.boundary_open_window_days,
            )?,
            followup_days: int("followup_days", self.followup_days)?,
            retained_days: int("retained_days", self.retained_days)?,
            episode_gap_days: int("episode_gap_days", self.episode_gap_days)?,
            confidence: self.confidence,
            by: self.by,
            age_band_18_24: self.age_band_18_24,
        })
    }
}

type Entry = fn(&Tables, &TransitionOptions) -> collabmetrics::Result<TableResult>;

/// Runs one entry point over the four tables without the GIL; the result is a pyarrow Table
/// with the diagnostics in its schema metadata.
#[allow(clippy::too_many_arguments)]
fn call<'py>(
    py: Python<'py>,
    entry: Entry,
    persons: PyTable,
    referrals: PyTable,
    contacts: PyTable,
    care_plans: Option<PyTable>,
    options: Options,
    columns: HashMap<String, String>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options.into_core()?;
    let map: ColumnMap = columns.into_iter().collect();
    let result = crate::detach_reporting(py, progress, || {
        let persons = input(persons, &map)?;
        let referrals = input(referrals, &map)?;
        let contacts = input(contacts, &map)?;
        let care_plans = care_plans.map(|c| input(c, &map)).transpose()?;
        let tables = Tables {
            persons: &persons,
            referrals: &referrals,
            contacts: &contacts,
            care_plans: care_plans.as_ref(),
        };
        entry(&tables, &opts)
    });
    table_out(py, result)
}

macro_rules! entry {
    ($name:ident, $core:path, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        #[pyo3(signature = (persons, referrals, contacts, care_plans, options, columns, progress=None))]
        #[allow(clippy::too_many_arguments)]
        fn $name<'py>(
            py: Python<'py>,
            persons: PyTable,
            referrals: PyTable,
            contacts: PyTable,
            care_plans: Option<PyTable>,
            options: Options,
            columns: HashMap<String, String>,
            progress: Option<Py<PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            call(
                py, $core, persons, referrals, contacts, care_plans, options, columns, progress,
            )
        }
    };
}

entry!(
    transition_transfers,
    transition::transfers,
    "Cohort T, one row per member (person and episode)."
);
entry!(
    transition_ageing_out,
    transition::ageing_out,
    "Cohort B, one row per member."
);
entry!(
    transition_summary,
    transition::summary,
    "Every transition metric per breakdown group."
);
entry!(
    transition_service_lines,
    transition::service_lines,
    "Each referral's service line and the rule that decided it."
);

/// The curve of time to the first attended adult contact from a per-person table.
#[pyfunction]
fn transition_time_to_contact<'py>(
    py: Python<'py>,
    table: PyTable,
    method: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let method = parse(method)?;
    let result = crate::detach(py, || {
        let table = input(table, &ColumnMap::new())?;
        transition::time_to_contact(&table, method, confidence)
    });
    table_out(py, result)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "TRANSITION_CRISIS_TEAM_TYPES",
        transition::CRISIS_TEAM_TYPES.to_vec(),
    )?;
    m.add(
        "TRANSITION_CLASSES",
        BClass::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    )?;
    m.add_function(wrap_pyfunction!(transition_transfers, m)?)?;
    m.add_function(wrap_pyfunction!(transition_ageing_out, m)?)?;
    m.add_function(wrap_pyfunction!(transition_summary, m)?)?;
    m.add_function(wrap_pyfunction!(transition_service_lines, m)?)?;
    m.add_function(wrap_pyfunction!(transition_time_to_contact, m)?)?;
    Ok(())
}
