//! The guard every language boundary (the C functions, the Python functions) runs its calls
//! in: a panic, which would be a bug in collabmetrics, becomes an [`Error::Internal`] for the
//! caller, and nothing is printed to standard error for it.
//!
//! Rust prints a panic's message from the process-wide panic hook, before unwinding. On first
//! use this module installs a hook that stays quiet for panics raised inside a guarded call
//! (on the calling thread, or on a rayon worker thread while a guarded call is running) and
//! hands every other panic to the hook that was installed before, so a program that embeds
//! collabmetrics keeps its own panic reporting. The location of a quiet panic is kept and
//! added to the error's message, so the report still says where it happened.
//!
//! ```
//! use collabmetrics::{panic, ErrorKind};
//! let err = panic::catch(|| -> i32 { panic!("a bug") }).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Internal);
//! assert!(err.to_string().starts_with("internal error: a bug (at "));
//! assert_eq!(panic::catch(|| 2 + 2).unwrap(), 4);
//! ```

use crate::error::Error;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

static INSTALL: Once = Once::new();
/// Guarded calls running on any thread (for panics on rayon's worker threads).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Guarded calls running on this thread (nested calls count once each).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Where the last quiet panic on this thread happened.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// While a `Quiet` is alive, panics on this thread (and on rayon worker threads) are not
/// printed; their location is kept for [`Quiet::take_location`]. Create one with
/// [`Quiet::enter`] around code whose panics the caller turns into an error; dropping it ends
/// the quiet scope.
#[derive(Debug)]
pub struct Quiet {
    _private: (),
}

impl Quiet {
    /// Starts a quiet scope (installing the hook on first use).
    pub fn enter() -> Quiet {
        INSTALL.call_once(install_hook);
        let _ = DEPTH.try_with(|d| d.set(d.get() + 1));
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        let _ = LOCATION.try_with(|l| l.borrow_mut().take());
        Quiet { _private: () }
    }

    /// The location (`file:line:column`) of the last panic silenced on this thread, if any.
    pub fn take_location(&self) -> Option<String> {
        LOCATION.try_with(|l| l.borrow_mut().take()).ok().flatten()
    }

    /// The [`Error::Internal`] for a panic's payload, with the location of the panic when it
    /// was silenced on this thread.
    pub fn error(&self, payload: &(dyn std::any::Any + Send)) -> Error {
        self.error_from_message(panic_message(payload))
    }

    /// The [`Error::Internal`] for a panic message (e.g. one a binding's framework caught),
    /// with the location of the panic when it was silenced on this thread.
    pub fn error_from_message(&self, message: String) -> Error {
        let message = match self.take_location() {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        };
        Error::Internal { message }
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        let _ = DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `f`; a panic inside it becomes an [`Error::Internal`] (its message and location),
/// and is not printed.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Error> {
    let quiet = Quiet::enter();
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| quiet.error(payload.as_ref()))
}

/// Runs `f` on a worker thread for a caller whose guard ([`catch`]) waits on another thread,
/// quiet when `quiet`: a panic continues with its location added to its message, since the
/// location is kept on the thread that panicked, where the caller's guard cannot read it.
pub(crate) fn on_worker<T>(quiet: bool, f: impl FnOnce() -> T) -> T {
    let guard = quiet.then(Quiet::enter);
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            let at = guard.as_ref().and_then(Quiet::take_location);
            drop(guard);
            match at {
                Some(at) => std::panic::resume_unwind(Box::new(format!(
                    "{} (at {at})",
                    panic_message(payload.as_ref())
                ))),
                None => std::panic::resume_unwind(payload),
            }
        }
    }
}

/// A panic payload's message (`"no message"` for a payload that is not text).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// True inside a quiet scope on this thread (or on a rayon worker while one is open).
pub(crate) fn quiet_here() -> bool {
    let depth = DEPTH.try_with(Cell::get).unwrap_or(0);
    depth > 0 || (IN_FLIGHT.load(Ordering::SeqCst) > 0 && rayon::current_thread_index().is_some())
}

fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if quiet_here() {
            if let Some(at) = info.location() {
                let at = format!("{}:{}:{}", at.file(), at.line(), at.column());
                let _ = LOCATION.try_with(|l| *l.borrow_mut() = Some(at));
            }
        } else {
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_location() {
        let e = catch(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Internal);
        let text = e.to_string();
        assert!(text.starts_with("internal error: boom 7 (at "), "{text}");
        assert!(text.contains("panic.rs:"), "{text}");
    }

    #[test]
    fn a_panic_on_a_worker_thread_is_caught_too() {
        let e = catch(|| {
            (0..64)
                .into_par_iter()
                .map(|i| if i == 40 { panic!("worker") } else { i })
                .sum::<i32>()
        })
        .unwrap_err();
        assert!(e.to_string().contains("worker"), "{e}");
    }

    #[test]
    fn the_scope_ends_with_the_guard() {
        {
            let _q = Quiet::enter();
            assert!(quiet_here());
        }
        assert_eq!(DEPTH.with(Cell::get), 0);
    }
}
