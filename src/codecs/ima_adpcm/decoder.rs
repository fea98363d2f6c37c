//! The streaming IMA ADPCM decoder and the batch [`decode_all`].

use super::blocks::DecoderCore;
use super::{decode_block, ImaParams};
use crate::codecs::block::{BlockDecoder, BlockLayout};
use crate::codecs::Decoder;
use crate::simd::SimdLevel;
use crate::stream::{Flush, Progress};
use crate::Result;

/// Streaming IMA ADPCM decoder: bytes in any chunking, interleaved `i16` out.
///
/// ```
/// use aquant::codecs::ima_adpcm::{ImaDecoder, ImaParams};
/// use aquant::codecs::Decoder;
/// use aquant::Flush;
///
/// let params = ImaParams::new(1, 8).unwrap(); // header + one group: 9 frames
/// let block = [0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]; // start at 16, 8 zero codes
/// let mut dec = ImaDecoder::new(params);
/// let mut out = [0i16; 16];
/// let p = dec.decode(&block, &mut out, Flush::Finish).unwrap();
/// assert_eq!(p.produced, 9);
/// assert_eq!(out[..9], [16; 9]); // code 0 adds step >> 3, which is 0 at step 7 (index 0)
/// ```
#[derive(Debug, Clone)]
pub struct ImaDecoder {
    params: ImaParams,
    core: DecoderCore,
    warnings: u64,
}

impl ImaDecoder {
    /// A decoder for blocks laid out as `params` says.
    pub fn new(params: ImaParams) -> Self {
        Self {
            params,
            core: DecoderCore::new(
                params.channels(),
                params.samples_per_block(),
                params.block_align(),
            ),
            warnings: 0,
        }
    }

    /// Stops the output after `frames` frames (the WAV `fact` length), or never with `None`.
    /// A length beyond what the data holds changes nothing.
    pub fn with_total_frames(mut self, frames: Option<u64>) -> Self {
        self.core.set_total_frames(frames);
        self
    }

    /// The block layout.
    pub fn params(&self) -> &ImaParams {
        &self.params
    }
}

impl Decoder for ImaDecoder {
    fn decode(&mut self, input: &[u8], output: &mut [i16], flush: Flush) -> Result<Progress> {
        let (params, warnings) = (&self.params, &mut self.warnings);
        Ok(self.core.decode(input, output, flush, |bytes, pcm| {
            decode_block(params, bytes, pcm, warnings)
        }))
    }

    fn reset(&mut self) {
        self.core.reset();
        self.warnings = 0;
    }

    fn channels(&self) -> usize {
        self.params.channels()
    }

    fn warnings(&self) -> u64 {
        self.warnings
    }
}

/// Decodes a whole stream at once, blocks in parallel; the output is the streaming decoder's.
/// Returns the interleaved samples (cut at `total_frames` if given) and the warning count.
pub fn decode_all(params: &ImaParams, bytes: &[u8], total_frames: Option<u64>) -> (Vec<i16>, u64) {
    super::blocks::decode_blocks_parallel(
        params.channels(),
        params.samples_per_block(),
        params.block_align(),
        bytes,
        total_frames,
        |block, pcm, warnings| decode_block(params, block, pcm, warnings),
    )
}

/// The IMA [`BlockDecoder`]: pure whole-block decoding, the streaming decoder's arithmetic.
#[derive(Debug, Clone)]
pub struct ImaBlockDecoder {
    params: ImaParams,
    level: SimdLevel,
}

impl ImaBlockDecoder {
    /// A block decoder for blocks laid out as `params` says.
    pub fn new(params: ImaParams) -> Self {
        Self::with_level(params, SimdLevel::select())
    }

    /// As [`new`](Self::new), with the kernel at `level` (clamped to this CPU).
    pub fn with_level(params: ImaParams, level: SimdLevel) -> Self {
        Self {
            params,
            level: level.clamp_to_cpu(),
        }
    }
}

impl BlockDecoder for ImaBlockDecoder {
    fn layout(&self) -> BlockLayout {
        self.params.block_layout()
    }

    fn decode_blocks(&self, bytes: &[u8], pcm: &mut [i16]) -> u64 {
        super::kernels::decode_blocks(self.level, &self.params, bytes, pcm)
    }

    fn decode_tail(&self, bytes: &[u8], pcm: &mut [i16]) -> (usize, u64) {
        let mut warnings = 0;
        let frames = decode_block(&self.params, bytes, pcm, &mut warnings);
        (frames, warnings)
    }
}
