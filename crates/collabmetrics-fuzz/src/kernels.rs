//! The scalar kernels fed arbitrary floats (subnormals, infinities, NaN, the extremes) and
//! arbitrary options: each returns a structured error or finite results.

use crate::arb::{any_f64, finite_f64, small_len, vec_of};
use crate::check;
use arbitrary::{Result, Unstructured};
use collabmetrics::distance::{self, Bands, NullPolicy, SummaryOptions};
use collabmetrics::inequality::{
    self, BootstrapOptions, ConcentrationCorrection, Favourable, HeatOptions, IndividualMeasure,
    Measure, RciMethod, SiiModel, SiiOptions, Subgroup, ValueType,
};
use collabmetrics::stats::{
    self, DsrOptions, IsrKind, IsrOptions, MeanOptions, ProportionOptions, RateMethod, RateOptions,
    StandardPopulation,
};

/// A confidence level: usually valid, sometimes on or beyond the edges.
fn confidence(u: &mut Unstructured) -> Result<f64> {
    Ok(if u.ratio(7, 8)? {
        *u.choose(&[0.95, 0.9, 0.99, 0.5, 0.999_999_999, 1e-9])?
    } else {
        any_f64(u)?
    })
}

fn multiplier(u: &mut Unstructured) -> Result<f64> {
    Ok(if u.ratio(3, 4)? {
        *u.choose(&[1.0, 100.0, 1e5, 1e6, -1.0, 1e300])?
    } else {
        any_f64(u)?
    })
}

fn method(u: &mut Unstructured) -> Result<RateMethod> {
    Ok(if u.arbitrary()? {
        RateMethod::Byar
    } else {
        RateMethod::Exact
    })
}

fn nulls(u: &mut Unstructured) -> Result<NullPolicy> {
    Ok(if u.arbitrary()? {
        NullPolicy::Error
    } else {
        NullPolicy::Propagate
    })
}

/// Runs one kernel chosen by the input on arbitrary arguments.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
}

fn one(u: &mut Unstructured) -> Result<()> {
    let n = small_len(u)?;
    match u.int_in_range(0..=12)? {
        0 => {
            let (o, d) = (vec_of(u, n, any_f64)?, vec_of(u, n, any_f64)?);
            let opts = ProportionOptions {
                confidence: confidence(u)?,
                multiplier: multiplier(u)?,
                ..Default::default()
            };
            match stats::proportion(&o, &d, &opts) {
                Ok(e) => {
                    check::numbers(&e.value, "proportion value", false);
                    check::numbers(&e.lower, "proportion lower", false);
                    check::numbers(&e.upper, "proportion upper", false);
                }
                Err(e) => check::error(&e, "proportion"),
            }
        }
        1 => {
            let (o, d) = (vec_of(u, n, any_f64)?, vec_of(u, n, any_f64)?);
            let opts = RateOptions {
                confidence: confidence(u)?,
                multiplier: multiplier(u)?,
                method: method(u)?,
            };
            match stats::rate(&o, &d, &opts) {
                Ok(e) => {
                    check::numbers(&e.value, "rate value", false);
                    check::numbers(&e.lower, "rate lower", false);
                    check::numbers(&e.upper, "rate upper", false);
                }
                Err(e) => check::error(&e, "rate"),
            }
        }
        2 => {
            let standard = StandardPopulation::esp2013();
            let bands = standard.len();
            let groups = u.int_in_range(1..=3)?;
            let mut group = Vec::new();
            let mut band = Vec::new();
            for g in 0..groups {
                for b in 0..bands {
                    if u.ratio(1, 50)? {
                        continue; // a band left out
                    }
                    group.push(g as u32);
                    band.push(b as u32);
                }
            }
            let rows = group.len();
            let count = vec_of(u, rows, |u| {
                Ok(if u.ratio(3, 4)? {
                    f64::from(u.int_in_range(0..=30)?)
                } else {
                    any_f64(u)?
                })
            })?;
            let pop = vec_of(u, rows, |u| {
                Ok(if u.ratio(3, 4)? {
                    f64::from(u.int_in_range(1..=100_000)?)
                } else {
                    any_f64(u)?
                })
            })?;
            let opts = DsrOptions {
                confidence: confidence(u)?,
                multiplier: multiplier(u)?,
                method: method(u)?,
            };
            let label = |g: usize| format!("group {g}");
            match stats::dsr(
                &group, groups, &band, &count, &pop, &standard, &opts, &label,
            ) {
                Ok(e) => {
                    check::numbers(&e.value, "dsr value", false);
                    check::numbers(&e.lower, "dsr lower", false);
                    for (g, &up) in e.upper.iter().enumerate() {
                        // No upper limit without a death: NaN (null) by the documented rule.
                        check::number(up, "dsr upper", e.total_count[g] == 0.0);
                    }
                }
                Err(e) => check::error(&e, "dsr"),
            }
        }
        3 => {
            let groups = u.int_in_range(1..=3)?;
            let group = vec_of(u, n, |u| u.int_in_range(0..=groups as u32 - 1))?;
            let cols: Vec<Vec<f64>> = (0..4)
                .map(|_| vec_of(u, n, any_f64))
                .collect::<Result<_>>()?;
            let opts = IsrOptions {
                confidence: confidence(u)?,
                multiplier: if u.arbitrary()? {
                    Some(multiplier(u)?)
                } else {
                    None
                },
                method: method(u)?,
                kind: if u.arbitrary()? {
                    IsrKind::Ratio
                } else {
                    IsrKind::Rate
                },
            };
            let label = |g: usize| format!("group {g}");
            let r = stats::isr(
                &group, groups, &cols[0], &cols[1], &cols[2], &cols[3], &opts, &label,
            );
            match r {
                Ok(e) => {
                    check::numbers(&e.value, "isr value", false);
                    check::numbers(&e.lower, "isr lower", false);
                    check::numbers(&e.upper, "isr upper", false);
                    check::numbers(&e.expected, "isr expected", false);
                    // Not a rate when the kind is a ratio: NaN (null) by the documented rule.
                    check::numbers(&e.reference_rate, "isr reference rate", true);
                }
                Err(e) => check::error(&e, "isr"),
            }
        }
        4 => {
            let groups = u.int_in_range(1..=3)?;
            let group = vec_of(u, n, |u| u.int_in_range(0..=groups as u32 - 1))?;
            let values = vec_of(u, n, any_f64)?;
            let opts = MeanOptions {
                confidence: confidence(u)?,
            };
            let label = |g: usize| format!("group {g}");
            match stats::mean(&group, groups, &values, &opts, &label) {
                Ok(e) => {
                    for v in [&e.sum, &e.sd, &e.value, &e.lower, &e.upper] {
                        check::numbers(v, "mean", false);
                    }
                }
                Err(e) => check::error(&e, "mean"),
            }
        }
        5 => {
            let c: Vec<Vec<f64>> = (0..4)
                .map(|_| vec_of(u, n, any_f64))
                .collect::<Result<_>>()?;
            let policy = nulls(u)?;
            let results = [
                distance::bng(&c[0], &c[1], &c[2], &c[3], u.arbitrary()?, policy),
                distance::geodesic(&c[0], &c[1], &c[2], &c[3], policy),
                distance::haversine(&c[0], &c[1], &c[2], &c[3], policy),
            ];
            for r in results {
                match r {
                    // NaN only for a missing (NaN) coordinate under the propagate rule.
                    Ok(km) => check::numbers(&km, "distance", policy == NullPolicy::Propagate),
                    Err(e) => check::error(&e, "distance"),
                }
            }
            match distance::bng_to_wgs84(&c[0], &c[1], policy) {
                Ok((lat, lon)) => {
                    check::numbers(&lat, "latitude", policy == NullPolicy::Propagate);
                    check::numbers(&lon, "longitude", policy == NullPolicy::Propagate);
                }
                Err(e) => check::error(&e, "bng_to_wgs84"),
            }
        }
        6 => {
            let groups = u.int_in_range(1..=3)?;
            let group = vec_of(u, n, |u| u.int_in_range(0..=groups as u32 - 1))?;
            let km = vec_of(u, n, any_f64)?;
            let weight = if u.arbitrary()? {
                Some(vec_of(u, n, any_f64)?)
            } else {
                None
            };
            let bands = match u.int_in_range(0..=2)? {
                0 => Bands::oap(),
                1 => Bands::mhsds_monthly(),
                _ => match Bands::custom(vec_of(u, 3, any_f64)?) {
                    Ok(b) => b,
                    Err(e) => {
                        check::error(&e, "bands");
                        return Ok(());
                    }
                },
            };
            let opts = SummaryOptions {
                threshold: any_f64(u)?,
                bands,
                confidence: confidence(u)?,
            };
            match distance::summary(&group, groups, &km, weight.as_deref(), &opts) {
                Ok(s) => {
                    // NaN (null) marks a statistic a group cannot have (no records, zero
                    // weight, too few records for the median's interval): documented.
                    for v in [
                        &s.mean,
                        &s.median,
                        &s.median_lower,
                        &s.median_upper,
                        &s.p90,
                        &s.max,
                        &s.share_beyond,
                        &s.share_lower,
                        &s.share_upper,
                    ] {
                        check::numbers(v, "distance summary", true);
                    }
                    check::numbers(&s.weight_sum, "weight sum", false);
                    check::numbers(&s.count_beyond, "count beyond", false);
                }
                Err(e) => check::error(&e, "distance summary"),
            }
        }
        7 => individual(u, n)?,
        8 => {
            let values = vec_of(u, n, any_f64)?;
            let weights = if u.arbitrary()? {
                Some(vec_of(u, n, any_f64)?)
            } else {
                None
            };
            let measure = match u.int_in_range(0..=5)? {
                0 => IndividualMeasure::Gini,
                1 => IndividualMeasure::Theil,
                2 => IndividualMeasure::Mld,
                3 => IndividualMeasure::Atkinson(any_f64(u)?),
                4 => IndividualMeasure::GeneralizedEntropy(any_f64(u)?),
                _ => IndividualMeasure::ShareRatio(any_f64(u)?),
            };
            let opts = BootstrapOptions {
                reps: *u.choose(&[0, 99, 100, 150, usize::MAX, 1 << 61])?,
                confidence: confidence(u)?,
                seed: u.arbitrary()?,
            };
            crate::trace!("bootstrap {measure:?} of {values:?} weights {weights:?} {opts:?}");
            match inequality::bootstrap(&values, weights.as_deref(), measure, &opts) {
                Ok(r) => {
                    for v in [r.value, r.lower, r.upper] {
                        check::number(v, "bootstrap", false);
                    }
                }
                Err(e) => check::error(&e, "bootstrap"),
            }
        }
        9 | 10 => grouped(u)?,
        11 => {
            let o = any_f64(u)?;
            let c = confidence(u)?;
            crate::trace!("exact/byar limits of {o:e} at {c:e}");
            if o.is_finite() && o >= 0.0 && c > 0.0 && c < 1.0 {
                let (l, up) = stats::exact_limits(o, c);
                check::number(l, "exact lower", false);
                if o < 1e307 {
                    // (beyond that the upper limit is past the largest double: documented)
                    check::number(up, "exact upper", false);
                }
                let z = stats::z_value(c).unwrap_or(1.96);
                let (l, up) = stats::byar_limits(o, z);
                check::number(l, "byar lower", false);
                if o < 1e307 {
                    check::number(up, "byar upper", false);
                }
            }
        }
        _ => {
            let a = finite_f64(u)?.abs();
            let p = any_f64(u)?;
            crate::trace!("gamma inverse of a = {a:e}, p = {p:e}");
            let lower: bool = u.arbitrary()?;
            // The domain the library uses (exact Poisson limits): tails of 1e-17 to 1/2, and
            // shapes >= 1 in the upper tail. (Upper-tail quantiles of shapes near 0 at tiny
            // tails are not solved: reported, outside this contract.)
            if a > 0.0 && (1e-17..=0.5).contains(&p) && (lower || a >= 1.0) {
                let x = stats::gamma::gamma_inverse(a, p, lower);
                if a < 1e307 {
                    // (quantiles of larger shapes can be beyond the largest double)
                    check::number(x, "gamma inverse", false);
                }
            }
        }
    }
    Ok(())
}

fn individual(u: &mut Unstructured, n: usize) -> Result<()> {
    let values = vec_of(u, n, any_f64)?;
    let weights = if u.arbitrary()? {
        Some(vec_of(u, n, any_f64)?)
    } else {
        None
    };
    let w = weights.as_deref();
    let param = any_f64(u)?;
    let scalar = |r: collabmetrics::Result<f64>, what: &str| match r {
        Ok(v) => check::number(v, what, false),
        Err(e) => check::error(&e, what),
    };
    match u.int_in_range(0..=7)? {
        0 => match inequality::gini(&values, w, u.arbitrary()?) {
            Ok(g) => {
                check::number(g.gini, "gini", false);
                check::numbers(&g.lorenz.population_share, "lorenz p", false);
                check::numbers(&g.lorenz.value_share, "lorenz v", false);
            }
            Err(e) => check::error(&e, "gini"),
        },
        1 => scalar(inequality::theil(&values, w), "theil"),
        2 => scalar(inequality::mld(&values, w), "mld"),
        3 => scalar(inequality::generalized_entropy(&values, w, param), "ge"),
        4 => match inequality::atkinson(&values, w, param) {
            Ok(a) => {
                check::number(a.atkinson, "atkinson", false);
                check::number(a.ede, "ede", false);
            }
            Err(e) => check::error(&e, "atkinson"),
        },
        5 => scalar(inequality::share_ratio(&values, w, param), "share ratio"),
        6 => {
            let rank = vec_of(u, n, any_f64)?;
            let correction = *u.choose(&[
                ConcentrationCorrection::None,
                ConcentrationCorrection::Wagstaff,
                ConcentrationCorrection::Erreygers,
            ])?;
            let bounds = if u.arbitrary()? {
                let other = (any_f64(u)?, any_f64(u)?);
                Some(*u.choose(&[(0.0, 1.0), (0.0, 100.0), other])?)
            } else {
                None
            };
            scalar(
                inequality::concentration_index(&values, &rank, w, correction, bounds),
                "concentration index",
            );
        }
        _ => {
            let group: Vec<String> = vec_of(u, n, |u| Ok(format!("g{}", u.int_in_range(0..=2)?)))?;
            match inequality::decompose(&values, w, &group, param) {
                Ok(d) => {
                    check::number(d.total, "total", false);
                    check::number(d.within, "within", false);
                    check::number(d.between, "between", false);
                    check::numbers(&d.group_index, "group index", false);
                }
                Err(e) => check::error(&e, "decompose"),
            }
        }
    }
    Ok(())
}

fn subgroups(u: &mut Unstructured) -> Result<Vec<Subgroup>> {
    let j = u.int_in_range(0..=7)?;
    let mut out = Vec::with_capacity(j);
    for k in 0..j {
        let opt = |u: &mut Unstructured| -> Result<Option<f64>> {
            Ok(if u.ratio(4, 5)? {
                Some(if u.ratio(3, 4)? {
                    f64::from(u.int_in_range(1..=1000)?) / 100.0
                } else {
                    any_f64(u)?
                })
            } else {
                None
            })
        };
        out.push(Subgroup {
            label: if u.ratio(1, 30)? {
                "dup".to_owned()
            } else {
                format!("s{k}")
            },
            value: if u.ratio(3, 4)? {
                f64::from(u.int_in_range(1..=99)?) / 100.0
            } else {
                any_f64(u)?
            },
            se: opt(u)?,
            lower: opt(u)?,
            upper: opt(u)?,
            population: if u.ratio(9, 10)? {
                Some(if u.ratio(3, 4)? {
                    f64::from(u.int_in_range(1..=100_000)?)
                } else {
                    any_f64(u)?
                })
            } else {
                None
            },
            order: if u.ratio(9, 10)? {
                Some(if u.ratio(9, 10)? {
                    k as i64 + 1
                } else {
                    u.arbitrary()?
                })
            } else {
                None
            },
        });
    }
    Ok(out)
}

fn grouped(u: &mut Unstructured) -> Result<()> {
    let groups = subgroups(u)?;
    let reps = *u.choose(&[0usize, 100, 99, 1 << 61, usize::MAX, 200])?;
    let value_type = *u.choose(&[ValueType::Other, ValueType::Rate, ValueType::Proportion])?;
    if u.arbitrary()? {
        let opts = SiiOptions {
            value_type,
            transform: u.arbitrary()? && value_type != ValueType::Other,
            confidence: vec![confidence(u)?],
            limits_confidence: confidence(u)?,
            multiplier: multiplier(u)?,
            reps,
            seed: u.arbitrary()?,
            rii_mean_interval: u.arbitrary()?,
        };
        crate::trace!("sii of {groups:?} with {opts:?}");
        match inequality::sii(&groups, &opts) {
            Ok(r) => {
                for v in [r.sii, r.rii, r.intercept, r.rii_mean] {
                    check::number(v, "sii", false);
                }
                for l in &r.limits {
                    for v in [l.sii_lower, l.sii_upper] {
                        check::number(v, "sii limit", false);
                    }
                    for v in [l.rii_lower, l.rii_upper].into_iter().flatten() {
                        check::number(v, "rii limit", false);
                    }
                    for v in [l.rii_mean_lower, l.rii_mean_upper].into_iter().flatten() {
                        check::number(v, "rii_mean limit", false);
                    }
                }
            }
            Err(e) => check::error(&e, "sii"),
        }
        return Ok(());
    }
    let opts = HeatOptions {
        ordered: u.arbitrary()?,
        favourable: *u.choose(&[Some(Favourable::High), Some(Favourable::Low), None])?,
        reference: if u.ratio(1, 3)? {
            Some(format!("s{}", u.int_in_range(0..=7)?))
        } else {
            None
        },
        scale: if u.ratio(1, 3)? {
            Some(*u.choose(&[1.0, 100.0, 1e5, 0.0, 1e-300, f64::MAX])?)
        } else {
            None
        },
        setting_average: if u.ratio(1, 4)? {
            Some(*u.choose(&[0.0, 0.5, -1.0, 1e308, 5e-324])?)
        } else {
            None
        },
        rci_method: *u.choose(&[RciMethod::Raw, RciMethod::Wagstaff, RciMethod::Erreygers])?,
        sii_model: if u.arbitrary()? {
            SiiModel::Linear
        } else {
            SiiModel::Logistic
        },
        value_type,
        transform: u.arbitrary()? && value_type != ValueType::Other,
        confidence: confidence(u)?,
        reps,
        seed: u.arbitrary()?,
        multiplier: multiplier(u)?,
    };
    let measure = *u.choose(Measure::ALL)?;
    crate::trace!("{} of {groups:?} with {opts:?}", measure.as_str());
    match inequality::heat_measure(&groups, measure, &opts) {
        Ok(r) => {
            let what = format!("{} value", measure.as_str());
            check::number(r.value, &what, false);
            for v in [r.se, r.lower, r.upper].into_iter().flatten() {
                check::number(v, &format!("{} interval", measure.as_str()), false);
            }
        }
        Err(e) => check::error(&e, measure.as_str()),
    }
    Ok(())
}
