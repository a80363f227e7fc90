//! Helpers shared by the CLI's integration tests (each test file is its own crate, so not
//! every file uses every helper).
#![allow(dead_code)]

use arrow_array::RecordBatch;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh directory for one test's files, named after the test file, `name` and the process
/// (test binaries run at the same time).
pub fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "collabmetrics-cli-{}-{name}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the `collabmetrics` program: (success, stdout, stderr).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_collabmetrics"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `batch` as CSV text with a header, as the program reads and writes it.
pub fn csv(batch: &RecordBatch) -> String {
    let mut buf = Vec::new();
    {
        let mut w = arrow_csv::WriterBuilder::new()
            .with_header(true)
            .build(&mut buf);
        w.write(batch).unwrap();
    }
    String::from_utf8(buf).unwrap()
}

/// Writes `batch` as `<dir>/<name>.csv` and returns the path.
pub fn write_csv(dir: &Path, name: &str, batch: &RecordBatch) -> String {
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, csv(batch)).unwrap();
    path.to_str().unwrap().to_owned()
}
