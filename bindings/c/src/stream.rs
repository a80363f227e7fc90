//! Tables through the Arrow C Stream Interface: caller's `ArrowArrayStream`s in (ownership
//! taken: they are released by the time the call returns), one result stream out (the caller
//! releases it with its `release` callback).

use crate::error::Failure;
use arrow_array::ffi::{from_ffi_and_data_type, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    RecordBatch, RecordBatchIterator, RecordBatchOptions, RecordBatchReader, StructArray,
};
use arrow_schema::{DataType, Schema, SchemaRef};
use collabmetrics::table::{ColumnMap, Input};
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Reads the whole stream `name` into an [`Input`], taking ownership of it.
///
/// # Safety
///
/// `stream` must be NULL or point to a valid `ArrowArrayStream` (released or not).
pub(crate) unsafe fn read(
    name: &'static str,
    stream: *mut FFI_ArrowArrayStream,
    map: &ColumnMap,
) -> Result<Input, Failure> {
    if stream.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL and valid per the caller; `from_raw` moves the stream out, leaving a
    // released one behind, so the caller must not release it again (Arrow's move semantics).
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(stream) };
    // An array that does not match its schema can still panic in arrow's import. Catch that
    // here, so the stream is still released (dropped while unwinding) and the call goes on to
    // read, and so release, its other streams before reporting the failure.
    catch_unwind(AssertUnwindSafe(move || {
        // (Its arrays are taken as the header requires, valid: the C Data Interface carries
        // no buffer lengths, so offsets beyond their data cannot be told from valid ones, and
        // arrow's full validation of imported slices refuses valid arrays. Text is checked
        // for UTF-8 by `Input::new`.)
        let (schema, batches) = batches(name, stream)?;
        // The batches are read here, on the calling thread (a producer may need that); the
        // checks of their columns (UTF-8, in parallel) run where computations do, never on
        // a pool a forked child cannot use (`crate::cancel::with`).
        crate::cancel::with(std::ptr::null(), || {
            Input::new(schema, &batches, map.clone())
        })
        .map_err(|e| {
            // The table-wide checks (duplicate names) name the stream as their argument.
            let e = if e.argument() == Some("table") {
                e.for_argument(name)
            } else {
                e.in_table(name)
            };
            Failure::Core(e)
        })
    }))
    .unwrap_or_else(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        Err(Failure::argument(
            name,
            format!(
                "not a readable Arrow stream: its producer broke the Arrow C stream protocol \
                 (an array that does not match its schema): {detail}"
            ),
        ))
    })
}

/// The schema and batches of `stream`, as arrow's `ArrowArrayStreamReader` reads them, but
/// with the producer's own words when a callback fails: arrow's reader drops `get_schema`'s
/// message, and panics when `get_last_error` returns NULL (which the protocol allows).
fn batches(
    name: &'static str,
    mut stream: FFI_ArrowArrayStream,
) -> Result<(SchemaRef, Vec<RecordBatch>), Failure> {
    let unreadable =
        |why: String| Failure::argument(name, format!("not a readable Arrow stream: {why}"));
    if stream.release.is_none() {
        return Err(unreadable("it is already released".into()));
    }
    let (Some(get_schema), Some(get_next)) = (stream.get_schema, stream.get_next) else {
        return Err(unreadable(
            "its producer broke the Arrow C stream protocol (a NULL get_schema or get_next \
             callback)"
                .into(),
        ));
    };
    let read_failed =
        |why: String| Failure::argument(name, format!("reading the input stream failed: {why}"));
    let failed = |stream: &mut FFI_ArrowArrayStream, call: &str, code: std::ffi::c_int| {
        read_failed(format!(
            "its {call} returned error code {code} ({})",
            producer_error(stream)
        ))
    };
    let mut ffi_schema = FFI_ArrowSchema::empty();
    // SAFETY: a live stream (not released, checked above) and a schema for it to fill.
    let code = unsafe { get_schema(&mut stream, &mut ffi_schema) };
    if code != 0 {
        return Err(failed(&mut stream, "get_schema", code));
    }
    let schema: SchemaRef =
        Arc::new(Schema::try_from(&ffi_schema).map_err(|e| unreadable(e.to_string()))?);
    let row_type = DataType::Struct(schema.fields().clone());
    let mut batches = Vec::new();
    loop {
        let mut array = FFI_ArrowArray::empty();
        // SAFETY: as above, with an array to fill.
        let code = unsafe { get_next(&mut stream, &mut array) };
        if code != 0 {
            return Err(failed(&mut stream, "get_next", code));
        }
        if array.is_released() {
            break; // the end of the stream
        }
        check_validity(&schema, &array).map_err(read_failed)?;
        // SAFETY: the array the producer filled, of the schema's struct type (the protocol).
        let data = unsafe { from_ffi_and_data_type(array, row_type.clone()) }
            .map_err(|e| read_failed(e.to_string()))?;
        let rows = data.len();
        let batch = RecordBatch::try_new_with_options(
            schema.clone(),
            StructArray::from(data).into_parts().1,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| read_failed(e.to_string()))?;
        batches.push(batch);
    }
    Ok((schema, batches))
}

/// Refuses a column whose null count says it has nulls (or is negative, other than −1 for
/// "unknown") but which has no validity buffer: arrow would read its null rows as values
/// (the Arrow C Data Interface requires the buffer whenever the null count is not 0).
fn check_validity(schema: &Schema, batch: &FFI_ArrowArray) -> Result<(), String> {
    let n = batch.num_children().min(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate().take(n) {
        let column = batch.child(i);
        if matches!(field.data_type(), DataType::Null) || column.num_buffers() == 0 {
            continue;
        }
        let count = column.null_count() as i64;
        let why = if count < -1 {
            "only −1 (unknown) may be negative"
        } else if count > 0 && column.buffer(0).is_null() {
            "but no validity buffer (the Arrow C Data Interface requires one)"
        } else {
            continue;
        };
        return Err(format!(
            "column `{}` has a null count of {count} {why}",
            field.name()
        ));
    }
    Ok(())
}

/// The producer's description of its last error (its `get_last_error`, which may be NULL or
/// return NULL: "no description available").
fn producer_error(stream: &mut FFI_ArrowArrayStream) -> String {
    let Some(get_last_error) = stream.get_last_error else {
        return "no message from the producer".into();
    };
    // SAFETY: a live stream whose last call failed, as the protocol asks.
    let text = unsafe { get_last_error(stream) };
    if text.is_null() {
        return "no message from the producer".into();
    }
    // SAFETY: a NUL-terminated string, valid until the next call on the stream.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

/// Like [`read`] for an optional stream (NULL: none).
///
/// # Safety
///
/// As for [`read`].
pub(crate) unsafe fn read_optional(
    name: &'static str,
    stream: *mut FFI_ArrowArrayStream,
    map: &ColumnMap,
) -> Result<Option<Input>, Failure> {
    if stream.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded.
    unsafe { read(name, stream, map) }.map(Some)
}

/// Checks that `out` can receive a stream before any work is done.
pub(crate) fn check_out(out: *mut FFI_ArrowArrayStream) -> Result<(), Failure> {
    if out.is_null() {
        Err(Failure::null("out"))
    } else {
        Ok(())
    }
}

/// Checks that every output stream of a call is given (non-NULL) and is its own: two outputs
/// at one address would overwrite one result with the other without releasing it.
pub(crate) fn check_outs(
    outs: &[(&'static str, *mut FFI_ArrowArrayStream)],
) -> Result<(), Failure> {
    for (i, &(name, ptr)) in outs.iter().enumerate() {
        if ptr.is_null() {
            return Err(Failure::null(name));
        }
        if let Some((other, _)) = outs[..i].iter().find(|(_, p)| *p == ptr) {
            return Err(Failure::argument(
                name,
                format!("is the same stream as `{other}`; each output needs its own"),
            ));
        }
    }
    Ok(())
}

/// Writes `batch` as a one-batch stream into `out` (checked non-NULL by [`check_out`]).
///
/// # Safety
///
/// `out` must point to writable memory for an `ArrowArrayStream`; whatever it held is
/// overwritten without being released.
pub(crate) unsafe fn write(
    out: *mut FFI_ArrowArrayStream,
    batch: RecordBatch,
) -> Result<(), Failure> {
    check_out(out)?;
    let schema = batch.schema();
    let reader: Box<dyn RecordBatchReader + Send> =
        Box::new(RecordBatchIterator::new(vec![Ok(batch)], schema));
    // SAFETY: `out` is non-NULL and writable per the caller.
    unsafe { std::ptr::write(out, FFI_ArrowArrayStream::new(reader)) };
    Ok(())
}

/// `len` NUL-terminated UTF-8 strings at `ptr` (NULL allowed when `len` is 0).
///
/// # Safety
///
/// A non-NULL `ptr` must point to `len` pointers, each to a NUL-terminated string.
pub(crate) unsafe fn strings(
    name: &'static str,
    ptr: *const *const c_char,
    len: usize,
) -> Result<Vec<String>, Failure> {
    // SAFETY: forwarded from the caller.
    let items = unsafe { optional_strings(name, ptr, len) }?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.ok_or_else(|| Failure::argument(name, format!("element {i} is NULL"))))
        .collect()
}

/// The strings of a list the caller may leave unset (`has` false): `default` then, else as
/// [`strings`].
///
/// # Safety
///
/// When `has`, as for [`strings`].
pub(crate) unsafe fn strings_or(
    name: &'static str,
    has: bool,
    ptr: *const *const c_char,
    len: usize,
    default: Vec<String>,
) -> Result<Vec<String>, Failure> {
    if !has {
        crate::args::check_unused(name, len, &format!("has_{name} is false"))?;
        return Ok(default);
    }
    // SAFETY: forwarded from the caller.
    unsafe { strings(name, ptr, len) }
}

/// As [`strings`], but a NULL element is `None` (a null value) rather than an error.
///
/// # Safety
///
/// A non-NULL `ptr` must point to `len` pointers, each NULL or to a NUL-terminated string.
pub(crate) unsafe fn optional_strings(
    name: &'static str,
    ptr: *const *const c_char,
    len: usize,
) -> Result<Vec<Option<String>>, Failure> {
    // The NULL, size and alignment checks of every array argument (a length beyond the
    // address space, or a misaligned pointer, is an error, not a read past the array).
    // SAFETY: `ptr` addresses `len` pointers per the caller.
    let items = unsafe { crate::args::Arrays::default().input(name, ptr, len) }?;
    items
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            if s.is_null() {
                return Ok(None);
            }
            // SAFETY: non-NULL and NUL-terminated per the caller.
            let text = unsafe { CStr::from_ptr(s) };
            text.to_str()
                .map(|t| Some(t.to_owned()))
                .map_err(|_| Failure::argument(name, format!("element {i} is not UTF-8")))
        })
        .collect()
}

/// A column map from `pairs` (ours, theirs) strings: `2 * pairs` strings at `ptr`.
///
/// # Safety
///
/// As for [`strings`] with `2 * pairs` elements.
pub(crate) unsafe fn column_map(
    ptr: *const *const c_char,
    pairs: usize,
) -> Result<ColumnMap, Failure> {
    // SAFETY: forwarded.
    let names = unsafe { strings("column_names", ptr, pairs.saturating_mul(2)) }?;
    Ok(names
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect())
}

/// The options structs of the table functions: where their column map is.
pub(crate) trait TableOptions {
    /// The `column_names` pointer and the number of (ours, theirs) pairs.
    fn column_names(&self) -> (*const *const c_char, usize);
    /// The `cancel` flag (NULL: the thread's, if any; options without the field give NULL).
    fn cancel(&self) -> *const std::ffi::c_int {
        std::ptr::null()
    }
}

/// The column map of `options` (NULL options: none).
///
/// # Safety
///
/// `options` must be NULL or valid, with a valid column-name array.
pub(crate) unsafe fn map_of<O: TableOptions>(options: *const O) -> Result<ColumnMap, Failure> {
    if options.is_null() {
        return Ok(ColumnMap::default());
    }
    // SAFETY: a non-NULL `options` is valid per the caller.
    let (ptr, pairs) = unsafe { &*options }.column_names();
    // SAFETY: forwarded.
    unsafe { column_map(ptr, pairs) }
}

/// The body of a table function of one input stream: reads (and so releases) `input` first,
/// whatever fails next; then checks `options` and `out`, converts the options with `convert`,
/// runs `run` and writes its table (diagnostics in the schema metadata) to `out`.
///
/// # Safety
///
/// `input` must be NULL or a valid stream, `options` NULL or valid (with valid strings and
/// arrays), `out` writable.
pub(crate) unsafe fn one_table<O: TableOptions, C: Sync>(
    input: *mut FFI_ArrowArrayStream,
    options: *const O,
    out: *mut FFI_ArrowArrayStream,
    convert: impl FnOnce(&O) -> Result<C, Failure>,
    run: impl FnOnce(&Input, &C) -> collabmetrics::Result<collabmetrics::table::TableResult> + Send,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    let map = unsafe { map_of(options) };
    // SAFETY: forwarded; read before anything can fail, so the stream is always released.
    let table = unsafe { read("input", input, &map.as_ref().cloned().unwrap_or_default()) };
    map?;
    let table = table?;
    if options.is_null() {
        return Err(Failure::null("options"));
    }
    check_out(out)?;
    // SAFETY: checked non-NULL; valid per the caller.
    let options = unsafe { &*options };
    let opts = convert(options)?;
    let result = crate::cancel::with(options.cancel(), || run(&table, &opts))?;
    // SAFETY: `out` is non-NULL and writable per the caller.
    unsafe { write(out, result.into_batch()) }
}

/// One optional string (NULL: none).
///
/// # Safety
///
/// `s` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn optional_string(
    name: &'static str,
    s: *const c_char,
) -> Result<Option<String>, Failure> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded.
    Ok(unsafe { strings(name, &s, 1) }?.pop())
}
