"""Options of the wrong type are refused, naming the option, in every function alike.

The contract (README, "One contract in every language", "Option types"): a number option takes an int, a float or a
numpy number, never text (``"0.9"``) or a bool (``True`` is not 1); a flag takes ``True`` or
``False`` (numpy's too), never text (``bool("false")`` is ``True``), a number or ``None``; a
whole-number option takes an int or a numpy integer, never a bool, a float or text. Anything
else is an :class:`collabmetrics.InvalidArgumentError` whose ``argument`` is the option's name,
and a table function and its state builder refuse the same values the same way.
"""

# The calls pass options of the wrong type on purpose.
# mypy: disable-error-code="arg-type,call-overload"
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable

import matplotlib
import numpy as np
import pyarrow as pa
import pytest

import collabmetrics as cm

matplotlib.use("Agg")

KM = [75.0, 3, 25, 310, 12, 49.9, 50, 10, 120, 26]
DSR = pa.table({"age_band": ["0-4", "5+"], "count": [10, 30], "population": [1000, 2000]})
STD = {0: 1, 5: 3}
ISR = pa.table(
    {
        "count": [30, 20],
        "population": [1000, 1000],
        "reference_count": [20, 20],
        "reference_population": [1000, 1000],
    }
)
PLACEMENTS = pa.table(
    {
        "placement_id": [1, 2],
        "person_id": ["a", "b"],
        "start_date": [dt.date(2024, 1, 20), dt.date(2024, 2, 5)],
        "end_date": [dt.date(2024, 3, 10), None],
        "bed_type": ["10", "10"],
        "reason": ["10", "14"],
    }
)
MONTHS = {"start": "2024-01-01", "end": "2024-03-31"}
SUBGROUPS = pa.table(
    {"g": ["A", "B", "C", "D"], "rate": [10.0, 20, 30, 35], "pop": [100, 100, 100, 100]}
)
SII = {"group": "g", "order": "g", "value": "rate", "population": "pop", "reps": 0}
VALUES = [1.0, 2.0, 3.0, 4.0, 7.0]
SR = pa.table(
    {"trust": list("abcdef"), "deaths": [100, 150, 180, 80, 120, 225], "expected": [108.0] * 6}
)
FUNNEL = {"unit": "trust", "numerator": "deaths", "denominator": "expected", "statistic": "sr"}
SPC = pa.table(
    {
        "date": [dt.date(2023 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(16)],
        "value": [30.0, 32, 29, 31, 30, 33, 28, 31, 20, 21, 19, 22, 20, 18, 21, 20],
    }
)
COUNTS = pa.table({"place": ["A", "B", "C"], "n": [3, 12, 26]})


def transition(**options: Any) -> Any:
    t = cm.demo.tables()
    return cm.transition.summary(t["persons"], t["referrals"], t["contacts"], **options)


# (the call with the bad option, the option's name): each must be refused naming the option.
Call = Callable[[Any], Any]
REFUSED: list[tuple[str, Call, object]] = [
    # Numbers: text, a bool, None where None is not "not given".
    ("multiplier", lambda v: cm.proportion([65], 100, multiplier=v), "100"),
    ("multiplier", lambda v: cm.rate([65], 100, multiplier=v), True),
    ("multiplier", lambda v: cm.dsr(DSR, standard=STD, multiplier=v), "1000"),
    ("multiplier", lambda v: cm.dsr_state(DSR, standard=STD, multiplier=v), "1000"),
    ("multiplier", lambda v: cm.isr(ISR, multiplier=v), True),
    ("multiplier", lambda v: cm.isr_state(ISR, multiplier=v), "100"),
    ("confidence", lambda v: cm.dsr_state(DSR, standard=STD, confidence=v), "0.9"),
    ("confidence", lambda v: cm.isr_state(ISR, confidence=v), True),
    ("confidence", lambda v: cm.mean_state([1.0, 2.0], confidence=v), "0.9"),
    ("confidence", lambda v: cm.mean_state([1.0, 2.0], confidence=v), None),
    ("standard", lambda v: cm.dsr(DSR, standard={0: v, 5: 3}), "1"),
    ("standard", lambda v: cm.dsr_state(DSR, standard={0: 1, 5: v}), True),
    ("standard", lambda v: cm.dsr(DSR, standard={0: 1, v: 3}), 4.9),  # not truncated to 4
    ("threshold", lambda v: cm.distance.summary(KM, threshold=v), "50"),
    ("threshold", lambda v: cm.distance.state(KM, threshold=v), "50"),
    ("threshold", lambda v: cm.distance.state(KM, threshold=v), True),
    ("confidence", lambda v: cm.distance.summary(KM, confidence=v), "0.9"),
    ("confidence", lambda v: cm.distance.state(KM, confidence=v), "0.9"),
    ("bands", lambda v: cm.distance.state(KM, bands=[v, 10]), "2"),
    ("bands", lambda v: cm.distance.state(KM, bands=[v, 10]), True),
    ("multiplier", lambda v: cm.oap.measures(PLACEMENTS, **MONTHS, multiplier=v), "100"),
    ("multiplier", lambda v: cm.oap.state(PLACEMENTS, **MONTHS, multiplier=v), True),
    ("confidence", lambda v: cm.oap.measures(PLACEMENTS, **MONTHS, confidence=v), "0.9"),
    ("confidence", lambda v: cm.oap.state(PLACEMENTS, **MONTHS, confidence=v), "0.9"),
    (
        "setting_average",
        lambda v: cm.inequality.measures(SUBGROUPS, **SII, setting_average=v),
        True,
    ),
    ("scale", lambda v: cm.inequality.measures(SUBGROUPS, **SII, scale=v), "100"),
    ("multiplier", lambda v: cm.inequality.sii(SUBGROUPS, **SII, multiplier=v), "1"),
    (
        "count_multiplier",
        lambda v: cm.inequality.measures(
            pa.table({"g": ["A", "B"], "n": [1, 2], "d": [10, 10]}),
            group="g",
            order="g",
            numerator="n",
            denominator="d",
            count_multiplier=v,
            reps=0,
        ),
        "100",
    ),
    ("epsilon", lambda v: cm.inequality.atkinson(VALUES, v), "0.5"),
    ("alpha", lambda v: cm.inequality.ge(VALUES, v), True),
    ("alpha", lambda v: cm.inequality.decompose(VALUES, list("aabbb"), alpha=v), "1"),
    ("confidence", lambda v: cm.inequality.gini(VALUES, interval=True, confidence=v), "0.9"),
    (
        "indices",
        lambda v: cm.inequality.individual(pa.table({"value": VALUES}), indices=[("atkinson", v)]),
        "0.5",
    ),
    (
        "indices",
        lambda v: cm.inequality.state(pa.table({"value": VALUES}), indices=[("ge", v)]),
        True,
    ),
    (
        "bin_width",
        lambda v: cm.inequality.individual(
            pa.table({"value": VALUES}), indices=["gini"], bin_width=v
        ),
        "1",
    ),
    ("limit", lambda v: cm.funnel.assess(SR, **FUNNEL, limit=v), "99"),
    ("trim_by", lambda v: cm.funnel.assess(SR, **FUNNEL, trim_by=v), "0.1"),
    ("limit", lambda v: cm.funnel.limits(SR, **FUNNEL, limit=v), None),
    ("target", lambda v: cm.spc.summary(SPC, improvement="decrease", target=v), "26"),
    ("target", lambda v: cm.spc.summary(SPC, improvement="decrease", target=v), True),
    ("confidence", lambda v: transition(data_end="2025-03-31", confidence=v), True),
    # Whole numbers: a bool, a float, text.
    ("engagement_days", lambda v: transition(data_end="2025-03-31", engagement_days=v), True),
    ("horizons", lambda v: transition(data_end="2025-03-31", horizons=[30, v]), True),
    ("shift_length", lambda v: cm.spc.xmr(SPC, shift_length=v), "7"),
    ("warning_threshold", lambda v: cm.spc.xmr(SPC, warning_threshold=v), True),
    ("fix_after_n_points", lambda v: cm.spc.xmr(SPC, fix_after_n_points=v), 12.0),
    ("decimals", lambda v: cm.disclose(COUNTS, counts=["n"], decimals=v), True),
    ("max_rows", lambda v: cm.show(cm.proportion([1, 2, 3], 10), max_rows=v), "2"),
    # Flags: "false" would be read as True.
    ("with_diagnostics", lambda v: cm.distance.summary(KM, with_diagnostics=v), "false"),
    ("with_diagnostics", lambda v: cm.spc.xmr(SPC, with_diagnostics=v), "false"),
    ("with_diagnostics", lambda v: cm.finalize(cm.distance.state(KM), with_diagnostics=v), 1),
    ("with_log", lambda v: cm.disclose(COUNTS, counts=["n"], with_log=v), "false"),
    ("round_km", lambda v: cm.distance.bng(0, 0, 1500, 2000, round_km=v), "false"),
    (
        "inappropriate_only",
        lambda v: cm.oap.measures(PLACEMENTS, **MONTHS, inappropriate_only=v),
        "false",
    ),
    (
        "inappropriate_only",
        lambda v: cm.oap.state(PLACEMENTS, **MONTHS, inappropriate_only=v),
        "false",
    ),
    ("corrected", lambda v: cm.inequality.gini(VALUES, corrected=v), "false"),
    (
        "corrected",
        lambda v: cm.inequality.individual(pa.table({"value": VALUES}), corrected=v),
        "false",
    ),
    ("interval", lambda v: cm.inequality.gini(VALUES, interval=v), "false"),
    ("rii_mean", lambda v: cm.inequality.sii(SUBGROUPS, **SII, rii_mean=v), "false"),
    ("draw_adjusted", lambda v: cm.funnel.assess(SR, **FUNNEL, draw_adjusted=v), "false"),
    ("exclude_zero_sr", lambda v: cm.funnel.limits(SR, **FUNNEL, exclude_zero_sr=v), 0),
    ("screen_outliers", lambda v: cm.spc.xmr(SPC, screen_outliers=v), "false"),
    ("age_band_18_24", lambda v: transition(data_end="2025-03-31", age_band_18_24=v), "no"),
    ("publish", lambda v: cm.proportion([65], 100, publish=v), 1),
    ("progress", lambda v: cm.inequality.gini(VALUES, progress=v), "false"),
]


@pytest.mark.parametrize(
    ("name", "call", "bad"),
    REFUSED,
    ids=[f"{i}-{name}={bad!r}" for i, (name, _, bad) in enumerate(REFUSED)],
)
def test_a_wrong_type_is_refused_naming_the_option(name: str, call: Call, bad: object) -> None:
    with pytest.raises(cm.InvalidArgumentError) as e:
        call(bad)
    assert e.value.argument == name, e.value


@pytest.mark.parametrize(
    ("table", "state", "options"),
    [
        (
            lambda **o: cm.dsr(DSR, standard=STD, **o),
            lambda **o: cm.dsr_state(DSR, standard=STD, **o),
            {"multiplier": "1000"},
        ),
        (lambda **o: cm.isr(ISR, **o), lambda **o: cm.isr_state(ISR, **o), {"multiplier": True}),
        (
            lambda **o: cm.mean([1.0, 2.0], **o),
            lambda **o: cm.mean_state([1.0, 2.0], **o),
            {"confidence": "0.9"},
        ),
        (
            lambda **o: cm.distance.summary(KM, **o),
            lambda **o: cm.distance.state(KM, **o),
            {"bands": ["2", 10]},
        ),
        (
            lambda **o: cm.distance.summary(KM, **o),
            lambda **o: cm.distance.state(KM, **o),
            {"threshold": "50"},
        ),
        (
            lambda **o: cm.oap.measures(PLACEMENTS, **MONTHS, **o),
            lambda **o: cm.oap.state(PLACEMENTS, **MONTHS, **o),
            {"inappropriate_only": "false"},
        ),
        (
            lambda **o: cm.inequality.individual(pa.table({"value": VALUES}), **o),
            lambda **o: cm.inequality.state(pa.table({"value": VALUES}), **o),
            {"corrected": "false"},
        ),
    ],
)
def test_a_table_function_and_its_state_refuse_alike(
    table: Callable[..., Any], state: Callable[..., Any], options: dict[str, Any]
) -> None:
    with pytest.raises(cm.InvalidArgumentError) as one:
        table(**options)
    with pytest.raises(cm.InvalidArgumentError) as other:
        state(**options)
    assert (type(one.value), one.value.argument, str(one.value)) == (
        type(other.value),
        other.value.argument,
        str(other.value),
    )


def test_a_state_names_a_nan_option_not_its_options_json() -> None:
    # JSON has no NaN: the state builders refuse it by name before the options travel.
    calls: list[tuple[Callable[[], Any], str]] = [
        (lambda: cm.mean_state([1.0], confidence=math.nan), "confidence"),
        (lambda: cm.distance.state(KM, threshold=math.inf), "threshold"),
        (lambda: cm.distance.state(KM, bands=[2, math.inf]), "bands"),
        (lambda: cm.oap.state(PLACEMENTS, **MONTHS, multiplier=math.nan), "multiplier"),
        (lambda: cm.inequality.state(pa.table({"value": VALUES}), bin_width=math.nan), "bin_width"),
    ]
    for call, name in calls:
        with pytest.raises(cm.InvalidArgumentError) as e:
            call()
        assert e.value.argument == name


def test_numpy_scalars_are_numbers_and_flags() -> None:
    # What a value read out of a numpy array or a pandas cell is: accepted as the Python value.
    a = cm.rate([65], np.int64(100), multiplier=np.int64(1000), confidence=np.float64(0.9))
    b = cm.rate([65], 100, multiplier=1000, confidence=0.9)
    assert a.equals(b)
    assert cm.distance.bng(0, 0, 1500, 2000, round_km=np.True_)[0] == 3.0  # 2.5 km, rounded up
    assert cm.inequality.gini(VALUES, progress=np.False_) == cm.inequality.gini(VALUES)
    assert cm.proportion([65], 100, publish=np.False_).equals(cm.proportion([65], 100))
    published = cm.disclose(COUNTS, counts=["n"], rule={"k": np.int64(5), "base": np.int64(1)})
    assert published.column("n").to_pylist() == [None, 12, 26]
    s = cm.spc.summary(SPC, improvement="decrease", target=np.float64(26))
    assert (
        s.column("assurance").to_pylist()
        == cm.spc.summary(SPC, improvement="decrease", target=26.0).column("assurance").to_pylist()
    )
