#!/usr/bin/env bash
# The Spark suite (python/tests/test_spark.py, `pytest -m spark`): installs what it needs when
# missing (pyspark into .venv, pinned in python/requirements-spark.txt; a headless Java 17 from
# Debian) and runs it on one local[2] session, with no network use beyond the installs.
# A failed install is a failed run, and so is a suite that cannot import pyspark
# (COLLABMETRICS_SPARK=required): nothing is skipped silently.
# Run after scripts/setup.sh and `maturin develop` (scripts/test.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."

# Spark 4 runs on Java 17 or 21: the major version `java -version` reports, 0 without Java.
java_major() {
    command -v java >/dev/null || { echo 0; return; }
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if [ "$(java_major)" -lt 17 ]; then
    echo "spark: installing openjdk-17-jre-headless with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openjdk-17-jre-headless >/dev/null
    export JAVA_HOME="/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture)"
    export PATH="$JAVA_HOME/bin:$PATH"
fi
if [ "$(java_major)" -lt 17 ]; then
    echo "spark: no Java 17 or later after the install" >&2
    exit 1
fi
if ! .venv/bin/python -c "import pyspark" 2>/dev/null; then
    echo "spark: installing pyspark"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r python/requirements-spark.txt
fi

export SPARK_LOCAL_IP=127.0.0.1
export PYSPARK_PYTHON="$PWD/.venv/bin/python"
export PYSPARK_DRIVER_PYTHON="$PWD/.venv/bin/python"
export COLLABMETRICS_SPARK=required
cd python
start=$(date +%s)
../.venv/bin/pytest -q -p no:cacheprovider -m spark tests/test_spark.py
echo "spark: the suite took $(($(date +%s) - start)) s"
