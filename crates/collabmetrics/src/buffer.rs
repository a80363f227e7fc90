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

use arrow_array::Float64Array;
use arrow_buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
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
/// in parallel.
pub(crate) fn filled<T: Zero>(n: usize, value: T) -> Vec<T> {
    let mut v = zeroed(n);
    v.par_chunks_mut(TASK).for_each(|c| c.fill(value));
    v
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
    Float64Array::new(ScalarBuffer::from(values), nulls)
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
            let f = filled(n, 0.95);
            assert_eq!(f.len(), n);
            assert!(f.iter().all(|&x| x == 0.95));
            let b: Vec<i8> = zeroed(n);
            assert!(b.iter().all(|&x| x == 0));
        }
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
