//! Reading an analyst's table (CSV or Parquet) and writing results (CSV or JSON).

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use collabmetrics::table::{ColumnMap, Input};
use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// An input file: where it is and how it was read (for the line numbers of errors).
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub parquet: bool,
    /// The table's name in multi-table errors (`persons`, `admissions`, ...); `None` for the
    /// main table.
    pub table: Option<&'static str>,
}

/// The Parquet magic number, at the start (and end) of every Parquet file.
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

/// True for a Parquet file: by its content (it starts with `PAR1`), or by the extension
/// `.parquet` / `.pq` in any case when the file cannot be read.
fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    if let Ok(mut f) = File::open(path) {
        if f.read_exact(&mut magic).is_ok() {
            return &magic == PARQUET_MAGIC;
        }
    }
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

/// Rows per batch read from a CSV file: arrow's default of 1 024 gives many small buffers,
/// which the allocator keeps when they are freed (a 3-million-row file peaked 150 MB higher).
const CSV_BATCH_ROWS: usize = 65_536;

/// A reader of the columns `projection` of a CSV file, every one read as text (to look at
/// what the file holds, whatever type inference made of it).
fn text_reader(
    path: &Path,
    schema: &arrow_schema::Schema,
    format: &arrow_csv::reader::Format,
    projection: Vec<usize>,
) -> Result<arrow_csv::Reader<BufReader<File>>, arrow_schema::ArrowError> {
    let text: Vec<arrow_schema::Field> = schema
        .fields()
        .iter()
        .map(|f| arrow_schema::Field::new(f.name(), arrow_schema::DataType::Utf8, true))
        .collect();
    arrow_csv::ReaderBuilder::new(std::sync::Arc::new(arrow_schema::Schema::new(text)))
        .with_format(format.clone())
        .with_projection(projection)
        .build(BufReader::new(File::open(path)?))
}

/// The integer columns (as inferred) of a CSV file that hold a number written with a leading
/// zero (`01`, `002`): codes and identifiers, where `01` and `1` are different values, so
/// they are read as text. One streamed pass over those columns, read as text.
fn leading_zero_columns(
    path: &Path,
    schema: &arrow_schema::Schema,
    format: &arrow_csv::reader::Format,
) -> Result<Vec<usize>, arrow_schema::ArrowError> {
    use arrow_array::cast::AsArray;
    let ints: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| schema.field(i).data_type().is_integer())
        .collect();
    if ints.is_empty() {
        return Ok(Vec::new());
    }
    let reader = text_reader(path, schema, format, ints.clone())?;
    let padded = |s: &str| {
        let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
        digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let mut found = vec![false; ints.len()];
    for batch in reader {
        let batch = batch?;
        for (k, seen) in found.iter_mut().enumerate() {
            *seen = *seen
                || batch
                    .column(k)
                    .as_string::<i32>()
                    .iter()
                    .flatten()
                    .any(padded);
        }
    }
    Ok(ints
        .into_iter()
        .zip(found)
        .filter_map(|(i, f)| f.then_some(i))
        .collect())
}

/// Reads a CSV (header row, types inferred from every row, dates kept as text for the library
/// to parse, integers written with a leading zero kept as text (codes), empty cells nulls) or Parquet file (recognised by its content, whatever the extension) into
/// an [`Input`]; `table` names it in errors of calls that take several tables.
pub fn read_input(
    path: &Path,
    map: &ColumnMap,
    table: Option<&'static str>,
) -> Result<(Input, Source), String> {
    let what = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let parquet = is_parquet(path);
    let source = Source {
        path: path.to_owned(),
        parquet,
        table,
    };
    let file = File::open(path).map_err(|e| what(&e))?;
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
        // Types from every row (so no later row fails to parse as the type the first rows
        // suggested), and dates read as text: the library parses them, checks their range and
        // names the line of a bad one, as for every other rule.
        let (schema, _) = format.infer_schema(&mut file, None).map_err(|e| what(&e))?;
        file.rewind().map_err(|e| what(&e))?;
        let coded = leading_zero_columns(path, &schema, &format).map_err(|e| what(&e))?;
        let fields: Vec<arrow_schema::Field> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| match f.data_type() {
                arrow_schema::DataType::Date32
                | arrow_schema::DataType::Date64
                | arrow_schema::DataType::Timestamp(_, _) => f
                    .as_ref()
                    .clone()
                    .with_data_type(arrow_schema::DataType::Utf8),
                _ if coded.contains(&i) => f
                    .as_ref()
                    .clone()
                    .with_data_type(arrow_schema::DataType::Utf8),
                _ => f.as_ref().clone(),
            })
            .collect();
        let schema = std::sync::Arc::new(arrow_schema::Schema::new(fields));
        let reader = arrow_csv::ReaderBuilder::new(schema.clone())
            .with_format(format)
            .with_batch_size(CSV_BATCH_ROWS)
            .build(file)
            .map_err(|e| what(&e))?;
        (schema, reader.collect())
    };
    let input = Input::from_reader(schema, batches, map.clone()).map_err(|e| {
        let e = match table {
            Some(t) => e.in_table(t),
            None => e,
        };
        describe(&e, std::slice::from_ref(&source))
    })?;
    Ok((input, source))
}

/// One column map per input table (`tables` names them), from `--column` arguments:
/// `ours=theirs` for every table, `table.ours=theirs` for one (the table-specific mapping wins).
pub fn column_maps<const N: usize>(
    columns: &[String],
    tables: [&str; N],
) -> Result<[ColumnMap; N], String> {
    let mut all: Vec<(String, String)> = Vec::new();
    let mut own: [Vec<(String, String)>; N] = std::array::from_fn(|_| Vec::new());
    for c in columns {
        let (ours, theirs) = c
            .split_once('=')
            .ok_or_else(|| format!("--column {c}: expected OURS=THEIRS"))?;
        match ours.split_once('.') {
            Some((table, col)) => {
                let t = tables.iter().position(|t| *t == table).ok_or_else(|| {
                    format!(
                        "--column {c}: `{table}` is not one of {}",
                        tables.join(", ")
                    )
                })?;
                own[t].push((col.to_owned(), theirs.to_owned()));
            }
            None => all.push((ours.to_owned(), theirs.to_owned())),
        }
    }
    Ok(own.map(|o| all.iter().cloned().chain(o).collect()))
}

/// The 1-based line of a CSV file on which data row `row` (0-based, after the header row)
/// begins: quoted fields may hold line breaks, so records are counted, not lines.
pub fn csv_line(path: &Path, row: usize) -> Option<usize> {
    let data = std::fs::read(path).ok()?;
    let mut reader = csv_core::Reader::new();
    let (mut out, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 1024]);
    let mut pos = 0;
    let mut record = 0; // the header is record 0
    let mut line = 1;
    let mut start_line = 1;
    loop {
        let (result, read, _, _) = reader.read_record(&data[pos..], &mut out, &mut ends);
        line += data[pos..pos + read]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        pos += read;
        match result {
            csv_core::ReadRecordResult::Record => {
                if record == row + 1 {
                    return Some(start_line);
                }
                // A CRLF ending: the reader stops at the `\r`; its `\n` belongs to this
                // record's line, not the next record's.
                if pos > 0 && data[pos - 1] == b'\r' && data.get(pos) == Some(&b'\n') {
                    pos += 1;
                    line += 1;
                }
                record += 1;
                start_line = line;
            }
            csv_core::ReadRecordResult::End => return None,
            csv_core::ReadRecordResult::InputEmpty => {
                if pos >= data.len() {
                    // The last record has no line break: finish it.
                    let (r, _, _, _) = reader.read_record(&[], &mut out, &mut ends);
                    return (matches!(r, csv_core::ReadRecordResult::Record) && record == row + 1)
                        .then_some(start_line);
                }
            }
            csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {
                // A record wider than the buffers: its bytes still count; keep reading.
                if read == 0 {
                    out.resize(out.len() * 2, 0);
                    ends.resize(ends.len() * 2, 0);
                }
            }
        }
    }
}

/// Where row `row` of `source` is, in words: `line N of FILE` for CSV (the header is line 1),
/// `row N of FILE` for Parquet (data rows counted from 1).
fn place(source: &Source, row: usize) -> String {
    let file = source.path.display();
    if source.parquet {
        return format!("row {} of {file}", row + 1);
    }
    match csv_line(&source.path, row) {
        Some(line) => format!("line {line} of {file}"),
        None => format!("data row {} of {file}", row + 1),
    }
}

/// A rule that names another row of the same table (`first seen at row 0`, a duplicate's
/// first occurrence) with that row as the place it is in the file, as the error's own row is:
/// one message, one way of counting.
fn rows_in_rule(rule: &str, source: &Source) -> String {
    let mut out = String::with_capacity(rule.len());
    let mut rest = rule;
    while let Some(at) = rest.find("at row ") {
        let digits = &rest[at + 7..];
        let n = digits.bytes().take_while(u8::is_ascii_digit).count();
        match digits[..n].parse::<usize>() {
            Ok(row) => {
                out.push_str(&rest[..at + 3]);
                out.push_str(&place(source, row));
            }
            Err(_) => out.push_str(&rest[..at + 7 + n]),
        }
        rest = &digits[n..];
    }
    out.push_str(rest);
    out
}

/// A library error as the command prints it: a row becomes the line of the file it is on.
pub fn describe(e: &collabmetrics::Error, sources: &[Source]) -> String {
    let source = sources
        .iter()
        .find(|s| s.table == e.table().filter(|t| !t.is_empty()))
        .or_else(|| sources.iter().find(|s| s.table.is_none()));
    match (e, source) {
        (
            collabmetrics::Error::InvalidCell {
                table,
                column,
                row,
                value,
                rule,
            },
            Some(source),
        ) => {
            let column = match table {
                Some(t) => format!("{t}.{column}"),
                None => column.clone(),
            };
            format!(
                "invalid value in column `{column}` at {} ({value}): {}",
                place(source, *row),
                rows_in_rule(rule, source)
            )
        }
        (
            collabmetrics::Error::ColumnType {
                column, expected, ..
            },
            Some(source),
        ) if !source.parquet && expected.contains("number") => {
            // One cell that is not a number (" 10", "1,000", "ten") makes the whole CSV column
            // text: name that cell, which the type alone does not.
            match first_non_number(&source.path, column) {
                Some((row, text)) => format!(
                    "{e}: the value {text:?} at {} is not a number",
                    place(source, row)
                ),
                None => e.to_string(),
            }
        }
        _ => e.to_string(),
    }
}

/// The first non-empty cell of CSV column `column` that does not read as a number, with its
/// data row (0-based).
fn first_non_number(path: &Path, column: &str) -> Option<(usize, String)> {
    use arrow_array::cast::AsArray;
    let format = arrow_csv::reader::Format::default().with_header(true);
    let (schema, _) = format
        .infer_schema(BufReader::new(File::open(path).ok()?), Some(1))
        .ok()?;
    let index = schema.index_of(column).ok()?;
    let reader = text_reader(path, &schema, &format, vec![index]).ok()?;
    let mut row = 0;
    for batch in reader {
        let batch = batch.ok()?;
        let cells = batch.column(0).as_string::<i32>();
        for (i, cell) in cells.iter().enumerate() {
            if let Some(s) = cell.filter(|s| !s.is_empty() && s.parse::<f64>().is_err()) {
                return Some((row + i, s.to_owned()));
            }
        }
        row += batch.num_rows();
    }
    None
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
            // Nulls written out, so that every row has every key (a null limit, target or
            // assurance is a value of the table, not an absent field).
            let mut w = arrow_json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow_json::writer::JsonArray>(out);
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
            let mut buf = Vec::new();
            write_table(batch, format, &mut buf)?;
            stdout(&buf)
        }
    }
}

/// Writes to standard output. A closed pipe (the reader has gone, as with `| head`) ends the
/// program quietly with success, as Unix tools do; any other failure is an error.
pub fn stdout(bytes: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(format!("standard output: {e}")),
    }
}

/// A line on standard error (nothing, and no panic, when standard error is closed).
pub fn stderr_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints a call's diagnostics to standard error, one line per reason.
pub fn print_diagnostics(diagnostics: &collabmetrics::table::Diagnostics) {
    for d in &diagnostics.entries {
        let row = d
            .first_row
            .map_or(String::new(), |r| format!(" (first at data row {})", r + 1));
        stderr_line(&format!(
            "diagnostic: {} × {}: {}{row}",
            d.count, d.reason, d.action
        ));
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
