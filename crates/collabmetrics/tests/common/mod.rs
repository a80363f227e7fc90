//! Reading the reference vectors in the repository's `tests/reference/<source>/` (each folder's
//! README.md names the peer package, its commit and licence, and the call behind each column).

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

/// The repository's folder of reference vectors, `tests/reference/`. Nothing outside the
/// repository is read: a missing file fails the test that wanted it.
pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference")
}

/// A CSV file as rows of named fields (double-quoted fields may contain commas).
pub fn read_csv(rel: &str) -> Vec<HashMap<String, String>> {
    let path = reference_dir().join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reference vector {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = split(lines.next().expect("header"));
    lines
        .map(|l| header.iter().cloned().zip(split(l)).collect())
        .collect()
}

fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in line.trim_end_matches('\r').chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// A numeric field, or None when empty / NA.
pub fn num(row: &HashMap<String, String>, key: &str) -> Option<f64> {
    let s = row.get(key)?.trim();
    if s.is_empty() || s == "NA" {
        None
    } else {
        Some(
            s.parse()
                .unwrap_or_else(|_| panic!("{key}: not a number: {s}")),
        )
    }
}

/// "95%" → 0.95, "99.8%" → 0.998.
pub fn percent(s: &str) -> f64 {
    s.trim().trim_end_matches('%').parse::<f64>().unwrap() / 100.0
}

/// Asserts |a − b| <= tol·max(|b|, 1e-300) with a readable message.
#[track_caller]
pub fn close(a: f64, b: f64, tol: f64, what: &str) {
    let scale = b.abs().max(1e-300);
    assert!(
        (a - b).abs() <= tol * scale,
        "{what}: got {a}, expected {b} (relative error {:e})",
        (a - b).abs() / scale
    );
}
