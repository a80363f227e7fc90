"""Standardised rates and means of Spark DataFrames (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import stats as _stats
from ._engine import one_level, run_one


def dsr(
    df: Any,
    *,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.dsr` of a Spark DataFrame (one confidence level), read partition
    by partition; counts and populations must be whole numbers. Returns
    ``(rates, diagnostics)``."""
    one_level(options)
    return run_one("dsr", df, _stats._dsr_options(**options), buckets, udf, collect, record_id)


def isr(
    df: Any,
    *,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.isr` of a Spark DataFrame (one confidence level); observed counts
    and populations must be whole numbers. Returns ``(ratios, diagnostics)``."""
    one_level(options)
    return run_one("isr", df, _stats._isr_options(**options), buckets, udf, collect, record_id)


def mean(
    df: Any,
    *,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.mean` of a Spark DataFrame (one confidence level). Returns
    ``(means, diagnostics)``; no rule of ``dsr``, ``isr`` or ``mean`` flags a record (bad
    values are errors), so their diagnostics are empty."""
    one_level(options)
    return run_one("mean", df, _stats._mean_options(**options), buckets, udf, collect, record_id)
