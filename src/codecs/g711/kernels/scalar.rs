//! Scalar G.711: the reference every SIMD level matches bit for bit.
//!
//! The encoders follow ITU-T G.711 as its G.191 reference implementation realises it: the
//! 16-bit input is reduced to the law's uniform input (14 bits for mu-law, 13 for A-law) by
//! truncating the **one's complement** magnitude (`!x` for negative `x`), then the segment is
//! the position of the highest set bit. The decoders return the middle of each quantisation
//! interval, scaled to 16 bits.

/// Bits needed to write `v` (0 for 0).
#[inline(always)]
fn bit_length(v: i32) -> i32 {
    32 - (v as u32).leading_zeros() as i32
}

/// ITU mu-law code of a 16-bit sample.
#[inline(always)]
pub(crate) fn ulaw_encode(x: i16) -> u8 {
    let x = x as i32;
    let negative = x >> 31; // 0 or -1
                            // 14-bit magnitude plus the mu-law bias of 33, saturated at the top of segment 8.
    let biased = (((x ^ negative) >> 2) + 33).min(0x1FFF);
    let segment = bit_length(biased) - 5; // 1..=8
    let level = (segment << 4) + (biased >> segment) - 32; // 0..=127, increasing magnitude
                                                           // Codes are transmitted inverted; the sign bit is set for positive samples.
    (level ^ (0xFF ^ (negative & 0x80))) as u8
}

/// ITU A-law code of a 16-bit sample (with the even-bit inversion, so +0 is 0xD5).
#[inline(always)]
pub(crate) fn alaw_encode(x: i16) -> u8 {
    let x = x as i32;
    let negative = x >> 31;
    let magnitude = (x ^ negative) >> 4; // 12-bit magnitude (13-bit input with sign)
    let exponent = (bit_length(magnitude) - 5).max(0);
    let level = (exponent << 4) + (magnitude >> exponent); // 0..=127
    ((level | (!negative & 0x80)) ^ 0x55) as u8
}

/// 16-bit value of a mu-law code.
#[inline(always)]
pub(crate) const fn ulaw_decode(code: u8) -> i16 {
    let m = !code as i32;
    let exponent = (m >> 4) & 7;
    let mantissa = m & 15;
    let magnitude = ((2 * mantissa + 33) << (exponent + 2)) - 132;
    (if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }) as i16
}

/// 16-bit value of an A-law code.
#[inline(always)]
pub(crate) const fn alaw_decode(code: u8) -> i16 {
    let m = (code ^ 0x55) as i32;
    let exponent = (m >> 4) & 7;
    let mantissa = m & 15;
    let magnitude = if exponent == 0 {
        (2 * mantissa + 1) << 3
    } else {
        (2 * mantissa + 33) << (exponent + 2)
    };
    (if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }) as i16
}

/// Encodes with `f`, one sample at a time.
#[inline(always)]
pub(crate) fn encode_with(input: &[i16], output: &mut [u8], f: impl Fn(i16) -> u8) {
    for (x, o) in input.iter().zip(output.iter_mut()) {
        *o = f(*x);
    }
}

/// Decodes with `f`, one code at a time.
#[inline(always)]
pub(crate) fn decode_with(input: &[u8], output: &mut [i16], f: impl Fn(u8) -> i16) {
    for (c, o) in input.iter().zip(output.iter_mut()) {
        *o = f(*c);
    }
}

pub(crate) fn encode_ulaw(input: &[i16], output: &mut [u8]) {
    encode_with(input, output, ulaw_encode)
}

pub(crate) fn encode_alaw(input: &[i16], output: &mut [u8]) {
    encode_with(input, output, alaw_encode)
}

/// Every code's value, for the table-driven slice decoders (faster than the arithmetic
/// in scalar code; built from the same formulas at compile time).
const fn decode_table(alaw: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = if alaw {
            alaw_decode(c as u8)
        } else {
            ulaw_decode(c as u8)
        };
        c += 1;
    }
    t
}

static ULAW_DECODE: [i16; 256] = decode_table(false);
static ALAW_DECODE: [i16; 256] = decode_table(true);

pub(crate) fn decode_ulaw(input: &[u8], output: &mut [i16]) {
    decode_with(input, output, |c| ULAW_DECODE[c as usize])
}

pub(crate) fn decode_alaw(input: &[u8], output: &mut [i16]) {
    decode_with(input, output, |c| ALAW_DECODE[c as usize])
}

/// Table size of the nearest-level encoders: one entry per 14-bit input.
pub(crate) const NEAREST_TABLE_LEN: usize = 1 << 14;

/// The nearest-level encoder as a table indexed by `(x >> 2) + 8192`: the 14-bit input
/// `s = x >> 2` gets the code whose reconstruction level is nearest to `4·s`, ties going to
/// the larger magnitude, and the sign of `s` (0 is positive).
const fn nearest_table(alaw: bool) -> [u8; NEAREST_TABLE_LEN] {
    // Positive codes in order of increasing magnitude, and their levels.
    let mut codes = [0u8; 128];
    let mut levels = [0i32; 128];
    let mut i = 0;
    while i < 128 {
        let code = if alaw {
            (i as u8 | 0x80) ^ 0x55
        } else {
            0xFF ^ i as u8
        };
        codes[i] = code;
        levels[i] = if alaw {
            alaw_decode(code) as i32
        } else {
            ulaw_decode(code) as i32
        };
        i += 1;
    }
    let mut table = [0u8; NEAREST_TABLE_LEN];
    let mut s: i32 = -8192;
    let mut level = 0;
    let mut last_magnitude = 0;
    while s < 8192 {
        let magnitude = 4 * if s < 0 { -s } else { s };
        // Levels only grow with the magnitude, so restart the walk on a sign change.
        if magnitude < last_magnitude {
            level = 0;
        }
        last_magnitude = magnitude;
        while level < 127 && 2 * magnitude >= levels[level] + levels[level + 1] {
            level += 1;
        }
        let code = codes[level];
        table[(s + 8192) as usize] = if s < 0 { code & 0x7F } else { code };
        s += 1;
    }
    table
}

pub(crate) static ULAW_NEAREST: [u8; NEAREST_TABLE_LEN] = nearest_table(false);
pub(crate) static ALAW_NEAREST: [u8; NEAREST_TABLE_LEN] = nearest_table(true);

/// Nearest-level mu-law code of a 16-bit sample.
#[inline(always)]
pub(crate) fn ulaw_encode_nearest(x: i16) -> u8 {
    ULAW_NEAREST[((x >> 2) as i32 + 8192) as usize]
}

/// Nearest-level A-law code of a 16-bit sample.
#[inline(always)]
pub(crate) fn alaw_encode_nearest(x: i16) -> u8 {
    ALAW_NEAREST[((x >> 2) as i32 + 8192) as usize]
}
