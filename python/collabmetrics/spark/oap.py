"""OAP measures of a Spark DataFrame of placements (see :mod:`collabmetrics.spark`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import oap as _oap
from ._engine import Input, run, unique


def measures(
    placements: Any,
    *,
    start: Any,
    end: Any,
    admissions: Any | None = None,
    population: Any | None = None,
    columns: Mapping[str, str] | None = None,
    buckets: int | None = None,
    udf: str = "auto",
    collect: bool = False,
    check_unique: bool = True,
    record_id: Mapping[str, str] | None = None,
    **options: Any,
) -> tuple[Any, Any]:
    """:func:`collabmetrics.oap.measures` on Spark: ``placements`` and ``admissions`` are
    Spark DataFrames, ``population`` a small table (a Spark DataFrame is collected; any frame
    collabmetrics reads). The other keyword arguments are :func:`collabmetrics.oap.measures`'
    (``window``, ``by``, ``bed_types``, ``distance``, …).

    Placements are bucketed by ``person_id`` (the overlap rule compares a person's
    placements); admissions, which may have no person, are read partition by partition, so
    a group with admissions and no placements keeps its rows. With ``check_unique`` (the
    default) one Spark job first checks that no ``placement_id`` appears twice or is
    missing (the one-machine ``InvalidCellError``, without a row number; within a bucket
    the core checks it anyway).

    A flagged placement's ``record_id`` is its ``placement_id``, an admission's its
    ``admission_id`` when the admissions have one (it is not required): another column with
    ``record_id={"admissions": "..."}``, and without one each record is named by its values,
    as JSON.

    Returns:
        ``(result, diagnostics)``: the measures (a Spark DataFrame, or a pyarrow Table with
        ``collect=True``), and the ``diagnostics``, one row per flagged record (``table``, ``record_id``, ``reason``,
        ``action``; see :mod:`collabmetrics.spark`).
    """
    cols = dict(columns or {})
    opts = _oap.options(start=start, end=end, **options)
    person = cols.get("person_id", "person_id")
    inputs = [Input(placements, route=person), None if admissions is None else Input(admissions)]
    finish: dict[str, Any] = {"population": None, "columns": cols}

    def checks() -> None:
        # After the column checks (no Spark job before them): a Spark population collected.
        pop = population
        if pop is not None and hasattr(pop, "toArrow"):
            pop = pop.toArrow()
        elif pop is not None and hasattr(pop, "toPandas"):
            pop = pop.toPandas()
        finish["population"] = pop
        if check_unique and placements is not None:
            pid = cols.get("placement_id", "placement_id")
            if pid in placements.columns:
                # The one-machine error's words: OAP's columns are not qualified by table.
                unique(placements, pid, None, "duplicate identifier", "identifiers are required")

    return run(
        "oap",
        inputs,
        opts,
        columns=cols,
        buckets=buckets,
        udf=udf,
        collect_result=collect,
        finalize=finish,
        before=checks,
        record_id=record_id,
    )
