"""The example notebook runs from the first cell to the last (nbclient, a fresh kernel), and
each chart cell renders its figure: a real PNG image, not a blank canvas."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import nbformat
import numpy as np
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "collaborative.ipynb"


def test_the_collaborative_notebook_runs_and_draws_every_chart() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    # Any error in any cell raises CellExecutionError naming the cell.
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False).execute(
        cwd=str(NOTEBOOK.parent)
    )
    charts = [c for c in nb.cells if "chart" in c.metadata.get("tags", [])]
    # OAP trend, flows, distance, survival, SII, Lorenz, SPC, funnel.
    assert len(charts) == 8
    for cell in charts:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1, cell.source
        png = base64.b64decode(images[0]["data"]["image/png"])
        assert png.startswith(b"\x89PNG"), cell.source
        pixels = np.asarray(mpimg.imread(io.BytesIO(png), format="png"))
        height, width = pixels.shape[:2]
        assert height > 150 and width > 300, (cell.source, pixels.shape)
        # Drawn on: many distinct colours, not an empty white figure.
        colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
        assert len(colours) > 20, cell.source
    # No cell wrote to standard error (a warning, a traceback, a stray progress bar).
    stderr = [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert stderr == []
    # Results computed from the demo's invented tables say so when shown. The SII is computed
    # from deciles the notebook aggregates with pyarrow, whose group_by drops the tables'
    # metadata and with it the flag.
    shown = [
        (c.source, o["data"]["text/html"])
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) and "cm-result" in o["data"]["text/html"]
    ]
    unflagged = [source for source, html in shown if "SYNTHETIC" not in html]
    assert len(shown) == 5 and len(unflagged) == 1 and "cm.show(sii)" in unflagged[0]
