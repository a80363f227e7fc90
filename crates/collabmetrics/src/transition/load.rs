//! Reading and checking the input tables, then arranging each person's referrals and contacts
//! together, sorted by date (see `contacts::group_by_owner`).

use super::codes::{
    classify, numeric_codes, text_codes, LineRule, ServiceLine, TextCodes, NULL_CODE,
};
use super::contacts::{group_by_owner, read_contacts, Owned, RefInfo, Tally, EXCLUDED};
use super::keys::{int_keys, KeyDict, UNKNOWN};
use super::{age_on, TransitionOptions};
use crate::error::{Error, Result};
use crate::table::groups::FastMap;
use crate::table::{format_date, Categories, ColumnKind, ColumnSpec, Diagnostics, Input};
use rayon::prelude::*;
use std::borrow::Cow;

/// "No such date": an open referral's discharge, a living person's death.
pub(crate) const NEVER: i32 = i32::MAX;
/// A missing date of birth.
pub(crate) const MISSING: i32 = i32::MIN;

/// Contact flags.
pub(crate) const ATTENDED: u8 = 1;
/// Attended or did not attend (codes 2 and 4, cancellations, and invalid codes are not).
pub(crate) const SCHEDULED: u8 = 2;
pub(crate) const DNA: u8 = 4;
pub(crate) const CYP: u8 = 8;
pub(crate) const ADULT: u8 = 16;
pub(crate) const CRISIS: u8 = 32;

/// One referral kept for the metrics.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ref {
    /// The person (dense index); `UNKNOWN` for an excluded referral.
    pub person: u32,
    pub received: i32,
    /// [`NEVER`] while open.
    pub discharge: i32,
    /// Not rejected by the data end.
    pub accepted: bool,
    pub line: ServiceLine,
    /// CLOSURE REASON as a number, [`NULL_CODE`] when not given.
    pub closure: u16,
    /// Row of the referrals table.
    pub row: u32,
}

impl Owned for Ref {
    fn owner(&self) -> u32 {
        self.person
    }
    fn order(&self) -> (i32, u32) {
        (self.received, self.row)
    }
}

impl Default for Ref {
    fn default() -> Self {
        Ref {
            person: UNKNOWN,
            received: 0,
            discharge: NEVER,
            accepted: false,
            line: ServiceLine::Unknown,
            closure: NULL_CODE,
            row: 0,
        }
    }
}

/// One contact kept for the metrics: its person, and its date and flags packed in one word
/// (date + 2²³ in the top 24 bits, flags in the low 8), so a contact is 8 bytes and sorting
/// by the word sorts by date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Contact {
    pub person: u32,
    word: u32,
}

/// Offset of packed dates: dates from 2²³ days before 1970 to 2²³ after (years −21 000 to
/// 24 900) fit.
const DATE_BIAS: i32 = 1 << 23;

impl Contact {
    /// `None` when the date is outside the packable range.
    pub fn new(person: u32, date: i32, flags: u8) -> Option<Self> {
        let biased = date.checked_add(DATE_BIAS)?;
        (0..2 * DATE_BIAS).contains(&biased).then(|| Contact {
            person,
            word: ((biased as u32) << 8) | u32::from(flags),
        })
    }

    #[inline]
    pub fn date(&self) -> i32 {
        (self.word >> 8) as i32 - DATE_BIAS
    }

    #[inline]
    pub fn flags(&self) -> u8 {
        self.word as u8
    }

    /// Date and flags as one sort key.
    #[inline]
    pub fn word(&self) -> u32 {
        self.word
    }
}

/// The inputs checked and arranged by person.
pub(crate) struct Prepared {
    pub dob: Vec<i32>,
    pub dod: Vec<i32>,
    pub ref_start: Vec<usize>,
    pub refs: Vec<Ref>,
    pub con_start: Vec<usize>,
    pub contacts: Vec<Contact>,
    /// Dates of transition plans (type 14) per person, when care plans were given.
    pub plans: Option<(Vec<usize>, Vec<i32>)>,
    /// Service line and the rule that decided it, per referrals row.
    pub lines: Vec<(ServiceLine, LineRule)>,
    /// Breakdown columns of the persons table: name and categories.
    pub breakdowns: Vec<(String, Categories)>,
    pub diagnostics: Diagnostics,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.dob.len()
    }
}

/// The persons table.
pub const PERSON_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::new(
        "person_id",
        ColumnKind::Identifier,
        true,
        "unique per person",
    ),
    ColumnSpec::new(
        "date_of_birth",
        ColumnKind::Date,
        true,
        "null: the person is excluded and counted",
    ),
    ColumnSpec::new("date_of_death", ColumnKind::Date, false, "null while alive"),
];

/// The referrals table.
pub const REFERRAL_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::new(
        "referral_id",
        ColumnKind::Identifier,
        true,
        "unique per referral",
    ),
    ColumnSpec::new(
        "person_id",
        ColumnKind::Identifier,
        true,
        "the person referred",
    ),
    ColumnSpec::new("received_date", ColumnKind::Date, true, "referral received"),
    ColumnSpec::new("discharge_date", ColumnKind::Date, false, "null while open"),
    ColumnSpec::new(
        "rejection_date",
        ColumnKind::Date,
        false,
        "null unless rejected",
    ),
    ColumnSpec::new(
        "service_line",
        ColumnKind::Code,
        false,
        "cyp, adult or unknown",
    ),
    ColumnSpec::new(
        "team_age_group",
        ColumnKind::Code,
        false,
        "cyp, adult or all_age",
    ),
    ColumnSpec::new(
        "team_type",
        ColumnKind::Code,
        false,
        "MHSDS SERVICE OR TEAM TYPE (C.. CYPMHS, A.. adult)",
    ),
    ColumnSpec::new(
        "closure_reason",
        ColumnKind::Code,
        false,
        "MHSDS referral closure reason 01–09",
    ),
];

/// The optional care plans table.
pub const CARE_PLAN_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::new("person_id", ColumnKind::Identifier, true, "the person"),
    ColumnSpec::new(
        "plan_type",
        ColumnKind::Code,
        true,
        "care plan type (14 = CYP transition plan)",
    ),
    ColumnSpec::new("date", ColumnKind::Date, true, "date the plan was recorded"),
];

/// The persons table's name in diagnostics listings.
pub(crate) const PERSONS: &str = "persons";
/// The referrals table's name in diagnostics listings.
pub(crate) const REFERRALS: &str = "referrals";
/// The care plans table's name in diagnostics listings.
pub(crate) const CARE_PLANS: &str = "care_plans";

/// Why a referral was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefStatus {
    Kept,
    Excluded,
}

fn cell(input: &Input, column: &str, row: usize, value: String, rule: &str) -> Error {
    Error::InvalidCell {
        table: None,
        column: input.name(column).to_owned(),
        row,
        value,
        rule: rule.to_owned(),
    }
}

fn optional_dates(input: &Input, column: &str) -> Result<Option<Vec<Option<i32>>>> {
    input.has(column).then(|| input.dates(column)).transpose()
}

/// Reads, checks and arranges the tables; `diagnostics` (empty, listing or not) receives
/// what the rules flag.
pub(crate) fn prepare(
    tables: &super::Tables,
    opts: &TransitionOptions,
    mut diagnostics: Diagnostics,
) -> Result<Prepared> {
    let super::Tables {
        persons,
        referrals,
        contacts,
        care_plans,
    } = *tables;
    opts.validate()?;
    check_mapping(tables, opts)?;
    // An empty identifier or code is not recorded, as an empty CSV field is.
    fn empty<'a>(t: &'a Input, specs: &[ColumnSpec], name: &str) -> Result<Cow<'a, Input>> {
        t.empty_as_null(specs).map_err(|e| e.in_table(name))
    }
    let persons = &*empty(persons, PERSON_COLUMNS, "persons")?;
    let referrals = &*empty(referrals, REFERRAL_COLUMNS, "referrals")?;
    let contacts = &*empty(contacts, super::contacts::CONTACT_COLUMNS, "contacts")?;
    let care_plans = care_plans
        .map(|cp| empty(cp, CARE_PLAN_COLUMNS, "care_plans"))
        .transpose()?;
    let care_plans = care_plans.as_deref();
    let people =
        read_persons(persons, opts, &mut diagnostics).map_err(|e| e.in_table("persons"))?;
    crate::cancel::check()?;
    let refs = read_referrals(referrals, &people, opts, &mut diagnostics)
        .map_err(|e| e.in_table("referrals"))?;
    let ref_dict = KeyDict::build(
        referrals.column("referral_id")?,
        referrals.name("referral_id"),
    )
    .map_err(|e| e.in_table("referrals"))?;
    let keys = int_keys(
        referrals.column("person_id")?,
        referrals.name("person_id"),
        0,
    )
    .map_err(|e| e.in_table("referrals"))?;
    let ref_info: Vec<RefInfo> = (0..refs.person.len())
        .map(|r| RefInfo {
            person: refs.person[r],
            flags: if refs.status[r] != RefStatus::Kept {
                EXCLUDED
            } else {
                match refs.kept[r].line {
                    ServiceLine::Cyp => CYP,
                    ServiceLine::Adult => ADULT,
                    ServiceLine::AdultCrisis => CRISIS,
                    ServiceLine::Unknown => EXCLUDED,
                }
            },
            key: keys.as_ref().map_or(0, |k| k[r]),
        })
        .collect();
    crate::cancel::check()?;
    let (con_start, contacts) = read_contacts(
        contacts,
        &ref_dict,
        &ref_info,
        keys.is_some(),
        &people,
        opts,
        &mut diagnostics,
    )
    .map_err(|e| e.in_table("contacts"))?;
    drop(ref_info);
    let plans = care_plans
        .map(|cp| read_plans(cp, &people, &mut diagnostics).map_err(|e| e.in_table("care_plans")))
        .transpose()?;
    crate::cancel::check()?;
    let breakdowns = breakdowns(persons, opts).map_err(|e| e.in_table("persons"))?;
    let n = people.dob.len();
    let (ref_start, kept) = group_by_owner(n, refs.kept)?;
    Ok(Prepared {
        dob: people.dob,
        dod: people.dod,
        ref_start,
        refs: kept,
        con_start,
        contacts,
        plans,
        lines: refs.lines,
        breakdowns,
        diagnostics,
    })
}

pub(crate) struct People<'a> {
    pub dict: KeyDict<'a>,
    /// The `person_id` column the dictionary was built from (row = person index).
    pub ids: &'a arrow_array::ArrayRef,
    pub dob: Vec<i32>,
    pub dod: Vec<i32>,
    /// Birth and death together: one memory access where both are needed by row.
    pub life: Vec<(i32, i32)>,
}

fn read_persons<'a>(
    p: &'a Input,
    _opts: &TransitionOptions,
    diag: &mut Diagnostics,
) -> Result<People<'a>> {
    p.check(PERSON_COLUMNS)?;
    let ids = p.column("person_id")?;
    let dict = KeyDict::build(ids, p.name("person_id"))?;
    let births = p.dates("date_of_birth")?;
    let deaths = optional_dates(p, "date_of_death")?;
    let mut dob = Vec::with_capacity(births.len());
    let mut dod = vec![NEVER; births.len()];
    for (i, b) in births.iter().enumerate() {
        match b {
            Some(b) => dob.push(*b),
            None => {
                diag.flag(
                    PERSONS,
                    "missing_date_of_birth",
                    "person and their records excluded",
                    i,
                );
                dob.push(MISSING);
            }
        }
        if let Some(Some(d)) = deaths.as_ref().map(|v| v[i]) {
            if let Some(b) = b {
                if d < *b {
                    return Err(cell(
                        p,
                        "date_of_death",
                        i,
                        format_date(d),
                        "death is before birth",
                    ));
                }
            }
            dod[i] = d;
        }
    }
    let life = dob.iter().copied().zip(dod.iter().copied()).collect();
    Ok(People {
        dict,
        ids,
        dob,
        dod,
        life,
    })
}

struct Referrals {
    person: Vec<u32>,
    status: Vec<RefStatus>,
    /// Every row's referral (excluded rows too; `status` says which are kept).
    kept: Vec<Ref>,
    lines: Vec<(ServiceLine, LineRule)>,
}

fn read_referrals(
    r: &Input,
    people: &People,
    opts: &TransitionOptions,
    diag: &mut Diagnostics,
) -> Result<Referrals> {
    r.check(REFERRAL_COLUMNS)?;
    let text = |c: &str| -> Result<Option<TextCodes>> {
        r.has(c)
            .then(|| text_codes(r.column(c)?, r.name(c)))
            .transpose()
    };
    // The columns are independent: decoded side by side.
    let ((person, received), ((discharge, rejection), (texts, closure))) = crate::cancel::join(
        || {
            crate::cancel::join(
                || {
                    people.dict.lookup(
                        r.column("person_id")?,
                        r.name("person_id"),
                        "persons.person_id",
                    )
                },
                || r.required_dates("received_date"),
            )
        },
        || {
            crate::cancel::join(
                || {
                    crate::cancel::join(
                        || optional_dates(r, "discharge_date"),
                        || optional_dates(r, "rejection_date"),
                    )
                },
                || {
                    crate::cancel::join(
                        || -> Result<[Option<TextCodes>; 3]> {
                            let (line, (age, team)) = crate::cancel::join(
                                || text("service_line"),
                                || {
                                    crate::cancel::join(
                                        || text("team_age_group"),
                                        || text("team_type"),
                                    )
                                },
                            );
                            Ok([line?, age?, team?])
                        },
                        || {
                            r.has("closure_reason")
                                .then(|| {
                                    numeric_codes(
                                        r.column("closure_reason")?,
                                        r.name("closure_reason"),
                                    )
                                })
                                .transpose()
                        },
                    )
                },
            )
        },
    );
    let (person, received) = (person?, received?);
    let (discharge, rejection, closure) = (discharge?, rejection?, closure?);
    let [explicit, age_group, team] = texts?;
    // Each referral's person's birth and death, gathered in a tight loop (the processor
    // overlaps the cache misses) rather than one by one in the row checks.
    let life: Vec<(i32, i32)> = person
        .iter()
        .map(|&p| {
            people
                .life
                .get(p as usize)
                .copied()
                .unwrap_or((MISSING, NEVER))
        })
        .collect();
    let n = received.len();
    let cols = RefColumns {
        r,
        person: &person,
        life: &life,
        received: &received,
        discharge: &discharge,
        rejection: &rejection,
        explicit: &explicit,
        age_group: &age_group,
        team: &team,
        closure: &closure,
    };
    // Rows in parallel chunks; the first failing chunk holds the first bad row.
    let token = crate::cancel::current();
    let listing = diag.is_listing();
    let chunks: Vec<Result<RefChunk>> = (0..n.div_ceil(REF_CHUNK))
        .into_par_iter()
        .map(|k| {
            crate::cancel::check_carried(token.as_ref())?;
            let mut out = RefChunk {
                tallies: std::array::from_fn(|_| Tally::new(listing)),
                ..RefChunk::default()
            };
            let mut memo = FastMap::default();
            for i in k * REF_CHUNK..n.min((k + 1) * REF_CHUNK) {
                referral_row(&cols, i, opts, &mut memo, &mut out)?;
            }
            Ok(out)
        })
        .collect();
    let mut tallies: [Tally; 9] = std::array::from_fn(|_| Tally::new(listing));
    let mut out = Referrals {
        person,
        status: Vec::with_capacity(n),
        kept: Vec::with_capacity(n),
        lines: Vec::with_capacity(n),
    };
    for chunk in chunks {
        let chunk = chunk?;
        out.status.extend(chunk.status);
        out.kept.extend(chunk.kept);
        out.lines.extend(chunk.lines);
        for (t, c) in tallies.iter_mut().zip(&chunk.tallies) {
            t.merge(c);
        }
    }
    for (t, (reason, action)) in tallies.iter().zip(REFERRAL_REASONS) {
        t.report(diag, REFERRALS, reason, action);
    }
    Ok(out)
}

const REF_CHUNK: usize = 1 << 16;

/// The referrals' columns, read once.
struct RefColumns<'a> {
    r: &'a Input,
    person: &'a [u32],
    life: &'a [(i32, i32)],
    received: &'a [i32],
    discharge: &'a Option<Vec<Option<i32>>>,
    rejection: &'a Option<Vec<Option<i32>>>,
    explicit: &'a Option<TextCodes>,
    age_group: &'a Option<TextCodes>,
    team: &'a Option<TextCodes>,
    closure: &'a Option<Vec<u16>>,
}

/// One chunk of referral rows.
#[derive(Default)]
struct RefChunk {
    status: Vec<RefStatus>,
    kept: Vec<Ref>,
    lines: Vec<(ServiceLine, LineRule)>,
    tallies: [Tally; 9],
}

type Lines = [(ServiceLine, LineRule); 2];

/// Checks, classifies and keeps (or counts) referral row `i`.
fn referral_row(
    c: &RefColumns,
    i: usize,
    opts: &TransitionOptions,
    memo: &mut FastMap<(u32, u32, u32), Result<Lines, String>>,
    out: &mut RefChunk,
) -> Result<()> {
    let r = c.r;
    let got = |v: &Option<Vec<Option<i32>>>| v.as_ref().and_then(|v| v[i]);
    let (rec, dis, rej) = (c.received[i], got(c.discharge), got(c.rejection));
    if let Some(d) = dis.filter(|&d| d < rec) {
        let rule = "discharge is before the referral was received";
        return Err(cell(r, "discharge_date", i, format_date(d), rule));
    }
    if let Some(d) = rej.filter(|&d| d < rec) {
        let rule = "rejection is before the referral was received";
        return Err(cell(r, "rejection_date", i, format_date(d), rule));
    }
    let p = c.person[i];
    let (birth, death) = c.life[i];
    if birth != MISSING && rec < birth {
        let rule = "referral is dated before the person's birth";
        return Err(cell(r, "received_date", i, format_date(rec), rule));
    }
    fn text(v: &Option<TextCodes>, i: usize) -> Option<&str> {
        v.as_ref().and_then(|v| v.get(i))
    }
    let s = |v| text(v, i);
    // Classified once per distinct (service line, age group, team type), for a person over
    // and under the boundary age; the age is computed only when that matters.
    let code = |v: &Option<TextCodes>| v.as_ref().map_or(u32::MAX, |v| v.code(i));
    let key = (code(c.explicit), code(c.age_group), code(c.team));
    let both = memo.entry(key).or_insert_with(|| {
        let f = |under| {
            classify(
                s(c.explicit),
                s(c.age_group),
                s(c.team),
                under,
                &opts.crisis_team_types,
            )
        };
        f(false).and_then(|over| Ok([over, f(true)?]))
    });
    let [over, under] = match both {
        Ok(pair) => *pair,
        Err(rule) => {
            // The cell as written (the codes are kept upper-cased and trimmed).
            let value = r.column("service_line").map_or_else(
                |_| s(c.explicit).unwrap_or("").to_owned(),
                |col| crate::table::display(col.as_ref(), i),
            );
            return Err(cell(r, "service_line", i, value, rule));
        }
    };
    let adult_age = || age_on(birth, rec) >= opts.boundary_age as i32;
    let (line, rule) = if over == under || birth == MISSING || adult_age() {
        over
    } else {
        under
    };
    out.lines.push((line, rule));
    let excluded = if p == UNKNOWN {
        Some(0)
    } else if birth == MISSING {
        Some(1)
    } else if line == ServiceLine::Unknown {
        Some(2)
    } else if rec > opts.data_end() {
        Some(3)
    } else {
        None
    };
    let mut item = Ref {
        person: p,
        received: rec,
        discharge: dis.unwrap_or(NEVER),
        accepted: rej.is_none_or(|d| d > opts.data_end()),
        line,
        closure: c.closure.as_ref().map_or(NULL_CODE, |v| v[i]),
        row: i as u32,
    };
    let t = &mut out.tallies;
    if let Some(reason) = excluded {
        t[reason].add(i);
        item.accepted = false;
        item.person = UNKNOWN;
        out.kept.push(item);
        out.status.push(RefStatus::Excluded);
        return Ok(());
    }
    match rule {
        LineRule::TeamAgeGroup => t[5].add(i),
        LineRule::AllAgeByAge => t[6].add(i),
        LineRule::TeamTypeCyp => t[7].add(i),
        LineRule::TeamTypeAdult => t[8].add(i),
        LineRule::Explicit | LineRule::Unclassified => {}
    }
    if rec > death {
        t[4].add(i);
    }
    out.status.push(RefStatus::Kept);
    out.kept.push(item);
    Ok(())
}

/// Reasons a referral is excluded (0–3), flagged (4) or its service line derived (5–8).
const REFERRAL_REASONS: [(&str, &str); 9] = [
    (
        "referral_person_not_found",
        "referral and its contacts excluded",
    ),
    (
        "referral_of_person_without_birth_date",
        "referral and its contacts excluded",
    ),
    (
        "unclassified_referral",
        "service line unknown: referral and its contacts excluded",
    ),
    (
        "referral_after_data_end",
        "referral and its contacts excluded",
    ),
    ("event_after_death", "kept"),
    (
        "service_line_by_team_age_group",
        "service line derived (see service_lines)",
    ),
    (
        "service_line_by_all_age_team_by_age",
        "service line derived (see service_lines)",
    ),
    (
        "service_line_by_team_type_cyp",
        "service line derived (see service_lines)",
    ),
    (
        "service_line_by_team_type_adult",
        "service line derived (see service_lines)",
    ),
];

fn read_plans(
    cp: &Input,
    people: &People,
    diag: &mut Diagnostics,
) -> Result<(Vec<usize>, Vec<i32>)> {
    cp.check(CARE_PLAN_COLUMNS)?;
    let person = people.dict.lookup(
        cp.column("person_id")?,
        cp.name("person_id"),
        "persons.person_id",
    )?;
    let kind = numeric_codes(cp.column("plan_type")?, cp.name("plan_type"))?;
    let dates = cp.required_dates("date")?;
    let mut plans = vec![Plan::default(); person.len()];
    for i in 0..person.len() {
        if person[i] == UNKNOWN {
            diag.flag(
                CARE_PLANS,
                "care_plan_person_not_found",
                "care plan excluded",
                i,
            );
        } else if kind[i] != 14 {
            diag.flag(
                CARE_PLANS,
                "care_plan_not_transition",
                "not type 14: not a transition plan",
                i,
            );
        } else {
            plans[i] = Plan {
                person: person[i],
                date: dates[i],
            };
        }
    }
    let (start, plans) = group_by_owner(people.dob.len(), plans)?;
    Ok((start, plans.iter().map(|p| p.date).collect()))
}

/// A transition plan of a person (`UNKNOWN`: not kept).
#[derive(Debug, Clone, Copy)]
struct Plan {
    person: u32,
    date: i32,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            person: UNKNOWN,
            date: 0,
        }
    }
}

impl Owned for Plan {
    fn owner(&self) -> u32 {
        self.person
    }
    fn order(&self) -> (i32, u32) {
        (self.date, 0)
    }
}

/// The breakdowns of the summary without `by`, each read when the persons table has it.
pub const DEFAULT_BREAKDOWNS: [&str; 4] = ["sex", "ethnicity", "imd_decile", "place"];

/// Every pair of the column mapping is used by some table (see [`crate::table::check_mapping`]):
/// a misspelt optional column (a rejection or death date) would otherwise be left out.
fn check_mapping(tables: &super::Tables, opts: &TransitionOptions) -> Result<()> {
    let mut person_names = crate::table::spec_names(PERSON_COLUMNS);
    match &opts.by {
        Some(by) => person_names.extend(by.iter().map(String::as_str)),
        None => person_names.extend(DEFAULT_BREAKDOWNS),
    }
    let mut all = vec![
        ("persons", tables.persons, person_names),
        (
            "referrals",
            tables.referrals,
            crate::table::spec_names(REFERRAL_COLUMNS),
        ),
        (
            "contacts",
            tables.contacts,
            crate::table::spec_names(super::contacts::CONTACT_COLUMNS),
        ),
    ];
    if let Some(c) = tables.care_plans {
        all.push(("care_plans", c, crate::table::spec_names(CARE_PLAN_COLUMNS)));
    }
    crate::table::check_mapping(&all)
}

fn breakdowns(p: &Input, opts: &TransitionOptions) -> Result<Vec<(String, Categories)>> {
    let names: Vec<String> = match &opts.by {
        Some(by) => by.clone(),
        None => DEFAULT_BREAKDOWNS
            .iter()
            .filter(|c| p.has(c))
            .map(|c| c.to_string())
            .collect(),
    };
    crate::table::groups::check_listed_once(&names)?;
    names
        .into_iter()
        .map(|name| {
            if name == "age_band" || name == "all" {
                return Err(Error::invalid_argument(
                    "by",
                    format!("`{name}` is always reported; do not list it"),
                ));
            }
            let cats = p.categories(&name)?;
            Ok((name, cats))
        })
        .collect()
}
