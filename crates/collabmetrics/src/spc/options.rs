//! The options of an XmR chart: improvement direction, rebasing, fixed baselines, targets,
//! screening, the rule set and its parts.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

crate::option_enum! {
    /// Which way is better. NHSRplotthedots codes it +1 / −1 / 0.
    #[derive(Default)]
    pub enum Improvement: "improvement", "improvement direction" {
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

crate::option_enum! {
    /// A named set of rule settings (see [`SpcOptions::preset`]).
    #[derive(Default)]
    pub enum RuleSet: "rules", "rule preset" {
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

crate::option_enum! {
    /// What equal consecutive values do to a trend.
    #[derive(Default)]
    pub enum Ties: "ties", "tie rule" {
        /// A repeated value breaks the trend (NHSRplotthedots).
        #[default]
        Break = "break",
        /// A repeated value neither adds to nor breaks the trend (NHS Improvement's run-chart
        /// guide): it is part of the trend when the values around it are.
        Skip = "skip",
    }
}

crate::option_enum! {
    /// What a point exactly on the mean does to a shift (a run on one side).
    #[derive(Default)]
    pub enum OnMean: "on_mean", "on-mean rule" {
        /// It breaks the run (NHSRplotthedots).
        #[default]
        Break = "break",
        /// It neither adds to nor breaks the run (the run-chart convention); it is not flagged.
        Skip = "skip",
    }
}

/// The key of one series: its `by` values, one per `by` column, each the text group labels
/// print (`"E38000001"`, `"3"`, `"2024-01-01"`) or `None` for a null, so that a null and the
/// text `"null"` name different series.
pub type SeriesKey = Vec<Option<String>>;

/// Rebase dates of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesDates {
    /// The series, by its `by` values.
    pub series: SeriesKey,
    /// Days since 1970-01-01.
    pub dates: Vec<i32>,
}

/// The target of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesTarget {
    /// The series, by its `by` values.
    pub series: SeriesKey,
    /// Its target (finite).
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
///
/// The rule settings (screening, run lengths, two-in-three, ties, points on the mean) come
/// from the preset `rules`; each `Some` setting overrides the preset's ([`SpcOptions::settings`]
/// gives the ones in force).
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
    /// Segments with fewer points than this get `short_group_warning` (default 13: limits from
    /// 12 or fewer points are trial limits); a one-point segment always does, whatever the
    /// threshold (0, 1 and 2 flag one-point segments only).
    pub warning_threshold: u32,
    /// The rule preset (default NHSRplotthedots').
    pub rules: RuleSet,
    /// Drop moving ranges of at least 3.267 times their average before averaging again
    /// (NHSRplotthedots: true; Making Data Count's Excel tools: false). `None`: the preset's.
    pub screen_outliers: Option<bool>,
    /// Points in a run on one side of the mean that make a shift (7 in both presets; at
    /// least 6). `None`: the preset's.
    pub shift_length: Option<u32>,
    /// Points rising or falling in a row that make a trend (7; at least 6). `None`: the
    /// preset's.
    pub trend_length: Option<u32>,
    /// Whether points beyond the 3σ limits count towards two-in-three (NHSRplotthedots:
    /// false; Making Data Count since 2023: true). `None`: the preset's.
    pub two_in_three_includes_outside: Option<bool>,
    /// What a repeated value does to a trend (break in both presets). `None`: the preset's.
    pub ties: Option<Ties>,
    /// What a point exactly on the mean does to a shift (break in both presets). `None`: the
    /// preset's.
    pub on_mean: Option<OnMean>,
    /// A column of trajectory values carried into the result as `trajectory` (shown on
    /// charts, never used in the calculations); `None` (default): no such column.
    pub trajectory: Option<String>,
}

impl Default for SpcOptions {
    fn default() -> Self {
        SpcOptions {
            by: Vec::new(),
            improvement: Improvement::default(),
            rebase: Rebase::None,
            fix_after_n_points: None,
            target: Target::None,
            warning_threshold: 13,
            rules: RuleSet::default(),
            screen_outliers: None,
            shift_length: None,
            trend_length: None,
            two_in_three_includes_outside: None,
            ties: None,
            on_mean: None,
            trajectory: None,
        }
    }
}

/// The rule settings in force: a preset's, or a preset's with some overridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Moving ranges of at least 3.267 times their average are screened out.
    pub screen_outliers: bool,
    /// Points in a run on one side of the mean that make a shift.
    pub shift_length: u32,
    /// Points rising or falling in a row that make a trend.
    pub trend_length: u32,
    /// Points beyond the 3σ limits count towards two-in-three.
    pub two_in_three_includes_outside: bool,
    /// What a repeated value does to a trend.
    pub ties: Ties,
    /// What a point exactly on the mean does to a shift.
    pub on_mean: OnMean,
}

impl RuleSet {
    /// The preset's settings.
    pub fn settings(self) -> Settings {
        let mdc = self == RuleSet::Mdc2023;
        Settings {
            screen_outliers: !mdc,
            shift_length: 7,
            trend_length: 7,
            two_in_three_includes_outside: mdc,
            ties: Ties::Break,
            on_mean: OnMean::Break,
        }
    }
}

impl SpcOptions {
    /// The default options with the preset `rules`.
    pub fn preset(rules: RuleSet) -> Self {
        SpcOptions {
            rules,
            ..SpcOptions::default()
        }
    }

    /// The rule settings in force: the preset's, each overridden where given.
    pub fn settings(&self) -> Settings {
        let p = self.rules.settings();
        Settings {
            screen_outliers: self.screen_outliers.unwrap_or(p.screen_outliers),
            shift_length: self.shift_length.unwrap_or(p.shift_length),
            trend_length: self.trend_length.unwrap_or(p.trend_length),
            two_in_three_includes_outside: self
                .two_in_three_includes_outside
                .unwrap_or(p.two_in_three_includes_outside),
            ties: self.ties.unwrap_or(p.ties),
            on_mean: self.on_mean.unwrap_or(p.on_mean),
        }
    }

    /// The result's `method`: the preset's name when the settings in force are the preset's
    /// (overrides equal to it change nothing), `"custom"` otherwise.
    pub fn method(&self) -> &'static str {
        if self.settings() == self.rules.settings() {
            self.rules.as_str()
        } else {
            "custom"
        }
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
        let settings = self.settings();
        for (name, len) in [
            ("shift_length", settings.shift_length),
            ("trend_length", settings.trend_length),
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
        // Rebase dates are date options: within the supported range, named by position.
        let rebase_dates: Vec<i32> = match &self.rebase {
            Rebase::None => Vec::new(),
            Rebase::Dates(d) => d.clone(),
            Rebase::PerSeries(e) => e.iter().flat_map(|s| s.dates.iter().copied()).collect(),
        };
        if let Some((i, &d)) = rebase_dates
            .iter()
            .enumerate()
            .find(|(_, d)| !crate::table::in_range(**d))
        {
            return Err(Error::InvalidValue {
                argument: "rebase".to_owned(),
                index: i,
                value: format!("{d} days since 1970-01-01"),
                rule: format!(
                    "outside the supported date range {}",
                    crate::limits::DATE_RANGE
                ),
            });
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

/// A series key as errors print it: `North` or `(North, F)`; a null prints as `null`, and a
/// text that could be taken for a null (`"null"`, empty) is quoted.
pub(crate) fn key_text(key: &[Option<String>]) -> String {
    let part = |p: &Option<String>| match p.as_deref() {
        None => "null".to_owned(),
        Some(t) if t == "null" || t.is_empty() => format!("\"{t}\""),
        Some(t) => t.to_owned(),
    };
    match key {
        [one] => part(one),
        _ => format!("({})", key.iter().map(part).collect::<Vec<_>>().join(", ")),
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
        let d = SpcOptions::default().settings();
        assert!(d.screen_outliers && !d.two_in_three_includes_outside);
        assert_eq!(SpcOptions::default().method(), "nhsrplotthedots");
        let m = SpcOptions::preset(RuleSet::Mdc2023);
        assert!(!m.settings().screen_outliers && m.settings().two_in_three_includes_outside);
        assert_eq!(m.method(), "mdc_2023");
        let c = SpcOptions {
            ties: Some(Ties::Skip),
            ..SpcOptions::default()
        };
        assert_eq!(c.method(), "custom");
        // An override equal to the preset's setting changes nothing.
        let same = SpcOptions {
            screen_outliers: Some(false),
            ..SpcOptions::preset(RuleSet::Mdc2023)
        };
        assert_eq!(same.method(), "mdc_2023");
        // Options outside the rules do not change the rule set.
        let t = SpcOptions {
            warning_threshold: 20,
            by: vec!["place".into()],
            ..SpcOptions::preset(RuleSet::Mdc2023)
        };
        assert_eq!(t.method(), "mdc_2023");
    }

    #[test]
    fn options_serialise_with_defaults_for_missing_fields() {
        let o: SpcOptions =
            serde_json::from_str(r#"{"improvement": "decrease", "rebase": {"dates": [19000]}}"#)
                .unwrap();
        assert_eq!(o.improvement, Improvement::Decrease);
        assert_eq!(o.rebase, Rebase::Dates(vec![19000]));
        assert!(o.settings().screen_outliers);
        let back: SpcOptions = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
        assert_eq!(back, o);
    }
}
