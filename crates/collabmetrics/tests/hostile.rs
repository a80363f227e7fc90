//! Hostile input, one test per class of issue 11 and per fuzz finding: no panic, no hang, no
//! silent wrong answer; finite results for finite input or a structured error.

use collabmetrics::inequality::{self, BootstrapOptions, IndividualMeasure};
use collabmetrics::ErrorKind;

/// Fuzz finding: a bootstrap of the 50/50 share ratio whose resample holds only the
/// subnormal-adjacent value gave NaN.
#[test]
fn share_ratio_of_tiny_values_is_finite() {
    let values = [801.973, 13.0, 2.2250738585072014e-308];
    for v in [
        &values[..],
        &[values[2]; 3][..],
        &[values[2], values[2], 13.0][..],
    ] {
        match inequality::share_ratio(v, None, 0.5) {
            Ok(r) => assert!(r.is_finite(), "{v:?}: {r}"),
            Err(e) => assert_ne!(e.kind(), ErrorKind::Internal),
        }
    }
    let opts = BootstrapOptions {
        reps: 100,
        confidence: 0.95,
        seed: 14_393_992_020_901_745_175,
    };
    match inequality::bootstrap(&values, None, IndividualMeasure::ShareRatio(0.5), &opts) {
        Ok(r) => assert!(r.lower.is_finite() && r.upper.is_finite(), "{r:?}"),
        Err(e) => assert_ne!(e.kind(), ErrorKind::Internal, "{e}"),
    }
}
