"""collabmetrics on Spark DataFrames (``pip install collabmetrics[spark]``, pyspark ≥ 3.2).

``import collabmetrics.spark as cms``, then ``cms.oap.measures(df, start=..., end=...)``,
``cms.transition.summary(persons, referrals, contacts, data_end=...)``,
``cms.distance.summary(df)``, ``cms.dsr(df)``, ``cms.isr(df)``, ``cms.mean(df)`` or
``cms.inequality.individual(df)``: the one-machine functions' arguments (but for those
below), and the same result, bit for bit (its groups ordered by their keys).

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

Options of every function: ``buckets`` (buckets of people; default
``spark.sql.shuffle.partitions``), ``udf`` (``"auto"``: Arrow UDFs where Spark has them,
``"arrow"`` or ``"pandas"`` to force), ``collect``, and ``record_id`` (input table → the
column whose value is a flagged record's ``record_id``; by default each table's identifier:
``placement_id``, ``admission_id``, ``person_id``, ``referral_id``, ``contact_id``, renamed
by ``columns``; a table without one, such as the care plans, names each record by its
values, as strict JSON: a NaN or infinite number is the text ``"NaN"``, ``"Infinity"`` or
``"-Infinity"``).

What differs from the one-machine functions:

* ``columns`` (our column names to yours) is an argument of ``cms.oap.measures``,
  ``cms.transition.summary`` and ``cms.transition.time_to_contact``, as of their one-machine
  functions; ``cms.distance.summary``, ``cms.dsr``, ``cms.isr``, ``cms.mean`` and
  ``cms.inequality.individual`` name their columns with their own options (``distance=``,
  ``count=``, ``value=``, …), as on one machine.
* No ``publish=``: publish the collected result with :func:`collabmetrics.disclose`
  (``cm.disclose(result)`` is ``publish=True``; ``rule=`` for another rule). No
  ``with_diagnostics=``: every function returns ``(result, diagnostics)``.
* ``cms.dsr``, ``cms.isr`` and ``cms.mean`` take one confidence level (a state carries one):
  call once per level.
* Identifiers: with ``check_unique`` (the default) one Spark job per table checks that no
  ``placement_id`` (OAP), ``referral_id`` or ``contact_id`` (transition) appears twice or is
  missing, across buckets; the error is the one-machine ``InvalidCellError`` without a row
  (a Spark DataFrame's rows have no numbers; the message says how often the value appears).
* A core error raised in a Spark worker (a bad cell, a bad group) reaches the caller as its
  own class and attributes, not pyspark's ``PythonException``; the row the core counted is
  the partition's, so ``row`` is None and the message and ``record_id`` name the record
  instead (as the diagnostics do: its identifier, or its values as JSON).
* A ``TimestampType`` column (an instant) is read as its date and time in the session's time
  zone, ``spark.sql.session.timeZone``, so a date column given as timestamps is cut to the
  dates Spark's own ``to_date`` gives (set the session time zone to the data's, e.g.
  ``Europe/London``, for local dates); a ``TimestampNTZType`` is read as it is.

The Spark workers need collabmetrics installed (on Databricks: install the wheel as a
cluster library) and, outside a cluster, ``PYSPARK_PYTHON`` pointing at the interpreter
that has it.
"""

from . import distance, inequality, oap, transition
from .stats import dsr, isr, mean

__all__ = ["distance", "dsr", "inequality", "isr", "mean", "oap", "transition"]
