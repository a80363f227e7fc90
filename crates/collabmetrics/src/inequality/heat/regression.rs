//! The regression-based measures on an ordered dimension: the slope and relative indices of
//! inequality (SII, RII; PHE's linear model with simulated limits, or HEAT's logistic one with
//! sandwich standard errors; the Kunst–Mackenbach RII_MEAN) and the absolute and relative
//! concentration indices (ACI, RCI) by weighted least squares on the ridits.

use super::{normal, Call, Measure, MeasureResult, RciMethod, SiiModel};
use crate::error::{Error, Result};
use crate::inequality::grouped::ridits;
use crate::inequality::logistic::logistic_sii;
use crate::inequality::sii::{sii_stream, SiiOptions, SiiResult};

/// One linear-SII simulation shared by the SII, RII and RII_MEAN of a call: run on `stream`
/// by the first of them (with RII_MEAN's limits when `rii_mean`), read by the others. One
/// replicate gives all three, so they come from the same draws, as in PHE.
pub(crate) struct SharedSii {
    /// The random stream of the simulation.
    pub stream: u64,
    /// Whether RII_MEAN is among the measures (its limits cost a little per replicate).
    pub rii_mean: bool,
    /// The result, once the first measure has computed it.
    pub result: std::cell::OnceCell<SiiResult>,
}

/// SII, RII, RII_MEAN, ACI or RCI into `out`.
pub(super) fn measure(c: &Call, out: &mut MeasureResult) -> Result<()> {
    match c.m {
        Measure::Aci | Measure::Rci => concentration(c, out),
        _ if c.opts.sii_model == SiiModel::Linear => linear_sii(c, out),
        Measure::RiiMean => Err(Error::invalid_argument(
            "measure",
            "RII_MEAN is defined for the linear SII model only",
        )),
        _ => logistic(c, out),
    }
}

/// ACI, or RCI in the form `rci_method` asks for.
fn concentration(c: &Call, out: &mut MeasureResult) -> Result<()> {
    let (t, y, p, mu) = (&c.t, &c.t.y, &c.t.p, c.t.mu);
    let x = ridits(p);
    let sigma2: f64 = p
        .iter()
        .zip(&x)
        .map(|(p, x)| p * (x - 0.5) * (x - 0.5))
        .sum();
    let target: Vec<f64> = if c.m == Measure::Aci {
        y.to_vec()
    } else {
        y.iter().map(|v| v / mu).collect()
    };
    let ystar: Vec<f64> = target.iter().map(|v| 2.0 * sigma2 * v).collect();
    let (b1, se) = wls_slope(&x, &ystar, &t.n);
    let mut value = b1;
    let mut se = se;
    if c.m == Measure::Rci {
        if c.opts.rci_method != RciMethod::Raw {
            t.check_range(
                t.scale,
                c.m,
                "the Wagstaff and Erreygers forms are for an indicator bounded by its scale",
            )?;
        }
        let f = match c.opts.rci_method {
            RciMethod::Raw => 1.0,
            RciMethod::Wagstaff => 1.0 / (1.0 - mu / t.scale),
            RciMethod::Erreygers => 4.0 * mu / t.scale,
        };
        value *= f;
        se *= f.abs();
    }
    out.value = value;
    normal(out, c.z, se);
    Ok(())
}

/// SII, RII or RII_MEAN by PHE's linear model (`crate::inequality::sii`), simulated limits
/// when the subgroups have standard errors or limits.
fn linear_sii(c: &Call, out: &mut MeasureResult) -> Result<()> {
    let (t, opts, m) = (&c.t, c.opts, c.m);
    let so = SiiOptions {
        value_type: opts.value_type,
        transform: opts.transform,
        confidence: vec![opts.confidence],
        reps: if t.se.is_some() || t.g.iter().all(|g| g.lower.is_some() && g.upper.is_some()) {
            opts.reps
        } else {
            0
        },
        seed: opts.seed,
        multiplier: opts.multiplier,
        rii_mean_interval: c.shared.map_or(m == Measure::RiiMean, |s| s.rii_mean),
        ..SiiOptions::default()
    };
    let owned;
    let r = match c.shared {
        Some(s) => match s.result.get() {
            Some(r) => r,
            None => {
                let r = sii_stream(c.groups, &so, s.stream)?;
                s.result.get_or_init(|| r)
            }
        },
        None => {
            owned = sii_stream(c.groups, &so, c.stream)?;
            &owned
        }
    };
    let lim = r.limits.first();
    match m {
        Measure::Sii => {
            out.value = r.sii;
            out.lower = lim.map(|l| l.sii_lower);
            out.upper = lim.map(|l| l.sii_upper);
        }
        Measure::Rii => {
            out.value = r.rii;
            // No limits: the replicates' fitted lines reach 0 (see `SiiLimits::rii_lower`); the
            // table reports them as null, with a diagnostic.
            out.lower = lim.and_then(|l| l.rii_lower);
            out.upper = lim.and_then(|l| l.rii_upper);
            if lim.is_some() {
                out.method = "simulation".into();
            }
        }
        _ => {
            out.value = r.rii_mean;
            out.lower = lim.and_then(|l| l.rii_mean_lower);
            out.upper = lim.and_then(|l| l.rii_mean_upper);
        }
    }
    if out.lower.is_some() {
        out.method = "simulation".into();
    }
    Ok(())
}

/// SII or RII by HEAT's logistic model, analytic intervals.
fn logistic(c: &Call, out: &mut MeasureResult) -> Result<()> {
    let (t, z) = (&c.t, c.z);
    let fit = logistic_sii(&t.g, &t.y, &t.n, t.scale)?;
    if c.m == Measure::Sii {
        out.value = t.scale * fit.sii;
        normal(out, z, t.scale * fit.se_sii);
    } else {
        out.value = fit.rii;
        out.se = Some(fit.se_log_rii);
        out.lower = Some((fit.rii.ln() - z * fit.se_log_rii).exp());
        out.upper = Some((fit.rii.ln() + z * fit.se_log_rii).exp());
        out.method = "analytic".into();
    }
    Ok(())
}

/// Slope and its OLS standard error of y on [x√w, √w] with no intercept (= weighted least
/// squares of y on x with weights w), residual df = J − 2.
fn wls_slope(x: &[f64], y: &[f64], w: &[f64]) -> (f64, f64) {
    // y and w at unit scale, by exact powers of two: the squared residuals overflowed from
    // values near 1e290 (an error) and underflowed to a zero-width interval near 1e-300. The
    // slope and its error scale with y; neither changes with w's scale.
    use crate::sum::{exponent_unit, magnitude, weight_unit};
    let ky = exponent_unit(magnitude(y.iter().copied()));
    let kw = weight_unit(magnitude(w.iter().copied()));
    let y: Vec<f64> = y.iter().map(|v| v / ky).collect();
    let w: Vec<f64> = w.iter().map(|v| v / kw).collect();
    let (b1, se) = unit_wls_slope(x, &y, &w);
    (b1 * ky, se * ky)
}

/// [`wls_slope`] of values at unit scale.
fn unit_wls_slope(x: &[f64], y: &[f64], w: &[f64]) -> (f64, f64) {
    let sw: f64 = w.iter().sum();
    let xbar: f64 = w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() / sw;
    let ybar: f64 = w.iter().zip(y).map(|(w, y)| w * y).sum::<f64>() / sw;
    let sxx: f64 = w
        .iter()
        .zip(x)
        .map(|(w, x)| w * (x - xbar) * (x - xbar))
        .sum();
    let sxy: f64 = (0..x.len())
        .map(|j| w[j] * (x[j] - xbar) * (y[j] - ybar))
        .sum();
    let b1 = sxy / sxx;
    let b0 = ybar - b1 * xbar;
    let rss: f64 = (0..x.len())
        .map(|j| w[j] * (y[j] - b0 - b1 * x[j]).powi(2))
        .sum();
    let s2 = rss / (x.len() as f64 - 2.0);
    (b1, (s2 / sxx).sqrt())
}
