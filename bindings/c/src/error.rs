//! Status codes, the thread-local last error, and the guard every exported function runs its
//! body in (so a panic never unwinds into C).

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The result of every collabmetrics call that can fail. `CM_OK` (0) is success; codes 1 to 7
/// are the core library's error kinds (`collabmetrics::Error::code()`), 100 and up are errors
/// of the C interface itself. On any code but `CM_OK`, `cm_last_error_message()` says what went
/// wrong (argument, index, rule).
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
    /// A required pointer is NULL although its length is > 0.
    NULL_POINTER = 100,
    /// An internal error (a Rust panic) was caught at the boundary; please report it.
    PANIC = 101,
}

impl CmStatus {
    /// The status of a core error code (`collabmetrics::Error::code()`).
    pub(crate) fn from_core_code(code: i32) -> CmStatus {
        match code {
            1 => CmStatus::INVALID_ARGUMENT,
            2 => CmStatus::LENGTH_MISMATCH,
            3 => CmStatus::INVALID_VALUE,
            4 => CmStatus::MISSING_COLUMN,
            5 => CmStatus::COLUMN_TYPE,
            6 => CmStatus::INVALID_CELL,
            7 => CmStatus::INVALID_GROUP,
            // A code added to the core later and not yet mapped here: still an error, and the
            // message says which.
            _ => CmStatus::INVALID_ARGUMENT,
        }
    }
}

/// Why a call failed, before it is recorded as the thread's last error.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error of the core library (its message names the argument, index and rule).
    Core(collabmetrics::Error),
    /// A NULL pointer for an array of `len` > 0 elements.
    NullPointer { argument: &'static str, len: usize },
    /// A NULL pointer where a struct or stream is required.
    NullHandle { argument: &'static str },
}

impl Failure {
    /// An invalid-argument failure, worded like the core's.
    pub(crate) fn argument(argument: &str, message: impl Into<String>) -> Failure {
        Failure::Core(collabmetrics::Error::InvalidArgument {
            argument: argument.to_owned(),
            message: message.into(),
        })
    }

    fn status(&self) -> CmStatus {
        match self {
            Failure::Core(e) => CmStatus::from_core_code(e.code()),
            Failure::NullPointer { .. } | Failure::NullHandle { .. } => CmStatus::NULL_POINTER,
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

struct LastError {
    status: CmStatus,
    message: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError {
        status: CmStatus::OK,
        message: CString::default(),
    });
}

fn set_last_error(status: CmStatus, message: &str) {
    // The message never holds a NUL in practice; replace one rather than lose the message.
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // `try_with` fails only while the thread is being torn down: nothing to record then.
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = LastError { status, message });
}

/// Resets the thread's last error to "no error".
pub(crate) fn clear_last_error() {
    set_last_error(CmStatus::OK, "");
}

/// Runs `f`, returning `fallback` if it panics: the guard of the functions that cannot fail.
pub(crate) fn catch<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Runs the body of an exported estimator: clears the last error, catches any panic, and
/// records a failure as the thread's last error. Returns the call's status.
pub(crate) fn guard(body: impl FnOnce() -> CallResult) -> CmStatus {
    clear_last_error();
    let (status, message) = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return CmStatus::OK,
        Ok(Err(failure)) => (failure.status(), failure.to_string()),
        Err(payload) => (CmStatus::PANIC, panic_message(payload.as_ref())),
    };
    catch((), || set_last_error(status, &message));
    status
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    format!("internal error (Rust panic caught at the C boundary): {detail}; please report it")
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
