//! Travel distance over C arrays: point-to-point distances in km and British National Grid to
//! WGS84. Each function only checks and converts its arguments and calls
//! `collabmetrics::distance`, which writes straight into the caller's arrays. A NaN input is an
//! error here (the core's `NullPolicy::Error`): C has no null to pass through.

use crate::args::Arrays;
use crate::error::{guard, CmStatus};
use collabmetrics::distance::{self, NullPolicy};

/// The four input arrays and the output array of a point-to-point distance.
///
/// # Safety
///
/// As for [`Arrays::input`] and [`Arrays::output`], for each pointer with `len` elements.
unsafe fn pairs<'a>(
    names: [&'static str; 4],
    inputs: [*const f64; 4],
    len: usize,
    out_km: *mut f64,
) -> Result<([&'a [f64]; 4], &'a mut [f64]), crate::error::Failure> {
    let mut arrays = Arrays::default();
    // SAFETY: forwarded from the caller.
    unsafe {
        let a = arrays.input(names[0], inputs[0], len)?;
        let b = arrays.input(names[1], inputs[1], len)?;
        let c = arrays.input(names[2], inputs[2], len)?;
        let d = arrays.input(names[3], inputs[3], len)?;
        Ok(([a, b, c, d], arrays.output("out_km", out_km, len)?))
    }
}

/// Straight-line distances in km between British National Grid points:
/// `sqrt(dE^2 + dN^2) / 1000`, the NHS method.
///
/// * `e1`, `n1`, `e2`, `n2`: `len` eastings in [0, 700000] and northings in [0, 1300000]
///   (metres) of the first and second points.
/// * `round_km`: round each distance to whole km, halves away from zero, as MHSDS's derived
///   distance from home (`round(hypot(dE, dN) / 1000)` in SQL).
/// * `out_km`: caller-allocated array of `len` doubles receiving the distances.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` naming the argument and the
/// first bad index: `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT` (overlapping arrays),
/// `CM_INVALID_VALUE` (a coordinate outside the grid, or NaN). Rows are computed in parallel;
/// the result and the index reported do not depend on the number of threads.
///
/// # Safety
///
/// Every non-NULL pointer must point to `len` elements (writable for `out_km`), valid for the
/// duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_distance_bng(
    e1: *const f64,
    n1: *const f64,
    e2: *const f64,
    n2: *const f64,
    len: usize,
    round_km: bool,
    out_km: *mut f64,
) -> CmStatus {
    guard(|| {
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements.
        let ([e1, n1, e2, n2], out) =
            unsafe { pairs(["e1", "n1", "e2", "n2"], [e1, n1, e2, n2], len, out_km)? };
        crate::cancel::with(std::ptr::null(), || {
            distance::bng_into(e1, n1, e2, n2, round_km, NullPolicy::Error, out)
        })?;
        Ok(())
    })
}

/// Geodesic distances in km on the WGS84 ellipsoid (Karney's algorithm, as GeographicLib;
/// accurate to nanometres).
///
/// * `lat1`, `lon1`, `lat2`, `lon2`: `len` latitudes in [-90, 90] and longitudes in
///   [-180, 180] (decimal degrees) of the first and second points.
/// * `out_km`: caller-allocated array of `len` doubles receiving the distances.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` naming the argument and the
/// first bad index: `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT`, `CM_INVALID_VALUE` (out of
/// range, or NaN). Rows are computed in parallel; results do not depend on the thread count.
///
/// # Safety
///
/// Every non-NULL pointer must point to `len` elements (writable for `out_km`), valid for the
/// duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_distance_geodesic(
    lat1: *const f64,
    lon1: *const f64,
    lat2: *const f64,
    lon2: *const f64,
    len: usize,
    out_km: *mut f64,
) -> CmStatus {
    guard(|| {
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements.
        let ([lat1, lon1, lat2, lon2], out) = unsafe {
            pairs(
                ["lat1", "lon1", "lat2", "lon2"],
                [lat1, lon1, lat2, lon2],
                len,
                out_km,
            )?
        };
        crate::cancel::with(std::ptr::null(), || {
            distance::geodesic_into(lat1, lon1, lat2, lon2, NullPolicy::Error, out)
        })?;
        Ok(())
    })
}

/// Great-circle distances in km on the sphere of mean radius 6371.0088 km (haversine
/// formula; within about 0.5% of the geodesic).
///
/// Arguments, statuses and safety as for `cm_distance_geodesic`.
///
/// # Safety
///
/// Every non-NULL pointer must point to `len` elements (writable for `out_km`), valid for the
/// duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_distance_haversine(
    lat1: *const f64,
    lon1: *const f64,
    lat2: *const f64,
    lon2: *const f64,
    len: usize,
    out_km: *mut f64,
) -> CmStatus {
    guard(|| {
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements.
        let ([lat1, lon1, lat2, lon2], out) = unsafe {
            pairs(
                ["lat1", "lon1", "lat2", "lon2"],
                [lat1, lon1, lat2, lon2],
                len,
                out_km,
            )?
        };
        crate::cancel::with(std::ptr::null(), || {
            distance::haversine_into(lat1, lon1, lat2, lon2, NullPolicy::Error, out)
        })?;
        Ok(())
    })
}

/// WGS84 latitudes and longitudes (decimal degrees) of British National Grid eastings and
/// northings: inverse transverse Mercator on Airy 1830 (OSGB36), then the Ordnance Survey's
/// Helmert transformation, accurate to a few metres (the OS documents about 5 m).
///
/// * `e`, `n`: `len` eastings in [0, 700000] and northings in [0, 1300000] (metres).
/// * `lat`, `lon`: caller-allocated arrays of `len` doubles receiving the results.
///
/// Returns `CM_OK`, or a status with `cm_last_error_message()` naming the argument and the
/// first bad index: `CM_NULL_POINTER`, `CM_INVALID_ARGUMENT`, `CM_INVALID_VALUE`.
///
/// # Safety
///
/// Every non-NULL pointer must point to `len` elements (writable for `lat` and `lon`), valid
/// for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn cm_bng_to_wgs84(
    e: *const f64,
    n: *const f64,
    len: usize,
    lat: *mut f64,
    lon: *mut f64,
) -> CmStatus {
    guard(|| {
        let mut arrays = Arrays::default();
        // SAFETY: the caller guarantees each non-NULL pointer addresses `len` elements.
        let (e, n, lat, lon) = unsafe {
            (
                arrays.input("e", e, len)?,
                arrays.input("n", n, len)?,
                arrays.output("lat", lat, len)?,
                arrays.output("lon", lon, len)?,
            )
        };
        crate::cancel::with(std::ptr::null(), || {
            distance::bng_to_wgs84_into(e, n, NullPolicy::Error, lat, lon)
        })?;
        Ok(())
    })
}
