"""collabmetrics: one trusted definition of the outcome metrics of NHS mental health provider
collaboratives (out-of-area placements, travel distance, transition disengagement, inequality,
funnel plots),
computed by a Rust core shared with the C library and the command-line program.

>>> import collabmetrics as cm
>>> cm.proportion(65, 100).column("method").to_pylist()
['Wilson']
"""

from . import demo, distance, funnel, inequality, oap, transition
from ._native import CollabMetricsError, __version__
from .stats import dsr, isr, mean, proportion, rate

__all__ = [
    "CollabMetricsError",
    "__version__",
    "demo",
    "distance",
    "dsr",
    "funnel",
    "inequality",
    "isr",
    "mean",
    "oap",
    "proportion",
    "rate",
    "transition",
]
