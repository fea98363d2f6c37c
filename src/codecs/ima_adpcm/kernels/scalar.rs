//! The reference greedy kernel: [`nearest_code`] per sample, chains interleaved so the CPU
//! overlaps their latencies.

use super::{Chains, LANES};
use crate::codecs::ima_adpcm::encoder::nearest_code;

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
