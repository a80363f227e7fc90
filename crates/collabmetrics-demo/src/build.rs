//! Assembling the demo tables: typed columns in order, then one `RecordBatch` whose schema
//! says the data is synthetic.

use arrow_array::builder::StringBuilder;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

/// Columns of one table, in order.
#[derive(Default)]
pub(crate) struct Columns {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl Columns {
    fn push(&mut self, name: &str, data_type: DataType, nullable: bool, array: ArrayRef) {
        self.fields.push(Field::new(name, data_type, nullable));
        self.arrays.push(array);
    }

    pub fn int(&mut self, name: &str, values: Vec<i64>) {
        self.push(
            name,
            DataType::Int64,
            false,
            Arc::new(Int64Array::from(values)),
        );
    }

    pub fn opt_int(&mut self, name: &str, values: Vec<Option<i64>>) {
        self.push(
            name,
            DataType::Int64,
            true,
            Arc::new(Int64Array::from(values)),
        );
    }

    pub fn number(&mut self, name: &str, values: Vec<f64>) {
        self.push(
            name,
            DataType::Float64,
            false,
            Arc::new(Float64Array::from(values)),
        );
    }

    pub fn opt_number(&mut self, name: &str, values: Vec<Option<f64>>) {
        self.push(
            name,
            DataType::Float64,
            true,
            Arc::new(Float64Array::from(values)),
        );
    }

    pub fn date(&mut self, name: &str, values: Vec<i32>) {
        self.push(
            name,
            DataType::Date32,
            false,
            Arc::new(Date32Array::from(values)),
        );
    }

    pub fn opt_date(&mut self, name: &str, values: Vec<Option<i32>>) {
        self.push(
            name,
            DataType::Date32,
            true,
            Arc::new(Date32Array::from(values)),
        );
    }

    pub fn boolean(&mut self, name: &str, values: Vec<bool>) {
        self.push(
            name,
            DataType::Boolean,
            false,
            Arc::new(BooleanArray::from(values)),
        );
    }

    /// A string column from borrowed values (codes and labels: no allocation per row).
    pub fn text<'a>(&mut self, name: &str, values: impl IntoIterator<Item = &'a str>) {
        let array = StringArray::from_iter_values(values);
        self.push(name, DataType::Utf8, false, Arc::new(array));
    }

    pub fn opt_text<'a>(&mut self, name: &str, values: impl IntoIterator<Item = Option<&'a str>>) {
        let array: StringArray = values.into_iter().collect();
        self.push(name, DataType::Utf8, true, Arc::new(array));
    }

    /// A string column of formatted identifiers: `write(builder, row)` writes one value,
    /// straight into the array's buffer.
    pub fn formatted(
        &mut self,
        name: &str,
        rows: usize,
        mut write: impl FnMut(&mut StringBuilder, usize),
    ) {
        let mut b = StringBuilder::with_capacity(rows, rows * 12);
        for row in 0..rows {
            write(&mut b, row);
            b.append_value("");
        }
        self.push(name, DataType::Utf8, false, Arc::new(b.finish()));
    }

    /// The table, its schema labelled synthetic with the seed that made it.
    // An invariant of the generator, not input: every column it adds has the table's length
    // and the type of its field (the demo tests build every table).
    #[allow(clippy::expect_used)]
    pub fn finish(self, seed: u64) -> RecordBatch {
        let metadata = HashMap::from([
            ("synthetic".to_owned(), "true".to_owned()),
            (
                "source".to_owned(),
                format!("collabmetrics demo generator, seed {seed}"),
            ),
        ]);
        let schema = Schema::new_with_metadata(self.fields, metadata);
        RecordBatch::try_new(Arc::new(schema), self.arrays)
            .expect("the demo generator builds consistent columns")
    }
}

/// Writes identifier `prefix` + `n` zero-padded to `width` digits.
pub(crate) fn write_id(b: &mut StringBuilder, prefix: &str, n: usize, width: usize) {
    // Writing into a StringBuilder cannot fail.
    let _ = write!(b, "{prefix}{n:0width$}");
}

/// The code of area `i` (0-based): `E01DEMO0001`, … (LSOA-like, visibly invented).
pub(crate) fn write_area_code(b: &mut StringBuilder, i: usize) {
    write_id(b, "E01DEMO", i + 1, 4);
}
