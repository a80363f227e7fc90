//! The table entry point: a result (or any table of counts) in, the publishable table and the
//! log out.

use super::audit::{arcs_of, Network};
use super::derived;
use super::hypercube::{self, Column};
use super::log::{LogEntry, Reason};
use super::margins::{Grid, Layout, Source};
use super::rules::{Display, Rule, Secondary, SuppressOn};
use crate::error::{Error, Result};
use crate::table::{
    display, Derived, DerivedKind, Diagnostics, Input, Label, Link, Roles, TableResult,
    DIAGNOSTICS_KEY,
};
use arrow_array::{cast::AsArray, Array, ArrayRef, Float64Array, Int64Array};
use arrow_array::{RecordBatch, UInt32Array};
use arrow_schema::{Field, Schema};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// Options of [`disclose`]. `None` for `counts`, `derived`, `dimensions`, `by` and `national`
/// means "as the table's roles say" (collabmetrics' results carry them; see
/// [`crate::table::Roles`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DisclosureOptions {
    /// The primary rule (default `nhs_mhsds`).
    pub rule: Rule,
    /// The count columns to control.
    pub counts: Option<Vec<String>>,
    /// The values derived from them.
    pub derived: Option<Vec<Derived>>,
    /// The key columns of a one- or two-way table whose margins (rows where a key is null) are
    /// published: added when absent, checked when present, all from unrounded parts.
    pub dimensions: Option<Vec<String>>,
    /// Key columns splitting the rows into separate tables (e.g. the period).
    pub by: Option<Vec<String>>,
    /// A boolean column marking national (England) rows, which are published unchanged.
    pub national: Option<String>,
    /// Secondary suppression (default `auto`).
    pub secondary: Secondary,
    /// When a derived value follows its counts into suppression (default `either`).
    pub suppress_on: SuppressOn,
    /// How a suppressed count reads (default `*`, a null).
    pub display: Display,
    /// Decimals of published percentages (proportions: two more); default the rule's (0 for
    /// the NHS rules, unrounded otherwise). A derived value's own `decimals` wins.
    pub decimals: Option<u32>,
}

impl Default for DisclosureOptions {
    fn default() -> Self {
        DisclosureOptions {
            rule: Rule::NhsMhsds,
            counts: None,
            derived: None,
            dimensions: None,
            by: None,
            national: None,
            secondary: Secondary::Auto,
            suppress_on: SuppressOn::Either,
            display: Display::Star,
            decimals: None,
        }
    }
}

/// The published table and the log of every cell that changed.
#[derive(Debug, Clone)]
pub struct Disclosure {
    /// The publishable table (suppressed cells null, or 5 with `display = "5"`), with
    /// diagnostics counting the cells changed by reason. It never holds an original value.
    pub table: TableResult,
    /// Every changed cell with its original value and reason, and the audit's interval of
    /// each suppressed count. For the analyst only: never publish it.
    pub log: Vec<LogEntry>,
}

/// What the call controls, resolved from the options and the table's roles.
struct Plan {
    counts: Vec<String>,
    derived: Vec<Derived>,
    dims: Vec<String>,
    by: Vec<String>,
    national: Option<String>,
    linked: Vec<Link>,
    labels: Vec<Label>,
    secondary: Secondary,
}

/// One count column over the published rows.
struct Count {
    name: String,
    integer: bool,
    values: Vec<Option<i64>>,
    marks: Vec<Option<Reason>>,
}

/// Publishes `input` under `opts.rule`: national rows unchanged; every sub-national count in
/// the rule's suppressed range suppressed, the others rounded to the rule's base; margins
/// (with `dimensions`) added or checked and controlled from unrounded parts; secondary
/// suppression where the rule does not round (`secondary`); derived values recomputed from
/// unrounded counts where absent, suppressed with their counts and rounded; then the audit of
/// every suppressed count (`docs/methods/disclosure.md`; [`super::audit_two_way`] runs it on
/// a two-way table), which fails, naming the cell, when a primary cell of a table protected
/// by suppression alone can be narrowed below its rule's range (under rounding it only
/// reports the intervals).
///
/// Errors: `display = "5"` under a rule that also publishes some count as 5 (a suppressed
/// cell would read as a real count), a count that is negative or not a whole number, a
/// derived value naming a missing
/// column, three or more dimensions, a hierarchical table or counts bound by sums the table
/// does not lay out when protection needs secondary suppression (use τ-Argus Modular or
/// sdcTable), a primary cell the hypercube cannot protect, an unsafe audit.
pub fn disclose(input: &Input, opts: &DisclosureOptions) -> Result<Disclosure> {
    let plan = plan(input, opts)?;
    let layout = if plan.dims.is_empty() {
        Layout::flat(input.num_rows())
    } else {
        Layout::new(input, &plan.dims, &plan.by)?
    };
    let rows = layout.len();
    let mut national = national_rows(input, &plan, &layout)?;
    if !opts.rule.national_exempt() {
        // A custom rule with `national_exempt = false` controls national rows like the others.
        national.fill(false);
    }
    let mut counts = plan
        .counts
        .iter()
        .map(|c| read_count(input, c, &plan, &layout, opts.rule, &national))
        .collect::<Result<Vec<Count>>>()?;
    // A check between the passes, each over every row (a table of millions of rows takes
    // about a second in all), so a cancellation stops the call soon.
    crate::cancel::check()?;
    let describe = |row: usize| describe_cell(input, &plan, &layout, row);
    if plan.secondary == Secondary::Hypercube {
        check_structure(&plan, &layout, &counts, &describe)?;
        for count in &mut counts {
            for grid in &layout.grids {
                let mut col = Column {
                    values: &count.values,
                    national: &national,
                    marks: &mut count.marks,
                };
                if let Err(row) = hypercube::protect(grid, &mut col) {
                    return Err(cell_error(
                        count,
                        row,
                        format!("cannot protect the cell {}: no complementary cells can hide it; aggregate categories", describe(row)),
                    ));
                }
            }
        }
    }
    let enforce = plan.secondary == Secondary::Hypercube || !opts.rule.rounds();
    let central = opts.display == Display::Central;
    let intervals = audit(&counts, &layout, &national, opts.rule, central, !enforce)?;
    let mut diagnostics = Diagnostics::new();
    let mut log = Vec::new();
    let mut columns: Vec<(String, ArrayRef)> = Vec::new();
    for (c, count) in counts.iter().enumerate() {
        crate::cancel::check()?;
        let (array, entries) =
            publish_count(count, &intervals[c], &national, opts, enforce, &describe)?;
        narrowed(&entries, opts.rule, &mut diagnostics);
        log.extend(entries);
        columns.push((count.name.clone(), array));
    }
    let summed = summed_columns(input, &plan, &layout)?;
    for d in &plan.derived {
        crate::cancel::check()?;
        let (array, entries) =
            publish_derived(input, d, &layout, &counts, &summed, &national, opts)?;
        log.extend(entries);
        columns.push((d.column.clone(), array));
    }
    for (name, (values, integer)) in &summed {
        columns.push((name.clone(), numbers(values, *integer)));
    }
    for label in &plan.labels {
        columns.push((
            label.column.clone(),
            withhold(input, label, &layout, &counts, &mut diagnostics)?,
        ));
    }
    crate::cancel::check()?;
    // A column logs a row at most once, so the keys are distinct and an unstable sort gives
    // the one order without the stable sort's buffer of half the log (a log of millions of
    // rounded cells is hundreds of megabytes).
    log.sort_unstable_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    for e in &log {
        diagnostics.record(e.reason.as_str(), e.reason.action(), Some(e.row));
    }
    diagnostics.add(
        "margin_added",
        "margin row added (the total over a dimension, from unrounded parts)",
        (rows - input.num_rows()) as u64,
        (rows > input.num_rows()).then_some(input.num_rows()),
    );
    crate::cancel::check()?;
    let table = assemble(input, &plan, &layout, columns)?;
    Ok(Disclosure {
        table: TableResult { table, diagnostics },
        log,
    })
}

/// Resolves what to control from the options and the table's roles, and checks the columns.
fn plan(input: &Input, opts: &DisclosureOptions) -> Result<Plan> {
    opts.rule.checked()?;
    let suppresses = opts.rule.suppressed_range().is_some();
    if opts.display == Display::Central && suppresses && opts.rule.publishes(5) {
        let (lo, hi) = opts.rule.known_range(5);
        return Err(Error::invalid_argument(
            "display",
            format!(
                "\"5\" stands for a suppressed count, but the rule {} also publishes the \
                 counts {lo} to {hi} as 5, so a reader could not tell them apart; use \
                 display \"*\", or a rule that publishes no count as 5 (nhs_hes)",
                opts.rule.as_str()
            ),
        ));
    }
    let roles = Roles::of(input.schema())?;
    let counts = match (&opts.counts, &roles) {
        (Some(c), _) if c.is_empty() => {
            return Err(Error::invalid_argument(
                "counts",
                "is empty: name the count columns to control (an empty list would publish \
                 every count as it is)",
            ))
        }
        (Some(c), _) => c.clone(),
        (None, Some(r)) => r.counts.clone(),
        (None, None) => {
            return Err(Error::invalid_argument(
                "counts",
                "the table carries no collabmetrics roles: name its count columns, and in \
                 `derived` every value computed from them (rates, percentages, their limits), \
                 which would otherwise be published as they are and give the counts back",
            ))
        }
    };
    let is_count = |c: &Option<String>| c.as_ref().is_some_and(|c| counts.contains(c));
    let derived = match (&opts.derived, &roles) {
        (Some(d), _) => d.clone(),
        // The roles' derived values whose counts are controlled here.
        (None, Some(r)) => r
            .derived
            .iter()
            .filter(|d| match (d.kind, &d.numerator) {
                (DerivedKind::Mean, _) | (_, None) => counts.contains(&d.denominator),
                _ => is_count(&d.numerator),
            })
            .cloned()
            .collect(),
        (None, None) => Vec::new(),
    };
    let dims = opts
        .dimensions
        .clone()
        .or_else(|| roles.as_ref().map(|r| r.dimensions.clone()))
        .unwrap_or_default();
    let by = opts.by.clone().unwrap_or_else(|| {
        roles.as_ref().map_or_else(Vec::new, |r| {
            r.keys
                .iter()
                .filter(|k| !dims.contains(k))
                .cloned()
                .collect()
        })
    });
    let national = opts
        .national
        .clone()
        .or_else(|| roles.as_ref().and_then(|r| r.national.clone()));
    // A link binds the counts controlled here as long as all its columns are published: one
    // left out of `counts` is published as it is, and still gives a suppressed one back.
    let has = |c: &String| input.schema().column_with_name(c).is_some();
    let linked = roles.as_ref().map_or_else(Vec::new, |r| {
        r.linked
            .iter()
            .filter(|l| l.columns.iter().any(|c| counts.contains(c)) && l.columns.iter().all(has))
            .cloned()
            .collect()
    });
    // The roles' labels of the counts controlled here (a label column selected away leaks
    // nothing).
    let labels = roles.as_ref().map_or_else(Vec::new, |r| {
        r.labels
            .iter()
            .filter(|l| {
                counts.contains(&l.count) && input.schema().column_with_name(&l.column).is_some()
            })
            .cloned()
            .collect()
    });
    let plan = Plan {
        counts,
        derived,
        dims,
        by,
        national,
        linked,
        labels,
        secondary: opts.secondary.resolve(opts.rule),
    };
    check_plan(input, &plan)?;
    Ok(plan)
}

fn check_plan(input: &Input, plan: &Plan) -> Result<()> {
    if plan.dims.len() > 2 {
        return Err(too_complex(&format!(
            "{} dimensions ({})",
            plan.dims.len(),
            plan.dims.join(", ")
        )));
    }
    for c in plan.counts.iter().chain(&plan.dims).chain(&plan.by) {
        input.column(c)?;
    }
    for (i, c) in plan.counts.iter().enumerate() {
        if plan.counts[..i].contains(c) {
            return Err(Error::invalid_argument(
                "counts",
                format!("`{c}` is named twice"),
            ));
        }
        if plan.dims.contains(c) || plan.by.contains(c) {
            return Err(Error::invalid_argument(
                "counts",
                format!("`{c}` is both a count and a key column"),
            ));
        }
    }
    for d in &plan.derived {
        let missing = |role: &str, col: &str| {
            let schema = input.schema().clone();
            Error::MissingColumn {
                table: None,
                column: col.to_owned(),
                mapped: format!(" (the {role} of the derived value `{}`)", d.column),
                available: schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        };
        let has = |c: &str| input.schema().column_with_name(c).is_some();
        if let Some(n) = &d.numerator {
            if !has(n) {
                return Err(missing("numerator", n));
            }
        }
        if !has(&d.denominator) {
            return Err(missing("denominator", &d.denominator));
        }
        // A share or rate comes from its numerator count; a statistic (or a share given
        // without its numerator) from the count of its denominator.
        let counted = match (d.kind, &d.numerator) {
            (DerivedKind::Mean, _) | (_, None) => plan.counts.contains(&d.denominator),
            (_, Some(n)) => plan.counts.contains(n),
        };
        if !counted {
            let what = if d.kind == DerivedKind::Mean || d.numerator.is_none() {
                format!("its denominator `{}`", d.denominator)
            } else {
                format!(
                    "its numerator `{}`",
                    d.numerator.as_deref().unwrap_or("(none given)")
                )
            };
            return Err(Error::invalid_argument(
                "derived",
                format!(
                    "the {} `{}` must come from a count: {what} is not among the counts ({})",
                    d.kind,
                    d.column,
                    plan.counts.join(", ")
                ),
            ));
        }
        if !has(&d.column) && d.kind == DerivedKind::Mean && d.numerator.is_none() {
            return Err(Error::MissingColumn {
                table: None,
                column: d.column.clone(),
                mapped: " (a derived mean without a numerator cannot be computed)".into(),
                available: String::new(),
            });
        }
        if has(&d.column) && (plan.counts.contains(&d.column) || plan.dims.contains(&d.column)) {
            return Err(Error::invalid_argument(
                "derived",
                format!("`{}` is both a derived value and a count or key", d.column),
            ));
        }
        if let Some(m) = d.min_denominator {
            if !(m.is_finite() && m >= 0.0) {
                return Err(Error::invalid_argument(
                    "min_denominator",
                    format!("must be finite and ≥ 0, got {m} (derived `{}`)", d.column),
                ));
            }
        }
        if let Some(m) = d.multiplier {
            // A negative scale would publish negative percentages; an infinite one nothing.
            if !(m.is_finite() && m > 0.0) {
                return Err(Error::invalid_argument(
                    "multiplier",
                    format!("must be finite and > 0, got {m} (derived `{}`)", d.column),
                ));
            }
        }
    }
    Ok(())
}

/// The error for tables beyond what the hypercube and the audit handle.
fn too_complex(what: &str) -> Error {
    Error::invalid_argument(
        "dimensions",
        format!(
            "the table is too complex for collabmetrics' secondary suppression ({what}): protect it with τ-Argus (Modular) or sdcTable (SIMPLEHEURISTIC or GAUSS), or publish one- and two-way tables"
        ),
    )
}

/// Hierarchies and linked counts cannot be protected by the two-way hypercube.
fn check_structure(
    plan: &Plan,
    layout: &Layout,
    counts: &[Count],
    describe: &dyn Fn(usize) -> String,
) -> Result<()> {
    let any_primary = counts
        .iter()
        .any(|c| c.marks.contains(&Some(Reason::PrimarySmall)));
    if !any_primary {
        return Ok(());
    }
    if let Some(link) = plan.linked.first() {
        let raw: Vec<&str> = link
            .columns
            .iter()
            .filter(|c| !plan.counts.contains(c))
            .map(String::as_str)
            .collect();
        let raw = match raw.as_slice() {
            [] => String::new(),
            r => format!(
                " (not among the counts, so published as it is: {})",
                r.join(", ")
            ),
        };
        return Err(too_complex(&format!(
            "the counts {} are linked{raw}: {}",
            link.columns.join(", "),
            link.note
        )));
    }
    for g in &layout.grids {
        if g.nested() {
            let row = g.present().map(|(_, _, r)| r).next().unwrap_or(0);
            return Err(too_complex(&format!(
                "`{}` is nested in `{}` (a hierarchy), in the table of {}",
                plan.dims[1],
                plan.dims[0],
                describe(row)
            )));
        }
    }
    Ok(())
}

/// National flags by published row (added margins are not national).
fn national_rows(input: &Input, plan: &Plan, layout: &Layout) -> Result<Vec<bool>> {
    let Some(name) = &plan.national else {
        return Ok(vec![false; layout.len()]);
    };
    let col = input.column(name)?;
    let flags = col.as_boolean_opt().ok_or_else(|| {
        Error::column_type(
            input.name(name),
            "boolean (true for national rows)",
            crate::table::type_name(col.data_type()),
        )
    })?;
    Ok(layout
        .sources
        .iter()
        .map(|s| match s {
            Source::Input(r) => flags.is_valid(*r) && flags.value(*r),
            Source::Margin { .. } => false,
        })
        .collect())
}

/// A count column as whole numbers (nulls stay missing), checked, with its margins, and its
/// primary marks.
fn read_count(
    input: &Input,
    name: &str,
    plan: &Plan,
    layout: &Layout,
    rule: Rule,
    national: &[bool],
) -> Result<Count> {
    // A margin the call adds is no row of the input: it is named by its keys.
    let added = |row: usize, message: String| Error::InvalidGroup {
        group: cell_key(input, plan, layout, row).unwrap_or_else(|| format!("row {row}")),
        message: format!("`{}`: {message}", input.name(name)),
    };
    let (values, integer) = count_values(input, name)?;
    let (spread, mismatch) = layout.with_margins(&values);
    if let Some((row, given, sum)) = mismatch {
        return Err(Error::cell(
            input.name(name),
            row,
            given.map_or_else(|| "null".to_owned(), crate::error::format_value),
            match sum {
                Some(s) => format!("a margin (a row whose dimension key is null) must equal the sum of its parts, {s}"),
                None => "a margin (a row whose dimension key is null) must equal the sum of its parts, and a part is missing".to_owned(),
            },
        ));
    }
    // Parts up to 9e15 are exact, and so is every sum up to it; an added margin beyond it
    // would not be.
    if let Some(row) = spread.iter().position(|v| v.is_some_and(|v| v > MAX_COUNT)) {
        let value = crate::error::format_value(spread[row].unwrap_or_default());
        let rule = "a margin must be at most 9e15 (so that it is exact)";
        return Err(if row < input.num_rows() {
            Error::cell(input.name(name), row, value, rule)
        } else {
            added(row, format!("the added margin would be {value}; {rule}"))
        });
    }
    let values: Vec<Option<i64>> = spread.iter().map(|v| v.map(|v| v as i64)).collect();
    if let Some(row) = (0..values.len()).find(|&r| values[r].is_none() && r >= input.num_rows()) {
        return Err(added(
            row,
            "a margin cannot be added when a part of it is missing".to_owned(),
        ));
    }
    let marks = values
        .iter()
        .zip(national)
        .map(|(v, &nat)| match v {
            Some(v) if !nat && rule.suppresses(*v as u64) => Some(Reason::PrimarySmall),
            _ => None,
        })
        .collect();
    Ok(Count {
        name: name.to_owned(),
        integer,
        values,
        marks,
    })
}

/// The largest count `disclose` reads: below 2^53, so counts and their sums are exact.
pub(crate) const MAX_COUNT: f64 = 9.0e15;

/// The input's counts (nulls and NaN `None`), refusing negatives, fractions, non-numbers and
/// counts above [`MAX_COUNT`].
fn count_values(input: &Input, name: &str) -> Result<(Vec<Option<f64>>, bool)> {
    let col = input.column(name)?;
    let shown = input.name(name);
    let integer = crate::table::value_type(col.data_type()).is_integer();
    if !crate::table::holds_numbers(col.data_type()) {
        return Err(Error::column_type(
            shown,
            "counts (integers, or floats or decimals holding whole numbers)",
            crate::table::type_name(col.data_type()),
        ));
    }
    let numbers = input.f64s_or_nan(name)?;
    let mut out = Vec::with_capacity(numbers.len());
    for (row, &v) in numbers.iter().enumerate() {
        // NaN is a missing value, as everywhere.
        if crate::table::is_null_at(col.as_ref(), row) || v.is_nan() {
            out.push(None);
            continue;
        }
        if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
            return Err(Error::cell(
                shown,
                row,
                crate::error::format_value(v),
                "counts must be whole numbers >= 0",
            ));
        }
        if v > MAX_COUNT {
            return Err(Error::cell(
                shown,
                row,
                crate::error::format_value(v),
                "counts must be at most 9e15 (so that every sum of them is exact)",
            ));
        }
        out.push(Some(v));
    }
    Ok((out, integer))
}

/// Audit intervals by count column and published row.
type Intervals = Vec<Vec<Option<(f64, f64)>>>;

/// The attacker's interval of every suppressed count, by count column and published row.
/// `flow_bounds`: only reported (under rounding), so bounds come from maximum flows; else
/// every bound not attained is a linear programme's optimum.
fn audit(
    counts: &[Count],
    layout: &Layout,
    national: &[bool],
    rule: Rule,
    central: bool,
    flow_bounds: bool,
) -> Result<Intervals> {
    let jobs: Vec<(usize, usize)> = (0..counts.len())
        .flat_map(|c| (0..layout.grids.len()).map(move |g| (c, g)))
        .filter(|&(c, g)| {
            layout.grids[g]
                .present()
                .any(|(_, _, r)| counts[c].marks[r].is_some())
        })
        .collect();
    // Checked per table and, within one, per suppressed cell (`Network::intervals`): a month's
    // table is audited in well under 100 ms, but a wide two-way table of small counts takes
    // seconds (every cell of 40 × 40 suppressed: 19 s), and a cancellation stops it too.
    let token = crate::cancel::current();
    let found = jobs
        .par_iter()
        .map(|&(c, g)| {
            crate::cancel::scope_opt(token.as_ref(), || {
                crate::cancel::check()?;
                let grid = &layout.grids[g];
                let count = &counts[c];
                let rows: Vec<usize> = grid.present().map(|(_, _, r)| r).collect();
                let (n_nodes, arcs) = arcs_of(grid);
                let complement = rows
                    .iter()
                    .any(|&r| count.marks[r] == Some(Reason::SecondaryComplement));
                let filled = filled(count, grid);
                let (mut lo, mut hi, mut x) = (Vec::new(), Vec::new(), Vec::new());
                for &r in &rows {
                    x.push(filled[&r] as f64);
                    let (l, h) = match count.values[r] {
                        Some(v) => known(count, r, v, national[r], rule, complement, central),
                        // A missing count is published missing: the attacker knows nothing of it.
                        None => (0.0, f64::INFINITY),
                    };
                    lo.push(l);
                    hi.push(h);
                }
                let net = Network {
                    n_nodes,
                    arcs,
                    x,
                    lo,
                    hi,
                };
                let audited: Vec<usize> = (0..rows.len())
                    .filter(|&a| count.marks[rows[a]].is_some())
                    .collect();
                let iv = net.intervals(&audited, flow_bounds)?;
                Ok(audited
                    .into_iter()
                    .map(|a| rows[a])
                    .zip(iv)
                    .collect::<Vec<_>>())
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out: Intervals = counts.iter().map(|c| vec![None; c.values.len()]).collect();
    for (&(c, _), cells) in jobs.iter().zip(found) {
        for (r, iv) in cells {
            out[c][r] = Some(iv);
        }
    }
    // Counts outside any table: what the rule says of them.
    let own = suppressed_bounds(rule);
    for (c, count) in counts.iter().enumerate() {
        for (r, m) in count.marks.iter().enumerate() {
            if m.is_some() && out[c][r].is_none() {
                out[c][r] = Some(own);
            }
        }
    }
    Ok(out)
}

/// A table the audit can start from, by published row: a missing count taken as 0, and a
/// missing margin (every margin over a missing part is missing) as the sum of its parts, so
/// that every sum holds. Missing cells are unknowns of the programme, not zeros.
fn filled(count: &Count, grid: &Grid) -> HashMap<usize, i64> {
    let mut x: HashMap<usize, i64> = grid
        .present()
        .map(|(_, _, r)| (r, count.values[r].unwrap_or(0)))
        .collect();
    for (total, parts) in grid.sums() {
        if count.values[total].is_none() {
            let sum = parts.iter().map(|p| x[p]).sum();
            x.insert(total, sum);
        }
    }
    x
}

/// The rule's suppressed range as bounds.
fn suppressed_bounds(rule: Rule) -> (f64, f64) {
    rule.suppressed_range()
        .map_or((0.0, 0.0), |(lo, hi)| (lo as f64, hi as f64))
}

/// What the attacker knows of the count at row `r` (true value `v`); `complement`: the table
/// has complements; `central`: the display shows a primary as 5 (and a complement as null).
fn known(
    count: &Count,
    r: usize,
    v: i64,
    national: bool,
    rule: Rule,
    complement: bool,
    central: bool,
) -> (f64, f64) {
    if national {
        return (v as f64, v as f64);
    }
    if let Some(reason) = count.marks[r] {
        let (lo, hi) = suppressed_bounds(rule);
        return match (complement, central, reason) {
            (false, _, _) => (lo, hi),
            // The central display tells them apart: a 5 is a primary, in the rule's range; a
            // null is a complement, which is never zero.
            (true, true, Reason::PrimarySmall) => (lo, hi),
            (true, true, _) => (1.0, f64::INFINITY),
            // Under `*` the attacker cannot tell a primary from a complement, so no upper
            // bound; but both are >= 1 when the rule publishes zeros (complements are never
            // zero), which is a bound the attacker has.
            (true, false, _) => (lo, f64::INFINITY),
        };
    }
    match rule.publish(v as u64) {
        Some(p) if rule.base() > 1 => {
            let (lo, hi) = rule.known_range(p);
            (lo as f64, hi as f64)
        }
        _ => (v as f64, v as f64),
    }
}

/// A cell error on a count.
fn cell_error(count: &Count, row: usize, rule: String) -> Error {
    let value = count.values[row].map_or_else(|| "null".to_owned(), |v| v.to_string());
    Error::cell(&count.name, row, value, rule)
}

/// The published count column and its log entries; fails on an unsafe primary cell when the
/// table is protected by suppression.
fn publish_count(
    count: &Count,
    intervals: &[Option<(f64, f64)>],
    national: &[bool],
    opts: &DisclosureOptions,
    enforce: bool,
    describe: &dyn Fn(usize) -> String,
) -> Result<(ArrayRef, Vec<LogEntry>)> {
    let rule = opts.rule;
    let range = rule.suppressed_range();
    let column: std::sync::Arc<str> = count.name.as_str().into();
    let mut log = Vec::new();
    let mut out = Vec::with_capacity(count.values.len());
    for (r, v) in count.values.iter().enumerate() {
        let Some(v) = *v else {
            out.push(None);
            continue;
        };
        if national[r] {
            out.push(Some(v as f64));
            continue;
        }
        if let Some(reason) = count.marks[r] {
            let iv = intervals[r];
            if enforce && reason == Reason::PrimarySmall {
                if let (Some((lo, hi)), Some((s_lo, s_hi))) = (iv, range) {
                    if lo > s_lo as f64 || hi < s_hi as f64 {
                        let advice = if opts.secondary.resolve(rule) == Secondary::Hypercube {
                            "the hypercube's secondary suppression was applied and is not enough: aggregate categories, or protect the table with τ-Argus (Modular) or sdcTable"
                        } else {
                            "protect it with secondary suppression (secondary=\"hypercube\") or aggregate categories"
                        };
                        return Err(cell_error(
                            count,
                            r,
                            format!(
                                "disclosive: an attacker can narrow the suppressed cell {} to [{lo}, {hi}], which does not cover the rule's suppressed range [{s_lo}, {s_hi}]; {advice}",
                                describe(r)
                            ),
                        ));
                    }
                }
            }
            // The central value stands for a count in the suppressed range; a complement is
            // any size, so it is null whatever the display.
            let shown = match (opts.display, reason) {
                (Display::Central, Reason::PrimarySmall) => Some(5.0),
                _ => None,
            };
            out.push(shown);
            log.push(LogEntry {
                row: r,
                column: column.clone(),
                original: v as f64,
                published: shown,
                reason,
                audit_lower: iv.map(|i| i.0),
                audit_upper: iv.map(|i| i.1),
            });
            continue;
        }
        let p = rule.publish(v as u64).unwrap_or(v as u64) as f64;
        if p != v as f64 {
            log.push(LogEntry {
                row: r,
                column: column.clone(),
                original: v as f64,
                published: Some(p),
                reason: Reason::Rounded,
                audit_lower: None,
                audit_upper: None,
            });
        }
        out.push(Some(p));
    }
    Ok((numbers(&out, count.integer), log))
}

/// Counts the primary cells whose audit interval is narrower than the rule's range (reported,
/// not refused, under rounding: test D11 of the spec).
fn narrowed(entries: &[LogEntry], rule: Rule, diagnostics: &mut Diagnostics) {
    let Some((s_lo, s_hi)) = rule.suppressed_range() else {
        return;
    };
    for e in entries {
        if e.reason == Reason::PrimarySmall {
            if let (Some(lo), Some(hi)) = (e.audit_lower, e.audit_upper) {
                if lo > s_lo as f64 || hi < s_hi as f64 {
                    diagnostics.record(
                        "audit_narrowed",
                        "suppressed count narrowed by the published cells and margins (see the log's audit interval)",
                        Some(e.row),
                    );
                }
            }
        }
    }
}

/// A column summed into added margins: name, (values by published row, integer column).
type Summed = (String, (Vec<Option<f64>>, bool));

/// Numerators and denominators of derived values that are not counts (e.g. populations):
/// summed into added margins.
fn summed_columns(input: &Input, plan: &Plan, layout: &Layout) -> Result<Vec<Summed>> {
    if layout.len() == input.num_rows() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = Vec::new();
    for d in &plan.derived {
        for c in d.numerator.iter().chain(std::iter::once(&d.denominator)) {
            if !plan.counts.contains(c) && !names.contains(c) {
                names.push(c.clone());
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            let col = input.column(&name)?;
            let integer = col.data_type().is_integer();
            let v = input.f64s_or_nan(&name)?;
            let values: Vec<Option<f64>> = v.iter().map(|x| (!x.is_nan()).then_some(*x)).collect();
            let (spread, _) = layout.with_margins(&values);
            Ok((name, (spread, integer)))
        })
        .collect()
}

/// The published values of one derived column.
fn publish_derived(
    input: &Input,
    d: &Derived,
    layout: &Layout,
    counts: &[Count],
    summed: &[Summed],
    national: &[bool],
    opts: &DisclosureOptions,
) -> Result<(ArrayRef, Vec<LogEntry>)> {
    let count = |name: &str| counts.iter().find(|c| c.name == name);
    let unrounded = |name: &str| -> Result<Vec<Option<f64>>> {
        if let Some(c) = count(name) {
            return Ok(c.values.iter().map(|v| v.map(|v| v as f64)).collect());
        }
        if let Some((_, (v, _))) = summed.iter().find(|(n, _)| n == name) {
            return Ok(v.clone());
        }
        let v = input.f64s_or_nan(name)?;
        Ok(layout
            .sources
            .iter()
            .map(|s| match s {
                Source::Input(r) => (!v[*r].is_nan()).then_some(v[*r]),
                Source::Margin { .. } => None,
            })
            .collect())
    };
    // The rows `disclose` computes (every row, or the added margins: sums of every row) divide
    // these columns: each value present must be one it can divide (counts are checked).
    let own = input.schema().column_with_name(&d.column).is_some();
    if !own || layout.len() > input.num_rows() {
        let roles = d.numerator.iter().map(|n| ("numerator", n));
        for (role, name) in roles.chain([("denominator", &d.denominator)]) {
            if count(name).is_none() {
                check_derived_input(input, d, role, name)?;
            }
        }
    }
    let num = d.numerator.as_deref().map(unrounded).transpose()?;
    let den = unrounded(&d.denominator)?;
    // A confidence limit is not numerator / denominator: an added margin's limit (which needs
    // the interval's own method) is left null rather than published as the margin's value.
    let limit = derived::is_limit(&d.column);
    let computed = |r: usize| {
        (!limit)
            .then(|| derived::compute(d, num.as_ref().and_then(|n| n[r]), den[r]))
            .flatten()
    };
    let original: Vec<Option<f64>> = if input.schema().column_with_name(&d.column).is_some() {
        let own = input.f64s_or_nan(&d.column)?;
        layout
            .sources
            .iter()
            .enumerate()
            .map(|(r, s)| match s {
                Source::Input(i) => (!own[*i].is_nan()).then_some(own[*i]),
                Source::Margin { .. } => computed(r),
            })
            .collect()
    } else {
        (0..layout.len()).map(computed).collect()
    };
    let marks = |name: &Option<String>| name.as_deref().and_then(count).map(|c| c.marks.as_slice());
    let inputs = derived::Inputs {
        spec: d,
        original,
        numerator: marks(&d.numerator),
        denominator: marks(&Some(d.denominator.clone())),
        numerator_values: num.as_deref(),
        denominator_values: &den,
        national,
        input_rows: input.num_rows(),
    };
    let (values, log) = derived::publish(&inputs, opts.rule, opts.suppress_on, opts.decimals)
        .map_err(|row| {
            Error::cell(
                input.name(&d.denominator),
                row,
                "0",
                format!(
                    "the denominator of the derived value `{}` must be > 0 (a {} over 0 is undefined) unless its counts suppress it",
                    d.column, d.kind
                ),
            )
        })?;
    Ok((Arc::new(Float64Array::from(values)) as ArrayRef, log))
}

/// A label column over the published rows: the input's value where its count is published,
/// null where the count is suppressed (counted under `label_withheld`) and in added margins
/// (nothing labels a total).
fn withhold(
    input: &Input,
    label: &Label,
    layout: &Layout,
    counts: &[Count],
    diagnostics: &mut Diagnostics,
) -> Result<ArrayRef> {
    let col = input.column(&label.column)?;
    let marks = counts
        .iter()
        .find(|c| c.name == label.count)
        .map(|c| c.marks.as_slice())
        .unwrap_or_default();
    let suppressed = |r: usize| {
        marks
            .get(r)
            .copied()
            .flatten()
            .is_some_and(Reason::suppresses)
    };
    let (mut withheld, mut first) = (0u64, None);
    let idx: UInt32Array = layout
        .sources
        .iter()
        .enumerate()
        .map(|(r, s)| match s {
            Source::Input(i) if suppressed(r) => {
                if col.is_valid(*i) {
                    withheld += 1;
                    first = first.or(Some(r));
                }
                None
            }
            Source::Input(i) => Some(*i as u32),
            Source::Margin { .. } => None,
        })
        .collect();
    if withheld > 0 {
        diagnostics.add(
            "label_withheld",
            "label or flag left null: its count is suppressed",
            withheld,
            first,
        );
    }
    arrow_select::take::take(col.as_ref(), &idx, None)
        .map_err(|e| Error::invalid_argument("table", e.to_string()))
}

/// A numerator or denominator (not a count) that `disclose` divides: every value present
/// finite, and not negative unless it is the numerator of a mean (a sum of values).
fn check_derived_input(input: &Input, d: &Derived, role: &str, name: &str) -> Result<()> {
    let col = input.column(name)?;
    let nulls = col.logical_nulls();
    let signed = role == "numerator" && d.kind == DerivedKind::Mean;
    for (row, &v) in input.f64s_or_nan(name)?.iter().enumerate() {
        let present = nulls.as_ref().is_none_or(|n| n.is_valid(row));
        if present && !(v.is_finite() && (signed || v >= 0.0)) {
            return Err(Error::cell(
                input.name(name),
                row,
                crate::error::format_value(v),
                format!(
                    "the {role} of the derived value `{}` must be finite{}",
                    d.column,
                    if signed { "" } else { " and >= 0" }
                ),
            ));
        }
    }
    Ok(())
}

/// Whole-number or float values as an Int64 or Float64 array (nulls where `None`).
fn numbers(values: &[Option<f64>], integer: bool) -> ArrayRef {
    if integer {
        Arc::new(Int64Array::from_iter(
            values.iter().map(|v| v.map(|v| v as i64)),
        ))
    } else {
        Arc::new(Float64Array::from(values.to_vec()))
    }
}

/// A cell named by its keys, e.g. `place=X, ethnicity=(total), period_start=2024-01-01`.
fn describe_cell(input: &Input, plan: &Plan, layout: &Layout, row: usize) -> String {
    match cell_key(input, plan, layout, row) {
        Some(key) => format!("at row {row} ({key})"),
        None => format!("at row {row}"),
    }
}

/// The dimension and `by` values of published row `row` (`(total)` for a margin's), as
/// `name=value, …`; `None` without dimensions or for a row the layout does not have.
fn cell_key(input: &Input, plan: &Plan, layout: &Layout, row: usize) -> Option<String> {
    let (src, keep) = match layout.sources.get(row)? {
        Source::Input(r) => (*r, [true, true]),
        Source::Margin { rep, keep } => (*rep, *keep),
    };
    let mut parts = Vec::new();
    for (d, name) in plan.dims.iter().enumerate() {
        let Ok(col) = input.column(name) else {
            continue;
        };
        let v = if keep[d] && !crate::table::is_null_at(col.as_ref(), src) {
            display(col.as_ref(), src)
        } else {
            "(total)".to_owned()
        };
        parts.push(format!("{name}={v}"));
    }
    for name in &plan.by {
        if let Ok(col) = input.column(name) {
            parts.push(format!("{name}={}", display(col.as_ref(), src)));
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The published table: the input's columns (controlled ones replaced), then the derived
/// values the input did not have; added margins carry their keys and nulls elsewhere.
fn assemble(
    input: &Input,
    plan: &Plan,
    layout: &Layout,
    controlled: Vec<(String, ArrayRef)>,
) -> Result<RecordBatch> {
    let batch = input.batch()?;
    let schema = batch.schema();
    let dim_index = |name: &str| plan.dims.iter().position(|d| d == name);
    let take_rows = |keep_key: &dyn Fn(&Source) -> Option<usize>| -> UInt32Array {
        layout
            .sources
            .iter()
            .map(|s| keep_key(s).map(|r| r as u32))
            .collect()
    };
    let plain = take_rows(&|s| match s {
        Source::Input(r) => Some(*r),
        Source::Margin { .. } => None,
    });
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    let mut used = vec![false; controlled.len()];
    for (f, col) in schema.fields().iter().zip(batch.columns()) {
        if let Some(k) = controlled.iter().position(|(n, _)| n == f.name()) {
            used[k] = true;
            let a = controlled[k].1.clone();
            fields.push(Field::new(f.name(), a.data_type().clone(), true));
            columns.push(a);
            continue;
        }
        let idx = if plan.by.contains(f.name()) {
            take_rows(&|s| match s {
                Source::Input(r) => Some(*r),
                Source::Margin { rep, .. } => Some(*rep),
            })
        } else if let Some(d) = dim_index(f.name()) {
            take_rows(&|s| match s {
                Source::Input(r) => Some(*r),
                Source::Margin { rep, keep } => keep[d].then_some(*rep),
            })
        } else if layout.len() == input.num_rows() {
            columns.push(col.clone());
            fields.push(f.as_ref().clone());
            continue;
        } else {
            plain.clone()
        };
        let a = arrow_select::take::take(col.as_ref(), &idx, None)
            .map_err(|e| Error::invalid_argument("table", e.to_string()))?;
        fields.push(
            Field::new(f.name(), a.data_type().clone(), true).with_metadata(f.metadata().clone()),
        );
        columns.push(a);
    }
    for (k, (name, a)) in controlled.into_iter().enumerate() {
        if !used[k] {
            fields.push(Field::new(&name, a.data_type().clone(), true));
            columns.push(a);
        }
    }
    let mut metadata = schema.metadata().clone();
    metadata.remove(DIAGNOSTICS_KEY);
    let table = RecordBatch::try_new(
        Arc::new(Schema::new_with_metadata(fields, metadata)),
        columns,
    )
    .map_err(|e| Error::invalid_argument("table", e.to_string()))?;
    let roles = Roles {
        counts: plan.counts.clone(),
        derived: plan.derived.clone(),
        keys: plan.dims.iter().chain(&plan.by).cloned().collect(),
        dimensions: plan.dims.clone(),
        national: plan.national.clone(),
        linked: plan.linked.clone(),
        labels: plan.labels.clone(),
    };
    Ok(roles.annotate(table))
}
