//! Synthetic input of the transition benchmark: persons, referrals and care contacts of young
//! people around the CYPMHS/adult boundary at national scale (about 2 million people and 25
//! million contacts), as Arrow batches with the column types of a typed extract: integer
//! identifiers 1..n, `date32` dates, attendance and mechanism as `Int8`, service line, team
//! type, sex and closure reason as dictionaries.
//!
//! Each person has a CYPMHS referral from age 14–17 to around 18 with contacts every few weeks;
//! about two thirds get an adult referral (most around 18, some later in their twenties; some
//! rejected), followed by adult contacts for most of those (few and mostly missed for the
//! rest); a few see a crisis team. Referrals are in order of receipt and contacts in date order
//! (as monthly submissions concatenated), so a person's rows are scattered over the tables.
//! The same arguments give the same tables.

use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, Date32Array, DictionaryArray, Int64Array, Int8Array, RecordBatch, StringArray,
};
use collabmetrics::table::{days_from_civil, ColumnMap, Input};
use collabmetrics::transition::date_at_age;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The benchmark's few draws, on the library's generator ([`collabmetrics::rng::Rng`]).
struct Rng(collabmetrics::rng::Rng);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[lo, hi]`.
    fn int(&mut self, lo: i32, hi: i32) -> i32 {
        let n = (i64::from(hi) - i64::from(lo) + 1) as u128;
        lo + ((u128::from(self.next()) * n) >> 64) as i32
    }

    fn chance(&mut self, p: f64) -> bool {
        self.0.uniform() < p
    }

    /// Index drawn with probability proportional to `weights`.
    fn choice(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.int(0, total as i32 - 1) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

const ATTENDANCE: [i8; 6] = [5, 6, 3, 7, 2, 4];
const ATTEND_USUAL: [u32; 6] = [78, 3, 9, 1, 6, 3];
const ATTEND_POOR: [u32; 6] = [10, 0, 55, 10, 20, 5];
const MECHANISM: [i8; 6] = [1, 2, 11, 4, 5, 9];
const MECHANISM_WEIGHT: [u32; 6] = [68, 18, 8, 2, 3, 1];
/// Team types: CYPMHS, adult community, adult crisis (not engagement).
const TEAMS: [&str; 6] = ["C03", "C01", "C05", "A03", "A14", "A02"];
const CLOSURES: [&str; 9] = ["01", "02", "03", "04", "05", "06", "07", "08", "09"];
const SEX: [&str; 3] = ["1", "2", "9"];

/// Row order of the referrals and contacts tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By date (referrals by receipt, contacts by contact date), as monthly extracts
    /// concatenated: a person's rows are scattered (the benchmark's case).
    Date,
    /// Grouped by person (and referral), as an extract sorted by patient.
    Person,
}

/// The three input tables and the data end date.
pub struct TransitionData {
    pub persons: RecordBatch,
    pub referrals: RecordBatch,
    pub contacts: RecordBatch,
    /// Last day of the data (days since 1970-01-01).
    pub data_end: i32,
}

#[derive(Default)]
struct Referrals {
    person: Vec<i64>,
    received: Vec<i32>,
    discharge: Vec<Option<i32>>,
    rejection: Vec<Option<i32>>,
    adult: Vec<bool>,
    team: Vec<i8>,
    closure: Vec<Option<i8>>,
}

#[derive(Default)]
struct Contacts {
    referral: Vec<u32>,
    date: Vec<i32>,
    attendance: Vec<i8>,
    mechanism: Vec<i8>,
}

/// One person's events, appended to the shared columns.
struct Gen<'a> {
    rng: &'a mut Rng,
    r: &'a mut Referrals,
    c: &'a mut Contacts,
    person: i64,
    limit: i32,
    data_end: i32,
}

impl Gen<'_> {
    #[allow(clippy::too_many_arguments)]
    fn referral(
        &mut self,
        adult: bool,
        team: i8,
        received: i32,
        discharge: i32,
        rejection: Option<i32>,
        closure: i8,
    ) -> Option<u32> {
        if received > self.limit {
            return None;
        }
        let discharge = (rejection.is_none() && discharge <= self.data_end).then_some(discharge);
        self.r.person.push(self.person);
        self.r.received.push(received);
        self.r.discharge.push(discharge);
        self.r
            .rejection
            .push(rejection.filter(|&d| d <= self.data_end));
        self.r.adult.push(adult);
        self.r.team.push(team);
        self.r.closure.push(discharge.map(|_| closure));
        Some((self.r.received.len() - 1) as u32)
    }

    /// `k` contacts spread evenly (with jitter) over `[from, to]`; from `poor_from` on mostly
    /// missed.
    fn contacts(&mut self, referral: u32, from: i32, to: i32, k: i32, poor_from: i32) {
        let to = to.min(self.limit);
        if to < from || k == 0 {
            return;
        }
        let step = ((to - from) / k).max(1);
        for j in 0..k {
            let day = from + j * step + self.rng.int(0, step - 1);
            if day > to {
                break;
            }
            let weights = if day >= poor_from {
                &ATTEND_POOR
            } else {
                &ATTEND_USUAL
            };
            let a = ATTENDANCE[self.rng.choice(weights)];
            let m = MECHANISM[self.rng.choice(&MECHANISM_WEIGHT)];
            self.c.referral.push(referral);
            self.c.date.push(day);
            self.c.attendance.push(a);
            self.c.mechanism.push(m);
        }
    }

    fn follow(&mut self, b: i32) {
        // CYPMHS from 14-17 to around 18 (a few still open at the data end).
        let received = b - self.rng.int(200, 1400);
        let cyp_end = b + self.rng.int(-150, 150);
        let drift = self.rng.chance(0.15);
        let closure = if drift {
            [4, 8][self.rng.int(0, 1) as usize]
        } else {
            self.rng.choice(&[5, 40, 5, 30, 0, 5, 5, 5, 5]) as i8
        };
        let team = self.rng.choice(&[6, 2, 3]) as i8;
        if let Some(r) = self.referral(false, team, received, cyp_end, None, closure) {
            let k = self.rng.int(6, 12);
            let poor = if drift { cyp_end - 120 } else { i32::MAX };
            let first = received + self.rng.int(5, 30);
            self.contacts(r, first, cyp_end, k, poor);
        }
        if !self.rng.chance(0.66) {
            return;
        }
        // Adult referral: mostly around 18 (a transfer), some later in the twenties.
        let t0 = if self.rng.chance(0.8) {
            b + self.rng.int(-150, 90)
        } else {
            b + self.rng.int(200, 2500)
        };
        let team = 3 + self.rng.choice(&[7, 3]) as i8;
        if self.rng.chance(0.08) {
            let rejected = t0 + self.rng.int(2, 28);
            self.referral(true, team, t0, i32::MAX, Some(rejected), 0);
            return;
        }
        let engaged = self.rng.chance(0.75);
        let end = t0 + self.rng.int(60, 700);
        let closure = if engaged {
            self.rng.choice(&[10, 40, 10, 30, 0, 0, 0, 0, 0]) as i8
        } else {
            [4, 8, 6][self.rng.int(0, 2) as usize]
        };
        let Some(r) = self.referral(true, team, t0, end, None, closure) else {
            return;
        };
        if engaged {
            let k = self.rng.int(3, 15);
            let first = t0 + self.rng.int(7, 60);
            self.contacts(r, first, end, k, i32::MAX);
        } else {
            let k = self.rng.int(0, 3);
            let first = t0 + self.rng.int(7, 30);
            self.contacts(r, first, t0 + 120, k, t0);
        }
        if self.rng.chance(0.08) {
            let day = t0 + self.rng.int(5, 200);
            let end = day + self.rng.int(1, 14);
            if let Some(r) = self.referral(true, 5, day, end, None, 1) {
                self.contacts(r, day, day, 1, i32::MAX);
            }
        }
    }
}

/// Stable counting sort of `0..len` by `key(i)` in `[lo, hi]`: the permutation.
fn order_by(len: usize, lo: i32, hi: i32, key: impl Fn(usize) -> i32) -> Vec<u32> {
    let span = (hi - lo + 1) as usize;
    let mut start = vec![0u32; span + 1];
    for i in 0..len {
        start[(key(i) - lo) as usize + 1] += 1;
    }
    for d in 0..span {
        start[d + 1] += start[d];
    }
    let mut out = vec![0u32; len];
    for i in 0..len {
        let slot = &mut start[(key(i) - lo) as usize];
        out[*slot as usize] = i as u32;
        *slot += 1;
    }
    out
}

fn dict(values: &[&str], keys: Vec<Option<i8>>) -> ArrayRef {
    let keys = Int8Array::from(keys);
    Arc::new(
        DictionaryArray::<Int8Type>::try_new(keys, Arc::new(StringArray::from(values.to_vec())))
            .expect("keys in range"),
    )
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).expect("columns of one length")
}

impl TransitionData {
    /// `people` young people (about 12.5 contacts each) with data from April 2019 to March
    /// 2024; 18th birthdays from three years before the data to a year after it, so everyone
    /// is 16–25 while in the data.
    pub fn generate(people: usize, seed: u64) -> Self {
        Self::generate_in(people, seed, Order::Date)
    }

    /// [`TransitionData::generate`] with the referrals and contacts in the given row order.
    pub fn generate_in(people: usize, seed: u64, order: Order) -> Self {
        let row_order = order;
        let start = days_from_civil(2019, 4, 1);
        let data_end = days_from_civil(2024, 3, 31);
        let mut rng = Rng(collabmetrics::rng::Rng::new(seed, 0));
        let (mut r, mut c) = (Referrals::default(), Contacts::default());
        r.person.reserve(people * 7 / 4);
        c.date.reserve(people * 13);
        c.referral.reserve(people * 13);
        c.attendance.reserve(people * 13);
        c.mechanism.reserve(people * 13);
        let mut dob = Vec::with_capacity(people);
        let mut dod = Vec::with_capacity(people);
        let mut sex = Vec::with_capacity(people);
        let mut imd = Vec::with_capacity(people);
        for p in 0..people {
            let target = rng.int(start - 3 * 365, data_end + 365);
            let birth = date_at_age(target, -18);
            let b = date_at_age(birth, 18);
            let death = rng
                .chance(0.003)
                .then(|| b + rng.int(-300, 1500))
                .filter(|&d| d <= data_end);
            dob.push(birth);
            dod.push(death);
            sex.push(Some(rng.choice(&[48, 51, 1]) as i8));
            imd.push(1 + rng.choice(&[14, 12, 11, 10, 10, 9, 9, 9, 8, 8]) as i8);
            let mut g = Gen {
                rng: &mut rng,
                r: &mut r,
                c: &mut c,
                person: p as i64 + 1,
                limit: death.map_or(data_end, |d| d.min(data_end)),
                data_end,
            };
            g.follow(b);
        }
        // Referrals in order of receipt, identifiers 1..m in that order.
        let lo = r.received.iter().copied().min().unwrap_or(0);
        let order = match row_order {
            Order::Date => order_by(r.received.len(), lo, data_end, |i| r.received[i]),
            Order::Person => (0..r.received.len() as u32).collect(),
        };
        let mut id_of = vec![0u32; order.len()];
        for (pos, &i) in order.iter().enumerate() {
            id_of[i as usize] = pos as u32 + 1;
        }
        let pick = |v: &[i32]| -> Vec<i32> { order.iter().map(|&i| v[i as usize]).collect() };
        let pick_opt = |v: &[Option<i32>]| -> Vec<Option<i32>> {
            order.iter().map(|&i| v[i as usize]).collect()
        };
        let referral_person: Vec<i64> = order.iter().map(|&i| r.person[i as usize]).collect();
        let referrals = batch(vec![
            (
                "referral_id",
                Arc::new(Int64Array::from_iter_values(1..=order.len() as i64)) as ArrayRef,
            ),
            ("person_id", Arc::new(Int64Array::from(referral_person))),
            (
                "received_date",
                Arc::new(Date32Array::from(pick(&r.received))),
            ),
            (
                "discharge_date",
                Arc::new(Date32Array::from(pick_opt(&r.discharge))),
            ),
            (
                "rejection_date",
                Arc::new(Date32Array::from(pick_opt(&r.rejection))),
            ),
            (
                "service_line",
                dict(
                    &["cyp", "adult"],
                    order
                        .iter()
                        .map(|&i| Some(i8::from(r.adult[i as usize])))
                        .collect(),
                ),
            ),
            (
                "team_type",
                dict(
                    &TEAMS,
                    order.iter().map(|&i| Some(r.team[i as usize])).collect(),
                ),
            ),
            (
                "closure_reason",
                dict(
                    &CLOSURES,
                    order.iter().map(|&i| r.closure[i as usize]).collect(),
                ),
            ),
        ]);
        drop(r);
        // Contacts in date order.
        let lo = c.date.iter().copied().min().unwrap_or(0);
        let order = match row_order {
            Order::Date => order_by(c.date.len(), lo, data_end, |i| c.date[i]),
            Order::Person => (0..c.date.len() as u32).collect(),
        };
        let n = order.len();
        let contact_referral: Vec<i64> = order
            .iter()
            .map(|&i| i64::from(id_of[c.referral[i as usize] as usize]))
            .collect();
        let ref_person = referrals
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("person_id")
            .values()
            .clone();
        let contact_person: Vec<i64> = contact_referral
            .iter()
            .map(|&r| ref_person[r as usize - 1])
            .collect();
        let contacts = batch(vec![
            (
                "contact_id",
                Arc::new(Int64Array::from_iter_values(1..=n as i64)) as ArrayRef,
            ),
            ("referral_id", Arc::new(Int64Array::from(contact_referral))),
            ("person_id", Arc::new(Int64Array::from(contact_person))),
            (
                "contact_date",
                Arc::new(Date32Array::from_iter_values(
                    order.iter().map(|&i| c.date[i as usize]),
                )),
            ),
            (
                "attendance",
                Arc::new(Int8Array::from_iter_values(
                    order.iter().map(|&i| c.attendance[i as usize]),
                )),
            ),
            (
                "mechanism",
                Arc::new(Int8Array::from_iter_values(
                    order.iter().map(|&i| c.mechanism[i as usize]),
                )),
            ),
        ]);
        let persons = batch(vec![
            (
                "person_id",
                Arc::new(Int64Array::from_iter_values(1..=people as i64)) as ArrayRef,
            ),
            ("date_of_birth", Arc::new(Date32Array::from(dob))),
            ("date_of_death", Arc::new(Date32Array::from(dod))),
            ("sex", dict(&SEX, sex)),
            ("imd_decile", Arc::new(Int8Array::from(imd))),
        ]);
        TransitionData {
            persons,
            referrals,
            contacts,
            data_end,
        }
    }

    /// The persons, referrals and contacts as inputs (no column mapping).
    pub fn inputs(&self) -> [Input; 3] {
        [&self.persons, &self.referrals, &self.contacts]
            .map(|b| Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap())
    }

    /// Bytes of the three tables' Arrow buffers.
    pub fn input_bytes(&self) -> usize {
        [&self.persons, &self.referrals, &self.contacts]
            .iter()
            .map(|b| b.get_array_memory_size())
            .sum()
    }
}

/// Peak and current resident set size of this process in bytes (`VmHWM`, `VmRSS` of
/// `/proc/self/status`; Linux only, `None` elsewhere).
pub fn rss() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Resets this process's peak resident set size to the current one (writes 5 to
/// `/proc/self/clear_refs`); false where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// One call of `f`, with its time and, where /proc allows, the resident set before it and at
/// its peak (bytes).
pub fn measure_peak<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<(u64, u64)>) {
    let reset = reset_peak_rss();
    let before = rss();
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    let peak = match (reset, before, rss()) {
        (true, Some((_, before)), Some((peak, _))) => Some((before, peak)),
        _ => None,
    };
    (out, took, peak)
}
