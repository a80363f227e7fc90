//! The library's documented limits, in one place: every parameter that sets how much work or
//! memory a call takes is bounded here, and a request beyond a bound is refused up front with
//! an [`Error::LimitExceeded`] naming the parameter, the limit and what was asked (never an
//! allocation failure, an abort or a run of hours).
//!
//! | what | limit | why |
//! |---|---|---|
//! | dates (every date column and date option) | [`MIN_DATE`]..=[`MAX_DATE`], 1800-01-01 to 2200-12-31 | date arithmetic cannot overflow; sentinels stay apart from dates |
//! | rows of one input table | [`MAX_ROWS`] (2³² − 2) | rows are indexed with 32-bit integers |
//! | simulation and bootstrap repetitions | [`MAX_REPS`] (10⁷) | the limits' Monte Carlo error is negligible long before |
//! | values resampled by a bootstrap (values × repetitions) | [`MAX_RESAMPLED_VALUES`] (10¹⁰) | about an hour of work on one core |
//! | working memory sized by an option (repetitions × tables, months × groups, ...) | [`MAX_WORKING_BYTES`] (4 GiB) | refused before allocating instead of aborting |
//!
//! Memory that grows with the input itself (a copy of a column, a sort buffer) is not limited
//! here: the caller already holds the input.

use crate::error::{Error, Result};

/// The earliest supported date, 1800-01-01, in days since 1970-01-01.
pub const MIN_DATE: i32 = -62_091;
/// The latest supported date, 2200-12-31, in days since 1970-01-01.
pub const MAX_DATE: i32 = 84_370;
/// The supported date range in words, for messages and documentation.
pub const DATE_RANGE: &str = "1800-01-01 to 2200-12-31";

/// Most rows of one input table (row numbers are held in 32-bit integers; `u32::MAX` is kept
/// free as a marker).
pub const MAX_ROWS: usize = u32::MAX as usize - 1;

/// Most repetitions of a simulation (SII, HEAT measures) or bootstrap.
pub const MAX_REPS: usize = 10_000_000;

/// Most values a bootstrap resamples in all: input values × repetitions.
pub const MAX_RESAMPLED_VALUES: u128 = 10_000_000_000;

/// Most working memory a call sizes from its options (bytes).
pub const MAX_WORKING_BYTES: u128 = 4 << 30;

/// Checks a repetition count against [`MAX_REPS`].
pub fn check_reps(argument: &str, reps: usize) -> Result<()> {
    if reps <= MAX_REPS {
        Ok(())
    } else {
        Err(Error::limit(
            argument,
            format!("at most {MAX_REPS} repetitions are allowed (got {reps})"),
        ))
    }
}

/// Checks that `items` elements of `bytes_each` bytes (computed without overflow) fit in
/// [`MAX_WORKING_BYTES`]; `what` says what they are, for the message.
pub fn check_memory(argument: &str, what: &str, items: u128, bytes_each: u128) -> Result<()> {
    let bytes = items.saturating_mul(bytes_each);
    if bytes <= MAX_WORKING_BYTES {
        Ok(())
    } else {
        Err(Error::limit(
            argument,
            format!(
                "{what} would need about {} of working memory; the limit is {}",
                human_bytes(bytes),
                human_bytes(MAX_WORKING_BYTES)
            ),
        ))
    }
}

/// Checks the number of values a bootstrap resamples (`n` values × `reps`).
pub fn check_resampled(n: usize, reps: usize) -> Result<()> {
    let total = (n as u128).saturating_mul(reps as u128);
    if total <= MAX_RESAMPLED_VALUES {
        Ok(())
    } else {
        Err(Error::limit(
            "reps",
            format!(
                "{n} values × {reps} repetitions = {total} resampled values; the limit is \
                 {MAX_RESAMPLED_VALUES} (use fewer repetitions)"
            ),
        ))
    }
}

/// Checks a table's number of rows against [`MAX_ROWS`].
pub fn check_rows(argument: &str, rows: usize) -> Result<()> {
    if rows <= MAX_ROWS {
        Ok(())
    } else {
        Err(Error::limit(
            argument,
            format!("a table may have at most {MAX_ROWS} rows (got {rows})"),
        ))
    }
}

fn human_bytes(bytes: u128) -> String {
    const GIB: u128 = 1 << 30;
    const MIB: u128 = 1 << 20;
    if bytes >= GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{days_from_civil, format_date};

    #[test]
    fn the_date_range_is_what_it_says() {
        assert_eq!(days_from_civil(1800, 1, 1), MIN_DATE);
        assert_eq!(days_from_civil(2200, 12, 31), MAX_DATE);
        assert_eq!(
            format!("{} to {}", format_date(MIN_DATE), format_date(MAX_DATE)),
            DATE_RANGE
        );
    }

    #[test]
    fn limits_refuse_with_the_argument() {
        assert!(check_reps("reps", MAX_REPS).is_ok());
        let e = check_reps("reps", 1 << 61).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded);
        assert_eq!(e.argument(), Some("reps"));
        let e = check_memory("reps", "the replicates", u128::MAX, 8).unwrap_err();
        assert!(e.to_string().contains("GiB"), "{e}");
        assert!(check_resampled(1000, 1000).is_ok());
        assert!(check_resampled(1 << 40, 1 << 40).is_err());
    }
}
