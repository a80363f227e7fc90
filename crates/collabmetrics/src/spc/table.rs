//! The table entry points: one row per point ([`xmr`]) or per series and segment
//! ([`summary`]), every series charted on its own, in parallel.

use super::chart::{segment, PointsMut, Worker};
use super::icons::{Assurance, Variation};
use super::limits::Limits;
use super::options::SpcOptions;
use super::rules::{PointType, Rules, SpecialCause};
use super::segments::{segment_starts, sort_by_date, Layout, SeriesOptions};
use crate::error::{Error, Result};
use crate::table::tidy::Tidy;
use crate::table::{format_date, ColumnKind, ColumnSpec, Diagnostics, Groups, Input, TableResult};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int8Array, StringArray};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};
use rayon::prelude::*;
use std::sync::Arc;

/// The input table: one row per series and date.
pub const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::new(
        "date",
        ColumnKind::Date,
        true,
        "the period of the value; one row per date in each series",
    ),
    ColumnSpec::new(
        "value",
        ColumnKind::Number,
        true,
        "the measure; missing values are an error",
    ),
];

/// Columns of [`xmr`]'s result after the `by` columns (`trajectory` only when asked for).
pub const POINT_COLUMNS: &[&str] = &[
    "date",
    "value",
    "trajectory",
    "segment",
    "mean",
    "lpl",
    "upl",
    "lpl_2sigma",
    "upl_2sigma",
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "special_cause_type",
    "special_cause_flag",
    "point_type",
    "short_group_warning",
    "target",
];

/// Columns of [`summary`]'s result after the `by` columns.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "segment",
    "start_date",
    "end_date",
    "n",
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
    "mean",
    "lpl",
    "upl",
    "lpl_2sigma",
    "upl_2sigma",
    "target",
    "short_group_warning",
    "latest",
    "variation",
    "assurance",
    "method",
];

/// XmR charts, one row per point: the `by` columns, `date`, `value`, (`trajectory`),
/// `segment` (0, 1, ... within the series), the segment's `mean`, `lpl`, `upl`,
/// `lpl_2sigma`, `upl_2sigma` (null for a one-point segment), `outside_limits`,
/// `relative_to_mean` (−1, 0, +1), `close_to_limits`, `special_cause_type` (NHSRplotthedots'
/// labels), `special_cause_flag`, `point_type`, `short_group_warning` and `target`. The rule
/// set is named once, in [`summary`]'s `method` (a column of one repeated name would cost as
/// much as the labels).
///
/// Series are ordered by their `by` values (nulls first), points by date. Diagnostics count
/// short and one-point segments, flat baselines, screened moving ranges and rebase dates a
/// series does not have.
pub fn xmr(input: &Input, opts: &SpcOptions) -> Result<TableResult> {
    let c = compute(input, opts)?;
    let diagnostics = c.diagnostics.clone();
    Ok(TableResult {
        table: points_table(c, opts)?,
        diagnostics,
    })
}

/// One row per series and segment: the `by` columns, `segment`, `start_date`, `end_date`,
/// `n`, the counts of `common_cause` points and of each special-cause point type, `mean`,
/// `lpl`, `upl`, `lpl_2sigma`, `upl_2sigma`, `target`, `short_group_warning`, `latest` (the
/// series' last segment), `variation` (the icon of the segment's last point) and `assurance`
/// (latest segment only, with a target and a direction), `method`.
pub fn summary(input: &Input, opts: &SpcOptions) -> Result<TableResult> {
    let c = compute(input, opts)?;
    Ok(TableResult {
        table: summary_table(&c, opts)?,
        diagnostics: c.diagnostics.clone(),
    })
}

/// [`xmr`] and [`summary`] from one computation.
pub fn xmr_and_summary(input: &Input, opts: &SpcOptions) -> Result<(TableResult, TableResult)> {
    let c = compute(input, opts)?;
    let diagnostics = c.diagnostics.clone();
    let summary = TableResult {
        table: summary_table(&c, opts)?,
        diagnostics: diagnostics.clone(),
    };
    let points = TableResult {
        table: points_table(c, opts)?,
        diagnostics,
    };
    Ok((points, summary))
}

/// One segment of one series.
#[derive(Debug, Clone)]
struct Segment {
    /// The series, in result order.
    series: u32,
    /// 0, 1, ... within the series.
    index: u32,
    /// Result positions `start..start + len`.
    start: usize,
    len: usize,
    limits: Limits,
    /// Points of each [`PointType`], in `PointType::ALL` order.
    counts: [u32; 5],
    /// The type of the segment's last point.
    last: PointType,
}

/// The per-point columns, in result order.
struct Points {
    date: Vec<i32>,
    value: Vec<f64>,
    relative: Vec<i8>,
    outside: Vec<bool>,
    close: Vec<bool>,
    cause: Vec<SpecialCause>,
    point_type: Vec<PointType>,
}

/// Everything both tables are built from, in result order.
struct Computed {
    groups: Groups,
    layout: Layout,
    series: SeriesOptions,
    points: Points,
    trajectory: Option<Vec<f64>>,
    segments: Vec<Segment>,
    diagnostics: Diagnostics,
}

fn compute(input: &Input, opts: &SpcOptions) -> Result<Computed> {
    opts.validate()?;
    input.check(COLUMNS)?;
    if u32::try_from(input.num_rows()).is_err() {
        // Rows are indexed with u32 throughout (as in the grouping layer).
        return Err(Error::limit(
            "table",
            format!("{} rows; at most {} per call", input.num_rows(), u32::MAX),
        ));
    }
    let values = input.f64s("value")?;
    if let Some(row) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::cell(
            input.name("value"),
            row,
            crate::error::format_value(values[row]),
            "values must be finite numbers (no missing values)",
        ));
    }
    let dates = input.required_dates("date")?;
    let trajectory = match &opts.trajectory {
        Some(name) => Some(input.f64s_or_nan(name)?),
        None => None,
    };
    let groups = Groups::new(input, &opts.by)?;
    check_names(&groups)?;
    let mut layout = Layout::new(&groups)?;
    let series = SeriesOptions::new(opts, &groups, &layout)?;
    let n = input.num_rows();
    let mut points = Points {
        date: vec![0; n],
        value: vec![0.0; n],
        relative: vec![0; n],
        outside: vec![false; n],
        close: vec![false; n],
        cause: vec![SpecialCause::CommonCause; n],
        point_type: vec![PointType::CommonCause; n],
    };
    let blocks = run_blocks(&mut points, &mut layout, &values, &dates, &series, opts)?;
    let mut segments = Vec::new();
    let mut diagnostics = Diagnostics::new();
    let mut duplicate: Option<usize> = None;
    for b in blocks {
        duplicate = match (duplicate, b.duplicate) {
            (Some(a), Some(x)) => Some(a.min(x)),
            (a, x) => a.or(x),
        };
        segments.extend(b.segments);
        diagnostics.merge(&b.diagnostics);
    }
    if let Some(row) = duplicate {
        let g = groups.codes[row] as usize;
        return Err(Error::cell(
            input.name("date"),
            row,
            format_date(dates[row]),
            format!(
                "duplicate date within the series ({}); each series needs one row per date",
                groups.label(g)
            ),
        ));
    }
    let trajectory = trajectory.map(|all| layout.rows.iter().map(|&r| all[r as usize]).collect());
    Ok(Computed {
        groups,
        layout,
        series,
        points,
        trajectory,
        segments,
        diagnostics,
    })
}

/// What one block of series produced.
#[derive(Default)]
struct Block {
    segments: Vec<Segment>,
    duplicate: Option<usize>,
    diagnostics: Diagnostics,
}

/// The result columns of a block of consecutive series.
struct Work<'a> {
    rows: &'a mut [u32],
    date: &'a mut [i32],
    value: &'a mut [f64],
    relative: &'a mut [i8],
    outside: &'a mut [bool],
    close: &'a mut [bool],
    cause: &'a mut [SpecialCause],
    point_type: &'a mut [PointType],
}

impl<'a> Work<'a> {
    fn split_at(self, k: usize) -> (Work<'a>, Work<'a>) {
        let (rows, rows2) = self.rows.split_at_mut(k);
        let (date, date2) = self.date.split_at_mut(k);
        let (value, value2) = self.value.split_at_mut(k);
        let (relative, relative2) = self.relative.split_at_mut(k);
        let (outside, outside2) = self.outside.split_at_mut(k);
        let (close, close2) = self.close.split_at_mut(k);
        let (cause, cause2) = self.cause.split_at_mut(k);
        let (point_type, point_type2) = self.point_type.split_at_mut(k);
        (
            Work {
                rows,
                date,
                value,
                relative,
                outside,
                close,
                cause,
                point_type,
            },
            Work {
                rows: rows2,
                date: date2,
                value: value2,
                relative: relative2,
                outside: outside2,
                close: close2,
                cause: cause2,
                point_type: point_type2,
            },
        )
    }
}

/// Rows per parallel task: enough to amortise scheduling, small enough to balance.
const BLOCK_ROWS: usize = 16_384;

/// Runs every series, blocks of consecutive series in parallel. The blocks depend on the
/// data only, so results do not depend on the number of threads.
fn run_blocks(
    points: &mut Points,
    layout: &mut Layout,
    values: &[f64],
    dates: &[i32],
    series: &SeriesOptions,
    opts: &SpcOptions,
) -> Result<Vec<Block>> {
    let offsets = &layout.offsets;
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut first = 0;
    for s in 0..layout.order.len() {
        if offsets[s + 1] - offsets[first] >= BLOCK_ROWS {
            ranges.push((first, s + 1));
            first = s + 1;
        }
    }
    if first < layout.order.len() {
        ranges.push((first, layout.order.len()));
    }
    let mut rest = Work {
        rows: &mut layout.rows,
        date: &mut points.date,
        value: &mut points.value,
        relative: &mut points.relative,
        outside: &mut points.outside,
        close: &mut points.close,
        cause: &mut points.cause,
        point_type: &mut points.point_type,
    };
    let mut tasks = Vec::with_capacity(ranges.len());
    for &(a, b) in &ranges {
        let (this, next) = rest.split_at(offsets[b] - offsets[a]);
        tasks.push((a, b, this));
        rest = next;
    }
    let rules = Rules::of(opts);
    // One check per block of series: a block is a small share of the rows, so a chart of
    // millions of series stops soon after a cancellation.
    let token = crate::cancel::current();
    tasks
        .into_par_iter()
        .map(|(a, b, work)| {
            crate::cancel::check_carried(token.as_ref())?;
            Ok(run_block(
                a, b, work, offsets, values, dates, series, opts, &rules,
            ))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn run_block(
    first: usize,
    end: usize,
    work: Work<'_>,
    offsets: &[usize],
    values: &[f64],
    dates: &[i32],
    series: &SeriesOptions,
    opts: &SpcOptions,
    rules: &Rules,
) -> Block {
    let mut block = Block::default();
    let mut worker = Worker::default();
    let mut starts = Vec::new();
    let base = offsets[first];
    for s in first..end {
        let (a, b) = (offsets[s] - base, offsets[s + 1] - base);
        let rows = &mut work.rows[a..b];
        if let Some(row) = sort_by_date(rows, dates) {
            block.duplicate = Some(block.duplicate.map_or(row, |d| d.min(row)));
        }
        if block.duplicate.is_some() {
            continue; // the call fails; keep looking for an earlier duplicate only
        }
        for (k, &r) in rows.iter().enumerate() {
            work.date[a + k] = dates[r as usize];
            work.value[a + k] = values[r as usize];
        }
        let missing = segment_starts(&work.date[a..b], series.rebase(s), &mut starts);
        block.diagnostics.add(
            "rebase_date_not_in_series",
            "no effect: a series is rebased only at its own dates",
            missing as u64,
            None,
        );
        starts.push(b - a);
        for (index, w) in starts.windows(2).enumerate() {
            let (p, q) = (a + w[0], a + w[1]);
            let out = PointsMut {
                relative: &mut work.relative[p..q],
                outside: &mut work.outside[p..q],
                close: &mut work.close[p..q],
                cause: &mut work.cause[p..q],
                point_type: &mut work.point_type[p..q],
            };
            let limits = segment(&work.value[p..q], opts, rules, &mut worker, out);
            let mut counts = [0u32; 5];
            for &t in work.point_type[p..q].iter() {
                counts[t as usize] += 1;
            }
            let first_row = work.rows[p..q].iter().min().map(|&r| r as usize);
            note(&mut block.diagnostics, &limits, q - p, opts, first_row);
            block.segments.push(Segment {
                series: s as u32,
                index: index as u32,
                start: base + p,
                len: q - p,
                limits,
                counts,
                last: work.point_type[q - 1],
            });
        }
    }
    block
}

/// Whether a segment of `n` points gets `short_group_warning`: fewer points than
/// `warning_threshold`, and always a segment of one point (it has no limits at all), whatever
/// the threshold (0, 1 and 2 all flag one-point segments only).
fn is_short(n: usize, opts: &SpcOptions) -> bool {
    n == 1 || n < opts.warning_threshold as usize
}

/// Counts a segment's documented special cases.
fn note(d: &mut Diagnostics, l: &Limits, n: usize, opts: &SpcOptions, row: Option<usize>) {
    if is_short(n, opts) {
        d.record(
            "short_segment",
            "flagged short_group_warning: trial limits from fewer points than warning_threshold, \
             or a single point",
            row,
        );
    }
    if n == 1 {
        d.record(
            "one_point_segment",
            "limits left null and no special cause: one point has no moving range",
            row,
        );
    } else if l.amr == 0.0 {
        d.record(
            "flat_baseline",
            "the average moving range the limits use is 0 (every moving range of the baseline \
             is 0, or screening left only zeros): the limits sit on the mean",
            row,
        );
    }
    d.add(
        "moving_range_screened",
        "left out of the average moving range (at least 3.267 times the first average)",
        l.screened as u64,
        None,
    );
}

/// The result's own columns must not collide with a `by` column.
fn check_names(groups: &Groups) -> Result<()> {
    for (field, _) in &groups.keys {
        let name = field.name().as_str();
        if POINT_COLUMNS.contains(&name) || SUMMARY_COLUMNS.contains(&name) {
            return Err(Error::invalid_argument(
                "by",
                format!(
                    "the `by` column `{name}` has the name of a result column; rename it first"
                ),
            ));
        }
    }
    Ok(())
}

fn points_table(c: Computed, opts: &SpcOptions) -> Result<arrow_array::RecordBatch> {
    let n = c.points.date.len();
    let segs = &c.segments;
    let series_of = expand(segs, n, |s| c.layout.order[s.series as usize]);
    let segment_of = expand(segs, n, |s| i64::from(s.index));
    let limits = [
        |l: &Limits| l.mean,
        |l: &Limits| l.lpl,
        |l: &Limits| l.upl,
        |l: &Limits| l.lpl_2sigma,
        |l: &Limits| l.upl_2sigma,
    ]
    .map(|f| expand(segs, n, |s| f(&s.limits)));
    let short = expand(segs, n, |s| is_short(s.len, opts));
    let target = expand(segs, n, |s| c.series.target[s.series as usize]);
    let p = c.points;
    let settings = opts.settings();
    let labels: Vec<String> = SpecialCause::ALL
        .iter()
        .map(|k| k.label(settings.shift_length, settings.trend_length))
        .collect();
    let types: Vec<String> = PointType::ALL
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    // The three costliest columns (the keys repeated per point and the two labels) at once.
    let ((keys, causes), kinds) = rayon::join(
        || {
            rayon::join(
                || Tidy::from_group_rows(&c.groups.keys, &series_of),
                || text(p.cause.iter().map(|&k| k as usize), &labels),
            )
        },
        || text(p.point_type.iter().map(|&k| k as usize), &types),
    );
    drop(series_of);
    let mut t = keys?;
    t.date("date", p.date);
    t.number("value", p.value);
    if let Some(tr) = c.trajectory {
        numbers(&mut t, "trajectory", tr);
    }
    t.int("segment", segment_of);
    let [mean, lpl, upl, lpl2, upl2] = limits;
    t.number("mean", mean);
    for (name, values) in [
        ("lpl", lpl),
        ("upl", upl),
        ("lpl_2sigma", lpl2),
        ("upl_2sigma", upl2),
    ] {
        numbers(&mut t, name, values);
    }
    boolean(&mut t, "outside_limits", &p.outside);
    t.push(
        Field::new("relative_to_mean", DataType::Int8, false),
        Arc::new(Int8Array::from(p.relative)),
    );
    boolean(&mut t, "close_to_limits", &p.close);
    t.push(
        Field::new("special_cause_type", DataType::Utf8, false),
        causes?,
    );
    let flag: Vec<bool> = p
        .cause
        .iter()
        .map(|&k| k != SpecialCause::CommonCause)
        .collect();
    boolean(&mut t, "special_cause_flag", &flag);
    t.push(Field::new("point_type", DataType::Utf8, false), kinds?);
    boolean(&mut t, "short_group_warning", &short);
    numbers(&mut t, "target", target);
    t.finish()
}

/// A float column, null where NaN (no copy of the values).
fn numbers(t: &mut Tidy, name: &str, values: Vec<f64>) {
    let nulls = values.iter().any(|v| v.is_nan()).then(|| {
        NullBuffer::new(BooleanBuffer::collect_bool(values.len(), |i| {
            !values[i].is_nan()
        }))
    });
    t.push(
        Field::new(name, DataType::Float64, true),
        Arc::new(Float64Array::new(ScalarBuffer::from(values), nulls)),
    );
}

fn summary_table(c: &Computed, opts: &SpcOptions) -> Result<arrow_array::RecordBatch> {
    let segs = &c.segments;
    let groups_of: Vec<u32> = segs
        .iter()
        .map(|s| c.layout.order[s.series as usize])
        .collect();
    let latest: Vec<bool> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| segs.get(i + 1).is_none_or(|next| next.series != s.series))
        .collect();
    let mut t = Tidy::from_group_rows(&c.groups.keys, &groups_of)?;
    t.int("segment", segs.iter().map(|s| i64::from(s.index)).collect());
    t.date(
        "start_date",
        segs.iter().map(|s| c.points.date[s.start]).collect(),
    );
    t.date(
        "end_date",
        segs.iter()
            .map(|s| c.points.date[s.start + s.len - 1])
            .collect(),
    );
    t.int("n", segs.iter().map(|s| s.len as i64).collect());
    for (k, name) in [
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_neutral_high",
        "special_cause_neutral_low",
    ]
    .iter()
    .enumerate()
    {
        t.int(name, segs.iter().map(|s| i64::from(s.counts[k])).collect());
    }
    let limit = |f: fn(&Limits) -> f64| segs.iter().map(|s| f(&s.limits)).collect::<Vec<_>>();
    t.number("mean", limit(|l| l.mean));
    t.nullable_number("lpl", limit(|l| l.lpl));
    t.nullable_number("upl", limit(|l| l.upl));
    t.nullable_number("lpl_2sigma", limit(|l| l.lpl_2sigma));
    t.nullable_number("upl_2sigma", limit(|l| l.upl_2sigma));
    let target: Vec<f64> = segs
        .iter()
        .map(|s| c.series.target[s.series as usize])
        .collect();
    t.nullable_number("target", target.clone());
    let short: Vec<bool> = segs.iter().map(|s| is_short(s.len, opts)).collect();
    boolean(&mut t, "short_group_warning", &short);
    boolean(&mut t, "latest", &latest);
    t.text(
        "variation",
        segs.iter()
            .map(|s| Some(Variation::of(s.last, opts.improvement).as_str()))
            .collect(),
    );
    t.text(
        "assurance",
        segs.iter()
            .zip(&latest)
            .zip(&target)
            .map(|((s, &last), &tg)| {
                let tg = (last && !tg.is_nan()).then_some(tg);
                Assurance::of(tg, &s.limits, opts.improvement).map(Assurance::as_str)
            })
            .collect(),
    );
    let method = text(
        std::iter::repeat_n(0, segs.len()),
        &[opts.method().to_owned()],
    )?;
    t.push(Field::new("method", DataType::Utf8, false), method);
    t.finish()
}

fn boolean(t: &mut Tidy, name: &str, values: &[bool]) {
    t.push(
        Field::new(name, DataType::Boolean, false),
        Arc::new(BooleanArray::from(values.to_vec())) as ArrayRef,
    );
}

/// A string column of `names[code]` per row, built straight into Arrow's buffers.
fn text(codes: impl Iterator<Item = usize> + Clone, names: &[String]) -> Result<ArrayRef> {
    let total: usize = codes.clone().map(|k| names[k].len()).sum();
    if i32::try_from(total).is_err() {
        return Err(Error::limit(
            "table",
            format!("a label column would hold {total} bytes, beyond Arrow's 2 GiB for one string column"),
        ));
    }
    let mut bytes = Vec::with_capacity(total);
    let mut offsets = Vec::with_capacity(codes.size_hint().0 + 1);
    offsets.push(0i32);
    for k in codes {
        bytes.extend_from_slice(names[k].as_bytes());
        // At most `total`, checked above to fit an i32.
        offsets.push(bytes.len() as i32);
    }
    Ok(Arc::new(StringArray::new(
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Buffer::from_vec(bytes),
        None,
    )))
}

/// Rows per parallel task when expanding segment values to points.
const EXPAND_ROWS: usize = 65_536;

/// One value per point, its segment's `f`, filled in parallel blocks of whole segments
/// (segments are contiguous and cover every point, in order).
fn expand<T>(segs: &[Segment], n: usize, f: impl Fn(&Segment) -> T + Sync) -> Vec<T>
where
    T: Copy + Send + Sync + Default,
{
    let mut out = vec![T::default(); n];
    let mut tasks: Vec<(&[Segment], &mut [T])> = Vec::new();
    let mut rest: &mut [T] = &mut out;
    let (mut first, mut rows) = (0, 0);
    for (k, s) in segs.iter().enumerate() {
        rows += s.len;
        if rows >= EXPAND_ROWS || k + 1 == segs.len() {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(rows);
            tasks.push((&segs[first..=k], head));
            (rest, first, rows) = (tail, k + 1, 0);
        }
    }
    tasks.into_par_iter().for_each(|(segs, out)| {
        let base = segs.first().map_or(0, |s| s.start);
        for s in segs {
            out[s.start - base..s.start - base + s.len].fill(f(s));
        }
    });
    out
}
