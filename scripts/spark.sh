#!/usr/bin/env bash
# The Spark suite (python/tests/test_spark.py, `pytest -m spark`): installs what it needs when
# missing (pyspark into .venv, pinned in python/requirements-spark.txt; a headless Java 17 from
# Debian) and runs it on one local[2] session, with no network use beyond the installs.
# Run after scripts/setup.sh and `maturin develop` (scripts/test.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null; then
    echo "spark: installing openjdk-17-jre-headless with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
if ! .venv/bin/python -c "import pyspark" 2>/dev/null; then
    echo "spark: installing pyspark"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r python/requirements-spark.txt
fi

export SPARK_LOCAL_IP=127.0.0.1
export PYSPARK_PYTHON="$PWD/.venv/bin/python"
export PYSPARK_DRIVER_PYTHON="$PWD/.venv/bin/python"
cd python
../.venv/bin/pytest -q -p no:cacheprovider -m spark tests/test_spark.py
