"""collabmetrics on Spark DataFrames (``pip install collabmetrics[spark]``, pyspark ≥ 3.2).

``import collabmetrics.spark as cms``, then ``cms.oap.measures(df, start=..., end=...)``,
``cms.transition.summary(persons, referrals, contacts, data_end=...)``,
``cms.distance.summary(df)``, ``cms.dsr(df)``, ``cms.isr(df)``, ``cms.mean(df)`` or
``cms.inequality.individual(df)``: the same arguments as the one-machine functions, and the
same result, bit for bit (its groups ordered by their keys).

How: each partition's rows become a mergeable state (:mod:`collabmetrics.state`) in the
Spark workers, the states are merged by Spark's own ``groupBy().agg(sum, max)``, and the
merged state, one row per key, is finished on the driver by the same Rust core. People's
records stay together (the OAP placements and every transition table are bucketed by a hash
of the person; contacts by their referral's person); other tables are read partition by
partition. Every function returns ``(result, diagnostics)``: a Spark DataFrame of the result
(a pyarrow Table with ``collect=True``) and one of the diagnostics with one row per flagged
record: ``table`` (the input table: ``placements``, ``admissions``, ``persons``,
``referrals``, ``contacts``, ``care_plans`` or ``data``), ``record_id`` (text: the record's
identifier, see ``record_id``), ``reason`` and ``action``. Notes about no one record (a group
without a population) have neither a table nor a record id. The counts of the one-machine
diagnostics are ``diagnostics.groupBy("reason", "action").count()``. The records are listed
in the partitions that build the states, from the same read of the data. A missing or
mistyped column is the core's error before any Spark job runs.

Options common to every function: ``columns`` (our column names to yours), ``buckets``
(buckets of people; default ``spark.sql.shuffle.partitions``), ``udf`` (``"auto"``: Arrow
UDFs where Spark has them, ``"arrow"`` or ``"pandas"`` to force), ``collect``, and
``record_id`` (input table → the column whose value is a flagged record's ``record_id``; by
default each table's identifier: ``placement_id``, ``admission_id``, ``person_id``,
``referral_id``, ``contact_id``, renamed by ``columns``; a table without one, such as the
care plans, names each record by its values, as strict JSON: a NaN or infinite number is
the text ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``).

The Spark workers need collabmetrics installed (on Databricks: install the wheel as a
cluster library) and, outside a cluster, ``PYSPARK_PYTHON`` pointing at the interpreter
that has it.
"""

from . import distance, inequality, oap, transition
from .stats import dsr, isr, mean

__all__ = ["distance", "dsr", "inequality", "isr", "mean", "oap", "transition"]
