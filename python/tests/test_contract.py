"""The contract every face shares with the Rust core: defaults from the core, one exception
class per error kind with its fields, one guard against panics, one diagnostics channel."""

from __future__ import annotations

import datetime as dt
import inspect
import math
import pickle
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any, cast

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import collabmetrics as cm
from collabmetrics import _native

# ---------------------------------------------------------------------------------------------
# Defaults: every default of a Python signature is the core's.

#: (function, registry name, {parameter: key in the core's defaults}).
DEFAULTS: list[tuple[Callable[..., Any], str, dict[str, str]]] = [
    (cm.proportion, "proportion", {k: k for k in ["confidence", "multiplier", "method"]}),
    (cm.rate, "rate", {k: k for k in ["confidence", "multiplier", "method"]}),
    (
        cm.dsr,
        "dsr",
        {
            k: k
            for k in [
                "count",
                "population",
                "age_band",
                "standard",
                "confidence",
                "multiplier",
                "method",
            ]
        },
    ),
    (
        cm.isr,
        "isr",
        {
            k: k
            for k in [
                "count",
                "population",
                "reference_count",
                "reference_population",
                "kind",
                "confidence",
                "multiplier",
                "method",
            ]
        },
    ),
    (cm.mean, "mean", {"value": "value", "confidence": "confidence"}),
    (
        cm.oap.measures,
        "oap",
        {
            k: k
            for k in [
                "window",
                "inappropriate_only",
                "bed_types",
                "data_cutoff",
                "overlap",
                "multiplier",
                "confidence",
                "distance",
            ]
        }
        | {
            "distance_threshold": "distance_options.threshold",
            "distance_bands": "distance_options.bands",
        },
    ),
    (cm.distance.bng, "distance_points", {"round_km": "round_km", "nulls": "nulls"}),
    (cm.distance.geodesic, "distance_points", {"nulls": "nulls"}),
    (cm.distance.haversine, "distance_points", {"nulls": "nulls"}),
    (cm.distance.bng_to_wgs84, "distance_convert", {"nulls": "nulls"}),
    (
        cm.distance.points,
        "distance_points",
        {k: k for k in ["method", "round_km", "nulls", "output"]},
    ),
    (
        cm.distance.locate,
        "distance_locate",
        {"lookup_code": "lookup_code", "x": "lookup_x", "y": "lookup_y", "nulls": "nulls"},
    ),
    (
        cm.distance.summary,
        "distance_summary",
        {k: k for k in ["distance", "weight", "threshold", "bands", "confidence", "nulls"]},
    ),
    (
        cm.inequality.measures,
        "inequality_measures",
        {
            k: k
            for k in [
                "value",
                "se",
                "lower",
                "upper",
                "order",
                "favourable",
                "measures",
                "reference",
                "scale",
                "setting_average",
                "rci_method",
                "sii_model",
                "value_type",
                "transform",
                "confidence",
                "reps",
                "seed",
                "multiplier",
            ]
        },
    ),
    (
        cm.inequality.measures,
        "inequality_measures",
        {"group": "subgroup", "population": "population"},
    ),
    (cm.inequality.sii, "inequality_measures", {"group": "subgroup", "population": "population"}),
    (
        cm.spc.xmr,
        "spc",
        {
            k: k
            for k in [
                "improvement",
                "fix_after_n_points",
                "screen_outliers",
                "rules",
                "warning_threshold",
                "shift_length",
                "trend_length",
                "two_in_three_includes_outside",
                "ties",
                "on_mean",
                "trajectory",
            ]
        },
    ),
    (
        cm.spc.summary,
        "spc",
        {
            k: k
            for k in [
                "improvement",
                "fix_after_n_points",
                "screen_outliers",
                "rules",
                "warning_threshold",
                "shift_length",
                "trend_length",
                "two_in_three_includes_outside",
                "ties",
                "on_mean",
            ]
        },
    ),
    (
        cm.disclose,
        "disclosure",
        {
            k: k
            for k in [
                "rule",
                "counts",
                "derived",
                "dimensions",
                "national",
                "secondary",
                "suppress_on",
                "display",
                "by",
                "decimals",
            ]
        },
    ),
    (
        cm.inequality.measures,
        "inequality_counts",
        {"count_kind": "kind", "count_multiplier": "multiplier"},
    ),
    (
        cm.inequality.sii,
        "inequality_measures",
        {
            k: k
            for k in [
                "value",
                "se",
                "lower",
                "upper",
                "value_type",
                "transform",
                "confidence",
                "reps",
                "seed",
                "multiplier",
            ]
        },
    ),
    (
        cm.inequality.sii,
        "inequality_counts",
        {"count_kind": "kind", "count_multiplier": "multiplier"},
    ),
    (cm.inequality.gini, "inequality_individual", {"corrected": "corrected"}),
    (cm.inequality.share_ratio, "inequality_individual", {"share": "share"}),
    (cm.inequality.concentration_index, "inequality_individual", {"correction": "correction"}),
    (cm.inequality.decompose, "inequality_individual", {"alpha": "alpha"}),
    (
        cm.transition.time_to_contact,
        "time_to_contact",
        {"method": "method", "confidence": "confidence"},
    ),
    (cm.demo.tables, "demo", {"seed": "seed", "scale": "scale", "months": "months"}),
]
_FUNNEL_OPTIONS = [
    "family",
    "sr_method",
    "limit",
    "draw_adjusted",
    "trim_by",
    "multiplier",
    "funnelplotr_compat",
    "rate",
    "years_of_data",
    "shmi_rounding",
    "exclude_zero_sr",
]
DEFAULTS += [
    (f, "funnel", {k: k for k in _FUNNEL_OPTIONS})
    for f in cast("list[Callable[..., Any]]", [cm.funnel.assess, cm.funnel.limits])
]


_INDICES: list[Callable[..., Any]] = [
    cm.inequality.gini,
    cm.inequality.theil,
    cm.inequality.mld,
    cm.inequality.atkinson,
    cm.inequality.ge,
    cm.inequality.share_ratio,
]
DEFAULTS += [
    (f, "inequality_bootstrap", {"reps": "reps", "confidence": "confidence", "seed": "seed"})
    for f in _INDICES
]
_TRANSITION_OPTIONS = [
    "engagement_days",
    "horizons",
    "min_attended_contacts",
    "boundary_age",
    "min_age",
    "max_age",
    "period_start",
    "period_end",
    "cyp_lookback_days",
    "boundary_open_window_days",
    "followup_days",
    "retained_days",
    "episode_gap_days",
    "attended_codes",
    "dna_codes",
    "direct_mechanisms",
    "crisis_team_types",
    "confidence",
    "by",
    "age_band_18_24",
]
DEFAULTS += [
    (f, "transition", {k: k for k in _TRANSITION_OPTIONS})
    for f in cast(
        "list[Callable[..., Any]]",
        [
            cm.transition.transfers,
            cm.transition.ageing_out,
            cm.transition.summary,
            cm.transition.service_lines,
        ],
    )
]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize(
    ("function", "name", "keys"),
    DEFAULTS,
    ids=[f"{f.__module__}.{f.__name__}:{n}" for f, n, _ in DEFAULTS],
)
def test_signature_defaults_are_the_cores(
    function: Callable[..., Any], name: str, keys: dict[str, str]
) -> None:
    parameters = inspect.signature(function).parameters
    for parameter, key in keys.items():
        # A dotted key is an option of a nested struct (OAP's `distance_options.threshold`).
        core = _native.defaults(name)
        *outer, key = key.split(".")
        for k in outer:
            core = core[k]
        assert key in core, f"the core has no default {key!r} in {name!r}"
        default = parameters[parameter].default
        assert default is not inspect.Parameter.empty, f"{parameter} has no default"
        assert _plain(default) == core[key], f"{function.__name__}({parameter}=...)"
        assert type(default) is type(core[key]) or isinstance(default, tuple), parameter


def test_demo_start_and_module_constants_are_the_cores() -> None:
    core = _native.defaults("demo")
    start = inspect.signature(cm.demo.tables).parameters["start"].default
    assert start == dt.date(1970, 1, 1) + dt.timedelta(days=core["start"])
    assert cm.oap.DEFAULT_BED_TYPES == tuple(_native.defaults("oap")["bed_types"])
    assert cm.inequality.DEFAULT_SEED == _native.defaults("inequality_measures")["seed"]
    assert cm.inequality.MEASURES[:3] == ("D", "R", "SII")
    assert cm.transition.CRISIS_TEAM_TYPES == tuple(
        _native.defaults("transition")["crisis_team_types"]
    )


def test_values_without_a_safe_default_must_be_given() -> None:
    # The core leaves them unset (None in its defaults)...
    assert _native.defaults("oap")["start"] is None
    assert _native.defaults("transition")["data_end"] is None
    assert _native.defaults("inequality_measures")["favourable"] is None
    # ... and Python asks for them: start, end and data_end are required arguments, and
    # favourable is an error for a measure that uses it (see test_inequality).
    assert inspect.signature(cm.oap.measures).parameters["start"].default is inspect.Parameter.empty
    transfers = inspect.signature(cm.transition.transfers).parameters["data_end"]
    assert transfers.default is inspect.Parameter.empty
    with pytest.raises(cm.InvalidArgumentError) as e:
        _native.defaults("nothing")
    assert e.value.argument == "name"


#: Each `Literal` annotation of a public function, and the core's option it spells.
LITERALS = {
    ("measures", "window"): "Window",
    ("measures", "overlap"): "OverlapRule",
    ("measures", "bed_types"): None,  # the word "default", not an option's names
    ("state", "window"): "Window",
    ("state", "overlap"): "OverlapRule",
    ("state", "bed_types"): None,
    ("measures", "favourable"): "Favourable",
    ("measures", "rci_method"): "RciMethod",
    ("measures", "sii_model"): "SiiModel",
    ("measures", "value_type"): "ValueType",
    ("measures", "count_kind"): "CountKind",
    ("sii", "value_type"): "ValueType",
    ("sii", "count_kind"): "CountKind",
    ("concentration_index", "correction"): "ConcentrationCorrection",
    ("time_to_contact", "method"): "CurveMethod",
    ("assess", "statistic"): "Statistic",
    ("assess", "family"): "Family",
    ("assess", "sr_method"): "SrMethod",
    ("limits", "statistic"): "Statistic",
    ("limits", "family"): "Family",
    ("limits", "sr_method"): "SrMethod",
}


def _literal_strings(annotation: Any) -> set[str]:
    """The strings of the `Literal[...]` parts of an annotation (a string: the package uses
    postponed annotations)."""
    out: set[str] = set()
    for inside in re.findall(r"Literal\[([^\]]*)\]", str(annotation)):
        out |= set(re.findall(r"""['"]([^'"]*)['"]""", inside))
    return out


def test_literal_annotations_spell_the_cores_names() -> None:
    """Static types cannot be computed from the core, so every `Literal` of option names is
    checked against the core's name table here."""
    modules = [cm.stats, cm.oap, cm.distance, cm.inequality, cm.transition, cm.demo, cm.funnel]
    seen = set()
    for module in modules:
        for name in module.__all__:
            f = getattr(module, name)
            if not inspect.isfunction(f):
                continue
            for parameter, p in inspect.signature(f).parameters.items():
                names = _literal_strings(p.annotation)
                if not names:
                    continue
                key = (f.__name__, parameter)
                assert key in LITERALS, f"{module.__name__}.{f.__name__}({parameter}): add it"
                seen.add(key)
                option = LITERALS[key]
                if option is not None:
                    core = _native.OPTION_NAMES[option]
                    assert sorted(names) == sorted(core), key
    assert seen == set(LITERALS)


def test_every_registry_name_has_defaults() -> None:
    for name in _native.DEFAULTS:
        assert isinstance(_native.defaults(name), dict)


# ---------------------------------------------------------------------------------------------
# Errors: one class per kind, created by the core, with the fields of the message.

CLASSES = {
    "invalid_argument": cm.InvalidArgumentError,
    "length_mismatch": cm.LengthMismatchError,
    "invalid_value": cm.InvalidValueError,
    "missing_column": cm.MissingColumnError,
    "column_type": cm.ColumnTypeError,
    "invalid_cell": cm.InvalidCellError,
    "invalid_group": cm.InvalidGroupError,
    "limit_exceeded": cm.LimitExceededError,
    "cancelled": cm.CancelledError,
    "internal": cm.InternalError,
}
FIELDS = ["kind", "table", "column", "argument", "row", "value", "group", "rule"]


def test_one_class_per_kind_exported_everywhere() -> None:
    assert list(cm.errors.ERROR_KINDS) == list(CLASSES)
    assert issubclass(cm.CollabMetricsError, ValueError)
    for kind, cls in CLASSES.items():
        assert issubclass(cls, cm.CollabMetricsError)
        assert cls.kind == kind
        assert getattr(cm.errors, cls.__name__) is cls
        assert getattr(_native, cls.__name__) is cls
        assert cls.__module__ == "collabmetrics.errors"
        assert cls.__name__ in cm.__all__
    plain = cm.CollabMetricsError("made by hand")
    assert all(getattr(plain, f) is None for f in FIELDS)


def fields(e: BaseException) -> dict[str, Any]:
    return {f: getattr(e, f) for f in FIELDS}


def test_length_mismatch_names_both_arguments() -> None:
    with pytest.raises(cm.LengthMismatchError) as e:
        cm.proportion([1, 2], [5, 6, 7])
    assert str(e.value) == "length mismatch: `denominator` has 3 elements but `numerator` has 2"
    assert fields(e.value) == {
        "kind": "length_mismatch",
        "table": None,
        "column": "denominator",
        "argument": "denominator",
        "row": None,
        "value": None,
        "group": None,
        "rule": "must have as many elements as `numerator`",
    }
    # A length of 1 broadcasts, whichever argument it is.
    assert cm.proportion([1, 2, 3], 10).num_rows == 3
    assert cm.proportion(1, [5, 6, 7]).num_rows == 3
    with pytest.raises(cm.LengthMismatchError, match="`e2` has 3 elements but `e1` has 2"):
        cm.distance.bng([1, 2], 0, [1, 2, 3], 0)
    with pytest.raises(cm.LengthMismatchError) as e:
        cm.inequality.decompose([1.0, 2.0], ["a"])
    assert (e.value.argument, e.value.rule) == ("group", "must have as many elements as `values`")


def test_a_bad_cell_names_column_row_value_and_rule() -> None:
    with pytest.raises(cm.InvalidCellError) as e:
        cm.proportion([1, 2], [10, 0])
    assert fields(e.value) == {
        "kind": "invalid_cell",
        "table": None,
        "column": "denominator",
        "argument": None,
        "row": 1,
        "value": "0",
        "group": None,
        "rule": "denominators must be finite and > 0 (n = 0 has no proportion)",
    }


def test_a_bad_cell_of_one_of_several_tables_names_the_table() -> None:
    persons = pa.table({"person_id": ["a"], "date_of_birth": [dt.date(2005, 6, 15)]})
    referrals = pa.table(
        {
            "referral_id": ["r"],
            "person_id": ["a"],
            "received_date": [dt.date(2022, 1, 1)],
            "discharge_date": [dt.date(2021, 1, 1)],
            "service_line": ["cyp"],
        }
    )
    contacts = pa.table(
        {"referral_id": ["r"], "contact_date": [dt.date(2022, 2, 1)], "attendance": ["5"]}
    )
    with pytest.raises(cm.InvalidCellError) as e:
        cm.transition.summary(persons, referrals, contacts, data_end="2024-12-31")
    assert (e.value.table, e.value.column, e.value.row, e.value.value) == (
        "referrals",
        "discharge_date",
        0,
        "2021-01-01",
    )


def test_groups_columns_and_options_are_named() -> None:
    t = pa.table({"g": ["a", "b", "c"], "v": [1.0, 2.0, 3.0], "pop": [1.0, None, 3.0]})
    with pytest.raises(cm.InvalidGroupError) as g:
        cm.inequality.measures(t, group="g", value="v", population="pop", measures="BGV")
    assert (g.value.kind, g.value.group) == ("invalid_group", "b")
    assert "missing population" in (g.value.rule or "")
    with pytest.raises(cm.MissingColumnError) as m:
        cm.mean(pa.table({"x": [1.0, 2.0]}), value="y")
    assert (m.value.column, m.value.rule) == ("y", "required column")
    with pytest.raises(cm.ColumnTypeError) as c:
        cm.mean(pa.table({"value": ["1", "2"]}))
    assert c.value.column == "value" and c.value.rule is not None
    with pytest.raises(cm.InvalidArgumentError) as a:
        cm.rate([1], [10], confidence=1.0)
    assert (a.value.argument, a.value.row) == ("confidence", None)
    with pytest.raises(cm.InvalidArgumentError) as a:
        cm.rate([1], [10], method="normal")
    assert a.value.argument == "method"
    assert str(a.value).endswith('expected one of "byar", "exact"')


def test_errors_the_package_raises_are_the_same_classes() -> None:
    p = pa.table({"placement_id": [1], "person_id": ["a"], "start_date": [dt.date(2024, 1, 1)]})
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: cm.oap.measures(p, start="not a date", end="2024-03-31"), "start"),
        (lambda: cm.distance.points(p, coordinates=["a", "b"]), "coordinates"),
        (lambda: cm.proportion("num", "den"), "numerator"),
        (lambda: cm.proportion([[1, 2]], [1]), "numerator"),
        (lambda: cm.inequality.gini([1.0, 2.0], corrected=True, interval=True), "corrected"),
        (lambda: cm.inequality.measures(p, group="g", population="p", numerator="n"), "numerator"),
        (
            lambda: cm.transition.transfers(p, p, p, data_end="2024-01-01", boundary_age=1.5),  # type: ignore[call-overload]
            "boundary_age",
        ),
        (lambda: cm.diagnostics(pl.DataFrame({"a": [1]})), "result"),
    ]
    for call, argument in cases:
        with pytest.raises(cm.InvalidArgumentError) as e:
            call()
        assert e.value.kind == "invalid_argument"
        assert e.value.argument == argument, str(e.value)
        assert str(e.value).startswith(f"invalid argument `{argument}`: ")


def test_errors_pickle_with_their_fields() -> None:
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.rate([1], [10], confidence=2.0)
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is cm.InvalidArgumentError
    assert str(again) == str(e.value)
    assert fields(again) == fields(e.value)


# ---------------------------------------------------------------------------------------------
# The guard: a panic is an InternalError, silently.


@pytest.mark.parametrize("where", ["body", "detached", "polled", "worker"])
def test_a_panic_is_an_internal_error(where: str) -> None:
    with pytest.raises(cm.InternalError) as e:
        _native._test_panic(where)
    assert e.value.kind == "internal"
    assert str(e.value).startswith("internal error: a test panic")
    assert str(e.value).endswith("please report it")
    assert e.value.rule is None


def test_a_panic_in_argument_conversion_is_an_internal_error() -> None:
    with pytest.raises(cm.InternalError, match="a test panic in argument conversion"):
        _native._test_panic_in_conversion(1)


def test_caught_panics_print_nothing() -> None:
    code = (
        "import collabmetrics as cm\n"
        "from collabmetrics import _native\n"
        "for w in ['body', 'detached', 'polled', 'worker']:\n"
        "    try:\n"
        "        _native._test_panic(w)\n"
        "    except cm.InternalError:\n"
        "        pass\n"
        "try:\n"
        "    _native._test_panic_in_conversion(1)\n"
        "except cm.InternalError:\n"
        "    pass\n"
        "print('done')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout == "done\n"
    assert run.stderr == ""


def test_every_native_function_is_guarded() -> None:
    builtins = sorted(
        name
        for name, value in vars(_native).items()
        if type(value).__name__ == "builtin_function_or_method"
    )
    assert builtins == sorted(_native._GUARDED)
    for name in builtins:
        # The guard keeps each function's signature and docstring.
        assert inspect.signature(getattr(_native, name)).parameters, name
        assert getattr(_native, name).__doc__, name
    # Other exceptions pass through unchanged.
    with pytest.raises(TypeError, match="missing"):
        _native.mean_table(pa.table({"value": [1.0]}))  # type: ignore[call-arg]


# ---------------------------------------------------------------------------------------------
# One diagnostics channel: the result itself, in every kind of frame.


def summary_input() -> dict[str, list[float | None]]:
    return {"distance_km": [3.0, None, 70.0, None]}


EXPECTED = [
    {
        "reason": "missing_distance",
        "action": "left out of the summary",
        "count": 2,
        "first_row": 1,
    }
]


def test_diagnostics_of_pyarrow_pandas_and_polars_results() -> None:
    frames = [
        pa.table(summary_input()),
        pd.DataFrame(summary_input()),
        pl.DataFrame(summary_input()),
    ]
    for frame in frames:
        out = cm.distance.summary(frame, nulls="propagate")
        assert type(out) is type(frame)
        assert cm.diagnostics(out) == EXPECTED
        assert cm.oap.diagnostics(out) == EXPECTED
        _, diagnostics = cm.distance.summary(frame, nulls="propagate", with_diagnostics=True)
        assert diagnostics == EXPECTED
    assert out_pandas_attrs() == EXPECTED


def out_pandas_attrs() -> Any:
    out = cm.distance.summary(pd.DataFrame(summary_input()), nulls="propagate")
    return out.attrs["collabmetrics"]["diagnostics"]


def test_every_kind_of_result_carries_diagnostics() -> None:
    t = cm.demo.tables(scale=0.05)
    placements = t["placements"]
    for kind in (pa.table, lambda x: pa.Table.to_pandas(x), lambda x: pl.from_arrow(x)):
        frame = kind(placements)
        m = cm.oap.measures(frame, start="2023-01-01", end="2023-03-31")
        assert isinstance(cm.diagnostics(m), list)
        s = cm.rate("bed_days", "started", data=kind(pa.table({"bed_days": [1], "started": [2]})))
        assert cm.diagnostics(s) == []


def test_lost_diagnostics_are_an_error_not_an_empty_list() -> None:
    out = cm.distance.summary(pl.DataFrame(summary_input()), nulls="propagate")
    with pytest.raises(cm.InvalidArgumentError, match="carries no collabmetrics diagnostics"):
        cm.diagnostics(out.select("count"))
    with pytest.raises(TypeError):
        cm.diagnostics([1, 2])


def test_vector_functions_warn_what_they_set_aside() -> None:
    with pytest.warns(cm.distance.DiagnosticsWarning) as w:
        d = cm.distance.geodesic([None, 51.5, math.nan], 0, 51.5, 0, nulls="propagate")
    assert math.isnan(d[0]) and math.isnan(d[2])
    (warning,) = w
    diagnostic = warning.message.diagnostic  # type: ignore[union-attr]
    assert (diagnostic["reason"], diagnostic["count"], diagnostic["first_row"]) == (
        "missing_coordinates",
        2,
        0,
    )
    assert "2 row(s) missing_coordinates" in str(warning.message)
    assert warning.filename == __file__  # reported at the caller's line
    with pytest.warns(cm.distance.DiagnosticsWarning, match="1 row"):
        cm.distance.bng_to_wgs84([None, 400_000], [100_000, 100_000], nulls="propagate")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cm.distance.bng([0, 3_000], [0, 0], [0, 0], [4_000, 4_000])
