"""Standardised rates and means of Spark DataFrames (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import stats as _stats
from ._engine import Input, run


def _one(
    kind: str,
    df: Any,
    opts: dict[str, Any],
    buckets: int | None,
    udf: str,
    collect: bool,
    record_id: Mapping[str, str] | None,
) -> tuple[Any, Any]:
    return run(
        kind,
        [Input(df)],
        opts,
        columns=None,
        buckets=buckets,
        udf=udf,
        collect_result=collect,
        record_id=record_id,
    )


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
    return _one("dsr", df, _stats._dsr_options(**options), buckets, udf, collect, record_id)


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
    return _one("isr", df, _stats._isr_options(**options), buckets, udf, collect, record_id)


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
    return _one("mean", df, _stats._mean_options(**options), buckets, udf, collect, record_id)
