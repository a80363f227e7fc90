//! PHE's 100-point plotting grid and its limits tables (`calculate_funnel_limits`),
//! reproduced row by row, R's quirks included: `round()` halves to even, and the axis
//! rounding counts digits with `nchar(as.character(x))`, which for whole numbers R prints in
//! scientific notation (100000 → "1e+05") counts the characters of that.

use super::options::{Resolved, Statistic};
use super::phe::{proportion_target, rate_baseline};
use super::poisson::phe_expected;
use super::units::Units;
use crate::error::Result;
use crate::stats::z_value;

/// `nchar(as.character(v))` in R for a whole number 0 ≤ v < 10¹⁵: R prints the shorter of
/// the fixed and scientific forms (fixed on a tie), e.g. 1e+05 for 100000 and 1200000 as is.
pub fn r_nchar(v: f64) -> i32 {
    // v is a whole number below 1e15 here (a floor or ceiling of a denominator).
    let digits = format!("{:.0}", v.abs());
    let d = digits.len() as i32;
    let trailing = digits.bytes().rev().take_while(|&b| b == b'0').count() as i32;
    let significant = (d - trailing).max(1);
    let mantissa = if significant == 1 { 1 } else { significant + 1 };
    let exponent = d - 1;
    let scientific = mantissa + 2 + if exponent >= 100 { 3 } else { 2 };
    if v != 0.0 && d > scientific {
        scientific
    } else {
        d
    }
}

/// PHE's `signif.floor`: rounds 0.95x down to its leading digit.
pub fn signif_floor(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let n = r_nchar((x * 0.95).floor()) - 1;
    let p = 10f64.powi(n);
    (x * 0.95 / p).floor() * p
}

/// PHE's `signif.ceiling`: rounds 1.05x up to its two leading digits.
pub fn signif_ceiling(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let n = r_nchar((x * 1.05).ceil()) - 2;
    let p = 10f64.powi(n);
    (x * 1.05 / p).ceil() * p
}

/// The 100 x values from `axis_min` to `axis_max`, spread so they are closer for small x:
/// x₁ = max(1, axis_min), x_j = max(round((axis_max/x_{j−1})^(1/(101 − off_j)) · x_{j−1}),
/// x_{j−1} + 1), off_j = j (proportions, rates) or j − 1 (ratios).
pub fn grid(axis_min: f64, axis_max: f64, ratio: bool) -> Vec<f64> {
    let mut xs = Vec::with_capacity(100);
    xs.push(axis_min.max(1.0));
    for j in 2..=100usize {
        let off = if ratio { j - 1 } else { j };
        let prev = xs[j - 2];
        let step = (axis_max / prev).powf(1.0 / (101 - off) as f64) * prev;
        xs.push(step.round_ties_even().max(prev + 1.0));
    }
    xs
}

/// The axis of a statistic: (axis_min, axis_max) from the smallest and largest denominator
/// (rates: person-time per year, then × av to an event count).
fn axis(min_d: f64, max_d: f64, years: Option<f64>, av: Option<f64>) -> (f64, f64) {
    let y = years.unwrap_or(1.0);
    let mut lo = if max_d > 2.0 * min_d {
        0.0
    } else {
        signif_floor(min_d / y) * y
    };
    let mut hi = signif_ceiling(max_d / y) * y;
    if let Some(av) = av {
        lo = (lo * av).floor();
        hi = (hi * av).ceil();
    }
    (lo, hi)
}

/// One column of a limits table.
pub(crate) type Column = (&'static str, Vec<f64>);

/// A PHE limits table: its numeric columns in PHE's order, then `statistic` and `method`.
pub(crate) struct PheTable {
    pub columns: Vec<Column>,
    pub statistic: String,
    pub method: &'static str,
}

/// `1e5` as R's `format(x, big.mark = ",", scientific = FALSE)`: "100,000".
pub fn big_mark(x: f64) -> String {
    let text = if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    };
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// PHE's limits table for the units' statistic.
pub(crate) fn table(units: &Units, r: &Resolved) -> Result<PheTable> {
    let ds: Vec<f64> = units.n.iter().copied().filter(|d| !d.is_nan()).collect();
    let min_d = ds.iter().copied().fold(f64::INFINITY, f64::min);
    let max_d = ds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match r.statistic {
        Statistic::Proportion => proportion(units, r.multiplier, min_d, max_d),
        Statistic::RatioIsr | Statistic::RatioCount => ratio(r.statistic, min_d, max_d),
        _ => rate(units, r, min_d, max_d),
    }
}

fn proportion(units: &Units, m: f64, min_d: f64, max_d: f64) -> Result<PheTable> {
    let theta = proportion_target(units);
    let (lo, hi) = axis(min_d, max_d, None, None);
    let xs = grid(lo, hi, false);
    let z = [z_value(0.95)?, z_value(0.998)?];
    let sd = (theta * (1.0 - theta)).sqrt();
    let limit = |z: f64, sign: f64| -> Vec<f64> {
        xs.iter()
            .map(|&n| {
                let v = (theta + sign * z * sd / n.sqrt()) * m;
                v.clamp(0.0, m)
            })
            .collect()
    };
    let columns = vec![
        ("population", xs.clone()),
        ("lower_2s_limit", limit(z[0], -1.0)),
        ("upper_2s_limit", limit(z[0], 1.0)),
        ("lower_3s_limit", limit(z[1], -1.0)),
        ("upper_3s_limit", limit(z[1], 1.0)),
        ("baseline", vec![theta * m; xs.len()]),
    ];
    Ok(PheTable {
        columns,
        statistic: "proportion".to_owned(),
        method: "Wilson",
    })
}

fn ratio(statistic: Statistic, min_d: f64, max_d: f64) -> Result<PheTable> {
    let (lo, hi) = axis(min_d, max_d, None, None);
    let xs = grid(lo, hi, true);
    let points = xs
        .iter()
        .map(|&o| phe_expected(o))
        .collect::<Result<Vec<_>>>()?;
    let scale = |v: f64| {
        if statistic == Statistic::RatioIsr {
            v * 100.0
        } else {
            v - 1.0
        }
    };
    let e = |c: usize| -> Vec<f64> { points.iter().map(|p| p[c]).collect() };
    let lim = |c: usize| -> Vec<f64> {
        xs.iter()
            .zip(&points)
            .map(|(&o, p)| scale(o / p[c]))
            .collect()
    };
    let columns = vec![
        ("observed_events", xs.clone()),
        ("lower_2s_exp_events", e(0)),
        ("lower_2s_limit", lim(0)),
        ("upper_2s_exp_events", e(1)),
        ("upper_2s_limit", lim(1)),
        ("lower_3s_exp_events", e(2)),
        ("lower_3s_limit", lim(2)),
        ("upper_3s_exp_events", e(3)),
        ("upper_3s_limit", lim(3)),
    ];
    let kind = if statistic == Statistic::RatioIsr {
        "isr"
    } else {
        "count"
    };
    Ok(PheTable {
        columns,
        statistic: format!("ratio ({kind})"),
        method: "Poisson",
    })
}

fn rate(units: &Units, r: &Resolved, min_d: f64, max_d: f64) -> Result<PheTable> {
    let av = rate_baseline(units)?;
    // `resolve` requires years_of_data for PHE rates.
    let years = r.years_of_data.unwrap_or(1.0);
    let m = r.multiplier;
    let (lo, hi) = axis(min_d, max_d, Some(years), Some(av));
    let xs = grid(lo, hi, false);
    let points = xs
        .iter()
        .map(|&o| phe_expected(o))
        .collect::<Result<Vec<_>>>()?;
    let pop = |c: usize| -> Vec<f64> { points.iter().map(|p| p[c] / av / years).collect() };
    let lim = |c: usize| -> Vec<f64> {
        xs.iter()
            .zip(&points)
            .map(|(&o, p)| o / (p[c] / av) * m)
            .collect()
    };
    let columns = vec![
        ("events", xs.clone()),
        ("lower_2s_population_1_year", pop(0)),
        ("lower_2s_limit", lim(0)),
        ("upper_2s_population_1_year", pop(1)),
        ("upper_2s_limit", lim(1)),
        ("lower_3s_population_1_year", pop(2)),
        ("lower_3s_limit", lim(2)),
        ("upper_3s_population_1_year", pop(3)),
        ("upper_3s_limit", lim(3)),
        ("baseline", vec![av * m; xs.len()]),
    ];
    let kind = if r.statistic == Statistic::RateDsr {
        "dsr"
    } else {
        "crude"
    };
    Ok(PheTable {
        columns,
        statistic: format!("rate ({kind} per {})", big_mark(m)),
        method: "Poisson",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_prints_round_numbers_in_scientific_notation() {
        assert_eq!(r_nchar(0.0), 1);
        assert_eq!(r_nchar(7.0), 1);
        assert_eq!(r_nchar(123456.0), 6);
        assert_eq!(r_nchar(100000.0), 5); // "1e+05"
        assert_eq!(r_nchar(1200000.0), 7); // fixed and "1.2e+06" tie: fixed
        assert_eq!(r_nchar(12000000.0), 7); // "1.2e+07"
                                            // The quirk changes signif.floor here: 0.95 x = 12000000.05, whose floor has 8 digits
                                            // but R counts 7, so it rounds down to a multiple of 10^6 (12000000), not of 10^7.
        assert_eq!(signif_floor(12_631_579.0), 12_000_000.0);
    }

    #[test]
    fn axis_rounding_and_labels() {
        assert_eq!(signif_floor(30_999.0), 20_000.0); // 0.95 x = 29449.05
        assert_eq!(signif_ceiling(30_999.0), 33_000.0);
        assert_eq!(signif_floor(0.0), 0.0);
        assert_eq!(big_mark(100_000.0), "100,000");
        assert_eq!(big_mark(100.0), "100");
        assert_eq!(big_mark(1_000_000.0), "1,000,000");
        assert_eq!(big_mark(2.5), "2.5");
    }
}
