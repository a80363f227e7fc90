//! Plain-text and JSON rendering of report sections.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One titled table of a report, with the diagnostics of the call behind it.
#[derive(Serialize)]
pub struct Section {
    pub title: String,
    pub method: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub diagnostics: collabmetrics::table::Diagnostics,
}

impl Section {
    pub fn new(
        title: &str,
        method: &str,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        diagnostics: &collabmetrics::table::Diagnostics,
    ) -> Self {
        Section {
            title: title.to_owned(),
            method: method.to_owned(),
            header,
            rows,
            diagnostics: diagnostics.clone(),
        }
    }
}

/// A report: a heading and its sections, and (JSON only) whole result tables by name, as
/// arrays of row objects.
#[derive(Serialize)]
pub struct Report {
    pub title: String,
    pub note: String,
    pub sections: Vec<Section>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, serde_json::Value>,
}

impl Report {
    /// Aligned text tables, numbers right-aligned.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\n{}\n{}\n",
            self.title,
            "=".repeat(self.title.chars().count()),
            self.note
        );
        for s in &self.sections {
            let _ = writeln!(out, "{}\n{}", s.title, "-".repeat(s.title.chars().count()));
            let _ = writeln!(out, "{}", s.method);
            let widths: Vec<usize> = (0..s.header.len())
                .map(|c| {
                    s.rows
                        .iter()
                        .map(|r| r[c].chars().count())
                        .chain([s.header[c].chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| -> String {
                cells
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (c, &w))| {
                        if i == 0 {
                            format!("{c:<w$}")
                        } else {
                            format!("{c:>w$}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            let _ = writeln!(out, "{}", line(&s.header));
            for r in &s.rows {
                let _ = writeln!(out, "{}", line(r));
            }
            for d in &s.diagnostics.entries {
                let _ = writeln!(
                    out,
                    "  note: {} record(s) {}: {}",
                    d.count, d.reason, d.action
                );
            }
            out.push('\n');
        }
        out
    }

    /// The report as pretty JSON.
    // A report is text and numbers only: serialising it cannot fail.
    #[allow(clippy::expect_used)]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports serialise")
    }
}

/// A number with `digits` decimals.
pub fn num(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "-".to_owned()
    } else {
        format!("{x:.digits$}")
    }
}
