use super::{assert_close, assert_failed, assert_ok, Z95};
use crate::{cm_dsr, cm_isr, cm_mean, CmIsrKind, CmRateMethod, CmStandard, CmStatus};
use std::ptr::{null, null_mut};

/// ESP 2013 weights, bands 0-4 ... 85-89, 90+.
const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

/// Rows of a DSR call.
#[derive(Default)]
struct Rows {
    group: Vec<u32>,
    age: Vec<i32>,
    count: Vec<f64>,
    population: Vec<f64>,
}

impl Rows {
    fn push_group(
        &mut self,
        g: u32,
        ages: impl Iterator<Item = i32>,
        count: impl Fn(usize) -> f64,
    ) {
        for (i, age) in ages.enumerate() {
            self.group.push(g);
            self.age.push(age);
            self.count.push(count(i));
            self.population.push(1000.0 * (i as f64 + 1.0));
        }
    }
}

/// Per-group outputs (DSR: total count, total population, value, lower, upper; ISR: observed,
/// expected, value, lower, upper; mean: count, sum, sd, value, lower, upper).
struct GroupOut {
    cols: [Vec<f64>; 6],
    flags: Vec<u8>,
}

impl GroupOut {
    fn new(n: usize) -> Self {
        GroupOut {
            cols: std::array::from_fn(|_| vec![f64::NAN; n]),
            flags: vec![9; n],
        }
    }
    fn ptr(&mut self, i: usize) -> *mut f64 {
        self.cols[i].as_mut_ptr()
    }
}

struct Standard<'a> {
    kind: u32,
    ages: &'a [i32],
    weights: &'a [f64],
}

const ESP: Standard<'static> = Standard {
    kind: CmStandard::ESP2013 as u32,
    ages: &[],
    weights: &[],
};

fn dsr(rows: &Rows, n_groups: usize, standard: &Standard<'_>) -> (CmStatus, GroupOut) {
    let mut out = GroupOut::new(n_groups);
    let flags = out.flags.as_mut_ptr();
    // SAFETY: every input has rows.group.len() elements, every output n_groups.
    let status = unsafe {
        cm_dsr(
            rows.group.as_ptr(),
            rows.age.as_ptr(),
            rows.count.as_ptr(),
            rows.population.as_ptr(),
            rows.group.len(),
            n_groups,
            standard.kind,
            standard.ages.as_ptr(),
            standard.weights.as_ptr(),
            standard.ages.len(),
            0.95,
            100_000.0,
            CmRateMethod::BYAR as u32,
            out.ptr(0),
            out.ptr(1),
            out.ptr(2),
            out.ptr(3),
            out.ptr(4),
            flags,
        )
    };
    (status, out)
}

/// Dobson's DSR written out: DSR = sum(w O/n) / sum(w); var = sum(w^2 O/n^2) / sum(w)^2;
/// limit = DSR + sqrt(var / O) (O_limit - O); all x 100 000.
fn dobson(weights: &[f64], rows: &Rows, g: u32, count_limits: (f64, f64)) -> [f64; 3] {
    let (mut wr, mut w2r, mut o) = (0.0, 0.0, 0.0);
    for i in (0..rows.group.len()).filter(|&i| rows.group[i] == g) {
        let (w, c, n) = (
            weights[i % weights.len()],
            rows.count[i],
            rows.population[i],
        );
        wr += w * c / n;
        w2r += w * w * c / (n * n);
        o += c;
    }
    let total: f64 = weights.iter().sum();
    let (dsr, var) = (wr / total, w2r / (total * total));
    let scale = (var / o).sqrt();
    [
        dsr,
        dsr + scale * (count_limits.0 - o),
        dsr + scale * (count_limits.1 - o),
    ]
    .map(|x| x * 100_000.0)
}

fn byar(o: f64) -> (f64, f64) {
    let o1 = o + 1.0;
    (
        o * (1.0 - 1.0 / (9.0 * o) - Z95 / (3.0 * o.sqrt())).powi(3),
        o1 * (1.0 - 1.0 / (9.0 * o1) + Z95 / (3.0 * o1.sqrt())).powi(3),
    )
}

/// Exact Poisson limits of O = 1 at 95% (PHE's table).
const EXACT_1: (f64, f64) = (0.025317807984289897, 5.571643390938898);

fn two_groups() -> Rows {
    let mut rows = Rows::default();
    rows.push_group(0, (0..19).map(|i| i * 5), |i| 10.0 + i as f64);
    rows.push_group(
        1,
        (0..19).map(|i| i * 5),
        |i| if i == 0 { 1.0 } else { 0.0 },
    );
    rows
}

#[test]
fn dsr_matches_dobson() {
    let rows = two_groups();
    let (status, out) = dsr(&rows, 2, &ESP);
    assert_ok(status);
    let o: f64 = (0..19).map(|i| 10.0 + f64::from(i)).sum();
    assert_eq!(out.cols[0], [o, 1.0]);
    assert_eq!(out.cols[1][0], 1000.0 * 190.0);
    let expected = dobson(&ESP2013, &rows, 0, byar(o));
    for (col, want) in expected.iter().enumerate() {
        assert_close(out.cols[2 + col][0], *want, 1e-12);
    }
    let expected = dobson(&ESP2013, &rows, 1, EXACT_1);
    for (col, want) in expected.iter().enumerate() {
        assert_close(out.cols[2 + col][1], *want, 1e-9);
    }
    assert_eq!(out.flags, [0, 1]);
}

#[test]
fn dsr_with_the_18_band_and_custom_standards() {
    let mut rows = Rows::default();
    rows.push_group(0, (0..18).map(|i| i * 5), |i| 20.0 + i as f64);
    let esp18 = Standard {
        kind: CmStandard::ESP2013_18 as u32,
        ages: &[],
        weights: &[],
    };
    let (status, out) = dsr(&rows, 1, &esp18);
    assert_ok(status);
    let mut weights = ESP2013[..18].to_vec();
    weights[17] += ESP2013[18];
    let o = out.cols[0][0];
    assert_close(
        out.cols[2][0],
        dobson(&weights, &rows, 0, byar(o))[0],
        1e-12,
    );

    let mut rows = Rows::default();
    rows.push_group(0, [16, 18, 20].into_iter(), |i| 10.0 * (i as f64 + 1.0));
    let custom = Standard {
        kind: CmStandard::CUSTOM as u32,
        ages: &[16, 18, 20],
        weights: &[1.0, 2.0, 3.0],
    };
    let (status, out) = dsr(&rows, 1, &custom);
    assert_ok(status);
    let expected = dobson(&[1.0, 2.0, 3.0], &rows, 0, byar(60.0));
    assert_close(out.cols[2][0], expected[0], 1e-12);
    assert_close(out.cols[4][0], expected[2], 1e-12);
}

#[test]
fn dsr_custom_standard_errors_name_the_c_arguments() {
    let mut rows = Rows::default();
    rows.push_group(0, [16, 18].into_iter(), |_| 10.0);
    let unordered = Standard {
        kind: CmStandard::CUSTOM as u32,
        ages: &[18, 16],
        weights: &[1.0, 1.0],
    };
    let (status, _) = dsr(&rows, 1, &unordered);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`standard_lower_ages`", "index 1"],
    );
    let negative = Standard {
        kind: CmStandard::CUSTOM as u32,
        ages: &[16, 18],
        weights: &[1.0, -1.0],
    };
    let (status, _) = dsr(&rows, 1, &negative);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`standard_weights`", "index 1"],
    );
    let empty = Standard {
        kind: CmStandard::CUSTOM as u32,
        ages: &[],
        weights: &[],
    };
    let (status, _) = dsr(&rows, 1, &empty);
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &["`standard`", "at least one band"],
    );
}

#[test]
fn dsr_names_missing_and_repeated_bands() {
    let mut rows = two_groups();
    rows.age[19 + 18] = 85; // group 1: 85 twice, no 90
    let (status, _) = dsr(&rows, 2, &ESP);
    assert_failed(
        status,
        CmStatus::INVALID_GROUP,
        &["group 1", "85-89", "twice"],
    );
    rows.age.pop();
    rows.group.pop();
    rows.count.pop();
    rows.population.pop();
    let (status, _) = dsr(&rows, 2, &ESP);
    assert_failed(
        status,
        CmStatus::INVALID_GROUP,
        &["group 1", "90+", "missing"],
    );
}

#[test]
fn dsr_rejects_unknown_ages_groups_and_standards() {
    let mut rows = two_groups();
    rows.age[3] = 7;
    let (status, _) = dsr(&rows, 2, &ESP);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`band_lower_age`", "index 3", "(7)"],
    );
    let (status, _) = dsr(&two_groups(), 1, &ESP);
    assert_failed(status, CmStatus::INVALID_VALUE, &["`group`", "index 19"]);
    let (status, _) = dsr(&two_groups(), 2, &Standard { kind: 9, ..ESP });
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`standard`", "9"]);
    let mut rows = two_groups();
    rows.population[5] = 0.0;
    let (status, _) = dsr(&rows, 2, &ESP);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`population`", "index 5"],
    );
}

#[test]
fn dsr_pointer_rules() {
    let rows = two_groups();
    let mut out = GroupOut::new(2);
    // SAFETY: inputs have 38 elements, outputs 2; NULL ones are either rejected or unused.
    unsafe {
        let status = cm_dsr(
            rows.group.as_ptr(),
            rows.age.as_ptr(),
            rows.count.as_ptr(),
            rows.population.as_ptr(),
            38,
            2,
            CmStandard::CUSTOM as u32,
            null(),
            null(),
            19,
            0.95,
            1.0,
            CmRateMethod::BYAR as u32,
            out.ptr(0),
            out.ptr(1),
            out.ptr(2),
            out.ptr(3),
            out.ptr(4),
            null_mut(),
        );
        assert_failed(status, CmStatus::NULL_POINTER, &["`standard_lower_ages`"]);
        // Built-in standard: the custom arrays are ignored; low_count may be NULL.
        let status = cm_dsr(
            rows.group.as_ptr(),
            rows.age.as_ptr(),
            rows.count.as_ptr(),
            rows.population.as_ptr(),
            38,
            2,
            CmStandard::ESP2013 as u32,
            null(),
            null(),
            19,
            0.95,
            1.0,
            CmRateMethod::BYAR as u32,
            out.ptr(0),
            out.ptr(1),
            out.ptr(2),
            out.ptr(3),
            out.ptr(4),
            null_mut(),
        );
        assert_ok(status);
        let status = cm_dsr(
            rows.group.as_ptr(),
            null(),
            rows.count.as_ptr(),
            rows.population.as_ptr(),
            38,
            2,
            CmStandard::ESP2013 as u32,
            null(),
            null(),
            0,
            0.95,
            1.0,
            CmRateMethod::BYAR as u32,
            out.ptr(0),
            out.ptr(1),
            out.ptr(2),
            out.ptr(3),
            out.ptr(4),
            null_mut(),
        );
        assert_failed(status, CmStatus::NULL_POINTER, &["`band_lower_age`"]);
        let status = cm_dsr(
            null(),
            null(),
            null(),
            null(),
            0,
            0,
            CmStandard::ESP2013 as u32,
            null(),
            null(),
            0,
            0.95,
            1.0,
            CmRateMethod::BYAR as u32,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
        );
        assert_ok(status);
    }
}

fn isr(
    count: &[f64; 3],
    reference_count: &[f64; 3],
    kind: u32,
    multiplier: f64,
) -> (CmStatus, GroupOut) {
    let (group, population, reference_population) =
        ([0u32; 3], [1000.0, 2000.0, 3000.0], [10_000.0; 3]);
    let mut out = GroupOut::new(1);
    // SAFETY: inputs have 3 elements, outputs 1.
    let status = unsafe {
        cm_isr(
            group.as_ptr(),
            1,
            count.as_ptr(),
            population.as_ptr(),
            reference_count.as_ptr(),
            reference_population.as_ptr(),
            3,
            0.95,
            multiplier,
            CmRateMethod::BYAR as u32,
            kind,
            out.ptr(0),
            out.ptr(1),
            out.ptr(2),
            out.ptr(3),
            out.ptr(4),
        )
    };
    (status, out)
}

#[test]
fn isr_ratio_and_rate() {
    // E = 1000*10/10000 + 2000*20/10000 + 3000*30/10000 = 1 + 4 + 9 = 14; O = 30.
    let (o, e) = (30.0, 14.0);
    let (status, out) = isr(
        &[5.0, 10.0, 15.0],
        &[10.0, 20.0, 30.0],
        CmIsrKind::RATIO as u32,
        100.0,
    );
    assert_ok(status);
    assert_eq!((out.cols[0][0], out.cols[1][0]), (o, e));
    let (l, u) = byar(o);
    assert_close(out.cols[2][0], o / e * 100.0, 1e-12);
    assert_close(out.cols[3][0], l / e * 100.0, 1e-12);
    assert_close(out.cols[4][0], u / e * 100.0, 1e-12);
    // Reference crude rate 60 / 30000 per person, per 100 000: 200.
    let (status, out) = isr(
        &[5.0, 10.0, 15.0],
        &[10.0, 20.0, 30.0],
        CmIsrKind::RATE as u32,
        100_000.0,
    );
    assert_ok(status);
    assert_close(out.cols[2][0], o / e * 200.0, 1e-12);
    assert_close(out.cols[4][0], u / e * 200.0, 1e-12);
}

#[test]
fn isr_errors() {
    let (status, _) = isr(&[5.0, 10.0, 15.0], &[0.0; 3], 0, 1.0);
    assert_failed(
        status,
        CmStatus::INVALID_GROUP,
        &["group 0", "expected count is 0"],
    );
    let (status, _) = isr(&[5.0, f64::NAN, 15.0], &[1.0; 3], 0, 1.0);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`count`", "index 1", "NaN"],
    );
    let (status, _) = isr(&[5.0; 3], &[1.0; 3], 2, 1.0);
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`kind`"]);
}

fn mean(group: &[u32], values: &[f64], n_groups: usize, confidence: f64) -> (CmStatus, GroupOut) {
    let mut out = GroupOut::new(n_groups);
    // SAFETY: inputs have group.len() elements (checked), outputs n_groups.
    let status = unsafe {
        assert_eq!(group.len(), values.len());
        cm_mean(
            group.as_ptr(),
            n_groups,
            values.as_ptr(),
            group.len(),
            confidence,
            out.ptr(0),
            out.ptr(1),
            out.ptr(2),
            out.ptr(3),
            out.ptr(4),
            out.ptr(5),
        )
    };
    (status, out)
}

#[test]
fn mean_with_student_t() {
    let (status, out) = mean(
        &[0, 0, 1, 0, 0, 1, 0],
        &[1.0, 2.0, 10.0, 3.0, 4.0, 12.0, 5.0],
        2,
        0.95,
    );
    assert_ok(status);
    // Group 0: 1..5, mean 3, sd sqrt(2.5), t(0.975, 4) = 2.7764451051977943.
    let half = 2.7764451051977943 * 2.5_f64.sqrt() / 5.0_f64.sqrt();
    let g0: Vec<f64> = out.cols.iter().map(|c| c[0]).collect();
    let want = [5.0, 15.0, 2.5_f64.sqrt(), 3.0, 3.0 - half, 3.0 + half];
    g0.iter()
        .zip(want)
        .for_each(|(&f, w)| assert_close(f, w, 1e-12));
    // Group 1: 10, 12: mean 11, sd sqrt(2), t(0.975, 1) = 12.706204736174705.
    let half = 12.706204736174705 * 2.0_f64.sqrt() / 2.0_f64.sqrt();
    assert_close(out.cols[4][1], 11.0 - half, 1e-12);
    assert_close(out.cols[5][1], 11.0 + half, 1e-12);
}

#[test]
fn mean_errors() {
    let (status, _) = mean(&[0, 0, 1], &[1.0, 2.0, 3.0], 2, 0.95);
    assert_failed(status, CmStatus::INVALID_GROUP, &["group 1", "at least 2"]);
    let (status, _) = mean(&[0, 0], &[1.0, f64::NAN], 1, 0.95);
    assert_failed(
        status,
        CmStatus::INVALID_VALUE,
        &["`values`", "index 1", "NaN"],
    );
    let (status, _) = mean(&[0, 3], &[1.0, 2.0], 2, 0.95);
    assert_failed(status, CmStatus::INVALID_VALUE, &["`group`", "index 1"]);
    let (status, _) = mean(&[0, 0], &[1.0, 2.0], 1, 1.5);
    assert_failed(status, CmStatus::INVALID_ARGUMENT, &["`confidence`"]);
}
