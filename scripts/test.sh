#!/usr/bin/env bash
# Every test of collabmetrics: formatting, lints and rustdoc, Rust (core, demo, CLI, C ABI,
# header check, the README's Rust examples as doctests, the fuzz targets as bounded tests), C
# programs under valgrind and under AddressSanitizer, and the Python package (at the pinned
# development versions, then at the oldest supported ones). Run from anywhere; sets itself up.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "rustfmt and clippy"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "rustdoc (broken links and other warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked

step "Rust tests (core, demo, CLI, C ABI and its header, the README's Rust examples)"
# The pyo3 crate is an extension module: it links against the interpreter that loads it, so it
# is tested from Python below, not as a Rust test binary.
# The HTML report's browser test fails, rather than skips, without chromium.
COLLABMETRICS_BROWSER=required cargo test --workspace --exclude collabmetrics-python --locked

step "C tests under valgrind"
bash tests/c/run.sh

step "C tests under AddressSanitizer and UndefinedBehaviorSanitizer"
bash tests/c/asan.sh

step "The faces the parity tests call: the C library, the CLI and core_call (the Rust face)"
cargo build --locked -p collabmetrics-c
cargo build --locked -p collabmetrics-cli --bins --examples

step "Python package"
(
    cd python
    ../.venv/bin/maturin develop --locked --quiet 2>&1 | tail -n 2
    ../.venv/bin/ruff check .
    ../.venv/bin/ruff format --check .
    ../.venv/bin/mypy collabmetrics tests examples tools
    ../.venv/bin/python -m mypy.stubtest collabmetrics._native --ignore-missing-stub --mypy-config-file pyproject.toml
    # The frame functions' generated overloads (tools/frame_stubs.py) against the modules.
    ../.venv/bin/python -m mypy.stubtest collabmetrics.disclosure collabmetrics.distance \
        collabmetrics.funnel collabmetrics.inequality collabmetrics.oap collabmetrics.spc \
        collabmetrics.state collabmetrics.transition --mypy-config-file pyproject.toml \
        --allowlist tools/stubtest-allowlist.txt
    COLLABMETRICS_CROSS_LANGUAGE=required ../.venv/bin/pytest -q -p no:cacheprovider
)

step "Python package at its oldest supported versions (Python 3.9, numpy 1.21, pyarrow 14, ...)"
bash scripts/floor.sh

step "Spark (pytest -m spark: states merged by Spark equal one machine)"
bash scripts/spark.sh
