//! OAP measures as a mergeable state (see [`crate::state`]).
//!
//! Rows:
//! * `month`: one per breakdown group and counted month (`month`, its first day; the months
//!   of the first rolling window and every reported month), with the month's additive counts
//!   of the placements (`started`, `ended`, `active_at_end`, `bed_days`, `same_day`, the
//!   length-of-stay bands, `cost_pence` and `cost_bed_days`) and of all admissions
//!   (`admissions_started`, …). Every group of either table has its rows, zeros included, so
//!   a group with admissions and no placements keeps its row in every period;
//! * `distance` (with the `distance` option): one per group, month of start and distance,
//!   with the number of placements (`records`): the exact histogram the distance summaries of
//!   every window are finished from;
//! * the diagnostics, and an `input` row when an admissions table was given.
//!
//! Rolling windows are sums of their months and `active_at_end` is the window's last month's,
//! so the periods, rates and proportions are finished from these rows by the same code as
//! the one-machine [`super::measures`]. A person's placements must be in one partition for
//! the overlap rule (partition by `person_id`); admissions may be split anyhow.

use super::kernel::{accumulate, Monthly, LOS_BANDS};
use super::periods::{month_of, month_start};
use super::table::{
    admissions_of, build, check_admission_columns, check_options, distance_options,
    placement_distances, population_groups, population_per_group, read_placements, roles, Cells,
    Extras, OapOptions, PLACEMENT_COLUMNS,
};
use crate::distance::{summary_of_bins, Bin, Binned};
use crate::error::{Error, Result};
use crate::state::{fields, Layout, StateKind};
use crate::table::{Diagnostics, Groups, Input, TableResult};
use arrow_array::{new_empty_array, Date32Array, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, SchemaRef};
use std::sync::Arc;

const MONTH_PART: &str = "month";
const DISTANCE_PART: &str = "distance";
const MONTH: &str = "month";
const DISTANCE: &str = "distance";
const RECORDS: &str = "records";
const ADMISSIONS: &str = "admissions";

/// The placements' additive counts, as (state column, the month vector).
fn counts(m: &Monthly) -> Vec<(String, &Vec<i64>)> {
    let mut out = vec![
        ("started".to_owned(), &m.started),
        ("ended".to_owned(), &m.ended),
        ("active_at_end".to_owned(), &m.active_at_end),
        ("bed_days".to_owned(), &m.bed_days),
        ("same_day".to_owned(), &m.same_day),
    ];
    for (b, (name, _, _)) in LOS_BANDS.iter().enumerate() {
        out.push(((*name).to_owned(), &m.los[b]));
    }
    out.push(("cost_pence".to_owned(), &m.cost_pence));
    out.push(("cost_bed_days".to_owned(), &m.cost_days));
    out
}

/// The mutable month vectors of `m` in the order of [`counts`].
fn counts_mut(m: &mut Monthly) -> Vec<&mut Vec<i64>> {
    let Monthly {
        started,
        ended,
        active_at_end,
        bed_days,
        same_day,
        los,
        cost_pence,
        cost_days,
        ..
    } = m;
    let mut out = vec![started, ended, active_at_end, bed_days, same_day];
    out.extend(los.iter_mut());
    out.push(cost_pence);
    out.push(cost_days);
    out
}

/// The admissions' counts the proportions use.
const ADMISSION_COUNTS: [&str; 4] = ["started", "ended", "active_at_end", "bed_days"];

fn admission_vectors(m: &Monthly) -> [&Vec<i64>; 4] {
    [&m.started, &m.ended, &m.active_at_end, &m.bed_days]
}

fn layout(opts: &OapOptions, by: &[Field]) -> Result<Layout> {
    let keys = vec![
        Field::new(MONTH, DataType::Date32, true),
        Field::new(DISTANCE, DataType::Float64, true),
    ];
    let zero = Monthly::zeroed(0, 0, 0);
    let mut sums: Vec<String> = counts(&zero).into_iter().map(|(n, _)| n).collect();
    sums.extend(ADMISSION_COUNTS.iter().map(|c| format!("admissions_{c}")));
    sums.push(RECORDS.to_owned());
    let sums: Vec<&str> = sums.iter().map(String::as_str).collect();
    Layout::new(
        StateKind::Oap,
        &[MONTH_PART, DISTANCE_PART],
        opts,
        by,
        keys,
        &sums,
    )
}

/// The schema of an OAP state under `opts` whose `by` columns have the fields `by`.
pub fn state_schema(opts: &OapOptions, by: &[Field]) -> Result<SchemaRef> {
    Ok(layout(opts, by)?.schema())
}

/// The mergeable state of [`super::measures`] over a partition of the placements and/or of
/// the admissions (either may be `None`, not both). The tables are read and checked as by
/// [`super::measures`] (the same errors); the population is not part of the state but of
/// [`finalize`]. Keep each person's placements in one partition: the overlap rule and its
/// diagnostics compare a person's placements, and a placement's identifier is checked unique
/// within its partition only.
pub fn state(
    placements: Option<&Input>,
    opts: &OapOptions,
    admissions: Option<&Input>,
) -> Result<RecordBatch> {
    Ok(build_state(placements, opts, admissions, Diagnostics::new())?.0)
}

/// [`state`] with its diagnostics listing every flagged record ([`Diagnostics::flags`]):
/// rows of the `placements` (`bed_type_missing`, `bed_type_out_of_scope`,
/// `appropriate_reason`, `unknown_reason_code`, `open_placement`, `date_after_data_cutoff`,
/// `overlapping_placements`, `missing_distance`) and of the `admissions` (`admission_bed_type_missing`,
/// `admission_bed_type_out_of_scope`). Their counts are the state's diagnostic rows.
pub fn state_listing(
    placements: Option<&Input>,
    opts: &OapOptions,
    admissions: Option<&Input>,
) -> Result<(RecordBatch, Diagnostics)> {
    build_state(placements, opts, admissions, Diagnostics::with_listing())
}

fn build_state(
    placements: Option<&Input>,
    opts: &OapOptions,
    admissions: Option<&Input>,
    mut diag: Diagnostics,
) -> Result<(RecordBatch, Diagnostics)> {
    let (start, end) = check_options(opts)?;
    let (groups, mut spells) = match (placements, admissions) {
        (Some(p), _) => {
            p.check(PLACEMENT_COLUMNS)?;
            let spells = read_placements(p, opts, &mut diag)?;
            (Groups::new(p, &opts.by)?, Some(spells))
        }
        (None, Some(a)) => {
            check_admission_columns(a, opts).map_err(|e| e.in_table("admissions"))?;
            (no_groups(a, opts)?, None)
        }
        (None, None) => {
            return Err(Error::invalid_argument(
                "placements",
                "give the placements, the admissions or both",
            ))
        }
    };
    let mut keys = groups.keys.clone();
    let (adm, n_groups) = admissions_of(admissions, opts, &groups, &mut keys, &mut diag)?;
    let (first_month, cells) = Cells::of(start, end, opts, n_groups)?;
    let n_months = cells.n_months;
    let monthly = match &mut spells {
        Some(sp) => {
            sp.group = sp.rows.iter().map(|&r| groups.codes[r]).collect();
            accumulate(
                &sp.as_spells(n_groups),
                first_month,
                n_months,
                opts.data_cutoff,
            )?
        }
        None => Monthly::zeroed(first_month, n_months, n_groups),
    };
    let adm_monthly = adm
        .as_ref()
        .map(|a| {
            accumulate(
                &a.as_spells(n_groups),
                first_month,
                n_months,
                opts.data_cutoff,
            )
        })
        .transpose()?;
    let layout = layout(opts, &fields(&keys))?;

    // Month rows: group-major, every counted month.
    let n = n_groups * n_months;
    let group_of: Vec<u32> = (0..n).map(|i| (i / n_months) as u32).collect();
    let months = Date32Array::from_iter_values(
        (0..n).map(|i| month_start(first_month + (i % n_months) as i32)),
    );
    let mut part = layout
        .keyed(MONTH_PART, &keys, &group_of)?
        .set(MONTH, Arc::new(months));
    for (name, values) in counts(&monthly) {
        part = part.ints(&name, values.iter().map(|&v| Some(v)));
    }
    if let Some(a) = &adm_monthly {
        for (name, values) in ADMISSION_COUNTS.iter().zip(admission_vectors(a)) {
            part = part.ints(
                &format!("admissions_{name}"),
                values.iter().map(|&v| Some(v)),
            );
        }
    }
    let mut parts = vec![part.finish()?];

    if let (Some(column), Some(p), Some(sp)) = (&opts.distance, placements, &spells) {
        let d = placement_distances(p, column, sp, first_month, n_months, &mut diag)?;
        let group_of: Vec<u32> = d.iter().map(|&(k, _, _)| sp.group[k]).collect();
        let months = Date32Array::from_iter_values(
            d.iter()
                .map(|&(_, sm, _)| month_start(first_month + sm as i32)),
        );
        parts.push(
            layout
                .keyed(DISTANCE_PART, &keys, &group_of)?
                .set(MONTH, Arc::new(months))
                .set(
                    DISTANCE,
                    Arc::new(Float64Array::from_iter_values(d.iter().map(|x| x.2))),
                )
                .ints(RECORDS, d.iter().map(|_| Some(1)))
                .finish()?,
        );
    }
    parts.push(layout.diagnostics(&diag)?);
    if admissions.is_some() {
        parts.push(layout.present(ADMISSIONS)?);
    }
    Ok((layout.assemble(parts)?, diag))
}

/// No groups yet, with the key types of the admissions' `by` columns.
fn no_groups(admissions: &Input, opts: &OapOptions) -> Result<Groups> {
    let keys = opts
        .by
        .iter()
        .map(|b| {
            let col = admissions.column(b)?;
            Ok((
                Field::new(admissions.name(b), col.data_type().clone(), true),
                new_empty_array(col.data_type()),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Groups {
        codes: Vec::new(),
        first_rows: Vec::new(),
        keys,
    })
}

/// The OAP measures of a state (merged or not) built with `opts`, with rates when a
/// `population` table is given: [`super::measures`]'s result on the whole input bit for bit,
/// with the groups of each period ordered by their keys (nulls first) rather than by first
/// appearance (then the groups only the population has, in its order), and the diagnostics
/// without first rows.
pub fn finalize(
    state: &RecordBatch,
    opts: &OapOptions,
    population: Option<&Input>,
) -> Result<TableResult> {
    let (start, end) = check_options(opts)?;
    let (view, names) = crate::state::open(state, opts.by.len(), |by| layout(opts, by))?;
    let rows = view.rows(MONTH_PART);
    let (first, group_of) = view.groups(&names, &rows)?;
    let mut keys = view.keys(&names, &first)?;
    // Groups only the population has come after the state's, as in `measures`.
    let n_groups = first.len() + population_groups(population, &opts.by, &mut keys)?;
    let (first_month, cells) = Cells::of(start, end, opts, n_groups)?;
    let n_months = cells.n_months;
    let month_index = |row: usize| -> Result<usize> {
        let m = view.int32(MONTH, row).map(|d| month_of(d) - first_month);
        match m {
            Some(m) if (0..n_months as i32).contains(&m) => Ok(m as usize),
            _ => Err(Error::invalid_argument(
                "state",
                "a row's month is outside the options' months: not a state of these options",
            )),
        }
    };
    let mut monthly = Monthly::zeroed(first_month, n_months, n_groups);
    let mut adm = Monthly::zeroed(first_month, n_months, n_groups);
    let names_p: Vec<String> = counts(&monthly).into_iter().map(|(n, _)| n).collect();
    for (k, &row) in rows.iter().enumerate() {
        let i = group_of[k] * n_months + month_index(row)?;
        for (name, v) in names_p.iter().zip(counts_mut(&mut monthly)) {
            v[i] += view.int(name, row);
        }
        let Monthly {
            started,
            ended,
            active_at_end,
            bed_days,
            ..
        } = &mut adm;
        for (name, v) in ADMISSION_COUNTS
            .iter()
            .zip([started, ended, active_at_end, bed_days])
        {
            v[i] += view.int(&format!("admissions_{name}"), row);
        }
    }
    let mut diag = view.diagnostics();
    let distances = match opts.distance {
        Some(_) => {
            let index = view.index(&names, &first)?;
            let mut cells_km: Vec<(usize, f64, u64)> = Vec::new();
            for row in view.rows(DISTANCE_PART) {
                let g = index.get(row).ok_or_else(|| {
                    Error::invalid_argument(
                        "state",
                        "a distance row has keys no month row has: not a state this library built",
                    )
                })?;
                let sm = month_index(row)?;
                let km = view.float(DISTANCE, row).unwrap_or(f64::NAN);
                let records = view.int(RECORDS, row).max(0) as u64;
                for c in cells.windows_of(g, sm) {
                    cells_km.push((c, km, records));
                }
            }
            cells_km.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let mut binned = vec![Binned::default(); cells.len()];
            for (c, km, records) in cells_km {
                let b = &mut binned[c];
                b.weight_sq += records as f64;
                match b.bins.last_mut() {
                    Some(last) if last.km == km => {
                        last.records += records;
                        last.weight += records as f64;
                        last.weight_sq += records as f64;
                    }
                    _ => b.bins.push(Bin {
                        km,
                        records,
                        weight: records as f64,
                        weight_sq: records as f64,
                    }),
                }
            }
            Some(summary_of_bins(&binned, &distance_options(opts), false)?)
        }
        None => None,
    };
    let pops = match population {
        Some(p) => Some(
            population_per_group(p, &opts.by, &keys, n_groups, &mut diag)
                .map_err(|e| e.in_table("population"))?,
        ),
        None => None,
    };
    let table = build(
        &cells,
        &keys,
        monthly,
        Extras {
            admissions: view.present(ADMISSIONS).then_some(&adm),
            population: pops.as_deref(),
            distances: distances.as_ref(),
        },
        opts,
        &mut diag,
    )?;
    Ok(TableResult {
        table: roles(opts).annotate(table),
        diagnostics: diag,
    })
}
