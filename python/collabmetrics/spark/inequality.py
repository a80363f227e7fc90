"""Individual inequality indices of a Spark DataFrame (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import inequality as _inequality
from ._engine import run_one


def individual(
    df: Any,
    *,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.inequality.individual` of a Spark DataFrame, read partition by
    partition; the keyword arguments are its options (``value``, ``weight``, ``by``,
    ``indices``, ``corrected``, ``bin_width``). Exact, the state holds every distinct value
    of every group; with ``bin_width`` only the bins (the Gini within its stated bound).
    Returns ``(indices, diagnostics)``; no rule flags a record here (bad values are errors),
    so the diagnostics are empty."""
    opts = _inequality._individual_options(
        options.pop("value", _inequality._TABLE["value"]),
        options.pop("weight", None),
        options.pop("by", None),
        options.pop("indices", None),
        options.pop("corrected", False),
        options.pop("bin_width", None),
    )
    if options:
        raise TypeError(f"unexpected arguments: {', '.join(sorted(options))}")
    return run_one("inequality", df, opts, buckets, udf, collect, record_id)
