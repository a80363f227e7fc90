//! Disclosure control: publishable tables of patient counts (`spec/disclosure.md`;
//! `docs/methods/disclosure.md`).
//!
//! [`disclose`] applies a small-number rule to every count of a table and returns the
//! publishable table with a log of what changed:
//!
//! * **Rules** ([`Rule`]): `nhs_mhsds` (default; NHS England's MHSDS publications: counts
//!   below 5, zero included, suppressed, the others rounded to the nearest 5), `nhs_hes`
//!   (NHS Digital's HES/ECDS rule: 1–7 suppressed, 0 shown, others rounded to 5), `none`, and
//!   `custom(k, suppress_zero, base)`. National (England) rows are never changed.
//! * **Margins** of one- and two-way tables are recomputed from unrounded parts and controlled
//!   like any count (never the sum of rounded cells).
//! * **Derived values** (percentages, proportions, rates, ratios, means) come from unrounded
//!   counts, are suppressed with their numerator (and, with `suppress_on = "either"`, their
//!   denominator) or below `min_denominator`, and are rounded to their decimals.
//! * **Secondary suppression** ([`Secondary`]): under a rounding rule none (`auto`), else the
//!   hypercube method on one- and two-way tables ([`hypercube`](self) module docs).
//! * **Audit**: for every suppressed count, the smallest and largest value an attacker can
//!   infer from everything published (two linear programmes, `good_lp` with `microlp`); a
//!   table protected by suppression fails with an error naming a primary cell whose interval
//!   does not cover the rule's whole suppressed range, and under rounding the intervals are
//!   reported in the log.
//!
//! collabmetrics' results say which of their columns are counts and what derives from them
//! ([`crate::table::Roles`]), so `disclose` needs no column lists for them.
//!
//! ```
//! use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
//! use collabmetrics::disclosure::{disclose, DisclosureOptions};
//! use collabmetrics::table::{ColumnMap, Input};
//! use std::sync::Arc;
//!
//! // Parts 3, 12, 26 of a one-way table: the total is published from the unrounded 41.
//! let batch = RecordBatch::try_from_iter([
//!     ("place", Arc::new(StringArray::from(vec!["A", "B", "C"])) as ArrayRef),
//!     ("n", Arc::new(Int64Array::from(vec![3, 12, 26])) as ArrayRef),
//! ])
//! .unwrap();
//! let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
//! let opts = DisclosureOptions {
//!     counts: Some(vec!["n".into()]),
//!     dimensions: Some(vec!["place".into()]),
//!     ..DisclosureOptions::default()
//! };
//! let out = disclose(&input, &opts).unwrap();
//! let n: Vec<Option<i64>> = out
//!     .table
//!     .table
//!     .column_by_name("n")
//!     .unwrap()
//!     .as_any()
//!     .downcast_ref::<Int64Array>()
//!     .unwrap()
//!     .iter()
//!     .collect();
//! assert_eq!(n, vec![None, Some(10), Some(25), Some(40)]); // not 35
//! ```

mod audit;
mod derived;
mod hypercube;
mod log;
mod margins;
mod publish;
mod rules;
mod table;

pub use crate::table::{Derived, DerivedKind};
pub use audit::audit_two_way;
pub use log::{log_batch, LogEntry, Reason};
pub use publish::{left_out_note, publish, unpinned, Publication};
pub use rules::{Display, Rule, Secondary, SuppressOn};
pub use table::{disclose, Disclosure, DisclosureOptions};
