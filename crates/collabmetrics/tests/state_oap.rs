//! The OAP state on the demo collaborative: placements split by person (one part, 7 and 64
//! random parts of the people, one person per part), admissions split at random into parts of
//! their own, every part's state merged with the others in any order and tree, finishes to
//! the one-machine measures bit for bit, with rates, proportions, costs and distance
//! summaries, for each window.

mod state_support;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use collabmetrics::distance::{bng, NullPolicy};
use collabmetrics::oap::{self, OapOptions, Window};
use collabmetrics::state::{self, merge_states};
use collabmetrics::table::{append_column, days_from_civil, TableResult};
use collabmetrics::ErrorKind;
use collabmetrics_demo::{generate, DemoOptions, DemoTables};
use state_support::*;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

fn demo() -> &'static (DemoTables, RecordBatch, RecordBatch) {
    static DEMO: OnceLock<(DemoTables, RecordBatch, RecordBatch)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let d = generate(&DemoOptions {
            scale: 0.5,
            ..DemoOptions::default()
        });
        let p = &d.placements;
        let col = |n: &str| -> Vec<f64> { arrow_cast_f64(p.column_by_name(n).unwrap()) };
        // Whole-km distances (MHSDS's rounding), so the histograms have ties.
        let km = bng(
            &col("home_easting"),
            &col("home_northing"),
            &col("unit_easting"),
            &col("unit_northing"),
            true,
            NullPolicy::Propagate,
        )
        .unwrap();
        let km: Float64Array = km.into_iter().map(|v| (!v.is_nan()).then_some(v)).collect();
        let placements = append_column(p, "distance_km", Arc::new(km)).unwrap();
        // Population per place.
        let a = &d.areas;
        let place = column_text(a, "place");
        let pop = arrow_cast_f64(a.column_by_name("population").unwrap());
        let mut per: BTreeMap<String, f64> = BTreeMap::new();
        for (pl, n) in place.iter().zip(pop) {
            *per.entry(pl.clone()).or_default() += n;
        }
        let population = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("place", DataType::Utf8, false),
                Field::new("population", DataType::Float64, false),
            ])),
            vec![
                Arc::new(StringArray::from(per.keys().cloned().collect::<Vec<_>>())) as ArrayRef,
                Arc::new(Float64Array::from(
                    per.values().copied().collect::<Vec<_>>(),
                )),
            ],
        )
        .unwrap();
        (d, placements, population)
    })
}

fn arrow_cast_f64(c: &ArrayRef) -> Vec<f64> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    match c.data_type() {
        DataType::Float64 => c
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect(),
        DataType::Int64 => c
            .as_primitive::<Int64Type>()
            .iter()
            .map(|v| v.map_or(f64::NAN, |v| v as f64))
            .collect(),
        DataType::Int32 => c
            .as_primitive::<Int32Type>()
            .iter()
            .map(|v| v.map_or(f64::NAN, f64::from))
            .collect(),
        other => panic!("{other}"),
    }
}

fn options(window: Window, by: &[&str]) -> OapOptions {
    let mut o = OapOptions::new(days_from_civil(2021, 6, 1), days_from_civil(2024, 1, 31));
    o.window = window;
    o.by = by.iter().map(|s| s.to_string()).collect();
    o.distance = Some("distance_km".into());
    o
}

/// Placement parts split by person: every person's placements in one part.
fn person_splits(p: &RecordBatch, seed: u64) -> Vec<(String, Vec<Vec<usize>>)> {
    let persons = column_text(p, "person_id");
    let mut ids: Vec<String> = persons.clone();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for (name, parts) in [
        ("1 part", 1),
        ("7 parts", 7),
        ("64 parts", 64),
        ("one person per part", 0),
    ] {
        let assign: BTreeMap<&str, usize> = if parts == 0 {
            ids.iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect()
        } else {
            let split = random_split(ids.len(), parts, seed);
            let mut m = BTreeMap::new();
            for (k, rows) in split.iter().enumerate() {
                for &r in rows {
                    m.insert(ids[r].as_str(), k);
                }
            }
            m
        };
        let n = assign.values().max().map_or(0, |m| m + 1);
        let mut rows = vec![Vec::new(); n];
        for (i, person) in persons.iter().enumerate() {
            rows[assign[person.as_str()]].push(i);
        }
        out.push((name.to_owned(), rows));
    }
    out
}

fn finish(states: Vec<RecordBatch>, opts: &OapOptions, seed: u64) -> TableResult {
    let (_, _, population) = demo();
    let merged = merge_any(states, seed);
    let pop = input(population);
    oap::finalize(&merged, opts, Some(&pop)).unwrap()
}

#[test]
fn oap_states_finish_to_the_one_machine_measures() {
    let (d, placements, population) = demo();
    for (window, by) in [
        (Window::Month, vec!["place"]),
        (Window::Rolling3m, vec!["place", "sending_org"]),
        (Window::Rolling12m, vec![]),
    ] {
        let opts = options(window, &by);
        let pop = input(population);
        let population = (!by.is_empty()).then_some(&pop);
        let one = oap::measures(
            &input(placements),
            &opts,
            population,
            Some(&input(&d.admissions)),
        )
        .unwrap();
        assert!(one.table.num_rows() > 30);
        let mut keys: Vec<&str> = by.clone();
        keys.push("period_end");
        let adm_parts = random_split(d.admissions.num_rows(), 5, 3);
        for (name, parts) in person_splits(placements, 17) {
            let mut states: Vec<RecordBatch> = parts
                .iter()
                .map(|rows| oap::state(Some(&input(&take(placements, rows))), &opts, None).unwrap())
                .collect();
            states.extend(adm_parts.iter().map(|rows| {
                oap::state(None, &opts, Some(&input(&take(&d.admissions, rows)))).unwrap()
            }));
            for trial in 0..2 {
                let merged = merge_any(states.clone(), 100 + trial);
                let r = oap::finalize(&merged, &opts, population).unwrap();
                assert_same(
                    &format!("oap {window} {by:?}, {name}, merge {trial}"),
                    &one,
                    &r,
                    &keys,
                );
            }
        }
    }
}

#[test]
fn placements_and_admissions_in_one_state_and_groups_only_in_admissions() {
    let (d, placements, _) = demo();
    let opts = options(Window::Rolling3m, &["place"]);
    // Drop every placement from one place: that place is then only in the admissions.
    let places = column_text(placements, "place");
    let keep: Vec<usize> = (0..places.len())
        .filter(|&i| places[i] != "Medway and Swale")
        .collect();
    let p = take(placements, &keep);
    let one = oap::measures(&input(&p), &opts, None, Some(&input(&d.admissions))).unwrap();
    let medway = column_text(&one.table, "place")
        .iter()
        .filter(|s| *s == "Medway and Swale")
        .count();
    assert!(medway > 0, "Medway has rows from its admissions");
    // Two parts of the people (a person's placements together: the overlap rule needs them).
    let halves = person_splits(&p, 5).swap_remove(1).1;
    let halves = [halves[..3].concat(), halves[3..].concat()];
    let adm = random_split(d.admissions.num_rows(), 2, 6);
    let states = vec![
        oap::state(
            Some(&input(&take(&p, &halves[0]))),
            &opts,
            Some(&input(&take(&d.admissions, &adm[0]))),
        )
        .unwrap(),
        oap::state(
            Some(&input(&take(&p, &halves[1]))),
            &opts,
            Some(&input(&take(&d.admissions, &adm[1]))),
        )
        .unwrap(),
    ];
    let r = finish(states.clone(), &opts, 1);
    let without_pop = oap::finalize(&merge_states(&states).unwrap(), &opts, None).unwrap();
    assert_same(
        "admissions only groups",
        &one,
        &without_pop,
        &["place", "period_end"],
    );
    assert!(r.table.schema().field_with_name("rate_started").is_ok());
    // The generic finish (no population) is the same table.
    let generic = state::finalize(&merge_states(&states).unwrap()).unwrap();
    assert_same("generic", &one, &generic, &["place", "period_end"]);
}

fn field_names(batch: &RecordBatch) -> Vec<String> {
    batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// `batch` with a copy of its column `from` named `to` (added at the end).
fn with_column_as(batch: &RecordBatch, from: &str, to: &str) -> RecordBatch {
    append_column(batch, to, batch.column_by_name(from).unwrap().clone()).unwrap()
}

/// Breakdowns named as the state's own columns (`reason`, the diagnostics' column; `month`,
/// a key of the month rows) are stored under the prefix `by_` (`by_reason`), and one
/// already starting with it under one more (`by_reason` as `by_by_reason`); the finished
/// state names them as the input does and equals the one-machine measures.
#[test]
fn breakdowns_named_as_state_columns() {
    let (_, placements, _) = demo();
    let p = with_column_as(
        &with_column_as(placements, "sending_org", "month"),
        "place",
        "by_reason",
    );
    let by = ["reason", "month", "by_reason"];
    let opts = options(Window::Rolling3m, &by);
    let one = oap::measures(&input(&p), &opts, None, None).unwrap();
    assert_eq!(field_names(&one.table)[..3], by);
    let mut keys = by.to_vec();
    keys.push("period_end");
    for (name, parts) in person_splits(&p, 23) {
        let states: Vec<RecordBatch> = parts
            .iter()
            .map(|rows| oap::state(Some(&input(&take(&p, rows))), &opts, None).unwrap())
            .collect();
        let stored = field_names(&states[0]);
        assert_eq!(stored[1..4], ["by_reason", "by_month", "by_by_reason"]);
        let merged = merge_any(states, 31);
        let r = oap::finalize(&merged, &opts, None).unwrap();
        assert_same(&format!("by {by:?}, {name}"), &one, &r, &keys);
        let generic = state::finalize(&merged).unwrap();
        assert_same(&format!("generic, {name}"), &one, &generic, &keys);
    }
}

#[test]
fn costs_are_whole_pence() {
    let (_, placements, _) = demo();
    let opts = options(Window::Month, &[]);
    let r = oap::measures(&input(placements), &opts, None, None).unwrap();
    let cost = r
        .table
        .column_by_name("cost")
        .unwrap()
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap()
        .clone();
    let mut seen = 0;
    for i in 0..cost.len() {
        if cost.is_valid(i) {
            let pence = cost.value(i) * 100.0;
            assert!((pence - pence.round()).abs() < 1e-6, "{}", cost.value(i));
            seen += 1;
        }
    }
    assert!(seen > 10);
}

#[test]
fn bad_states_are_errors() {
    let (_, placements, _) = demo();
    let opts = options(Window::Month, &["place"]);
    let s = oap::state(Some(&input(placements)), &opts, None).unwrap();
    let mut other = opts.clone();
    other.window = Window::Rolling3m;
    let t = oap::state(Some(&input(placements)), &other, None).unwrap();
    let e = merge_states(&[s.clone(), t]).unwrap_err();
    assert!(e.to_string().contains("other options"), "{e}");
    let e = oap::finalize(&s, &other, None).unwrap_err();
    assert_eq!(e.argument(), Some("options"));
    assert!(oap::state(None, &opts, None).is_err());
    // A breakdown column named like a result column: the state keeps it (`started` is a
    // column of the state too, so it is stored as `by_started`), and finishing it gives the
    // one-machine error.
    let renamed = with_column_as(placements, "place", "started");
    let by_started = options(Window::Month, &["started"]);
    let e = oap::measures(&input(&renamed), &by_started, None, None).unwrap_err();
    assert_eq!(e.argument(), Some("by"), "{e}");
    let st = oap::state(Some(&input(&renamed)), &by_started, None).unwrap();
    assert_eq!(st.schema().field(1).name(), "by_started");
    let f = oap::finalize(&st, &by_started, None).unwrap_err();
    assert_eq!(f.to_string(), e.to_string());
    // Missing a required placements column: the one-machine error.
    let keep: Vec<usize> = (0..placements.num_columns())
        .filter(|&i| placements.schema().field(i).name() != "reason")
        .collect();
    let e = oap::state(
        Some(&input(&placements.project(&keep).unwrap())),
        &opts,
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingColumn);
    assert_eq!(
        oap::state_schema(&opts, &[Field::new("place", DataType::Utf8, true)])
            .unwrap()
            .fields(),
        s.schema().fields()
    );
}
