"""Rich display in notebooks: :func:`show` renders a result as people read it, estimates as
"value (lower to upper)", the interval's level and method once, the diagnostics under the
table and a SYNTHETIC DATA banner for the demo's invented data. The result itself stays a
plain frame: :func:`show` returns a small object that Jupyter displays (``_repr_html_``) and
that prints as text elsewhere.

The objects collabmetrics returns besides frames display the same way:
:func:`collabmetrics.diagnostics` returns a :class:`Diagnostics` list and
:func:`collabmetrics.inequality.decompose` a :class:`Decomposition` dict.

Example:
    >>> import collabmetrics as cm
    >>> r = cm.proportion([65, 1045], [100, 5000])
    >>> print(cm.show(r))  # doctest: +NORMALIZE_WHITESPACE
    2 rows; 95% intervals (Wilson)
    numerator  denominator  value (lower to upper)
           65          100   0.650 (0.553 to 0.736)
         1,045        5,000   0.209 (0.198 to 0.220)
    >>> "value (lower to upper)" in cm.show(r)._repr_html_()
    True
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from . import _native
from ._frames import Frame, is_synthetic, to_arrow, whole

__all__ = ["Decomposition", "Diagnostics", "Shown", "show"]

_STYLE = (
    "<style>.cm-result{font-family:system-ui,sans-serif;font-size:13px}"
    ".cm-result table{border-collapse:collapse;margin:4px 0}"
    ".cm-result th,.cm-result td{padding:2px 8px;border-bottom:1px solid #e5e5e5;text-align:left}"
    ".cm-result td.n,.cm-result th.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".cm-result .cm-synthetic{background:#fff4e5;border-left:5px solid #e46c0a;"
    "padding:4px 8px;font-weight:600}"
    ".cm-result .cm-caption{color:#555}</style>"
)


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


#: The significant figures a small number keeps (3/20 000 is 0.00015, not 0.000).
_SIGNIFICANT = 2
#: The most decimals shown in fixed notation; a number needing more is shown in scientific
#: notation (``1.5e-20``), with :data:`_SIGNIFICANT` figures.
_MAX_DECIMALS = 8


def _decimals_for(x: float) -> int | None:
    """Decimals that show ``x`` (positive, finite) with :data:`_SIGNIFICANT` figures; None
    beyond :data:`_MAX_DECIMALS` (scientific notation)."""
    d = _SIGNIFICANT - 1 - math.floor(math.log10(x))
    return d if d <= _MAX_DECIMALS else None


def _digits(values: Sequence[Any]) -> int | None:
    """Decimals for a column of floats: fewer for larger numbers; below 0.01, enough for the
    largest to keep two significant figures."""
    finite = [abs(v) for v in values if isinstance(v, float) and math.isfinite(v)]
    if not finite:
        return 0
    if all(v == int(v) for v in finite):
        return 0
    top = max(finite)
    if top >= 0.01:
        return 0 if top >= 1000 else 1 if top >= 10 else 2 if top >= 1 else 3
    return _decimals_for(top)


#: Beyond this magnitude a number is shown in scientific notation (1.5e+300, not 301 digits).
_MAX_FIXED = 1e15


def _fine(x: Any, column_digits: int | None) -> int | None:
    """The column's decimals, or more when ``x`` would keep fewer than two significant figures
    with them (an RII of 0.26 in a column of SIIs in the thousands)."""
    if column_digits is None or not isinstance(x, float) or not 0 < abs(x) < math.inf:
        return column_digits
    if x == int(x):
        return column_digits  # a whole number keeps its figures
    fine = _decimals_for(abs(x))
    return None if fine is None else max(column_digits, fine)


def _fmt(x: Any, digits: int | None, separators: bool = True) -> str:
    if _is_missing(x):
        return "–"
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return f"{x:,}" if separators else str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        if x == 0:
            x = 0.0  # not -0
        if not separators and x == int(x) and abs(x) < _MAX_FIXED:
            return str(int(x))  # a year or code held as a float (a pandas column with a null)
        if digits is None or abs(x) >= _MAX_FIXED:
            return f"{x:.{_SIGNIFICANT}g}" if abs(x) < _MAX_FIXED else f"{x:.3g}"
        text = f"{x:,.{digits}f}"
        # A small negative number rounded to zero reads 0, not -0.000.
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text
    return str(x)


def _estimate(value: Any, lower: Any, upper: Any, column_digits: int | None) -> str:
    """One "value (lower to upper)" cell, the three with the same decimals: the column's, or
    more when the value (at 0, the larger limit) would keep fewer than two significant
    figures. A missing value reads "–" alone: limits without their estimate would read as
    the interval of a value that is not there. Missing limits: the value alone."""
    if _is_missing(value):
        return "–"
    finite = [abs(x) for x in (value, lower, upper) if isinstance(x, float) and math.isfinite(x)]
    reference = abs(value) if value else max(finite, default=0.0)
    d = _fine(float(reference), column_digits)
    if _is_missing(lower) or _is_missing(upper):
        return _fmt(value, d)
    return f"{_fmt(value, d)} ({_fmt(lower, d)} to {_fmt(upper, d)})"


def _estimates(names: list[str]) -> list[tuple[str, str, str]]:
    """(value, lower, upper) column triples: ``value``/``lower``/``upper`` and ``X``/
    ``X_lower``/``X_upper`` (or ``P_lower``/``P_upper`` beside one ``P_...`` column)."""
    triples = []
    present = set(names)
    for n in names:
        if not n.endswith("_lower") and n != "lower":
            continue
        prefix = n[: -len("lower")]  # "" or "rate_started_"
        upper = prefix + "upper"
        if upper not in present:
            continue
        base = prefix[:-1] if prefix else "value"
        if base not in present:
            others = [
                m
                for m in names
                if m.startswith(prefix) and m not in (n, upper) and not m.endswith("_method")
            ]
            if len(others) != 1:
                continue
            base = others[0]
        triples.append((base, n, upper))
    return triples


class Shown:
    """A result laid out for reading; Jupyter displays it as HTML, ``print`` as text."""

    def __init__(self, frame: Frame, *, title: str | None = None, max_rows: int = 20) -> None:
        table, _ = to_arrow(frame)
        self.title = title
        self.synthetic = is_synthetic(frame)
        self.total_rows = table.num_rows
        self.diagnostics: list[dict[str, Any]] = []
        from ._frames import diagnostics

        try:
            self.diagnostics = list(diagnostics(frame))
        except (ValueError, TypeError):
            self.diagnostics = []  # not a collabmetrics result: nothing to say
        max_rows = whole(max_rows, "max_rows")
        if max_rows < 0:
            raise _native.invalid_argument("max_rows", f"must be 0 or more, got {max_rows}")
        self.header, self.rows, self.numeric, self.caption = _layout(table, max_rows)
        #: The rows shown before the gap when rows are left out (the first half, then the last).
        self.head = max_rows // 2

    def _text_lines(self) -> list[str]:
        widths = [max([len(h)] + [len(r[i]) for r in self.rows]) for i, h in enumerate(self.header)]

        def line(cells: list[str]) -> str:
            return "  ".join(
                c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, self.numeric)
            ).rstrip()

        out = []
        if self.synthetic:
            out.append("SYNTHETIC DATA: invented by the collabmetrics demo generator")
        if self.title:
            out.append(self.title)
        out.append(self.caption)
        out.append(line(self.header))
        out.extend(line(r) for r in self.rows[: self.head])
        if self.total_rows > len(self.rows):
            out.append(f"… {self.total_rows - len(self.rows)} more rows")
        out.extend(line(r) for r in self.rows[self.head :])
        for d in self.diagnostics:
            out.append(f"note: {d['count']} × {d['reason']}: {d['action']}")
        return out

    def __str__(self) -> str:
        return "\n".join(self._text_lines())

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        e = html.escape
        parts = [_STYLE, '<div class="cm-result">']
        if self.synthetic:
            parts.append(
                '<p class="cm-synthetic">SYNTHETIC DATA: invented by the collabmetrics demo '
                "generator; no real patients or services.</p>"
            )
        if self.title:
            parts.append(f"<h4>{e(self.title)}</h4>")
        parts.append(f'<p class="cm-caption">{e(self.caption)}</p>')
        gap = None
        if self.total_rows > len(self.rows):
            gap = (self.head, f"… {self.total_rows - len(self.rows)} more rows")
        parts.append(_html_table(self.header, self.rows, self.numeric, gap))
        if self.diagnostics:
            parts.append(Diagnostics(self.diagnostics)._repr_html_())
        parts.append("</div>")
        return "".join(parts)


def _html_table(
    header: list[str],
    rows: list[list[str]],
    numeric: list[bool],
    gap: tuple[int, str] | None = None,
) -> str:
    """An HTML table; ``gap`` (row, text): a row of text standing for the rows left out."""
    e = html.escape
    cls = [' class="n"' if n else "" for n in numeric]
    head = "".join(f"<th{c}>{e(h)}</th>" for h, c in zip(header, cls))
    cells = [
        "<tr>" + "".join(f"<td{c}>{e(v)}</td>" for v, c in zip(r, cls)) + "</tr>" for r in rows
    ]
    if gap is not None:
        span = max(len(header), 1)
        cells.insert(gap[0], f'<tr><td colspan="{span}" class="cm-caption">{e(gap[1])}</td></tr>')
    body = "".join(cells)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _keys(table: pa.Table) -> set[str]:
    """Columns that name things (a result's keys, codes, identifiers, years): their whole
    numbers read without thousands separators (2024, not 2,024)."""
    meta = table.schema.metadata or {}
    try:
        roles = json.loads(meta.get(_native.ROLES_KEY.encode(), b"{}"))
    except ValueError:
        roles = {}
    named = set(roles.get("keys", [])) | set(roles.get("dimensions", []))
    for n in table.column_names:
        low = n.lower()
        if low in ("year", "code", "id") or low.endswith(("_year", "_code", "_id", "year")):
            named.add(n)
    return named


def _shared(column: pa.ChunkedArray) -> Any:
    """The value every row of ``column`` holds, or None when rows differ, one is missing or
    there are none. Counted in Arrow: a million rows are not turned into Python objects to
    show twenty."""
    if len(column) == 0 or column.null_count:
        return None
    distinct = pc.unique(column)
    return distinct[0].as_py() if len(distinct) == 1 else None


def _layout(table: pa.Table, max_rows: int) -> tuple[list[str], list[list[str]], list[bool], str]:
    """Header, formatted rows, which columns are numeric, and the caption."""
    names = table.column_names
    if table.num_rows > max_rows:
        head = max_rows // 2
        shown = pa.concat_tables(
            [table.slice(0, head), table.slice(table.num_rows - (max_rows - head))]
        )
    else:
        shown = table
    data = {n: shown.column(n).to_pylist() for n in names}
    caption = [f"{table.num_rows:,} rows"]
    hidden: set[str] = set()
    # The level and the method, when one for the whole table, go to the caption.
    # (A level shared by every row; rows without one, such as T7's quartiles, keep the column.)
    level = _shared(table.column("confidence")) if "confidence" in names else None
    methods = [n for n in names if n == "method" or n.endswith("_method")]
    method_text = []
    for m in methods:
        # Only when every row has it: a row without a method must not read as having one.
        method = _shared(table.column(m))
        if method is not None:
            method_text.append(str(method))
            hidden.add(m)
    if level is not None:
        text = f"{level * 100:.6g}% intervals"
        if method_text:
            text += f" ({', '.join(method_text)})"
        caption.append(text)
        hidden.add("confidence")
    elif method_text:
        caption.append("method: " + ", ".join(method_text))
    triples = _estimates(names)
    in_triple = {c for t in triples for c in t}
    keys = _keys(table)
    header: list[str] = []
    columns: list[list[str]] = []
    numeric: list[bool] = []
    for n in names:
        if n in hidden:
            continue
        triple = next((t for t in triples if t[0] == n), None)
        if triple is not None:
            v, lo, hi = (data[c] for c in triple)
            d = _digits(v + lo + hi)
            header.append(f"{n} (lower to upper)")
            columns.append([_estimate(a, b, c, d) for a, b, c in zip(v, lo, hi)])
            numeric.append(True)
            continue
        if n in in_triple:
            continue
        values = data[n]
        d = _digits(values)
        separators = n not in keys
        header.append(n)
        columns.append([_fmt(x, _fine(x, d), separators) for x in values])
        numeric.append(
            bool(values) and all(isinstance(x, (int, float)) or x is None for x in values)
        )
    rows = [list(r) for r in zip(*columns)] if columns else []
    return header, rows, numeric, "; ".join(caption)


def show(result: Frame, *, title: str | None = None, max_rows: int = 20) -> Shown:
    """A result laid out for reading (the result itself is unchanged).

    Estimates with limits become one column "value (lower to upper)" (``value``/``lower``/
    ``upper``, and ``X``/``X_lower``/``X_upper`` such as ``rate_started``), the three with the
    same decimals, enough for the value to keep two significant figures (3/20 000 reads
    0.00015, not 0.000); a missing value reads "–", without its limits; a confidence level
    and a method shared by every row go to the caption; the diagnostics follow the table; the
    demo's invented data (and results computed from them) carry a SYNTHETIC DATA banner. At
    most ``max_rows`` rows are shown (the first and last, with a line where the others are left
    out). Every other number keeps two significant figures too, whatever the rest of its column
    holds (an RII of 0.26 beside SIIs in the thousands); magnitudes from 10¹⁵ are shown in
    scientific notation; whole numbers of a result's keys and of columns named like years, codes
    or identifiers have no thousands separators.

    Example:
        >>> import collabmetrics as cm
        >>> t = cm.demo.tables()
        >>> s = cm.show(cm.oap.measures(t["placements"], start="2024-03-01", end="2024-03-31",
        ...                             by="place", population=None))
        >>> s.synthetic, "SYNTHETIC DATA" in s._repr_html_()
        (True, True)
    """
    return Shown(result, title=title, max_rows=max_rows)


class Diagnostics(list):  # type: ignore[type-arg]
    """The diagnostics of a result: a list of dicts (``reason``, ``action``, ``count``,
    ``first_row``) that Jupyter displays as a table."""

    def _repr_html_(self) -> str:
        if not self:
            return "<p>No record was set aside or flagged.</p>"
        rows = [
            [
                str(d.get("reason", "")),
                f"{d.get('count', 0):,}",
                str(d.get("action", "")),
                "–" if d.get("first_row") is None else str(d["first_row"]),
            ]
            for d in self
        ]
        return (
            "<p><strong>Diagnostics</strong>: records a documented rule set aside or "
            "flagged</p>"
            + _html_table(
                ["reason", "records", "what the rule did", "first row"],
                rows,
                [False, True, False, True],
            )
        )


class Decomposition(dict):  # type: ignore[type-arg]
    """A decomposition (``total``, ``within``, ``between``, ``groups``): a dict that Jupyter
    displays as a table."""

    def _repr_html_(self) -> str:
        rows = [[part, _fmt(self.get(part), 6)] for part in ("total", "within", "between")] + [
            [f"group {g}", _fmt(v, 6)] for g, v in dict(self.get("groups", {})).items()
        ]
        return _html_table(["part", "index"], rows, [False, True])
