"""Transition from children's to adult mental health services for the demo collaborative.

Prints the headline disengagement (cohort T, T1 at 90 days) by IMD decile, how the young
people who reached 18 fared a year later (cohort B), the time-to-contact curve at a few days,
and what was excluded or repaired on the way in.

Run with ``python examples/transition_report.py`` after ``maturin develop``. The data are
SYNTHETIC (collabmetrics' seeded demo generator): no real patients or services.
"""

from __future__ import annotations

import bisect

import pyarrow as pa
import pyarrow.compute as pc

import collabmetrics as cm


def main() -> pa.Table:
    tables = cm.demo.tables(seed=2026)
    inputs = (tables["persons"], tables["referrals"], tables["contacts"])
    summary, diagnostics = cm.transition.summary(
        *inputs, data_end="2024-03-31", by="imd_decile", with_diagnostics=True
    )
    columns = ["metric", "group", "numerator", "denominator", "value", "lower", "upper"]

    def show(metric: pa.Array, breakdown: str) -> None:
        rows = summary.filter(
            pc.and_(pc.is_in(summary["metric"], metric), pc.equal(summary["breakdown"], breakdown))
        )
        print(rows.select(columns).to_pandas().round(3).to_string(index=False))

    print("Cohort T: disengaged within 90 days of the adult referral, by IMD decile")
    show(pa.array(["T1_disengaged_90d"]), "imd_decile")
    print("\nCohort B: a year after the 18th birthday")
    show(pa.array([f"B_{c}" for c in cm.transition.CLASSES]), "all")

    transfers = cm.transition.transfers(*inputs, data_end="2024-03-31")
    curve = cm.transition.time_to_contact(transfers)
    times = curve["time"].to_pylist()
    print("\nShare still without an attended adult contact (Kaplan-Meier, 95% interval)")
    for day in (7, 30, 90, 183, 365):
        row = bisect.bisect_right(times, day) - 1  # the curve is a step function
        estimate, lower, upper = (curve[c][row].as_py() for c in ["estimate", "lower", "upper"])
        print(f"  day {day:>3}: {estimate:.3f} ({lower:.3f} to {upper:.3f})")
    for d in diagnostics:
        print(f"note: {d['count']} × {d['reason']}: {d['action']}")
    return summary


if __name__ == "__main__":
    main()
