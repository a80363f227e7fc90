//! Making Data Count's variation and assurance icons, drawn in SVG: a ringed circle in the
//! icon's colour (grey common cause, blue improvement, orange concern, purple neutral); the
//! variation icon holds a run of dots whose last points leave the line high or low, with "H" or
//! "L"; the assurance icon holds the target line and "P" (pass), "F" (fail) or "?" (hit and
//! miss).

use super::charts::mdc;
use super::svg::esc;

/// The colour, letter, direction (+1 high, −1 low, 0 none) and words of a variation icon.
fn variation_parts(icon: &str) -> (&'static str, &'static str, i8, &'static str) {
    match icon {
        "improvement_high" => (mdc::IMPROVEMENT, "H", 1, "special cause improvement (high)"),
        "improvement_low" => (mdc::IMPROVEMENT, "L", -1, "special cause improvement (low)"),
        "concern_high" => (mdc::CONCERN, "H", 1, "special cause concern (high)"),
        "concern_low" => (mdc::CONCERN, "L", -1, "special cause concern (low)"),
        "neutral_high" => (
            mdc::NEUTRAL,
            "H",
            1,
            "special cause, neither better nor worse (high)",
        ),
        "neutral_low" => (
            mdc::NEUTRAL,
            "L",
            -1,
            "special cause, neither better nor worse (low)",
        ),
        _ => (mdc::COMMON, "", 0, "common cause variation"),
    }
}

/// The variation icon `icon` (the core's names) centred on `(x, y)` with radius `r`.
pub fn variation(icon: &str, (x, y): (f64, f64), r: f64) -> String {
    let (colour, letter, dir, words) = variation_parts(icon);
    let mut out = ring(x, y, r, colour, &format!("Variation: {words}"));
    // Seven dots across the middle; the last three step away from the line when special.
    let base = y + if dir == 0 {
        0.0
    } else {
        f64::from(dir) * 0.22 * r
    };
    for k in 0..7 {
        let px = x - 0.62 * r + k as f64 * 0.207 * r;
        let wobble = if k % 2 == 0 { -0.06 } else { 0.06 } * r;
        let (py, fill) = if dir != 0 && k >= 4 {
            (
                base - f64::from(dir) * (0.16 + 0.14 * (k - 4) as f64) * r,
                colour,
            )
        } else {
            (base + wobble, mdc::COMMON)
        };
        out.push_str(&format!(
            r#"<circle cx="{px:.1}" cy="{py:.1}" r="{:.1}" fill="{fill}"/>"#,
            0.085 * r
        ));
    }
    if !letter.is_empty() {
        // The letter sits on the side the dots left from.
        let ly = y + f64::from(dir) * 0.5 * r + 0.14 * r;
        out.push_str(&format!(
            r#"<text x="{x:.1}" y="{ly:.1}" text-anchor="middle" font-size="{:.1}" font-weight="700" fill="{colour}">{letter}</text>"#,
            0.46 * r
        ));
    }
    out.push_str("</g>");
    out
}

/// The assurance icon `icon` (`consistent_pass`, `consistent_fail`, `inconsistent`).
pub fn assurance(icon: &str, (x, y): (f64, f64), r: f64) -> String {
    let (colour, letter, words) = match icon {
        "consistent_pass" => (
            mdc::IMPROVEMENT,
            "P",
            "the process will consistently pass the target",
        ),
        "consistent_fail" => (
            mdc::CONCERN,
            "F",
            "the process will consistently fail the target",
        ),
        _ => (mdc::COMMON, "?", "the process will hit and miss the target"),
    };
    let mut out = ring(x, y, r, colour, &format!("Assurance: {words}"));
    // The target line, with the letter above it.
    out.push_str(&format!(
        r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{:.1}"/>"#,
        x - 0.62 * r,
        y + 0.42 * r,
        x + 0.62 * r,
        y + 0.42 * r,
        mdc::TARGET,
        0.09 * r
    ));
    out.push_str(&format!(
        r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="{:.1}" font-weight="700" fill="{colour}">{letter}</text>"#,
        y + 0.25 * r,
        0.85 * r
    ));
    out.push_str("</g>");
    out
}

/// An open group with the icon's ring and its tooltip (closed by the caller).
fn ring(x: f64, y: f64, r: f64, colour: &str, words: &str) -> String {
    format!(
        r##"<g class="icon"><title>{}</title><circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="#fff" stroke="{colour}" stroke-width="{:.1}"/>"##,
        esc(words),
        0.14 * r
    )
}
