"""Inequality across population groups and across individuals.

Two kinds of input (``docs/methods/inequality.md`` in the repository):

* **grouped**: one row per subgroup (an IMD decile, an ethnic group, a place) with its estimate,
  standard error or limits, population and, on an ordered dimension, its order (1 = most
  disadvantaged). :func:`measures` computes the WHO HEAT set (D, R, SII, RII, ACI, RCI, BGV,
  BGSD, COV, MDB, MDM, MDR, IDIS, TI, MLD, PAF, PAR) with PHE's slope index of inequality;
  :func:`sii` is its shortcut for the SII and RII.
* **individual**: one value per person or area with optional weights: :func:`gini`,
  :func:`theil`, :func:`mld`, :func:`atkinson`, :func:`ge`, :func:`share_ratio`,
  :func:`concentration_index`, the :func:`lorenz` curve, and :func:`decompose`, which
  splits Theil T, MLD and GE(α) into within- and between-group parts. The first six give a
  percentile bootstrap interval with ``interval=True``.

Every number is computed by the Rust core, and every default below is the core's; simulated
and bootstrap intervals take a ``seed`` (default fixed) and do not depend on the number of
threads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, Union, overload

import numpy as np
import pyarrow as pa

from . import _native
from ._frames import (
    Frame,
    Numbers,
    finite,
    flag,
    from_arrow,
    group_names,
    levels,
    number,
    optional,
    same_length,
    to_arrow,
)
from ._frames import (
    with_diagnostics as _with_diagnostics,
)
from ._progress import _checked, part, reporter
from .display import Decomposition

__all__ = [
    "DEFAULT_SEED",
    "MEASURES",
    "atkinson",
    "concentration_index",
    "decompose",
    "ge",
    "gini",
    "individual",
    "lorenz",
    "measures",
    "mld",
    "share_ratio",
    "sii",
    "state",
    "theil",
]

# The core's defaults.
_M = _native.defaults("inequality_measures")
_COUNTS = _native.defaults("inequality_counts")
_IND = _native.defaults("inequality_individual")
_BOOT = _native.defaults("inequality_bootstrap")
_TABLE = _native.defaults("inequality_individual_table")

#: The default seed of every simulation and bootstrap (the core's).
DEFAULT_SEED: int = _M["seed"]

#: The grouped measures' codes, in the order of docs/methods/inequality.md (the core's name
#: table).
MEASURES: tuple[str, ...] = tuple(_native.INEQUALITY_MEASURES)

#: An index, or with ``interval=True`` the index with its bootstrap limits (value, lower, upper).
Index = Union[float, tuple[float, float, float]]


def measures(
    frame: Frame,
    *,
    group: str = _M["subgroup"],
    population: str = _M["population"],
    value: str = _M["value"],
    se: str | None = _M["se"],
    lower: str | None = _M["lower"],
    upper: str | None = _M["upper"],
    order: str | None = _M["order"],
    by: str | Sequence[str] | None = None,
    favourable: Literal["high", "low"] | None = _M["favourable"],
    measures: str | Sequence[str] | None = _M["measures"],
    reference: str | None = _M["reference"],
    scale: float | None = _M["scale"],
    setting_average: float | None = _M["setting_average"],
    rci_method: Literal["raw", "wagstaff", "erreygers"] = _M["rci_method"],
    sii_model: Literal["linear", "logistic"] = _M["sii_model"],
    value_type: Literal["other", "rate", "proportion"] = _M["value_type"],
    transform: bool = _M["transform"],
    confidence: float | Sequence[float] = _M["confidence"],
    reps: int = _M["reps"],
    seed: int = _M["seed"],
    numerator: str | None = None,
    denominator: str | None = None,
    count_kind: Literal["proportion", "rate"] = _COUNTS["kind"],
    count_multiplier: float | None = _COUNTS["multiplier"],
    multiplier: float = _M["multiplier"],
    with_diagnostics: bool = False,
    progress: bool = False,
) -> Any:
    """Summary measures of inequality across subgroups, per by-group.

    One row per (by-group, measure): the ``by`` columns, then ``measure`` (its code, see
    :data:`MEASURES`), ``value``, ``lower``, ``upper`` (null without an interval),
    ``confidence`` and ``method`` (``"analytic"``, ``"simulation"`` or ``"none"``). Intervals
    are analytic where the literature gives one, else simulated with ``reps`` draws from
    ``seed``; a measure that needs standard errors has no interval without ``se``.

    Args:
        frame: one row per subgroup (per by-group); any frame, returned as the same kind.
        group: the subgroup label column (unique within a by-group; default ``"subgroup"``).
        population: the subgroup population column (> 0; default ``"population"``).
        value: the estimate column (or give ``numerator`` and ``denominator``).
        numerator, denominator: count columns to start from instead of ``value``: each
            subgroup's estimate and 95% limits are then computed by the statistics module, as
            a proportion (Wilson, ``count_kind="proportion"``, ``count_multiplier`` default 100:
            a percentage) or a rate (Byar/exact, ``"rate"``, default per 100 000).
        se: standard error column (nulls allowed: that subgroup has none).
        lower, upper: confidence limit columns (turned into standard errors for PHE's SII
            when ``se`` is absent).
        order: the order column of an ordered dimension (1 = most disadvantaged); ``None``
            for a non-ordered dimension.
        by: columns whose combinations each hold one subgroup table (indicator, area, period).
        favourable: ``"low"`` when lower values are better (OAP rates, disengagement),
            ``"high"`` when higher are (engagement); fixes the best and reference subgroups.
            It has no default, since it depends on the indicator: D and R on an ordered
            dimension or against a ``reference``, MDBU, MDBW, PAF and PAR are an
            ``InvalidArgumentError`` naming ``favourable`` without it (the other measures do
            not use it).
        measures: codes to compute (e.g. ``["D", "R", "SII"]``); ``None``: every measure that
            applies to the dimension but ``RII_MEAN`` (the Kunst–Mackenbach RII, on request
            only). One that does not apply is an error naming it.
        reference: label of a reference subgroup (MDR; D, R, PAF, PAR when given).
        scale: the indicator's unit (1, 100, 1000, 100 000); inferred when ``None``.
        setting_average: replaces the population-weighted mean (e.g. a national value).
        rci_method: ``"raw"``, or the ``"wagstaff"`` / ``"erreygers"`` bounded forms.
        sii_model: ``"linear"`` (PHE's ``phe_sii``, as Fingertips publishes) or
            ``"logistic"`` (WHO HEAT's binomial model).
        value_type: PHE's indicator type for the linear SII's simulation: ``"other"``,
            ``"rate"`` (drawn on the log scale) or ``"proportion"`` (logit scale).
        transform: PHE's ``transform = TRUE``: fit the SII on the log or logit scale.
        confidence: a level in (0, 1), or several (rows are stacked per level).
        reps: simulation repetitions (at least 100; 0: no simulated intervals).
        seed: simulation seed.
        multiplier: PHE's multiplier of the linear SII and its limits (default 1).
        with_diagnostics: return ``(result, diagnostics(result))``; the result carries its
            diagnostics (rows without a population, rows without a standard error) anyway
            (:func:`collabmetrics.diagnostics`).
        progress: show a progress bar (tqdm when installed) counting the measures of every
            by-group; nothing is printed otherwise. Ctrl-C stops the computation either way
            (``KeyboardInterrupt`` within a fraction of a second).

    On a non-ordered dimension up to 15 % of the subgroups may lack a population when a
    ``setting_average`` is given: they weigh nothing in the weighted measures and count in
    the unweighted ones.

    Raises:
        InvalidGroupError: fewer subgroups than a measure needs, a duplicate label, a missing
            or non-positive population, a missing order on an ordered dimension; the message
            and ``group`` name the by-group and subgroup.
        InvalidArgumentError: an unknown measure or option name, ``reps`` below 100, no
            ``favourable`` for a measure that needs it.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"ethnicity": ["A", "B", "C"], "rate": [10.0, 20.0, 30.0],
        ...               "pop": [100, 100, 100]})
        >>> r = cm.inequality.measures(t, group="ethnicity", value="rate", population="pop",
        ...                            measures=["D", "R", "BGV"])
        >>> r.column("measure").to_pylist()
        ['D', 'R', 'BGV']
        >>> r.column("value").to_pylist()  # 30 − 10, 30 / 10, ((−10)² + 0² + 10²) / 3
        [20.0, 3.0, 66.666...]
    """
    table, kind = to_arrow(frame)
    chosen = (
        None if measures is None else ([measures] if isinstance(measures, str) else list(measures))
    )
    keys = group_names(by)
    counts = _counts(numerator, denominator, count_kind, count_multiplier)
    cs = levels(confidence)
    with reporter(progress, "inequality measures") as report:
        tables = [
            _native.inequality_measures_table(
                table,
                keys,
                group,
                value,
                se,
                lower,
                upper,
                population,
                order,
                chosen,
                favourable,
                reference,
                optional(number, scale, "scale"),
                optional(number, setting_average, "setting_average"),
                rci_method,
                sii_model,
                value_type,
                transform,
                c,
                reps,
                seed,
                counts,
                number(multiplier, "multiplier"),
                part(report, k, len(cs)),
            )
            for k, c in enumerate(cs)
        ]
    out = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    return _with_diagnostics(from_arrow(out, kind, (frame,)), with_diagnostics)


def _counts(
    numerator: str | None,
    denominator: str | None,
    kind: str,
    multiplier: float | None,
) -> tuple[str, str, str, float | None] | None:
    """The counts argument of the native call (None when an estimate column is used); a
    multiplier of None is the kind's own, chosen by the core."""
    if numerator is None and denominator is None:
        return None
    if numerator is None or denominator is None:
        raise _native.invalid_argument(
            "numerator", "give both `numerator` and `denominator`, or neither"
        )
    return (
        numerator,
        denominator,
        kind,
        optional(number, multiplier, "count_multiplier"),
    )


def sii(
    frame: Frame,
    *,
    order: str,
    group: str = _M["subgroup"],
    population: str = _M["population"],
    value: str = _M["value"],
    se: str | None = _M["se"],
    lower: str | None = _M["lower"],
    upper: str | None = _M["upper"],
    by: str | Sequence[str] | None = None,
    value_type: Literal["other", "rate", "proportion"] = _M["value_type"],
    transform: bool = _M["transform"],
    rii_mean: bool = False,
    confidence: float | Sequence[float] = _M["confidence"],
    reps: int = _M["reps"],
    seed: int = _M["seed"],
    multiplier: float = _M["multiplier"],
    numerator: str | None = None,
    denominator: str | None = None,
    count_kind: Literal["proportion", "rate"] = _COUNTS["kind"],
    count_multiplier: float | None = _COUNTS["multiplier"],
    with_diagnostics: bool = False,
    progress: bool = False,
) -> Any:
    """PHE's slope and relative indices of inequality (``phe_sii``), per by-group.

    :func:`measures` with ``measures=["SII", "RII"]`` (and ``"RII_MEAN"``, the
    Kunst–Mackenbach SII / mean, with ``rii_mean=True``) on an ordered dimension: the
    weighted least-squares line of the estimates on the subgroups' ridits (weights =
    population shares), SII = fitted(1) − fitted(0), RII = fitted(1) / fitted(0), with
    PHE's simulated limits (``reps`` draws, on the log scale for ``value_type="rate"`` and the
    logit scale for ``"proportion"``; subgroup standard errors from ``se`` or from the
    95 % ``lower``/``upper`` limits). ``multiplier`` is PHE's: it scales the SII and its
    limits (e.g. 100 for a percentage given as a proportion); a negative one reverses the
    direction and inverts the RII. ``RII_MEAN`` has simulated limits too (each replicate's
    SII over its own weighted mean). With ``numerator`` and ``denominator`` (e.g. a
    transition summary's counts) each subgroup's value and limits come from the counts, as in
    :func:`measures`.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"decile": [1, 2, 3, 4], "value": [40.0, 30.0, 20.0, 10.0],
        ...               "population": [1, 1, 1, 1]})
        >>> r = cm.inequality.sii(t, group="decile", order="decile", population="population",
        ...                       reps=0)
        >>> [round(v, 9) for v in r.column("value").to_pylist()]  # line 45 − 40 x
        [-40.0, 0.111111111]
    """
    chosen = ["SII", "RII", "RII_MEAN"] if flag(rii_mean, "rii_mean") else ["SII", "RII"]
    return measures(
        frame,
        group=group,
        population=population,
        value=value,
        se=se,
        lower=lower,
        upper=upper,
        order=order,
        by=by,
        measures=chosen,
        value_type=value_type,
        transform=transform,
        confidence=confidence,
        reps=reps,
        seed=seed,
        multiplier=multiplier,
        numerator=numerator,
        denominator=denominator,
        count_kind=count_kind,
        count_multiplier=count_multiplier,
        with_diagnostics=with_diagnostics,
        progress=progress,
    )


_table = same_length

#: The argument holding each parametrised index's parameter.
_PARAMETERS = {"atkinson": "epsilon", "ge": "alpha", "share_ratio": "share"}


def _index(
    measure: str,
    values: Numbers,
    weights: Numbers | None,
    parameter: float | None,
    interval: bool,
    reps: int,
    confidence: float,
    seed: int,
    corrected: bool = False,
    progress: bool = False,
) -> Index:
    table = _table(values=values, weights=weights)
    _checked(progress)
    corrected = flag(corrected, "corrected")
    if parameter is not None:
        parameter = number(parameter, _PARAMETERS[measure])
    if not flag(interval, "interval"):
        return _native.inequality_index(table, measure, parameter, corrected)
    confidence = number(confidence, "confidence")
    if corrected:
        raise _native.invalid_argument(
            "corrected", "the bootstrap interval is for the uncorrected Gini"
        )
    with reporter(progress, measure) as report:
        return _native.inequality_bootstrap(
            table, measure, parameter, reps, confidence, seed, report
        )


@overload
def gini(
    values: Numbers,
    weights: Numbers | None = ...,
    *,
    corrected: bool = ...,
    interval: Literal[False] = ...,
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> float: ...
@overload
def gini(
    values: Numbers,
    weights: Numbers | None = ...,
    *,
    corrected: bool = ...,
    interval: Literal[True],
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> tuple[float, float, float]: ...
def gini(
    values: Numbers,
    weights: Numbers | None = None,
    *,
    corrected: bool = _IND["corrected"],
    interval: bool = False,
    reps: int = _BOOT["reps"],
    confidence: float = _BOOT["confidence"],
    seed: int = _BOOT["seed"],
    progress: bool = False,
) -> Index:
    """Gini coefficient Σ_i Σ_j w_i w_j |y_i − y_j| / (2 (Σ w)² ȳ).

    PySAL's and R ``ineq``'s form (the n² denominator); ``corrected=True`` multiplies by
    n / (n − 1) (no weights, or weights all 1). Values must be finite and ≥ 0 with a positive total;
    weights finite and > 0.

    With ``interval=True``: ``(value, lower, upper)``, the percentile bootstrap over ``reps``
    resamples (at least 100) of the units with their weights, drawn from ``seed``;
    ``progress=True`` shows a bar (tqdm when installed) counting the resamples. The same
    holds for :func:`theil`, :func:`mld`, :func:`atkinson`, :func:`ge` and
    :func:`share_ratio`.

    Example:
        >>> import collabmetrics as cm
        >>> round(cm.inequality.gini([1, 2, 3, 4]), 12)  # Σ|y_i − y_j| = 20 over 2 · 4² · 2.5
        0.25
        >>> round(cm.inequality.gini([1, 2, 3, 4], corrected=True), 12)  # × 4/3
        0.333333333333
        >>> round(cm.inequality.gini([1, 2], weights=[3, 1]), 12)  # 2 · 3 · 1 · 1 / (2 · 4² · 1.25)
        0.15
    """
    return _index(
        "gini",
        values,
        weights,
        None,
        interval,
        reps,
        confidence,
        seed,
        corrected=corrected,
        progress=progress,
    )


@overload
def theil(
    values: Numbers,
    weights: Numbers | None = ...,
    *,
    interval: Literal[False] = ...,
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> float: ...
@overload
def theil(
    values: Numbers,
    weights: Numbers | None = ...,
    *,
    interval: Literal[True],
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> tuple[float, float, float]: ...
def theil(
    values: Numbers,
    weights: Numbers | None = None,
    *,
    interval: bool = False,
    reps: int = _BOOT["reps"],
    confidence: float = _BOOT["confidence"],
    seed: int = _BOOT["seed"],
    progress: bool = False,
) -> Index:
    """Theil T = Σ w_i (y_i/ȳ) ln(y_i/ȳ) / Σ w_i (0 · ln 0 = 0; zeros allowed).

    Example:
        >>> import collabmetrics as cm
        >>> round(cm.inequality.theil([0, 0, 0, 1]), 12)  # one holds everything: ln 4
        1.386294361120
    """
    return _index(
        "theil", values, weights, None, interval, reps, confidence, seed, progress=progress
    )


@overload
def mld(
    values: Numbers,
    weights: Numbers | None = ...,
    *,
    interval: Literal[False] = ...,
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> float: ...
@overload
def mld(
    values: Numbers,
    weights: Numbers | None = ...,
    *,
    interval: Literal[True],
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> tuple[float, float, float]: ...
def mld(
    values: Numbers,
    weights: Numbers | None = None,
    *,
    interval: bool = False,
    reps: int = _BOOT["reps"],
    confidence: float = _BOOT["confidence"],
    seed: int = _BOOT["seed"],
    progress: bool = False,
) -> Index:
    """Mean log deviation (Theil L) = Σ w_i ln(ȳ/y_i) / Σ w_i; values must be > 0.

    Example:
        >>> import collabmetrics as cm
        >>> round(cm.inequality.mld([1, 4]), 12)  # ln(arithmetic mean / geometric mean) = ln(1.25)
        0.223143551314
    """
    return _index("mld", values, weights, None, interval, reps, confidence, seed, progress=progress)


@overload
def atkinson(
    values: Numbers,
    epsilon: float,
    weights: Numbers | None = ...,
    *,
    interval: Literal[False] = ...,
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> float: ...
@overload
def atkinson(
    values: Numbers,
    epsilon: float,
    weights: Numbers | None = ...,
    *,
    interval: Literal[True],
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> tuple[float, float, float]: ...
def atkinson(
    values: Numbers,
    epsilon: float,
    weights: Numbers | None = None,
    *,
    interval: bool = False,
    reps: int = _BOOT["reps"],
    confidence: float = _BOOT["confidence"],
    seed: int = _BOOT["seed"],
    progress: bool = False,
) -> Index:
    """Atkinson(ε) = 1 − EDE / ȳ, EDE = (Σ w_i y_i^(1−ε) / Σ w_i)^(1/(1−ε)) (PySAL's).

    ε ≥ 0; for ε = 1 the EDE is the geometric mean. Values must be > 0 when ε ≥ 1.

    Example:
        >>> import collabmetrics as cm
        >>> round(cm.inequality.atkinson([1, 4], 1), 12)  # 1 − geometric mean 2 / mean 2.5
        0.2
        >>> round(cm.inequality.atkinson([1, 4], 0.5), 12)  # 1 − ((√1 + √4) / 2)² / 2.5
        0.1
    """
    return _index(
        "atkinson", values, weights, epsilon, interval, reps, confidence, seed, progress=progress
    )


@overload
def ge(
    values: Numbers,
    alpha: float,
    weights: Numbers | None = ...,
    *,
    interval: Literal[False] = ...,
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> float: ...
@overload
def ge(
    values: Numbers,
    alpha: float,
    weights: Numbers | None = ...,
    *,
    interval: Literal[True],
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> tuple[float, float, float]: ...
def ge(
    values: Numbers,
    alpha: float,
    weights: Numbers | None = None,
    *,
    interval: bool = False,
    reps: int = _BOOT["reps"],
    confidence: float = _BOOT["confidence"],
    seed: int = _BOOT["seed"],
    progress: bool = False,
) -> Index:
    """Generalised entropy GE(α) = (Σ w_i ((y_i/ȳ)^α − 1) / Σ w_i) / (α(α − 1)).

    GE(0) = MLD, GE(1) = Theil T, GE(2) = half the squared coefficient of variation. Values
    must be > 0 when α ≤ 0.

    Example:
        >>> import collabmetrics as cm
        >>> round(cm.inequality.ge([1, 3], 2), 12)  # variance 1 / mean² 4 / 2
        0.125
    """
    return _index("ge", values, weights, alpha, interval, reps, confidence, seed, progress=progress)


@overload
def share_ratio(
    values: Numbers,
    share: float = ...,
    weights: Numbers | None = ...,
    *,
    interval: Literal[False] = ...,
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> float: ...
@overload
def share_ratio(
    values: Numbers,
    share: float = ...,
    weights: Numbers | None = ...,
    *,
    interval: Literal[True],
    reps: int = ...,
    confidence: float = ...,
    seed: int = ...,
    progress: bool = ...,
) -> tuple[float, float, float]: ...
def share_ratio(
    values: Numbers,
    share: float = _IND["share"],
    weights: Numbers | None = None,
    *,
    interval: bool = False,
    reps: int = _BOOT["reps"],
    confidence: float = _BOOT["confidence"],
    seed: int = _BOOT["seed"],
    progress: bool = False,
) -> Index:
    """Quantile share ratio: the top ``share`` of the population's share of the total over
    the bottom ``share``'s (0.2: the 80/20 ratio; 0.1: 90/10), read off the Lorenz curve.

    Example:
        >>> import collabmetrics as cm
        >>> cm.inequality.share_ratio([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])  # (9 + 10) / (1 + 2)
        6.333333333333...
    """
    return _index(
        "share_ratio", values, weights, share, interval, reps, confidence, seed, progress=progress
    )


def lorenz(
    values: Numbers, weights: Numbers | None = None
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.float64]]]:
    """The Lorenz curve: (cumulative population share, cumulative value share), values
    ascending, from (0, 0) to (1, 1).

    Example:
        >>> import collabmetrics as cm
        >>> p, v = cm.inequality.lorenz([3, 1])
        >>> p.tolist(), v.tolist()
        ([0.0, 0.5, 1.0], [0.0, 0.25, 1.0])
    """
    p, v = _native.inequality_lorenz(_table(values=values, weights=weights))
    return np.asarray(p, dtype=np.float64), np.asarray(v, dtype=np.float64)


def concentration_index(
    outcome: Numbers,
    rank: Numbers,
    weights: Numbers | None = None,
    *,
    correction: Literal["none", "wagstaff", "erreygers"] = _IND["correction"],
    bounds: tuple[float, float] | None = None,
) -> float:
    """Concentration index C = 2 cov_w(h, R) / h̄ of ``outcome`` h against ``rank``.

    R is the weighted fractional rank of ``rank`` (ties share their mean rank), so C > 0
    when the outcome is concentrated among the higher-ranked. ``correction="wagstaff"``
    divides by (1 − h̄) for h in ``bounds=(0, 1)``; ``"erreygers"`` multiplies by
    4 h̄ / (b − a) for h in ``bounds=(a, b)``. (The core's bootstrap does not cover this
    index, so it has no ``interval`` option.)

    Example:
        >>> import collabmetrics as cm
        >>> round(cm.inequality.concentration_index([1, 2, 3, 4], [1, 2, 3, 4]), 12)  # = Gini
        0.25
    """
    table = _table(outcome=outcome, rank=rank, weights=weights)
    bounds_ = None if bounds is None else (number(bounds[0], "bounds"), number(bounds[1], "bounds"))
    return _native.inequality_concentration_index(table, correction, bounds_)


def decompose(
    values: Numbers,
    group: Numbers | Sequence[Any],
    weights: Numbers | None = None,
    *,
    alpha: float = _IND["alpha"],
) -> Decomposition:
    """Theil T (``alpha=1``), MLD (``alpha=0``) or GE(α) split into within- and between-group
    parts over ``group`` (labels of any type, shown as text).

    within = Σ_g q_g^(1−α) s_g^α GE_g (q_g the group's population share, s_g its share of the
    total: Σ s_g T_g for Theil T, Σ q_g MLD_g for MLD); between = GE(α) of the group means
    weighted by the groups' populations (PySAL's ``TheilD(...).bg`` for Theil T). For α = 0
    and 1, within + between = total.

    Returns:
        ``{"total", "within", "between", "groups": {label: the group's own index}}``, groups
        in the order of their labels shown as text, numbers numerically (IMD deciles 1, 2, …,
        10), other text alphabetically (a dict that displays as a table in Jupyter).
        Every sum runs in one order, so the same rows in any order give the same numbers to
        the bit.

    Example:
        >>> import collabmetrics as cm
        >>> d = cm.inequality.decompose([1, 1, 3, 3], ["a", "a", "b", "b"])
        >>> round(d["within"], 12), d["groups"]  # no inequality within either group
        (0.0, {'a': 0.0, 'b': 0.0})
        >>> round(d["between"] - d["total"], 12)
        0.0
    """
    labels = group if isinstance(group, (pa.Array, pa.ChunkedArray)) else pa.array(group)
    if isinstance(labels, pa.ChunkedArray):
        labels = labels.combine_chunks()
    table = _table(values=values, weights=weights)
    _native.check_len("group", len(labels), "values", table.num_rows)
    table = table.append_column("group", labels)
    total, within, between, names, index = _native.inequality_decompose(
        table, number(alpha, "alpha")
    )
    return Decomposition(
        total=total, within=within, between=between, groups=dict(zip(names, index))
    )


#: An individual index by name (``"gini"``, ``"theil"``, ``"mld"``), or with its parameter
#: (``("atkinson", 0.5)``, ``("ge", 2)``, ``("share_ratio", 0.2)``).
IndexSpec = Union[str, tuple[str, float]]


def _individual_options(
    value: str,
    weight: str | None,
    by: str | Sequence[str] | None,
    indices: Sequence[IndexSpec] | None,
    corrected: bool,
    bin_width: float | None,
) -> dict[str, Any]:
    """The core's ``IndividualTableOptions`` by their names."""
    specs: list[Any] = list(_TABLE["measures"])
    if indices is not None:
        specs = []
        for m in indices:
            if isinstance(m, str):
                specs.append({"measure": m})
            else:
                specs.append({"measure": m[0], "parameter": finite(m[1], "indices")})
    return {
        "value": value,
        "weight": weight,
        "by": group_names(by),
        "measures": specs,
        "corrected": flag(corrected, "corrected"),
        "bin_width": optional(finite, bin_width, "bin_width"),
    }


def individual(
    frame: Frame,
    *,
    value: str = _TABLE["value"],
    weight: str | None = _TABLE["weight"],
    by: str | Sequence[str] | None = None,
    indices: Sequence[IndexSpec] | None = None,
    corrected: bool = _TABLE["corrected"],
    bin_width: float | None = _TABLE["bin_width"],
) -> Any:
    """Individual inequality indices per group: one row per group and index with
    ``measure``, ``parameter``, ``value`` and ``bound``.

    Each ``value`` is what :func:`gini`, :func:`theil`, :func:`mld`, :func:`atkinson`,
    :func:`ge` and :func:`share_ratio` give on the group's values (default indices: Gini,
    Theil, MLD, Atkinson ε = 0.5, 1, 2, GE(2), the 80/20 and 90/10 share ratios). With
    ``bin_width`` h the Gini (the only index then) is computed from bins [k·h, (k + 1)·h) and
    ``bound`` says how far it can be from the exact Gini: each bin's values replaced by their
    mean keep every difference across bins, so the Gini lies in [G_b, G_b + h·Σ W_b² /
    (4·W²·ȳ)], and ``value`` is the middle of that interval, ``bound`` half its width.

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> t = pa.table({"value": [1.0, 2.0, 3.0, 4.0]})
        >>> r = cm.inequality.individual(t, indices=["gini", ("atkinson", 1)])
        >>> [round(v, 11) for v in r.column("value").to_pylist()]  # 1 − (1·2·3·4)^¼ / 2.5
        [0.25, 0.11465446424]
    """
    table, kind = to_arrow(frame)
    options = _individual_options(value, weight, by, indices, corrected, bin_width)
    out = _native.inequality_individual_table(table, json.dumps(options))
    return from_arrow(out, kind, (frame,))


def state(
    frame: Frame,
    *,
    value: str = _TABLE["value"],
    weight: str | None = _TABLE["weight"],
    by: str | Sequence[str] | None = None,
    indices: Sequence[IndexSpec] | None = None,
    corrected: bool = _TABLE["corrected"],
    bin_width: float | None = _TABLE["bin_width"],
) -> Any:
    """The mergeable state of :func:`individual` over a partition of the rows (see
    :mod:`collabmetrics.state`): each group's distinct values with their counts and whole
    weights (exact: finished, :func:`individual`'s indices bit for bit), or with
    ``bin_width`` each group's bins (the Gini within its stated bound).

    Example:
        >>> import pyarrow as pa, collabmetrics as cm
        >>> a = cm.inequality.state(pa.table({"value": [1.0, 2.0]}), indices=["gini"])
        >>> b = cm.inequality.state(pa.table({"value": [3.0, 4.0]}), indices=["gini"])
        >>> round(cm.finalize(cm.merge([a, b])).column("value")[0].as_py(), 12)
        0.25
    """
    from .state import build

    options = _individual_options(value, weight, by, indices, corrected, bin_width)
    return build("inequality", [frame], options)
