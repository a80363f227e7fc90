use super::{assert_close, assert_failed, assert_ok, Z95};
use crate::{cm_proportion, cm_rate, CmRateMethod, CmStatus};
use std::ptr::{null, null_mut};

/// Output columns of a row-wise estimator.
struct Out<const N: usize> {
    value: [f64; N],
    lower: [f64; N],
    upper: [f64; N],
}

impl<const N: usize> Out<N> {
    fn new() -> Self {
        Out {
            value: [f64::NAN; N],
            lower: [f64::NAN; N],
            upper: [f64::NAN; N],
        }
    }
}

fn proportion<const N: usize>(
    o: &[f64; N],
    n: &[f64; N],
    confidence: f64,
    multiplier: f64,
) -> (CmStatus, Out<N>) {
    let mut out = Out::new();
    // SAFETY: all arrays have N elements.
    let status = unsafe {
        cm_proportion(
            o.as_ptr(),
            n.as_ptr(),
            N,
            confidence,
            multiplier,
            out.value.as_mut_ptr(),
            out.lower.as_mut_ptr(),
            out.upper.as_mut_ptr(),
        )
    };
    (status, out)
}

/// Wilson score limits written out: (2O + z^2 -/+ z*sqrt(z^2 + 4O(1 - O/n))) / (2(n + z^2)).
fn wilson(o: f64, n: f64, z: f64) -> (f64, f64) {
    let half = z * (z * z + 4.0 * o * (1.0 - o / n)).sqrt();
    let denom = 2.0 * (n + z * z);
    (
        (2.0 * o + z * z - half) / denom,
        (2.0 * o + z * z + half) / denom,
    )
}

#[test]
fn proportion_matches_wilson_and_phe() {
    let (status, out) = proportion(&[65.0, 0.0, 10.0], &[100.0, 50.0, 10.0], 0.95, 1.0);
    assert_ok(status);
    // PHEindicatormethods' wilson_lower/upper(65, 100) at 95%.
    assert_close(out.lower[0], 0.5525444329688797, 1e-12);
    assert_close(out.upper[0], 0.7363575175690247, 1e-12);
    let (l, u) = wilson(65.0, 100.0, Z95);
    assert_close(out.lower[0], l, 1e-12);
    assert_close(out.upper[0], u, 1e-12);
    assert_eq!(out.value, [0.65, 0.0, 1.0]);
    assert_eq!((out.lower[1], out.upper[2]), (0.0, 1.0));
    assert_close(out.upper[1], wilson(0.0, 50.0, Z95).1, 1e-12);
}

#[test]
fn proportion_as_a_percentage() {
    let (status, out) = proportion(&[65.0], &[100.0], 0.95, 100.0);
    assert_ok(status);
    assert_close(out.value[0], 65.0, 1e-12);
    assert_close(out.lower[0], 55.25444329688797, 1e-12);
    assert_close(out.upper[0], 73.63575175690247, 1e-12);
}

#[test]
fn proportion_rejects_bad_values_naming_them() {
    let (status, _) = proportion(&[1.0, 11.0], &[10.0, 10.0], 0.95, 1.0);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`numerator`", "index 1", "11"],
    );
    let (status, _) = proportion(&[-1.0], &[10.0], 0.95, 1.0);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`numerator`", "index 0", "-1"],
    );
    let (status, _) = proportion(&[f64::NAN], &[10.0], 0.95, 1.0);
    assert_failed(status, CmStatus::INVALID_VALUE, &["`numerator`", "NaN"]);
    let (status, _) = proportion(&[0.0], &[0.0], 0.95, 1.0);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`denominator`", "index 0"],
    );
    for confidence in [0.0, 1.0, 95.0, f64::NAN] {
        let (status, _) = proportion(&[1.0], &[10.0], confidence, 1.0);
        assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`confidence`"]);
    }
    let (status, _) = proportion(&[1.0], &[10.0], 0.95, 0.0);
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`multiplier`"]);
}

#[test]
fn proportion_null_pointers() {
    let (o, n, mut out) = ([1.0], [2.0], Out::<1>::new());
    let (v, l, u) = (
        out.value.as_mut_ptr(),
        out.lower.as_mut_ptr(),
        out.upper.as_mut_ptr(),
    );
    // SAFETY: non-NULL pointers address one element; NULL ones are rejected before use.
    unsafe {
        assert_failed(
            cm_proportion(null(), n.as_ptr(), 1, 0.95, 1.0, v, l, u),
            CmStatus::NULL_POINTER,
            &["`numerator`"],
        );
        assert_failed(
            cm_proportion(o.as_ptr(), null(), 1, 0.95, 1.0, v, l, u),
            CmStatus::NULL_POINTER,
            &["`denominator`"],
        );
        assert_failed(
            cm_proportion(o.as_ptr(), n.as_ptr(), 1, 0.95, 1.0, v, l, null_mut()),
            CmStatus::NULL_POINTER,
            &["`upper`"],
        );
        assert_ok(cm_proportion(
            null(),
            null(),
            0,
            0.95,
            1.0,
            null_mut(),
            null_mut(),
            null_mut(),
        ));
    }
}

#[test]
fn outputs_must_not_overlap_other_arrays() {
    let (n, mut buf) = ([10.0, 10.0], [1.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
    let p = buf.as_mut_ptr();
    // SAFETY: every pointer addresses two elements inside `buf` or `n`; the overlapping ones
    // are rejected before any slice is made.
    unsafe {
        // value written over the numerator
        let status = cm_proportion(p, n.as_ptr(), 2, 0.95, 1.0, p, p.add(2), p.add(4));
        assert_failed(
            status,
            CmStatus::INVALID_ARGUMENT,
            &["`value`", "`numerator`", "overlap"],
        );
        // lower and upper sharing one element
        let status = cm_proportion(p, n.as_ptr(), 2, 0.95, 1.0, p.add(2), p.add(3), p.add(4));
        assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`lower`", "`value`"]);
    }
}

#[test]
fn impossible_lengths_are_rejected() {
    let (o, n, mut out) = ([1.0], [2.0], Out::<1>::new());
    // SAFETY: the length is rejected before any pointer is read.
    let status = unsafe {
        cm_proportion(
            o.as_ptr(),
            n.as_ptr(),
            usize::MAX,
            0.95,
            1.0,
            out.value.as_mut_ptr(),
            out.lower.as_mut_ptr(),
            out.upper.as_mut_ptr(),
        )
    };
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`numerator`", "too large"],
    );
}

#[test]
fn misaligned_arrays_are_rejected() {
    let mut bytes = [0u8; 64];
    // SAFETY: the misaligned pointer is rejected before it is read.
    let p = unsafe { bytes.as_mut_ptr().add(1) }.cast::<f64>();
    let (n, mut out) = ([2.0], Out::<1>::new());
    // SAFETY: as above; the other pointers address one element.
    let status = unsafe {
        cm_proportion(
            p,
            n.as_ptr(),
            1,
            0.95,
            1.0,
            out.value.as_mut_ptr(),
            out.lower.as_mut_ptr(),
            out.upper.as_mut_ptr(),
        )
    };
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`numerator`", "aligned"],
    );
}

fn rate<const N: usize>(
    o: &[f64; N],
    n: &[f64; N],
    method: u32,
    methods: Option<&mut [u8; N]>,
) -> (CmStatus, Out<N>) {
    let mut out = Out::new();
    let m = methods.map_or(null_mut(), |m| m.as_mut_ptr());
    // SAFETY: all arrays have N elements; `m` is NULL or has N elements.
    let status = unsafe {
        cm_rate(
            o.as_ptr(),
            n.as_ptr(),
            N,
            0.95,
            100_000.0,
            method,
            out.value.as_mut_ptr(),
            out.lower.as_mut_ptr(),
            out.upper.as_mut_ptr(),
            m,
        )
    };
    (status, out)
}

/// Byar's limits written out: O(1 - 1/(9O) - z/(3 sqrt O))^3, (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3.
fn byar(o: f64, z: f64) -> (f64, f64) {
    let lower = o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * o.sqrt())).powi(3);
    let o1 = o + 1.0;
    (
        lower,
        o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * o1.sqrt())).powi(3),
    )
}

#[test]
fn rate_uses_byar_from_10_and_exact_below() {
    let mut methods = [0u8; 2];
    let (status, out) = rate(
        &[65.0, 1.0],
        &[1000.0, 1000.0],
        CmRateMethod::BYAR as u32,
        Some(&mut methods),
    );
    assert_ok(status);
    let (l, u) = byar(65.0, Z95);
    assert_close(out.value[0], 6500.0, 1e-12);
    assert_close(out.lower[0], l * 100.0, 1e-12);
    assert_close(out.upper[0], u * 100.0, 1e-12);
    // Exact Poisson limits of O = 1 at 95% (PHE's table): 0.0253178..., 5.5716433...
    assert_close(out.lower[1], 0.025317807984289897 * 100.0, 1e-9);
    assert_close(out.upper[1], 5.571643390938898 * 100.0, 1e-9);
    assert_eq!(methods, [2, 3]);
}

#[test]
fn rate_exact_on_request() {
    let mut methods = [0u8; 1];
    let (status, out) = rate(
        &[65.0],
        &[1.0],
        CmRateMethod::EXACT as u32,
        Some(&mut methods),
    );
    assert_ok(status);
    // chi2 quantiles qchisq(0.025, 130)/2 and qchisq(0.975, 132)/2 (computed to 30 digits).
    assert_close(out.lower[0], 50.16562772923427 * 100_000.0, 1e-9);
    assert_close(out.upper[0], 82.84783581587158 * 100_000.0, 1e-9);
    assert_eq!(methods, [3]);
    let (status, _) = rate(&[65.0], &[1.0], CmRateMethod::EXACT as u32, None);
    assert_ok(status);
}

#[test]
fn rate_rejects_bad_input() {
    let (status, _) = rate(&[1.0], &[1.0], 7, None);
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`method`", "7"]);
    let (status, _) = rate(&[3.0, -2.0], &[1.0, 1.0], 0, None);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`count`", "index 1", "-2"],
    );
    let (status, _) = rate(&[3.0], &[0.0], 0, None);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`denominator`", "index 0"],
    );
    let (status, _) = rate(&[f64::INFINITY], &[1.0], 0, None);
    assert_failed(status, CmStatus::INVALID_VALUE, &["`count`", "inf"]);
}
