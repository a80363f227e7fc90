"""The built-in demo collaborative: SYNTHETIC data shaped like Kent and Medway.

Four places (Dartford, Gravesham and Swanley; West Kent; Medway and Swale; East Kent),
LSOA-like home areas with population by age band, sex and IMD decile, local and out-of-area
units with coordinates in latitude/longitude and British National Grid, out-of-area
placements, all admissions, and young people's referrals and care contacts. Every figure is
invented by a seeded generator in Rust (the ``collabmetrics-demo`` crate, drawing from the
core's random generator; the same seed gives the same tables in every language); each
table's schema metadata says ``synthetic: true``.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from . import _native
from ._frames import date_of, days

__all__ = ["tables"]

# The core's defaults.
_D = _native.defaults("demo")
_START = date_of(_D["start"])


def tables(
    *,
    seed: int = _D["seed"],
    scale: float = _D["scale"],
    start: dt.date | str = _START,
    months: int = _D["months"],
) -> dict[str, pa.Table]:
    """The demo collaborative's tables, by name.

    Args:
        seed: the random seed; the same arguments always give identical tables.
        scale: 1.0 is a collaborative of about 1.9 million people; about 30 is England.
        start: first day of the data (a date or ``YYYY-MM-DD``).
        months: length of the data in calendar months.

    Returns:
        ``areas``, ``population``, ``units``, ``placements``, ``admissions``, ``persons``,
        ``referrals``, ``contacts``, ``care_plans`` as pyarrow Tables.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.demo.tables()
        >>> sorted(t)[:3]
        ['admissions', 'areas', 'care_plans']
        >>> t["placements"].schema.metadata[b"synthetic"]
        b'true'
        >>> m = cm.oap.measures(t["placements"], start="2023-04-01", end="2024-03-31",
        ...                     window="rolling_3m", by="place")
        >>> m.num_rows  # 12 months × 4 places
        48
    """
    return dict(_native.demo_tables(seed, scale, days(start, "start"), months))
