//! Mergeable partial states (`docs/methods/state.md`): every aggregate computed as a state that
//! can be built per partition, merged, and finished into exactly the one-machine result.
//!
//! A state is an Arrow table. Its columns are of three kinds, each naming its merge operation
//! in its field metadata ([`MERGE_KEY`]):
//! * `key`: the columns a merge groups by (the breakdown's keys, a month, a distance, a
//!   metric's name …); a null key is a value like any other;
//! * `sum`: whole numbers (counts, bed days, money in pence), `Int64`, added (the approximate
//!   options, e.g. the binned Gini, also add `Float64` sums, whose merge order changes their
//!   last digits within the bound they state);
//! * `max`: the largest value (an input's presence flag), `Int64`.
//!
//! So any engine's `GROUP BY <key columns>` with `SUM`/`MAX` of the others merges states
//! correctly (Spark SQL, DuckDB, T-SQL), and [`merge_states`] does the same in process. A
//! state's rows come in parts (the `part` key column: `month`, `distance`, `diagnostic`, …),
//! each using the columns it needs and leaving the others null.
//!
//! The schema metadata carries the state's kind ([`KIND_KEY`]), the options it was built with
//! as JSON ([`OPTIONS_KEY`]) and their fingerprint ([`FINGERPRINT_KEY`]): merging states of
//! other options, or finishing one with other options, is an error, and [`finalize`] needs
//! nothing but the state. The schema depends on the options alone (and, for breakdown
//! columns, on their types in the input), never on the data.
//!
//! Each module has its `*_state` function (input → state), a `*_state_schema` and a
//! `*_finalize` (state → the tidy result, computed by the same kernels as the one-machine
//! function, so finishing the merge of any split of the input gives the one-machine result
//! bit for bit: see each function's documentation for the rows' order and the diagnostics).

mod layout;
mod merge;
mod read;

pub(crate) use layout::{add_records, check_whole, fields, Layout, MAX_WHOLE};
pub use merge::merge_states;
pub(crate) use read::View;

use crate::error::{Error, Result};
use crate::table::{Diagnostics, Input, TableResult};
use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema};
use serde::Serialize;

/// Field metadata key naming a column's merge operation: `key`, `sum` or `max`.
pub const MERGE_KEY: &str = "collabmetrics:merge";
/// Schema metadata key of the state's kind (`oap`, `transition`, …).
pub const KIND_KEY: &str = "collabmetrics:state";
/// Schema metadata key of the options the state was built with, as JSON.
pub const OPTIONS_KEY: &str = "collabmetrics:options";
/// Schema metadata key of the options' fingerprint (16 hexadecimal digits).
pub const FINGERPRINT_KEY: &str = "collabmetrics:fingerprint";
/// Schema metadata key of the state layout's version.
pub const VERSION_KEY: &str = "collabmetrics:state_version";
/// The version of every state layout this library writes and reads.
pub const STATE_VERSION: &str = "2";

crate::option_enum! {
    /// How a state column merges.
    pub enum Merge: "merge", "merge operation" {
        /// Grouped by: equal keys are one row.
        Key = "key",
        /// Added (whole numbers).
        Sum = "sum",
        /// The largest value.
        Max = "max",
    }
}

crate::option_enum! {
    /// What a state is the state of.
    pub enum StateKind: "state", "state kind" {
        /// Out-of-area placements ([`crate::oap::state`]).
        Oap = "oap",
        /// Transition summary and time-to-contact curve ([`crate::transition::state`]).
        Transition = "transition",
        /// Distance summary ([`crate::distance::summary_state`]).
        DistanceSummary = "distance_summary",
        /// Directly standardised rates ([`crate::stats::dsr_state`]).
        Dsr = "dsr",
        /// Indirectly standardised ratios ([`crate::stats::isr_state`]).
        Isr = "isr",
        /// Means ([`crate::stats::mean_state`]).
        Mean = "mean",
        /// Individual inequality indices ([`crate::inequality::individual_state`]).
        Inequality = "inequality",
    }
}

/// The options of a state as JSON and their fingerprint: FNV-1a (64 bits) of the kind, the
/// layout version and the JSON, in hexadecimal. Options serialise field by field in a fixed
/// order, so equal options have equal fingerprints.
pub(crate) fn fingerprint(kind: StateKind, options_json: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [kind.as_str(), STATE_VERSION, options_json] {
        for &b in part.as_bytes().iter().chain(b"\n") {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The JSON of a module's options (they hold numbers, strings and lists only).
pub(crate) fn options_json<T: Serialize>(options: &T) -> String {
    serde_json::to_string(options).unwrap_or_default()
}

/// A state to finish: checked against the layout `layout_of(by)` gives for its `n` breakdown
/// columns (right after `part`), merged, with those columns' names in the state (for
/// [`View::groups`], [`View::keys`] and [`View::index`]).
pub(crate) fn open(
    state: &RecordBatch,
    n: usize,
    layout_of: impl Fn(&[Field]) -> Result<Layout>,
) -> Result<(View, Vec<String>)> {
    let by = by_fields(&state.schema(), n, &layout_of(&[])?)?;
    let layout = layout_of(&by)?;
    Ok((View::new(state, &layout)?, layout.stored_by()))
}

/// The breakdown fields of a state whose layout puts `n` caller's key columns right after
/// `part`: their names in a result (`bare` is the kind's layout without breakdowns, which
/// knows how it renamed them) and types, as plain fields. A schema with fewer columns is an
/// error naming the state (the full check against the layout follows).
fn by_fields(schema: &Schema, n: usize, bare: &Layout) -> Result<Vec<Field>> {
    if schema.fields().len() < n + 1 {
        return Err(Error::invalid_argument(
            "state",
            format!(
                "the state has {} columns; its options need {} breakdown columns after `part`",
                schema.fields().len(),
                n
            ),
        ));
    }
    Ok(schema
        .fields()
        .iter()
        .skip(1)
        .take(n)
        .map(|f| Field::new(bare.result_name(f.name()), f.data_type().clone(), true))
        .collect())
}

/// The kind of a state, read from its schema metadata.
pub fn kind_of(schema: &Schema) -> Result<StateKind> {
    let kind = schema.metadata().get(KIND_KEY).ok_or_else(|| {
        Error::invalid_argument(
            "state",
            format!(
                "not a collabmetrics state: the schema metadata has no `{KIND_KEY}` (a state \
                 merged by another engine loses it: give back the schema of one of the states \
                 merged, in Python `finalize(state, schema=cm.state.schema(part))`, in Rust \
                 the kind's `state_schema`)"
            ),
        )
    })?;
    kind.parse()
}

/// The options a state was built with, read from its schema metadata.
pub fn options_of<T: serde::de::DeserializeOwned>(schema: &Schema) -> Result<T> {
    let json = schema.metadata().get(OPTIONS_KEY).ok_or_else(|| {
        Error::invalid_argument(
            "state",
            format!("the state's schema metadata has no `{OPTIONS_KEY}`"),
        )
    })?;
    serde_json::from_str(json).map_err(|e| {
        Error::invalid_argument("state", format!("the state's options do not read: {e}"))
    })
}

/// The core's options of a kind from their JSON (the names of its serde form). A value the
/// core refuses (an unknown name, band edges out of order) is the core's own error, as when
/// the options are passed directly; JSON that does not read otherwise (a wrong type, an
/// unknown field) is an `InvalidArgument` naming `options`.
pub fn options_from_json<T: serde::de::DeserializeOwned + serde::Serialize>(
    json: &str,
) -> Result<T> {
    crate::options::from_json("options", json)
}

/// Builds the state of `kind` over a partition's tables, with the options of the kind as
/// JSON ([`options_from_json`]). `tables` are in the kind's order: `oap` placements and
/// admissions (either `None`, not both); `transition` persons, referrals, contacts and care
/// plans (`None`); every other kind one table (`data`). A required table that is `None` is
/// an error naming it.
///
/// With `listing`, also the diagnostics listing every flagged record of every table
/// ([`crate::table::Diagnostics::flags`], their counts the state's diagnostic rows): the
/// `*_state_listing` builders of [`crate::oap`], [`crate::transition`] and
/// [`crate::distance`]; the rules of `dsr`, `isr`, `mean` and `inequality` set no record
/// aside (bad values are errors), so their listing is empty.
pub fn build(
    kind: StateKind,
    tables: &[Option<&Input>],
    options_json: &str,
    listing: bool,
) -> Result<(RecordBatch, Option<Diagnostics>)> {
    let table = |i: usize, name: &str| -> Result<&Input> {
        tables
            .get(i)
            .copied()
            .flatten()
            .ok_or_else(|| Error::invalid_argument(name, "the table is required"))
    };
    let optional = |i: usize| tables.get(i).copied().flatten();
    let json = options_json;
    let listed = |(state, d): (RecordBatch, Diagnostics)| (state, Some(d));
    let unlisted = |state: RecordBatch| (state, listing.then(Diagnostics::with_listing));
    match kind {
        StateKind::Oap => {
            let opts = options_from_json(json)?;
            if listing {
                crate::oap::state_listing(optional(0), &opts, optional(1)).map(listed)
            } else {
                crate::oap::state(optional(0), &opts, optional(1)).map(|s| (s, None))
            }
        }
        StateKind::Transition => {
            let tables = crate::transition::Tables {
                persons: table(0, "persons")?,
                referrals: table(1, "referrals")?,
                contacts: table(2, "contacts")?,
                care_plans: optional(3),
            };
            let opts = options_from_json(json)?;
            if listing {
                crate::transition::state_listing(&tables, &opts).map(listed)
            } else {
                crate::transition::state(&tables, &opts).map(|s| (s, None))
            }
        }
        StateKind::DistanceSummary => {
            let (data, opts) = (table(0, "data")?, options_from_json(json)?);
            if listing {
                crate::distance::summary_state_listing(data, &opts).map(listed)
            } else {
                crate::distance::summary_state(data, &opts).map(|s| (s, None))
            }
        }
        StateKind::Dsr => {
            crate::stats::dsr_state(table(0, "data")?, &options_from_json(json)?).map(unlisted)
        }
        StateKind::Isr => {
            crate::stats::isr_state(table(0, "data")?, &options_from_json(json)?).map(unlisted)
        }
        StateKind::Mean => {
            crate::stats::mean_state(table(0, "data")?, &options_from_json(json)?).map(unlisted)
        }
        StateKind::Inequality => {
            crate::inequality::individual_state(table(0, "data")?, &options_from_json(json)?)
                .map(unlisted)
        }
    }
}

/// Finishes a state (merged or not) with the options it carries: the kind's finalize
/// function ([`crate::oap::finalize`] without a population, [`crate::transition::finalize`]
/// for the summary, and so on).
pub fn finalize(state: &RecordBatch) -> Result<TableResult> {
    let schema = state.schema();
    match kind_of(&schema)? {
        StateKind::Oap => crate::oap::finalize(state, &options_of(&schema)?, None),
        StateKind::Transition => crate::transition::finalize(state, &options_of(&schema)?),
        StateKind::DistanceSummary => {
            crate::distance::summary_finalize(state, &options_of(&schema)?)
        }
        StateKind::Dsr => crate::stats::dsr_finalize(state, &options_of(&schema)?),
        StateKind::Isr => crate::stats::isr_finalize(state, &options_of(&schema)?),
        StateKind::Mean => crate::stats::mean_finalize(state, &options_of(&schema)?),
        StateKind::Inequality => {
            crate::inequality::individual_finalize(state, &options_of(&schema)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_differ_by_kind_and_options() {
        let a = fingerprint(StateKind::Mean, r#"{"confidence":0.95}"#);
        assert_eq!(a.len(), 16);
        assert_eq!(a, fingerprint(StateKind::Mean, r#"{"confidence":0.95}"#));
        assert_ne!(a, fingerprint(StateKind::Mean, r#"{"confidence":0.9}"#));
        assert_ne!(a, fingerprint(StateKind::Dsr, r#"{"confidence":0.95}"#));
    }
}
