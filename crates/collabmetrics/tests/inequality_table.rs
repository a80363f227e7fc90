//! The inequality table entry point: one row per (by-group, measure), equal to the kernels.

use arrow_array::{
    cast::AsArray, types::Float64Type, Array, ArrayRef, Float64Array, Int64Array, RecordBatch,
    StringArray,
};
use collabmetrics::inequality::{
    heat_measure, measures_table, Favourable, HeatOptions, Measure, MeasuresTableOptions, Subgroup,
};
use collabmetrics::table::{ColumnMap, Input};
use std::sync::Arc;

/// Two areas × five deciles; area B's values are twice area A's.
fn batch(population_b3: Option<f64>) -> RecordBatch {
    let mut area = vec![];
    let mut decile = vec![];
    let mut value = vec![];
    let mut se = vec![];
    let mut pop = vec![];
    for (k, a) in ["A", "B"].iter().enumerate() {
        for d in 1..=5i64 {
            area.push(*a);
            decile.push(d);
            let f = (k + 1) as f64;
            value.push(f * (10.0 + 5.0 * d as f64));
            se.push(f * (1.0 + 0.2 * d as f64));
            pop.push(if k == 1 && d == 3 {
                population_b3
            } else {
                Some(1000.0 + 100.0 * d as f64)
            });
        }
    }
    RecordBatch::try_from_iter(vec![
        ("area", Arc::new(StringArray::from(area)) as ArrayRef),
        ("imd_decile", Arc::new(Int64Array::from(decile)) as ArrayRef),
        ("rate", Arc::new(Float64Array::from(value)) as ArrayRef),
        ("rate_se", Arc::new(Float64Array::from(se)) as ArrayRef),
        ("pop", Arc::new(Float64Array::from(pop)) as ArrayRef),
    ])
    .unwrap()
}

fn input(b: RecordBatch) -> Input {
    let map = ColumnMap::new()
        .with("subgroup", "imd_decile")
        .with("value", "rate")
        .with("se", "rate_se")
        .with("population", "pop")
        .with("order", "imd_decile");
    Input::new(b.schema(), &[b], map).unwrap()
}

fn options() -> MeasuresTableOptions {
    MeasuresTableOptions {
        by: vec!["area".into()],
        se: Some("se".into()),
        order: Some("order".into()),
        options: HeatOptions {
            favourable: Some(Favourable::High),
            scale: Some(100.0),
            reps: 1000,
            ..HeatOptions::default()
        },
        ..MeasuresTableOptions::default()
    }
}

#[test]
fn the_direction_is_required_before_any_group_is_computed() {
    let mut o = options();
    o.options.favourable = None;
    let e = measures_table(&input(batch(Some(1300.0))), &o).unwrap_err();
    // Named as the option, not wrapped in a by-group's error.
    assert_eq!(e.kind(), collabmetrics::ErrorKind::InvalidArgument);
    assert_eq!(e.argument(), Some("favourable"));
    // Measures that do not use it run without it.
    o.measures = Some(vec![Measure::Sii, Measure::Rii, Measure::Aci]);
    assert_eq!(
        measures_table(&input(batch(Some(1300.0))), &o)
            .unwrap()
            .table
            .num_rows(),
        6
    );
}

#[test]
fn one_row_per_group_and_measure_equal_to_the_kernel() {
    let r = measures_table(&input(batch(Some(1300.0))), &options()).unwrap();
    let t = &r.table;
    let names: Vec<String> = t
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "area",
            "measure",
            "value",
            "lower",
            "upper",
            "confidence",
            "method"
        ]
    );
    // Ordered dimension: D, R, SII, RII, ACI, RCI, PAF, PAR per area (RII_MEAN on request).
    assert_eq!(t.num_rows(), 16);
    let area = t.column(0).as_string::<i32>();
    let measure = t.column(1).as_string::<i32>();
    let value = t.column(2).as_primitive::<Float64Type>();
    let lower = t.column(3).as_primitive::<Float64Type>();
    assert_eq!(area.value(0), "A");
    assert_eq!(area.value(8), "B");
    assert_eq!(measure.value(2), "SII");
    // Area A's rows equal the kernel on area A's subgroups (SII stream 64·0 + 2).
    let a: Vec<Subgroup> = (1..=5)
        .map(|d| {
            Subgroup::new(d.to_string(), 10.0 + 5.0 * d as f64)
                .se(1.0 + 0.2 * d as f64)
                .population(1000.0 + 100.0 * d as f64)
                .order(d)
        })
        .collect();
    let o = HeatOptions {
        ordered: true,
        ..options().options
    };
    for (row, m) in [(0, Measure::D), (4, Measure::Aci), (7, Measure::Par)] {
        let k = heat_measure(&a, m, &o).unwrap();
        assert_eq!(value.value(row).to_bits(), k.value.to_bits(), "{m:?}");
        assert_eq!(
            lower.value(row).to_bits(),
            k.lower.unwrap().to_bits(),
            "{m:?}"
        );
    }
    // Relative measures are equal in both areas (B = 2 × A); absolute ones double.
    for row in 0..8 {
        let (x, y) = (value.value(row), value.value(row + 8));
        match measure.value(row) {
            "R" | "RII" | "RII_MEAN" | "RCI" | "PAF" => {
                assert!((x - y).abs() < 1e-12 * x.abs(), "{}", measure.value(row))
            }
            _ => assert!(
                (2.0 * x - y).abs() < 1e-12 * y.abs(),
                "{}",
                measure.value(row)
            ),
        }
    }
    // Deterministic: a second run is identical, bit for bit.
    let again = measures_table(&input(batch(Some(1300.0))), &options()).unwrap();
    assert_eq!(r.table, again.table);
}

#[test]
fn chosen_measures_and_missing_intervals() {
    let mut o = options();
    o.measures = Some(vec![Measure::D, Measure::Sii]);
    o.options.reps = 0;
    let r = measures_table(&input(batch(Some(1300.0))), &o).unwrap();
    assert_eq!(r.table.num_rows(), 4);
    let lower = r.table.column(3);
    // D has an analytic interval; the SII without simulation has none (null, method "none").
    assert!(lower.is_valid(0));
    assert!(lower.is_null(1));
    assert_eq!(r.table.column(6).as_string::<i32>().value(1), "none");
}

#[test]
fn errors_name_the_by_group_and_subgroup() {
    let e = measures_table(&input(batch(None)), &options())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("area=B") && e.contains("3") && e.contains("population"),
        "{e}"
    );
    let e = measures_table(&input(batch(Some(-1.0))), &options())
        .unwrap_err()
        .to_string();
    assert!(e.contains("area=B") && e.contains("population"), "{e}");
    let mut o = options();
    o.order = None;
    o.measures = Some(vec![Measure::Aci]);
    let e = measures_table(&input(batch(Some(1.0))), &o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ACI"), "{e}");
}

/// A subgroup table of labels `g` (one null, at row 1), values 10, 20, 30, 40, standard
/// errors 1 and populations 100, without `by`; `rows` of it.
fn labelled(labels: Vec<Option<&str>>, rows: usize) -> (Input, MeasuresTableOptions) {
    let b = RecordBatch::try_from_iter(vec![
        ("g", Arc::new(StringArray::from(labels)) as ArrayRef),
        (
            "v",
            Arc::new(Float64Array::from(vec![10.0, 20.0, 30.0, 40.0])) as ArrayRef,
        ),
        ("se", Arc::new(Float64Array::from(vec![1.0; 4])) as ArrayRef),
        (
            "n",
            Arc::new(Float64Array::from(vec![100.0; 4])) as ArrayRef,
        ),
    ])
    .unwrap()
    .slice(0, rows);
    let map = ColumnMap::new()
        .with("subgroup", "g")
        .with("value", "v")
        .with("se", "se")
        .with("population", "n");
    let o = MeasuresTableOptions {
        se: Some("se".into()),
        measures: Some(vec![Measure::D]),
        options: HeatOptions {
            favourable: Some(Favourable::Low),
            reps: 0,
            ..HeatOptions::default()
        },
        ..MeasuresTableOptions::default()
    };
    (Input::new(b.schema(), &[b], map).unwrap(), o)
}

/// A null subgroup label is an error naming the column and row, not a subgroup called
/// "null" (which `reference = "null"` matched: D was 20).
#[test]
fn a_null_subgroup_label_is_an_error_naming_the_column_and_row() {
    let (input, mut o) = labelled(vec![Some("a"), None, Some("c"), Some("d")], 4);
    o.options.reference = Some("null".into());
    let e = measures_table(&input, &o).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("g"), Some(1)), "{e}");
    assert!(
        e.to_string().contains("a subgroup label is required"),
        "{e}"
    );
}

/// Without `by`, no rows are a table of no subgroups: the error of too few subgroups (spec:
/// fewer than two groups is an error), as one row is. With `by`, no rows are no by-groups.
#[test]
fn an_empty_table_has_too_few_subgroups() {
    let labels = vec![Some("a"), Some("b"), Some("c"), Some("d")];
    for rows in [0, 1] {
        let (input, o) = labelled(labels.clone(), rows);
        let e = measures_table(&input, &o).unwrap_err().to_string();
        assert!(
            e.contains(&format!("needs at least 2 subgroups (got {rows})")),
            "{e}"
        );
    }
    let (input, mut o) = labelled(labels, 0);
    o.by = vec!["g".into()];
    assert_eq!(measures_table(&input, &o).unwrap().table.num_rows(), 0);
}

/// Counts instead of estimates: each subgroup's value and limits come from the statistics
/// module (Wilson for proportions), so the difference D is that of the percentages.
#[test]
fn estimates_from_counts() {
    let b = RecordBatch::try_from_iter(vec![
        (
            "group",
            Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef,
        ),
        (
            "num",
            Arc::new(Int64Array::from(vec![10, 20, 35])) as ArrayRef,
        ),
        (
            "den",
            Arc::new(Int64Array::from(vec![100, 100, 100])) as ArrayRef,
        ),
        (
            "pop",
            Arc::new(Float64Array::from(vec![1000.0, 2000.0, 1000.0])) as ArrayRef,
        ),
    ])
    .unwrap();
    let inp = Input::new(b.schema(), std::slice::from_ref(&b), ColumnMap::new()).unwrap();
    let opts = MeasuresTableOptions {
        subgroup: "group".into(),
        population: "pop".into(),
        measures: Some(vec!["D".parse::<Measure>().unwrap()]),
        counts: Some(collabmetrics::inequality::Counts {
            numerator: "num".into(),
            denominator: "den".into(),
            kind: collabmetrics::inequality::CountKind::Proportion,
            multiplier: Some(100.0),
        }),
        options: HeatOptions {
            scale: Some(100.0),
            ..HeatOptions::default()
        },
        ..MeasuresTableOptions::default()
    };
    let r = measures_table(&inp, &opts).unwrap();
    let d = r
        .table
        .column_by_name("value")
        .unwrap()
        .as_primitive::<Float64Type>()
        .value(0);
    assert!((d - 25.0).abs() < 1e-12, "35% − 10% = 25 points, got {d}");
    // A numerator above its denominator names the caller's column and row.
    let bad = RecordBatch::try_new(
        b.schema(),
        vec![
            b.column(0).clone(),
            Arc::new(Int64Array::from(vec![10, 200, 35])),
            b.column(2).clone(),
            b.column(3).clone(),
        ],
    )
    .unwrap();
    let inp = Input::new(bad.schema(), &[bad], ColumnMap::new()).unwrap();
    let e = measures_table(&inp, &opts).unwrap_err().to_string();
    // Rates too: the rate kernel's `count` is our numerator column.
    let mut rate = opts.clone();
    rate.counts.as_mut().unwrap().kind = collabmetrics::inequality::CountKind::Rate;
    let neg = RecordBatch::try_new(
        b.schema(),
        vec![
            b.column(0).clone(),
            Arc::new(Int64Array::from(vec![10, -2, 35])),
            b.column(2).clone(),
            b.column(3).clone(),
        ],
    )
    .unwrap();
    let e2 = measures_table(
        &Input::new(neg.schema(), &[neg], ColumnMap::new()).unwrap(),
        &rate,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e2.starts_with("invalid value in column `num` at row 1 (-2)"),
        "{e2}"
    );
    assert!(
        e.starts_with("invalid value in column `num` at row 1 (200): numerator must not exceed"),
        "{e}"
    );
}

#[test]
fn diagnostics_count_missing_populations_and_standard_errors() {
    // Ordered, no standard errors: every row counted, SII without an interval.
    let mut o = options();
    o.se = None;
    o.measures = Some(vec![Measure::Sii]);
    let r = measures_table(&input(batch(Some(1300.0))), &o).unwrap();
    assert_eq!(r.diagnostics.count("no_standard_error"), 10);
    assert!(r.table.column_by_name("lower").unwrap().is_null(0));
    // And per result row: the SII of both areas has no interval, which a reader is told.
    assert_eq!(r.diagnostics.count("no_interval"), 2);
    // Seven places, one without a population (14%): tolerated with a setting average, and
    // counted at its row.
    let pops: Vec<Option<f64>> = (0..7)
        .map(|j| (j != 4).then_some(100.0 + j as f64))
        .collect();
    let b = RecordBatch::try_from_iter(vec![
        (
            "place",
            Arc::new(StringArray::from(vec!["a", "b", "c", "d", "e", "f", "g"])) as ArrayRef,
        ),
        (
            "rate",
            Arc::new(Float64Array::from(vec![
                5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0,
            ])) as ArrayRef,
        ),
        ("pop", Arc::new(Float64Array::from(pops)) as ArrayRef),
    ])
    .unwrap();
    let map = ColumnMap::new()
        .with("subgroup", "place")
        .with("value", "rate")
        .with("population", "pop");
    let inp = Input::new(b.schema(), &[b], map).unwrap();
    let o = MeasuresTableOptions {
        measures: Some(vec![Measure::Bgv]),
        options: HeatOptions {
            setting_average: Some(8.0),
            reps: 0,
            ..HeatOptions::default()
        },
        ..MeasuresTableOptions::default()
    };
    let r = measures_table(&inp, &o).unwrap();
    let d = r
        .diagnostics
        .entries
        .iter()
        .find(|e| e.reason == "missing_population")
        .unwrap();
    assert_eq!((d.count, d.first_row), (1, Some(4)));
}

#[test]
fn an_rii_interval_is_never_below_zero() {
    // Values rising from near 0 at the most deprived end with wide limits: simulated lines
    // reach 0 at rank 0, where the RII divides, so its interval is undefined: null, counted.
    let b = RecordBatch::try_from_iter(vec![
        (
            "imd_decile",
            Arc::new(Int64Array::from(vec![1i64, 2, 3, 4, 5])) as ArrayRef,
        ),
        (
            "rate",
            Arc::new(Float64Array::from(vec![0.2, 1.0, 2.0, 3.0, 4.0])) as ArrayRef,
        ),
        (
            "rate_se",
            Arc::new(Float64Array::from(vec![1.0; 5])) as ArrayRef,
        ),
        (
            "pop",
            Arc::new(Float64Array::from(vec![100.0; 5])) as ArrayRef,
        ),
    ])
    .unwrap();
    let mut o = options();
    o.by = vec![];
    o.measures = Some(vec![Measure::Sii, Measure::Rii]);
    let r = measures_table(&input(b), &o).unwrap();
    let lower = r.table.column_by_name("lower").unwrap();
    let lower = lower.as_primitive::<Float64Type>();
    assert!(lower.is_valid(0), "the SII keeps its interval");
    assert!(lower.is_null(1), "no RII interval: {:?}", lower.value(1));
    assert_eq!(r.diagnostics.count("rii_interval_undefined"), 1);
    // The same values far from 0 keep PHE's simulated RII interval, above 0.
    let b = RecordBatch::try_from_iter(vec![
        (
            "imd_decile",
            Arc::new(Int64Array::from(vec![1i64, 2, 3, 4, 5])) as ArrayRef,
        ),
        (
            "rate",
            Arc::new(Float64Array::from(vec![20.2, 21.0, 22.0, 23.0, 24.0])) as ArrayRef,
        ),
        (
            "rate_se",
            Arc::new(Float64Array::from(vec![1.0; 5])) as ArrayRef,
        ),
        (
            "pop",
            Arc::new(Float64Array::from(vec![100.0; 5])) as ArrayRef,
        ),
    ])
    .unwrap();
    let r = measures_table(&input(b), &o).unwrap();
    let lower = r.table.column_by_name("lower").unwrap();
    let lower = lower.as_primitive::<Float64Type>();
    assert!(lower.is_valid(1) && lower.value(1) > 0.0);
    assert_eq!(r.diagnostics.count("rii_interval_undefined"), 0);
}

#[test]
fn when_every_group_fails_the_first_is_named_every_time() {
    // Both areas lack decile 3's population; the by-groups run in parallel, and the error
    // must name area A however the threads were scheduled.
    let b = batch(None);
    let pop: Float64Array = b
        .column_by_name("pop")
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .enumerate()
        .map(|(i, p)| if i == 2 { None } else { p })
        .collect();
    let both =
        RecordBatch::try_from_iter(b.schema().fields().iter().zip(b.columns()).map(|(f, c)| {
            let c = if f.name() == "pop" {
                Arc::new(pop.clone()) as ArrayRef
            } else {
                c.clone()
            };
            (f.name().clone(), c)
        }))
        .unwrap();
    for _ in 0..20 {
        let e = measures_table(&input(both.clone()), &options()).unwrap_err();
        assert!(e.group().is_some_and(|g| g.contains("area=A")), "{e}");
    }
}
