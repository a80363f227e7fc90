"""Distance summaries of a Spark DataFrame (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from typing import Any

from .. import distance as _distance
from ._engine import Input, run


def summary(
    df: Any,
    *,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.distance.summary` of a Spark DataFrame, read partition by
    partition; the keyword arguments are its options (``distance``, ``by``, ``weight``,
    ``threshold``, ``bands``, ``confidence``, ``nulls``). Weights must be whole numbers.

    Returns:
        ``(summary, diagnostics)``.
    """
    opts = _distance._state_options(**options)
    return run(
        "distance_summary",
        [Input(df)],
        opts,
        columns=None,
        buckets=buckets,
        udf=udf,
        collect_result=collect,
    )
