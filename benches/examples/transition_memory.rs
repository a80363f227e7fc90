//! Peak memory and a rough phase breakdown of the transition benchmark's workload, in a fresh
//! process: `cargo run --release -p collabmetrics-benches --example transition_memory [PEOPLE
//! [date|person]]` (optionally under `/usr/bin/time -v`; default 2 000 000 people, rows in
//! date order; `person`: referrals and contacts grouped by person). Prints the input's Arrow size, the resident set
//! before and at the peak of one `analyse` call, then timings of the public entry points:
//! `service_lines` (reading, checking and arranging the tables by person: the preparation),
//! `transfers` (preparation, both cohorts, cohort T's table) and `analyse` (everything).

use collabmetrics::transition::{self, Tables, TransitionOptions};
use collabmetrics_benches::transition_data::{measure_peak, Order, TransitionData};
use std::time::Instant;

const MB: f64 = 1024.0 * 1024.0;

fn main() {
    let people: usize = std::env::args()
        .nth(1)
        .map_or(2_000_000, |a| a.parse().expect("number of people"));
    let order = match std::env::args().nth(2).as_deref() {
        None | Some("date") => Order::Date,
        Some("person") => Order::Person,
        Some(other) => panic!("row order `{other}`: date or person"),
    };
    let t = Instant::now();
    let data = TransitionData::generate_in(people, 2026, order);
    eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
    let sizes: Vec<(&str, usize, usize)> = [
        ("persons", &data.persons),
        ("referrals", &data.referrals),
        ("contacts", &data.contacts),
    ]
    .iter()
    .map(|(n, b)| (*n, b.num_rows(), b.get_array_memory_size()))
    .collect();
    for (name, rows, bytes) in &sizes {
        println!(
            "{name:>10}: {rows:>10} rows, {:>7.1} MB",
            *bytes as f64 / MB
        );
    }
    let input_bytes = data.input_bytes();
    println!(
        "     input: {:.1} MB of Arrow buffers",
        input_bytes as f64 / MB
    );
    let [p, r, k] = data.inputs();
    let tables = Tables {
        persons: &p,
        referrals: &r,
        contacts: &k,
        care_plans: None,
    };
    let opts = TransitionOptions::new(data.data_end);

    let (a, first, peak) = measure_peak(|| transition::analyse(&tables, &opts).unwrap());
    let first = first.as_secs_f64();
    match peak {
        Some((rss0, peak)) => println!(
            "  analyse: {first:.2} s; resident set {:.0} MB before, peak {:.0} MB ({:.0} MB added); peak / input = {:.2}",
            rss0 as f64 / MB,
            peak as f64 / MB,
            (peak - rss0) as f64 / MB,
            peak as f64 / input_bytes as f64
        ),
        None => println!("  analyse: {first:.2} s (peak RSS not available)"),
    }
    println!(
        "  cohort T {} rows, cohort B {} rows, summary {} rows; {} diagnostics",
        a.transfers.num_rows(),
        a.ageing_out.num_rows(),
        a.summary.num_rows(),
        a.diagnostics.entries.len()
    );
    for d in &a.diagnostics.entries {
        println!("    {} x {}", d.count, d.reason);
    }
    drop(a);

    let time = |name: &str, f: &dyn Fn()| {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("  {name:>13}: {best:.2} s (best of 3)");
    };
    time("service_lines", &|| {
        std::hint::black_box(transition::service_lines(&tables, &opts).unwrap());
    });
    time("transfers", &|| {
        std::hint::black_box(transition::transfers(&tables, &opts).unwrap());
    });
    time("summary", &|| {
        std::hint::black_box(transition::summary(&tables, &opts).unwrap());
    });
    time("analyse", &|| {
        std::hint::black_box(transition::analyse(&tables, &opts).unwrap());
    });
}
