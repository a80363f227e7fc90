//! cargo fuzz run tables: see crates/collabmetrics-fuzz/src/tables.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| collabmetrics_fuzz::tables::run(data));
