//! Generates `include/collabmetrics.h` with cbindgen and checks it against the committed file.
//!
//! Fails when they differ. Run with `COLLABMETRICS_UPDATE_HEADER=1` to rewrite the file:
//! `COLLABMETRICS_UPDATE_HEADER=1 cargo test -p collabmetrics-c --test header`.

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../../include/collabmetrics.h")
}

fn generate() -> Vec<u8> {
    let config = cbindgen::Config::from_file(crate_dir().join("cbindgen.toml"))
        .expect("bindings/c/cbindgen.toml should parse");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen should generate the header");
    let mut header = Vec::new();
    bindings.write(&mut header);
    header
}

/// The first line where the two texts differ, for the failure message.
fn first_difference(committed: &str, generated: &str) -> String {
    let mut committed_lines = committed.lines();
    for (i, line) in generated.lines().enumerate() {
        match committed_lines.next() {
            Some(old) if old == line => continue,
            old => {
                return format!(
                    "line {}: committed {:?}, generated {:?}",
                    i + 1,
                    old.unwrap_or("<end of file>"),
                    line
                )
            }
        }
    }
    "the committed file has extra lines at the end".to_owned()
}

fn update(path: &Path, header: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("include/ has a parent"))
        .expect("create include/");
    std::fs::write(path, header).expect("write include/collabmetrics.h");
    eprintln!("wrote {}", path.display());
}

#[test]
fn header_matches_the_committed_file() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("COLLABMETRICS_UPDATE_HEADER").is_some_and(|v| v == "1") {
        update(&path, &generated);
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/collabmetrics.h is out of date with bindings/c/src ({}).\n\
         Regenerate it: COLLABMETRICS_UPDATE_HEADER=1 cargo test -p collabmetrics-c --test header",
        first_difference(
            &String::from_utf8_lossy(&committed),
            &String::from_utf8_lossy(&generated)
        )
    );
}
