//! The transition table entry points: the input tables in, per-person cohort tables, the
//! summary and curves out.

use super::cohorts::{evaluate, BRow, Rejected, TRow, View};
use super::load::{prepare, Prepared, MISSING};
use super::summary::summary as summary_kernel;
use super::survival::{curve, CurveMethod, CENSORED, DEATH, EVENT};
use super::TransitionOptions;
use crate::error::{Error, Result};
use crate::table::{Derived, DerivedKind, Diagnostics, Input, Roles, TableResult};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    UInt32Array,
};
use arrow_schema::{DataType, Field, Schema};
use rayon::prelude::*;
use std::sync::Arc;

pub use super::contacts::CONTACT_COLUMNS;
pub use super::load::{CARE_PLAN_COLUMNS, PERSON_COLUMNS, REFERRAL_COLUMNS};

/// The input tables of one call.
#[derive(Debug, Clone, Copy)]
pub struct Tables<'a> {
    /// One row per young person ([`PERSON_COLUMNS`]).
    pub persons: &'a Input,
    /// Their CYPMHS and adult referrals ([`REFERRAL_COLUMNS`]).
    pub referrals: &'a Input,
    /// The care contacts on those referrals ([`CONTACT_COLUMNS`]).
    pub contacts: &'a Input,
    /// Care plans ([`CARE_PLAN_COLUMNS`]), for T9; `None` leaves T9 out.
    pub care_plans: Option<&'a Input>,
}

/// Everything from one pass: both per-person tables, the summary, the Kaplan–Meier curve of
/// cohort T, and the diagnostics of the inputs.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Cohort T: one row per episode (see [`transfers`]).
    pub transfers: RecordBatch,
    /// Cohort B: one row per person (see [`ageing_out`]).
    pub ageing_out: RecordBatch,
    /// Every metric per breakdown group (see [`summary`]).
    pub summary: RecordBatch,
    /// The Kaplan–Meier time-to-contact curve of cohort T (see [`time_to_contact`]).
    pub curve: RecordBatch,
    /// What documented rules excluded or flagged in the inputs.
    pub diagnostics: Diagnostics,
}

pub(super) struct Run {
    pub prepared: Prepared,
    pub t: Vec<TRow>,
    pub b: Vec<BRow>,
}

/// People per parallel task: enough to amortise the task, small enough to balance.
const CHUNK: usize = 4096;

/// One chunk's cohort rows and rejected referrals.
type Part = (Vec<TRow>, Vec<BRow>, Rejected);

pub(super) fn run(tables: &Tables, opts: &TransitionOptions) -> Result<Run> {
    run_with(tables, opts, Diagnostics::new())
}

/// [`run`] reporting to `diagnostics` (empty, listing or not).
pub(super) fn run_with(
    tables: &Tables,
    opts: &TransitionOptions,
    diagnostics: Diagnostics,
) -> Result<Run> {
    // Progress: reading and joining the tables is the first half, following each person the
    // second (by chunks of people).
    let rows = tables.persons.num_rows().max(1) as u64;
    let progress = crate::cancel::Progress::start(2 * rows);
    let listing = diagnostics.is_listing();
    let p = prepare(tables, opts, diagnostics)?;
    progress.advance(rows);
    let horizons = opts.all_horizons();
    let n = p.len();
    let token = crate::cancel::current();
    let parts: Vec<Result<Part>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            crate::cancel::check_carried(token.as_ref())?;
            let (mut t, mut b, mut rejected) = (Vec::new(), Vec::new(), Rejected::new(listing));
            for person in c * CHUNK..n.min((c + 1) * CHUNK) {
                if p.dob[person] == MISSING {
                    continue;
                }
                let view = View {
                    refs: &p.refs[p.ref_start[person]..p.ref_start[person + 1]],
                    contacts: &p.contacts[p.con_start[person]..p.con_start[person + 1]],
                    plans: p.plans.as_ref().map(|(s, d)| &d[s[person]..s[person + 1]]),
                    dob: p.dob[person],
                    dod: p.dod[person],
                };
                evaluate(
                    &view,
                    person as u32,
                    opts,
                    &horizons,
                    &mut t,
                    &mut b,
                    &mut rejected,
                );
            }
            let people = (n.min((c + 1) * CHUNK) - c * CHUNK) as u64;
            progress.advance(people * rows / n.max(1) as u64);
            Ok((t, b, rejected))
        })
        .collect();
    let mut prepared = p;
    // The outputs need only the cohorts: free the arranged inputs before building them.
    prepared.contacts = Vec::new();
    prepared.con_start = Vec::new();
    prepared.refs = Vec::new();
    prepared.ref_start = Vec::new();
    let (mut t, mut b, mut rejected) = (Vec::new(), Vec::new(), Rejected::new(listing));
    for part in parts {
        let (pt, pb, pr) = part?;
        t.extend(pt);
        b.extend(pb);
        rejected.merge(&pr);
    }
    rejected.report(
        &mut prepared.diagnostics,
        super::load::REFERRALS,
        "adult_referral_rejected",
        "rejected adult referral that would otherwise start a cohort-T episode: not in cohort T",
    );
    Ok(Run { prepared, t, b })
}

fn take(col: &ArrayRef, rows: &[u32]) -> Result<ArrayRef> {
    arrow_select::take::take(col.as_ref(), &UInt32Array::from(rows.to_vec()), None)
        .map_err(|e| Error::invalid_argument("table", e.to_string()))
}

/// Builds a result column by column.
#[derive(Default)]
struct Out {
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
}

impl Out {
    fn add(&mut self, name: &str, array: ArrayRef) {
        self.fields
            .push(Field::new(name, array.data_type().clone(), true));
        self.columns.push(array);
    }

    fn int(&mut self, name: &str, v: impl IntoIterator<Item = Option<i64>>) {
        self.add(name, Arc::new(v.into_iter().collect::<Int64Array>()));
    }

    fn date(&mut self, name: &str, v: impl IntoIterator<Item = Option<i32>>) {
        self.add(name, Arc::new(v.into_iter().collect::<Date32Array>()));
    }

    fn flag(&mut self, name: &str, v: impl IntoIterator<Item = Option<bool>>) {
        self.add(name, Arc::new(v.into_iter().collect::<BooleanArray>()));
    }

    fn text(&mut self, name: &str, v: impl IntoIterator<Item = Option<&'static str>>) {
        self.add(name, Arc::new(v.into_iter().collect::<StringArray>()));
    }

    /// `person_id` and the persons' breakdown columns for each row's person.
    fn people(&mut self, tables: &Tables, prepared: &Prepared, persons: &[u32]) -> Result<()> {
        let p = tables.persons;
        self.add("person_id", take(p.column("person_id")?, persons)?);
        for (name, _) in &prepared.breakdowns {
            self.add(name, take(p.column(name)?, persons)?);
        }
        Ok(())
    }

    fn finish(self) -> Result<RecordBatch> {
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.columns)
            .map_err(|e| Error::invalid_argument("table", e.to_string()))
    }
}

fn days(from: i32, to: Option<i32>) -> Option<i64> {
    to.map(|d| i64::from(d) - i64::from(from))
}

fn transfers_batch(tables: &Tables, run: &Run, opts: &TransitionOptions) -> Result<RecordBatch> {
    let t = &run.t;
    let mut o = Out::default();
    let persons: Vec<u32> = t.iter().map(|r| r.person).collect();
    o.people(tables, &run.prepared, &persons)?;
    o.int("episode", t.iter().map(|r| Some(i64::from(r.episode))));
    o.date("index_date", t.iter().map(|r| Some(r.index)));
    let rows: Vec<u32> = t.iter().map(|r| r.referral_row).collect();
    o.add(
        "referral_id",
        take(tables.referrals.column("referral_id")?, &rows)?,
    );
    o.int("age_at_index", t.iter().map(|r| Some(i64::from(r.age))));
    o.text(
        "age_band",
        t.iter().map(|r| {
            Some(match r.age {
                16..=17 => "16-17",
                18..=19 => "18-19",
                20..=25 => "20-25",
                _ => "other",
            })
        }),
    );
    o.int(
        "days_to_first_adult_contact",
        t.iter().map(|r| days(r.index, r.engaged)),
    );
    o.date("first_adult_contact_date", t.iter().map(|r| r.first_adult));
    o.int("days_to_death", t.iter().map(|r| days(r.index, r.death)));
    o.int(
        "follow_up_days",
        t.iter().map(|r| Some(i64::from(opts.data_end() - r.index))),
    );
    for (h, d) in opts.all_horizons().iter().enumerate() {
        let bit = 1u8 << h;
        let name = if h == 0 {
            "disengaged".to_owned()
        } else {
            format!("disengaged_{d}d")
        };
        o.flag(
            &name,
            t.iter().map(|r| {
                (r.eligible & bit != 0 && r.died & bit == 0).then_some(r.disengaged & bit != 0)
            }),
        );
        if h == 0 {
            o.flag(
                "died_without_contact",
                t.iter()
                    .map(|r| (r.eligible & 1 != 0).then_some(r.died & 1 != 0)),
            );
        }
    }
    o.flag(
        "first_adult_appointment_missed",
        t.iter().map(|r| r.first_missed),
    );
    o.flag(
        "discharged_without_attending",
        t.iter().map(|r| r.discharged_without_attending),
    );
    o.flag("engaged_at_12_months", t.iter().map(|r| r.engaged_12m));
    o.flag("early_dropout", t.iter().map(|r| r.early_dropout));
    o.int(
        "continuity_gap_days",
        t.iter().map(|r| r.continuity_gap.map(i64::from)),
    );
    o.flag("parallel_care", t.iter().map(|r| Some(r.parallel_care)));
    if run.prepared.plans.is_some() {
        o.flag("transition_plan_recorded", t.iter().map(|r| r.plan));
    }
    o.int(
        "crisis_presentations",
        t.iter().map(|r| Some(i64::from(r.crisis))),
    );
    o.finish()
}

fn ageing_out_batch(tables: &Tables, run: &Run, opts: &TransitionOptions) -> Result<RecordBatch> {
    let b = &run.b;
    let mut o = Out::default();
    let persons: Vec<u32> = b.iter().map(|r| r.person).collect();
    o.people(tables, &run.prepared, &persons)?;
    o.date("index_date", b.iter().map(|r| Some(r.boundary)));
    o.text("class", b.iter().map(|r| Some(r.class.as_str())));
    o.int("class_number", b.iter().map(|r| Some(r.class as i64 + 1)));
    o.int(
        "days_to_first_adult_contact",
        b.iter().map(|r| days(r.boundary, r.engaged)),
    );
    o.int("days_to_death", b.iter().map(|r| days(r.boundary, r.death)));
    o.int(
        "follow_up_days",
        b.iter()
            .map(|r| Some(i64::from(opts.data_end() - r.boundary))),
    );
    o.date("adult_referral_date", b.iter().map(|r| r.adult_referral));
    o.date("cyp_discharge_date", b.iter().map(|r| r.cyp_discharge));
    // Null outside their denominators, as cohort T's flags are (and the summary counts).
    o.flag("fell_through_gap", b.iter().map(|r| r.fell_through()));
    o.flag("lost_to_services", b.iter().map(|r| r.lost()));
    o.finish()
}

fn result(table: RecordBatch, run: &Run) -> TableResult {
    TableResult {
        table,
        diagnostics: run.prepared.diagnostics.clone(),
    }
}

/// Cohort T, one row per member (person and episode): index date and referral, age, days to
/// engagement (the `min_attended_contacts`-th attended adult contact; null when none by the
/// data end), days to death, follow-up, and the flags of T1–T5 and T7–T9 (null where the
/// member is outside that metric's denominator).
pub fn transfers(tables: &Tables, opts: &TransitionOptions) -> Result<TableResult> {
    let run = run(tables, opts)?;
    Ok(result(transfers_batch(tables, &run, opts)?, &run))
}

/// Cohort B, one row per member: boundary date (`index_date`), class (1–9), days from the
/// boundary to engagement (negative when before it), the fell-through-the-gap and
/// lost-to-services flags.
pub fn ageing_out(tables: &Tables, opts: &TransitionOptions) -> Result<TableResult> {
    let run = run(tables, opts)?;
    Ok(result(ageing_out_batch(tables, &run, opts)?, &run))
}

/// Every metric of both cohorts per breakdown group (see the README's "Transition").
pub fn summary(tables: &Tables, opts: &TransitionOptions) -> Result<TableResult> {
    let run = run(tables, opts)?;
    let with_plans = run.prepared.plans.is_some();
    let table = summary_kernel(&run.t, &run.b, &run.prepared.breakdowns, with_plans, opts)?;
    Ok(result(summary_roles().annotate(table), &run))
}

/// What each column of the summary is, for publication ([`crate::disclosure`]).
pub(crate) fn summary_roles() -> Roles {
    let keys = ["cohort", "metric", "breakdown", "group"].map(String::from);
    let mut roles = Roles::counts(&["numerator", "denominator"], &keys);
    for c in ["value", "lower", "upper"] {
        roles = roles.derive(Derived::new(
            c,
            Some("numerator"),
            "denominator",
            DerivedKind::Proportion,
        ));
    }
    roles.link(
        &["numerator", "denominator"],
        "each breakdown's groups sum to its cohort's `all` row",
    )
}

/// What each column of a time-to-contact curve is, for publication.
fn curve_roles() -> Roles {
    let mut roles = Roles::counts(
        &["at_risk", "events", "deaths", "censored"],
        &["time".into()],
    );
    for c in ["estimate", "lower", "upper"] {
        roles = roles.derive(Derived::new(c, None, "at_risk", DerivedKind::Mean));
    }
    roles.link(
        &["at_risk", "events", "deaths", "censored"],
        "each day's people at risk are the previous day's less its events, deaths and censorings",
    )
}

/// Both cohorts, the summary and the Kaplan–Meier curve of cohort T from one pass.
pub fn analyse(tables: &Tables, opts: &TransitionOptions) -> Result<Analysis> {
    let run = run(tables, opts)?;
    let with_plans = run.prepared.plans.is_some();
    // The four outputs are independent: built side by side.
    let ((transfers, ageing_out), (summary, curve)) = crate::cancel::join(
        || {
            crate::cancel::join(
                || transfers_batch(tables, &run, opts),
                || ageing_out_batch(tables, &run, opts),
            )
        },
        || {
            crate::cancel::join(
                || summary_kernel(&run.t, &run.b, &run.prepared.breakdowns, with_plans, opts),
                || transfers_curve(&run, opts),
            )
        },
    );
    Ok(Analysis {
        transfers: transfers?,
        ageing_out: ageing_out?,
        summary: summary_roles().annotate(summary?),
        curve: curve?,
        diagnostics: run.prepared.diagnostics,
    })
}

/// The Kaplan–Meier curve of cohort T.
fn transfers_curve(run: &Run, opts: &TransitionOptions) -> Result<RecordBatch> {
    let (time, status) = transfer_outcomes(run, opts);
    let c = curve(&time, &status, CurveMethod::KaplanMeier, opts.confidence)?;
    curve_batch(&c, CurveMethod::KaplanMeier, opts.confidence)
}

/// Time and outcome of each member of cohort T (see [`outcome`]).
pub(super) fn transfer_outcomes(run: &Run, opts: &TransitionOptions) -> (Vec<i32>, Vec<u8>) {
    run.t
        .iter()
        .map(|r| {
            outcome(
                days(r.index, r.engaged),
                days(r.index, r.death),
                i64::from(opts.data_end() - r.index),
            )
        })
        .unzip()
}

/// Each referral's service line and the rule that decided it, for auditing the
/// classification: `referral_id`, `service_line`, `rule`. All the tables are read and checked
/// as by the other entry points, so the diagnostics are the same.
pub fn service_lines(tables: &Tables, opts: &TransitionOptions) -> Result<TableResult> {
    let p = prepare(tables, opts, Diagnostics::new())?;
    let mut o = Out::default();
    o.add(
        "referral_id",
        tables.referrals.column("referral_id")?.clone(),
    );
    o.text(
        "service_line",
        p.lines.iter().map(|(l, _)| Some(l.as_str())),
    );
    o.text("rule", p.lines.iter().map(|(_, r)| Some(r.as_str())));
    Ok(TableResult {
        table: o.finish()?,
        diagnostics: p.diagnostics,
    })
}

/// Time and outcome of one follow-up: the contact if it came first (a contact on the day of
/// death counts), else death, else censored at the end of follow-up. A contact before the
/// index date (cohort B: transferred before the boundary) is at time 0.
fn outcome(contact: Option<i64>, death: Option<i64>, follow_up: i64) -> (i32, u8) {
    match (contact, death) {
        (Some(c), d) if d.is_none_or(|d| c <= d) && c <= follow_up => (c.max(0) as i32, EVENT),
        (_, Some(d)) if d <= follow_up => (d.max(0) as i32, DEATH),
        _ => (follow_up.max(0) as i32, CENSORED),
    }
}

pub(super) fn curve_batch(
    c: &super::Curve,
    method: CurveMethod,
    confidence: f64,
) -> Result<RecordBatch> {
    let ints = |v: &[u64]| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(v.iter().map(|&x| x as i64)))
    };
    let floats = |v: &[f64]| -> ArrayRef { Arc::new(Float64Array::from(v.to_vec())) };
    let n = c.time.len();
    let name = match method {
        CurveMethod::KaplanMeier => "Kaplan-Meier, Greenwood variance, log-log interval",
        CurveMethod::AalenJohansen => "Aalen-Johansen, death competing, log-log interval",
    };
    let fields = ["time", "at_risk", "events", "deaths", "censored"]
        .iter()
        .map(|f| Field::new(*f, DataType::Int64, false))
        .chain(
            ["estimate", "lower", "upper", "confidence"]
                .iter()
                .map(|f| Field::new(*f, DataType::Float64, false)),
        )
        .chain([Field::new("method", DataType::Utf8, false)])
        .collect::<Vec<_>>();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            c.time.iter().map(|&t| i64::from(t)),
        )),
        ints(&c.at_risk),
        ints(&c.events),
        ints(&c.deaths),
        ints(&c.censored),
        floats(&c.estimate),
        floats(&c.lower),
        floats(&c.upper),
        floats(&vec![confidence; n]),
        Arc::new(StringArray::from(vec![name; n])),
    ];
    crate::table::tidy::finite_columns(&fields, &columns, 0)?;
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map(|b| curve_roles().annotate(b))
        .map_err(|e| Error::invalid_argument("table", e.to_string()))
}

/// The curve of time to the first attended adult contact from a per-person table of
/// [`transfers`] or [`ageing_out`] (columns `days_to_first_adult_contact`, `follow_up_days`
/// and, when present, `days_to_death`). Kaplan–Meier: the share still without a contact,
/// deaths censored; Aalen–Johansen: the cumulative incidence of a contact, death competing.
pub fn time_to_contact(table: &Input, method: CurveMethod, confidence: f64) -> Result<TableResult> {
    let contact = table.f64s_or_nan("days_to_first_adult_contact")?;
    let follow = table.f64s_or_nan("follow_up_days")?;
    let death = if table.has("days_to_death") {
        table.f64s_or_nan("days_to_death")?
    } else {
        vec![f64::NAN; contact.len()]
    };
    let mut diagnostics = Diagnostics::new();
    let mut time = Vec::with_capacity(contact.len());
    let mut status = Vec::with_capacity(contact.len());
    let whole = |col: &str, row: usize, v: f64| -> Result<Option<i64>> {
        if v.is_nan() {
            return Ok(None);
        }
        if v.fract() != 0.0 || v.abs() > 1e7 {
            return Err(Error::InvalidCell {
                table: None,
                column: table.name(col).to_owned(),
                row,
                value: v.to_string(),
                rule: "days must be whole numbers".into(),
            });
        }
        Ok(Some(v as i64))
    };
    for i in 0..contact.len() {
        let f = whole("follow_up_days", i, follow[i])?.ok_or_else(|| Error::InvalidCell {
            table: None,
            column: table.name("follow_up_days").to_owned(),
            row: i,
            value: "null".into(),
            rule: "follow-up is required".into(),
        })?;
        if f < 0 {
            return Err(Error::InvalidCell {
                table: None,
                column: table.name("follow_up_days").to_owned(),
                row: i,
                value: f.to_string(),
                rule: "follow-up must be 0 or more days".into(),
            });
        }
        let c = whole("days_to_first_adult_contact", i, contact[i])?;
        if c.is_some_and(|c| c < 0) {
            diagnostics.record(
                "contact_before_index",
                "engaged before the index date: event at day 0",
                Some(i),
            );
        }
        let (t, s) = outcome(c, whole("days_to_death", i, death[i])?, f);
        time.push(t);
        status.push(s);
    }
    let c = curve(&time, &status, method, confidence)?;
    Ok(TableResult {
        table: curve_batch(&c, method, confidence)?,
        diagnostics,
    })
}
