//! Dates as days since 1970-01-01 (Arrow `date32`): from `date32`, `date64`, timestamps
//! (truncated to the date) and ISO 8601 strings.

use super::Input;
use crate::error::{Error, Result};
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400) as u32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

/// (year, month, day) of days since 1970-01-01 (Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe as i32 + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

/// Days in month `m` of year `y`.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DD` as an ISO 8601 string.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses `YYYY-MM-DD`, optionally followed by a time (`T…` or ` …`), which is ignored.
pub fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    let date = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    let b = date.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = date[..4].parse().ok()?;
    let m: u32 = date[5..7].parse().ok()?;
    let d: u32 = date[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

impl Input {
    /// A date column as days since 1970-01-01, `None` where null. Accepts `date32`, `date64`,
    /// timestamps of any unit (truncated to the date in UTC, or in the timestamp's own time zone
    /// offset when it is a fixed offset such as `+01:00`) and ISO 8601 strings.
    pub fn dates(&self, ours: &str) -> Result<Vec<Option<i32>>> {
        column_dates(self.column(ours)?, self.name(ours))
    }

    /// A date column that must have no nulls.
    pub fn required_dates(&self, ours: &str) -> Result<Vec<i32>> {
        let dates = self.dates(ours)?;
        match dates.iter().position(Option::is_none) {
            Some(row) => Err(Error::InvalidCell {
                table: None,
                column: self.name(ours).to_owned(),
                row,
                value: "null".to_owned(),
                rule: "a date is required here".to_owned(),
            }),
            None => Ok(dates.into_iter().map(|d| d.unwrap_or_default()).collect()),
        }
    }

    /// True when the table has the column we call `ours` (after mapping).
    pub fn has(&self, ours: &str) -> bool {
        self.batch().column_by_name(self.name(ours)).is_some()
    }

    /// Number of nulls in the column we call `ours`.
    pub fn null_count(&self, ours: &str) -> Result<usize> {
        Ok(self.column(ours)?.logical_null_count())
    }
}

fn parse_strings<'a>(
    values: impl Iterator<Item = Option<&'a str>>,
    name: &str,
) -> Result<Vec<Option<i32>>> {
    values
        .enumerate()
        .map(|(row, v)| match v {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => parse_date(s).map(Some).ok_or_else(|| Error::InvalidCell {
                table: None,
                column: name.to_owned(),
                row,
                value: format!("\"{s}\""),
                rule: "not an ISO 8601 date (YYYY-MM-DD)".to_owned(),
            }),
        })
        .collect()
}

/// Seconds east of UTC of a fixed-offset time zone (`+01:00`, `-0500`, `UTC`, `Z`); named
/// zones (e.g. `Europe/London`) would need a zone database, so they are refused by name.
fn tz_offset_seconds(tz: Option<&str>, column: &str) -> Result<i64> {
    let Some(tz) = tz else { return Ok(0) };
    if matches!(tz, "UTC" | "Z" | "+00:00" | "utc" | "Etc/UTC" | "GMT") {
        return Ok(0);
    }
    let parse = || -> Option<i64> {
        let (sign, rest) = match tz.as_bytes().first()? {
            b'+' => (1, &tz[1..]),
            b'-' => (-1, &tz[1..]),
            _ => return None,
        };
        let digits: String = rest.chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 {
            return None;
        }
        let h: i64 = digits[..2].parse().ok()?;
        let m: i64 = digits[2..].parse().ok()?;
        Some(sign * (h * 3600 + m * 60))
    };
    parse().ok_or_else(|| Error::ColumnType { table: None,
        column: column.to_owned(),
        expected: "a timestamp without time zone, in UTC or with a fixed offset (+01:00); convert named zones to dates first".to_owned(),
        found: format!("timestamp in time zone {tz}"),
    })
}

/// [`Input::dates`] of one column (any slice of it).
pub(crate) fn column_dates(col: &ArrayRef, name: &str) -> Result<Vec<Option<i32>>> {
    const DAY_MS: i64 = 86_400_000;
    let per_day = |unit: &TimeUnit| -> i64 {
        match unit {
            TimeUnit::Second => 86_400,
            TimeUnit::Millisecond => DAY_MS,
            TimeUnit::Microsecond => DAY_MS * 1_000,
            TimeUnit::Nanosecond => DAY_MS * 1_000_000,
        }
    };
    let out = match col.data_type() {
        DataType::Date32 => col.as_primitive::<Date32Type>().iter().collect(),
        DataType::Date64 => col
            .as_primitive::<Date64Type>()
            .iter()
            .map(|v| v.map(|ms| ms.div_euclid(DAY_MS) as i32))
            .collect(),
        DataType::Timestamp(unit, tz) => {
            let offset = tz_offset_seconds(tz.as_deref(), name)? * per_day(unit) / 86_400;
            let day = per_day(unit);
            let ts = |v: Option<i64>| v.map(|t| (t + offset).div_euclid(day) as i32);
            match unit {
                TimeUnit::Second => col
                    .as_primitive::<TimestampSecondType>()
                    .iter()
                    .map(ts)
                    .collect(),
                TimeUnit::Millisecond => col
                    .as_primitive::<TimestampMillisecondType>()
                    .iter()
                    .map(ts)
                    .collect(),
                TimeUnit::Microsecond => col
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .map(ts)
                    .collect(),
                TimeUnit::Nanosecond => col
                    .as_primitive::<TimestampNanosecondType>()
                    .iter()
                    .map(ts)
                    .collect(),
            }
        }
        DataType::Utf8 => parse_strings(col.as_string::<i32>().iter(), name)?,
        DataType::LargeUtf8 => parse_strings(col.as_string::<i64>().iter(), name)?,
        DataType::Utf8View => parse_strings(col.as_string_view().iter(), name)?,
        other => {
            return Err(Error::ColumnType {
                table: None,
                column: name.to_owned(),
                expected: "a date (date32, date64, timestamp or ISO 8601 string)".to_owned(),
                found: other.to_string(),
            })
        }
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn iso_strings() {
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(
            parse_date("2024-01-31T23:59:59Z"),
            Some(days_from_civil(2024, 1, 31))
        );
        assert_eq!(
            parse_date("2024-01-31 10:00"),
            Some(days_from_civil(2024, 1, 31))
        );
        assert_eq!(parse_date("31/01/2024"), None);
        assert_eq!(parse_date("2024-1-31"), None);
        assert_eq!(format_date(days_from_civil(2016, 10, 17)), "2016-10-17");
    }
}
