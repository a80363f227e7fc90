//! Table entry points of the statistics kernels: Arrow in through the table layer
//! ([`crate::table`]), the kernels of this module over its columns, tidy results in the
//! PHEindicatormethods shape out.

use crate::error::{Error, Result};
use crate::stats::{
    self, DsrOptions, IsrKind, IsrOptions, MeanOptions, Method, ProportionOptions, RateOptions,
    StandardPopulation,
};
use crate::table::coerce::{visit_keys, Key};
use crate::table::tidy::{Methods, Tidy};
use crate::table::{Derived, DerivedKind, Diagnostics, Groups, Input, Roles, TableResult};
use arrow_array::{cast::AsArray, ArrayRef};
use arrow_schema::{DataType, Field};
use serde::{Deserialize, Serialize};

/// Columns and options of [`proportion_table`] (the options flattened beside the columns when
/// serialised).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProportionTableOptions {
    /// The numerator column (default `numerator`).
    pub numerator: String,
    /// The denominator column (default `denominator`).
    pub denominator: String,
    /// Interval options.
    #[serde(flatten)]
    pub options: ProportionOptions,
}

impl Default for ProportionTableOptions {
    fn default() -> Self {
        ProportionTableOptions {
            numerator: "numerator".into(),
            denominator: "denominator".into(),
            options: ProportionOptions::default(),
        }
    }
}

/// Columns and options of [`rate_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateTableOptions {
    /// The count column (default `count`).
    pub count: String,
    /// The person-time or population column (default `denominator`).
    pub denominator: String,
    /// Interval options.
    #[serde(flatten)]
    pub options: RateOptions,
}

impl Default for RateTableOptions {
    fn default() -> Self {
        RateTableOptions {
            count: "count".into(),
            denominator: "denominator".into(),
            options: RateOptions::default(),
        }
    }
}

/// Columns and options of [`dsr_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DsrTableOptions {
    /// The count column (default `count`).
    pub count: String,
    /// The population column (default `population`).
    pub population: String,
    /// Labels ("0-4" … "90+") or lower ages (0, 5, … 90) of the standard's bands (default
    /// column `age_band`).
    pub age_band: String,
    /// Group columns (default none: one group).
    pub by: Vec<String>,
    /// The standard population (default ESP 2013, 19 bands).
    pub standard: StandardPopulation,
    /// Interval options.
    #[serde(flatten)]
    pub options: DsrOptions,
}

impl Default for DsrTableOptions {
    fn default() -> Self {
        DsrTableOptions {
            count: "count".into(),
            population: "population".into(),
            age_band: "age_band".into(),
            by: Vec::new(),
            standard: StandardPopulation::default(),
            options: DsrOptions::default(),
        }
    }
}

/// Columns and options of [`isr_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IsrTableOptions {
    /// The observed count column (default `count`).
    pub count: String,
    /// The population column (default `population`).
    pub population: String,
    /// The reference count column (default `reference_count`).
    pub reference_count: String,
    /// The reference population column (default `reference_population`).
    pub reference_population: String,
    /// Group columns (default none: one group).
    pub by: Vec<String>,
    /// Ratio or rate, and interval options.
    #[serde(flatten)]
    pub options: IsrOptions,
}

impl Default for IsrTableOptions {
    fn default() -> Self {
        IsrTableOptions {
            count: "count".into(),
            population: "population".into(),
            reference_count: "reference_count".into(),
            reference_population: "reference_population".into(),
            by: Vec::new(),
            options: IsrOptions::default(),
        }
    }
}

/// Columns and options of [`mean_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeanTableOptions {
    /// The value column (default `value`).
    pub value: String,
    /// Group columns (default none: one group).
    pub by: Vec<String>,
    /// Interval options.
    #[serde(flatten)]
    pub options: MeanOptions,
}

impl Default for MeanTableOptions {
    fn default() -> Self {
        MeanTableOptions {
            value: "value".into(),
            by: Vec::new(),
            options: MeanOptions::default(),
        }
    }
}

/// Proportions row by row: the input's columns, then `value`, `lower`, `upper`, `confidence`,
/// `method`.
pub fn proportion_table(input: &Input, opts: &ProportionTableOptions) -> Result<TableResult> {
    let num = input.f64s(&opts.numerator)?;
    let den = input.f64s(&opts.denominator)?;
    let mut est = Outputs::new(num.len());
    stats::proportion_into(&num, &den, &opts.options, est.output()).map_err(|e| {
        input.locate_as(
            e,
            &[
                ("numerator", &opts.numerator),
                ("denominator", &opts.denominator),
            ],
        )
    })?;
    let mut tidy = Tidy::from_input(input)?;
    est.into_tidy(
        &mut tidy,
        opts.options.confidence,
        Methods::All(Method::Wilson),
    );
    let m = opts.options.multiplier;
    let kind = if m == 1.0 {
        DerivedKind::Proportion
    } else if m == 100.0 {
        DerivedKind::Percent
    } else {
        DerivedKind::Rate
    };
    let (num, den) = (input.name(&opts.numerator), input.name(&opts.denominator));
    let roles = estimates(Roles::counts(&[num, den], &[]), |c| {
        Derived::new(c, Some(num), den, kind).times(opts.options.multiplier)
    });
    finish(tidy, roles)
}

/// The three result columns of a row-wise estimator, allocated once (recycled or fresh, on
/// huge pages when large: see [`crate::buffer`]; every estimator writes every row or fails)
/// and handed to Arrow as they are.
struct Outputs {
    value: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Outputs {
    fn new(n: usize) -> Self {
        Outputs {
            value: crate::buffer::overwritten(n),
            lower: crate::buffer::overwritten(n),
            upper: crate::buffer::overwritten(n),
        }
    }

    fn output(&mut self) -> stats::Output<'_> {
        stats::Output {
            value: &mut self.value,
            lower: &mut self.lower,
            upper: &mut self.upper,
        }
    }

    /// The columns moved into `tidy` with the constant `confidence` and the `method` column.
    fn into_tidy(self, tidy: &mut Tidy, confidence: f64, methods: Methods<'_>) {
        tidy.estimates(self.value, self.lower, self.upper, confidence, methods);
    }
}

/// `roles` with `value`, `lower` and `upper` derived as `derive` says.
fn estimates(mut roles: Roles, derive: impl Fn(&str) -> Derived) -> Roles {
    for column in ["value", "lower", "upper"] {
        roles = roles.derive(derive(column));
    }
    roles
}

/// Crude rates row by row: the input's columns, then `value`, `lower`, `upper`, `confidence`,
/// `method`.
pub fn rate_table(input: &Input, opts: &RateTableOptions) -> Result<TableResult> {
    let count = input.f64s(&opts.count)?;
    let den = input.f64s(&opts.denominator)?;
    let mut est = Outputs::new(count.len());
    // One byte per row, zeroed (Method has no zero: every row is written).
    let mut methods = vec![Method::Byar; count.len()];
    stats::rate_into(
        &count,
        &den,
        &opts.options,
        est.output(),
        Some(&mut methods),
    )
    .map_err(|e| {
        input.locate_as(
            e,
            &[("count", &opts.count), ("denominator", &opts.denominator)],
        )
    })?;
    let possible: &[Method] = match opts.options.method {
        stats::RateMethod::Byar => &[Method::Byar, Method::Exact],
        stats::RateMethod::Exact => &[Method::Exact],
    };
    let mut tidy = Tidy::from_input(input)?;
    est.into_tidy(
        &mut tidy,
        opts.options.confidence,
        Methods::PerRow {
            rows: &methods,
            possible,
        },
    );
    let (count, den) = (input.name(&opts.count), input.name(&opts.denominator));
    let roles = estimates(Roles::counts(&[count], &[]), |c| {
        Derived::new(c, Some(count), den, DerivedKind::Rate).times(opts.options.multiplier)
    });
    finish(tidy, roles)
}

/// The names of key columns (the caller's names of the `by` columns).
fn key_names(keys: &[(Field, ArrayRef)]) -> Vec<String> {
    keys.iter().map(|(f, _)| f.name().clone()).collect()
}

/// Directly standardised rates per group: the `by` columns, `total_count`, `total_population`,
/// `value`, `lower`, `upper`, `confidence`, `method` ("Dobson") and `note` (set when the total
/// count is below 10, or the upper limit is undefined at 0 events).
pub fn dsr_table(input: &Input, opts: &DsrTableOptions) -> Result<TableResult> {
    let groups = Groups::new(input, &opts.by)?;
    let bands = band_indices(input, &opts.age_band, &opts.standard)?;
    let count = input.f64s(&opts.count)?;
    let pop = input.f64s(&opts.population)?;
    let est = stats::dsr(
        &groups.codes,
        groups.len(),
        &bands,
        &count,
        &pop,
        &opts.standard,
        &opts.options,
        &|g| groups.label(g),
    )
    .map_err(|e| {
        input.locate_as(
            e,
            &[("count", &opts.count), ("population", &opts.population)],
        )
    })?;
    dsr_output(&groups.keys, est)
}

/// The DSR table of groups with keys `keys` (one element per group).
pub(crate) fn dsr_output(
    keys: &[(Field, ArrayRef)],
    est: stats::DsrEstimates,
) -> Result<TableResult> {
    let notes: Vec<Option<&str>> = est
        .low_count
        .iter()
        .map(|&low| low.then_some(stats::LOW_COUNT_NOTE))
        .collect();
    let mut tidy = Tidy::from_keys(keys);
    tidy.number("total_count", est.total_count);
    tidy.number("total_population", est.total_population);
    tidy.estimates(
        est.value,
        est.lower,
        est.upper,
        est.confidence,
        Methods::All(Method::Dobson),
    );
    // No events: Dobson's upper limit does not exist (a null, never NaN in a table).
    tidy.upper_may_be_null();
    tidy.text("note", notes);
    // A standardised rate is not a ratio of the table's counts: it goes with its count.
    let by = key_names(keys);
    let roles = estimates(
        Roles::counts(&["total_count"], &by).with_dimensions_of(&by),
        |c| Derived::new(c, None, "total_count", DerivedKind::Mean),
    );
    finish(tidy, roles)
}

/// Indirectly standardised ratios (or rates) per group: the `by` columns, `observed`,
/// `expected`, `reference_rate` (rates only), `value`, `lower`, `upper`, `confidence`, `method`.
pub fn isr_table(input: &Input, opts: &IsrTableOptions) -> Result<TableResult> {
    let groups = Groups::new(input, &opts.by)?;
    let count = input.f64s(&opts.count)?;
    let pop = input.f64s(&opts.population)?;
    let ref_count = input.f64s(&opts.reference_count)?;
    let ref_pop = input.f64s(&opts.reference_population)?;
    let est = stats::isr(
        &groups.codes,
        groups.len(),
        &count,
        &pop,
        &ref_count,
        &ref_pop,
        &opts.options,
        &|g| groups.label(g),
    )
    .map_err(|e| {
        input.locate_as(
            e,
            &[
                ("count", &opts.count),
                ("population", &opts.population),
                ("reference_count", &opts.reference_count),
                ("reference_population", &opts.reference_population),
            ],
        )
    })?;
    isr_output(&groups.keys, est, &opts.options)
}

/// The ISR table of groups with keys `keys` (one element per group).
pub(crate) fn isr_output(
    keys: &[(Field, ArrayRef)],
    est: stats::IsrEstimates,
    options: &stats::IsrOptions,
) -> Result<TableResult> {
    let possible: &[Method] = match options.method {
        stats::RateMethod::Byar => &[Method::Byar, Method::Exact],
        stats::RateMethod::Exact => &[Method::Exact],
    };
    let methods = Methods::PerRow {
        rows: &est.method,
        possible,
    };
    let mut tidy = Tidy::from_keys(keys);
    tidy.number("observed", est.observed);
    tidy.number("expected", est.expected);
    if options.kind == IsrKind::Rate {
        tidy.number("reference_rate", est.reference_rate);
    }
    tidy.estimates(est.value, est.lower, est.upper, est.confidence, methods);
    let by = key_names(keys);
    let ratio = options.kind == IsrKind::Ratio;
    let roles = estimates(
        Roles::counts(&["observed"], &by).with_dimensions_of(&by),
        |c| match ratio {
            // O / E × multiplier: a margin's ratio is ΣO / ΣE.
            true => Derived::new(c, Some("observed"), "expected", DerivedKind::Ratio)
                .times(options.multiplier()),
            false => Derived::new(c, None, "observed", DerivedKind::Mean),
        },
    );
    finish(tidy, roles)
}

/// Means per group: the `by` columns, `value_count`, `value_sum`, `sd`, `value`, `lower`,
/// `upper`, `confidence`, `method`.
pub fn mean_table(input: &Input, opts: &MeanTableOptions) -> Result<TableResult> {
    let groups = Groups::new(input, &opts.by)?;
    let values = input.f64s(&opts.value)?;
    let est = stats::mean(&groups.codes, groups.len(), &values, &opts.options, &|g| {
        groups.label(g)
    })
    .map_err(|e| input.locate_as(e, &[("values", &opts.value)]))?;
    mean_output(&groups.keys, est)
}

/// The mean table of groups with keys `keys` (one element per group).
pub(crate) fn mean_output(
    keys: &[(Field, ArrayRef)],
    est: stats::MeanEstimates,
) -> Result<TableResult> {
    let mut tidy = Tidy::from_keys(keys);
    tidy.number("value_count", est.count);
    tidy.number("value_sum", est.sum);
    tidy.number("sd", est.sd);
    tidy.estimates(
        est.value,
        est.lower,
        est.upper,
        est.confidence,
        Methods::All(Method::StudentT),
    );
    let by = key_names(keys);
    let mut roles = Roles::counts(&["value_count"], &by).with_dimensions_of(&by);
    for c in ["value_sum", "sd", "value", "lower", "upper"] {
        roles = roles.derive(Derived::new(c, None, "value_count", DerivedKind::Mean));
    }
    finish(tidy, roles)
}

/// A stats table has no rule that sets records aside: its diagnostics are always empty, but
/// they travel in the schema metadata like every other result's, with the columns' roles.
fn finish(tidy: Tidy, roles: Roles) -> Result<TableResult> {
    Ok(TableResult {
        table: roles.annotate(tidy.finish()?),
        diagnostics: Diagnostics::new(),
    })
}

/// The band index of each row's age band: strings are labels ("0-4", "90+"), integers (of any
/// type, by the table layer's rule) are lower ages (0, 5, … 90).
pub(crate) fn band_indices(
    input: &Input,
    ours: &str,
    standard: &StandardPopulation,
) -> Result<Vec<u32>> {
    let col = input.column(ours)?;
    let name = input.name(ours);
    let unknown = |row: usize, value: String| Error::InvalidCell {
        table: None,
        column: name.to_owned(),
        row,
        value,
        rule: format!(
            "not an age band of the standard `{}` (bands {} … {}, or their lower ages)",
            standard.name(),
            standard.label(0),
            standard.label(standard.len() - 1)
        ),
    };
    if let Some(row) = crate::table::first_null(col.as_ref()) {
        return Err(Error::InvalidCell {
            table: None,
            column: name.to_owned(),
            row,
            value: "null".to_owned(),
            rule: "missing age bands are not allowed".to_owned(),
        });
    }
    let expected = "age band labels (string or dictionary) or lower ages (integer)";
    // A key's band, or the key as the error shows it.
    let band_of = |key: Key<'_>| match key {
        Key::Str(label) => standard
            .band_of_label(label)
            .ok_or_else(|| format!("\"{label}\"")),
        Key::Int(age) => standard
            .band_of_lower_age(age)
            .ok_or_else(|| age.to_string()),
        // Refused above; kept an error rather than a panic.
        Key::Null => Err("null".to_owned()),
    };
    let mut bands = Vec::with_capacity(col.len());
    if let DataType::Dictionary(_, _) = col.data_type() {
        // A categorical column (pandas, polars): each distinct value read once; a value no
        // row uses (an unused category) is never an error.
        let mut per_value = Vec::new();
        visit_keys(
            col.as_any_dictionary().values(),
            name,
            expected,
            |_, key| {
                per_value.push(band_of(key));
                Ok(())
            },
        )?;
        for (row, k) in crate::table::dictionary_keys(col.as_ref())
            .into_iter()
            .enumerate()
        {
            match k.map(|k| &per_value[k]) {
                Some(Ok(band)) => bands.push(*band as u32),
                Some(Err(value)) => return Err(unknown(row, value.clone())),
                None => return Err(unknown(row, "null".to_owned())),
            }
        }
        return Ok(bands);
    }
    visit_keys(col, name, expected, |row, key| {
        let band = band_of(key).map_err(|value| unknown(row, value))?;
        bands.push(band as u32);
        Ok(())
    })?;
    Ok(bands)
}
