//! Both transition cohorts (`transition::analyse`: cohorts T and B, the summary and the
//! Kaplan–Meier curve) end to end from Arrow input: about 2 million 16–25-year-olds with 25
//! million care contacts (`collabmetrics_benches::transition_data`). Target: under 3 s on two
//! cores, peak memory under twice the input's size (printed before the timing; see also
//! `examples/transition_memory.rs`).

use collabmetrics::transition::{analyse, Tables, TransitionOptions};
use collabmetrics_benches::transition_data::{measure_peak, TransitionData};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;

const PEOPLE: usize = 2_000_000;
const MB: f64 = 1024.0 * 1024.0;

fn transition(c: &mut Criterion) {
    let data = TransitionData::generate(PEOPLE, 2026);
    let contacts = data.contacts.num_rows();
    assert!(
        (24_000_000..26_500_000).contains(&contacts),
        "{contacts} contacts"
    );
    let [p, r, k] = data.inputs();
    let tables = Tables {
        persons: &p,
        referrals: &r,
        contacts: &k,
        care_plans: None,
    };
    let opts = TransitionOptions::new(data.data_end);

    // One call first, measuring the peak resident set size it adds.
    let (a, took, peak) = measure_peak(|| analyse(&tables, &opts).unwrap());
    eprintln!(
        "transition input: {} persons, {} referrals, {contacts} contacts; Arrow buffers {:.0} MB",
        data.persons.num_rows(),
        data.referrals.num_rows(),
        data.input_bytes() as f64 / MB
    );
    eprintln!(
        "first call {:.2} s: cohort T {} rows, cohort B {} rows",
        took.as_secs_f64(),
        a.transfers.num_rows(),
        a.ageing_out.num_rows()
    );
    if let Some((rss0, peak)) = peak {
        eprintln!(
            "resident set: {:.0} MB before the call, peak {:.0} MB during it ({:.0} MB added, {:.2} x the input)",
            rss0 as f64 / MB,
            peak as f64 / MB,
            (peak - rss0) as f64 / MB,
            peak as f64 / data.input_bytes() as f64
        );
    }
    drop(a);

    let mut group = c.benchmark_group("transition");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("analyse_2m_people_25m_contacts", |b| {
        b.iter(|| black_box(analyse(black_box(&tables), &opts).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, transition);
criterion_main!(benches);
