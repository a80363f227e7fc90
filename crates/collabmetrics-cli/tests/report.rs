//! `collabmetrics report` on an analyst's own files: the collaborative report's sections from
//! the `oap` and `transition` commands' inputs, as text, JSON and one HTML page.

use arrow_array::RecordBatch;
use collabmetrics::table::{format_date, ColumnMap, Input};
use collabmetrics::transition::{self, Tables, TransitionOptions};
use collabmetrics_demo::{generate, DemoOptions};

mod common;
use common::{dir, run, write_csv};

fn section<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no section {id}"))
}

/// Placements 20 Jan → 10 Mar 2024 (X), 1 → 29 Feb (X), 5 Feb same day (Y), 25 Mar open (Y),
/// and one for patient choice (excluded).
const CSV: &str =
    "placement_id,person_id,StartDateHospProvSpell,end_date,bed_type,reason,place,receiving_org
1,A,2024-01-20,2024-03-10,10,10,X,R1
2,B,2024-02-01,2024-02-29,11,10,X,R2
3,C,2024-02-05,2024-02-05,12,10,Y,R1
4,D,2024-03-25,,10,10,Y,R1
6,E,2024-01-02,2024-01-09,10,14,X,R1
";

#[test]
fn the_headline_of_a_small_extract_by_hand() {
    let d = dir("hand");
    let input = d.join("placements.csv");
    std::fs::write(&input, CSV).unwrap();
    let (ok, out, err) = run(&[
        "report",
        "--placements",
        input.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-03",
        "--by",
        "place",
        "--column",
        "start_date=StartDateHospProvSpell",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["synthetic"], false);
    let headline = section(&v, "oap-headline");
    assert_eq!(
        headline["header"],
        serde_json::json!(["3 months to", "X", "Y", "collaborative"])
    );
    let last = headline["rows"].as_array().unwrap().last().unwrap();
    // Three months to 31 March, nights (admission day counts, discharge day does not; the open
    // placement runs to the data end 31 March): X 12 + 29 + 9 (placement 1) and 28
    // (placement 2) = 78; Y 0 (same day) and 25-31 March = 7.
    assert_eq!(last, &serde_json::json!(["2024-03-31", 78, 7, 85]));
    // The flows: X to R1 50, X to R2 28, Y to R1 7.
    let flows = section(&v, "oap-flows");
    assert_eq!(
        flows["rows"],
        serde_json::json!([["X", "R1", 1, 50], ["X", "R2", 1, 28], ["Y", "R1", 2, 7]])
    );
    // Only the sections the files allow: no rates, shares or distance without their inputs.
    let ids: Vec<&str> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["oap-headline", "oap-flows", "spc"]);
}

#[test]
fn an_empty_section_says_so_in_words() {
    let d = dir("empty");
    let input = d.join("placements.csv");
    // Every placement appropriate (reason 14): nothing inappropriate to show.
    std::fs::write(
        &input,
        CSV.replace(",10,X,", ",14,X,").replace(",10,Y,", ",14,Y,"),
    )
    .unwrap();
    let args = |format: &str| -> Vec<String> {
        [
            "report",
            "--placements",
            input.to_str().unwrap(),
            "--start",
            "2024-01",
            "--end",
            "2024-03",
            "--by",
            "place",
            "--column",
            "start_date=StartDateHospProvSpell",
            "--format",
            format,
        ]
        .map(String::from)
        .to_vec()
    };
    let text_args = args("text");
    let (ok, text, err) = run(&text_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{err}");
    assert!(
        text.contains("No rows: no inappropriate OAP bed days in the 12 months."),
        "{text}"
    );
    let html_args = args("html");
    let (ok, html, err) = run(&html_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{err}");
    assert!(html.contains(
        "<p class=\"empty\">No rows: no inappropriate OAP bed days in the 12 months.</p>"
    ));
}

#[test]
fn the_demo_extracts_give_the_library_numbers() {
    let d = dir("demo");
    let opts = DemoOptions::default();
    let t = generate(&opts);
    let files: Vec<String> = [
        ("placements", &t.placements),
        ("admissions", &t.admissions),
        ("persons", &t.persons),
        ("referrals", &t.referrals),
        ("contacts", &t.contacts),
        ("care_plans", &t.care_plans),
    ]
    .iter()
    .map(|(n, b)| write_csv(&d, n, b))
    .collect();
    let end = format_date(opts.data_end());
    let html = d.join("report.html");
    let common = [
        "report",
        "--placements",
        &files[0],
        "--admissions",
        &files[1],
        "--persons",
        &files[2],
        "--referrals",
        &files[3],
        "--contacts",
        &files[4],
        "--care-plans",
        &files[5],
        "--by",
        "place",
        "--start",
        "2021-04",
        "--end",
        &end,
    ];
    let (ok, out, err) = run(&[&common[..], &["--format", "json"]].concat());
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Cohort T's T1 is the library's on the same tables.
    let input = |b: &RecordBatch| {
        Input::new(b.schema(), std::slice::from_ref(b), ColumnMap::new()).unwrap()
    };
    let (p, r, c, cp) = (
        input(&t.persons),
        input(&t.referrals),
        input(&t.contacts),
        input(&t.care_plans),
    );
    let a = transition::analyse(
        &Tables {
            persons: &p,
            referrals: &r,
            contacts: &c,
            care_plans: Some(&cp),
        },
        &TransitionOptions::new(opts.data_end()),
    )
    .unwrap();
    let t_rows = section(&v, "transition-t")["rows"].as_array().unwrap();
    let t1 = t_rows
        .iter()
        .find(|r| r[0].as_str().unwrap().starts_with("T1 disengaged") && r[1] == "all")
        .unwrap();
    let summary = collabmetrics_json(&a.summary);
    let lib = summary
        .iter()
        .find(|s| s["metric"] == "T1_disengaged_90d" && s["breakdown"] == "all")
        .unwrap();
    assert_eq!(t1[2], lib["numerator"]);
    assert_eq!(t1[3], lib["denominator"]);
    // Groups sorted, every section that the inputs allow.
    let rates = section(&v, "oap-admissions")["rows"].as_array().unwrap();
    let places: Vec<&str> = rates.iter().map(|r| r[0].as_str().unwrap()).collect();
    let mut sorted = places.clone();
    sorted.sort_unstable();
    assert_eq!(places, sorted);
    let (ok, _, err) = run(&[&common[..], &["--html", html.to_str().unwrap()]].concat());
    assert!(ok, "{err}");
    let page = std::fs::read_to_string(&html).unwrap();
    for id in [
        "oap-headline",
        "oap-admissions",
        "oap-flows",
        "transition-t",
        "transition-gap",
        "transition-curve",
        "transition-b",
        "spc",
    ] {
        assert!(page.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(
        !page.contains("SYNTHETIC DATA: every figure"),
        "an analyst's data"
    );
}

/// A result table's rows as JSON objects.
fn collabmetrics_json(batch: &RecordBatch) -> Vec<serde_json::Value> {
    let mut buf = Vec::new();
    {
        let mut w = arrow_json::ArrayWriter::new(&mut buf);
        w.write(batch).unwrap();
        w.finish().unwrap();
    }
    serde_json::from_slice(&buf).unwrap()
}

#[test]
fn transition_files_come_together() {
    let (ok, _, err) = run(&[
        "report",
        "--placements",
        "p.csv",
        "--start",
        "2024-01",
        "--end",
        "2024-03",
        "--persons",
        "x.csv",
    ]);
    assert!(!ok);
    assert!(err.contains("--referrals"), "{err}");
}

/// The hand extract's report arguments, with `extra` after them.
fn hand_args<'a>(input: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "report",
        "--placements",
        input,
        "--start",
        "2024-01",
        "--end",
        "2024-03",
        "--by",
        "place",
        "--column",
        "start_date=StartDateHospProvSpell",
    ];
    args.extend(extra);
    args
}

#[test]
fn a_report_without_publish_says_it_is_not_for_publication() {
    let d = dir("unpublished");
    let input = d.join("placements.csv");
    std::fs::write(&input, CSV).unwrap();
    let input = input.to_str().unwrap();
    let banner = "NOT FOR PUBLICATION: unrounded counts";
    let (ok, text, err) = run(&hand_args(input, &[]));
    assert!(ok, "{err}");
    // Under the title, before anything else.
    assert!(text.lines().nth(2).unwrap().starts_with(banner), "{text}");
    let (ok, json, _) = run(&hand_args(input, &["--format", "json"]));
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["warning"].as_str().unwrap().starts_with(banner));
    let (ok, html, _) = run(&hand_args(input, &["--format", "html"]));
    assert!(ok);
    assert!(html.contains(&format!(
        "<p class=\"synthetic\" id=\"not-for-publication\">{banner}"
    )));
}

#[test]
fn a_published_report_rounds_and_suppresses_and_draws_nothing() {
    let d = dir("published");
    let input = d.join("placements.csv");
    std::fs::write(&input, CSV).unwrap();
    let input = input.to_str().unwrap();
    let (ok, json, err) = run(&hand_args(input, &["--publish", "--format", "json"]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["warning"].is_null());
    assert!(v["title"]
        .as_str()
        .unwrap()
        .ends_with("under the rule nhs_mhsds"));
    let oap = section(&v, "published-oap");
    assert_eq!(
        oap["header"],
        serde_json::json!([
            "period_end",
            "place",
            "started",
            "ended",
            "active_at_end",
            "bed_days"
        ])
    );
    let row = |place: &str| {
        oap["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == "2024-03-31" && r[1] == place)
            .unwrap()
            .clone()
    };
    // Three months to 31 March (see the hand count above): started X 2 (placements 1, 2),
    // Y 2 (3, 4), all 4: each below 5, suppressed. Bed days X 78 → 80, Y 7 → 5, and the
    // total from the unrounded parts, 85. Ended: X 2 (10 Mar, 29 Feb), Y 1 (5 Feb): *.
    // Active at the end: X 0 (suppressed: the rule suppresses 0), Y 1: *.
    assert_eq!(
        row("X"),
        serde_json::json!(["2024-03-31", "X", "*", "*", "*", 80])
    );
    assert_eq!(
        row("Y"),
        serde_json::json!(["2024-03-31", "Y", "*", "*", "*", 5])
    );
    assert_eq!(
        row("Total"),
        serde_json::json!(["2024-03-31", "Total", "*", "*", "*", 85])
    );
    // Only published tables: no chart, no SPC, no funnel.
    let ids: Vec<&str> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["published-oap", "published-flows"]);
    let (ok, html, _) = run(&hand_args(input, &["--publish", "--format", "html"]));
    assert!(ok);
    assert!(!html.contains("<svg") && !html.contains("not-for-publication"));
    assert!(html.contains("Charts are left out"));
    // The rule is read as the other commands read it.
    let (ok, _, err) = run(&hand_args(input, &["--publish", "nhs"]));
    assert!(!ok);
    assert!(err.contains("unknown rule \"nhs\""), "{err}");
}

#[test]
fn placements_without_a_group_are_their_own_group_apart_from_the_text_null() {
    let d = dir("nullgroup");
    let input = d.join("placements.csv");
    // In February 2024 (nights from admission day to the day before discharge): X 1-11 Feb
    // (10), a place recorded as the text "null" 1-6 Feb (5), and two with no place, 1-4 Feb
    // (3) and 10-12 Feb (2).
    std::fs::write(
        &input,
        "placement_id,person_id,start_date,end_date,bed_type,reason,place,receiving_org
1,A,2024-02-01,2024-02-11,10,10,X,R1
2,B,2024-02-01,2024-02-06,10,10,null,R1
3,C,2024-02-01,2024-02-04,10,10,,R1
4,D,2024-02-10,2024-02-12,10,10,,R2
",
    )
    .unwrap();
    let input = input.to_str().unwrap();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "report",
            "--placements",
            input,
            "--start",
            "2024-01",
            "--end",
            "2024-02",
            "--by",
            "place",
            "--format",
            "json",
        ];
        a.extend(extra);
        a
    };
    let (ok, out, err) = run(&args(&[]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let headline = section(&v, "oap-headline");
    assert_eq!(
        headline["header"],
        serde_json::json!([
            "3 months to",
            "X",
            "null",
            "(not recorded)",
            "collaborative"
        ])
    );
    let last = headline["rows"].as_array().unwrap().last().unwrap();
    // The groups add up to the collaborative: 10 + 5 + (3 + 2) = 20.
    assert_eq!(last, &serde_json::json!(["2024-02-29", 10, 5, 5, 20]));
    // The flows tell the two apart.
    let flows = section(&v, "oap-flows");
    assert_eq!(
        flows["rows"],
        serde_json::json!([
            ["X", "R1", 1, 10],
            ["null", "R1", 1, 5],
            ["(not recorded)", "R1", 1, 3],
            ["(not recorded)", "R2", 1, 2]
        ])
    );
    // The SPC table has a column for each, and the notes say how many had no place.
    assert_eq!(
        section(&v, "spc")["header"],
        serde_json::json!(["month", "X", "null", "(not recorded)"])
    );
    let notes = &headline["diagnostics"];
    assert!(notes.to_string().contains("missing_breakdown"), "{notes}");
    // Published, the group without a place is a group, not the total.
    let (ok, out, err) = run(&args(&["--publish"]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let places: Vec<&str> = section(&v, "published-oap")["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[0] == "2024-02-29")
        .map(|r| r[1].as_str().unwrap())
        .collect();
    assert_eq!(places, ["X", "null", "(not recorded)", "Total"]);
}

/// The JSON report of January 2024 by `by`, with a population.
fn january_report(
    placements: &std::path::Path,
    population: &std::path::Path,
    by: &str,
) -> serde_json::Value {
    let (ok, out, err) = run(&[
        "report",
        "--placements",
        placements.to_str().unwrap(),
        "--population",
        population.to_str().unwrap(),
        "--start",
        "2024-01",
        "--end",
        "2024-01",
        "--by",
        by,
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_group_without_a_population_gets_no_rate_and_stays_out_of_the_funnel() {
    let d = dir("tiny");
    let placements = d.join("placements.csv");
    // January 2024: X 3 placements, Z 1, Tiny 2; Tiny has no population row.
    let mut csv =
        String::from("placement_id,person_id,start_date,end_date,bed_type,reason,place\n");
    for (i, place) in ["X", "X", "X", "Z", "Tiny", "Tiny"].iter().enumerate() {
        csv.push_str(&format!(
            "{i},P{i},2024-01-0{},2024-01-20,10,10,{place}\n",
            i + 1
        ));
    }
    std::fs::write(&placements, csv).unwrap();
    let population = d.join("population.csv");
    std::fs::write(&population, "place,population\nX,1000000\nZ,500000\n").unwrap();
    let v = january_report(&placements, &population, "place");
    // The rates: X 3 per 1 000 000, Z 1 / 500 000 = 2 per 1 000 000, Tiny none.
    let rates = section(&v, "oap-rates");
    let rows = rates["rows"].as_array().unwrap();
    let rate = |place: &str| {
        rows.iter()
            .find(|r| r[0] == place)
            .map(|r| r[3]["value"].clone())
            .unwrap()
    };
    assert_eq!(rate("X"), serde_json::json!(3.0));
    assert_eq!(rate("Z"), serde_json::json!(2.0));
    assert!(rate("Tiny").is_null());
    // The funnel: X and Z only, and a note naming Tiny.
    let funnel = section(&v, "funnel-oap-rates");
    let units: Vec<&str> = funnel["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(units, ["X", "Z"]);
    let notes = funnel["diagnostics"].to_string();
    assert!(
        notes.contains("funnel_no_population") && notes.contains("(Tiny)"),
        "{notes}"
    );
}

#[test]
fn numeric_groups_in_numeric_order_and_the_funnel_table_lists_every_unit_it_draws() {
    let d = dir("numeric");
    let placements = d.join("placements.csv");
    // January 2024: deciles 10, 2 and 1 (one placement each), written in that order.
    let mut csv =
        String::from("placement_id,person_id,start_date,end_date,bed_type,reason,decile\n");
    for (i, decile) in [10, 2, 1].iter().enumerate() {
        csv.push_str(&format!(
            "{i},P{i},2024-01-0{},2024-01-20,10,10,{decile}\n",
            i + 1
        ));
    }
    std::fs::write(&placements, csv).unwrap();
    // Decile 5 has a population and no placement.
    let population = d.join("population.csv");
    std::fs::write(
        &population,
        "decile,population\n1,100000\n2,100000\n5,100000\n10,100000\n",
    )
    .unwrap();
    let v = january_report(&placements, &population, "decile");
    assert_eq!(
        section(&v, "oap-headline")["header"],
        serde_json::json!(["3 months to", "1", "2", "10", "collaborative"])
    );
    // The funnel draws the four deciles of the population table; its table lists the same
    // four, decile 5 with 0 placements.
    let funnel = section(&v, "funnel-oap-rates");
    let rows: Vec<(String, serde_json::Value)> = funnel["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_owned(), r[1].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            ("1".to_owned(), serde_json::json!(1)),
            ("2".to_owned(), serde_json::json!(1)),
            ("10".to_owned(), serde_json::json!(1)),
            ("5".to_owned(), serde_json::json!(0)),
        ]
    );
}
