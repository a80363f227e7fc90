//! The audit: what an attacker who knows the rule can learn of each suppressed cell from
//! everything published.
//!
//! A table with margins is a set of cells bound by sums. The attacker knows each published
//! cell exactly (no rounding) or as the range of counts the rule rounds to its value, knows
//! that suppressed cells are counts in the rule's suppressed range when only primary cells are
//! suppressed (and only that they are ≥ 0 when complements are suppressed too, since it cannot
//! tell which is which), and knows every sum. The smallest and largest value of a suppressed
//! cell subject to all of this are the minimum and maximum of two linear programmes, solved
//! with `good_lp`'s pure-Rust `microlp` solver.
//!
//! To keep it fast, the sums are seen as a network: the cells of a two-way table with margins
//! are the arcs of a circulation (a row node for each row, a column node for each column, and
//! two total nodes: total → row i carries the row margin, row i → column j the cell, column j
//! → total′ the column margin, total′ → total the grand total; a one-way table is parts
//! total → total′ and its total back). Moving a cell while keeping every sum means pushing
//! flow round a cycle through it. Before solving a programme for a bound, the audit tries to
//! reach the cell's own bound (the end of its known range) by pushing flow from the true
//! table along augmenting paths; when that succeeds the bound is attained, so it is the
//! programme's optimum (no feasible table can pass the cell's own bound). Only the bounds it
//! cannot reach that way are solved as linear programmes, each over the cells connected to the
//! audited one through unpublished cells.

use super::margins::Grid;
use crate::error::{Error, Result};
use good_lp::{
    microlp, variable, Expression, ProblemVariables, ResolutionError, Solution, SolverModel,
};
use rayon::prelude::*;

/// Flows closer than this are equal (values are whole numbers; solutions are within 1e-9).
const EPS: f64 = 1e-7;

/// A search looks one step on from a node with at most this many steps even before the
/// other side has expanded (see [`Search::find_path`]).
const PEEK_STEPS: usize = 8;

/// The fewest cells of one table audited by one task.
const CELLS_PER_TASK: usize = 16;

/// One table's cells as arcs of a circulation, with what the attacker knows of each.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub n_nodes: usize,
    /// (tail, head) of each arc.
    pub arcs: Vec<(u32, u32)>,
    /// The true values.
    pub x: Vec<f64>,
    /// The attacker's bounds; `lo == hi` for a cell known exactly.
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// The arcs of the present cells of `grid`, in [`Grid::present`] order, and the node count.
pub(crate) fn arcs_of(grid: &Grid) -> (usize, Vec<(u32, u32)>) {
    if !grid.two_way() {
        // Node 0: total, node 1: total′. Parts 0 → 1, the total 1 → 0.
        let arcs = grid
            .present()
            .map(|(i, _, _)| if i < grid.rows { (0, 1) } else { (1, 0) })
            .collect();
        return (2, arcs);
    }
    let (m, n) = (grid.rows as u32, grid.cols as u32);
    let (tot, tot2) = (m + n, m + n + 1);
    let arcs = grid
        .present()
        .map(|(i, j, _)| {
            let (i, j) = (i as u32, j as u32);
            match (i < m, j < n) {
                (true, true) => (i, m + j),
                (true, false) => (tot, i),
                (false, true) => (m + j, tot2),
                (false, false) => (tot2, tot),
            }
        })
        .collect();
    (grid.rows + grid.cols + 2, arcs)
}

impl Network {
    /// The attacker's interval of each arc in `audited`: `(lower, upper)`, `upper` infinite
    /// when nothing bounds the cell. With `flow_bounds`, a bound that augmenting paths cannot
    /// reach is their maximum flow (the programme's optimum, by max-flow min-cut: used where
    /// the audit only reports); otherwise it is solved as a linear programme.
    pub fn intervals(&self, audited: &[usize], flow_bounds: bool) -> Result<Vec<(f64, f64)>> {
        if self.n_nodes == 2 {
            return self.star_intervals(audited);
        }
        self.searched_intervals(audited, flow_bounds)
    }

    /// [`Network::intervals`] of a one-way table: two nodes, every arc joining them, so a path
    /// between them is one arc and the most flow that can move a cell is the room of the other
    /// free arcs in that direction, summed once for the table. (A search per cell scanned
    /// every part: 16 000 parts took 14 s.) This is the programme's optimum too (max-flow
    /// min-cut), so it serves both kinds of audit.
    fn star_intervals(&self, audited: &[usize]) -> Result<Vec<(f64, f64)>> {
        // Room of arc a for flow leaving node u for the other: along it when u is its tail,
        // against it otherwise; none for a cell known exactly.
        let room = |a: usize, u: u32| -> f64 {
            if self.free(a) {
                self.room(a, self.x[a], self.arcs[a].0 == u)
            } else {
                0.0
            }
        };
        // Per node: the finite rooms' sum and how many rooms are unbounded.
        let mut sums = [(0.0f64, 0usize); 2];
        for a in 0..self.arcs.len() {
            for (u, sum) in sums.iter_mut().enumerate() {
                match room(a, u as u32) {
                    r if r.is_finite() => sum.0 += r,
                    _ => sum.1 += 1,
                }
            }
        }
        // The room from node u through every arc but e.
        let others = |e: usize, u: u32| -> f64 {
            let (sum, unbounded) = sums[u as usize];
            let r = room(e, u);
            // Unbounded rooms other than e's own.
            let unbounded_others = unbounded - usize::from(!r.is_finite());
            if unbounded_others > 0 {
                f64::INFINITY
            } else if r.is_finite() {
                sum - r
            } else {
                sum
            }
        };
        let bound = |e: usize, upper: bool| -> f64 {
            let own = if upper { self.hi[e] } else { self.lo[e] };
            if !self.free(e) || (own - self.x[e]).abs() <= EPS {
                return own;
            }
            let (tail, head) = self.arcs[e];
            // Raising e needs flow from its head back to its tail; lowering, the reverse.
            let moved = others(e, if upper { head } else { tail });
            let need = (own - self.x[e]).abs();
            if moved >= need - EPS {
                own
            } else if upper {
                clean(self.x[e] + moved)
            } else {
                clean(self.x[e] - moved)
            }
        };
        let mut tick = crate::cancel::Ticker::new(1 << 12);
        audited
            .iter()
            .map(|&e| {
                tick.tick()?;
                Ok((bound(e, false), bound(e, true)))
            })
            .collect()
    }

    /// [`Network::intervals`] by augmenting paths, and linear programmes where they cannot
    /// reach a bound.
    ///
    /// Each cell's bounds are found on their own (a search restores the true table), so the
    /// cells run in parallel, in chunks with a search each: one large table's audit used one
    /// thread. The first failing cell (in `audited` order) gives the error.
    fn searched_intervals(&self, audited: &[usize], flow_bounds: bool) -> Result<Vec<(f64, f64)>> {
        let token = crate::cancel::current();
        // Enough chunks to share the threads, each long enough to repay its search's buffers.
        let chunk = audited
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .max(CELLS_PER_TASK);
        let parts: Vec<Result<Vec<(f64, f64)>>> = audited
            .par_chunks(chunk)
            .map(|cells| {
                let mut search = Search::new(self);
                cells
                    .iter()
                    .map(|&e| {
                        // A cell may solve a linear programme: cancellation is checked per cell.
                        crate::cancel::check_carried(token.as_ref())?;
                        Ok((
                            self.bound(e, false, flow_bounds, &mut search)?,
                            self.bound(e, true, flow_bounds, &mut search)?,
                        ))
                    })
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(audited.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    fn free(&self, a: usize) -> bool {
        self.hi[a] - self.lo[a] > EPS
    }

    /// Room to move arc `a`, at flow `flow` (the true value or a search's), along itself
    /// (raising it) or against it (lowering it).
    fn room(&self, a: usize, flow: f64, along: bool) -> f64 {
        if along {
            self.hi[a] - flow
        } else {
            flow - self.lo[a]
        }
    }

    /// The smallest (`upper` false) or largest value of arc `e`.
    fn bound(&self, e: usize, upper: bool, flow_bounds: bool, search: &mut Search) -> Result<f64> {
        let own = if upper { self.hi[e] } else { self.lo[e] };
        if !self.free(e) || (own - self.x[e]).abs() <= EPS {
            return Ok(own);
        }
        if own.is_finite() {
            let (tail, head) = self.arcs[e];
            let need = (own - self.x[e]).abs();
            // Raising e needs flow from its head back to its tail; lowering, the reverse.
            let (from, to) = if upper { (head, tail) } else { (tail, head) };
            let pushed = search.push(self, e, from, to, need);
            if pushed >= need - EPS {
                return Ok(own);
            }
            if flow_bounds {
                let moved = if upper { pushed } else { -pushed };
                return Ok(clean(self.x[e] + moved));
            }
        }
        self.solve(e, upper)
    }

    /// The linear programme: optimise arc `e` over the arcs connected to it through free arcs.
    fn solve(&self, e: usize, upper: bool) -> Result<f64> {
        let component = self.component(e);
        let mut vars = ProblemVariables::new();
        let mut var_of = vec![None; self.arcs.len()];
        for (a, slot) in var_of.iter_mut().enumerate() {
            if component[a] {
                let mut v = variable().min(self.lo[a]);
                if self.hi[a].is_finite() {
                    v = v.max(self.hi[a]);
                }
                *slot = Some(vars.add(v));
            }
        }
        let Some(target) = var_of[e] else {
            return Ok(self.x[e]);
        };
        let mut model = if upper {
            vars.maximise(target)
        } else {
            vars.minimise(target)
        }
        .using(microlp);
        // Flow conservation at every node the component touches: Σ in − Σ out = 0, the other
        // arcs (known or not connected) moved to the right-hand side at their true values,
        // which is what the attacker knows of them or does not need. One node's equation is
        // the sum of the others'.
        let mut expr: Vec<Expression> = vec![Expression::from(0.0); self.n_nodes];
        let mut constant = vec![0.0; self.n_nodes];
        let mut touched = vec![false; self.n_nodes];
        for (a, &(t, h)) in self.arcs.iter().enumerate() {
            let (t, h) = (t as usize, h as usize);
            match var_of[a] {
                Some(v) => {
                    expr[h] += v;
                    expr[t] -= v;
                    touched[h] = true;
                    touched[t] = true;
                }
                None => {
                    constant[h] += self.x[a];
                    constant[t] -= self.x[a];
                }
            }
        }
        let nodes: Vec<usize> = (0..self.n_nodes).filter(|&v| touched[v]).collect();
        for &v in nodes.iter().skip(1) {
            let lhs = std::mem::replace(&mut expr[v], Expression::from(0.0));
            model.add_constraint(lhs.eq(-constant[v]));
        }
        match model.solve() {
            Ok(solution) => Ok(clean(solution.value(target))),
            Err(ResolutionError::Unbounded) => Ok(if upper {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }),
            Err(err) => Err(Error::Internal {
                message: format!(
                    "the audit's linear programme failed ({err}) although the true table is feasible"
                ),
            }),
        }
    }

    /// Arcs connected to `e` through free arcs (sharing nodes), `e` included.
    fn component(&self, e: usize) -> Vec<bool> {
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); self.n_nodes];
        for (a, &(t, h)) in self.arcs.iter().enumerate() {
            if self.free(a) {
                adj[t as usize].push(a);
                adj[h as usize].push(a);
            }
        }
        let mut node_seen = vec![false; self.n_nodes];
        let mut arc_in = vec![false; self.arcs.len()];
        let mut stack = vec![self.arcs[e].0, self.arcs[e].1];
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut node_seen[v as usize], true) {
                continue;
            }
            for &a in &adj[v as usize] {
                if !arc_in[a] {
                    arc_in[a] = true;
                    stack.push(self.arcs[a].0);
                    stack.push(self.arcs[a].1);
                }
            }
        }
        arc_in
    }
}

/// A solution value as the whole number it is within rounding.
fn clean(v: f64) -> f64 {
    let r = v.round();
    if (v - r).abs() < 1e-6 {
        r
    } else {
        v
    }
}

/// Augmenting-path search on the residual network of the true table. Buffers are reused
/// across queries: flows are restored from an undo log and visits are stamped, so a query
/// costs what its searches visit.
///
/// Each path is found by a breadth-first search from both ends at once, a level at a time
/// from the end whose frontier has fewer arcs to scan, stopping where they meet, and looking
/// one step on from the nodes it reaches ([`Search::find_path`]). From one end, a search
/// through a table with many free cells visits most of the table before reaching the other
/// end (a path from column j to row i first meets every row of column j, then every column
/// of those rows): quadratic in the cells over a table's audit. Meeting in the middle visits
/// about one row and one column. Only the arcs with room are listed, so a column whose cells
/// sit at their known bounds costs nothing to pass. Any augmenting paths give the same
/// maximum flow; these are at most about one arc longer than shortest (the look one step on),
/// so Edmonds–Karp's bound on their number does not formally apply, and each moves at least
/// one unit (every amount is a whole number), so a query takes at most its `need` of them (a
/// complement's lower bound can need a million; in practice as many paths as shortest ones).
struct Search {
    /// Per side and node, the free arcs with room in the true table to step through: on the
    /// forward side (0) leaving the node, on the backward side (1) entering it; (arc, the node
    /// is its tail). A column of a wide table holds many cells at their known bounds, which a
    /// search would otherwise scan at every visit.
    steps: [Vec<Vec<(u32, bool)>>; 2],
    /// Per node, the arcs this query has moved (they may have gained room either way).
    moved: Vec<Vec<(u32, bool)>>,
    is_moved: Vec<bool>,
    flow: Vec<f64>,
    undo: Vec<(u32, f64)>,
    /// Per node, the step that reached it from `from` (forward side) or that leads from it
    /// towards `to` (backward side): (arc, moved along it).
    parent: Vec<(u32, bool)>,
    child: Vec<(u32, bool)>,
    /// Visit stamps of the forward and the backward side.
    seen_from: Vec<u32>,
    seen_to: Vec<u32>,
    now: u32,
    frontier: Vec<u32>,
    next: Vec<u32>,
    back_frontier: Vec<u32>,
    /// The steps of the path found, from `from` to `to`.
    path: Vec<(u32, bool)>,
}

impl Search {
    fn new(net: &Network) -> Self {
        let mut steps = [vec![Vec::new(); net.n_nodes], vec![Vec::new(); net.n_nodes]];
        for (a, &(t, h)) in net.arcs.iter().enumerate() {
            if !net.free(a) {
                continue;
            }
            let (up, down) = (
                net.room(a, net.x[a], true) > EPS,
                net.room(a, net.x[a], false) > EPS,
            );
            // Forward: leaving the tail raises the arc, leaving the head lowers it; backward:
            // entering the head raises it, entering the tail lowers it.
            for (side, from_tail, from_head) in [(0, up, down), (1, down, up)] {
                if from_tail {
                    steps[side][t as usize].push((a as u32, true));
                }
                if from_head {
                    steps[side][h as usize].push((a as u32, false));
                }
            }
        }
        Search {
            steps,
            moved: vec![Vec::new(); net.n_nodes],
            is_moved: vec![false; net.arcs.len()],
            flow: net.x.clone(),
            undo: Vec::new(),
            parent: vec![(0, false); net.n_nodes],
            child: vec![(0, false); net.n_nodes],
            seen_from: vec![0; net.n_nodes],
            seen_to: vec![0; net.n_nodes],
            now: 0,
            frontier: Vec::new(),
            next: Vec::new(),
            back_frontier: Vec::new(),
            path: Vec::new(),
        }
    }

    /// Pushes up to `need` units from node `from` to node `to` through free arcs other than
    /// `skip`, starting from the true table; returns how much it pushed. The flows are the
    /// true table again afterwards.
    fn push(&mut self, net: &Network, skip: usize, from: u32, to: u32, need: f64) -> f64 {
        let mut pushed = 0.0;
        while pushed < need - EPS {
            if !self.find_path(net, skip, from, to) {
                break;
            }
            let bottleneck = self
                .path
                .iter()
                .map(|&(a, along)| net.room(a as usize, self.flow[a as usize], along))
                .fold(f64::INFINITY, f64::min);
            let amount = bottleneck.min(need - pushed);
            for &(a, along) in &self.path {
                let ai = a as usize;
                self.undo.push((a, self.flow[ai]));
                self.flow[ai] += if along { amount } else { -amount };
                if !std::mem::replace(&mut self.is_moved[ai], true) {
                    let (t, h) = net.arcs[ai];
                    self.moved[t as usize].push((a, true));
                    self.moved[h as usize].push((a, false));
                }
            }
            pushed += amount;
        }
        while let Some((a, old)) = self.undo.pop() {
            let ai = a as usize;
            self.flow[ai] = old;
            if std::mem::replace(&mut self.is_moved[ai], false) {
                let (t, h) = net.arcs[ai];
                self.moved[t as usize].clear();
                self.moved[h as usize].clear();
            }
        }
        pushed
    }

    /// A path with room from `from` to `to` into `path`; false when there is none.
    fn find_path(&mut self, net: &Network, skip: usize, from: u32, to: u32) -> bool {
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.seen_from.iter_mut().for_each(|s| *s = 0);
            self.seen_to.iter_mut().for_each(|s| *s = 0);
            self.now = 1;
        }
        let now = self.now;
        self.path.clear();
        if from == to {
            return true;
        }
        self.seen_from[from as usize] = now;
        self.seen_to[to as usize] = now;
        let mut forward = std::mem::take(&mut self.frontier);
        let mut backward = std::mem::take(&mut self.back_frontier);
        let mut next = std::mem::take(&mut self.next);
        forward.clear();
        backward.clear();
        forward.push(from);
        backward.push(to);
        let steps = std::mem::take(&mut self.steps);
        let moved = std::mem::take(&mut self.moved);
        // The arcs to look at from v on one side.
        let arcs_at =
            |side: usize, v: u32| steps[side][v as usize].iter().chain(&moved[v as usize]);
        // The step from v through arc a on one side, when it has room: (moved along the arc,
        // the node at its other end). Forward, leaving v along the arc (v its tail) raises
        // it; backward, entering v along it (v its head) raises it.
        let step = |flow: &[f64], a: u32, v_is_tail: bool, from_side: bool| {
            let ai = a as usize;
            let (t, h) = net.arcs[ai];
            let along = v_is_tail == from_side;
            (ai != skip && net.room(ai, flow[ai], along) > EPS)
                .then_some((along, if v_is_tail { h } else { t }))
        };
        let mut meet = None;
        // Whether each side has expanded a level (forward, backward).
        let mut expanded = [false, false];
        // The arcs each side's frontier has to scan, counted as it grows.
        let degree = |side: usize, v: u32| steps[side][v as usize].len() + moved[v as usize].len();
        let mut cost = [degree(0, from), degree(1, to)];
        while meet.is_none() && !forward.is_empty() && !backward.is_empty() {
            // The side whose frontier has fewer arcs to scan.
            let from_side = cost[0] <= cost[1];
            let side = usize::from(!from_side);
            let mut next_cost = 0;
            let peek = expanded[usize::from(from_side)];
            expanded[usize::from(!from_side)] = true;
            let (seen, seen_other) = if from_side {
                (&mut self.seen_from, &self.seen_to)
            } else {
                (&mut self.seen_to, &self.seen_from)
            };
            let (link, link_other) = if from_side {
                (&mut self.parent, &mut self.child)
            } else {
                (&mut self.child, &mut self.parent)
            };
            next.clear();
            let frontier = if from_side { &forward } else { &backward };
            'level: for &v in frontier.iter() {
                for &(a, v_is_tail) in arcs_at(side, v) {
                    let Some((along, o)) = step(&self.flow, a, v_is_tail, from_side) else {
                        continue;
                    };
                    if seen[o as usize] == now {
                        continue;
                    }
                    seen[o as usize] = now;
                    link[o as usize] = (a, along);
                    if seen_other[o as usize] == now {
                        meet = Some(o);
                        break 'level;
                    }
                    // A step on from o to a node the other side has seen ends the search
                    // here, without the rest of this level: in a table whose cells are all
                    // free, a column's search reaching the rows of the column closes a cycle
                    // at the first row, where the whole level costs a scan of every row.
                    // Before the other side has expanded it has seen only its end, and
                    // looking from every node of the level would double its cost for
                    // nothing, unless o has few steps (the rows of a table with few columns
                    // reach the total node, another search's end, in one).
                    if !peek && degree(side, o) > PEEK_STEPS {
                        next.push(o);
                        next_cost += degree(side, o);
                        continue;
                    }
                    for &(b, o_is_tail) in arcs_at(side, o) {
                        if let Some((along_b, w)) = step(&self.flow, b, o_is_tail, from_side) {
                            if seen_other[w as usize] == now {
                                link_other[o as usize] = (b, along_b);
                                meet = Some(o);
                                break 'level;
                            }
                        }
                    }
                    next.push(o);
                    next_cost += degree(side, o);
                }
            }
            cost[side] = next_cost;
            if from_side {
                std::mem::swap(&mut forward, &mut next);
            } else {
                std::mem::swap(&mut backward, &mut next);
            }
        }
        self.steps = steps;
        self.moved = moved;
        if let Some(m) = meet {
            self.trace(net, from, to, m);
        }
        self.frontier = forward;
        self.back_frontier = backward;
        self.next = next;
        meet.is_some()
    }

    /// The path through the meeting node `m`: its forward steps back to `from`, reversed,
    /// then its backward steps on to `to`.
    fn trace(&mut self, net: &Network, from: u32, to: u32, m: u32) {
        // The node an arc's step starts from (along: its tail) or leads to (along: its head).
        let tail_of = |a: u32, along: bool| {
            let (t, h) = net.arcs[a as usize];
            if along {
                t
            } else {
                h
            }
        };
        let head_of = |a: u32, along: bool| {
            let (t, h) = net.arcs[a as usize];
            if along {
                h
            } else {
                t
            }
        };
        let mut v = m;
        while v != from {
            let (a, along) = self.parent[v as usize];
            self.path.push((a, along));
            v = tail_of(a, along);
        }
        self.path.reverse();
        let mut v = m;
        while v != to {
            let (a, along) = self.child[v as usize];
            self.path.push((a, along));
            v = head_of(a, along);
        }
    }
}

/// The intervals of a two-way table with published margins in which the cells `suppressed`
/// (row, column of the interior, 0-based) are hidden and every other cell and margin is
/// published exactly: what an attacker solving the linear programmes learns of each hidden
/// cell, `x ≥ 0` (as [`super::disclose`] audits a table with complementary suppressions).
/// For checking a suppression pattern made elsewhere.
///
/// ```
/// use collabmetrics::disclosure::audit_two_way;
/// // Suppressing X-A and X-B of [[3, 10, 12], [8, 9, 15], [6, 20, 7]] hides nothing:
/// // the row total and the column totals give X-A = 3 and X-B = 10.
/// let t = vec![vec![3, 10, 12], vec![8, 9, 15], vec![6, 20, 7]];
/// let iv = audit_two_way(&t, &[(0, 0), (0, 1)]).unwrap();
/// assert_eq!(iv, vec![(3.0, 3.0), (10.0, 10.0)]);
/// ```
pub fn audit_two_way(
    interior: &[Vec<i64>],
    suppressed: &[(usize, usize)],
) -> Result<Vec<(f64, f64)>> {
    let m = interior.len();
    let n = interior.first().map_or(0, Vec::len);
    if m == 0 || n == 0 || interior.iter().any(|r| r.len() != n) {
        return Err(Error::invalid_argument(
            "interior",
            "expected a non-empty rectangular table of counts",
        ));
    }
    if let Some(&(i, j)) = suppressed.iter().find(|&&(i, j)| i >= m || j >= n) {
        return Err(Error::invalid_argument(
            "suppressed",
            format!("cell ({i}, {j}) is outside the {m} × {n} table"),
        ));
    }
    let grid = Grid {
        rows: m,
        cols: n,
        cells: (0..(m + 1) * (n + 1)).map(|c| Some(c as u32)).collect(),
    };
    let value = |i: usize, j: usize| -> i64 {
        match (i < m, j < n) {
            (true, true) => interior[i][j],
            (true, false) => interior[i].iter().sum(),
            (false, true) => interior.iter().map(|r| r[j]).sum(),
            (false, false) => interior.iter().flatten().sum(),
        }
    };
    let (n_nodes, arcs) = arcs_of(&grid);
    let cells: Vec<(usize, usize)> = grid.present().map(|(i, j, _)| (i, j)).collect();
    let x: Vec<f64> = cells.iter().map(|&(i, j)| value(i, j) as f64).collect();
    let hidden = |i, j| suppressed.contains(&(i, j));
    let lo = cells
        .iter()
        .zip(&x)
        .map(|(&(i, j), &v)| if hidden(i, j) { 0.0 } else { v })
        .collect();
    let hi = cells
        .iter()
        .zip(&x)
        .map(|(&(i, j), &v)| if hidden(i, j) { f64::INFINITY } else { v })
        .collect();
    let net = Network {
        n_nodes,
        arcs,
        x,
        lo,
        hi,
    };
    let audited: Vec<usize> = suppressed.iter().map(|&(i, j)| i * (n + 1) + j).collect();
    net.intervals(&audited, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws below `k` from the library's generator, for the random tables.
    fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut r = crate::rng::Rng::new(seed, 0);
        move |k: u64| r.next_u64() % k
    }

    /// A random two-way table with margins as a network: up to 6 × 6 cells of 0 to `scale`,
    /// the cells and margins published exactly, as rounded ranges (of up to a tenth of
    /// `scale` either way), suppressed without an upper bound, or suppressed in a range.
    fn random_two_way(next: &mut impl FnMut(u64) -> u64, scale: u64) -> Network {
        let (m, n) = (1 + next(6) as usize, 1 + next(6) as usize);
        let grid = Grid {
            rows: m,
            cols: n,
            cells: (0..(m + 1) * (n + 1)).map(|c| Some(c as u32)).collect(),
        };
        let interior: Vec<Vec<f64>> = (0..m)
            .map(|_| (0..n).map(|_| next(scale + 1) as f64).collect())
            .collect();
        let (n_nodes, arcs) = arcs_of(&grid);
        let x: Vec<f64> = grid
            .present()
            .map(|(i, j, _)| match (i < m, j < n) {
                (true, true) => interior[i][j],
                (true, false) => interior[i].iter().sum(),
                (false, true) => interior.iter().map(|r| r[j]).sum(),
                (false, false) => interior.iter().flatten().sum(),
            })
            .collect();
        let width = (scale / 10).max(2) as f64;
        let (mut lo, mut hi) = (Vec::new(), Vec::new());
        for &v in &x {
            let (l, h) = match next(6) {
                0 | 1 => (v, v),
                2 => ((v - width).max(0.0), v + width),
                3 => (0.0, f64::INFINITY),
                4 => (1.0_f64.min(v), (2.0 * width).max(v)),
                _ => ((v - 1.0).max(0.0), v + 1.5 * width),
            };
            lo.push(l);
            hi.push(h);
        }
        Network {
            n_nodes,
            arcs,
            x,
            lo,
            hi,
        }
    }

    /// The most flow from `from` to `to` without arc `skip`, up to `need`, from the true
    /// table: Edmonds–Karp on a matrix of the residual capacities between nodes (every arc's
    /// room both ways summed), written independently of [`Search`].
    fn reference_flow(net: &Network, skip: usize, from: u32, to: u32, need: f64) -> f64 {
        let k = net.n_nodes;
        let mut cap = vec![vec![0.0_f64; k]; k];
        for (a, &(t, h)) in net.arcs.iter().enumerate() {
            if a != skip && net.free(a) {
                cap[t as usize][h as usize] += net.hi[a] - net.x[a];
                cap[h as usize][t as usize] += net.x[a] - net.lo[a];
            }
        }
        let (from, to) = (from as usize, to as usize);
        let mut total = 0.0;
        while total < need {
            let mut parent = vec![usize::MAX; k];
            parent[from] = from;
            let mut queue = std::collections::VecDeque::from([from]);
            while let Some(u) = queue.pop_front() {
                for v in 0..k {
                    if parent[v] == usize::MAX && cap[u][v] > EPS {
                        parent[v] = u;
                        queue.push_back(v);
                    }
                }
            }
            if parent[to] == usize::MAX {
                break;
            }
            let mut amount = need - total;
            let mut v = to;
            while v != from {
                amount = amount.min(cap[parent[v]][v]);
                v = parent[v];
            }
            let mut v = to;
            while v != from {
                let u = parent[v];
                cap[u][v] -= amount;
                cap[v][u] += amount;
                v = u;
            }
            total += amount;
        }
        total
    }

    /// Every push of one search (reused across a table's queries, as the audit reuses it)
    /// moves the maximum flow a reference computes, capped at its need: counts up to 200 and
    /// wide ranges, so that most pushes take several paths and undo each other's steps.
    #[test]
    fn pushes_move_the_maximum_flow() {
        let mut next = rng(0xd1b5_4a32_d192_ed03);
        let mut paths = 0;
        for case in 0..400 {
            let net = random_two_way(&mut next, 200);
            let mut search = Search::new(&net);
            for e in 0..net.arcs.len() {
                let (t, h) = net.arcs[e];
                for (from, to) in [(h, t), (t, h)] {
                    let need = match next(3) {
                        0 => 1.0 + next(20) as f64,
                        1 => 1.0 + next(2000) as f64,
                        _ => f64::INFINITY,
                    };
                    let want = reference_flow(&net, e, from, to, need);
                    if want.is_infinite() {
                        continue;
                    }
                    let before = search.now;
                    let got = search.push(&net, e, from, to, need);
                    paths += search.now - before;
                    assert_eq!(
                        got, want,
                        "case {case}, arc {e}, {from} → {to}, need {need}"
                    );
                    assert_eq!(search.flow, net.x, "case {case}: the flows are restored");
                    assert!(
                        search.moved.iter().all(Vec::is_empty) && !search.is_moved.contains(&true)
                    );
                }
            }
        }
        // Several paths per push on average: the test exercises paths undoing paths.
        assert!(paths > 40_000, "{paths} searches");
    }

    /// The augmenting-path search gives every bound the linear programmes give, on random
    /// two-way tables with margins: the cells published exactly, as rounded ranges, or
    /// suppressed (with or without an upper bound), and the margins likewise. With
    /// `flow_bounds` a bound the paths cannot reach is their maximum flow, the programme's
    /// optimum by max-flow min-cut; without, the programme itself.
    #[test]
    fn two_way_searched_bounds_are_the_programmes() {
        let mut next = rng(0x9e37_79b9_7f4a_7c15);
        for case in 0..300 {
            let net = random_two_way(&mut next, if case % 2 == 0 { 11 } else { 60 });
            let audited: Vec<usize> = (0..net.arcs.len()).collect();
            let programmes: Vec<(f64, f64)> = audited
                .iter()
                .map(|&e| {
                    let solve = |upper| {
                        if net.free(e) {
                            net.solve(e, upper).unwrap()
                        } else {
                            net.x[e]
                        }
                    };
                    (solve(false), solve(true))
                })
                .collect();
            for flow_bounds in [true, false] {
                let searched = net.searched_intervals(&audited, flow_bounds).unwrap();
                for (a, (s, p)) in searched.iter().zip(&programmes).enumerate() {
                    let same = |u: f64, v: f64| u == v || (u - v).abs() < 1e-6;
                    assert!(
                        same(s.0, p.0) && same(s.1, p.1),
                        "case {case}, arc {a}, flow bounds {flow_bounds}: searched {s:?}, \
                         programmes {p:?}: {net:?}"
                    );
                }
            }
        }
    }

    /// The one-way closed form gives the intervals the augmenting-path search (and, where it
    /// cannot reach a bound, the linear programme) gives, on random one-way tables: parts
    /// published exactly or as ranges, suppressed with or without an upper bound, the total
    /// published exactly or as a range.
    #[test]
    fn one_way_bounds_are_the_searched_ones() {
        let mut next = rng(0x2545_f491_4f6c_dd1d);
        for case in 0..400 {
            let parts = 1 + next(12) as usize;
            let mut x: Vec<f64> = (0..parts).map(|_| next(30) as f64).collect();
            let total: f64 = x.iter().sum();
            x.push(total);
            let (mut lo, mut hi) = (Vec::new(), Vec::new());
            for (a, &v) in x.iter().enumerate() {
                let (l, h) = match next(if a < parts { 5 } else { 3 }) {
                    0 => (v, v),                           // published exactly
                    1 => ((v - 2.0).max(0.0), v + 2.0),    // published rounded
                    2 => (0.0_f64.min(v), f64::INFINITY),  // a complement
                    3 => (1.0_f64.min(v), 4.0_f64.max(v)), // a primary, 1 to 4
                    _ => ((v - 1.0).max(0.0), f64::INFINITY),
                };
                lo.push(l);
                hi.push(h);
            }
            let arcs = (0..=parts)
                .map(|a| if a < parts { (0, 1) } else { (1, 0) })
                .collect();
            let net = Network {
                n_nodes: 2,
                arcs,
                x,
                lo,
                hi,
            };
            let audited: Vec<usize> = (0..=parts).collect();
            let star = net.star_intervals(&audited).unwrap();
            for flow_bounds in [true, false] {
                let searched = net.searched_intervals(&audited, flow_bounds).unwrap();
                assert_eq!(
                    star, searched,
                    "case {case}, flow bounds {flow_bounds}: {net:?}"
                );
            }
        }
    }
}
