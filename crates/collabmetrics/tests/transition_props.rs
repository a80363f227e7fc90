//! Properties of the transition cohorts on random people: cohort B's classes partition it
//! (in every breakdown group), membership and T1 agree with a brute-force reading of the
//! rules (`docs/methods/transition.md`), and the flags only appear where the rules put them.

use arrow_array::{
    cast::AsArray, types::*, Array, ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray,
};
use collabmetrics::table::{days_from_civil, ColumnMap, Input};
use collabmetrics::transition::{analyse, Tables, TransitionOptions};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone)]
struct Referral {
    received: i32,
    length: Option<i32>,
    rejected: bool,
    kind: u8, // 0 CYP, 1 adult, 2 adult crisis
    closure: u8,
    contacts: Vec<(i32, u8, bool)>, // offset from received, attendance code, direct
}

#[derive(Debug, Clone)]
struct Person {
    birth: i32,
    death: Option<i32>,
    imd: i64,
    referrals: Vec<Referral>,
}

const START: i32 = 18_628; // 2021-01-01
const END: i32 = 19_723; // 2023-12-31

fn referral() -> impl Strategy<Value = Referral> {
    (
        START - 400..END,
        prop::option::of(0..500i32),
        prop::bool::weighted(0.15),
        prop::sample::select(vec![0u8, 0, 1, 1, 2]),
        1u8..10,
        prop::collection::vec((0..600i32, 2u8..8, prop::bool::weighted(0.9)), 0..10),
    )
        .prop_map(
            |(received, length, rejected, kind, closure, contacts)| Referral {
                received,
                length,
                rejected,
                kind,
                closure,
                contacts,
            },
        )
}

fn person() -> impl Strategy<Value = Person> {
    (
        days_from_civil(2002, 6, 1)..days_from_civil(2005, 12, 31),
        prop::option::of(START..END + 200),
        1i64..4,
        prop::collection::vec(referral(), 1..6),
    )
        .prop_map(|(birth, death, imd, referrals)| Person {
            birth,
            death,
            imd,
            referrals,
        })
}

fn tables(people: &[Person]) -> [RecordBatch; 3] {
    let mut ids = Vec::new();
    let (mut birth, mut death, mut imd) = (Vec::new(), Vec::new(), Vec::new());
    let (mut r_id, mut r_person, mut rec, mut dis, mut rej, mut team, mut clo) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let (mut c_ref, mut c_date, mut c_att, mut c_mech) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (p, person) in people.iter().enumerate() {
        ids.push(p as i64);
        birth.push(person.birth);
        // Deaths before birth or before a referral are not what this property is about.
        death.push(person.death.filter(|&d| d > person.birth));
        imd.push(person.imd);
        for r in &person.referrals {
            let received = r.received.max(person.birth);
            let id = r_id.len() as i64;
            r_id.push(id);
            r_person.push(p as i64);
            rec.push(received);
            dis.push(r.length.map(|l| received + l));
            rej.push(r.rejected.then_some(received + 3));
            team.push(["C03", "A03", "A02"][r.kind as usize]);
            clo.push(format!("{:02}", r.closure));
            for &(off, att, direct) in &r.contacts {
                c_ref.push(id);
                c_date.push(received + off);
                c_att.push(att.to_string());
                c_mech.push(if direct { "01" } else { "05" });
            }
        }
    }
    let int = |v: Vec<i64>| Arc::new(Int64Array::from(v)) as ArrayRef;
    let dates = |v: Vec<i32>| Arc::new(Date32Array::from(v)) as ArrayRef;
    let odates = |v: Vec<Option<i32>>| Arc::new(Date32Array::from(v)) as ArrayRef;
    [
        RecordBatch::try_from_iter(vec![
            ("person_id", int(ids)),
            ("date_of_birth", dates(birth)),
            ("date_of_death", odates(death)),
            ("imd_decile", int(imd)),
        ])
        .unwrap(),
        RecordBatch::try_from_iter(vec![
            ("referral_id", int(r_id)),
            ("person_id", int(r_person)),
            ("received_date", dates(rec)),
            ("discharge_date", odates(dis)),
            ("rejection_date", odates(rej)),
            ("team_type", Arc::new(StringArray::from(team)) as ArrayRef),
            (
                "closure_reason",
                Arc::new(StringArray::from(clo)) as ArrayRef,
            ),
        ])
        .unwrap(),
        RecordBatch::try_from_iter(vec![
            ("referral_id", int(c_ref)),
            ("contact_date", dates(c_date)),
            ("attendance", Arc::new(StringArray::from(c_att)) as ArrayRef),
            ("mechanism", Arc::new(StringArray::from(c_mech)) as ArrayRef),
        ])
        .unwrap(),
    ]
}

/// The 18th birthday, written out independently of the library: same month and day, and
/// 1 March for 29 February births in non-leap years.
fn eighteenth(birth: i32) -> i32 {
    let mut lo = birth + 18 * 365;
    // Walk to the date whose civil (month, day) matches, 18 years on.
    let (y, m, d) = civil(birth);
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let target = if m == 2 && d == 29 && !leap(y + 18) {
        (y + 18, 3, 1)
    } else {
        (y + 18, m, d)
    };
    while civil(lo) != target {
        lo += 1;
    }
    lo
}

fn civil(z: i32) -> (i32, u32, u32) {
    collabmetrics::table::civil_from_days(z)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn classes_partition_cohort_b_and_t1_matches_brute_force(people in prop::collection::vec(person(), 1..40)) {
        let batches = tables(&people);
        let inputs: Vec<Input> = batches
            .iter()
            .map(|b| Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap())
            .collect();
        let t = Tables { persons: &inputs[0], referrals: &inputs[1], contacts: &inputs[2], care_plans: None };
        let a = analyse(&t, &TransitionOptions::new(END)).unwrap();
        let persons = batches[0].clone();
        let referrals = batches[1].clone();
        let contacts = batches[2].clone();
        let death = persons.column(2).as_primitive::<Date32Type>();
        let r_person = referrals.column(1).as_primitive::<Int64Type>();
        let r_rec = referrals.column(2).as_primitive::<Date32Type>();
        let r_dis = referrals.column(3).as_primitive::<Date32Type>();
        let r_rej = referrals.column(4).as_primitive::<Date32Type>();
        let r_team = referrals.column(5).as_string::<i32>();
        let c_ref = contacts.column(0).as_primitive::<Int64Type>();
        let c_date = contacts.column(1).as_primitive::<Date32Type>();
        let c_att = contacts.column(2).as_string::<i32>();
        let c_mech = contacts.column(3).as_string::<i32>();

        // Cohort B membership by brute force.
        let mut expected = HashSet::new();
        for (p, person) in people.iter().enumerate() {
            let b = eighteenth(person.birth);
            if b > END { continue; }
            let open = (0..referrals.num_rows()).any(|r| {
                r_person.value(r) == p as i64 && r_team.value(r) == "C03" && r_rej.is_null(r)
                    && r_rec.value(r) <= b && (r_dis.is_null(r) || r_dis.value(r) >= b - 183)
            });
            let seen = (0..contacts.num_rows()).any(|c| {
                let r = c_ref.value(c) as usize;
                r_person.value(r) == p as i64 && r_team.value(r) == "C03"
                    && ["5", "6"].contains(&c_att.value(c)) && c_mech.value(c) == "01"
                    && c_date.value(c) >= b - 365 && c_date.value(c) <= b && c_date.value(c) <= END
            });
            if open && seen { expected.insert(p as i64); }
        }
        let b = &a.ageing_out;
        let ids = b.column_by_name("person_id").unwrap().as_primitive::<Int64Type>();
        let got: HashSet<i64> = ids.values().iter().copied().collect();
        prop_assert_eq!(got.len(), b.num_rows(), "one row per person");
        prop_assert_eq!(&got, &expected);
        let class = b.column_by_name("class_number").unwrap().as_primitive::<Int64Type>();
        let fell = b.column_by_name("fell_through_gap").unwrap().as_boolean();
        let lost = b.column_by_name("lost_to_services").unwrap().as_boolean();
        let index = b.column_by_name("index_date").unwrap().as_primitive::<Date32Type>();
        for i in 0..b.num_rows() {
            let c = class.value(i);
            prop_assert!((1..=9).contains(&c));
            prop_assert!(!fell.value(i) || (7..=9).contains(&c));
            prop_assert!(!lost.value(i) || (8..=9).contains(&c));
            let p = ids.value(i) as usize;
            // A death after the data end is not known (docs/methods/transition.md).
            let dies_first = death.is_valid(p)
                && death.value(p) <= END
                && death.value(p) < index.value(i) + 365;
            prop_assert_eq!(c == 1, dies_first);
            if c == 2 { prop_assert!(index.value(i) + 365 > END); }
        }

        // The summary's classes add up to the cohort in every group.
        let s = &a.summary;
        let metric = s.column_by_name("metric").unwrap().as_string::<i32>();
        let breakdown = s.column_by_name("breakdown").unwrap().as_string::<i32>();
        let group = s.column_by_name("group").unwrap().as_string::<i32>();
        let num = s.column_by_name("numerator").unwrap().as_primitive::<Int64Type>();
        let den = s.column_by_name("denominator").unwrap().as_primitive::<Int64Type>();
        let mut sums: HashMap<(String, String), (i64, i64, i64, i64)> = HashMap::new();
        for i in 0..s.num_rows() {
            let m = metric.value(i);
            let is_class = m.starts_with("B_") && !m.ends_with("rate") && !m.contains("after")
                && !m.contains("lost") && !m.contains("fell");
            if is_class {
                // (sum over classes with follow-up, their denominator, short of follow-up,
                // the whole group)
                let e = sums.entry((breakdown.value(i).to_owned(), group.value(i).to_owned())).or_default();
                if m == "B_insufficient_follow_up" {
                    e.2 = num.value(i);
                    e.3 = den.value(i);
                } else {
                    e.0 += num.value(i);
                    e.1 = den.value(i);
                }
            }
        }
        for ((bd, g), (total, followed, short, cohort)) in &sums {
            prop_assert_eq!(total, followed, "{} {}", bd, g);
            prop_assert_eq!(followed + short, *cohort, "{} {}", bd, g);
        }
        prop_assert_eq!(sums[&("all".to_owned(), "all".to_owned())].3, b.num_rows() as i64);

        // T1 at 90 days against the raw contacts.
        let t = &a.transfers;
        let tp = t.column_by_name("person_id").unwrap().as_primitive::<Int64Type>();
        let t0 = t.column_by_name("index_date").unwrap().as_primitive::<Date32Type>();
        let dis = t.column_by_name("disengaged").unwrap().as_boolean();
        let days = t.column_by_name("days_to_first_adult_contact").unwrap().as_primitive::<Int64Type>();
        let mut last_index: HashMap<i64, i32> = HashMap::new();
        for i in 0..t.num_rows() {
            let (p, start) = (tp.value(i), t0.value(i));
            if let Some(prev) = last_index.insert(p, start) {
                prop_assert!(start > prev + 365, "episodes more than a year apart");
            }
            // A known death (on or before the data end) ends the window for engagement: a
            // contact after it is no engagement (one on the day of death is).
            let known_death = (death.is_valid(p as usize) && death.value(p as usize) <= END)
                .then(|| death.value(p as usize));
            let contact_by = |until: i32| (0..contacts.num_rows()).any(|c| {
                let r = c_ref.value(c) as usize;
                r_person.value(r) == p && r_team.value(r) == "A03"
                    && ["5", "6"].contains(&c_att.value(c)) && c_mech.value(c) == "01"
                    && c_date.value(c) >= start && c_date.value(c) <= until
            });
            let engaged = contact_by((start + 90).min(END).min(known_death.unwrap_or(END)));
            if dis.is_valid(i) {
                prop_assert_eq!(dis.value(i), !engaged);
                prop_assert!(start + 90 <= END);
            } else {
                let died = death.is_valid(p as usize) && death.value(p as usize) <= start + 90;
                prop_assert!(start + 90 > END || (died && !engaged));
            }
            // Days to engagement: none after a death, however recorded.
            if days.is_valid(i) {
                prop_assert!(days.value(i) >= 0);
                prop_assert_eq!(days.value(i) <= 90, engaged);
            } else {
                prop_assert!(!engaged);
            }
        }
    }
}
