"""Mergeable states from Python: random splits (fixed seeds) of the demo collaborative and of
drawn inputs, each part's state merged in a random order, finish to the one-machine result;
states round-trip through pandas and polars; a merge by another engine (pyarrow's own
group_by, standing in for SQL) finishes with the state's schema; bad states are errors."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import collabmetrics as cm

PERIOD: dict[str, Any] = {"start": "2021-09-01", "end": "2024-03-31"}


@pytest.fixture(scope="module")
def demo() -> dict[str, pa.Table]:
    t: dict[str, pa.Table] = cm.demo.tables(scale=0.2)
    return t


def split_rows(n: int, parts: int, seed: int) -> list[list[int]]:
    r = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(parts)]
    for i in range(n):
        out[r.randrange(parts)].append(i)
    return out


def split_by(keys: list[Any], parts: int, seed: int) -> list[list[int]]:
    """Rows split so that rows of one key stay together."""
    r = random.Random(seed)
    where = {k: r.randrange(parts) for k in sorted(set(map(str, keys)))}
    out: list[list[int]] = [[] for _ in range(parts)]
    for i, k in enumerate(keys):
        out[where[str(k)]].append(i)
    return out


def take(t: pa.Table, rows: list[int]) -> pa.Table:
    return t.take(pa.array(rows, pa.int64()))


def merged(states: list[Any], seed: int) -> Any:
    states = list(states)
    random.Random(seed).shuffle(states)
    half = len(states) // 2
    if half == 0:
        return cm.merge(states)
    return cm.merge([cm.merge(states[:half]), cm.merge(states[half:])])


def same(a: pa.Table, b: pa.Table, keys: list[str]) -> None:
    assert a.schema.names == b.schema.names
    assert a.schema.types == b.schema.types
    sa = a.sort_by([(k, "ascending") for k in keys])
    sb = b.sort_by([(k, "ascending") for k in keys])
    for name in a.column_names:
        assert sa[name].equals(sb[name]), name


@pytest.mark.parametrize("parts", [1, 7, 64])
def test_oap_states_of_any_split_by_person(demo: dict[str, pa.Table], parts: int) -> None:
    p, adm = demo["placements"], demo["admissions"]
    opts: dict[str, Any] = dict(PERIOD, by="place", window="rolling_12m")
    one = cm.oap.measures(p, admissions=adm, **opts)
    states = [
        cm.oap.state(take(p, r), **opts) for r in split_by(p["person_id"].to_pylist(), parts, parts)
    ]
    states += [
        cm.oap.state(admissions=take(adm, r), **opts) for r in split_rows(adm.num_rows, 3, 1)
    ]
    result = cm.finalize(merged(states, parts))
    same(result, one, ["place", "period_end"])
    counts = {d["reason"]: d["count"] for d in cm.diagnostics(one)}
    assert {d["reason"]: d["count"] for d in cm.diagnostics(result)} == counts
    assert all(d["first_row"] is None for d in cm.diagnostics(result))


def test_breakdowns_named_as_a_states_own_columns(demo: dict[str, pa.Table]) -> None:
    """A breakdown named as a column the state has of its own (OAP's ``reason``, the
    diagnostics' column, and ``month``, the month rows' key; the mean's ``count``) is stored
    as ``by_reason``, ``by_month``, ``by_count``, one already so named with one more prefix,
    and the finished state names it as the input does: the one-machine result."""
    p = demo["placements"]
    p = p.append_column("month", p["sending_org"]).append_column("by_reason", p["place"])
    opts: dict[str, Any] = dict(PERIOD, by=["reason", "month", "by_reason"])
    one = cm.oap.measures(p, **opts)
    assert one.column_names[:3] == ["reason", "month", "by_reason"]
    states = [cm.oap.state(take(p, r), **opts) for r in split_by(p["person_id"].to_pylist(), 5, 2)]
    assert states[0].column_names[1:4] == ["by_reason", "by_month", "by_by_reason"]
    same(cm.finalize(merged(states, 3)), one, ["reason", "month", "by_reason", "period_end"])
    t = pa.table({"value": [1.0, 2.0, 4.0, 8.0, 16.0, 3.0], "count": list("aabbcc")})
    one = cm.mean(t, by="count")
    states = [cm.mean_state(take(t, r), by="count") for r in split_rows(t.num_rows, 3, 4)]
    assert states[0].column_names[1] == "by_count"
    same(cm.finalize(merged(states, 5)), one, ["count"])


def test_transition_states_one_person_per_part(demo: dict[str, pa.Table]) -> None:
    small = cm.demo.tables(scale=0.02)
    persons, referrals, contacts = small["persons"], small["referrals"], small["contacts"]
    one = cm.transition.summary(persons, referrals, contacts, data_end="2024-03-31")
    ref_person = dict(zip(referrals["referral_id"].to_pylist(), referrals["person_id"].to_pylist()))
    contact_person = [ref_person.get(r) for r in contacts["referral_id"].to_pylist()]
    states = []
    ids = persons["person_id"].to_pylist()
    ref_ids = referrals["person_id"].to_pylist()
    for pid in ids:
        states.append(
            cm.transition.state(
                persons.filter(pa.compute.equal(persons["person_id"], pid)),
                take(referrals, [i for i, x in enumerate(ref_ids) if x == pid]),
                take(contacts, [i for i, x in enumerate(contact_person) if x == pid]),
                data_end="2024-03-31",
            )
        )
    result = cm.finalize(merged(states, 3))
    assert result.equals(one)
    transfers = cm.transition.transfers(persons, referrals, contacts, data_end="2024-03-31")
    curve = cm.finalize(merged(states, 4), curve="aalen_johansen")
    assert curve.equals(cm.transition.time_to_contact(transfers, method="aalen_johansen"))


@pytest.mark.parametrize("parts", [1, 7, 64])
def test_row_split_states(rng: np.random.Generator, parts: int) -> None:
    n = 2000
    g = rng.choice(["a", "b", "c"], n)
    km = np.round(rng.gamma(1.5, 30, n), 1)
    days = rng.integers(0, 50, n)
    t = pa.table({"g": g, "distance_km": km, "bed_days": days, "value": km + 1})
    splits = split_rows(n, parts, parts)
    cases: list[tuple[Any, Any]] = [
        (
            lambda x: cm.distance.summary(x, by="g", weight="bed_days"),
            lambda x: cm.distance.state(x, by="g", weight="bed_days"),
        ),
        (
            lambda x: cm.mean(x, value="value", by="g"),
            lambda x: cm.mean_state(x, value="value", by="g"),
        ),
        (lambda x: cm.inequality.individual(x, by="g"), lambda x: cm.inequality.state(x, by="g")),
    ]
    for one_of, state_of in cases:
        one = one_of(t)
        result = cm.finalize(merged([state_of(take(t, r)) for r in splits], parts))
        keys = ["g", "measure", "parameter"] if "measure" in one.column_names else ["g"]
        same(result, one, keys)


def test_states_round_trip_through_pandas_and_polars(rng: np.random.Generator) -> None:
    df = pd.DataFrame({"g": rng.choice(["x", "y"], 300), "value": rng.normal(50, 10, 300)})
    parts = [cm.mean_state(df.iloc[i : i + 100], by="g") for i in range(0, 300, 100)]
    assert isinstance(parts[0], pd.DataFrame)
    result = cm.finalize(cm.merge(parts))
    assert isinstance(result, pd.DataFrame)
    pd.testing.assert_frame_equal(
        result.sort_values("g").reset_index(drop=True),
        cm.mean(df, by="g").sort_values("g").reset_index(drop=True),
    )
    pl_parts = [cm.mean_state(pl.from_pandas(df.iloc[i : i + 150]), by="g") for i in (0, 150)]
    assert isinstance(pl_parts[0], pl.DataFrame)
    out = cm.finalize(cm.merge(pl_parts))
    assert isinstance(out, pl.DataFrame)
    assert (
        out.sort("g")["value"].to_list() == cm.mean(df, by="g").sort_values("g")["value"].tolist()
    )
    assert cm.state.kind(parts[0]) == "mean"
    assert cm.state.options(pl_parts[0])["by"] == ["g"]


def test_a_merge_by_another_engine_finishes_with_the_schema(demo: dict[str, pa.Table]) -> None:
    """GROUP BY keys with SUM/MAX, as each column's metadata says, by pyarrow's engine."""
    p = demo["placements"]
    opts: dict[str, Any] = dict(PERIOD, by="place")
    states = [cm.oap.state(take(p, r), **opts) for r in split_by(p["person_id"].to_pylist(), 5, 9)]
    union = pa.concat_tables(states)
    schema = union.schema
    keys = [f.name for f in schema if f.metadata[cm.state.MERGE_KEY.encode()] == b"key"]
    aggs = [
        (f.name, f.metadata[cm.state.MERGE_KEY.encode()].decode())
        for f in schema
        if f.name not in keys
    ]
    grouped = union.group_by(keys, use_threads=False).aggregate(aggs)
    grouped = grouped.rename_columns(
        [c.rsplit("_", 1)[0] if c.endswith(("_sum", "_max")) else c for c in grouped.column_names]
    )
    plain = grouped.select(schema.names).replace_schema_metadata(None)
    with pytest.raises(cm.InvalidArgumentError, match="not a collabmetrics state"):
        cm.finalize(plain)
    result = cm.finalize(plain, schema=schema)
    same(result, cm.oap.measures(p, **opts), ["place", "period_end"])


def test_states_of_partitions_stored_differently_merge() -> None:
    # The same keys stored as pyarrow's string, pandas' and polars' large_string, a
    # categorical, int32 or int64, or (a partition whose breakdown was never recorded) Arrow's
    # null type: each pair was refused ("has type LargeUtf8; expected Utf8" and the like).
    a = pa.table({"g": ["x", "y", "x"], "value": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"g": ["y", "x"], "value": [4.0, 5.0]})
    none = pd.DataFrame({"g": [None, None], "value": [6.0, 8.0]})
    whole = pd.concat([a.to_pandas(), b, none])
    expected = cm.mean(whole, by="g")  # x: 1, 3, 5; y: 2, 4; null: 6, 8
    assert expected["value"].tolist() == [3.0, 3.0, 7.0]
    for parts in (
        [a, b, none],
        [a, pl.from_pandas(b), none],
        [b.astype({"g": "category"}), a, none],
        [none, b, a],
    ):
        got = to_pandas(cm.finalize(cm.merge([cm.mean_state(p, by="g") for p in parts])))
        want = cm.mean(pd.concat([to_pandas(p) for p in parts]), by="g")
        # States come out in key order (nulls first), the one-machine call in order of
        # appearance: the same groups and values.
        assert {key(g): v for g, v in zip(got["g"], got["value"])} == {
            key(g): v for g, v in zip(want["g"], want["value"])
        }
    # A partition whose categorical breakdown is all NaN without categories (pandas makes it
    # a dictionary of doubles) is a partition of null keys: it takes the others' key type in
    # any order, and on its own it is one null group, as in the one-machine call.
    nan = pd.DataFrame({"g": pd.Categorical([np.nan, np.nan]), "value": [6.0, 8.0]})
    assert cm.mean(nan, by="g")["value"].tolist() == [7.0]
    for parts in ([nan, a, b], [b.astype({"g": "category"}), a, nan], [a, nan, b]):
        got = to_pandas(cm.finalize(cm.merge([cm.mean_state(p, by="g") for p in parts])))
        plain = [to_pandas(p).astype({"g": object}) for p in parts]
        want = cm.mean(pd.concat(plain), by="g")
        assert {key(g): v for g, v in zip(got["g"], got["value"])} == {
            key(g): v for g, v in zip(want["g"], want["value"])
        }
    alone = cm.finalize(cm.merge([cm.mean_state(nan, by="g")]))
    assert to_pandas(alone)["value"].tolist() == [7.0]
    ints = [
        cm.mean_state(pa.table({"g": pa.array([1, 2], t), "value": [1.0, 2.0]}), by="g")
        for t in (pa.int32(), pa.int64(), pa.uint8())
    ]
    got = cm.finalize(cm.merge(ints))
    assert got.column("g").to_pylist() == [1, 2]
    assert got.column("value_count").to_pylist() == [3, 3]
    # Any grouping of the merges gives the same table (a distributed reduce merges pairwise).
    u8, u16, i8 = (
        cm.mean_state(pa.table({"g": pa.array([1, 2], t), "value": [1.0, 2.0]}), by="g")
        for t in (pa.uint8(), pa.uint16(), pa.int8())
    )
    flat = cm.merge([u8, u16, i8])
    assert cm.merge([cm.merge([u8, u16]), i8]).equals(flat)
    assert cm.merge([u8, cm.merge([u16, i8])]).equals(flat)
    # uint64 too: [u8, u16] then u64 is [u8, u16, u64] (int64; it was uint64 at once and
    # refused after the pair, int64 beside uint64).
    u64 = cm.mean_state(pa.table({"g": pa.array([2, 1], pa.uint64()), "value": [1.0, 2.0]}), by="g")
    flat = cm.merge([u8, u16, u64])
    assert flat.schema.field("g").type == pa.int64()
    assert cm.merge([cm.merge([u8, u16]), u64]).equals(flat)
    assert cm.finalize(flat).column("value_count").to_pylist() == [3, 3]  # keys 1, 2
    # A uint64 key beyond int64, merged with another type, is an error naming the column,
    # never a null key.
    huge = cm.mean_state(
        pa.table({"g": pa.array([2**64 - 1, 3], pa.uint64()), "value": [1.0, 2.0]}), by="g"
    )
    with pytest.raises(cm.InvalidArgumentError, match="key column `g`"):
        cm.merge([u8, huge])
    assert cm.merge([huge, huge]).schema.field("g").type == pa.uint64()

    # Categoricals whose codes pandas stores in int8 and in int16 stay a dictionary.
    def coded(index: pa.DataType, keys: list[str], value: float) -> pa.Table:
        g = pa.array(keys).dictionary_encode()
        g = pa.DictionaryArray.from_arrays(g.indices.cast(index), g.dictionary)
        return cm.mean_state(pa.table({"g": g, "value": [value, value + 1]}), by="g")

    merged = cm.merge([coded(pa.int8(), ["x", "y"], 1.0), coded(pa.int16(), ["y", "x"], 3.0)])
    assert pa.types.is_dictionary(merged.schema.field("g").type)
    assert cm.finalize(merged).column("value").to_pylist() == [2.5, 2.5]  # x: 1, 4; y: 2, 3
    # An engine's merge loses the metadata; the schema of any one part gives it back, though
    # the merged keys have the common type (an int8 part's schema beside the key 300).
    i8, i64 = (
        cm.mean_state(pa.table({"g": pa.array([k, k], t), "value": [1.0, 2.0]}), by="g")
        for k, t in ((1, pa.int8()), (300, pa.int64()))
    )
    m = cm.merge([i8, i64])
    lost = pa.Table.from_arrays(m.columns, names=m.column_names)
    got = cm.finalize(lost, schema=cm.state.schema(i8))
    assert got.column("g").to_pylist() == [1, 300]
    assert got.column("value").to_pylist() == [1.5, 1.5]
    # Keys of kinds that do not mix stay an error naming the state.
    text, number = (cm.mean_state(pa.table({"g": g, "value": [1.0]}), by="g") for g in (["1"], [1]))
    with pytest.raises(cm.ColumnTypeError, match="state 1"):
        cm.merge([text, number])


def to_pandas(frame: Any) -> Any:
    return frame if isinstance(frame, pd.DataFrame) else frame.to_pandas()


def key(g: Any) -> Any:
    """A group key, pandas' missing values as None."""
    return None if pd.isna(g) else g


def test_bad_states_are_errors() -> None:
    a = cm.mean_state([1.0, 2.0, 3.0])
    b = cm.mean_state([1.0, 2.0, 3.0], confidence=0.9)
    with pytest.raises(cm.InvalidArgumentError, match="state 1 was built with other options") as e:
        cm.merge([a, b])
    assert e.value.argument == "states"
    with pytest.raises(cm.InvalidArgumentError, match="state 1 is a dsr state"):
        t = pa.table({"age_band": ["0-4", "5+"], "count": [1, 2], "population": [10, 20]})
        cm.merge([a, cm.dsr_state(t, standard={0: 1, 5: 3})])
    missing = a.drop_columns(["records"])
    with pytest.raises(cm.MissingColumnError) as m:
        cm.merge([a, missing])
    assert (m.value.table, m.value.column) == ("state 1", "records")
    with pytest.raises(cm.MissingColumnError):
        cm.finalize(missing)
    # A pandas state that lost a column keeps the rest of its schema: the core names it.
    pdf = cm.mean_state(pd.DataFrame({"value": [1.0, 2.0]}))
    with pytest.raises(cm.MissingColumnError, match="records"):
        cm.finalize(pdf.drop(columns=["records"]))
    with pytest.raises(cm.InvalidCellError, match="whole numbers"):
        cm.dsr_state(
            pa.table({"age_band": ["0-4", "5+"], "count": [1.5, 2.0], "population": [10, 20]}),
            standard={0: 1, 5: 3},
        )
    with pytest.raises(cm.InvalidCellError, match="whole numbers"):
        cm.distance.state(pa.table({"distance_km": [1.0], "w": [0.5]}), weight="w")
    with pytest.raises(cm.InvalidArgumentError, match="population"):
        cm.finalize(a, population=pa.table({"population": [1.0]}))
    with pytest.raises(cm.InvalidArgumentError, match="curve"):
        cm.finalize(a, curve="kaplan_meier")
    with pytest.raises(cm.InvalidArgumentError):
        cm.merge([])


def test_a_state_refuses_bad_options_with_the_table_functions_error() -> None:
    # The state builders read their options as JSON; a value the core refuses is its own
    # error there too (kind, argument, message), not "options do not read" in serde's words.
    t = pa.table({"place": ["a"], "distance_km": [1.0]})
    ages = pa.table({"age_band": ["0-4", "5+"], "count": [1, 2], "population": [10, 20]})
    pairs: list[tuple[Callable[[], object], Callable[[], object]]] = [
        (
            lambda: cm.distance.summary(t, bands=[0, 10]),
            lambda: cm.distance.state(t, bands=[0, 10]),
        ),
        (
            lambda: cm.dsr(ages, standard="esp1976x"),
            lambda: cm.dsr_state(ages, standard="esp1976x"),
        ),
    ]
    for one, state in pairs:
        with pytest.raises(cm.CollabMetricsError) as a:
            one()
        with pytest.raises(cm.CollabMetricsError) as b:
            state()
        assert type(b.value) is type(a.value)
        assert (b.value.argument, str(b.value)) == (a.value.argument, str(a.value))
        assert "do not read" not in str(b.value)


def test_rows_of_an_unknown_part_are_refused_not_left_out() -> None:
    # The distance state's `bin` rows renamed by hand (or a misspelt `part` in SQL): finishing
    # it would have left those rows out of the median and bands without a word.
    s = cm.distance.state([3.0, 25.0, 75.0])
    parts = s.column("part").to_pylist()
    row = parts.index("bin")
    altered = s.set_column(0, s.schema.field(0), pa.array([p.upper() for p in parts]))
    with pytest.raises(cm.InvalidCellError) as e:
        cm.finalize(altered)
    assert (e.value.column, e.value.row, e.value.value) == ("part", 0, parts[0].upper())
    assert "group, bin, diagnostic, input" in str(e.value)
    altered = s.set_column(
        0, s.schema.field(0), pa.array([p if i != row else "bins" for i, p in enumerate(parts)])
    )
    with pytest.raises(cm.InvalidCellError) as e:
        cm.finalize(altered)
    assert (e.value.row, e.value.value) == (row, "bins")


def test_binned_gini_states_stay_within_their_bound(rng: np.random.Generator) -> None:
    v = rng.lognormal(10, 0.6, 5000).round()
    t = pa.table({"value": v})
    exact = cm.inequality.individual(t, indices=["gini"])["value"][0].as_py()
    parts = [
        cm.inequality.state(take(t, r), indices=["gini"], bin_width=1000)
        for r in split_rows(5000, 9, 2)
    ]
    r = cm.finalize(cm.merge(parts))
    value, bound = r["value"][0].as_py(), r["bound"][0].as_py()
    assert 0 < bound < 0.01
    assert abs(value - exact) <= bound


def listed_ids(listing: Any, tables: dict[str, pa.Table], ids: dict[str, str]) -> dict[Any, Any]:
    """A listing's record ids by (table, reason), sorted."""
    t = listing if isinstance(listing, pa.Table) else pa.Table.from_pandas(listing)
    out: dict[Any, list[Any]] = {}
    for table, row, reason in zip(
        t["table"].to_pylist(), t["row"].to_pylist(), t["reason"].to_pylist()
    ):
        out.setdefault((table, reason), []).append(tables[table][ids[table]][int(row)].as_py())
    return {k: sorted(v) for k, v in out.items()}


def state_counts(state: pa.Table) -> dict[str, int]:
    """The counts of a state's diagnostic rows, by reason."""
    d = state.filter(pa.compute.equal(state["part"], "diagnostic"))
    return dict(zip(d["reason"].to_pylist(), d["count"].to_pylist()))


def test_the_oap_listing_has_every_flagged_placement_and_admission(
    demo: dict[str, pa.Table],
) -> None:
    import pyarrow.compute as pc

    p, a = demo["placements"], demo["admissions"]
    # Bad records injected: placements 3, 10 and 17 without a bed type, admissions 0 and 2
    # with a bed type outside the scope (13) and 1 without one.
    bed = p["bed_type"].to_pylist()
    for i in (3, 10, 17):
        bed[i] = None
    p = p.set_column(p.schema.get_field_index("bed_type"), "bed_type", pa.array(bed, pa.string()))
    abed = a["bed_type"].to_pylist()
    abed[0], abed[1], abed[2] = "13", None, "13"
    a = a.set_column(a.schema.get_field_index("bed_type"), "bed_type", pa.array(abed, pa.string()))
    state, listing = cm.oap.state(p, admissions=a, listing=True, **PERIOD)
    assert listing.column_names == list(cm.state.LISTING_COLUMNS)
    got = listed_ids(
        listing,
        {"placements": p, "admissions": a},
        {"placements": "placement_id", "admissions": "admission_id"},
    )
    ids = p["placement_id"].to_pylist()
    assert got[("placements", "bed_type_missing")] == sorted(ids[i] for i in (3, 10, 17))
    aids = a["admission_id"].to_pylist()
    assert got[("admissions", "admission_bed_type_out_of_scope")] == sorted([aids[0], aids[2]])
    assert got[("admissions", "admission_bed_type_missing")] == [aids[1]]
    # The appropriate reasons (excluded) are exactly the in-scope placements with codes
    # 11-15 or 99 (the demo's bed types are all in scope).
    appropriate = pc.is_in(p["reason"], pa.array(["11", "12", "13", "14", "15", "99"]))
    assert got[("placements", "appropriate_reason")] == sorted(
        p.filter(appropriate)["placement_id"].to_pylist()
    )
    # Counts and listing agree, and the state is the one built without a listing.
    assert state_counts(state) == {r: len(v) for (_, r), v in got.items()}
    assert state.equals(cm.oap.state(p, admissions=a, **PERIOD))
    # The same listing as a pandas frame from pandas input.
    pstate, plisting = cm.oap.state(p.to_pandas(), admissions=a, listing=True, **PERIOD)
    assert isinstance(pstate, pd.DataFrame) and isinstance(plisting, pd.DataFrame)
    assert len(plisting) == listing.num_rows


def test_the_transition_and_distance_listings(demo: dict[str, pa.Table]) -> None:
    persons, referrals, contacts = (demo[n] for n in ("persons", "referrals", "contacts"))
    # Contacts 5 and 8 of referrals that do not exist.
    rid = contacts["referral_id"].to_pylist()
    rid[5], rid[8] = 10**9, 10**9 + 1
    contacts = contacts.set_column(
        contacts.schema.get_field_index("referral_id"),
        "referral_id",
        pa.array(rid, contacts.schema.field("referral_id").type),
    )
    state, listing = cm.transition.state(
        pl.from_arrow(persons), referrals, contacts, data_end="2024-03-31", listing=True
    )
    assert isinstance(listing, pl.DataFrame)
    got = listed_ids(
        listing.to_arrow(),
        {"contacts": contacts, "referrals": referrals, "persons": persons},
        {"contacts": "contact_id", "referrals": "referral_id", "persons": "person_id"},
    )
    cid = contacts["contact_id"].to_pylist()
    assert got[("contacts", "contact_referral_not_found")] == sorted([cid[5], cid[8]])
    assert state_counts(cm.state.table(state)) == {r: len(v) for (_, r), v in got.items()}
    # Distances: the rows without one, as rows of `data`.
    km = pa.table({"id": [7, 8, 9, 10], "distance_km": [3.0, None, 12.5, None]})
    dstate, dlisting = cm.distance.state(km, nulls="propagate", listing=True)
    assert dlisting["table"].to_pylist() == ["data", "data"]
    assert dlisting["row"].to_pylist() == [1, 3]
    assert state_counts(dstate) == {"missing_distance": 2}


def test_a_listing_keeps_the_errors_structured(demo: dict[str, pa.Table]) -> None:
    with pytest.raises(cm.MissingColumnError, match="reason"):
        cm.oap.state(demo["placements"].drop_columns(["reason"]), listing=True, **PERIOD)
    with pytest.raises(cm.InvalidArgumentError, match="persons"):
        cm.state.build("transition", [None, None, None], {}, listing=True)


@pytest.mark.parametrize("frame", [pd.DataFrame, pl.DataFrame, pa.table])
def test_finalize_takes_a_population_of_any_kind_of_frame(frame: Any) -> None:
    # A frame has no truth value: `population` is tested against None, not for truth.
    p = pa.table(
        {
            "placement_id": [1],
            "person_id": ["a"],
            "start_date": pa.array([19742], pa.date32()),  # 2024-01-20
            "end_date": pa.array([None], pa.date32()),
            "bed_type": ["10"],
            "reason": ["10"],
        }
    )
    s = cm.oap.state(p, start="2024-01-01", end="2024-01-31")
    out = cm.finalize(s, population=frame({"population": [1000]}))
    # One placement started among 1000 people, per million (the OAP multiplier): 1000.
    assert out.column("rate_started").to_pylist() == [1000.0]


def test_a_partition_whose_categorical_key_is_all_missing_finishes() -> None:
    # A pandas category whose every value in the partition is NaN: its state keeps a dictionary
    # without values, which arrow's normalized keys refused with a panic (InternalError).
    part = pd.DataFrame(
        {"g": pd.Categorical([None, None], categories=["a", "b"]), "value": [1.0, 3.0]}
    )
    state = cm.mean_state(part, by="g")
    for s in (state, cm.merge([state, state])):
        out = cm.finalize(s)  # a pandas frame, as the partition was
        assert out["value"].tolist() == [2.0]
        assert out["g"].isna().tolist() == [True]


def test_partitions_merged_with_and_without_care_plans_are_refused() -> None:
    # T9 would count the people of one partition only: the merge finishes to an error naming
    # `state`, not a rate over part of the cohort.
    t = cm.demo.tables(scale=0.02)
    persons, referrals, contacts = t["persons"], t["referrals"], t["contacts"]
    with_plans = cm.transition.state(
        persons, referrals, contacts, care_plans=t["care_plans"], data_end="2024-03-31"
    )
    without = cm.transition.state(persons, referrals, contacts, data_end="2024-03-31")
    cm.finalize(cm.merge([with_plans, with_plans]))
    with pytest.raises(cm.InvalidArgumentError) as e:
        cm.finalize(cm.merge([with_plans, without]))
    assert e.value.argument == "state"
    assert "care plans were given to 1 of the 2 partitions" in str(e.value)
