//! The primary rules (NHS England's MHSDS and HES practice, or the caller's own) and the
//! option enums of [`super::disclose`], each with one name table.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The small-number rule applied to every sub-national count.
///
/// | rule | sub-national count `c` |
/// |---|---|
/// | `nhs_mhsds` (default) | `c < 5` (0 included) suppressed; else `5·floor(c/5 + 0.5)` |
/// | `nhs_hes` | `0` stays 0; `1 ≤ c ≤ 7` suppressed; else `5·floor(c/5 + 0.5)` |
/// | `none` | unchanged |
/// | `custom(k, suppress_zero, base, national_exempt = true)` | `c < k` (and `c > 0` unless `suppress_zero`) suppressed; else `base·floor(c/base + 0.5)` |
///
/// National rows are never changed, except under a custom rule with `national_exempt =
/// false`, which controls them like the others. Names: `"nhs_mhsds"`, `"nhs_hes"`, `"none"`,
/// `"custom(k=5, suppress_zero=false, base=1, national_exempt=true)"` (serde: the name, or
/// `{"k": 5, "suppress_zero": false, "base": 1, "national_exempt": true}` for a custom rule;
/// every parameter but `k` optional, with these defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "RuleRepr")]
pub enum Rule {
    /// NHS England's MHSDS publications: counts below 5 suppressed, others rounded to 5.
    #[default]
    NhsMhsds,
    /// NHS Digital's HES/ECDS rule since 2018: 1–7 suppressed, others rounded to 5;
    /// confidence limits are not rounded (suppressed with their count).
    NhsHes,
    /// No control (for tables that are not of patients).
    None,
    /// The caller's own threshold `k`, zeros suppressed or not, rounding base (1: none).
    Custom {
        /// Counts below this are suppressed.
        k: u64,
        /// Whether a zero is suppressed too.
        suppress_zero: bool,
        /// Published counts are rounded to the nearest multiple of this (1: not rounded).
        base: u64,
        /// Whether national rows are published unchanged (the default), as under the NHS
        /// rules; `false` controls them like every other row.
        national_exempt: bool,
    },
}

impl Rule {
    /// The threshold: counts below it are suppressed (0 for `none`).
    pub fn threshold(self) -> u64 {
        match self {
            Rule::NhsMhsds => 5,
            Rule::NhsHes => 8,
            Rule::None => 0,
            Rule::Custom { k, .. } => k,
        }
    }

    /// Whether a zero count is suppressed.
    pub fn suppress_zero(self) -> bool {
        match self {
            Rule::NhsMhsds => true,
            Rule::NhsHes | Rule::None => false,
            Rule::Custom { suppress_zero, .. } => suppress_zero,
        }
    }

    /// The rounding base (1: published counts are exact).
    pub fn base(self) -> u64 {
        match self {
            Rule::NhsMhsds | Rule::NhsHes => 5,
            Rule::None => 1,
            Rule::Custom { base, .. } => base,
        }
    }

    /// True when published counts are rounded to a base of 5 or more, which (NHS practice)
    /// makes secondary suppression unnecessary: `secondary = "auto"` then adds none.
    pub fn rounds(self) -> bool {
        self.base() >= 5
    }

    /// Decimals of published percentages when the caller gives none: 0 for the NHS rules
    /// (MHSDS publishes whole percentages), unrounded otherwise.
    pub fn default_decimals(self) -> Option<u32> {
        match self {
            Rule::NhsMhsds | Rule::NhsHes => Some(0),
            Rule::None | Rule::Custom { .. } => None,
        }
    }

    /// Whether national rows are published unchanged (every rule but a custom one with
    /// `national_exempt = false`).
    pub fn national_exempt(self) -> bool {
        match self {
            Rule::Custom {
                national_exempt, ..
            } => national_exempt,
            _ => true,
        }
    }

    /// True when the sub-national count `c` is suppressed.
    pub fn suppresses(self, c: u64) -> bool {
        c < self.threshold() && (c > 0 || self.suppress_zero())
    }

    /// The published value of a sub-national count: `None` when suppressed, else `c` rounded
    /// half up to the base (`base·floor(c/base + 0.5)`, in integers).
    pub fn publish(self, c: u64) -> Option<u64> {
        if self.suppresses(c) {
            return None;
        }
        Some(round_to(c, self.base()))
    }

    /// The suppressed range `[lo, hi]` (whole numbers), or `None` when nothing is suppressed.
    pub fn suppressed_range(self) -> Option<(u64, u64)> {
        let k = self.threshold();
        let lo = u64::from(!self.suppress_zero());
        // Lazily: `none` has k = 0, and `k - 1` would overflow.
        (k >= 1 && lo < k).then(|| (lo, k - 1))
    }

    /// True when the rule publishes some sub-national count as `p` (a count it does not
    /// suppress rounds to `p`): `display = "5"` would then make a suppressed cell look like
    /// one of those counts.
    pub fn publishes(self, p: u64) -> bool {
        let (lo, hi) = self.rounding_interval(p);
        if round_to(lo, self.base()) != p && round_to(hi, self.base()) != p {
            return false; // p is not a multiple of the base
        }
        match self.suppressed_range() {
            None => true,
            Some((s_lo, s_hi)) => lo < s_lo || hi > s_hi,
        }
    }

    /// The whole numbers the rule's rounding takes to `p` (whether or not `p` is a multiple
    /// of the base): base·floor(c/base + 1/2) = p  ⟺  2p − b ≤ 2c < 2p + b.
    fn rounding_interval(self, p: u64) -> (u64, u64) {
        let b = self.base().max(1);
        (
            (2 * p).saturating_sub(b).div_ceil(2),
            (2 * p + b).div_ceil(2) - 1,
        )
    }

    /// What a reader of a published sub-national value `p` knows of the count: the smallest
    /// and largest whole numbers that this rule publishes as `p` (their hull, when the rounding
    /// interval straddles the suppressed range).
    pub fn known_range(self, p: u64) -> (u64, u64) {
        let (lo, hi) = self.rounding_interval(p);
        let Some((s_lo, s_hi)) = self.suppressed_range() else {
            return (lo, hi);
        };
        // The rounding interval less the suppressed range: up to two pieces; their hull.
        let below = (s_lo > 0 && lo < s_lo).then(|| (lo, hi.min(s_lo - 1)));
        let above = (hi > s_hi).then(|| (lo.max(s_hi + 1), hi));
        match (below, above) {
            (Some((a, _)), Some((_, d))) => (a, d),
            (Some(r), None) | (None, Some(r)) => r,
            // Not a value this rule publishes: what the rounding says.
            (None, None) => (lo, hi),
        }
    }
}

/// True when `k` does not round down to a multiple of `base`: `k mod base` is 0 or at least
/// half of `base` (`round_to(k, base) >= k`).
fn keeps(k: u64, base: u64) -> bool {
    round_to(k, base) >= k
}

/// `c` rounded to the nearest multiple of `base`, halves up (in 128 bits: no count or base
/// overflows; a result beyond `u64::MAX` saturates, though checked rules never reach one).
fn round_to(c: u64, base: u64) -> u64 {
    if base <= 1 {
        return c;
    }
    let (c, base) = (u128::from(c), u128::from(base));
    u64::try_from((2 * c + base) / (2 * base) * base).unwrap_or(u64::MAX)
}

/// The largest `k` and `base` of a custom rule: 2⁵³, the largest count held exactly (counts
/// beyond it are refused where they are read).
pub const MAX_CUSTOM: u64 = 1 << 53;

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::NhsMhsds => f.write_str("nhs_mhsds"),
            Rule::NhsHes => f.write_str("nhs_hes"),
            Rule::None => f.write_str("none"),
            Rule::Custom {
                k,
                suppress_zero,
                base,
                national_exempt,
            } => {
                write!(
                    f,
                    "custom(k={k}, suppress_zero={suppress_zero}, base={base}"
                )?;
                if !national_exempt {
                    f.write_str(", national_exempt=false")?;
                }
                f.write_str(")")
            }
        }
    }
}

const RULE_NAMES: &str =
    "nhs_mhsds, nhs_hes, none, custom(k=5, suppress_zero=false, base=1, national_exempt=true)";

/// The parameters of a custom rule, as the error messages list them.
const CUSTOM_PARAMETERS: &str = "k=<whole number>, suppress_zero=<true|false>, base=<whole number>, national_exempt=<true|false>";

impl Rule {
    /// A custom rule with national rows exempt, checked: see [`Rule::custom_with`].
    pub fn custom(k: u64, suppress_zero: bool, base: u64) -> Result<Rule> {
        Rule::custom_with(k, suppress_zero, base, true)
    }

    /// A custom rule, checked: `k` ≥ 1, `base` ≥ 1, and `k` must not round down to its base.
    pub fn custom_with(
        k: u64,
        suppress_zero: bool,
        base: u64,
        national_exempt: bool,
    ) -> Result<Rule> {
        if k == 0 {
            return Err(Error::invalid_argument(
                "rule",
                "a custom rule needs k >= 1 (use the rule \"none\" for no suppression)",
            ));
        }
        if base == 0 {
            return Err(Error::invalid_argument(
                "rule",
                "a custom rule needs base >= 1 (1: no rounding)",
            ));
        }
        if k > MAX_CUSTOM || base > MAX_CUSTOM {
            return Err(Error::invalid_argument(
                "rule",
                format!(
                    "a custom rule's k and base must be at most {MAX_CUSTOM} (2^53, the largest \
                     count held exactly; got k={k}, base={base})"
                ),
            ));
        }
        // The smallest published count must not round into the suppressed range (k = 7 with
        // base 5 would publish 7 as 5, which then could only be 7).
        if !keeps(k, base) {
            // The nearest bases that fit, below and above (a base above 2k rounds k to 0, and
            // the search is bounded: k itself always fits, but may be far away).
            const LOOK: usize = 1 << 20;
            let fits: Vec<String> = [
                (1..base.min(2 * k + 1))
                    .rev()
                    .take(LOOK)
                    .find(|&b| keeps(k, b)),
                (base + 1..=k).take(LOOK).find(|&b| keeps(k, b)),
            ]
            .into_iter()
            .flatten()
            .map(|b| b.to_string())
            .collect();
            return Err(Error::invalid_argument(
                "rule",
                format!(
                    "a custom rule with k={k} and base={base} would publish a count of {k} as {}, inside the suppressed range; k must not round down: choose a base b with k mod b = 0 or 2·(k mod b) >= b (for k={k} {})",
                    round_to(k, base),
                    if fits.is_empty() {
                        format!("{k} itself fits")
                    } else {
                        format!("the nearest are {}", fits.join(" and "))
                    }
                ),
            ));
        }
        Ok(Rule::Custom {
            k,
            suppress_zero,
            base,
            national_exempt,
        })
    }

    /// This rule checked as [`Rule::custom_with`] checks a custom one (a `Rule::Custom` can be
    /// built without it); the named rules always pass.
    pub fn checked(self) -> Result<Rule> {
        match self {
            Rule::Custom {
                k,
                suppress_zero,
                base,
                national_exempt,
            } => Rule::custom_with(k, suppress_zero, base, national_exempt),
            named => Ok(named),
        }
    }

    /// The short name: `"nhs_mhsds"`, `"nhs_hes"`, `"none"` or `"custom"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NhsMhsds => "nhs_mhsds",
            Rule::NhsHes => "nhs_hes",
            Rule::None => "none",
            Rule::Custom { .. } => "custom",
        }
    }
}

impl FromStr for Rule {
    type Err = Error;

    /// `nhs_mhsds`, `nhs_hes`, `none`, or `custom(k=5, suppress_zero=false, base=1,
    /// national_exempt=true)` (any order; missing parameters take these defaults).
    fn from_str(s: &str) -> Result<Rule> {
        let s = s.trim();
        match s {
            "nhs_mhsds" => return Ok(Rule::NhsMhsds),
            "nhs_hes" => return Ok(Rule::NhsHes),
            "none" => return Ok(Rule::None),
            _ => {}
        }
        let unknown = || {
            Error::invalid_argument(
                "rule",
                format!("unknown rule \"{s}\"; expected one of {RULE_NAMES}"),
            )
        };
        let inner = s
            .strip_prefix("custom")
            .map(str::trim)
            .and_then(|r| r.strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(unknown)?;
        let (mut k, mut zero, mut base, mut exempt) = (5, false, 1, true);
        for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(unknown)?;
            let value = value.trim();
            let bad = || {
                Error::invalid_argument(
                    "rule",
                    format!("custom rule parameter `{part}`: expected {CUSTOM_PARAMETERS}"),
                )
            };
            match name.trim() {
                "k" => k = value.parse().map_err(|_| bad())?,
                "base" => base = value.parse().map_err(|_| bad())?,
                "suppress_zero" => zero = value.parse().map_err(|_| bad())?,
                "national_exempt" => exempt = value.parse().map_err(|_| bad())?,
                _ => return Err(bad()),
            }
        }
        Rule::custom_with(k, zero, base, exempt)
    }
}

/// The serde form written: a name, or the parameters of a custom rule.
#[derive(Serialize)]
#[serde(untagged)]
enum RuleRepr {
    Name(String),
    Custom(CustomRepr),
}

/// The parameters of a custom rule (`national_exempt` written only when false).
#[derive(Serialize)]
struct CustomRepr {
    k: u64,
    suppress_zero: bool,
    base: u64,
    #[serde(skip_serializing_if = "is_true")]
    national_exempt: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// The serde form read: a name, or an object of a custom rule's parameters, each checked by
/// name so that a misspelt or missing one is an error saying which.
impl TryFrom<serde_json::Value> for Rule {
    type Error = Error;

    fn try_from(v: serde_json::Value) -> Result<Rule> {
        let fields = match v {
            serde_json::Value::String(name) => return name.parse(),
            serde_json::Value::Object(fields) => fields,
            other => {
                return Err(Error::invalid_argument(
                    "rule",
                    format!("expected a rule name ({RULE_NAMES}) or an object of a custom rule's parameters, got {other}"),
                ))
            }
        };
        let (mut k, mut zero, mut base, mut exempt) = (None, false, 1, true);
        for (name, value) in &fields {
            let bad = |expected: &str| {
                Error::invalid_argument(
                    "rule",
                    format!("custom rule parameter `{name}` must be {expected}, got {value}"),
                )
            };
            let whole = || value.as_u64().ok_or_else(|| bad("a whole number"));
            let flag = || value.as_bool().ok_or_else(|| bad("true or false"));
            match name.as_str() {
                "k" => k = Some(whole()?),
                "base" => base = whole()?,
                "suppress_zero" => zero = flag()?,
                "national_exempt" => exempt = flag()?,
                _ => {
                    return Err(Error::invalid_argument(
                        "rule",
                        format!(
                            "unknown custom rule parameter `{name}`; expected {CUSTOM_PARAMETERS}"
                        ),
                    ))
                }
            }
        }
        let k = k.ok_or_else(|| {
            Error::invalid_argument(
                "rule",
                "a custom rule needs the parameter `k` (counts below it are suppressed)",
            )
        })?;
        Rule::custom_with(k, zero, base, exempt)
    }
}

impl From<Rule> for RuleRepr {
    fn from(r: Rule) -> RuleRepr {
        match r {
            Rule::Custom {
                k,
                suppress_zero,
                base,
                national_exempt,
            } => RuleRepr::Custom(CustomRepr {
                k,
                suppress_zero,
                base,
                national_exempt,
            }),
            other => RuleRepr::Name(other.as_str().to_owned()),
        }
    }
}

crate::option_enum! {
    /// Secondary suppression: what protects a suppressed cell from being recovered from the
    /// published cells and margins of its table.
    #[derive(Default)]
    pub enum Secondary: "secondary", "secondary method" {
        /// `none` when the rule rounds to a base of 5 or more (NHS practice), else `hypercube`.
        #[default]
        Auto = "auto",
        /// No secondary suppression (the audit still runs).
        None = "none",
        /// The hypercube method on one- and two-way tables with published margins.
        Hypercube = "hypercube",
    }
}

crate::option_enum! {
    /// When a derived value is suppressed because of its counts.
    #[derive(Default)]
    pub enum SuppressOn: "suppress_on", "suppress_on" {
        /// When its numerator or its denominator is suppressed (MHSDS core measures).
        #[default]
        Either = "either",
        /// When its numerator is suppressed (MHSDS's newer measures).
        Numerator = "numerator",
    }
}

crate::option_enum! {
    /// How a suppressed count reads in the published table.
    #[derive(Default)]
    pub enum Display: "display", "display" {
        /// Null in the table (shown `*`): NHS England's publications.
        #[default]
        Star = "*",
        /// The central value 5 (NHS Digital's codonPython for 1–7): only under a rule that
        /// publishes no count as 5 (`nhs_hes`; not `nhs_mhsds`, which rounds 5–7 to 5).
        Central = "5",
    }
}

impl Secondary {
    /// The method `auto` stands for under `rule`.
    pub fn resolve(self, rule: Rule) -> Secondary {
        match self {
            Secondary::Auto if rule.rounds() => Secondary::None,
            Secondary::Auto => Secondary::Hypercube,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A base or threshold beyond the counts held exactly is refused (rounding 42 with base
    /// 2^63 + 1 computed 2·42 + base in 64 bits: a panic in a debug build, and 42 published as
    /// 4611686018427387904 in a release build), quickly, and so is a `Rule::Custom` built
    /// without the checks.
    #[test]
    fn huge_custom_rules_are_refused_without_overflow() {
        for (k, base) in [
            (5, (1u64 << 63) + 1),
            (5, u64::MAX),
            (u64::MAX, 1),
            (MAX_CUSTOM + 1, 5),
        ] {
            let e = Rule::custom(k, false, base).unwrap_err();
            assert!(e.to_string().contains("at most 9007199254740992"), "{e}");
        }
        // At the bound, a base that does not fit k is explained without a long search.
        let e = Rule::custom(MAX_CUSTOM, false, MAX_CUSTOM - 1).unwrap_err();
        assert!(e.to_string().contains("would publish"), "{e}");
        assert_eq!(round_to(u64::MAX, 2), u64::MAX);
        // 42 to the nearest 5 (halves up): 40; 43: 45.
        assert_eq!((round_to(42, 5), round_to(43, 5)), (40, 45));
        let unchecked = Rule::Custom {
            k: 5,
            suppress_zero: false,
            base: 0,
            national_exempt: true,
        };
        assert!(unchecked.checked().is_err());
        assert_eq!(Rule::NhsMhsds.checked().unwrap(), Rule::NhsMhsds);
    }

    #[test]
    fn names_round_trip() {
        for r in [
            Rule::NhsMhsds,
            Rule::NhsHes,
            Rule::None,
            Rule::custom(5, false, 1).unwrap(),
            Rule::custom(10, true, 5).unwrap(),
        ] {
            assert_eq!(r.to_string().parse::<Rule>().unwrap(), r);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), r);
        }
        let r: Rule =
            serde_json::from_str(r#"{"k": 5, "suppress_zero": false, "base": 1}"#).unwrap();
        assert_eq!(r, Rule::custom(5, false, 1).unwrap());
        assert_eq!(
            "custom(base=5)".parse::<Rule>().unwrap(),
            Rule::custom(5, false, 5).unwrap()
        );
        let e = "nhs".parse::<Rule>().unwrap_err();
        assert!(e.to_string().contains("unknown rule \"nhs\""), "{e}");
        assert!("custom(k=0)".parse::<Rule>().is_err());
        assert!(Rule::custom(7, false, 5).is_err());
        assert!(Rule::custom(2, true, 10).is_err());
        for s in Secondary::ALL {
            assert_eq!(s.as_str().parse::<Secondary>().unwrap(), *s);
        }
        let e = "cube".parse::<Secondary>().unwrap_err();
        assert_eq!(e.argument(), Some("secondary"));
        assert!("cube".parse::<Secondary>().is_err());
        assert_eq!(serde_json::to_string(&Display::Central).unwrap(), "\"5\"");
    }

    #[test]
    fn the_rule_none_suppresses_nothing() {
        // Spec table: `none` leaves every count unchanged, so there is no suppressed range.
        assert_eq!(Rule::None.suppressed_range(), None);
        assert_eq!(Rule::NhsMhsds.suppressed_range(), Some((0, 4)));
        assert_eq!(Rule::NhsHes.suppressed_range(), Some((1, 7)));
        for c in [0, 1, 3, 12, 1237] {
            assert_eq!(Rule::None.publish(c), Some(c));
            assert_eq!(Rule::None.known_range(c), (c, c));
        }
    }

    #[test]
    fn custom_rules_read_every_parameter_of_the_spec_and_name_a_bad_one() {
        // Spec: custom(k, suppress_zero, base, national_exempt = true).
        let r: Rule = serde_json::from_str(r#"{"k": 5, "national_exempt": false}"#).unwrap();
        assert_eq!(r, Rule::custom_with(5, false, 1, false).unwrap());
        assert!(!r.national_exempt() && Rule::NhsMhsds.national_exempt());
        assert_eq!(
            r.to_string(),
            "custom(k=5, suppress_zero=false, base=1, national_exempt=false)"
        );
        assert_eq!(r.to_string().parse::<Rule>().unwrap(), r);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), r);
        let message = |json: &str| serde_json::from_str::<Rule>(json).unwrap_err().to_string();
        let e = message(r#"{"k": 5, "bse": 1}"#);
        assert!(e.contains("unknown custom rule parameter `bse`"), "{e}");
        let e = message(r#"{"base": 5}"#);
        assert!(e.contains("needs the parameter `k`"), "{e}");
        let e = message(r#"{"k": "5"}"#);
        assert!(e.contains("parameter `k` must be a whole number"), "{e}");
        let e = message(r#"{"k": 5, "national_exempt": 0}"#);
        assert!(e.contains("`national_exempt` must be true or false"), "{e}");
    }

    #[test]
    fn a_base_that_rounds_k_down_is_refused_with_the_rule_it_breaks() {
        // 7 = 1·5 + 2 rounds down to 5 (2 < 5/2); 7 = 1·6 + 1 to 6; 7 mod 14 = 7 = 14/2
        // rounds up to 14; 7 mod 13 = 7 >= 13/2 up to 13; 7 < 15/2 rounds down to 0.
        // The nearest bases that keep 7: 4 (7 = 4 + 3, 3 >= 2) and 7 below and above 5 or 6;
        // 14 below 15, and nothing above (every base > 14 rounds 7 down to 0).
        for (base, ok) in [(5, false), (6, false), (13, true), (14, true), (15, false)] {
            assert_eq!(Rule::custom(7, false, base).is_ok(), ok, "base {base}");
        }
        for (base, nearest) in [(5, "4 and 7"), (6, "4 and 7"), (15, "14)")] {
            let e = Rule::custom(7, false, base).unwrap_err().to_string();
            assert!(e.contains(&format!("the nearest are {nearest}")), "{e}");
            assert!(e.contains("k mod b = 0 or 2·(k mod b) >= b"), "{e}");
        }
    }

    #[test]
    fn which_rules_publish_a_count_as_5() {
        // nhs_mhsds rounds 5, 6 and 7 to 5; nhs_hes suppresses 1–7 and rounds 8 to 10.
        assert!(Rule::NhsMhsds.publishes(5));
        assert!(!Rule::NhsHes.publishes(5));
        assert!(Rule::None.publishes(5));
        let custom = |k, zero, base| Rule::custom_with(k, zero, base, true).unwrap();
        assert!(custom(5, false, 1).publishes(5)); // 5 is not below k
        assert!(!custom(6, false, 1).publishes(5)); // 5 is suppressed
        assert!(!custom(10, true, 5).publishes(5)); // 10 and more round to 10 and more
        assert!(!Rule::NhsMhsds.publishes(6)); // not a multiple of 5
        assert!(Rule::NhsMhsds.publishes(10));
    }

    #[test]
    fn known_ranges_are_the_counts_each_value_stands_for() {
        // By enumeration: every count 0..200 published as p lies in known_range(p).
        for rule in [
            Rule::NhsMhsds,
            Rule::NhsHes,
            Rule::custom(5, false, 1).unwrap(),
            Rule::custom(5, true, 10).unwrap(),
        ] {
            for p in 0..200u64 {
                let stands: Vec<u64> = (0..260).filter(|&c| rule.publish(c) == Some(p)).collect();
                if let (Some(&lo), Some(&hi)) = (stands.first(), stands.last()) {
                    assert_eq!(rule.known_range(p), (lo, hi), "{rule} p={p}");
                }
            }
        }
    }
}
