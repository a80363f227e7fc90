//! The dispersion measures of a non-ordered dimension: between-group variance (BGV, analytic
//! interval), and between-group standard deviation (BGSD), coefficient of variation (COV), the
//! mean differences from the best subgroup, the mean and the reference subgroup (MDB, MDM, MDR,
//! unweighted and weighted) and the index of disparity (IDIS), whose intervals are simulated.

use super::pairwise::best;
use super::{normal, Call, Measure, MeasureResult};
use crate::error::Result;
use crate::inequality::grouped::Favourable;
use crate::inequality::rng::Rng;
use crate::stats::quantile7;

/// BGV, BGSD, COV, MDB*, MDM*, MDR* or IDIS* into `out`.
pub(super) fn measure(c: &Call, out: &mut MeasureResult) -> Result<()> {
    if c.m == Measure::Bgv {
        between_group_variance(c, out);
        Ok(())
    } else {
        simulated(c, out)
    }
}

/// BGV, with the analytic interval when every subgroup has a standard error.
fn between_group_variance(c: &Call, out: &mut MeasureResult) {
    let (t, y, p, mu) = (&c.t, &c.t.y, &c.t.p, c.t.mu);
    out.value = p.iter().zip(y).map(|(p, y)| p * (y - mu) * (y - mu)).sum();
    if let Some(se) = &t.se {
        let s2: Vec<f64> = se.iter().map(|s| s * s).collect();
        let a: f64 = (0..y.len())
            .map(|j| p[j] * p[j] * s2[j] * (y[j] - mu) * (y[j] - mu))
            .sum();
        let b: f64 = (0..y.len()).map(|j| p[j] * p[j] * s2[j]).sum();
        let c4: f64 = (0..y.len()).map(|j| p[j].powi(4) * s2[j] * s2[j]).sum();
        let d: f64 = (0..y.len())
            .map(|j| p[j] * p[j] * (1.0 - p[j]).powi(2) * s2[j] * s2[j])
            .sum();
        normal(out, c.z, (4.0 * a + 2.0 * (b * b - c4 + d)).sqrt());
    }
}

/// A measure whose interval is simulated: the subgroup values redrawn from truncated normals
/// (populations fixed), `reps` times, the measure's type-7 quantiles.
fn simulated(c: &Call, out: &mut MeasureResult) -> Result<()> {
    let (t, opts, m) = (&c.t, c.opts, c.m);
    let (y, p) = (&t.y, &t.p);
    let fixed = opts.setting_average;
    // Set for MDB, the only simulated measure that reads it (checked by the dispatcher).
    let fav = c.fav.unwrap_or(Favourable::High);
    // The draws' range: [0, ∞), [0, 100] for a percentage.
    let upper_bound = if t.scale == 100.0 {
        100.0
    } else {
        f64::INFINITY
    };
    t.check_range(
        upper_bound,
        m,
        "its interval draws each value from a normal truncated to that range",
    )?;
    out.value = simulated_value(m, y, p, fixed, fav, t.reference);
    if let (Some(se), true) = (&t.se, opts.reps > 0) {
        let mut rng = Rng::new(opts.seed, c.stream);
        let mut draws = vec![0.0; y.len()];
        let mut sims = Vec::with_capacity(opts.reps);
        let truncation: Vec<Truncated> = (0..y.len())
            .map(|j| Truncated::new(y[j], se[j], upper_bound))
            .collect();
        let mut tick = crate::cancel::Ticker::new(1024);
        for _ in 0..opts.reps {
            tick.tick()?;
            for j in 0..y.len() {
                draws[j] = truncation[j].draw(&mut rng);
            }
            sims.push(simulated_value(m, &draws, p, fixed, fav, t.reference));
        }
        let a = (1.0 - opts.confidence) / 2.0;
        out.lower = Some(quantile7(&mut sims, a));
        out.upper = Some(quantile7(&mut sims, 1.0 - a));
        out.method = "simulation".into();
    }
    Ok(())
}

/// Point value of a simulated measure from values y (populations fixed).
fn simulated_value(
    m: Measure,
    y: &[f64],
    p: &[f64],
    mu_fixed: Option<f64>,
    fav: Favourable,
    reference: Option<usize>,
) -> f64 {
    let mu = mu_fixed.unwrap_or_else(|| p.iter().zip(y).map(|(p, y)| p * y).sum());
    let j = y.len() as f64;
    let mean_abs = |c: f64, weighted: bool| -> f64 {
        if weighted {
            p.iter().zip(y).map(|(p, y)| p * (y - c).abs()).sum()
        } else {
            y.iter().map(|y| (y - c).abs()).sum::<f64>() / j
        }
    };
    match m {
        Measure::Bgsd | Measure::Cov => {
            // The deviations at unit scale (an exact power of two) before they are squared:
            // the variance of values near 1e300 is beyond a double, and of values near 1e-300
            // below one, where their standard deviation is neither.
            let k = crate::sum::exponent_unit(crate::sum::magnitude(
                y.iter().map(|y| y - mu).chain([mu]),
            ));
            let scaled: f64 = p
                .iter()
                .zip(y)
                .map(|(p, y)| p * ((y - mu) / k) * ((y - mu) / k))
                .sum();
            let bgsd = scaled.sqrt() * k;
            if m == Measure::Bgsd {
                bgsd
            } else {
                100.0 * (scaled.sqrt() / (mu / k))
            }
        }
        Measure::Mdmu => mean_abs(mu, false),
        Measure::Mdmw => mean_abs(mu, true),
        Measure::Idisu => 100.0 * mean_abs(mu, false) / mu,
        Measure::Idisw => 100.0 * mean_abs(mu, true) / mu,
        Measure::Mdbu => mean_abs(y[best(y, fav)], false),
        Measure::Mdbw => mean_abs(y[best(y, fav)], true),
        Measure::Mdru => mean_abs(y[reference.unwrap_or(0)], false),
        Measure::Mdrw => mean_abs(y[reference.unwrap_or(0)], true),
        _ => f64::NAN,
    }
}

/// Normal(mean, sd) truncated to [0, upper].
///
/// By redrawing while a draw lands inside often enough (the usual case: the same draws as
/// plain redrawing); when the interval holds less than 5 % of the distribution, by inverting
/// the normal CDF between the interval's ends, so a subgroup far outside [0, upper] costs one
/// draw, not thousands. Where even that has no precision left (under 10⁻¹² of the
/// distribution inside), the draw is the nearer end.
struct Truncated {
    mean: f64,
    sd: f64,
    upper: f64,
    /// `Some((Φ(a), Φ(b)))` of the standardised ends when inverting.
    invert: Option<(f64, f64)>,
}

impl Truncated {
    fn new(mean: f64, sd: f64, upper: f64) -> Self {
        let mut t = Truncated {
            mean,
            sd,
            upper,
            invert: None,
        };
        if sd != 0.0 {
            use statrs::distribution::{ContinuousCDF, Normal};
            let n = Normal::standard();
            let (pa, pb) = (n.cdf((0.0 - mean) / sd), n.cdf((upper - mean) / sd));
            // (also when the ends are NaN: then the draw is the clamped mean)
            let inside = pb - pa;
            if inside.is_nan() || inside < 0.05 {
                t.invert = Some((pa, pb));
            }
        }
        t
    }

    fn draw(&self, rng: &mut Rng) -> f64 {
        let (mean, sd, upper) = (self.mean, self.sd, self.upper);
        if sd == 0.0 {
            return mean;
        }
        match self.invert {
            None => {
                for _ in 0..10_000 {
                    let v = mean + sd * rng.ziggurat_normal();
                    if (0.0..=upper).contains(&v) {
                        return v;
                    }
                }
                mean.clamp(0.0, upper)
            }
            Some((pa, pb)) if pb - pa > 1e-12 => {
                use statrs::distribution::{ContinuousCDF, Normal};
                let p = pa + rng.uniform() * (pb - pa);
                let v = mean + sd * Normal::standard().inverse_cdf(p);
                if v.is_finite() {
                    v.clamp(0.0, upper)
                } else {
                    mean.clamp(0.0, upper)
                }
            }
            Some(_) => mean.clamp(0.0, upper),
        }
    }
}
