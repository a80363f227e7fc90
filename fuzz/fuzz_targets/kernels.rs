//! cargo fuzz run kernels: see crates/collabmetrics-fuzz/src/kernels.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| collabmetrics_fuzz::kernels::run(data));
