//! Making Data Count's summary icons: variation (from the latest point) and assurance (the
//! latest limits against a target).

use super::limits::Limits;
use super::options::Improvement;
use super::rules::PointType;

crate::option_enum! {
    /// The variation icon, named as NHSRplotthedots' icon files are.
    pub enum Variation: "variation", "variation icon" {
        /// Common cause variation.
        CommonCause = "common_cause",
        /// Special cause improvement, high values better.
        ImprovementHigh = "improvement_high",
        /// Special cause improvement, low values better.
        ImprovementLow = "improvement_low",
        /// Special cause concern, low values (high values better).
        ConcernLow = "concern_low",
        /// Special cause concern, high values (low values better).
        ConcernHigh = "concern_high",
        /// A high special cause, neither direction better.
        NeutralHigh = "neutral_high",
        /// A low special cause, neither direction better.
        NeutralLow = "neutral_low",
    }
}

impl Variation {
    /// The icon of a series whose latest point has type `latest`.
    pub fn of(latest: PointType, improvement: Improvement) -> Self {
        let increase = improvement == Improvement::Increase;
        match latest {
            PointType::CommonCause => Variation::CommonCause,
            PointType::NeutralHigh => Variation::NeutralHigh,
            PointType::NeutralLow => Variation::NeutralLow,
            PointType::Improvement if increase => Variation::ImprovementHigh,
            PointType::Improvement => Variation::ImprovementLow,
            PointType::Concern if increase => Variation::ConcernLow,
            PointType::Concern => Variation::ConcernHigh,
        }
    }
}

crate::option_enum! {
    /// The assurance icon: will the process meet its target?
    pub enum Assurance: "assurance", "assurance icon" {
        /// The target lies beyond the limits on the good side: the process passes every time.
        ConsistentPass = "consistent_pass",
        /// The target lies beyond the limits on the bad side: the process fails every time.
        ConsistentFail = "consistent_fail",
        /// The target lies within the limits (or on one): it is met some of the time.
        Inconsistent = "inconsistent",
    }
}

impl Assurance {
    /// The icon for `target` against `limits` (a series' latest segment). `None` when there
    /// is no target, the direction is neutral, or the segment has no limits (one point).
    pub fn of(target: Option<f64>, limits: &Limits, improvement: Improvement) -> Option<Self> {
        let target = target?;
        if improvement == Improvement::Neutral || !limits.exist() {
            return None;
        }
        let increase = improvement == Improvement::Increase;
        Some(if target > limits.upl {
            if increase {
                Assurance::ConsistentFail
            } else {
                Assurance::ConsistentPass
            }
        } else if target < limits.lpl {
            if increase {
                Assurance::ConsistentPass
            } else {
                Assurance::ConsistentFail
            }
        } else {
            Assurance::Inconsistent
        })
    }
}
