"""collabmetrics: one trusted definition of the outcome metrics of NHS mental health provider
collaboratives (out-of-area placements, travel distance, transition disengagement, inequality,
SPC charts, funnel plots), computed by a Rust core shared with the C library and the
command-line program.

Every table function returns the same kind of frame it was given, with the records a
documented rule set aside counted in its diagnostics (:func:`diagnostics`); bad input raises a
:class:`CollabMetricsError` subclass naming the table, column, row and rule
(:mod:`collabmetrics.errors`). Every default comes from the Rust core.

>>> import collabmetrics as cm
>>> cm.proportion(65, 100).column("method").to_pylist()
['Wilson']
"""

from typing import Any

from . import (
    demo,
    disclosure,
    display,
    distance,
    errors,
    funnel,
    inequality,
    oap,
    spc,
    state,
    transition,
)
from ._frames import diagnostics
from ._native import CancelScope, __version__
from .disclosure import disclose
from .display import show
from .errors import (
    CancelledError,
    CollabMetricsError,
    ColumnTypeError,
    InternalError,
    InvalidArgumentError,
    InvalidCellError,
    InvalidGroupError,
    InvalidValueError,
    LengthMismatchError,
    LimitExceededError,
    MissingColumnError,
)
from .state import finalize, merge
from .stats import dsr, dsr_state, isr, isr_state, mean, mean_state, proportion, rate

__all__ = [
    "CancelScope",
    "CancelledError",
    "CollabMetricsError",
    "ColumnTypeError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidCellError",
    "InvalidGroupError",
    "InvalidValueError",
    "LengthMismatchError",
    "LimitExceededError",
    "MissingColumnError",
    "__version__",
    "demo",
    "diagnostics",
    "disclose",
    "disclosure",
    "display",
    "distance",
    "dsr",
    "dsr_state",
    "errors",
    "finalize",
    "funnel",
    "inequality",
    "isr",
    "isr_state",
    "mean",
    "mean_state",
    "merge",
    "oap",
    "plot",
    "proportion",
    "rate",
    "show",
    "spc",
    "state",
    "transition",
]


def __getattr__(name: str) -> Any:
    """``cm.plot`` on first use: the charts need matplotlib (the ``plot`` extra), which
    ``import collabmetrics`` never imports."""
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
