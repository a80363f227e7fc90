"""Side by side: collabmetrics from Python against what a data scientist would write instead.

Each workload runs collabmetrics and its peer (a numpy formula, scipy, polars) on the same
inputs, first checks that both give the same results (the script stops if they do not), then
times them in interleaved repetitions (ours, peer, ours, peer, ...; the order alternates every
repetition so that neither always runs on a warm cache) and prints the medians and the ratio
peer / ours (above 1: collabmetrics is faster) as a Markdown table, with the machine and date.

Run it from the repository with the extension built in release mode:

    cd python && ../.venv/bin/maturin develop --release && cd ..
    .venv/bin/python benches/python/sidebyside.py            # every workload
    .venv/bin/python benches/python/sidebyside.py wilson oap  # some of them

Not run by the tests: timings are not tests. Peers missing from the environment (polars,
scipy) are skipped with a note.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import collabmetrics as cm
import numpy as np

Z95 = 1.959963984540054  # the normal quantile of 97.5%, as the core computes it


@dataclass
class Workload:
    """One comparison: inputs made once, then ours and the peer on them."""

    name: str
    what: str
    peer_name: str
    setup: Callable[[], Any]
    ours: Callable[[Any], Any]
    peer: Callable[[Any], Any]
    check: Callable[[Any, Any], None]


def counts(n: int, seed: int = 20261127) -> tuple[np.ndarray, np.ndarray]:
    """Counts 0..5 000 and denominators above them (float64, as read from a file)."""
    rng = np.random.default_rng(seed)
    o = np.floor(rng.random(n) * 5000.0)
    d = o + 1.0 + np.floor(rng.random(n) * 100_000.0)
    return o, d


def close(name: str, ours: np.ndarray, peer: np.ndarray, rtol: float) -> None:
    """Stops the run unless ``ours`` and ``peer`` agree to ``rtol`` (relative) everywhere."""
    ours = np.asarray(ours, dtype=np.float64)
    peer = np.asarray(peer, dtype=np.float64)
    scale = np.maximum(np.abs(peer), 1e-300)
    worst = float(np.max(np.abs(ours - peer) / scale)) if len(peer) else 0.0
    if not (worst <= rtol and ours.shape == peer.shape):
        sys.exit(
            f"{name}: results differ (worst relative difference {worst:.3g} > {rtol})"
        )


# --- Wilson proportions -------------------------------------------------------------------


def wilson_numpy(inp: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    o, n = inp
    z2 = Z95 * Z95
    p = o / n
    centre = 2.0 * o + z2
    spread = Z95 * np.sqrt(z2 + 4.0 * o * (1.0 - p))
    denom = 2.0 * (n + z2)
    return p, (centre - spread) / denom, (centre + spread) / denom


def wilson_ours(inp: tuple[np.ndarray, np.ndarray]) -> Any:
    return cm.proportion(inp[0], inp[1])


def check_estimates(
    ours: Any, peer: tuple[np.ndarray, ...], rtol: float = 1e-9
) -> None:
    for col, want in zip(["value", "lower", "upper"], peer):
        close(col, ours.column(col).to_numpy(), want, rtol)


# --- Byar's rates (exact below 10) ------------------------------------------------------------


def byar_numpy(inp: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """PHE's rule in numpy: Byar's limits from 10, exact (scipy's χ² quantiles) below."""
    from scipy.stats import chi2

    o, n = inp
    z = Z95
    ou = o + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * np.sqrt(o))) ** 3
    hi = ou * (1.0 - 1.0 / (9.0 * ou) + z / (3.0 * np.sqrt(ou))) ** 3
    small = o < 10
    if small.any():
        os_ = o[small]
        lo[small] = np.where(os_ > 0, chi2.ppf(0.025, 2.0 * os_) / 2.0, 0.0)
        hi[small] = chi2.ppf(0.975, 2.0 * os_ + 2.0) / 2.0
    scale = 100_000.0 / n
    return o * scale, lo * scale, hi * scale


def byar_ours(inp: tuple[np.ndarray, np.ndarray]) -> Any:
    return cm.rate(inp[0], inp[1])


# --- Exact Poisson limits -----------------------------------------------------------------------


def exact_setup(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of counts 0..4 999 (about 5 000 distinct values)."""
    return counts(n, seed=7)


def exact_scipy(inp: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    from scipy.stats import chi2

    o, n = inp
    with np.errstate(invalid="ignore"):
        lo = np.where(o > 0, chi2.ppf(0.025, 2.0 * o) / 2.0, 0.0)
    hi = chi2.ppf(0.975, 2.0 * o + 2.0) / 2.0
    scale = 100_000.0 / n
    return o * scale, lo * scale, hi * scale


def exact_ours(inp: tuple[np.ndarray, np.ndarray]) -> Any:
    return cm.rate(inp[0], inp[1], method="exact")


# --- BNG distances ---------------------------------------------------------------------------


def bng_setup(n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(11)
    e = np.floor(rng.random((2, n)) * 600_000.0)
    north = np.floor(rng.random((2, n)) * 1_000_000.0)
    return e[0], north[0], e[1], north[1]


def bng_numpy(inp: tuple[np.ndarray, ...]) -> np.ndarray:
    e1, n1, e2, n2 = inp
    return np.sqrt((e2 - e1) ** 2 + (n2 - n1) ** 2) / 1000.0


def bng_ours(inp: tuple[np.ndarray, ...]) -> np.ndarray:
    return cm.distance.bng(*inp)


# --- OAP measures (national scale) ------------------------------------------------------------

OAP_START = dt.date(2016, 4, 1)
OAP_MONTHS = 120
OAP_BREAKDOWNS: list[list[str]] = [
    ["icb"],
    ["icb", "bed_type"],
    ["icb", "receiving_org"],
]


def month_starts() -> list[dt.date]:
    out = []
    y, m = OAP_START.year, OAP_START.month
    for _ in range(OAP_MONTHS + 1):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def oap_setup(_n: int) -> Any:
    """The demo collaborative at national scale (about 100 000 placements over ten years), its
    home areas dealt into 42 ICB-like areas, as the criterion bench does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = cm.demo.tables(scale=30.0, months=OAP_MONTHS, start=OAP_START)["placements"]
    digits = pc.replace_substring_regex(t.column("home_area"), r"\D", "")
    numbers = pc.cast(pc.fill_null(digits, "0"), pa.int64()).to_numpy()
    icb = pa.array([f"ICB{k % 42:02d}" for k in numbers])
    return t.append_column("icb", icb)


def oap_ours(t: Any) -> list[Any]:
    end = month_starts()[-1] - dt.timedelta(days=1)
    return [
        cm.oap.measures(t, start=OAP_START, end=end, window="month", by=by)
        for by in OAP_BREAKDOWNS
    ]


def oap_polars(t: Any) -> list[Any]:
    """The monthly measures a polars user would write: in-scope inappropriate placements,
    each joined to the months it overlaps, then nights, starts, ends, open at the end and
    length-of-stay bands summed per month and breakdown."""
    import polars as pl

    starts = month_starts()
    months = pl.DataFrame(
        {"period_start": starts[:-1], "next_start": starts[1:]},
    ).with_row_index("m")
    end = starts[-1]
    p = (
        pl.from_arrow(t)
        .lazy()
        .filter(
            (pl.col("reason").cast(pl.Utf8) == "10")
            & pl.col("bed_type").cast(pl.Utf8).is_in(list(cm._native.DEFAULT_BED_TYPES))
        )
        .with_columns(
            pl.col("start_date").dt.month_start().alias("start_month"),
            pl.col("end_date").fill_null(end).alias("end_or_data_end"),
        )
    )
    out = []
    for by in OAP_BREAKDOWNS:
        joined = p.join_where(
            months.lazy(),
            pl.col("start_date") < pl.col("next_start"),
            pl.col("end_or_data_end") >= pl.col("period_start"),
        )
        nights = (
            pl.min_horizontal("end_or_data_end", "next_start")
            - pl.max_horizontal("start_date", "period_start")
        ).dt.total_days()
        los = (pl.col("end_date") - pl.col("start_date")).dt.total_days()
        ended = pl.col("end_date").is_between(
            pl.col("period_start"), pl.col("next_start"), "left"
        )
        res = (
            joined.group_by([*by, "period_start"])
            .agg(
                started=(pl.col("start_date") >= pl.col("period_start")).sum(),
                ended=ended.sum(),
                active_at_end=(
                    pl.col("end_date").is_null()
                    | (pl.col("end_date") >= pl.col("next_start"))
                ).sum(),
                bed_days=nights.clip(lower_bound=0).sum(),
                same_day=(ended & (los == 0)).sum(),
                los_1_7=(ended & los.is_between(1, 7)).sum(),
                los_8_14=(ended & los.is_between(8, 14)).sum(),
                los_15_30=(ended & los.is_between(15, 30)).sum(),
                los_31_plus=(ended & (los >= 31)).sum(),
            )
            .sort([*by, "period_start"])
        )
        out.append(res.collect())
    return out


OAP_COMPARED = [
    "started",
    "ended",
    "active_at_end",
    "bed_days",
    "same_day",
    "los_1_7",
    "los_8_14",
    "los_15_30",
    "los_31_plus",
]


def oap_check(ours: list[Any], peer: list[Any]) -> None:
    """Every (breakdown, month) row the peer has appears in ours with the same counts, and our
    other rows are all zero (ours lists every month of every group, the peer only months
    with a placement)."""
    import polars as pl

    for by, o, p in zip(OAP_BREAKDOWNS, ours, peer):
        o = pl.from_arrow(o).with_columns(pl.col(c).cast(pl.Utf8) for c in by)
        p = p.with_columns(pl.col(c).cast(pl.Utf8) for c in by)
        cols = [c for c in OAP_COMPARED if c in o.columns]
        if len(cols) < 5:
            sys.exit(f"oap: expected columns missing from ours: {o.columns}")
        o = o.with_columns(pl.col("period_start").cast(pl.Date))
        joined = o.join(p, on=[*by, "period_start"], how="left", suffix="_peer")
        for c in cols:
            want = joined[f"{c}_peer"].fill_null(0).cast(pl.Float64).to_numpy()
            close(f"oap {by} {c}", joined[c].cast(pl.Float64).to_numpy(), want, 0.0)
        if joined.height < p.height:
            sys.exit(f"oap {by}: the peer has rows we do not")


def workloads(n: int) -> list[Workload]:
    rows = f"{n / 1e6:g} M rows" if n >= 1_000_000 else f"{n} rows"
    return [
        Workload(
            "wilson",
            f"Wilson intervals, {rows}",
            "numpy formula",
            lambda: counts(n),
            wilson_ours,
            wilson_numpy,
            check_estimates,
        ),
        Workload(
            "byar",
            f"crude rates, Byar (exact below 10), {rows}",
            "numpy formula + scipy χ²",
            lambda: counts(n),
            byar_ours,
            byar_numpy,
            check_estimates,
        ),
        Workload(
            "exact",
            f"exact Poisson rates, {n // 10:,} rows (5 000 distinct counts)",
            "scipy.stats.chi2.ppf",
            lambda: exact_setup(n // 10),
            exact_ours,
            exact_scipy,
            lambda o, p: check_estimates(o, p, 1e-10),
        ),
        Workload(
            "bng",
            f"BNG distances, {rows}",
            "numpy formula",
            lambda: bng_setup(n),
            bng_ours,
            bng_numpy,
            lambda o, p: close("km", o, p, 1e-15),
        ),
        Workload(
            "oap",
            "OAP measures, ~100 000 placements, 120 months × 3 breakdowns",
            "polars (lazy, join_where)",
            lambda: oap_setup(n),
            oap_ours,
            oap_polars,
            oap_check,
        ),
    ]


def timed(f: Callable[[Any], Any], inp: Any) -> float:
    t0 = time.perf_counter()
    f(inp)
    return time.perf_counter() - t0


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, collabmetrics "
        f"{cm.__version__}; load average at the start {load}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("only", nargs="*", help="workload names (default: all)")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}\n")
    print("| workload | peer | ours (median) | peer (median) | peer / ours |")
    print("|---|---|---|---|---|")
    for w in workloads(args.rows):
        if args.only and w.name not in args.only:
            continue
        try:
            inp = w.setup()
            ours_result, peer_result = w.ours(inp), w.peer(inp)
        except ImportError as e:
            print(f"| {w.what} | {w.peer_name} | | | skipped: {e.name} missing |")
            continue
        w.check(ours_result, peer_result)
        del ours_result, peer_result
        t_ours: list[float] = []
        t_peer: list[float] = []
        for r in range(args.reps):
            pair = [(w.ours, t_ours), (w.peer, t_peer)]
            for f, acc in pair if r % 2 == 0 else reversed(pair):
                acc.append(timed(f, inp))
        mo, mp = statistics.median(t_ours), statistics.median(t_peer)
        print(
            f"| {w.what} | {w.peer_name} | {mo * 1e3:.0f} ms | {mp * 1e3:.0f} ms | "
            f"{mp / mo:.2f}× |",
            flush=True,
        )


if __name__ == "__main__":
    main()
