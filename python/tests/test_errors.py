"""Bad input raises CollabMetricsError (a ValueError) carrying the core's message."""

from __future__ import annotations

import math
import re

import pyarrow as pa
import pytest

import collabmetrics as cm

ESP_LABELS = [f"{5 * i}-{5 * i + 4}" for i in range(18)] + ["90+"]


def test_error_is_a_value_error() -> None:
    assert issubclass(cm.CollabMetricsError, ValueError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: cm.proportion([1, 2], [10, 0]),
            "invalid value in column `denominator` at row 1 (0): denominators must be finite and > 0",
        ),
        (
            lambda: cm.proportion([11], [10]),
            "column `numerator` at row 0 (11): numerator must not exceed the denominator",
        ),
        (lambda: cm.proportion([-1], [10]), "column `numerator` at row 0 (-1): counts must be"),
        (lambda: cm.proportion([math.nan], [10]), "column `numerator` at row 0 (NaN)"),
        (
            lambda: cm.proportion([None, 1], [10, 10]),
            "column `numerator` at row 0 (null): missing values (null or NaN) are not allowed",
        ),
        (
            lambda: cm.proportion([1, 2, 3], [10, 10]),
            "length mismatch: `denominator` has 2 elements but `numerator` has 3",
        ),
        (
            lambda: cm.proportion([1], [10], confidence=1.0),
            "invalid argument `confidence`: must be strictly between 0 and 1 (got 1)",
        ),
        (lambda: cm.proportion([1], [10], confidence=0), "invalid argument `confidence`"),
        (lambda: cm.proportion([1], [10], method="wald"), "unknown proportion method"),
        (
            lambda: cm.rate([-3], [10]),
            "column `count` at row 0 (-3): counts must be finite and >= 0",
        ),
        (lambda: cm.rate([3], [0]), "column `denominator` at row 0 (0)"),
        (
            lambda: cm.rate([3], [10], method="normal"),
            'unknown rate method "normal"; expected one of "byar", "exact"',
        ),
        (lambda: cm.rate([3], [10], multiplier=-1), "invalid argument `multiplier`"),
        (lambda: cm.mean([1.0]), "group all rows: has 1 value(s); a Student t interval needs"),
        (
            lambda: cm.mean([1.0, math.nan]),
            # NaN is a missing value, as None is: one rule
            "column `value` at row 1 (NaN): missing values (null or NaN) are not allowed",
        ),
        (
            lambda: cm.proportion(["a"], [1]),
            "invalid argument `numerator`: not a sequence of numbers",
        ),
    ],
)
def test_bad_vectors(call: object, message: str) -> None:
    with pytest.raises(cm.CollabMetricsError) as info:
        call()  # type: ignore[operator]
    assert message in str(info.value)


def esp_table(**changes: object) -> pa.Table:
    data: dict[str, object] = {
        "area": ["A"] * 19,
        "age_band": list(ESP_LABELS),
        "count": [5] * 19,
        "population": [1000] * 19,
    }
    data.update(changes)
    return pa.table(data)


def test_dsr_missing_band() -> None:
    with pytest.raises(
        cm.CollabMetricsError,
        match=r"group area=A: age band `90\+` of the "
        r"standard `esp2013` is missing",
    ):
        cm.dsr(esp_table().slice(0, 18), by="area")


def test_dsr_duplicated_band() -> None:
    bands = list(ESP_LABELS)
    bands[18] = "85-89"
    with pytest.raises(
        cm.CollabMetricsError, match=r"age band `85-89` appears twice \(rows 17 and 18\)"
    ):
        cm.dsr(esp_table(age_band=bands), by="area")


def test_dsr_unknown_band_names_row() -> None:
    bands = list(ESP_LABELS)
    bands[11] = "55-69"
    with pytest.raises(
        cm.CollabMetricsError, match=r'column `age_band` at row 11 \("55-69"\): not an age band'
    ):
        cm.dsr(esp_table(age_band=bands))


def test_dsr_zero_population_and_missing_column() -> None:
    with pytest.raises(cm.CollabMetricsError, match=r"column `pop` at row 3 \(0\)"):
        cm.dsr(
            esp_table(population=[1000] * 3 + [0] * 16).rename_columns(
                ["area", "age_band", "count", "pop"]
            ),
            population="pop",
        )
    with pytest.raises(cm.CollabMetricsError, match=r"missing column `deaths` \(available: "):
        cm.dsr(esp_table(), count="deaths")


def test_wrong_column_type() -> None:
    with pytest.raises(cm.CollabMetricsError, match=r"column `count` has type string"):
        cm.dsr(esp_table(count=["5"] * 19))
    # Types are named as pyarrow names them (arrow-rs says Float64, Duration(µs)). (Timestamps
    # are keys: they group as their dates.)
    keys = {
        "double": pa.array([1.5, 2.5]),
        "duration[us]": pa.array([0, 1], pa.duration("us")),
        "list<item: int64>": pa.array([[1], [2]]),
    }
    for name, g in keys.items():
        with pytest.raises(cm.ColumnTypeError, match=rf"column `g` has type {re.escape(name)};"):
            cm.mean(pa.table({"g": g, "value": [1.0, 2.0]}), by="g")


def test_not_a_frame() -> None:
    with pytest.raises(TypeError, match="expected a frame"):
        cm.dsr([1, 2, 3])
