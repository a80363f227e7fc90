//! Dates as days since 1970-01-01 (Arrow `date32`): from `date32`, `date64`, timestamps
//! (truncated to the date) and ISO 8601 strings.

use super::Input;
use crate::error::{Error, Result};
use crate::limits::{DATE_RANGE, MAX_DATE, MIN_DATE};
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`), for
/// any `y`; `None` when the day count does not fit an `i32` (years beyond about ±5.8 million).
pub fn checked_days_from_civil(y: i32, m: u32, d: u32) -> Option<i32> {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`). Exact
/// for every date an `i32` day count can hold (see [`checked_days_from_civil`]); beyond that
/// it saturates at `i32::MIN` / `i32::MAX`, which every date check refuses as out of range.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    checked_days_from_civil(y, m, d).unwrap_or(if y < 1970 { i32::MIN } else { i32::MAX })
}

/// (year, month, day) of days since 1970-01-01 (Hinnant's `civil_from_days`), for every `i32`
/// (computed in 64 bits, so the extremes do not overflow).
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = i64::from(z) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // |y| < 6 million and 1 <= m <= 12, 1 <= d <= 31: every narrowing below is exact.
    (y as i32, m as u32, d as u32)
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

/// True when `days` is within the supported date range ([`MIN_DATE`]..=[`MAX_DATE`],
/// 1800-01-01 to 2200-12-31).
pub fn in_range(days: i32) -> bool {
    (MIN_DATE..=MAX_DATE).contains(&days)
}

/// `YYYY-MM-DD` (ISO 8601) for a date in the supported range; a day count outside it is
/// printed as the raw number of days, saying so (never a year such as -5877641).
pub fn format_date(days: i32) -> String {
    if !in_range(days) {
        return format!("{days} days since 1970-01-01 (outside {DATE_RANGE})");
    }
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Checks a date option (days since 1970-01-01) against the supported range: an
/// [`Error::InvalidArgument`] naming the option otherwise.
pub fn check_date_option(argument: &str, days: i32) -> Result<()> {
    if in_range(days) {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            argument,
            format!(
                "{days} days since 1970-01-01 is outside the supported date range {DATE_RANGE}"
            ),
        ))
    }
}

/// Parses `YYYY-MM-DD`, optionally followed by a time of day and zone, which are ignored (so
/// the date is the one written; see `is_time`: `2024-04-01 09:30:00 BST`,
/// `2024-04-01T00:30+01:00[Europe/London]`, `2024-04-01 9:30`, `2024-04-01Z`). Anything else
/// after the date is refused, not ignored (`2024-04-01 x` is no date).
/// The date must exist (no 30 February); it may be outside the supported range, which the
/// caller checks (so the message can say "out of range" rather than "not a date").
pub fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    let date = s.get(..10)?;
    let rest = s.get(10..)?;
    if !(rest.is_empty() || is_time(rest)) {
        return None;
    }
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    let y: i32 = date.get(..4)?.parse().ok()?;
    let m: u32 = date.get(5..7)?.parse().ok()?;
    let d: u32 = date.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    checked_days_from_civil(y, m, d)
}

/// True when `rest` (what follows a date) is a time of day as [`parse_date`] reads it: `T`,
/// `t` or spaces, an hour of one or two digits (two when alone), optionally `:MM`, `:SS` and
/// a fraction, then zone words; or zone words alone (`2024-04-01Z`, `2024-04-01+01:00`).
fn is_time(rest: &str) -> bool {
    let b = rest.as_bytes();
    if matches!(b.first(), Some(b'Z' | b'z' | b'+' | b'-')) {
        return is_zone(rest);
    }
    let after = match b.first() {
        Some(b'T' | b't') => &rest[1..],
        Some(b' ') => rest.trim_start_matches(' '),
        _ => return false,
    };
    let b = after.as_bytes();
    let hour = b.iter().take(2).take_while(|c| c.is_ascii_digit()).count();
    let value = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |v, c| v * 10 + u32::from(c - b'0'))
    };
    if hour == 0 || value(0..hour) > 23 {
        return false;
    }
    let mut i = hour;
    // `HH` alone, or `H:MM` / `HH:MM` and on.
    for max in [59, 60] {
        let two = b
            .get(i + 1..i + 3)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        if b.get(i) == Some(&b':') && two && value(i + 1..i + 3) <= max {
            i += 3;
        } else {
            break;
        }
    }
    if i == hour && hour == 1 {
        return false;
    }
    if i == hour + 6 && matches!(b.get(i), Some(b'.' | b',')) {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    is_zone(&after[i..])
}

/// True when `s` is empty or zone words, each after optional spaces: `Z`, an offset `±HH`,
/// `±HHMM` or `±HH:MM`, a name of letters, `/` and `_` (`UTC`, `BST`, `Europe/London`, and
/// `AM`/`PM`), or a bracketed name (`[Europe/London]`). The date is the one written, whatever
/// the zone, so the words are only recognised, not used.
fn is_zone(s: &str) -> bool {
    let mut s = s;
    loop {
        s = s.trim_start_matches(' ');
        let b = s.as_bytes();
        let used = match b.first() {
            None => return true,
            Some(b'[') => match s.find(']') {
                Some(end) => end + 1,
                None => return false,
            },
            Some(b'+' | b'-') => {
                let digits = |r: std::ops::Range<usize>, max: u32| {
                    b.get(r).is_some_and(|d| {
                        d.iter().all(u8::is_ascii_digit)
                            && d.iter().fold(0, |v, c| v * 10 + u32::from(c - b'0')) <= max
                    })
                };
                if !digits(1..3, 23) {
                    return false;
                }
                match b.get(3) {
                    Some(b':') if digits(4..6, 59) => 6,
                    Some(c) if c.is_ascii_digit() && digits(3..5, 59) => 5,
                    Some(c) if c.is_ascii_digit() => return false,
                    Some(b':') => return false,
                    _ => 3,
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let n = b
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'_'))
                    .count();
                // One letter is only `Z` (a stray `x` is not a zone).
                if n == 1 && !matches!(b[0], b'Z' | b'z') {
                    return false;
                }
                n
            }
            Some(_) => return false,
        };
        s = &s[used..];
    }
}

/// A month as `YYYY-MM` (its first day), or any date [`parse_date`] reads: how the reporting
/// months of OAP and the SPC rebase dates are given as text in the CLI and Python.
pub fn parse_month(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.len() == 7 {
        return parse_date(&format!("{s}-01"));
    }
    parse_date(s)
}

impl Input {
    /// A date column as days since 1970-01-01, `None` where null. Accepts `date32`, `date64`,
    /// timestamps of any unit (truncated to the date in UTC, in the timestamp's own time zone
    /// offset when it is a fixed offset such as `+01:00`, or in UK civil time, GMT or BST, when
    /// its zone is `Europe/London`) and ISO 8601 strings.
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
        self.has_column(ours)
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
    let mut tick = crate::cancel::Ticker::new(1 << 16);
    values
        .enumerate()
        .map(|(row, v)| match v {
            _ if tick.tick().is_err() => Err(crate::cancel::cancelled()),
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => match parse_date(s) {
                Some(days) if in_range(days) => Ok(Some(days)),
                Some(_) => Err(out_of_range(name, row, format!("\"{s}\""))),
                None => Err(Error::cell(
                    name,
                    row,
                    format!("\"{s}\""),
                    if s.trim().get(..10).and_then(parse_date).is_some() {
                        "a date followed by text that is not a time of day (HH:MM or \
                         HH:MM:SS, then a zone such as Z, +01:00 or UTC)"
                    } else {
                        "not an ISO 8601 date (YYYY-MM-DD)"
                    },
                )),
            },
        })
        .collect()
}

/// The error of a date outside the supported range; `raw` is the cell as stored (a day
/// count, a timestamp with its unit, or the string), since it has no sensible ISO form.
fn out_of_range(name: &str, row: usize, raw: String) -> Error {
    Error::cell(
        name,
        row,
        raw,
        format!("outside the supported date range {DATE_RANGE}"),
    )
}

/// Days since 1970-01-01 of each value of a numeric date column, range-checked: `day` turns a
/// stored value into a day count (`None` when the arithmetic would overflow); `describe`
/// prints a stored value for the error.
fn numeric_dates<T: Copy>(
    values: impl Iterator<Item = Option<T>>,
    name: &str,
    day: impl Fn(T) -> Option<i64>,
    describe: impl Fn(T) -> String,
) -> Result<Vec<Option<i32>>> {
    let mut tick = crate::cancel::Ticker::new(1 << 16);
    values
        .enumerate()
        .map(|(row, v)| {
            tick.tick()?;
            let Some(raw) = v else { return Ok(None) };
            match day(raw).and_then(|d| i32::try_from(d).ok()) {
                Some(d) if in_range(d) => Ok(Some(d)),
                _ => Err(out_of_range(name, row, describe(raw))),
            }
        })
        .collect()
}

/// How a timestamp's time zone dates it.
enum Zone {
    /// A fixed offset: seconds east of UTC (`+01:00`, `-0500`; 0 for `UTC`, `Z`).
    Fixed(i64),
    /// `Europe/London`: the UK's civil time, GMT or BST ([`super::london`]).
    London,
}

/// The [`Zone`] of a timestamp's time zone; other named zones (e.g. `Europe/Paris`) would need
/// a zone database, so they are refused by name.
fn zone(tz: Option<&str>, column: &str) -> Result<Zone> {
    let Some(tz) = tz else {
        return Ok(Zone::Fixed(0));
    };
    if matches!(
        tz,
        "UTC"
            | "Z"
            | "+00:00"
            | "utc"
            | "Etc/UTC"
            | "GMT"
            | "Etc/GMT"
            | "GMT0"
            | "UCT"
            | "Etc/UCT"
            | "Zulu"
            | "Etc/Zulu"
            | "Universal"
            | "Etc/Universal"
    ) {
        return Ok(Zone::Fixed(0));
    }
    if super::london::NAMES.contains(&tz) {
        return Ok(Zone::London);
    }
    let parse = || -> Option<i64> {
        let (sign, rest) = match tz.as_bytes().first()? {
            b'+' => (1, &tz[1..]),
            b'-' => (-1, &tz[1..]),
            _ => return None,
        };
        let digits: Vec<i64> = rest
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_digit(10).map(i64::from))
            .collect::<Option<_>>()?;
        let [h1, h0, m1, m0] = digits[..] else {
            return None;
        };
        let (h, m) = (h1 * 10 + h0, m1 * 10 + m0);
        Some(sign * (h * 3600 + m * 60))
    };
    parse().map(Zone::Fixed).ok_or_else(|| Error::ColumnType { table: None,
        column: column.to_owned(),
        expected: "a timestamp without time zone, in UTC, in Europe/London or with a fixed offset (+01:00); convert other zones to dates first".to_owned(),
        found: format!("timestamp in time zone {tz}"),
    })
}

/// The first row of `values` (timestamps of `per_second` units a second) before 1981 in
/// `Europe/London`, as an error: the UK's earlier rules are not converted ([`super::london`]).
fn check_london<T: Into<i64> + Copy>(
    values: impl Iterator<Item = Option<T>>,
    per_second: i64,
    name: &str,
    describe: impl Fn(i64) -> String,
) -> Result<()> {
    let first = super::london::FIRST.saturating_mul(per_second);
    match values
        .enumerate()
        .find(|(_, v)| v.is_some_and(|t| t.into() < first))
    {
        Some((row, Some(t))) => Err(Error::cell(
            name,
            row,
            describe(t.into()),
            "a Europe/London time before 1981, whose summer-time rules are not converted: \
             give the column as dates (or in UTC)",
        )),
        _ => Ok(()),
    }
}

/// [`Input::dates`] of one column (any slice of it), every date checked against the
/// supported range ([`crate::limits::MIN_DATE`]..=[`crate::limits::MAX_DATE`]). A column of the
/// Arrow null type is a column of missing dates.
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
    match col.data_type() {
        DataType::Null => Ok(vec![None; col.len()]),
        DataType::Date32 => numeric_dates(
            col.as_primitive::<Date32Type>().iter(),
            name,
            |d| Some(i64::from(d)),
            |d| format!("date32 {d} (days since 1970-01-01)"),
        ),
        DataType::Date64 => numeric_dates(
            col.as_primitive::<Date64Type>().iter(),
            name,
            |ms| Some(ms.div_euclid(DAY_MS)),
            |ms| format!("date64 {ms} (milliseconds since 1970-01-01)"),
        ),
        DataType::Timestamp(unit, tz) => {
            let day = per_day(unit);
            let per_second = day / 86_400;
            let zone = zone(tz.as_deref(), name)?;
            let unit_name = match unit {
                TimeUnit::Second => "s",
                TimeUnit::Millisecond => "ms",
                TimeUnit::Microsecond => "µs",
                TimeUnit::Nanosecond => "ns",
            };
            let describe = |t: i64| format!("timestamp {t} {unit_name} since 1970-01-01");
            let values = match unit {
                TimeUnit::Second => col.as_primitive::<TimestampSecondType>().clone(),
                TimeUnit::Millisecond => col
                    .as_primitive::<TimestampMillisecondType>()
                    .reinterpret_cast(),
                TimeUnit::Microsecond => col
                    .as_primitive::<TimestampMicrosecondType>()
                    .reinterpret_cast(),
                TimeUnit::Nanosecond => col
                    .as_primitive::<TimestampNanosecondType>()
                    .reinterpret_cast(),
            };
            match zone {
                Zone::Fixed(seconds) => {
                    let offset = seconds * per_second;
                    let to_day = |t: i64| t.checked_add(offset).map(|t| t.div_euclid(day));
                    numeric_dates(values.iter(), name, to_day, describe)
                }
                Zone::London => {
                    check_london(values.iter(), per_second, name, describe)?;
                    let to_day = |t: i64| {
                        let offset = super::london::offset(t.div_euclid(per_second))?;
                        t.checked_add(offset * per_second)
                            .map(|t| t.div_euclid(day))
                    };
                    numeric_dates(values.iter(), name, to_day, describe)
                }
            }
        }
        DataType::Utf8 => parse_strings(col.as_string::<i32>().iter(), name),
        DataType::LargeUtf8 => parse_strings(col.as_string::<i64>().iter(), name),
        DataType::Utf8View => parse_strings(col.as_string_view().iter(), name),
        // Dates kept as a pandas categorical or polars Categorical: read as their text, row
        // for row (so errors name the same rows).
        DataType::Dictionary(_, value)
            if matches!(
                value.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            let text = arrow_cast::cast(col, value)
                .map_err(|e| Error::invalid_argument(name, e.to_string()))?;
            column_dates(&text, name)
        }
        other => Err(Error::ColumnType {
            table: None,
            column: name.to_owned(),
            expected: "a date (date32, date64, timestamp or ISO 8601 string)".to_owned(),
            found: super::type_name(other),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_its_first_day_and_a_date_itself() {
        assert_eq!(parse_month("2024-03"), parse_date("2024-03-01"));
        assert_eq!(parse_month(" 2024-03 "), parse_date("2024-03-01"));
        assert_eq!(parse_month("2024-03-17"), parse_date("2024-03-17"));
        for bad in ["2024-13", "2024-3", "March", "2024-02-30"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

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
        // Times of day as exports write them; the date is the one written.
        for good in [
            "2024-01-31T23",
            "2024-01-31t23:59",
            "2024-01-31 23:59:60",
            "2024-01-31 9:30",
            "2024-01-31  09:30",
            "2024-01-31 00:00:00.0000000",
            "2024-01-31T00:30:00,5+01:00",
            "2024-01-31T00:30+0100",
            "2024-01-31T00:30-05",
            "2024-01-31 00:30:00 +01:00",
            "2024-01-31 00:00:00 UTC",
            "2024-01-31 09:30:00 BST",
            "2024-01-31 00:00:00 +0000 UTC",
            "2024-01-31T00:00+01:00[Europe/London]",
            "2024-01-31 12:00:00 AM",
            "2024-01-31T00:00:00z",
            "2024-01-31Z",
            "2024-01-31+01:00",
        ] {
            assert_eq!(
                parse_date(good),
                Some(days_from_civil(2024, 1, 31)),
                "{good}"
            );
        }
        // Anything else after the date is not read as that date.
        for bad in [
            "2024-01-31 garbage",
            "2024-01-31Tnonsense",
            "2024-01-31T",
            "2024-01-31T9",
            "2024-01-31 24:00",
            "2024-01-31T12:60",
            "2024-01-31T12:00:00.",
            "2024-01-31T12:00+1",
            "2024-01-31T12:00+01:0",
            "2024-01-31T12:00+99:00",
            "2024-01-31T12:00 [Europe/London",
            "2024-01-3112:00",
            "2024-01-31 12:00 x",
            "2024-01-31 12:00 #",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(format_date(days_from_civil(2016, 10, 17)), "2016-10-17");
    }
}
