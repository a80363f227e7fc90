//! WGS84 latitude/longitude to British National Grid eastings/northings, so every demo
//! location carries both and they agree (to the Helmert transformation's few metres).
//!
//! Ordnance Survey, "A guide to coordinate systems in Great Britain": WGS84 geodetic to
//! cartesian, the 7-parameter Helmert transformation WGS84 → OSGB36 (section 6.6), cartesian
//! to geodetic on the Airy 1830 ellipsoid, then the transverse Mercator projection of the
//! National Grid (Annex C). The library's `distance` module has the inverse direction.

const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;
const AIRY_A: f64 = 6_377_563.396;
const AIRY_B: f64 = 6_356_256.909;
const F0: f64 = 0.999_601_271_7;
const LAT0_DEG: f64 = 49.0;
const LON0_DEG: f64 = -2.0;
const E0: f64 = 400_000.0;
const N0: f64 = -100_000.0;

/// WGS84 → OSGB36 Helmert parameters (OS guide, table 6.6): metres, ppm, arc seconds.
const TX: f64 = -446.448;
const TY: f64 = 125.157;
const TZ: f64 = -542.060;
const S_PPM: f64 = 20.4894;
const RX_SEC: f64 = -0.1502;
const RY_SEC: f64 = -0.2470;
const RZ_SEC: f64 = -0.8421;

/// Easting and northing (metres) of a WGS84 latitude and longitude (degrees).
pub(crate) fn wgs84_to_bng(lat: f64, lon: f64) -> (f64, f64) {
    let (phi, lambda) = wgs84_to_osgb36(lat.to_radians(), lon.to_radians());
    project(phi, lambda)
}

/// Latitude and longitude (radians) on OSGB36 of a WGS84 point at height 0.
fn wgs84_to_osgb36(phi: f64, lambda: f64) -> (f64, f64) {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let nu = WGS84_A / (1.0 - e2 * phi.sin().powi(2)).sqrt();
    let (x, y, z) = (
        nu * phi.cos() * lambda.cos(),
        nu * phi.cos() * lambda.sin(),
        nu * (1.0 - e2) * phi.sin(),
    );
    let sec = std::f64::consts::PI / (180.0 * 3600.0);
    let (s, rx, ry, rz) = (S_PPM * 1e-6, RX_SEC * sec, RY_SEC * sec, RZ_SEC * sec);
    let x2 = TX + (1.0 + s) * x - rz * y + ry * z;
    let y2 = TY + rz * x + (1.0 + s) * y - rx * z;
    let z2 = TZ - ry * x + rx * y + (1.0 + s) * z;
    let e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let p = x2.hypot(y2);
    let mut phi = z2.atan2(p * (1.0 - e2));
    // Converges to well under a millimetre in a handful of iterations.
    for _ in 0..6 {
        let nu = AIRY_A / (1.0 - e2 * phi.sin().powi(2)).sqrt();
        phi = (z2 + e2 * nu * phi.sin()).atan2(p);
    }
    (phi, y2.atan2(x2))
}

/// The National Grid's transverse Mercator projection of OSGB36 latitude/longitude (radians).
fn project(phi: f64, lambda: f64) -> (f64, f64) {
    let (a, b) = (AIRY_A, AIRY_B);
    let e2 = 1.0 - (b * b) / (a * a);
    let n = (a - b) / (a + b);
    let (n2, n3) = (n * n, n * n * n);
    let (phi0, lambda0) = (LAT0_DEG.to_radians(), LON0_DEG.to_radians());
    let (sin, cos, tan) = (phi.sin(), phi.cos(), phi.tan());
    let nu = a * F0 / (1.0 - e2 * sin * sin).sqrt();
    let rho = a * F0 * (1.0 - e2) / (1.0 - e2 * sin * sin).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (dp, sp) = (phi - phi0, phi + phi0);
    let m = b
        * F0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * dp
            - (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * dp.sin() * sp.cos()
            + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * dp).sin() * (2.0 * sp).cos()
            - 35.0 / 24.0 * n3 * (3.0 * dp).sin() * (3.0 * sp).cos());
    let t2 = tan * tan;
    let i = m + N0;
    let ii = nu / 2.0 * sin * cos;
    let iii = nu / 24.0 * sin * cos.powi(3) * (5.0 - t2 + 9.0 * eta2);
    let iiia = nu / 720.0 * sin * cos.powi(5) * (61.0 - 58.0 * t2 + t2 * t2);
    let iv = nu * cos;
    let v = nu / 6.0 * cos.powi(3) * (nu / rho - t2);
    let vi =
        nu / 120.0 * cos.powi(5) * (5.0 - 18.0 * t2 + t2 * t2 + 14.0 * eta2 - 58.0 * t2 * eta2);
    let dl = lambda - lambda0;
    let north = i + ii * dl.powi(2) + iii * dl.powi(4) + iiia * dl.powi(6);
    let east = E0 + iv * dl + v * dl.powi(3) + vi * dl.powi(5);
    (east, north)
}

/// The point `dx_km` east and `dy_km` north of (lat, lon), on a local flat approximation
/// (good to metres over the few km the areas are scattered by).
pub(crate) fn offset(lat: f64, lon: f64, dx_km: f64, dy_km: f64) -> (f64, f64) {
    let lat2 = lat + dy_km / 111.2;
    let lon2 = lon + dx_km / (111.32 * lat.to_radians().cos());
    (lat2, lon2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_worked_example_and_known_towns() {
        // OS guide Annex C worked example (OSGB36 52°39'27.2531"N, 1°43'4.5177"E).
        let phi = (52.0 + 39.0 / 60.0 + 27.2531 / 3600.0_f64).to_radians();
        let lambda = (1.0 + 43.0 / 60.0 + 4.5177 / 3600.0_f64).to_radians();
        let (e, n) = project(phi, lambda);
        assert!((e - 651_409.903).abs() < 0.01, "{e}");
        assert!((n - 313_177.270).abs() < 0.01, "{n}");
        // Maidstone town centre: about E 576 000, N 155 800.
        let (e, n) = wgs84_to_bng(51.272, 0.522);
        assert!(
            (e - 576_000.0).abs() < 600.0 && (n - 155_800.0).abs() < 600.0,
            "{e} {n}"
        );
    }
}
