//! The reference greedy kernel: [`nearest_code`] per sample, chains interleaved so the CPU
//! overlaps their latencies.

// Lane loops index several per-lane arrays by the lane number.
#![allow(clippy::needless_range_loop)]

use super::{Chains, LANES};
use crate::codecs::ima_adpcm::encoder::nearest_code;
use crate::codecs::ima_adpcm::{decode_block, ImaParams};

pub(crate) fn greedy(c: &mut Chains) {
    for i in 0..c.len {
        for l in 0..c.active.min(LANES) {
            let x = c.samples[c.offsets[l] as usize + i] as i32;
            let (code, next, y) = nearest_code(&c.states[l], x);
            if let Some(codes) = c.codes.as_deref_mut() {
                codes[i * LANES + l] = code;
            }
            let e = (x - y) as i64;
            c.costs[l] += (e * e) as u64;
            c.states[l] = next;
        }
    }
}

/// The reference block decoder: [`decode_block`] on each whole block.
pub(crate) fn decode_blocks(params: &ImaParams, bytes: &[u8], pcm: &mut [i16]) -> u64 {
    let mut warnings = 0;
    for (block, pcm) in bytes
        .chunks_exact(params.block_align())
        .zip(pcm.chunks_exact_mut(params.samples_per_block() * params.channels()))
    {
        decode_block(params, block, pcm, &mut warnings);
    }
    warnings
}
