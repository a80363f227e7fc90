//! NHS Data Dictionary codes the transition metrics read: ATTENDED OR DID NOT ATTEND,
//! CONSULTATION MECHANISM, SERVICE OR TEAM TYPE, closure reasons and care plan types, and the
//! classification of a referral into a service line.

use crate::error::{Error, Result};
use crate::table::coerce::{dictionary_rows, visit_keys, Key};
use crate::table::groups::FastMap;
use crate::table::short::{self, Packer};
use arrow_array::{cast::AsArray, Array, ArrayRef};
use arrow_schema::DataType;

/// A numeric code cell that was null.
pub(crate) const NULL_CODE: u16 = u16::MAX;
/// A numeric code cell that is not a number (e.g. `"X"`).
pub(crate) const BAD_CODE: u16 = u16::MAX - 1;

/// A code given as text of digits (`"05"`, `"5"`) or as an integer, as a number, so that
/// `"01"` and `1` are the same code. Leading and trailing spaces are ignored, and a code of
/// none but spaces is not recorded ([`NULL_CODE`]), as an empty CSV field is.
fn parse_code(s: &str) -> u16 {
    let s = s.trim();
    if s.is_empty() {
        return NULL_CODE;
    }
    if s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return BAD_CODE;
    }
    s.parse().unwrap_or(BAD_CODE)
}

/// [`parse_code`] of every row of a text column (null: [`NULL_CODE`]). Texts of one or two
/// bytes (the codes as submitted: `"5"`, `"05"`) are read from a table of `parse_code` of
/// every such text, built once per process; longer texts are parsed row by row.
fn short_text_codes(a: &arrow_array::StringArray) -> Vec<u16> {
    let table = short_code_table();
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                return NULL_CODE;
            }
            let s = a.value(i);
            match *s.as_bytes() {
                [b] => table[usize::from(b)],
                [b0, b1] => table[256 + (usize::from(b0) << 8 | usize::from(b1))],
                _ => parse_code(s),
            }
        })
        .collect()
}

/// `parse_code` of every text of one byte (slot `b`) and of two bytes (slot `256 + b0·256 +
/// b1`; byte pairs that are not UTF-8 never occur in a text column and hold [`BAD_CODE`]).
fn short_code_table() -> &'static [u16] {
    static TABLE: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let one = (0..=255u8).map(|b| std::str::from_utf8(&[b]).map_or(BAD_CODE, parse_code));
        let two = (0..1usize << 16).map(|k| {
            let pair = [(k >> 8) as u8, k as u8];
            std::str::from_utf8(&pair).map_or(BAD_CODE, parse_code)
        });
        one.chain(two).collect()
    })
}

fn int_code(v: i64) -> u16 {
    if (0..i64::from(BAD_CODE)).contains(&v) {
        v as u16
    } else {
        BAD_CODE
    }
}

/// Every row of a numeric code column ([`NULL_CODE`] for null, [`BAD_CODE`] for text that is
/// not a number or an integer out of range), text or integers read by the table layer's rule
/// ([`crate::table::coerce`]). Dictionary columns are decoded once per distinct value.
pub(crate) fn numeric_codes(col: &ArrayRef, name: &str) -> Result<Vec<u16>> {
    crate::cancel::check()?;
    if let DataType::Dictionary(_, _) = col.data_type() {
        let values = numeric_codes(col.as_any_dictionary().values(), name)?;
        return Ok(dictionary_rows(col, &values, NULL_CODE));
    }
    if col.data_type() == &DataType::Utf8 {
        return Ok(short_text_codes(col.as_string::<i32>()));
    }
    let mut out = Vec::with_capacity(col.len());
    visit_keys(col, name, CODE, |_, key| {
        out.push(match key {
            Key::Null => NULL_CODE,
            Key::Int(v) => int_code(v),
            Key::Str(s) => parse_code(s),
        });
        Ok(())
    })?;
    Ok(out)
}

/// What a code column may be.
const CODE: &str = "a code (string, integer or dictionary)";

/// A text code column as a code per row into its distinct values, trimmed and upper-cased
/// (`None` for null): one string per distinct value, not per row.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextCodes {
    codes: Vec<u32>,
    values: Vec<String>,
}

impl TextCodes {
    /// The code of row `i` (`u32::MAX` for null): equal codes, equal values.
    pub(crate) fn code(&self, i: usize) -> u32 {
        self.codes[i]
    }

    /// The value of row `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let c = self.codes[i];
        (c != u32::MAX).then(|| self.values[c as usize].as_str())
    }
}

fn intern<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Result<TextCodes> {
    let mut seen: FastMap<&'a str, u32> = FastMap::default();
    let mut out = TextCodes::default();
    let mut tick = crate::cancel::Ticker::new(1 << 16);
    for v in values {
        tick.tick()?;
        let code = match v {
            None => u32::MAX,
            Some(s) => *seen.entry(s).or_insert_with(|| {
                out.values.push(s.trim().to_ascii_uppercase());
                (out.values.len() - 1) as u32
            }),
        };
        out.codes.push(code);
    }
    Ok(out)
}

/// [`intern`] of a text column whose values pack into short keys ([`Packer`]): the same
/// codes, each row hashed and compared as one integer.
fn intern_short(col: &ArrayRef, p: &Packer) -> Result<TextCodes> {
    let mut seen: FastMap<u128, u32> = FastMap::default();
    let mut out = TextCodes::default();
    out.codes.reserve(col.len());
    let mut tick = crate::cancel::Ticker::new(1 << 16);
    for i in 0..col.len() {
        tick.tick()?;
        let k = p.key(i);
        let code = if k == short::NULL {
            u32::MAX
        } else {
            *seen.entry(k).or_insert_with(|| {
                let text = crate::table::display(col.as_ref(), i);
                out.values.push(text.trim().to_ascii_uppercase());
                (out.values.len() - 1) as u32
            })
        };
        out.codes.push(code);
    }
    Ok(out)
}

/// The text codes of a column (strings, dictionaries, or integers shown with two digits).
pub(crate) fn text_codes(col: &ArrayRef, name: &str) -> Result<TextCodes> {
    if let Some(p) = Packer::of(col) {
        return intern_short(col, &p);
    }
    let out = match col.data_type() {
        DataType::Null => intern(std::iter::repeat_n(None, col.len()))?,
        DataType::Utf8 => intern(col.as_string::<i32>().iter())?,
        DataType::LargeUtf8 => intern(col.as_string::<i64>().iter())?,
        DataType::Utf8View => intern(col.as_string_view().iter())?,
        DataType::Dictionary(_, _) => {
            let values = text_codes(col.as_any_dictionary().values(), name)?;
            TextCodes {
                codes: dictionary_rows(col, &values.codes, u32::MAX),
                values: values.values,
            }
        }
        t if t.is_integer() => {
            let numbers = numeric_codes(col, name)?;
            let texts: Vec<Option<String>> = numbers
                .iter()
                .map(|&c| (c != NULL_CODE).then(|| format!("{c:02}")))
                .collect();
            intern(texts.iter().map(|t| t.as_deref()))?
        }
        other => {
            return Err(Error::column_type(
                name,
                CODE,
                crate::table::type_name(other),
            ))
        }
    };
    Ok(out)
}

/// Which service a referral belongs to. Crisis teams are adult services whose contacts are not
/// engagement (`docs/methods/transition.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceLine {
    /// Children and young people's mental health services (CYPMHS).
    Cyp,
    /// Adult (and older adult) mental health services, crisis teams apart.
    Adult,
    /// An adult crisis team ([`CRISIS_TEAM_TYPES`]): its contacts are not engagement.
    AdultCrisis,
    /// Not classified by any rule (the referral is excluded and counted).
    Unknown,
}

impl ServiceLine {
    /// The name in results: `cyp`, `adult`, `adult_crisis` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLine::Cyp => "cyp",
            ServiceLine::Adult => "adult",
            ServiceLine::AdultCrisis => "adult_crisis",
            ServiceLine::Unknown => "unknown",
        }
    }
}

/// Which rule of the classification decided a referral's service line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineRule {
    /// The `service_line` column said `cyp` or `adult`.
    Explicit,
    /// `team_age_group` said `cyp` or `adult`.
    TeamAgeGroup,
    /// `team_age_group` said `all_age`: decided by the person's age on the received date.
    AllAgeByAge,
    /// Team type C01–C99 (CYPMHS).
    TeamTypeCyp,
    /// Team type A01–A99 (adult and older adult mental health).
    TeamTypeAdult,
    /// Nothing classified it.
    Unclassified,
}

impl LineRule {
    /// The name in the service-line audit: `service_line`, `team_age_group`,
    /// `all_age_team_by_age`, `team_type_cyp`, `team_type_adult` or `unclassified`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineRule::Explicit => "service_line",
            LineRule::TeamAgeGroup => "team_age_group",
            LineRule::AllAgeByAge => "all_age_team_by_age",
            LineRule::TeamTypeCyp => "team_type_cyp",
            LineRule::TeamTypeAdult => "team_type_adult",
            LineRule::Unclassified => "unclassified",
        }
    }
}

/// The crisis team types of `docs/methods/transition.md`: A02, A11 and A19–A25.
pub const CRISIS_TEAM_TYPES: [&str; 9] = [
    "A02", "A11", "A19", "A20", "A21", "A22", "A23", "A24", "A25",
];

/// The service line of one referral, first rule that decides: the explicit `service_line`
/// (`cyp` / `adult`, any case; `unknown` or null falls through), then `team_age_group`
/// (`cyp`/`children` / `adult`/`adults`; `all_age`/`all` decided by whether the person was
/// under `boundary_age` on the received date), then the team type's letter (C = CYPMHS, A =
/// adult). Other team types (forensic B, learning disability E, other Z, ...) are unclassified.
/// An adult referral to a crisis team type becomes [`ServiceLine::AdultCrisis`] whichever rule
/// decided it.
pub(crate) fn classify(
    explicit: Option<&str>,
    age_group: Option<&str>,
    team_type: Option<&str>,
    under_boundary: bool,
    crisis: &[String],
) -> Result<(ServiceLine, LineRule), String> {
    let norm = |s: &str| s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    let mut decided = None;
    if let Some(s) = explicit {
        match norm(s).as_str() {
            "cyp" | "cypmhs" => decided = Some((ServiceLine::Cyp, LineRule::Explicit)),
            "adult" | "amhs" => decided = Some((ServiceLine::Adult, LineRule::Explicit)),
            "unknown" | "" => {}
            other => {
                return Err(format!(
                    "service_line `{other}` is not cyp, adult or unknown"
                ))
            }
        }
    }
    if decided.is_none() {
        if let Some(s) = age_group {
            decided = match norm(s).as_str() {
                "cyp" | "children" | "child" => Some((ServiceLine::Cyp, LineRule::TeamAgeGroup)),
                "adult" | "adults" => Some((ServiceLine::Adult, LineRule::TeamAgeGroup)),
                "all_age" | "all" | "allage" => Some((
                    if under_boundary {
                        ServiceLine::Cyp
                    } else {
                        ServiceLine::Adult
                    },
                    LineRule::AllAgeByAge,
                )),
                _ => None,
            };
        }
    }
    if decided.is_none() {
        decided = match team_type.map(|t| t.as_bytes().first().copied()) {
            Some(Some(b'C')) => Some((ServiceLine::Cyp, LineRule::TeamTypeCyp)),
            Some(Some(b'A')) => Some((ServiceLine::Adult, LineRule::TeamTypeAdult)),
            _ => None,
        };
    }
    let (line, rule) = decided.unwrap_or((ServiceLine::Unknown, LineRule::Unclassified));
    let is_crisis =
        team_type.is_some_and(|t| crisis.iter().any(|c| c.trim().eq_ignore_ascii_case(t)));
    Ok(if line == ServiceLine::Adult && is_crisis {
        (ServiceLine::AdultCrisis, rule)
    } else {
        (line, rule)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{types::Int32Type, DictionaryArray, Int32Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn short_texts_read_from_the_table_as_parsed() {
        // One- and two-byte texts (from the table), longer ones (parsed per row), repeats, nulls;
        // an empty text or one of spaces is not recorded, as a null.
        let texts = [
            "5", "05", " 5", "5 ", "X", "", "12", "123", " 7 ", "0005", "5", "05", "X", "  ",
        ];
        let col: Vec<Option<&str>> = texts.iter().map(|&t| Some(t)).chain([None]).collect();
        let a: ArrayRef = Arc::new(StringArray::from(col));
        let want = [
            5, 5, 5, 5, BAD_CODE, NULL_CODE, 12, 123, 7, 5, 5, 5, BAD_CODE, NULL_CODE, NULL_CODE,
        ];
        assert_eq!(numeric_codes(&a, "attendance").unwrap(), want);
        // Every one- and two-byte ASCII text, and a few of other UTF-8: the table's slot for
        // each is `parse_code` of that text.
        let mut all: Vec<String> = (0..128u8).map(|b| char::from(b).to_string()).collect();
        for b0 in 0..128u8 {
            for b1 in 0..128u8 {
                all.push([char::from(b0), char::from(b1)].iter().collect());
            }
        }
        all.extend(["é", "\u{85}", "٣"].map(String::from));
        let a: ArrayRef = Arc::new(StringArray::from(all.clone()));
        let want: Vec<u16> = all.iter().map(|t| parse_code(t)).collect();
        assert_eq!(numeric_codes(&a, "attendance").unwrap(), want);
    }

    #[test]
    fn codes_as_text_or_integers_agree() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            Some("05"),
            Some(" 6"),
            None,
            Some("X"),
            Some("11"),
        ]));
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![
            Some(5),
            Some(6),
            None,
            Some(-1),
            Some(11),
        ]));
        let expected = vec![5, 6, NULL_CODE, BAD_CODE, 11];
        assert_eq!(numeric_codes(&text, "attendance").unwrap(), expected);
        assert_eq!(numeric_codes(&ints, "attendance").unwrap(), expected);
        let dict: DictionaryArray<Int32Type> = vec![Some("5"), None, Some("02"), Some("5")]
            .into_iter()
            .collect();
        let dict: ArrayRef = Arc::new(dict);
        assert_eq!(
            numeric_codes(&dict, "attendance").unwrap(),
            vec![5, NULL_CODE, 2, 5]
        );
        let teams: ArrayRef = Arc::new(StringArray::from(vec![Some("a02 "), None, Some("a02 ")]));
        let t = text_codes(&teams, "team_type").unwrap();
        assert_eq!(
            (t.get(0), t.get(1), t.get(2)),
            (Some("A02"), None, Some("A02"))
        );
        assert_eq!(t.values.len(), 1);
        // Short texts (packed keys) code as `intern` does, row by row: first appearance,
        // "a02" and "a02 " two raw texts of one value; the same with a long text in the column.
        let raw = vec![
            Some("a02 "),
            None,
            Some("C1"),
            Some("a02"),
            Some(" c1"),
            Some("C1"),
        ];
        let mut long = raw.clone();
        long.push(Some("a team type longer than fifteen bytes"));
        for texts in [raw, long] {
            let col: ArrayRef = Arc::new(StringArray::from(texts.clone()));
            let got = text_codes(&col, "team_type").unwrap();
            let want = intern(texts.iter().copied()).unwrap();
            assert_eq!((&got.codes, &got.values), (&want.codes, &want.values));
        }
        let view: ArrayRef = Arc::new(arrow_array::StringViewArray::from(vec![
            Some("x"),
            None,
            Some("x"),
        ]));
        assert_eq!(text_codes(&view, "t").unwrap().codes, [0, u32::MAX, 0]);
    }

    #[test]
    fn classification_takes_the_first_rule_that_decides() {
        let crisis: Vec<String> = CRISIS_TEAM_TYPES.iter().map(|s| s.to_string()).collect();
        let c = |e, g, t, u| classify(e, g, t, u, &crisis).unwrap();
        assert_eq!(
            c(Some("CYP"), None, Some("A03"), false),
            (ServiceLine::Cyp, LineRule::Explicit)
        );
        assert_eq!(
            c(Some("unknown"), Some("adults"), None, true),
            (ServiceLine::Adult, LineRule::TeamAgeGroup)
        );
        assert_eq!(
            c(None, Some("all-age"), Some("C03"), true),
            (ServiceLine::Cyp, LineRule::AllAgeByAge)
        );
        assert_eq!(
            c(None, None, Some("C03"), false),
            (ServiceLine::Cyp, LineRule::TeamTypeCyp)
        );
        assert_eq!(
            c(None, None, Some("A02"), false),
            (ServiceLine::AdultCrisis, LineRule::TeamTypeAdult)
        );
        assert_eq!(
            c(Some("adult"), None, Some("A21"), false),
            (ServiceLine::AdultCrisis, LineRule::Explicit)
        );
        assert_eq!(
            c(None, None, Some("E01"), false),
            (ServiceLine::Unknown, LineRule::Unclassified)
        );
        assert_eq!(
            c(None, None, None, false),
            (ServiceLine::Unknown, LineRule::Unclassified)
        );
        assert!(classify(Some("teen"), None, None, false, &crisis).is_err());
    }
}
