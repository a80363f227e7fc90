"""Standardised rates and means of Spark DataFrames (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from typing import Any

from .. import stats as _stats
from ._engine import Input, run


def _one(
    kind: str, df: Any, opts: dict[str, Any], buckets: int | None, udf: str, collect: bool
) -> tuple[Any, Any]:
    return run(
        kind, [Input(df)], opts, columns=None, buckets=buckets, udf=udf, collect_result=collect
    )


def dsr(
    df: Any, *, buckets: int | None = None, udf: str = "auto", collect: bool = False, **options: Any
) -> tuple[Any, Any]:
    """:func:`collabmetrics.dsr` of a Spark DataFrame (one confidence level), read partition
    by partition; counts and populations must be whole numbers. Returns
    ``(rates, diagnostics)``."""
    return _one("dsr", df, _stats._dsr_options(**options), buckets, udf, collect)


def isr(
    df: Any, *, buckets: int | None = None, udf: str = "auto", collect: bool = False, **options: Any
) -> tuple[Any, Any]:
    """:func:`collabmetrics.isr` of a Spark DataFrame (one confidence level); observed counts
    and populations must be whole numbers. Returns ``(ratios, diagnostics)``."""
    return _one("isr", df, _stats._isr_options(**options), buckets, udf, collect)


def mean(
    df: Any, *, buckets: int | None = None, udf: str = "auto", collect: bool = False, **options: Any
) -> tuple[Any, Any]:
    """:func:`collabmetrics.mean` of a Spark DataFrame (one confidence level). Returns
    ``(means, diagnostics)``."""
    return _one("mean", df, _stats._mean_options(**options), buckets, udf, collect)
