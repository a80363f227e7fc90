//! Acute admissions, local and out of area, and the out-of-area placements among them.
//!
//! Admissions arrive month by month (Poisson, winter peak) from home areas weighted by adult
//! population and deprivation; some are readmissions of earlier patients. Each is placed out
//! of area with a probability that rises with bed pressure (a slow wave over the years),
//! deprivation, the place (Medway and Swale, East Kent higher) and the bed type (PICU
//! highest). Out-of-area units are chosen by capacity and a distance decay, so most are
//! 30–150 km from home and a few (the Midlands and the North West) over 200 km. A few
//! placements end in an overlapping transfer to a second out-of-area unit and some in a
//! repatriation to a local bed (a new local admission on the day the placement ends).

use crate::areas::{Areas, Units};
use crate::build::{write_area_code, write_id, Columns};
use crate::places::{
    age_band, ADULT, BED_CODES_NEW, BED_CODES_OLD, ETHNICITY, ETHNICITY_WEIGHT, IND, LOCAL_ORG,
    OLDER, PICU, PLACES, SEX, UNITS,
};
use crate::rng::{cumulative, Draws, Rng};
use arrow_array::RecordBatch;
use collabmetrics::table::{civil_from_days, days_from_civil};

/// Admissions per month at scale 1: about 3 200 a year for 1.9 million people.
const ADMISSIONS_PER_MONTH: f64 = 265.0;
/// Admissions start this many days before the period so that it opens with patients in beds;
/// those that ended before the period are left out.
const WARMUP_DAYS: i32 = 183;
/// Chance an admission is a readmission of a recent patient (if they are out of hospital).
const READMISSION: f64 = 0.2;
/// Out-of-area chance before the place, deprivation, bed and pressure factors.
const BASE_OAP: f64 = 0.09;
const PLACE_OAP: [f64; 4] = [0.9, 0.8, 1.25, 1.1];
const BED_OAP: [f64; 3] = [1.0, 0.6, 1.8];
/// Chance a closed placement ends in an overlapping transfer to another out-of-area unit.
const TRANSFER: f64 = 0.04;
/// Chance a closed placement ends in repatriation to a local bed.
const REPATRIATION: f64 = 0.3;
const SAME_DAY: f64 = 0.02;
const COST_MISSING: f64 = 0.1;
/// Length of stay (nights): log-normal median and spread by bed kind.
const LOS_MEDIAN: [f64; 3] = [22.0, 36.0, 18.0];
const LOS_SIGMA: [f64; 3] = [0.9, 0.8, 0.9];
/// Out-of-area reason codes (10 = no local bed: inappropriate) and their shares.
const REASONS: [&str; 7] = ["10", "11", "12", "13", "14", "15", "99"];
const REASON_WEIGHT: [f64; 7] = [80.0, 4.0, 3.0, 2.0, 5.0, 4.0, 2.0];
/// Age at first admission: (youngest, oldest, weight).
const AGE_GROUPS: [(i32, i32, f64); 9] = [
    (16, 17, 1.0),
    (18, 24, 14.0),
    (25, 34, 24.0),
    (35, 44, 20.0),
    (45, 54, 16.0),
    (55, 64, 11.0),
    (65, 74, 7.0),
    (75, 84, 5.0),
    (85, 94, 2.0),
];
const SEX_WEIGHT: [f64; 3] = [0.52, 0.47, 0.01];

/// Patients, as parallel columns.
#[derive(Default)]
struct People {
    area: Vec<u32>,
    birth: Vec<i32>,
    sex: Vec<u8>,
    eth: Vec<u8>,
    /// End of their latest stay (`i32::MAX` while one is open), to keep stays apart.
    last_end: Vec<i32>,
}

/// Every stay generated, as parallel columns; `reason` is set for out-of-area placements.
#[derive(Default)]
pub(crate) struct Stays {
    person: Vec<u32>,
    start: Vec<i32>,
    end: Vec<Option<i32>>,
    bed: Vec<u8>,
    unit: Vec<u8>,
    reason: Vec<Option<u8>>,
    cost: Vec<Option<f64>>,
    people: People,
}

/// The generator's context.
struct Gen<'a> {
    rng: &'a mut Rng,
    areas: &'a Areas,
    units: &'a Units,
    /// Cumulative weights of areas for new patients.
    area_weights: Vec<f64>,
    data_end: i32,
    /// Readmissions come from the latest this-many patients.
    recent: usize,
    s: Stays,
}

/// Day of the year's seasonality: admissions peak in winter.
fn season(day: i32) -> f64 {
    let (_, m, _) = civil_from_days(day);
    1.0 + 0.08 * (std::f64::consts::TAU * f64::from(m - 1) / 12.0).cos()
}

/// Bed pressure: the winter peak times a wave of about three and a half years, so the demo's
/// OAP series rises and falls as real ones have.
fn pressure(day: i32) -> f64 {
    let months = f64::from(day - days_from_civil(2020, 1, 1)) / 30.44;
    season(day) * (1.0 + 0.25 * (std::f64::consts::TAU * months / 42.0).sin())
}

/// Age in completed years on `day` of someone born on `birth`.
pub(crate) fn age_on(birth: i32, day: i32) -> i32 {
    let (yb, mb, db) = civil_from_days(birth);
    let (y, m, d) = civil_from_days(day);
    y - yb - i32::from((m, d) < (mb, db))
}

/// The first day of the month after the one containing `day`.
fn next_month(day: i32) -> i32 {
    let (y, m, _) = civil_from_days(day);
    if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    }
}

impl Stays {
    /// Every stay from `start − WARMUP_DAYS` to `data_end`.
    pub fn generate(
        rng: &mut Rng,
        areas: &Areas,
        units: &Units,
        scale: f64,
        start: i32,
        data_end: i32,
    ) -> Stays {
        let area_weights = cumulative(
            (0..areas.len()).map(|i| areas.adults(i) * (-0.11 * f64::from(areas.imd[i] - 1)).exp()),
        );
        let mut g = Gen {
            rng,
            areas,
            units,
            area_weights,
            data_end,
            recent: (1500.0 * scale).round().max(100.0) as usize,
            s: Stays::default(),
        };
        let mut days = Vec::new();
        let mut from = start - WARMUP_DAYS;
        while from <= data_end {
            let to = (next_month(from) - 1).min(data_end);
            let span = f64::from(to - from + 1) / 30.44;
            let n = g
                .rng
                .poisson(ADMISSIONS_PER_MONTH * scale * season(from) * span);
            // Sorted start days, so readmission checks see stays in time order.
            days.clear();
            days.extend((0..n).map(|_| g.rng.int(from, to)));
            days.sort_unstable();
            for &day in &days {
                g.admit(day);
            }
            from = to + 1;
        }
        g.s
    }

    /// The admissions and placements tables: stays open on or after `start`, by start date.
    pub fn tables(
        &self,
        areas: &Areas,
        units: &Units,
        start: i32,
        seed: u64,
    ) -> (RecordBatch, RecordBatch) {
        let n = self.start.len();
        let mut order: Vec<u32> = (0..n as u32)
            .filter(|&i| self.end[i as usize].is_none_or(|e| e >= start))
            .collect();
        order.sort_by_key(|&i| (self.start[i as usize], i));
        let placed: Vec<u32> = order
            .iter()
            .copied()
            .filter(|&i| self.reason[i as usize].is_some())
            .collect();
        let mut placement_id = vec![None; n];
        for (k, &i) in placed.iter().enumerate() {
            placement_id[i as usize] = Some(k as i64 + 1);
        }
        let out = Output {
            s: self,
            areas,
            units,
        };
        let mut a = Columns::default();
        a.int("admission_id", (1..=order.len() as i64).collect());
        out.head(&mut a, &order);
        out.orgs(&mut a, &order);
        a.boolean(
            "out_of_area",
            order
                .iter()
                .map(|&i| self.reason[i as usize].is_some())
                .collect(),
        );
        a.opt_int(
            "placement_id",
            order.iter().map(|&i| placement_id[i as usize]).collect(),
        );
        out.tail(&mut a, &order);

        let mut p = Columns::default();
        p.int("placement_id", (1..=placed.len() as i64).collect());
        out.head(&mut p, &placed);
        p.text(
            "reason",
            placed
                .iter()
                .map(|&i| REASONS[self.reason[i as usize].unwrap_or(0) as usize]),
        );
        out.orgs(&mut p, &placed);
        p.opt_number(
            "daily_cost",
            placed.iter().map(|&i| self.cost[i as usize]).collect(),
        );
        out.tail(&mut p, &placed);
        (a.finish(seed), p.finish(seed))
    }
}

impl Gen<'_> {
    /// One admission starting on `day`, with its transfer and repatriation if any.
    fn admit(&mut self, day: i32) {
        let p = self.person_for(day);
        let age = age_on(self.s.people.birth[p as usize], day);
        let kind = self.bed_kind(age);
        let los = self.los(kind);
        let area = self.s.people.area[p as usize] as usize;
        if !self.rng.chance(self.p_out_of_area(area, kind, day)) {
            let unit = self.local_unit(area, kind);
            self.push(p, day, los, kind, unit, None);
            return;
        }
        let unit = self.out_of_area_unit(area, kind, None);
        let reason = self.rng.choice(&REASON_WEIGHT) as u8;
        let mut end = self.push(p, day, los, kind, unit, Some(reason));
        if let Some(e) = end {
            if los >= 4 && self.rng.chance(TRANSFER) {
                // Recorded as starting a day or more before the first placement ends: the
                // overlap NHS England's production rule truncates.
                let start2 = e - self.rng.int(1, 3.min(los - 1));
                let los2 = self.los(kind).max(e - start2 + 1);
                let unit2 = self.out_of_area_unit(area, kind, Some(unit));
                end = self.push(p, start2, los2, kind, unit2, Some(reason));
            }
        }
        if let Some(e) = end {
            if self.rng.chance(REPATRIATION) {
                let local = self.local_unit(area, kind);
                let los = self.rng.lognormal(10.0, 0.8).round().max(1.0) as i32;
                self.push(p, e, los, kind, local, None);
            }
        }
    }

    /// A recent patient out of hospital on `day` (a readmission), else a new patient.
    fn person_for(&mut self, day: i32) -> u32 {
        let n = self.s.people.area.len();
        if n > 0 && self.rng.chance(READMISSION) {
            let lo = n.saturating_sub(self.recent);
            let j = self.rng.int(lo as i32, n as i32 - 1) as usize;
            if self.s.people.last_end[j] < day {
                return j as u32;
            }
        }
        self.new_person(day)
    }

    fn new_person(&mut self, day: i32) -> u32 {
        let weights = AGE_GROUPS.map(|(_, _, w)| w);
        let (lo, hi, _) = AGE_GROUPS[self.rng.choice(&weights)];
        let age = self.rng.int(lo, hi);
        let birth = day - (f64::from(age) * 365.25) as i32 - self.rng.int(0, 364);
        let people = &mut self.s.people;
        people.area.push(self.rng.pick(&self.area_weights) as u32);
        people.birth.push(birth);
        people.sex.push(self.rng.choice(&SEX_WEIGHT) as u8);
        people.eth.push(self.rng.choice(&ETHNICITY_WEIGHT) as u8);
        people.last_end.push(i32::MIN);
        (people.area.len() - 1) as u32
    }

    fn bed_kind(&mut self, age: i32) -> u8 {
        match age {
            65.. if self.rng.chance(0.85) => OLDER,
            60..=64 if self.rng.chance(0.05) => OLDER,
            ..=59 if self.rng.chance(0.08) => PICU,
            _ => ADULT,
        }
    }

    /// Nights in hospital: skewed (log-normal), a few same-day stays.
    fn los(&mut self, kind: u8) -> i32 {
        if self.rng.chance(SAME_DAY) {
            return 0;
        }
        let k = kind as usize;
        let nights = self.rng.lognormal(LOS_MEDIAN[k], LOS_SIGMA[k]);
        nights.round().clamp(1.0, 730.0) as i32
    }

    fn p_out_of_area(&self, area: usize, kind: u8, day: i32) -> f64 {
        let place = PLACE_OAP[self.areas.place[area] as usize];
        let deprivation = 1.3 - 0.06 * f64::from(self.areas.imd[area] - 1);
        (BASE_OAP * place * deprivation * BED_OAP[kind as usize] * pressure(day)).min(0.9)
    }

    /// Kilometres from area `area` to unit `u` on the grid.
    fn km(&self, area: usize, u: usize) -> f64 {
        let de = self.areas.east[area] - self.units.east[u];
        let dn = self.areas.north[area] - self.units.north[u];
        de.hypot(dn) / 1000.0
    }

    /// A unit with beds of `kind` chosen by capacity × (exp(−km / decay) + floor) among local
    /// or out-of-area units (never `not`).
    fn unit_by_distance(
        &mut self,
        area: usize,
        kind: u8,
        local: bool,
        (decay, floor): (f64, f64),
        not: Option<u8>,
    ) -> u8 {
        let mut w = [0.0; UNITS.len()];
        for (u, def) in UNITS.iter().enumerate() {
            if def.local == local && def.beds & (1 << kind) != 0 && not != Some(u as u8) {
                // The floor keeps distant units in play: when no nearer bed is free, people
                // go wherever one is (the OAP statistics show 8% over 200 km).
                w[u] = def.capacity * ((-self.km(area, u) / decay).exp() + floor);
            }
        }
        if w.iter().all(|&x| x == 0.0) {
            // Only `not` offers the bed type: use it again.
            return not.unwrap_or(0);
        }
        self.rng.choice(&w) as u8
    }

    /// Local units: mostly the nearest with the bed type, sometimes one further away.
    fn local_unit(&mut self, area: usize, kind: u8) -> u8 {
        self.unit_by_distance(area, kind, true, (15.0, 0.0), None)
    }

    fn out_of_area_unit(&mut self, area: usize, kind: u8, not: Option<u8>) -> u8 {
        self.unit_by_distance(area, kind, false, (80.0, 0.04), not)
    }

    /// Records a stay; returns its end date, `None` while open at the data end.
    fn push(
        &mut self,
        p: u32,
        start: i32,
        los: i32,
        kind: u8,
        unit: u8,
        reason: Option<u8>,
    ) -> Option<i32> {
        let end = (start + los <= self.data_end).then_some(start + los);
        let cost = match reason {
            Some(_) if !self.rng.chance(COST_MISSING) => Some(self.daily_cost(unit)),
            _ => None,
        };
        let s = &mut self.s;
        s.person.push(p);
        s.start.push(start);
        s.end.push(end);
        s.bed.push(kind);
        s.unit.push(unit);
        s.reason.push(reason);
        s.cost.push(cost);
        let last = &mut s.people.last_end[p as usize];
        *last = (*last).max(end.unwrap_or(i32::MAX));
        end
    }

    /// Pounds per bed day: independent providers charge more than NHS trusts.
    fn daily_cost(&mut self, unit: u8) -> f64 {
        let (mean, sd) = if UNITS[unit as usize].sector == IND {
            (720.0, 90.0)
        } else {
            (560.0, 60.0)
        };
        ((mean + sd * self.rng.normal()).max(250.0) * 100.0).round() / 100.0
    }
}

/// Writes the columns admissions and placements share.
struct Output<'a> {
    s: &'a Stays,
    areas: &'a Areas,
    units: &'a Units,
}

impl Output<'_> {
    /// person_id, start_date, end_date, bed_type.
    fn head(&self, c: &mut Columns, rows: &[u32]) {
        let s = self.s;
        let r = |i: &u32| *i as usize;
        c.formatted("person_id", rows.len(), |b, k| {
            write_id(b, "P", s.person[rows[k] as usize] as usize + 1, 7)
        });
        c.date("start_date", rows.iter().map(|i| s.start[r(i)]).collect());
        c.opt_date("end_date", rows.iter().map(|i| s.end[r(i)]).collect());
        let april_2024 = days_from_civil(2024, 4, 1);
        c.text(
            "bed_type",
            rows.iter().map(|i| {
                let codes = if s.start[r(i)] >= april_2024 {
                    &BED_CODES_NEW
                } else {
                    &BED_CODES_OLD
                };
                codes[s.bed[r(i)] as usize]
            }),
        );
    }

    /// sending_org, receiving_org, receiving_site.
    fn orgs(&self, c: &mut Columns, rows: &[u32]) {
        let s = self.s;
        let r = |i: &u32| *i as usize;
        c.text("sending_org", rows.iter().map(|_| LOCAL_ORG));
        c.text(
            "receiving_org",
            rows.iter().map(|i| UNITS[s.unit[r(i)] as usize].org),
        );
        c.text(
            "receiving_site",
            rows.iter().map(|i| UNITS[s.unit[r(i)] as usize].site),
        );
    }

    /// Home and unit locations, then the breakdown columns.
    fn tail(&self, c: &mut Columns, rows: &[u32]) {
        let (s, a, u) = (self.s, self.areas, self.units);
        let area = |i: &u32| s.people.area[s.person[*i as usize] as usize] as usize;
        let unit = |i: &u32| s.unit[*i as usize] as usize;
        c.formatted("home_area", rows.len(), |b, k| {
            write_area_code(b, area(&rows[k]))
        });
        c.number("home_lat", rows.iter().map(|i| a.lat[area(i)]).collect());
        c.number("home_lon", rows.iter().map(|i| a.lon[area(i)]).collect());
        c.number(
            "home_easting",
            rows.iter().map(|i| a.east[area(i)]).collect(),
        );
        c.number(
            "home_northing",
            rows.iter().map(|i| a.north[area(i)]).collect(),
        );
        c.number("unit_lat", rows.iter().map(|i| u.lat[unit(i)]).collect());
        c.number("unit_lon", rows.iter().map(|i| u.lon[unit(i)]).collect());
        c.number(
            "unit_easting",
            rows.iter().map(|i| u.east[unit(i)]).collect(),
        );
        c.number(
            "unit_northing",
            rows.iter().map(|i| u.north[unit(i)]).collect(),
        );
        c.text(
            "place",
            rows.iter().map(|i| PLACES[a.place[area(i)] as usize]),
        );
        c.int(
            "imd_decile",
            rows.iter().map(|i| i64::from(a.imd[area(i)])).collect(),
        );
        let age = |i: &u32| {
            let p = s.person[*i as usize] as usize;
            age_on(s.people.birth[p], s.start[*i as usize])
        };
        c.int("age", rows.iter().map(|i| i64::from(age(i))).collect());
        c.text("age_band", rows.iter().map(|i| age_band(age(i))));
        let person = |i: &u32| s.person[*i as usize] as usize;
        c.text(
            "sex",
            rows.iter().map(|i| SEX[s.people.sex[person(i)] as usize]),
        );
        c.text(
            "ethnicity",
            rows.iter()
                .map(|i| ETHNICITY[s.people.eth[person(i)] as usize]),
        );
    }
}
