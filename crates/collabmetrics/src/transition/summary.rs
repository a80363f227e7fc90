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
/// cohort, are "other", a row only when someone is in it).
fn age_band(age: i32) -> u32 {
    match age {
        16..=17 => 0,
        18..=19 => 1,
        20..=25 => 2,
        _ => 3,
    }
}

/// The age bands of a cohort: the three of the method, and "other" only when a member is in it
/// (with the default ages 16–25 nobody is, and a 0 / 0 row would only puzzle a reader).
fn age_bands(ages: &[i32]) -> Breakdown {
    let codes: Vec<u32> = ages.iter().map(|&a| age_band(a)).collect();
    let mut labels: Vec<Option<String>> = ["16-17", "18-19", "20-25"]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
    if codes.contains(&3) {
        labels.push(Some("other".into()));
    }
    Breakdown {
        name: "age_band".into(),
        labels,
        codes,
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
        age_bands(ages),
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

/// Group order within a breakdown: numbers numerically (IMD deciles 1..10), text
/// alphabetically, missing last.
fn label_order(labels: &[Option<String>]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    let numeric = labels.iter().flatten().all(|l| l.parse::<f64>().is_ok());
    idx.sort_by(|&a, &b| match (&labels[a], &labels[b]) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) if numeric => x
            .parse::<f64>()
            .unwrap_or(0.0)
            .total_cmp(&y.parse::<f64>().unwrap_or(0.0)),
        (Some(x), Some(y)) => x.cmp(y),
    });
    idx
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
    /// Set when the caller cancelled while a metric was computed (its rows are incomplete).
    cancelled: bool,
}

impl Rows {
    /// False (and `cancelled` set) once the caller has cancelled: checked per breakdown.
    fn go_on(&mut self) -> bool {
        if crate::cancel::check().is_err() {
            self.cancelled = true;
        }
        !self.cancelled
    }

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

    /// One proportion metric over every breakdown.
    fn proportion(
        &mut self,
        cohort: &'static str,
        metric: &str,
        outcome: &[Option<bool>],
        groups: &[Breakdown],
        (z, confidence): (f64, f64),
    ) {
        for b in groups {
            if !self.go_on() {
                return;
            }
            let mut num = vec![0i64; b.labels.len()];
            let mut den = vec![0i64; b.labels.len()];
            for (o, &g) in outcome.iter().zip(&b.codes) {
                if let (Some(o), true) = (o, g != u32::MAX) {
                    den[g as usize] += 1;
                    num[g as usize] += i64::from(*o);
                }
            }
            for g in label_order(&b.labels) {
                let est = (den[g] > 0).then(|| wilson_row(num[g] as f64, den[g] as f64, z, 1.0));
                self.push(
                    cohort,
                    metric,
                    &b.name,
                    b.labels[g].clone(),
                    Some(num[g]),
                    den[g],
                    est,
                    Some(confidence),
                    "Wilson",
                );
            }
        }
    }

    /// Median and interquartile range (R's type 7 quantiles) of a number per row.
    fn median(
        &mut self,
        cohort: &'static str,
        metric: &str,
        values: &[Option<i32>],
        groups: &[Breakdown],
    ) {
        for b in groups {
            if !self.go_on() {
                return;
            }
            let mut per: Vec<Vec<i32>> = vec![Vec::new(); b.labels.len()];
            for (v, &g) in values.iter().zip(&b.codes) {
                if let (Some(v), true) = (v, g != u32::MAX) {
                    per[g as usize].push(*v);
                }
            }
            for g in label_order(&b.labels) {
                let x = &mut per[g];
                x.sort_unstable();
                let est = (!x.is_empty())
                    .then(|| (quantile(x, 0.5), quantile(x, 0.25), quantile(x, 0.75)));
                self.push(
                    cohort,
                    metric,
                    &b.name,
                    b.labels[g].clone(),
                    None,
                    x.len() as i64,
                    est,
                    None,
                    "median and interquartile range",
                );
            }
        }
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

/// Type 7 quantile of sorted values.
fn quantile(x: &[i32], p: f64) -> f64 {
    crate::stats::quantile7_sorted(x.len(), p, |i| f64::from(x[i]))
}

/// One metric's rows, computed on its own (metrics run in parallel).
type Metric<'a> = Box<dyn Fn(&mut Rows) + Send + Sync + 'a>;
/// A cohort-B outcome per member (`None`: outside the denominator).
type BOutcome = Box<dyn Fn(&BRow) -> Option<bool> + Send + Sync>;

impl Rows {
    fn append(&mut self, mut other: Rows) {
        self.cohort.append(&mut other.cohort);
        self.metric.append(&mut other.metric);
        self.breakdown.append(&mut other.breakdown);
        self.group.append(&mut other.group);
        self.numerator.append(&mut other.numerator);
        self.denominator.append(&mut other.denominator);
        self.value.append(&mut other.value);
        self.lower.append(&mut other.lower);
        self.upper.append(&mut other.upper);
        self.confidence.append(&mut other.confidence);
        self.method.append(&mut other.method);
    }
}

/// The summary table of both cohorts.
pub(crate) fn summary(
    t: &[TRow],
    b: &[BRow],
    people: &[(String, Categories)],
    with_plans: bool,
    opts: &TransitionOptions,
) -> Result<RecordBatch> {
    let z = z_value(opts.confidence)?;
    let t_persons: Vec<u32> = t.iter().map(|r| r.person).collect();
    let t_ages: Vec<i32> = t.iter().map(|r| r.age).collect();
    let tg = breakdowns(&t_persons, &t_ages, people, opts);
    crate::cancel::check()?;
    let b_persons: Vec<u32> = b.iter().map(|r| r.person).collect();
    let b_ages = vec![opts.boundary_age as i32; b.len()];
    let bg = breakdowns(&b_persons, &b_ages, people, opts);
    let (tg, bg) = (&tg, &bg);
    let tp = move |name: String, f: fn(&TRow, u8) -> Option<bool>, bit: u8| -> Metric<'_> {
        Box::new(move |rows: &mut Rows| {
            let o: Vec<Option<bool>> = t.iter().map(|r| f(r, bit)).collect();
            rows.proportion("T", &name, &o, tg, (z, opts.confidence));
        })
    };
    let mut metrics: Vec<Metric> = Vec::new();
    for (h, days) in opts.all_horizons().iter().enumerate() {
        metrics.push(tp(
            format!("T1_disengaged_{days}d"),
            |r, bit| {
                (r.eligible & bit != 0 && r.died & bit == 0).then_some(r.disengaged & bit != 0)
            },
            1 << h,
        ));
    }
    let n = opts.engagement_days;
    metrics.push(tp(
        format!("T1_died_without_contact_{n}d"),
        |r, _| (r.eligible & 1 != 0).then_some(r.died & 1 != 0),
        0,
    ));
    metrics.push(tp(
        "T2_first_adult_appointment_missed".into(),
        |r, _| r.first_missed,
        0,
    ));
    metrics.push(tp(
        "T3_discharged_without_attending".into(),
        |r, _| r.discharged_without_attending,
        0,
    ));
    metrics.push(tp(
        "T4_engaged_at_12_months".into(),
        |r, _| r.engaged_12m,
        0,
    ));
    metrics.push(tp("T5_early_dropout".into(), |r, _| r.early_dropout, 0));
    metrics.push(Box::new(move |rows: &mut Rows| {
        let gaps: Vec<Option<i32>> = t.iter().map(|r| r.continuity_gap).collect();
        rows.median("T", "T7_continuity_gap_days", &gaps, tg);
    }));
    metrics.push(tp(
        "T8_parallel_care".into(),
        |r, _| Some(r.parallel_care),
        0,
    ));
    if with_plans {
        metrics.push(tp("T9_transition_plan_recorded".into(), |r, _| r.plan, 0));
    }
    metrics.push(tp(
        "crisis_presentation".into(),
        |r, _| Some(r.crisis > 0),
        0,
    ));

    let bp = move |name: String, f: BOutcome| -> Metric<'_> {
        Box::new(move |rows: &mut Rows| {
            let o: Vec<Option<bool>> = b.iter().map(&f).collect();
            rows.proportion("B", &name, &o, bg, (z, opts.confidence));
        })
    };
    // Members without full follow-up are out of the class proportions (kept in the curves);
    // their own row is their share of the whole cohort.
    for class in BClass::ALL {
        let name = format!("B_{}", class.as_str());
        metrics.push(if class == BClass::InsufficientFollowUp {
            bp(name, Box::new(move |r| Some(r.class == class)))
        } else {
            bp(
                name,
                Box::new(move |r| {
                    (r.class != BClass::InsufficientFollowUp).then_some(r.class == class)
                }),
            )
        });
    }
    use BClass::*;
    metrics.push(bp(
        "B_transfer_rate".into(),
        Box::new(|r| {
            r.class.followed_up().then_some(matches!(
                r.class,
                TransferredEngaged | TransferredNotEngaged | AdultReferralRejected
            ))
        }),
    ));
    metrics.push(bp(
        "B_disengaged_after_transfer".into(),
        Box::new(|r| {
            matches!(r.class, TransferredEngaged | TransferredNotEngaged)
                .then_some(r.class == TransferredNotEngaged)
        }),
    ));
    metrics.push(bp(
        "B_lost_to_services".into(),
        Box::new(|r| r.class.followed_up().then_some(r.lost_to_services)),
    ));
    metrics.push(bp(
        "B_fell_through_gap".into(),
        Box::new(|r| {
            matches!(
                r.class,
                DischargedPlanned | DischargedDisengaged | DischargedOther
            )
            .then_some(r.fell_through_gap)
        }),
    ));
    let token = crate::cancel::current();
    let parts: Vec<crate::Result<Rows>> = metrics
        .par_iter()
        .map(|m| {
            crate::cancel::check_carried(token.as_ref())?;
            let mut rows = Rows::default();
            crate::cancel::scope_opt(token.as_ref(), || m(&mut rows));
            if rows.cancelled {
                return Err(crate::cancel::cancelled());
            }
            Ok(rows)
        })
        .collect();
    let mut rows = Rows::default();
    for part in parts {
        rows.append(part?);
    }
    rows.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_type_7() {
        // R: quantile(c(1, 2, 4, 10), c(.25, .5, .75)) = 1.75, 3, 5.5
        let x = [1, 2, 4, 10];
        assert_eq!(quantile(&x, 0.25), 1.75);
        assert_eq!(quantile(&x, 0.5), 3.0);
        assert_eq!(quantile(&x, 0.75), 5.5);
        assert_eq!(quantile(&[7], 0.25), 7.0);
    }

    #[test]
    fn numeric_labels_sort_as_numbers_and_missing_last() {
        let labels = vec![
            Some("10".to_owned()),
            None,
            Some("2".to_owned()),
            Some("1".to_owned()),
        ];
        assert_eq!(label_order(&labels), vec![3, 2, 0, 1]);
    }
}
