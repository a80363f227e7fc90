//! Runs a target on pseudo-random inputs and reports those slower than a threshold:
//! `cargo run -p collabmetrics-fuzz --example slowest -- TARGET CASES MILLISECONDS`.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let target = args.get(1).map_or("kernels", String::as_str).to_owned();
    let cases: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let ms: u128 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(200);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..cases {
        let len = (next() % 3000) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let t = Instant::now();
        let r = std::panic::catch_unwind(|| match target.as_str() {
            "tables" => collabmetrics_fuzz::tables::run(&data),
            _ => collabmetrics_fuzz::kernels::run(&data),
        });
        let took = t.elapsed().as_millis();
        if took > ms || r.is_err() {
            let file = format!("/tmp/slow-{target}-{case}.bin");
            let _ = std::fs::write(&file, &data);
            println!("case {case}: {took} ms, panicked: {} -> {file}", r.is_err());
        }
    }
    use std::sync::atomic::Ordering;
    println!(
        "tables returned: {}",
        collabmetrics_fuzz::check::RESULTS.load(Ordering::Relaxed)
    );
    for (k, n) in collabmetrics::ErrorKind::ALL
        .iter()
        .zip(&collabmetrics_fuzz::check::ERRORS)
    {
        println!("{k}: {}", n.load(Ordering::Relaxed));
    }
}
