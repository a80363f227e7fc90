//! Transition disengagement for 16–25s (`docs/methods/transition.md`): young people moving from
//! children and young people's mental health services (CYPMHS) to adult services, or reaching
//! the CYPMHS upper age limit.
//!
//! Inputs are three tables (and optionally a fourth): **persons** (`person_id`,
//! `date_of_birth`, optional `date_of_death` and breakdown columns), **referrals**
//! (`referral_id`, `person_id`, `received_date`, optional `discharge_date`, `rejection_date`,
//! `service_line`, `team_type`, `team_age_group`, `closure_reason`), **contacts**
//! (`referral_id`, `contact_date`, `attendance`, optional `contact_id`, `person_id`,
//! `mechanism`) and optional **care plans** (`person_id`, `plan_type`, `date`). Column names
//! can be mapped with a [`ColumnMap`](crate::table::ColumnMap).
//!
//! Two cohorts come out of one pass over the people, each as a per-person table so any
//! number can be audited:
//! * **cohort T** (transfers, the headline): each accepted adult referral of a 16–25-year-old
//!   with CYPMHS involvement, one per episode, and metrics T1–T9 ([`transfers`]);
//! * **cohort B** (ageing out, the TRACK population): people with an open CYP referral and a
//!   recent attended CYP contact at the boundary age, classified a year later into nine
//!   classes ([`ageing_out`]).
//!
//! [`summary`] gives every metric per breakdown group (numerator, denominator, proportion,
//! Wilson interval); [`time_to_contact`] gives the Kaplan–Meier curve of time to the first
//! attended adult contact (Greenwood variance, log-log interval) or the Aalen–Johansen
//! cumulative incidence with death as a competing event.
//!
//! Choices where the published definitions are silent are written on each item and in
//! `docs/methods/transition.md`.

mod codes;
mod cohorts;
mod contacts;
mod keys;
mod load;
pub use load::DEFAULT_BREAKDOWNS;
mod state;
mod summary;
mod survival;
mod table;

pub use codes::{LineRule, ServiceLine, CRISIS_TEAM_TYPES};
pub use cohorts::BClass;
pub use state::{finalize, finalize_curve, state, state_listing, state_schema};
pub use survival::{curve, Curve, CurveMethod, CurveOptions, CENSORED, DEATH, EVENT};
pub use table::{
    ageing_out, analyse, service_lines, summary, time_to_contact, transfers, Analysis, Tables,
    CARE_PLAN_COLUMNS, CONTACT_COLUMNS, PERSON_COLUMNS, REFERRAL_COLUMNS,
};

use crate::error::{Error, Result};
use crate::stats::check_confidence;
use crate::table::{check_date_option, civil_from_days, days_from_civil};
use serde::{Deserialize, Serialize};

/// Options of the transition metrics, with the defaults of `docs/methods/transition.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransitionOptions {
    /// The last date the data cover (days since 1970-01-01). Follow-up ends here; events after
    /// it are excluded and counted. Required: it depends on the extract.
    pub data_end: Option<i32>,
    /// Reporting period: index dates (cohort T) and boundary dates (cohort B) from
    /// `period_start` to `period_end` inclusive. `None`: from the start of the data, and to
    /// `data_end`.
    pub period_start: Option<i32>,
    /// The last index or boundary date of the reporting period (see `period_start`).
    pub period_end: Option<i32>,
    /// Age at which CYPMHS ends (default 18).
    pub boundary_age: u32,
    /// Ages of cohort T on the index date (default 16 to 25 inclusive).
    pub min_age: u32,
    /// The oldest age of cohort T on the index date (see `min_age`).
    pub max_age: u32,
    /// N of T1 and cohort B's engagement (default 90).
    pub engagement_days: i32,
    /// Further T1 horizons reported in the summary (default 30, 183, 365; at most 7).
    pub horizons: Vec<i32>,
    /// Attended contacts needed for engagement (default 1; 2 is the stricter option).
    pub min_attended_contacts: u32,
    /// ATTENDED OR DID NOT ATTEND codes meaning attended (default 5, 6) and did not attend
    /// (default 3, 7). Valid codes are 2–7; anything else is `invalid_attendance`.
    pub attended_codes: Vec<u16>,
    /// ATTENDED OR DID NOT ATTEND codes meaning did not attend (see `attended_codes`).
    pub dna_codes: Vec<u16>,
    /// CONSULTATION MECHANISM codes that are direct contact (default 01, 02, 04, 11).
    pub direct_mechanisms: Vec<u16>,
    /// Adult crisis team types, whose contacts are not engagement (default A02, A11, A19–A25).
    pub crisis_team_types: Vec<String>,
    /// An attended CYP contact this many days before the adult referral makes CYPMHS
    /// involvement (default 183).
    pub cyp_lookback_days: i32,
    /// Cohort B: a CYP referral open in this window before the boundary date (default 183).
    pub boundary_open_window_days: i32,
    /// F, cohort B's classification horizon (and its windows after a discharge), and cohort
    /// T's follow-up year of T3, T4, T8 and the crisis presentations (default 365).
    pub followup_days: i32,
    /// Cohort B is retained in CYPMHS when still in contact this many days after the boundary
    /// (default 90).
    pub retained_days: i32,
    /// Adult referrals within this many days of an index referral belong to its episode
    /// (default 365).
    pub episode_gap_days: i32,
    /// Confidence level of the Wilson intervals and curves (default 0.95).
    pub confidence: f64,
    /// Person columns to break the summary down by (default: whichever of `sex`,
    /// `ethnicity`, `imd_decile` and `place` the persons table has). Age band is always added.
    pub by: Option<Vec<String>>,
    /// Add the optional 18–24 age band to the summary (it overlaps 18–19 and 20–25).
    pub age_band_18_24: bool,
}

impl Default for TransitionOptions {
    /// The documented defaults; `data_end` is unset and must be given.
    fn default() -> Self {
        TransitionOptions {
            data_end: None,
            period_start: None,
            period_end: None,
            boundary_age: 18,
            min_age: 16,
            max_age: 25,
            engagement_days: 90,
            horizons: vec![30, 183, 365],
            min_attended_contacts: 1,
            attended_codes: vec![5, 6],
            dna_codes: vec![3, 7],
            direct_mechanisms: vec![1, 2, 4, 11],
            crisis_team_types: CRISIS_TEAM_TYPES.iter().map(|s| s.to_string()).collect(),
            cyp_lookback_days: 183,
            boundary_open_window_days: 183,
            followup_days: 365,
            retained_days: 90,
            episode_gap_days: 365,
            confidence: crate::stats::DEFAULT_CONFIDENCE,
            by: None,
            age_band_18_24: false,
        }
    }
}

impl TransitionOptions {
    /// The spec's defaults with data ending on `data_end`.
    pub fn new(data_end: i32) -> Self {
        TransitionOptions {
            data_end: Some(data_end),
            ..TransitionOptions::default()
        }
    }

    /// The data end; [`TransitionOptions::validate`], which every entry point runs first,
    /// refuses options without one.
    pub(crate) fn data_end(&self) -> i32 {
        self.data_end.unwrap_or(i32::MAX)
    }

    /// Every T1 horizon, `engagement_days` first, without repeats.
    pub(crate) fn all_horizons(&self) -> Vec<i32> {
        let mut h = vec![self.engagement_days];
        for &d in &self.horizons {
            if !h.contains(&d) {
                h.push(d);
            }
        }
        h
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let Some(data_end) = self.data_end else {
            return Err(crate::options::required(
                "data_end",
                "the last date the data cover, where follow-up ends",
            ));
        };
        check_confidence(self.confidence)?;
        check_date_option("data_end", data_end)?;
        for (name, date) in [
            ("period_start", self.period_start),
            ("period_end", self.period_end),
        ] {
            if let Some(d) = date {
                check_date_option(name, d)?;
            }
        }
        let days = [
            ("engagement_days", self.engagement_days),
            ("cyp_lookback_days", self.cyp_lookback_days),
            ("boundary_open_window_days", self.boundary_open_window_days),
            ("followup_days", self.followup_days),
            ("retained_days", self.retained_days),
            ("episode_gap_days", self.episode_gap_days),
        ];
        for (name, d) in days
            .into_iter()
            .chain(self.horizons.iter().map(|&h| ("horizons", h)))
        {
            if !(0..=36_500).contains(&d) {
                return Err(Error::invalid_argument(
                    name,
                    format!("{d} days is not in 0..=36500"),
                ));
            }
        }
        if self.all_horizons().len() > 8 {
            return Err(Error::invalid_argument(
                "horizons",
                "at most 7 horizons besides engagement_days",
            ));
        }
        if self.min_attended_contacts == 0 {
            return Err(Error::invalid_argument(
                "min_attended_contacts",
                "must be at least 1",
            ));
        }
        if self.min_age > self.max_age {
            return Err(Error::invalid_argument(
                "min_age",
                format!("{} is above max_age {}", self.min_age, self.max_age),
            ));
        }
        if self.max_age > 120 {
            return Err(Error::invalid_argument(
                "max_age",
                format!("{} is above 120", self.max_age),
            ));
        }
        if !(1..=120).contains(&self.boundary_age) {
            return Err(Error::invalid_argument(
                "boundary_age",
                format!("{} is not an age in 1..=120", self.boundary_age),
            ));
        }
        if self.period_start.is_some_and(|s| s > self.data_end()) {
            return Err(Error::invalid_argument("period_start", "is after data_end"));
        }
        for (name, codes) in [
            ("attended_codes", &self.attended_codes),
            ("dna_codes", &self.dna_codes),
        ] {
            if let Some(c) = codes.iter().find(|c| !(2..=7).contains(*c)) {
                return Err(Error::invalid_argument(
                    name,
                    format!("{c} is not an attendance code (2–7)"),
                ));
            }
        }
        if let Some(c) = self
            .attended_codes
            .iter()
            .find(|c| self.dna_codes.contains(c))
        {
            return Err(Error::invalid_argument(
                "dna_codes",
                format!("{c} is also an attended code"),
            ));
        }
        if let (Some(s), Some(e)) = (self.period_start, self.period_end) {
            if e < s {
                return Err(Error::invalid_argument(
                    "period_end",
                    "is before period_start",
                ));
            }
        }
        Ok(())
    }
}

/// The date someone born on `birth` reaches `age`: the same day and month `age` years later,
/// and 1 March for 29 February births in non-leap years (`docs/methods/transition.md`).
pub fn date_at_age(birth: i32, age: i32) -> i32 {
    let (y, m, d) = civil_from_days(birth);
    // Saturating: far outside the supported date range the result saturates too (see
    // `days_from_civil`); inside it nothing comes near the edges.
    let year = y.saturating_add(age);
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if m == 2 && d == 29 && !leap(year) {
        days_from_civil(year, 3, 1)
    } else {
        days_from_civil(year, m, d)
    }
}

/// Age in completed years on `date` (consistent with [`date_at_age`]: a 29 February child
/// turns a year older on 1 March in non-leap years).
pub fn age_on(birth: i32, date: i32) -> i32 {
    let (by, _, _) = civil_from_days(birth);
    let (dy, _, _) = civil_from_days(date);
    let years = dy.saturating_sub(by);
    if date >= date_at_age(birth, years) {
        years
    } else {
        years - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::parse_date;

    fn d(s: &str) -> i32 {
        parse_date(s).unwrap()
    }

    #[test]
    fn leap_day_births_reach_18_on_1_march_in_non_leap_years() {
        assert_eq!(date_at_age(d("2004-02-29"), 18), d("2022-03-01"));
        assert_eq!(date_at_age(d("2004-02-29"), 20), d("2024-02-29"));
        assert_eq!(date_at_age(d("2005-07-31"), 18), d("2023-07-31"));
        assert_eq!(age_on(d("2004-02-29"), d("2022-02-28")), 17);
        assert_eq!(age_on(d("2004-02-29"), d("2022-03-01")), 18);
        assert_eq!(age_on(d("2005-07-31"), d("2023-07-30")), 17);
        assert_eq!(age_on(d("2005-07-31"), d("2023-07-31")), 18);
    }

    #[test]
    fn options_are_checked() {
        let mut o = TransitionOptions::new(0);
        assert!(o.validate().is_ok());
        o.min_attended_contacts = 0;
        assert!(o.validate().is_err());
        let mut o = TransitionOptions::new(0);
        o.dna_codes = vec![5];
        assert!(o.validate().unwrap_err().to_string().contains("dna_codes"));
        let e = TransitionOptions::default().validate().unwrap_err();
        assert_eq!(e.argument(), Some("data_end"));
        let mut o = TransitionOptions::new(0);
        o.engagement_days = -1;
        assert!(o
            .validate()
            .unwrap_err()
            .to_string()
            .contains("engagement_days"));
    }
}
