//! Command-line options that are the core's options: their names come from the core's name
//! tables and their defaults from its `Default`s, so `--help` cannot disagree with the library.

use clap::builder::{PossibleValue, TypedValueParser};
use collabmetrics::options::OptionEnum;
use std::ffi::OsStr;
use std::marker::PhantomData;

/// Parses an option whose value is one of the names of `T` (the core's parser, so the error
/// is the core's message); `--help` lists the names.
#[derive(Clone, Copy, Debug)]
pub struct OptionParser<T>(PhantomData<T>);

/// The parser of option enum `T`, for `#[arg(value_parser = option::<T>())]`.
pub fn option<T>() -> OptionParser<T> {
    OptionParser(PhantomData)
}

impl<T: OptionEnum + Send + Sync> TypedValueParser for OptionParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        T::parse_name(&text).map_err(|e| {
            let flag = arg.map_or_else(|| T::OPTION.to_owned(), |a| a.to_string());
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("{flag}: {e}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            T::ALL.iter().map(|v| PossibleValue::new(v.as_str())),
        ))
    }
}

/// The value of a date flag `--ARG`: `YYYY-MM` (its first day) or `YYYY-MM-DD`.
pub fn month_or_date(arg: &str, value: &str) -> Result<i32, String> {
    collabmetrics::table::parse_month(value)
        .ok_or_else(|| format!("--{arg}: not a date (YYYY-MM or YYYY-MM-DD): {value}"))
}

/// A default list as its flag spells it, comma-separated (`--help` shows `[default: 5,6]`).
pub fn list<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The items of a comma-separated flag value, trimmed; empty items are none, so an empty
/// value is an empty list.
pub fn items(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// The whole numbers of a comma-separated flag value (a code such as `01` reads as 1; the
/// core checks their ranges).
pub fn numbers<T: std::str::FromStr>(flag: &str, value: &str) -> Result<Vec<T>, String> {
    items(value)
        .iter()
        .map(|c| {
            c.parse()
                .map_err(|_| format!("--{flag}: not a whole number: {c:?}"))
        })
        .collect()
}
