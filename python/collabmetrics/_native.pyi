"""Type stubs of the compiled extension module (bindings/python)."""

import pyarrow as pa

from ._frames import ArrowStreamExportable

__version__: str

class CollabMetricsError(ValueError): ...

def proportion_table(
    data: ArrowStreamExportable,
    numerator: str,
    denominator: str,
    confidence: float,
    multiplier: float,
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
    multiplier: float,
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
) -> pa.Table: ...
