"""One definition, three languages: Python, C (via ctypes on libcollabmetrics) and the Rust
command-line program give bit-identical numbers for the same input.

The C library and the CLI are built by ``scripts/test.sh`` before pytest runs; when run alone
without them, these tests are skipped unless ``COLLABMETRICS_CROSS_LANGUAGE=required``.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute
import pyarrow.csv
import pytest

import collabmetrics as cm

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
REQUIRED = os.environ.get("COLLABMETRICS_CROSS_LANGUAGE") == "required"


def _need(path: Path) -> Path:
    if not path.exists():
        if REQUIRED:
            pytest.fail(f"{path} is missing: build it first (cargo build)")
        pytest.skip(f"{path} not built")
    return path


@pytest.fixture(scope="module")
def clib() -> Any:
    lib = ctypes.CDLL(str(_need(TARGET / "libcollabmetrics.so")))
    lib.cm_last_error_message.restype = ctypes.c_char_p
    lib.cm_version.restype = ctypes.c_char_p
    return lib


def _ptr(a: np.ndarray) -> Any:
    return a.ctypes.data_as(ctypes.c_void_p)


def _out(n: int) -> list[np.ndarray]:
    return [np.full(n, np.nan) for _ in range(3)]


def test_version_matches(clib: Any) -> None:
    assert clib.cm_version().decode() == cm.__version__


def test_proportion_and_rate_identical(clib: Any, rng: np.random.Generator) -> None:
    n = rng.integers(1, 10_000, size=500).astype(float)
    o = np.floor(rng.uniform(0, 1, size=500) * (n + 1)).clip(0, n)
    v, lo, hi = _out(500)
    status = clib.cm_proportion(
        _ptr(o),
        _ptr(n),
        ctypes.c_size_t(500),
        ctypes.c_double(0.95),
        ctypes.c_double(100.0),
        _ptr(v),
        _ptr(lo),
        _ptr(hi),
    )
    assert status == 0, clib.cm_last_error_message()
    t = cm.proportion(o, n, multiplier=100)
    assert np.array_equal(t.column("value").to_numpy(), v)
    assert np.array_equal(t.column("lower").to_numpy(), lo)
    assert np.array_equal(t.column("upper").to_numpy(), hi)

    v, lo, hi = _out(500)
    status = clib.cm_rate(
        _ptr(o),
        _ptr(n),
        ctypes.c_size_t(500),
        ctypes.c_double(0.998),
        ctypes.c_double(1e5),
        ctypes.c_uint32(0),
        _ptr(v),
        _ptr(lo),
        _ptr(hi),
        None,
    )
    assert status == 0, clib.cm_last_error_message()
    t = cm.rate(o, n, confidence=0.998)
    assert np.array_equal(t.column("lower").to_numpy(), lo)
    assert np.array_equal(t.column("upper").to_numpy(), hi)


def test_dsr_identical(clib: Any, rng: np.random.Generator) -> None:
    ages = np.tile(np.arange(0, 95, 5, dtype=np.int32), 2)
    group = np.repeat(np.array([0, 1], dtype=np.uint32), 19)
    count = rng.integers(0, 100, size=38).astype(float)
    pop = rng.integers(100, 5000, size=38).astype(float)
    outs = [np.full(2, np.nan) for _ in range(5)]
    status = clib.cm_dsr(
        _ptr(group),
        _ptr(ages),
        _ptr(count),
        _ptr(pop),
        ctypes.c_size_t(38),
        ctypes.c_size_t(2),
        ctypes.c_uint32(0),
        None,
        None,
        ctypes.c_size_t(0),
        ctypes.c_double(0.95),
        ctypes.c_double(1e5),
        *[_ptr(a) for a in outs],
        None,
    )
    assert status == 0, clib.cm_last_error_message()
    frame = pa.table({"g": group, "age_band": ages, "count": count, "population": pop})
    t = cm.dsr(frame, by="g")
    for name, c in zip(["total_count", "total_population", "value", "lower", "upper"], outs):
        assert np.array_equal(t.column(name).to_numpy(), c), name


def test_c_errors_carry_the_core_message(clib: Any) -> None:
    o, n = np.array([11.0]), np.array([10.0])
    v, lo, hi = _out(1)
    status = clib.cm_proportion(
        _ptr(o),
        _ptr(n),
        ctypes.c_size_t(1),
        ctypes.c_double(0.95),
        ctypes.c_double(1.0),
        _ptr(v),
        _ptr(lo),
        _ptr(hi),
    )
    assert status == 3
    message = clib.cm_last_error_message().decode()
    with pytest.raises(cm.CollabMetricsError) as info:
        cm.proportion(o, n)
    assert "numerator must not exceed the denominator" in message
    assert "numerator must not exceed the denominator" in str(info.value)


def test_cli_demo_matches_python() -> None:
    """The CLI's headline (Rust end to end) equals Python's demo tables + cm.oap.measures."""
    exe = _need(TARGET / "collabmetrics")
    out = subprocess.run(
        [str(exe), "demo", "--format", "json"], check=True, capture_output=True, text=True
    ).stdout
    headline = json.loads(out)["sections"][0]
    tables = cm.demo.tables()
    m = cm.oap.measures(
        tables["placements"],
        start="2023-04-01",
        end="2024-03-31",
        window="rolling_3m",
        data_cutoff="2024-03-31",
    )
    assert [float(r[-1]) for r in headline["rows"]] == m.column("bed_days").to_pylist()


def test_cli_funnel_matches_python(tmp_path: Path) -> None:
    """`collabmetrics funnel` (Rust end to end) gives Python's cm.funnel.assess to the bit."""
    exe = _need(TARGET / "collabmetrics")
    vectors = ROOT / "tests" / "reference" / "funnel" / "funnelplotr_vectors.csv"
    table = pa.csv.read_csv(vectors)
    table = table.filter(pa.compute.equal(table["case"], "PR_limit95"))
    data = table.select(["group", "numerator", "denominator"])
    path = tmp_path / "pr.csv"
    pa.csv.write_csv(data, path)
    out = subprocess.run(
        [str(exe), "funnel", "--input", str(path), "--statistic", "pr", "--unit", "group",
         "--limit", "95", "--format", "json"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = json.loads(out)
    py = cm.funnel.assess(data, "numerator", "denominator", unit="group", statistic="pr", limit=95)
    for column in ["value", "z", "z_adjusted", "lcl95", "od_ucl998", "phi", "tau2"]:
        assert [r[column] for r in rows] == py[column].to_pylist(), column
    assert [r["outlier"] for r in rows] == py["outlier"].to_pylist()
