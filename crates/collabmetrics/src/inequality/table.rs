//! The table entry point: every requested grouped measure for every by-group of a subgroup
//! table, as a tidy result.

use serde::{Deserialize, Serialize};

use super::grouped::Subgroup;
use super::heat::{applies_by_default, heat_measure_list, HeatOptions, Measure, MeasureResult};
use crate::error::{Error, ErrorKind, Result};
use crate::table::tidy::Tidy;
use crate::table::{display, Diagnostics, Groups, Input, Roles, TableResult};

/// Options of [`measures_table`]. Column names are ours; the [`Input`]'s column map renames
/// them to the caller's. Serialised with the measure options flattened beside the columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasuresTableOptions {
    /// Columns whose combinations each hold one subgroup table (e.g. indicator, area, period).
    pub by: Vec<String>,
    /// The subgroup label column (any type; shown as text).
    pub subgroup: String,
    /// The estimate column.
    pub value: String,
    /// Optional standard error column (nulls allowed: that subgroup has no SE).
    pub se: Option<String>,
    /// Optional confidence limit columns (used by the linear SII when `se` is absent).
    pub lower: Option<String>,
    /// The upper confidence limit column (with `lower`).
    pub upper: Option<String>,
    /// The population column.
    pub population: String,
    /// The order column of an ordered dimension (1 = most disadvantaged); `None` for a
    /// non-ordered dimension.
    pub order: Option<String>,
    /// Measures to compute (`None`: every one that applies to the dimension, but RII_MEAN,
    /// which is given on request only).
    pub measures: Option<Vec<Measure>>,
    /// Counts instead of an estimate: each subgroup's value and limits are then computed by
    /// the statistics module from its numerator and denominator (`value`, `lower`, `upper`
    /// and `se` are not read).
    pub counts: Option<Counts>,
    /// Measure options (`ordered` is set from `order`).
    #[serde(flatten)]
    pub options: HeatOptions,
}

impl Default for MeasuresTableOptions {
    fn default() -> Self {
        MeasuresTableOptions {
            by: Vec::new(),
            subgroup: "subgroup".into(),
            value: "value".into(),
            se: None,
            lower: None,
            upper: None,
            population: "population".into(),
            order: None,
            measures: None,
            counts: None,
            options: HeatOptions::default(),
        }
    }
}

/// Subgroup estimates from counts: a proportion or rate computed from a numerator and a
/// denominator, its interval from the stats module (`docs/methods/inequality.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    /// The numerator (count) column.
    pub numerator: String,
    /// The denominator (population or person-time) column.
    pub denominator: String,
    /// A proportion (Wilson limits) or a rate (Byar's limits, exact below 10).
    pub kind: CountKind,
    /// Scale of the estimate: `None` for the kind's own ([`CountKind::default_multiplier`]).
    pub multiplier: Option<f64>,
}

crate::option_enum! {
    /// What [`Counts`] estimate.
    #[derive(Default)]
    pub enum CountKind: "count_kind", "count kind" {
        /// A proportion with Wilson limits (the default).
        #[default]
        Proportion = "proportion",
        /// A rate with Byar's limits (exact below 10).
        Rate = "rate",
    }
}

impl CountKind {
    /// The multiplier used when none is given: 100 for a proportion (a percentage), 100 000
    /// for a rate.
    pub fn default_multiplier(self) -> f64 {
        match self {
            CountKind::Proportion => 100.0,
            CountKind::Rate => 100_000.0,
        }
    }
}

impl Default for Counts {
    /// Columns `numerator` and `denominator`, a proportion, the kind's multiplier.
    fn default() -> Self {
        Counts {
            numerator: "numerator".into(),
            denominator: "denominator".into(),
            kind: CountKind::Proportion,
            multiplier: None,
        }
    }
}

impl Counts {
    /// The multiplier in force: the one given, or the kind's default.
    pub fn multiplier(&self) -> f64 {
        self.multiplier
            .unwrap_or_else(|| self.kind.default_multiplier())
    }
}

/// Value, lower and upper 95% limits of every row from its counts (the level PHE's SII turns
/// limits into standard errors at).
fn from_counts(input: &Input, c: &Counts) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let num = input.f64s(&c.numerator)?;
    let den = input.f64s(&c.denominator)?;
    let est = match c.kind {
        CountKind::Proportion => {
            let o = crate::stats::ProportionOptions {
                confidence: 0.95,
                multiplier: c.multiplier(),
                ..Default::default()
            };
            crate::stats::proportion(&num, &den, &o)
        }
        CountKind::Rate => {
            let o = crate::stats::RateOptions {
                confidence: 0.95,
                multiplier: c.multiplier(),
                ..Default::default()
            };
            crate::stats::rate(&num, &den, &o)
        }
    }
    .map_err(|e| {
        input.locate_as(
            e,
            &[
                ("numerator", &c.numerator),
                // the rate kernel calls its numerator `count`
                ("count", &c.numerator),
                ("denominator", &c.denominator),
            ],
        )
    })?;
    Ok((est.value, est.lower, est.upper))
}

/// The first of by-group `g`'s 64 random streams: from its key's text (FNV-1a, 58 bits, times
/// 64), so a by-group's simulated limits depend on its own rows and the seed alone. From its
/// position, an area's published limits changed when the extract was filtered or sorted
/// differently. The one table of a call without `by` takes stream 0.
fn first_stream(groups: &Groups, g: usize, by: bool) -> u64 {
    if !by {
        return 0;
    }
    let h = groups
        .label(g)
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    (h >> 6) << 6
}

/// One row per (by-group, measure): the `by` columns, `measure` (its code), `value`, `lower`,
/// `upper` (null without an interval), `confidence`, `method` (`analytic`, `simulation` or
/// `none`). By-groups are computed in parallel; by-group g's measure i draws from stream
/// 64·h + i of the seed, h a hash of g's key, so results depend on neither the number of
/// threads nor the other by-groups. An error in a by-group names it (e.g.
/// `area=E54000008: subgroup "decile 3": missing population`).
pub fn measures_table(input: &Input, opts: &MeasuresTableOptions) -> Result<TableResult> {
    let groups = Groups::new(input, &opts.by)?;
    let n = input.num_rows();
    let labels_col = input.column(&opts.subgroup)?;
    // A null label is no subgroup (not one labelled "null", which `reference` could name).
    // Logical nulls: those of a null-typed or dictionary column too.
    if let Some(row) = labels_col
        .logical_nulls()
        .and_then(|nulls| (0..n).find(|&i| nulls.is_null(i)))
    {
        return Err(Error::cell(
            input.name(&opts.subgroup),
            row,
            "null",
            "a subgroup label is required",
        ));
    }
    let labels: Vec<String> = (0..n).map(|i| display(labels_col.as_ref(), i)).collect();
    let optional = |name: &Option<String>| -> Result<Option<Vec<f64>>> {
        name.as_ref().map(|c| input.f64s_or_nan(c)).transpose()
    };
    let (value, se, lower, upper) = match &opts.counts {
        Some(c) => {
            let (v, lo, hi) = from_counts(input, c)?;
            (v, None, Some(lo), Some(hi))
        }
        None => (
            input.f64s(&opts.value)?.into_owned(),
            optional(&opts.se)?,
            optional(&opts.lower)?,
            optional(&opts.upper)?,
        ),
    };
    let population = input.f64s_or_nan(&opts.population)?;
    let order = optional(&opts.order)?;
    if let Some(o) = &order {
        if let Some(row) = o.iter().position(|v| !v.is_nan() && v.fract() != 0.0) {
            return Err(Error::InvalidCell {
                table: None,
                column: input
                    .name(opts.order.as_deref().unwrap_or("order"))
                    .to_owned(),
                row,
                value: o[row].to_string(),
                rule: "an order must be a whole number".into(),
            });
        }
    }
    let some = |v: &Option<Vec<f64>>, i: usize| v.as_ref().map(|v| v[i]).filter(|x| !x.is_nan());
    let mut diagnostics = Diagnostics::new();
    for (i, p) in population.iter().enumerate() {
        if p.is_nan() {
            diagnostics.record(
                "missing_population",
                "no weight in weighted measures; the setting average replaces the mean (up to 15% of subgroups, non-ordered)",
                Some(i),
            );
        }
    }
    // By-groups with a subgroup lacking a standard error (and limits): their measures that
    // need one get no interval, which the diagnostics say per row and per measure.
    let mut unsure = vec![false; groups.len()];
    if opts.counts.is_none() {
        for i in 0..n {
            let has_lim = some(&lower, i).is_some() && some(&upper, i).is_some();
            if some(&se, i).is_none() && !has_lim {
                unsure[groups.codes[i] as usize] = true;
                diagnostics.record(
                    "no_standard_error",
                    "no standard error or limits: measures of its by-group that need one have no interval",
                    Some(i),
                );
            }
        }
    }
    let mut tables: Vec<Vec<Subgroup>> = vec![Vec::new(); groups.len()];
    for i in 0..n {
        tables[groups.codes[i] as usize].push(Subgroup {
            label: labels[i].clone(),
            value: value[i],
            se: some(&se, i),
            lower: some(&lower, i),
            upper: some(&upper, i),
            population: Some(population[i]).filter(|x| !x.is_nan()),
            order: some(&order, i).map(|o| o as i64),
        });
    }
    let heat = HeatOptions {
        ordered: opts.order.is_some(),
        ..opts.options.clone()
    };
    check_favourable(opts, &heat)?;
    let chosen = |t: &[Subgroup]| -> Vec<(usize, Measure)> {
        match &opts.measures {
            Some(ms) => ms.iter().copied().enumerate().collect(),
            None => Measure::ALL
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, m)| applies_by_default(*m, t.len(), &heat))
                .collect(),
        }
    };
    if opts.by.is_empty() && n == 0 {
        // No rows without `by` are one table of no subgroups: the error of too few subgroups,
        // as for one row. (With `by`, no rows are no by-groups: an empty result.)
        let list: Vec<(u64, Measure)> = chosen(&[])
            .into_iter()
            .map(|(i, m)| (i as u64, m))
            .collect();
        heat_measure_list(&[], &list, &heat)?;
    }
    // Progress by measure of every by-group, so one table reports too and the fraction only
    // grows (each measure's own simulation then stays silent: see `cancel::Progress`).
    let units: usize = tables.iter().map(|t| chosen(t).len()).sum();
    let progress = crate::cancel::Progress::start(units as u64);
    // By-groups in chunks whose simulations fit the working-memory limit together.
    let outcomes = super::sii::per_table(&tables, heat.reps, |g, t| {
        // One call for the by-group's measures: the linear SII, RII and RII_MEAN share one
        // simulation.
        let first = first_stream(&groups, g, !opts.by.is_empty());
        let list: Vec<(u64, Measure)> = chosen(t)
            .into_iter()
            .map(|(i, m)| (first + i as u64, m))
            .collect();
        let r = heat_measure_list(t, &list, &heat);
        progress.advance(list.len() as u64);
        r.map_err(|e| in_group(e, &groups, g, opts.by.is_empty()))
    });
    // Every by-group's outcome in order, then the first error: collecting the parallel
    // iterator straight into a Result would return whichever group failed first in time, so
    // the error named could change from run to run.
    let results: Vec<Vec<MeasureResult>> = outcomes.into_iter().collect::<Result<_>>()?;
    let rows: Vec<u32> = results
        .iter()
        .enumerate()
        .flat_map(|(g, r)| std::iter::repeat_n(g as u32, r.len()))
        .collect();
    let flat: Vec<&MeasureResult> = results.iter().flatten().collect();
    for (k, r) in flat.iter().enumerate() {
        if r.lower.is_none() && r.method == "none" && unsure[rows[k] as usize] {
            diagnostics.record(
                "no_interval",
                "no interval could be computed (lower and upper null): give the subgroups' `se`, or `lower` and `upper`",
                None,
            );
        } else if r.lower.is_none() && r.method == "simulation" {
            diagnostics.record(
                "rii_interval_undefined",
                "RII limits null: simulated fitted lines reach 0, so the ratio has no interval (`transform` fits rates and proportions on the log or logit scale)",
                None,
            );
        }
    }
    let mut out = Tidy::from_group_rows(&groups.keys, &rows)?;
    out.text(
        "measure",
        flat.iter().map(|r| Some(r.measure.as_str())).collect(),
    );
    out.nullable_number("value", flat.iter().map(|r| r.value).collect());
    let nan = f64::NAN;
    out.nullable_number(
        "lower",
        flat.iter().map(|r| r.lower.unwrap_or(nan)).collect(),
    );
    out.nullable_number(
        "upper",
        flat.iter().map(|r| r.upper.unwrap_or(nan)).collect(),
    );
    out.number("confidence", flat.iter().map(|r| r.confidence).collect());
    out.text(
        "method",
        flat.iter().map(|r| Some(r.method.as_str())).collect(),
    );
    // Measures of a whole subgroup table hold no counts to control.
    let keys: Vec<String> = groups.keys.iter().map(|(f, _)| f.name().clone()).collect();
    Ok(TableResult {
        table: Roles::counts(&[], &keys).annotate(out.finish()?),
        diagnostics,
    })
}

/// Without a direction (`favourable`), the first measure asked for (or, with none asked for,
/// applicable) that needs one is an error naming the option, before any by-group is computed.
fn check_favourable(opts: &MeasuresTableOptions, heat: &HeatOptions) -> Result<()> {
    if heat.favourable.is_some() {
        return Ok(());
    }
    let needs = |m: &Measure| m.needs_favourable(heat.ordered, heat.reference.is_some());
    let first = match &opts.measures {
        Some(ms) => ms.iter().copied().find(needs),
        None => Measure::ALL
            .iter()
            .copied()
            .find(|m| needs(m) && applies_by_default(*m, usize::MAX, heat)),
    };
    match first {
        Some(m) => heat.favourable_for(m).map(|_| ()),
        None => Ok(()),
    }
}

/// Names the by-group in an error about one of its subgroups or options (a measure needing
/// more subgroups than the group has is an `invalid_argument` about that group). A documented
/// limit, a cancellation or an internal error is about the call, not the group: it keeps its
/// kind and fields, so the same `reps` is refused the same way with or without `by`.
fn in_group(e: Error, groups: &Groups, g: usize, no_by: bool) -> Error {
    let about_the_call = matches!(
        e.kind(),
        ErrorKind::LimitExceeded | ErrorKind::Cancelled | ErrorKind::Internal
    );
    if no_by || about_the_call {
        return e;
    }
    let by = groups.label(g);
    match e {
        Error::InvalidGroup { group, message } => Error::InvalidGroup {
            group: format!("{by}: subgroup \"{group}\""),
            message,
        },
        other => Error::InvalidGroup {
            group: by,
            message: other.to_string(),
        },
    }
}
