//! Statistical process control (`docs/methods/spc.md`): XmR charts read with NHS England's
//! "Making Data Count" rules, as the R package NHSRplotthedots computes them.
//!
//! Per series (the `by` columns) and segment (cut at `rebase` dates):
//!
//! * the centre line is the mean of the segment's baseline points (its first
//!   `fix_after_n_points`, or all); the average moving range (AMR) of the baseline, with
//!   ranges of at least 3.267·AMR screened out by default, sets the natural process limits
//!   mean ± 2.66·AMR and the 2σ band mean ± (2·2.66/3)·AMR ([`limits`]);
//! * each point is judged by four rules in priority order, the first that applies naming it
//!   ([`SpecialCause`]): outside the limits, a trend of 7 rising or falling, two of three
//!   beyond 2σ on one side, a shift of 7 on one side of the mean ([`rules`]);
//! * its [`PointType`] reads the signal against the improvement direction; the latest point
//!   gives the [`Variation`] icon and the latest limits against a target the [`Assurance`]
//!   icon.
//!
//! [`xmr`] returns one row per point, [`summary`] one row per series and segment; [`chart`]
//! charts one series held in slices. Options ([`SpcOptions`]) default to NHSRplotthedots';
//! [`RuleSet::Mdc2023`] selects Making Data Count's current Excel behaviour. Where this module
//! departs from NHSRplotthedots it says so on the item (and in `docs/methods/spc.md`).

/// One name table per enum: the variants and their text, as `FromStr`, `as_str`, `Display`
/// and serde spell it, and the option's name for errors.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $name:ident, option = $option:literal, what = $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of the name table.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's name, as the Python and CLI options and the results spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Error;

            fn from_str(s: &str) -> $crate::error::Result<Self> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    other => {
                        let names: Vec<String> =
                            $name::ALL.iter().map(|v| format!("\"{}\"", v.as_str())).collect();
                        Err($crate::error::Error::invalid_argument(
                            $option,
                            format!(
                                "unknown {} \"{other}\"; expected one of {}",
                                $what,
                                names.join(", ")
                            ),
                        ))
                    }
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

mod chart;
mod icons;
pub mod limits;
mod options;
pub mod rules;
mod segments;
mod table;

pub use chart::{chart, Chart};
pub use icons::{Assurance, Variation};
pub use limits::{Limits, LIMIT, SCREEN};
pub use options::{
    Improvement, OnMean, Rebase, RuleSet, SeriesDates, SeriesKey, SeriesTarget, SpcOptions, Target,
    Ties,
};
pub use rules::{PointType, SpecialCause};
pub use table::{summary, xmr, xmr_and_summary, COLUMNS, POINT_COLUMNS, SUMMARY_COLUMNS};
