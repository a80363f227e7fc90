//! Arrow types as error messages name them: Arrow's own names (`string`, `large_string`,
//! `double`, `date32[day]`, `dictionary<values=string, indices=int32>`), which pyarrow, polars
//! (through `to_arrow`), the Arrow C Data Interface's documentation and most Arrow tools
//! print, rather than arrow-rs's Rust spellings (`Utf8`, `LargeUtf8`, `Float64`).

use arrow_schema::{DataType, TimeUnit};

/// The Arrow name of `t`, as pyarrow prints it.
pub fn type_name(t: &DataType) -> String {
    use DataType::*;
    let unit = |u: &TimeUnit| match u {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "us",
        TimeUnit::Nanosecond => "ns",
    };
    match t {
        Null => "null".into(),
        Boolean => "bool".into(),
        Int8 => "int8".into(),
        Int16 => "int16".into(),
        Int32 => "int32".into(),
        Int64 => "int64".into(),
        UInt8 => "uint8".into(),
        UInt16 => "uint16".into(),
        UInt32 => "uint32".into(),
        UInt64 => "uint64".into(),
        Float16 => "halffloat".into(),
        Float32 => "float".into(),
        Float64 => "double".into(),
        Utf8 => "string".into(),
        LargeUtf8 => "large_string".into(),
        Utf8View => "string_view".into(),
        Binary => "binary".into(),
        LargeBinary => "large_binary".into(),
        BinaryView => "binary_view".into(),
        Date32 => "date32[day]".into(),
        Date64 => "date64[ms]".into(),
        Timestamp(u, None) => format!("timestamp[{}]", unit(u)),
        Timestamp(u, Some(tz)) => format!("timestamp[{}, tz={tz}]", unit(u)),
        Time32(u) => format!("time32[{}]", unit(u)),
        Time64(u) => format!("time64[{}]", unit(u)),
        Duration(u) => format!("duration[{}]", unit(u)),
        Decimal128(p, s) => format!("decimal128({p}, {s})"),
        Decimal256(p, s) => format!("decimal256({p}, {s})"),
        Dictionary(k, v) => format!(
            "dictionary<values={}, indices={}>",
            type_name(v),
            type_name(k)
        ),
        List(f) => format!("list<item: {}>", type_name(f.data_type())),
        LargeList(f) => format!("large_list<item: {}>", type_name(f.data_type())),
        // Rarer types: arrow-rs's own description.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::type_name;
    use arrow_schema::{DataType::*, Field, TimeUnit};
    use std::sync::Arc;

    #[test]
    fn names_are_pyarrows() {
        assert_eq!(type_name(&LargeUtf8), "large_string");
        assert_eq!(type_name(&Float64), "double");
        assert_eq!(type_name(&Date32), "date32[day]");
        assert_eq!(
            type_name(&Timestamp(TimeUnit::Microsecond, Some("UTC".into()))),
            "timestamp[us, tz=UTC]"
        );
        assert_eq!(
            type_name(&Dictionary(Box::new(Int32), Box::new(Utf8))),
            "dictionary<values=string, indices=int32>"
        );
        let item = Arc::new(Field::new("item", Int64, true));
        assert_eq!(type_name(&List(item)), "list<item: int64>");
    }
}
