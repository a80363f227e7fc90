//! Ctrl-C during a long call: the computation runs with the GIL released on a helper thread
//! (`collabmetrics::cancel::run_polled`) while the calling thread, where Python delivers
//! signals, re-acquires the GIL every 50 ms to run the interpreter's signal handlers
//! (`py.check_signals()`). When a handler raises (`KeyboardInterrupt` for Ctrl-C), the core's
//! cancellation token is set, the computation stops at its next check (within milliseconds)
//! and the handler's exception is raised to the caller.

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
    let token = Token::new();
    let mut raised: Option<PyErr> = None;
    let out: collabmetrics::Result<T> = py.detach(|| {
        run_polled(
            &token,
            POLL,
            || {
                Python::attach(|py| match py.check_signals() {
                    Ok(()) => false,
                    Err(e) => {
                        raised = Some(e);
                        true
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
