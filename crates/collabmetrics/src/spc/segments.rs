//! Series and segments: rows arranged series by series (series in the order of their key
//! values, dates ascending within each), each series cut into segments at its rebase dates,
//! and the per-series rebase dates and targets resolved from the options.

use super::options::{key_text, Rebase, SeriesKey, SpcOptions, Target};
use crate::error::{Error, Result};
use crate::table::{display, Groups};
use arrow_buffer::NullBuffer;
use arrow_ord::sort::{lexsort_to_indices, SortColumn, SortOptions};
use std::collections::HashMap;

/// Where each series' rows go in the result.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Group codes in result order (sorted by key values, nulls first).
    pub order: Vec<u32>,
    /// Series `s` (in result order) occupies positions `offsets[s]..offsets[s + 1]`.
    pub offsets: Vec<usize>,
    /// The input row at each result position: grouped by series, in input order within a
    /// series until [`sort_by_date`] sorts each series.
    pub rows: Vec<u32>,
}

impl Layout {
    /// Arranges the rows of `groups` series by series.
    pub(crate) fn new(groups: &Groups) -> Result<Self> {
        let n_groups = groups.len();
        let order: Vec<u32> = if groups.keys.is_empty() || n_groups <= 1 {
            (0..n_groups as u32).collect()
        } else {
            let columns: Vec<SortColumn> = groups
                .keys
                .iter()
                .map(|(_, values)| SortColumn {
                    values: values.clone(),
                    options: Some(SortOptions {
                        descending: false,
                        nulls_first: true,
                    }),
                })
                .collect();
            lexsort_to_indices(&columns, None)
                .map_err(|e| Error::invalid_argument("by", format!("cannot sort the series: {e}")))?
                .values()
                .to_vec()
        };
        let mut rank = vec![0u32; n_groups];
        for (r, &g) in order.iter().enumerate() {
            rank[g as usize] = r as u32;
        }
        // A counting sort of the rows by their series' rank (stable: input order within).
        let mut offsets = vec![0usize; n_groups + 1];
        for &c in &groups.codes {
            offsets[rank[c as usize] as usize + 1] += 1;
        }
        for s in 0..n_groups {
            offsets[s + 1] += offsets[s];
        }
        let mut next = offsets.clone();
        let mut rows = vec![0u32; groups.codes.len()];
        for (row, &c) in groups.codes.iter().enumerate() {
            let slot = &mut next[rank[c as usize] as usize];
            rows[*slot] = row as u32;
            *slot += 1;
        }
        Ok(Layout {
            order,
            offsets,
            rows,
        })
    }

    /// Number of series.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }
}

/// Sorts one series' rows by date (then row). Returns the first row, in input order, that
/// repeats a date of the series, if any.
pub(crate) fn sort_by_date(rows: &mut [u32], dates: &[i32]) -> Option<usize> {
    let key = |&r: &u32| (dates[r as usize], r);
    if !rows.windows(2).all(|w| key(&w[0]) < key(&w[1])) {
        rows.sort_unstable_by_key(key);
    }
    rows.windows(2)
        .filter(|w| dates[w[0] as usize] == dates[w[1] as usize])
        .map(|w| w[1] as usize)
        .min()
}

/// The first position of each segment of a series whose dates (ascending, distinct) are
/// `dates`: 0, then every position whose date is one of `rebase` (sorted, distinct). Returns
/// the number of rebase dates that are not dates of the series (they have no effect).
///
/// Only the rebase dates within the series' span are looked up, each search starting where
/// the last ended: a long list of rebase dates shared by many short series costs each series
/// two searches, not one per date.
pub(crate) fn segment_starts(dates: &[i32], rebase: &[i32], starts: &mut Vec<usize>) -> usize {
    starts.clear();
    starts.push(0);
    let (Some(&first), Some(&last)) = (dates.first(), dates.last()) else {
        return rebase.len();
    };
    let within =
        &rebase[rebase.partition_point(|&d| d < first)..rebase.partition_point(|&d| d <= last)];
    let (mut found, mut at) = (0, 0);
    for &d in within {
        at += dates[at..].partition_point(|&x| x < d);
        if dates.get(at) == Some(&d) {
            found += 1;
            if at > 0 {
                starts.push(at);
            }
        }
    }
    rebase.len() - found
}

/// The rebase dates and target of every series (in result order), resolved from the options.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeriesOptions {
    /// Sorted, distinct date lists; `rebase_of[s]` indexes one (`None`: no rebasing).
    pub rebase_lists: Vec<Vec<i32>>,
    pub rebase_of: Vec<Option<u32>>,
    /// NaN where a series has no target.
    pub target: Vec<f64>,
}

impl SeriesOptions {
    pub(crate) fn new(opts: &SpcOptions, groups: &Groups, layout: &Layout) -> Result<Self> {
        let n = layout.len();
        let needs_keys = matches!(opts.rebase, Rebase::PerSeries(_))
            || matches!(opts.target, Target::PerSeries(_));
        let index: HashMap<SeriesKey, usize> = if needs_keys {
            let nulls: Vec<Option<NullBuffer>> =
                groups.keys.iter().map(|(_, v)| v.logical_nulls()).collect();
            (0..n)
                .map(|s| (series_key(groups, &nulls, layout.order[s] as usize), s))
                .collect()
        } else {
            HashMap::new()
        };
        let find = |argument: &str, i: usize, key: &SeriesKey| -> Result<usize> {
            index.get(key).copied().ok_or_else(|| Error::InvalidValue {
                argument: argument.to_owned(),
                index: i,
                value: key_text(key),
                rule: format!(
                    "no series has these values of the `by` columns ({})",
                    opts.by.join(", ")
                ),
            })
        };
        let mut out = SeriesOptions {
            rebase_of: vec![None; n],
            target: vec![f64::NAN; n],
            ..SeriesOptions::default()
        };
        match &opts.rebase {
            Rebase::None => {}
            Rebase::Dates(dates) => {
                out.rebase_lists.push(sorted(dates.clone()));
                out.rebase_of.fill(Some(0));
            }
            Rebase::PerSeries(entries) => {
                // Entries naming the same series are merged.
                let mut lists: Vec<Vec<i32>> = Vec::new();
                for (i, e) in entries.iter().enumerate() {
                    let s = find("rebase", i, &e.series)?;
                    match out.rebase_of[s] {
                        Some(k) => lists[k as usize].extend(&e.dates),
                        None => {
                            out.rebase_of[s] = Some(lists.len() as u32);
                            lists.push(e.dates.clone());
                        }
                    }
                }
                out.rebase_lists = lists.into_iter().map(sorted).collect();
            }
        }
        match &opts.target {
            Target::None => {}
            Target::Value(t) => out.target.fill(*t),
            Target::PerSeries(entries) => {
                for (i, e) in entries.iter().enumerate() {
                    let s = find("target", i, &e.series)?;
                    if !out.target[s].is_nan() {
                        return Err(Error::InvalidValue {
                            argument: "target".to_owned(),
                            index: i,
                            value: key_text(&e.series),
                            rule: "a series is given a target twice".to_owned(),
                        });
                    }
                    out.target[s] = e.target;
                }
            }
        }
        Ok(out)
    }

    /// The rebase dates of series `s` (sorted; empty when none).
    pub(crate) fn rebase(&self, s: usize) -> &[i32] {
        self.rebase_of[s].map_or(&[], |k| &self.rebase_lists[k as usize])
    }
}

fn sorted(mut dates: Vec<i32>) -> Vec<i32> {
    dates.sort_unstable();
    dates.dedup();
    dates
}

/// The key of group `g` as the options name series: `None` for a null (`nulls` are the key
/// columns' logical nulls, a dictionary's null values and a null-typed column included), so a
/// null is never mistaken for the text "null".
fn series_key(groups: &Groups, nulls: &[Option<NullBuffer>], g: usize) -> SeriesKey {
    groups
        .keys
        .iter()
        .zip(nulls)
        .map(|((_, values), n)| {
            let null = n.as_ref().is_some_and(|n| n.is_null(g));
            (!null).then(|| display(values.as_ref(), g))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spc::options::SeriesTarget;
    use crate::table::{ColumnMap, Input};
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use std::sync::Arc;

    /// Targets for the series of a `g` column holding a null and the text "null".
    fn targets(entries: &[(Option<&str>, f64)]) -> Result<Vec<f64>> {
        let g: ArrayRef = Arc::new(StringArray::from(vec![Some("null"), None]));
        let batch = RecordBatch::try_from_iter(vec![("g", g)]).unwrap();
        let input = Input::new(batch.schema(), &[batch], ColumnMap::new()).unwrap();
        let opts = SpcOptions {
            by: vec!["g".into()],
            target: Target::PerSeries(
                entries
                    .iter()
                    .map(|&(k, target)| SeriesTarget {
                        series: vec![k.map(str::to_owned)],
                        target,
                    })
                    .collect(),
            ),
            ..SpcOptions::default()
        };
        let groups = Groups::new(&input, &opts.by)?;
        let layout = Layout::new(&groups)?;
        Ok(SeriesOptions::new(&opts, &groups, &layout)?.target)
    }

    #[test]
    fn a_null_key_and_the_text_null_are_different_series() {
        // Result order puts nulls first: series 0 is the null, series 1 the text "null".
        let both = targets(&[(None, 3.0), (Some("null"), 4.0)]).unwrap();
        assert_eq!(both, vec![3.0, 4.0]);
        let null_only = targets(&[(None, 3.0)]).unwrap();
        assert_eq!(null_only[0], 3.0);
        assert!(null_only[1].is_nan());
        let text_only = targets(&[(Some("null"), 4.0)]).unwrap();
        assert!(text_only[0].is_nan());
        assert_eq!(text_only[1], 4.0);
    }

    #[test]
    fn starts_at_rebase_dates_present() {
        let mut starts = Vec::new();
        let missing = segment_starts(&[10, 20, 30, 40], &[5, 10, 30, 35], &mut starts);
        assert_eq!(starts, vec![0, 2]);
        assert_eq!(missing, 2);
        // Every rebase date outside the series, and a series without dates.
        assert_eq!(segment_starts(&[10, 20], &[1, 2, 30], &mut starts), 3);
        assert_eq!(starts, vec![0]);
        assert_eq!(segment_starts(&[], &[1, 2], &mut starts), 2);
        assert_eq!(starts, vec![0]);
        // Against a search of every rebase date in the whole series, on random lists.
        let mut r = crate::rng::Rng::new(0x853c_49e6_748f_ea9b, 0);
        let mut next = |k: u64| r.next_u64() % k;
        for _ in 0..500 {
            let mut list = |len: u64| {
                let mut v: Vec<i32> = (0..next(len)).map(|_| next(60) as i32).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let (dates, rebase) = (list(30), list(30));
            let mut expected = vec![0];
            let mut absent = 0;
            for d in &rebase {
                match dates.binary_search(d) {
                    Ok(0) => {}
                    Ok(k) => expected.push(k),
                    Err(_) => absent += 1,
                }
            }
            assert_eq!(segment_starts(&dates, &rebase, &mut starts), absent);
            assert_eq!(starts, expected, "{dates:?} {rebase:?}");
        }
    }

    #[test]
    fn duplicate_dates_name_the_later_row() {
        let dates = [3, 1, 3, 2, 1];
        let mut rows = vec![0, 1, 2, 3, 4];
        assert_eq!(sort_by_date(&mut rows, &dates), Some(2));
        assert_eq!(rows, vec![1, 4, 3, 0, 2]);
    }
}
