//! Arrow in and out: column mapping, type checks, grouping and tidy results.
//!
//! Every table entry point takes Arrow `RecordBatch`es (one table, possibly in several
//! batches), looks its columns up by our names through an optional [`ColumnMap`], converts them
//! to the slices the kernels want (without copying when they already are `Float64` with no
//! nulls), and returns one tidy `RecordBatch`. Errors name the caller's column and the row
//! (counted from 0 across all batches).
//!
//! Identifier and code columns (person and referral identifiers, location codes, NHS Data
//! Dictionary codes, age bands given as lower ages) follow one rule in every module: text, or
//! integers of any Arrow integer type (`Int8` … `Int64`, `UInt8` … `UInt64`) read as `i64`,
//! so the same identifier matches whichever integer type each table stores it in. A `UInt64`
//! value above `i64::MAX` is an error naming the column and row, never wrapped round to a
//! negative number.

pub(crate) mod coerce;
mod columns;
mod dates;
mod diagnostics;
pub(crate) mod groups;
mod london;
pub mod roles;
pub(crate) mod short;
pub(crate) mod tidy;
mod types;
mod utf8;
pub use tidy::append_column;
pub use types::type_name;

pub use columns::{
    check_mapping, spec_names, Categories, ColumnKind, ColumnMap, ColumnSpec, Input,
};
pub(crate) use columns::{
    dictionary_keys, dictionary_slots, first_null, holds_numbers, is_null_at, value_type, NUMBER,
};
pub(crate) use dates::column_dates;
pub use dates::{
    check_date_option, checked_days_from_civil, civil_from_days, days_from_civil, days_in_month,
    format_date, in_range, parse_date, parse_month,
};
pub use diagnostics::{Diagnostic, Diagnostics, Flag, TableResult, DIAGNOSTICS_KEY};
pub use groups::display;
pub use groups::Groups;
pub use roles::{Derived, DerivedKind, Label, Link, Roles, ROLES_KEY};
