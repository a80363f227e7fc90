//! Reading and checking the input tables, then arranging each person's referrals and contacts
//! together, sorted by date: a counting sort by person and a small sort per person.

use super::codes::{
    classify, numeric_codes, text_codes, LineRule, ServiceLine, TextCodes, NULL_CODE,
};
use super::keys::{KeyDict, UNKNOWN};
use super::{age_on, TransitionOptions};
use crate::error::{Error, Result};
use crate::table::{format_date, Categories, ColumnKind, ColumnSpec, Diagnostics, Input};
use rayon::prelude::*;

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

/// One contact kept for the metrics: its date and flags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contact {
    pub date: i32,
    pub flags: u8,
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

const fn col(
    name: &'static str,
    kind: ColumnKind,
    required: bool,
    description: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required,
        description,
    }
}

/// The persons table.
pub const PERSON_COLUMNS: &[ColumnSpec] = &[
    col(
        "person_id",
        ColumnKind::Identifier,
        true,
        "unique per person",
    ),
    col(
        "date_of_birth",
        ColumnKind::Date,
        true,
        "null: the person is excluded and counted",
    ),
    col("date_of_death", ColumnKind::Date, false, "null while alive"),
];

/// The referrals table.
pub const REFERRAL_COLUMNS: &[ColumnSpec] = &[
    col(
        "referral_id",
        ColumnKind::Identifier,
        true,
        "unique per referral",
    ),
    col(
        "person_id",
        ColumnKind::Identifier,
        true,
        "the person referred",
    ),
    col("received_date", ColumnKind::Date, true, "referral received"),
    col("discharge_date", ColumnKind::Date, false, "null while open"),
    col(
        "rejection_date",
        ColumnKind::Date,
        false,
        "null unless rejected",
    ),
    col(
        "service_line",
        ColumnKind::Code,
        false,
        "cyp, adult or unknown",
    ),
    col(
        "team_age_group",
        ColumnKind::Code,
        false,
        "cyp, adult or all_age",
    ),
    col(
        "team_type",
        ColumnKind::Code,
        false,
        "MHSDS SERVICE OR TEAM TYPE (C.. CYPMHS, A.. adult)",
    ),
    col(
        "closure_reason",
        ColumnKind::Code,
        false,
        "MHSDS referral closure reason 01–09",
    ),
];

/// The contacts table.
pub const CONTACT_COLUMNS: &[ColumnSpec] = &[
    col(
        "referral_id",
        ColumnKind::Identifier,
        true,
        "the referral the contact belongs to",
    ),
    col(
        "contact_date",
        ColumnKind::Date,
        true,
        "date of the care contact",
    ),
    col(
        "attendance",
        ColumnKind::Code,
        true,
        "ATTENDED OR DID NOT ATTEND (5, 6 attended; 3, 7 not; 2, 4 cancelled)",
    ),
    col(
        "contact_id",
        ColumnKind::Identifier,
        false,
        "unique per contact (not used)",
    ),
    col(
        "person_id",
        ColumnKind::Identifier,
        false,
        "checked against the referral's person",
    ),
    col(
        "mechanism",
        ColumnKind::Code,
        false,
        "CONSULTATION MECHANISM (01, 02, 04, 11 direct)",
    ),
];

/// The optional care plans table.
pub const CARE_PLAN_COLUMNS: &[ColumnSpec] = &[
    col("person_id", ColumnKind::Identifier, true, "the person"),
    col(
        "plan_type",
        ColumnKind::Code,
        true,
        "care plan type (14 = CYP transition plan)",
    ),
    col("date", ColumnKind::Date, true, "date the plan was recorded"),
];

/// Why a referral was left out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefStatus {
    Kept,
    Excluded,
}

fn cell(input: &Input, column: &str, row: usize, value: String, rule: &str) -> Error {
    Error::InvalidCell {
        column: input.name(column).to_owned(),
        row,
        value,
        rule: rule.to_owned(),
    }
}

fn optional_dates(input: &Input, column: &str) -> Result<Option<Vec<Option<i32>>>> {
    input.has(column).then(|| input.dates(column)).transpose()
}

/// Counting sort of `items` by owner (`owner(i)` in 0..n, [`UNKNOWN`] to skip): start offsets
/// per owner and the items in owner order, original order kept within an owner.
fn by_owner<T: Copy + Send>(
    n: usize,
    len: usize,
    owner: impl Fn(usize) -> u32,
    item: impl Fn(usize) -> T,
    empty: T,
) -> (Vec<usize>, Vec<T>) {
    let mut start = vec![0usize; n + 1];
    for i in 0..len {
        let o = owner(i);
        if o != UNKNOWN {
            start[o as usize + 1] += 1;
        }
    }
    for p in 0..n {
        start[p + 1] += start[p];
    }
    let mut next = start.clone();
    let mut out = vec![empty; start[n]];
    for i in 0..len {
        let o = owner(i);
        if o != UNKNOWN {
            out[next[o as usize]] = item(i);
            next[o as usize] += 1;
        }
    }
    (start, out)
}

/// Splits `items` into the per-owner slices given by `start` and sorts each one.
fn sort_each<T: Send>(start: &[usize], items: &mut [T], key: impl Fn(&T) -> (i32, u32) + Sync) {
    let mut slices = Vec::with_capacity(start.len().saturating_sub(1));
    let mut rest = items;
    for w in start.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        if head.len() > 1 {
            slices.push(head);
        }
        rest = tail;
    }
    slices.par_iter_mut().for_each(|s| s.sort_by_key(&key));
}

pub(crate) fn prepare(
    persons: &Input,
    referrals: &Input,
    contacts: &Input,
    care_plans: Option<&Input>,
    opts: &TransitionOptions,
) -> Result<Prepared> {
    opts.validate()?;
    let mut diagnostics = Diagnostics::new();
    let people =
        read_persons(persons, opts, &mut diagnostics).map_err(|e| e.in_table("persons"))?;
    let refs = read_referrals(referrals, &people, opts, &mut diagnostics)
        .map_err(|e| e.in_table("referrals"))?;
    let ref_dict = KeyDict::build(
        referrals.column("referral_id")?,
        referrals.name("referral_id"),
    )
    .map_err(|e| e.in_table("referrals"))?;
    let (con_start, contacts) =
        read_contacts(contacts, &ref_dict, &people, &refs, opts, &mut diagnostics)
            .map_err(|e| e.in_table("contacts"))?;
    let plans = care_plans
        .map(|cp| read_plans(cp, &people, &mut diagnostics).map_err(|e| e.in_table("care_plans")))
        .transpose()?;
    let breakdowns = breakdowns(persons, opts).map_err(|e| e.in_table("persons"))?;
    let n = people.dob.len();
    let (ref_start, mut kept) = by_owner(
        n,
        refs.person.len(),
        |i| {
            if refs.status[i] == RefStatus::Kept {
                refs.person[i]
            } else {
                UNKNOWN
            }
        },
        |i| refs.kept[i],
        Ref {
            received: 0,
            discharge: NEVER,
            accepted: false,
            line: ServiceLine::Unknown,
            closure: NULL_CODE,
            row: 0,
        },
    );
    sort_each(&ref_start, &mut kept, |r| (r.received, r.row));
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

struct People<'a> {
    dict: KeyDict<'a>,
    dob: Vec<i32>,
    dod: Vec<i32>,
}

fn read_persons<'a>(
    p: &'a Input,
    _opts: &TransitionOptions,
    diag: &mut Diagnostics,
) -> Result<People<'a>> {
    p.check(PERSON_COLUMNS)?;
    let dict = KeyDict::build(p.column("person_id")?, p.name("person_id"))?;
    let births = p.dates("date_of_birth")?;
    let deaths = optional_dates(p, "date_of_death")?;
    let mut dob = Vec::with_capacity(births.len());
    let mut dod = vec![NEVER; births.len()];
    for (i, b) in births.iter().enumerate() {
        match b {
            Some(b) => dob.push(*b),
            None => {
                diag.record(
                    "missing_date_of_birth",
                    "person and their records excluded",
                    Some(i),
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
    Ok(People { dict, dob, dod })
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
    let person = people.dict.lookup(
        r.column("person_id")?,
        r.name("person_id"),
        "persons.person_id",
    )?;
    let received = r.required_dates("received_date")?;
    let discharge = optional_dates(r, "discharge_date")?;
    let rejection = optional_dates(r, "rejection_date")?;
    let text = |c: &str| -> Result<Option<TextCodes>> {
        r.has(c)
            .then(|| text_codes(r.column(c)?, r.name(c)))
            .transpose()
    };
    let explicit = text("service_line")?;
    let age_group = text("team_age_group")?;
    let team = text("team_type")?;
    let closure = r
        .has("closure_reason")
        .then(|| numeric_codes(r.column("closure_reason")?, r.name("closure_reason")))
        .transpose()?;
    let n = received.len();
    let mut out = Referrals {
        person,
        status: vec![RefStatus::Excluded; n],
        kept: Vec::with_capacity(n),
        lines: Vec::with_capacity(n),
    };
    let mut tallies: [Tally; 9] = Default::default();
    for i in 0..n {
        let got = |v: &Option<Vec<Option<i32>>>| v.as_ref().and_then(|v| v[i]);
        let (rec, dis, rej) = (received[i], got(&discharge), got(&rejection));
        if let Some(d) = dis.filter(|&d| d < rec) {
            return Err(cell(
                r,
                "discharge_date",
                i,
                format_date(d),
                "discharge is before the referral was received",
            ));
        }
        if let Some(d) = rej.filter(|&d| d < rec) {
            return Err(cell(
                r,
                "rejection_date",
                i,
                format_date(d),
                "rejection is before the referral was received",
            ));
        }
        let p = out.person[i];
        let birth = if p == UNKNOWN {
            MISSING
        } else {
            people.dob[p as usize]
        };
        if birth != MISSING && rec < birth {
            return Err(cell(
                r,
                "received_date",
                i,
                format_date(rec),
                "referral is dated before the person's birth",
            ));
        }
        fn s(v: &Option<TextCodes>, i: usize) -> Option<&str> {
            v.as_ref().and_then(|v| v.get(i))
        }
        let under = birth != MISSING && age_on(birth, rec) < opts.boundary_age as i32;
        let (line, rule) = classify(
            s(&explicit, i),
            s(&age_group, i),
            s(&team, i),
            under,
            &opts.crisis_team_types,
        )
        .map_err(|rule| {
            cell(
                r,
                "service_line",
                i,
                s(&explicit, i).unwrap_or("").to_owned(),
                &rule,
            )
        })?;
        out.lines.push((line, rule));
        let excluded = if p == UNKNOWN {
            Some(0)
        } else if birth == MISSING {
            Some(1)
        } else if line == ServiceLine::Unknown {
            Some(2)
        } else if rec > opts.data_end {
            Some(3)
        } else {
            None
        };
        let mut item = Ref {
            received: rec,
            discharge: dis.unwrap_or(NEVER),
            accepted: rej.is_none_or(|d| d > opts.data_end),
            line,
            closure: closure.as_ref().map_or(NULL_CODE, |c| c[i]),
            row: i as u32,
        };
        if let Some(reason) = excluded {
            tallies[reason].add(i);
            item.accepted = false;
            out.kept.push(item);
            continue;
        }
        match rule {
            LineRule::TeamAgeGroup => tallies[5].add(i),
            LineRule::AllAgeByAge => tallies[6].add(i),
            LineRule::TeamTypeCyp => tallies[7].add(i),
            LineRule::TeamTypeAdult => tallies[8].add(i),
            LineRule::Explicit | LineRule::Unclassified => {}
        }
        if rec > people.dod[p as usize] {
            tallies[4].add(i);
        }
        out.status[i] = RefStatus::Kept;
        out.kept.push(item);
    }
    for (t, (reason, action)) in tallies.iter().zip(REFERRAL_REASONS) {
        t.report(diag, reason, action);
    }
    Ok(out)
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

#[allow(clippy::too_many_arguments)]
fn read_contacts(
    c: &Input,
    ref_dict: &KeyDict,
    people: &People,
    refs: &Referrals,
    opts: &TransitionOptions,
    diag: &mut Diagnostics,
) -> Result<(Vec<usize>, Vec<Contact>)> {
    c.check(CONTACT_COLUMNS)?;
    let referral = ref_dict.lookup(
        c.column("referral_id")?,
        c.name("referral_id"),
        "referrals.referral_id",
    )?;
    let dates = c.required_dates("contact_date")?;
    let attendance = numeric_codes(c.column("attendance")?, c.name("attendance"))?;
    let mechanism = c
        .has("mechanism")
        .then(|| numeric_codes(c.column("mechanism")?, c.name("mechanism")))
        .transpose()?;
    let stated_person = c
        .has("person_id")
        .then(|| {
            people.dict.lookup(
                c.column("person_id")?,
                c.name("person_id"),
                "persons.person_id",
            )
        })
        .transpose()?;
    let mut code_flags = [0u8; 8];
    for &a in &opts.attended_codes {
        code_flags[a as usize] = ATTENDED | SCHEDULED;
    }
    for &a in &opts.dna_codes {
        code_flags[a as usize] = DNA | SCHEDULED;
    }
    let n = dates.len();
    // Person of each contact (UNKNOWN: excluded) and its flags, in one pass.
    let mut owner = vec![UNKNOWN; n];
    let mut items = vec![Contact { date: 0, flags: 0 }; n];
    let (mut invalid, mut indirect, mut after_end, mut after_death) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let (mut not_found, mut on_excluded) = (Tally::default(), Tally::default());
    for i in 0..n {
        let r = referral[i];
        if r == UNKNOWN {
            not_found.add(i);
            continue;
        }
        let r = r as usize;
        let p = refs.person[r];
        if let Some(sp) = &stated_person {
            if p != UNKNOWN && sp[i] != p {
                return Err(cell(
                    c,
                    "person_id",
                    i,
                    display(c, "person_id", i),
                    "is not the person of the contact's referral",
                ));
            }
        }
        if refs.status[r] != RefStatus::Kept {
            on_excluded.add(i);
            continue;
        }
        let date = dates[i];
        let birth = people.dob[p as usize];
        if date < birth {
            return Err(cell(
                c,
                "contact_date",
                i,
                format_date(date),
                "contact is dated before the person's birth",
            ));
        }
        if date > opts.data_end {
            after_end.add(i);
            continue;
        }
        if date > people.dod[p as usize] {
            after_death.add(i);
        }
        let a = attendance[i];
        let mut flags = if (2..=7).contains(&a) {
            code_flags[a as usize]
        } else {
            invalid.add(i);
            0
        };
        if flags & ATTENDED != 0 {
            if let Some(m) = &mechanism {
                if m[i] != NULL_CODE && !opts.direct_mechanisms.contains(&m[i]) {
                    flags &= !ATTENDED;
                    indirect.add(i);
                }
            }
        }
        flags |= match refs.kept[r].line {
            ServiceLine::Cyp => CYP,
            ServiceLine::Adult => ADULT,
            ServiceLine::AdultCrisis => CRISIS,
            ServiceLine::Unknown => 0,
        };
        owner[i] = p;
        items[i] = Contact { date, flags };
    }
    not_found.report(diag, "contact_referral_not_found", "contact excluded");
    on_excluded.report(
        diag,
        "contact_on_excluded_referral",
        "contact excluded with its referral",
    );
    after_end.report(diag, "contact_after_data_end", "contact excluded");
    invalid.report(
        diag,
        "invalid_attendance",
        "attendance null or not 2–7: counted as not attended",
    );
    indirect.report(
        diag,
        "indirect_contact",
        "attended but not face to face, telephone, talk type or video: not attended",
    );
    after_death.report(diag, "event_after_death", "kept");
    let (start, mut sorted) = by_owner(
        people.dob.len(),
        n,
        |i| owner[i],
        |i| items[i],
        Contact { date: 0, flags: 0 },
    );
    drop(items);
    drop(owner);
    sort_each(&start, &mut sorted, |c| (c.date, 0));
    Ok((start, sorted))
}

fn display(input: &Input, column: &str, row: usize) -> String {
    input
        .column(column)
        .map(|c| crate::table::display(c.as_ref(), row))
        .unwrap_or_default()
}

/// A count and the first row, gathered in a hot loop and reported once.
#[derive(Default)]
struct Tally {
    count: u64,
    first: Option<usize>,
}

impl Tally {
    #[inline]
    fn add(&mut self, row: usize) {
        self.count += 1;
        self.first.get_or_insert(row);
    }

    fn report(&self, diag: &mut Diagnostics, reason: &str, action: &str) {
        diag.add(reason, action, self.count, self.first);
    }
}

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
    let mut keep = vec![UNKNOWN; person.len()];
    for i in 0..person.len() {
        if person[i] == UNKNOWN {
            diag.record("care_plan_person_not_found", "care plan excluded", Some(i));
        } else if kind[i] != 14 {
            diag.record(
                "care_plan_not_transition",
                "not type 14: not a transition plan",
                Some(i),
            );
        } else {
            keep[i] = person[i];
        }
    }
    let (start, mut plans) = by_owner(people.dob.len(), person.len(), |i| keep[i], |i| dates[i], 0);
    sort_each(&start, &mut plans, |&d| (d, 0));
    Ok((start, plans))
}

const DEFAULT_BREAKDOWNS: [&str; 4] = ["sex", "ethnicity", "imd_decile", "place"];

fn breakdowns(p: &Input, opts: &TransitionOptions) -> Result<Vec<(String, Categories)>> {
    let names: Vec<String> = match &opts.by {
        Some(by) => by.clone(),
        None => DEFAULT_BREAKDOWNS
            .iter()
            .filter(|c| p.has(c))
            .map(|c| c.to_string())
            .collect(),
    };
    names
        .into_iter()
        .map(|name| {
            if name == "age_band" || name == "all" {
                return Err(Error::argument(
                    "by",
                    format!("`{name}` is always reported; do not list it"),
                ));
            }
            let cats = p.categories(&name)?;
            Ok((name, cats))
        })
        .collect()
}
