//! Statistical process control (`docs/methods/spc.md`): XmR charts read with NHS England's
//! "Making Data Count" rules, as the R package NHSRplotthedots computes them.
//!
//! Per series (the `by` columns) and segment (cut at `rebase` dates):
//!
//! * the centre line is the mean of the segment's baseline points (its first
//!   `fix_after_n_points`, or all); the average moving range (AMR) of the baseline, with
//!   ranges of at least 3.267·AMR screened out by default, sets the natural process limits
//!   mean ± 2.66·AMR and the 2σ band mean ± (2·2.66/3)·AMR ([`limits`]);
//! * each point is judged by four rules in priority order, the first that applies naming it
//!   ([`SpecialCause`]): outside the limits, a trend of 7 rising or falling, two of three
//!   beyond 2σ on one side, a shift of 7 on one side of the mean ([`rules`]);
//! * its [`PointType`] reads the signal against the improvement direction; the latest point
//!   gives the [`Variation`] icon and the latest limits against a target the [`Assurance`]
//!   icon.
//!
//! [`xmr`] returns one row per point, [`summary`] one row per series and segment; [`chart`]
//! charts one series held in slices. Options ([`SpcOptions`]) default to NHSRplotthedots';
//! [`RuleSet::Mdc2023`] selects Making Data Count's current Excel behaviour. Where this module
//! departs from NHSRplotthedots it says so on the item (and in `docs/methods/spc.md`).

mod chart;
mod icons;
pub mod limits;
mod options;
pub mod rules;
mod segments;
mod table;

pub use chart::{chart, Chart};
pub use icons::{Assurance, Variation};
pub use limits::{Limits, LIMIT, SCREEN};
pub use options::{
    Improvement, OnMean, Rebase, RuleSet, SeriesDates, SeriesKey, SeriesTarget, SpcOptions, Target,
    Ties,
};
pub use rules::{PointType, SpecialCause};
pub use table::{summary, xmr, xmr_and_summary, COLUMNS, POINT_COLUMNS, SUMMARY_COLUMNS};
