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
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

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

/// The process that made the library's first computation: rayon's global pool, which the
/// calls use, belongs to it (0 before the first).
static FIRST_PID: AtomicU32 = AtomicU32::new(0);
/// 1 while a computation runs on rayon's global pool, else 0.
static ON_GLOBAL: AtomicUsize = AtomicUsize::new(0);

/// The process that made the library's first call, `pid` when this is the first. Every
/// exported call notes it on entry (`crate::error::guard`), before anything can start rayon's
/// global pool.
pub(crate) fn first_pid(pid: u32) -> u32 {
    match FIRST_PID.compare_exchange(0, pid, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => pid,
        Err(first) => first,
    }
}

/// Ends the computation on the global pool ([`ON_GLOBAL`]).
struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        ON_GLOBAL.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs a computation `f` cancellable through `flag`, on the calling thread (its parallel
/// parts on rayon's global pool) unless that pool cannot serve it, when it runs on a pool of
/// the process's own (`collabmetrics::cancel::run_on_pool`) while the calling thread waits:
///
/// * in a forked child of a process that made a call (R's `parallel::mclapply`, a
///   fork-per-job server), which inherits the global pool without its threads: a call there
///   waited for ever;
/// * while another thread's computation runs on the global pool, which would run this one's
///   parallel parts only once the other's are done (rayon-rs/rayon#1054).
///
/// The common case, one call at a time in the process that made the first, costs nothing
/// more (handing a small call to a pool costs about 15 microseconds, more than many calls
/// take). The inputs are read before, on the calling thread: a stream's producer may need
/// its callbacks called there.
pub(crate) fn with<T: Send>(flag: *const c_int, f: impl FnOnce() -> T + Send) -> T {
    scoped(flag, || {
        let pid = std::process::id();
        let first = first_pid(pid);
        let alone = || {
            ON_GLOBAL
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        };
        if first == pid && alone() {
            let _leave = Leave;
            f()
        } else {
            collabmetrics::cancel::run_on_pool(f)
        }
    })
}
