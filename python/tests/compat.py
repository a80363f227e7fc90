"""Peers' newer APIs, spelled so that the suite also runs at the package's oldest supported
versions (Python 3.9, numpy 1.21, pyarrow 14: ``scripts/floor.sh``). Each helper computes
the same thing on every version, or skips the test where the old peer cannot compute it at
all; none of them changes what collabmetrics is asked or what it must return."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pytest

#: The quantile methods the tests ask numpy for.
Method = Literal["averaged_inverted_cdf", "inverted_cdf"]

NUMPY = tuple(int(p) for p in np.__version__.split(".")[:2])


def scipy_t_rel() -> float:
    """The relative tolerance against scipy's Student t quantiles: 1e-10, but 1e-8 before
    scipy 1.12, whose quantile (cdflib's) is 2.3e-9 off at 4 degrees of freedom
    (``t.ppf(0.95, 4)`` = 2.13184678133629 against 2.1318467863266495, the tables' value)."""
    import scipy

    version = tuple(int(p) for p in scipy.__version__.split(".")[:2])
    return 1e-10 if version >= (1, 12) else 1e-8


def quantile(x: Any, q: float, method: Method, weights: Any = None) -> Any:
    """``np.quantile(x, q, method=method, weights=weights)``. Before numpy 1.22, which
    brought the methods of Hyndman and Fan, ``"averaged_inverted_cdf"`` (their type 2) is
    computed here by its definition; weighted quantiles came in numpy 2.0, so a weighted one
    skips the test on older numpy."""
    if weights is not None:
        if NUMPY < (2, 0):
            pytest.skip("weighted quantiles need numpy ≥ 2.0 (the peer)")
        return np.quantile(x, q, weights=weights, method=method)
    if NUMPY >= (1, 22):
        return np.quantile(x, q, method=method)
    if method != "averaged_inverted_cdf":
        raise NotImplementedError(method)
    return _type2(np.sort(np.asarray(x, dtype=float)), Fraction(str(q)))


def _type2(s: Any, q: Fraction) -> float:
    """Hyndman and Fan's type 2 of sorted ``s``: with n q = j + g, the mean of the j-th and
    (j+1)-th smallest when g = 0, else the (j+1)-th (1-based, within 1..n)."""
    n = len(s)
    h = q * n
    if h.denominator == 1 and 0 < h < n:
        j = int(h)
        return float((s[j - 1] + s[j]) / 2)
    return float(s[min(max(math.ceil(h), 1), n) - 1])


def renamed(table: pa.Table, names: Mapping[str, str]) -> pa.Table:
    """``table.rename_columns(names)`` (a mapping there needs pyarrow ≥ 17)."""
    return table.rename_columns([names.get(n, n) for n in table.column_names])


def arrow_of(frame: Any) -> pa.Table:
    """A polars frame as a pyarrow table, through polars' own ``to_arrow`` (pyarrow < 15
    cannot read the Arrow C stream ``pa.table`` would ask for)."""
    return frame.to_arrow() if hasattr(frame, "to_arrow") else pa.table(frame)
