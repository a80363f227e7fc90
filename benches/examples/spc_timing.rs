//! Wall and CPU time (user + system, every thread) of `spc::xmr` and `spc::summary` on the
//! SPC benchmark's input, call by call: `cargo run --release -p collabmetrics-benches
//! --example spc_timing`. On a shared machine the CPU time is the steadier figure: the wall
//! time of a call on two free cores is about its sequential part plus half the rest.

use collabmetrics::spc::{self, SpcOptions};
use collabmetrics::table::Groups;
use collabmetrics_benches::spc_data::input;
use std::time::Instant;

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
    let input = input();
    let opts = SpcOptions {
        by: vec!["place".into()],
        ..SpcOptions::default()
    };
    for _ in 0..5 {
        let (t, c) = (Instant::now(), cpu());
        let points = spc::xmr(&input, &opts).expect("valid input");
        let (wall, used) = (t.elapsed().as_secs_f64(), cpu() - c);
        let (t, c) = (Instant::now(), cpu());
        spc::summary(&input, &opts).expect("valid input");
        let (s_wall, s_used) = (t.elapsed().as_secs_f64(), cpu() - c);
        let (t, c) = (Instant::now(), cpu());
        Groups::new(&input, &opts.by).expect("a place column");
        let (g_wall, g_used) = (t.elapsed().as_secs_f64(), cpu() - c);
        println!(
            "xmr {:.3} s wall, {:.2} s CPU ({} rows); summary {:.3} s wall, {:.2} s CPU; \
             grouping alone (one thread) {:.3} s wall, {:.2} s CPU",
            wall,
            used,
            points.table.num_rows(),
            s_wall,
            s_used,
            g_wall,
            g_used
        );
    }
}
