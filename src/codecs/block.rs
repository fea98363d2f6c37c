//! Block codecs: codecs whose stream is a run of fixed-size, independent blocks (IMA ADPCM,
//! Microsoft ADPCM). Each block starts from its own header, so any number of whole blocks can
//! be coded at once, on any thread, with output identical to coding them one by one.
//!
//! A codec exposes two small traits:
//!
//! * [`BlockEncoder`]: `encode_blocks(&mut self, pcm, out)` codes whole blocks of interleaved
//!   `i16` into `out`; `&mut self` holds only scratch sized at construction (no allocation per
//!   call), and [`BlockEncoder::boxed_clone`] makes another one for another thread.
//! * [`BlockDecoder`]: `decode_blocks(&self, bytes, pcm) -> warnings` decodes whole blocks,
//!   `decode_tail` decodes a final short block; both are pure (`&self`, no state between
//!   blocks).
//!
//! The streaming [`Encoder`](super::Encoder)/[`Decoder`](super::Decoder) of a block codec
//! call these one block at a time; file conversion calls [`encode_parallel`] and
//! [`decode_parallel`] on many blocks at once, which split them over the rayon pool.
//! [`block_encoder`] and [`block_decoder`] build them from a [`CodecId`].
//!
//! ```
//! use aquant::codecs::block::{self, BlockDecoder, BlockEncoder};
//! use aquant::codecs::CodecId;
//!
//! let codec = CodecId::ImaAdpcm { block_align: 512, effort: 1 };
//! let mut enc = block::block_encoder(codec, 2).unwrap().unwrap();
//! let dec = block::block_decoder(codec, 2).unwrap().unwrap();
//! let layout = enc.layout();
//! assert_eq!((layout.frames_per_block, layout.bytes_per_block), (505, 512));
//! let pcm: Vec<i16> = (0..layout.samples_per_block() * 3).map(|i| (i % 300) as i16 * 20).collect();
//! let mut bytes = vec![0u8; 3 * 512];
//! block::encode_parallel(std::slice::from_mut(&mut enc), &pcm, &mut bytes);
//! let mut decoded = vec![0i16; pcm.len()];
//! assert_eq!(block::decode_parallel(dec.as_ref(), &bytes, &mut decoded), 0);
//! ```

use rayon::prelude::*;

use super::{ima_adpcm, ms_adpcm, CodecId};
use crate::Result;

/// How a block codec lays out its blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockLayout {
    /// Interleaved channels.
    pub channels: usize,
    /// Frames each block codes (the final block of a stream is padded to this).
    pub frames_per_block: usize,
    /// Bytes of each coded block (`nBlockAlign`).
    pub bytes_per_block: usize,
}

impl BlockLayout {
    /// Interleaved samples per block.
    pub fn samples_per_block(&self) -> usize {
        self.frames_per_block * self.channels
    }
}

/// Encodes whole blocks of interleaved 16-bit PCM.
pub trait BlockEncoder: Send {
    /// The block layout.
    fn layout(&self) -> BlockLayout;
    /// Encodes `n` whole blocks: `pcm.len() == n * layout().samples_per_block()` and
    /// `out.len() == n * layout().bytes_per_block` (`n` may be 0). The bytes of each block
    /// depend on that block's samples only. Never allocates.
    fn encode_blocks(&mut self, pcm: &[i16], out: &mut [u8]);
    /// An independent encoder with the same settings (for another thread).
    fn boxed_clone(&self) -> Box<dyn BlockEncoder>;
}

/// Decodes whole blocks into interleaved 16-bit PCM.
pub trait BlockDecoder: Send + Sync {
    /// The block layout.
    fn layout(&self) -> BlockLayout;
    /// Decodes `n` whole blocks: `bytes.len() == n * layout().bytes_per_block` and
    /// `pcm.len() == n * layout().samples_per_block()`. Returns the count of corrupt-data
    /// events (as [`Decoder::warnings`](super::Decoder::warnings) counts them). Never
    /// allocates or panics, whatever the bytes.
    fn decode_blocks(&self, bytes: &[u8], pcm: &mut [i16]) -> u64;
    /// Decodes a final block shorter than `bytes_per_block` into `pcm` (at least
    /// `samples_per_block()` long); returns (frames written, warnings).
    fn decode_tail(&self, bytes: &[u8], pcm: &mut [i16]) -> (usize, u64);
}

/// The block encoder of `codec`, or `None` for a codec that is not block-based (or has no
/// block encoder yet).
pub fn block_encoder(codec: CodecId, channels: usize) -> Result<Option<Box<dyn BlockEncoder>>> {
    Ok(match codec {
        CodecId::ImaAdpcm {
            block_align,
            effort,
        } => {
            let params = ima_adpcm::ImaParams::new(channels, block_align as usize)?;
            Some(Box::new(ima_adpcm::ImaBlockEncoder::new(
                params,
                ima_adpcm::Effort(effort),
            )))
        }
        CodecId::MsAdpcm {
            block_align,
            effort,
        } => {
            let params = ms_adpcm::MsParams::new(channels, block_align as usize)?;
            Some(Box::new(ms_adpcm::MsBlockEncoder::new(
                params,
                ima_adpcm::Effort(effort),
            )))
        }
        _ => None,
    })
}

/// The block decoder of `codec`, or `None` for a codec that is not block-based (or has no
/// block decoder yet).
pub fn block_decoder(codec: CodecId, channels: usize) -> Result<Option<Box<dyn BlockDecoder>>> {
    Ok(match codec {
        CodecId::ImaAdpcm { block_align, .. } => {
            let params = ima_adpcm::ImaParams::new(channels, block_align as usize)?;
            Some(Box::new(ima_adpcm::ImaBlockDecoder::new(params)))
        }
        CodecId::MsAdpcm { block_align, .. } => {
            let params = ms_adpcm::MsParams::new(channels, block_align as usize)?;
            Some(Box::new(ms_adpcm::MsBlockDecoder::new(params)))
        }
        _ => None,
    })
}

/// Fewest blocks worth handing to another thread.
const MIN_BLOCKS_PER_TASK: usize = 2;

/// Encodes whole blocks with one encoder per worker (`workers` made with
/// [`BlockEncoder::boxed_clone`]), each coding one contiguous run of blocks on the rayon pool.
/// The output is the same whatever the number of workers.
pub fn encode_parallel(workers: &mut [Box<dyn BlockEncoder>], pcm: &[i16], out: &mut [u8]) {
    let Some(first) = workers.first() else {
        return;
    };
    let layout = first.layout();
    let blocks = out.len() / layout.bytes_per_block;
    let tasks = workers.len().min(blocks / MIN_BLOCKS_PER_TASK).max(1);
    if tasks == 1 {
        workers[0].encode_blocks(pcm, out);
        return;
    }
    let per_task = blocks.div_ceil(tasks);
    workers[..tasks]
        .par_iter_mut()
        .zip(out.par_chunks_mut(per_task * layout.bytes_per_block))
        .zip(pcm.par_chunks(per_task * layout.samples_per_block()))
        .for_each(|((worker, out), pcm)| worker.encode_blocks(pcm, out));
}

/// Decodes whole blocks on the rayon pool (one contiguous run of blocks per thread); returns
/// the warning count. The output is the same whatever the number of threads.
pub fn decode_parallel(decoder: &dyn BlockDecoder, bytes: &[u8], pcm: &mut [i16]) -> u64 {
    let layout = decoder.layout();
    let blocks = bytes.len() / layout.bytes_per_block;
    let tasks = rayon::current_num_threads()
        .min(blocks / MIN_BLOCKS_PER_TASK)
        .max(1);
    if tasks == 1 {
        return decoder.decode_blocks(bytes, pcm);
    }
    let per_task = blocks.div_ceil(tasks);
    pcm.par_chunks_mut(per_task * layout.samples_per_block())
        .zip(bytes.par_chunks(per_task * layout.bytes_per_block))
        .map(|(pcm, bytes)| decoder.decode_blocks(bytes, pcm))
        .sum()
}

/// Fills `pcm[filled..]` by repeating each channel's last sample (0 if the block has none): the
/// padding of a stream's final partial block, which costs no bits and does not click in a
/// player that ignores the `fact` length.
pub fn pad_hold_last(pcm: &mut [i16], filled: usize, channels: usize) {
    for i in filled..pcm.len() {
        pcm[i] = if i >= channels { pcm[i - channels] } else { 0 };
    }
}
