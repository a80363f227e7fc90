//! Coordinates of location codes (postcodes, LSOAs, site codes) from the caller's lookup.

use super::NullPolicy;
use crate::error::{Error, Result};
use crate::table::coerce::{decoded, dictionary_rows, is_text, visit_keys, Key};
use crate::table::{display, is_null_at, Diagnostics, Input};
use arrow_array::{cast::AsArray, ArrayRef};
use arrow_schema::DataType;
use std::collections::HashMap;

/// The diagnostic reason of a code the lookup does not hold.
pub const UNKNOWN_CODE: &str = "unknown_location_code";
/// The diagnostic reason of a null code (with [`NullPolicy::Propagate`]).
pub const MISSING_CODE: &str = "missing_location_code";
const NULL_ACTION: &str = "coordinates set to null";
/// What a lookup's code column may hold (in errors).
const CODES: &str = "location codes (string or integer, or a dictionary of either)";

/// A lookup from location code to coordinates (x, y): e.g. ONS Postcode Directory postcodes
/// to grid eastings and northings, or LSOA codes to population-weighted centroids.
///
/// Codes are integers or strings (or a dictionary of either, read as its values), matched as
/// the same kind (integers of any Arrow integer type,
/// read by the table layer's rule: see [`crate::table`]). Strings are compared without
/// whitespace and in upper case, so the ONS Postcode Directory's `pcd` ("AB1  2CD"), `pcd2`
/// and `pcds` ("AB1 2CD") forms, and "ab12cd", all match; an empty code, or one of spaces, is
/// not recorded: a null. A code given twice in the lookup
/// (after that normalisation) is an error naming it.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    text: HashMap<String, u32>,
    integers: HashMap<i64, u32>,
    /// Whether the lookup's codes are integers (otherwise strings).
    integer_codes: bool,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// Coordinates of each input row (NaN where the code is unknown or null) and the counts of
/// such rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The x coordinate of each input row (e.g. easting), NaN where not found.
    pub x: Vec<f64>,
    /// The y coordinate of each input row (e.g. northing), NaN where not found.
    pub y: Vec<f64>,
    /// The rows left without coordinates, by reason ([`UNKNOWN_CODE`], [`MISSING_CODE`]).
    pub diagnostics: Diagnostics,
}

impl Locations {
    /// Builds the lookup from the columns we call `code`, `x` and `y` of `lookup`. Coordinates
    /// must be finite; codes must be present and distinct.
    pub fn from_table(lookup: &Input, code: &str, x: &str, y: &str) -> Result<Self> {
        let xs = finite(lookup, x)?;
        let ys = finite(lookup, y)?;
        let name = lookup.name(code);
        let given = lookup.column(code)?;
        // A dictionary of codes (an ONSPD extract's categorical `pcds`) is read as its values.
        let decoded = decoded(given, name, CODES)?;
        let col = decoded.as_ref().unwrap_or(given);
        let no_code = |row: usize, value: String| Error::InvalidCell {
            table: None,
            column: name.to_owned(),
            row,
            value,
            rule: "every lookup row needs a code".to_owned(),
        };
        let mut locations = Locations {
            x: xs,
            y: ys,
            ..Locations::default()
        };
        locations.integer_codes = !is_text(col.data_type());
        let mut buf = String::new();
        visit_keys(col, name, CODES, |row, key| match key {
            Key::Int(v) => insert(&mut locations.integers, v, row, name, || v.to_string()),
            Key::Str(raw) => match normalise(raw, &mut buf) {
                // A code of spaces, or none, is not recorded (a null).
                "" => Err(no_code(row, format!("\"{raw}\""))),
                key => {
                    let key = key.to_owned();
                    insert(&mut locations.text, key, row, name, || format!("\"{raw}\""))
                }
            },
            Key::Null => Err(no_code(row, "null".to_owned())),
        })?;
        Ok(locations)
    }

    /// Number of codes in the lookup.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when the lookup is empty.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Coordinates of `codes` (a column named `column` in messages). Unknown codes get NaN and
    /// are counted under [`UNKNOWN_CODE`]; a null code (or an empty one, or one of spaces:
    /// not recorded) is an error naming the row, or with [`NullPolicy::Propagate`] gets NaN and
    /// is counted under [`MISSING_CODE`].
    pub fn locate(&self, codes: &ArrayRef, column: &str, nulls: NullPolicy) -> Result<Located> {
        let rows = self.rows(codes, column)?;
        if nulls == NullPolicy::Error {
            if let Some(row) = rows.iter().position(|f| matches!(f, Found::Null)) {
                let value = if is_null_at(codes.as_ref(), row) {
                    "null".to_owned()
                } else {
                    format!("\"{}\"", display(codes.as_ref(), row))
                };
                return Err(Error::InvalidCell {
                    table: None,
                    column: column.to_owned(),
                    row,
                    value,
                    rule: "missing location codes (null, empty or spaces) are not allowed \
                           unless nulls pass through (nulls = \"propagate\")"
                        .to_owned(),
                });
            }
        }
        let mut out = Located {
            x: Vec::with_capacity(rows.len()),
            y: Vec::with_capacity(rows.len()),
            diagnostics: Diagnostics::new(),
        };
        for (i, found) in rows.into_iter().enumerate() {
            match found {
                Found::At(k) => {
                    out.x.push(self.x[k as usize]);
                    out.y.push(self.y[k as usize]);
                    continue;
                }
                Found::Unknown => out.diagnostics.record(UNKNOWN_CODE, NULL_ACTION, Some(i)),
                Found::Null => out.diagnostics.record(MISSING_CODE, NULL_ACTION, Some(i)),
            }
            out.x.push(f64::NAN);
            out.y.push(f64::NAN);
        }
        Ok(out)
    }

    /// The lookup row of each code.
    fn rows(&self, codes: &ArrayRef, column: &str) -> Result<Vec<Found>> {
        if let DataType::Dictionary(_, _) = codes.data_type() {
            // Look each distinct value up once, then map the keys.
            let per_value = self.rows(codes.as_any_dictionary().values(), column)?;
            return Ok(dictionary_rows(codes, &per_value, Found::Null));
        }
        let t = codes.data_type();
        let kind_error = |expected: &str| {
            Error::column_type(
                column,
                format!("{expected}, like the lookup's codes"),
                crate::table::type_name(t),
            )
        };
        if t.is_integer() && !self.integer_codes {
            return Err(kind_error("strings"));
        }
        if is_text(t) && self.integer_codes {
            return Err(kind_error("integers"));
        }
        let mut buf = String::new();
        let mut out = Vec::with_capacity(codes.len());
        visit_keys(codes, column, LOCATION_CODES, |_, key| {
            out.push(match key {
                Key::Null => Found::Null,
                Key::Int(v) => found(self.integers.get(&v)),
                Key::Str(v) => match normalise(v, &mut buf) {
                    // A code of spaces, or none, is not recorded (a null).
                    "" => Found::Null,
                    key => found(self.text.get(key)),
                },
            });
            Ok(())
        })?;
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy)]
enum Found {
    At(u32),
    Unknown,
    Null,
}

fn found(row: Option<&u32>) -> Found {
    row.map_or(Found::Unknown, |&k| Found::At(k))
}

/// What a location code column may be.
const LOCATION_CODES: &str = "location codes (string, integer or dictionary)";

/// `code` without whitespace, in upper case (empty for a code of spaces, which is not
/// recorded: callers read it as a null): borrowed when it already is (the usual case),
/// otherwise written into `buf`, so looking codes up allocates nothing per row.
fn normalise<'a>(code: &'a str, buf: &'a mut String) -> &'a str {
    let clean = |c: char| !c.is_whitespace() && !c.is_ascii_lowercase();
    if code.chars().all(clean) {
        return code;
    }
    buf.clear();
    buf.extend(
        code.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase()),
    );
    buf
}

fn insert<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, u32>,
    key: K,
    row: usize,
    column: &str,
    show: impl Fn() -> String,
) -> Result<()> {
    if let Some(&first) = map.get(&key) {
        return Err(Error::InvalidCell {
            table: None,
            column: column.to_owned(),
            row,
            value: show(),
            rule: format!(
                "location code {} appears twice in the lookup (rows {first} and {row}); \
                 each code needs one location",
                show()
            ),
        });
    }
    map.insert(key, row as u32);
    Ok(())
}

/// A coordinate column of the lookup: numbers, no nulls, finite.
fn finite(lookup: &Input, ours: &str) -> Result<Vec<f64>> {
    let values = lookup.f64s(ours)?;
    if let Some(row) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::InvalidCell {
            table: None,
            column: lookup.name(ours).to_owned(),
            row,
            value: crate::error::format_value(values[row]),
            rule: "lookup coordinates must be finite numbers".to_owned(),
        });
    }
    Ok(values.into_owned())
}
