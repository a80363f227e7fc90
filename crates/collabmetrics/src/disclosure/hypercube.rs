//! Secondary suppression by the hypercube method (Repsilber's GHMITER, as in τ-Argus and
//! sdcTable's `HYPERCUBE`), restricted to one- and two-way tables with published margins.
//!
//! Two-way: primary cells are taken in order (interior cells row by row, then the margins).
//! For primary (i, j) every other row k and column l is a candidate "cube" whose corners
//! (i, l), (k, j), (k, l) are present cells, each already suppressed or non-zero (a published
//! zero gives no protection: an attacker reads it as a bound). The cube adding the fewest new
//! suppressions wins, then the smallest sum of their values, then the lowest k, then l. For an
//! interior primary the corners are interior cells (margins too when a dimension has a single
//! category, whose margins are copies of its cells); a primary margin may take margins as
//! corners. One-way (parts and a published total): when exactly one part is suppressed, the
//! smallest non-zero published part is suppressed too (the first of equals), or the total when
//! there is none. The audit then checks what this achieved.

use super::log::Reason;
use super::margins::Grid;

/// The values and marks of one count column, by published row.
pub(crate) struct Column<'a> {
    pub values: &'a [Option<i64>],
    pub national: &'a [bool],
    pub marks: &'a mut [Option<Reason>],
}

impl Column<'_> {
    fn suppressed(&self, row: usize) -> bool {
        self.marks[row].is_some()
    }

    fn value(&self, row: usize) -> i64 {
        self.values[row].unwrap_or(0)
    }

    /// A cell that can complete a cube: already suppressed, or non-zero and not national.
    fn usable(&self, row: Option<usize>) -> bool {
        row.is_some_and(|r| self.suppressed(r) || (self.value(r) > 0 && !self.national[r]))
    }
}

/// Adds the secondary suppressions of one table. `Err(row)`: the primary cell at that
/// published row has no cube of usable cells.
pub(crate) fn protect(grid: &Grid, col: &mut Column<'_>) -> Result<(), usize> {
    if grid.two_way() {
        two_way(grid, col)
    } else {
        one_way(grid, col)
    }
}

fn two_way(grid: &Grid, col: &mut Column<'_>) -> Result<(), usize> {
    let (m, n) = (grid.rows, grid.cols);
    let interior = (0..m).flat_map(|i| (0..n).map(move |j| (i, j)));
    let margins = (0..m)
        .map(|i| (i, n))
        .chain((0..n).map(|j| (m, j)))
        .chain(std::iter::once((m, n)));
    let order: Vec<(usize, usize)> = interior.chain(margins).collect();
    for (i, j) in order {
        let Some(p) = grid.at(i, j) else { continue };
        if col.marks[p] != Some(Reason::PrimarySmall) {
            continue;
        }
        // An interior primary takes interior corners, unless its dimension has one category:
        // then its margin is a copy of the cell, and the cube takes the margins as corners
        // (the one-way protection, with the copies hidden too).
        let inner = grid.interior(i, j);
        let last = |x: usize| if inner && x > 1 { x } else { x + 1 };
        // (new cells, their sum, k, l): the first minimum in (k, l) order wins ties.
        let mut best: Option<(usize, i64, usize, usize)> = None;
        for k in (0..last(m)).filter(|&k| k != i) {
            for l in (0..last(n)).filter(|&l| l != j) {
                let corners = [grid.at(i, l), grid.at(k, j), grid.at(k, l)];
                if !corners.iter().all(|&c| col.usable(c)) {
                    continue;
                }
                let (count, sum) = corners
                    .iter()
                    .flatten()
                    .filter(|&&c| !col.suppressed(c))
                    .fold((0, 0), |(c, s), &r| (c + 1, s + col.value(r)));
                if best.is_none_or(|(bc, bs, _, _)| (count, sum) < (bc, bs)) {
                    best = Some((count, sum, k, l));
                }
            }
        }
        let Some((_, _, k, l)) = best else {
            return Err(p);
        };
        for c in [grid.at(i, l), grid.at(k, j), grid.at(k, l)]
            .into_iter()
            .flatten()
        {
            if !col.suppressed(c) {
                col.marks[c] = Some(Reason::SecondaryComplement);
            }
        }
    }
    Ok(())
}

fn one_way(grid: &Grid, col: &mut Column<'_>) -> Result<(), usize> {
    let Some(total) = grid.at(grid.rows, 0) else {
        return Ok(());
    };
    let parts: Vec<usize> = (0..grid.rows).filter_map(|i| grid.at(i, 0)).collect();
    let hidden: Vec<usize> = parts
        .iter()
        .copied()
        .filter(|&p| col.suppressed(p))
        .collect();
    if col.suppressed(total) || hidden.len() != 1 {
        return Ok(());
    }
    let candidate = parts
        .iter()
        .copied()
        .filter(|&p| !col.suppressed(p) && col.value(p) > 0 && !col.national[p])
        .min_by_key(|&p| col.value(p));
    match candidate {
        Some(p) => col.marks[p] = Some(Reason::SecondaryComplement),
        None if !col.national[total] => col.marks[total] = Some(Reason::SecondaryComplement),
        None => return Err(hidden[0]),
    }
    Ok(())
}
