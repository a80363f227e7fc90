//! Transition metrics on hand-built people: every metric T1–T9 and every cohort-B class of
//! `docs/methods/transition.md`, with the boundary days written out (contact on the index day,
//! on day 90 and day 91, follow-up ending exactly on the window), and bad input.
//!
//! Every person below has one story; the expected values are read off the documented rules.

use arrow_array::{
    cast::AsArray,
    types::{Date32Type, Float64Type, Int64Type},
    Array, ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray,
};
use collabmetrics::table::{parse_date, ColumnMap, Input, TableResult};
use collabmetrics::transition::{
    ageing_out, summary, time_to_contact, transfers, CurveMethod, Tables, TransitionOptions,
};
use std::collections::HashMap;
use std::sync::Arc;

fn day(s: &str) -> i32 {
    parse_date(s).unwrap()
}

/// The data end of every scenario.
fn data_end() -> i32 {
    day("2024-12-31")
}

#[derive(Default, Clone)]
struct World {
    person_id: Vec<String>,
    birth: Vec<Option<i32>>,
    death: Vec<Option<i32>>,
    imd: Vec<i64>,
    ref_id: Vec<i64>,
    ref_person: Vec<String>,
    received: Vec<i32>,
    discharge: Vec<Option<i32>>,
    rejection: Vec<Option<i32>>,
    line: Vec<Option<&'static str>>,
    team: Vec<Option<&'static str>>,
    closure: Vec<Option<&'static str>>,
    c_ref: Vec<i64>,
    c_person: Vec<String>,
    c_date: Vec<i32>,
    c_att: Vec<Option<&'static str>>,
    c_mech: Vec<Option<&'static str>>,
    plan_person: Vec<String>,
    plan_type: Vec<i64>,
    plan_date: Vec<i32>,
    /// The contacts' `contact_id`s, when not 1, 2, 3, ...
    c_id: Option<Vec<i64>>,
}

impl World {
    fn person(&mut self, id: &str, birth: &str) {
        self.person_id.push(id.into());
        self.birth.push(Some(day(birth)));
        self.death.push(None);
        self.imd.push(1 + (self.person_id.len() as i64 % 3));
    }

    fn dies(&mut self, id: &str, date: i32) {
        let i = self.person_id.iter().position(|p| p == id).unwrap();
        self.death[i] = Some(date);
    }

    #[allow(clippy::too_many_arguments)]
    fn referral(
        &mut self,
        person: &str,
        received: i32,
        discharge: Option<i32>,
        rejection: Option<i32>,
        line: Option<&'static str>,
        team: Option<&'static str>,
        closure: Option<&'static str>,
    ) -> i64 {
        let id = self.ref_id.len() as i64 + 100;
        self.ref_id.push(id);
        self.ref_person.push(person.into());
        self.received.push(received);
        self.discharge.push(discharge);
        self.rejection.push(rejection);
        self.line.push(line);
        self.team.push(team);
        self.closure.push(closure);
        id
    }

    /// A CYP referral received on 1 January 2021, discharged on `discharge` for `closure`.
    fn cyp(&mut self, person: &str, discharge: Option<i32>, closure: Option<&'static str>) -> i64 {
        self.referral(
            person,
            day("2021-01-01"),
            discharge,
            None,
            Some("cyp"),
            Some("C03"),
            closure,
        )
    }

    fn adult(&mut self, person: &str, received: i32) -> i64 {
        self.referral(
            person,
            received,
            None,
            None,
            Some("adult"),
            Some("A03"),
            None,
        )
    }

    fn contact(
        &mut self,
        referral: i64,
        date: i32,
        att: Option<&'static str>,
        mech: Option<&'static str>,
    ) {
        let r = self.ref_id.iter().position(|&x| x == referral).unwrap();
        self.c_ref.push(referral);
        self.c_person.push(self.ref_person[r].clone());
        self.c_date.push(date);
        self.c_att.push(att);
        self.c_mech.push(mech);
    }

    /// An attended face-to-face contact.
    fn attend(&mut self, referral: i64, date: i32) {
        self.contact(referral, date, Some("5"), Some("01"));
    }

    fn plan(&mut self, person: &str, kind: i64, date: i32) {
        self.plan_person.push(person.into());
        self.plan_type.push(kind);
        self.plan_date.push(date);
    }

    fn batches(&self) -> [RecordBatch; 4] {
        let s = |v: &[String]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let d = |v: &[i32]| Arc::new(Date32Array::from(v.to_vec())) as ArrayRef;
        let od = |v: &[Option<i32>]| Arc::new(Date32Array::from(v.to_vec())) as ArrayRef;
        let os = |v: &[Option<&str>]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let persons = RecordBatch::try_from_iter(vec![
            ("person_id", s(&self.person_id)),
            ("date_of_birth", od(&self.birth)),
            ("date_of_death", od(&self.death)),
            (
                "imd_decile",
                Arc::new(Int64Array::from(self.imd.clone())) as ArrayRef,
            ),
        ])
        .unwrap();
        let referrals = RecordBatch::try_from_iter(vec![
            (
                "referral_id",
                Arc::new(Int64Array::from(self.ref_id.clone())) as ArrayRef,
            ),
            ("person_id", s(&self.ref_person)),
            ("received_date", d(&self.received)),
            ("discharge_date", od(&self.discharge)),
            ("rejection_date", od(&self.rejection)),
            ("service_line", os(&self.line)),
            ("team_type", os(&self.team)),
            ("closure_reason", os(&self.closure)),
        ])
        .unwrap();
        let n = self.c_ref.len() as i64;
        let contacts = RecordBatch::try_from_iter(vec![
            (
                "contact_id",
                Arc::new(Int64Array::from(
                    self.c_id.clone().unwrap_or_else(|| (1..=n).collect()),
                )) as ArrayRef,
            ),
            (
                "referral_id",
                Arc::new(Int64Array::from(self.c_ref.clone())) as ArrayRef,
            ),
            ("person_id", s(&self.c_person)),
            ("contact_date", d(&self.c_date)),
            ("attendance", os(&self.c_att)),
            ("mechanism", os(&self.c_mech)),
        ])
        .unwrap();
        let plans = RecordBatch::try_from_iter(vec![
            ("person_id", s(&self.plan_person)),
            (
                "plan_type",
                Arc::new(Int64Array::from(self.plan_type.clone())) as ArrayRef,
            ),
            ("date", d(&self.plan_date)),
        ])
        .unwrap();
        [persons, referrals, contacts, plans]
    }

    fn call<T>(
        &self,
        opts: &TransitionOptions,
        f: impl Fn(&Tables, &TransitionOptions) -> collabmetrics::Result<T>,
    ) -> collabmetrics::Result<T> {
        let inputs: Vec<Input> = self
            .batches()
            .iter()
            .map(|b| Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap())
            .collect();
        let plans = (!self.plan_person.is_empty()).then_some(&inputs[3]);
        let tables = Tables {
            persons: &inputs[0],
            referrals: &inputs[1],
            contacts: &inputs[2],
            care_plans: plans,
        };
        f(&tables, opts)
    }
}

/// A per-person table as rows keyed by `person_id` (and episode for cohort T).
struct Rows {
    batch: RecordBatch,
    index: HashMap<String, Vec<usize>>,
}

impl Rows {
    fn new(r: TableResult) -> Self {
        let batch = r.table;
        let ids = batch
            .column_by_name("person_id")
            .unwrap()
            .as_string::<i32>()
            .clone();
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for i in 0..batch.num_rows() {
            index.entry(ids.value(i).to_owned()).or_default().push(i);
        }
        Rows { batch, index }
    }

    fn has(&self, person: &str) -> bool {
        self.index.contains_key(person)
    }

    fn row(&self, person: &str) -> usize {
        let rows = &self.index[person];
        assert_eq!(rows.len(), 1, "{person} has {} rows", rows.len());
        rows[0]
    }

    fn col(&self, name: &str) -> &ArrayRef {
        self.batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn flag(&self, person: &str, name: &str) -> Option<bool> {
        let (c, i) = (self.col(name).as_boolean(), self.row(person));
        c.is_valid(i).then(|| c.value(i))
    }

    fn int(&self, person: &str, name: &str) -> Option<i64> {
        let (c, i) = (self.col(name).as_primitive::<Int64Type>(), self.row(person));
        c.is_valid(i).then(|| c.value(i))
    }

    fn text(&self, person: &str, name: &str) -> String {
        self.col(name)
            .as_string::<i32>()
            .value(self.row(person))
            .to_owned()
    }

    fn date(&self, person: &str, name: &str) -> i32 {
        self.col(name)
            .as_primitive::<Date32Type>()
            .value(self.row(person))
    }
}

/// Cohort T's index date for most people.
fn t0() -> i32 {
    day("2023-03-01")
}

/// Someone 18 on the index date, with an open CYP referral and an attended CYP contact 30
/// days before it: the usual member of cohort T. Returns (cyp referral, adult referral).
fn transfer(w: &mut World, id: &str, t: i32) -> (i64, i64) {
    w.person(id, "2004-06-15");
    let cyp = w.cyp(id, None, None);
    w.attend(cyp, t - 30);
    let adult = w.adult(id, t);
    (cyp, adult)
}

fn cohort_t() -> World {
    let mut w = World::default();
    let t = t0();
    // Contact on the index day: 0 days, engaged at every horizon; parallel care (CYP open);
    // continuity gap 30 days; transition plan exactly 365 days before.
    let (_, a) = transfer(&mut w, "day0", t);
    w.attend(a, t);
    w.plan("day0", 14, t - 365);
    // Contact on day 90 after a DNA on day 10: engaged at 90, not at 30; first appointment
    // missed; plan 366 days before (too early) and a plan of another type.
    let (_, a) = transfer(&mut w, "day90", t);
    w.contact(a, t + 10, Some("7"), Some("01"));
    w.attend(a, t + 90);
    w.plan("day90", 14, t - 366);
    w.plan("day90", 3, t - 10);
    // Contact on day 91: disengaged at 90, engaged at 183; a crisis contact on day 20 is not
    // engagement but a crisis presentation.
    let (_, a) = transfer(&mut w, "day91", t);
    w.attend(a, t + 91);
    let crisis = w.referral(
        "day91",
        t + 20,
        None,
        None,
        Some("adult"),
        Some("A02"),
        None,
    );
    w.attend(crisis, t + 20);
    // Follow-up ends exactly on day 90: in the denominator, disengaged; a day short: null.
    transfer(&mut w, "edge", data_end() - 90);
    transfer(&mut w, "short", data_end() - 89);
    // Died on day 40 without contact: reported apart.
    transfer(&mut w, "died", t);
    w.dies("died", t + 40);
    // Rejected adult referral: not in the cohort, counted.
    w.person("rejected", "2004-06-15");
    let cyp = w.cyp("rejected", None, None);
    w.attend(cyp, t - 30);
    w.referral(
        "rejected",
        t,
        None,
        Some(t + 5),
        Some("adult"),
        Some("A03"),
        None,
    );
    // Ages: 15 and 26 are out; 16 on the index day is in.
    for (id, birth) in [
        ("age15", "2007-03-02"),
        ("age26", "1997-03-01"),
        ("age16", "2007-03-01"),
    ] {
        w.person(id, birth);
        let cyp = w.cyp(id, None, None);
        w.attend(cyp, t - 30);
        w.adult(id, t);
    }
    // CYP involvement: referral closed 200 days before; last attended CYP contact 184 days
    // before (out) or exactly 183 days before (in; then no parallel care).
    for (id, back) in [("cyp184", 184), ("cyp183", 183)] {
        w.person(id, "2004-06-15");
        let cyp = w.cyp(id, Some(t - 200), Some("02"));
        w.attend(cyp, t - back);
        let a = w.adult(id, t);
        w.attend(a, t + 10);
    }
    // Episodes: a second adult referral 200 days later joins the first episode; a third 400
    // days after the first starts a second one (CYP contact within 183 days of it).
    let (cyp, _) = transfer(&mut w, "episodes", t);
    w.adult("episodes", t + 200);
    w.attend(cyp, t + 300);
    w.adult("episodes", t + 400);
    // Discharged by adult services on day 100 without attending (a DNA on day 20).
    w.person("discharged", "2004-06-15");
    let cyp = w.cyp("discharged", None, None);
    w.attend(cyp, t - 30);
    let a = w.referral(
        "discharged",
        t,
        Some(t + 100),
        None,
        Some("adult"),
        Some("A03"),
        Some("05"),
    );
    w.contact(a, t + 20, Some("3"), Some("02"));
    // Engaged at 12 months: a contact on day 276 is in (t0 + 275, t0 + 365], day 275 is not.
    for (id, last) in [("late276", 276), ("late275", 275)] {
        let (_, a) = transfer(&mut w, id, t);
        w.attend(a, t + 5);
        w.attend(a, t + last);
    }
    // Early drop-out: engaged on day 5, discharged on day 150 for reason 05 (dropped out) or
    // 02 (treatment completed).
    for (id, reason) in [("dropout", "05"), ("completed", "02")] {
        w.person(id, "2004-06-15");
        let cyp = w.cyp(id, None, None);
        w.attend(cyp, t - 30);
        let a = w.referral(
            id,
            t,
            Some(t + 150),
            None,
            Some("adult"),
            Some("A03"),
            Some(reason),
        );
        w.attend(a, t + 5);
    }
    // Attended by email (mechanism 05): not a direct contact, so not engagement.
    let (_, a) = transfer(&mut w, "email", t);
    w.contact(a, t + 3, Some("5"), Some("05"));
    w
}

#[test]
fn a_blank_mechanism_is_not_recorded_so_the_contact_is_direct() {
    // The email transfer's contact with its mechanism null, "" or " " (codes are read
    // trimmed): a mechanism not recorded, so the attended contact counts as direct
    // (docs/methods/transition.md) and the member engages. A frame's "" was an unknown
    // mechanism, an indirect contact.
    let engaged = |mech: Option<&'static str>| {
        let mut w = cohort_t();
        let last = w.c_mech.len() - 1;
        w.c_mech[last] = mech;
        let r = w.call(&opts(), transfers).unwrap();
        assert_eq!(r.diagnostics.count("indirect_contact"), 0, "{mech:?}");
        Rows::new(r).flag("email", "disengaged")
    };
    assert_eq!(engaged(None), Some(false));
    assert_eq!(engaged(Some("")), Some(false));
    assert_eq!(engaged(Some(" ")), Some(false));
}

fn opts() -> TransitionOptions {
    TransitionOptions::new(data_end())
}

#[test]
fn cohort_t_boundary_days() {
    let w = cohort_t();
    let r = w.call(&opts(), transfers).unwrap();
    assert_eq!(r.diagnostics.count("adult_referral_rejected"), 1);
    assert_eq!(r.diagnostics.count("indirect_contact"), 1);
    assert_eq!(r.diagnostics.count("care_plan_not_transition"), 1);
    let t = Rows::new(r);
    for out in ["rejected", "age15", "age26", "cyp184"] {
        assert!(!t.has(out), "{out} must not be in cohort T");
    }
    for inside in ["age16", "cyp183"] {
        assert!(t.has(inside), "{inside} must be in cohort T");
    }
    // T1 at 90 days and the other horizons.
    assert_eq!(t.int("day0", "days_to_first_adult_contact"), Some(0));
    assert_eq!(t.flag("day0", "disengaged"), Some(false));
    assert_eq!(t.flag("day0", "disengaged_30d"), Some(false));
    assert_eq!(t.int("day90", "days_to_first_adult_contact"), Some(90));
    assert_eq!(t.flag("day90", "disengaged"), Some(false));
    assert_eq!(t.flag("day90", "disengaged_30d"), Some(true));
    assert_eq!(t.int("day91", "days_to_first_adult_contact"), Some(91));
    assert_eq!(t.flag("day91", "disengaged"), Some(true));
    assert_eq!(t.flag("day91", "disengaged_183d"), Some(false));
    assert_eq!(t.flag("edge", "disengaged"), Some(true));
    assert_eq!(t.int("edge", "follow_up_days"), Some(90));
    assert_eq!(t.flag("short", "disengaged"), None);
    assert_eq!(t.flag("short", "disengaged_30d"), Some(true));
    assert_eq!(t.flag("died", "disengaged"), None);
    assert_eq!(t.flag("died", "died_without_contact"), Some(true));
    assert_eq!(t.int("died", "days_to_death"), Some(40));
    assert_eq!(t.flag("day91", "died_without_contact"), Some(false));
    assert_eq!(t.int("email", "days_to_first_adult_contact"), None);
    assert_eq!(t.flag("email", "disengaged"), Some(true));
    // Crisis contacts are not engagement but are counted.
    assert_eq!(t.int("day91", "crisis_presentations"), Some(1));
    assert_eq!(t.int("day0", "crisis_presentations"), Some(0));
    // T2: first scheduled adult contact a DNA.
    assert_eq!(
        t.flag("day90", "first_adult_appointment_missed"),
        Some(true)
    );
    assert_eq!(
        t.flag("day0", "first_adult_appointment_missed"),
        Some(false)
    );
    assert_eq!(
        t.flag("discharged", "first_adult_appointment_missed"),
        Some(true)
    );
    assert_eq!(t.flag("edge", "first_adult_appointment_missed"), None);
    // T3: discharged without attending, with the year of follow-up complete.
    assert_eq!(
        t.flag("discharged", "discharged_without_attending"),
        Some(true)
    );
    assert_eq!(t.flag("day91", "discharged_without_attending"), Some(false));
    assert_eq!(t.flag("edge", "discharged_without_attending"), None);
    // T4: attended in (t0 + 275, t0 + 365]; alive at t0 + 365.
    assert_eq!(t.flag("late276", "engaged_at_12_months"), Some(true));
    assert_eq!(t.flag("late275", "engaged_at_12_months"), Some(false));
    assert_eq!(t.flag("died", "engaged_at_12_months"), None);
    // T5: engaged, then discharged by day 183 for reason 05, 07 or 09.
    assert_eq!(t.flag("dropout", "early_dropout"), Some(true));
    assert_eq!(t.flag("completed", "early_dropout"), Some(false));
    assert_eq!(
        t.flag("day91", "early_dropout"),
        None,
        "not engaged within 90 days"
    );
    // T7: last attended CYP contact (t0 − 30) to first attended adult contact.
    assert_eq!(t.int("day0", "continuity_gap_days"), Some(30));
    assert_eq!(t.int("day90", "continuity_gap_days"), Some(120));
    assert_eq!(t.int("cyp183", "continuity_gap_days"), Some(193));
    assert_eq!(t.int("day91", "continuity_gap_days"), None);
    // T8: CYP referral open while attending adult services, or not.
    assert_eq!(t.flag("day0", "parallel_care"), Some(true));
    assert_eq!(t.flag("cyp183", "parallel_care"), Some(false));
    assert_eq!(
        t.flag("edge", "parallel_care"),
        Some(false),
        "no adult contact at all"
    );
    // T9: a type-14 plan in [t0 − 365, t0].
    assert_eq!(t.flag("day0", "transition_plan_recorded"), Some(true));
    assert_eq!(t.flag("day90", "transition_plan_recorded"), Some(false));
    // Episodes: two, the second indexed 400 days after the first.
    let rows = &t.index["episodes"];
    assert_eq!(rows.len(), 2);
    let idx = t.col("index_date").as_primitive::<Date32Type>();
    let ep = t.col("episode").as_primitive::<Int64Type>();
    assert_eq!((idx.value(rows[0]), ep.value(rows[0])), (t0(), 1));
    assert_eq!((idx.value(rows[1]), ep.value(rows[1])), (t0() + 400, 2));
    assert_eq!(t.int("age16", "age_at_index"), Some(16));
    assert_eq!(t.text("age16", "age_band"), "16-17");
}

#[test]
fn stricter_engagement_needs_two_attended_contacts() {
    let w = cohort_t();
    let mut o = opts();
    o.min_attended_contacts = 2;
    let t = Rows::new(w.call(&o, transfers).unwrap());
    assert_eq!(t.int("day90", "days_to_first_adult_contact"), None);
    assert_eq!(t.flag("day90", "disengaged"), Some(true));
    assert_eq!(t.int("late276", "days_to_first_adult_contact"), Some(276));
    assert_eq!(
        t.int("late276", "continuity_gap_days"),
        None,
        "not engaged by day 90"
    );
}

/// A contact after a recorded death (inconsistent data, counted as `event_after_death`) is no
/// engagement: the death came first, in T1 as in the curve. A death 10 days before the index
/// date then a contact on day 5, and a death on day 5 then a contact on day 10: both died
/// without contact, out of every T1 denominator, deaths in the curve; a contact on the day of
/// death counts, as the curve counts it.
#[test]
fn a_contact_after_a_recorded_death_is_no_engagement() {
    let mut w = World::default();
    let t = t0();
    let (_, a) = transfer(&mut w, "before", t);
    w.attend(a, t + 5);
    w.dies("before", t - 10);
    let (_, a) = transfer(&mut w, "after", t);
    w.attend(a, t + 10);
    w.dies("after", t + 5);
    let (_, a) = transfer(&mut w, "same_day", t);
    w.attend(a, t + 7);
    w.dies("same_day", t + 7);
    let table = w.call(&opts(), transfers).unwrap().table;
    let rows = Rows::new(TableResult {
        table: table.clone(),
        diagnostics: Default::default(),
    });
    for who in ["before", "after"] {
        assert_eq!(rows.flag(who, "died_without_contact"), Some(true), "{who}");
        assert_eq!(
            rows.flag(who, "disengaged"),
            None,
            "{who}: out of the denominator"
        );
    }
    assert_eq!(rows.flag("same_day", "died_without_contact"), Some(false));
    assert_eq!(rows.flag("same_day", "disengaged"), Some(false));
    // The curve of the same members: deaths at 0 (before t0) and 5, the contact at 7.
    let input = Input::new(table.schema(), &[table], ColumnMap::new()).unwrap();
    let c = time_to_contact(&input, CurveMethod::KaplanMeier, 0.95)
        .unwrap()
        .table;
    let ints = |name: &str| -> Vec<i64> {
        let col = c.column_by_name(name).unwrap();
        col.as_primitive::<Int64Type>().values().to_vec()
    };
    assert_eq!(ints("time"), [0, 5, 7]);
    assert_eq!(ints("deaths"), [1, 1, 0]);
    assert_eq!(ints("events"), [0, 0, 1]);
}

/// A contact given twice (one `contact_id` on two rows) is an error naming the column and
/// row, as a repeated person or referral is: it would count as two attended contacts, and
/// meet `min_attended_contacts = 2` with one real contact.
#[test]
fn a_repeated_contact_id_is_an_error_naming_the_row() {
    let mut w = cohort_t();
    let (_, adult) = transfer(&mut w, "twice", t0());
    w.attend(adult, t0() + 30);
    w.attend(adult, t0() + 30);
    let n = w.c_ref.len() as i64;
    let mut ids: Vec<i64> = (1..=n).collect();
    ids[n as usize - 1] = n - 1;
    w.c_id = Some(ids);
    let mut o = opts();
    o.min_attended_contacts = 2;
    let e = w.call(&o, transfers).err().unwrap().to_string();
    let (row, first) = (n - 1, n - 2);
    assert!(
        e.contains(&format!("`contacts.contact_id` at row {row}"))
            && e.contains(&format!("first seen at row {first}")),
        "{e}"
    );
    // Distinct identifiers pass, ascending (one pass) or not (the dictionary).
    let ascending: Vec<i64> = (1..=n).collect();
    for ids in [ascending.clone(), ascending.into_iter().rev().collect()] {
        w.c_id = Some(ids);
        w.call(&o, transfers).unwrap();
    }
}

/// Boundary dates: 1 March 2023 for most (born 1 March 2005); the classification horizon
/// B + 365 is 29 February 2024.
fn b0() -> i32 {
    day("2023-03-01")
}

fn boundary(w: &mut World, id: &str, discharge: Option<i32>, closure: Option<&'static str>) -> i64 {
    w.person(id, "2005-03-01");
    let cyp = w.cyp(id, discharge, closure);
    w.attend(cyp, b0() - 30);
    cyp
}

fn cohort_b() -> World {
    let mut w = World::default();
    let b = b0();
    boundary(&mut w, "died", None, None);
    w.dies("died", b + 100);
    w.person("insufficient", "2006-06-01");
    let cyp = w.cyp("insufficient", None, None);
    w.attend(cyp, day("2024-05-01"));
    // An adult referral 10 days after the boundary and an attended contact on its day 90
    // (engaged) or day 91 (not engaged).
    for (id, on) in [("engaged", 90), ("not_engaged", 91)] {
        boundary(&mut w, id, None, None);
        let a = w.adult(id, b + 10);
        w.attend(a, b + 10 + on);
    }
    boundary(&mut w, "rejected", None, None);
    w.referral(
        "rejected",
        b + 10,
        None,
        Some(b + 12),
        Some("adult"),
        Some("A03"),
        None,
    );
    boundary(&mut w, "retained", None, None);
    boundary(&mut w, "planned", Some(b + 30), Some("02"));
    boundary(&mut w, "disengaged", Some(b + 30), Some("05"));
    // Discharged for another reason; a crisis contact 170 days later: fell through the gap,
    // but had a later contact, so not lost.
    boundary(&mut w, "other_gap", Some(b + 30), Some("01"));
    let crisis = w.referral("other_gap", b + 200, None, None, None, Some("A02"), None);
    w.attend(crisis, b + 200);
    // Discharged, reason unknown, nothing after: lost to services.
    boundary(&mut w, "other_lost", Some(b + 30), None);
    // Born on 29 February 2004: 18 on 1 March 2022.
    w.person("leap", "2004-02-29");
    let cyp = w.cyp("leap", Some(day("2022-03-31")), Some("04"));
    w.attend(cyp, day("2022-02-01"));
    // Not in cohort B: CYP referral closed 200 days before the boundary; or no attended CYP
    // contact in the year before it.
    boundary(&mut w, "closed_early", Some(b - 200), Some("02"));
    w.person("no_contact", "2005-03-01");
    let cyp = w.cyp("no_contact", None, None);
    w.attend(cyp, b - 400);
    w
}

/// A death after the data end is not known, in cohort B as in cohort T: someone 18 on
/// 1 June 2024 (horizon 1 June 2025) who dies on 1 March 2025, after the data end of
/// 31 December 2024, has insufficient follow-up and no death, not the class `died` with a
/// null `days_to_death`.
#[test]
fn cohort_b_ignores_a_death_after_the_data_end() {
    let mut w = cohort_b();
    w.person("dies_later", "2006-06-01");
    let cyp = w.cyp("dies_later", None, None);
    w.attend(cyp, day("2024-05-01"));
    w.dies("dies_later", day("2025-03-01"));
    let b = Rows::new(w.call(&opts(), ageing_out).unwrap());
    assert_eq!(b.text("dies_later", "class"), "insufficient_follow_up");
    assert_eq!(b.int("dies_later", "days_to_death"), None);
    assert_eq!(b.text("died", "class"), "died");
}

#[test]
fn cohort_b_every_class() {
    let w = cohort_b();
    let b = Rows::new(w.call(&opts(), ageing_out).unwrap());
    let expected = [
        ("died", "died", 1),
        ("insufficient", "insufficient_follow_up", 2),
        ("engaged", "transferred_engaged", 3),
        ("not_engaged", "transferred_not_engaged", 4),
        ("rejected", "adult_referral_rejected", 5),
        ("retained", "retained_in_cypmhs", 6),
        ("planned", "discharged_planned", 7),
        ("disengaged", "discharged_disengaged", 8),
        ("other_gap", "discharged_other", 9),
        ("other_lost", "discharged_other", 9),
        ("leap", "discharged_planned", 7),
    ];
    for (id, class, number) in expected {
        assert_eq!(b.text(id, "class"), class, "{id}");
        assert_eq!(b.int(id, "class_number"), Some(number), "{id}");
    }
    assert!(!b.has("closed_early") && !b.has("no_contact"));
    assert_eq!(b.batch.num_rows(), expected.len());
    assert_eq!(b.date("leap", "index_date"), day("2022-03-01"));
    assert_eq!(b.date("engaged", "index_date"), b0());
    assert_eq!(b.int("engaged", "days_to_first_adult_contact"), Some(100));
    assert_eq!(b.flag("other_gap", "fell_through_gap"), Some(true));
    assert_eq!(b.flag("other_gap", "lost_to_services"), Some(false));
    assert_eq!(b.flag("other_lost", "fell_through_gap"), Some(false));
    assert_eq!(b.flag("other_lost", "lost_to_services"), Some(true));
    assert_eq!(b.flag("disengaged", "lost_to_services"), Some(true));
    assert_eq!(b.flag("planned", "lost_to_services"), Some(false));
    assert_eq!(b.flag("planned", "fell_through_gap"), Some(false));
    // Null outside their denominators (classes 7–9; 3–9), as cohort T's flags are.
    assert_eq!(b.flag("engaged", "fell_through_gap"), None);
    assert_eq!(b.flag("engaged", "lost_to_services"), Some(false));
    assert_eq!(b.flag("died", "lost_to_services"), None);
    assert_eq!(b.flag("insufficient", "fell_through_gap"), None);
}

/// The summary's row for a metric in the `all` group: (numerator, denominator, value, lower).
fn all_row(s: &RecordBatch, metric: &str) -> (i64, i64, f64, f64) {
    let m = s.column_by_name("metric").unwrap().as_string::<i32>();
    let g = s.column_by_name("breakdown").unwrap().as_string::<i32>();
    let i = (0..s.num_rows())
        .find(|&i| m.value(i) == metric && g.value(i) == "all")
        .unwrap_or_else(|| panic!("no {metric}"));
    let int = |c: &str| {
        s.column_by_name(c)
            .unwrap()
            .as_primitive::<Int64Type>()
            .value(i)
    };
    let f = |c: &str| {
        s.column_by_name(c)
            .unwrap()
            .as_primitive::<Float64Type>()
            .value(i)
    };
    (int("numerator"), int("denominator"), f("value"), f("lower"))
}

#[test]
fn cohort_b_rates_follow_the_spec() {
    let w = cohort_b();
    let s = w.call(&opts(), summary).unwrap().table;
    // Classes 3–9: engaged, not_engaged, rejected, retained, planned ×2 (with leap),
    // disengaged, other ×2 = 9 people.
    // Transfer rate (3 + 4 + 5) / (3..9) = 3 / 9.
    let (num, den, value, lower) = all_row(&s, "B_transfer_rate");
    assert_eq!((num, den), (3, 9));
    assert!((value - 1.0 / 3.0).abs() < 1e-15);
    // Wilson lower limit of 3/9 at 95%, by hand: (2·3 + z² − z√(z² + 4·3·(1 − 3/9))) / (2(9 + z²)).
    let z: f64 = 1.959963984540054;
    let by_hand =
        (6.0 + z * z - z * (z * z + 12.0 * (1.0 - 1.0 / 3.0)).sqrt()) / (2.0 * (9.0 + z * z));
    assert!((lower - by_hand).abs() < 1e-12, "{lower} vs {by_hand}");
    assert_eq!(
        all_row(&s, "B_disengaged_after_transfer").0..=all_row(&s, "B_disengaged_after_transfer").1,
        1..=2
    );
    // Lost: class 8 (1) + class 9 without later contact (1) over 9.
    assert_eq!(
        (
            all_row(&s, "B_lost_to_services").0,
            all_row(&s, "B_lost_to_services").1
        ),
        (2, 9)
    );
    // Fell through the gap: 1 of the 5 in classes 7–9.
    assert_eq!(
        (
            all_row(&s, "B_fell_through_gap").0,
            all_row(&s, "B_fell_through_gap").1
        ),
        (1, 5)
    );
    // Class shares over the cohort without the one member short of follow-up (10 people);
    // that member's own row is over all 11.
    assert_eq!((all_row(&s, "B_died").0, all_row(&s, "B_died").1), (1, 10));
    assert_eq!(
        (
            all_row(&s, "B_discharged_planned").0,
            all_row(&s, "B_discharged_planned").1
        ),
        (2, 10)
    );
    let short = all_row(&s, "B_insufficient_follow_up");
    assert_eq!((short.0, short.1), (1, 11));
}

#[test]
fn cohort_t_summary_counts_match_the_rows() {
    let w = cohort_t();
    let s = w.call(&opts(), summary).unwrap().table;
    // 16 members: day0, day90, day91, edge, short, died, age16, cyp183, episodes (twice),
    // discharged, late276, late275, dropout, completed, email.
    let t = Rows::new(w.call(&opts(), transfers).unwrap());
    assert_eq!(t.batch.num_rows(), 16);
    // T1 at 90 days: everyone but "short" (follow-up) and "died" (reported apart): 14.
    // Disengaged: day91, edge, age16, both episodes, discharged, email = 7.
    let (num, den, value, _) = all_row(&s, "T1_disengaged_90d");
    assert_eq!((num, den, value), (7, 14, 0.5));
    let (num, den, _, _) = all_row(&s, "T1_died_without_contact_90d");
    assert_eq!((num, den), (1, 15));
    let (num, den, _, _) = all_row(&s, "T9_transition_plan_recorded");
    assert_eq!((num, den), (1, 16));
}

#[test]
fn kaplan_meier_from_the_transfers_table() {
    let w = cohort_t();
    let t = w.call(&opts(), transfers).unwrap().table;
    let input = Input::new(t.schema(), &[t], ColumnMap::new()).unwrap();
    let c = time_to_contact(&input, CurveMethod::KaplanMeier, 0.95)
        .unwrap()
        .table;
    let time = c
        .column_by_name("time")
        .unwrap()
        .as_primitive::<Int64Type>();
    let est = c
        .column_by_name("estimate")
        .unwrap()
        .as_primitive::<Float64Type>();
    let at_risk = c
        .column_by_name("at_risk")
        .unwrap()
        .as_primitive::<Int64Type>();
    // 16 members; one contact on day 0 (day0): S(0) = 15/16.
    assert_eq!((time.value(0), at_risk.value(0)), (0, 16));
    assert!((est.value(0) - 15.0 / 16.0).abs() < 1e-15);
    assert!(est.values().windows(2).all(|w| w[1] <= w[0]));
    let aj = time_to_contact(&input, CurveMethod::AalenJohansen, 0.95)
        .unwrap()
        .table;
    let cif = aj
        .column_by_name("estimate")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert!((cif.value(0) - 1.0 / 16.0).abs() < 1e-15);
}

#[test]
fn bad_input_is_named_or_counted() {
    let base = cohort_t();
    let err = |w: &World| w.call(&opts(), transfers).err().unwrap().to_string();
    let mut w = base.clone();
    w.c_date[0] = day("1990-01-01");
    let e = err(&w);
    assert!(
        e.contains("contacts.contact_date")
            && e.contains("row 0")
            && e.contains("before the person's birth"),
        "{e}"
    );
    let mut w = base.clone();
    w.discharge[0] = Some(day("2020-01-01"));
    let e = err(&w);
    assert!(
        e.contains("referrals.discharge_date") && e.contains("row 0"),
        "{e}"
    );
    let mut w = base.clone();
    w.rejection[1] = Some(day("2020-01-01"));
    let e = err(&w);
    assert!(
        e.contains("referrals.rejection_date") && e.contains("row 1"),
        "{e}"
    );
    let mut w = base.clone();
    w.received[0] = day("1990-01-01");
    assert!(err(&w).contains("referrals.received_date"));
    let mut w = base.clone();
    w.death[0] = Some(day("1990-01-01"));
    assert!(err(&w).contains("persons.date_of_death"));
    let mut w = base.clone();
    w.person_id[1] = w.person_id[0].clone();
    assert!(err(&w).contains("persons.person_id"));
    // An empty id is missing, as the command line reads an empty CSV field: the error it
    // gives, where a frame's "" was a person (and several, one person).
    {
        let mut w = base.clone();
        w.person_id[1] = String::new();
        let e = err(&w);
        assert!(
            e.contains("persons.person_id")
                && e.contains("row 1")
                && e.contains("an identifier is required"),
            "{e}"
        );
    }
    let mut w = base.clone();
    w.line[0] = Some(" Teenagers");
    let e = err(&w);
    // The cell as written (the codes are compared trimmed and upper-cased: it said TEENAGERS).
    assert!(
        e.contains("referrals.service_line") && e.contains("( Teenagers)"),
        "{e}"
    );
    // A contact's person_id must be its referral's person's: another person, or one not in
    // the persons table at all, is an error naming the row (text identifiers are compared
    // directly with the referral's person's).
    for (row, other) in [(0, "day91"), (3, "nobody")] {
        let mut w = base.clone();
        w.c_person[row] = other.into();
        let e = err(&w);
        assert!(
            e.contains("contacts.person_id")
                && e.contains(&format!("row {row}"))
                && e.contains("is not the person of the contact's referral"),
            "{e}"
        );
    }
    let mut w = base.clone();
    w.ref_id[1] = w.ref_id[0];
    let e = err(&w);
    assert!(
        e.contains("`referrals.referral_id` at row 1") && e.contains("first seen at row 0"),
        "{e}"
    );
    let mut o = opts();
    o.boundary_age = 200;
    let e = base.call(&o, transfers).err().unwrap().to_string();
    assert!(e.contains("`boundary_age`"), "{e}");
    let mut o = opts();
    o.period_start = Some(data_end() + 1);
    assert!(base.call(&o, transfers).is_err());
    // A date beyond the supported range (year 30 000) is refused where it is read, and so is
    // a data end of year 40 000.
    let mut w = base.clone();
    w.c_date[2] = collabmetrics::table::days_from_civil(30_000, 1, 1);
    let e = w.call(&opts(), transfers).err().unwrap().to_string();
    assert!(
        e.contains("contacts.contact_date")
            && e.contains("row 2")
            && e.contains("outside the supported date range 1800-01-01 to 2200-12-31"),
        "{e}"
    );
    let far = TransitionOptions::new(collabmetrics::table::days_from_civil(40_000, 1, 1));
    let e = base.call(&far, transfers).err().unwrap().to_string();
    assert!(e.contains("`data_end`") && e.contains("outside"), "{e}");

    // Counted, not errors.
    let mut w = base.clone();
    w.c_att[0] = Some("9");
    w.c_att[1] = None;
    w.birth[2] = None;
    w.line[3] = None;
    w.team[3] = Some("E01");
    w.ref_person[4] = "nobody".into();
    w.c_ref.push(99_999);
    w.c_person.push("day0".into());
    w.c_date.push(t0());
    w.c_att.push(Some("5"));
    w.c_mech.push(None);
    w.received[7] = data_end() + 1;
    let r = w.call(&opts(), transfers).unwrap();
    let d = &r.diagnostics;
    assert_eq!(d.count("invalid_attendance"), 2);
    assert_eq!(d.count("missing_date_of_birth"), 1);
    assert_eq!(d.count("unclassified_referral"), 1);
    assert_eq!(d.count("referral_person_not_found"), 1);
    assert_eq!(d.count("contact_referral_not_found"), 1);
    assert_eq!(d.count("referral_after_data_end"), 1);
    assert!(d.count("referral_of_person_without_birth_date") >= 1);
    assert!(d.count("contact_on_excluded_referral") >= 1);
    let first = d
        .entries
        .iter()
        .find(|e| e.reason == "invalid_attendance")
        .unwrap();
    assert_eq!(first.first_row, Some(0));
}

#[test]
fn service_lines_record_the_rule() {
    let mut w = World::default();
    w.person("p", "2004-06-15");
    w.referral("p", day("2021-01-01"), None, None, None, Some("C05"), None);
    w.referral(
        "p",
        day("2023-01-01"),
        None,
        None,
        Some("adult"),
        None,
        None,
    );
    w.referral("p", day("2023-01-01"), None, None, None, Some("A21"), None);
    w.referral(
        "p",
        day("2023-01-01"),
        None,
        None,
        Some("unknown"),
        Some("Z02"),
        None,
    );
    w.attend(100, day("2021-02-01"));
    let r = w
        .call(&opts(), collabmetrics::transition::service_lines)
        .unwrap();
    let line = r
        .table
        .column_by_name("service_line")
        .unwrap()
        .as_string::<i32>();
    let rule = r.table.column_by_name("rule").unwrap().as_string::<i32>();
    let got: Vec<(&str, &str)> = (0..4).map(|i| (line.value(i), rule.value(i))).collect();
    assert_eq!(
        got,
        vec![
            ("cyp", "team_type_cyp"),
            ("adult", "service_line"),
            ("adult_crisis", "team_type_adult"),
            ("unknown", "unclassified"),
        ]
    );
    assert_eq!(r.diagnostics.count("unclassified_referral"), 1);
    assert_eq!(r.diagnostics.count("service_line_by_team_type_cyp"), 1);
}

/// The table layer's one rule for identifiers (`table/coerce.rs`): integers of any Arrow type
/// are read as i64, so `UInt64` referral identifiers join exactly as `Int64` ones do (the same
/// tables, bit for bit); a `UInt64` above i64::MAX is an error naming table, column and row,
/// never wrapped round to a negative identifier.
#[test]
fn identifiers_of_any_integer_type_join_alike_and_uint64_beyond_i64_is_an_error() {
    use arrow_array::UInt64Array;
    let w = cohort_t();
    let as_u64 = |b: &RecordBatch, column: &str, last: Option<u64>| -> RecordBatch {
        let i = b.schema().index_of(column).unwrap();
        let mut values: Vec<u64> = b
            .column(i)
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .map(|&v| v as u64)
            .collect();
        if let Some(v) = last {
            *values.last_mut().unwrap() = v;
        }
        let mut columns = b.columns().to_vec();
        columns[i] = Arc::new(UInt64Array::from(values));
        let fields: Vec<_> = b
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(j, f)| {
                if j == i {
                    Arc::new(
                        f.as_ref()
                            .clone()
                            .with_data_type(columns[j].data_type().clone()),
                    )
                } else {
                    f.clone()
                }
            })
            .collect();
        RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap()
    };
    let run = |batches: &[RecordBatch; 4]| transfers_of(batches, ColumnMap::new());
    let [persons, referrals, contacts, plans] = w.batches();
    let expected = run(&[
        persons.clone(),
        referrals.clone(),
        contacts.clone(),
        plans.clone(),
    ])
    .unwrap();
    let unsigned = [
        persons.clone(),
        as_u64(&referrals, "referral_id", None),
        as_u64(&contacts, "referral_id", None),
        plans.clone(),
    ];
    // The same rows; the output's `referral_id` keeps the input's type.
    let same = |r: TableResult| {
        assert_eq!(r.diagnostics, expected.diagnostics);
        assert_eq!(
            r.table.schema().fields().len(),
            expected.table.num_columns()
        );
        for (f, col) in r.table.schema().fields().iter().zip(r.table.columns()) {
            let want = expected.table.column_by_name(f.name()).unwrap();
            if f.name() == "referral_id" && col.data_type() != want.data_type() {
                let got: Vec<Option<i64>> = col
                    .as_primitive::<arrow_array::types::UInt64Type>()
                    .iter()
                    .map(|v| v.map(|v| v as i64))
                    .collect();
                let want: Vec<Option<i64>> = want.as_primitive::<Int64Type>().iter().collect();
                assert_eq!(got, want);
            } else {
                assert_eq!(col, want, "{}", f.name());
            }
        }
    };
    same(run(&unsigned).unwrap());
    // Owning side Int64, referring side UInt64 (and the reverse): the same joins.
    let mixed = [
        persons.clone(),
        referrals.clone(),
        as_u64(&contacts, "referral_id", None),
        plans.clone(),
    ];
    same(run(&mixed).unwrap());

    let last = contacts.num_rows() - 1;
    let beyond = [
        persons.clone(),
        referrals.clone(),
        as_u64(&contacts, "referral_id", Some(u64::MAX)),
        plans.clone(),
    ];
    let e = run(&beyond).unwrap_err();
    assert_eq!(e.kind(), collabmetrics::ErrorKind::InvalidCell);
    assert_eq!(
        (e.table(), e.column(), e.row(), e.value()),
        (
            Some("contacts"),
            Some("referral_id"),
            Some(last),
            Some("18446744073709551615")
        ),
        "{e}"
    );
    let beyond = [
        persons,
        as_u64(&referrals, "referral_id", Some(1 << 63)),
        contacts,
        plans,
    ];
    let e = run(&beyond).unwrap_err();
    assert_eq!(
        (e.table(), e.column(), e.row()),
        (
            Some("referrals"),
            Some("referral_id"),
            Some(referrals.num_rows() - 1)
        ),
        "{e}"
    );
}

/// The groups of one metric's breakdown, with their confidence.
fn groups_of(s: &RecordBatch, metric: &str, breakdown: &str) -> Vec<(String, Option<f64>)> {
    let m = s.column_by_name("metric").unwrap().as_string::<i32>();
    let b = s.column_by_name("breakdown").unwrap().as_string::<i32>();
    let g = s.column_by_name("group").unwrap().as_string::<i32>();
    let c = s
        .column_by_name("confidence")
        .unwrap()
        .as_primitive::<Float64Type>();
    (0..s.num_rows())
        .filter(|&i| m.value(i) == metric && b.value(i) == breakdown)
        .map(|i| (g.value(i).to_owned(), c.is_valid(i).then(|| c.value(i))))
        .collect()
}

#[test]
fn the_other_age_band_appears_only_when_someone_is_in_it() {
    let w = cohort_t();
    let s = w.call(&opts(), summary).unwrap().table;
    let bands: Vec<String> = groups_of(&s, "T1_disengaged_90d", "age_band")
        .into_iter()
        .map(|g| g.0)
        .collect();
    assert_eq!(bands, ["16-17", "18-19", "20-25"]);
    // With cohort T widened to 26, "age26" is in it, and in the band "other".
    let mut wide = opts();
    wide.max_age = 26;
    let s = w.call(&wide, summary).unwrap().table;
    let bands: Vec<String> = groups_of(&s, "T1_disengaged_90d", "age_band")
        .into_iter()
        .map(|g| g.0)
        .collect();
    assert_eq!(bands, ["16-17", "18-19", "20-25", "other"]);
}

#[test]
fn t7_quartiles_have_no_confidence_level() {
    let w = cohort_t();
    let mut o = opts();
    o.confidence = 0.9;
    let s = w.call(&o, summary).unwrap().table;
    assert!(s
        .schema()
        .field_with_name("confidence")
        .unwrap()
        .is_nullable());
    for (_, c) in groups_of(&s, "T7_continuity_gap_days", "all") {
        assert_eq!(
            c, None,
            "T7's lower and upper are quartiles, not an interval"
        );
    }
    for (_, c) in groups_of(&s, "T1_disengaged_90d", "all") {
        assert_eq!(c, Some(0.9));
    }
}

/// Cohort T of the persons, referrals and contacts among `batches` (care plans left out),
/// every table read through `map`.
fn transfers_of(batches: &[RecordBatch], map: ColumnMap) -> collabmetrics::Result<TableResult> {
    let inputs: Vec<Input> = batches
        .iter()
        .map(|b| Input::new(b.schema(), std::slice::from_ref(b), map.clone()).unwrap())
        .collect();
    let tables = Tables {
        persons: &inputs[0],
        referrals: &inputs[1],
        contacts: &inputs[2],
        care_plans: None,
    };
    transfers(&tables, &opts())
}

#[test]
fn a_column_mapping_that_matches_nothing_is_an_error() {
    // A misspelt optional column would otherwise be left out: here the rejection dates, which
    // decide who joins cohort T.
    let w = cohort_t();
    let run = |map: ColumnMap| transfers_of(&w.batches(), map).map(|_| ());
    // Theirs misspelt: no table has `RejDat`.
    let e = run(ColumnMap::new().with("rejection_date", "RejDat")).unwrap_err();
    assert_eq!(e.kind(), collabmetrics::ErrorKind::MissingColumn, "{e}");
    assert!(
        e.to_string().contains("RejDat") && e.to_string().contains("referrals"),
        "{e}"
    );
    // Ours misspelt: no table reads `rejection_dat`.
    let e = run(ColumnMap::new().with("rejection_dat", "rejection_date")).unwrap_err();
    assert!(
        e.to_string().contains("`rejection_dat` → `rejection_date`")
            && e.to_string().contains("columns"),
        "{e}"
    );
    // A mapping one table uses is fine for the tables without the column (the contacts'
    // person_id is optional; the persons and referrals have it).
    run(ColumnMap::new().with("person_id", "person_id")).unwrap();
    run(ColumnMap::new().with("rejection_date", "rejection_date")).unwrap();
}

#[test]
fn a_breakdown_listed_twice_is_an_error() {
    let w = cohort_t();
    let mut o = opts();
    o.by = Some(vec!["sex".into(), "sex".into()]);
    let e = w.call(&o, summary).unwrap_err().to_string();
    assert!(
        e.contains("`by`") && e.contains("`sex` is listed more than once"),
        "{e}"
    );
}
