"""Side by side: collabmetrics from Python against what a data scientist would write instead.

Each workload runs collabmetrics ("ours") and each of its peers (a numpy formula, SciPy,
statsmodels, polars, pandas, duckdb, pyproj, PySAL's ``inequality``, and PHEindicatormethods
through ``Rscript`` where R is present) on the same inputs. For every (workload, peer) pair
the script:

1. prepares the inputs once (generating them, and converting them to the peer's kind of
   frame: a pandas DataFrame, a duckdb connection with the tables registered, a CSV file for
   R); none of that is timed;
2. runs both once and checks that they give the same results (the script stops, naming the
   workload, peer and worst difference, if they do not);
3. times them in interleaved repetitions (ours, peer, peer, ours, ...: the order alternates
   every repetition so that neither always runs on a warm cache), recording the wall time and
   the CPU time (``time.process_time``: user + system time of every thread of this process).
   A side whose first call took under ``WARM_BELOW`` (0.1 s) is warmed up before each timed
   call: untimed calls of its own for ``WARM_FOR`` (0.1 s), as criterion warms up and as the
   Rust kernel program's back-to-back calls are. On this kind of shared two-vCPU machine a
   short two-thread call that follows idle time or the other side's work runs as if on one
   core until the second has been kept busy for some tens of milliseconds (see
   ``WARM_BELOW``). A peer that times itself in its own process (R, the kernel program) is not
   warmed up from here;
4. measures each side's **peak memory** after the timed calls: the high-water mark of the
   resident set above the resident set just before one call. Each side is measured in a
   fresh child process of this script (``--peak-of``), which makes only that side's inputs
   (the same ones), makes one warm-up call (imports, thread pools and caches are not
   counted, as after the timed calls), then: collects garbage, asks glibc to give freed heap
   memory back (``malloc_trim(0)``), resets the high-water mark by writing ``5`` to
   ``/proc/self/clear_refs``, reads ``VmRSS`` from ``/proc/self/status``, makes the call and,
   with its result still alive, reads ``VmHWM``. The peak is ``VmHWM - VmRSS``: the memory
   the call needed on top of its inputs, result included. A child per side, and polars'
   allocator (jemalloc) told to give freed pages back at once (``_RJEM_MALLOC_CONF=
   dirty_decay_ms:0,muzzy_decay_ms:0``, in the child only), because an allocator that gives
   memory back *during* the measured call hides part of it: in one process, our own peak for
   the same cohort-T call read 5–44 MB depending on what ran before (36 MB alone), and
   polars' own 36–79 MB with jemalloc's default decay (136 MB, steadily, without it). For
   ours, the child waits until the pool of freed result columns kept for reuse is empty (6.5 s
   after the warm-up: blocks are kept 5 s, and the reaper looks every second), so the
   peak is that of a call finding no recycled buffer; a call repeated within 5 s reuses them
   and adds less. duckdb's buffer manager keeps what the warm-up query used, so duckdb's
   peaks are if anything low. R measures its own peak the same way, in its own process.
   Linux only (elsewhere no peak is shown);

and prints, for every pair, the medians of both sides' wall and CPU times, their ratios
peer / ours (above 1: collabmetrics is faster), both peaks and their ratio, as a Markdown
table with the machine, its load average and the date. Workloads and their peers:

* ``wilson``: Wilson intervals (``cm.proportion``) against the numpy formula, statsmodels'
  ``proportion_confint(method="wilson")`` on the arrays, the formula in duckdb SQL, and
  PHEindicatormethods' ``phe_proportion`` (on at most 1 M rows);
* ``byar``: crude rates with PHE's rule (Byar's limits, exact below 10; ``cm.rate``) against
  numpy plus ``scipy.stats.chi2.ppf`` below 10, and ``phe_rate`` (at most 1 M rows);
* ``exact``: exact Poisson limits (``cm.rate(method="exact")``) on a tenth of the rows
  (about 5 000 distinct counts) against ``scipy.stats.chi2.ppf``;
* ``bng``: British National Grid distances against the numpy formula;
* ``haversine``: great-circle distances (R = 6371.0088 km) against the numpy formula;
* ``geodesic``: WGS84 geodesics (Karney) on a tenth of the rows against pyproj's
  ``Geod(ellps="WGS84").inv`` (which also computes both azimuths, as a user calling it gets
  them), checked to 1e-9 km (a micrometre; both are GeographicLib's algorithm, accurate to
  nanometres);
* ``gini``, ``theil``: the Gini index and Theil T of log-normal incomes (5 × ``--rows``
  values: 50 M by default) against the numpy formulas, and PySAL's ``inequality.gini.Gini``
  (on ``--rows`` values) and ``inequality.theil.Theil`` (on a tenth of ``--rows``: it sums
  with Python's built-in ``sum``, one value at a time), ours on the same values;
* ``sii``: the SII and RII of one decile table (PHE's method, 100 000 simulated draws) against
  the numpy formula and ``phe_sii``; point estimates to 1e-9, simulated limits (other draws)
  to 2 % of the estimate's scale;
* ``oap``: the OAP measures of the national bench (the demo at ``scale = 30``, 120 months,
  three breakdowns, as the criterion bench) against a polars query (``join_where`` of
  placements to the months they overlap, then sums), pandas (each placement repeated once per
  month it overlaps, merged with the months, then ``groupby``) and duckdb SQL (a range join
  to the months, ``GROUP BY``); every peer's counts are checked against ours row by row;
* ``cohort_t``: transition cohort T on the demo at ``scale = 60`` (30 607 persons, 50 301
  referrals, 1 470 842 care contacts) against a polars query an analyst would write from the
  specification (``docs/methods/transition.md``): referrals' service lines (the
  ``service_line`` column, else the team type's letter; crisis team types apart; the
  ``team_age_group`` rule is left out, the demo having no such column), accepted
  adult referrals of 16–25-year-olds with an open accepted CYP referral or an attended CYP
  contact in the 183 days before (``join_asof``), episodes (the earliest opens one, those
  within 365 days join it: a loop, one round per episode), then T1 (no attended adult contact
  within 90 days; null without 90 days of follow-up or for a death in the window) per member
  and its numerator and denominator per breakdown (all, age band, sex, ethnicity, IMD decile,
  place). Only T1 is written in polars: the other metrics (T2–T8, cohort B) would each take as
  much again. Ours is ``cm.transition.summary``, which computes every metric of both cohorts
  (more work than the peer does). Checked: the same members (person, index date, index
  referral, episode) and T1 flags as ``cm.transition.transfers``, and the same numerator and
  denominator in every breakdown group as the summary.

The Rust kernel that ours runs is a peer of ``wilson``, ``byar``, ``bng`` and ``sii`` too
(``proportion_into``, ``rate_into``, ``bng_into``, ``sii``): ``benches/examples/
kernel_timing.rs``, built in release mode, reads the pair's inputs (written once as raw
float64), makes one untimed call and five timed ones into the outputs that call allocated
(as criterion does), and reports their median wall and CPU time and the peak of one more
call with fresh outputs; its results must equal ours to the bit. Its ratio is kernel / ours:
the Python call costs 1 / ratio times the kernel, measured in the same run (timings taken
minutes apart differ on a shared machine by more than the binding costs). The C library's
functions for the same three (``cm_proportion``, ``cm_rate``, ``cm_distance_bng``; ``cargo
build --release -p collabmetrics-c``) are peers as well, called through ``ctypes`` in this
process into outputs allocated once: the same kernel behind the C interface's checks, timed
like any in-process peer (in the kernel program's pair, ours runs right after that program's
process exits, which costs ours time the kernel's own calls do not pay). Their peak is of a
call into those outputs, so near 0.

PHEindicatormethods runs in a fresh ``Rscript`` per call (inputs written once as CSV; the R
script reads them, runs the function and times it inside R with ``proc.time()``, and measures
its own peak the same way through ``/proc/self/clear_refs``), so its times exclude R's start
and the reading. Peers that cannot be imported (or R without the package) are skipped with a
note. Run it from the repository with the extension built in release mode:

    cd python && ../.venv/bin/maturin develop --release && cd ..
    cargo build --release -p collabmetrics-benches --example kernel_timing
    cargo build --release -p collabmetrics-c
    .venv/bin/python benches/python/sidebyside.py                  # every workload
    .venv/bin/python benches/python/sidebyside.py wilson oap       # some of them
    .venv/bin/python benches/python/sidebyside.py --rows 1000000 --reps 3

Not run by the tests: timings are not tests.
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import datetime as dt
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import collabmetrics as cm
import numpy as np
import pyarrow as pa

Z95 = 1.959963984540054  # the normal quantile of 97.5%, as the core computes it

#: Worst differences seen by the checks, printed under the table.
NOTES: list[str] = []


@dataclass
class External:
    """A result timed by the peer itself (R): its wall and CPU seconds and peak bytes."""

    result: Any
    wall: float
    cpu: float
    peak: float


@dataclass
class Peer:
    """One peer of a workload: ``run`` on its input; ``check(ours_result, peer_result)``."""

    name: str
    run: Callable[[Any], Any]
    check: Callable[[Any, Any], None]
    #: The peer's input from the workload's (a frame conversion, a connection), untimed.
    prepare: Callable[[Any], Any] = lambda inp: inp
    #: Part of the workload's inputs both sides of this pair run on (fewer rows), untimed.
    subset: Callable[[Any], Any] = lambda inp: inp
    #: Said after the workload's description when the pair runs on a subset.
    size: str = ""
    #: Raises ImportError (or returns a reason) when the peer cannot run here.
    available: Callable[[], str | None] = lambda: None


@dataclass
class Workload:
    """One comparison: inputs made once, then ours and each peer on them."""

    name: str
    what: str
    setup: Callable[[], Any]
    ours: Callable[[Any], Any]
    peers: list[Peer] = field(default_factory=list)


def needs(*modules: str) -> Callable[[], str | None]:
    """An ``available`` that imports ``modules`` (an ImportError names the missing one)."""

    def check() -> str | None:
        for m in modules:
            __import__(m)
        return None

    return check


# --- Checks ------------------------------------------------------------------------------------


def close(
    name: str, ours: Any, peer: Any, rtol: float, atol: float = 0.0, note: bool = False
) -> None:
    """Stops the run unless ``ours`` and ``peer`` agree everywhere to ``rtol`` (relative to the
    peer's value) or ``atol`` (absolute); with ``note``, records the worst differences."""
    ours = np.atleast_1d(np.asarray(ours, dtype=np.float64))
    peer = np.atleast_1d(np.asarray(peer, dtype=np.float64))
    if ours.shape != peer.shape:
        sys.exit(f"{name}: results differ in shape ({ours.shape} vs {peer.shape})")
    diff = np.abs(ours - peer)
    scale = np.maximum(np.abs(peer), 1e-300)
    rel = float(np.max(diff / scale)) if len(peer) else 0.0
    worst = float(np.max(diff)) if len(peer) else 0.0
    ok = np.all((diff <= rtol * np.abs(peer)) | (diff <= atol))
    if not ok:
        sys.exit(
            f"{name}: results differ (worst relative difference {rel:.3g} > {rtol}, "
            f"worst absolute {worst:.3g} > {atol})"
        )
    if note:
        NOTES.append(f"{name}: worst difference {worst:.3g} (relative {rel:.3g})")


def counts(n: int, seed: int = 20261127) -> tuple[np.ndarray, np.ndarray]:
    """Counts 0..5 000 and denominators above them (float64, as read from a file)."""
    rng = np.random.default_rng(seed)
    o = np.floor(rng.random(n) * 5000.0)
    d = o + 1.0 + np.floor(rng.random(n) * 100_000.0)
    return o, d


def check_estimates(
    ours: Any,
    peer: tuple[np.ndarray, ...],
    rtol: float = 1e-9,
    atol: float = 0.0,
    who: str = "",
) -> None:
    for col, want in zip(["value", "lower", "upper"], peer):
        close(f"{who}{col}", ours.column(col).to_numpy(), want, rtol, atol, bool(who))


def first_rows(m: int) -> Callable[[Any], Any]:
    """A ``subset``: the first ``m`` rows of every input array."""

    def subset(inp: Any) -> Any:
        if isinstance(inp, np.ndarray):
            return inp[:m]
        return tuple(a[:m] for a in inp)

    return subset


def rows_label(n: int, what: str = "rows") -> str:
    return f"{n / 1e6:g} M {what}" if n >= 1_000_000 else f"{n:,} {what}"


# --- PHEindicatormethods through Rscript ---------------------------------------------------------

R_SCRIPT = r"""
# Runs one PHEindicatormethods function on a CSV, times the call inside R and measures its peak
# resident set above the one before (VmHWM after resetting it through /proc/self/clear_refs).
args <- commandArgs(trailingOnly = TRUE)
what <- args[1]; input <- args[2]; output <- args[3]
suppressPackageStartupMessages({
  library(PHEindicatormethods)
  library(dplyr)
})
d <- if (requireNamespace("data.table", quietly = TRUE)) {
  as.data.frame(data.table::fread(input))
} else {
  read.csv(input)
}
status <- function(key) {
  line <- grep(paste0("^", key, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", line)) * 1024
}
run <- switch(what,
  proportion = function() phe_proportion(d, o, n, confidence = 0.95, multiplier = 1),
  rate = function() phe_rate(d, o, n, confidence = 0.95, multiplier = 100000),
  sii = function() phe_sii(d, decile, population, value = value, value_type = 1,
                           lower_cl = lower, upper_cl = upper, confidence = 0.95,
                           repetitions = 100000, rii = TRUE, type = "full")
)
invisible(gc())
writeLines("5", "/proc/self/clear_refs")
before <- status("VmRSS")
t0 <- proc.time()
res <- run()
t1 <- proc.time()
peak <- status("VmHWM") - before
write.csv(as.data.frame(res), output, row.names = FALSE)
e <- t1 - t0
cat(sprintf("%.6f %.6f %.0f\n", e[["elapsed"]], e[["user.self"]] + e[["sys.self"]], peak))
"""


def r_available() -> str | None:
    if shutil.which("Rscript") is None:
        return "R (Rscript) not installed"
    probe = subprocess.run(
        ["Rscript", "-e", "library(PHEindicatormethods); library(dplyr)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return "R package PHEindicatormethods (or dplyr) not installed"
    return None


class RInput:
    """Columns written once as CSV in a temporary folder, for ``phe_*`` calls on them."""

    def __init__(self, what: str, columns: dict[str, np.ndarray]) -> None:
        import pyarrow.csv as pacsv

        self.what = what
        self.dir = tempfile.mkdtemp(prefix="cm-sidebyside-")
        atexit.register(shutil.rmtree, self.dir, ignore_errors=True)
        self.script = Path(self.dir, "phe.R")
        self.script.write_text(R_SCRIPT)
        self.csv = Path(self.dir, "in.csv")
        pacsv.write_csv(pa.table(columns), self.csv)

    def run(self) -> External:
        import pyarrow.csv as pacsv

        out = Path(self.dir, "out.csv")
        done = subprocess.run(
            ["Rscript", str(self.script), self.what, str(self.csv), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"Rscript ({self.what}) failed:\n{done.stderr}")
        wall, cpu, peak = (float(x) for x in done.stdout.split()[-3:])
        return External(pacsv.read_csv(out), wall, cpu, peak)


def phe_estimates(who: str, rtol: float = 1e-9) -> Callable[[Any, External], None]:
    """PHE's ``value``, ``lowercl``, ``uppercl`` against ours."""

    def check(ours: Any, peer: External) -> None:
        t = peer.result
        cols = tuple(t.column(c).to_numpy() for c in ("value", "lowercl", "uppercl"))
        check_estimates(ours, cols, rtol, 1e-15, who)

    return check


def phe_peer(what: str, cap: int, n: int, cols: Callable[[Any], dict]) -> Peer:
    """PHEindicatormethods' ``phe_<what>`` on at most ``cap`` of the workload's ``n`` rows."""
    m = min(n, cap)

    return Peer(
        f"PHEindicatormethods `phe_{what}` (R)",
        lambda r: r.run(),
        phe_estimates(f"phe_{what} "),
        lambda part: RInput(what, cols(part)),
        subset=first_rows(m),
        size=rows_label(m) if m < n else "",
        available=r_available,
    )


# --- The Rust kernel, timed in the same run ----------------------------------------------------

#: The kernels' timing program (``benches/examples/kernel_timing.rs``), built in release mode.
KERNEL_BIN = (
    Path(__file__).resolve().parents[2] / "target/release/examples/kernel_timing"
)
#: Timed calls per run of the program (after one untimed call); it reports their median.
KERNEL_CALLS = 5


def kernel_available() -> str | None:
    if not KERNEL_BIN.exists():
        return (
            "build it first: cargo build --release -p collabmetrics-benches "
            "--example kernel_timing"
        )
    return None


class KernelInput:
    """Columns written once as raw float64 in a temporary folder, for the kernel's program;
    ``run`` starts it (start-up and reading untimed: it times its own calls) and returns its
    median wall and CPU time per call, the peak of one call and, on the first run, its
    results (``out`` names the columns it writes)."""

    def __init__(
        self, kernel: str, columns: dict[str, np.ndarray], out: list[str]
    ) -> None:
        self.kernel, self.out, self.results = kernel, out, None
        self.dir = tempfile.mkdtemp(prefix="cm-kernel-")
        atexit.register(shutil.rmtree, self.dir, ignore_errors=True)
        for name, values in columns.items():
            np.ascontiguousarray(values, dtype="<f8").tofile(
                Path(self.dir, f"{name}.f64")
            )

    def run(self) -> External:
        first = self.results is None
        cmd = [str(KERNEL_BIN), self.kernel, self.dir, str(KERNEL_CALLS)]
        done = subprocess.run(
            cmd + (["--write"] if first else []),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"kernel_timing ({self.kernel}) failed:\n{done.stderr}")
        if first:
            self.results = tuple(
                np.fromfile(Path(self.dir, f"out_{c}.f64"), dtype="<f8")
                for c in self.out
            )
        wall, cpu, peak = (float(x) for x in done.stdout.split()[-3:])
        return External(self.results, wall, cpu, peak)


def kernel_peer(
    what: str, kernel: str, cols: Callable[[Any], dict], out: list[str], check: Callable
) -> Peer:
    """The Rust kernel Python's call runs (``what``), on the same inputs, outputs allocated
    once before its calls (as in criterion); its results must equal Python's to the bit."""
    return Peer(
        f"the Rust kernel `{what}` (same run)",
        lambda k: k.run(),
        lambda ours, peer: check(ours, peer.result),
        lambda inp: KernelInput(kernel, cols(inp), out),
        available=kernel_available,
    )


# --- The C library's kernels, called in this process ---------------------------------------

#: The C library, built in release mode, loaded with ctypes.
CLIB = Path(__file__).resolve().parents[2] / "target/release/libcollabmetrics.so"


def clib_available() -> str | None:
    if not CLIB.exists():
        return "build it first: cargo build --release -p collabmetrics-c"
    return None


class CKernel:
    """One C function on fixed inputs, its outputs allocated once (as the kernel program's
    timed calls write into outputs allocated before them). ``call(lib, pointers, len)``
    makes the call; ``run`` returns the outputs."""

    def __init__(
        self, call: Callable[..., int], inputs: tuple[np.ndarray, ...], outputs: int
    ) -> None:
        self.lib = ctypes.CDLL(str(CLIB))
        self.inputs = [np.ascontiguousarray(a, dtype=np.float64) for a in inputs]
        self.len = len(self.inputs[0])
        self.outputs = [np.empty(self.len) for _ in range(outputs)]
        self.pointers = [
            a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
            for a in (*self.inputs, *self.outputs)
        ]
        self.call = call

    def run(self) -> tuple[np.ndarray, ...]:
        status = self.call(self.lib, self.pointers, ctypes.c_size_t(self.len))
        if status != 0:
            sys.exit(f"C kernel failed: status {status}")
        return tuple(self.outputs)


def c_peer(what: str, call: Callable[..., int], outputs: int, check: Callable) -> Peer:
    """The C library's ``what``, in this process: the same kernel as ours behind the C
    interface's checks instead of the Python binding, timed like any in-process peer (so
    that neither side runs just after another process exits, as ours does in the kernel
    program's pair)."""
    return Peer(
        f"the C library's `{what}` (same process)",
        lambda k: k.run(),
        check,
        lambda inp: CKernel(call, tuple(inp), outputs),
        available=clib_available,
    )


def _c_proportion(lib: Any, p: list[Any], n: Any) -> int:
    d = ctypes.c_double
    return int(lib.cm_proportion(p[0], p[1], n, d(0.95), d(1.0), p[2], p[3], p[4]))


def _c_rate(lib: Any, p: list[Any], n: Any) -> int:
    d = ctypes.c_double
    byar = ctypes.c_int(0)  # CM_RATE_BYAR
    return int(
        lib.cm_rate(p[0], p[1], n, d(0.95), d(100000.0), byar, p[2], p[3], p[4], None)
    )


def _c_bng(lib: Any, p: list[Any], n: Any) -> int:
    return int(
        lib.cm_distance_bng(p[0], p[1], p[2], p[3], n, ctypes.c_bool(False), p[4])
    )


def same_estimates(ours: Any, peer: tuple[np.ndarray, ...]) -> None:
    check_estimates(ours, peer, 0.0)


# --- Wilson proportions -------------------------------------------------------------------


def wilson_numpy(inp: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    o, n = inp
    z2 = Z95 * Z95
    p = o / n
    centre = 2.0 * o + z2
    spread = Z95 * np.sqrt(z2 + 4.0 * o * (1.0 - p))
    denom = 2.0 * (n + z2)
    return p, (centre - spread) / denom, (centre + spread) / denom


def wilson_statsmodels(inp: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    from statsmodels.stats.proportion import proportion_confint

    o, n = inp
    lo, hi = proportion_confint(o, n, alpha=0.05, method="wilson")
    return o / n, lo, hi


def wilson_duckdb_prepare(inp: tuple[np.ndarray, np.ndarray]) -> Any:
    import duckdb

    con = duckdb.connect()
    con.register("counts", pa.table({"o": inp[0], "n": inp[1]}))
    return con


WILSON_SQL = f"""
SELECT o / n AS value,
       (2 * o + {Z95 * Z95!r} - {Z95!r} * sqrt({Z95 * Z95!r} + 4 * o * (1 - o / n)))
           / (2 * (n + {Z95 * Z95!r})) AS lower,
       (2 * o + {Z95 * Z95!r} + {Z95!r} * sqrt({Z95 * Z95!r} + 4 * o * (1 - o / n)))
           / (2 * (n + {Z95 * Z95!r})) AS upper
FROM counts
"""


def wilson_duckdb(con: Any) -> tuple[np.ndarray, ...]:
    r = con.sql(WILSON_SQL).fetchnumpy()
    return r["value"], r["lower"], r["upper"]


def wilson_ours(inp: tuple[np.ndarray, np.ndarray]) -> Any:
    return cm.proportion(inp[0], inp[1])


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


# --- Distances ---------------------------------------------------------------------------------


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


def latlon_setup(n: int) -> tuple[np.ndarray, ...]:
    """Pairs of points over Great Britain (lat 50–58.5, lon −5.5–1.7), as the criterion
    distance bench."""
    rng = np.random.default_rng(13)
    lat = 50.0 + 8.5 * rng.random((2, n))
    lon = -5.5 + 7.2 * rng.random((2, n))
    return lat[0], lon[0], lat[1], lon[1]


EARTH_KM = 6371.0088  # the mean radius ours uses


def haversine_numpy(inp: tuple[np.ndarray, ...]) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(a) for a in inp)
    h = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * EARTH_KM * np.arcsin(np.sqrt(h))


def haversine_ours(inp: tuple[np.ndarray, ...]) -> np.ndarray:
    return cm.distance.haversine(*inp)


def geodesic_pyproj(inp: tuple[np.ndarray, ...]) -> np.ndarray:
    from pyproj import Geod

    lat1, lon1, lat2, lon2 = inp
    _, _, metres = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres) / 1000.0


def geodesic_ours(inp: tuple[np.ndarray, ...]) -> np.ndarray:
    return cm.distance.geodesic(*inp)


# --- Gini and Theil T ----------------------------------------------------------------------------


def incomes(n: int, seed: int = 20261127) -> np.ndarray:
    """Log-normal incomes (many distinct values), float64, made in chunks (no temporaries)."""
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    for lo in range(0, n, 1 << 22):
        hi = min(n, lo + (1 << 22))
        x[lo:hi] = rng.lognormal(10.0, 0.8, hi - lo)
    return x


def gini_numpy(x: np.ndarray) -> float:
    s = np.sort(x)
    n = len(s)
    i = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.sum(i * s) / (n * np.sum(s)) - (n + 1) / n)


def gini_pysal(x: np.ndarray) -> float:
    from inequality.gini import Gini

    return float(Gini(x).g)


def gini_ours(x: np.ndarray) -> float:
    return float(cm.inequality.gini(x))


def theil_numpy(x: np.ndarray) -> float:
    r = x / x.mean()
    return float(np.mean(r * np.log(r)))


def theil_pysal(x: np.ndarray) -> float:
    from inequality.theil import Theil

    return float(Theil(x).T)


def theil_ours(x: np.ndarray) -> float:
    return float(cm.inequality.theil(x))


def scalar_check(name: str) -> Callable[[float, float], None]:
    return lambda o, p: close(name, o, p, 1e-9, note=True)


# --- SII (PHE's linear model, 100 000 simulated draws, a rate) ------------------------------

SII_REPS = 100_000


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
    draws = np.exp(np.log(y) + se * rng.standard_normal((SII_REPS, len(y))))
    a, b = draws @ c0, draws @ c1
    lo, hi = np.quantile(b, [0.025, 0.975])
    rlo, rhi = np.quantile((a + b) / a, [0.025, 0.975])
    a0, b0 = float(c0 @ y), float(c1 @ y)
    return b0, float(lo), float(hi), (a0 + b0) / a0, float(rlo), float(rhi)


def sii_ours(
    t: dict[str, np.ndarray],
) -> tuple[float, float, float, float, float, float]:
    r = cm.inequality.sii(
        pa.table(t),
        group="decile",
        order="decile",
        population="population",
        value_type="rate",
        se=None,
        lower="lower",
        upper="upper",
        reps=SII_REPS,
    )
    v, lo, hi = (r.column(c).to_pylist() for c in ("value", "lower", "upper"))
    return v[0], lo[0], hi[0], v[1], lo[1], hi[1]


def sii_check(ours: tuple[float, ...], peer: tuple[float, ...]) -> None:
    # Point estimates to 1e-9; simulated limits (other draws) to 2 % of the estimate's scale.
    for k in (0, 3):
        close(f"sii[{k}]", ours[k], peer[k], 1e-9)
    for k, scale in ((1, ours[0]), (2, ours[0]), (4, ours[3]), (5, ours[3])):
        if abs(ours[k] - peer[k]) > 0.02 * abs(scale):
            sys.exit(f"sii limits differ: {ours} vs {peer}")


def sii_phe_check(ours: tuple[float, ...], peer: External) -> None:
    """PHE's ``phe_sii`` (rii = TRUE) gives one row: ``sii``, ``sii_lower95_0cl``, ... ."""
    r = {c: peer.result.column(c)[0].as_py() for c in peer.result.column_names}
    want = (
        r["sii"],
        r["sii_lower95_0cl"],
        r["sii_upper95_0cl"],
        r["rii"],
        r["rii_lower95_0cl"],
        r["rii_upper95_0cl"],
    )
    sii_check(ours, want)


def sii_phe_prepare(t: dict[str, np.ndarray]) -> Any:
    return RInput("sii", t)


# --- OAP measures (national scale) ------------------------------------------------------------

OAP_START = dt.date(2016, 4, 1)
OAP_MONTHS = 120
OAP_BREAKDOWNS: list[list[str]] = [
    ["icb"],
    ["icb", "bed_type"],
    ["icb", "receiving_org"],
]
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


def oap_polars_prepare(t: Any) -> Any:
    import polars as pl

    return pl.from_arrow(t)


def oap_polars(p0: Any) -> list[Any]:
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
        p0.lazy()
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


def oap_pandas_prepare(t: Any) -> Any:
    return t.to_pandas(date_as_object=False)


def oap_pandas(df: Any) -> list[Any]:
    """The same measures as a pandas user would write them: in-scope placements, each
    repeated once per month it overlaps and merged with the months, then the counts as
    boolean columns summed by ``groupby``."""
    import pandas as pd

    starts = pd.to_datetime(pd.Series(month_starts()))
    months = pd.DataFrame(
        {
            "m": np.arange(OAP_MONTHS),
            "period_start": starts[:-1].to_numpy(),
            "next_start": starts[1:].to_numpy(),
        }
    )
    end = starts.iloc[-1]
    p = df[
        (df["reason"] == "10") & df["bed_type"].isin(cm._native.DEFAULT_BED_TYPES)
    ].reset_index(drop=True)
    p["end_or_data_end"] = p["end_date"].fillna(end)

    def month_of(d: Any) -> Any:
        return (d.dt.year - OAP_START.year) * 12 + d.dt.month - OAP_START.month

    first = month_of(p["start_date"]).clip(lower=0)
    last = month_of(p["end_or_data_end"]).clip(upper=OAP_MONTHS - 1)
    span = (last - first + 1).clip(lower=0)
    rows = p.loc[p.index.repeat(span)]
    rows["m"] = (
        first.to_numpy().repeat(span) + rows.groupby(level=0).cumcount().to_numpy()
    )
    rows = rows.merge(months, on="m")
    start, stop = rows["start_date"], rows["end_date"]
    nights = np.minimum(rows["end_or_data_end"], rows["next_start"]) - np.maximum(
        start, rows["period_start"]
    )
    los = (stop - start).dt.days
    ended = (stop >= rows["period_start"]) & (stop < rows["next_start"])
    rows = rows.assign(
        started=start >= rows["period_start"],
        ended=ended,
        active_at_end=stop.isna() | (stop >= rows["next_start"]),
        bed_days=nights.dt.days.clip(lower=0),
        same_day=ended & (los == 0),
        los_1_7=ended & los.between(1, 7),
        los_8_14=ended & los.between(8, 14),
        los_15_30=ended & los.between(15, 30),
        los_31_plus=ended & (los >= 31),
    )
    return [
        rows.groupby([*by, "period_start"], observed=True)[OAP_COMPARED]
        .sum()
        .reset_index()
        for by in OAP_BREAKDOWNS
    ]


def oap_duckdb_prepare(t: Any) -> Any:
    import duckdb

    starts = month_starts()
    con = duckdb.connect()
    con.register("placements", t)
    con.register(
        "months",
        pa.table({"period_start": starts[:-1], "next_start": starts[1:]}),
    )
    return con


def oap_duckdb(con: Any) -> list[Any]:
    """The same measures in SQL: a range join of in-scope placements to the months they
    overlap, then conditional counts per breakdown and month."""
    bed_types = ", ".join(f"'{b}'" for b in cm._native.DEFAULT_BED_TYPES)
    end = month_starts()[-1]
    ended = "(end_date >= period_start AND end_date < next_start)"
    los = "date_diff('day', start_date, end_date)"
    out = []
    for by in OAP_BREAKDOWNS:
        keys = ", ".join(by)
        q = f"""
        WITH p AS (
            SELECT *, coalesce(end_date, DATE '{end}') AS end_or_data_end
            FROM placements
            WHERE reason = '10' AND bed_type IN ({bed_types})
        )
        SELECT {keys}, period_start,
            count_if(start_date >= period_start) AS started,
            count_if({ended}) AS ended,
            count_if(end_date IS NULL OR end_date >= next_start) AS active_at_end,
            sum(greatest(0, date_diff('day', greatest(start_date, period_start),
                                      least(end_or_data_end, next_start)))) AS bed_days,
            count_if({ended} AND {los} = 0) AS same_day,
            count_if({ended} AND {los} BETWEEN 1 AND 7) AS los_1_7,
            count_if({ended} AND {los} BETWEEN 8 AND 14) AS los_8_14,
            count_if({ended} AND {los} BETWEEN 15 AND 30) AS los_15_30,
            count_if({ended} AND {los} >= 31) AS los_31_plus
        FROM p JOIN months
            ON p.start_date < months.next_start AND p.end_or_data_end >= months.period_start
        GROUP BY ALL
        ORDER BY ALL
        """
        rel = con.sql(q)
        out.append(
            rel.to_arrow_table()
            if hasattr(rel, "to_arrow_table")
            else rel.fetch_arrow_table()
        )
    return out


def as_polars(frame: Any) -> Any:
    """A pandas, pyarrow or polars frame (or a reader of record batches) as polars."""
    import polars as pl

    if isinstance(frame, pl.DataFrame):
        return frame
    if hasattr(frame, "read_all"):
        frame = frame.read_all()
    if isinstance(frame, pa.Table):
        return pl.from_arrow(frame)
    return pl.from_pandas(frame)


def oap_check(who: str) -> Callable[[list[Any], list[Any]], None]:
    def check(ours: list[Any], peer: list[Any]) -> None:
        """Every (breakdown, month) row the peer has appears in ours with the same counts,
        and our other rows are all zero (ours lists every month of every group, the peer
        only months with a placement)."""
        import polars as pl

        for by, o, p in zip(OAP_BREAKDOWNS, ours, peer):
            o = pl.from_arrow(o).with_columns(pl.col(c).cast(pl.Utf8) for c in by)
            p = as_polars(p).with_columns(
                *(pl.col(c).cast(pl.Utf8) for c in by),
                pl.col("period_start").cast(pl.Date),
            )
            cols = [c for c in OAP_COMPARED if c in o.columns]
            if len(cols) < 5:
                sys.exit(f"oap: expected columns missing from ours: {o.columns}")
            o = o.with_columns(pl.col("period_start").cast(pl.Date))
            joined = o.join(p, on=[*by, "period_start"], how="left", suffix="_peer")
            for c in cols:
                want = joined[f"{c}_peer"].fill_null(0).cast(pl.Float64).to_numpy()
                got = joined[c].cast(pl.Float64).to_numpy()
                close(f"oap {who} {by} {c}", got, want, 0.0)
            if joined.height < p.height:
                sys.exit(f"oap {who} {by}: the peer has rows we do not")

    return check


# --- Transition cohort T (the demo at 1.5 M care contacts) --------------------------------------

COHORT_SCALE = 60.0
COHORT_START = dt.date(2021, 4, 1)
COHORT_MONTHS = 36
COHORT_END = dt.date(2024, 3, 31)  # the last day of the demo's 36 months
COHORT_BREAKDOWNS = ["sex", "ethnicity", "imd_decile", "place"]


def cohort_setup(_n: int) -> dict[str, pa.Table]:
    t = cm.demo.tables(scale=COHORT_SCALE, start=COHORT_START, months=COHORT_MONTHS)
    return {k: t[k] for k in ("persons", "referrals", "contacts")}


def cohort_ours(t: dict[str, pa.Table]) -> Any:
    return cm.transition.summary(
        t["persons"], t["referrals"], t["contacts"], data_end=COHORT_END
    )


def cohort_polars_prepare(t: dict[str, pa.Table]) -> Any:
    import polars as pl

    return {k: pl.from_arrow(v) for k, v in t.items()}


def cohort_polars(tabs: dict[str, Any]) -> tuple[Any, Any]:
    """Cohort T and T1 (90 days) per member and per breakdown group, in polars, from the
    specification's rules with its defaults (see the module's docstring)."""
    import polars as pl

    end, n_days, lookback, gap = COHORT_END, 90, 183, 365
    persons = tabs["persons"].lazy().filter(pl.col("date_of_birth").is_not_null())
    line = pl.col("service_line").str.to_lowercase()
    letter = pl.col("team_type").str.slice(0, 1)
    refs = (
        tabs["referrals"]
        .lazy()
        .with_row_index("row")
        .join(
            persons.select("person_id", "date_of_birth", "date_of_death"),
            on="person_id",
        )
        .filter(pl.col("received_date") <= end)
        .with_columns(
            line=pl.when(line.is_in(["cyp", "adult"]))
            .then(line)
            .when(letter == "C")
            .then(pl.lit("cyp"))
            .when(letter == "A")
            .then(pl.lit("adult")),
            accepted=pl.col("rejection_date").is_null()
            | (pl.col("rejection_date") > end),
        )
        .with_columns(
            line=pl.when(
                (pl.col("line") == "adult")
                & pl.col("team_type").is_in(list(cm.transition.CRISIS_TEAM_TYPES))
            )
            .then(pl.lit("crisis"))
            .otherwise(pl.col("line"))
        )
        .filter(pl.col("line").is_not_null())
    )
    attended = (
        tabs["contacts"]
        .lazy()
        .filter(
            (pl.col("contact_date") <= end)
            & pl.col("attendance").cast(pl.Int32, strict=False).is_in([5, 6])
            & pl.col("mechanism").cast(pl.Int32, strict=False).is_in([1, 2, 4, 11])
        )
        .join(
            refs.select("referral_id", "line", pl.col("person_id").alias("owner")),
            on="referral_id",
        )
        .select(pl.col("owner").alias("person_id"), "contact_date", "line")
    )

    def attended_dates(which: str, name: str) -> Any:
        return (
            attended.filter(pl.col("line") == which)
            .select("person_id", pl.col("contact_date").alias(name))
            .sort(name)
        )

    t0, dob = pl.col("received_date"), pl.col("date_of_birth")

    def md(d: Any) -> Any:  # month and day as one number, to compare birthdays
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day()

    age = t0.dt.year() - dob.dt.year() - (md(t0) < md(dob)).cast(pl.Int32)
    adult = (
        refs.filter((pl.col("line") == "adult") & pl.col("accepted"))
        .with_columns(age=age)
        .filter(pl.col("age").is_between(16, 25))
        .sort("received_date")
    )
    cyp_open = (
        adult.select("row", "person_id", "received_date")
        .join(
            refs.filter((pl.col("line") == "cyp") & pl.col("accepted")).select(
                "person_id",
                pl.col("received_date").alias("cyp_received"),
                pl.col("discharge_date").alias("cyp_discharge"),
            ),
            on="person_id",
        )
        .filter(
            (pl.col("cyp_received") <= t0)
            & (pl.col("cyp_discharge").is_null() | (pl.col("cyp_discharge") >= t0))
        )
        .select("row")
        .unique()
        .with_columns(open=pl.lit(True))
    )
    candidates = (
        adult.join_asof(
            attended_dates("cyp", "last_cyp"),
            left_on="received_date",
            right_on="last_cyp",
            by="person_id",
            strategy="backward",
            check_sortedness=False,
        )
        .join(cyp_open, on="row", how="left")
        .filter(
            pl.col("open").fill_null(False)
            | (pl.col("last_cyp") >= t0 - pl.duration(days=lookback))
        )
        .select("row", "person_id", "received_date", "referral_id", "age")
        .collect()
    )
    # Episodes: each person's earliest candidate opens one, the candidates within `gap` days
    # of it belong to it, and the next one after that opens the next: one round per episode.
    episodes = []
    rest = candidates
    while rest.height:
        first = (
            rest.sort("received_date", "row")
            .group_by("person_id", maintain_order=True)
            .first()
            .with_columns(episode=pl.lit(len(episodes) + 1, pl.Int64))
        )
        episodes.append(first)
        until = pl.col("received_date") + pl.duration(days=gap)
        rest = (
            rest.join(first.select("person_id", until=until), on="person_id")
            .filter(pl.col("received_date") > pl.col("until"))
            .drop("until")
        )
    horizon = t0 + pl.duration(days=n_days)
    died = pl.col("date_of_death").is_not_null() & (pl.col("date_of_death") <= end)
    members = (
        pl.concat(episodes)
        .lazy()
        .sort("received_date")
        .join_asof(
            attended_dates("adult", "first_adult"),
            left_on="received_date",
            right_on="first_adult",
            by="person_id",
            strategy="forward",
            check_sortedness=False,
        )
        .join(persons, on="person_id")
        .with_columns(
            disengaged=pl.when(horizon > end)
            .then(None)
            .when(pl.col("first_adult") <= horizon)
            .then(False)
            .when(died & (pl.col("date_of_death") <= horizon))
            .then(None)
            .otherwise(True),
            age_band=pl.when(pl.col("age") <= 17)
            .then(pl.lit("16-17"))
            .when(pl.col("age") <= 19)
            .then(pl.lit("18-19"))
            .otherwise(pl.lit("20-25")),
        )
        .collect()
    )
    t1 = {
        "numerator": pl.col("disengaged").sum(),
        "denominator": pl.col("disengaged").count(),
    }
    per_group = [
        members.group_by(pl.lit("all").alias("group")).agg(
            breakdown=pl.lit("all"), **t1
        )
    ] + [
        members.group_by(pl.col(b).cast(pl.Utf8).alias("group")).agg(
            breakdown=pl.lit(b), **t1
        )
        for b in ["age_band", *COHORT_BREAKDOWNS]
    ]
    return members, pl.concat(per_group)


def cohort_check(ours: Any, peer: tuple[Any, Any]) -> None:
    """The same members and T1 flags as ``transfers``, the same T1 counts as ``summary``."""
    import polars as pl

    members, per_group = peer
    t = COHORT_TABLES
    mine = pl.from_arrow(
        cm.transition.transfers(
            t["persons"], t["referrals"], t["contacts"], data_end=COHORT_END
        )
    )
    key = ["person_id", "index_date"]
    theirs = members.rename({"received_date": "index_date"})
    j = mine.join(theirs, on=key, how="full", suffix="_peer")
    bad = j.filter(
        pl.col("person_id").is_null()
        | pl.col("person_id_peer").is_null()
        | (pl.col("referral_id") != pl.col("referral_id_peer"))
        | (pl.col("episode") != pl.col("episode_peer"))
        | pl.col("disengaged").ne_missing(pl.col("disengaged_peer"))
    )
    if bad.height or mine.height != theirs.height:
        sys.exit(
            f"cohort T: {bad.height} members differ (ours {mine.height}, polars "
            f"{theirs.height}):\n{bad.head(10)}"
        )
    t1 = pl.from_arrow(ours).filter(pl.col("metric") == "T1_disengaged_90d")
    jj = t1.join(per_group, on=["breakdown", "group"], how="full", suffix="_peer")

    def differs(c: str) -> Any:
        return pl.col(c).fill_null(0) != pl.col(f"{c}_peer").fill_null(0)

    bad = jj.filter(differs("numerator") | differs("denominator"))
    if bad.height:
        sys.exit(f"cohort T: T1 counts differ in {bad.height} groups:\n{bad}")
    NOTES.append(
        f"cohort T: {mine.height:,} members, T1 counts equal in {t1.height} groups"
    )


#: The cohort workload's tables, kept for its check (set by its setup).
COHORT_TABLES: dict[str, pa.Table] = {}


def cohort_setup_kept(n: int) -> dict[str, pa.Table]:
    COHORT_TABLES.clear()
    COHORT_TABLES.update(cohort_setup(n))
    return COHORT_TABLES


# --- The workloads ------------------------------------------------------------------------------


def workloads(n: int) -> list[Workload]:
    def proportion_cols(inp: Any) -> dict[str, np.ndarray]:
        return {"o": inp[0], "n": inp[1]}

    phe_cap = 1_000_000
    EST = ["value", "lower", "upper"]
    return [
        Workload(
            "wilson",
            f"Wilson intervals, {rows_label(n)}",
            lambda: counts(n),
            wilson_ours,
            [
                Peer("numpy formula", wilson_numpy, check_estimates),
                Peer(
                    'statsmodels `proportion_confint(method="wilson")`',
                    wilson_statsmodels,
                    lambda o, p: check_estimates(o, p, 1e-9, 1e-15, "statsmodels "),
                    available=needs("statsmodels"),
                ),
                Peer(
                    "duckdb SQL",
                    wilson_duckdb,
                    lambda o, p: check_estimates(o, p, 1e-9, 1e-15, "duckdb "),
                    wilson_duckdb_prepare,
                    available=needs("duckdb"),
                ),
                phe_peer("proportion", phe_cap, n, proportion_cols),
                kernel_peer(
                    "proportion_into", "wilson", proportion_cols, EST, same_estimates
                ),
                c_peer("cm_proportion", _c_proportion, 3, same_estimates),
            ],
        ),
        Workload(
            "byar",
            f"crude rates, Byar (exact below 10), {rows_label(n)}",
            lambda: counts(n),
            byar_ours,
            [
                Peer(
                    "numpy formula + scipy χ²",
                    byar_numpy,
                    check_estimates,
                    available=needs("scipy"),
                ),
                phe_peer("rate", phe_cap, n, proportion_cols),
                kernel_peer("rate_into", "byar", proportion_cols, EST, same_estimates),
                c_peer("cm_rate", _c_rate, 3, same_estimates),
            ],
        ),
        Workload(
            "exact",
            f"exact Poisson rates, {rows_label(n // 10)} (5 000 distinct counts)",
            lambda: counts(n // 10, seed=7),
            exact_ours,
            [
                Peer(
                    "`scipy.stats.chi2.ppf`",
                    exact_scipy,
                    lambda o, p: check_estimates(o, p, 1e-10),
                    available=needs("scipy"),
                )
            ],
        ),
        Workload(
            "bng",
            f"BNG distances, {rows_label(n)}",
            lambda: bng_setup(n),
            bng_ours,
            [
                Peer("numpy formula", bng_numpy, lambda o, p: close("km", o, p, 1e-15)),
                kernel_peer(
                    "bng_into",
                    "bng",
                    lambda inp: dict(zip(("e1", "n1", "e2", "n2"), inp)),
                    ["distance"],
                    lambda ours, peer: close("bng (kernel)", ours, peer[0], 0.0),
                ),
                c_peer(
                    "cm_distance_bng",
                    _c_bng,
                    1,
                    lambda ours, peer: close("bng (C)", ours, peer[0], 0.0),
                ),
            ],
        ),
        Workload(
            "haversine",
            f"haversine distances, {rows_label(n)}",
            lambda: latlon_setup(n),
            haversine_ours,
            [
                Peer(
                    "numpy formula",
                    haversine_numpy,
                    lambda o, p: close("haversine km", o, p, 1e-12, note=True),
                )
            ],
        ),
        Workload(
            "geodesic",
            f"WGS84 geodesics, {rows_label(n // 10)}",
            lambda: latlon_setup(n // 10),
            geodesic_ours,
            [
                Peer(
                    '`pyproj.Geod(ellps="WGS84").inv`',
                    geodesic_pyproj,
                    lambda o, p: close("geodesic km", o, p, 0.0, 1e-9, note=True),
                    available=needs("pyproj"),
                )
            ],
        ),
        Workload(
            "gini",
            f"Gini, {rows_label(5 * n, 'values')}",
            lambda: incomes(5 * n),
            gini_ours,
            [
                Peer("numpy formula", gini_numpy, scalar_check("gini numpy")),
                Peer(
                    "PySAL `inequality.gini.Gini`",
                    gini_pysal,
                    scalar_check("gini PySAL"),
                    subset=first_rows(n),
                    size=rows_label(n, "values"),
                    available=needs("inequality"),
                ),
            ],
        ),
        Workload(
            "theil",
            f"Theil T, {rows_label(5 * n, 'values')}",
            lambda: incomes(5 * n),
            theil_ours,
            [
                Peer("numpy formula", theil_numpy, scalar_check("theil numpy")),
                Peer(
                    "PySAL `inequality.theil.Theil`",
                    theil_pysal,
                    scalar_check("theil PySAL"),
                    subset=first_rows(n // 10),
                    size=rows_label(n // 10, "values"),
                    available=needs("inequality"),
                ),
            ],
        ),
        Workload(
            "sii",
            f"SII + RII, 10 deciles, {SII_REPS:,} draws",
            deciles,
            sii_ours,
            [
                Peer("numpy formula", sii_numpy, sii_check),
                kernel_peer(
                    "sii",
                    "sii",
                    lambda t: {
                        c: t[c]
                        for c in ("decile", "value", "lower", "upper", "population")
                    },
                    ["sii"],
                    lambda ours, peer: close("sii (kernel)", ours, peer[0], 0.0),
                ),
                Peer(
                    "PHEindicatormethods `phe_sii` (R)",
                    lambda r: r.run(),
                    sii_phe_check,
                    sii_phe_prepare,
                    available=r_available,
                ),
            ],
        ),
        Workload(
            "oap",
            "OAP measures, ~100 000 placements, 120 months × 3 breakdowns",
            lambda: oap_setup(n),
            oap_ours,
            [
                Peer(
                    "polars (lazy, `join_where`)",
                    oap_polars,
                    oap_check("polars"),
                    oap_polars_prepare,
                    available=needs("polars"),
                ),
                Peer(
                    "pandas (repeat per month, merge, groupby)",
                    oap_pandas,
                    oap_check("pandas"),
                    oap_pandas_prepare,
                    available=needs("pandas", "polars"),
                ),
                Peer(
                    "duckdb SQL (range join, GROUP BY)",
                    oap_duckdb,
                    oap_check("duckdb"),
                    oap_duckdb_prepare,
                    available=needs("duckdb", "polars"),
                ),
            ],
        ),
        Workload(
            "cohort_t",
            "transition cohort T + T1 per breakdown, demo scale 60 (1.47 M contacts)",
            lambda: cohort_setup_kept(n),
            cohort_ours,
            [
                Peer(
                    "polars (membership, episodes, T1)",
                    cohort_polars,
                    cohort_check,
                    cohort_polars_prepare,
                    available=needs("polars"),
                )
            ],
        ),
    ]


# --- Timing and memory ---------------------------------------------------------------------------


#: A side whose first call takes less than this many seconds is warmed up before every timed
#: call (``WARM_FOR``). Measured on the two-vCPU machine of the results below, for the
#: one-decile SII from Python (2.0 ms when called back to back, 4.5 ms on one thread): after
#: 0.3 s idle it took 3.6 ms, and still 3.9–4.0 ms after 1, 2 or 5 untimed calls, but 2.1 ms
#: after 20 (60 ms of calls). A rayon loop of 4 ms of work on two threads, after idle, ran on
#: one thread in most calls, its second worker starting 1.5–3.5 ms late or not at all, while
#: a plain thread woke in 12–20 µs. For calls of a second that is noise; for calls of
#: milliseconds it decides the ratio.
WARM_BELOW = 0.1

#: Seconds of untimed calls of the same side before each timed call of a short one.
WARM_FOR = 0.1


def timed(f: Callable[[Any], Any], inp: Any, warm: bool = False) -> tuple[float, float]:
    """Wall and CPU seconds of one call (the peer's own figures when it timed itself); with
    ``warm``, after ``WARM_FOR`` seconds of untimed calls of the same function."""
    if warm:
        until = time.perf_counter() + WARM_FOR
        f(inp)
        while time.perf_counter() < until:
            f(inp)
    c0, t0 = time.process_time(), time.perf_counter()
    r = f(inp)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if isinstance(r, External):
        return r.wall, r.cpu
    return wall, cpu


def status_bytes(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def trim_heap() -> None:
    """Gives freed heap memory back to the system (glibc), so the baseline is what is live."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


#: How long collabmetrics keeps a freed result column for reuse (``RETAIN_FOR`` in the core's
#: ``buffer.rs``), plus its reaper's period (a fifth of it) and a margin.
POOL_EMPTY_AFTER = 5.0 + 1.0 + 0.5


def wait_for_pool(since: float) -> None:
    """Waits until collabmetrics' pool of freed result columns is empty: its reaper frees
    each block within ``POOL_EMPTY_AFTER`` seconds of the call (``since``, a
    ``time.monotonic()``) that gave it back."""
    time.sleep(max(0.0, since + POOL_EMPTY_AFTER - time.monotonic()))


def peak(
    f: Callable[[Any], Any], inp: Any, ours_since: float | None = None
) -> float | None:
    """Bytes the call added to the resident set at its peak (None where not measurable)."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    if ours_since is not None:
        wait_for_pool(ours_since)  # first: the blocks it frees are then trimmed below
    trim_heap()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    before = status_bytes("VmRSS")
    r = f(inp)
    high = status_bytes("VmHWM")
    if isinstance(r, External):
        return r.peak
    del r
    return float(max(high - before, 0))


def peak_in_child(w: Workload, k: int, side: str, rows: int) -> float | None:
    """One side's peak, measured in a fresh process (see the docstring: in this one, other
    libraries' allocators give memory back during the measured call)."""
    # jemalloc (polars' allocator) told to give freed pages back at once, so that the
    # resident set follows the memory in use rather than what the allocator keeps.
    env = dict(os.environ, _RJEM_MALLOC_CONF="dirty_decay_ms:0,muzzy_decay_ms:0")
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--rows",
            str(rows),
            "--peak-of",
            f"{w.name}:{k}:{side}",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        sys.exit(f"peak of {w.name} ({side}, peer {k}) failed:\n{done.stderr}")
    last = done.stdout.split()[-1]
    return None if last == "None" else float(last)


def peak_of(spec: str, rows: int) -> None:
    """In the child: prepares the pair's inputs, makes one warm-up call of the side, then
    prints the peak of one more call."""
    name, k, side = spec.split(":")
    w = next(w for w in workloads(rows) if w.name == name)
    p = w.peers[int(k)]
    # Only this side's input is made: freeing the other's could return memory mid-call.
    x = p.subset(w.setup())
    f = w.ours if side == "ours" else p.run
    if side != "ours":
        x = p.prepare(x)
    f(x)
    print(peak(f, x, time.monotonic() if side == "ours" else None))


def ms(s: float) -> str:
    return f"{s * 1e3:,.0f} ms" if s >= 0.0095 else f"{s * 1e3:.2f} ms"


def mb(b: float | None) -> str:
    return (
        "" if b is None else f"{b / 1e6:,.0f} MB" if b >= 1e6 else f"{b / 1e6:.2f} MB"
    )


def peak_ratio(ours: float | None, peer: float | None) -> str:
    if ours is None or peer is None:
        return ""
    if ours < 1e6:
        return "— (ours < 1 MB)"
    return f"{peer / ours:.2f}×"


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} logical CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"collabmetrics {cm.__version__}; load average at the start {load}"
    )


HEADER = (
    "| workload | peer | ours wall | peer wall | peer / ours (wall) | ours CPU | peer CPU "
    "| peer / ours (CPU) | ours peak | peer peak | peer / ours (peak) |"
)


def run_pair(w: Workload, k: int, inp: Any, reps: int, rows: int) -> str:
    p = w.peers[k]
    what = f"{w.what} (this pair: {p.size})" if p.size else w.what
    try:
        reason = p.available()
    except ImportError as e:
        reason = f"{e.name} not importable"
    if reason:
        return f"| {what} | {p.name} | skipped: {reason} |" + " |" * 8
    ours_in = p.subset(inp)
    peer_in = p.prepare(ours_in)
    t0 = time.perf_counter()
    ours_result = w.ours(ours_in)
    t1 = time.perf_counter()
    peer_result = p.run(peer_in)
    t2 = time.perf_counter()
    p.check(ours_result, peer_result)
    warm_ours = t1 - t0 < WARM_BELOW
    warm_peer = t2 - t1 < WARM_BELOW and not isinstance(peer_result, External)
    del ours_result, peer_result
    t_ours: list[tuple[float, float]] = []
    t_peer: list[tuple[float, float]] = []
    for r in range(reps):
        pair = [
            (w.ours, ours_in, t_ours, warm_ours),
            (p.run, peer_in, t_peer, warm_peer),
        ]
        for f, x, acc, warm in pair if r % 2 == 0 else reversed(pair):
            acc.append(timed(f, x, warm))
    mo_w, mp_w = (statistics.median(t[0] for t in ts) for ts in (t_ours, t_peer))
    mo_c, mp_c = (statistics.median(t[1] for t in ts) for ts in (t_ours, t_peer))
    del ours_in, peer_in
    po, pp = (peak_in_child(w, k, side, rows) for side in ("ours", "peer"))
    return (
        f"| {what} | {p.name} | {ms(mo_w)} | {ms(mp_w)} | {mp_w / mo_w:.2f}× "
        f"| {ms(mo_c)} | {ms(mp_c)} | {mp_c / max(mo_c, 1e-9):.2f}× "
        f"| {mb(po)} | {mb(pp)} | {peak_ratio(po, pp)} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("only", nargs="*", help="workload names (default: all)")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=7)
    # workload:peer:side: measure that side's peak (in a child process)
    ap.add_argument("--peak-of", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peak_of:
        peak_of(args.peak_of, args.rows)
        return
    known = [w.name for w in workloads(args.rows)]
    unknown = [o for o in args.only if o not in known]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; expected some of {known}")
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}\n")
    print(HEADER)
    print("|---" * HEADER.count(" | ") + "|---|")
    for w in workloads(args.rows):
        if args.only and w.name not in args.only:
            continue
        inp = w.setup()
        for k in range(len(w.peers)):
            print(run_pair(w, k, inp, args.reps, args.rows), flush=True)
        del inp
        COHORT_TABLES.clear()
    print(
        "\nWall and CPU: medians of the interleaved repetitions (a side whose call takes under "
        f"{WARM_BELOW} s timed right after {WARM_FOR} s of untimed calls of its own); CPU is "
        "user + system "
        "time of every thread. Peak: the resident set's high-water mark above the resident set "
        "before one extra call (see the script's docstring)."
    )
    for note in NOTES:
        print(f"- {note}")


if __name__ == "__main__":
    main()
