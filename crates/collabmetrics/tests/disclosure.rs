//! Disclosure control: the spec's cases D1–D11, worked by hand there (and re-derived in the
//! comments here), plus the bad-input rules.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use collabmetrics::disclosure::{
    audit_two_way, disclose, Derived, DerivedKind, Disclosure, DisclosureOptions, Display, Reason,
    Rule, Secondary, SuppressOn,
};
use collabmetrics::table::{ColumnMap, Input};
use collabmetrics::ErrorKind;
use std::sync::Arc;

fn input(columns: Vec<(&str, ArrayRef)>) -> Input {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap()
}

fn ints(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

fn texts(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn counts(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|s| s.to_string()).collect())
}

fn column(d: &Disclosure, name: &str) -> Vec<Option<i64>> {
    d.table
        .table
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Int64Type>()
        .iter()
        .collect()
}

fn floats(d: &Disclosure, name: &str) -> Vec<Option<f64>> {
    d.table
        .table
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

fn text(d: &Disclosure, name: &str) -> Vec<Option<String>> {
    let col = d.table.table.column_by_name(name).unwrap();
    col.as_string::<i32>()
        .iter()
        .map(|s| s.map(str::to_owned))
        .collect()
}

/// The audit interval the log gives the count `column` at `row`.
fn interval(d: &Disclosure, column: &str, row: usize) -> (f64, f64) {
    let e = d
        .log
        .iter()
        .find(|e| e.row == row && &*e.column == column)
        .unwrap_or_else(|| panic!("no log entry for {column} at row {row}"));
    (e.audit_lower.unwrap(), e.audit_upper.unwrap())
}

fn opts(rule: Rule, names: &[&str]) -> DisclosureOptions {
    DisclosureOptions {
        rule,
        counts: counts(names),
        ..DisclosureOptions::default()
    }
}

fn custom(k: u64, suppress_zero: bool, base: u64) -> Rule {
    Rule::custom(k, suppress_zero, base).unwrap()
}

const D1: [i64; 15] = [0, 1, 4, 5, 7, 8, 12, 13, 17, 18, 22, 23, 1234, 1237, 1238];

#[test]
fn d1_sub_national_counts_under_both_nhs_rules() {
    let t = input(vec![("n", ints(&D1))]);
    let mhsds = disclose(&t, &opts(Rule::NhsMhsds, &["n"])).unwrap();
    let s = None;
    let p = Some;
    assert_eq!(
        column(&mhsds, "n"),
        vec![
            s,
            s,
            s,
            p(5),
            p(5),
            p(10),
            p(10),
            p(15),
            p(15),
            p(20),
            p(20),
            p(25),
            p(1235),
            p(1235),
            p(1240)
        ]
    );
    let hes = disclose(&t, &opts(Rule::NhsHes, &["n"])).unwrap();
    assert_eq!(
        column(&hes, "n"),
        vec![
            p(0),
            s,
            s,
            s,
            s,
            p(10),
            p(10),
            p(15),
            p(15),
            p(20),
            p(20),
            p(25),
            p(1235),
            p(1235),
            p(1240)
        ]
    );
    // The log: three primary cells and the rounded ones; 5 and 10-valued inputs aside.
    assert_eq!(
        mhsds
            .log
            .iter()
            .filter(|e| e.reason == Reason::PrimarySmall)
            .count(),
        3
    );
    assert_eq!(mhsds.table.diagnostics.count("primary_small"), 3);
    // Without margins a suppressed cell's interval is the rule's range.
    assert_eq!(interval(&mhsds, "n", 1), (0.0, 4.0));
    assert_eq!(interval(&hes, "n", 1), (1.0, 7.0));
}

#[test]
fn d2_national_rows_are_unchanged() {
    let t = input(vec![
        ("n", ints(&[0, 3, 12])),
        (
            "england",
            Arc::new(BooleanArray::from(vec![true, true, true])) as ArrayRef,
        ),
    ]);
    let o = DisclosureOptions {
        national: Some("england".into()),
        ..opts(Rule::NhsMhsds, &["n"])
    };
    let d = disclose(&t, &o).unwrap();
    assert_eq!(column(&d, "n"), vec![Some(0), Some(3), Some(12)]);
    assert!(d.log.is_empty());
}

#[test]
fn d3_totals_come_from_unrounded_parts() {
    // Parts 3, 12, 26 → *, 10, 25; total 41 → 40 (the visible rounded parts sum to 35).
    let o = DisclosureOptions {
        dimensions: counts(&["place"]),
        ..opts(Rule::NhsMhsds, &["n"])
    };
    // The total given (a row whose key is null) ...
    let given = input(vec![
        ("place", texts(&[Some("A"), Some("B"), Some("C"), None])),
        ("n", ints(&[3, 12, 26, 41])),
    ]);
    let d = disclose(&given, &o).unwrap();
    assert_eq!(column(&d, "n"), vec![None, Some(10), Some(25), Some(40)]);
    // ... or added.
    let added = input(vec![
        ("place", texts(&[Some("A"), Some("B"), Some("C")])),
        ("n", ints(&[3, 12, 26])),
    ]);
    let d = disclose(&added, &o).unwrap();
    assert_eq!(column(&d, "n"), vec![None, Some(10), Some(25), Some(40)]);
    assert_eq!(text(&d, "place")[3], None);
    assert_eq!(d.table.diagnostics.count("margin_added"), 1);
    // A given total that is not the sum of its parts is refused, naming it.
    let wrong = input(vec![
        ("place", texts(&[Some("A"), Some("B"), Some("C"), None])),
        ("n", ints(&[3, 12, 26, 45])),
    ]);
    let e = disclose(&wrong, &o).unwrap_err();
    assert_eq!(
        (e.kind(), e.column(), e.row()),
        (ErrorKind::InvalidCell, Some("n"), Some(3))
    );
    assert!(e.to_string().contains("sum of its parts, 41"), "{e}");
}

fn d4_table() -> Input {
    input(vec![
        ("n", ints(&[13, 3, 7, 5, 12])),
        ("d", ints(&[47, 40, 9, 5, 4])),
    ])
}

fn percent() -> Option<Vec<Derived>> {
    Some(vec![Derived::new(
        "pct",
        Some("n"),
        "d",
        DerivedKind::Percent,
    )])
}

#[test]
fn d4_percentages_from_unrounded_counts() {
    // 13/47 = 27.66 → 28 (the rounded 15/45 would give 33); 3/40: numerator suppressed;
    // 7/9 = 77.78 → 78; 5/5 → 100; 12/4: denominator suppressed.
    let o = DisclosureOptions {
        derived: percent(),
        ..opts(Rule::NhsMhsds, &["n", "d"])
    };
    let d = disclose(&d4_table(), &o).unwrap();
    assert_eq!(
        floats(&d, "pct"),
        vec![Some(28.0), None, Some(78.0), Some(100.0), None]
    );
    let reasons: Vec<Reason> = d
        .log
        .iter()
        .filter(|e| &*e.column == "pct")
        .map(|e| e.reason)
        .collect();
    assert_eq!(
        reasons,
        vec![
            Reason::Rounded,
            Reason::DerivedNumerator,
            Reason::Rounded,
            Reason::DerivedDenominator
        ]
    );
    // suppress_on = "numerator" (MHSDS's newer measures): 12/4 → 300.
    let o = DisclosureOptions {
        suppress_on: SuppressOn::Numerator,
        ..o
    };
    let d = disclose(&d4_table(), &o).unwrap();
    assert_eq!(
        floats(&d, "pct"),
        vec![Some(28.0), None, Some(78.0), Some(100.0), Some(300.0)]
    );
}

#[test]
fn derived_values_given_in_the_table_are_kept_suppressed_and_rounded() {
    let t = input(vec![
        ("n", ints(&[13, 3])),
        ("d", ints(&[47, 40])),
        (
            "pct",
            Arc::new(Float64Array::from(vec![27.659574, 7.5])) as ArrayRef,
        ),
    ]);
    let o = DisclosureOptions {
        derived: percent(),
        ..opts(Rule::NhsMhsds, &["n", "d"])
    };
    let d = disclose(&t, &o).unwrap();
    assert_eq!(floats(&d, "pct"), vec![Some(28.0), None]);
    // min_denominator: 13/47 is suppressed below 50.
    let mut spec = Derived::new("pct", Some("n"), "d", DerivedKind::Percent);
    spec.min_denominator = Some(50.0);
    let o = DisclosureOptions {
        derived: Some(vec![spec]),
        ..o
    };
    let d = disclose(&t, &o).unwrap();
    assert_eq!(floats(&d, "pct"), vec![None, None]);
    let pct0 = d
        .log
        .iter()
        .find(|e| &*e.column == "pct" && e.row == 0)
        .unwrap();
    assert_eq!(pct0.reason, Reason::DerivedMinDenominator);
}

#[test]
fn d5_codonpython_central_method() {
    let t = input(vec![("n", ints(&[0, 2, 5, 8, 16, 57, 10023]))]);
    let o = DisclosureOptions {
        display: Display::Central,
        ..opts(Rule::NhsHes, &["n"])
    };
    let d = disclose(&t, &o).unwrap();
    let shown: Vec<String> = column(&d, "n")
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    assert_eq!(shown, ["0", "5", "5", "10", "15", "55", "10025"]);
    // The log still says which were suppressed.
    assert_eq!(
        d.log
            .iter()
            .filter(|e| e.reason == Reason::PrimarySmall)
            .count(),
        2
    );
    // Under nhs_mhsds a count of 5, 6 or 7 is published as 5: the central value would make a
    // suppressed 0–4 look like one, so it is refused, naming `display` and those counts.
    let e = disclose(
        &t,
        &DisclosureOptions {
            display: Display::Central,
            ..opts(Rule::NhsMhsds, &["n"])
        },
    )
    .unwrap_err();
    assert_eq!(e.argument(), Some("display"));
    assert!(e.to_string().contains("the counts 5 to 7 as 5"), "{e}");
    for bad in [vec![-1.0], vec![4.2]] {
        let t = input(vec![(
            "n",
            Arc::new(Float64Array::from(bad.clone())) as ArrayRef,
        )]);
        let e = disclose(&t, &o).unwrap_err();
        assert_eq!(
            (e.kind(), e.column(), e.row()),
            (ErrorKind::InvalidCell, Some("n"), Some(0))
        );
        assert!(e.to_string().contains("whole numbers >= 0"), "{e}");
    }
    let t = input(vec![("n", ints(&[4, -1]))]);
    let e = disclose(&t, &o).unwrap_err();
    assert_eq!(
        (e.column(), e.row(), e.value()),
        (Some("n"), Some(1), Some("-1"))
    );
}

/// A two-way table (rows × columns of the interior) as long rows: `row`, `col`, `n`.
fn two_way(rows: &[&str], cols: &[&str], values: &[&[i64]]) -> Input {
    let mut r = Vec::new();
    let mut c = Vec::new();
    let mut n = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        for (j, col) in cols.iter().enumerate() {
            r.push(Some(*row));
            c.push(Some(*col));
            n.push(values[i][j]);
        }
    }
    input(vec![
        ("row", texts(&r)),
        ("col", texts(&c)),
        ("n", ints(&n)),
    ])
}

fn two_way_opts(rule: Rule) -> DisclosureOptions {
    DisclosureOptions {
        dimensions: counts(&["row", "col"]),
        ..opts(rule, &["n"])
    }
}

const D6: [&[i64]; 3] = [&[3, 10, 12], &[8, 9, 15], &[6, 20, 7]];

#[test]
fn d6_hypercube_chooses_the_cheapest_cube_and_the_audit_confirms_it() {
    // Primary X-A (3). Cubes (new cells; sum): (Y,B) 3; 27, (Y,C) 3; 35, (Z,B) 3; 36,
    // (Z,C) 3; 25 → (Z,C). X-A = a: X-C = 15 − a, Z-A = 9 − a, Z-C = 4 + a. The spec's
    // programme has every cell ≥ 0 (a ∈ [0, 9], X-C ∈ [6, 15], Z-A ∈ [0, 9], Z-C ∈ [4, 13]);
    // but zeros are published here and complements are never zero, so every hidden cell is
    // ≥ 1: a ∈ [1, 8], X-C ∈ [7, 14], Z-A ∈ [1, 8], Z-C ∈ [5, 12] (still covering [1, 4]).
    let t = two_way(&["X", "Y", "Z"], &["A", "B", "C"], &D6);
    let d = disclose(&t, &two_way_opts(custom(5, false, 1))).unwrap();
    let n = column(&d, "n");
    let hidden: Vec<usize> = (0..n.len()).filter(|&r| n[r].is_none()).collect();
    // Rows: X-A 0, X-B 1, X-C 2, Y-A 3, ..., Z-C 8; then margins X, Y, Z, A, B, C, total.
    assert_eq!(hidden, vec![0, 2, 6, 8]);
    assert_eq!(
        &n[9..],
        &[
            Some(25),
            Some(32),
            Some(33),
            Some(17),
            Some(39),
            Some(34),
            Some(90)
        ]
    );
    assert_eq!(interval(&d, "n", 0), (1.0, 8.0));
    assert_eq!(interval(&d, "n", 2), (7.0, 14.0));
    assert_eq!(interval(&d, "n", 6), (1.0, 8.0));
    assert_eq!(interval(&d, "n", 8), (5.0, 12.0));
    let reasons: Vec<Reason> = d.log.iter().map(|e| e.reason).collect();
    assert_eq!(
        reasons,
        vec![
            Reason::PrimarySmall,
            Reason::SecondaryComplement,
            Reason::SecondaryComplement,
            Reason::SecondaryComplement
        ]
    );
    // `auto` is the hypercube for a rule that does not round.
    let explicit = DisclosureOptions {
        secondary: Secondary::Hypercube,
        ..two_way_opts(custom(5, false, 1))
    };
    assert_eq!(column(&disclose(&t, &explicit).unwrap(), "n"), n);
}

#[test]
fn d6a_one_complement_per_row_is_disclosive_and_the_audit_fails() {
    // X-A and X-B hidden: row X gives X-A + X-B = 13, column A gives X-A = 17 − 8 − 6 = 3.
    let iv = audit_two_way(&D6.map(<[i64]>::to_vec), &[(0, 0), (0, 1)]).unwrap();
    assert_eq!(iv, vec![(3.0, 3.0), (10.0, 10.0)]);
    // Published without secondary suppression, X-A alone is recovered: the audit refuses.
    let t = two_way(&["X", "Y", "Z"], &["A", "B", "C"], &D6);
    let o = DisclosureOptions {
        secondary: Secondary::None,
        ..two_way_opts(custom(5, false, 1))
    };
    let e = disclose(&t, &o).unwrap_err();
    assert_eq!(
        (e.kind(), e.column(), e.row()),
        (ErrorKind::InvalidCell, Some("n"), Some(0))
    );
    assert!(
        e.to_string().contains("disclosive") && e.to_string().contains("[3, 3]"),
        "{e}"
    );
    assert!(e.to_string().contains("row=X, col=A"), "{e}");
}

#[test]
fn d6b_row_column_fixed_point_is_safe_but_over_suppressed() {
    let cells = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (2, 0), (2, 2)];
    let iv = audit_two_way(&D6.map(<[i64]>::to_vec), &cells).unwrap();
    // X-A is bounded by column A: X-A + Y-A + Z-A = 17.
    assert_eq!(iv[0], (0.0, 17.0));
}

#[test]
fn d7_two_primaries_in_a_row() {
    // X-A: cube (Y,B) adds Y-A and Y-B (X-B is already suppressed; sum 22), (Y,C) three
    // cells → (Y,B). X-B is then covered. X-A + X-B = 6, Y-A + Y-B = 22, X-A + Y-A = 12,
    // X-B + Y-B = 16: X-A = a, X-B = 6 − a, Y-A = 12 − a, Y-B = 10 + a. Every hidden cell is
    // ≥ 1 (zeros are published; the spec's ≥ 0 gives a ∈ [0, 6]): a ∈ [1, 5], X-B ∈ [1, 5],
    // Y-A ∈ [7, 11], Y-B ∈ [11, 15].
    let t = two_way(&["X", "Y"], &["A", "B", "C"], &[&[2, 4, 30], &[10, 12, 14]]);
    let d = disclose(&t, &two_way_opts(custom(5, false, 1))).unwrap();
    let n = column(&d, "n");
    let hidden: Vec<usize> = (0..n.len()).filter(|&r| n[r].is_none()).collect();
    assert_eq!(hidden, vec![0, 1, 3, 4]);
    assert_eq!(interval(&d, "n", 0), (1.0, 5.0));
    assert_eq!(interval(&d, "n", 1), (1.0, 5.0));
    assert_eq!(interval(&d, "n", 3), (7.0, 11.0));
    assert_eq!(interval(&d, "n", 4), (11.0, 15.0));
}

#[test]
fn d8_the_audit_catches_a_bridge() {
    // Rows 1–2 × columns 1–2 and (2,3) and rows 3–4 × columns 3–4 hidden (1-based). Rows 1, 2
    // and columns 1, 2: (a11 + a12) + (a21 + a22 + a23) = 11 + 24 and a11 + a21 + a12 + a22
    // = 12 + 14, so a23 = 35 − 26 = 9.
    let t = vec![
        vec![5, 6, 20, 20],
        vec![7, 8, 9, 20],
        vec![20, 20, 10, 11],
        vec![20, 20, 12, 13],
    ];
    let hidden = [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (1, 2),
        (2, 2),
        (2, 3),
        (3, 2),
        (3, 3),
    ];
    let iv = audit_two_way(&t, &hidden).unwrap();
    assert_eq!(iv[4], (9.0, 9.0));
    // Every other hidden cell keeps a range.
    assert!(iv.iter().enumerate().all(|(k, (lo, hi))| k == 4 || hi > lo));
}

fn one_way(parts: &[i64], total: Option<i64>) -> Input {
    let mut keys: Vec<Option<&str>> = ["p1", "p2", "p3", "p4", "p5"][..parts.len()]
        .iter()
        .map(|s| Some(*s))
        .collect();
    let mut n = parts.to_vec();
    if let Some(t) = total {
        keys.push(None);
        n.push(t);
    }
    input(vec![("part", texts(&keys)), ("n", ints(&n))])
}

fn one_way_opts(rule: Rule) -> DisclosureOptions {
    DisclosureOptions {
        dimensions: counts(&["part"]),
        ..opts(rule, &["n"])
    }
}

#[test]
fn d9_one_way_complement() {
    // 2 is primary; the smallest non-zero published part, 9, hides it: x1 + x2 = 11, both
    // ≥ 1 as zeros are published (the spec's ≥ 0 gives [0, 11]).
    let d = disclose(
        &one_way(&[2, 9, 14, 30], Some(55)),
        &one_way_opts(custom(5, false, 1)),
    )
    .unwrap();
    assert_eq!(
        column(&d, "n"),
        vec![None, None, Some(14), Some(30), Some(55)]
    );
    assert_eq!(interval(&d, "n", 0), (1.0, 10.0));
    assert_eq!(d.log[1].reason, Reason::SecondaryComplement);
}

#[test]
fn d10_zeros_are_not_complements() {
    let d = disclose(
        &one_way(&[3, 0, 0, 8, 20], Some(31)),
        &one_way_opts(custom(5, false, 1)),
    )
    .unwrap();
    assert_eq!(
        column(&d, "n"),
        vec![None, Some(0), Some(0), None, Some(20), Some(31)]
    );
}

#[test]
fn d11_rounding_narrows_but_does_not_reveal() {
    // nhs_mhsds, one suppressed part x and one rounded part y, total rounded. A published y
    // or total p stands for p − 2 … p + 2 (and ≥ 5); x for 0 … 4.
    // (3, 12): *, 10, 15: x = T − y ≥ 13 − 12 = 1 → [1, 4].
    // (0, 12): *, 10, 10: x ≤ 12 − 8 = 4 → [0, 4].
    // (4, 13): *, 15, 15: [0, 4].
    // (1, 5):  *, 5, 5: y ≥ 5 and T ≤ 7 → x ≤ 2 → [0, 2].
    for ((x, y), published, expected) in [
        ((3, 12), [None, Some(10), Some(15)], (1.0, 4.0)),
        ((0, 12), [None, Some(10), Some(10)], (0.0, 4.0)),
        ((4, 13), [None, Some(15), Some(15)], (0.0, 4.0)),
        ((1, 5), [None, Some(5), Some(5)], (0.0, 2.0)),
    ] {
        let d = disclose(&one_way(&[x, y], None), &one_way_opts(Rule::NhsMhsds)).unwrap();
        assert_eq!(column(&d, "n"), published.to_vec(), "({x}, {y})");
        assert_eq!(interval(&d, "n", 0), expected, "({x}, {y})");
        // auto adds no secondary suppression under rounding.
        assert!(d
            .log
            .iter()
            .all(|e| e.reason != Reason::SecondaryComplement));
    }
    // (3, 12) is narrowed (to 1 … 4): reported, not refused.
    let d = disclose(&one_way(&[3, 12], None), &one_way_opts(Rule::NhsMhsds)).unwrap();
    assert_eq!(d.table.diagnostics.count("audit_narrowed"), 1);
}

#[test]
fn bad_input_is_a_structured_error() {
    // A derived value naming a missing count.
    let t = input(vec![("n", ints(&[13]))]);
    let o = DisclosureOptions {
        derived: Some(vec![Derived::new(
            "pct",
            Some("n"),
            "people",
            DerivedKind::Percent,
        )]),
        ..opts(Rule::NhsMhsds, &["n"])
    };
    let e = disclose(&t, &o).unwrap_err();
    assert_eq!(
        (e.kind(), e.column()),
        (ErrorKind::MissingColumn, Some("people"))
    );
    assert!(
        e.to_string()
            .contains("denominator of the derived value `pct`"),
        "{e}"
    );
    // A count column that is not there.
    let e = disclose(&t, &opts(Rule::NhsMhsds, &["m"])).unwrap_err();
    assert_eq!(
        (e.kind(), e.column()),
        (ErrorKind::MissingColumn, Some("m"))
    );
    // An unknown rule.
    let e = "nhs_mhsd".parse::<Rule>().unwrap_err();
    assert_eq!(
        (e.kind(), e.argument()),
        (ErrorKind::InvalidArgument, Some("rule"))
    );
    assert!(
        e.to_string()
            .contains("expected one of nhs_mhsds, nhs_hes, none"),
        "{e}"
    );
    // No counts named and no roles.
    let e = disclose(&t, &DisclosureOptions::default()).unwrap_err();
    assert_eq!(e.argument(), Some("counts"));
    // Three dimensions.
    let t = input(vec![
        ("a", texts(&[Some("x")])),
        ("b", texts(&[Some("y")])),
        ("c", texts(&[Some("z")])),
        ("n", ints(&[3])),
    ]);
    let o = DisclosureOptions {
        dimensions: counts(&["a", "b", "c"]),
        ..opts(custom(5, false, 1), &["n"])
    };
    let e = disclose(&t, &o).unwrap_err();
    assert_eq!(e.argument(), Some("dimensions"));
    assert!(
        e.to_string().contains("τ-Argus (Modular) or sdcTable"),
        "{e}"
    );
}

#[test]
fn hierarchies_are_refused_under_secondary_suppression() {
    // ICBs nested in regions: every ICB appears in one region only.
    let t = input(vec![
        (
            "region",
            texts(&[Some("R1"), Some("R1"), Some("R2"), Some("R2")]),
        ),
        (
            "icb",
            texts(&[Some("I1"), Some("I2"), Some("I3"), Some("I4")]),
        ),
        ("n", ints(&[3, 10, 12, 20])),
    ]);
    let o = DisclosureOptions {
        dimensions: counts(&["region", "icb"]),
        ..opts(custom(5, false, 1), &["n"])
    };
    let e = disclose(&t, &o).unwrap_err();
    assert!(
        e.to_string().contains("hierarchy") && e.to_string().contains("sdcTable"),
        "{e}"
    );
    // Under rounding the same table is published (the audit reports).
    let o = DisclosureOptions {
        rule: Rule::NhsMhsds,
        ..o
    };
    assert!(disclose(&t, &o).is_ok());
}

#[test]
fn cells_that_no_cube_can_hide_are_refused() {
    // Every cube of X-A has a published zero corner, which hides nothing.
    let t = two_way(&["X", "Y"], &["A", "B"], &[&[3, 0], &[0, 10]]);
    let e = disclose(&t, &two_way_opts(custom(5, false, 1))).unwrap_err();
    assert!(e.to_string().contains("aggregate categories"), "{e}");
    assert_eq!(e.row(), Some(0));
}

#[test]
fn a_dimension_of_one_category_is_protected_as_a_one_way_table() {
    // One column: each row margin is a copy of its only cell, so the cube of X-A takes the
    // margins as corners: X-A, X's margin, Y-A, Y's margin. Published: A's total 13 (and the
    // grand total), so X-A + Y-A = 13 with both ≥ 1: X-A ∈ [1, 12], covering [1, 4].
    // Rows: X-A 0, Y-A 1; margins X 2, Y 3, A 4, total 5.
    let t = two_way(&["X", "Y"], &["A"], &[&[3], &[10]]);
    let d = disclose(&t, &two_way_opts(custom(5, false, 1))).unwrap();
    assert_eq!(
        column(&d, "n"),
        vec![None, None, None, None, Some(13), Some(13)]
    );
    assert_eq!(interval(&d, "n", 0), (1.0, 12.0));
}

#[test]
fn the_audit_knows_hidden_cells_are_not_zero_when_zeros_are_published() {
    // X: 1, 1, 1, 1, 20 (24); Y: 6, 7, 8, 9, 10 (40). The hypercube hides X-A..X-D and
    // Y-A..Y-D. With cells ≥ 0 each X cell would range over [0, 4]; but zeros are published
    // and complements are never zero, so the four X cells are ≥ 1 and sum to 24 − 20 = 4:
    // every one is exactly 1. The audit refuses the table.
    let t = two_way(
        &["X", "Y"],
        &["A", "B", "C", "D", "E"],
        &[&[1, 1, 1, 1, 20], &[6, 7, 8, 9, 10]],
    );
    let e = disclose(&t, &two_way_opts(custom(5, false, 1))).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("[1, 1]"), "{text}");
    assert!(text.contains("secondary suppression was applied"), "{text}");
}

#[test]
fn rows_of_the_same_cell_need_a_by_column() {
    let t = input(vec![
        (
            "period",
            texts(&[
                Some("2024-01"),
                Some("2024-01"),
                Some("2024-02"),
                Some("2024-02"),
            ]),
        ),
        (
            "place",
            texts(&[Some("A"), Some("B"), Some("A"), Some("B")]),
        ),
        ("n", ints(&[3, 12, 26, 8])),
    ]);
    let o = DisclosureOptions {
        dimensions: counts(&["place"]),
        ..opts(Rule::NhsMhsds, &["n"])
    };
    let e = disclose(&t, &o).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("place"), Some(2)));
    let o = DisclosureOptions {
        by: counts(&["period"]),
        ..o
    };
    let d = disclose(&t, &o).unwrap();
    // One total per period, after the input rows: 15 → 15, 34 → 35.
    assert_eq!(column(&d, "n")[4..], [Some(15), Some(35)]);
    assert_eq!(
        text(&d, "period")[4..],
        [Some("2024-01".to_owned()), Some("2024-02".to_owned())]
    );
    assert_eq!(text(&d, "place")[4..], [None, None]);
}

/// The audit checks for cancellation (issue 11: long calls are interruptible): a cancelled
/// token ends `disclose` with `Cancelled` instead of a published table.
#[test]
fn a_cancelled_token_stops_the_audit() {
    let t = two_way(&["X", "Y", "Z"], &["A", "B", "C"], &D6);
    let token = collabmetrics::cancel::Token::new();
    token.cancel();
    let e =
        collabmetrics::cancel::scope(&token, || disclose(&t, &two_way_opts(custom(5, false, 1))))
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    // The same call without the token publishes (so the error above is the cancellation's).
    assert!(disclose(&t, &two_way_opts(custom(5, false, 1))).is_ok());
    // A flat table has no audit to check in; its passes over the rows check between them.
    let flat = input(vec![("n", ints(&[3, 12]))]);
    let o = opts(Rule::NhsMhsds, &["n"]);
    let e = collabmetrics::cancel::scope(&token, || disclose(&flat, &o)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(disclose(&flat, &o).is_ok());
}

#[test]
fn the_rule_none_publishes_every_value_unchanged() {
    // Spec: `none | unchanged | unchanged`. Counts 3 and 12 stay 3 and 12, with or without
    // margins (the total is 15), and the percentage 3/12 = 25% and 12/15 = 80% stay unrounded.
    let t = input(vec![
        ("place", texts(&[Some("A"), Some("B")])),
        ("n", ints(&[3, 12])),
        ("d", ints(&[12, 15])),
    ]);
    let o = DisclosureOptions {
        derived: percent(),
        ..opts(Rule::None, &["n", "d"])
    };
    let d = disclose(&t, &o).unwrap();
    assert_eq!(column(&d, "n"), vec![Some(3), Some(12)]);
    assert_eq!(floats(&d, "pct"), vec![Some(25.0), Some(80.0)]);
    assert!(d.log.is_empty(), "{:?}", d.log);
    let o = DisclosureOptions {
        dimensions: counts(&["place"]),
        ..o
    };
    let d = disclose(&t, &o).unwrap();
    assert_eq!(column(&d, "n"), vec![Some(3), Some(12), Some(15)]);
    assert_eq!(column(&d, "d"), vec![Some(12), Some(15), Some(27)]);
    assert!(d.log.is_empty(), "{:?}", d.log);
}

/// A proportion table as `stats::proportion_table` makes it (value n / d × multiplier, with
/// its roles), ready to publish.
fn proportions(n: &[i64], d: &[i64], multiplier: f64) -> Input {
    let raw = input(vec![("numerator", ints(n)), ("denominator", ints(d))]);
    let mut o = collabmetrics::stats::ProportionTableOptions::default();
    o.options.multiplier = multiplier;
    let out = collabmetrics::stats::proportion_table(&raw, &o).unwrap();
    let batch = out.table;
    Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap()
}

#[test]
fn exact_halves_round_away_from_zero() {
    // 57/200 = 0.285 and 23/40 = 0.575 exactly: 28.5% and 57.5%, which Decision 5 ("rounded
    // half away from zero") publishes as 29 and 58 (proportions 0.29 and 0.58); in floating
    // point 57 / 200 × 100 is 28.499999999999996. 7/8 = 87.5% → 88 likewise.
    let t = input(vec![("n", ints(&[57, 23, 7])), ("d", ints(&[200, 40, 8]))]);
    let rule = custom(5, false, 1); // 7 and 8 are not suppressed under k = 5
    for (kind, expected) in [
        (DerivedKind::Percent, [29.0, 58.0, 88.0]),
        (DerivedKind::Proportion, [0.29, 0.58, 0.88]),
    ] {
        let o = DisclosureOptions {
            derived: Some(vec![Derived::new("pct", Some("n"), "d", kind)]),
            decimals: Some(0),
            ..opts(rule, &["n", "d"])
        };
        let d = disclose(&t, &o).unwrap();
        assert_eq!(floats(&d, "pct"), expected.map(Some).to_vec(), "{kind}");
    }
    // The same from a result whose value the kernel computed as n / d × 100.
    let d = disclose(
        &proportions(&[57, 23], &[200, 40], 100.0),
        &opts(Rule::NhsMhsds, &["numerator", "denominator"]),
    )
    .unwrap();
    assert_eq!(floats(&d, "value"), vec![Some(29.0), Some(58.0)]);
    // Below a half stays below: 57/201 = 28.358...% → 28 (the exact rule changes only halves).
    let d = disclose(
        &proportions(&[57], &[201], 100.0),
        &opts(Rule::NhsMhsds, &["numerator", "denominator"]),
    )
    .unwrap();
    assert_eq!(floats(&d, "value"), vec![Some(28.0)]);
}

#[test]
fn nhs_hes_leaves_confidence_limits_unrounded_but_suppressed_with_their_count() {
    // Spec: under nhs_hes "standardised rates and confidence intervals not controlled".
    // 13/47 = 27.66% → 28 (a percentage is controlled); its 95% Wilson limits, by hand,
    // (2·13 + z² ∓ z·√(z² + 4·13·(34/47))) / (2·(47 + z²)) × 100 with z = 1.959964:
    // 16.936563 and 41.758564, published as they are (not 17 and 42).
    // 3/40: the numerator 3 is suppressed (1–7), and its limits with it: from the two limits
    // and the published denominator an attacker could solve for the count.
    let t = proportions(&[3, 13], &[40, 47], 100.0);
    let d = disclose(&t, &opts(Rule::NhsHes, &["numerator", "denominator"])).unwrap();
    assert_eq!(floats(&d, "value"), vec![None, Some(28.0)]);
    let (lower, upper) = (floats(&d, "lower"), floats(&d, "upper"));
    assert_eq!((lower[0], upper[0]), (None, None));
    assert!((lower[1].unwrap() - 16.936563).abs() < 1e-6, "{lower:?}");
    assert!((upper[1].unwrap() - 41.758564).abs() < 1e-6, "{upper:?}");
    // Under nhs_mhsds the limits are rounded with their value.
    let d = disclose(&t, &opts(Rule::NhsMhsds, &["numerator", "denominator"])).unwrap();
    assert_eq!(floats(&d, "lower"), vec![None, Some(17.0)]);
    assert_eq!(floats(&d, "upper"), vec![None, Some(42.0)]);
}

fn float_column(v: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}

#[test]
fn derived_values_refuse_denominators_they_cannot_divide_by() {
    let rate = |den: &str| {
        let mut r = Derived::new("r", Some("n"), den, DerivedKind::Rate);
        r.multiplier = Some(1000.0);
        r
    };
    let o = |d: Derived| DisclosureOptions {
        derived: Some(vec![d]),
        ..opts(custom(5, false, 1), &["n"])
    };
    let t = input(vec![
        ("n", ints(&[6, 12])),
        ("d", ints(&[0, 0])),
        ("pop", float_column(&[Some(1000.0), Some(-1000.0)])),
        ("nan", float_column(&[Some(f64::NAN), Some(10.0)])),
        ("inf", float_column(&[Some(10.0), Some(f64::INFINITY)])),
        ("missing", float_column(&[None, Some(10.0)])),
    ]);
    // 6 / 0 and 12 / 0 have no percentage, and k = 5 does not suppress 6 or 12: refused,
    // naming the denominator's first row.
    let e = disclose(
        &t,
        &o(Derived::new("pct", Some("n"), "d", DerivedKind::Percent)),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.column(), e.row()),
        (ErrorKind::InvalidCell, Some("d"), Some(0))
    );
    assert!(e.to_string().contains("must be > 0"), "{e}");
    // A negative, NaN or infinite population is refused at its row.
    for (den, row) in [("pop", 1), ("nan", 0), ("inf", 1)] {
        let e = disclose(&t, &o(rate(den))).unwrap_err();
        assert_eq!((e.column(), e.row()), (Some(den), Some(row)), "{e}");
        assert!(e.to_string().contains("finite and >= 0"), "{e}");
    }
    // A missing population leaves its rate missing: 12 / 10 × 1000 = 1200.
    let d = disclose(&t, &o(rate("missing"))).unwrap();
    assert_eq!(floats(&d, "r"), vec![None, Some(1200.0)]);
    // A mean's numerator (a sum) may be negative, not infinite.
    let mean = |num: &str| Derived::new("mean", Some(num), "n", DerivedKind::Mean);
    let signed = input(vec![
        ("n", ints(&[6, 12])),
        ("sum", float_column(&[Some(-3.0), Some(f64::NEG_INFINITY)])),
    ]);
    let e = disclose(&signed, &o(mean("sum"))).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("sum"), Some(1)), "{e}");
    assert!(e.to_string().contains("must be finite"), "{e}");
}

#[test]
fn zero_denominators_follow_the_documented_rules() {
    // nhs_mhsds suppresses the count 0, so a percentage over it is suppressed with it
    // (suppress_on = "either"), logged and counted: 13/0 → *; 13/47 = 27.66% → 28.
    let t = input(vec![("n", ints(&[13, 13])), ("d", ints(&[0, 47]))]);
    let o = DisclosureOptions {
        derived: percent(),
        ..opts(Rule::NhsMhsds, &["n", "d"])
    };
    let d = disclose(&t, &o).unwrap();
    assert_eq!(floats(&d, "pct"), vec![None, Some(28.0)]);
    let e = d
        .log
        .iter()
        .find(|e| &*e.column == "pct" && e.row == 0)
        .unwrap();
    assert_eq!(e.reason, Reason::DerivedDenominator);
    assert_eq!(d.table.diagnostics.count("derived_denominator"), 1);
    // An added margin over parts whose denominators are all 0 (a period with no admissions:
    // the parts' own values are null, docs/methods/oap.md) is null too, logged and counted.
    let t = input(vec![
        ("place", texts(&[Some("A"), Some("B")])),
        ("n", ints(&[0, 0])),
        ("d", ints(&[0, 0])),
        ("pct", float_column(&[None, None])),
    ]);
    let o = DisclosureOptions {
        derived: percent(),
        dimensions: counts(&["place"]),
        ..opts(custom(5, false, 1), &["n", "d"])
    };
    let d = disclose(&t, &o).unwrap();
    assert_eq!(floats(&d, "pct"), vec![None, None, None]);
    assert_eq!(d.table.diagnostics.count("derived_zero_denominator"), 1);
    let e = d.log.iter().find(|e| &*e.column == "pct").unwrap();
    assert_eq!((e.row, e.reason), (2, Reason::DerivedZeroDenominator));
}

#[test]
fn a_custom_rule_may_control_national_rows() {
    // Spec: custom(k, suppress_zero, base, national_exempt = true): national rows unchanged
    // "if exempt". With national_exempt = false, the national 3 is below k = 5: suppressed;
    // 0 is shown (suppress_zero = false) and 12 is kept (base 1).
    let t = input(vec![
        ("n", ints(&[0, 3, 12])),
        (
            "england",
            Arc::new(BooleanArray::from(vec![true, true, true])) as ArrayRef,
        ),
    ]);
    let o = |rule: Rule| DisclosureOptions {
        national: Some("england".into()),
        ..opts(rule, &["n"])
    };
    let exempt = disclose(&t, &o(custom(5, false, 1))).unwrap();
    assert_eq!(column(&exempt, "n"), vec![Some(0), Some(3), Some(12)]);
    let controlled = Rule::custom_with(5, false, 1, false).unwrap();
    let d = disclose(&t, &o(controlled)).unwrap();
    assert_eq!(column(&d, "n"), vec![Some(0), None, Some(12)]);
}

/// An empty list of counts is refused as no list is: it published every count unchanged.
#[test]
fn an_empty_count_list_is_refused() {
    let t = input(vec![("n", ints(&[3, 42]))]);
    for names in [&[][..], &["n"][..]] {
        let o = DisclosureOptions {
            counts: Some(names.iter().map(|s| s.to_string()).collect()),
            ..DisclosureOptions::default()
        };
        let r = disclose(&t, &o);
        if names.is_empty() {
            let e = r.expect_err("an empty list is refused");
            assert_eq!(e.argument(), Some("counts"), "{e}");
        } else {
            // 3 suppressed, 42 rounded to 40 (nhs_mhsds).
            assert_eq!(column(&r.unwrap(), "n"), vec![None, Some(40)]);
        }
    }
}

/// A `Rule::Custom` built without its checks is checked by `disclose`: base 0 was accepted.
#[test]
fn an_unchecked_custom_rule_is_checked_when_used() {
    let t = input(vec![("n", ints(&[3, 42]))]);
    let rule = Rule::Custom {
        k: 5,
        suppress_zero: false,
        base: 0,
        national_exempt: true,
    };
    let e = disclose(&t, &opts(rule, &["n"])).expect_err("refused");
    assert_eq!(e.argument(), Some("rule"), "{e}");
}

/// The audit checks a cancellation per suppressed cell, not only per table: a two-way table
/// of small counts, every cell suppressed, took 19 s (40 × 40) after a cancellation.
#[test]
fn the_audit_of_one_table_is_cancellable() {
    use collabmetrics::cancel::{scope, Token};
    use collabmetrics::disclosure::audit_two_way;
    let t = vec![vec![3, 10, 12], vec![8, 9, 15], vec![6, 20, 7]];
    // Hand check of the doctest's case: the margins give X-A = 3 and X-B = 10.
    assert_eq!(
        audit_two_way(&t, &[(0, 0), (0, 1)]).unwrap(),
        vec![(3.0, 3.0), (10.0, 10.0)]
    );
    let token = Token::new();
    token.cancel();
    let e = scope(&token, || audit_two_way(&t, &[(0, 0), (0, 1)])).unwrap_err();
    assert_eq!(e.kind(), collabmetrics::ErrorKind::Cancelled);
}

/// A margin the call adds is named by its keys, not by a row past the input's (a 4-row
/// two-way table's error named row 4).
#[test]
fn an_added_margin_is_named_by_its_keys() {
    let half = 1i64 << 52; // two of them: 2^53 > 9e15
    let t = input(vec![
        ("r", texts(&[Some("a"), Some("a"), Some("b"), Some("b")])),
        ("c", texts(&[Some("x"), Some("y"), Some("x"), Some("y")])),
        ("n", ints(&[half, half, 1, 2])),
    ]);
    let o = DisclosureOptions {
        dimensions: Some(vec!["r".into(), "c".into()]),
        ..opts(Rule::None, &["n"])
    };
    let e = disclose(&t, &o).expect_err("a margin beyond 9e15");
    assert_eq!(e.kind(), ErrorKind::InvalidGroup, "{e}");
    assert_eq!(e.group(), Some("r=a, c=(total)"), "{e}");
    assert_eq!(e.row(), None);
}
