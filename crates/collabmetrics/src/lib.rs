//! # collabmetrics
//!
//! One documented, tested definition of the outcome metrics NHS mental health provider
//! collaboratives report: out-of-area placements, travel distance, transition disengagement
//! for 16–25s, inequality indices and the SPC charts boards read them through, built on the
//! confidence-interval methods England's public health statistics publish with (PHE / OHID
//! Fingertips, the R package PHEindicatormethods).
//!
//! The crate is pure Rust. The C ABI (`bindings/c`) and the Python package (`bindings/python`,
//! `python/`) are thin layers over it: every number comes from here.
//!
//! * [`stats`]: kernels over slices: [`stats::proportion`] (Wilson), [`stats::rate`] (Byar /
//!   exact Poisson), [`stats::dsr`] (Dobson), [`stats::isr`], [`stats::mean`] (Student t), and
//!   their table entry points ([`stats::proportion_table`], …).
//! * [`distance`]: travel distance: BNG, geodesic and haversine distances, BNG → WGS84,
//!   location lookups and distance summaries (median interval, share beyond 50 km, bands).
//! * [`table`]: the generic Arrow layer: column mapping, type checks and coercion, dates,
//!   grouping, diagnostics, tidy results.
//! * [`oap`]: out-of-area placements, OAP01–OAP11 per period and breakdown.
//! * [`inequality`]: inequality indices: PHE's SII/RII with simulated limits, the WHO HEAT
//!   grouped measures (D, R, ACI, RCI, BGV, BGSD, COV, MDB, MDM, MDR, IDIS, TI, MLD, PAF, PAR)
//!   and a table entry point, and Gini (with Lorenz points), Theil, MLD, Atkinson, GE(α),
//!   share ratios, decompositions, concentration indices and bootstrap intervals of
//!   individual values.
//! * [`transition`]: transition disengagement for 16–25s moving from CYPMHS to adult
//!   services: cohorts T and B, metrics T1–T9 by breakdown, time to the first adult contact.
//! * [`rng`]: the seeded generator behind every simulation (and the `collabmetrics-demo`
//!   crate's synthetic collaborative, kept out of this crate so a service does not compile it).
//! * [`spc`]: statistical process control: XmR charts with NHS "Making Data Count" rules
//!   (NHSRplotthedots), point types and the variation and assurance icons, many series at once.
//! * [`funnel`]: funnel plots: PHE / Fingertips limits and significance, FunnelPlotR's
//!   overdispersed funnels (SR, PR, RC) and Spiegelhalter's exact limits, per unit and as
//!   limits tables.
//! * [`disclosure`]: small-number suppression and rounding for publication (NHS MHSDS and HES
//!   rules), margins, derived values, hypercube secondary suppression and the LP audit.
//! * [`error`]: one [`Error`] type naming the argument or column, the first bad row and the rule.
//! * [`limits`]: the documented bounds on dates, repetitions, rows and working memory.
//! * [`cancel`]: cancelling a long computation (Ctrl-C in Python, a flag in C).
//! * [`options`]: every option's names and defaults, which the C, Python and command-line faces
//!   take from here.
//! * [`mod@panic`]: the guard the language boundaries run their calls in (a panic becomes an
//!   [`ErrorKind::Internal`] error, without a message on standard error).
//!
//! ```
//! use collabmetrics::stats::{proportion, ProportionOptions};
//! let est = proportion(&[65.0], &[100.0], &ProportionOptions::default()).unwrap();
//! assert!((est.lower[0] - 0.5525444329688797).abs() < 1e-12); // PHEindicatormethods
//! ```

#![warn(missing_docs)]
// No panic reachable from input: `unwrap`/`expect` are refused outside tests; each remaining
// invariant is an `#[allow]` with the reason beside it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub(crate) mod buffer;
pub mod cancel;
pub mod disclosure;
pub mod distance;
pub mod error;
pub mod funnel;
pub mod inequality;
pub mod limits;
pub mod oap;
pub mod options;
pub mod panic;
mod pool;
pub mod rng;
pub mod spc;
pub mod state;
pub mod stats;
pub(crate) mod sum;
pub mod table;
pub mod transition;

pub use error::{Error, ErrorKind, Result};

/// The library version (the crate version), as reported by every binding.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The repository's README, whose Rust examples `cargo test --doc` compiles and runs, so the
/// snippets a new user pastes cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
