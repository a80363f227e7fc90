//! The pairwise measures D (difference) and R (ratio) between two subgroups: the most and
//! least advantaged on an ordered dimension, the highest and lowest value otherwise, or the
//! reference subgroup against the furthest other one.

use super::prepared::Table;
use super::{normal, Call, HeatOptions, Measure, MeasureResult};
use crate::error::{format_value, Result};
use crate::inequality::grouped::{group_error, Favourable};

/// D or R into `out`.
pub(super) fn measure(c: &Call, out: &mut MeasureResult) -> Result<()> {
    let (t, y, z) = (&c.t, &c.t.y, c.z);
    let (hi, lo) = pair(t, c.opts, c.fav);
    let ses = t.se_each[hi].zip(t.se_each[lo]);
    if c.m == Measure::D {
        out.value = y[hi] - y[lo];
        if let Some((a, b)) = ses {
            normal(out, z, a.hypot(b));
        }
        return Ok(());
    }
    if y[lo] == 0.0 {
        return Err(group_error(
            &t.g[lo].label,
            "R divides by this subgroup's value, which is 0",
        ));
    }
    // A ratio of an indicator's values, its interval on the log scale: a negative value has
    // no logarithm (the limits came out NaN, an error about no subgroup).
    if let Some(k) = [lo, hi].into_iter().find(|&k| y[k] < 0.0) {
        return Err(group_error(
            &t.g[k].label,
            format!("R needs values ≥ 0 (got {})", format_value(y[k])),
        ));
    }
    let r = y[hi] / y[lo];
    out.value = r;
    if let Some((a, b)) = ses {
        let se_r = a.hypot(r * b) / y[lo];
        let sl = se_r / r;
        out.se = Some(sl);
        out.lower = Some((r.ln() - z * sl).exp());
        out.upper = Some((r.ln() + z * sl).exp());
        out.method = "analytic".into();
    }
    Ok(())
}

/// The first index of the largest value.
fn argmax(y: &[f64]) -> usize {
    let mut k = 0;
    for (i, &v) in y.iter().enumerate() {
        if v > y[k] {
            k = i;
        }
    }
    k
}

/// The first index of the smallest value.
fn argmin(y: &[f64]) -> usize {
    let mut k = 0;
    for (i, &v) in y.iter().enumerate() {
        if v < y[k] {
            k = i;
        }
    }
    k
}

/// The best subgroup: the highest value when high is favourable, else the lowest (the first
/// such on ties).
pub(super) fn best(y: &[f64], fav: Favourable) -> usize {
    match fav {
        Favourable::High => argmax(y),
        Favourable::Low => argmin(y),
    }
}

/// (hi, lo) indices for D and R; `fav` is `None` only where it plays no part (a non-ordered
/// dimension without a reference subgroup).
fn pair(t: &Table, opts: &HeatOptions, fav: Option<Favourable>) -> (usize, usize) {
    let last = t.y.len() - 1;
    // Unset only where no branch below reads it.
    let fav = fav.unwrap_or(Favourable::High);
    if opts.ordered {
        return match fav {
            Favourable::High => (last, 0),
            Favourable::Low => (0, last),
        };
    }
    match t.reference {
        None => (argmax(&t.y), argmin(&t.y)),
        Some(r) => {
            let others: Vec<usize> = (0..t.y.len()).filter(|&i| i != r).collect();
            let pick = |f: fn(&[f64]) -> usize| {
                let v: Vec<f64> = others.iter().map(|&i| t.y[i]).collect();
                others[f(&v)]
            };
            match fav {
                Favourable::High => (r, pick(argmin)),
                Favourable::Low => (pick(argmax), r),
            }
        }
    }
}
