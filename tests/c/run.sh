#!/usr/bin/env bash
# C tests of the collabmetrics C library.
#
# 1. builds the library (cargo build -p collabmetrics-c);
# 2. compiles every tests/c/*.c with gcc -std=c11 -Wall -Wextra -Werror against
#    include/collabmetrics.h, linking each once against the shared library (with an rpath)
#    and once against the static library;
# 3. runs every program under valgrind (memory errors or definite/indirect leaks fail);
# 4. installs with bindings/c/install.sh into a temporary prefix and builds and runs
#    test_stats.c through `pkg-config --cflags --libs collabmetrics`.
#
# Each test program ends with the line "N passed, 0 failed". Build products go to
# target/c-tests. Needs gcc, valgrind and pkg-config. Exits non-zero if anything fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
LIBDIR=$TARGET_DIR/debug
OUT=$TARGET_DIR/c-tests

require() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "tests/c/run.sh: '$1' is required but not installed (apt-get install -y $2)" >&2
        exit 1
    fi
}
require gcc gcc
require valgrind valgrind
require pkg-config pkg-config

echo "== building the C library (cargo build -p collabmetrics-c)"
cargo build -p collabmetrics-c
VERSION=$(cargo pkgid -p collabmetrics-c | sed 's/.*[#@]//')
mkdir -p "$OUT"

CFLAGS=(-std=c11 -Wall -Wextra -Werror -g -DCM_EXPECTED_VERSION="\"$VERSION\"")
failures=()

# run NAME PROGRAM: runs PROGRAM under valgrind; it must exit 0, end with "N passed, 0 failed"
# and valgrind must report no memory error and no definite or indirect leak.
run() {
    local name=$1 program=$2 log=$OUT/$1.valgrind.log stdout=$OUT/$1.stdout status=0
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --child-silent-after-fork=yes \
        --log-file="$log" "$program" >"$stdout" || status=$?
    local closing
    closing=$(tail -n 1 "$stdout")
    if [ "$status" -eq 0 ] && [[ $closing =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
        echo "ok   $name: $closing"
        return
    fi
    echo "FAIL $name (exit status $status): ${closing:-no output}"
    if ! grep -q "ERROR SUMMARY: 0 errors" "$log"; then
        sed 's/^/    valgrind: /' "$log"
    fi
    failures+=("$name")
}

# compile NAME OUTPUT ARGS...: gcc, recording a failure instead of stopping.
compile() {
    local name=$1 output=$2
    shift 2
    if gcc "${CFLAGS[@]}" -o "$output" "$@"; then
        return 0
    fi
    echo "FAIL $name: compilation failed"
    failures+=("$name")
    return 1
}

for source in tests/c/*.c; do
    test=$(basename "$source" .c)
    echo "== $test"
    if compile "$test-shared" "$OUT/$test-shared" -I include "$source" \
        -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lcollabmetrics -lm; then
        run "$test-shared" "$OUT/$test-shared"
    fi
    if compile "$test-static" "$OUT/$test-static" -I include "$source" \
        "$LIBDIR/libcollabmetrics.a" -lpthread -ldl -lm; then
        run "$test-static" "$OUT/$test-static"
    fi
done

echo "== install.sh and pkg-config"
PREFIX=$(mktemp -d)
trap 'rm -rf "$PREFIX"' EXIT
if bash bindings/c/install.sh "$PREFIX"; then
    export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
    installed_version=$(pkg-config --modversion collabmetrics)
    if [ "$installed_version" != "$VERSION" ]; then
        echo "FAIL pkg-config --modversion collabmetrics: $installed_version, expected $VERSION"
        failures+=("pkg-config-version")
    fi
    read -r -a PC_FLAGS <<<"$(pkg-config --cflags --libs collabmetrics)"
    if compile "test_stats-pkg-config" "$OUT/test_stats-pkg-config" tests/c/test_stats.c \
        "${PC_FLAGS[@]}" -Wl,-rpath,"$PREFIX/lib" -lm; then
        run "test_stats-pkg-config" "$OUT/test_stats-pkg-config"
    fi
else
    echo "FAIL bindings/c/install.sh"
    failures+=("install.sh")
fi

if [ ${#failures[@]} -ne 0 ]; then
    echo "C tests FAILED: ${failures[*]}"
    exit 1
fi
echo "C tests passed"
