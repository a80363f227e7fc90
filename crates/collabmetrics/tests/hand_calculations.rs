//! Small cases worked out by hand (the arithmetic is written in each test), and properties.

use approx::assert_relative_eq;
use collabmetrics::stats::{self, z_value, Method, ProportionOptions, RateMethod, RateOptions};
use proptest::prelude::*;

const Z95: f64 = 1.959_963_984_540_054;

#[test]
fn z_of_95_percent() {
    assert_relative_eq!(z_value(0.95).unwrap(), Z95, max_relative = 1e-14);
}

#[test]
fn wilson_for_5_of_10_by_hand() {
    // centre = 2·5 + z² = 13.841459; half = z·√(z² + 4·5·(1 − ½)) = z·√13.841459 = 7.291867;
    // denominator = 2·(10 + z²) = 27.682918.
    let z2 = Z95 * Z95;
    let half = Z95 * (z2 + 10.0f64).sqrt();
    let (lo, hi) = (
        (10.0 + z2 - half) / (2.0 * (10.0 + z2)),
        (10.0 + z2 + half) / (2.0 * (10.0 + z2)),
    );
    assert_relative_eq!(lo, 0.236_593_090_512_564_9, max_relative = 1e-12);
    let est = stats::proportion(&[5.0], &[10.0], &ProportionOptions::default()).unwrap();
    assert_eq!(est.value[0], 0.5);
    assert_relative_eq!(est.lower[0], lo, max_relative = 1e-15);
    assert_relative_eq!(est.upper[0], hi, max_relative = 1e-15);
    assert_relative_eq!(est.lower[0] + est.upper[0], 1.0, max_relative = 1e-15);
    // symmetric at ½
}

#[test]
fn wilson_at_the_edges() {
    // O = 0: lower 0, upper z²/(n + z²); O = n: lower n/(n + z²), upper 1.
    let z2 = Z95 * Z95;
    let est =
        stats::proportion(&[0.0, 20.0], &[20.0, 20.0], &ProportionOptions::default()).unwrap();
    assert_eq!(est.lower[0], 0.0);
    assert_relative_eq!(est.upper[0], z2 / (20.0 + z2), max_relative = 1e-14);
    assert_relative_eq!(est.lower[1], 20.0 / (20.0 + z2), max_relative = 1e-14);
    assert_eq!(est.upper[1], 1.0);
}

#[test]
fn exact_poisson_for_zero_events() {
    // O = 0: lower 0; upper = χ²_{0.975}(2)/2 = −ln(0.025) = 3.688879 (χ² with 2 df is
    // exponential with mean 2).
    let est = stats::rate(
        &[0.0],
        &[1000.0],
        &RateOptions {
            multiplier: 1000.0,
            ..RateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(est.lower[0], 0.0);
    assert_relative_eq!(est.upper[0], -(0.025f64).ln(), max_relative = 1e-10);
    assert_eq!(est.method[0], Method::Exact);
}

#[test]
fn byar_at_ten_exact_at_nine() {
    let est = stats::rate(
        &[9.0, 10.0],
        &[1.0, 1.0],
        &RateOptions {
            multiplier: 1.0,
            ..RateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(est.method, vec![Method::Exact, Method::Byar]);
    // Byar's lower limit of 10: 10·(1 − 1/90 − z/(3√10))³.
    let t: f64 = 1.0 - 1.0 / 90.0 - Z95 / (3.0 * 10f64.sqrt());
    assert_relative_eq!(est.lower[1], 10.0 * t.powi(3), max_relative = 1e-14);
    let exact = stats::rate(
        &[10.0],
        &[1.0],
        &RateOptions {
            multiplier: 1.0,
            method: RateMethod::Exact,
            ..RateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(exact.method[0], Method::Exact);
    assert!(
        (exact.lower[0] - est.lower[1]).abs() < 0.05,
        "Byar approximates exact at 10"
    );
}

#[test]
fn dsr_of_two_bands_by_hand() {
    // Standard weights 1 and 3; counts 10/1000 and 30/2000.
    // DSR = (1·0.01 + 3·0.015)/4 = 0.01375; var = (1·10/1000² + 9·30/2000²)/16 = 4.84375e-6
    let std = stats::StandardPopulation::custom(vec![0, 5], vec![1.0, 3.0]).unwrap();
    let opts = stats::DsrOptions {
        multiplier: 1.0,
        ..Default::default()
    };
    let est = stats::dsr(
        &[0, 0],
        1,
        &[0, 1],
        &[10.0, 30.0],
        &[1000.0, 2000.0],
        &std,
        &opts,
        &|_| String::new(),
    )
    .unwrap();
    assert_relative_eq!(est.value[0], 0.01375, max_relative = 1e-14);
    let (ol, _) = stats::byar_limits(40.0, Z95);
    let var: f64 = (10.0 / 1e6 + 9.0 * 30.0 / 4e6) / 16.0;
    assert_relative_eq!(var, 4.84375e-6, max_relative = 1e-14);
    assert_relative_eq!(
        est.lower[0],
        0.01375 + (var / 40.0).sqrt() * (ol - 40.0),
        max_relative = 1e-13
    );
}

#[test]
fn dsr_with_no_events_has_no_upper_limit() {
    let std = stats::StandardPopulation::custom(vec![0], vec![1.0]).unwrap();
    let est = stats::dsr(
        &[0],
        1,
        &[0],
        &[0.0],
        &[100.0],
        &std,
        &Default::default(),
        &|_| String::new(),
    )
    .unwrap();
    assert_eq!((est.value[0], est.lower[0]), (0.0, 0.0));
    assert!(est.upper[0].is_nan() && est.low_count[0]);
}

proptest! {
    #[test]
    fn wilson_limits_bracket_the_proportion(n in 1u32..1_000_000, frac in 0.0f64..=1.0, conf in 0.5f64..0.9999) {
        let n = f64::from(n);
        let o = (frac * n).floor();
        let est = stats::proportion(&[o], &[n], &ProportionOptions { confidence: conf, ..Default::default() }).unwrap();
        prop_assert!(0.0 <= est.lower[0] && est.lower[0] <= est.value[0] + 1e-15);
        prop_assert!(est.value[0] <= est.upper[0] + 1e-15 && est.upper[0] <= 1.0);
    }

    #[test]
    fn rate_limits_bracket_the_rate_and_widen_with_confidence(o in 0u32..100_000, pt in 1.0f64..1e7) {
        let o = f64::from(o);
        let narrow = stats::rate(&[o], &[pt], &RateOptions { confidence: 0.9, ..RateOptions::default() }).unwrap();
        let wide = stats::rate(&[o], &[pt], &RateOptions { confidence: 0.998, ..RateOptions::default() }).unwrap();
        prop_assert!(narrow.lower[0] <= narrow.value[0] && narrow.value[0] <= narrow.upper[0]);
        prop_assert!(wide.lower[0] <= narrow.lower[0] && narrow.upper[0] <= wide.upper[0]);
    }

    #[test]
    fn dsr_of_equal_rates_is_that_rate(rate in 0.001f64..0.5, pops in proptest::collection::vec(100.0f64..1e5, 19)) {
        // Equal age-specific rates: the standardised rate is the rate, whatever the standard.
        let counts: Vec<f64> = pops.iter().map(|p| p * rate).collect();
        let bands: Vec<u32> = (0..19).collect();
        let est = stats::dsr(&[0; 19], 1, &bands, &counts, &pops, &stats::StandardPopulation::esp2013(),
            &stats::DsrOptions { multiplier: 1.0, ..Default::default() }, &|_| String::new()).unwrap();
        prop_assert!((est.value[0] - rate).abs() <= 1e-12 * rate);
    }
}
