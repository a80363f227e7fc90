"""Side by side: collabmetrics' Gini, Theil T and SII from Python against the numpy formulas.

Each workload runs collabmetrics and the numpy formula a data scientist would write on the
same inputs, first checks that they agree (the script stops if they do not), then times them
in interleaved repetitions (ours, numpy, numpy, ours, ...: the order alternates so neither
always runs on a warm cache) and prints the medians of wall and CPU time (CPU: this process's
user + system time, all threads) and the ratio numpy / ours (above 1: collabmetrics is
faster) as a Markdown table, with the machine, its load and the date. (Peak memory of the
core's kernels: `cargo run --release -p collabmetrics-benches --example inequality_timing`.)

Run it from the repository with the extension built in release mode:

    cd python && ../.venv/bin/maturin develop --release && cd ..
    .venv/bin/python benches/python/inequality_vs_numpy.py             # 50 M values
    .venv/bin/python benches/python/inequality_vs_numpy.py --rows 1000000
    .venv/bin/python benches/python/inequality_vs_numpy.py theil sii    # some of them

Not run by the tests: timings are not tests. (`benches/python/sidebyside.py`, on the perf
branch, times the other workloads of issue 16 the same way; these three can move there.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import collabmetrics as cm
import numpy as np
import pyarrow as pa


def incomes(n: int, seed: int = 20261127) -> np.ndarray:
    """Log-normal incomes (many distinct values), float64, made in chunks (no temporaries)."""
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    for lo in range(0, n, 1 << 22):
        hi = min(n, lo + (1 << 22))
        x[lo:hi] = rng.lognormal(10.0, 0.8, hi - lo)
    return x


# --- Gini ----------------------------------------------------------------------------------


def gini_numpy(x: np.ndarray) -> float:
    s = np.sort(x)
    n = len(s)
    i = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.sum(i * s) / (n * np.sum(s)) - (n + 1) / n)


def gini_ours(x: np.ndarray) -> float:
    return float(cm.inequality.gini(x))


# --- Theil T -------------------------------------------------------------------------------


def theil_numpy(x: np.ndarray) -> float:
    r = x / x.mean()
    return float(np.mean(r * np.log(r)))


def theil_ours(x: np.ndarray) -> float:
    return float(cm.inequality.theil(x))


# --- SII (PHE's linear model, 100 000 simulated draws, a rate) ------------------------------

Z95 = 1.959963984540054
REPS = 100_000


def deciles() -> dict[str, np.ndarray]:
    """One area's decile table of a rate with a deprivation gradient and 95 % limits."""
    d = np.arange(1, 11, dtype=np.float64)
    rate = 200.0 - 10.0 * d + 5.0 * np.sin(d)
    se_log = 0.05 + 0.005 * d
    return {
        "decile": d.astype(np.int64),
        "value": rate,
        "lower": rate * np.exp(-Z95 * se_log),
        "upper": rate * np.exp(Z95 * se_log),
        "population": 10_000.0 + 1_000.0 * d,
    }


def sii_numpy(
    t: dict[str, np.ndarray],
) -> tuple[float, float, float, float, float, float]:
    """PHE's phe_sii written in numpy: WLS on the ridits, draws on the log scale."""
    p = t["population"] / t["population"].sum()
    x = np.cumsum(p) - p / 2.0
    xbar = np.sum(p * x)
    c1 = p * (x - xbar) / np.sum(p * (x - xbar) ** 2)
    c0 = p - xbar * c1
    y = t["value"]
    se = (np.log(t["upper"]) - np.log(t["lower"])) / (2.0 * Z95)
    rng = np.random.default_rng(5)
    draws = np.exp(np.log(y) + se * rng.standard_normal((REPS, len(y))))
    a, b = draws @ c0, draws @ c1
    lo, hi = np.quantile(b, [0.025, 0.975])
    rlo, rhi = np.quantile((a + b) / a, [0.025, 0.975])
    a0, b0 = float(c0 @ y), float(c1 @ y)
    return b0, float(lo), float(hi), (a0 + b0) / a0, float(rlo), float(rhi)


def sii_ours(t: pa.Table) -> tuple[float, float, float, float, float, float]:
    r = cm.inequality.sii(
        t,
        group="decile",
        order="decile",
        population="population",
        value_type="rate",
        se=None,
        lower="lower",
        upper="upper",
        reps=REPS,
    )
    v, lo, hi = (r.column(c).to_pylist() for c in ("value", "lower", "upper"))
    return v[0], lo[0], hi[0], v[1], lo[1], hi[1]


def sii_check(ours: tuple[float, ...], peer: tuple[float, ...]) -> None:
    # Point estimates to 1e-9; simulated limits (other draws) to 2 % of the SII's scale.
    for k in (0, 3):
        close(f"sii[{k}]", ours[k], peer[k], 1e-9)
    for k, scale in ((1, ours[0]), (2, ours[0]), (4, ours[3]), (5, ours[3])):
        if abs(ours[k] - peer[k]) > 0.02 * abs(scale):
            sys.exit(f"sii limits differ: {ours} vs {peer}")


# --- Harness -------------------------------------------------------------------------------


def close(name: str, ours: float, peer: float, rtol: float) -> None:
    if not abs(ours - peer) <= rtol * abs(peer):
        sys.exit(f"{name}: results differ ({ours!r} vs {peer!r}, rtol {rtol})")


Workload = tuple[
    str, Callable[[], Any], Callable[[Any], Any], Callable[[Any], Any], Any
]


def workloads(n: int) -> list[Workload]:
    """(name, setup, ours, numpy, check)."""
    return [
        (
            f"Gini, {n:,} values",
            lambda: incomes(n),
            gini_ours,
            gini_numpy,
            lambda o, p: close("gini", o, p, 1e-9),
        ),
        (
            f"Theil T, {n:,} values",
            lambda: incomes(n),
            theil_ours,
            theil_numpy,
            lambda o, p: close("theil", o, p, 1e-9),
        ),
        (
            f"SII + RII, 10 deciles, {REPS:,} draws",
            deciles,
            lambda t: sii_ours(pa.table(t)),
            sii_numpy,
            sii_check,
        ),
    ]


def timed(f: Callable[[Any], Any], inp: Any) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    f(inp)
    return time.perf_counter() - t0, time.process_time() - c0


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} logical CPUs, load average {load}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"collabmetrics {cm.__version__}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "only", nargs="*", help="workloads to run: gini, theil, sii (default all)"
    )
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}\n")
    print(
        "| workload | ours wall (median) | numpy wall (median) | numpy / ours (wall) "
        "| ours CPU | numpy CPU | numpy / ours (CPU) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, setup, ours, peer, check in workloads(args.rows):
        if args.only and not any(name.lower().startswith(o.lower()) for o in args.only):
            continue
        inp = setup()
        check(ours(inp), peer(inp))
        times: dict[str, list[tuple[float, float]]] = {"ours": [], "numpy": []}
        for r in range(args.reps):
            pair = [("ours", ours), ("numpy", peer)]
            for who, f in pair if r % 2 == 0 else reversed(pair):
                times[who].append(timed(f, inp))
        med = {
            k: (statistics.median(t[0] for t in v), statistics.median(t[1] for t in v))
            for k, v in times.items()
        }
        (ow, oc), (pw, pc) = med["ours"], med["numpy"]
        print(
            f"| {name} | {ow:.3f} s | {pw:.3f} s | {pw / ow:.2f}× "
            f"| {oc:.3f} s | {pc:.3f} s | {pc / max(oc, 1e-9):.2f}× |"
        )
        del inp
    print(
        f"\nmaxrss of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KiB"
    )


if __name__ == "__main__":
    main()
