//! The counting kernel: each placement added to every month it touches.

use super::periods::{month_of, month_start};
use crate::error::{check_len, Error, Result};
use crate::limits::{DATE_RANGE, MAX_DATE, MIN_DATE};

/// Length-of-stay bands of ended placements, in nights: (column, lowest, highest). The
/// published bands are 1–7, 8–14, 15–30, 31+; same-day placements (0 nights) get `los_0` so
/// the bands always sum to `ended`.
pub const LOS_BANDS: [(&str, i32, i32); 5] = [
    ("los_0", 0, 0),
    ("los_1_7", 1, 7),
    ("los_8_14", 8, 14),
    ("los_15_30", 15, 30),
    ("los_31_plus", 31, i32::MAX),
];

/// The largest daily cost in pounds (£1 000 000 000): a night's cost in pence, times the nights
/// of a month, stays far inside a signed 64-bit integer; a group's month of such rows can
/// exceed it (a `limit_exceeded` error naming `daily_cost`).
pub const MAX_DAILY_COST: f64 = 1.0e9;

/// The error of a group's cost in one month beyond a signed 64-bit count of pence.
fn cost_overflow() -> Error {
    Error::limit(
        "daily_cost",
        "a group's cost in one month exceeds £92 233 720 368 547 758.07 (a signed 64-bit \
         count of pence)",
    )
}

/// A daily cost in pounds as whole pence (rounded half away from zero): costs are money, and
/// whole pence add exactly in any order. `None` for a missing (NaN) cost.
///
/// A half penny is decided by the cost as written, its decimal, as a decimal column's is: the
/// product's own rounding would decide otherwise (1.005 × 100 = 100.4999… rounds to 1.00, and
/// 2.675 × 100 = 267.5000…1). The cost is a half penny as written when it is the double
/// nearest to n/1000 for a whole n ending in 5 (n its thousandths, rounded): the division of
/// two exact doubles is correctly rounded, so the test is exact at every size up to the
/// largest cost (no tolerance, which the doubles' spacing outgrows above £10⁸).
pub fn pence(cost: f64) -> Option<i64> {
    if cost.is_nan() {
        return None;
    }
    let thousandths = (cost * 1000.0).round();
    if (thousandths % 10.0).abs() == 5.0 && thousandths / 1000.0 == cost {
        // Half away from zero: ±5 thousandths more, then whole pence.
        return Some(((thousandths + 5.0f64.copysign(cost)) / 10.0) as i64);
    }
    Some((cost * 100.0).round() as i64)
}

/// Placements (or admissions) as parallel columns; dates in days since 1970-01-01.
#[derive(Debug, Clone, Copy)]
pub struct Spells<'a> {
    /// Start date of each spell.
    pub start: &'a [i32],
    /// `None` while the spell is open.
    pub end: &'a [Option<i32>],
    /// Dense group code of each spell (0..n_groups).
    pub group: &'a [u32],
    /// Number of groups (every code in `group` is below it).
    pub n_groups: usize,
    /// Daily cost in pence, `None` where not recorded (see [`pence`]).
    pub daily_cost: Option<&'a [Option<i64>]>,
}

/// Monthly measures per group, indexed `[group * n_months + month - first_month]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Monthly {
    /// The first month counted (months since January 1970, see [`super::month_of`]).
    pub first_month: i32,
    /// Number of months counted.
    pub n_months: usize,
    /// Number of groups.
    pub n_groups: usize,
    /// Spells starting in the month (OAP01).
    pub started: Vec<i64>,
    /// Spells ending in the month (OAP04).
    pub ended: Vec<i64>,
    /// Spells active at the month's end: started by then, end null or after it (OAP03).
    pub active_at_end: Vec<i64>,
    /// Nights spent in the month (admission night counts, discharge night does not; OAP02).
    pub bed_days: Vec<i64>,
    /// Spells starting and ending on the same day in the month (0 nights).
    pub same_day: Vec<i64>,
    /// One vector per [`LOS_BANDS`] entry.
    pub los: [Vec<i64>; 5],
    /// Σ nights × daily cost in pence over the month's nights that have a recorded cost:
    /// whole pence, so that sums over months, groups or partitions are exact.
    pub cost_pence: Vec<i64>,
    /// The number of those nights (the bed days behind `cost`).
    pub cost_days: Vec<i64>,
}

impl Monthly {
    pub(crate) fn zeroed(first_month: i32, n_months: usize, n_groups: usize) -> Self {
        let n = n_months * n_groups;
        let z = || vec![0i64; n];
        Monthly {
            first_month,
            n_months,
            n_groups,
            started: z(),
            ended: z(),
            active_at_end: z(),
            bed_days: z(),
            same_day: z(),
            los: [z(), z(), z(), z(), z()],
            cost_pence: z(),
            cost_days: z(),
        }
    }

    /// Sum of `v` over the `w` months ending at month offset `m` of group `g` (months before
    /// the first are absent, i.e. zero).
    pub fn window_sum<T: Copy + std::iter::Sum<T>>(
        &self,
        v: &[T],
        g: usize,
        m: usize,
        w: usize,
    ) -> T {
        window_sum(v, self.n_months, g, m, w)
    }
}

/// [`Monthly::window_sum`] of a vector of `n_months` months per group, on its own.
pub(crate) fn window_sum<T: Copy + std::iter::Sum<T>>(
    v: &[T],
    n_months: usize,
    g: usize,
    m: usize,
    w: usize,
) -> T {
    let row = g * n_months;
    v[row + m + 1 - w.min(m + 1)..=row + m]
        .iter()
        .copied()
        .sum()
}

/// Adds every spell to the months `first_month .. first_month + n_months` it touches.
///
/// Counting rules (`docs/methods/oap.md`): a spell starts in the month of its start date and
/// ends in the month of its end date; it is active at a month's end when it started by then
/// and its end is null or after that day; its nights in a month are `min(end, month_end + 1) −
/// max(start, month_start)` floored at 0 (admission day counts, discharge day does not). An
/// open spell runs to the end of every month, or through `cutoff` (the data cut-off date,
/// whose night still counts) when that is earlier.
///
/// Errors: more month × group cells than [`crate::limits::MAX_WORKING_BYTES`] allows, months
/// beyond the supported date range, a group code not below `n_groups`, columns of different
/// lengths, or a cancelled call. Dates are assumed checked (as the table layer does); any
/// `i32` is safe all the same (the arithmetic is in 64 bits or saturating).
pub fn accumulate(
    spells: &Spells<'_>,
    first_month: i32,
    n_months: usize,
    cutoff: Option<i32>,
) -> Result<Monthly> {
    check_len("end", spells.end.len(), "start", spells.start.len())?;
    check_len("group", spells.group.len(), "start", spells.start.len())?;
    if let Some(c) = spells.daily_cost {
        check_len("daily_cost", c.len(), "start", spells.start.len())?;
    }
    if let Some(i) = spells
        .group
        .iter()
        .position(|&g| g as usize >= spells.n_groups)
    {
        return Err(Error::invalid_value(
            "group",
            i,
            f64::from(spells.group[i]),
            "group codes must be below n_groups",
        ));
    }
    let months = i32::try_from(n_months)
        .ok()
        .filter(|&m| {
            first_month
                .checked_add(m)
                .is_some_and(|end| end <= month_of(MAX_DATE) + 1)
        })
        .filter(|_| first_month >= month_of(MIN_DATE) - 12)
        .ok_or_else(|| {
            Error::invalid_argument(
                "n_months",
                format!("the months run beyond the supported date range {DATE_RANGE}"),
            )
        })?;
    crate::limits::check_memory(
        "n_months",
        "the month × group counts",
        n_months as u128 * spells.n_groups as u128,
        104,
    )?;
    let mut out = Monthly::zeroed(first_month, n_months, spells.n_groups);
    // bounds[k] = first day of month k; bounds[n_months] = the day after the last month.
    let bounds: Vec<i32> = (0..=months).map(|k| month_start(first_month + k)).collect();
    let last = months - 1;
    // Months from the first: read from a table of the counted months' days (no calendar
    // arithmetic per spell). A day before the first month reads −1 and one after the last
    // reads `months`: the rules below treat every offset below 0 alike, and every one above
    // `last` alike, so these are the calendar's offsets as far as they can tell.
    let (lo, hi) = (bounds[0], bounds[n_months]);
    let month_at: Vec<i32> = (0..months)
        .flat_map(|k| {
            std::iter::repeat_n(k, (bounds[k as usize + 1] - bounds[k as usize]) as usize)
        })
        .collect();
    let offset = |day: i32| {
        if day < lo {
            -1
        } else if day >= hi {
            months
        } else {
            month_at[(day - lo) as usize]
        }
    };
    let mut tick = crate::cancel::Ticker::new(1 << 16);
    for i in 0..spells.start.len() {
        tick.tick()?;
        let (s, e) = (spells.start[i], spells.end[i]);
        let row = spells.group[i] as usize * n_months;
        let sm = offset(s);
        if (0..=last).contains(&sm) {
            out.started[row + sm as usize] += 1;
            if e == Some(s) {
                out.same_day[row + sm as usize] += 1;
            }
        }
        if let Some(e) = e {
            let em = offset(e);
            if (0..=last).contains(&em) {
                out.ended[row + em as usize] += 1;
                let nights = i64::from(e) - i64::from(s);
                let band = LOS_BANDS
                    .iter()
                    .position(|&(_, lo, hi)| nights >= i64::from(lo) && nights <= i64::from(hi))
                    .unwrap_or(0);
                out.los[band][row + em as usize] += 1;
            }
        }
        // Active at the end of months sm ..= em − 1 (open: through the last month).
        let active_to = e.map_or(last, |e| offset(e).saturating_sub(1)).min(last);
        for m in sm.max(0)..=active_to {
            out.active_at_end[row + m as usize] += 1;
        }
        // Nights: the spell occupies [s, stop) with stop exclusive.
        let stop = match (e, cutoff) {
            (Some(e), _) => e,
            (None, Some(c)) => c.saturating_add(1),
            (None, None) => bounds[n_months],
        };
        if stop <= s {
            continue;
        }
        let cost = spells.daily_cost.and_then(|c| c[i]);
        for m in sm.max(0)..=offset(stop.saturating_sub(1)).min(last) {
            let k = m as usize;
            let nights = i64::from(stop.min(bounds[k + 1])) - i64::from(s.max(bounds[k]));
            if nights > 0 {
                out.bed_days[row + k] += nights;
                if let Some(c) = cost {
                    // At most £10⁹ a night × 31 nights a row: only millions of such rows in one
                    // month reach i64's limit, an error rather than a wrapped sum.
                    let sum = &mut out.cost_pence[row + k];
                    *sum = sum.checked_add(c * nights).ok_or_else(cost_overflow)?;
                    out.cost_days[row + k] += nights;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::days_from_civil as d;

    #[test]
    fn half_pennies_round_as_written() {
        // Half away from zero on the decimal as written, as a decimal column: 1.005 × 100 is
        // 100.4999… in floats and 2.675 × 100 is 267.5000…1, which rounded 1.00 and 2.68.
        let cases = [
            (1.005, 101),
            (2.675, 268),
            (0.125, 13),
            (0.115, 12),
            (12.345, 1235),
            (1.004, 100),
            (1.006, 101),
            (99.995, 10_000),
            (0.0, 0),
            (1_000_000_000.0, 100_000_000_000),
            (-1.005, -101),
            (0.005, 1),
            // Above £10⁸ the doubles' spacing of cost × 100 outgrew a tolerance (an audit's
            // cases: 134 704 059.015 had given …01).
            (134_704_059.015, 13_470_405_902),
            (608_346_541.425, 60_834_654_143),
            (999_999_999.995, 100_000_000_000),
        ];
        for (cost, want) in cases {
            assert_eq!(pence(cost), Some(want), "{cost}");
        }
        assert_eq!(pence(f64::NAN), None);
    }

    /// Costs written with three decimals, at every size up to the largest: the pence by
    /// integer arithmetic on the decimal text (half away from zero) against [`pence`] of the
    /// parsed double.
    #[test]
    fn three_decimal_costs_round_as_their_text_at_every_size() {
        let mut rng = crate::inequality::rng::Rng::new(11, 0);
        for _ in 0..200_000 {
            // Thousandths up to 10¹² (£10⁹), spread over the magnitudes.
            let digits = 1 + rng.next_u64() % 12;
            let n = rng.next_u64() % 10u64.pow(digits as u32);
            let text = format!("{}.{:03}", n / 1000, n % 1000);
            let cost: f64 = text.parse().unwrap();
            let want = (n / 10 + u64::from(n % 10 >= 5)) as i64;
            assert_eq!(pence(cost), Some(want), "{text}");
        }
    }

    fn one(start: i32, end: Option<i32>, cutoff: Option<i32>) -> Monthly {
        let spells = Spells {
            start: &[start],
            end: &[end],
            group: &[0],
            n_groups: 1,
            daily_cost: None,
        };
        // January to March 2024.
        accumulate(&spells, month_of(d(2024, 1, 1)), 3, cutoff).unwrap()
    }

    #[test]
    fn spanning_months_by_hand() {
        // 20 Jan → 10 Mar 2024: Jan nights 20..31 = 12, Feb 29 (leap year), Mar 1..9 = 9.
        let m = one(d(2024, 1, 20), Some(d(2024, 3, 10)), None);
        assert_eq!(m.bed_days, [12, 29, 9]);
        assert_eq!(m.started, [1, 0, 0]);
        assert_eq!(m.ended, [0, 0, 1]);
        assert_eq!(m.active_at_end, [1, 1, 0]);
        assert_eq!(m.los[4], [0, 0, 1], "50 nights: 31+");
    }

    #[test]
    fn same_day_and_first_to_last_day() {
        let m = one(d(2024, 2, 5), Some(d(2024, 2, 5)), None);
        assert_eq!(
            (m.bed_days, m.same_day, m.los[0].clone()),
            (vec![0, 0, 0], vec![0, 1, 0], vec![0, 1, 0])
        );
        // 1 Feb → 29 Feb: 28 nights in Feb, ended in Feb, not active at the end of Feb.
        let m = one(d(2024, 2, 1), Some(d(2024, 2, 29)), None);
        assert_eq!(m.bed_days, [0, 28, 0]);
        assert_eq!(m.active_at_end, [0, 0, 0]);
        // Ending on 1 March: active at the end of February, 29 nights in February.
        let m = one(d(2024, 2, 1), Some(d(2024, 3, 1)), None);
        assert_eq!(m.bed_days, [0, 29, 0]);
        assert_eq!(m.active_at_end, [0, 1, 0]);
    }

    #[test]
    fn open_placements_run_to_the_period_end_or_the_cutoff() {
        let m = one(d(2024, 1, 30), None, None);
        assert_eq!(m.bed_days, [2, 29, 31]);
        assert_eq!(m.active_at_end, [1, 1, 1]);
        // Cut-off 10 March: nights through the night of 10 March (1..=10 = 10 nights).
        let m = one(d(2024, 1, 30), None, Some(d(2024, 3, 10)));
        assert_eq!(m.bed_days, [2, 29, 10]);
    }

    #[test]
    fn spells_outside_the_months_touch_nothing_or_only_their_part() {
        let m = one(d(2023, 12, 25), Some(d(2024, 1, 3)), None);
        assert_eq!(m.started, [0, 0, 0]);
        assert_eq!(m.bed_days, [2, 0, 0]);
        assert_eq!(m.ended, [1, 0, 0]);
        let m = one(d(2024, 4, 2), None, None);
        assert_eq!(m.bed_days, [0, 0, 0]);
        assert_eq!(m.active_at_end, [0, 0, 0]);
    }

    /// Random spells (inside, across and outside the months; open ones; a cut-off) against
    /// the rules applied day by day with the calendar's `month_of`.
    #[test]
    fn random_spells_match_the_rules_day_by_day() {
        let first = month_of(d(2023, 11, 1));
        let n_months = 7;
        let month_end = |k: usize| super::super::periods::month_end(first + k as i32);
        let in_window = |day: i32| {
            let m = month_of(day) - first;
            (0..n_months as i32).contains(&m).then_some(m as usize)
        };
        let mut x: u64 = 11;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let (mut start, mut end, mut group) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..3000 {
            let s = d(2023, 6, 1) + next(500) as i32;
            start.push(s);
            end.push((next(5) != 0).then(|| s + next(120) as i32));
            group.push(next(3) as u32);
        }
        for cutoff in [None, Some(d(2024, 3, 10))] {
            let spells = Spells {
                start: &start,
                end: &end,
                group: &group,
                n_groups: 3,
                daily_cost: None,
            };
            let got = accumulate(&spells, first, n_months, cutoff).unwrap();
            let mut want = Monthly::zeroed(first, n_months, 3);
            let period_end = month_end(n_months - 1);
            for i in 0..start.len() {
                let (s, e, row) = (start[i], end[i], group[i] as usize * n_months);
                if let Some(m) = in_window(s) {
                    want.started[row + m] += 1;
                    want.same_day[row + m] += i64::from(e == Some(s));
                }
                if let Some((e, m)) = e.and_then(|e| Some((e, in_window(e)?))) {
                    want.ended[row + m] += 1;
                    let nights = e - s;
                    let band = LOS_BANDS
                        .iter()
                        .position(|&(_, lo, hi)| nights >= lo && nights <= hi)
                        .unwrap();
                    want.los[band][row + m] += 1;
                }
                for k in 0..n_months {
                    let last_day = month_end(k);
                    if s <= last_day && e.is_none_or(|e| e > last_day) {
                        want.active_at_end[row + k] += 1;
                    }
                }
                // Each night [day, day + 1) in the spell: to the end date (exclusive), or open
                // through the cut-off's night, or to the last month's end.
                let stop = e.unwrap_or(cutoff.map_or(period_end + 1, |c| c + 1));
                for day in s..stop {
                    if let Some(m) = in_window(day) {
                        want.bed_days[row + m] += 1;
                    }
                }
            }
            assert_eq!(got, want, "cut-off {cutoff:?}");
        }
    }

    #[test]
    fn rolling_sums() {
        let m = one(d(2024, 1, 20), Some(d(2024, 3, 10)), None);
        assert_eq!(m.window_sum(&m.bed_days, 0, 2, 3), 50);
        assert_eq!(
            m.window_sum(&m.bed_days, 0, 1, 3),
            41,
            "months before the first are absent"
        );
        assert_eq!(m.window_sum(&m.bed_days, 0, 2, 1), 9);
    }
}
