//! The fuzz targets as bounded property tests (stable Rust, run in CI): each target gets a
//! fixed number of pseudo-random inputs (more with `COLLABMETRICS_FUZZ_CASES`); proptest
//! shrinks a failing input to a small one and keeps it in `targets.proptest-regressions`.

use proptest::prelude::*;

fn cases(default: u32) -> u32 {
    std::env::var("COLLABMETRICS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default),
        max_shrink_iters: 4000,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/targets.proptest-regressions"
            )),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(3000))]
    #[test]
    fn scalar_kernels(data in proptest::collection::vec(any::<u8>(), 0..1500)) {
        collabmetrics_fuzz::kernels::run(&data);
    }
}

proptest! {
    #![proptest_config(config(1500))]
    #[test]
    fn table_ingest(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
        collabmetrics_fuzz::tables::run(&data);
    }
}
