//! Benchmarks live in `benches/`; see README.md. Input generators shared by a bench and its
//! measurement programs (`examples/`) live here.

pub mod transition_data;
