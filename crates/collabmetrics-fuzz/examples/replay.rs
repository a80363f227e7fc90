//! Replays one fuzz input: `cargo run -p collabmetrics-fuzz --example replay -- TARGET FILE`
//! (TARGET is `kernels` or `tables`), e.g. a crash file from `cargo fuzz` or the bytes of a
//! proptest failure.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(target), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: replay kernels|tables FILE");
        std::process::exit(2);
    };
    let data = match std::fs::read(file) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{file}: {e}");
            std::process::exit(2);
        }
    };
    match target.as_str() {
        "kernels" => collabmetrics_fuzz::kernels::run(&data),
        "tables" => collabmetrics_fuzz::tables::run(&data),
        other => {
            eprintln!("unknown target {other}");
            std::process::exit(2);
        }
    }
    println!("ok");
}
