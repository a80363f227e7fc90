//! Properties of disclosure control on random two-way tables with margins: nothing published
//! in the suppressed range, every published count a multiple of the base, margins from
//! unrounded parts, and, under the hypercube, no primary cell narrowed below the rule's range,
//! with the audit's intervals checked against linear programmes written out here from the
//! published table alone (what an attacker has).

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use collabmetrics::disclosure::{disclose, Disclosure, DisclosureOptions, Reason, Rule, Secondary};
use collabmetrics::table::{ColumnMap, Input};
use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel};
use proptest::prelude::*;
use std::sync::Arc;

/// A two-way table as long rows (`row`, `col`, `n`), interior only.
fn table(values: &[Vec<i64>]) -> Input {
    let (mut r, mut c, mut n) = (Vec::new(), Vec::new(), Vec::new());
    for (i, row) in values.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            r.push(format!("r{i}"));
            c.push(format!("c{j}"));
            n.push(v);
        }
    }
    let batch = RecordBatch::try_from_iter([
        ("row", Arc::new(StringArray::from(r)) as ArrayRef),
        ("col", Arc::new(StringArray::from(c)) as ArrayRef),
        ("n", Arc::new(Int64Array::from(n)) as ArrayRef),
    ])
    .unwrap();
    Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap()
}

fn options(rule: Rule, secondary: Secondary) -> DisclosureOptions {
    DisclosureOptions {
        rule,
        counts: Some(vec!["n".into()]),
        dimensions: Some(vec!["row".into(), "col".into()]),
        secondary,
        ..DisclosureOptions::default()
    }
}

fn published(d: &Disclosure) -> Vec<Option<i64>> {
    let n = d.table.table.column_by_name("n").unwrap();
    n.as_primitive::<Int64Type>().iter().collect()
}

/// The true value of every published row: interior row-major, then row margins, column
/// margins and the grand total (the order `disclose` adds margins in).
fn truth(values: &[Vec<i64>]) -> Vec<i64> {
    let (m, n) = (values.len(), values[0].len());
    let mut out: Vec<i64> = values.iter().flatten().copied().collect();
    out.extend(values.iter().map(|r| r.iter().sum::<i64>()));
    out.extend((0..n).map(|j| (0..m).map(|i| values[i][j]).sum::<i64>()));
    out.push(values.iter().flatten().sum());
    out
}

fn rules() -> impl Strategy<Value = Rule> {
    prop_oneof![
        Just(Rule::NhsMhsds),
        Just(Rule::NhsHes),
        (
            2u64..9,
            any::<bool>(),
            prop_oneof![Just(1u64), Just(3), Just(5), Just(10)]
        )
            .prop_filter_map(
                "a rule that rounds into its suppressed range",
                |(k, z, b)| Rule::custom(k, z, b).ok()
            ),
    ]
}

fn tables() -> impl Strategy<Value = Vec<Vec<i64>>> {
    (2usize..5, 2usize..5).prop_flat_map(|(m, n)| {
        proptest::collection::vec(
            proptest::collection::vec(prop_oneof![0i64..8, 0i64..40], n),
            m,
        )
    })
}

/// The attacker's interval of each suppressed cell from the published table and the rule
/// only, by linear programming over the whole table (no shortcuts).
fn attacker(
    values: &[Vec<i64>],
    shown: &[Option<i64>],
    rule: Rule,
    complements: bool,
) -> Vec<Option<(f64, f64)>> {
    let (m, n) = (values.len(), values[0].len());
    let cells = m * n + m + n + 1;
    let bounds = |k: usize| -> (f64, f64) {
        match shown[k] {
            // Primary or complement, the attacker cannot tell; both are >= 1 when zeros are
            // published (a complement is never a zero).
            None if complements => (u8::from(!rule.suppress_zero()).into(), f64::INFINITY),
            None => {
                let (lo, hi) = rule.suppressed_range().unwrap();
                (lo as f64, hi as f64)
            }
            Some(p) => {
                let (lo, hi) = rule.known_range(p as u64);
                (lo as f64, hi as f64)
            }
        }
    };
    // Sums: each row margin, column margin and the grand total over the interior.
    let mut sums: Vec<(usize, Vec<usize>)> = (0..m)
        .map(|i| (m * n + i, (0..n).map(|j| i * n + j).collect()))
        .collect();
    sums.extend((0..n).map(|j| (m * n + m + j, (0..m).map(|i| i * n + j).collect())));
    sums.push((cells - 1, (0..m * n).collect()));
    (0..cells)
        .map(|k| {
            shown[k].is_none().then(|| {
                let solve = |upper: bool| -> f64 {
                    let mut vars = ProblemVariables::new();
                    let x: Vec<_> = (0..cells)
                        .map(|c| {
                            let (lo, hi) = bounds(c);
                            let v = variable().min(lo);
                            vars.add(if hi.is_finite() { v.max(hi) } else { v })
                        })
                        .collect();
                    let mut model = if upper {
                        vars.maximise(x[k])
                    } else {
                        vars.minimise(x[k])
                    }
                    .using(microlp);
                    for (total, parts) in &sums {
                        let sum: Expression = parts.iter().map(|&p| x[p]).sum();
                        model.add_constraint(sum.eq(x[*total]));
                    }
                    match model.solve() {
                        Ok(s) => s.value(x[k]).round(),
                        Err(good_lp::ResolutionError::Unbounded) => f64::INFINITY,
                        Err(e) => panic!("{e}"),
                    }
                };
                (solve(false), solve(true))
            })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn published_counts_are_outside_the_suppressed_range_and_multiples_of_the_base(
        values in tables(), rule in rules()
    ) {
        let Ok(d) = disclose(&table(&values), &options(rule, Secondary::Auto)) else {
            // Only a cell no cube can hide (a rule without rounding) may stop publication.
            return Ok(());
        };
        let truth = truth(&values);
        for (k, p) in published(&d).iter().enumerate() {
            if let Some(p) = p {
                prop_assert!(!rule.suppresses(*p as u64), "published {} is in the suppressed range of {}", p, rule);
                prop_assert_eq!(*p as u64 % rule.base(), 0);
                // Margins (and every cell) are published from their unrounded value.
                prop_assert_eq!(Some(*p as u64), rule.publish(truth[k] as u64));
            } else {
                prop_assert!(d.log.iter().any(|e| e.row == k && e.reason.suppresses()));
            }
        }
    }

    #[test]
    fn under_the_hypercube_no_primary_cell_is_narrowed(
        values in tables(), k in 2u64..7, zero in any::<bool>()
    ) {
        let rule = Rule::custom(k, zero, 1).unwrap();
        let result = disclose(&table(&values), &options(rule, Secondary::Hypercube));
        let d = match result {
            Ok(d) => d,
            // A refusal names the cell; it never publishes a half-protected table.
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("aggregate categories"), "{}", msg);
                return Ok(());
            }
        };
        let shown = published(&d);
        let complements = d.log.iter().any(|e| e.reason == Reason::SecondaryComplement);
        let lp = attacker(&values, &shown, rule, complements);
        let (s_lo, s_hi) = rule.suppressed_range().unwrap();
        for e in &d.log {
            let (lo, hi) = lp[e.row].expect("a suppressed cell");
            // The audit's intervals are the linear programmes' optima.
            prop_assert_eq!((e.audit_lower.unwrap(), e.audit_upper.unwrap()), (lo, hi), "row {}", e.row);
            if e.reason == Reason::PrimarySmall {
                prop_assert!(lo <= s_lo as f64 && hi >= s_hi as f64,
                    "primary row {} narrowed to [{lo}, {hi}]", e.row);
            }
        }
    }

    #[test]
    fn under_rounding_the_audit_reports_the_linear_programmes_optima(
        values in tables(), rule in prop_oneof![Just(Rule::NhsMhsds), Just(Rule::NhsHes)]
    ) {
        let d = disclose(&table(&values), &options(rule, Secondary::Auto)).unwrap();
        let shown = published(&d);
        let lp = attacker(&values, &shown, rule, false);
        for e in d.log.iter().filter(|e| e.reason.suppresses()) {
            let (lo, hi) = lp[e.row].expect("a suppressed cell");
            prop_assert_eq!((e.audit_lower.unwrap(), e.audit_upper.unwrap()), (lo, hi), "row {}", e.row);
        }
    }
}
