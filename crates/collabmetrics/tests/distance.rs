//! The distance module against published values and hand calculations: GeographicLib's own
//! test geodesics, the Ordnance Survey's worked example and test points, right triangles on
//! the grid, great circles with known central angles, and summaries worked out by hand.

use arrow_array::{
    cast::AsArray, types::Float64Type, Array, ArrayRef, DictionaryArray, Float64Array, Int32Array,
    Int64Array, RecordBatch, StringArray, UInt64Array,
};
use collabmetrics::distance::{
    self, bng, bng_to_wgs84, geodesic, grid_to_osgb36, haversine, summary, Bands, Locations,
    Method, NullPolicy, PointsTableOptions, SummaryOptions, SummaryTableOptions,
    EARTH_MEAN_RADIUS_KM, HELMERT_ACCURACY_M,
};
use collabmetrics::stats::{wilson_limits, z_value};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::Error;
use std::f64::consts::PI;
use std::sync::Arc;

const ERR: NullPolicy = NullPolicy::Error;
const PASS: NullPolicy = NullPolicy::Propagate;

fn close(found: f64, expected: f64, tol: f64) -> bool {
    (found - expected).abs() <= tol
}

#[track_caller]
fn assert_close(found: f64, expected: f64, tol: f64) {
    assert!(
        close(found, expected, tol),
        "found {found}, expected {expected} (tolerance {tol}, off by {})",
        (found - expected).abs()
    );
}

#[track_caller]
fn assert_message(err: Error, needles: &[&str]) {
    let message = err.to_string();
    for needle in needles {
        assert!(
            message.contains(needle),
            "{message:?} should mention {needle:?}"
        );
    }
}

fn dms(degrees: f64, minutes: f64, seconds: f64) -> f64 {
    degrees + minutes / 60.0 + seconds / 3600.0
}

// ---------------------------------------------------------------------------------------------
// Geodesic: GeographicLib's published values

/// GeographicLib's documentation (geographiclib-rs README, GeographicLib's "Geodesics on an
/// ellipsoid" examples): JFK (40.6, −73.8) to LHR (51.6, −0.5) is 5551.759400319 km.
#[test]
fn geodesic_jfk_to_lhr() {
    let d = geodesic(&[40.6], &[-73.8], &[51.6], &[-0.5], ERR).unwrap();
    assert_close(d[0], 5551.759400319, 1e-9);
}

/// Lines of GeodTest.dat (Karney's test set of WGS84 geodesics) as GeographicLib's own test
/// suite carries them (geographiclib-python, geographiclib/test/test_geodesic.py,
/// `GeodesicTest.testcases`: lat1, lon1, lat2, lon2 and s12 in metres, tested there to 1e-8 m).
/// The lines whose longitudes are within [−180, 180] without unrolling.
#[allow(clippy::excessive_precision)] // the digits as published
const GEODTEST: [[f64; 5]; 7] = [
    [
        35.60777,
        -139.44815,
        -11.17491,
        -69.95921,
        8935244.5604818305,
    ],
    [-21.97856, 142.59065, 41.84138, 98.56635, 8394328.894657671],
    [
        -17.42761,
        173.34268,
        -15.84784,
        5.93557,
        16076603.1631180673,
    ],
    [
        -50.56724,
        -16.30485,
        -33.56571,
        -94.97412,
        6455670.5118668696,
    ],
    [
        -58.93002,
        -8.90775,
        -8.91104,
        133.13503,
        11756066.0219864627,
    ],
    [-68.82867, -74.28391, -50.63005, -8.36685, 3956936.926063544],
    [-87.85331, 85.66836, 66.48646, 16.09921, 17286615.3147144645],
];

#[test]
fn geodesic_matches_geodtest_lines() {
    let col = |k: usize| GEODTEST.map(|r| r[k]);
    let d = geodesic(&col(0), &col(1), &col(2), &col(3), ERR).unwrap();
    for (found, line) in d.iter().zip(GEODTEST) {
        // 1e-10 km = 0.1 µm: GeographicLib's own tolerance plus the division by 1000.
        assert_close(*found, line[4] / 1000.0, 1e-10);
    }
}

/// GeographicLib's GeodSolve tests (same file, `GeodSolveTest`): GeodSolve0 and GeodSolve33,
/// published to the metre (±0.5 m), including the equatorial antipodal case.
#[test]
fn geodesic_matches_geodsolve_cases() {
    let cases = [
        (40.6, -73.8, 49.01666667, 2.55, 5853226.0),
        (0.0, 0.0, 0.0, 179.0, 19926189.0),
        (0.0, 0.0, 0.0, 179.5, 19980862.0),
        (0.0, 0.0, 0.0, 180.0, 20003931.0),
        (0.0, 0.0, 1.0, 180.0, 19893357.0),
    ];
    for (lat1, lon1, lat2, lon2, metres) in cases {
        let d = geodesic(&[lat1], &[lon1], &[lat2], &[lon2], ERR).unwrap();
        assert_close(d[0], metres / 1000.0, 0.5e-3);
    }
}

// ---------------------------------------------------------------------------------------------
// British National Grid: right triangles by hand

#[test]
fn bng_right_triangles() {
    // (ΔE, ΔN) = (3, 4), (5, −12), (−8, 15) km and no move: 5, 13, 17 and 0 km exactly.
    let e1 = [100_000.0, 400_000.0, 600_000.0, 531_000.0];
    let n1 = [200_000.0, 812_000.0, 1_000_000.0, 181_000.0];
    let e2 = [103_000.0, 405_000.0, 592_000.0, 531_000.0];
    let n2 = [204_000.0, 800_000.0, 1_015_000.0, 181_000.0];
    assert_eq!(
        bng(&e1, &n1, &e2, &n2, false, ERR).unwrap(),
        [5.0, 13.0, 17.0, 0.0]
    );
    // Symmetric.
    assert_eq!(
        bng(&e2, &n2, &e1, &n1, false, ERR).unwrap(),
        [5.0, 13.0, 17.0, 0.0]
    );
}

#[test]
fn bng_rounding_is_half_away_from_zero() {
    // hypot in metres → km: 2500 → 2.5, 500 → 0.5, 10 500 → 10.5, 4 499 → 4.499,
    // 1 500 → 1.5, 7 500 (a 4.5-6-7.5 triangle) → 7.5.
    let e1 = [0.0; 6];
    let n1 = [0.0; 6];
    let e2 = [1_500.0, 300.0, 10_500.0, 4_499.0, 1_500.0, 4_500.0];
    let n2 = [2_000.0, 400.0, 0.0, 0.0, 0.0, 6_000.0];
    let exact = bng(&e1, &n1, &e2, &n2, false, ERR).unwrap();
    assert_eq!(exact, [2.5, 0.5, 10.5, 4.499, 1.5, 7.5]);
    // MHSDS: round(hypot / 1000), halves up (R's round-half-even would give 2, 0, 10, 4, 2, 8).
    let rounded = bng(&e1, &n1, &e2, &n2, true, ERR).unwrap();
    assert_eq!(rounded, [3.0, 1.0, 11.0, 4.0, 2.0, 8.0]);
}

#[test]
fn bng_accepts_the_grid_edges_and_refuses_outside() {
    let d = bng(&[0.0], &[0.0], &[700_000.0], &[1_300_000.0], false, ERR).unwrap();
    // √(700² + 1300²) km
    assert_close(d[0], (700.0f64 * 700.0 + 1300.0 * 1300.0).sqrt(), 1e-9);

    let err = bng(&[1.0, -1.0], &[0.0; 2], &[0.0; 2], &[0.0; 2], false, ERR).unwrap_err();
    assert_message(
        err,
        &["`e1` at index 1 (-1)", "eastings must be in [0, 700000]"],
    );
    let err = bng(&[0.0], &[0.0], &[700_000.5], &[0.0], false, ERR).unwrap_err();
    assert_message(err, &["`e2` at index 0 (700000.5)"]);
    let err = bng(&[0.0], &[1_300_001.0], &[0.0], &[0.0], false, ERR).unwrap_err();
    assert_message(
        err,
        &["`n1` at index 0", "northings must be in [0, 1300000]"],
    );
    let err = bng(&[0.0], &[0.0], &[0.0], &[f64::INFINITY], false, ERR).unwrap_err();
    assert_message(err, &["`n2` at index 0 (inf)"]);
}

#[test]
fn nan_is_an_error_unless_it_propagates() {
    let e = [100.0, f64::NAN, 300.0];
    let n = [0.0, 0.0, 400.0];
    let zero = [0.0; 3];
    let err = bng(&e, &n, &zero, &zero, false, ERR).unwrap_err();
    assert_eq!(err.code(), 3);
    assert_message(
        err,
        &[
            "`e1` at index 1 (NaN)",
            "missing coordinates (NaN) are not allowed here",
        ],
    );
    let d = bng(&e, &n, &zero, &zero, false, PASS).unwrap();
    assert_eq!(d[0], 0.1);
    assert!(d[1].is_nan());
    assert_eq!(d[2], 0.5);
    // A NaN passes, a bad value in another column of the same row still fails.
    let err = bng(&e, &n, &[0.0, -5.0, 0.0], &zero, false, PASS).unwrap_err();
    assert_message(err, &["`e2` at index 1 (-5)"]);

    let lat = [f64::NAN, 10.0];
    let d = haversine(&lat, &[0.0, 0.0], &[0.0, 10.0], &[0.0, 0.0], PASS).unwrap();
    assert!(d[0].is_nan() && d[1] == 0.0);
    let err = geodesic(&lat, &[0.0, 0.0], &[0.0, 10.0], &[0.0, 0.0], ERR).unwrap_err();
    assert_message(err, &["`lat1` at index 0 (NaN)"]);
}

#[test]
fn latitude_longitude_ranges_and_lengths() {
    let ok = [0.0];
    let err = geodesic(&[90.5], &ok, &ok, &ok, ERR).unwrap_err();
    assert_message(
        err,
        &["`lat1` at index 0 (90.5)", "latitudes must be in [-90, 90]"],
    );
    let err = haversine(&ok, &ok, &ok, &[-180.25], ERR).unwrap_err();
    assert_message(
        err,
        &[
            "`lon2` at index 0 (-180.25)",
            "longitudes must be in [-180, 180]",
        ],
    );
    let err = geodesic(&ok, &[0.0, 1.0], &ok, &ok, ERR).unwrap_err();
    assert_message(
        err,
        &["length mismatch: `lon1` has 2 elements but `lat1` has 1"],
    );
    let mut out = [0.0; 2];
    let err = distance::haversine_into(&ok, &ok, &ok, &ok, ERR, &mut out).unwrap_err();
    assert_message(err, &["`out` has 2 elements"]);
    // The extremes are valid.
    let d = geodesic(&[-90.0], &[-180.0], &[90.0], &[180.0], ERR).unwrap();
    assert!(d[0] > 20_000.0);
    assert!(geodesic(&[], &[], &[], &[], ERR).unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Haversine: great circles whose central angle is known

#[test]
fn haversine_known_central_angles() {
    let r = EARTH_MEAN_RADIUS_KM;
    let cases = [
        // One degree of the equator and ten of a meridian: R × angle.
        ((0.0, 0.0, 0.0, 1.0), r * PI / 180.0),
        ((10.0, 5.0, 20.0, 5.0), r * 10.0 * PI / 180.0),
        // Pole to pole, and antipodes on the equator (h rounds to just over 1 there): πR.
        ((90.0, 0.0, -90.0, 0.0), r * PI),
        ((0.0, -90.0, 0.0, 90.0), r * PI),
        // Equator to pole: πR/2, whatever the longitudes.
        ((0.0, 37.0, 90.0, -120.0), r * PI / 2.0),
        // (0, 0) to (45, 45): cos c = cos 45° cos 45° = ½, so c = 60°.
        ((0.0, 0.0, 45.0, 45.0), r * PI / 3.0),
    ];
    for ((lat1, lon1, lat2, lon2), expected) in cases {
        let d = haversine(&[lat1], &[lon1], &[lat2], &[lon2], ERR).unwrap();
        assert_close(d[0], expected, 1e-9);
    }
    assert_eq!(r, 6371.0088);
}

#[test]
fn haversine_is_within_half_a_percent_of_the_geodesic() {
    let col = |k: usize| GEODTEST.map(|r| r[k]);
    let h = haversine(&col(0), &col(1), &col(2), &col(3), ERR).unwrap();
    for (h, line) in h.iter().zip(GEODTEST) {
        let g = line[4] / 1000.0;
        assert!((h - g).abs() / g < 0.005, "{h} vs {g}");
    }
}

// ---------------------------------------------------------------------------------------------
// British National Grid → WGS84

/// The OS's worked example ("A guide to coordinate systems in Great Britain", Annex C.2):
/// E 651409.903, N 313177.270 is 52°39′27.2531″N, 1°43′04.5177″E on OSGB36 (Airy 1830).
#[test]
fn grid_to_osgb36_matches_the_os_worked_example() {
    let (lat, lon) = grid_to_osgb36(651_409.903, 313_177.270);
    // The OS prints 4 decimals of a second: ±0.00005″.
    let tol = 0.6e-4 / 3600.0;
    assert_close(lat, dms(52.0, 39.0, 27.2531), tol);
    assert_close(lon, dms(1.0, 43.0, 4.5177), tol);
}

/// OS test points for OSTN15 (the OS's definitive transformation, ETRS89 ≈ WGS84 to well
/// under a metre), as published by the OS with OSTN15 and reproduced in Toby Thurston's
/// `osgb` test suite: ETRS89 latitude, longitude and OSGB36 easting, northing. Among them the
/// Ordnance Survey's head office in Southampton (OSHQ). The Helmert transformation must land
/// within the few metres the OS documents for it.
const OSTN15_POINTS: [(&str, f64, f64, f64, f64); 12] = [
    (
        "OSHQ",
        50.9312793775,
        -1.450514340555556,
        438_710.908,
        114_792.248,
    ),
    (
        "LOND",
        51.48936564611111,
        -0.1199255641666667,
        530_624.963,
        178_388.461,
    ),
    (
        "BRIS",
        51.42754743361111,
        -2.544076186111111,
        362_269.979,
        169_978.688,
    ),
    (
        "NORT",
        52.25160950916667,
        -0.91248957,
        474_335.957,
        262_047.752,
    ),
    (
        "NOTT",
        52.962191095,
        -1.197476561666667,
        454_002.822,
        340_834.941,
    ),
    (
        "LEED",
        53.80021519916667,
        -1.663791675833333,
        422_242.174,
        433_818.699,
    ),
    (
        "NEWC",
        54.97912274,
        -1.616576845555556,
        424_639.343,
        565_012.700,
    ),
    (
        "CARL",
        54.89542340527777,
        -2.938277414722223,
        339_921.133,
        556_034.759,
    ),
    (
        "EDIN",
        55.9247826525,
        -3.294792187777777,
        319_188.423,
        670_947.532,
    ),
    (
        "PLYM",
        50.43885825472222,
        -4.108645639722222,
        250_359.798,
        62_016.567,
    ),
    (
        "GIR1",
        57.13902519305555,
        -2.048560316111111,
        397_160.479,
        805_349.734,
    ),
    (
        "THUR",
        58.58120461444445,
        -3.726310213055556,
        299_721.879,
        967_202.990,
    ),
];

#[test]
fn bng_to_wgs84_lands_within_a_few_metres_of_ostn15() {
    let e: Vec<f64> = OSTN15_POINTS.iter().map(|p| p.3).collect();
    let n: Vec<f64> = OSTN15_POINTS.iter().map(|p| p.4).collect();
    let (lat, lon) = bng_to_wgs84(&e, &n, ERR).unwrap();
    let want_lat: Vec<f64> = OSTN15_POINTS.iter().map(|p| p.1).collect();
    let want_lon: Vec<f64> = OSTN15_POINTS.iter().map(|p| p.2).collect();
    let off_km = geodesic(&lat, &lon, &want_lat, &want_lon, ERR).unwrap();
    for (p, off) in OSTN15_POINTS.iter().zip(off_km) {
        let metres = off * 1000.0;
        assert!(
            metres < HELMERT_ACCURACY_M,
            "{}: {metres:.2} m from OSTN15",
            p.0
        );
    }
}

#[test]
fn bng_to_wgs84_checks_its_inputs() {
    let err = bng_to_wgs84(&[1.0, 2.0], &[1.0], ERR).unwrap_err();
    assert_message(err, &["length mismatch: `n` has 1 elements but `e` has 2"]);
    let err = bng_to_wgs84(&[1.0, 800_000.0], &[1.0, 1.0], ERR).unwrap_err();
    assert_message(err, &["`e` at index 1 (800000)"]);
    let err = bng_to_wgs84(&[1.0], &[f64::NAN], ERR).unwrap_err();
    assert_message(err, &["`n` at index 0 (NaN)"]);
    let (lat, lon) = bng_to_wgs84(&[f64::NAN, 438_710.908], &[1.0, 114_792.248], PASS).unwrap();
    assert!(lat[0].is_nan() && lon[0].is_nan());
    assert_close(lat[1], 50.93128, 1e-4);
}

// ---------------------------------------------------------------------------------------------
// Threads: results and error rows do not depend on them

fn many_points(n: usize) -> [Vec<f64>; 4] {
    // A deterministic spread over Great Britain's latitudes and longitudes.
    let f = |i: usize, k: usize| ((i * (2 * k + 7) + 13 * k) % 997) as f64 / 997.0;
    [
        (0..n).map(|i| 49.9 + 10.0 * f(i, 0)).collect(),
        (0..n).map(|i| -7.5 + 9.0 * f(i, 1)).collect(),
        (0..n).map(|i| 49.9 + 10.0 * f(i, 2)).collect(),
        (0..n).map(|i| -7.5 + 9.0 * f(i, 3)).collect(),
    ]
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let [a, b, c, d] = many_points(100_003);
    let run = || {
        (
            geodesic(&a, &b, &c, &d, ERR).unwrap(),
            haversine(&a, &b, &c, &d, ERR).unwrap(),
        )
    };
    let one = in_pool(1, run);
    let three = in_pool(3, run);
    assert_eq!(one.0.len(), 100_003);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&one.0), bits(&three.0));
    assert_eq!(bits(&one.1), bits(&three.1));
    // Each row equals the same row computed alone.
    for i in [0, 16_384, 50_000, 100_002] {
        let alone = geodesic(&[a[i]], &[b[i]], &[c[i]], &[d[i]], ERR).unwrap();
        assert_eq!(one.0[i].to_bits(), alone[0].to_bits());
    }
}

#[test]
fn the_first_bad_row_is_named_whatever_the_threads() {
    let [mut a, b, c, d] = many_points(100_000);
    a[91_000] = 95.0;
    a[20_000] = f64::NAN;
    a[60_000] = -100.0;
    for threads in [1, 2, 4] {
        let err = in_pool(threads, || geodesic(&a, &b, &c, &d, ERR).unwrap_err());
        assert_message(err, &["`lat1` at index 20000 (NaN)"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Summaries: hand-worked fixtures

/// Ten distances (km), sorted: 3, 10, 12, 25, 26, 49.9, 50, 75, 120, 310.
const TEN: [f64; 10] = [75.0, 3.0, 25.0, 310.0, 12.0, 49.9, 50.0, 10.0, 120.0, 26.0];

#[test]
fn summary_of_ten_distances() {
    let s = summary(&[0; 10], 1, &TEN, None, &SummaryOptions::default()).unwrap();
    assert_eq!(s.count, [10.0]);
    assert_eq!(s.weight_sum, [10.0]);
    // Σ = 680.9
    assert_close(s.mean[0], 68.09, 1e-12);
    // n·½ = 5 is whole: the CDF is flat at ½ between x₍₅₎ = 26 and x₍₆₎ = 49.9.
    assert_close(s.median[0], (26.0 + 49.9) / 2.0, 1e-12);
    // n·0.9 = 9 is whole: between x₍₉₎ = 120 and x₍₁₀₎ = 310.
    assert_eq!(s.p90, [215.0]);
    assert_eq!(s.max, [310.0]);
    // Binomial(10, ½): P(B ≤ 1) = 11/1024, so [x₍₂₎, x₍₉₎] covers 1 − 22/1024 = 97.9% ≥ 95%;
    // P(B ≤ 2) = 56/1024, so [x₍₃₎, x₍₈₎] covers only 89.1%.
    assert_eq!((s.median_lower[0], s.median_upper[0]), (10.0, 120.0));
    // 50, 75, 120 and 310 are at or beyond 50 km.
    assert_eq!(s.count_beyond, [4.0]);
    assert_eq!(s.share_beyond, [0.4]);
    let (lo, hi) = wilson_limits(4.0, 10.0, z_value(0.95).unwrap());
    assert_eq!((s.share_lower[0], s.share_upper[0]), (lo, hi));
    // <25: 3, 10, 12 | 25–<50: 25, 26, 49.9 | 50–<100: 50, 75 | 100–<200: 120 | 200–<300 | ≥300: 310
    let bands: Vec<f64> = s.bands.iter().map(|b| b[0]).collect();
    assert_eq!(bands, [3.0, 3.0, 2.0, 1.0, 0.0, 1.0]);
    assert_eq!(
        s.band_names,
        [
            "band_lt_25",
            "band_25_50",
            "band_50_100",
            "band_100_200",
            "band_200_300",
            "band_ge_300"
        ]
    );
}

#[test]
fn median_interval_for_small_groups() {
    // Five values: even [x₍₁₎, x₍₅₎] covers 1 − 2/32 = 93.75% < 95%: no interval.
    let five = [1.0, 2.0, 3.0, 4.0, 5.0];
    let s = summary(&[0; 5], 1, &five, None, &SummaryOptions::default()).unwrap();
    assert!(s.median_lower[0].is_nan() && s.median_upper[0].is_nan());
    assert_eq!(s.median, [3.0]);
    // ... but at 90% it does.
    let opts = SummaryOptions {
        confidence: 0.9,
        ..SummaryOptions::default()
    };
    let s = summary(&[0; 5], 1, &five, None, &opts).unwrap();
    assert_eq!((s.median_lower[0], s.median_upper[0]), (1.0, 5.0));
    // Six values: [x₍₁₎, x₍₆₎] covers 1 − 2/64 = 96.9%; [x₍₂₎, x₍₅₎] 1 − 14/64 = 78.1%.
    let six = [6.0, 1.0, 5.0, 2.0, 4.0, 3.0];
    let s = summary(&[0; 6], 1, &six, None, &SummaryOptions::default()).unwrap();
    assert_eq!((s.median_lower[0], s.median_upper[0]), (1.0, 6.0));
    assert_eq!(s.median, [3.5]);
    // Four values at 0.875: [x₍₁₎, x₍₄₎] covers exactly 1 − 2/16 = 0.875, which is enough.
    let opts = SummaryOptions {
        confidence: 0.875,
        ..SummaryOptions::default()
    };
    let s = summary(&[0; 4], 1, &[1.0, 2.0, 3.0, 4.0], None, &opts).unwrap();
    assert_eq!((s.median_lower[0], s.median_upper[0]), (1.0, 4.0));
    // One value: a median, no interval.
    let s = summary(&[0], 1, &[7.0], None, &SummaryOptions::default()).unwrap();
    assert_eq!((s.median[0], s.p90[0], s.max[0]), (7.0, 7.0, 7.0));
    assert!(s.median_lower[0].is_nan());
}

#[test]
fn band_and_threshold_edges() {
    // Exactly 25.0 and 50.0 km belong to the band above; 50.0 counts as beyond 50 km.
    let d = [24.999, 25.0, 49.999, 50.0, 300.0];
    let s = summary(&[0; 5], 1, &d, None, &SummaryOptions::default()).unwrap();
    let bands: Vec<f64> = s.bands.iter().map(|b| b[0]).collect();
    assert_eq!(bands, [1.0, 2.0, 1.0, 0.0, 0.0, 1.0]);
    assert_eq!(s.count_beyond, [2.0]);

    // MHSDS bands on whole km: 19 | 20 and 49 | 50 and 99 | 100; a raw 19.6 is in 0–19.
    let opts = SummaryOptions {
        bands: Bands::mhsds_monthly(),
        ..SummaryOptions::default()
    };
    let d = [19.0, 19.6, 20.0, 49.0, 50.0, 99.0, 100.0];
    let s = summary(&[0; 7], 1, &d, None, &opts).unwrap();
    let bands: Vec<f64> = s.bands.iter().map(|b| b[0]).collect();
    assert_eq!(bands, [2.0, 2.0, 2.0, 1.0]);
    assert_eq!(
        s.band_names,
        ["band_lt_20", "band_20_50", "band_50_100", "band_ge_100"]
    );
    assert_eq!(s.count_beyond, [3.0]);

    let custom = Bands::custom(vec![12.5, 40.0]).unwrap();
    assert_eq!(
        custom.column_names(),
        ["band_lt_12p5", "band_12p5_40", "band_ge_40"]
    );
    assert_eq!(custom.band_of(12.5), 1);
    assert_eq!(custom.band_of(0.0), 0);
}

#[test]
fn weighted_summary_by_hand() {
    // Distances 10, 20, 60, 100 with bed days 1, 3, 4, 2 (Σw = 10, Σw² = 30).
    let d = [60.0, 10.0, 100.0, 20.0];
    let w = [4.0, 1.0, 2.0, 3.0];
    let s = summary(&[0; 4], 1, &d, Some(&w), &SummaryOptions::default()).unwrap();
    assert!(s.weighted);
    assert_eq!((s.count[0], s.weight_sum[0]), (4.0, 10.0));
    // (10·1 + 20·3 + 60·4 + 100·2) / 10
    assert_close(s.mean[0], 51.0, 1e-12);
    // Cumulative weights 1, 4, 8, 10: half (5) is first reached at 60, 90% (9) at 100.
    assert_eq!((s.median[0], s.p90[0], s.max[0]), (60.0, 100.0, 100.0));
    // No order-statistic interval for a weighted median.
    assert!(s.median_lower[0].is_nan() && s.median_upper[0].is_nan());
    // Beyond 50 km: 4 + 2 of 10 bed days; Wilson with Kish's n = 10² / 30.
    assert_eq!((s.count_beyond[0], s.share_beyond[0]), (6.0, 0.6));
    let n_eff = 100.0 / 30.0;
    let (lo, hi) = wilson_limits(0.6 * n_eff, n_eff, z_value(0.95).unwrap());
    assert_close(s.share_lower[0], lo, 1e-15);
    assert_close(s.share_upper[0], hi, 1e-15);
    let bands: Vec<f64> = s.bands.iter().map(|b| b[0]).collect();
    assert_eq!(bands, [4.0, 0.0, 4.0, 2.0, 0.0, 0.0]);
}

#[test]
fn a_weighted_median_averages_only_where_the_cdf_is_flat_at_a_half() {
    // Weights 0.5 + 1e-13 and 0.5: F(10) = 0.5 + 5e-14 > ½, so the type-2 median is 10, not
    // the average 55 (a tolerance of 1e-12 of the total once took this for a flat CDF).
    let w = [0.5 + 1e-13, 0.5];
    let s = summary(
        &[0; 2],
        1,
        &[10.0, 100.0],
        Some(&w),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!(s.median[0], 10.0);
    // Weights 0.5 + 1e-15 and 0.5: F(10) − ½ = 5e-16 is within the tie tolerance,
    // 8 ε × total = 8 × 2.2e-16 × 1 = 1.8e-15 (docs/methods/distance.md), so it is taken for
    // a rounding of ½ and the median averages: (10 + 100) / 2 = 55 (exactly, 10 would be).
    let s = summary(
        &[0; 2],
        1,
        &[10.0, 100.0],
        Some(&[0.5 + 1e-15, 0.5]),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!(s.median[0], 55.0);
    // Weights 0.1 × 10 add up to 0.9999999999999999 and reach exactly half at the fifth
    // value only up to rounding: the CDF is flat at ½ there, the median is (5 + 6) / 2.
    let d: Vec<f64> = (1..=10).map(f64::from).collect();
    let s = summary(
        &[0; 10],
        1,
        &d,
        Some(&[0.1; 10]),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!((s.median[0], s.p90[0]), (5.5, 9.5));
}

#[test]
fn subnormal_weights_have_a_share_interval() {
    // Weights 2, 2 and 1 in units of 5e-324: Kish's n = 5² / 9, the share beyond 50 km 2 / 5.
    let tiny = f64::from_bits(1);
    let w = [2.0 * tiny, 2.0 * tiny, tiny];
    let s = summary(
        &[0; 3],
        1,
        &[10.0, 60.0, 20.0],
        Some(&w),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!(s.share_beyond[0], 0.4);
    let n_eff = 25.0 / 9.0;
    let (lo, hi) = wilson_limits(0.4 * n_eff, n_eff, z_value(0.95).unwrap());
    assert_close(s.share_lower[0], lo, 1e-15);
    assert_close(s.share_upper[0], hi, 1e-15);
}

#[test]
fn weighted_quantiles_average_where_the_cdf_is_flat_and_skip_zero_weights() {
    // Weights 2, 3, 1, 4: cumulative 2, 5 (= half of 10 exactly), so the median is (20 + 30)/2.
    let s = summary(
        &[0; 4],
        1,
        &[10.0, 20.0, 30.0, 40.0],
        Some(&[2.0, 3.0, 1.0, 4.0]),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!(s.median, [25.0]);
    // A zero weight takes no part: the median of {20, 30} is 25.
    let s = summary(
        &[0; 3],
        1,
        &[10.0, 20.0, 30.0],
        Some(&[0.0, 1.0, 1.0]),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!((s.median[0], s.count[0], s.weight_sum[0]), (25.0, 3.0, 2.0));
    // Equal weights give the unweighted statistics (and Kish's n is n).
    let plain = summary(&[0; 10], 1, &TEN, None, &SummaryOptions::default()).unwrap();
    let equal = summary(
        &[0; 10],
        1,
        &TEN,
        Some(&[2.5; 10]),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!(equal.median, plain.median);
    assert_eq!(equal.p90, plain.p90);
    assert_eq!(equal.share_beyond, plain.share_beyond);
    assert_close(equal.share_lower[0], plain.share_lower[0], 1e-15);
    // All weights zero: nothing to summarise but the records. As docs/methods/distance.md
    // says, `count` stays the number of records (2) and `max` the largest distance of any
    // record (2 km); the weight sum, count beyond and bands are 0; the weighted statistics
    // null.
    let s = summary(
        &[0; 2],
        1,
        &[1.0, 2.0],
        Some(&[0.0, 0.0]),
        &SummaryOptions::default(),
    )
    .unwrap();
    assert_eq!((s.count[0], s.max[0], s.weight_sum[0]), (2.0, 2.0, 0.0));
    assert_eq!(s.count_beyond, [0.0]);
    assert!(s.bands.iter().all(|b| b[0] == 0.0));
    assert!(s.mean[0].is_nan() && s.median[0].is_nan() && s.p90[0].is_nan());
    assert!(s.median_lower[0].is_nan() && s.median_upper[0].is_nan());
    assert!(s.share_beyond[0].is_nan() && s.share_lower[0].is_nan() && s.share_upper[0].is_nan());
    // A group without records (group 1 of 2): count 0 and every statistic NaN.
    let s = summary(&[0], 2, &[1.0], None, &SummaryOptions::default()).unwrap();
    assert_eq!(s.count[1], 0.0);
    assert!(s.mean[1].is_nan() && s.median[1].is_nan() && s.max[1].is_nan());
}

#[test]
fn ninetieth_percentile_where_n_times_point_nine_is_inexact() {
    // 0.9 × 110 = 99.00000000000001 in floating point, but 99 of 110 is exactly 90%: the
    // type-2 quantile averages x₍₉₉₎ and x₍₁₀₀₎ (here 99 and 100 km).
    let d: Vec<f64> = (1..=110).map(f64::from).collect();
    let s = summary(&vec![0; 110], 1, &d, None, &SummaryOptions::default()).unwrap();
    assert_eq!(s.p90, [99.5]);
    assert_eq!(s.median, [55.5]);
}

#[test]
fn summary_per_group() {
    let group = [0, 1, 0, 1, 2];
    let d = [10.0, 100.0, 30.0, 300.0, 55.0];
    let s = summary(&group, 4, &d, None, &SummaryOptions::default()).unwrap();
    assert_eq!(s.len(), 4);
    assert_eq!(s.count, [2.0, 2.0, 1.0, 0.0]);
    assert_eq!(s.median[..3], [20.0, 200.0, 55.0]);
    assert_eq!(s.share_beyond[..3], [0.0, 1.0, 1.0]);
    // The empty group has no statistics.
    assert!(s.mean[3].is_nan() && s.max[3].is_nan() && s.share_beyond[3].is_nan());
}

#[test]
fn summary_rejects_bad_input() {
    let opts = SummaryOptions::default();
    let err = summary(&[0; 3], 1, &[1.0, 2.0, f64::NAN], None, &opts).unwrap_err();
    assert_message(err, &["`distance` at index 2 (NaN)", "finite and >= 0 km"]);
    let err = summary(&[0; 3], 1, &[1.0, -0.5, 2.0], None, &opts).unwrap_err();
    assert_message(err, &["`distance` at index 1 (-0.5)"]);
    let err = summary(&[0; 2], 1, &[1.0, 2.0], Some(&[1.0, -1.0]), &opts).unwrap_err();
    assert_message(
        err,
        &[
            "`weight` at index 1 (-1)",
            "weights must be finite and >= 0",
        ],
    );
    let err = summary(&[0; 2], 1, &[1.0, 2.0], Some(&[f64::NAN, 1.0]), &opts).unwrap_err();
    assert_message(err, &["`weight` at index 0 (NaN)"]);
    let err = summary(&[0; 2], 1, &[1.0, 2.0], Some(&[1.0]), &opts).unwrap_err();
    assert_message(err, &["length mismatch: `weight` has 1 elements"]);
    let err = summary(&[0, 3], 2, &[1.0, 2.0], None, &opts).unwrap_err();
    assert_message(err, &["`group` at index 1 (3)"]);
    let bad = SummaryOptions {
        threshold: -1.0,
        ..SummaryOptions::default()
    };
    assert_message(
        summary(&[0], 1, &[1.0], None, &bad).unwrap_err(),
        &["invalid argument `threshold`"],
    );
    let bad = SummaryOptions {
        confidence: 1.0,
        ..SummaryOptions::default()
    };
    assert_message(
        summary(&[0], 1, &[1.0], None, &bad).unwrap_err(),
        &["invalid argument `confidence`"],
    );
}

#[test]
fn bad_band_edges() {
    assert_message(
        Bands::custom(vec![]).unwrap_err(),
        &["`bands`", "at least one edge"],
    );
    assert_message(
        Bands::custom(vec![10.0, 10.0]).unwrap_err(),
        &[
            "`bands` at index 1 (10)",
            "strictly increasing (the previous edge is 10)",
        ],
    );
    assert_message(
        Bands::custom(vec![10.0, 5.0]).unwrap_err(),
        &["`bands` at index 1 (5)"],
    );
    assert_message(
        Bands::custom(vec![0.0, 5.0]).unwrap_err(),
        &["`bands` at index 0 (0)", "finite and > 0 km"],
    );
    assert_message(
        Bands::custom(vec![5.0, f64::NAN]).unwrap_err(),
        &["`bands` at index 1 (NaN)"],
    );
    assert_message(
        Bands::builtin("nhs").unwrap_err(),
        &[
            "unknown band preset \"nhs\"",
            "expected one of \"oap\", \"mhsds_monthly\"",
        ],
    );
    assert_eq!(
        Bands::builtin("mhsds_monthly").unwrap(),
        Bands::mhsds_monthly()
    );
}

// ---------------------------------------------------------------------------------------------
// Lookups and tables

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

fn input(b: RecordBatch) -> Input {
    Input::new(b.schema(), &[b], ColumnMap::new()).unwrap()
}

fn column(t: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    t.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

fn postcodes() -> Input {
    input(batch(vec![
        (
            "pcds",
            Arc::new(StringArray::from(vec!["ME1 1AA", "CT1  2BB", "TN1 3CC"])) as ArrayRef,
        ),
        (
            "east",
            Arc::new(Float64Array::from(vec![574_000.0, 615_000.0, 558_000.0])),
        ),
        (
            "north",
            Arc::new(Int64Array::from(vec![168_000, 157_000, 139_000])),
        ),
    ]))
}

#[test]
fn lookup_finds_codes_and_counts_unknown_ones() {
    let lookup = Locations::from_table(&postcodes(), "pcds", "east", "north").unwrap();
    assert_eq!(lookup.len(), 3);
    // Spacing and case do not matter; an unknown code is kept, with NaN, and counted.
    let codes: ArrayRef = Arc::new(StringArray::from(vec![
        "me11aa", "ZZ9 9ZZ", "CT1 2BB", "XX",
    ]));
    let found = lookup.locate(&codes, "home", ERR).unwrap();
    assert_eq!(found.x[0], 574_000.0);
    assert!(found.x[1].is_nan() && found.y[1].is_nan());
    assert_eq!((found.x[2], found.y[2]), (615_000.0, 157_000.0));
    assert_eq!(found.diagnostics.count(distance::UNKNOWN_CODE), 2);
    assert_eq!(found.diagnostics.entries[0].first_row, Some(1));

    // A null code: an error naming the row, or counted as missing.
    let codes: ArrayRef = Arc::new(StringArray::from(vec![Some("TN1 3CC"), None]));
    let err = lookup.locate(&codes, "home", ERR).unwrap_err();
    assert_message(
        err,
        &["column `home` at row 1 (null)", "missing location codes"],
    );
    let found = lookup.locate(&codes, "home", PASS).unwrap();
    assert_eq!(found.x[0], 558_000.0);
    assert!(found.x[1].is_nan());
    assert_eq!(found.diagnostics.count(distance::MISSING_CODE), 1);
    assert_eq!(found.diagnostics.count(distance::UNKNOWN_CODE), 0);

    // Dictionary-encoded codes (pandas categoricals) and the kind check.
    let dict: DictionaryArray<arrow_array::types::Int32Type> =
        vec!["CT1 2BB", "nope", "CT1 2BB"].into_iter().collect();
    let found = lookup
        .locate(&(Arc::new(dict) as ArrayRef), "home", ERR)
        .unwrap();
    assert_eq!(found.x[2], 615_000.0);
    assert_eq!(found.diagnostics.count(distance::UNKNOWN_CODE), 1);
    let ints: ArrayRef = Arc::new(Int32Array::from(vec![1]));
    let err = lookup.locate(&ints, "home", ERR).unwrap_err();
    assert_message(err, &["column `home` has type int32; expected strings"]);
}

#[test]
fn lookup_with_integer_codes_and_bad_lookups() {
    let lookup = input(batch(vec![
        ("site", Arc::new(Int64Array::from(vec![10, 20])) as ArrayRef),
        ("x", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
        ("y", Arc::new(Float64Array::from(vec![3.0, 4.0]))),
    ]));
    let l = Locations::from_table(&lookup, "site", "x", "y").unwrap();
    let codes: ArrayRef = Arc::new(Int32Array::from(vec![20, 30]));
    let found = l.locate(&codes, "site", ERR).unwrap();
    assert_eq!(found.y[0], 4.0);
    assert_eq!(found.diagnostics.count(distance::UNKNOWN_CODE), 1);

    let dup = input(batch(vec![
        (
            "code",
            Arc::new(StringArray::from(vec!["AB1 2CD", "XY1 1XY", "ab12cd"])) as ArrayRef,
        ),
        ("x", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]))),
        ("y", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]))),
    ]));
    let err = Locations::from_table(&dup, "code", "x", "y").unwrap_err();
    assert_message(
        err,
        &[
            "column `code` at row 2",
            "\"ab12cd\" appears twice in the lookup (rows 0 and 2)",
        ],
    );
    let nan = input(batch(vec![
        ("code", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        ("x", Arc::new(Float64Array::from(vec![1.0, f64::NAN]))),
        ("y", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
    ]));
    let err = Locations::from_table(&nan, "code", "x", "y").unwrap_err();
    assert_message(
        err,
        &[
            "column `x` at row 1 (NaN)",
            // NaN is a missing value, as a null is (one rule everywhere)
            "missing values (null or NaN) are not allowed here",
        ],
    );
}

/// A lookup whose codes are dictionary-encoded (an ONSPD extract's categorical `pcds`) is read
/// as its values: the same coordinates, a code given twice still an error naming both rows.
#[test]
fn a_dictionary_of_lookup_codes_is_read_as_its_values() {
    type Dict = DictionaryArray<arrow_array::types::Int8Type>;
    let table = |codes: Vec<&str>| {
        let n = codes.len();
        input(batch(vec![
            (
                "pcds",
                Arc::new(codes.into_iter().collect::<Dict>()) as ArrayRef,
            ),
            ("x", Arc::new(Float64Array::from(vec![1.0; n]))),
            (
                "y",
                Arc::new(Float64Array::from(
                    (0..n).map(|i| i as f64).collect::<Vec<_>>(),
                )),
            ),
        ]))
    };
    let l = Locations::from_table(&table(vec!["CT1 2BB", "ME1 1AA"]), "pcds", "x", "y").unwrap();
    let homes: ArrayRef = Arc::new(StringArray::from(vec!["me11aa", "ZZ9 9ZZ", "CT1 2BB"]));
    let found = l.locate(&homes, "home", ERR).unwrap();
    assert_eq!(found.y[0], 1.0);
    assert!(found.y[1].is_nan());
    assert_eq!(found.y[2], 0.0);
    let err = Locations::from_table(
        &table(vec!["AB1 2CD", "XY1 1XY", "ab12cd"]),
        "pcds",
        "x",
        "y",
    )
    .unwrap_err();
    assert_message(
        err,
        &[
            "column `pcds` at row 2",
            "\"ab12cd\" appears twice in the lookup (rows 0 and 2)",
        ],
    );
}

/// The table layer's one rule for codes (`table/coerce.rs`): integers of any Arrow type,
/// `UInt64` included, are read as i64 and match the lookup's codes whatever their type; a
/// `UInt64` above i64::MAX is an error naming the column and row, in the lookup or the data.
#[test]
fn integer_codes_of_any_type_match_and_uint64_beyond_i64_is_an_error() {
    let lookup = input(batch(vec![
        (
            "site",
            Arc::new(UInt64Array::from(vec![10, 20, i64::MAX as u64])) as ArrayRef,
        ),
        ("x", Arc::new(Float64Array::from(vec![1.0, 2.0, 5.0]))),
        ("y", Arc::new(Float64Array::from(vec![3.0, 4.0, 6.0]))),
    ]));
    let l = Locations::from_table(&lookup, "site", "x", "y").unwrap();
    for codes in [
        Arc::new(Int64Array::from(vec![20, 30, i64::MAX])) as ArrayRef,
        Arc::new(UInt64Array::from(vec![20, 30, i64::MAX as u64])),
    ] {
        let found = l.locate(&codes, "site", ERR).unwrap();
        assert_eq!((found.x[0], found.y[0]), (2.0, 4.0));
        assert!(found.x[1].is_nan());
        assert_eq!((found.x[2], found.y[2]), (5.0, 6.0));
        assert_eq!(found.diagnostics.count(distance::UNKNOWN_CODE), 1);
    }
    let beyond: ArrayRef = Arc::new(UInt64Array::from(vec![20, u64::MAX]));
    let e = l.locate(&beyond, "home_site", ERR).unwrap_err();
    assert_eq!(
        (e.column(), e.row(), e.value()),
        (Some("home_site"), Some(1), Some("18446744073709551615"))
    );
    let bad_lookup = input(batch(vec![
        (
            "site",
            Arc::new(UInt64Array::from(vec![1 << 63])) as ArrayRef,
        ),
        ("x", Arc::new(Float64Array::from(vec![1.0]))),
        ("y", Arc::new(Float64Array::from(vec![3.0]))),
    ]));
    let e = Locations::from_table(&bad_lookup, "site", "x", "y").unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("site"), Some(0)));
    assert_message(e, &["at most 9223372036854775807"]);
}

#[test]
fn locate_then_measure_then_summarise_tables() {
    let admissions = input(batch(vec![
        (
            "ward",
            Arc::new(StringArray::from(vec!["A", "A", "B", "B"])) as ArrayRef,
        ),
        (
            "home",
            Arc::new(StringArray::from(vec![
                "ME1 1AA", "TN1 3CC", "CT1 2BB", "QQ1 1QQ",
            ])),
        ),
        (
            "site_e",
            Arc::new(Float64Array::from(vec![
                574_000.0, 561_000.0, 615_000.0, 1.0,
            ])),
        ),
        (
            "site_n",
            Arc::new(Float64Array::from(vec![
                171_000.0, 135_000.0, 157_000.0, 1.0,
            ])),
        ),
    ]));
    let mut opts = distance::LocateTableOptions::new("home");
    opts.lookup_code = "pcds".to_owned();
    opts.lookup_x = "east".to_owned();
    opts.lookup_y = "north".to_owned();
    opts.x = "home_e".to_owned();
    opts.y = "home_n".to_owned();
    let located = distance::locate_table(&admissions, &postcodes(), &opts).unwrap();
    assert_eq!(located.diagnostics.count(distance::UNKNOWN_CODE), 1);
    assert_eq!(located.table.num_columns(), 6);
    assert_eq!(column(&located.table, "home_e")[3], None);

    // Distances: (0, 3) km, (3, −4) km, 0 km, and the unknown home passes through as null.
    let mut points = PointsTableOptions::new(Method::Bng);
    points.coordinates = Some(["home_e", "home_n", "site_e", "site_n"].map(str::to_owned));
    let strict = distance::distance_points_table(&input(located.table.clone()), &points);
    assert_message(strict.unwrap_err(), &["column `home_e` at row 3 (null)"]);
    points.nulls = PASS;
    let measured = distance::distance_points_table(&input(located.table), &points).unwrap();
    assert_eq!(
        column(&measured.table, "distance_km"),
        [Some(3.0), Some(5.0), Some(0.0), None]
    );
    assert_eq!(measured.diagnostics.count(distance::MISSING_COORDINATES), 1);
    assert_eq!(measured.diagnostics.entries[0].first_row, Some(3));

    // Summary per ward: the missing distance is left out and counted.
    let mut summary_opts = SummaryTableOptions {
        by: vec!["ward".to_owned()],
        ..SummaryTableOptions::default()
    };
    let strict = distance::distance_summary_table(&input(measured.table.clone()), &summary_opts);
    assert_message(
        strict.unwrap_err(),
        &["column `distance_km` at row 3 (null)"],
    );
    summary_opts.nulls = PASS;
    let s = distance::distance_summary_table(&input(measured.table), &summary_opts).unwrap();
    assert_eq!(s.diagnostics.count(distance::MISSING_DISTANCE), 1);
    let names: Vec<String> = s
        .table
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "ward",
            "count",
            "mean",
            "median",
            "median_lower",
            "median_upper",
            "p90",
            "max",
            "count_beyond",
            "share_beyond",
            "share_lower",
            "share_upper",
            "confidence",
            "band_lt_25",
            "band_25_50",
            "band_50_100",
            "band_100_200",
            "band_200_300",
            "band_ge_300"
        ]
    );
    assert_eq!(column(&s.table, "count"), [Some(2.0), Some(1.0)]);
    assert_eq!(column(&s.table, "median"), [Some(4.0), Some(0.0)]);
    // Fewer than six records: no interval, as null.
    assert_eq!(column(&s.table, "median_lower"), [None, None]);
    assert_eq!(column(&s.table, "band_lt_25"), [Some(2.0), Some(1.0)]);
}

#[test]
fn points_table_methods_names_and_errors() {
    let t = input(batch(vec![
        (
            "lat_a",
            Arc::new(Float64Array::from(vec![40.6, 0.0])) as ArrayRef,
        ),
        ("lon_a", Arc::new(Float64Array::from(vec![-73.8, 0.0]))),
        ("lat_b", Arc::new(Float64Array::from(vec![51.6, 45.0]))),
        ("lon_b", Arc::new(Float64Array::from(vec![-0.5, 45.0]))),
        ("bad", Arc::new(Float64Array::from(vec![10.0, 95.0]))),
    ]));
    let mut opts = PointsTableOptions::new(Method::Geodesic);
    opts.coordinates = Some(["lat_a", "lon_a", "lat_b", "lon_b"].map(str::to_owned));
    let g = distance::distance_points_table(&t, &opts).unwrap();
    assert_close(
        column(&g.table, "distance_km")[0].unwrap(),
        5551.759400319,
        1e-9,
    );
    assert!(g.diagnostics.is_empty());
    opts.method = Method::Haversine;
    opts.output = "km".to_owned();
    let h = distance::distance_points_table(&t, &opts).unwrap();
    assert_close(
        column(&h.table, "km")[1].unwrap(),
        EARTH_MEAN_RADIUS_KM * PI / 3.0,
        1e-9,
    );
    // A column out of range is named as the caller's column and row.
    opts.coordinates = Some(["lat_a", "lon_a", "bad", "lon_b"].map(str::to_owned));
    let err = distance::distance_points_table(&t, &opts).unwrap_err();
    assert_message(
        err,
        &["invalid value in column `bad` at row 1 (95): latitudes"],
    );
    // The result column must be new.
    opts.output = "lat_a".to_owned();
    let err = distance::distance_points_table(&t, &opts).unwrap_err();
    assert_message(err, &["already has a column `lat_a`"]);
}

#[test]
fn bng_to_wgs84_table_adds_latitude_and_longitude() {
    let t = input(batch(vec![
        (
            "easting",
            Arc::new(Int64Array::from(vec![Some(651_409), None])) as ArrayRef,
        ),
        (
            "northing",
            Arc::new(Int64Array::from(vec![Some(313_177), Some(1)])),
        ),
    ]));
    let strict = distance::bng_to_wgs84_table(&t, &Default::default());
    assert_message(strict.unwrap_err(), &["column `easting` at row 1 (null)"]);
    let opts = distance::ConvertTableOptions {
        nulls: PASS,
        ..Default::default()
    };
    let r = distance::bng_to_wgs84_table(&t, &opts).unwrap();
    let lat = column(&r.table, "latitude");
    assert!(close(lat[0].unwrap(), 52.658, 1e-3), "{lat:?}");
    assert_eq!(lat[1], None);
    assert_eq!(r.diagnostics.count(distance::MISSING_COORDINATES), 1);
}

#[test]
fn weighted_summary_table_has_weight_sum() {
    let t = input(batch(vec![
        (
            "distance_km",
            Arc::new(Float64Array::from(vec![60.0, 10.0, 100.0, 20.0])) as ArrayRef,
        ),
        ("bed_days", Arc::new(Int32Array::from(vec![4, 1, 2, 3]))),
    ]));
    let opts = SummaryTableOptions {
        weight: Some("bed_days".to_owned()),
        ..SummaryTableOptions::default()
    };
    let s = distance::distance_summary_table(&t, &opts).unwrap();
    assert_eq!(s.table.schema().field(1).name(), "weight_sum");
    assert_eq!(column(&s.table, "weight_sum"), [Some(10.0)]);
    assert_eq!(column(&s.table, "median"), [Some(60.0)]);
    assert!(s.table.column_by_name("median_lower").unwrap().is_null(0));

    let bad = input(batch(vec![(
        "distance_km",
        Arc::new(Float64Array::from(vec![1.0, -2.0])) as ArrayRef,
    )]));
    let err = distance::distance_summary_table(&bad, &SummaryTableOptions::default()).unwrap_err();
    assert_message(
        err,
        &["invalid value in column `distance_km` at row 1 (-2)"],
    );
}

/// The forward conversion (WGS84 → OSGB36 → grid) against the OS guide's Annex C worked
/// example, and round trips through both directions (the two Helmert transformations are each
/// other's approximate inverse, so a round trip comes back within centimetres).
#[test]
fn forward_projection_and_round_trips() {
    let lat = 52.0 + 39.0 / 60.0 + 27.2531 / 3600.0;
    let lon = 1.0 + 43.0 / 60.0 + 4.5177 / 3600.0;
    let (e, n) = collabmetrics::distance::osgb36_to_grid(lat, lon);
    assert!(
        (e - 651_409.903).abs() < 0.001 && (n - 313_177.270).abs() < 0.001,
        "{e} {n}"
    );
    for (lat, lon) in [(51.272, 0.522), (50.1, -5.5), (57.5, -4.2), (54.97, -1.61)] {
        let (e, n) = collabmetrics::distance::wgs84_to_bng_point(lat, lon);
        let (back_lat, back_lon) = collabmetrics::distance::bng_to_wgs84(
            &[e],
            &[n],
            collabmetrics::distance::NullPolicy::Error,
        )
        .unwrap();
        let metres = collabmetrics::distance::haversine(
            &[lat],
            &[lon],
            &back_lat,
            &back_lon,
            collabmetrics::distance::NullPolicy::Error,
        )
        .unwrap()[0]
            * 1000.0;
        assert!(
            metres < 0.1,
            "round trip of ({lat}, {lon}) off by {metres} m"
        );
    }
}

/// A NaN coordinate in a table is a missing value (the table layer's rule), reported before
/// any range error of the kernel even when that error comes at an earlier row or column
/// (the kernels read the columns without scanning them first; the scan runs on error).
#[test]
fn points_table_reports_a_missing_coordinate_before_a_range_error() {
    let t = input(batch(vec![
        // Row 0: a northing off the grid (a range error), in the second column.
        (
            "e1",
            Arc::new(Float64Array::from(vec![100.0, 200.0, 300.0])) as ArrayRef,
        ),
        ("n1", Arc::new(Float64Array::from(vec![-5.0, 200.0, 300.0]))),
        // Row 2: NaN, in the third column.
        (
            "e2",
            Arc::new(Float64Array::from(vec![100.0, 200.0, f64::NAN])),
        ),
        (
            "n2",
            Arc::new(Float64Array::from(vec![100.0, 200.0, 300.0])),
        ),
    ]));
    let mut opts = PointsTableOptions::new(Method::Bng);
    opts.coordinates = Some(["e1", "n1", "e2", "n2"].map(str::to_owned));
    let err = distance::distance_points_table(&t, &opts).unwrap_err();
    assert_message(
        err,
        &[
            "column `e2` at row 2 (NaN)",
            "missing values (null or NaN) are not allowed here",
        ],
    );
    // Without the NaN, the range error of row 0 is the one.
    let t = input(batch(vec![
        (
            "e1",
            Arc::new(Float64Array::from(vec![100.0, 200.0])) as ArrayRef,
        ),
        ("n1", Arc::new(Float64Array::from(vec![-5.0, 200.0]))),
        ("e2", Arc::new(Float64Array::from(vec![100.0, 200.0]))),
        ("n2", Arc::new(Float64Array::from(vec![100.0, 200.0]))),
    ]));
    let err = distance::distance_points_table(&t, &opts).unwrap_err();
    assert_message(err, &["column `n1` at row 0"]);
}

#[test]
fn haversine_error_bounds_the_docs_state() {
    // Within Great Britain (49.9–58.7° N, 8° W–1.8° E), pairs on a grid: within 0.4 %.
    let (mut lat1, mut lon1, mut lat2, mut lon2) = (vec![], vec![], vec![], vec![]);
    for i in 0..12 {
        for j in 0..12 {
            for k in 0..12 {
                let (a, b, c) = (i as f64, j as f64, k as f64);
                lat1.push(49.9 + 0.8 * a);
                lon1.push(-8.0 + 0.89 * b);
                lat2.push(49.9 + 0.8 * c);
                lon2.push(1.8 - 0.89 * b - 0.3 * a);
            }
        }
    }
    let h = haversine(&lat1, &lon1, &lat2, &lon2, ERR).unwrap();
    let g = geodesic(&lat1, &lon1, &lat2, &lon2, ERR).unwrap();
    let worst = h
        .iter()
        .zip(&g)
        .filter(|(_, g)| **g > 0.0)
        .map(|(h, g)| (h - g).abs() / g)
        .fold(0.0, f64::max);
    assert!(worst < 0.004, "{worst}");
    // Anywhere: the worst case, a short north–south arc across the equator, is 0.56 %.
    let h = haversine(&[1.0], &[0.0], &[-1.0], &[0.0], ERR).unwrap()[0];
    let g = geodesic(&[1.0], &[0.0], &[-1.0], &[0.0], ERR).unwrap()[0];
    let rel = (h - g) / g;
    assert!(rel > 0.0055 && rel < 0.0057, "{rel}");
}

/// With `nulls = "propagate"` a row left out for its missing distance takes no part: its
/// weight is not read, so a null or NaN weight there is no error, and the summary is the one
/// of the other rows (here the one kept row: count 1, weight 2, every statistic its 5 km).
/// On a kept row a missing weight is still an error naming that row.
#[test]
fn a_left_out_row_has_its_weight_not_read() {
    let table = |w: Float64Array| {
        input(batch(vec![
            (
                "distance_km",
                Arc::new(Float64Array::from(vec![None, Some(5.0)])) as ArrayRef,
            ),
            ("w", Arc::new(w)),
        ]))
    };
    let opts = SummaryTableOptions {
        weight: Some("w".to_owned()),
        nulls: PASS,
        ..SummaryTableOptions::default()
    };
    for w in [
        Float64Array::from(vec![None, Some(2.0)]),
        Float64Array::from(vec![f64::NAN, 2.0]),
        Float64Array::from(vec![-5.0, 2.0]),
    ] {
        let s = distance::distance_summary_table(&table(w.clone()), &opts).unwrap();
        assert_eq!(column(&s.table, "count"), [Some(1.0)], "{w:?}");
        assert_eq!(column(&s.table, "weight_sum"), [Some(2.0)]);
        assert_eq!(column(&s.table, "mean"), [Some(5.0)]);
        assert_eq!(column(&s.table, "max"), [Some(5.0)]);
        assert_eq!(s.diagnostics.count(distance::MISSING_DISTANCE), 1);
        // The mergeable state reads its rows the same way.
        let state = distance::summary_state(&table(w), &opts).unwrap();
        let f = distance::summary_finalize(&state, &opts).unwrap();
        assert_eq!(column(&f.table, "weight_sum"), [Some(2.0)]);
    }

    // A kept row's missing weight is an error naming the input's row (after a left-out row
    // whose weight is missing too).
    let three = |w: Float64Array| {
        input(batch(vec![
            (
                "distance_km",
                Arc::new(Float64Array::from(vec![None, Some(5.0), Some(7.0)])) as ArrayRef,
            ),
            ("w", Arc::new(w)),
        ]))
    };
    let e = distance::distance_summary_table(
        &three(Float64Array::from(vec![None, Some(2.0), None])),
        &opts,
    )
    .unwrap_err();
    assert_message(
        e,
        &[
            "column `w` at row 2 (null)",
            "missing values (null or NaN) are not allowed",
        ],
    );
    let e = distance::distance_summary_table(
        &three(Float64Array::from(vec![None, Some(f64::NAN), Some(1.0)])),
        &opts,
    )
    .unwrap_err();
    assert_message(e, &["column `w` at row 1 (NaN)"]);
    // Missing values are errors (distances first), every weight read, when nulls are errors.
    let strict = SummaryTableOptions {
        nulls: ERR,
        ..opts.clone()
    };
    let two = input(batch(vec![
        (
            "distance_km",
            Arc::new(Float64Array::from(vec![1.0, 5.0])) as ArrayRef,
        ),
        ("w", Arc::new(Float64Array::from(vec![None, Some(2.0)]))),
    ]));
    let e = distance::distance_summary_table(&two, &strict).unwrap_err();
    assert_message(e, &["column `w` at row 0 (null)"]);
}

/// A breakdown named like a result column would give two columns of one name: refused before
/// any work, naming `by` and the column, in the table function and its mergeable state.
#[test]
fn a_breakdown_named_like_a_result_column_is_refused() {
    let table = |by: &str| {
        input(batch(vec![
            (by, Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef),
            ("distance_km", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
            ("w", Arc::new(Float64Array::from(vec![1.0, 1.0]))),
        ]))
    };
    let opts = |by: &str| SummaryTableOptions {
        by: vec![by.to_owned()],
        ..SummaryTableOptions::default()
    };
    for name in [
        "count",
        "mean",
        "median_upper",
        "confidence",
        "band_lt_25",
        "band_ge_300",
    ] {
        for e in [
            distance::distance_summary_table(&table(name), &opts(name)).unwrap_err(),
            distance::summary_state(&table(name), &opts(name)).unwrap_err(),
        ] {
            assert_eq!(e.argument(), Some("by"));
            assert_message(
                e,
                &[&format!(
                    "the breakdown column `{name}` has the name of a result column"
                )],
            );
        }
    }
    // `weight_sum` is a result column of weighted summaries only; band names follow the bands.
    let s = distance::distance_summary_table(&table("weight_sum"), &opts("weight_sum")).unwrap();
    assert_eq!(s.table.num_rows(), 2);
    let weighted = SummaryTableOptions {
        weight: Some("w".to_owned()),
        ..opts("weight_sum")
    };
    let e = distance::distance_summary_table(&table("weight_sum"), &weighted).unwrap_err();
    assert_message(e, &["`weight_sum` has the name of a result column"]);
    let custom = |by: &str| SummaryTableOptions {
        options: SummaryOptions {
            bands: Bands::custom(vec![10.0, 20.0]).unwrap(),
            ..SummaryOptions::default()
        },
        ..opts(by)
    };
    let e =
        distance::distance_summary_table(&table("band_10_20"), &custom("band_10_20")).unwrap_err();
    assert_eq!(e.argument(), Some("by"));
    assert!(distance::distance_summary_table(&table("band_lt_25"), &custom("band_lt_25")).is_ok());
}

/// An empty code, or one of spaces, is not recorded (docs/limits.md): a null, as the command
/// line reads an empty CSV field. In the data it is a missing code (an error, or counted as
/// `missing_location_code`), never matched; in the lookup it is a row without a code.
#[test]
fn empty_and_blank_codes_are_nulls() {
    let lookup = Locations::from_table(&postcodes(), "pcds", "east", "north").unwrap();
    let codes: ArrayRef = Arc::new(StringArray::from(vec!["ME1 1AA", "", "  ", "XX"]));
    let e = lookup.locate(&codes, "home", ERR).unwrap_err();
    assert_message(
        e,
        &["column `home` at row 1 (\"\")", "missing location codes"],
    );
    let spaces: ArrayRef = Arc::new(StringArray::from(vec![Some("ME1 1AA"), Some(" \t "), None]));
    let e = lookup.locate(&spaces, "home", ERR).unwrap_err();
    assert_message(e, &["column `home` at row 1 (\" \t \")"]);
    let found = lookup.locate(&codes, "home", PASS).unwrap();
    assert_eq!(found.x[0], 574_000.0);
    assert!(found.x[1..].iter().all(|x| x.is_nan()));
    assert_eq!(found.diagnostics.count(distance::MISSING_CODE), 2);
    assert_eq!(found.diagnostics.count(distance::UNKNOWN_CODE), 1);
    assert_eq!(found.diagnostics.entries[0].first_row, Some(1));
    // The same through a dictionary (a pandas categorical): "" and "  " are its values.
    let dict: DictionaryArray<arrow_array::types::Int32Type> =
        vec!["  ", "CT1 2BB", ""].into_iter().collect();
    let dict: ArrayRef = Arc::new(dict);
    let found = lookup.locate(&dict, "home", PASS).unwrap();
    assert_eq!(found.x[1], 615_000.0);
    assert_eq!(found.diagnostics.count(distance::MISSING_CODE), 2);
    let e = lookup.locate(&dict, "home", ERR).unwrap_err();
    assert_message(e, &["column `home` at row 0 (\"  \")"]);

    // In the lookup, the first row without a code is named, blank or null.
    let with_codes = |codes: Vec<Option<&str>>| {
        let n = codes.len();
        input(batch(vec![
            ("code", Arc::new(StringArray::from(codes)) as ArrayRef),
            ("x", Arc::new(Float64Array::from(vec![1.0; n]))),
            ("y", Arc::new(Float64Array::from(vec![2.0; n]))),
        ]))
    };
    for (codes, row, value) in [
        (vec![Some("A"), Some(""), None], 1, "\"\""),
        (vec![Some("A"), Some("   "), Some("")], 1, "\"   \""),
        (vec![Some("A"), None, Some("")], 1, "null"),
    ] {
        let e = Locations::from_table(&with_codes(codes), "code", "x", "y").unwrap_err();
        assert_eq!(
            (e.column(), e.row(), e.value()),
            (Some("code"), Some(row), Some(value))
        );
        assert_message(e, &["every lookup row needs a code"]);
    }
}

/// The vector kernels (Rust's, and C's, which call them) report a missing coordinate before a
/// value out of range, as the tables do: NaN is looked for column by column in the order of
/// the arguments, then values out of range row by row. The row named does not depend on the
/// chunks the rows run in (here the NaN is in a later chunk than the −1).
#[test]
fn vector_kernels_report_a_missing_coordinate_before_a_range_error() {
    let zero = [0.0; 2];
    let err = bng(&[-1.0, f64::NAN], &zero, &zero, &zero, false, ERR).unwrap_err();
    assert_message(err, &["`e1` at index 1 (NaN)", "missing coordinates (NaN)"]);
    // The first column with a NaN is named, though a later column's NaN is in an earlier row.
    let err = bng(
        &[-1.0, 0.0, 0.0],
        &[0.0; 3],
        &[f64::NAN, 0.0, 0.0],
        &[0.0, 0.0, f64::NAN],
        false,
        ERR,
    );
    assert_message(err.unwrap_err(), &["`e2` at index 0 (NaN)"]);
    let n = 100_000;
    let mut lat = vec![0.0; n];
    lat[5] = 91.0;
    let mut lon = vec![0.0; n];
    lon[90_000] = f64::NAN;
    let zeros = vec![0.0; n];
    for err in [
        geodesic(&lat, &lon, &zeros, &zeros, ERR).unwrap_err(),
        haversine(&lat, &lon, &zeros, &zeros, ERR).unwrap_err(),
    ] {
        assert_message(err, &["`lon1` at index 90000 (NaN)"]);
    }
    let err = bng_to_wgs84(&[-1.0, 0.0], &[0.0, f64::NAN], ERR).unwrap_err();
    assert_message(err, &["`n` at index 1 (NaN)"]);
    // With no NaN, the range error of the first bad row; with NaNs passing, the range error.
    let err = geodesic(&lat, &zeros, &zeros, &zeros, ERR).unwrap_err();
    assert_message(err, &["`lat1` at index 5 (91)"]);
    let err = geodesic(&lat, &lon, &zeros, &zeros, PASS).unwrap_err();
    assert_message(err, &["`lat1` at index 5 (91)"]);
}
