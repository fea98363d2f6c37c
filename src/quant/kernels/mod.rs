//! Kernels of the uniform quantizer: float32 → 16-bit container with dither, the hot path of
//! every conversion to CD-style PCM. One file per level; `scalar` is the reference that
//! `avx2` and `avx512` match bit for bit (same f32 operations in the same order, no FMA).

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use super::QuantStats;
use crate::dither::DitherKind;
use crate::simd::SimdLevel;
use crate::stream::ChannelPhase;

/// Lanes per step of the SIMD kernels (AVX2 runs two 8-lane halves per step).
pub(crate) const LANES: usize = 16;

/// Everything a kernel needs, prepared at construction.
pub(crate) struct F32ToI16<'a> {
    pub kind: DitherKind,
    /// Dither amplitude in LSB divided by 65536 (the generator's 16-bit unit).
    pub amp: f32,
    /// 2^(bits-1).
    pub scale: f32,
    /// Lowest and highest code at the target depth.
    pub min: f32,
    pub max: f32,
    /// Left shift from the target depth into the 16-bit container.
    pub shift: u32,
    /// Generator key per channel.
    pub keys: &'a [u32],
    /// One row per channel phase (the channel of a step's first sample).
    pub lanes: &'a [LaneRow],
}

/// What a 16-sample SIMD step starting at one channel phase needs, precomputed at construction
/// so the loop does no division.
#[derive(Debug, Clone)]
pub(crate) struct LaneRow {
    /// Generator key of each lane's channel.
    pub keys: [u32; LANES],
    /// Frame offset of each lane from the step's first frame.
    pub frames: [u32; LANES],
    /// Channel phase of the next step.
    pub next_channel: usize,
    /// Frames the next step starts after this one's first frame.
    pub frame_advance: u32,
}

impl LaneRow {
    /// The rows for `keys.len()` channels.
    pub fn table(keys: &[u32]) -> Vec<LaneRow> {
        let channels = keys.len();
        (0..channels)
            .map(|ph| LaneRow {
                keys: std::array::from_fn(|j| keys[(ph + j) % channels]),
                frames: std::array::from_fn(|j| ((ph + j) / channels) as u32),
                next_channel: (ph + LANES) % channels,
                frame_advance: ((ph + LANES) / channels) as u32,
            })
            .collect()
    }
}

/// Runs the kernel at `level` (which the caller has checked the CPU supports).
pub(crate) fn f32_to_i16(
    level: SimdLevel,
    k: &F32ToI16,
    phase: &mut ChannelPhase,
    input: &[f32],
    output: &mut [i16],
    stats: &mut QuantStats,
) {
    debug_assert_eq!(input.len(), output.len());
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => avx512::f32_to_i16(k, phase, input, output, stats),
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => avx2::f32_to_i16(k, phase, input, output, stats),
        _ => scalar::f32_to_i16(k, phase, input, output, stats),
    }
}
