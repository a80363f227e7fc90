#!/usr/bin/env bash
# The C test programs under AddressSanitizer and UndefinedBehaviorSanitizer (clang), as a
# second opinion beside valgrind (tests/c/run.sh): out-of-bounds reads and writes on the C side
# of the boundary, use after free and double free of anything (ASan replaces malloc/free for
# the whole process, Rust's allocations included), leaks (LeakSanitizer), and undefined
# behaviour in the test programs.
#
# 1. builds the C library (cargo build -p collabmetrics-c);
# 2. compiles every tests/c/*.c with clang -fsanitize=address,undefined against the static
#    library;
# 3. runs each; any sanitizer report, a non-zero exit or a closing line other than
#    "N passed, 0 failed" fails.
#
# Needs clang (scripts/setup.sh installs it). Build products go to target/c-tests-asan.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
LIBDIR=$TARGET_DIR/debug
OUT=$TARGET_DIR/c-tests-asan

if ! command -v clang >/dev/null 2>&1; then
    echo "tests/c/asan.sh: 'clang' is required but not installed (bash scripts/setup.sh)" >&2
    exit 1
fi

echo "== building the C library (cargo build -p collabmetrics-c)"
cargo build -p collabmetrics-c
VERSION=$(cargo pkgid -p collabmetrics-c | sed 's/.*[#@]//')
mkdir -p "$OUT"

CFLAGS=(-std=c11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer
    -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -DCM_EXPECTED_VERSION="\"$VERSION\"")
# Leaks are errors; a report stops the program with a non-zero status.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failures=()

for source in tests/c/*.c; do
    test=$(basename "$source" .c)
    program=$OUT/$test
    if ! clang "${CFLAGS[@]}" -o "$program" -I include "$source" \
        "$LIBDIR/libcollabmetrics.a" -lpthread -ldl -lm; then
        echo "FAIL $test: compilation failed"
        failures+=("$test")
        continue
    fi
    status=0
    "$program" >"$OUT/$test.stdout" 2>"$OUT/$test.stderr" || status=$?
    closing=$(tail -n 1 "$OUT/$test.stdout")
    if [ "$status" -eq 0 ] && [[ $closing =~ ^[0-9]+\ passed,\ 0\ failed$ ]] \
        && ! grep -q "Sanitizer" "$OUT/$test.stderr"; then
        echo "ok   $test (asan, ubsan): $closing"
    else
        echo "FAIL $test (exit status $status): ${closing:-no output}"
        sed 's/^/    /' "$OUT/$test.stderr" | head -n 60
        failures+=("$test")
    fi
done

if [ ${#failures[@]} -ne 0 ]; then
    echo "C tests under AddressSanitizer FAILED: ${failures[*]}"
    exit 1
fi
echo "C tests under AddressSanitizer passed"
