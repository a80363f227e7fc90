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
