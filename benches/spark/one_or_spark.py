"""One process or Spark: the demo collaborative at a given scale, OAP measures and the
transition summary computed by one Python process and by collabmetrics.spark on local[2].

    python benches/spark/one_or_spark.py --scale 300 --dir /tmp/cm-bench

Writes the demo tables as Parquet once (``--dir``), then runs each mode in a fresh process
(so their peak memories are their own): ``one`` reads the Parquet files with pyarrow and calls
``cm.oap.measures`` and ``cm.transition.summary``; ``spark`` starts a local[2] session, reads
the same files as Spark DataFrames and calls ``cms.oap.measures`` and
``cms.transition.summary`` (collecting their results). It prints the wall time of each step
and the peak resident memory of the whole process tree (sampled every 0.2 s: the Python
driver, the JVM and Spark's Python workers), and checks that both modes give the same
numbers. The Rust extension should be a release build (``maturin develop --release``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

TABLES = ("placements", "admissions", "persons", "referrals", "contacts", "care_plans")
OAP = {"start": "2021-06-01", "end": "2024-03-31", "window": "rolling_3m", "by": "place"}
DATA_END = "2024-03-31"


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants (Linux /proc)."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{p}/task/{p}/children") as f:
                pids.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class Peak:
    """The peak of :func:`tree_rss` of this process, sampled in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(os.getpid()))
            time.sleep(0.2)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peak, tree_rss(os.getpid()))


def generate(scale: float, out: Path) -> dict[str, int]:
    import collabmetrics as cm
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tables = cm.demo.tables(scale=scale)
    rows = {}
    for name in TABLES:
        pq.write_table(tables[name], out / f"{name}.parquet")
        rows[name] = tables[name].num_rows
    print(f"generated scale {scale} in {time.perf_counter() - t0:.1f} s: {rows}", flush=True)
    return rows


def one(data: Path) -> dict[str, Any]:
    import collabmetrics as cm
    import pyarrow.parquet as pq

    peak = Peak()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    t = {name: pq.read_table(data / f"{name}.parquet") for name in TABLES}
    times["read"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    oap = cm.oap.measures(t["placements"], admissions=t["admissions"], **OAP)
    times["oap"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    summary = cm.transition.summary(
        t["persons"],
        t["referrals"],
        t["contacts"],
        care_plans=t["care_plans"],
        data_end=DATA_END,
    )
    times["transition"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    return {
        "times": times,
        "peak_bytes": peak.stop(),
        "oap_bed_days": sum(oap["bed_days"].to_pylist()),
        "summary_numerators": sum(x or 0 for x in summary["numerator"].to_pylist()),
    }


def spark(data: Path, memory: str) -> dict[str, Any]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    import collabmetrics.spark as cms
    from pyspark.sql import SparkSession

    peak = Peak()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    times["session"] = time.perf_counter() - t0
    df = {name: session.read.parquet(str(data / f"{name}.parquet")) for name in TABLES}
    t1 = time.perf_counter()
    oap, _ = cms.oap.measures(df["placements"], admissions=df["admissions"], collect=True, **OAP)
    times["oap"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    summary, _ = cms.transition.summary(
        df["persons"],
        df["referrals"],
        df["contacts"],
        care_plans=df["care_plans"],
        data_end=DATA_END,
        collect=True,
    )
    times["transition"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    result = {
        "times": times,
        "peak_bytes": peak.stop(),
        "oap_bed_days": sum(oap["bed_days"].to_pylist()),
        "summary_numerators": sum(x or 0 for x in summary["numerator"].to_pylist()),
    }
    session.stop()
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=300.0)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/collabmetrics-bench"))
    ap.add_argument("--mode", choices=["all", "generate", "one", "spark"], default="all")
    ap.add_argument("--spark-memory", default="8g")
    args = ap.parse_args()
    if args.mode == "generate":
        generate(args.scale, args.dir)
    elif args.mode == "one":
        print(json.dumps(one(args.dir)))
    elif args.mode == "spark":
        print(json.dumps(spark(args.dir, args.spark_memory)))
    else:
        if not (args.dir / "contacts.parquet").exists():
            generate(args.scale, args.dir)
        results = {}
        for mode in ("one", "spark"):
            cmd = [
                sys.executable,
                __file__,
                "--mode",
                mode,
                "--dir",
                str(args.dir),
                "--spark-memory",
                args.spark_memory,
            ]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            results[mode] = json.loads(out.strip().splitlines()[-1])
            r = results[mode]
            print(
                mode, json.dumps(r["times"]), f"peak {r['peak_bytes'] / 2**30:.2f} GiB", flush=True
            )
        a, b = results["one"], results["spark"]
        assert a["oap_bed_days"] == b["oap_bed_days"], (a, b)
        assert a["summary_numerators"] == b["summary_numerators"], (a, b)
        print("same numbers:", a["oap_bed_days"], a["summary_numerators"])


if __name__ == "__main__":
    main()
