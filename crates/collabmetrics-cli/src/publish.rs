//! `--publish [RULE]`: controlled tables for publication (`collabmetrics::disclosure`), for
//! every metric command and the demo report. Suppressed cells print as `*` in CSV and text
//! (null in JSON); the log of what changed is never written with the table.

use crate::demo::DemoArgs;
use crate::report::{Cell, Report, Section};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, Field, Schema};
use collabmetrics::disclosure::{left_out_note, LogEntry, Rule};
use collabmetrics::distance::{self, SummaryTableOptions};
use collabmetrics::oap::{self, month_of, OapOptions, Window};
use collabmetrics::table::{ColumnMap, Input, Roles, TableResult};
use collabmetrics::transition::{self, Tables, TransitionOptions};
use collabmetrics::{Error, Result};
use collabmetrics_demo::{self as demo, DemoOptions};
use std::collections::HashSet;
use std::sync::Arc;

/// The columns of a published section of OAP measures by `group`.
fn oap_columns(group: &str) -> [&str; 8] {
    [
        "period_end",
        group,
        "started",
        "ended",
        "active_at_end",
        "bed_days",
        "rate_started",
        "proportion_bed_days",
    ]
}

/// The columns of a published transition summary's section.
const TRANSITION_COLUMNS: &[&str] = &[
    "cohort",
    "metric",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
];

/// The rule of `--publish [RULE]` (`None`: not publishing; the flag alone: the default rule).
pub fn rule(arg: &Option<Option<String>>) -> std::result::Result<Option<Rule>, String> {
    match arg {
        None => Ok(None),
        Some(None) => Ok(Some(Rule::default())),
        Some(Some(name)) => name
            .parse()
            .map(Some)
            .map_err(|e: Error| format!("--publish: {e}")),
    }
}

/// A result published under `rule` (`collabmetrics::disclosure::publish`): the controlled
/// table, the cells the rule suppressed, and the derived columns left out.
pub fn publish(
    result: &TableResult,
    rule: Rule,
) -> Result<(TableResult, Vec<LogEntry>, Vec<String>)> {
    let batch = result.table.clone();
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new())?;
    let p = collabmetrics::disclosure::publish(&input, rule)?;
    Ok((p.table, p.log, p.left_out))
}

/// The table with every column holding a suppressed cell as text, `*` where suppressed (for
/// CSV and text output: a blank would read as missing).
pub fn starred(batch: &RecordBatch, log: &[LogEntry]) -> RecordBatch {
    let hidden: HashSet<(usize, &str)> = log
        .iter()
        .filter(|e| e.reason.suppresses())
        .map(|e| (e.row, &*e.column))
        .collect();
    let schema = batch.schema();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (f, col) in schema.fields().iter().zip(batch.columns()) {
        let name = f.name().as_str();
        if !(0..batch.num_rows()).any(|r| hidden.contains(&(r, name))) {
            fields.push(f.as_ref().clone());
            columns.push(col.clone());
            continue;
        }
        // The other cells as the CSV writer prints the column when nothing in it is
        // suppressed (a float 40 stays `40.0`), so a column reads the same either way.
        // (A type the formatter does not know keeps the library's display; its stars stay.)
        let format = ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default()).ok();
        let text: StringArray = (0..batch.num_rows())
            .map(|r| {
                if hidden.contains(&(r, name)) {
                    Some("*".to_owned())
                } else {
                    (!col.is_null(r)).then(|| match &format {
                        Some(f) => f.value(r).to_string(),
                        None => collabmetrics::table::display(col.as_ref(), r),
                    })
                }
            })
            .collect();
        fields.push(Field::new(name, DataType::Utf8, true));
        columns.push(Arc::new(text));
    }
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    // Same row count in every column: only types changed.
    RecordBatch::try_new(Arc::new(schema), columns).unwrap_or_else(|_| batch.clone())
}

/// A cell of the report as text (`None` for null): whole numbers without decimals, others as
/// written.
fn cell(col: &dyn Array, r: usize) -> Option<String> {
    if col.is_null(r) {
        return None;
    }
    Some(match col.data_type() {
        DataType::Int64 => col.as_primitive::<Int64Type>().value(r).to_string(),
        DataType::Float64 => {
            let v = col.as_primitive::<Float64Type>().value(r);
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            }
        }
        _ => collabmetrics::table::display(col, r),
    })
}

/// `collabmetrics demo --publish`: the demo's main result tables as they may be published.
pub fn demo_report(args: &DemoArgs, rule: Rule) -> Result<Report> {
    let opts = DemoOptions {
        seed: args.seed,
        scale: args.scale,
        ..DemoOptions::default()
    };
    let data = demo::try_generate(&opts)?;
    let end = opts.data_end();
    let start = oap::month_start(month_of(end) - 11);
    let batch_input = crate::demo::input;
    let mut sections = Vec::new();

    // OAPs by place over rolling quarters, with rates per million and shares of admissions.
    let mut o = OapOptions::new(start, end);
    o.window = Window::Rolling3m;
    o.by = vec!["place".into()];
    o.data_cutoff = Some(end);
    o.confidence = args.confidence;
    let population = crate::demo::population_by_place(&data)?;
    let oaps = oap::measures(
        &batch_input(&data.placements)?,
        &o,
        Some(&batch_input(&population)?),
        Some(&batch_input(&data.admissions)?),
    )?;
    sections.push(section(
        "published-oap",
        "Inappropriate out-of-area placements by place, rolling 3 months (published)",
        &oaps,
        rule,
        &oap_columns("place"),
    )?);

    // Placements started in the last month by place and ethnicity: a two-way table with margins.
    let mut o = OapOptions::new(oap::month_start(month_of(end)), end);
    o.by = vec!["place".into(), "ethnicity".into()];
    o.data_cutoff = Some(end);
    let two_way = oap::measures(&batch_input(&data.placements)?, &o, None, None)?;
    sections.push(section(
        "published-oap-ethnicity",
        "Placements started in the last month by place and ethnicity, with totals (published)",
        &two_way,
        rule,
        &["place", "ethnicity", "started", "bed_days"],
    )?);

    // Travel distance of the year's placements by place.
    let with_km = crate::demo::with_distance(&data.placements)?;
    let mut d = SummaryTableOptions {
        distance: "distance_km".into(),
        by: vec!["place".into()],
        ..SummaryTableOptions::default()
    };
    d.options.confidence = args.confidence;
    let km = distance::distance_summary_table(&batch_input(&with_km)?, &d)?;
    sections.push(section(
        "published-distance",
        "Travel distance of placements by place, whole period (published)",
        &km,
        rule,
        &["place", "count", "median", "count_beyond", "share_beyond"],
    )?);

    // Transition: every metric for the whole cohort and by place.
    let persons = batch_input(&data.persons)?;
    let referrals = batch_input(&data.referrals)?;
    let contacts = batch_input(&data.contacts)?;
    let plans = batch_input(&data.care_plans)?;
    let tables = Tables {
        persons: &persons,
        referrals: &referrals,
        contacts: &contacts,
        care_plans: Some(&plans),
    };
    let mut t = TransitionOptions::new(end);
    t.confidence = args.confidence;
    t.by = Some(vec!["place".into()]);
    let summary = transition::summary(&tables, &t)?;
    sections.push(section(
        "published-transition",
        "Transition metrics by place (published)",
        &summary,
        rule,
        TRANSITION_COLUMNS,
    )?);

    Ok(Report {
        title: format!("collabmetrics demo: tables for publication under the rule {rule}"),
        note: format!(
            "SYNTHETIC DATA (seed {}, scale {}). Every count is controlled: below the rule's threshold shown *, the others rounded to its base; totals from unrounded parts; rates and percentages from unrounded counts, suppressed with their counts, and left out of every table with Total rows (there they would give a suppressed count back by difference).",
            opts.seed, opts.scale
        ),
        synthetic: true,
        warning: None,
        sections,
        tables: Default::default(),
    })
}

/// What `report --publish` says about the parts of the report it leaves out.
pub const REPORT_LEFT_OUT: &str = "Charts are left out: a chart cannot be read with suppressed or rounded points, and its tooltips would show the unrounded counts. So are the sections with no published form: the SPC charts, the funnel plots, the continuity gap's quartiles and the Kaplan-Meier curve (control the counts behind them before they leave the secure environment).";

/// `collabmetrics report --publish`: the report's tables from the analyst's extracts as they
/// may be published, under `rule`. `summary` is the transition summary, when the report has
/// the transition inputs.
pub fn collab_sections(
    d: &crate::collab::Oap,
    summary: Option<&TableResult>,
    rule: Rule,
) -> Result<Vec<Section>> {
    let g = d.group.as_str();
    let mut sections = Vec::new();
    // A null group is a group here ("(not recorded)"), not a margin: `disclose` reads a null
    // key as one.
    let named = |r: TableResult, others: &[&str]| -> Result<TableResult> {
        let mut r = relabel(r, g, &d.null_label)?;
        for c in others {
            let texts: Vec<String> = r
                .table
                .column_by_name(c)
                .map(|col| {
                    (0..col.len())
                        .filter(|&i| col.is_valid(i))
                        .map(|i| collabmetrics::table::display(col.as_ref(), i))
                        .collect()
                })
                .unwrap_or_default();
            r = relabel(r, c, &crate::collab::null_label(&texts))?;
        }
        Ok(r)
    };
    let o = d.options(d.year_start(), Window::Rolling3m, &[g]);
    let oaps = named(d.measures(&o, true, true)?, &[])?;
    sections.push(section(
        "published-oap",
        &format!(
            "Inappropriate out-of-area placements by {}, rolling 3 months, {} (published)",
            g.replace('_', " "),
            d.year()
        ),
        &oaps,
        rule,
        &oap_columns(g),
    )?);
    if let Some(receiving) = &d.receiving {
        let o = d.options(d.end, Window::Rolling12m, &[g, receiving]);
        let flows = named(d.measures(&o, false, false)?, &[receiving])?;
        sections.push(section(
            "published-flows",
            &format!(
                "Flows: placements by {} and receiving provider, {}, with totals (published)",
                g.replace('_', " "),
                d.year()
            ),
            &flows,
            rule,
            &[g, receiving, "started", "bed_days"],
        )?);
    }
    if let Some(km) = &d.distance {
        let mut o = d.options(d.end, Window::Rolling12m, &[g]);
        o.distance = Some(km.clone());
        let distance = named(d.measures(&o, false, false)?, &[])?;
        sections.push(section(
            "published-distance",
            &format!(
                "Travel distance of placements by {}, {} (published)",
                g.replace('_', " "),
                d.year()
            ),
            &distance,
            rule,
            &[
                g,
                "distance_count",
                "distance_median",
                "distance_count_beyond",
                "distance_share_beyond",
            ],
        )?);
    }
    if let Some(summary) = summary {
        sections.push(section(
            "published-transition",
            "Transition metrics (published)",
            summary,
            rule,
            TRANSITION_COLUMNS,
        )?);
    }
    Ok(sections)
}

/// `r` with its column `column` as text, a null as `label` (the schema's metadata, its
/// columns' roles, kept). Unchanged when it has no such column or no null in it.
fn relabel(r: TableResult, column: &str, label: &str) -> Result<TableResult> {
    let schema = r.table.schema();
    let Ok(k) = schema.index_of(column) else {
        return Ok(r);
    };
    let col = r.table.column(k);
    if col.null_count() == 0 {
        return Ok(r);
    }
    let text: StringArray = (0..col.len())
        .map(|i| {
            Some(match col.is_null(i) {
                true => label.to_owned(),
                false => collabmetrics::table::display(col.as_ref(), i),
            })
        })
        .collect();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[k] = Field::new(column, DataType::Utf8, false);
    let mut columns = r.table.columns().to_vec();
    columns[k] = Arc::new(text);
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    let table = RecordBatch::try_new(Arc::new(schema), columns)
        .map_err(|e| Error::invalid_argument("publish", e.to_string()))?;
    Ok(TableResult { table, ..r })
}

/// One published table as a report section showing `columns` (those the table has).
pub(crate) fn section(
    id: &str,
    title: &str,
    result: &TableResult,
    rule: Rule,
    columns: &[&str],
) -> Result<Section> {
    // The table is a result, not an input file: its errors name no file's line.
    let (published, log, dropped) =
        publish(result, rule).map_err(crate::collab::of_derived("table for publication"))?;
    let table = &published.table;
    let roles = Roles::of(&table.schema())?.unwrap_or_default();
    let hidden: HashSet<(usize, &str)> = log
        .iter()
        .filter(|e| e.reason.suppresses())
        .map(|e| (e.row, &*e.column))
        .collect();
    let shown: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| table.column_by_name(c).is_some())
        .collect();
    let counts: Vec<&str> = shown
        .iter()
        .copied()
        .filter(|c| roles.counts.iter().any(|r| r == c))
        .collect();
    let keys: HashSet<&str> = roles
        .keys
        .iter()
        .chain(&roles.dimensions)
        .map(String::as_str)
        .collect();
    let rows = (0..table.num_rows())
        .map(|r| {
            shown
                .iter()
                .map(|&c| {
                    let Some(col) = table.column_by_name(c) else {
                        return Cell::none();
                    };
                    match (
                        hidden.contains(&(r, c)),
                        cell(col.as_ref(), r),
                        a_float(col.as_ref(), r),
                    ) {
                        (true, _, _) => Cell::text("*"),
                        // A null key is a margin; another null, a value that does not apply.
                        (false, None, _) if keys.contains(c) => Cell::text("Total"),
                        (false, None, _) => Cell::none(),
                        (false, Some(_), Some(v)) if v.fract() != 0.0 => Cell::num(v, 2),
                        (false, Some(_), Some(v)) => Cell::count(v),
                        (false, Some(s), _) => match s.parse::<i64>() {
                            Ok(n) if col.data_type() == &DataType::Int64 => Cell::Count(Some(n)),
                            _ => Cell::text(s),
                        },
                    }
                })
                .collect()
        })
        .collect();
    Ok(Section::new(
        id,
        title,
        [
            format!(
                "Counts ({}) under {rule}; derived values from unrounded counts. * suppressed, - not applicable.",
                counts.join(", ")
            ),
            // Those this section would have shown.
            left_out_note(
                &dropped
                    .into_iter()
                    .filter(|d| columns.contains(&d.as_str()))
                    .collect::<Vec<_>>(),
            ),
        ]
        .join(" ")
        .trim_end(),
        shown.iter().map(|s| s.to_string()).collect(),
        rows,
        &published.diagnostics,
    ))
}

/// The value of a float cell.
fn a_float(col: &dyn Array, r: usize) -> Option<f64> {
    (col.data_type() == &DataType::Float64 && col.is_valid(r))
        .then(|| col.as_primitive::<Float64Type>().value(r))
}

/// Publishes `result` when asked, prints its diagnostics, and writes it (`*` for suppressed
/// cells in CSV).
pub fn write(
    result: TableResult,
    publish_arg: &Option<Option<String>>,
    format: crate::io::TableFormat,
    out: Option<&std::path::Path>,
) -> std::result::Result<(), String> {
    crate::io::print_diagnostics(&result.diagnostics);
    let Some(rule) = rule(publish_arg)? else {
        return crate::io::write_output(&result.table, format, out);
    };
    let (published, log, dropped) =
        publish(&result, rule).map_err(|e| format!("--publish: {e}"))?;
    crate::io::print_diagnostics(&published.diagnostics);
    if !dropped.is_empty() {
        eprintln!("note: --publish: {}", left_out_note(&dropped));
    }
    let table = match format {
        crate::io::TableFormat::Csv => starred(&published.table, &log),
        crate::io::TableFormat::Json => published.table,
    };
    crate::io::write_output(&table, format, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_alone_is_the_default_rule() {
        assert_eq!(rule(&None).unwrap(), None);
        assert_eq!(rule(&Some(None)).unwrap(), Some(Rule::NhsMhsds));
        assert_eq!(
            rule(&Some(Some("nhs_hes".into()))).unwrap(),
            Some(Rule::NhsHes)
        );
        assert!(rule(&Some(Some("nhs".into())))
            .unwrap_err()
            .contains("unknown rule"));
    }
}
