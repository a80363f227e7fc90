//! NHS Data Dictionary codes: out-of-area reasons and bed types, and the overlap rule.

use serde::{Deserialize, Serialize};

/// Bed types in scope by default: adult acute, older adult acute, adult PICU (MHSDS codes 10,
/// 11, 12 before April 2024; 200, 201, 202 after).
pub const DEFAULT_BED_TYPES: [&str; 6] = ["10", "11", "12", "200", "201", "202"];

/// What an out-of-area reason code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonClass {
    /// Unavailability of a local bed (code 10): the placement is inappropriate.
    Inappropriate,
    /// Safeguarding, offending restrictions, staff, patient choice, away from home, not known.
    Appropriate,
    /// A code in neither list (or null): counted under `unknown` and reported.
    Unknown,
}

/// Which reason codes are inappropriate and which appropriate; anything else is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReasonMap {
    /// Codes of inappropriate placements (default 10).
    pub inappropriate: Vec<String>,
    /// Codes of appropriate placements (default 11–15 and 99).
    pub appropriate: Vec<String>,
}

impl Default for ReasonMap {
    /// 10 = unavailability of a local bed (inappropriate); 11 safeguarding, 12 offending
    /// restrictions, 13 staff member or family or friend of staff, 14 patient choice, 15
    /// admitted while away from home, 99 not known (appropriate or unknown).
    fn default() -> Self {
        ReasonMap {
            inappropriate: vec!["10".into()],
            appropriate: ["11", "12", "13", "14", "15", "99"]
                .map(String::from)
                .to_vec(),
        }
    }
}

impl ReasonMap {
    /// The class of a code as text (`None` for null).
    pub fn classify(&self, code: Option<&str>) -> ReasonClass {
        let listed = |list: &[String], c: &str| list.iter().any(|x| code_key(x) == c);
        match code.map(code_key) {
            Some(c) if listed(&self.inappropriate, c) => ReasonClass::Inappropriate,
            Some(c) if listed(&self.appropriate, c) => ReasonClass::Appropriate,
            _ => ReasonClass::Unknown,
        }
    }
}

/// A code as compared: trimmed, and a code of digits without its leading zeros, so `010`
/// written in a text column is the bed type 10 that an integer column (or pandas, reading
/// the same CSV) gives.
pub(crate) fn code_key(code: &str) -> &str {
    let c = code.trim();
    if c.len() > 1 && c.bytes().all(|b| b.is_ascii_digit()) {
        let digits = c.trim_start_matches('0');
        if digits.is_empty() {
            &c[c.len() - 1..]
        } else {
            digits
        }
    } else {
        c
    }
}

crate::option_enum! {
    /// What to do when one person's placements overlap in time.
    #[derive(Default)]
    pub enum OverlapRule: "overlap", "overlap rule" {
        /// Count each placement as recorded; report overlaps in the diagnostics (default).
        #[default]
        Count = "count",
        /// NHS production rule: the earlier placement ends where the later one starts.
        Truncate = "truncate",
    }
}
