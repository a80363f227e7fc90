//! Every table entry point fed arbitrary Arrow tables: the columns it looks for, of any type
//! (the null type included), with any values, nulls, NaN and dates at and beyond the range.

use crate::arb::{self, any_day, any_f64, Want};
use crate::check;
use arbitrary::{Result, Unstructured};
use arrow_array::RecordBatch;
use collabmetrics::distance::{
    self, ConvertTableOptions, LocateTableOptions, Method, NullPolicy, PointsTableOptions,
    SummaryTableOptions,
};
use collabmetrics::inequality::{self, CountKind, Counts, MeasuresTableOptions};
use collabmetrics::oap::{self, OapOptions, OverlapRule, Window};
use collabmetrics::stats::{
    self as table, DsrTableOptions, IsrTableOptions, MeanTableOptions, ProportionTableOptions,
    RateTableOptions,
};
use collabmetrics::table::{ColumnKind, ColumnMap, ColumnSpec, Input};
use collabmetrics::transition::{self, CurveMethod, Tables, TransitionOptions};
use collabmetrics::Result as CmResult;
use ColumnKind::*;

/// Two breakdown columns every table may have.
const BY: [Want; 2] = [
    Want {
        name: "area",
        kind: Code,
        optional: true,
    },
    Want {
        name: "sex",
        kind: Code,
        optional: true,
    },
];

/// The wanted columns of a metric's declared column list, plus the breakdowns.
fn from_specs(specs: &[ColumnSpec]) -> Vec<Want<'static>> {
    specs
        .iter()
        .map(|s| Want {
            name: s.name,
            kind: s.kind,
            optional: !s.required,
        })
        .chain(BY)
        .collect()
}

/// An input table of `wants`, or `None` when the table layer refused it (checked).
fn input(u: &mut Unstructured, wants: &[Want]) -> Result<Option<(Input, Vec<String>)>> {
    let (schema, batches) = arb::table(u, wants)?;
    let names = schema.fields().iter().map(|f| f.name().clone()).collect();
    match Input::new(schema, &batches, ColumnMap::new()) {
        Ok(i) => Ok(Some((i, names))),
        Err(e) => {
            check::error(&e, "Input::new");
            Ok(None)
        }
    }
}

/// `by` columns: none, or some of the breakdowns.
fn by(u: &mut Unstructured) -> Result<Vec<String>> {
    Ok(match u.int_in_range(0..=3)? {
        0 => vec!["area".to_owned()],
        1 => vec!["area".to_owned(), "sex".to_owned()],
        _ => Vec::new(),
    })
}

fn confidence(u: &mut Unstructured) -> Result<f64> {
    Ok(if u.ratio(9, 10)? { 0.95 } else { any_f64(u)? })
}

fn nulls(u: &mut Unstructured) -> Result<NullPolicy> {
    Ok(if u.arbitrary()? {
        NullPolicy::Error
    } else {
        NullPolicy::Propagate
    })
}

fn outcome(r: CmResult<RecordBatch>, names: &[String], call: &str) {
    check::table(&r, names, call);
}

/// Runs one table entry point chosen by the input on an arbitrary table.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
}

fn one(u: &mut Unstructured) -> Result<()> {
    match u.int_in_range(0..=15)? {
        0..=4 => stats(u),
        5..=8 => distances(u),
        9 | 10 => oap(u),
        11 | 12 => transition(u),
        13 => inequality(u),
        14 => spc(u),
        _ => disclosure(u),
    }
}

fn spc(u: &mut Unstructured) -> Result<()> {
    use collabmetrics::spc::{self, Rebase, SpcOptions};
    let wants: Vec<Want> = [
        Want::required("date", Date),
        Want::required("value", Number),
    ]
    .into_iter()
    .chain(BY)
    .collect();
    let Some((input, _)) = input(u, &wants)? else {
        return Ok(());
    };
    let mut o = SpcOptions {
        by: by(u)?,
        ..SpcOptions::default()
    };
    if u.ratio(1, 4)? {
        o.rebase = Rebase::Dates(vec![any_day(u)?, any_day(u)?]);
    }
    if u.ratio(1, 4)? {
        o.fix_after_n_points = Some(u.arbitrary()?);
    }
    let r = if u.arbitrary()? {
        spc::xmr(&input, &o)
    } else {
        spc::summary(&input, &o)
    };
    outcome(r.map(|r| r.into_batch()), &[], "spc");
    Ok(())
}

fn disclosure(u: &mut Unstructured) -> Result<()> {
    use collabmetrics::disclosure::{self, DisclosureOptions};
    let wants: Vec<Want> = [
        Want::required("count", Number),
        Want {
            name: "denominator",
            kind: Number,
            optional: true,
        },
    ]
    .into_iter()
    .chain(BY)
    .collect();
    let Some((input, names)) = input(u, &wants)? else {
        return Ok(());
    };
    let mut o = DisclosureOptions {
        counts: Some(vec!["count".to_owned()]),
        ..DisclosureOptions::default()
    };
    match u.int_in_range(0..=2)? {
        0 => o.dimensions = Some(by(u)?),
        1 => o.by = Some(by(u)?),
        _ => {}
    }
    match disclosure::disclose(&input, &o) {
        Ok(d) => check::batch(&d.table.into_batch(), &names, "disclose"),
        Err(e) => check::error(&e, "disclose"),
    }
    Ok(())
}

fn stats(u: &mut Unstructured) -> Result<()> {
    let which = u.int_in_range(0..=4)?;
    let wants: Vec<Want> = match which {
        0 => vec![
            Want::required("numerator", Number),
            Want::required("denominator", Number),
        ],
        1 => vec![
            Want::required("count", Number),
            Want::required("denominator", Number),
        ],
        2 => vec![
            Want::required("count", Number),
            Want::required("population", Number),
            Want::required("age_band", Code),
        ],
        3 => vec![
            Want::required("count", Number),
            Want::required("population", Number),
            Want::required("reference_count", Number),
            Want::required("reference_population", Number),
        ],
        _ => vec![Want::required("value", Number)],
    }
    .into_iter()
    .chain(BY)
    .collect();
    let Some((input, names)) = input(u, &wants)? else {
        return Ok(());
    };
    let by = by(u)?;
    let c = confidence(u)?;
    let r = match which {
        0 => {
            let mut o = ProportionTableOptions {
                numerator: "numerator".into(),
                denominator: "denominator".into(),
                options: Default::default(),
            };
            o.options.confidence = c;
            table::proportion_table(&input, &o)
        }
        1 => {
            let mut o = RateTableOptions {
                count: "count".into(),
                denominator: "denominator".into(),
                options: Default::default(),
            };
            o.options.confidence = c;
            table::rate_table(&input, &o)
        }
        2 => {
            let mut o = DsrTableOptions {
                count: "count".into(),
                population: "population".into(),
                age_band: "age_band".into(),
                by,
                standard: collabmetrics::stats::StandardPopulation::esp2013(),
                options: Default::default(),
            };
            o.options.confidence = c;
            table::dsr_table(&input, &o)
        }
        3 => {
            let mut o = IsrTableOptions {
                count: "count".into(),
                population: "population".into(),
                reference_count: "reference_count".into(),
                reference_population: "reference_population".into(),
                by,
                options: Default::default(),
            };
            o.options.confidence = c;
            table::isr_table(&input, &o)
        }
        _ => {
            let mut o = MeanTableOptions {
                value: "value".into(),
                by,
                options: Default::default(),
            };
            o.options.confidence = c;
            table::mean_table(&input, &o)
        }
    };
    outcome(r.map(|r| r.into_batch()), &names, "stats table");
    Ok(())
}

fn distances(u: &mut Unstructured) -> Result<()> {
    match u.int_in_range(0..=3)? {
        0 => {
            let method = *u.choose(&[Method::Bng, Method::Geodesic, Method::Haversine])?;
            let cols = method.default_columns();
            let wants: Vec<Want> = cols.iter().map(|c| Want::required(c, Number)).collect();
            let Some((input, names)) = input(u, &wants)? else {
                return Ok(());
            };
            let o = PointsTableOptions {
                method,
                round_km: u.arbitrary()?,
                nulls: nulls(u)?,
                ..Default::default()
            };
            let r = distance::distance_points_table(&input, &o).map(|r| r.into_batch());
            outcome(r, &names, "distance points table");
        }
        1 => {
            let wants = [
                Want::required("easting", Number),
                Want::required("northing", Number),
            ];
            let Some((input, names)) = input(u, &wants)? else {
                return Ok(());
            };
            let o = ConvertTableOptions {
                nulls: nulls(u)?,
                ..Default::default()
            };
            let r = distance::bng_to_wgs84_table(&input, &o).map(|r| r.into_batch());
            outcome(r, &names, "bng_to_wgs84 table");
        }
        2 => {
            let Some((input, names)) = input(u, &[Want::required("home", Code)])? else {
                return Ok(());
            };
            let lookup_wants = [
                Want::required("code", Code),
                Want::required("x", Number),
                Want::required("y", Number),
            ];
            let Some((lookup, _)) = self::input(u, &lookup_wants)? else {
                return Ok(());
            };
            let mut o = LocateTableOptions::new("home");
            o.x = "hx".into();
            o.y = "hy".into();
            o.nulls = nulls(u)?;
            let r = distance::locate_table(&input, &lookup, &o).map(|r| r.into_batch());
            outcome(r, &names, "locate table");
        }
        _ => {
            let wants: Vec<Want> = [
                Want::required("distance_km", Number),
                Want {
                    name: "weight",
                    kind: Number,
                    optional: true,
                },
            ]
            .into_iter()
            .chain(BY)
            .collect();
            let Some((input, _)) = input(u, &wants)? else {
                return Ok(());
            };
            let mut o = SummaryTableOptions {
                by: by(u)?,
                nulls: nulls(u)?,
                ..Default::default()
            };
            if input.has("weight") && u.arbitrary()? {
                o.weight = Some("weight".into());
            }
            o.options.confidence = confidence(u)?;
            let r = distance::distance_summary_table(&input, &o).map(|r| r.into_batch());
            outcome(r, &[], "distance summary table");
        }
    }
    Ok(())
}

fn oap(u: &mut Unstructured) -> Result<()> {
    let Some((placements, _)) = input(u, &from_specs(oap::PLACEMENT_COLUMNS))? else {
        return Ok(());
    };
    let population = if u.arbitrary()? {
        input(u, &from_specs(oap::POPULATION_COLUMNS))?
    } else {
        None
    };
    let admissions = if u.arbitrary()? {
        input(u, &from_specs(oap::ADMISSION_COLUMNS))?
    } else {
        None
    };
    let start = any_day(u)?;
    let end = if u.ratio(4, 5)? {
        start.saturating_add(u.int_in_range(0..=400)?)
    } else {
        any_day(u)?
    };
    let mut o = OapOptions::new(start, end);
    o.window = *u.choose(&[Window::Month, Window::Rolling3m, Window::Rolling12m])?;
    o.by = by(u)?;
    o.overlap = *u.choose(&[OverlapRule::Count, OverlapRule::Truncate])?;
    o.inappropriate_only = u.arbitrary()?;
    o.confidence = confidence(u)?;
    if u.arbitrary()? {
        o.data_cutoff = Some(any_day(u)?);
    }
    if u.ratio(1, 4)? {
        o.bed_types = None;
    }
    let r = oap::measures(
        &placements,
        &o,
        population.as_ref().map(|p| &p.0),
        admissions.as_ref().map(|a| &a.0),
    )
    .map(|r| r.into_batch());
    outcome(r, &[], "oap measures");
    Ok(())
}

fn transition(u: &mut Unstructured) -> Result<()> {
    let Some((persons, _)) = input(u, &from_specs(transition::PERSON_COLUMNS))? else {
        return Ok(());
    };
    let Some((referrals, _)) = input(u, &from_specs(transition::REFERRAL_COLUMNS))? else {
        return Ok(());
    };
    let Some((contacts, _)) = input(u, &from_specs(transition::CONTACT_COLUMNS))? else {
        return Ok(());
    };
    let care_plans = if u.arbitrary()? {
        input(u, &from_specs(transition::CARE_PLAN_COLUMNS))?
    } else {
        None
    };
    let mut o = TransitionOptions::new(any_day(u)?);
    if u.ratio(1, 3)? {
        o.period_start = Some(any_day(u)?);
    }
    if u.ratio(1, 3)? {
        o.period_end = Some(any_day(u)?);
    }
    o.confidence = confidence(u)?;
    if u.ratio(1, 10)? {
        o.attended_codes = vec![u.arbitrary()?];
    }
    let tables = Tables {
        persons: &persons,
        referrals: &referrals,
        contacts: &contacts,
        care_plans: care_plans.as_ref().map(|c| &c.0),
    };
    match u.int_in_range(0..=2)? {
        0 => match transition::analyse(&tables, &o) {
            Ok(a) => {
                for (b, call) in [
                    (&a.transfers, "transfers"),
                    (&a.ageing_out, "ageing out"),
                    (&a.summary, "summary"),
                    (&a.curve, "curve"),
                ] {
                    check::batch(b, &[], call);
                }
            }
            Err(e) => check::error(&e, "transition analyse"),
        },
        1 => {
            let r = transition::service_lines(&tables, &o).map(|r| r.into_batch());
            outcome(r, &[], "service lines");
        }
        _ => {
            let wants = [
                Want::required("days_to_first_adult_contact", Number),
                Want::required("follow_up_days", Number),
                Want {
                    name: "days_to_death",
                    kind: Number,
                    optional: true,
                },
            ];
            let Some((t, _)) = input(u, &wants)? else {
                return Ok(());
            };
            let method = *u.choose(&[CurveMethod::KaplanMeier, CurveMethod::AalenJohansen])?;
            let r = transition::time_to_contact(&t, method, confidence(u)?).map(|r| r.into_batch());
            outcome(r, &[], "time to contact");
        }
    }
    Ok(())
}

fn inequality(u: &mut Unstructured) -> Result<()> {
    let wants: Vec<Want> = [
        Want::required("subgroup", Code),
        Want::required("value", Number),
        Want::required("population", Number),
        Want {
            name: "se",
            kind: Number,
            optional: true,
        },
        Want {
            name: "order",
            kind: Number,
            optional: true,
        },
        Want {
            name: "numerator",
            kind: Number,
            optional: true,
        },
        Want {
            name: "denominator",
            kind: Number,
            optional: true,
        },
    ]
    .into_iter()
    .chain(BY)
    .collect();
    let Some((input, _)) = input(u, &wants)? else {
        return Ok(());
    };
    let mut o = MeasuresTableOptions {
        by: by(u)?,
        ..Default::default()
    };
    if input.has("se") {
        o.se = Some("se".into());
    }
    if input.has("order") {
        o.order = Some("order".into());
        o.options.ordered = u.arbitrary()?;
    }
    if input.has("numerator") && input.has("denominator") && u.arbitrary()? {
        o.counts = Some(Counts {
            numerator: "numerator".into(),
            denominator: "denominator".into(),
            kind: if u.arbitrary()? {
                CountKind::Proportion
            } else {
                CountKind::Rate
            },
            multiplier: *u.choose(&[Some(1.0), Some(100.0), Some(1e5), None])?,
        });
    }
    o.options.reps = *u.choose(&[0, 100, 1 << 61])?;
    o.options.confidence = confidence(u)?;
    let r = inequality::measures_table(&input, &o).map(|r| r.into_batch());
    outcome(r, &[], "inequality measures table");
    Ok(())
}
