"""Transition summary and curves of Spark DataFrames (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .. import transition as _transition
from ._engine import ROUTE, Input, positional, run, unique

_D = _transition._D


def _inputs(
    persons: Any, referrals: Any, contacts: Any, care_plans: Any | None, cols: dict[str, str]
) -> list[Input | None]:
    """The tables bucketed by person; contacts by their referral's person (a join)."""
    from pyspark.sql import functions as F

    person = cols.get("person_id", "person_id")
    referral = cols.get("referral_id", "referral_id")
    routed_contacts = contacts
    if referral in contacts.columns and {referral, person} <= set(referrals.columns):
        # Columns by position (see _engine.positional): no caller's name is resolved.
        refs, ref_names = positional(referrals, "__cm_r")
        route = refs.select(
            F.col(ref_names[referrals.columns.index(referral)]).alias("__cm_referral"),
            F.col(ref_names[referrals.columns.index(person)]).alias(ROUTE),
        )
        own, own_names = positional(contacts)
        key = F.col(own_names[contacts.columns.index(referral)])
        routed_contacts = (
            own.join(route, key == F.col("__cm_referral"), "left")
            .select(*own_names, ROUTE)
            .toDF(*contacts.columns, ROUTE)
        )
    return [
        Input(persons, route=person),
        Input(referrals, route=person),
        Input(routed_contacts, route=ROUTE if ROUTE in routed_contacts.columns else None),
        None if care_plans is None else Input(care_plans, route=person),
    ]


def _run(
    persons: Any,
    referrals: Any,
    contacts: Any,
    care_plans: Any | None,
    data_end: Any,
    columns: Mapping[str, str] | None,
    buckets: int | None,
    udf: str,
    collect: bool,
    check_unique: bool,
    curve: str | None,
    options: dict[str, Any],
    record_id: Mapping[str, str] | None,
) -> tuple[Any, Any]:
    cols = dict(columns or {})
    defaults = {k: v for k, v in _D.items() if k != "data_end"}
    defaults["crisis_team_types"] = _transition.CRISIS_TEAM_TYPES
    defaults.update(options)
    opts = _transition._options(data_end=data_end, **defaults)

    def checks() -> None:
        if check_unique:
            # Across buckets: a person's records meet in one bucket, their referrals and
            # contacts do not meet other people's (the core checks within a bucket only).
            referral = cols.get("referral_id", "referral_id")
            if referral in referrals.columns:
                unique(referrals, referral, "referrals")
            contact = cols.get("contact_id", "contact_id")
            if contact in contacts.columns:
                unique(contacts, contact, "contacts")

    return run(
        "transition",
        _inputs(persons, referrals, contacts, care_plans, cols),
        opts,
        columns=cols,
        buckets=buckets,
        udf=udf,
        collect_result=collect,
        finalize={"curve": curve},
        before=checks,
        record_id=record_id,
    )


def summary(
    persons: Any,
    referrals: Any,
    contacts: Any,
    *,
    data_end: Any,
    care_plans: Any | None = None,
    columns: Mapping[str, str] | None = None,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    check_unique: bool = True,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.transition.summary` of Spark DataFrames; the other keyword
    arguments are its options (``engagement_days``, ``by``, ``age_band_18_24``, …).

    Every table is bucketed by person (contacts by their referral's person, through a join
    with the referrals), so each person's records meet in one state. With ``check_unique``
    (the default) one Spark job first checks that no ``referral_id`` appears twice or is
    missing, and one more checks the ``contact_id`` when the contacts have one: the
    one-machine ``InvalidCellError``, without a row number (a ``person_id``'s rows meet in
    one bucket, where the core checks them).

    A flagged record's ``record_id`` is its ``person_id``, ``referral_id`` or
    ``contact_id``; care plans (and contacts without a ``contact_id``) have no identifier:
    name one with ``record_id={"care_plans": "..."}`` (otherwise each is named by its
    values, as JSON).

    Returns:
        ``(summary, diagnostics)``, the ``diagnostics``, one row per flagged record (``table``, ``record_id``, ``reason``,
        ``action``; see :mod:`collabmetrics.spark`).
    """
    return _run(
        persons,
        referrals,
        contacts,
        care_plans,
        data_end,
        columns,
        buckets,
        udf,
        collect,
        check_unique,
        None,
        options,
        record_id,
    )


def time_to_contact(
    persons: Any,
    referrals: Any,
    contacts: Any,
    *,
    data_end: Any,
    method: Literal["kaplan_meier", "aalen_johansen"] = "kaplan_meier",
    care_plans: Any | None = None,
    columns: Mapping[str, str] | None = None,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    check_unique: bool = True,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """Cohort T's time-to-contact curve of Spark DataFrames: what
    :func:`collabmetrics.transition.time_to_contact` gives on the
    :func:`collabmetrics.transition.transfers` table (people at risk are finished from the
    per-day events, deaths and censorings of every partition).

    Returns:
        ``(curve, diagnostics)``, the diagnostics as :func:`summary`'s.
    """
    return _run(
        persons,
        referrals,
        contacts,
        care_plans,
        data_end,
        columns,
        buckets,
        udf,
        collect,
        check_unique,
        method,
        options,
        record_id,
    )
