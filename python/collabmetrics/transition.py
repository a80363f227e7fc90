"""Transition disengagement for 16–25s: young people moving from children and young people's
mental health services (CYPMHS) to adult services, or reaching the CYPMHS upper age limit.

The definitions are in ``docs/methods/transition.md`` in the repository; every number is
computed by the Rust core, in one pass over the people.

Inputs (column names can be mapped with ``columns``):

* **persons**: ``person_id``, ``date_of_birth``, optional ``date_of_death`` and breakdown
  columns (by default whichever of ``sex``, ``ethnicity``, ``imd_decile``, ``place`` exist);
* **referrals**: ``referral_id``, ``person_id``, ``received_date``, optional
  ``discharge_date``, ``rejection_date``, ``service_line`` (``cyp``/``adult``/``unknown``),
  ``team_age_group``, ``team_type`` (MHSDS SERVICE OR TEAM TYPE) and ``closure_reason``;
* **contacts**: ``referral_id``, ``contact_date``, ``attendance`` (ATTENDED OR DID NOT
  ATTEND), optional ``contact_id`` (unique: a repeated one is an error), ``person_id`` and
  ``mechanism`` (CONSULTATION MECHANISM);
* optional **care_plans**: ``person_id``, ``plan_type`` (14 = CYP transition plan), ``date``.

Outputs: the per-person tables of cohort T (:func:`transfers`: accepted adult referrals of
16–25-year-olds with CYPMHS involvement, one per episode, metrics T1–T9) and cohort B
(:func:`ageing_out`: the TRACK population at the boundary age, nine classes a year later),
the :func:`summary` per breakdown group with Wilson intervals, the :func:`service_lines` audit
and the :func:`time_to_contact` curve. Every excluded or repaired record is counted in the
diagnostics (``with_diagnostics=True`` or :func:`diagnostics`).

Limitations: routine data measure transfer and continuity, not the quality of information
transfer or transition planning; talking-therapy services and non-NHS providers are absent,
so "no adult contact" overstates disengagement there.

Example:
    >>> import collabmetrics as cm
    >>> t = cm.demo.tables()
    >>> s = cm.transition.summary(t["persons"], t["referrals"], t["contacts"],
    ...                           data_end="2024-03-31", by=[])
    >>> sorted(set(s.column("breakdown").to_pylist()))
    ['age_band', 'all']
    >>> s.column_names[4:9]
    ['numerator', 'denominator', 'value', 'lower', 'upper']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable, Literal

import pyarrow as pa

from . import _native
from ._frames import (
    DateLike,
    Frame,
    diagnostics,
    finite,
    flag,
    from_arrow,
    number,
    to_arrow,
    whole,
)
from ._frames import days as _days
from ._frames import (
    with_diagnostics as _with_diagnostics,
)
from ._progress import reporter
from .disclosure import Rule, publish_table

__all__ = [
    "CLASSES",
    "CRISIS_TEAM_TYPES",
    "ageing_out",
    "diagnostics",
    "service_lines",
    "state",
    "summary",
    "time_to_contact",
    "transfers",
]

# The core's defaults (data_end has none).
_D = _native.defaults("transition")
_CURVE = _native.defaults("time_to_contact")

#: Adult crisis team types (MHSDS SERVICE OR TEAM TYPE), whose contacts are not engagement
#: but are reported as ``crisis_presentations``: A02, A11 and A19–A25.
CRISIS_TEAM_TYPES: tuple[str, ...] = tuple(_D["crisis_team_types"])

#: The cohort-B classes in the order their rules are tried (``class_number`` 1–9): ``died``,
#: ``insufficient_follow_up``, ``transferred_engaged``, ``transferred_not_engaged``,
#: ``adult_referral_rejected``, ``retained_in_cypmhs``, ``discharged_planned``,
#: ``discharged_disengaged``, ``discharged_other``.
CLASSES: tuple[str, ...] = tuple(_native.TRANSITION_CLASSES)


def _codes(values: Sequence[int | str], name: str) -> list[int]:
    """Codes given as integers or as text of digits (``"01"``) as integers."""
    if isinstance(values, (str, int)):
        values = [values]
    out = []
    for v in values:
        if isinstance(v, str) and v.strip().isdigit():
            out.append(int(v))
        else:
            out.append(whole(v, name))
    return out


def _options(
    *,
    data_end: DateLike,
    engagement_days: int,
    horizons: Sequence[int],
    min_attended_contacts: int,
    boundary_age: int,
    min_age: int,
    max_age: int,
    period_start: DateLike | None,
    period_end: DateLike | None,
    cyp_lookback_days: int,
    boundary_open_window_days: int,
    followup_days: int,
    retained_days: int,
    episode_gap_days: int,
    attended_codes: Sequence[int | str],
    dna_codes: Sequence[int | str],
    direct_mechanisms: Sequence[int | str],
    crisis_team_types: Sequence[str],
    confidence: float,
    by: str | Sequence[str] | None,
    age_band_18_24: bool,
) -> dict[str, Any]:
    """The core's ``TransitionOptions`` as a dict: dates as days since 1970, codes as ints."""
    if isinstance(horizons, int):
        horizons = [horizons]
    if isinstance(crisis_team_types, str):
        crisis_team_types = [crisis_team_types]
    return {
        "data_end": _days(data_end, "data_end"),
        "period_start": None if period_start is None else _days(period_start, "period_start"),
        "period_end": None if period_end is None else _days(period_end, "period_end"),
        "boundary_age": whole(boundary_age, "boundary_age"),
        "min_age": whole(min_age, "min_age"),
        "max_age": whole(max_age, "max_age"),
        "engagement_days": whole(engagement_days, "engagement_days"),
        "horizons": [whole(h, "horizons") for h in horizons],
        "min_attended_contacts": whole(min_attended_contacts, "min_attended_contacts"),
        "attended_codes": _codes(attended_codes, "attended_codes"),
        "dna_codes": _codes(dna_codes, "dna_codes"),
        "direct_mechanisms": _codes(direct_mechanisms, "direct_mechanisms"),
        "crisis_team_types": [str(t) for t in crisis_team_types],
        "cyp_lookback_days": whole(cyp_lookback_days, "cyp_lookback_days"),
        "boundary_open_window_days": whole(boundary_open_window_days, "boundary_open_window_days"),
        "followup_days": whole(followup_days, "followup_days"),
        "retained_days": whole(retained_days, "retained_days"),
        "episode_gap_days": whole(episode_gap_days, "episode_gap_days"),
        "confidence": finite(confidence, "confidence"),
        "by": None if by is None else [by] if isinstance(by, str) else list(by),
        "age_band_18_24": flag(age_band_18_24, "age_band_18_24"),
    }


def _run(
    native: Callable[..., pa.Table],
    persons: Frame,
    referrals: Frame,
    contacts: Frame,
    care_plans: Frame | None,
    columns: Mapping[str, str] | None,
    with_diagnostics: bool,
    options: dict[str, Any],
    publish: bool | Rule | None = None,
    progress: bool = False,
) -> Any:
    persons_table, kind = to_arrow(persons, "persons")
    with reporter(progress, native.__name__.removeprefix("transition_")) as report:
        table = native(
            persons_table,
            to_arrow(referrals, "referrals")[0],
            to_arrow(contacts, "contacts")[0],
            None if care_plans is None else to_arrow(care_plans, "care_plans")[0],
            options,
            dict(columns or {}),
            report,
        )
    return _with_diagnostics(
        from_arrow(publish_table(table, publish), kind, (persons, referrals, contacts, care_plans)),
        with_diagnostics,
    )


_ARGS = """
    Args:
        persons, referrals, contacts: the input tables (see the module documentation); any
            frame (pyarrow, polars, pandas). The result is the same kind of frame as
            ``persons``.
        data_end: the last date the data cover; follow-up ends here, and later referrals and
            contacts are excluded and counted.
        care_plans: optional care plans (adds T9, ``transition_plan_recorded``).
        engagement_days: N of T1 and of cohort B's engagement (default 90).
        horizons: further T1 horizons in days (default 30, 183, 365; at most 7).
        min_attended_contacts: attended adult contacts needed for engagement (1; 2 is
            stricter).
        boundary_age: the age CYPMHS ends (18); ``min_age``, ``max_age``: ages of cohort T on
            the index date (16 to 25 inclusive).
        period_start, period_end: the reporting period of index dates (cohort T) and boundary
            dates (cohort B), inclusive; default from the start of the data to ``data_end``.
        cyp_lookback_days: an attended CYP contact this many days before the adult referral
            makes CYPMHS involvement (183).
        boundary_open_window_days: a CYP referral open in this window before the boundary
            (183).
        followup_days: F, cohort B's classification horizon (and its windows after a
            discharge), and cohort T's follow-up year of T3, T4, T8 and crisis presentations
            (365).
        retained_days: cohort B is retained in CYPMHS when still in contact this many days
            after the boundary (90).
        episode_gap_days: adult referrals within this many days of an index referral belong
            to its episode (365).
        attended_codes, dna_codes: ATTENDED OR DID NOT ATTEND codes meaning attended (5, 6)
            and did not attend (3, 7).
        direct_mechanisms: CONSULTATION MECHANISM codes that are direct contact (01, 02, 04,
            11); where ``mechanism`` is given, other attended contacts do not count.
        crisis_team_types: adult crisis team types (default :data:`CRISIS_TEAM_TYPES`).
        confidence: level of the Wilson intervals (0.95).
        by: person columns to break the summary down by (default: whichever of ``sex``,
            ``ethnicity``, ``imd_decile``, ``place`` exist; ``[]`` none). The age band is
            always there.
        age_band_18_24: add the overlapping 18–24 age band to the summary.
        columns: our column names to yours, e.g. ``{"date_of_birth": "PersonBirthDate"}``
            (one mapping for every input table).
        with_diagnostics: return ``(result, diagnostics(result))``; the result carries its
            diagnostics anyway (:func:`collabmetrics.diagnostics`), e.g.
            ``missing_date_of_birth``, ``invalid_attendance``, ``adult_referral_rejected``,
            ``unclassified_referral``, ``contact_after_data_end``.
        progress: show a progress bar (tqdm when installed) while the tables are read and
            each person is followed; nothing is printed otherwise. Ctrl-C stops the run either
            way (``KeyboardInterrupt`` within a fraction of a second).

    Raises:
        InvalidArgumentError: a bad option (``argument`` names it).
        InvalidCellError: a contact or referral dated before birth, a discharge or rejection
            before receipt, naming the table, column (e.g. ``contacts.contact_date``) and row.
        MissingColumnError, ColumnTypeError: a required column absent or of the wrong type.
"""


def transfers(
    persons: Frame,
    referrals: Frame,
    contacts: Frame,
    *,
    data_end: DateLike,
    care_plans: Frame | None = None,
    engagement_days: int = _D["engagement_days"],
    horizons: Sequence[int] = tuple(_D["horizons"]),
    min_attended_contacts: int = _D["min_attended_contacts"],
    boundary_age: int = _D["boundary_age"],
    min_age: int = _D["min_age"],
    max_age: int = _D["max_age"],
    period_start: DateLike | None = _D["period_start"],
    period_end: DateLike | None = _D["period_end"],
    cyp_lookback_days: int = _D["cyp_lookback_days"],
    boundary_open_window_days: int = _D["boundary_open_window_days"],
    followup_days: int = _D["followup_days"],
    retained_days: int = _D["retained_days"],
    episode_gap_days: int = _D["episode_gap_days"],
    attended_codes: Sequence[int | str] = tuple(_D["attended_codes"]),
    dna_codes: Sequence[int | str] = tuple(_D["dna_codes"]),
    direct_mechanisms: Sequence[int | str] = tuple(_D["direct_mechanisms"]),
    crisis_team_types: Sequence[str] = CRISIS_TEAM_TYPES,
    confidence: float = _D["confidence"],
    by: str | Sequence[str] | None = _D["by"],
    age_band_18_24: bool = _D["age_band_18_24"],
    columns: Mapping[str, str] | None = None,
    with_diagnostics: bool = False,
    progress: bool = False,
) -> Any:
    """Cohort T (transfers, the headline): one row per member, so any number can be audited.

    A member is an accepted adult referral received on ``t0`` (``index_date``) of a person
    aged 16–25 then, with a CYP referral open on ``t0`` or an attended CYP contact in
    ``[t0 − 183, t0]``; the earliest per episode (adult referrals within 365 days belong to
    it). Columns: ``person_id`` and the breakdown columns, ``episode``, ``index_date``,
    ``referral_id``, ``age_at_index``, ``age_band``, ``days_to_first_adult_contact`` (to
    engagement; null when none by ``data_end``), ``first_adult_contact_date``,
    ``days_to_death``, ``follow_up_days``, ``disengaged`` (T1: no attended adult contact in
    ``[t0, t0 + N]``; null when ``t0 + N`` is after ``data_end`` or the person died in the
    window without contact), ``died_without_contact``, ``disengaged_30d`` … (the other
    horizons), ``first_adult_appointment_missed`` (T2), ``discharged_without_attending`` (T3),
    ``engaged_at_12_months`` (T4), ``early_dropout`` (T5), ``continuity_gap_days`` (T7),
    ``parallel_care`` (T8), ``transition_plan_recorded`` (T9, with ``care_plans``),
    ``crisis_presentations``. A flag is null where the member is outside that metric's
    denominator.
    {args}
    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> persons = pa.table({{"person_id": ["a"], "date_of_birth": ["2005-06-15"]}})
        >>> referrals = pa.table({{"referral_id": [1, 2], "person_id": ["a", "a"],
        ...     "received_date": ["2022-01-01", "2024-01-10"], "service_line": ["cyp", "adult"]}})
        >>> contacts = pa.table({{"referral_id": [2], "contact_date": ["2024-02-01"],
        ...                      "attendance": ["5"]}})
        >>> t = cm.transition.transfers(persons, referrals, contacts, data_end="2024-12-31")
        >>> t.column("days_to_first_adult_contact").to_pylist(), t.column("disengaged").to_pylist()
        ([22], [False])
    """
    options = _options(
        data_end=data_end,
        engagement_days=engagement_days,
        horizons=horizons,
        min_attended_contacts=min_attended_contacts,
        boundary_age=boundary_age,
        min_age=min_age,
        max_age=max_age,
        period_start=period_start,
        period_end=period_end,
        cyp_lookback_days=cyp_lookback_days,
        boundary_open_window_days=boundary_open_window_days,
        followup_days=followup_days,
        retained_days=retained_days,
        episode_gap_days=episode_gap_days,
        attended_codes=attended_codes,
        dna_codes=dna_codes,
        direct_mechanisms=direct_mechanisms,
        crisis_team_types=crisis_team_types,
        confidence=confidence,
        by=by,
        age_band_18_24=age_band_18_24,
    )
    return _run(
        _native.transition_transfers,
        persons,
        referrals,
        contacts,
        care_plans,
        columns,
        with_diagnostics,
        options,
        progress=progress,
    )


def ageing_out(
    persons: Frame,
    referrals: Frame,
    contacts: Frame,
    *,
    data_end: DateLike,
    care_plans: Frame | None = None,
    engagement_days: int = _D["engagement_days"],
    horizons: Sequence[int] = tuple(_D["horizons"]),
    min_attended_contacts: int = _D["min_attended_contacts"],
    boundary_age: int = _D["boundary_age"],
    min_age: int = _D["min_age"],
    max_age: int = _D["max_age"],
    period_start: DateLike | None = _D["period_start"],
    period_end: DateLike | None = _D["period_end"],
    cyp_lookback_days: int = _D["cyp_lookback_days"],
    boundary_open_window_days: int = _D["boundary_open_window_days"],
    followup_days: int = _D["followup_days"],
    retained_days: int = _D["retained_days"],
    episode_gap_days: int = _D["episode_gap_days"],
    attended_codes: Sequence[int | str] = tuple(_D["attended_codes"]),
    dna_codes: Sequence[int | str] = tuple(_D["dna_codes"]),
    direct_mechanisms: Sequence[int | str] = tuple(_D["direct_mechanisms"]),
    crisis_team_types: Sequence[str] = CRISIS_TEAM_TYPES,
    confidence: float = _D["confidence"],
    by: str | Sequence[str] | None = _D["by"],
    age_band_18_24: bool = _D["age_band_18_24"],
    columns: Mapping[str, str] | None = None,
    with_diagnostics: bool = False,
    progress: bool = False,
) -> Any:
    """Cohort B (ageing out at the boundary, the TRACK population): one row per member.

    A member has an accepted CYP referral open on some day of ``[B − 183, B]`` and an attended
    CYP contact in ``[B − 365, B]``, where B, the boundary date in the reporting period, is the
    day they reach ``boundary_age`` (1 March for a 29 February birth in a non-leap year).
    Classified at ``B + 365`` by the first rule that matches (see :data:`CLASSES`).
    Columns: ``person_id`` and the breakdown columns, ``index_date`` (B), ``class``,
    ``class_number`` (1–9), ``days_to_first_adult_contact`` (negative when before B),
    ``days_to_death``, ``follow_up_days``, ``adult_referral_date``, ``cyp_discharge_date``,
    ``fell_through_gap`` (discharged, then an adult crisis contact or a new adult referral
    within a year) and ``lost_to_services``.
    {args}"""
    options = _options(
        data_end=data_end,
        engagement_days=engagement_days,
        horizons=horizons,
        min_attended_contacts=min_attended_contacts,
        boundary_age=boundary_age,
        min_age=min_age,
        max_age=max_age,
        period_start=period_start,
        period_end=period_end,
        cyp_lookback_days=cyp_lookback_days,
        boundary_open_window_days=boundary_open_window_days,
        followup_days=followup_days,
        retained_days=retained_days,
        episode_gap_days=episode_gap_days,
        attended_codes=attended_codes,
        dna_codes=dna_codes,
        direct_mechanisms=direct_mechanisms,
        crisis_team_types=crisis_team_types,
        confidence=confidence,
        by=by,
        age_band_18_24=age_band_18_24,
    )
    return _run(
        _native.transition_ageing_out,
        persons,
        referrals,
        contacts,
        care_plans,
        columns,
        with_diagnostics,
        options,
        progress=progress,
    )


def summary(
    persons: Frame,
    referrals: Frame,
    contacts: Frame,
    *,
    data_end: DateLike,
    care_plans: Frame | None = None,
    engagement_days: int = _D["engagement_days"],
    horizons: Sequence[int] = tuple(_D["horizons"]),
    min_attended_contacts: int = _D["min_attended_contacts"],
    boundary_age: int = _D["boundary_age"],
    min_age: int = _D["min_age"],
    max_age: int = _D["max_age"],
    period_start: DateLike | None = _D["period_start"],
    period_end: DateLike | None = _D["period_end"],
    cyp_lookback_days: int = _D["cyp_lookback_days"],
    boundary_open_window_days: int = _D["boundary_open_window_days"],
    followup_days: int = _D["followup_days"],
    retained_days: int = _D["retained_days"],
    episode_gap_days: int = _D["episode_gap_days"],
    attended_codes: Sequence[int | str] = tuple(_D["attended_codes"]),
    dna_codes: Sequence[int | str] = tuple(_D["dna_codes"]),
    direct_mechanisms: Sequence[int | str] = tuple(_D["direct_mechanisms"]),
    crisis_team_types: Sequence[str] = CRISIS_TEAM_TYPES,
    confidence: float = _D["confidence"],
    by: str | Sequence[str] | None = _D["by"],
    age_band_18_24: bool = _D["age_band_18_24"],
    columns: Mapping[str, str] | None = None,
    with_diagnostics: bool = False,
    publish: bool | Rule | None = None,
    progress: bool = False,
) -> Any:
    """Every metric of both cohorts per breakdown group.

    Columns: ``cohort`` (``T`` or ``B``), ``metric``, ``breakdown`` (``all``, ``age_band``
    and the ``by`` columns), ``group``, ``numerator``, ``denominator``, ``value`` (the
    proportion), ``lower``, ``upper`` (Wilson interval), ``confidence``, ``method``. Metrics:
    ``T1_disengaged_{{N}}d`` per horizon, ``T1_died_without_contact_{{N}}d``,
    ``T2_first_adult_appointment_missed``, ``T3_discharged_without_attending``,
    ``T4_engaged_at_12_months``, ``T5_early_dropout``, ``T7_continuity_gap_days`` (median
    and interquartile range, no numerator), ``T8_parallel_care``,
    ``T9_transition_plan_recorded`` (with ``care_plans``), ``crisis_presentation``; cohort B:
    ``B_<class>`` for each class (see :data:`CLASSES`): the share of the group's members
    followed for a full year who ended in that class, so the classes add up to 1, except
    ``B_insufficient_follow_up``, the share of all the group's members whose year had not
    ended by ``data_end`` (the others' denominator leaves them out); ``B_transfer_rate``,
    ``B_disengaged_after_transfer``, ``B_lost_to_services`` and ``B_fell_through_gap``.
    Groups are ordered numerically where every label is a number (IMD deciles 1..10), missing
    last, so the table feeds :func:`collabmetrics.inequality.sii` directly. ``publish=True``
    (or a rule) publishes it (see :func:`collabmetrics.disclose`).
    {args}"""
    options = _options(
        data_end=data_end,
        engagement_days=engagement_days,
        horizons=horizons,
        min_attended_contacts=min_attended_contacts,
        boundary_age=boundary_age,
        min_age=min_age,
        max_age=max_age,
        period_start=period_start,
        period_end=period_end,
        cyp_lookback_days=cyp_lookback_days,
        boundary_open_window_days=boundary_open_window_days,
        followup_days=followup_days,
        retained_days=retained_days,
        episode_gap_days=episode_gap_days,
        attended_codes=attended_codes,
        dna_codes=dna_codes,
        direct_mechanisms=direct_mechanisms,
        crisis_team_types=crisis_team_types,
        confidence=confidence,
        by=by,
        age_band_18_24=age_band_18_24,
    )
    return _run(
        _native.transition_summary,
        persons,
        referrals,
        contacts,
        care_plans,
        columns,
        with_diagnostics,
        options,
        publish,
        progress,
    )


def service_lines(
    persons: Frame,
    referrals: Frame,
    contacts: Frame,
    *,
    data_end: DateLike,
    care_plans: Frame | None = None,
    engagement_days: int = _D["engagement_days"],
    horizons: Sequence[int] = tuple(_D["horizons"]),
    min_attended_contacts: int = _D["min_attended_contacts"],
    boundary_age: int = _D["boundary_age"],
    min_age: int = _D["min_age"],
    max_age: int = _D["max_age"],
    period_start: DateLike | None = _D["period_start"],
    period_end: DateLike | None = _D["period_end"],
    cyp_lookback_days: int = _D["cyp_lookback_days"],
    boundary_open_window_days: int = _D["boundary_open_window_days"],
    followup_days: int = _D["followup_days"],
    retained_days: int = _D["retained_days"],
    episode_gap_days: int = _D["episode_gap_days"],
    attended_codes: Sequence[int | str] = tuple(_D["attended_codes"]),
    dna_codes: Sequence[int | str] = tuple(_D["dna_codes"]),
    direct_mechanisms: Sequence[int | str] = tuple(_D["direct_mechanisms"]),
    crisis_team_types: Sequence[str] = CRISIS_TEAM_TYPES,
    confidence: float = _D["confidence"],
    by: str | Sequence[str] | None = _D["by"],
    age_band_18_24: bool = _D["age_band_18_24"],
    columns: Mapping[str, str] | None = None,
    with_diagnostics: bool = False,
    progress: bool = False,
) -> Any:
    """Each referral's service line and the rule that decided it, to audit the classification.

    Columns: ``referral_id``, ``service_line`` (``cyp``, ``adult``, ``adult_crisis``,
    ``unknown``) and ``rule``: ``service_line`` (the column said so), ``team_age_group``,
    ``all_age_team_by_age`` (an all-age team, decided by the person's age on the received
    date), ``team_type_cyp`` (C..), ``team_type_adult`` (A..) or ``unclassified`` (excluded
    and counted). An adult referral to a crisis team type is ``adult_crisis`` whichever rule
    decided it.
    {args}"""
    options = _options(
        data_end=data_end,
        engagement_days=engagement_days,
        horizons=horizons,
        min_attended_contacts=min_attended_contacts,
        boundary_age=boundary_age,
        min_age=min_age,
        max_age=max_age,
        period_start=period_start,
        period_end=period_end,
        cyp_lookback_days=cyp_lookback_days,
        boundary_open_window_days=boundary_open_window_days,
        followup_days=followup_days,
        retained_days=retained_days,
        episode_gap_days=episode_gap_days,
        attended_codes=attended_codes,
        dna_codes=dna_codes,
        direct_mechanisms=direct_mechanisms,
        crisis_team_types=crisis_team_types,
        confidence=confidence,
        by=by,
        age_band_18_24=age_band_18_24,
    )
    return _run(
        _native.transition_service_lines,
        persons,
        referrals,
        contacts,
        care_plans,
        columns,
        with_diagnostics,
        options,
        progress=progress,
    )


for _f in (transfers, ageing_out, summary, service_lines):
    _f.__doc__ = (_f.__doc__ or "").format(args=_ARGS)
del _f


def time_to_contact(
    table: Frame,
    *,
    method: Literal["kaplan_meier", "aalen_johansen"] = _CURVE["method"],
    confidence: float = _CURVE["confidence"],
    with_diagnostics: bool = False,
) -> Any:
    """The curve of time to the first attended adult contact (T6).

    ``table`` is a per-person table of :func:`transfers` or :func:`ageing_out` (or any table
    with ``days_to_first_adult_contact``, ``follow_up_days`` and optionally
    ``days_to_death``, whole days). Each person's follow-up ends at the contact if it came
    first (a contact on the day of death counts; one before the index date is at day 0),
    else at death, else it is censored at ``follow_up_days``.

    * ``"kaplan_meier"``: the share still without a contact, deaths censored; Greenwood
      variance and the log(−log) interval (lifelines' default).
    * ``"aalen_johansen"``: the cumulative incidence of a contact with death as a competing
      event; variance as Collett (2015) and the log(−log) interval.

    Returns one row per distinct time (time 0 first): ``time``, ``at_risk`` (just before
    it), ``events`` (contacts), ``deaths``, ``censored`` (under Kaplan–Meier deaths are
    counted here too), ``estimate``, ``lower``, ``upper``, ``confidence``, ``method``.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"days_to_first_adult_contact": [0, 2, None, None, 5, None],
        ...               "days_to_death": [None, None, None, 3, None, None],
        ...               "follow_up_days": [9, 9, 2, 9, 9, 7]})
        >>> c = cm.transition.time_to_contact(t)
        >>> c.column("time").to_pylist(), [round(s, 4) for s in c.column("estimate").to_pylist()]
        ([0, 2, 3, 5, 7], [0.8333, 0.6667, 0.6667, 0.3333, 0.3333])
    """
    data, kind = to_arrow(table, "table")
    out = _native.transition_time_to_contact(data, method, number(confidence, "confidence"))
    return _with_diagnostics(from_arrow(out, kind, (table,)), with_diagnostics)


def state(
    persons: Frame,
    referrals: Frame,
    contacts: Frame,
    *,
    data_end: DateLike,
    care_plans: Frame | None = None,
    engagement_days: int = _D["engagement_days"],
    horizons: Sequence[int] = tuple(_D["horizons"]),
    min_attended_contacts: int = _D["min_attended_contacts"],
    boundary_age: int = _D["boundary_age"],
    min_age: int = _D["min_age"],
    max_age: int = _D["max_age"],
    period_start: DateLike | None = _D["period_start"],
    period_end: DateLike | None = _D["period_end"],
    cyp_lookback_days: int = _D["cyp_lookback_days"],
    boundary_open_window_days: int = _D["boundary_open_window_days"],
    followup_days: int = _D["followup_days"],
    retained_days: int = _D["retained_days"],
    episode_gap_days: int = _D["episode_gap_days"],
    attended_codes: Sequence[int | str] = tuple(_D["attended_codes"]),
    dna_codes: Sequence[int | str] = tuple(_D["dna_codes"]),
    direct_mechanisms: Sequence[int | str] = tuple(_D["direct_mechanisms"]),
    crisis_team_types: Sequence[str] = CRISIS_TEAM_TYPES,
    confidence: float = _D["confidence"],
    by: str | Sequence[str] | None = _D["by"],
    age_band_18_24: bool = _D["age_band_18_24"],
    columns: Mapping[str, str] | None = None,
    listing: bool = False,
) -> Any:
    """The mergeable state of :func:`summary` and of cohort T's :func:`time_to_contact` curve
    over a partition of the people (see :mod:`collabmetrics.state`; the arguments are
    :func:`summary`'s).

    Every table of a person must be in the person's partition: persons, referrals and care
    plans by ``person_id``, contacts by their referral's person. Give ``care_plans`` to every
    partition or to none (finishing a merge of partitions with and without them is an
    error). Rows per metric, breakdown and group with the numerator and
    denominator, T7's gap histograms, cohort T's outcomes per day and the diagnostics:
    :func:`collabmetrics.finalize` gives :func:`summary`'s table, and with
    ``curve="kaplan_meier"`` (or ``"aalen_johansen"``) the time-to-contact curve.

    With ``listing=True``, ``(state, listing)``: the listing of every record a rule flagged
    (excluded, repaired or counted in the diagnostics), one row per record: ``table``
    (``persons``, ``referrals``, ``contacts`` or ``care_plans``), ``row`` (0-based, in that table), ``reason`` and ``action`` (see
    :data:`collabmetrics.state.LISTING_COLUMNS`); each reason's count in the state is its
    number of rows.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.demo.tables(scale=0.05)
        >>> s = cm.transition.state(t["persons"], t["referrals"], t["contacts"],
        ...                         data_end="2024-03-31")
        >>> one = cm.transition.summary(t["persons"], t["referrals"], t["contacts"],
        ...                             data_end="2024-03-31")
        >>> cm.finalize(s).equals(one)
        True
    """
    from . import state as _state

    options = _options(
        data_end=data_end,
        engagement_days=engagement_days,
        horizons=horizons,
        min_attended_contacts=min_attended_contacts,
        boundary_age=boundary_age,
        min_age=min_age,
        max_age=max_age,
        period_start=period_start,
        period_end=period_end,
        cyp_lookback_days=cyp_lookback_days,
        boundary_open_window_days=boundary_open_window_days,
        followup_days=followup_days,
        retained_days=retained_days,
        episode_gap_days=episode_gap_days,
        attended_codes=attended_codes,
        dna_codes=dna_codes,
        direct_mechanisms=direct_mechanisms,
        crisis_team_types=crisis_team_types,
        confidence=confidence,
        by=by,
        age_band_18_24=age_band_18_24,
    )
    return _state.build(
        "transition", [persons, referrals, contacts, care_plans], options, columns, listing
    )
