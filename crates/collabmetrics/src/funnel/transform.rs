//! FunnelPlotR's transformed z-scores (`transformed_zscore()`): each unit's value on a scale
//! where its standard error is known, against the target on that scale.
//!
//! | kind | Y | target | s | z |
//! |---|---|---|---|---|
//! | SR/SHMI | ln(O/E) | 0 | 1/√E | √E · ln(O/E) |
//! | SR/CQC | √(O/E) | 1 | 1/(2√E) | (Y − 1)/s |
//! | PR | asin √(O/n) | asin √θ | 1/(2√n) | (Y − target)/s |
//! | RC | ln((O + ½)/(n + ½)) | ln θ | √(O/(O + ½)² + n/(n + ½)²) | (Y − target)/s |

use rayon::prelude::*;

/// The FunnelPlotR data type with the SR method folded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    SrShmi,
    SrCqc,
    Pr,
    Rc,
}

/// The transformed values of the units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transformed {
    /// Y_i on the transformed scale.
    pub y: Vec<f64>,
    /// Standard error s_i of Y_i.
    pub s: Vec<f64>,
    /// Unadjusted z-score (FunnelPlotR's `Uzscore`).
    pub z: Vec<f64>,
    /// The target on the transformed scale.
    pub target: f64,
}

/// The target on the transformed scale for target θ on the value scale.
pub(crate) fn target_y(kind: Kind, theta: f64) -> f64 {
    match kind {
        Kind::SrShmi => 0.0,
        Kind::SrCqc => 1.0,
        Kind::Pr => theta.sqrt().asin(),
        Kind::Rc => theta.ln(),
    }
}

/// Y, s and z of one unit with numerator `o` and denominator `n`.
#[inline]
pub(crate) fn one(kind: Kind, o: f64, n: f64, target: f64) -> (f64, f64, f64) {
    match kind {
        Kind::SrShmi => {
            let y = (o / n).ln();
            (y, 1.0 / n.sqrt(), n.sqrt() * y)
        }
        Kind::SrCqc => {
            let (y, s) = ((o / n).sqrt(), 1.0 / (2.0 * n.sqrt()));
            (y, s, (y - target) / s)
        }
        Kind::Pr => {
            let (y, s) = ((o / n).sqrt().asin(), 1.0 / (2.0 * n.sqrt()));
            (y, s, (y - target) / s)
        }
        Kind::Rc => {
            let y = ((o + 0.5) / (n + 0.5)).ln();
            let s = (o / ((o + 0.5) * (o + 0.5)) + n / ((n + 0.5) * (n + 0.5))).sqrt();
            (y, s, (y - target) / s)
        }
    }
}

/// Transforms every unit (in parallel).
pub(crate) fn transform(kind: Kind, o: &[f64], n: &[f64], theta: f64) -> Transformed {
    let target = target_y(kind, theta);
    let (y, (s, z)): (Vec<f64>, (Vec<f64>, Vec<f64>)) = o
        .par_iter()
        .zip(n.par_iter())
        .map(|(&o, &n)| {
            let (y, s, z) = one(kind, o, n, target);
            (y, (s, z))
        })
        .unzip();
    Transformed { y, s, z, target }
}
