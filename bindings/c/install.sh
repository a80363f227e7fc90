#!/usr/bin/env bash
# Installs the collabmetrics C library: builds it in release mode, then copies
#   libcollabmetrics.so (or .dylib) and libcollabmetrics.a  -> PREFIX/lib
#   collabmetrics.h                                          -> PREFIX/include
#   collabmetrics.pc (from collabmetrics.pc.in)              -> PREFIX/lib/pkgconfig
#
# Usage: bindings/c/install.sh PREFIX        e.g. bindings/c/install.sh /usr/local
# Then:  PKG_CONFIG_PATH=PREFIX/lib/pkgconfig cc app.c $(pkg-config --cflags --libs collabmetrics)
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
mkdir -p "$1"
PREFIX=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIBDIR=${CARGO_TARGET_DIR:-$ROOT/target}/release

cargo build --release -p collabmetrics-c --manifest-path "$ROOT/Cargo.toml"
VERSION=$(cargo pkgid -p collabmetrics-c --manifest-path "$ROOT/Cargo.toml" | sed 's/.*[#@]//')

install -d "$PREFIX/lib/pkgconfig" "$PREFIX/include"
for shared in libcollabmetrics.so libcollabmetrics.dylib; do
    if [ -f "$LIBDIR/$shared" ]; then
        install -m 0755 "$LIBDIR/$shared" "$PREFIX/lib/"
    fi
done
install -m 0644 "$LIBDIR/libcollabmetrics.a" "$PREFIX/lib/"
install -m 0644 "$ROOT/include/collabmetrics.h" "$PREFIX/include/"
escaped_prefix=$(printf '%s' "$PREFIX" | sed 's/[\\|&]/\\&/g')
sed -e "s|@PREFIX@|$escaped_prefix|g" -e "s|@VERSION@|$VERSION|g" \
    "$ROOT/bindings/c/collabmetrics.pc.in" >"$PREFIX/lib/pkgconfig/collabmetrics.pc"

echo "installed collabmetrics $VERSION into $PREFIX"
