//! The demo collaborative generator: determinism, schemas, invariants, calibration against
//! NHS Digital's OAP statistics (`tests/reference/oap/`), and that the metric modules run on it.
//!
//! `cargo test -p collabmetrics-demo --test demo -- --nocapture` prints the calibration numbers;
//! `cargo test --release -p collabmetrics-demo --test demo -- --ignored --nocapture` times national
//! scale (scale 30, 120 months).

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use collabmetrics::oap::{self, OapOptions, ADMISSION_COLUMNS, PLACEMENT_COLUMNS};
use collabmetrics::table::{civil_from_days, days_from_civil, ColumnMap, Input};
use collabmetrics_demo::{generate, try_generate, DemoOptions, DemoTables, PLACES};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

#[path = "../../collabmetrics/tests/common/mod.rs"]
mod common;

fn demo() -> &'static DemoTables {
    static DEMO: OnceLock<DemoTables> = OnceLock::new();
    DEMO.get_or_init(|| generate(&DemoOptions::default()))
}

// ---- column access -------------------------------------------------------------------------

fn col<'a>(b: &'a RecordBatch, name: &str) -> &'a ArrayRef {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("missing column {name}"))
}

fn strs<'a>(b: &'a RecordBatch, name: &str) -> Vec<&'a str> {
    let c = col(b, name);
    assert_eq!(c.null_count(), 0, "{name} has nulls");
    c.as_string::<i32>().iter().map(|v| v.unwrap()).collect()
}

fn opt_strs<'a>(b: &'a RecordBatch, name: &str) -> Vec<Option<&'a str>> {
    col(b, name).as_string::<i32>().iter().collect()
}

fn ints(b: &RecordBatch, name: &str) -> Vec<i64> {
    let c = col(b, name);
    assert_eq!(c.null_count(), 0, "{name} has nulls");
    c.as_primitive::<Int64Type>().values().to_vec()
}

fn opt_ints(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    col(b, name).as_primitive::<Int64Type>().iter().collect()
}

fn nums(b: &RecordBatch, name: &str) -> Vec<f64> {
    let c = col(b, name);
    assert_eq!(c.null_count(), 0, "{name} has nulls");
    c.as_primitive::<Float64Type>().values().to_vec()
}

fn opt_nums(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    col(b, name).as_primitive::<Float64Type>().iter().collect()
}

fn dates(b: &RecordBatch, name: &str) -> Vec<i32> {
    let c = col(b, name);
    assert_eq!(c.null_count(), 0, "{name} has nulls");
    c.as_primitive::<Date32Type>().values().to_vec()
}

fn opt_dates(b: &RecordBatch, name: &str) -> Vec<Option<i32>> {
    col(b, name).as_primitive::<Date32Type>().iter().collect()
}

fn input(b: &RecordBatch) -> Input {
    Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap()
}

fn month_index(day: i32) -> i32 {
    let (y, m, _) = civil_from_days(day);
    y * 12 + m as i32 - 1
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

// ---- determinism ---------------------------------------------------------------------------

#[test]
fn same_seed_gives_identical_tables_and_another_seed_different_ones() {
    let opts = DemoOptions::default();
    let again = generate(&opts);
    assert_eq!(&again, demo());
    for ((name, a), (_, b)) in again.tables().iter().zip(demo().tables()) {
        assert_eq!(a, &b, "{name}");
    }
    let other = generate(&DemoOptions {
        seed: 7,
        ..opts.clone()
    });
    for ((name, a), (_, b)) in other.tables().iter().zip(demo().tables()) {
        if *name == "units" {
            // Fixed geography: only the seed in its metadata differs.
            assert_eq!(a.columns(), b.columns());
            continue;
        }
        assert_ne!(
            a.columns(),
            b.columns(),
            "{name} does not depend on the seed"
        );
    }
}

#[test]
fn invalid_options_are_errors() {
    let bad = DemoOptions {
        scale: 0.0,
        ..DemoOptions::default()
    };
    assert!(try_generate(&bad).is_err());
    let bad = DemoOptions {
        months: 0,
        ..DemoOptions::default()
    };
    assert!(try_generate(&bad).is_err());
}

// ---- schemas -------------------------------------------------------------------------------

const U: DataType = DataType::Utf8;
const I: DataType = DataType::Int64;
const F: DataType = DataType::Float64;
const D: DataType = DataType::Date32;
const B: DataType = DataType::Boolean;

/// Columns every placement and admission carries after its own: locations and breakdowns.
const TAIL: [(&str, DataType, bool); 15] = [
    ("home_area", U, false),
    ("home_lat", F, false),
    ("home_lon", F, false),
    ("home_easting", F, false),
    ("home_northing", F, false),
    ("unit_lat", F, false),
    ("unit_lon", F, false),
    ("unit_easting", F, false),
    ("unit_northing", F, false),
    ("place", U, false),
    ("imd_decile", I, false),
    ("age", I, false),
    ("age_band", U, false),
    ("sex", U, false),
    ("ethnicity", U, false),
];

fn expected(table: &str) -> Vec<(&'static str, DataType, bool)> {
    let mut v: Vec<(&str, DataType, bool)> = match table {
        "areas" => vec![
            ("area_code", U, false),
            ("place", U, false),
            ("imd_decile", I, false),
            ("lat", F, false),
            ("lon", F, false),
            ("easting", F, false),
            ("northing", F, false),
            ("population", I, false),
        ],
        "population" => vec![
            ("area_code", U, false),
            ("place", U, false),
            ("imd_decile", I, false),
            ("age_band", U, false),
            ("sex", U, false),
            ("population", I, false),
        ],
        "units" => vec![
            ("site_code", U, false),
            ("org_code", U, false),
            ("name", U, false),
            ("sector", U, false),
            ("local", B, false),
            ("lat", F, false),
            ("lon", F, false),
            ("easting", F, false),
            ("northing", F, false),
            ("bed_types", U, false),
        ],
        "placements" => vec![
            ("placement_id", I, false),
            ("person_id", U, false),
            ("start_date", D, false),
            ("end_date", D, true),
            ("bed_type", U, false),
            ("reason", U, false),
            ("sending_org", U, false),
            ("receiving_org", U, false),
            ("receiving_site", U, false),
            ("daily_cost", F, true),
        ],
        "admissions" => vec![
            ("admission_id", I, false),
            ("person_id", U, false),
            ("start_date", D, false),
            ("end_date", D, true),
            ("bed_type", U, false),
            ("sending_org", U, false),
            ("receiving_org", U, false),
            ("receiving_site", U, false),
            ("out_of_area", B, false),
            ("placement_id", I, true),
        ],
        "persons" => vec![
            ("person_id", U, false),
            ("date_of_birth", D, false),
            ("date_of_death", D, true),
            ("sex", U, false),
            ("ethnicity", U, false),
            ("imd_decile", I, false),
            ("place", U, false),
            ("home_area", U, false),
        ],
        "referrals" => vec![
            ("referral_id", I, false),
            ("person_id", U, false),
            ("received_date", D, false),
            ("discharge_date", D, true),
            ("rejection_date", D, true),
            ("service_line", U, false),
            ("team_type", U, false),
            ("closure_reason", U, true),
        ],
        "contacts" => vec![
            ("contact_id", I, false),
            ("referral_id", I, false),
            ("person_id", U, false),
            ("contact_date", D, false),
            ("attendance", U, false),
            ("mechanism", U, false),
        ],
        "care_plans" => vec![
            ("person_id", U, false),
            ("plan_type", U, false),
            ("date", D, false),
        ],
        other => panic!("unexpected table {other}"),
    };
    if matches!(table, "placements" | "admissions") {
        v.extend(TAIL.iter().cloned());
    }
    v
}

#[test]
fn schemas_have_the_declared_columns_types_and_synthetic_label() {
    for (name, batch) in demo().tables() {
        let schema = batch.schema();
        let got: Vec<(&str, DataType, bool)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type().clone(), f.is_nullable()))
            .collect();
        assert_eq!(got, expected(name), "{name}");
        let meta = schema.metadata();
        assert_eq!(meta.get("synthetic").map(String::as_str), Some("true"));
        assert_eq!(
            meta.get("source").map(String::as_str),
            Some("collabmetrics demo generator, seed 2026"),
            "{name}"
        );
        assert!(batch.num_rows() > 0, "{name} is empty");
    }
    input(&demo().placements).check(PLACEMENT_COLUMNS).unwrap();
    input(&demo().admissions).check(ADMISSION_COLUMNS).unwrap();
}

// ---- invariants ----------------------------------------------------------------------------

fn check_spells(b: &RecordBatch, start: &str, end: &str) {
    let s = dates(b, start);
    for (row, e) in opt_dates(b, end).iter().enumerate() {
        if let Some(e) = e {
            assert!(*e >= s[row], "{end} before {start} at row {row}");
        }
    }
}

#[test]
fn dates_ids_and_codes_are_consistent() {
    let t = demo();
    let opts = DemoOptions::default();
    check_spells(&t.placements, "start_date", "end_date");
    check_spells(&t.admissions, "start_date", "end_date");
    check_spells(&t.referrals, "received_date", "discharge_date");
    check_spells(&t.referrals, "received_date", "rejection_date");
    for b in [&t.placements, &t.admissions] {
        for (s, e) in dates(b, "start_date").iter().zip(opt_dates(b, "end_date")) {
            assert!(*s <= opts.data_end());
            assert!(e.is_none_or(|e| e >= opts.start && e <= opts.data_end()));
        }
    }
    let ids = ints(&t.placements, "placement_id");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    let ids = ints(&t.admissions, "admission_id");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());

    // Bed-type codes change on 1 April 2024 (the default three years end just before).
    let april = days_from_civil(2024, 4, 1);
    let across = generate(&DemoOptions {
        scale: 0.5,
        start: days_from_civil(2023, 4, 1),
        months: 24,
        ..opts.clone()
    });
    let starts = dates(&across.admissions, "start_date");
    for (s, bed) in starts.iter().zip(strs(&across.admissions, "bed_type")) {
        let ok = if *s < april {
            ["10", "11", "12"].contains(&bed)
        } else {
            ["200", "201", "202"].contains(&bed)
        };
        assert!(ok, "bed type {bed} on day {s}");
    }
    assert!(starts.iter().any(|&s| s >= april) && starts.iter().any(|&s| s < april));

    let reasons = strs(&t.placements, "reason");
    let allowed = ["10", "11", "12", "13", "14", "15", "99"];
    assert!(reasons.iter().all(|r| allowed.contains(r)));
    let inappropriate = reasons.iter().filter(|&&r| r == "10").count() as f64;
    let share = inappropriate / reasons.len() as f64;
    assert!((0.72..0.88).contains(&share), "inappropriate share {share}");
    assert!(strs(&t.placements, "sex")
        .iter()
        .all(|s| ["1", "2", "9"].contains(s)));
    let costs = opt_nums(&t.placements, "daily_cost");
    let missing = costs.iter().filter(|c| c.is_none()).count() as f64 / costs.len() as f64;
    assert!((0.05..0.15).contains(&missing), "missing costs {missing}");
    assert!(costs
        .iter()
        .flatten()
        .all(|&c| (200.0..2000.0).contains(&c)));
}

#[test]
fn areas_and_population_agree() {
    let t = demo();
    let codes = strs(&t.areas, "area_code");
    let pop = ints(&t.areas, "population");
    let index: HashMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    assert_eq!(index.len(), codes.len(), "area codes are unique");
    assert!(codes.iter().all(|c| c.starts_with("E01DEMO")));
    let mut sums = vec![0i64; codes.len()];
    let rows = strs(&t.population, "area_code");
    assert_eq!(rows.len(), codes.len() * 19 * 2);
    for (code, n) in rows.iter().zip(ints(&t.population, "population")) {
        assert!(n >= 0);
        sums[index[code]] += n;
    }
    assert_eq!(sums, pop, "population rows sum to the area totals");
    let total: i64 = pop.iter().sum();
    assert!((1_750_000..2_050_000).contains(&total), "total {total}");
    let places: HashSet<&str> = strs(&t.areas, "place").into_iter().collect();
    assert_eq!(places, PLACES.into_iter().collect());
    let imd = ints(&t.areas, "imd_decile");
    assert!(imd.iter().all(|d| (1..=10).contains(d)));
    // East Kent's coast and Medway are more deprived than West Kent.
    let mean_imd = |place: &str| {
        let v: Vec<i64> = strs(&t.areas, "place")
            .iter()
            .zip(&imd)
            .filter(|(p, _)| **p == place)
            .map(|(_, d)| *d)
            .collect();
        v.iter().sum::<i64>() as f64 / v.len() as f64
    };
    assert!(mean_imd("Medway and Swale") + 1.0 < mean_imd("West Kent"));
    assert!(mean_imd("East Kent") + 0.5 < mean_imd("West Kent"));

    for b in [&t.placements, &t.admissions] {
        for (code, place) in strs(b, "home_area").iter().zip(strs(b, "place")) {
            let i = *index
                .get(code)
                .unwrap_or_else(|| panic!("unknown area {code}"));
            assert_eq!(strs(&t.areas, "place")[i], place);
        }
    }
}

#[test]
fn every_placement_is_an_admission() {
    let t = demo();
    let (p, a) = (&t.placements, &t.admissions);
    let link = opt_ints(a, "placement_id");
    let oa: Vec<bool> = col(a, "out_of_area")
        .as_boolean()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let mut row_of = HashMap::new();
    for (row, id) in link.iter().enumerate() {
        assert_eq!(id.is_some(), oa[row]);
        if let Some(id) = id {
            assert!(row_of.insert(*id, row).is_none());
        }
    }
    assert_eq!(row_of.len(), p.num_rows());
    let same_str = |name: &str| (strs(p, name), strs(a, name));
    let cols: Vec<_> = [
        "person_id",
        "bed_type",
        "place",
        "home_area",
        "receiving_site",
    ]
    .map(same_str)
    .into_iter()
    .collect();
    let (ps, as_) = (dates(p, "start_date"), dates(a, "start_date"));
    let (pe, ae) = (opt_dates(p, "end_date"), opt_dates(a, "end_date"));
    for (row, id) in ints(p, "placement_id").iter().enumerate() {
        let r = row_of[id];
        assert_eq!(ps[row], as_[r]);
        assert_eq!(pe[row], ae[r]);
        for (pc, ac) in &cols {
            assert_eq!(pc[row], ac[r]);
        }
    }
    // Out-of-area admissions are at out-of-area units, the rest at the local trust's.
    let local: HashMap<&str, bool> = strs(&t.units, "site_code")
        .into_iter()
        .zip(
            col(&t.units, "local")
                .as_boolean()
                .iter()
                .map(|v| v.unwrap()),
        )
        .collect();
    for (site, out) in strs(a, "receiving_site").iter().zip(&oa) {
        assert_eq!(local[site], !out, "{site}");
    }
}

/// British National Grid from WGS84 by the OS projection formulas on the Airy ellipsoid,
/// skipping the datum shift (about 100 m in the south east): a rough, independent check.
fn rough_bng(lat: f64, lon: f64) -> (f64, f64) {
    let (a, b, f0) = (6_377_563.396, 6_356_256.909, 0.999_601_271_7);
    let (phi0, l0) = (49f64.to_radians(), (-2f64).to_radians());
    let (phi, l) = (lat.to_radians(), lon.to_radians());
    let e2 = 1.0 - b * b / (a * a);
    let n = (a - b) / (a + b);
    let s2 = phi.sin().powi(2);
    let nu = a * f0 / (1.0 - e2 * s2).sqrt();
    let rho = a * f0 * (1.0 - e2) / (1.0 - e2 * s2).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (d, s) = (phi - phi0, phi + phi0);
    let m = b
        * f0
        * ((1.0 + n + 1.25 * n * n + 1.25 * n.powi(3)) * d
            - (3.0 * n + 3.0 * n * n + 2.625 * n.powi(3)) * d.sin() * s.cos()
            + (1.875 * n * n + 1.875 * n.powi(3)) * (2.0 * d).sin() * (2.0 * s).cos()
            - 35.0 / 24.0 * n.powi(3) * (3.0 * d).sin() * (3.0 * s).cos());
    let (c, t2) = (phi.cos(), phi.tan().powi(2));
    let dl = l - l0;
    let north = m - 100_000.0
        + nu / 2.0 * phi.sin() * c * dl.powi(2)
        + nu / 24.0 * phi.sin() * c.powi(3) * (5.0 - t2 + 9.0 * eta2) * dl.powi(4);
    let east = 400_000.0 + nu * c * dl + nu / 6.0 * c.powi(3) * (nu / rho - t2) * dl.powi(3);
    (east, north)
}

fn check_coordinates(b: &RecordBatch, lat: &str, lon: &str, e: &str, n: &str) {
    let (lat, lon, e, n) = (nums(b, lat), nums(b, lon), nums(b, e), nums(b, n));
    for i in 0..lat.len() {
        assert!((49.8..55.9).contains(&lat[i]) && (-6.5..1.8).contains(&lon[i]));
        assert!((0.0..700_000.0).contains(&e[i]) && (0.0..1_300_000.0).contains(&n[i]));
        let (re, rn) = rough_bng(lat[i], lon[i]);
        let off = (re - e[i]).hypot(rn - n[i]);
        assert!(off < 1000.0, "row {i}: grid and lat/lon {off:.0} m apart");
    }
}

#[test]
fn coordinates_are_in_range_and_both_systems_agree() {
    let t = demo();
    check_coordinates(&t.areas, "lat", "lon", "easting", "northing");
    check_coordinates(&t.units, "lat", "lon", "easting", "northing");
    for b in [&t.placements, &t.admissions] {
        check_coordinates(b, "home_lat", "home_lon", "home_easting", "home_northing");
        check_coordinates(b, "unit_lat", "unit_lon", "unit_easting", "unit_northing");
    }
    // The library's own BNG → WGS84 (the inverse, through the same Helmert transformation)
    // takes the grid references back to the latitudes and longitudes within metres.
    for b in [&t.areas, &t.units] {
        let (e, n) = (nums(b, "easting"), nums(b, "northing"));
        let (lat, lon) = collabmetrics::distance::bng_to_wgs84(&e, &n, Default::default()).unwrap();
        let (lat0, lon0) = (nums(b, "lat"), nums(b, "lon"));
        for i in 0..e.len() {
            let dy = (lat[i] - lat0[i]) * 111_200.0;
            let dx = (lon[i] - lon0[i]) * 111_320.0 * lat0[i].to_radians().cos();
            assert!(dx.hypot(dy) < 5.0, "row {i}: {:.1} m", dx.hypot(dy));
        }
    }
    // Maidstone's unit is where Maidstone is (about E 576 000, N 155 800).
    let sites = strs(&t.units, "site_code");
    let k = sites.iter().position(|s| *s == "RXY02").unwrap();
    let (e, n) = (nums(&t.units, "easting")[k], nums(&t.units, "northing")[k]);
    assert!((e - 576_000.0).abs() < 3_000.0 && (n - 155_800.0).abs() < 3_000.0);
}

// ---- calibration ---------------------------------------------------------------------------

/// Home-to-unit distances on the grid, km.
fn km(b: &RecordBatch) -> Vec<f64> {
    let (he, hn) = (nums(b, "home_easting"), nums(b, "home_northing"));
    let (ue, un) = (nums(b, "unit_easting"), nums(b, "unit_northing"));
    (0..he.len())
        .map(|i| (he[i] - ue[i]).hypot(hn[i] - un[i]) / 1000.0)
        .collect()
}

#[test]
fn calibration_matches_the_published_magnitudes() {
    check_calibration(demo(), &DemoOptions::default());
}

#[test]
fn calibration_and_cohort_b_classes_hold_for_other_seeds() {
    for seed in [1, 42, 99] {
        println!("-- seed {seed}");
        let opts = DemoOptions {
            seed,
            ..DemoOptions::default()
        };
        let t = generate(&opts);
        check_calibration(&t, &opts);
        check_cohort_b(&t, &opts);
    }
}

/// England's inappropriate OAPs (reason 10) per month, started and active at the month end,
/// over the full months of NHS Digital's first publications (November 2016 to February 2017;
/// October covers only the collection's first fortnight), divided by 30: scale 1 is a
/// collaborative of about 1.9 million people, a thirtieth of England.
#[derive(Debug)]
struct Published {
    started: f64,
    active_at_end: f64,
}

fn england_inappropriate() -> Published {
    let rows = common::read_csv("oap/oaps_england_2016-10_to_2017-02.csv");
    let mean = |question: &str| {
        let values: Vec<f64> = rows
            .iter()
            .filter(|r| {
                r["question"] == question
                    && r["breakdown"] == "OutOfAreaReason"
                    && r["code"] == "10"
                    && r["period"].as_str() >= "2016-11"
            })
            .map(|r| common::num(r, "value").unwrap())
            .collect();
        assert_eq!(values.len(), 4, "{question}: one value per full month");
        values.iter().sum::<f64>() / 4.0 / 30.0
    };
    Published {
        started: mean("OAPs started in period"),
        active_at_end: mean("OAPs active at period end"),
    }
}

fn check_calibration(t: &DemoTables, opts: &DemoOptions) {
    let opts = opts.clone();
    let p = &t.placements;
    let start = dates(p, "start_date");
    let end = opt_dates(p, "end_date");
    let reason = strs(p, "reason");
    let inappropriate: Vec<usize> = (0..p.num_rows()).filter(|&i| reason[i] == "10").collect();

    // Started per month (inappropriate), within the period.
    let first = month_index(opts.start);
    let mut started = vec![0usize; opts.months as usize];
    for &i in &inappropriate {
        if start[i] >= opts.start {
            started[(month_index(start[i]) - first) as usize] += 1;
        }
    }
    let mean = started.iter().sum::<usize>() as f64 / started.len() as f64;
    let published = england_inappropriate();
    println!("inappropriate OAPs started per month: mean {mean:.1}, by month {started:?}");
    println!("England / 30, the size of scale 1: {published:.1?}");
    assert!(
        (0.75..1.3).contains(&(mean / published.started)),
        "mean started {mean}, England / 30 {}",
        published.started
    );
    assert!(started.iter().all(|&n| (2..=50).contains(&n)));

    // Active at month end.
    let mut active = Vec::new();
    for m in 0..opts.months as i32 {
        let (y, mo) = ((first + m) / 12, (first + m) % 12 + 1);
        let last = days_from_civil(y, mo as u32 + 1, 1) - 1;
        let last = if mo == 12 {
            days_from_civil(y + 1, 1, 1) - 1
        } else {
            last
        };
        let n = inappropriate
            .iter()
            .filter(|&&i| start[i] <= last && end[i].is_none_or(|e| e > last))
            .count();
        active.push(n);
    }
    let mean_active = active.iter().sum::<usize>() as f64 / active.len() as f64;
    println!("inappropriate OAPs active at month end: mean {mean_active:.1}, {active:?}");
    // The published stock is the collection's first months (participation still growing), so
    // the band is wider than for the flow.
    assert!(
        (0.6..2.0).contains(&(mean_active / published.active_at_end)),
        "mean active {mean_active}, England / 30 {}",
        published.active_at_end
    );

    // Lengths of stay of closed placements.
    let mut los: Vec<f64> = (0..p.num_rows())
        .filter_map(|i| end[i].map(|e| f64::from(e - start[i])))
        .collect();
    let med = median(&mut los);
    let max = los.last().copied().unwrap_or(0.0);
    let long = los.iter().filter(|&&l| l > 200.0).count();
    println!("length of stay: median {med} nights, max {max}, {long} over 200");
    assert!((18.0..32.0).contains(&med), "median LOS {med}");
    assert!(long >= 1 && max > 200.0);

    // Open, same-day and overlapping placements.
    let open = end.iter().filter(|e| e.is_none()).count();
    let same_day = (0..p.num_rows())
        .filter(|&i| end[i] == Some(start[i]))
        .count();
    let person = strs(p, "person_id");
    let mut by_person: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in person.iter().enumerate() {
        by_person.entry(id).or_default().push(i);
    }
    let mut overlapping = 0;
    for rows in by_person.values() {
        for &x in rows {
            for &y in rows {
                if x != y && start[x] <= start[y] && end[x].is_none_or(|e| e > start[y]) {
                    overlapping += 1;
                }
            }
        }
    }
    println!("open at data end {open}, same-day {same_day}, overlapping pairs {overlapping}");
    assert!(open >= 3 && same_day >= 3 && overlapping >= 3);

    // Share of admissions placed out of area.
    let a = &t.admissions;
    let a_start = dates(a, "start_date");
    let in_period = |s: &i32| *s >= opts.start;
    let n_adm = a_start.iter().filter(|s| in_period(s)).count() as f64;
    let n_oap = start.iter().filter(|s| in_period(s)).count() as f64;
    let share = n_oap / n_adm;
    println!(
        "admissions {n_adm} ({:.0}/month), placements {n_oap}: {:.1}% out of area",
        n_adm / f64::from(opts.months),
        100.0 * share
    );
    assert!((0.05..0.15).contains(&share));

    // Distances: mostly 30–150 km, some beyond 200 km; local stays are near.
    let d = km(p);
    let mut sorted = d.clone();
    let med_km = median(&mut sorted);
    let share_mid =
        d.iter().filter(|&&x| (30.0..150.0).contains(&x)).count() as f64 / d.len() as f64;
    let share_far = d.iter().filter(|&&x| x >= 200.0).count() as f64 / d.len() as f64;
    let bands = [0.0, 25.0, 50.0, 100.0, 200.0, 300.0, f64::INFINITY];
    let counts: Vec<usize> = bands
        .windows(2)
        .map(|w| d.iter().filter(|&&x| x >= w[0] && x < w[1]).count())
        .collect();
    println!(
        "OAP distance: median {med_km:.0} km, {:.0}% in 30-150 km, {:.1}% >= 200 km, bands {counts:?}",
        100.0 * share_mid,
        100.0 * share_far
    );
    assert!(share_mid > 0.6 && share_far > 0.01 && share_far < 0.15);
    let local_km: Vec<f64> = km(a)
        .into_iter()
        .zip(col(a, "out_of_area").as_boolean().iter())
        .filter(|(_, oa)| !oa.unwrap())
        .map(|(k, _)| k)
        .collect();
    let mut lk = local_km.clone();
    println!("local admissions: median {:.0} km", median(&mut lk));

    // More placements per head from the more deprived areas.
    let imd = ints(p, "imd_decile");
    let areas_imd = ints(&t.areas, "imd_decile");
    let areas_pop = ints(&t.areas, "population");
    let rate = |lo: i64, hi: i64| {
        let n = imd.iter().filter(|d| (lo..=hi).contains(*d)).count() as f64;
        let pop: i64 = (0..areas_imd.len())
            .filter(|&i| (lo..=hi).contains(&areas_imd[i]))
            .map(|i| areas_pop[i])
            .sum();
        n / pop as f64 * 1e5
    };
    let (most, least) = (rate(1, 3), rate(8, 10));
    println!("placements per 100 000: IMD 1-3 {most:.1}, IMD 8-10 {least:.1}");
    assert!(most > 1.5 * least);
}

#[test]
fn oap_measures_run_on_the_demo() {
    let t = demo();
    let opts_demo = DemoOptions::default();
    // Population per place: a small table summed from the areas.
    let mut per_place: HashMap<&str, i64> = HashMap::new();
    for (place, n) in strs(&t.population, "place")
        .into_iter()
        .zip(ints(&t.population, "population"))
    {
        *per_place.entry(place).or_default() += n;
    }
    let places: Vec<&str> = PLACES.to_vec();
    let pops: Vec<f64> = places.iter().map(|p| per_place[p] as f64).collect();
    let pop = RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(places)) as ArrayRef),
        ("population", Arc::new(Float64Array::from(pops))),
    ])
    .unwrap();
    let mut opts = OapOptions::new(opts_demo.start, opts_demo.data_end());
    opts.by = vec!["place".into()];
    opts.data_cutoff = Some(opts_demo.data_end());
    let result = oap::measures(
        &input(&t.placements),
        &opts,
        Some(&input(&pop)),
        Some(&input(&t.admissions)),
    )
    .unwrap();
    let table = &result.table;
    assert_eq!(table.num_rows(), 36 * 4);
    let bed_days: i64 = ints(table, "bed_days").iter().sum();
    let started: i64 = ints(table, "started").iter().sum();
    println!("oap::measures: {started} started, {bed_days} bed days");
    assert!(bed_days > 10_000 && started > 500);
    assert!(opt_nums(table, "rate_started").iter().all(|v| v.is_some()));
    assert!(
        opt_nums(table, "proportion_started")
            .iter()
            .flatten()
            .count()
            > 100
    );
    for reason in [
        "overlapping_placements",
        "open_placement",
        "appropriate_reason",
    ] {
        assert!(
            result.diagnostics.count(reason) > 0,
            "no {reason} diagnostic"
        );
    }
}

// ---- young people --------------------------------------------------------------------------

/// The 18th birthday (29 February births: 1 March in non-leap years).
fn boundary(birth: i32) -> i32 {
    let (y, m, d) = civil_from_days(birth);
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if m == 2 && d == 29 && !leap(y + 18) {
        days_from_civil(y + 18, 3, 1)
    } else {
        days_from_civil(y + 18, m, d)
    }
}

struct Referral {
    received: i32,
    discharge: Option<i32>,
    rejected: bool,
    adult: bool,
    crisis: bool,
    closure: Option<String>,
    attended: Vec<i32>,
}

/// Cohort B classes by a plain reading of `docs/methods/transition.md`, to check the data has each.
fn cohort_b_classes(t: &DemoTables, data_end: i32, start: i32) -> HashMap<&'static str, usize> {
    let crisis = [
        "A02", "A11", "A19", "A20", "A21", "A22", "A23", "A24", "A25",
    ];
    let r = &t.referrals;
    let mut refs: HashMap<i64, Referral> = HashMap::new();
    let (ids, rec, dis, rej) = (
        ints(r, "referral_id"),
        dates(r, "received_date"),
        opt_dates(r, "discharge_date"),
        opt_dates(r, "rejection_date"),
    );
    let (line, team, closure) = (
        strs(r, "service_line"),
        strs(r, "team_type"),
        opt_strs(r, "closure_reason"),
    );
    let rperson = strs(r, "person_id");
    for i in 0..ids.len() {
        refs.insert(
            ids[i],
            Referral {
                received: rec[i],
                discharge: dis[i],
                rejected: rej[i].is_some(),
                adult: line[i] == "adult",
                crisis: crisis.contains(&team[i]),
                closure: closure[i].map(str::to_owned),
                attended: Vec::new(),
            },
        );
    }
    let c = &t.contacts;
    let (cref, cdate, att, mech) = (
        ints(c, "referral_id"),
        dates(c, "contact_date"),
        strs(c, "attendance"),
        strs(c, "mechanism"),
    );
    for i in 0..cref.len() {
        let direct = ["01", "02", "04", "11"].contains(&mech[i]);
        if ["5", "6"].contains(&att[i]) && direct {
            refs.get_mut(&cref[i]).unwrap().attended.push(cdate[i]);
        }
    }
    let mut of_person: HashMap<&str, Vec<i64>> = HashMap::new();
    for i in 0..ids.len() {
        of_person.entry(rperson[i]).or_default().push(ids[i]);
    }
    let p = &t.persons;
    let (pid, dob, dod) = (
        strs(p, "person_id"),
        dates(p, "date_of_birth"),
        opt_dates(p, "date_of_death"),
    );
    let mut classes: HashMap<&'static str, usize> = HashMap::new();
    let f = 365;
    for i in 0..pid.len() {
        let b = boundary(dob[i]);
        if b < start || b > data_end {
            continue;
        }
        let mine: Vec<&Referral> = of_person
            .get(pid[i])
            .map(|v| v.iter().map(|id| &refs[id]).collect())
            .unwrap_or_default();
        let cyp: Vec<&&Referral> = mine.iter().filter(|r| !r.adult && !r.rejected).collect();
        let included = cyp
            .iter()
            .any(|r| r.received <= b && r.discharge.is_none_or(|d| d >= b - 183))
            && cyp
                .iter()
                .any(|r| r.attended.iter().any(|&d| d >= b - 365 && d <= b));
        if !included {
            *classes.entry("not_in_cohort").or_default() += 1;
            continue;
        }
        let adult_in_window: Vec<&&Referral> = mine
            .iter()
            .filter(|r| r.adult && !r.crisis && r.received >= b - 183 && r.received <= b + f)
            .collect();
        let accepted: Vec<&&&Referral> = adult_in_window.iter().filter(|r| !r.rejected).collect();
        let class = if dod[i].is_some_and(|d| d < b + f) {
            "died"
        } else if b + f > data_end {
            "insufficient_follow_up"
        } else if let Some(first) = accepted.iter().min_by_key(|r| r.received) {
            let t0 = first.received;
            let engaged = accepted
                .iter()
                .any(|r| r.attended.iter().any(|&d| d >= t0 && d <= t0 + 90));
            if engaged {
                "transferred_engaged"
            } else {
                "transferred_not_engaged"
            }
        } else if !adult_in_window.is_empty() {
            "adult_referral_rejected"
        } else if cyp
            .iter()
            .any(|r| r.received <= b + 90 && r.discharge.is_none_or(|d| d > b + 90))
        {
            "retained_in_cypmhs"
        } else {
            let last = cyp.iter().max_by_key(|r| r.discharge).unwrap();
            let discharged = last.discharge.unwrap();
            let gap = mine
                .iter()
                .any(|r| r.adult && r.received > discharged && r.received <= discharged + f);
            if gap {
                *classes.entry("fell_through_gap").or_default() += 1;
            }
            match last.closure.as_deref() {
                Some("02" | "04") => "discharged_planned",
                Some("05" | "09") => "discharged_disengaged",
                _ => "discharged_other",
            }
        };
        *classes.entry(class).or_default() += 1;
    }
    classes
}

fn check_cohort_b(t: &DemoTables, opts: &DemoOptions) {
    let classes = cohort_b_classes(t, opts.data_end(), opts.start);
    let mut sorted: Vec<_> = classes.iter().collect();
    sorted.sort();
    println!("cohort B classes: {sorted:?}");
    for class in [
        "died",
        "insufficient_follow_up",
        "transferred_engaged",
        "transferred_not_engaged",
        "adult_referral_rejected",
        "retained_in_cypmhs",
        "discharged_planned",
        "discharged_disengaged",
        "discharged_other",
        "fell_through_gap",
        "not_in_cohort",
    ] {
        assert!(classes.get(class).copied().unwrap_or(0) >= 1, "no {class}");
    }
}

#[test]
fn young_people_exercise_every_cohort_b_class() {
    let t = demo();
    let opts = DemoOptions::default();
    check_cohort_b(t, &opts);
    // Contacts: realistic attendance shares, mostly direct, none after death or the data end.
    let att = strs(&t.contacts, "attendance");
    let attended = att.iter().filter(|a| ["5", "6"].contains(a)).count() as f64;
    let share = attended / att.len() as f64;
    assert!((0.7..0.9).contains(&share), "attended share {share}");
    let mech = strs(&t.contacts, "mechanism");
    let direct = mech
        .iter()
        .filter(|m| ["01", "02", "04", "11"].contains(m))
        .count() as f64;
    assert!(direct / mech.len() as f64 > 0.9);
    let persons = strs(&t.persons, "person_id");
    let dob = dates(&t.persons, "date_of_birth");
    let birth: HashMap<&str, i32> = persons.iter().copied().zip(dob.iter().copied()).collect();
    for (p, d) in strs(&t.contacts, "person_id")
        .iter()
        .zip(dates(&t.contacts, "contact_date"))
    {
        assert!(d > birth[p] + 12 * 365 && d <= opts.data_end());
    }
    println!(
        "young people {}, referrals {}, contacts {}",
        t.persons.num_rows(),
        t.referrals.num_rows(),
        t.contacts.num_rows()
    );
}

// ---- scale and speed -----------------------------------------------------------------------

#[test]
fn scale_multiplies_areas_people_and_events_and_scale_1_is_fast() {
    let t0 = Instant::now();
    let one = generate(&DemoOptions::default());
    let took = t0.elapsed();
    println!("scale 1, 36 months: {took:?}");
    // Well under a second in a debug build; the bound is loose for busy machines.
    assert!(took.as_secs_f64() < 5.0, "scale 1 took {took:?}");
    let small = generate(&DemoOptions {
        scale: 0.1,
        ..DemoOptions::default()
    });
    let double = generate(&DemoOptions {
        scale: 2.0,
        ..DemoOptions::default()
    });
    assert_eq!(small.areas.num_rows(), 30);
    assert_eq!(double.areas.num_rows(), 600);
    let ratio = |f: fn(&DemoTables) -> usize| f(&double) as f64 / f(&one) as f64;
    for (name, r) in [
        ("placements", ratio(|t| t.placements.num_rows())),
        ("admissions", ratio(|t| t.admissions.num_rows())),
        ("persons", ratio(|t| t.persons.num_rows())),
        ("contacts", ratio(|t| t.contacts.num_rows())),
    ] {
        assert!((1.8..2.2).contains(&r), "{name}: ratio {r}");
    }
    assert!(small.placements.num_rows() > 20);
}

#[test]
#[ignore = "national scale timing: run with --release --ignored"]
fn national_scale_timing() {
    let opts = DemoOptions {
        scale: 30.0,
        months: 120,
        start: days_from_civil(2015, 4, 1),
        ..DemoOptions::default()
    };
    let t0 = Instant::now();
    let t = generate(&opts);
    let took = t0.elapsed();
    for (name, b) in t.tables() {
        println!("{name}: {} rows", b.num_rows());
    }
    println!("scale 30, 120 months: {took:?}");
    assert!((70_000..130_000).contains(&t.placements.num_rows()));
    let t1 = Instant::now();
    let mut opts_oap = OapOptions::new(opts.start, opts.data_end());
    opts_oap.by = vec!["place".into()];
    let r = oap::measures(
        &input(&t.placements),
        &opts_oap,
        None,
        Some(&input(&t.admissions)),
    )
    .unwrap();
    println!(
        "oap::measures by place on it: {:?} ({} rows)",
        t1.elapsed(),
        r.table.num_rows()
    );
}
