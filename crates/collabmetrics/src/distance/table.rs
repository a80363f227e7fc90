//! Table entry points of the distance module: Arrow in, tidy Arrow out, with diagnostics.

use super::{
    bng_into, bng_to_wgs84_into, geodesic_into, haversine_into, summary, Locations, NullPolicy,
    SummaryOptions,
};
use crate::error::{Error, Result};
use crate::options::required;
use crate::table::tidy::check_unlike_results;
use crate::table::{Derived, DerivedKind, Diagnostics, Groups, Input, Roles, TableResult};
use arrow_array::{cast::AsArray, types::Float64Type, Array, ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// The diagnostic reason of a row with a missing coordinate (with [`NullPolicy::Propagate`]).
pub const MISSING_COORDINATES: &str = "missing_coordinates";
/// The diagnostic reason of a row left out of a summary for a missing distance.
pub const MISSING_DISTANCE: &str = "missing_distance";

crate::option_enum! {
    /// How [`distance_points_table`] measures.
    #[derive(Default)]
    pub enum Method: "method", "distance method" {
        /// British National Grid, straight line (see [`super::bng`]); the default.
        #[default]
        Bng = "bng",
        /// WGS84 geodesic (see [`super::geodesic`]).
        Geodesic = "geodesic",
        /// Sphere of mean radius (see [`super::haversine`]).
        Haversine = "haversine",
    }
}

impl Method {
    /// Our default coordinate column names, in the vector function's argument order.
    pub fn default_columns(self) -> [String; 4] {
        let names = match self {
            Method::Bng => ["e1", "n1", "e2", "n2"],
            Method::Geodesic | Method::Haversine => ["lat1", "lon1", "lat2", "lon2"],
        };
        names.map(str::to_owned)
    }
}

/// Columns and options of [`distance_points_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PointsTableOptions {
    /// The four coordinate columns in the vector function's order: (e1, n1, e2, n2) for BNG,
    /// (lat1, lon1, lat2, lon2) otherwise; `None` (the default) for those names.
    pub coordinates: Option<[String; 4]>,
    /// How to measure (default BNG).
    pub method: Method,
    /// Round BNG distances to whole km, halves away from zero, as MHSDS (default false; BNG
    /// only).
    pub round_km: bool,
    /// What a missing coordinate does (default: an error).
    pub nulls: NullPolicy,
    /// Name of the column added (default `distance_km`).
    pub output: String,
}

impl Default for PointsTableOptions {
    fn default() -> Self {
        PointsTableOptions {
            coordinates: None,
            method: Method::Bng,
            round_km: false,
            nulls: NullPolicy::Error,
            output: "distance_km".to_owned(),
        }
    }
}

impl PointsTableOptions {
    /// The default options with `method`.
    pub fn new(method: Method) -> Self {
        PointsTableOptions {
            method,
            ..PointsTableOptions::default()
        }
    }

    /// The coordinate columns in force: the ones given, or the method's defaults.
    pub fn columns(&self) -> [String; 4] {
        self.coordinates
            .clone()
            .unwrap_or_else(|| self.method.default_columns())
    }

    fn check(&self) -> Result<()> {
        if self.round_km && self.method != Method::Bng {
            return Err(Error::invalid_argument(
                "round_km",
                "rounding to whole km applies to the \"bng\" method only",
            ));
        }
        Ok(())
    }
}

/// Columns and options of [`bng_to_wgs84_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvertTableOptions {
    /// The eastings column (default `easting`).
    pub easting: String,
    /// The northings column (default `northing`).
    pub northing: String,
    /// Names of the two columns added (default `latitude`, `longitude`).
    pub latitude: String,
    /// See `latitude`.
    pub longitude: String,
    /// What a missing coordinate does (default: an error).
    pub nulls: NullPolicy,
}

impl Default for ConvertTableOptions {
    fn default() -> Self {
        ConvertTableOptions {
            easting: "easting".to_owned(),
            northing: "northing".to_owned(),
            latitude: "latitude".to_owned(),
            longitude: "longitude".to_owned(),
            nulls: NullPolicy::Error,
        }
    }
}

/// Columns and options of [`locate_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocateTableOptions {
    /// The input's code column. Required: codes have no conventional column name.
    pub code: Option<String>,
    /// The lookup's code and coordinate columns (default `code`, `x`, `y`).
    pub lookup_code: String,
    /// See `lookup_code`.
    pub lookup_x: String,
    /// See `lookup_code`.
    pub lookup_y: String,
    /// Names of the two columns added (default `x`, `y`).
    pub x: String,
    /// See `x`.
    pub y: String,
    /// What a null code does (default: an error).
    pub nulls: NullPolicy,
}

impl Default for LocateTableOptions {
    /// The default names; `code` is unset and must be given.
    fn default() -> Self {
        LocateTableOptions {
            code: None,
            lookup_code: "code".to_owned(),
            lookup_x: "x".to_owned(),
            lookup_y: "y".to_owned(),
            x: "x".to_owned(),
            y: "y".to_owned(),
            nulls: NullPolicy::Error,
        }
    }
}

impl LocateTableOptions {
    /// Codes in the input's column `code`; every other name its default.
    pub fn new(code: &str) -> Self {
        LocateTableOptions {
            code: Some(code.to_owned()),
            ..LocateTableOptions::default()
        }
    }
}

/// Columns and options of [`distance_summary_table`] (the summary options flattened beside
/// the columns when serialised).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryTableOptions {
    /// Distances in km (default `distance_km`).
    pub distance: String,
    /// Group columns (default none).
    pub by: Vec<String>,
    /// Optional weights, e.g. bed days: a missing (null or NaN) weight is an error, except on
    /// a row left out for a missing distance ([`NullPolicy::Propagate`]), whose weight is not
    /// read.
    pub weight: Option<String>,
    /// Null or NaN distances: an error, or (`Propagate`) left out and counted under
    /// [`MISSING_DISTANCE`].
    pub nulls: NullPolicy,
    /// Threshold, bands and confidence level.
    #[serde(flatten)]
    pub options: SummaryOptions,
}

impl Default for SummaryTableOptions {
    fn default() -> Self {
        SummaryTableOptions {
            distance: "distance_km".to_owned(),
            by: Vec::new(),
            weight: None,
            nulls: NullPolicy::Error,
            options: SummaryOptions::default(),
        }
    }
}

/// Adds the distance between two points to every row: the input's columns, then
/// `opts.output` (km; null where a coordinate was missing, with [`NullPolicy::Propagate`],
/// each such row counted under [`MISSING_COORDINATES`]).
pub fn distance_points_table(input: &Input, opts: &PointsTableOptions) -> Result<TableResult> {
    opts.check()?;
    let mut out = Builder::from_input(input, &[&opts.output])?;
    let coordinates = opts.columns();
    let [a1, b1, a2, b2] = &coordinates;
    let [c1, d1, c2, d2] = [a1, b1, a2, b2].map(|name| coordinates_of(input, name, opts.nulls));
    let (c1, d1, c2, d2) = (c1?, d1?, c2?, d2?);
    let mut km = crate::buffer::overwritten(input.num_rows());
    let result = match opts.method {
        Method::Bng => bng_into(&c1, &d1, &c2, &d2, opts.round_km, opts.nulls, &mut km),
        Method::Geodesic => geodesic_into(&c1, &d1, &c2, &d2, opts.nulls, &mut km),
        Method::Haversine => haversine_into(&c1, &d1, &c2, &d2, opts.nulls, &mut km),
    };
    let kernel_names = opts.method.default_columns();
    let names: Vec<(&str, &str)> = kernel_names
        .iter()
        .zip(&coordinates)
        .map(|(k, o)| (k.as_str(), o.as_str()))
        .collect();
    if let Err(e) = result {
        // A missing value takes precedence over the kernel's error, as when the columns were
        // scanned first (see `coordinates_of`).
        for name in [a1, b1, a2, b2] {
            numbers(input, name, opts.nulls)?;
        }
        return Err(input.locate_as(e, &names));
    }
    let mut diagnostics = Diagnostics::new();
    let finite = count_nan(
        &mut diagnostics,
        &km,
        MISSING_COORDINATES,
        "distance set to null",
    );
    out.kernel_column(&opts.output, km, finite);
    out.finish(diagnostics)
}

/// Adds WGS84 latitude and longitude (degrees) of British National Grid eastings and
/// northings (see [`super::bng_to_wgs84`]): the input's columns, then `opts.latitude` and
/// `opts.longitude` (null where a coordinate was missing, with [`NullPolicy::Propagate`]).
pub fn bng_to_wgs84_table(input: &Input, opts: &ConvertTableOptions) -> Result<TableResult> {
    let mut out = Builder::from_input(input, &[&opts.latitude, &opts.longitude])?;
    let e = numbers(input, &opts.easting, opts.nulls)?;
    let n = numbers(input, &opts.northing, opts.nulls)?;
    let mut lat = crate::buffer::overwritten(input.num_rows());
    let mut lon = crate::buffer::overwritten(input.num_rows());
    bng_to_wgs84_into(&e, &n, opts.nulls, &mut lat, &mut lon)
        .map_err(|err| input.locate_as(err, &[("e", &opts.easting), ("n", &opts.northing)]))?;
    let mut diagnostics = Diagnostics::new();
    // The kernel writes NaN to both coordinates of a row or to neither.
    let finite = count_nan(
        &mut diagnostics,
        &lat,
        MISSING_COORDINATES,
        "coordinates set to null",
    );
    out.kernel_column(&opts.latitude, lat, finite);
    out.kernel_column(&opts.longitude, lon, finite);
    out.finish(diagnostics)
}

/// Adds the coordinates of each row's location code from `lookup`: the input's columns, then
/// `opts.x` and `opts.y`, null where the code is unknown (counted under
/// [`super::UNKNOWN_CODE`]) or null (an error, or with [`NullPolicy::Propagate`] counted under
/// [`super::MISSING_CODE`]). No row is dropped.
pub fn locate_table(
    input: &Input,
    lookup: &Input,
    opts: &LocateTableOptions,
) -> Result<TableResult> {
    let code = opts
        .code
        .as_deref()
        .ok_or_else(|| required("code", "the column of location codes to look up"))?;
    let mut out = Builder::from_input(input, &[&opts.x, &opts.y])?;
    // The lookup's columns are often called as the output's (`x`, `y`): name its table.
    let locations =
        Locations::from_table(lookup, &opts.lookup_code, &opts.lookup_x, &opts.lookup_y)
            .map_err(|e| e.in_table("lookup"))?;
    let codes = input.column(code)?;
    let located = locations.locate(codes, input.name(code), opts.nulls)?;
    out.nullable_number(&opts.x, located.x);
    out.nullable_number(&opts.y, located.y);
    out.finish(located.diagnostics)
}

/// The name of a one-table function's input in diagnostics listings.
pub(crate) const DATA: &str = "data";

/// Distance summaries per group (see [`super::summary`]): the `by` columns, `count`,
/// `weight_sum` (with weights only), `mean`, `median`, `median_lower`, `median_upper`, `p90`,
/// `max`, `count_beyond`, `share_beyond`, `share_lower`, `share_upper`, `confidence`, then one
/// column per band (`band_lt_25`, …, `band_ge_300`). Statistics a group cannot have (e.g. the
/// median interval of fewer than 6 records at 95%) are null.
pub fn distance_summary_table(input: &Input, opts: &SummaryTableOptions) -> Result<TableResult> {
    let rows = summary_rows(input, opts, Diagnostics::new())?;
    let est = summary(
        &rows.group,
        rows.groups.len(),
        &rows.distance,
        rows.weight.as_deref(),
        &opts.options,
    )?;
    summary_output(&rows.groups.keys, est, rows.diagnostics)
}

/// The rows a distance summary uses, checked (an error names the input's row and column),
/// with the diagnostics of the rows left out.
pub(crate) struct SummaryRows {
    /// The `by` groups of the input's rows.
    pub groups: Groups,
    /// Group of each kept row.
    pub group: Vec<u32>,
    /// Distance of each kept row (finite, ≥ 0).
    pub distance: Vec<f64>,
    /// Weight of each kept row (finite, ≥ 0), when weighted.
    pub weight: Option<Vec<f64>>,
    /// Input row of each kept row.
    pub rows: Vec<usize>,
    /// The rows left out (missing distances), by reason.
    pub diagnostics: Diagnostics,
}

/// Reads and checks the input of a distance summary (see [`distance_summary_table`]); the
/// rows left out go to `diagnostics` (empty, listing or not), as rows of the table `data`.
pub(crate) fn summary_rows(
    input: &Input,
    opts: &SummaryTableOptions,
    mut diagnostics: Diagnostics,
) -> Result<SummaryRows> {
    crate::stats::z_value(opts.options.confidence)?;
    super::summary::check_threshold(opts.options.threshold)?;
    // Before any work: a breakdown named like a result column (`mean`, `band_lt_25`, …).
    let by: Vec<String> = opts.by.iter().map(|b| input.name(b).to_owned()).collect();
    let results = summary_columns(opts.weight.is_some(), &opts.options.bands.column_names());
    check_unlike_results(&by, &results)?;
    let groups = Groups::new(input, &opts.by)?;
    let distance = numbers(input, &opts.distance, opts.nulls)?;
    let weight = match (&opts.weight, opts.nulls) {
        (Some(name), NullPolicy::Error) => Some(input.f64s(name)?),
        (Some(name), NullPolicy::Propagate) => {
            Some(Cow::Owned(kept_weights(input, name, &distance)?))
        }
        (None, _) => None,
    };
    let kept = Kept::new(&groups.codes, &distance, weight.as_deref());
    if kept.first_dropped.is_some() {
        diagnostics.flag_rows(
            DATA,
            MISSING_DISTANCE,
            "left out of the summary",
            (0..distance.len()).filter(|&i| distance[i].is_nan()),
        );
    }
    super::summary::check_values(&kept.distance, kept.weight.as_deref()).map_err(|e| {
        // Indexes are into the kept rows: name the input's row.
        let e = kept.to_input_row(e);
        let weight = opts.weight.as_deref().unwrap_or_default();
        input.locate_as(e, &[("distance", &opts.distance), ("weight", weight)])
    })?;
    let rows = kept
        .rows
        .clone()
        .unwrap_or_else(|| (0..kept.distance.len()).collect());
    Ok(SummaryRows {
        group: kept.group.into_owned(),
        distance: kept.distance.into_owned(),
        weight: kept.weight.map(Cow::into_owned),
        rows,
        groups,
        diagnostics,
    })
}

/// The summary table of groups with keys `keys` (one element per group).
pub(crate) fn summary_output(
    keys: &[(Field, ArrayRef)],
    est: super::DistanceSummary,
    diagnostics: Diagnostics,
) -> Result<TableResult> {
    let n = est.len();
    let mut out = Builder::from_keys(keys);
    out.number("count", est.count);
    if est.weighted {
        out.number("weight_sum", est.weight_sum);
    }
    for (name, values) in [
        ("mean", est.mean),
        ("median", est.median),
        ("median_lower", est.median_lower),
        ("median_upper", est.median_upper),
        ("p90", est.p90),
        ("max", est.max),
    ] {
        out.nullable_number(name, values);
    }
    out.number("count_beyond", est.count_beyond);
    out.nullable_number("share_beyond", est.share_beyond);
    out.nullable_number("share_lower", est.share_lower);
    out.nullable_number("share_upper", est.share_upper);
    out.number("confidence", vec![est.confidence; n]);
    let by: Vec<String> = keys.iter().map(|(f, _)| f.name().clone()).collect();
    let roles = summary_roles(&by, &est.band_names, est.weighted);
    for (name, values) in est.band_names.iter().zip(est.bands) {
        out.number(name, values);
    }
    debug_assert_eq!(
        out.fields[keys.len()..]
            .iter()
            .map(|f| f.name().clone())
            .collect::<Vec<_>>(),
        summary_columns(est.weighted, &est.band_names)
    );
    let mut result = out.finish(diagnostics)?;
    result.table = roles.annotate(result.table);
    Ok(result)
}

/// The statistics of each group's distances, as the summary's columns name them (OAP's
/// `distance_*` columns too).
pub(crate) const STATISTICS: [&str; 6] = [
    "mean",
    "median",
    "median_lower",
    "median_upper",
    "p90",
    "max",
];

/// The columns of a distance summary after its `by` columns, in order (see
/// [`summary_output`]; `bands` the band columns' names).
fn summary_columns(weighted: bool, bands: &[String]) -> Vec<String> {
    let mut names = vec!["count"];
    if weighted {
        names.push("weight_sum");
    }
    names.extend(STATISTICS);
    names.extend([
        "count_beyond",
        "share_beyond",
        "share_lower",
        "share_upper",
        "confidence",
    ]);
    let names = names.into_iter().map(str::to_owned);
    names.chain(bands.iter().cloned()).collect()
}

/// What each column of a distance summary is, for publication ([`crate::disclosure`]): the
/// record counts (band counts too, unless weighted), the statistics of each group's records
/// (weighted, the bands too: sums of weights, like `weight_sum`) and the share beyond the
/// threshold.
fn summary_roles(by: &[String], bands: &[String], weighted: bool) -> Roles {
    let mut counts = vec!["count", "count_beyond"];
    if !weighted {
        counts.extend(bands.iter().map(String::as_str));
    }
    let mut roles = Roles::counts(&counts, by).with_dimensions_of(by);
    let weighted_bands = bands.iter().filter(|_| weighted).map(String::as_str);
    let stats = std::iter::once("weight_sum").chain(STATISTICS);
    for stat in stats.chain(weighted_bands) {
        roles = roles.derive(Derived::new(stat, None, "count", DerivedKind::Mean));
    }
    // Weighted, the share is of weights (count_beyond / weight_sum, not a ratio of counts): it
    // goes with the weight beyond, which it would give back with the weight sum.
    let (numerator, denominator) = if weighted {
        (None, "count_beyond")
    } else {
        (Some("count_beyond"), "count")
    };
    for share in ["share_beyond", "share_lower", "share_upper"] {
        roles = roles.derive(Derived::new(
            share,
            numerator,
            denominator,
            DerivedKind::Proportion,
        ));
    }
    if !weighted {
        let mut banded = vec!["count"];
        banded.extend(bands.iter().map(String::as_str));
        roles = roles.link(&banded, "the distance bands sum to `count`");
    }
    roles
}

/// The rows a summary uses: all of them, or (nulls passing through) those with a distance.
struct Kept<'a> {
    group: Cow<'a, [u32]>,
    distance: Cow<'a, [f64]>,
    weight: Option<Cow<'a, [f64]>>,
    /// Input row of each kept row, when some were dropped.
    rows: Option<Vec<usize>>,
    first_dropped: Option<usize>,
}

impl<'a> Kept<'a> {
    fn new(group: &'a [u32], distance: &'a [f64], weight: Option<&'a [f64]>) -> Self {
        let first_dropped = distance.iter().position(|d| d.is_nan());
        let Some(first) = first_dropped else {
            return Kept {
                group: Cow::Borrowed(group),
                distance: Cow::Borrowed(distance),
                weight: weight.map(Cow::Borrowed),
                rows: None,
                first_dropped: None,
            };
        };
        let rows: Vec<usize> = (0..distance.len())
            .filter(|&i| !distance[i].is_nan())
            .collect();
        Kept {
            group: rows.iter().map(|&i| group[i]).collect(),
            distance: rows.iter().map(|&i| distance[i]).collect(),
            weight: weight.map(|w| rows.iter().map(|&i| w[i]).collect()),
            rows: Some(rows),
            first_dropped: Some(first),
        }
    }

    /// A kernel error's index, as the input's row.
    fn to_input_row(&self, err: Error) -> Error {
        match (err, &self.rows) {
            (
                Error::InvalidValue {
                    argument,
                    index,
                    value,
                    rule,
                },
                Some(rows),
            ) => Error::InvalidValue {
                argument,
                index: rows[index],
                value,
                rule,
            },
            (err, _) => err,
        }
    }
}

/// The weights of a summary whose missing distances are left out ([`NullPolicy::Propagate`]):
/// a missing (null or NaN) weight is an error naming its row only on a row with a distance;
/// a row left out takes no part, so its weight is not read (NaN here, dropped with the row).
fn kept_weights(input: &Input, name: &str, distance: &[f64]) -> Result<Vec<f64>> {
    let weight = input.f64s_or_nan(name)?;
    if let Some(row) = (0..weight.len()).find(|&i| weight[i].is_nan() && !distance[i].is_nan()) {
        let col = input.column(name)?;
        let null = col.logical_nulls().is_some_and(|n| n.is_null(row));
        return Err(Error::InvalidCell {
            table: None,
            column: input.name(name).to_owned(),
            row,
            value: if null { "null" } else { "NaN" }.to_owned(),
            rule: "missing values (null or NaN) are not allowed here".to_owned(),
        });
    }
    Ok(weight)
}

/// A numeric column as `f64`s; with [`NullPolicy::Propagate`] a null becomes NaN (otherwise
/// it is an error naming the row, as [`Input::f64s`]).
fn numbers<'a>(input: &'a Input, ours: &str, nulls: NullPolicy) -> Result<Cow<'a, [f64]>> {
    match nulls {
        NullPolicy::Error => input.f64s(ours),
        NullPolicy::Propagate => input.f64s_or_nan(ours).map(Cow::Owned),
    }
}

/// [`numbers`] without its scan for NaN where the distance kernels make it themselves: a
/// `Float64` column without nulls under [`NullPolicy::Error`] is borrowed as it is (each
/// kernel refuses a NaN coordinate; on any kernel error the caller runs [`numbers`] on every
/// column first, so a missing value is still reported as one).
fn coordinates_of<'a>(input: &'a Input, ours: &str, nulls: NullPolicy) -> Result<Cow<'a, [f64]>> {
    if nulls == NullPolicy::Error {
        let col = input.column(ours)?;
        if col.data_type() == &DataType::Float64 && col.null_count() == 0 {
            return Ok(Cow::Borrowed(col.as_primitive::<Float64Type>().values()));
        }
    }
    numbers(input, ours, nulls)
}

/// Counts the NaNs of `values` (each came from a missing input) under `reason`, as rows of
/// `data`; true when every value is finite (then no NaN).
fn count_nan(diagnostics: &mut Diagnostics, values: &[f64], reason: &str, action: &str) -> bool {
    // One vectorised pass answers the common case (no missing input, every value finite).
    if crate::buffer::all_finite(values) {
        return true;
    }
    let rows = (0..values.len()).filter(|&i| values[i].is_nan());
    diagnostics.flag_rows(DATA, reason, action, rows);
    false
}

/// A result table built column by column.
struct Builder {
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
    /// Columns before this one are the input's own.
    first_result: usize,
    /// Result columns already known to be finite (skipped by the final check).
    checked: Vec<usize>,
}

impl Builder {
    /// The input's columns, refusing an input that already has a column we add.
    fn from_input(input: &Input, added: &[&String]) -> Result<Self> {
        let schema = input.schema();
        if let Some(name) = added.iter().find(|n| schema.column_with_name(n).is_some()) {
            return Err(Error::invalid_argument(
                "table",
                format!("the input already has a column `{name}`, which the result adds; rename it or choose another name"),
            ));
        }
        let batch = input.batch()?;
        Ok(Builder {
            checked: Vec::new(),
            fields: schema.fields().iter().map(|f| f.as_ref().clone()).collect(),
            columns: batch.columns().to_vec(),
            first_result: batch.num_columns(),
        })
    }

    fn from_keys(keys: &[(Field, ArrayRef)]) -> Self {
        let (fields, columns): (Vec<Field>, Vec<ArrayRef>) = keys.iter().cloned().unzip();
        let first_result = fields.len();
        Builder {
            fields,
            columns,
            first_result,
            checked: Vec::new(),
        }
    }

    fn number(&mut self, name: &str, values: Vec<f64>) {
        self.fields.push(Field::new(name, DataType::Float64, false));
        self.columns.push(Arc::new(Float64Array::from(values)));
    }

    /// A float column whose NaNs (values that do not exist) become nulls.
    /// `values` moved into a column (no copy), NaN as null.
    fn nullable_number(&mut self, name: &str, values: Vec<f64>) {
        self.fields.push(Field::new(name, DataType::Float64, true));
        self.columns
            .push(Arc::new(crate::buffer::float_column(values)));
    }

    /// A distance or coordinate kernel's output as a nullable column; `finite` when a pass
    /// found every value finite (the common case: no null buffer, and nothing left for
    /// `finish` to check).
    fn kernel_column(&mut self, name: &str, values: Vec<f64>, finite: bool) {
        if !finite {
            return self.nullable_number(name, values);
        }
        self.checked.push(self.columns.len());
        self.fields.push(Field::new(name, DataType::Float64, true));
        let values = crate::buffer::recycled(values);
        self.columns.push(Arc::new(Float64Array::new(values, None)));
    }

    fn finish(self, diagnostics: Diagnostics) -> Result<TableResult> {
        // The input's columns (refused by `from_input` when named as one we add) or the keys.
        let (keys, results) = self.fields.split_at(self.first_result);
        let names = |fields: &[Field]| fields.iter().map(|f| f.name().clone()).collect::<Vec<_>>();
        check_unlike_results(&names(keys), &names(results))?;
        let unchecked = |i: &usize| !self.checked.contains(i);
        let (fields, columns): (Vec<Field>, Vec<ArrayRef>) = (0..self.fields.len())
            .filter(unchecked)
            .map(|i| (self.fields[i].clone(), self.columns[i].clone()))
            .unzip();
        let first = (0..self.first_result).filter(unchecked).count();
        crate::table::tidy::finite_columns(&fields, &columns, first)?;
        let table = RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.columns)
            .map_err(|e| Error::invalid_argument("table", e.to_string()))?;
        Ok(TableResult { table, diagnostics })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_km_is_refused_for_latitude_longitude_methods() {
        let mut o = PointsTableOptions::new("BNG".parse().unwrap());
        o.round_km = true;
        assert!(o.check().is_ok());
        o.method = "geodesic".parse().unwrap();
        let e = o.check().unwrap_err();
        assert_eq!(e.argument(), Some("round_km"));
        let e = "vincenty".parse::<Method>().unwrap_err();
        assert_eq!(e.argument(), Some("method"));
    }
}
