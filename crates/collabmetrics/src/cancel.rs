//! Cancelling a long computation: a [`Token`] installed for a call, which the library's long
//! loops check (through [`check`] or a [`Ticker`]) at least every few milliseconds of work,
//! returning [`Error::Cancelled`] once it is set.
//!
//! The core never looks at signals itself. A caller that wants to stop a computation either
//!
//! * sets the token from another thread ([`Token::cancel`]), e.g. a C caller's flag
//!   ([`Token::from_flag`], read on every check), or
//! * runs the computation with [`run_polled`]: the work moves to a worker of the thread pool
//!   while the calling thread polls a function every few milliseconds (the Python binding
//!   polls the interpreter's pending signals there, on the main thread where Python delivers
//!   them, so Ctrl-C stops any call within a fraction of a second).
//!
//! The token is per thread: [`scope`] installs it on the calling thread, and the library's
//! parallel loops carry it to their worker threads ([`current`] + [`scope`]), so concurrent
//! calls on other threads are not affected.
//!
//! The same token carries the computation's progress the other way: the long loops
//! (simulations, bootstraps, the transition cohorts, batches of SII tables) report the work
//! done through a [`Progress`], and the caller reads [`Token::fraction`] (the Python binding
//! does, while it polls for signals, to drive a progress bar). Only the outermost loop of a call
//! reports: a loop nested in one that already reports (the simulation of each table of a
//! batch) stays silent, so the fraction only grows.
//!
//! ```
//! use collabmetrics::cancel::{self, Token};
//! use collabmetrics::ErrorKind;
//! let token = Token::new();
//! token.cancel();
//! let result = cancel::scope(&token, || cancel::check());
//! assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);
//! assert!(cancel::check().is_ok()); // no token outside the scope
//! ```

use crate::error::{Error, Result};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// A caller's cancellation flag: shared, cheap to check.
#[derive(Clone, Default)]
pub struct Token {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    /// An outside flag read on every check (the C interface's `cancel` pointer).
    external: Option<ExternalFlag>,
    /// The work done, reported by the outermost long loop (see [`Progress`]).
    progress: Counts,
}

/// Units of work done of a total, and whether a loop has claimed them.
#[derive(Default)]
struct Counts {
    claimed: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
}

/// A pointer to a caller's `int`, non-zero to cancel.
struct ExternalFlag(*const AtomicI32);

// SAFETY: the pointer is only read, atomically; `Token::from_flag`'s caller guarantees that it
// stays valid for as long as the token (and its clones) live.
unsafe impl Send for ExternalFlag {}
unsafe impl Sync for ExternalFlag {}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Token {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Token::default()
    }

    /// A token that is also cancelled while `*flag` is non-zero.
    ///
    /// # Safety
    /// `flag` must be null or point to an `int` that stays valid (and is only written
    /// atomically, e.g. with C11 `atomic_store` or as a `sig_atomic_t` from a signal handler)
    /// for as long as the token or any clone of it lives. A null `flag` gives a plain token.
    pub unsafe fn from_flag(flag: *const i32) -> Self {
        let external = (!flag.is_null()).then(|| ExternalFlag(flag.cast::<AtomicI32>()));
        Token {
            inner: Arc::new(Inner {
                cancelled: AtomicBool::new(false),
                external,
                progress: Counts::default(),
            }),
        }
    }

    /// Cancels the computation holding this token (from any thread).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::Relaxed);
    }

    /// The share of the work done, from 0 to 1, while a long loop of the computation reports
    /// it (see [`Progress`]); `None` when none does (yet).
    pub fn fraction(&self) -> Option<f64> {
        let p = &self.inner.progress;
        let total = p.total.load(Ordering::Relaxed);
        (total > 0).then(|| (p.done.load(Ordering::Relaxed) as f64 / total as f64).min(1.0))
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        if self.inner.cancelled.load(Ordering::Relaxed) {
            return true;
        }
        match &self.inner.external {
            // SAFETY: see `from_flag`: the caller keeps the flag alive while the token lives.
            Some(ExternalFlag(p)) => unsafe { (**p).load(Ordering::Relaxed) != 0 },
            None => false,
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Token>> = const { RefCell::new(None) };
}

/// Restores the previous token of the thread when a [`scope`] ends (also on a panic).
struct Restore(Option<Token>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

/// Runs `f` with `token` as this thread's cancellation token (the previous one, if any, is
/// restored afterwards).
pub fn scope<T>(token: &Token, f: impl FnOnce() -> T) -> T {
    let previous = CURRENT
        .try_with(|c| c.borrow_mut().replace(token.clone()))
        .ok()
        .flatten();
    let _restore = Restore(previous);
    f()
}

/// Runs `f` with `token` installed when there is one (for worker threads: pass them
/// [`current`] from the thread that started the parallel loop).
pub fn scope_opt<T>(token: Option<&Token>, f: impl FnOnce() -> T) -> T {
    match token {
        Some(t) => scope(t, f),
        None => f(),
    }
}

/// This thread's token, to carry into worker threads.
pub fn current() -> Option<Token> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// [`check`] of a token carried into a worker thread (from [`current`] on the thread that
/// started the parallel loop): cheaper than installing it with [`scope`] for one check.
pub fn check_carried(token: Option<&Token>) -> Result<()> {
    if is_set(token) {
        Err(cancelled())
    } else {
        Ok(())
    }
}

/// Whether a carried token is cancelled: a parallel pass's cue to skip its remaining blocks.
/// A pass that skips leaves its result unfinished, so it runs only inside [`bracketed`], whose
/// last check (the token stays cancelled) keeps that result from being returned.
pub(crate) fn is_set(token: Option<&Token>) -> bool {
    token.is_some_and(Token::is_cancelled)
}

/// Runs `f` between two checks of this thread's token: a public kernel whose passes skip their
/// work once cancelled (see [`is_set`]) returns [`Error::Cancelled`], never their unfinished
/// sums nor an error those sums led to (a skipped Σ y of 0 reads as "all values are zero").
pub(crate) fn bracketed<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    check()?;
    let out = f();
    check()?;
    out
}

/// `rayon::join` carrying this thread's token into both halves (either may run on another
/// worker thread), so the checks inside them see the caller's cancellation.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let token = current();
    let (ta, tb) = (token.clone(), token);
    rayon::join(
        move || scope_opt(ta.as_ref(), a),
        move || scope_opt(tb.as_ref(), b),
    )
}

/// The error of a cancelled computation.
pub fn cancelled() -> Error {
    Error::Cancelled {
        message: "the computation was interrupted".to_owned(),
    }
}

/// [`Error::Cancelled`] when this thread's token is cancelled; `Ok` otherwise (and always when
/// no token is installed).
pub fn check() -> Result<()> {
    let cancelled = CURRENT
        .try_with(|c| c.borrow().as_ref().is_some_and(Token::is_cancelled))
        .unwrap_or(false);
    if cancelled {
        Err(self::cancelled())
    } else {
        Ok(())
    }
}

/// A long loop's report of the work it has done, through the token of the thread that started
/// it: [`Progress::start`] claims the token's progress for a number of units of work (unless an
/// enclosing loop already reports), [`Progress::advance`] counts units done from any thread
/// (clones share the count), and [`Token::fraction`] reads the share done. Without a token, or
/// nested in a loop that reports, a `Progress` does nothing.
///
/// ```
/// use collabmetrics::cancel::{self, Progress, Token};
/// let token = Token::new();
/// cancel::scope(&token, || {
///     let p = Progress::start(4);
///     p.advance(1);
///     assert!(!Progress::start(10).is_reporting()); // nested: silent
///     p.advance(1);
/// });
/// assert_eq!(token.fraction(), Some(0.5));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Progress {
    claim: Option<Arc<Claim>>,
}

/// A token's progress claimed by one loop; released when the last clone is dropped, so a later
/// call with the same token can report again.
#[derive(Debug)]
struct Claim(Token);

impl Drop for Claim {
    fn drop(&mut self) {
        self.0
            .inner
            .progress
            .claimed
            .store(false, Ordering::Release);
    }
}

impl Progress {
    /// Claims this thread's token's progress for `total` units of work, done from 0.
    pub fn start(total: u64) -> Progress {
        let claim = current().filter(|t| {
            total > 0
                && t.inner
                    .progress
                    .claimed
                    .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
        });
        if let Some(t) = &claim {
            t.inner.progress.done.store(0, Ordering::Relaxed);
            t.inner.progress.total.store(total, Ordering::Relaxed);
        }
        Progress {
            claim: claim.map(|t| Arc::new(Claim(t))),
        }
    }

    /// Counts `units` more done.
    #[inline]
    pub fn advance(&self, units: u64) {
        if let Some(c) = &self.claim {
            c.0.inner.progress.done.fetch_add(units, Ordering::Relaxed);
        }
    }

    /// True when this loop reports (it claimed the token's progress).
    pub fn is_reporting(&self) -> bool {
        self.claim.is_some()
    }
}

/// Checks the token every `every` steps of a hot loop, so the check costs nothing measurable.
/// Size `every` so that that many steps take well under 100 ms (e.g. 4096 distances).
#[derive(Debug)]
pub struct Ticker {
    every: u32,
    left: u32,
}

impl Ticker {
    /// A ticker checking on its first step and then every `every` steps.
    pub fn new(every: u32) -> Self {
        Ticker {
            every: every.max(1),
            left: 0,
        }
    }

    /// One step of work: [`check`] every `every` steps.
    #[inline]
    pub fn tick(&mut self) -> Result<()> {
        if self.left == 0 {
            self.left = self.every;
            check()?;
        }
        self.left -= 1;
        Ok(())
    }
}

/// Runs `work` on a worker of the thread pool with `token` installed, while the calling
/// thread calls `poll` every `interval`; when `poll` returns true the token is cancelled (the
/// work then ends with [`Error::Cancelled`] at its next check). Returns the work's result; a
/// panic in the work continues on the calling thread with its payload.
///
/// This is how a caller whose interrupts arrive on the calling thread only (Python delivers
/// signals to its main thread) stops a computation that runs anywhere, including on a thread
/// pool. The pool is this process's own, or one of the call's own when another call is
/// running on it (`pool.rs`: rayon's global pool hangs in a forked child and queues a
/// call behind another's work). The work is handed to the pool as a job of a scope kept on
/// the calling thread (`in_place_scope`): no thread is started per call (starting and joining one cost
/// about 0.1 ms), and the work's parallel parts start from the pool itself. Called on a
/// worker of the pool, the work runs right there, without polling: the worker waiting for a
/// job of its own pool could wait for ever when the pool has no other worker free.
///
/// (This was tried once and reverted because the side-by-side benchmark's OAP peak seemed to
/// rise. That peak is bimodal with either design, 9–13 MB or 18–29 MB above the input,
/// depending on what glibc keeps of freed heap pages; with one pool thread each design reads
/// a steady value within a few MB of the other's, higher for one workload and lower for
/// another. See `benches/README.md`, "The OAP peak and glibc".)
pub fn run_polled<T: Send>(
    token: &Token,
    interval: Duration,
    mut poll: impl FnMut() -> bool,
    work: impl FnOnce() -> T + Send,
) -> T {
    if rayon::current_thread_index().is_some() {
        return scope(token, work);
    }
    // A caller inside the panic guard's quiet scope keeps it on the worker too.
    let quiet = crate::panic::quiet_here();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let work_token = token.clone();
    let mut out = None;
    // This process's pool, or the call's own when another call holds it (`crate::pool`);
    // where no thread can be started, the work runs here, unpolled.
    crate::pool::with_pool(|pool| match pool {
        None => out = Some(scope(&work_token, work)),
        Some(pool) => pool.in_place_scope(|s| {
            let out = &mut out;
            s.spawn(move |_| {
                *out = Some(crate::panic::on_worker(quiet, || scope(&work_token, work)));
                let _ = done_tx.send(());
            });
            // Until the job is done, or gone (a panic drops the sender; the scope then
            // resumes the panic here, with its payload).
            while let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(interval) {
                if !token.is_cancelled() && poll() {
                    token.cancel();
                }
            }
        }),
    });
    // The scope ended without a panic, so the job ran to its end.
    out.unwrap_or_else(|| std::panic::resume_unwind(Box::new("the computation ended early")))
}

/// Runs `work` on a worker of this process's thread pool (the one [`run_polled`] uses, see
/// there), carrying the calling thread's token and panic guard, while the calling thread
/// waits; called on a worker of any rayon pool, `work` runs right there.
///
/// For callers that block their own thread for a call and read its inputs first (the C
/// library): the computation's parallel parts then run on the process's own pool rather than
/// rayon's global one, which a forked child cannot use (its threads are not copied: a call
/// waited for ever) and which queues a call behind another thread's long work
/// (rayon-rs/rayon#1054). The hop costs a few microseconds.
pub fn run_on_pool<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if rayon::current_thread_index().is_some() {
        return work();
    }
    let token = current();
    let quiet = crate::panic::quiet_here();
    crate::pool::with_pool(|pool| match pool {
        None => work(),
        Some(pool) => {
            pool.install(|| crate::panic::on_worker(quiet, || scope_opt(token.as_ref(), work)))
        }
    })
}

/// Runs `work` on the calling thread, its parallel parts on rayon's global pool, when that pool
/// can serve it: in the process that made the library's first call (see [`note_process`]),
/// with no other such call running. Otherwise [`run_on_pool`]: in a forked child the global
/// pool has no threads (a call waited for ever), and another call's work would make this
/// one's parallel parts wait for it (rayon-rs/rayon#1054). One call at a time costs nothing
/// more; handing a small call to a pool costs about 15 microseconds, more than many take.
pub fn run_here_or_on_pool<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match crate::pool::lease_global() {
        Some(_lease) => work(),
        None => run_on_pool(work),
    }
}

/// Notes the calling process as the one that made the library's first call, unless one
/// already is: call it at the start of every call, before anything can start rayon's global
/// pool, so that a forked child knows the global pool is not its own ([`run_here_or_on_pool`]).
pub fn note_process() {
    crate::pool::note_process();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_token_stops_a_ticker_within_its_period() {
        let token = Token::new();
        let steps = scope(&token, || {
            let mut t = Ticker::new(100);
            let mut n = 0u32;
            loop {
                if t.tick().is_err() {
                    return n;
                }
                n += 1;
                if n == 250 {
                    token.cancel();
                }
            }
        });
        assert!((250..=350).contains(&steps), "{steps}");
    }

    /// The work runs on a pool thread, with the caller's token: a cancelled caller's work sees
    /// it cancelled.
    #[test]
    fn run_on_pool_carries_the_token_to_a_pool_thread() {
        let token = Token::new();
        token.cancel();
        let (on_pool, checked) = scope(&token, || {
            run_on_pool(|| (rayon::current_thread_index().is_some(), check()))
        });
        assert!(on_pool);
        assert_eq!(checked.unwrap_err().kind(), crate::ErrorKind::Cancelled);
        // Without a token, nothing is cancelled.
        assert!(run_on_pool(check).is_ok());
    }

    /// A panic in work handed to a pool thread is reported with its location, as one on the
    /// calling thread is (the location was kept on the pool thread and lost).
    #[test]
    fn a_panic_on_the_pool_keeps_its_location() {
        let e =
            crate::panic::catch(|| run_on_pool(|| -> u8 { panic!("on the pool") })).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("on the pool (at ") && text.contains("cancel.rs:"),
            "{text}"
        );
        let token = Token::new();
        let e = crate::panic::catch(|| {
            run_polled(
                &token,
                Duration::from_millis(5),
                || false,
                || -> u8 { panic!("polled") },
            )
        })
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("polled (at ") && text.contains("cancel.rs:"),
            "{text}"
        );
    }

    #[test]
    fn an_external_flag_cancels() {
        let flag = AtomicI32::new(0);
        // SAFETY: `flag` outlives the token.
        let token = unsafe { Token::from_flag(flag.as_ptr()) };
        assert!(!token.is_cancelled());
        flag.store(1, Ordering::SeqCst);
        let e = scope(&token, check).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Cancelled);
    }

    #[test]
    fn polling_cancels_work_running_elsewhere() {
        let token = Token::new();
        let mut polls = 0;
        let out: Result<()> = run_polled(
            &token,
            Duration::from_millis(5),
            || {
                polls += 1;
                polls == 3
            },
            || loop {
                check()?;
                std::thread::sleep(Duration::from_millis(1));
            },
        );
        let e: Error = out.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Cancelled);
        assert_eq!(polls, 3);
    }

    /// The work runs on a worker of the pool, not on the polling thread, and its panic
    /// continues on the calling thread with its own payload.
    #[test]
    fn polled_work_runs_on_the_pool_and_its_panic_comes_back() {
        let token = Token::new();
        let caller = std::thread::current().id();
        let (on_pool, elsewhere) = run_polled(
            &token,
            Duration::from_millis(5),
            || false,
            || {
                (
                    rayon::current_thread_index().is_some(),
                    std::thread::current().id() != caller,
                )
            },
        );
        assert!(on_pool && elsewhere);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_polled(
                &token,
                Duration::from_millis(5),
                || false,
                || -> u8 { panic!("the work's own panic") },
            )
        }));
        let payload = caught.unwrap_err();
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"the work's own panic")
        );
    }

    /// Called on a worker of a pool, the work runs right there, with the token installed.
    #[test]
    fn polled_work_on_a_pool_worker_runs_in_place() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let token = Token::new();
        token.cancel();
        let (here, cancelled) = pool.install(|| {
            let worker = std::thread::current().id();
            run_polled(
                &token,
                Duration::from_millis(5),
                || false,
                || (std::thread::current().id() == worker, check().is_err()),
            )
        });
        assert!(here && cancelled);
    }

    #[test]
    fn scopes_nest_and_restore() {
        let a = Token::new();
        let b = Token::new();
        b.cancel();
        scope(&a, || {
            assert!(check().is_ok());
            assert!(scope(&b, check).is_err());
            assert!(check().is_ok());
        });
        assert!(current().is_none());
    }
}
