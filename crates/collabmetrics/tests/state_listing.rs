//! The listing of every flagged record (`*_state_listing`): for inputs with several records
//! flagged under one reason, the listing names exactly those rows of exactly that table
//! (worked out by hand below, row by row), its count per reason is the state's, and the
//! one-machine path (no listing) counts the same.

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use collabmetrics::distance::{self, NullPolicy, SummaryTableOptions};
use collabmetrics::oap::{self, OapOptions};
use collabmetrics::table::{days_from_civil, ColumnMap, Diagnostics, Input};
use collabmetrics::transition::{self, Tables, TransitionOptions};
use std::collections::BTreeMap;
use std::sync::Arc;

fn input(b: &RecordBatch) -> Input {
    Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap()
}

fn text(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn ints(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

/// The listing as (table, reason) → rows, sorted.
fn listed(d: &Diagnostics) -> BTreeMap<(String, String), Vec<usize>> {
    let mut out: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for f in d.flags().expect("a listing") {
        let key = (
            f.table.expect("a record's table").to_owned(),
            d.entries[f.entry].reason.clone(),
        );
        out.entry(key)
            .or_default()
            .push(f.row.expect("a record's row"));
    }
    for rows in out.values_mut() {
        rows.sort_unstable();
    }
    out
}

/// Every reason's count is the number of its listed records, and the listing's table has
/// one row per flag.
fn counts_agree(d: &Diagnostics) {
    let flags = d.flags().expect("a listing");
    for (i, e) in d.entries.iter().enumerate() {
        let n = flags.iter().filter(|f| f.entry == i).count() as u64;
        assert_eq!(e.count, n, "{}", e.reason);
    }
    assert_eq!(d.listing_batch().num_rows(), flags.len());
}

/// The counts of a state's diagnostic rows (`part` = `diagnostic`), by reason: what a
/// merge adds up. (Finishing adds notes about groups, e.g. a period without admissions.)
fn state_counts(batch: &RecordBatch) -> BTreeMap<String, u64> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    let col = |n: &str| batch.column_by_name(n).unwrap();
    let (part, reason) = (
        col("part").as_string::<i32>(),
        col("reason").as_string::<i32>(),
    );
    let count = col("count").as_primitive::<Int64Type>();
    (0..batch.num_rows())
        .filter(|&i| part.value(i) == "diagnostic")
        .map(|i| (reason.value(i).to_owned(), count.value(i) as u64))
        .collect()
}

fn by_reason(d: &Diagnostics) -> BTreeMap<String, u64> {
    d.entries
        .iter()
        .map(|e| (e.reason.clone(), e.count))
        .collect()
}

fn expect(pairs: &[(&str, &str, &[usize])]) -> BTreeMap<(String, String), Vec<usize>> {
    pairs
        .iter()
        .map(|(t, r, rows)| ((t.to_string(), r.to_string()), rows.to_vec()))
        .collect()
}

#[test]
fn oap_lists_the_placements_and_admissions_each_rule_flags() {
    // Row by row (period January to March 2024, the default bed scope 10, 11, 12, 200, 201,
    // 202, inappropriate reasons only):
    // 0 A, bed 10, reason 10, closed, 12 km: counted, nothing flagged;
    // 1 B, no bed type, open, no distance: bed_type_missing, open_placement, missing_distance;
    // 2 C, bed 13: bed_type_out_of_scope (excluded: nothing else looked at);
    // 3 D, no bed type: bed_type_missing;
    // 4 E, reason 14 (patient choice), no distance: appropriate_reason (excluded, so its
    //   missing distance is not looked at);
    // 5 F, open, no distance: open_placement, missing_distance;
    // 6 A again, starting 15 Jan inside row 0 (5 to 20 Jan): overlapping_placements;
    // 7 G, bed 13: bed_type_out_of_scope;
    // 8 H, no bed type, reason 77: bed_type_missing, unknown_reason_code (excluded).
    let na = None;
    let placements = RecordBatch::try_from_iter(vec![
        ("placement_id", ints(&[1, 2, 3, 4, 5, 6, 7, 8, 9])),
        (
            "person_id",
            text(&["A", "B", "C", "D", "E", "F", "A", "G", "H"].map(Some)),
        ),
        (
            "start_date",
            text(
                &[
                    "2024-01-05",
                    "2024-01-10",
                    "2024-02-01",
                    "2024-02-01",
                    "2024-02-03",
                    "2024-03-01",
                    "2024-01-15",
                    "2024-03-01",
                    "2024-03-02",
                ]
                .map(Some),
            ),
        ),
        (
            "end_date",
            text(&[
                Some("2024-01-20"),
                na,
                Some("2024-02-10"),
                Some("2024-02-10"),
                Some("2024-02-15"),
                na,
                Some("2024-01-25"),
                Some("2024-03-05"),
                Some("2024-03-09"),
            ]),
        ),
        (
            "bed_type",
            text(&[
                Some("10"),
                na,
                Some("13"),
                na,
                Some("10"),
                Some("10"),
                Some("10"),
                Some("13"),
                na,
            ]),
        ),
        (
            "reason",
            text(&["10", "10", "10", "10", "14", "10", "10", "10", "77"].map(Some)),
        ),
        (
            "distance_km",
            Arc::new(Float64Array::from(vec![
                Some(12.0),
                None,
                Some(3.0),
                Some(40.0),
                None,
                None,
                Some(7.0),
                Some(1.0),
                Some(2.0),
            ])) as ArrayRef,
        ),
    ])
    .unwrap();
    // Admissions: the placements counted (0, 1, 3, 5 and 6) again, so the proportions are
    // at most 1; 1 and 3 without a bed type (kept), 2 (bed 13) and 5 (bed 99) out of scope.
    let admissions = RecordBatch::try_from_iter(vec![
        (
            "start_date",
            text(
                &[
                    "2024-01-05",
                    "2024-01-10",
                    "2024-01-02",
                    "2024-02-01",
                    "2024-03-01",
                    "2024-01-02",
                    "2024-01-15",
                ]
                .map(Some),
            ),
        ),
        (
            "end_date",
            text(&[
                Some("2024-01-20"),
                na,
                Some("2024-01-09"),
                Some("2024-02-10"),
                na,
                Some("2024-01-09"),
                Some("2024-01-25"),
            ]),
        ),
        (
            "bed_type",
            text(&[
                Some("10"),
                na,
                Some("13"),
                na,
                Some("200"),
                Some("99"),
                Some("11"),
            ]),
        ),
    ])
    .unwrap();
    let mut opts = OapOptions::new(days_from_civil(2024, 1, 1), days_from_civil(2024, 3, 31));
    opts.distance = Some("distance_km".into());
    let (p, a) = (input(&placements), input(&admissions));
    let (batch, d) = oap::state_listing(Some(&p), &opts, Some(&a)).unwrap();
    assert_eq!(
        listed(&d),
        expect(&[
            ("placements", "bed_type_missing", &[1, 3, 8]),
            ("placements", "bed_type_out_of_scope", &[2, 7]),
            ("placements", "appropriate_reason", &[4]),
            ("placements", "unknown_reason_code", &[8]),
            ("placements", "open_placement", &[1, 5]),
            ("placements", "overlapping_placements", &[6]),
            ("placements", "missing_distance", &[1, 5]),
            ("admissions", "admission_bed_type_missing", &[1, 3]),
            ("admissions", "admission_bed_type_out_of_scope", &[2, 5]),
        ])
    );
    counts_agree(&d);
    assert_eq!(by_reason(&d), state_counts(&batch));
    // Without a listing: the same state, the same counts as the one-machine measures.
    assert_eq!(oap::state(Some(&p), &opts, Some(&a)).unwrap(), batch);
    // The one-machine measures count the same records, and note besides that March has no
    // admission ending in it (a period, not a record: not in the state's listing).
    let one = oap::measures(&p, &opts, None, Some(&a)).unwrap();
    let mut notes = by_reason(&d);
    notes.insert("no_admissions_ended".into(), 1);
    assert_eq!(by_reason(&one.diagnostics), notes);
    assert!(one.diagnostics.flags().is_none());
}

fn day(y: i32, m: u32, d: u32) -> Option<i32> {
    Some(days_from_civil(y, m, d))
}

fn dates(v: &[Option<i32>]) -> ArrayRef {
    Arc::new(arrow_array::Date32Array::from(v.to_vec()))
}

#[test]
fn transition_lists_the_rows_of_each_table_a_rule_flags() {
    // Persons: P2 has no birth date; P3 died on 30 June 2023.
    let persons = RecordBatch::try_from_iter(vec![
        ("person_id", text(&["P1", "P2", "P3", "P4"].map(Some))),
        (
            "date_of_birth",
            dates(&[day(2000, 1, 1), None, day(2001, 1, 1), day(2002, 1, 1)]),
        ),
        (
            "date_of_death",
            dates(&[None, None, day(2023, 6, 30), None]),
        ),
    ])
    .unwrap();
    // Referrals: 0 kept; 1 and 5 of people not in the persons table; 2 received after the
    // data end; 3 of P2 (no birth date); 4 with neither a service line nor a team type
    // (unclassified); 6 received after P3's death (kept, flagged).
    let referrals = RecordBatch::try_from_iter(vec![
        ("referral_id", ints(&[100, 101, 102, 103, 104, 105, 106])),
        (
            "person_id",
            text(&["P1", "PX", "P1", "P2", "P4", "P9", "P3"].map(Some)),
        ),
        (
            "received_date",
            dates(&[
                day(2023, 1, 1),
                day(2023, 1, 1),
                day(2025, 6, 1),
                day(2023, 1, 1),
                day(2023, 2, 1),
                day(2023, 1, 1),
                day(2023, 9, 1),
            ]),
        ),
        (
            "service_line",
            text(&[
                Some("cyp"),
                Some("adult"),
                Some("adult"),
                Some("adult"),
                None,
                Some("adult"),
                Some("adult"),
            ]),
        ),
        (
            "team_type",
            text(&[
                Some("C03"),
                Some("A03"),
                Some("A03"),
                Some("A03"),
                None,
                Some("A03"),
                Some("A03"),
            ]),
        ),
    ])
    .unwrap();
    // Contacts: 0 kept; 1 and 5 of unknown referrals; 2 after the data end; 3 (code 9) and
    // 8 (null) with an invalid attendance; 4 attended by an indirect mechanism (05); 6 on
    // referral 101, excluded; 7 on P3's referral after P3's death (kept, flagged).
    let contacts = RecordBatch::try_from_iter(vec![
        ("contact_id", ints(&[1, 2, 3, 4, 5, 6, 7, 8, 9])),
        (
            "referral_id",
            ints(&[100, 999, 100, 100, 100, 998, 101, 106, 100]),
        ),
        (
            "contact_date",
            dates(&[
                day(2023, 2, 1),
                day(2023, 2, 1),
                day(2025, 3, 1),
                day(2023, 3, 1),
                day(2023, 4, 1),
                day(2023, 2, 1),
                day(2023, 2, 1),
                day(2023, 10, 1),
                day(2023, 5, 1),
            ]),
        ),
        (
            "attendance",
            text(&[
                Some("5"),
                Some("5"),
                Some("5"),
                Some("9"),
                Some("5"),
                Some("5"),
                Some("5"),
                Some("5"),
                None,
            ]),
        ),
        (
            "mechanism",
            text(&["01", "01", "01", "01", "05", "01", "01", "01", "01"].map(Some)),
        ),
    ])
    .unwrap();
    // Care plans: 0 a transition plan; 1 of an unknown person; 2 and 3 not of type 14.
    let plans = RecordBatch::try_from_iter(vec![
        ("person_id", text(&["P1", "PZ", "P1", "P4"].map(Some))),
        ("plan_type", ints(&[14, 14, 12, 3])),
        (
            "date",
            dates(&[
                day(2023, 1, 1),
                day(2023, 1, 1),
                day(2023, 1, 1),
                day(2023, 1, 1),
            ]),
        ),
    ])
    .unwrap();
    let inputs: Vec<Input> = [&persons, &referrals, &contacts, &plans]
        .into_iter()
        .map(input)
        .collect();
    let tables = Tables {
        persons: &inputs[0],
        referrals: &inputs[1],
        contacts: &inputs[2],
        care_plans: Some(&inputs[3]),
    };
    let opts = TransitionOptions::new(days_from_civil(2024, 12, 31));
    let (batch, d) = transition::state_listing(&tables, &opts).unwrap();
    assert_eq!(
        listed(&d),
        expect(&[
            ("persons", "missing_date_of_birth", &[1]),
            ("referrals", "referral_person_not_found", &[1, 5]),
            ("referrals", "referral_after_data_end", &[2]),
            ("referrals", "referral_of_person_without_birth_date", &[3]),
            ("referrals", "unclassified_referral", &[4]),
            ("referrals", "event_after_death", &[6]),
            ("contacts", "contact_referral_not_found", &[1, 5]),
            ("contacts", "contact_after_data_end", &[2]),
            ("contacts", "invalid_attendance", &[3, 8]),
            ("contacts", "indirect_contact", &[4]),
            ("contacts", "contact_on_excluded_referral", &[6]),
            ("contacts", "event_after_death", &[7]),
            ("care_plans", "care_plan_person_not_found", &[1]),
            ("care_plans", "care_plan_not_transition", &[2, 3]),
        ])
    );
    counts_agree(&d);
    assert_eq!(d.count("event_after_death"), 2);
    assert_eq!(by_reason(&d), state_counts(&batch));
    assert_eq!(transition::state(&tables, &opts).unwrap(), batch);
    let one = transition::summary(&tables, &opts).unwrap();
    assert_eq!(by_reason(&one.diagnostics), by_reason(&d));
}

#[test]
fn distance_summary_lists_the_rows_without_a_distance() {
    // Rows 1, 2 and 5 have no distance (left out); the others are summarised.
    let data = RecordBatch::try_from_iter(vec![(
        "distance_km",
        Arc::new(Float64Array::from(vec![
            Some(4.0),
            None,
            None,
            Some(30.0),
            Some(2.5),
            None,
        ])) as ArrayRef,
    )])
    .unwrap();
    let opts = SummaryTableOptions {
        nulls: NullPolicy::Propagate,
        ..SummaryTableOptions::default()
    };
    let i = input(&data);
    let (batch, d) = distance::summary_state_listing(&i, &opts).unwrap();
    assert_eq!(
        listed(&d),
        expect(&[("data", "missing_distance", &[1, 2, 5])])
    );
    counts_agree(&d);
    assert_eq!(by_reason(&d), state_counts(&batch));
    let one = distance::distance_summary_table(&i, &opts).unwrap();
    assert_eq!(by_reason(&one.diagnostics), by_reason(&d));
    assert_eq!(one.diagnostics.entries[0].first_row, Some(1));
}

#[test]
fn state_build_lists_through_every_kind_and_the_stats_kinds_flag_nothing() {
    use collabmetrics::state::{build, StateKind};
    // DSR, ISR, mean and inequality states set no record aside: with a listing, an empty
    // one; without, none at all.
    let data = RecordBatch::try_from_iter(vec![(
        "value",
        Arc::new(Float64Array::from(vec![1.0, 2.0, 4.0])) as ArrayRef,
    )])
    .unwrap();
    let i = input(&data);
    let (state, listing) = build(StateKind::Mean, &[Some(&i)], "{}", true).unwrap();
    let listing = listing.expect("a listing");
    assert!(listing.flags().unwrap_or_default().is_empty());
    assert_eq!(listing.listing_batch().num_rows(), 0);
    let (plain, none) = build(StateKind::Mean, &[Some(&i)], "{}", false).unwrap();
    assert!(none.is_none());
    assert_eq!(plain, state);
    // The distance summary through the same entry point lists its rows.
    let km = RecordBatch::try_from_iter(vec![(
        "distance_km",
        Arc::new(Float64Array::from(vec![None, Some(1.0), None])) as ArrayRef,
    )])
    .unwrap();
    let k = input(&km);
    let (_, listing) = build(
        StateKind::DistanceSummary,
        &[Some(&k)],
        r#"{"nulls":"propagate"}"#,
        true,
    )
    .unwrap();
    assert_eq!(
        listed(&listing.expect("a listing")),
        expect(&[("data", "missing_distance", &[0, 2])])
    );
    // A required table missing, and options that do not read, are errors naming them.
    let e = build(StateKind::Transition, &[None, None, None], "{}", true).unwrap_err();
    assert!(e.to_string().contains("persons"), "{e}");
    let e = build(
        StateKind::Mean,
        &[Some(&i)],
        "{\"confidence\": \"x\"}",
        true,
    )
    .unwrap_err();
    assert!(e.to_string().contains("options"), "{e}");
}
