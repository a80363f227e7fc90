//! Live memory of the OAP benchmark's three calls (`benches/benches/oap.rs`: the demo at
//! national scale, 120 months, by ICB; ICB × bed type; ICB × receiving organisation), counted
//! by a global allocator that adds up what is allocated and not yet freed: `cargo run
//! --release -p collabmetrics-benches --example oap_memory`. For each call it prints the most
//! bytes live above those before the call and the bytes its result keeps; then the most live
//! over the three calls made in turn with every result kept, as the side-by-side benchmark
//! makes them.
//!
//! This is the figure that the side-by-side benchmark's resident-set peak measures only
//! roughly: that peak also counts the freed heap pages glibc has not yet given back. See
//! `benches/README.md`, "The OAP peak and glibc".

use collabmetrics::oap::{self, OapOptions};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics_benches::oap_data::national_placements;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting the bytes live and their most since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    MOST.fetch_max(now, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are only updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: f64 = 1e6;

fn main() {
    let (batch, start, end) = national_placements();
    let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).expect("an input");
    let breakdowns: [&[&str]; 3] = [&["icb"], &["icb", "bed_type"], &["icb", "receiving_org"]];
    let call = |by: &[&str]| {
        let mut o = OapOptions::new(start, end);
        o.by = by.iter().map(|s| s.to_string()).collect();
        oap::measures(&input, &o, None, None).expect("valid input")
    };
    // A first round warms the thread pool and its per-thread state.
    for by in breakdowns {
        drop(call(by));
    }
    let mut kept = Vec::new();
    let start_live = LIVE.load(Relaxed);
    let mut sequence = 0;
    for by in breakdowns {
        let before = LIVE.load(Relaxed);
        MOST.store(before, Relaxed);
        let r = call(by);
        let most = MOST.load(Relaxed) - before;
        let result = LIVE.load(Relaxed) - before;
        sequence = sequence.max(before - start_live + most);
        println!(
            "by {by:?}: {} rows; at most {:.1} MB live above before the call, {:.1} MB kept by \
             its result",
            r.table.num_rows(),
            most as f64 / MB,
            result as f64 / MB
        );
        kept.push(r);
    }
    println!(
        "the three calls in turn, each result kept: at most {:.1} MB live; the results {:.1} MB",
        sequence as f64 / MB,
        (LIVE.load(Relaxed) - start_live) as f64 / MB
    );
}
