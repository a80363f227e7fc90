//! A report as one self-contained web page: every section's table and charts (inline SVG drawn
//! here), its method and the notes. No script, no external file, no network request: the page
//! reads the same saved, e-mailed or printed, and offline.

mod charts;
mod icons;
mod svg;

pub use charts::{
    Bands, Chart, Funnel, FunnelPoint, Heatmap, Interval, Intervals, Lines, PointKind, Sii,
    SiiPoint, Spc, Survival,
};

use crate::report::{numeric_columns, section_list, Cell, Report};
use std::fmt::Write;
use svg::esc;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
  color: #1d1d1d; background: #fff; line-height: 1.45; }
header, main, footer { max-width: 1080px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 1.6rem; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.2rem; margin: 0 0 0.4em; }
.synthetic { background: #fff4e5; border-left: 6px solid #e46c0a; padding: 8px 12px;
  font-weight: 600; }
.note { white-space: pre-line; color: #333; }
nav ol { columns: 2; font-size: 0.92rem; padding-left: 1.4em; }
section { border-top: 1px solid #ddd; padding: 18px 0 10px; }
.method { color: #444; font-size: 0.92rem; max-width: 75ch; }
figure { margin: 10px 0 14px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #555; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 6px 0 8px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.empty { font-style: italic; color: #555; background: #f7f7f7; padding: 8px 12px; }
.refs { font-size: 0.85rem; color: #555; }
footer { color: #666; font-size: 0.85rem; padding: 20px; border-top: 1px solid #ddd; }
@media print { nav { display: none; } section { break-inside: avoid-page; } }
"#;

/// The report as one HTML document.
pub fn page(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        esc(&report.title),
        esc(&report.title)
    );
    if report.synthetic {
        out.push_str(
            "<p class=\"synthetic\" id=\"synthetic\">SYNTHETIC DATA: every figure on this page \
             comes from invented people and services.</p>\n",
        );
    }
    if let Some(w) = &report.warning {
        let _ = writeln!(
            out,
            "<p class=\"synthetic\" id=\"not-for-publication\">{}</p>",
            esc(w)
        );
    }
    let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(&report.note));
    out.push_str("<nav aria-label=\"Sections\"><ol>\n");
    for s in &report.sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            esc(&s.id),
            esc(&s.title)
        );
    }
    out.push_str("<li><a href=\"#notes\">Notes</a></li>\n</ol></nav>\n</header>\n<main>\n");
    let notes = report.notes();
    for (i, s) in report.sections.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{}. {}</h2>\n<p class=\"method\">{}</p>",
            esc(&s.id),
            i + 1,
            esc(&s.title),
            esc(&s.method)
        );
        for chart in &s.charts {
            let _ = writeln!(
                out,
                "<figure class=\"chart\">{}<figcaption>{}</figcaption></figure>",
                chart.svg(),
                esc(chart.title())
            );
        }
        if s.rows.is_empty() {
            let _ = writeln!(out, "<p class=\"empty\">{}</p>", esc(&s.when_empty));
        } else {
            table(&mut out, &s.header, &s.rows);
        }
        let mine: Vec<usize> = notes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.sections.contains(&(i + 1)))
            .map(|(k, _)| k + 1)
            .collect();
        if !mine.is_empty() {
            let links: Vec<String> = mine
                .iter()
                .map(|k| format!("<a href=\"#note-{k}\">{k}</a>"))
                .collect();
            let _ = writeln!(
                out,
                "<p class=\"refs\">Notes on records set aside or flagged: {}</p>",
                links.join(", ")
            );
        }
        out.push_str("</section>\n");
    }
    out.push_str(
        "<section id=\"notes\">\n<h2>Notes</h2>\n<p class=\"method\">Records a documented \
         rule set aside, repaired or flagged, each listed once with the sections it applies \
         to; none is dropped silently.</p>\n",
    );
    if notes.is_empty() {
        out.push_str("<p class=\"empty\">No record was set aside or flagged.</p>\n");
    } else {
        out.push_str(
            "<div class=\"table-wrap\"><table><thead><tr><th class=\"n\">note</th><th>sections</th>\
             <th class=\"n\">records</th><th>reason</th><th>what the rule did</th><th class=\"n\">first row</th>\
             </tr></thead><tbody>\n",
        );
        for (k, n) in notes.iter().enumerate() {
            let d = n.diagnostic;
            let _ = writeln!(
                out,
                "<tr id=\"note-{}\"><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                k + 1,
                k + 1,
                esc(&section_list(&n.sections)),
                d.count,
                esc(&d.reason),
                esc(&d.action),
                d.first_row.map_or("-".to_owned(), |r| r.to_string())
            );
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n</main>\n");
    let _ = writeln!(
        out,
        "<footer>Made by collabmetrics {}: every number computed by its Rust core; the methods \
         are written up in the project's docs/methods.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// A table: numbers right-aligned.
fn table(out: &mut String, header: &[String], rows: &[Vec<Cell>]) {
    let numeric = numeric_columns(header.len(), rows);
    out.push_str("<div class=\"table-wrap\"><table><thead><tr>");
    for (c, h) in header.iter().enumerate() {
        let class = if numeric[c] { " class=\"n\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (c, cell) in r.iter().enumerate() {
            let class = if numeric.get(c).copied().unwrap_or(false) {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", esc(&cell.to_string()));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}
