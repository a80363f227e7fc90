//! Reading the contacts table (the big one: a national year is ~25 million rows) and
//! arranging it by person. Rows are read in parallel chunks, each contact costing one gather of
//! its referral's person and service line; then a two-pass bucket sort groups them by person
//! (a scatter into a few thousand person ranges, then an in-cache sort of each range by person
//! and date).

use super::codes::{numeric_codes, NULL_CODE};
use super::keys::{int_keys, KeyDict, UNKNOWN};
use super::load::{Contact, People, ATTENDED, DNA, SCHEDULED};
use super::TransitionOptions;
use crate::error::{Error, Result};
use crate::table::short::Packer;
use crate::table::{
    column_dates, display, format_date, in_range, ColumnKind, ColumnSpec, Diagnostics, Input,
};
use arrow_array::{cast::AsArray, types::Date32Type, Array, ArrayRef};
use arrow_schema::DataType;
use rayon::prelude::*;

/// What a contact needs of its referral, in one word: the person and the service-line flag
/// (`CYP`, `ADULT` or `CRISIS`), or why the referral's contacts are excluded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefInfo {
    pub person: u32,
    pub flags: u8,
    /// The person's identifier when identifiers are integers: a contact's own `person_id` is
    /// checked against it without a second lookup.
    pub key: i64,
}

/// The referral is not in the referrals table.
pub(crate) const NOT_FOUND: u8 = 0x40;
/// The referral was excluded (and counted) when the referrals were read.
pub(crate) const EXCLUDED: u8 = 0x80;

/// Rows per parallel task of the row pass.
const CHUNK_ROWS: usize = 1 << 16;

/// The contacts table.
pub const CONTACT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::new(
        "referral_id",
        ColumnKind::Identifier,
        true,
        "the referral the contact belongs to",
    ),
    ColumnSpec::new(
        "contact_date",
        ColumnKind::Date,
        true,
        "date of the care contact",
    ),
    ColumnSpec::new(
        "attendance",
        ColumnKind::Code,
        true,
        "ATTENDED OR DID NOT ATTEND (5, 6 attended; 3, 7 not; 2, 4 cancelled)",
    ),
    ColumnSpec::new(
        "contact_id",
        ColumnKind::Identifier,
        false,
        "unique per contact: a repeated one is an error (it would count twice)",
    ),
    ColumnSpec::new(
        "person_id",
        ColumnKind::Identifier,
        false,
        "checked against the referral's person",
    ),
    ColumnSpec::new(
        "mechanism",
        ColumnKind::Code,
        false,
        "CONSULTATION MECHANISM (01, 02, 04, 11 direct)",
    ),
];

/// A count and the first row, gathered in a hot loop and reported once; when listing
/// ([`Diagnostics::is_listing`]) every row too (no allocation otherwise).
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    pub count: u64,
    pub first: Option<usize>,
    /// Every row counted, when listing.
    rows: Option<Vec<usize>>,
}

impl Tally {
    /// An empty tally, keeping its rows when `listing`.
    pub(crate) fn new(listing: bool) -> Self {
        Tally {
            count: 0,
            first: None,
            rows: listing.then(Vec::new),
        }
    }

    #[inline]
    pub(crate) fn add(&mut self, row: usize) {
        self.count += 1;
        self.first.get_or_insert(row);
        if let Some(rows) = &mut self.rows {
            rows.push(row);
        }
    }

    pub(crate) fn merge(&mut self, other: &Tally) {
        self.count += other.count;
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let (Some(rows), Some(theirs)) = (&mut self.rows, &other.rows) {
            rows.extend_from_slice(theirs);
        }
    }

    /// Reports the tally as rows of the input table `table`: listed when listing (the count
    /// is then the number of rows), counted otherwise.
    pub(crate) fn report(
        &self,
        diag: &mut Diagnostics,
        table: &'static str,
        reason: &str,
        action: &str,
    ) {
        match &self.rows {
            Some(rows) => diag.flag_rows(table, reason, action, rows.iter().copied()),
            None => diag.add(reason, action, self.count, self.first),
        }
    }
}

/// The contacts table's name in errors and diagnostics listings.
pub(crate) const CONTACTS: &str = "contacts";

/// Reasons counted while reading contacts, in report order.
const REASONS: [(&str, &str); 6] = [
    ("contact_referral_not_found", "contact excluded"),
    (
        "contact_on_excluded_referral",
        "contact excluded with its referral",
    ),
    ("contact_after_data_end", "contact excluded"),
    (
        "invalid_attendance",
        "attendance null or not 2–7: counted as not attended",
    ),
    (
        "indirect_contact",
        "attended but not face to face, telephone, talk type or video: not attended",
    ),
    ("event_after_death", "kept"),
];

/// The columns and lookup tables every chunk reads.
struct Source<'a> {
    input: &'a Input,
    referral: &'a ArrayRef,
    date: &'a ArrayRef,
    attendance: &'a ArrayRef,
    mechanism: Option<&'a ArrayRef>,
    person: Option<&'a ArrayRef>,
    refs: super::keys::Gather<'a, 'a, 'a, RefInfo>,
    people: &'a People<'a>,
    /// Flags of attendance codes 0..8 (only 2–7 are valid).
    code_flags: [u8; 8],
    /// Whether the tallies keep their rows (a diagnostics listing).
    listing: bool,
    /// The direct mechanisms as a set of codes (one bit per `u16` code).
    direct: Vec<u64>,
    data_end: i32,
    /// Person identifiers are integers in both tables (see [`RefInfo::key`]).
    int_ids: bool,
    /// The persons' short text identifiers as packed keys, by person (read at random).
    person_keys: Option<Vec<u128>>,
}

/// A contact's own `person_id`, when the table has one.
enum Stated {
    Absent,
    Keys(Vec<i64>),
    Index(Vec<u32>),
    /// Text identifiers in both tables (`Utf8`): each compared with its referral's person's
    /// own, a short comparison instead of a hash lookup per contact.
    Text(ArrayRef),
}

/// One chunk's rows: person, date and flags per row (`person` UNKNOWN when excluded).
fn chunk(s: &Source, offset: usize, out: &mut [Contact]) -> Result<[Tally; 6]> {
    let len = out.len();
    let input = s.input;
    let name = |c: &str| input.name(c).to_owned();
    let slice = |a: &ArrayRef| a.slice(offset, len);
    let shift = |e: Error| e.at_offset(offset);
    let referral = slice(s.referral);
    let info = s.refs.lookup(
        &referral,
        &name("referral_id"),
        "referrals.referral_id",
        offset,
    )?;
    let owned_dates;
    let dates: &[i32] = match s.date.data_type() {
        DataType::Date32
            if s.date.null_count() == 0
                && s.date.as_primitive::<Date32Type>().values()[offset..offset + len]
                    .iter()
                    .all(|&d| in_range(d)) =>
        {
            // The fast path: no nulls and every date in the supported range (otherwise the
            // general path below names the first bad row).
            &s.date.as_primitive::<Date32Type>().values()[offset..offset + len]
        }
        _ => {
            let d = column_dates(&slice(s.date), &name("contact_date")).map_err(shift)?;
            if let Some(i) = d.iter().position(Option::is_none) {
                return Err(Error::InvalidCell {
                    table: None,
                    column: name("contact_date"),
                    row: offset + i,
                    value: "null".into(),
                    rule: "a date is required here".into(),
                });
            }
            owned_dates = d
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>();
            &owned_dates
        }
    };
    let attendance = numeric_codes(&slice(s.attendance), &name("attendance")).map_err(shift)?;
    let mechanism = s
        .mechanism
        .map(|m| numeric_codes(&slice(m), &name("mechanism")).map_err(shift))
        .transpose()?;
    // The contact's own person: its integer identifier (compared with the referral's), or,
    // for text identifiers, its dictionary index.
    let stated = match s.person {
        None => Stated::Absent,
        Some(p) => match int_keys(&slice(p), &name("person_id"), offset)? {
            Some(keys) if s.int_ids => Stated::Keys(keys),
            None if p.data_type() == &DataType::Utf8
                && s.people.ids.data_type() == &DataType::Utf8 =>
            {
                let col = slice(p);
                s.people
                    .dict
                    .check_referring(&col, &name("person_id"), "persons.person_id")
                    .map_err(shift)?;
                Stated::Text(col)
            }
            _ => Stated::Index(
                s.people
                    .dict
                    .lookup(&slice(p), &name("person_id"), "persons.person_id")
                    .map_err(shift)?,
            ),
        },
    };
    let texts = match &stated {
        Stated::Text(c) => Some((c.as_string::<i32>(), s.people.ids.as_string::<i32>())),
        _ => None,
    };
    // Short identifiers compared as packed keys (no `memcmp` call per contact).
    let packed = match &stated {
        Stated::Text(c) => Packer::of(c).zip(s.person_keys.as_deref()),
        _ => None,
    };
    let mut t: [Tally; 6] = std::array::from_fn(|_| Tally::new(s.listing));
    for i in 0..len {
        let row = offset + i;
        out[i].person = UNKNOWN;
        let r = info.get(i);
        if r.flags & NOT_FOUND != 0 {
            t[0].add(row);
            continue;
        }
        let mismatch = match &stated {
            Stated::Absent => false,
            Stated::Keys(k) => r.person != UNKNOWN && k[i] != r.key,
            Stated::Index(x) => r.person != UNKNOWN && x[i] != r.person,
            Stated::Text(_) => {
                r.person != UNKNOWN
                    && match &packed {
                        Some((c, ids)) => c.key(i) != ids[r.person as usize],
                        None => {
                            texts.is_some_and(|(c, ids)| c.value(i) != ids.value(r.person as usize))
                        }
                    }
            }
        };
        {
            if mismatch {
                let value = s
                    .person
                    .map_or_else(String::new, |p| display(p.as_ref(), row));
                return Err(Error::InvalidCell {
                    table: None,
                    column: name("person_id"),
                    row,
                    value,
                    rule: "is not the person of the contact's referral".into(),
                });
            }
        }
        if r.flags & EXCLUDED != 0 {
            t[1].add(row);
            continue;
        }
        let date = dates[i];
        if date > s.data_end {
            t[2].add(row);
            continue;
        }
        let a = attendance[i];
        let mut flags = if (2..=7).contains(&a) {
            s.code_flags[a as usize]
        } else {
            t[3].add(row);
            0
        };
        if flags & ATTENDED != 0 {
            if let Some(m) = &mechanism {
                let code = m[i] as usize;
                if m[i] != NULL_CODE && s.direct[code >> 6] >> (code & 63) & 1 == 0 {
                    flags &= !ATTENDED;
                    t[4].add(row);
                }
            }
        }
        out[i] =
            Contact::new(r.person, date, flags | r.flags).ok_or_else(|| Error::InvalidCell {
                table: None,
                column: name("contact_date"),
                row,
                value: format_date(date),
                rule: "is outside the years −21000 to 24900".into(),
            })?;
    }
    Ok(t)
}

/// Reads the contacts: per person, their contacts sorted by date (offsets `start`).
/// One row per contact: a repeated contact would count twice (towards
/// `min_attended_contacts`, say). Checked as the owning tables' identifiers are (the
/// dictionary's duplicates and nulls are errors naming the row), except that integer
/// identifiers in ascending order without nulls (an extract ordered by contact, the common
/// case) need only one parallel pass to show they hold no repeat: no dictionary.
fn check_contact_ids(c: &Input) -> Result<()> {
    use arrow_array::types::Int64Type;
    let col = c.column("contact_id")?;
    if col.null_count() == 0 {
        if let Some(ids) = col.as_primitive_opt::<Int64Type>() {
            if ids.values().par_windows(2).all(|w| w[0] < w[1]) {
                return Ok(());
            }
        }
    }
    KeyDict::build(col, c.name("contact_id")).map(|_| ())
}

pub(crate) fn read_contacts(
    c: &Input,
    ref_dict: &KeyDict,
    ref_info: &[RefInfo],
    int_ids: bool,
    people: &People,
    opts: &TransitionOptions,
    diag: &mut Diagnostics,
) -> Result<(Vec<usize>, Vec<Contact>)> {
    c.check(CONTACT_COLUMNS)?;
    if c.has("contact_id") {
        check_contact_ids(c)?;
    }
    let mut code_flags = [0u8; 8];
    for &a in &opts.attended_codes {
        code_flags[a as usize] = ATTENDED | SCHEDULED;
    }
    for &a in &opts.dna_codes {
        code_flags[a as usize] = DNA | SCHEDULED;
    }
    let optional = |name: &str| c.has(name).then(|| c.column(name)).transpose();
    let source = Source {
        input: c,
        referral: c.column("referral_id")?,
        date: c.column("contact_date")?,
        attendance: c.column("attendance")?,
        mechanism: optional("mechanism")?,
        person: optional("person_id")?,
        refs: ref_dict.gather(
            ref_info,
            RefInfo {
                person: UNKNOWN,
                flags: NOT_FOUND,
                key: 0,
            },
        ),
        people,
        code_flags,
        listing: diag.is_listing(),
        direct: opts
            .direct_mechanisms
            .iter()
            .fold(vec![0; 1 << 10], |mut set, &c| {
                set[usize::from(c) >> 6] |= 1 << (c & 63);
                set
            }),
        data_end: opts.data_end(),
        int_ids,
        person_keys: Packer::of(people.ids).map(|p| p.keys()),
    };
    let n = c.num_rows();
    let mut rows = vec![Contact::default(); n];
    let token = crate::cancel::current();
    // Each chunk's contacts with a person are moved to the front of its block (in cache,
    // order kept), so that closing the gaps between blocks is a few block moves.
    let parts: Vec<Result<([Tally; 6], usize)>> = rows
        .par_chunks_mut(CHUNK_ROWS)
        .enumerate()
        .map(|(k, out)| {
            crate::cancel::check_carried(token.as_ref())?;
            let t = chunk(&source, k * CHUNK_ROWS, out)?;
            Ok((t, compact_known(out)))
        })
        .collect();
    let mut tallies: [Tally; 6] = std::array::from_fn(|_| Tally::new(source.listing));
    let mut kept = 0;
    for (k, part) in parts.into_iter().enumerate() {
        // The first failing chunk holds the first bad row.
        let (part, known) = part?;
        for (t, p) in tallies.iter_mut().zip(part.iter()) {
            t.merge(p);
        }
        let from = k * CHUNK_ROWS;
        rows.copy_within(from..from + known, kept);
        kept += known;
    }
    rows.truncate(kept);
    let (start, sorted) = group_by_owner(people.dob.len(), rows)?;
    check_births_and_deaths(&source, &start, &sorted, &mut tallies[5])?;
    for (t, (reason, action)) in tallies.iter().zip(REASONS) {
        t.report(diag, CONTACTS, reason, action);
    }
    Ok((start, sorted))
}

/// Moves the rows with a known owner to the front, in order; returns their number.
fn compact_known<T: Owned>(rows: &mut [T]) -> usize {
    let mut kept = 0;
    for i in 0..rows.len() {
        let r = rows[i];
        if r.owner() != UNKNOWN {
            rows[kept] = r;
            kept += 1;
        }
    }
    kept
}

/// Contacts before the person's birth are an error, after their death counted: checked per
/// person on the sorted contacts (the first and last dates), then, only when some are found,
/// the input is read again for the first such row.
fn check_births_and_deaths(
    s: &Source,
    start: &[usize],
    sorted: &[Contact],
    after_death: &mut Tally,
) -> Result<()> {
    let (dob, dod) = (&s.people.dob, &s.people.dod);
    let (before, after): (bool, u64) = (0..dob.len())
        .into_par_iter()
        .map(|p| {
            let own = &sorted[start[p]..start[p + 1]];
            let before = own.first().is_some_and(|c| c.date() < dob[p]);
            let after = own.len() - own.partition_point(|c| c.date() <= dod[p]);
            (before, after as u64)
        })
        .reduce(|| (false, 0), |a, b| (a.0 || b.0, a.1 + b.1));
    if !before && after == 0 {
        return Ok(());
    }
    let mut first_after = None;
    let mut listed = Tally::new(true);
    for offset in (0..s.input.num_rows()).step_by(CHUNK_ROWS) {
        crate::cancel::check()?;
        let len = CHUNK_ROWS.min(s.input.num_rows() - offset);
        let mut out = vec![Contact::default(); len];
        chunk(s, offset, &mut out)?;
        for (i, c) in out.iter().enumerate().filter(|(_, c)| c.person != UNKNOWN) {
            let p = c.person as usize;
            if c.date() < dob[p] {
                return Err(Error::InvalidCell {
                    table: None,
                    column: s.input.name("contact_date").to_owned(),
                    row: offset + i,
                    value: format_date(c.date()),
                    rule: "contact is dated before the person's birth".into(),
                });
            }
            if c.date() > dod[p] {
                if s.listing {
                    listed.add(offset + i);
                } else if first_after.is_none() {
                    first_after = Some(offset + i);
                }
            }
        }
    }
    if s.listing {
        // The same contacts as the per-person count, found row by row.
        debug_assert_eq!(listed.count, after);
        after_death.merge(&listed);
        return Ok(());
    }
    after_death.count += after;
    after_death.first = match (after_death.first, first_after) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(())
}

/// Rows that belong to an owner (a person) and sort within it.
pub(crate) trait Owned: Copy + Default + Send + Sync {
    /// The owner, `UNKNOWN` for a row to drop (it was counted).
    fn owner(&self) -> u32;
    /// Order within the owner.
    fn order(&self) -> (i32, u32);
}

impl Owned for Contact {
    fn owner(&self) -> u32 {
        self.person
    }
    fn order(&self) -> (i32, u32) {
        (0, self.word())
    }
}

/// Groups rows by owner (UNKNOWN dropped), each owner's sorted by [`Owned::order`]: start
/// offsets per owner and the rows. A parallel scatter into buckets of consecutive owners
/// (a few thousand buckets, so the writes stay in a few cache lines each), then, bucket by
/// bucket in parallel and in cache, a counting sort by owner and a small sort per owner.
///
/// Cancellable (the caller's token is checked between passes and per task), so it returns a
/// `Result`.
pub(crate) fn group_by_owner<T: Owned>(
    owners: usize,
    rows: Vec<T>,
) -> Result<(Vec<usize>, Vec<T>)> {
    if owners_ascend(&rows) {
        return group_ascending(owners, rows);
    }
    let token = crate::cancel::current();
    let stop = || {
        token
            .as_ref()
            .is_some_and(crate::cancel::Token::is_cancelled)
    };
    let bits = usize::BITS - owners.max(1).leading_zeros();
    let shift = bits.saturating_sub(12);
    let buckets = (owners >> shift) + 1;
    let bucket = |c: &T| (c.owner() >> shift) as usize;
    let per_task = (rows.len() / (rayon::current_num_threads() * 4)).max(CHUNK_ROWS);
    let tasks: Vec<&[T]> = rows.chunks(per_task).collect();
    let counts: Vec<Vec<usize>> = tasks
        .par_iter()
        .map(|t| {
            let mut n = vec![0usize; buckets];
            if stop() {
                return n;
            }
            for c in t.iter().filter(|c| c.owner() != UNKNOWN) {
                n[bucket(c)] += 1;
            }
            n
        })
        .collect();
    crate::cancel::check_carried(token.as_ref())?;
    let total: usize = counts.iter().flatten().sum();
    let mut sorted = vec![T::default(); total];
    {
        // Bucket-major, task-minor regions: each task fills its own region of every bucket.
        let mut regions: Vec<Vec<&mut [T]>> =
            tasks.iter().map(|_| Vec::with_capacity(buckets)).collect();
        let mut rest = sorted.as_mut_slice();
        for b in 0..buckets {
            for (k, n) in counts.iter().enumerate() {
                let (head, tail) = rest.split_at_mut(n[b]);
                regions[k].push(head);
                rest = tail;
            }
        }
        regions
            .par_iter_mut()
            .zip(tasks.par_iter())
            .for_each(|(region, task)| {
                if stop() {
                    return;
                }
                let mut next = vec![0usize; buckets];
                for c in task.iter().filter(|c| c.owner() != UNKNOWN) {
                    let b = bucket(c);
                    region[b][next[b]] = *c;
                    next[b] += 1;
                }
            });
    }
    drop(tasks);
    drop(rows);
    crate::cancel::check_carried(token.as_ref())?;
    let mut in_bucket = Vec::with_capacity(buckets);
    let mut rest = sorted.as_mut_slice();
    for b in 0..buckets {
        let n: usize = counts.iter().map(|n| n[b]).sum();
        let (head, tail) = rest.split_at_mut(n);
        in_bucket.push((b, head));
        rest = tail;
    }
    let width = 1usize << shift;
    in_bucket.par_iter_mut().for_each(|(b, s)| {
        if stop() {
            return;
        }
        let base = *b << shift;
        let mut start = vec![0usize; width + 1];
        for c in s.iter() {
            start[c.owner() as usize - base + 1] += 1;
        }
        for k in 0..width {
            start[k + 1] += start[k];
        }
        let copy = s.to_vec();
        let mut next = start.clone();
        for c in copy {
            let k = c.owner() as usize - base;
            s[next[k]] = c;
            next[k] += 1;
        }
        for k in 0..width {
            let own = &mut s[start[k]..start[k + 1]];
            if own.len() > 1 {
                own.sort_unstable_by_key(T::order);
            }
        }
    });
    let mut start = vec![0usize; owners + 1];
    for c in &sorted {
        start[c.owner() as usize + 1] += 1;
    }
    for p in 0..owners {
        start[p + 1] += start[p];
    }
    crate::cancel::check_carried(token.as_ref())?;
    Ok((start, sorted))
}

/// Whether the known owners never decrease down the rows: an extract ordered by person, or
/// by referral with the referrals ordered by person (as many extracts, and the demo's, are).
fn owners_ascend<T: Owned>(rows: &[T]) -> bool {
    // Per chunk: (first known owner, last known owner, ascending within); UNKNOWN = u32::MAX
    // marks a chunk without a known owner.
    let parts: Vec<(u32, u32, bool)> = rows
        .par_chunks(CHUNK_ROWS)
        .map(|c| {
            let (mut first, mut last, mut ok) = (UNKNOWN, 0u32, true);
            for r in c {
                let o = r.owner();
                if o != UNKNOWN {
                    ok &= o >= last;
                    last = o;
                    first = first.min(o);
                }
            }
            (first, last, ok)
        })
        .collect();
    let mut last = 0;
    for (first, end, ok) in parts {
        if first == UNKNOWN {
            continue;
        }
        if !ok || first < last {
            return false;
        }
        last = end;
    }
    true
}

/// [`group_by_owner`] of rows whose known owners ascend ([`owners_ascend`]): the same result
/// without moving them between buckets. Unknown owners are dropped in place, and each
/// owner's rows sorted (in parallel) only when they are not in order already.
fn group_ascending<T: Owned>(owners: usize, mut rows: Vec<T>) -> Result<(Vec<usize>, Vec<T>)> {
    if rows.iter().any(|r| r.owner() == UNKNOWN) {
        let kept = compact_known(&mut rows);
        rows.truncate(kept);
    }
    let mut start = vec![0usize; owners + 1];
    for r in &rows {
        start[r.owner() as usize + 1] += 1;
    }
    for p in 0..owners {
        start[p + 1] += start[p];
    }
    let mut own: Vec<&mut [T]> = Vec::with_capacity(owners);
    let mut rest = rows.as_mut_slice();
    for p in 0..owners {
        let (head, tail) = rest.split_at_mut(start[p + 1] - start[p]);
        own.push(head);
        rest = tail;
    }
    let token = crate::cancel::current();
    own.par_iter_mut().with_min_len(1024).for_each(|s| {
        if !s.is_sorted_by_key(T::order) {
            s.sort_unstable_by_key(T::order);
        }
    });
    crate::cancel::check_carried(token.as_ref())?;
    Ok((start, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_pack_date_and_flags_in_one_word() {
        for (date, flags) in [(0, 0u8), (-719_468, 255), (19_723, 0b1011), (8_388_607, 1)] {
            let c = Contact::new(7, date, flags).unwrap();
            assert_eq!((c.person, c.date(), c.flags()), (7, date, flags));
        }
        assert!(Contact::new(1, 1 << 23, 0).is_none());
        assert!(Contact::new(1, -(1 << 23) - 1, 0).is_none());
        let (a, b) = (
            Contact::new(1, -5, 200).unwrap(),
            Contact::new(1, -4, 0).unwrap(),
        );
        assert!(a.word() < b.word(), "the word sorts by date first");
    }

    /// In any order (the buckets), and with the known owners ascending, unknown ones between
    /// and each owner's dates in no order (in place).
    #[test]
    fn grouping_by_person_sorts_each_persons_contacts_by_date() {
        let people = 10_000;
        let mut rows = Vec::new();
        let mut x: u64 = 7;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let person = if x.is_multiple_of(50) {
                UNKNOWN
            } else {
                (x % people as u64) as u32
            };
            rows.push(Contact::new(person, ((x >> 20) % 3000) as i32, (x >> 40) as u8).unwrap());
        }
        assert!(!owners_ascend(&rows));
        check_grouping(people, rows.clone());
        rows.sort_by_key(|c| c.person.wrapping_add(1)); // UNKNOWN first, then by person
        assert!(owners_ascend(&rows));
        check_grouping(people, rows.clone());
        // Unknown owners scattered among ascending ones (stable: dates stay unordered).
        let mut spread = rows.clone();
        spread.sort_by_key(|c| c.person);
        for k in (0..spread.len()).step_by(97) {
            spread[k].person = UNKNOWN;
        }
        assert!(owners_ascend(&spread));
        check_grouping(people, spread);
    }

    #[test]
    fn compacting_keeps_the_known_rows_in_order() {
        let c = |p: u32, d: i32| Contact::new(p, d, 0).unwrap();
        let mut rows = [
            c(UNKNOWN, 1),
            c(3, 2),
            c(UNKNOWN, 3),
            c(1, 4),
            c(2, 5),
            c(UNKNOWN, 6),
        ];
        assert_eq!(compact_known(&mut rows), 3);
        let front: Vec<(u32, i32)> = rows[..3].iter().map(|r| (r.person, r.date())).collect();
        assert_eq!(front, [(3, 2), (1, 4), (2, 5)]);
        assert_eq!(compact_known(&mut [c(UNKNOWN, 1)]), 0);
    }

    fn check_grouping(people: usize, rows: Vec<Contact>) {
        let mut expected: Vec<Contact> = rows
            .iter()
            .copied()
            .filter(|c| c.person != UNKNOWN)
            .collect();
        expected.sort_by_key(|c| (c.person, c.date(), c.flags()));
        let (start, mut sorted) = group_by_owner(people, rows).unwrap();
        assert_eq!(start[people], expected.len());
        for p in 0..people {
            let own = &mut sorted[start[p]..start[p + 1]];
            assert!(own.iter().all(|c| c.person == p as u32));
            assert!(own.windows(2).all(|w| w[0].date() <= w[1].date()));
            own.sort_by_key(|c| (c.person, c.date(), c.flags()));
        }
        let key = |c: &Contact| (c.person, c.date(), c.flags());
        assert!(sorted.iter().map(key).eq(expected.iter().map(key)));
    }
}
