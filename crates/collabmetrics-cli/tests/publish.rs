//! `--publish [RULE]`: controlled tables from the demo report and the metric commands.

mod common;
use common::run;

/// The count columns a section lists in its method line: "Counts (a, b, c) under ...".
fn counts(method: &str) -> Vec<String> {
    let inner = method
        .split_once("Counts (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(inner, _)| inner);
    inner
        .split(", ")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_controlled_table_of_the_demo_shows_a_count_below_5() {
    let (ok, out, err) = run(&["demo", "--publish", "--format", "json"]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sections = report["sections"].as_array().unwrap();
    assert!(sections.len() >= 4);
    let mut checked = 0;
    let mut hidden = 0;
    for s in sections {
        let header: Vec<&str> = s["header"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        let counts = counts(s["method"].as_str().unwrap());
        assert!(!counts.is_empty(), "{}", s["title"]);
        for row in s["rows"].as_array().unwrap() {
            for c in &counts {
                let k = header.iter().position(|h| h == c).unwrap();
                let cell = &row[k];
                match cell.as_str() {
                    Some("*") => hidden += 1,
                    Some(v) => panic!("{c}: {v} is text"),
                    // Null: does not apply; numbers are JSON numbers.
                    None if cell.is_null() => {}
                    None => {
                        let n = cell.as_f64().unwrap_or_else(|| panic!("{c}: {cell}"));
                        assert!(n >= 5.0 && n % 5.0 == 0.0, "{}: {c} = {n}", s["title"]);
                        checked += 1;
                    }
                }
            }
        }
    }
    // The demo has both: counts shown (rounded) and counts suppressed.
    assert!(
        checked > 50 && hidden > 10,
        "{checked} shown, {hidden} suppressed"
    );
    // The text report says which rule and shows suppressed cells as *.
    let (ok, text, _) = run(&["demo", "--publish"]);
    assert!(ok);
    assert!(text.contains("under the rule nhs_mhsds") && text.contains('*'));
}

#[test]
fn an_unknown_rule_is_refused_by_name() {
    let (ok, _, err) = run(&["demo", "--publish", "nhs"]);
    assert!(!ok);
    assert!(
        err.contains("unknown rule \"nhs\"; expected one of"),
        "{err}"
    );
}

/// A custom base beyond 2^53 is refused (its rounding overflowed: counts published as 4.6e18).
#[test]
fn a_custom_rule_beyond_the_exact_counts_is_refused() {
    let (ok, _, err) = run(&["demo", "--publish", "custom(k=5, base=9223372036854775809)"]);
    assert!(!ok);
    assert!(err.contains("at most 9007199254740992"), "{err}");
}

#[test]
fn oap_publishes_with_stars_and_totals() {
    let dir =
        std::env::temp_dir().join(format!("collabmetrics-cli-publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("placements.csv");
    // Place X: 7 placements started in January 2024; place Y: 2.
    let mut csv =
        String::from("placement_id,person_id,start_date,end_date,bed_type,reason,place\n");
    for i in 0..9 {
        let place = if i < 7 { "X" } else { "Y" };
        csv.push_str(&format!(
            "{i},P{i},2024-01-{:02},2024-01-20,10,10,{place}\n",
            i + 2
        ));
    }
    std::fs::write(&input, csv).unwrap();
    let args = [
        "oap",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-01",
        "--by",
        "place",
    ];
    let (ok, raw, err) = run(&args);
    assert!(ok, "{err}");
    let started = |out: &str| -> Vec<String> {
        let lines: Vec<&str> = out.lines().collect();
        let k = lines[0].split(',').position(|h| h == "started").unwrap();
        lines[1..]
            .iter()
            .map(|l| l.split(',').nth(k).unwrap().to_owned())
            .collect()
    };
    assert_eq!(started(&raw), ["7", "2"]);
    let mut published = args.to_vec();
    published.push("--publish");
    let (ok, out, err) = run(&published);
    assert!(ok, "{err}");
    // 7 → 5, 2 → *, and the total of the month, 9 → 10 (from the unrounded parts).
    assert_eq!(started(&out), ["5", "*", "10"]);
    assert!(err.contains("primary_small"), "{err}");
}

/// One row of a published OAP table as the subtraction attack reads it: the count (`None`
/// when suppressed) and, when the table publishes it, the rate per million.
struct Published {
    period: String,
    place: Option<String>,
    count: Option<i64>,
    rate: Option<f64>,
}

/// The counts a published cell leaves possible under `rule`: a suppressed cell is in the
/// rule's suppressed range, a shown one within half a rounding base of what is shown; a
/// published rate per million at one decimal keeps only the counts that give it.
fn possible(rule: collabmetrics::disclosure::Rule, p: &Published, population: f64) -> Vec<i64> {
    let half = (rule.base() / 2) as i64;
    let range: Vec<i64> = match p.count {
        None => (i64::from(!rule.suppress_zero())..rule.threshold() as i64).collect(),
        Some(n) => ((n - half).max(0)..=n + half).collect(),
    };
    match p.rate {
        Some(rate) => range
            .into_iter()
            .filter(|&k| ((k as f64 / population * 1e6 * 10.0).round() / 10.0 - rate).abs() < 1e-6)
            .collect(),
        None => range,
    }
}

/// The subtraction attack: in each period, a suppressed place's count is the Total's less the
/// other places'. Returns (period, place, count) for every suppressed cell the published
/// table leaves exactly one value for.
fn subtraction_attack(
    rule: collabmetrics::disclosure::Rule,
    rows: &[Published],
    population: &std::collections::HashMap<(String, Option<String>), f64>,
) -> Vec<(String, String, i64)> {
    use std::collections::BTreeSet;
    let mut found = Vec::new();
    let periods: BTreeSet<&str> = rows.iter().map(|r| r.period.as_str()).collect();
    for period in periods {
        let here: Vec<&Published> = rows.iter().filter(|r| r.period == period).collect();
        let sets: Vec<Vec<i64>> = here
            .iter()
            .map(|r| possible(rule, r, population[&(r.period.clone(), r.place.clone())]))
            .collect();
        let Some(total) = here.iter().position(|r| r.place.is_none()) else {
            continue;
        };
        for (h, row) in here.iter().enumerate() {
            if row.count.is_some() || row.place.is_none() {
                continue;
            }
            // Every sum the other places can make.
            let mut sums = BTreeSet::from([0i64]);
            for (i, set) in sets.iter().enumerate() {
                if i != h && i != total {
                    sums = sums
                        .iter()
                        .flat_map(|s| set.iter().map(move |v| s + v))
                        .collect();
                }
            }
            let left: BTreeSet<i64> = sets[total]
                .iter()
                .flat_map(|t| sums.iter().map(move |s| t - s))
                .filter(|v| sets[h].contains(v))
                .collect();
            if left.len() == 1 {
                let place = row.place.clone().unwrap();
                found.push((period.to_owned(), place, *left.first().unwrap()));
            }
        }
    }
    found
}

#[test]
fn no_suppressed_cell_of_the_published_demo_comes_back_by_subtraction() {
    use arrow_array::Array;
    use collabmetrics::disclosure::{disclose, DisclosureOptions, Rule};
    use collabmetrics::oap::{self, month_of, OapOptions, Window};
    use collabmetrics::table::{display, ColumnMap, Input};
    use collabmetrics_demo::DemoOptions;
    use std::collections::HashMap;
    let rule = Rule::NhsMhsds;
    let input = |b: &arrow_array::RecordBatch| {
        Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap()
    };

    // The demo's OAP table as `demo --publish` computes it, with the core: the true counts and
    // the populations (published input data, which an attacker has).
    let demo = DemoOptions::default();
    let data = collabmetrics_demo::try_generate(&demo).unwrap();
    let end = demo.data_end();
    let areas = input(&data.areas);
    let (place, pop) = (
        areas.categories("place").unwrap(),
        areas.f64s("population").unwrap(),
    );
    let mut by_place: HashMap<String, f64> = HashMap::new();
    for (i, &g) in place.codes.iter().enumerate() {
        let name = place.values[g as usize].clone().unwrap();
        *by_place.entry(name).or_default() += pop[i];
    }
    let names: Vec<String> = by_place.keys().cloned().collect();
    let population_table = arrow_array::RecordBatch::try_from_iter(vec![
        (
            "place",
            std::sync::Arc::new(arrow_array::StringArray::from(names.clone()))
                as arrow_array::ArrayRef,
        ),
        (
            "population",
            std::sync::Arc::new(arrow_array::Float64Array::from(
                names.iter().map(|n| by_place[n]).collect::<Vec<_>>(),
            )),
        ),
    ])
    .unwrap();
    let mut o = OapOptions::new(oap::month_start(month_of(end) - 11), end);
    o.window = Window::Rolling3m;
    o.by = vec!["place".into()];
    o.data_cutoff = Some(end);
    let measures = oap::measures(
        &input(&data.placements),
        &o,
        Some(&input(&population_table)),
        Some(&input(&data.admissions)),
    )
    .unwrap();
    let t = &measures.table;
    let text = |name: &str, r: usize| -> Option<String> {
        let c = t.column_by_name(name).unwrap();
        c.is_valid(r).then(|| display(c.as_ref(), r))
    };
    let started = t
        .column_by_name("started")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap()
        .clone();
    let mut truth = HashMap::new();
    let mut population = HashMap::new();
    for r in 0..t.num_rows() {
        let key = (text("period_end", r).unwrap(), text("place", r));
        truth.insert(key.clone(), started.value(r));
        population.insert(key, by_place[&text("place", r).unwrap()]);
    }
    let periods: Vec<String> = truth.keys().map(|k| k.0.clone()).collect();
    for p in periods {
        population.insert((p, None), by_place.values().sum());
    }

    // The attack works: on the table as published before (the core's controlled table with
    // its rates, beside the added Total rows), it gives suppressed counts back, each one the
    // true count.
    let controlled = disclose(
        &input(&t.clone()),
        &DisclosureOptions {
            rule,
            ..DisclosureOptions::default()
        },
    )
    .unwrap()
    .table
    .table;
    let num = |name: &str, r: usize| -> Option<f64> {
        let c = controlled.column_by_name(name).unwrap();
        c.is_valid(r)
            .then(|| display(c.as_ref(), r).parse::<f64>().unwrap())
    };
    let cell = |name: &str, r: usize| -> Option<String> {
        let c = controlled.column_by_name(name).unwrap();
        c.is_valid(r).then(|| display(c.as_ref(), r))
    };
    let before: Vec<Published> = (0..controlled.num_rows())
        .map(|r| Published {
            period: cell("period_end", r).unwrap(),
            place: cell("place", r),
            count: num("started", r).map(|v| v as i64),
            rate: num("rate_started", r),
        })
        .collect();
    let recovered = subtraction_attack(rule, &before, &population);
    assert!(!recovered.is_empty(), "the attack finds nothing to recover");
    for (period, place, n) in &recovered {
        assert_eq!(truth[&(period.clone(), Some(place.clone()))], *n);
    }

    // `demo --publish` as it is: the same attack recovers nothing, in any count column.
    let (ok, out, err) = run(&["demo", "--publish", "--format", "json"]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let section = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "published-oap")
        .unwrap();
    let header: Vec<&str> = section["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    let at = |name: &str| header.iter().position(|h| *h == name);
    let rows = section["rows"].as_array().unwrap();
    let mut suppressed = 0;
    for count in ["started", "ended", "active_at_end", "bed_days"] {
        let k = at(count).unwrap();
        let published: Vec<Published> = rows
            .iter()
            .map(|row| Published {
                period: row[at("period_end").unwrap()].as_str().unwrap().to_owned(),
                place: row[at("place").unwrap()]
                    .as_str()
                    .filter(|p| *p != "Total")
                    .map(str::to_owned),
                count: row[k].as_f64().map(|v| v as i64),
                rate: at(&format!("rate_{count}")).and_then(|r| row[r].as_f64()),
            })
            .collect();
        suppressed += published.iter().filter(|p| p.count.is_none()).count();
        let recovered = subtraction_attack(rule, &published, &population);
        assert!(recovered.is_empty(), "{count}: {recovered:?}");
    }
    assert!(suppressed > 10, "{suppressed} suppressed cells attacked");
}

#[test]
fn published_tables_with_totals_leave_out_rates_and_shares() {
    let (ok, out, err) = run(&["demo", "--publish", "--format", "json"]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    for s in report["sections"].as_array().unwrap() {
        let header: Vec<&str> = s["header"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        for h in &header {
            assert!(
                !(h.starts_with("rate_")
                    || h.starts_with("share_")
                    || h.starts_with("proportion_")
                    || h.ends_with("_lower")
                    || h.ends_with("_upper")
                    || ["value", "lower", "upper"].contains(h)),
                "{}: {h}",
                s["title"]
            );
        }
    }
}
