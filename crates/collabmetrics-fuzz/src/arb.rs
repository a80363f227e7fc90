//! Arbitrary inputs from fuzzer bytes: hostile numbers (subnormals, infinities, NaN, the
//! extremes), dates at and beyond the supported range in every Arrow date type, and whole
//! Arrow tables whose columns have the names a metric looks for but any type, any nulls and
//! any values, biased towards valid ones so the fuzzer gets past the first check.

use arbitrary::{Result, Unstructured};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Date64Builder, Float32Builder, Float64Builder, Int16Builder,
    Int32Builder, Int64Builder, Int8Builder, LargeStringBuilder, StringBuilder,
    StringDictionaryBuilder, StringViewBuilder, TimestampMicrosecondBuilder,
    TimestampMillisecondBuilder, TimestampNanosecondBuilder, TimestampSecondBuilder, UInt16Builder,
    UInt32Builder, UInt64Builder, UInt8Builder,
};
use arrow_array::types::Int32Type;
use arrow_array::{new_null_array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use collabmetrics::table::ColumnKind;
use std::sync::Arc;

/// Floats a kernel must survive: the extremes, subnormals, zero of both signs, infinities,
/// NaN, and ordinary values.
pub const SPECIAL_F64: [f64; 22] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    10.0,
    1e308,
    -1e308,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e-300,
    1e16,
    1e154,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    0.999_999_999_999_999_9,
    9_007_199_254_740_992.0,
    1e-10,
];

/// A hostile float: a special value, a small integer, a value in (0, 1), or any bit pattern.
pub fn any_f64(u: &mut Unstructured) -> Result<f64> {
    Ok(match u.int_in_range(0..=5)? {
        0 | 1 => *u.choose(&SPECIAL_F64)?,
        2 => f64::from(u.int_in_range(0..=30)?),
        3 => f64::from(u.int_in_range(0..=1_000_000)?) / 1000.0,
        4 => f64::from_bits(u.arbitrary()?),
        _ => f64::from(u.int_in_range(1..=1000)?) * 1000.0,
    })
}

/// A float that is finite (special values and bit patterns filtered to finite ones).
pub fn finite_f64(u: &mut Unstructured) -> Result<f64> {
    let x = any_f64(u)?;
    Ok(if x.is_finite() { x } else { 1.0 })
}

/// A vector of `len` values from `f`.
pub fn vec_of<T>(
    u: &mut Unstructured,
    len: usize,
    mut f: impl FnMut(&mut Unstructured) -> Result<T>,
) -> Result<Vec<T>> {
    (0..len).map(|_| f(u)).collect()
}

/// A length for a vector or table: mostly small, sometimes 0.
pub fn small_len(u: &mut Unstructured) -> Result<usize> {
    Ok(match u.int_in_range(0..=9)? {
        0 => 0,
        1..=6 => u.int_in_range(1..=8)?,
        _ => u.int_in_range(9..=40)?,
    })
}

/// Days since 1970-01-01: mostly ordinary recent dates, sometimes the range's edges, just
/// beyond them, or `i32`'s extremes.
pub fn any_day(u: &mut Unstructured) -> Result<i32> {
    const RECENT: i32 = 18_262; // 2020-01-01
    Ok(match u.int_in_range(0..=9)? {
        0 => *u.choose(&[
            collabmetrics::limits::MIN_DATE,
            collabmetrics::limits::MAX_DATE,
            collabmetrics::limits::MIN_DATE - 1,
            collabmetrics::limits::MAX_DATE + 1,
            i32::MIN,
            i32::MAX,
            i32::MAX - 1,
            0,
        ])?,
        1 => u.arbitrary()?,
        _ => RECENT + u.int_in_range(0..=2500)?,
    })
}

fn any_date_string(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 => (*u.choose(&[
            "",
            "   ",
            "2024-02-30",
            "2023-02-29",
            "9999-12-31",
            "0000-01-01",
            "1799-12-31",
            "2201-01-01",
            "2024-+1-01",
            "2024-1é-01",
            "31/01/2024",
            "2024-01-31T23:59:59Z",
            "2024-01-31 10:00",
            "2024-01-31x",
            "é",
        ])?)
        .to_owned(),
        _ => collabmetrics::table::format_date(any_day(u)?),
    })
}

/// Codes the metrics look for (bed types, reasons, attendance, mechanisms, team types,
/// service lines), mixed with junk.
pub const CODES: [&str; 24] = [
    "10",
    "11",
    "12",
    "200",
    "201",
    "202",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "99",
    "A02",
    "A05",
    "C01",
    "cyp",
    "adult",
    "all_age",
    "unknown",
    "",
    " x ",
    "\u{1f600}",
];

/// Identifiers: few distinct values, so joins, duplicates and overlaps happen.
fn any_id(u: &mut Unstructured) -> Result<i64> {
    Ok(match u.int_in_range(0..=9)? {
        0 => *u.choose(&[i64::MIN, i64::MAX, -1, 0])?,
        _ => i64::from(u.int_in_range(1..=12)?),
    })
}

/// The Arrow types tried for a column of `kind` (the right ones first, then wrong ones).
fn types_for(kind: ColumnKind) -> Vec<DataType> {
    use arrow_schema::TimeUnit::*;
    let mut t = match kind {
        ColumnKind::Date => vec![
            DataType::Date32,
            DataType::Utf8,
            DataType::Date64,
            DataType::Timestamp(Second, None),
            DataType::Timestamp(Millisecond, Some("+01:00".into())),
            DataType::Timestamp(Microsecond, Some("UTC".into())),
            DataType::Timestamp(Nanosecond, None),
            DataType::Timestamp(Second, Some("Europe/London".into())),
            DataType::Timestamp(Second, Some("+1\u{e9}2".into())),
            DataType::LargeUtf8,
            DataType::Utf8View,
        ],
        ColumnKind::Number => vec![
            DataType::Float64,
            DataType::Int64,
            DataType::Float32,
            DataType::Int32,
            DataType::UInt64,
            DataType::Int8,
            DataType::UInt8,
            DataType::Int16,
            DataType::UInt16,
            DataType::UInt32,
        ],
        ColumnKind::Identifier => vec![
            DataType::Int64,
            DataType::Utf8,
            DataType::Int32,
            DataType::UInt64,
            DataType::LargeUtf8,
            DataType::Utf8View,
        ],
        ColumnKind::Code => vec![
            DataType::Utf8,
            DataType::Int64,
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            DataType::Int16,
            DataType::LargeUtf8,
            DataType::Utf8View,
        ],
    };
    t.extend([DataType::Null, DataType::Boolean, DataType::Float64]);
    t
}

/// A column of `len` rows of type `t` for a column of `kind`: values suited to the kind,
/// some nulls.
pub fn column(
    u: &mut Unstructured,
    kind: ColumnKind,
    t: &DataType,
    len: usize,
) -> Result<ArrayRef> {
    use arrow_schema::TimeUnit::*;
    // One column in four is hostile (extreme values, many nulls); the others are ordinary,
    // so that calls get past the first check often enough to reach the arithmetic.
    let hostile = u.ratio(1, 4)?;
    let null_share = if hostile {
        *u.choose(&[0u8, 10, 50, 100])?
    } else {
        0
    };
    let any_day = |u: &mut Unstructured| -> Result<i32> {
        if hostile {
            any_day(u)
        } else {
            Ok(18_262 + u.int_in_range(0..=2500)?)
        }
    };
    let any_f64 = |u: &mut Unstructured| -> Result<f64> {
        if hostile {
            any_f64(u)
        } else {
            Ok(f64::from(u.int_in_range(0..=20)?) * *u.choose(&[1.0, 10.0, 1000.0])?)
        }
    };
    let any_date_string = |u: &mut Unstructured| -> Result<String> {
        if hostile {
            any_date_string(u)
        } else {
            Ok(collabmetrics::table::format_date(any_day(u)?))
        }
    };
    let valid = |u: &mut Unstructured| -> Result<bool> {
        Ok(null_share == 0 || u.int_in_range(1..=100)? > null_share)
    };
    macro_rules! build {
        ($builder:expr, $value:expr) => {{
            let mut b = $builder;
            for _ in 0..len {
                if valid(u)? {
                    let v = $value(&mut *u)?;
                    b.append_value(v);
                } else {
                    b.append_null();
                }
            }
            Arc::new(b.finish()) as ArrayRef
        }};
    }
    let number = |u: &mut Unstructured| -> Result<f64> {
        match kind {
            ColumnKind::Number => any_f64(u),
            ColumnKind::Identifier => Ok(any_id(u)? as f64),
            _ => Ok(f64::from(u.int_in_range(0..=20)?)),
        }
    };
    let int = |u: &mut Unstructured| -> Result<i64> {
        match kind {
            ColumnKind::Identifier => any_id(u),
            ColumnKind::Code => Ok(i64::from(u.int_in_range(0..=205)?)),
            ColumnKind::Date => Ok(i64::from(any_day(u)?)),
            ColumnKind::Number => Ok(match u.int_in_range(0..=9)? {
                0 => u.arbitrary()?,
                _ => i64::from(u.int_in_range(0..=5000)?),
            }),
        }
    };
    let text = |u: &mut Unstructured| -> Result<String> {
        Ok(match kind {
            ColumnKind::Date => any_date_string(u)?,
            ColumnKind::Code => (*u.choose(&CODES)?).to_owned(),
            ColumnKind::Identifier => format!("P{}", any_id(u)?),
            ColumnKind::Number => format!("{}", any_f64(u)?),
        })
    };
    let day_seconds = |u: &mut Unstructured| -> Result<i64> {
        Ok(match u.int_in_range(0..=5)? {
            0 => *u.choose(&[1i64 << 62, i64::MAX, i64::MIN, -(1i64 << 62)])?,
            _ => i64::from(any_day(u)?) * 86_400 + i64::from(u.int_in_range(0..=86_399)?),
        })
    };
    Ok(match t {
        DataType::Null => new_null_array(&DataType::Null, len),
        DataType::Boolean => build!(BooleanBuilder::new(), |u: &mut Unstructured| u
            .arbitrary::<bool>()),
        DataType::Float64 => build!(Float64Builder::new(), number),
        DataType::Float32 => build!(Float32Builder::new(), |u: &mut Unstructured| number(u)
            .map(|x| x as f32)),
        DataType::Int8 => build!(Int8Builder::new(), |u: &mut Unstructured| int(u)
            .map(|x| x as i8)),
        DataType::Int16 => build!(Int16Builder::new(), |u: &mut Unstructured| int(u)
            .map(|x| x as i16)),
        DataType::Int32 => build!(Int32Builder::new(), |u: &mut Unstructured| int(u)
            .map(|x| x as i32)),
        DataType::Int64 => build!(Int64Builder::new(), int),
        DataType::UInt8 => build!(UInt8Builder::new(), |u: &mut Unstructured| int(u)
            .map(|x| x as u8)),
        DataType::UInt16 => build!(UInt16Builder::new(), |u: &mut Unstructured| int(u)
            .map(|x| x as u16)),
        DataType::UInt32 => build!(UInt32Builder::new(), |u: &mut Unstructured| int(u)
            .map(|x| x as u32)),
        DataType::UInt64 => build!(UInt64Builder::new(), |u: &mut Unstructured| int(u)
            .map(|x| x as u64)),
        DataType::Utf8 => build!(StringBuilder::new(), text),
        DataType::LargeUtf8 => build!(LargeStringBuilder::new(), text),
        DataType::Utf8View => build!(StringViewBuilder::new(), text),
        DataType::Date32 => build!(Date32Builder::new(), any_day),
        DataType::Date64 => build!(Date64Builder::new(), |u: &mut Unstructured| {
            Ok(match u.int_in_range(0..=5)? {
                0 => *u.choose(&[i64::MAX, i64::MIN])?,
                _ => i64::from(any_day(u)?) * 86_400_000,
            })
        }),
        DataType::Timestamp(Second, tz) => {
            build!(TimestampSecondBuilder::new(), day_seconds).with_tz(tz)
        }
        DataType::Timestamp(Millisecond, tz) => build!(
            TimestampMillisecondBuilder::new(),
            |u: &mut Unstructured| day_seconds(u).map(|s| s.wrapping_mul(1000))
        )
        .with_tz(tz),
        DataType::Timestamp(Microsecond, tz) => build!(
            TimestampMicrosecondBuilder::new(),
            |u: &mut Unstructured| day_seconds(u).map(|s| s.wrapping_mul(1_000_000))
        )
        .with_tz(tz),
        DataType::Timestamp(Nanosecond, tz) => {
            build!(TimestampNanosecondBuilder::new(), |u: &mut Unstructured| {
                day_seconds(u).map(|s| s.wrapping_mul(1_000_000_000))
            })
            .with_tz(tz)
        }
        DataType::Dictionary(_, _) => {
            let mut b = StringDictionaryBuilder::<Int32Type>::new();
            for _ in 0..len {
                if valid(u)? {
                    b.append_value(text(u)?);
                } else {
                    b.append_null();
                }
            }
            Arc::new(b.finish())
        }
        // Not generated; a column of nulls stands in.
        other => new_null_array(other, len),
    })
}

/// Attaches a time zone to a timestamp array.
trait WithTz {
    fn with_tz(self, tz: &Option<Arc<str>>) -> ArrayRef;
}

impl WithTz for ArrayRef {
    fn with_tz(self, tz: &Option<Arc<str>>) -> ArrayRef {
        use arrow_array::cast::AsArray;
        use arrow_array::types::*;
        let Some(tz) = tz.clone() else { return self };
        match self.data_type() {
            DataType::Timestamp(arrow_schema::TimeUnit::Second, _) => Arc::new(
                self.as_primitive::<TimestampSecondType>()
                    .clone()
                    .with_timezone(tz),
            ),
            DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, _) => Arc::new(
                self.as_primitive::<TimestampMillisecondType>()
                    .clone()
                    .with_timezone(tz),
            ),
            DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => Arc::new(
                self.as_primitive::<TimestampMicrosecondType>()
                    .clone()
                    .with_timezone(tz),
            ),
            DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, _) => Arc::new(
                self.as_primitive::<TimestampNanosecondType>()
                    .clone()
                    .with_timezone(tz),
            ),
            _ => self,
        }
    }
}

/// One column a table should have: its name, its kind, and whether it may be left out.
#[derive(Debug, Clone, Copy)]
pub struct Want<'a> {
    pub name: &'a str,
    pub kind: ColumnKind,
    pub optional: bool,
}

impl<'a> Want<'a> {
    /// A required column.
    pub fn required(name: &'a str, kind: ColumnKind) -> Self {
        Want {
            name,
            kind,
            optional: false,
        }
    }
}

/// A table of [`Want`]ed columns: each present (optional ones may be dropped), of a type
/// chosen mostly among the right ones, with 0 to 40 rows in one or two batches, and
/// sometimes an extra or duplicated column.
pub fn table(u: &mut Unstructured, wants: &[Want]) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let len = small_len(u)?;
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for w in wants {
        if w.optional && u.ratio(1, 3)? {
            continue;
        }
        let types = types_for(w.kind);
        // The right types most of the time.
        let t = if u.ratio(4, 5)? {
            types[0].clone()
        } else {
            u.choose(&types)?.clone()
        };
        let col = column(u, w.kind, &t, len)?;
        fields.push(Field::new(w.name, col.data_type().clone(), true));
        columns.push(col);
    }
    if u.ratio(1, 20)? && !fields.is_empty() {
        // A duplicated name.
        let k = u.choose_index(fields.len())?;
        fields.push(fields[k].clone());
        columns.push(columns[k].clone());
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = if columns.is_empty() {
        RecordBatch::try_new_with_options(
            schema.clone(),
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(len)),
        )
    } else {
        RecordBatch::try_new(schema.clone(), columns)
    };
    let Ok(batch) = batch else {
        return Err(arbitrary::Error::IncorrectFormat);
    };
    let batches = if len > 1 && u.ratio(1, 4)? {
        let cut = u.int_in_range(0..=len)?;
        vec![batch.slice(0, cut), batch.slice(cut, len - cut)]
    } else {
        vec![batch]
    };
    Ok((schema, batches))
}
