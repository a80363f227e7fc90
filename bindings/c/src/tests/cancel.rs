//! Cancelling a running call from another thread through the flag of `cm_set_cancel_flag`.

use super::last_kind;
use crate::distance::cm_distance_geodesic;
use crate::{cm_set_cancel_flag, CmStatus};
use std::ffi::c_int;
use std::sync::atomic::{AtomicI32, Ordering};

/// A geodesic over a million points is cancelled by a flag another thread sets while it runs
/// (the call checks the flag every chunk of 16 384 points).
#[test]
fn a_flag_set_during_a_long_call_cancels_it() {
    let n = 1_000_000;
    let lat1: Vec<f64> = (0..n).map(|i| 50.0 + (i % 1000) as f64 / 1000.0).collect();
    let lon1 = vec![0.5; n];
    let lat2 = vec![51.5; n];
    let lon2: Vec<f64> = (0..n).map(|i| -2.0 + (i % 997) as f64 / 997.0).collect();
    let mut out = vec![0.0; n];
    let flag = AtomicI32::new(0);
    let status = std::thread::scope(|s| {
        // SAFETY: `flag` outlives the call; cleared below before it goes.
        unsafe { cm_set_cancel_flag(flag.as_ptr() as *const c_int) };
        s.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            flag.store(1, Ordering::SeqCst);
        });
        // SAFETY: every array holds `n` elements.
        unsafe {
            cm_distance_geodesic(
                lat1.as_ptr(),
                lon1.as_ptr(),
                lat2.as_ptr(),
                lon2.as_ptr(),
                n,
                out.as_mut_ptr(),
            )
        }
    });
    let kind = last_kind();
    // SAFETY: NULL clears the thread's flag.
    unsafe { cm_set_cancel_flag(std::ptr::null()) };
    assert_eq!(status, CmStatus::CANCELLED);
    assert_eq!(kind, "cancelled");
}
