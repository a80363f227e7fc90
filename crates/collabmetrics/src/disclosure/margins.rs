//! The layout of a table for publication: which rows are the cells and margins of which one-
//! or two-way table, and the margin rows to add where the caller did not give them.
//!
//! The `dimensions` are the key columns of the table; a row whose dimension key is null is a
//! margin (the total over that dimension). The other key columns (`by`) split the rows into
//! separate tables (e.g. one per period). Missing margins are added as new rows after every
//! input row (so input row r is published row r); a margin the caller gave must equal the sum
//! of its parts.

use crate::error::{Error, Result};
use crate::table::groups::{key_codes, FastMap};
use crate::table::{display, Groups, Input};

/// Where a row of the published table comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A row of the input.
    Input(usize),
    /// An added margin: keys copied from input row `rep`, except the dimensions marked
    /// `false` in `keep`, which are null.
    Margin { rep: usize, keep: [bool; 2] },
}

/// One one- or two-way table: `rows` × `cols` interior cells (`cols` = 0 for a one-way
/// table) and their margins, in an extended layout of `(rows + 1) × (cols + 1)` cells whose
/// last row and column are the margins. Each cell is the published row holding it, or `None`
/// when the table has no such combination (a structural zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<Option<u32>>,
}

impl Grid {
    /// The published row of cell (i, j) of the extended layout (i = `rows`: the column
    /// margins; j = `cols`: the row margins).
    pub fn at(&self, i: usize, j: usize) -> Option<usize> {
        self.cells[i * (self.cols + 1) + j].map(|r| r as usize)
    }

    /// True for a two-way table.
    pub fn two_way(&self) -> bool {
        self.cols > 0
    }

    /// Every present cell as (i, j, row).
    pub fn present(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let w = self.cols + 1;
        self.cells
            .iter()
            .enumerate()
            .filter_map(move |(c, r)| r.map(|r| (c / w, c % w, r as usize)))
    }

    /// True when (i, j) is an interior cell (not a margin).
    pub fn interior(&self, i: usize, j: usize) -> bool {
        i < self.rows && (j < self.cols || !self.two_way())
    }

    /// Each margin cell's row with the rows of its parts (present interior cells).
    pub fn sums(&self) -> Vec<(usize, Vec<usize>)> {
        let mut out = Vec::new();
        if !self.two_way() {
            if let Some(total) = self.at(self.rows, 0) {
                out.push((
                    total,
                    (0..self.rows).filter_map(|i| self.at(i, 0)).collect(),
                ));
            }
            return out;
        }
        let (m, n) = (self.rows, self.cols);
        for i in 0..m {
            if let Some(t) = self.at(i, n) {
                out.push((t, (0..n).filter_map(|j| self.at(i, j)).collect()));
            }
        }
        for j in 0..n {
            if let Some(t) = self.at(m, j) {
                out.push((t, (0..m).filter_map(|i| self.at(i, j)).collect()));
            }
        }
        if let Some(t) = self.at(m, n) {
            let parts = (0..m)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter_map(|(i, j)| self.at(i, j))
                .collect();
            out.push((t, parts));
        }
        out
    }

    /// True when one dimension is nested in the other (every level of one appears with a
    /// single level of the other, and the table is not a single row or column): a hierarchy.
    pub fn nested(&self) -> bool {
        if !self.two_way() || self.rows < 2 || self.cols < 2 {
            return false;
        }
        let in_one = |count: &dyn Fn(usize) -> usize, n: usize| (0..n).all(|x| count(x) <= 1);
        let rows_of_col = |j: usize| (0..self.rows).filter(|&i| self.at(i, j).is_some()).count();
        let cols_of_row = |i: usize| (0..self.cols).filter(|&j| self.at(i, j).is_some()).count();
        in_one(&rows_of_col, self.cols) || in_one(&cols_of_row, self.rows)
    }
}

/// The published rows and the tables they form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub sources: Vec<Source>,
    pub grids: Vec<Grid>,
}

impl Layout {
    /// Every input row as it is, no tables (no dimensions).
    pub fn flat(n: usize) -> Self {
        Layout {
            sources: (0..n).map(Source::Input).collect(),
            grids: Vec::new(),
        }
    }

    /// The tables of `input` laid out by `dims` (one or two columns) within each combination
    /// of the `by` columns, with margin rows added where absent.
    pub fn new(input: &Input, dims: &[String], by: &[String]) -> Result<Self> {
        debug_assert!((1..=2).contains(&dims.len()));
        let n = input.num_rows();
        let layers = Groups::new(input, by)?;
        let mut dim_codes = Vec::with_capacity(dims.len());
        let mut dim_cols = Vec::with_capacity(dims.len());
        for d in dims {
            let col = input.column(d)?;
            dim_codes.push(key_codes(col, input.name(d))?);
            dim_cols.push(col.clone());
        }
        // Levels of each dimension within each layer, in order of first appearance.
        let mut levels: Vec<[FastMap<u32, u32>; 2]> =
            (0..layers.len()).map(|_| Default::default()).collect();
        let mut level_rep: Vec<[Vec<usize>; 2]> =
            (0..layers.len()).map(|_| Default::default()).collect();
        let mut place: Vec<(u32, [u32; 2])> = Vec::with_capacity(n);
        for r in 0..n {
            let l = layers.codes[r] as usize;
            let mut at = [u32::MAX; 2];
            for (d, codes) in dim_codes.iter().enumerate() {
                if crate::table::is_null_at(dim_cols[d].as_ref(), r) {
                    continue; // a margin over this dimension
                }
                let next = levels[l][d].len() as u32;
                let lv = *levels[l][d].entry(codes[r]).or_insert(next);
                if lv == next {
                    level_rep[l][d].push(r);
                }
                at[d] = lv;
            }
            place.push((l as u32, at));
        }
        let mut grids: Vec<Grid> = (0..layers.len())
            .map(|l| {
                let rows = levels[l][0].len();
                let cols = if dims.len() == 2 {
                    levels[l][1].len()
                } else {
                    0
                };
                Grid {
                    rows,
                    cols,
                    cells: vec![None; (rows + 1) * (cols + 1)],
                }
            })
            .collect();
        for (r, &(l, at)) in place.iter().enumerate() {
            let g = &mut grids[l as usize];
            let i = if at[0] == u32::MAX {
                g.rows
            } else {
                at[0] as usize
            };
            let j = if dims.len() < 2 {
                0
            } else if at[1] == u32::MAX {
                g.cols
            } else {
                at[1] as usize
            };
            let slot = &mut g.cells[i * (g.cols + 1) + j];
            if let Some(first) = *slot {
                let d = if dims.len() == 2 && at[1] != u32::MAX {
                    &dims[1]
                } else {
                    &dims[0]
                };
                let col = input.column(d)?;
                return Err(Error::cell(
                    input.name(d),
                    r,
                    display(col.as_ref(), r),
                    format!(
                        "a second row for the same cell of the table (first at row {first}); name the other key columns that tell them apart in `by`"
                    ),
                ));
            }
            *slot = Some(r as u32);
        }
        // Added margins come after every input row (so input row r stays published row r),
        // table by table.
        let mut sources: Vec<Source> = (0..n).map(Source::Input).collect();
        for (l, g) in grids.iter_mut().enumerate() {
            let any = layers.first_rows[l] as usize;
            let margins: Vec<(usize, usize, Source)> = if g.two_way() {
                let (m, c) = (g.rows, g.cols);
                (0..m)
                    .map(|i| {
                        (
                            i,
                            c,
                            Source::Margin {
                                rep: level_rep[l][0][i],
                                keep: [true, false],
                            },
                        )
                    })
                    .chain((0..c).map(|j| {
                        (
                            m,
                            j,
                            Source::Margin {
                                rep: level_rep[l][1][j],
                                keep: [false, true],
                            },
                        )
                    }))
                    .chain(std::iter::once((
                        m,
                        c,
                        Source::Margin {
                            rep: any,
                            keep: [false, false],
                        },
                    )))
                    .collect()
            } else {
                vec![(
                    g.rows,
                    0,
                    Source::Margin {
                        rep: any,
                        keep: [false, false],
                    },
                )]
            };
            for (i, j, source) in margins {
                let slot = &mut g.cells[i * (g.cols + 1) + j];
                if slot.is_none() {
                    *slot = Some(sources.len() as u32);
                    sources.push(source);
                }
            }
        }
        Ok(Layout { sources, grids })
    }

    /// Number of published rows.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// A column of the input spread over the published rows, with each margin the sum of
    /// its parts (`None` when a part is missing). Returns the values and, for margins the
    /// input gave, the first whose value differs from that sum: (published row, given, sum).
    #[allow(clippy::type_complexity)]
    pub fn with_margins(
        &self,
        input_values: &[Option<f64>],
    ) -> (Vec<Option<f64>>, Option<(usize, Option<f64>, Option<f64>)>) {
        let mut values: Vec<Option<f64>> = self
            .sources
            .iter()
            .map(|s| match s {
                Source::Input(r) => input_values[*r],
                Source::Margin { .. } => None,
            })
            .collect();
        let mut mismatch = None;
        for g in &self.grids {
            for (total, parts) in g.sums() {
                let sum = parts
                    .iter()
                    .try_fold(0.0, |acc, &p| values[p].map(|v| acc + v));
                match self.sources[total] {
                    Source::Margin { .. } => values[total] = sum,
                    Source::Input(_) => {
                        if mismatch.is_none() && values[total] != sum {
                            mismatch = Some((total, values[total], sum));
                        }
                    }
                }
            }
        }
        (values, mismatch)
    }
}
