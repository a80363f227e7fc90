//! The OAP table entry point: placements in, one row per reporting period and breakdown out.

use super::codes::{code_key, OverlapRule, ReasonClass, ReasonMap, DEFAULT_BED_TYPES};
use super::kernel::{accumulate, pence, window_sum, Monthly, Spells, LOS_BANDS, MAX_DAILY_COST};
use super::periods::{month_end, month_of, month_start, Window};
use crate::distance::{self, DistanceSummary, SummaryOptions};
use crate::error::{Error, Result};
use crate::options::required;
use crate::stats::{
    self, check_confidence, wilson_row, z_value, ExactMemo, PoissonLimits, RateMethod,
};
use crate::table::tidy::Tidy;
use crate::table::{
    check_date_option, format_date, ColumnKind, ColumnSpec, Derived, DerivedKind, Diagnostics,
    Groups, Input, Roles, TableResult,
};
use arrow_schema::{DataType, Field};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The placements table's name in diagnostics listings.
pub(super) const PLACEMENTS: &str = "placements";
/// The admissions table's name in diagnostics listings.
pub(super) const ADMISSIONS: &str = "admissions";

/// The placements table.
pub const PLACEMENT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::new(
        "placement_id",
        ColumnKind::Identifier,
        true,
        "unique per placement",
    ),
    ColumnSpec::new(
        "person_id",
        ColumnKind::Identifier,
        true,
        "the patient, for overlapping placements",
    ),
    ColumnSpec::new(
        "start_date",
        ColumnKind::Date,
        true,
        "admission to the out-of-area unit",
    ),
    ColumnSpec::new(
        "end_date",
        ColumnKind::Date,
        true,
        "discharge; null while the placement is open",
    ),
    ColumnSpec::new(
        "bed_type",
        ColumnKind::Code,
        true,
        "MHSDS hospital bed type (10, 11, 12 / 200, 201, 202)",
    ),
    ColumnSpec::new(
        "reason",
        ColumnKind::Code,
        true,
        "out-of-area reason (10 = no local bed: inappropriate)",
    ),
    ColumnSpec::new(
        "sending_org",
        ColumnKind::Code,
        false,
        "ODS code of the responsible provider or commissioner",
    ),
    ColumnSpec::new(
        "receiving_org",
        ColumnKind::Code,
        false,
        "ODS code of the receiving provider",
    ),
    ColumnSpec::new(
        "daily_cost",
        ColumnKind::Number,
        false,
        "cost per bed day, null where not recorded",
    ),
];

/// The optional all-admissions table (local and out of area), for proportions.
pub const ADMISSION_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::new("start_date", ColumnKind::Date, true, "admission"),
    ColumnSpec::new(
        "end_date",
        ColumnKind::Date,
        true,
        "discharge; null while in hospital",
    ),
    ColumnSpec::new(
        "bed_type",
        ColumnKind::Code,
        false,
        "filtered with the placements' bed scope when present",
    ),
];

/// The optional population table, for rates: a `population` column and key columns, each one
/// of the `by` columns (none: one population for everything).
pub const POPULATION_COLUMNS: &[ColumnSpec] = &[ColumnSpec::new(
    "population",
    ColumnKind::Number,
    true,
    "people in the area",
)];

/// Options of [`measures`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OapOptions {
    /// First reporting date (days since 1970-01-01): every calendar month from `start`'s to
    /// `end`'s is reported. Required: there is no default reporting period.
    pub start: Option<i32>,
    /// Last reporting date (days since 1970-01-01). Required.
    pub end: Option<i32>,
    /// The reporting period ending in each month (default the calendar month).
    pub window: Window,
    /// Breakdown columns (none: the whole collaborative).
    pub by: Vec<String>,
    /// Inappropriate placements only (default) or every placement.
    pub inappropriate_only: bool,
    /// Which reason codes are inappropriate and which appropriate.
    pub reasons: ReasonMap,
    /// Bed types in scope, as codes; `None` for every bed type (default
    /// [`DEFAULT_BED_TYPES`]).
    pub bed_types: Option<Vec<String>>,
    /// The data cut-off date: open placements run through it when it is before a period's end.
    pub data_cutoff: Option<i32>,
    /// What overlapping placements of one person do (default: counted as recorded).
    pub overlap: OverlapRule,
    /// Rates per this many people (default 1 000 000, the NHS convention).
    pub multiplier: f64,
    /// Confidence level of the rates', proportions' and distance summaries' intervals.
    pub confidence: f64,
    /// A column of home-to-unit distances in km (e.g. from `distance::bng`): when given, the
    /// distances of the placements started in each period are summarised (`distance_*`).
    pub distance: Option<String>,
    /// Threshold and bands of the distance summary (its level is `confidence`).
    pub distance_options: SummaryOptions,
}

impl Default for OapOptions {
    /// The specification's defaults; `start` and `end` are unset and must be given.
    fn default() -> Self {
        OapOptions {
            start: None,
            end: None,
            window: Window::Month,
            by: Vec::new(),
            inappropriate_only: true,
            reasons: ReasonMap::default(),
            bed_types: Some(DEFAULT_BED_TYPES.map(String::from).to_vec()),
            data_cutoff: None,
            overlap: OverlapRule::Count,
            multiplier: 1_000_000.0,
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            distance: None,
            distance_options: SummaryOptions::default(),
        }
    }
}

impl OapOptions {
    /// Defaults for the months from `start` to `end` (days since 1970-01-01).
    pub fn new(start: i32, end: i32) -> Self {
        OapOptions {
            start: Some(start),
            end: Some(end),
            ..OapOptions::default()
        }
    }
}

/// OAP measures per reporting period and breakdown (see the module docs for each column).
///
/// Rows are ordered by period, then by group in order of first appearance (groups of
/// placements first, then groups seen only in `admissions`); every group has a row in every
/// period, zeros included. Diagnostics count every placement excluded or flagged by a rule.
pub fn measures(
    placements: &Input,
    opts: &OapOptions,
    population: Option<&Input>,
    admissions: Option<&Input>,
) -> Result<TableResult> {
    let (start, end) = check_options(opts)?;
    placements.check(PLACEMENT_COLUMNS)?;
    check_mapping(placements, admissions, population, opts)?;
    let mut diag = Diagnostics::new();
    // Independent reads side by side (errors in the order of reading one after the other).
    let (spells, groups) = crate::cancel::join(
        || read_placements(placements, opts, &mut diag),
        || Groups::new(placements, &opts.by),
    );
    let (mut spells, groups) = (spells?, groups?);
    let mut keys = groups.keys.clone();
    let (adm, n_groups) = admissions_of(admissions, opts, &groups, &mut keys, &mut diag)?;
    let n_groups = n_groups + population_groups(population, &opts.by, &mut keys)?;
    let (first_month, layout) = Cells::of(start, end, opts, n_groups)?;
    let n_months = layout.n_months;
    spells.group = spells.rows.iter().map(|&r| groups.codes[r]).collect();
    let monthly = accumulate(
        &spells.as_spells(n_groups),
        first_month,
        n_months,
        opts.data_cutoff,
    )?;
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

    let pops = match population {
        Some(p) => Some(
            population_per_group(p, &opts.by, &keys, n_groups, &mut diag)
                .map_err(|e| e.in_table("population"))?,
        ),
        None => None,
    };
    let distances = match &opts.distance {
        Some(column) => Some(distance_summary(
            placements,
            column,
            &spells,
            &layout,
            first_month,
            opts,
            &mut diag,
        )?),
        None => None,
    };
    // The placements' rows are summed into the months: freed before the table is built, so
    // the call's peak is not theirs and the result's together.
    drop((spells, groups, adm));
    let table = build(
        &layout,
        &keys,
        monthly,
        Extras {
            admissions: adm_monthly.as_ref(),
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

/// What each column of the result is, for publication ([`crate::disclosure`]): the counts
/// (OAP01–04, bands, admissions' counts, distance counts), the rates, proportions and
/// distance statistics derived from them, and the sums linking counts of one row or period.
pub(super) fn roles(opts: &OapOptions) -> Roles {
    let los: Vec<&str> = LOS_BANDS.iter().map(|(name, _, _)| *name).collect();
    let measures = ["started", "bed_days", "active_at_end", "ended"];
    let bands = opts.distance_options.bands.column_names();
    let band_columns: Vec<String> = bands.iter().map(|b| format!("distance_{b}")).collect();
    let mut counts = vec!["started", "ended", "active_at_end", "bed_days", "same_day"];
    counts.extend(&los);
    counts.push("cost_bed_days");
    let admissions: Vec<String> = measures.iter().map(|m| format!("admissions_{m}")).collect();
    counts.extend(admissions.iter().map(String::as_str));
    counts.push("distance_count");
    counts.push("distance_count_beyond");
    counts.extend(band_columns.iter().map(String::as_str));
    let mut keys = opts.by.clone();
    keys.extend(["period_start".to_owned(), "period_end".to_owned()]);
    let mut roles = Roles::counts(&counts, &keys).with_dimensions_of(&opts.by);
    for m in ["started", "active_at_end", "ended"] {
        for suffix in ["", "_lower", "_upper"] {
            let column = format!("rate_{m}{suffix}");
            // Published to one decimal, as NHS rates are.
            let mut rate = Derived::new(&column, Some(m), "population", DerivedKind::Rate)
                .times(opts.multiplier);
            rate.decimals = Some(1);
            roles = roles.derive(rate);
        }
    }
    for m in measures {
        for suffix in ["", "_lower", "_upper"] {
            let column = format!("proportion_{m}{suffix}");
            let den = format!("admissions_{m}");
            roles = roles.derive(Derived::new(&column, Some(m), &den, DerivedKind::Percent));
        }
    }
    roles = roles.derive(Derived::new(
        "cost",
        None,
        "cost_bed_days",
        DerivedKind::Mean,
    ));
    roles = roles.derive(Derived::new(
        "cost_days_share",
        Some("cost_bed_days"),
        "bed_days",
        DerivedKind::Percent,
    ));
    for stat in crate::distance::table::STATISTICS {
        let column = format!("distance_{stat}");
        roles = roles.derive(Derived::new(
            &column,
            None,
            "distance_count",
            DerivedKind::Mean,
        ));
    }
    // The share beyond the threshold is a share of a count: suppressed with it (a share of
    // a small count, even rounded, would narrow it against the rounded `distance_count`).
    for share in ["share_beyond", "share_lower", "share_upper"] {
        let column = format!("distance_{share}");
        roles = roles.derive(Derived::new(
            &column,
            Some("distance_count_beyond"),
            "distance_count",
            DerivedKind::Proportion,
        ));
    }
    let mut banded: Vec<&str> = vec!["ended"];
    banded.extend(&los);
    let mut distance: Vec<&str> = vec!["distance_count"];
    distance.extend(band_columns.iter().map(String::as_str));
    roles
        .link(&banded, "the length-of-stay bands sum to `ended`")
        .link(
            &["started", "ended", "active_at_end"],
            "a month's active placements are the previous month's plus those started less those ended",
        )
        .link(&distance, "the distance bands sum to `distance_count`")
        .link(
            &["distance_count", "distance_count_beyond"],
            "`distance_count_beyond` counts those of `distance_count` at or beyond the \
             threshold (the bands beyond it when it is a band edge)",
        )
}

/// Every pair of the column mapping is used by one of the tables (see
/// [`crate::table::check_mapping`]): a misspelt optional column (a daily cost, a breakdown)
/// would otherwise be left out.
fn check_mapping(
    placements: &Input,
    admissions: Option<&Input>,
    population: Option<&Input>,
    opts: &OapOptions,
) -> Result<()> {
    let by = opts.by.iter().map(String::as_str);
    let mut names = crate::table::spec_names(PLACEMENT_COLUMNS);
    names.extend(by.clone().chain(opts.distance.as_deref()));
    let mut tables = vec![("placements", placements, names)];
    if let Some(a) = admissions {
        let mut names = crate::table::spec_names(ADMISSION_COLUMNS);
        names.extend(by.clone());
        tables.push(("admissions", a, names));
    }
    if let Some(p) = population {
        let mut names = crate::table::spec_names(POPULATION_COLUMNS);
        names.extend(by);
        tables.push(("population", p, names));
    }
    crate::table::check_mapping(&tables)
}

/// Checks the options; returns the reporting start and end.
pub(super) fn check_options(opts: &OapOptions) -> Result<(i32, i32)> {
    let start = opts
        .start
        .ok_or_else(|| required("start", "the first reporting month (any date in it)"))?;
    let end = opts
        .end
        .ok_or_else(|| required("end", "the last reporting month (any date in it)"))?;
    check_date_option("start", start)?;
    check_date_option("end", end)?;
    if let Some(c) = opts.data_cutoff {
        check_date_option("data_cutoff", c)?;
    }
    // Months, not days: 31 March to 1 March names March alone, one reporting month.
    if month_of(end) < month_of(start) {
        return Err(Error::invalid_argument(
            "end",
            format!(
                "the reporting end {} is in a month before the start {}",
                format_date(end),
                format_date(start)
            ),
        ));
    }
    check_confidence(opts.confidence)?;
    stats::check_multiplier(opts.multiplier)?;
    // Checked with or without a distance column, as every other option.
    crate::distance::check_threshold(opts.distance_options.threshold)
        .map_err(|e| e.for_argument("distance_threshold"))?;
    Ok((start, end))
}

/// Included placements as parallel columns (`rows` are their input rows).
pub(super) struct Placements {
    pub rows: Vec<usize>,
    pub start: Vec<i32>,
    pub end: Vec<Option<i32>>,
    pub cost: Option<Vec<Option<i64>>>,
    pub group: Vec<u32>,
}

impl Placements {
    pub(super) fn as_spells(&self, n_groups: usize) -> Spells<'_> {
        Spells {
            start: &self.start,
            end: &self.end,
            group: &self.group,
            n_groups,
            daily_cost: self.cost.as_deref(),
        }
    }
}

/// Validates every placement, applies the overlap rule to all of them (a person is in one bed
/// at a time, whatever the reasons or bed types), then the reason and bed-type rules.
pub(super) fn read_placements(
    input: &Input,
    opts: &OapOptions,
    diag: &mut Diagnostics,
) -> Result<Placements> {
    // An empty id or code is not recorded, as an empty CSV field is (`Input::empty_as_null`).
    let input = &*input.empty_as_null(PLACEMENT_COLUMNS)?;
    // The identifier checks and the persons' codes (hashing) beside the other columns' reads;
    // errors in the order of reading one after the other.
    let ((unique, person), read) = crate::cancel::join(
        || (check_unique_ids(input, "placement_id"), persons(input)),
        || read_spells(input, opts, diag),
    );
    unique?;
    let ((person, unknown), mut read) = (person?, read?);
    diag.flag_rows(
        PLACEMENTS,
        "person_id_missing",
        "kept: no person, so no overlap can be found",
        unknown,
    );
    let ids = input.column("placement_id")?;
    apply_overlap_rule(&person, opts.overlap, &read.start, &mut read.end, ids, diag)?;
    Ok(read.placements(opts.data_cutoff, diag))
}

/// A code per placement for its person, and the rows without one (null `person_id`): each of
/// those gets a code of its own, so that it overlaps no other placement.
fn persons(input: &Input) -> Result<(Vec<u32>, Vec<usize>)> {
    let mut codes = input.codes("person_id")?;
    let col = input.column("person_id")?;
    let unknown: Vec<usize> = match col.logical_nulls() {
        Some(nulls) if nulls.null_count() > 0 => nulls
            .iter()
            .enumerate()
            .filter(|(_, v)| !v)
            .map(|(r, _)| r)
            .collect(),
        _ => Vec::new(),
    };
    let first = codes.iter().map(|&c| c + 1).max().unwrap_or(0);
    for (next, &r) in (first..).zip(&unknown) {
        codes[r] = next;
    }
    Ok((codes, unknown))
}

/// Every placement's dates and cost, and the rows the reason and bed-type rules keep.
struct Read {
    start: Vec<i32>,
    end: Vec<Option<i32>>,
    cost: Option<Vec<f64>>,
    rows: Vec<usize>,
}

impl Read {
    /// The kept placements, with the open ones counted (after the overlap rule, which may end
    /// an open placement).
    fn placements(self, cutoff: Option<i32>, diag: &mut Diagnostics) -> Placements {
        let rows = self.rows;
        diag.flag_rows(
            PLACEMENTS,
            "open_placement",
            "open at the data end: runs to each period end (or the cut-off)",
            rows.iter().copied().filter(|&i| self.end[i].is_none()),
        );
        // A start or end recorded after the data's last date contradicts the cut-off (a
        // planned discharge, or a cut-off set too early): counted as recorded, and said.
        if let Some(c) = cutoff {
            diag.flag_rows(
                PLACEMENTS,
                "date_after_data_cutoff",
                "kept as recorded: starts or ends after the data cut-off",
                rows.iter()
                    .copied()
                    .filter(|&i| self.start[i] > c || self.end[i].is_some_and(|e| e > c)),
            );
        }
        Placements {
            start: rows.iter().map(|&i| self.start[i]).collect(),
            end: rows.iter().map(|&i| self.end[i]).collect(),
            cost: self
                .cost
                .map(|c| rows.iter().map(|&i| pence(c[i])).collect()),
            group: Vec::new(),
            rows,
        }
    }
}

/// Every placement's dates and costs, and which of them the reason and bed-type rules keep
/// (with their diagnostics).
fn read_spells(input: &Input, opts: &OapOptions, diag: &mut Diagnostics) -> Result<Read> {
    let start = input.required_dates("start_date")?;
    let end = input.dates("end_date")?;
    check_end_after_start(input, &start, &end)?;
    let reason = input.categories("reason")?;
    let reason_class: Vec<ReasonClass> = reason
        .values
        .iter()
        .map(|v| opts.reasons.classify(v.as_deref()))
        .collect();
    let in_scope = bed_scope(input, opts, PLACEMENTS, "bed_type_missing", diag)?;
    let cost = if input.has("daily_cost") {
        Some(costs(input)?)
    } else {
        None
    };

    let mut rows = Vec::new();
    for i in 0..input.num_rows() {
        if !in_scope[i] {
            diag.flag(
                PLACEMENTS,
                "bed_type_out_of_scope",
                "excluded: bed type outside the scope",
                i,
            );
            continue;
        }
        match reason_class[reason.codes[i] as usize] {
            ReasonClass::Inappropriate => {}
            ReasonClass::Appropriate if opts.inappropriate_only => {
                diag.flag(
                    PLACEMENTS,
                    "appropriate_reason",
                    "excluded: appropriate out-of-area reason",
                    i,
                );
                continue;
            }
            ReasonClass::Appropriate => {}
            ReasonClass::Unknown if opts.inappropriate_only => {
                diag.flag(
                    PLACEMENTS,
                    "unknown_reason_code",
                    "excluded: an unknown reason is not inappropriate",
                    i,
                );
                continue;
            }
            ReasonClass::Unknown => diag.flag(
                PLACEMENTS,
                "unknown_reason_code",
                "included; reason counted under `unknown`",
                i,
            ),
        }
        rows.push(i);
    }
    Ok(Read {
        start,
        end,
        cost,
        rows,
    })
}

fn check_unique_ids(input: &Input, ours: &str) -> Result<()> {
    let codes = input.codes(ours)?;
    let col = input.column(ours)?;
    let mut first = vec![usize::MAX; codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0)];
    for (row, &c) in codes.iter().enumerate() {
        let cell = |rule: String| Error::InvalidCell {
            table: None,
            column: input.name(ours).to_owned(),
            row,
            value: crate::table::display(col.as_ref(), row),
            rule,
        };
        if crate::table::is_null_at(col.as_ref(), row) {
            return Err(cell("identifiers are required".into()));
        }
        let slot = &mut first[c as usize];
        if *slot != usize::MAX {
            return Err(cell(format!(
                "duplicate identifier (first at row {})",
                *slot
            )));
        }
        *slot = row;
    }
    Ok(())
}

fn check_end_after_start(input: &Input, start: &[i32], end: &[Option<i32>]) -> Result<()> {
    for (row, (s, e)) in start.iter().zip(end).enumerate() {
        if let Some(e) = e {
            if e < s {
                return Err(Error::InvalidCell {
                    table: None,
                    column: input.name("end_date").to_owned(),
                    row,
                    value: format_date(*e),
                    rule: format!("end date before the start date {}", format_date(*s)),
                });
            }
        }
    }
    Ok(())
}

/// In scope per row: a listed bed type, or a missing one (kept, and counted under `reason`
/// as rows of `table` in the diagnostics: never dropped, never silent).
fn bed_scope(
    input: &Input,
    opts: &OapOptions,
    table: &'static str,
    reason: &str,
    diag: &mut Diagnostics,
) -> Result<Vec<bool>> {
    let Some(scope) = &opts.bed_types else {
        return Ok(vec![true; input.num_rows()]);
    };
    let bed = input.categories("bed_type")?;
    // A blank code (an empty CSV field a frame kept as "") is not recorded, as a null is.
    fn code(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(code_key).filter(|c| !c.is_empty())
    }
    let ok: Vec<bool> = bed
        .values
        .iter()
        .map(|v| code(v).is_none_or(|c| scope.iter().any(|s| code_key(s) == c)))
        .collect();
    let missing: Vec<bool> = bed.values.iter().map(|v| code(v).is_none()).collect();
    diag.flag_rows(
        table,
        reason,
        "kept: bed type not recorded (counted as in scope)",
        (0..bed.codes.len()).filter(|&i| missing[bed.codes[i] as usize]),
    );
    Ok(bed.codes.iter().map(|&c| ok[c as usize]).collect())
}

fn costs(input: &Input) -> Result<Vec<f64>> {
    let mut values = input.f64s_or_nan("daily_cost")?;
    // A float32 cost is read as written, its shortest decimal, as a float64's is (`pence`):
    // 1.005 as a float32 widens to 1.00499999523…, which would round to 1.00 where the
    // written 1.005 rounds to 1.01. (The cast back to f32 is exact: the value came from one.)
    // A dictionary (categorical) of float32 costs likewise.
    if crate::table::value_type(input.column("daily_cost")?.data_type()) == &DataType::Float32 {
        for v in values.iter_mut().filter(|v| v.is_finite()) {
            *v = (*v as f32).to_string().parse().unwrap_or(*v);
        }
    }
    if let Some(row) = values
        .iter()
        .position(|v| *v < 0.0 || v.is_infinite() || *v > MAX_DAILY_COST)
    {
        return Err(Error::InvalidCell {
            table: None,
            column: input.name("daily_cost").to_owned(),
            row,
            value: values[row].to_string(),
            rule: "costs must be finite, >= 0 and at most 1000000000 a day (null where not \
                   recorded)"
                .into(),
        });
    }
    Ok(values)
}

/// Finds each person's overlapping placements (one starting before an earlier one of the
/// person ends, as recorded) and, under [`OverlapRule::Truncate`], ends each placement where
/// the person's next one starts, if that is before its recorded end. All placements take
/// part, whichever rules exclude them later. Placements starting on one day are taken in the
/// order of their ends (an open one last), then of their placement ids (`ids`: unique, none
/// null), so the result does not depend on the rows' order: of a person's two placements from
/// one day, the shorter ends that day; of two with the same dates, the one of the lesser id
/// (taken first) ends where the other starts.
fn apply_overlap_rule(
    person: &[u32],
    rule: OverlapRule,
    start: &[i32],
    end: &mut [Option<i32>],
    ids: &arrow_array::ArrayRef,
    diag: &mut Diagnostics,
) -> Result<()> {
    // (person, start, end, row) side by side, 16 bytes, sorted as tuples: the comparisons
    // read contiguous memory. An open end (i32::MAX, beyond every supported date) sorts last.
    let mut order: Vec<(u32, i32, i32, u32)> = (0..start.len())
        .map(|r| (person[r], start[r], end[r].unwrap_or(i32::MAX), r as u32))
        .collect();
    order.sort_unstable();
    by_id_where_dates_tie(&mut order, ids)?;
    // The latest recorded end of the person's placements so far (open: i32::MAX).
    let mut latest = i32::MIN;
    for k in 0..order.len() {
        let (p, s, e, r) = order[k];
        if k == 0 || order[k - 1].0 != p {
            latest = e;
            continue;
        }
        if latest > s {
            let action = match rule {
                OverlapRule::Count => "counted as recorded (overlap = \"count\")",
                OverlapRule::Truncate => "earlier placement ended at the later one's start",
            };
            diag.flag(PLACEMENTS, "overlapping_placements", action, r as usize);
        }
        let (prev_end, prev) = (order[k - 1].2, order[k - 1].3 as usize);
        if rule == OverlapRule::Truncate && prev_end > s {
            end[prev] = Some(s);
        }
        latest = latest.max(e);
    }
    Ok(())
}

/// Runs of one person's placements with the same start and end, sorted by row, re-sorted by
/// their placement ids: the rows' order would otherwise decide which of them is truncated
/// and flagged. Such ties are rare; the ids are compared only within them.
fn by_id_where_dates_tie(
    order: &mut [(u32, i32, i32, u32)],
    ids: &arrow_array::ArrayRef,
) -> Result<()> {
    let dates = |t: &(u32, i32, i32, u32)| (t.0, t.1, t.2);
    let mut compare = None;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && dates(&order[j]) == dates(&order[i]) {
            j += 1;
        }
        if j - i > 1 {
            if compare.is_none() {
                let c = arrow_ord::ord::make_comparator(ids, ids, Default::default())
                    .map_err(|e| Error::invalid_argument("placement_id", e.to_string()))?;
                compare = Some(c);
            }
            if let Some(c) = &compare {
                order[i..j].sort_unstable_by(|a, b| c(a.3 as usize, b.3 as usize));
            }
        }
        i = j;
    }
    Ok(())
}

/// The admissions table has its required columns and every `by` column.
pub(super) fn check_admission_columns(input: &Input, opts: &OapOptions) -> Result<()> {
    input.check(ADMISSION_COLUMNS)?;
    for b in &opts.by {
        if !input.has(b) {
            return Err(Error::MissingColumn {
                table: None,
                column: input.name(b).to_owned(),
                mapped: " (a `by` column: admissions need every breakdown column for proportions)"
                    .into(),
                available: input
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

/// The admissions, when given, read as [`read_admissions`] does (errors name the
/// `admissions` table), with the number of groups of placements and admissions together.
pub(super) fn admissions_of(
    admissions: Option<&Input>,
    opts: &OapOptions,
    groups: &Groups,
    keys: &mut Vec<(Field, arrow_array::ArrayRef)>,
    diag: &mut Diagnostics,
) -> Result<(Option<Placements>, usize)> {
    match admissions {
        Some(a) => {
            let (adm, extra) = read_admissions(a, opts, groups, keys, diag)
                .map_err(|e| e.in_table("admissions"))?;
            Ok((Some(adm), whole(groups.len() + extra, opts)))
        }
        None => Ok((None, whole(groups.len(), opts))),
    }
}

/// Without `by` there is one group, the whole collaborative, even when no placement (or
/// admission) came in: its every period is a row of zeros, as when every placement is
/// excluded.
fn whole(n_groups: usize, opts: &OapOptions) -> usize {
    if opts.by.is_empty() {
        n_groups.max(1)
    } else {
        n_groups
    }
}

/// All admissions, grouped like the placements (new groups appended to `keys`).
pub(super) fn read_admissions(
    input: &Input,
    opts: &OapOptions,
    groups: &Groups,
    keys: &mut Vec<(Field, arrow_array::ArrayRef)>,
    diag: &mut Diagnostics,
) -> Result<(Placements, usize)> {
    check_admission_columns(input, opts)?;
    let input = &*input.empty_as_null(ADMISSION_COLUMNS)?;
    let start = input.required_dates("start_date")?;
    let end = input.dates("end_date")?;
    check_end_after_start(input, &start, &end)?;
    let in_scope = if input.has("bed_type") {
        bed_scope(input, opts, ADMISSIONS, "admission_bed_type_missing", diag)?
    } else {
        vec![true; input.num_rows()]
    };
    let adm_groups = Groups::new(input, &opts.by)?;
    // Match admission groups to placement groups by their key values.
    let mut index: HashMap<String, u32> = (0..groups.len())
        .map(|g| (key_text(&groups.keys, g), g as u32))
        .collect();
    let mut map = Vec::with_capacity(adm_groups.len());
    let mut extra_rows = Vec::new();
    for g in 0..adm_groups.len() {
        let text = key_text(&adm_groups.keys, g);
        let next = index.len() as u32;
        let code = *index.entry(text).or_insert_with(|| {
            extra_rows.push(g as u32);
            next
        });
        map.push(code);
    }
    append_keys(keys, &adm_groups.keys, &extra_rows, "admissions")?;
    let rows: Vec<usize> = (0..input.num_rows()).filter(|&i| in_scope[i]).collect();
    diag.flag_rows(
        ADMISSIONS,
        "admission_bed_type_out_of_scope",
        "admission excluded: bed type outside the scope",
        (0..input.num_rows()).filter(|&i| !in_scope[i]),
    );
    let adm = Placements {
        start: rows.iter().map(|&i| start[i]).collect(),
        end: rows.iter().map(|&i| end[i]).collect(),
        cost: None,
        group: rows
            .iter()
            .map(|&i| map[adm_groups.codes[i] as usize])
            .collect(),
        rows,
    };
    Ok((adm, extra_rows.len()))
}

/// The key values of group `g` as one string (unit separators between columns).
fn key_text(keys: &[(Field, arrow_array::ArrayRef)], g: usize) -> String {
    keys.iter()
        .map(|(_, v)| {
            if crate::table::is_null_at(v.as_ref(), g) {
                "\u{0}".to_owned()
            } else {
                crate::table::display(v.as_ref(), g)
            }
        })
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// The population of each group (NaN where the population table has no row for it).
/// Appends to `keys` the groups of the population table that no placement or admission has
/// (a place with no out-of-area placement still has a rate, 0, and takes part in a funnel's
/// baseline); returns how many. Only when the population has every `by` column: a population
/// by fewer columns cannot say which full groups exist.
pub(super) fn population_groups(
    population: Option<&Input>,
    by: &[String],
    keys: &mut [(Field, arrow_array::ArrayRef)],
) -> Result<usize> {
    let Some(pop) = population.filter(|p| !by.is_empty() && by.iter().all(|b| p.has(b))) else {
        return Ok(0);
    };
    let in_table = |e: Error| e.in_table("population");
    let pop_groups = Groups::new(pop, by).map_err(in_table)?;
    let seen: std::collections::HashSet<String> = (0..keys.first().map_or(0, |k| k.1.len()))
        .map(|g| key_text(keys, g))
        .collect();
    let extra: Vec<u32> = (0..pop_groups.len())
        .filter(|&g| !seen.contains(&key_text(&pop_groups.keys, g)))
        .map(|g| g as u32)
        .collect();
    append_keys(keys, &pop_groups.keys, &extra, "population")?;
    Ok(extra.len())
}

/// Appends the key values of `rows` of another table's groups (`from`) to the placements'
/// group keys. A key column of another type there is an error naming the column and `table`,
/// whether or not that table has groups of its own: groups are matched by their keys' text,
/// so an `Int64` 1 would meet a text "1" but not "01", and the call would succeed or fail
/// with the values. Dictionary encoding (a pandas categorical) is not a type of its own.
fn append_keys(
    keys: &mut [(Field, arrow_array::ArrayRef)],
    from: &[(Field, arrow_array::ArrayRef)],
    rows: &[u32],
    table: &str,
) -> Result<()> {
    check_key_types(keys, from, table)?;
    if rows.is_empty() {
        return Ok(());
    }
    let idx = arrow_array::UInt32Array::from(rows.to_vec());
    for ((field, values), (_, other)) in keys.iter_mut().zip(from) {
        let more = arrow_select::take::take(other.as_ref(), &idx, None)
            .map_err(|e| Error::invalid_argument(table, e.to_string()))?;
        let (mut a, mut b) = (values.clone(), more);
        if a.data_type() != b.data_type() {
            // The same kind in two forms (see `plain_type`): both in its one type.
            (a, b) = (decoded(&a, table)?, decoded(&b, table)?);
        }
        *values = arrow_select::concat::concat(&[a.as_ref(), b.as_ref()])
            .map_err(|e| Error::invalid_argument(table, e.to_string()))?;
        *field = Field::new(field.name(), values.data_type().clone(), true)
            .with_metadata(field.metadata().clone());
    }
    Ok(())
}

/// Refuses a key column of `table` (`theirs`) whose type is not the placements' (`ours`).
fn check_key_types(
    ours: &[(Field, arrow_array::ArrayRef)],
    theirs: &[(Field, arrow_array::ArrayRef)],
    table: &str,
) -> Result<()> {
    for ((field, _), (_, other)) in ours.iter().zip(theirs) {
        if plain_type(field.data_type()) != plain_type(other.data_type()) {
            return Err(Error::ColumnType {
                table: None,
                column: field.name().clone(),
                expected: format!(
                    "the placements' type ({})",
                    crate::table::type_name(field.data_type())
                ),
                found: format!(
                    "{} in the {table} table",
                    crate::table::type_name(other.data_type())
                ),
            });
        }
    }
    Ok(())
}

/// A key column's kind: its type with any dictionary encoding looked through, every text
/// type as `Utf8` and every integer type as `Int64` (a pandas categorical, a `large_string`,
/// an `int32` population are the placements' keys in another form).
fn plain_type(t: &arrow_schema::DataType) -> arrow_schema::DataType {
    use arrow_schema::DataType as T;
    match t {
        T::Dictionary(_, value) => plain_type(value),
        T::Utf8 | T::LargeUtf8 | T::Utf8View => T::Utf8,
        t if t.is_integer() => T::Int64,
        t => t.clone(),
    }
}

/// A key column in its kind's one type (see [`plain_type`]).
fn decoded(a: &arrow_array::ArrayRef, table: &str) -> Result<arrow_array::ArrayRef> {
    use arrow_array::cast::AsArray;
    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::DataType as T;
    if let Some(dict) = a.as_any_dictionary_opt() {
        let keys = arrow_array::UInt32Array::from_iter(
            crate::table::dictionary_slots(a.as_ref())
                .into_iter()
                .enumerate()
                .map(|(r, k)| a.is_valid(r).then_some(k as u32)),
        );
        let plain = arrow_select::take::take(dict.values().as_ref(), &keys, None)
            .map_err(|e| Error::invalid_argument(table, e.to_string()))?;
        return decoded(&plain, table);
    }
    let text = |r: usize| (!a.is_null(r)).then(|| crate::table::display(a.as_ref(), r));
    Ok(match a.data_type() {
        T::Utf8 | T::Int64 => a.clone(),
        T::LargeUtf8 | T::Utf8View => {
            std::sync::Arc::new(StringArray::from_iter((0..a.len()).map(text)))
        }
        t if t.is_integer() => {
            let values = (0..a.len()).map(|r| text(r).map(|v| v.parse::<i64>()).transpose());
            let ints: std::result::Result<Int64Array, _> = values.collect();
            std::sync::Arc::new(
                ints.map_err(|_| {
                    Error::invalid_argument(table, "a key beyond the range of Int64")
                })?,
            )
        }
        _ => a.clone(),
    })
}

pub(super) fn population_per_group(
    pop: &Input,
    by: &[String],
    keys: &[(Field, arrow_array::ArrayRef)],
    n_groups: usize,
    diag: &mut Diagnostics,
) -> Result<Vec<f64>> {
    pop.check(POPULATION_COLUMNS)?;
    let values = pop.f64s("population")?;
    if let Some(row) = values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(Error::InvalidCell {
            table: None,
            column: pop.name("population").to_owned(),
            row,
            value: values[row].to_string(),
            rule: "populations must be finite and > 0".into(),
        });
    }
    let join: Vec<String> = by.iter().filter(|b| pop.has(b)).cloned().collect();
    let pop_groups = Groups::new(pop, &join)?;
    if pop_groups.len() < pop.num_rows() {
        let mut seen = vec![false; pop_groups.len()];
        let row = pop_groups
            .codes
            .iter()
            .position(|&c| std::mem::replace(&mut seen[c as usize], true))
            .unwrap_or(0);
        return Err(Error::InvalidCell {
            table: None,
            column: join.first().map_or_else(
                || pop.name("population").to_owned(),
                |c| pop.name(c).to_owned(),
            ),
            row,
            value: pop_groups.label(pop_groups.codes[row] as usize),
            rule: "the population table has two rows for these keys".into(),
        });
    }
    let positions: Vec<usize> = join
        .iter()
        .map(|j| by.iter().position(|b| b == j).unwrap_or(0))
        .collect();
    let sub: Vec<(Field, arrow_array::ArrayRef)> =
        positions.iter().map(|&p| keys[p].clone()).collect();
    check_key_types(&sub, &pop_groups.keys, "population")?;
    let index: HashMap<String, usize> = (0..pop_groups.len())
        .map(|g| {
            (
                key_text(&pop_groups.keys, g),
                pop_groups.first_rows[g] as usize,
            )
        })
        .collect();
    let mut out = vec![f64::NAN; n_groups];
    for (g, slot) in out.iter_mut().enumerate() {
        match index.get(&key_text(&sub, g)) {
            Some(&row) => *slot = values[row],
            None => diag.record(
                "missing_population",
                "rates left null: no population for the group",
                None,
            ),
        }
    }
    Ok(out)
}

/// The optional inputs' results that [`build`] adds columns for.
pub(super) struct Extras<'a> {
    pub admissions: Option<&'a Monthly>,
    pub population: Option<&'a [f64]>,
    pub distances: Option<&'a DistanceSummary>,
}

/// The reported cells: months `first_report..n_months` of the counted months (the earlier
/// ones only feed rolling windows) × groups; windows of `w` months.
pub(super) struct Cells {
    pub first_report: usize,
    pub n_months: usize,
    pub n_groups: usize,
    pub w: usize,
}

impl Cells {
    /// The counted months (from the first window's first month) and the cells of `opts`.
    pub(super) fn of(
        start: i32,
        end: i32,
        opts: &OapOptions,
        n_groups: usize,
    ) -> Result<(i32, Self)> {
        let first_month = month_of(start) - (opts.window.months() - 1);
        let n_months = (month_of(end) - first_month + 1) as usize;
        // Every (group, month) cell holds a dozen counts for the placements, as many for the
        // admissions, and a row of the result: refused before allocating when too many.
        crate::limits::check_memory(
            "by",
            &format!("{n_months} months × {n_groups} groups"),
            n_months as u128 * n_groups.max(1) as u128,
            256,
        )?;
        let cells = Cells {
            first_report: (month_of(start) - first_month) as usize,
            n_months,
            n_groups,
            w: opts.window.months() as usize,
        };
        Ok((first_month, cells))
    }

    /// Number of reported cells.
    pub(super) fn len(&self) -> usize {
        (self.n_months - self.first_report) * self.n_groups
    }

    /// The cells whose window takes a placement of group `g` started in counted month `sm`.
    pub(super) fn windows_of(&self, g: usize, sm: usize) -> impl Iterator<Item = usize> + '_ {
        (sm.max(self.first_report)..(sm + self.w).min(self.n_months))
            .map(move |m| (m - self.first_report) * self.n_groups + g)
    }
}

/// Assembles the tidy table: keys, period, counts, then rates and proportions when asked.
pub(super) fn build(
    l: &Cells,
    keys: &[(Field, arrow_array::ArrayRef)],
    mut m: Monthly,
    extra: Extras<'_>,
    opts: &OapOptions,
    diag: &mut Diagnostics,
) -> Result<arrow_array::RecordBatch> {
    let Extras {
        admissions: adm,
        population: pops,
        distances,
    } = extra;
    let cells: Vec<(usize, usize)> = (l.first_report..l.n_months)
        .flat_map(|k| (0..l.n_groups).map(move |g| (g, k)))
        .collect();
    let group_rows: Vec<u32> = cells.iter().map(|&(g, _)| g as u32).collect();
    let mut t = Tidy::from_group_rows(keys, &group_rows)?;
    let (first_month, n_months) = (m.first_month, m.n_months);
    let month = |k: usize| first_month + k as i32;
    t.date(
        "period_start",
        cells
            .iter()
            .map(|&(_, k)| month_start(month(k) + 1 - l.w as i32))
            .collect(),
    );
    t.date(
        "period_end",
        cells.iter().map(|&(_, k)| month_end(month(k))).collect(),
    );
    // Each monthly vector is taken out and freed once its column is built, so the call's
    // peak is not the months' and the result's together.
    let sum = |v: Vec<i64>| -> Vec<i64> {
        cells
            .iter()
            .map(|&(g, k)| window_sum(&v, n_months, g, k, l.w))
            .collect()
    };
    let at_end = |v: &[i64], n_months: usize| -> Vec<i64> {
        cells.iter().map(|&(g, k)| v[g * n_months + k]).collect()
    };
    let take = std::mem::take::<Vec<i64>>;
    let mut started = sum(take(&mut m.started));
    let mut ended = sum(take(&mut m.ended));
    let mut active = at_end(&take(&mut m.active_at_end), n_months);
    let mut bed_days = sum(take(&mut m.bed_days));
    // Always present, so that every call's schema is the same: null where no bed day of the
    // period has a recorded cost (every row, when there is no `daily_cost` column).
    let cost_days = sum(take(&mut m.cost_days));
    // The specification's "share of days that have a cost", in % of the bed days (null
    // without bed days): how much of `cost` is known.
    let cost_share: Vec<f64> = cost_days
        .iter()
        .zip(&bed_days)
        .map(|(&c, &b)| {
            if b > 0 {
                100.0 * c as f64 / b as f64
            } else {
                f64::NAN
            }
        })
        .collect();
    // The counts stay for the rates and proportions only when there are some; otherwise the
    // column takes them.
    let derived = pops.is_some() || adm.is_some();
    let column = |v: &mut Vec<i64>| if derived { v.clone() } else { take(v) };
    t.int("started", column(&mut started));
    t.int("ended", column(&mut ended));
    t.int("active_at_end", column(&mut active));
    t.int("bed_days", column(&mut bed_days));
    t.int("same_day", sum(take(&mut m.same_day)));
    for (b, (name, _, _)) in LOS_BANDS.iter().enumerate() {
        t.int(name, sum(take(&mut m.los[b])));
    }
    // A window's pence summed wide: twelve months of costs each within i64 may not be.
    let cost_pence: Vec<i128> = take(&mut m.cost_pence)
        .into_iter()
        .map(i128::from)
        .collect();
    t.nullable_number(
        "cost",
        cells
            .iter()
            .zip(&cost_days)
            .map(|(&(g, k), &days)| {
                if days > 0 {
                    window_sum(&cost_pence, n_months, g, k, l.w) as f64 / 100.0
                } else {
                    f64::NAN
                }
            })
            .collect(),
    );
    drop(cost_pence);
    t.int("cost_bed_days", cost_days);
    t.nullable_number("cost_days_share", cost_share);
    if let Some(pops) = pops {
        let pop: Vec<f64> = cells.iter().map(|&(g, _)| pops[g]).collect();
        t.nullable_number("population", pop.clone());
        for (name, counts) in [
            ("rate_started", &started),
            ("rate_active_at_end", &active),
            ("rate_ended", &ended),
        ] {
            rates(&mut t, name, counts, &pop, opts)?;
        }
    }
    if let Some(a) = adm {
        let a_counts = [
            (
                "started",
                started.clone(),
                cells
                    .iter()
                    .map(|&(g, k)| a.window_sum(&a.started, g, k, l.w))
                    .collect::<Vec<_>>(),
            ),
            (
                "bed_days",
                bed_days.clone(),
                cells
                    .iter()
                    .map(|&(g, k)| a.window_sum(&a.bed_days, g, k, l.w))
                    .collect(),
            ),
            (
                "active_at_end",
                active.clone(),
                at_end(&a.active_at_end, a.n_months),
            ),
            (
                "ended",
                ended.clone(),
                cells
                    .iter()
                    .map(|&(g, k)| a.window_sum(&a.ended, g, k, l.w))
                    .collect(),
            ),
        ];
        for (name, o, n) in &a_counts {
            t.int(&format!("admissions_{name}"), n.clone());
            proportions(&mut t, name, o, n, &cells, keys, month, l.w, opts, diag)?;
        }
    }
    if let Some(d) = distances {
        distance_columns(&mut t, d);
    }
    t.number("confidence", vec![opts.confidence; cells.len()]);
    t.finish()
}

/// The distance of each included placement started in a counted month: (placement, counted
/// month of its start, km). A placement without a distance is left out and counted
/// (`missing_distance`); one started before the first counted month is in no period's
/// summary (and not looked at); a distance that is negative or infinite is an error naming
/// its row.
pub(super) fn placement_distances(
    input: &Input,
    column: &str,
    p: &Placements,
    first_month: i32,
    n_months: usize,
    diag: &mut Diagnostics,
) -> Result<Vec<(usize, usize, f64)>> {
    let all = input.f64s_or_nan(column)?;
    let mut out = Vec::new();
    for (k, &row) in p.rows.iter().enumerate() {
        let Ok(sm) = usize::try_from(month_of(p.start[k]) - first_month) else {
            continue;
        };
        let d = all[row];
        if d.is_nan() {
            diag.flag(
                PLACEMENTS,
                "missing_distance",
                "left out of the distance summary",
                row,
            );
            continue;
        }
        if !(d.is_finite() && d >= 0.0) {
            return Err(Error::cell(
                input.name(column),
                row,
                crate::error::format_value(d),
                "distances must be finite and >= 0 km",
            ));
        }
        if sm < n_months {
            out.push((k, sm, if d == 0.0 { 0.0 } else { d }));
        }
    }
    Ok(out)
}

/// Summaries of the distances of the placements started in each period (rows as in
/// [`build`]: period-major, then group).
fn distance_summary(
    input: &Input,
    column: &str,
    p: &Placements,
    l: &Cells,
    first_month: i32,
    opts: &OapOptions,
    diag: &mut Diagnostics,
) -> Result<DistanceSummary> {
    let (mut cell, mut km) = (Vec::new(), Vec::new());
    for (k, sm, d) in placement_distances(input, column, p, first_month, l.n_months, diag)? {
        for c in l.windows_of(p.group[k] as usize, sm) {
            cell.push(c as u32);
            km.push(d);
        }
    }
    distance::summary(&cell, l.len(), &km, None, &distance_options(opts))
}

/// The distance summary's options: the caller's, at the OAP level of confidence.
pub(super) fn distance_options(opts: &OapOptions) -> SummaryOptions {
    let mut options = opts.distance_options.clone();
    options.confidence = opts.confidence;
    options
}

pub(super) fn distance_columns(t: &mut Tidy, d: &DistanceSummary) {
    t.number("distance_count", d.count.clone());
    t.number("distance_count_beyond", d.count_beyond.clone());
    for (name, values) in [
        ("distance_mean", &d.mean),
        ("distance_median", &d.median),
        ("distance_median_lower", &d.median_lower),
        ("distance_median_upper", &d.median_upper),
        ("distance_p90", &d.p90),
        ("distance_max", &d.max),
        ("distance_share_beyond", &d.share_beyond),
        ("distance_share_lower", &d.share_lower),
        ("distance_share_upper", &d.share_upper),
    ] {
        t.nullable_number(name, values.clone());
    }
    for (name, values) in d.band_names.iter().zip(&d.bands) {
        t.number(&format!("distance_{name}"), values.clone());
    }
}

/// Rates per population with Byar/exact limits; null where the group has no population.
fn rates(t: &mut Tidy, name: &str, counts: &[i64], pop: &[f64], opts: &OapOptions) -> Result<()> {
    let limits = PoissonLimits::new(opts.confidence, RateMethod::Byar)?;
    let n = counts.len();
    let (mut v, mut lo, mut hi) = (vec![f64::NAN; n], vec![f64::NAN; n], vec![f64::NAN; n]);
    let mut method: Vec<Option<&str>> = vec![None; n];
    let mut memo = ExactMemo::default();
    for i in 0..n {
        if pop[i].is_nan() {
            continue;
        }
        let r = limits.rate_row(counts[i] as f64, pop[i], opts.multiplier, &mut memo);
        (v[i], lo[i], hi[i], method[i]) = (r.value, r.lower, r.upper, Some(r.method.name()));
    }
    t.nullable_number(name, v);
    t.nullable_number(&format!("{name}_lower"), lo);
    t.nullable_number(&format!("{name}_upper"), hi);
    t.text(&format!("{name}_method"), method);
    Ok(())
}

/// OAP measure over the same measure of all admissions × 100, Wilson limits.
#[allow(clippy::too_many_arguments)]
fn proportions(
    t: &mut Tidy,
    name: &str,
    o: &[i64],
    n: &[i64],
    cells: &[(usize, usize)],
    keys: &[(Field, arrow_array::ArrayRef)],
    month: impl Fn(usize) -> i32,
    w: usize,
    opts: &OapOptions,
    diag: &mut Diagnostics,
) -> Result<()> {
    let z = z_value(opts.confidence)?;
    let len = o.len();
    let (mut v, mut lo, mut hi) = (
        vec![f64::NAN; len],
        vec![f64::NAN; len],
        vec![f64::NAN; len],
    );
    for i in 0..len {
        let (oi, ni) = (o[i] as f64, n[i] as f64);
        // Checked first: out-of-area placements in a period without admissions are as
        // inconsistent as more of them than admissions (0/0 alone is left null below).
        if oi > ni {
            let (g, k) = cells[i];
            // The group as every other error names one (`place=West Kent`, `place=null`): the
            // join key's text printed a null as an invisible NUL.
            let key = crate::table::groups::label(keys, g);
            let period = format!("the period ending {}", format_date(month_end(month(k))));
            // The truncation ends placements the admissions, taken as recorded, do not end.
            let why = if opts.overlap == OverlapRule::Truncate {
                "; overlap = \"truncate\" ended placements where the person's next one starts, \
                 and the admissions are counted as recorded: record those transfers in the \
                 admissions too, or use overlap = \"count\" for the proportions"
            } else {
                ""
            };
            return Err(Error::InvalidGroup {
                group: if keys.is_empty() {
                    format!("all in {period}")
                } else {
                    format!("{key} in {period}")
                },
                message: format!(
                    "{o} out-of-area {name} exceed the {n} of all admissions (window of {w} \
                     months): the admissions table must include the out-of-area admissions{why}",
                    o = o[i],
                    n = n[i]
                ),
            });
        }
        if ni == 0.0 {
            diag.record(
                &format!("no_admissions_{name}"),
                "proportion left null: no admissions (and no out-of-area placements) in the period",
                None,
            );
            continue;
        }
        (v[i], lo[i], hi[i]) = wilson_row(oi, ni, z, 100.0);
    }
    let col = format!("proportion_{name}");
    t.nullable_number(&col, v);
    t.nullable_number(&format!("{col}_lower"), lo);
    t.nullable_number(&format!("{col}_upper"), hi);
    Ok(())
}
