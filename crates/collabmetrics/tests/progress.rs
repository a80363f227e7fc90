//! Progress of the long computations through the cancellation token: simulations, bootstraps,
//! batches of SII tables and the transition cohorts report the share of their work done, which
//! a caller reads from another thread (the Python binding's progress bars).

use collabmetrics::cancel::{self, Progress, Token};
use collabmetrics::inequality::{
    bootstrap, sii, sii_batch, BootstrapOptions, IndividualMeasure, SiiOptions, Subgroup,
};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::transition::{self, Tables, TransitionOptions};
use collabmetrics_demo::{generate, DemoOptions};

fn groups(shift: f64) -> Vec<Subgroup> {
    (1..=5)
        .map(|d| Subgroup {
            label: format!("decile {d}"),
            value: 10.0 + shift + 2.0 * d as f64,
            se: Some(1.0),
            lower: None,
            upper: None,
            population: Some(100.0),
            order: Some(d),
        })
        .collect()
}

#[test]
fn a_simulation_reports_its_replicates() {
    let token = Token::new();
    assert_eq!(
        token.fraction(),
        None,
        "nothing reported before the work starts"
    );
    let opts = SiiOptions {
        reps: 10_240,
        ..SiiOptions::default()
    };
    let r = cancel::scope(&token, || sii(&groups(0.0), &opts)).unwrap();
    assert!(r.limits[0].sii_lower < r.sii);
    // 10 240 replicates reported in blocks of 1024: all of them.
    assert_eq!(token.fraction(), Some(1.0));
}

#[test]
fn a_batch_reports_its_tables_and_its_simulations_stay_silent() {
    let token = Token::new();
    let tables: Vec<Vec<Subgroup>> = (0..7).map(|k| groups(k as f64)).collect();
    let opts = SiiOptions {
        reps: 1000,
        ..SiiOptions::default()
    };
    let out = cancel::scope(&token, || sii_batch(&tables, &opts));
    assert!(out.iter().all(Result::is_ok));
    // Seven tables of seven: not the replicates of whichever simulation ran last.
    assert_eq!(token.fraction(), Some(1.0));
    // The claim is released: the next call on the same token reports afresh.
    cancel::scope(&token, || {
        let p = Progress::start(4);
        assert!(p.is_reporting());
        p.advance(1);
    });
    assert_eq!(token.fraction(), Some(0.25));
}

#[test]
fn a_bootstrap_reports_its_resamples() {
    let token = Token::new();
    let values: Vec<f64> = (1..=50).map(f64::from).collect();
    let opts = BootstrapOptions {
        reps: 500,
        ..BootstrapOptions::default()
    };
    cancel::scope(&token, || {
        bootstrap(&values, None, IndividualMeasure::Gini, &opts)
    })
    .unwrap();
    assert_eq!(token.fraction(), Some(1.0));
}

#[test]
fn the_transition_cohorts_report_reading_and_following_people() {
    let d = generate(&DemoOptions::default());
    let input = |b: &arrow_array::RecordBatch| {
        Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap()
    };
    let (p, r, c) = (input(&d.persons), input(&d.referrals), input(&d.contacts));
    let tables = Tables {
        persons: &p,
        referrals: &r,
        contacts: &c,
        care_plans: None,
    };
    let token = Token::new();
    let opts = TransitionOptions::new(DemoOptions::default().data_end());
    cancel::scope(&token, || transition::analyse(&tables, &opts)).unwrap();
    // Half for reading, half for the people (rounded down per chunk of 4096).
    let f = token.fraction().unwrap();
    assert!((0.99..=1.0).contains(&f), "{f}");
}

#[test]
fn progress_is_read_while_the_work_runs() {
    // The polling thread sees the fraction grow while the work is under way.
    let token = Token::new();
    let mut seen = Vec::new();
    cancel::run_polled(
        &token,
        std::time::Duration::from_millis(2),
        || {
            seen.extend(token.fraction());
            false
        },
        || {
            let p = Progress::start(50);
            for _ in 0..50 {
                p.advance(1);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        },
    );
    assert!(!seen.is_empty());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.iter().any(|&f| f > 0.0 && f < 1.0), "{seen:?}");
}

/// One table of five deciles with standard errors, for the measures entry point.
fn decile_table() -> arrow_array::RecordBatch {
    use arrow_array::{ArrayRef, Float64Array, Int64Array};
    use std::sync::Arc;
    let d: Vec<i64> = (1..=5).collect();
    arrow_array::RecordBatch::try_from_iter(vec![
        ("decile", Arc::new(Int64Array::from(d.clone())) as ArrayRef),
        (
            "rate",
            Arc::new(Float64Array::from_iter_values(
                d.iter().map(|&d| 10.0 + 5.0 * d as f64),
            )) as ArrayRef,
        ),
        ("se", Arc::new(Float64Array::from(vec![1.0; 5])) as ArrayRef),
        (
            "pop",
            Arc::new(Float64Array::from(vec![1000.0; 5])) as ArrayRef,
        ),
    ])
    .unwrap()
}

#[test]
fn one_table_of_measures_reports_by_measure_and_never_goes_back() {
    use collabmetrics::inequality::{
        measures_table, Favourable, HeatOptions, MeasuresTableOptions,
    };
    let b = decile_table();
    let map = ColumnMap::new()
        .with("subgroup", "decile")
        .with("value", "rate")
        .with("population", "pop")
        .with("order", "decile");
    let input = Input::new(b.schema(), std::slice::from_ref(&b), map).unwrap();
    let opts = MeasuresTableOptions {
        se: Some("se".into()),
        order: Some("order".into()),
        options: HeatOptions {
            favourable: Some(Favourable::High),
            // Not a multiple of the simulation's blocks of 1024 replicates.
            reps: 3000,
            ..HeatOptions::default()
        },
        ..MeasuresTableOptions::default()
    };
    let token = Token::new();
    let mut seen = Vec::new();
    let out = cancel::run_polled(
        &token,
        std::time::Duration::from_millis(1),
        || {
            seen.extend(token.fraction());
            false
        },
        || measures_table(&input, &opts),
    )
    .unwrap();
    // Several measures, several simulations: one fraction for all of them, ending at 1.
    assert!(out.table.num_rows() > 3, "{}", out.table.num_rows());
    assert_eq!(token.fraction(), Some(1.0));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
}

#[test]
fn a_simulation_of_an_odd_number_of_replicates_ends_at_one() {
    let token = Token::new();
    let opts = SiiOptions {
        reps: 1000,
        ..SiiOptions::default()
    };
    cancel::scope(&token, || sii(&groups(0.0), &opts)).unwrap();
    assert_eq!(token.fraction(), Some(1.0));
}
