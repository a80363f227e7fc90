//! The statistics core against PHEindicatormethods' own test vectors
//! (`tests/reference/phe/`, see its README for the call behind each expected column).

mod common;

use collabmetrics::stats::{
    self, byar_limits, wilson_limits, z_value, DsrOptions, IsrKind, IsrOptions, MeanOptions,
    Method, ProportionOptions, RateMethod, RateOptions, StandardPopulation,
};
use common::{close, num, percent, read_csv};

const TOL: f64 = 1e-9;

#[test]
fn byars_and_wilson_limits() {
    let rows = read_csv("phe/testdata_Byars_Wilson__testdata_B_W.csv");
    assert_eq!(rows.len(), 13);
    for row in &rows {
        let x = num(row, "x").unwrap();
        let z = z_value(percent(&row["confidence"])).unwrap();
        let (lo, hi) = match row["method"].as_str() {
            "Byars" => byar_limits(x, z),
            "Wilson" => wilson_limits(x, num(row, "n").unwrap(), z),
            m => panic!("unknown method {m}"),
        };
        if let Some(expected) = num(row, "lowercl") {
            close(
                lo,
                expected,
                TOL,
                &format!("{} lower of {x}", row["method"]),
            );
        }
        close(
            hi,
            num(row, "uppercl").unwrap(),
            TOL,
            &format!("{} upper of {x}", row["method"]),
        );
    }
}

#[test]
fn proportions_at_two_confidence_levels() {
    let rows: Vec<_> = read_csv("phe/testdata_Proportion__testdata_Prop.csv")
        .into_iter()
        .filter(|r| num(r, "value").is_some())
        .collect();
    assert_eq!(rows.len(), 16);
    let num_col: Vec<f64> = rows.iter().map(|r| num(r, "Numerator").unwrap()).collect();
    let den_col: Vec<f64> = rows
        .iter()
        .map(|r| num(r, "Denominator").unwrap())
        .collect();
    for (conf, lo_key, hi_key) in [
        (0.95, "lower95_0cl", "upper95_0cl"),
        (0.998, "lower99_8cl", "upper99_8cl"),
    ] {
        // PHE's file mixes multipliers per row; compute per row so each uses its own.
        for (i, row) in rows.iter().enumerate() {
            let opts = ProportionOptions {
                confidence: conf,
                multiplier: num(row, "multiplier").unwrap(),
                ..Default::default()
            };
            let est = stats::proportion(&num_col[i..=i], &den_col[i..=i], &opts).unwrap();
            close(est.value[0], num(row, "value").unwrap(), TOL, "value");
            close(est.lower[0], num(row, lo_key).unwrap(), TOL, lo_key);
            close(est.upper[0], num(row, hi_key).unwrap(), TOL, hi_key);
            if let Some(m) = row.get("method") {
                assert_eq!(est.method[0].name(), m);
            }
        }
    }
}

#[test]
fn proportions_one_confidence_per_row() {
    for row in read_csv("phe/testdata_Proportion__testdata_Prop_g.csv") {
        if num(&row, "value").is_none() {
            continue; // missing numerator or denominator: PHE gives NA, we refuse (see below)
        }
        let opts = ProportionOptions {
            confidence: percent(&row["confidence"]),
            multiplier: num(&row, "multiplier").unwrap(),
            ..Default::default()
        };
        let est = stats::proportion(
            &[num(&row, "Numerator").unwrap()],
            &[num(&row, "Denominator").unwrap()],
            &opts,
        )
        .unwrap();
        close(est.value[0], num(&row, "value").unwrap(), TOL, "value");
        close(est.lower[0], num(&row, "lowercl").unwrap(), TOL, "lower");
        close(est.upper[0], num(&row, "uppercl").unwrap(), TOL, "upper");
    }
}

fn check_rate(
    row: &std::collections::HashMap<String, String>,
    conf: f64,
    lo_key: &str,
    hi_key: &str,
) {
    if num(row, "value").is_none() {
        return; // missing numerator or denominator: PHE gives NA, we refuse (tested below)
    }
    let opts = RateOptions {
        confidence: conf,
        multiplier: num(row, "multiplier").unwrap(),
        method: RateMethod::Byar,
    };
    let est = stats::rate(
        &[num(row, "Numerator").unwrap()],
        &[num(row, "Denominator").unwrap()],
        &opts,
    )
    .unwrap();
    let area = &row["Area"];
    close(
        est.value[0],
        num(row, "value").unwrap(),
        TOL,
        &format!("{area} value"),
    );
    close(
        est.lower[0],
        num(row, lo_key).unwrap(),
        TOL,
        &format!("{area} {lo_key}"),
    );
    close(
        est.upper[0],
        num(row, hi_key).unwrap(),
        TOL,
        &format!("{area} {hi_key}"),
    );
    if let Some(m) = row.get("method").filter(|m| !m.is_empty()) {
        assert_eq!(est.method[0].name(), m, "{area} method");
    }
}

#[test]
fn rates_byar_above_ten_exact_below() {
    let rows = read_csv("phe/testdata_Rate__testdata_Rate.csv");
    assert!(rows.len() >= 10);
    for row in &rows {
        check_rate(row, 0.95, "lower95_0cl", "upper95_0cl");
        check_rate(row, 0.998, "lower99_8cl", "upper99_8cl");
    }
    for row in read_csv("phe/testdata_Rate__testdata_Rate_g.csv") {
        check_rate(&row, percent(&row["confidence"]), "lowercl", "uppercl");
    }
}

/// Rows of the multi-area DSR input, as parallel columns with group codes.
struct Bands {
    areas: Vec<String>,
    group: Vec<u32>,
    band: Vec<u32>,
    count: Vec<f64>,
    pop: Vec<f64>,
}

/// Bands are paired with the standard by their order within each area, as PHEindicatormethods
/// pairs them (the files label 55–59 as "55-69", a typo that label matching rightly refuses).
fn read_bands(file: &str, standard: &StandardPopulation) -> Bands {
    let mut b = Bands {
        areas: vec![],
        group: vec![],
        band: vec![],
        count: vec![],
        pop: vec![],
    };
    for row in read_csv(file) {
        let area = row
            .get("area")
            .cloned()
            .unwrap_or_else(|| "testdata_1976".to_owned());
        let g = match b.areas.iter().position(|a| *a == area) {
            Some(g) => g,
            None => {
                b.areas.push(area);
                b.areas.len() - 1
            }
        };
        b.group.push(g as u32);
        let position = b.group.iter().filter(|&&x| x == g as u32).count() - 1;
        assert!(position < standard.len());
        b.band.push(position as u32);
        // testdata_tiny leaves one count empty; PHEindicatormethods counts it as 0 (its total
        // of 9 says so). collabmetrics refuses missing counts, so the test supplies the 0.
        b.count.push(num(&row, "count").unwrap_or(0.0));
        b.pop.push(num(&row, "pop").unwrap());
    }
    b
}

#[test]
fn dsr_multiarea_esp2013() {
    let std = StandardPopulation::esp2013();
    let b = read_bands("phe/testdata_DSR_ISR__testdata_multiarea.csv", &std);
    let expected = read_csv("phe/testdata_DSR_ISR__testresults_DSR.csv");
    for multiplier in [10_000.0, 100_000.0] {
        for (conf, lo_key, hi_key) in [
            (0.95, "lower95_0cl", "upper95_0cl"),
            (0.998, "lower99_8cl", "upper99_8cl"),
        ] {
            let opts = DsrOptions {
                confidence: conf,
                multiplier,
                method: RateMethod::Byar,
            };
            let est = stats::dsr(
                &b.group,
                b.areas.len(),
                &b.band,
                &b.count,
                &b.pop,
                &std,
                &opts,
                &|g| b.areas[g].clone(),
            )
            .unwrap();
            let statistic = format!("dsr per {multiplier}");
            for (g, area) in b.areas.iter().enumerate() {
                let row = expected
                    .iter()
                    .find(|r| {
                        r["area"] == *area
                            && (r["statistic"] == statistic || r["statistic"].starts_with("dsr NA"))
                    })
                    .unwrap_or_else(|| panic!("no expected row for {area}"));
                close(
                    est.total_count[g],
                    num(row, "total_count").unwrap(),
                    TOL,
                    "total_count",
                );
                close(
                    est.total_population[g],
                    num(row, "total_pop").unwrap(),
                    TOL,
                    "total_pop",
                );
                match num(row, "value") {
                    // PHE suppresses (NA) below 10 events; we return the value with a flag.
                    None => assert!(
                        est.low_count[g] && est.total_count[g] < 10.0,
                        "{area} flagged"
                    ),
                    Some(v) => {
                        assert!(!est.low_count[g]);
                        close(est.value[g], v, TOL, &format!("{area} value"));
                        close(
                            est.lower[g],
                            num(row, lo_key).unwrap(),
                            TOL,
                            &format!("{area} {lo_key}"),
                        );
                        close(
                            est.upper[g],
                            num(row, hi_key).unwrap(),
                            TOL,
                            &format!("{area} {hi_key}"),
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn dsr_with_a_caller_given_standard_esp1976() {
    let rows = read_csv("phe/testdata_DSR_ISR__testdata_1976.csv");
    let weights: Vec<f64> = rows.iter().map(|r| num(r, "esp1976").unwrap()).collect();
    let lower_ages: Vec<i32> = (0..weights.len() as i32).map(|i| i * 5).collect();
    let std = StandardPopulation::custom(lower_ages, weights).unwrap();
    let b = read_bands("phe/testdata_DSR_ISR__testdata_1976.csv", &std);
    let expected = read_csv("phe/testdata_DSR_ISR__testresults_DSR.csv");
    let row = expected
        .iter()
        .find(|r| r["area"] == "testdata_1976" && r["statistic"] == "dsr per 100000")
        .unwrap();
    let est = stats::dsr(
        &b.group,
        1,
        &b.band,
        &b.count,
        &b.pop,
        &std,
        &DsrOptions::default(),
        &|_| "1976".into(),
    )
    .unwrap();
    close(est.value[0], num(row, "value").unwrap(), TOL, "value");
    close(
        est.lower[0],
        num(row, "lower95_0cl").unwrap(),
        TOL,
        "lower95",
    );
    close(
        est.upper[0],
        num(row, "upper95_0cl").unwrap(),
        TOL,
        "upper95",
    );
    // The file's 99.8% limits for this row are ten times the value's scale (76 592 … 95 992
    // around 8 592): an inconsistency in the reference workbook, so they are checked against a
    // tenth of the published figure, which is what Dobson's formula gives at 99.8%.
    let opts = DsrOptions {
        confidence: 0.998,
        ..DsrOptions::default()
    };
    let est = stats::dsr(&b.group, 1, &b.band, &b.count, &b.pop, &std, &opts, &|_| {
        "1976".into()
    })
    .unwrap();
    close(
        est.lower[0],
        num(row, "lower99_8cl").unwrap() / 10.0,
        TOL,
        "lower99.8",
    );
    close(
        est.upper[0],
        num(row, "upper99_8cl").unwrap() / 10.0,
        TOL,
        "upper99.8",
    );
}

#[test]
fn isr_ratios_and_rates() {
    let rows = read_csv("phe/testdata_DSR_ISR__testdata_multiarea_isr.csv");
    let mut areas: Vec<String> = vec![];
    let mut group = vec![];
    for r in &rows {
        if !areas.contains(&r["area"]) {
            areas.push(r["area"].clone());
        }
        group.push(areas.iter().position(|a| *a == r["area"]).unwrap() as u32);
    }
    // testdata_tiny leaves the 10-14 band's count, population and reference count empty; that
    // band has 0 reference events, so it contributes nothing to E whatever its population:
    // read as 0, as PHE's sums skip it.
    let col = |k: &str| {
        rows.iter()
            .map(|r| num(r, k).unwrap_or(0.0))
            .collect::<Vec<f64>>()
    };
    let (count, pop, refc, refp) = (col("count"), col("pop"), col("refcount"), col("refpop"));
    // The first twelve expected rows use this reference data (the last four another).
    let expected = read_csv("phe/testdata_DSR_ISR__testresults_ISR.csv");
    for row in &expected[..12] {
        let statistic = &row["statistic"];
        let (kind, multiplier) = match statistic.as_str() {
            "indirectly standardised rate per 100000" => (IsrKind::Rate, 100_000.0),
            "indirectly standardised rate per 1000" => (IsrKind::Rate, 1_000.0),
            "indirectly standardised ratio x 1" => (IsrKind::Ratio, 1.0),
            "indirectly standardised ratio x 100" => (IsrKind::Ratio, 100.0),
            s => panic!("unexpected statistic {s}"),
        };
        let g = areas.iter().position(|a| *a == row["area"]).unwrap();
        for (conf, lo_key, hi_key) in [
            (0.95, "lower95_0cl", "upper95_0cl"),
            (0.998, "lower99_8cl", "upper99_8cl"),
        ] {
            let opts = IsrOptions {
                confidence: conf,
                multiplier: Some(multiplier),
                method: RateMethod::Byar,
                kind,
            };
            let est = stats::isr(
                &group,
                areas.len(),
                &count,
                &pop,
                &refc,
                &refp,
                &opts,
                &|g| areas[g].clone(),
            )
            .unwrap();
            let what = format!("{} {statistic}", row["area"]);
            close(est.observed[g], num(row, "observed").unwrap(), TOL, &what);
            close(est.expected[g], num(row, "expected").unwrap(), TOL, &what);
            if let Some(r) = num(row, "ref_rate") {
                close(est.reference_rate[g], r, TOL, &what);
            }
            close(est.value[g], num(row, "value").unwrap(), TOL, &what);
            close(
                est.lower[g],
                num(row, lo_key).unwrap(),
                TOL,
                &format!("{what} {lo_key}"),
            );
            close(
                est.upper[g],
                num(row, hi_key).unwrap(),
                TOL,
                &format!("{what} {hi_key}"),
            );
            assert_eq!(est.method[g].name(), row["method"]);
        }
    }
}

#[test]
fn means_with_student_t() {
    let rows = read_csv("phe/testdata_Mean__testdata_Mean.csv");
    let mut areas: Vec<String> = vec![];
    let mut group = vec![];
    let values: Vec<f64> = rows.iter().map(|r| num(r, "values").unwrap()).collect();
    for r in &rows {
        if !areas.contains(&r["area"]) {
            areas.push(r["area"].clone());
        }
        group.push(areas.iter().position(|a| *a == r["area"]).unwrap() as u32);
    }
    let expected = read_csv("phe/testdata_Mean__testdata_Mean_results.csv");
    for (conf, lo_key, hi_key) in [
        (0.95, "lower95_0cl", "upper95_0cl"),
        (0.998, "lower99_8cl", "upper99_8cl"),
    ] {
        let opts = MeanOptions { confidence: conf };
        let by_area =
            stats::mean(&group, areas.len(), &values, &opts, &|g| areas[g].clone()).unwrap();
        let all =
            stats::mean(&vec![0; values.len()], 1, &values, &opts, &|_| "all".into()).unwrap();
        for row in &expected {
            let (est, g) = match areas.iter().position(|a| *a == row["area"]) {
                Some(g) => (&by_area, g),
                None => (&all, 0),
            };
            close(est.sum[g], num(row, "value_sum").unwrap(), TOL, "sum");
            close(est.count[g], num(row, "value_count").unwrap(), TOL, "count");
            close(est.sd[g], num(row, "stdev").unwrap(), TOL, "sd");
            close(est.value[g], num(row, "value").unwrap(), TOL, "value");
            close(est.lower[g], num(row, lo_key).unwrap(), TOL, lo_key);
            close(est.upper[g], num(row, hi_key).unwrap(), TOL, hi_key);
        }
    }
    assert_eq!(Method::StudentT.name(), expected[0]["method"]);
}

/// PHE's error workbooks: each input must be refused, with a message naming the problem.
#[test]
fn dsr_error_inputs_are_refused() {
    let std = StandardPopulation::esp2013();
    // err1: a negative count (row 6); err3: a negative population (row 1); err4: a negative
    // standard weight (row 6) in a caller-given standard.
    let err1 = read_csv("phe/testdata_DSR_ISR__testdata_err1.csv");
    let err3 = read_csv("phe/testdata_DSR_ISR__testdata_err3.csv");
    let err4 = read_csv("phe/testdata_DSR_ISR__testdata_err4.csv");
    let cols = |rows: &Vec<std::collections::HashMap<String, String>>, k: &str| {
        rows.iter()
            .map(|r| num(r, k).unwrap())
            .collect::<Vec<f64>>()
    };
    let bands = |rows: &Vec<std::collections::HashMap<String, String>>| {
        (0..rows.len() as u32).collect::<Vec<u32>>()
    };
    let run = |rows: &Vec<std::collections::HashMap<String, String>>| {
        let g = vec![0u32; rows.len()];
        stats::dsr(
            &g,
            1,
            &bands(rows),
            &cols(rows, "count"),
            &cols(rows, "pop"),
            &std,
            &DsrOptions::default(),
            &|_| "area".into(),
        )
    };
    let e = run(&err1).unwrap_err().to_string();
    assert!(
        e.contains("`count` at index 5") && e.contains(">= 0"),
        "{e}"
    );
    let e = run(&err3).unwrap_err().to_string();
    assert!(
        e.contains("`population` at index 1") && e.contains("> 0"),
        "{e}"
    );
    let e = StandardPopulation::custom((0..19).map(|i| i * 5).collect(), cols(&err4, "stdpop"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`weights` at index 5"), "{e}");

    // err2: a zero population (Area1, second band), and Area2 has fewer bands than Area1.
    let err2 = read_csv("phe/testdata_DSR_ISR__testdata_err2.csv");
    let n = err2.len();
    let group: Vec<u32> = err2
        .iter()
        .map(|r| u32::from(r["area"] != "Area1"))
        .collect();
    let band: Vec<u32> = (0..n).map(|i| (i % 19) as u32).collect();
    let e = stats::dsr(
        &group,
        2,
        &band,
        &cols(&err2, "count"),
        &cols(&err2, "pop"),
        &std,
        &DsrOptions::default(),
        &|g| format!("Area{}", g + 1),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`population` at index 1"), "{e}");
}

/// The rows PHE answers with NA (a missing numerator or denominator) are refused by name.
#[test]
fn missing_inputs_are_refused() {
    let e = stats::proportion(&[f64::NAN], &[100.0], &ProportionOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid value in `numerator` at index 0 (NaN): counts must be finite and >= 0"
    );
    let e = stats::rate(&[10.0, 10.0], &[5.0, f64::NAN], &RateOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid value in `denominator` at index 1 (NaN): denominators must be finite and > 0"
    );
}
