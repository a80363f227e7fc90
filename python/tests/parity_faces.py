"""The faces of collabmetrics, side by side, for the parity tests (``test_parity.py``).

* **Rust**: ``core_call`` (``crates/collabmetrics-cli/examples/core_call.rs``) calls one entry
  point of the Rust crate directly, with the options as the core's own JSON and Parquet
  inputs, and writes each result table to Parquet with the schema the core built.
* **C**: ``libcollabmetrics.so`` through ctypes. Tables go in and out through the Arrow C stream
  interface (pyarrow's ``_export_to_c`` / ``_import_from_c``); the options structs are read
  from ``include/collabmetrics.h`` itself, so they cannot drift from the header.
* **CLI**: the ``collabmetrics`` program on Parquet files, its CSV output read back cell by cell
  against the Python result, its diagnostics from standard error.

:func:`assert_same` compares two results: schema (names, types, nullability), schema metadata
(diagnostics and roles) and every value bit for bit (floats by their bits, nulls in the same
places). The C library, the CLI and ``core_call`` are built by ``scripts/test.sh`` before
pytest runs; when run alone without them, these tests are skipped unless
``COLLABMETRICS_CROSS_LANGUAGE=required``.
"""

from __future__ import annotations

import base64
import csv
import ctypes
import datetime as dt
import io
import json
import math
import os
import re
import struct
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import collabmetrics as cm
from collabmetrics import _native

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
REQUIRED = os.environ.get("COLLABMETRICS_CROSS_LANGUAGE") == "required"
HEADER = ROOT / "include" / "collabmetrics.h"


def need(path: Path) -> Path:
    """``path``, or a skip (a failure under ``COLLABMETRICS_CROSS_LANGUAGE=required``)."""
    if not path.exists():
        if REQUIRED:
            pytest.fail(f"{path} is missing: build it first (scripts/test.sh does)")
        pytest.skip(f"{path} not built")
    return path


# ---------------------------------------------------------------------------------------------
# Comparing results.


def _canon(value: Any) -> Any:
    """A value with every float replaced by its bits, so == is bit-for-bit (NaN included)."""
    if isinstance(value, float):
        return ("f64", struct.pack("<d", value))
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    return value


def metadata(table: pa.Table) -> dict[str, Any]:
    """The schema metadata, JSON values decoded (diagnostics, roles), without the SYNTHETIC
    label: Python marks a result computed from the demo's tables for display (``cm.show``),
    a label of its inputs, not a number the faces compute."""
    out: dict[str, Any] = {}
    for k, v in (table.schema.metadata or {}).items():
        if k == b"synthetic":
            continue
        text = v.decode()
        try:
            out[k.decode()] = json.loads(text)
        except ValueError:
            out[k.decode()] = text
    return out


def assert_same(
    expected: pa.Table, actual: pa.Table, what: str, *, check_metadata: bool = True
) -> None:
    """Same schema, same metadata and the same values bit for bit."""
    assert actual.schema.names == expected.schema.names, what
    for e, a in zip(expected.schema, actual.schema):
        assert (a.type, a.nullable) == (e.type, e.nullable), f"{what}: column {e.name}: {a} {e}"
    if check_metadata:
        assert metadata(actual) == metadata(expected), f"{what}: schema metadata"
    assert actual.num_rows == expected.num_rows, what
    for name in expected.schema.names:
        want, got = expected.column(name).to_pylist(), actual.column(name).to_pylist()
        if _canon(want) != _canon(got):
            row = next(i for i, (w, g) in enumerate(zip(want, got)) if _canon(w) != _canon(g))
            pytest.fail(
                f"{what}: column {name} row {row}: expected {want[row]!r}, got {got[row]!r}"
            )


def assert_columns(
    expected: pa.Table, columns: dict[str, Any], what: str, *, null_is_nan: bool = False
) -> None:
    """The named columns of ``expected`` hold ``columns``' values, bit for bit (with
    ``null_is_nan``, a null of ``expected`` reads as NaN, as a numpy array gives it)."""
    for name, values in columns.items():
        column = expected.column(name)
        if null_is_nan:
            column = column.fill_null(math.nan)
        want = column.to_pylist()
        got = [v.item() if hasattr(v, "item") else v for v in values]
        assert len(want) == len(got), f"{what}: column {name}: {len(want)} != {len(got)} rows"
        if _canon(want) != _canon(got):
            row = next(i for i, (w, g) in enumerate(zip(want, got)) if _canon(w) != _canon(g))
            pytest.fail(
                f"{what}: column {name} row {row}: expected {want[row]!r}, got {got[row]!r}"
            )


# ---------------------------------------------------------------------------------------------
# Rust: core_call.


class CoreError(Exception):
    """A failed core call, with the core error's fields."""

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__(fields["message"])
        self.fields = fields


def read_parquet(path: Path) -> pa.Table:
    """A Parquet file the core wrote, with the Arrow schema it wrote (stored in the file's
    ``ARROW:schema``): pyarrow < 15 reads every dictionary back with int32 indices."""
    table = pq.read_table(path)
    stored = (pq.read_metadata(path).metadata or {}).get(b"ARROW:schema")
    if stored is None:
        return table
    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(stored)))
    return table if table.schema.equals(schema) else table.cast(schema)


class Core:
    """Calls the Rust crate's entry points through ``core_call``."""

    def __init__(self, exe: Path, tmp: Path) -> None:
        self.exe, self.tmp = exe, tmp
        self._inputs: dict[int, tuple[pa.Table, Path]] = {}
        self._calls = 0

    def parquet(self, table: pa.Table) -> Path:
        """``table`` written to a Parquet file (once per table object)."""
        held = self._inputs.get(id(table))
        if held is None:
            path = self.tmp / f"input{len(self._inputs)}.parquet"
            pq.write_table(table, path)
            held = self._inputs[id(table)] = (table, path)
        return held[1]

    def __call__(
        self,
        entry: str,
        options: dict[str, Any],
        *,
        columns: dict[str, str] | None = None,
        cancelled: bool = False,
        **inputs: pa.Table,
    ) -> dict[str, pa.Table]:
        """The call's result tables by name (``columns``: our names to the inputs';
        ``cancelled``: under a cancellation token already cancelled)."""
        self._calls += 1
        out = self.tmp / f"call{self._calls}"
        args = [str(self.exe), entry, str(out), json.dumps(options)]
        args += [f"{name}={self.parquet(t)}" for name, t in inputs.items()]
        if columns:
            args.append(f"--columns={json.dumps(columns)}")
        if cancelled:
            args.append("--cancelled")
        run = subprocess.run(args, capture_output=True, text=True, check=False)
        if run.returncode == 2:
            raise CoreError(json.loads(run.stdout))
        assert run.returncode == 0, run.stderr
        return {p.stem: read_parquet(p) for p in sorted(out.glob("*.parquet"))}

    def one(
        self,
        entry: str,
        options: dict[str, Any],
        *,
        columns: dict[str, str] | None = None,
        **inputs: pa.Table,
    ) -> pa.Table:
        """The call's single result table."""
        return self(entry, options, columns=columns, **inputs)["result"]


# ---------------------------------------------------------------------------------------------
# C: the library through ctypes, its structs read from the header.


class ArrowArrayStream(ctypes.Structure):
    """The Arrow C stream interface's struct (five pointers)."""

    _fields_ = [
        ("get_schema", ctypes.c_void_p),
        ("get_next", ctypes.c_void_p),
        ("get_last_error", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


_SCALARS: dict[str, Any] = {
    "size_t": ctypes.c_size_t,
    "bool": ctypes.c_bool,
    "uint32_t": ctypes.c_uint32,
    "int32_t": ctypes.c_int32,
    "uint64_t": ctypes.c_uint64,
    "int64_t": ctypes.c_int64,
    "uint16_t": ctypes.c_uint16,
    "uint8_t": ctypes.c_uint8,
    "double": ctypes.c_double,
    "int": ctypes.c_int,
}


def _ctype(declared: str, structs: dict[str, type[ctypes.Structure]]) -> Any:
    """The ctypes type of a member declared as ``declared`` in the header."""
    t = " ".join(declared.replace("const", " ").split())
    if t == "char * *":
        return ctypes.POINTER(ctypes.c_char_p)
    if t == "char *":
        return ctypes.c_char_p
    pointer = t.endswith("*")
    base = t.rstrip("* ").removeprefix("struct ")
    inner = structs[base] if base in structs else _SCALARS[base]
    return ctypes.POINTER(inner) if pointer else inner


def header_structs() -> dict[str, type[ctypes.Structure]]:
    """Every ``typedef struct Cm... { ... } Cm...;`` of the header as a ctypes Structure."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    structs: dict[str, type[ctypes.Structure]] = {}
    for name, body in re.findall(r"typedef struct (Cm\w+) \{(.*?)\} \1;", text, flags=re.S):
        fields = []
        for member in body.split(";"):
            member = " ".join(member.split())
            if not member:
                continue
            m = re.fullmatch(r"(.*?[\s*])(\w+)", member)
            assert m, f"{name}: cannot read member {member!r}"
            declared = m.group(1).replace("*", " * ")
            fields.append((m.group(2), _ctype(declared, structs)))
        structs[name] = type(name, (ctypes.Structure,), {"_fields_": fields})
    return structs


def header_constants() -> dict[str, int]:
    """Every ``#define CM_NAME <integer>`` and enum constant ``CM_NAME = <integer>``."""
    text = HEADER.read_text()
    out = {k: int(v) for k, v in re.findall(r"#define (CM_\w+) (\d+)", text)}
    out.update({k: int(v) for k, v in re.findall(r"\b(CM_\w+) = (\d+)", text)})
    return out


class C:
    """The C library: its functions, structs and constants, and the stream conversions."""

    def __init__(self, path: Path) -> None:
        self.lib = ctypes.CDLL(str(path))
        self.structs = header_structs()
        self.const = header_constants()
        self._keep: list[Any] = []
        for name in [
            "cm_last_error_message",
            "cm_last_error_kind",
            "cm_last_error_table",
            "cm_last_error_column",
            "cm_last_error_argument",
            "cm_last_error_value",
            "cm_last_error_group",
            "cm_last_error_rule",
            "cm_version",
        ]:
            getattr(self.lib, name).restype = ctypes.c_char_p
        self.lib.cm_last_error_row.restype = ctypes.c_int64
        # Functions returning a struct by value (the options defaults): types from the header.
        text = HEADER.read_text()
        for struct_name, name, params in re.findall(r"struct (Cm\w+) (cm_\w+)\(([^)]*)\);", text):
            f = getattr(self.lib, name)
            declared = [
                " ".join(p.split()[:-1]) for p in params.split(",") if p.strip() not in ("", "void")
            ]
            f.argtypes = [_SCALARS[t] for t in declared]
            f.restype = self.structs[struct_name]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lib, name)

    # Arguments that must live until the call returns.
    def keep(self, value: Any) -> Any:
        self._keep.append(value)
        return value

    def strings(self, items: Iterable[str] | None) -> tuple[Any, int]:
        """A ``const char *const *`` array and its length (NULL, 0 for none)."""
        values = [] if items is None else [s.encode() for s in items]
        if not values:
            return None, 0
        return self.keep((ctypes.c_char_p * len(values))(*values)), len(values)

    def string(self, s: str | None) -> bytes | None:
        return None if s is None else self.keep(s.encode())

    def doubles(self, values: Sequence[float]) -> Any:
        return self.keep((ctypes.c_double * len(values))(*values))

    @staticmethod
    def field_type(struct: ctypes.Structure, name: str) -> Any:
        """The ctypes type of a struct member (a pointer type for an array member)."""
        return next(f[1] for f in struct._fields_ if f[0] == name)

    def array(self, pointer_type: Any, values: Sequence[Any]) -> Any:
        """``values`` as a C array of the type ``pointer_type`` points to (NULL when empty)."""
        if not values:
            return None
        items = self.keep((pointer_type._type_ * len(values))(*values))
        return ctypes.cast(items, pointer_type)

    @staticmethod
    def stream(table: pa.Table) -> ArrowArrayStream:
        """``table`` exported as an Arrow C stream (its ownership passes to the callee)."""
        s = ArrowArrayStream()
        table.to_reader()._export_to_c(ctypes.addressof(s))
        return s

    @staticmethod
    def table(s: ArrowArrayStream) -> pa.Table:
        """The table of a result stream (imported, so released by pyarrow)."""
        return pa.RecordBatchReader._import_from_c(ctypes.addressof(s)).read_all()

    def check(self, status: int) -> None:
        """Fails with the last error when ``status`` is not CM_OK."""
        if status != 0:
            raise CError(self.error_fields(), status)

    def error_fields(self) -> dict[str, Any]:
        """The last error's fields, as the core names them."""

        def text(name: str) -> str | None:
            v = getattr(self.lib, f"cm_last_error_{name}")()
            return None if v is None else bytes(v).decode()

        row = self.lib.cm_last_error_row()
        return {
            "kind": text("kind"),
            "table": text("table"),
            "column": text("column"),
            "argument": text("argument"),
            "row": None if row < 0 else row,
            "value": text("value"),
            "group": text("group"),
            "rule": text("rule"),
            "message": text("message"),
        }


class CError(Exception):
    """A failed C call, with the last error's fields."""

    def __init__(self, fields: dict[str, Any], status: int) -> None:
        super().__init__(fields["message"])
        self.fields, self.status = fields, status


def python_error_fields(e: cm.CollabMetricsError) -> dict[str, Any]:
    """A Python exception's fields, as the core names them."""
    return {
        "kind": e.kind,
        "table": e.table,
        "column": e.column,
        "argument": e.argument,
        "row": e.row,
        "value": e.value,
        "group": e.group,
        "rule": e.rule,
        "message": str(e),
    }


def code_of(option: str, name: str) -> int:
    """The C code of an option value: its position in the core's name table."""
    return _native.OPTION_NAMES[option].index(name)


def name_of(option: str, code: int) -> str:
    """The core's name of a C option code."""
    return _native.OPTION_NAMES[option][code]


# ---------------------------------------------------------------------------------------------
# The command line.


class Cli:
    """The ``collabmetrics`` program on Parquet files written to ``tmp``."""

    def __init__(self, exe: Path, core: Core) -> None:
        self.exe, self.core = exe, core

    def file(self, table: pa.Table) -> str:
        return str(self.core.parquet(table))

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A run, successful or not."""
        return subprocess.run([str(self.exe), *args], capture_output=True, text=True, check=False)

    def __call__(self, *args: str) -> tuple[str, str]:
        """Standard output and standard error of a successful run."""
        run = self.run(*args)
        assert run.returncode == 0, f"collabmetrics {' '.join(args)}: {run.stderr}"
        return run.stdout, run.stderr


def cli_diagnostics(stderr: str) -> list[dict[str, Any]]:
    """The diagnostics the CLI printed (``diagnostic: N × reason: action (first at data row
    R)``; the CLI counts a file's data rows from 1, the library from 0)."""
    out = []
    for line in stderr.splitlines():
        m = re.fullmatch(r"diagnostic: (\d+) × (\w+): (.*?)(?: \(first at data row (\d+)\))?", line)
        if m:
            out.append(
                {
                    "reason": m.group(2),
                    "action": m.group(3),
                    "count": int(m.group(1)),
                    "first_row": None if m.group(4) is None else int(m.group(4)) - 1,
                }
            )
    return out


def cli_error(fields: dict[str, Any], file: str) -> str:
    """The message the CLI prints for a library error: the library's message, except that a
    bad cell's row is placed in the Parquet file it is in (data rows counted from 1)."""
    if fields["kind"] != "invalid_cell":
        return f"collabmetrics: {fields['message']}"
    column = (
        fields["column"] if fields["table"] is None else f"{fields['table']}.{fields['column']}"
    )
    return (
        f"collabmetrics: invalid value in column `{column}` at row {fields['row'] + 1} of {file} "
        f"({fields['value']}): {fields['rule']}"
    )


def _cell(value: Any, text: str, starred: bool) -> bool:
    """True when the CLI's CSV text is ``value`` (bit for bit for floats)."""
    if value is None:
        return text == "" or (starred and text == "*")
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, float):
        try:
            parsed = float(text)
        except ValueError:
            return False
        if math.isnan(value):
            return math.isnan(parsed)
        return struct.pack("<d", parsed) == struct.pack("<d", value)
    if isinstance(value, int):
        try:
            return int(text) == value
        except ValueError:
            return float(text) == value  # a count column the publication turned into text
    if isinstance(value, dt.date):
        return text == value.isoformat()
    return text == str(value)


def assert_csv_same(expected: pa.Table, text: str, what: str, *, starred: bool = False) -> None:
    """The CLI's CSV holds ``expected``: the same columns, rows and values (floats bit for
    bit). With ``starred`` (``--publish``), a suppressed cell may read ``*``."""
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, what
    assert rows[0] == expected.schema.names, what
    body = rows[1:]
    assert len(body) == expected.num_rows, what
    for j, name in enumerate(expected.schema.names):
        for i, value in enumerate(expected.column(name).to_pylist()):
            if not _cell(value, body[i][j], starred):
                pytest.fail(
                    f"{what}: column {name} row {i}: expected {value!r}, CSV has {body[i][j]!r}"
                )


def assert_json_same(expected: pa.Table, text: str, what: str) -> None:
    """The CLI's JSON (``--format json``: an array of row objects, nulls left out) holds
    ``expected``, floats bit for bit."""
    rows = json.loads(text)
    assert len(rows) == expected.num_rows, what
    for i, (row, want) in enumerate(zip(rows, expected.to_pylist())):
        assert set(row) <= set(want), f"{what}: row {i}: columns {sorted(set(row) - set(want))}"
        for name, value in want.items():
            got = row.get(name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            if isinstance(value, float) and isinstance(got, int):
                got = float(got)
            if _canon(got) != _canon(value):
                pytest.fail(f"{what}: column {name} row {i}: expected {value!r}, JSON has {got!r}")
