"""Transition: hand-built boundary cases of cohorts T and B (expected values from
docs/methods/transition.md, worked by hand), the curves against lifelines, the demo, inequality,
bad input and frame round trips."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter  # type: ignore[import-untyped]

import collabmetrics as cm

D = dt.date

PERSONS = pa.schema(
    [("person_id", pa.string()), ("date_of_birth", pa.date32()), ("date_of_death", pa.date32())]
)
REFERRALS = pa.schema(
    [
        ("referral_id", pa.string()),
        ("person_id", pa.string()),
        ("received_date", pa.date32()),
        ("discharge_date", pa.date32()),
        ("rejection_date", pa.date32()),
        ("service_line", pa.string()),
        ("team_type", pa.string()),
        ("closure_reason", pa.string()),
    ]
)
CONTACTS = pa.schema(
    [("referral_id", pa.string()), ("contact_date", pa.date32()), ("attendance", pa.string())]
)


def person(pid: str, born: dt.date, died: dt.date | None = None) -> dict[str, Any]:
    return {"person_id": pid, "date_of_birth": born, "date_of_death": died}


def referral(
    rid: str,
    pid: str,
    line: str,
    received: dt.date,
    discharged: dt.date | None = None,
    rejected: dt.date | None = None,
    closure: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    return {
        "referral_id": rid,
        "person_id": pid,
        "received_date": received,
        "discharge_date": discharged,
        "rejection_date": rejected,
        "service_line": line,
        "team_type": team,
        "closure_reason": closure,
    }


def contact(rid: str, day: dt.date, attendance: str | None = "5") -> dict[str, Any]:
    return {"referral_id": rid, "contact_date": day, "attendance": attendance}


def tables(
    persons: list[dict[str, Any]],
    referrals: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
) -> tuple[pa.Table, pa.Table, pa.Table]:
    return (
        pa.Table.from_pylist(persons, schema=PERSONS),
        pa.Table.from_pylist(referrals, schema=REFERRALS),
        pa.Table.from_pylist(contacts, schema=CONTACTS),
    )


def diagnostic_counts(diagnostics: list[dict[str, Any]]) -> dict[str, int]:
    return {d["reason"]: d["count"] for d in diagnostics}


# ---------------------------------------------------------------------------------------------
# Cohort T: boundary days of T1 (N = 90), data end 2024-12-31.
# Everyone is born 2005-06-15 (18 or 19 at the index date) and has a CYP referral received
# 2022-01-01 and still open, so CYPMHS involvement holds on any index date.


def cohort_t_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    born = D(2005, 6, 15)
    persons = pd.DataFrame(
        {"person_id": [f"P{i}" for i in range(1, 7)], "date_of_birth": [born] * 6}
    )
    cyp = [f"C{i}" for i in range(1, 7)]
    adult = [f"A{i}" for i in range(1, 7)]
    referrals = pd.DataFrame(
        {
            "referral_id": cyp + adult,
            "person_id": [f"P{i}" for i in range(1, 7)] * 2,
            "received_date": [D(2022, 1, 1)] * 6
            + [
                D(2024, 1, 10),  # P1
                D(2024, 1, 10),  # P2
                D(2024, 1, 10),  # P3
                D(2024, 10, 2),  # P4: t0 + 90 = 2024-12-31, the data end
                D(2024, 10, 3),  # P5: t0 + 90 = 2025-01-01, one day past it
                D(2024, 2, 1),  # P6: rejected on 2024-02-15
            ],
            "rejection_date": [None] * 11 + [D(2024, 2, 15)],
            "service_line": ["cyp"] * 6 + ["adult"] * 6,
        }
    )
    contacts = pd.DataFrame(
        {
            "referral_id": ["A1", "A2", "A3"],
            "contact_date": [
                D(2024, 1, 10),  # day 0
                D(2024, 4, 9),  # day 90: 21 (rest of Jan) + 29 (Feb 2024) + 31 + 9
                D(2024, 4, 10),  # day 91
            ],
            "attendance": ["5", "5", "6"],
        }
    )
    return persons, referrals, contacts


def test_cohort_t_boundary_days() -> None:
    persons, referrals, contacts = cohort_t_frames()
    out, diagnostics = cm.transition.transfers(
        persons, referrals, contacts, data_end=D(2024, 12, 31), with_diagnostics=True
    )
    assert isinstance(out, pd.DataFrame)
    rows = {r["person_id"]: r for r in out.to_dict("records")}
    # P6's only adult referral was rejected: not in cohort T, counted.
    assert sorted(rows) == ["P1", "P2", "P3", "P4", "P5"]
    assert diagnostic_counts(diagnostics)["adult_referral_rejected"] == 1

    def none(v: Any) -> bool:
        # A null of a nullable column: None, or pandas' NA in its records before pandas 2.
        return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))

    expected = {
        # person: (index date, days to contact, follow-up, disengaged, 30 d, 183 d, 365 d)
        "P1": (D(2024, 1, 10), 0, 356, False, False, False, None),
        "P2": (D(2024, 1, 10), 90, 356, False, True, False, None),
        "P3": (D(2024, 1, 10), 91, 356, True, True, False, None),
        "P4": (D(2024, 10, 2), None, 90, True, True, None, None),
        "P5": (D(2024, 10, 3), None, 89, None, True, None, None),
    }
    for pid, (index, days, follow, dis, d30, d183, d365) in expected.items():
        r = rows[pid]
        assert r["index_date"] == index, pid
        assert r["follow_up_days"] == follow, pid
        assert r["age_at_index"] in (18, 19) and r["age_band"] == "18-19", pid
        if days is None:
            assert none(r["days_to_first_adult_contact"]), pid
        else:
            assert r["days_to_first_adult_contact"] == days, pid
        for column, want in [
            ("disengaged", dis),
            ("disengaged_30d", d30),
            ("disengaged_183d", d183),
            ("disengaged_365d", d365),
        ]:
            if want is None:
                assert none(r[column]), (pid, column)
            else:
                assert r[column] == want, (pid, column)
    # Deaths: nobody died, so every member eligible at 90 days has died_without_contact False.
    assert [rows[p]["died_without_contact"] for p in ["P1", "P2", "P3", "P4"]] == [False] * 4
    assert none(rows["P5"]["died_without_contact"])
    # T2: P1's first scheduled adult contact was attended; P4 has none scheduled.
    assert rows["P1"]["first_adult_appointment_missed"] is False
    assert none(rows["P4"]["first_adult_appointment_missed"])


def test_cohort_t_summary_counts_the_boundary_cases() -> None:
    persons, referrals, contacts = cohort_t_frames()
    s = cm.transition.summary(
        pa.Table.from_pandas(persons),
        referrals,
        contacts,
        data_end="2024-12-31",
    )
    row = s.filter(
        pc.and_(pc.equal(s["metric"], "T1_disengaged_90d"), pc.equal(s["breakdown"], "all"))
    )
    # Eligible: P1–P4 (P5's window ends after the data); disengaged: P3 and P4.
    assert row.column("numerator").to_pylist() == [2]
    assert row.column("denominator").to_pylist() == [4]
    assert row.column("value").to_pylist() == [0.5]


@pytest.mark.parametrize(
    "data_end",
    [D(2024, 12, 31), "2024-12-31", np.datetime64("2024-12-31"), pd.Timestamp("2024-12-31")],
    ids=["date", "iso", "numpy", "pandas"],
)
def test_dates_of_every_kind(data_end: Any) -> None:
    persons, referrals, contacts = cohort_t_frames()
    out = cm.transition.transfers(persons, referrals, contacts, data_end=data_end)
    assert out["follow_up_days"].tolist() == [356, 356, 356, 90, 89]


# ---------------------------------------------------------------------------------------------
# Cohort B: data end 2024-12-31, boundary age 18, F = 365, N = 90, retained at B + 90.


def cohort_b_tables() -> tuple[pa.Table, pa.Table, pa.Table]:
    persons = [
        person("eng", D(2005, 3, 1)),  # B = 2023-03-01
        person("ret", D(2005, 4, 10)),  # B = 2023-04-10
        person("plan", D(2005, 5, 20)),  # B = 2023-05-20
        person("leap", D(2004, 2, 29)),  # B = 2022-03-01 (2022 is not a leap year)
        person("noteng", D(2005, 7, 1)),  # B = 2023-07-01
        person("rej", D(2005, 8, 1)),  # B = 2023-08-01
        person("dis", D(2005, 9, 1)),  # B = 2023-09-01
        person("died", D(2005, 10, 1), D(2024, 2, 1)),  # B = 2023-10-01, dies before B + F
        person("insuff", D(2006, 3, 15)),  # B = 2024-03-15: B + F after the data end
        person("other", D(2005, 11, 1)),  # B = 2023-11-01
        person("old", D(2005, 12, 1)),  # B = 2023-12-01, last CYP contact > 365 days before
    ]
    referrals = [
        referral("eng-c", "eng", "cyp", D(2021, 1, 1), D(2023, 4, 1)),
        referral("eng-a", "eng", "adult", D(2023, 3, 10)),
        referral("ret-c", "ret", "cyp", D(2020, 5, 1)),
        referral("plan-c", "plan", "cyp", D(2020, 1, 1), D(2023, 6, 1), closure="02"),
        referral("plan-x", "plan", "adult", D(2023, 10, 1), team="A02"),  # crisis team
        referral("leap-c", "leap", "cyp", D(2018, 1, 1)),
        referral("noteng-c", "noteng", "cyp", D(2019, 1, 1)),
        referral("noteng-a", "noteng", "adult", D(2023, 7, 5)),
        referral("rej-c", "rej", "cyp", D(2019, 1, 1)),
        referral("rej-a", "rej", "adult", D(2023, 8, 5), rejected=D(2023, 8, 10)),
        referral("dis-c", "dis", "cyp", D(2019, 1, 1), D(2023, 9, 15), closure="05"),
        referral("died-c", "died", "cyp", D(2019, 1, 1)),
        referral("insuff-c", "insuff", "cyp", D(2019, 1, 1)),
        referral("other-c", "other", "cyp", D(2019, 1, 1), D(2023, 10, 1)),
        referral("old-c", "old", "cyp", D(2019, 1, 1)),
    ]
    contacts = [
        contact("eng-c", D(2023, 1, 15)),
        contact("eng-a", D(2023, 4, 20)),  # 41 days after the adult referral
        contact("ret-c", D(2023, 2, 1)),
        contact("plan-c", D(2023, 3, 1)),
        contact("plan-x", D(2023, 10, 1)),  # crisis contact after discharge: fell through
        contact("leap-c", D(2022, 1, 10)),
        contact("noteng-c", D(2023, 5, 1)),
        contact("noteng-a", D(2023, 7, 20), "3"),  # did not attend
        contact("rej-c", D(2023, 6, 1)),
        contact("dis-c", D(2023, 7, 1)),
        contact("died-c", D(2023, 8, 1)),
        contact("insuff-c", D(2024, 1, 10)),
        contact("other-c", D(2023, 9, 1)),
        contact("old-c", D(2022, 6, 1)),
    ]
    return tables(persons, referrals, contacts)


def test_cohort_b_classes() -> None:
    persons, referrals, contacts = cohort_b_tables()
    out = cm.transition.ageing_out(persons, referrals, contacts, data_end="2024-12-31")
    rows = {r["person_id"]: r for r in out.to_pylist()}
    expected = {
        "eng": ("transferred_engaged", 3, D(2023, 3, 1)),
        "ret": ("retained_in_cypmhs", 6, D(2023, 4, 10)),
        "plan": ("discharged_planned", 7, D(2023, 5, 20)),
        "leap": ("retained_in_cypmhs", 6, D(2022, 3, 1)),
        "noteng": ("transferred_not_engaged", 4, D(2023, 7, 1)),
        "rej": ("adult_referral_rejected", 5, D(2023, 8, 1)),
        "dis": ("discharged_disengaged", 8, D(2023, 9, 1)),
        "died": ("died", 1, D(2023, 10, 1)),
        "insuff": ("insufficient_follow_up", 2, D(2024, 3, 15)),
        "other": ("discharged_other", 9, D(2023, 11, 1)),
    }
    assert sorted(rows) == sorted(expected)  # "old" had no CYP contact in [B − 365, B]
    for pid, (cls, number, boundary) in expected.items():
        assert rows[pid]["class"] == cls, pid
        assert rows[pid]["class_number"] == number, pid
        assert rows[pid]["index_date"] == boundary, pid
        assert cm.transition.CLASSES[number - 1] == cls
    # Engaged 2023-04-20: 31 (March) + 19 = 50 days after the boundary.
    assert rows["eng"]["days_to_first_adult_contact"] == 50
    assert rows["eng"]["adult_referral_date"] == D(2023, 3, 10)
    # Died 2024-02-01: 31 + 30 + 31 + 31 = 123 days after the boundary.
    assert rows["died"]["days_to_death"] == 123
    # Discharged with reason 02, then an adult crisis contact: fell through the gap.
    assert rows["plan"]["cyp_discharge_date"] == D(2023, 6, 1)
    assert rows["plan"]["fell_through_gap"] is True
    assert rows["plan"]["lost_to_services"] is False
    # Reason 05 is lost to services; an unknown reason with no later contact is too.
    assert rows["dis"]["fell_through_gap"] is False
    assert rows["dis"]["lost_to_services"] is True
    assert rows["other"]["lost_to_services"] is True


def test_leap_day_birth_reaches_the_boundary_on_1_march() -> None:
    persons, referrals, contacts = cohort_b_tables()

    def members(start: str, end: str) -> list[str]:
        out = cm.transition.ageing_out(
            persons,
            referrals,
            contacts,
            data_end="2024-12-31",
            period_start=start,
            period_end=end,
        )
        return list(out.column("person_id").to_pylist())

    assert members("2022-03-01", "2022-03-01") == ["leap"]
    assert members("2022-02-28", "2022-02-28") == []


def test_cohort_b_summary_rates() -> None:
    persons, referrals, contacts = cohort_b_tables()
    s = cm.transition.summary(persons, referrals, contacts, data_end="2024-12-31", by=[])
    all_rows = s.filter(pc.equal(s["breakdown"], "all"))
    got = {
        m: (n, d)
        for m, n, d in zip(
            all_rows["metric"].to_pylist(),
            all_rows["numerator"].to_pylist(),
            all_rows["denominator"].to_pylist(),
        )
    }
    # Ten members; classes 3–9 (followed up): eng, noteng, rej, ret, leap, plan, dis, other.
    assert got["B_transfer_rate"] == (3, 8)  # eng, noteng, rej
    assert got["B_disengaged_after_transfer"] == (1, 2)  # noteng of eng, noteng
    assert got["B_lost_to_services"] == (2, 8)  # dis, other
    assert got["B_fell_through_gap"] == (1, 3)  # plan of plan, dis, other


# ---------------------------------------------------------------------------------------------
# Curves against lifelines.


def per_person(rng: np.random.Generator, n: int) -> pa.Table:
    """Random follow-ups in whole days, with ties, contacts, deaths and censoring."""
    days = max(10, n // 5)
    follow = rng.integers(0, days, n)
    contact = np.where(rng.random(n) < 0.6, rng.integers(0, days, n), -1)
    death = np.where(rng.random(n) < 0.15, rng.integers(0, days, n), -1)
    # One long censored follow-up, so the curve never reaches 0 (no variance there).
    follow[0], contact[0], death[0] = 500, -1, -1
    return pa.table(
        {
            "days_to_first_adult_contact": pa.array(contact, mask=contact < 0),
            "days_to_death": pa.array(death, mask=death < 0),
            "follow_up_days": follow,
        }
    )


def outcomes(table: pa.Table) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Time and status (0 censored, 1 contact, 2 death) by the documented rule: the contact if
    it came first (on the day of death too), else the death, else censored at follow-up."""
    times, status = [], []
    for c, d, f in zip(
        table["days_to_first_adult_contact"].to_pylist(),
        table["days_to_death"].to_pylist(),
        table["follow_up_days"].to_pylist(),
    ):
        if c is not None and (d is None or c <= d) and c <= f:
            times.append(c)
            status.append(1)
        elif d is not None and d <= f:
            times.append(d)
            status.append(2)
        else:
            times.append(f)
            status.append(0)
    return np.array(times), np.array(status)


@pytest.mark.parametrize(("n", "confidence"), [(40, 0.95), (300, 0.95), (300, 0.9)])
def test_kaplan_meier_matches_lifelines(
    rng: np.random.Generator, n: int, confidence: float
) -> None:
    table = per_person(rng, n)
    curve = cm.transition.time_to_contact(table, confidence=confidence)
    time, status = outcomes(table)
    assert len(np.unique(time[status == 1])) < (status == 1).sum()  # ties among contacts
    kmf = KaplanMeierFitter(alpha=1 - confidence).fit(time, status == 1)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    events = kmf.event_table
    assert curve["time"].to_pylist() == [int(t) for t in sf.index]
    np.testing.assert_allclose(curve["estimate"].to_numpy(), sf.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(curve["at_risk"].to_numpy(), events["at_risk"].to_numpy())
    np.testing.assert_array_equal(curve["events"].to_numpy(), events["observed"].to_numpy())
    np.testing.assert_array_equal(curve["censored"].to_numpy(), events["censored"].to_numpy())
    np.testing.assert_allclose(curve["lower"].to_numpy(), ci.iloc[:, 0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(curve["upper"].to_numpy(), ci.iloc[:, 1], rtol=0, atol=1e-10)
    deaths = [int(((time == t) & (status == 2)).sum()) for t in sf.index]
    assert curve["deaths"].to_pylist() == deaths
    assert set(curve["method"].to_pylist()) == {
        "Kaplan-Meier, Greenwood variance, log-log interval"
    }
    assert curve["confidence"].to_pylist() == [confidence] * curve.num_rows


def distinct_per_person(rng: np.random.Generator, n: int) -> pa.Table:
    """Random follow-ups whose outcome times are all different (lifelines jitters ties)."""
    times = rng.permutation(np.arange(1, 5 * n))[:n]
    kind = rng.choice([0, 1, 2], size=n, p=[0.3, 0.5, 0.2])
    extra = rng.integers(0, 30, n)
    contact = np.where(kind == 1, times, -1)
    death = np.where(kind == 2, times, -1)
    follow = np.where(kind == 0, times, times + extra)
    return pa.table(
        {
            "days_to_first_adult_contact": pa.array(contact, mask=contact < 0),
            "days_to_death": pa.array(death, mask=death < 0),
            "follow_up_days": follow,
        }
    )


@pytest.mark.parametrize("n", [30, 250])
def test_aalen_johansen_matches_lifelines(rng: np.random.Generator, n: int) -> None:
    table = distinct_per_person(rng, n)
    curve = cm.transition.time_to_contact(table, method="aalen_johansen")
    time, status = outcomes(table)
    ajf = AalenJohansenFitter(calculate_variance=True).fit(time, status, event_of_interest=1)
    cif = ajf.cumulative_density_.iloc[:, 0]
    ci = ajf.confidence_interval_.to_numpy()
    assert curve["time"].to_pylist() == [int(t) for t in cif.index]
    np.testing.assert_allclose(curve["estimate"].to_numpy(), cif.to_numpy(), rtol=0, atol=1e-10)
    # lifelines names its limits the other way round: compare the smaller and the larger.
    finite = ~np.isnan(ci).any(axis=1)
    assert finite.sum() > n // 3
    lower, upper = curve["lower"].to_numpy(), curve["upper"].to_numpy()
    np.testing.assert_allclose(lower[finite], ci[finite].min(axis=1), rtol=0, atol=1e-10)
    np.testing.assert_allclose(upper[finite], ci[finite].max(axis=1), rtol=0, atol=1e-10)
    # Where lifelines has no interval (no contact yet), the estimate is 0 and is its own limits.
    estimate = curve["estimate"].to_numpy()
    assert (estimate[~finite] == 0).all() and (lower[~finite] == 0).all()
    assert (upper[~finite] == 0).all()
    assert curve["deaths"].to_pylist() == [
        int(((time == t) & (status == 2)).sum()) for t in cif.index
    ]


def test_time_to_contact_from_transfers_and_bad_method() -> None:
    persons, referrals, contacts = cohort_t_frames()
    t = cm.transition.transfers(persons, referrals, contacts, data_end="2024-12-31")
    curve = cm.transition.time_to_contact(t)
    assert isinstance(curve, pd.DataFrame)
    # P1 at day 0, P2 at 90, P3 at 91 (events); P5 and P4 censored at 89 and 90.
    assert curve["time"].tolist() == [0, 89, 90, 91]
    assert curve["events"].tolist() == [1, 0, 1, 1]
    assert curve["censored"].tolist() == [0, 1, 1, 0]
    assert curve["estimate"].tolist() == pytest.approx([4 / 5, 4 / 5, 4 / 5 * 2 / 3, 0.0])
    with pytest.raises(cm.CollabMetricsError, match="invalid argument `method`"):
        cm.transition.time_to_contact(t, method="nelson_aalen")  # type: ignore[call-overload]


# ---------------------------------------------------------------------------------------------
# The demo collaborative and inequality.


@pytest.fixture(scope="module")
def demo() -> dict[str, pa.Table]:
    return cm.demo.tables()


def test_demo_summary_agrees_with_the_per_person_table(demo: dict[str, pa.Table]) -> None:
    args = (demo["persons"], demo["referrals"], demo["contacts"])
    summary = cm.transition.summary(*args, data_end="2024-03-31")
    b = cm.transition.ageing_out(*args, data_end="2024-03-31")
    counts = pc.value_counts(b["class"]).to_pylist()
    by_class = {c["values"]: c["counts"] for c in counts}
    assert set(by_class) == set(cm.transition.CLASSES)
    overall = summary.filter(
        pc.and_(pc.equal(summary["cohort"], "B"), pc.equal(summary["breakdown"], "all"))
    )
    numerators = dict(zip(overall["metric"].to_pylist(), overall["numerator"].to_pylist()))
    for cls in cm.transition.CLASSES:
        assert numerators[f"B_{cls}"] == by_class[cls], cls
    assert set(summary["breakdown"].to_pylist()) == {
        "all",
        "age_band",
        "sex",
        "ethnicity",
        "imd_decile",
        "place",
    }


def test_demo_care_plans_add_t9(demo: dict[str, pa.Table]) -> None:
    args = (demo["persons"], demo["referrals"], demo["contacts"])
    with_plans = cm.transition.transfers(
        *args, data_end="2024-03-31", care_plans=demo["care_plans"]
    )
    without = cm.transition.transfers(*args, data_end="2024-03-31")
    assert "transition_plan_recorded" in with_plans.column_names
    assert "transition_plan_recorded" not in without.column_names
    assert with_plans.num_rows == without.num_rows
    s = cm.transition.summary(*args, data_end="2024-03-31", care_plans=demo["care_plans"], by=[])
    t9 = s.filter(pc.equal(s["metric"], "T9_transition_plan_recorded"))
    assert t9.num_rows > 0 and t9["denominator"][0].as_py() == without.num_rows


def test_blank_codes_and_ids_are_not_recorded(demo: dict[str, pa.Table]) -> None:
    # A frame keeps an empty CSV field as "" where the command line reads null: the same
    # file gave T1 3/17 from the command line and 17/17 from pyarrow's reader (every blank
    # mechanism an indirect contact). A blank is now a null in every face.
    args = (demo["persons"], demo["referrals"], demo["contacts"])
    contacts = demo["contacts"]
    mech = contacts["mechanism"].cast(pa.string())
    i = contacts.schema.get_field_index("mechanism")
    for blank in ["", "  "]:
        some = pc.equal(pc.bit_wise_and(pa.array(range(contacts.num_rows)), 1), 0)
        as_null = contacts.set_column(
            i, "mechanism", pc.if_else(some, pa.scalar(None, pa.string()), mech)
        )
        as_blank = contacts.set_column(i, "mechanism", pc.if_else(some, blank, mech))
        expected = cm.transition.summary(args[0], args[1], as_null, data_end="2024-03-31")
        got = cm.transition.summary(args[0], args[1], as_blank, data_end="2024-03-31")
        assert got.equals(expected)
    # A blank person id is an error naming its row, as a null one is.
    persons = demo["persons"]
    ids = persons["person_id"].cast(pa.string()).to_pylist()
    ids[2] = ""
    blank_id = persons.set_column(0, "person_id", pa.array(ids))
    with pytest.raises(cm.InvalidCellError, match="an identifier is required") as e:
        cm.transition.summary(blank_id, args[1], args[2], data_end="2024-03-31")
    assert e.value.row == 2


def test_demo_disengagement_feeds_the_slope_index(demo: dict[str, pa.Table]) -> None:
    summary = cm.transition.summary(
        demo["persons"], demo["referrals"], demo["contacts"], data_end="2024-03-31"
    )
    rows = summary.filter(
        pc.and_(
            pc.equal(summary["metric"], "T1_disengaged_90d"),
            pc.equal(summary["breakdown"], "imd_decile"),
        )
    )
    rows = rows.filter(pc.is_valid(rows["group"]))
    assert rows.num_rows == 10
    rows = rows.append_column("decile", pc.cast(rows["group"], pa.int64()))
    sii = cm.inequality.sii(
        rows,
        group="group",
        order="decile",
        population="denominator",
        value="value",
        lower="lower",
        upper="upper",
        reps=1000,
    )
    row = sii.filter(pc.equal(sii["measure"], "SII"))
    value, lower, upper = (row[c][0].as_py() for c in ["value", "lower", "upper"])
    assert math.isfinite(value) and lower < value < upper


# ---------------------------------------------------------------------------------------------
# Bad input.


def small() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    persons = [person("a", D(2005, 6, 15)), person("b", D(2005, 1, 1))]
    referrals = [
        referral("c", "a", "cyp", D(2021, 1, 1)),
        referral("x", "a", "adult", D(2024, 1, 10)),
    ]
    contacts = [contact("c", D(2023, 1, 1)), contact("x", D(2024, 2, 1))]
    return persons, referrals, contacts


def test_contact_before_birth_names_the_column() -> None:
    persons, referrals, contacts = small()
    referrals.append(referral("early", "a", "cyp", D(2005, 7, 1)))
    contacts.append(contact("early", D(2005, 1, 1)))
    with pytest.raises(cm.CollabMetricsError, match=r"`contacts\.contact_date` at row 2"):
        cm.transition.transfers(*tables(persons, referrals, contacts), data_end="2024-12-31")


def test_discharge_before_receipt_names_the_column() -> None:
    persons, referrals, contacts = small()
    referrals[0]["discharge_date"] = D(2020, 12, 31)
    with pytest.raises(cm.CollabMetricsError, match=r"`referrals\.discharge_date` at row 0"):
        cm.transition.summary(*tables(persons, referrals, contacts), data_end="2024-12-31")


def test_invalid_attendance_is_counted_not_attended() -> None:
    persons, referrals, contacts = small()
    contacts[1]["attendance"] = "9"
    contacts.append(contact("x", D(2024, 2, 2), None))
    t, diagnostics = cm.transition.transfers(
        *tables(persons, referrals, contacts), data_end="2024-12-31", with_diagnostics=True
    )
    assert diagnostic_counts(diagnostics)["invalid_attendance"] == 2
    assert t["days_to_first_adult_contact"].to_pylist() == [None]
    assert t["disengaged"].to_pylist() == [True]


def test_missing_date_of_birth_is_counted() -> None:
    persons, referrals, contacts = small()
    persons[0]["date_of_birth"] = None
    t, diagnostics = cm.transition.transfers(
        *tables(persons, referrals, contacts), data_end="2024-12-31", with_diagnostics=True
    )
    counts = diagnostic_counts(diagnostics)
    assert counts["missing_date_of_birth"] == 1
    assert counts["referral_of_person_without_birth_date"] == 2
    assert t.num_rows == 0


def test_contact_person_must_be_the_referrals_person() -> None:
    persons, referrals, contacts = tables(*small())
    for ids, message in [
        (["a", None], r"`contacts\.person_id` at row 1 \(null\): an identifier is required"),
        (["a", "b"], r"`contacts\.person_id` at row 1 .*is not the person of the contact's"),
        (["a", "zz"], r"`contacts\.person_id` at row 1 .*is not the person of the contact's"),
    ]:
        stated = contacts.append_column("person_id", pa.array(ids, pa.string()))
        with pytest.raises(cm.CollabMetricsError, match=message):
            cm.transition.transfers(persons, referrals, stated, data_end="2024-12-31")
    stated = contacts.append_column("person_id", pa.array(["a", "a"], pa.string()))
    t = cm.transition.transfers(persons, referrals, stated, data_end="2024-12-31")
    assert t.num_rows == 1


def test_a_repeated_contact_id_is_an_error() -> None:
    """One contact given twice would count as two attended contacts (meeting
    ``min_attended_contacts=2``): a repeated ``contact_id`` names the column and row."""
    persons, referrals, contacts = small()
    contacts.append(contact("x", D(2024, 2, 1)))
    p, r, c = tables(persons, referrals, contacts)
    c = c.append_column("contact_id", pa.array([1, 77, 77], pa.int64()))
    with pytest.raises(
        cm.CollabMetricsError,
        match=r"`contacts\.contact_id` at row 2 \(77\): identifiers must be unique; "
        r"first seen at row 1",
    ):
        cm.transition.transfers(p, r, c, data_end="2024-12-31", min_attended_contacts=2)
    unique = c.set_column(3, "contact_id", pa.array([1, 2, 3], pa.int64()))
    t = cm.transition.transfers(p, r, unique, data_end="2024-12-31", min_attended_contacts=2)
    assert t["disengaged"].to_pylist() == [False]


def test_cohort_b_ignores_a_death_after_the_data_end() -> None:
    """A death recorded after the data end is not known at it, in cohort B as in cohort T:
    18 on 2023-06-01, followed to 2024-06-01, past the data end 2024-01-31; died 2024-03-01."""
    persons = [person("b", D(2005, 6, 1), D(2024, 3, 1))]
    referrals = [referral("c", "b", "cyp", D(2019, 1, 1))]
    contacts = [contact("c", D(2022, 12, 1))]
    out = cm.transition.ageing_out(*tables(persons, referrals, contacts), data_end="2024-01-31")
    row = out.to_pylist()[0]
    assert row["class"] == "insufficient_follow_up"
    assert row["days_to_death"] is None


def test_wrong_column_type_names_the_column() -> None:
    persons, referrals, contacts = tables(*small())
    births = persons.set_column(1, "date_of_birth", pa.array([1.5, 2.5]))
    with pytest.raises(cm.CollabMetricsError, match=r"column `persons\.date_of_birth` has type"):
        cm.transition.ageing_out(births, referrals, contacts, data_end="2024-12-31")
    attendance = contacts.set_column(2, "attendance", pa.array([5.0, 5.0]))
    with pytest.raises(cm.CollabMetricsError, match=r"column `contacts\.attendance` has type"):
        cm.transition.transfers(persons, referrals, attendance, data_end="2024-12-31")


def test_bad_options_raise() -> None:
    args = tables(*small())
    with pytest.raises(cm.CollabMetricsError, match="invalid argument `data_end`"):
        cm.transition.transfers(*args, data_end="31/12/2024")
    with pytest.raises(cm.CollabMetricsError, match="invalid argument `dna_codes`"):
        cm.transition.transfers(*args, data_end="2024-12-31", dna_codes=(5,))
    with pytest.raises(cm.CollabMetricsError, match="invalid argument `min_age`"):
        cm.transition.transfers(*args, data_end="2024-12-31", min_age=-1)
    with pytest.raises(cm.CollabMetricsError, match="invalid argument `engagement_days`"):
        cm.transition.transfers(*args, data_end="2024-12-31", engagement_days=1.5)  # type: ignore[call-overload]


# ---------------------------------------------------------------------------------------------
# Frame round trips and the other entry points.


def test_frames_round_trip() -> None:
    persons, referrals, contacts = cohort_b_tables()
    want = cm.transition.ageing_out(persons, referrals, contacts, data_end="2024-12-31")
    polars = cm.transition.ageing_out(
        pl.from_arrow(persons),
        pl.from_arrow(referrals),
        pl.from_arrow(contacts),
        data_end="2024-12-31",
    )
    assert isinstance(polars, pl.DataFrame)
    assert polars["class"].to_list() == want["class"].to_pylist()
    assert polars["index_date"].to_list() == want["index_date"].to_pylist()
    pandas = cm.transition.ageing_out(
        persons.to_pandas(), referrals.to_pandas(), contacts.to_pandas(), data_end="2024-12-31"
    )
    assert isinstance(pandas, pd.DataFrame)
    assert pandas["class"].tolist() == want["class"].to_pylist()
    s = cm.transition.summary(
        pl.from_arrow(persons), referrals, contacts, data_end="2024-12-31", by=[]
    )
    assert isinstance(s, pl.DataFrame)
    curve = cm.transition.time_to_contact(pl.from_arrow(want))
    assert isinstance(curve, pl.DataFrame)
    assert curve.columns == [
        "time",
        "at_risk",
        "events",
        "deaths",
        "censored",
        "estimate",
        "lower",
        "upper",
        "confidence",
        "method",
    ]


def test_service_lines_and_column_mapping() -> None:
    persons, referrals, contacts = cohort_b_tables()
    renamed = persons.rename_columns(["person_id", "dob", "dod"])
    lines = cm.transition.service_lines(
        renamed,
        referrals,
        contacts,
        data_end="2024-12-31",
        columns={"date_of_birth": "dob", "date_of_death": "dod"},
    )
    got = dict(zip(lines["referral_id"].to_pylist(), lines["service_line"].to_pylist()))
    assert got["plan-x"] == "adult_crisis"
    assert got["eng-a"] == "adult"
    assert got["eng-c"] == "cyp"
    assert set(lines["rule"].to_pylist()) == {"service_line"}


def test_cohort_b_class_shares_are_of_the_members_followed_a_full_year() -> None:
    # As the summary's docstring says: the classes of the members followed for a year add up
    # to 1 in every group; insufficient follow-up is a share of every member.
    t = cm.demo.tables()
    s = cm.transition.summary(
        t["persons"], t["referrals"], t["contacts"], data_end="2024-03-31", by="place"
    ).to_pandas()
    classes = s[
        s["metric"].str.startswith("B_")
        & s["metric"].isin([f"B_{c}" for c in cm.transition.CLASSES])
    ]
    for (_, _), g in classes.groupby(["breakdown", "group"]):
        followed = g[g["metric"] != "B_insufficient_follow_up"]
        short = g[g["metric"] == "B_insufficient_follow_up"].iloc[0]
        assert followed["numerator"].sum() == followed["denominator"].iloc[0]
        assert (followed["denominator"] == followed["denominator"].iloc[0]).all()
        assert short["denominator"] == followed["denominator"].iloc[0] + short["numerator"]
        if followed["denominator"].iloc[0] > 0:  # else every share is null
            assert math.isclose(followed["value"].sum(), 1.0)


def test_a_column_mapping_that_matches_nothing_is_an_error() -> None:
    # A misspelt optional column would be left out and change cohort T: P6's rejection.
    persons, referrals, contacts = cohort_t_frames()
    referrals = referrals.rename(columns={"rejection_date": "RejDate"})
    kept = cm.transition.transfers(
        persons,
        referrals,
        contacts,
        data_end=D(2024, 12, 31),
        columns={"rejection_date": "RejDate"},
    )
    assert "P6" not in set(kept["person_id"])
    with pytest.raises(cm.MissingColumnError, match="RejDat"):
        cm.transition.transfers(
            persons,
            referrals,
            contacts,
            data_end=D(2024, 12, 31),
            columns={"rejection_date": "RejDat"},
        )
    for ours in ["rejection_dat", "referrals.rejection_date"]:
        with pytest.raises(cm.InvalidArgumentError, match="names no column this call reads"):
            cm.transition.transfers(
                persons, referrals, contacts, data_end=D(2024, 12, 31), columns={ours: "RejDate"}
            )


def test_a_summary_by_a_column_of_a_value_per_person_is_refused_within_the_memory_limit() -> None:
    """About 25 summary rows per group, each about 400 bytes as the table is built: a ``by``
    of 400 000 distinct places (10 million rows) is past the 4 GiB working-memory limit and
    refused, naming ``by``; 1.2 million such groups used to abort the process."""
    n = 400_000
    persons = pa.table(
        {
            "person_id": [f"P{i}" for i in range(n)],
            "date_of_birth": pa.array([D(2005, 6, 15)] * n),
            "place": [f"L{i}" for i in range(n)],
        }
    )
    referrals = pa.Table.from_pylist([], schema=REFERRALS)
    contacts = pa.Table.from_pylist([], schema=CONTACTS)
    with pytest.raises(cm.LimitExceededError, match=r"`by`.*summary's rows"):
        cm.transition.summary(persons, referrals, contacts, data_end="2024-12-31", by="place")
    # A breakdown of a few places is fine.
    few = persons.slice(0, 1000)
    s = cm.transition.summary(few, referrals, contacts, data_end="2024-12-31", by="place")
    assert s.num_rows > 0
