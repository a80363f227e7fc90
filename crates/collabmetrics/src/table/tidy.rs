//! Building tidy result tables column by column.

use super::Input;
use crate::error::{Error, Result};
use crate::stats::Method;
use arrow_array::{
    types::Int8Type, ArrayRef, DictionaryArray, Float64Array, Int8Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use rayon::prelude::*;
use std::sync::Arc;

/// Builds a tidy result column by column.
pub(crate) struct Tidy {
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
    /// Columns before this one are the input's own (not checked by [`finite_columns`]).
    first_result: usize,
    /// Result columns whose every value the kernel that made them already checked to be
    /// finite, row by row (skipped by [`finite_columns`], a second pass over them).
    checked: Vec<usize>,
}

/// The `method` column of an estimates table: the method of every row, or of each row.
pub(crate) enum Methods<'a> {
    /// Every row's interval has this method.
    All(Method),
    /// Row i's interval has method `rows[i]`, one of `possible` (the methods the options
    /// allow, in the dictionary's order; the schema does not depend on the data).
    PerRow {
        rows: &'a [Method],
        possible: &'a [Method],
    },
}

/// The type of every `method` column of the statistics tables: the method names as a
/// dictionary (one byte per row; a few distinct names).
pub(crate) fn method_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
}

impl Methods<'_> {
    /// The column of `n` rows: keys into the method names, built without a string per row.
    fn column(&self, n: usize) -> ArrayRef {
        let (keys, names): (Vec<i8>, Vec<&str>) = match self {
            // Keys of 0 from zeroed memory: nothing is written.
            Methods::All(m) => (crate::buffer::zeroed(n), vec![m.name()]),
            Methods::PerRow { rows, possible } => {
                let mut key_of = [0i8; 256];
                for (k, m) in possible.iter().enumerate() {
                    key_of[*m as u8 as usize] = k as i8;
                }
                let mut keys: Vec<i8> = crate::buffer::zeroed(rows.len());
                keys.par_chunks_mut(1 << 15)
                    .zip(rows.par_chunks(1 << 15))
                    .for_each(|(k, r)| {
                        for (k, m) in k.iter_mut().zip(r) {
                            *k = key_of[*m as u8 as usize];
                        }
                    });
                (keys, possible.iter().map(|m| m.name()).collect())
            }
        };
        let values: ArrayRef = Arc::new(StringArray::from(names));
        // SAFETY: every key indexes `names`: 0 with one name, else a position in `possible`
        // (a method missing from it reads key 0, the first name: callers pass every method
        // their options allow). Unchecked, because the check is a scalar pass over every row.
        Arc::new(unsafe {
            DictionaryArray::<Int8Type>::new_unchecked(Int8Array::from(keys), values)
        })
    }
}

impl Tidy {
    /// Key columns as they are (one element per row).
    pub(crate) fn from_keys(keys: &[(Field, ArrayRef)]) -> Self {
        let (fields, columns): (Vec<Field>, Vec<ArrayRef>) = keys.iter().cloned().unzip();
        let first_result = fields.len();
        Tidy {
            fields,
            columns,
            first_result,
            checked: Vec::new(),
        }
    }

    pub(crate) fn from_input(input: &Input) -> Result<Self> {
        let schema = input.schema();
        for name in ["value", "lower", "upper", "confidence", "method"] {
            if schema.column_with_name(name).is_some() {
                return Err(Error::InvalidArgument {
                    argument: "table".to_owned(),
                    message: format!(
                        "the input already has a column `{name}`, which the result adds; rename it first"
                    ),
                });
            }
        }
        let batch = input.batch()?;
        Ok(Tidy {
            fields: schema.fields().iter().map(|f| f.as_ref().clone()).collect(),
            columns: batch.columns().to_vec(),
            first_result: batch.num_columns(),
            checked: Vec::new(),
        })
    }

    /// Key columns repeated by `rows`: row i takes group `rows[i]`'s keys.
    pub(crate) fn from_group_rows(groups_keys: &[(Field, ArrayRef)], rows: &[u32]) -> Result<Self> {
        let idx = arrow_array::UInt32Array::from(rows.to_vec());
        let mut fields = Vec::with_capacity(groups_keys.len());
        let mut columns = Vec::with_capacity(groups_keys.len());
        for (field, values) in groups_keys {
            fields.push(field.clone());
            columns.push(
                arrow_select::take::take(values.as_ref(), &idx, None)
                    .map_err(|e| Error::invalid_argument("by", e.to_string()))?,
            );
        }
        let first_result = fields.len();
        Ok(Tidy {
            fields,
            columns,
            first_result,
            checked: Vec::new(),
        })
    }

    /// Any column, as built by the caller.
    pub(crate) fn push(&mut self, field: Field, values: ArrayRef) {
        self.fields.push(field);
        self.columns.push(values);
    }

    pub(crate) fn int(&mut self, name: &str, values: Vec<i64>) {
        self.fields.push(Field::new(name, DataType::Int64, false));
        self.columns
            .push(Arc::new(arrow_array::Int64Array::from(values)));
    }

    pub(crate) fn date(&mut self, name: &str, values: Vec<i32>) {
        self.fields.push(Field::new(name, DataType::Date32, false));
        self.columns
            .push(Arc::new(arrow_array::Date32Array::from(values)));
    }

    /// A float column whose NaNs become nulls (a value that does not exist, e.g. a rate
    /// without a population).
    pub(crate) fn nullable_number(&mut self, name: &str, values: Vec<f64>) {
        self.fields.push(Field::new(name, DataType::Float64, true));
        self.columns
            .push(Arc::new(crate::buffer::float_column(values)));
    }

    pub(crate) fn number(&mut self, name: &str, values: Vec<f64>) {
        self.fields.push(Field::new(name, DataType::Float64, false));
        let values = crate::buffer::recycled(values);
        self.columns.push(Arc::new(Float64Array::new(values, None)));
    }

    pub(crate) fn text(&mut self, name: &str, values: Vec<Option<&str>>) {
        self.fields.push(Field::new(name, DataType::Utf8, true));
        self.columns.push(Arc::new(StringArray::from(values)));
    }

    /// `value`, `lower`, `upper` (each finite: every estimator checks its rows), a constant
    /// `confidence` and the `method` column.
    pub(crate) fn estimates(
        &mut self,
        value: Vec<f64>,
        lower: Vec<f64>,
        upper: Vec<f64>,
        confidence: f64,
        methods: Methods<'_>,
    ) {
        let n = value.len();
        for (name, values) in [("value", value), ("lower", lower), ("upper", upper)] {
            self.checked.push(self.columns.len());
            self.number(name, values);
        }
        // A confidence level is checked to lie in (0, 1) before any estimate.
        self.checked.push(self.columns.len());
        let confidence = crate::buffer::constant(n, confidence);
        self.fields
            .push(Field::new("confidence", DataType::Float64, false));
        self.columns
            .push(Arc::new(Float64Array::new(confidence, None)));
        self.fields.push(Field::new("method", method_type(), false));
        self.columns.push(methods.column(n));
    }

    /// Makes the `upper` column of [`Tidy::estimates`] nullable, its NaNs nulls: an upper limit
    /// that may not exist (a DSR's with no events).
    pub(crate) fn upper_may_be_null(&mut self) {
        use arrow_array::{cast::AsArray, types::Float64Type};
        if let Some(i) = self.fields.iter().rposition(|f| f.name() == "upper") {
            let values = self.columns[i]
                .as_primitive::<Float64Type>()
                .values()
                .to_vec();
            self.fields[i] = Field::new("upper", DataType::Float64, true);
            self.columns[i] = Arc::new(crate::buffer::float_column(values));
        }
    }

    pub(crate) fn finish(self) -> Result<RecordBatch> {
        let (keys, results) = self.fields.split_at(self.first_result);
        let names = |fields: &[Field]| fields.iter().map(|f| f.name().clone()).collect::<Vec<_>>();
        check_unlike_results(&names(keys), &names(results))?;
        check_finite(
            self.fields
                .iter()
                .zip(&self.columns)
                .enumerate()
                .skip(self.first_result)
                .filter(|(i, _)| !self.checked.contains(i))
                .map(|(_, c)| c),
        )?;
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.columns)
            .map_err(|e| Error::invalid_argument("table", e.to_string()))
    }
}

/// Refuses breakdown (`by`) columns named like a result column: they would give two columns
/// of one name, which polars refuses and pandas and pyarrow read as something else.
pub(crate) fn check_unlike_results(by: &[String], results: &[String]) -> Result<()> {
    match results.iter().find(|r| by.contains(r)) {
        None => Ok(()),
        Some(name) => Err(Error::invalid_argument(
            "by",
            format!(
                "the breakdown column `{name}` has the name of a result column; rename it first"
            ),
        )),
    }
}

/// Refuses a result whose float columns (from `first` on; the columns before are the input's
/// own) hold an infinity or a NaN that is not a null: every table entry point's last guard of
/// "finite input, finite results" (a number that does not exist is a null, never NaN or ∞).
pub(crate) fn finite_columns(fields: &[Field], columns: &[ArrayRef], first: usize) -> Result<()> {
    check_finite(fields.iter().zip(columns).skip(first))
}

/// [`finite_columns`] of the given (field, column) pairs.
fn check_finite<'a>(columns: impl Iterator<Item = (&'a Field, &'a ArrayRef)>) -> Result<()> {
    use arrow_array::{cast::AsArray, types::Float64Type, Array};
    for (field, col) in columns {
        if field.data_type() != &DataType::Float64 {
            continue;
        }
        let a = col.as_primitive::<Float64Type>();
        // One vectorised pass; rows are looked at one by one only when a value (perhaps
        // under a null) is not finite.
        if crate::buffer::all_finite(a.values()) {
            continue;
        }
        let bad = (0..a.len()).find(|&i| a.is_valid(i) && !a.value(i).is_finite());
        if let Some(row) = bad {
            return Err(Error::limit(
                field.name(),
                format!(
                    "the result in row {row} is {} (beyond the largest double, ±1.8e308): \
                     rescale the inputs or use a smaller multiplier",
                    crate::error::format_value(a.value(row))
                ),
            ));
        }
    }
    Ok(())
}

/// `batch` with one more column `name` (nullable, the array's type) after the others; the
/// schema's metadata is kept. An existing column of that name or a length other than the
/// batch's is an error.
pub fn append_column(batch: &RecordBatch, name: &str, values: ArrayRef) -> Result<RecordBatch> {
    let schema = batch.schema();
    if schema.column_with_name(name).is_some() {
        return Err(Error::invalid_argument(
            "name",
            format!("the table already has a column `{name}`"),
        ));
    }
    crate::error::check_len(name, values.len(), "table", batch.num_rows())?;
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(name, values.data_type().clone(), true));
    let mut columns = batch.columns().to_vec();
    columns.push(values);
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), columns)
        .map_err(|e| Error::invalid_argument("table", e.to_string()))
}
