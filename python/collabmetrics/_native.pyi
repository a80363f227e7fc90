"""Type stubs of the compiled extension module (bindings/python)."""

from collections.abc import Callable
from typing import Any, Literal, final, overload

import pyarrow as pa

from ._frames import ArrowStreamExportable

__version__: str

# Errors: one class per core ErrorKind; every instance has the fields below (None where they
# do not apply).
class CollabMetricsError(ValueError):
    kind: str | None
    table: str | None
    column: str | None
    argument: str | None
    row: int | None
    value: str | None
    group: str | None
    rule: str | None

class InvalidArgumentError(CollabMetricsError): ...
class LengthMismatchError(CollabMetricsError): ...
class InvalidValueError(CollabMetricsError): ...
class MissingColumnError(CollabMetricsError): ...
class ColumnTypeError(CollabMetricsError): ...
class InvalidCellError(CollabMetricsError): ...
class InvalidGroupError(CollabMetricsError): ...
class LimitExceededError(CollabMetricsError): ...
class CancelledError(CollabMetricsError): ...
class InternalError(CollabMetricsError): ...

@final
class CancelScope:
    """A scope in which collabmetrics' long calls can be cancelled from another thread."""

    def __init__(self) -> None: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...
    def __enter__(self) -> CancelScope: ...
    def __exit__(self, *exc: object) -> bool: ...

ERROR_KINDS: list[str]

def invalid_argument(argument: str, message: str) -> InvalidArgumentError: ...
def broadcast_len(arguments: list[tuple[str, int]]) -> int: ...
def check_len(argument: str, found: int, reference: str, expected: int) -> None: ...
def check_columns(
    data: ArrowStreamExportable, columns: list[str], table: str | None = None
) -> None: ...

# Options: the core's defaults by entry-point family (see DEFAULTS) and its names.
DEFAULTS: list[str]
INEQUALITY_MEASURES: list[str]
OPTION_NAMES: dict[str, list[str]]

def defaults(name: str) -> Any: ...
def parse_date(text: str, argument: str) -> int: ...
def parse_month(text: str, argument: str) -> int: ...

# Every function runs behind one guard that turns a Rust panic into InternalError.
_GUARDED: list[str]

def _test_panic(where: str) -> None: ...
def _test_panic_in_conversion(_value: Any) -> None: ...
def proportion_table(
    data: ArrowStreamExportable,
    numerator: str,
    denominator: str,
    confidence: float,
    multiplier: float,
    method: str,
) -> pa.Table: ...
def rate_table(
    data: ArrowStreamExportable,
    count: str,
    denominator: str,
    confidence: float,
    multiplier: float,
    method: str,
) -> pa.Table: ...
def dsr_table(
    data: ArrowStreamExportable,
    count: str,
    population: str,
    age_band: str,
    by: list[str],
    standard: str,
    custom: tuple[list[int], list[float]] | None,
    confidence: float,
    multiplier: float,
    method: str,
) -> pa.Table: ...
def isr_table(
    data: ArrowStreamExportable,
    count: str,
    population: str,
    reference_count: str,
    reference_population: str,
    by: list[str],
    kind: str,
    confidence: float,
    multiplier: float | None,
    method: str,
) -> pa.Table: ...
def mean_table(
    data: ArrowStreamExportable,
    value: str,
    by: list[str],
    confidence: float,
) -> pa.Table: ...

DIAGNOSTICS_KEY: str
DEFAULT_BED_TYPES: list[str]

def oap_measures(
    placements: ArrowStreamExportable,
    start: int,
    end: int,
    window: str,
    by: list[str],
    inappropriate_only: bool,
    bed_types: list[str] | None,
    reasons: tuple[list[str], list[str]] | None,
    data_cutoff: int | None,
    overlap: str,
    multiplier: float,
    confidence: float,
    population: ArrowStreamExportable | None,
    admissions: ArrowStreamExportable | None,
    columns: dict[str, str],
    distance: str | None = None,
    distance_threshold: float | None = None,
    distance_bands: str | None = None,
    distance_edges: list[float] | None = None,
) -> pa.Table: ...

# Distance: each returns the result table, its diagnostics in the schema metadata.
def distance_points_table(
    data: ArrowStreamExportable,
    coordinates: list[str] | None,
    method: str,
    round_km: bool,
    nulls: str,
    output: str,
) -> pa.Table: ...
def bng_to_wgs84_table(
    data: ArrowStreamExportable,
    easting: str,
    northing: str,
    latitude: str,
    longitude: str,
    nulls: str,
) -> pa.Table: ...
def locate_table(
    data: ArrowStreamExportable,
    lookup: ArrowStreamExportable,
    code: str,
    lookup_code: str,
    lookup_x: str,
    lookup_y: str,
    x: str,
    y: str,
    nulls: str,
) -> pa.Table: ...
def distance_summary_table(
    data: ArrowStreamExportable,
    distance: str,
    by: list[str],
    weight: str | None,
    threshold: float,
    bands: str,
    edges: list[float] | None,
    confidence: float,
    nulls: str,
) -> pa.Table: ...
def demo_tables(seed: int, scale: float, start: int, months: int) -> dict[str, pa.Table]: ...

# Inequality: vectors arrive as a table with `values` (or `outcome` and `rank`) and optional
# `weights` columns.
def inequality_measures_table(
    data: ArrowStreamExportable,
    by: list[str],
    subgroup: str,
    value: str,
    se: str | None,
    lower: str | None,
    upper: str | None,
    population: str,
    order: str | None,
    measures: list[str] | None,
    favourable: str | None,
    reference: str | None,
    scale: float | None,
    setting_average: float | None,
    rci_method: str,
    sii_model: str,
    value_type: str,
    transform: bool,
    confidence: float,
    reps: int,
    seed: int,
    counts: tuple[str, str, str, float | None] | None = None,
    multiplier: float = 1.0,
    progress: Callable[[float], None] | None = None,
) -> pa.Table: ...
def inequality_index(
    data: ArrowStreamExportable,
    measure: str,
    parameter: float | None = None,
    corrected: bool = False,
) -> float: ...
def inequality_bootstrap(
    data: ArrowStreamExportable,
    measure: str,
    parameter: float | None,
    reps: int,
    confidence: float,
    seed: int,
    progress: Callable[[float], None] | None = None,
) -> tuple[float, float, float]: ...
def inequality_lorenz(data: ArrowStreamExportable) -> tuple[list[float], list[float]]: ...
def inequality_ridits(populations: list[float]) -> list[float]: ...
def inequality_infer_scale(values: list[float]) -> float: ...
def inequality_concentration_index(
    data: ArrowStreamExportable,
    correction: str,
    bounds: tuple[float, float] | None,
) -> float: ...
def inequality_decompose(
    data: ArrowStreamExportable, alpha: float
) -> tuple[float, float, float, list[str], list[float]]: ...

# Transition: `options` is the core's TransitionOptions as a dict (built by
# collabmetrics.transition: dates as days since 1970-01-01, codes as ints); diagnostics travel
# in the schema metadata of the result.
TRANSITION_CRISIS_TEAM_TYPES: list[str]
TRANSITION_CLASSES: list[str]

def transition_transfers(
    persons: ArrowStreamExportable,
    referrals: ArrowStreamExportable,
    contacts: ArrowStreamExportable,
    care_plans: ArrowStreamExportable | None,
    options: dict[str, Any],
    columns: dict[str, str],
    progress: Callable[[float], None] | None = None,
) -> pa.Table: ...
def transition_ageing_out(
    persons: ArrowStreamExportable,
    referrals: ArrowStreamExportable,
    contacts: ArrowStreamExportable,
    care_plans: ArrowStreamExportable | None,
    options: dict[str, Any],
    columns: dict[str, str],
    progress: Callable[[float], None] | None = None,
) -> pa.Table: ...
def transition_summary(
    persons: ArrowStreamExportable,
    referrals: ArrowStreamExportable,
    contacts: ArrowStreamExportable,
    care_plans: ArrowStreamExportable | None,
    options: dict[str, Any],
    columns: dict[str, str],
    progress: Callable[[float], None] | None = None,
) -> pa.Table: ...
def transition_service_lines(
    persons: ArrowStreamExportable,
    referrals: ArrowStreamExportable,
    contacts: ArrowStreamExportable,
    care_plans: ArrowStreamExportable | None,
    options: dict[str, Any],
    columns: dict[str, str],
    progress: Callable[[float], None] | None = None,
) -> pa.Table: ...
def transition_time_to_contact(
    table: ArrowStreamExportable, method: str, confidence: float
) -> pa.Table: ...

ROLES_KEY: str

def disclose(
    table: ArrowStreamExportable,
    rule_text: str,
    counts: list[str] | None,
    derived: str | None,
    dimensions: list[str] | None,
    by: list[str] | None,
    national: str | None,
    secondary: str,
    suppress_on: str,
    display: str,
    decimals: int | None,
    with_log: bool,
) -> tuple[pa.Table, pa.Table | None]: ...
def publish(table: ArrowStreamExportable, rule_text: str) -> pa.Table: ...

# Mergeable states.
STATE_MERGE_KEY: str
STATE_KIND_KEY: str
STATE_OPTIONS_KEY: str
STATE_FINGERPRINT_KEY: str

@overload
def state_build(
    kind: str,
    tables: list[ArrowStreamExportable | None],
    options_json: str,
    columns: dict[str, str],
    listing: Literal[False] = False,
) -> pa.Table: ...
@overload
def state_build(
    kind: str,
    tables: list[ArrowStreamExportable | None],
    options_json: str,
    columns: dict[str, str],
    listing: Literal[True],
) -> tuple[pa.Table, pa.Table]: ...
@overload
def state_build(
    kind: str,
    tables: list[ArrowStreamExportable | None],
    options_json: str,
    columns: dict[str, str],
    listing: bool,
) -> pa.Table | tuple[pa.Table, pa.Table]: ...
def state_merge(states: list[ArrowStreamExportable]) -> pa.Table: ...
def state_finalize(
    state: ArrowStreamExportable,
    population: ArrowStreamExportable | None = None,
    columns: dict[str, str] = ...,
    curve: str | None = None,
) -> pa.Table: ...
def inequality_individual_table(data: ArrowStreamExportable, options_json: str) -> pa.Table: ...

# SPC: XmR points (summary=False) or the per-segment summary (summary=True).
SPC_POINT_COLUMNS: list[str]

def spc_xmr(
    data: ArrowStreamExportable,
    value: str,
    date: str,
    options: dict[str, Any],
    summary: bool,
) -> pa.Table: ...

# Funnel plots (options built by collabmetrics.funnel: enums by name, the limit as a number);
# diagnostics travel in the schema metadata of the result.
FUNNEL_SIGNIFICANCE_LABELS: list[str]

def funnel_assess(
    data: ArrowStreamExportable, options: dict[str, Any], columns: dict[str, str]
) -> pa.Table: ...
def funnel_limits(
    data: ArrowStreamExportable, options: dict[str, Any], columns: dict[str, str]
) -> pa.Table: ...
