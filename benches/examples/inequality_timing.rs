//! Wall time, CPU time (user + system, every thread) and peak memory above the input of the
//! individual inequality indices on 50 million values, call by call: `cargo run --release -p
//! collabmetrics-benches --example inequality_timing`. On a shared machine the CPU time is
//! the steadier figure.
//!
//! Two reference rows bound what any exact, sort-based Gini can cost here: a copy of the
//! values' order-preserving keys, and that copy sorted by rdst in one go (no Gini computed;
//! the copy alone is 1.0 × the input more, which the streamed Gini's 1.3 × limit forbids).

use collabmetrics::inequality::{atkinson, gini, gini_index, mld, theil};
use collabmetrics_benches::transition_data::measure_peak;
use rdst::RadixSort;

/// The bits of `v` as an unsigned key in the order of the values (negatives flipped).
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// CPU seconds of this process so far (Linux: /proc/self/stat, clock ticks of 10 ms).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .expect("a stat line")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields[i].parse::<f64>().expect("clock ticks");
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    // The criterion bench's input: 50 M log-uniform values on [1, e³).
    let mut state = 11u64;
    let values: Vec<f64> = (0..50_000_000)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (3.0 * ((state >> 11) as f64 / (1u64 << 53) as f64)).exp()
        })
        .collect();
    let input = (values.len() * 8) as f64;
    type Kernel<'a> = (&'a str, Box<dyn Fn(&[f64]) -> f64>);
    let kernels: Vec<Kernel> = vec![
        (
            "gini_index",
            Box::new(|v| gini_index(v, None, false).expect("valid")),
        ),
        (
            "gini (with Lorenz)",
            Box::new(|v| gini(v, None, false).expect("valid").gini),
        ),
        ("theil", Box::new(|v| theil(v, None).expect("valid"))),
        ("mld", Box::new(|v| mld(v, None).expect("valid"))),
        (
            "atkinson 0.5",
            Box::new(|v| atkinson(v, None, 0.5).expect("valid").atkinson),
        ),
        (
            "reference: a copy of the keys",
            Box::new(|v| {
                let keys: Vec<u64> = v.iter().map(|&x| key(x)).collect();
                keys[keys.len() / 2] as f64
            }),
        ),
        (
            "reference: a copy of the keys, rdst-sorted",
            Box::new(|v| {
                let mut keys: Vec<u64> = v.iter().map(|&x| key(x)).collect();
                keys.radix_sort_unstable();
                keys[keys.len() / 2] as f64
            }),
        ),
    ];
    for round in 0..3 {
        for (name, f) in &kernels {
            let c = cpu();
            let (value, took, peak) = measure_peak(|| f(&values));
            let used = cpu() - c;
            let extra = peak.map_or(String::from("n/a"), |(before, peak)| {
                format!("{:.2}", peak.saturating_sub(before) as f64 / input)
            });
            println!(
                "round {round} {name}: {:.3} s wall, {:.2} s CPU, peak above input {extra} × \
                 input ({value:.12})",
                took.as_secs_f64(),
                used
            );
        }
    }
}
