//! Input and output PCM format conversion of G.726 (§4.2.1 EXPAND, §4.2.8 COMPRESS and SYNC).
//!
//! The G.711 conversions here are the ones G.726 defines, on its 14-bit uniform scale (A-law
//! values doubled). Internally an A-law octet is held *without* the even-bit inversion
//! (transmitted octet XOR 0x55); a mu-law octet is held as transmitted. In both, bit 7 set means
//! a positive value.

use super::adpcm::RateTables;

/// Companding law of the PCM side of a G.726 coder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PcmLaw {
    /// G.711 mu-law octets.
    MuLaw,
    /// G.711 A-law octets (as transmitted, with the even bits inverted).
    ALaw,
}

/// Transmitted octet to the internal form.
#[inline]
pub(crate) fn to_internal(law: PcmLaw, octet: u8) -> u8 {
    match law {
        PcmLaw::MuLaw => octet,
        PcmLaw::ALaw => octet ^ 0x55,
    }
}

/// Internal form back to the transmitted octet.
#[inline]
pub(crate) fn to_transmitted(law: PcmLaw, code: u8) -> u8 {
    to_internal(law, code)
}

/// Block EXPAND: an internal-form octet to the 14-bit uniform value `SL`.
#[inline]
pub(crate) fn expand(law: PcmLaw, code: u8) -> i32 {
    let positive = code & 0x80 != 0;
    let magnitude = match law {
        PcmLaw::MuLaw => {
            let index = (!code & 0x7F) as i32;
            (((index & 15) * 2 + 33) << (index >> 4)) - 33
        }
        PcmLaw::ALaw => {
            let index = (code & 0x7F) as i32;
            let (segment, mantissa) = (index >> 4, index & 15);
            let magnitude13 = if segment == 0 {
                mantissa * 2 + 1
            } else {
                (mantissa * 2 + 33) << (segment - 1)
            };
            magnitude13 << 1
        }
    };
    if positive {
        magnitude
    } else {
        -magnitude
    }
}

/// Block COMPRESS: the reconstructed signal `SR` (16-bit two's complement) to an internal-form
/// octet.
#[inline]
pub(crate) fn compress(law: PcmLaw, sr: i16) -> u8 {
    let negative = sr < 0;
    // The Recommendation's magnitude word is 15 bits: -32768 has magnitude 0.
    let magnitude = if negative {
        (-(sr as i32)) & 0x7FFF
    } else {
        sr as i32
    };
    match law {
        PcmLaw::ALaw => {
            // -32768 is taken as magnitude 2 (STL v2.0 correction, needed for test ri40fa).
            let magnitude = if sr == i16::MIN { 2 } else { magnitude };
            // To the 13-bit A-law scale: negative values round towards minus infinity.
            let m = if negative {
                ((magnitude + 1) >> 1) - 1
            } else {
                magnitude >> 1
            }
            .min(4095);
            let (segment, mantissa) = if m < 32 {
                (0, m >> 1)
            } else {
                let segment = 32 - (m as u32).leading_zeros() as i32 - 5;
                (segment, (m >> segment) & 15)
            };
            ((segment << 4 | mantissa) as u8) | if negative { 0 } else { 0x80 }
        }
        PcmLaw::MuLaw => {
            let biased = magnitude.min(8158) + 33;
            let segment = 32 - (biased as u32).leading_zeros() as i32 - 6;
            let mantissa = (biased >> (segment + 1)) & 15;
            let code = (segment << 4 | mantissa) as u8 | if negative { 0x80 } else { 0 };
            code ^ 0xFF
        }
    }
}

/// Block SYNC: the synchronous coding adjustment. `sp` is the decoder's PCM output (internal
/// form), `code` the received codeword and `requantized` the codeword the encoder would produce
/// for `sp`. If they differ, `sp` moves one PCM step towards agreement, so that tandem
/// ADPCM-PCM-ADPCM links do not accumulate distortion.
#[inline]
pub(crate) fn synchronous_adjust(
    tables: &RateTables,
    law: PcmLaw,
    sp: u8,
    code: u8,
    requantized: u8,
) -> u8 {
    let id = tables.rank(requantized);
    let im = tables.rank(code);
    let mut positive = sp & 0x80 != 0;
    let mut mask = sp & 0x7F;
    use std::cmp::Ordering::*;
    match (law, id.cmp(&im)) {
        (_, Equal) => {}
        // The requantized code is too large: the next lower PCM value.
        (PcmLaw::ALaw, Greater) => {
            if positive && mask == 0 {
                positive = false;
            } else if positive {
                mask -= 1;
            } else if mask != 127 {
                mask += 1;
            }
        }
        (PcmLaw::ALaw, Less) => {
            if !positive && mask == 0 {
                positive = true;
            } else if !positive {
                mask -= 1;
            } else if mask != 127 {
                mask += 1;
            }
        }
        // mu-law magnitudes are stored inverted (127 is zero).
        (PcmLaw::MuLaw, Greater) => {
            if positive && mask == 127 {
                positive = false;
                mask -= 1;
            } else if positive {
                mask += 1;
            } else {
                mask = mask.saturating_sub(1);
            }
        }
        (PcmLaw::MuLaw, Less) => {
            if !positive && mask == 127 {
                positive = true;
            } else if !positive {
                mask += 1;
            } else {
                mask = mask.saturating_sub(1);
            }
        }
    }
    mask | if positive { 0x80 } else { 0 }
}
