//! Out-of-area placements (`docs/methods/oap.md`): NHS England's OAP01–OAP11 per reporting period
//! and breakdown.
//!
//! | code | column | what |
//! |---|---|---|
//! | OAP01 | `started` | placements with `start_date` in the period |
//! | OAP02 | `bed_days` | nights in the period: `min(end, RP_end + 1) − max(start, RP_start)`, ≥ 0 |
//! | OAP03 | `active_at_end` | started by the period end and `end_date` null or after it |
//! | OAP04 | `ended` | `end_date` in the period, with length-of-stay bands `los_*` |
//! | OAP05–07 | `rate_started`, `rate_active_at_end`, `rate_ended` | per `multiplier` population, Byar/exact |
//! | OAP08–11 | `proportion_started`, `proportion_bed_days`, `proportion_active_at_end`, `proportion_ended` | of all admissions' measures × 100, Wilson |
//!
//! The work is one pass over the placements, adding each to the months it touches (a
//! placement spanning k months costs O(k)), then rolling sums for 3- and 12-month windows:
//! every additive measure (started, ended, bed days, same-day, length-of-stay bands, cost) of
//! a window is the sum of its months; `active_at_end` is that of the window's last month.

mod codes;
mod kernel;
mod periods;
mod state;
mod table;

pub use codes::{OverlapRule, ReasonClass, ReasonMap, DEFAULT_BED_TYPES};
pub use kernel::{accumulate, pence, Monthly, Spells, LOS_BANDS, MAX_DAILY_COST};
pub use periods::{month_end, month_of, month_start, Window};
pub use state::{finalize, state, state_listing, state_schema};
pub use table::{measures, OapOptions, ADMISSION_COLUMNS, PLACEMENT_COLUMNS, POPULATION_COLUMNS};
