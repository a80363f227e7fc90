//! One series on slices: segment by segment, limits, positions and special causes. The table
//! entry points run this per series, in parallel.

use super::limits::{limits, Limits};
use super::options::SpcOptions;
use super::rules::{judge, PointType, Positions, Rules, Scratch, SpecialCause};
use crate::error::{Error, Result};
use serde::Serialize;

/// The per-point outputs of one segment (slices of the caller's columns).
pub(crate) struct PointsMut<'a> {
    pub relative: &'a mut [i8],
    pub outside: &'a mut [bool],
    pub close: &'a mut [bool],
    pub cause: &'a mut [SpecialCause],
    pub point_type: &'a mut [PointType],
}

/// Buffers one worker reuses across segments.
#[derive(Debug, Default)]
pub(crate) struct Worker {
    rules: Scratch,
    beyond: Vec<bool>,
}

/// Judges one segment `y` (date order): its limits, then each point's position and special
/// cause, written to `out`.
pub(crate) fn segment(
    y: &[f64],
    opts: &SpcOptions,
    rules: &Rules,
    w: &mut Worker,
    out: PointsMut<'_>,
) -> Limits {
    let l = limits(
        y,
        opts.fix_after_n_points.map(|f| f as usize),
        opts.settings().screen_outliers,
    );
    w.beyond.clear();
    for (i, &v) in y.iter().enumerate() {
        let p = l.position(v);
        out.relative[i] = p.relative;
        out.outside[i] = p.outside;
        out.close[i] = p.close;
        w.beyond.push(p.beyond_2sigma);
    }
    if l.exist() {
        let p = Positions {
            relative: out.relative,
            outside: out.outside,
            close: out.close,
            beyond_2sigma: &w.beyond,
        };
        judge(y, &p, rules, &mut w.rules, out.cause);
    } else {
        // One point: no limits, so no special cause.
        out.cause.fill(SpecialCause::CommonCause);
    }
    for (t, &c) in out.point_type.iter_mut().zip(out.cause.iter()) {
        *t = PointType::of(c, rules.improvement);
    }
    l
}

/// An XmR chart of one series, from [`chart`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// The limits of each segment.
    pub limits: Vec<Limits>,
    /// The segment of each point (0, 1, ...).
    pub segment: Vec<u32>,
    /// sign(y − mean) of each point.
    pub relative: Vec<i8>,
    /// Strictly outside the limits.
    pub outside: Vec<bool>,
    /// Strictly beyond 2σ, not outside.
    pub close: Vec<bool>,
    /// The rule that flags each point (or common cause).
    pub cause: Vec<SpecialCause>,
    /// Each point read against the improvement direction.
    pub point_type: Vec<PointType>,
}

/// The XmR chart of one series `values` (in date order), cut into segments starting at the
/// positions `starts` (ascending; 0 implied), with `opts`' rules (its `by`, `rebase`,
/// `target` and `trajectory` are table options and ignored here).
///
/// ```
/// use collabmetrics::spc::{chart, SpcOptions};
/// // NHSRplotthedots' deviations vignette: point 5 is above the screened limit.
/// let y = [1., 2., 1., 2., 10., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1., 2., 1.];
/// let c = chart(&y, &[], &SpcOptions::default()).unwrap();
/// assert!((c.limits[0].upl - 4.604444).abs() < 1e-6);
/// assert_eq!(c.cause[4].label(7, 7), "Above UCL");
/// ```
pub fn chart(values: &[f64], starts: &[usize], opts: &SpcOptions) -> Result<Chart> {
    opts.validate()?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid_value(
            "values",
            i,
            values[i],
            "values must be finite numbers (no missing values)",
        ));
    }
    let n = values.len();
    let mut bounds: Vec<usize> = Vec::with_capacity(starts.len() + 2);
    bounds.push(0);
    for (i, &s) in starts.iter().enumerate() {
        if s > n || s < *bounds.last().unwrap_or(&0) {
            return Err(Error::InvalidValue {
                argument: "starts".into(),
                index: i,
                value: s.to_string(),
                rule: format!("segment starts must ascend within 0..={n}"),
            });
        }
        if s > 0 && s < n && bounds.last() != Some(&s) {
            bounds.push(s);
        }
    }
    bounds.push(n);
    let rules = Rules::of(opts);
    let mut w = Worker::default();
    let mut c = Chart {
        limits: Vec::new(),
        segment: vec![0; n],
        relative: vec![0; n],
        outside: vec![false; n],
        close: vec![false; n],
        cause: vec![SpecialCause::CommonCause; n],
        point_type: vec![PointType::CommonCause; n],
    };
    for (k, b) in bounds.windows(2).enumerate() {
        let (a, e) = (b[0], b[1]);
        if a == e {
            continue;
        }
        c.segment[a..e].fill(k as u32);
        let out = PointsMut {
            relative: &mut c.relative[a..e],
            outside: &mut c.outside[a..e],
            close: &mut c.close[a..e],
            cause: &mut c.cause[a..e],
            point_type: &mut c.point_type[a..e],
        };
        let l = segment(&values[a..e], opts, &rules, &mut w, out);
        check_finite(&l, k)?;
        c.limits.push(l);
    }
    Ok(c)
}

/// Refuses limits beyond the largest double (finite values whose moving ranges are that
/// large), as the tables do.
fn check_finite(l: &Limits, segment: usize) -> Result<()> {
    for (name, v) in [
        ("lpl", l.lpl),
        ("upl", l.upl),
        ("lpl_2sigma", l.lpl_2sigma),
        ("upl_2sigma", l.upl_2sigma),
    ] {
        if v.is_infinite() {
            return Err(Error::limit(
                name,
                format!(
                    "the result of segment {segment} is {} (beyond the largest double, \
                     ±1.8e308): rescale the inputs",
                    crate::error::format_value(v)
                ),
            ));
        }
    }
    Ok(())
}
