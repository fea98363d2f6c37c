//! G.711 kernels: ITU encode and decode for both laws, one file per SIMD level. `scalar` is
//! the reference; `avx2` and `avx512` compute the same integer formulas and match it bit for
//! bit on every input. The nearest-level encoders are a 16 KiB table lookup at every level.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use crate::simd::SimdLevel;

/// Which encoder: law and rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Ulaw,
    Alaw,
    UlawNearest,
    AlawNearest,
}

/// Encodes `min(input.len(), output.len())` samples at `level`.
pub(crate) fn encode(level: SimdLevel, op: Op, input: &[i16], output: &mut [u8]) {
    let n = input.len().min(output.len());
    let (input, output) = (&input[..n], &mut output[..n]);
    match op {
        Op::UlawNearest => scalar::encode_with(input, output, scalar::ulaw_encode_nearest),
        Op::AlawNearest => scalar::encode_with(input, output, scalar::alaw_encode_nearest),
        Op::Ulaw | Op::Alaw => {
            let alaw = op == Op::Alaw;
            match level {
                #[cfg(target_arch = "x86_64")]
                SimdLevel::Avx512 => avx512::encode(alaw, input, output),
                #[cfg(target_arch = "x86_64")]
                SimdLevel::Avx2 => avx2::encode(alaw, input, output),
                _ if alaw => scalar::encode_alaw(input, output),
                _ => scalar::encode_ulaw(input, output),
            }
        }
    }
}

/// Decodes `min(input.len(), output.len())` codes at `level`.
pub(crate) fn decode(level: SimdLevel, alaw: bool, input: &[u8], output: &mut [i16]) {
    let n = input.len().min(output.len());
    let (input, output) = (&input[..n], &mut output[..n]);
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => avx512::decode(alaw, input, output),
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => avx2::decode(alaw, input, output),
        _ if alaw => scalar::decode_alaw(input, output),
        _ => scalar::decode_ulaw(input, output),
    }
}
