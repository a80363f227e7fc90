//! The threads a call of the Python face runs on ([`crate::cancel::run_polled`]): a pool of
//! this process's own, not rayon's global pool, for two reasons found with the global one.
//!
//! * **A forked process.** rayon's global pool is made once per process, and a child made by
//!   `fork` (Python's `multiprocessing` and `ProcessPoolExecutor` on Linux, joblib) inherits
//!   the pool without its threads: a call handed to it there waited for ever. The pool is
//!   therefore kept with the id of the process that made it, and a call in another process (a
//!   forked child) makes that process's own pool. (The parent's is left alone: its threads
//!   do not exist in the child, so it can be neither used nor shut down there.)
//! * **Concurrent calls.** A pool runs work handed to it from outside only when its workers
//!   have nothing of their own left (rayon-rs/rayon#1054), so a small call from one thread
//!   waited for the whole of a long bootstrap running on another, and so did its Ctrl-C. A
//!   call that finds the shared pool busy runs on a pool of its own instead, made for it (about
//!   a tenth of a millisecond to start) and kept for the next such call, up to four (the
//!   calls then share the cores, as the operating system schedules their threads).
//!
//! Both pools have as many threads as rayon's global pool would (`RAYON_NUM_THREADS`, else
//! one per logical core); results never depend on it (every simulation is seeded per
//! replicate).

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

/// The shared pool of one process.
struct Shared {
    /// The process that made it.
    pid: u32,
    pool: ThreadPool,
    /// True while a call runs on it.
    busy: AtomicBool,
}

/// The shared pool, made at the first call of each process.
static SHARED: Mutex<Option<&'static Shared>> = Mutex::new(None);

fn build() -> Option<ThreadPool> {
    ThreadPoolBuilder::new()
        .thread_name(|i| format!("collabmetrics-{i}"))
        .build()
        .ok()
}

/// This process's shared pool (`None` when no thread can be started).
fn shared() -> Option<&'static Shared> {
    let pid = std::process::id();
    let mut slot = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    match *slot {
        Some(s) if s.pid == pid => Some(s),
        // First call, or first call of a forked child: the pool lives as long as the process
        // (leaked on purpose; a forked child's inherited one has no threads to stop).
        _ => {
            let s: &'static Shared = Box::leak(Box::new(Shared {
                pid,
                pool: build()?,
                busy: AtomicBool::new(false),
            }));
            *slot = Some(s);
            Some(s)
        }
    }
}

/// Pools made for calls that found the shared one busy, with the process that made them, kept
/// for the next such call (at most [`IDLE_MAX`]): making one starts a thread per core, which
/// many small concurrent calls paid each time (4 threads making 5 000 small C calls started
/// 880 threads).
static IDLE: Mutex<Vec<(u32, ThreadPool)>> = Mutex::new(Vec::new());

/// Idle pools kept (their threads sleep).
const IDLE_MAX: usize = 4;

/// An idle pool of this process, or a new one.
fn own_pool(pid: u32) -> Option<ThreadPool> {
    let idle = {
        let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
        // A forked child's inherited pools have no threads: forgotten, never used or stopped.
        for (_, foreign) in idle.extract_if(.., |(p, _)| *p != pid) {
            std::mem::forget(foreign);
        }
        idle.pop()
    };
    idle.map(|(_, pool)| pool).or_else(build)
}

/// Keeps `pool` for the next call that finds the shared pool busy (or drops it, ending its
/// threads, when enough are kept).
fn give_back(pid: u32, pool: ThreadPool) {
    let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
    if idle.len() < IDLE_MAX {
        idle.push((pid, pool));
    }
}

/// Clears a pool's `busy` flag when its call ends, panic or not.
pub(crate) struct Lease<'a>(&'a AtomicBool);

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// The pool's lease when no other call holds `busy`.
fn lease(busy: &AtomicBool) -> Option<Lease<'_>> {
    busy.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
        // Made only when taken: a dropped lease clears the flag (`then_some` would make one
        // either way, and clear another call's).
        .then(|| Lease(busy))
}

/// The process that made this copy of the library's first call (0 before it): rayon's global
/// pool, on which a caller that waits on its own thread (the C library) may run, is that
/// process's; a forked child inherits it without its threads.
static GLOBAL_OWNER: AtomicU32 = AtomicU32::new(0);
/// True while a call runs on rayon's global pool ([`lease_global`]).
static GLOBAL_BUSY: AtomicBool = AtomicBool::new(false);

/// Notes this process as the one that made the first call, unless one already is; called
/// before anything can start rayon's global pool.
pub(crate) fn note_process() {
    let _ =
        GLOBAL_OWNER.compare_exchange(0, std::process::id(), Ordering::AcqRel, Ordering::Acquire);
}

/// The lease of rayon's global pool when a call may run its parallel parts there: this
/// process made the first call (not a forked child of it) and no other call is on it.
pub(crate) fn lease_global() -> Option<Lease<'static>> {
    note_process();
    if GLOBAL_OWNER.load(Ordering::Acquire) == std::process::id() {
        lease(&GLOBAL_BUSY)
    } else {
        None
    }
}

/// Calls `f` with the pool a call should run on: the process's shared pool when no other call
/// uses it, else a pool of the call's own (see the module's documentation). Where no thread
/// can be started, `f` gets `None` and the call runs as rayon would run it anyway.
pub(crate) fn with_pool<R>(f: impl FnOnce(Option<&ThreadPool>) -> R) -> R {
    let Some(shared) = shared() else {
        return f(None);
    };
    if let Some(_lease) = lease(&shared.busy) {
        return f(Some(&shared.pool));
    }
    match own_pool(shared.pid) {
        Some(own) => {
            let out = f(Some(&own));
            give_back(shared.pid, own);
            out
        }
        None => f(Some(&shared.pool)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// The pool tests hold the shared pool busy in turn, one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    /// Runs `f` while another thread's call holds the shared pool (the pool tests one at a
    /// time).
    fn while_the_shared_pool_is_busy<R>(f: impl FnOnce() -> R) -> R {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let first = std::thread::spawn(move || {
            with_pool(|pool| {
                pool.unwrap().install(move || {
                    started_tx.send(()).unwrap();
                    // Holds the pool's only busy flag until told to finish.
                    release_rx.recv_timeout(Duration::from_secs(60)).unwrap();
                })
            })
        });
        started_rx.recv_timeout(Duration::from_secs(60)).unwrap();
        let out = f();
        release_tx.send(()).unwrap();
        first.join().unwrap();
        out
    }

    /// A call made while another holds the shared pool runs at once on a pool of its own,
    /// rather than waiting for the first to end.
    #[test]
    fn a_second_call_does_not_wait_for_the_first() {
        let (second_pool_busy, ran) = while_the_shared_pool_is_busy(|| {
            with_pool(|pool| {
                let pool = pool.unwrap();
                let busy = shared().unwrap().busy.load(Ordering::Acquire);
                (
                    busy,
                    pool.install(|| rayon::current_thread_index().is_some()),
                )
            })
        });
        assert!(second_pool_busy && ran);
    }

    /// Calls that find the shared pool busy one after another reuse one pool of their own
    /// rather than starting threads each time (new threads would have new ids).
    #[test]
    fn a_busy_calls_pool_is_kept_for_the_next() {
        let threads = || {
            with_pool(|pool| {
                let mut ids = pool.unwrap().broadcast(|_| std::thread::current().id());
                ids.sort_by_key(|id| format!("{id:?}"));
                ids
            })
        };
        // Another test's call may take the kept pool in between: one pair alike in a few.
        let reused = while_the_shared_pool_is_busy(|| (0..5).any(|_| threads() == threads()));
        assert!(reused);
    }
}
