//! The four special-cause rules and their priority, per segment.
//!
//! 1. a point outside the limits (astronomical point);
//! 2. a trend: `trend_length` points rising (or falling) in a row;
//! 3. two of three consecutive points beyond 2σ on the same side of the mean;
//! 4. a shift: `shift_length` points in a row on one side of the mean.
//!
//! Each point gets the label of the first rule that flags it. The helpers mirror
//! NHSRplotthedots' (`ptd_seven_point_one_side_mean`, `ptd_seven_point_trend`,
//! `ptd_part_of_seven_trend`, `ptd_two_in_three`, `ptd_part_of_two_in_three`) so its unit
//! tests apply to them unchanged.

use super::options::{Improvement, OnMean, Ties};

crate::option_enum! {
    /// Why a point is flagged, or not: the rule that decided it. [`SpecialCause::label`] is the
    /// text NHSRplotthedots writes in `special_cause_type`.
    pub enum SpecialCause: "special_cause_type", "special cause" {
        /// No rule applies.
        CommonCause = "common_cause",
        /// Above the upper limit.
        AboveUcl = "above_ucl",
        /// Below the lower limit.
        BelowLcl = "below_lcl",
        /// Part of a rising trend.
        TrendIncreasing = "trend_increasing",
        /// Part of a falling trend.
        TrendDecreasing = "trend_decreasing",
        /// Two of three beyond 2σ, above the mean.
        TwoInThreeAbove = "two_in_three_above",
        /// Two of three beyond 2σ, below the mean.
        TwoInThreeBelow = "two_in_three_below",
        /// Part of a run above the mean.
        ShiftAbove = "shift_above",
        /// Part of a run below the mean.
        ShiftBelow = "shift_below",
    }
}

impl SpecialCause {
    /// The reference's label, e.g. `"Above UCL"`, `"7 Point Trend (Increasing)"`,
    /// `"2 in 3 Below CL"`, `"7 Points Above CL"`, with the run lengths in force.
    pub fn label(self, shift_length: u32, trend_length: u32) -> String {
        match self {
            SpecialCause::CommonCause => "Common Cause".to_owned(),
            SpecialCause::AboveUcl => "Above UCL".to_owned(),
            SpecialCause::BelowLcl => "Below LCL".to_owned(),
            SpecialCause::TrendIncreasing => format!("{trend_length} Point Trend (Increasing)"),
            SpecialCause::TrendDecreasing => format!("{trend_length} Point Trend (Decreasing)"),
            SpecialCause::TwoInThreeAbove => "2 in 3 Above CL".to_owned(),
            SpecialCause::TwoInThreeBelow => "2 in 3 Below CL".to_owned(),
            SpecialCause::ShiftAbove => format!("{shift_length} Points Above CL"),
            SpecialCause::ShiftBelow => format!("{shift_length} Points Below CL"),
        }
    }

    /// +1 for a high signal ("Above", "Increasing"), −1 for a low one, 0 for common cause.
    pub fn side(self) -> i8 {
        match self {
            SpecialCause::CommonCause => 0,
            SpecialCause::AboveUcl
            | SpecialCause::TrendIncreasing
            | SpecialCause::TwoInThreeAbove
            | SpecialCause::ShiftAbove => 1,
            SpecialCause::BelowLcl
            | SpecialCause::TrendDecreasing
            | SpecialCause::TwoInThreeBelow
            | SpecialCause::ShiftBelow => -1,
        }
    }
}

crate::option_enum! {
    /// A point read against the improvement direction (`point_type`).
    pub enum PointType: "point_type", "point type" {
        /// No special cause.
        CommonCause = "common_cause",
        /// A special cause in the better direction.
        Improvement = "special_cause_improvement",
        /// A special cause in the worse direction.
        Concern = "special_cause_concern",
        /// A high special cause when neither direction is better.
        NeutralHigh = "special_cause_neutral_high",
        /// A low special cause when neither direction is better.
        NeutralLow = "special_cause_neutral_low",
    }
}

impl PointType {
    /// The type of a point with special cause `cause`.
    pub fn of(cause: SpecialCause, improvement: Improvement) -> Self {
        let v = cause.side();
        match improvement {
            Improvement::Neutral if v > 0 => PointType::NeutralHigh,
            Improvement::Neutral if v < 0 => PointType::NeutralLow,
            Improvement::Neutral => PointType::CommonCause,
            _ => match (v * improvement.sign()).signum() {
                1 => PointType::Improvement,
                -1 => PointType::Concern,
                _ => PointType::CommonCause,
            },
        }
    }
}

/// The rule settings a segment is judged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Points in a run on one side of the mean that make a shift.
    pub shift_length: usize,
    /// Points rising or falling in a row that make a trend.
    pub trend_length: usize,
    /// Points beyond the 3σ limits count towards two-in-three.
    pub two_in_three_includes_outside: bool,
    /// What a repeated value does to a trend.
    pub ties: Ties,
    /// What a point exactly on the mean does to a shift.
    pub on_mean: OnMean,
    /// Which way is better, for the point types.
    pub improvement: Improvement,
}

impl Rules {
    /// The settings in force in `opts`.
    pub fn of(opts: &super::SpcOptions) -> Self {
        let s = opts.settings();
        Rules {
            shift_length: s.shift_length as usize,
            trend_length: s.trend_length as usize,
            two_in_three_includes_outside: s.two_in_three_includes_outside,
            ties: s.ties,
            on_mean: s.on_mean,
            improvement: opts.improvement,
        }
    }
}

/// Ends of runs: `ends[i]` is `v[i]` when the `len` values ending at i are all equal to it
/// and non-zero, else 0 (`ptd_seven_point_one_side_mean`, which writes 1 for either sign).
pub fn run_ends(v: &[i8], len: usize, ends: &mut [i8]) {
    let mut run = 0usize;
    for i in 0..v.len() {
        run = if v[i] == 0 {
            0
        } else if i > 0 && v[i] == v[i - 1] {
            run + 1
        } else {
            1
        };
        ends[i] = if run >= len { v[i] } else { 0 };
    }
}

/// Ends of trends: `ends[i]` is +1 (−1) when the `len` points ending at i each rise (fall)
/// from the one before, else 0 (`ptd_seven_point_trend`). Equal neighbours end a trend.
pub fn trend_ends(y: &[f64], len: usize, ends: &mut [i8], diffs: &mut Vec<i8>) {
    diffs.clear();
    if !y.is_empty() {
        diffs.push(0); // the first point has no step before it
    }
    diffs.extend(y.windows(2).map(|w| sign(w[1] - w[0])));
    // A trend of `len` points is a run of `len − 1` equal non-zero differences.
    run_ends(diffs, len.saturating_sub(1).max(1), ends);
}

/// `part[i]` is true when a run ends within the `len` points starting at i, i.e. point i
/// belongs to a run of `len` (`ptd_part_of_seven_trend`).
pub fn part_of(ends: &[i8], len: usize, part: &mut [bool]) {
    let mut next_end = usize::MAX; // distance to the nearest end at or after i
    for i in (0..ends.len()).rev() {
        next_end = if ends[i] != 0 {
            0
        } else {
            next_end.saturating_add(1)
        };
        part[i] = next_end < len;
    }
}

/// `marked[i]` is true when point i is in a window of three consecutive points, all on the
/// same side of the mean, at least two of which are `beyond` (`ptd_two_in_three`).
pub fn two_in_three(beyond: &[bool], relative: &[i8], marked: &mut [bool]) {
    marked.fill(false);
    for s in 0..beyond.len().saturating_sub(2) {
        let count = beyond[s..s + 3].iter().filter(|&&b| b).count();
        let r = relative[s];
        if count >= 2 && r != 0 && relative[s + 1] == r && relative[s + 2] == r {
            marked[s..s + 3].fill(true);
        }
    }
}

/// The direction of each trend point, as NHSRplotthedots colours it (its fix for issue
/// #171): the sign of the step to the next point when that point is in a trend too, else of
/// the step from the previous point. Where that step is 0 (two trends meeting at a repeated
/// value), the other step is used, so the point takes the direction of its own trend
/// (NHSRplotthedots labels it "Decreasing" whatever that is). 0 for points in no trend.
pub fn trend_direction(y: &[f64], part: &[bool], direction: &mut [i8]) {
    let n = y.len();
    for i in 0..n {
        direction[i] = 0;
        if !part[i] {
            continue;
        }
        let before = if i > 0 { sign(y[i] - y[i - 1]) } else { 0 };
        let next_in_trend = i + 1 < n && part[i + 1];
        let after = if next_in_trend {
            sign(y[i + 1] - y[i])
        } else {
            0
        };
        direction[i] = if after != 0 {
            after
        } else if before != 0 {
            before
        } else {
            -1
        };
    }
}

/// Each point's special cause, the first rule that flags it: outside the limits, trend,
/// two-in-three, shift (`ptd_special_cause_type`).
pub fn special_causes(
    relative: &[i8],
    outside: &[bool],
    trend: &[i8],
    two_in_three: &[bool],
    shift: &[bool],
    out: &mut [SpecialCause],
) {
    for i in 0..relative.len() {
        let above = relative[i] > 0;
        out[i] = if outside[i] {
            if relative[i] == 1 {
                SpecialCause::AboveUcl
            } else {
                SpecialCause::BelowLcl
            }
        } else if trend[i] != 0 {
            if trend[i] == 1 {
                SpecialCause::TrendIncreasing
            } else {
                SpecialCause::TrendDecreasing
            }
        } else if two_in_three[i] {
            if above {
                SpecialCause::TwoInThreeAbove
            } else {
                SpecialCause::TwoInThreeBelow
            }
        } else if shift[i] {
            if above {
                SpecialCause::ShiftAbove
            } else {
                SpecialCause::ShiftBelow
            }
        } else {
            SpecialCause::CommonCause
        };
    }
}

fn sign(x: f64) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

/// Buffers reused from segment to segment (no allocation per point in the hot loop).
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    ends: Vec<i8>,
    diffs: Vec<i8>,
    part: Vec<bool>,
    trend: Vec<i8>,
    two: Vec<bool>,
    marked: Vec<bool>,
    shift: Vec<bool>,
    // Compressed sequences for `ties = skip` and `on_mean = skip`.
    index: Vec<usize>,
    values: Vec<f64>,
    signs: Vec<i8>,
    small_part: Vec<bool>,
    small_dir: Vec<i8>,
}

fn reset<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

/// Where the points of a segment sit against its limits.
pub(crate) struct Positions<'a> {
    pub relative: &'a [i8],
    pub outside: &'a [bool],
    pub close: &'a [bool],
    pub beyond_2sigma: &'a [bool],
}

/// The special causes of one segment `y` whose points sit at `p` against its limits.
pub(crate) fn judge(
    y: &[f64],
    p: &Positions<'_>,
    rules: &Rules,
    s: &mut Scratch,
    out: &mut [SpecialCause],
) {
    let n = y.len();
    for v in [&mut s.part, &mut s.two, &mut s.marked, &mut s.shift] {
        reset(v, n, false);
    }
    reset(&mut s.ends, n, 0);
    reset(&mut s.trend, n, 0);
    trends(y, rules, s);
    let beyond = if rules.two_in_three_includes_outside {
        p.beyond_2sigma
    } else {
        p.close
    };
    two_in_three(beyond, p.relative, &mut s.marked);
    for ((two, &m), &b) in s.two.iter_mut().zip(&s.marked).zip(beyond) {
        *two = m && b;
    }
    shifts(p.relative, rules, s);
    special_causes(p.relative, p.outside, &s.trend, &s.two, &s.shift, out);
}

/// Fills `s.trend` with the direction of each trend point (0 elsewhere).
fn trends(y: &[f64], rules: &Rules, s: &mut Scratch) {
    let len = rules.trend_length;
    match rules.ties {
        Ties::Break => {
            trend_ends(y, len, &mut s.ends, &mut s.diffs);
            part_of(&s.ends, len, &mut s.part);
            trend_direction(y, &s.part, &mut s.trend);
        }
        Ties::Skip => {
            // One point per run of equal values; every point of a run shares its verdict.
            s.index.clear();
            s.values.clear();
            for (i, &v) in y.iter().enumerate() {
                if i == 0 || v != y[i - 1] {
                    s.index.push(i);
                    s.values.push(v);
                }
            }
            let m = s.values.len();
            reset(&mut s.signs, m, 0);
            reset(&mut s.small_part, m, false);
            reset(&mut s.small_dir, m, 0);
            trend_ends(&s.values, len, &mut s.signs, &mut s.diffs);
            part_of(&s.signs, len, &mut s.small_part);
            trend_direction(&s.values, &s.small_part, &mut s.small_dir);
            for k in 0..m {
                let end = s.index.get(k + 1).copied().unwrap_or(y.len());
                s.trend[s.index[k]..end].fill(s.small_dir[k]);
            }
        }
    }
}

/// Fills `s.shift` with the points of runs on one side of the mean.
fn shifts(relative: &[i8], rules: &Rules, s: &mut Scratch) {
    let len = rules.shift_length;
    match rules.on_mean {
        OnMean::Break => {
            run_ends(relative, len, &mut s.ends);
            part_of(&s.ends, len, &mut s.shift);
        }
        OnMean::Skip => {
            // Points on the mean are left out: they neither count nor break a run, and are
            // not flagged themselves.
            s.index.clear();
            s.signs.clear();
            for (i, &r) in relative.iter().enumerate() {
                if r != 0 {
                    s.index.push(i);
                    s.signs.push(r);
                }
            }
            let m = s.index.len();
            reset(&mut s.small_dir, m, 0);
            reset(&mut s.small_part, m, false);
            run_ends(&s.signs, len, &mut s.small_dir);
            part_of(&s.small_dir, len, &mut s.small_part);
            for k in 0..m {
                s.shift[s.index[k]] = s.small_part[k];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_of(v: &[i8], len: usize) -> Vec<i8> {
        let mut e = vec![0; v.len()];
        run_ends(v, len, &mut e);
        e
    }

    fn part(ends: &[i8], len: usize) -> Vec<bool> {
        let mut p = vec![false; ends.len()];
        part_of(ends, len, &mut p);
        p
    }

    #[test]
    fn labels_with_run_lengths() {
        assert_eq!(
            SpecialCause::TrendIncreasing.label(7, 7),
            "7 Point Trend (Increasing)"
        );
        assert_eq!(SpecialCause::ShiftBelow.label(6, 7), "6 Points Below CL");
        assert_eq!(SpecialCause::CommonCause.label(7, 7), "Common Cause");
    }

    #[test]
    fn run_helpers_on_empty_input() {
        assert!(ends_of(&[], 7).is_empty());
        assert!(part(&[], 7).is_empty());
    }
}
