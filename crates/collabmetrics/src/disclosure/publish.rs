//! Publishing a result: its table under a rule ([`disclose`] with the roles the result
//! carries), without the derived values that would give a suppressed count back.
//!
//! The specification has derived values computed from unrounded counts. A rate per million at
//! one decimal over a population below a million, or a share, then gives its row's exact
//! count, and a sum published beside the rows (a margin: Total, a breakdown's `all` row)
//! gives a suppressed row's count back by difference (docs/methods/disclosure.md, Limits). So
//! a *publication* (the `publish=` argument of the table functions, the command line's
//! `--publish`) leaves such columns out of any table that also publishes a sum of its rows.
//! [`disclose`] itself, the general tool, keeps them, as the specification says.

use super::{disclose, DerivedKind, DisclosureOptions, LogEntry, Rule};
use crate::error::{Error, Result};
use crate::table::{display, Input, Roles, TableResult};
use arrow_array::Array;
use std::collections::HashSet;

/// A result published under a rule.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The controlled table (suppressed cells null), without the columns `left_out`.
    pub table: TableResult,
    /// The cells the rule suppressed or rounded.
    pub log: Vec<LogEntry>,
    /// The derived columns left out (see [`unpinned`]), in the table's order.
    pub left_out: Vec<String>,
}

/// A result table (`input`: one of ours, with its roles) published under `rule` with the
/// default disclosure options, then [`unpinned`].
pub fn publish(input: &Input, rule: Rule) -> Result<Publication> {
    let opts = DisclosureOptions {
        rule,
        ..DisclosureOptions::default()
    };
    let out = disclose(input, &opts)?;
    let (table, left_out) = unpinned(out.table)?;
    Ok(Publication {
        table,
        log: out.log,
        left_out,
    })
}

/// The note saying which derived columns a publication left out, and why (empty when none).
pub fn left_out_note(left_out: &[String]) -> String {
    if left_out.is_empty() {
        return String::new();
    }
    format!(
        "Left out: {} (rates, shares and their limits, computed from unrounded counts, pin \
         the counts; beside the table's Total or `all` rows they would give a suppressed \
         count back by difference).",
        left_out.join(", ")
    )
}

/// The published table without the derived values that pin its counts when it also publishes
/// a sum of its rows (a margin: a row whose dimension key is null, i.e. Total, or a key cell
/// `all`, as the transition summary's whole cohort), and the columns left out.
///
/// The core computes derived values from unrounded counts, as the spec requires; a rate per
/// million at one decimal over a population below a million, or a share, then gives its row's
/// exact count, and the margin gives a suppressed row's count back by difference
/// (docs/methods/disclosure.md, "Limits"). The columns left out are every derived value
/// relating a count to another (rates, percentages, proportions, ratios: `Derived` of those
/// kinds, which include their `_lower` and `_upper` limits) and a rate's `_method` column
/// (exact below 10 events). Statistics of the people counted (means, medians) stay: they do
/// not relate the count to a published denominator.
pub fn unpinned(published: TableResult) -> Result<(TableResult, Vec<String>)> {
    let table = &published.table;
    let Some(roles) = Roles::of(&table.schema())? else {
        return Ok((published, Vec::new()));
    };
    let column = |c: &str| table.column_by_name(c);
    let margin = |r: usize| {
        roles
            .dimensions
            .iter()
            .filter_map(|d| column(d))
            .any(|c| c.is_null(r))
            || roles
                .keys
                .iter()
                .filter_map(|k| column(k))
                .any(|c| c.is_valid(r) && display(c.as_ref(), r) == "all")
    };
    let margins = (0..table.num_rows()).filter(|&r| margin(r)).count();
    if margins == 0 || margins == table.num_rows() {
        return Ok((published, Vec::new()));
    }
    let mut drop: HashSet<String> = HashSet::new();
    for d in &roles.derived {
        if d.kind != DerivedKind::Mean {
            drop.insert(d.column.clone());
            drop.insert(format!("{}_method", d.column));
        }
    }
    let schema = table.schema();
    let (keep, dropped): (Vec<usize>, Vec<usize>) =
        (0..schema.fields().len()).partition(|&i| !drop.contains(schema.field(i).name()));
    if dropped.is_empty() {
        return Ok((published, Vec::new()));
    }
    let names = dropped
        .iter()
        .map(|&i| schema.field(i).name().clone())
        .collect();
    let table = table
        .project(&keep)
        .map_err(|e| Error::invalid_argument("publish", e.to_string()))?;
    // The roles no longer name the columns left out (a later reader would look for them).
    let mut roles = roles;
    roles.derived.retain(|d| !drop.contains(&d.column));
    let table = roles.annotate(table);
    Ok((TableResult { table, ..published }, names))
}
