//! The C ABI fuzz target (`crate::fuzzing`) as a bounded test: a fixed sequence of
//! pseudo-random inputs (`COLLABMETRICS_FUZZ_CASES`, `COLLABMETRICS_FUZZ_SEED` to change it);
//! a failing input is written to `target/fuzz-failures/` and named in the failure.

#[test]
fn c_abi() {
    let cases: u64 = std::env::var("COLLABMETRICS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = std::env::var("COLLABMETRICS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for case in 0..cases {
        let mut s = (case + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
        let mut next = || {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let len = (next() % 3000) as usize;
        let data: Vec<u8> = (0..len).map(|_| (next() >> 56) as u8).collect();
        let outcome = std::panic::catch_unwind(|| crate::fuzzing::run(&data));
        if outcome.is_err() {
            let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("c_abi-{seed}-{case}.bin"));
            let _ = std::fs::write(&file, &data);
            panic!("c_abi: case {case} failed; input in {}", file.display());
        }
    }
}

#[test]
#[ignore = "prints how deep the C ABI fuzz inputs get"]
fn c_abi_coverage() {
    let cases = 3000u64;
    let mut statuses = std::collections::BTreeMap::new();
    for case in 0..cases {
        let mut s = (case + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut next = || {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let len = (next() % 3000) as usize;
        let data: Vec<u8> = (0..len).map(|_| (next() >> 56) as u8).collect();
        crate::fuzzing::run(&data);
        *statuses
            .entry(crate::cm_last_error_code() as i32)
            .or_insert(0) += 1;
    }
    println!("{statuses:?}");
}
