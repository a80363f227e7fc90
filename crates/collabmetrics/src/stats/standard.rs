//! Standard populations for direct standardisation, and matching of age-band labels to them.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// European Standard Population 2013, five-year bands 0–4 … 85–89, 90+ (Eurostat 2013).
const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

crate::option_enum! {
    /// The built-in standard populations, by name.
    #[derive(Default)]
    pub enum StandardName: "standard", "standard population" {
        /// European Standard Population 2013, 19 bands to 90+ (the default).
        #[default]
        Esp2013 = "esp2013" | "esp2013_19",
        /// European Standard Population 2013, 18 bands to 85+.
        Esp2013_18 = "esp2013_18",
    }
}

/// A standard population: contiguous age bands, each from its lower age up to the next band's
/// lower age minus one, the last open-ended, with a weight each.
///
/// Serialised as its name for a built-in standard (`"esp2013"`) and as
/// `{"lower_ages": [...], "weights": [...]}` for a caller's own.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardPopulation {
    name: String,
    lower_ages: Vec<i32>,
    weights: Vec<f64>,
}

impl StandardPopulation {
    /// ESP 2013 in 19 bands: 0–4, 5–9, …, 85–89, 90+ (weights sum to 100 000).
    pub fn esp2013() -> Self {
        StandardPopulation {
            name: "esp2013".to_owned(),
            lower_ages: (0..19).map(|i| i * 5).collect(),
            weights: ESP2013.to_vec(),
        }
    }

    /// ESP 2013 in 18 bands, 85–89 and 90+ merged into 85+ (weight 2 500).
    pub fn esp2013_18() -> Self {
        let mut weights = ESP2013[..18].to_vec();
        weights[17] += ESP2013[18];
        StandardPopulation {
            name: "esp2013_18".to_owned(),
            lower_ages: (0..18).map(|i| i * 5).collect(),
            weights,
        }
    }

    /// A built-in standard.
    pub fn of(name: StandardName) -> Self {
        match name {
            StandardName::Esp2013 => Self::esp2013(),
            StandardName::Esp2013_18 => Self::esp2013_18(),
        }
    }

    /// A built-in standard by name: `"esp2013"` (19 bands) or `"esp2013_18"` (18 bands).
    pub fn builtin(name: &str) -> Result<Self> {
        name.parse().map(Self::of)
    }

    /// A caller-given standard: strictly increasing lower ages ≥ 0 (the first need not be 0)
    /// and a finite, non-negative weight per band, with a positive total.
    pub fn custom(lower_ages: Vec<i32>, weights: Vec<f64>) -> Result<Self> {
        crate::error::check_len("weights", weights.len(), "lower_ages", lower_ages.len())?;
        if lower_ages.is_empty() {
            return Err(Error::invalid_argument(
                "standard",
                "a standard needs at least one band",
            ));
        }
        if let Some(i) = lower_ages.iter().position(|&a| a < 0) {
            return Err(Error::invalid_value(
                "lower_ages",
                i,
                f64::from(lower_ages[i]),
                "lower ages must be >= 0 (years)",
            ));
        }
        if let Some(i) = lower_ages.windows(2).position(|w| w[1] <= w[0]) {
            return Err(Error::invalid_value(
                "lower_ages",
                i + 1,
                f64::from(lower_ages[i + 1]),
                "lower ages must be strictly increasing",
            ));
        }
        if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(Error::invalid_value(
                "weights",
                i,
                weights[i],
                "weights must be finite and >= 0",
            ));
        }
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err(Error::invalid_argument(
                "weights",
                "the weights must have a positive total",
            ));
        }
        Ok(StandardPopulation {
            name: "custom".to_owned(),
            lower_ages,
            weights,
        })
    }

    /// The standard's name (`esp2013`, `esp2013_18` or `custom`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The built-in standard this is, if it is one.
    pub fn builtin_name(&self) -> Option<StandardName> {
        self.name.parse().ok()
    }

    /// Weights, one per band.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Lower ages, one per band.
    pub fn lower_ages(&self) -> &[i32] {
        &self.lower_ages
    }

    /// Number of bands.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Always false: a standard has at least one band.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The label of band `i`, in PHE's style: `"0-4"`, …, `"90+"`.
    pub fn label(&self, i: usize) -> String {
        match self.lower_ages.get(i + 1) {
            Some(next) => format!("{}-{}", self.lower_ages[i], next - 1),
            None => format!("{}+", self.lower_ages[i]),
        }
    }

    /// The band whose lower age is `age`.
    pub fn band_of_lower_age(&self, age: i64) -> Option<usize> {
        self.lower_ages.iter().position(|&a| i64::from(a) == age)
    }

    /// The band a label names: `"5-9"` (also `"5 - 9"`, `"5–9"`, `"05-09"`, `"5 to 9"`),
    /// `"90+"` (the last band only) or a bare lower age `"5"`. The upper age, when given, must
    /// agree with the standard's band.
    pub fn band_of_label(&self, label: &str) -> Option<usize> {
        let s = label.trim();
        if let Some(open) = s.strip_suffix('+') {
            let lower: i64 = open.trim().parse().ok()?;
            let band = self.band_of_lower_age(lower)?;
            return (band + 1 == self.len()).then_some(band);
        }
        let (lo, hi) = match s.split_once(['-', '–']).or_else(|| s.split_once(" to ")) {
            Some((lo, hi)) => (lo.trim(), Some(hi.trim())),
            None => (s, None),
        };
        let band = self.band_of_lower_age(lo.parse().ok()?)?;
        match hi {
            None => Some(band),
            Some(hi) => {
                let hi: i64 = hi.parse().ok()?;
                let expected = i64::from(*self.lower_ages.get(band + 1)?) - 1;
                (hi == expected).then_some(band)
            }
        }
    }
}

impl Default for StandardPopulation {
    /// ESP 2013 in 19 bands.
    fn default() -> Self {
        Self::of(StandardName::default())
    }
}

/// The serialised forms: a built-in standard's name, or a caller's bands and weights.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StandardForm {
    Builtin(String),
    Custom {
        lower_ages: Vec<i32>,
        weights: Vec<f64>,
    },
}

impl Serialize for StandardPopulation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.builtin_name() {
            Some(name) => StandardForm::Builtin(name.as_str().to_owned()),
            None => StandardForm::Custom {
                lower_ages: self.lower_ages.clone(),
                weights: self.weights.clone(),
            },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StandardPopulation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match StandardForm::deserialize(d)? {
            StandardForm::Builtin(name) => Self::builtin(&name).map_err(crate::options::de_error),
            StandardForm::Custom {
                lower_ages,
                weights,
            } => Self::custom(lower_ages, weights).map_err(crate::options::de_error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esp2013_weights_sum_to_100000() {
        assert_eq!(
            StandardPopulation::esp2013().weights().iter().sum::<f64>(),
            100_000.0
        );
        assert_eq!(
            StandardPopulation::esp2013_18()
                .weights()
                .iter()
                .sum::<f64>(),
            100_000.0
        );
        assert_eq!(StandardPopulation::esp2013_18().weights()[17], 2500.0);
    }

    #[test]
    fn labels_match_bands() {
        let s = StandardPopulation::esp2013();
        assert_eq!(s.band_of_label("0-4"), Some(0));
        assert_eq!(s.band_of_label(" 05 - 09 "), Some(1));
        assert_eq!(s.band_of_label("90+"), Some(18));
        assert_eq!(s.band_of_label("85-89"), Some(17));
        assert_eq!(
            s.band_of_label("85+"),
            None,
            "85+ is not a band of the 19-band ESP"
        );
        assert_eq!(s.band_of_label("55-69"), None, "upper age must agree");
        assert_eq!(s.band_of_label("90"), Some(18));
        assert_eq!(s.band_of_label("abc"), None);
        let s18 = StandardPopulation::esp2013_18();
        assert_eq!(s18.band_of_label("85+"), Some(17));
        assert_eq!(s18.band_of_label("90+"), None);
        assert_eq!(s.label(0), "0-4");
        assert_eq!(s.label(18), "90+");
    }

    #[test]
    fn standards_serialise_as_a_name_or_their_bands() {
        let s = StandardPopulation::esp2013_18();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"esp2013_18\"");
        let c = StandardPopulation::custom(vec![0, 5], vec![1.0, 3.0]).unwrap();
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(j, r#"{"lower_ages":[0,5],"weights":[1.0,3.0]}"#);
        assert_eq!(serde_json::from_str::<StandardPopulation>(&j).unwrap(), c);
        assert_eq!(
            serde_json::from_str::<StandardPopulation>("\"ESP2013\"").unwrap(),
            StandardPopulation::esp2013()
        );
        let e = serde_json::from_str::<StandardPopulation>("\"esp1976\"").unwrap_err();
        assert!(e.to_string().contains("unknown standard population"), "{e}");
    }

    #[test]
    fn custom_standard_rules() {
        assert!(StandardPopulation::custom(vec![0, 5], vec![1.0]).is_err());
        assert!(StandardPopulation::custom(vec![0, 0], vec![1.0, 1.0]).is_err());
        assert!(StandardPopulation::custom(vec![0, 5], vec![1.0, -1.0]).is_err());
        assert!(StandardPopulation::custom(vec![0, 5], vec![0.0, 0.0]).is_err());
        assert!(StandardPopulation::custom(vec![16, 18, 20], vec![1.0, 2.0, 3.0]).is_ok());
        // An age below 0 is no age (it was accepted).
        let e = StandardPopulation::custom(vec![-10, 50], vec![1.0, 1.0]).unwrap_err();
        assert_eq!(
            (e.argument(), e.row()),
            (Some("lower_ages"), Some(0)),
            "{e}"
        );
    }
}
