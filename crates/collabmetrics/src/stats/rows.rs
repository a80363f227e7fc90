//! Row-wise estimators over chunks of rows, in parallel.
//!
//! Each row's result depends on that row alone, so the rows are cut into chunks run on
//! rayon's threads, each writing its own part of the caller's output slices: the same bits as
//! one pass in order, on any number of threads. An error is the one of the lowest failing
//! row (each chunk stops at its first; the lowest of those wins), as a single pass would
//! report it; each chunk first checks the caller's cancellation token.

use super::{Method, Output};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Rows per chunk: about a tenth of a millisecond of work, large enough that scheduling costs
/// nothing and small enough that two threads share the work evenly.
const CHUNK: usize = 1 << 14;

/// One chunk: its first row, its part of the outputs and of the methods.
type Part<'a> = (usize, Output<'a>, Option<&'a mut [Method]>);

/// Runs `chunk(first_row, outputs, methods)` over consecutive chunks of `out` (and of
/// `methods`, when given; same length), in parallel when there is more than one. `chunk`
/// reports errors with the row numbers of the whole input (`first_row + j`).
pub(crate) fn par_rows<F>(out: Output<'_>, methods: Option<&mut [Method]>, chunk: F) -> Result<()>
where
    F: Fn(usize, Output<'_>, Option<&mut [Method]>) -> Result<()> + Sync,
{
    let n = out.value.len();
    if n <= CHUNK {
        crate::cancel::check()?;
        return chunk(0, out, methods);
    }
    let token = crate::cancel::current();
    split(out, methods)
        .into_par_iter()
        .filter_map(|(first, out, methods)| {
            crate::cancel::check_carried(token.as_ref())
                .and_then(|()| chunk(first, out, methods))
                .err()
                .map(|e| (first, e))
        })
        .min_by_key(|(first, _)| *first)
        .map_or(Ok(()), |(_, e): (usize, Error)| Err(e))
}

/// The outputs (and methods) cut into chunks of [`CHUNK`] rows.
fn split<'a>(out: Output<'a>, mut methods: Option<&'a mut [Method]>) -> Vec<Part<'a>> {
    let Output {
        mut value,
        mut lower,
        mut upper,
    } = out;
    let mut parts = Vec::with_capacity(value.len().div_ceil(CHUNK));
    let mut first = 0;
    while !value.is_empty() {
        let k = CHUNK.min(value.len());
        let (v, v_rest) = std::mem::take(&mut value).split_at_mut(k);
        let (l, l_rest) = std::mem::take(&mut lower).split_at_mut(k);
        let (u, u_rest) = std::mem::take(&mut upper).split_at_mut(k);
        let m = methods.take().map(|m| {
            let (m, m_rest) = m.split_at_mut(k);
            methods = Some(m_rest);
            m
        });
        let out = Output {
            value: v,
            lower: l,
            upper: u,
        };
        parts.push((first, out, m));
        (value, lower, upper) = (v_rest, l_rest, u_rest);
        first += k;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_row_once_and_the_lowest_error_wins() {
        let n = 5 * CHUNK + 17;
        let (mut v, mut l, mut u) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut m = vec![Method::Wilson; n];
        let out = Output {
            value: &mut v,
            lower: &mut l,
            upper: &mut u,
        };
        par_rows(out, Some(&mut m), |first, out, methods| {
            let methods = methods.unwrap();
            let rows = out.value.iter_mut().zip(out.lower.iter_mut()).zip(methods);
            for (j, ((v, l), m)) in rows.enumerate() {
                *v += (first + j) as f64;
                *l += 1.0;
                *m = Method::Exact;
            }
            Ok(())
        })
        .unwrap();
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64));
        assert!(l.iter().all(|&x| x == 1.0) && m.iter().all(|&x| x == Method::Exact));
        // Failing rows in several chunks: the lowest is reported whatever the threads did.
        let out = Output {
            value: &mut v,
            lower: &mut l,
            upper: &mut u,
        };
        let e = par_rows(out, None, |first, out, _| {
            for j in 0..out.value.len() {
                let row = first + j;
                if row % (2 * CHUNK) == 100 {
                    return Err(Error::invalid_value("x", row, 0.0, "bad"));
                }
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.row(), Some(100));
    }
}
