//! Building tidy result tables column by column.

use super::Input;
use crate::error::{Error, Result};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use std::sync::Arc;

/// Builds a tidy result column by column.
pub(crate) struct Tidy {
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
    /// Columns before this one are the input's own (not checked by [`finite_columns`]).
    first_result: usize,
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
        }
    }

    pub(crate) fn from_input(input: &Input) -> Result<Self> {
        let batch = input.batch();
        let schema = batch.schema();
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
        Ok(Tidy {
            fields: schema.fields().iter().map(|f| f.as_ref().clone()).collect(),
            columns: batch.columns().to_vec(),
            first_result: batch.num_columns(),
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
        let values: Float64Array = values
            .into_iter()
            .map(|v| (!v.is_nan()).then_some(v))
            .collect();
        self.columns.push(Arc::new(values));
    }

    pub(crate) fn number(&mut self, name: &str, values: Vec<f64>) {
        self.fields.push(Field::new(name, DataType::Float64, false));
        self.columns.push(Arc::new(Float64Array::from(values)));
    }

    pub(crate) fn text(&mut self, name: &str, values: Vec<Option<&str>>) {
        self.fields.push(Field::new(name, DataType::Utf8, true));
        self.columns.push(Arc::new(StringArray::from(values)));
    }

    pub(crate) fn estimates(
        &mut self,
        value: Vec<f64>,
        lower: Vec<f64>,
        upper: Vec<f64>,
        confidence: f64,
        methods: Vec<&str>,
    ) {
        let n = value.len();
        self.number("value", value);
        self.number("lower", lower);
        self.number("upper", upper);
        self.number("confidence", vec![confidence; n]);
        self.fields
            .push(Field::new("method", DataType::Utf8, false));
        self.columns.push(Arc::new(StringArray::from(methods)));
    }

    pub(crate) fn finish(self) -> Result<RecordBatch> {
        finite_columns(&self.fields, &self.columns, self.first_result)?;
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.columns)
            .map_err(|e| Error::invalid_argument("table", e.to_string()))
    }
}

/// Refuses a result whose float columns (from `first` on; the columns before are the input's
/// own) hold an infinity or a NaN that is not a null: every table entry point's last guard of
/// "finite input, finite results" (a number that does not exist is a null, never NaN or ∞).
pub(crate) fn finite_columns(fields: &[Field], columns: &[ArrayRef], first: usize) -> Result<()> {
    use arrow_array::{cast::AsArray, types::Float64Type, Array};
    for (field, col) in fields.iter().zip(columns).skip(first) {
        if field.data_type() != &DataType::Float64 {
            continue;
        }
        let a = col.as_primitive::<Float64Type>();
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
