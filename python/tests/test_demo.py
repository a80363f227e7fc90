"""The demo collaborative from Python: deterministic, labelled synthetic, usable by every module."""

from __future__ import annotations

import collabmetrics as cm


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    a = cm.demo.tables(seed=11, months=12)
    b = cm.demo.tables(seed=11, months=12)
    c = cm.demo.tables(seed=12, months=12)
    assert all(a[k].equals(b[k]) for k in a)
    assert not a["placements"].equals(c["placements"])


def test_every_table_is_labelled_synthetic() -> None:
    for name, table in cm.demo.tables(months=12).items():
        assert table.schema.metadata[b"synthetic"] == b"true", name


def test_scale_grows_the_collaborative() -> None:
    small = cm.demo.tables(months=12, scale=0.5)["placements"].num_rows
    large = cm.demo.tables(months=12, scale=2.0)["placements"].num_rows
    assert 2.5 < large / small < 6.0


def test_bad_options_raise() -> None:
    import pytest

    with pytest.raises(cm.CollabMetricsError, match="scale"):
        cm.demo.tables(scale=0)
    with pytest.raises(cm.CollabMetricsError, match="months"):
        cm.demo.tables(months=0)
