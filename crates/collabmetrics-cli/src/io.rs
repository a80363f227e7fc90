//! Reading an analyst's table (CSV or Parquet) and writing results (CSV or JSON).

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use collabmetrics::table::{ColumnMap, Input};
use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::path::Path;

/// Reads a CSV (header row, types inferred from the first 10 000 rows: ISO dates become dates,
/// empty cells nulls) or Parquet file (by extension `.parquet` / `.pq`) into an [`Input`].
pub fn read_input(path: &Path, map: &ColumnMap) -> Result<Input, String> {
    let what = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = File::open(path).map_err(|e| what(&e))?;
    let parquet = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("parquet" | "pq")
    );
    let (schema, batches): (SchemaRef, Vec<_>) = if parquet {
        let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| what(&e))?;
        // The builder's schema has the file's schema metadata (e.g. a collabmetrics result's
        // roles), as a table from Python or C has; the built reader's has none.
        let schema = builder.schema().clone();
        let reader = builder.build().map_err(|e| what(&e))?;
        (schema, reader.collect())
    } else {
        let mut file = BufReader::new(file);
        let format = arrow_csv::reader::Format::default().with_header(true);
        let (schema, _) = format
            .infer_schema(&mut file, Some(10_000))
            .map_err(|e| what(&e))?;
        file.rewind().map_err(|e| what(&e))?;
        let schema = std::sync::Arc::new(schema);
        let reader = arrow_csv::ReaderBuilder::new(schema.clone())
            .with_format(format)
            .build(file)
            .map_err(|e| what(&e))?;
        (schema, reader.collect())
    };
    Input::from_reader(schema, batches, map.clone()).map_err(|e| what(&e))
}

/// Output format of a result table.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TableFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of row objects.
    Json,
}

/// Writes `batch` to `out` in `format`.
pub fn write_table(
    batch: &RecordBatch,
    format: TableFormat,
    out: impl Write,
) -> Result<(), String> {
    match format {
        TableFormat::Csv => {
            let mut w = arrow_csv::WriterBuilder::new().with_header(true).build(out);
            w.write(batch).map_err(|e| e.to_string())
        }
        TableFormat::Json => {
            let mut w = arrow_json::ArrayWriter::new(out);
            w.write(batch).map_err(|e| e.to_string())?;
            w.finish().map_err(|e| e.to_string())
        }
    }
}

/// Writes `batch` to the file `out`, or to standard output when `None`.
pub fn write_output(
    batch: &RecordBatch,
    format: TableFormat,
    out: Option<&Path>,
) -> Result<(), String> {
    match out {
        Some(path) => {
            let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut file = std::io::BufWriter::new(file);
            write_table(batch, format, &mut file)?;
            file.flush().map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_table(batch, format, &mut lock)?;
            lock.flush().map_err(|e| e.to_string())
        }
    }
}

/// Prints a call's diagnostics to standard error, one line per reason.
pub fn print_diagnostics(diagnostics: &collabmetrics::table::Diagnostics) {
    for d in &diagnostics.entries {
        let row = d
            .first_row
            .map_or(String::new(), |r| format!(" (first at row {r})"));
        eprintln!("diagnostic: {} × {}: {}{row}", d.count, d.reason, d.action);
    }
}

/// A table as a JSON array of row objects, nulls written out.
pub fn json_rows(batch: &RecordBatch) -> Result<serde_json::Value, String> {
    let mut buf = Vec::new();
    let mut w = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, arrow_json::writer::JsonArray>(&mut buf);
    w.write(batch).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    drop(w);
    if buf.is_empty() {
        return Ok(serde_json::Value::Array(Vec::new()));
    }
    serde_json::from_slice(&buf).map_err(|e| e.to_string())
}
