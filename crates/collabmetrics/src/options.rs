//! Option names and defaults, defined once for every language.
//!
//! * Every option whose value is one of a fixed set of names (a window, a rate method, a
//!   measure code) is an [`OptionEnum`]: one name table, one parser ([`std::str::FromStr`],
//!   whose error names the option and lists the accepted names), [`std::fmt::Display`] and
//!   serde, all spelling the same names. The C interface passes such options as integers, the
//!   value's position in [`OptionEnum::ALL`].
//! * Every options struct implements `Default` with the specification's defaults and serde;
//!   [`defaults`] hands them to the bindings as JSON, so the Python signatures, the C
//!   `cm_*_options_default()` functions and the command line's defaults all come from here.
//!
//! ```
//! use collabmetrics::oap::Window;
//! use collabmetrics::options::{defaults, OptionEnum};
//! let w: Window = "rolling_3m".parse()?;
//! assert_eq!(w.as_str(), "rolling_3m");
//! let err = "weekly".parse::<Window>().unwrap_err();
//! assert_eq!(err.argument(), Some("window"));
//! assert_eq!(Window::ALL.len(), 3);
//! assert_eq!(defaults("rate").unwrap()["multiplier"], 100_000.0);
//! # Ok::<(), collabmetrics::Error>(())
//! ```

use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::Value;

/// An option whose value is one of a fixed set of names.
///
/// Implemented by the [`option_enum!`](crate::option_enum) macro, which also gives the type
/// `FromStr`, `Display` and serde with the same names (and inherent `ALL` and `as_str`, so
/// callers need not import this trait).
pub trait OptionEnum: Copy + PartialEq + Sized + 'static {
    /// The option's name, as errors and every binding name it (e.g. `"window"`).
    const OPTION: &'static str;
    /// What one value is, in words, for error messages (e.g. `"window"`, `"rate method"`).
    const WHAT: &'static str;
    /// Every value, in a fixed order: the C interface's integer codes are positions here.
    const ALL: &'static [Self];
    /// Other spellings accepted by the parser (e.g. `"byars"` for `"byar"`).
    const ALIASES: &'static [(&'static str, Self)] = &[];

    /// The value's name.
    fn as_str(self) -> &'static str;

    /// The value's position in [`OptionEnum::ALL`] (its C code).
    fn index(self) -> usize {
        Self::ALL.iter().position(|&v| v == self).unwrap_or(0)
    }

    /// The value at position `code` of [`OptionEnum::ALL`] (a C code), if any.
    fn from_index(code: usize) -> Option<Self> {
        Self::ALL.get(code).copied()
    }

    /// Parses a name (ASCII case-insensitive, surrounding spaces ignored) or an alias.
    fn parse_name(name: &str) -> Result<Self> {
        let key = name.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str().eq_ignore_ascii_case(key))
            .or_else(|| {
                Self::ALIASES
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(key))
                    .map(|&(_, v)| v)
            })
            .ok_or_else(|| unknown_name::<Self>(name))
    }

    /// The accepted names, quoted, for messages: `"month", "rolling_3m", "rolling_12m"`.
    fn expected() -> String {
        let names: Vec<String> = Self::ALL
            .iter()
            .map(|v| format!("\"{}\"", v.as_str()))
            .collect();
        names.join(", ")
    }
}

/// The error for a name that is not one of `T`'s.
pub fn unknown_name<T: OptionEnum>(name: &str) -> Error {
    Error::invalid_argument(
        T::OPTION,
        format!(
            "unknown {} \"{name}\"; expected one of {}",
            T::WHAT,
            T::expected()
        ),
    )
}

/// Defines an [`OptionEnum`]: the enum, its name table, `FromStr`, `Display` and serde.
///
/// ```ignore
/// option_enum! {
///     /// How long each reporting period is.
///     #[derive(Default)]
///     pub enum Window: "window", "window" {
///         #[default]
///         Month = "month",
///         Rolling3m = "rolling_3m",
///     }
/// }
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! option_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $option:literal, $what:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $text:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $crate::options::OptionEnum for $name {
            const OPTION: &'static str = $option;
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const ALIASES: &'static [(&'static str, Self)] = &[$($(($alias, $name::$variant),)*)+];
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl $name {
            /// Every value, in a fixed order (the C interface's codes are positions here).
            pub const ALL: &'static [Self] = <Self as $crate::options::OptionEnum>::ALL;

            /// The value's name, as every language spells it.
            pub fn as_str(self) -> &'static str {
                <Self as $crate::options::OptionEnum>::as_str(self)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                <Self as $crate::options::OptionEnum>::parse_name(s)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err($crate::options::de_error)
            }
        }
    };
}

thread_local! {
    /// The core error behind the last failed option read on this thread (see [`de_error`]).
    static DE_ERROR: std::cell::RefCell<Option<crate::Error>> = const { std::cell::RefCell::new(None) };
}

/// A core error met while serde reads options (an unknown name, band edges out of order), as
/// serde's error; the error itself is kept for [`take_de_error`], so options read from JSON
/// (a state's, Spark's) fail with the error the same options give when passed directly (its
/// kind and argument), not with serde's text of it.
#[doc(hidden)]
pub fn de_error<E: serde::de::Error>(e: crate::Error) -> E {
    let text = e.to_string();
    let _ = DE_ERROR.try_with(|s| *s.borrow_mut() = Some(e));
    E::custom(text)
}

/// The error [`de_error`] kept on this thread, if any (and forgets it).
fn take_de_error() -> Option<crate::Error> {
    DE_ERROR.try_with(|s| s.borrow_mut().take()).ok().flatten()
}

/// Options (or an option's value) read from JSON: a value the core refuses fails with the
/// core's own error (see [`de_error`]); JSON that does not read otherwise (a wrong type, an
/// unknown field) is an `InvalidArgument` naming `argument`.
pub fn from_json<T: serde::de::DeserializeOwned + Serialize>(
    argument: &str,
    json: &str,
) -> crate::Result<T> {
    let _ = take_de_error();
    let options: T = serde_json::from_str(json).map_err(|e| {
        take_de_error().unwrap_or_else(|| {
            crate::Error::invalid_argument(argument, format!("do not read: {e}"))
        })
    })?;
    match ignored_key(json, &options) {
        Some(key) => Err(crate::Error::invalid_argument(
            argument,
            format!(
                "do not read: unknown field `{key}` (a misspelt option would otherwise be \
                 left at its default)"
            ),
        )),
        None => Ok(options),
    }
}

/// The first key of the JSON object `json` (at any depth, as `rule.bsae`) that reading it as
/// `T` ignored, if any. serde ignores unknown fields unless told not to, which its
/// `flatten` (the table options') does not allow; so each key's value is replaced in turn by
/// values no option takes, and a key is unknown when `T` still reads the same options.
/// The options JSON is a few dozen keys, so this costs microseconds.
fn ignored_key<T: serde::de::DeserializeOwned + Serialize>(json: &str, read: &T) -> Option<String> {
    let tree: Value = serde_json::from_str(json).ok()?;
    let reference = serde_json::to_value(read).ok()?;
    let mut paths = Vec::new();
    key_paths(&tree, &mut Vec::new(), &mut paths);
    // Values no option takes: text no name matches (a struct with defaults would read an
    // object as its defaults) and nested lists; a key is unknown when both leave the options
    // read unchanged.
    let probes = [
        Value::String("\u{0}not an option".into()),
        serde_json::json!([[[]]]),
    ];
    paths.into_iter().find_map(|path| {
        let same = probes.iter().all(|probe| {
            let mut probed = tree.clone();
            let mut slot = Some(&mut probed);
            for step in &path {
                slot = slot.and_then(|v| match step {
                    Step::Key(k) => v.get_mut(k.as_str()),
                    Step::Index(i) => v.get_mut(*i),
                });
            }
            let Some(slot) = slot else { return false };
            *slot = probe.clone();
            let same = serde_json::from_value::<T>(probed)
                .ok()
                .and_then(|t| serde_json::to_value(t).ok())
                .is_some_and(|v| v == reference);
            let _ = take_de_error();
            same
        });
        same.then(|| {
            path.iter()
                .map(|s| match s {
                    Step::Key(k) => k.clone(),
                    Step::Index(i) => i.to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        })
    })
}

/// One step into a JSON value.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path of every object key under `v`, parents before children.
fn key_paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                at.push(Step::Key(k.clone()));
                out.push(at.clone());
                key_paths(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(Step::Index(i));
                key_paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The error for a required option the caller left out (one without a safe default).
pub fn required(option: &str, why: &str) -> Error {
    Error::invalid_argument(option, format!("required: {why}"))
}

/// The names [`defaults`] knows, one per entry point family: the options of
/// `proportion_table`, `rate_table`, `dsr_table`, `isr_table`, `mean_table`, `oap::measures`,
/// the distance table functions, `inequality::measures_table` (and its subgroup estimates from
/// counts), the individual indices and their bootstrap, the transition functions, the
/// time-to-contact curve, disclosure control, the XmR charts and the funnel plots
/// (`funnel::assess`, `limits`). (The demo data's options are the `collabmetrics-demo`
/// crate's `DemoOptions::default()`.)
pub const NAMES: &[&str] = &[
    "proportion",
    "rate",
    "dsr",
    "isr",
    "mean",
    "oap",
    "distance_points",
    "distance_convert",
    "distance_locate",
    "distance_summary",
    "inequality_measures",
    "inequality_counts",
    "inequality_individual",
    "inequality_bootstrap",
    "inequality_individual_table",
    "transition",
    "time_to_contact",
    "disclosure",
    "spc",
    "funnel",
];

fn json<T: Serialize>(value: T) -> Value {
    // Options hold numbers, strings and lists only: serialising them cannot fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The default options of the entry points `name` (one of [`NAMES`]) as a JSON object whose
/// keys are the options' names in every language; `None` for an unknown name. Options without
/// a safe default (e.g. OAP's `start`) are `null`: the caller must give them.
pub fn defaults(name: &str) -> Option<Value> {
    use crate::{distance, funnel, inequality, oap, stats, transition};
    Some(match name {
        "proportion" => json(stats::ProportionTableOptions::default()),
        "rate" => json(stats::RateTableOptions::default()),
        "dsr" => json(stats::DsrTableOptions::default()),
        "isr" => json(stats::IsrTableOptions::default()),
        "mean" => json(stats::MeanTableOptions::default()),
        "oap" => json(oap::OapOptions::default()),
        "distance_points" => json(distance::PointsTableOptions::default()),
        "distance_convert" => json(distance::ConvertTableOptions::default()),
        "distance_locate" => json(distance::LocateTableOptions::default()),
        "distance_summary" => json(distance::SummaryTableOptions::default()),
        "inequality_measures" => json(inequality::MeasuresTableOptions::default()),
        "inequality_counts" => json(inequality::Counts::default()),
        "inequality_individual" => json(inequality::IndividualOptions::default()),
        "inequality_bootstrap" => json(inequality::BootstrapOptions::default()),
        "inequality_individual_table" => json(inequality::IndividualTableOptions::default()),
        "transition" => json(transition::TransitionOptions::default()),
        "time_to_contact" => json(transition::CurveOptions::default()),
        "disclosure" => json(crate::disclosure::DisclosureOptions::default()),
        "spc" => json(crate::spc::SpcOptions::default()),
        "funnel" => json(funnel::FunnelOptions::default()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A misspelt option is an error naming it, at any depth and through the table options'
    /// `flatten`; every option written out (defaults included) still reads.
    #[test]
    fn unknown_fields_are_refused_by_name() {
        use crate::disclosure::DisclosureOptions;
        use crate::distance::SummaryTableOptions;
        use crate::stats::ProportionTableOptions;
        let e = from_json::<SummaryTableOptions>("options", r#"{"by_": ["grp"]}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `by_`"), "{e}");
        let e =
            from_json::<ProportionTableOptions>("options", r#"{"confidnce": 0.5}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `confidnce`"), "{e}");
        let e = from_json::<DisclosureOptions>(
            "options",
            r#"{"counts": ["n"], "rule": {"k": 5, "bsae": 5}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("bsae"), "{e}");
        // Known fields, given with their default values or not, read.
        let all = serde_json::to_string(&ProportionTableOptions::default()).unwrap();
        assert!(
            from_json::<ProportionTableOptions>("options", &all).is_ok(),
            "{all}"
        );
        let all = serde_json::to_string(&SummaryTableOptions::default()).unwrap();
        assert!(
            from_json::<SummaryTableOptions>("options", &all).is_ok(),
            "{all}"
        );
        let rule = r#"{"counts": ["n"], "rule": {"k": 5, "base": 5, "national_exempt": true}}"#;
        assert!(from_json::<DisclosureOptions>("options", rule).is_ok());
        let o: SummaryTableOptions =
            from_json("options", r#"{"by": ["grp"], "confidence": 0.9}"#).unwrap();
        assert_eq!(o.by, vec!["grp".to_string()]);
    }

    crate::option_enum! {
        /// A test enum.
        pub enum Colour: "colour", "colour" {
            /// Red.
            Red = "red" | "rouge",
            /// Dark green.
            DarkGreen = "dark_green",
        }
    }

    #[test]
    fn names_parse_display_and_serde_agree() {
        for &c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>().unwrap(), c);
            assert_eq!(c.to_string(), c.as_str());
            let j = serde_json::to_string(&c).unwrap();
            assert_eq!(j, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&j).unwrap(), c);
            assert_eq!(Colour::from_index(c.index()), Some(c));
        }
        assert_eq!(" DARK_green ".parse::<Colour>().unwrap(), Colour::DarkGreen);
        assert_eq!("rouge".parse::<Colour>().unwrap(), Colour::Red);
        assert_eq!(Colour::from_index(2), None);
    }

    #[test]
    fn an_unknown_name_names_the_option_and_the_choices() {
        let e = "blue".parse::<Colour>().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
        assert_eq!(e.argument(), Some("colour"));
        assert_eq!(
            e.to_string(),
            "invalid argument `colour`: unknown colour \"blue\"; expected one of \"red\", \"dark_green\""
        );
        let e = serde_json::from_str::<Colour>("\"blue\"").unwrap_err();
        assert!(e.to_string().contains("unknown colour \"blue\""), "{e}");
    }

    /// Options arrive as JSON from Python (`json.dumps` writes the shortest text that reads
    /// back as the same double) and from the CLI's reports: every float must parse to that
    /// double exactly, not to a neighbour (serde_json's default parser is not correctly
    /// rounded; the workspace enables its `float_roundtrip`).
    #[test]
    fn floats_in_options_json_parse_bit_for_bit() {
        for x in [
            9.0 / 37.0,
            0.1 + 0.2,
            1.0 / 3.0,
            2.0f64.sqrt() * 1e-7,
            123456.789e-300,
        ] {
            let text = format!(r#"{{"multiplier": {x:?}}}"#);
            let o: crate::stats::ProportionTableOptions = serde_json::from_str(&text).unwrap();
            assert_eq!(o.options.multiplier.to_bits(), x.to_bits(), "{text}");
        }
    }

    #[test]
    fn every_name_has_defaults_that_are_an_object() {
        for name in NAMES {
            let d = defaults(name).unwrap_or_else(|| panic!("no defaults for {name}"));
            assert!(d.is_object(), "{name}: {d}");
        }
        assert!(defaults("nothing").is_none());
    }

    /// The JSON the bindings read is the `Default` itself: it reads back as the same options.
    fn round_trip<T>(name: &str)
    where
        T: Default + PartialEq + std::fmt::Debug + serde::de::DeserializeOwned,
    {
        let json = defaults(name).unwrap();
        let back: T = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("{name}: {e} in {json}"));
        assert_eq!(back, T::default(), "{name}");
    }

    #[test]
    fn defaults_read_back_as_the_default_options() {
        use crate::{distance, inequality, oap, stats, transition};
        round_trip::<stats::ProportionTableOptions>("proportion");
        round_trip::<stats::RateTableOptions>("rate");
        round_trip::<stats::DsrTableOptions>("dsr");
        round_trip::<stats::IsrTableOptions>("isr");
        round_trip::<stats::MeanTableOptions>("mean");
        round_trip::<oap::OapOptions>("oap");
        round_trip::<distance::PointsTableOptions>("distance_points");
        round_trip::<distance::ConvertTableOptions>("distance_convert");
        round_trip::<distance::LocateTableOptions>("distance_locate");
        round_trip::<distance::SummaryTableOptions>("distance_summary");
        round_trip::<inequality::MeasuresTableOptions>("inequality_measures");
        round_trip::<inequality::Counts>("inequality_counts");
        round_trip::<inequality::IndividualOptions>("inequality_individual");
        round_trip::<inequality::BootstrapOptions>("inequality_bootstrap");
        round_trip::<inequality::IndividualTableOptions>("inequality_individual_table");
        round_trip::<transition::TransitionOptions>("transition");
        round_trip::<transition::CurveOptions>("time_to_contact");
        round_trip::<crate::spc::SpcOptions>("spc");
        round_trip::<crate::funnel::FunnelOptions>("funnel");
        // Options without a safe default are null, for the caller to give.
        assert!(defaults("oap").unwrap()["start"].is_null());
        assert!(defaults("transition").unwrap()["data_end"].is_null());
        assert!(defaults("distance_locate").unwrap()["code"].is_null());
        assert!(defaults("inequality_measures").unwrap()["favourable"].is_null());
        assert!(defaults("funnel").unwrap()["statistic"].is_null());
        assert_eq!(defaults("funnel").unwrap()["limit"], 99);
        // Partial options fill the rest from the defaults.
        let o: oap::OapOptions =
            serde_json::from_str(r#"{"start": 1, "window": "rolling_3m"}"#).unwrap();
        assert_eq!(o.window, oap::Window::Rolling3m);
        assert_eq!(o.multiplier, oap::OapOptions::default().multiplier);
        let e = serde_json::from_str::<oap::OapOptions>(r#"{"window": "weekly"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown window \"weekly\""), "{e}");
    }
}
