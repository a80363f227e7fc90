//! Ctrl-C during a long call: the computation runs with the GIL released on a worker of the
//! thread pool (`collabmetrics::cancel::run_polled`) while the calling thread, where Python
//! delivers signals, re-acquires the GIL every 50 ms to run the interpreter's signal handlers
//! (`py.check_signals()`). When a handler raises (`KeyboardInterrupt` for Ctrl-C), the core's
//! cancellation token is set, the computation stops at its next check (within milliseconds)
//! and the handler's exception is raised to the caller.
//!
//! The same poll reports progress: a call given a `progress` callable ([`detach_reporting`])
//! has it called with the share of the work done (0 to 1, read from the token, see
//! `collabmetrics::cancel::Progress`) whenever that share has grown since the last poll. An
//! exception raised by the callable stops the computation like Ctrl-C does.
//!
//! And it cancels on request from another thread: a call made inside `with scope:` on some
//! thread, `scope` a [`CancelScope`], stops with `CancelledError` soon after any thread calls
//! `scope.cancel()` (Python delivers signals to the main thread only, so this is how a web
//! server's worker or a `ThreadPoolExecutor` task is stopped; it is C's `cancel` flag and
//! Rust's `cancel::scope`).

use crate::to_py;
use collabmetrics::cancel::{run_polled, Token};
use pyo3::prelude::*;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often pending signals are checked.
const POLL: Duration = Duration::from_millis(50);

/// Runs `work` without the GIL, interruptible by Ctrl-C (see the module docs).
pub(crate) fn detach<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> collabmetrics::Result<T> + Send,
) -> PyResult<T> {
    detach_reporting(py, None, work)
}

/// [`detach`], calling `progress` (when given) with the share of the work done as it grows.
pub(crate) fn detach_reporting<T: Send>(
    py: Python<'_>,
    progress: Option<Py<PyAny>>,
    work: impl FnOnce() -> collabmetrics::Result<T> + Send,
) -> PyResult<T> {
    let token = Token::new();
    if scope_cancelled() {
        // Cancelled before the call: it stops at its first check.
        token.cancel();
    }
    let mut raised: Option<PyErr> = None;
    let mut reported = 0.0_f64;
    let out: collabmetrics::Result<T> = py.detach(|| {
        run_polled(
            &token,
            POLL,
            || {
                if scope_cancelled() {
                    return true;
                }
                Python::attach(|py| {
                    let mut outcome = py.check_signals();
                    if let (Ok(()), Some(callback), Some(done)) =
                        (&outcome, &progress, token.fraction())
                    {
                        if done > reported {
                            reported = done;
                            outcome = callback.call1(py, (done,)).map(drop);
                        }
                    }
                    match outcome {
                        Ok(()) => false,
                        Err(e) => {
                            raised = Some(e);
                            true
                        }
                    }
                })
            },
            work,
        )
    });
    match raised {
        // The handler's own exception, whatever the computation made of the cancellation.
        Some(e) => Err(e),
        None => out.map_err(to_py),
    }
}

thread_local! {
    /// The cancellation scopes entered on this thread and not yet left (id and flag).
    static SCOPES: RefCell<Vec<(u64, Arc<AtomicBool>)>> = const { RefCell::new(Vec::new()) };
}

/// Whether a scope entered on this thread has been cancelled.
fn scope_cancelled() -> bool {
    SCOPES
        .try_with(|s| {
            s.try_borrow()
                .is_ok_and(|s| s.iter().any(|(_, f)| f.load(Ordering::SeqCst)))
        })
        .unwrap_or(false)
}

/// A scope in which collabmetrics' long calls can be cancelled from another thread.
///
/// Ctrl-C stops a call on the main thread (``KeyboardInterrupt``); Python delivers signals
/// to the main thread only, so a call on another thread (a ``ThreadPoolExecutor`` task, a web
/// server's worker) is stopped this way: make the call inside ``with scope:`` on its thread,
/// and call ``scope.cancel()`` from any thread. The call then raises ``CancelledError``
/// within about a tenth of a second; so does every later call made inside the scope (a scope
/// is not reset: make a new one for new work). Scopes are per thread and nest (a call is
/// cancelled when any scope it is in is); calls on other threads, and calls outside the
/// scope, are not affected. The calls that can run long look at the scope (every table
/// function, simulations, bootstraps, distances, disclosure control), as they look for
/// Ctrl-C.
///
/// Example:
///     >>> import threading, collabmetrics as cm
///     >>> scope = cm.CancelScope()
///     >>> scope.cancel()
///     >>> with scope:
///     ...     try:
///     ...         cm.inequality.gini([1.0, 2.0, 7.0], interval=True, reps=1000)
///     ...     except cm.CancelledError as e:
///     ...         print(e.kind)
///     cancelled
#[pyclass(module = "collabmetrics._native", frozen)]
pub(crate) struct CancelScope {
    id: u64,
    flag: Arc<AtomicBool>,
}

#[pymethods]
impl CancelScope {
    #[new]
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        CancelScope {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            flag: Arc::default(),
        }
    }

    /// Cancels every call made in this scope, now and later (from any thread).
    fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether `cancel()` has been called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        let entry = (slf.id, slf.flag.clone());
        let _ = SCOPES.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                s.push(entry);
            }
        });
        slf
    }

    /// Leaves the scope on this thread; exceptions pass through.
    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        let _ = SCOPES.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                if let Some(at) = s.iter().rposition(|(id, _)| *id == self.id) {
                    s.remove(at);
                }
            }
        });
        false
    }
}

/// Adds [`CancelScope`] to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CancelScope>()
}
