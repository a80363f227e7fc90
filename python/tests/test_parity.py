"""One definition, every face: each public entry point gives the same result through Rust
(the crate, called by ``core_call``), C (``libcollabmetrics`` over Arrow C streams), Python and,
where it has one, the command line, on the demo collaborative's data: the same schema, the
same diagnostics and every value bit for bit (same seed, same draws for simulations); and each
face's defaults are the core's.

The inventory of entry points and faces is ``tests/PARITY.md``; each test below names the
entry point it covers. Each entry point is called twice where its options allow: with every
option at its default (so the faces' defaults are compared by what they compute, not only by
their values) and with every option it has changed, so each option is seen to reach the core.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import inspect
import json
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from compat import renamed
from parity_faces import (
    HEADER,
    ROOT,
    TARGET,
    C,
    CError,
    Cli,
    Core,
    CoreError,
    assert_columns,
    assert_csv_same,
    assert_json_same,
    assert_same,
    cli_diagnostics,
    cli_error,
    code_of,
    name_of,
    need,
    python_error_fields,
)

import collabmetrics as cm
from collabmetrics import _native

#: The demo's size: small enough for a fast suite, large enough that every metric has rows.
SCALE = 0.3
DATA_END = dt.date(2024, 3, 31)
START, END = dt.date(2023, 4, 1), dt.date(2024, 3, 31)
EPOCH = dt.date(1970, 1, 1)


def days(d: dt.date) -> int:
    return (d - EPOCH).days


# ---------------------------------------------------------------------------------------------
# The faces and the demo data.


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Core:
    exe = need(TARGET / "examples" / "core_call")
    return Core(exe, tmp_path_factory.mktemp("core"))


@pytest.fixture(scope="module")
def clib() -> C:
    return C(need(TARGET / "libcollabmetrics.so"))


@pytest.fixture(scope="module")
def cli(core: Core) -> Cli:
    return Cli(need(TARGET / "collabmetrics"), core)


@pytest.fixture(scope="module")
def demo() -> dict[str, pa.Table]:
    return cm.demo.tables(scale=SCALE)


def esp_lower_age(age: pa.Array) -> pa.Array:
    """The lower age of each age's ESP 2013 band (0, 5, ..., 90)."""
    lower = pc.multiply(pc.divide(age, 5), 5)  # integer division
    return pc.min_element_wise(lower, 90)


@pytest.fixture(scope="module")
def by_area(demo: dict[str, pa.Table]) -> pa.Table:
    """Per home area: admissions, those out of area, placements started, population."""
    adm = demo["admissions"]
    counts = renamed(
        pa.table({"area_code": adm["home_area"], "oap": pc.cast(adm["out_of_area"], pa.int64())})
        .group_by("area_code")
        .aggregate([("oap", "sum"), ("oap", "count")]),
        {"oap_sum": "out_of_area", "oap_count": "admissions"},
    )
    areas = demo["areas"].select(["area_code", "place", "imd_decile", "population"])
    return areas.join(counts, "area_code").sort_by("area_code")


@pytest.fixture(scope="module")
def by_band(demo: dict[str, pa.Table]) -> pa.Table:
    """Per place and ESP band: admissions (count), population, and the collaborative's
    admissions and population of the band (the reference of an ISR)."""
    adm = demo["admissions"]
    counts = renamed(
        pa.table({"place": adm["place"], "age_band": esp_lower_age(adm["age"])})
        .group_by(["place", "age_band"])
        .aggregate([("age_band", "count")]),
        {"age_band_count": "count"},
    )
    pop = demo["population"]
    lower = pc.cast(pc.list_element(pc.split_pattern_regex(pop["age_band"], "[-+]"), 0), pa.int64())
    people = renamed(
        pa.table({"place": pop["place"], "age_band": lower, "population": pop["population"]})
        .group_by(["place", "age_band"])
        .aggregate([("population", "sum")]),
        {"population_sum": "population"},
    )
    table = people.join(counts, ["place", "age_band"]).sort_by(
        [("place", "ascending"), ("age_band", "ascending")]
    )
    table = table.set_column(
        table.schema.get_field_index("count"), "count", pc.fill_null(table["count"], 0)
    )
    reference = renamed(
        table.group_by("age_band").aggregate([("count", "sum"), ("population", "sum")]),
        {"count_sum": "reference_count", "population_sum": "reference_population"},
    )
    return table.join(reference, "age_band").sort_by(
        [("place", "ascending"), ("age_band", "ascending")]
    )


def codes(labels: list[Any]) -> tuple[np.ndarray[Any, Any], list[Any]]:
    """Group codes 0.. in first-seen order, and the groups."""
    groups = list(dict.fromkeys(labels))
    index = {g: i for i, g in enumerate(groups)}
    return np.array([index[x] for x in labels], dtype=np.uint32), groups


def ptr(a: np.ndarray[Any, Any]) -> Any:
    return a.ctypes.data_as(ctypes.c_void_p)


def f64(table: pa.Table, name: str) -> np.ndarray[Any, Any]:
    return np.ascontiguousarray(pc.cast(table[name], pa.float64()).to_numpy(), dtype=np.float64)


def out(n: int, k: int = 3) -> list[np.ndarray[Any, Any]]:
    """``k`` output arrays of ``n`` doubles for a C kernel."""
    return [np.full(n, np.nan) for _ in range(k)]


# ---------------------------------------------------------------------------------------------
# Statistics: proportion, rate, dsr, isr, mean (table entry points and vector kernels).

PROPORTION_OPTIONS: list[dict[str, Any]] = [{}, {"confidence": 0.998, "multiplier": 100.0}]


@pytest.mark.parametrize("options", PROPORTION_OPTIONS)
def test_proportion(core: Core, clib: C, by_area: pa.Table, options: dict[str, Any]) -> None:
    """cm.proportion (frame and vectors) = proportion_table and stats::proportion in Rust =
    cm_proportion."""
    py = cm.proportion("out_of_area", "admissions", data=by_area, **options)
    cols = {"numerator": "out_of_area", "denominator": "admissions"}
    assert_same(py, core.one("proportion_table", {**cols, **options}, data=by_area), "table")

    vectors = pa.table({"numerator": by_area["out_of_area"], "denominator": by_area["admissions"]})
    py_vectors = cm.proportion(by_area["out_of_area"], by_area["admissions"], **options)
    assert_same(py_vectors, core.one("proportion_table", options, data=vectors), "vectors")
    kernel = core.one("proportion", options, data=vectors)
    assert_columns(py, {c: kernel[c].to_pylist() for c in kernel.column_names}, "stats::proportion")

    full = {**_native.defaults("proportion"), **options}
    o, n = f64(by_area, "out_of_area"), f64(by_area, "admissions")
    v, lo, hi = out(len(o))
    clib.check(
        clib.cm_proportion(
            ptr(o),
            ptr(n),
            ctypes.c_size_t(len(o)),
            ctypes.c_double(full["confidence"]),
            ctypes.c_double(full["multiplier"]),
            ptr(v),
            ptr(lo),
            ptr(hi),
        )
    )
    assert_columns(py, {"value": v, "lower": lo, "upper": hi}, "cm_proportion")


RATE_OPTIONS: list[dict[str, Any]] = [
    {},
    {"confidence": 0.998, "multiplier": 1000.0, "method": "exact"},
]


@pytest.mark.parametrize("options", RATE_OPTIONS)
def test_rate(core: Core, clib: C, by_area: pa.Table, options: dict[str, Any]) -> None:
    """cm.rate = rate_table and stats::rate in Rust = cm_rate (with each row's method)."""
    py = cm.rate("admissions", "population", data=by_area, **options)
    cols = {"count": "admissions", "denominator": "population"}
    assert_same(py, core.one("rate_table", {**cols, **options}, data=by_area), "table")

    vectors = pa.table({"count": by_area["admissions"], "denominator": by_area["population"]})
    py_vectors = cm.rate(by_area["admissions"], by_area["population"], **options)
    assert_same(py_vectors, core.one("rate_table", options, data=vectors), "vectors")
    kernel = core.one("rate", options, data=vectors)
    assert_columns(
        py, {c: kernel[c].to_pylist() for c in ["value", "lower", "upper"]}, "stats::rate"
    )

    full = {**_native.defaults("rate"), **options}
    o, n = f64(by_area, "admissions"), f64(by_area, "population")
    v, lo, hi = out(len(o))
    used = np.zeros(len(o), dtype=np.uint8)
    clib.check(
        clib.cm_rate(
            ptr(o),
            ptr(n),
            ctypes.c_size_t(len(o)),
            ctypes.c_double(full["confidence"]),
            ctypes.c_double(full["multiplier"]),
            ctypes.c_uint32(code_of("RateMethod", full["method"])),
            ptr(v),
            ptr(lo),
            ptr(hi),
            ptr(used),
        )
    )
    assert_columns(py, {"value": v, "lower": lo, "upper": hi}, "cm_rate")
    # The row's method: C's code (2 Byar, 3 exact) is the core's, Python shows its name.
    assert used.tolist() == kernel["method_code"].to_pylist()
    names = {2: "Byars", 3: "Exact"}
    assert [names[c] for c in used.tolist()] == py["method"].to_pylist()


#: A custom standard: the ESP's 19 bands weighted 1 to 19.
CUSTOM_STANDARD = {5 * i: float(i + 1) for i in range(19)}

DSR_OPTIONS: list[dict[str, Any]] = [
    {},
    {"confidence": 0.998, "multiplier": 1000.0},
    {"standard": CUSTOM_STANDARD},
    {"standard": "esp2013_18"},
    {"method": "exact"},
]


@pytest.mark.parametrize("options", DSR_OPTIONS)
def test_dsr(core: Core, clib: C, by_band: pa.Table, options: dict[str, Any]) -> None:
    """cm.dsr = dsr_table in Rust = cm_dsr (groups coded 0..)."""
    if options.get("standard") == "esp2013_18":  # its last band is 85+: 85-89 and 90+ merged
        merged = (
            by_band.set_column(
                by_band.schema.get_field_index("age_band"),
                "age_band",
                pc.min_element_wise(by_band["age_band"], 85),
            )
            .group_by(["place", "age_band"])
            .aggregate([("count", "sum"), ("population", "sum")])
        )
        by_band = renamed(merged, {"count_sum": "count", "population_sum": "population"})
        by_band = by_band.sort_by([("place", "ascending"), ("age_band", "ascending")])
    py = cm.dsr(by_band, by="place", **options)
    rust_options = dict(options)
    if isinstance(options.get("standard"), dict):
        lower = sorted(options["standard"])
        rust_options["standard"] = {
            "lower_ages": lower,
            "weights": [options["standard"][a] for a in lower],
        }
    assert_same(py, core.one("dsr_table", {"by": ["place"], **rust_options}, data=by_band), "table")

    full = {**_native.defaults("dsr"), **options}
    group, groups = codes(by_band["place"].to_pylist())
    assert groups == py["place"].to_pylist()
    ages = np.ascontiguousarray(by_band["age_band"].to_numpy(), dtype=np.int32)
    count, pop = f64(by_band, "count"), f64(by_band, "population")
    results = out(len(groups), 5)
    low = np.zeros(len(groups), dtype=np.uint8)
    if isinstance(full["standard"], dict):
        code = clib.const["CM_STANDARD_CUSTOM"]
        std_ages = np.array(sorted(full["standard"]), dtype=np.int32)
        std_weights = np.array([full["standard"][a] for a in sorted(full["standard"])])
        standard: list[Any] = [ptr(std_ages), ptr(std_weights), ctypes.c_size_t(len(std_ages))]
    else:
        code = code_of("StandardName", full["standard"])
        standard = [None, None, ctypes.c_size_t(0)]
    clib.check(
        clib.cm_dsr(
            ptr(group),
            ptr(ages),
            ptr(count),
            ptr(pop),
            ctypes.c_size_t(len(group)),
            ctypes.c_size_t(len(groups)),
            ctypes.c_uint32(code),
            *standard,
            ctypes.c_double(full["confidence"]),
            ctypes.c_double(full["multiplier"]),
            ctypes.c_uint32(code_of("RateMethod", full["method"])),
            *[ptr(a) for a in results],
            ptr(low),
        )
    )
    names = ["total_count", "total_population", "value", "lower", "upper"]
    assert_columns(py, dict(zip(names, results)), "cm_dsr")
    assert [bool(x) for x in low] == [n is not None for n in py["note"].to_pylist()]


ISR_OPTIONS: list[dict[str, Any]] = [
    {},
    {"confidence": 0.998, "kind": "rate", "multiplier": 1000.0},
    {"method": "exact"},
]


@pytest.mark.parametrize("options", ISR_OPTIONS)
def test_isr(core: Core, clib: C, by_band: pa.Table, options: dict[str, Any]) -> None:
    """cm.isr = isr_table in Rust = cm_isr."""
    py = cm.isr(by_band, by="place", **options)
    assert_same(py, core.one("isr_table", {"by": ["place"], **options}, data=by_band), "table")

    full = {**_native.defaults("isr"), **options}
    multiplier = full["multiplier"]
    if multiplier is None:  # the kind's own: the core's rule, read back from the result
        multiplier = 1.0 if full["kind"] == "ratio" else 100_000.0
    group, groups = codes(by_band["place"].to_pylist())
    arrays = [
        f64(by_band, c) for c in ["count", "population", "reference_count", "reference_population"]
    ]
    results = out(len(groups), 5)
    clib.check(
        clib.cm_isr(
            ptr(group),
            ctypes.c_size_t(len(groups)),
            *[ptr(a) for a in arrays],
            ctypes.c_size_t(len(group)),
            ctypes.c_double(full["confidence"]),
            ctypes.c_double(multiplier),
            ctypes.c_uint32(code_of("RateMethod", full["method"])),
            ctypes.c_uint32(code_of("IsrKind", full["kind"])),
            *[ptr(a) for a in results],
        )
    )
    names = ["observed", "expected", "value", "lower", "upper"]
    assert_columns(py, dict(zip(names, results)), "cm_isr")


@pytest.mark.parametrize("options", [{}, {"confidence": 0.9}])
def test_mean(core: Core, clib: C, demo: dict[str, pa.Table], options: dict[str, Any]) -> None:
    """cm.mean (frame and numbers) = mean_table in Rust = cm_mean."""
    placements = demo["placements"]
    py = cm.mean(placements, value="age", by="place", **options)
    rust = core.one("mean_table", {"value": "age", "by": ["place"], **options}, data=placements)
    assert_same(py, rust, "table")
    numbers = pa.table({"value": pc.cast(placements["age"], pa.float64())})
    assert_same(
        cm.mean(numbers["value"], **options),
        core.one("mean_table", options, data=numbers),
        "numbers",
    )

    full = {**_native.defaults("mean"), **options}
    group, groups = codes(placements["place"].to_pylist())
    assert groups == py["place"].to_pylist()
    values = f64(placements, "age")
    results = out(len(groups), 6)
    clib.check(
        clib.cm_mean(
            ptr(group),
            ctypes.c_size_t(len(groups)),
            ptr(values),
            ctypes.c_size_t(len(values)),
            ctypes.c_double(full["confidence"]),
            *[ptr(a) for a in results],
        )
    )
    names = ["value_count", "value_sum", "sd", "value", "lower", "upper"]
    assert_columns(py, dict(zip(names, results)), "cm_mean")


# ---------------------------------------------------------------------------------------------
# Out-of-area placements: oap::measures (Python cm.oap.measures, C cm_oap_measures, CLI oap).


@pytest.fixture(scope="module")
def oap_inputs(demo: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Placements with their home-to-unit distance, population by place, all admissions."""
    placements = cm.distance.points(
        demo["placements"],
        coordinates=["home_easting", "home_northing", "unit_easting", "unit_northing"],
    )
    population = renamed(
        demo["areas"].group_by("place").aggregate([("population", "sum")]),
        {"population_sum": "population"},
    )
    return {"placements": placements, "population": population, "admissions": demo["admissions"]}


OAP_OPTIONS: list[dict[str, Any]] = [
    {},
    {
        "window": "rolling_3m",
        "by": ["place"],
        "inappropriate_only": False,
        "bed_types": ["10", "12"],
        "data_cutoff": dt.date(2024, 2, 15),
        "overlap": "truncate",
        "multiplier": 100_000.0,
        "confidence": 0.998,
        "distance": "distance_km",
        "with_inputs": True,
    },
    {"window": "rolling_12m", "by": ["place"], "bed_types": None, "with_inputs": True},
    # The reason-code remapping (14, patient choice, counted as inappropriate; 99 unknown) and
    # the distance summary's threshold and bands, custom and a preset.
    {
        "inappropriate_only": True,
        "reasons": {"inappropriate": ["10", "14"], "appropriate": ["11", "12", "13", "15"]},
        "distance": "distance_km",
        "distance_threshold": 30.0,
        "distance_bands": [10.0, 20.5, 80.0],
    },
    {
        "reasons": {"appropriate": []},
        "distance": "distance_km",
        "distance_bands": "mhsds_monthly",
    },
]


def _oap_call(options: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    o = dict(options)
    return o, bool(o.pop("with_inputs", False))


@pytest.mark.parametrize("options", OAP_OPTIONS)
def test_oap_measures(
    core: Core, clib: C, cli: Cli, oap_inputs: dict[str, pa.Table], options: dict[str, Any]
) -> None:
    """cm.oap.measures = oap::measures in Rust = cm_oap_measures = `collabmetrics oap`."""
    o, with_inputs = _oap_call(options)
    tables = oap_inputs if with_inputs else {"placements": oap_inputs["placements"]}
    extra = {k: v for k, v in tables.items() if k != "placements"}
    py = cm.oap.measures(tables["placements"], start=START, end=END, **extra, **o)
    assert cm.diagnostics(py), "the demo's placements set some aside"

    as_json = {k: days(v) if isinstance(v, dt.date) else v for k, v in o.items()}
    # The core's JSON nests the distance summary's options (their level is `confidence`).
    nested = {
        k: as_json.pop(f"distance_{k}") for k in ["threshold", "bands"] if f"distance_{k}" in o
    }
    if nested:
        as_json["distance_options"] = nested
    rust = core.one("oap", {"start": days(START), "end": days(END), **as_json}, **tables)
    assert_same(py, rust, "Rust")

    # C: from cm_oap_options_default, the options the call changes.
    opts = clib.cm_oap_options_default(days(START), days(END))
    if "window" in o:
        opts.window = code_of("Window", o["window"])
    if "by" in o:
        opts.by, opts.by_len = clib.strings(o["by"])
    if "inappropriate_only" in o:
        opts.inappropriate_only = o["inappropriate_only"]
    if "bed_types" in o:
        if o["bed_types"] is None:
            opts.bed_scope = clib.const["CM_BED_SCOPE_ALL"]
        else:
            opts.bed_scope = clib.const["CM_BED_SCOPE_LIST"]
            opts.bed_types, opts.bed_types_len = clib.strings(o["bed_types"])
    if "data_cutoff" in o:
        opts.has_data_cutoff, opts.data_cutoff = True, days(o["data_cutoff"])
    if "overlap" in o:
        opts.overlap = code_of("OverlapRule", o["overlap"])
    for k in ["multiplier", "confidence"]:
        if k in o:
            setattr(opts, k, o[k])
    if "distance" in o:
        opts.distance = clib.string(o["distance"])
    if "distance_threshold" in o:
        opts.distance_threshold = o["distance_threshold"]
    if isinstance(o.get("distance_bands"), str):
        opts.distance_bands = code_of("BandPreset", o["distance_bands"])
    elif "distance_bands" in o:
        opts.distance_bands = clib.const["CM_BANDS_CUSTOM"]
        edges = o["distance_bands"]
        opts.distance_band_edges, opts.distance_band_edges_len = clib.doubles(edges), len(edges)
    for kind, codes in o.get("reasons", {}).items():
        setattr(opts, f"has_{kind}_reasons", True)
        arr, n = clib.strings(codes)
        setattr(opts, f"{kind}_reasons", arr)
        setattr(opts, f"{kind}_reasons_len", n)
    result = C.stream(pa.table({}))
    streams = [C.stream(tables[k]) if k in tables else None for k in ["population", "admissions"]]
    clib.check(
        clib.cm_oap_measures(
            ctypes.byref(C.stream(tables["placements"])),
            ctypes.byref(opts),
            *[None if s is None else ctypes.byref(s) for s in streams],
            ctypes.byref(result),
        )
    )
    assert_same(py, C.table(result), "C")

    # The command line: each option as its flag.
    args = ["oap", "--placements", cli.file(tables["placements"])]
    args += [a for k in extra for a in (f"--{k}", cli.file(tables[k]))]
    args += ["--start", START.isoformat(), "--end", END.isoformat()]
    for k, v in o.items():
        if k == "inappropriate_only":
            args += [] if v else ["--all-placements"]
        elif k == "bed_types":
            args += ["--bed-types", "all" if v is None else ",".join(v)]
        elif k == "by":
            args += ["--by", ",".join(v)]
        elif k == "reasons":
            args += [a for kind in v for a in (f"--{kind}-reasons", ",".join(v[kind]))]
        elif k == "distance_bands" and not isinstance(v, str):
            args += ["--distance-bands", ",".join(str(e) for e in v)]
        else:
            text = v.isoformat() if isinstance(v, dt.date) else str(v)
            args += [f"--{k.replace('_', '-')}", text]
    stdout, stderr = cli(*args)
    assert_csv_same(py, stdout, "CLI")
    assert cli_diagnostics(stderr) == cm.diagnostics(py)
    stdout, _ = cli(*args, "--format", "json")
    assert_json_same(py, stdout, "CLI JSON")


# ---------------------------------------------------------------------------------------------
# Distance: points, convert, locate, summary (tables) and the bng, geodesic, haversine,
# bng_to_wgs84 vector kernels.

BNG = ["home_easting", "home_northing", "unit_easting", "unit_northing"]
LATLON = ["home_lat", "home_lon", "unit_lat", "unit_lon"]


@pytest.fixture(scope="module")
def holes(demo: dict[str, pa.Table]) -> pa.Table:
    """The placements with two home locations missing (rows 1 and 4)."""
    p = demo["placements"]
    for name in ["home_easting", "home_lat"]:
        values = p[name].to_pylist()
        values[1] = values[4] = None
        p = p.set_column(p.schema.get_field_index(name), name, pa.array(values, pa.float64()))
    return p


POINTS_OPTIONS: list[dict[str, Any]] = [
    {"coordinates": BNG},
    {"coordinates": BNG, "round_km": True, "output": "km"},
    {"coordinates": LATLON, "method": "geodesic", "nulls": "propagate"},
    {"coordinates": LATLON, "method": "haversine", "nulls": "propagate"},
]


@pytest.mark.parametrize("options", POINTS_OPTIONS)
def test_distance_points(
    core: Core, clib: C, holes: pa.Table, demo: dict[str, pa.Table], options: dict[str, Any]
) -> None:
    """cm.distance.points = distance_points_table in Rust; cm.distance.bng / geodesic /
    haversine = the Rust kernels = cm_distance_bng / _geodesic / _haversine."""
    data = holes if options.get("nulls") == "propagate" else demo["placements"]
    py = cm.distance.points(data, **options)
    assert_same(py, core.one("distance_points", options, data=data), "table")

    method = options.get("method", "bng")
    round_km = options.get("round_km", False)
    nulls = options.get("nulls", "error")
    names = ("e1", "n1", "e2", "n2") if method == "bng" else ("lat1", "lon1", "lat2", "lon2")
    cols = [f64(data, c) for c in options["coordinates"]]
    with pytest.warns() if nulls == "propagate" else _no_warning():
        km = getattr(cm.distance, method)(
            *cols, nulls=nulls, **({"round_km": round_km} if method == "bng" else {})
        )
    assert_columns(py, {options.get("output", "distance_km"): km}, "vector", null_is_nan=True)
    vectors = pa.table(dict(zip(names, cols)))
    kernel = core.one(method, {"round_km": round_km, "nulls": nulls}, data=vectors)
    assert np.array_equal(kernel["km"].to_numpy().view(np.int64), km.view(np.int64))

    if nulls == "error":  # the C kernels have no null policy: NaN is an error
        res = np.full(len(km), np.nan)
        f = getattr(clib, f"cm_distance_{method}")
        extra = [ctypes.c_bool(round_km)] if method == "bng" else []
        clib.check(f(*[ptr(c) for c in cols], ctypes.c_size_t(len(km)), *extra, ptr(res)))
        assert np.array_equal(res.view(np.int64), km.view(np.int64))


@contextlib.contextmanager
def _no_warning() -> Iterator[None]:
    """A context in which any warning is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("nulls", ["error", "propagate"])
def test_bng_to_wgs84(
    core: Core, clib: C, demo: dict[str, pa.Table], holes: pa.Table, nulls: str
) -> None:
    """cm.distance.bng_to_wgs84 = bng_to_wgs84_table and the kernel in Rust = cm_bng_to_wgs84."""
    data = holes if nulls == "propagate" else demo["placements"]
    e, n = f64(data, "home_easting"), f64(data, "home_northing")
    with pytest.warns() if nulls == "propagate" else _no_warning():
        lat, lon = cm.distance.bng_to_wgs84(e, n, nulls=nulls)
    table = core.one(
        "distance_convert",
        {"easting": "home_easting", "northing": "home_northing", "nulls": nulls},
        data=data,
    )
    assert_columns(table, {"latitude": lat, "longitude": lon}, "table", null_is_nan=True)
    kernel = core.one("bng_to_wgs84", {"nulls": nulls}, data=pa.table({"e": e, "n": n}))
    assert_columns(kernel, {"lat": lat, "lon": lon}, "kernel")
    if nulls == "error":
        got = out(len(e), 2)
        clib.check(
            clib.cm_bng_to_wgs84(ptr(e), ptr(n), ctypes.c_size_t(len(e)), *[ptr(a) for a in got])
        )
        assert_columns(kernel, {"lat": got[0], "lon": got[1]}, "cm_bng_to_wgs84")


def test_locate(core: Core, demo: dict[str, pa.Table]) -> None:
    """cm.distance.locate = locate_table in Rust (no C or CLI face), with unknown and missing
    codes counted the same."""
    p = demo["placements"]
    codes_ = p["home_area"].to_pylist()
    codes_[0], codes_[3] = "E01NOWHERE", None
    p = p.set_column(p.schema.get_field_index("home_area"), "home_area", pa.array(codes_))
    areas = demo["areas"]
    py = cm.distance.locate(
        p,
        areas,
        code="home_area",
        lookup_code="area_code",
        x="easting",
        y="northing",
        into=("home_e", "home_n"),
        nulls="propagate",
    )
    assert sorted(d["reason"] for d in cm.diagnostics(py)) == [
        "missing_location_code",
        "unknown_location_code",
    ]
    options = {
        "code": "home_area",
        "lookup_code": "area_code",
        "lookup_x": "easting",
        "lookup_y": "northing",
        "x": "home_e",
        "y": "home_n",
        "nulls": "propagate",
    }
    assert_same(py, core.one("distance_locate", options, data=p, lookup=areas), "Rust")
    # The defaults: the lookup's columns `code`, `x`, `y`, added under the same names.
    lookup = areas.select(["area_code", "easting", "northing"]).rename_columns(["code", "x", "y"])
    clean = demo["placements"]
    py = cm.distance.locate(clean, lookup, code="home_area")
    assert_same(
        py,
        core.one("distance_locate", {"code": "home_area"}, data=clean, lookup=lookup),
        "defaults",
    )


SUMMARY_OPTIONS: list[dict[str, Any]] = [
    {},
    {
        "by": ["place"],
        "weight": "age",
        "threshold": 30.0,
        "bands": "mhsds_monthly",
        "confidence": 0.9,
        "nulls": "propagate",
    },
    {"by": ["place", "sex"], "bands": [10.0, 40.0, 80.0], "nulls": "propagate"},
]


@pytest.mark.parametrize("options", SUMMARY_OPTIONS)
def test_distance_summary(
    core: Core, clib: C, holes: pa.Table, demo: dict[str, pa.Table], options: dict[str, Any]
) -> None:
    """cm.distance.summary = distance_summary_table in Rust = cm_distance_summary."""
    data = holes if options.get("nulls") == "propagate" else demo["placements"]
    data = cm.distance.points(data, coordinates=BNG, nulls="propagate")
    py = cm.distance.summary(data, **options)
    assert_same(py, core.one("distance_summary", options, data=data), "Rust")

    opts = clib.cm_distance_summary_options_default()
    if "by" in options:
        opts.by, opts.by_len = clib.strings(options["by"])
    if "weight" in options:
        opts.weight = clib.string(options["weight"])
    if "threshold" in options:
        opts.threshold = options["threshold"]
    if "confidence" in options:
        opts.confidence = options["confidence"]
    if "nulls" in options:
        opts.propagate_nulls = options["nulls"] == "propagate"
    bands = options.get("bands")
    if isinstance(bands, str):
        opts.bands = code_of("BandPreset", bands)
    elif bands is not None:
        opts.bands = clib.const["CM_BANDS_CUSTOM"]
        opts.band_edges, opts.band_edges_len = clib.doubles(bands), len(bands)
    result = C.stream(pa.table({}))
    clib.check(
        clib.cm_distance_summary(
            ctypes.byref(C.stream(data)), ctypes.byref(opts), ctypes.byref(result)
        )
    )
    assert_same(py, C.table(result), "C")


# ---------------------------------------------------------------------------------------------
# Inequality: the grouped measures table (and its sii shortcut) and the individual indices
# (gini, theil, mld, atkinson, ge, share_ratio, lorenz, concentration_index, decompose, the
# bootstrap).


@pytest.fixture(scope="module")
def subgroups(by_area: pa.Table) -> dict[str, pa.Table]:
    """Admission rates per 100 000 with 95% limits by IMD decile (ordered) and by place (not
    ordered), for two indicators (all admissions; out-of-area ones)."""
    out = {}
    for dimension in ["imd_decile", "place"]:
        parts = []
        for indicator, count in [("admissions", "admissions"), ("oap", "out_of_area")]:
            t = by_area.group_by(dimension).aggregate([(count, "sum"), ("population", "sum")])
            t = renamed(t, {f"{count}_sum": count, "population_sum": "population"}).sort_by(
                dimension
            )
            r = cm.rate(count, "population", data=t)
            parts.append(
                pa.table(
                    {
                        "indicator": [indicator] * t.num_rows,
                        "subgroup": t[dimension],
                        "count": pc.cast(t[count], pa.float64()),
                        "value": r["value"],
                        "lower": r["lower"],
                        "upper": r["upper"],
                        "se": pc.divide(pc.subtract(r["upper"], r["lower"]), 2 * 1.959963984540054),
                        "population": pc.cast(t["population"], pa.float64()),
                    }
                )
            )
        out[dimension] = pa.concat_tables(parts)
    return out


#: (dimension, options): Python's keywords, which are the core's option names but for `group`
#: (the core's `subgroup`) and the counts (`numerator`, `denominator`, `count_kind`,
#: `count_multiplier`: the core's `counts`).
MEASURES_OPTIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "imd_decile",
        {
            "favourable": "low",
            "by": ["indicator"],
            "order": "subgroup",
            "lower": "lower",
            "upper": "upper",
            "reps": 5000,
        },
    ),
    (
        "imd_decile",
        {
            "by": ["indicator"],
            "order": "subgroup",
            "se": "se",
            "favourable": "high",
            "measures": ["D", "R", "SII", "RII", "RII_MEAN", "ACI", "RCI", "PAF", "PAR"],
            "rci_method": "wagstaff",
            "value_type": "rate",
            "transform": True,
            "confidence": 0.9,
            "reps": 500,
            "seed": 7,
            "multiplier": -1.0,
            "scale": 100_000.0,
        },
    ),
    (
        "imd_decile",
        {
            "by": ["indicator"],
            "order": "subgroup",
            "sii_model": "logistic",
            "measures": ["SII", "RII"],
            "scale": 100_000.0,
        },
    ),
    (
        "place",
        {
            "by": ["indicator"],
            "se": "se",
            "favourable": "low",
            "reference": "West Kent",
            "setting_average": 2000.0,
            "reps": 300,
            "seed": 11,
        },
    ),
    ("place", {"by": ["indicator"], "measures": ["BGV", "BGSD", "COV", "MDMU", "TI", "MLD"]}),
]


def _c_measures(clib: C, options: dict[str, Any]) -> Any:
    """The C options of a measures call (Python's keywords)."""
    opts = clib.cm_inequality_options_default()
    for k, v in options.items():
        if k in ("by", "measures"):
            setattr(opts, k, None)
            ptr_, n = clib.strings(v)
            setattr(opts, k, ptr_)
            setattr(opts, f"{k}_len", n)
        elif k in ("value", "se", "lower", "upper", "population", "order", "reference"):
            setattr(opts, k, clib.string(v))
        elif k == "group":
            opts.subgroup = clib.string(v)
        elif k == "favourable":
            opts.favourable = 1 + code_of("Favourable", v)
        elif k in ("rci_method", "sii_model", "value_type"):
            enum = {"rci_method": "RciMethod", "sii_model": "SiiModel", "value_type": "ValueType"}[
                k
            ]
            setattr(opts, k, code_of(enum, v))
        else:
            setattr(opts, k, v)
    return opts


def _rust_measures(options: dict[str, Any]) -> dict[str, Any]:
    o = {("subgroup" if k == "group" else k): v for k, v in options.items()}
    counts = {
        k: o.pop(k)
        for k in ["numerator", "denominator", "count_kind", "count_multiplier"]
        if k in o
    }
    if counts:
        o["counts"] = {
            "numerator": counts["numerator"],
            "denominator": counts["denominator"],
            **({"kind": counts["count_kind"]} if "count_kind" in counts else {}),
            **({"multiplier": counts["count_multiplier"]} if "count_multiplier" in counts else {}),
        }
    return o


@pytest.mark.parametrize(("dimension", "options"), MEASURES_OPTIONS)
def test_inequality_measures(
    core: Core, clib: C, subgroups: dict[str, pa.Table], dimension: str, options: dict[str, Any]
) -> None:
    """cm.inequality.measures = measures_table in Rust = cm_inequality_measures (the simulated
    intervals with the same seed draw the same numbers)."""
    data = subgroups[dimension]
    call = {"group": "subgroup", "population": "population", **options}
    py = cm.inequality.measures(data, **call)
    assert_same(py, core.one("inequality_measures", _rust_measures(call), data=data), "Rust")
    result = C.stream(pa.table({}))
    clib.check(
        clib.cm_inequality_measures(
            ctypes.byref(C.stream(data)),
            ctypes.byref(_c_measures(clib, call)),
            ctypes.byref(result),
        )
    )
    assert_same(py, C.table(result), "C")


def test_inequality_defaults_and_counts(
    core: Core, clib: C, subgroups: dict[str, pa.Table]
) -> None:
    """The core's default columns and options (`subgroup`, `value`, `population`, every
    measure, 100 000 draws) in every face; subgroup estimates from counts (Python and Rust:
    C has no counts option)."""
    data = subgroups["place"].filter(pc.equal(subgroups["place"]["indicator"], "oap"))
    py = cm.inequality.measures(data, measures=["BGV", "TI"])
    assert_same(py, core.one("inequality_measures", {"measures": ["BGV", "TI"]}, data=data), "Rust")
    result = C.stream(pa.table({}))
    opts = _c_measures(clib, {"measures": ["BGV", "TI"]})
    clib.check(
        clib.cm_inequality_measures(
            ctypes.byref(C.stream(data)), ctypes.byref(opts), ctypes.byref(result)
        )
    )
    assert_same(py, C.table(result), "C")

    deciles = subgroups["imd_decile"]
    all_counts: list[dict[str, Any]] = [
        {"numerator": "count", "denominator": "population", "count_kind": "rate"},
        {
            "numerator": "count",
            "denominator": "population",
            "count_kind": "proportion",
            "count_multiplier": 1.0,
        },
    ]
    for counts in all_counts:
        call: dict[str, Any] = {
            "group": "subgroup",
            "population": "population",
            "order": "subgroup",
            "by": ["indicator"],
            "favourable": "low",
            "reps": 200,
            **counts,
        }
        py = cm.inequality.measures(deciles, **call)
        assert_same(
            py, core.one("inequality_measures", _rust_measures(call), data=deciles), "counts"
        )


def test_sii(core: Core, clib: C, subgroups: dict[str, pa.Table]) -> None:
    """cm.inequality.sii = measures_table's SII, RII (and RII_MEAN) in Rust and C."""
    data = subgroups["imd_decile"]
    py = cm.inequality.sii(
        data,
        group="subgroup",
        population="population",
        order="subgroup",
        by="indicator",
        lower="lower",
        upper="upper",
        rii_mean=True,
        reps=400,
        seed=3,
    )
    call = {
        "group": "subgroup",
        "population": "population",
        "order": "subgroup",
        "by": ["indicator"],
        "lower": "lower",
        "upper": "upper",
        "measures": ["SII", "RII", "RII_MEAN"],
        "reps": 400,
        "seed": 3,
    }
    assert_same(py, core.one("inequality_measures", _rust_measures(call), data=data), "Rust")
    result = C.stream(pa.table({}))
    clib.check(
        clib.cm_inequality_measures(
            ctypes.byref(C.stream(data)),
            ctypes.byref(_c_measures(clib, call)),
            ctypes.byref(result),
        )
    )
    assert_same(py, C.table(result), "C")


@pytest.fixture(scope="module")
def individuals(demo: dict[str, pa.Table]) -> dict[str, np.ndarray[Any, Any]]:
    """Per placement: its daily cost (> 0), its length in days as a weight, its home area's
    IMD decile and its place."""
    p = demo["placements"].filter(pc.is_valid(demo["placements"]["daily_cost"]))
    end = pc.fill_null(p["end_date"], DATA_END)
    nights = pc.add(pc.days_between(p["start_date"], end), 1)
    return {
        "values": f64(p, "daily_cost"),
        "weights": np.asarray(pc.cast(nights, pa.float64()).to_numpy(), dtype=np.float64),
        "rank": f64(p, "imd_decile"),
        "group": np.asarray(p["place"].to_pylist(), dtype=object),
    }


#: (Python function, measure, parameter, the C function).
INDICES: list[tuple[str, str, float | None, str | None]] = [
    ("gini", "gini", None, "cm_gini"),
    ("theil", "theil", None, "cm_theil"),
    ("mld", "mld", None, "cm_mld"),
    ("atkinson", "atkinson", 0.5, "cm_atkinson"),
    ("atkinson", "atkinson", 1.0, "cm_atkinson"),
    ("ge", "ge", 2.0, "cm_generalized_entropy"),
    ("ge", "ge", -1.0, "cm_generalized_entropy"),
    ("share_ratio", "share_ratio", 0.1, None),
]


@pytest.mark.parametrize(("function", "measure", "parameter", "c_function"), INDICES)
@pytest.mark.parametrize("weighted", [False, True])
def test_individual_indices(
    core: Core,
    clib: C,
    individuals: dict[str, np.ndarray[Any, Any]],
    function: str,
    measure: str,
    parameter: float | None,
    c_function: str | None,
    weighted: bool,
) -> None:
    """cm.inequality.<index> = the Rust index = cm_<index>; with interval=True, the same
    bootstrap draws as Rust's (same seed)."""
    values = individuals["values"]
    weights = individuals["weights"] if weighted else None
    f = getattr(cm.inequality, function)
    args = [values] + ([parameter] if parameter is not None else [])
    py = f(*args, weights)
    data = pa.table({"values": values, **({"weights": weights} if weights is not None else {})})
    call = {"measure": measure, "parameter": parameter}
    rust = core.one("inequality_index", call, data=data)
    assert_columns(rust, {"value": [py]}, "Rust")
    if c_function is not None:
        res = np.full(1, np.nan)
        extra: list[Any] = [ctypes.c_double(parameter)] if parameter is not None else []
        if c_function == "cm_gini":
            extra = [ctypes.c_bool(False)]  # corrected: below
        w = None if weights is None else ptr(weights)
        clib.check(
            getattr(clib, c_function)(
                ptr(values), w, ctypes.c_size_t(len(values)), *extra, ptr(res)
            )
        )
        assert_columns(rust, {"value": res}, "C")
        if c_function == "cm_gini" and weights is None:
            py = f(values, corrected=True)
            n = ctypes.c_size_t(len(values))
            clib.check(clib.cm_gini(ptr(values), None, n, ctypes.c_bool(True), ptr(res)))
            assert res[0] == py, "C, corrected"

    # The bootstrap, with the core's defaults and with others.
    for boot in [{}, {"reps": 150, "confidence": 0.9, "seed": 99}]:
        value, lower, upper = f(*args, weights, interval=True, **boot)
        rust = core.one("inequality_bootstrap", {**call, **boot}, data=data)
        assert_columns(
            rust, {"value": [value], "lower": [lower], "upper": [upper]}, f"bootstrap {boot}"
        )


def test_gini_corrected_and_lorenz(
    core: Core, individuals: dict[str, np.ndarray[Any, Any]]
) -> None:
    """The corrected Gini and the Lorenz curve: Python = Rust (no C face)."""
    values = individuals["values"]
    data = pa.table({"values": values})
    py = cm.inequality.gini(values, corrected=True)
    rust = core.one("inequality_index", {"measure": "gini", "corrected": True}, data=data)
    assert_columns(rust, {"value": [py]}, "corrected")
    for weights in [None, individuals["weights"]]:
        p, v = cm.inequality.lorenz(values, weights)
        t = data if weights is None else data.append_column("weights", pa.array(weights))
        rust = core.one("inequality_lorenz", {}, data=t)
        assert_columns(rust, {"population_share": p, "value_share": v}, "lorenz")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"correction": "wagstaff", "bounds": (0.0, 1.0)},
        {"correction": "erreygers", "bounds": (0.0, 2.0)},
    ],
)
def test_concentration_index(
    core: Core, individuals: dict[str, np.ndarray[Any, Any]], options: dict[str, Any]
) -> None:
    """cm.inequality.concentration_index = the Rust index (no C face)."""
    x = individuals
    outcome = x["values"] / x["values"].max()  # in [0, 1], for the corrections
    py = cm.inequality.concentration_index(outcome, x["rank"], x["weights"], **options)
    data = pa.table({"outcome": outcome, "rank": x["rank"], "weights": x["weights"]})
    rust_options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    rust = core.one("inequality_concentration_index", rust_options, data=data)
    assert_columns(rust, {"value": [py]}, "Rust")


@pytest.mark.parametrize("alpha", [None, 0.0, 2.0])
def test_decompose(
    core: Core, individuals: dict[str, np.ndarray[Any, Any]], alpha: float | None
) -> None:
    """cm.inequality.decompose = the Rust decomposition (no C face); alpha=None: the default."""
    x = individuals
    kw = {} if alpha is None else {"alpha": alpha}
    py = cm.inequality.decompose(x["values"], x["group"], x["weights"], **kw)
    data = pa.table(
        {"values": x["values"], "weights": x["weights"], "group": pa.array(list(x["group"]))}
    )
    a = _native.defaults("inequality_individual")["alpha"] if alpha is None else alpha
    rust = core("inequality_decompose", {"alpha": a}, data=data)
    assert_columns(rust["result"], {k: [py[k]] for k in ["total", "within", "between"]}, "totals")
    assert rust["groups"]["group"].to_pylist() == list(py["groups"])
    assert_columns(rust["groups"], {"index": list(py["groups"].values())}, "groups")


# ---------------------------------------------------------------------------------------------
# Transition: transfers, ageing_out, summary, service_lines, analyse, time_to_contact.

TRANSITION_OPTIONS: list[dict[str, Any]] = [
    {},
    {
        "engagement_days": 60,
        "min_attended_contacts": 2,
        "boundary_age": 17,
        "confidence": 0.9,
        "period_start": dt.date(2022, 4, 1),
        "period_end": dt.date(2024, 1, 31),
        "care_plans": True,
    },
    {
        "horizons": [30, 60],
        "min_age": 17,
        "max_age": 24,
        "cyp_lookback_days": 120,
        "boundary_open_window_days": 150,
        "followup_days": 300,
        "retained_days": 60,
        "episode_gap_days": 200,
        "attended_codes": [5],
        "dna_codes": [3],
        "direct_mechanisms": [1, 2],
        "crisis_team_types": ["A02", "A20"],
        "by": ["sex"],
        "age_band_18_24": True,
        "care_plans": True,
    },
    {"by": [], "horizons": []},
]


#: The transition options with a command-line flag: all of them but `data_end` (a required
#: flag) and the reporting period (no default).
_TRANSITION_FLAGS = [
    k for k in _native.defaults("transition") if k not in ("data_end", "period_start", "period_end")
]


def _transition_call(
    demo: dict[str, pa.Table], options: dict[str, Any]
) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    o = dict(options)
    tables = {k: demo[k] for k in ["persons", "referrals", "contacts"]}
    if o.pop("care_plans", False):
        tables["care_plans"] = demo["care_plans"]
    return tables, o


def _c_transition(clib: C, o: dict[str, Any]) -> Any:
    """The C options of a transition call (Python's keywords)."""
    opts = clib.cm_transition_options_default(days(DATA_END))
    for k, v in o.items():
        if k in ("period_start", "period_end"):
            setattr(opts, f"has_{k}", True)
            setattr(opts, k, days(v))
        elif isinstance(v, list):
            setattr(opts, f"has_{k}", True)
            if k in ("by", "crisis_team_types"):
                array, n = clib.strings(v)
            else:
                array, n = clib.array(clib.field_type(opts, k), v), len(v)
            setattr(opts, k, array)
            setattr(opts, f"{k}_len", n)
        else:
            setattr(opts, k, v)
    return opts


def _cli_transition(
    cli: Cli, tables: dict[str, pa.Table], o: dict[str, Any], output: str, *extra: str
) -> tuple[str, str]:
    args = ["transition", "--data-end", DATA_END.isoformat(), "--table", output, *extra]
    for k, t in tables.items():
        args += [f"--{k.replace('_', '-')}", cli.file(t)]
    for k, v in o.items():
        flag = f"--{k.replace('_', '-')}"
        if isinstance(v, bool):
            args += [flag] if v else []
        elif isinstance(v, list):
            args += [flag, ",".join(str(x) for x in v)]
        else:
            args += [flag, v.isoformat() if isinstance(v, dt.date) else str(v)]
    return cli(*args)


@pytest.mark.parametrize("options", TRANSITION_OPTIONS)
def test_transition(
    core: Core, clib: C, cli: Cli, demo: dict[str, pa.Table], options: dict[str, Any]
) -> None:
    """cm.transition.transfers / ageing_out / summary / service_lines = their Rust functions =
    cm_transition_analyse's tables and cm_transition_service_lines = `collabmetrics transition
    --table ...` (every option as its flag)."""
    tables, o = _transition_call(demo, options)
    as_json = {
        "data_end": days(DATA_END),
        **{k: days(v) if isinstance(v, dt.date) else v for k, v in o.items()},
    }
    py = {
        name: getattr(cm.transition, name)(
            tables["persons"],
            tables["referrals"],
            tables["contacts"],
            data_end=DATA_END,
            care_plans=tables.get("care_plans"),
            **o,
        )
        for name in ["transfers", "ageing_out", "summary", "service_lines"]
    }
    assert py["transfers"].num_rows > 0 and py["ageing_out"].num_rows > 0
    entries = {
        "transfers": "transition_transfers",
        "ageing_out": "transition_ageing_out",
        "summary": "transition_summary",
        "service_lines": "transition_service_lines",
    }
    for name, table in py.items():
        assert_same(table, core.one(entries[name], as_json, **tables), f"Rust {name}")
    analysis = core("transition_analyse", as_json, **tables)
    for name in ["transfers", "ageing_out", "summary"]:
        assert_same(py[name], analysis[name], f"Rust analyse: {name}")

    # C: the four tables of one pass, and the service lines.
    opts = _c_transition(clib, o)
    streams = [
        C.stream(tables[k]) if k in tables else None
        for k in ["persons", "referrals", "contacts", "care_plans"]
    ]
    outs = [C.stream(pa.table({})) for _ in range(4)]
    clib.check(
        clib.cm_transition_analyse(
            *[None if s is None else ctypes.byref(s) for s in streams],
            ctypes.byref(opts),
            *[ctypes.byref(s) for s in outs],
        )
    )
    c_tables = dict(
        zip(["transfers", "ageing_out", "summary", "curve"], [C.table(s) for s in outs])
    )
    for name in ["transfers", "ageing_out", "summary", "curve"]:
        assert_same(analysis[name], c_tables[name], f"C analyse: {name}")
    streams = [
        C.stream(tables[k]) if k in tables else None
        for k in ["persons", "referrals", "contacts", "care_plans"]
    ]
    result = C.stream(pa.table({}))
    clib.check(
        clib.cm_transition_service_lines(
            *[None if s is None else ctypes.byref(s) for s in streams],
            ctypes.byref(opts),
            ctypes.byref(result),
        )
    )
    assert_same(py["service_lines"], C.table(result), "C service lines")

    # The curve of cohort T: the analysis's = time_to_contact on the transfers table.
    curve = cm.transition.time_to_contact(py["transfers"], confidence=o.get("confidence", 0.95))
    assert_same(curve, analysis["curve"], "curve", check_metadata=False)

    # The command line: every option as its flag.
    for output, expected in [
        ("summary", py["summary"]),
        ("transfers", py["transfers"]),
        ("ageing_out", py["ageing_out"]),
        ("curve", analysis["curve"]),
    ]:
        stdout, stderr = _cli_transition(cli, tables, o, output)
        assert_csv_same(expected, stdout, f"CLI {output}")
        assert cli_diagnostics(stderr) == cm.diagnostics(expected), output
        stdout, _ = _cli_transition(cli, tables, o, output, "--format", "json")
        assert_json_same(expected, stdout, f"CLI JSON {output}")


@pytest.mark.parametrize("options", [{}, {"method": "aalen_johansen", "confidence": 0.9}])
def test_time_to_contact(
    core: Core, clib: C, demo: dict[str, pa.Table], options: dict[str, Any]
) -> None:
    """cm.transition.time_to_contact = time_to_contact in Rust = cm_transition_time_to_contact,
    on both cohorts' tables."""
    for cohort in [cm.transition.transfers, cm.transition.ageing_out]:
        people = cohort(demo["persons"], demo["referrals"], demo["contacts"], data_end=DATA_END)
        py = cm.transition.time_to_contact(people, **options)
        assert_same(py, core.one("time_to_contact", options, data=people), "Rust")
        full = {**_native.defaults("time_to_contact"), **options}
        result = C.stream(pa.table({}))
        clib.check(
            clib.cm_transition_time_to_contact(
                ctypes.byref(C.stream(people)),
                ctypes.c_int32(code_of("CurveMethod", full["method"])),
                ctypes.c_double(full["confidence"]),
                ctypes.byref(result),
            )
        )
        assert_same(py, C.table(result), "C")


# ---------------------------------------------------------------------------------------------
# Disclosure control: disclose, and the `publish` of the table functions and the CLI.


@pytest.fixture(scope="module")
def two_way(demo: dict[str, pa.Table]) -> pa.Table:
    """Admissions and out-of-area admissions by place and sex."""
    adm = demo["admissions"]
    counts = (
        pa.table(
            {"place": adm["place"], "sex": adm["sex"], "n": pc.cast(adm["out_of_area"], pa.int64())}
        )
        .group_by(["place", "sex"])
        .aggregate([("n", "sum"), ("n", "count")])
    )
    t = renamed(counts, {"n_sum": "n", "n_count": "admissions"})
    t = t.sort_by([("place", "ascending"), ("sex", "ascending")])
    return t.append_column("national", pc.equal(t["place"], "East Kent"))


DISCLOSE_OPTIONS: list[dict[str, Any]] = [
    {"counts": ["n", "admissions"]},
    {
        "counts": ["n", "admissions"],
        "rule": "custom(k=10, suppress_zero=true, base=1)",
        "dimensions": ["place", "sex"],
        "derived": {
            "pct": {"numerator": "n", "denominator": "admissions", "kind": "percent", "decimals": 1}
        },
        "secondary": "hypercube",
        "suppress_on": "numerator",
    },
    {
        "counts": ["n", "admissions"],
        "rule": "nhs_hes",
        "by": ["sex"],
        "dimensions": ["place"],
        "national": "national",
        "display": "5",
        "decimals": 2,
        "derived": {
            "share": {
                "numerator": "n",
                "denominator": "admissions",
                "kind": "proportion",
                "min_denominator": 20.0,
            },
            # A multiplier whose shortest text serde_json's default parser read as its
            # neighbour (the options reach the core as JSON from Python, as doubles from C).
            "per_k": {
                "numerator": "n",
                "denominator": "admissions",
                "kind": "rate",
                "multiplier": 9 / 37,
            },
        },
    },
]


def _c_disclose(clib: C, o: dict[str, Any]) -> Any:
    opts = clib.cm_disclose_options_default()
    for k, v in o.items():
        if k in ("counts", "dimensions", "by"):
            p, n = clib.strings(v)
            setattr(opts, k, p)
            setattr(opts, f"{k}_len", n)
            setattr(opts, f"has_{k}", True)
        elif k in ("rule", "national"):
            setattr(opts, k, clib.string(v))
        elif k in ("secondary", "suppress_on", "display"):
            enum = {"secondary": "Secondary", "suppress_on": "SuppressOn", "display": "Display"}[k]
            setattr(opts, k, code_of(enum, v))
        elif k == "decimals":
            opts.decimals = v
        elif k == "derived":
            derived_t = clib.structs["CmDerived"]
            items = (derived_t * len(v))()
            for item, (column, spec) in zip(items, v.items()):
                item.column = clib.string(column)
                item.numerator = clib.string(spec.get("numerator"))
                item.denominator = clib.string(spec["denominator"])
                item.kind = code_of("DerivedKind", spec["kind"])
                item.multiplier = spec.get("multiplier", float("nan"))
                item.decimals = spec.get("decimals", -1)
                item.min_denominator = spec.get("min_denominator", float("nan"))
            opts.derived = ctypes.cast(clib.keep(items), ctypes.POINTER(derived_t))
            opts.derived_len, opts.has_derived = len(v), True
    return opts


def _rust_disclose(o: dict[str, Any]) -> dict[str, Any]:
    out = dict(o)
    if "derived" in o:
        out["derived"] = [{"column": c, **spec} for c, spec in o["derived"].items()]
    return out


@pytest.mark.parametrize("options", DISCLOSE_OPTIONS)
def test_disclose(core: Core, clib: C, two_way: pa.Table, options: dict[str, Any]) -> None:
    """cm.disclose = disclosure::disclose in Rust = cm_disclose: the published table and the
    log."""
    published, log = cm.disclose(two_way, **options, with_log=True)
    rust = core("disclose", _rust_disclose(options), data=two_way)
    assert_same(published, rust["result"], "Rust")
    assert_same(log, rust["log"], "Rust log")
    assert log.num_rows > 0

    out, log_out = C.stream(pa.table({})), C.stream(pa.table({}))
    clib.check(
        clib.cm_disclose(
            ctypes.byref(C.stream(two_way)),
            ctypes.byref(_c_disclose(clib, options)),
            ctypes.byref(out),
            ctypes.byref(log_out),
        )
    )
    assert_same(published, C.table(out), "C")
    assert_same(log, C.table(log_out), "C log")


#: Every table function with `publish=`, as a call on the demo data.
PUBLISHERS: dict[str, Any] = {
    "proportion": lambda d, a: cm.proportion(
        "out_of_area", "admissions", data=a["by_area"], publish=a["rule"]
    ),
    "rate": lambda d, a: cm.rate("admissions", "population", data=a["by_area"], publish=a["rule"]),
    "dsr": lambda d, a: cm.dsr(a["by_band"], by="place", publish=a["rule"]),
    "isr": lambda d, a: cm.isr(a["by_band"], by="place", publish=a["rule"]),
    "mean": lambda d, a: cm.mean(d["placements"], value="age", by="place", publish=a["rule"]),
    "oap.measures": lambda d, a: cm.oap.measures(
        d["placements"],
        start=START,
        end=END,
        by="place",
        population=a["population"],
        admissions=d["admissions"],
        publish=a["rule"],
    ),
    "distance.summary": lambda d, a: cm.distance.summary(
        cm.distance.points(d["placements"], coordinates=BNG), by="place", publish=a["rule"]
    ),
    "transition.summary": lambda d, a: cm.transition.summary(
        d["persons"], d["referrals"], d["contacts"], data_end=DATA_END, publish=a["rule"]
    ),
}


@pytest.mark.parametrize("rule", [True, "nhs_hes"])
@pytest.mark.parametrize("function", sorted(PUBLISHERS))
def test_publish(
    core: Core,
    clib: C,
    demo: dict[str, pa.Table],
    by_area: pa.Table,
    by_band: pa.Table,
    oap_inputs: dict[str, pa.Table],
    function: str,
    rule: Any,
) -> None:
    """`publish=` of every table function = `disclosure::publish` in Rust = `cm_publish` in C:
    disclose of the raw result with the default options and the rule (the result's roles say
    what to control), less, where the table also publishes a sum of its rows (a Total or
    `all` row), the derived columns that relate a count to another."""
    args = {"by_area": by_area, "by_band": by_band, "population": oap_inputs["population"]}
    published = PUBLISHERS[function](demo, {**args, "rule": rule})
    raw = PUBLISHERS[function](demo, {**args, "rule": None})
    name = _native.defaults("disclosure")["rule"] if rule is True else rule
    disclosed = cm.disclose(raw, rule=name)
    left_out = _pinning(disclosed) if _has_margin(disclosed) else []
    assert [c for c in disclosed.column_names if c not in published.column_names] == left_out
    assert_same(published, disclosed.drop_columns(left_out), "cm.disclose")
    assert_same(published, core("publish", {"rule": name}, data=raw)["result"], "Rust")
    out = C.stream(pa.table({}))
    clib.check(clib.cm_publish(ctypes.byref(C.stream(raw)), clib.string(name), ctypes.byref(out)))
    assert_same(published, C.table(out), "C")


def _has_margin(published: pa.Table) -> bool:
    """Whether some but not all rows of a published table are sums of the others: a null
    dimension key (Total) or a key `all` (docs/methods/disclosure.md)."""
    roles = json.loads((published.schema.metadata or {})[b"collabmetrics:roles"])
    rows = published.to_pylist()
    margin = [
        any(r.get(d) is None for d in roles["dimensions"] if d in r)
        or any(r.get(k) == "all" for k in roles["keys"] if k in r)
        for r in rows
    ]
    return any(margin) and not all(margin)


def _pinning(published: pa.Table) -> list[str]:
    """The columns of a published table that relate a count to another (its roles' derived
    columns of any kind but a mean, with a rate's method), which a publication leaves out
    beside a Total or `all` row."""
    roles = json.loads((published.schema.metadata or {})[b"collabmetrics:roles"])
    pinning = {d["column"] for d in roles["derived"] if d["kind"] != "mean"}
    pinning |= {f"{c}_method" for c in pinning}
    return [c for c in published.column_names if c in pinning]


@pytest.mark.parametrize("rule", [None, "nhs_hes", "custom(k=3, suppress_zero=true, base=5)"])
def test_cli_publish(
    cli: Cli, demo: dict[str, pa.Table], oap_inputs: dict[str, pa.Table], rule: str | None
) -> None:
    """`collabmetrics oap --publish [RULE]` and `transition --table summary|curve --publish`
    write the table Python's `publish=` gives (suppressed cells `*`); the diagnostics of the
    result and of its publication go to standard error."""
    flag = ["--publish"] + ([] if rule is None else [rule])
    py_rule: Any = True if rule is None else rule
    placements = demo["placements"]
    kw = {"start": START, "end": END, "by": "place", "population": oap_inputs["population"]}
    raw = cm.oap.measures(placements, **kw)
    published = cm.oap.measures(placements, **kw, publish=py_rule)
    stdout, stderr = cli(
        "oap",
        "--placements",
        cli.file(placements),
        "--population",
        cli.file(oap_inputs["population"]),
        "--start",
        START.isoformat(),
        "--end",
        END.isoformat(),
        "--by",
        "place",
        *flag,
    )
    # Both leave out the rates beside the Total rows (test_publish).
    assert not any(c.startswith("rate_") for c in published.column_names)
    assert_csv_same(published, stdout, "oap --publish", starred=True)
    assert cli_diagnostics(stderr) == cm.diagnostics(raw) + cm.diagnostics(published)

    people = [demo[k] for k in ["persons", "referrals", "contacts"]]
    summary = cm.transition.summary(*people, data_end=DATA_END, publish=py_rule)
    raw = cm.transition.summary(*people, data_end=DATA_END)
    stdout, stderr = cli(
        "transition",
        *[
            a
            for k, t in zip(["persons", "referrals", "contacts"], people)
            for a in (f"--{k}", cli.file(t))
        ],
        "--data-end",
        DATA_END.isoformat(),
        *flag,
    )
    assert_csv_same(summary, stdout, "transition --publish", starred=True)
    assert cli_diagnostics(stderr) == cm.diagnostics(raw) + cm.diagnostics(summary)


# ---------------------------------------------------------------------------------------------
# The demo collaborative: cm.demo.tables, the Rust generator, `collabmetrics demo`.


@pytest.mark.parametrize(
    "options",
    [{"scale": SCALE}, {"scale": 0.1, "seed": 7, "start": dt.date(2020, 1, 15), "months": 13}],
)
def test_demo_tables(core: Core, options: dict[str, Any]) -> None:
    """cm.demo.tables = demo::generate in Rust, table by table."""
    py = cm.demo.tables(**options)
    as_json = {k: days(v) if isinstance(v, dt.date) else v for k, v in options.items()}
    rust = core("demo", as_json)
    assert sorted(rust) == sorted(py)
    for name, table in py.items():
        assert_same(table, rust[name], name)


def test_cli_demo(cli: Cli, demo: dict[str, pa.Table], oap_inputs: dict[str, pa.Table]) -> None:
    """`collabmetrics demo` reports what Python computes from cm.demo.tables: the headline (OAP
    bed days by place, rolling 3 months), the transition summary it carries whole, and the
    first published table of `demo --publish`."""
    confidence = 0.9
    report = json.loads(
        cli("demo", "--format", "json", "--scale", str(SCALE), "--confidence", str(confidence))[0]
    )
    placements = demo["placements"]
    kw: dict[str, Any] = {
        "start": START,
        "end": END,
        "window": "rolling_3m",
        "data_cutoff": END,
        "confidence": confidence,
    }
    by_place = cm.oap.measures(placements, by="place", **kw)
    total = cm.oap.measures(placements, **kw)
    headline = report["sections"][0]
    places = headline["header"][1:-1]
    for m, row in enumerate(headline["rows"]):
        assert row[0] == total["period_end"][m].as_py().isoformat()
        month = by_place.filter(pc.equal(by_place["period_end"], total["period_end"][m]))
        got = dict(zip(places, row[1:-1]))
        # The JSON report's cells are typed: counts are numbers.
        assert dict(zip(month["place"].to_pylist(), month["bed_days"].to_pylist())) == got
        assert row[-1] == total["bed_days"][m].as_py()
    assert headline["diagnostics"]["entries"] == cm.diagnostics(total)

    summary = cm.transition.summary(
        demo["persons"],
        demo["referrals"],
        demo["contacts"],
        care_plans=demo["care_plans"],
        data_end=DATA_END,
        confidence=confidence,
    )
    rows = report["tables"]["transition_summary"]
    assert_json_same(summary, json.dumps(rows), "the report's transition summary")

    published = json.loads(cli("demo", "--format", "json", "--scale", str(SCALE), "--publish")[0])
    section = published["sections"][0]
    py = cm.oap.measures(
        placements,
        start=START,
        end=END,
        window="rolling_3m",
        by="place",
        data_cutoff=END,
        population=oap_inputs["population"],
        admissions=demo["admissions"],
        publish=True,
    )
    assert len(section["rows"]) == py.num_rows
    for row, want in zip(section["rows"], py.select(section["header"]).to_pylist()):
        for text, (column, value) in zip(row, want.items()):
            if value is None:
                assert text in ("*", "-", "Total"), column  # suppressed, not applicable, a margin
            elif isinstance(value, float):
                # The JSON report's cells are typed: numbers, to 2 decimals.
                assert isinstance(text, (int, float)) and abs(text - value) <= 0.005, column
            elif isinstance(value, int):
                assert text == value, column
            else:
                assert text == (value.isoformat() if isinstance(value, dt.date) else str(value)), (
                    column
                )
    assert section["diagnostics"]["entries"] == cm.diagnostics(py)


# ---------------------------------------------------------------------------------------------
# Defaults: the C `cm_*_options_default()` structs and the command line's flags are the core's
# defaults (`_native.defaults`, the core's `Default`). The Python signatures are checked
# against the same registry in test_contract.py (test_signature_defaults_are_the_cores); every
# test above also makes one call with every option at its default in each face, so the
# defaults are compared by what they compute too.


def _nan_is_none(x: float) -> float | None:
    return None if np.isnan(x) else x


def test_c_options_defaults_are_the_cores(clib: C) -> None:
    d = _native.defaults("oap")
    o = clib.cm_oap_options_default(1, 2)
    assert (o.start, o.end) == (1, 2)
    assert name_of("Window", o.window) == d["window"]
    assert (o.by_len, o.column_names_len) == (len(d["by"]), 0)
    assert o.inappropriate_only == d["inappropriate_only"]
    # CM_BED_SCOPE_DEFAULT is the core's default list, which is cm.oap.DEFAULT_BED_TYPES.
    assert o.bed_scope == clib.const["CM_BED_SCOPE_DEFAULT"] and o.bed_types_len == 0
    assert d["bed_types"] == list(cm.oap.DEFAULT_BED_TYPES)
    assert (o.has_data_cutoff, d["data_cutoff"]) == (False, None)
    assert name_of("OverlapRule", o.overlap) == d["overlap"]
    assert (o.multiplier, o.confidence) == (d["multiplier"], d["confidence"])
    assert o.distance is None and d["distance"] is None
    distance = d["distance_options"]
    assert o.distance_threshold == distance["threshold"]
    assert name_of("BandPreset", o.distance_bands) == distance["bands"]
    assert o.distance_band_edges_len == 0
    # Reason lists left unset (has_* false) are the core's default lists.
    for kind in ["inappropriate", "appropriate"]:
        assert not getattr(o, f"has_{kind}_reasons") and d["reasons"][kind], kind

    d = _native.defaults("distance_summary")
    o = clib.cm_distance_summary_options_default()
    assert o.distance is None  # NULL: the core's default column, d["distance"]
    assert (o.by_len, o.weight, o.column_names_len) == (len(d["by"]), d["weight"], 0)
    assert o.propagate_nulls == (d["nulls"] == "propagate")
    assert (o.threshold, o.confidence) == (d["threshold"], d["confidence"])
    assert name_of("BandPreset", o.bands) == d["bands"] and o.band_edges_len == 0

    d = _native.defaults("inequality_measures")
    o = clib.cm_inequality_options_default()
    # NULL names are the core's default columns (d["subgroup"], d["value"], d["population"]).
    assert (o.subgroup, o.value, o.population) == (None, None, None)
    for k in ["se", "lower", "upper", "order", "reference"]:
        assert getattr(o, k) is None and d[k] is None, k
    assert (o.by_len, o.measures_len, d["measures"]) == (len(d["by"]), 0, None)
    assert (o.favourable, d["favourable"]) == (clib.const["CM_FAVOURABLE_UNSET"], None)
    assert (_nan_is_none(o.scale), _nan_is_none(o.setting_average)) == (
        d["scale"],
        d["setting_average"],
    )
    assert name_of("RciMethod", o.rci_method) == d["rci_method"]
    assert name_of("SiiModel", o.sii_model) == d["sii_model"]
    assert name_of("ValueType", o.value_type) == d["value_type"]
    for k in ["transform", "confidence", "reps", "seed", "multiplier"]:
        assert getattr(o, k) == d[k], k

    d = _native.defaults("transition")
    o = clib.cm_transition_options_default(10)
    assert o.data_end == 10
    for k in ["period_start", "period_end"]:
        assert (getattr(o, f"has_{k}"), d[k]) == (False, None), k
    for k in [
        "boundary_age",
        "min_age",
        "max_age",
        "engagement_days",
        "min_attended_contacts",
        "cyp_lookback_days",
        "boundary_open_window_days",
        "followup_days",
        "retained_days",
        "episode_gap_days",
        "confidence",
        "age_band_18_24",
    ]:
        assert getattr(o, k) == d[k], k
    # Lists left unset (has_* false) are the core's default lists.
    for k in ["horizons", "attended_codes", "dna_codes", "direct_mechanisms", "crisis_team_types"]:
        assert not getattr(o, f"has_{k}") and d[k], k
    assert (o.has_by, d["by"]) == (False, None)

    d = _native.defaults("spc")
    o = clib.cm_spc_options_default()
    assert (o.by_len, o.column_names_len) == (len(d["by"]), 0)
    assert name_of("Improvement", o.improvement) == d["improvement"]
    assert name_of("RuleSet", o.rules) == d["rules"]
    assert o.warning_threshold == d["warning_threshold"]
    # No rebase, no target (the core's "none"), no fixed baseline, no trajectory.
    assert (o.rebase_dates_len, o.rebase_series_len, d["rebase"]) == (0, 0, "none")
    assert (o.has_target, o.target_series_len, d["target"]) == (False, 0, "none")
    assert (o.has_fix_after_n_points, d["fix_after_n_points"]) == (False, None)
    assert (o.trajectory, d["trajectory"]) == (None, None)
    # The rule settings: unset (the preset's apply).
    for k in SPC_SETTINGS:
        assert (getattr(o, f"has_{k}"), d[k]) == (False, None), k

    d = _native.defaults("disclosure")
    o = clib.cm_disclose_options_default()
    assert o.rule is None  # NULL: the core's default rule, d["rule"]
    for k in ["counts", "derived", "dimensions", "by"]:
        assert (getattr(o, f"has_{k}"), d[k]) == (False, None), k
    assert (o.national, d["national"]) == (None, None)
    assert name_of("Secondary", o.secondary) == d["secondary"]
    assert name_of("SuppressOn", o.suppress_on) == d["suppress_on"]
    assert name_of("Display", o.display) == d["display"]
    assert (o.decimals, d["decimals"]) == (-1, None)

    d = _native.defaults("funnel")
    o = clib.cm_funnel_options_default()
    # The statistic has no default; the family's depends on the statistic: both unset.
    assert (o.statistic, d["statistic"]) == (clib.const["CM_FUNNEL_STATISTIC_NONE"], None)
    assert (o.family, d["family"]) == (clib.const["CM_FUNNEL_FAMILY_DEFAULT"], None)
    # NULL names are the core's default columns (d["numerator"], ...); no unit column.
    assert (o.unit, d["unit"]) == (None, None)
    assert (o.numerator, o.denominator, o.rate) == (None, None, None)
    for k in ["multiplier", "years_of_data"]:
        assert (getattr(o, f"has_{k}"), d[k]) == (False, None), k
    assert name_of("SrMethod", o.sr_method) == d["sr_method"]
    assert name_of("Limit", o.limit) == str(d["limit"])
    for k in ["trim_by", "draw_adjusted", "shmi_rounding", "funnelplotr_compat", "exclude_zero_sr"]:
        assert getattr(o, k) == d[k], k
    assert o.column_names_len == 0


def _flag(value: Any) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def test_cli_defaults_are_the_cores(
    cli: Cli, demo: dict[str, pa.Table], oap_inputs: dict[str, pa.Table], monthly: pa.Table
) -> None:
    """A run with no option flags = a run with every flag at the core's default."""
    d = _native.defaults("oap")
    placements = [
        "--placements",
        cli.file(demo["placements"]),
        "--start",
        "2023-04",
        "--end",
        "2024-03",
    ]
    explicit = [
        "--window",
        d["window"],
        "--bed-types",
        _flag(d["bed_types"]),
        "--overlap",
        d["overlap"],
        "--multiplier",
        _flag(d["multiplier"]),
        "--confidence",
        _flag(d["confidence"]),
    ]
    assert cli("oap", *placements) == cli("oap", *placements, *explicit)
    assert cli("oap", *placements) == cli("oap", *placements, "--bed-types", "default")
    reasons = [a for k, v in d["reasons"].items() for a in (f"--{k}-reasons", _flag(v))]
    assert cli("oap", *placements) == cli("oap", *placements, *reasons)
    with_distance = [
        "--placements",
        cli.file(oap_inputs["placements"]),
        *placements[2:],
        "--distance",
        "distance_km",
    ]
    distance = d["distance_options"]
    assert cli("oap", *with_distance) == cli(
        "oap",
        *with_distance,
        "--distance-threshold",
        _flag(distance["threshold"]),
        "--distance-bands",
        distance["bands"],
    )

    d = _native.defaults("transition")
    people = [
        a for k in ["persons", "referrals", "contacts"] for a in (f"--{k}", cli.file(demo[k]))
    ]
    people += ["--data-end", DATA_END.isoformat()]
    # Every option with a value (`by`'s default is "the columns the persons table has", and
    # `age_band_18_24` is a switch, off by default).
    assert (d["by"], d["age_band_18_24"]) == (None, False)
    valued = [k for k in _TRANSITION_FLAGS if k not in ("by", "age_band_18_24")]
    explicit = [a for k in valued for a in (f"--{k.replace('_', '-')}", _flag(d[k]))]
    assert cli("transition", *people) == cli("transition", *people, *explicit)

    d = _native.defaults("spc")
    east_kent = monthly.filter(pc.equal(monthly["place"], "East Kent"))
    series = ["spc", "--input", cli.file(east_kent), "--value", "bed_days", "--date", "period_end"]
    explicit = ["--improvement", d["improvement"], "--rules", d["rules"]]
    explicit += ["--warning-threshold", _flag(d["warning_threshold"])]
    for summary in [[], ["--table", "summary"]]:
        assert cli(*series, *summary) == cli(*series, *summary, *explicit)

    d = _native.defaults("funnel")
    units = (
        demo["areas"].select(["area_code", "population"]).rename_columns(["unit", "denominator"])
    )
    units = units.append_column("numerator", pc.divide(units["denominator"], 100))
    call = ["funnel", "--input", cli.file(units), "--unit", "unit", "--statistic"]
    explicit = [
        a
        for k in ["numerator", "denominator", "rate", "sr_method", "trim_by", "limit"]
        for a in (f"--{k.replace('_', '-')}", _flag(d[k]))
    ]
    for statistic in ["sr", "pr", "rc"]:
        for limits in [[], ["--table", "limits"]]:
            assert cli(*call, statistic, *limits) == cli(*call, statistic, *limits, *explicit)

    d = _native.defaults("demo")
    explicit = [
        "--seed",
        _flag(d["seed"]),
        "--scale",
        _flag(d["scale"]),
        "--confidence",
        _flag(_native.defaults("oap")["confidence"]),
    ]
    assert cli("demo", "--format", "json") == cli("demo", "--format", "json", *explicit)


# ---------------------------------------------------------------------------------------------
# Errors: the same bad call fails with the same error, field by field, in every face.


@pytest.mark.parametrize(
    ("option", "value"),
    [("distance_threshold", -1.0), ("distance_bands", [25.0, 0.0]), ("distance_bands", "nope")],
)
def test_oap_distance_option_errors_are_the_same_everywhere(
    core: Core, clib: C, cli: Cli, oap_inputs: dict[str, pa.Table], option: str, value: Any
) -> None:
    """A bad threshold or bands of OAP's distance summary is named as every face spells it
    (`distance_threshold`, `distance_bands`), not as the summary's own `threshold`, `bands`."""
    placements = oap_inputs["placements"]
    call: dict[str, Any] = {"start": START, "end": END, "distance": "distance_km"}
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.oap.measures(placements, **call, **{option: value})
    fields = python_error_fields(py.value)
    assert fields["argument"] == option

    if option == "distance_threshold":
        # Rust: the core's JSON (bands are checked as the JSON is read, in serde's words).
        with pytest.raises(CoreError) as rust:
            core.one(
                "oap",
                {
                    "start": days(START),
                    "end": days(END),
                    "distance": "distance_km",
                    "distance_options": {"threshold": value},
                },
                placements=placements,
            )
        assert rust.value.fields == fields

    opts = clib.cm_oap_options_default(days(START), days(END))
    opts.distance = clib.string("distance_km")
    if option == "distance_threshold":
        opts.distance_threshold = value
        flag = str(value)
    elif isinstance(value, str):
        opts.distance_bands = 99  # no such CM_BANDS_* code: C's own words, below
        flag = value
    else:
        opts.distance_bands = clib.const["CM_BANDS_CUSTOM"]
        opts.distance_band_edges, opts.distance_band_edges_len = clib.doubles(value), len(value)
        flag = ",".join(str(v) for v in value)
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_oap_measures(
                ctypes.byref(C.stream(placements)),
                ctypes.byref(opts),
                None,
                None,
                ctypes.byref(C.stream(pa.table({}))),
            )
        )
    if isinstance(value, str):
        assert c_err.value.fields["argument"] == option
    else:
        # C holds the edges in their own field, which its error names (as `cm_dsr` names
        # `standard_weights`); everything else is the same error.
        c_name = "distance_band_edges" if option == "distance_bands" else option
        renamed = {
            k: v.replace(f"`{option}`", f"`{c_name}`") if k == "message" else v
            for k, v in fields.items()
        }
        renamed.update({k: c_name for k in ("argument", "column") if fields.get(k) == option})
        assert c_err.value.fields == renamed

    run = cli.run(
        "oap",
        "--placements",
        cli.file(placements),
        "--start",
        START.isoformat(),
        "--end",
        END.isoformat(),
        "--distance",
        "distance_km",
        f"--{option.replace('_', '-')}",
        flag,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == cli_error(fields, cli.file(placements))


def test_errors_are_the_same_everywhere(
    core: Core,
    clib: C,
    cli: Cli,
    demo: dict[str, pa.Table],
    by_area: pa.Table,
    oap_inputs: dict[str, pa.Table],
    monthly: pa.Table,
    subgroups: dict[str, pa.Table],
) -> None:
    # A table cell: a numerator above its denominator (proportion_table).
    bad = by_area.set_column(
        by_area.schema.get_field_index("out_of_area"), "out_of_area", by_area["population"]
    )
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.proportion("out_of_area", "admissions", data=bad)
    with pytest.raises(CoreError) as rust:
        core.one(
            "proportion_table", {"numerator": "out_of_area", "denominator": "admissions"}, data=bad
        )
    assert python_error_fields(py.value) == rust.value.fields
    assert py.value.kind == "invalid_cell" and py.value.column == "out_of_area"

    # A vector element: the same through the kernels (Rust, C).
    o, n = f64(bad, "out_of_area"), f64(bad, "admissions")
    v, lo, hi = out(len(o))
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_proportion(
                ptr(o),
                ptr(n),
                ctypes.c_size_t(len(o)),
                ctypes.c_double(0.95),
                ctypes.c_double(1.0),
                ptr(v),
                ptr(lo),
                ptr(hi),
            )
        )
    with pytest.raises(CoreError) as rust:
        core.one("proportion", {}, data=pa.table({"numerator": o, "denominator": n}))
    assert c_err.value.fields == rust.value.fields
    assert c_err.value.status == clib.const["CM_INVALID_VALUE"]

    # One of several tables: a population table with two rows for one group (oap::measures).
    population = pa.concat_tables([oap_inputs["population"]] * 2)
    call: dict[str, Any] = {"start": START, "end": END, "by": "place"}
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.oap.measures(demo["placements"], population=population, **call)
    with pytest.raises(CoreError) as rust:
        core.one(
            "oap",
            {"start": days(START), "end": days(END), "by": ["place"]},
            placements=demo["placements"],
            population=population,
        )
    assert python_error_fields(py.value) == rust.value.fields
    opts = clib.cm_oap_options_default(days(START), days(END))
    opts.by, opts.by_len = clib.strings(["place"])
    result = C.stream(pa.table({}))
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_oap_measures(
                ctypes.byref(C.stream(demo["placements"])),
                ctypes.byref(opts),
                ctypes.byref(C.stream(population)),
                None,
                ctypes.byref(result),
            )
        )
    assert c_err.value.fields == rust.value.fields
    run = cli.run(
        "oap",
        "--placements",
        cli.file(demo["placements"]),
        "--population",
        cli.file(population),
        "--start",
        START.isoformat(),
        "--end",
        END.isoformat(),
        "--by",
        "place",
    )
    assert run.returncode == 1
    assert run.stderr.strip() == cli_error(rust.value.fields, cli.file(population))

    # An option without a safe default: favourable (inequality measures).
    data = pa.table(
        {"subgroup": [1, 2, 3], "value": [3.0, 2.0, 1.0], "population": [10.0, 10.0, 10.0]}
    )
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.inequality.measures(
            data, group="subgroup", population="population", order="subgroup", measures=["D"]
        )
    with pytest.raises(CoreError) as rust:
        core.one("inequality_measures", {"order": "subgroup", "measures": ["D"]}, data=data)
    assert python_error_fields(py.value) == rust.value.fields
    opts = _c_measures(clib, {"order": "subgroup", "measures": ["D"]})
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_inequality_measures(
                ctypes.byref(C.stream(data)), ctypes.byref(opts), ctypes.byref(result)
            )
        )
    assert c_err.value.fields == rust.value.fields
    assert py.value.argument == "favourable"

    # A contact before the person's birth (transition: names the table).
    contacts = demo["contacts"]
    dates = contacts["contact_date"].to_pylist()
    dates[5] = dt.date(1990, 1, 1)
    contacts = contacts.set_column(
        contacts.schema.get_field_index("contact_date"),
        "contact_date",
        pa.array(dates, pa.date32()),
    )
    tables = {"persons": demo["persons"], "referrals": demo["referrals"], "contacts": contacts}
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.transition.summary(*tables.values(), data_end=DATA_END)
    with pytest.raises(CoreError) as rust:
        core.one("transition_summary", {"data_end": days(DATA_END)}, **tables)
    assert python_error_fields(py.value) == rust.value.fields
    assert py.value.table == "contacts"
    streams = [C.stream(t) for t in tables.values()]
    outs = [C.stream(pa.table({})) for _ in range(4)]
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_transition_analyse(
                *[ctypes.byref(s) for s in streams],
                None,
                ctypes.byref(clib.cm_transition_options_default(days(DATA_END))),
                *[ctypes.byref(s) for s in outs],
            )
        )
    assert c_err.value.fields == rust.value.fields
    run = cli.run(
        "transition",
        *[a for k, t in tables.items() for a in (f"--{k}", cli.file(t))],
        "--data-end",
        DATA_END.isoformat(),
    )
    assert run.returncode == 1
    assert run.stderr.strip() == cli_error(rust.value.fields, cli.file(contacts))

    # A series with two rows for one date (spc).
    twice = pa.concat_tables([monthly.slice(0, 3), monthly.slice(0, 1)])
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.spc.xmr(twice, value="bed_days", date="period_end", by="place")
    columns = {"value": "bed_days", "date": "period_end"}
    with pytest.raises(CoreError) as rust:
        core.one("spc_xmr", {"by": ["place"]}, columns=columns, data=twice)
    assert python_error_fields(py.value) == rust.value.fields
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_spc_xmr(
                ctypes.byref(C.stream(twice)),
                ctypes.byref(_c_spc(clib, {"by": ["place"]})),
                ctypes.byref(result),
            )
        )
    assert c_err.value.fields == rust.value.fields
    run = cli.run(
        "spc",
        "--input",
        cli.file(twice),
        "--value",
        "bed_days",
        "--date",
        "period_end",
        "--by",
        "place",
    )
    assert run.returncode == 1
    assert run.stderr.strip() == cli_error(rust.value.fields, cli.file(twice))

    # A negative value of an individual index (a vector kernel in every face).
    values = np.array([3.0, -1.0, 2.0])
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.inequality.gini(values)
    with pytest.raises(CoreError) as rust:
        core.one("inequality_index", {"measure": "gini"}, data=pa.table({"values": values}))
    assert python_error_fields(py.value) == rust.value.fields
    res = np.zeros(1)
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_gini(ptr(values), None, ctypes.c_size_t(3), ctypes.c_bool(False), ptr(res))
        )
    assert c_err.value.fields == rust.value.fields

    # The last error's status, a copy of its message, and clearing it (C's own accessors).
    assert clib.cm_last_error_code() == c_err.value.status == clib.const["CM_INVALID_VALUE"]
    clib.cm_last_error_copy.restype = ctypes.c_size_t
    clib.cm_last_error_copy.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    message = rust.value.fields["message"].encode()
    assert clib.cm_last_error_copy(None, 0) == len(message)
    buf = ctypes.create_string_buffer(len(message) + 1)
    assert clib.cm_last_error_copy(buf, len(buf)) == len(message) and buf.value == message
    clib.cm_clear_error()
    assert (clib.cm_last_error_code(), clib.error_fields()["message"]) == (0, "")

    # A documented limit: more simulation repetitions than the library allows.
    data = subgroups["imd_decile"]
    call = {"group": "subgroup", "population": "population", "order": "subgroup",
            "by": ["indicator"], "measures": ["SII"], "reps": 10**8}  # fmt: skip
    with pytest.raises(cm.CollabMetricsError) as py:
        cm.inequality.sii(
            data, group="subgroup", population="population", order="subgroup", by="indicator",
            reps=10**8,
        )  # fmt: skip
    with pytest.raises(CoreError) as rust:
        core.one("inequality_measures", _rust_measures(call), data=data)
    assert python_error_fields(py.value) == rust.value.fields
    # A limit on the call, not on a group's data: the same error with or without `by`.
    assert py.value.kind == "limit_exceeded" and py.value.group is None
    assert py.value.argument == "reps"
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_inequality_measures(
                ctypes.byref(C.stream(data)),
                ctypes.byref(_c_measures(clib, call)),
                ctypes.byref(C.stream(pa.table({}))),
            )
        )
    assert c_err.value.fields == rust.value.fields


def test_cancellation(core: Core, clib: C, monthly: pa.Table, demo: dict[str, pa.Table]) -> None:
    """A cancelled call fails with the core's `cancelled` error in Rust (a cancelled
    `cancel::Token`) and C (the thread's flag, `cm_set_cancel_flag`, or the options' own
    `cancel`), field by field, and the same call runs once the flag is cleared: a vector
    kernel (geodesic), SPC (checked block by block of series) and a call with a `cancel`
    option (transition, checked phase by phase). Python's Ctrl-C raises
    KeyboardInterrupt (`test_hostile.py`, `test_ctrl_c_*`), and the CLI's ends the process."""
    n = 200_000  # the core looks at its token every 65 536 points
    lat = np.linspace(50.0, 55.0, n)
    lon = np.full(n, -1.0)
    lat2 = np.ascontiguousarray(lat[::-1])
    data = pa.table({"lat1": lat, "lon1": lon, "lat2": lat2, "lon2": lon})
    with pytest.raises(CoreError) as rust:
        core.one("geodesic", {}, data=data, cancelled=True)
    assert rust.value.fields["kind"] == "cancelled"
    km = np.full(n, np.nan)
    flag = ctypes.c_int(1)
    clib.check(clib.cm_set_cancel_flag(ctypes.byref(flag)))
    try:
        with pytest.raises(CError) as c_err:
            clib.check(
                clib.cm_distance_geodesic(
                    ptr(lat), ptr(lon), ptr(lat2), ptr(lon), ctypes.c_size_t(n), ptr(km)
                )
            )
    finally:
        clib.check(clib.cm_set_cancel_flag(None))
    assert c_err.value.fields == rust.value.fields
    assert c_err.value.status == clib.const["CM_CANCELLED"]
    clib.check(
        clib.cm_distance_geodesic(
            ptr(lat), ptr(lon), ptr(lat2), ptr(lon), ctypes.c_size_t(n), ptr(km)
        )
    )
    assert_columns(core.one("geodesic", {}, data=data), {"km": km}, "C after the flag is cleared")

    # SPC, through the thread's flag (its options have no `cancel`).
    columns = {"value": "bed_days", "date": "period_end"}
    with pytest.raises(CoreError) as rust:
        core.one("spc_xmr", {"by": ["place"]}, columns=columns, data=monthly, cancelled=True)
    assert rust.value.fields["kind"] == "cancelled"
    clib.check(clib.cm_set_cancel_flag(ctypes.byref(flag)))
    try:
        with pytest.raises(CError) as c_err:
            clib.check(
                clib.cm_spc_xmr(
                    ctypes.byref(C.stream(monthly)),
                    ctypes.byref(_c_spc(clib, {"by": ["place"]})),
                    ctypes.byref(C.stream(pa.table({}))),
                )
            )
    finally:
        clib.check(clib.cm_set_cancel_flag(None))
    assert c_err.value.fields == rust.value.fields

    # A table whose options carry their own flag (transition, checked phase by phase).
    tables = {k: demo[k] for k in ["persons", "referrals", "contacts"]}
    with pytest.raises(CoreError) as rust:
        core.one("transition_summary", {"data_end": days(DATA_END)}, **tables, cancelled=True)
    assert rust.value.fields["kind"] == "cancelled"
    opts = clib.cm_transition_options_default(days(DATA_END))
    opts.cancel = ctypes.pointer(flag)
    with pytest.raises(CError) as c_err:
        clib.check(
            clib.cm_transition_analyse(
                *[ctypes.byref(C.stream(t)) for t in tables.values()],
                None,
                ctypes.byref(opts),
                *[ctypes.byref(C.stream(pa.table({}))) for _ in range(4)],
            )
        )
    assert c_err.value.fields == rust.value.fields


def test_version_is_the_same(clib: C, cli: Cli) -> None:
    assert clib.cm_version().decode() == cm.__version__
    assert cli("--version")[0].split() == ["collabmetrics", cm.__version__]


# ---------------------------------------------------------------------------------------------
# Column maps: our column names mapped to the caller's, in every face that has them.


def _renamed(table: pa.Table, columns: dict[str, str]) -> pa.Table:
    return table.rename_columns([columns.get(n, n) for n in table.column_names])


def test_oap_column_map(core: Core, clib: C, cli: Cli, demo: dict[str, pa.Table]) -> None:
    """oap::measures on an extract with its own column names: Python `columns`, C
    `column_names`, CLI `--column OURS=THEIRS`, Rust's ColumnMap."""
    columns = {"start_date": "StartDateHospProvSpell", "reason": "ReasonOAP", "place": "Place"}
    placements = _renamed(demo["placements"], columns)
    py = cm.oap.measures(placements, start=START, end=END, by="place", columns=columns)
    assert "Place" in py.column_names
    rust = core.one(
        "oap",
        {"start": days(START), "end": days(END), "by": ["place"]},
        columns=columns,
        placements=placements,
    )
    assert_same(py, rust, "Rust")
    opts = clib.cm_oap_options_default(days(START), days(END))
    opts.by, opts.by_len = clib.strings(["place"])
    pairs = [x for kv in columns.items() for x in kv]
    opts.column_names, n = clib.strings(pairs)
    opts.column_names_len = n // 2
    result = C.stream(pa.table({}))
    clib.check(
        clib.cm_oap_measures(
            ctypes.byref(C.stream(placements)), ctypes.byref(opts), None, None, ctypes.byref(result)
        )
    )
    assert_same(py, C.table(result), "C")
    stdout, _ = cli(
        "oap",
        "--placements",
        cli.file(placements),
        "--start",
        START.isoformat(),
        "--end",
        END.isoformat(),
        "--by",
        "place",
        *[a for k, v in columns.items() for a in ("--column", f"{k}={v}")],
    )
    assert_csv_same(py, stdout, "CLI")


def test_transition_column_map(core: Core, clib: C, cli: Cli, demo: dict[str, pa.Table]) -> None:
    """One map for every input table (Python `columns`, C `column_names`, CLI `--column`)."""
    columns = {"person_id": "PatId", "date_of_birth": "PersonBirthDate", "received_date": "RefDate"}
    tables = {k: _renamed(demo[k], columns) for k in ["persons", "referrals", "contacts"]}
    py = cm.transition.summary(*tables.values(), data_end=DATA_END, columns=columns)
    assert_same(
        py,
        core.one("transition_summary", {"data_end": days(DATA_END)}, columns=columns, **tables),
        "Rust",
    )
    opts = clib.cm_transition_options_default(days(DATA_END))
    pairs = [x for kv in columns.items() for x in kv]
    opts.column_names, n = clib.strings(pairs)
    opts.column_names_len = n // 2
    streams = [C.stream(t) for t in tables.values()]
    outs = [C.stream(pa.table({})) for _ in range(4)]
    clib.check(
        clib.cm_transition_analyse(
            *[ctypes.byref(s) for s in streams],
            None,
            ctypes.byref(opts),
            *[ctypes.byref(s) for s in outs],
        )
    )
    assert_same(py, C.table(outs[2]), "C")
    stdout, _ = cli(
        "transition",
        *[a for k, t in tables.items() for a in (f"--{k}", cli.file(t))],
        "--data-end",
        DATA_END.isoformat(),
        *[a for k, v in columns.items() for a in ("--column", f"{k}={v}")],
    )
    assert_csv_same(py, stdout, "CLI")


# ---------------------------------------------------------------------------------------------
# Statistical process control: xmr and summary (Python cm.spc, C cm_spc_xmr / cm_spc_summary,
# CLI `collabmetrics spc [--table summary]`).


@pytest.fixture(scope="module")
def monthly(demo: dict[str, pa.Table]) -> pa.Table:
    """Inappropriate OAP bed days per month and place over the demo's three years, with a
    trajectory column."""
    t = cm.oap.measures(demo["placements"], start=dt.date(2021, 4, 1), end=END, by="place")
    t = t.select(["place", "period_end", "bed_days"])
    return t.append_column("plan", pc.multiply(pc.cast(t["bed_days"], pa.float64()), 0.9))


#: Python's keywords; `rebase` and `target` as Python takes them (dates, a number, or per
#: series).
SPC_OPTIONS: list[dict[str, Any]] = [
    {},
    {
        "by": ["place"],
        "improvement": "decrease",
        "rebase": [dt.date(2022, 9, 30), dt.date(2023, 3, 31)],
        "fix_after_n_points": 12,
        "target": 120.0,
        "rules": "mdc_2023",
        "warning_threshold": 15,
        "shift_length": 6,
        "trend_length": 8,
        "two_in_three_includes_outside": False,
        "ties": "skip",
        "on_mean": "skip",
        "screen_outliers": True,
        "trajectory": "plan",
    },
    {
        "by": ["place"],
        "improvement": "increase",
        "rules": "nhsrplotthedots",
        "ties": "break",
        "on_mean": "break",
        "screen_outliers": False,
        "two_in_three_includes_outside": True,
        "fix_after_n_points": 20,
    },
    {
        "by": ["place"],
        "improvement": "neutral",
        "rebase": {"East Kent": [dt.date(2022, 12, 31)], "West Kent": [dt.date(2023, 6, 30)]},
        "target": {"East Kent": 250.0, "Medway and Swale": 90.0},
    },
]

SPC_SETTINGS = [
    "screen_outliers",
    "shift_length",
    "trend_length",
    "two_in_three_includes_outside",
    "ties",
    "on_mean",
]


def _rust_spc(o: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in o.items() if k not in ("rebase", "target")}
    rebase, target = o.get("rebase"), o.get("target")
    if isinstance(rebase, list):
        out["rebase"] = {"dates": [days(d) for d in rebase]}
    elif isinstance(rebase, dict):
        out["rebase"] = {
            "per_series": [
                {"series": [k], "dates": [days(d) for d in v]} for k, v in rebase.items()
            ]
        }
    if isinstance(target, float):
        out["target"] = {"value": target}
    elif isinstance(target, dict):
        out["target"] = {"per_series": [{"series": [k], "target": v} for k, v in target.items()]}
    return out


def _c_spc(clib: C, o: dict[str, Any]) -> Any:
    opts = clib.cm_spc_options_default()
    enums = {"improvement": "Improvement", "rules": "RuleSet", "ties": "Ties", "on_mean": "OnMean"}
    for k, v in o.items():
        if k == "by":
            opts.by, opts.by_len = clib.strings(v)
        elif k == "rebase" and isinstance(v, list):
            opts.rebase_dates = clib.array(
                clib.field_type(opts, "rebase_dates"), [days(d) for d in v]
            )
            opts.rebase_dates_len = len(v)
        elif k == "rebase":
            entries = [(s, d) for s, ds in v.items() for d in ds]
            opts.rebase_series, _ = clib.strings([s for s, _ in entries])
            opts.rebase_series_dates = clib.array(
                clib.field_type(opts, "rebase_series_dates"), [days(d) for _, d in entries]
            )
            opts.rebase_series_len = len(entries)
        elif k == "target" and isinstance(v, float):
            opts.has_target, opts.target = True, v
        elif k == "target":
            opts.target_series, _ = clib.strings(list(v))
            opts.target_series_values = clib.array(
                clib.field_type(opts, "target_series_values"), list(v.values())
            )
            opts.target_series_len = len(v)
        elif k == "trajectory":
            opts.trajectory = clib.string(v)
        elif k == "fix_after_n_points" or k in SPC_SETTINGS:  # optional: a has_ flag each
            setattr(opts, f"has_{k}", True)
            setattr(opts, k, code_of(enums[k], v) if k in enums else v)
        elif k in enums:
            setattr(opts, k, code_of(enums[k], v))
        else:
            setattr(opts, k, v)
    pairs = ["value", "bed_days", "date", "period_end"]
    opts.column_names, n = clib.strings(pairs)
    opts.column_names_len = n // 2
    return opts


def _cli_spc(o: dict[str, Any]) -> list[str]:
    args = []
    for k, v in o.items():
        flag = f"--{k.replace('_', '-')}"
        if k == "by":
            args += [flag, ",".join(v)]
        elif k == "rebase" and isinstance(v, list):
            args += [flag, ",".join(d.isoformat() for d in v)]
        elif k == "rebase":
            args += [
                a
                for s, ds in v.items()
                for d in ds
                for a in ("--rebase-for", f"{s}={d.isoformat()}")
            ]
        elif k == "target" and isinstance(v, dict):
            args += [a for s, t in v.items() for a in ("--target-for", f"{s}={t!r}")]
        elif isinstance(v, bool):
            args += [flag, "true" if v else "false"]
        else:
            args += [flag, str(v)]
    return args


@pytest.mark.parametrize("summary", [False, True])
@pytest.mark.parametrize("options", SPC_OPTIONS)
def test_spc(
    core: Core, clib: C, cli: Cli, monthly: pa.Table, options: dict[str, Any], summary: bool
) -> None:
    """cm.spc.xmr / summary = spc::xmr / summary in Rust = cm_spc_xmr / cm_spc_summary =
    `collabmetrics spc [--table summary]`."""
    o = dict(options)
    data = monthly if o.get("by") else monthly.filter(pc.equal(monthly["place"], "East Kent"))
    if summary:
        o.pop("trajectory", None)
    f = cm.spc.summary if summary else cm.spc.xmr
    py = f(data, value="bed_days", date="period_end", **o)
    assert py.num_rows > 0
    entry = "spc_summary" if summary else "spc_xmr"
    columns = {"value": "bed_days", "date": "period_end"}
    assert_same(py, core.one(entry, _rust_spc(o), columns=columns, data=data), "Rust")

    result = C.stream(pa.table({}))
    c_function = clib.cm_spc_summary if summary else clib.cm_spc_xmr
    clib.check(
        c_function(
            ctypes.byref(C.stream(data)), ctypes.byref(_c_spc(clib, o)), ctypes.byref(result)
        )
    )
    assert_same(py, C.table(result), "C")

    args = ["spc", "--input", cli.file(data), "--value", "bed_days", "--date", "period_end"]
    args += _cli_spc(o) + (["--table", "summary"] if summary else [])
    stdout, stderr = cli(*args)
    assert_csv_same(py, stdout, "CLI")
    assert cli_diagnostics(stderr) == cm.diagnostics(py)
    assert_json_same(py, cli(*args, "--format", "json")[0], "CLI JSON")


# ---------------------------------------------------------------------------------------------
# Funnel plots: assess and limits (Python cm.funnel, C cm_funnel_assess / cm_funnel_limits,
# CLI `collabmetrics funnel [--table limits]`), every statistic in every family that draws it.


@pytest.fixture(scope="module")
def funnel_units(by_area: pa.Table, by_band: pa.Table) -> dict[str, pa.Table]:
    """Units for the funnels: the demo's 90 home areas (admissions, those out of area, the
    expected admissions at the collaborative's rate per head, the expected out-of-area
    placements at its share, the crude admission rate per 100 000) and its places' directly
    standardised admission rates (`cm.dsr`)."""
    t = by_area
    adm, oap, pop = (
        pc.cast(t[k], pa.float64()) for k in ["admissions", "out_of_area", "population"]
    )
    per_head = pc.sum(adm).as_py() / pc.sum(pop).as_py()
    share = pc.sum(oap).as_py() / pc.sum(adm).as_py()
    t = t.append_column("expected", pc.multiply(pop, per_head))
    t = t.append_column("expected_oap", pc.multiply(adm, share))
    t = t.append_column("in_area", pc.subtract(t["admissions"], t["out_of_area"]))
    t = t.append_column("rate", pc.multiply(pc.divide(adm, pop), 100_000.0))
    return {"areas": t, "places": cm.dsr(by_band, by="place")}


#: (units, Python's keywords): every statistic, every family that draws it, each option
#: changed from its default somewhere, rows added up (`unit="place"`), rows as units
#: (`unit=None`) and units left out (`exclude_zero_sr`).
FUNNEL_OPTIONS: list[tuple[str, dict[str, Any]]] = [
    # PHE.
    ("areas", {"numerator": "out_of_area", "denominator": "admissions", "unit": "area_code",
               "statistic": "proportion", "multiplier": 100.0}),
    ("areas", {"numerator": "out_of_area", "denominator": "admissions", "unit": None,
               "statistic": "proportion", "family": "phe", "multiplier": 1.0, "limit": 95}),
    ("areas", {"numerator": "admissions", "denominator": "expected", "unit": "area_code",
               "statistic": "ratio_isr"}),
    ("areas", {"numerator": "out_of_area", "denominator": "in_area", "unit": "area_code",
               "statistic": "ratio_count", "limit": 95}),
    ("areas", {"numerator": "admissions", "denominator": "population", "unit": "area_code",
               "statistic": "rate_crude", "rate": "rate", "multiplier": 100_000.0,
               "years_of_data": 3.0}),
    ("places", {"numerator": "total_count", "denominator": "total_population", "unit": "place",
                "statistic": "rate_dsr", "rate": "value", "multiplier": 100_000.0,
                "years_of_data": 1.0, "limit": 99.8}),
    # FunnelPlotR.
    ("areas", {"numerator": "out_of_area", "denominator": "admissions", "unit": "area_code",
               "statistic": "pr"}),
    ("areas", {"numerator": "out_of_area", "denominator": "admissions", "unit": "place",
               "statistic": "pr", "family": "funnelplotr", "limit": 95, "draw_adjusted": False,
               "trim_by": 0.05, "multiplier": 100.0}),
    ("areas", {"numerator": "admissions", "denominator": "expected", "unit": "area_code",
               "statistic": "sr"}),
    ("areas", {"numerator": "admissions", "denominator": "expected", "unit": "area_code",
               "statistic": "sr", "sr_method": "CQC"}),
    ("areas", {"numerator": "admissions", "denominator": "expected", "unit": "area_code",
               "statistic": "sr", "sr_method": "CQC", "funnelplotr_compat": True}),
    ("areas", {"numerator": "out_of_area", "denominator": "expected_oap", "unit": "area_code",
               "statistic": "sr", "shmi_rounding": False, "exclude_zero_sr": True}),
    ("areas", {"numerator": "out_of_area", "denominator": "in_area", "unit": "area_code",
               "statistic": "rc"}),
    ("areas", {"numerator": "out_of_area", "denominator": "in_area", "unit": "area_code",
               "statistic": "rc", "funnelplotr_compat": True}),
    # Spiegelhalter's exact limits.
    ("areas", {"numerator": "out_of_area", "denominator": "admissions", "unit": "area_code",
               "statistic": "proportion", "family": "spiegelhalter_exact", "multiplier": 100.0}),
    ("areas", {"numerator": "out_of_area", "denominator": "admissions", "unit": "area_code",
               "statistic": "pr", "family": "spiegelhalter_exact"}),
    ("areas", {"numerator": "admissions", "denominator": "expected", "unit": "area_code",
               "statistic": "sr", "family": "spiegelhalter_exact", "limit": 95}),
]  # fmt: skip


def _c_funnel(clib: C, o: dict[str, Any], columns: dict[str, str] | None = None) -> Any:
    """``cm_funnel_options_default()`` with Python's keywords set (statistic and family are
    0 when unset, else 1 + their position; the other enums their position)."""
    opts = clib.cm_funnel_options_default()
    for k, v in o.items():
        if k == "statistic":
            opts.statistic = 0 if v is None else 1 + code_of("Statistic", v)
        elif k == "family":
            opts.family = 0 if v is None else 1 + code_of("Family", v)
        elif k == "sr_method":
            opts.sr_method = code_of("SrMethod", v)
        elif k == "limit":
            opts.limit = code_of("Limit", "99" if v == 99.8 else str(v))
        elif k in ("unit", "numerator", "denominator", "rate"):
            setattr(opts, k, clib.string(v))
        elif k in ("multiplier", "years_of_data"):
            setattr(opts, f"has_{k}", v is not None)
            setattr(opts, k, 1.0 if v is None else v)
        else:
            setattr(opts, k, v)
    if columns:
        opts.column_names, n = clib.strings([s for pair in columns.items() for s in pair])
        opts.column_names_len = n // 2
    return opts


#: The CLI's switches: (keyword, the value that sets the flag).
_FUNNEL_SWITCHES = {
    "draw_adjusted": ("--unadjusted", False),
    "shmi_rounding": ("--no-shmi-rounding", False),
    "funnelplotr_compat": ("--funnelplotr-compat", True),
    "exclude_zero_sr": ("--exclude-zero-sr", True),
}


def _cli_funnel(o: dict[str, Any], columns: dict[str, str] | None = None) -> list[str]:
    args = []
    for k, v in o.items():
        if k in _FUNNEL_SWITCHES:
            flag, on = _FUNNEL_SWITCHES[k]
            args += [flag] if v == on else []
        elif v is not None:
            args += [f"--{k.replace('_', '-')}", str(v)]
    for ours, theirs in (columns or {}).items():
        args += ["--column", f"{ours}={theirs}"]
    return args


def _funnel_faces(
    core: Core,
    clib: C,
    cli: Cli,
    data: pa.Table,
    o: dict[str, Any],
    limits: bool,
    columns: dict[str, str] | None = None,
) -> pa.Table:
    """The call in Python, checked against Rust, C, the CLI's CSV and JSON and its
    diagnostics; the Python result."""
    f = cm.funnel.limits if limits else cm.funnel.assess
    py = f(data, columns=columns, **o)
    assert py.num_rows > 0
    entry = "funnel_limits" if limits else "funnel_assess"
    assert_same(py, core.one(entry, o, columns=columns, data=data), "Rust")

    result = C.stream(pa.table({}))
    c_function = clib.cm_funnel_limits if limits else clib.cm_funnel_assess
    opts = _c_funnel(clib, o, columns)
    clib.check(c_function(ctypes.byref(C.stream(data)), ctypes.byref(opts), ctypes.byref(result)))
    assert_same(py, C.table(result), "C")

    args = ["funnel", "--input", cli.file(data), *_cli_funnel(o, columns)]
    args += ["--table", "limits"] if limits else []
    stdout, stderr = cli(*args)
    assert_csv_same(py, stdout, "CLI")
    assert cli_diagnostics(stderr) == cm.diagnostics(py)
    assert_json_same(py, cli(*args, "--format", "json")[0], "CLI JSON")
    return py


@pytest.mark.parametrize("limits", [False, True])
@pytest.mark.parametrize(("units", "options"), FUNNEL_OPTIONS)
def test_funnel(
    core: Core,
    clib: C,
    cli: Cli,
    funnel_units: dict[str, pa.Table],
    units: str,
    options: dict[str, Any],
    limits: bool,
) -> None:
    """cm.funnel.assess / limits = funnel::assess / limits in Rust = cm_funnel_assess /
    cm_funnel_limits = `collabmetrics funnel [--table limits]`."""
    _funnel_faces(core, clib, cli, funnel_units[units], options, limits)


def test_funnel_defaults_and_column_map(
    core: Core, clib: C, cli: Cli, funnel_units: dict[str, pa.Table]
) -> None:
    """Every option left at its default (numerator, denominator and rate at the core's column
    names, mapped to the table's), in every face; the defaults the signature shows are the
    core's."""
    d = _native.defaults("funnel")
    columns = {"numerator": "out_of_area", "denominator": "admissions"}
    data = funnel_units["areas"]
    # Only the statistic, which has no default (the unit too: a keyword without a default).
    o = {"numerator": d["numerator"], "denominator": d["denominator"], "unit": None,
         "statistic": "pr"}  # fmt: skip
    for limits in [False, True]:
        py = _funnel_faces(core, clib, cli, data, o, limits, columns)
        explicit = {k: v for k, v in d.items() if k not in ("statistic", "unit")}
        f: Callable[..., Any] = cm.funnel.limits if limits else cm.funnel.assess
        assert_same(py, f(data, columns=columns, **{**explicit, **o}), "explicit defaults")
    for f in cast("list[Callable[..., Any]]", [cm.funnel.assess, cm.funnel.limits]):
        for name, p in inspect.signature(f).parameters.items():
            if name in d and p.default is not inspect.Parameter.empty:
                assert p.default == d[name], name


@pytest.mark.parametrize("rule", [None, "nhs_hes"])
def test_funnel_publish(
    core: Core, clib: C, cli: Cli, funnel_units: dict[str, pa.Table], rule: str | None
) -> None:
    """`cm.funnel.assess(..., publish=)` = disclose of the raw assessment under the rule (Rust,
    C) = `collabmetrics funnel --publish [RULE]`."""
    data = funnel_units["areas"]
    o: dict[str, Any] = {"numerator": "out_of_area", "denominator": "admissions", "unit": "area_code",
         "statistic": "proportion", "multiplier": 100.0}  # fmt: skip
    raw = cm.funnel.assess(data, **o)
    published = cm.funnel.assess(data, **o, publish=True if rule is None else rule)
    name = _native.defaults("disclosure")["rule"] if rule is None else rule
    assert_same(published, core("disclose", {"rule": name}, data=raw)["result"], "Rust")
    opts = clib.cm_disclose_options_default()
    opts.rule = clib.string(name)
    result = C.stream(pa.table({}))
    clib.check(
        clib.cm_disclose(
            ctypes.byref(C.stream(raw)), ctypes.byref(opts), ctypes.byref(result), None
        )
    )
    assert_same(published, C.table(result), "C")
    flag = ["--publish"] + ([] if rule is None else [rule])
    stdout, stderr = cli("funnel", "--input", cli.file(data), *_cli_funnel(o), *flag)
    assert_csv_same(published, stdout, "funnel --publish", starred=True)
    assert cli_diagnostics(stderr) == cm.diagnostics(raw) + cm.diagnostics(published)


def test_funnel_errors(core: Core, clib: C, cli: Cli, funnel_units: dict[str, pa.Table]) -> None:
    """The same bad funnel call fails with the same error, field by field, in every face (the
    CLI prints the message, a bad cell placed in its file)."""
    data = funnel_units["areas"]
    base = {"numerator": "out_of_area", "denominator": "admissions", "unit": "area_code"}
    bad_cell = data.set_column(
        data.schema.get_field_index("out_of_area"), "out_of_area", data["population"]
    )
    cases: list[tuple[pa.Table, dict[str, Any], str]] = [
        # No statistic: it has no default (the CLI's parser asks for it: see below).
        (data, {**base, "statistic": None}, "invalid_argument"),
        # A PHE proportion without its multiplier (PHE has no default).
        (data, {**base, "statistic": "proportion"}, "invalid_argument"),
        # A statistic its family does not draw.
        (data, {**base, "statistic": "pr", "family": "phe"}, "invalid_argument"),
        # trim_by outside (0, 0.5).
        (data, {**base, "statistic": "pr", "trim_by": 0.5}, "invalid_argument"),
        # A numerator above its denominator (a cell: column and row).
        (bad_cell, {**base, "statistic": "pr"}, "invalid_cell"),
        # A unit with no events under SR/SHMI (naming the unit).
        (data, {**base, "denominator": "expected_oap", "statistic": "sr"}, "invalid_group"),
    ]
    for table, o, kind in cases:
        for limits in [False, True]:
            f = cm.funnel.limits if limits else cm.funnel.assess
            with pytest.raises(cm.CollabMetricsError) as py:
                f(table, **o)
            entry = "funnel_limits" if limits else "funnel_assess"
            with pytest.raises(CoreError) as rust:
                core.one(entry, {k: v for k, v in o.items() if v is not None}, data=table)
            assert python_error_fields(py.value) == rust.value.fields, o
            assert py.value.kind == kind, o
            c_function = clib.cm_funnel_limits if limits else clib.cm_funnel_assess
            result = C.stream(pa.table({}))
            with pytest.raises(CError) as c_err:
                clib.check(
                    c_function(
                        ctypes.byref(C.stream(table)),
                        ctypes.byref(_c_funnel(clib, o)),
                        ctypes.byref(result),
                    )
                )
            assert c_err.value.fields == rust.value.fields, o
            args = ["funnel", "--input", cli.file(table), *_cli_funnel(o)]
            run = cli.run(*args, *(["--table", "limits"] if limits else []))
            if o["statistic"] is None:
                assert run.returncode == 2 and "--statistic" in run.stderr
                continue
            assert run.returncode == 1, o
            assert run.stderr.strip() == cli_error(rust.value.fields, cli.file(table)), o


# ---------------------------------------------------------------------------------------------
# The inventory (tests/PARITY.md) against the code: nothing public without a parity row.


def _inventory_rows() -> list[list[str]]:
    """The cells of every row of the inventory's tables: entry point, Rust, C, Python, CLI,
    test."""
    text = (ROOT / "tests" / "PARITY.md").read_text()
    body = text.split("## Inventory", 1)[1].split("## Discrepancies", 1)[0]
    rows = []
    for line in body.splitlines():
        if not line.startswith("|") or line.startswith("|---") or line.startswith("| entry point"):
            continue
        if line.startswith("| what |"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 6, f"PARITY.md: a row without six cells: {line}"
        rows.append(cells)
    return rows


def test_inventory_is_complete(cli: Cli) -> None:
    """Every C function, public Python function, CLI subcommand and public Rust module is in
    tests/PARITY.md; every name it lists exists; every test it names exists, and names every
    test of this file; every entry of core_call is called here."""
    rows = _inventory_rows()
    text = (ROOT / "tests" / "PARITY.md").read_text()
    column = {
        k: " ".join(r[i] for r in rows)
        for i, k in enumerate(["what", "rust", "c", "py", "cli", "test"])
    }

    # C: exactly the functions the header declares.
    declared = set(re.findall(r"\b(cm_\w+)\(", HEADER.read_text()))
    listed = set(re.findall(r"\b(cm_\w+)", column["c"]))
    assert declared - listed == set(), "C functions without a parity row"
    assert listed - declared == set(), "C functions listed that the header does not declare"

    # Python: every public function of the package and its modules.
    def resolve(name: str) -> Any:
        obj: Any = cm
        for part in name.split(".")[1:]:
            obj = getattr(obj, part)
        return obj

    named = re.findall(r"\bcm(?:\.\w+)+", column["py"])
    listed_objects = {id(resolve(n)) for n in named}  # AttributeError: a stale name
    public = {
        f"cm.{name}": getattr(cm, name)
        for name in cm.__all__
        if inspect.isroutine(getattr(cm, name))
    }
    for module in [getattr(cm, n) for n in cm.__all__ if inspect.ismodule(getattr(cm, n))]:
        short = module.__name__.removeprefix("collabmetrics.")
        for name in getattr(module, "__all__", []):
            if inspect.isroutine(getattr(module, name)):
                public[f"cm.{short}.{name}"] = getattr(module, name)
    missing = sorted(k for k, f in public.items() if id(f) not in listed_objects)
    assert missing == [], "Python functions without a parity row"

    # CLI: every subcommand.
    help_text = cli("--help")[0]
    commands = re.findall(
        r"^  (\w+) ", help_text.split("Commands:", 1)[1].split("Options:")[0], re.M
    )
    assert "funnel" in commands
    spans = re.findall(r"`([^`]+)`", column["cli"])
    words = {s.removeprefix("collabmetrics ").split()[0] for s in spans}
    assert set(commands) - {"help"} - words == set(), "CLI subcommands without a parity row"

    # Rust: every public module of the crate has a section or a contract row.
    lib = (ROOT / "crates" / "collabmetrics" / "src" / "lib.rs").read_text()
    modules = re.findall(r"^pub mod (\w+);", lib, re.M)
    assert "funnel" in modules
    assert [m for m in modules if f"`collabmetrics::{m}" not in text] == []

    # Tests: every one named exists; every parity test is named.
    defined = {
        name
        for path in (ROOT / "python" / "tests").glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M)
    }
    named_tests = set(re.findall(r"`(test_\w+)`", column["test"]))
    assert named_tests - defined == set(), "tests named in PARITY.md that do not exist"
    here = set(re.findall(r"^def (test_\w+)", Path(__file__).read_text(), re.M))
    assert here - named_tests - {"test_inventory_is_complete"} == set(), (
        "parity tests not in PARITY.md"
    )

    # Options: every value of every option enum is passed by a test here (by name, or as the
    # number the limit is) or is a default (called with every option at its default). The
    # HEAT measures: a call without `measures` computes every one that applies
    # (`test_inequality_measures`, on ordered and unordered subgroups, with a reference).
    source = Path(__file__).read_text()
    defaults = {
        str(x)
        for name in _native.DEFAULTS
        for v in _native.defaults(name).values()
        for x in (v if isinstance(v, list) else [v])
        if isinstance(x, (str, int, float)) and not isinstance(x, bool)
    }
    unused = [
        f"{option}: {v}"
        for option, names in _native.OPTION_NAMES.items()
        if option != "Measure"
        for v in names
        if f'"{v}"' not in source
        and v not in defaults
        and not (v.isdigit() and re.search(rf'"{option.lower()}": {v}\b', source))
    ]
    assert unused == [], "option values no parity test passes"

    # core_call: every entry it knows is called by a test here.
    source = (ROOT / "crates" / "collabmetrics-cli" / "examples" / "core_call.rs").read_text()
    arms = re.findall(r'^\s*((?:"\w+"(?: \| )?)+) =>', source, re.M)
    entries = {e for arm in arms for e in re.findall(r'"(\w+)"', arm)}
    assert {"funnel_assess", "funnel_limits", "spc_xmr", "oap"} <= entries
    this = Path(__file__).read_text()
    assert sorted(e for e in entries if f'"{e}"' not in this) == []
