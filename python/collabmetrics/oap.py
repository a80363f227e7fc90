"""Out-of-area placements: NHS England's OAP01–OAP11 per reporting period and breakdown.

The definitions are in ``docs/methods/oap.md`` in the repository; every number is computed by
the Rust core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from . import _native
from ._frames import (
    DateLike,
    Frame,
    band_preset,
    bands_option,
    diagnostics,
    finite,
    flag,
    from_arrow,
    group_names,
    month_or_date,
    number,
    to_arrow,
)
from ._frames import days as _days
from ._frames import (
    with_diagnostics as _with_diagnostics,
)
from .disclosure import Rule, publish_table

__all__ = ["DEFAULT_BED_TYPES", "diagnostics", "finalize", "measures", "state"]

# The core's defaults (start and end have none).
_D = _native.defaults("oap")
_DISTANCE = _D["distance_options"]

#: Bed types in scope by default: adult acute, older adult acute and adult PICU (MHSDS codes
#: 10, 11, 12 before April 2024; 200, 201, 202 after).
DEFAULT_BED_TYPES: tuple[str, ...] = tuple(_D["bed_types"])


def measures(
    placements: Frame,
    *,
    start: DateLike,
    end: DateLike,
    window: Literal["month", "rolling_3m", "rolling_12m"] = _D["window"],
    by: str | Sequence[str] | None = None,
    inappropriate_only: bool = _D["inappropriate_only"],
    population: Frame | None = None,
    admissions: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    bed_types: Sequence[str | int] | Literal["default", "all"] | None = DEFAULT_BED_TYPES,
    reasons: Mapping[str, Sequence[str | int]] | None = None,
    data_cutoff: DateLike | None = _D["data_cutoff"],
    overlap: Literal["count", "truncate"] = _D["overlap"],
    multiplier: float = _D["multiplier"],
    confidence: float = _D["confidence"],
    distance: str | None = _D["distance"],
    distance_threshold: float = _DISTANCE["threshold"],
    distance_bands: str | Sequence[float] = _DISTANCE["bands"],
    with_diagnostics: bool = False,
    publish: bool | Rule | None = None,
) -> Any:
    """OAP measures per reporting month and breakdown.

    One row per reporting month from ``start``'s month to ``end``'s (``period_start``,
    ``period_end``; with a rolling window the period is the 3 or 12 months ending in the
    month) and per breakdown group (the ``by`` columns), with ``started`` (OAP01),
    ``ended`` (OAP04, with length-of-stay bands ``los_0``, ``los_1_7``, ``los_8_14``,
    ``los_15_30``, ``los_31_plus`` in nights), ``active_at_end`` (OAP03), ``bed_days``
    (OAP02: nights, the admission day counting and the discharge day not), ``same_day``,
    ``cost`` (null where no bed day of the period has a recorded cost) and ``cost_bed_days``
    (the bed days with a cost; 0 without a ``daily_cost`` column) and ``cost_days_share`` (their
    % of ``bed_days``); with ``population`` the rates
    ``rate_started``, ``rate_active_at_end``, ``rate_ended`` per ``multiplier`` people (OAP05–07,
    Byar/exact limits); with ``admissions`` the proportions ``proportion_started``,
    ``proportion_bed_days``, ``proportion_active_at_end``, ``proportion_ended`` (OAP08–11, × 100,
    Wilson limits).

    Args:
        placements: one row per placement: ``placement_id``, ``person_id``, ``start_date``,
            ``end_date`` (null while open), ``bed_type``, ``reason``, optional ``daily_cost``.
        start, end: the first and last reporting months (any date in them, or
            ``"YYYY-MM"``).
        by: breakdown columns, e.g. ``"sending_org"``, ``["sending_org", "receiving_org"]``.
        inappropriate_only: only placements for lack of a local bed (reason 10).
        population: ``population`` per group: key columns among ``by`` (none: one total).
        admissions: all admissions, local and out of area, with ``start_date``, ``end_date``
            and every ``by`` column (and ``bed_type`` to apply the same bed scope).
        columns: our column names to yours, e.g. ``{"start_date": "StartDateHospProvSpell"}``.
        bed_types: bed-type codes in scope (default :data:`DEFAULT_BED_TYPES`; ``"default"``
            names them too), ``"all"`` or ``None`` every bed type; a list even for one code.
        reasons: ``{"inappropriate": [...], "appropriate": [...]}`` to remap reason codes
            (default: 10 inappropriate; 11–15 and 99 appropriate).
        data_cutoff: open placements run through this date when it is before a period end.
        overlap: ``"truncate"`` ends a person's earlier placement where a later one starts.
        distance: a column of home-to-unit distances in km (e.g. from
            :func:`collabmetrics.distance.bng`): adds ``distance_count``,
            ``distance_count_beyond``, ``distance_mean``,
            ``distance_median`` (+ ``_lower``, ``_upper``), ``distance_p90``, ``distance_max``,
            ``distance_share_beyond`` (≥ 50 km, a fraction 0–1 as the distance summary's
            ``share_beyond``, where the OAP proportions are percentages; + Wilson limits)
            and the publication's band
            counts ``distance_band_lt_25`` … ``distance_band_ge_300`` over the placements
            started in each period.
        distance_threshold: ``distance_share_beyond`` counts distances at or beyond this many
            km (default 50, the publication's "50 km or more").
        distance_bands: the ``distance_band_*`` counts: ``"oap"`` (the publication's <25,
            25–<50, 50–<100, 100–<200, 200–<300, ≥300 km), ``"mhsds_monthly"`` (0–19, 20–49,
            50–99, 100+ km) or increasing edges in km, as :func:`collabmetrics.distance.summary`.
        with_diagnostics: return ``(result, diagnostics(result))``; the result carries its
            diagnostics anyway (:func:`collabmetrics.diagnostics`).
        publish: publish the result (``True``: under the default rule, ``"nhs_mhsds"``; or a
            rule name or mapping, see :func:`collabmetrics.disclose`): small counts
            suppressed, others rounded, derived values from unrounded counts (rates and
            shares left out of a table with Total rows, where they would give a suppressed
            count back: :func:`collabmetrics.disclosure.publish_table`). Default: the
            raw, unrounded result. The diagnostics are then those of the publication.

    Example:
        >>> import datetime as dt, pyarrow as pa, collabmetrics as cm
        >>> p = pa.table({"placement_id": [1, 2], "person_id": ["a", "b"],
        ...               "start_date": [dt.date(2024, 1, 20), dt.date(2024, 2, 5)],
        ...               "end_date": [dt.date(2024, 3, 10), None],
        ...               "bed_type": ["10", "10"], "reason": ["10", "14"]})
        >>> t = cm.oap.measures(p, start="2024-01-01", end="2024-03-31")
        >>> t.column("bed_days").to_pylist()  # 20–31 Jan, all Feb, 1–9 Mar
        [12, 29, 9]
        >>> [d["reason"] for d in cm.oap.diagnostics(t)]
        ['appropriate_reason']
    """
    placements_table, kind = to_arrow(placements, "placements")
    scope = _scope(bed_types)
    reason_lists = _reasons(reasons)
    preset, edges = band_preset(distance_bands, "distance_bands")
    table = _native.oap_measures(
        placements_table,
        month_or_date(start, "start"),
        month_or_date(end, "end"),
        window,
        group_names(by),
        flag(inappropriate_only, "inappropriate_only"),
        scope,
        reason_lists,
        None if data_cutoff is None else _days(data_cutoff, "data_cutoff"),
        overlap,
        number(multiplier, "multiplier"),
        number(confidence, "confidence"),
        None if population is None else to_arrow(population, "population")[0],
        None if admissions is None else to_arrow(admissions, "admissions")[0],
        dict(columns or {}),
        distance,
        number(distance_threshold, "distance_threshold"),
        preset,
        edges,
    )
    return _with_diagnostics(
        from_arrow(publish_table(table, publish), kind, (placements, population, admissions)),
        with_diagnostics,
    )


def _codes(values: object, name: str) -> list[str]:
    """A list of codes as text; a lone string or number is refused, as iterating over ``"10"``
    would give the codes ``"1"`` and ``"0"`` and leave every placement out of scope."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise _native.invalid_argument(
            name, f"must be a list of codes, such as ['10', '11'] (got {values!r})"
        )
    return [str(v) for v in values]


def _scope(
    bed_types: Sequence[str | int] | Literal["default", "all"] | None,
) -> list[str] | None:
    """Bed types in scope as codes (``"default"``: the default scope; ``"all"`` or None: every
    type, as the command line's ``--bed-types all``; the words in any case, trimmed, as every
    option's words are read)."""
    word = bed_types.strip().lower() if isinstance(bed_types, str) else None
    if word == "default":
        return list(DEFAULT_BED_TYPES)
    if bed_types is None or word == "all":
        return None
    return _codes(bed_types, "bed_types")


def _reasons(
    reasons: Mapping[str, Sequence[str | int]] | None,
) -> tuple[list[str], list[str]] | None:
    """The (inappropriate, appropriate) reason codes, the core's for a list not given."""
    if reasons is None:
        return None
    if not isinstance(reasons, Mapping):
        raise _native.invalid_argument(
            "reasons",
            f"must be a mapping {{'inappropriate': [...], 'appropriate': [...]}} (got {reasons!r})",
        )
    core = _D["reasons"]
    unknown = sorted(str(k) for k in reasons if k not in core)
    if unknown:
        raise _native.invalid_argument(
            "reasons", f"unknown key {unknown[0]!r}; the keys are 'inappropriate' and 'appropriate'"
        )
    return (
        _codes(reasons.get("inappropriate", core["inappropriate"]), "reasons"),
        _codes(reasons.get("appropriate", core["appropriate"]), "reasons"),
    )


def options(
    *,
    start: DateLike,
    end: DateLike,
    window: Literal["month", "rolling_3m", "rolling_12m"] = _D["window"],
    by: str | Sequence[str] | None = None,
    inappropriate_only: bool = _D["inappropriate_only"],
    bed_types: Sequence[str | int] | Literal["default", "all"] | None = DEFAULT_BED_TYPES,
    reasons: Mapping[str, Sequence[str | int]] | None = None,
    data_cutoff: DateLike | None = _D["data_cutoff"],
    overlap: Literal["count", "truncate"] = _D["overlap"],
    multiplier: float = _D["multiplier"],
    confidence: float = _D["confidence"],
    distance: str | None = _D["distance"],
    distance_threshold: float = _DISTANCE["threshold"],
    distance_bands: str | Sequence[float] = _DISTANCE["bands"],
) -> dict[str, Any]:
    """The core's OAP options by their names (the arguments of :func:`measures`), as
    :func:`state` builds and :func:`collabmetrics.state.options` reads them."""
    out: dict[str, Any] = dict(_D)
    reason_lists = _reasons(reasons)
    out.update(
        start=month_or_date(start, "start"),
        end=month_or_date(end, "end"),
        window=window,
        by=group_names(by),
        inappropriate_only=flag(inappropriate_only, "inappropriate_only"),
        bed_types=_scope(bed_types),
        data_cutoff=None if data_cutoff is None else _days(data_cutoff, "data_cutoff"),
        overlap=overlap,
        multiplier=finite(multiplier, "multiplier"),
        confidence=finite(confidence, "confidence"),
        distance=distance,
        distance_options={
            "threshold": finite(distance_threshold, "distance_threshold"),
            "bands": bands_option(distance_bands, "distance_bands"),
            "confidence": finite(confidence, "confidence"),
        },
    )
    if reason_lists is not None:
        out["reasons"] = {"inappropriate": reason_lists[0], "appropriate": reason_lists[1]}
    return out


def state(
    placements: Frame | None = None,
    *,
    start: DateLike,
    end: DateLike,
    admissions: Frame | None = None,
    window: Literal["month", "rolling_3m", "rolling_12m"] = _D["window"],
    by: str | Sequence[str] | None = None,
    inappropriate_only: bool = _D["inappropriate_only"],
    columns: Mapping[str, str] | None = None,
    bed_types: Sequence[str | int] | Literal["default", "all"] | None = DEFAULT_BED_TYPES,
    reasons: Mapping[str, Sequence[str | int]] | None = None,
    data_cutoff: DateLike | None = _D["data_cutoff"],
    overlap: Literal["count", "truncate"] = _D["overlap"],
    multiplier: float = _D["multiplier"],
    confidence: float = _D["confidence"],
    distance: str | None = _D["distance"],
    distance_threshold: float = _DISTANCE["threshold"],
    distance_bands: str | Sequence[float] = _DISTANCE["bands"],
    listing: bool = False,
) -> Any:
    """The mergeable state of :func:`measures` over a partition of the placements and/or of
    the admissions (see :mod:`collabmetrics.state`; the arguments are :func:`measures`').

    Rows per breakdown group and month with every count of the placements and of all
    admissions (costs in whole pence), the distance histograms of the placements started in
    each month, and the diagnostics. Keep each person's placements in one partition (the
    overlap rule compares them); admissions may be split anyhow. The population is given to
    :func:`collabmetrics.finalize` (or :func:`finalize`), not here.

    With ``listing=True``, ``(state, listing)``: the listing of every record a rule flagged
    (excluded, repaired or counted in the diagnostics), one row per record: ``table``
    (``placements`` or ``admissions``), ``row`` (0-based, in that table), ``reason`` and ``action`` (see
    :data:`collabmetrics.state.LISTING_COLUMNS`); each reason's count in the state is its
    number of rows.

    Example:
        >>> import datetime as dt, pyarrow as pa, collabmetrics as cm
        >>> p = pa.table({"placement_id": [1, 2], "person_id": ["a", "b"],
        ...               "start_date": [dt.date(2024, 1, 20), dt.date(2024, 2, 5)],
        ...               "end_date": [dt.date(2024, 3, 10), None],
        ...               "bed_type": ["10", "10"], "reason": ["10", "10"]})
        >>> period = dict(start="2024-01-01", end="2024-03-31")
        >>> parts = [cm.oap.state(p.slice(i, 1), **period) for i in range(2)]
        >>> merged = cm.oap.finalize(cm.merge(parts))
        >>> merged.column("bed_days").to_pylist()  # 12 in Jan; 29 + 25 in Feb; 9 + 31 in Mar
        [12, 54, 40]
        >>> merged.equals(cm.oap.measures(p, **period))
        True
    """
    from . import state as _state

    opts = options(
        start=start,
        end=end,
        window=window,
        by=by,
        inappropriate_only=inappropriate_only,
        bed_types=bed_types,
        reasons=reasons,
        data_cutoff=data_cutoff,
        overlap=overlap,
        multiplier=multiplier,
        confidence=confidence,
        distance=distance,
        distance_threshold=distance_threshold,
        distance_bands=distance_bands,
    )
    return _state.build("oap", [placements, admissions], opts, columns, listing)


def finalize(
    state: Frame,
    *,
    population: Frame | None = None,
    columns: Mapping[str, str] | None = None,
    with_diagnostics: bool = False,
) -> Any:
    """The OAP measures of a state (merged or not), with rates when ``population`` is given:
    :func:`measures`' result on the whole input (see :func:`collabmetrics.finalize`)."""
    from . import state as _state

    return _state.finalize(
        state, population=population, columns=columns, with_diagnostics=with_diagnostics
    )
