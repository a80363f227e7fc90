"""Distance summaries of a Spark DataFrame (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import distance as _distance
from ._engine import run_one


def summary(
    df: Any,
    *,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.distance.summary` of a Spark DataFrame, read partition by
    partition; the keyword arguments are its options (``distance``, ``by``, ``weight``,
    ``threshold``, ``bands``, ``confidence``, ``nulls``). Weights must be whole numbers.

    With ``nulls="propagate"`` a row without a distance is left out and flagged: its
    ``record_id`` is the column ``record_id={"data": "..."}`` names, otherwise its values
    as JSON.

    Returns:
        ``(summary, diagnostics)``, the ``diagnostics``, one row per flagged record (``table``, ``record_id``, ``reason``,
        ``action``; see :mod:`collabmetrics.spark`).
    """
    # Checked as the one-machine call checks them (text is not a number).
    opts = _distance._state_options(**options)
    return run_one("distance_summary", df, opts, buckets, udf, collect, record_id)
