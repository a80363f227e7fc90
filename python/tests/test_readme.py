"""The top-level README's Python tour runs as written (it is pasted into notebooks)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"


def python_tour() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Python\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md's Python section has no python block"
    return match.group(1)


def test_readme_python_tour_runs() -> None:
    names: dict[str, Any] = {}
    exec(compile(python_tour(), str(README), "exec"), names)
    # Its SII by hand: rates 30, 28, …, 12 over ten deciles of equal population fall by 2 a
    # decile, a tenth of the ridit scale, so the slope across the whole scale is -2 / 0.1.
    cm = names["cm"]
    sii = cm.inequality.sii(
        names["deciles"],
        group="imd_decile",
        population="population",
        order="imd_decile",
        value="rate",
        lower="lower",
        upper="upper",
    )
    assert abs(float(sii["value"][0]) - (-20.0)) < 1e-9
