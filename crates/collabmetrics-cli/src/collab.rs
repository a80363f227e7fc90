//! The collaborative report's sections computed from tables, for the demo (`demo.rs`) and for
//! an analyst's own extracts (`report_cmd.rs`): out-of-area placements (the Long Term Plan
//! headline, rates, shares of admissions, flows, travel distance) and transition (cohorts T
//! and B, the continuity gap, the time to a first adult contact). Every number comes from the
//! core's table entry points; this module lays them out, in one order of groups throughout.

use crate::html::{Bands, Chart, Heatmap, Interval, Intervals, Lines, Survival};
use crate::report::{interval_label, percent, Cell, Section};
use arrow_array::{cast::AsArray, types::Float64Type, types::Int64Type, Array, RecordBatch};
use arrow_schema::DataType;
use collabmetrics::oap::{self, month_of, OapOptions, Window};
use collabmetrics::table::{display, format_date, Input, TableResult};
use collabmetrics::transition::{Analysis, BClass};
use collabmetrics::{Error, Result};
use std::collections::{BTreeMap, HashMap};

/// A result table's columns by name.
pub struct Columns<'a>(pub &'a RecordBatch);

impl Columns<'_> {
    /// A column as text (nulls "null"); empty when there is no such column.
    pub fn text(&self, name: &str) -> Vec<String> {
        self.0.column_by_name(name).map_or_else(Vec::new, |c| {
            (0..c.len()).map(|i| display(c.as_ref(), i)).collect()
        })
    }

    /// A numeric column as floats (nulls NaN); empty when there is no such column.
    pub fn f64(&self, name: &str) -> Vec<f64> {
        let Some(c) = self.0.column_by_name(name) else {
            return Vec::new();
        };
        match c.data_type() {
            DataType::Int64 => c
                .as_primitive::<Int64Type>()
                .iter()
                .map(|v| v.map_or(f64::NAN, |v| v as f64))
                .collect(),
            DataType::Float64 => c
                .as_primitive::<Float64Type>()
                .iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect(),
            _ => vec![f64::NAN; c.len()],
        }
    }
}

/// Row of each group label in `labels` (the first, when repeated).
pub(crate) fn positions(labels: &[String]) -> HashMap<&str, usize> {
    let mut at = HashMap::new();
    for (i, l) in labels.iter().enumerate() {
        at.entry(l.as_str()).or_insert(i);
    }
    at
}

/// What the OAP sections are computed from.
pub struct Oap<'a> {
    /// Placements (one row per placement).
    pub placements: &'a Input,
    /// All acute admissions, for the shares placed out of area.
    pub admissions: Option<&'a Input>,
    /// Population per group (`group` and `population` columns), for rates.
    pub population: Option<&'a Input>,
    /// The breakdown column (our name), e.g. `place`.
    pub group: String,
    /// The groups in the order every table shows them (their labels: see [`Groups`]).
    pub groups: Vec<String>,
    /// The label of the group whose breakdown value is null (a label no recorded value has).
    pub null_label: String,
    /// A placements column of home-to-unit distances (km), for the distance section.
    pub distance: Option<String>,
    /// The receiving provider column, for the flows section.
    pub receiving: Option<String>,
    /// First day of the data (the SPC charts run from its month).
    pub start: i32,
    /// Last day of the data: the reporting year ends here; open placements run to it.
    pub end: i32,
    /// Confidence level of every interval.
    pub confidence: f64,
}

impl Oap<'_> {
    /// First day of the reporting year (the twelve months to the data end).
    pub fn year_start(&self) -> i32 {
        oap::month_start(month_of(self.end) - 11)
    }

    /// "12 months 2023-04-01 to 2024-03-31".
    pub fn year(&self) -> String {
        format!(
            "12 months {} to {}",
            format_date(self.year_start()),
            format_date(self.end)
        )
    }

    /// The core's options for a window over months `start..=end`, by `by`.
    pub fn options(&self, start: i32, window: Window, by: &[&str]) -> OapOptions {
        let mut o = OapOptions::new(start, self.end);
        o.window = window;
        o.by = by.iter().map(|s| s.to_string()).collect();
        o.data_cutoff = Some(self.end);
        o.confidence = self.confidence;
        o
    }

    pub(crate) fn measures(
        &self,
        o: &OapOptions,
        population: bool,
        admissions: bool,
    ) -> Result<TableResult> {
        oap::measures(
            self.placements,
            o,
            self.population.filter(|_| population),
            self.admissions.filter(|_| admissions),
        )
    }

    /// The year's measures by group, with rates (`population`) and shares of admissions.
    pub fn year_by_group(&self, population: bool, admissions: bool) -> Result<TableResult> {
        let o = self.options(self.end, Window::Rolling12m, &[&self.group]);
        self.measures(&o, population, admissions)
    }

    /// The group label of each row of a result by group: the value as text, the null group
    /// as [`Oap::null_label`] (never "null", which a recorded value may be).
    pub fn group_labels(&self, t: &RecordBatch) -> Vec<String> {
        t.column_by_name(&self.group).map_or_else(Vec::new, |c| {
            (0..c.len())
                .map(|i| match c.is_null(i) {
                    true => self.null_label.clone(),
                    false => display(c.as_ref(), i),
                })
                .collect()
        })
    }

    /// Each group's row of a by-group result (`None`: the group has none).
    fn rows_of(&self, r: &TableResult) -> Vec<Option<usize>> {
        let labels = self.group_labels(&r.table);
        let at = positions(&labels);
        self.groups
            .iter()
            .map(|g| at.get(g.as_str()).copied())
            .collect()
    }

    /// The group column's heading.
    fn group_heading(&self) -> String {
        self.group.replace('_', " ")
    }
}

/// The flows' origin: "sending place", or the group as it is when its name says so already
/// (`--by sending_org`: "sending org", not "sending sending org").
fn sending(group: &str) -> String {
    if group.starts_with("sending") {
        group.to_owned()
    } else {
        format!("sending {group}")
    }
}

/// The value at row `i` (NaN for a group without a row).
fn at(v: &[f64], i: Option<usize>) -> f64 {
    i.and_then(|i| v.get(i).copied()).unwrap_or(f64::NAN)
}

/// The Long Term Plan headline: inappropriate OAP bed days over rolling 3 months, by group.
pub fn headline(d: &Oap) -> Result<Section> {
    let by_group = d.measures(
        &d.options(d.year_start(), Window::Rolling3m, &[&d.group]),
        false,
        false,
    )?;
    let total = d.measures(
        &d.options(d.year_start(), Window::Rolling3m, &[]),
        false,
        false,
    )?;
    let (bc, tc) = (Columns(&by_group.table), Columns(&total.table));
    let (group, period, days) = (
        d.group_labels(&by_group.table),
        bc.text("period_end"),
        bc.f64("bed_days"),
    );
    let (months, all) = (tc.text("period_end"), tc.f64("bed_days"));
    let mut cell: HashMap<(&str, &str), f64> = HashMap::new();
    for i in 0..group.len() {
        cell.insert((period[i].as_str(), group[i].as_str()), days[i]);
    }
    let value = |m: &str, g: &str| cell.get(&(m, g)).copied().unwrap_or(0.0);
    let mut header = vec!["3 months to".to_owned()];
    header.extend(d.groups.iter().cloned());
    header.push("collaborative".to_owned());
    let rows = months
        .iter()
        .zip(&all)
        .map(|(m, t)| {
            let mut row = vec![Cell::text(m)];
            row.extend(d.groups.iter().map(|g| Cell::count(value(m, g))));
            row.push(Cell::count(*t));
            row
        })
        .collect();
    let chart = Chart::Lines(Lines {
        title: format!(
            "Inappropriate OAP bed days in the 3 months to each month end, by {}",
            d.group_heading()
        ),
        y_label: "bed days, rolling 3 months".to_owned(),
        x: months.clone(),
        series: d
            .groups
            .iter()
            .map(|g| (g.clone(), months.iter().map(|m| value(m, g)).collect()))
            .collect(),
    });
    Ok(Section::new(
        "oap-headline",
        &format!(
            "Inappropriate out-of-area placement bed days, rolling 3 months (OAP02, the Long Term Plan headline), {}",
            d.year()
        ),
        "Nights in the period: admission day counts, discharge day does not; open placements run to the data end",
        header,
        rows,
        &total.diagnostics,
    )
    .with_chart(chart)
    .when_empty("No rows: no month of the reporting year has data."))
}

/// The rate method as the report names it: Byar's approximation, or the exact Poisson interval.
fn rate_method(name: &str) -> String {
    match name {
        "Byars" => "Byar".to_owned(),
        "Exact" => "exact Poisson".to_owned(),
        other => other.to_owned(),
    }
}

/// OAP05: placements started per 1 000 000 population over the year, by group.
pub fn rates(d: &Oap) -> Result<Section> {
    let r = d.year_by_group(true, false)?;
    let c = Columns(&r.table);
    let (started, pop) = (c.f64("started"), c.f64("population"));
    let (v, lo, hi) = (
        c.f64("rate_started"),
        c.f64("rate_started_lower"),
        c.f64("rate_started_upper"),
    );
    let method = c.text("rate_started_method");
    let rows_of = d.rows_of(&r);
    let rows = d
        .groups
        .iter()
        .zip(&rows_of)
        .map(|(g, &i)| {
            vec![
                Cell::text(g),
                Cell::count(at(&started, i)),
                Cell::count(at(&pop, i)),
                Cell::est(at(&v, i), at(&lo, i), at(&hi, i), 1),
                i.map_or_else(Cell::none, |i| Cell::text(rate_method(&method[i]))),
            ]
        })
        .collect();
    let chart = Chart::Intervals(Intervals {
        title: format!(
            "Inappropriate OAPs started per 1 000 000 population, {}, with {}",
            d.year(),
            interval_label(d.confidence)
        ),
        x_label: "placements started per 1 000 000".to_owned(),
        rows: interval_rows(&d.groups, &rows_of, &v, &lo, &hi),
        reference: None,
    });
    Ok(Section::new(
        "oap-rates",
        &format!(
            "Inappropriate OAPs started per 1 000 000 population (OAP05), {}",
            d.year()
        ),
        "Crude rate, all ages; Byar's interval (the exact Poisson interval below 10 placements)",
        vec![
            d.group_heading(),
            "started".to_owned(),
            "population".to_owned(),
            format!("per 1 000 000 ({})", interval_label(d.confidence)),
            "interval method".to_owned(),
        ],
        rows,
        &r.diagnostics,
    )
    .with_chart(chart))
}

/// Chart rows of estimates by group.
fn interval_rows(
    groups: &[String],
    rows_of: &[Option<usize>],
    v: &[f64],
    lo: &[f64],
    hi: &[f64],
) -> Vec<Interval> {
    groups
        .iter()
        .zip(rows_of)
        .map(|(g, &i)| Interval {
            label: g.clone(),
            value: at(v, i),
            lower: at(lo, i),
            upper: at(hi, i),
        })
        .collect()
}

/// OAP08 and OAP09: shares of all acute admissions and bed days that were inappropriate OAPs.
pub fn proportions(d: &Oap) -> Result<Section> {
    let r = d.year_by_group(false, true)?;
    let c = Columns(&r.table);
    // The core's proportions are per cent already (OAP08, OAP09 are published so).
    let pct = |name: &str| c.f64(name);
    let (oaps, adm) = (c.f64("started"), c.f64("admissions_started"));
    let (v, lo, hi) = (
        pct("proportion_started"),
        pct("proportion_started_lower"),
        pct("proportion_started_upper"),
    );
    let days = pct("proportion_bed_days");
    let rows_of = d.rows_of(&r);
    let rows = d
        .groups
        .iter()
        .zip(&rows_of)
        .map(|(g, &i)| {
            vec![
                Cell::text(g),
                Cell::count(at(&oaps, i)),
                Cell::count(at(&adm, i)),
                Cell::est(at(&v, i), at(&lo, i), at(&hi, i), 1),
                Cell::num(at(&days, i), 1),
            ]
        })
        .collect();
    let chart = Chart::Intervals(Intervals {
        title: format!(
            "Per cent of acute admissions placed out of area, {}, with {}",
            d.year(),
            interval_label(d.confidence)
        ),
        x_label: "% of acute admissions".to_owned(),
        rows: interval_rows(&d.groups, &rows_of, &v, &lo, &hi),
        reference: None,
    });
    Ok(Section::new(
        "oap-admissions",
        &format!(
            "Acute admissions placed out of area for lack of a local bed (OAP08, OAP09), {}",
            d.year()
        ),
        "Per cent of all acute admissions (and of all acute bed days); Wilson score interval",
        vec![
            d.group_heading(),
            "OAPs".to_owned(),
            "admissions".to_owned(),
            format!("% of admissions ({})", interval_label(d.confidence)),
            "% of bed days".to_owned(),
        ],
        rows,
        &r.diagnostics,
    )
    .with_chart(chart))
}

/// Where patients were sent: bed days by group and receiving provider, largest flows first,
/// with the whole matrix as a heat map.
pub fn flows(d: &Oap) -> Result<Section> {
    let receiving = d
        .receiving
        .clone()
        .unwrap_or_else(|| "receiving_org".to_owned());
    let o = d.options(d.end, Window::Rolling12m, &[&d.group, &receiving]);
    let r = d.measures(&o, false, false)?;
    let c = Columns(&r.table);
    let (group, org) = (d.group_labels(&r.table), c.text(&receiving));
    let (started, days) = (c.f64("started"), c.f64("bed_days"));
    let mut order: Vec<usize> = (0..group.len()).filter(|&i| days[i] > 0.0).collect();
    order.sort_by(|&a, &b| days[b].total_cmp(&days[a]).then(a.cmp(&b)));
    let rows = order
        .iter()
        .take(10)
        .map(|&i| {
            vec![
                Cell::text(&group[i]),
                Cell::text(&org[i]),
                Cell::count(started[i]),
                Cell::count(days[i]),
            ]
        })
        .collect();
    // Receiving providers by their total bed days, largest first (at most 14 columns).
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for &i in &order {
        *totals.entry(org[i].as_str()).or_default() += days[i];
    }
    let mut cols: Vec<(&str, f64)> = totals.into_iter().collect();
    cols.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    cols.truncate(14);
    let cell: HashMap<(&str, &str), f64> = order
        .iter()
        .map(|&i| ((group[i].as_str(), org[i].as_str()), days[i]))
        .collect();
    let chart = Chart::Heatmap(Heatmap {
        title: format!(
            "Inappropriate OAP bed days by sending {} and receiving provider, {}",
            d.group_heading(),
            d.year()
        ),
        rows: d.groups.clone(),
        cols: cols.iter().map(|(c, _)| c.to_string()).collect(),
        values: d
            .groups
            .iter()
            .map(|g| {
                cols.iter()
                    .map(|(c, _)| cell.get(&(g.as_str(), *c)).copied().unwrap_or(0.0))
                    .collect()
            })
            .collect(),
        unit: "bed days".to_owned(),
    });
    Ok(Section::new(
        "oap-flows",
        &format!(
            "Largest flows: {} to receiving provider, {}",
            sending(&d.group_heading()),
            d.year()
        ),
        "Inappropriate OAP bed days in the 12 months (the sending x receiving flow matrix, top 10)",
        vec![
            d.group_heading(),
            "receiving provider".to_owned(),
            "started".to_owned(),
            "bed days".to_owned(),
        ],
        rows,
        &r.diagnostics,
    )
    .with_chart(chart)
    .when_empty("No rows: no inappropriate OAP bed days in the 12 months."))
}

/// A distance band's column name as words: `band_lt_25` → "under 25 km", `band_25_50` →
/// "25-50 km", `band_ge_300` → "300 km or more".
fn band_words(name: &str) -> String {
    let b = name
        .trim_start_matches("distance_")
        .trim_start_matches("band_");
    let n = |s: &str| s.replace('p', ".");
    if let Some(x) = b.strip_prefix("lt_") {
        format!("under {} km", n(x))
    } else if let Some(x) = b.strip_prefix("ge_") {
        format!("{} km or more", n(x))
    } else {
        match b.split_once('_') {
            Some((lo, hi)) => format!("{}-{} km", n(lo), n(hi)),
            None => b.to_owned(),
        }
    }
}

/// Travel from home to the out-of-area unit, placements started in the year, by group.
pub fn distances(d: &Oap) -> Result<Section> {
    let Some(km) = &d.distance else {
        return Err(Error::invalid_argument(
            "distance",
            "no distance column given",
        ));
    };
    let mut o = d.options(d.end, Window::Rolling12m, &[&d.group]);
    o.distance = Some(km.clone());
    let threshold = o.distance_options.threshold;
    let r = d.measures(&o, false, false)?;
    let c = Columns(&r.table);
    let f = |n: &str| c.f64(n);
    let pct = |n: &str| -> Vec<f64> { c.f64(n).iter().map(|v| 100.0 * v).collect() };
    let (count, med, med_lo, med_hi, p90) = (
        f("distance_count"),
        f("distance_median"),
        f("distance_median_lower"),
        f("distance_median_upper"),
        f("distance_p90"),
    );
    let (share, share_lo, share_hi) = (
        pct("distance_share_beyond"),
        pct("distance_share_lower"),
        pct("distance_share_upper"),
    );
    let band_names: Vec<String> = r
        .table
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n.starts_with("distance_band_"))
        .collect();
    let far = band_names.last().cloned().unwrap_or_default();
    let far_counts = f(&far);
    let rows_of = d.rows_of(&r);
    let rows = d
        .groups
        .iter()
        .zip(&rows_of)
        .map(|(g, &i)| {
            vec![
                Cell::text(g),
                Cell::count(at(&count, i)),
                Cell::est(at(&med, i), at(&med_lo, i), at(&med_hi, i), 1),
                Cell::num(at(&p90, i), 1),
                Cell::est(at(&share, i), at(&share_lo, i), at(&share_hi, i), 1),
                Cell::count(at(&far_counts, i)),
            ]
        })
        .collect();
    let chart = Chart::Bands(Bands {
        title: format!(
            "Distance bands of the OAP publication, placements started {}",
            d.year()
        ),
        bands: band_names.iter().map(|b| band_words(b)).collect(),
        rows: d
            .groups
            .iter()
            .zip(&rows_of)
            .map(|(g, &i)| (g.clone(), band_names.iter().map(|b| at(&f(b), i)).collect()))
            .collect(),
    });
    let level = interval_label(d.confidence);
    Ok(Section::new(
        "distance",
        &format!(
            "Distance from home to the out-of-area unit, placements started {} (km)",
            d.year()
        ),
        &format!(
            "Straight line between British National Grid points (the NHS method); median with its order-statistic interval; share of {threshold} km or more with Wilson interval"
        ),
        vec![
            d.group_heading(),
            "placements".to_owned(),
            format!("median km ({level})"),
            "90th centile".to_owned(),
            format!("% {threshold} km or more ({level})"),
            band_words(&far),
        ],
        rows,
        &r.diagnostics,
    )
    .with_chart(chart))
}

/// One row of the transition summary.
pub struct Metric {
    /// Numerator (null for T7).
    pub numerator: Option<i64>,
    /// Denominator.
    pub denominator: i64,
    /// The proportion (T7: the median).
    pub value: Option<f64>,
    /// Lower limit (T7: the lower quartile).
    pub lower: Option<f64>,
    /// Upper limit (T7: the upper quartile).
    pub upper: Option<f64>,
}

/// The transition summary, looked up by metric, breakdown and group.
pub struct Summary {
    rows: BTreeMap<(String, String, String), Metric>,
    /// Order of the groups as the summary lists them, per breakdown.
    order: Vec<(String, String, String)>,
}

impl Summary {
    /// Reads the core's summary table.
    pub fn new(t: &RecordBatch) -> Self {
        let c = Columns(t);
        let (metric, breakdown, group) = (c.text("metric"), c.text("breakdown"), c.text("group"));
        let (num, den) = (c.f64("numerator"), c.f64("denominator"));
        let (value, lower, upper) = (c.f64("value"), c.f64("lower"), c.f64("upper"));
        let some = |v: f64| v.is_finite().then_some(v);
        let mut order = Vec::new();
        let rows = (0..t.num_rows())
            .map(|i| {
                let key = (metric[i].clone(), breakdown[i].clone(), group[i].clone());
                order.push(key.clone());
                (
                    key,
                    Metric {
                        numerator: some(num[i]).map(|n| n as i64),
                        denominator: some(den[i]).map_or(0, |n| n as i64),
                        value: some(value[i]),
                        lower: some(lower[i]),
                        upper: some(upper[i]),
                    },
                )
            })
            .collect();
        Summary { rows, order }
    }

    /// One row.
    pub fn get(&self, metric: &str, breakdown: &str, group: &str) -> Option<&Metric> {
        self.rows
            .get(&(metric.to_owned(), breakdown.to_owned(), group.to_owned()))
    }

    /// The groups of one metric's breakdown with their rows, in the summary's order.
    pub fn groups<'a>(
        &'a self,
        metric: &'a str,
        breakdown: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Metric)> + 'a {
        self.order
            .iter()
            .filter(move |(m, b, _)| m == metric && b == breakdown)
            .filter_map(|k| self.rows.get(k).map(|r| (k.2.as_str(), r)))
    }
}

/// What the transition sections are computed from.
pub struct Young<'a> {
    /// The core's analysis of both cohorts.
    pub analysis: &'a Analysis,
    /// Its summary, for lookups.
    pub summary: &'a Summary,
    /// The reporting period of index and boundary dates, in words.
    pub period: String,
    /// The last day the data cover.
    pub data_end: i32,
    /// The engagement horizon N of T1 (days).
    pub engagement_days: i32,
    /// Confidence level.
    pub confidence: f64,
}

/// A summary row as report cells: measure, group, numerator, denominator, per cent, interval.
fn percent_row(label: &str, group: &str, m: Option<&Metric>) -> Vec<Cell> {
    let pct = |v: Option<f64>| v.map_or(f64::NAN, |v| 100.0 * v);
    match m {
        Some(m) => vec![
            Cell::text(label),
            Cell::text(group),
            Cell::Count(m.numerator),
            Cell::Count(Some(m.denominator)),
            Cell::num(pct(m.value), 1),
            Cell::range(pct(m.lower), pct(m.upper), 1),
        ],
        None => vec![
            Cell::text(label),
            Cell::text(group),
            Cell::none(),
            Cell::Count(Some(0)),
            Cell::none(),
            Cell::none(),
        ],
    }
}

fn transition_header(c: f64) -> Vec<String> {
    vec![
        "measure".to_owned(),
        "group".to_owned(),
        "numerator".to_owned(),
        "denominator".to_owned(),
        "%".to_owned(),
        interval_label(c),
    ]
}

/// A chart row of a summary row in per cent.
fn chart_row(label: &str, m: Option<&Metric>) -> Interval {
    let pct = |v: Option<f64>| v.map_or(f64::NAN, |v| 100.0 * v);
    Interval {
        label: label.to_owned(),
        value: pct(m.and_then(|m| m.value)),
        lower: pct(m.and_then(|m| m.lower)),
        upper: pct(m.and_then(|m| m.upper)),
    }
}

/// Cohort T: young people transferred to adult services (an accepted adult referral while in
/// CYPMHS), metrics T1–T9 (T7 has its own section).
pub fn transfers(y: &Young) -> Section {
    let s = y.summary;
    let people = {
        let mut ids = Columns(&y.analysis.transfers).text("person_id");
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let n = y.engagement_days;
    let t1 = format!("T1_disengaged_{n}d");
    let label = format!("T1 disengaged: no attended adult contact within {n} days");
    let mut rows = vec![vec![
        Cell::text("cohort T: transfer episodes"),
        Cell::text("all"),
        Cell::none(),
        Cell::Count(Some(y.analysis.transfers.num_rows() as i64)),
        Cell::none(),
        Cell::none(),
    ]];
    rows.push(vec![
        Cell::text("cohort T: people"),
        Cell::text("all"),
        Cell::none(),
        Cell::Count(Some(people as i64)),
        Cell::none(),
        Cell::none(),
    ]);
    let mut chart = vec![chart_row("T1 all ages", s.get(&t1, "all", "all"))];
    rows.push(percent_row(&label, "all", s.get(&t1, "all", "all")));
    for (band, m) in s.groups(&t1, "age_band") {
        rows.push(percent_row(&label, band, Some(m)));
        chart.push(chart_row(&format!("T1 aged {band}"), Some(m)));
    }
    let died = format!("T1_died_without_contact_{n}d");
    for (metric, label, short) in [
        (
            died.as_str(),
            format!("T1 died within {n} days without contact (apart)"),
            "",
        ),
        (
            "T2_first_adult_appointment_missed",
            "T2 first adult appointment missed".to_owned(),
            "T2 first appointment missed",
        ),
        (
            "T3_discharged_without_attending",
            "T3 discharged by adult services without attending".to_owned(),
            "T3 discharged without attending",
        ),
        (
            "T4_engaged_at_12_months",
            "T4 engaged at 12 months".to_owned(),
            "T4 engaged at 12 months",
        ),
        (
            "T5_early_dropout",
            "T5 early drop-out (discharged by 6 months: DNA, self-discharge)".to_owned(),
            "T5 early drop-out",
        ),
        (
            "T8_parallel_care",
            "T8 parallel care (CYP and adult services overlapping)".to_owned(),
            "T8 parallel care",
        ),
        (
            "T9_transition_plan_recorded",
            "T9 transition plan (care plan type 14) in the year before".to_owned(),
            "T9 transition plan",
        ),
        (
            "crisis_presentation",
            "adult crisis team contact within a year (not engagement)".to_owned(),
            "crisis contact within a year",
        ),
    ] {
        let m = s.get(metric, "all", "all");
        if metric.starts_with("T9") && m.is_none() {
            continue; // no care plans table
        }
        rows.push(percent_row(&label, "all", m));
        if !short.is_empty() {
            chart.push(chart_row(short, m));
        }
    }
    Section::new(
        "transition-t",
        &format!(
            "Transition to adult mental health services: cohort T (transfers of 16-25-year-olds), {}",
            y.period
        ),
        &format!(
            "Each accepted adult referral of a 16-25-year-old with CYPMHS involvement (open CYP referral or attended CYP contact in the 183 days before), one per episode; per cent with Wilson interval ({}% confidence), denominators only those with the follow-up each measure needs before the data end {} (docs/methods/transition.md)",
            percent(y.confidence),
            format_date(y.data_end)
        ),
        transition_header(y.confidence),
        rows,
        &y.analysis.diagnostics,
    )
    .with_chart(Chart::Intervals(Intervals {
        title: format!(
            "Cohort T measures, per cent with {}",
            interval_label(y.confidence)
        ),
        x_label: "% of the measure's denominator".to_owned(),
        rows: chart,
        reference: None,
    }))
    .when_empty("No rows: no transfers in the period.")
}

/// T7: the continuity gap, a median with its quartiles (not a proportion: no interval).
pub fn continuity_gap(y: &Young) -> Section {
    let metric = "T7_continuity_gap_days";
    let s = y.summary;
    let row = |group: &str, m: &Metric| {
        let f = |v: Option<f64>| v.unwrap_or(f64::NAN);
        vec![
            Cell::text(group),
            Cell::Count(Some(m.denominator)),
            Cell::num(f(m.value), 0),
            Cell::num(f(m.lower), 0),
            Cell::num(f(m.upper), 0),
        ]
    };
    let mut rows = Vec::new();
    if let Some(m) = s.get(metric, "all", "all") {
        rows.push(row("all", m));
    }
    for (band, m) in s.groups(metric, "age_band") {
        rows.push(row(&format!("aged {band}"), m));
    }
    Section::new(
        "transition-gap",
        &format!(
            "Continuity gap (T7): days from the last attended CYP contact to the first attended adult contact, cohort T, {}",
            y.period
        ),
        "Median and quartiles (R's type 7) of the gap in days over the transfers that engaged; a distribution, not an estimate with a confidence interval",
        vec![
            "group".to_owned(),
            "engaged transfers".to_owned(),
            "median (days)".to_owned(),
            "lower quartile".to_owned(),
            "upper quartile".to_owned(),
        ],
        rows,
        &Default::default(),
    )
    .when_empty("No rows: no transfer engaged in the period.")
}

/// The days at which the time-to-contact table reads the curve.
const CURVE_DAYS: [f64; 7] = [0.0, 14.0, 30.0, 60.0, 90.0, 183.0, 365.0];

/// T6: time to the first attended adult contact, Kaplan–Meier, with the number at risk.
pub fn time_to_contact(y: &Young) -> Section {
    let c = Columns(&y.analysis.curve);
    let (time, at_risk, est, lo, hi) = (
        c.f64("time"),
        c.f64("at_risk"),
        c.f64("estimate"),
        c.f64("lower"),
        c.f64("upper"),
    );
    // The estimate in force at day t: the last step at or before it; at risk: the first step
    // at or after it (0 beyond the last).
    let step = |t: f64| time.iter().rposition(|&x| x <= t);
    let risk = |t: f64| {
        time.iter()
            .position(|&x| x >= t)
            .map_or(0, |i| at_risk[i] as i64)
    };
    let last = time.last().copied().unwrap_or(0.0);
    let days: Vec<f64> = CURVE_DAYS
        .iter()
        .copied()
        .filter(|&d| d <= last.max(0.0))
        .collect();
    let rows: Vec<Vec<Cell>> = if time.is_empty() {
        Vec::new()
    } else {
        days.iter()
            .map(|&t| {
                let i = step(t);
                let pct = |v: &[f64]| i.map_or(100.0, |i| 100.0 * v[i]);
                vec![
                    Cell::count(t),
                    Cell::Count(Some(risk(t))),
                    Cell::est(pct(&est), pct(&lo), pct(&hi), 1),
                ]
            })
            .collect()
    };
    let chart = Chart::Survival(Survival {
        title: format!(
            "Share of cohort T still without an attended adult contact, Kaplan–Meier with {}",
            interval_label(y.confidence)
        ),
        x_label: "days from the adult referral".to_owned(),
        y_label: "without an attended contact".to_owned(),
        steps: (0..time.len())
            .map(|i| [time[i], est[i], lo[i], hi[i]])
            .collect(),
        at_risk: days.iter().map(|&t| (t, risk(t))).collect(),
    });
    Section::new(
        "transition-curve",
        &format!(
            "Time to the first attended adult contact (T6), cohort T, {}",
            y.period
        ),
        "Kaplan–Meier estimate of the share still without an attended adult contact, deaths and the data end censoring; log(-log) interval (Greenwood's variance)",
        vec![
            "day".to_owned(),
            "at risk".to_owned(),
            format!("% without contact ({})", interval_label(y.confidence)),
        ],
        rows,
        &Default::default(),
    )
    .with_chart(chart)
    .when_empty("No rows: no transfers in the period.")
}

/// Cohort B: young people with open CYPMHS care at 18, classified a year later.
pub fn ageing_out(y: &Young) -> Section {
    let s = y.summary;
    let mut chart = Vec::new();
    let mut rows: Vec<Vec<Cell>> = BClass::ALL
        .iter()
        .enumerate()
        .map(|(i, class)| {
            let metric = format!("B_{}", class.as_str());
            let label = format!("{} {}", i + 1, class.as_str().replace('_', " "));
            let m = s.get(&metric, "all", "all");
            chart.push(chart_row(&label, m));
            percent_row(&label, "all", m)
        })
        .collect();
    for (metric, label) in [
        ("B_transfer_rate", "transfer rate: classes 3-5 of 3-9"),
        (
            "B_disengaged_after_transfer",
            "disengaged after transfer: class 4 of 3-4",
        ),
        (
            "B_lost_to_services",
            "lost to services: 8, and 9 with no later contact, of 3-9",
        ),
        (
            "B_fell_through_gap",
            "fell through the gap: crisis contact or new adult referral within a year of discharge, of 7-9",
        ),
    ] {
        rows.push(percent_row(label, "all", s.get(metric, "all", "all")));
    }
    let members = y.analysis.ageing_out.num_rows();
    let rows = if members == 0 { Vec::new() } else { rows };
    Section::new(
        "transition-b",
        &format!(
            "Transition at the CYPMHS age boundary: cohort B (ageing out at 18), boundary dates {}",
            y.period.trim_start_matches("index dates ")
        ),
        &format!(
            "Open CYP referral in the half-year before the 18th birthday and an attended CYP contact in the year before, classified a year after it (first rule that matches); {members} members: class shares and rates of those with a full year of follow-up, the insufficient-follow-up share of all; Wilson interval"
        ),
        transition_header(y.confidence),
        rows,
        &Default::default(),
    )
    .with_chart(Chart::Intervals(Intervals {
        title: format!(
            "Cohort B classes a year after the 18th birthday, per cent with {}",
            interval_label(y.confidence)
        ),
        x_label: "% of members (insufficient follow-up: of all)".to_owned(),
        rows: chart,
        reference: None,
    }))
    .when_empty("No rows: nobody reached the boundary age with open CYPMHS care in the period.")
}

/// Turns an error of a call on a table the report derived (`what`: the monthly measures of
/// the SPC charts, a funnel's units, a table for publication) into one that names no row: its
/// rows are not lines of any input file, and the message must not send the reader to one.
pub fn of_derived(what: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::InvalidCell {
            column,
            value,
            rule,
            ..
        } => Error::invalid_argument(
            what,
            format!("invalid value in its column `{column}` ({value}): {rule}"),
        ),
        Error::ColumnType { .. } => Error::invalid_argument(what, e.to_string()),
        other => other,
    }
}

/// The label of the null group: "(not recorded)", or, when a recorded value is that text,
/// "(not recorded 2)", "(not recorded 3)", …: never a recorded value.
pub fn null_label(values: &[String]) -> String {
    let mut label = "(not recorded)".to_owned();
    let mut n = 2;
    while values.contains(&label) {
        label = format!("(not recorded {n})");
        n += 1;
    }
    label
}

/// The groups of `column` in `input`, for the group order of an analyst's report: the sorted
/// distinct values as text, then the null group's label when some rows have no value; and
/// that label.
pub fn labels(input: &Input, column: &str) -> Result<(Vec<String>, String)> {
    let col = input.column(column)?;
    let mut v: Vec<String> = (0..col.len())
        .filter(|&i| col.is_valid(i))
        .map(|i| display(col.as_ref(), i))
        .collect();
    // Numbers in numeric order (deciles 1, 2, …, 10), other values as text.
    if col.data_type().is_numeric() {
        let key = |s: &String| s.parse::<f64>().unwrap_or(f64::NAN);
        v.sort_unstable_by(|a, b| key(a).total_cmp(&key(b)).then_with(|| a.cmp(b)));
    } else {
        v.sort_unstable();
    }
    v.dedup();
    let null = null_label(&v);
    if col.null_count() > 0 {
        v.push(null.clone());
    }
    Ok((v, null))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_of_a_derived_table_names_no_row() {
        let e = collabmetrics::Error::InvalidCell {
            table: None,
            column: "rate".into(),
            row: 5,
            value: "null".into(),
            rule: "needs a rate".into(),
        };
        let e = super::of_derived("funnel of the OAP rates")(e);
        assert_eq!(
            e.to_string(),
            "invalid argument `funnel of the OAP rates`: invalid value in its column `rate` (null): needs a rate"
        );
    }

    #[test]
    fn the_null_label_is_no_recorded_value() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(super::null_label(&v(&["null", "A"])), "(not recorded)");
        assert_eq!(
            super::null_label(&v(&["(not recorded)", "(not recorded 2)"])),
            "(not recorded 3)"
        );
    }

    #[test]
    fn the_flows_origin_says_sending_once() {
        assert_eq!(super::sending("place"), "sending place");
        assert_eq!(super::sending("sending org"), "sending org");
    }
}
