"""Disclosure control: publishable tables of patient counts.

Every number is computed by the Rust core (``collabmetrics::disclosure``); see
``docs/methods/disclosure.md`` in the repository for the rules, the hypercube method and the
audit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Union

import numpy as np
import pyarrow as pa

from . import _native
from ._frames import Frame, flag, from_arrow, group_names, optional, to_arrow, whole

__all__ = ["Rule", "disclose", "publish_table"]

#: A rule: ``"nhs_mhsds"``, ``"nhs_hes"``, ``"none"``, ``"custom(k=5, suppress_zero=false,
#: base=1)"`` or the mapping ``{"k": 5, "suppress_zero": False, "base": 1}`` (optionally
#: ``"national_exempt": False`` to control national rows too).
Rule = Union[str, Mapping[str, Any]]

_D = _native.defaults("disclosure")
DEFAULT_RULE: str = _D["rule"]
DEFAULT_SECONDARY: str = _D["secondary"]
DEFAULT_SUPPRESS_ON: str = _D["suppress_on"]
DEFAULT_DISPLAY: str = _D["display"]


def _plain(x: object) -> object:
    """A numpy scalar in a rule or derived mapping as the Python number or bool it holds
    (``json`` knows only Python's)."""
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"{type(x).__name__} {x!r} is not a number, text or a bool")


def _json(value: object, name: str) -> str:
    try:
        # No NaN or infinity: JSON has none, and the core would read "Infinity" as a syntax
        # error at a column of this text rather than name the option.
        return json.dumps(value, default=_plain, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise _native.invalid_argument(name, str(e)) from e


def _rule_text(rule: Rule) -> str:
    if isinstance(rule, str):
        return rule
    if isinstance(rule, Mapping):
        return _json(dict(rule), "rule")
    raise _native.invalid_argument(
        "rule", f"must be a rule's name or a mapping, got {type(rule).__name__} {rule!r}"
    )


def _derived_json(derived: Mapping[str, Mapping[str, Any]] | None) -> str | None:
    if derived is None:
        return None
    if not isinstance(derived, Mapping) or not all(
        isinstance(spec, Mapping) for spec in derived.values()
    ):
        raise _native.invalid_argument(
            "derived", "must map a column to {numerator, denominator, kind}"
        )
    return _json([{"column": column, **dict(spec)} for column, spec in derived.items()], "derived")


def _native_disclose(
    table: pa.Table,
    rule: Rule,
    counts: Sequence[str] | None = None,
    derived: Mapping[str, Mapping[str, Any]] | None = None,
    dimensions: str | Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    national: str | None = None,
    secondary: str = DEFAULT_SECONDARY,
    suppress_on: str = DEFAULT_SUPPRESS_ON,
    display: str = DEFAULT_DISPLAY,
    decimals: int | None = None,
    with_log: bool = False,
) -> tuple[pa.Table, pa.Table | None]:
    published, log = _native.disclose(
        table,
        _rule_text(rule),
        None if counts is None else group_names(counts),
        _derived_json(derived),
        None if dimensions is None else group_names(dimensions),
        None if by is None else group_names(by),
        national,
        secondary,
        suppress_on,
        display,
        optional(whole, decimals, "decimals"),
        with_log,
    )
    return published, log


def disclose(
    frame: Frame,
    *,
    counts: str | Sequence[str] | None = None,
    rule: Rule = DEFAULT_RULE,
    derived: Mapping[str, Mapping[str, Any]] | None = None,
    dimensions: str | Sequence[str] | None = None,
    national: str | None = None,
    secondary: str = DEFAULT_SECONDARY,
    suppress_on: str = DEFAULT_SUPPRESS_ON,
    display: str = DEFAULT_DISPLAY,
    by: str | Sequence[str] | None = None,
    decimals: int | None = None,
    with_log: bool = False,
) -> Any:
    """The frame made publishable: small counts suppressed, the others rounded.

    Under ``rule="nhs_mhsds"`` (NHS England's MHSDS publications, the default) every
    sub-national count below 5 (zero included) is suppressed and the others are rounded to the
    nearest 5; ``"nhs_hes"`` suppresses 1–7 and shows 0; ``"none"`` changes nothing; a custom
    rule ``{"k": 5, "suppress_zero": False, "base": 1}`` suppresses counts below ``k`` and
    rounds to ``base``. Rows where ``national`` is true are published unchanged (unless a
    custom rule says ``"national_exempt": False``). Suppressed
    cells are null (with ``display="5"``, codonPython's central value 5, which is refused
    under a rule that also publishes some count as 5, as ``nhs_mhsds`` rounds 5–7 to 5: use
    it with ``rule="nhs_hes"``).

    With ``dimensions`` (the key columns of a one- or two-way table), the margins (rows where a
    key is null) are added when absent, checked when given, and published from unrounded parts.
    Under a rule that does not round, cells that would let a suppressed one be recovered from
    the margins are suppressed too (``secondary="auto"``, the hypercube method), and every
    suppressed cell is audited: the call fails, naming the cell, if an attacker solving the
    table's linear programmes could narrow a small count. ``by`` names key columns that split
    the frame into separate tables (e.g. the period).

    Derived values (``{"pct": {"numerator": "n", "denominator": "d", "kind": "percent"}}``,
    kinds ``percent``, ``proportion``, ``rate``, ``ratio``, ``mean``; optional
    ``multiplier``, ``decimals``, ``min_denominator``) are computed from unrounded counts when
    the frame lacks them, suppressed with their numerator (and, with ``suppress_on="either"``,
    their denominator) and rounded (percentages to whole numbers under the NHS rules, an exact
    half away from zero; ``nhs_hes`` leaves confidence limits unrounded).

    collabmetrics' own results say which columns are counts and what derives from them, so
    ``counts`` and ``derived`` are only needed for other frames.

    Args:
        frame: any frame (pyarrow, pandas, polars); the same kind comes back (a pandas
            result has a fresh index 0, 1, …: margin rows may be added).
        counts: the count columns (default: as the result's roles say).
        with_log: also return the log: one row per changed cell with ``row``, ``column``,
            ``original``, ``published``, ``reason`` and, for suppressed counts, the audit's
            interval ``audit_lower``, ``audit_upper``. It holds the original values: never
            publish it.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"place": ["A", "B", "C"], "n": [3, 12, 26]})
        >>> out = cm.disclose(t, counts=["n"], dimensions=["place"])
        >>> out.column("n").to_pylist()  # the total 41 → 40, from the unrounded parts
        [None, 10, 25, 40]
        >>> out, log = cm.disclose(t, counts="n", rule={"k": 5, "base": 1},
        ...                        dimensions="place", with_log=True)
        >>> out.column("n").to_pylist()  # 3 is hidden by its smallest complement, 12
        [None, None, 26, 41]
        >>> log.column("reason").to_pylist()
        ['primary_small', 'secondary_complement']
    """
    with_log = flag(with_log, "with_log")  # before the work, not after it
    table, kind = to_arrow(frame)
    published, log = _native_disclose(
        table,
        rule,
        counts=None if counts is None else group_names(counts),
        derived=derived,
        dimensions=dimensions,
        by=by,
        national=national,
        secondary=secondary,
        suppress_on=suppress_on,
        display=display,
        decimals=decimals,
        with_log=with_log,
    )
    result = from_arrow(published, kind, (frame,))
    return (result, from_arrow(log, kind, (frame,))) if log is not None else result


def publish_table(table: pa.Table, publish: bool | Rule | None) -> pa.Table:
    """A result table published under ``publish`` (``True``: the default rule; ``None`` or
    ``False``: unchanged), as the ``publish=`` argument of the table functions does: the
    rule with the table's roles, and, in a table that also publishes a sum of its rows (a
    Total or ``all`` row), without the rates, shares and their limits, which computed from
    unrounded counts would give a suppressed count back by difference (as ``--publish``;
    :func:`disclose` keeps them)."""
    if publish is None:
        return table
    if isinstance(publish, (bool, np.bool_)):
        if not publish:
            return table
        return _native.publish(table, _rule_text(DEFAULT_RULE))
    if not isinstance(publish, (str, Mapping)):
        raise _native.invalid_argument(
            "publish",
            f"expected True, False, a rule's name or a mapping, got {type(publish).__name__} "
            f"{publish!r}",
        )
    return _native.publish(table, _rule_text(publish))
