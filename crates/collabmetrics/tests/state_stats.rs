//! Mergeable states of the distance summary, DSR, ISR and mean: any split of the input (one
//! part, 7 and 64 random parts, one group per part), each part's state merged with the others
//! in any order and tree, finishes to the one-machine table bit for bit.

mod state_support;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use collabmetrics::distance::{self, NullPolicy, SummaryTableOptions};
use collabmetrics::rng::Rng;
use collabmetrics::state::{self, merge_states};
use collabmetrics::stats::{self, DsrTableOptions, IsrKind, IsrTableOptions, MeanTableOptions};
use collabmetrics::ErrorKind;
use state_support::*;
use std::sync::Arc;

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

/// Places with a null among them, so that a null key is a group too.
fn place(rng: &mut Rng) -> Option<String> {
    match rng.next_u64() % 5 {
        0 => None,
        k => Some(["Dover", "Medway", "Thanet", "Ashford"][k as usize - 1].to_owned()),
    }
}

/// Distances with ties (tenths of a km), missing ones, and whole bed days as weights.
fn distances(n: usize, seed: u64) -> RecordBatch {
    let mut rng = Rng::new(seed, 7);
    let mut places = Vec::new();
    let mut km = Vec::new();
    let mut days = Vec::new();
    for _ in 0..n {
        places.push(place(&mut rng));
        let u = rng.uniform();
        km.push(if u < 0.05 {
            None
        } else {
            Some((-45.0 * (1.0 - rng.uniform()).ln() * 10.0).round() / 10.0)
        });
        days.push((rng.next_u64() % 60) as i64);
    }
    batch(vec![
        ("place", Arc::new(StringArray::from(places))),
        ("distance_km", Arc::new(Float64Array::from(km))),
        ("bed_days", Arc::new(Int64Array::from(days))),
    ])
}

#[test]
fn distance_summary_states_finish_to_the_one_machine_summary() {
    let t = distances(3000, 1);
    let keys = column_text(&t, "place");
    for weight in [None, Some("bed_days".to_owned())] {
        let opts = SummaryTableOptions {
            by: vec!["place".into()],
            nulls: NullPolicy::Propagate,
            weight: weight.clone(),
            ..SummaryTableOptions::default()
        };
        let one = distance::distance_summary_table(&input(&t), &opts).unwrap();
        assert!(one.diagnostics.count("missing_distance") > 0);
        check_splits(
            &format!("distance summary (weight {weight:?})"),
            &t,
            &keys,
            &["place"],
            &one,
            |b| distance::summary_state(&input(b), &opts).unwrap(),
            |s| distance::summary_finalize(s, &opts).unwrap(),
            11,
        );
        // The generic finish reads the options from the state.
        let s = distance::summary_state(&input(&t), &opts).unwrap();
        assert_same(
            "generic finish",
            &one,
            &state::finalize(&s).unwrap(),
            &["place"],
        );
    }
}

#[test]
fn a_group_whose_every_distance_is_missing_keeps_its_row() {
    let t = batch(vec![
        ("g", Arc::new(StringArray::from(vec!["a", "b", "a"]))),
        (
            "distance_km",
            Arc::new(Float64Array::from(vec![Some(3.0), None, Some(4.0)])),
        ),
    ]);
    let opts = SummaryTableOptions {
        by: vec!["g".into()],
        nulls: NullPolicy::Propagate,
        ..SummaryTableOptions::default()
    };
    let one = distance::distance_summary_table(&input(&t), &opts).unwrap();
    // Part 1 holds only the missing distance of group b.
    let parts = [take(&t, &[1]), take(&t, &[0, 2])];
    let states: Vec<_> = parts
        .iter()
        .map(|p| distance::summary_state(&input(p), &opts).unwrap())
        .collect();
    let merged = distance::summary_finalize(&merge_states(&states).unwrap(), &opts).unwrap();
    assert_same("empty group", &one, &merged, &["g"]);
    assert_eq!(merged.table.num_rows(), 2);
}

#[test]
fn state_weights_must_be_whole() {
    let t = batch(vec![
        ("distance_km", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
        ("w", Arc::new(Float64Array::from(vec![1.0, 2.5]))),
    ]);
    let opts = SummaryTableOptions {
        weight: Some("w".into()),
        ..SummaryTableOptions::default()
    };
    let e = distance::summary_state(&input(&t), &opts).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("w"), Some(1)), "{e}");
    // The one-machine summary takes fractional weights.
    assert!(distance::distance_summary_table(&input(&t), &opts).is_ok());

    // Whole weights whose squares pass 2^53 (2^27 squared is 2^54) would not add exactly:
    // a limit error naming the weight, never a saturated Int64.
    let big = batch(vec![
        ("distance_km", Arc::new(Float64Array::from(vec![1.0, 1.0]))),
        ("w", Arc::new(Float64Array::from(vec![1.0, 134_217_728.0]))),
    ]);
    let e = distance::summary_state(&input(&big), &opts).unwrap_err();
    assert_eq!(
        (e.kind(), e.argument()),
        (collabmetrics::ErrorKind::LimitExceeded, Some("weight")),
        "{e}"
    );
    assert!(distance::distance_summary_table(&input(&big), &opts).is_ok());
}

/// Counts and populations of every ESP band for areas × sex, rows in a random order.
fn dsr_input(seed: u64) -> RecordBatch {
    let mut rng = Rng::new(seed, 3);
    let bands = stats::StandardPopulation::default();
    let (mut area, mut sex, mut band, mut count, mut pop) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for a in 0..12 {
        for s in ["1", "2"] {
            for b in 0..bands.len() {
                area.push(format!("E{a:02}"));
                sex.push(s);
                band.push(bands.label(b));
                count.push((rng.next_u64() % 40) as i64);
                pop.push(500 + (rng.next_u64() % 5000) as i64);
            }
        }
    }
    let t = batch(vec![
        ("area", Arc::new(StringArray::from(area))),
        ("sex", Arc::new(StringArray::from(sex))),
        ("age_band", Arc::new(StringArray::from(band))),
        ("count", Arc::new(Int64Array::from(count))),
        ("population", Arc::new(Int64Array::from(pop))),
    ]);
    let mut order: Vec<usize> = (0..t.num_rows()).collect();
    shuffle(&mut order, &mut rng);
    take(&t, &order)
}

#[test]
fn dsr_states_finish_to_the_one_machine_rates() {
    let t = dsr_input(5);
    let opts = DsrTableOptions {
        by: vec!["area".into(), "sex".into()],
        ..DsrTableOptions::default()
    };
    let one = stats::dsr_table(&input(&t), &opts).unwrap();
    let keys: Vec<String> = column_text(&t, "area");
    check_splits(
        "dsr",
        &t,
        &keys,
        &["area", "sex"],
        &one,
        |b| stats::dsr_state(&input(b), &opts).unwrap(),
        |s| stats::dsr_finalize(s, &opts).unwrap(),
        21,
    );
}

#[test]
fn a_band_given_twice_across_partitions_is_the_one_machine_error() {
    let t = dsr_input(6);
    let opts = DsrTableOptions {
        by: vec!["area".into(), "sex".into()],
        ..DsrTableOptions::default()
    };
    // The first row again, in another partition.
    let a = stats::dsr_state(&input(&t), &opts).unwrap();
    let b = stats::dsr_state(&input(&take(&t, &[0])), &opts).unwrap();
    let e = stats::dsr_finalize(&merge_states(&[a, b]).unwrap(), &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidGroup, "{e}");
    assert!(e.to_string().contains("appears in 2 rows"), "{e}");
    // A band missing from every partition is the one-machine error too.
    let rest: Vec<usize> = (1..t.num_rows()).collect();
    let s = stats::dsr_state(&input(&take(&t, &rest)), &opts).unwrap();
    let e = stats::dsr_finalize(&s, &opts).unwrap_err();
    let one = stats::dsr_table(&input(&take(&t, &rest)), &opts).unwrap_err();
    assert_eq!(e.to_string(), one.to_string());
}

fn isr_input(seed: u64) -> RecordBatch {
    let mut rng = Rng::new(seed, 4);
    let (mut area, mut count, mut pop, mut rc, mut rp) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for a in 0..15 {
        for b in 0..10 {
            // Two rows of one band now and then: they share a stratum.
            for _ in 0..(1 + usize::from(rng.next_u64().is_multiple_of(4))) {
                area.push(if a == 3 {
                    None
                } else {
                    Some(format!("E{a:02}"))
                });
                count.push((rng.next_u64() % 30) as f64);
                pop.push((1000 + rng.next_u64() % 9000) as f64);
                rc.push(f64::from(40 + 13 * b));
                rp.push(f64::from(70_000 + 977 * b));
            }
        }
    }
    batch(vec![
        ("area", Arc::new(StringArray::from(area))),
        ("count", Arc::new(Float64Array::from(count))),
        ("population", Arc::new(Float64Array::from(pop))),
        ("reference_count", Arc::new(Float64Array::from(rc))),
        ("reference_population", Arc::new(Float64Array::from(rp))),
    ])
}

#[test]
fn isr_states_finish_to_the_one_machine_ratios_and_rates() {
    let t = isr_input(8);
    let keys = column_text(&t, "area");
    for kind in [IsrKind::Ratio, IsrKind::Rate] {
        let mut opts = IsrTableOptions {
            by: vec!["area".into()],
            ..IsrTableOptions::default()
        };
        opts.options.kind = kind;
        let one = stats::isr_table(&input(&t), &opts).unwrap();
        check_splits(
            &format!("isr {kind}"),
            &t,
            &keys,
            &["area"],
            &one,
            |b| stats::isr_state(&input(b), &opts).unwrap(),
            |s| stats::isr_finalize(s, &opts).unwrap(),
            31,
        );
    }
}

#[test]
fn mean_states_finish_to_the_one_machine_means() {
    let mut rng = Rng::new(9, 5);
    let n = 4000;
    let mut g = Vec::new();
    let mut v = Vec::new();
    for _ in 0..n {
        g.push(place(&mut rng));
        // Lengths of stay in days (many ties) and a few large nearly equal values.
        v.push(if rng.uniform() < 0.1 {
            1.0e9 + (rng.next_u64() % 7) as f64 * 0.1
        } else {
            (-20.0 * (1.0 - rng.uniform()).ln()).floor()
        });
    }
    let t = batch(vec![
        ("place", Arc::new(StringArray::from(g))),
        ("value", Arc::new(Float64Array::from(v))),
    ]);
    let opts = MeanTableOptions {
        by: vec!["place".into()],
        ..MeanTableOptions::default()
    };
    let one = stats::mean_table(&input(&t), &opts).unwrap();
    let keys = column_text(&t, "place");
    check_splits(
        "mean",
        &t,
        &keys,
        &["place"],
        &one,
        |b| stats::mean_state(&input(b), &opts).unwrap(),
        |s| stats::mean_finalize(s, &opts).unwrap(),
        41,
    );
}

#[test]
fn states_of_other_options_or_columns_do_not_merge_or_finish() {
    let t = distances(200, 2);
    let opts = SummaryTableOptions {
        by: vec!["place".into()],
        nulls: NullPolicy::Propagate,
        ..SummaryTableOptions::default()
    };
    let mut other = opts.clone();
    other.options.threshold = 40.0;
    let a = distance::summary_state(&input(&t), &opts).unwrap();
    let b = distance::summary_state(&input(&t), &other).unwrap();
    // Other options: the fingerprints differ.
    let e = merge_states(&[a.clone(), b.clone()]).unwrap_err();
    assert_eq!(e.argument(), Some("states"));
    assert!(
        e.to_string()
            .contains("state 1 was built with other options"),
        "{e}"
    );
    let e = distance::summary_finalize(&a, &other).unwrap_err();
    assert_eq!(e.argument(), Some("options"), "{e}");
    // Another kind.
    let m = stats::mean_state(
        &input(&batch(vec![(
            "value",
            Arc::new(Float64Array::from(vec![1.0, 2.0])),
        )])),
        &MeanTableOptions::default(),
    )
    .unwrap();
    let e = merge_states(&[a.clone(), m.clone()]).unwrap_err();
    assert!(e.to_string().contains("state 1 is a mean state"), "{e}");
    let e = distance::summary_finalize(&m, &opts).unwrap_err();
    assert!(
        e.to_string().contains("a mean state cannot be finished"),
        "{e}"
    );
    // A state missing a column.
    let keep: Vec<usize> = (0..a.num_columns())
        .filter(|&i| a.schema().field(i).name() != "records")
        .collect();
    let missing = a.project(&keep).unwrap();
    let e = merge_states(&[a.clone(), missing.clone()]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingColumn, "{e}");
    assert_eq!((e.table(), e.column()), (Some("state 1"), Some("records")));
    let e = distance::summary_finalize(&missing, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingColumn, "{e}");
    // Not a state at all.
    let e = merge_states(std::slice::from_ref(&t)).unwrap_err();
    assert!(e.to_string().contains("not a collabmetrics state"), "{e}");
    assert!(merge_states(&[]).is_err());
    // A column of another type.
    let fields: Vec<Field> = a
        .schema()
        .fields()
        .iter()
        .map(|f| {
            if f.name() == "records" {
                Field::new("records", DataType::Float64, true).with_metadata(f.metadata().clone())
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let cols: Vec<ArrayRef> = a
        .columns()
        .iter()
        .zip(a.schema().fields())
        .map(|(c, f)| {
            if f.name() == "records" {
                arrow_select::take::take(
                    &Float64Array::from(vec![1.0; c.len()]),
                    &arrow_array::UInt32Array::from((0..c.len() as u32).collect::<Vec<_>>()),
                    None,
                )
                .unwrap()
            } else {
                c.clone()
            }
        })
        .collect();
    let typed = RecordBatch::try_new(
        Arc::new(Schema::new_with_metadata(
            fields,
            a.schema().metadata().clone(),
        )),
        cols,
    )
    .unwrap();
    let e = merge_states(&[a.clone(), typed.clone()]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ColumnType, "{e}");
    assert_eq!((e.table(), e.column()), (Some("state 1"), Some("records")));
    let e = distance::summary_finalize(&typed, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ColumnType, "{e}");
}

#[test]
fn every_state_column_names_its_merge_and_schemas_depend_on_options_only() {
    let t = distances(100, 3);
    let opts = SummaryTableOptions {
        by: vec!["place".into()],
        nulls: NullPolicy::Propagate,
        ..SummaryTableOptions::default()
    };
    let s = distance::summary_state(&input(&t), &opts).unwrap();
    for f in s.schema().fields() {
        let m = f.metadata().get(state::MERGE_KEY).map(String::as_str);
        assert!(matches!(m, Some("key" | "sum" | "max")), "{}", f.name());
        if m != Some("key") {
            assert_eq!(f.data_type(), &DataType::Int64, "{}", f.name());
        }
    }
    let empty = distance::summary_state(&input(&t.slice(0, 0)), &opts).unwrap();
    assert_eq!(empty.num_rows(), 0);
    assert_eq!(empty.schema(), s.schema());
    let by = [Field::new("place", DataType::Utf8, true)];
    assert_eq!(
        distance::summary_state_schema(&opts, &by).unwrap().as_ref(),
        s.schema().as_ref()
    );
    assert_eq!(
        state::kind_of(&s.schema()).unwrap(),
        state::StateKind::DistanceSummary
    );
}

#[test]
fn merged_dictionary_keys_keep_each_value_once() {
    // Two partitions' categorical keys with their own dictionaries, ["a"] and ["a", "b"] (as
    // pandas reads partitioned Parquet): the merged state's dictionary holds "a" and "b" once.
    use arrow_array::{cast::AsArray, types::Int32Type, DictionaryArray};
    let part = |keys: Vec<&str>, values: Vec<f64>| {
        let dict: DictionaryArray<Int32Type> = keys.into_iter().collect();
        batch(vec![
            ("g", Arc::new(dict) as ArrayRef),
            ("value", Arc::new(Float64Array::from(values))),
        ])
    };
    let opts = MeanTableOptions {
        by: vec!["g".into()],
        ..MeanTableOptions::default()
    };
    let states: Vec<_> = [
        part(vec!["a", "a"], vec![1.0, 2.0]),
        part(vec!["a", "b", "b"], vec![3.0, 4.0, 5.0]),
    ]
    .iter()
    .map(|b| stats::mean_state(&input(b), &opts).unwrap())
    .collect();
    let merged = merge_states(&states).unwrap();
    let g = merged.column_by_name("g").unwrap().as_any_dictionary();
    let mut values: Vec<String> = (0..g.values().len())
        .map(|i| g.values().as_string::<i32>().value(i).to_owned())
        .collect();
    values.sort();
    assert_eq!(values, ["a", "b"]);
    // Means 2 (1, 2, 3) and 4.5 (4, 5).
    let r = stats::mean_finalize(&merged, &opts).unwrap();
    let value = r.table.column_by_name("value").unwrap();
    let value = value.as_primitive::<arrow_array::types::Float64Type>();
    assert_eq!(value.values().to_vec(), [2.0, 4.5]);
}

/// A categorical key with no values in its dictionary (an empty partition, or one whose every
/// key is missing: a pandas category of NaNs) is the null group, merged and finished, not a
/// panic in arrow's `normalized_keys` (an audit's InternalError in every state kind).
#[test]
fn a_dictionary_key_without_values_is_the_null_group() {
    use arrow_array::{cast::AsArray, types::Int32Type, Array, DictionaryArray, Int32Array};
    let no_values = |rows: usize| -> ArrayRef {
        Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                Int32Array::from(vec![None; rows]),
                Arc::new(StringArray::from(Vec::<&str>::new())),
            )
            .unwrap(),
        )
    };
    let opts = MeanTableOptions {
        by: vec!["g".into()],
        ..MeanTableOptions::default()
    };
    let states: Vec<_> = [
        batch(vec![
            ("g", no_values(2)),
            ("value", Arc::new(Float64Array::from(vec![1.0, 3.0]))),
        ]),
        batch(vec![
            ("g", no_values(0)),
            ("value", Arc::new(Float64Array::from(Vec::<f64>::new()))),
        ]),
    ]
    .iter()
    .map(|b| stats::mean_state(&input(b), &opts).unwrap())
    .collect();
    for s in [states[0].clone(), merge_states(&states).unwrap()] {
        let r = stats::mean_finalize(&s, &opts).unwrap();
        let value = r.table.column_by_name("value").unwrap();
        let value = value.as_primitive::<arrow_array::types::Float64Type>();
        assert_eq!(value.values().to_vec(), [2.0]);
        assert!(r.table.column_by_name("g").unwrap().is_null(0));
    }
}

#[test]
fn an_altered_negative_count_is_refused() {
    // A mean state whose `records` count was set to −1 would finish to another mean.
    let t = batch(vec![(
        "value",
        Arc::new(Float64Array::from(vec![1.0, 2.0, 5.0])),
    )]);
    let opts = MeanTableOptions::default();
    let s = stats::mean_state(&input(&t), &opts).unwrap();
    let i = s.schema().index_of("records").unwrap();
    let mut records: Vec<Option<i64>> = s
        .column(i)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap()
        .iter()
        .collect();
    let row = records.iter().position(Option::is_some).unwrap();
    records[row] = Some(-1);
    let mut columns = s.columns().to_vec();
    columns[i] = Arc::new(Int64Array::from(records));
    let altered = RecordBatch::try_new(s.schema(), columns).unwrap();
    let e = stats::mean_finalize(&altered, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCell, "{e}");
    assert!(
        e.to_string().contains("records") && e.to_string().contains(">= 0"),
        "{e}"
    );
}

#[test]
fn a_row_of_an_unknown_part_is_refused_not_left_out() {
    // A mean state's `group` rows renamed `groups` by hand: finishing it would leave them out
    // of the result (a mean of nothing), so the state is refused at the first such row.
    let t = batch(vec![(
        "value",
        Arc::new(Float64Array::from(vec![1.0, 2.0, 5.0])),
    )]);
    let opts = MeanTableOptions::default();
    let s = stats::mean_state(&input(&t), &opts).unwrap();
    let parts: Vec<String> = arrow_array::cast::AsArray::as_string::<i32>(s.column(0))
        .iter()
        .map(|p| p.unwrap().to_owned())
        .collect();
    let row = parts.iter().position(|p| p == "group").unwrap();
    let renamed: Vec<String> = parts.iter().map(|p| p.replace("group", "groups")).collect();
    let mut columns = s.columns().to_vec();
    columns[0] = Arc::new(StringArray::from(renamed));
    let altered = RecordBatch::try_new(s.schema(), columns).unwrap();
    let e = stats::mean_finalize(&altered, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCell, "{e}");
    let text = e.to_string();
    assert!(text.contains("`part`") || text.contains("part"), "{text}");
    assert!(text.contains("groups"), "{text}");
    assert!(text.contains(&format!("row {row}")), "{text}");
    assert!(text.contains("group, diagnostic, input"), "{text}");
}
