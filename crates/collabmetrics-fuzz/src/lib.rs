//! Fuzz targets of collabmetrics, shared by the bounded property tests that run in CI on
//! stable Rust (`tests/targets.rs`) and the `cargo fuzz` targets (`fuzz/`, nightly).
//!
//! Each target takes the fuzzer's bytes, builds arbitrary inputs from them ([`arb`]) and
//! calls the library, asserting the invariants of [`check`]: no panic, no internal error,
//! no infinity or NaN in a result where a number exists. A failing input is a bug; once fixed
//! it becomes a named regression test (`tests/regressions.rs`).
//!
//! * [`tables::run`]: every table entry point fed arbitrary Arrow tables;
//! * [`kernels::run`]: the scalar kernels fed arbitrary floats and options.

pub mod arb;
pub mod check;
pub mod kernels;
pub mod tables;

/// Prints what a target is about to call when `COLLABMETRICS_FUZZ_TRACE` is set (for the
/// `replay` example).
#[macro_export]
macro_rules! trace {
    ($($arg:tt)*) => {
        if std::env::var_os("COLLABMETRICS_FUZZ_TRACE").is_some() {
            eprintln!($($arg)*);
        }
    };
}
