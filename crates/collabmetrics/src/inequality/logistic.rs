//! WHO HEAT's logistic SII and RII (`healthequal::sii`, `healthequal::rii`).

use super::grouped::{group_error, ridits, Subgroup};
use crate::error::{format_value, Error, Result};

pub(crate) struct LogisticFit {
    pub sii: f64,
    pub rii: f64,
    pub se_sii: f64,
    pub se_log_rii: f64,
}

/// HEAT's logistic SII/RII: binomial GLM logit π = b0 + b1 X with counts round(y/scale · ⌈N⌉)
/// (half to even, as R rounds) of ⌈N⌉ trials and prior weights ⌈N⌉ (effective weight ⌈N⌉²),
/// ridits X from the ⌈N⌉, by IRLS; HC1 sandwich covariance and the delta method.
pub(crate) fn logistic_sii(
    groups: &[&Subgroup],
    y: &[f64],
    population: &[f64],
    scale: f64,
) -> Result<LogisticFit> {
    let n: Vec<f64> = population.iter().map(|v| v.ceil()).collect();
    let total: f64 = n.iter().sum();
    let pshare: Vec<f64> = n.iter().map(|v| v / total).collect();
    let x = ridits(&pshare);
    let mut obs = Vec::with_capacity(n.len());
    for (j, (&yv, &nj)) in y.iter().zip(&n).enumerate() {
        let prop = yv / scale;
        if !(0.0..=1.0).contains(&prop) {
            return Err(group_error(
                &groups[j].label,
                format!(
                    "value {} is outside [0, scale = {}] for the logistic SII",
                    format_value(yv),
                    format_value(scale)
                ),
            ));
        }
        // R's round, as healthequal's: half to even (150.5 is 150), not half up.
        obs.push((prop * nj).round_ties_even() / nj);
    }
    let w: Vec<f64> = n.iter().map(|v| v * v).collect();
    let (mut b0, mut b1) = (0.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut s00, mut s01, mut s11, mut r0, mut r1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for j in 0..n.len() {
            let eta = b0 + b1 * x[j];
            let pi = 1.0 / (1.0 + (-eta).exp());
            let v = pi * (1.0 - pi);
            let zj = eta + (obs[j] - pi) / v;
            let wj = w[j] * v;
            s00 += wj;
            s01 += wj * x[j];
            s11 += wj * x[j] * x[j];
            r0 += wj * zj;
            r1 += wj * x[j] * zj;
        }
        let det = s00 * s11 - s01 * s01;
        let nb0 = (s11 * r0 - s01 * r1) / det;
        let nb1 = (s00 * r1 - s01 * r0) / det;
        let done = (nb0 - b0).abs() + (nb1 - b1).abs() < 1e-13 * (1.0 + nb0.abs() + nb1.abs());
        b0 = nb0;
        b1 = nb1;
        if done {
            break;
        }
    }
    // Sandwich: B = Σ w π(1−π) x xᵀ, M = Σ (w (obs − π))² x xᵀ, V = J/(J−2) B⁻¹ M B⁻¹.
    let mut bm = [[0.0; 2]; 2];
    let mut mm = [[0.0; 2]; 2];
    for j in 0..n.len() {
        let pi = 1.0 / (1.0 + (-(b0 + b1 * x[j])).exp());
        let xv = [1.0, x[j]];
        let u = w[j] * (obs[j] - pi);
        for a in 0..2 {
            for b in 0..2 {
                bm[a][b] += w[j] * pi * (1.0 - pi) * xv[a] * xv[b];
                mm[a][b] += u * u * xv[a] * xv[b];
            }
        }
    }
    let det = bm[0][0] * bm[1][1] - bm[0][1] * bm[1][0];
    let bi = [
        [bm[1][1] / det, -bm[0][1] / det],
        [-bm[1][0] / det, bm[0][0] / det],
    ];
    let mul = |a: [[f64; 2]; 2], b: [[f64; 2]; 2]| {
        let mut c = [[0.0; 2]; 2];
        for i in 0..2 {
            for k in 0..2 {
                c[i][k] = a[i][0] * b[0][k] + a[i][1] * b[1][k];
            }
        }
        c
    };
    let j = n.len() as f64;
    let mut v = mul(mul(bi, mm), bi);
    for row in &mut v {
        for e in row.iter_mut() {
            *e *= j / (j - 2.0);
        }
    }
    let quad = |g: [f64; 2]| {
        (g[0] * g[0] * v[0][0] + 2.0 * g[0] * g[1] * v[0][1] + g[1] * g[1] * v[1][1]).sqrt()
    };
    let p0 = 1.0 / (1.0 + (-b0).exp());
    let p1 = 1.0 / (1.0 + (-(b0 + b1)).exp());
    if !(b0.is_finite() && b1.is_finite() && p0 > 0.0 && p1 > 0.0 && p0 < 1.0 && p1 < 1.0) {
        return Err(Error::invalid_argument(
            "values",
            "the logistic SII/RII does not converge (every subgroup's count is 0, or every one equals its population)",
        ));
    }
    let (d0, d1) = (p0 * (1.0 - p0), p1 * (1.0 - p1));
    Ok(LogisticFit {
        sii: p1 - p0,
        rii: p1 / p0,
        se_sii: quad([d1 - d0, d1]),
        se_log_rii: quad([(1.0 - p1) - (1.0 - p0), 1.0 - p1]),
    })
}
