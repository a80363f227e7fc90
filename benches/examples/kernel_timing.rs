//! The Rust kernels that Python's `cm.proportion`, `cm.rate`, `cm.distance.bng` and
//! `cm.inequality.sii` call, timed on inputs the side-by-side script wrote, so that the
//! Python call and the kernel are compared in the same run (`benches/python/sidebyside.py`,
//! peer "the Rust kernel"): timings taken minutes apart on this kind of machine differ by more
//! than the cost of the binding.
//!
//! `kernel_timing <wilson|byar|bng|sii> <dir> <calls> [--write]`: reads the inputs from
//! `<dir>/<column>.f64` (raw little-endian float64), makes one untimed call, then `calls`
//! timed ones, and prints the median wall seconds, the median CPU seconds (every thread of the
//! process) and the peak resident set above the one before a call (bytes). The timed calls
//! write into outputs allocated by the untimed one, as in the criterion benches; the peak is
//! of one more call with fresh outputs (as a Python call makes them). With `--write` it writes
//! the results to `<dir>/out_<name>.f64` for the script to check against Python's.

use collabmetrics::distance::{bng_into, NullPolicy};
use collabmetrics::inequality::{sii, SiiOptions, Subgroup, ValueType};
use collabmetrics::stats::{proportion_into, rate_into, Output, ProportionOptions, RateOptions};
use collabmetrics_benches::transition_data::measure_peak;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// CPU seconds of every thread of this process so far (NaN where there is no such clock).
#[cfg(not(unix))]
fn cpu() -> f64 {
    f64::NAN
}

/// CPU seconds of every thread of this process so far.
#[cfg(unix)]
fn cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn read(dir: &Path, name: &str) -> Vec<f64> {
    let path = dir.join(format!("{name}.f64"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

fn write(dir: &Path, name: &str, values: &[f64]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let path: PathBuf = dir.join(format!("out_{name}.f64"));
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// One kernel with its inputs read: `call` runs it once (allocating its outputs if it has
/// none), `release` drops its outputs, `results` names its last outputs.
trait Kernel {
    fn call(&mut self);
    fn release(&mut self) {}
    fn results(&self) -> Vec<(&'static str, Vec<f64>)>;
}

/// Wilson intervals or rates: two input columns, three outputs.
struct Estimates {
    num: Vec<f64>,
    den: Vec<f64>,
    out: [Vec<f64>; 3],
    rate: bool,
}

impl Kernel for Estimates {
    fn call(&mut self) {
        if self.out[0].is_empty() {
            self.out = std::array::from_fn(|_| vec![0.0; self.num.len()]);
        }
        let [value, lower, upper] = &mut self.out;
        let out = Output {
            value,
            lower,
            upper,
        };
        if self.rate {
            rate_into(&self.num, &self.den, &RateOptions::default(), out, None)
        } else {
            proportion_into(&self.num, &self.den, &ProportionOptions::default(), out)
        }
        .expect("valid counts");
    }

    fn release(&mut self) {
        self.out = Default::default();
    }

    fn results(&self) -> Vec<(&'static str, Vec<f64>)> {
        let [v, l, u] = &self.out;
        vec![
            ("value", v.clone()),
            ("lower", l.clone()),
            ("upper", u.clone()),
        ]
    }
}

/// British National Grid distances, as `cm.distance.bng` calls them (metres in, km out).
struct Bng {
    cols: [Vec<f64>; 4],
    out: Vec<f64>,
}

impl Kernel for Bng {
    fn call(&mut self) {
        if self.out.is_empty() {
            self.out = vec![0.0; self.cols[0].len()];
        }
        let [e1, n1, e2, n2] = &self.cols;
        bng_into(e1, n1, e2, n2, false, NullPolicy::Error, &mut self.out).expect("valid");
    }

    fn release(&mut self) {
        self.out = Vec::new();
    }

    fn results(&self) -> Vec<(&'static str, Vec<f64>)> {
        vec![("distance", self.out.clone())]
    }
}

/// The SII and RII of one decile table of a rate (PHE's method, the default 100 000 draws).
struct Sii {
    table: Vec<Subgroup>,
    last: Vec<f64>,
}

impl Kernel for Sii {
    fn call(&mut self) {
        let opts = SiiOptions {
            value_type: ValueType::Rate,
            ..SiiOptions::default()
        };
        let r = sii(&self.table, &opts).expect("a valid table");
        let l = &r.limits[0];
        let rii = |x: Option<f64>| x.unwrap_or(f64::NAN);
        self.last = vec![
            r.sii,
            l.sii_lower,
            l.sii_upper,
            r.rii,
            rii(l.rii_lower),
            rii(l.rii_upper),
        ];
    }

    fn results(&self) -> Vec<(&'static str, Vec<f64>)> {
        vec![("sii", self.last.clone())]
    }
}

fn kernel(name: &str, dir: &Path) -> Box<dyn Kernel> {
    let estimates = |rate| {
        Box::new(Estimates {
            num: read(dir, "o"),
            den: read(dir, "n"),
            out: Default::default(),
            rate,
        })
    };
    match name {
        "wilson" => estimates(false),
        "byar" => estimates(true),
        "bng" => Box::new(Bng {
            cols: ["e1", "n1", "e2", "n2"].map(|c| read(dir, c)),
            out: Vec::new(),
        }),
        "sii" => {
            let [decile, value, lower, upper, population] =
                ["decile", "value", "lower", "upper", "population"].map(|c| read(dir, c));
            let table = (0..decile.len())
                .map(|i| Subgroup {
                    label: format!("{}", decile[i]),
                    value: value[i],
                    se: None,
                    lower: Some(lower[i]),
                    upper: Some(upper[i]),
                    population: Some(population[i]),
                    order: Some(decile[i] as i64),
                })
                .collect();
            Box::new(Sii {
                table,
                last: Vec::new(),
            })
        }
        other => panic!("unknown kernel {other:?}: wilson, byar, bng or sii"),
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let m = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[m]
    } else {
        (xs[m - 1] + xs[m]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, dir, calls, rest @ ..] = args.as_slice() else {
        panic!("usage: kernel_timing <wilson|byar|bng|sii> <dir> <calls> [--write]");
    };
    let dir = Path::new(dir);
    let calls: usize = calls.parse().expect("a number of calls");
    let mut k = kernel(name, dir);
    k.call(); // untimed: the first touch of the outputs and of rayon's pool
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    for _ in 0..calls {
        let (c0, t0) = (cpu(), Instant::now());
        k.call();
        walls.push(t0.elapsed().as_secs_f64());
        cpus.push(cpu() - c0);
    }
    if rest.iter().any(|a| a == "--write") {
        for (col, values) in k.results() {
            write(dir, col, &values);
        }
    }
    k.release();
    let ((), _, peak) = measure_peak(|| k.call());
    let peak = peak.map_or(f64::NAN, |(before, high)| {
        high.saturating_sub(before) as f64
    });
    println!("{:.9} {:.9} {peak:.0}", median(walls), median(cpus));
}
