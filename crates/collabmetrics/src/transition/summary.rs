//! Every transition metric per breakdown group: numerator, denominator, proportion and Wilson
//! interval (T7: median and interquartile range).

use super::cohorts::{BClass, BRow, TRow};
use super::TransitionOptions;
use crate::error::Result;
use crate::stats::{wilson_row, z_value};
use crate::table::Categories;
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use rayon::prelude::*;
use std::sync::Arc;

/// Groups of one breakdown: a label per group and each row's group (`u32::MAX`: not in one).
struct Breakdown {
    name: String,
    labels: Vec<Option<String>>,
    codes: Vec<u32>,
}

/// Age bands of `docs/methods/transition.md`: 16–17, 18–19, 20–25 (ages outside, e.g. with a wider
/// cohort, are "other", whose rows are shown only when someone is in it: see [`finish`]).
fn age_band(age: i32) -> u32 {
    match age {
        16..=17 => 0,
        18..=19 => 1,
        20..=25 => 2,
        _ => 3,
    }
}

fn breakdowns(
    persons: &[u32],
    ages: &[i32],
    people: &[(String, Categories)],
    opts: &TransitionOptions,
) -> Vec<Breakdown> {
    let mut out = vec![
        Breakdown {
            name: "all".into(),
            labels: vec![Some("all".into())],
            codes: vec![0; persons.len()],
        },
        Breakdown {
            name: "age_band".into(),
            labels: ["16-17", "18-19", "20-25", "other"]
                .iter()
                .map(|s| Some(s.to_string()))
                .collect(),
            codes: ages.iter().map(|&a| age_band(a)).collect(),
        },
    ];
    if opts.age_band_18_24 {
        out.push(Breakdown {
            name: "age_band".into(),
            labels: vec![Some("18-24".into())],
            codes: ages
                .iter()
                .map(|&a| if (18..=24).contains(&a) { 0 } else { u32::MAX })
                .collect(),
        });
    }
    for (name, cats) in people {
        out.push(Breakdown {
            name: name.clone(),
            labels: cats.values.clone(),
            codes: persons.iter().map(|&p| cats.codes[p as usize]).collect(),
        });
    }
    out
}

#[derive(Default)]
struct Rows {
    cohort: Vec<&'static str>,
    metric: Vec<String>,
    breakdown: Vec<String>,
    group: Vec<Option<String>>,
    numerator: Vec<Option<i64>>,
    denominator: Vec<i64>,
    value: Vec<Option<f64>>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
    /// The level of the row's interval; `None` for T7, whose limits are quartiles.
    confidence: Vec<Option<f64>>,
    method: Vec<&'static str>,
}

impl Rows {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        cohort: &'static str,
        metric: &str,
        breakdown: &str,
        group: Option<String>,
        numerator: Option<i64>,
        denominator: i64,
        estimate: Option<(f64, f64, f64)>,
        confidence: Option<f64>,
        method: &'static str,
    ) {
        self.cohort.push(cohort);
        self.metric.push(metric.to_owned());
        self.breakdown.push(breakdown.to_owned());
        self.group.push(group);
        self.numerator.push(numerator);
        self.denominator.push(denominator);
        self.value.push(estimate.map(|e| e.0));
        self.lower.push(estimate.map(|e| e.1));
        self.upper.push(estimate.map(|e| e.2));
        self.confidence.push(confidence);
        self.method.push(method);
    }

    fn finish(self) -> Result<RecordBatch> {
        let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
        let float = |v: Vec<Option<f64>>| -> ArrayRef { Arc::new(Float64Array::from(v)) };
        let schema = Schema::new(vec![
            text("cohort", false),
            text("metric", false),
            text("breakdown", false),
            text("group", true),
            Field::new("numerator", DataType::Int64, true),
            Field::new("denominator", DataType::Int64, false),
            Field::new("value", DataType::Float64, true),
            Field::new("lower", DataType::Float64, true),
            Field::new("upper", DataType::Float64, true),
            Field::new("confidence", DataType::Float64, true),
            text("method", false),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.cohort)),
            Arc::new(StringArray::from(self.metric)),
            Arc::new(StringArray::from(self.breakdown)),
            Arc::new(StringArray::from(self.group)),
            Arc::new(Int64Array::from(self.numerator)),
            Arc::new(Int64Array::from(self.denominator)),
            float(self.value),
            float(self.lower),
            float(self.upper),
            float(self.confidence),
            Arc::new(StringArray::from(self.method)),
        ];
        crate::table::tidy::finite_columns(
            schema
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect::<Vec<_>>()
                .as_slice(),
            &columns,
            0,
        )?;
        RecordBatch::try_new(Arc::new(schema), columns)
            .map_err(|e| crate::Error::invalid_argument("summary", e.to_string()))
    }
}

/// The type-7 quantile of the values a histogram holds ((value, count) ascending, n values).
fn quantile(hist: &[(i32, u64)], n: usize, p: f64) -> f64 {
    crate::stats::quantile7_sorted(n, p, |i| {
        let mut seen = 0u64;
        for &(v, k) in hist {
            seen += k;
            if seen > i as u64 {
                return f64::from(v);
            }
        }
        f64::NAN
    })
}

/// What a metric reports per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Numerator, denominator, proportion and Wilson interval.
    Proportion,
    /// Median and interquartile range of a number of days.
    Median,
}

/// A metric's groups of one breakdown, tallied: labels, and per label the numerator and
/// denominator (proportions) or the number of values and their histogram (medians).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Slot {
    /// The breakdown's name (`all`, `age_band`, a person column).
    pub name: String,
    /// The groups' labels, in any order (the summary sorts them).
    pub labels: Vec<Option<String>>,
    /// Numerator per label (proportions).
    pub num: Vec<i64>,
    /// Denominator per label: members in the metric's denominator, or values of a median.
    pub den: Vec<i64>,
    /// (value, count) ascending per label (medians).
    pub values: Vec<Vec<(i32, u64)>>,
}

/// One metric's tallies over every breakdown: what the summary is computed from, and what a
/// transition state stores.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tally {
    /// `T` or `B`.
    pub cohort: &'static str,
    /// The metric's name.
    pub metric: String,
    /// Proportion or median.
    pub kind: Kind,
    /// One per breakdown, in the summary's order.
    pub slots: Vec<Slot>,
}

/// A cohort-B outcome per member (`None`: outside the denominator).
type BOutcome = Box<dyn Fn(&BRow) -> Option<bool> + Send + Sync>;

/// How a metric's outcome is read from a cohort member (`None`: not in its denominator).
enum Outcome {
    T(fn(&TRow, u8) -> Option<bool>, u8),
    B(BOutcome),
    Gap,
}

/// The metrics of the summary, in its order: (cohort, name, kind, outcome).
fn specs(opts: &TransitionOptions, with_plans: bool) -> Vec<(&'static str, String, Outcome)> {
    let mut out: Vec<(&'static str, String, Outcome)> = Vec::new();
    let mut t = |name: String, f: fn(&TRow, u8) -> Option<bool>, bit: u8| {
        out.push(("T", name, Outcome::T(f, bit)));
    };
    for (h, days) in opts.all_horizons().iter().enumerate() {
        t(
            format!("T1_disengaged_{days}d"),
            |r, bit| {
                (r.eligible & bit != 0 && r.died & bit == 0).then_some(r.disengaged & bit != 0)
            },
            1 << h,
        );
    }
    let n = opts.engagement_days;
    t(
        format!("T1_died_without_contact_{n}d"),
        |r, _| (r.eligible & 1 != 0).then_some(r.died & 1 != 0),
        0,
    );
    t(
        "T2_first_adult_appointment_missed".into(),
        |r, _| r.first_missed,
        0,
    );
    t(
        "T3_discharged_without_attending".into(),
        |r, _| r.discharged_without_attending,
        0,
    );
    t("T4_engaged_at_12_months".into(), |r, _| r.engaged_12m, 0);
    t("T5_early_dropout".into(), |r, _| r.early_dropout, 0);
    out.push(("T", "T7_continuity_gap_days".into(), Outcome::Gap));
    let mut t = |name: String, f: fn(&TRow, u8) -> Option<bool>| {
        out.push(("T", name, Outcome::T(f, 0)));
    };
    t("T8_parallel_care".into(), |r, _| Some(r.parallel_care));
    if with_plans {
        t("T9_transition_plan_recorded".into(), |r, _| r.plan);
    }
    t("crisis_presentation".into(), |r, _| Some(r.crisis > 0));

    let mut b = |name: String, f: BOutcome| {
        out.push(("B", name, Outcome::B(f)));
    };
    // Members without full follow-up are out of the class proportions (kept in the curves);
    // their own row is their share of the whole cohort.
    for class in BClass::ALL {
        let name = format!("B_{}", class.as_str());
        if class == BClass::InsufficientFollowUp {
            b(name, Box::new(move |r| Some(r.class == class)));
        } else {
            b(
                name,
                Box::new(move |r| {
                    (r.class != BClass::InsufficientFollowUp).then_some(r.class == class)
                }),
            );
        }
    }
    use BClass::*;
    b(
        "B_transfer_rate".into(),
        Box::new(|r| {
            r.class.followed_up().then_some(matches!(
                r.class,
                TransferredEngaged | TransferredNotEngaged | AdultReferralRejected
            ))
        }),
    );
    b(
        "B_disengaged_after_transfer".into(),
        Box::new(|r| {
            matches!(r.class, TransferredEngaged | TransferredNotEngaged)
                .then_some(r.class == TransferredNotEngaged)
        }),
    );
    b("B_lost_to_services".into(), Box::new(|r| r.lost()));
    b("B_fell_through_gap".into(), Box::new(|r| r.fell_through()));
    out
}

/// The metrics of the summary, in its order: (cohort, name, kind).
pub(crate) fn metrics(
    opts: &TransitionOptions,
    with_plans: bool,
) -> Vec<(&'static str, String, Kind)> {
    specs(opts, with_plans)
        .into_iter()
        .map(|(c, name, o)| {
            let kind = match o {
                Outcome::Gap => Kind::Median,
                _ => Kind::Proportion,
            };
            (c, name, kind)
        })
        .collect()
}

/// A proportion's tally over every breakdown.
fn proportion_slots(outcome: &[Option<bool>], groups: &[Breakdown]) -> Vec<Slot> {
    groups
        .iter()
        .map(|b| {
            let mut num = vec![0i64; b.labels.len()];
            let mut den = vec![0i64; b.labels.len()];
            for (o, &g) in outcome.iter().zip(&b.codes) {
                if let (Some(o), true) = (o, g != u32::MAX) {
                    den[g as usize] += 1;
                    num[g as usize] += i64::from(*o);
                }
            }
            Slot {
                name: b.name.clone(),
                labels: b.labels.clone(),
                num,
                values: vec![Vec::new(); den.len()],
                den,
            }
        })
        .collect()
}

/// A median's tally (the values' histogram per group) over every breakdown.
fn median_slots(values: &[Option<i32>], groups: &[Breakdown]) -> Vec<Slot> {
    groups
        .iter()
        .map(|b| {
            let mut per: Vec<Vec<i32>> = vec![Vec::new(); b.labels.len()];
            for (v, &g) in values.iter().zip(&b.codes) {
                if let (Some(v), true) = (v, g != u32::MAX) {
                    per[g as usize].push(*v);
                }
            }
            let den = per.iter().map(|x| x.len() as i64).collect();
            let values = per
                .into_iter()
                .map(|mut x| {
                    x.sort_unstable();
                    let mut h: Vec<(i32, u64)> = Vec::new();
                    for v in x {
                        match h.last_mut() {
                            Some((w, k)) if *w == v => *k += 1,
                            _ => h.push((v, 1)),
                        }
                    }
                    h
                })
                .collect();
            Slot {
                name: b.name.clone(),
                labels: b.labels.clone(),
                num: vec![0; b.labels.len()],
                den,
                values,
            }
        })
        .collect()
}

/// Every metric of both cohorts tallied per breakdown group (metrics in parallel; the
/// caller's cancellation checked before each).
pub(crate) fn tallies(
    t: &[TRow],
    b: &[BRow],
    people: &[(String, Categories)],
    with_plans: bool,
    opts: &TransitionOptions,
) -> Result<Vec<Tally>> {
    let t_persons: Vec<u32> = t.iter().map(|r| r.person).collect();
    let t_ages: Vec<i32> = t.iter().map(|r| r.age).collect();
    let tg = breakdowns(&t_persons, &t_ages, people, opts);
    crate::cancel::check()?;
    let b_persons: Vec<u32> = b.iter().map(|r| r.person).collect();
    let b_ages = vec![opts.boundary_age as i32; b.len()];
    let bg = breakdowns(&b_persons, &b_ages, people, opts);
    // A row per metric and group of every breakdown, each about 400 bytes of working memory
    // as the table is built (a `by` of a column with a value per person, 1.2 million of them,
    // ran out of memory and aborted the process).
    let specs = specs(opts, with_plans);
    let groups = |b: &[Breakdown]| b.iter().map(|g| g.labels.len() as u128).sum::<u128>();
    let (t_groups, b_groups) = (groups(&tg), groups(&bg));
    let rows: u128 = specs
        .iter()
        .map(|(cohort, _, _)| if *cohort == "T" { t_groups } else { b_groups })
        .sum();
    crate::limits::check_memory(
        "by",
        "the summary's rows (a row per metric and group)",
        rows,
        512,
    )?;
    let token = crate::cancel::current();
    specs
        .into_par_iter()
        .map(|(cohort, metric, outcome)| {
            crate::cancel::check_carried(token.as_ref())?;
            let (kind, slots) = match outcome {
                Outcome::T(f, bit) => {
                    let o: Vec<Option<bool>> = t.iter().map(|r| f(r, bit)).collect();
                    (Kind::Proportion, proportion_slots(&o, &tg))
                }
                Outcome::B(f) => {
                    let o: Vec<Option<bool>> = b.iter().map(&f).collect();
                    (Kind::Proportion, proportion_slots(&o, &bg))
                }
                Outcome::Gap => {
                    let gaps: Vec<Option<i32>> = t.iter().map(|r| r.continuity_gap).collect();
                    (Kind::Median, median_slots(&gaps, &tg))
                }
            };
            Ok(Tally {
                cohort,
                metric,
                kind,
                slots,
            })
        })
        .collect()
}

/// The summary table of tallies: per metric and breakdown, the groups in label order with
/// their counts and Wilson intervals (T7: median and interquartile range, type 7).
pub(crate) fn finish(tallies: &[Tally], confidence: f64) -> Result<RecordBatch> {
    let z = z_value(confidence)?;
    let mut rows = Rows::default();
    // The "other" age band (ages outside 16–25, with a wider cohort) is a row only when
    // someone is in it: some metric of the cohort counts a member there. With the default
    // ages nobody is, and 0 / 0 rows would only puzzle a reader.
    let other =
        |s: &Slot, g: usize| s.name == "age_band" && s.labels[g].as_deref() == Some("other");
    let occupied = |cohort: &str| {
        tallies.iter().filter(|t| t.cohort == cohort).any(|t| {
            t.slots
                .iter()
                .any(|s| (0..s.labels.len()).any(|g| other(s, g) && s.den[g] > 0))
        })
    };
    let shown = [("T", occupied("T")), ("B", occupied("B"))];
    for t in tallies {
        let show_other = shown.iter().any(|&(c, o)| c == t.cohort && o);
        for s in &t.slots {
            for g in crate::table::groups::label_order(&s.labels) {
                if other(s, g) && !show_other {
                    continue;
                }
                match t.kind {
                    Kind::Proportion => {
                        let (num, den) = (s.num[g], s.den[g]);
                        let est = (den > 0).then(|| wilson_row(num as f64, den as f64, z, 1.0));
                        rows.push(
                            t.cohort,
                            &t.metric,
                            &s.name,
                            s.labels[g].clone(),
                            Some(num),
                            den,
                            est,
                            Some(confidence),
                            "Wilson",
                        );
                    }
                    Kind::Median => {
                        let n = s.den[g] as usize;
                        let h = &s.values[g];
                        let est = (n > 0).then(|| {
                            (
                                quantile(h, n, 0.5),
                                quantile(h, n, 0.25),
                                quantile(h, n, 0.75),
                            )
                        });
                        rows.push(
                            t.cohort,
                            &t.metric,
                            &s.name,
                            s.labels[g].clone(),
                            None,
                            s.den[g],
                            est,
                            None,
                            "median and interquartile range",
                        );
                    }
                }
            }
        }
    }
    rows.finish()
}

/// The summary table of both cohorts.
pub(crate) fn summary(
    t: &[TRow],
    b: &[BRow],
    people: &[(String, Categories)],
    with_plans: bool,
    opts: &TransitionOptions,
) -> Result<RecordBatch> {
    finish(&tallies(t, b, people, with_plans, opts)?, opts.confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_type_7() {
        // R: quantile(c(1, 2, 4, 10), c(.25, .5, .75)) = 1.75, 3, 5.5
        let x = [(1, 1), (2, 1), (4, 1), (10, 1)];
        assert_eq!(quantile(&x, 4, 0.25), 1.75);
        assert_eq!(quantile(&x, 4, 0.5), 3.0);
        assert_eq!(quantile(&x, 4, 0.75), 5.5);
        assert_eq!(quantile(&[(7, 1)], 1, 0.25), 7.0);
        // R: quantile(c(2, 2, 2, 5), .5) = 2 (ties from a histogram).
        assert_eq!(quantile(&[(2, 3), (5, 1)], 4, 0.5), 2.0);
        assert_eq!(quantile(&[(2, 3), (5, 1)], 4, 0.75), 2.75);
    }

    #[test]
    fn numeric_labels_sort_as_numbers_and_missing_last() {
        let labels = vec![
            Some("10".to_owned()),
            None,
            Some("2".to_owned()),
            Some("1".to_owned()),
        ];
        assert_eq!(crate::table::groups::label_order(&labels), vec![3, 2, 0, 1]);
    }
}
