//! British National Grid eastings/northings to WGS84 latitude/longitude, following the
//! Ordnance Survey's "A guide to coordinate systems in Great Britain" (v3.6): the inverse
//! transverse Mercator projection on the Airy 1830 ellipsoid (Annex C) gives OSGB36
//! latitude/longitude, and the OS's 7-parameter Helmert transformation (section 6.6) takes it
//! to WGS84.
//!
//! The Helmert transformation is a best fit over Great Britain: the OS gives its accuracy as
//! about 5 m (typically 2–3 m; [`HELMERT_ACCURACY_M`]). Survey-grade work needs OSTN15, which
//! this library does not ship; for travel distances of km the difference is immaterial.

use super::{fill2, NullPolicy, EASTING, NORTHING};
use crate::error::{check_len, Result};

/// The accuracy the OS documents for its Helmert transformation between OSGB36 and WGS84,
/// in metres ("about 5 metres" over Great Britain).
pub const HELMERT_ACCURACY_M: f64 = 5.0;

// Airy 1830 ellipsoid and the National Grid's projection (OS guide, Annex A).
const AIRY_A: f64 = 6_377_563.396;
const AIRY_B: f64 = 6_356_256.909;
const F0: f64 = 0.999_601_271_7;
const LAT0_DEG: f64 = 49.0;
const LON0_DEG: f64 = -2.0;
const E0: f64 = 400_000.0;
const N0: f64 = -100_000.0;

// WGS84 ellipsoid.
const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// WGS84 → OSGB36 Helmert parameters as the OS publishes them (guide, table 6.6): translations
/// in m, scale in ppm, rotations in arc seconds. OSGB36 → WGS84 uses them with every sign
/// reversed (the OS's own approximate inverse).
const TX: f64 = -446.448;
const TY: f64 = 125.157;
const TZ: f64 = -542.060;
const S_PPM: f64 = 20.4894;
const RX_SEC: f64 = -0.1502;
const RY_SEC: f64 = -0.2470;
const RZ_SEC: f64 = -0.8421;

/// WGS84 latitudes and longitudes (degrees) of British National Grid eastings and northings
/// (metres), through OSGB36 and the OS's Helmert transformation (accurate to a few metres).
///
/// Eastings must be in [0, 700 000] and northings in [0, 1 300 000]; NaN follows `nulls`
/// (both outputs NaN).
pub fn bng_to_wgs84(e: &[f64], n: &[f64], nulls: NullPolicy) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut lat = vec![0.0; e.len()];
    let mut lon = vec![0.0; e.len()];
    bng_to_wgs84_into(e, n, nulls, &mut lat, &mut lon)?;
    Ok((lat, lon))
}

/// [`bng_to_wgs84`] writing into `lat` and `lon`, slices of the inputs' length.
pub fn bng_to_wgs84_into(
    e: &[f64],
    n: &[f64],
    nulls: NullPolicy,
    lat: &mut [f64],
    lon: &mut [f64],
) -> Result<()> {
    check_len("n", n.len(), "e", e.len())?;
    check_len("lat", lat.len(), "e", e.len())?;
    check_len("lon", lon.len(), "e", e.len())?;
    let result = fill2(lat, lon, |start, lat, lon| {
        let rows = e[start..start + lat.len()]
            .iter()
            .zip(&n[start..start + lat.len()]);
        for (j, ((&e, &n), (lat, lon))) in rows.zip(lat.iter_mut().zip(lon)).enumerate() {
            let present = EASTING.check("e", start + j, e, nulls)?;
            let present = NORTHING.check("n", start + j, n, nulls)? && present;
            (*lat, *lon) = if present {
                let (phi, lambda) = grid_to_osgb36(e, n);
                osgb36_to_wgs84(phi, lambda)
            } else {
                (f64::NAN, f64::NAN)
            };
        }
        Ok(())
    });
    super::missing_first(result, nulls, &[("e", e), ("n", n)])
}

/// OSGB36 latitude and longitude (degrees, on Airy 1830) of one National Grid point: the
/// inverse transverse Mercator projection of the OS guide's Annex C (exact to well under a
/// millimetre; no range check).
pub fn grid_to_osgb36(easting: f64, northing: f64) -> (f64, f64) {
    let (a, b) = (AIRY_A, AIRY_B);
    let e2 = (a * a - b * b) / (a * a);
    let phi0 = LAT0_DEG.to_radians();
    // φ′: iterate until the meridional arc M(φ′) reaches N − N0 to within 0.01 mm.
    // It converges in a handful of steps on the grid; the cap only guards against NaN input.
    let mut phi = (northing - N0) / (a * F0) + phi0;
    for _ in 0..50 {
        let gap = northing - N0 - meridional_arc(phi, phi0);
        if gap.abs() < 1e-5 {
            break;
        }
        phi += gap / (a * F0);
    }
    let (sin, cos, tan) = (phi.sin(), phi.cos(), phi.tan());
    let w = 1.0 - e2 * sin * sin;
    let nu = a * F0 / w.sqrt();
    let rho = a * F0 * (1.0 - e2) / w.powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (t2, t4, t6) = (tan * tan, tan.powi(4), tan.powi(6));
    let sec = 1.0 / cos;
    let vii = tan / (2.0 * rho * nu);
    let viii = tan / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = tan / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);
    let de = easting - E0;
    let lat = phi - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lon =
        LON0_DEG.to_radians() + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    (lat.to_degrees(), lon.to_degrees())
}

/// The meridional arc M from the true origin's latitude `phi0` to `phi` (OS guide C1), scaled
/// by F0.
fn meridional_arc(phi: f64, phi0: f64) -> f64 {
    let n = (AIRY_A - AIRY_B) / (AIRY_A + AIRY_B);
    let (n2, n3) = (n * n, n * n * n);
    let (d, s) = (phi - phi0, phi + phi0);
    AIRY_B
        * F0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * d
            - (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * d.sin() * s.cos()
            + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * d).sin() * (2.0 * s).cos()
            - 35.0 / 24.0 * n3 * (3.0 * d).sin() * (3.0 * s).cos())
}

/// WGS84 latitude and longitude (degrees) of an OSGB36 latitude and longitude (degrees, at
/// ellipsoid height 0): Cartesian coordinates on Airy 1830, the OS's Helmert transformation,
/// then back to latitude/longitude on WGS84. Accurate to a few metres ([`HELMERT_ACCURACY_M`]).
pub fn osgb36_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    let airy_e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let [x, y, z] = to_cartesian(lat.to_radians(), lon.to_radians(), AIRY_A, airy_e2);
    let [x, y, z] = helmert([x, y, z], -1.0);
    let wgs84_e2 = WGS84_F * (2.0 - WGS84_F);
    let (phi, lambda) = from_cartesian([x, y, z], WGS84_A, wgs84_e2);
    (phi.to_degrees(), lambda.to_degrees())
}

/// OSGB36 latitude and longitude (degrees) of a WGS84 latitude and longitude (degrees, at
/// ellipsoid height 0): the inverse of [`osgb36_to_wgs84`], with the OS's published Helmert
/// parameters. Accurate to a few metres ([`HELMERT_ACCURACY_M`]).
pub fn wgs84_to_osgb36(lat: f64, lon: f64) -> (f64, f64) {
    let wgs84_e2 = WGS84_F * (2.0 - WGS84_F);
    let [x, y, z] = to_cartesian(lat.to_radians(), lon.to_radians(), WGS84_A, wgs84_e2);
    let [x, y, z] = helmert([x, y, z], 1.0);
    let airy_e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let (phi, lambda) = from_cartesian([x, y, z], AIRY_A, airy_e2);
    (phi.to_degrees(), lambda.to_degrees())
}

/// British National Grid easting and northing (metres) of an OSGB36 latitude and longitude
/// (degrees): the transverse Mercator projection of the OS guide's Annex C (exact to well
/// under a millimetre; no range check).
pub fn osgb36_to_grid(lat: f64, lon: f64) -> (f64, f64) {
    let (a, b) = (AIRY_A, AIRY_B);
    let e2 = 1.0 - (b * b) / (a * a);
    let (phi, lambda) = (lat.to_radians(), lon.to_radians());
    let (sin, cos, tan) = (phi.sin(), phi.cos(), phi.tan());
    let nu = a * F0 / (1.0 - e2 * sin * sin).sqrt();
    let rho = a * F0 * (1.0 - e2) / (1.0 - e2 * sin * sin).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let t2 = tan * tan;
    let i = meridional_arc(phi, LAT0_DEG.to_radians()) + N0;
    let ii = nu / 2.0 * sin * cos;
    let iii = nu / 24.0 * sin * cos.powi(3) * (5.0 - t2 + 9.0 * eta2);
    let iiia = nu / 720.0 * sin * cos.powi(5) * (61.0 - 58.0 * t2 + t2 * t2);
    let iv = nu * cos;
    let v = nu / 6.0 * cos.powi(3) * (nu / rho - t2);
    let vi =
        nu / 120.0 * cos.powi(5) * (5.0 - 18.0 * t2 + t2 * t2 + 14.0 * eta2 - 58.0 * t2 * eta2);
    let dl = lambda - LON0_DEG.to_radians();
    let north = i + ii * dl.powi(2) + iii * dl.powi(4) + iiia * dl.powi(6);
    let east = E0 + iv * dl + v * dl.powi(3) + vi * dl.powi(5);
    (east, north)
}

/// British National Grid easting and northing (metres) of a WGS84 latitude and longitude
/// (degrees): [`wgs84_to_osgb36`] then [`osgb36_to_grid`]; the inverse of the point form of
/// [`bng_to_wgs84`], to the Helmert transformation's few metres.
pub fn wgs84_to_bng_point(lat: f64, lon: f64) -> (f64, f64) {
    let (lat, lon) = wgs84_to_osgb36(lat, lon);
    osgb36_to_grid(lat, lon)
}

fn to_cartesian(phi: f64, lambda: f64, a: f64, e2: f64) -> [f64; 3] {
    let nu = a / (1.0 - e2 * phi.sin().powi(2)).sqrt();
    [
        nu * phi.cos() * lambda.cos(),
        nu * phi.cos() * lambda.sin(),
        (1.0 - e2) * nu * phi.sin(),
    ]
}

/// The OS's small-angle Helmert transformation (guide, section 6.6): `sign` 1 for WGS84 →
/// OSGB36, −1 for the reverse.
fn helmert([x, y, z]: [f64; 3], sign: f64) -> [f64; 3] {
    let s = 1.0 + sign * S_PPM * 1e-6;
    let arcsec = sign * (1.0_f64 / 3600.0).to_radians();
    let (rx, ry, rz) = (RX_SEC * arcsec, RY_SEC * arcsec, RZ_SEC * arcsec);
    [
        sign * TX + s * x - rz * y + ry * z,
        sign * TY + rz * x + s * y - rx * z,
        sign * TZ - ry * x + rx * y + s * z,
    ]
}

/// Latitude and longitude (radians) of a Cartesian point, by the OS guide's iteration
/// (section B.2) to a change below 1e-12 radian (6 µm).
fn from_cartesian([x, y, z]: [f64; 3], a: f64, e2: f64) -> (f64, f64) {
    let p = x.hypot(y);
    let mut phi = z.atan2(p * (1.0 - e2));
    for _ in 0..10 {
        let nu = a / (1.0 - e2 * phi.sin().powi(2)).sqrt();
        let next = (z + e2 * nu * phi.sin()).atan2(p);
        let done = (next - phi).abs() < 1e-12;
        phi = next;
        if done {
            break;
        }
    }
    (phi, y.atan2(x))
}
