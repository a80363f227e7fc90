//! The options of an XmR chart: improvement direction, rebasing, fixed baselines, targets,
//! screening, the rule set and its parts.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

named_enum! {
    /// Which way is better. NHSRplotthedots codes it +1 / −1 / 0.
    #[derive(Default)]
    Improvement, option = "improvement", what = "improvement direction" {
        /// Higher values are better (the default).
        #[default]
        Increase = "increase",
        /// Lower values are better (e.g. out-of-area bed days).
        Decrease = "decrease",
        /// Neither: signals are reported as high or low.
        Neutral = "neutral",
    }
}

impl Improvement {
    /// +1, −1 or 0.
    pub fn sign(self) -> i8 {
        match self {
            Improvement::Increase => 1,
            Improvement::Decrease => -1,
            Improvement::Neutral => 0,
        }
    }
}

named_enum! {
    /// A named set of rule settings (see [`SpcOptions::preset`]).
    #[derive(Default)]
    RuleSet, option = "rules", what = "rule preset" {
        /// NHSRplotthedots 0.2.2, the R package NHS analysts use: moving ranges screened,
        /// two-in-three counting only the band between 2σ and 3σ, runs and trends of 7, ties and
        /// points on the mean breaking them.
        #[default]
        NhsrPlotTheDots = "nhsrplotthedots",
        /// Making Data Count's Excel tools since November 2023: no screening, two-in-three
        /// counting every point beyond 2σ (beyond 3σ included); otherwise as NHSRplotthedots.
        Mdc2023 = "mdc_2023",
    }
}

named_enum! {
    /// What equal consecutive values do to a trend.
    #[derive(Default)]
    Ties, option = "ties", what = "tie rule" {
        /// A repeated value breaks the trend (NHSRplotthedots).
        #[default]
        Break = "break",
        /// A repeated value neither adds to nor breaks the trend (NHS Improvement's run-chart
        /// guide): it is part of the trend when the values around it are.
        Skip = "skip",
    }
}

named_enum! {
    /// What a point exactly on the mean does to a shift (a run on one side).
    #[derive(Default)]
    OnMean, option = "on_mean", what = "on-mean rule" {
        /// It breaks the run (NHSRplotthedots).
        #[default]
        Break = "break",
        /// It neither adds to nor breaks the run (the run-chart convention); it is not flagged.
        Skip = "skip",
    }
}

/// The key of one series: the text of its `by` values, one per `by` column, as group labels
/// print them (`"E38000001"`, `"3"`, `"2024-01-01"`, `"null"`).
pub type SeriesKey = Vec<String>;

/// Rebase dates of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesDates {
    pub series: SeriesKey,
    /// Days since 1970-01-01.
    pub dates: Vec<i32>,
}

/// The target of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesTarget {
    pub series: SeriesKey,
    pub target: f64,
}

/// Where segments start: each date present in a series starts a new segment there (dates
/// absent from a series have no effect and are counted in the diagnostics).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rebase {
    /// No rebasing: one segment per series.
    #[default]
    None,
    /// The same dates (days since 1970-01-01) for every series.
    Dates(Vec<i32>),
    /// Dates per series; series not named are not rebased. Entries naming the same series are
    /// merged. Naming a series absent from the data is an error.
    PerSeries(Vec<SeriesDates>),
}

/// The target the assurance icon compares the limits with.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// No target: no assurance icon.
    #[default]
    None,
    /// One target for every series.
    Value(f64),
    /// A target per series; series not named have none. Naming a series absent from the data,
    /// or one series twice, is an error.
    PerSeries(Vec<SeriesTarget>),
}

/// Options of [`super::xmr`] and [`super::summary`], with NHSRplotthedots' defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpcOptions {
    /// Columns whose values identify a series (none: one series). Each series is charted on
    /// its own.
    pub by: Vec<String>,
    /// Which way is better (default increase).
    pub improvement: Improvement,
    /// Segment starts (default none).
    pub rebase: Rebase,
    /// Limits from the first n points of each segment (at least 12); later points are tested
    /// against them. `None` (default): every point of the segment.
    pub fix_after_n_points: Option<u32>,
    /// For the assurance icon (default none).
    pub target: Target,
    /// Drop moving ranges of at least 3.267 times their average before averaging again
    /// (default true; Making Data Count's Excel tools do not screen).
    pub screen_outliers: bool,
    /// Segments with fewer points than this get `short_group_warning` (default 13: limits from
    /// 12 or fewer points are trial limits).
    pub warning_threshold: u32,
    /// Points in a run on one side of the mean that make a shift (default 7; at least 6).
    pub shift_length: u32,
    /// Points rising or falling in a row that make a trend (default 7; at least 6).
    pub trend_length: u32,
    /// Whether points beyond the 3σ limits count towards two-in-three (default false, as
    /// NHSRplotthedots; Making Data Count since 2023: true).
    pub two_in_three_includes_outside: bool,
    /// What a repeated value does to a trend (default break).
    pub ties: Ties,
    /// What a point exactly on the mean does to a shift (default break).
    pub on_mean: OnMean,
    /// A column of trajectory values carried into the result as `trajectory` (shown on
    /// charts, never used in the calculations); `None` (default): no such column.
    pub trajectory: Option<String>,
}

impl Default for SpcOptions {
    fn default() -> Self {
        SpcOptions::preset(RuleSet::default())
    }
}

impl SpcOptions {
    /// The options of a rule set, everything else at its default.
    pub fn preset(rules: RuleSet) -> Self {
        let mdc = rules == RuleSet::Mdc2023;
        SpcOptions {
            by: Vec::new(),
            improvement: Improvement::default(),
            rebase: Rebase::None,
            fix_after_n_points: None,
            target: Target::None,
            screen_outliers: !mdc,
            warning_threshold: 13,
            shift_length: 7,
            trend_length: 7,
            two_in_three_includes_outside: mdc,
            ties: Ties::Break,
            on_mean: OnMean::Break,
            trajectory: None,
        }
    }

    /// Sets the rule settings (screening, run lengths, two-in-three, ties, on-mean) of `rules`,
    /// keeping every other option.
    pub fn with_rules(mut self, rules: RuleSet) -> Self {
        let p = SpcOptions::preset(rules);
        self.screen_outliers = p.screen_outliers;
        self.shift_length = p.shift_length;
        self.trend_length = p.trend_length;
        self.two_in_three_includes_outside = p.two_in_three_includes_outside;
        self.ties = p.ties;
        self.on_mean = p.on_mean;
        self
    }

    /// The rule set whose settings these are, if any (`None`: a custom combination).
    pub fn rule_set(&self) -> Option<RuleSet> {
        RuleSet::ALL
            .iter()
            .copied()
            .find(|&r| self.clone().with_rules(r) == *self)
    }

    /// The result's `method`: the rule set's name, or `"custom"`.
    pub fn method(&self) -> &'static str {
        self.rule_set().map_or("custom", RuleSet::as_str)
    }

    /// Checks every option that does not depend on the data.
    pub fn validate(&self) -> Result<()> {
        if let Some(n) = self.fix_after_n_points {
            if n < 12 {
                return Err(Error::invalid_argument(
                    "fix_after_n_points",
                    format!("{n} is below 12; limits need at least 12 points"),
                ));
            }
        }
        for (name, len) in [
            ("shift_length", self.shift_length),
            ("trend_length", self.trend_length),
        ] {
            if len < 6 {
                return Err(Error::invalid_argument(
                    name,
                    format!("{len} is below 6; runs and trends are 6 or more points"),
                ));
            }
        }
        match &self.target {
            Target::Value(t) if !t.is_finite() => {
                return Err(Error::invalid_argument(
                    "target",
                    format!("{} is not a finite number", crate::error::format_value(*t)),
                ))
            }
            Target::PerSeries(entries) => {
                if let Some((i, e)) = entries
                    .iter()
                    .enumerate()
                    .find(|(_, e)| !e.target.is_finite())
                {
                    return Err(Error::invalid_value(
                        "target",
                        i,
                        e.target,
                        "targets must be finite numbers",
                    ));
                }
            }
            _ => {}
        }
        let per_series = matches!(self.rebase, Rebase::PerSeries(_))
            || matches!(self.target, Target::PerSeries(_));
        if per_series && self.by.is_empty() {
            let argument = if matches!(self.rebase, Rebase::PerSeries(_)) {
                "rebase"
            } else {
                "target"
            };
            return Err(Error::invalid_argument(
                argument,
                "given per series, but there are no `by` columns to name a series",
            ));
        }
        for (argument, keys) in [
            ("rebase", self.rebase_keys()),
            ("target", self.target_keys()),
        ] {
            if let Some((i, key)) = keys
                .iter()
                .enumerate()
                .find(|(_, k)| k.len() != self.by.len())
            {
                return Err(Error::InvalidValue {
                    argument: argument.to_owned(),
                    index: i,
                    value: key_text(key),
                    rule: format!(
                        "a series is named by {} value(s), one per `by` column ({})",
                        self.by.len(),
                        self.by.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    fn rebase_keys(&self) -> Vec<&SeriesKey> {
        match &self.rebase {
            Rebase::PerSeries(e) => e.iter().map(|s| &s.series).collect(),
            _ => Vec::new(),
        }
    }

    fn target_keys(&self) -> Vec<&SeriesKey> {
        match &self.target {
            Target::PerSeries(e) => e.iter().map(|s| &s.series).collect(),
            _ => Vec::new(),
        }
    }
}

/// A series key as errors print it: `North` or `(North, F)`.
pub(crate) fn key_text(key: &[String]) -> String {
    match key {
        [one] => one.clone(),
        _ => format!("({})", key.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_every_spelling() {
        for r in RuleSet::ALL {
            assert_eq!(r.as_str().parse::<RuleSet>().unwrap(), *r);
            assert_eq!(r.to_string(), r.as_str());
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(serde_json::from_str::<RuleSet>(&json).unwrap(), *r);
        }
        let e = "sideways".parse::<Improvement>().unwrap_err();
        assert_eq!(e.argument(), Some("improvement"));
        assert!(e
            .to_string()
            .contains("\"increase\", \"decrease\", \"neutral\""));
    }

    #[test]
    fn presets_and_method() {
        let d = SpcOptions::default();
        assert!(d.screen_outliers && !d.two_in_three_includes_outside);
        assert_eq!(d.method(), "nhsrplotthedots");
        let m = SpcOptions::preset(RuleSet::Mdc2023);
        assert!(!m.screen_outliers && m.two_in_three_includes_outside);
        assert_eq!(m.method(), "mdc_2023");
        let c = SpcOptions {
            ties: Ties::Skip,
            ..SpcOptions::default()
        };
        assert_eq!(c.method(), "custom");
        // Options outside the rules do not change the rule set.
        let mut t = SpcOptions::preset(RuleSet::Mdc2023);
        t.warning_threshold = 20;
        t.by = vec!["place".into()];
        assert_eq!(t.method(), "mdc_2023");
    }

    #[test]
    fn options_serialise_with_defaults_for_missing_fields() {
        let o: SpcOptions =
            serde_json::from_str(r#"{"improvement": "decrease", "rebase": {"dates": [19000]}}"#)
                .unwrap();
        assert_eq!(o.improvement, Improvement::Decrease);
        assert_eq!(o.rebase, Rebase::Dates(vec![19000]));
        assert!(o.screen_outliers);
        let back: SpcOptions = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
        assert_eq!(back, o);
    }
}
