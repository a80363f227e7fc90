//! WGS84 latitude/longitude to British National Grid eastings/northings, so every demo
//! location carries both and they agree (to the Helmert transformation's few metres).
//!
//! Ordnance Survey, "A guide to coordinate systems in Great Britain": WGS84 geodetic to
//! cartesian, the 7-parameter Helmert transformation WGS84 → OSGB36 (section 6.6), cartesian
//! to geodetic on the Airy 1830 ellipsoid, then the transverse Mercator projection of the
//! National Grid (Annex C), as implemented in the library's `distance` module (which has the
//! inverse direction too).

/// Easting and northing (metres) of a WGS84 latitude and longitude (degrees).
pub(crate) fn wgs84_to_bng(lat: f64, lon: f64) -> (f64, f64) {
    collabmetrics::distance::wgs84_to_bng_point(lat, lon)
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
        let lat = 52.0 + 39.0 / 60.0 + 27.2531 / 3600.0_f64;
        let lon = 1.0 + 43.0 / 60.0 + 4.5177 / 3600.0_f64;
        let (e, n) = collabmetrics::distance::osgb36_to_grid(lat, lon);
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
