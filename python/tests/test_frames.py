"""Inputs of every kind, and results of the same kind as the input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from compat import arrow_of

import collabmetrics as cm

ESP_LABELS = [f"{5 * i}-{5 * i + 4}" for i in range(18)] + ["90+"]


def dsr_frame() -> dict[str, Any]:
    return {
        "area": ["A"] * 19 + ["B"] * 19,
        "age_band": ESP_LABELS * 2,
        "count": list(range(1, 20)) + [3] * 19,
        "population": [1000] * 38,
    }


def test_scalars_sequences_numpy_and_series_agree() -> None:
    expected = cm.proportion([5, 7], [10, 20])
    for num, den in [
        (np.array([5, 7]), np.array([10, 20])),
        (pd.Series([5, 7]), pd.Series([10.0, 20.0])),
        (pl.Series([5, 7]), pl.Series([10, 20])),
        (pa.array([5.0, 7.0]), pa.chunked_array([[10.0], [20.0]])),
    ]:
        got = cm.proportion(num, den)
        assert got.column("value").to_pylist() == expected.column("value").to_pylist()
        assert got.column("lower").to_pylist() == expected.column("lower").to_pylist()
    one = cm.proportion(5, 10)
    assert one.num_rows == 1
    assert one.column("upper")[0].as_py() == expected.column("upper")[0].as_py()


def test_row_wise_frame_in_same_frame_out() -> None:
    df = pd.DataFrame({"area": ["x", "y"], "num": [5, 7], "den": [10, 20]})
    out = cm.proportion("num", "den", data=df, multiplier=100)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [
        "area",
        "num",
        "den",
        "value",
        "lower",
        "upper",
        "confidence",
        "method",
    ]
    assert out["value"].tolist() == [50.0, 35.0]
    pol = cm.rate("num", "den", data=pl.from_pandas(df))
    assert isinstance(pol, pl.DataFrame)
    assert pol["method"].to_list() == ["Exact", "Exact"]


@pytest.mark.parametrize("kind", ["pyarrow", "pandas", "polars"])
def test_dsr_frame_kinds(kind: str) -> None:
    data = dsr_frame()
    frame = {"pyarrow": pa.table, "pandas": pd.DataFrame, "polars": pl.DataFrame}[kind](data)
    out = cm.dsr(frame, by="area")
    table = (
        arrow_of(out)
        if kind == "polars"
        else (pa.Table.from_pandas(out) if kind == "pandas" else out)
    )
    assert type(out).__module__.split(".")[0] == kind
    assert table.column("area").to_pylist() == ["A", "B"]
    assert table.column("total_count").to_pylist() == [190.0, 57.0]


def test_dsr_bands_as_lower_ages_and_18_band_standard() -> None:
    ages = pa.table(
        {"age_band": [5 * i for i in range(19)], "count": [10] * 19, "population": [1000] * 19}
    )
    labels = pa.table({"age_band": ESP_LABELS, "count": [10] * 19, "population": [1000] * 19})
    a, b = cm.dsr(ages), cm.dsr(labels)
    assert a.column("value").to_pylist() == b.column("value").to_pylist()
    assert a.column("value")[0].as_py() == pytest.approx(1000.0)
    e18 = pa.table(
        {
            "age_band": [f"{5 * i}-{5 * i + 4}" for i in range(17)] + ["85+"],
            "count": [10] * 18,
            "population": [1000] * 18,
        }
    )
    assert cm.dsr(e18, standard="esp2013_18").column("value")[0].as_py() == pytest.approx(1000.0)


def test_dsr_low_count_is_flagged_not_hidden() -> None:
    data = dsr_frame()
    data["count"] = [0] * 18 + [9] + [0] * 19
    out = cm.dsr(pa.table(data).slice(0, 19))
    assert out.column("total_count")[0].as_py() == 9
    assert out.column("value")[0].as_py() > 0
    assert "fewer than 10" in out.column("note")[0].as_py()


def test_several_confidence_levels_are_stacked() -> None:
    t = cm.proportion([65], [100], confidence=[0.95, 0.998])
    assert t.column("confidence").to_pylist() == [0.95, 0.998]
    assert t.column("lower").to_pylist() == pytest.approx([0.5525444329688797, 0.4954946574070431])


def test_mean_of_plain_numbers_and_by_groups() -> None:
    t = cm.mean([1.0, 2.0, 3.0, 4.0])
    assert t.column("value").to_pylist() == [2.5]
    df = pl.DataFrame({"g": [1, 1, 2, 2], "v": [1.0, 3.0, 5.0, 9.0]})
    out = cm.mean(df, value="v", by="g")
    assert isinstance(out, pl.DataFrame)
    assert out["value"].to_list() == [2.0, 7.0]
