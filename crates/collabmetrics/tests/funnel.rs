//! Funnel plots against every reference vector: PHEindicatormethods' own funnel test data
//! (`tests/reference/phe/testdata_funnel_*`) and FunnelPlotR's (`tests/reference/funnel/`),
//! every value quoted in `spec/funnel.md`, hand-worked cases, properties and bad input.

use arrow_array::{
    cast::AsArray, types::Float64Type, Array, ArrayRef, BooleanArray, Float64Array, Int64Array,
    RecordBatch, StringArray,
};
use collabmetrics::funnel::{
    self, assess, exact_limits, limits, outside, round2, Family, FunnelOptions, Limit, Model,
    SrMethod, Statistic,
};
use collabmetrics::table::{ColumnMap, Input, TableResult};
use collabmetrics::ErrorKind;
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

// ------------------------------------------------------------------------------------------
// Reading the vectors.

fn reference(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/reference")
        .join(rel)
}

/// A CSV file (quoted fields may hold commas and newlines; a UTF-8 byte-order mark is
/// dropped) as rows of named fields.
fn read_csv(rel: &str) -> Vec<HashMap<String, String>> {
    let path = reference(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.trim_start_matches('\u{feff}');
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => record.push(std::mem::take(&mut field)),
            '\r' if !quoted => {}
            '\n' if !quoted => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.trim().is_empty()) {
                    records.push(std::mem::take(&mut record));
                }
                record.clear();
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    let header: Vec<String> = records[0].iter().map(|h| h.trim().to_owned()).collect();
    records[1..]
        .iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn num(row: &HashMap<String, String>, key: &str) -> Option<f64> {
    let s = row
        .get(key)
        .unwrap_or_else(|| panic!("no column {key}"))
        .trim();
    if s.is_empty() || s == "NA" {
        None
    } else {
        Some(
            s.parse()
                .unwrap_or_else(|_| panic!("{key}: not a number: {s}")),
        )
    }
}

fn col(rows: &[HashMap<String, String>], key: &str) -> Vec<f64> {
    rows.iter().map(|r| num(r, key).unwrap()).collect()
}

fn text(rows: &[HashMap<String, String>], key: &str) -> Vec<String> {
    rows.iter().map(|r| r[key].trim().to_owned()).collect()
}

#[track_caller]
fn close(a: f64, b: f64, rel: f64, abs: f64, what: &str) {
    assert!(
        (a - b).abs() <= rel * b.abs() + abs,
        "{what}: got {a}, expected {b} (difference {:e})",
        (a - b).abs()
    );
}

// ------------------------------------------------------------------------------------------
// Building inputs and reading results.

fn input(columns: Vec<(&str, ArrayRef)>) -> Input {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap()
}

fn floats(v: &[f64]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}

fn strings(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn f64s(r: &TableResult, name: &str) -> Vec<Option<f64>> {
    r.table
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

fn values(r: &TableResult, name: &str) -> Vec<f64> {
    f64s(r, name)
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect()
}

fn strs(r: &TableResult, name: &str) -> Vec<String> {
    let c = r.table.column_by_name(name).unwrap();
    (0..c.len())
        .map(|i| collabmetrics::table::display(c.as_ref(), i))
        .collect()
}

fn bools(r: &TableResult, name: &str) -> Vec<Option<bool>> {
    r.table
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap()
        .iter()
        .collect()
}

fn opts(statistic: Statistic, numerator: &str, denominator: &str) -> FunnelOptions {
    FunnelOptions {
        numerator: numerator.into(),
        denominator: denominator.into(),
        ..FunnelOptions::new(statistic)
    }
}

// ------------------------------------------------------------------------------------------
// PHE: proportions.

fn prop_inputs() -> Vec<HashMap<String, String>> {
    read_csv("phe/testdata_funnel_prop_inputs.csv")
}

fn proportion_options() -> FunnelOptions {
    FunnelOptions {
        multiplier: Some(100.0),
        ..opts(Statistic::Proportion, "numerator", "denominator")
    }
}

fn check_prop_table(rows: &[HashMap<String, String>], expected: &str, abs: f64) {
    let data = input(vec![
        ("numerator", floats(&col(rows, "numerator"))),
        ("denominator", floats(&col(rows, "denominator"))),
    ]);
    let t = limits(&data, &proportion_options()).unwrap();
    let want = read_csv(expected);
    assert_eq!(t.table.num_rows(), 100);
    assert_eq!(
        values(&t, "population"),
        col(&want, "Population"),
        "the grid, row by row"
    );
    for (ours, theirs) in [
        ("lower_2s_limit", "Lower2s0025limit"),
        ("upper_2s_limit", "Upper2s0025limit"),
        ("lower_3s_limit", "Lower3s0001limit"),
        ("upper_3s_limit", "Upper3s0001limit"),
        ("baseline", "Baseline"),
    ] {
        for (i, (a, b)) in values(&t, ours).iter().zip(col(&want, theirs)).enumerate() {
            close(*a, b, 0.0, abs, &format!("{expected} {ours} row {i}"));
        }
    }
    assert_eq!(strs(&t, "statistic")[0], "proportion");
    assert_eq!(strs(&t, "method")[0], "Wilson");
}

#[test]
fn phe_proportion_limits_table() {
    // Written with 6 decimals: half a unit of the last place.
    check_prop_table(
        &prop_inputs(),
        "phe/testdata_funnel_prop_outputs.csv",
        5.1e-7,
    );
    // Spec spot values: population 1: lower 95% 3.204264, upper 100, lower 99.8% 0.
    let data = input(vec![
        ("numerator", floats(&col(&prop_inputs(), "numerator"))),
        ("denominator", floats(&col(&prop_inputs(), "denominator"))),
    ]);
    let t = limits(&data, &proportion_options()).unwrap();
    close(values(&t, "lower_2s_limit")[0], 3.204264, 0.0, 5e-7, "spot");
    assert_eq!(values(&t, "upper_2s_limit")[0], 100.0);
    assert_eq!(values(&t, "lower_3s_limit")[0], 0.0);
    close(values(&t, "baseline")[0], 80.642448, 0.0, 5e-7, "baseline");
    close(
        values(&t, "baseline")[0],
        100.0 * 0.806424478571496,
        1e-14,
        0.0,
        "theta",
    );
}

#[test]
fn phe_proportion_limits_table_with_axis_variation() {
    let rows: Vec<_> = prop_inputs()
        .into_iter()
        .filter(|r| num(r, "denominator").unwrap() < 31000.0)
        .collect();
    check_prop_table(
        &rows,
        "phe/testdata_funnel_prop_outputs_with_axis_variation.csv",
        5.1e-9,
    );
}

#[test]
fn phe_proportion_significance() {
    let rows = prop_inputs();
    let data = input(vec![
        (
            "Area",
            strings(
                &text(&rows, "Area")
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        ),
        ("numerator", floats(&col(&rows, "numerator"))),
        ("denominator", floats(&col(&rows, "denominator"))),
    ]);
    let o = FunnelOptions {
        unit: Some("Area".into()),
        ..proportion_options()
    };
    let r = assess(&data, &o).unwrap();
    assert_eq!(r.table.num_rows(), rows.len());
    assert_eq!(strs(&r, "significance"), text(&rows, "significance"));
    assert_eq!(strs(&r, "unit"), text(&rows, "Area"));
    // The labels decide the outlier flag: 99.8% (the default) flags only the 0.001 labels.
    for (label, flag) in strs(&r, "significance").iter().zip(bools(&r, "outlier")) {
        assert_eq!(flag, Some(label.contains("0.001")), "{label}");
    }
    // The unit's limits are the table's curve at its own denominator.
    let theta = 0.806424478571496;
    let (n0, p0) = (col(&rows, "denominator")[0], col(&rows, "numerator")[0]);
    let half = 1.959963984540054 * (theta * (1.0 - theta) / n0).sqrt();
    close(
        values(&r, "lcl95")[0],
        100.0 * (theta - half),
        1e-13,
        0.0,
        "lcl95",
    );
    close(values(&r, "value")[0], 100.0 * p0 / n0, 1e-15, 0.0, "value");
    assert!(strs(&r, "method")[0].starts_with("phe proportion"));
}

// ------------------------------------------------------------------------------------------
// PHE: ratios.

fn ratio_input() -> (Vec<HashMap<String, String>>, Input) {
    let rows = read_csv("phe/testdata_funnel_ratio_inputs.csv");
    let data = input(vec![
        ("obs", floats(&col(&rows, "obs"))),
        ("expected", floats(&col(&rows, "expected"))),
    ]);
    (rows, data)
}

#[test]
fn phe_ratio_limits_tables() {
    let (_, data) = ratio_input();
    let want = read_csv("phe/testdata_funnel_ratio_outputs.csv");
    for (statistic, suffix) in [
        (Statistic::RatioIsr, "isr"),
        (Statistic::RatioCount, "count"),
    ] {
        let t = limits(&data, &opts(statistic, "obs", "expected")).unwrap();
        assert_eq!(t.table.num_rows(), 100);
        assert_eq!(values(&t, "observed_events"), col(&want, "Observed_events"));
        for k in ["lower_2s", "upper_2s", "lower_3s", "upper_3s"] {
            let e = values(&t, &format!("{k}_exp_events"));
            let l = values(&t, &format!("{k}_limit"));
            let (we, wl) = (
                col(&want, &format!("{k}_exp_events")),
                col(&want, &format!("{k}_{suffix}")),
            );
            for i in 0..100 {
                // PHE bisects to a step of 1e-7: relative 1e-4 (spec A.2).
                close(e[i], we[i], 1e-4, 0.0, &format!("{k}_exp_events row {i}"));
                close(l[i], wl[i], 1e-4, 1e-9, &format!("{k}_{suffix} row {i}"));
            }
        }
        assert_eq!(strs(&t, "statistic")[0], format!("ratio ({suffix})"));
        assert_eq!(strs(&t, "method")[0], "Poisson");
    }
    // Spec spot values at O = 1.
    let t = limits(&data, &opts(Statistic::RatioIsr, "obs", "expected")).unwrap();
    close(
        values(&t, "lower_2s_exp_events")[0],
        5.571644585,
        3e-7,
        0.0,
        "spot",
    );
    close(
        values(&t, "lower_2s_limit")[0],
        17.94802207,
        3e-7,
        0.0,
        "spot",
    );
    close(
        values(&t, "upper_2s_exp_events")[0],
        0.025317898,
        1e-4,
        0.0,
        "spot",
    );
    close(
        values(&t, "upper_2s_limit")[0],
        3949.774946,
        1e-4,
        0.0,
        "spot",
    );
}

#[test]
fn phe_ratio_significance() {
    let (rows, data) = ratio_input();
    let r = assess(&data, &opts(Statistic::RatioIsr, "obs", "expected")).unwrap();
    assert_eq!(strs(&r, "significance"), text(&rows, "significance"));
    // Rows are their own units, numbered from 0.
    assert_eq!(strs(&r, "unit")[2], "2");
    let count = assess(&data, &opts(Statistic::RatioCount, "obs", "expected")).unwrap();
    assert_eq!(strs(&count, "significance"), text(&rows, "significance"));
    // Values: ISR O/E × 100, counts O/E − 1; targets 100 and 0.
    let (o, e) = (col(&rows, "obs"), col(&rows, "expected"));
    close(
        values(&r, "value")[0],
        o[0] / e[0] * 100.0,
        1e-15,
        0.0,
        "isr",
    );
    close(
        values(&count, "value")[0],
        o[0] / e[0] - 1.0,
        1e-15,
        1e-15,
        "count",
    );
    assert_eq!(
        (values(&r, "target")[0], values(&count, "target")[0]),
        (100.0, 0.0)
    );
}

#[test]
fn phe_ratio_unit_limits_pass_through_the_table_points() {
    // At E = lower_2s_exp_events(O) the funnel's lower 95% limit is O / E: the table's
    // lower_2s_limit. Three units at the table's expected counts of rows 1, 11 and 51.
    let (_, data) = ratio_input();
    let t = limits(&data, &opts(Statistic::RatioIsr, "obs", "expected")).unwrap();
    let (obs, e, lim) = (
        values(&t, "observed_events"),
        values(&t, "lower_2s_exp_events"),
        values(&t, "lower_2s_limit"),
    );
    let pick: Vec<usize> = vec![0, 10, 50];
    let units = input(vec![
        (
            "o",
            floats(&pick.iter().map(|&i| obs[i]).collect::<Vec<_>>()),
        ),
        ("e", floats(&pick.iter().map(|&i| e[i]).collect::<Vec<_>>())),
    ]);
    let r = assess(&units, &opts(Statistic::RatioIsr, "o", "e")).unwrap();
    for (k, &i) in pick.iter().enumerate() {
        close(
            values(&r, "lcl95")[k],
            lim[i],
            1e-9,
            0.0,
            "lcl95 at the table's point",
        );
    }
}

// ------------------------------------------------------------------------------------------
// PHE: rates.

fn rate_funnel_rows() -> Vec<HashMap<String, String>> {
    read_csv("phe/testdata_funnel_rate_input_funnels.csv")
}

fn rate_options(statistic: Statistic, multiplier: f64, years: f64) -> FunnelOptions {
    FunnelOptions {
        rate: "rate".into(),
        multiplier: Some(multiplier),
        years_of_data: Some(years),
        ..opts(statistic, "ev", "pop")
    }
}

fn check_rate_table(t: &TableResult, expected: &str, statistic: &str) {
    let want = read_csv(expected);
    assert_eq!(t.table.num_rows(), 100);
    assert_eq!(
        values(t, "events"),
        col(&want, "Events"),
        "{expected}: the grid"
    );
    for k in ["lower_2s", "upper_2s", "lower_3s", "upper_3s"] {
        for name in [format!("{k}_population_1_year"), format!("{k}_limit")] {
            for (i, (a, b)) in values(t, &name).iter().zip(col(&want, &name)).enumerate() {
                close(*a, b, 1e-4, 0.0, &format!("{expected} {name} row {i}"));
            }
        }
    }
    for (a, b) in values(t, "baseline").iter().zip(col(&want, "baseline")) {
        close(*a, b, 1e-9, 0.0, "baseline");
    }
    assert_eq!(strs(t, "statistic")[0], statistic);
    assert_eq!(text(&want, "statistic")[0], statistic);
    assert_eq!(strs(t, "method")[0], "Poisson");
}

/// The rate inputs with the largest `ev` replaced by `to`.
fn with_max_ev(rows: &[HashMap<String, String>], to: f64) -> Vec<f64> {
    let ev = col(rows, "ev");
    let max = ev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    ev.iter().map(|&e| if e == max { to } else { e }).collect()
}

#[test]
fn phe_rate_limits_tables() {
    let rows = rate_funnel_rows();
    let (ev, rate) = (col(&rows, "ev"), col(&rows, "rate"));
    // DSR per 100 000, 3 years (spot: events 1: lower_2s_population_1_year 1598.675694,
    // lower_2s_limit 20.85059119; baseline 116.172083509).
    let data = input(vec![("ev", floats(&ev)), ("rate", floats(&rate))]);
    let t = limits(&data, &rate_options(Statistic::RateDsr, 1e5, 3.0)).unwrap();
    check_rate_table(
        &t,
        "phe/testdata_funnel_rate_outputs.csv",
        "rate (dsr per 100,000)",
    );
    close(
        values(&t, "lower_2s_population_1_year")[0],
        1598.675694,
        3e-7,
        0.0,
        "spot",
    );
    close(
        values(&t, "lower_2s_limit")[0],
        20.85059119,
        3e-7,
        0.0,
        "spot",
    );
    close(values(&t, "baseline")[0], 116.172083509, 1e-10, 0.0, "spot");

    // Crude, the largest ev set to 5.
    let data = input(vec![
        ("ev", floats(&with_max_ev(&rows, 5.0))),
        ("rate", floats(&rate)),
    ]);
    let t = limits(&data, &rate_options(Statistic::RateCrude, 1e5, 3.0)).unwrap();
    check_rate_table(
        &t,
        "phe/testdata_funnel_rate_outputs_2.csv",
        "rate (crude per 100,000)",
    );

    // Crude with a denominator: pop = 1e5 ev / rate; the largest-ev row gets 0 events and rate
    // 0; rows with pop > max(pop) / 2 kept.
    let pop: Vec<f64> = ev.iter().zip(&rate).map(|(e, r)| 1e5 * e / r).collect();
    let max_ev = ev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let max_pop = pop.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let keep: Vec<usize> = (0..ev.len()).filter(|&i| pop[i] > max_pop / 2.0).collect();
    let pick = |v: Vec<f64>| -> Vec<f64> { keep.iter().map(|&i| v[i]).collect() };
    let ev3 = pick(
        ev.iter()
            .map(|&e| if e == max_ev { 0.0 } else { e })
            .collect(),
    );
    let rate3 = pick(
        ev.iter()
            .zip(&rate)
            .map(|(&e, &r)| if e == max_ev { 0.0 } else { r })
            .collect(),
    );
    let data = input(vec![
        ("ev", floats(&ev3)),
        ("rate", floats(&rate3)),
        ("pop", floats(&pick(pop.clone()))),
    ]);
    let t = limits(&data, &rate_options(Statistic::RateCrude, 1e5, 3.0)).unwrap();
    check_rate_table(
        &t,
        "phe/testdata_funnel_rate_outputs_3.csv",
        "rate (crude per 100,000)",
    );
}

#[test]
fn phe_rate_significance() {
    let rows = read_csv("phe/testdata_funnel_rate_dsr_inputs.csv");
    let count = col(&rows, "count");
    for (column, statistic, rate_col, multiplier) in [
        ("dsr_per_100000", Statistic::RateDsr, "rate_dsr", 1e5),
        ("dsr_per_100", Statistic::RateDsr, "rate_dsr", 100.0),
        (
            "crude_per_100000",
            Statistic::RateCrude,
            "rate_crude_per_100000",
            1e5,
        ),
        (
            "crude_per_100",
            Statistic::RateCrude,
            "rate_crude_per_100",
            100.0,
        ),
    ] {
        for zeros in [true, false] {
            let keep: Vec<usize> = (0..rows.len())
                .filter(|&i| zeros || count[i] != 0.0)
                .collect();
            let pick = |key: &str| -> Vec<f64> {
                keep.iter()
                    .map(|&i| num(&rows[i], key).unwrap_or(f64::NAN))
                    .collect()
            };
            let data = input(vec![
                ("count", floats(&pick("count"))),
                ("rate", floats(&pick(rate_col))),
                ("pop", floats(&pick("pop"))),
            ]);
            let o = FunnelOptions {
                rate: "rate".into(),
                multiplier: Some(multiplier),
                years_of_data: Some(1.0),
                ..opts(statistic, "count", "pop")
            };
            let r = assess(&data, &o).unwrap();
            let name = format!("{column}_{}", if zeros { "with_0" } else { "without_0" });
            let want: Vec<String> = keep
                .iter()
                .map(|&i| rows[i][&name].trim().to_owned())
                .collect();
            assert_eq!(strs(&r, "significance"), want, "{name}");
        }
    }
}

#[test]
fn phe_rate_chart_points() {
    let rows = rate_funnel_rows();
    let rate = col(&rows, "rate");
    let nullable = |r: &TableResult, name: &str| -> Vec<Option<f64>> { f64s(r, name) };
    let expect = |key: &str| -> Vec<Option<f64>> { rows.iter().map(|r| num(r, key)).collect() };
    let check = |got: Vec<Option<f64>>, want: Vec<Option<f64>>, what: &str| {
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            match (g, w) {
                (Some(g), Some(w)) => close(*g, *w, 1e-9, 0.0, &format!("{what} row {i}")),
                _ => assert_eq!(g.is_none(), w.is_none(), "{what} row {i}: {g:?} vs {w:?}"),
            }
        }
    };
    // DSR, the largest ev set to 5, 3 years: rows below 10 events are not charted.
    let data = input(vec![
        ("ev", floats(&with_max_ev(&rows, 5.0))),
        ("rate", floats(&rate)),
    ]);
    let r = assess(&data, &rate_options(Statistic::RateDsr, 1e5, 3.0)).unwrap();
    check(
        nullable(&r, "rate_chart"),
        expect("rate_chart"),
        "rate_chart",
    );
    check(
        nullable(&r, "denominator_per_year"),
        expect("denominator_derived"),
        "dsr",
    );
    // Crude, ev as given.
    let data = input(vec![
        ("ev", floats(&col(&rows, "ev"))),
        ("rate", floats(&rate)),
    ]);
    let r = assess(&data, &rate_options(Statistic::RateCrude, 1e5, 3.0)).unwrap();
    check(
        nullable(&r, "rate_chart"),
        expect("rate_chart_crude"),
        "rate_chart_crude",
    );
    check(
        nullable(&r, "denominator_per_year"),
        expect("denominator_derived_crude"),
        "crude",
    );
    // Crude with the denominator, 5 years, the largest ev set to 0 (its rate unchanged).
    let data = input(vec![
        ("ev", floats(&with_max_ev(&rows, 0.0))),
        ("rate", floats(&rate)),
        ("pop", floats(&col(&rows, "pop"))),
    ]);
    let r = assess(&data, &rate_options(Statistic::RateCrude, 1e5, 5.0)).unwrap();
    check(
        nullable(&r, "rate_chart"),
        expect("rate_chart_crude_with_denom"),
        "with denom",
    );
    check(
        nullable(&r, "denominator_per_year"),
        expect("denominator_derived_crude_with_denom"),
        "with denom",
    );
}

// ------------------------------------------------------------------------------------------
// FunnelPlotR.

const UNITS: [&str; 12] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"];

fn fpr_case(case: &str) -> Vec<HashMap<String, String>> {
    let rows: Vec<_> = read_csv("funnel/funnelplotr_vectors.csv")
        .into_iter()
        .filter(|r| r["case"] == case)
        .collect();
    assert_eq!(rows.len(), 12, "{case}");
    rows
}

fn fpr_run(case: &str, o: FunnelOptions) -> (Vec<HashMap<String, String>>, TableResult) {
    let rows = fpr_case(case);
    let data = input(vec![
        ("group", strings(&UNITS)),
        ("numerator", floats(&col(&rows, "numerator"))),
        ("denominator", floats(&col(&rows, "denominator"))),
    ]);
    let o = FunnelOptions {
        unit: Some("group".into()),
        ..o
    };
    let r = assess(&data, &o).unwrap();
    (rows, r)
}

/// Every numeric column of a FunnelPlotR case at 1e-8 (relative, absolute near zero).
fn check_fpr(rows: &[HashMap<String, String>], r: &TableResult, case: &str) {
    assert_eq!(strs(r, "unit"), UNITS);
    let pairs = [
        ("value", "rr"),
        ("z", "Uzscore"),
        ("lcl95", "LCL95"),
        ("ucl95", "UCL95"),
        ("lcl998", "LCL99"),
        ("ucl998", "UCL99"),
        ("od_lcl95", "OD95LCL"),
        ("od_ucl95", "OD95UCL"),
        ("od_lcl998", "OD99LCL"),
        ("od_ucl998", "OD99UCL"),
        ("phi", "phi"),
        ("tau2", "tau2"),
    ];
    for (ours, theirs) in pairs {
        for (i, (a, b)) in values(r, ours).iter().zip(col(rows, theirs)).enumerate() {
            close(
                *a,
                b,
                1e-8,
                1e-10,
                &format!("{case} {ours} unit {}", UNITS[i]),
            );
        }
    }
    for (i, (a, row)) in f64s(r, "z_adjusted").iter().zip(rows).enumerate() {
        match (a, num(row, "Wuzscore")) {
            (Some(a), Some(b)) => close(*a, b, 1e-8, 1e-10, &format!("{case} w {}", UNITS[i])),
            (a, b) => assert_eq!(a.is_none(), b.is_none(), "{case} w {}", UNITS[i]),
        }
    }
    let outlier: Vec<String> = bools(r, "outlier")
        .iter()
        .map(|o| u8::from(o.unwrap()).to_string())
        .collect();
    assert_eq!(outlier, text(rows, "outlier"), "{case} outlier");
    let adjusted = bools(r, "adjusted")[0].unwrap();
    assert_eq!(
        adjusted.to_string().to_uppercase(),
        rows[0]["draw_adjusted"],
        "{case}"
    );
}

#[test]
fn funnelplotr_sr_shmi_limit99() {
    let (rows, r) = fpr_run(
        "SR_SHMI_limit99",
        opts(Statistic::Sr, "numerator", "denominator"),
    );
    check_fpr(&rows, &r, "SR_SHMI_limit99");
    // K and L truncated; m = 10; spec's unit A spot values.
    assert_eq!(f64s(&r, "z_adjusted")[10], None);
    assert_eq!(bools(&r, "trimmed")[11], Some(true));
    assert_eq!(
        r.table
            .column_by_name("m")
            .unwrap()
            .as_primitive::<arrow_array::types::Int64Type>()
            .value(0),
        10
    );
    close(values(&r, "z")[0], 1.01255143, 1e-8, 0.0, "A z");
    close(values(&r, "od_lcl95")[0], 0.6813626996, 1e-9, 0.0, "A");
    close(values(&r, "od_ucl95")[0], 1.467647115, 1e-9, 0.0, "A");
    close(values(&r, "od_lcl998")[0], 0.5461240825, 1e-9, 0.0, "A");
    close(values(&r, "od_ucl998")[0], 1.831085704, 1e-9, 0.0, "A");
    close(values(&r, "lcl95")[0], 0.7083572296, 1e-9, 0.0, "A");
    close(values(&r, "ucl95")[0], 1.371450043, 1e-9, 0.0, "A");
    close(values(&r, "phi")[0], 1.598134102, 1e-9, 0.0, "phi");
    close(values(&r, "tau2")[0], 0.01213956526, 1e-9, 0.0, "tau2");
    assert_eq!(r.diagnostics.count("truncated"), 2);
    assert!(strs(&r, "method")[0].starts_with("funnelplotr sr/SHMI"));
    // Y = ln(rr) on SHMI's scale.
    for (v, y) in values(&r, "value").iter().zip(col(&rows, "Y")) {
        close(v.ln(), y, 1e-8, 1e-10, "Y");
    }
}

#[test]
fn funnelplotr_sr_unadjusted_limit95() {
    let o = FunnelOptions {
        draw_adjusted: false,
        limit: Limit::L95,
        ..opts(Statistic::Sr, "numerator", "denominator")
    };
    let (rows, r) = fpr_run("SR_unadjusted_limit95", o);
    check_fpr(&rows, &r, "SR_unadjusted_limit95");
    assert_eq!((values(&r, "phi")[0], values(&r, "tau2")[0]), (0.0, 0.0));
}

#[test]
fn funnelplotr_pr_limit95() {
    let o = FunnelOptions {
        limit: Limit::L95,
        ..opts(Statistic::Pr, "numerator", "denominator")
    };
    let (rows, r) = fpr_run("PR_limit95", o);
    check_fpr(&rows, &r, "PR_limit95");
    for (v, y) in values(&r, "value").iter().zip(col(&rows, "Y")) {
        close(v.sqrt().asin(), y, 1e-8, 1e-10, "Y");
    }
    // Winsorised: G and J at the lower quantile, I and K at the upper.
    assert_eq!(r.diagnostics.count("winsorised"), 4);
}

#[test]
fn funnelplotr_rc_limit95_compat() {
    let o = FunnelOptions {
        limit: Limit::L95,
        funnelplotr_compat: true,
        ..opts(Statistic::Rc, "numerator", "denominator")
    };
    let (rows, r) = fpr_run("RC_limit95", o);
    check_fpr(&rows, &r, "RC_limit95");
    for (y, row) in col(&rows, "Y").iter().zip(&rows) {
        let (o, n) = (
            num(row, "numerator").unwrap(),
            num(row, "denominator").unwrap(),
        );
        close(((o + 0.5) / (n + 0.5)).ln(), *y, 1e-8, 1e-10, "Y");
    }
    // phi = 0.8876 <= 1: unadjusted limits flag outliers.
    assert_eq!(bools(&r, "adjusted")[0], Some(false));
    assert!(strs(&r, "method")[0].ends_with("compat"));
}

#[test]
fn funnelplotr_rc_corrected_limits_use_the_z_scores_standard_error() {
    // Quirk Q2 fixed: at x = n the limits are exp(ln θ ∓ z √(s² + τ²)) with s² = θx/(θx + ½)²
    // + x/(x + ½)²; τ² = 0 here (φ ≤ 1).
    let (rows, r) = fpr_run(
        "RC_limit95",
        FunnelOptions {
            limit: Limit::L95,
            ..opts(Statistic::Rc, "numerator", "denominator")
        },
    );
    let (o, n) = (col(&rows, "numerator"), col(&rows, "denominator"));
    let theta = o.iter().sum::<f64>() / n.iter().sum::<f64>();
    for (i, &x) in n.iter().enumerate() {
        let s2 = theta * x / (theta * x + 0.5).powi(2) + x / (x + 0.5).powi(2);
        let d = 1.959964 * s2.sqrt();
        close(
            values(&r, "lcl95")[i],
            (theta.ln() - d).exp(),
            1e-13,
            0.0,
            "lcl95",
        );
        close(
            values(&r, "ucl95")[i],
            (theta.ln() + d).exp(),
            1e-13,
            0.0,
            "ucl95",
        );
    }
    // Wider limits: fewer outliers than the package's 8 of 12 (every |z| < 1.6).
    let flagged = bools(&r, "outlier").iter().filter(|o| o.unwrap()).count();
    assert_eq!(flagged, 0);
    assert!(strs(&r, "method")[0].ends_with("corrected"));
}

#[test]
fn funnelplotr_cqc() {
    // Spec B.8: under CQC unit G (O = 52, E = 40.8, winsorised z 1.65) is flagged at 95%
    // against FunnelPlotR's UCL 1.196 (Q1); the squared limit is 1.431.
    let base = FunnelOptions {
        sr_method: SrMethod::Cqc,
        limit: Limit::L95,
        ..opts(Statistic::Sr, "numerator", "denominator")
    };
    let (_, compat) = fpr_run(
        "SR_SHMI_limit99",
        FunnelOptions {
            funnelplotr_compat: true,
            ..base.clone()
        },
    );
    let (_, fixed) = fpr_run("SR_SHMI_limit99", base);
    close(values(&compat, "phi")[0], 1.878556299, 1e-9, 0.0, "CQC phi");
    close(
        values(&compat, "tau2")[0],
        0.003914359004,
        1e-9,
        0.0,
        "CQC tau2",
    );
    close(
        values(&compat, "z_adjusted")[6],
        1.65,
        0.0,
        0.01,
        "G's winsorised z",
    );
    close(
        values(&compat, "od_ucl95")[6],
        1.196,
        0.0,
        5e-4,
        "G's compat UCL",
    );
    close(
        values(&fixed, "od_ucl95")[6],
        1.431,
        0.0,
        5e-4,
        "G's squared UCL",
    );
    assert_eq!(bools(&compat, "outlier")[6], Some(true));
    assert_eq!(bools(&fixed, "outlier")[6], Some(false));
    // The squared limits are the compat ones squared.
    for c in ["od_lcl95", "od_ucl95", "od_lcl998", "od_ucl998"] {
        for (a, b) in values(&compat, c).iter().zip(values(&fixed, c)) {
            close(a.max(0.0) * a.max(0.0), b, 1e-14, 0.0, c);
        }
    }
}

#[test]
fn funnelplotr_package_tests() {
    // test-poisson_limits.R: exact Poisson limits at 15, 20, 30 (SR, target 1).
    let data = input(vec![
        ("o", floats(&[15.0, 20.0, 30.0])),
        ("e", floats(&[15.0, 20.0, 30.0])),
    ]);
    let o = FunnelOptions {
        draw_adjusted: false,
        ..opts(Statistic::Sr, "o", "e")
    };
    let r = assess(&data, &o).unwrap();
    let want = [
        ("lcl95", [0.5596924, 0.6108260, 0.6746958]),
        ("ucl95", [1.649348, 1.544419, 1.427562]),
        ("lcl998", [0.3862650, 0.4479107, 0.5289724]),
        ("ucl998", [2.082907, 1.902094, 1.702771]),
    ];
    for (name, w) in want {
        for (a, b) in values(&r, name).iter().zip(w) {
            close(*a, b, 5e-7, 0.0, name);
        }
    }
    // test-classes_methods.R: phi 2.948033 (tau2 0.01947753 when re-run).
    let data = input(vec![
        ("g", strings(&["a", "b", "c", "d", "e", "f"])),
        ("o", floats(&[100.0, 150.0, 180.0, 80.0, 120.0, 225.0])),
        ("e", floats(&[108.0, 112.0, 165.0, 95.0, 100.0, 220.0])),
    ]);
    let o = FunnelOptions {
        unit: Some("g".into()),
        ..opts(Statistic::Sr, "o", "e")
    };
    let r = assess(&data, &o).unwrap();
    close(values(&r, "phi")[0], 2.948033, 0.0, 5e-7, "phi");
    close(values(&r, "tau2")[0], 0.01947753, 0.0, 5e-9, "tau2");
    assert_eq!(r.diagnostics.count("truncated"), 0, "N = 6 truncates none");
    // test-aggregate_fun.R: rows added up by group.
    let data = input(vec![
        ("g", strings(&["a", "a", "a", "b", "b", "c"])),
        ("o", floats(&[100.0, 150.0, 180.0, 89.0, 120.0, 225.0])),
        ("e", floats(&[102.0, 135.0, 165.0, 95.0, 100.0, 220.0])),
    ]);
    let r = assess(&data, &o).unwrap();
    for (a, b) in values(&r, "value")
        .iter()
        .zip([1.069652, 1.071795, 1.022727])
    {
        close(*a, b, 0.0, 5e-7, "rr");
    }
    assert_eq!(values(&r, "numerator"), [430.0, 209.0, 225.0]);
    assert_eq!(r.diagnostics.count("rows_added_up"), 3);
    assert_eq!(r.diagnostics.entries[0].first_row, Some(1));
    // test-outliers_func.R: the rule, both ends inside.
    let rr = [1.0, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0.0];
    let flags = |lo: f64, hi: f64, m: f64| -> Vec<u8> {
        rr.iter()
            .map(|&v| u8::from(outside(v * m, lo, hi)))
            .collect()
    };
    assert_eq!(flags(0.9, 1.1, 1.0), [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(flags(0.79, 1.21, 1.0), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(flags(0.59, 1.41, 1.0), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    assert_eq!(flags(0.38, 1.62, 1.0), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(flags(0.9, 1.1, 100.0), [1; 10]);
}

#[test]
fn funnelplotr_limits_table() {
    let rows = fpr_case("PR_limit95");
    let data = input(vec![
        ("numerator", floats(&col(&rows, "numerator"))),
        ("denominator", floats(&col(&rows, "denominator"))),
    ]);
    let o = opts(Statistic::Pr, "numerator", "denominator");
    let t = limits(&data, &o).unwrap();
    let x = values(&t, "denominator");
    assert_eq!(x[0], 3.0);
    assert_eq!(*x.last().unwrap(), 410.0);
    // 1000 grid points plus the denominators not on the grid (410 is its last point).
    assert!(t.table.num_rows() > 1000 && t.table.num_rows() <= 1011);
    assert!(x.windows(2).all(|w| w[0] < w[1]));
    // At each unit's denominator the table has the unit's own limits.
    let r = assess(&data, &o).unwrap();
    for (i, n) in col(&rows, "denominator").iter().enumerate() {
        let j = x.iter().position(|v| v == n).unwrap();
        for c in ["lcl95", "ucl95", "od_lcl998", "od_ucl998"] {
            assert_eq!(values(&t, c)[j], values(&r, c)[i], "{c} at {n}");
        }
    }
    close(values(&t, "target")[0], 433.0 / 1980.0, 1e-15, 0.0, "theta");
}

// ------------------------------------------------------------------------------------------
// Spiegelhalter exact (spec section C).

#[test]
fn spiegelhalter_exact_spec_table() {
    let b = |x: f64| exact_limits(Model::Binomial(0.2), x).unwrap();
    let p = |x: f64| exact_limits(Model::Poisson(1.0), x).unwrap();
    // Order: lower 95%, upper 95%, lower 99.8%, upper 99.8%.
    let table = [
        (20.0, 2, 0.0, 0.3584593554),
        (20.0, 0, 0.01168404345, 0.5602500519),
        (20.0, 1, 0.36611547945, 1.4372884335),
        (20.0, 3, 0.48925412628, 1.7356764287),
        (100.0, 0, 0.11974223272, 0.8036633712),
        (100.0, 1, 0.27647608503, 1.1958089485),
        (500.0, 2, 0.14548955827, 0.8636775289),
        (500.0, 3, 0.25589465501, 1.1400068647),
    ];
    for (x, c, binomial, poisson) in table {
        close(
            b(x)[c],
            binomial,
            1e-9,
            1e-12,
            &format!("binomial x={x} limit {c}"),
        );
        close(
            p(x)[c],
            poisson,
            1e-9,
            0.0,
            &format!("Poisson x={x} limit {c}"),
        );
    }
    // Through the table entry point: units at 20, 100 and 500 of a proportion with θ = 0.2.
    let data = input(vec![
        ("o", floats(&[4.0, 20.0, 100.0])),
        ("n", floats(&[20.0, 100.0, 500.0])),
    ]);
    let o = FunnelOptions {
        family: Some(Family::SpiegelhalterExact),
        ..opts(Statistic::Proportion, "o", "n")
    };
    let r = assess(&data, &o).unwrap();
    close(
        values(&r, "lcl95")[1],
        0.11974223272,
        1e-9,
        0.0,
        "exact via assess",
    );
    assert_eq!(bools(&r, "outlier"), [Some(false); 3]);
    let t = limits(&data, &o).unwrap();
    assert!(values(&t, "denominator").iter().all(|x| x.fract() == 0.0));
}

// ------------------------------------------------------------------------------------------
// Hand-worked cases.

#[test]
fn phi_at_most_one_means_no_adjustment() {
    // PR with four units all at θ = 0.2: every z = 0, φ = 0 ≤ 1: the unadjusted limits flag,
    // τ² = 0, and the OD limits equal the unadjusted ones.
    let data = input(vec![
        ("o", floats(&[20.0, 40.0, 10.0, 60.0])),
        ("n", floats(&[100.0, 200.0, 50.0, 300.0])),
    ]);
    let r = assess(&data, &opts(Statistic::Pr, "o", "n")).unwrap();
    assert_eq!(values(&r, "phi")[0], 0.0);
    assert_eq!(values(&r, "tau2")[0], 0.0);
    assert_eq!(bools(&r, "adjusted")[0], Some(false));
    assert_eq!(values(&r, "lcl95"), values(&r, "od_lcl95"));
    // Hand: n = 100, asin √0.2 = 0.4636476; half-width 1.959964/20 = 0.0979982;
    // sin²(0.3656494) = 0.1278462 (lower), sin²(0.5616458) = 0.2836413 (upper).
    let a = 0.2f64.sqrt().asin();
    close(
        values(&r, "lcl95")[0],
        (a - 1.959964 / 20.0).sin().powi(2),
        1e-15,
        0.0,
        "lcl",
    );
    close(values(&r, "lcl95")[0], 0.1278462, 0.0, 5e-8, "lcl by hand");
    close(values(&r, "ucl95")[0], 0.2836413, 0.0, 5e-8, "ucl by hand");
}

#[test]
fn phi_above_one_adjusts_and_tau2_follows_the_moment_formula() {
    // SR/CQC with two units. E = 25 and 100: s = 1/10 and 1/20, W = 1/s² = 100 and 400.
    // O = 25·1.15² and 100·0.95²: Y = 1.15, 0.95; z = 1.5 and −1.0.
    // Winsorising at N = 2 (type 7): lz = −1 + 0.1·2.5 = −0.75, uz = −1 + 0.9·2.5 = 1.25, so
    // w = (1.25, −0.75) and both units count as winsorised.
    // φ = (1.25² + 0.75²)/2 = 1.0625 > 1: adjusted;
    // τ² = (2·1.0625 − 1) / (500 − (100² + 400²)/500) = 1.125/160.
    let data = input(vec![
        ("o", floats(&[25.0 * 1.15 * 1.15, 100.0 * 0.95 * 0.95])),
        ("e", floats(&[25.0, 100.0])),
    ]);
    let o = FunnelOptions {
        sr_method: SrMethod::Cqc,
        ..opts(Statistic::Sr, "o", "e")
    };
    let r = assess(&data, &o).unwrap();
    close(values(&r, "z")[0], 1.5, 1e-13, 0.0, "z");
    close(values(&r, "z_adjusted")[0], 1.25, 1e-13, 0.0, "w");
    close(values(&r, "z_adjusted")[1], -0.75, 1e-13, 0.0, "w");
    close(values(&r, "phi")[0], 1.0625, 1e-13, 0.0, "phi");
    close(values(&r, "tau2")[0], 1.125 / 160.0, 1e-13, 0.0, "tau2");
    assert_eq!(bools(&r, "adjusted")[0], Some(true));
    assert_eq!(bools(&r, "trimmed"), [Some(true), Some(true)]);
    // OD limits (corrected): (1 ± 1.959964 √(1/100 + τ²))² at E = 25.
    let h = (0.01f64 + 1.125 / 160.0).sqrt();
    close(
        values(&r, "od_ucl95")[0],
        (1.0 + 1.959964 * h).powi(2),
        1e-14,
        0.0,
        "od",
    );
    close(
        values(&r, "od_lcl95")[0],
        (1.0 - 1.959964 * h).powi(2),
        1e-14,
        0.0,
        "od",
    );
}

#[test]
fn a_unit_exactly_on_a_limit() {
    // FunnelPlotR's rule includes the limits: a value equal to a limit is not an outlier.
    assert!(!outside(0.9, 0.9, 1.1));
    assert!(outside(0.9 - 1e-12, 0.9, 1.1));
    // PHE's ratio labels compare strictly: a unit whose exact 95% lower count limit over E is
    // exactly 1 (E = the lower limit of O = 5) is not "High (0.025)"; a hair less E is.
    let (l5, _) = collabmetrics::stats::exact_limits(5.0, 0.95);
    let limits95 = [
        collabmetrics::stats::PoissonLimits::new(0.95, collabmetrics::stats::RateMethod::Byar)
            .unwrap(),
        collabmetrics::stats::PoissonLimits::new(0.998, collabmetrics::stats::RateMethod::Byar)
            .unwrap(),
    ];
    assert_eq!(
        funnel::poisson_significance(5.0, l5, 1.0, &limits95),
        funnel::NOT_SIGNIFICANT
    );
    assert_eq!(
        funnel::poisson_significance(5.0, l5 * (1.0 - 1e-12), 1.0, &limits95),
        funnel::HIGH_025
    );
    // And through the table: units O = 5 at E = l5 and O = 5 at E slightly below.
    let data = input(vec![
        ("o", floats(&[5.0, 5.0])),
        ("e", floats(&[l5, l5 * (1.0 - 1e-12)])),
    ]);
    let r = assess(&data, &opts(Statistic::RatioIsr, "o", "e")).unwrap();
    assert_eq!(
        strs(&r, "significance"),
        [funnel::NOT_SIGNIFICANT, funnel::HIGH_025]
    );
    // PHE's proportion labels are strict too: a unit at θ itself is never significant.
    let z = [1.959963984540054, 3.090232306167813];
    assert_eq!(
        funnel::proportion_significance(50.0, 100.0, 0.5, z),
        funnel::NOT_SIGNIFICANT
    );
}

#[test]
fn truncation_boundaries_through_assess() {
    // SHMI with 9 units: ranks 1..9, sp = floor(10 r / 10) = r: r = 9 gives sp = 9 = k − 1
    // (truncated), r = 1 gives sp = 1 (kept). With 12 units the lowest and highest z go.
    let e = [100.0; 9];
    let o: Vec<f64> = (1..=9).map(|i| 80.0 + 5.0 * i as f64).collect();
    let data = input(vec![("o", floats(&o)), ("e", floats(&e))]);
    let r = assess(&data, &opts(Statistic::Sr, "o", "e")).unwrap();
    let t = bools(&r, "trimmed");
    assert_eq!(t[8], Some(true));
    assert!(t[..8].iter().all(|&x| x == Some(false)));
    assert_eq!(r.diagnostics.count("truncated"), 1);
    let o: Vec<f64> = (1..=12).map(|i| 80.0 + 5.0 * i as f64).collect();
    let data = input(vec![("o", floats(&o)), ("e", floats(&[100.0; 12]))]);
    let r = assess(&data, &opts(Statistic::Sr, "o", "e")).unwrap();
    let t = bools(&r, "trimmed");
    assert_eq!((t[0], t[11]), (Some(true), Some(true)));
    assert_eq!(r.diagnostics.count("truncated"), 2);
    assert_eq!(f64s(&r, "z_adjusted")[0], None);
    // A trim of 0.25: k = 4, N = 12: sp = floor(4 r / 13), kept iff 0 < sp < 3: r = 4..9.
    let o = FunnelOptions {
        trim_by: 0.25,
        ..opts(Statistic::Sr, "o", "e")
    };
    let r = assess(&data, &o).unwrap();
    let kept: Vec<usize> = (0..12)
        .filter(|&i| bools(&r, "trimmed")[i] == Some(false))
        .collect();
    assert_eq!(kept, (3..9).collect::<Vec<_>>());
}

#[test]
fn unit_columns_of_integers_and_strings_group_exactly() {
    // Distinct keys keep the rows as units in order; repeated ones are added up in order of
    // first appearance (the fast distinct check and the exact grouping agree).
    let o = opts(Statistic::Pr, "o", "n");
    let with_units = |units: ArrayRef| {
        let data = input(vec![
            ("u", units),
            ("o", floats(&[1.0, 2.0, 3.0, 4.0])),
            ("n", floats(&[10.0, 20.0, 30.0, 40.0])),
        ]);
        assess(
            &data,
            &FunnelOptions {
                unit: Some("u".into()),
                draw_adjusted: false,
                ..o.clone()
            },
        )
        .unwrap()
    };
    let r = with_units(Arc::new(Int64Array::from(vec![7, 3, 9, 1])));
    assert_eq!(strs(&r, "unit"), ["7", "3", "9", "1"]);
    let r = with_units(Arc::new(Int64Array::from(vec![7, 3, 7, 1])));
    assert_eq!(strs(&r, "unit"), ["7", "3", "1"]);
    assert_eq!(values(&r, "numerator"), [4.0, 2.0, 4.0]);
    assert_eq!(values(&r, "denominator"), [40.0, 20.0, 40.0]);
    let r = with_units(strings(&["b", "a", "c", "a"]));
    assert_eq!(strs(&r, "unit"), ["b", "a", "c"]);
    assert_eq!(values(&r, "numerator"), [1.0, 6.0, 3.0]);
}

#[test]
fn shmi_rounds_expected_counts_as_r() {
    assert_eq!(round2(38.2), 38.2);
    assert_eq!(round2(12.345678), 12.35);
    assert_eq!(round2(0.125), 0.12, "an exact tie goes to the even digit");
    assert_eq!(round2(0.375), 0.38);
    let data = input(vec![
        ("o", floats(&[10.0, 12.0])),
        ("e", floats(&[9.996, 11.111])),
    ]);
    let r = assess(&data, &opts(Statistic::Sr, "o", "e")).unwrap();
    assert_eq!(values(&r, "denominator"), [10.0, 11.11]);
    let o = FunnelOptions {
        shmi_rounding: false,
        ..opts(Statistic::Sr, "o", "e")
    };
    assert_eq!(
        values(&assess(&data, &o).unwrap(), "denominator"),
        [9.996, 11.111]
    );
}

// ------------------------------------------------------------------------------------------
// Properties.

fn pr_data() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    prop::collection::vec((1u32..400, 0.0f64..1.0), 3..30).prop_map(|v| {
        let n: Vec<f64> = v.iter().map(|(n, _)| f64::from(*n)).collect();
        let o: Vec<f64> = v.iter().map(|(n, p)| (f64::from(*n) * p).floor()).collect();
        (o, n)
    })
}

fn sr_data() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    prop::collection::vec((1u32..500, 0.3f64..3.0), 3..30).prop_map(|v| {
        let e: Vec<f64> = v.iter().map(|(e, _)| f64::from(*e) / 4.0).collect();
        let o: Vec<f64> = v
            .iter()
            .map(|(e, r)| (f64::from(*e) / 4.0 * r).ceil())
            .collect();
        (o, e)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The adjusted limits are symmetric about the target on the transformed scale.
    #[test]
    fn limits_are_symmetric_on_the_transformed_scale((o, n) in pr_data(), (so, se) in sr_data()) {
        let pr = assess(&input(vec![("o", floats(&o)), ("n", floats(&n))]), &opts(Statistic::Pr, "o", "n"));
        if let Ok(r) = pr {
            let theta = values(&r, "target")[0];
            let a = theta.sqrt().asin();
            for (lo, hi) in values(&r, "od_lcl95").iter().zip(values(&r, "od_ucl95")) {
                // Only where the angle stays inside [0, π/2] (no clamping).
                if *lo > 0.0 && hi < 1.0 {
                    prop_assert!((lo.sqrt().asin() + hi.sqrt().asin() - 2.0 * a).abs() < 1e-9);
                }
            }
        }
        let sr = input(vec![("o", floats(&so)), ("e", floats(&se))]);
        let r = assess(&sr, &opts(Statistic::Sr, "o", "e")).unwrap();
        for (lo, hi) in values(&r, "od_lcl998").iter().zip(values(&r, "od_ucl998")) {
            prop_assert!((lo.ln() + hi.ln()).abs() < 1e-12);
        }
        let rc = assess(&sr, &opts(Statistic::Rc, "o", "e")).unwrap();
        let t = values(&rc, "target")[0].ln();
        for (lo, hi) in values(&rc, "od_lcl95").iter().zip(values(&rc, "od_ucl95")) {
            prop_assert!((lo.ln() + hi.ln() - 2.0 * t).abs() < 1e-9);
        }
        let cqc = FunnelOptions { sr_method: SrMethod::Cqc, ..opts(Statistic::Sr, "o", "e") };
        let r = assess(&sr, &cqc).unwrap();
        for (lo, hi) in values(&r, "od_lcl95").iter().zip(values(&r, "od_ucl95")) {
            if *lo > 0.0 {
                prop_assert!((lo.sqrt() + hi.sqrt() - 2.0).abs() < 1e-12);
            }
        }
    }

    /// Permuting the units changes no unit's result (for every family).
    #[test]
    fn permuting_units_changes_no_units_result(
        (o, n) in pr_data(),
        seed in any::<u64>(),
        which in 0usize..4,
    ) {
        let k = o.len();
        let mut order: Vec<usize> = (0..k).collect();
        let mut s = seed | 1;
        for i in (1..k).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            order.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let names: Vec<String> = (0..k).map(|i| format!("u{i}")).collect();
        let table = |idx: &[usize]| {
            input(vec![
                ("unit", Arc::new(StringArray::from(idx.iter().map(|&i| names[i].clone()).collect::<Vec<_>>())) as ArrayRef),
                ("o", floats(&idx.iter().map(|&i| o[i]).collect::<Vec<_>>())),
                ("n", floats(&idx.iter().map(|&i| n[i]).collect::<Vec<_>>())),
            ])
        };
        let (statistic, family) = [
            (Statistic::Pr, None),
            (Statistic::Proportion, None),
            (Statistic::Sr, None),
            (Statistic::Proportion, Some(Family::SpiegelhalterExact)),
        ][which];
        let o = FunnelOptions {
            unit: Some("unit".into()),
            family,
            multiplier: Some(100.0),
            exclude_zero_sr: true,
            ..opts(statistic, "o", "n")
        };
        let a = assess(&table(&(0..k).collect::<Vec<_>>()), &o);
        let b = assess(&table(&order), &o);
        match (a, b) {
            (Ok(a), Ok(b)) => {
                let units_b = strs(&b, "unit");
                for (i, u) in strs(&a, "unit").iter().enumerate() {
                    let j = units_b.iter().position(|v| v == u).unwrap();
                    for c in ["value", "z", "z_adjusted", "lcl95", "ucl998", "od_lcl95", "od_ucl998", "phi", "tau2"] {
                        let (x, y) = (f64s(&a, c)[i], f64s(&b, c)[j]);
                        match (x, y) {
                            (Some(x), Some(y)) => prop_assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{c}: {x} vs {y}"),
                            _ => prop_assert_eq!(x.is_none(), y.is_none()),
                        }
                    }
                    prop_assert_eq!(bools(&a, "outlier")[i], bools(&b, "outlier")[j]);
                    if statistic == Statistic::Proportion && family.is_none() {
                        prop_assert_eq!(&strs(&a, "significance")[i], &strs(&b, "significance")[j]);
                    }
                }
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind()),
            (a, b) => prop_assert!(false, "one order failed: {:?} / {:?}", a.err(), b.err()),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Bad input.

#[test]
fn bad_cells_name_column_and_row() {
    let o = opts(Statistic::Pr, "o", "n");
    let missing = input(vec![
        (
            "o",
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)])) as ArrayRef,
        ),
        ("n", floats(&[10.0, 10.0, 10.0])),
    ]);
    let e = assess(&missing, &o).unwrap_err();
    assert_eq!(
        (e.kind(), e.column(), e.row()),
        (ErrorKind::InvalidCell, Some("o"), Some(1))
    );
    for (den, rule) in [(0.0, "denominators"), (-2.0, "denominators")] {
        let data = input(vec![
            ("o", floats(&[1.0, 1.0])),
            ("n", floats(&[10.0, den])),
        ]);
        let e = assess(&data, &o).unwrap_err();
        assert_eq!((e.column(), e.row()), (Some("n"), Some(1)), "{e}");
        assert!(e.to_string().contains(rule), "{e}");
    }
    let over = input(vec![
        ("o", floats(&[1.0, 11.0])),
        ("n", floats(&[10.0, 10.0])),
    ]);
    let e = assess(&over, &o).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("o"), Some(1)));
    assert!(e.to_string().contains("must not exceed"), "{e}");
    // The same for PHE proportions; a negative numerator.
    let e = assess(
        &over,
        &FunnelOptions {
            multiplier: Some(100.0),
            ..opts(Statistic::Proportion, "o", "n")
        },
    )
    .unwrap_err();
    assert_eq!(e.row(), Some(1));
    let neg = input(vec![
        ("o", floats(&[-1.0, 1.0])),
        ("n", floats(&[10.0, 10.0])),
    ]);
    assert_eq!(
        assess(&neg, &opts(Statistic::Rc, "o", "n"))
            .unwrap_err()
            .row(),
        Some(0)
    );
    // A missing unit, a missing column, a text numerator.
    let data = input(vec![
        (
            "u",
            Arc::new(StringArray::from(vec![Some("a"), None])) as ArrayRef,
        ),
        ("o", floats(&[1.0, 1.0])),
        ("n", floats(&[10.0, 10.0])),
    ]);
    let e = assess(
        &data,
        &FunnelOptions {
            unit: Some("u".into()),
            ..o.clone()
        },
    )
    .unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("u"), Some(1)));
    // An empty unit is missing too (an empty CSV field), not a unit "" that would add
    // unrelated rows together.
    {
        let data = input(vec![
            ("u", strings(&["a", "", ""])),
            ("o", floats(&[1.0, 1.0, 2.0])),
            ("n", floats(&[10.0, 10.0, 10.0])),
        ]);
        let u = FunnelOptions {
            unit: Some("u".into()),
            ..o.clone()
        };
        let e = assess(&data, &u).unwrap_err();
        assert_eq!((e.column(), e.row()), (Some("u"), Some(1)), "{e}");
    }
    let e = assess(&data, &opts(Statistic::Pr, "o", "pop")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingColumn);
    let e = assess(&data, &opts(Statistic::Pr, "u", "n")).unwrap_err();
    assert_eq!((e.kind(), e.column()), (ErrorKind::ColumnType, Some("u")));
}

#[test]
fn sr_shmi_with_zero_events_names_the_unit_unless_excluded() {
    let data = input(vec![
        ("u", strings(&["a", "b", "c", "d"])),
        ("o", floats(&[10.0, 0.0, 12.0, 8.0])),
        ("e", floats(&[11.0, 5.0, 10.0, 9.0])),
    ]);
    let o = FunnelOptions {
        unit: Some("u".into()),
        ..opts(Statistic::Sr, "o", "e")
    };
    let e = assess(&data, &o).unwrap_err();
    assert_eq!((e.kind(), e.group()), (ErrorKind::InvalidGroup, Some("b")));
    assert!(e.to_string().contains("exclude_zero_sr"), "{e}");
    let r = assess(
        &data,
        &FunnelOptions {
            exclude_zero_sr: true,
            ..o.clone()
        },
    )
    .unwrap();
    assert_eq!(strs(&r, "unit"), ["a", "c", "d"]);
    assert_eq!(r.diagnostics.count("zero_observed_sr"), 1);
    assert_eq!(r.diagnostics.entries[0].first_row, Some(1));
    // The diagnostics travel in the schema metadata.
    let batch = r.into_batch();
    assert!(
        batch.schema().metadata()[collabmetrics::table::DIAGNOSTICS_KEY]
            .contains("zero_observed_sr")
    );
    // CQC and PR have a z-score at 0 events.
    assert!(assess(
        &data,
        &FunnelOptions {
            sr_method: SrMethod::Cqc,
            ..o
        }
    )
    .is_ok());
}

#[test]
fn fewer_than_two_units_for_overdispersion() {
    let data = input(vec![("o", floats(&[10.0])), ("n", floats(&[100.0]))]);
    let e = assess(&data, &opts(Statistic::Pr, "o", "n")).unwrap_err();
    assert_eq!(
        (e.kind(), e.argument()),
        (ErrorKind::InvalidArgument, Some("draw_adjusted"))
    );
    assert!(e.to_string().contains("at least 2 units"), "{e}");
    let ok = assess(
        &data,
        &FunnelOptions {
            draw_adjusted: false,
            ..opts(Statistic::Pr, "o", "n")
        },
    );
    assert!(ok.is_ok());
    // PHE needs no overdispersion: one unit is fine.
    assert!(assess(
        &data,
        &FunnelOptions {
            multiplier: Some(100.0),
            ..opts(Statistic::Proportion, "o", "n")
        }
    )
    .is_ok());
    // Nothing at all.
    let empty = input(vec![("o", floats(&[])), ("n", floats(&[]))]);
    assert!(assess(&empty, &opts(Statistic::Pr, "o", "n"))
        .unwrap_err()
        .to_string()
        .contains("no units"));
}

#[test]
fn unknown_and_missing_options() {
    let e = "pop".parse::<Statistic>().unwrap_err();
    assert_eq!(e.argument(), Some("statistic"));
    assert!(
        e.to_string()
            .contains("unknown statistic \"pop\"; expected one of \"proportion\""),
        "{e}"
    );
    let e = "fingertips".parse::<Family>().unwrap_err();
    assert_eq!(e.argument(), Some("family"));
    // Names are the core's option tables: case-insensitive, FunnelPlotR's spelling written.
    assert_eq!("shmi".parse::<SrMethod>().unwrap(), SrMethod::Shmi);
    assert_eq!(SrMethod::Cqc.to_string(), "CQC");
    assert_eq!("99".parse::<Limit>().unwrap(), Limit::L99);
    assert_eq!("99.8".parse::<Limit>().unwrap(), Limit::L99);
    assert_eq!("90".parse::<Limit>().unwrap_err().argument(), Some("limit"));
    // The limit is written as FunnelPlotR's number and read back from a number or a name.
    assert_eq!(serde_json::to_string(&Limit::L95).unwrap(), "95");
    assert_eq!(serde_json::from_str::<Limit>("99").unwrap(), Limit::L99);
    assert_eq!(serde_json::from_str::<Limit>("\"95\"").unwrap(), Limit::L95);
    assert!(serde_json::from_str::<Limit>("97").is_err());
    // serde spells the same names.
    let json = serde_json::to_string(&FunnelOptions::new(Statistic::RatioIsr)).unwrap();
    assert!(
        json.contains("\"statistic\":\"ratio_isr\"") && json.contains("\"sr_method\":\"SHMI\""),
        "{json}"
    );
    let back: FunnelOptions = serde_json::from_str(&json).unwrap();
    assert_eq!(back, FunnelOptions::new(Statistic::RatioIsr));
    assert!(serde_json::from_str::<FunnelOptions>(r#"{"statistic": "pop"}"#).is_err());

    let data = input(vec![
        ("o", floats(&[1.0, 2.0])),
        ("n", floats(&[10.0, 10.0])),
    ]);
    let no_statistic = FunnelOptions {
        numerator: "o".into(),
        denominator: "n".into(),
        ..FunnelOptions::default()
    };
    assert_eq!(
        assess(&data, &no_statistic).unwrap_err().argument(),
        Some("statistic")
    );
    let wrong = FunnelOptions {
        family: Some(Family::Phe),
        ..opts(Statistic::Sr, "o", "n")
    };
    let e = assess(&data, &wrong).unwrap_err();
    assert!(e.to_string().contains("not drawn by family \"phe\""), "{e}");
    let e = assess(&data, &opts(Statistic::Proportion, "o", "n")).unwrap_err();
    assert_eq!(
        e.argument(),
        Some("multiplier"),
        "PHE proportions need a multiplier"
    );
    for trim in [0.0, 0.5, -0.1, f64::NAN] {
        let e = assess(
            &data,
            &FunnelOptions {
                trim_by: trim,
                ..opts(Statistic::Pr, "o", "n")
            },
        )
        .unwrap_err();
        assert_eq!(e.argument(), Some("trim_by"));
    }
    let e = assess(
        &data,
        &FunnelOptions {
            multiplier: Some(0.0),
            ..opts(Statistic::Pr, "o", "n")
        },
    )
    .unwrap_err();
    assert_eq!(e.argument(), Some("multiplier"));
    let rate = FunnelOptions {
        multiplier: Some(1e5),
        ..opts(Statistic::RateDsr, "o", "n")
    };
    assert_eq!(
        assess(&data, &rate).unwrap_err().argument(),
        Some("years_of_data")
    );
    // Options a statistic does not take are refused, not ignored: the years of data rescale
    // only PHE rates, and PHE's ratios have their own fixed scale (ISR × 100).
    for statistic in [Statistic::Pr, Statistic::Sr, Statistic::RatioIsr] {
        let e = assess(
            &data,
            &FunnelOptions {
                years_of_data: Some(3.0),
                ..opts(statistic, "o", "n")
            },
        )
        .unwrap_err();
        assert_eq!(e.argument(), Some("years_of_data"), "{statistic}");
        assert!(e.to_string().contains("rates"), "{e}");
    }
    for statistic in [Statistic::RatioIsr, Statistic::RatioCount] {
        let e = assess(
            &data,
            &FunnelOptions {
                multiplier: Some(100.0),
                ..opts(statistic, "o", "n")
            },
        )
        .unwrap_err();
        assert_eq!(e.argument(), Some("multiplier"), "{statistic}");
        assert!(e.to_string().contains("takes none"), "{e}");
    }
}

#[test]
fn bad_phe_rates() {
    let base = FunnelOptions {
        rate: "rate".into(),
        multiplier: Some(1e5),
        years_of_data: Some(1.0),
        unit: Some("u".into()),
        ..opts(Statistic::RateCrude, "o", "pop")
    };
    // A duplicate unit: a published rate cannot be added up.
    let dup = input(vec![
        ("u", strings(&["a", "b", "a"])),
        ("o", floats(&[5.0, 6.0, 7.0])),
        ("rate", floats(&[50.0, 60.0, 70.0])),
    ]);
    let e = assess(&dup, &base).unwrap_err();
    assert_eq!(e.group(), Some("a"));
    assert!(e.to_string().contains("rows 0 and 2"), "{e}");
    // A record with events but no rate.
    let no_rate = input(vec![
        ("u", strings(&["a", "b"])),
        ("o", floats(&[5.0, 6.0])),
        (
            "rate",
            Arc::new(Float64Array::from(vec![Some(50.0), None])) as ArrayRef,
        ),
    ]);
    let e = assess(&no_rate, &base).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("rate"), Some(1)));
    // 0 events for a crude rate without a denominator column, then with a missing one.
    let zero = input(vec![
        ("u", strings(&["a", "b"])),
        ("o", floats(&[5.0, 0.0])),
        ("rate", floats(&[50.0, 0.0])),
    ]);
    let e = assess(&zero, &base).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("o"), Some(1)));
    assert!(e.to_string().contains("needs a denominator"), "{e}");
    let zero = input(vec![
        ("u", strings(&["a", "b"])),
        ("o", floats(&[5.0, 0.0])),
        ("rate", floats(&[50.0, 0.0])),
        (
            "pop",
            Arc::new(Float64Array::from(vec![Some(1e4), None])) as ArrayRef,
        ),
    ]);
    let e = assess(&zero, &base).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("pop"), Some(1)));
    // A DSR of 0 events needs no denominator: labelled and counted.
    let dsr = input(vec![
        ("u", strings(&["a", "b", "c"])),
        ("o", floats(&[50.0, 0.0, 30.0])),
        ("rate", floats(&[50.0, 0.0, 40.0])),
    ]);
    let r = assess(
        &dsr,
        &FunnelOptions {
            statistic: Some(Statistic::RateDsr),
            ..base
        },
    )
    .unwrap();
    assert_eq!(strs(&r, "significance")[1], funnel::NOT_APPLICABLE);
    assert_eq!(f64s(&r, "denominator")[1], None);
    assert_eq!(f64s(&r, "lcl95")[1], None);
    assert_eq!(bools(&r, "outlier")[1], None);
    assert_eq!(r.diagnostics.count("dsr_zero_events"), 1);
    assert_eq!(r.diagnostics.count("dsr_fewer_than_10_events"), 1);
}

#[test]
fn the_schema_depends_on_the_options_only() {
    let names = |r: &TableResult| -> Vec<String> {
        r.table
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    };
    let a = input(vec![
        ("o", floats(&[1.0, 5.0, 9.0])),
        ("n", floats(&[10.0, 20.0, 30.0])),
    ]);
    let b = input(vec![
        ("o", Arc::new(Int64Array::from(vec![3, 4])) as ArrayRef),
        ("n", floats(&[300.0, 40.0])),
    ]);
    for o in [
        opts(Statistic::Pr, "o", "n"),
        FunnelOptions {
            multiplier: Some(100.0),
            ..opts(Statistic::Proportion, "o", "n")
        },
    ] {
        let (ra, rb) = (assess(&a, &o).unwrap(), assess(&b, &o).unwrap());
        assert_eq!(ra.table.schema(), rb.table.schema());
        let mut want = vec![
            "unit",
            "numerator",
            "denominator",
            "value",
            "target",
            "z",
            "z_adjusted",
            "trimmed",
            "lcl95",
            "ucl95",
            "lcl998",
            "ucl998",
            "od_lcl95",
            "od_ucl95",
            "od_lcl998",
            "od_ucl998",
            "outlier",
            "phi",
            "tau2",
            "m",
            "adjusted",
            "method",
        ];
        if o.statistic == Some(Statistic::Proportion) {
            want.push("significance");
            // PHE: no z-scores or overdispersion.
            assert_eq!(f64s(&ra, "z")[0], None);
            assert_eq!(f64s(&ra, "phi")[0], None);
        }
        assert_eq!(names(&ra), want);
    }
}

#[test]
fn roles_for_publication_suppress_z_scores_with_their_counts() {
    use collabmetrics::disclosure::{disclose, DisclosureOptions};
    use collabmetrics::table::{DerivedKind, Roles};
    // PHE percentages of four areas, one with 3 events: the rule suppresses that count, and
    // the z-score-like columns and value that would give it back go with it.
    let data = input(vec![
        ("area", strings(&["a", "b", "c", "d"])),
        ("o", floats(&[3.0, 40.0, 55.0, 61.0])),
        ("n", floats(&[50.0, 100.0, 120.0, 130.0])),
    ]);
    let o = FunnelOptions {
        unit: Some("area".into()),
        multiplier: Some(100.0),
        ..opts(Statistic::Proportion, "o", "n")
    };
    let r = assess(&data, &o).unwrap();
    let roles = Roles::of(&r.table.schema()).unwrap().unwrap();
    assert_eq!(roles.counts, ["numerator", "denominator"]);
    assert_eq!(roles.keys, ["unit"]);
    let value = roles.derived.iter().find(|d| d.column == "value").unwrap();
    assert_eq!(
        (value.kind, value.multiplier),
        (DerivedKind::Percent, Some(100.0))
    );
    assert!(roles
        .derived
        .iter()
        .any(|d| d.column == "z" && d.kind == DerivedKind::Mean));
    let published = disclose(&input_batch(r.table.clone()), &DisclosureOptions::default()).unwrap();
    let t = &published.table.table;
    let numerator = t.column_by_name("numerator").unwrap();
    assert!(numerator.is_null(0), "3 events are suppressed");
    // 3 of 50 (6%) is far below the others: its significance and outlier flag would say the
    // suppressed count is small enough to fall below the limits. Withheld with it.
    let raw = &r.table;
    for column in ["significance", "outlier"] {
        let before = raw.column_by_name(column).unwrap();
        assert_eq!(before.null_count(), 0, "{column}");
        let after = t.column_by_name(column).unwrap();
        assert!(after.is_null(0), "{column} withheld with its count");
        assert_eq!(
            after.null_count(),
            1,
            "{column}: the other units keep theirs"
        );
        assert_eq!(after.data_type(), before.data_type());
    }
    let label = published
        .table
        .diagnostics
        .entries
        .iter()
        .find(|e| e.reason == "label_withheld")
        .unwrap();
    assert_eq!((label.count, label.first_row), (2, Some(0)));
    // FunnelPlotR's z-scores give O back exactly: they are suppressed with it.
    let pr = assess(
        &data,
        &FunnelOptions {
            multiplier: None,
            ..opts(Statistic::Pr, "o", "n")
        },
    )
    .unwrap();
    let published = disclose(
        &input_batch(pr.table.clone()),
        &DisclosureOptions::default(),
    )
    .unwrap();
    let t = &published.table.table;
    assert!(pr.table.column_by_name("trimmed").unwrap().is_valid(0));
    assert!(t.column_by_name("trimmed").unwrap().is_null(0));
    assert!(t.column_by_name("z").unwrap().is_null(0));
    assert!(t.column_by_name("z_adjusted").unwrap().is_null(0));
    assert!(!t.column_by_name("z").unwrap().is_null(1));
    // The limits tables carry (empty) roles.
    let l = limits(&data, &o).unwrap();
    assert!(Roles::of(&l.table.schema())
        .unwrap()
        .unwrap()
        .counts
        .is_empty());
}

fn input_batch(b: RecordBatch) -> Input {
    Input::new(b.schema(), &[b], ColumnMap::new()).unwrap()
}

#[test]
fn phe_rates_of_zero_event_units_are_charted_as_published_or_refused() {
    // Spec A.3 (calculate_funnel_points): a crude rate's rate_chart is its published rate, so a
    // unit with 0 events charts the rate it was given; a missing one stays missing (NA in
    // PHE), not 0; a negative or infinite one is not a rate: an error naming the cell.
    let data = |rate0: Option<f64>| {
        input(vec![
            ("ev", floats(&[0.0, 5.0, 20.0, 100.0])),
            (
                "pop",
                Arc::new(Float64Array::from(vec![Some(1000.0), None, None, None])) as ArrayRef,
            ),
            (
                "rate",
                Arc::new(Float64Array::from(vec![
                    rate0,
                    Some(50.0),
                    Some(200.0),
                    Some(80.0),
                ])) as ArrayRef,
            ),
        ])
    };
    let o = |statistic| FunnelOptions {
        unit: None,
        ..rate_options(statistic, 1e5, 1.0)
    };
    for statistic in [Statistic::RateCrude, Statistic::RateDsr] {
        for bad in [-7.0, f64::INFINITY] {
            let e = assess(&data(Some(bad)), &o(statistic)).unwrap_err();
            assert_eq!(
                (e.kind(), e.column(), e.row()),
                (ErrorKind::InvalidCell, Some("rate"), Some(0)),
                "{statistic} {bad}: {e}"
            );
        }
        let r = assess(&data(None), &o(statistic)).unwrap();
        assert_eq!(f64s(&r, "value")[0], None, "{statistic}");
        assert_eq!(f64s(&r, "rate_chart")[0], None, "{statistic}");
    }
    // A published 0 is charted as 0.
    let r = assess(&data(Some(0.0)), &o(Statistic::RateCrude)).unwrap();
    assert_eq!(
        f64s(&r, "rate_chart"),
        vec![Some(0.0), Some(50.0), Some(200.0), Some(80.0)]
    );
}

#[test]
fn an_all_null_count_column_is_missing_values_not_a_type() {
    // An all-empty CSV column arrives as Arrow's null type: its first row is the missing
    // value, as in a column of any number type.
    let t = input(vec![
        ("unit", strings(&["A", "B"])),
        (
            "numerator",
            Arc::new(arrow_array::NullArray::new(2)) as ArrayRef,
        ),
        ("denominator", floats(&[100.0, 120.0])),
    ]);
    let mut o = proportion_options();
    o.unit = Some("unit".into());
    let e = assess(&t, &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCell, "{e}");
    assert!(e.to_string().contains("`numerator` at row 0"), "{e}");
}

#[test]
fn a_column_mapping_that_names_nothing_is_an_error() {
    // `numerater` (misspelt) would otherwise be ignored, and the error would only say that
    // `numerator` is missing.
    let batch = RecordBatch::try_from_iter(vec![
        ("unit", strings(&["A", "B"])),
        ("numerator", floats(&[3.0, 4.0])),
        ("denominator", floats(&[100.0, 120.0])),
    ])
    .unwrap();
    let map = ColumnMap::new().with("numerater", "numerator");
    let t = Input::new(batch.schema(), &[batch], map).unwrap();
    let mut o = proportion_options();
    o.unit = Some("unit".into());
    let e = assess(&t, &o).unwrap_err().to_string();
    assert!(
        e.contains("`numerater` → `numerator`") && e.contains("`columns`"),
        "{e}"
    );
}
