//! The options of the funnel functions: one name table per enum (parsing, display and serde
//! all read it), the [`FunnelOptions`] struct with the spec's defaults, and their validation.

use crate::error::{Error, Result};
use crate::options::OptionEnum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

crate::option_enum! {
    /// What the numerator and denominator are, and so which funnel is drawn.
    pub enum Statistic: "statistic", "statistic" {
        /// PHE: a proportion O/n (Wilson-equivalent normal limits at the target).
        Proportion = "proportion",
        /// PHE: an indirectly standardised ratio O/E reported × 100.
        RatioIsr = "ratio_isr",
        /// PHE: a ratio of counts O/E reported as O/E − 1.
        RatioCount = "ratio_count",
        /// PHE: a crude rate (published rate per `multiplier`, or a denominator for 0 events).
        RateCrude = "rate_crude",
        /// PHE: a directly standardised rate (published rate per `multiplier`).
        RateDsr = "rate_dsr",
        /// FunnelPlotR `SR`: a standardised ratio O/E.
        Sr = "sr",
        /// FunnelPlotR `PR`: a proportion O/n.
        Pr = "pr",
        /// FunnelPlotR `RC`: a ratio of counts O/n.
        Rc = "rc",
    }
}

crate::option_enum! {
    /// Which reference implementation's method draws the funnel.
    pub enum Family: "family", "family" {
        /// PHE / OHID Fingertips (PHEindicatormethods): exact Poisson or normal-at-target
        /// limits at 95% and 99.8%, significance labels, no overdispersion.
        Phe = "phe",
        /// Spiegelhalter (2005) with overdispersion, as FunnelPlotR.
        Funnelplotr = "funnelplotr",
        /// Spiegelhalter's interpolated exact binomial / Poisson limits (no overdispersion).
        SpiegelhalterExact = "spiegelhalter_exact",
    }
}

crate::option_enum! {
    /// How FunnelPlotR transforms standardised ratios.
    #[derive(Default)]
    pub enum SrMethod: "sr_method", "SR method" {
        /// NHS Digital's SHMI: log scale, truncation, E rounded to 2 decimals.
        #[default]
        Shmi = "SHMI",
        /// CQC / Spiegelhalter: square-root scale, winsorisation.
        Cqc = "CQC",
    }
}

/// Which pair of limits flags outliers (FunnelPlotR's `limit`; PHE's significance level). Its
/// names are FunnelPlotR's numbers, "95" and "99" (99.8%; "99.8" is accepted too), and serde
/// writes it as that number, so every language passes it as FunnelPlotR does (`limit = 99`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Limit {
    /// The 95% limits (two-sided tail 0.025).
    L95,
    /// The 99.8% limits (two-sided tail 0.001), FunnelPlotR's `limit = 99`.
    #[default]
    L99,
}

impl OptionEnum for Limit {
    const OPTION: &'static str = "limit";
    const WHAT: &'static str = "limit";
    const ALL: &'static [Self] = &[Limit::L95, Limit::L99];
    const ALIASES: &'static [(&'static str, Self)] = &[("99.8", Limit::L99)];

    fn as_str(self) -> &'static str {
        match self {
            Limit::L95 => "95",
            Limit::L99 => "99",
        }
    }
}

impl Limit {
    /// Every value (the C interface's codes are positions here).
    pub const ALL: &'static [Self] = <Self as OptionEnum>::ALL;

    /// The value's name ("95" or "99").
    pub fn as_str(self) -> &'static str {
        <Self as OptionEnum>::as_str(self)
    }
}

impl FromStr for Limit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Limit::parse_name(s)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u32(self.number())
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(v) => Limit::from_number(v),
            Raw::Text(t) => t.parse(),
        }
        .map_err(crate::options::de_error)
    }
}

impl Statistic {
    /// The family that draws this statistic by default (spec decision 1).
    pub fn default_family(self) -> Family {
        match self {
            Statistic::Sr | Statistic::Pr | Statistic::Rc => Family::Funnelplotr,
            _ => Family::Phe,
        }
    }

    /// True for PHE's rates (`rate_crude`, `rate_dsr`).
    pub fn is_rate(self) -> bool {
        matches!(self, Statistic::RateCrude | Statistic::RateDsr)
    }

    /// True for PHE's ratios (`ratio_isr`, `ratio_count`).
    pub fn is_ratio(self) -> bool {
        matches!(self, Statistic::RatioIsr | Statistic::RatioCount)
    }

    /// True when the numerator may not exceed the denominator.
    pub fn is_proportion(self) -> bool {
        matches!(self, Statistic::Proportion | Statistic::Pr)
    }
}

impl Limit {
    /// The limit as FunnelPlotR's number (95 or 99).
    pub fn number(self) -> u32 {
        match self {
            Limit::L95 => 95,
            Limit::L99 => 99,
        }
    }

    /// The limit from FunnelPlotR's number (95 or 99; 99.8 is accepted for 99).
    pub fn from_number(value: f64) -> Result<Limit> {
        if value == 95.0 {
            Ok(Limit::L95)
        } else if value == 99.0 || value == 99.8 {
            Ok(Limit::L99)
        } else {
            Err(Error::invalid_argument(
                "limit",
                format!(
                    "unknown limit {}; expected 95 or 99 (99.8%)",
                    crate::error::format_value(value)
                ),
            ))
        }
    }
}

/// Options of [`assess`](super::assess) and [`limits`](super::limits), with the defaults of
/// `spec/funnel.md`. Column names are ours; the [`Input`](crate::table::Input)'s column map
/// renames them to the caller's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunnelOptions {
    /// The statistic (required: no default).
    pub statistic: Option<Statistic>,
    /// The family; `None`: PHE for PHE's statistics, FunnelPlotR for `sr`, `pr`, `rc`.
    pub family: Option<Family>,
    /// The unit column (provider, area, team); rows of a unit are added up (except PHE rates,
    /// whose units must be unique). `None`: every row is a unit, numbered from 0.
    pub unit: Option<String>,
    /// The numerator column (events, O).
    pub numerator: String,
    /// The denominator column (people at risk, expected count, population). Optional for PHE
    /// rates, where it is read only for records with 0 events.
    pub denominator: String,
    /// PHE rates: the published rate column (crude or DSR, per `multiplier`).
    pub rate: String,
    /// Scale of values and limits. PHE proportions and rates: required (PHE has no default;
    /// 100 for a percentage). PHE ratios: must be `None` (ISR × 100, counts − 1, as PHE).
    /// FunnelPlotR and Spiegelhalter exact: 1 when not given.
    pub multiplier: Option<f64>,
    /// PHE rates: years the data cover (required); only rescales the population axis. Must
    /// be `None` for the other statistics.
    pub years_of_data: Option<f64>,
    /// FunnelPlotR `sr` only.
    pub sr_method: SrMethod,
    /// Share trimmed at *each* end before φ, in (0, 0.5).
    pub trim_by: f64,
    /// Which limits flag outliers.
    pub limit: Limit,
    /// Widen the limits for overdispersion when φ > 1 (FunnelPlotR).
    pub draw_adjusted: bool,
    /// FunnelPlotR SR/SHMI: round each unit's expected count to 2 decimals first.
    pub shmi_rounding: bool,
    /// Reproduce FunnelPlotR's CQC and RC limits exactly (quirks Q1, Q2 of the spec); false
    /// (default) squares the CQC limits and gives RC limits the z-score's standard error.
    pub funnelplotr_compat: bool,
    /// FunnelPlotR SR/SHMI: leave out units with 0 events (log 0 has no z-score), counting them
    /// in the diagnostics, instead of failing with an error naming the unit.
    pub exclude_zero_sr: bool,
}

impl Default for FunnelOptions {
    fn default() -> Self {
        FunnelOptions {
            statistic: None,
            family: None,
            unit: None,
            numerator: "numerator".to_owned(),
            denominator: "denominator".to_owned(),
            rate: "rate".to_owned(),
            multiplier: None,
            years_of_data: None,
            sr_method: SrMethod::default(),
            trim_by: 0.1,
            limit: Limit::default(),
            draw_adjusted: true,
            shmi_rounding: true,
            funnelplotr_compat: false,
            exclude_zero_sr: false,
        }
    }
}

impl FunnelOptions {
    /// Defaults for `statistic`.
    pub fn new(statistic: Statistic) -> Self {
        FunnelOptions {
            statistic: Some(statistic),
            ..FunnelOptions::default()
        }
    }
}

/// The options checked and resolved: the family chosen, the multiplier decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub statistic: Statistic,
    pub family: Family,
    /// The scale of values and limits (1 where the family has none).
    pub multiplier: f64,
    pub years_of_data: Option<f64>,
}

fn positive(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(Error::invalid_argument(
            name,
            format!(
                "must be a finite number > 0 (got {})",
                crate::error::format_value(v)
            ),
        ))
    }
}

impl FunnelOptions {
    /// Checks every option and resolves the family and multiplier (spec: Errors, decisions).
    pub(crate) fn resolve(&self) -> Result<Resolved> {
        let statistic = self.statistic.ok_or_else(|| {
            crate::options::required(
                "statistic",
                &format!("it has no default; one of {}", Statistic::expected()),
            )
        })?;
        let family = self.family.unwrap_or(statistic.default_family());
        let allowed: &[Statistic] = match family {
            Family::Phe => &[
                Statistic::Proportion,
                Statistic::RatioIsr,
                Statistic::RatioCount,
                Statistic::RateCrude,
                Statistic::RateDsr,
            ],
            Family::Funnelplotr => &[Statistic::Sr, Statistic::Pr, Statistic::Rc],
            Family::SpiegelhalterExact => &[Statistic::Proportion, Statistic::Pr, Statistic::Sr],
        };
        if !allowed.contains(&statistic) {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            return Err(Error::invalid_argument(
                "statistic",
                format!(
                    "\"{statistic}\" is not drawn by family \"{family}\", which takes {}",
                    names.join(", ")
                ),
            ));
        }
        if !(self.trim_by > 0.0 && self.trim_by < 0.5) {
            return Err(Error::invalid_argument(
                "trim_by",
                format!(
                    "must be strictly between 0 and 0.5 (got {}); 0.1 trims 10% at each end",
                    crate::error::format_value(self.trim_by)
                ),
            ));
        }
        if family == Family::Phe && statistic.is_ratio() && self.multiplier.is_some() {
            // PHE's ratios have a fixed scale: an ignored multiplier would mislead.
            return Err(Error::invalid_argument(
                "multiplier",
                format!(
                    "PHE's {statistic} takes none (its values are PHE's: the ISR × 100, \
                     counts − 1); leave it unset"
                ),
            ));
        }
        let multiplier = match (family, self.multiplier) {
            (_, Some(m)) => positive("multiplier", m)?,
            (Family::Phe, None) if statistic.is_ratio() => 1.0,
            (Family::Phe, None) => {
                return Err(crate::options::required(
                    "multiplier",
                    &format!(
                        "PHE's {statistic} has no default multiplier (100 gives a percentage, \
                         100000 a rate per 100 000)"
                    ),
                ))
            }
            (_, None) => 1.0,
        };
        let years_of_data = self
            .years_of_data
            .map(|y| positive("years_of_data", y))
            .transpose()?;
        if !statistic.is_rate() && years_of_data.is_some() {
            return Err(Error::invalid_argument(
                "years_of_data",
                format!("applies to PHE's rates (rate_crude, rate_dsr) only, not to {statistic}"),
            ));
        }
        if statistic.is_rate() && years_of_data.is_none() {
            return Err(crate::options::required(
                "years_of_data",
                &format!("PHE's {statistic} needs the years the data cover"),
            ));
        }
        for (name, column) in [
            ("numerator", &self.numerator),
            ("denominator", &self.denominator),
            ("rate", &self.rate),
        ] {
            if column.is_empty() {
                return Err(Error::invalid_argument(name, "the column name is empty"));
            }
        }
        Ok(Resolved {
            statistic,
            family,
            multiplier,
            years_of_data,
        })
    }
}
