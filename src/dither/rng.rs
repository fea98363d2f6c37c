//! The counter-based dither generator.
//!
//! `hash(k ^ key[c])` with Chris Wellons' `lowbias32` integer hash: two multiplies, three
//! xor-shifts, a bijection on `u32` with low bias. Each value gives two independent 16-bit
//! uniforms (its high and low halves), which is all TPDF needs.

/// `lowbias32`: a well-mixing 32-bit bijection.
#[inline(always)]
pub fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// SplitMix64's finalizer: turns a seed and a channel into a channel key.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The key of channel `channel`'s generator under `seed`.
#[inline]
pub fn channel_key(seed: u64, channel: usize) -> u32 {
    (splitmix64(seed ^ (channel as u64).wrapping_mul(0xd1b5_4a32_d192_ed03)) >> 32) as u32
}

/// The raw 32-bit value of channel key `key` at frame `frame`.
#[inline(always)]
pub fn value(key: u32, frame: u32) -> u32 {
    lowbias32(frame ^ key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowbias32_known_values() {
        // First principles: lowbias32(0) is 0 (every step maps 0 to 0), and it is a bijection
        // on a sample of inputs.
        assert_eq!(lowbias32(0), 0);
        let mut seen = std::collections::HashSet::new();
        for i in 0..100_000u32 {
            assert!(seen.insert(lowbias32(i)));
        }
    }

    #[test]
    fn halves_are_uniform_and_uncorrelated() {
        let key = channel_key(7, 0);
        let n = 1 << 18;
        let (mut s_hi, mut s_lo, mut s_hl) = (0f64, 0f64, 0f64);
        for k in 0..n {
            let v = value(key, k);
            let hi = (v >> 16) as f64 / 65535.0 - 0.5;
            let lo = (v & 0xffff) as f64 / 65535.0 - 0.5;
            s_hi += hi;
            s_lo += lo;
            s_hl += hi * lo;
        }
        let n = n as f64;
        // Mean of a uniform on (-0.5, 0.5) has standard error 0.289/sqrt(n) ≈ 5.6e-4.
        assert!((s_hi / n).abs() < 3e-3);
        assert!((s_lo / n).abs() < 3e-3);
        // Correlation of independent uniforms: standard error 1/12/sqrt(n) ≈ 1.6e-4.
        assert!((s_hl / n).abs() < 1e-3);
    }
}
