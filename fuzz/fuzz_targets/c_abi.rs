//! cargo fuzz run c_abi: see bindings/c/src/fuzzing.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| collabmetrics_c_abi::fuzzing::run(data));
