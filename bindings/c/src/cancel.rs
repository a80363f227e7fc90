//! Cancelling a call from another thread or a signal handler: a pointer to the caller's `int`
//! flag, read every few milliseconds of work by the core's long loops (a non-zero value ends
//! the call with `CM_CANCELLED`).
//!
//! The options structs of the long calls (OAP, transition, inequality measures, distance
//! summary) have a `cancel` field; every other call (the vector functions, SPC, funnels,
//! disclosure) uses the flag set for the calling thread with `cm_set_cancel_flag`.

use crate::error::CmStatus;
use collabmetrics::cancel::Token;
use std::cell::Cell;
use std::ffi::c_int;

thread_local! {
    /// This thread's flag for calls whose options give none.
    static THREAD_FLAG: Cell<*const c_int> = const { Cell::new(std::ptr::null()) };
}

/// Sets the cancellation flag of the calling thread: every later collabmetrics call on this
/// thread whose options give no `cancel` flag of their own (and every call without options,
/// such as `cm_distance_geodesic`) reads `*flag` every few milliseconds of work and returns
/// `CM_CANCELLED` once it is non-zero. NULL clears it. Returns `CM_OK` (and clears the last
/// error, as every call that can fail does).
///
/// # Safety
///
/// `flag` must be NULL or point to an `int` that stays valid until the flag is cleared (or the
/// thread ends). Write it from another thread with C11 `atomic_store` (or declare it
/// `volatile sig_atomic_t` and set it from a signal handler).
#[no_mangle]
pub unsafe extern "C" fn cm_set_cancel_flag(flag: *const c_int) -> CmStatus {
    crate::error::guard(|| {
        let _ = THREAD_FLAG.try_with(|f| f.set(flag));
        Ok(())
    })
}

/// The token of a call: its options' flag, else the thread's, else none.
pub(crate) fn token(flag: *const c_int) -> Token {
    let flag = if flag.is_null() {
        THREAD_FLAG.try_with(Cell::get).unwrap_or(std::ptr::null())
    } else {
        flag
    };
    // SAFETY: the caller of the collabmetrics function keeps the flag valid for the call (the
    // options' documentation and `cm_set_cancel_flag`'s); the token does not outlive it.
    unsafe { Token::from_flag(flag) }
}

/// Runs `f` cancellable through `flag` (see [`token`]), on the calling thread.
pub(crate) fn scoped<T>(flag: *const c_int, f: impl FnOnce() -> T) -> T {
    collabmetrics::cancel::scope(&token(flag), f)
}

/// Runs a computation `f` cancellable through `flag`, on the calling thread unless rayon's
/// global pool cannot serve it (a forked child, another call running), when it runs on a pool
/// of the process's own while the calling thread waits
/// (`collabmetrics::cancel::run_here_or_on_pool`). The inputs are read before, on the calling
/// thread: a stream's producer may need its callbacks called there.
pub(crate) fn with<T: Send>(flag: *const c_int, f: impl FnOnce() -> T + Send) -> T {
    scoped(flag, || collabmetrics::cancel::run_here_or_on_pool(f))
}
