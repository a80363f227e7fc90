"""Progress bars for the long computations (``progress=True``).

The Rust core counts the work done by a long loop (a simulation's replicates, a bootstrap's
resamples, the measures of a batch of tables, the people of the transition cohorts); the
native call reads that share while it waits for the result, and calls the function given here
with it (0 to 1) whenever it has grown. Nothing is printed unless the caller asks with
``progress=True``: then a tqdm bar (``tqdm.auto``, a widget in a notebook when ipywidgets is
installed) when tqdm is installed, else one line on standard error updated in place.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from ._frames import flag

#: Called with the share of the work done (0 to 1).
Report = Callable[[float], None]

#: Steps of a bar: per mille, so a bar moves smoothly without a float total.
_STEPS = 1000


def _checked(progress: object) -> bool:
    return flag(progress, "progress")


class _Line:
    """The bar without tqdm: ``desc: 42%`` on standard error, rewritten in place."""

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self.shown = -1

    def show(self, steps: int) -> None:
        percent = steps * 100 // _STEPS
        if percent != self.shown:
            self.shown = percent
            sys.stderr.write(f"\r{self.desc}: {percent:3d}%")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _Bar:
    """A tqdm bar when tqdm is installed, else a :class:`_Line`."""

    def __init__(self, desc: str) -> None:
        self.steps = 0
        self.tqdm: Any = None
        self.line: _Line | None = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self.line = _Line(desc)
            self.line.show(0)
        else:
            self.tqdm = tqdm(total=_STEPS, desc=desc, bar_format="{l_bar}{bar}| {elapsed}")

    def __call__(self, done: float) -> None:
        steps = min(_STEPS, max(self.steps, round(done * _STEPS)))
        if self.tqdm is not None:
            self.tqdm.update(steps - self.steps)
        elif self.line is not None:
            self.line.show(steps)
        self.steps = steps

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()
        elif self.line is not None:
            self.line.close()


def part(report: Report | None, k: int, n: int) -> Report | None:
    """The ``k``-th of ``n`` equal parts of a bar (one native call per confidence level)."""
    if report is None or n == 1:
        return report
    whole = report
    return lambda done: whole((k + done) / n)


@contextmanager
def reporter(progress: object, desc: str) -> Iterator[Report | None]:
    """The ``progress`` argument of a native call: ``None`` (no bar) unless ``progress`` is
    True; the bar is completed when the call returns and closed however it ends."""
    if not _checked(progress):
        yield None
        return
    bar = _Bar(desc)
    try:
        yield bar
        bar(1.0)
    finally:
        bar.close()
