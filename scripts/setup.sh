#!/usr/bin/env bash
# Installs what the tests need on a fresh machine (idempotent): valgrind, pkg-config, gcc and
# clang (for the C tests under AddressSanitizer) and chromium (to open the HTML report
# headless) from Debian, a Python venv in .venv with maturin and the test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v clang >/dev/null || need_apt+=(clang)
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    python3 -m venv .venv
fi
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -r python/requirements-dev.txt; then
    echo "setup: pip install failed" >&2
    exit 1
fi
