//! Young people around the boundary between children's (CYPMHS) and adult mental health
//! services: persons, referrals and care contacts for the `transition` module
//! (`docs/methods/transition.md`).
//!
//! Each person follows one path chosen so that every cohort-B class occurs: transferred and
//! engaged, transferred and not engaged, adult referral rejected, retained in CYPMHS,
//! discharged (planned, disengaged, other), died; some of the discharged fall through the gap
//! (an adult crisis contact or a new adult referral within a year of discharge), and a few
//! left CYPMHS long before 18 (not in the cohort). People whose 18th birthday is in the last
//! year of the data have insufficient follow-up. Paths are assigned by a low-discrepancy
//! sequence, so each appears in its share even in a few hundred people. Late adult referrals
//! (ages 20–25, from an extended CYPMHS service running to 25) come from a stream of their own
//! and are added after everyone else, so cohort T spans all its age bands.
//!
//! Care plans (metric T9) are drawn afterwards from their own random stream, so adding them
//! left the persons, referrals and contacts of a seed unchanged: a CYP transition plan (type
//! 14) for about half of those transferring (fewer of those who do not engage), most in the
//! year before the adult referral, some earlier or after it; some for people retained or
//! discharged at 18; and other plan types (codes 10, 11 and 12, not transition plans) during
//! CYPMHS and adult care.

use crate::areas::Areas;
use crate::build::{write_id, Columns};
use crate::places::{ETHNICITY, ETHNICITY_WEIGHT, PLACES, SEX};
use crate::rng::{cumulative, Draws, Rng};
use arrow_array::RecordBatch;

/// Young people per year of data at scale 1.
const PEOPLE_PER_YEAR: f64 = 150.0;
const FOLLOW_UP: i32 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    Engaged,
    NotEngaged,
    Rejected,
    Retained,
    Planned,
    Disengaged,
    Other,
    Died,
    /// Left CYPMHS more than a year before 18: outside cohort B.
    Earlier,
    /// Referred to adult services at 20–25 from an extended (0–25) CYPMHS service: the late
    /// referrals of cohort T's oldest band (drawn after the others, see [`Young::add_late`]).
    Late,
}

const PATHS: [(Path, f64); 9] = [
    (Path::Engaged, 0.30),
    (Path::NotEngaged, 0.10),
    (Path::Rejected, 0.05),
    (Path::Retained, 0.12),
    (Path::Planned, 0.16),
    (Path::Disengaged, 0.11),
    (Path::Other, 0.06),
    (Path::Died, 0.008),
    (Path::Earlier, 0.072),
];
/// Share of discharged people (planned, disengaged, other) who fall through the gap.
const GAP: f64 = 0.3;
/// Late adult referrals (ages 20–25) per year of data at scale 1.
const LATE_PER_YEAR: f64 = 20.0;

/// CYPMHS and adult team types (MHSDS SERVICE OR TEAM TYPE) and crisis teams, whose
/// contacts are not engagement.
const CYP_TEAMS: [&str; 10] = [
    "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10",
];
const CYP_TEAM_WEIGHT: [f64; 10] = [6.0, 2.0, 25.0, 3.0, 3.0, 4.0, 2.0, 1.0, 2.0, 4.0];
const ADULT_TEAMS: [&str; 5] = ["A03", "A05", "A06", "A13", "A14"];
const ADULT_TEAM_WEIGHT: [f64; 5] = [60.0, 5.0, 5.0, 10.0, 20.0];
const CRISIS_TEAMS: [&str; 9] = [
    "A02", "A11", "A19", "A20", "A21", "A22", "A23", "A24", "A25",
];
const CRISIS_TEAM_WEIGHT: [f64; 9] = [50.0, 5.0, 10.0, 3.0, 5.0, 5.0, 5.0, 7.0, 5.0];

/// ATTENDED OR DID NOT ATTEND: 5, 6 attended; 3, 7 did not; 2 cancelled by the patient, 4 by
/// the provider. Shares for engaged people and for people drifting away.
const ATTENDANCE: [&str; 6] = ["5", "6", "3", "7", "2", "4"];
const ATTEND_USUAL: [f64; 6] = [0.80, 0.03, 0.08, 0.01, 0.05, 0.03];
const ATTEND_POOR: [f64; 6] = [0.10, 0.0, 0.55, 0.10, 0.20, 0.05];
const MISSED: [f64; 6] = [0.0, 0.0, 0.6, 0.1, 0.2, 0.1];
/// CONSULTATION MECHANISM: 01, 02, 11, 04 direct; 05 email and 09 text are not.
const MECHANISM: [&str; 6] = ["01", "02", "11", "04", "05", "09"];
const MECHANISM_WEIGHT: [f64; 6] = [0.68, 0.18, 0.08, 0.02, 0.025, 0.015];
const SEX_WEIGHT: [f64; 3] = [0.41, 0.58, 0.01];

/// Referrals and contacts as parallel columns.
#[derive(Default)]
struct Events {
    ref_person: Vec<u32>,
    received: Vec<i32>,
    discharge: Vec<Option<i32>>,
    rejection: Vec<Option<i32>>,
    adult: Vec<bool>,
    team: Vec<&'static str>,
    closure: Vec<Option<&'static str>>,
    c_referral: Vec<u32>,
    c_date: Vec<i32>,
    c_att: Vec<&'static str>,
    c_mech: Vec<&'static str>,
}

/// The young people and their events.
#[derive(Default)]
pub(crate) struct Young {
    birth: Vec<i32>,
    death: Vec<Option<i32>>,
    sex: Vec<u8>,
    eth: Vec<u8>,
    area: Vec<u32>,
    path: Vec<Path>,
    ev: Events,
}

/// The date someone born on `birth` reaches `age` (the transition module's rule).
pub(crate) use collabmetrics::transition::date_at_age as birthday;

/// One person's generation: their boundary date and the limits events must respect.
struct Person<'a> {
    rng: &'a mut Rng,
    ev: &'a mut Events,
    id: u32,
    /// Boundary date: the 18th birthday.
    b: i32,
    data_end: i32,
    death: Option<i32>,
}

impl Young {
    pub fn generate(rng: &mut Rng, areas: &Areas, scale: f64, start: i32, data_end: i32) -> Young {
        let years = f64::from(data_end - start + 1) / 365.25;
        let n = (PEOPLE_PER_YEAR * scale * years).round().max(12.0) as usize;
        let area_weights = cumulative(
            (0..areas.len())
                .map(|i| areas.population[i] as f64 * (-0.06 * f64::from(areas.imd[i] - 1)).exp()),
        );
        let path_weights = cumulative(PATHS.iter().map(|(_, w)| *w));
        let mut y = Young::default();
        let offset = rng.uniform();
        for i in 0..n {
            // Golden-ratio sequence: each path gets its share, whatever n.
            let u = (offset + i as f64 * 0.618_033_988_749_895).fract();
            let path = PATHS[path_weights
                .partition_point(|&c| c <= u)
                .min(PATHS.len() - 1)]
            .0;
            y.person(rng, path, start, data_end, &area_weights);
        }
        y
    }

    fn person(&mut self, rng: &mut Rng, path: Path, start: i32, data_end: i32, areas: &[f64]) {
        // 18th birthdays from a year before the data to its end; deaths early enough to see.
        let (lo, hi) = match path {
            Path::Died => (start, (data_end - 330).max(start)),
            _ => (start - 365, data_end - 1),
        };
        let b_target = rng.int(lo, hi);
        let birth = birthday(b_target, -18);
        let b = birthday(birth, 18);
        let death = match path {
            Path::Died => Some(b + rng.int(10, 300)).filter(|&d| d <= data_end),
            _ => None,
        };
        self.birth.push(birth);
        self.death.push(death);
        self.sex.push(rng.choice(&SEX_WEIGHT) as u8);
        self.eth.push(rng.choice(&ETHNICITY_WEIGHT) as u8);
        self.area.push(rng.pick(areas) as u32);
        self.path.push(path);
        let mut p = Person {
            rng,
            ev: &mut self.ev,
            id: (self.birth.len() - 1) as u32,
            b,
            data_end,
            death,
        };
        p.follow(path);
    }

    /// Adds the late adult referrals: young people aged 20–25 on an adult referral received
    /// during the data, still in an extended CYPMHS service (one running to 25) when referred,
    /// so cohort T spans its whole age range. Drawn from `rng` (a stream of their own) after
    /// everyone else, so the other people, referrals and contacts of a seed stay the same.
    pub fn add_late(
        &mut self,
        rng: &mut Rng,
        areas: &Areas,
        scale: f64,
        start: i32,
        data_end: i32,
    ) {
        let years = f64::from(data_end - start + 1) / 365.25;
        let n = (LATE_PER_YEAR * scale * years).round().max(3.0) as usize;
        let area_weights = cumulative(
            (0..areas.len())
                .map(|i| areas.population[i] as f64 * (-0.06 * f64::from(areas.imd[i] - 1)).exp()),
        );
        for _ in 0..n {
            // The adult referral: in the data, early enough for most to have 90 days' follow-up.
            let t0 = rng.int(start, data_end - 1);
            let age = rng.int(20, 25);
            // Aged `age` on t0: the birthday `age` years back, then up to a year earlier.
            let birth = birthday(t0, -age) - rng.int(0, 364);
            self.birth.push(birth);
            self.death.push(None);
            self.sex.push(rng.choice(&SEX_WEIGHT) as u8);
            self.eth.push(rng.choice(&ETHNICITY_WEIGHT) as u8);
            self.area.push(rng.pick(&area_weights) as u32);
            self.path.push(Path::Late);
            let mut p = Person {
                rng,
                ev: &mut self.ev,
                id: (self.birth.len() - 1) as u32,
                b: birthday(birth, 18),
                data_end,
                death: None,
            };
            p.late(t0);
        }
    }

    pub fn persons_table(&self, areas: &Areas, seed: u64) -> RecordBatch {
        let n = self.birth.len();
        let mut c = Columns::default();
        c.formatted("person_id", n, |b, i| write_id(b, "Y", i + 1, 6));
        c.date("date_of_birth", self.birth.clone());
        c.opt_date("date_of_death", self.death.clone());
        c.text("sex", self.sex.iter().map(|&s| SEX[s as usize]));
        c.text("ethnicity", self.eth.iter().map(|&e| ETHNICITY[e as usize]));
        c.int(
            "imd_decile",
            self.area
                .iter()
                .map(|&a| i64::from(areas.imd[a as usize]))
                .collect(),
        );
        c.text(
            "place",
            self.area
                .iter()
                .map(|&a| PLACES[areas.place[a as usize] as usize]),
        );
        c.formatted("home_area", n, |b, i| {
            crate::build::write_area_code(b, self.area[i] as usize)
        });
        c.finish(seed)
    }

    pub fn referrals_table(&self, seed: u64) -> RecordBatch {
        let e = &self.ev;
        let n = e.received.len();
        let mut c = Columns::default();
        c.int("referral_id", (1..=n as i64).collect());
        c.formatted("person_id", n, |b, i| {
            write_id(b, "Y", e.ref_person[i] as usize + 1, 6)
        });
        c.date("received_date", e.received.clone());
        c.opt_date("discharge_date", e.discharge.clone());
        c.opt_date("rejection_date", e.rejection.clone());
        c.text(
            "service_line",
            e.adult.iter().map(|&a| if a { "adult" } else { "cyp" }),
        );
        c.text("team_type", e.team.iter().copied());
        c.opt_text("closure_reason", e.closure.iter().copied());
        c.finish(seed)
    }

    pub fn contacts_table(&self, seed: u64) -> RecordBatch {
        let e = &self.ev;
        let n = e.c_date.len();
        let mut c = Columns::default();
        c.int("contact_id", (1..=n as i64).collect());
        c.int(
            "referral_id",
            e.c_referral.iter().map(|&r| i64::from(r) + 1).collect(),
        );
        c.formatted("person_id", n, |b, i| {
            write_id(
                b,
                "Y",
                e.ref_person[e.c_referral[i] as usize] as usize + 1,
                6,
            )
        });
        c.date("contact_date", e.c_date.clone());
        c.text("attendance", e.c_att.iter().copied());
        c.text("mechanism", e.c_mech.iter().copied());
        c.finish(seed)
    }

    /// Care plans (`person_id`, `plan_type`, `date`), drawn from `rng` (a stream of its own)
    /// after the people and their referrals, so the other tables do not depend on them. Each
    /// plan is dated within the person's care, on or before the data end and their death.
    pub fn care_plans_table(&self, rng: &mut Rng, data_end: i32, seed: u64) -> RecordBatch {
        let e = &self.ev;
        let n = self.birth.len();
        // Per person: first CYP referral (received, discharge) and first adult referral to a
        // team that is not a crisis team (received, discharge).
        let mut cyp: Vec<Option<(i32, i32)>> = vec![None; n];
        let mut adult: Vec<Option<(i32, i32)>> = vec![None; n];
        for i in 0..e.received.len() {
            let p = e.ref_person[i] as usize;
            let span = (e.received[i], e.discharge[i].unwrap_or(data_end));
            if !e.adult[i] {
                cyp[p].get_or_insert(span);
            } else if !CRISIS_TEAMS.contains(&e.team[i]) && e.rejection[i].is_none() {
                adult[p].get_or_insert(span);
            }
        }
        let (mut person, mut kind, mut date) = (Vec::new(), Vec::new(), Vec::new());
        for p in 0..n {
            let limit = self.death[p].map_or(data_end, |d| d.min(data_end));
            let b = birthday(self.birth[p], 18);
            let mut plan = |code: &'static str, day: i32, from: i32| {
                if day <= limit && day >= from {
                    person.push(p);
                    kind.push(code);
                    date.push(day);
                }
            };
            let Some((cyp_from, cyp_to)) = cyp[p] else {
                continue;
            };
            if rng.chance(0.7) {
                plan("10", cyp_from + rng.int(7, 60), cyp_from);
            }
            if rng.chance(0.15) {
                plan("11", rng.int(cyp_from, cyp_to.max(cyp_from)), cyp_from);
            }
            let share = match self.path[p] {
                Path::Engaged => 0.55,
                Path::NotEngaged => 0.35,
                Path::Rejected => 0.3,
                Path::Retained => 0.4,
                Path::Planned => 0.25,
                Path::Disengaged | Path::Other | Path::Died => 0.1,
                Path::Late => 0.3,
                Path::Earlier => 0.0,
            };
            if rng.chance(share) {
                // Most in the year before the adult referral (or 18); some too early to count
                // for T9, some recorded only after the referral.
                let t0 = adult[p].map_or(b, |(t0, _)| t0);
                let day = match rng.choice(&[0.8, 0.1, 0.1]) {
                    0 => t0 - rng.int(0, 300),
                    1 => t0 - rng.int(366, 540),
                    _ => t0 + rng.int(1, 45),
                };
                plan("14", day, cyp_from);
            }
            if let Some((t0, t1)) = adult[p] {
                if rng.chance(0.3) {
                    plan("12", t0 + rng.int(14, 90), t0.min(t1));
                }
            }
        }
        let mut c = Columns::default();
        c.formatted("person_id", person.len(), |b, i| {
            write_id(b, "Y", person[i] + 1, 6)
        });
        c.text("plan_type", kind.iter().copied());
        c.date("date", date);
        c.finish(seed)
    }
}

impl Person<'_> {
    /// The last day events can happen: the data end, or death.
    fn limit(&self) -> i32 {
        self.death.map_or(self.data_end, |d| d.min(self.data_end))
    }

    fn follow(&mut self, path: Path) {
        let b = self.b;
        match path {
            Path::Engaged | Path::NotEngaged => self.transfer(path == Path::Engaged),
            Path::Rejected => self.rejected(),
            Path::Retained => {
                let end = b + self.rng.int(120, 500);
                let closure = ["02", "04"][self.rng.int(0, 1) as usize];
                self.cyp(end, Some(closure), false);
            }
            Path::Planned | Path::Disengaged | Path::Other => self.discharged(path),
            Path::Died => {
                let end = self.death.unwrap_or(b + 400);
                self.cyp(end, None, false);
            }
            Path::Earlier => self.earlier(),
            // Drawn by `late` from their adult referral date instead.
            Path::Late => {}
        }
    }

    /// A late transfer on `t0`: an extended CYPMHS referral open (with attended contacts) on
    /// t0 and closed within three months of it, and the adult referral, engaged or not.
    fn late(&mut self, t0: i32) {
        let received = t0 - self.rng.int(200, 1400);
        let cyp_end = t0 + self.rng.int(0, 90);
        let team = CYP_TEAMS[self.rng.choice(&CYP_TEAM_WEIGHT)];
        let closure = ["04", "02", "01"][self.rng.choice(&[6.0, 3.0, 1.0])];
        if let Some(r) = self.referral(false, team, received, Some(cyp_end), None, Some(closure)) {
            let first = received + self.rng.int(5, 30);
            self.stream(r, first, cyp_end, 18.0, i32::MAX, Some(t0));
        }
        let team = ADULT_TEAMS[self.rng.choice(&ADULT_TEAM_WEIGHT)];
        if self.rng.chance(0.65) {
            self.engaged_adult(t0, team);
        } else {
            self.unengaged_adult(t0, team);
        }
    }

    /// A CYPMHS referral from age 14–17 to `end`, with contacts and an attended contact in the
    /// year before 18 (cohort B's inclusion); `drift` makes the last months mostly missed.
    fn cyp(&mut self, end: i32, closure: Option<&'static str>, drift: bool) -> Option<u32> {
        // Received at least 200 days before both 18 and the discharge, so the referral is
        // open in the half-year before 18 and has contacts to anchor.
        let received = self.b.min(end) - self.rng.int(200, 1400);
        let team = CYP_TEAMS[self.rng.choice(&CYP_TEAM_WEIGHT)];
        let r = self.referral(false, team, received, Some(end), None, closure)?;
        let poor_from = if drift { end - 100 } else { i32::MAX };
        let first = received + self.rng.int(5, 30);
        let anchor = self.b.min(poor_from.min(end));
        self.stream(r, first, end, 18.0, poor_from, Some(anchor));
        Some(r)
    }

    /// Transfer to adult services around 18: engaged (an attended adult contact within 90
    /// days) or not (missed and cancelled appointments, sometimes only crisis contacts).
    fn transfer(&mut self, engaged: bool) {
        let b = self.b;
        let t0 = if self.rng.chance(0.75) {
            b - self.rng.int(0, 150)
        } else {
            b + self.rng.int(1, 60)
        };
        let cyp_end = t0 + self.rng.int(0, if engaged { 90 } else { 60 });
        let closure = ["04", "02", "01"][self.rng.choice(&[6.0, 3.0, 1.0])];
        self.cyp(cyp_end, Some(closure), false);
        let team = ADULT_TEAMS[self.rng.choice(&ADULT_TEAM_WEIGHT)];
        if engaged {
            self.engaged_adult(t0, team);
            if self.rng.chance(0.1) {
                // A second adult referral in the same episode.
                let t1 = t0 + self.rng.int(60, 300);
                let end = t1 + self.rng.int(30, 120);
                if let Some(r) = self.referral(true, team, t1, Some(end), None, Some("02")) {
                    let first = t1 + self.rng.int(5, 20);
                    self.stream(r, first, end, 25.0, i32::MAX, None);
                }
            }
        } else {
            self.unengaged_adult(t0, team);
        }
    }

    fn engaged_adult(&mut self, t0: i32, team: &'static str) {
        let early_drop = self.rng.chance(0.12);
        let (end, closure) = if early_drop {
            let c = ["05", "07", "09"][self.rng.int(0, 2) as usize];
            (t0 + self.rng.int(60, 183), c)
        } else {
            let c = ["02", "04", "01", "03"][self.rng.choice(&[5.0, 3.0, 1.0, 1.0])];
            (t0 + self.rng.int(200, 800), c)
        };
        let Some(r) = self.referral(true, team, t0, Some(end), None, Some(closure)) else {
            return;
        };
        let mut first = t0 + self.rng.int(7, 60);
        if self.rng.chance(0.2) {
            // First appointment missed, the next one attended.
            let code = if self.rng.chance(0.85) { "3" } else { "7" };
            self.contact(r, first, code, "01");
            first += self.rng.int(7, 21);
        }
        self.contact(r, first, "5", "01");
        let poor_from = if early_drop { end - 40 } else { i32::MAX };
        let next = first + 3 + self.rng.geometric(25.0).min(57);
        self.stream(r, next, end, 25.0, poor_from, None);
    }

    fn unengaged_adult(&mut self, t0: i32, team: &'static str) {
        let late = self.rng.chance(0.3);
        let (end, closure) = if late {
            (t0 + self.rng.int(200, 500), "02")
        } else {
            (
                t0 + self.rng.int(60, 250),
                ["05", "09"][self.rng.choice(&[3.0, 1.0])],
            )
        };
        let Some(r) = self.referral(true, team, t0, Some(end), None, Some(closure)) else {
            return;
        };
        let mut days = [0; 3];
        let k = self.rng.int(0, 3) as usize;
        for d in days.iter_mut().take(k) {
            *d = t0 + self.rng.int(7, 85);
        }
        days[..k].sort_unstable();
        for &d in &days[..k] {
            let code = ATTENDANCE[self.rng.choice(&MISSED)];
            self.contact(r, d, code, "01");
        }
        if late {
            let first = t0 + self.rng.int(100, 300);
            self.contact(r, first, "5", "01");
            self.stream(r, first + 14, end, 28.0, i32::MAX, None);
        }
        if self.rng.chance(0.2) {
            // Seen only by a crisis team: a presentation, not engagement.
            let day = t0 + self.rng.int(5, 80);
            self.crisis(day);
        }
    }

    fn rejected(&mut self) {
        let b = self.b;
        let cyp_end = b + self.rng.int(0, 80);
        let closure = ["04", "02"][self.rng.int(0, 1) as usize];
        self.cyp(cyp_end, Some(closure), false);
        let mut t0 = b + self.rng.int(-150, 60);
        for _ in 0..1 + usize::from(self.rng.chance(0.15)) {
            let team = ADULT_TEAMS[self.rng.choice(&ADULT_TEAM_WEIGHT)];
            let rejected = t0 + self.rng.int(2, 28);
            self.referral(true, team, t0, None, Some(rejected), None);
            t0 = rejected + self.rng.int(60, 200);
        }
    }

    /// Discharged by CYPMHS around 18 with no adult referral; some fall through the gap.
    fn discharged(&mut self, path: Path) {
        let b = self.b;
        let gap = self.rng.chance(GAP);
        // Falling through the gap is dated after B + F so it cannot count as a transfer,
        // and within F days of a discharge after B.
        let end = if gap {
            b + self.rng.int(20, 80)
        } else {
            b + self.rng.int(-170, 80)
        };
        let closure = match path {
            Path::Planned => Some(["02", "04"][self.rng.choice(&[3.0, 2.0])]),
            Path::Disengaged => Some(["05", "09"][self.rng.choice(&[3.0, 1.0])]),
            _ => [
                Some("01"),
                Some("03"),
                Some("06"),
                Some("07"),
                Some("08"),
                None,
            ][self.rng.choice(&[3.0, 2.0, 2.0, 2.0, 1.0, 2.0])],
        };
        self.cyp(end, closure, path == Path::Disengaged);
        if gap {
            let when = end + FOLLOW_UP - self.rng.int(1, end - b - 1);
            if self.rng.chance(0.7) {
                self.crisis(when);
            } else {
                let team = ADULT_TEAMS[self.rng.choice(&ADULT_TEAM_WEIGHT)];
                let close = when + self.rng.int(60, 300);
                if let Some(r) = self.referral(true, team, when, Some(close), None, Some("02")) {
                    let first = when + self.rng.int(7, 30);
                    self.stream(r, first, close, 28.0, i32::MAX, None);
                }
            }
        }
    }

    /// Left CYPMHS at 15–17 (outside cohort B); some return to adult services in their 20s.
    fn earlier(&mut self) {
        let b = self.b;
        let received = b - self.rng.int(1200, 1800);
        let end = (b - self.rng.int(420, 900)).max(received + 60);
        let team = CYP_TEAMS[self.rng.choice(&CYP_TEAM_WEIGHT)];
        if let Some(r) = self.referral(false, team, received, Some(end), None, Some("02")) {
            let first = received + self.rng.int(5, 30);
            self.stream(r, first, end, 18.0, i32::MAX, None);
        }
        if self.rng.chance(0.4) {
            let t = b + self.rng.int(300, 1500);
            let team = ADULT_TEAMS[self.rng.choice(&ADULT_TEAM_WEIGHT)];
            let close = t + self.rng.int(100, 400);
            if let Some(r) = self.referral(true, team, t, Some(close), None, Some("02")) {
                let first = t + self.rng.int(7, 30);
                self.stream(r, first, close, 28.0, i32::MAX, None);
            }
        }
    }

    /// A crisis team referral with one attended contact on the day.
    fn crisis(&mut self, day: i32) {
        let team = CRISIS_TEAMS[self.rng.choice(&CRISIS_TEAM_WEIGHT)];
        let end = day + self.rng.int(1, 14);
        if let Some(r) = self.referral(true, team, day, Some(end), None, Some("02")) {
            self.contact(r, day, "5", "01");
        }
    }

    /// Records a referral unless it is received after the limit; a discharge after the data
    /// end is left open (null, with no closure reason), as is a rejection.
    fn referral(
        &mut self,
        adult: bool,
        team: &'static str,
        received: i32,
        discharge: Option<i32>,
        rejection: Option<i32>,
        closure: Option<&'static str>,
    ) -> Option<u32> {
        if received > self.limit() {
            return None;
        }
        let discharge = discharge.filter(|&d| d <= self.data_end);
        let ev = &mut *self.ev;
        ev.ref_person.push(self.id);
        ev.received.push(received);
        ev.discharge.push(discharge);
        ev.rejection.push(rejection.filter(|&r| r <= self.data_end));
        ev.adult.push(adult);
        ev.team.push(team);
        ev.closure.push(discharge.and(closure));
        Some((ev.received.len() - 1) as u32)
    }

    fn contact(&mut self, r: u32, day: i32, attendance: &'static str, mechanism: &'static str) {
        if day > self.limit() {
            return;
        }
        self.ev.c_referral.push(r);
        self.ev.c_date.push(day);
        self.ev.c_att.push(attendance);
        self.ev.c_mech.push(mechanism);
    }

    /// Contacts every few weeks (gaps capped at 60 days) from `from` to `to`; from `poor_from`
    /// on mostly missed. The last contact on or before `anchor` is made an attended face to
    /// face one.
    fn stream(
        &mut self,
        r: u32,
        from: i32,
        to: i32,
        gap: f64,
        poor_from: i32,
        anchor: Option<i32>,
    ) {
        let to = to.min(self.limit());
        let mut day = from;
        let mut anchored = None;
        while day <= to {
            let weights = if day >= poor_from {
                &ATTEND_POOR
            } else {
                &ATTEND_USUAL
            };
            let att = ATTENDANCE[self.rng.choice(weights)];
            let mech = MECHANISM[self.rng.choice(&MECHANISM_WEIGHT)];
            if anchor.is_some_and(|a| day <= a) {
                anchored = Some(self.ev.c_date.len());
            }
            self.contact(r, day, att, mech);
            day += 3 + self.rng.geometric(gap).min(57);
        }
        if let Some(k) = anchored {
            self.ev.c_att[k] = "5";
            self.ev.c_mech[k] = "01";
        }
    }
}
