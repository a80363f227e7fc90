//! Reports: titled sections of typed cells, rendered as aligned text, JSON (numbers as
//! numbers) or one self-contained HTML page with charts (`crate::html`).

use crate::html::Chart;
use collabmetrics::table::{Diagnostic, Diagnostics};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One cell of a report table. Text shows it rounded; JSON gives the unrounded number (null
/// when missing), an estimate as `{"value", "lower", "upper"}` and a range as
/// `{"lower", "upper"}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Words (a place, a measure, a date).
    Text(String),
    /// A whole number; `None` where it does not apply.
    Count(Option<i64>),
    /// A number shown with `digits` decimals; NaN where it does not apply.
    Number {
        /// The value.
        value: f64,
        /// Decimals shown in text.
        digits: usize,
    },
    /// A value with its interval, shown "value (lower to upper)".
    Estimate {
        /// The estimate.
        value: f64,
        /// Lower limit (NaN: none).
        lower: f64,
        /// Upper limit (NaN: none).
        upper: f64,
        /// Decimals shown in text.
        digits: usize,
    },
    /// A point of an SPC chart with its signal, shown "52 +S"; JSON `{"value", "signal"}`.
    Signal {
        /// The value.
        value: f64,
        /// "+" improvement or "-" concern and the rule's letter; empty for common cause.
        signal: String,
    },
    /// Two limits, shown "lower to upper".
    Range {
        /// Lower limit.
        lower: f64,
        /// Upper limit.
        upper: f64,
        /// Decimals shown in text.
        digits: usize,
    },
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A whole number (a count held as a float, as Arrow results give them).
    pub fn count(x: f64) -> Cell {
        Cell::Count(x.is_finite().then_some(x.round() as i64))
    }

    /// A number with `digits` decimals.
    pub fn num(value: f64, digits: usize) -> Cell {
        Cell::Number { value, digits }
    }

    /// An estimate with its interval.
    pub fn est(value: f64, lower: f64, upper: f64, digits: usize) -> Cell {
        Cell::Estimate {
            value,
            lower,
            upper,
            digits,
        }
    }

    /// An interval alone.
    pub fn range(lower: f64, upper: f64, digits: usize) -> Cell {
        Cell::Range {
            lower,
            upper,
            digits,
        }
    }

    /// "Does not apply": shown `-`, null in JSON.
    pub fn none() -> Cell {
        Cell::Count(None)
    }

    /// Words, not a number.
    pub fn is_text(&self) -> bool {
        matches!(self, Cell::Text(_))
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Count(Some(c)) => write!(f, "{c}"),
            Cell::Count(None) => f.write_str("-"),
            Cell::Number { value, digits } => f.write_str(&num(*value, *digits)),
            Cell::Estimate {
                value,
                lower,
                upper,
                digits,
            } => {
                f.write_str(&num(*value, *digits))?;
                if value.is_finite() && lower.is_finite() && upper.is_finite() {
                    write!(f, " ({} to {})", num(*lower, *digits), num(*upper, *digits))?;
                }
                Ok(())
            }
            Cell::Signal { value, signal } => {
                f.write_str(&num(*value, 0))?;
                if !signal.is_empty() {
                    write!(f, " {signal}")?;
                }
                Ok(())
            }
            Cell::Range {
                lower,
                upper,
                digits,
            } => {
                if lower.is_finite() && upper.is_finite() {
                    write!(f, "{} to {}", num(*lower, *digits), num(*upper, *digits))
                } else {
                    f.write_str("-")
                }
            }
        }
    }
}

/// A finite number, or null.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Count(c) => c.serialize(s),
            Cell::Number { value, .. } => finite(*value).serialize(s),
            Cell::Estimate {
                value,
                lower,
                upper,
                ..
            } => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("value", &finite(*value))?;
                m.serialize_entry("lower", &finite(*lower))?;
                m.serialize_entry("upper", &finite(*upper))?;
                m.end()
            }
            Cell::Signal { value, signal } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("value", &finite(*value))?;
                m.serialize_entry("signal", &(!signal.is_empty()).then_some(signal))?;
                m.end()
            }
            Cell::Range { lower, upper, .. } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("lower", &finite(*lower))?;
                m.serialize_entry("upper", &finite(*upper))?;
                m.end()
            }
        }
    }
}

/// One titled table of a report, with the diagnostics of the calls behind it and its charts.
#[derive(Serialize)]
pub struct Section {
    /// A stable identifier (the HTML anchor), e.g. `oap-headline`.
    pub id: String,
    /// The title, with the period the section covers.
    pub title: String,
    /// How the numbers were computed, in a sentence or two.
    pub method: String,
    /// Column headings.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
    /// What an empty table means, in words (shown instead of the table).
    pub when_empty: String,
    /// Records the calls behind the section set aside or flagged.
    pub diagnostics: Diagnostics,
    /// Charts of the HTML page (not in text or JSON).
    #[serde(skip)]
    pub charts: Vec<Chart>,
}

impl Section {
    /// A section; `when_empty` defaults to "no records in the period".
    pub fn new(
        id: &str,
        title: &str,
        method: &str,
        header: Vec<String>,
        rows: Vec<Vec<Cell>>,
        diagnostics: &Diagnostics,
    ) -> Self {
        Section {
            id: id.to_owned(),
            title: title.to_owned(),
            method: method.to_owned(),
            header,
            rows,
            when_empty: "No rows: there are no records for this section in the period.".to_owned(),
            diagnostics: diagnostics.clone(),
            charts: Vec::new(),
        }
    }

    /// The section with a chart added.
    pub fn with_chart(mut self, chart: Chart) -> Self {
        self.charts.push(chart);
        self
    }

    /// The section with its own words for an empty table.
    pub fn when_empty(mut self, words: &str) -> Self {
        self.when_empty = words.to_owned();
        self
    }
}

/// A report: a heading and its sections, and (JSON only) whole result tables by name, as
/// arrays of row objects.
#[derive(Serialize)]
pub struct Report {
    /// The heading.
    pub title: String,
    /// What the data are (SYNTHETIC for the demo), their span and the confidence level.
    pub note: String,
    /// True for the demo's invented data: every rendering says so first.
    pub synthetic: bool,
    /// A warning every rendering shows first (the analyst's report without `--publish`: not
    /// for publication).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// Whole result tables (JSON only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, serde_json::Value>,
}

/// One diagnostic and the sections (numbered from 1) it applies to.
pub struct Note<'a> {
    /// The diagnostic.
    pub diagnostic: &'a Diagnostic,
    /// Section numbers, ascending.
    pub sections: Vec<usize>,
}

impl Report {
    /// Each distinct diagnostic once, with the sections it applies to, in order of first
    /// appearance: several sections computed from one table share its notes.
    pub fn notes(&self) -> Vec<Note<'_>> {
        let mut notes: Vec<Note> = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            for d in &s.diagnostics.entries {
                match notes.iter_mut().find(|n| n.diagnostic == d) {
                    Some(n) => n.sections.push(i + 1),
                    None => notes.push(Note {
                        diagnostic: d,
                        sections: vec![i + 1],
                    }),
                }
            }
        }
        notes
    }

    /// Aligned text tables, numbers right-aligned; one notes block at the end.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\n{}",
            self.title,
            "=".repeat(self.title.chars().count()),
        );
        if let Some(w) = &self.warning {
            let _ = writeln!(out, "{w}");
        }
        let _ = writeln!(out, "{}\n", self.note);
        for (i, s) in self.sections.iter().enumerate() {
            let title = format!("{}. {}", i + 1, s.title);
            let _ = writeln!(out, "{title}\n{}", "-".repeat(title.chars().count()));
            let _ = writeln!(out, "{}", s.method);
            if s.rows.is_empty() {
                let _ = writeln!(out, "{}", s.when_empty);
            } else {
                table_text(&mut out, &s.header, &s.rows);
            }
            out.push('\n');
        }
        let notes = self.notes();
        if !notes.is_empty() {
            let title = "Notes: records a documented rule set aside or flagged";
            let _ = writeln!(out, "{title}\n{}", "-".repeat(title.chars().count()));
            for n in notes {
                let d = n.diagnostic;
                let _ = writeln!(
                    out,
                    "{} {}: {} × {}: {}",
                    if n.sections.len() == 1 {
                        "section"
                    } else {
                        "sections"
                    },
                    section_list(&n.sections),
                    d.count,
                    d.reason,
                    d.action
                );
            }
        }
        out
    }

    /// The report as pretty JSON.
    // A report is text and numbers only: serialising it cannot fail.
    #[allow(clippy::expect_used)]
    pub fn to_json(&self) -> String {
        // A report holds strings, numbers and maps only: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Which columns hold numbers (right-aligned): all but the first, where most cells are not
/// words.
pub fn numeric_columns(width: usize, rows: &[Vec<Cell>]) -> Vec<bool> {
    (0..width)
        .map(|c| {
            let text = rows
                .iter()
                .filter(|r| r.get(c).is_some_and(Cell::is_text))
                .count();
            c > 0 && 2 * text < rows.len().max(1)
        })
        .collect()
}

/// `s` with its control characters written as escapes (`\u{1b}`, `\t`, `\n`): names from the
/// data reach a terminal in the text report, where an escape sequence would act (colour,
/// cursor moves) and a tab or line break would break the columns.
fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The rows under the header, columns padded to their widest cell.
fn table_text(out: &mut String, header: &[String], rows: &[Vec<Cell>]) {
    let numeric = numeric_columns(header.len(), rows);
    let header: Vec<String> = header.iter().map(|h| printable(h)).collect();
    let header = &header[..];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(&c.to_string())).collect())
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            cells
                .iter()
                .filter_map(|r| r.get(c))
                .map(|x| x.chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |texts: &[String]| -> String {
        texts
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                if !numeric[i] {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let _ = writeln!(out, "{}", line(header));
    for texts in &cells {
        let _ = writeln!(out, "{}", line(texts));
    }
}

/// "1-5, 8, 11".
pub fn section_list(sections: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sections.len() {
        let mut j = i;
        while j + 1 < sections.len() && sections[j + 1] == sections[j] + 1 {
            j += 1;
        }
        parts.push(if j > i + 1 {
            format!("{}-{}", sections[i], sections[j])
        } else if j == i + 1 {
            format!("{}, {}", sections[i], sections[j])
        } else {
            sections[i].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// A number with `digits` decimals ("-" for NaN).
pub fn num(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "-".to_owned()
    } else {
        format!("{x:.digits$}")
    }
}

/// A confidence level as a percentage for headings: 0.95 → "95", 0.998 → "99.8": the fewest
/// decimals that give the level back (to 1e-12), so a level in (0, 1) never reads as 100 or
/// 0 (0.9999999999 → "99.99999999").
pub fn percent(confidence: f64) -> String {
    let pct = 100.0 * confidence;
    (0..=15)
        .map(|d| format!("{pct:.d$}"))
        .find(|s| {
            let back = s.parse::<f64>().unwrap_or(f64::NAN);
            (back - pct).abs() <= 1e-10 * pct.abs() && back > 0.0 && back < 100.0
        })
        .unwrap_or_else(|| pct.to_string())
}

/// "95% interval".
pub fn interval_label(confidence: f64) -> String {
    format!("{}% interval", percent(confidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_levels_read_as_written() {
        assert_eq!(interval_label(0.95), "95% interval");
        assert_eq!(interval_label(0.998), "99.8% interval");
        assert_eq!(interval_label(0.9), "90% interval");
        assert_eq!(interval_label(0.9999), "99.99% interval");
        // Never rounded to 100 or 0.
        assert_eq!(interval_label(0.9999999999), "99.99999999% interval");
        assert_eq!(interval_label(1e-9), "0.0000001% interval");
    }

    #[test]
    fn section_lists_join_runs() {
        assert_eq!(section_list(&[1, 2, 3, 4, 5, 8, 11]), "1-5, 8, 11");
        assert_eq!(section_list(&[2, 3]), "2, 3");
        assert_eq!(section_list(&[7]), "7");
    }

    #[test]
    fn names_from_the_data_cannot_drive_the_terminal() {
        let mut out = String::new();
        let rows = vec![vec![Cell::text("\u{1b}[31mred\tplace"), Cell::text("x")]];
        table_text(&mut out, &["place\n".into(), "b".into()], &rows);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(out.contains("\\u{1b}[31mred\\tplace"), "{out}");
        assert!(out.starts_with("place\\n"), "{out}");
    }

    #[test]
    fn cells_are_numbers_in_json_and_rounded_in_text() {
        let cells = vec![
            Cell::text("a"),
            Cell::count(12.0),
            Cell::num(1.23456, 1),
            Cell::est(5.0, 4.0, 6.5, 1),
            Cell::range(f64::NAN, 2.0, 0),
            Cell::num(f64::NAN, 2),
        ];
        let json = serde_json::to_value(&cells).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                "a",
                12,
                1.23456,
                {"value": 5.0, "lower": 4.0, "upper": 6.5},
                {"lower": null, "upper": 2.0},
                null
            ])
        );
        let text: Vec<String> = cells.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["a", "12", "1.2", "5.0 (4.0 to 6.5)", "-", "-"]);
    }
}
