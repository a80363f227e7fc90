//! The fuzz targets as bounded tests (stable Rust, run in CI): each target gets a fixed
//! sequence of pseudo-random inputs (`COLLABMETRICS_FUZZ_CASES` to change how many, and
//! `COLLABMETRICS_FUZZ_SEED` to start elsewhere). A failing input is written to
//! `target/fuzz-failures/` for `cargo run -p collabmetrics-fuzz --example replay`, and the
//! test fails naming it. `cargo fuzz` (see `fuzz/`) explores the same targets with coverage
//! guidance when a nightly toolchain is at hand.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: a fixed stream of bytes per case.
fn bytes(case: u64, seed: u64, max_len: usize) -> Vec<u8> {
    let mut s = (case.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
    let mut next = || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let len = (next() % max_len as u64) as usize;
    (0..len).map(|_| (next() >> 56) as u8).collect()
}

fn run(name: &str, default_cases: u64, max_len: usize, target: fn(&[u8])) {
    let cases = setting("COLLABMETRICS_FUZZ_CASES", default_cases);
    let seed = setting("COLLABMETRICS_FUZZ_SEED", 0);
    // Failures are reported once, below, with the input; not by the default hook per case.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failure = None;
    for case in 0..cases {
        let data = bytes(case, seed, max_len);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| target(&data))) {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failure = Some((case, data, message));
            break;
        }
    }
    std::panic::set_hook(previous);
    if let Some((case, data, message)) = failure {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-failures");
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("{name}-{seed}-{case}.bin"));
        let _ = std::fs::write(&file, &data);
        panic!(
            "{name}: case {case} failed: {message}\n  input: {}\n  replay: cargo run -p collabmetrics-fuzz --example replay -- {name} {}",
            file.display(),
            file.display()
        );
    }
}

#[test]
fn scalar_kernels() {
    run("kernels", 100_000, 1500, collabmetrics_fuzz::kernels::run);
}

#[test]
fn table_ingest() {
    run("tables", 20_000, 3000, collabmetrics_fuzz::tables::run);
}
