//! The UK's civil date of an instant: timestamps in `Europe/London` (GMT in winter, BST, one
//! hour ahead, in summer) are dated as a ward's clock shows them, so an admission at 00:30 BST
//! falls on its own day rather than the UTC day before.
//!
//! The zone's rules since 1981, from the tz database (`GB-Eire` and `EU` rules): summer time
//! from the last Sunday of March to, until 1989, the first Sunday on or after 23 October, in
//! 1990–1995 the first Sunday on or after 22 October, and since 1996 the last Sunday of
//! October, each change at 01:00 UTC. Earlier instants (the rules changed almost yearly, and
//! 1968–1971 kept summer time all year) are refused rather than guessed.

use super::dates::{civil_from_days, days_from_civil, days_in_month};

/// Names under which the tz database keeps this one zone's rules (its links: `GB`,
/// `GB-Eire`, Northern Ireland's `Europe/Belfast` and the Crown Dependencies').
pub(crate) const NAMES: [&str; 7] = [
    "Europe/London",
    "GB",
    "GB-Eire",
    "Europe/Belfast",
    "Europe/Jersey",
    "Europe/Guernsey",
    "Europe/Isle_of_Man",
];

/// Seconds since 1970-01-01 UTC of the first instant converted: 1981-01-01 00:00 UTC.
pub(crate) const FIRST: i64 = 347_155_200;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// Day of the week of a day count, 0 for Sunday (1970-01-01 was a Thursday).
fn weekday(days: i32) -> i32 {
    (days + 4).rem_euclid(7)
}

/// The first Sunday on or after `days`.
fn sunday_from(days: i32) -> i32 {
    days + (7 - weekday(days)) % 7
}

/// The last Sunday of month `m` of year `y`.
fn last_sunday(y: i32, m: u32) -> i32 {
    let last = days_from_civil(y, m, days_in_month(y, m));
    last - weekday(last)
}

/// The first and last day (exclusive) of British Summer Time in year `y` (from 1981), as day
/// counts; each change happens at 01:00 UTC of its day.
fn summer(y: i32) -> (i32, i32) {
    let end = match y {
        ..=1989 => sunday_from(days_from_civil(y, 10, 23)),
        1990..=1995 => sunday_from(days_from_civil(y, 10, 22)),
        _ => last_sunday(y, 10),
    };
    (last_sunday(y, 3), end)
}

/// Seconds to add to `utc` (seconds since 1970-01-01 UTC) for the UK's clock time: 3 600 in
/// summer time, 0 in winter; `None` before 1981 (see the module's documentation).
pub(crate) fn offset(utc: i64) -> Option<i64> {
    if utc < FIRST {
        return None;
    }
    // Dates beyond an i32 day count are out of every supported range; no summer time there.
    let Ok(day) = i32::try_from(utc.div_euclid(DAY)) else {
        return Some(0);
    };
    let (start, end) = summer(civil_from_days(day).0);
    let change = |d: i32| i64::from(d) * DAY + HOUR;
    Some(if (change(start)..change(end)).contains(&utc) {
        HOUR
    } else {
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::parse_date;

    /// The first and last day of British Summer Time in each year, from the tz database
    /// (Python's `zoneinfo.ZoneInfo("Europe/London")`, scanned hour by hour), every change at
    /// 01:00 UTC.
    const TZDATA: [(i32, &str, &str); 57] = [
        (1981, "03-29", "10-25"),
        (1982, "03-28", "10-24"),
        (1983, "03-27", "10-23"),
        (1984, "03-25", "10-28"),
        (1985, "03-31", "10-27"),
        (1986, "03-30", "10-26"),
        (1987, "03-29", "10-25"),
        (1988, "03-27", "10-23"),
        (1989, "03-26", "10-29"),
        (1990, "03-25", "10-28"),
        (1991, "03-31", "10-27"),
        (1992, "03-29", "10-25"),
        (1993, "03-28", "10-24"),
        (1994, "03-27", "10-23"),
        (1995, "03-26", "10-22"),
        (1996, "03-31", "10-27"),
        (1997, "03-30", "10-26"),
        (1998, "03-29", "10-25"),
        (1999, "03-28", "10-31"),
        (2000, "03-26", "10-29"),
        (2001, "03-25", "10-28"),
        (2002, "03-31", "10-27"),
        (2003, "03-30", "10-26"),
        (2004, "03-28", "10-31"),
        (2005, "03-27", "10-30"),
        (2006, "03-26", "10-29"),
        (2007, "03-25", "10-28"),
        (2008, "03-30", "10-26"),
        (2009, "03-29", "10-25"),
        (2010, "03-28", "10-31"),
        (2011, "03-27", "10-30"),
        (2012, "03-25", "10-28"),
        (2013, "03-31", "10-27"),
        (2014, "03-30", "10-26"),
        (2015, "03-29", "10-25"),
        (2016, "03-27", "10-30"),
        (2017, "03-26", "10-29"),
        (2018, "03-25", "10-28"),
        (2019, "03-31", "10-27"),
        (2020, "03-29", "10-25"),
        (2021, "03-28", "10-31"),
        (2022, "03-27", "10-30"),
        (2023, "03-26", "10-29"),
        (2024, "03-31", "10-27"),
        (2025, "03-30", "10-26"),
        (2026, "03-29", "10-25"),
        (2027, "03-28", "10-31"),
        (2028, "03-26", "10-29"),
        (2029, "03-25", "10-28"),
        (2030, "03-31", "10-27"),
        (2031, "03-30", "10-26"),
        (2032, "03-28", "10-31"),
        (2033, "03-27", "10-30"),
        (2034, "03-26", "10-29"),
        (2035, "03-25", "10-28"),
        (2036, "03-30", "10-26"),
        (2037, "03-29", "10-25"),
    ];

    fn at(day: &str, seconds: i64) -> i64 {
        i64::from(parse_date(day).unwrap()) * DAY + seconds
    }

    #[test]
    fn the_changes_agree_with_the_tz_database() {
        for (y, start, end) in TZDATA {
            let (start, end) = (format!("{y}-{start}"), format!("{y}-{end}"));
            // Just before and at each change, at 01:00 UTC.
            assert_eq!(offset(at(&start, HOUR - 1)), Some(0), "{start}");
            assert_eq!(offset(at(&start, HOUR)), Some(HOUR), "{start}");
            assert_eq!(offset(at(&end, HOUR - 1)), Some(HOUR), "{end}");
            assert_eq!(offset(at(&end, HOUR)), Some(0), "{end}");
            // Midwinter and midsummer.
            assert_eq!(offset(at(&format!("{y}-01-15"), 0)), Some(0));
            assert_eq!(offset(at(&format!("{y}-07-15"), 0)), Some(HOUR));
        }
    }

    #[test]
    fn before_1981_is_not_converted() {
        assert_eq!(FIRST, at("1981-01-01", 0));
        assert_eq!(offset(FIRST - 1), None);
        assert_eq!(offset(FIRST), Some(0));
        assert_eq!(offset(i64::MAX), Some(0));
    }
}
