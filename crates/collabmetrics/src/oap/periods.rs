//! Reporting periods: calendar months as an index (months since January 1970) and windows.

use crate::table::{civil_from_days, days_from_civil, days_in_month};

/// The month index (months since 1970-01) of a date in days since 1970-01-01.
pub fn month_of(day: i32) -> i32 {
    let (y, m, _) = civil_from_days(day);
    y * 12 + m as i32 - 1 - 1970 * 12
}

/// First day of month index `m`.
pub fn month_start(m: i32) -> i32 {
    let (y, mo) = split(m);
    days_from_civil(y, mo, 1)
}

/// Last day of month index `m`.
pub fn month_end(m: i32) -> i32 {
    let (y, mo) = split(m);
    days_from_civil(y, mo, days_in_month(y, mo))
}

fn split(m: i32) -> (i32, u32) {
    let total = m + 1970 * 12;
    (total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
}

crate::option_enum! {
    /// The length of each reporting period, ending in its reporting month.
    #[derive(Default)]
    pub enum Window: "window", "window" {
        /// The calendar month (M).
        #[default]
        Month = "month",
        /// The rolling 3 months ending in the month (Q): the headline for bed days.
        Rolling3m = "rolling_3m",
        /// The rolling 12 months ending in the month (Y).
        Rolling12m = "rolling_12m",
    }
}

impl Window {
    /// Number of months in the window.
    pub fn months(self) -> i32 {
        match self {
            Window::Month => 1,
            Window::Rolling3m => 3,
            Window::Rolling12m => 12,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip() {
        let d = days_from_civil(2024, 2, 14);
        let m = month_of(d);
        assert_eq!(month_start(m), days_from_civil(2024, 2, 1));
        assert_eq!(month_end(m), days_from_civil(2024, 2, 29));
        assert_eq!(month_of(days_from_civil(1969, 12, 31)), -1);
        assert_eq!(month_end(-1), days_from_civil(1969, 12, 31));
        assert_eq!(
            month_start(month_of(days_from_civil(2025, 1, 1)) - 2),
            days_from_civil(2024, 11, 1)
        );
    }
}
