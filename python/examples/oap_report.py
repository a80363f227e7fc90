"""Out-of-area placements for the demo collaborative: the headline and the distance summary.

Run with ``python examples/oap_report.py`` after ``maturin develop``. The data are SYNTHETIC
(collabmetrics' seeded demo generator): no real patients or services.
"""

from __future__ import annotations

import pyarrow as pa

import collabmetrics as cm


def main() -> pa.Table:
    tables = cm.demo.tables(seed=2026)
    placements = tables["placements"]
    km = cm.distance.bng(
        placements.column("home_easting"),
        placements.column("home_northing"),
        placements.column("unit_easting"),
        placements.column("unit_northing"),
    )
    placements = placements.append_column("distance_km", pa.array(km))
    population = (
        tables["areas"]
        .group_by("place")
        .aggregate([("population", "sum")])
        .rename_columns(["place", "population"])
    )
    report, diagnostics = cm.oap.measures(
        placements,
        start="2023-04-01",
        end="2024-03-31",
        window="rolling_3m",
        by="place",
        population=population,
        admissions=tables["admissions"],
        data_cutoff="2024-03-31",
        distance="distance_km",
        with_diagnostics=True,
    )
    columns = [
        "place",
        "period_end",
        "bed_days",
        "rate_started",
        "proportion_started",
        "distance_median",
    ]
    print(report.select(columns).slice(report.num_rows - 4).to_pandas().to_string(index=False))
    for d in diagnostics:
        print(f"note: {d['count']} × {d['reason']}: {d['action']}")
    return report


if __name__ == "__main__":
    main()
