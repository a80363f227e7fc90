//! Large result buffers and the float columns built on them, without a copy.
//!
//! A row-wise result (ten million Wilson intervals, distances) is written once into buffers
//! the size of the input. Two things make that cheap:
//!
//! * **Huge pages.** A fresh buffer costs a page fault per 4 KiB page on first write, and on
//!   Linux those faults (the kernel zeroing each page) took longer than the computation itself.
//!   Buffers of 4 MiB or more are therefore marked for transparent huge pages
//!   (`madvise(MADV_HUGEPAGE)`, as numpy does for its arrays) before their first write: one
//!   fault per 2 MiB. Elsewhere, or when the kernel refuses, nothing changes but the speed.
//! * **No copy into Arrow.** A `Vec<f64>` becomes a `Float64Array` by moving its allocation
//!   (`Buffer::from_vec`); a NaN meaning "no value" becomes a null through a validity bitmap
//!   beside the values, built only when there is a NaN.
//! * **Freed results are reused.** Even on huge pages, the kernel zeroes every fresh page
//!   before the first write (about a third of a 10 M-row Wilson call). So a large result
//!   column handed to Arrow does not go back to the allocator when Arrow frees it: it waits in a
//!   small pool ([`recycled`]) for the next call's result of about its size, already mapped.
//!   The pool keeps at most [`RETAIN_MAX`] bytes, each block for at most [`RETAIN_FOR`]; a
//!   helper thread frees older blocks (and ends when the pool is empty), so an idle process
//!   gives the memory back within seconds.

use std::ptr::NonNull;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow_array::Float64Array;
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, ScalarBuffer};
use rayon::prelude::*;

/// Buffers from this size (bytes) are advised to use huge pages: below it the fault cost is
/// small, and the allocation may share pages with others.
const HUGE_FROM: usize = 4 << 20;

/// Elements per parallel task when filling or scanning a buffer (256 KiB of `f64`s).
const TASK: usize = 1 << 15;

/// Asks the kernel to back `bytes` bytes at `ptr` with transparent huge pages. Advice only:
/// nothing is read or written, and a refusal changes nothing but the speed.
#[allow(unused_variables)]
fn advise_huge(ptr: *const u8, bytes: usize) {
    #[cfg(target_os = "linux")]
    if bytes >= HUGE_FROM {
        let page = 4096usize;
        let start = (ptr as usize).div_ceil(page) * page;
        let end = (ptr as usize + bytes) / page * page;
        if end > start {
            // SAFETY: [start, end) lies inside the caller's live allocation; MADV_HUGEPAGE only
            // changes how the kernel backs those pages, never their contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

/// Element types whose all-zero bit pattern is zero, so `vec![0; n]` comes from the
/// allocator's zeroed memory (fresh pages from the kernel, not written until used).
pub(crate) trait Zero: Copy + Send + Sync {
    /// Zero.
    const ZERO: Self;
}

macro_rules! zero {
    ($($t:ty = $z:expr),*) => {$(impl Zero for $t { const ZERO: Self = $z; })*};
}
zero!(
    f64 = 0.0,
    u8 = 0,
    i8 = 0,
    u32 = 0,
    i32 = 0,
    u64 = 0,
    i64 = 0
);

/// `n` zeros in a fresh buffer, advised to use huge pages when large (see the module docs):
/// for results that the caller then overwrites.
pub(crate) fn zeroed<T: Zero>(n: usize) -> Vec<T> {
    let v = vec![T::ZERO; n];
    advise_huge(v.as_ptr().cast(), std::mem::size_of_val(v.as_slice()));
    v
}

/// `n` copies of `value` (a constant column, e.g. the confidence level of every row), filled
/// in parallel, on a recycled block when one is free.
pub(crate) fn filled_f64(n: usize, value: f64) -> Vec<f64> {
    let mut v = overwritten(n);
    v.par_chunks_mut(TASK).for_each(|c| c.fill(value));
    v
}

/// The most bytes of freed result buffers kept for reuse.
pub(crate) const RETAIN_MAX: usize = 1 << 30;

/// How long a freed result buffer is kept for reuse.
pub(crate) const RETAIN_FOR: Duration = Duration::from_secs(5);

/// Freed large float buffers waiting for reuse, with when each came back.
struct Pool {
    blocks: Vec<(Vec<f64>, Instant)>,
    bytes: usize,
    /// The process whose reaper thread runs, if one does.
    reaper: Option<u32>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    blocks: Vec::new(),
    bytes: 0,
    reaper: None,
});

fn pool() -> std::sync::MutexGuard<'static, Pool> {
    lock(&POOL)
}

impl Pool {
    /// Frees the blocks that came back before `now - RETAIN_FOR`.
    fn expire(&mut self, now: Instant) {
        let before = self.blocks.len();
        self.blocks
            .retain(|(_, at)| now.duration_since(*at) < RETAIN_FOR);
        if self.blocks.len() != before {
            self.bytes = self.blocks.iter().map(|(v, _)| bytes_of(v)).sum();
        }
    }
}

fn bytes_of(v: &[f64]) -> usize {
    std::mem::size_of_val(v)
}

/// A buffer of `n` floats whose contents are unspecified (a previous result's, or zeros): for
/// results the caller overwrites element by element. Large ones come from the freed blocks
/// when one of about this size (at most a quarter larger) is waiting, else fresh as [`zeroed`].
pub(crate) fn overwritten(n: usize) -> Vec<f64> {
    take_fit(n, HUGE_FROM).unwrap_or_else(|| zeroed(n))
}

/// Working buffers of this many bytes or more are kept for reuse ([`scratch`], [`release`]).
const SCRATCH_FROM: usize = 256 << 10;

/// A working buffer of `n` floats whose contents are unspecified, for scratch that the caller
/// overwrites element by element and hands back with [`release`] when done. From the freed
/// blocks when one of about this size is waiting (as [`overwritten`], from 256 KiB), so that a
/// call repeated within seconds does not fault its pages in again: the three replicate vectors
/// of a decile SII (100 000 repetitions, 2.4 MB) cost 0.7 ms of a 2.8 ms call in page faults
/// from Python, where glibc returned them to the system after every call.
pub(crate) fn scratch(n: usize) -> Vec<f64> {
    take_fit(n, SCRATCH_FROM).unwrap_or_else(|| zeroed(n))
}

/// Hands a working buffer from [`scratch`] back for reuse (a small one is simply freed).
pub(crate) fn release(v: Vec<f64>) {
    if bytes_of(&v) >= SCRATCH_FROM {
        give_back(v);
    }
}

/// For a buffer of `n` floats of at least `from` bytes: the smallest waiting block that holds
/// them and is at most a quarter larger, taken from the pool and cut to `n`.
fn take_fit(n: usize, from: usize) -> Option<Vec<f64>> {
    if n * 8 < from {
        return None;
    }
    let mut p = pool();
    p.expire(Instant::now());
    let i = p
        .blocks
        .iter()
        .enumerate()
        .filter(|(_, (v, _))| v.len() >= n && v.len() - n <= n / 4)
        .min_by_key(|(_, (v, _))| v.len())
        .map(|(i, _)| i)?;
    let (mut v, _) = p.blocks.swap_remove(i);
    p.bytes -= bytes_of(&v);
    v.truncate(n);
    Some(v)
}

/// Takes a freed block back into the pool (or frees it when the pool is full).
fn give_back(v: Vec<f64>) {
    let now = Instant::now();
    let mut p = pool();
    p.expire(now);
    if p.bytes + bytes_of(&v) > RETAIN_MAX {
        return;
    }
    p.bytes += bytes_of(&v);
    p.blocks.push((v, now));
    ensure_reaper(&mut p);
}

/// Starts the reaper unless it runs. It frees blocks (and the shared constant column) as they
/// age, so memory goes back to the system without another call, and ends when nothing is
/// left. Failing to start it only delays that to the next call.
fn ensure_reaper(p: &mut Pool) {
    // The process whose reaper runs: a child made by `fork` inherits the flag but not the
    // thread, so it starts its own.
    let pid = std::process::id();
    if p.reaper != Some(pid) {
        p.reaper = std::thread::Builder::new()
            .name("collabmetrics-buffers".into())
            .spawn(reap)
            .is_ok()
            .then_some(pid);
    }
}

fn reap() {
    loop {
        std::thread::sleep(RETAIN_FOR / 5);
        let now = Instant::now();
        // Locks in the one order used everywhere: the constant, then the pool. The expired
        // constant is dropped after both are released (dropping it gives its block back to
        // the pool, which takes the pool's lock).
        let mut c = lock(&CONSTANT);
        let expired = match c.as_ref() {
            Some(k) if now.duration_since(k.used) >= RETAIN_FOR => c.take(),
            _ => None,
        };
        let mut p = pool();
        p.expire(now);
        let done = p.blocks.is_empty() && c.is_none() && expired.is_none();
        if done {
            p.reaper = None;
        }
        drop((p, c, expired));
        if done {
            return;
        }
    }
}

/// The last large constant column made, shared (read-only, as every Arrow buffer) by later
/// results asking for the same value: a table's `confidence` is one number on every row.
struct Constant {
    bits: u64,
    buffer: ScalarBuffer<f64>,
    used: Instant,
}

static CONSTANT: Mutex<Option<Constant>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every change under these locks is one assignment, push or remove, so a lock poisoned by
    // a panic elsewhere still guards consistent data.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `n` copies of `value` as a column's buffer. A large one is made once and shared by the
/// results that follow with the same value and at most as many rows (each a slice of it),
/// until it has not been asked for during [`RETAIN_FOR`].
pub(crate) fn constant(n: usize, value: f64) -> ScalarBuffer<f64> {
    if n * 8 < HUGE_FROM {
        return ScalarBuffer::from(vec![value; n]);
    }
    let now = Instant::now();
    let mut c = lock(&CONSTANT);
    if let Some(k) = c.as_mut() {
        if k.bits == value.to_bits() && k.buffer.len() >= n {
            k.used = now;
            return k.buffer.slice(0, n);
        }
    }
    let buffer = recycled(filled_f64(n, value));
    *c = Some(Constant {
        bits: value.to_bits(),
        buffer: buffer.clone(),
        used: now,
    });
    ensure_reaper(&mut pool());
    buffer
}

/// Owns a result buffer lent to Arrow; gives it back to the pool when Arrow frees it.
struct Lent(Vec<f64>);

impl Drop for Lent {
    fn drop(&mut self) {
        give_back(std::mem::take(&mut self.0));
    }
}

/// `values` as an Arrow buffer without a copy; a large one goes back to the pool of
/// [`overwritten`] blocks when Arrow frees it.
pub(crate) fn recycled(values: Vec<f64>) -> ScalarBuffer<f64> {
    let len = values.len();
    if bytes_of(&values) < HUGE_FROM {
        return ScalarBuffer::from(values);
    }
    let ptr = NonNull::from(values.as_slice()).cast::<u8>();
    let owner: Arc<dyn arrow_buffer::alloc::Allocation> = Arc::new(Lent(values));
    // SAFETY: `ptr` is the start of `len` initialised floats owned by `owner`; moving the Vec
    // into the Arc does not move its heap block, which lives until Arrow drops `owner`.
    let buffer = unsafe { Buffer::from_custom_allocation(ptr, len * 8, owner) };
    ScalarBuffer::new(buffer, 0, len)
}

/// The bytes waiting in the pool of freed result buffers.
#[cfg(test)]
fn retained_bytes() -> usize {
    pool().bytes
}

/// Whether any value is NaN, in one vectorisable pass (no early exit: the common answer is
/// "none", which needs the whole pass anyway).
pub(crate) fn any_nan(values: &[f64]) -> bool {
    values.par_chunks(TASK).any(|c| {
        // `x != x` only for NaN; `|` (not `||`) keeps the loop branch-free.
        c.iter().fold(false, |acc, &x| acc | x.is_nan())
    })
}

/// Whether every value is finite (not NaN, not ±∞), in one vectorisable pass.
pub(crate) fn all_finite(values: &[f64]) -> bool {
    values
        .par_chunks(TASK)
        .all(|c| c.iter().fold(true, |acc, &x| acc & x.is_finite()))
}

/// `values` as a `Float64Array` without copying them; NaNs (values that do not exist) become
/// nulls through a validity bitmap, built only when there is one.
pub(crate) fn float_column(values: Vec<f64>) -> Float64Array {
    let nulls = any_nan(&values).then(|| {
        NullBuffer::new(BooleanBuffer::collect_bool(values.len(), |i| {
            !values[i].is_nan()
        }))
    });
    Float64Array::new(recycled(values), nulls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn zeroed_and_filled_buffers_hold_what_they_say() {
        // Large enough to be advised (8 MiB), and small.
        for n in [3, 1 << 20] {
            let z: Vec<f64> = zeroed(n);
            assert!(z.iter().all(|&x| x == 0.0));
            let f = filled_f64(n, 0.95);
            assert_eq!(f.len(), n);
            assert!(f.iter().all(|&x| x == 0.95));
            let b: Vec<i8> = zeroed(n);
            assert!(b.iter().all(|&x| x == 0));
        }
    }

    #[test]
    fn large_columns_go_back_to_the_pool_and_are_reused() {
        // An odd size no other test asks for, above the pool's threshold.
        let n = 2 * (HUGE_FROM / 8) + 12_345;
        let mut v = overwritten(n);
        v.iter_mut().enumerate().for_each(|(i, x)| *x = i as f64);
        let ptr = v.as_ptr();
        let a = float_column(v);
        assert_eq!(a.values().as_ptr(), ptr, "no copy");
        assert_eq!((a.value(7), a.value(n - 1)), (7.0, (n - 1) as f64));
        let before = retained_bytes();
        drop(a);
        assert!(
            retained_bytes() >= before + n * 8,
            "the block waits for reuse"
        );
        // A request up to a quarter smaller takes the same block, cut to its length.
        let again = overwritten(n - n / 5);
        assert_eq!((again.as_ptr(), again.len()), (ptr, n - n / 5));
        // One a quarter larger does not fit it.
        drop(float_column(again));
        let larger = overwritten(n + n / 2);
        assert_ne!(larger.as_ptr(), ptr);
        assert_eq!(larger.len(), n + n / 2);
    }

    #[test]
    fn released_scratch_is_reused() {
        // An odd size no other test asks for, above the scratch threshold.
        let n = SCRATCH_FROM / 8 + 4_321;
        let v = scratch(n);
        assert_eq!(v.len(), n);
        let ptr = v.as_ptr();
        release(v);
        let w = scratch(n - 7);
        assert_eq!(
            (w.as_ptr(), w.len()),
            (ptr, n - 7),
            "the released block, cut to size"
        );
        release(w);
    }

    #[test]
    fn large_constant_columns_are_shared() {
        // A value no other test uses.
        let n = 3 * (HUGE_FROM / 8) + 1;
        let a = constant(n, 0.123_456_789);
        assert_eq!(a.len(), n);
        assert!(a.iter().all(|&x| x == 0.123_456_789));
        let b = constant(n - 10, 0.123_456_789);
        assert_eq!(b.as_ptr(), a.as_ptr(), "the same memory, sliced");
        assert_eq!(b.len(), n - 10);
        let c = constant(n, 0.5);
        assert!(c.iter().all(|&x| x == 0.5) && c.len() == n);
        assert!(
            a.iter().all(|&x| x == 0.123_456_789),
            "a shared column never changes"
        );
        let small = constant(3, 0.25);
        assert_eq!(&small[..], &[0.25; 3]);
    }

    #[test]
    fn the_pool_forgets_old_blocks() {
        let mut p = Pool {
            blocks: vec![
                (vec![0.0; 8], Instant::now()),
                (vec![0.0; 4], Instant::now()),
            ],
            bytes: 96,
            reaper: None,
        };
        p.expire(Instant::now());
        assert_eq!((p.blocks.len(), p.bytes), (2, 96));
        p.expire(Instant::now() + RETAIN_FOR);
        assert_eq!((p.blocks.len(), p.bytes), (0, 0));
    }

    #[test]
    fn float_columns_keep_the_buffer_and_null_only_the_nans() {
        let values = vec![1.0, f64::NAN, 3.0];
        let ptr = values.as_ptr();
        let a = float_column(values);
        assert_eq!(a.values().as_ptr(), ptr, "no copy of the values");
        assert_eq!(a.null_count(), 1);
        assert!(a.is_null(1) && a.is_valid(0) && a.is_valid(2));
        assert_eq!((a.value(0), a.value(2)), (1.0, 3.0));
        let b = float_column(vec![1.0, 2.0]);
        assert!(b.nulls().is_none());
    }

    #[test]
    fn scans_find_nan_and_infinities_anywhere() {
        let mut v = vec![1.0; 100_000];
        assert!(!any_nan(&v) && all_finite(&v));
        v[99_999] = f64::INFINITY;
        assert!(!any_nan(&v) && !all_finite(&v));
        v[70_000] = f64::NAN;
        assert!(any_nan(&v));
    }
}
