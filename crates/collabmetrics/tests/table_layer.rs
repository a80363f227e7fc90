//! The Arrow table layer: column lookup and mapping, types, grouping, tidy output, and that a
//! table result equals the slice kernel's bit for bit.

use arrow_array::{
    cast::AsArray, types::Float64Type, ArrayRef, DictionaryArray, Float32Array, Float64Array,
    Int32Array, Int64Array, RecordBatch, StringArray, UInt64Array, UInt8Array,
};
use collabmetrics::stats::{self, DsrOptions, MeanOptions, ProportionOptions, StandardPopulation};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::Error;
use std::sync::Arc;

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

fn input(b: RecordBatch) -> Input {
    Input::new(b.schema(), &[b], ColumnMap::new()).unwrap()
}

fn f64s(b: &RecordBatch, name: &str) -> Vec<f64> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

fn esp_batch(areas: &[&str]) -> RecordBatch {
    let std = StandardPopulation::esp2013();
    let mut area = vec![];
    let mut band = vec![];
    let mut count = vec![];
    let mut pop = vec![];
    for (a, name) in areas.iter().enumerate() {
        for b in 0..19 {
            area.push(*name);
            band.push(std.label(b));
            count.push((3 + a * 7 + b * 2) as i64);
            pop.push(1000.0 + 50.0 * b as f64);
        }
    }
    batch(vec![
        ("Area", Arc::new(StringArray::from(area)) as ArrayRef),
        ("AgeBand", Arc::new(StringArray::from(band))),
        ("Deaths", Arc::new(Int64Array::from(count))),
        ("Pop", Arc::new(Float64Array::from(pop))),
    ])
}

fn dsr_opts(by: &[&str]) -> stats::DsrTableOptions {
    stats::DsrTableOptions {
        count: "Deaths".into(),
        population: "Pop".into(),
        age_band: "AgeBand".into(),
        by: by.iter().map(|s| s.to_string()).collect(),
        standard: StandardPopulation::esp2013(),
        options: DsrOptions::default(),
    }
}

#[test]
fn dsr_table_is_tidy_and_equals_the_kernel() {
    let b = esp_batch(&["E1", "E2"]);
    let out = stats::dsr_table(&input(b.clone()), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    let names: Vec<String> = out
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "Area",
            "total_count",
            "total_population",
            "value",
            "lower",
            "upper",
            "confidence",
            "method",
            "note"
        ]
    );
    assert_eq!(
        out.column(0).as_string::<i32>().iter().collect::<Vec<_>>(),
        [Some("E1"), Some("E2")]
    );
    let group: Vec<u32> = (0..38).map(|i| u32::from(i >= 19)).collect();
    let bands: Vec<u32> = (0..38).map(|i| i % 19).collect();
    let count: Vec<f64> = b
        .column(2)
        .as_primitive::<arrow_array::types::Int64Type>()
        .values()
        .iter()
        .map(|&x| x as f64)
        .collect();
    let kernel = stats::dsr(
        &group,
        2,
        &bands,
        &count,
        &f64s(&b, "Pop"),
        &StandardPopulation::esp2013(),
        &DsrOptions::default(),
        &|g| g.to_string(),
    )
    .unwrap();
    assert_eq!(
        f64s(&out, "value"),
        kernel.value,
        "bit-identical to the kernel"
    );
    assert_eq!(f64s(&out, "lower"), kernel.lower);
    assert_eq!(f64s(&out, "upper"), kernel.upper);
}

#[test]
fn several_batches_and_a_column_map() {
    let b = esp_batch(&["E1", "E2"]);
    let (first, second) = (b.slice(0, 10), b.slice(10, 28));
    let map = ColumnMap::new().with("deaths", "Deaths");
    let inp = Input::new(b.schema(), &[first, second], map).unwrap();
    assert_eq!(inp.num_rows(), 38);
    let mut opts = dsr_opts(&["Area"]);
    opts.count = "deaths".into();
    let out = stats::dsr_table(&inp, &opts).unwrap().table;
    let whole = stats::dsr_table(&input(b), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    assert_eq!(f64s(&out, "value"), f64s(&whole, "value"));
}

#[test]
fn missing_column_names_the_mapping_and_the_choices() {
    let b = esp_batch(&["E1"]);
    let map = ColumnMap::new().with("count", "Admissions");
    let inp = Input::new(b.schema(), &[b], map).unwrap();
    let mut opts = dsr_opts(&[]);
    opts.count = "count".into();
    let e = stats::dsr_table(&inp, &opts).unwrap_err();
    assert_eq!(e.code(), 4);
    assert_eq!(
        e.to_string(),
        "missing column `Admissions` (for `count`) (available: Area, AgeBand, Deaths, Pop)"
    );
}

#[test]
fn wrong_types_nulls_and_bad_cells_name_column_and_row() {
    let b = batch(vec![
        ("num", Arc::new(StringArray::from(vec!["1"])) as ArrayRef),
        ("den", Arc::new(Float64Array::from(vec![2.0]))),
    ]);
    let opts = stats::ProportionTableOptions {
        numerator: "num".into(),
        denominator: "den".into(),
        options: ProportionOptions::default(),
    };
    let e = stats::proportion_table(&input(b), &opts).unwrap_err();
    assert_eq!(
        e,
        Error::ColumnType {
            table: None,
            column: "num".into(),
            expected: "a number (integer, float or decimal)".into(),
            found: "string".into()
        }
    );

    let b = batch(vec![
        (
            "num",
            Arc::new(Int32Array::from(vec![Some(1), None])) as ArrayRef,
        ),
        ("den", Arc::new(Float64Array::from(vec![2.0, 2.0]))),
    ]);
    let e = stats::proportion_table(&input(b), &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid value in column `num` at row 1 (null): missing values (null or NaN) are not allowed here"
    );

    let b = batch(vec![
        (
            "num",
            Arc::new(Float32Array::from(vec![1.0, 3.0])) as ArrayRef,
        ),
        ("den", Arc::new(UInt8Array::from(vec![2, 2]))),
    ]);
    let e = stats::proportion_table(&input(b), &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid value in column `num` at row 1 (3): numerator must not exceed the denominator"
    );
}

#[test]
fn unknown_and_missing_bands_name_row_and_group() {
    let mut b = esp_batch(&["E1", "E2"]);
    let mut bands: Vec<String> = b
        .column(1)
        .as_string::<i32>()
        .iter()
        .map(|s| s.unwrap().to_owned())
        .collect();
    bands[30] = "55-69".into();
    let cols: Vec<ArrayRef> = vec![
        b.column(0).clone(),
        Arc::new(StringArray::from(bands)),
        b.column(2).clone(),
        b.column(3).clone(),
    ];
    b = RecordBatch::try_new(b.schema(), cols).unwrap();
    let e = stats::dsr_table(&input(b.clone()), &dsr_opts(&["Area"])).unwrap_err();
    assert_eq!(e.code(), 6);
    assert!(e.to_string().starts_with("invalid value in column `AgeBand` at row 30 (\"55-69\"): not an age band of the standard `esp2013`"), "{e}");

    let e = stats::dsr_table(
        &input(esp_batch(&["E1", "E2"]).slice(0, 37)),
        &dsr_opts(&["Area"]),
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("group Area=E2: age band `90+`"),
        "{e}"
    );
}

#[test]
fn grouping_by_two_keys_including_dictionary_and_integers() {
    let place: DictionaryArray<arrow_array::types::Int32Type> =
        vec!["a", "a", "b", "b", "a", "b"].into_iter().collect();
    let b = batch(vec![
        ("place", Arc::new(place) as ArrayRef),
        (
            "year",
            Arc::new(Int32Array::from(vec![2024, 2025, 2024, 2024, 2024, 2025])),
        ),
        (
            "los",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, 5.0, 3.0, 4.0])),
        ),
    ]);
    let opts = stats::MeanTableOptions {
        value: "los".into(),
        by: vec!["place".into(), "year".into()],
        options: MeanOptions::default(),
    };
    // (a, 2025) and (b, 2025) have one value each: the error names the group by its keys.
    let e = stats::mean_table(&input(b.clone()), &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "group place=a, year=2025: has 1 value(s); a Student t interval needs at least 2"
    );
    let opts = stats::MeanTableOptions {
        by: vec!["place".into()],
        ..opts
    };
    let out = stats::mean_table(&input(b), &opts).unwrap().table;
    assert_eq!(out.num_rows(), 2);
    assert_eq!(f64s(&out, "value"), [2.0, 4.0]);
    assert_eq!(f64s(&out, "value_count"), [3.0, 3.0]);
}

#[test]
fn result_columns_must_not_clash_with_input_columns() {
    let b = batch(vec![
        ("value", Arc::new(Float64Array::from(vec![1.0])) as ArrayRef),
        ("den", Arc::new(Float64Array::from(vec![2.0]))),
    ]);
    let opts = stats::ProportionTableOptions {
        numerator: "value".into(),
        denominator: "den".into(),
        options: ProportionOptions::default(),
    };
    let e = stats::proportion_table(&input(b), &opts).unwrap_err();
    assert!(
        e.to_string().contains("already has a column `value`"),
        "{e}"
    );
}

#[test]
fn append_column_keeps_metadata_and_refuses_clashes() {
    let b = batch(vec![(
        "a",
        Arc::new(Float64Array::from(vec![1.0, 2.0])) as ArrayRef,
    )]);
    let meta = std::collections::HashMap::from([("synthetic".to_owned(), "true".to_owned())]);
    let b = b
        .clone()
        .with_schema(Arc::new(b.schema().as_ref().clone().with_metadata(meta)))
        .unwrap();
    let out =
        collabmetrics::table::append_column(&b, "km", Arc::new(Float64Array::from(vec![3.0, 4.0])))
            .unwrap();
    assert_eq!(f64s(&out, "km"), [3.0, 4.0]);
    assert_eq!(out.schema().metadata()["synthetic"], "true");
    let e =
        collabmetrics::table::append_column(&b, "a", Arc::new(Float64Array::from(vec![3.0, 4.0])))
            .unwrap_err();
    assert!(e.to_string().contains("already has a column `a`"), "{e}");
    let e = collabmetrics::table::append_column(&b, "km", Arc::new(Float64Array::from(vec![3.0])))
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("length mismatch: `km` has 1 elements but `table` has 2"),
        "{e}"
    );
}

#[test]
fn one_batch_keeps_the_schema_metadata_as_several_do() {
    // A reader (Parquet's, for one) may give batches whose schemas lack the table's metadata:
    // the input has the table's schema, roles included, however many batches it came in.
    let b = batch(vec![(
        "n",
        Arc::new(Int64Array::from(vec![3, 12])) as ArrayRef,
    )]);
    let mut metadata = std::collections::HashMap::new();
    metadata.insert(
        collabmetrics::table::ROLES_KEY.to_owned(),
        r#"{"counts":["n"]}"#.to_owned(),
    );
    let schema = Arc::new(b.schema().as_ref().clone().with_metadata(metadata));
    for batches in [vec![b.clone()], vec![b.clone(), b.clone()]] {
        let input = Input::new(schema.clone(), &batches, ColumnMap::new()).unwrap();
        assert_eq!(input.batch().unwrap().schema(), schema);
        let published = collabmetrics::disclosure::disclose(&input, &Default::default()).unwrap();
        assert!(published.table.diagnostics.count("primary_small") > 0);
    }
    // Batches that are not of the schema are an error, with one batch as with several.
    let other = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "m",
        arrow_schema::DataType::Int64,
        false,
    )]));
    for batches in [vec![b.clone()], vec![b.clone(), b]] {
        let e = Input::new(other.clone(), &batches, ColumnMap::new()).unwrap_err();
        assert!(
            e.to_string().contains("batches do not share one schema"),
            "{e}"
        );
    }
}

/// Age bands given as lower ages read by the table layer's one rule for codes: any integer
/// type, `UInt64` included, gives the same bands as the labels.
#[test]
fn lower_ages_of_any_integer_type_are_the_labels_bands() {
    let b = esp_batch(&["E1"]);
    let labels = stats::dsr_table(&input(b.clone()), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    let lower: Vec<u64> = (0..19).map(|band| 5 * band).collect();
    let ages: Vec<ArrayRef> = vec![
        Arc::new(UInt64Array::from(lower.clone())),
        Arc::new(Int32Array::from(
            lower.iter().map(|&a| a as i32).collect::<Vec<_>>(),
        )),
    ];
    for age in ages {
        let mut columns = b.columns().to_vec();
        columns[1] = age;
        let with_ages = batch(vec![
            ("Area", columns[0].clone()),
            ("AgeBand", columns[1].clone()),
            ("Deaths", columns[2].clone()),
            ("Pop", columns[3].clone()),
        ]);
        let out = stats::dsr_table(&input(with_ages), &dsr_opts(&["Area"]))
            .unwrap()
            .table;
        assert_eq!(out, labels);
    }
}

#[test]
fn integers_beyond_two_to_the_53_are_an_error_not_rounded() {
    // 2^53 + 1 would read as 2^53 and pass "numerator <= denominator" against 2^53.
    let big = (1i64 << 53) + 1;
    let b = batch(vec![
        ("o", Arc::new(Int64Array::from(vec![1, big])) as ArrayRef),
        ("n", Arc::new(Int64Array::from(vec![2, 1i64 << 53]))),
    ]);
    let opts = stats::ProportionTableOptions {
        numerator: "o".into(),
        denominator: "n".into(),
        ..Default::default()
    };
    let e = stats::proportion_table(&input(b), &opts).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("`o`") && text.contains("row 1") && text.contains("2^53"),
        "{text}"
    );
    // Up to 2^53 (exact as a double) is read as it is; so is any UInt64 up to it.
    let b = batch(vec![
        (
            "o",
            Arc::new(Int64Array::from(vec![1i64 << 53])) as ArrayRef,
        ),
        (
            "n",
            Arc::new(arrow_array::UInt64Array::from(vec![1u64 << 53])),
        ),
    ]);
    let r = stats::proportion_table(&input(b), &opts).unwrap();
    assert_eq!(f64s(&r.table, "value"), [1.0]);
}

/// A categorical age band (pandas' and polars' dictionary columns) reads as its labels; an
/// unused category that is not a band is no error, a used one is, at its row.
#[test]
fn a_dictionary_age_band_reads_as_its_labels() {
    let b = esp_batch(&["E1", "E2"]);
    let labels = b.column_by_name("AgeBand").unwrap().as_string::<i32>();
    // Dictionary values in another order than the rows', with an unused "unknown".
    let mut values: Vec<&str> = labels.iter().map(Option::unwrap).collect();
    values.sort_unstable();
    values.dedup();
    values.push("unknown");
    let keys: Vec<i32> = labels
        .iter()
        .map(|l| values.iter().position(|v| Some(*v) == l).unwrap() as i32)
        .collect();
    let dict = |keys: Vec<i32>| -> ArrayRef {
        Arc::new(
            DictionaryArray::try_new(
                Int32Array::from(keys),
                Arc::new(StringArray::from(values.clone())),
            )
            .unwrap(),
        )
    };
    let column = b.schema().index_of("AgeBand").unwrap();
    let with = |col: ArrayRef| {
        let mut cols = b.columns().to_vec();
        cols[column] = col;
        let fields: Vec<_> = b
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.as_ref()
                    .clone()
                    .with_data_type(cols[i].data_type().clone())
            })
            .collect();
        RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols).unwrap()
    };
    let whole = stats::dsr_table(&input(b.clone()), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    let out = stats::dsr_table(&input(with(dict(keys.clone()))), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    assert_eq!(f64s(&out, "value"), f64s(&whole, "value"));
    // Row 5 uses the category "unknown": named, with its row.
    let mut bad = keys;
    bad[5] = (values.len() - 1) as i32;
    let e = stats::dsr_table(&input(with(dict(bad))), &dsr_opts(&["Area"])).unwrap_err();
    assert_eq!(
        (e.column(), e.row(), e.value()),
        (Some("AgeBand"), Some(5), Some("\"unknown\""))
    );
}

/// SQL decimals (a database extract's DECIMAL/NUMERIC columns) read as the doubles of their
/// values: the same DSR as from floats; a whole-number decimal beyond 2^53 is refused.
#[test]
fn decimal_columns_read_as_their_values() {
    use arrow_array::Decimal128Array;
    let b = esp_batch(&["E1", "E2"]);
    let to_decimal = |name: &str, scale: i8| -> ArrayRef {
        let units: Vec<i128> = f64s_any(&b, name)
            .iter()
            .map(|v| (v * 10f64.powi(i32::from(scale))).round() as i128)
            .collect();
        Arc::new(
            Decimal128Array::from(units)
                .with_precision_and_scale(18, scale)
                .unwrap(),
        )
    };
    let with = |deaths: ArrayRef, pop: ArrayRef| {
        batch(vec![
            ("Area", b.column_by_name("Area").unwrap().clone()),
            ("AgeBand", b.column_by_name("AgeBand").unwrap().clone()),
            ("Deaths", deaths),
            ("Pop", pop),
        ])
    };
    let whole = stats::dsr_table(&input(b.clone()), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    // Deaths as DECIMAL(18, 0), populations as DECIMAL(18, 2) (their values are whole, so
    // both read exactly).
    let dec = with(to_decimal("Deaths", 0), to_decimal("Pop", 2));
    let out = stats::dsr_table(&input(dec), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    assert_eq!(f64s(&out, "value"), f64s(&whole, "value"));
    // 2^53 + 1 deaths cannot be held exactly as a double: refused at its row.
    let mut units = vec![3i128; b.num_rows()];
    units[4] = (1i128 << 53) + 1;
    let big: ArrayRef = Arc::new(
        Decimal128Array::from(units)
            .with_precision_and_scale(20, 0)
            .unwrap(),
    );
    let e = stats::dsr_table(
        &input(with(big, b.column_by_name("Pop").unwrap().clone())),
        &dsr_opts(&["Area"]),
    )
    .unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("Deaths"), Some(4)));
    // A fractional decimal is the nearest double: 12.34 as DECIMAL(10, 2).
    let cost: ArrayRef = Arc::new(
        Decimal128Array::from(vec![1234i128, -5])
            .with_precision_and_scale(10, 2)
            .unwrap(),
    );
    let t = batch(vec![("x", cost)]);
    let inp = input(t);
    assert_eq!(inp.f64s("x").unwrap().to_vec(), vec![12.34, -0.05]);
}

/// An Int64 or Float64 column of `b` as doubles.
fn f64s_any(b: &RecordBatch, name: &str) -> Vec<f64> {
    let col = b.column_by_name(name).unwrap();
    match col.data_type() {
        arrow_schema::DataType::Int64 => col
            .as_primitive::<arrow_array::types::Int64Type>()
            .values()
            .iter()
            .map(|&v| v as f64)
            .collect(),
        _ => f64s(b, name),
    }
}

/// No events: the DSR is 0, its lower limit 0 and its upper limit does not exist (Dobson's
/// scaling √(var/O) is undefined at O = 0): a null in the table, never a NaN.
#[test]
fn a_dsr_without_events_has_a_null_upper_limit() {
    let b = esp_batch(&["E1"]);
    let zeros: ArrayRef = Arc::new(Int64Array::from(vec![0i64; b.num_rows()]));
    let b = batch(vec![
        ("Area", b.column_by_name("Area").unwrap().clone()),
        ("AgeBand", b.column_by_name("AgeBand").unwrap().clone()),
        ("Deaths", zeros),
        ("Pop", b.column_by_name("Pop").unwrap().clone()),
    ]);
    let out = stats::dsr_table(&input(b), &dsr_opts(&["Area"]))
        .unwrap()
        .table;
    assert_eq!(
        (f64s(&out, "value"), f64s(&out, "lower")),
        (vec![0.0], vec![0.0])
    );
    let upper = out.column_by_name("upper").unwrap();
    assert_eq!(upper.null_count(), 1);
    assert!(out.schema().field_with_name("upper").unwrap().is_nullable());
}
