//! Distance bands: half-open intervals [lower, upper) in km between increasing edges.

use crate::error::{format_value, Error, Result};
use serde::{Deserialize, Serialize};

crate::option_enum! {
    /// The built-in distance bands, by name.
    #[derive(Default)]
    pub enum BandPreset: "bands", "band preset" {
        /// The OAP publication's <25, 25–<50, 50–<100, 100–<200, 200–<300 and ≥300 km (the
        /// default).
        #[default]
        Oap = "oap",
        /// MHSDS monthly statistics' 0–19, 20–49, 50–99 and 100+ km.
        MhsdsMonthly = "mhsds_monthly",
    }
}

/// Distance bands given by their inner edges in km: edges `[25, 50]` make the bands
/// [0, 25), [25, 50) and [50, ∞). A distance exactly on an edge belongs to the band above it,
/// as in the OAP publication ("25 to less than 50 km").
///
/// Serialised as the preset's name (`"oap"`) or, for the caller's own, the list of edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    name: String,
    edges: Vec<f64>,
}

impl Bands {
    /// The OAP publication's bands: <25, 25–<50, 50–<100, 100–<200, 200–<300 and ≥300 km.
    pub fn oap() -> Self {
        Bands {
            name: "oap".to_owned(),
            edges: vec![25.0, 50.0, 100.0, 200.0, 300.0],
        }
    }

    /// MHSDS monthly statistics' bands of whole km, 0–19, 20–49, 50–99 and 100+, as [0, 20),
    /// [20, 50), [50, 100) and [100, ∞): a fractional distance such as 19.6 km falls in
    /// 0–19. MHSDS bands its distances after rounding to whole km, so to reproduce it exactly
    /// pass rounded distances (`bng` with `round_km`), where 19.6 becomes 20.
    pub fn mhsds_monthly() -> Self {
        Bands {
            name: "mhsds_monthly".to_owned(),
            edges: vec![20.0, 50.0, 100.0],
        }
    }

    /// A preset.
    pub fn preset(preset: BandPreset) -> Self {
        match preset {
            BandPreset::Oap => Bands::oap(),
            BandPreset::MhsdsMonthly => Bands::mhsds_monthly(),
        }
    }

    /// A preset by name: `"oap"` or `"mhsds_monthly"`.
    pub fn builtin(name: &str) -> Result<Self> {
        name.parse().map(Self::preset)
    }

    /// The caller's inner edges in km: at least one, finite, > 0 and strictly increasing.
    pub fn custom(edges: Vec<f64>) -> Result<Self> {
        if edges.is_empty() {
            return Err(Error::invalid_argument(
                "bands",
                "give at least one edge (one edge makes two bands)",
            ));
        }
        for (i, &e) in edges.iter().enumerate() {
            if !(e.is_finite() && e > 0.0) {
                return Err(Error::invalid_value(
                    "bands",
                    i,
                    e,
                    "band edges must be finite and > 0 km",
                ));
            }
            if i > 0 && e <= edges[i - 1] {
                return Err(Error::invalid_value(
                    "bands",
                    i,
                    e,
                    &format!(
                        "band edges must be strictly increasing (the previous edge is {})",
                        format_value(edges[i - 1])
                    ),
                ));
            }
        }
        Ok(Bands {
            name: "custom".to_owned(),
            edges,
        })
    }

    /// `"oap"`, `"mhsds_monthly"` or `"custom"`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The preset these bands are, if they are one.
    pub fn preset_name(&self) -> Option<BandPreset> {
        self.name.parse().ok()
    }

    /// The inner edges in km.
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Number of bands (one more than the edges).
    pub fn len(&self) -> usize {
        self.edges.len() + 1
    }

    /// Never true: there are always at least two bands.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The band of a distance in km: the number of edges at or below it.
    #[inline]
    pub fn band_of(&self, km: f64) -> usize {
        self.edges.partition_point(|&edge| edge <= km)
    }

    /// Result column names: `band_lt_25`, `band_25_50`, …, `band_ge_300` (a fractional edge
    /// such as 12.5 is written `12p5`).
    pub fn column_names(&self) -> Vec<String> {
        let edge = |e: f64| format!("{e}").replace('.', "p");
        let last = self.edges.len() - 1;
        let mut names = vec![format!("band_lt_{}", edge(self.edges[0]))];
        names.extend(
            self.edges
                .windows(2)
                .map(|w| format!("band_{}_{}", edge(w[0]), edge(w[1]))),
        );
        names.push(format!("band_ge_{}", edge(self.edges[last])));
        names
    }
}

impl Default for Bands {
    /// The OAP publication's bands.
    fn default() -> Self {
        Bands::preset(BandPreset::default())
    }
}

/// The serialised forms: a preset's name, or the caller's edges.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum BandsForm {
    Preset(String),
    Edges(Vec<f64>),
}

impl Serialize for Bands {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.preset_name() {
            Some(p) => BandsForm::Preset(p.as_str().to_owned()),
            None => BandsForm::Edges(self.edges.clone()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Bands {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match BandsForm::deserialize(d)? {
            BandsForm::Preset(name) => Bands::builtin(&name),
            BandsForm::Edges(edges) => Bands::custom(edges),
        }
        .map_err(crate::options::de_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_serialise_as_a_preset_name_or_edges() {
        assert_eq!(serde_json::to_string(&Bands::oap()).unwrap(), "\"oap\"");
        let c = Bands::custom(vec![10.0, 20.5]).unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "[10.0,20.5]");
        assert_eq!(serde_json::from_str::<Bands>("[10.0,20.5]").unwrap(), c);
        assert_eq!(
            serde_json::from_str::<Bands>("\"mhsds_monthly\"").unwrap(),
            Bands::mhsds_monthly()
        );
        assert!(serde_json::from_str::<Bands>("[0.0]").is_err());
    }
}
