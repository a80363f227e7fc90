//! The Rust face of the parity tests (`python/tests/test_parity.py`): one call of one public
//! entry point of the `collabmetrics` crate, straight from Rust, on Parquet inputs, with the
//! options as the core's own JSON (the serde form of its options structs, whose missing keys
//! are the core's `Default`s: `{}` is a call with every default).
//!
//! ```text
//! core_call ENTRY OUT_DIR OPTIONS_JSON [NAME=PATH.parquet ...] [--columns=MAP_JSON] [--cancelled]
//! ```
//!
//! `--columns` maps our column names to the inputs' (`{"start_date": "StartDate"}`), for every
//! input, as the other faces' column maps do.
//!
//! `--cancelled` runs the call under a cancellation token already cancelled (the Rust face of
//! a cancelled call: `collabmetrics::cancel`), as a C caller's set flag does.
//!
//! Each result table is written to `OUT_DIR/<name>.parquet` with its schema (types and the
//! diagnostics in the schema metadata) as the core built it; scalar results are one-row
//! tables. A failure prints the core error's fields as JSON on standard output and exits
//! with status 2. Entries are listed in [`call`].

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use collabmetrics::distance::{self, NullPolicy};
use collabmetrics::inequality::{self, BootstrapOptions, ConcentrationCorrection, IndexName};
use collabmetrics::stats::{self, ProportionOptions, RateOptions};
use collabmetrics::table::{self, display, ColumnMap, Input, TableResult};
use collabmetrics::transition::{self, CurveOptions, Tables};
use collabmetrics::{disclosure, funnel, oap, spc, Error};
use collabmetrics_demo as demo;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

type Outputs = Vec<(String, RecordBatch)>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [entry, out_dir, options, inputs @ ..] = args.as_slice() else {
        eprintln!("usage: core_call ENTRY OUT_DIR OPTIONS_JSON [NAME=PATH.parquet ...] [--columns=MAP_JSON] [--cancelled]");
        return ExitCode::from(64);
    };
    let cancelled = inputs.iter().any(|a| a == "--cancelled");
    let inputs: Vec<&String> = inputs.iter().filter(|a| *a != "--cancelled").collect();
    let (maps, inputs): (Vec<&String>, Vec<&String>) = inputs
        .into_iter()
        .partition(|a| a.starts_with("--columns="));
    let map: Result<ColumnMap, String> = match maps.last() {
        None => Ok(ColumnMap::new()),
        Some(a) => serde_json::from_str::<BTreeMap<String, String>>(&a["--columns=".len()..])
            .map(|m| m.into_iter().collect())
            .map_err(|e| format!("--columns: {e}")),
    };
    let inputs: Result<BTreeMap<String, PathBuf>, String> = inputs
        .iter()
        .map(|a| {
            a.split_once('=')
                .map(|(n, p)| (n.to_owned(), PathBuf::from(p)))
                .ok_or_else(|| format!("expected NAME=PATH, got {a}"))
        })
        .collect();
    let result = inputs.and_then(|inputs| {
        let options: Value = serde_json::from_str(options).map_err(|e| e.to_string())?;
        let inputs = Inputs::read(&inputs, &map?)?;
        let token = collabmetrics::cancel::Token::new();
        if cancelled {
            token.cancel();
        }
        collabmetrics::cancel::scope(&token, || call(entry, options, &inputs))
            .map_err(|e| error_json(&e))
    });
    match result.and_then(|outputs| write_all(Path::new(out_dir), outputs)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("{e}");
            ExitCode::from(2)
        }
    }
}

/// The core error's fields, as every binding reports them.
fn error_json(e: &Error) -> String {
    serde_json::json!({
        "kind": e.kind().to_string(),
        "table": e.table(),
        "column": e.column(),
        "argument": e.argument(),
        "row": e.row(),
        "value": e.value(),
        "group": e.group(),
        "rule": e.rule(),
        "message": e.to_string(),
    })
    .to_string()
}

/// The input tables by name.
struct Inputs(BTreeMap<String, Input>);

impl Inputs {
    fn read(paths: &BTreeMap<String, PathBuf>, map: &ColumnMap) -> Result<Self, String> {
        let mut out = BTreeMap::new();
        for (name, path) in paths {
            let what = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
            let file = std::fs::File::open(path).map_err(|e| what(&e))?;
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| what(&e))?;
            // The builder's schema has the file's schema metadata; the reader's has none.
            let schema = builder.schema().clone();
            let reader = builder.build().map_err(|e| what(&e))?;
            let input = Input::from_reader(schema, reader, map.clone())
                .map_err(|e| error_json(&e.in_table(name)))?;
            out.insert(name.clone(), input);
        }
        Ok(Inputs(out))
    }

    fn get(&self, name: &str) -> collabmetrics::Result<&Input> {
        self.0
            .get(name)
            .ok_or_else(|| Error::invalid_argument(name, "input not given"))
    }

    fn optional(&self, name: &str) -> Option<&Input> {
        self.0.get(name)
    }

    /// The transition tables (`persons`, `referrals`, `contacts`, optional `care_plans`).
    fn transition(&self) -> collabmetrics::Result<Tables<'_>> {
        Ok(Tables {
            persons: self.get("persons")?,
            referrals: self.get("referrals")?,
            contacts: self.get("contacts")?,
            care_plans: self.optional("care_plans"),
        })
    }

    /// The `values` column of `data` and its `weights` column, if any.
    fn values_weights(&self) -> collabmetrics::Result<(Vec<f64>, Option<Vec<f64>>)> {
        let data = self.get("data")?;
        let values = data.f64s("values")?.into_owned();
        let weights = match data.schema().column_with_name("weights") {
            Some(_) => Some(data.f64s("weights")?.into_owned()),
            None => None,
        };
        Ok((values, weights))
    }
}

/// The options of `entry`, from JSON (absent keys: the core's defaults).
fn options<T: DeserializeOwned>(json: Value) -> collabmetrics::Result<T> {
    serde_json::from_value(json).map_err(|e| Error::invalid_argument("options", e.to_string()))
}

/// An individual index, by the core's name and parameter.
#[derive(Deserialize)]
struct IndexCall {
    measure: IndexName,
    #[serde(default)]
    parameter: Option<f64>,
    #[serde(default)]
    corrected: bool,
    #[serde(default, flatten)]
    bootstrap: BootstrapOptions,
}

/// The concentration index's correction and bounds.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ConcentrationCall {
    correction: ConcentrationCorrection,
    bounds: Option<(f64, f64)>,
}

/// The options of the distance vector kernels.
#[derive(Deserialize)]
struct DistanceVectors {
    #[serde(default)]
    round_km: bool,
    #[serde(default)]
    nulls: NullPolicy,
}

fn one(result: TableResult) -> Outputs {
    vec![("result".to_owned(), result.into_batch())]
}

fn f64_batch(columns: &[(&str, Vec<f64>)]) -> collabmetrics::Result<RecordBatch> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, _)| Field::new(*n, DataType::Float64, false))
        .collect();
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, v)| Arc::new(Float64Array::from(v.clone())) as ArrayRef)
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| Error::invalid_argument("result", e.to_string()))
}

/// Calls the entry point `entry` of the core. Table entry points take their options struct's
/// JSON and the inputs their Python and C faces take; vector kernels read the columns named
/// as their arguments from the input `data`.
fn call(entry: &str, json: Value, inputs: &Inputs) -> collabmetrics::Result<Outputs> {
    let result = match entry {
        // Statistics: the table entry points and the row-wise kernels.
        "proportion_table" => one(stats::proportion_table(
            inputs.get("data")?,
            &options(json)?,
        )?),
        "rate_table" => one(stats::rate_table(inputs.get("data")?, &options(json)?)?),
        "dsr_table" => one(stats::dsr_table(inputs.get("data")?, &options(json)?)?),
        "isr_table" => one(stats::isr_table(inputs.get("data")?, &options(json)?)?),
        "mean_table" => one(stats::mean_table(inputs.get("data")?, &options(json)?)?),
        "proportion" => {
            let data = inputs.get("data")?;
            let o: ProportionOptions = options(json)?;
            let e = stats::proportion(&data.f64s("numerator")?, &data.f64s("denominator")?, &o)?;
            let batch = f64_batch(&[("value", e.value), ("lower", e.lower), ("upper", e.upper)])?;
            vec![("result".to_owned(), batch)]
        }
        "rate" => {
            let data = inputs.get("data")?;
            let o: RateOptions = options(json)?;
            let e = stats::rate(&data.f64s("count")?, &data.f64s("denominator")?, &o)?;
            let method: UInt32Array = e.method.iter().map(|&m| m as u32).collect();
            let batch = f64_batch(&[("value", e.value), ("lower", e.lower), ("upper", e.upper)])?;
            let batch = table::append_column(&batch, "method_code", Arc::new(method))?;
            vec![("result".to_owned(), batch)]
        }

        // Out-of-area placements.
        "oap" => one(oap::measures(
            inputs.get("placements")?,
            &options(json)?,
            inputs.optional("population"),
            inputs.optional("admissions"),
        )?),

        // Distance: the table entry points and the vector kernels.
        "distance_points" => one(distance::distance_points_table(
            inputs.get("data")?,
            &options(json)?,
        )?),
        "distance_convert" => one(distance::bng_to_wgs84_table(
            inputs.get("data")?,
            &options(json)?,
        )?),
        "distance_locate" => one(distance::locate_table(
            inputs.get("data")?,
            inputs.get("lookup")?,
            &options(json)?,
        )?),
        "distance_summary" => one(distance::distance_summary_table(
            inputs.get("data")?,
            &options(json)?,
        )?),
        "bng" | "geodesic" | "haversine" => {
            let data = inputs.get("data")?;
            let o: DistanceVectors = options(json)?;
            let names: [&str; 4] = if entry == "bng" {
                ["e1", "n1", "e2", "n2"]
            } else {
                ["lat1", "lon1", "lat2", "lon2"]
            };
            let [a, b, c, d] = names.map(|n| data.f64s_or_nan(n));
            let (a, b, c, d) = (a?, b?, c?, d?);
            let km = match entry {
                "bng" => distance::bng(&a, &b, &c, &d, o.round_km, o.nulls)?,
                "geodesic" => distance::geodesic(&a, &b, &c, &d, o.nulls)?,
                _ => distance::haversine(&a, &b, &c, &d, o.nulls)?,
            };
            vec![("result".to_owned(), f64_batch(&[("km", km)])?)]
        }
        "bng_to_wgs84" => {
            let data = inputs.get("data")?;
            let o: DistanceVectors = options(json)?;
            let (lat, lon) =
                distance::bng_to_wgs84(&data.f64s_or_nan("e")?, &data.f64s_or_nan("n")?, o.nulls)?;
            vec![(
                "result".to_owned(),
                f64_batch(&[("lat", lat), ("lon", lon)])?,
            )]
        }

        // Inequality: the grouped measures table and the individual indices.
        "inequality_measures" => one(inequality::measures_table(
            inputs.get("data")?,
            &options(json)?,
        )?),
        "inequality_index" => {
            let c: IndexCall = options(json)?;
            let (values, weights) = inputs.values_weights()?;
            let m = c.measure.with(c.parameter)?;
            let value = match m {
                // The function the Python and C faces call (the Gini alone).
                inequality::IndividualMeasure::Gini => {
                    inequality::gini_index(&values, weights.as_deref(), c.corrected)?
                }
                other => other.compute(&values, weights.as_deref())?,
            };
            vec![("result".to_owned(), f64_batch(&[("value", vec![value])])?)]
        }
        "inequality_bootstrap" => {
            let c: IndexCall = options(json)?;
            let (values, weights) = inputs.values_weights()?;
            let m = c.measure.with(c.parameter)?;
            let r = inequality::bootstrap(&values, weights.as_deref(), m, &c.bootstrap)?;
            let batch = f64_batch(&[
                ("value", vec![r.value]),
                ("lower", vec![r.lower]),
                ("upper", vec![r.upper]),
            ])?;
            vec![("result".to_owned(), batch)]
        }
        "inequality_lorenz" => {
            let (values, weights) = inputs.values_weights()?;
            let g = inequality::gini(&values, weights.as_deref(), false)?;
            let batch = f64_batch(&[
                ("population_share", g.lorenz.population_share),
                ("value_share", g.lorenz.value_share),
            ])?;
            vec![("result".to_owned(), batch)]
        }
        "inequality_concentration_index" => {
            let c: ConcentrationCall = options(json)?;
            let data = inputs.get("data")?;
            let weights = match data.schema().column_with_name("weights") {
                Some(_) => Some(data.f64s("weights")?.into_owned()),
                None => None,
            };
            let value = inequality::concentration_index(
                &data.f64s("outcome")?,
                &data.f64s("rank")?,
                weights.as_deref(),
                c.correction,
                c.bounds,
            )?;
            vec![("result".to_owned(), f64_batch(&[("value", vec![value])])?)]
        }
        "inequality_decompose" => {
            #[derive(Deserialize)]
            struct Alpha {
                alpha: f64,
            }
            let a: Alpha = options(json)?;
            let (values, weights) = inputs.values_weights()?;
            let data = inputs.get("data")?;
            let column = data.column("group")?;
            let group: Vec<String> = (0..data.num_rows())
                .map(|i| display(column.as_ref(), i))
                .collect();
            let d = inequality::decompose(&values, weights.as_deref(), &group, a.alpha)?;
            let totals = f64_batch(&[
                ("total", vec![d.total]),
                ("within", vec![d.within]),
                ("between", vec![d.between]),
            ])?;
            let groups = RecordBatch::try_new(
                Arc::new(Schema::new(vec![
                    Field::new("group", DataType::Utf8, false),
                    Field::new("index", DataType::Float64, false),
                ])),
                vec![
                    Arc::new(StringArray::from(d.groups)),
                    Arc::new(Float64Array::from(d.group_index)),
                ],
            )
            .map_err(|e| Error::invalid_argument("result", e.to_string()))?;
            vec![("result".to_owned(), totals), ("groups".to_owned(), groups)]
        }

        // Transition.
        "transition_transfers" => one(transition::transfers(
            &inputs.transition()?,
            &options(json)?,
        )?),
        "transition_ageing_out" => one(transition::ageing_out(
            &inputs.transition()?,
            &options(json)?,
        )?),
        "transition_summary" => one(transition::summary(&inputs.transition()?, &options(json)?)?),
        "transition_service_lines" => one(transition::service_lines(
            &inputs.transition()?,
            &options(json)?,
        )?),
        "transition_analyse" => {
            let a = transition::analyse(&inputs.transition()?, &options(json)?)?;
            let d = a.diagnostics;
            [
                ("transfers", a.transfers),
                ("ageing_out", a.ageing_out),
                ("summary", a.summary),
                ("curve", a.curve),
            ]
            .into_iter()
            .map(|(name, table)| {
                let r = TableResult {
                    table,
                    diagnostics: d.clone(),
                };
                (name.to_owned(), r.into_batch())
            })
            .collect()
        }
        "time_to_contact" => {
            let o: CurveOptions = options(json)?;
            one(transition::time_to_contact(
                inputs.get("data")?,
                o.method,
                o.confidence,
            )?)
        }

        // Statistical process control (`value` and `date` mapped with `--columns`).
        "spc_xmr" => one(spc::xmr(inputs.get("data")?, &options(json)?)?),
        "spc_summary" => one(spc::summary(inputs.get("data")?, &options(json)?)?),

        // Funnel plots: one row per unit, or the limits table.
        "funnel_assess" => one(funnel::assess(inputs.get("data")?, &options(json)?)?),
        "funnel_limits" => one(funnel::limits(inputs.get("data")?, &options(json)?)?),

        // Disclosure control: the published table and the log.
        "disclose" => {
            let out = disclosure::disclose(inputs.get("data")?, &options(json)?)?;
            vec![
                ("result".to_owned(), out.table.into_batch()),
                ("log".to_owned(), disclosure::log_batch(&out.log)?),
            ]
        }

        // A result published as `publish=` and `--publish` do (the rule of the options).
        "publish" => {
            let o: disclosure::DisclosureOptions = options(json)?;
            let p = disclosure::publish(inputs.get("data")?, o.rule)?;
            vec![("result".to_owned(), p.table.into_batch())]
        }

        // The demo collaborative's tables.
        "demo" => demo::try_generate(&options(json)?)?
            .tables()
            .into_iter()
            .map(|(name, batch)| (name.to_owned(), batch))
            .collect(),

        other => {
            return Err(Error::invalid_argument(
                "entry",
                format!("unknown entry point \"{other}\""),
            ))
        }
    };
    Ok(result)
}

/// Writes every output to `dir/<name>.parquet`, schema metadata included.
fn write_all(dir: &Path, outputs: Outputs) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, batch) in outputs {
        let path = dir.join(format!("{name}.parquet"));
        let what = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let file = std::fs::File::create(&path).map_err(|e| what(&e))?;
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None)
            .map_err(|e| what(&e))?;
        w.write(&batch).map_err(|e| what(&e))?;
        w.close().map_err(|e| what(&e))?;
    }
    Ok(())
}
