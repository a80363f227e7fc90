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
//! And it cancels on request from another thread: a call made inside `with scope:`, `scope`
//! a [`CancelScope`], stops with `CancelledError` soon after any thread calls `scope.cancel()`
//! (Python delivers signals to the main thread only, so this is how a web server's worker or
//! a `ThreadPoolExecutor` task is stopped; it is C's `cancel` flag and Rust's
//! `cancel::scope`). The scopes a call is in are held in a `contextvars.ContextVar`, as
//! `decimal.localcontext` holds its context: each asyncio task has its own, and a thread
//! started with a copy of the context (`asyncio.to_thread`) takes them along.

use crate::to_py;
use collabmetrics::cancel::{run_polled, Token};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;
use std::sync::atomic::{AtomicBool, Ordering};
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
    // The flags of the scopes this call is in, read once with the GIL held.
    let scopes = current_flags(py)?;
    let scope_cancelled = || scopes.iter().any(|f| f.load(Ordering::SeqCst));
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

/// The scopes the current context is in: a `contextvars.ContextVar` holding a tuple of
/// [`CancelScope`]s, innermost last.
fn scopes_var(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static VAR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let var = VAR.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("default", PyTuple::empty(py))?;
        Ok(py
            .import("contextvars")?
            .getattr("ContextVar")?
            .call(("collabmetrics_cancel_scopes",), Some(&kwargs))?
            .unbind())
    })?;
    Ok(var.bind(py))
}

/// The scopes the current context is in.
fn current_scopes<'py>(py: Python<'py>) -> PyResult<Vec<Bound<'py, CancelScope>>> {
    scopes_var(py)?.call_method0("get")?.extract()
}

/// The flags of the scopes the current context is in.
fn current_flags(py: Python<'_>) -> PyResult<Vec<Arc<AtomicBool>>> {
    Ok(current_scopes(py)?
        .iter()
        .map(|s| s.get().flag.clone())
        .collect())
}

/// A scope in which collabmetrics' long calls can be cancelled from another thread.
///
/// Ctrl-C stops a call on the main thread (``KeyboardInterrupt``); Python delivers signals
/// to the main thread only, so a call on another thread (a ``ThreadPoolExecutor`` task, a web
/// server's worker) is stopped this way: make the call inside ``with scope:``, and call
/// ``scope.cancel()`` from any thread. The call then raises ``CancelledError`` within about a
/// tenth of a second; so does every later call that can run long made inside the scope (a
/// scope is not reset: make a new one for new work). The calls that can run long look at the
/// scope (every table function, simulations, bootstraps, distances, disclosure control), as
/// they look for Ctrl-C.
///
/// A scope holds in the context that entered it (a context variable, as
/// ``decimal.localcontext`` is): that thread or asyncio task, and whatever runs with a copy
/// of its context: ``asyncio.to_thread``, ``contextvars.copy_context().run``, asyncio tasks
/// created inside the block (even after it ends), and on Python 3.14 threads started inside
/// it where threads inherit the context (the default of free-threaded builds). Work handed to
/// ``run_in_executor`` or ``ThreadPoolExecutor.submit`` does not take it: enter the scope in
/// that work. Scopes nest (a call is cancelled when any scope it is in is), and one scope can
/// be entered by several threads at once to cancel them all. A generator suspended inside
/// ``with scope:`` leaves its caller in the scope until it resumes, as with any context
/// variable. Leaving a scope where it was not entered is a ``RuntimeError``.
///
/// Example:
///     >>> import collabmetrics as cm
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
    flag: Arc<AtomicBool>,
}

#[pymethods]
impl CancelScope {
    #[new]
    fn new() -> Self {
        CancelScope {
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

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let py = slf.py();
        let mut scopes = current_scopes(py)?;
        scopes.push(slf.clone());
        scopes_var(py)?.call_method1("set", (PyTuple::new(py, scopes)?,))?;
        Ok(slf)
    }

    /// Leaves the scope (its innermost entry in this context); exceptions pass through. A
    /// scope left where it was not entered (another thread or task) is an error.
    #[pyo3(signature = (*_exc))]
    fn __exit__(slf: Bound<'_, Self>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        let py = slf.py();
        let mut scopes = current_scopes(py)?;
        let Some(at) = scopes.iter().rposition(|s| s.is(&slf)) else {
            return Err(PyRuntimeError::new_err(
                "CancelScope left in a thread or task that did not enter it",
            ));
        };
        scopes.remove(at);
        scopes_var(py)?.call_method1("set", (PyTuple::new(py, scopes)?,))?;
        Ok(false)
    }
}

/// Adds [`CancelScope`] to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CancelScope>()
}
