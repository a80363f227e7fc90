//! Status codes, the thread-local last error, and the guard every exported function runs its
//! body in (so a panic never unwinds into C).

use collabmetrics::ErrorKind;
use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::fmt;
use std::sync::OnceLock;

/// The result of every collabmetrics call that can fail. `CM_OK` (0) is success; codes 1 to 9
/// are the core library's error kinds (`collabmetrics::ErrorKind::code()`), 100 and up are
/// errors of the C interface itself (101, `CM_PANIC`, is also the core's "internal" kind). On
/// any code but `CM_OK`, `cm_last_error_message()` says what went wrong and the
/// `cm_last_error_*()` accessors give the same facts field by field.
/// cbindgen:rename-all=prefix:CM_
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmStatus {
    /// Success.
    OK = 0,
    /// An option is outside its domain (e.g. confidence not in (0, 1), an unknown enum value),
    /// or an array is unusable (misaligned, too long, or an output overlapping another array).
    INVALID_ARGUMENT = 1,
    /// Two arrays that must be parallel have different lengths.
    LENGTH_MISMATCH = 2,
    /// An element of an array breaks a rule (e.g. a negative count, NaN, numerator > denominator).
    INVALID_VALUE = 3,
    /// A required column is missing from an input table (table functions only).
    MISSING_COLUMN = 4,
    /// A column has an unusable type (table functions only).
    COLUMN_TYPE = 5,
    /// A cell of an input table breaks a rule (table functions only).
    INVALID_CELL = 6,
    /// A group as a whole breaks a rule (e.g. an age band missing or given twice).
    INVALID_GROUP = 7,
    /// A request would exceed a documented limit (repetitions, memory, periods).
    LIMIT_EXCEEDED = 8,
    /// The computation was cancelled.
    CANCELLED = 9,
    /// A required pointer is NULL although its length is > 0.
    NULL_POINTER = 100,
    /// An internal error (a Rust panic) was caught at the boundary; please report it. Its kind
    /// is "internal".
    PANIC = 101,
}

impl From<ErrorKind> for CmStatus {
    /// The status of a core error kind: every kind has its own status, whose number is the
    /// kind's code.
    fn from(kind: ErrorKind) -> CmStatus {
        match kind {
            ErrorKind::InvalidArgument => CmStatus::INVALID_ARGUMENT,
            ErrorKind::LengthMismatch => CmStatus::LENGTH_MISMATCH,
            ErrorKind::InvalidValue => CmStatus::INVALID_VALUE,
            ErrorKind::MissingColumn => CmStatus::MISSING_COLUMN,
            ErrorKind::ColumnType => CmStatus::COLUMN_TYPE,
            ErrorKind::InvalidCell => CmStatus::INVALID_CELL,
            ErrorKind::InvalidGroup => CmStatus::INVALID_GROUP,
            ErrorKind::LimitExceeded => CmStatus::LIMIT_EXCEEDED,
            ErrorKind::Cancelled => CmStatus::CANCELLED,
            ErrorKind::Internal => CmStatus::PANIC,
        }
    }
}

/// `e` naming the C field that holds an argument rather than the core's name for it
/// (`renames`: pairs of the core's name and the C field's), so an error names what the C
/// caller set.
pub(crate) fn c_names(e: collabmetrics::Error, renames: &[(&str, &str)]) -> collabmetrics::Error {
    match e
        .argument()
        .and_then(|a| renames.iter().find(|(core, _)| *core == a))
    {
        Some(&(_, c)) => e.for_argument(c),
        None => e,
    }
}

/// The kind name of the C interface's own `CM_NULL_POINTER` failures.
const NULL_POINTER_KIND: &str = "null_pointer";

/// Why a call failed, before it is recorded as the thread's last error.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error of the core library (its message names the argument, index and rule); a
    /// caught panic is the core's `Error::Internal`.
    Core(collabmetrics::Error),
    /// A NULL pointer for an array of `len` > 0 elements.
    NullPointer { argument: &'static str, len: usize },
    /// A NULL pointer where a struct, stream or string is required (`derived[1].column`: a
    /// field of a list's element).
    NullHandle { argument: Cow<'static, str> },
}

impl Failure {
    /// An invalid-argument failure, worded like the core's.
    pub(crate) fn argument(argument: &str, message: impl Into<String>) -> Failure {
        Failure::Core(collabmetrics::Error::invalid_argument(argument, message))
    }

    /// A NULL pointer where `argument` is required.
    pub(crate) fn null(argument: &'static str) -> Failure {
        Failure::NullHandle {
            argument: Cow::Borrowed(argument),
        }
    }

    /// The same failure about a field of element `index` of the list `list`: `column` becomes
    /// `derived[1].column`, so the caller knows which element to mend.
    pub(crate) fn in_element(self, list: &str, index: usize) -> Failure {
        let name = |field: &str| format!("{list}[{index}].{field}");
        match self {
            Failure::NullHandle { argument } => Failure::NullHandle {
                argument: Cow::Owned(name(&argument)),
            },
            Failure::Core(e) => match e.argument().map(name) {
                Some(named) => Failure::Core(e.for_argument(&named)),
                None => Failure::Core(e),
            },
            other => other,
        }
    }

    fn status(&self) -> CmStatus {
        match self {
            Failure::Core(e) => CmStatus::from(e.kind()),
            Failure::NullPointer { .. } | Failure::NullHandle { .. } => CmStatus::NULL_POINTER,
        }
    }

    /// The record of a NULL pointer where `argument` is required.
    fn null_record(&self, argument: &str) -> LastError {
        LastError {
            status: self.status(),
            kind: NULL_POINTER_KIND,
            message: c_string(&self.to_string()),
            argument: Some(c_string(argument)),
            rule: Some(c_string("required pointer")),
            ..LastError::default()
        }
    }

    /// The failure's fields, as the accessors give them.
    fn record(&self) -> LastError {
        let text = |s: Option<&str>| s.map(c_string);
        match self {
            Failure::Core(e) => LastError {
                status: self.status(),
                kind: e.kind().as_str(),
                message: c_string(&e.to_string()),
                table: text(e.table()),
                column: text(e.column()),
                argument: text(e.argument()),
                row: e.row().and_then(|r| i64::try_from(r).ok()).unwrap_or(-1),
                value: text(e.value()),
                group: text(e.group()),
                rule: text(e.rule().as_deref()),
            },
            Failure::NullPointer { argument, .. } => self.null_record(argument),
            Failure::NullHandle { argument } => self.null_record(argument),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Core(e) => e.fmt(f),
            Failure::NullPointer { argument, len } => write!(
                f,
                "null pointer: `{argument}` is NULL but its length is {len}; pass an array of {len} elements"
            ),
            Failure::NullHandle { argument } => {
                write!(f, "null pointer: `{argument}` is NULL; it is required")
            }
        }
    }
}

impl From<collabmetrics::Error> for Failure {
    fn from(e: collabmetrics::Error) -> Self {
        Failure::Core(e)
    }
}

/// The body of an exported estimator: `Ok(())` or the reason it failed.
pub(crate) type CallResult = Result<(), Failure>;

/// The thread's last error, field by field.
struct LastError {
    status: CmStatus,
    /// The kind's static name ("" for no error).
    kind: &'static str,
    message: CString,
    table: Option<CString>,
    column: Option<CString>,
    argument: Option<CString>,
    row: i64,
    value: Option<CString>,
    group: Option<CString>,
    rule: Option<CString>,
}

impl Default for LastError {
    fn default() -> Self {
        LastError {
            status: CmStatus::OK,
            kind: "",
            message: CString::default(),
            table: None,
            column: None,
            argument: None,
            row: -1,
            value: None,
            group: None,
            rule: None,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError::default());
}

/// A Rust string as a C string; a NUL inside (never there in practice) is written `\0` rather
/// than losing the text.
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "\\0")).unwrap_or_default()
}

fn set_last_error(error: LastError) {
    // `try_with` fails only while the thread is being torn down: nothing to record then.
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = error);
}

/// Resets the thread's last error to "no error".
pub(crate) fn clear_last_error() {
    set_last_error(LastError::default());
}

/// Runs `f`, returning `fallback` if it panics: the guard of the functions that cannot fail.
pub(crate) fn catch<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    collabmetrics::panic::catch(f).unwrap_or(fallback)
}

/// Runs the body of an exported estimator: clears the last error, catches any panic (the
/// core's guard: reported as `CM_PANIC`, kind "internal", nothing printed), and records a
/// failure as the thread's last error. Returns the call's status.
pub(crate) fn guard(body: impl FnOnce() -> CallResult) -> CmStatus {
    clear_last_error();
    collabmetrics::cancel::note_process();
    // The thread's cancellation flag (`cm_set_cancel_flag`) applies to every call; a call
    // with a flag in its options installs that one inside.
    let failure =
        match collabmetrics::panic::catch(|| crate::cancel::scoped(std::ptr::null(), body)) {
            Ok(Ok(())) => return CmStatus::OK,
            Ok(Err(failure)) => failure,
            Err(internal) => Failure::Core(internal),
        };
    let status = failure.status();
    catch((), || set_last_error(failure.record()));
    status
}

/// Reads one field of the last error (`fallback` while the thread is torn down).
fn read<T>(fallback: T, f: impl FnOnce(&LastError) -> T) -> T {
    LAST_ERROR.try_with(|e| f(&e.borrow())).unwrap_or(fallback)
}

/// A text field as a pointer: NULL when the field does not apply.
fn field(f: impl FnOnce(&LastError) -> Option<*const c_char>) -> *const c_char {
    catch(std::ptr::null(), || {
        read(None, f).unwrap_or(std::ptr::null())
    })
}

/// The kind of the last failed call on this thread, as a static NUL-terminated string that is
/// never freed: the core's kind names ("invalid_argument", "length_mismatch",
/// "invalid_value", "missing_column", "column_type", "invalid_cell", "invalid_group",
/// "limit_exceeded", "cancelled", "internal" for a caught panic), "null_pointer" for
/// `CM_NULL_POINTER`, or "" when the last call succeeded. Never NULL.
#[no_mangle]
pub extern "C" fn cm_last_error_kind() -> *const c_char {
    const EMPTY: &CStr = c"";
    catch(EMPTY.as_ptr(), || {
        let kind = read("", |e| e.kind);
        static_name(kind).map_or(EMPTY.as_ptr(), CStr::as_ptr)
    })
}

/// The kind names as static C strings, built once from the core's names.
fn static_name(kind: &str) -> Option<&'static CStr> {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        ErrorKind::ALL
            .iter()
            .map(|k| k.as_str())
            .chain([NULL_POINTER_KIND])
            .map(c_string)
            .collect()
    });
    names
        .iter()
        .find(|n| n.to_bytes() == kind.as_bytes())
        .map(CString::as_c_str)
}

/// The table the last error belongs to, for calls that take several tables (e.g.
/// "contacts"); NULL when it is not about one of several tables. Valid until the next `cm_`
/// call on this thread.
#[no_mangle]
pub extern "C" fn cm_last_error_table() -> *const c_char {
    field(|e| e.table.as_ref().map(|s| s.as_ptr()))
}

/// The column of the last error (for vector arguments, the array argument); NULL when it
/// names none. Valid until the next `cm_` call on this thread.
#[no_mangle]
pub extern "C" fn cm_last_error_column() -> *const c_char {
    field(|e| e.column.as_ref().map(|s| s.as_ptr()))
}

/// The argument or option the last error is about (e.g. "confidence", or the NULL pointer's
/// name); NULL when none. Valid until the next `cm_` call on this thread.
#[no_mangle]
pub extern "C" fn cm_last_error_argument() -> *const c_char {
    field(|e| e.argument.as_ref().map(|s| s.as_ptr()))
}

/// The first offending row (0-based; for array arguments the index) of the last error, or
/// -1 when it names none.
#[no_mangle]
pub extern "C" fn cm_last_error_row() -> i64 {
    catch(-1, || read(-1, |e| e.row))
}

/// The offending value of the last error, as text (e.g. "NaN", "-3"); NULL when none. Valid
/// until the next `cm_` call on this thread.
#[no_mangle]
pub extern "C" fn cm_last_error_value() -> *const c_char {
    field(|e| e.value.as_ref().map(|s| s.as_ptr()))
}

/// The group the last error is about (grouped computations, e.g. "area=E1"); NULL when none.
/// Valid until the next `cm_` call on this thread.
#[no_mangle]
pub extern "C" fn cm_last_error_group() -> *const c_char {
    field(|e| e.group.as_ref().map(|s| s.as_ptr()))
}

/// The rule the last error broke, in words (e.g. "denominators must be finite and > 0");
/// NULL when none (a cancellation, an internal error). Valid until the next `cm_` call on
/// this thread.
#[no_mangle]
pub extern "C" fn cm_last_error_rule() -> *const c_char {
    field(|e| e.rule.as_ref().map(|s| s.as_ptr()))
}

/// The message of the last failed call on this thread, as a NUL-terminated UTF-8 string, or
/// the empty string if the last call succeeded or no call has failed yet.
///
/// The string is owned by the library: do not free it. It stays valid until the next `cm_`
/// call on the same thread (copy it, e.g. with `cm_last_error_copy`, to keep it). Never NULL.
/// Each thread has its own last error.
#[no_mangle]
pub extern "C" fn cm_last_error_message() -> *const c_char {
    const EMPTY: &CStr = c"";
    catch(EMPTY.as_ptr(), || {
        LAST_ERROR
            .try_with(|e| e.borrow().message.as_ptr())
            .unwrap_or(EMPTY.as_ptr())
    })
}

/// The status of the last call on this thread that reports one (`CM_OK` if it succeeded, or
/// if no such call has been made or `cm_clear_error` was called since).
#[no_mangle]
pub extern "C" fn cm_last_error_code() -> CmStatus {
    catch(CmStatus::PANIC, || {
        LAST_ERROR
            .try_with(|e| e.borrow().status)
            .unwrap_or(CmStatus::OK)
    })
}

/// Resets this thread's last error: afterwards `cm_last_error_code()` is `CM_OK` and
/// `cm_last_error_message()` is the empty string.
#[no_mangle]
pub extern "C" fn cm_clear_error() {
    catch((), clear_last_error);
}

/// Copies this thread's last error message into `buf` (at most `len` bytes including the
/// terminating NUL; a longer message is cut at a UTF-8 character boundary) and returns the
/// message's full length in bytes, without the NUL, like `snprintf`. A return value >= `len`
/// means the copy was cut short. With `buf` NULL or `len` 0 nothing is written, so
/// `cm_last_error_copy(NULL, 0) + 1` is the buffer size needed. Does not change the last error.
///
/// # Safety
///
/// `buf`, if not NULL, must point to `len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn cm_last_error_copy(buf: *mut c_char, len: usize) -> usize {
    catch(0, || {
        LAST_ERROR
            .try_with(|e| {
                let e = e.borrow();
                let message = e.message.to_bytes();
                if !buf.is_null() && len > 0 {
                    let n = utf8_prefix_len(message, len - 1);
                    // SAFETY: the caller guarantees `buf` has `len` writable bytes and
                    // `n + 1 <= len`; the source is our own CString, which cannot overlap it.
                    unsafe {
                        std::ptr::copy_nonoverlapping(message.as_ptr().cast(), buf, n);
                        *buf.add(n) = 0;
                    }
                }
                message.len()
            })
            .unwrap_or(0)
    })
}

/// The length of the longest prefix of `s` of at most `max` bytes that ends on a UTF-8
/// character boundary.
fn utf8_prefix_len(s: &[u8], max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    // A continuation byte is 0b10xx_xxxx: step back to the start of the character at `max`.
    (0..=max).rev().find(|&i| s[i] & 0xC0 != 0x80).unwrap_or(0)
}
