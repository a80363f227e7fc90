//! Looking columns up by name and converting them to slices.

use crate::error::{Error, Result};
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, SchemaRef};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A caller-given mapping from collabmetrics' column names to the caller's own, so an extract
/// works without renaming (e.g. `start_date` → `StartDateHospProvSpell`). Names not in the map
/// are looked up as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnMap(HashMap<String, String>);

impl ColumnMap {
    /// An empty mapping.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps our name `ours` to the caller's column `theirs`.
    pub fn with(mut self, ours: &str, theirs: &str) -> Self {
        self.0.insert(ours.to_owned(), theirs.to_owned());
        self
    }

    /// The caller's name for our column `ours`.
    pub fn resolve<'a>(&'a self, ours: &'a str) -> &'a str {
        self.0.get(ours).map_or(ours, String::as_str)
    }

    /// The pairs (ours, theirs), in our names' order (so errors do not depend on hashing).
    fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> = self
            .0
            .iter()
            .map(|(o, t)| (o.as_str(), t.as_str()))
            .collect();
        pairs.sort_unstable();
        pairs
    }
}

/// Our names of the declared columns, for [`check_mapping`].
pub fn spec_names(specs: &[ColumnSpec]) -> Vec<&str> {
    specs.iter().map(|s| s.name).collect()
}

/// Whether some collabmetrics table reads a column of this name (every metric's declared
/// columns, and the transition breakdowns read when present): a mapping shared by several
/// calls (the command line's `report`, one `columns` dict reused) may carry such a name into a
/// call that does not read it.
fn read_by_a_metric(name: &str) -> bool {
    let declared = [
        crate::oap::PLACEMENT_COLUMNS,
        crate::oap::ADMISSION_COLUMNS,
        crate::oap::POPULATION_COLUMNS,
        crate::transition::PERSON_COLUMNS,
        crate::transition::REFERRAL_COLUMNS,
        crate::transition::CONTACT_COLUMNS,
        crate::transition::CARE_PLAN_COLUMNS,
        crate::spc::COLUMNS,
    ];
    declared
        .iter()
        .flat_map(|s| s.iter())
        .any(|s| s.name == name)
        || crate::transition::DEFAULT_BREAKDOWNS.contains(&name)
}

/// Refuses a column mapping that the call would otherwise ignore without a word: a pair whose
/// name of ours no collabmetrics table reads (a misspelt name of ours, or a table's prefix, as
/// in `contacts.person_id`), or whose column of the caller's is in none of the call's tables
/// that read that name (a misspelt name of theirs). A name that another metric reads (a
/// mapping shared by several calls) is left to it. Without this, a mapped optional column (a
/// rejection date, a date of death) that is not found is simply left out, and changes the
/// results. `tables` are each input table of the call with its name (for errors) and our names
/// of every column it may read (declared columns, breakdowns, options naming columns).
pub fn check_mapping(tables: &[(&str, &Input, Vec<&str>)]) -> Result<()> {
    let reads = |ours: &str, theirs: &str| {
        tables.iter().any(|(_, input, names)| {
            names.contains(&ours)
                && input.map.resolve(ours) == theirs
                && input.schema.column_with_name(theirs).is_some()
        })
    };
    for (_, input, _) in tables {
        for (ours, theirs) in input.map.pairs() {
            if reads(ours, theirs) {
                continue;
            }
            let Some((table, reader, _)) = tables
                .iter()
                .find(|(_, i, names)| names.contains(&ours) && i.map.resolve(ours) == theirs)
            else {
                if read_by_a_metric(ours) {
                    continue;
                }
                let mut known: Vec<&str> = tables
                    .iter()
                    .flat_map(|(_, _, names)| names.iter().copied())
                    .collect();
                known.sort_unstable();
                known.dedup();
                return Err(Error::invalid_argument(
                    "columns",
                    format!(
                        "the mapping `{ours}` → `{theirs}` names no column this call reads \
                         (it reads: {})",
                        known.join(", ")
                    ),
                ));
            };
            // `reader` reads `ours` as `theirs`, which it lacks: the missing-column error.
            return Err(match reader.column(ours) {
                Err(e) => e,
                Ok(_) => Error::invalid_argument("columns", format!("`{ours}` → `{theirs}`")),
            }
            .in_table(table));
        }
    }
    Ok(())
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for ColumnMap {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        ColumnMap(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// One input table with the caller's column mapping. A table given in several batches keeps
/// them, and a column is joined into one array when a call first reads it: a wide extract read
/// in chunks (a CSV or Parquet reader's batches) is not copied whole for the few columns a
/// metric reads. A joined column lets go of its chunks, so where the table is their only
/// owner (the command line's and the C interface's readers) a column read is held once, not
/// twice, for the rest of the call.
#[derive(Debug)]
pub struct Input {
    schema: SchemaRef,
    /// Each column's chunks, one per batch, until the column is joined.
    chunks: Vec<Mutex<Vec<ArrayRef>>>,
    rows: usize,
    /// Each column joined across the batches, once read.
    columns: Vec<OnceLock<ArrayRef>>,
    /// The whole table as one batch, once asked for.
    whole: OnceLock<RecordBatch>,
    map: ColumnMap,
}

impl Clone for Input {
    fn clone(&self) -> Self {
        let chunks = self
            .chunks
            .iter()
            .map(|c| Mutex::new(c.lock().unwrap_or_else(|e| e.into_inner()).clone()))
            .collect();
        Input {
            schema: self.schema.clone(),
            chunks,
            rows: self.rows,
            columns: self.columns.clone(),
            whole: self.whole.clone(),
            map: self.map.clone(),
        }
    }
}

impl Input {
    /// One table of `schema` from `batches` (all of `schema`; each column joined when first
    /// read, see [`Input`]). The table keeps
    /// `schema`'s metadata (e.g. the roles of a collabmetrics result), however many batches it
    /// came in: readers such as Parquet's give batches whose own schemas have none.
    ///
    /// Refused here, once for every entry point: two columns with one name (which of them a
    /// metric would read is ambiguous), more rows than [`crate::limits::MAX_ROWS`],
    /// batches whose columns differ from `schema`'s (names and types; field and schema
    /// metadata may differ), and text that is not UTF-8 (arrays imported through the C Data
    /// Interface are not checked on the way in).
    pub fn new(schema: SchemaRef, batches: &[RecordBatch], map: ColumnMap) -> Result<Self> {
        check_unique_names(&schema)?;
        let rows = batches
            .iter()
            .fold(0usize, |n, b| n.saturating_add(b.num_rows()));
        crate::limits::check_rows("table", rows)?;
        let shared = |e: String| {
            Error::invalid_argument("table", format!("batches do not share one schema: {e}"))
        };
        // Each batch takes the schema.
        let batches = batches
            .iter()
            .map(|b| {
                let fields = b.schema_ref().fields();
                let same = fields.len() == schema.fields().len()
                    && fields
                        .iter()
                        .zip(schema.fields())
                        .all(|(f, g)| f.name() == g.name() && f.data_type() == g.data_type());
                if !same {
                    return Err(shared(format!(
                        "a batch has columns {:?}, the table {:?}",
                        fields.iter().map(|f| f.name()).collect::<Vec<_>>(),
                        schema.fields().iter().map(|f| f.name()).collect::<Vec<_>>()
                    )));
                }
                let rows = RecordBatchOptions::new().with_row_count(Some(b.num_rows()));
                RecordBatch::try_new_with_options(schema.clone(), b.columns().to_vec(), &rows)
                    .map_err(|e| shared(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        // Text checked batch by batch, before the batches are joined (joining reads the
        // offsets); rows are counted across batches.
        let mut first_row = 0;
        for b in &batches {
            super::utf8::check(b).map_err(|e| e.at_offset(first_row))?;
            first_row += b.num_rows();
        }
        let width = schema.fields().len();
        let (columns, chunks, whole) = match batches.as_slice() {
            [one] => (
                one.columns().iter().cloned().map(OnceLock::from).collect(),
                (0..width).map(|_| Mutex::default()).collect(),
                OnceLock::from(one.clone()),
            ),
            _ => (
                (0..width).map(|_| OnceLock::new()).collect(),
                (0..width)
                    .map(|i| Mutex::new(batches.iter().map(|b| b.column(i).clone()).collect()))
                    .collect(),
                OnceLock::new(),
            ),
        };
        Ok(Input {
            schema,
            chunks,
            rows,
            columns,
            whole,
            map,
        })
    }

    /// Column `i` joined across the batches (at its first read), its chunks then let go.
    fn column_at(&self, i: usize) -> Result<&ArrayRef> {
        if let Some(col) = self.columns[i].get() {
            return Ok(col);
        }
        // A poisoned lock only means another thread's join panicked; the chunks are intact.
        let mut chunks = self.chunks[i].lock().unwrap_or_else(|e| e.into_inner());
        // Another thread may have joined the column while this one waited.
        if let Some(col) = self.columns[i].get() {
            return Ok(col);
        }
        let field = self.schema.field(i);
        let parts: Vec<&dyn Array> = chunks.iter().map(|c| c.as_ref()).collect();
        // A column type, not an argument, so that the bindings can name the table.
        let failed = |e: arrow_schema::ArrowError| {
            Error::column_type(
                field.name(),
                "batches that join into one array",
                format!(
                    "{} in batches that do not join ({e})",
                    super::type_name(field.data_type())
                ),
            )
        };
        let mut joined = match parts.as_slice() {
            [] => arrow_array::new_empty_array(field.data_type()),
            _ => arrow_select::concat::concat(&parts).map_err(failed)?,
        };
        // Batches with dictionaries of their own join into one dictionary holding each value
        // once (arrow's concatenation keeps a copy per batch). Only text and integers, which
        // key codes tell apart exactly (timestamps are keyed by their dates); the column is
        // only joined here, whoever reads it checks its values.
        let exact = |v: &DataType| super::coerce::is_text_or_integer(v);
        if parts.len() > 1 && matches!(field.data_type(), DataType::Dictionary(_, v) if exact(v)) {
            if let Ok(Some(deduped)) = super::coerce::one_copy_each(&joined, field.name(), failed) {
                joined = deduped;
            }
        }
        let col = self.columns[i].get_or_init(|| joined);
        *chunks = Vec::new();
        Ok(col)
    }

    /// This table with every empty text cell of the identifier and code columns of `specs`
    /// made null: not recorded, as the command line reads an empty CSV field, where a
    /// frame (pyarrow's CSV reader, pandas with `keep_default_na=False`) keeps `""`. Without
    /// it one CSV file gave other numbers from Python: empty ids one person, an empty
    /// consultation mechanism an indirect contact. Borrowed when there is no empty cell; the
    /// columns' values are shared, only their validity is new.
    ///
    /// A dictionary-encoded (categorical) identifier column is decoded to its values here,
    /// once, so that every reader of identifiers (joins, uniqueness, persons' codes) sees text
    /// or integers, as the table layer's one rule for identifiers reads them.
    pub fn empty_as_null(&self, specs: &[ColumnSpec]) -> Result<Cow<'_, Input>> {
        let names = specs
            .iter()
            .filter(|s| matches!(s.kind, ColumnKind::Identifier | ColumnKind::Code))
            .map(|s| (s.name, s.kind == ColumnKind::Identifier));
        self.normalised(names)
    }

    /// [`Input::empty_as_null`] of the columns we call `ours`.
    pub fn empty_columns_as_null<'a>(
        &self,
        ours: impl IntoIterator<Item = &'a str>,
    ) -> Result<Cow<'_, Input>> {
        self.normalised(ours.into_iter().map(|name| (name, false)))
    }

    /// Empty text as null in the columns `(ours, decode)`, and the dictionary columns among
    /// those with `decode` set decoded to their values.
    fn normalised<'a>(
        &self,
        columns: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> Result<Cow<'_, Input>> {
        let mut out: Option<Input> = None;
        for (name, decode) in columns {
            let Ok(i) = self.schema.index_of(self.name(name)) else {
                continue;
            };
            let given = self.column_at(i)?;
            let decoded = match decode {
                true => super::coerce::decoded(
                    given,
                    self.name(name),
                    ColumnKind::Identifier.expected(),
                )?,
                false => None,
            };
            let col = decoded.as_ref().unwrap_or(given);
            let blank = empty_rows(col.as_ref())?;
            let col = if blank.is_empty() {
                match decoded {
                    Some(col) => col,
                    None => continue,
                }
            } else {
                let mut valid: Vec<bool> = (0..col.len()).map(|r| col.is_valid(r)).collect();
                for r in blank {
                    valid[r] = false;
                }
                let data = col
                    .to_data()
                    .into_builder()
                    .nulls(Some(arrow_buffer::NullBuffer::from(valid)))
                    .build()
                    .map_err(|e| Error::invalid_argument(name, e.to_string()))?;
                arrow_array::make_array(data)
            };
            out.get_or_insert_with(|| self.clone()).set_column(i, col);
        }
        Ok(match out {
            None => Cow::Borrowed(self),
            Some(input) => Cow::Owned(input),
        })
    }

    /// Column `i` replaced by `col` (its field nullable, of `col`'s type).
    fn set_column(&mut self, i: usize, col: ArrayRef) {
        let mut fields: Vec<arrow_schema::Field> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields[i] = fields[i]
            .clone()
            .with_data_type(col.data_type().clone())
            .with_nullable(true);
        self.schema = std::sync::Arc::new(
            arrow_schema::Schema::new(fields).with_metadata(self.schema.metadata().clone()),
        );
        self.columns[i] = OnceLock::from(col);
        self.chunks[i] = Mutex::default();
        self.whole = OnceLock::new();
    }

    /// The whole table as one batch (its columns joined across the batches, at the first
    /// call).
    pub fn batch(&self) -> Result<&RecordBatch> {
        if let Some(b) = self.whole.get() {
            return Ok(b);
        }
        let columns = (0..self.columns.len())
            .map(|i| self.column_at(i).cloned())
            .collect::<Result<Vec<_>>>()?;
        let rows = RecordBatchOptions::new().with_row_count(Some(self.rows));
        let b = RecordBatch::try_new_with_options(self.schema.clone(), columns, &rows)
            .map_err(|e| Error::invalid_argument("table", e.to_string()))?;
        Ok(self.whole.get_or_init(|| b))
    }

    /// The table's schema (with its metadata, e.g. a collabmetrics result's roles).
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Whether the table has the column we call `ours`.
    pub fn has_column(&self, ours: &str) -> bool {
        self.schema.column_with_name(self.name(ours)).is_some()
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.rows
    }

    /// The caller's name for our column `ours`.
    pub fn name<'a>(&'a self, ours: &'a str) -> &'a str {
        self.map.resolve(ours)
    }

    /// The column we call `ours`, or [`Error::MissingColumn`].
    pub fn column(&self, ours: &str) -> Result<&ArrayRef> {
        self.column_at(self.index(ours)?)
    }

    /// The type of the column we call `ours` (from the schema: nothing is joined), or
    /// [`Error::MissingColumn`].
    pub fn data_type(&self, ours: &str) -> Result<&DataType> {
        Ok(self.schema.field(self.index(ours)?).data_type())
    }

    /// The position of the column we call `ours`, or [`Error::MissingColumn`].
    fn index(&self, ours: &str) -> Result<usize> {
        let theirs = self.map.resolve(ours);
        let Ok(i) = self.schema.index_of(theirs) else {
            let names: Vec<&str> = self
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            return Err(Error::MissingColumn {
                table: None,
                column: theirs.to_owned(),
                mapped: if theirs == ours {
                    String::new()
                } else {
                    format!(" (for `{ours}`)")
                },
                available: names.join(", "),
            });
        };
        Ok(i)
    }

    /// A numeric column as `f64`s: borrowed when it is `Float64` without nulls, converted from
    /// any integer, `Float32` or decimal type, or a dictionary (categorical) of numbers,
    /// otherwise. A missing value (null, or NaN, which is the same thing here) is an error
    /// naming the first such row.
    pub fn f64s(&self, ours: &str) -> Result<Cow<'_, [f64]>> {
        let col = self.column(ours)?;
        let name = self.name(ours);
        if let Some(plain) = decoded_numbers(col, name)? {
            return Ok(Cow::Owned(present_numbers(&plain, name)?.into_owned()));
        }
        present_numbers(col, name)
    }

    /// A numeric column as `f64`s with NaN where missing (null or NaN), for optional values
    /// such as costs.
    pub fn f64s_or_nan(&self, ours: &str) -> Result<Vec<f64>> {
        let col = self.column(ours)?;
        let name = self.name(ours);
        let plain = decoded_numbers(col, name)?;
        let col = plain.as_ref().unwrap_or(col);
        let mut values = numbers(col, name)?.into_owned();
        if let Some(nulls) = col.logical_nulls() {
            for (v, valid) in values.iter_mut().zip(nulls.iter()) {
                if !valid {
                    *v = f64::NAN;
                }
            }
        }
        Ok(values)
    }

    /// [`Input::locate`] for a kernel whose arguments have other names than our columns:
    /// `names` pairs each kernel argument with the column we call it (e.g. `("numerator",
    /// "deaths")`); other arguments keep their names.
    pub fn locate_as(&self, err: Error, names: &[(&str, &str)]) -> Error {
        match err {
            Error::InvalidValue {
                argument,
                index,
                value,
                rule,
            } => {
                let ours = names
                    .iter()
                    .find(|(k, _)| *k == argument)
                    .map_or(argument.as_str(), |(_, o)| *o);
                Error::InvalidCell {
                    table: None,
                    column: self.name(ours).to_owned(),
                    row: index,
                    value,
                    rule,
                }
            }
            other => other,
        }
    }

    /// Rewrites a kernel's [`Error::InvalidValue`] about argument `ours` as an
    /// [`Error::InvalidCell`] about the caller's column (rows are the table's rows).
    pub fn locate(&self, err: Error) -> Error {
        match err {
            Error::InvalidValue {
                argument,
                index,
                value,
                rule,
            } => Error::InvalidCell {
                table: None,
                column: self.name(&argument).to_owned(),
                row: index,
                value,
                rule,
            },
            other => other,
        }
    }
}

/// What a number column may be, in errors.
pub(crate) const NUMBER: &str = "a number (integer, float or decimal)";

/// Whether a column of type `t` holds numbers: integers of any width, floats, or SQL
/// decimals (`Decimal128`, read as the nearest doubles).
pub(crate) fn is_number(t: &DataType) -> bool {
    t.is_integer()
        || matches!(
            t,
            DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _)
        )
}

/// The type of a column's values: a dictionary's (categorical's) values' type, else `t`.
pub(crate) fn value_type(t: &DataType) -> &DataType {
    match t {
        DataType::Dictionary(_, v) => v,
        t => t,
    }
}

/// Whether a column of type `t` is read as numbers: [`is_number`], or a dictionary
/// (categorical) of numbers, read as its values.
pub(crate) fn holds_numbers(t: &DataType) -> bool {
    is_number(value_type(t))
}

/// [`numbers`] of a column without a missing value (null or NaN): an error naming the
/// column and the first such row otherwise.
fn present_numbers<'a>(col: &'a ArrayRef, name: &str) -> Result<Cow<'a, [f64]>> {
    if let Some((row, value)) = first_missing(col.as_ref()) {
        return Err(Error::InvalidCell {
            table: None,
            column: name.to_owned(),
            row,
            value: value.to_owned(),
            rule: "missing values (null or NaN) are not allowed here".to_owned(),
        });
    }
    numbers(col, name)
}

/// A dictionary (categorical) column of numbers as its numbers, nulls kept: pandas makes an
/// IMD decile or a count given `astype("category")` such a column. `None` for any other
/// column, which [`numbers`] reads or refuses as it is.
fn decoded_numbers(col: &ArrayRef, name: &str) -> Result<Option<ArrayRef>> {
    let DataType::Dictionary(_, values) = col.data_type() else {
        return Ok(None);
    };
    if !is_number(values) {
        return Ok(None);
    }
    arrow_cast::cast(col, values)
        .map(Some)
        .map_err(|e| Error::ColumnType {
            table: None,
            column: name.to_owned(),
            expected: format!("{NUMBER} ({e})"),
            found: super::type_name(col.data_type()),
        })
}

/// Any numeric column as `f64`s (values under nulls are whatever the buffer holds; a column
/// of the Arrow null type is all NaN).
fn numbers<'a>(col: &'a ArrayRef, name: &str) -> Result<Cow<'a, [f64]>> {
    Ok(match col.data_type() {
        DataType::Null => Cow::Owned(vec![f64::NAN; col.len()]),
        DataType::Float64 => Cow::Borrowed(col.as_primitive::<Float64Type>().values()),
        DataType::Float32 => convert::<Float32Type>(col, f64::from),
        DataType::Int8 => convert::<Int8Type>(col, f64::from),
        DataType::Int16 => convert::<Int16Type>(col, f64::from),
        DataType::Int32 => convert::<Int32Type>(col, f64::from),
        DataType::Int64 => {
            exact(col.as_primitive::<Int64Type>(), name, |x| x.unsigned_abs())?;
            convert::<Int64Type>(col, |x| x as f64)
        }
        DataType::UInt8 => convert::<UInt8Type>(col, f64::from),
        DataType::UInt16 => convert::<UInt16Type>(col, f64::from),
        DataType::UInt32 => convert::<UInt32Type>(col, f64::from),
        DataType::UInt64 => {
            exact(col.as_primitive::<UInt64Type>(), name, |x| x)?;
            convert::<UInt64Type>(col, |x| x as f64)
        }
        // SQL's DECIMAL/NUMERIC (a database extract's costs and counts): the nearest double,
        // as a float column would hold it; whole numbers (scale ≤ 0) held exactly or refused.
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            let a = col.as_primitive::<Decimal128Type>();
            if scale <= 0 {
                let factor = 10u128.pow(u32::from(scale.unsigned_abs()));
                exact(a, name, |x| {
                    u64::try_from(x.unsigned_abs().saturating_mul(factor)).unwrap_or(u64::MAX)
                })?;
            }
            convert::<Decimal128Type>(col, |x| decimal(x, scale))
        }
        other => {
            return Err(Error::ColumnType {
                table: None,
                column: name.to_owned(),
                expected: NUMBER.to_owned(),
                found: super::type_name(other),
            })
        }
    })
}

/// Refuses a 64-bit integer beyond ±2⁵³: as a double it would be rounded (2⁵³ + 1 reads as
/// 2⁵³), silently, and could then pass a rule it breaks (a numerator above its denominator).
/// Rows under a null are not looked at.
fn exact<T: ArrowPrimitiveType>(
    a: &arrow_array::PrimitiveArray<T>,
    name: &str,
    magnitude: impl Fn(T::Native) -> u64,
) -> Result<()> {
    const EXACT: u64 = 1 << 53;
    let beyond = a
        .values()
        .iter()
        .enumerate()
        .position(|(i, &x)| magnitude(x) > EXACT && a.is_valid(i));
    match beyond {
        Some(row) => Err(Error::InvalidCell {
            table: None,
            column: name.to_owned(),
            row,
            value: format!("{:?}", a.value(row)),
            rule: "integers beyond ±2^53 (9007199254740992) cannot be held exactly as \
                   floating-point numbers"
                .into(),
        }),
        None => Ok(()),
    }
}

/// A decimal's value `units × 10^−scale` as the nearest double (within one rounding of it
/// for |units| ≤ 2⁵³ and |scale| ≤ 22, where both factors are exact doubles).
fn decimal(units: i128, scale: i8) -> f64 {
    let power = 10f64.powi(i32::from(scale.unsigned_abs()));
    if scale >= 0 {
        units as f64 / power
    } else {
        units as f64 * power
    }
}

fn convert<T: ArrowPrimitiveType>(
    col: &ArrayRef,
    f: impl Fn(T::Native) -> f64,
) -> Cow<'static, [f64]> {
    Cow::Owned(
        col.as_primitive::<T>()
            .values()
            .iter()
            .map(|&x| f(x))
            .collect(),
    )
}

/// Whether row `i` of `a` is null, also in a column of Arrow's null type (an empty CSV
/// column, an all-`None` pandas column): such a column has no validity bitmap, so arrow's
/// `is_null` says false for its rows, although every one of them is null. Likewise a
/// dictionary row whose key points at a null value (arrow's `is_null` reads only the key).
pub(crate) fn is_null_at(a: &dyn Array, i: usize) -> bool {
    use arrow_array::downcast_dictionary_array;
    use arrow_buffer::ArrowNativeType;
    match a.data_type() {
        DataType::Null => true,
        DataType::Dictionary(..) => downcast_dictionary_array!(
            a => a.is_null(i) || is_null_at(a.values().as_ref(), a.keys().value(i).as_usize()),
            _ => a.is_null(i)
        ),
        _ => a.is_null(i),
    }
}

/// The rows whose text is empty: an identifier or code not recorded. The command line reads
/// an empty CSV field as null, but a frame keeps it as `""`, so the same file would otherwise
/// give other numbers from Python (every empty `person_id` one person). Columns that are not
/// text have none. Reads the offsets (or views) only, a chunk at a time, checking for
/// cancellation: the bytes of the texts would cost a read of the whole column. (A text of
/// spaces is a value, as the command line reads it; codes are compared trimmed, where the
/// modules read them, so a code of spaces is not recorded either.)
fn empty_rows(col: &dyn Array) -> Result<Vec<usize>> {
    const CHUNK: usize = 1 << 16;
    fn scan(len: usize, empty: impl Fn(usize) -> bool, col: &dyn Array) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for start in (0..len).step_by(CHUNK) {
            crate::cancel::check()?;
            let end = (start + CHUNK).min(len);
            out.extend((start..end).filter(|&r| empty(r) && col.is_valid(r)));
        }
        Ok(out)
    }
    fn offsets<O: arrow_array::OffsetSizeTrait>(
        a: &arrow_array::GenericStringArray<O>,
    ) -> Result<Vec<usize>> {
        let o = a.value_offsets();
        // Most columns have no empty text: one branch-free pass over the offsets says so.
        if !o.windows(2).fold(false, |any, w| any | (w[0] == w[1])) {
            return Ok(Vec::new());
        }
        scan(a.len(), |r| o[r] == o[r + 1], a)
    }
    match col.data_type() {
        DataType::Utf8 => offsets(col.as_string::<i32>()),
        DataType::LargeUtf8 => offsets(col.as_string::<i64>()),
        DataType::Utf8View => {
            let views = col.as_string_view().views();
            scan(views.len(), |r| views[r] as u32 == 0, col)
        }
        DataType::Dictionary(..) => {
            let Some(dict) = col.as_any_dictionary_opt() else {
                return Ok(Vec::new());
            };
            let mut blank = vec![false; dict.values().len()];
            for v in empty_rows(dict.values().as_ref())? {
                blank[v] = true;
            }
            if !blank.contains(&true) {
                return Ok(Vec::new());
            }
            let keys = dict.normalized_keys();
            scan(
                col.len(),
                |r| blank.get(keys[r]).copied().unwrap_or(false),
                col,
            )
        }
        _ => Ok(Vec::new()),
    }
}

/// The first null row of an array, if any.
pub(crate) fn first_null(col: &dyn Array) -> Option<usize> {
    col.logical_nulls()
        .filter(|nulls| nulls.null_count() > 0)
        .and_then(|nulls| nulls.iter().position(|valid| !valid))
}

/// The first missing value of a column: a null, or a NaN in a float column (NaN is treated
/// as null everywhere). Returns the row and `"null"` or `"NaN"`.
pub(crate) fn first_missing(col: &dyn Array) -> Option<(usize, &'static str)> {
    let null = first_null(col);
    let nan = match col.data_type() {
        DataType::Float64 => {
            let values = col.as_primitive::<Float64Type>().values();
            // One vectorised (parallel) pass answers the common case, a column without NaN;
            // the row is looked for only when there is one.
            crate::buffer::any_nan(values)
                .then(|| values.iter().position(|v| v.is_nan()))
                .flatten()
        }
        DataType::Float32 => col
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .position(|v| v.is_nan()),
        _ => None,
    };
    match (null, nan) {
        // A NaN under a null is the null.
        (Some(n), Some(f)) if f < n => Some((f, "NaN")),
        (Some(n), _) => Some((n, "null")),
        (None, Some(f)) => Some((f, "NaN")),
        (None, None) => None,
    }
}

/// Arrow's `normalized_keys` of a dictionary column (each row's index into its values, a null
/// row's meaningless), also for a dictionary without values, where arrow's panics.
pub(crate) fn dictionary_slots(col: &dyn Array) -> Vec<usize> {
    let dict = col.as_any_dictionary();
    if dict.values().is_empty() {
        // Every key is null (none can point into no values): no slot is ever read.
        return vec![0; col.len()];
    }
    dict.normalized_keys()
}

/// The value index of each row of a dictionary column, `None` for a null row (a null key, or a
/// key of a null value), a dictionary without values included.
pub(crate) fn dictionary_keys(col: &dyn Array) -> Vec<Option<usize>> {
    let nulls = col.logical_nulls();
    dictionary_slots(col)
        .into_iter()
        .enumerate()
        .map(|(i, k)| nulls.as_ref().is_none_or(|n| n.is_valid(i)).then_some(k))
        .collect()
}

/// Refuses a schema with two columns of one name.
fn check_unique_names(schema: &SchemaRef) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for field in schema.fields() {
        if !seen.insert(field.name().as_str()) {
            return Err(Error::invalid_argument(
                "table",
                format!(
                    "the column name `{}` appears more than once; column names must be unique",
                    field.name()
                ),
            ));
        }
    }
    Ok(())
}

/// What a metric needs of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ColumnKind {
    /// `date32`, `date64`, a timestamp (truncated to the date) or an ISO 8601 string (also
    /// dictionary-encoded).
    Date,
    /// Any integer or float type, a SQL decimal (`Decimal128`), or a dictionary of one
    /// (decoded by [`Input::f64s`]).
    Number,
    /// Integers or strings identifying a record or person, or a dictionary of either (decoded
    /// by [`Input::empty_as_null`]).
    Identifier,
    /// A code (strings or small integers, as in the NHS Data Dictionary), or a dictionary.
    Code,
}

impl ColumnKind {
    fn accepts(self, t: &DataType) -> bool {
        if t == &DataType::Null {
            // A column with no values at all (an empty CSV column, an all-None pandas column)
            // is a column of nulls of whatever type is expected.
            return true;
        }
        let stringy = matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
        match self {
            ColumnKind::Date => {
                stringy
                    || matches!(
                        t,
                        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
                    )
                    || matches!(t, DataType::Dictionary(_, v) if matches!(
                        v.as_ref(),
                        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                    ))
            }
            ColumnKind::Number => holds_numbers(t),
            ColumnKind::Identifier => super::coerce::is_text_or_integer(value_type(t)),
            ColumnKind::Code => {
                stringy || t.is_integer() || matches!(t, DataType::Dictionary(_, _))
            }
        }
    }

    pub(crate) fn expected(self) -> &'static str {
        match self {
            ColumnKind::Date => "a date (date32, date64, timestamp or ISO 8601 string)",
            ColumnKind::Number => NUMBER,
            ColumnKind::Identifier => {
                "an identifier (integer or string, or a dictionary of either)"
            }
            ColumnKind::Code => "a code (string, integer or dictionary)",
        }
    }
}

/// One input column a metric declares: our name, its kind, whether it must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ColumnSpec {
    /// Our name for the column (the caller maps theirs with a [`ColumnMap`]).
    pub name: &'static str,
    /// The types it may have.
    pub kind: ColumnKind,
    /// Whether the call fails without it (otherwise it is optional).
    pub required: bool,
    /// What it holds, in words (for documentation and `--help`).
    pub description: &'static str,
}

impl ColumnSpec {
    /// A declared column (for the `const` column lists of each metric).
    pub const fn new(
        name: &'static str,
        kind: ColumnKind,
        required: bool,
        description: &'static str,
    ) -> Self {
        ColumnSpec {
            name,
            kind,
            required,
            description,
        }
    }
}

/// Distinct values of a code column: a dense code per row and each code's value as text
/// (`None` for null).
#[derive(Debug, Clone, PartialEq)]
pub struct Categories {
    /// A dense code per row (0.., in order of first appearance).
    pub codes: Vec<u32>,
    /// The value of each code as text (`None` for null), indexed by code.
    pub values: Vec<Option<String>>,
}

impl Input {
    /// Checks every declared column up front: required ones present, present ones of a usable
    /// type, so a wrong extract fails before any work with an error naming the column.
    pub fn check(&self, specs: &[ColumnSpec]) -> Result<()> {
        for spec in specs {
            if !spec.required && !self.has_column(spec.name) {
                continue;
            }
            let data_type = self.data_type(spec.name)?;
            if !spec.kind.accepts(data_type) {
                // pandas stores integer codes or ids with a missing value as floats.
                let float = matches!(data_type, DataType::Float32 | DataType::Float64);
                let hint = match spec.kind {
                    ColumnKind::Code | ColumnKind::Identifier if float => {
                        " (pandas turns whole numbers with a missing value into floats: use the \
                         nullable `Int64` or `string` dtype)"
                    }
                    _ => "",
                };
                return Err(Error::ColumnType {
                    table: None,
                    column: self.name(spec.name).to_owned(),
                    expected: format!("{}{hint}", spec.kind.expected()),
                    found: super::type_name(data_type),
                });
            }
        }
        Ok(())
    }

    /// A dense code per row (0.., in order of first appearance) of a key column, without the
    /// text of the values: the cheap form for identifiers.
    pub fn codes(&self, ours: &str) -> Result<Vec<u32>> {
        super::groups::key_codes(self.column(ours)?, self.name(ours))
    }

    /// The distinct values of a code or key column (see [`Categories`]).
    pub fn categories(&self, ours: &str) -> Result<Categories> {
        let groups = super::Groups::new(self, &[ours.to_owned()])?;
        let (_, keys) = &groups.keys[0];
        let values = (0..groups.len())
            .map(|g| {
                (!is_null_at(keys.as_ref(), g)).then(|| super::groups::display(keys.as_ref(), g))
            })
            .collect();
        Ok(Categories {
            codes: groups.codes,
            values,
        })
    }

    /// Builds an input from a stream of batches (e.g. an Arrow C stream or a file reader).
    pub fn from_reader<I>(schema: SchemaRef, batches: I, map: ColumnMap) -> Result<Self>
    where
        I: IntoIterator<Item = std::result::Result<RecordBatch, arrow_schema::ArrowError>>,
    {
        let batches = batches
            .into_iter()
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::invalid_argument("table", format!("reading the input stream failed: {e}"))
            })?;
        Input::new(schema, &batches, map)
    }
}

#[cfg(test)]
mod tests {
    use super::{ColumnKind, ColumnMap, ColumnSpec, Input};
    use arrow_array::StringArray;
    use arrow_array::{cast::AsArray, types::Int64Type, ArrayRef, Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    /// A table of one column `name`.
    fn one_column(name: &str, col: ArrayRef) -> Input {
        let field = Field::new(name, col.data_type().clone(), true);
        let schema = Arc::new(Schema::new(vec![field]));
        let batch = RecordBatch::try_new(schema.clone(), vec![col]).unwrap();
        Input::new(schema, &[batch], ColumnMap::new()).unwrap()
    }

    fn batch(schema: &Arc<Schema>, n: Vec<i64>, text: Vec<&str>) -> RecordBatch {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(n)),
            Arc::new(StringArray::from(text)),
        ];
        RecordBatch::try_new(schema.clone(), cols).unwrap()
    }

    #[test]
    fn batches_are_joined_column_by_column_when_read() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("text", DataType::Utf8, false),
        ]));
        let parts = [
            batch(&schema, vec![1, 2], vec!["a", "b"]),
            batch(&schema, vec![3], vec!["c"]),
        ];
        let input = Input::new(schema.clone(), &parts, ColumnMap::new()).unwrap();
        assert_eq!(input.num_rows(), 3);
        let n = input.column("n").unwrap().as_primitive::<Int64Type>();
        assert_eq!(n.values().to_vec(), [1, 2, 3]);
        // The column no call read is not copied.
        assert!(input.columns[1].get().is_none());
        let whole = input.batch().unwrap();
        assert_eq!(whole.num_rows(), 3);
        assert_eq!(whole.column(1).as_string::<i32>().value(2), "c");
        // No batches: empty columns of the schema's types.
        let empty = Input::new(schema, &[], ColumnMap::new()).unwrap();
        assert_eq!(empty.column("text").unwrap().len(), 0);
    }

    #[test]
    fn a_joined_column_lets_go_of_its_chunks() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("text", DataType::Utf8, false),
        ]));
        let parts = vec![
            batch(&schema, vec![1, 2], vec!["a", "b"]),
            batch(&schema, vec![3], vec!["c"]),
        ];
        let weak = |col: usize| -> Vec<_> {
            parts
                .iter()
                .map(|b| Arc::downgrade(b.column(col)))
                .collect()
        };
        let (n_chunks, text_chunks) = (weak(0), weak(1));
        // The table is the chunks' only owner, as behind the command line's reader.
        let input = Input::from_reader(schema.clone(), parts.into_iter().map(Ok), ColumnMap::new())
            .unwrap();
        let copy = input.clone();
        input.column("n").unwrap();
        // The copy still holds the chunks of `n`; once it goes, only the joined column is left.
        assert!(n_chunks.iter().all(|w| w.upgrade().is_some()));
        drop(copy);
        assert!(n_chunks.iter().all(|w| w.upgrade().is_none()));
        assert!(text_chunks.iter().all(|w| w.upgrade().is_some()));
        assert_eq!(input.column("n").unwrap().len(), 3);
        // The whole batch joins the rest.
        assert_eq!(
            input.batch().unwrap().column(1).as_string::<i32>().value(2),
            "c"
        );
        assert!(text_chunks.iter().all(|w| w.upgrade().is_none()));
    }

    #[test]
    fn dictionary_identifiers_are_decoded_and_empty_ones_made_null() {
        use arrow_array::{types::Int8Type, DictionaryArray, Float64Array};
        let specs = [
            ColumnSpec::new("id", ColumnKind::Identifier, true, ""),
            ColumnSpec::new("code", ColumnKind::Code, false, ""),
        ];
        let dict = |t: DataType| DataType::Dictionary(Box::new(DataType::Int8), Box::new(t));
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", dict(DataType::Utf8), true),
            Field::new("code", dict(DataType::Utf8), true),
        ]));
        let words = |w: [Option<&str>; 4]| -> ArrayRef {
            Arc::new(w.into_iter().collect::<DictionaryArray<Int8Type>>())
        };
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                words([Some("p2"), Some(""), None, Some("p2")]),
                words([Some("10"), Some("14"), Some("10"), Some("")]),
            ],
        )
        .unwrap();
        let input = Input::new(schema, &[batch], ColumnMap::new()).unwrap();
        input.check(&specs).unwrap();
        let read = input.empty_as_null(&specs).unwrap();
        // The identifier as its values, the empty one null; the code stays a dictionary.
        let id = read.column("id").unwrap().as_string::<i32>();
        let want: Vec<Option<&str>> = vec![Some("p2"), None, None, Some("p2")];
        assert_eq!(id.iter().collect::<Vec<_>>(), want);
        assert_eq!(read.data_type("id").unwrap(), &DataType::Utf8);
        assert!(matches!(
            read.data_type("code").unwrap(),
            DataType::Dictionary(..)
        ));
        assert!(read.column("code").unwrap().is_null(3));

        // Integer identifiers in a dictionary decode to their integers; a dictionary of
        // floats is no identifier.
        let ints: ArrayRef = Arc::new(
            DictionaryArray::<Int8Type>::try_new(
                arrow_array::Int8Array::from(vec![1, 0, 1]),
                Arc::new(Int64Array::from(vec![9_000_000_001, 9_000_000_002])),
            )
            .unwrap(),
        );
        let floats: ArrayRef = Arc::new(
            DictionaryArray::<Int8Type>::try_new(
                arrow_array::Int8Array::from(vec![0]),
                Arc::new(Float64Array::from(vec![1.5])),
            )
            .unwrap(),
        );
        let one = |col: ArrayRef| one_column("id", col);
        let input = one(ints);
        let read = input.empty_as_null(&specs[..1]).unwrap();
        let id = read.column("id").unwrap().as_primitive::<Int64Type>();
        assert_eq!(
            id.values().to_vec(),
            vec![9_000_000_002, 9_000_000_001, 9_000_000_002]
        );
        let e = one(floats).check(&specs[..1]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "column `id` has type dictionary<values=double, indices=int8>; expected an \
             identifier (integer or string, or a dictionary of either)"
        );
    }

    /// A dictionary (categorical) of numbers is read as its numbers, a null or a NaN value
    /// as missing; a dictionary of text is no number.
    #[test]
    fn dictionaries_of_numbers_are_read_as_their_numbers() {
        use arrow_array::{types::Int8Type, DictionaryArray, Float64Array, Int8Array};
        let spec = [ColumnSpec::new("x", ColumnKind::Number, true, "")];
        let one = |col: ArrayRef| one_column("x", col);
        let coded = |keys: Vec<Option<i8>>, values: ArrayRef| -> ArrayRef {
            Arc::new(DictionaryArray::<Int8Type>::try_new(Int8Array::from(keys), values).unwrap())
        };
        // Deciles 10, 3, 10, 7 as codes into [3, 7, 10].
        let deciles = one(coded(
            vec![Some(2), Some(0), Some(2), Some(1)],
            Arc::new(Int64Array::from(vec![3, 7, 10])),
        ));
        deciles.check(&spec).unwrap();
        assert_eq!(deciles.f64s("x").unwrap().to_vec(), [10.0, 3.0, 10.0, 7.0]);
        // A null key (row 1) and a NaN value (row 2): missing.
        let gaps = one(coded(
            vec![Some(0), None, Some(1)],
            Arc::new(Float64Array::from(vec![2.5, f64::NAN])),
        ));
        gaps.check(&spec).unwrap();
        let read = gaps.f64s_or_nan("x").unwrap();
        assert_eq!(read[0], 2.5);
        assert!(read[1].is_nan() && read[2].is_nan());
        let e = gaps.f64s("x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value in column `x` at row 1 (null): missing values (null or NaN) are not \
             allowed here"
        );
        let text = one(Arc::new(
            vec![Some("a")]
                .into_iter()
                .collect::<DictionaryArray<Int8Type>>(),
        ));
        assert!(text.check(&spec).is_err());
        assert!(text.f64s("x").is_err());
    }

    #[test]
    fn batches_with_dictionaries_of_their_own_join_into_one_holding_each_value_once() {
        use arrow_array::{types::Int8Type, DictionaryArray};
        let schema = Arc::new(Schema::new(vec![Field::new(
            "g",
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
            true,
        )]));
        let chunk = |words: Vec<Option<&str>>| {
            let col: DictionaryArray<Int8Type> = words.into_iter().collect();
            RecordBatch::try_new(schema.clone(), vec![Arc::new(col) as ArrayRef]).unwrap()
        };
        // Six rows, four dictionary values between the batches' own dictionaries ["a", "b"]
        // and ["b", "c"] (arrow concatenates them: "b" twice).
        let batches = [
            chunk(vec![Some("a"), Some("b"), Some("a")]),
            chunk(vec![Some("b"), None, Some("c")]),
        ];
        let input = Input::new(schema.clone(), &batches, ColumnMap::new()).unwrap();
        let col = input.column("g").unwrap();
        let dict = col.as_any_dictionary();
        let values = dict.values().as_string::<i32>();
        assert_eq!(
            values.iter().flatten().collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        let decoded = arrow_cast::cast(col, &DataType::Utf8).unwrap();
        let rows: Vec<Option<&str>> = decoded.as_string::<i32>().iter().collect();
        assert_eq!(
            rows,
            vec![Some("a"), Some("b"), Some("a"), Some("b"), None, Some("c")]
        );
        // One batch's dictionary is left as given, repeats and all (Arrow allows them).
        let repeated = chunk(vec![Some("x")]);
        let input = Input::new(
            schema.clone(),
            std::slice::from_ref(&repeated),
            ColumnMap::new(),
        )
        .unwrap();
        assert!(Arc::ptr_eq(input.column("g").unwrap(), repeated.column(0)));
    }

    #[test]
    fn batches_that_do_not_join_are_a_column_type_error_of_the_table() {
        use arrow_array::{types::Int8Type, DictionaryArray};
        // Two chunks of an 8-bit dictionary with 100 different words each: 200 together do not
        // fit its keys.
        let schema = Arc::new(Schema::new(vec![Field::new(
            "g",
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
            false,
        )]));
        let chunk = |from: usize| {
            let words: Vec<String> = (from..from + 100).map(|k| format!("w{k}")).collect();
            let col: DictionaryArray<Int8Type> = words.iter().map(|w| w.as_str()).collect();
            RecordBatch::try_new(schema.clone(), vec![Arc::new(col) as ArrayRef]).unwrap()
        };
        let input = Input::new(schema.clone(), &[chunk(0), chunk(100)], ColumnMap::new()).unwrap();
        let e = input.column("g").unwrap_err().in_table("placements");
        assert_eq!(e.kind(), crate::ErrorKind::ColumnType);
        let text = e.to_string();
        assert!(text.starts_with("column `placements.g` has type dictionary<values=string, indices=int8> in batches that do not join ("), "{text}");
    }
}
