//! The demo collaborative of [`collabmetrics`]: **invented data**, for examples, tests and
//! benchmarks.
//!
//! A crate of its own so that a service depending on `collabmetrics` does not compile the
//! generator; the command line (`collabmetrics demo`), the Python package
//! (`cm.demo.tables()`), the benchmarks and the tests depend on it.
//!
//! Nothing here describes real people or real services. [`generate`] makes a synthetic
//! mental health provider collaborative shaped like Kent and Medway (about 1.9 million people
//! in four places, one local trust, a few local acute units and out-of-area units in London,
//! Surrey, Sussex, Essex, the Midlands and the North West) and returns Arrow tables with the
//! column names the metric modules read. Every table's schema metadata says so:
//! `{"synthetic": "true", "source": "collabmetrics demo generator, seed N"}`.
//!
//! | table | one row per | used by |
//! |---|---|---|
//! | `areas` | home area (LSOA-like, `E01DEMO0001`…): place, IMD decile, centroid, population | rates, inequality |
//! | `population` | area × ESP age band × sex | rates, standardisation |
//! | `units` | inpatient unit: site and org codes, local or not, location, bed types | distance |
//! | `placements` | out-of-area placement ([`collabmetrics::oap::PLACEMENT_COLUMNS`] plus locations and breakdowns) | `oap`, `distance` |
//! | `admissions` | acute admission, local or out of area (every placement is one) | `oap` proportions |
//! | `persons` | young person around the CYPMHS/adult boundary | `transition` |
//! | `referrals` | CYPMHS or adult referral of those people | `transition` |
//! | `contacts` | care contact on those referrals | `transition` |
//! | `care_plans` | care plan of those people (type 14: CYP transition plan) | `transition` (T9) |
//!
//! Magnitudes follow NHS Digital's OAP statistics (`tests/reference/oap/`): England had about
//! 600 inappropriate OAPs started a month in 2016–17 and 500–700 active at a month end; a
//! collaborative of 1.9 million people (3.4% of England) gets about 20 started a month at
//! scale 1, about a tenth of its acute admissions. Lengths of stay are skewed (median about
//! three weeks, a tail past 200 nights). The data include what real extracts do: placements
//! open at the data end, same-day placements, overlapping transfers for one person, missing
//! costs, bed-type codes changing from 10/11/12 to 200/201/202 in April 2024. Placements are
//! more frequent from deprived areas, so inequality measures have something to find.
//!
//! Admissions and placements that began in the six months before `start` and were still open
//! on it are included (with their earlier `start_date`), as in an extract of the activity in a
//! period; so the first month opens with patients in beds.
//!
//! The output is a pure function of [`DemoOptions`]: the core's self-contained xoshiro256**
//! generator ([`collabmetrics::rng::Rng`], no dependency whose updates could change it) with
//! one stream per table family, so the same
//! options give identical tables (on one platform: `ln`, `exp` and `cos` come from its math
//! library). `scale` multiplies areas, people and events: scale 30 with
//! 120 months is about England for ten years (about 100 000 placements, a million admissions
//! and two million contacts), for benchmarks.
//!
//! ```
//! use collabmetrics_demo::{generate, DemoOptions};
//! let demo = generate(&DemoOptions::default());
//! let meta = demo.placements.schema().metadata().clone();
//! assert_eq!(meta["synthetic"], "true");
//! assert!(demo.placements.num_rows() > 500);
//! ```

#![warn(missing_docs)]

mod areas;
mod build;
mod geo;
mod places;
mod rng;
mod stays;
mod young;

pub use places::{AGE_BANDS, ESP_AGE_BANDS, PLACES};

use arrow_array::RecordBatch;
use collabmetrics::error::{Error, Result};
use collabmetrics::table::{civil_from_days, days_from_civil, days_in_month};

/// What to generate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DemoOptions {
    /// The random seed: the same options give identical tables.
    pub seed: u64,
    /// Size: 1.0 is a collaborative of about 1.9 million people; about 30 is England.
    pub scale: f64,
    /// First day of the data (days since 1970-01-01).
    pub start: i32,
    /// Length of the data in calendar months.
    pub months: u32,
}

impl Default for DemoOptions {
    /// Seed 2026, scale 1, three years from 1 April 2021.
    fn default() -> Self {
        DemoOptions {
            seed: 2026,
            scale: 1.0,
            start: days_from_civil(2021, 4, 1),
            months: 36,
        }
    }
}

impl DemoOptions {
    /// The last day of the data: the day before `start` plus `months` calendar months.
    pub fn data_end(&self) -> i32 {
        let (y, m, d) = civil_from_days(self.start);
        let total = i64::from(m) - 1 + i64::from(self.months);
        let y2 = y.saturating_add((total / 12) as i32);
        let m2 = (total % 12) as u32 + 1;
        days_from_civil(y2, m2, d.min(days_in_month(y2, m2))) - 1
    }

    /// Checks the options: a finite scale in (0, 1000], at least one month.
    pub fn validate(&self) -> Result<()> {
        if !(self.scale.is_finite() && self.scale > 0.0 && self.scale <= 1000.0) {
            return Err(Error::invalid_argument(
                "scale",
                format!("must be finite, > 0 and <= 1000, got {}", self.scale),
            ));
        }
        if self.months == 0 || self.months > 1200 {
            return Err(Error::invalid_argument(
                "months",
                format!("must be in 1..=1200, got {}", self.months),
            ));
        }
        collabmetrics::table::check_date_option("start", self.start)?;
        collabmetrics::table::check_date_option("start", self.data_end())?;
        // Measured: about 150 kB of tables per unit of scale and month of data.
        collabmetrics::limits::check_memory(
            "scale",
            &format!("a demo of scale {} over {} months", self.scale, self.months),
            (self.scale * f64::from(self.months)).ceil() as u128,
            150_000,
        )
    }
}

/// The demo collaborative's tables (see the module docs for each).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoTables {
    /// area_code, place, imd_decile, lat, lon, easting, northing, population.
    pub areas: RecordBatch,
    /// area_code, place, imd_decile, age_band (ESP "0-4" … "90+"), sex ("1", "2"), population.
    pub population: RecordBatch,
    /// site_code, org_code, name, sector, local, lat, lon, easting, northing, bed_types.
    pub units: RecordBatch,
    /// The OAP placement columns, then home and unit locations and breakdowns.
    pub placements: RecordBatch,
    /// Every acute admission; `placement_id` links the out-of-area ones to `placements`.
    pub admissions: RecordBatch,
    /// person_id, date_of_birth, date_of_death, sex, ethnicity, imd_decile, place, home_area.
    pub persons: RecordBatch,
    /// referral_id, person_id, received_date, discharge_date, rejection_date, service_line,
    /// team_type, closure_reason.
    pub referrals: RecordBatch,
    /// contact_id, referral_id, person_id, contact_date, attendance, mechanism.
    pub contacts: RecordBatch,
    /// person_id, plan_type (14 = CYP transition plan; 10, 11, 12 other plans), date: the
    /// optional care plans table of `transition` (metric T9). Drawn from a stream of its own,
    /// so the other tables are the same with or without it.
    pub care_plans: RecordBatch,
}

impl DemoTables {
    /// Every table with its name, in the order of the fields.
    pub fn tables(&self) -> Vec<(&'static str, RecordBatch)> {
        vec![
            ("areas", self.areas.clone()),
            ("population", self.population.clone()),
            ("units", self.units.clone()),
            ("placements", self.placements.clone()),
            ("admissions", self.admissions.clone()),
            ("persons", self.persons.clone()),
            ("referrals", self.referrals.clone()),
            ("contacts", self.contacts.clone()),
            ("care_plans", self.care_plans.clone()),
        ]
    }
}

/// Generates the demo collaborative.
///
/// # Panics
/// When the options are invalid (see [`DemoOptions::validate`]); [`try_generate`] returns
/// the error instead.
pub fn generate(opts: &DemoOptions) -> DemoTables {
    match try_generate(opts) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    }
}

/// [`generate`], with invalid options an error.
pub fn try_generate(opts: &DemoOptions) -> Result<DemoTables> {
    opts.validate()?;
    let (seed, data_end) = (opts.seed, opts.data_end());
    // One stream per table family: changing one never changes the others.
    let areas = areas::Areas::generate(&mut rng::Rng::new(seed, 1), opts.scale);
    let units = areas::Units::new();
    let stays = stays::Stays::generate(
        &mut rng::Rng::new(seed, 2),
        &areas,
        &units,
        opts.scale,
        opts.start,
        data_end,
    );
    let (admissions, placements) = stays.tables(&areas, &units, opts.start, seed);
    let mut young = young::Young::generate(
        &mut rng::Rng::new(seed, 3),
        &areas,
        opts.scale,
        opts.start,
        data_end,
    );
    young.add_late(
        &mut rng::Rng::new(seed, 5),
        &areas,
        opts.scale,
        opts.start,
        data_end,
    );
    Ok(DemoTables {
        areas: areas.table(seed),
        population: areas.population_table(seed),
        units: units.table(seed),
        placements,
        admissions,
        persons: young.persons_table(&areas, seed),
        referrals: young.referrals_table(seed),
        contacts: young.contacts_table(seed),
        care_plans: young.care_plans_table(&mut rng::Rng::new(seed, 4), data_end, seed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_end_is_the_day_before_start_plus_months() {
        let o = DemoOptions::default();
        assert_eq!(o.data_end(), days_from_civil(2024, 3, 31));
        let o = DemoOptions {
            start: days_from_civil(2023, 1, 31),
            months: 1,
            ..DemoOptions::default()
        };
        assert_eq!(o.data_end(), days_from_civil(2023, 2, 27));
    }

    #[test]
    fn invalid_options_are_errors() {
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let o = DemoOptions {
                scale,
                ..DemoOptions::default()
            };
            assert!(try_generate(&o).is_err());
        }
        let o = DemoOptions {
            months: 0,
            ..DemoOptions::default()
        };
        assert!(try_generate(&o).is_err());
    }

    /// The defaults the Python package reads (as JSON) are the `Default` itself.
    #[test]
    fn defaults_read_back_as_the_default_options() {
        let json = serde_json::to_value(DemoOptions::default()).unwrap();
        let back: DemoOptions = serde_json::from_value(json).unwrap();
        assert_eq!(back, DemoOptions::default());
        let partial: DemoOptions = serde_json::from_str(r#"{"seed": 7}"#).unwrap();
        assert_eq!(partial.months, DemoOptions::default().months);
    }
}
