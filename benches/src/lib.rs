//! Benchmarks live in `benches/`; see README.md. Input generators shared by a bench and its
//! measurement programs (`examples/`) live here.

pub mod oap_data;
pub mod spc_data;
pub mod transition_data;
