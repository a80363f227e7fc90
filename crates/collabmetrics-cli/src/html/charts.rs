//! The report's charts as data, and their drawing as inline SVG. Each chart is drawn from the
//! numbers its section's table shows, so the picture and the table cannot disagree.

use super::icons;
use super::svg::{esc, extent, isolate, legend, text_width, ticks, Area, Scale, Svg, PALETTE};

/// Making Data Count's colours (as NHSRplotthedots' `ptd_spc_colours()`): common cause grey,
/// improvement blue, concern orange, neutral purple; the target red.
pub mod mdc {
    /// Common cause points, the value line and the process limits.
    pub const COMMON: &str = "#a6a6a6";
    /// Special cause improvement.
    pub const IMPROVEMENT: &str = "#00b0f0";
    /// Special cause concern.
    pub const CONCERN: &str = "#e46c0a";
    /// Special cause, neutral direction.
    pub const NEUTRAL: &str = "#490092";
    /// The target line.
    pub const TARGET: &str = "#de1b1b";
}

/// One chart of a report section.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Series over periods (OAP bed days by place).
    Lines(Lines),
    /// Estimates with their intervals, one row per group.
    Intervals(Intervals),
    /// An XmR chart with Making Data Count's colours and icons.
    Spc(Spc),
    /// A funnel plot.
    Funnel(Funnel),
    /// Shares of counts in bands (distance bands), one bar per group.
    Bands(Bands),
    /// A Kaplan–Meier curve with its band and the number at risk.
    Survival(Survival),
    /// A matrix of values (sending × receiving flows).
    Heatmap(Heatmap),
    /// Ordered groups with the fitted slope index line.
    Sii(Sii),
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Lines(c) => &c.title,
            Chart::Intervals(c) => &c.title,
            Chart::Spc(c) => &c.title,
            Chart::Funnel(c) => &c.title,
            Chart::Bands(c) => &c.title,
            Chart::Survival(c) => &c.title,
            Chart::Heatmap(c) => &c.title,
            Chart::Sii(c) => &c.title,
        }
    }

    /// The chart as one `<svg>` element.
    pub fn svg(&self) -> String {
        match self {
            Chart::Lines(c) => c.svg(),
            Chart::Intervals(c) => c.svg(),
            Chart::Spc(c) => c.svg(),
            Chart::Funnel(c) => c.svg(),
            Chart::Bands(c) => c.svg(),
            Chart::Survival(c) => c.svg(),
            Chart::Heatmap(c) => c.svg(),
            Chart::Sii(c) => c.svg(),
        }
    }
}

const WIDTH: f64 = 760.0;

/// Lines over evenly spaced periods.
#[derive(Clone, Debug)]
pub struct Lines {
    /// Title.
    pub title: String,
    /// The y axis.
    pub y_label: String,
    /// The periods.
    pub x: Vec<String>,
    /// Named series, each a value per period.
    pub series: Vec<(String, Vec<f64>)>,
}

impl Lines {
    fn svg(&self) -> String {
        let height = 320.0;
        let mut svg = Svg::new(WIDTH, height);
        let area = Area {
            left: 70.0,
            top: 34.0,
            right: WIDTH - 20.0,
            bottom: height - 40.0,
        };
        let items: Vec<(String, String, bool)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.clone(), PALETTE[i % PALETTE.len()].to_owned(), true))
            .collect();
        legend(&mut svg, (area.left, 16.0), &items);
        let (lo, hi) =
            extent(self.series.iter().flat_map(|(_, v)| v.iter().copied())).unwrap_or((0.0, 1.0));
        let (t, dom) = ticks(lo.min(0.0), hi, 5);
        let y = Scale::new(dom, (area.bottom, area.top));
        let x = Scale::new(
            (0.0, self.x.len().saturating_sub(1).max(1) as f64),
            (area.left + 10.0, area.right - 10.0),
        );
        area.y_axis(&mut svg, &y, &t, &self.y_label);
        area.baseline(&mut svg);
        area.category_labels(&mut svg, &x, &self.x);
        for (i, (name, values)) in self.series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let pts: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(k, v)| (x.map(k as f64), y.map(*v)))
                .collect();
            svg.polyline(&pts, colour, r#" stroke-width="2""#);
            for (k, p) in pts.iter().enumerate() {
                let tip = format!("{}, {}: {}", isolate(name), self.x[k], fmt(values[k]));
                svg.circle(*p, 3.0, colour, &tip);
            }
        }
        svg.finish(&self.title)
    }
}

/// One estimate with its interval.
#[derive(Clone, Debug)]
pub struct Interval {
    /// The group.
    pub label: String,
    /// The estimate.
    pub value: f64,
    /// Lower limit (NaN: none).
    pub lower: f64,
    /// Upper limit (NaN: none).
    pub upper: f64,
}

/// Estimates with their intervals, one row per group.
#[derive(Clone, Debug)]
pub struct Intervals {
    /// Title.
    pub title: String,
    /// The value axis.
    pub x_label: String,
    /// The rows, top to bottom.
    pub rows: Vec<Interval>,
    /// A vertical reference line and its label (e.g. the collaborative's value).
    pub reference: Option<(f64, String)>,
}

impl Intervals {
    fn svg(&self) -> String {
        let row_h = 26.0;
        let label_w = self
            .rows
            .iter()
            .map(|r| text_width(&r.label, 12.0))
            .fold(80.0, f64::max)
            .min(330.0);
        let height = 60.0 + row_h * self.rows.len().max(1) as f64;
        let mut svg = Svg::new(WIDTH, height);
        let area = Area {
            left: label_w + 20.0,
            top: 12.0,
            right: WIDTH - 24.0,
            bottom: height - 44.0,
        };
        let (lo, hi) = extent(
            self.rows
                .iter()
                .flat_map(|r| [r.value, r.lower, r.upper])
                .chain(self.reference.iter().map(|r| r.0)),
        )
        .unwrap_or((0.0, 1.0));
        let (t, dom) = ticks(lo.min(0.0), hi, 6);
        let x = Scale::new(dom, (area.left, area.right));
        area.x_axis(&mut svg, &x, &t, &self.x_label);
        area.baseline(&mut svg);
        if let Some((v, label)) = &self.reference {
            let px = x.map(*v);
            svg.line(
                (px, area.top),
                (px, area.bottom),
                "#555",
                r#" stroke-dasharray="4 3""#,
            );
            svg.text(
                (px + 4.0, area.top + 10.0),
                "start",
                11.0,
                r##" fill="#555""##,
                label,
            );
        }
        for (i, r) in self.rows.iter().enumerate() {
            let py = area.top + row_h * (i as f64 + 0.5);
            svg.text(
                (area.left - 8.0, py + 4.0),
                "end",
                12.0,
                r##" fill="#222""##,
                &r.label,
            );
            if r.lower.is_finite() && r.upper.is_finite() {
                svg.line(
                    (x.map(r.lower), py),
                    (x.map(r.upper), py),
                    PALETTE[0],
                    r#" stroke-width="2""#,
                );
                for end in [r.lower, r.upper] {
                    svg.line(
                        (x.map(end), py - 5.0),
                        (x.map(end), py + 5.0),
                        PALETTE[0],
                        r#" stroke-width="2""#,
                    );
                }
            }
            let tip = format!(
                "{}: {} ({} to {})",
                isolate(&r.label),
                fmt(r.value),
                fmt(r.lower),
                fmt(r.upper)
            );
            svg.circle((x.map(r.value), py), 5.0, PALETTE[0], &tip);
        }
        svg.finish(&self.title)
    }
}

/// What a point of an SPC chart is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointKind {
    /// Common cause: grey.
    Common,
    /// Special cause improvement: blue.
    Improvement,
    /// Special cause concern: orange.
    Concern,
    /// Special cause with no direction: purple.
    Neutral,
}

impl PointKind {
    /// From the core's `point_type`.
    pub fn of(point_type: &str) -> PointKind {
        match point_type {
            "special_cause_improvement" => PointKind::Improvement,
            "special_cause_concern" => PointKind::Concern,
            "special_cause_neutral_high" | "special_cause_neutral_low" => PointKind::Neutral,
            _ => PointKind::Common,
        }
    }

    fn colour(self) -> &'static str {
        match self {
            PointKind::Common => mdc::COMMON,
            PointKind::Improvement => mdc::IMPROVEMENT,
            PointKind::Concern => mdc::CONCERN,
            PointKind::Neutral => mdc::NEUTRAL,
        }
    }
}

/// An XmR chart of one series (limits per point, so segments show as steps).
#[derive(Clone, Debug)]
pub struct Spc {
    /// Title (the series).
    pub title: String,
    /// The y axis.
    pub y_label: String,
    /// Dates of the points.
    pub dates: Vec<String>,
    /// The values.
    pub values: Vec<f64>,
    /// Each point's kind.
    pub kinds: Vec<PointKind>,
    /// Each point's special cause label (tooltip).
    pub causes: Vec<String>,
    /// Centre line per point.
    pub mean: Vec<f64>,
    /// Lower process limit per point.
    pub lpl: Vec<f64>,
    /// Upper process limit per point.
    pub upl: Vec<f64>,
    /// Lower 2σ line per point.
    pub lpl2: Vec<f64>,
    /// Upper 2σ line per point.
    pub upl2: Vec<f64>,
    /// The target, when there is one.
    pub target: Option<f64>,
    /// The variation icon (`common_cause`, `improvement_high`, ...).
    pub variation: Option<String>,
    /// The assurance icon (`consistent_pass`, `consistent_fail`, `inconsistent`).
    pub assurance: Option<String>,
}

impl Spc {
    fn svg(&self) -> String {
        let height = 300.0;
        let mut svg = Svg::new(WIDTH, height);
        let area = Area {
            left: 70.0,
            top: 30.0,
            right: WIDTH - 110.0,
            bottom: height - 40.0,
        };
        svg.text(
            (area.left, 18.0),
            "start",
            13.0,
            r##" font-weight="600" fill="#222""##,
            &self.title,
        );
        let all = self
            .values
            .iter()
            .chain(&self.lpl)
            .chain(&self.upl)
            .chain(self.target.iter())
            .copied();
        let (lo, hi) = extent(all).unwrap_or((0.0, 1.0));
        let (t, dom) = ticks(lo, hi, 5);
        let y = Scale::new(dom, (area.bottom, area.top));
        let n = self.values.len();
        let x = Scale::new(
            (0.0, n.saturating_sub(1).max(1) as f64),
            (area.left + 8.0, area.right - 8.0),
        );
        area.y_axis(&mut svg, &y, &t, &self.y_label);
        area.baseline(&mut svg);
        area.category_labels(&mut svg, &x, &self.dates);
        // The 2σ band, shaded between the 2σ lines.
        let band: Vec<(f64, f64)> = (0..n)
            .map(|i| (x.map(i as f64), y.map(self.upl2[i])))
            .chain((0..n).rev().map(|i| (x.map(i as f64), y.map(self.lpl2[i]))))
            .collect();
        if band.iter().all(|(a, b)| a.is_finite() && b.is_finite()) {
            svg.polygon(&band, "#f0f0f0", "");
        }
        let series = |v: &[f64]| -> Vec<(f64, f64)> {
            v.iter()
                .enumerate()
                .map(|(i, v)| (x.map(i as f64), y.map(*v)))
                .collect()
        };
        svg.polyline(
            &series(&self.lpl),
            mdc::COMMON,
            r#" stroke-dasharray="6 4" stroke-width="1.5""#,
        );
        svg.polyline(
            &series(&self.upl),
            mdc::COMMON,
            r#" stroke-dasharray="6 4" stroke-width="1.5""#,
        );
        svg.polyline(&series(&self.mean), "#000", r#" stroke-width="1.2""#);
        if let Some(target) = self.target {
            let py = y.map(target);
            svg.line(
                (area.left, py),
                (area.right, py),
                mdc::TARGET,
                r#" stroke-width="1.5""#,
            );
        }
        svg.polyline(&series(&self.values), mdc::COMMON, r#" stroke-width="1.5""#);
        for i in 0..n {
            let tip = format!(
                "{}: {} ({})",
                self.dates[i],
                fmt(self.values[i]),
                self.causes[i]
            );
            svg.circle(
                (x.map(i as f64), y.map(self.values[i])),
                3.6,
                self.kinds[i].colour(),
                &tip,
            );
        }
        // The latest limits, labelled at the right.
        if let (Some(&m), Some(&l), Some(&u)) = (self.mean.last(), self.lpl.last(), self.upl.last())
        {
            for (v, label) in [(u, "upper limit"), (m, "mean"), (l, "lower limit")] {
                if v.is_finite() {
                    svg.text(
                        (area.right + 4.0, y.map(v) + 4.0),
                        "start",
                        10.0,
                        r##" fill="#555""##,
                        &format!("{} {}", label, fmt(v)),
                    );
                }
            }
        }
        // Icons in the top right corner, as NHSRplotthedots places them.
        let mut at = WIDTH - 44.0;
        if let Some(a) = &self.assurance {
            svg.raw(&icons::assurance(a, (at, 26.0), 20.0));
            at -= 46.0;
        }
        if let Some(v) = &self.variation {
            svg.raw(&icons::variation(v, (at, 26.0), 20.0));
        }
        svg.finish(&format!("XmR chart: {}", isolate(&self.title)))
    }
}

/// One unit of a funnel plot.
#[derive(Clone, Debug)]
pub struct FunnelPoint {
    /// The unit.
    pub label: String,
    /// Its denominator (x).
    pub x: f64,
    /// Its value (y).
    pub y: f64,
    /// 0 inside the 95% limits, 1 beyond them only, 2 beyond the 99.8% limits.
    pub beyond: u8,
}

/// A funnel plot: units against limits that narrow as the denominator grows.
#[derive(Clone, Debug)]
pub struct Funnel {
    /// Title.
    pub title: String,
    /// The x axis (the denominator).
    pub x_label: String,
    /// The y axis (the value).
    pub y_label: String,
    /// The units.
    pub points: Vec<FunnelPoint>,
    /// The limit curves as (denominator, limit) points: 95% lower and upper, 99.8% lower and
    /// upper (PHE's rate and ratio funnels give each its own denominators).
    pub limits: [Vec<(f64, f64)>; 4],
    /// Overdispersion-adjusted limit curves, when they flag the outliers (else empty).
    pub adjusted: [Vec<(f64, f64)>; 4],
    /// The target (centre line).
    pub target: f64,
}

impl Funnel {
    fn svg(&self) -> String {
        let height = 340.0;
        let mut svg = Svg::new(WIDTH, height);
        let area = Area {
            left: 70.0,
            top: 30.0,
            right: WIDTH - 30.0,
            bottom: height - 46.0,
        };
        let items = vec![
            ("95% limits".to_owned(), "#0072b2".to_owned(), true),
            ("99.8% limits".to_owned(), "#d55e00".to_owned(), true),
            ("target".to_owned(), "#222".to_owned(), true),
        ];
        legend(&mut svg, (area.left, 16.0), &items);
        let (x_lo, x_hi) = extent(self.points.iter().map(|p| p.x)).unwrap_or((0.0, 1.0));
        let (xt, xdom) = ticks(0.0, x_hi * 1.05, 6);
        let x = Scale::new(xdom, (area.left, area.right));
        // The y range: the units, the target and the limits where the units are (the limits
        // run off towards infinity at small denominators).
        let near = |(px, _): &&(f64, f64)| *px >= x_lo * 0.5 && *px <= xdom.1;
        let (y_lo, y_hi) = extent(
            self.points
                .iter()
                .map(|p| p.y)
                .chain(
                    self.limits
                        .iter()
                        .flat_map(|c| c.iter().filter(near).map(|p| p.1)),
                )
                .chain([self.target]),
        )
        .unwrap_or((0.0, 1.0));
        let (yt, ydom) = ticks(y_lo, y_hi, 5);
        let y = Scale::new(ydom, (area.bottom, area.top));
        area.x_axis(&mut svg, &x, &xt, &self.x_label);
        area.y_axis(&mut svg, &y, &yt, &self.y_label);
        area.baseline(&mut svg);
        let clip = |v: f64| v.clamp(ydom.0, ydom.1);
        let curve = |points: &[(f64, f64)]| -> Vec<(f64, f64)> {
            let mut pts: Vec<(f64, f64)> = points
                .iter()
                .filter(|(px, py)| *px >= xdom.0 && *px <= xdom.1 && py.is_finite())
                .map(|(px, py)| (x.map(*px), y.map(clip(*py))))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            pts
        };
        for (k, colour) in ["#0072b2", "#0072b2", "#d55e00", "#d55e00"]
            .iter()
            .enumerate()
        {
            svg.polyline(&curve(&self.limits[k]), colour, r#" stroke-width="1.5""#);
            svg.polyline(
                &curve(&self.adjusted[k]),
                colour,
                r#" stroke-width="1.2" stroke-dasharray="5 3""#,
            );
        }
        let ty = y.map(self.target);
        svg.line(
            (area.left, ty),
            (area.right, ty),
            "#222",
            r#" stroke-width="1.2""#,
        );
        for p in &self.points {
            let colour = match p.beyond {
                2 => "#d55e00",
                1 => "#0072b2",
                _ => "#7f7f7f",
            };
            let pos = (x.map(p.x), y.map(p.y));
            let tip = format!(
                "{}: {} (denominator {})",
                isolate(&p.label),
                fmt(p.y),
                fmt(p.x)
            );
            svg.circle(pos, 5.0, colour, &tip);
            if p.beyond > 0 {
                svg.text(
                    (pos.0 + 7.0, pos.1 - 6.0),
                    "start",
                    11.0,
                    r##" fill="#222""##,
                    &p.label,
                );
            }
        }
        svg.finish(&self.title)
    }
}

/// Shares of counts in bands, one stacked bar per group.
#[derive(Clone, Debug)]
pub struct Bands {
    /// Title.
    pub title: String,
    /// The bands, in order.
    pub bands: Vec<String>,
    /// Per group, the count in each band.
    pub rows: Vec<(String, Vec<f64>)>,
}

impl Bands {
    fn svg(&self) -> String {
        let row_h = 30.0;
        let label_w = self
            .rows
            .iter()
            .map(|r| text_width(&r.0, 12.0))
            .fold(60.0, f64::max);
        let height = 76.0 + row_h * self.rows.len().max(1) as f64;
        let mut svg = Svg::new(WIDTH, height);
        let area = Area {
            left: label_w + 20.0,
            top: 30.0,
            right: WIDTH - 60.0,
            bottom: height - 40.0,
        };
        let items: Vec<(String, String, bool)> = self
            .bands
            .iter()
            .enumerate()
            .map(|(i, b)| (b.clone(), band_colour(i, self.bands.len()), false))
            .collect();
        legend(&mut svg, (area.left, 16.0), &items);
        let x = Scale::new((0.0, 100.0), (area.left, area.right));
        let t: Vec<f64> = (0..=5).map(|i| 20.0 * i as f64).collect();
        area.x_axis(&mut svg, &x, &t, "% of placements");
        for (i, (label, counts)) in self.rows.iter().enumerate() {
            let py = area.top + row_h * i as f64 + 4.0;
            svg.text(
                (area.left - 8.0, py + 15.0),
                "end",
                12.0,
                r##" fill="#222""##,
                label,
            );
            let total: f64 = counts.iter().filter(|c| c.is_finite()).sum();
            if total <= 0.0 {
                svg.text(
                    (area.left + 4.0, py + 15.0),
                    "start",
                    11.0,
                    r##" fill="#555""##,
                    "no placements",
                );
                continue;
            }
            let mut at = 0.0;
            for (k, &n) in counts.iter().enumerate() {
                if !n.is_finite() || n <= 0.0 {
                    continue;
                }
                let share = 100.0 * n / total;
                let tip = format!(
                    "{}, {}: {} ({:.1}%)",
                    isolate(label),
                    self.bands[k],
                    fmt(n),
                    share
                );
                svg.rect(
                    (x.map(at), py),
                    (x.map(at + share) - x.map(at), row_h - 8.0),
                    &band_colour(k, self.bands.len()),
                    &tip,
                );
                at += share;
            }
            svg.text(
                (area.right + 6.0, py + 15.0),
                "start",
                11.0,
                r##" fill="#555""##,
                &format!("n = {}", fmt(total)),
            );
        }
        svg.finish(&self.title)
    }
}

/// A sequential blue-to-orange colour for band `i` of `n` (near to far).
fn band_colour(i: usize, n: usize) -> String {
    const RAMP: [&str; 8] = [
        "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#fdae6b", "#f16913", "#d94801", "#8c2d04",
    ];
    let k = if n <= 1 {
        0
    } else {
        i * (RAMP.len() - 1) / (n - 1)
    };
    RAMP[k.min(RAMP.len() - 1)].to_owned()
}

/// A Kaplan–Meier (or Aalen–Johansen) curve with its interval band and the number at risk.
#[derive(Clone, Debug)]
pub struct Survival {
    /// Title.
    pub title: String,
    /// The x axis (days).
    pub x_label: String,
    /// The y axis.
    pub y_label: String,
    /// Steps: time, estimate, lower, upper (the estimate from that time on).
    pub steps: Vec<[f64; 4]>,
    /// Number at risk at chosen times.
    pub at_risk: Vec<(f64, i64)>,
}

impl Survival {
    fn svg(&self) -> String {
        let height = 340.0;
        let mut svg = Svg::new(WIDTH, height);
        let area = Area {
            left: 90.0,
            top: 16.0,
            right: WIDTH - 30.0,
            bottom: height - 86.0,
        };
        let t_max = self
            .steps
            .last()
            .map_or(1.0, |s| s[0])
            .max(self.at_risk.last().map_or(0.0, |a| a.0));
        let (xt, xdom) = ticks(0.0, t_max, 8);
        let x = Scale::new(xdom, (area.left, area.right));
        let y = Scale::new((0.0, 1.0), (area.bottom, area.top));
        let yt: Vec<f64> = (0..=4).map(|i| 0.25 * i as f64).collect();
        area.y_axis(&mut svg, &y, &yt, &self.y_label);
        area.x_axis(&mut svg, &x, &xt, "");
        area.baseline(&mut svg);
        // Step functions: each value holds until the next time.
        let stepped = |k: usize| -> Vec<(f64, f64)> {
            let mut pts = Vec::new();
            for (i, s) in self.steps.iter().enumerate() {
                let next = self.steps.get(i + 1).map_or(s[0], |n| n[0]);
                pts.push((x.map(s[0]), y.map(s[k])));
                pts.push((x.map(next), y.map(s[k])));
            }
            pts
        };
        let (lower, upper) = (stepped(2), stepped(3));
        if lower
            .iter()
            .chain(&upper)
            .all(|(a, b)| a.is_finite() && b.is_finite())
        {
            let band: Vec<(f64, f64)> = upper
                .iter()
                .copied()
                .chain(lower.iter().rev().copied())
                .collect();
            svg.polygon(&band, "#0072b2", r#" fill-opacity="0.18""#);
        }
        svg.polyline(&stepped(1), "#0072b2", r#" stroke-width="2""#);
        // Number at risk under the axis.
        let row = area.bottom + 52.0;
        svg.text(
            (area.left - 8.0, row),
            "end",
            11.0,
            r##" fill="#333""##,
            "at risk",
        );
        for (t, n) in &self.at_risk {
            svg.text(
                (x.map(*t), row),
                "middle",
                11.0,
                r##" fill="#333""##,
                &n.to_string(),
            );
        }
        area.x_title(&mut svg, &self.x_label, 74.0);
        svg.finish(&self.title)
    }
}

/// A matrix of values, shaded by size.
#[derive(Clone, Debug)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// Row labels (sending).
    pub rows: Vec<String>,
    /// Column labels (receiving).
    pub cols: Vec<String>,
    /// Values, `values[row][col]` (NaN or 0: empty).
    pub values: Vec<Vec<f64>>,
    /// What a value is (tooltips).
    pub unit: String,
}

impl Heatmap {
    fn svg(&self) -> String {
        let label_w = self
            .rows
            .iter()
            .map(|r| text_width(r, 12.0))
            .fold(60.0, f64::max);
        let col_w = ((WIDTH - label_w - 30.0) / self.cols.len().max(1) as f64).min(70.0);
        let row_h = 28.0;
        let height = 70.0 + row_h * self.rows.len() as f64;
        let mut svg = Svg::new(WIDTH, height);
        let left = label_w + 16.0;
        let top = 50.0;
        let max = self
            .values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        for (j, c) in self.cols.iter().enumerate() {
            let cx = left + col_w * (j as f64 + 0.5);
            svg.raw(&format!(
                r##"<text x="{cx:.1}" y="{:.1}" text-anchor="start" font-size="11" fill="#333" transform="rotate(-40 {cx:.1} {:.1})">{}</text>"##,
                top - 6.0,
                top - 6.0,
                esc(c)
            ));
        }
        for (i, r) in self.rows.iter().enumerate() {
            let py = top + row_h * i as f64;
            svg.text((left - 8.0, py + 18.0), "end", 12.0, r##" fill="#222""##, r);
            for (j, v) in self.values[i].iter().enumerate() {
                let px = left + col_w * j as f64;
                let share = if max > 0.0 && v.is_finite() {
                    v / max
                } else {
                    0.0
                };
                let fill = if share > 0.0 {
                    format!("rgba(0,114,178,{:.2})", 0.08 + 0.92 * share)
                } else {
                    "#f7f7f7".to_owned()
                };
                let tip = format!(
                    "{} to {}: {} {}",
                    isolate(r),
                    isolate(&self.cols[j]),
                    fmt(*v),
                    self.unit
                );
                svg.rect(
                    (px + 1.0, py + 1.0),
                    (col_w - 2.0, row_h - 2.0),
                    &fill,
                    &tip,
                );
                if share > 0.0 {
                    let ink = if share > 0.55 { "#fff" } else { "#111" };
                    svg.text(
                        (px + col_w / 2.0, py + 18.0),
                        "middle",
                        10.0,
                        &format!(r#" fill="{ink}""#),
                        &fmt(*v),
                    );
                }
            }
        }
        svg.finish(&self.title)
    }
}

/// An ordered group of an SII chart.
#[derive(Clone, Debug)]
pub struct SiiPoint {
    /// The group (e.g. "1" for IMD decile 1).
    pub label: String,
    /// Its ridit (mid-point of its cumulative population share), 0 most deprived.
    pub rank: f64,
    /// Its value, lower and upper limits.
    pub value: [f64; 3],
}

/// Ordered groups' values with intervals and the fitted slope index line.
#[derive(Clone, Debug)]
pub struct Sii {
    /// Title.
    pub title: String,
    /// The y axis.
    pub y_label: String,
    /// The groups in order.
    pub points: Vec<SiiPoint>,
    /// The fitted line at rank 0 and rank 1.
    pub line: (f64, f64),
    /// The SII and RII in words.
    pub annotation: String,
}

impl Sii {
    fn svg(&self) -> String {
        let height = 300.0;
        let mut svg = Svg::new(WIDTH, height);
        let area = Area {
            left: 70.0,
            top: 34.0,
            right: WIDTH - 24.0,
            bottom: height - 48.0,
        };
        svg.text(
            (area.left, 18.0),
            "start",
            12.0,
            r##" fill="#222""##,
            &self.annotation,
        );
        let (lo, hi) = extent(
            self.points
                .iter()
                .flat_map(|p| p.value)
                .chain([self.line.0, self.line.1]),
        )
        .unwrap_or((0.0, 1.0));
        let (yt, ydom) = ticks(lo.min(0.0), hi, 5);
        let y = Scale::new(ydom, (area.bottom, area.top));
        let x = Scale::new((0.0, 1.0), (area.left + 10.0, area.right - 10.0));
        area.y_axis(&mut svg, &y, &yt, &self.y_label);
        area.baseline(&mut svg);
        for p in &self.points {
            let px = x.map(p.rank);
            svg.text(
                (px, area.bottom + 15.0),
                "middle",
                11.0,
                r##" fill="#444""##,
                &p.label,
            );
        }
        area.x_title(
            &mut svg,
            "groups by rank (ridit), most deprived first",
            34.0,
        );
        svg.line(
            (x.map(0.0), y.map(self.line.0)),
            (x.map(1.0), y.map(self.line.1)),
            "#d55e00",
            r#" stroke-width="2""#,
        );
        for p in &self.points {
            let px = x.map(p.rank);
            let [v, l, u] = p.value;
            if l.is_finite() && u.is_finite() {
                svg.line(
                    (px, y.map(l)),
                    (px, y.map(u)),
                    PALETTE[0],
                    r#" stroke-width="2""#,
                );
            }
            let tip = format!(
                "{}: {} ({} to {})",
                isolate(&p.label),
                fmt(v),
                fmt(l),
                fmt(u)
            );
            svg.circle((px, y.map(v)), 4.5, PALETTE[0], &tip);
        }
        svg.finish(&self.title)
    }
}

/// A number for tooltips and labels: whole numbers without decimals, others to 3 significant
/// digits at most.
fn fmt(v: f64) -> String {
    if !v.is_finite() {
        "-".to_owned()
    } else if (v.fract() == 0.0 && v.abs() < 1e12) || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
