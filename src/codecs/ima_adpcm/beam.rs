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
