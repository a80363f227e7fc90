//! Looking columns up by name and converting them to slices.

use crate::error::{Error, Result};
use arrow_array::{cast::AsArray, types::*, Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use std::borrow::Cow;
use std::collections::HashMap;

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

/// One input table (its batches concatenated) with the caller's column mapping.
#[derive(Debug, Clone)]
pub struct Input {
    batch: RecordBatch,
    map: ColumnMap,
}

impl Input {
    /// Concatenates `batches` (all of `schema`) into one table.
    pub fn new(schema: SchemaRef, batches: &[RecordBatch], map: ColumnMap) -> Result<Self> {
        let batch = match batches {
            [one] => one.clone(),
            _ => arrow_select::concat::concat_batches(&schema, batches).map_err(|e| {
                Error::argument("table", format!("batches do not share one schema: {e}"))
            })?,
        };
        Ok(Input { batch, map })
    }

    /// The whole table as one batch.
    pub fn batch(&self) -> &RecordBatch {
        &self.batch
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The caller's name for our column `ours`.
    pub fn name<'a>(&'a self, ours: &'a str) -> &'a str {
        self.map.resolve(ours)
    }

    /// The column we call `ours`, or [`Error::MissingColumn`].
    pub fn column(&self, ours: &str) -> Result<&ArrayRef> {
        let theirs = self.map.resolve(ours);
        self.batch.column_by_name(theirs).ok_or_else(|| {
            let schema = self.batch.schema();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            Error::MissingColumn {
                column: theirs.to_owned(),
                mapped: if theirs == ours {
                    String::new()
                } else {
                    format!(" (for `{ours}`)")
                },
                available: names.join(", "),
            }
        })
    }

    /// A numeric column as `f64`s: borrowed when it is `Float64` without nulls, converted from
    /// any integer or `Float32` type otherwise. Nulls are an error naming the first null row.
    pub fn f64s(&self, ours: &str) -> Result<Cow<'_, [f64]>> {
        let col = self.column(ours)?;
        let name = self.name(ours);
        if let Some(row) = first_null(col.as_ref()) {
            return Err(Error::InvalidCell {
                column: name.to_owned(),
                row,
                value: "null".to_owned(),
                rule: "missing values are not allowed here".to_owned(),
            });
        }
        Ok(match col.data_type() {
            DataType::Float64 => Cow::Borrowed(col.as_primitive::<Float64Type>().values()),
            DataType::Float32 => convert::<Float32Type>(col, f64::from),
            DataType::Int8 => convert::<Int8Type>(col, f64::from),
            DataType::Int16 => convert::<Int16Type>(col, f64::from),
            DataType::Int32 => convert::<Int32Type>(col, f64::from),
            DataType::Int64 => convert::<Int64Type>(col, |x| x as f64),
            DataType::UInt8 => convert::<UInt8Type>(col, f64::from),
            DataType::UInt16 => convert::<UInt16Type>(col, f64::from),
            DataType::UInt32 => convert::<UInt32Type>(col, f64::from),
            DataType::UInt64 => convert::<UInt64Type>(col, |x| x as f64),
            other => {
                return Err(Error::ColumnType {
                    column: name.to_owned(),
                    expected: "a number (integer or float)".to_owned(),
                    found: other.to_string(),
                })
            }
        })
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
                column: self.name(&argument).to_owned(),
                row: index,
                value,
                rule,
            },
            other => other,
        }
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

/// The first null row of an array, if any.
pub(crate) fn first_null(col: &dyn Array) -> Option<usize> {
    col.logical_nulls()
        .and_then(|nulls| nulls.iter().position(|valid| !valid))
}
