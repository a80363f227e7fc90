//! Reading the input table into units: every row checked (naming its column and row), rows of
//! a unit added up, PHE rates' denominators derived from their published rates.

use super::options::{Resolved, Statistic};
use crate::error::{Error, Result};
use crate::table::groups::FxHasher;
use crate::table::{display, Diagnostics, Input};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, Int64Array, UInt32Array};
use arrow_schema::DataType;
use rayon::prelude::*;
use std::hash::Hasher;
use std::sync::Arc;

/// The units of one call: a key per unit and its summed counts.
#[derive(Debug, Clone)]
pub(crate) struct Units {
    /// One value per unit: the unit column's value, or the row number without one.
    pub keys: ArrayRef,
    /// Numerator O per unit.
    pub o: Vec<f64>,
    /// Denominator per unit (PHE rates: the derived person-time, NaN where PHE has none).
    pub n: Vec<f64>,
    /// PHE rates: the published rate per unit (0 for 0 events).
    pub rate: Vec<f64>,
    /// The first input row of each unit.
    pub first_row: Vec<usize>,
}

impl Units {
    /// Number of units.
    pub fn len(&self) -> usize {
        self.o.len()
    }

    /// The unit's key as text, for errors and diagnostics.
    pub fn label(&self, i: usize) -> String {
        display(self.keys.as_ref(), i)
    }

    /// The units whose index `keep` says, in order.
    pub fn select(&self, keep: &[bool]) -> Result<Units> {
        let idx: Vec<u32> = (0..self.len())
            .filter(|&i| keep[i])
            .map(|i| i as u32)
            .collect();
        let take = arrow_array::UInt32Array::from(idx.clone());
        let keys = arrow_select::take::take(self.keys.as_ref(), &take, None)
            .map_err(|e| Error::invalid_argument("unit", e.to_string()))?;
        let pick = |v: &[f64]| -> Vec<f64> {
            if v.is_empty() {
                Vec::new()
            } else {
                idx.iter().map(|&i| v[i as usize]).collect()
            }
        };
        Ok(Units {
            keys,
            o: pick(&self.o),
            n: pick(&self.n),
            rate: pick(&self.rate),
            first_row: idx.iter().map(|&i| self.first_row[i as usize]).collect(),
        })
    }
}

/// Checks the columns a call reads up front (required ones present, numbers numeric), so a
/// wrong extract fails before any work with an error naming the column.
fn check_columns(input: &Input, o: &super::FunnelOptions, r: &Resolved) -> Result<()> {
    let rate = r.statistic.is_rate();
    let mut numbers = vec![
        (o.numerator.as_str(), true),
        (o.denominator.as_str(), !rate),
    ];
    if rate {
        numbers.push((o.rate.as_str(), true));
    }
    for (name, required) in numbers {
        if !required && !input.has_column(name) {
            continue;
        }
        let t = input.data_type(name)?;
        // Arrow's null type (an all-empty CSV column) is a column of missing numbers: refused
        // by row where the values are read, like any other missing value.
        if !(crate::table::holds_numbers(t) || t == &DataType::Null) {
            return Err(Error::column_type(
                input.name(name),
                crate::table::NUMBER,
                crate::table::type_name(t),
            ));
        }
    }
    if let Some(unit) = &o.unit {
        input.column(unit)?;
    }
    // A mapping pair that names none of these (`numerater=obs`) is an error, not ignored.
    let mut names = vec![
        o.numerator.as_str(),
        o.denominator.as_str(),
        o.rate.as_str(),
    ];
    names.extend(o.unit.as_deref());
    crate::table::check_mapping(&[("", input, names)])
}

/// The unit of each row (dense codes), with each unit's key and first row. Without a unit
/// column every row is its own unit, keyed by its row number.
fn group_rows(input: &Input, unit: Option<&str>) -> Result<(Vec<u32>, ArrayRef, Vec<usize>)> {
    let n = input.num_rows();
    match unit {
        None => Ok((
            (0..n as u32).collect(),
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
            (0..n).collect(),
        )),
        Some(unit) => {
            let col = input.column(unit)?;
            let first_null = col
                .logical_nulls()
                .and_then(|nulls| nulls.iter().position(|valid| !valid));
            if let Some(row) = first_null {
                return Err(Error::cell(
                    input.name(unit),
                    row,
                    "null",
                    "every row needs a unit",
                ));
            }
            if all_distinct(col) {
                // One row per unit, the usual shape of funnel data: no grouping needed.
                return Ok(((0..n as u32).collect(), col.clone(), (0..n).collect()));
            }
            let codes = input.codes(unit)?;
            let units = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            if units == n {
                // One row per unit (codes are in order of first appearance, so unit i is row
                // i): the column itself is the keys, without a copy.
                return Ok((codes, col.clone(), (0..n).collect()));
            }
            let mut first = vec![usize::MAX; units];
            for (row, &c) in codes.iter().enumerate() {
                let slot = &mut first[c as usize];
                if *slot == usize::MAX {
                    *slot = row;
                }
            }
            let take = UInt32Array::from_iter_values(first.iter().map(|&r| r as u32));
            let keys = arrow_select::take::take(col.as_ref(), &take, None)
                .map_err(|e| Error::invalid_argument("unit", e.to_string()))?;
            Ok((codes, keys, first))
        }
    }
}

/// True when every value of a string or integer column is known to differ: each value's
/// 64-bit key (the integer itself, or a hash of the string) is computed and sorted in parallel
/// and no two keys are equal. Equal keys (a repeated unit, or a hash collision) and other
/// types answer false, and the caller groups the rows exactly.
fn all_distinct(col: &ArrayRef) -> bool {
    fn hash(s: &str) -> u64 {
        let mut h = FxHasher::default();
        h.write(s.as_bytes());
        h.write_usize(s.len());
        h.finish()
    }
    // Nulls were refused before; the value under one would only make a key.
    let n = col.len();
    let mut keys: Vec<u64> = match col.data_type() {
        DataType::Utf8 => {
            let s = col.as_string::<i32>();
            (0..n).into_par_iter().map(|i| hash(s.value(i))).collect()
        }
        DataType::LargeUtf8 => {
            let s = col.as_string::<i64>();
            (0..n).into_par_iter().map(|i| hash(s.value(i))).collect()
        }
        DataType::Utf8View => {
            let s = col.as_string_view();
            (0..n).into_par_iter().map(|i| hash(s.value(i))).collect()
        }
        DataType::Int64 => col
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .map(|&v| v as u64)
            .collect(),
        DataType::Int32 => col
            .as_primitive::<Int32Type>()
            .values()
            .iter()
            .map(|&v| i64::from(v) as u64)
            .collect(),
        _ => return false,
    };
    keys.par_sort_unstable();
    keys.par_windows(2).all(|w| w[0] != w[1])
}

/// Reads and checks the rows, and adds them up by unit.
pub(crate) fn read(
    input: &Input,
    o: &super::FunnelOptions,
    r: &Resolved,
    diag: &mut Diagnostics,
) -> Result<Units> {
    check_columns(input, o, r)?;
    // An empty unit is not recorded, as an empty CSV field is: an error, not a unit "".
    let input = &*input.empty_columns_as_null(o.unit.as_deref())?;
    if r.statistic.is_rate() {
        return read_rates(input, o, r);
    }
    let num = input.f64s(&o.numerator)?;
    let den = input.f64s(&o.denominator)?;
    let (num_name, den_name) = (input.name(&o.numerator), input.name(&o.denominator));
    let proportion = r.statistic.is_proportion();
    for (row, (&x, &d)) in num.iter().zip(den.iter()).enumerate() {
        check_row(num_name, den_name, row, x, d, proportion)?;
    }
    let (codes, keys, first_row) = group_rows(input, o.unit.as_deref())?;
    let units = keys.len();
    let (mut sum_o, mut sum_n) = (vec![0.0; units], vec![0.0; units]);
    for (i, &c) in codes.iter().enumerate() {
        sum_o[c as usize] += num[i];
        sum_n[c as usize] += den[i];
    }
    let merged = codes.len() - units;
    if merged > 0 {
        let first = codes
            .iter()
            .enumerate()
            .find(|&(i, &c)| first_row[c as usize] != i)
            .map(|(i, _)| i);
        diag.add(
            "rows_added_up",
            "rows of the same unit: numerators and denominators summed into one unit",
            merged as u64,
            first,
        );
    }
    Ok(Units {
        keys,
        o: sum_o,
        n: sum_n,
        rate: Vec::new(),
        first_row,
    })
}

/// One row's numerator and denominator against the rules.
fn check_row(
    num_name: &str,
    den_name: &str,
    row: usize,
    x: f64,
    d: f64,
    proportion: bool,
) -> Result<()> {
    let text = crate::error::format_value;
    if !(x.is_finite() && x >= 0.0) {
        return Err(Error::cell(
            num_name,
            row,
            text(x),
            "numerators must be finite and >= 0",
        ));
    }
    if !(d.is_finite() && d > 0.0) {
        return Err(Error::cell(
            den_name,
            row,
            text(d),
            "denominators must be finite and > 0",
        ));
    }
    if proportion && x > d {
        return Err(Error::cell(
            num_name,
            row,
            text(x),
            format!(
                "a proportion's numerator must not exceed its denominator ({})",
                text(d)
            ),
        ));
    }
    Ok(())
}

/// PHE rates: one row per unit (a published rate cannot be added up); the person-time behind
/// each rate is derived as `multiplier × O / rate` (crude rates with 0 events: the
/// denominator; DSRs with 0 events: none).
fn read_rates(input: &Input, o: &super::FunnelOptions, r: &Resolved) -> Result<Units> {
    let num = input.f64s(&o.numerator)?;
    let rate = input.f64s_or_nan(&o.rate)?;
    let den_present = input.has_column(&o.denominator);
    let den = if den_present {
        Some(input.f64s_or_nan(&o.denominator)?)
    } else {
        None
    };
    let (num_name, rate_name, den_name) = (
        input.name(&o.numerator),
        input.name(&o.rate),
        input.name(&o.denominator),
    );
    let text = crate::error::format_value;
    let m = r.multiplier;
    let dsr = r.statistic == Statistic::RateDsr;
    let rows = num.len();
    let (mut n, mut value) = (vec![f64::NAN; rows], vec![0.0; rows]);
    for row in 0..rows {
        let x = num[row];
        if !(x.is_finite() && x >= 0.0) {
            return Err(Error::cell(
                num_name,
                row,
                text(x),
                "numerators must be finite and >= 0",
            ));
        }
        let d = den.as_ref().map_or(f64::NAN, |d| d[row]);
        if !(d.is_nan() || (d.is_finite() && d > 0.0)) {
            return Err(Error::cell(
                den_name,
                row,
                text(d),
                "denominators must be finite and > 0",
            ));
        }
        if x > 0.0 {
            let v = rate[row];
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::cell(
                    rate_name,
                    row,
                    if v.is_nan() {
                        "null".to_owned()
                    } else {
                        text(v)
                    },
                    "every record with events needs its published rate, finite and > 0",
                ));
            }
            n[row] = m * x / v;
            value[row] = v;
        } else if !dsr {
            if den.is_none() {
                return Err(Error::cell(
                    num_name,
                    row,
                    "0",
                    format!(
                        "a crude rate with 0 events needs a denominator: the table has no \
                         column `{den_name}`"
                    ),
                ));
            }
            if d.is_nan() {
                return Err(Error::cell(
                    den_name,
                    row,
                    "null",
                    "a crude rate with 0 events needs a denominator > 0",
                ));
            }
            n[row] = d;
        }
        if x == 0.0 {
            // PHE charts the published rate as given (calculate_funnel_points: rate_chart =
            // rate): a missing one stays missing (NA in PHE), a negative or infinite one is
            // not a rate.
            let v = rate[row];
            if !(v.is_nan() || (v.is_finite() && v >= 0.0)) {
                return Err(Error::cell(
                    rate_name,
                    row,
                    text(v),
                    "published rates must be finite and >= 0 (null when not published)",
                ));
            }
            value[row] = v;
        }
    }
    let (codes, keys, first_row) = group_rows(input, o.unit.as_deref())?;
    if keys.len() != rows {
        let mut seen = vec![usize::MAX; keys.len()];
        for (row, &c) in codes.iter().enumerate() {
            let slot = &mut seen[c as usize];
            if *slot != usize::MAX {
                return Err(Error::group_error(
                    display(keys.as_ref(), c as usize),
                    format!(
                        "the unit is in rows {} and {}; a published rate cannot be added up, so \
                         PHE rates need one row per unit",
                        *slot, row
                    ),
                ));
            }
            *slot = row;
        }
    }
    Ok(Units {
        keys,
        o: num.into_owned(),
        n,
        rate: value,
        first_row,
    })
}
