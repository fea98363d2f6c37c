//! A beam (M-best trellis) search over the codes of a backward-adaptive ADPCM coder, shared by
//! the IMA and MS encoders.
//!
//! The decoder is a deterministic state machine driven by 4-bit codes, so the encoder can keep
//! the `width` cheapest code sequences found so far (ranked by squared error against the input)
//! and extend each with a few codes near the locally best one. Paths that reach the same decoder
//! state are merged (only the cheaper survives: their futures are identical). Width 1 with one
//! candidate is the greedy encoder.

/// Most codes a model proposes per node.
pub(crate) const MAX_CANDIDATES: usize = 5;

/// A backward-adaptive decoder model the beam can drive.
pub(crate) trait BeamModel {
    /// Decoder state after a sample.
    type State: Copy + PartialEq;
    /// Writes up to [`MAX_CANDIDATES`] candidate codes for coding `target` from `state`, best guess first, and
    /// returns how many it wrote.
    fn candidates(
        &self,
        state: &Self::State,
        target: i32,
        codes: &mut [u8; MAX_CANDIDATES],
    ) -> usize;
    /// Whether two states count as one for the beam (the cheaper survives). Exact equality
    /// merges only paths with identical futures; a coarser test keeps the beam diverse.
    #[inline(always)]
    fn merges(&self, a: &Self::State, b: &Self::State) -> bool {
        a == b
    }
    /// Decodes `code` from `state`: the new state and the reconstructed sample.
    fn advance(&self, state: &Self::State, code: u8) -> (Self::State, i32);
}

#[derive(Clone, Copy)]
struct Node<S> {
    state: S,
    cost: u64,
}

#[derive(Clone, Copy)]
struct Candidate {
    parent: u16,
    code: u8,
}

/// Beam storage, sized at construction for a width and a longest block.
pub(crate) struct Beam<S> {
    width: usize,
    nodes: Vec<Node<S>>,
    next: Vec<Node<S>>,
    candidates: Vec<Candidate>,
    /// `parent[t * width + j]`: which node of step `t - 1` node `j` of step `t` extends.
    parent: Vec<u16>,
    code: Vec<u8>,
}

impl<S: Copy + PartialEq + Default> Beam<S> {
    /// Storage for beams of `width` (1..=1024) over at most `max_len` coded samples.
    pub(crate) fn new(width: usize, max_len: usize) -> Self {
        let width = width.clamp(1, 1024);
        let zero = Node {
            state: S::default(),
            cost: 0,
        };
        Self {
            width,
            nodes: vec![zero; width],
            next: vec![zero; width],
            candidates: vec![Candidate { parent: 0, code: 0 }; width],
            parent: vec![0; width * (max_len + 1)],
            code: vec![0; width * (max_len + 1)],
        }
    }

    /// Codes `targets` starting from any of `roots` (at most `width` of them); writes the best
    /// code sequence to `codes_out` and returns (index of the chosen root, its squared error).
    pub(crate) fn search<M: BeamModel<State = S>>(
        &mut self,
        model: &M,
        roots: &[S],
        targets: &[i16],
        codes_out: &mut [u8],
    ) -> (usize, u64) {
        let width = self.width;
        let len = targets.len();
        debug_assert!(self.parent.len() >= width * (len + 1));
        let mut live = roots.len().min(width).max(1);
        for (j, r) in roots.iter().take(live).enumerate() {
            self.nodes[j] = Node { state: *r, cost: 0 };
            self.parent[j] = j as u16;
        }
        let mut codes = [0u8; MAX_CANDIDATES];
        for (t, &x) in targets.iter().enumerate() {
            let x = x as i32;
            // `next[..kept]` holds the best distinct extensions so far, sorted by cost;
            // `candidates[i]` records how `next[i]` was reached.
            let mut kept = 0;
            for j in 0..live {
                let node = self.nodes[j];
                let n = model.candidates(&node.state, x, &mut codes);
                for &code in &codes[..n] {
                    let (state, y) = model.advance(&node.state, code);
                    let e = (x - y) as i64;
                    let cost = node.cost + (e * e) as u64;
                    if kept == width && cost >= self.next[kept - 1].cost {
                        continue;
                    }
                    // A path to a state already kept: only the cheaper one can matter.
                    let mut slot = kept;
                    if let Some(dup) = self.next[..kept]
                        .iter()
                        .position(|m| model.merges(&m.state, &state))
                    {
                        if self.next[dup].cost <= cost {
                            continue;
                        }
                        slot = dup;
                    } else if kept < width {
                        kept += 1;
                    } else {
                        slot = kept - 1;
                    }
                    // Move `slot` down to its sorted place.
                    let mut i = slot;
                    while i > 0 && self.next[i - 1].cost > cost {
                        self.next[i] = self.next[i - 1];
                        self.candidates[i] = self.candidates[i - 1];
                        i -= 1;
                    }
                    self.next[i] = Node { state, cost };
                    self.candidates[i] = Candidate {
                        parent: j as u16,
                        code,
                    };
                }
            }
            let row = (t + 1) * width;
            for i in 0..kept {
                self.parent[row + i] = self.candidates[i].parent;
                self.code[row + i] = self.candidates[i].code;
            }
            live = kept;
            std::mem::swap(&mut self.nodes, &mut self.next);
        }
        // Best final node, then walk back to its root.
        let (mut j, cost) = self.nodes[..live]
            .iter()
            .enumerate()
            .min_by_key(|(_, n)| n.cost)
            .map(|(j, n)| (j, n.cost))
            .unwrap_or((0, 0));
        for t in (1..=len).rev() {
            let slot = t * width + j;
            codes_out[t - 1] = self.code[slot];
            j = self.parent[slot] as usize;
        }
        (j, cost)
    }
}

/// A [`BeamModel`] whose states fall into a few classes (buckets) that the bucketed beam keeps
/// apart.
pub(crate) trait BucketModel: BeamModel {
    /// How many buckets there are.
    const BUCKETS: usize;
    /// The bucket of `state`, below [`BUCKETS`](Self::BUCKETS).
    fn bucket(&self, state: &Self::State) -> usize;
    /// Where `state` lies within its bucket: two states of one bucket whose positions differ
    /// by at most the bucket's [`tolerance`](Self::tolerance) count as one (the cheaper
    /// survives). Tolerance 0 must mean equal states.
    fn position(&self, state: &Self::State) -> i32;
    /// See [`position`](Self::position).
    fn tolerance(&self, bucket: usize) -> i32;
}

/// A path kept in a bucket: its cost, state and how it was reached.
#[derive(Clone, Copy)]
struct Entry<S> {
    cost: u64,
    state: S,
    parent: u16,
    code: u8,
}

/// Most paths a [`BucketBeam`] keeps per bucket.
pub(crate) const MAX_BUCKET_CAP: usize = 16;

/// A beam that keeps the `cap` cheapest paths in each bucket instead of the cheapest overall.
///
/// A plain M-best beam fills up with near copies of one trajectory: the paths a few units of
/// error behind it, often with a step size that will cost far more later, are pruned first.
/// Keeping the best few per bucket (for IMA, per step index) keeps alternative adaptation
/// histories alive at a fraction of the width: on speech, 4 per step index (about 40 paths)
/// code better than a 64-wide M-best beam. Every operation per candidate is O(`cap`).
pub(crate) struct BucketBeam<S> {
    cap: usize,
    buckets: usize,
    /// Most nodes a step keeps (`cap * buckets`).
    row: usize,
    count: Vec<u8>,
    /// The buckets holding paths this step, in the order they were first filled: only these
    /// are gathered and cleared (a step touches a few of the buckets).
    touched: Vec<u16>,
    touched_len: usize,
    /// Bucket `b`'s paths, cheapest first, at `b * cap..` (one bucket's paths share a few
    /// cache lines).
    entries: Vec<Entry<S>>,
    /// The live nodes' states (their costs and history are in `paths`).
    state: Vec<S>,
    paths: Paths,
}

/// The live nodes' costs and every step's back pointers of a bucketed search: the storage the
/// scalar [`BucketBeam`] and the SIMD kernels' searches share, with the seeding of the roots
/// and the walk back from the cheapest final node, which they do alike.
pub(crate) struct Paths {
    /// Most nodes a step keeps.
    row: usize,
    /// The live nodes' costs, padded to whole kernel groups.
    pub(crate) cost: Vec<u64>,
    /// `parent[t * row + j]`: which node of step `t - 1` node `j` of step `t` extends.
    pub(crate) parent: Vec<u16>,
    /// `code[t * row + j]`: the code that extends it.
    pub(crate) code: Vec<u8>,
}

impl Paths {
    /// Storage for `row` nodes a step (costs padded to a multiple of `group`) over at most
    /// `max_len` coded samples, with one slot of slack after the last step's row (the SIMD
    /// gathers write one node past the last kept one).
    pub(crate) fn new(row: usize, group: usize, max_len: usize) -> Self {
        Self {
            row,
            cost: vec![0; row.next_multiple_of(group.max(1))],
            parent: vec![0; row * (max_len + 1) + 1],
            code: vec![0; row * (max_len + 1) + 1],
        }
    }

    /// Most nodes a step keeps.
    #[inline(always)]
    pub(crate) fn row(&self) -> usize {
        self.row
    }

    /// Whether a search of `len` samples fits the storage and `codes_out`.
    #[inline(always)]
    pub(crate) fn fits(&self, len: usize, codes_out: &[u8]) -> bool {
        codes_out.len() >= len && self.parent.len() >= self.row * (len + 1)
    }

    /// Makes the first `row` of `roots` (a default root when there are none) the nodes of
    /// step 0 at cost 0, each its own parent; `place(j, root)` stores node `j`'s state.
    /// Returns how many nodes are live.
    #[inline(always)]
    pub(crate) fn seed_roots<R: Copy + Default>(
        &mut self,
        roots: &[R],
        mut place: impl FnMut(usize, R),
    ) -> usize {
        let live = roots.len().min(self.row).max(1);
        for j in 0..live {
            self.cost[j] = 0;
            self.parent[j] = j as u16;
            place(j, roots.get(j).copied().unwrap_or_default());
        }
        live
    }

    /// Writes the codes of the cheapest of the `live` final nodes (the first on a tie) after
    /// `len` steps to `codes_out`; returns (index of its root, its squared error).
    pub(crate) fn backtrack(&self, live: usize, len: usize, codes_out: &mut [u8]) -> (usize, u64) {
        let mut best = 0;
        for j in 1..live {
            if self.cost[j] < self.cost[best] {
                best = j;
            }
        }
        let cost = if len == 0 { 0 } else { self.cost[best] };
        let mut j = best;
        for t in (1..=len).rev() {
            let slot = t * self.row + j;
            codes_out[t - 1] = self.code[slot];
            j = self.parent[slot] as usize;
        }
        (j, cost)
    }
}

impl<S: Copy + PartialEq + Default> BucketBeam<S> {
    /// Storage for `cap` (1..=[`MAX_BUCKET_CAP`]) paths in each of `buckets` buckets over at
    /// most `max_len` coded samples.
    pub(crate) fn new(cap: usize, buckets: usize, max_len: usize) -> Self {
        let cap = cap.clamp(1, MAX_BUCKET_CAP);
        let buckets = buckets.max(1);
        let row = cap * buckets;
        Self {
            cap,
            buckets,
            row,
            count: vec![0; buckets],
            touched: vec![0; buckets],
            touched_len: 0,
            entries: vec![
                Entry {
                    cost: 0,
                    state: S::default(),
                    parent: 0,
                    code: 0
                };
                row
            ],
            state: vec![S::default(); row],
            paths: Paths::new(row, 1, max_len),
        }
    }

    /// Offers a path to `state` at `cost` (reached from node `parent` by `code`) to its bucket.
    /// States within the bucket's tolerance count as one (the cheaper survives, the earlier on
    /// a tie); a full bucket drops its dearest path for a cheaper one.
    #[inline(always)]
    fn offer<M: BucketModel<State = S>>(
        &mut self,
        model: &M,
        bucket: usize,
        cost: u64,
        state: S,
        parent: u16,
        code: u8,
    ) {
        let cap = self.cap;
        let base = bucket * cap;
        let n = self.count[bucket] as usize;
        // A full bucket whose dearest path is no dearer keeps everything it has: a copy of one
        // of its states at this cost would lose the merge too.
        let entries = &mut self.entries[base..base + cap];
        if n == cap && cost >= entries[n - 1].cost {
            return;
        }
        let mut slot = n;
        let (position, tolerance) = (model.position(&state), model.tolerance(bucket));
        for (k, entry) in entries[..n].iter().enumerate() {
            if (model.position(&entry.state) - position).abs() <= tolerance {
                if entry.cost <= cost {
                    return;
                }
                slot = k;
                break;
            }
        }
        if slot == n {
            if n == cap {
                slot = n - 1;
            } else {
                if n == 0 {
                    self.touched[self.touched_len] = bucket as u16;
                    self.touched_len += 1;
                }
                self.count[bucket] += 1;
            }
        }
        // Move the slot down to its sorted place.
        let mut i = slot;
        while i > 0 && entries[i - 1].cost > cost {
            entries[i] = entries[i - 1];
            i -= 1;
        }
        entries[i] = Entry {
            cost,
            state,
            parent,
            code,
        };
    }

    /// Codes `targets` starting from any of `roots` (at most `cap * buckets` of them); writes the
    /// best code sequence to `codes_out` and returns (index of the chosen root, its squared
    /// error).
    pub(crate) fn search<M: BucketModel<State = S>>(
        &mut self,
        model: &M,
        roots: &[S],
        targets: &[i16],
        codes_out: &mut [u8],
    ) -> (usize, u64) {
        debug_assert!(M::BUCKETS <= self.buckets);
        let len = targets.len();
        debug_assert!(self.paths.fits(len, codes_out));
        let state = &mut self.state;
        let mut live = self.paths.seed_roots(roots, |j, root| state[j] = root);
        let mut codes = [0u8; MAX_CANDIDATES];
        for (t, &x) in targets.iter().enumerate() {
            let x = x as i32;
            for j in 0..live {
                let (node, cost) = (self.state[j], self.paths.cost[j]);
                let n = model.candidates(&node, x, &mut codes);
                for &code in &codes[..n] {
                    let (state, y) = model.advance(&node, code);
                    let e = (x - y) as i64;
                    let bucket = model.bucket(&state);
                    self.offer(model, bucket, cost + (e * e) as u64, state, j as u16, code);
                }
            }
            // The survivors become the next step's nodes, every bucket's cheapest first, then
            // every bucket's second...: expanding good paths first fills the buckets with good
            // paths early, so most later offers are turned away by one comparison.
            let row = (t + 1) * self.row;
            live = 0;
            for rank in 0..self.cap {
                let before = live;
                for &b in &self.touched[..self.touched_len] {
                    let b = b as usize;
                    if (self.count[b] as usize) > rank {
                        let e = self.entries[b * self.cap + rank];
                        self.paths.cost[live] = e.cost;
                        self.state[live] = e.state;
                        self.paths.parent[row + live] = e.parent;
                        self.paths.code[row + live] = e.code;
                        live += 1;
                    }
                }
                if live == before {
                    break;
                }
            }
            for &b in &self.touched[..self.touched_len] {
                self.count[b as usize] = 0;
            }
            self.touched_len = 0;
        }
        self.paths.backtrack(live, len, codes_out)
    }
}
