//! A few SVG primitives: a canvas, linear scales, tick marks and axes. Everything is written as
//! text; coordinates are rounded to 0.1 px so the page stays small.

use std::fmt::Write;

/// Colour-blind safe series colours (Okabe and Ito).
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c8c00", "#000000",
];

/// Average width of a character at font size 1 (for laying out labels without a font).
const CHAR: f64 = 0.58;

/// The approximate width in px of `s` at `size`.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * CHAR * size
}

/// A user's string (a group, a unit, a provider) for composing into text beside numbers (a
/// tooltip "name: 149 (denominator 700201)"): isolated between U+2068 (first strong isolate)
/// and U+2069 (pop directional isolate), so that right-to-left letters or an override in it
/// cannot reorder the numbers after it. Its own embedding, override and isolate controls
/// (U+202A–U+202E, U+2066–U+2069), which could end the isolate early or leak out of it, are
/// dropped. ASCII text, which has none of these, is unchanged.
pub fn isolate(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    let inner: String = s
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    format!("\u{2068}{inner}\u{2069}")
}

/// Text escaped for XML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate, rounded.
fn c(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// An SVG drawing being written.
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    /// A canvas `width` × `height` px.
    pub fn new(width: f64, height: f64) -> Svg {
        Svg {
            width,
            height,
            body: String::new(),
        }
    }

    /// A straight line.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, style: &str) {
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}"{style}/>"#,
            c(x1),
            c(y1),
            c(x2),
            c(y2)
        );
    }

    /// Lines through `points` (a gap where a point is not finite).
    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, style: &str) {
        for run in points
            .split(|(x, y)| !x.is_finite() || !y.is_finite())
            .filter(|r| r.len() > 1)
        {
            let pts: Vec<String> = run
                .iter()
                .map(|(x, y)| format!("{},{}", c(*x), c(*y)))
                .collect();
            let _ = write!(
                self.body,
                r#"<polyline points="{}" fill="none" stroke="{stroke}"{style}/>"#,
                pts.join(" ")
            );
        }
    }

    /// A filled polygon.
    pub fn polygon(&mut self, points: &[(f64, f64)], fill: &str, style: &str) {
        if points.len() < 3 {
            return;
        }
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", c(*x), c(*y)))
            .collect();
        let _ = write!(
            self.body,
            r#"<polygon points="{}" fill="{fill}"{style}/>"#,
            pts.join(" ")
        );
    }

    /// A circle with a tooltip.
    pub fn circle(&mut self, (x, y): (f64, f64), r: f64, fill: &str, tip: &str) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        let _ = write!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}"><title>{}</title></circle>"#,
            c(x),
            c(y),
            c(r),
            esc(tip)
        );
    }

    /// A rectangle, with a tooltip when `tip` is not empty.
    pub fn rect(&mut self, (x, y): (f64, f64), (w, h): (f64, f64), fill: &str, tip: &str) {
        if !(w.is_finite() && h.is_finite()) || w <= 0.0 || h <= 0.0 {
            return;
        }
        let title = if tip.is_empty() {
            String::new()
        } else {
            format!("<title>{}</title>", esc(tip))
        };
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}">{title}</rect>"#,
            c(x),
            c(y),
            c(w),
            c(h)
        );
    }

    /// Text anchored `start`, `middle` or `end`.
    pub fn text(&mut self, (x, y): (f64, f64), anchor: &str, size: f64, style: &str, s: &str) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}"{style}>{}</text>"#,
            c(x),
            c(y),
            c(size),
            esc(s)
        );
    }

    /// Raw SVG (for a caller's own shapes).
    pub fn raw(&mut self, s: &str) {
        self.body.push_str(s);
    }

    /// The finished `<svg>` element, labelled for screen readers with `label`.
    pub fn finish(self, label: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{l}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"><title>{l}</title>{body}</svg>"#,
            w = c(self.width),
            h = c(self.height),
            l = esc(label),
            body = self.body
        )
    }
}

/// A linear map from data to pixels.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    /// Maps `[d0, d1]` onto `[r0, r1]` (a zero-width domain is widened by one).
    pub fn new((d0, d1): (f64, f64), (r0, r1): (f64, f64)) -> Scale {
        let (d0, d1) = if (d1 - d0).abs() < 1e-300 || !(d1 - d0).is_finite() {
            (d0 - 0.5, d0 + 0.5)
        } else {
            (d0, d1)
        };
        Scale { d0, d1, r0, r1 }
    }

    /// The pixel of `v`.
    pub fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Lowest and highest finite value of `values` (`None` when there is none).
pub fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// About `n` round tick values covering `[lo, hi]`, and the domain widened to the outer ticks.
pub fn ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, (f64, f64)) {
    let (lo, hi) = if hi - lo < 1e-12 {
        (
            lo - 1.0_f64.max(lo.abs() * 0.1),
            hi + 1.0_f64.max(hi.abs() * 0.1),
        )
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let count = ((last - first) / step).round() as usize;
    let ticks: Vec<f64> = (0..=count).map(|i| first + i as f64 * step).collect();
    (ticks, (first, last))
}

/// A tick label: as many decimals as the step needs, thousands separated by thin spaces.
pub fn tick_label(v: f64, step: f64) -> String {
    // As many decimals as the step needs to be written exactly (0.25: 2, 2.5: 1, 500: 0).
    let digits = (0..8)
        .find(|&d| {
            let scaled = step.abs() * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(8) as usize;
    let s = format!("{:.*}", digits, if v.abs() < step * 1e-9 { 0.0 } else { v });
    group_thousands(&s)
}

/// "1234567.5" → "1 234 567.5".
fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    if int.len() <= 4 {
        return s.to_owned();
    }
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// The plotting area of a chart: its pixel box and the scales into it.
pub struct Area {
    /// Left edge of the plotting area.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
}

impl Area {
    /// Horizontal gridlines and labels at `ticks` of `y`, and the y axis title.
    pub fn y_axis(&self, svg: &mut Svg, y: &Scale, ticks: &[f64], title: &str) {
        let step = if ticks.len() > 1 {
            ticks[1] - ticks[0]
        } else {
            1.0
        };
        for &t in ticks {
            let py = y.map(t);
            svg.line((self.left, py), (self.right, py), "#e3e3e3", "");
            svg.text(
                (self.left - 6.0, py + 4.0),
                "end",
                11.0,
                r##" fill="#444""##,
                &tick_label(t, step),
            );
        }
        if !title.is_empty() {
            let (cx, cy) = (14.0, (self.top + self.bottom) / 2.0);
            svg.raw(&format!(
                r##"<text x="{cx}" y="{}" text-anchor="middle" font-size="12" fill="#333" transform="rotate(-90 {cx} {})">{}</text>"##,
                c(cy),
                c(cy),
                esc(title)
            ));
        }
    }

    /// Vertical gridlines and labels at `ticks` of `x`, and the x axis title.
    pub fn x_axis(&self, svg: &mut Svg, x: &Scale, ticks: &[f64], title: &str) {
        let step = if ticks.len() > 1 {
            ticks[1] - ticks[0]
        } else {
            1.0
        };
        for &t in ticks {
            let px = x.map(t);
            svg.line((px, self.top), (px, self.bottom), "#e3e3e3", "");
            svg.text(
                (px, self.bottom + 15.0),
                "middle",
                11.0,
                r##" fill="#444""##,
                &tick_label(t, step),
            );
        }
        self.x_title(svg, title, 32.0);
    }

    /// The x axis title, `below` px under the area.
    pub fn x_title(&self, svg: &mut Svg, title: &str, below: f64) {
        if !title.is_empty() {
            svg.text(
                ((self.left + self.right) / 2.0, self.bottom + below),
                "middle",
                12.0,
                r##" fill="#333""##,
                title,
            );
        }
    }

    /// Labels of evenly spaced categories (dates) under the area, thinned to fit.
    pub fn category_labels(&self, svg: &mut Svg, x: &Scale, labels: &[String]) {
        if labels.is_empty() {
            return;
        }
        let widest = labels
            .iter()
            .map(|l| text_width(l, 11.0))
            .fold(0.0, f64::max);
        let room = (self.right - self.left) / labels.len() as f64;
        let every = ((widest + 8.0) / room).ceil().max(1.0) as usize;
        // Keep the last label: the latest period is the one people look for.
        let last = labels.len() - 1;
        for (i, l) in labels.iter().enumerate() {
            if (last - i).is_multiple_of(every) {
                let px = x.map(i as f64);
                svg.line((px, self.bottom), (px, self.bottom + 4.0), "#999", "");
                svg.text(
                    (px, self.bottom + 16.0),
                    "middle",
                    11.0,
                    r##" fill="#444""##,
                    l,
                );
            }
        }
    }

    /// The frame's bottom line.
    pub fn baseline(&self, svg: &mut Svg) {
        svg.line(
            (self.left, self.bottom),
            (self.right, self.bottom),
            "#999",
            "",
        );
    }
}

/// A legend of coloured keys in one row from `(x, y)`; returns the width used.
pub fn legend(svg: &mut Svg, (x, y): (f64, f64), items: &[(String, String, bool)]) -> f64 {
    let mut at = x;
    for (label, colour, line) in items {
        if *line {
            svg.line(
                (at, y - 4.0),
                (at + 16.0, y - 4.0),
                colour,
                r#" stroke-width="2.5""#,
            );
        } else {
            svg.rect((at + 3.0, y - 10.0), (10.0, 10.0), colour, "");
        }
        svg.text((at + 20.0, y), "start", 11.0, r##" fill="#333""##, label);
        at += 20.0 + text_width(label, 11.0) + 14.0;
    }
    at - x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        let (t, (lo, hi)) = ticks(3.2, 97.0, 5);
        assert_eq!(t, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!((lo, hi), (0.0, 100.0));
        let (t, _) = ticks(0.0, 1.0, 4);
        assert_eq!(t, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(tick_label(0.25, 0.25), "0.25");
        assert_eq!(tick_label(0.5, 0.25), "0.50");
        assert_eq!(tick_label(1500.0, 500.0), "1500");
        assert_eq!(tick_label(15000.0, 5000.0), "15\u{2009}000");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc(r#"a<b & "c""#), "a&lt;b &amp; &quot;c&quot;");
        // Isolated (FSI … PDI), its own overrides and isolates dropped; ASCII as it is.
        assert_eq!(isolate("West Kent"), "West Kent");
        assert_eq!(isolate("\u{202E}RTL\u{2069}x"), "\u{2068}RTLx\u{2069}");
        assert_eq!(isolate("مدينة"), "\u{2068}مدينة\u{2069}");
    }

    #[test]
    fn scales_map_linearly() {
        let s = Scale::new((0.0, 10.0), (100.0, 0.0));
        assert_eq!(s.map(0.0), 100.0);
        assert_eq!(s.map(2.5), 75.0);
    }
}
