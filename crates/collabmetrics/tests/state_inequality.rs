//! Mergeable states of the individual inequality indices: exact states finish to the
//! one-machine indices bit for bit under any split and merge order (and to the slice
//! functions: `gini` and the share ratio bit for bit, the entropy family, which the slice
//! functions sum straight from the unsorted values, to 1e-13 relative); binned states to
//! within the bound they state.

mod state_support;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use collabmetrics::inequality::{
    self, individual_finalize, individual_state, individual_table, IndividualMeasure,
    IndividualTableOptions,
};
use collabmetrics::rng::Rng;
use state_support::*;
use std::sync::Arc;

fn incomes(n: usize, seed: u64) -> RecordBatch {
    let mut rng = Rng::new(seed, 9);
    let (mut g, mut v, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        g.push(["north", "south", "east"][(rng.next_u64() % 3) as usize]);
        // Log-normal-ish incomes in pounds, rounded (ties), all > 0.
        let z: f64 = (0..6).map(|_| rng.uniform()).sum::<f64>() - 3.0;
        v.push((20_000.0 * (0.6 * z).exp()).round());
        w.push(1 + (rng.next_u64() % 5) as i64);
    }
    let fields = vec![
        Field::new("region", arrow_schema::DataType::Utf8, true),
        Field::new("income", arrow_schema::DataType::Float64, true),
        Field::new("people", arrow_schema::DataType::Int64, true),
    ];
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(g)),
        Arc::new(Float64Array::from(v)),
        Arc::new(Int64Array::from(w)),
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

#[test]
fn exact_states_finish_to_the_one_machine_indices() {
    let t = incomes(3000, 1);
    let keys = column_text(&t, "region");
    for weight in [None, Some("people".to_owned())] {
        let opts = IndividualTableOptions {
            value: "income".into(),
            weight: weight.clone(),
            by: vec!["region".into()],
            ..IndividualTableOptions::default()
        };
        let one = individual_table(&input(&t), &opts).unwrap();
        assert_eq!(one.table.num_rows(), 3 * opts.measures.len());
        check_splits(
            &format!("inequality (weight {weight:?})"),
            &t,
            &keys,
            &["region", "measure", "parameter"],
            &one,
            |b| individual_state(&input(b), &opts).unwrap(),
            |s| individual_finalize(s, &opts).unwrap(),
            51,
        );
    }
}

#[test]
fn the_table_is_the_slice_functions_bit_for_bit() {
    let t = incomes(500, 2);
    let opts = IndividualTableOptions {
        value: "income".into(),
        ..IndividualTableOptions::default()
    };
    let one = individual_table(&input(&t), &opts).unwrap();
    let values: Vec<f64> = t
        .column(1)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap()
        .values()
        .to_vec();
    let got = one
        .table
        .column_by_name("value")
        .unwrap()
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap()
        .clone();
    for (i, m) in opts.measures.iter().enumerate() {
        let expected = m.compute(&values, None).unwrap();
        match m {
            IndividualMeasure::Gini | IndividualMeasure::ShareRatio(_) => {
                assert_eq!(got.value(i).to_bits(), expected.to_bits(), "{m:?}")
            }
            // The slice functions sum the entropy family straight from the unsorted values
            // (parallel, a logarithm of stated error): the same terms in another order.
            _ => {
                let rel = ((got.value(i) - expected) / expected).abs();
                assert!(rel < 1e-13, "{m:?}: {} vs {expected}", got.value(i));
            }
        }
    }
    assert_eq!(
        got.value(0),
        inequality::gini(&values, None, false).unwrap().gini
    );
}

#[test]
fn binned_gini_is_within_its_bound_of_the_exact_gini_under_any_split() {
    let t = incomes(4000, 3);
    let keys = column_text(&t, "region");
    let exact_opts = IndividualTableOptions {
        value: "income".into(),
        by: vec!["region".into()],
        measures: vec![IndividualMeasure::Gini],
        ..IndividualTableOptions::default()
    };
    let exact = individual_table(&input(&t), &exact_opts).unwrap();
    let opts = IndividualTableOptions {
        bin_width: Some(2500.0),
        ..exact_opts.clone()
    };
    let one = individual_table(&input(&t), &opts).unwrap();
    let col = |r: &collabmetrics::table::TableResult, name: &str| -> Vec<f64> {
        r.table
            .column_by_name(name)
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .values()
            .to_vec()
    };
    let regions = |r: &collabmetrics::table::TableResult| column_text(&r.table, "region");
    let (g, b) = (col(&one, "value"), col(&one, "bound"));
    let e = col(&exact, "value");
    assert_eq!(regions(&one), regions(&exact));
    for i in 0..g.len() {
        assert!(b[i] > 0.0 && b[i] < 0.01, "bound {}", b[i]);
        assert!(
            (g[i] - e[i]).abs() <= b[i] + 1e-12,
            "{} vs {} ± {}",
            g[i],
            e[i],
            b[i]
        );
    }
    for (name, parts) in splits(t.num_rows(), &keys, 61) {
        let states: Vec<RecordBatch> = parts
            .iter()
            .map(|rows| individual_state(&input(&take(&t, rows)), &opts).unwrap())
            .collect();
        let merged = individual_finalize(&merge_any(states, 7), &opts).unwrap();
        let order = regions(&merged);
        let (gm, bm) = (col(&merged, "value"), col(&merged, "bound"));
        for (i, r) in order.iter().enumerate() {
            let j = regions(&exact).iter().position(|x| x == r).unwrap();
            // The bound is exact arithmetic on whole counts; the value moves only with the
            // rounding of the float sums.
            assert!((gm[i] - e[j]).abs() <= bm[i] + 1e-12, "{name}: {r}");
            assert!((gm[i] - g[j]).abs() <= 1e-12, "{name}: {r}");
        }
    }
}

#[test]
fn bad_options_and_values_are_errors() {
    let t = incomes(50, 4);
    let base = IndividualTableOptions {
        value: "income".into(),
        ..IndividualTableOptions::default()
    };
    let binned_theil = IndividualTableOptions {
        bin_width: Some(10.0),
        ..base.clone()
    };
    let e = individual_state(&input(&t), &binned_theil).unwrap_err();
    assert_eq!(e.argument(), Some("measures"), "{e}");
    let corrected = IndividualTableOptions {
        corrected: true,
        weight: Some("people".into()),
        ..base.clone()
    };
    assert_eq!(
        individual_table(&input(&t), &corrected)
            .unwrap_err()
            .argument(),
        Some("corrected")
    );
    // A zero value for the MLD names its row and column.
    let mut v = vec![5.0; 10];
    v[7] = 0.0;
    let z = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "income",
            arrow_schema::DataType::Float64,
            false,
        )])),
        vec![Arc::new(Float64Array::from(v)) as ArrayRef],
    )
    .unwrap();
    let e = individual_state(&input(&z), &base).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("income"), Some(7)), "{e}");
    // Whole weights only in a state.
    let fw = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("income", arrow_schema::DataType::Float64, false),
            Field::new("w", arrow_schema::DataType::Float64, false),
        ])),
        vec![
            Arc::new(Float64Array::from(vec![1.0, 2.0])) as ArrayRef,
            Arc::new(Float64Array::from(vec![1.0, 0.5])) as ArrayRef,
        ],
    )
    .unwrap();
    let w = IndividualTableOptions {
        weight: Some("w".into()),
        measures: vec![IndividualMeasure::Gini],
        ..base.clone()
    };
    let e = individual_state(&input(&fw), &w).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("w"), Some(1)), "{e}");
    assert!(individual_table(&input(&fw), &w).is_ok());
}

/// Record counts of a state are another engine's numbers: four rows of 2^62 records sum
/// beyond a signed 64-bit integer, which is the merge's `limit_exceeded` error, not a panic
/// (debug) or a wrapped count (release), for the distance summary's state as for this one.
#[test]
fn record_counts_summing_beyond_64_bits_are_an_error() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use arrow_array::Array;
    use collabmetrics::state::{build, finalize, StateKind};
    let b = RecordBatch::try_from_iter([
        (
            "distance_km",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 60.0, 70.0])) as ArrayRef,
        ),
        (
            "value",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 60.0, 70.0])) as ArrayRef,
        ),
    ])
    .unwrap();
    let input = collabmetrics::table::Input::new(b.schema(), &[b], Default::default()).unwrap();
    for kind in [StateKind::DistanceSummary, StateKind::Inequality] {
        let (state, _) = build(kind, &[Some(&input)], "{}", false).unwrap();
        let i = state.schema().index_of("records").unwrap();
        let mut columns = state.columns().to_vec();
        let records = columns[i].as_primitive::<Int64Type>();
        columns[i] = Arc::new(
            (0..records.len())
                .map(|r| records.is_valid(r).then_some(1i64 << 62))
                .collect::<Int64Array>(),
        );
        let big = RecordBatch::try_new(state.schema(), columns).unwrap();
        let e = finalize(&big).expect_err("an error");
        assert_eq!(
            e.kind(),
            collabmetrics::ErrorKind::LimitExceeded,
            "{kind:?}: {e}"
        );
        assert_eq!(e.argument(), Some("records"), "{kind:?}: {e}");
    }
}
