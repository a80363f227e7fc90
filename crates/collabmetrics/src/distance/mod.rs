//! Travel distance from home to the treating unit, and its summaries (see
//! `docs/methods/distance.md`).
//!
//! * [`bng`], [`geodesic`], [`haversine`]: point-to-point distances in km over parallel slices,
//!   each with an `_into` form writing into a caller-provided slice;
//! * [`bng_to_wgs84`]: British National Grid eastings/northings to WGS84 latitude/longitude
//!   (and the two steps, [`grid_to_osgb36`] and [`osgb36_to_wgs84`]);
//! * [`Locations`]: coordinates of postcodes, LSOAs or sites from the caller's lookup table,
//!   unknown codes counted, never dropped;
//! * [`summary`]: count, mean, median (with an order-statistic interval), 90th percentile,
//!   maximum, share at or beyond a threshold (Wilson interval) and counts in distance bands;
//! * table entry points: [`distance_points_table`], [`bng_to_wgs84_table`], [`locate_table`],
//!   [`distance_summary_table`].
//!
//! Inputs are checked row by row: latitudes in [−90, 90], longitudes in [−180, 180], eastings
//! in [0, 700 000] m and northings in [0, 1 300 000] m (the grid's extent). A NaN is an error
//! naming the argument and index unless the caller chooses [`NullPolicy::Propagate`], which
//! gives such rows a NaN result (a null in tables). Work is split over rayon's threads in
//! fixed chunks of rows; every row is computed on its own, so results, and the row an error
//! names (always the first bad one), do not depend on the number of threads.
//!
//! ```
//! use collabmetrics::distance::{bng, geodesic, NullPolicy};
//! // A 3-4-5 triangle on the grid, in km; MHSDS's rounding of 2.5 km.
//! let km = bng(&[100_000.0, 0.0], &[200_000.0, 0.0], &[103_000.0, 1_500.0],
//!              &[204_000.0, 2_000.0], false, NullPolicy::Error)?;
//! assert_eq!(km, [5.0, 2.5]);
//! let rounded = bng(&[0.0], &[0.0], &[1_500.0], &[2_000.0], true, NullPolicy::Error)?;
//! assert_eq!(rounded, [3.0]);
//! // JFK to Heathrow on WGS84 (GeographicLib's documentation: 5551.759400319 km).
//! let d = geodesic(&[40.6], &[-73.8], &[51.6], &[-0.5], NullPolicy::Error)?;
//! assert!((d[0] - 5551.759400319).abs() < 1e-9);
//! # Ok::<(), collabmetrics::Error>(())
//! ```

mod bands;
mod convert;
mod lookup;
mod order;
mod points;
mod state;
mod summary;
pub(crate) mod table;

pub use bands::{BandPreset, Bands};
pub use convert::{
    bng_to_wgs84, bng_to_wgs84_into, grid_to_osgb36, osgb36_to_grid, osgb36_to_wgs84,
    wgs84_to_bng_point, wgs84_to_osgb36, HELMERT_ACCURACY_M,
};
pub use lookup::{Located, Locations, MISSING_CODE, UNKNOWN_CODE};
pub use points::{
    bng, bng_into, geodesic, geodesic_into, haversine, haversine_into, EARTH_MEAN_RADIUS_KM,
};
pub use state::{summary_finalize, summary_state, summary_state_listing, summary_state_schema};
pub(crate) use summary::{check_threshold, summary_of_bins, Bin, Binned};
pub use summary::{summary, DistanceSummary, SummaryOptions};
pub use table::{
    bng_to_wgs84_table, distance_points_table, distance_summary_table, locate_table,
    ConvertTableOptions, LocateTableOptions, Method, PointsTableOptions, SummaryTableOptions,
    MISSING_COORDINATES, MISSING_DISTANCE,
};

use crate::error::{Error, Result};
use rayon::prelude::*;

crate::option_enum! {
    /// What a missing coordinate (NaN in a slice, null or NaN in a table) does.
    #[derive(Default)]
    pub enum NullPolicy: "nulls", "null policy" {
        /// An error naming the argument (or column) and the first such row. The default: a
        /// missing location is a data problem to fix, not a distance of zero.
        #[default]
        Error = "error",
        /// The row's result is NaN (null in tables) and, in tables, the row is counted in the
        /// diagnostics; summaries leave such rows out and count them.
        Propagate = "propagate",
    }
}

/// The valid interval of one kind of coordinate and the rule a value outside it breaks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Domain {
    lo: f64,
    hi: f64,
    rule: &'static str,
}

pub(crate) const LATITUDE: Domain = Domain {
    lo: -90.0,
    hi: 90.0,
    rule: "latitudes must be in [-90, 90] degrees",
};
pub(crate) const LONGITUDE: Domain = Domain {
    lo: -180.0,
    hi: 180.0,
    rule: "longitudes must be in [-180, 180] degrees",
};
pub(crate) const EASTING: Domain = Domain {
    lo: 0.0,
    hi: 700_000.0,
    rule: "eastings must be in [0, 700000] m (the extent of the British National Grid)",
};
pub(crate) const NORTHING: Domain = Domain {
    lo: 0.0,
    hi: 1_300_000.0,
    rule: "northings must be in [0, 1300000] m (the extent of the British National Grid)",
};

/// Said in every face (the C vector kernels have no null policy to point to).
const NAN_RULE: &str = "missing coordinates (NaN) are not allowed here";

/// With [`NullPolicy::Error`], a kernel's error on a bad value becomes the error of the first
/// missing (NaN) coordinate, scanning `columns` one by one in the order of the arguments, when
/// there is one: every face reports a missing value before a value out of range, as the tables
/// do (they scan their columns' missing values first). Only a failed call pays for the scan.
pub(crate) fn missing_first(
    result: Result<()>,
    nulls: NullPolicy,
    columns: &[(&str, &[f64])],
) -> Result<()> {
    if nulls == NullPolicy::Error && matches!(result, Err(Error::InvalidValue { .. })) {
        for (name, values) in columns {
            if let Some(i) = values.iter().position(|v| v.is_nan()) {
                return Err(Error::invalid_value(name, i, f64::NAN, NAN_RULE));
            }
        }
    }
    result
}

/// A failed row: its index (to report the first across chunks) and the error.
pub(crate) type RowError = (usize, Error);

impl Domain {
    /// True for a value in range (false for NaN).
    #[inline]
    pub(crate) fn contains(self, x: f64) -> bool {
        x >= self.lo && x <= self.hi
    }

    /// `Ok(true)` for a usable value, `Ok(false)` for a NaN the policy lets through.
    #[inline]
    pub(crate) fn check(
        self,
        argument: &str,
        index: usize,
        x: f64,
        nulls: NullPolicy,
    ) -> Result<bool, RowError> {
        if self.contains(x) {
            Ok(true)
        } else if x.is_nan() && nulls == NullPolicy::Propagate {
            Ok(false)
        } else {
            let rule = if x.is_nan() { NAN_RULE } else { self.rule };
            Err((index, Error::invalid_value(argument, index, x, rule)))
        }
    }
}

/// Rows per parallel task: enough work to amortise rayon's scheduling (tens of microseconds
/// even for the cheap kernels), and few enough rows that two cores share the work evenly.
const CHUNK: usize = 16 * 1024;

/// Runs `chunk(first_row, rows)` over consecutive chunks of `out` (on rayon's threads when
/// there is more than one chunk) and returns the error of the lowest failing row.
pub(crate) fn fill<F>(out: &mut [f64], chunk: F) -> Result<()>
where
    F: Fn(usize, &mut [f64]) -> Result<(), RowError> + Sync,
{
    if out.len() <= CHUNK {
        crate::cancel::check()?;
        return chunk(0, out).map_err(|(_, e)| e);
    }
    // Each chunk first checks the caller's cancellation token (a chunk is milliseconds).
    let token = crate::cancel::current();
    first_error(
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .filter_map(|(c, rows)| {
                crate::cancel::check_carried(token.as_ref())
                    .map_err(|e| (c * CHUNK, e))
                    .and_then(|()| chunk(c * CHUNK, rows))
                    .err()
            }),
    )
}

/// [`fill`] for two parallel output slices of equal length.
pub(crate) fn fill2<F>(a: &mut [f64], b: &mut [f64], chunk: F) -> Result<()>
where
    F: Fn(usize, &mut [f64], &mut [f64]) -> Result<(), RowError> + Sync,
{
    if a.len() <= CHUNK {
        crate::cancel::check()?;
        return chunk(0, a, b).map_err(|(_, e)| e);
    }
    let token = crate::cancel::current();
    first_error(
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks_mut(CHUNK))
            .enumerate()
            .filter_map(|(c, (a, b))| {
                crate::cancel::check_carried(token.as_ref())
                    .map_err(|e| (c * CHUNK, e))
                    .and_then(|()| chunk(c * CHUNK, a, b))
                    .err()
            }),
    )
}

/// The error of the lowest row among the chunks' first errors: the same whatever the order
/// in which threads finished.
fn first_error(errors: impl ParallelIterator<Item = RowError>) -> Result<()> {
    match errors.min_by_key(|(row, _)| *row) {
        None => Ok(()),
        Some((_, e)) => Err(e),
    }
}
