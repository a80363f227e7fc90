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

use crate::to_py;
use collabmetrics::cancel::{run_polled, Token};
use pyo3::prelude::*;
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
    let mut raised: Option<PyErr> = None;
    let mut reported = 0.0_f64;
    let out: collabmetrics::Result<T> = py.detach(|| {
        run_polled(
            &token,
            POLL,
            || {
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
