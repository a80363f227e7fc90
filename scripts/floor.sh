#!/usr/bin/env bash
# The Python suite at the oldest versions collabmetrics supports: Python 3.9 (the
# `requires-python` floor, and the abi3 floor of the extension) with numpy, pyarrow, pandas,
# polars, matplotlib and tqdm at the minimums pyproject.toml declares
# (python/requirements-floor.txt), in a venv of its own (.venv-floor). It imports the
# extension `maturin develop` built into python/collabmetrics (one abi3 build serves every
# Python from 3.9), so run it after scripts/test.sh's Python step.
#
# Python 3.9 is pyenv's when the machine has it (this project's machines do), else any
# `python3.9` on PATH. Without either the run says so and stops with success, unless
# COLLABMETRICS_FLOOR=required, which fails it instead.
set -euo pipefail
cd "$(dirname "$0")/.."

python39=""
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9 "$(command -v python3.9 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
        python39="$candidate"
        break
    fi
done
if [ -z "$python39" ]; then
    echo "floor: NOT RUN: no Python 3.9 on this machine (neither pyenv's nor on PATH)"
    [ "${COLLABMETRICS_FLOOR:-}" = required ] && exit 1
    exit 0
fi
echo "floor: $("$python39" --version) from $python39"

if [ ! -x .venv-floor/bin/python ] || ! cmp -s python/requirements-floor.txt .venv-floor/requirements; then
    rm -rf .venv-floor
    "$python39" -m venv .venv-floor
    .venv-floor/bin/python -m pip install -q --disable-pip-version-check --prefer-binary \
        -r python/requirements-floor.txt
    cp python/requirements-floor.txt .venv-floor/requirements
fi

cd python
start=$(date +%s)
# The stubs' check regenerates them with mypy's stubgen, a development tool of the main venv.
# Warnings are not listed: at these versions they are old matplotlib's about newer pyparsing
# (the main run lists ours).
PYTHONPATH="$PWD" PYTHONDONTWRITEBYTECODE=1 COLLABMETRICS_CROSS_LANGUAGE=required \
    ../.venv-floor/bin/python -m pytest -q -p no:cacheprovider -p no:warnings \
    --deselect tests/test_stubs.py::test_the_stubs_are_regenerated_from_the_modules
echo "floor: the suite took $(($(date +%s) - start)) s"
