//! The streaming MS ADPCM decoder and the batch [`decode_all`].

use super::{decode_block, MsParams};
use crate::codecs::ima_adpcm::blocks::DecoderCore;
use crate::codecs::Decoder;
use crate::simd::SimdLevel;
use crate::stream::{Flush, Progress};
use crate::Result;

/// Streaming MS ADPCM decoder: bytes in any chunking, interleaved `i16` out.
///
/// ```
/// use aquant::codecs::ms_adpcm::{MsDecoder, MsParams};
/// use aquant::codecs::Decoder;
/// use aquant::Flush;
///
/// let params = MsParams::new(1, 8).unwrap(); // 7-byte header + 2 codes: 4 frames
/// // pair 0 (s1), delta 16, sample 1 = 100, sample 0 = 90, codes +1 then 0
/// let block = [0, 16, 0, 100, 0, 90, 0, 0x10];
/// let mut dec = MsDecoder::new(params);
/// let mut out = [0i16; 8];
/// let p = dec.decode(&block, &mut out, Flush::Finish).unwrap();
/// assert_eq!(p.produced, 4);
/// assert_eq!(out[..4], [90, 100, 116, 116]);
/// ```
#[derive(Debug, Clone)]
pub struct MsDecoder {
    params: MsParams,
    core: DecoderCore,
    warnings: u64,
}

impl MsDecoder {
    /// A decoder for blocks laid out as `params` says.
    pub fn new(params: MsParams) -> Self {
        Self {
            core: DecoderCore::new(
                params.channels(),
                params.samples_per_block(),
                params.block_align(),
            ),
            params,
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
    pub fn params(&self) -> &MsParams {
        &self.params
    }
}

impl Decoder for MsDecoder {
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
pub fn decode_all(params: &MsParams, bytes: &[u8], total_frames: Option<u64>) -> (Vec<i16>, u64) {
    crate::codecs::ima_adpcm::blocks::decode_blocks_parallel(
        params.channels(),
        params.samples_per_block(),
        params.block_align(),
        bytes,
        total_frames,
        |block, pcm, warnings| decode_block(params, block, pcm, warnings),
    )
}

/// MS ADPCM as a block codec: decodes any number of whole blocks at once, without state
/// between blocks (`&self`), so blocks can be split over threads. Output and warnings equal
/// the streaming [`MsDecoder`]'s.
///
/// ```
/// use aquant::codecs::ms_adpcm::{MsBlockDecoder, MsParams};
///
/// let params = MsParams::new(1, 8).unwrap(); // 4 frames per block
/// let dec = MsBlockDecoder::new(params);
/// let blocks = [0, 16, 0, 100, 0, 90, 0, 0x10, /* block 2 */ 0, 16, 0, 5, 0, 6, 0, 0];
/// let mut pcm = [0i16; 8];
/// assert_eq!(dec.decode_blocks(&blocks, &mut pcm), 0);
/// assert_eq!(pcm, [90, 100, 116, 116, 6, 5, 5, 5]);
/// ```
#[derive(Debug, Clone)]
pub struct MsBlockDecoder {
    params: MsParams,
    level: SimdLevel,
}

impl MsBlockDecoder {
    /// A block decoder for `params`, its kernel at [`SimdLevel::select`].
    pub fn new(params: MsParams) -> Self {
        Self::with_level(params, SimdLevel::select())
    }

    /// As [`new`](Self::new), with the kernel at `level` (clamped to this CPU).
    pub fn with_level(params: MsParams, level: SimdLevel) -> Self {
        Self {
            params,
            level: level.clamp_to_cpu(),
        }
    }

    /// The block layout.
    pub fn params(&self) -> &MsParams {
        &self.params
    }

    /// Decodes `n` whole blocks: `bytes` holds `n · block_align` bytes and `pcm`
    /// `n · samples_per_block · channels` samples (anything beyond whole blocks is left
    /// alone). Returns the corrupt-data events, counted as [`MsDecoder::warnings`] counts them.
    pub fn decode_blocks(&self, bytes: &[u8], pcm: &mut [i16]) -> u64 {
        super::kernels::decode_blocks(self.level, &self.params, bytes, pcm)
    }

    /// Decodes a final block shorter than `block_align` into `pcm` (at least
    /// `samples_per_block · channels` samples); returns (frames written, warnings).
    pub fn decode_tail(&self, bytes: &[u8], pcm: &mut [i16]) -> (usize, u64) {
        let block_samples = self.params.samples_per_block() * self.params.channels();
        if pcm.len() < block_samples {
            return (0, 0);
        }
        let mut warnings = 0;
        let bytes = &bytes[..bytes.len().min(self.params.block_align())];
        let frames = decode_block(&self.params, bytes, pcm, &mut warnings);
        (frames, warnings)
    }
}

impl crate::codecs::block::BlockDecoder for MsBlockDecoder {
    fn layout(&self) -> crate::codecs::block::BlockLayout {
        self.params.block_layout()
    }

    fn decode_blocks(&self, bytes: &[u8], pcm: &mut [i16]) -> u64 {
        MsBlockDecoder::decode_blocks(self, bytes, pcm)
    }

    fn decode_tail(&self, bytes: &[u8], pcm: &mut [i16]) -> (usize, u64) {
        MsBlockDecoder::decode_tail(self, bytes, pcm)
    }
}
