//! Cohorts T (transfers) and B (ageing out) for one person at a time: the per-person rules of
//! `docs/methods/transition.md`, over that person's referrals and contacts sorted by date.

use super::load::{Contact, Ref, ADULT, ATTENDED, CRISIS, CYP, DNA, NEVER, SCHEDULED};
use super::{age_on, date_at_age, ServiceLine, TransitionOptions};

/// The nine classes of cohort B, in the order their rules are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BClass {
    /// 1: died before the classification date B + F.
    Died,
    /// 2: B + F is after the data end (out of the proportions, kept in the curves).
    InsufficientFollowUp,
    /// 3: an accepted adult referral received in [B − 183, B + F] and an attended adult
    /// contact within N days of it.
    TransferredEngaged,
    /// 4: such an adult referral, but no attended adult contact within N days.
    TransferredNotEngaged,
    /// 5: only rejected adult referrals.
    AdultReferralRejected,
    /// 6: no adult referral, still in CYPMHS (referral open on B + 90, or an attended CYP
    /// contact in [B + 90, B + F]).
    RetainedInCypmhs,
    /// 7: CYP care closed, no adult referral, closure reason 02 or 04.
    DischargedPlanned,
    /// 8: closed with closure reason 05 or 09.
    DischargedDisengaged,
    /// 9: closed with any other closure reason, or none.
    DischargedOther,
}

impl BClass {
    /// Every class, in the order of its rule (1–9).
    pub const ALL: [BClass; 9] = [
        BClass::Died,
        BClass::InsufficientFollowUp,
        BClass::TransferredEngaged,
        BClass::TransferredNotEngaged,
        BClass::AdultReferralRejected,
        BClass::RetainedInCypmhs,
        BClass::DischargedPlanned,
        BClass::DischargedDisengaged,
        BClass::DischargedOther,
    ];

    /// The class's name in results (`died`, `insufficient_follow_up`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            BClass::Died => "died",
            BClass::InsufficientFollowUp => "insufficient_follow_up",
            BClass::TransferredEngaged => "transferred_engaged",
            BClass::TransferredNotEngaged => "transferred_not_engaged",
            BClass::AdultReferralRejected => "adult_referral_rejected",
            BClass::RetainedInCypmhs => "retained_in_cypmhs",
            BClass::DischargedPlanned => "discharged_planned",
            BClass::DischargedDisengaged => "discharged_disengaged",
            BClass::DischargedOther => "discharged_other",
        }
    }

    /// Classes 3–9: those with full follow-up, the denominators of the rates.
    pub fn followed_up(self) -> bool {
        !matches!(self, BClass::Died | BClass::InsufficientFollowUp)
    }
}

/// One member of cohort T: an episode's index adult referral and its metrics.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TRow {
    pub person: u32,
    pub episode: u32,
    pub index: i32,
    /// Row of the index referral in the referrals table.
    pub referral_row: u32,
    pub age: i32,
    /// Date engagement was reached: the `min_attended_contacts`-th attended adult contact on
    /// or after the index date.
    pub engaged: Option<i32>,
    /// First attended adult contact on or after the index date.
    pub first_adult: Option<i32>,
    /// Date of death, when on or before the data end.
    pub death: Option<i32>,
    /// Per T1 horizon (bit h for `all_horizons()[h]`): follow-up complete; disengaged; died
    /// in the window without engaging (reported apart, out of the denominator).
    pub eligible: u8,
    pub disengaged: u8,
    pub died: u8,
    pub first_missed: Option<bool>,
    pub discharged_without_attending: Option<bool>,
    pub engaged_12m: Option<bool>,
    pub early_dropout: Option<bool>,
    pub continuity_gap: Option<i32>,
    pub parallel_care: bool,
    pub plan: Option<bool>,
    pub crisis: u32,
}

/// One member of cohort B.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BRow {
    pub person: u32,
    pub boundary: i32,
    pub class: BClass,
    /// Engagement date: the `min_attended_contacts`-th attended adult contact on or after the
    /// start of the boundary window (may be before the boundary date).
    pub engaged: Option<i32>,
    pub death: Option<i32>,
    /// First adult referral (not crisis) received in the classification window.
    pub adult_referral: Option<i32>,
    /// Discharge of the CYP referral that closed (classes 7–9).
    pub cyp_discharge: Option<i32>,
    pub fell_through_gap: bool,
    pub lost_to_services: bool,
}

impl BRow {
    /// `fell_through_gap` over its denominator, the discharged (classes 7–9); `None` for
    /// the others, as cohort T's flags are outside theirs.
    pub fn fell_through(&self) -> Option<bool> {
        use BClass::*;
        matches!(
            self.class,
            DischargedPlanned | DischargedDisengaged | DischargedOther
        )
        .then_some(self.fell_through_gap)
    }

    /// `lost_to_services` over its denominator, the members followed up (classes 3–9).
    pub fn lost(&self) -> Option<bool> {
        self.class.followed_up().then_some(self.lost_to_services)
    }
}

/// One person's records, sorted by date.
pub(crate) struct View<'a> {
    pub refs: &'a [Ref],
    pub contacts: &'a [Contact],
    pub plans: Option<&'a [i32]>,
    pub dob: i32,
    pub dod: i32,
}

/// Referrals rejected that would otherwise have started a cohort-T episode (their rows of
/// the referrals).
pub(crate) type Rejected = super::contacts::Tally;

/// T5's early drop-out window (`docs/methods/transition.md`, T5).
const EARLY_DAYS: i32 = 183;
/// T4's window is the last this many days of the follow-up year: `(t0 + 275, t0 + 365]`.
const LATE_WINDOW_DAYS: i32 = 90;
const DROPOUT_REASONS: [u16; 3] = [5, 7, 9];
const PLANNED_REASONS: [u16; 2] = [2, 4];
const DISENGAGED_REASONS: [u16; 2] = [5, 9];
const TRANSITION_PLAN_LOOKBACK: i32 = 365;
/// Cohort B needs an attended CYP contact in `[B - 365, B]`.
const BOUNDARY_CONTACT_LOOKBACK: i32 = 365;

impl View<'_> {
    fn first_on_or_after(&self, day: i32) -> usize {
        self.contacts.partition_point(|c| c.date() < day)
    }

    /// Date of the `k`-th contact in `[from, to]` having every flag of `mask`.
    fn kth(&self, from: i32, to: i32, mask: u8, k: u32) -> Option<i32> {
        let mut seen = 0;
        for c in &self.contacts[self.first_on_or_after(from)..] {
            if c.date() > to {
                break;
            }
            if c.flags() & mask == mask {
                seen += 1;
                if seen == k {
                    return Some(c.date());
                }
            }
        }
        None
    }

    fn any(&self, from: i32, to: i32, mask: u8) -> bool {
        self.kth(from, to, mask, 1).is_some()
    }

    fn count(&self, from: i32, to: i32, mask: u8) -> u32 {
        self.contacts[self.first_on_or_after(from)..]
            .iter()
            .take_while(|c| c.date() <= to)
            .filter(|c| c.flags() & mask == mask)
            .count() as u32
    }

    /// Last contact on or before `to` having every flag of `mask`.
    fn last_until(&self, to: i32, mask: u8) -> Option<i32> {
        self.contacts[..self.first_on_or_after(to.saturating_add(1))]
            .iter()
            .rev()
            .find(|c| c.flags() & mask == mask)
            .map(|c| c.date())
    }

    fn cyp(&self) -> impl Iterator<Item = &Ref> {
        self.refs
            .iter()
            .filter(|r| r.accepted && r.line == ServiceLine::Cyp)
    }

    /// An accepted CYP referral open on `day` (received on or before it, not discharged
    /// before it).
    fn cyp_open_on(&self, day: i32) -> bool {
        self.cyp().any(|r| r.received <= day && r.discharge >= day)
    }
}

/// Evaluates both cohorts for one person, appending to `t` and `b`.
pub(crate) fn evaluate(
    v: &View,
    person: u32,
    opts: &TransitionOptions,
    horizons: &[i32],
    t: &mut Vec<TRow>,
    b: &mut Vec<BRow>,
    rejected: &mut Rejected,
) {
    transfers(v, person, opts, horizons, t, rejected);
    if let Some(row) = ageing_out(v, person, opts) {
        b.push(row);
    }
}

fn period(opts: &TransitionOptions) -> (i32, i32) {
    (
        opts.period_start.unwrap_or(i32::MIN),
        opts.period_end
            .unwrap_or(opts.data_end())
            .min(opts.data_end()),
    )
}

/// Cohort T. Episodes are formed over the whole history (so a referral just before the
/// period still opens the episode a later one belongs to); members are those indexed in the
/// reporting period.
fn transfers(
    v: &View,
    person: u32,
    opts: &TransitionOptions,
    horizons: &[i32],
    out: &mut Vec<TRow>,
    rejected: &mut Rejected,
) {
    let (start, end) = period(opts);
    let mut episode_until = i32::MIN;
    let mut episode = 0;
    for r in v.refs.iter().filter(|r| r.line == ServiceLine::Adult) {
        let t0 = r.received;
        if t0 <= episode_until {
            continue;
        }
        let age = age_on(v.dob, t0);
        if age < opts.min_age as i32 || age > opts.max_age as i32 {
            continue;
        }
        let involved = v.cyp_open_on(t0) || v.any(t0 - opts.cyp_lookback_days, t0, ATTENDED | CYP);
        if !involved {
            continue;
        }
        let in_period = (start..=end).contains(&t0);
        if !r.accepted {
            if in_period {
                rejected.add(r.row as usize);
            }
            continue;
        }
        episode_until = t0 + opts.episode_gap_days;
        episode += 1;
        if in_period {
            out.push(transfer(v, person, episode, r, age, opts, horizons));
        }
    }
}

fn transfer(
    v: &View,
    person: u32,
    episode: u32,
    r: &Ref,
    age: i32,
    opts: &TransitionOptions,
    horizons: &[i32],
) -> TRow {
    let t0 = r.received;
    let end = opts.data_end();
    let f = opts.followup_days;
    let n = opts.engagement_days;
    let death = (v.dod <= end).then_some(v.dod);
    // Engagement after a recorded death (inconsistent data, kept and counted as
    // `event_after_death`) is no engagement: the death came first, in T1 as in the curves (a
    // contact on the day of death counts).
    let engaged = v
        .kth(t0, end, ATTENDED | ADULT, opts.min_attended_contacts)
        .filter(|&e| death.is_none_or(|d| e <= d));
    let first_adult = v.kth(t0, end, ATTENDED | ADULT, 1);
    let engaged_by = |day: i32| engaged.is_some_and(|e| e <= day);
    let (mut eligible, mut disengaged, mut died) = (0u8, 0u8, 0u8);
    for (h, &days) in horizons.iter().enumerate() {
        if t0 + days > end {
            continue;
        }
        eligible |= 1 << h;
        if engaged_by(t0 + days) {
            continue;
        }
        if death.is_some_and(|d| d <= t0 + days) {
            died |= 1 << h;
        } else {
            disengaged |= 1 << h;
        }
    }
    let engaged_in_n = engaged_by(t0 + n);
    TRow {
        person,
        episode,
        index: t0,
        referral_row: r.row,
        age,
        engaged,
        first_adult,
        death,
        eligible,
        disengaged,
        died,
        first_missed: first_missed(v, t0, t0 + n),
        discharged_without_attending: (t0 + f <= end)
            .then(|| r.discharge <= t0 + f && !v.any(t0, r.discharge, ATTENDED | ADULT)),
        engaged_12m: (t0 + f <= end && death.is_none_or(|d| d > t0 + f))
            .then(|| v.any(t0 + f - LATE_WINDOW_DAYS + 1, t0 + f, ATTENDED | ADULT)),
        early_dropout: (engaged_in_n && t0 + EARLY_DAYS <= end).then(|| {
            r.discharge <= t0 + EARLY_DAYS
                && engaged.is_some_and(|e| r.discharge >= e)
                && DROPOUT_REASONS.contains(&r.closure)
        }),
        continuity_gap: first_adult
            .filter(|_| engaged_in_n)
            .and_then(|fa| v.last_until(fa, ATTENDED | CYP).map(|last| fa - last)),
        parallel_care: parallel_care(v, t0, t0 + f, first_adult),
        plan: v.plans.map(|p| {
            p.iter()
                .any(|&d| d >= t0 - TRANSITION_PLAN_LOOKBACK && d <= t0)
        }),
        crisis: v.count(t0, t0 + f, ATTENDED | CRISIS),
    }
}

/// T2: the earliest day in `[from, to]` with a scheduled adult contact (cancellations and
/// invalid codes ignored); missed when every scheduled adult contact that day was a DNA.
fn first_missed(v: &View, from: i32, to: i32) -> Option<bool> {
    let day = v.kth(from, to, SCHEDULED | ADULT, 1)?;
    let all_dna = v.contacts[v.first_on_or_after(day)..]
        .iter()
        .take_while(|c| c.date() == day)
        .filter(|c| c.flags() & (SCHEDULED | ADULT) == SCHEDULED | ADULT)
        .all(|c| c.flags() & DNA != 0);
    Some(all_dna)
}

/// T8: an attended CYP contact on or after the first attended adult contact, or an attended
/// adult contact while a CYP referral was still open (before its discharge), within the
/// follow-up year.
fn parallel_care(v: &View, t0: i32, until: i32, first_adult: Option<i32>) -> bool {
    let Some(fa) = first_adult else {
        return false;
    };
    if v.any(fa, until, ATTENDED | CYP) {
        return true;
    }
    v.contacts[v.first_on_or_after(t0)..]
        .iter()
        .take_while(|c| c.date() <= until)
        .filter(|c| c.flags() & (ATTENDED | ADULT) == ATTENDED | ADULT)
        .any(|c| {
            v.cyp()
                .any(|r| r.received <= c.date() && c.date() < r.discharge)
        })
}

/// Cohort B: the person's boundary date in the period, an accepted CYP referral open in the
/// window before it and an attended CYP contact in the year before it.
fn ageing_out(v: &View, person: u32, opts: &TransitionOptions) -> Option<BRow> {
    let (start, end) = period(opts);
    let b = date_at_age(v.dob, opts.boundary_age as i32);
    if b < start || b > end {
        return None;
    }
    let window = b - opts.boundary_open_window_days;
    let open = v.cyp().any(|r| r.received <= b && r.discharge >= window);
    if !open || !v.any(b - BOUNDARY_CONTACT_LOOKBACK, b, ATTENDED | CYP) {
        return None;
    }
    let f = opts.followup_days;
    let k = opts.min_attended_contacts;
    let horizon = b + f;
    let engaged = v.kth(window, opts.data_end(), ATTENDED | ADULT, k);
    let death = (v.dod <= opts.data_end()).then_some(v.dod);
    // Adult (not crisis) referrals received in the classification window.
    let adult = || {
        v.refs.iter().filter(move |r| {
            r.line == ServiceLine::Adult && r.received >= window && r.received <= horizon
        })
    };
    let mut row = BRow {
        person,
        boundary: b,
        class: BClass::Died,
        engaged,
        death,
        adult_referral: adult().next().map(|r| r.received),
        cyp_discharge: None,
        fell_through_gap: false,
        lost_to_services: false,
    };
    let accepted = || adult().filter(|r| r.accepted);
    // A death after the data end is not known (as in cohort T): not `died`, and the
    // follow-up it would end is insufficient.
    row.class = if death.is_some_and(|d| d < horizon) {
        BClass::Died
    } else if horizon > opts.data_end() {
        BClass::InsufficientFollowUp
    } else if accepted().any(|r| {
        let until = (r.received + opts.engagement_days).min(horizon);
        v.kth(r.received, until, ATTENDED | ADULT, k).is_some()
    }) {
        BClass::TransferredEngaged
    } else if accepted().next().is_some() {
        BClass::TransferredNotEngaged
    } else if adult().next().is_some() {
        BClass::AdultReferralRejected
    } else if v.cyp_open_on(b + opts.retained_days)
        || v.any(b + opts.retained_days, horizon, ATTENDED | CYP)
    {
        BClass::RetainedInCypmhs
    } else {
        discharged(v, &mut row, window, b + opts.retained_days, f)
    };
    Some(row)
}

/// Classes 7–9 from the closure reason of the CYP referral discharged last (the one that
/// closed CYPMHS care), with the fell-through-the-gap and lost-to-services flags.
fn discharged(v: &View, row: &mut BRow, window: i32, retained: i32, f: i32) -> BClass {
    let last = v
        .cyp()
        .filter(|r| r.discharge != NEVER && r.discharge >= window && r.discharge < retained)
        .max_by_key(|r| (r.discharge, r.row));
    let (reason, discharge) = last.map_or((0, None), |r| (r.closure, Some(r.discharge)));
    row.cyp_discharge = discharge;
    let class = if PLANNED_REASONS.contains(&reason) {
        BClass::DischargedPlanned
    } else if DISENGAGED_REASONS.contains(&reason) {
        BClass::DischargedDisengaged
    } else {
        BClass::DischargedOther
    };
    if let Some(d) = discharge {
        let new_adult = v.refs.iter().any(|r| {
            matches!(r.line, ServiceLine::Adult | ServiceLine::AdultCrisis)
                && r.received > d
                && r.received <= d + f
        });
        row.fell_through_gap = new_adult || v.any(d + 1, d + f, ATTENDED | CRISIS);
        let later_contact = v.any(d + 1, d + f, ATTENDED);
        row.lost_to_services = class == BClass::DischargedDisengaged
            || (class == BClass::DischargedOther && !later_contact);
    }
    class
}
