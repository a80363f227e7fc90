//! A result's schema depends on the options, never on the data: for every table entry point,
//! an empty-ish input (no rows, or the smallest valid one) gives the same fields (names, types,
//! nullability) as the demo input under the same options, and every result carries its
//! diagnostics in the schema metadata. This is what lets one partition's result be
//! concatenated with another's.

use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::Field;
use collabmetrics::distance::{
    self, ConvertTableOptions, LocateTableOptions, Method, NullPolicy, PointsTableOptions,
    SummaryTableOptions,
};
use collabmetrics::inequality::{self, Favourable, HeatOptions, MeasuresTableOptions};
use collabmetrics::oap::{self, OapOptions, Window};
use collabmetrics::stats::{self, IsrKind, StandardPopulation};
use collabmetrics::table::{self, ColumnMap, Input, TableResult, DIAGNOSTICS_KEY};
use collabmetrics::transition::{self, CurveMethod, Tables, TransitionOptions};
use collabmetrics_demo::{self as demo, DemoOptions, DemoTables};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

fn demo() -> &'static (DemoOptions, DemoTables) {
    static DEMO: OnceLock<(DemoOptions, DemoTables)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let opts = DemoOptions {
            scale: 0.2,
            ..DemoOptions::default()
        };
        let tables = demo::generate(&opts);
        (opts, tables)
    })
}

fn input(b: &RecordBatch) -> Input {
    Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap()
}

fn empty(b: &RecordBatch) -> RecordBatch {
    b.slice(0, 0)
}

fn fields(r: &TableResult) -> Vec<Field> {
    r.table
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect()
}

/// The two results have the same fields, and each carries its diagnostics in the metadata.
#[track_caller]
fn same_schema(what: &str, full: TableResult, small: TableResult) {
    assert!(
        full.table.num_rows() > small.table.num_rows(),
        "{what}: rows"
    );
    assert_eq!(fields(&full), fields(&small), "{what}");
    for r in [full, small] {
        let batch = r.into_batch();
        assert!(
            batch.schema().metadata().contains_key(DIAGNOSTICS_KEY),
            "{what}: diagnostics in the metadata"
        );
    }
}

/// `batch` with one more column.
fn with_column(batch: &RecordBatch, name: &str, values: ArrayRef) -> RecordBatch {
    table::append_column(batch, name, values).unwrap()
}

/// `batch` without the column `name`.
fn without(batch: &RecordBatch, name: &str) -> RecordBatch {
    let keep: Vec<usize> = (0..batch.num_columns())
        .filter(|&i| batch.schema().field(i).name() != name)
        .collect();
    batch.project(&keep).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// One row per place, sex and ESP age band of the demo population, with a count of 1 in 1000.
fn banded() -> RecordBatch {
    let pop = &demo().1.population;
    let mut sums: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    let text = |c: &str, i: usize| table::display(pop.column_by_name(c).unwrap().as_ref(), i);
    let people = input(pop).f64s("population").unwrap().into_owned();
    for (i, p) in people.iter().enumerate() {
        *sums
            .entry((text("place", i), text("sex", i), text("age_band", i)))
            .or_default() += p;
    }
    let (mut place, mut sex, mut band, mut population, mut count) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((pl, s, b), p) in sums {
        place.push(pl);
        sex.push(s);
        band.push(b);
        count.push((p / 1000.0).floor());
        population.push(p);
    }
    let reference: Vec<f64> = population.iter().map(|p| p * 1.1).collect();
    let reference_count: Vec<f64> = count.iter().map(|c| c + 1.0).collect();
    RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(place)) as ArrayRef),
        ("sex", Arc::new(StringArray::from(sex)) as ArrayRef),
        ("age_band", Arc::new(StringArray::from(band)) as ArrayRef),
        ("count", Arc::new(Float64Array::from(count)) as ArrayRef),
        (
            "population",
            Arc::new(Float64Array::from(population)) as ArrayRef,
        ),
        (
            "reference_count",
            Arc::new(Float64Array::from(reference_count)) as ArrayRef,
        ),
        (
            "reference_population",
            Arc::new(Float64Array::from(reference)) as ArrayRef,
        ),
    ])
    .unwrap()
}

#[test]
fn stats_tables() {
    let b = banded();
    let (full, none) = (input(&b), input(&empty(&b)));
    let p = stats::ProportionTableOptions {
        numerator: "count".into(),
        denominator: "population".into(),
        ..Default::default()
    };
    same_schema(
        "proportion_table",
        stats::proportion_table(&full, &p).unwrap(),
        stats::proportion_table(&none, &p).unwrap(),
    );
    let r = stats::RateTableOptions {
        denominator: "population".into(),
        ..Default::default()
    };
    same_schema(
        "rate_table",
        stats::rate_table(&full, &r).unwrap(),
        stats::rate_table(&none, &r).unwrap(),
    );
    let d = stats::DsrTableOptions {
        by: vec!["place".into(), "sex".into()],
        standard: StandardPopulation::esp2013(),
        ..Default::default()
    };
    // The smallest valid input: one group. DSR notes (fewer than 10 events) come and go with
    // the data; the column stays.
    let one = input(&b.slice(0, 19));
    same_schema(
        "dsr_table",
        stats::dsr_table(&full, &d).unwrap(),
        stats::dsr_table(&one, &d).unwrap(),
    );
    same_schema(
        "dsr_table (no rows)",
        stats::dsr_table(&full, &d).unwrap(),
        stats::dsr_table(&none, &d).unwrap(),
    );
    for kind in [IsrKind::Ratio, IsrKind::Rate] {
        let mut i = stats::IsrTableOptions {
            by: vec!["place".into()],
            ..Default::default()
        };
        i.options.kind = kind;
        same_schema(
            "isr_table",
            stats::isr_table(&full, &i).unwrap(),
            stats::isr_table(&none, &i).unwrap(),
        );
    }
    let m = stats::MeanTableOptions {
        value: "count".into(),
        by: vec!["place".into()],
        ..Default::default()
    };
    same_schema(
        "mean_table",
        stats::mean_table(&full, &m).unwrap(),
        stats::mean_table(&none, &m).unwrap(),
    );
}

// ---------------------------------------------------------------------------------------------
// Out-of-area placements

/// The demo placements with their BNG distance from home (`distance_km`).
fn placements_with_distance() -> RecordBatch {
    let mut o = PointsTableOptions::new(Method::Bng);
    o.coordinates = Some(
        [
            "home_easting",
            "home_northing",
            "unit_easting",
            "unit_northing",
        ]
        .map(String::from),
    );
    distance::distance_points_table(&input(&demo().1.placements), &o)
        .unwrap()
        .table
}

/// The population of each place.
fn place_population() -> RecordBatch {
    let areas = &demo().1.areas;
    let people = input(areas).f64s("population").unwrap().into_owned();
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        let place = table::display(areas.column_by_name("place").unwrap().as_ref(), i);
        *sums.entry(place).or_default() += p;
    }
    let (place, population): (Vec<String>, Vec<f64>) = sums.into_iter().unzip();
    RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(place)) as ArrayRef),
        (
            "population",
            Arc::new(Float64Array::from(population)) as ArrayRef,
        ),
    ])
    .unwrap()
}

#[test]
fn oap_measures() {
    let (opts_demo, t) = demo();
    let placements = placements_with_distance();
    let population = place_population();
    let admissions = &t.admissions;
    for window in Window::ALL {
        let mut o = OapOptions::new(opts_demo.data_end() - 400, opts_demo.data_end());
        o.window = *window;
        o.by = vec!["place".into()];
        o.distance = Some("distance_km".into());
        let run_with = |p: &RecordBatch, a: &RecordBatch, pop: &RecordBatch| {
            oap::measures(&input(p), &o, Some(&input(pop)), Some(&input(a))).unwrap()
        };
        let run = |p: &RecordBatch, a: &RecordBatch| run_with(p, a, &population);
        let full = run(&placements, admissions);
        // No placement, no admission and no population row at all (a population's places
        // are groups of their own); and placements without a recorded cost.
        same_schema(
            "oap::measures (no rows)",
            full.clone(),
            run_with(&empty(&placements), &empty(admissions), &empty(&population)),
        );
        assert_eq!(
            fields(&full),
            fields(&run(&without(&placements, "daily_cost"), admissions)),
            "oap::measures without daily_cost"
        );
        // Without the optional inputs: fewer columns, but again the same for any data.
        o.distance = None;
        let bare = |p: &RecordBatch| oap::measures(&input(p), &o, None, None).unwrap();
        same_schema(
            "oap::measures (placements only)",
            bare(&placements),
            bare(&empty(&placements)),
        );
    }
}

#[test]
fn oap_cost_columns_are_null_without_a_recorded_cost() {
    let (opts_demo, _) = demo();
    let placements = without(&placements_with_distance(), "daily_cost");
    let o = OapOptions::new(opts_demo.data_end() - 100, opts_demo.data_end());
    let r = oap::measures(&input(&placements), &o, None, None)
        .unwrap()
        .table;
    let cost = r.column_by_name("cost").unwrap();
    assert_eq!(cost.null_count(), r.num_rows());
    let days = r.column_by_name("cost_bed_days").unwrap();
    let days = days.as_any().downcast_ref::<Int64Array>().unwrap();
    assert!(days.iter().all(|d| d == Some(0)));
}

// ---------------------------------------------------------------------------------------------
// Distance

#[test]
fn distance_tables() {
    let t = &demo().1;
    let mut o = PointsTableOptions::new(Method::Bng);
    o.coordinates = Some(
        [
            "home_easting",
            "home_northing",
            "unit_easting",
            "unit_northing",
        ]
        .map(String::from),
    );
    for nulls in NullPolicy::ALL {
        o.nulls = *nulls;
        let run = |b: &RecordBatch| distance::distance_points_table(&input(b), &o).unwrap();
        same_schema(
            "distance_points_table",
            run(&t.placements),
            run(&empty(&t.placements)),
        );
    }
    let c = ConvertTableOptions::default();
    let run = |b: &RecordBatch| distance::bng_to_wgs84_table(&input(b), &c).unwrap();
    let areas = t.areas.clone();
    same_schema("bng_to_wgs84_table", run(&areas), run(&empty(&areas)));

    let mut l = LocateTableOptions::new("home_area");
    l.lookup_code = "area_code".into();
    l.lookup_x = "easting".into();
    l.lookup_y = "northing".into();
    l.nulls = NullPolicy::Propagate;
    let run = |b: &RecordBatch, lookup: &RecordBatch| {
        distance::locate_table(&input(b), &input(lookup), &l).unwrap()
    };
    same_schema(
        "locate_table",
        run(&t.placements, &areas),
        run(&empty(&t.placements), &empty(&areas)),
    );

    let placements = placements_with_distance();
    for weight in [None, Some("los".to_owned())] {
        let placements = with_column(
            &placements,
            "los",
            Arc::new(Float64Array::from(vec![1.0; placements.num_rows()])),
        );
        let s = SummaryTableOptions {
            by: vec!["place".into()],
            weight: weight.clone(),
            ..Default::default()
        };
        let run = |b: &RecordBatch| distance::distance_summary_table(&input(b), &s).unwrap();
        same_schema(
            "distance_summary_table",
            run(&placements),
            run(&empty(&placements)),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Inequality

/// Population and a rate per place and IMD decile.
fn subgroups() -> RecordBatch {
    let areas = &demo().1.areas;
    let people = input(areas).f64s("population").unwrap().into_owned();
    let mut sums: BTreeMap<(String, i64), f64> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        let place = table::display(areas.column_by_name("place").unwrap().as_ref(), i);
        let decile = table::display(areas.column_by_name("imd_decile").unwrap().as_ref(), i);
        *sums.entry((place, decile.parse().unwrap())).or_default() += p;
    }
    let (mut place, mut decile, mut population, mut value, mut se) =
        (vec![], vec![], vec![], vec![], vec![]);
    for ((pl, d), p) in sums {
        value.push(50.0 - 3.0 * d as f64 + pl.len() as f64);
        se.push(2.0);
        place.push(pl);
        decile.push(d);
        population.push(p);
    }
    RecordBatch::try_from_iter(vec![
        ("place", Arc::new(StringArray::from(place)) as ArrayRef),
        ("imd_decile", Arc::new(Int64Array::from(decile)) as ArrayRef),
        ("value", Arc::new(Float64Array::from(value)) as ArrayRef),
        ("se", Arc::new(Float64Array::from(se)) as ArrayRef),
        (
            "population",
            Arc::new(Float64Array::from(population)) as ArrayRef,
        ),
    ])
    .unwrap()
}

#[test]
fn inequality_measures_table() {
    let b = subgroups();
    for ordered in [true, false] {
        let o = MeasuresTableOptions {
            by: vec!["place".into()],
            subgroup: "imd_decile".into(),
            se: Some("se".into()),
            order: ordered.then(|| "imd_decile".to_owned()),
            options: HeatOptions {
                favourable: Some(Favourable::Low),
                reps: 0,
                ..HeatOptions::default()
            },
            ..MeasuresTableOptions::default()
        };
        let run = |b: &RecordBatch| inequality::measures_table(&input(b), &o).unwrap();
        // One by-group of three deciles: the smallest table every measure accepts.
        same_schema("measures_table", run(&b), run(&b.slice(0, 3)));
        same_schema("measures_table (no rows)", run(&b), run(&empty(&b)));
    }
}

// ---------------------------------------------------------------------------------------------
// Transition

#[test]
fn transition_tables() {
    let (opts_demo, t) = demo();
    let o = TransitionOptions::new(opts_demo.data_end());
    let inputs = [&t.persons, &t.referrals, &t.contacts, &t.care_plans].map(input);
    let none = [&t.persons, &t.referrals, &t.contacts, &t.care_plans].map(|b| input(&empty(b)));
    let tables = |i: &[Input; 4]| -> (Input, Input, Input, Input) {
        (i[0].clone(), i[1].clone(), i[2].clone(), i[3].clone())
    };
    let (fp, fr, fc, fl) = tables(&inputs);
    let (np, nr, nc, nl) = tables(&none);
    let full = Tables {
        persons: &fp,
        referrals: &fr,
        contacts: &fc,
        care_plans: Some(&fl),
    };
    let small = Tables {
        persons: &np,
        referrals: &nr,
        contacts: &nc,
        care_plans: Some(&nl),
    };
    type Entry = fn(&Tables, &TransitionOptions) -> collabmetrics::Result<TableResult>;
    let entries: [(&str, Entry); 4] = [
        ("transfers", transition::transfers),
        ("ageing_out", transition::ageing_out),
        ("summary", transition::summary),
        ("service_lines", transition::service_lines),
    ];
    for (name, entry) in entries {
        same_schema(name, entry(&full, &o).unwrap(), entry(&small, &o).unwrap());
    }
    let (a, b) = (
        transition::analyse(&full, &o).unwrap(),
        transition::analyse(&small, &o).unwrap(),
    );
    for (name, x, y) in [
        ("analyse transfers", &a.transfers, &b.transfers),
        ("analyse ageing_out", &a.ageing_out, &b.ageing_out),
        ("analyse summary", &a.summary, &b.summary),
        ("analyse curve", &a.curve, &b.curve),
    ] {
        assert_eq!(x.schema().fields(), y.schema().fields(), "{name}");
    }
    let transfers = transition::transfers(&full, &o).unwrap().table;
    for method in CurveMethod::ALL {
        let run = |b: &RecordBatch| transition::time_to_contact(&input(b), *method, 0.95).unwrap();
        same_schema("time_to_contact", run(&transfers), run(&empty(&transfers)));
    }
}

#[test]
fn funnel_tables() {
    use collabmetrics::funnel::{self, Family, FunnelOptions, Statistic};
    let units = |n: usize| -> RecordBatch {
        let names: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
        let o: Vec<f64> = (0..n).map(|i| 5.0 + (i * 7 % 11) as f64).collect();
        let d: Vec<f64> = (0..n).map(|i| 40.0 + (i * 13 % 17) as f64).collect();
        let rate: Vec<f64> = o.iter().zip(&d).map(|(o, d)| 1e5 * o / d).collect();
        RecordBatch::try_from_iter(vec![
            ("unit", Arc::new(StringArray::from(names)) as ArrayRef),
            ("numerator", Arc::new(Float64Array::from(o))),
            ("denominator", Arc::new(Float64Array::from(d))),
            ("rate", Arc::new(Float64Array::from(rate))),
        ])
        .unwrap()
    };
    let (many, two) = (units(40), units(2));
    for (statistic, family) in [
        (Statistic::Proportion, None),
        (Statistic::RatioIsr, None),
        (Statistic::RateDsr, None),
        (Statistic::Sr, None),
        (Statistic::Pr, None),
        (Statistic::Rc, None),
        (Statistic::Pr, Some(Family::SpiegelhalterExact)),
    ] {
        let o = FunnelOptions {
            unit: Some("unit".into()),
            family,
            // Only where they apply: an option a statistic does not take is an error.
            multiplier: (!statistic.is_ratio()).then_some(100.0),
            years_of_data: statistic.is_rate().then_some(1.0),
            ..FunnelOptions::new(statistic)
        };
        let what = format!("funnel assess {statistic}");
        same_schema(
            &what,
            funnel::assess(&input(&many), &o).unwrap(),
            funnel::assess(&input(&two), &o).unwrap(),
        );
        // The limits tables: PHE's always have 100 rows; the grid ones grow with the units.
        let (full, small) = (
            funnel::limits(&input(&many), &o).unwrap(),
            funnel::limits(&input(&two), &o).unwrap(),
        );
        assert_eq!(fields(&full), fields(&small), "funnel limits {statistic}");
    }
}
