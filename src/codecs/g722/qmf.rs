//! The 24-tap quadrature mirror filters of G.722 (§3.2 transmit, §4.4 receive).

use super::band::limit;

/// QMF coefficients (Table 11/G.722), times 2 as in the reference implementation.
const COEFFICIENTS: [i32; 24] = [
    6, -22, -22, 106, 24, -312, 64, 724, -420, -1610, 1902, 7752, 7752, 1902, -1610, -420, 724, 64,
    -312, 24, 106, -22, -22, 6,
];

/// The two polyphase dot products over a 24-sample delay line: even and odd taps.
#[inline]
fn polyphase(delay: &[i16; 24]) -> (i32, i32) {
    let (mut even, mut odd) = (0i32, 0i32);
    for (pair, coef) in delay.chunks_exact(2).zip(COEFFICIENTS.chunks_exact(2)) {
        // |sum| < 2^29 for any input: no overflow.
        even += coef[0] * pair[0] as i32;
        odd += coef[1] * pair[1] as i32;
    }
    (even, odd)
}

/// Transmit QMF: splits pairs of 16 kHz samples into one lower- and one higher-band sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Analysis {
    delay: [i16; 24],
    /// Whether the outputs are limited to 15 bits (block LIMIT of the ITU reference; ffmpeg
    /// does not limit them).
    limited: bool,
}

impl Analysis {
    pub(crate) const fn new(limited: bool) -> Self {
        Self {
            delay: [0; 24],
            limited,
        }
    }

    /// Clears the delay line.
    pub(crate) fn reset(&mut self) {
        self.delay = [0; 24];
    }

    /// Takes two consecutive input samples; returns `(xl, xh)`.
    #[inline]
    pub(crate) fn split(&mut self, first: i16, second: i16) -> (i16, i16) {
        self.delay[1] = first;
        self.delay[0] = second;
        let (even, odd) = polyphase(&self.delay);
        self.delay.copy_within(0..22, 2);
        // (even ± odd) · 2 >> 16 (|result| < 2^15: the sums stay below 2^31), then LIMIT.
        let low = (((even + odd) * 2) >> 16) as i16;
        let high = (((even - odd) * 2) >> 16) as i16;
        if self.limited {
            (limit(low), limit(high))
        } else {
            (low, high)
        }
    }
}

/// Receive QMF: merges one lower- and one higher-band sample into two 16 kHz samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Synthesis {
    delay: [i16; 24],
}

impl Synthesis {
    pub(crate) const fn new() -> Self {
        Self { delay: [0; 24] }
    }

    /// Takes `(rl, rh)` (each within the 15-bit range LIMIT gives); returns two output samples.
    #[inline]
    pub(crate) fn merge(&mut self, rl: i16, rh: i16) -> (i16, i16) {
        // |rl|, |rh| <= 16384, so neither sum nor difference overflows 16 bits.
        self.delay[1] = (rl as i32 + rh as i32).clamp(-32768, 32767) as i16;
        self.delay[0] = (rl as i32 - rh as i32).clamp(-32768, 32767) as i16;
        let (even, odd) = polyphase(&self.delay);
        self.delay.copy_within(0..22, 2);
        // L_shl(acc, 4) saturates at 32 bits; then the high half.
        let scale = |acc: i32| ((acc as i64) << 4).clamp(i32::MIN as i64, i32::MAX as i64) >> 16;
        (scale(even) as i16, scale(odd) as i16)
    }
}
