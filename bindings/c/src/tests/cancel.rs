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

/// A computation started while another thread's holds every thread of rayon's global pool
/// runs on a pool of the process's own: on the global pool it would wait for the other to end
/// (rayon-rs/rayon#1054), here for ever.
#[test]
fn a_computation_does_not_wait_for_another_threads() {
    use rayon::prelude::*;
    use std::sync::mpsc;
    use std::time::Duration;

    let (held_tx, held_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = std::sync::Mutex::new(release_rx);
    let threads = rayon::current_num_threads();
    let first = std::thread::spawn(move || {
        crate::cancel::with(std::ptr::null(), || {
            // Every worker of the pool this runs on waits for the release.
            rayon::scope(|s| {
                for _ in 0..threads {
                    let (held_tx, release_rx) = (held_tx.clone(), &release_rx);
                    s.spawn(move |_| {
                        held_tx.send(()).unwrap();
                        let rx = release_rx.lock().unwrap();
                        let _ = rx.recv_timeout(Duration::from_secs(120));
                    });
                }
            });
        })
    });
    for _ in 0..threads {
        held_rx.recv_timeout(Duration::from_secs(60)).unwrap();
    }
    let (done_tx, done_rx) = mpsc::channel();
    let second = std::thread::spawn(move || {
        let sum: usize = crate::cancel::with(std::ptr::null(), || {
            (0..100_000usize).into_par_iter().with_max_len(1_000).sum()
        });
        done_tx.send(sum).unwrap();
    });
    let sum = done_rx.recv_timeout(Duration::from_secs(60));
    for _ in 0..threads {
        let _ = release_tx.send(());
    }
    first.join().unwrap();
    assert_eq!(sum, Ok(100_000 * 99_999 / 2));
    second.join().unwrap();
}
