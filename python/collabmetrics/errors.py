"""The exceptions of collabmetrics: one class per kind of error, all created by the Rust core.

Every error is a :class:`CollabMetricsError`, itself a :class:`ValueError`, so
``except ValueError`` keeps working. Each kind has its subclass, and every instance carries the
facts of its message as attributes (``None`` where they do not apply):

* ``kind``: the kind's stable name (``"invalid_cell"``, ...), as C's ``cm_last_error_kind()``;
* ``table``: the table, for calls that take several (``"contacts"``);
* ``column``: the column (for vector arguments, the argument);
* ``argument``: the option or argument (``"confidence"``);
* ``row``: the first offending row (0-based; for vectors, the index);
* ``value``: the offending value, as text;
* ``group``: the group, for grouped computations;
* ``rule``: the rule broken, in words.

=========================  =====================  ==========================================
class                      ``kind``               raised when
=========================  =====================  ==========================================
``InvalidArgumentError``   ``invalid_argument``   an option is outside its domain
``LengthMismatchError``    ``length_mismatch``    parallel arguments have different lengths
``InvalidValueError``      ``invalid_value``      an element of an array breaks a rule
``MissingColumnError``     ``missing_column``     a required column is absent
``ColumnTypeError``        ``column_type``        a column has an unusable type
``InvalidCellError``       ``invalid_cell``       a cell of a table breaks a rule
``InvalidGroupError``      ``invalid_group``      a group as a whole breaks a rule
``LimitExceededError``     ``limit_exceeded``     a request exceeds a documented limit
``CancelledError``         ``cancelled``          the computation was cancelled through
                                                  a :class:`~collabmetrics.CancelScope`
``InternalError``          ``internal``           a bug in collabmetrics (a Rust panic)
=========================  =====================  ==========================================

Cancelling with Ctrl-C raises :class:`KeyboardInterrupt`, as for any Python call, not
``CancelledError``: that class is for a cancellation asked of collabmetrics itself
(``scope.cancel()`` from another thread, for a call made inside ``with scope:``). A Rust panic
anywhere under a call (argument conversion included) is an ``InternalError`` and prints nothing;
please report it.

Example:
    >>> import collabmetrics as cm
    >>> try:
    ...     cm.proportion([1, 2], [10, 0])
    ... except cm.InvalidCellError as e:
    ...     print(e.kind, e.column, e.row, e.value)
    invalid_cell denominator 1 0
    >>> try:
    ...     cm.proportion([1, 2], [5, 6, 7])
    ... except cm.LengthMismatchError as e:
    ...     print(e)
    length mismatch: `denominator` has 3 elements but `numerator` has 2
"""

from ._native import (
    ERROR_KINDS,
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

__all__ = [
    "ERROR_KINDS",
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
]
